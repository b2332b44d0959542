//! sealcheck's registry source (std only): the evidence for an image reference, fetched from an
//! OCI distribution registry (distribution-spec v1.1) and handed to the core's discovery
//! (`sealcheck::oci::source::collect`) through the same [`ArtifactSource`] seam OCI layouts use,
//! so a `docker://` decision reads exactly what an `oci:` decision reads.
//!
//! Its own crate, so that the core (and its `no_std` graph) never links a network stack: HTTP is
//! `ureq` (blocking, no async runtime), TLS is rustls over the AWS-LC provider the native
//! surfaces already use.
//!
//! A tag that names an image index is resolved to the platform manifest for
//! [`Options::platform`] (the host's by default), decided together with that index (a policy may
//! accept index signatures, `sealcheckIndexSignatures`). A reference by digest is decided on what
//! the digest names, as containers/image does.
//!
//! [`ArtifactSource`]: sealcheck::oci::source::ArtifactSource

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod http;
mod source;

pub use auth::{AuthFiles, Credentials};
pub use http::Timeouts;
pub use source::{MAX_REFERRER_PAGES, MAX_REQUESTS, Platform};

use sealcheck::oci::source::{Selector, collect as collect_evidence};
use sealcheck::oci::{ImageEvidence, OciDigest, Reference};
use sealcheck::{CryptoProvider, Error, Input, Result};

use crate::auth::Auth;
use crate::http::Http;
use crate::source::{RegistrySource, endpoint};

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Registry hosts (`host[:port]`) spoken to over plain HTTP; every other host over HTTPS.
    pub insecure: Vec<String>,
    /// PEM certificates to trust instead of the platform's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Where credentials are looked up ([`AuthFiles::from_env`] for the usual places).
    pub auth_files: AuthFiles,
    /// The platform chosen from an image index (`None`: the host's).
    pub platform: Option<Platform>,
    /// Timeouts and the total deadline.
    pub timeouts: Timeouts,
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
}

/// Fetches the evidence for the image at `reference` (tagged or by digest) from its registry,
/// to be decided as `asked` (the same reference, or the name a policy is asked about when the
/// image is pulled from a mirror). Any failure (network, status, size, digest, authentication,
/// a missing tag) is an input error naming the URL or the reason: never evidence that allows.
pub fn collect(reference: &Reference, asked: Reference, options: &Options, provider: &CryptoProvider) -> Result<(ImageEvidence, Resolved)> {
    let gather = || -> Result<(ImageEvidence, Resolved)> {
        let host = reference.domain().to_string();
        let insecure = options.insecure.iter().any(|h| *h == host);
        let (base, repository) = endpoint(reference, insecure);
        let http = Http::new(options.timeouts, options.ca_pem.as_deref())?;
        let auth = Auth::new(options.auth_files.lookup(&host)?);
        let source = RegistrySource::new(http, auth, provider.backend(), base, repository);
        // The manifest decided on, and the index and platform it was chosen from.
        let (digest, index, platform) = match (reference.digest(), reference.tag()) {
            (Some(d), _) => (*d, None, None),
            (None, Some(tag)) => {
                use sealcheck::oci::source::ArtifactSource as _;
                let d = source.resolve_tag(tag)?.ok_or_else(|| Error::NotFound(format!("tag {tag:?} of {}", reference.name())))?;
                if is_index(&d.media_type) {
                    let want = options.platform.clone().unwrap_or_else(Platform::host);
                    (source.choose_platform(&d, &want)?, Some(d.digest), Some(want.to_string()))
                } else {
                    (d.digest, None, None)
                }
            }
            (None, None) => return Err(Error::Usage(format!("{reference}: name a tag or a digest"))),
        };
        let ev = collect_evidence(provider.backend(), &source, asked.clone(), &Selector::Digest(digest))?;
        Ok((ev, Resolved { registry: host, digest, index, platform }))
    };
    gather().map_err(|e| e.loading(Input::ImageSource, format!("image source docker://{reference}")))
}

fn is_index(media_type: &str) -> bool {
    matches!(media_type, "application/vnd.oci.image.index.v1+json" | "application/vnd.docker.distribution.manifest.list.v2+json")
}
