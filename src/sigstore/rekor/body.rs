//! Rekor entry bodies: what a log entry asserts about the signature it records.
//!
//! Rekor v1 `hashedrekord` 0.0.1, `dsse` 0.0.1 and `intoto` 0.0.2, and Rekor v2 (rekor-tiles)
//! `hashedrekord` 0.0.2 and `dsse` 0.0.2 are read into one [`EntryClaims`] shape; the verifier
//! then requires each claim to equal the bundle (GHSA-8gw7-4j42-w388, GHSA-whqx-f9j3-ch6m).
//! Parsing is strict: unknown fields and duplicate keys are rejected, so nothing in a body goes
//! unchecked.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use crate::crypto::HashAlgorithm;
use crate::encoding::{base64_decode, hex_decode, pem_decode_all};
use crate::error::{Error, Result};
use crate::sigstore::bundle::hash_algorithm_by_name;
use crate::sigstore::json::Bytes;

/// Who the entry says signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryVerifier {
    /// A certificate, DER.
    Certificate(Vec<u8>),
    /// A public key, SubjectPublicKeyInfo DER.
    PublicKey(Vec<u8>),
}

/// The claims of one entry, normalized across kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryClaims {
    /// The recorded signature.
    pub signature: Vec<u8>,
    /// The recorded certificate or key.
    pub verifier: EntryVerifier,
    /// hashedrekord: the digest that was signed (artifact digest; for DSSE in Rekor v2, of PAE).
    pub signed_digest: Option<(HashAlgorithm, Vec<u8>)>,
    /// dsse / intoto: SHA-256 of the envelope payload.
    pub payload_hash: Option<Vec<u8>>,
    /// intoto: the envelope payload type.
    pub payload_type: Option<String>,
}

