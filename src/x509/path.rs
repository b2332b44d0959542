//! Certification path validation at a given time (RFC 5280 §6.1, the subset Sigstore and Notary
//! need): name chaining with key-identifier agreement, the signature of every link, validity of
//! every certificate at the time, basicConstraints cA and pathLenConstraint, keyUsage, the leaf's
//! extendedKeyUsage, unknown critical extensions, and a depth limit. Revocation is out of scope.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;

use super::cert::Certificate;
use super::ext::{KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN};
use crate::crypto::{self, Backend, Message};
use crate::error::{Error, Result};
use crate::limits::MAX_CHAIN_DEPTH;
use crate::time::UnixTime;

/// What a path must satisfy.
#[derive(Debug, Clone, Copy)]
pub struct PathCheck {
    /// Every certificate must be valid at this time.
    pub time: UnixTime,
    /// The extended key usage the leaf must assert.
    pub leaf_eku: Option<ObjectIdentifier>,
    /// Links between `chain[i]` and `chain[i + 1]` for `i >= trusted_from` were verified when
    /// the trust anchor was loaded and are not verified again.
    pub trusted_from: usize,
    /// The leaf's own signature (leaf ← `chain[0]`) was already verified, for this same chain.
    pub leaf_signature_verified: bool,
}

/// Validates `leaf` ← `chain[0]` ← … ← `chain[last]` (the trust anchor). `what` names the leaf.
pub fn verify_path(backend: &dyn Backend, what: &str, leaf: &Certificate, chain: &[&Certificate], check: &PathCheck) -> Result<()> {
    if chain.is_empty() || chain.len() + 1 > MAX_CHAIN_DEPTH {
        return Err(Error::ChainTooDeep { what: what.to_string() });
    }
    let name = |i: usize| -> String { if i == 0 { what.to_string() } else { alloc::format!("{what}: issuer {i}") } };

    // The leaf's own constraints.
    let ext = leaf.extensions();
    if let Some(oid) = ext.unknown_critical {
        return Err(Error::UnknownCriticalExtension { what: name(0), oid: oid.to_string() });
    }
    if ext.key_usage.is_some_and(|ku| ku & (1 << KU_DIGITAL_SIGNATURE) == 0) {
        return Err(Error::KeyUsage { what: name(0), usage: "digitalSignature" });
    }
    if let Some(eku) = check.leaf_eku {
        if !ext.ext_key_usage.as_ref().is_some_and(|l| l.contains(&eku)) {
            let purpose = if eku == super::OID_EKU_TIME_STAMPING { "timeStamping" } else { "codeSigning" };
            return Err(Error::ExtendedKeyUsage { what: name(0), purpose });
        }
    }
    validity(leaf, &name(0), check.time)?;

    let mut child = leaf;
    for (i, issuer) in chain.iter().enumerate() {
        let verify_sig = if i == 0 { !check.leaf_signature_verified } else { i - 1 < check.trusted_from };
        check_link(backend, child, issuer, i, &name(i), &name(i + 1), verify_sig)?;
        validity(issuer, &name(i + 1), check.time)?;
        child = issuer;
    }
    Ok(())
}

/// Builds a path from `leaf` through `intermediates` (untrusted, any order) to one of `anchors`,
/// by issuer name; returns the issuers, nearest first, ending at the anchor. Intermediates
/// byte-identical to an anchor are the anchor. The path is not yet validated: pass it to
/// [`verify_path`].
pub fn build_path<'a>(what: &str, leaf: &'a Certificate, intermediates: &'a [Certificate], anchors: &'a [Certificate]) -> Result<Vec<&'a Certificate>> {
    let mut path: Vec<&Certificate> = Vec::new();
    let mut current = leaf;
    while path.len() < MAX_CHAIN_DEPTH {
        if let Some(anchor) = anchors.iter().find(|a| a.subject_der() == current.issuer_der()) {
            path.push(anchor);
            return Ok(path);
        }
        let next = intermediates
            .iter()
            .find(|c| c.subject_der() == current.issuer_der() && !path.iter().any(|p| p.der() == c.der()) && c.der() != current.der());
        match next {
            Some(c) => {
                path.push(c);
                current = c;
            }
            None => return Err(Error::UnknownIssuer { what: what.to_string() }),
        }
    }
    Err(Error::ChainTooDeep { what: what.to_string() })
}

/// Validates the links of a trust anchor's own chain once, when it is loaded: each certificate
/// issued by the next, every issuer a CA within its pathLenConstraint. `chain[0]` is a CA
/// (Fulcio intermediate) or an end entity (TSA signing certificate). Validity is checked per use.
pub fn verify_anchor_chain(backend: &dyn Backend, what: &str, chain: &[Certificate]) -> Result<()> {
    if chain.is_empty() || chain.len() > MAX_CHAIN_DEPTH {
        return Err(Error::ChainTooDeep { what: what.to_string() });
    }
    // Intermediates below chain[i + 1]: chain[0..=i] when chain[0] is itself a CA, else chain[1..=i].
    let first_is_ca = chain.first().is_some_and(|c| c.extensions().basic_constraints.is_some_and(|(ca, _)| ca));
    for (i, pair) in chain.windows(2).enumerate() {
        if let [child, issuer] = pair {
            let below = if first_is_ca { i + 1 } else { i };
            check_link(backend, child, issuer, below, &alloc::format!("{what} certificate {i}"), &alloc::format!("{what} certificate {}", i + 1), true)?;
        }
    }
    Ok(())
}

/// Checks that `issuer` may have issued `child`: names and key ids chain, the issuer is a CA
/// with keyCertSign, `intermediates_below` non-leaf certificates sit between it and the leaf
/// (pathLenConstraint), no unknown critical extension, and (if asked) the signature.
fn check_link(backend: &dyn Backend, child: &Certificate, issuer: &Certificate, intermediates_below: usize, what_child: &str, what_issuer: &str, verify_sig: bool) -> Result<()> {
    let iext = issuer.extensions();
    if child.issuer_der() != issuer.subject_der() {
        return Err(Error::UnknownIssuer { what: what_child.to_string() });
    }
    if let (Some(aki), Some(ski)) = (&child.extensions().authority_key_id, &iext.subject_key_id) {
        if aki != ski {
            return Err(Error::UnknownIssuer { what: what_child.to_string() });
        }
    }
    if let Some(oid) = iext.unknown_critical {
        return Err(Error::UnknownCriticalExtension { what: what_issuer.to_string(), oid: oid.to_string() });
    }
    match iext.basic_constraints {
        Some((true, path_len)) => {
            if path_len.is_some_and(|pl| intermediates_below as u64 > pl) {
                return Err(Error::PathLenExceeded { what: what_issuer.to_string() });
            }
        }
        _ => return Err(Error::NotACa { what: what_issuer.to_string() }),
    }
    if iext.key_usage.is_some_and(|ku| ku & (1 << KU_KEY_CERT_SIGN) == 0) {
        return Err(Error::KeyUsage { what: what_issuer.to_string(), usage: "keyCertSign" });
    }
    if verify_sig {
        crypto::verify_signature(
            backend,
            || alloc::format!("{what_child}: certificate signature"),
            child.signature_scheme(),
            issuer.public_key(),
            Message::Raw(child.tbs_der()),
            child.signature(),
        )?;
    }
    Ok(())
}

fn validity(c: &Certificate, what: &str, t: UnixTime) -> Result<()> {
    if c.valid_at(t) {
        return Ok(());
    }
    Err(Error::CertificateNotValidAt { what: what.to_string(), time: t.secs(), not_before: c.not_before().secs(), not_after: c.not_after().secs() })
}
