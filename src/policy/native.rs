//! sealcheck's native policy (`apiVersion: sealcheck.dev/v1`, schema in
//! `docs/policy.schema.json`): the central policy that also knows the state of the keys.
//!
//! Named **signers** (a public key, a Sigstore identity, a Notary identity), each with a
//! `validFrom`/`validUntil` window that the signature's *verified* signing time must lie in;
//! **revocations** of signers, keys, certificates and identities (inline, or a separate list
//! reloaded without the policy: [`RevocationList`]); per **scope** (registry, repository or
//! digest; the most specific wins, as containers-policy.json's do) a threshold of distinct
//! signers, **roles** that distinct identities must fill, and **attestations** of a predicate
//! type by given signers, optionally with constraints on the predicate's fields ([`predicate`]);
//! and time-bound **exceptions** ([`Exception`]) that turn a denial into
//! an allow recorded as such. Parsing is strict: unknown fields and duplicate keys are errors.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use serde::Deserialize;

pub mod predicate;

use self::predicate::PredicateConstraint;
use super::notation::NotaryRequirement;
use super::{CompiledPolicy, IdentityRule, PolicyFiles, Requirement, Rule, SignatureRequirement};
use crate::crypto::{Backend, HashAlgorithm, PublicKey};
use crate::encoding::{pem_decode_all, StrictMap};
use crate::error::{Error, Input, Result};
use crate::facts::{VerifiedSignature, VerifiedSigner};
use crate::limits::{MAX_KEY_FILE_BYTES, MAX_POLICY_BYTES, MAX_TRUSTED_ROOT_BYTES};
use crate::oci::Reference;
use crate::sigstore::identity::{CertificateIdentity, FulcioField, Matcher};
use crate::sigstore::trusted_root::{Embedded, TrustedRoot};
use crate::time::UnixTime;
use crate::trust::{Signers, Thresholds, Trust, TrustedKey};

/// The `apiVersion` of this format.
pub const API_VERSION: &str = "sealcheck.dev/v1";

fn invalid(msg: impl Into<String>) -> Error {
    Error::Json { what: "sealcheck policy", detail: msg.into() }
}

