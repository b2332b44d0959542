//! Verifying one Notary signature under one trust policy statement (trust-store-trust-policy.md
//! "Signature Verification" and "Signature Evaluation"; notation-go `verifier.Verify`): the
//! validations in notation's order (integrity, authenticity, expiry, authentic timestamp,
//! revocation), each with the action the statement gives it. An `enforce` failure ends the
//! verification; a `log` failure is recorded and the next validation runs; a `skip`ped one does
//! not run. Integrity is always enforced. The outcome records every validation.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::chain::{self, Purpose};
use super::crl::{self, CrlSet};
use super::dn::DistinguishedName;
use super::envelope::{Envelope, SigningScheme};
use super::timestamp::{self, VerifiedTimestamp};
use super::trustpolicy::{Action, Level, StoreType, Statement, TrustedIdentities, Validation, VerifyTimestamp};
use super::truststore::TrustStore;
use crate::crypto::{Backend, Digest, HashAlgorithm};
use crate::error::{Error, Result};
use crate::time::UnixTime;
use crate::x509::Certificate;

/// The artifact a signature must name: the descriptor the target was resolved to (the payload's
/// `targetArtifact` must have the same media type, digest and size; oras `content.Equal`).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Its media type.
    pub media_type: &'a str,
    /// Its digests (any algorithm the payload may use).
    pub digests: &'a [Digest],
    /// Its size in bytes.
    pub size: u64,
}

/// What one validation found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidationResult {
    /// The validation.
    #[serde(serialize_with = "validation_name")]
    pub validation: Validation,
    /// The action the statement gives it.
    pub action: Action,
    /// `passed`, `failed` or `skipped`.
    pub outcome: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn validation_name<S: serde::Serializer>(v: &Validation, s: S) -> core::result::Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

/// The verified facts of a Notary signature that passed (every enforced validation).
#[derive(Debug, Clone)]
pub struct VerifiedNotary {
    /// The envelope.
    pub envelope: Envelope,
    /// The verified countersignature, when one was verified.
    pub timestamp: Option<VerifiedTimestamp>,
    /// The trust store certificate the chain was anchored at (`type:name`).
    pub anchored_at: String,
}

/// The outcome of one signature's verification.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Each validation, in order.
    pub results: Vec<ValidationResult>,
    /// The verified facts, or the enforced failure that ended the verification.
    pub verdict: Result<VerifiedNotary>,
}

impl VerifiedNotary {
    /// The verified facts, in the shape every format verifies into: the leaf as signer, the
    /// digest the payload binds, the verified times (the signing authority's, or the
    /// countersignature's).
    #[must_use]
    pub fn facts(&self, backend: &dyn Backend, now: UnixTime) -> crate::facts::VerifiedSignature {
        use crate::facts::{BoundDigest, SignatureFormat, TimeSource, VerifiedSignature, VerifiedSigner, VerifiedTime};
        let leaf = self.envelope.leaf();
        let subject = DistinguishedName::from_name_der(leaf.subject_der()).map_or_else(|_| String::from("(subject not printable)"), |d| d.to_string());
        let chain_sha256 = self.envelope.chain.iter().map(|c| crate::encoding::hex_encode(backend.digest(crate::crypto::HashAlgorithm::Sha256, c.der()).as_bytes())).collect();
        let mut times = Vec::new();
        if let Some(t) = self.envelope.attributes.authentic_signing_time {
            times.push(VerifiedTime { time: t, source: TimeSource::SigningAuthority });
        }
        if let Some(ts) = &self.timestamp {
            times.push(VerifiedTime { time: ts.time, source: TimeSource::TimestampAuthority { authority: ts.authority.clone(), timestamp: 0 } });
        }
        VerifiedSignature {
            format: SignatureFormat::Notary,
            bundle_version: None,
            signer: VerifiedSigner::NotaryCertificate {
                subject,
                trust_store: self.anchored_at.clone(),
                issuer: leaf.issuer_name(),
                serial: leaf.serial_hex(),
                not_before: leaf.not_before(),
                not_after: leaf.not_after(),
                chain_sha256,
            },
            digests: alloc::vec![BoundDigest(*self.envelope.target.digest.digest())],
            signed_reference: None,
            statement: None,
            matched_subject: None,
            times,
            tlog_entries: Vec::new(),
            verified_at: now,
        }
    }
}

impl Outcome {
    /// The logged failures, as warnings.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|r| r.action == Action::Log && r.outcome == "failed")
            .map(|r| alloc::format!("{} (logged): {}", r.validation.name(), r.error.as_deref().unwrap_or("")))
            .collect()
    }
}

struct Run<'s> {
    statement: &'s Statement,
    results: Vec<ValidationResult>,
}

