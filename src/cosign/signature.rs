//! Cosign legacy image signatures as stored: a simple-signing layer with its annotations
//! (cosign `specs/SIGNATURE_SPEC.md`), either from an OCI `sha256-<hex>.sig` manifest or in the
//! containers/image storage form `\0sigstore-json\n{"mimeType","payload","annotations"}`
//! (containers/image `internal/signature/sigstore.go`). Parsing implies no trust.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use crate::encoding::{base64_decode, pem_decode_all};
use crate::error::{Error, Result};
use crate::sigstore::json::{Bytes, Int64};

/// Layer media type of simple-signing payloads.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Annotation: base64 signature over the payload.
pub const ANNOTATION_SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// Annotation: PEM signing certificate.
pub const ANNOTATION_CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
/// Annotation: PEM chain (intermediates, possibly the root).
pub const ANNOTATION_CHAIN: &str = "dev.sigstore.cosign/chain";
/// Annotation: Rekor bundle (SET and payload).
pub const ANNOTATION_BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// Annotation: RFC 3161 timestamp.
pub const ANNOTATION_RFC3161: &str = "dev.sigstore.cosign/rfc3161timestamp";

const STORAGE_PREFIX: &[u8] = b"\0sigstore-json\n";

/// The Rekor bundle annotation: a SET and the entry it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorBundle {
    /// SignedEntryTimestamp.
    pub signed_entry_timestamp: Vec<u8>,
    /// Payload.body: the canonicalized entry body.
    pub body: Vec<u8>,
    /// Payload.integratedTime.
    pub integrated_time: i64,
    /// Payload.logIndex.
    pub log_index: u64,
    /// Payload.logID (hex in the annotation), decoded.
    pub log_id: Vec<u8>,
}

/// One stored signature: media type, payload and the cosign annotations, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignature {
    /// The layer media type.
    pub media_type: String,
    /// The payload bytes (what was signed).
    pub payload: Vec<u8>,
    /// All annotations, as given.
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StorageJson {
    mime_type: String,
    payload: Bytes,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RekorBundleJson {
    signed_entry_timestamp: Bytes,
    payload: RekorPayloadJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RekorPayloadJson {
    body: Bytes,
    integrated_time: Int64,
    log_index: Int64,
    #[serde(rename = "logID")]
    log_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct TimestampJson {
    #[serde(rename = "SignedRFC3161Timestamp")]
    signed_rfc3161_timestamp: Bytes,
}

impl StoredSignature {
    /// Parses the containers/image storage form.
    pub fn from_storage_blob(blob: &[u8]) -> Result<Self> {
        let json = blob
            .strip_prefix(STORAGE_PREFIX)
            .ok_or(Error::Json { what: "stored signature", detail: "not in the sigstore-json storage format".into() })?;
        let s: StorageJson =
            serde_json::from_slice(json).map_err(|e| Error::Json { what: "stored signature", detail: alloc::format!("{e}") })?;
        Ok(Self { media_type: s.mime_type, payload: s.payload.0, annotations: s.annotations })
    }

    /// True for simple-signing layers (others are non-signature attachments).
    #[must_use]
    pub fn is_simple_signing(&self) -> bool {
        self.media_type == SIMPLE_SIGNING_MEDIA_TYPE
    }

    /// The decoded signature annotation.
    pub fn signature(&self) -> Result<Vec<u8>> {
        let s = self.annotations.get(ANNOTATION_SIGNATURE).ok_or(Error::MissingEvidence("signature annotation"))?;
        base64_decode(ANNOTATION_SIGNATURE, s)
    }

    /// The certificate annotation, DER.
    pub fn certificate(&self) -> Result<Option<Vec<u8>>> {
        let Some(pem) = self.annotations.get(ANNOTATION_CERTIFICATE) else { return Ok(None) };
        let mut blocks = pem_decode_all(ANNOTATION_CERTIFICATE, pem)?;
        match (blocks.pop(), blocks.is_empty()) {
            (Some(b), true) if b.label == "CERTIFICATE" => Ok(Some(b.der)),
            _ => Err(Error::Encoding { what: ANNOTATION_CERTIFICATE.into(), encoding: "PEM" }),
        }
    }

    /// The chain annotation, DER certificates in order.
    pub fn chain(&self) -> Result<Vec<Vec<u8>>> {
        let Some(pem) = self.annotations.get(ANNOTATION_CHAIN) else { return Ok(Vec::new()) };
        let blocks = pem_decode_all(ANNOTATION_CHAIN, pem)?;
        if blocks.iter().any(|b| b.label != "CERTIFICATE") || blocks.len() > crate::limits::MAX_CHAIN_DEPTH {
            return Err(Error::Encoding { what: ANNOTATION_CHAIN.into(), encoding: "PEM" });
        }
        Ok(blocks.into_iter().map(|b| b.der).collect())
    }

    /// The Rekor bundle annotation.
    pub fn rekor_bundle(&self) -> Result<Option<RekorBundle>> {
        let Some(j) = self.annotations.get(ANNOTATION_BUNDLE) else { return Ok(None) };
        let b: RekorBundleJson =
            serde_json::from_str(j).map_err(|e| Error::Json { what: "cosign Rekor bundle", detail: alloc::format!("{e}") })?;
        let log_index =
            u64::try_from(b.payload.log_index.0).map_err(|_| Error::BundleStructure("cosign Rekor bundle: negative logIndex".into()))?;
        Ok(Some(RekorBundle {
            signed_entry_timestamp: b.signed_entry_timestamp.0,
            body: b.payload.body.0,
            integrated_time: b.payload.integrated_time.0,
            log_index,
            log_id: crate::encoding::hex_decode("cosign Rekor bundle logID", &b.payload.log_id)?,
        }))
    }

    /// The RFC 3161 timestamp annotation: a DER TimeStampResp.
    pub fn rfc3161_timestamp(&self) -> Result<Option<Vec<u8>>> {
        let Some(j) = self.annotations.get(ANNOTATION_RFC3161) else { return Ok(None) };
        let t: TimestampJson =
            serde_json::from_str(j).map_err(|e| Error::Json { what: "cosign RFC 3161 annotation", detail: alloc::format!("{e}") })?;
        Ok(Some(t.signed_rfc3161_timestamp.0))
    }
}
