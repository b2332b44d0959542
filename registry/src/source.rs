//! One repository of an OCI distribution registry as an [`ArtifactSource`]
//! (distribution-spec v1.1: `GET /v2/<name>/manifests/<reference>`, `/blobs/<digest>`,
//! `/referrers/<digest>`), and the choice of a platform manifest from an index (image-spec
//! `image-index.md` `platform`).
//!
//! Digests are computed from the bytes received, never taken from a header (a
//! `Docker-Content-Digest` that disagrees is an error); every body is capped before it is read
//! and the core checks sizes and digests before parsing. The referrers API is asked unfiltered
//! (cosign bundles and Notary signatures are both wanted; a registry filters by one
//! `artifactType` at most) and descriptors of other artifact types are skipped here; its
//! `Link` pagination is followed for at most [`MAX_REFERRER_PAGES`] pages, and the descriptors
//! are handed over sorted by digest (the API specifies no order). A registry without
//! the referrers API answers 404 and the core reads the `sha256-<hex>` tag instead.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use sealcheck::crypto::{Backend, HashAlgorithm};
use sealcheck::limits::{MAX_ENVELOPE_BYTES, MAX_EVIDENCE_BYTES, MAX_IMAGE_SIGNATURES, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES};
use sealcheck::oci::manifest::{Descriptor, Manifest};
use sealcheck::oci::source::{ArtifactSource, Located, REFERRER_ARTIFACT_TYPES};
use sealcheck::oci::{OciDigest, Reference};
use sealcheck::{Error, Result};
use serde::Deserialize;

use crate::auth::{Auth, Challenge};
use crate::http::{Http, Reply, fail};

/// Pages of referrers followed at most.
pub const MAX_REFERRER_PAGES: usize = 16;
/// Requests one decision may make to a registry.
pub const MAX_REQUESTS: usize = 2048;

const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.artifact.manifest.v1+json";