// ---- JSON -----------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyJson {
    api_version: String,
    signers: StrictMap<SignerJson>,
    #[serde(default)]
    revocations: Vec<RevocationJson>,
    scopes: StrictMap<ScopeJson>,
    #[serde(default)]
    exceptions: Vec<ExceptionJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignerJson {
    key: Option<KeyJson>,
    sigstore: Option<SigstoreJson>,
    notary: Option<NotaryJson>,
    valid_from: Option<String>,
    valid_until: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyJson {
    path: Option<String>,
    pem: Option<String>,
    /// The logs and TSAs its signatures' entries are checked with (default: public-good).
    trusted_root: Option<String>,
    trusted_root_path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SigstoreJson {
    trusted_root: Option<String>,
    trusted_root_path: Option<String>,
    issuer: Option<String>,
    issuer_regexp: Option<String>,
    subject: Option<String>,
    subject_regexp: Option<String>,
    extensions: Option<StrictMap<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NotaryJson {
    /// `type:name` → certificate files (PEM or DER).
    trust_stores: StrictMap<Vec<String>>,
    identity: String,
    signature_verification: Option<super::notation::SignatureVerificationJson>,
}



#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScopeJson {
    reject: Option<bool>,
    accept_unsigned: Option<bool>,
    signatures: Option<SignaturesJson>,
    roles: Option<StrictMap<Vec<String>>>,
    attestations: Option<Vec<AttestationJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignaturesJson {
    signers: Vec<String>,
    threshold: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttestationJson {
    predicate_type: String,
    signers: Vec<String>,
    predicate: Option<Vec<predicate::ConstraintJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RevocationJson {
    signer: Option<String>,
    key_sha256: Option<String>,
    certificate: Option<CertificateRefJson>,
    identity: Option<IdentityRefJson>,
    revoked_at: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CertificateRefJson {
    issuer: String,
    serial: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdentityRefJson {
    issuer: Option<String>,
    subject: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExceptionJson {
    id: String,
    scope: String,
    not_before: String,
    not_after: String,
    reason: String,
    ticket: String,
    approver: String,
    covers_revoked: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RevocationListJson {
    api_version: String,
    revocations: Vec<RevocationJson>,
}

// ---- the compiled model ---------------------------------------------------------------------

/// When a signer may sign: its verified signing time lies in `[from, until]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lifetime {
    /// `validFrom`.
    pub from: Option<UnixTime>,
    /// `validUntil`.
    pub until: Option<UnixTime>,
}

impl Lifetime {
    /// Every verified time of `v` lies in the window; a window needs at least one (a claim in
    /// the signature or its certificate is never a signing time).
    pub fn check(&self, signer: &str, v: &VerifiedSignature) -> Result<()> {
        if self.from.is_none() && self.until.is_none() {
            return Ok(());
        }
        let window = || alloc::format!("signer {signer:?}'s window");
        if v.times.is_empty() {
            return Err(Error::MissingEvidence("a verified signing time (the signer has a validity window)"));
        }
        for t in &v.times {
            if self.from.is_some_and(|f| t.time < f) || self.until.is_some_and(|u| t.time > u) {
                return Err(Error::KeyOutsideValidity { what: alloc::format!("{} (signed at {})", window(), t.time.secs()), time: t.time.secs() });
            }
        }
        Ok(())
    }
}

/// What one signer is.
#[derive(Debug, Clone)]
pub enum SignerKind {
    /// A key or a Sigstore identity: checked as a `sigstoreSigned` requirement is.
    Sigstore(Trust),
    /// A Notary identity under one trust policy statement.
    Notary(NotaryRequirement),
}

/// A named signer.
#[derive(Debug, Clone)]
pub struct Signer {
    /// Its name in the policy.
    pub name: String,
    /// How its signatures are verified.
    pub kind: SignerKind,
    /// When it may sign.
    pub lifetime: Lifetime,
}

/// The RFC 5280 §5.3.1 reasons a revocation may give.
const REASONS: [&str; 9] = [
    "unspecified",
    "keyCompromise",
    "cACompromise",
    "affiliationChanged",
    "superseded",
    "cessationOfOperation",
    "privilegeWithdrawn",
    "aACompromise",
    "certificateHold",
];

/// What a revocation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// A signer of the policy, by name.
    Signer(String),
    /// A public key, by the SHA-256 of its SubjectPublicKeyInfo (hex).
    Key(String),
    /// A certificate, by issuer (RFC 4514) and serial (hex).
    Certificate {
        /// The issuer.
        issuer: String,
        /// The serial number.
        serial: String,
    },
    /// An identity: a certificate SAN (with its OIDC issuer, if given) or a Notary subject.
    Identity {
        /// The OIDC issuer.
        issuer: Option<String>,
        /// The SAN or subject.
        subject: String,
    },
}

/// One revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// What is revoked.
    pub what: Revoked,
    /// Since when.
    pub revoked_at: UnixTime,
    /// The reason (RFC 5280 names).
    pub reason: String,
}

impl Revocation {
    fn from_json(j: RevocationJson) -> Result<Self> {
        let n = usize::from(j.signer.is_some()) + usize::from(j.key_sha256.is_some()) + usize::from(j.certificate.is_some()) + usize::from(j.identity.is_some());
        if n != 1 {
            return Err(invalid("a revocation names exactly one of signer, keySha256, certificate, identity"));
        }
        if !REASONS.contains(&j.reason.as_str()) {
            return Err(invalid(alloc::format!("revocation reason {:?} (RFC 5280 reasons: {})", j.reason, REASONS.join(", "))));
        }
        let what = if let Some(s) = j.signer {
            Revoked::Signer(s)
        } else if let Some(k) = j.key_sha256 {
            if k.len() != 64 || !k.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(alloc::format!("keySha256 {k:?} is not 64 hex digits")));
            }
            Revoked::Key(k.to_ascii_lowercase())
        } else if let Some(c) = j.certificate {
            // Hex, optionally `0x`-prefixed or colon-separated as openssl prints it.
            let serial: String = c.serial.trim_start_matches("0x").chars().filter(|c| *c != ':').collect::<String>().to_ascii_lowercase();
            if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(alloc::format!("certificate serial {:?} is not hexadecimal", c.serial)));
            }
            let serial = serial.trim_start_matches('0');
            Revoked::Certificate { issuer: c.issuer, serial: if serial.is_empty() { "0".into() } else { serial.into() } }
        } else if let Some(i) = j.identity {
            Revoked::Identity { issuer: i.issuer, subject: i.subject }
        } else {
            return Err(invalid("empty revocation"));
        };
        Ok(Self { what, revoked_at: UnixTime::parse_rfc3339(&j.revoked_at).map_err(|_| invalid(alloc::format!("revokedAt {:?}", j.revoked_at)))?, reason: j.reason })
    }

    fn names(&self, signer: &str, v: &VerifiedSignature) -> bool {
        let norm = |s: &str| s.trim_start_matches('0').to_string();
        match (&self.what, &v.signer) {
            (Revoked::Signer(s), _) => s == signer,
            (Revoked::Key(k), VerifiedSigner::Key { sha256 }) => k == sha256,
            (Revoked::Certificate { issuer, serial }, VerifiedSigner::Certificate { issuer: i, serial: s, .. } | VerifiedSigner::NotaryCertificate { issuer: i, serial: s, .. }) => {
                same_dn(issuer, i) && norm(serial) == norm(s)
            }
            (Revoked::Identity { issuer, subject }, VerifiedSigner::Certificate { san, extensions, .. }) => {
                san.iter().any(|n| n.value() == subject) && issuer.as_ref().is_none_or(|i| extensions.issuer.as_deref() == Some(i.as_str()))
            }
            (Revoked::Identity { issuer: None, subject }, VerifiedSigner::NotaryCertificate { subject: s, .. }) => same_dn(subject, s),
            _ => false,
        }
    }

    /// Whether it invalidates `v` by `signer`: keyCompromise (and the CA and AA compromises)
    /// every signature; other reasons those whose verified signing time is at or after the
    /// revocation, or that have none.
    fn invalidates(&self, signer: &str, v: &VerifiedSignature) -> bool {
        if !self.names(signer, v) {
            return false;
        }
        match self.reason.as_str() {
            "keyCompromise" | "cACompromise" | "aACompromise" => true,
            _ => v.times.is_empty() || v.times.iter().any(|t| t.time >= self.revoked_at),
        }
    }

    /// How a record names it.
    #[must_use]
    pub fn describe(&self) -> String {
        let what = match &self.what {
            Revoked::Signer(s) => alloc::format!("signer {s}"),
            Revoked::Key(k) => alloc::format!("key sha256:{k}"),
            Revoked::Certificate { issuer, serial } => alloc::format!("certificate {issuer} serial {serial}"),
            Revoked::Identity { issuer: Some(i), subject } => alloc::format!("identity {subject} ({i})"),
            Revoked::Identity { issuer: None, subject } => alloc::format!("identity {subject}"),
        };
        alloc::format!("{what} revoked at {} ({})", self.revoked_at.secs(), self.reason)
    }
}

/// Two RFC 4514 names with the same attributes in any order (Notary DN rules, no mandatory
/// attributes), or, for names those rules do not read, the same text.
fn same_dn(a: &str, b: &str) -> bool {
    use crate::notation::dn::DistinguishedName;
    match (DistinguishedName::parse_any(a), DistinguishedName::parse_any(b)) {
        (Ok(x), Ok(y)) => x.is_subset_of(&y) && y.is_subset_of(&x),
        _ => a == b,
    }
}

/// Revocations: the policy's own, or a separate list (`apiVersion`, `revocations`) that can be
/// reloaded and swapped into a verifier without recompiling the policy
/// ([`crate::ImageVerifier::with_revocations`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationList {
    entries: Vec<Revocation>,
}

impl RevocationList {
    /// Parses a revocation list document.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        crate::limits::check("revocation list", json.len(), MAX_POLICY_BYTES)?;
        let j: RevocationListJson = serde_json::from_slice(json).map_err(|e| invalid(alloc::format!("revocation list: {e}")))?;
        if j.api_version != API_VERSION {
            return Err(invalid(alloc::format!("revocation list apiVersion {:?} is not {API_VERSION}", j.api_version)));
        }
        Ok(Self { entries: j.revocations.into_iter().map(Revocation::from_json).collect::<Result<_>>()? })
    }

    /// The revocations.
    #[must_use]
    pub fn entries(&self) -> &[Revocation] {
        &self.entries
    }

    /// The first revocation that invalidates `v` by `signer`.
    #[must_use]
    pub fn hit(&self, signer: &str, v: &VerifiedSignature) -> Option<&Revocation> {
        self.entries.iter().find(|r| r.invalidates(signer, v))
    }
}

