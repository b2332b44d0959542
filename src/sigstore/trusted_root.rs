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

    /// The host of `base_url`: the origin (and signer name) of Rekor v2 checkpoints.
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

#[derive(Deserialize)]
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
