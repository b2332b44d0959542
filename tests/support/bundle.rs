//! Sigstore bundles v0.1–v0.3 (protobuf-specs `dev.sigstore.bundle.v1.Bundle`) as plain data:
//! the signer and what it signs (a message signature, or a DSSE envelope over an in-toto
//! Statement v1), the verification material, log entries and RFC 3161 timestamps.

use serde_json::{Value, json};

use sealcheck::sigstore::Bundle;

use super::keys::Key;
use super::tlog::Entry;
use super::{b64, hex, pem, sha256};

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";

/// Bundle versions, by media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V0_1,
    V0_2,
    V0_3,
}

impl Version {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::V0_1 => "application/vnd.dev.sigstore.bundle+json;version=0.1",
            Self::V0_2 => "application/vnd.dev.sigstore.bundle+json;version=0.2",
            Self::V0_3 => "application/vnd.dev.sigstore.bundle.v0.3+json",
        }
    }
}

/// Who signs: a key, with a certificate (keyless) or without (a key identified out of band).
#[derive(Clone)]
pub struct Signer {
    pub key: Key,
    /// The leaf certificate, DER.
    pub cert: Option<Vec<u8>>,
    /// Intermediates the bundle carries after the leaf (v0.1/v0.2 chains), nearest first.
    pub chain: Vec<Vec<u8>>,
}

impl Signer {
    /// The verifier as Rekor v1 records it: PEM certificate or PEM public key.
    pub fn pem(&self) -> String {
        match &self.cert {
            Some(c) => pem("CERTIFICATE", c),
            None => self.key.public_pem(),
        }
    }

    /// A message signature over `artifact`, with its SHA-256 as `messageDigest`.
    pub fn sign_message(&self, artifact: &[u8]) -> Content {
        Content::MessageSignature { digest: sha256(artifact).to_vec(), signature: self.key.sign(artifact) }
    }

    /// A DSSE envelope: the signature is over PAE(payload type, payload).
    pub fn sign_dsse(&self, payload_type: &str, payload: &[u8]) -> Content {
        Content::Dsse {
            payload_type: payload_type.to_string(),
            payload: payload.to_vec(),
            signature: self.key.sign(&pae(payload_type, payload)),
        }
    }

    /// The verification material of a bundle of `version`.
    pub fn material(&self, version: Version) -> Material {
        match &self.cert {
            None => Material::PublicKey { hint: hex(&self.key.spki_sha256()) },
            Some(c) if version == Version::V0_3 => Material::Certificate(c.clone()),
            Some(c) => Material::Chain([std::slice::from_ref(c), &self.chain].concat()),
        }
    }
}

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    [format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).as_bytes(), payload].concat()
}

/// An in-toto Statement v1 with one subject whose SHA-256 is `subject_sha256`.
pub fn in_toto_statement(subject_sha256: &[u8]) -> Vec<u8> {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": "artifact.bin", "digest": { "sha256": hex(subject_sha256) } }],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": { "buildDefinition": { "buildType": "https://sigstore.test/generated" } },
    })
    .to_string()
    .into_bytes()
}

/// What was signed.
#[derive(Clone, Debug)]
pub enum Content {
    MessageSignature { digest: Vec<u8>, signature: Vec<u8> },
    Dsse { payload_type: String, payload: Vec<u8>, signature: Vec<u8> },
}

impl Content {
    pub fn signature(&self) -> &[u8] {
        match self {
            Self::MessageSignature { signature, .. } | Self::Dsse { signature, .. } => signature,
        }
    }

    fn to_json(&self) -> (&'static str, Value) {
        match self {
            Self::MessageSignature { digest, signature } => (
                "messageSignature",
                json!({ "messageDigest": { "algorithm": "SHA2_256", "digest": b64(digest) }, "signature": b64(signature) }),
            ),
            Self::Dsse { payload_type, payload, signature } => (
                "dsseEnvelope",
                json!({ "payload": b64(payload), "payloadType": payload_type, "signatures": [{ "sig": b64(signature), "keyid": "" }] }),
            ),
        }
    }
}

/// The verification material.
#[derive(Clone, Debug)]
pub enum Material {
    /// v0.3: one certificate.
    Certificate(Vec<u8>),
    /// v0.1/v0.2: the leaf, then intermediates.
    Chain(Vec<Vec<u8>>),
    /// A key identified out of band.
    PublicKey { hint: String },
}

/// A bundle's content.
#[derive(Clone, Debug)]
pub struct BundleSpec {
    pub media_type: String,
    pub material: Material,
    pub content: Content,
    pub tlog_entries: Vec<Entry>,
    pub timestamps: Vec<Vec<u8>>,
}

impl BundleSpec {
    /// The JSON text.
    pub fn to_json(&self) -> String {
        let mut vm = json!({ "tlogEntries": self.tlog_entries.iter().map(Entry::to_json).collect::<Vec<_>>() });
        match &self.material {
            Material::Certificate(c) => vm["certificate"] = json!({ "rawBytes": b64(c) }),
            Material::Chain(certs) => {
                vm["x509CertificateChain"] =
                    json!({ "certificates": certs.iter().map(|c| json!({ "rawBytes": b64(c) })).collect::<Vec<_>>() });
            }
            Material::PublicKey { hint } => vm["publicKey"] = json!({ "hint": hint }),
        }
        if !self.timestamps.is_empty() {
            let ts: Vec<Value> = self.timestamps.iter().map(|t| json!({ "signedTimestamp": b64(t) })).collect();
            vm["timestampVerificationData"] = json!({ "rfc3161Timestamps": ts });
        }
        let (field, content) = self.content.to_json();
        let mut v = json!({ "mediaType": self.media_type, "verificationMaterial": vm });
        v[field] = content;
        v.to_string()
    }

    /// Parses the JSON with sealcheck.
    pub fn parse(&self) -> sealcheck::Result<Bundle> {
        Bundle::from_json(self.to_json().as_bytes())
    }
}
