//! The operations both WASM shapes expose, over JSON requests with base64 evidence:
//! marshalling over the library's facade ([`sealcheck::verifier`]) and nothing more. The
//! verification time always comes from the request (the host's clock); nothing here reads a
//! clock, the filesystem or randomness.
//!
//! Notary Project signatures (trust policies, `notarySignatures`) are there only with the
//! `notation` feature; without it a request naming them is refused, never ignored.

use std::sync::Arc;

use base64ct::{Base64, Encoding};
use sealcheck::policy::PolicyFiles;
use sealcheck::verifier::{self, BundleVerifier, ImageVerifier, RootChoice};
use sealcheck::{Artifact, CertificateIdentity, CryptoProvider, Error, ErrorClass, Signers, TrustedKey, UnixTime};
use serde::Deserialize;
use serde_json::{json, Value};

/// Outcome classes, stable small integers (also the import-free ABI's `code`).
pub const CODE_OK: u32 = 0;
/// The bundle did not verify, or the image was denied.
pub const CODE_REJECTED: u32 = 1;
/// The request, trusted root or policy is malformed.
pub const CODE_INVALID_INPUT: u32 = 2;

const PROVIDER: CryptoProvider = crate::PROVIDER;

/// An error for the host: the outcome class (`CODE_*`), and the core's error code, kind and
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `CODE_*`.
    pub code: u32,
    /// `sealcheck::Error::code()`: the same number the C ABI returns (0 for a malformed request).
    pub error_code: u32,
    /// `sealcheck::Error::kind()` of the cause, or `Request`.
    pub kind: &'static str,
    /// Human-readable reason.
    pub message: String,
}

impl ApiError {
    fn request(message: impl Into<String>) -> Self {
        Self { code: CODE_INVALID_INPUT, error_code: 0, kind: "Request", message: message.into() }
    }
    pub(crate) fn from(e: &Error) -> Self {
        let code = match e.class() {
            ErrorClass::Input => CODE_INVALID_INPUT,
            ErrorClass::Rejection => CODE_REJECTED,
        };
        Self { code, error_code: e.code(), kind: e.cause().kind(), message: e.to_string() }
    }
    /// `{"code", "error": {"code", "class", "kind", "message"}}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let class = if self.code == CODE_REJECTED { "rejection" } else { "input" };
        json!({"code": self.code, "error": {"code": self.error_code, "class": class, "kind": self.kind, "message": self.message}})
    }
}

/// Whole seconds from a JSON / JS number (JS numbers are doubles).
fn now(secs: f64) -> Result<UnixTime, ApiError> {
    if !secs.is_finite() || secs.fract() != 0.0 || secs.abs() > 9.0e15 {
        return Err(ApiError::request("now: whole seconds since the epoch"));
    }
    Ok(UnixTime::from_secs(secs as i64))
}

/// Policy files cannot be read inside WASM: key material must be inline (`keyData`, …).
struct NoFiles;

impl PolicyFiles for NoFiles {
    fn read(&self, path: &str, _max: usize) -> sealcheck::Result<Vec<u8>> {
        Err(Error::Usage(format!("{path}: files cannot be read in WASM; use keyData/caData/trustedRootData")))
    }
}

/// Loads a verifier over a trusted root: `"public-good"`, `"staging"`, or `trusted_root.json` bytes.
pub fn load_root(spec: &[u8]) -> Result<BundleVerifier, ApiError> {
    let choice = match spec {
        b"public-good" => RootChoice::PublicGood,
        b"staging" => RootChoice::Staging,
        json => RootChoice::Json(json),
    };
    verifier::trusted_root(choice, &PROVIDER).map(|r| BundleVerifier::new(r, PROVIDER)).map_err(|e| ApiError::from(&e))
}

/// Compiles a containers-policy.json (key material inline).
pub fn load_policy(json: &[u8]) -> Result<ImageVerifier, ApiError> {
    verifier::containers_policy(json, &NoFiles, &PROVIDER).map(|p| ImageVerifier::new(Arc::new(p), PROVIDER)).map_err(|e| ApiError::from(&e))
}

/// Compiles a Notary trust policy (`trustpolicy.json`, OCI document v1.0) with its trust store
/// and CRLs, into the same policy type a containers policy compiles to.
#[cfg(feature = "notation")]
pub fn load_notation_policy(json: &[u8], trust_store: &[TrustStoreEntry], crls: &[PemField]) -> Result<ImageVerifier, ApiError> {
    let certificates = trust_store.iter().map(|e| e.certificates.bytes("trustStore.certificates")).collect::<Result<Vec<_>, _>>()?;
    let entries: Vec<(&str, &[u8])> = trust_store.iter().zip(&certificates).map(|(e, c)| (e.store.as_str(), c.as_slice())).collect();
    let crls = crls.iter().map(|c| c.bytes("crls")).collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = (0..crls.len()).map(|i| format!("crl {i}")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(crls.iter().map(Vec::as_slice)).collect();
    let load = || {
        let store = verifier::notation_trust_store_from(&entries, &PROVIDER)?;
        verifier::notation_policy(json, store, verifier::crls(&files)?)
    };
    load().map(|p| ImageVerifier::new(Arc::new(p), PROVIDER)).map_err(|e| ApiError::from(&e))
}

/// One entry of a Notary trust store: the certificates of one named store.
#[cfg(feature = "notation")]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustStoreEntry {
    /// The store, `type:name`: `ca:acme`, `signingAuthority:acme` or `tsa:acme`.
    pub store: String,
    /// One or more certificates, PEM or DER.
    pub certificates: PemField,
}

