//! Where image evidence comes from: the [`ArtifactSource`] seam (OCI layouts today, a registry
//! client later), and the discovery of signatures for an image (cosign `specs/SIGNATURE_SPEC.md`,
//! `specs/BUNDLE_SPEC.md`; distribution-spec v1.1 referrers and the `sha256-<hex>` tag fallback).
//!
//! Every manifest and blob found as evidence is reserved against the evidence budget at its
//! declared size before it is read, must have exactly that size, and is checked against the digest that named it before it is
//! parsed. A referrer's or fallback index entry's `artifactType` is never trusted: the manifest
//! itself is read.

use alloc::string::String;
use alloc::vec::Vec;

use super::evidence::{EvidenceItem, ImageEvidence};
use super::manifest::{Descriptor, Manifest};
use super::{OciDigest, Reference};
use crate::cosign::StoredSignature;
use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::limits::{self, MAX_IMAGE_SIGNATURES, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES};

/// artifactType of cosign v3 signature bundles.
pub const BUNDLE_ARTIFACT_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The artifact types of the referrers sealcheck reads: cosign v3 bundles and Notary
/// signatures (whose legacy manifests registries list with their config media type, the same
/// string). A source may use them to skip other referrers; the manifests decide.
pub const REFERRER_ARTIFACT_TYPES: [&str; 2] = [BUNDLE_ARTIFACT_TYPE, NOTARY_SIGNATURE_ARTIFACT_TYPE];

/// The artifact type (and legacy config media type) of Notary signature manifests.
pub const NOTARY_SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";

/// Where a source found a manifest it was asked for by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The manifest's size, when the source lists it.
    pub size: Option<u64>,
    /// The image index that lists it, when it is a platform manifest of a multi-platform image.
    pub index: Option<Descriptor>,
}