/// A break-glass exception: for a repository or a digest, within `[not_before, not_after]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exception {
    /// Its id.
    pub id: String,
    /// A repository (`registry/path`) or a digest reference (`registry/path@sha256:…`).
    pub scope: String,
    /// Start.
    pub not_before: UnixTime,
    /// End.
    pub not_after: UnixTime,
    /// Why.
    pub reason: String,
    /// The ticket.
    pub ticket: String,
    /// Who approved it.
    pub approver: String,
    /// Whether it also allows images whose signatures a revocation refused.
    pub covers_revoked: bool,
}

impl Exception {
    /// Whether it applies to `reference` (whose manifest is `digest`) at `now`: active, and
    /// naming the repository exactly, or the repository and the digest.
    #[must_use]
    pub fn applies(&self, reference: &Reference, digest: Option<&crate::oci::OciDigest>, now: UnixTime) -> bool {
        if now < self.not_before || now > self.not_after {
            return false;
        }
        match self.scope.split_once('@') {
            Some((repo, d)) => repo == reference.name() && digest.is_some_and(|x| x.to_string() == d),
            None => self.scope == reference.name(),
        }
    }
}

/// A governed requirement: thresholds, roles and attestations over named signers.
#[derive(Debug, Clone)]
pub struct GovernedRequirement {
    /// Every signer of the policy (indices below refer to it).
    pub signers: Arc<[Signer]>,
    /// Signers whose signatures count, and how many distinct identities must sign.
    pub signatures: Option<(Vec<usize>, usize)>,
    /// Roles: each to be filled by a distinct identity among its signers.
    pub roles: Vec<(String, Vec<usize>)>,
    /// Attestations: a predicate type signed by one of the signers.
    pub attestations: Vec<Attestation>,
    /// The policy's own revocations.
    pub revocations: Arc<RevocationList>,
}

