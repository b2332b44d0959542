//! Notary Project trust policy documents v1.0 (`trust-store-trust-policy.md` "Trust Policy",
//! "Signature Verification details", "Trusted Identities Constraints", "Selecting a trust
//! policy based on artifact URI", "Blob trust policy"): `trustpolicy.json` /
//! `trustpolicy.oci.json` for OCI artifacts and `trustpolicy.blob.json` for blobs.
//!
//! Validation follows notation-go v1.3 (`verifier/trustpolicy`: `OCIDocument.Validate`,
//! `BlobDocument.Validate`, `validatePolicyCore`, `validateTrustStore`,
//! `validateTrustedIdentities`, `validateRegistryScopes`, `GetVerificationLevel`) rule by rule,
//! in the same order and with the same wording, so the first problem reported is the one
//! notation reports. Where notation-go is more lenient than the specification or than a
//! fail-closed verifier should be, this module is stricter; each place says so:
//! unknown JSON fields, duplicate keys, trailing data, identities for plugins, `skip` with the
//! global scope `*`, a `skip` global blob policy.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use super::dn::{DistinguishedName, MANDATORY};
use super::truststore::is_valid_store_name;
use crate::encoding::StrictMap;
use crate::error::{Error, Result};
use crate::limits::{MAX_TRUST_POLICY_BYTES, MAX_TRUST_POLICY_STATEMENTS};

// ---- levels, validations, actions -----------------------------------------------------------

/// A signature verification level (spec "Signature Verification details").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Every validation enforced.
    Strict,
    /// Integrity and authenticity enforced, the rest logged.
    Permissive,
    /// Integrity enforced, the rest logged.
    Audit,
    /// No verification at all.
    Skip,
}

impl Level {
    /// Every level, in the spec's order.
    pub const ALL: [Self; 4] = [Self::Strict, Self::Permissive, Self::Audit, Self::Skip];

    /// The name a policy writes (`strict`, `permissive`, `audit`, `skip`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Permissive => "permissive",
            Self::Audit => "audit",
            Self::Skip => "skip",
        }
    }

    /// The action this level takes for `v` (spec table "Signature Verification details";
    /// notation-go `LevelStrict` … `LevelSkip`).
    #[must_use]
    pub const fn action(self, v: Validation) -> Action {
        match (self, v) {
            (Self::Skip, _) => Action::Skip,
            (Self::Strict, _) | (_, Validation::Integrity) | (Self::Permissive, Validation::Authenticity) => Action::Enforce,
            _ => Action::Log,
        }
    }
}

/// One of the validations a level sets an action for, in the order notation-go runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Validation {
    /// The signature over the payload.
    Integrity,
    /// The chain anchors in the trust stores and the leaf matches a trusted identity.
    Authenticity,
    /// The signing time is authentic (a timestamp or the signing authority's signed time).
    AuthenticTimestamp,
    /// The signature's own expiry (`io.cncf.notary.expiry`).
    Expiry,
    /// The certificates are not revoked.
    Revocation,
}

impl Validation {
    /// Every validation.
    pub const ALL: [Self; 5] = [Self::Integrity, Self::Authenticity, Self::AuthenticTimestamp, Self::Expiry, Self::Revocation];

    /// The name a policy's `override` uses.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Integrity => "integrity",
            Self::Authenticity => "authenticity",
            Self::AuthenticTimestamp => "authenticTimestamp",
            Self::Expiry => "expiry",
            Self::Revocation => "revocation",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// What a failed validation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The failure fails the verification.
    Enforce,
    /// The failure is recorded and verification continues.
    Log,
    /// The validation is not performed.
    Skip,
}

impl Action {
    /// The name a policy writes (`enforce`, `log`, `skip`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Log => "log",
            Self::Skip => "skip",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        [Self::Enforce, Self::Log, Self::Skip].into_iter().find(|a| a.name() == s)
    }
}

/// When the timestamp countersignature is verified (`signatureVerification.verifyTimestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerifyTimestamp {
    /// Always (the default).
    Always,
    /// Only when a certificate of the signing chain has expired.
    AfterCertExpiry,
}

/// The type of a named trust store (spec "Trust Store").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoreType {
    /// `ca`: anchors for `notary.x509` signatures.
    Ca,
    /// `signingAuthority`: anchors for `notary.x509.signingAuthority` signatures.
    SigningAuthority,
    /// `tsa`: roots of timestamp authorities.
    Tsa,
}

impl StoreType {
    /// Every type, in the spec's order.
    pub const ALL: [Self; 3] = [Self::Ca, Self::SigningAuthority, Self::Tsa];

    /// The name policies and directories use (`ca`, `signingAuthority`, `tsa`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ca => "ca",
            Self::SigningAuthority => "signingAuthority",
            Self::Tsa => "tsa",
        }
    }

    /// The type named `s`, exactly as written.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
}

impl core::fmt::Display for StoreType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A `type:name` entry of `trustStores`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreRef {
    /// The store type.
    pub kind: StoreType,
    /// The named store (`[a-zA-Z0-9_.-]+`).
    pub name: String,
}

/// The `trustedIdentities` of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedIdentities {
    /// `*`: any leaf that anchors in the trust stores.
    Any,
    /// `x509.subject:` identities; a leaf must match one of them.
    Subjects(Vec<DistinguishedName>),
}

