//! A Rekor v1 log (P-256): entry bodies `hashedrekord` 0.0.1 (message signatures) and `dsse`
//! 0.0.1 (DSSE envelopes), signed entry timestamps over the RFC 8785 canonical payload
//! `{"body","integratedTime","logID","logIndex"}`, and inclusion proofs whose checkpoint is
//! signed by the log key under the host of its base URL, with key hint SHA-256(SPKI)[0..4].

use serde_json::json;

use super::bundle::{Content, Signer};
use super::keys::Key;
use super::tlog::{self, Entry, Proof};
use super::trusted_root::{LogKey, Window};
use super::{b64, hex, host, sha256};

/// A Rekor v1 log.
pub struct RekorV1 {
    pub key: Key,
    pub base_url: String,
    /// Checkpoint origin, `<host> - <tree id>`.
    pub origin: String,
}

impl RekorV1 {
    pub fn new(label: &str, base_url: &str, tree_id: u64) -> Self {
        Self { key: Key::p256(label), base_url: base_url.to_string(), origin: format!("{} - {tree_id}", host(base_url)) }
    }

    /// The log id: SHA-256 of the log's SubjectPublicKeyInfo.
    pub fn log_id(&self) -> [u8; 32] {
        self.key.spki_sha256()
    }

    /// The trusted-root entry for this log.
    pub fn trust(&self, valid_for: Window) -> LogKey {
        LogKey::new(&self.base_url, &self.key, self.log_id().to_vec(), valid_for)
    }

    /// The canonicalized body recording `content` by `signer`, with its kind and version.
    pub fn body(content: &Content, signer: &Signer) -> (&'static str, Vec<u8>) {
        let verifier = b64(signer.pem().as_bytes());
        let (kind, body) = match content {
            Content::MessageSignature { digest, signature } => (
                "hashedrekord",
                json!({
                    "apiVersion": "0.0.1",
                    "kind": "hashedrekord",
                    "spec": {
                        "data": { "hash": { "algorithm": "sha256", "value": hex(digest) } },
                        "signature": { "content": b64(signature), "publicKey": { "content": verifier } },
                    },
                }),
            ),
            Content::Dsse { payload_type, payload, signature } => {
                let envelope = json!({ "payload": b64(payload), "payloadType": payload_type, "signatures": [{ "sig": b64(signature) }] });
                (
                    "dsse",
                    json!({
                        "apiVersion": "0.0.1",
                        "kind": "dsse",
                        "spec": {
                            "envelopeHash": { "algorithm": "sha256", "value": hex(&sha256(envelope.to_string().as_bytes())) },
                            "payloadHash": { "algorithm": "sha256", "value": hex(&sha256(payload)) },
                            "signatures": [{ "signature": b64(signature), "verifier": verifier }],
                        },
                    }),
                )
            }
        };
        (kind, body.to_string().into_bytes())
    }

    /// The signed entry timestamp of `body` at `log_index`, integrated at `integrated_time`.
    pub fn signed_entry_timestamp(&self, body: &[u8], integrated_time: i64, log_index: u64) -> Vec<u8> {
        let payload = format!(
            r#"{{"body":"{}","integratedTime":{integrated_time},"logID":"{}","logIndex":{log_index}}}"#,
            b64(body),
            hex(&self.log_id())
        );
        self.key.sign(payload.as_bytes())
    }

    /// A checkpoint for a tree of `size` with `root`, signed by this log.
    pub fn checkpoint(&self, size: u64, root: &[u8]) -> String {
        let body = tlog::checkpoint_body(&self.origin, size, root);
        let line = tlog::note_signature(&body, host(&self.base_url), &self.log_id(), &self.key);
        tlog::signed_note(&body, &[line])
    }

    /// A complete entry: body, signed entry timestamp, and an inclusion proof (the entry sits at
    /// `log_index` in a tree of `log_index + 3` leaves) with a signed checkpoint.
    pub fn entry(&self, content: &Content, signer: &Signer, log_index: u64, integrated_time: i64) -> Entry {
        let (kind, body) = Self::body(content, signer);
        let tree_size = log_index + 3;
        let (root, hashes) = tlog::prove(&body, log_index, tree_size);
        Entry {
            log_index,
            log_id: self.log_id().to_vec(),
            kind: kind.into(),
            version: "0.0.1".into(),
            integrated_time: Some(integrated_time),
            signed_entry_timestamp: Some(self.signed_entry_timestamp(&body, integrated_time, log_index)),
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
