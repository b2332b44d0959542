//! Image references in the docker reference grammar, normalized exactly as containers/image
//! v5.42.0 reads them (`docker/reference`: `ParseNormalizedNamed`, `splitDockerDomain`, `Parse`;
//! the same grammar as distribution/reference): `[domain/]path[:tag][@digest]`.
//!
//! Normalization (`splitDockerDomain`): the text before the first `/` is a domain only when it
//! contains `.` or `:` or is exactly `localhost`; otherwise the domain is `docker.io`. The legacy
//! Docker Hub name `index.docker.io` becomes `docker.io`, and a one-component name on
//! `docker.io` gets the `library/` prefix. The repository path must be lowercase (the domain
//! keeps its case); a name is at most 255 characters, a tag at most 128. A bare 64-hex string
//! is refused (it is an image ID, not a name). Domains are DNS-like components with an optional
//! port; bracketed IPv6 literals are not part of this grammar.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::digest::OciDigest;
use crate::error::{Error, Result};

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
const DEFAULT_TAG: &str = "latest";
const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A normalized image reference: an optional registry, a repository path, an optional tag and
/// an optional digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Empty only in the corner the grammar allows: a first component with `.` that is not a
    /// valid domain but is a valid path component (`a_b.com/x`).
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<OciDigest>,
}

fn bad(s: &str, why: &str) -> Error {
    Error::Encoding { what: alloc::format!("image reference {s:?}: {why}"), encoding: "docker reference" }
}

/// `domainComponent := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// `domain := domainComponent ("." domainComponent)* (":" [0-9]+)?`.
pub(crate) fn is_domain(d: &str) -> bool {
    let (host, port) = match d.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    host.split('.').all(is_domain_component)
}

/// `path-component := [a-z0-9]+ (separator [a-z0-9]+)*`, `separator := [._] | "__" | "-"*`.
pub(crate) fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if !b.first().is_some_and(|x| alnum(*x)) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator, then an alphanumeric must follow.
        if b[i] == b'-' {
            while i < b.len() && b[i] == b'-' {
                i += 1;
            }
        } else if b[i] == b'_' && b.get(i + 1) == Some(&b'_') {
            i += 2;
        } else if b[i] == b'_' || b[i] == b'.' {
            i += 1;
        } else {
            return false;
        }
        if !b.get(i).is_some_and(|x| alnum(*x)) {
            return false;
        }
    }
    true
}

/// `tag := [\w][\w.-]{0,127}`.
fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_TAG_LEN
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'-'))
}

/// `splitDockerDomain`: the domain and the rest, with Docker Hub's normalization applied.
fn split_docker_domain(name: &str) -> (&str, String) {
    let (domain, rest) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => (DEFAULT_DOMAIN, name),
    };
    let domain = if domain == LEGACY_DEFAULT_DOMAIN { DEFAULT_DOMAIN } else { domain };
    let rest = if domain == DEFAULT_DOMAIN && !rest.contains('/') { alloc::format!("{OFFICIAL_REPO_PREFIX}{rest}") } else { rest.to_string() };
    (domain, rest)
}

/// A name the grammar accepts (`(domain "/")? path-component ("/" path-component)*`), split as
/// the anchored name pattern splits it: the first component is the domain when it is a valid
/// domain, otherwise there is no domain.
pub(crate) fn split_name(name: &str) -> Option<(&str, &str)> {
    let (first, rest) = name.split_once('/').unwrap_or((name, ""));
    if !rest.is_empty() && is_domain(first) && rest.split('/').all(is_path_component) {
        return Some((first, rest));
    }
    name.split('/').all(is_path_component).then_some(("", name))
}