/// An attestation requirement: an in-toto statement of a predicate type, signed by one of the
/// signers, whose predicate meets every constraint.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// The `predicateType`.
    pub predicate_type: String,
    /// Signers whose attestations count (indices into [`GovernedRequirement::signers`]).
    pub signers: Vec<usize>,
    /// Constraints on the predicate's fields, all of which must hold.
    pub constraints: Vec<PredicateConstraint>,
}

impl Attestation {
    /// Whether the statement `v` verified meets every constraint ([`predicate::check_all`]).
    pub fn check(&self, v: &VerifiedSignature) -> Result<()> {
        predicate::check_all(&self.constraints, v.statement.as_ref().and_then(|s| s.predicate.as_ref()))
    }
}

impl GovernedRequirement {
    /// The signature requirement that checks signer `i` (for attestations, of `predicate`).
    #[must_use]
    pub fn sigstore_requirement(trust: &Trust, predicate: Option<&str>) -> SignatureRequirement {
        SignatureRequirement { trust: trust.clone(), identity: IdentityRule::MatchDigest, predicate_type: predicate.map(ToString::to_string), index_signatures: false }
    }
}

// ---- compiling ------------------------------------------------------------------------------

fn time(what: &str, s: &Option<String>) -> Result<Option<UnixTime>> {
    s.as_deref().map(|v| UnixTime::parse_rfc3339(v).map_err(|_| invalid(alloc::format!("{what} {v:?} is not an RFC 3339 time")))).transpose()
}

