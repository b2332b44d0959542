//! The compiled policy model: what every policy format compiles into, once, at load.
//!
//! A [`CompiledPolicy`] holds, per transport, rules by scope and a default rule; a rule is a list
//! of requirements, all of which must be satisfied (ANDed). A signature requirement carries its
//! trust already prepared (keys parsed, trusted roots loaded, regexps compiled) and judges
//! *verified facts* ([`VerifiedSignature`](crate::facts::VerifiedSignature)) and their parse-only precursors ([`Claims`]); it
//! never reads evidence bytes. [`crate::verifier::ImageVerifier`] runs the verifiers and hands
//! the facts here. Format adapters: [`containers`] (containers-policy.json) and [`notation`]
//! (Notary trustpolicy.json with its trust store and CRLs).

#[cfg(all(feature = "std", feature = "governance"))]
pub mod cluster_image_policy;
pub mod containers;
mod decision;
pub mod identity;
#[cfg(feature = "governance")]
pub mod lint;
#[cfg(feature = "governance")]
pub mod native;
#[cfg(feature = "notation")]
pub mod notation;

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

pub use decision::{Decision, ExceptionRecord, RequirementRecord, SignatureRecord};
pub use identity::IdentityRule;

use crate::crypto::{Digest, HashAlgorithm};
use crate::error::{Error, Result};
use crate::facts::SignatureFormat;
use crate::oci::Reference;
use crate::trust::Trust;

/// The predicate type of cosign image signature statements (cosign v3 bundles).
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Reads files a policy names, when it is compiled. `std` builds provide [`FsFiles`];
/// embedders supply their own (WASM has none: key material must be inline).
pub trait PolicyFiles {
    /// The file's bytes, at most `max`.
    fn read(&self, path: &str, max: usize) -> Result<Vec<u8>>;
}

/// Reads policy files from the local filesystem ([`crate::fs::read_file`]).
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, Default)]
pub struct FsFiles;

#[cfg(feature = "std")]
impl PolicyFiles for FsFiles {
    fn read(&self, path: &str, max: usize) -> Result<Vec<u8>> {
        crate::fs::read_file(std::path::Path::new(path), max, "policy file", "policy file size").map_err(|e| match e {
            // The other errors name the file already.
            Error::LimitExceeded { .. } => e.loading(crate::Input::Policy, path),
            e => e,
        })
    }
}

/// One requirement of a rule.
#[derive(Debug, Clone)]
pub enum Requirement {
    /// Allows the image; never counts as a verified signature.
    InsecureAcceptAnything,
    /// Rejects the image.
    Reject,
    /// A requirement sealcheck cannot check (GPG `signedBy`, `signedBaseLayer`): always a
    /// rejection, with the reason.
    Unsupported {
        /// The requirement type.
        kind: String,
        /// Why it cannot be satisfied.
        reason: String,
    },
    /// A signature (or attestation) from a trusted signer, with an identity rule.
    Signed(SignatureRequirement),
    /// A Notary Project signature verified under one trust policy statement.
    #[cfg(feature = "notation")]
    Notary(notation::NotaryRequirement),
    /// Satisfied when any of its requirements is (`sealcheckAnyOf`; never empty): a cosign or
    /// a Notary signature, say.
    #[cfg(feature = "notation")]
    AnyOf(Vec<Requirement>),
    /// Thresholds, roles and attestations over the named signers of a native policy.
    #[cfg(feature = "governance")]
    Governed(native::GovernedRequirement),
}

impl Requirement {
    /// The requirement type, as the policy format names it.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Self::InsecureAcceptAnything => "insecureAcceptAnything",
            Self::Reject => "reject",
            Self::Unsupported { kind, .. } => kind,
            Self::Signed(_) => "sigstoreSigned",
            #[cfg(feature = "notation")]
            Self::Notary(_) => "notarySigned",
            #[cfg(feature = "notation")]
            Self::AnyOf(_) => "anyOf",
            #[cfg(feature = "governance")]
            Self::Governed(_) => "signedBy",
        }
    }
}

/// Which manifest a signature was found to bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Matched {
    /// The manifest decided on.
    #[serde(rename = "manifest")]
    Manifest,
    /// The image index that lists it (accepted only with `sealcheckIndexSignatures`).
    #[serde(rename = "index")]
    Index,
}

