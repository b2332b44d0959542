//! Resource limits, in one place (sigstore-go GHSA-cq38-jh5f-37mq; cosign GHSA-95pr-fxf5-86gv).
//!
//! Every parser checks its input against these before doing work proportional to it; every
//! reader checks a file's or blob's size before reading it. One [`EvidenceBudget`] bounds what
//! any source gathers for one image decision, and one [`WorkBudget`] bounds the signature checks
//! one decision may spend.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

// ---- files and configuration ------------------------------------------------------------

/// Largest bundle JSON accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 4 * 1024 * 1024;
/// Largest trusted root JSON accepted, in bytes.
pub const MAX_TRUSTED_ROOT_BYTES: usize = 4 * 1024 * 1024;
/// Largest policy file accepted (containers-policy.json), in bytes.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;
/// Largest key or certificate file (PEM) a policy or a flag names, in bytes.
pub const MAX_KEY_FILE_BYTES: usize = 1024 * 1024;
/// Largest artifact file read to verify a bundle, in bytes; larger artifacts are verified by
/// digest (`sha256:HEX`).
pub const MAX_ARTIFACT_BYTES: usize = 1024 * 1024 * 1024;
/// Length of one identity regular expression, in bytes (checked before it is parsed).
pub const MAX_PATTERN_BYTES: usize = 4096;
/// Size of one compiled identity regular expression (its NFA), in bytes.
pub const MAX_PATTERN_NFA_BYTES: usize = 256 * 1024;

// ---- Sigstore evidence ------------------------------------------------------------------

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
/// Signature lines in one checkpoint note.
pub const MAX_CHECKPOINT_SIGNATURES: usize = 64;
/// Authorities (CAs, logs, TSAs) in one trusted root.
pub const MAX_TRUST_ROOT_ENTRIES: usize = 256;
/// DSSE payload size, in bytes.
pub const MAX_DSSE_PAYLOAD_BYTES: usize = 2 * 1024 * 1024;

// ---- Notary Project evidence and trust material ---------------------------------------------

/// Largest Notary signature envelope (JWS or COSE), in bytes (notation-go caps the blob at
/// 32 MiB; an envelope is a payload descriptor, a chain and a token: a few KiB).
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024 * 1024;
/// Nesting depth of the CBOR items in a COSE envelope.
pub const MAX_CBOR_DEPTH: usize = 16;
/// Entries of one CBOR array or map in a COSE envelope.
pub const MAX_CBOR_ITEMS: usize = 1024;
/// Largest trustpolicy.json accepted, in bytes.
pub const MAX_TRUST_POLICY_BYTES: usize = 1024 * 1024;
/// Statements of one trust policy document.
pub const MAX_TRUST_POLICY_STATEMENTS: usize = 1024;
/// Certificates in all the named stores of one trust store.
pub const MAX_TRUST_STORE_CERTIFICATES: usize = 4096;
/// Largest CRL file or CRL bytes accepted, in bytes.
pub const MAX_CRL_BYTES: usize = 32 * 1024 * 1024;
/// Revoked-certificate entries of one CRL.
pub const MAX_CRL_ENTRIES: usize = 1_000_000;

// ---- images -----------------------------------------------------------------------------

/// Signatures considered for one image (cosign GHSA-95pr-fxf5-86gv caps at 1000); the same
/// bound applies to attestations and to bundles.
pub const MAX_IMAGE_SIGNATURES: usize = 1000;
/// Manifests listed in one OCI layout `index.json`.
pub const MAX_INDEX_ENTRIES: usize = 4096;
/// Largest manifest or index read, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// Largest signature layer, attestation or bundle read (containers/image
/// `MaxSignatureBodySize`), in bytes.
pub const MAX_SIGNATURE_BYTES: usize = 4 * 1024 * 1024;
/// Size of a manifest read while looking for referrers (they are small); larger candidates
/// are not referrers.
pub const MAX_REFERRER_MANIFEST_BYTES: usize = 64 * 1024;
/// Total bytes of signature payloads, attestations and bundles gathered for one image, from any
/// source.
pub const MAX_EVIDENCE_BYTES: usize = 64 * 1024 * 1024;
/// Signature checks (one public-key operation each) one image decision may spend; evidence left
/// unchecked when it runs out is a rejection, not a pass.
pub const MAX_SIGNATURE_CHECKS_PER_DECISION: usize = 512;

