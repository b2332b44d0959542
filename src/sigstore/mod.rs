//! Sigstore: trusted roots, bundles and their offline verification.

pub mod bundle;
pub mod dsse;
pub mod identity;
pub mod intoto;
pub(crate) mod json;
pub mod rekor;
pub mod trusted_root;
pub mod tsa;
mod verify;

pub use bundle::Bundle;
pub use identity::{CertificateIdentity, FulcioField, Matcher};
pub use trusted_root::TrustedRoot;
pub use verify::{Artifact, Verifier};