/// What is being decided: the reference asked about, the manifest's digests, and the digests of
/// the index it was reached through (when that index lists it).
#[derive(Debug, Clone)]
pub struct Subject {
    /// The reference the policy is asked about.
    pub reference: Reference,
    /// The manifest's digest in every algorithm sealcheck knows.
    pub manifest: [Digest; 3],
    /// The index's, if the manifest was reached through one that lists it.
    pub index: Option<[Digest; 3]>,
}

impl Subject {
    fn matches(set: &[Digest; 3], d: &Digest) -> bool {
        set.iter().any(|s| s == d)
    }
}

/// What a signature says (parsed, or verified): its format, the digests it binds, the
/// reference it names, its predicate type.
#[derive(Debug, Clone, Copy)]
pub struct Claims<'a> {
    /// The evidence format.
    pub format: SignatureFormat,
    /// The artifact digests it binds.
    pub digests: &'a [Digest],
    /// The reference it names (simple-signing `docker-reference`, or an in-toto subject name).
    pub signed_reference: Option<&'a str>,
    /// The in-toto predicate type, for statements.
    pub predicate_type: Option<&'a str>,
}

/// A signature or attestation requirement (containers-policy.json `sigstoreSigned`).
#[derive(Debug, Clone)]
pub struct SignatureRequirement {
    /// The trust the evidence is verified against.
    pub trust: Trust,
    /// How the signed reference must relate to the image reference.
    pub identity: IdentityRule,
    /// `Some(type)`: only an attestation with this in-toto predicate type satisfies the
    /// requirement (`sealcheckPredicateType`); `None`: a signature.
    pub predicate_type: Option<String>,
    /// Also accept a signature over the image index that lists the manifest
    /// (`sealcheckIndexSignatures`; off by default, as containers/image).
    pub index_signatures: bool,
}

impl SignatureRequirement {
    /// The predicate a statement must have: the attestation type, or cosign's signature
    /// predicate.
    #[must_use]
    pub fn wanted_predicate(&self) -> &str {
        self.predicate_type.as_deref().unwrap_or(COSIGN_SIGN_PREDICATE)
    }

    /// True when evidence of `format` can satisfy this requirement at all.
    #[must_use]
    pub fn considers(&self, format: SignatureFormat) -> bool {
        match format {
            SignatureFormat::CosignSimpleSigning => self.predicate_type.is_none(),
            SignatureFormat::CosignAttestation => self.predicate_type.is_some(),
            SignatureFormat::SigstoreBundle => true,
            #[cfg(feature = "notation")]
            SignatureFormat::Notary => false,
        }
    }

    /// Whether a signature saying `claims` satisfies the requirement for `subject`: the
    /// predicate, the digest it binds, and the identity rule on the reference it names. Called
    /// on parsed claims before any signature is checked, and on the verified facts after.
    pub fn judge(&self, claims: &Claims<'_>, subject: &Subject) -> Result<Matched> {
        // The kind of statement.
        if claims.format != SignatureFormat::CosignSimpleSigning {
            let want = self.wanted_predicate();
            match claims.predicate_type {
                Some(p) if p == want => {}
                Some(p) => return Err(Error::InToto(alloc::format!("predicate type {p:?} is not the wanted {want:?}"))),
                None => return Err(Error::InToto(String::from("bundle has no in-toto statement naming the image"))),
            }
        }
        // The digest it binds: the manifest, or (if allowed) the index that lists it.
        let matched = if claims.digests.iter().any(|d| Subject::matches(&subject.manifest, d)) {
            Matched::Manifest
        } else if self.index_signatures && subject.index.as_ref().is_some_and(|i| claims.digests.iter().any(|d| Subject::matches(i, d))) {
            Matched::Index
        } else {
            return Err(Error::ArtifactMismatch("signature is for another manifest digest"));
        };
        // The identity. A simple-signing payload names a docker reference; a bundle names at most
        // a repository (its in-toto subject): its signed identity is `<name>@<the digest it
        // binds>`. cosign v3 names none: only `sealcheckMatchDigest` accepts that.
        if self.identity == IdentityRule::MatchDigest {
            return Ok(matched);
        }
        let named = match claims.signed_reference {
            Some(n) if !n.is_empty() => n,
            _ if claims.format == SignatureFormat::CosignSimpleSigning => {
                return Err(Error::IdentityMismatch { got: String::new(), want: String::from("a signed reference") });
            }
            _ => {
                return Err(Error::IdentityMismatch {
                    got: String::new(),
                    want: String::from(
                        "a repository: the bundle's subject names none (cosign v3 writes none); signedIdentity sealcheckMatchDigest accepts signatures by digest alone",
                    ),
                });
            }
        };
        let signed = match Reference::parse(named) {
            Ok(r) if claims.format == SignatureFormat::CosignSimpleSigning => r,
            Ok(r) => {
                let bound = match matched {
                    Matched::Manifest => &subject.manifest,
                    Matched::Index => subject.index.as_ref().unwrap_or(&subject.manifest),
                };
                if r.digest().is_some_and(|d| !Subject::matches(bound, d.digest())) {
                    return Err(Error::IdentityMismatch { got: String::from(named), want: String::from("a subject name whose digest is the signed manifest's") });
                }
                // In the algorithm of the image reference's digest, if it has one.
                let alg = subject.reference.digest().map_or(HashAlgorithm::Sha256, |d| d.digest().algorithm());
                let d = bound.iter().find(|d| d.algorithm() == alg).copied().unwrap_or(bound[0]);
                r.with_digest(crate::oci::OciDigest::from_digest(d))
            }
            Err(_) => return Err(Error::IdentityMismatch { got: String::from(named), want: String::from("an image reference") }),
        };
        if !self.identity.matches_reference(&subject.reference, &signed) {
            return Err(Error::IdentityMismatch { got: signed.to_string(), want: alloc::format!("{:?} for {}", self.identity, subject.reference) });
        }
        Ok(matched)
    }
}