/// One entry of an OCI statement's `registryScopes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `*`: the global scope.
    Any,
    /// A repository, `domain[:port]/path` (no tag, no digest).
    Repository(String),
}

/// One trust policy statement, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's name, unique in its document.
    pub name: String,
    /// The registry scopes (OCI); empty for blob documents.
    pub scopes: Vec<Scope>,
    /// The blob `globalPolicy` flag; false in OCI documents.
    pub global: bool,
    /// The base verification level.
    pub level: Level,
    /// The level's name, or `custom` when `override` is set (notation-go `GetVerificationLevel`).
    pub level_name: String,
    /// When to verify the timestamp countersignature.
    pub verify_timestamp: VerifyTimestamp,
    /// The trust stores, as written (duplicates kept, as notation-go accepts them).
    pub trust_stores: Vec<StoreRef>,
    /// The trusted identities; for a `skip` statement, which has none, an empty
    /// [`TrustedIdentities::Subjects`] that no certificate matches.
    pub identities: TrustedIdentities,
    actions: [Action; 5],
}

impl Statement {
    /// The action for `v`: the level's, or the override's.
    #[must_use]
    pub fn action(&self, v: Validation) -> Action {
        self.actions[v as usize]
    }

    /// The trust stores of type `kind`, in the order written.
    pub fn stores(&self, kind: StoreType) -> impl Iterator<Item = &StoreRef> {
        self.trust_stores.iter().filter(move |s| s.kind == kind)
    }
}

/// Which of the two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `trustpolicy.oci.json` / `trustpolicy.json`: statements selected by registry scope.
    Oci,
    /// `trustpolicy.blob.json`: statements selected by name, or the global one.
    Blob,
}

impl DocumentKind {
    const fn file(self) -> &'static str {
        match self {
            Self::Oci => "trustpolicy.json",
            Self::Blob => "trustpolicy.blob.json",
        }
    }

    const fn prefix(self) -> &'static str {
        match self {
            Self::Oci => "oci",
            Self::Blob => "blob",
        }
    }
}

/// A validated trust policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicyDocument {
    /// OCI or blob.
    pub kind: DocumentKind,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
    digest: [u8; 32],
}

// ---- JSON ---------------------------------------------------------------------------------

