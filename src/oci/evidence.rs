//! The evidence a source gathered for one image, as found and not yet verified: the reference
//! asked about, the manifest decided on (and the index it was reached through, if any), and an
//! open list of evidence items, each with where it was found.
//!
//! Every source (OCI layouts, `dir:` layouts, evidence a caller passes in, registries) fills the
//! same type, through the same bounds: at most [`MAX_IMAGE_SIGNATURES`] items of each kind and
//! [`MAX_EVIDENCE_BYTES`](crate::limits::MAX_EVIDENCE_BYTES) read in all (manifests, layers,
//! stored signatures, bundles), reserved before the bytes are read ([`ImageEvidence::reserve`]).

use alloc::string::String;
use alloc::vec::Vec;

use super::Reference;
use crate::cosign::StoredSignature;
use crate::crypto::{Digest, content_digests};
use crate::encoding::Transcript;
use crate::error::{Error, Result};
use crate::limits::{EvidenceBudget, MAX_IMAGE_SIGNATURES};

/// One piece of evidence, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceItem {
    /// A cosign simple-signing signature (a legacy `.sig` layer, or a containers storage blob),
    /// or another attachment stored the same way.
    SimpleSigning(StoredSignature),
    /// A cosign legacy attestation (a DSSE layer of the `.att` manifest).
    Attestation(StoredSignature),
    /// A Sigstore bundle (JSON): a cosign v3 signature or attestation attached as a referrer.
    Bundle(Vec<u8>),
    /// A Notary Project signature envelope (the one layer of a signature manifest) with the
    /// layer's media type (`application/jose+json`, `application/cose`, or what else it says).
    #[cfg(feature = "notation")]
    Notary {
        /// The layer's media type.
        media_type: String,
        /// The envelope bytes.
        envelope: Vec<u8>,
    },
}

impl EvidenceItem {
    fn kind(&self) -> usize {
        match self {
            Self::SimpleSigning(_) => 0,
            Self::Attestation(_) => 1,
            Self::Bundle(_) => 2,
            #[cfg(feature = "notation")]
            Self::Notary { .. } => 3,
        }
    }

    const KIND_NAMES: [&'static str; 4] = ["image signatures", "image attestations", "image bundles", "Notary signatures"];

    /// Its size in bytes (the payload, or the bundle JSON).
    #[must_use]
    pub fn size(&self) -> usize {
        match self {
            Self::SimpleSigning(s) | Self::Attestation(s) => s.payload.len() + s.annotations.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>(),
            Self::Bundle(j) => j.len(),
            #[cfg(feature = "notation")]
            Self::Notary { media_type, envelope } => media_type.len() + envelope.len(),
        }
    }

    /// SHA-256 over the item's kind and bytes (media type, payload and annotations, or the
    /// bundle JSON): equal keys are identical evidence.
    fn key(&self) -> [u8; 32] {
        let mut t = Transcript::default();
        match self {
            Self::SimpleSigning(s) | Self::Attestation(s) => {
                t.number(self.kind() as i64).field(s.media_type.as_bytes()).field(&s.payload);
                for (k, v) in &s.annotations {
                    t.field(k.as_bytes()).field(v.as_bytes());
                }
            }
            Self::Bundle(j) => {
                t.number(self.kind() as i64).field(j);
            }
            #[cfg(feature = "notation")]
            Self::Notary { media_type, envelope } => {
                t.number(self.kind() as i64).field(media_type.as_bytes()).field(envelope);
            }
        }
        t.sha256()
    }
}

/// An evidence item and where it was found (`tag sha256-….sig layer 0`, `referrer sha256:…`,
/// `signature-1`, …). The location is for the record only: what binds evidence to the image
/// is inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The evidence.
    pub item: EvidenceItem,
    /// Where the source found it.
    pub origin: String,
    key: [u8; 32],
}

impl Found {
    /// SHA-256 naming the evidence (computed once, when it was found): equal keys are identical
    /// evidence.
    #[must_use]
    pub const fn key(&self) -> &[u8; 32] {
        &self.key
    }
}

/// Bytes with their digests in every algorithm sealcheck knows (computed once, when found).
#[derive(Debug, Clone)]
struct Addressed {
    bytes: Vec<u8>,
    digests: [Digest; 3],
    /// Its `schemaVersion`, when it is a JSON object with a numeric one.
    schema_version: Option<u64>,
}

