//! The certificate requirements of signature-specification.md "Certificate Requirements" for a
//! signing chain and a timestamping chain (notation-core-go `ValidateCodeSigningCertChain`,
//! `ValidateTimestampingCertChain`): the chain is complete and ordered (each certificate issued
//! by the next, names and signatures; the last self-signed, no other self-signed), CAs assert
//! basicConstraints cA and keyCertSign within their pathLenConstraint, and the leaf fits its
//! purpose. Self-signedness is decided by signature, never by names alone (a leaf whose subject
//! equals its issuer's may still be issued by that issuer).

use alloc::string::ToString;

use crate::crypto::{Backend, Message};
use crate::error::{Error, Result};
use crate::time::UnixTime;
use crate::x509::ext::{KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, OID_EKU_TIME_STAMPING};
use crate::x509::path::{check_link, validity};
use crate::x509::Certificate;

/// What the chain's leaf signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Notary signatures (codesigning leaf rules).
    CodeSigning,
    /// RFC 3161 timestamps (TSA leaf rules).
    TimeStamping,
}

// keyUsage bits a leaf must not assert (spec: keyEncipherment, dataEncipherment, keyAgreement,
// keyCertSign, cRLSign, encipherOnly, decipherOnly).
const KU_FORBIDDEN_LEAF: u16 = (1 << 2) | (1 << 3) | (1 << 4) | (1 << KU_KEY_CERT_SIGN) | (1 << 6) | (1 << 7) | (1 << 8);
const EKU_SERVER_AUTH: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const EKU_CLIENT_AUTH: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const EKU_EMAIL_PROTECTION: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const EKU_OCSP_SIGNING: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const EKU_ANY: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.29.37.0");

fn name(purpose: Purpose, i: usize) -> alloc::string::String {
    let chain = match purpose {
        Purpose::CodeSigning => "signing",
        Purpose::TimeStamping => "timestamping",
    };
    alloc::format!("{chain} certificate {i}")
}

fn self_signed(backend: &dyn Backend, c: &Certificate) -> bool {
    c.is_self_issued() && backend.verify(c.signature_scheme(), c.public_key(), Message::Raw(c.tbs_der()), c.signature()).is_ok()
}

/// Validates the structure of `chain` (leaf first) for `purpose`; no validity times.
pub fn validate(backend: &dyn Backend, chain: &[Certificate], purpose: Purpose) -> Result<()> {
    let Some((leaf, _)) = chain.split_first() else {
        return Err(Error::Envelope { what: "certificate chain".to_string(), detail: "is empty".to_string() });
    };
    let last = chain.len() - 1;
    for (i, c) in chain.iter().enumerate() {
        if let Some(oid) = c.extensions().unknown_critical {
            return Err(Error::UnknownCriticalExtension { what: name(purpose, i), oid: oid.to_string() });
        }
        if i < last && self_signed(backend, c) {
            return Err(Error::Envelope { what: name(purpose, i), detail: "a self-signed certificate is not the last of the chain".to_string() });
        }
    }
    if !self_signed(backend, &chain[last]) {
        return Err(Error::Envelope { what: name(purpose, last), detail: "the chain does not end in a self-signed certificate".to_string() });
    }
    for i in 0..last {
        let (child, issuer) = (&chain[i], &chain[i + 1]);
        // CA certificates below `issuer`: chain[1..=i].
        check_link(backend, child, issuer, i, &name(purpose, i), &name(purpose, i + 1), true)?;
        let ext = issuer.extensions();
        // Spec: a CA's basicConstraints MUST be present and critical (notation-go does not
        // check criticality: sealcheck follows the specification).
        if !ext.basic_constraints_critical {
            return Err(Error::NotACa { what: alloc::format!("{} (basicConstraints not marked critical)", name(purpose, i + 1)) });
        }
        if ext.key_usage.is_none() {
            return Err(Error::KeyUsage { what: name(purpose, i + 1), usage: "keyCertSign" });
        }
        // Spec: a CA's keyUsage MUST be critical for codesigning chains (SHOULD for TSA chains).
        if purpose == Purpose::CodeSigning && !ext.key_usage_critical {
            return Err(Error::KeyUsage { what: name(purpose, i + 1), usage: "keyCertSign (marked critical)" });
        }
    }
    // A single self-signed certificate is a leaf: the leaf rules apply to it too (its own
    // signature was checked by `self_signed`).
    check_leaf(leaf, purpose)
}

