//! `signedIdentity`: how the reference inside a signature must relate to the image reference
//! (containers-policy.json(5) "signedIdentity"; containers/image `policy_reference_match.go`).

use alloc::string::String;

use crate::oci::Reference;

/// The identity rules of containers-policy.json.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum IdentityRule {
    /// The signature names exactly the image reference, which must carry a tag or digest.
    MatchExact,
    /// Image by tag: exact match; image by digest: same repository (the digest is checked
    /// against the manifest separately). The default.
    MatchRepoDigestOrExact,
    /// Same repository, any tag.
    MatchRepository,
    /// The signature names exactly this reference.
    ExactReference {
        /// The reference.
        reference: String,
    },
    /// The signature names this repository.
    ExactRepository {
        /// The repository.
        repository: String,
    },
    /// Rewrites a prefix of the image name, then applies `MatchRepoDigestOrExact`.
    RemapIdentity {
        /// Image-side prefix (host, namespace or repository).
        prefix: String,
        /// What the signature carries instead.
        signed_prefix: String,
    },
}

impl IdentityRule {
    /// Whether a signature naming `signed` is acceptable for `image`. A signed reference that
    /// does not parse never matches.
    #[must_use]
    pub fn matches(&self, image: &Reference, signed: &str) -> bool {
        let Ok(signed) = Reference::parse(signed) else { return false };
        match self {
            Self::MatchExact => exact(image, &signed),
            Self::MatchRepoDigestOrExact => repo_digest_or_exact(image, &signed),
            Self::MatchRepository => image.name() == signed.name(),
            Self::ExactReference { reference } => Reference::parse(reference).is_ok_and(|r| exact(&r, &signed)),
            Self::ExactRepository { repository } => Reference::parse(repository).is_ok_and(|r| r.name() == signed.name()),
            Self::RemapIdentity { prefix, signed_prefix } => {
                let name = image.name();
                let rest = if name == *prefix { Some("") } else { name.strip_prefix(prefix.as_str()).filter(|r| r.starts_with('/')) };
                match rest {
                    None => repo_digest_or_exact(image, &signed),
                    Some(rest) => {
                        let mut remapped = alloc::format!("{signed_prefix}{rest}");
                        if let Some(t) = image.tag() {
                            remapped = alloc::format!("{remapped}:{t}");
                        }
                        if let Some(d) = image.digest() {
                            remapped = alloc::format!("{remapped}@{d}");
                        }
                        Reference::parse(&remapped).is_ok_and(|r| repo_digest_or_exact(&r, &signed))
                    }
                }
            }
        }
    }
}

/// Both carry a tag or digest and are equal.
fn exact(a: &Reference, b: &Reference) -> bool {
    (a.tag().is_some() || a.digest().is_some()) && a == b
}

fn repo_digest_or_exact(image: &Reference, signed: &Reference) -> bool {
    if image.digest().is_some() {
        image.name() == signed.name()
    } else if image.tag().is_some() {
        exact(image, signed)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap()
    }
    const D: &str = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";

    #[test]
    fn each_rule_accepts_and_refuses() {
        let tagged = r("example.com/ns/app:v1");
        let by_digest = r(&alloc::format!("example.com/ns/app@{D}"));
        assert!(IdentityRule::MatchExact.matches(&tagged, "example.com/ns/app:v1"));
        assert!(!IdentityRule::MatchExact.matches(&tagged, "example.com/ns/app:v2"));
        assert!(!IdentityRule::MatchExact.matches(&r("example.com/ns/app"), "example.com/ns/app"));
        assert!(IdentityRule::MatchRepoDigestOrExact.matches(&by_digest, "example.com/ns/app"));
        assert!(IdentityRule::MatchRepoDigestOrExact.matches(&tagged, "example.com/ns/app:v1"));
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&tagged, "example.com/ns/app"));
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&by_digest, "example.com/ns/other"));
        assert!(IdentityRule::MatchRepository.matches(&tagged, "example.com/ns/app:other"));
        assert!(!IdentityRule::MatchRepository.matches(&tagged, "example.com/ns/app2"));
        let er = IdentityRule::ExactReference { reference: "example.com/x:1".into() };
        assert!(er.matches(&tagged, "example.com/x:1") && !er.matches(&tagged, "example.com/x:2"));
        let erp = IdentityRule::ExactRepository { repository: "example.com/x".into() };
        assert!(erp.matches(&tagged, "example.com/x:9") && !erp.matches(&tagged, "example.com/y:9"));
        let remap = IdentityRule::RemapIdentity { prefix: "mirror.local/ns".into(), signed_prefix: "example.com/ns".into() };
        assert!(remap.matches(&r("mirror.local/ns/app:v1"), "example.com/ns/app:v1"));
        assert!(!remap.matches(&r("mirror.local/ns/app:v1"), "mirror.local/ns/app:v1"));
        assert!(!remap.matches(&r("mirror.local/nsx/app:v1"), "example.com/nsx/app:v1"), "prefix must end at a path boundary");
        assert!(remap.matches(&r("other.io/ns/app:v1"), "other.io/ns/app:v1"), "unmapped names match as themselves");
        assert!(!IdentityRule::MatchRepository.matches(&tagged, "Not A Reference"));
    }
}