/// A rule: requirements, all of which must hold. Never empty.
#[derive(Debug, Clone)]
pub struct Rule(Vec<Requirement>);

impl Rule {
    /// A rule of `requirements`; an empty list is refused (containers/image: an empty
    /// requirement list is an error).
    pub fn new(requirements: Vec<Requirement>) -> Result<Self> {
        if requirements.is_empty() {
            return Err(Error::Usage(String::from("a requirement list must not be empty")));
        }
        Ok(Self(requirements))
    }

    /// The requirements.
    #[must_use]
    pub fn requirements(&self) -> &[Requirement] {
        &self.0
    }
}

/// One transport's rules by scope, in file order; scope `""` is the transport default.
pub type Scopes = Vec<(String, Rule)>;

/// How a policy's scopes select a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMatch {
    /// containers-policy.json: the most specific of the reference's scopes (with its tag or
    /// digest, the repository, its namespaces, the host, `*.` wildcard domains).
    Containers,
    /// Notary trust policies: the repository exactly (notation-go `GetApplicableTrustPolicy`),
    /// else the `*` statement (compiled as the transport default `""`).
    Repository,
    /// sigstore policy-controller `ClusterImagePolicy` globs (`cluster_image_policy`, builds
    /// with `std` and `governance`): each scope is one policy, named `NAME [GLOB GLOB…]`; every
    /// policy one of whose globs matches the reference applies, and the rule is all their
    /// requirements (ANDed). Without those features no glob scope matches (the default rule
    /// applies).
    Glob,
}

/// A compiled policy: the default rule, and per-transport rules by scope. Immutable once
/// compiled; share it (`Arc`) across threads.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    default: Rule,
    transports: Vec<(String, Scopes)>,
    digest: [u8; 32],
    scope_match: ScopeMatch,
    #[cfg(feature = "governance")]
    exceptions: Vec<native::Exception>,
}

impl CompiledPolicy {
    /// A policy from its parts; `digest` is the SHA-256 of the document it was compiled from.
    /// Scopes match as containers-policy.json's do.
    #[must_use]
    pub const fn new(default: Rule, transports: Vec<(String, Scopes)>, digest: [u8; 32]) -> Self {
        Self {
            default,
            transports,
            digest,
            scope_match: ScopeMatch::Containers,
            #[cfg(feature = "governance")]
            exceptions: Vec::new(),
        }
    }

    /// The same policy with break-glass `exceptions` (native policies).
    #[cfg(feature = "governance")]
    #[must_use]
    pub fn with_exceptions(mut self, exceptions: Vec<native::Exception>) -> Self {
        self.exceptions = exceptions;
        self
    }

    /// The break-glass exceptions.
    #[cfg(feature = "governance")]
    #[must_use]
    pub fn exceptions(&self) -> &[native::Exception] {
        &self.exceptions
    }

    /// The same policy with scopes matched by `scope_match`.
    #[must_use]
    pub const fn with_scope_match(mut self, scope_match: ScopeMatch) -> Self {
        self.scope_match = scope_match;
        self
    }

