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
//! `Link` pagination is followed for at most [`MAX_REFERRER_PAGES`] pages. A registry without
//! the referrers API answers 404 and the core reads the `sha256-<hex>` tag instead.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use sealcheck::crypto::{Backend, HashAlgorithm};
use sealcheck::limits::{MAX_IMAGE_SIGNATURES, MAX_MANIFEST_BYTES};
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

/// One repository, read over HTTP(S) for one decision.
pub(crate) struct RegistrySource {
    http: Http,
    auth: Auth,
    backend: &'static dyn Backend,
    /// `https://host` or `http://host`.
    base: String,
    repository: String,
    preemptive: RefCell<Option<String>>,
    manifests: RefCell<HashMap<String, Vec<u8>>>,
    known_manifests: RefCell<HashSet<String>>,
    /// The platform manifest chosen from an index, and that index.
    chosen: RefCell<Option<(OciDigest, u64, Descriptor)>>,
    requests: RefCell<usize>,
    /// Whether cosign's `.sig`/`.att` tags are read (registries.d `use-sigstore-attachments`).
    sigstore_attachments: bool,
}

impl RegistrySource {
    pub fn new(http: Http, auth: Auth, backend: &'static dyn Backend, base: String, repository: String) -> Self {
        Self {
            http,
            auth,
            backend,
            base,
            repository,
            preemptive: RefCell::new(None),
            manifests: RefCell::default(),
            known_manifests: RefCell::default(),
            chosen: RefCell::new(None),
            requests: RefCell::new(0),
            sigstore_attachments: true,
        }
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
        {
            let mut n = self.requests.borrow_mut();
            *n += 1;
            if *n > MAX_REQUESTS {
                return Err(Error::LimitExceeded { what: "registry requests per decision", max: MAX_REQUESTS, got: *n });
            }
        }
        let scope = format!("repository:{}:pull", self.repository);
        let mut headers: Vec<(&str, String)> = vec![("Accept", accept.to_string())];
        if let Some(a) = self.auth.cached(&scope).or_else(|| self.preemptive.borrow().clone()) {
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
        if challenge == Challenge::Basic {
            *self.preemptive.borrow_mut() = Some(answer.clone());
        }
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
        self.known_manifests.borrow_mut().insert(key.clone());
        let size = reply.body.len() as u64;
        self.manifests.borrow_mut().insert(key, reply.body);
        Ok(Some(Descriptor { media_type, digest, size, annotations: Default::default(), artifact_type: None }))
    }

    /// Picks the platform manifest of the index `index` (a descriptor this source resolved),
    /// and remembers the choice for [`ArtifactSource::locate`].
    pub fn choose_platform(&self, index: &Descriptor, want: &Platform) -> Result<OciDigest> {
        #[derive(Deserialize)]
        struct Entry {
            digest: String,
            size: u64,
            platform: Option<PlatformJson>,
        }
        #[derive(Deserialize)]
        struct PlatformJson {
            os: String,
            architecture: String,
            variant: Option<String>,
        }
        #[derive(Deserialize)]
        struct Index {
            manifests: Vec<Entry>,
        }
        let bytes = self.manifests.borrow().get(&index.digest.to_string()).cloned().ok_or(Error::MissingEvidence("the image index"))?;
        let parsed: Index = serde_json::from_slice(&bytes).map_err(|e| Error::Json { what: "image index", detail: e.to_string() })?;
        let found = parsed.manifests.iter().find(|e| {
            e.platform.as_ref().is_some_and(|p| p.os == want.os && p.architecture == want.architecture && want.variant.as_ref().is_none_or(|v| p.variant.as_ref() == Some(v)))
        });
        let e = found.ok_or_else(|| Error::NotFound(format!("platform {want} in the image index {}", index.digest)))?;
        let digest = OciDigest::parse(&e.digest)?;
        self.known_manifests.borrow_mut().insert(digest.to_string());
        *self.chosen.borrow_mut() = Some((digest, e.size, index.clone()));
        Ok(digest)
    }
}

impl ArtifactSource for RegistrySource {
    fn resolve_tag(&self, tag: &str) -> Result<Option<Descriptor>> {
        self.manifest(tag)
    }

    fn fetch(&self, digest: &OciDigest, size: Option<u64>, max: usize) -> Result<Option<Vec<u8>>> {
        if size.is_some_and(|s| s > max as u64) {
            return Err(Error::LimitExceeded { what: "registry content size", max, got: usize::try_from(size.unwrap_or(0)).unwrap_or(usize::MAX) });
        }
        let key = digest.to_string();
        if !self.manifests.borrow().contains_key(&key) {
            // Blobs first, unless the digest is known to be a manifest; a registry keeps
            // manifests apart from blobs, so a blob 404 is then asked as a manifest.
            if !self.known_manifests.borrow().contains(&key) {
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
        let bytes = self.manifests.borrow().get(&key).cloned();
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
                    self.known_manifests.borrow_mut().insert(d.digest.to_string());
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
                None => return Ok(out),
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
        Ok(self.resolve_tag(&tag)?.map(|d| (d, format!("tag {tag}"))).into_iter().collect())
    }

    fn locate(&self, digest: &OciDigest) -> Result<Option<Located>> {
        if let Some((d, size, index)) = self.chosen.borrow().as_ref() {
            if d == digest {
                return Ok(Some(Located { size: Some(*size), index: Some(index.clone()) }));
            }
        }
        if let Some(b) = self.manifests.borrow().get(&digest.to_string()) {
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