fn check_leaf(leaf: &Certificate, purpose: Purpose) -> Result<()> {
    let what = name(purpose, 0);
    let ext = leaf.extensions();
    if ext.basic_constraints.is_some_and(|(ca, _)| ca) {
        return Err(Error::Envelope { what, detail: "the leaf certificate is a CA (basicConstraints cA)".to_string() });
    }
    let ku = ext.key_usage.ok_or_else(|| Error::KeyUsage { what: what.clone(), usage: "digitalSignature" })?;
    if ku & (1 << KU_DIGITAL_SIGNATURE) == 0 {
        return Err(Error::KeyUsage { what, usage: "digitalSignature" });
    }
    if ku & KU_FORBIDDEN_LEAF != 0 {
        return Err(Error::KeyUsage { what, usage: "digitalSignature only (no keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly)" });
    }
    if purpose == Purpose::CodeSigning && !ext.key_usage_critical {
        return Err(Error::KeyUsage { what, usage: "digitalSignature (marked critical)" });
    }
    match (purpose, ext.ext_key_usage.as_deref()) {
        (Purpose::CodeSigning, None) => Ok(()),
        (Purpose::CodeSigning, Some(list)) => {
            // The spec forbids anyExtendedKeyUsage too (notation-go does not check it); OCSPSigning
            // as notation-go.
            if list.iter().any(|e| [EKU_ANY, EKU_SERVER_AUTH, EKU_CLIENT_AUTH, EKU_EMAIL_PROTECTION, OID_EKU_TIME_STAMPING, EKU_OCSP_SIGNING].contains(e)) {
                return Err(Error::ExtendedKeyUsage { what, purpose: "codeSigning (no anyExtendedKeyUsage, serverAuth, clientAuth, emailProtection, timeStamping or OCSPSigning)" });
            }
            Ok(())
        }
        (Purpose::TimeStamping, Some([only])) if *only == OID_EKU_TIME_STAMPING && ext.ext_key_usage_critical => Ok(()),
        (Purpose::TimeStamping, _) => Err(Error::ExtendedKeyUsage { what, purpose: "timeStamping only, marked critical (RFC 3161 §2.3)" }),
    }
}

/// Every certificate of `chain` is valid at every time in `times`.
pub fn valid_at(chain: &[Certificate], purpose: Purpose, times: &[UnixTime]) -> Result<()> {
    chain.iter().enumerate().try_for_each(|(i, c)| validity(c, &name(purpose, i), times))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::test_support::keys::Key;
    use crate::test_support::pki::{Extension, Issuer, Template, EKU_CODE_SIGNING, OID_BASIC_CONSTRAINTS};

    fn chain(intermediate: impl FnOnce(Template) -> Template) -> Vec<Certificate> {
        let root = Issuer::root(Key::p384("notary chain root"), "notary chain root");
        let ik = Key::p384("notary chain intermediate");
        let inter = root.issue_issuer(&intermediate(Template::ca(2, "notary chain intermediate", &ik, Some(0))), ik);
        let lk = Key::p256("notary chain leaf");
        let mut leaf = Template::ca(3, "notary chain leaf", &lk, None).without(OID_BASIC_CONSTRAINTS);
        leaf = leaf.with(Extension::key_usage(&[0])).with(Extension::ext_key_usage(&[EKU_CODE_SIGNING], false));
        [inter.issue(&leaf), inter.cert.clone(), root.cert.clone()].iter().map(|d| Certificate::from_der("c", d).unwrap()).collect()
    }

    /// signature-specification.md "Certificate Requirements": a CA's basicConstraints MUST be
    /// present and critical (notation-go does not check the criticality).
    #[test]
    fn ca_basic_constraints_must_be_critical() {
        validate(&RUST_CRYPTO, &chain(|t| t), Purpose::CodeSigning).unwrap();
        let lax = chain(|t| t.with(Extension::new(OID_BASIC_CONSTRAINTS, false, Extension::basic_constraints(true, Some(0)).value)));
        let e = validate(&RUST_CRYPTO, &lax, Purpose::CodeSigning).unwrap_err();
        assert!(e.to_string().contains("basicConstraints not marked critical"), "{e}");
    }
}