// Unknown fields are refused (fail closed: notation-go's encoding/json ignores them, so a
// misspelt `"overide"` would silently keep the stricter… or laxer default). Keys match exactly
// (Go matches them case-insensitively); a repeated key is an error (Go keeps the last).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DocumentJson {
    version: Option<String>,
    trust_policies: Option<Vec<StatementJson>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatementJson {
    name: Option<String>,
    registry_scopes: Option<Vec<String>>,
    global_policy: Option<bool>,
    signature_verification: Option<SignatureVerificationJson>,
    trust_stores: Option<Vec<String>>,
    trusted_identities: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignatureVerificationJson {
    level: Option<String>,
    #[serde(rename = "override")]
    overrides: Option<StrictMap<String>>,
    verify_timestamp: Option<String>,
}

// ---- validation ---------------------------------------------------------------------------

const WILDCARD: &str = "*";
const X509_SUBJECT: &str = "x509.subject";
const SCOPE_HINT: &str = "make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout";

/// The parts of a statement `validatePolicyCore` checks.
struct Core {
    level: Level,
    level_name: String,
    actions: [Action; 5],
    verify_timestamp: VerifyTimestamp,
    trust_stores: Vec<StoreRef>,
    identities: TrustedIdentities,
}

/// notation-go `SignatureVerification.GetVerificationLevel`.
fn verification_level(sv: &SignatureVerificationJson) -> core::result::Result<(Level, String, [Action; 5]), String> {
    let name = sv.level.as_deref().unwrap_or_default();
    if name.is_empty() {
        return Err("signature verification level is empty or missing in the trust policy statement".into());
    }
    let level = Level::ALL.into_iter().find(|l| l.name() == name).ok_or_else(|| alloc::format!("invalid signature verification level {name:?}"))?;
    let mut actions = Validation::ALL.map(|v| level.action(v));
    let overrides = sv.overrides.as_ref().map(|m| m.0.as_slice()).unwrap_or_default();
    if overrides.is_empty() {
        return Ok((level, level.name().into(), actions));
    }
    if level == Level::Skip {
        return Err(alloc::format!("signature verification level {:?} can't be used to customize signature verification", level.name()));
    }
    for (key, value) in overrides {
        let v = Validation::from_name(key).ok_or_else(|| {
            alloc::format!(
                "verification type {key:?} in custom signature verification is not supported, supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]"
            )
        })?;
        let a = Action::from_name(value).ok_or_else(|| {
            alloc::format!("verification action {value:?} in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]")
        })?;
        if v == Validation::Integrity {
            return Err(alloc::format!("{key:?} verification can not be overridden in custom signature verification"));
        }
        if v != Validation::Revocation && a == Action::Skip {
            return Err(alloc::format!("{key:?} verification can not be skipped in custom signature verification"));
        }
        actions[v as usize] = a;
    }
    Ok((level, "custom".into(), actions))
}

/// notation-go `validateTrustStore`.
fn trust_stores(policy: &str, values: &[String]) -> core::result::Result<Vec<StoreRef>, String> {
    values
        .iter()
        .map(|value| {
            let Some((kind, name)) = value.split_once(':') else {
                return Err(alloc::format!(
                    "trust policy statement {policy:?} has malformed trust store value {value:?}. The required format is <TrustStoreType>:<TrustStoreName>"
                ));
            };
            let kind = StoreType::from_name(kind)
                .ok_or_else(|| alloc::format!("trust policy statement {policy:?} uses an unsupported trust store type {kind:?} in trust store value {value:?}"))?;
            if !is_valid_store_name(name) {
                return Err(alloc::format!(
                    "trust policy statement {policy:?} uses an unsupported trust store name {name:?} in trust store value {value:?}. Named store name needs to follow [a-zA-Z0-9_.-]+ format"
                ));
            }
            Ok(StoreRef { kind, name: name.into() })
        })
        .collect()
}

/// notation-go `validateTrustedIdentities` and `validateOverlappingDNs`.
fn trusted_identities(policy: &str, values: &[String]) -> core::result::Result<TrustedIdentities, String> {
    if values.len() > 1 && values.iter().any(|v| v == WILDCARD) {
        return Err(alloc::format!(
            "trust policy statement {policy:?} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values"
        ));
    }
    let mut dns = Vec::with_capacity(values.len());
    for identity in values {
        if identity.is_empty() {
            return Err(alloc::format!("trust policy statement {policy:?} has an empty trusted identity"));
        }
        if identity == WILDCARD {
            return Ok(TrustedIdentities::Any);
        }
        let Some((prefix, value)) = identity.split_once(':') else {
            return Err(alloc::format!("trust policy statement {policy:?} has trusted identity {identity:?} missing separator"));
        };
        // notation-go passes identities of other prefixes to a verification plugin and ignores
        // them itself. sealcheck runs no plugins: such an identity could never be satisfied, so
        // it is an error here (fail closed) rather than a silently unmatched entry.
        if prefix != X509_SUBJECT {
            return Err(alloc::format!(
                "trust policy statement {policy:?} has trusted identity {identity:?} with unsupported prefix {prefix:?}: only \"x509.subject\" identities are supported (verification plugins are not)"
            ));
        }
        if value.is_empty() {
            return Err(alloc::format!("trust policy statement {policy:?} has trusted identity {identity:?} without an identity value"));
        }
        let dn = DistinguishedName::parse_reason(value)
            .map_err(|e| alloc::format!("trust policy statement {policy:?} has trusted identity {identity:?} with invalid identity value: {e}"))?;
        dns.push((identity.as_str(), dn));
    }
    if let Some((a, b)) = overlapping(&dns) {
        return Err(alloc::format!("trust policy statement {policy:?} has overlapping x509 trustedIdentities, {a:?} overlaps with {b:?}"));
    }
    Ok(TrustedIdentities::Subjects(dns.into_iter().map(|(_, dn)| dn).collect()))
}

/// A pair of identities where the first is a subset of the second (notation-go
/// `validateOverlappingDNs`: `IsSubsetDN` for every ordered pair), found without comparing
/// every pair: every identity has C, ST and O and at most six other attributes, so each one has
/// at most 64 subsets that could be another identity, looked up in a map.
///
/// The spec calls identities overlapping when one certificate could match both, which is
/// broader (`…,OU=a` and `…,CN=b`); as notation-go, only subsets are refused. Either identity
/// grants trust on its own, so the narrower check accepts nothing more.
fn overlapping<'a>(dns: &[(&'a str, DistinguishedName)]) -> Option<(&'a str, &'a str)> {
    fn key<'k>(attrs: impl Iterator<Item = (&'static str, &'k str)>) -> Vec<(&'static str, &'k str)> {
        let mut k: Vec<_> = attrs.collect();
        k.sort_unstable();
        k
    }
    let mut by_key: BTreeMap<Vec<(&str, &str)>, usize> = BTreeMap::new();
    for (i, (_, dn)) in dns.iter().enumerate() {
        if let Some(&j) = by_key.get(&key(dn.attributes())) {
            return Some((dns[j].0, dns[i].0));
        }
        by_key.insert(key(dn.attributes()), i);
    }
    for (j, (_, dn)) in dns.iter().enumerate() {
        let (mandatory, optional): (Vec<_>, Vec<_>) = dn.attributes().partition(|(t, _)| MANDATORY.contains(t));
        let full = (1u32 << optional.len()) - 1;
        for mask in 0..full {
            let chosen = optional.iter().enumerate().filter(|(bit, _)| mask & (1 << bit) != 0).map(|(_, a)| *a);
            if let Some(&i) = by_key.get(&key(mandatory.iter().copied().chain(chosen))) {
                return Some((dns[i].0, dns[j].0));
            }
        }
    }
    None
}

