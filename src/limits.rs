//! Resource limits, in one place (sigstore-go GHSA-cq38-jh5f-37mq; cosign GHSA-95pr-fxf5-86gv).
//!
//! Every parser checks its input against these before doing work proportional to it.

/// Largest bundle JSON accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 4 * 1024 * 1024;
/// Largest trusted root JSON accepted, in bytes.
pub const MAX_TRUSTED_ROOT_BYTES: usize = 4 * 1024 * 1024;
/// Transparency log entries per bundle.
pub const MAX_TLOG_ENTRIES: usize = 32;
/// RFC 3161 timestamps per bundle.
pub const MAX_TIMESTAMPS: usize = 32;
/// Certificates in a chain carried by a bundle or a trusted root authority.
pub const MAX_CHAIN_DEPTH: usize = 8;
/// Hashes in one inclusion proof (a tree of 2^64 leaves needs at most 64).
pub const MAX_PROOF_HASHES: usize = 64;
/// Subjects of one in-toto statement.
pub const MAX_SUBJECTS: usize = 1024;
/// Digests per in-toto subject.
pub const MAX_SUBJECT_DIGESTS: usize = 32;
/// Embedded SCTs per certificate.
pub const MAX_SCTS: usize = 32;
/// Signatures considered for one image (cosign GHSA-95pr-fxf5-86gv caps at 1000); the same
/// bound applies to attestations and to bundles.
pub const MAX_IMAGE_SIGNATURES: usize = 1000;
/// Manifests listed in one OCI layout `index.json`.
pub const MAX_INDEX_ENTRIES: usize = 4096;
/// Size of a manifest read while looking for referrers (they are small).
pub const MAX_REFERRER_MANIFEST_BYTES: usize = 64 * 1024;
/// Total bytes of signature payloads, attestations and bundles read for one image.
pub const MAX_EVIDENCE_BYTES: usize = 64 * 1024 * 1024;
/// Signature lines in one checkpoint note.
pub const MAX_CHECKPOINT_SIGNATURES: usize = 64;
/// Authorities (CAs, logs, TSAs) in one trusted root.
pub const MAX_TRUST_ROOT_ENTRIES: usize = 256;
/// DSSE payload size, in bytes.
pub const MAX_DSSE_PAYLOAD_BYTES: usize = 2 * 1024 * 1024;

/// Length of one identity regular expression, in bytes (checked before it is parsed).
pub const MAX_PATTERN_BYTES: usize = 4096;
/// Size of one compiled identity regular expression (its NFA), in bytes.
pub const MAX_PATTERN_NFA_BYTES: usize = 256 * 1024;

/// Returns `LimitExceeded` when `got > max`.
pub(crate) fn check(what: &'static str, got: usize, max: usize) -> crate::Result<()> {
    if got > max {
        return Err(crate::Error::LimitExceeded { what, max, got });
    }
    Ok(())
}
