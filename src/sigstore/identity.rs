//! Certificate identity policy, as cosign's `--certificate-identity[-regexp]` and
//! `--certificate-oidc-issuer[-regexp]`, plus optional Fulcio extension matches.
//!
//! Regular expressions are matched against the whole value. The anchors are added to the
//! *parsed* pattern (its syntax tree), never to its text: `nomatch)|(.*` is refused as an
//! invalid pattern instead of becoming `\A(?:nomatch)|(.*)\z`, which would match anything.
//! An identity always needs both a SAN and an issuer matcher, so an empty identity cannot match
//! every certificate (sigstore-go #644).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use regex_automata::meta::Regex;
use regex_syntax::hir::{Hir, Look};

use crate::error::{Error, Result};
use crate::limits::{MAX_PATTERN_BYTES, MAX_PATTERN_NFA_BYTES};
use crate::x509::{Certificate, FulcioExtensions};

/// An exact string or a whole-value regular expression. Built only by [`Matcher::exact`] and
/// [`Matcher::regex`], so every regexp matcher is anchored at both ends.
#[derive(Debug, Clone)]
pub struct Matcher(Kind);

#[derive(Debug, Clone)]
enum Kind {
    Exact(String),
    Regex { pattern: String, compiled: Regex },
}

impl Matcher {
    /// An exact matcher.
    #[must_use]
    pub fn exact(s: &str) -> Self {
        Self(Kind::Exact(s.to_string()))
    }

    /// A regular expression matcher, anchored at both ends. The pattern must parse on its own
    /// (an unbalanced `)` is an error, not a way out of the anchors). Patterns are compiled in
    /// ASCII mode (`\d`, `\w`, `.` and `(?i)` act on bytes; non-ASCII literals still match
    /// exactly): identities are URLs and email addresses, and the Unicode tables would cost
    /// 90 KiB in the WASM module.
    pub fn regex(pattern: &str) -> Result<Self> {
        let invalid = || Error::InvalidRegex(pattern.to_string());
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(invalid());
        }
        let syntax = regex_automata::util::syntax::Config::new().unicode(false).utf8(false);
        let parsed = regex_automata::util::syntax::parse_with(pattern, &syntax).map_err(|_| invalid())?;
        let anchored = Hir::concat(alloc::vec![Hir::look(Look::Start), parsed, Hir::look(Look::End)]);
        let compiled = Regex::builder()
            .syntax(syntax)
            .configure(Regex::config().nfa_size_limit(Some(MAX_PATTERN_NFA_BYTES)))
            .build_from_hir(&anchored)
            .map_err(|_| invalid())?;
        Ok(Self(Kind::Regex { pattern: pattern.to_string(), compiled }))
    }

    /// True when `value` matches.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match &self.0 {
            Kind::Exact(s) => s == value,
            Kind::Regex { compiled, .. } => compiled.is_match(value),
        }
    }

    /// True for a regular expression matcher.
    #[must_use]
    pub const fn is_regex(&self) -> bool {
        matches!(self.0, Kind::Regex { .. })
    }

    /// The exact value or the pattern, as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Kind::Exact(s) | Kind::Regex { pattern: s, .. } => s,
        }
    }
}

impl core::fmt::Display for Matcher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.0 {
            Kind::Exact(s) => write!(f, "{s:?}"),
            Kind::Regex { pattern, .. } => write!(f, "regexp {pattern:?}"),
        }
    }
}

/// The Fulcio extensions a policy may constrain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum FulcioField {
    BuildSignerUri,
    BuildSignerDigest,
    RunnerEnvironment,
    SourceRepositoryUri,
    SourceRepositoryDigest,
    SourceRepositoryRef,
    SourceRepositoryIdentifier,
    SourceRepositoryOwnerUri,
    SourceRepositoryOwnerIdentifier,
    BuildConfigUri,
    BuildConfigDigest,
    BuildTrigger,
    RunInvocationUri,
    SourceRepositoryVisibilityAtSigning,
    GithubWorkflowTrigger,
    GithubWorkflowSha,
    GithubWorkflowName,
    GithubWorkflowRepository,
    GithubWorkflowRef,
}

