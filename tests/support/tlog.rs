//! What Rekor v1 and v2 logs share: RFC 6962 Merkle trees (§2.1) with inclusion proofs, C2SP
//! `tlog-checkpoint` notes signed as C2SP `signed-note`s, and the tlog entry as a bundle carries
//! it (protobuf-specs `TransparencyLogEntry`).

use serde_json::{Value, json};

use super::keys::Key;
use super::{b64, sha256};

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    sha256(&[&[0u8][..], data].concat())
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    sha256(&[&[1u8][..], left, right].concat())
}

/// The largest power of two below `n` (n > 1).
fn split(n: usize) -> usize {
    n.next_power_of_two() / 2
}

/// MTH(D[n]) over leaf hashes.
fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves {
        [one] => *one,
        _ => {
            let k = split(leaves.len());
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `m`, leaf to root.
fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() == 1 {
        return Vec::new();
    }
    let k = split(leaves.len());
    let (mut p, sibling) =
        if m < k { (path(m, &leaves[..k]), root(&leaves[k..])) } else { (path(m - k, &leaves[k..]), root(&leaves[..k])) };
    p.push(sibling);
    p
}

/// A tree of `size` leaves holding `body` at `position` and filler entries elsewhere; returns
/// the root hash and the inclusion proof of `body`.
pub fn prove(body: &[u8], position: u64, size: u64) -> ([u8; 32], Vec<Vec<u8>>) {
    let leaves: Vec<[u8; 32]> =
        (0..size).map(|i| if i == position { leaf_hash(body) } else { leaf_hash(format!("filler entry {i}").as_bytes()) }).collect();
    let position = usize::try_from(position).unwrap();
    (root(&leaves), path(position, &leaves).iter().map(|h| h.to_vec()).collect())
}

/// The signed part of a checkpoint: origin, size, base64 root hash, each on its own line.
pub fn checkpoint_body(origin: &str, size: u64, root: &[u8]) -> String {
    format!("{origin}\n{size}\n{}\n", b64(root))
}

/// One signed-note signature line: `— <name> base64(key hint ‖ signature)`.
pub fn note_signature(body: &str, name: &str, key_hint: &[u8], key: &Key) -> String {
    let sig = [&key_hint[..4], &key.sign(body.as_bytes())].concat();
    format!("\u{2014} {name} {}\n", b64(&sig))
}

/// A signed note: the body, a blank line, then the signature lines (none: unsigned).
pub fn signed_note(body: &str, signatures: &[String]) -> String {
    format!("{body}\n{}", signatures.concat())
}

/// An inclusion proof with its checkpoint.
#[derive(Clone, Debug)]
pub struct Proof {
    pub log_index: u64,
    pub root_hash: Vec<u8>,
    pub tree_size: u64,
    pub hashes: Vec<Vec<u8>>,
    pub checkpoint: Option<String>,
}

/// A transparency log entry as a bundle carries it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub log_index: u64,
    pub log_id: Vec<u8>,
    pub kind: String,
    pub version: String,
    pub integrated_time: Option<i64>,
    pub signed_entry_timestamp: Option<Vec<u8>>,
    pub proof: Option<Proof>,
    pub body: Vec<u8>,
}

impl Entry {
    /// protobuf JSON (int64 as strings).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "logIndex": self.log_index.to_string(),
            "logId": { "keyId": b64(&self.log_id) },
            "kindVersion": { "kind": self.kind, "version": self.version },
            "canonicalizedBody": b64(&self.body),
        });
        if let Some(t) = self.integrated_time {
            v["integratedTime"] = json!(t.to_string());
        }
        if let Some(set) = &self.signed_entry_timestamp {
            v["inclusionPromise"] = json!({ "signedEntryTimestamp": b64(set) });
        }
        if let Some(p) = &self.proof {
            let mut proof = json!({
                "logIndex": p.log_index.to_string(),
                "rootHash": b64(&p.root_hash),
                "treeSize": p.tree_size.to_string(),
                "hashes": p.hashes.iter().map(|h| b64(h)).collect::<Vec<_>>(),
            });
            if let Some(c) = &p.checkpoint {
                proof["checkpoint"] = json!({ "envelope": c });
            }
            v["inclusionProof"] = proof;
        }
        v
    }

    /// The proof, for tests that mutate it.
    pub fn proof_mut(&mut self) -> &mut Proof {
        self.proof.as_mut().expect("entry has an inclusion proof")
    }
}