/// An `os/architecture[/variant]` platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `os`, e.g. `linux`.
    pub os: String,
    /// `architecture` (GOARCH), e.g. `amd64`.
    pub architecture: String,
    /// `variant`, e.g. `v8`, if required.
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &str| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Self { os: (*os).into(), architecture: (*arch).into(), variant: None }),
            [os, arch, v] if ok(os) && ok(arch) && ok(v) => Ok(Self { os: (*os).into(), architecture: (*arch).into(), variant: Some((*v).into()) }),
            _ => Err(Error::Usage(format!("platform {s:?}: expected os/arch[/variant]"))),
        }
    }

    /// The platform this program runs on, in OCI (GOOS/GOARCH) names.
    #[must_use]
    pub fn host() -> Self {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Self { os: std::env::consts::OS.into(), architecture: architecture.into(), variant: None }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Requests one decision makes in parallel at most when several manifests and blobs are
/// known to be wanted ([`crate::Options::parallel_fetches`] is capped by it).
pub const MAX_PARALLEL_FETCHES: usize = 4;

/// One repository, read over HTTP(S) for one decision (shared by its fetch threads).
pub(crate) struct RegistrySource {
    http: Http,
    auth: Auth,
    backend: &'static dyn Backend,
    /// `https://host` or `http://host`.
    base: String,
    repository: String,
    /// What each tag named in this decision (asked once: the core asks again to check the
    /// reference).
    tags: Mutex<HashMap<String, Option<Descriptor>>>,
    manifests: Mutex<HashMap<String, Vec<u8>>>,
    known_manifests: Mutex<HashSet<String>>,
    /// Blobs fetched ahead (digest-checked), taken by [`ArtifactSource::fetch`].
    prefetched: Mutex<HashMap<String, Vec<u8>>>,
    /// The platform manifest chosen from an index, and that index.
    chosen: Mutex<Option<(OciDigest, u64, Descriptor)>>,
    requests: AtomicUsize,
    /// Whether cosign's `.sig`/`.att` tags are read (registries.d `use-sigstore-attachments`).
    sigstore_attachments: bool,
    /// Requests made in parallel at most (1: none ahead of the core's sequential reads).
    parallel: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RegistrySource {
    pub fn new(http: Http, auth: Auth, backend: &'static dyn Backend, base: String, repository: String) -> Self {
        Self {
            http,
            auth,
            backend,
            base,
            repository,
            tags: Mutex::default(),
            manifests: Mutex::default(),
            known_manifests: Mutex::default(),
            prefetched: Mutex::default(),
            chosen: Mutex::new(None),
            requests: AtomicUsize::new(0),
            sigstore_attachments: true,
            parallel: 1,
        }
    }

    /// Fetches up to `n` (at most [`MAX_PARALLEL_FETCHES`]) manifests and blobs at once.
    pub fn with_parallel_fetches(mut self, n: usize) -> Self {
        self.parallel = n.clamp(1, MAX_PARALLEL_FETCHES);
        self
    }

    /// Answers `tag` with `descriptor` (of `manifest`) without asking the registry (what the
    /// client's tag cache holds).
    pub fn seed_tag(&self, tag: &str, descriptor: Descriptor, manifest: Vec<u8>) {
        let key = descriptor.digest.to_string();
        lock(&self.known_manifests).insert(key.clone());
        lock(&self.manifests).insert(key, manifest);
        lock(&self.tags).insert(tag.to_string(), Some(descriptor));
    }

    /// The bytes of a manifest this source read, by digest.
    pub fn manifest_bytes(&self, digest: &OciDigest) -> Option<Vec<u8>> {
        lock(&self.manifests).get(&digest.to_string()).cloned()
    }

    /// Reads (or not) cosign's `.sig`/`.att` tags.
    pub fn with_sigstore_attachments(mut self, read: bool) -> Self {
        self.sigstore_attachments = read;
        self
    }

    /// The repository path (the reference's name without the registry host).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The HTTP client (shared with lookaside reads).
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// GET `/v2/<repository>/<path>`, answering one authentication challenge.
    fn get(&self, path: &str, accept: &str, max: usize) -> Result<Reply> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if n > MAX_REQUESTS {
            return Err(Error::LimitExceeded { what: "registry requests per decision", max: MAX_REQUESTS, got: n });
        }
        let scope = format!("repository:{}:pull", self.repository);
        let mut headers: Vec<(&str, String)> = vec![("Accept", accept.to_string())];
        if let Some(a) = self.auth.preemptive(&scope)? {
            headers.push(("Authorization", a));
        }
        let reply = self.http.get(&url, &headers, max)?;
        if reply.status != 401 {
            return Ok(reply);
        }
        let challenge = reply
            .headers_named("www-authenticate")
            .find_map(Challenge::parse)
            .ok_or_else(|| fail(&url, "status 401 without a Basic or Bearer challenge"))?;
        let answer = self.auth.answer(&self.http, &url, &challenge, &scope)?;
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        headers.push(("Authorization", answer));
        let reply = self.http.get(&url, &headers, max)?;
        if reply.status == 401 || reply.status == 403 {
            return Err(fail(&url, format!("status {}: the credentials were refused", reply.status)));
        }
        Ok(reply)
    }

    /// A manifest by tag or digest: its descriptor (digest computed from the bytes), cached.
    fn manifest(&self, reference: &str) -> Result<Option<Descriptor>> {
        let reply = self.get(&format!("manifests/{reference}"), MANIFEST_TYPES, MAX_MANIFEST_BYTES)?;
        match reply.status {
            200 => {}
            404 => return Ok(None),
            s => return Err(fail(&reply.url, format!("status {s}"))),
        }
        let digest = OciDigest::of(self.backend, HashAlgorithm::Sha256, &reply.body);
        if let Some(h) = reply.header("docker-content-digest") {
            if let Ok(claimed) = OciDigest::parse(h.trim()) {
                if claimed.algorithm_name() == digest.algorithm_name() && claimed != digest {
                    return Err(fail(&reply.url, format!("Docker-Content-Digest {claimed} is not the digest of the body, {digest}")));
                }
            }
        }
        if reference.contains(':') {
            let asked = OciDigest::parse(reference)?;
            asked.verify(self.backend, &reply.body).map_err(|_| fail(&reply.url, format!("the manifest received is not {asked}")))?;
        }
        let media_type = match reply.header("content-type").map(|c| c.split(';').next().unwrap_or(c).trim()) {
            Some(t) if !t.is_empty() && t != "application/json" => t.to_string(),
            _ => Manifest::from_json(&reply.body)?.media_type,
        };
        let key = digest.to_string();
        lock(&self.known_manifests).insert(key.clone());
        let size = reply.body.len() as u64;
        lock(&self.manifests).insert(key, reply.body);
        Ok(Some(Descriptor { media_type, digest, size, annotations: Default::default(), artifact_type: None }))
    }

    /// Picks the platform manifest of the index `index` (a descriptor this source resolved),
    /// and remembers the choice for [`ArtifactSource::locate`].
    pub fn choose_platform(&self, index: &Descriptor, want: &Platform) -> Result<OciDigest> {
        let chosen = self.choose(index, |e| {
            e.platform.as_ref().is_some_and(|p| p.os == want.os && p.architecture == want.architecture && want.variant.as_ref().is_none_or(|v| p.variant.as_ref() == Some(v)))
        })?;
        chosen.map(|(d, _)| d).ok_or_else(|| Error::NotFound(format!("platform {want} in the image index {}", index.digest)))
    }

    /// `digest` as a platform manifest of the index `index` (a descriptor this source
    /// resolved): when the index lists it, remembered as chosen from it (as
    /// [`RegistrySource::choose_platform`] does) and its platform returned (`os/arch[/variant]`,
    /// `None` when the entry names none); `None` when the index does not list it.
    pub fn choose_listed(&self, index: &Descriptor, digest: &OciDigest) -> Result<Option<Option<String>>> {
        let wanted = digest.to_string();
        Ok(self.choose(index, |e| e.digest == wanted)?.map(|(_, platform)| platform))
    }

    /// The first entry of the index `index` that `pick` takes, remembered as chosen: its digest
    /// and platform.
    fn choose(&self, index: &Descriptor, pick: impl Fn(&IndexEntry) -> bool) -> Result<Option<(OciDigest, Option<String>)>> {
        #[derive(Deserialize)]
        struct Index {
            manifests: Vec<IndexEntry>,
        }
        let bytes = self.manifest_bytes(&index.digest).ok_or(Error::MissingEvidence("the image index"))?;
        let parsed: Index = serde_json::from_slice(&bytes).map_err(|e| Error::Json { what: "image index", detail: e.to_string() })?;
        let Some(e) = parsed.manifests.iter().find(|e| pick(e)) else { return Ok(None) };
        let digest = OciDigest::parse(&e.digest)?;
        lock(&self.known_manifests).insert(digest.to_string());
        *lock(&self.chosen) = Some((digest, e.size, index.clone()));
        let platform = e.platform.as_ref().map(|p| match &p.variant {
            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
            None => format!("{}/{}", p.os, p.architecture),
        });
        Ok(Some((digest, platform)))
    }
}

/// An entry of an image index, as platform selection reads it.
#[derive(Deserialize)]
struct IndexEntry {
    digest: String,
    size: u64,
    platform: Option<IndexPlatform>,
}

/// An index entry's platform.
#[derive(Deserialize)]
struct IndexPlatform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

/// Bounded parallel fetches within one decision (issue 12, "bounded parallel fetches"): when a
/// referrers list, a `sha256-<hex>` index or a `.sig`/`.att` manifest names several manifests
/// and blobs the core is about to read one by one, they are fetched ahead, at most
/// [`RegistrySource::parallel`] at a time, into the maps [`ArtifactSource::fetch`] reads. Each
/// is checked against its digest and declared size before it is kept; one that fails is
/// dropped, and the core's own read of it then fails as it would have. The core still reserves
/// and reads every item in its own order, so the evidence, its budget and the decision do not
/// depend on the order fetches finish in. At most [`MAX_EVIDENCE_BYTES`] are fetched ahead.
impl RegistrySource {
    /// Fetches ahead what the signature manifests `listed` lead to: the manifests themselves,
    /// then (`single`: referrers, whose bundle or envelope is the only layer) their one layer,
    /// or (attachments) every layer.
    fn prefetch_signatures(&self, listed: &[Descriptor], single: bool) {
        if self.parallel < 2 {
            return;
        }
        let budget = AtomicUsize::new(MAX_EVIDENCE_BYTES);
        let within = |size: u64, max: usize| {
            usize::try_from(size).ok().filter(|&n| n <= max).is_some_and(|n| budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n)).is_ok())
        };
        let missing: Vec<&Descriptor> =
            listed.iter().filter(|d| !lock(&self.manifests).contains_key(&d.digest.to_string()) && within(d.size, MAX_MANIFEST_BYTES)).collect();
        self.in_parallel(&missing, |d| {
            let _ = self.manifest(&d.digest.to_string());
        });
        let mut blobs: Vec<Descriptor> = Vec::new();
        for d in listed {
            let Some(m) = self.manifest_bytes(&d.digest).and_then(|b| Manifest::from_json(&b).ok()) else { continue };
            match (single, m.layers.as_slice()) {
                (true, [layer]) => blobs.push(layer.clone()),
                (true, _) => {}
                (false, layers) => blobs.extend(layers.iter().take(MAX_IMAGE_SIGNATURES).cloned()),
            }
        }
        let max = if single { MAX_SIGNATURE_BYTES.max(MAX_ENVELOPE_BYTES) } else { MAX_SIGNATURE_BYTES };
        let wanted: Vec<&Descriptor> = blobs.iter().filter(|b| !lock(&self.prefetched).contains_key(&b.digest.to_string()) && within(b.size, max)).collect();
        self.in_parallel(&wanted, |b| {
            let Ok(reply) = self.get(&format!("blobs/{}", b.digest), "*/*", max) else { return };
            if reply.status == 200 && reply.body.len() as u64 == b.size && b.digest.verify(self.backend, &reply.body).is_ok() {
                lock(&self.prefetched).insert(b.digest.to_string(), reply.body);
            }
        });
    }

    /// Runs `work` on every item, [`RegistrySource::parallel`] at a time (nothing for fewer
    /// than two items: the core reads one as fast).
    fn in_parallel<T: Sync>(&self, items: &[T], work: impl Fn(&T) + Sync) {
        if items.len() < 2 {
            return;
        }
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..self.parallel.min(items.len()) {
                s.spawn(|| {
                    while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
                        work(item);
                    }
                });
            }
        });
    }
}