impl FulcioField {
    fn name(self) -> &'static str {
        match self {
            Self::BuildSignerUri => "buildSignerURI",
            Self::BuildSignerDigest => "buildSignerDigest",
            Self::RunnerEnvironment => "runnerEnvironment",
            Self::SourceRepositoryUri => "sourceRepositoryURI",
            Self::SourceRepositoryDigest => "sourceRepositoryDigest",
            Self::SourceRepositoryRef => "sourceRepositoryRef",
            Self::SourceRepositoryIdentifier => "sourceRepositoryIdentifier",
            Self::SourceRepositoryOwnerUri => "sourceRepositoryOwnerURI",
            Self::SourceRepositoryOwnerIdentifier => "sourceRepositoryOwnerIdentifier",
            Self::BuildConfigUri => "buildConfigURI",
            Self::BuildConfigDigest => "buildConfigDigest",
            Self::BuildTrigger => "buildTrigger",
            Self::RunInvocationUri => "runInvocationURI",
            Self::SourceRepositoryVisibilityAtSigning => "sourceRepositoryVisibilityAtSigning",
            Self::GithubWorkflowTrigger => "githubWorkflowTrigger",
            Self::GithubWorkflowSha => "githubWorkflowSHA",
            Self::GithubWorkflowName => "githubWorkflowName",
            Self::GithubWorkflowRepository => "githubWorkflowRepository",
            Self::GithubWorkflowRef => "githubWorkflowRef",
        }
    }

    fn get(self, f: &FulcioExtensions) -> Option<&str> {
        match self {
            Self::BuildSignerUri => f.build_signer_uri.as_deref(),
            Self::BuildSignerDigest => f.build_signer_digest.as_deref(),
            Self::RunnerEnvironment => f.runner_environment.as_deref(),
            Self::SourceRepositoryUri => f.source_repository_uri.as_deref(),
            Self::SourceRepositoryDigest => f.source_repository_digest.as_deref(),
            Self::SourceRepositoryRef => f.source_repository_ref.as_deref(),
            Self::SourceRepositoryIdentifier => f.source_repository_identifier.as_deref(),
            Self::SourceRepositoryOwnerUri => f.source_repository_owner_uri.as_deref(),
            Self::SourceRepositoryOwnerIdentifier => f.source_repository_owner_identifier.as_deref(),
            Self::BuildConfigUri => f.build_config_uri.as_deref(),
            Self::BuildConfigDigest => f.build_config_digest.as_deref(),
            Self::BuildTrigger => f.build_trigger.as_deref(),
            Self::RunInvocationUri => f.run_invocation_uri.as_deref(),
            Self::SourceRepositoryVisibilityAtSigning => f.source_repository_visibility_at_signing.as_deref(),
            Self::GithubWorkflowTrigger => f.github_workflow_trigger.as_deref(),
            Self::GithubWorkflowSha => f.github_workflow_sha.as_deref(),
            Self::GithubWorkflowName => f.github_workflow_name.as_deref(),
            Self::GithubWorkflowRepository => f.github_workflow_repository.as_deref(),
            Self::GithubWorkflowRef => f.github_workflow_ref.as_deref(),
        }
    }
}

/// Who must have signed: SAN and OIDC issuer, and optionally Fulcio extension values.
#[derive(Debug, Clone)]
pub struct CertificateIdentity {
    san: Matcher,
    issuer: Matcher,
    extensions: Vec<(FulcioField, Matcher)>,
}

impl CertificateIdentity {
    /// An identity from a SAN matcher and an issuer matcher; both are required.
    #[must_use]
    pub fn new(san: Matcher, issuer: Matcher) -> Self {
        Self { san, issuer, extensions: Vec::new() }
    }

    /// Adds a constraint on a Fulcio extension.
    #[must_use]
    pub fn with_extension(mut self, field: FulcioField, m: Matcher) -> Self {
        self.extensions.push((field, m));
        self
    }

    /// Checks `leaf` against the identity: some SAN must match, then the issuer, then each
    /// extension constraint.
    pub fn check(&self, leaf: &Certificate) -> Result<()> {
        let sans = leaf.subject_alt_names();
        if !sans.iter().any(|s| self.san.matches(s.value())) {
            let got = sans.iter().map(|s| s.value()).collect::<Vec<_>>().join(", ");
            return Err(Error::IdentityMismatch { got, want: self.san.to_string() });
        }
        let issuer = leaf.fulcio().issuer.as_deref().unwrap_or_default();
        if leaf.fulcio().issuer.is_none() || !self.issuer.matches(issuer) {
            return Err(Error::IssuerMismatch { got: issuer.to_string(), want: self.issuer.to_string() });
        }
        for (field, m) in &self.extensions {
            let v = field.get(leaf.fulcio());
            if !v.is_some_and(|v| m.matches(v)) {
                return Err(Error::ExtensionMismatch { name: field.name(), got: v.unwrap_or_default().to_string(), want: m.to_string() });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_is_anchored() {
        let m = Matcher::regex("https://github.com/org/.*").unwrap();
        assert!(m.matches("https://github.com/org/repo"));
        assert!(!m.matches("xhttps://github.com/org/repo"));
        let m = Matcher::regex("org").unwrap();
        assert!(!m.matches("my-org-x"));
        let m = Matcher::regex("a|b").unwrap();
        assert!(!m.matches("ab"), "alternation stays inside the anchors");
        assert!(Matcher::regex("(").is_err());
        // A pattern that would close the anchors' group is invalid on its own.
        for escape in ["nomatch)|(.*", ")|(", "a)|.*|(b", r"x)|(?s:.*)|(y", "(?:a"] {
            assert!(matches!(Matcher::regex(escape), Err(Error::InvalidRegex(_))), "{escape}");
        }
        let m = Matcher::regex("nomatch|.*").unwrap();
        assert!(m.matches("anything"), "a top-level alternation is one expression inside the anchors");
        let m = Matcher::regex("a|b").unwrap();
        assert!(m.matches("a") && m.matches("b") && !m.matches("ab") && !m.matches("xa"));
        let m = Matcher::regex("(?m)^org$").unwrap();
        assert!(!m.matches("x\norg\ny"), "multi-line anchors inside the pattern do not loosen the outer ones");
        assert!(Matcher::regex(&"a".repeat(MAX_PATTERN_BYTES + 1)).is_err(), "patterns are bounded before compiling");
        assert!(Matcher::regex("(a{1000}){1000}").is_err(), "the compiled size is bounded");
        let m = Matcher::regex(r"https://github\.com/\w+/[a-z-]+/\.github/workflows/.*@refs/tags/v\d+").unwrap();
        assert!(m.matches("https://github.com/org/my-repo/.github/workflows/release.yml@refs/tags/v12"));
        assert!(!m.matches("https://github.com/org/my-repo/.github/workflows/release.yml@refs/tags/vX"));
        let m = Matcher::regex("(?i)USER@example.com").unwrap();
        assert!(m.matches("user@EXAMPLE.com"));
        let m = Matcher::regex("caf\u{e9}-.*").unwrap();
        assert!(m.matches("caf\u{e9}-x") && !m.matches("cafe-x"), "non-ASCII literals match exactly");
    }
}
