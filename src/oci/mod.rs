//! OCI image model (image-spec v1.1, distribution-spec v1.1): content digests, image references,
//! manifests and indexes, and the sources images are read from.

pub mod digest;
pub mod evidence;
pub mod manifest;
pub mod reference;
pub mod source;

pub use digest::OciDigest;
pub use evidence::{EvidenceItem, Found, ImageEvidence};
pub use reference::Reference;
#[cfg(feature = "std")]
pub mod layout;
