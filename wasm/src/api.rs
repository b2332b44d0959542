//! The operations both WASM shapes expose, over JSON requests with base64 evidence. The
//! verification time always comes from the request (the host's clock); nothing here reads a
//! clock, the filesystem or randomness.

use base64ct::{Base64, Encoding};
use sealcheck::cosign::StoredSignature;
use sealcheck::crypto::{Digest, HashAlgorithm, PublicKey, RUST_CRYPTO};
use sealcheck::encoding::{hex_decode, pem_decode_one};
use sealcheck::oci::Reference;
use sealcheck::oci::{EvidenceItem, ImageEvidence};
use sealcheck::policy::{Policy, PolicyFiles};
use sealcheck::sigstore::{Artifact, Bundle, CertificateIdentity, Matcher, SignerPolicy, TrustedKey, TrustedRoot, Verifier};
use sealcheck::UnixTime;
use serde::Deserialize;
use serde_json::{json, Value};

/// Outcome classes, stable small integers (also the import-free ABI's `code`).
pub const CODE_OK: u32 = 0;
/// The bundle did not verify, or the image was denied.
pub const CODE_REJECTED: u32 = 1;
/// The request, trusted root or policy is malformed.
pub const CODE_INVALID_INPUT: u32 = 2;

/// An error for the host: a code, the error kind and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `CODE_*`.
    pub code: u32,
    /// `sealcheck::Error::kind()`, or `Request`.
    pub kind: &'static str,
    /// Human-readable reason.
    pub message: String,
}

impl ApiError {
    fn input(kind: &'static str, message: impl Into<String>) -> Self {
        Self { code: CODE_INVALID_INPUT, kind, message: message.into() }
    }
    fn from_input(e: &sealcheck::Error) -> Self {
        Self { code: CODE_INVALID_INPUT, kind: e.kind(), message: e.to_string() }
    }
    fn rejected(e: &sealcheck::Error) -> Self {
        Self { code: CODE_REJECTED, kind: e.kind(), message: e.to_string() }
    }
    /// `{"code", "error": {"kind", "message"}}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"code": self.code, "error": {"kind": self.kind, "message": self.message}})
    }
}

/// Whole seconds from a JSON / JS number (JS numbers are doubles).
fn now(secs: f64) -> Result<UnixTime, ApiError> {
    if !secs.is_finite() || secs.fract() != 0.0 || secs.abs() > 9.0e15 {
        return Err(ApiError::input("Request", "now: whole seconds since the epoch"));
    }
    Ok(UnixTime::from_secs(secs as i64))
}

/// Policy files cannot be read inside WASM: key material must be inline (`keyData`, …).
struct NoFiles;

impl PolicyFiles for NoFiles {
    fn read(&self, path: &str, _max: usize) -> sealcheck::Result<Vec<u8>> {
        Err(sealcheck::Error::Encoding { what: format!("{path}: files cannot be read in WASM; use keyData/caData/trustedRootData"), encoding: "file" })
    }
}

/// Loads a trusted root: `"public-good"`, `"staging"`, or `trusted_root.json` bytes.
pub fn load_root(spec: &[u8]) -> Result<TrustedRoot, ApiError> {
    let r = match spec {
        b"public-good" => TrustedRoot::production(&RUST_CRYPTO),
        b"staging" => TrustedRoot::staging(&RUST_CRYPTO),
        json => TrustedRoot::from_json(&RUST_CRYPTO, json),
    };
    r.map_err(|e| ApiError::from_input(&e))
}

