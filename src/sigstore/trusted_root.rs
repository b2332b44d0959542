//! `trusted_root.json` (Sigstore protobuf-specs `dev.sigstore.trustroot.v1.TrustedRoot`): the
//! Fulcio CAs, Rekor logs, CT logs and timestamp authorities, each with its `validFor` window.
//!
//! Loading verifies every authority's internal chain links once (intermediate ← root, TSA leaf ←
//! TSA root); per-bundle work then only checks what depends on the bundle. Keys and authorities
//! are trusted only inside their window, end inclusive.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;

use super::json::{self, Bytes};
use crate::crypto::{Backend, KeyAlgorithm, PublicKey, SignatureScheme};
#[cfg(feature = "cache")]
use crate::encoding::Transcript;
use crate::error::{Error, Result};
use crate::limits::{self, MAX_TRUSTED_ROOT_BYTES, MAX_TRUST_ROOT_ENTRIES};
use crate::time::UnixTime;
use crate::x509::{Certificate, KeyPurpose, TrustAnchor};

/// The Sigstore public-good production trusted root, as published by `sigstore/root-signing`.
pub const PRODUCTION_TRUSTED_ROOT_JSON: &[u8] = include_bytes!("trusted_root/production.json");
/// The Sigstore public-good staging trusted root (`sigstore/root-signing-staging`).
pub const STAGING_TRUSTED_ROOT_JSON: &[u8] = include_bytes!("trusted_root/staging.json");

/// The trusted roots sealcheck embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedded {
    /// Sigstore public-good production (`sigstore/root-signing`).
    PublicGood = 0,
    /// Sigstore staging (`sigstore/root-signing-staging`).
    Staging = 1,
}

/// A `validFor` window: start inclusive, end inclusive or open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    /// First instant of trust.
    pub start: UnixTime,
    /// Last instant of trust, if any.
    pub end: Option<UnixTime>,
}

impl Window {
    /// A window containing every time.
    pub const ALWAYS: Self = Self { start: UnixTime::from_secs(i64::MIN), end: None };

    /// True when `t` lies inside the window.
    #[must_use]
    pub fn contains(&self, t: UnixTime) -> bool {
        self.start <= t && self.end.is_none_or(|e| t <= e)
    }

    #[cfg(feature = "cache")]
    pub(crate) fn transcribe(&self, t: &mut Transcript) {
        t.number(self.start.secs()).number(i64::from(self.end.is_some())).number(self.end.map_or(0, UnixTime::secs));
    }
}

/// A transparency log (Rekor) or CT log key.
#[derive(Debug, Clone)]
pub struct LogKey {
    /// The log's base URL.
    pub base_url: String,
    /// The log id the trusted root gives (`logId.keyId`).
    pub key_id: Vec<u8>,
    /// The log's public key.
    pub key: PublicKey,
    /// The scheme the log signs with.
    pub scheme: SignatureScheme,
    /// When the key is trusted.
    pub valid_for: Window,
}

impl LogKey {
    /// A log known only by its key (a policy's `rekorPublicKey*`): id = SHA-256 of the key's
    /// SubjectPublicKeyInfo, trusted at all times, no base URL (checkpoint signer names are then
    /// not checked; the key hint and signature are).
    #[must_use]
    pub fn from_key(backend: &dyn Backend, key: PublicKey) -> Self {
        let key_id = backend.digest(crate::crypto::HashAlgorithm::Sha256, key.spki_der()).as_bytes().to_vec();
        Self { base_url: String::new(), key_id, scheme: key.default_scheme(), key, valid_for: Window::ALWAYS }
    }

    /// The host of `base_url`, with its port, without user info: the origin (and signer name)
    /// of checkpoints. Logs sign with the port in the name: the sigstore-conformance vector
    /// `intoto-with-custom-trust-root` (base URL `http://localhost:8000`) has a checkpoint
    /// signed as `localhost:8000`.
    #[must_use]
    pub fn host(&self) -> &str {
        let s = self.base_url.split_once("://").map_or(self.base_url.as_str(), |(_, r)| r);
        let s = s.split(['/', '?', '#']).next().unwrap_or(s);
        s.rsplit_once('@').map_or(s, |(_, h)| h)
    }
}

/// A certificate authority (Fulcio) or timestamp authority.
#[derive(Debug, Clone)]
pub struct Authority {
    /// The authority's URI.
    pub uri: String,
    anchor: TrustAnchor,
    /// When the authority is trusted.
    pub valid_for: Window,
}

impl Authority {
    /// An authority whose chain (nearest certificate first) has its links verified now.
    pub fn new(backend: &dyn Backend, uri: String, chain: Vec<Certificate>, valid_for: Window) -> Result<Self> {
        let anchor = TrustAnchor::new(backend, &alloc::format!("authority {uri}"), chain)?;
        Ok(Self { uri, anchor, valid_for })
    }

