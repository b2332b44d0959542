//! Reading image evidence from local layouts (`std` only): the OCI image layout (image-spec
//! `image-layout.md`: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`) as an [`ArtifactSource`],
//! and the containers `dir:` layout (`manifest.json`, `signature-1`, `signature-2`, … in the
//! sigstore-json storage form; containers/image `directory/directory_transport.go`).
//!
//! OCI layouts come in three shapes that sealcheck reads: tagged (`org.opencontainers.image.ref.name`
//! annotations, as `skopeo copy` and `oras cp --to-oci-layout` write, referrers listed in
//! `index.json`), cosign's tag schema (`sha256-<hex>.sig`, `.att`, `sha256-<hex>`), and
//! `cosign save --dir` (entries marked with a `kind` annotation: `dev.cosignproject.cosign/image`,
//! `/sigs`, `/atts`, and no tags). Every file is read through [`crate::fs`]: regular files only,
//! inside the layout, size-checked before reading.

use std::path::{Path, PathBuf};
use std::string::String;
use std::sync::OnceLock;
use std::vec::Vec;

use super::evidence::{EvidenceItem, ImageEvidence};
use super::manifest::{DOCKER_LIST, Descriptor, Manifest, OCI_INDEX, REF_NAME};
use super::source::{ArtifactSource, Located, Selector};
use super::{OciDigest, Reference};
use crate::cosign::StoredSignature;
use crate::error::{Error, Result};
use crate::fs::Confined;
use crate::limits::{self, MAX_EVIDENCE_BYTES, MAX_INDEX_ENTRIES, MAX_MANIFEST_BYTES, MAX_REFERRER_MANIFEST_BYTES, MAX_SIGNATURE_BYTES};

/// The `kind` annotation `cosign save` writes on `index.json` entries.
pub const COSIGN_KIND: &str = "kind";
/// `kind` of the saved image.
pub const COSIGN_KIND_IMAGE: &str = "dev.cosignproject.cosign/image";
/// `kind` of the saved signatures manifest (the `.sig` manifest).
pub const COSIGN_KIND_SIGS: &str = "dev.cosignproject.cosign/sigs";
/// `kind` of the saved attestations manifest (the `.att` manifest).
pub const COSIGN_KIND_ATTS: &str = "dev.cosignproject.cosign/atts";

/// Reads a `dir:` layout: the manifest (absent → none, which a decision rejects) and every
/// `signature-N` from 1 until the first missing one, each reserved against the evidence budget
/// before it is read. A signature file that does not parse is an error for the whole image (as
/// containers/image fails reading it).
pub fn read_dir_layout(dir: &Path, reference: Reference) -> Result<ImageEvidence> {
    let d = Confined::open(dir, "dir: layout")?;
    let mut ev = ImageEvidence::new(reference);
    if let Some(m) = d.read(Path::new("manifest.json"), MAX_MANIFEST_BYTES, "dir: manifest", "manifest size")? {
        ev = ev.with_manifest(m);
    }
    for n in 1.. {
        let name = alloc::format!("signature-{n}");
        let Some(size) = d.size(Path::new(&name), "dir: signature")? else { break };
        limits::check("signature size", usize::try_from(size).unwrap_or(usize::MAX), MAX_SIGNATURE_BYTES)?;
        ev.reserve(size)?;
        let blob = d.read(Path::new(&name), MAX_SIGNATURE_BYTES, "dir: signature", "signature size")?.ok_or_else(|| {
            Error::Io { what: alloc::format!("dir: signature {}", d.root().join(&name).display()), detail: "disappeared while read".into() }
        })?;
        ev.push(EvidenceItem::SimpleSigning(StoredSignature::from_storage_blob(&blob)?), name)?;
    }
    Ok(ev)
}

/// An OCI image layout directory.
#[derive(Debug)]
pub struct OciLayout {
    dir: Confined,
    index: Manifest,
    /// `(subject, descriptor)` of every `index.json` entry that is a small manifest with a
    /// `subject`, found on the first referrers lookup.
    referrers: OnceLock<Result<Vec<(OciDigest, Descriptor)>>>,
}

