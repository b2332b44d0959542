//! RFC 3161 countersignatures of Notary signatures (trust-store-trust-policy.md "Validate
//! Authentic Timestamp"; signing-and-verification-workflow.md): the TimeStampToken's
//! messageImprint is a SHA-2 hash of the primitive signature bytes, its signer's chain (built
//! from the token's certificates) ends at a root of a `tsa` trust store and is valid at
//! genTime, meets the timestamping certificate requirements, and made the CMS signature. The
//! result is the time range `[genTime − accuracy, genTime + accuracy]`.

use alloc::string::String;
use alloc::vec::Vec;

use super::chain::{self, Purpose};
use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::sigstore::tsa::TimestampToken;
use crate::time::UnixTime;
use crate::x509::{Certificate, KeyPurpose, PathBuilder, TrustAnchor};

/// A verified countersignature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// genTime.
    pub time: UnixTime,
    /// genTime minus the accuracy.
    pub earliest: UnixTime,
    /// genTime plus the accuracy.
    pub latest: UnixTime,
    /// The timestamp authority: its signing certificate's subject.
    pub authority: String,
}

fn bad(reason: &str) -> Error {
    Error::Timestamp { index: 0, reason: reason.into() }
}

/// Verifies `token` (DER TimeStampToken) over `signature` with the roots `tsa_roots`; returns
/// the time range and the timestamping chain (signer first, root last).
pub fn verify(backend: &dyn Backend, token: &[u8], signature: &[u8], tsa_roots: &[Certificate]) -> Result<(VerifiedTimestamp, Vec<Certificate>)> {
    let t = TimestampToken::parse_token(0, token)?;
    let imprint = t.message_imprint();
    if !backend.digest(imprint.algorithm(), signature).ct_eq_bytes(imprint.algorithm(), imprint.as_bytes()) {
        return Err(Error::TimestampImprint { index: 0 });
    }
    let embedded: Vec<Certificate> = t
        .embedded_certificates()
        .iter()
        .enumerate()
        .map(|(i, d)| Certificate::from_der(&alloc::format!("timestamp certificate {i}"), d))
        .collect::<Result<_>>()?;
    let signer = embedded.iter().find(|c| t.signer_matches(c)).ok_or_else(|| bad("the token does not carry its signing certificate"))?;
    let anchors: Vec<TrustAnchor> = tsa_roots.iter().map(|r| TrustAnchor::prevalidated(alloc::vec![r.clone()])).collect();
    if anchors.is_empty() {
        return Err(Error::UnknownTimestampAuthority { index: 0 });
    }
    let generated = t.gen_time();
    let others: Vec<Certificate> = embedded.iter().filter(|c| c.der() != signer.der()).cloned().collect();
    let mut full: Vec<Certificate> = Vec::new();
    PathBuilder::new(backend, &anchors, &others, KeyPurpose::TimeStamping)
        .build("timestamp authority certificate", signer, &[generated], &mut |p| {
            full = core::iter::once(signer).chain(p.intermediates().iter().copied()).chain(p.anchor().chain()).cloned().collect();
            Ok(())
        })
        .map_err(|e| match e {
            Error::UnknownIssuer { .. } => Error::UnknownTimestampAuthority { index: 0 },
            e => e,
        })?;
    chain::validate(backend, &full, Purpose::TimeStamping)?;
    t.verify_signature(backend, 0, signer)?;
    let acc = i64::try_from(t.accuracy_micros().unwrap_or(0).div_ceil(1_000_000)).unwrap_or(i64::MAX);
    let authority = super::dn::DistinguishedName::from_name_der(signer.subject_der()).map_or_else(|_| String::from("(subject not printable)"), |d| alloc::format!("{d}"));
    let ts = VerifiedTimestamp { authority, time: generated, earliest: UnixTime::from_secs(generated.secs().saturating_sub(acc)), latest: UnixTime::from_secs(generated.secs().saturating_add(acc)) };
    Ok((ts, full))
}
