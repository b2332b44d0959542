//! The decision record: everything a decision rested on, serialisable for audit
//! (`sealcheck verify --json`): the scope that applied, each requirement, each piece of evidence
//! considered with where it was found, its verdict and reason, and for accepted ones the verified
//! signer, times and which digest the signature bound.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::Matched;
use crate::error::Error;
use crate::facts::{SignatureFormat, TimeSource, VerifiedSignature, VerifiedTime};
use crate::oci::OciDigest;
use crate::time::UnixTime;

/// One piece of evidence considered by one requirement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureRecord {
    /// Index of the evidence in the image's evidence list.
    pub index: usize,
    /// Where the source found it.
    pub origin: String,
    /// Its format.
    pub format: SignatureFormat,
    /// True when it satisfied the requirement.
    pub accepted: bool,
    /// Why it was accepted or refused.
    pub reason: String,
    /// The error kind when refused.
    pub error_kind: Option<&'static str>,
    /// The verified signer, when the signature verified.
    pub signer: Option<String>,
    /// The reference the signature names, when it verified.
    pub signed_reference: Option<String>,
    /// The earliest time a transparency log vouched for, when one did.
    pub integrated_time: Option<UnixTime>,
    /// Every verified time, with its authority.
    pub times: Vec<VerifiedTime>,
    /// Which manifest the signature binds, when accepted.
    pub matched: Option<Matched>,
    /// For a Notary signature, each validation with its action and outcome (a `log` failure
    /// is recorded here even when the signature was accepted).
    #[cfg(feature = "notation")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<crate::notation::verify::ValidationResult>,
}

impl SignatureRecord {
    pub(crate) fn accepted(index: usize, origin: &str, v: &VerifiedSignature, matched: Matched) -> Self {
        let integrated_time = v.times.iter().filter(|t| matches!(t.source, TimeSource::TransparencyLog { .. })).map(|t| t.time).min();
        Self {
            index,
            origin: origin.into(),
            format: v.format,
            accepted: true,
            reason: "verified".into(),
            error_kind: None,
            signer: Some(v.signer.describe()),
            signed_reference: v.signed_reference.clone(),
            integrated_time,
            times: v.times.clone(),
            matched: Some(matched),
            #[cfg(feature = "notation")]
            validations: Vec::new(),
        }
    }

    pub(crate) fn refused(index: usize, origin: &str, format: SignatureFormat, e: &Error) -> Self {
        Self {
            index,
            origin: origin.into(),
            format,
            accepted: false,
            reason: e.to_string(),
            error_kind: Some(e.kind()),
            signer: None,
            signed_reference: None,
            integrated_time: None,
            times: Vec::new(),
            matched: None,
            #[cfg(feature = "notation")]
            validations: Vec::new(),
        }
    }
}

/// One requirement of the rule that applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequirementRecord {
    /// Position in the rule.
    pub index: usize,
    /// Requirement type.
    pub kind: String,
    /// True when satisfied.
    pub satisfied: bool,
    /// Why.
    pub reason: String,
    /// Evidence considered, in order, up to the first accepted one.
    pub signatures: Vec<SignatureRecord>,
    /// For `sealcheckAnyOf`, each alternative evaluated, in order, up to the first satisfied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(not(feature = "notation"), serde(skip))]
    pub alternatives: Vec<RequirementRecord>,
}

/// The decision for one image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// True when the image may run.
    pub allowed: bool,
    /// One-line reason.
    pub reason: String,
    /// The reference decided on.
    pub reference: String,
    /// The manifest digest the signatures were checked against.
    pub manifest_digest: Option<OciDigest>,
    /// The index digest, when the manifest was reached through an index.
    pub index_digest: Option<OciDigest>,
    /// The policy scope whose rule applied (`"default"` for the global default).
    pub scope: String,
    /// SHA-256 of the policy document, hex.
    pub policy_digest: String,
    /// Each requirement of that rule.
    pub requirements: Vec<RequirementRecord>,
    /// Signature checks spent on this decision.
    pub signature_checks: usize,
    /// The verification time.
    pub verification_time: UnixTime,
    /// The break-glass exception that turned a denial into this allow, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(not(feature = "governance"), serde(skip))]
    pub exception: Option<ExceptionRecord>,
    /// Revocations that refused a signature (key, certificate or identity, with the reason).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(not(feature = "governance"), serde(skip))]
    pub revocation_hits: Vec<String>,
}

/// A break-glass exception, as the decision it was used in records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExceptionRecord {
    /// The exception's id.
    pub id: String,
    /// The repository or digest it covers.
    pub scope: String,
    /// Why it was opened.
    pub reason: String,
    /// The ticket that tracks it.
    pub ticket: String,
    /// Who approved it.
    pub approver: String,
    /// When it starts to apply.
    pub not_before: UnixTime,
    /// When it stops applying.
    pub not_after: UnixTime,
    /// What the decision would have been without it.
    pub denied_because: String,
}

impl Decision {
    pub(crate) fn new(reference: String, scope: String, policy_digest: String, now: UnixTime) -> Self {
        Self {
            allowed: false,
            reason: String::new(),
            reference,
            manifest_digest: None,
            index_digest: None,
            scope,
            policy_digest,
            requirements: Vec::new(),
            signature_checks: 0,
            verification_time: now,
            exception: None,
            revocation_hits: Vec::new(),
        }
    }

    pub(crate) fn refuse(mut self, reason: String) -> Self {
        self.allowed = false;
        self.reason = reason;
        self
    }

    /// Allowed iff every requirement is satisfied; the reason names the first that is not.
    pub(crate) fn finish(mut self) -> Self {
        match self.requirements.iter().find(|r| !r.satisfied) {
            Some(r) => {
                let last = r.signatures.last().map(|s| alloc::format!(" (last: signature {}: {})", s.index, s.reason)).unwrap_or_default();
                self.reason = alloc::format!("requirement {} ({}) not satisfied: {}{last}", r.index, r.kind, r.reason);
                self.allowed = false;
            }
            None => {
                self.allowed = true;
                self.reason = alloc::format!("all {} requirements of scope {:?} satisfied", self.requirements.len(), self.scope);
            }
        }
        self
    }
}