impl Reference {
    /// Parses and normalizes a reference (`ParseNormalizedNamed`).
    pub fn parse(s: &str) -> Result<Self> {
        if s.len() == 64 && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
            return Err(bad(s, "a 64-character hexadecimal string is an image ID, not a name"));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote_name = remainder.split_once(':').map_or(remainder.as_str(), |(n, _)| n);
        if remote_name.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(bad(s, "repository name must be lowercase"));
        }
        let full = alloc::format!("{domain}/{remainder}");
        let (before_digest, digest) = match full.split_once('@') {
            Some((n, d)) => (n, Some(OciDigest::parse(d).map_err(|_| bad(s, "invalid digest"))?)),
            None => (full.as_str(), None),
        };
        // A tag follows a ':' in the last component (name components never contain ':').
        let last_slash = before_digest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match before_digest[last_slash..].split_once(':') {
            Some((_, t)) => (&before_digest[..before_digest.len() - t.len() - 1], Some(t)),
            None => (before_digest, None),
        };
        if tag.is_some_and(|t| !is_tag(t)) {
            return Err(bad(s, "invalid tag"));
        }
        let (domain, path) = split_name(name).ok_or_else(|| bad(s, "invalid reference format"))?;
        if name.len() > MAX_NAME_LEN {
            return Err(bad(s, "name longer than 255 characters"));
        }
        Ok(Self { domain: domain.to_string(), path: path.to_string(), tag: tag.map(ToString::to_string), digest })
    }

    /// Parses a reference that must already be in its normalized form (`ParseNamed`).
    pub fn parse_canonical(s: &str) -> Result<Self> {
        let r = Self::parse(s)?;
        if r.to_string() != s {
            return Err(bad(s, "repository name must be canonical (fully expanded)"));
        }
        Ok(r)
    }

    /// `domain/path`: the repository, fully expanded.
    #[must_use]
    pub fn name(&self) -> String {
        if self.domain.is_empty() { self.path.clone() } else { alloc::format!("{}/{}", self.domain, self.path) }
    }

    /// The registry host (with port); empty for the rare names without one.
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The tag, if any.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, if any.
    #[must_use]
    pub const fn digest(&self) -> Option<&OciDigest> {
        self.digest.as_ref()
    }

    /// True when the reference has neither a tag nor a digest (`reference.IsNameOnly`).
    #[must_use]
    pub const fn is_name_only(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    /// The same repository with no tag or digest.
    #[must_use]
    pub fn repository(&self) -> Self {
        Self { domain: self.domain.clone(), path: self.path.clone(), tag: None, digest: None }
    }

    /// This reference with `:latest` when it names neither a tag nor a digest, as the docker
    /// transport reads image names (`reference.TagNameOnly`).
    #[must_use]
    pub fn with_default_tag(mut self) -> Self {
        if self.is_name_only() {
            self.tag = Some(DEFAULT_TAG.to_string());
        }
        self
    }

    /// This reference (its name and tag, if any) with `digest`.
    #[must_use]
    pub fn with_digest(&self, digest: OciDigest) -> Self {
        Self { digest: Some(digest), ..self.clone() }
    }

    /// The policy scopes of this reference, most specific first, excluding `""`
    /// (containers-policy.json(5) "docker" transport; `docker/policyconfiguration/naming.go`):
    /// `name:tag` or `name@digest`, then the repository and each parent namespace up to the host,
    /// then `*.`-wildcards on the host without its port. A reference with both a tag and a digest
    /// (which the docker transport cannot express) is looked up as containers-storage looks it up:
    /// `name:tag@digest`, then `name:tag`, then the namespaces.
    #[must_use]
    pub fn policy_scopes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = self.name();
        match (&self.tag, &self.digest) {
            (Some(t), Some(d)) => {
                out.push(alloc::format!("{name}:{t}@{d}"));
                out.push(alloc::format!("{name}:{t}"));
            }
            (Some(t), None) => out.push(alloc::format!("{name}:{t}")),
            (None, Some(d)) => out.push(alloc::format!("{name}@{d}")),
            (None, None) => {}
        }
        let mut n = name.as_str();
        out.push(n.to_string());
        while let Some((parent, _)) = n.rsplit_once('/') {
            out.push(parent.to_string());
            n = parent;
        }
        // `n` is now the first component; the port is what follows its first ':'.
        let mut host = n.split_once(':').map_or(n, |(h, _)| h);
        while let Some((_, parent)) = host.split_once('.') {
            out.push(alloc::format!("*.{parent}"));
            host = parent;
        }
        out
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";

    fn norm(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    /// Each normalization rule of `ParseNormalizedNamed` / `splitDockerDomain`, in both
    /// directions: an input where it applies and one where it must not.
    #[test]
    fn normalization_rules() {
        // Docker Hub default domain: a first component without '.', ':' and not "localhost".
        assert_eq!(norm("busybox"), "docker.io/library/busybox");
        assert_eq!(norm("org/app"), "docker.io/org/app");
        assert_eq!(norm("localhost/app"), "localhost/app", "localhost is a domain");
        assert_eq!(norm("localhost:5000/a/b:t"), "localhost:5000/a/b:t");
        assert_eq!(norm("quay.io/a/b"), "quay.io/a/b");
        assert_eq!(norm("registry:5000/app"), "registry:5000/app", "a ':' makes a domain");
        assert_eq!(norm("localhostx/app"), "docker.io/localhostx/app", "only exactly localhost");
        // The legacy Docker Hub name.
        assert_eq!(norm("index.docker.io/busybox"), "docker.io/library/busybox");
        assert_eq!(norm("index.docker.io/library/busybox:latest"), "docker.io/library/busybox:latest");
        assert_eq!(norm("index.docker.io/org/app"), "docker.io/org/app");
        assert_eq!(norm("docker.io/busybox"), "docker.io/library/busybox");
        assert_eq!(norm("index.docker.io:443/busybox"), "index.docker.io:443/busybox", "with a port it is another host");
        assert_eq!(norm("Index.docker.io/busybox"), "Index.docker.io/busybox", "the comparison is case-sensitive");
        assert_eq!(norm("registry-1.docker.io/busybox"), "registry-1.docker.io/busybox", "only index.docker.io is folded");
        // library/ only for one-component names on docker.io.
        assert_eq!(norm("docker.io/library/busybox"), "docker.io/library/busybox");
        assert_eq!(norm("quay.io/busybox"), "quay.io/busybox");
        assert_eq!(norm("example.com"), "docker.io/library/example.com", "no '/': a Docker Hub name");
        assert_eq!(norm("example.com:5000"), "docker.io/library/example.com:5000", "no '/': the ':' starts a tag");
        // Case: domains keep their case, repositories must be lowercase.
        assert_eq!(norm("Example.COM/app"), "Example.COM/app");
        for upper in ["Busybox", "org/App", "quay.io/Org/app", "Org/app", "LOCALHOST/app"] {
            assert!(Reference::parse(upper).is_err(), "{upper}");
        }
        assert_eq!(Reference::parse("busybox:Latest").unwrap().tag(), Some("Latest"), "tags may have uppercase");
        // Ports.
        assert_eq!(Reference::parse("quay.io:8443/a").unwrap().domain(), "quay.io:8443");
        for bad in ["quay.io:/a", "quay.io:x/a", "quay.io:1:2/a", "[::1]:5000/a", "[::1]/a"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        // A first component that is not a domain but is a path component: no domain at all.
        let odd = Reference::parse("a_b.com/app").unwrap();
        assert_eq!((odd.domain(), odd.name().as_str()), ("", "a_b.com/app"));
        // Image IDs are not names; shorter hex is.
        assert!(Reference::parse(&"a".repeat(64)).is_err());
        assert_eq!(norm(&"a".repeat(63)), alloc::format!("docker.io/library/{}", "a".repeat(63)));
        // Tags and digests.
        assert_eq!(Reference::parse("busybox:1").unwrap().tag(), Some("1"));
        let r = Reference::parse(&alloc::format!("quay.io/a/b@{D}")).unwrap();
        assert_eq!(r.digest().unwrap().to_string(), D);
        let both = Reference::parse(&alloc::format!("busybox:v1@{D}")).unwrap();
        assert_eq!(both.to_string(), alloc::format!("docker.io/library/busybox:v1@{D}"));
        assert!(!both.is_name_only() && Reference::parse("busybox").unwrap().is_name_only());
        let long = "a/".repeat(127);
        assert!(Reference::parse(&long[..long.len() - 1]).is_err(), "253 characters grow past 255 once normalized");
        assert!(Reference::parse(&alloc::format!("quay.io/{}", "a".repeat(247))).is_ok());
        assert!(Reference::parse(&alloc::format!("quay.io/{}", "a".repeat(248))).is_err());
        assert!(Reference::parse(&alloc::format!("a:{}", "t".repeat(128))).is_ok());
        assert!(Reference::parse(&alloc::format!("a:{}", "t".repeat(129))).is_err());
        for bad in ["", "a//b", "a/b:", "a/-b", "a/b__-c", "a/b@sha256:12", "a/b@md5:0123456789abcdef0123456789abcdef", "a@b@c", "a/b:t:u", "a/b:-t", "/a", "a/"] {
            assert!(Reference::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn canonical_form() {
        assert!(Reference::parse_canonical("docker.io/library/busybox").is_ok());
        assert!(Reference::parse_canonical("docker.io/busybox").is_err());
        assert!(Reference::parse_canonical("busybox").is_err());
        assert!(Reference::parse_canonical("index.docker.io/library/busybox").is_err());
    }

    #[test]
    fn default_tag() {
        assert_eq!(Reference::parse("busybox").unwrap().with_default_tag().to_string(), "docker.io/library/busybox:latest");
        assert_eq!(Reference::parse("busybox:1").unwrap().with_default_tag().tag(), Some("1"));
        let d = Reference::parse(&alloc::format!("busybox@{D}")).unwrap().with_default_tag();
        assert!(d.tag().is_none(), "a digest reference gets no tag");
    }

    #[test]
    fn scopes_most_specific_first() {
        let r = Reference::parse("a.b.example.com:5000/ns/repo:tag").unwrap();
        assert_eq!(
            r.policy_scopes(),
            [
                "a.b.example.com:5000/ns/repo:tag",
                "a.b.example.com:5000/ns/repo",
                "a.b.example.com:5000/ns",
                "a.b.example.com:5000",
                "*.b.example.com",
                "*.example.com",
                "*.com"
            ]
        );
        assert_eq!(
            Reference::parse("index.docker.io/busybox").unwrap().policy_scopes(),
            ["docker.io/library/busybox", "docker.io/library", "docker.io", "*.io"],
            "the legacy name selects docker.io scopes"
        );
        let both = Reference::parse(&alloc::format!("quay.io/a:t@{D}")).unwrap();
        assert_eq!(both.policy_scopes()[..3], [alloc::format!("quay.io/a:t@{D}"), "quay.io/a:t".into(), "quay.io/a".into()]);
        assert_eq!(Reference::parse("localhost:5000/a").unwrap().policy_scopes(), ["localhost:5000/a", "localhost:5000"]);
    }
}
