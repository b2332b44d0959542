#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
extern crate alloc;
// Unit tests use the generated PKI, logs and TSA of `tests/support`, which name the crate.
#[cfg(test)]
extern crate self as sealcheck;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod asn1;
#[cfg(not(feature = "test-support"))]
pub(crate) mod asn1;
pub mod cosign;
pub mod crypto;
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod encoding;
#[cfg(not(feature = "test-support"))]
pub(crate) mod encoding;
mod error;
pub mod facts;
#[cfg(feature = "std")]
pub mod fs;
pub mod limits;
pub mod oci;
pub mod policy;
pub mod time;
pub mod trust;
pub mod verifier;

pub use crypto::CryptoProvider;
pub use error::{Error, ErrorClass, Input, Result};
pub use facts::{CheckedLogEntry, SignatureFormat, TimeSource, VerifiedSignature, VerifiedSigner, VerifiedTime};
pub use oci::{ImageEvidence, Reference};
pub use policy::{CompiledPolicy, Decision};
pub use sigstore::identity::{CertificateIdentity, FulcioField, Matcher};
pub use sigstore::{Artifact, Bundle, TrustedRoot};
pub use trust::{Signers, Thresholds, Trust, TrustedKey};
pub use verifier::{BundleVerifier, ImageVerifier, RootChoice};
pub use time::UnixTime;
pub mod x509;
pub mod sigstore;

#[cfg(test)]
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../tests/support/mod.rs"]
pub(crate) mod test_support;
