//! sealcheck's registry source (std only): the evidence for an image reference, fetched from an
//! OCI distribution registry (distribution-spec v1.1) and handed to the core's discovery
//! (`sealcheck::oci::source::collect`) through the same [`ArtifactSource`] seam OCI layouts use,
//! so a `docker://` decision reads exactly what an `oci:` decision reads.
//!
//! Its own crate, so that the core (and its `no_std` graph) never links a network stack: HTTP is
//! `ureq` (blocking, no async runtime), TLS is rustls over the AWS-LC provider the native
//! surfaces already use.
//!
//! The client is [`Registry`]: made once from [`Options`] and shared by every decision (its
//! connections, tokens, tag and evidence caches, per-host limits and counters live as long as
//! it does).
//!
//! A tag that names an image index is resolved to the platform manifest for
//! [`Options::platform`] (the host's by default), decided together with that index (a policy may
//! accept index signatures, `sealcheckIndexSignatures`), or, with [`Options::decide_index`],
//! decided on the index itself. A reference by digest is decided on what
//! the digest names: an index by digest on the index itself (containers/image would pick a
//! platform manifest from it, `copy/copy.go`).
//!
//! [`ArtifactSource`]: sealcheck::oci::source::ArtifactSource

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod client;
mod evidence;
mod expiring;
mod hosts;
mod http;
mod lookaside;
mod registries_d;
mod source;
mod tags;
mod tls;

pub use auth::{AuthFiles, AuthLookup, Challenge, Credentials};
pub use client::{Registry, Stats};
pub use hosts::HostStats;
pub use http::Timeouts;
pub use lookaside::{BlobFormat, LookasideSignature, MAX_LOOKASIDE_SIGNATURES};
pub use registries_d::{MAX_REGISTRIES_D_FILE_BYTES, MAX_REGISTRIES_D_FILES, RegistriesConfig, RegistriesDirs, Section, builtin_default_lookaside};
pub use source::{MAX_PARALLEL_FETCHES, MAX_REFERRER_PAGES, MAX_REQUESTS, Platform};
pub use evidence::{MAX_CACHED_EVIDENCE, MAX_EVIDENCE_CACHE_BYTES};
pub use tags::{MAX_CACHED_TAGS, MAX_TAG_CACHE_BYTES};
pub use tls::{CertsDirs, MAX_CERT_FILE_BYTES};

use std::time::Duration;

use sealcheck::oci::OciDigest;

/// The pure parsers of the registry source (what a registry, a configuration file or a
/// lookaside server hands over before anything is fetched with it), for fuzzing and tests.
pub mod parse {
    pub use crate::auth::lookup_in as auth_file;
    pub use crate::lookaside::blob_format as signature_blob;
    pub use crate::registries_d::{ParsedFile, parse_file as registries_d_file};
    pub use crate::source::{link_next, referrer_wanted};

    /// A `WWW-Authenticate` header value: the challenge sealcheck answers, if any.
    #[must_use]
    pub fn www_authenticate(value: &str) -> Option<crate::Challenge> {
        crate::Challenge::parse(value)
    }
}

/// What to do where no registries.d section sets `use-sigstore-attachments` for an image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AttachmentsDefault {
    /// Read them (sealcheck's default; see the README, "From a registry").
    #[default]
    Read,
    /// Do not, as containers/image does.
    Skip,
}

/// registries.d: where it is read, and what applies where it says nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistriesD {
    /// The directories read (none: no configuration).
    pub dirs: RegistriesDirs,
    /// The lookaside storage read where no section names one (containers/image reads
    /// [`builtin_default_lookaside`]); `None`: none.
    pub default_lookaside: Option<String>,
    /// Whether sigstore attachments are read where no section says.
    pub attachments_default: AttachmentsDefault,
}

impl RegistriesD {
    /// As containers/image reads it: [`RegistriesDirs::from_env`], and the built-in default
    /// lookaside location; sigstore attachments are read where nothing says otherwise.
    #[must_use]
    pub fn from_env() -> Self {
        Self { dirs: RegistriesDirs::from_env(), default_lookaside: Some(builtin_default_lookaside()), attachments_default: AttachmentsDefault::Read }
    }
}

