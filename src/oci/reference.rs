//! Image references in the docker reference grammar (distribution/reference `reference.go`
//! grammar, as containers/image and cosign read them): `[domain/]path[:tag][@digest]`, normalized
//! to fully expanded form (`busybox` → `docker.io/library/busybox`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::digest::OciDigest;
use crate::error::{Error, Result};

const DEFAULT_DOMAIN: &str = "docker.io";
const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A normalized image reference: registry, repository path, optional tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<OciDigest>,
}

fn bad(s: &str, why: &str) -> Error {
    Error::Encoding { what: alloc::format!("image reference {s:?}: {why}"), encoding: "docker reference" }
}

fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

fn is_domain(d: &str) -> bool {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !h.starts_with('[') || h.ends_with(']') => (h, Some(p)),
        _ => (d, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !v6.is_empty() && v6.bytes().all(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
    }
    !host.is_empty() && host.split('.').all(is_domain_component)
}

/// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() && !b[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // a separator, then an alphanumeric must follow
        let start = i;
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
        if i == start || !b.get(i).is_some_and(|x| alnum(*x)) {
            return false;
        }
    }
    true
}

fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_TAG_LEN
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter().all(|x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'-'))
}

impl Reference {
    /// Parses and normalizes a reference.
    pub fn parse(s: &str) -> Result<Self> {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(OciDigest::parse(d)?)),
            None => (s, None),
        };
        // A tag follows the last ':' after the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag {
            if !is_tag(t) {
                return Err(bad(s, "invalid tag"));
            }
        }
        if name.is_empty() {
            return Err(bad(s, "empty name"));
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" || first.bytes().any(|c| c.is_ascii_uppercase()) => {
                (first.to_string(), rest.to_string())
            }
            _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
        };
        if !is_domain(&domain) {
            return Err(bad(s, "invalid registry"));
        }
        let path = if domain == DEFAULT_DOMAIN && !path.contains('/') { alloc::format!("library/{path}") } else { path };
        if !path.split('/').all(is_path_component) {
            return Err(bad(s, "invalid repository path (lowercase alphanumerics and separators)"));
        }
        // The limit applies to the normalized name, so that every parsed reference reparses.
        if domain.len() + 1 + path.len() > MAX_NAME_LEN {
            return Err(bad(s, "name longer than 255 characters"));
        }
        Ok(Self { domain, path, tag: tag.map(ToString::to_string), digest })
    }

    /// `domain/path`: the repository, fully expanded.
    #[must_use]
    pub fn name(&self) -> String {
        alloc::format!("{}/{}", self.domain, self.path)
    }

    /// The registry host (with port).
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

    /// The same repository with no tag or digest.
    #[must_use]
    pub fn repository(&self) -> Self {
        Self { domain: self.domain.clone(), path: self.path.clone(), tag: None, digest: None }
    }

    /// containers/image scopes from most to least specific, excluding `""` (containers-policy.json(5)
    /// "docker" transport): `name:tag` or `name@digest`, then the repository and each parent
    /// namespace, then the host, then `*.`-wildcards on the host without its port.
    #[must_use]
    pub fn policy_scopes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = self.name();
        match (&self.digest, &self.tag) {
            (Some(d), _) => out.push(alloc::format!("{name}@{d}")),
            (None, Some(t)) => out.push(alloc::format!("{name}:{t}")),
            (None, None) => {}
        }
        let mut n = name.as_str();
        out.push(n.to_string());
        while let Some((parent, _)) = n.rsplit_once('/') {
            out.push(parent.to_string());
            n = parent;
        }
        let host = self
            .domain
            .rsplit_once(':')
            .filter(|(h, p)| !h.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
            .map_or(self.domain.as_str(), |(h, _)| h);
        let mut rest = host;
        while let Some((_, parent)) = rest.split_once('.') {
            out.push(alloc::format!("*.{parent}"));
            rest = parent;
        }
        out
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
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

    #[test]
    fn normalization() {
        assert_eq!(Reference::parse("busybox").unwrap().to_string(), "docker.io/library/busybox");
        assert_eq!(Reference::parse("busybox:1").unwrap().tag(), Some("1"));
        assert_eq!(Reference::parse("org/app").unwrap().name(), "docker.io/org/app");
        assert_eq!(Reference::parse("localhost:5000/a/b:t").unwrap().name(), "localhost:5000/a/b");
        assert_eq!(Reference::parse("192.168.64.2:5000/cosign-signed-single-sample").unwrap().domain(), "192.168.64.2:5000");
        let d = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
        let r = Reference::parse(&alloc::format!("quay.io/a/b@{d}")).unwrap();
        assert_eq!(r.digest().unwrap().to_string(), d);
        let long = "a/".repeat(127);
        assert!(Reference::parse(&long[..long.len() - 1]).is_err(), "253 characters grow past 255 once normalized");
        for bad in ["", "a/UPPER", "a//b", "a/b:", "a/-b", "a/b__-c", "quay.io:x/a", "a/b@sha256:12"] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
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
    }
}