    /// Its chain, nearest certificate first, the root last.
    #[must_use]
    pub fn chain(&self) -> &[Certificate] {
        self.anchor.chain()
    }

    /// The chain as a trust anchor.
    #[must_use]
    pub const fn anchor(&self) -> &TrustAnchor {
        &self.anchor
    }
}

impl AsRef<TrustAnchor> for Authority {
    fn as_ref(&self) -> &TrustAnchor {
        &self.anchor
    }
}

/// A parsed, link-verified trusted root.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    tlogs: Vec<LogKey>,
    ctlogs: Vec<LogKey>,
    cas: Vec<Authority>,
    tsas: Vec<Authority>,
    leaf_purpose: KeyPurpose,
    intermediates: Vec<Certificate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RootJson {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<LogJson>,
    #[serde(default)]
    certificate_authorities: Vec<AuthorityJson>,
    #[serde(default)]
    ctlogs: Vec<LogJson>,
    #[serde(default)]
    timestamp_authorities: Vec<AuthorityJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogJson {
    #[serde(default)]
    base_url: String,
    hash_algorithm: Option<String>,
    public_key: PublicKeyJson,
    log_id: LogIdJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyJson {
    raw_bytes: Bytes,
    key_details: String,
    valid_for: Option<ValidForJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogIdJson {
    pub key_id: Bytes,
}

/// protobuf-specs `TimeRange`: fully modelled, so an unknown (misspelt) bound is refused
/// rather than read as an open window.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidForJson {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorityJson {
    #[serde(default)]
    uri: String,
    cert_chain: ChainJson,
    valid_for: Option<ValidForJson>,
}

#[derive(Deserialize)]
struct ChainJson {
    certificates: Vec<RawBytesJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBytesJson {
    raw_bytes: Bytes,
}

impl TrustedRoot {
    /// Parses `trusted_root.json` and verifies each authority's chain links with `backend`.
    pub fn from_json(bytes: &[u8], backend: &dyn Backend) -> Result<Self> {
        Self::parse(bytes, Some(backend))
    }

    /// Parses; without a backend (the embedded roots only, whose links a test verifies,
    /// `tests/embedded.rs`) the chain links are not verified again, so that a process start
    /// does not redo two P-384 checks.
    fn parse(bytes: &[u8], verify_links: Option<&dyn Backend>) -> Result<Self> {
        let raw: RootJson = json::from_slice("trusted root", bytes, MAX_TRUSTED_ROOT_BYTES)?;
        if !matches!(
            raw.media_type.as_str(),
            "application/vnd.dev.sigstore.trustedroot+json;version=0.1" | "application/vnd.dev.sigstore.trustedroot.v0.2+json"
        ) {
            return Err(Error::TrustedRoot(alloc::format!("unsupported media type {:?}", raw.media_type)));
        }
        let n = raw.tlogs.len() + raw.ctlogs.len() + raw.certificate_authorities.len() + raw.timestamp_authorities.len();
        limits::check("trusted root entries", n, MAX_TRUST_ROOT_ENTRIES)?;
        let logs = |v: Vec<LogJson>, kind: &str| -> Result<Vec<LogKey>> { v.into_iter().enumerate().map(|(i, l)| log_key(kind, i, l)).collect() };
        let auths = |v: Vec<AuthorityJson>, kind: &str| -> Result<Vec<Authority>> {
            v.into_iter().enumerate().map(|(i, a)| authority(verify_links, kind, i, a)).collect()
        };
        Ok(Self {
            tlogs: logs(raw.tlogs, "tlog")?,
            ctlogs: logs(raw.ctlogs, "ctlog")?,
            cas: auths(raw.certificate_authorities, "certificate authority")?,
            tsas: auths(raw.timestamp_authorities, "timestamp authority")?,
            leaf_purpose: KeyPurpose::CodeSigning,
            intermediates: Vec::new(),
        })
    }

    /// A trusted root assembled from parts (a policy's Rekor keys and CA files; each
    /// [`Authority`] verified its chain's links when it was made). Its CAs issue code-signing
    /// leaves, as Fulcio's do.
    #[must_use]
    pub const fn from_parts(tlogs: Vec<LogKey>, ctlogs: Vec<LogKey>, cas: Vec<Authority>, tsas: Vec<Authority>) -> Self {
        Self { tlogs, ctlogs, cas, tsas, leaf_purpose: KeyPurpose::CodeSigning, intermediates: Vec::new() }
    }

    /// The same root with `intermediates` available for path building, untrusted
    /// (containers-policy.json `pki.caIntermediates*`).
    #[must_use]
    pub fn with_intermediates(mut self, intermediates: Vec<Certificate>) -> Self {
        self.intermediates = intermediates;
        self
    }

    /// Certificates available for path building besides those evidence carries (untrusted).
    #[must_use]
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// The same root, whose CAs' leaves must fit `purpose` (containers-policy.json `pki`
    /// roots accept leaves without extendedKeyUsage).
    #[must_use]
    pub const fn with_leaf_purpose(mut self, purpose: KeyPurpose) -> Self {
        self.leaf_purpose = purpose;
        self
    }

    /// What the CAs' leaves must be good for.
    #[must_use]
    pub const fn leaf_purpose(&self) -> KeyPurpose {
        self.leaf_purpose
    }

    /// An embedded root, parsed at most once per process (`std`; parsed at each call without
    /// it). The embedded roots do not depend on a backend: their links are verified by the test
    /// suite.
    pub fn embedded(which: Embedded) -> Result<alloc::sync::Arc<Self>> {
        #[cfg(feature = "std")]
        {
            static ROOTS: [std::sync::OnceLock<core::result::Result<alloc::sync::Arc<TrustedRoot>, Error>>; 2] =
                [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
            ROOTS[which as usize].get_or_init(|| Self::embedded_uncached(which).map(alloc::sync::Arc::new)).clone()
        }
        #[cfg(not(feature = "std"))]
        {
            Self::embedded_uncached(which).map(alloc::sync::Arc::new)
        }
    }

    fn embedded_uncached(which: Embedded) -> Result<Self> {
        let json = match which {
            Embedded::PublicGood => PRODUCTION_TRUSTED_ROOT_JSON,
            Embedded::Staging => STAGING_TRUSTED_ROOT_JSON,
        };
        Self::parse(json, None)
    }

    /// The embedded Sigstore public-good production root ([`Self::embedded`]).
    pub fn production() -> Result<alloc::sync::Arc<Self>> {
        Self::embedded(Embedded::PublicGood)
    }

    /// The embedded Sigstore public-good staging root ([`Self::embedded`]).
    pub fn staging() -> Result<alloc::sync::Arc<Self>> {
        Self::embedded(Embedded::Staging)
    }

    /// Transparency logs (Rekor).
    #[must_use]
    pub fn tlogs(&self) -> &[LogKey] {
        &self.tlogs
    }

    /// Certificate Transparency logs.
    #[must_use]
    pub fn ctlogs(&self) -> &[LogKey] {
        &self.ctlogs
    }

    /// Certificate authorities (Fulcio).
    #[must_use]
    pub fn certificate_authorities(&self) -> &[Authority] {
        &self.cas
    }

    /// Timestamp authorities.
    #[must_use]
    pub fn timestamp_authorities(&self) -> &[Authority] {
        &self.tsas
    }

    /// Writes everything a verification depends on: each log's URL, id, key, scheme and window;
    /// each authority's URI, chain and window; the leaf purpose; the untrusted intermediates.
    #[cfg(feature = "cache")]
    pub(crate) fn transcribe(&self, t: &mut Transcript) {
        for logs in [&self.tlogs, &self.ctlogs] {
            t.number(logs.len() as i64);
            for l in logs {
                t.field(l.base_url.as_bytes()).field(&l.key_id).field(l.key.spki_der()).field(alloc::format!("{:?}", l.scheme).as_bytes());
                l.valid_for.transcribe(t);
            }
        }
        for auths in [&self.cas, &self.tsas] {
            t.number(auths.len() as i64);
            for a in auths {
                t.field(a.uri.as_bytes()).number(a.chain().len() as i64);
                for c in a.chain() {
                    t.field(c.der());
                }
                a.valid_for.transcribe(t);
            }
        }
        t.field(alloc::format!("{:?}", self.leaf_purpose).as_bytes()).number(self.intermediates.len() as i64);
        for c in &self.intermediates {
            t.field(c.der());
        }
    }
}

fn window(what: &str, v: Option<ValidForJson>) -> Result<Window> {
    let v = v.ok_or_else(|| Error::TrustedRoot(alloc::format!("{what}: validFor is missing")))?;
    let start = v.start.ok_or_else(|| Error::TrustedRoot(alloc::format!("{what}: validFor.start is missing")))?;
    let start = UnixTime::parse_rfc3339(&start)?;
    let end = v.end.as_deref().map(UnixTime::parse_rfc3339).transpose()?;
    if end.is_some_and(|e| e < start) {
        return Err(Error::TrustedRoot(alloc::format!("{what}: validFor ends before it starts")));
    }
    Ok(Window { start, end })
}

fn log_key(kind: &str, i: usize, l: LogJson) -> Result<LogKey> {
    let what = alloc::format!("{kind} {i} ({})", l.base_url);
    if l.hash_algorithm.as_deref().is_some_and(|h| h != "SHA2_256") {
        return Err(Error::UnsupportedAlgorithm { what, alg: l.hash_algorithm.unwrap_or_default() });
    }
    let raw = &l.public_key.raw_bytes.0;
    let key = if l.public_key.key_details.starts_with("PKCS1_") {
        PublicKey::from_pkcs1_rsa_der(&what, raw)?
    } else {
        PublicKey::from_spki_der(&what, raw)?
    };
    let scheme = scheme_for_key_details(&what, &l.public_key.key_details, &key)?;
    let valid_for = window(&what, l.public_key.valid_for)?;
    if l.log_id.key_id.0.is_empty() {
        return Err(Error::TrustedRoot(alloc::format!("{what}: logId.keyId is empty")));
    }
    Ok(LogKey { base_url: l.base_url, key_id: l.log_id.key_id.0, key, scheme, valid_for })
}

/// Maps protobuf-specs `PublicKeyDetails` to a scheme, and checks it fits the key.
pub(crate) fn scheme_for_key_details(what: &str, details: &str, key: &PublicKey) -> Result<SignatureScheme> {
    let (scheme, fits) = match details {
        "PKIX_ECDSA_P256_SHA_256" | "ECDSA_P256_SHA_256" => (SignatureScheme::EcdsaSha256, key.algorithm() == KeyAlgorithm::EcdsaP256),
        "PKIX_ECDSA_P384_SHA_384" => (SignatureScheme::EcdsaSha384, key.algorithm() == KeyAlgorithm::EcdsaP384),
        "PKIX_ED25519" => (SignatureScheme::Ed25519, key.algorithm() == KeyAlgorithm::Ed25519),
        "PKCS1_RSA_PKCS1V5" | "PKIX_RSA_PKCS1V5" => (SignatureScheme::RsaPkcs1Sha256, matches!(key.algorithm(), KeyAlgorithm::Rsa(_))),
        "PKCS1_RSA_PSS" | "PKIX_RSA_PSS" => (SignatureScheme::RsaPssSha256, matches!(key.algorithm(), KeyAlgorithm::Rsa(_))),
        "PKIX_RSA_PKCS1V15_2048_SHA256" => (SignatureScheme::RsaPkcs1Sha256, key.algorithm() == KeyAlgorithm::Rsa(2048)),
        "PKIX_RSA_PKCS1V15_3072_SHA256" => (SignatureScheme::RsaPkcs1Sha256, key.algorithm() == KeyAlgorithm::Rsa(3072)),
        "PKIX_RSA_PKCS1V15_4096_SHA256" => (SignatureScheme::RsaPkcs1Sha256, key.algorithm() == KeyAlgorithm::Rsa(4096)),
        "PKIX_RSA_PSS_2048_SHA256" => (SignatureScheme::RsaPssSha256, key.algorithm() == KeyAlgorithm::Rsa(2048)),
        "PKIX_RSA_PSS_3072_SHA256" => (SignatureScheme::RsaPssSha256, key.algorithm() == KeyAlgorithm::Rsa(3072)),
        "PKIX_RSA_PSS_4096_SHA256" => (SignatureScheme::RsaPssSha256, key.algorithm() == KeyAlgorithm::Rsa(4096)),
        other => return Err(Error::UnsupportedAlgorithm { what: what.to_string(), alg: other.to_string() }),
    };
    if !fits {
        return Err(Error::InvalidKey { what: alloc::format!("{what}: key does not match keyDetails {details}") });
    }
    Ok(scheme)
}

fn authority(verify_links: Option<&dyn Backend>, kind: &str, i: usize, a: AuthorityJson) -> Result<Authority> {
    let what = alloc::format!("{kind} {i} ({})", a.uri);
    limits::check("authority chain", a.cert_chain.certificates.len(), limits::MAX_CHAIN_DEPTH)?;
    let chain = a
        .cert_chain
        .certificates
        .iter()
        .enumerate()
        .map(|(j, c)| Certificate::from_der(&alloc::format!("{what} certificate {j}"), &c.raw_bytes.0))
        .collect::<Result<Vec<_>>>()?;
    // A Fulcio CA's first certificate issues leaves, so it must itself be a CA; a TSA chain
    // starts with the (end-entity) signing certificate.
    if kind == "certificate authority" && !chain.first().is_some_and(|c| c.extensions().basic_constraints.is_some_and(|(ca, _)| ca)) {
        return Err(Error::NotACa { what: alloc::format!("{what} certificate 0") });
    }
    let anchor = match verify_links {
        Some(backend) => TrustAnchor::new(backend, &what, chain)?,
        None => TrustAnchor::prevalidated(chain),
    };
    let valid_for = window(&what, a.valid_for)?;
    Ok(Authority { uri: a.uri, anchor, valid_for })
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use serde_json::{Value, json};

    use super::*;
    use crate::crypto::CryptoProvider;
    use crate::test_support::der::{bits, encode, oid, seq, tag};
    use crate::test_support::keys::Key;
    use crate::test_support::pki::{Issuer, LeafSpec};
    use crate::test_support::{T0, World, YEAR, b64, sha256};

    const REKOR: &str = "tlog 0 (https://rekor.sigstore.test)";
    const FULCIO: &str = "certificate authority 0 (https://fulcio.sigstore.test)";

    fn backend() -> &'static dyn Backend {
        CryptoProvider::default().backend()
    }

    /// The world's trusted root as JSON, after `f`, loaded.
    fn load_edited(f: impl FnOnce(&mut Value)) -> Result<TrustedRoot> {
        let mut v: Value = serde_json::from_str(&World::get().trusted_root().to_json()).unwrap();
        f(&mut v);
        TrustedRoot::from_json(v.to_string().as_bytes(), backend())
    }

    fn refusal(f: impl FnOnce(&mut Value)) -> Error {
        load_edited(f).unwrap_err()
    }

    fn trusted_root_error(msg: &str) -> Error {
        Error::TrustedRoot(msg.into())
    }

    /// protobuf-specs `TrustedRoot`: every log with its id, key, scheme (from `keyDetails`)
    /// and `validFor`; every authority with its chain, nearest first.
    #[test]
    fn generated_root_loads() {
        let w = World::get();
        let root = load_edited(|_| ()).unwrap();
        let trusted = Window { start: UnixTime::from_secs(T0 - YEAR), end: None };
        let tlogs: Vec<_> = root.tlogs().iter().map(|l| (l.base_url.as_str(), l.key_id.clone(), l.scheme, l.valid_for)).collect();
        assert_eq!(
            tlogs,
            [
                (w.rekor.base_url.as_str(), w.rekor.log_id().to_vec(), SignatureScheme::EcdsaSha256, trusted),
                (w.rekor_second.base_url.as_str(), w.rekor_second.log_id().to_vec(), SignatureScheme::EcdsaSha256, trusted),
                (w.rekor_v2.base_url.as_str(), w.rekor_v2.log_id().to_vec(), SignatureScheme::Ed25519, trusted),
            ]
        );
        assert_eq!(root.tlogs()[0].key.spki_der(), w.rekor.key.spki().as_slice());
        assert_eq!((root.ctlogs().len(), root.ctlogs()[0].key_id.as_slice()), (1, w.ct.log_id().as_slice()));
        let [ca] = root.certificate_authorities() else { panic!("one CA") };
        let chain: Vec<&[u8]> = ca.chain().iter().map(Certificate::der).collect();
        assert_eq!((ca.uri.as_str(), chain, ca.valid_for), (w.fulcio.uri.as_str(), vec![&w.fulcio.intermediate.cert[..], &w.fulcio.root.cert[..]], trusted));
        assert_eq!(root.timestamp_authorities().len(), 1);
        assert_eq!((root.leaf_purpose(), root.intermediates().len()), (KeyPurpose::CodeSigning, 0));
    }

    /// The two media types of protobuf-specs trusted roots; anything else is refused.
    #[test]
    fn media_types() {
        load_edited(|v| v["mediaType"] = json!("application/vnd.dev.sigstore.trustedroot.v0.2+json")).unwrap();
        let e = refusal(|v| v["mediaType"] = json!("application/vnd.dev.sigstore.trustedroot+json;version=0.3"));
        assert_eq!(e, trusted_root_error(r#"unsupported media type "application/vnd.dev.sigstore.trustedroot+json;version=0.3""#));
        let e = refusal(|v| drop(v.as_object_mut().unwrap().remove("mediaType")));
        assert!(matches!(e, Error::Json { what: "trusted root", .. }), "{e}");
    }

    /// proto3 JSON `bytes` are standard base64 (`sigstore::json::Bytes`); JSON must parse and
    /// keys must not repeat.
    #[test]
    fn malformed_json_and_base64() {
        let json_error = |e: Error, detail: &str| matches!(&e, Error::Json { what: "trusted root", detail: d } if d.contains(detail));
        for bad in ["not base64!", "-_-_", "AAA"] {
            let e = refusal(|v| v["tlogs"][0]["publicKey"]["rawBytes"] = json!(bad));
            assert!(json_error(e, "invalid base64"), "{bad}");
            let e = refusal(|v| v["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] = json!(bad));
            assert!(json_error(e, "invalid base64"), "{bad}");
        }
        let text = World::get().trusted_root().to_json();
        let duplicate = text.replacen(r#""mediaType":"#, r#""tlogs":[],"mediaType":"#, 1);
        for bad in [duplicate.as_str(), &text[..text.len() - 1], "[]"] {
            let e = TrustedRoot::from_json(bad.as_bytes(), backend()).unwrap_err();
            assert!(matches!(e, Error::Json { what: "trusted root", .. }), "{e}");
        }
    }

    /// protobuf-specs fields sealcheck does not need are accepted: the published roots carry
    /// `CertificateAuthority.subject` (and `production.json` loads).
    #[test]
    fn protobuf_fields_not_read_are_accepted() {
        let root = load_edited(|v| v["certificateAuthorities"][0]["subject"] = json!({ "organization": "sigstore.test", "commonName": "fulcio" }));
        assert_eq!(root.unwrap().certificate_authorities().len(), 1);
    }

    /// A `TimeRange` (only `start` and `end`, protobuf-specs) with an unknown field is refused,
    /// as sigstore-go's `root.NewTrustedRootProtobuf` (`protojson.Unmarshal`) refuses it: a
    /// misspelt end would otherwise be dropped and the key trusted without end.
    #[test]
    fn unknown_valid_for_field_is_refused() {
        let e = refusal(|v| v["tlogs"][0]["publicKey"]["validFor"] = json!({ "start": "2020-01-01T00:00:00Z", "End": "2021-01-01T00:00:00Z" }));
        assert!(matches!(e, Error::Json { what: "trusted root", .. }), "{e}");
    }

    /// protobuf-specs `PublicKeyDetails`: the names sealcheck implements, each required to fit
    /// the key; log hashes other than SHA2_256 are refused (protobuf-specs `TransparencyLogInstance.hash_algorithm`).
    #[test]
    fn log_key_algorithms() {
        let unsupported = |alg: &str| Error::UnsupportedAlgorithm { what: REKOR.into(), alg: alg.into() };
        let e = refusal(|v| v["tlogs"][0]["publicKey"]["keyDetails"] = json!("PKIX_ECDSA_P521_SHA_512"));
        assert_eq!(e, unsupported("PKIX_ECDSA_P521_SHA_512"));
        let e = refusal(|v| v["tlogs"][0]["publicKey"]["keyDetails"] = json!("PKIX_ECDSA_P384_SHA_384"));
        assert_eq!(e, Error::InvalidKey { what: alloc::format!("{REKOR}: key does not match keyDetails PKIX_ECDSA_P384_SHA_384") });
        let e = refusal(|v| v["tlogs"][0]["hashAlgorithm"] = json!("SHA2_384"));
        assert_eq!(e, unsupported("SHA2_384"));
        // An SPKI of an unimplemented algorithm (secp256k1), and one that does not parse.
        let k1 = seq(&[&seq(&[&oid("1.2.840.10045.2.1"), &oid("1.3.132.0.10")]), &bits(&[4; 65])]);
        assert_eq!(refusal(|v| v["tlogs"][0]["publicKey"]["rawBytes"] = json!(b64(&k1))), unsupported("1.3.132.0.10"));
        assert_eq!(refusal(|v| v["tlogs"][0]["publicKey"]["rawBytes"] = json!(b64(b"junk"))), Error::InvalidKey { what: REKOR.into() });
    }

    /// `PKCS1_RSA_PKCS1V5` keys are bare RSAPublicKey DER (the staging root's first CT log);
    /// sized `PKIX_RSA_*` names must match the modulus.
    #[test]
    fn rsa_log_keys() {
        let pkcs1 = seq(&[&encode(tag::INTEGER, &[&[0u8, 0x80][..], &[0; 255]].concat()), &encode(tag::INTEGER, &[1, 0, 1])]);
        let root = load_edited(|v| v["tlogs"][0]["publicKey"] = json!({ "rawBytes": b64(&pkcs1), "keyDetails": "PKCS1_RSA_PKCS1V5", "validFor": { "start": "2020-01-01T00:00:00Z" } }))
            .unwrap();
        let log = &root.tlogs()[0];
        assert_eq!((log.key.algorithm(), log.scheme), (KeyAlgorithm::Rsa(2048), SignatureScheme::RsaPkcs1Sha256));
        let spki = log.key.spki_der().to_vec();
        let e = refusal(|v| v["tlogs"][0]["publicKey"] = json!({ "rawBytes": b64(&spki), "keyDetails": "PKIX_RSA_PKCS1V15_3072_SHA256", "validFor": { "start": "2020-01-01T00:00:00Z" } }));
        assert_eq!(e, Error::InvalidKey { what: alloc::format!("{REKOR}: key does not match keyDetails PKIX_RSA_PKCS1V15_3072_SHA256") });
    }

    /// protobuf-specs `LogId.key_id` identifies the log in bundles: it must not be empty.
    #[test]
    fn empty_log_id() {
        assert_eq!(refusal(|v| v["tlogs"][0]["logId"]["keyId"] = json!("")), trusted_root_error(&alloc::format!("{REKOR}: logId.keyId is empty")));
    }

    /// protobuf-specs `TimeRange`: `start` required, `end` optional and not before `start`,
    /// both RFC 3339; for keys (`publicKey.validFor`) and authorities (`validFor`) alike.
    #[test]
    fn valid_for_windows() {
        for (what, path) in [(REKOR, "/tlogs/0/publicKey"), (FULCIO, "/certificateAuthorities/0")] {
            let with = |valid_for: Option<Value>| {
                refusal(|v| {
                    let o = v.pointer_mut(path).unwrap().as_object_mut().unwrap();
                    match valid_for {
                        Some(w) => o.insert("validFor".into(), w),
                        None => o.remove("validFor"),
                    };
                })
            };
            assert_eq!(with(None), trusted_root_error(&alloc::format!("{what}: validFor is missing")));
            assert_eq!(with(Some(json!({ "end": "2030-01-01T00:00:00Z" }))), trusted_root_error(&alloc::format!("{what}: validFor.start is missing")));
            let backwards = json!({ "start": "2030-01-01T00:00:00Z", "end": "2029-12-31T23:59:59Z" });
            assert_eq!(with(Some(backwards)), trusted_root_error(&alloc::format!("{what}: validFor ends before it starts")));
            assert_eq!(with(Some(json!({ "start": "2030-01-01" }))), Error::Time { what: "RFC 3339 timestamp", value: "2030-01-01".into() });
        }
        // A window of one instant is a window.
        let instant = json!({ "start": "2030-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z" });
        let root = load_edited(|v| v["certificateAuthorities"][0]["validFor"] = instant).unwrap();
        let w = root.certificate_authorities()[0].valid_for;
        assert_eq!(w.start, w.end.unwrap());
    }

    /// protobuf-specs `TimeRange`: "closed and includes both the start and end times"; an
    /// absent end is open.
    #[test]
    fn window_contains_both_ends() {
        let w = Window { start: UnixTime::from_secs(10), end: Some(UnixTime::from_secs(20)) };
        let inside: Vec<bool> = [9, 10, 20, 21].map(|t| w.contains(UnixTime::from_secs(t))).to_vec();
        assert_eq!(inside, [false, true, true, false]);
        assert!(!w.contains(UnixTime::new(20, 1)), "a nanosecond after the end");
        let open = Window { end: None, ..w };
        assert!(open.contains(UnixTime::from_secs(i64::MAX)) && !open.contains(UnixTime::from_secs(9)));
        assert!(Window::ALWAYS.contains(UnixTime::from_secs(i64::MIN)) && Window::ALWAYS.contains(UnixTime::from_secs(i64::MAX)));
    }

    /// `crate::limits`: the file size, the number of logs and authorities, and each chain's length.
    #[test]
    fn limits() {
        let big = vec![b' '; MAX_TRUSTED_ROOT_BYTES + 1];
        assert_eq!(
            TrustedRoot::from_json(&big, backend()).unwrap_err(),
            Error::LimitExceeded { what: "trusted root", max: MAX_TRUSTED_ROOT_BYTES, got: MAX_TRUSTED_ROOT_BYTES + 1 }
        );
        // The world's root has 3 tlogs, 1 CT log, 1 CA, 1 TSA: 251 more CT logs make 257.
        let e = refusal(|v| v["ctlogs"] = Value::Array(vec![v["ctlogs"][0].clone(); MAX_TRUST_ROOT_ENTRIES - 5 + 1]));
        assert_eq!(e, Error::LimitExceeded { what: "trusted root entries", max: MAX_TRUST_ROOT_ENTRIES, got: MAX_TRUST_ROOT_ENTRIES + 1 });
        load_edited(|v| v["ctlogs"] = Value::Array(vec![v["ctlogs"][0].clone(); MAX_TRUST_ROOT_ENTRIES - 5])).unwrap();
        let deep = limits::MAX_CHAIN_DEPTH + 1;
        let e = refusal(|v| {
            let c = v["certificateAuthorities"][0]["certChain"]["certificates"][0].clone();
            v["certificateAuthorities"][0]["certChain"]["certificates"] = Value::Array(vec![c; deep]);
        });
        assert_eq!(e, Error::LimitExceeded { what: "authority chain", max: limits::MAX_CHAIN_DEPTH, got: deep });
    }

    /// Module doc: loading verifies each authority's chain links (RFC 5280 §6.1 for the links
    /// inside the anchor); a Fulcio CA's first certificate must be a CA.
    #[test]
    fn authority_chains_are_checked_at_load() {
        let w = World::get();
        let chain = |certs: &[&[u8]]| json!(certs.iter().map(|c| json!({ "rawBytes": b64(c) })).collect::<Vec<_>>());
        let leaf = w.fulcio_signer(&LeafSpec::default()).cert.unwrap();
        let e = refusal(|v| v["certificateAuthorities"][0]["certChain"]["certificates"] = chain(&[&leaf, &w.fulcio.intermediate.cert]));
        assert_eq!(e, Error::NotACa { what: alloc::format!("{FULCIO} certificate 0") });
        let stranger = Issuer::root(Key::p384("stranger root"), "stranger root");
        let e = refusal(|v| v["certificateAuthorities"][0]["certChain"]["certificates"] = chain(&[&w.fulcio.intermediate.cert, &stranger.cert]));
        assert_eq!(e, Error::UnknownIssuer { what: alloc::format!("{FULCIO} certificate 0") });
        let e = refusal(|v| v["certificateAuthorities"][0]["certChain"]["certificates"] = chain(&[b"junk"]));
        assert!(matches!(&e, Error::Der { what, .. } if *what == alloc::format!("{FULCIO} certificate 0")), "{e}");
        // A TSA chain starts with its end-entity signing certificate, and that is accepted.
        let root = load_edited(|_| ()).unwrap();
        let first = root.timestamp_authorities()[0].anchor().first();
        assert_eq!(first.der(), w.tsa.signer.cert.as_slice());
        assert!(!first.extensions().basic_constraints.is_some_and(|(ca, _)| ca));
    }

    /// A policy's bare Rekor key (containers-policy.json `rekorPublicKeyData`): id = SHA-256 of
    /// the SPKI as Rekor v1 log ids are (cosign `pkg/cosign/tlog.go` `GetTransparencyLogID`),
    /// default scheme, always trusted, no base URL.
    #[test]
    fn log_key_from_a_bare_key() {
        let key = Key::p384("policy rekor key");
        let l = LogKey::from_key(backend(), PublicKey::from_spki_der("k", &key.spki()).unwrap());
        assert_eq!(l.key_id, sha256(&key.spki()));
        assert_eq!((l.scheme, l.valid_for, l.base_url.as_str(), l.host()), (SignatureScheme::EcdsaSha384, Window::ALWAYS, "", ""));
    }

    fn host(url: &str) -> String {
        let key = PublicKey::from_spki_der("k", &Key::p256("h").spki()).unwrap();
        LogKey { base_url: url.into(), ..LogKey::from_key(backend(), key) }.host().to_string()
    }

    /// Rekor v2 checkpoints are signed under the host of the log's base URL (sigstore-go
    /// `verify/tlog.go`: `url.Parse(BaseURL)` then `Hostname()`): no scheme, user info or path.
    #[test]
    fn log_host() {
        assert_eq!(host("https://log2025-1.rekor.sigstore.dev"), "log2025-1.rekor.sigstore.dev");
        assert_eq!(host("https://user@rekor.example/api/v2?x=1#f"), "rekor.example");
        assert_eq!(host("rekor.example/path"), "rekor.example");
    }

    /// The checkpoint signer name keeps the port: sigstore-conformance
    /// `intoto-with-custom-trust-root` (log `http://localhost:8000`) is signed as
    /// `localhost:8000`, and must verify.
    #[test]
    fn log_host_keeps_the_port() {
        assert_eq!(host("https://rekor.example:8443/api/v2"), "rekor.example:8443");
        assert_eq!(host("http://user@localhost:8000"), "localhost:8000");
    }

    /// The embedded public-good roots load once per process (`std`): the same `Arc` each time.
    #[cfg(feature = "std")]
    #[test]
    fn embedded_roots_are_cached() {
        let prod = TrustedRoot::production().unwrap();
        assert!(alloc::sync::Arc::ptr_eq(&prod, &TrustedRoot::production().unwrap()));
        assert!(alloc::sync::Arc::ptr_eq(&prod, &TrustedRoot::embedded(Embedded::PublicGood).unwrap()));
        let staging = TrustedRoot::staging().unwrap();
        assert!(alloc::sync::Arc::ptr_eq(&staging, &TrustedRoot::embedded(Embedded::Staging).unwrap()));
        assert!(!alloc::sync::Arc::ptr_eq(&prod, &staging));
    }

    /// The embedded roots as `sigstore/root-signing` publishes them: Rekor v1 and CT log ids
    /// are SHA-256 of the SPKI (cosign `GetTransparencyLogID`, RFC 6962 §3.2), including the
    /// staging PKCS#1 RSA CT log once wrapped; Fulcio's first window ends 2022-12-31.
    #[test]
    fn embedded_roots_content() {
        let prod = TrustedRoot::production().unwrap();
        let urls: Vec<&str> = prod.tlogs().iter().map(|l| l.base_url.as_str()).collect();
        assert_eq!(urls, ["https://rekor.sigstore.dev", "https://log2025-1.rekor.sigstore.dev"]);
        assert_eq!((prod.tlogs()[0].scheme, prod.tlogs()[1].scheme), (SignatureScheme::EcdsaSha256, SignatureScheme::Ed25519));
        let staging = TrustedRoot::staging().unwrap();
        for log in [&prod.tlogs()[0], &prod.ctlogs()[0], &prod.ctlogs()[1], &staging.tlogs()[0], &staging.ctlogs()[0]] {
            assert_eq!(LogKey::from_key(backend(), log.key.clone()).key_id, log.key_id, "{}", log.base_url);
        }
        assert_eq!(staging.ctlogs()[0].key.algorithm(), KeyAlgorithm::Rsa(4096));
        let cas = prod.certificate_authorities();
        assert_eq!((cas.len(), cas[0].valid_for.end), (2, Some(UnixTime::parse_rfc3339("2022-12-31T23:59:59.999Z").unwrap())));
        assert_eq!(prod.timestamp_authorities()[0].uri, "https://timestamp.sigstore.dev/api/v1/timestamp");
    }
}