fn is_index_type(media_type: &str) -> bool {
    matches!(media_type, OCI_INDEX | DOCKER_LIST)
}

impl OciLayout {
    /// Opens a layout: `oci-layout` must declare version 1.0.0 and `index.json` be an index.
    pub fn open(dir: &Path) -> Result<Self> {
        let dir = Confined::open(dir, "OCI layout")?;
        let marker = dir
            .read(Path::new("oci-layout"), MAX_REFERRER_MANIFEST_BYTES, "OCI layout marker", "oci-layout size")?
            .ok_or_else(|| Error::NotFound(alloc::format!("oci-layout file in {}", dir.root().display())))?;
        let v: serde_json::Value =
            serde_json::from_slice(&marker).map_err(|e| Error::Json { what: "oci-layout", detail: alloc::format!("{e}") })?;
        if v.get("imageLayoutVersion").and_then(serde_json::Value::as_str) != Some("1.0.0") {
            return Err(Error::Json { what: "oci-layout", detail: "imageLayoutVersion must be 1.0.0".into() });
        }
        let index_bytes = dir
            .read(Path::new("index.json"), MAX_MANIFEST_BYTES, "OCI layout index", "index.json size")?
            .ok_or_else(|| Error::NotFound(alloc::format!("index.json in {}", dir.root().display())))?;
        let index = Manifest::from_json(&index_bytes)?;
        if !index.is_index() {
            return Err(Error::Json { what: "index.json", detail: "not an image index".into() });
        }
        limits::check("index.json manifests", index.manifests.len(), MAX_INDEX_ENTRIES)?;
        Ok(Self { dir, index, referrers: OnceLock::new() })
    }

    fn blob_path(d: &OciDigest) -> PathBuf {
        let s = d.to_string_form();
        let hex = s.split_once(':').map_or("", |(_, h)| h);
        Path::new("blobs").join(d.algorithm_name()).join(hex)
    }

    fn kind(d: &Descriptor) -> Option<&str> {
        d.annotations.get(COSIGN_KIND).map(String::as_str)
    }

    /// Reads and parses a manifest `index.json` lists, to find where things are. Nothing read
    /// here is used unverified: what it points at is fetched again, digest-checked, by
    /// [`super::source::collect`].
    fn listed_manifest(&self, d: &Descriptor, max: usize) -> Result<Manifest> {
        let bytes = self.fetch(&d.digest, Some(d.size), max)?.ok_or(Error::MissingEvidence("a manifest index.json lists"))?;
        Manifest::from_json(&bytes)
    }

    fn scan_referrers(&self) -> Result<Vec<(OciDigest, Descriptor)>> {
        let mut out = Vec::new();
        let mut scanned = 0u64;
        for d in &self.index.manifests {
            // Referrer manifests are small: larger entries (images) are not candidates.
            if d.size > MAX_REFERRER_MANIFEST_BYTES as u64 || is_index_type(&d.media_type) {
                continue;
            }
            scanned += d.size;
            if scanned > MAX_EVIDENCE_BYTES as u64 {
                return Err(Error::LimitExceeded { what: "manifest bytes scanned for referrers", max: MAX_EVIDENCE_BYTES, got: scanned as usize });
            }
            let m = self.listed_manifest(d, MAX_REFERRER_MANIFEST_BYTES)?;
            if let Some(s) = m.subject {
                out.push((s.digest, d.clone()));
            }
        }
        Ok(out)
    }
}

impl ArtifactSource for OciLayout {
    fn resolve_tag(&self, tag: &str) -> Result<Option<Descriptor>> {
        let mut found = self.index.manifests.iter().filter(|m| m.annotations.get(REF_NAME).is_some_and(|t| t == tag));
        match (found.next(), found.next()) {
            (Some(d), None) => Ok(Some(d.clone())),
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(Error::Json { what: "index.json", detail: alloc::format!("tag {tag:?} names several manifests") }),
        }
    }

    fn fetch(&self, digest: &OciDigest, size: Option<u64>, max: usize) -> Result<Option<Vec<u8>>> {
        let p = Self::blob_path(digest);
        let Some(actual) = self.dir.size(&p, "OCI layout blob")? else { return Ok(None) };
        limits::check("blob size", usize::try_from(actual).unwrap_or(usize::MAX), max)?;
        if size.is_some_and(|declared| declared != actual) {
            return Err(Error::ArtifactMismatch("a blob's size is not the size its descriptor declares"));
        }
        self.dir.read(&p, max, "OCI layout blob", "blob size")
    }

