//! One admission decision: an image reference as a pod spec or containerd names it (and, from
//! containerd, the digest it resolved) → the evidence from its registry
//! ([`sealcheck_registry::Registry::collect`]) → a decision under the policy
//! ([`sealcheck::ImageVerifier::decide`]) → one record in the audit log, when one is configured.
//!
//! What is fetched and what the policy is asked about (containers-policy.json(5), "docker"
//! transport; how `sealcheck verify docker://REF --reference` reads them): a reference is
//! normalized as containers/image's `ParseNormalizedNamed` + `TagNameOnly` normalize it. With
//! a pinned digest (containerd's `-digest`, `pkg/imageverifier/bindir/bindir.go`), the image is
//! fetched as `name@digest`: what the tag names now is never what is decided (it may have moved
//! since containerd resolved it). The policy is asked about `name:tag@digest`, looked up under
//! the tag's scopes and matched against signed identities as containers-storage does; the core's
//! discovery (`sealcheck::oci::source::collect`) then reads the tag once more only to check that
//! it still names that digest, and a tag that moved blocks. Without a pinned digest, the
//! reference is fetched and asked about as given, and a tag is resolved by the registry.

use std::sync::{Arc, Mutex, PoisonError};

use sealcheck::audit::AuditLog;
use sealcheck::oci::OciDigest;
use sealcheck::policy::native::RevocationList;
use sealcheck::{CompiledPolicy, CryptoProvider, Decision, Error, FactCache, ImageVerifier, Input, Reference, Result, UnixTime, verifier};
use sealcheck_registry::{Registry, Resolved};

/// Decides images under one policy. `Send + Sync`: one per policy, shared by every request; the
/// registry client (its connections, tokens, tag cache) and the fact cache are shared with
/// whatever else holds them.
#[derive(Debug, Clone)]
pub struct Admitter {
    images: ImageVerifier,
    registry: Arc<Registry>,
    provider: CryptoProvider,
    audit: Option<Arc<Mutex<AuditLog>>>,
}

/// What [`Admitter::admit`] decided, and on what.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The decision record (appended to the audit log, when one is configured, before this is
    /// returned).
    pub decision: Decision,
    /// What the registry resolved: the registry, the digest decided on, the index and platform.
    pub resolved: Resolved,
    /// The image decided on, `name@digest` (for a multi-platform tag resolved without a pinned
    /// digest, the index or a platform manifest, as `registry.multiPlatform` says).
    pub reference: Reference,
}

impl Admitter {
    /// An admitter deciding under `policy` with `provider`, fetching through `registry` and
    /// reusing verified facts in `cache`.
    #[must_use]
    pub fn new(policy: Arc<CompiledPolicy>, registry: Arc<Registry>, provider: CryptoProvider, cache: Arc<FactCache>) -> Self {
        Self { images: ImageVerifier::new(policy, provider).with_cache(cache), registry, provider, audit: None }
    }

    /// The same admitter with a revocation list (a native policy's separate list).
    #[must_use]
    pub fn with_revocations(mut self, list: Arc<RevocationList>) -> Self {
        self.images = self.images.with_revocations(list);
        self
    }