struct Compiler<'a> {
    files: &'a dyn PolicyFiles,
    backend: &'a dyn Backend,
}

impl Compiler<'_> {
    fn signer(&self, name: &str, j: SignerJson) -> Result<Signer> {
        let lifetime = Lifetime { from: time("validFrom", &j.valid_from)?, until: time("validUntil", &j.valid_until)? };
        if let (Some(f), Some(u)) = (lifetime.from, lifetime.until) {
            if u < f {
                return Err(invalid(alloc::format!("signer {name:?}: validUntil is before validFrom")));
            }
        }
        let kind = match (j.key, j.sigstore, j.notary) {
            (Some(k), None, None) => SignerKind::Sigstore(self.key(name, k)?),
            (None, Some(s), None) => SignerKind::Sigstore(self.sigstore(name, s)?),
            (None, None, Some(n)) => SignerKind::Notary(self.notary(name, n)?),
            _ => return Err(invalid(alloc::format!("signer {name:?}: exactly one of key, sigstore, notary"))),
        };
        Ok(Signer { name: name.into(), kind, lifetime })
    }

    fn key(&self, name: &str, k: KeyJson) -> Result<Trust> {
        let what = alloc::format!("signer {name:?} key");
        let pem = match (k.path, k.pem) {
            (Some(p), None) => self.files.read(&p, MAX_KEY_FILE_BYTES)?,
            (None, Some(p)) => p.into_bytes(),
            _ => return Err(invalid(alloc::format!("{what}: exactly one of path, pem"))),
        };
        let text = core::str::from_utf8(&pem).map_err(|_| Error::Encoding { what: what.clone(), encoding: "PEM" })?;
        let keys: Vec<TrustedKey> = pem_decode_all(&what, text)?
            .into_iter()
            .filter(|b| b.label == "PUBLIC KEY")
            .map(|b| PublicKey::from_spki_der(&what, &b.der).map(|k| TrustedKey::new(self.backend, k)))
            .collect::<Result<_>>()?;
        if keys.is_empty() {
            return Err(Error::Encoding { what, encoding: "PEM public key" });
        }
        // A key-signed image counts without a log (as cosign --key with --insecure-ignore-tlog);
        // a lifetime window still needs a verified time, which only a log or a TSA gives. Log
        // entries it has are checked against the root (an entry of an unknown log is refused).
        let root = self.root(name, k.trusted_root.as_deref(), k.trusted_root_path)?;
        Ok(Trust::new(root, Signers::Keys(keys), Thresholds { tlog: 0, ctlog: 0, timestamps: 0 }))
    }

    fn root(&self, name: &str, named: Option<&str>, path: Option<String>) -> Result<Arc<TrustedRoot>> {
        match (named, path) {
            (Some("public-good") | None, None) => TrustedRoot::embedded(Embedded::PublicGood),
            (Some("staging"), None) => TrustedRoot::embedded(Embedded::Staging),
            (None, Some(p)) => {
                let bytes = self.files.read(&p, MAX_TRUSTED_ROOT_BYTES)?;
                Ok(Arc::new(TrustedRoot::from_json(&bytes, self.backend).map_err(|e| e.loading(Input::TrustedRoot, p))?))
            }
            _ => Err(invalid(alloc::format!("signer {name:?}: trustedRoot is public-good or staging, or trustedRootPath names a file"))),
        }
    }

    fn sigstore(&self, name: &str, s: SigstoreJson) -> Result<Trust> {
        let pair = |what: &str, exact: Option<String>, re: Option<String>| -> Result<Matcher> {
            match (exact, re) {
                (Some(v), None) if !v.is_empty() => Ok(Matcher::exact(&v)),
                (None, Some(v)) if !v.is_empty() => Matcher::regex(&v),
                _ => Err(invalid(alloc::format!("signer {name:?} sigstore: exactly one non-empty {what} or {what}Regexp"))),
            }
        };
        let mut id = CertificateIdentity::new(pair("subject", s.subject, s.subject_regexp)?, pair("issuer", s.issuer, s.issuer_regexp)?);
        for (field, value) in s.extensions.map(|m| m.0).unwrap_or_default() {
            let f = FulcioField::from_name(&field).ok_or_else(|| invalid(alloc::format!("signer {name:?}: unknown Fulcio extension {field:?}")))?;
            id = id.with_extension(f, Matcher::exact(&value));
        }
        let root = self.root(name, s.trusted_root.as_deref(), s.trusted_root_path)?;
        Ok(Trust::new(root, Signers::Certificate(id), Thresholds::default()))
    }

    fn notary(&self, name: &str, n: NotaryJson) -> Result<NotaryRequirement> {
        use crate::notation::trustpolicy::{DocumentKind, StoreType, TrustPolicyDocument};
        let stores: Vec<String> = n.trust_stores.0.iter().map(|(k, _)| k.clone()).collect();
        let doc = serde_json::json!({"version": "1.0", "trustPolicies": [{"name": name, "registryScopes": ["*"],
            "signatureVerification": n.signature_verification.as_ref().map_or_else(|| serde_json::json!({"level": "strict"}), super::notation::SignatureVerificationJson::to_value),
            "trustStores": stores, "trustedIdentities": [n.identity]}]});
        let doc = TrustPolicyDocument::parse(&serde_json::to_vec(&doc).map_err(|e| invalid(alloc::format!("{e}")))?, DocumentKind::Oci).map_err(|e| match e {
            Error::Json { detail, .. } => invalid(alloc::format!("signer {name:?} notary: {detail}")),
            e => e,
        })?;
        let statement = doc.statements.into_iter().next().ok_or_else(|| invalid("no statement"))?;
        let mut store = crate::notation::truststore::TrustStore::new();
        for (named, files) in n.trust_stores.0 {
            let (kind, sname) = named
                .split_once(':')
                .and_then(|(k, s)| StoreType::from_name(k).map(|k| (k, s)))
                .ok_or_else(|| invalid(alloc::format!("signer {name:?}: {named:?} is not a trust store type:name")))?;
            for f in files {
                let bytes = self.files.read(&f, MAX_KEY_FILE_BYTES)?;
                store.add_file(self.backend, kind, sname, &bytes, &f)?;
            }
        }
        Ok(NotaryRequirement { statement, store: Arc::new(store), crls: Arc::new(crate::notation::crl::CrlSet::new(Vec::new())) })
    }
}

