//! Where image evidence comes from: the [`ArtifactSource`] seam (an OCI layout today, a registry
//! client later), and the discovery of signatures for an image (cosign `specs/SIGNATURE_SPEC.md`,
//! `specs/BUNDLE_SPEC.md`; distribution-spec v1.1 referrers and the `sha256-<hex>` tag fallback).
//!
//! Every byte fetched is checked against the digest that named it before it is parsed.

use alloc::string::String;
use alloc::vec::Vec;

use super::manifest::{Descriptor, Manifest};
use super::{OciDigest, Reference};
use crate::cosign::StoredSignature;
use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::limits::{self, MAX_IMAGE_SIGNATURES};
use crate::policy::ImageEvidence;

/// Largest manifest fetched.
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// Largest signature layer or bundle fetched (containers/image `MaxSignatureBodySize`).
pub const MAX_SIGNATURE_BYTES: usize = 4 * 1024 * 1024;
/// artifactType of cosign v3 signature bundles.
pub const BUNDLE_ARTIFACT_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// A store of manifests and blobs addressed by digest, with tags and referrers.
pub trait ArtifactSource {
    /// The manifest descriptor a tag names, if the tag exists.
    fn resolve_tag(&self, tag: &str) -> Result<Option<Descriptor>>;
    /// Content by digest, if present; at most `max` bytes (larger content is an error).
    /// Callers verify the digest.
    fn fetch(&self, digest: &OciDigest, max: usize) -> Result<Option<Vec<u8>>>;
    /// Descriptors of manifests whose `subject` is `digest` (referrers API).
    fn referrers(&self, digest: &OciDigest) -> Result<Vec<Descriptor>>;
    /// The manifest used when no tag or digest is given, if the source has exactly one.
    fn default_manifest(&self) -> Result<Option<Descriptor>>;
}

/// Which image in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The only image.
    Default,
    /// By tag.
    Tag(String),
    /// By digest.
    Digest(OciDigest),
}

/// Fetches `digest` and checks the content against it.
pub fn fetch_verified(backend: &dyn Backend, source: &dyn ArtifactSource, digest: &OciDigest, max: usize) -> Result<Vec<u8>> {
    let bytes = source
        .fetch(digest, max)?
        .ok_or_else(|| Error::Encoding { what: alloc::format!("blob {digest}: missing"), encoding: "OCI content" })?;
    digest.verify(backend, &bytes)?;
    Ok(bytes)
}

/// Collects the evidence for the image `selector` names: its manifest, its legacy cosign
/// signatures (`<alg>-<hex>.sig` tag) and attestations (`<alg>-<hex>.att`), and its cosign v3
/// bundles (referrers, then the `<alg>-<hex>` tag fallback). Referrers whose `subject` is another digest are ignored.
pub fn collect(backend: &dyn Backend, source: &dyn ArtifactSource, reference: Reference, selector: &Selector) -> Result<ImageEvidence> {
    let desc_digest = match selector {
        Selector::Digest(d) => *d,
        Selector::Tag(t) => {
            source
                .resolve_tag(t)?
                .ok_or_else(|| Error::Encoding { what: alloc::format!("tag {t:?}: not found"), encoding: "OCI layout" })?
                .digest
        }
        Selector::Default => {
            source.default_manifest()?.ok_or(Error::MissingEvidence("a single image in the source (give :TAG or @DIGEST)"))?.digest
        }
    };
    let manifest = fetch_verified(backend, source, &desc_digest, MAX_MANIFEST_BYTES)?;
    if let Some(d) = reference.digest() {
        if *d != desc_digest {
            return Err(Error::ArtifactMismatch("the reference's digest is not the selected manifest's"));
        }
    }
    let mut budget = crate::limits::MAX_EVIDENCE_BYTES;
    let mut take = |bytes: Vec<u8>| -> Result<Vec<u8>> {
        budget = budget.checked_sub(bytes.len()).ok_or(Error::LimitExceeded {
            what: "evidence bytes for one image",
            max: crate::limits::MAX_EVIDENCE_BYTES,
            got: crate::limits::MAX_EVIDENCE_BYTES + bytes.len(),
        })?;
        Ok(bytes)
    };
    let signatures = tagged_layers(backend, source, &desc_digest.tag_form(".sig"), "signature layers", &mut take)?;
    let attestations = tagged_layers(backend, source, &desc_digest.tag_form(".att"), "attestation layers", &mut take)?;
    let mut candidates = source.referrers(&desc_digest)?;
    if let Some(fallback) = source.resolve_tag(&desc_digest.tag_form(""))? {
        let index = Manifest::from_json(&fetch_verified(backend, source, &fallback.digest, MAX_MANIFEST_BYTES)?)?;
        candidates.extend(index.manifests);
    }
    limits::check("referrers", candidates.len(), MAX_IMAGE_SIGNATURES)?;
    let mut bundles = Vec::new();
    let mut seen: Vec<OciDigest> = Vec::new();
    for c in candidates {
        if seen.contains(&c.digest) {
            continue;
        }
        seen.push(c.digest);
        let m = Manifest::from_json(&fetch_verified(backend, source, &c.digest, MAX_MANIFEST_BYTES)?)?;
        let is_bundle = m.artifact_type.as_deref().or(c.artifact_type.as_deref()) == Some(BUNDLE_ARTIFACT_TYPE);
        if !is_bundle || m.subject.as_ref().is_none_or(|s| s.digest != desc_digest) {
            continue;
        }
        let [layer] = m.layers.as_slice() else { continue };
        bundles.push(take(fetch_verified(backend, source, &layer.digest, MAX_SIGNATURE_BYTES)?)?);
    }
    Ok(ImageEvidence { reference, manifest: Some(manifest), signatures, attestations, bundles })
}

/// The layers of the manifest a cosign tag (`<alg>-<hex>.sig` / `.att`) names, each with its
/// media type and annotations; none when the tag is absent. Layer bytes pass through `take`
/// (the evidence budget).
fn tagged_layers(
    backend: &dyn Backend,
    source: &dyn ArtifactSource,
    tag: &str,
    what: &'static str,
    take: &mut dyn FnMut(Vec<u8>) -> Result<Vec<u8>>,
) -> Result<Vec<StoredSignature>> {
    let Some(desc) = source.resolve_tag(tag)? else { return Ok(Vec::new()) };
    let m = Manifest::from_json(&fetch_verified(backend, source, &desc.digest, MAX_MANIFEST_BYTES)?)?;
    limits::check(what, m.layers.len(), MAX_IMAGE_SIGNATURES)?;
    m.layers
        .iter()
        .map(|layer| {
            let payload = take(fetch_verified(backend, source, &layer.digest, MAX_SIGNATURE_BYTES)?)?;
            Ok(StoredSignature { media_type: layer.media_type.clone(), payload, annotations: layer.annotations.clone() })
        })
        .collect()
}