// ---- audit log ----------------------------------------------------------------------------

/// Largest line of an audit log (one decision record), in bytes: checked before the line is
/// parsed, and before a record is appended.
pub const MAX_AUDIT_LINE_BYTES: usize = 1024 * 1024;
/// Largest audit log file an appender reads (and verifies) before it appends, in bytes.
pub const MAX_AUDIT_LOG_BYTES: usize = 1024 * 1024 * 1024;

/// Returns `LimitExceeded` when `got > max`.
pub(crate) fn check(what: &'static str, got: usize, max: usize) -> Result<()> {
    if got > max {
        return Err(Error::LimitExceeded { what, max, got });
    }
    Ok(())
}

/// The bytes the sources may still read as evidence for one image. A source reserves a blob's
/// size (declared, or from the file system) *before* reading it; what was reserved stays
/// charged, whether the bytes are kept, parsed down or refused.
#[derive(Debug, Clone)]
pub struct EvidenceBudget {
    used: usize,
}

impl Default for EvidenceBudget {
    fn default() -> Self {
        Self::new()
    }
}

impl EvidenceBudget {
    /// A full budget of [`MAX_EVIDENCE_BYTES`].
    #[must_use]
    pub const fn new() -> Self {
        Self { used: 0 }
    }

    /// Bytes still available.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        MAX_EVIDENCE_BYTES - self.used
    }

    /// Charges `size` bytes about to be read; fails, charging nothing, unless they fit.
    pub fn reserve(&mut self, size: u64) -> Result<()> {
        match usize::try_from(size) {
            Ok(n) if n <= self.remaining() => {
                self.used += n;
                Ok(())
            }
            _ => Err(Error::LimitExceeded {
                what: "evidence bytes for one image",
                max: MAX_EVIDENCE_BYTES,
                got: self.used.saturating_add(usize::try_from(size).unwrap_or(usize::MAX)),
            }),
        }
    }
}

/// Signature checks one decision may still spend ([`MAX_SIGNATURE_CHECKS_PER_DECISION`]).
/// Shared by reference across the verifications of one decision.
#[derive(Debug)]
pub struct WorkBudget {
    used: AtomicUsize,
    max: usize,
}

impl Default for WorkBudget {
    fn default() -> Self {
        Self::new(MAX_SIGNATURE_CHECKS_PER_DECISION)
    }
}

impl WorkBudget {
    /// A budget of `max` signature checks.
    #[must_use]
    pub const fn new(max: usize) -> Self {
        Self { used: AtomicUsize::new(0), max }
    }

    /// Records one signature check; false when the budget was already spent.
    pub fn spend(&self) -> bool {
        self.used.fetch_add(1, Ordering::Relaxed) < self.max
    }

    /// Fails when the budget is spent, before more work is started.
    pub fn ensure_left(&self) -> Result<()> {
        let used = self.used.load(Ordering::Relaxed);
        if used >= self.max {
            return Err(Error::LimitExceeded { what: "signature checks for one decision", max: self.max, got: used });
        }
        Ok(())
    }

    /// True when a check was refused because the budget was spent.
    #[must_use]
    pub fn overspent(&self) -> bool {
        self.used.load(Ordering::Relaxed) > self.max
    }

    /// Checks spent so far (at most the budget).
    #[must_use]
    pub fn spent(&self) -> usize {
        self.used.load(Ordering::Relaxed).min(self.max)
    }

    /// Checks spent so far.
    #[must_use]
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets() {
        let mut b = EvidenceBudget::new();
        assert!(b.reserve(MAX_EVIDENCE_BYTES as u64 + 1).is_err() && b.reserve(u64::MAX).is_err());
        b.reserve(MAX_EVIDENCE_BYTES as u64 - 1).unwrap();
        assert!(b.reserve(2).is_err(), "a refused reservation charges nothing");
        assert!(b.reserve(1).is_ok() && b.reserve(1).is_err(), "what was reserved stays charged");
        let w = WorkBudget::new(2);
        assert!(w.ensure_left().is_ok() && w.spend() && w.spend());
        assert!(!w.spend() && w.ensure_left().is_err());
    }
}
