//! Sigstore bundles v0.1–v0.3 (protobuf-specs `dev.sigstore.bundle.v1.Bundle`): parsed into typed
//! evidence with the structural rules of each version. No trust is implied by parsing.
//!
//! Parsing is strict: unknown fields and duplicate keys are rejected, every base64 field must
//! decode, and each version's required evidence must be present (v0.1: an inclusion promise per
//! log entry; v0.2+: an inclusion proof, whose checkpoint the verifier requires; v0.3: a single certificate, no chain).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use super::json::{self, Bytes, Int64};
use crate::crypto::HashAlgorithm;
use crate::error::{Error, Result};
use crate::limits::{self, MAX_BUNDLE_BYTES, MAX_CHAIN_DEPTH, MAX_PROOF_HASHES, MAX_TIMESTAMPS, MAX_TLOG_ENTRIES};
use crate::x509::Certificate;

/// Bundle format versions (serialized as `"0.1"`, `"0.2"`, `"0.3"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`
    #[serde(rename = "0.1")]
    V0_1,
    /// `…;version=0.2`
    #[serde(rename = "0.2")]
    V0_2,
    /// `…;version=0.3` or `application/vnd.dev.sigstore.bundle.v0.3+json`
    #[serde(rename = "0.3")]
    V0_3,
}

impl BundleVersion {
    fn from_media_type(mt: &str) -> Result<Self> {
        match mt {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Ok(Self::V0_1),
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Ok(Self::V0_2),
            "application/vnd.dev.sigstore.bundle+json;version=0.3" | "application/vnd.dev.sigstore.bundle.v0.3+json" => Ok(Self::V0_3),
            other => Err(Error::UnsupportedMediaType(other.into())),
        }
    }
}

/// Who signed, as the bundle claims it.
#[derive(Debug, Clone)]
pub enum VerificationMaterial {
    /// A signing certificate, and (v0.1/v0.2 chains only) intermediates after it.
    Certificate {
        /// The leaf.
        leaf: Certificate,
        /// Intermediates carried by the bundle, nearest first.
        intermediates: Vec<Certificate>,
    },
    /// A public key identified out of band; `hint` is the bundle's key hint.
    PublicKey {
        /// The key hint, if any.
        hint: Option<String>,
    },
}

/// A DSSE envelope with its single signature (DSSE spec: exactly one is accepted here).
#[derive(Debug, Clone)]
pub struct Envelope {
    /// payloadType.
    pub payload_type: String,
    /// The decoded payload.
    pub payload: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// What was signed.
#[derive(Debug, Clone)]
pub enum Content {
    /// A signature over the artifact bytes, with the digest the signer recorded.
    MessageSignature {
        /// `messageDigest`, if present.
        digest: Option<(HashAlgorithm, Vec<u8>)>,
        /// The signature.
        signature: Vec<u8>,
    },
    /// A DSSE envelope.
    Dsse(Envelope),
}

impl Content {
    /// The signature bytes (the one DSSE signature, or the message signature).
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        match self {
            Self::MessageSignature { signature, .. } => signature,
            Self::Dsse(e) => &e.signature,
        }
    }
}

/// An RFC 6962 inclusion proof with its checkpoint.
#[derive(Debug, Clone)]
pub struct InclusionProof {
    /// Index of the leaf.
    pub log_index: u64,
    /// Root hash claimed.
    pub root_hash: Vec<u8>,
    /// Tree size claimed.
    pub tree_size: u64,
    /// Audit path, leaf to root.
    pub hashes: Vec<Vec<u8>>,
    /// The signed note, if present.
    pub checkpoint: Option<String>,
}

/// A transparency log entry as the bundle carries it.
#[derive(Debug, Clone)]
pub struct TlogEntry {
    /// logIndex.
    pub log_index: u64,
    /// logId.keyId.
    pub log_id: Vec<u8>,
    /// kindVersion.kind.
    pub kind: String,
    /// kindVersion.version.
    pub version: String,
    /// integratedTime (0 or absent for Rekor v2).
    pub integrated_time: i64,
    /// inclusionPromise.signedEntryTimestamp.
    pub signed_entry_timestamp: Option<Vec<u8>>,
    /// inclusionProof.
    pub inclusion_proof: Option<InclusionProof>,
    /// canonicalizedBody.
    pub body: Vec<u8>,
}

