//! Cosign image signatures: simple-signing payloads and the stored legacy signature form.

pub mod attestation;
pub mod payload;
pub mod signature;
pub mod verify;

pub use payload::SimpleSigningPayload;
pub use signature::{RekorBundle, StoredSignature};