/// Parses a containers-policy.json.
pub fn load_policy(json: &[u8]) -> Result<Policy, ApiError> {
    sealcheck::policy::containers::from_json(json).map_err(|e| ApiError::from_input(&e))
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
        BytesField::Base64(s) => Base64::decode_vec(s).map_err(|_| ApiError::input("Request", format!("{field}: invalid base64"))),
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

fn matcher(what: &str, exact: Option<&String>, re: Option<&String>) -> Result<Matcher, ApiError> {
    match (exact, re) {
        (Some(e), None) => Ok(Matcher::exact(e)),
        (None, Some(r)) => Matcher::regex(r).map_err(|e| ApiError::from_input(&e)),
        _ => Err(ApiError::input("Request", format!("exactly one of {what} and {what}Regexp is required"))),
    }
}

/// Verifies a bundle; `Ok` holds `{"code":0,"verified":true,"result":…}`.
pub fn verify_bundle(root: &TrustedRoot, req: &VerifyBundleRequest) -> Result<Value, ApiError> {
    let bundle_bytes = b64("bundle", &req.bundle)?;
    let artifact_bytes;
    let artifact = match (&req.artifact, &req.artifact_digest) {
        (Some(a), None) => {
            artifact_bytes = b64("artifact", a)?;
            Artifact::Bytes(&artifact_bytes)
        }
        (None, Some(d)) => {
            let (alg, hex) = d.split_once(':').ok_or_else(|| ApiError::input("Request", "artifactDigest: expected ALG:HEX"))?;
            let alg = match alg {
                "sha256" => HashAlgorithm::Sha256,
                "sha384" => HashAlgorithm::Sha384,
                "sha512" => HashAlgorithm::Sha512,
                _ => return Err(ApiError::input("Request", "artifactDigest: unsupported algorithm")),
            };
            Artifact::Digest(hex_decode("artifactDigest", hex).and_then(|h| Digest::new(alg, &h)).map_err(|e| ApiError::from_input(&e))?)
        }
        _ => return Err(ApiError::input("Request", "exactly one of artifact and artifactDigest is required")),
    };
    let policy = match &req.key {
        Some(pem) => {
            let key = pem_decode_one("key", pem, "PUBLIC KEY").and_then(|der| PublicKey::from_spki_der("key", &der)).map_err(|e| ApiError::from_input(&e))?;
            SignerPolicy::Key(TrustedKey { key, valid_for: None })
        }
        None => SignerPolicy::Identity(CertificateIdentity::new(
            matcher("certificateIdentity", req.certificate_identity.as_ref(), req.certificate_identity_regexp.as_ref())?,
            matcher("certificateOidcIssuer", req.certificate_oidc_issuer.as_ref(), req.certificate_oidc_issuer_regexp.as_ref())?,
        )),
    };
    let at = now(req.now)?;
    let verified = Bundle::from_json(&bundle_bytes)
        .and_then(|b| Verifier::new(root, &RUST_CRYPTO).verify(&b, &artifact, &policy, at))
        .map_err(|e| ApiError::rejected(&e))?;
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
    /// Signatures in the containers storage form (base64 text, or bytes, each).
    #[serde(default)]
    pub signatures: Vec<BytesField>,
    /// Sigstore bundles (JSON) found as referrers (base64 text, or bytes, each).
    #[serde(default)]
    pub bundles: Vec<BytesField>,
    /// Verification time, seconds since the epoch (required).
    pub now: f64,
}

/// Decides for an image; `Ok` holds `{"code":0 or 1,"allowed":…,"decision":…}` (a denial is a
/// decision, code 1).
pub fn decide_image(policy: &Policy, req: &DecideImageRequest) -> Result<Value, ApiError> {
    let reference = Reference::parse(&req.reference).map_err(|e| ApiError::from_input(&e))?;
    let manifest = b64("manifest", &req.manifest)?;
    let mut image = ImageEvidence::new(reference).with_manifest(manifest);
    for (i, s) in req.signatures.iter().enumerate() {
        let stored = StoredSignature::from_storage_blob(&b64("signatures", s)?).map_err(|e| ApiError::from_input(&e))?;
        image.push(EvidenceItem::SimpleSigning(stored), format!("signature {i}")).map_err(|e| ApiError::from_input(&e))?;
    }
    for (i, b) in req.bundles.iter().enumerate() {
        image.push(EvidenceItem::Bundle(b64("bundles", b)?), format!("bundle {i}")).map_err(|e| ApiError::from_input(&e))?;
    }
    let at = now(req.now)?;
    let d = policy.evaluate(&RUST_CRYPTO, &NoFiles, &image, at);
    Ok(json!({"code": if d.allowed { CODE_OK } else { CODE_REJECTED }, "allowed": d.allowed, "decision": d}))
}
