//! The evidence cache of one [`crate::Registry`] (issue 15, warm decisions without registry
//! round trips): what [`crate::Registry::collect`] gathered for an image (the
//! [`ImageEvidence`] and the [`Resolved`]), kept for [`crate::Options::evidence_ttl`] under what
//! determines it: the repository and manifest digest decided on (after the tag, if any, was
//! resolved through the tag cache), the index and platform it was chosen through, the
//! reference the policy is asked about, and the registries.d settings that applied (sigstore
//! attachments read or not, the lookaside storage). Only evidence is kept, never a decision:
//! every decision is made again from it, so a policy or revocation change applies at once,
//! while a signature attached after the evidence was cached is seen at most the TTL late (as is
//! a tag given together with a digest, which the evidence was checked against). A failure is
//! never cached; a zero TTL caches nothing.

use std::time::Duration;

use sealcheck::oci::ImageEvidence;

use crate::Resolved;
use crate::expiring::Expiring;

/// Images whose evidence is cached at most.
pub const MAX_CACHED_EVIDENCE: usize = 4096;
/// Evidence bytes (manifests, indexes, signatures, attestations, bundles) cached at most.
pub const MAX_EVIDENCE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The cache: evidence and what was resolved, by [`key`].
pub(crate) type EvidenceCache = Expiring<(ImageEvidence, Resolved)>;

/// An evidence cache keeping what was gathered for `ttl`, within [`MAX_CACHED_EVIDENCE`] and
/// [`MAX_EVIDENCE_CACHE_BYTES`].
pub(crate) fn cache(ttl: Duration) -> EvidenceCache {
    Expiring::new(ttl, MAX_CACHED_EVIDENCE, MAX_EVIDENCE_CACHE_BYTES)
}

/// What the evidence of `resolved` (for `repository`, asked about as `asked`) is kept under:
/// everything [`crate::Registry::collect`] reads it by, once the tag is resolved.
pub(crate) fn key(repository: &str, asked: &str, resolved: &Resolved) -> String {
    let Resolved { digest, index, platform, sigstore_attachments, lookaside, .. } = resolved;
    format!("{repository}@{digest} index={index:?} platform={platform:?} asked={asked} attachments={sigstore_attachments} lookaside={lookaside:?}")
}

/// The bytes `ev` and `resolved` hold, as the cache counts them: the manifests and every
/// item's bytes, and the lookaside URLs.
pub(crate) fn size(ev: &ImageEvidence, resolved: &Resolved) -> usize {
    let manifests = ev.manifest().map_or(0, <[u8]>::len) + ev.index().map_or(0, <[u8]>::len);
    manifests + ev.items().iter().map(|f| f.item.size() + f.origin.len()).sum::<usize>() + resolved.lookaside_signatures.iter().map(|s| s.url.len()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sealcheck::oci::{OciDigest, Reference};

    fn resolved(n: u8) -> Resolved {
        Resolved {
            registry: "r.test".into(),
            digest: OciDigest::parse(&format!("sha256:{}", format!("{n:02x}").repeat(32))).unwrap(),
            index: None,
            platform: None,
            sigstore_attachments: true,
            sigstore_attachments_scope: None,
            lookaside: None,
            lookaside_signatures: Vec::new(),
        }
    }

    #[test]
    fn the_key_holds_everything_the_evidence_depends_on() {
        let base = key("r.test/app", "r.test/app:v1", &resolved(1));
        assert_ne!(base, key("r.test/other", "r.test/app:v1", &resolved(1)), "the repository");
        assert_ne!(base, key("r.test/app", "r.test/app:v2", &resolved(1)), "the reference asked about");
        assert_ne!(base, key("r.test/app", "r.test/app:v1", &resolved(2)), "the manifest");
        for changed in [
            Resolved { index: Some(resolved(3).digest), ..resolved(1) },
            Resolved { platform: Some("linux/arm64".into()), ..resolved(1) },
            Resolved { sigstore_attachments: false, ..resolved(1) },
            Resolved { lookaside: Some("file:///l".into()), ..resolved(1) },
        ] {
            assert_ne!(base, key("r.test/app", "r.test/app:v1", &changed), "{changed:?}");
        }
    }

    #[test]
    fn evidence_is_kept_for_the_ttl_by_its_size() {
        let c = cache(Duration::from_millis(200));
        let ev = ImageEvidence::new(Reference::parse("r.test/app:v1").unwrap()).with_manifest(vec![b' '; 100]);
        let r = resolved(1);
        let k = key("r.test/app", "r.test/app:v1", &r);
        assert_eq!(size(&ev, &r), 100);
        c.insert(&k, (ev.clone(), r.clone()), size(&ev, &r));
        assert_eq!(c.get(&k).map(|(e, r)| (e.manifest().map(<[u8]>::len), r)), Some((Some(100), resolved(1))));
        std::thread::sleep(Duration::from_millis(250));
        assert!(c.get(&k).is_none());
    }
}