/// `sealcheck_notation_policy_load` request.
#[cfg(feature = "notation")]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotationPolicyRequest {
    /// `trustpolicy.json` (base64 text, or bytes): the document's own bytes, so that its digest
    /// and its duplicate-key checks are the document's.
    pub policy: BytesField,
    /// The trust store.
    pub trust_store: Vec<TrustStoreEntry>,
    /// CRLs (DER, or PEM `X509 CRL`).
    #[serde(default)]
    pub crls: Vec<PemField>,
}

/// Compiles the Notary trust policy of a request.
#[cfg(feature = "notation")]
pub fn load_notation_policy_request(req: &NotationPolicyRequest) -> Result<ImageVerifier, ApiError> {
    load_notation_policy(&b64("policy", &req.policy)?, &req.trust_store, &req.crls)
}

/// Certificates or CRLs: PEM text (a string holding `-----BEGIN`, which base64 never does),
/// base64 text of PEM or DER, or raw bytes.
#[cfg(feature = "notation")]
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct PemField(BytesField);

#[cfg(feature = "notation")]
impl PemField {
    fn bytes(&self, field: &str) -> Result<Vec<u8>, ApiError> {
        match &self.0 {
            BytesField::Base64(s) if s.contains("-----BEGIN") => Ok(s.as_bytes().to_vec()),
            other => b64(field, other),
        }
    }
}

/// Binary evidence: base64 text in JSON requests, or raw bytes (a JS `Uint8Array`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BytesField {
    /// Base64 text, decoded when used.
    Base64(String),
    /// Raw bytes.
    Raw(Vec<u8>),
}

impl<'de> Deserialize<'de> for BytesField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = BytesField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("base64 text or bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BytesField, E> {
                Ok(BytesField::Base64(v.to_string()))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<BytesField, E> {
                Ok(BytesField::Raw(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<BytesField, E> {
                Ok(BytesField::Raw(v))
            }
        }
        d.deserialize_any(V)
    }
}

fn b64(field: &str, v: &BytesField) -> Result<Vec<u8>, ApiError> {
    match v {
        BytesField::Raw(b) => Ok(b.clone()),
        BytesField::Base64(s) => Base64::decode_vec(s).map_err(|_| ApiError::request(format!("{field}: invalid base64"))),
    }
}

/// `verifyBundle` request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyBundleRequest {
    /// Bundle JSON (base64 text, or bytes).
    pub bundle: BytesField,
    /// Artifact (base64 text, or bytes), or give `artifactDigest`.
    pub artifact: Option<BytesField>,
    /// `sha256:HEX` / `sha384:HEX` / `sha512:HEX`.
    pub artifact_digest: Option<String>,
    /// Expected SAN (exact) — or `certificateIdentityRegexp`.
    pub certificate_identity: Option<String>,
    /// Expected SAN, whole-value regexp.
    pub certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer (exact) — or `certificateOidcIssuerRegexp`.
    pub certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer, whole-value regexp.
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// A PEM public key instead of an identity.
    pub key: Option<String>,
    /// Verification time, seconds since the epoch (required).
    pub now: f64,
}

fn matcher(what: &str, exact: Option<&String>, re: Option<&String>) -> Result<sealcheck::Matcher, ApiError> {
    match (exact, re) {
        (Some(e), None) => verifier::matcher(what, e, false),
        (None, Some(r)) => verifier::matcher(what, r, true),
        _ => return Err(ApiError::request(format!("exactly one of {what} and {what}Regexp is required"))),
    }
    .map_err(|e| ApiError::from(&e))
}

/// Verifies a bundle; `Ok` holds `{"code":0,"verified":true,"result":…}`.
pub fn verify_bundle(v: &BundleVerifier, req: &VerifyBundleRequest) -> Result<Value, ApiError> {
    let bundle = b64("bundle", &req.bundle)?;
    let artifact_bytes;
    let artifact = match (&req.artifact, &req.artifact_digest) {
        (Some(a), None) => {
            artifact_bytes = b64("artifact", a)?;
            Artifact::Bytes(&artifact_bytes)
        }
        (None, Some(d)) => match verifier::artifact_digest(d).map_err(|e| ApiError::from(&e))? {
            Some(d) => Artifact::Digest(d),
            None => return Err(ApiError::request("artifactDigest: expected ALG:HEX")),
        },
        _ => return Err(ApiError::request("exactly one of artifact and artifactDigest is required")),
    };
    let signers = match &req.key {
        Some(pem) => Signers::Keys(vec![TrustedKey::new(PROVIDER.backend(), verifier::public_key_pem("key", pem.as_bytes()).map_err(|e| ApiError::from(&e))?)]),
        None => Signers::Certificate(CertificateIdentity::new(
            matcher("certificateIdentity", req.certificate_identity.as_ref(), req.certificate_identity_regexp.as_ref())?,
            matcher("certificateOidcIssuer", req.certificate_oidc_issuer.as_ref(), req.certificate_oidc_issuer_regexp.as_ref())?,
        )),
    };
    let verified = v.verify(&bundle, &artifact, &signers, now(req.now)?).map_err(|e| ApiError::from(&e))?;
    Ok(json!({"code": CODE_OK, "verified": true, "result": verified}))
}

