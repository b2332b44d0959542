//! Reading image evidence from local layouts (`std` only): the OCI image layout (image-spec
//! `image-layout.md`: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`) as an [`ArtifactSource`],
//! and the containers `dir:` layout (`manifest.json`, `signature-1`, `signature-2`, … in the
//! sigstore-json storage form; containers/image `directory/directory_transport.go`).

use std::path::{Path, PathBuf};
use std::string::String;
use std::vec::Vec;

use super::OciDigest;
use super::manifest::{Descriptor, Manifest, REF_NAME};
use super::source::ArtifactSource;

use crate::cosign::StoredSignature;
use crate::error::{Error, Result};
use crate::limits::MAX_IMAGE_SIGNATURES;
use crate::oci::Reference;
use crate::policy::ImageEvidence;

/// Largest manifest or signature file read, as containers/image caps signature bodies (4 MiB).
pub const MAX_BLOB_BYTES: u64 = 4 * 1024 * 1024;

fn read_capped(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Encoding { what: alloc::format!("{}: {e}", path.display()), encoding: "file" }),
        Ok(m) if m.len() > MAX_BLOB_BYTES => {
            return Err(Error::LimitExceeded {
                what: "layout file size",
                max: MAX_BLOB_BYTES as usize,
                got: usize::try_from(m.len()).unwrap_or(usize::MAX),
            });
        }
        Ok(_) => {}
    }
    std::fs::read(path).map(Some).map_err(|e| Error::Encoding { what: alloc::format!("{}: {e}", path.display()), encoding: "file" })
}

/// Reads a `dir:` layout: the manifest (absent → `None`, which evaluation rejects) and every
/// `signature-N` from 1 until the first missing one. A signature file that does not parse is
/// an error for the whole image (as containers/image fails reading it).
pub fn read_dir_layout(dir: &Path, reference: Reference) -> Result<ImageEvidence> {
    let manifest = read_capped(&dir.join("manifest.json"))?;
    let mut signatures = Vec::new();
    for n in 1.. {
        let Some(blob) = read_capped(&dir.join(alloc::format!("signature-{n}")))? else { break };
        if signatures.len() >= MAX_IMAGE_SIGNATURES {
            return Err(Error::LimitExceeded { what: "image signatures", max: MAX_IMAGE_SIGNATURES, got: n });
        }
        signatures.push(StoredSignature::from_storage_blob(&blob)?);
    }
    Ok(ImageEvidence { reference, manifest, signatures, attestations: Vec::new(), bundles: Vec::new() })
}

/// An OCI image layout directory.
#[derive(Debug, Clone)]
pub struct OciLayout {
    dir: PathBuf,
    index: Manifest,
}

impl OciLayout {
    /// Opens a layout: `oci-layout` must declare version 1.0.0 and `index.json` be an index.
    pub fn open(dir: &Path) -> Result<Self> {
        let marker = read_capped(&dir.join("oci-layout"))?.ok_or(Error::MissingEvidence("oci-layout file"))?;
        let v: serde_json::Value =
            serde_json::from_slice(&marker).map_err(|e| Error::Json { what: "oci-layout", detail: alloc::format!("{e}") })?;
        if v.get("imageLayoutVersion").and_then(serde_json::Value::as_str) != Some("1.0.0") {
            return Err(Error::Json { what: "oci-layout", detail: "imageLayoutVersion must be 1.0.0".into() });
        }
        let index = Manifest::from_json(&read_capped(&dir.join("index.json"))?.ok_or(Error::MissingEvidence("index.json"))?)?;
        if !index.is_index() {
            return Err(Error::Json { what: "index.json", detail: "not an image index".into() });
        }
        crate::limits::check("index.json manifests", index.manifests.len(), crate::limits::MAX_INDEX_ENTRIES)?;
        Ok(Self { dir: dir.to_path_buf(), index })
    }

    fn blob_path(&self, d: &OciDigest) -> PathBuf {
        let s = d.to_string_form();
        let hex = s.split_once(':').map_or("", |(_, h)| h);
        self.dir.join("blobs").join(d.algorithm_name()).join(hex)
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

    fn fetch(&self, digest: &OciDigest, max: usize) -> Result<Option<Vec<u8>>> {
        let p = self.blob_path(digest);
        match std::fs::metadata(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Encoding { what: alloc::format!("{}: {e}", p.display()), encoding: "file" }),
            Ok(m) if m.len() > max as u64 => {
                Err(Error::LimitExceeded { what: "blob size", max, got: usize::try_from(m.len()).unwrap_or(usize::MAX) })
            }
            Ok(_) => {
                std::fs::read(&p).map(Some).map_err(|e| Error::Encoding { what: alloc::format!("{}: {e}", p.display()), encoding: "file" })
            }
        }
    }

    fn referrers(&self, digest: &OciDigest) -> Result<Vec<Descriptor>> {
        let mut out = Vec::new();
        for d in &self.index.manifests {
            // Referrer manifests are small; larger or unreadable entries are not referrers.
            if d.size > crate::limits::MAX_REFERRER_MANIFEST_BYTES as u64 {
                continue;
            }
            let Ok(Some(bytes)) = self.fetch(&d.digest, crate::limits::MAX_REFERRER_MANIFEST_BYTES) else { continue };
            let Ok(m) = Manifest::from_json(&bytes) else { continue };
            if m.subject.as_ref().is_some_and(|s| s.digest == *digest) {
                let mut r = d.clone();
                r.artifact_type = m.artifact_type.or(r.artifact_type);
                out.push(r);
            }
        }
        Ok(out)
    }

    fn default_manifest(&self) -> Result<Option<Descriptor>> {
        let images: Vec<&Descriptor> = self
            .index
            .manifests
            .iter()
            .filter(|m| {
                m.artifact_type.is_none()
                    && !m.annotations.get(REF_NAME).is_some_and(|t| t.starts_with("sha256-") || t.starts_with("sha512-"))
            })
            .collect();
        Ok(match images.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        })
    }
}

/// Parses `DIR[:TAG|@DIGEST]` (the part after `oci:`): a suffix after the last `:` that has
/// no `/` is a tag.
pub fn parse_oci_source(spec: &str) -> Result<(PathBuf, super::source::Selector)> {
    use super::source::Selector;
    if let Some((dir, d)) = spec.rsplit_once('@') {
        return Ok((PathBuf::from(dir), Selector::Digest(OciDigest::parse(d)?)));
    }
    match spec.rsplit_once(':') {
        Some((dir, tag)) if !tag.contains('/') && !dir.is_empty() => Ok((PathBuf::from(dir), Selector::Tag(String::from(tag)))),
        _ => Ok((PathBuf::from(spec), Selector::Default)),
    }
}