/// Whether `tag` is a referrers tag (`<alg>-<hex>`, distribution-spec v1.1 "Referrers Tag
/// Schema"), not an attachment's.
fn is_fallback_tag(tag: &str) -> bool {
    tag.split_once('-').is_some_and(|(alg, hex)| matches!((alg, hex.len()), ("sha256", 64) | ("sha512", 128)) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl ArtifactSource for RegistrySource {
    fn resolve_tag(&self, tag: &str) -> Result<Option<Descriptor>> {
        if let Some(d) = lock(&self.tags).get(tag) {
            return Ok(d.clone());
        }
        let d = self.manifest(tag)?;
        lock(&self.tags).insert(tag.to_string(), d.clone());
        if let Some(index) = d.as_ref().filter(|_| is_fallback_tag(tag)) {
            // The `sha256-<hex>` referrers tag: an index of signature manifests, read next.
            if let Some(m) = self.manifest_bytes(&index.digest).and_then(|b| Manifest::from_json(&b).ok()) {
                self.prefetch_signatures(&m.manifests, true);
            }
        }
        Ok(d)
    }

    fn fetch(&self, digest: &OciDigest, size: Option<u64>, max: usize) -> Result<Option<Vec<u8>>> {
        if size.is_some_and(|s| s > max as u64) {
            return Err(Error::LimitExceeded { what: "registry content size", max, got: usize::try_from(size.unwrap_or(0)).unwrap_or(usize::MAX) });
        }
        let key = digest.to_string();
        if let Some(b) = lock(&self.prefetched).remove(&key) {
            if size.is_some_and(|s| s != b.len() as u64) {
                return Err(Error::ArtifactMismatch("content size differs from its descriptor"));
            }
            return Ok(Some(b));
        }
        if !lock(&self.manifests).contains_key(&key) {
            // Blobs first, unless the digest is known to be a manifest; a registry keeps
            // manifests apart from blobs, so a blob 404 is then asked as a manifest.
            if !lock(&self.known_manifests).contains(&key) {
                let reply = self.get(&format!("blobs/{key}"), "*/*", max)?;
                match reply.status {
                    200 => return Ok(Some(reply.body)),
                    404 => {}
                    s => return Err(fail(&reply.url, format!("status {s}"))),
                }
            }
            if self.manifest(&key)?.is_none() {
                return Ok(None);
            }
        }
        let bytes = lock(&self.manifests).get(&key).cloned();
        if let Some(b) = &bytes {
            if b.len() > max {
                return Err(Error::LimitExceeded { what: "registry content size", max, got: b.len() });
            }
            if size.is_some_and(|s| s != b.len() as u64) {
                return Err(Error::ArtifactMismatch("content size differs from its descriptor"));
            }
        }
        Ok(bytes)
    }

    fn referrers(&self, digest: &OciDigest) -> Result<Vec<Descriptor>> {
        let mut out = Vec::new();
        // Unfiltered: two artifact types are wanted, and a registry filters by one at most.
        let mut path = format!("referrers/{digest}");
        for _ in 0..MAX_REFERRER_PAGES {
            let reply = self.get(&path, "application/vnd.oci.image.index.v1+json", MAX_MANIFEST_BYTES)?;
            match reply.status {
                200 => {}
                404 if out.is_empty() => return Ok(out),
                s => return Err(fail(&reply.url, format!("status {s}"))),
            }
            let index = Manifest::from_json(&reply.body)?;
            for d in index.manifests {
                if referrer_wanted(d.artifact_type.as_deref()) {
                    lock(&self.known_manifests).insert(d.digest.to_string());
                    out.push(d);
                }
            }
            if out.len() > MAX_IMAGE_SIGNATURES {
                return Err(Error::LimitExceeded { what: "referrers", max: MAX_IMAGE_SIGNATURES, got: out.len() });
            }
            // Link: </v2/<name>/referrers/<digest>?n=…&last=…>; rel="next"
            let next = reply.headers_named("link").find_map(link_next);
            let prefix = format!("/v2/{}/", self.repository);
            match next {
                None => {
                    // The API lists referrers in no specified order (go-containerregistry's
                    // registry: a map's); sorted, the decision record does not vary with it.
                    out.sort_by_cached_key(|d| d.digest.to_string());
                    self.prefetch_signatures(&out, true);
                    return Ok(out);
                }
                Some(n) => path = n.strip_prefix(&prefix).map(str::to_string).ok_or_else(|| fail(&reply.url, format!("Link {n:?} leaves the repository")))?,
            }
        }
        Err(Error::LimitExceeded { what: "referrers pages", max: MAX_REFERRER_PAGES, got: MAX_REFERRER_PAGES + 1 })
    }

    fn default_manifest(&self) -> Result<Option<Descriptor>> {
        Ok(None)
    }

    fn attachments(&self, digest: &OciDigest, suffix: &str) -> Result<Vec<(Descriptor, String)>> {
        if !self.sigstore_attachments {
            return Ok(Vec::new());
        }
        let tag = digest.tag_form(suffix);
        let found = self.resolve_tag(&tag)?;
        if let Some(d) = &found {
            self.prefetch_signatures(std::slice::from_ref(d), false);
        }
        Ok(found.map(|d| (d, format!("tag {tag}"))).into_iter().collect())
    }

    fn locate(&self, digest: &OciDigest) -> Result<Option<Located>> {
        if let Some((d, size, index)) = lock(&self.chosen).as_ref() {
            if d == digest {
                return Ok(Some(Located { size: Some(*size), index: Some(index.clone()) }));
            }
        }
        if let Some(b) = lock(&self.manifests).get(&digest.to_string()) {
            return Ok(Some(Located { size: Some(b.len() as u64), index: None }));
        }
        Ok(self.manifest(&digest.to_string())?.map(|d| Located { size: Some(d.size), index: None }))
    }
}

/// Whether a referrers API entry with `artifact_type` may be a signature sealcheck reads. The
/// entry's type only skips what is certainly something else: the manifest fetched says what it
/// is. Kept: the wanted types, entries without a type, and entries typed as the empty config
/// (`application/vnd.oci.empty.v1+json`): a manifest with that config must have its own
/// `artifactType` (image-spec `manifest.md`), so such an entry comes from a server that reports
/// the config's media type instead (go-containerregistry's `pkg/registry` does), and the real
/// type is unknown.
#[must_use]
pub fn referrer_wanted(artifact_type: Option<&str>) -> bool {
    match artifact_type {
        None | Some("" | "application/vnd.oci.empty.v1+json") => true,
        Some(t) => REFERRER_ARTIFACT_TYPES.contains(&t),
    }
}

/// The target of the `rel="next"` link of one `Link` header value (RFC 8288), if it has one:
/// `<target>; rel="next"` (also `rel=next`, and `rel` lists containing `next`). Several
/// comma-separated links may share a value; a malformed value has none.
#[must_use]
pub fn link_next(value: &str) -> Option<String> {
    let mut rest = value.trim();
    while let Some(after) = rest.strip_prefix('<') {
        let (target, tail) = after.split_once('>')?;
        // Parameters up to the next link (a ',' outside quotes).
        let mut end = tail.len();
        let mut quoted = false;
        for (i, c) in tail.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let (params, next) = tail.split_at(end);
        for p in params.split(';').skip(1) {
            let Some((k, v)) = p.split_once('=') else { continue };
            if k.trim().eq_ignore_ascii_case("rel") && v.trim().trim_matches('"').split_ascii_whitespace().any(|r| r.eq_ignore_ascii_case("next")) {
                return Some(target.trim().to_string());
            }
        }
        rest = next.trim_start_matches(',').trim_start();
    }
    None
}

/// Where a reference's repository is served: docker.io's API host, and the scheme.
pub(crate) fn endpoint(reference: &Reference, insecure: bool) -> (String, String) {
    let host = match reference.domain() {
        "docker.io" => "registry-1.docker.io",
        h => h,
    };
    let name = reference.name();
    let repository = name.strip_prefix(&format!("{}/", reference.domain())).unwrap_or(&name).to_string();
    (format!("{}://{host}", if insecure { "http" } else { "https" }), repository)
}