/// How to reach registries: the configuration of one [`Registry`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Registry hosts (`host[:port]`) spoken to over plain HTTP; every other host over HTTPS.
    pub insecure: Vec<String>,
    /// PEM CA certificates trusted in addition to the platform's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Trust only [`Options::ca_pem`] (and the `certs.d` CAs of the host), not the platform's
    /// roots.
    pub ca_only: bool,
    /// Where per-host CAs and client certificates are looked up ([`CertsDirs::from_env`] for the
    /// usual places; empty: none).
    pub certs_dirs: CertsDirs,
    /// Where credentials are looked up ([`AuthFiles::from_env`] for the usual places).
    pub auth_files: AuthFiles,
    /// registries.d ([`RegistriesD::from_env`] for the usual places; the default: none).
    pub registries_d: RegistriesD,
    /// The platform chosen from an image index (`None`: the host's).
    pub platform: Option<Platform>,
    /// Decide a tag that names an image index on the index itself, by its own signatures
    /// (which bind every platform manifest it lists), instead of on the platform manifest for
    /// [`Options::platform`]: what the tag names, as `cosign verify`, Kyverno and the Sigstore
    /// policy-controller check it. Off by default (containers/image's choice, for a host that
    /// runs the platform it chose); the admission programs turn it on.
    pub decide_index: bool,
    /// Timeouts and the total deadline (per [`Registry::collect`] call).
    pub timeouts: Timeouts,
    /// How long [`Registry::resolve`] and [`Registry::collect`] keep what a tag named (zero:
    /// not at all, the default; the CLI keeps it zero). A cached tag is up to this stale.
    pub tag_ttl: Duration,
    /// How long [`Registry::collect`] keeps the evidence it gathered for a manifest (zero: not
    /// at all, the default; the CLI keeps it zero). Decisions are made again from it each
    /// time; a signature attached later is seen up to this late.
    pub evidence_ttl: Duration,
    /// Requests in flight at most to one host, over every decision sharing the [`Registry`]
    /// (at least 1; default 8).
    pub per_host: usize,
    /// Manifests and blobs one decision fetches at once, at most, when several are wanted
    /// (1 to [`MAX_PARALLEL_FETCHES`]; default 4; 1: one at a time).
    pub parallel_fetches: usize,
}

impl Default for Options {
    /// The platform's roots, no registries.d, no credentials files, the host's platform, the
    /// default [`Timeouts`], no tag or evidence cache, 8 requests per host, 4 parallel fetches.
    fn default() -> Self {
        Self {
            insecure: Vec::new(),
            ca_pem: None,
            ca_only: false,
            certs_dirs: CertsDirs::default(),
            auth_files: AuthFiles::default(),
            registries_d: RegistriesD::default(),
            platform: None,
            decide_index: false,
            timeouts: Timeouts::default(),
            tag_ttl: Duration::ZERO,
            evidence_ttl: Duration::ZERO,
            per_host: 8,
            parallel_fetches: MAX_PARALLEL_FETCHES,
        }
    }
}

impl Options {
    /// What every surface starts from: credentials ([`AuthFiles::from_env`]), `certs.d`
    /// ([`CertsDirs::from_env`]) and registries.d ([`RegistriesD::from_env`]) from the usual
    /// places, and the [`Default`] limits; the `with_*` methods apply what a user names.
    #[must_use]
    pub fn from_env() -> Self {
        Self { certs_dirs: CertsDirs::from_env(), auth_files: AuthFiles::from_env(), registries_d: RegistriesD::from_env(), ..Self::default() }
    }

    /// Trusts the PEM CA certificates of `path` too (at most the key-file limit); with
    /// `ca_only`, only them (and the hosts' `certs.d` CAs). A file that cannot be read is an
    /// input error naming it.
    pub fn with_ca_file(mut self, path: &std::path::Path, ca_only: bool) -> sealcheck::Result<Self> {
        self.ca_pem = Some(sealcheck::fs::read_file(path, sealcheck::limits::MAX_KEY_FILE_BYTES, "registry CA file", "registry CA file size")?);
        self.ca_only = ca_only;
        Ok(self)
    }

    /// Reads registries.d from `dir` only, instead of the usual places.
    #[must_use]
    pub fn with_registries_d(mut self, dir: std::path::PathBuf) -> Self {
        self.registries_d.dirs = RegistriesDirs(vec![dir]);
        self
    }
}

