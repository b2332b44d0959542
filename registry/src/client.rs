//! The long-lived registry client, [`Registry`]: one per configuration, shared by every
//! decision (`Arc<Registry>`; issue 12 "connection reuse", issue 15 "one client for its
//! lifetime"). It keeps what may be kept across decisions: the HTTP agent and its idle
//! connections, the TLS configurations, registries.d, Bearer tokens until they expire
//! ([`crate::auth`]), what tags named for [`Options::tag_ttl`] ([`crate::tags`]), the evidence
//! gathered for [`Options::evidence_ttl`] ([`crate::evidence`]), the per-host request limits and
//! the counters ([`crate::hosts`]). Each [`Registry::collect`] is one
//! decision with its own deadline and request budget.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use sealcheck::oci::evidence::EvidenceItem;
use sealcheck::oci::manifest::Descriptor;
use sealcheck::oci::source::{ArtifactSource as _, Selector, collect as collect_evidence};
use sealcheck::oci::{ImageEvidence, OciDigest, Reference};
use sealcheck::{CryptoProvider, Error, Input, Result};

use crate::auth::{Auth, Tokens};
use crate::evidence::{self, EvidenceCache};
use crate::hosts::HostStats;
use crate::http::{Client, Http, host_of};
use crate::source::{MAX_PARALLEL_FETCHES, RegistrySource, endpoint};
use crate::tags::{self, TagCache};
use crate::tls::{HostTls, TlsSetup};
use crate::{AttachmentsDefault, Options, Platform, RegistriesConfig, Resolved, lookaside};

/// A registry client: configured once, shared by every decision (it is `Send + Sync`).
///
/// What is read when: [`Registry::new`] parses [`Options::ca_pem`] and reads registries.d
/// ([`Options::registries_d`]) once; a host's `certs.d` directory is read on the first decision
/// against that host and kept; credentials ([`Options::auth_files`], and the credential helpers
/// they name) are looked up in each decision when a registry's challenge first needs them, so
/// a cached token reads no file and runs no helper.
pub struct Registry {
    options: Options,
    config: RegistriesConfig,
    tls: Arc<TlsSetup>,
    client: Arc<Client>,
    /// The `certs.d` lookups done, by reference domain.
    certs_read: Mutex<std::collections::BTreeSet<String>>,
    tokens: Arc<Tokens>,
    tags: TagCache,
    evidence: EvidenceCache,
}

/// The client's counters since it was made (for metrics).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Tagged references answered from the tag cache.
    pub tag_cache_hits: u64,
    /// Tagged references looked up in the tag cache and not found fresh (with a zero
    /// [`Options::tag_ttl`] nothing is looked up or counted).
    pub tag_cache_misses: u64,
    /// Decisions whose evidence was answered from the evidence cache (no request sent).
    pub evidence_cache_hits: u64,
    /// Decisions whose evidence was looked up in the evidence cache and not found fresh (with
    /// a zero [`Options::evidence_ttl`] nothing is looked up or counted).
    pub evidence_cache_misses: u64,
    /// Tokens fetched from token services.
    pub token_fetches: u64,
    /// Requests sent, over all hosts.
    pub requests: u64,
    /// Requests that failed, over all hosts ([`HostStats::errors`]).
    pub errors: u64,
    /// Per host (`host[:port]` of the URLs, token services and blob storage included).
    pub hosts: BTreeMap<String, HostStats>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("options", &self.options).finish_non_exhaustive()
    }
}

impl Registry {
    /// A client for `options`. A CA file that does not parse, registries.d that does not load,
    /// or a limit of zero is an input error.
    pub fn new(options: Options) -> Result<Self> {
        let load = || -> Result<Self> {
            if options.per_host == 0 || !(1..=MAX_PARALLEL_FETCHES).contains(&options.parallel_fetches) {
                return Err(Error::Usage(format!(
                    "registry options: per_host must be at least 1 (got {}), parallel_fetches from 1 to {MAX_PARALLEL_FETCHES} (got {})",
                    options.per_host, options.parallel_fetches
                )));
            }
            let config = RegistriesConfig::load(&options.registries_d.dirs)?;
            let tls = Arc::new(TlsSetup::new(options.ca_pem.as_deref(), options.ca_only)?);
            let client = Arc::new(Client::new(options.timeouts, tls.clone(), options.per_host));
            Ok(Self { tags: tags::cache(options.tag_ttl), evidence: evidence::cache(options.evidence_ttl), config, tls, client, certs_read: Mutex::default(), tokens: Arc::default(), options })
        };
        load().map_err(|e| e.loading(Input::ImageSource, "registry client"))
    }