fn indices(names: &[String], signers: &[Signer], what: &str) -> Result<Vec<usize>> {
    if names.is_empty() {
        return Err(invalid(alloc::format!("{what}: no signers")));
    }
    names
        .iter()
        .map(|n| signers.iter().position(|s| s.name == *n).ok_or_else(|| invalid(alloc::format!("{what}: unknown signer {n:?}"))))
        .collect()
}

/// Compiles a native policy, reading the files it names with `files`. Its revocations are
/// the policy's own; a separate [`RevocationList`] is given to the verifier.
pub fn compile(json: &[u8], files: &dyn PolicyFiles, backend: &dyn Backend) -> Result<CompiledPolicy> {
    let load = || -> Result<CompiledPolicy> {
        crate::limits::check("sealcheck policy", json.len(), MAX_POLICY_BYTES)?;
        let p: PolicyJson = serde_json::from_slice(json).map_err(|e| invalid(alloc::format!("{e}")))?;
        if p.api_version != API_VERSION {
            return Err(invalid(alloc::format!("apiVersion {:?} is not {API_VERSION}", p.api_version)));
        }
        let c = Compiler { files, backend };
        let signers: Arc<[Signer]> = p.signers.0.into_iter().map(|(n, s)| c.signer(&n, s)).collect::<Result<Vec<_>>>()?.into();
        let revocations = Arc::new(RevocationList { entries: p.revocations.into_iter().map(Revocation::from_json).collect::<Result<_>>()? });
        for r in revocations.entries() {
            if let Revoked::Signer(s) = &r.what {
                if !signers.iter().any(|x| x.name == *s) {
                    return Err(invalid(alloc::format!("revocation of unknown signer {s:?}")));
                }
            }
        }
        let mut default = None;
        let mut scopes = Vec::new();
        for (scope, j) in p.scopes.0 {
            let what = alloc::format!("scope {scope:?}");
            let rule = scope_rule(&what, j, &signers, &revocations)?;
            if scope == "*" {
                default = Some(rule);
            } else {
                Reference::parse(scope.split('@').next().unwrap_or_default()).map_err(|_| invalid(alloc::format!("{what}: not a registry, repository or digest reference")))?;
                scopes.push((scope, rule));
            }
        }
        let exceptions = p
            .exceptions
            .into_iter()
            .map(|e| {
                let nb = UnixTime::parse_rfc3339(&e.not_before).map_err(|_| invalid(alloc::format!("exception {:?}: notBefore", e.id)))?;
                let na = UnixTime::parse_rfc3339(&e.not_after).map_err(|_| invalid(alloc::format!("exception {:?}: notAfter", e.id)))?;
                if na < nb {
                    return Err(invalid(alloc::format!("exception {:?}: notAfter is before notBefore", e.id)));
                }
                for (f, v) in [("reason", &e.reason), ("ticket", &e.ticket), ("approver", &e.approver), ("id", &e.id)] {
                    if v.trim().is_empty() {
                        return Err(invalid(alloc::format!("exception {:?}: {f} is required", e.id)));
                    }
                }
                let named = Reference::parse(e.scope.split('@').next().unwrap_or_default()).map_err(|_| invalid(alloc::format!("exception {:?}: scope {:?}", e.id, e.scope)))?;
                if named.tag().is_some() {
                    return Err(invalid(alloc::format!("exception {:?}: scope {:?} names a tag: name a repository or repository@digest", e.id, e.scope)));
                }
                Ok(Exception { id: e.id, scope: e.scope, not_before: nb, not_after: na, reason: e.reason, ticket: e.ticket, approver: e.approver, covers_revoked: e.covers_revoked.unwrap_or(false) })
            })
            .collect::<Result<Vec<_>>>()?;
        let default = default.unwrap_or_else(|| Rule(alloc::vec![Requirement::Reject]));
        let mut digest = [0u8; 32];
        digest.copy_from_slice(backend.digest(HashAlgorithm::Sha256, json).as_bytes());
        Ok(CompiledPolicy::new(default, alloc::vec![(String::from("docker"), scopes)], digest).with_exceptions(exceptions))
    };
    load().map_err(|e| e.loading(Input::Policy, "sealcheck policy"))
}

