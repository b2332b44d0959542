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

#[cfg(feature = "cache")]
use crate::encoding::Transcript;
use crate::error::{Error, Result};
use crate::limits::{MAX_PATTERN_BYTES, MAX_PATTERN_NFA_BYTES};
use crate::x509::{Certificate, FulcioExtensions, SubjectAltName};

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

    #[cfg(feature = "cache")]
    pub(crate) fn transcribe(&self, t: &mut Transcript) {
        t.number(i64::from(self.is_regex())).field(self.as_str().as_bytes());
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
    /// Every field.
    pub const ALL: [Self; 19] = [
        Self::BuildSignerUri,
        Self::BuildSignerDigest,
        Self::RunnerEnvironment,
        Self::SourceRepositoryUri,
        Self::SourceRepositoryDigest,
        Self::SourceRepositoryRef,
        Self::SourceRepositoryIdentifier,
        Self::SourceRepositoryOwnerUri,
        Self::SourceRepositoryOwnerIdentifier,
        Self::BuildConfigUri,
        Self::BuildConfigDigest,
        Self::BuildTrigger,
        Self::RunInvocationUri,
        Self::SourceRepositoryVisibilityAtSigning,
        Self::GithubWorkflowTrigger,
        Self::GithubWorkflowSha,
        Self::GithubWorkflowName,
        Self::GithubWorkflowRepository,
        Self::GithubWorkflowRef,
    ];

    /// The field a policy names (`sourceRepositoryURI`, `githubWorkflowRef`, …).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Its name, as Fulcio's documentation writes it.
    #[must_use]
    pub fn name(self) -> &'static str {
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

/// Which subject alternative names an identity looks at, and how.
#[derive(Debug, Clone)]
enum SanRule {
    /// Some SAN of any kind matches (cosign's `--certificate-identity[-regexp]`).
    Any(Matcher),
    /// Some email SAN is exactly this (containers-policy.json `fulcio.subjectEmail`).
    Email(String),
    /// containers-policy.json `pki`: an email SAN exactly, and/or a DNS name the hostname
    /// verifies against; at least one of the two.
    Pki { email: Option<String>, hostname: Option<String> },
}

/// Who must have signed: a rule on the certificate's subject alternative names, the OIDC issuer
/// (Fulcio extension `.1.8` or `.1.1`) for Fulcio certificates, and optionally Fulcio extension
/// values. There is no identity that matches every certificate.
#[derive(Debug, Clone)]
pub struct CertificateIdentity {
    san: SanRule,
    issuer: Option<Matcher>,
    extensions: Vec<(FulcioField, Matcher)>,
}

impl CertificateIdentity {
    /// A Fulcio identity: some SAN matches `san`, and the OIDC issuer matches `issuer`.
    #[must_use]
    pub fn new(san: Matcher, issuer: Matcher) -> Self {
        Self { san: SanRule::Any(san), issuer: Some(issuer), extensions: Vec::new() }
    }

    /// A Fulcio identity by email (containers-policy.json `fulcio`): some email SAN is exactly
    /// `email`, and the OIDC issuer is exactly `issuer`.
    #[must_use]
    pub fn email(email: &str, issuer: &str) -> Self {
        Self { san: SanRule::Email(email.to_string()), issuer: Some(Matcher::exact(issuer)), extensions: Vec::new() }
    }

    /// A PKI identity (containers-policy.json `pki`): an email SAN exactly `email`, and/or a DNS
    /// SAN that `hostname` verifies against (Go `x509.Certificate.VerifyHostname`: case-insensitive,
    /// a `*.` wildcard covers one leftmost label). No OIDC issuer. At least one is required.
    pub fn pki(email: Option<&str>, hostname: Option<&str>) -> Result<Self> {
        if email.is_none() && hostname.is_none() {
            return Err(Error::Usage("a PKI identity needs a subject email or a subject hostname".into()));
        }
        let san = SanRule::Pki { email: email.map(ToString::to_string), hostname: hostname.map(ToString::to_string) };
        Ok(Self { san, issuer: None, extensions: Vec::new() })
    }

    /// Adds a constraint on a Fulcio extension.
    #[must_use]
    pub fn with_extension(mut self, field: FulcioField, m: Matcher) -> Self {
        self.extensions.push((field, m));
        self
    }

    #[cfg(feature = "cache")]
    pub(crate) fn transcribe(&self, t: &mut Transcript) {
        let opt = |t: &mut Transcript, v: &Option<String>| {
            t.number(i64::from(v.is_some())).field(v.as_deref().unwrap_or_default().as_bytes());
        };
        match &self.san {
            SanRule::Any(m) => m.transcribe(t.number(0)),
            SanRule::Email(e) => {
                t.number(1).field(e.as_bytes());
            }
            SanRule::Pki { email, hostname } => {
                opt(t.number(2), email);
                opt(t, hostname);
            }
        }
        t.number(i64::from(self.issuer.is_some()));
        if let Some(m) = &self.issuer {
            m.transcribe(t);
        }
        t.number(self.extensions.len() as i64);
        for (f, m) in &self.extensions {
            m.transcribe(t.field(f.name().as_bytes()));
        }
    }

    /// Checks `leaf` against the identity: the SAN rule, then the issuer, then each extension
    /// constraint.
    pub fn check(&self, leaf: &Certificate) -> Result<()> {
        let sans = leaf.subject_alt_names();
        let got = || sans.iter().map(SubjectAltName::value).collect::<Vec<_>>().join(", ");
        let email_is = |e: &str| sans.iter().any(|s| matches!(s, SubjectAltName::Email(v) if v == e));
        match &self.san {
            SanRule::Any(m) if !sans.iter().any(|s| m.matches(s.value())) => {
                return Err(Error::IdentityMismatch { got: got(), want: m.to_string() });
            }
            SanRule::Email(e) if !email_is(e) => return Err(Error::IdentityMismatch { got: got(), want: alloc::format!("email {e:?}") }),
            SanRule::Pki { email, hostname } => {
                if let Some(e) = email.as_deref().filter(|e| !email_is(e)) {
                    return Err(Error::IdentityMismatch { got: got(), want: alloc::format!("email {e:?}") });
                }
                if let Some(h) = hostname.as_deref().filter(|h| !sans.iter().any(|s| matches!(s, SubjectAltName::Dns(d) if hostname_matches(d, h)))) {
                    return Err(Error::IdentityMismatch { got: got(), want: alloc::format!("hostname {h:?}") });
                }
            }
            _ => {}
        }
        if let Some(want) = &self.issuer {
            let issuer = leaf.fulcio().issuer.as_deref();
            if !issuer.is_some_and(|i| want.matches(i)) {
                return Err(Error::IssuerMismatch { got: issuer.unwrap_or_default().to_string(), want: want.to_string() });
            }
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

/// Go's `matchHostnames` (crypto/x509 `VerifyHostname` for DNS names): ASCII case-insensitive,
/// a trailing dot ignored, and a `*` leftmost label of the pattern matching exactly one label of
/// the host. IP addresses never match a DNS name.
fn hostname_matches(pattern: &str, host: &str) -> bool {
    let trim = |s: &str| s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
    let (pattern, host) = (trim(pattern), trim(host));
    if pattern.is_empty() || host.is_empty() || host.parse::<core::net::IpAddr>().is_ok() {
        return false;
    }
    let (p, h): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), host.split('.').collect());
    p.len() == h.len() && p.iter().zip(&h).enumerate().all(|(i, (pl, hl))| (i == 0 && *pl == "*") || pl == hl)
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

    #[test]
    fn hostnames_as_go_verifies_them() {
        assert!(hostname_matches("example.com", "EXAMPLE.com."));
        assert!(hostname_matches("*.example.com", "a.example.com"));
        assert!(!hostname_matches("*.example.com", "a.b.example.com"), "one label");
        assert!(!hostname_matches("*.example.com", "example.com"));
        assert!(!hostname_matches("a.*.com", "a.b.com"), "only the leftmost label");
        assert!(!hostname_matches("example.com", "example.org"));
        assert!(!hostname_matches("127.0.0.1", "127.0.0.1"), "IP addresses are not DNS names");
        assert!(CertificateIdentity::pki(None, None).is_err());
    }
}
