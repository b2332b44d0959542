//! Cosign legacy attestations (`<alg>-<hex>.att` tag): each layer is a DSSE envelope
//! (`application/vnd.dsse.envelope.v1+json`) with the same annotations as signatures. Each is
//! re-expressed as a v0.1-shaped Sigstore [`Bundle`] (DSSE content, certificate or key material,
//! the Rekor SET as an inclusion promise, an RFC 3161 timestamp), so the one bundle verifier
//! checks it: SET, entry body bound to this envelope, certificate path, in-toto subject.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use super::signature::StoredSignature;
use crate::error::{Error, Result};
use crate::sigstore::bundle::{Bundle, BundleVersion, Content, Envelope, TlogEntry, VerificationMaterial};
use crate::sigstore::json::Bytes;
use crate::x509::Certificate;

/// Layer media type of cosign attestations.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnvelopeJson {
    payload_type: String,
    payload: Bytes,
    signatures: Vec<SigJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SigJson {
    #[serde(default)]
    #[allow(dead_code)]
    keyid: Option<String>,
    sig: Bytes,
}

#[derive(Deserialize)]
struct KindJson {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
}

/// The bundle equivalent of a stored legacy attestation.
pub fn to_bundle(att: &StoredSignature) -> Result<Bundle> {
    if att.media_type != DSSE_MEDIA_TYPE {
        return Err(Error::NotASignature(alloc::format!("attestation media type {:?}", att.media_type)));
    }
    let env: EnvelopeJson = serde_json::from_slice(&att.payload).map_err(|e| Error::Json { what: "DSSE envelope", detail: alloc::format!("{e}") })?;
    let [sig] = <[SigJson; 1]>::try_from(env.signatures).map_err(|v| Error::Dsse(alloc::format!("exactly one signature is accepted, found {}", v.len())))?;
    let content = Content::Dsse(Envelope { payload_type: env.payload_type, payload: env.payload.0, signature: sig.sig.0 });
    let material = match att.certificate()? {
        Some(der) => VerificationMaterial::Certificate {
            leaf: Certificate::from_der("attestation certificate", &der)?,
            intermediates: att.chain()?.iter().enumerate().map(|(i, d)| Certificate::from_der(&alloc::format!("attestation chain certificate {i}"), d)).collect::<Result<_>>()?,
        },
        None => VerificationMaterial::PublicKey { hint: None },
    };
    let mut tlog_entries = Vec::new();
    if let Some(b) = att.rekor_bundle()? {
        let k: KindJson = serde_json::from_slice(&b.body).map_err(|e| Error::Json { what: "Rekor entry body", detail: alloc::format!("{e}") })?;
        tlog_entries.push(TlogEntry {
            log_index: b.log_index,
            log_id: b.log_id,
            kind: k.kind,
            version: k.api_version,
            integrated_time: b.integrated_time,
            signed_entry_timestamp: Some(b.signed_entry_timestamp),
            inclusion_proof: None,
            body: b.body,
        });
    }
    let timestamps = att.rfc3161_timestamp()?.into_iter().collect();
    Ok(Bundle { version: BundleVersion::V0_1, material, content, tlog_entries, timestamps })
}
