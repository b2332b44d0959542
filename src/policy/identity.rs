//! `signedIdentity`: how the reference inside a signature must relate to the image reference
//! (containers-policy.json(5) "signedIdentity"; containers/image v5.42.0
//! `signature/policy_reference_match.go`, followed rule by rule).
//!
//! Both references are parsed with the normalizing grammar ([`Reference::parse`]); a signed
//! reference that does not parse never matches. A *name-only* signed reference (what cosign
//! writes: a repository without tag or digest) never satisfies `matchExact`,
//! `matchRepoDigestOrExact` or `remapIdentity`; it can satisfy `matchRepository` and
//! `exactRepository`. An image reference with both a tag and a digest is compared as tagged
//! (exact string).

use alloc::string::{String, ToString};

use crate::oci::Reference;

/// The identity rules of containers-policy.json.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum IdentityRule {
    /// The signature names exactly the image reference; both carry a tag or a digest.
    MatchExact,
    /// Image by tag (or tag and digest): exact match; image by digest only: same repository
    /// (the digest is checked against the manifest separately). The signature must name a
    /// tag or digest. The default.
    MatchRepoDigestOrExact,
    /// Same repository, whatever the tag or digest.
    MatchRepository,
    /// The signature names exactly this reference (which has a tag or digest).
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
        /// Image-side prefix (`host[:port]`, a namespace or a repository).
        prefix: String,
        /// What the signature carries instead.
        signed_prefix: String,
    },
    /// sealcheck extension (`sealcheckMatchDigest`): the signature must bind the manifest
    /// digest, as always; no name is compared. This is what cosign checks, and the only rule a
    /// cosign v3 bundle (which names no repository) can satisfy; it does not stop a signature
    /// for one repository from being used for another.
    #[serde(rename = "sealcheckMatchDigest")]
    MatchDigest,
}

impl IdentityRule {
    /// Whether a signature naming `signed` is acceptable for `image`.
    #[must_use]
    pub fn matches(&self, image: &Reference, signed: &str) -> bool {
        Reference::parse(signed).is_ok_and(|signed| self.matches_reference(image, &signed))
    }

    /// Whether a signature naming the parsed reference `signed` is acceptable for `image`.
    #[must_use]
    pub fn matches_reference(&self, image: &Reference, signed: &Reference) -> bool {
        match self {
            // prmMatchExact.matchesDockerReference
            Self::MatchExact => !image.is_name_only() && !signed.is_name_only() && signed.to_string() == image.to_string(),
            // prmMatchRepoDigestOrExact.matchesDockerReference
            Self::MatchRepoDigestOrExact => repo_digest_or_exact(image, signed),
            // prmMatchRepository.matchesDockerReference
            Self::MatchRepository => signed.name() == image.name(),
            // prmExactReference.matchesDockerReference
            Self::ExactReference { reference } => Reference::parse(reference)
                .is_ok_and(|want| !want.is_name_only() && !signed.is_name_only() && signed.to_string() == want.to_string()),
            // prmExactRepository.matchesDockerReference
            Self::ExactRepository { repository } => Reference::parse(repository).is_ok_and(|want| signed.name() == want.name()),
            // prmRemapIdentity.matchesDockerReference
            Self::RemapIdentity { prefix, signed_prefix } => {
                remap(prefix, signed_prefix, image).is_some_and(|intended| repo_digest_or_exact(&intended, signed))
            }
            Self::MatchDigest => true,
        }
    }
}

/// `matchRepoDigestOrExactReferenceValues`.
fn repo_digest_or_exact(intended: &Reference, signed: &Reference) -> bool {
    if signed.is_name_only() {
        return false;
    }
    if intended.tag().is_some() {
        // Also when the image reference has both a tag and a digest.
        signed.to_string() == intended.to_string()
    } else if intended.digest().is_some() {
        signed.name() == intended.name()
    } else {
        false
    }
}

