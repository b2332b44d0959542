//! A generated image for decision tests: an OCI manifest in a repository and the evidence items
//! gathered for it, as `ImageEvidence` asked about by tag or digest.

use sealcheck::crypto::HashAlgorithm;
use sealcheck::oci::{EvidenceItem, OciDigest};
use sealcheck::{ImageEvidence, Reference};
use serde_json::json;

/// The repository of [`Image::app`].
pub const REPO: &str = "registry.sigstore.test/ns/app";
/// The OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// SHA-256 of `bytes` as an OCI digest.
pub fn digest_of(bytes: &[u8]) -> OciDigest {
    OciDigest::of(super::backend(), HashAlgorithm::Sha256, bytes)
}

/// An image (a manifest) in a repository, with the evidence gathered for it.
pub struct Image {
    pub repo: String,
    pub digest: OciDigest,
    pub manifest: Vec<u8>,
    pub items: Vec<EvidenceItem>,
}

impl Image {
    /// An image of one layer holding `content`, in `repo`.
    pub fn new(repo: &str, content: &str) -> Self {
        let config = b"{}";
        let layer = content.as_bytes();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest_of(config).to_string(), "size": config.len() },
            "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest_of(layer).to_string(), "size": layer.len() }],
        }))
        .unwrap();
        Self { repo: repo.into(), digest: digest_of(&manifest), manifest, items: Vec::new() }
    }

    /// An image in [`REPO`].
    pub fn app(content: &str) -> Self {
        Self::new(REPO, content)
    }

    /// The same image with one more evidence item.
    pub fn with(mut self, item: EvidenceItem) -> Self {
        self.items.push(item);
        self
    }

    /// The evidence, asked about as `repo:v1`.
    pub fn evidence(&self) -> ImageEvidence {
        self.evidence_as(&format!("{}:v1", self.repo))
    }

    /// The evidence, asked about as `repo@digest`.
    pub fn evidence_by_digest(&self) -> ImageEvidence {
        self.evidence_as(&format!("{}@{}", self.repo, self.digest))
    }

    /// The evidence, asked about as `reference`.
    pub fn evidence_as(&self, reference: &str) -> ImageEvidence {
        let mut ev = ImageEvidence::new(Reference::parse(reference).unwrap()).with_manifest(self.manifest.clone());
        for (i, item) in self.items.iter().enumerate() {
            ev.push(item.clone(), format!("generated evidence {i}")).unwrap();
        }
        ev
    }
}
