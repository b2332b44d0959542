//! Verification of one stored cosign signature against a trust configuration: a key, a Fulcio
//! CA with Rekor, or a PKI CA (the three roots of trust of containers-policy.json
//! `sigstoreSigned`), with the Rekor SET bound to this very signature (GHSA-ccxc-vr6p-4858,
//! GHSA-whqx-f9j3-ch6m): the SET's body must record this signature, this key or certificate and
//! this payload's hash.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::payload::SimpleSigningPayload;
use super::signature::StoredSignature;
use crate::crypto::{self, Backend, HashAlgorithm, Message, PublicKey, ct_eq};
use crate::encoding::hex_encode;
use crate::error::{Error, Result};
use crate::sigstore::rekor::body::{self, EntryVerifier};
use crate::sigstore::rekor::set;
use crate::sigstore::trusted_root::Window;
use crate::sigstore::{CertificateIdentity, TrustedRoot};
use crate::time::UnixTime;
use crate::x509::{self, Certificate, OID_EKU_CODE_SIGNING, PathCheck, SubjectAltName};

/// Who may sign.
#[derive(Debug, Clone)]
pub enum SignerTrust {
    /// Any of these keys.
    Keys(Vec<PublicKey>),
    /// A Fulcio certificate chaining to `roots`, with this OIDC issuer and SAN email, validated at
    /// the Rekor integrated time (a Rekor key is then required).
    Fulcio {
        /// CA certificates (roots, and intermediates if the CA file carries them).
        roots: Vec<Certificate>,
        /// Required OIDC issuer (Fulcio extension), exact.
        oidc_issuer: String,
        /// Required SAN email, exact.
        subject_email: String,
    },
    /// A certificate chaining to `roots` via the signature's chain or `intermediates`, with a SAN
    /// email and/or DNS name, validated at the verification time.
    Pki {
        /// Root CA certificates.
        roots: Vec<Certificate>,
        /// Intermediate CA certificates trusted for path building.
        intermediates: Vec<Certificate>,
        /// Required SAN email, exact.
        subject_email: Option<String>,
        /// Required SAN DNS name, exact.
        subject_hostname: Option<String>,
    },
    /// Sigstore keyless against a trusted root (sealcheck extension).
    Keyless(alloc::boxed::Box<KeylessTrust>),
}

/// Sigstore keyless trust: a trusted root (Fulcio CAs, Rekor logs) and a certificate identity.
/// Legacy signatures need a certificate and a SET from one of the root's logs; the
/// certificate is validated at the integrated time against the CA trusted then.
#[derive(Debug, Clone)]
pub struct KeylessTrust {
    /// The trusted root.
    pub root: TrustedRoot,
    /// Who must have signed.
    pub identity: CertificateIdentity,
}

/// The full trust configuration for one requirement.
#[derive(Debug, Clone)]
pub struct SignatureTrust {
    /// Who may sign.
    pub signer: SignerTrust,
    /// Rekor public keys; when non-empty a SET from one of them is required.
    pub rekor_keys: Vec<PublicKey>,
}

/// A signature that verified: what it says, who made it, and when (if a log vouched).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedImageSignature {
    /// The payload's claims.
    pub payload: SimpleSigningPayload,
    /// A description of the signer (key fingerprint, or certificate SAN).
    pub signer: String,
    /// The Rekor integrated time, when a SET was verified.
    pub integrated_time: Option<UnixTime>,
}

