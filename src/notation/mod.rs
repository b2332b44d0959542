//! Notary Project signatures (notaryproject/specifications v1.1: `signature-specification.md`,
//! `signature-envelope-jws.md`, `signature-envelope-cose.md`, `trust-store-trust-policy.md`,
//! `signing-scheme.md`).
//!
//! Bytes → parsed evidence: an envelope ([`jws`], [`cose`]) parses into one [`Envelope`]
//! model whose signed attributes are checked against the specification before anything is
//! verified. Parsed evidence → verified facts: [`verify`] checks integrity (the primitive
//! signature over the exact signed bytes, by the leaf's key, with the algorithm the key fixes),
//! the certificate rules of [`chain`], authenticity against a [`truststore`], the trusted
//! identities, expiry, the authentic timestamp ([`timestamp`]) and revocation ([`crl`]), each
//! with the action a [`trustpolicy`] statement gives it.

pub mod cbor;
pub mod chain;
pub mod cose;
pub mod crl;
pub mod dn;
pub mod envelope;
pub mod jws;
pub mod timestamp;
pub mod trustpolicy;
pub mod truststore;
pub mod verify;

pub use envelope::Envelope;