impl Run<'_> {
    /// Records the result of `v`; `Err` when the failure is enforced.
    fn record(&mut self, v: Validation, r: Result<()>) -> Result<()> {
        let action = if v == Validation::Integrity { Action::Enforce } else { self.statement.action(v) };
        match r {
            Ok(()) => {
                self.results.push(ValidationResult { validation: v, action, outcome: "passed", error: None });
                Ok(())
            }
            Err(e) => {
                self.results.push(ValidationResult { validation: v, action, outcome: "failed", error: Some(e.to_string()) });
                if action == Action::Enforce { Err(e) } else { Ok(()) }
            }
        }
    }

    fn runs(&mut self, v: Validation) -> bool {
        if v != Validation::Integrity && self.statement.action(v) == Action::Skip {
            self.results.push(ValidationResult { validation: v, action: Action::Skip, outcome: "skipped", error: None });
            return false;
        }
        true
    }
}

/// Verifies the envelope `bytes` of `media_type` for `target` at `now` under `statement`, with
/// its trust stores from `store` and revocation from `crls`. A `skip` statement verifies
/// nothing: the caller decides without signatures.
#[allow(clippy::too_many_arguments)]
pub fn verify(backend: &dyn Backend, statement: &Statement, store: &TrustStore, crls: &CrlSet, media_type: &str, bytes: &[u8], target: &Target<'_>, now: UnixTime) -> Outcome {
    let mut run = Run { statement, results: Vec::new() };
    let verdict = steps(backend, &mut run, store, crls, media_type, bytes, target, now);
    Outcome { results: run.results, verdict }
}

/// Verifies a detached signature over `blob` (signature-specification.md "Blob Signatures";
/// notation-go `VerifyBlob`): the payload must name the blob's digest, in the hash algorithm the
/// signing key fixes, and its size; its media type when the caller gives one.
#[allow(clippy::too_many_arguments)]
pub fn verify_blob(
    backend: &dyn Backend,
    statement: &Statement,
    store: &TrustStore,
    crls: &CrlSet,
    media_type: &str,
    bytes: &[u8],
    blob: &[u8],
    blob_media_type: Option<&str>,
    now: UnixTime,
) -> Outcome {
    let parsed = Envelope::parse(media_type, bytes);
    if let Ok(env) = &parsed {
        let want = env.algorithm.scheme().hash();
        if Some(env.target.digest.digest().algorithm()) != want {
            let e = Error::ArtifactMismatch("the payload's digest algorithm is not the one the signing key fixes");
            let results = alloc::vec![ValidationResult { validation: Validation::Integrity, action: Action::Enforce, outcome: "failed", error: Some(e.to_string()) }];
            return Outcome { results, verdict: Err(e) };
        }
    }
    let claimed = parsed.as_ref().map(|e| e.target.media_type.clone()).unwrap_or_default();
    let digests = [HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512].map(|a| backend.digest(a, blob));
    let target = Target { media_type: blob_media_type.unwrap_or(&claimed), digests: &digests, size: blob.len() as u64 };
    verify(backend, statement, store, crls, media_type, bytes, &target, now)
}

#[allow(clippy::too_many_arguments)]
fn steps(backend: &dyn Backend, run: &mut Run<'_>, store: &TrustStore, crls: &CrlSet, media_type: &str, bytes: &[u8], target: &Target<'_>, now: UnixTime) -> Result<VerifiedNotary> {
    let st = run.statement;
    if st.level == Level::Skip {
        for v in Validation::ALL {
            run.results.push(ValidationResult { validation: v, action: Action::Skip, outcome: "skipped", error: None });
        }
        return Err(Error::Usage("the trust policy statement skips signature verification".to_string()));
    }
    // Integrity: the envelope parses and meets the specification, its chain is well formed,
    // the leaf's key made the signature, and the payload names the target.
    let integrity = (|| {
        let env = Envelope::parse(media_type, bytes)?;
        chain::validate(backend, &env.chain, Purpose::CodeSigning)?;
        env.verify_signature(backend)?;
        let t = &env.target;
        if t.media_type != target.media_type || t.size != target.size || !target.digests.iter().any(|d| d == t.digest.digest()) {
            return Err(Error::ArtifactMismatch("the signature's target artifact is not this artifact (media type, digest and size)"));
        }
        Ok(env)
    })();
    let env = match integrity {
        Ok(env) => {
            run.record(Validation::Integrity, Ok(()))?;
            env
        }
        Err(e) => {
            run.record(Validation::Integrity, Err(e.clone()))?;
            return Err(e);
        }
    };

    // Authenticity: a certificate of the chain is in a trust store of the scheme's type, and the
    // leaf's subject is a trusted identity.
    let mut anchored_at = String::new();
    if run.runs(Validation::Authenticity) {
        let r = authenticity(&env, st, store).map(|a| anchored_at = a);
        run.record(Validation::Authenticity, r)?;
    }

    // Expiry: the signature's own "best by" time.
    if run.runs(Validation::Expiry) {
        let r = match env.attributes.expiry {
            Some(e) if now >= e => Err(Error::SignatureExpired { expiry: e.secs(), time: now.secs() }),
            _ => Ok(()),
        };
        run.record(Validation::Expiry, r)?;
    }

    // Authentic timestamp.
    let mut verified_ts = None;
    let mut tsa_chain: Vec<Certificate> = Vec::new();
    if run.runs(Validation::AuthenticTimestamp) {
        let r = authentic_timestamp(backend, &env, st, store, now).map(|found| {
            if let Some((ts, chain)) = found {
                verified_ts = Some(ts);
                tsa_chain = chain;
            }
        });
        run.record(Validation::AuthenticTimestamp, r)?;
    }

    // Revocation of the signing chain (with the authentic signing time, when the scheme gives
    // one) and of the timestamping chain that vouched.
    if run.runs(Validation::Revocation) {
        let r = crl::check_chain(backend, &env.chain, crls, now, env.attributes.authentic_signing_time)
            .and_then(|()| if tsa_chain.is_empty() { Ok(()) } else { crl::check_chain(backend, &tsa_chain, crls, now, None) });
        run.record(Validation::Revocation, r)?;
    }
    Ok(VerifiedNotary { envelope: env, timestamp: verified_ts, anchored_at })
}