/// Verifies `sig` under `trust` at verification time `now`.
pub fn verify_stored(
    backend: &dyn Backend,
    sig: &StoredSignature,
    trust: &SignatureTrust,
    now: UnixTime,
) -> Result<VerifiedImageSignature> {
    if !sig.is_simple_signing() {
        return Err(Error::NotASignature(alloc::format!("media type {:?}", sig.media_type)));
    }
    let signature = sig.signature()?;
    let cert = sig.certificate()?.map(|der| Certificate::from_der("signature certificate", &der)).transpose()?;

    // The Rekor SET first: it gives the time at which a Fulcio certificate is checked.
    // Keyless: the root's logs, each trusted only inside its window; otherwise the policy's keys.
    let root_logs: Vec<(&PublicKey, Option<&Window>)> = match &trust.signer {
        SignerTrust::Keyless(k) => k.root.tlogs().iter().map(|l| (&l.key, Some(&l.valid_for))).collect(),
        _ => trust.rekor_keys.iter().map(|k| (k, None)).collect(),
    };
    let integrated_time = if root_logs.is_empty() {
        None
    } else {
        let b = sig.rekor_bundle()?.ok_or(Error::MissingEvidence("Rekor bundle annotation (a Rekor key is configured)"))?;
        let (key, window) = root_logs
            .iter()
            .find(|(k, _)| ct_eq(backend.digest(HashAlgorithm::Sha256, k.spki_der()).as_bytes(), &b.log_id))
            .copied()
            .ok_or_else(|| Error::UnknownLog { index: 0, log_id: hex_encode(&b.log_id) })?;
        if window.is_some_and(|w| !w.contains(UnixTime::from_secs(b.integrated_time))) {
            return Err(Error::KeyOutsideValidity { what: "Rekor log key".into(), time: b.integrated_time });
        }
        let payload = set::signed_payload(&b.body, b.integrated_time, &b.log_id, b.log_index);
        backend
            .verify(key.default_scheme(), key, Message::Raw(payload.as_bytes()), &b.signed_entry_timestamp)
            .map_err(|()| Error::InvalidSignedEntryTimestamp { index: 0 })?;
        let t = UnixTime::from_secs(b.integrated_time);
        if t > now {
            return Err(Error::TimeInFuture { what: "Rekor integrated time".into(), time: t.secs(), now: now.secs() });
        }
        // Bind the entry to this signature, this payload, and (below) this signer.
        let claims = body::parse(0, "hashedrekord", "0.0.1", &b.body)?;
        if !ct_eq(&claims.signature, &signature) {
            return Err(Error::TlogBodyMismatch { index: 0, field: "signature" });
        }
        let payload_hash = backend.digest(HashAlgorithm::Sha256, &sig.payload);
        if !claims.signed_digest.as_ref().is_some_and(|(alg, d)| payload_hash.ct_eq_bytes(*alg, d)) {
            return Err(Error::TlogBodyMismatch { index: 0, field: "payload digest" });
        }
        let verifier_ok = match (&claims.verifier, &cert, &trust.signer) {
            (EntryVerifier::Certificate(der), Some(c), _) => ct_eq(der, c.der()),
            (EntryVerifier::PublicKey(spki), None, SignerTrust::Keys(keys)) => {
                keys.iter().any(|k| ct_eq(spki, k.spki_der()) && verify_with(backend, k, &sig.payload, &signature).is_ok())
            }
            _ => false,
        };
        if !verifier_ok {
            return Err(Error::TlogBodyMismatch { index: 0, field: "certificate or public key" });
        }
        Some(t)
    };

    let signer = match &trust.signer {
        SignerTrust::Keys(keys) => {
            let key = keys
                .iter()
                .find(|k| verify_with(backend, k, &sig.payload, &signature).is_ok())
                .ok_or_else(|| Error::BadSignature { what: alloc::format!("image signature (none of {} configured keys)", keys.len()) })?;
            alloc::format!("key sha256:{}", hex_encode(backend.digest(HashAlgorithm::Sha256, key.spki_der()).as_bytes()))
        }
        SignerTrust::Fulcio { roots, oidc_issuer, subject_email } => {
            let leaf = cert.as_ref().ok_or(Error::MissingEvidence("certificate annotation"))?;
            let t = integrated_time.ok_or(Error::MissingEvidence("Rekor integrated time for a Fulcio certificate"))?;
            let chain = parse_chain(sig)?;
            check_path(backend, leaf, &chain, roots, t, true)?;
            let issuer = leaf.fulcio().issuer.clone().unwrap_or_default();
            if issuer != *oidc_issuer {
                return Err(Error::IssuerMismatch { got: issuer, want: alloc::format!("{oidc_issuer:?}") });
            }
            require_san(leaf, Some(subject_email), None)?;
            verify_with(backend, leaf.public_key(), &sig.payload, &signature)?;
            alloc::format!("certificate {subject_email}")
        }
        SignerTrust::Keyless(k) => {
            let leaf = cert.as_ref().ok_or(Error::MissingEvidence("certificate annotation"))?;
            let t = integrated_time.ok_or(Error::MissingEvidence("Rekor integrated time for a Fulcio certificate"))?;
            let mut chain = parse_chain(sig)?;
            let mut anchors = Vec::new();
            for ca in k.root.certificate_authorities().iter().filter(|ca| ca.valid_for.contains(t)) {
                let (last, rest) = ca.chain.split_last().ok_or(Error::MissingEvidence("CA chain"))?;
                anchors.push(last.clone());
                chain.extend(rest.iter().cloned());
            }
            if anchors.is_empty() {
                return Err(Error::AuthorityOutsideValidity { what: "certificate authority".into(), time: t.secs() });
            }
            let issuer = check_path(backend, leaf, &chain, &anchors, t, true)?;
            k.identity.check(leaf)?;
            // As the bundle verifier: at least one embedded SCT from a CT log of the root.
            crate::sigstore::check_scts(backend, &k.root, leaf, &issuer, 1)?;
            verify_with(backend, leaf.public_key(), &sig.payload, &signature)?;
            alloc::format!("certificate {}", leaf.identity().unwrap_or_default())
        }
        SignerTrust::Pki { roots, intermediates, subject_email, subject_hostname } => {
            let leaf = cert.as_ref().ok_or(Error::MissingEvidence("certificate annotation"))?;
            let mut chain = parse_chain(sig)?;
            chain.extend(intermediates.iter().cloned());
            check_path(backend, leaf, &chain, roots, integrated_time.unwrap_or(now), false)?;
            require_san(leaf, subject_email.as_deref(), subject_hostname.as_deref())?;
            verify_with(backend, leaf.public_key(), &sig.payload, &signature)?;
            alloc::format!("certificate {}", leaf.identity().unwrap_or_default())
        }
    };

    Ok(VerifiedImageSignature { payload: SimpleSigningPayload::from_json(&sig.payload)?, signer, integrated_time })
}