/// notation-go `validatePolicyCore`.
fn core(name: &str, st: &StatementJson) -> core::result::Result<Core, String> {
    if name.is_empty() {
        return Err("a trust policy statement is missing a name, every statement requires a name".into());
    }
    let default = SignatureVerificationJson::default();
    let sv = st.signature_verification.as_ref().unwrap_or(&default);
    let (level, level_name, actions) = verification_level(sv).map_err(|e| alloc::format!("trust policy statement {name:?} has invalid signatureVerification: {e}"))?;
    // An empty string is the default, as in notation-go.
    let verify_timestamp = match sv.verify_timestamp.as_deref().unwrap_or_default() {
        "" | "always" => VerifyTimestamp::Always,
        "afterCertExpiry" => VerifyTimestamp::AfterCertExpiry,
        other => {
            return Err(alloc::format!(
                "trust policy statement {name:?} has invalid signatureVerification: verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got {other:?}"
            ));
        }
    };
    let stores = st.trust_stores.as_deref().unwrap_or_default();
    let identities = st.trusted_identities.as_deref().unwrap_or_default();
    if level == Level::Skip {
        if !stores.is_empty() || !identities.is_empty() {
            return Err(alloc::format!(
                "trust policy statement {name:?} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped"
            ));
        }
        return Ok(Core { level, level_name, actions, verify_timestamp, trust_stores: Vec::new(), identities: TrustedIdentities::Subjects(Vec::new()) });
    }
    if stores.is_empty() || identities.is_empty() {
        return Err(alloc::format!("trust policy statement {name:?} is either missing trust stores or trusted identities, both must be specified"));
    }
    let trust_stores = trust_stores(name, stores)?;
    let identities = trusted_identities(name, identities)?;
    Ok(Core { level, level_name, actions, verify_timestamp, trust_stores, identities })
}

/// notation-go `validateRegistryScopeFormat`: `domain/repository` with the distribution
/// reference grammar's domain and path components (the same grammar as [`crate::oci::reference`]).
fn scope_format(scope: &str) -> core::result::Result<(), String> {
    if scope.len() > 1 && scope.contains('*') {
        return Err(alloc::format!("registry scope {scope:?} with wild card(s) is not valid, {SCOPE_HINT}"));
    }
    let valid = scope.split_once('/').is_some_and(|(domain, repository)| {
        !domain.is_empty()
            && !repository.is_empty()
            && crate::oci::reference::is_domain(domain)
            && repository.split('/').all(crate::oci::reference::is_path_component)
    });
    if valid { Ok(()) } else { Err(alloc::format!("registry scope {scope:?} is not valid, {SCOPE_HINT}")) }
}

/// notation-go `validateRegistryScopes`, after every statement passed `validatePolicyCore`.
fn registry_scopes(raw: &[StatementJson], statements: &[Statement]) -> core::result::Result<Vec<Vec<Scope>>, String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order = Vec::new();
    let mut out = Vec::with_capacity(raw.len());
    for (st, parsed) in raw.iter().zip(statements) {
        let name = &parsed.name;
        let scopes = st.registry_scopes.as_deref().unwrap_or_default();
        if scopes.is_empty() {
            return Err(alloc::format!("oci trust policy statement {name:?} has zero registry scopes, it must specify registry scopes with at least one value"));
        }
        let global = scopes.iter().any(|s| s == WILDCARD);
        if scopes.len() > 1 && global {
            return Err(alloc::format!(
                "oci trust policy statement {name:?} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values"
            ));
        }
        let mut list = Vec::with_capacity(scopes.len());
        for scope in scopes {
            if scope == WILDCARD {
                list.push(Scope::Any);
            } else {
                scope_format(scope)?;
                list.push(Scope::Repository(scope.clone()));
            }
            let n = count.entry(scope.as_str()).or_insert(0);
            if *n == 0 {
                order.push(scope.as_str());
            }
            *n += 1;
        }
        // The spec: "Note that `skip` cannot be used with a global scope (`*`)". notation-go
        // does not check it (its e2e skip_trustpolicy.json uses `*`); a global skip accepts
        // every image no other statement names without verifying anything, so this is refused
        // (fail closed, following the stricter spec).
        if global && parsed.level == Level::Skip {
            return Err(alloc::format!(
                "oci trust policy statement {name:?} uses signature verification level \"skip\" with the wildcard registry scope '*', skip cannot be used with a global scope"
            ));
        }
        out.push(list);
    }
    if let Some(dup) = order.iter().find(|s| count[**s] > 1) {
        return Err(alloc::format!(
            "registry scope {dup:?} is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement"
        ));
    }
    Ok(out)
}

