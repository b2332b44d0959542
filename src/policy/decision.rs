//! The decision record: everything a decision rested on, serialisable for audit
//! (`sealcheck verify --json`).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::cosign::verify::VerifiedImageSignature;
use crate::error::Result;
use crate::oci::{OciDigest, Reference};
use crate::time::UnixTime;

/// One signature considered by one requirement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureRecord {
    /// Index of the signature in the image's signature list.
    pub index: usize,
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
    /// The Rekor integrated time, when verified.
    pub integrated_time: Option<UnixTime>,
}

impl SignatureRecord {
    pub(crate) fn from_verdict(index: usize, v: Result<VerifiedImageSignature>) -> Self {
        match v {
            Ok(v) => Self {
                index,
                accepted: true,
                reason: "verified".into(),
                error_kind: None,
                signer: Some(v.signer),
                signed_reference: Some(v.payload.docker_reference),
                integrated_time: v.integrated_time,
            },
            Err(e) => Self {
                index,
                accepted: false,
                reason: e.to_string(),
                error_kind: Some(e.kind()),
                signer: None,
                signed_reference: None,
                integrated_time: None,
            },
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
    /// Signatures considered, in order, up to the first accepted one.
    pub signatures: Vec<SignatureRecord>,
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
    /// The policy scope whose rule applied (`"default"` for the global default).
    pub scope: String,
    /// Each requirement of that rule.
    pub requirements: Vec<RequirementRecord>,
    /// The verification time.
    pub verification_time: UnixTime,
}

impl Decision {
    pub(crate) fn new(reference: &Reference, scope: String, now: UnixTime) -> Self {
        Self {
            allowed: false,
            reason: String::new(),
            reference: reference.to_string(),
            manifest_digest: None,
            scope,
            requirements: Vec::new(),
            verification_time: now,
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
