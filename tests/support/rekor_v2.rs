//! A Rekor v2 (rekor-tiles) log (Ed25519): entry bodies `hashedrekord` 0.0.2 and `dsse` 0.0.2,
//! no signed entry timestamp (a v2 entry needs a TSA time), and inclusion proofs whose checkpoint
//! origin and signer name are the host of the base URL. The log id is the C2SP signed-note key
//! id SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), whose first four bytes are the key hint.

use serde_json::{Value, json};

use super::bundle::{Content, Signer};
use super::keys::Key;
use super::tlog::{self, Entry, Proof};
use super::trusted_root::{LogKey, Window};
use super::{b64, host, sha256};

/// A Rekor v2 log.
pub struct RekorV2 {
    pub key: Key,
    pub base_url: String,
}

impl RekorV2 {
    pub fn new(label: &str, base_url: &str) -> Self {
        Self { key: Key::ed25519(label), base_url: base_url.to_string() }
    }

    /// The signed-note key id of the log (its `logId.keyId`).
    pub fn log_id(&self) -> [u8; 32] {
        sha256(&[host(&self.base_url).as_bytes(), b"\n\x01", &self.key.public_raw()].concat())
    }

    /// The trusted-root entry for this log.
    pub fn trust(&self, valid_for: Window) -> LogKey {
        LogKey::new(&self.base_url, &self.key, self.log_id().to_vec(), valid_for)
    }

    /// The canonicalized body recording `content` by `signer`, with its kind.
    pub fn body(content: &Content, signer: &Signer) -> (&'static str, Vec<u8>) {
        let verifier: Value = match &signer.cert {
            Some(c) => json!({ "keyDetails": signer.key.key_details(), "x509Certificate": { "rawBytes": b64(c) } }),
            None => json!({ "keyDetails": signer.key.key_details(), "publicKey": { "rawBytes": b64(&signer.key.spki()) } }),
        };
        let (kind, spec) = match content {
            Content::MessageSignature { digest, signature } => (
                "hashedrekord",
                json!({ "hashedRekordV002": {
                    "data": { "algorithm": "SHA2_256", "digest": b64(digest) },
                    "signature": { "content": b64(signature), "verifier": verifier },
                } }),
            ),
            Content::Dsse { payload, signature, .. } => (
                "dsse",
                json!({ "dsseV002": {
                    "payloadHash": { "algorithm": "SHA2_256", "digest": b64(&sha256(payload)) },
                    "signatures": [{ "content": b64(signature), "verifier": verifier }],
                } }),
            ),
        };
        (kind, json!({ "apiVersion": "0.0.2", "kind": kind, "spec": spec }).to_string().into_bytes())
    }

    /// A checkpoint for a tree of `size` with `root`, signed by this log.
    pub fn checkpoint(&self, size: u64, root: &[u8]) -> String {
        let name = host(&self.base_url);
        let body = tlog::checkpoint_body(name, size, root);
        tlog::signed_note(&body, &[tlog::note_signature(&body, name, &self.log_id(), &self.key)])
    }

    /// A complete entry: body and an inclusion proof (the entry sits at `log_index` in a tree of
    /// `log_index + 3` leaves) with a signed checkpoint; no integrated time, no promise.
    pub fn entry(&self, content: &Content, signer: &Signer, log_index: u64) -> Entry {
        let (kind, body) = Self::body(content, signer);
        let tree_size = log_index + 3;
        let (root, hashes) = tlog::prove(&body, log_index, tree_size);
        Entry {
            log_index,
            log_id: self.log_id().to_vec(),
            kind: kind.into(),
            version: "0.0.2".into(),
            integrated_time: None,
            signed_entry_timestamp: None,
            proof: Some(Proof {
                log_index,
                root_hash: root.to_vec(),
                tree_size,
                hashes,
                checkpoint: Some(self.checkpoint(tree_size, &root)),
            }),
            body,
        }
    }
}