impl TrustPolicyDocument {
    /// Parses and validates a document of `kind`: the size limit first, then strict JSON, then
    /// every rule of notation-go's `Validate` (and the stricter ones in the module docs). Errors
    /// are [`Error::Json`] naming the file (`trustpolicy.json`, `trustpolicy.blob.json`) with
    /// notation-go's wording, or [`Error::LimitExceeded`].
    pub fn parse(json: &[u8], kind: DocumentKind) -> Result<Self> {
        let what = kind.file();
        crate::limits::check(what, json.len(), MAX_TRUST_POLICY_BYTES)?;
        let err = |detail: String| Error::Json { what, detail };
        // Trailing data after the document is refused too (Go's json.Decoder stops after the
        // first value).
        let doc: DocumentJson = serde_json::from_slice(json).map_err(|e| err(alloc::format!("malformed trust policy: {e}")))?;
        let prefix = kind.prefix();
        let version = doc.version.as_deref().unwrap_or_default();
        if version.is_empty() {
            return Err(err(alloc::format!("{prefix} trust policy document has empty version, version must be specified")));
        }
        if version != "1.0" {
            return Err(err(alloc::format!("{prefix} trust policy document uses unsupported version {version:?}")));
        }
        let raw = doc.trust_policies.unwrap_or_default();
        if raw.is_empty() {
            return Err(err(alloc::format!("{prefix} trust policy document can not have zero trust policy statements")));
        }
        crate::limits::check("trust policy statements", raw.len(), MAX_TRUST_POLICY_STATEMENTS)?;

        let mut names = BTreeSet::new();
        let mut statements = Vec::with_capacity(raw.len());
        let mut global_seen = false;
        for st in &raw {
            let name = st.name.as_deref().unwrap_or_default();
            if names.contains(name) {
                return Err(err(alloc::format!("multiple {prefix} trust policy statements use the same name {name:?}, statement names must be unique")));
            }
            let core = core(name, st).map_err(|e| err(alloc::format!("{prefix} trust policy: {e}")))?;
            // Each document's fields only (notation-go's structs ignore the other's).
            match kind {
                DocumentKind::Oci if st.global_policy.is_some() => {
                    return Err(err(alloc::format!("oci trust policy statement {name:?} has \"globalPolicy\", which only blob trust policy statements have")));
                }
                DocumentKind::Blob if st.registry_scopes.is_some() => {
                    return Err(err(alloc::format!(
                        "blob trust policy statement {name:?} has \"registryScopes\", which only oci trust policy statements have (blob statements are selected by name)"
                    )));
                }
                _ => {}
            }
            let global = st.global_policy == Some(true);
            if global {
                if global_seen {
                    return Err(err(
                        "multiple blob trust policy statements have globalPolicy set to true. Only one trust policy statement can be marked as global policy".into(),
                    ));
                }
                // The spec: "`signatureVerification` MUST not be set to `skip` if the policy is
                // marked as a global policy". notation-go's check of it compares a string with a
                // *VerificationLevel and never fires; enforced here.
                if core.level == Level::Skip {
                    return Err(err("global blob trust policy statement cannot have verification level set to skip".into()));
                }
                global_seen = true;
            }
            names.insert(name);
            statements.push(Statement {
                name: name.into(),
                scopes: Vec::new(),
                global,
                level: core.level,
                level_name: core.level_name,
                verify_timestamp: core.verify_timestamp,
                trust_stores: core.trust_stores,
                identities: core.identities,
                actions: core.actions,
            });
        }
        if kind == DocumentKind::Oci {
            let scopes = registry_scopes(&raw, &statements).map_err(err)?;
            for (st, s) in statements.iter_mut().zip(scopes) {
                st.scopes = s;
            }
        }
        Ok(Self { kind, statements, digest: crate::crypto::content_sha256(json) })
    }

    /// SHA-256 of the document's bytes.
    #[must_use]
    pub const fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// OCI: the statement whose scopes contain `repository` exactly (`registry/path`, no tag or
    /// digest), else the `*` statement, else `None` (notation-go `GetApplicableTrustPolicy`; no
    /// prefix or wildcard matching). `None` too for a blob document, and for a `repository`
    /// that is not a valid scope (notation-go refuses such an artifact reference).
    #[must_use]
    pub fn applicable(&self, repository: &str) -> Option<&Statement> {
        if self.kind != DocumentKind::Oci || scope_format(repository).is_err() {
            return None;
        }
        let mut global = None;
        for st in &self.statements {
            for scope in &st.scopes {
                match scope {
                    Scope::Repository(r) if r == repository => return Some(st),
                    Scope::Any => global = global.or(Some(st)),
                    Scope::Repository(_) => {}
                }
            }
        }
        global
    }