/// `prmRemapIdentity.remapReferencePrefix`: when the image name is `prefix` or starts with
/// `prefix/`, the first occurrence of `prefix` in the whole reference becomes `signed_prefix`,
/// and the result must be a canonical reference (`ParseNamed`); `None` when it is not.
fn remap(prefix: &str, signed_prefix: &str, image: &Reference) -> Option<Reference> {
    let name = image.name();
    let applies = name == prefix || (name.len() > prefix.len() && name.starts_with(prefix) && name.as_bytes()[prefix.len()] == b'/');
    if !applies {
        return Some(image.clone());
    }
    Reference::parse_canonical(&image.to_string().replacen(prefix, signed_prefix, 1)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap()
    }
    const D: &str = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";

    /// Every rule, with a signature that satisfies it and one that must not, for each shape of
    /// image reference (tag, digest, both) and of signed reference (name only, tag, digest).
    #[test]
    fn each_rule_accepts_and_refuses() {
        let tagged = r("example.com/ns/app:v1");
        let by_digest = r(&alloc::format!("example.com/ns/app@{D}"));
        let both = r(&alloc::format!("example.com/ns/app:v1@{D}"));
        let name_only = "example.com/ns/app";

        // matchExact: both carry a tag or digest and are equal as strings.
        assert!(IdentityRule::MatchExact.matches(&tagged, "example.com/ns/app:v1"));
        assert!(!IdentityRule::MatchExact.matches(&tagged, "example.com/ns/app:v2"));
        assert!(!IdentityRule::MatchExact.matches(&tagged, name_only), "name-only signature");
        assert!(!IdentityRule::MatchExact.matches(&r(name_only), name_only), "name-only image");
        assert!(IdentityRule::MatchExact.matches(&by_digest, &alloc::format!("example.com/ns/app@{D}")));
        assert!(!IdentityRule::MatchExact.matches(&by_digest, "example.com/ns/app:v1"), "a tag signature for a digest image");
        assert!(IdentityRule::MatchExact.matches(&both, &alloc::format!("example.com/ns/app:v1@{D}")));
        assert!(!IdentityRule::MatchExact.matches(&both, "example.com/ns/app:v1"));

        // matchRepoDigestOrExact: a name-only signature never matches.
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&by_digest, name_only), "name-only signature, digest image");
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&tagged, name_only), "name-only signature, tagged image");
        assert!(IdentityRule::MatchRepoDigestOrExact.matches(&by_digest, "example.com/ns/app:other"), "digest image: same repository");
        assert!(IdentityRule::MatchRepoDigestOrExact.matches(&by_digest, &alloc::format!("example.com/ns/app@{D}")));
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&by_digest, "example.com/ns/other:v1"));
        assert!(IdentityRule::MatchRepoDigestOrExact.matches(&tagged, "example.com/ns/app:v1"));
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&tagged, "example.com/ns/app:v2"));
        // Tag and digest: compared as tagged, by exact string.
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&both, "example.com/ns/app:v1"), "exact string, not tag only");
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&both, "example.com/ns/app:other"), "not as digested");
        assert!(IdentityRule::MatchRepoDigestOrExact.matches(&both, &alloc::format!("example.com/ns/app:v1@{D}")));
        assert!(!IdentityRule::MatchRepoDigestOrExact.matches(&r(name_only), "example.com/ns/app:v1"), "name-only image");

        // matchRepository: any tag, digest or none.
        assert!(IdentityRule::MatchRepository.matches(&tagged, "example.com/ns/app:other"));
        assert!(IdentityRule::MatchRepository.matches(&tagged, name_only));
        assert!(IdentityRule::MatchRepository.matches(&by_digest, name_only));
        assert!(!IdentityRule::MatchRepository.matches(&tagged, "example.com/ns/app2"));
        assert!(!IdentityRule::MatchRepository.matches(&tagged, "Not A Reference"));

        // exactReference: the signature equals the configured reference; neither is name-only.
        let er = IdentityRule::ExactReference { reference: "example.com/x:1".into() };
        assert!(er.matches(&tagged, "example.com/x:1") && !er.matches(&tagged, "example.com/x:2"));
        assert!(!er.matches(&tagged, "example.com/x"), "name-only signature");
        let er_hub = IdentityRule::ExactReference { reference: "busybox:1".into() };
        assert!(er_hub.matches(&tagged, "docker.io/library/busybox:1"), "both sides are normalized");
        assert!(er_hub.matches(&tagged, "index.docker.io/busybox:1"));
        let er_bad = IdentityRule::ExactReference { reference: "example.com/x".into() };
        assert!(!er_bad.matches(&tagged, "example.com/x"), "a name-only configured reference never matches");

        // exactRepository.
        let erp = IdentityRule::ExactRepository { repository: "example.com/x".into() };
        assert!(erp.matches(&tagged, "example.com/x:9") && erp.matches(&tagged, "example.com/x") && !erp.matches(&tagged, "example.com/y:9"));
        let erp_hub = IdentityRule::ExactRepository { repository: "busybox".into() };
        assert!(erp_hub.matches(&tagged, "docker.io/library/busybox") && erp_hub.matches(&tagged, "index.docker.io/library/busybox:1"));
        assert!(!erp_hub.matches(&tagged, "quay.io/library/busybox"));

        // remapIdentity.
        let remap = IdentityRule::RemapIdentity { prefix: "mirror.local/ns".into(), signed_prefix: "example.com/ns".into() };
        assert!(remap.matches(&r("mirror.local/ns/app:v1"), "example.com/ns/app:v1"));
        assert!(!remap.matches(&r("mirror.local/ns/app:v1"), "mirror.local/ns/app:v1"), "the mirror name is not what was signed");
        assert!(!remap.matches(&r("mirror.local/ns/app:v1"), "example.com/ns/app"), "name-only signature");
        assert!(!remap.matches(&r("mirror.local/nsx/app:v1"), "example.com/nsx/app:v1"), "prefix must end at a path boundary");
        assert!(remap.matches(&r("other.io/ns/app:v1"), "other.io/ns/app:v1"), "unmapped names match as themselves");
        assert!(remap.matches(&r(&alloc::format!("mirror.local/ns/app@{D}")), "example.com/ns/app:any"), "digest image: repository");
        let whole = IdentityRule::RemapIdentity { prefix: "mirror.local/ns/app".into(), signed_prefix: "example.com/app".into() };
        assert!(whole.matches(&r("mirror.local/ns/app:v1"), "example.com/app:v1"), "a whole repository as prefix");
        // Docker Hub: a prefix of "docker.io" remaps every Docker Hub image, in normalized form.
        let hub = IdentityRule::RemapIdentity { prefix: "docker.io".into(), signed_prefix: "quay.io".into() };
        assert!(hub.matches(&r("busybox:1"), "quay.io/library/busybox:1"));
        assert!(!hub.matches(&r("busybox:1"), "docker.io/library/busybox:1"));
        // A remapped reference that is not canonical never matches (ParseNamed).
        let to_hub = IdentityRule::RemapIdentity { prefix: "mirror.local".into(), signed_prefix: "docker.io".into() };
        assert!(!to_hub.matches(&r("mirror.local/busybox:1"), "docker.io/library/busybox:1"), "docker.io/busybox is not canonical");
        assert!(to_hub.matches(&r("mirror.local/library/busybox:1"), "docker.io/library/busybox:1"));
        // The host is matched exactly: a host prefix does not cover a host:port.
        let host = IdentityRule::RemapIdentity { prefix: "mirror.local".into(), signed_prefix: "example.com".into() };
        assert!(host.matches(&r("mirror.local:5000/app:v1"), "mirror.local:5000/app:v1"), "not remapped: matched as itself");
        assert!(!host.matches(&r("mirror.local:5000/app:v1"), "example.com:5000/app:v1"));
    }
}
