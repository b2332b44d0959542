//! Cosign's legacy storage re-expressed as Sigstore bundles, so that the one bundle verifier
//! ([`crate::sigstore::Verifier`]) checks them: a simple-signing layer (`.sig`) becomes a v0.1
//! message-signature bundle over the payload, a DSSE layer (`.att`,
//! `application/vnd.dsse.envelope.v1+json`) a v0.1 DSSE bundle. The annotations give the rest
//! (cosign `specs/SIGNATURE_SPEC.md`): the certificate, its chain, the Rekor SET as an inclusion
//! promise over the entry body, an RFC 3161 timestamp.
//!
//! The chain annotation holds the intermediates *and the root*; as containers/image does
//! (`fulcio_cert.go`, `pki_cert.go`), its last certificate is not carried as an intermediate:
//! trust comes from the verifier's certificate authorities only.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use super::signature::{SIMPLE_SIGNING_MEDIA_TYPE, StoredSignature};
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

impl StoredSignature {
    /// The bundle equivalent of this stored signature or attestation. Anything but a
    /// simple-signing or DSSE layer is not a signature.
    pub fn to_bundle(&self) -> Result<Bundle> {
        let content = match self.media_type.as_str() {
            SIMPLE_SIGNING_MEDIA_TYPE => Content::MessageSignature { digest: None, signature: self.signature()? },
            DSSE_MEDIA_TYPE => {
                let env: EnvelopeJson =
                    serde_json::from_slice(&self.payload).map_err(|e| Error::Json { what: "DSSE envelope", detail: alloc::format!("{e}") })?;
                let [sig] = <[SigJson; 1]>::try_from(env.signatures)
                    .map_err(|v| Error::Dsse(alloc::format!("exactly one signature is accepted, found {}", v.len())))?;
                Content::Dsse(Envelope { payload_type: env.payload_type, payload: env.payload.0, signature: sig.sig.0 })
            }
            other => return Err(Error::NotASignature(alloc::format!("media type {other:?}"))),
        };
        if content.signature().is_empty() {
            return Err(Error::BundleStructure("signature is empty".into()));
        }
        let material = match self.certificate()? {
            Some(der) => {
                let mut chain = self.chain()?;
                chain.pop(); // the root
                VerificationMaterial::Certificate {
                    leaf: Certificate::from_der("signature certificate", &der)?,
                    intermediates: chain
                        .iter()
                        .enumerate()
                        .map(|(i, d)| Certificate::from_der(&alloc::format!("signature chain certificate {i}"), d))
                        .collect::<Result<_>>()?,
                }
            }
            None => VerificationMaterial::PublicKey { hint: None },
        };
        let mut tlog_entries = Vec::new();
        if let Some(b) = self.rekor_bundle()? {
            let k: KindJson =
                serde_json::from_slice(&b.body).map_err(|e| Error::Json { what: "Rekor entry body", detail: alloc::format!("{e}") })?;
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
        let timestamps = self.rfc3161_timestamp()?.into_iter().collect();
        Ok(Bundle { version: BundleVersion::V0_1, material, content, tlog_entries, timestamps })
    }
}