    fn referrers(&self, digest: &OciDigest) -> Result<Vec<Descriptor>> {
        match self.referrers.get_or_init(|| self.scan_referrers()) {
            Ok(all) => Ok(all.iter().filter(|(s, _)| s == digest).map(|(_, d)| d.clone()).collect()),
            Err(e) => Err(e.clone()),
        }
    }

    fn default_manifest(&self) -> Result<Option<Descriptor>> {
        let saved: Vec<&Descriptor> = self.index.manifests.iter().filter(|m| Self::kind(m) == Some(COSIGN_KIND_IMAGE)).collect();
        let images: Vec<&Descriptor> = if saved.is_empty() {
            self.index
                .manifests
                .iter()
                .filter(|m| {
                    m.artifact_type.is_none()
                        && Self::kind(m).is_none()
                        && !m.annotations.get(REF_NAME).is_some_and(|t| t.starts_with("sha256-") || t.starts_with("sha512-"))
                })
                .collect()
        } else {
            saved
        };
        Ok(match images.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        })
    }

    fn locate(&self, digest: &OciDigest) -> Result<Option<Located>> {
        if let Some(d) = self.index.manifests.iter().find(|m| m.digest == *digest) {
            return Ok(Some(Located { size: Some(d.size), index: None }));
        }
        for idx in self.index.manifests.iter().filter(|m| is_index_type(&m.media_type)) {
            let m = self.listed_manifest(idx, MAX_MANIFEST_BYTES)?;
            if let Some(d) = m.manifests.iter().find(|m| m.digest == *digest) {
                return Ok(Some(Located { size: Some(d.size), index: Some(idx.clone()) }));
            }
        }
        Ok(self.dir.size(&Self::blob_path(digest), "OCI layout blob")?.map(|_| Located { size: None, index: None }))
    }

    fn attachments(&self, digest: &OciDigest, suffix: &str) -> Result<Vec<(Descriptor, String)>> {
        let tag = digest.tag_form(suffix);
        let mut out: Vec<(Descriptor, String)> = self.resolve_tag(&tag)?.map(|d| (d, alloc::format!("tag {tag}"))).into_iter().collect();
        // cosign save: the signatures and attestations of the saved image, marked by kind.
        let kind = match suffix {
            ".sig" => COSIGN_KIND_SIGS,
            ".att" => COSIGN_KIND_ATTS,
            _ => return Ok(out),
        };
        if self.index.manifests.iter().any(|m| m.digest == *digest && Self::kind(m) == Some(COSIGN_KIND_IMAGE)) {
            for m in self.index.manifests.iter().filter(|m| Self::kind(m) == Some(kind)) {
                if !out.iter().any(|(d, _)| d.digest == m.digest) {
                    out.push((m.clone(), alloc::format!("cosign save {kind}")));
                }
            }
        }
        Ok(out)
    }
}

/// Parses `DIR[:TAG|@DIGEST]` (the part after `oci:`): a suffix after the last `:` that has
/// no `/` is a tag. An empty directory is refused (it would mean the current directory).
pub fn parse_oci_source(spec: &str) -> Result<(PathBuf, Selector)> {
    let (dir, selector) = if let Some((dir, d)) = spec.rsplit_once('@') {
        (dir, Selector::Digest(OciDigest::parse(d)?))
    } else {
        match spec.rsplit_once(':') {
            Some((dir, tag)) if !tag.contains('/') => (dir, Selector::Tag(String::from(tag))),
            _ => (spec, Selector::Default),
        }
    };
    if dir.is_empty() {
        return Err(Error::Usage(alloc::format!("oci:{spec}: empty layout directory")));
    }
    if matches!(&selector, Selector::Tag(t) if t.is_empty()) {
        return Err(Error::Usage(alloc::format!("oci:{spec}: empty tag")));
    }
    Ok((PathBuf::from(dir), selector))
}