/// What a registry source resolved, for the decision record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resolved {
    /// The registry host spoken to.
    pub registry: String,
    /// The manifest digest decided on (the platform manifest for a multi-platform tag).
    pub digest: OciDigest,
    /// The index the tag named, when a platform was chosen from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<OciDigest>,
    /// The platform chosen, when the tag named an index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Whether cosign's sigstore attachments (`.sig`/`.att` tags, v3 bundles) were read.
    pub sigstore_attachments: bool,
    /// The registries.d scope that decided [`Resolved::sigstore_attachments`] (`None`: no
    /// section set it: the default applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigstore_attachments_scope: Option<String>,
    /// The lookaside storage read, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookaside: Option<String>,
    /// Every lookaside signature found (simple-signing ones are listed here only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lookaside_signatures: Vec<LookasideSignature>,
}

#[cfg(test)]
mod property {
    //! Generated inputs for the pure parsers (the fuzz target `registry_parsers` explores them
    //! further): fragments of valid values spliced, mutated and truncated by a fixed-seed PRNG.
    //! None may panic, and what they return must come from their input.
    use super::parse;
    use crate::{AuthLookup, Challenge};

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const FRAGMENTS: &[&str] = &[
        "Bearer ", "Basic ", "realm=", "\"https://auth.test/token\"", ",", "service=", "\"r.test\"", "scope=", "\"repository:a/b:pull\"", "=", "\"",
        "</v2/a/referrers/sha256:00?n=1&last=x>", "; rel=\"next\"", ";rel=next", "<", ">", ", ", "rel=\"prev next\"", "é", "\u{0}",
        "{\"auths\":{\"r.test:5000\":{\"auth\":\"YWxpY2U6cHc=\"}}}", "{\"credHelpers\":{\"docker.io\":\"x\"}}", "{\"credsStore\":\"s\"}", "{", "}", "\"auth\":", "\"\"", "null",
        "default-docker:\n", "  lookaside: file:///x\n", "docker:\n", "  r.test/ns:\n", "    use-sigstore-attachments: yes\n", "&a [*a, *a]\n", "- ", ": ", "\n", "\t", "'",
        "\u{0}sigstore-json\n", "\u{0}simple-signing\n", "\u{89}",
    ];

    fn input(rng: &mut Rng) -> String {
        let mut s = String::new();
        for _ in 0..rng.below(12) {
            s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
        if !s.is_empty() && rng.below(3) == 0 {
            let cut = rng.below(s.len());
            let cut = (0..=cut).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
            s.truncate(cut);
        }
        s
    }

    #[test]
    fn parsers_never_panic_and_return_what_their_input_holds() {
        let mut rng = Rng(0x5ea1_c4ec_u64);
        for _ in 0..20_000 {
            let s = input(&mut rng);
            if let Some(Challenge::Bearer { realm, service, scope }) = parse::www_authenticate(&s) {
                assert!(s.contains(realm.as_str()) && service.iter().chain(scope.iter()).all(|v| s.contains(v.as_str())), "{s:?}");
            }
            if let Some(t) = parse::link_next(&s) {
                assert!(s.contains(t.as_str()), "{s:?}");
            }
            for host in ["r.test:5000", "docker.io"] {
                if let Ok(AuthLookup::Credentials(c)) = parse::auth_file(s.as_bytes(), "p.json", host) {
                    assert!(!c.username.contains(':'), "{s:?}");
                }
            }
            let _ = parse::registries_d_file("p.yaml", &s);
            let _ = parse::signature_blob(s.as_bytes());
        }
    }

    #[test]
    fn link_headers() {
        assert_eq!(parse::link_next("</v2/a/referrers/x?last=1>; rel=\"next\"").as_deref(), Some("/v2/a/referrers/x?last=1"));
        assert_eq!(parse::link_next("<a>; rel=\"prev\", <b>; rel=next").as_deref(), Some("b"));
        assert_eq!(parse::link_next("<a>; title=\"x, y\"; rel=\"next\"").as_deref(), Some("a"));
        assert_eq!(parse::link_next("<a>; rel=\"prev\""), None);
        assert_eq!(parse::link_next("a; rel=next"), None);
        assert!(parse::referrer_wanted(None) && parse::referrer_wanted(Some("application/vnd.oci.empty.v1+json")));
        assert!(parse::referrer_wanted(Some("application/vnd.dev.sigstore.bundle.v0.3+json")));
        assert!(!parse::referrer_wanted(Some("application/vnd.example.sbom")));
    }
}