/// A parsed bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Format version.
    pub version: BundleVersion,
    /// Certificate or key.
    pub material: VerificationMaterial,
    /// Message signature or DSSE envelope.
    pub content: Content,
    /// Log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// RFC 3161 TimeStampResp DER values.
    pub timestamps: Vec<Vec<u8>>,
}

// ---- JSON shape ------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BundleJson {
    media_type: String,
    verification_material: MaterialJson,
    message_signature: Option<MessageSignatureJson>,
    dsse_envelope: Option<EnvelopeJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MaterialJson {
    public_key: Option<PublicKeyIdJson>,
    x509_certificate_chain: Option<ChainJson>,
    certificate: Option<RawJson>,
    #[serde(default)]
    tlog_entries: Vec<TlogEntryJson>,
    timestamp_verification_data: Option<TimestampDataJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicKeyIdJson {
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainJson {
    #[serde(default)]
    certificates: Vec<RawJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawJson {
    raw_bytes: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimestampDataJson {
    #[serde(default)]
    rfc3161_timestamps: Vec<SignedTimestampJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignedTimestampJson {
    signed_timestamp: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TlogEntryJson {
    log_index: Int64,
    log_id: LogIdJson,
    kind_version: KindVersionJson,
    integrated_time: Option<Int64>,
    inclusion_promise: Option<PromiseJson>,
    inclusion_proof: Option<ProofJson>,
    canonicalized_body: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LogIdJson {
    key_id: Bytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindVersionJson {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PromiseJson {
    signed_entry_timestamp: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProofJson {
    log_index: Int64,
    root_hash: Bytes,
    tree_size: Int64,
    #[serde(default)]
    hashes: Vec<Bytes>,
    checkpoint: Option<CheckpointJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointJson {
    envelope: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MessageSignatureJson {
    message_digest: Option<HashOutputJson>,
    signature: Bytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashOutputJson {
    algorithm: String,
    digest: Bytes,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnvelopeJson {
    payload: Bytes,
    payload_type: String,
    signatures: Vec<DsseSignatureJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DsseSignatureJson {
    sig: Bytes,
    #[serde(default)]
    #[allow(dead_code)]
    keyid: Option<String>,
}

/// protobuf-specs `HashAlgorithm` names.
pub(crate) fn hash_algorithm_by_name(name: &str) -> Result<HashAlgorithm> {
    match name {
        "SHA2_256" => Ok(HashAlgorithm::Sha256),
        "SHA2_384" => Ok(HashAlgorithm::Sha384),
        "SHA2_512" => Ok(HashAlgorithm::Sha512),
        other => Err(Error::UnsupportedAlgorithm { what: "message digest".into(), alg: other.into() }),
    }
}

fn structure(msg: &str) -> Error {
    Error::BundleStructure(msg.into())
}

fn non_negative(what: &'static str, v: Int64) -> Result<u64> {
    u64::try_from(v.0).map_err(|_| Error::BundleStructure(alloc::format!("{what} is negative")))
}

impl Bundle {
    /// Parses a bundle's JSON and applies the structural rules of its version.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let raw: BundleJson = json::from_slice("bundle", bytes, MAX_BUNDLE_BYTES)?;
        let version = BundleVersion::from_media_type(&raw.media_type)?;
        let m = raw.verification_material;

        let material = match (m.public_key, m.x509_certificate_chain, m.certificate) {
            (Some(pk), None, None) => VerificationMaterial::PublicKey { hint: pk.hint },
            (None, Some(chain), None) => {
                if version >= BundleVersion::V0_3 {
                    return Err(structure("v0.3 bundles carry a single certificate, not a chain"));
                }
                limits::check("bundle certificate chain", chain.certificates.len(), MAX_CHAIN_DEPTH)?;
                let mut certs = chain.certificates.iter().enumerate().map(|(i, c)| Certificate::from_der(&alloc::format!("bundle certificate {i}"), &c.raw_bytes.0));
                let leaf = certs.next().ok_or_else(|| structure("certificate chain is empty"))??;
                let intermediates = certs.collect::<Result<Vec<_>>>()?;
                if leaf.is_self_issued() {
                    return Err(Error::ChainContainsRoot { index: 0 });
                }
                VerificationMaterial::Certificate { leaf, intermediates }
            }
            (None, None, Some(c)) => {
                if version < BundleVersion::V0_3 {
                    return Err(structure("the certificate field exists from bundle v0.3 on; older bundles carry x509CertificateChain"));
                }
                let leaf = Certificate::from_der("bundle certificate", &c.raw_bytes.0)?;
                if leaf.is_self_issued() {
                    return Err(Error::ChainContainsRoot { index: 0 });
                }
                VerificationMaterial::Certificate { leaf, intermediates: Vec::new() }
            }
            _ => return Err(structure("verificationMaterial needs exactly one of publicKey, x509CertificateChain, certificate")),
        };

        let content = match (raw.message_signature, raw.dsse_envelope) {
            (Some(ms), None) => {
                let digest = ms.message_digest.map(|d| Ok::<_, Error>((hash_algorithm_by_name(&d.algorithm)?, d.digest.0))).transpose()?;
                if let Some((alg, d)) = &digest {
                    if d.len() != alg.output_len() {
                        return Err(structure("messageDigest has the wrong length for its algorithm"));
                    }
                }
                Content::MessageSignature { digest, signature: ms.signature.0 }
            }
            (None, Some(env)) => {
                limits::check("DSSE payload", env.payload.0.len(), limits::MAX_DSSE_PAYLOAD_BYTES)?;
                let [sig] = <[DsseSignatureJson; 1]>::try_from(env.signatures).map_err(|v| {
                    Error::Dsse(alloc::format!("exactly one signature is accepted, found {}", v.len()))
                })?;
                Content::Dsse(Envelope { payload_type: env.payload_type, payload: env.payload.0, signature: sig.sig.0 })
            }
            _ => return Err(structure("bundle needs exactly one of messageSignature, dsseEnvelope")),
        };
        if content.signature().is_empty() {
            return Err(structure("signature is empty"));
        }

        limits::check("tlog entries", m.tlog_entries.len(), MAX_TLOG_ENTRIES)?;
        let tlog_entries = m.tlog_entries.into_iter().map(|e| tlog_entry(version, e)).collect::<Result<Vec<_>>>()?;

        let timestamps: Vec<Vec<u8>> =
            m.timestamp_verification_data.map(|t| t.rfc3161_timestamps.into_iter().map(|t| t.signed_timestamp.0).collect()).unwrap_or_default();
        limits::check("RFC 3161 timestamps", timestamps.len(), MAX_TIMESTAMPS)?;

        Ok(Self { version, material, content, tlog_entries, timestamps })
    }
}

fn tlog_entry(version: BundleVersion, e: TlogEntryJson) -> Result<TlogEntry> {
    let log_index = non_negative("tlog entry logIndex", e.log_index)?;
    let integrated_time = e.integrated_time.map_or(0, |t| t.0);
    if integrated_time < 0 {
        return Err(structure("tlog entry integratedTime is negative"));
    }
    let signed_entry_timestamp = e.inclusion_promise.map(|p| p.signed_entry_timestamp.0);
    let inclusion_proof = e
        .inclusion_proof
        .map(|p| {
            limits::check("inclusion proof hashes", p.hashes.len(), MAX_PROOF_HASHES)?;
            Ok::<_, Error>(InclusionProof {
                log_index: non_negative("inclusion proof logIndex", p.log_index)?,
                root_hash: p.root_hash.0,
                tree_size: non_negative("inclusion proof treeSize", p.tree_size)?,
                hashes: p.hashes.into_iter().map(|h| h.0).collect(),
                checkpoint: p.checkpoint.map(|c| c.envelope),
            })
        })
        .transpose()?;
    match version {
        BundleVersion::V0_1 if signed_entry_timestamp.is_none() => {
            return Err(Error::MissingEvidence("v0.1 bundle tlog entry without an inclusion promise"));
        }
        BundleVersion::V0_2 | BundleVersion::V0_3 if inclusion_proof.is_none() => {
            return Err(Error::MissingEvidence("v0.2+ bundle tlog entry without an inclusion proof"));
        }
        _ => {}
    }
    if e.log_id.key_id.0.is_empty() {
        return Err(structure("tlog entry logId is empty"));
    }
    Ok(TlogEntry {
        log_index,
        log_id: e.log_id.key_id.0,
        kind: e.kind_version.kind,
        version: e.kind_version.version,
        integrated_time,
        signed_entry_timestamp,
        inclusion_proof,
        body: e.canonicalized_body.0,
    })
}