fn scope_rule(what: &str, j: ScopeJson, signers: &Arc<[Signer]>, revocations: &Arc<RevocationList>) -> Result<Rule> {
    if j.roles.as_ref().is_some_and(|r| r.0.is_empty()) || j.attestations.as_ref().is_some_and(Vec::is_empty) {
        return Err(invalid(alloc::format!("{what}: roles and attestations, when given, must not be empty")));
    }
    let governs = j.signatures.is_some() || j.roles.is_some() || j.attestations.is_some();
    match (j.reject.unwrap_or(false), j.accept_unsigned.unwrap_or(false), governs) {
        (true, false, false) => return Ok(Rule(alloc::vec![Requirement::Reject])),
        (false, true, false) => return Ok(Rule(alloc::vec![Requirement::InsecureAcceptAnything])),
        (false, false, true) => {}
        _ => return Err(invalid(alloc::format!("{what}: exactly one of reject, acceptUnsigned, or signature requirements (signatures, roles, attestations)"))),
    }
    let signatures = j
        .signatures
        .map(|s| {
            let ix = indices(&s.signers, signers, &alloc::format!("{what} signatures"))?;
            let k = s.threshold.unwrap_or(1);
            if k == 0 || k > ix.len() {
                return Err(invalid(alloc::format!("{what}: threshold {k} of {} signers", ix.len())));
            }
            Ok((ix, k))
        })
        .transpose()?;
    let roles = j
        .roles
        .map(|r| r.0.into_iter().map(|(role, names)| Ok((role.clone(), indices(&names, signers, &alloc::format!("{what} role {role:?}"))?))).collect::<Result<Vec<_>>>())
        .transpose()?
        .unwrap_or_default();
    let attestations = j
        .attestations
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            if a.predicate_type.is_empty() {
                return Err(invalid(alloc::format!("{what}: an attestation needs a predicateType")));
            }
            let ix = indices(&a.signers, signers, &alloc::format!("{what} attestation {:?}", a.predicate_type))?;
            if ix.iter().any(|&i| matches!(signers[i].kind, SignerKind::Notary(_))) {
                return Err(invalid(alloc::format!("{what}: attestations are in-toto statements: Notary signers cannot sign them")));
            }
            let constraints = match a.predicate {
                Some(list) if list.is_empty() => return Err(invalid(alloc::format!("{what} attestation {:?}: predicate, when given, must not be empty", a.predicate_type))),
                list => list
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(k, c)| PredicateConstraint::from_json(&alloc::format!("{what} attestation {:?} predicate constraint {k}", a.predicate_type), c))
                    .collect::<Result<Vec<_>>>()?,
            };
            Ok(Attestation { predicate_type: a.predicate_type, signers: ix, constraints })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Rule(alloc::vec![Requirement::Governed(GovernedRequirement { signers: signers.clone(), signatures, roles, attestations, revocations: revocations.clone() })]))
}