fn verify_with(backend: &dyn Backend, key: &PublicKey, payload: &[u8], signature: &[u8]) -> Result<()> {
    crypto::verify_signature(backend, || String::from("image signature"), key.default_scheme(), key, Message::Raw(payload), signature)
}

fn parse_chain(sig: &StoredSignature) -> Result<Vec<Certificate>> {
    sig.chain()?.iter().enumerate().map(|(i, der)| Certificate::from_der(&alloc::format!("signature chain certificate {i}"), der)).collect()
}

/// Builds and validates the signing certificate's path at `t`; returns the leaf's issuer. Fulcio leaves must assert
/// codeSigning; PKI leaves only when they carry an extendedKeyUsage at all (an absent extension
/// permits any use, RFC 5280 §4.2.1.12, as containers/image's Go verifier treats it).
fn check_path(
    backend: &dyn Backend,
    leaf: &Certificate,
    chain: &[Certificate],
    roots: &[Certificate],
    t: UnixTime,
    eku_required: bool,
) -> Result<Certificate> {
    let path = x509::build_path("signature certificate", leaf, chain, roots)?;
    let eku = (eku_required || leaf.extensions().ext_key_usage.is_some()).then_some(OID_EKU_CODE_SIGNING);
    let check = PathCheck { time: t, leaf_eku: eku, trusted_from: path.len().saturating_sub(1), leaf_signature_verified: false };
    x509::verify_path(backend, "signature certificate", leaf, &path, &check)?;
    path.first().map(|c| (*c).clone()).ok_or(Error::UnknownIssuer { what: "signature certificate".into() })
}

fn require_san(leaf: &Certificate, email: Option<&str>, host: Option<&str>) -> Result<()> {
    let sans = leaf.subject_alt_names();
    let got = || sans.iter().map(SubjectAltName::value).collect::<Vec<_>>().join(", ");
    if let Some(e) = email {
        if !sans.iter().any(|s| matches!(s, SubjectAltName::Email(v) if v == e)) {
            return Err(Error::IdentityMismatch { got: got(), want: e.to_string() });
        }
    }
    if let Some(h) = host {
        if !sans.iter().any(|s| matches!(s, SubjectAltName::Dns(v) if v == h)) {
            return Err(Error::IdentityMismatch { got: got(), want: h.to_string() });
        }
    }
    Ok(())
}