/// `decideImage` request: the evidence a runtime fetched.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideImageRequest {
    /// The image reference asked about.
    pub reference: String,
    /// Manifest bytes (base64 text, or bytes).
    pub manifest: BytesField,
    /// Signatures and attestations in the containers storage form (base64 text, or bytes,
    /// each); one whose `mimeType` is a DSSE envelope is an attestation.
    #[serde(default)]
    pub signatures: Vec<BytesField>,
    /// Sigstore bundles (JSON) found as referrers (base64 text, or bytes, each).
    #[serde(default)]
    pub bundles: Vec<BytesField>,
    /// Notary Project signatures found as referrers of the manifest.
    #[cfg(feature = "notation")]
    #[serde(default)]
    pub notary_signatures: Vec<NotarySignature>,
    /// Without Notary support the field is refused when present (even empty or null): a Notary
    /// signature must never be silently ignored.
    #[cfg(not(feature = "notation"))]
    #[serde(default, rename = "notarySignatures", deserialize_with = "without_notary")]
    pub notary_signatures: (),
    /// Verification time, seconds since the epoch (required).
    pub now: f64,
}

/// The refusal of `notarySignatures` in a module built without Notary support.
#[cfg(not(feature = "notation"))]
pub const WITHOUT_NOTARY: &str = "notarySignatures: this module is built without Notary support (sealcheck_core_notary.wasm has it)";

#[cfg(not(feature = "notation"))]
fn without_notary<'de, D: serde::Deserializer<'de>>(_: D) -> Result<(), D::Error> {
    Err(serde::de::Error::custom(WITHOUT_NOTARY))
}

/// A Notary Project signature: the one layer of a signature manifest whose subject is the
/// manifest.
#[cfg(feature = "notation")]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotarySignature {
    /// The layer's media type: `application/jose+json` or `application/cose`.
    pub media_type: String,
    /// The layer's bytes, the envelope (base64 text, or bytes).
    pub envelope: BytesField,
}

/// The core's in-memory evidence, plus one Notary item per signature, within the same bounds as
/// a layout's.
#[cfg(feature = "notation")]
fn evidence(reference: &str, manifest: &[u8], sigs: &[&[u8]], bundles: &[&[u8]], notary: &[(&str, Vec<u8>)]) -> sealcheck::Result<sealcheck::ImageEvidence> {
    let mut image = verifier::image_evidence(reference, Some(manifest), sigs, bundles)?;
    let mut add = || -> sealcheck::Result<()> {
        for (i, (media_type, envelope)) in notary.iter().enumerate() {
            image.reserve((media_type.len() + envelope.len()) as u64)?;
            let item = sealcheck::oci::EvidenceItem::Notary { media_type: (*media_type).to_string(), envelope: envelope.clone() };
            image.push(item, format!("notary signature {i}"))?;
        }
        Ok(())
    };
    add().map_err(|e| e.loading(sealcheck::Input::ImageSource, "image evidence"))?;
    Ok(image)
}

/// Decides for an image; `Ok` holds `{"code":0 or 1,"allowed":…,"decision":…}` (a denial is a
/// decision, code 1).
pub fn decide_image(policy: &ImageVerifier, req: &DecideImageRequest) -> Result<Value, ApiError> {
    let manifest = b64("manifest", &req.manifest)?;
    let signatures = req.signatures.iter().map(|s| b64("signatures", s)).collect::<Result<Vec<_>, _>>()?;
    let bundles = req.bundles.iter().map(|b| b64("bundles", b)).collect::<Result<Vec<_>, _>>()?;
    let sigs: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
    let buns: Vec<&[u8]> = bundles.iter().map(Vec::as_slice).collect();
    #[cfg(feature = "notation")]
    let image = {
        let notary = req.notary_signatures.iter().map(|n| Ok((n.media_type.as_str(), b64("notarySignatures", &n.envelope)?))).collect::<Result<Vec<_>, ApiError>>()?;
        evidence(&req.reference, &manifest, &sigs, &buns, &notary)
    };
    #[cfg(not(feature = "notation"))]
    let image = verifier::image_evidence(&req.reference, Some(&manifest), &sigs, &buns);
    let image = image.map_err(|e| ApiError::from(&e))?;
    let d = policy.decide(&image, now(req.now)?);
    Ok(json!({"code": if d.allowed { CODE_OK } else { CODE_REJECTED }, "allowed": d.allowed, "decision": d}))
}
