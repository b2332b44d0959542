//! `trusted_root.json` (protobuf-specs `dev.sigstore.trustroot.v1.TrustedRoot`, media type
//! `application/vnd.dev.sigstore.trustedroot+json;version=0.1`) as plain data: every log and
//! authority with its `validFor` window, so a test can change one field and serialize.

use serde_json::{Value, json};

use sealcheck::sigstore::TrustedRoot;

use super::b64;
use super::der::rfc3339;
use super::keys::Key;

/// A `validFor` window in Unix seconds; `end` inclusive, `None` = open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: Option<i64>,
}

impl Window {
    fn to_json(self) -> Value {
        match self.end {
            Some(end) => json!({ "start": rfc3339(self.start), "end": rfc3339(end) }),
            None => json!({ "start": rfc3339(self.start) }),
        }
    }
}

/// A transparency log or CT log key.
#[derive(Clone, Debug)]
pub struct LogKey {
    pub base_url: String,
    pub spki: Vec<u8>,
    pub key_details: &'static str,
    pub log_id: Vec<u8>,
    pub valid_for: Window,
}

impl LogKey {
    pub fn new(base_url: &str, key: &Key, log_id: Vec<u8>, valid_for: Window) -> Self {
        Self { base_url: base_url.to_string(), spki: key.spki(), key_details: key.key_details(), log_id, valid_for }
    }

    fn to_json(&self) -> Value {
        json!({
            "baseUrl": self.base_url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": { "rawBytes": b64(&self.spki), "keyDetails": self.key_details, "validFor": self.valid_for.to_json() },
            "logId": { "keyId": b64(&self.log_id) },
        })
    }
}

/// A certificate authority or timestamp authority: its chain, nearest first.
#[derive(Clone, Debug)]
pub struct Authority {
    pub uri: String,
    pub chain: Vec<Vec<u8>>,
    pub valid_for: Window,
}

impl Authority {
    fn to_json(&self) -> Value {
        json!({
            "uri": self.uri,
            "certChain": { "certificates": self.chain.iter().map(|c| json!({ "rawBytes": b64(c) })).collect::<Vec<_>>() },
            "validFor": self.valid_for.to_json(),
        })
    }
}

/// A trusted root's content.
#[derive(Clone, Debug, Default)]
pub struct TrustedRootSpec {
    pub tlogs: Vec<LogKey>,
    pub ctlogs: Vec<LogKey>,
    pub cas: Vec<Authority>,
    pub tsas: Vec<Authority>,
}

impl TrustedRootSpec {
    /// The JSON text.
    pub fn to_json(&self) -> String {
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": self.tlogs.iter().map(LogKey::to_json).collect::<Vec<_>>(),
            "certificateAuthorities": self.cas.iter().map(Authority::to_json).collect::<Vec<_>>(),
            "ctlogs": self.ctlogs.iter().map(LogKey::to_json).collect::<Vec<_>>(),
            "timestampAuthorities": self.tsas.iter().map(Authority::to_json).collect::<Vec<_>>(),
        })
        .to_string()
    }

    /// Loads the JSON with sealcheck.
    pub fn load(&self) -> sealcheck::Result<TrustedRoot> {
        TrustedRoot::from_json(self.to_json().as_bytes(), super::backend())
    }
}