impl Addressed {
    fn new(bytes: Vec<u8>) -> Self {
        #[derive(serde::Deserialize)]
        struct Schema {
            #[serde(rename = "schemaVersion")]
            schema_version: Option<serde_json::Value>,
        }
        let digests = content_digests(&bytes);
        let schema_version = serde_json::from_slice::<Schema>(&bytes).ok().and_then(|s| s.schema_version?.as_u64());
        Self { bytes, digests, schema_version }
    }
}

/// Everything gathered for one image.
#[derive(Debug, Clone)]
pub struct ImageEvidence {
    reference: Reference,
    manifest: Option<Addressed>,
    index: Option<Addressed>,
    items: Vec<Found>,
    counts: [usize; 4],
    budget: EvidenceBudget,
}

impl ImageEvidence {
    /// Evidence about `reference` (the docker identity the policy is asked about), with no
    /// manifest yet (a decision without one is a rejection).
    #[must_use]
    pub fn new(reference: Reference) -> Self {
        Self { reference, manifest: None, index: None, items: Vec::new(), counts: [0; 4], budget: EvidenceBudget::new() }
    }

    /// Sets the manifest decided on.
    #[must_use]
    pub fn with_manifest(mut self, manifest: Vec<u8>) -> Self {
        self.manifest = Some(Addressed::new(manifest));
        self
    }

    /// Sets the image index the manifest was reached through (a multi-platform image).
    pub fn set_index(&mut self, index: Vec<u8>) {
        self.index = Some(Addressed::new(index));
    }

    /// Charges `size` bytes of evidence about to be read to the budget, or fails if they do not
    /// fit: call it before reading them.
    pub fn reserve(&mut self, size: u64) -> Result<()> {
        self.budget.reserve(size)
    }

    /// Adds an item found at `origin` (its bytes were reserved when read), within the count.
    pub fn push(&mut self, item: EvidenceItem, origin: impl Into<String>) -> Result<()> {
        let k = item.kind();
        if self.counts[k] >= MAX_IMAGE_SIGNATURES {
            return Err(Error::LimitExceeded { what: EvidenceItem::KIND_NAMES[k], max: MAX_IMAGE_SIGNATURES, got: self.counts[k] + 1 });
        }
        self.counts[k] += 1;
        let key = item.key();
        self.items.push(Found { item, origin: origin.into(), key });
        Ok(())
    }

    /// The reference asked about.
    #[must_use]
    pub const fn reference(&self) -> &Reference {
        &self.reference
    }

    /// The manifest bytes, if any.
    #[must_use]
    pub fn manifest(&self) -> Option<&[u8]> {
        self.manifest.as_ref().map(|m| m.bytes.as_slice())
    }

    /// The manifest's SHA-256, SHA-384 and SHA-512, if there is a manifest.
    #[must_use]
    pub fn manifest_digests(&self) -> Option<&[Digest; 3]> {
        self.manifest.as_ref().map(|m| &m.digests)
    }

    /// The manifest's `schemaVersion`, if there is a manifest, it is JSON and has a numeric one.
    #[must_use]
    pub fn manifest_schema_version(&self) -> Option<u64> {
        self.manifest.as_ref().and_then(|m| m.schema_version)
    }

    /// The index bytes the manifest was reached through, if any.
    #[must_use]
    pub fn index(&self) -> Option<&[u8]> {
        self.index.as_ref().map(|m| m.bytes.as_slice())
    }

    /// The index's SHA-256, SHA-384 and SHA-512, if there is an index.
    #[must_use]
    pub fn index_digests(&self) -> Option<&[Digest; 3]> {
        self.index.as_ref().map(|m| &m.digests)
    }

    /// The items, in the order they were found.
    #[must_use]
    pub fn items(&self) -> &[Found] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_on_insertion() {
        let mut e = ImageEvidence::new(Reference::parse("a/b:c").unwrap());
        for _ in 0..MAX_IMAGE_SIGNATURES {
            e.push(EvidenceItem::Bundle(alloc::vec![0; 4]), "x").unwrap();
        }
        assert!(matches!(e.push(EvidenceItem::Bundle(Vec::new()), "x"), Err(Error::LimitExceeded { what: "image bundles", .. })));
        let sig = StoredSignature { media_type: String::new(), payload: alloc::vec![0; 8], annotations: Default::default() };
        e.push(EvidenceItem::SimpleSigning(sig), "y").unwrap();
    }
}