    /// The counters so far.
    #[must_use]
    pub fn stats(&self) -> Stats {
        let hosts = self.client.hosts.stats();
        Stats {
            tag_cache_hits: self.tags.hits.load(Ordering::Relaxed),
            tag_cache_misses: self.tags.misses.load(Ordering::Relaxed),
            evidence_cache_hits: self.evidence.hits.load(Ordering::Relaxed),
            evidence_cache_misses: self.evidence.misses.load(Ordering::Relaxed),
            token_fetches: self.tokens.fetches(),
            requests: hosts.values().map(|h| h.requests).sum(),
            errors: hosts.values().map(|h| h.errors).sum(),
            hosts,
        }
    }

    /// The source for `reference`'s repository, for one decision starting now (its deadline is
    /// [`crate::Timeouts::total`] from now).
    fn source(&self, reference: &Reference, provider: &CryptoProvider, attachments: bool) -> Result<RegistrySource> {
        let host = reference.domain().to_string();
        let (base, repository) = endpoint(reference, self.options.insecure.contains(&host));
        {
            let mut read = self.certs_read.lock().unwrap_or_else(PoisonError::into_inner);
            if !read.contains(&host) {
                if let Some(dir) = self.options.certs_dirs.for_host(&host) {
                    self.tls.set_host(host_of(&base), HostTls::load(&dir)?);
                }
                read.insert(host.clone());
            }
        }
        let auth = Auth::new(host, self.options.auth_files.clone(), self.tokens.clone());
        Ok(RegistrySource::new(Http::new(self.client.clone()), auth, provider.backend(), base, repository)
            .with_sigstore_attachments(attachments)
            .with_parallel_fetches(self.options.parallel_fetches))
    }

    /// What `tag` of `reference` names: from the tag cache, else asked of `source` and cached.
    fn tag(&self, source: &RegistrySource, reference: &Reference, tag: &str) -> Result<Descriptor> {
        let key = format!("{}:{tag}", reference.name());
        if let Some((d, manifest)) = self.tags.get(&key) {
            source.seed_tag(tag, d.clone(), manifest);
            return Ok(d);
        }
        let d = source.resolve_tag(tag)?.ok_or_else(|| Error::NotFound(format!("tag {tag:?} of {}", reference.name())))?;
        if let Some(bytes) = source.manifest_bytes(&d.digest) {
            let size = bytes.len();
            self.tags.insert(&key, (d.clone(), bytes), size);
        }
        Ok(d)
    }

    /// The digest `reference` names: its own for a reference by digest (nothing is fetched),
    /// else what its tag names on the registry, from the tag cache when it holds it: the
    /// manifest the tag names, i.e. the image index for a multi-platform tag (not a platform
    /// manifest). For pinning an image; an input error naming the URL when it cannot be read.
    pub fn resolve(&self, reference: &Reference) -> Result<OciDigest> {
        let gather = || -> Result<OciDigest> {
            match (reference.digest(), reference.tag()) {
                (Some(d), _) => Ok(*d),
                (None, Some(tag)) => Ok(self.tag(&self.source(reference, &CryptoProvider::default(), false)?, reference, tag)?.digest),
                (None, None) => Err(Error::Usage(format!("{reference}: name a tag or a digest"))),
            }
        };
        gather().map_err(|e| e.loading(Input::ImageSource, format!("image source docker://{reference}")))
    }