    /// The same admitter recording every decision in `log`, refusals that reached no decision
    /// (a reference that does not parse, a registry that cannot be read) included.
    #[must_use]
    pub fn with_audit(mut self, log: Arc<Mutex<AuditLog>>) -> Self {
        self.audit = Some(log);
        self
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &CompiledPolicy {
        self.images.policy()
    }

    /// Decides whether `image` may run at `now`; with `pinned`, the image that digest names (see
    /// the module docs). An error (a reference that does not parse, a pinned digest that
    /// contradicts the reference's own, evidence that cannot be fetched, an audit record that
    /// cannot be appended) is a block: nothing was allowed. When an audit log is configured,
    /// the decision, or the error as a refusal, is recorded first; a record that cannot be
    /// appended makes the result that error, whatever was decided.
    pub fn admit(&self, image: &str, pinned: Option<OciDigest>, now: UnixTime) -> Result<Admitted> {
        let given = verifier::image_reference(image);
        let targets = given.as_ref().map_err(Clone::clone).and_then(|r| targets(image, r, pinned));
        let outcome = targets.and_then(|(fetch, asked)| {
            let (evidence, resolved) = self.registry.collect(&fetch, asked, &self.provider)?;
            let decision = self.images.decide(&evidence, now);
            Ok(Admitted { decision, reference: fetch.repository().with_digest(resolved.digest), resolved })
        });
        match outcome {
            Ok(admitted) => self.record(&admitted.decision).map(|()| admitted),
            Err(e) => {
                self.record_refusal(image, pinned, &e, now)?;
                Err(e)
            }
        }
    }

    /// Records a block that reached no decision (what [`Admitter::admit`] records for its
    /// errors; a caller's own, such as a deadline that passed, too): the scope `image` selects
    /// (none when it does not parse), no requirement evaluated, `e` as the reason. Nothing is
    /// written without an audit log.
    pub fn record_refusal(&self, image: &str, pinned: Option<OciDigest>, e: &Error, now: UnixTime) -> Result<()> {
        self.record(&self.images.refusal(verifier::image_reference(image).ok().as_ref(), image, pinned, e.to_string(), now))
    }

    /// Appends `decision` to the audit log, if one is configured.
    fn record(&self, decision: &Decision) -> Result<()> {
        match &self.audit {
            Some(log) => log.lock().unwrap_or_else(PoisonError::into_inner).append(decision).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// What is fetched and what the policy is asked about, for `given` (normalized from `image`)
/// and the caller's pinned digest.
fn targets(image: &str, given: &Reference, pinned: Option<OciDigest>) -> Result<(Reference, Reference)> {
    match (pinned, given.digest()) {
        (None, _) => Ok((given.clone(), given.clone())),
        (Some(p), Some(own)) if p != *own => Err(Error::Usage(format!("the pinned digest {p} is not the reference's own digest {own}"))
            .loading(Input::Reference, format!("image reference {image:?}"))),
        (Some(p), _) => Ok((given.repository().with_digest(p), given.with_digest(p))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: char) -> OciDigest {
        OciDigest::parse(&format!("sha256:{}", c.to_string().repeat(64))).unwrap()
    }

    /// containerd passes `-name` as given and `-digest` as resolved (`bindir.go` `runVerifier`):
    /// the image is fetched by that digest, and asked about under its tag.
    #[test]
    fn a_pinned_digest_is_fetched_and_the_tag_kept_for_the_policy() {
        let r = verifier::image_reference("127.0.0.1:5000/app:v1").unwrap();
        let (fetch, asked) = targets("127.0.0.1:5000/app:v1", &r, Some(digest('a'))).unwrap();
        assert_eq!(fetch.to_string(), format!("127.0.0.1:5000/app@{}", digest('a')));
        assert_eq!(asked.to_string(), format!("127.0.0.1:5000/app:v1@{}", digest('a')));
        let (fetch, asked) = targets("app", &verifier::image_reference("app").unwrap(), None).unwrap();
        assert_eq!((fetch.to_string().as_str(), asked.to_string().as_str()), ("docker.io/library/app:latest", "docker.io/library/app:latest"));
    }

    #[test]
    fn a_pinned_digest_must_agree_with_the_reference() {
        let s = format!("r.test/app@{}", digest('a'));
        let r = verifier::image_reference(&s).unwrap();
        assert_eq!(targets(&s, &r, Some(digest('a'))).unwrap().0, r);
        let e = targets(&s, &r, Some(digest('b'))).unwrap_err();
        assert_eq!(e.class(), sealcheck::ErrorClass::Input);
        assert!(e.to_string().contains("is not the reference's own digest"), "{e}");
    }

    #[test]
    fn the_admitter_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Admitter>();
    }
}
