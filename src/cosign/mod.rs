//! Cosign image signatures as stored: simple-signing payloads, the legacy `.sig`/`.att` layers
//! and the containers storage form, and their re-expression as Sigstore bundles.

pub mod bundle;
pub mod payload;
pub mod signature;

pub use bundle::DSSE_MEDIA_TYPE;
pub use payload::SimpleSigningPayload;
pub use signature::{RekorBundle, StoredSignature};