    /// Blob: the statement named `name`, or with `None` the `globalPolicy` statement
    /// (notation-go `GetApplicableTrustPolicy` / `GetGlobalTrustPolicy`). `None` for an OCI
    /// document and for a blank name.
    #[must_use]
    pub fn applicable_blob(&self, name: Option<&str>) -> Option<&Statement> {
        if self.kind != DocumentKind::Blob {
            return None;
        }
        match name {
            Some(n) if n.trim().is_empty() => None,
            Some(n) => self.statements.iter().find(|s| s.name == n),
            None => self.statements.iter().find(|s| s.global),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn oci(statements: &str) -> Result<TrustPolicyDocument> {
        TrustPolicyDocument::parse(alloc::format!(r#"{{"version":"1.0","trustPolicies":[{statements}]}}"#).as_bytes(), DocumentKind::Oci)
    }

    fn blob(statements: &str) -> Result<TrustPolicyDocument> {
        TrustPolicyDocument::parse(alloc::format!(r#"{{"version":"1.0","trustPolicies":[{statements}]}}"#).as_bytes(), DocumentKind::Blob)
    }

    fn stmt(name: &str, scopes: &str, sv: &str) -> String {
        alloc::format!(r#"{{"name":"{name}","registryScopes":[{scopes}],"signatureVerification":{sv},"trustStores":["ca:s"],"trustedIdentities":["*"]}}"#)
    }

    fn detail(r: Result<TrustPolicyDocument>) -> String {
        match r {
            Err(Error::Json { detail, .. }) => detail,
            other => panic!("expected a policy error, got {other:?}"),
        }
    }

    /// The levels table (spec "Signature Verification details"; notation-go trustpolicy.go
    /// `LevelStrict`…`LevelSkip`).
    #[test]
    fn levels_table() {
        use Action::{Enforce as E, Log as L, Skip as S};
        let want = [(Level::Strict, [E, E, E, E, E]), (Level::Permissive, [E, E, L, L, L]), (Level::Audit, [E, L, L, L, L]), (Level::Skip, [S, S, S, S, S])];
        for (level, actions) in want {
            assert_eq!(Validation::ALL.map(|v| level.action(v)), actions, "{}", level.name());
            let sv = alloc::format!(r#"{{"level":"{}"}}"#, level.name());
            let scope = if level == Level::Skip { r#""r.io/a""# } else { r#""*""# };
            let st = if level == Level::Skip { alloc::format!(r#"{{"name":"x","registryScopes":[{scope}],"signatureVerification":{sv}}}"#) } else { stmt("x", scope, &sv) };
            let doc = oci(&st).unwrap();
            let s = &doc.statements[0];
            assert_eq!((s.level, s.level_name.as_str()), (level, level.name()));
            assert_eq!(Validation::ALL.map(|v| s.action(v)), actions);
        }
        assert_eq!(serde_json::to_string(&[E, L, S]).unwrap(), r#"["enforce","log","skip"]"#);
        assert_eq!(Validation::ALL.map(Validation::name), ["integrity", "authenticity", "authenticTimestamp", "expiry", "revocation"]);
    }

    /// notation-go `GetVerificationLevel` (verifier/trustpolicy/trustpolicy_test.go
    /// TestCustomVerificationLevel): overrides replace the level's actions and name it `custom`.
    #[test]
    fn overrides() {
        let doc = oci(&stmt("x", r#""*""#, r#"{"level":"audit","override":{"authenticity":"enforce","revocation":"skip"}}"#)).unwrap();
        let s = &doc.statements[0];
        assert_eq!(s.level_name, "custom");
        assert_eq!(s.level, Level::Audit);
        assert_eq!(Validation::ALL.map(|v| s.action(v)), [Action::Enforce, Action::Enforce, Action::Log, Action::Log, Action::Skip]);
        let doc = oci(&stmt("x", r#""*""#, r#"{"level":"strict","override":{}}"#)).unwrap();
        assert_eq!(doc.statements[0].level_name, "strict", "an empty override keeps the level's name");
        let doc = oci(&stmt("x", r#""*""#, r#"{"level":"strict","override":{"expiry":"enforce"}}"#)).unwrap();
        assert_eq!(doc.statements[0].level_name, "custom", "any override is custom, as in notation-go");

        let bad = |sv: &str| detail(oci(&stmt("x", r#""*""#, sv)));
        assert!(bad(r#"{"level":"strict","override":{"integrity":"log"}}"#).contains("\"integrity\" verification can not be overridden"));
        assert!(bad(r#"{"level":"strict","override":{"expiry":"skip"}}"#).contains("\"expiry\" verification can not be skipped"));
        assert!(bad(r#"{"level":"strict","override":{"authenticity":"skip"}}"#).contains("can not be skipped"));
        assert!(bad(r#"{"level":"strict","override":{"authenticTimestamp":"skip"}}"#).contains("can not be skipped"));
        assert!(bad(r#"{"level":"strict","override":{"signature":"log"}}"#).contains("verification type \"signature\""));
        assert!(bad(r#"{"level":"strict","override":{"expiry":"warn"}}"#).contains("verification action \"warn\""));
        assert!(bad(r#"{"level":"strict","override":{"expiry":"log","expiry":"enforce"}}"#).contains("duplicate key"));
        assert!(bad(r#"{"level":"Strict"}"#).contains("invalid signature verification level \"Strict\""));
        assert!(bad(r#"{"level":""}"#).contains("level is empty or missing"));
        assert!(bad(r#"{}"#).contains("level is empty or missing"));
        assert!(bad(r#"{"level":"strict","verifyTimestamp":"never"}"#).contains("verifyTimestamp must be"));
        let st = r#"{"name":"x","registryScopes":["r.io/a"],"signatureVerification":{"level":"skip","override":{"revocation":"skip"}}}"#;
        assert!(detail(oci(st)).contains("\"skip\" can't be used to customize"));
    }

    #[test]
    fn verify_timestamp_and_stores() {
        let doc = oci(
            r#"{"name":"x","registryScopes":["*"],"signatureVerification":{"level":"strict","verifyTimestamp":"afterCertExpiry"},"trustStores":["ca:a","tsa:t","signingAuthority:s","ca:b"],"trustedIdentities":["*"]}"#,
        )
        .unwrap();
        let s = &doc.statements[0];
        assert_eq!(s.verify_timestamp, VerifyTimestamp::AfterCertExpiry);
        assert_eq!(s.stores(StoreType::Ca).map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(s.stores(StoreType::Tsa).count(), 1);
        assert_eq!(s.identities, TrustedIdentities::Any);
        assert_eq!(oci(&stmt("x", r#""*""#, r#"{"level":"strict"}"#)).unwrap().statements[0].verify_timestamp, VerifyTimestamp::Always);
        let with_stores = |stores: &str| detail(oci(&alloc::format!(r#"{{"name":"x","registryScopes":["*"],"signatureVerification":{{"level":"strict"}},"trustStores":[{stores}],"trustedIdentities":["*"]}}"#)));
        assert!(with_stores(r#""ca""#).contains("malformed trust store value \"ca\""));
        assert!(with_stores(r#""CA:x""#).contains("unsupported trust store type \"CA\""));
        assert!(with_stores(r#""ca:a/b""#).contains("unsupported trust store name \"a/b\""));
        assert!(with_stores(r#""ca:a:b""#).contains("unsupported trust store name \"a:b\""));
    }

    #[test]
    fn identities() {
        let with = |ids: &str| oci(&alloc::format!(r#"{{"name":"x","registryScopes":["*"],"signatureVerification":{{"level":"strict"}},"trustStores":["ca:s"],"trustedIdentities":[{ids}]}}"#));
        let doc = with(r#""x509.subject: C=US, ST=WA, O=a", "x509.subject: C=US, ST=WA, O=b, CN=c""#).unwrap();
        let TrustedIdentities::Subjects(dns) = &doc.statements[0].identities else { panic!() };
        assert_eq!(dns.iter().map(ToString::to_string).collect::<Vec<_>>(), ["C=US,ST=WA,O=a", "C=US,ST=WA,O=b,CN=c"]);
        assert!(detail(with(r#""plugin.id:abc""#)).contains("unsupported prefix \"plugin.id\""));
        assert!(detail(with(r#""x509.subject:""#)).contains("without an identity value"));
        assert!(detail(with(r#""x509.subject:C=US,ST=WA""#)).contains("no mandatory RDN attribute for \"O\""));
        assert!(detail(with(r#""*","*""#)).contains("wildcard identity cannot be used"));
        // Overlap in either order, identical identities, and the S alias (pkix.go IsSubsetDN
        // through trustpolicy.go validateOverlappingDNs).
        assert!(detail(with(r#""x509.subject:C=US,ST=WA,O=a,OU=b","x509.subject:C=US,ST=WA,O=a""#)).contains("overlapping"));
        assert!(detail(with(r#""x509.subject:C=US,ST=WA,O=a","x509.subject:C=US,ST=WA,O=a,L=x,OU=y,CN=z""#)).contains("overlapping"));
        assert!(detail(with(r#""x509.subject:C=US,ST=WA,O=a","x509.subject:O=a,S=WA,C=US""#)).contains("overlapping"));
        with(r#""x509.subject:C=US,ST=WA,O=a,OU=b","x509.subject:C=US,ST=WA,O=a,CN=c""#).expect("neither is a subset of the other");
        with(r#""x509.subject:C=US,ST=WA,O=a,OU=b","x509.subject:C=US,ST=WA,O=a,OU=c""#).expect("different values");
    }

    /// Scope selection (spec "Selecting a trust policy based on artifact URI"; notation-go
    /// oci.go `GetApplicableTrustPolicy`): exact match first, then `*`, else none.
    #[test]
    fn scope_selection() {
        let doc = oci(&[stmt("global", r#""*""#, r#"{"level":"audit"}"#), stmt("exact", r#""r.io/a/b","localhost:5000/c""#, r#"{"level":"strict"}"#)].join(",")).unwrap();
        assert_eq!(doc.applicable("r.io/a/b").unwrap().name, "exact", "an exact scope wins over * listed before it");
        assert_eq!(doc.applicable("localhost:5000/c").unwrap().name, "exact");
        assert_eq!(doc.applicable("r.io/a").unwrap().name, "global", "no prefix matching");
        assert_eq!(doc.applicable("r.io/a/b/c").unwrap().name, "global");
        assert!(doc.applicable("r.io/a/b:tag").is_none() && doc.applicable("r.io/a/b@sha256:00").is_none(), "not a repository");
        assert!(doc.applicable("R.io/a/B").is_none(), "an invalid repository matches nothing, not even *");
        let doc = oci(&stmt("exact", r#""r.io/a/b""#, r#"{"level":"strict"}"#)).unwrap();
        assert!(doc.applicable("r.io/a/c").is_none());
        assert!(doc.applicable_blob(None).is_none(), "an OCI document has no blob statements");
    }

    #[test]
    fn scopes() {
        let bad = |scopes: &str| detail(oci(&stmt("x", scopes, r#"{"level":"strict"}"#)));
        assert!(bad("").contains("has zero registry scopes"));
        assert!(bad(r#""*","r.io/a""#).contains("wildcard scope cannot be used in conjunction"));
        assert!(bad(r#""r.io/*""#).contains("with wild card(s) is not valid"));
        assert!(bad(r#""r.io""#).contains("is not valid"));
        assert!(bad(r#""r.io/""#).contains("is not valid"));
        assert!(bad(r#""r.io/A""#).contains("is not valid"));
        assert!(bad(r#""-r.io/a""#).contains("is not valid"));
        assert!(bad(r#""r.io/a:tag""#).contains("is not valid"));
        assert!(bad(r#""https://r.io/a""#).contains("is not valid"));
        assert!(bad(r#""r.io/a","r.io/a""#).contains("registry scope \"r.io/a\" is present in multiple"));
        oci(&stmt("x", r#""local/my_layout.v2__x--y""#, r#"{"level":"strict"}"#)).expect("a local scope");
        let two = [stmt("a", r#""r.io/a""#, r#"{"level":"strict"}"#), stmt("b", r#""r.io/a""#, r#"{"level":"strict"}"#)].join(",");
        assert!(detail(oci(&two)).contains("present in multiple"));
        // skip: allowed for a named scope, not for * (spec; see registry_scopes).
        let skip = |scope: &str| oci(&alloc::format!(r#"{{"name":"s","registryScopes":[{scope}],"signatureVerification":{{"level":"skip"}}}}"#));
        assert_eq!(skip(r#""r.io/a""#).unwrap().statements[0].action(Validation::Integrity), Action::Skip);
        assert!(detail(skip(r#""*""#)).contains("skip cannot be used with a global scope"));
        let skip_with_store = r#"{"name":"s","registryScopes":["r.io/a"],"signatureVerification":{"level":"skip"},"trustStores":["ca:x"]}"#;
        assert!(detail(oci(skip_with_store)).contains("set to skip signature verification but configured with trust stores"));
    }

    #[test]
    fn document_rules() {
        let parse = |s: &str| TrustPolicyDocument::parse(s.as_bytes(), DocumentKind::Oci);
        assert!(detail(parse(r#"{"trustPolicies":[]}"#)).contains("has empty version"));
        assert!(detail(parse(r#"{"version":"1.1","trustPolicies":[]}"#)).contains("unsupported version \"1.1\""));
        assert!(detail(parse(r#"{"version":"1.0","trustPolicies":[]}"#)).contains("zero trust policy statements"));
        assert!(detail(parse(r#"{"version":"1.0"}"#)).contains("zero trust policy statements"));
        assert!(detail(parse(r#"{"version":"1.0","trustPolicies":[{"registryScopes":["*"]}]}"#)).contains("missing a name"));
        // Strict JSON: unknown fields (notation-go ignores them), duplicate keys, key case,
        // trailing data.
        assert!(detail(parse(r#"{"version":"1.0","extra":1,"trustPolicies":[]}"#)).contains("unknown field"));
        assert!(detail(oci(r#"{"name":"x","registryScopes":["*"],"signatureVerification":{"level":"strict","overide":{}},"trustStores":["ca:s"],"trustedIdentities":["*"]}"#)).contains("unknown field"));
        assert!(detail(parse(r#"{"version":"1.0","version":"1.0","trustPolicies":[]}"#)).contains("duplicate field"));
        assert!(detail(parse(r#"{"Version":"1.0","trustPolicies":[]}"#)).contains("unknown field"));
        let ok = alloc::format!(r#"{{"version":"1.0","trustPolicies":[{}]}}"#, stmt("x", r#""*""#, r#"{"level":"strict"}"#));
        parse(&ok).unwrap();
        assert!(detail(parse(&alloc::format!("{ok} {{}}"))).contains("malformed trust policy"));
        assert!(detail(oci(&stmt("x", r#""*""#, r#"{"level":"strict"}"#).replace(r#""name""#, r#""globalPolicy":false,"name""#))).contains("globalPolicy"));
        let big = alloc::vec![b' '; MAX_TRUST_POLICY_BYTES + 1];
        assert!(matches!(TrustPolicyDocument::parse(&big, DocumentKind::Oci), Err(Error::LimitExceeded { .. })), "the size is checked before parsing");
        let many = (0..=MAX_TRUST_POLICY_STATEMENTS).map(|i| stmt(&alloc::format!("s{i}"), &alloc::format!(r#""r.io/a{i}""#), r#"{"level":"strict"}"#)).collect::<Vec<_>>().join(",");
        assert!(matches!(oci(&many), Err(Error::LimitExceeded { .. })));
        let a = parse(&ok).unwrap();
        assert_eq!(a.digest(), &crate::crypto::content_sha256(ok.as_bytes()));
    }

    /// Blob documents (spec "Blob trust policy"; notation-go blob.go `Validate`,
    /// `GetApplicableTrustPolicy`, `GetGlobalTrustPolicy`).
    #[test]
    fn blob_documents() {
        let st = |name: &str, extra: &str, level: &str| {
            alloc::format!(r#"{{"name":"{name}"{extra},"signatureVerification":{{"level":"{level}"}},"trustStores":["ca:s"],"trustedIdentities":["*"]}}"#)
        };
        let doc = blob(&[st("a", "", "strict"), st("g", r#","globalPolicy":true"#, "audit"), st("f", r#","globalPolicy":false"#, "permissive")].join(",")).unwrap();
        assert_eq!(doc.kind, DocumentKind::Blob);
        assert_eq!(doc.applicable_blob(Some("a")).unwrap().name, "a");
        assert_eq!(doc.applicable_blob(None).unwrap().name, "g");
        assert!(doc.applicable_blob(Some("g")).unwrap().global);
        assert!(doc.applicable_blob(Some("missing")).is_none() && doc.applicable_blob(Some(" ")).is_none());
        assert!(doc.statements.iter().all(|s| s.scopes.is_empty()));
        assert!(doc.applicable("r.io/a").is_none(), "a blob document has no scopes");
        let no_global = blob(&st("a", "", "strict")).unwrap();
        assert!(no_global.applicable_blob(None).is_none());

        let two = [st("a", r#","globalPolicy":true"#, "strict"), st("b", r#","globalPolicy":true"#, "strict")].join(",");
        assert!(detail(blob(&two)).contains("multiple blob trust policy statements have globalPolicy set to true"));
        assert!(detail(blob(&[st("a", "", "strict"), st("a", "", "audit")].join(","))).contains("multiple blob trust policy statements use the same name \"a\""));
        assert!(detail(blob(&st("a", r#","registryScopes":["*"]"#, "strict"))).contains("registryScopes"));
        assert!(detail(blob(&st("a", "", "bogus"))).starts_with("blob trust policy: "));
        let skip_global = r#"{"name":"s","globalPolicy":true,"signatureVerification":{"level":"skip"}}"#;
        assert!(detail(blob(skip_global)).contains("global blob trust policy statement cannot have verification level set to skip"));
        blob(r#"{"name":"s","signatureVerification":{"level":"skip"}}"#).expect("a named blob statement may skip");
    }
}