    /// Fetches the evidence for the image at `reference` (tagged or by digest) from its
    /// registry, to be decided as `asked` (the same reference, or the name a policy is asked
    /// about when the image is pulled from a mirror): one decision, within
    /// [`crate::Timeouts::total`] from the call. Any failure (network, TLS, status, size,
    /// digest, authentication, a missing tag, certs.d that does not load, a lookaside
    /// signature that does not parse, a per-host limit that frees no slot in time) is an input
    /// error naming the URL or the reason: never evidence that allows.
    ///
    /// registries.d decides, for `reference`, whether cosign's sigstore attachments are read
    /// and where lookaside signatures are: sigstore signatures found there are evidence (origin
    /// `lookaside <url>`), simple-signing (GPG) ones are listed in [`Resolved`] only.
    ///
    /// With an [`Options::evidence_ttl`], once the manifest is known (a tag resolved through the
    /// tag cache), evidence gathered for it less than the TTL ago is returned without a request
    /// (the evidence cache); what is gathered is kept, what fails is not.
    pub fn collect(&self, reference: &Reference, asked: Reference, provider: &CryptoProvider) -> Result<(ImageEvidence, Resolved)> {
        let gather = || -> Result<(ImageEvidence, Resolved)> {
            let (attachments, attachments_scope) = match self.config.use_sigstore_attachments(reference) {
                Some((b, scope)) => (b, Some(scope)),
                None => (self.options.registries_d.attachments_default == AttachmentsDefault::Read, None),
            };
            let lookaside = self.config.lookaside(reference).map(|(l, _)| l).or_else(|| self.options.registries_d.default_lookaside.clone());
            let source = self.source(reference, provider, attachments)?;
            // The manifest decided on, and the index and platform it was chosen from.
            let (digest, index, platform) = match (reference.digest(), reference.tag()) {
                (Some(d), None) => (*d, None, None),
                // `name:tag@digest` whose tag names an index listing that digest (a platform
                // manifest a multi-platform tag was pinned to, as the mutating webhook pins
                // with `multiPlatform: "platform"`): decided with that index, as the tag was.
                (Some(d), Some(tag)) => {
                    let named = self.tag(&source, reference, tag)?;
                    let listed = if is_index(&named.media_type) && named.digest != *d { source.choose_listed(&named, d)? } else { None };
                    match listed {
                        Some(platform) => (*d, Some(named.digest), platform),
                        None => (*d, None, None),
                    }
                }
                (None, Some(tag)) => {
                    let d = self.tag(&source, reference, tag)?;
                    if is_index(&d.media_type) && !self.options.decide_index {
                        let want = self.options.platform.clone().unwrap_or_else(Platform::host);
                        (source.choose_platform(&d, &want)?, Some(d.digest), Some(want.to_string()))
                    } else {
                        (d.digest, None, None)
                    }
                }
                (None, None) => return Err(Error::Usage(format!("{reference}: name a tag or a digest"))),
            };
            let mut resolved = Resolved {
                registry: reference.domain().to_string(),
                digest,
                index,
                platform,
                sigstore_attachments: attachments,
                sigstore_attachments_scope: attachments_scope,
                lookaside,
                lookaside_signatures: Vec::new(),
            };
            let key = evidence::key(&reference.name(), &asked.to_string(), &resolved);
            if let Some(cached) = self.evidence.get(&key) {
                return Ok(cached);
            }
            let mut ev = collect_evidence(provider.backend(), &source, asked.clone(), &Selector::Digest(digest))?;
            if !attachments {
                ev = without_sigstore_attachments(ev)?;
            }
            if let Some(base) = &resolved.lookaside {
                for d in std::iter::once(digest).chain(index) {
                    resolved.lookaside_signatures.extend(lookaside::gather(source.http(), base, source.repository(), &d, &mut ev)?);
                }
            }
            self.evidence.insert(&key, (ev.clone(), resolved.clone()), evidence::size(&ev, &resolved));
            Ok((ev, resolved))
        };
        gather().map_err(|e| e.loading(Input::ImageSource, format!("image source docker://{reference}")))
    }
}

fn is_index(media_type: &str) -> bool {
    matches!(media_type, "application/vnd.oci.image.index.v1+json" | "application/vnd.docker.distribution.manifest.list.v2+json")
}

/// `ev` without what registries.d's `use-sigstore-attachments: false` excludes: cosign's
/// signatures, attestations and bundles (Notary signatures stay).
fn without_sigstore_attachments(ev: ImageEvidence) -> Result<ImageEvidence> {
    let mut out = ImageEvidence::new(ev.reference().clone());
    if let Some(m) = ev.manifest() {
        out = out.with_manifest(m.to_vec());
    }
    if let Some(i) = ev.index() {
        out.set_index(i.to_vec());
    }
    for f in ev.items() {
        if matches!(f.item, EvidenceItem::Notary { .. }) {
            out.reserve(f.item.size() as u64)?;
            out.push(f.item.clone(), f.origin.clone())?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_shared_between_threads_and_checks_its_limits() {
        fn shared<T: Send + Sync>() {}
        shared::<Registry>();
        let e = Registry::new(Options { per_host: 0, ..Options::default() }).unwrap_err();
        assert_eq!(e.class(), sealcheck::ErrorClass::Input);
        assert!(e.to_string().contains("per_host must be at least 1"), "{e}");
        assert!(Registry::new(Options { parallel_fetches: MAX_PARALLEL_FETCHES + 1, ..Options::default() }).is_err());
        let r = Registry::new(Options::default()).unwrap();
        let d = OciDigest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
        let pinned = Reference::parse(&format!("r.invalid/app@{d}")).unwrap();
        assert_eq!(r.resolve(&pinned).unwrap(), d, "a digest names itself: nothing fetched");
        assert_eq!(r.stats(), Stats::default());
    }
}