    /// SHA-256 of the policy document.
    #[must_use]
    pub const fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The rule that applies to `reference` under `transport`, and the scope that selected it
    /// (`"default"` for the global default): the most specific scope first, then the
    /// transport's `""`, then the default (containers/image `requirementsForImageRef`).
    ///
    /// Under [`ScopeMatch::Glob`] the rule is combined from every matching scope (so it may be
    /// owned), and the scope is their names joined by `, `.
    #[must_use]
    pub fn rule_for(&self, transport: &str, reference: &Reference) -> (String, Cow<'_, Rule>) {
        if let Some((_, scopes)) = self.transports.iter().find(|(t, _)| t == transport) {
            let candidates = match self.scope_match {
                ScopeMatch::Containers => reference.policy_scopes(),
                ScopeMatch::Repository => alloc::vec![reference.name()],
                ScopeMatch::Glob => {
                    #[cfg(all(feature = "std", feature = "governance"))]
                    if let Some(found) = cluster_image_policy::rule_for(scopes, reference) {
                        return found;
                    }
                    Vec::new()
                }
            };
            for scope in candidates {
                if let Some((s, rule)) = scopes.iter().find(|(s, _)| *s == scope) {
                    return (s.clone(), Cow::Borrowed(rule));
                }
            }
            if let Some((_, rule)) = scopes.iter().find(|(s, _)| s.is_empty()) {
                return (String::new(), Cow::Borrowed(rule));
            }
        }
        (String::from("default"), Cow::Borrowed(&self.default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each scope's rule is an `Unsupported` requirement named by its scope, so the rule that
    /// applies can be read back.
    fn policy(scopes: &[&str]) -> CompiledPolicy {
        let rule = |s: &str| Rule::new(alloc::vec![Requirement::Unsupported { kind: s.into(), reason: String::new() }]).unwrap();
        CompiledPolicy::new(
            rule("default"),
            alloc::vec![
                ("docker".into(), scopes.iter().map(|s| ((*s).to_string(), rule(s))).collect()),
                ("dir".into(), alloc::vec![(String::new(), rule("dir-default"))]),
            ],
            [0; 32],
        )
    }

    fn applies(p: &CompiledPolicy, reference: &str) -> String {
        let (scope, rule) = p.rule_for("docker", &Reference::parse(reference).unwrap());
        assert_eq!(rule.requirements()[0].kind(), if scope.is_empty() { "" } else { scope.as_str() });
        scope
    }

    #[test]
    fn scope_precedence_most_specific_first() {
        let all = ["a.b.example.com:5000/ns/repo:tag", "a.b.example.com:5000/ns/repo", "a.b.example.com:5000/ns", "a.b.example.com:5000", "*.b.example.com", "*.example.com", "*.com", ""];
        let r = "a.b.example.com:5000/ns/repo:tag";
        // Positive: with every scope present, each rule wins over all less specific ones.
        for (i, winner) in all.iter().enumerate() {
            let p = policy(&all[i..]);
            assert_eq!(applies(&p, r), *winner, "with scopes {:?}", &all[i..]);
        }
        // Negative: scopes that do not cover the image never apply.
        let p = policy(&["a.b.example.com:5000/ns/repo:other", "a.b.example.com:5000/ns/rep", "a.b.example.com", "*.a.b.example.com", "*.org"]);
        assert_eq!(applies(&p, r), "default", "a port-less host, another tag, a prefix that is not a path component, a deeper wildcard");
        // The transport default applies before the global default; other transports never do.
        assert_eq!(applies(&policy(&[""]), r), "");
        let (scope, _) = policy(&[]).rule_for("oci", &Reference::parse(r).unwrap());
        assert_eq!(scope, "default");
        // A digest reference is matched by its name@digest scope, not by a tag scope.
        let d = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
        let by_digest = alloc::format!("example.com/app@{d}");
        assert_eq!(applies(&policy(&[&by_digest, "example.com/app:latest"]), &by_digest), by_digest);
        assert_eq!(applies(&policy(&["example.com/app:latest"]), &by_digest), "default");
        // Docker Hub's legacy name selects the docker.io scopes; unnormalized scopes never apply.
        assert_eq!(applies(&policy(&["docker.io/library/busybox"]), "index.docker.io/busybox:latest"), "docker.io/library/busybox");
        assert_eq!(applies(&policy(&["docker.io"]), "index.docker.io/library/busybox:latest"), "docker.io");
        assert_eq!(applies(&policy(&["docker.io/library"]), "busybox"), "docker.io/library");
        assert_eq!(applies(&policy(&["index.docker.io", "busybox", "docker.io/busybox"]), "busybox:latest"), "default");
    }
}