/// Whether each role can be given its own identity among those that signed for it (a
/// bipartite matching: roles on one side, distinct identities on the other; augmenting paths).
/// `candidates[r]` lists the identities that filled role `r`.
#[must_use]
pub fn roles_filled(candidates: &[Vec<usize>]) -> bool {
    fn augment(r: usize, candidates: &[Vec<usize>], owner: &mut Vec<Option<usize>>, seen: &mut Vec<bool>) -> bool {
        for &id in &candidates[r] {
            if id >= seen.len() || seen[id] {
                continue;
            }
            seen[id] = true;
            if owner[id].is_none_or(|o| augment(o, candidates, owner, seen)) {
                owner[id] = Some(r);
                return true;
            }
        }
        false
    }
    let ids = candidates.iter().flatten().max().map_or(0, |m| m + 1);
    let mut owner: Vec<Option<usize>> = alloc::vec![None; ids];
    (0..candidates.len()).all(|r| {
        let mut seen = alloc::vec![false; ids];
        augment(r, candidates, &mut owner, &mut seen)
    })
}

// ---- keys of identities ---------------------------------------------------------------------

/// Who a verified signature is by, as thresholds and roles count identities: a key, a Sigstore
/// certificate identity (OIDC issuer and SAN), or a Notary subject. Two names for one key are
/// one identity.
#[must_use]
pub fn identity_of(v: &VerifiedSignature) -> String {
    match &v.signer {
        VerifiedSigner::Key { sha256 } => alloc::format!("key:{sha256}"),
        VerifiedSigner::Certificate { san, extensions, .. } => {
            alloc::format!("sigstore:{}|{}", extensions.issuer.as_deref().unwrap_or(""), san.first().map_or("", crate::x509::SubjectAltName::value))
        }
        VerifiedSigner::NotaryCertificate { subject, .. } => alloc::format!("notary:{subject}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Roles are filled by distinct identities (issue: "one identity cannot fill two roles").
    #[test]
    fn role_matching() {
        assert!(roles_filled(&[alloc::vec![0], alloc::vec![1]]));
        assert!(!roles_filled(&[alloc::vec![0], alloc::vec![0]]), "one identity, two roles");
        assert!(roles_filled(&[alloc::vec![0, 1], alloc::vec![0]]), "the first role moves to the second identity");
        assert!(!roles_filled(&[alloc::vec![0, 1], alloc::vec![0, 1], alloc::vec![1]]));
        assert!(!roles_filled(&[alloc::vec![]]));
        assert!(roles_filled(&[]));
    }
}