/// A store of manifests and blobs addressed by digest, with tags and referrers.
pub trait ArtifactSource {
    /// The manifest descriptor a tag names, if the tag exists.
    fn resolve_tag(&self, tag: &str) -> Result<Option<Descriptor>>;
    /// Content by digest, if present; at most `max` bytes (larger content is an error, found
    /// before it is read). When `size` is given (from a descriptor) the content must have exactly
    /// that size (image-spec `descriptor.md`). Callers verify the digest.
    fn fetch(&self, digest: &OciDigest, size: Option<u64>, max: usize) -> Result<Option<Vec<u8>>>;
    /// Descriptors of manifests whose `subject` is `digest` (referrers API).
    fn referrers(&self, digest: &OciDigest) -> Result<Vec<Descriptor>>;
    /// The manifest used when no tag or digest is given, if the source has exactly one image.
    fn default_manifest(&self) -> Result<Option<Descriptor>>;
    /// A manifest asked for by digest: its size and the index listing it, if the source knows.
    fn locate(&self, digest: &OciDigest) -> Result<Option<Located>>;
    /// Manifests holding the cosign attachments of `digest` with tag suffix `suffix` (`.sig`,
    /// `.att`), each with where it was found: the `<alg>-<hex><suffix>` tag, and what else the
    /// source knows them by.
    fn attachments(&self, digest: &OciDigest, suffix: &str) -> Result<Vec<(Descriptor, String)>> {
        let tag = digest.tag_form(suffix);
        Ok(self.resolve_tag(&tag)?.map(|d| (d, alloc::format!("tag {tag}"))).into_iter().collect())
    }
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

/// Fetches `digest` (of declared `size`, if known) and checks the content against it.
pub fn fetch_verified(backend: &dyn Backend, source: &dyn ArtifactSource, digest: &OciDigest, size: Option<u64>, max: usize) -> Result<Vec<u8>> {
    let bytes = source.fetch(digest, size, max)?.ok_or(Error::MissingEvidence("a blob the image or its signatures name"))?;
    digest.verify(backend, &bytes)?;
    Ok(bytes)
}

/// A blob named by a descriptor, reserved against the evidence budget first (`what` names
/// its own limit).
fn fetch_evidence(backend: &dyn Backend, source: &dyn ArtifactSource, ev: &mut ImageEvidence, d: &Descriptor, what: &'static str, max: usize) -> Result<Vec<u8>> {
    limits::check(what, usize::try_from(d.size).unwrap_or(usize::MAX), max)?;
    ev.reserve(d.size)?;
    fetch_verified(backend, source, &d.digest, Some(d.size), max)
}

/// Collects the evidence for the image `selector` names, asked about as `reference`: its
/// manifest, its legacy cosign signatures (`<alg>-<hex>.sig`) and attestations (`.att`), and
/// its cosign v3 bundles (referrers, then the `<alg>-<hex>` tag fallback). A platform manifest
/// selected by digest that an index of the source lists is decided with that index: the index
/// and the evidence attached to it are gathered too (a policy may accept index signatures).
///
/// The reference must agree with the source: its digest, if any, is the selected manifest's;
/// its tag, if the source knows that tag, names the selected manifest; a reference with both a
/// tag and a digest needs the source to resolve the tag to that digest.
pub fn collect(backend: &dyn Backend, source: &dyn ArtifactSource, reference: Reference, selector: &Selector) -> Result<ImageEvidence> {
    let (digest, size, index) = match selector {
        Selector::Digest(d) => {
            let l = source.locate(d)?.ok_or_else(|| Error::NotFound(alloc::format!("manifest {d} in the image source")))?;
            (*d, l.size, l.index)
        }
        Selector::Tag(t) => {
            let d = source.resolve_tag(t)?.ok_or_else(|| Error::NotFound(alloc::format!("tag {t:?} in the image source")))?;
            (d.digest, Some(d.size), None)
        }
        Selector::Default => {
            let d = source.default_manifest()?.ok_or_else(|| {
                Error::Usage(String::from("the image source holds no single image: name one with :TAG or @DIGEST"))
            })?;
            (d.digest, Some(d.size), None)
        }
    };
    check_reference(source, &reference, &digest, index.as_ref())?;
    let manifest = fetch_verified(backend, source, &digest, size, MAX_MANIFEST_BYTES)?;
    let mut ev = ImageEvidence::new(reference).with_manifest(manifest);
    gather(backend, source, &digest, &mut ev)?;
    if let Some(index) = index {
        ev.set_index(fetch_verified(backend, source, &index.digest, Some(index.size), MAX_MANIFEST_BYTES)?);
        gather(backend, source, &index.digest, &mut ev)?;
    }
    Ok(ev)
}

/// A Notary signature manifest, in either form notation reads (signature-specification.md
/// "OCI Signatures", "Forward and Backward Compatibility"): `artifactType`
/// `application/vnd.cncf.notary.signature` with the empty config, or (notation-go ≤ 1.3) no
/// `artifactType` and that config media type.
fn is_notary_signature(m: &Manifest) -> bool {
    const SIGNATURE_ARTIFACT_TYPE: &str = NOTARY_SIGNATURE_ARTIFACT_TYPE;
    let config = m.config.as_ref().map(|c| c.media_type.as_str());
    match m.artifact_type.as_deref() {
        Some(SIGNATURE_ARTIFACT_TYPE) => config == Some("application/vnd.oci.empty.v1+json"),
        Some(_) => false,
        None => config == Some(SIGNATURE_ARTIFACT_TYPE),
    }
}

/// A tag may also name the index the selected manifest was reached through (a platform chosen
/// from a multi-platform tag).
fn check_reference(source: &dyn ArtifactSource, reference: &Reference, selected: &OciDigest, index: Option<&Descriptor>) -> Result<()> {
    if reference.digest().is_some_and(|d| d != selected) {
        return Err(Error::ArtifactMismatch("the reference's digest is not the selected manifest's"));
    }
    let Some(tag) = reference.tag() else { return Ok(()) };
    match source.resolve_tag(tag)? {
        Some(d) if d.digest != *selected && index.is_none_or(|i| i.digest != d.digest) => {
            Err(Error::Usage(alloc::format!("the reference {reference}: tag {tag:?} names {} in the image source, not {selected}", d.digest)))
        }
        None if reference.digest().is_some() => Err(Error::Usage(alloc::format!(
            "the reference {reference} has a tag and a digest, but the image source has no tag {tag:?} to check it against"
        ))),
        _ => Ok(()),
    }
}

/// Adds what is attached to `digest`: legacy signatures and attestations, then bundles.
fn gather(backend: &dyn Backend, source: &dyn ArtifactSource, digest: &OciDigest, ev: &mut ImageEvidence) -> Result<()> {
    for (suffix, attestation) in [(".sig", false), (".att", true)] {
        for (desc, origin) in source.attachments(digest, suffix)? {
            let m = Manifest::from_json(&fetch_evidence(backend, source, ev, &desc, "manifest size", MAX_MANIFEST_BYTES)?)?;
            limits::check(if attestation { "attestation layers" } else { "signature layers" }, m.layers.len(), MAX_IMAGE_SIGNATURES)?;
            for (i, layer) in m.layers.iter().enumerate() {
                let payload = fetch_evidence(backend, source, ev, layer, "signature blob size", MAX_SIGNATURE_BYTES)?;
                let stored = StoredSignature { media_type: layer.media_type.clone(), payload, annotations: layer.annotations.clone() };
                let item = if attestation { EvidenceItem::Attestation(stored) } else { EvidenceItem::SimpleSigning(stored) };
                ev.push(item, alloc::format!("{origin} layer {i}"))?;
            }
        }
    }
    let mut candidates: Vec<(Descriptor, String)> =
        source.referrers(digest)?.into_iter().map(|d| (d, String::from("referrer"))).collect();
    let fallback = digest.tag_form("");
    if let Some(f) = source.resolve_tag(&fallback)? {
        let index = Manifest::from_json(&fetch_evidence(backend, source, ev, &f, "manifest size", MAX_MANIFEST_BYTES)?)?;
        candidates.extend(index.manifests.into_iter().map(|d| (d, alloc::format!("referrers tag {fallback}"))));
    }
    limits::check("referrers", candidates.len(), MAX_IMAGE_SIGNATURES)?;
    let mut seen: Vec<OciDigest> = Vec::new();
    for (c, via) in candidates {
        if seen.contains(&c.digest) {
            continue;
        }
        seen.push(c.digest);
        // The descriptor's artifactType is not trusted: the manifest says what it is.
        let m = Manifest::from_json(&fetch_evidence(backend, source, ev, &c, "manifest size", MAX_MANIFEST_BYTES)?)?;
        if m.subject.as_ref().is_none_or(|s| s.digest != *digest) {
            continue;
        }
        let origin = alloc::format!("{via} {}", c.digest);
        if m.effective_artifact_type() == Some(BUNDLE_ARTIFACT_TYPE) {
            let [layer] = m.layers.as_slice() else { continue };
            let bundle = fetch_evidence(backend, source, ev, layer, "signature blob size", MAX_SIGNATURE_BYTES)?;
            ev.push(EvidenceItem::Bundle(bundle), origin)?;
        } else if cfg!(feature = "notation") && is_notary_signature(&m) {
            // signature-specification.md "OCI Signatures": exactly one layer, the envelope
            // (notation-go `getSignatureBlobDesc`). Its media type is checked when it is verified:
            // a signature manifest with another layer is a signature that fails integrity.
            let [layer] = m.layers.as_slice() else { continue };
            #[cfg(feature = "notation")]
            {
                let envelope = fetch_evidence(backend, source, ev, layer, "signature envelope size", limits::MAX_ENVELOPE_BYTES)?;
                ev.push(EvidenceItem::Notary { media_type: layer.media_type.clone(), envelope }, origin)?;
            }
            #[cfg(not(feature = "notation"))]
            let _ = (layer, origin);
        }
    }
    Ok(())
}
