//! sealcheck decides whether a container image may run: it verifies the image's signatures and
//! checks them against one compiled trust policy, at a verification time the caller gives.
//!
//! Data flows one way: bytes → parsed evidence ([`Bundle`], [`ImageEvidence`]) → verified facts
//! ([`VerifiedSignature`], built only by the verifiers) → a decision ([`Decision`]) that says
//! why. Every failure is an [`Error`] with a [`class`](Error::class) (input problem or rejection)
//! and a stable [`code`](Error::code); nothing fails open.
//!
//! The [`verifier`] module is the API every surface (the CLI, the C ABI, WASM) uses: it parses
//! what callers hand in (digests, keys, matchers, references, trusted roots, policies, evidence)
//! and holds the two verifiers, built once and shared: [`BundleVerifier`] and [`ImageVerifier`].
//! Cryptography comes from a [`CryptoProvider`] chosen once (pure-Rust RustCrypto by default).
//!
//! # Verifying a Sigstore bundle
//!
//! The npm provenance of `sigstore@1.3.0` (`examples/`), for the package's SHA-512, signed by
//! the release workflow, against the embedded Sigstore public-good trusted root:
//!
//! ```
//! use sealcheck::{verifier, Artifact, BundleVerifier, CertificateIdentity, CryptoProvider};
//! use sealcheck::{ErrorClass, Matcher, RootChoice, Signers, TimeSource};
//!
//! let provider = CryptoProvider::default();
//! let root = verifier::trusted_root(RootChoice::PublicGood, &provider)?; // parsed once per process
//! let bundles = BundleVerifier::new(root, provider);
//!
//! let bundle = include_bytes!("../examples/sigstore-1.3.0.provenance.sigstore.json");
//! let package = verifier::artifact_digest(
//!     "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6\
//!      b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751",
//! )?
//! .expect("an alg:hex digest");
//! let signers = Signers::Certificate(CertificateIdentity::new(
//!     Matcher::exact("https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main"),
//!     Matcher::exact("https://token.actions.githubusercontent.com"),
//! ));
//! let now = verifier::verification_time("2026-12-01T00:00:00Z")?; // always an input
//!
//! let verified = bundles.verify(bundle, &Artifact::Digest(package), &signers, now)?;
//! // The facts explain the answer: who signed, what, and which authority vouched for when.
//! assert_eq!(verified.predicate_type(), Some("https://slsa.dev/provenance/v0.2"));
//! assert!(matches!(verified.times[0].source, TimeSource::TransparencyLog { .. }));
//!
//! // Anything else is refused, with a reason.
//! let other = verifier::artifact_digest(&format!("sha512:{}", "0".repeat(128)))?.unwrap();
//! let refused = bundles.verify(bundle, &Artifact::Digest(other), &signers, now).unwrap_err();
//! assert_eq!(refused.class(), ErrorClass::Rejection);
//! # Ok::<(), sealcheck::Error>(())
//! ```
//!
//! # Deciding an image
//!
//! A containers-policy.json compiles once (every file it names read, every key parsed, every
//! regexp compiled; a policy that does not load is an input error). A decision then takes only
//! the evidence gathered for the image and the verification time:
//!
//! ```
//! use sealcheck::{verifier, CryptoProvider, ImageVerifier};
//! use sealcheck::policy::FsFiles;
//!
//! let provider = CryptoProvider::default();
//! let policy = verifier::containers_policy(
//!     br#"{
//!       "default": [{"type": "reject"}],
//!       "transports": {"docker": {
//!         "registry.example/team": [{
//!           "type": "sigstoreSigned",
//!           "sealcheckKeyless": {"trustedRoot": "public-good",
//!                                "subjectRegexp": "https://github.com/team/.*",
//!                                "issuer": "https://token.actions.githubusercontent.com"},
//!           "signedIdentity": {"type": "matchRepository"}}],
//!         "registry.example/tools": [{"type": "insecureAcceptAnything"}]
//!       }}
//!     }"#,
//!     &FsFiles,
//!     &provider,
//! )?;
//! let images = ImageVerifier::new(policy.into(), provider); // Send + Sync, cheap to clone
//! let now = verifier::verification_time("2026-12-01T00:00:00Z")?;
//!
//! // Evidence: the manifest and whatever signatures a source found (here, none). Sources such as
//! // `verifier::image_source("oci:DIR:TAG", ...)` gather it from layouts.
//! let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
//!   "config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,
//!     "digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
//!   "layers":[]}"#;
//! let unsigned = verifier::image_evidence("registry.example/team/app:v1", Some(manifest), &[], &[])?;
//! let decision = images.decide(&unsigned, now);
//! assert!(!decision.allowed);
//! assert_eq!(decision.scope, "registry.example/team"); // the most specific scope applied
//! println!("{}", decision.reason); // the record says which requirement failed, and why
//!
//! let tool = verifier::image_evidence("registry.example/tools/jq", Some(manifest), &[], &[])?;
//! assert!(images.decide(&tool, now).allowed);
//! # Ok::<(), sealcheck::Error>(())
//! ```
//!
//! # Features
//!
//! `std` (default) adds file and layout readers ([`fs`], `verifier::image_source`) and
//! [`UnixTime::now`]. Without it the core is `no_std` + `alloc` (WASM, embedded).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
extern crate alloc;
// Unit tests use the generated PKI, logs and TSA of `tests/support`, which name the crate.
#[cfg(test)]
extern crate self as sealcheck;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod asn1;
#[cfg(feature = "cache")]
pub mod cache;
#[cfg(not(feature = "test-support"))]
pub(crate) mod asn1;
pub mod audit;
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
#[cfg(feature = "notation")]
pub mod notation;
pub mod oci;
pub mod policy;
pub mod time;
pub mod trust;
pub mod verifier;

#[cfg(feature = "cache")]
pub use cache::{CacheLimits, FactCache};
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

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../tests/support/mod.rs"]
pub(crate) mod test_support;
