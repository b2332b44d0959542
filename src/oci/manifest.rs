//! Image manifests and indexes (OCI image-spec `manifest.md`, `image-index.md`; Docker
//! `application/vnd.docker.distribution.manifest.v2+json` and `.list.v2+json`) and their
//! descriptors, with the fields signature discovery needs: layers, annotations, `subject`,
//! `artifactType`. Schema 1 manifests are refused.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use super::OciDigest;
use crate::error::{Error, Result};

/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker v2 schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker v2 manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Annotation naming a manifest in an OCI layout's `index.json` (a tag).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// Content digest.
    pub digest: OciDigest,
    /// Content size in bytes.
    pub size: u64,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// Artifact type, if any.
    pub artifact_type: Option<String>,
}

/// A manifest or an index, whichever the bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The media type (declared, or inferred from the shape for OCI documents without one).
    pub media_type: String,
    /// `artifactType`, if any.
    pub artifact_type: Option<String>,
    /// `config` (image manifests).
    pub config: Option<Descriptor>,
    /// `layers` (image manifests).
    pub layers: Vec<Descriptor>,
    /// `manifests` (indexes).
    pub manifests: Vec<Descriptor>,
    /// `subject`, if any (referrers).
    pub subject: Option<Descriptor>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorJson {
    media_type: String,
    digest: String,
    size: i64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    artifact_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestJson {
    schema_version: u32,
    media_type: Option<String>,
    artifact_type: Option<String>,
    config: Option<DescriptorJson>,
    layers: Option<Vec<DescriptorJson>>,
    manifests: Option<Vec<DescriptorJson>>,
    subject: Option<DescriptorJson>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

fn descriptor(d: DescriptorJson) -> Result<Descriptor> {
    Ok(Descriptor {
        media_type: d.media_type,
        digest: OciDigest::parse(&d.digest)?,
        size: u64::try_from(d.size).map_err(|_| Error::Json { what: "descriptor", detail: "negative size".into() })?,
        annotations: d.annotations,
        artifact_type: d.artifact_type,
    })
}

impl Manifest {
    /// Parses a manifest or index.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let m: ManifestJson = serde_json::from_slice(bytes).map_err(|e| Error::Json { what: "manifest", detail: alloc::format!("{e}") })?;
        if m.schema_version != 2 {
            return Err(Error::Json { what: "manifest", detail: "only schemaVersion 2 manifests are accepted".into() });
        }
        let is_index = m.manifests.is_some();
        if is_index && (m.layers.is_some() || m.config.is_some()) {
            return Err(Error::Json { what: "manifest", detail: "both an index and an image manifest".into() });
        }
        let media_type = match m.media_type {
            Some(t) => t,
            None if is_index => OCI_INDEX.into(),
            None => OCI_MANIFEST.into(),
        };
        let (expect_index, known) = match media_type.as_str() {
            OCI_INDEX | DOCKER_LIST => (true, true),
            OCI_MANIFEST | DOCKER_MANIFEST => (false, true),
            _ => (false, false),
        };
        if !known || expect_index != is_index {
            return Err(Error::Json { what: "manifest", detail: alloc::format!("unsupported or inconsistent media type {media_type:?}") });
        }
        let list = |v: Option<Vec<DescriptorJson>>| v.unwrap_or_default().into_iter().map(descriptor).collect::<Result<Vec<_>>>();
        Ok(Self {
            media_type,
            artifact_type: m.artifact_type,
            config: m.config.map(descriptor).transpose()?,
            layers: list(m.layers)?,
            manifests: list(m.manifests)?,
            subject: m.subject.map(descriptor).transpose()?,
            annotations: m.annotations,
        })
    }

    /// The artifact type (image-spec `manifest.md`): `artifactType`, or for an image manifest
    /// without one, the config's media type.
    #[must_use]
    pub fn effective_artifact_type(&self) -> Option<&str> {
        self.artifact_type.as_deref().or(self.config.as_ref().map(|c| c.media_type.as_str()))
    }

    /// True for indexes and manifest lists.
    #[must_use]
    pub fn is_index(&self) -> bool {
        matches!(self.media_type.as_str(), OCI_INDEX | DOCKER_LIST)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let d = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
        let m = alloc::format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"x","digest":"{d}","size":1}},"layers":[]}}"#
        );
        assert!(!Manifest::from_json(m.as_bytes()).unwrap().is_index());
        let i = alloc::format!(r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"{d}","size":1}}]}}"#);
        assert!(Manifest::from_json(i.as_bytes()).unwrap().is_index());
        assert!(Manifest::from_json(br#"{"schemaVersion":1}"#).is_err());
        let wrong = alloc::format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","layers":[]}}"#);
        assert!(Manifest::from_json(wrong.as_bytes()).is_err());
    }
}