// ---- Rekor v1 ----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Envelope<S> {
    api_version: String,
    kind: String,
    spec: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV001 {
    data: HrData,
    signature: HrSignature,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HrData {
    hash: HexHash,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HexHash {
    algorithm: String,
    value: String,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HrSignature {
    content: String,
    public_key: HrPublicKey,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HrPublicKey {
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DsseV001 {
    #[allow(dead_code)]
    envelope_hash: Option<HexHash>,
    payload_hash: HexHash,
    signatures: Vec<DsseV001Sig>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DsseV001Sig {
    signature: String,
    verifier: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntotoV002 {
    content: IntotoContent,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntotoContent {
    envelope: IntotoEnvelope,
    #[allow(dead_code)]
    hash: Option<HexHash>,
    payload_hash: HexHash,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntotoEnvelope {
    payload_type: String,
    signatures: Vec<IntotoSig>,
    #[allow(dead_code)]
    payload: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntotoSig {
    public_key: String,
    sig: String,
    #[allow(dead_code)]
    keyid: Option<String>,
}

// ---- Rekor v2 ----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HashedRekordV002Spec {
    hashed_rekord_v002: HashedRekordV002,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV002 {
    data: V2Hash,
    signature: V2Signature,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DsseV002Spec {
    dsse_v002: DsseV002,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DsseV002 {
    payload_hash: V2Hash,
    signatures: Vec<V2Signature>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V2Hash {
    algorithm: String,
    digest: Bytes,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V2Signature {
    content: Bytes,
    verifier: V2Verifier,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct V2Verifier {
    key_details: String,
    x509_certificate: Option<RawBytes>,
    public_key: Option<RawBytes>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawBytes {
    raw_bytes: Bytes,
}

fn json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<Envelope<T>> {
    serde_json::from_slice(body).map_err(|e| Error::Json { what: "tlog entry body", detail: alloc::format!("{e}") })
}

fn mismatch(index: usize, field: &'static str) -> Error {
    Error::TlogBodyMismatch { index, field }
}

fn v1_hash(index: usize, h: &HexHash) -> Result<(HashAlgorithm, Vec<u8>)> {
    let alg = match h.algorithm.as_str() {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        _ => return Err(mismatch(index, "hash algorithm")),
    };
    Ok((alg, hex_decode("tlog entry body hash", &h.value)?))
}

fn v1_sha256(index: usize, h: &HexHash) -> Result<Vec<u8>> {
    match v1_hash(index, h)? {
        (HashAlgorithm::Sha256, v) => Ok(v),
        _ => Err(mismatch(index, "payload hash algorithm")),
    }
}

/// A v1 `publicKey.content` / `verifier`: base64 of a PEM certificate or public key.
fn v1_verifier(b64_pem: &str) -> Result<EntryVerifier> {
    let pem = base64_decode("tlog entry body verifier", b64_pem)?;
    let text = core::str::from_utf8(&pem).map_err(|_| Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" })?;
    let mut blocks = pem_decode_all("tlog entry body verifier", text)?;
    let block = match (blocks.pop(), blocks.is_empty()) {
        (Some(b), true) => b,
        _ => return Err(Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" }),
    };
    match block.label.as_str() {
        "CERTIFICATE" => Ok(EntryVerifier::Certificate(block.der)),
        "PUBLIC KEY" => Ok(EntryVerifier::PublicKey(block.der)),
        _ => Err(Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" }),
    }
}

fn v2_verifier(index: usize, v: V2Verifier) -> Result<EntryVerifier> {
    let _ = &v.key_details;
    match (v.x509_certificate, v.public_key) {
        (Some(c), None) => Ok(EntryVerifier::Certificate(c.raw_bytes.0)),
        (None, Some(k)) => Ok(EntryVerifier::PublicKey(k.raw_bytes.0)),
        _ => Err(mismatch(index, "verifier")),
    }
}

/// Parses the canonicalized body of entry `index`, whose declared kind and version are given.
pub fn parse(index: usize, kind: &str, version: &str, body: &[u8]) -> Result<EntryClaims> {
    let unsupported = || Error::UnsupportedEntry { index, kind: alloc::format!("{kind}/{version}") };
    let check = |api_version: &str, k: &str| if api_version == version && k == kind { Ok(()) } else { Err(mismatch(index, "kind or apiVersion")) };
    match (kind, version) {
        ("hashedrekord", "0.0.1") => {
            let e: Envelope<HashedRekordV001> = json(body)?;
            check(&e.api_version, &e.kind)?;
            Ok(EntryClaims {
                signature: base64_decode("tlog entry body signature", &e.spec.signature.content)?,
                verifier: v1_verifier(&e.spec.signature.public_key.content)?,
                signed_digest: Some(v1_hash(index, &e.spec.data.hash)?),
                payload_hash: None,
                payload_type: None,
            })
        }
        ("dsse", "0.0.1") => {
            let e: Envelope<DsseV001> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let [sig] = <[DsseV001Sig; 1]>::try_from(e.spec.signatures).map_err(|_| mismatch(index, "signature count"))?;
            Ok(EntryClaims {
                signature: base64_decode("tlog entry body signature", &sig.signature)?,
                verifier: v1_verifier(&sig.verifier)?,
                signed_digest: None,
                payload_hash: Some(v1_sha256(index, &e.spec.payload_hash)?),
                payload_type: None,
            })
        }
        ("intoto", "0.0.2") => {
            let e: Envelope<IntotoV002> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let c = e.spec.content;
            let [sig] = <[IntotoSig; 1]>::try_from(c.envelope.signatures).map_err(|_| mismatch(index, "signature count"))?;
            // The recorded signature is base64 of the envelope's base64 signature string.
            let inner = base64_decode("tlog entry body signature", &sig.sig)?;
            let inner = core::str::from_utf8(&inner).map_err(|_| mismatch(index, "signature"))?;
            Ok(EntryClaims {
                signature: base64_decode("tlog entry body signature", inner)?,
                verifier: v1_verifier(&sig.public_key)?,
                signed_digest: None,
                payload_hash: Some(v1_sha256(index, &c.payload_hash)?),
                payload_type: Some(c.envelope.payload_type),
            })
        }
        ("hashedrekord", "0.0.2") => {
            let e: Envelope<HashedRekordV002Spec> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let h = e.spec.hashed_rekord_v002;
            Ok(EntryClaims {
                signature: h.signature.content.0,
                verifier: v2_verifier(index, h.signature.verifier)?,
                signed_digest: Some((hash_algorithm_by_name(&h.data.algorithm)?, h.data.digest.0)),
                payload_hash: None,
                payload_type: None,
            })
        }
        ("dsse", "0.0.2") => {
            let e: Envelope<DsseV002Spec> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let d = e.spec.dsse_v002;
            let [sig] = <[V2Signature; 1]>::try_from(d.signatures).map_err(|_| mismatch(index, "signature count"))?;
            if hash_algorithm_by_name(&d.payload_hash.algorithm)? != HashAlgorithm::Sha256 {
                return Err(mismatch(index, "payload hash algorithm"));
            }
            Ok(EntryClaims {
                signature: sig.content.0,
                verifier: v2_verifier(index, sig.verifier)?,
                signed_digest: None,
                payload_hash: Some(d.payload_hash.digest.0),
                payload_type: None,
            })
        }
        _ => Err(unsupported()),
    }
}