/// The store type a scheme is anchored in (notation-go `loadX509TrustStores`).
const fn store_type(scheme: SigningScheme) -> StoreType {
    match scheme {
        SigningScheme::X509 => StoreType::Ca,
        SigningScheme::SigningAuthority => StoreType::SigningAuthority,
    }
}

fn authenticity(env: &Envelope, st: &Statement, store: &TrustStore) -> Result<String> {
    let kind = store_type(env.attributes.scheme);
    let mut anchored = None;
    let mut any_store = false;
    for s in st.stores(kind) {
        any_store = true;
        let certs = store.certificates(kind, &s.name).unwrap_or_default();
        if env.chain.iter().any(|c| certs.iter().any(|t| t.der() == c.der())) {
            anchored = Some(alloc::format!("{}:{}", kind.name(), s.name));
            break;
        }
    }
    if !any_store {
        return Err(Error::NotInTrustStore(alloc::format!("the trust policy statement names no trust store of type {:?} for {:?} signatures", kind.name(), env.attributes.scheme)));
    }
    let anchored = anchored.ok_or_else(|| Error::NotInTrustStore("the signature's certificate chain does not contain any trusted certificate".to_string()))?;
    match &st.identities {
        TrustedIdentities::Any => {}
        TrustedIdentities::Subjects(ids) => {
            let leaf = DistinguishedName::from_name_der(env.leaf().subject_der())?;
            if !ids.iter().any(|id| id.is_subset_of(&leaf)) {
                return Err(Error::IdentityMismatch { got: leaf.to_string(), want: "a subject the trust policy's trustedIdentities name".to_string() });
            }
        }
    }
    Ok(anchored)
}

/// `Ok(Some(..))` with the verified countersignature and its chain when one was required.
fn authentic_timestamp(backend: &dyn Backend, env: &Envelope, st: &Statement, store: &TrustStore, now: UnixTime) -> Result<Option<(VerifiedTimestamp, Vec<Certificate>)>> {
    if env.attributes.scheme == SigningScheme::SigningAuthority {
        // The signing authority's authentic signing time lies in every certificate's validity.
        let t = env.attributes.authentic_signing_time.ok_or(Error::MissingEvidence("an authentic signing time"))?;
        return chain::valid_at(&env.chain, Purpose::CodeSigning, &[t]).map(|()| None);
    }
    let tsa_roots: Vec<Certificate> =
        st.stores(StoreType::Tsa).filter_map(|s| store.certificates(StoreType::Tsa, &s.name)).flatten().cloned().collect();
    let expired_now = env.chain.iter().any(|c| !c.valid_at(now));
    let wanted = st.stores(StoreType::Tsa).next().is_some() && (st.verify_timestamp == VerifyTimestamp::Always || expired_now);
    if !wanted {
        // Without a countersignature every certificate must be valid at the verification time.
        return chain::valid_at(&env.chain, Purpose::CodeSigning, &[now]).map(|()| None);
    }
    let token = env.timestamp.as_deref().ok_or(Error::MissingEvidence("a timestamp countersignature in the signature envelope"))?;
    let (ts, tsa_chain) = timestamp::verify(backend, token, env.primitive_signature(), &tsa_roots)?;
    // The whole range the timestamp allows lies in every signing certificate's validity.
    if let Some(c) = env.chain.iter().find(|c| ts.earliest < c.not_before() || ts.latest > c.not_after()) {
        return Err(Error::SigningTimeOutsideCertificate { time: ts.time.secs(), not_before: c.not_before().secs(), not_after: c.not_after().secs() });
    }
    Ok(Some((ts, tsa_chain)))
}
