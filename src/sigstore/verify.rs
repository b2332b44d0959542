//! Bundle verification: from a parsed [`Bundle`] to a [`VerifiedBundle`], or a precise error.
//!
//! Steps, in order (each fails closed):
//! 1. the verification material fits the expectation (certificate identity or key);
//! 2. the signature verifies over the artifact (message signature) or over the DSSE PAE, and the
//!    artifact is the one signed (message digest, or an in-toto subject);
//! 3. the certificate identity matches;
//! 4. every log entry: its log is trusted, its body equals this bundle's signature, key and
//!    artifact, its signed entry timestamp verifies (key valid at the integrated time), its
//!    inclusion proof leads to a checkpoint signed by the log;
//! 5. every RFC 3161 timestamp: imprint over the signature, signed by a trusted TSA valid then;
//! 6. thresholds over distinct authorities: logs, and verified times (SET + TSA);
//! 7. keyless: at every verified time, the leaf is valid and chains to a Fulcio CA trusted then;
//!    embedded SCTs verify against trusted CT logs;
//!    key: every verified time lies inside the key's validity window, if it has one.

use alloc::string::String;
use alloc::vec::Vec;

use super::bundle::{Bundle, BundleVersion, Content, TlogEntry, VerificationMaterial};
use super::dsse::{self, IN_TOTO_PAYLOAD_TYPE};
use super::identity::CertificateIdentity;
use super::intoto::Statement;
use super::rekor::body::{self, EntryClaims, EntryVerifier};
use super::rekor::checkpoint::{self, Checkpoint, CheckpointError};
use super::rekor::{merkle, set};
use super::trusted_root::{Authority, LogKey, TrustedRoot, Window};
use super::tsa::TimestampToken;
use crate::crypto::{self, ct_eq, Backend, Digest, HashAlgorithm, Message, PublicKey};
use crate::encoding::hex_encode;
use crate::error::{Error, Result};
use crate::time::UnixTime;
use crate::x509::{self, Certificate, PathCheck, OID_EKU_CODE_SIGNING, OID_EKU_TIME_STAMPING};

/// The artifact a bundle is checked against: its bytes, or only its digest.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// The artifact bytes.
    Bytes(&'a [u8]),
    /// A digest of the artifact (`sha256:…`, `sha512:…`).
    Digest(Digest),
}

/// A public key trusted out of band, optionally only within a window (GHSA-wqqc-jjcq-vfxm).
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The key.
    pub key: PublicKey,
    /// When signatures by it are accepted; `None` means always.
    pub valid_for: Option<Window>,
}

/// Who is expected to have signed.
#[derive(Debug, Clone)]
pub enum SignerPolicy {
    /// A Fulcio certificate with this identity (keyless).
    Identity(CertificateIdentity),
    /// This key.
    Key(TrustedKey),
}

/// Thresholds, counted over distinct authorities (GHSA-9vcr-p3rj-q5q6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Distinct transparency logs with a verified entry.
    pub tlog: usize,
    /// Distinct CT logs with a verified SCT (keyless only).
    pub ctlog: usize,
    /// Distinct verified time sources (log SETs and TSAs).
    pub timestamps: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { tlog: 1, ctlog: 1, timestamps: 1 }
    }
}

/// Where a verified time came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "source")]
pub enum TimeSource {
    /// A Rekor v1 signed entry timestamp.
    TransparencyLog {
        /// Log base URL.
        log: String,
        /// Entry index in the bundle.
        entry: usize,
    },
    /// An RFC 3161 timestamp.
    TimestampAuthority {
        /// TSA URI.
        authority: String,
        /// Timestamp index in the bundle.
        timestamp: usize,
    },
}

/// A time vouched for by a trusted authority.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedTime {
    /// The time.
    pub time: UnixTime,
    /// Who vouched.
    #[serde(flatten)]
    pub source: TimeSource,
}

/// A log entry that was checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckedLogEntry {
    /// Log base URL.
    pub log: String,
    /// Log id, hex.
    pub log_id: String,
    /// Entry index in the log.
    pub log_index: u64,
    /// kind/version.
    pub kind: String,
    /// True when a signed entry timestamp was verified.
    pub promise_verified: bool,
    /// True when an inclusion proof and its checkpoint were verified.
    pub proof_verified: bool,
}

/// The signer, as verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type")]
pub enum VerifiedSigner {
    /// A Fulcio certificate.
    Certificate {
        /// Subject alternative names.
        san: Vec<x509::SubjectAltName>,
        /// Fulcio extensions.
        extensions: x509::FulcioExtensions,
        /// Certificate authority URI.
        authority: String,
        /// Validity.
        not_before: UnixTime,
        /// Validity.
        not_after: UnixTime,
        /// SHA-256 of the certificate DER, hex.
        sha256: String,
        /// CT logs whose SCTs verified.
        ct_logs: Vec<String>,
    },
    /// A public key.
    Key {
        /// SHA-256 of the SubjectPublicKeyInfo DER, hex.
        sha256: String,
    },
}

/// The outcome of a successful verification. Only the verifier constructs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct VerifiedBundle {
    /// Bundle version.
    pub version: BundleVersion,
    /// Who signed.
    pub signer: VerifiedSigner,
    /// Verified times, each with its authority.
    pub times: Vec<VerifiedTime>,
    /// Log entries checked.
    pub tlog_entries: Vec<CheckedLogEntry>,
    /// For DSSE in-toto bundles: the statement, and which subject is the artifact.
    pub statement: Option<(Statement, usize)>,
    /// The verification time the caller gave.
    pub verified_at: UnixTime,
}

/// Verifies bundles against one trusted root with one backend.
#[derive(Clone, Copy)]
pub struct Verifier<'r> {
    root: &'r TrustedRoot,
    backend: &'r dyn Backend,
    thresholds: Thresholds,
}

impl<'r> Verifier<'r> {
    /// A verifier with default thresholds (one log, one CT log, one verified time).
    #[must_use]
    pub fn new(root: &'r TrustedRoot, backend: &'r dyn Backend) -> Self {
        Self { root, backend, thresholds: Thresholds::default() }
    }

    /// Sets the thresholds.
    #[must_use]
    pub const fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Verifies `bundle` for `artifact` against `policy`, at verification time `now`.
    pub fn verify(&self, bundle: &Bundle, artifact: &Artifact<'_>, policy: &SignerPolicy, now: UnixTime) -> Result<VerifiedBundle> {
        let b = self.backend;

        // 1. Material fits the expectation.
        let untrusted;
        let (signing_key, leaf): (&PublicKey, Option<(&Certificate, &[Certificate])>) = match (&bundle.material, policy) {
            (VerificationMaterial::Certificate { leaf, intermediates }, SignerPolicy::Identity(_)) => {
                untrusted = self.untrusted_intermediates(intermediates)?;
                (leaf.public_key(), Some((leaf, untrusted.as_slice())))
            }
            (VerificationMaterial::PublicKey { .. }, SignerPolicy::Key(k)) => (&k.key, None),
            (VerificationMaterial::PublicKey { .. }, SignerPolicy::Identity(_)) => {
                return Err(Error::SignerMismatch("bundle is signed with a key, but a certificate identity was expected"));
            }
            (VerificationMaterial::Certificate { .. }, SignerPolicy::Key(_)) => {
                return Err(Error::SignerMismatch("bundle carries a certificate, but a public key was expected"));
            }
        };

        // 2. Signature over the content, and the artifact binding.
        let scheme = signing_key.default_scheme();
        let mut statement = None;
        let signed_digest: Option<Digest> = match &bundle.content {
            Content::MessageSignature { digest, signature } => {
                let artifact_digest = match (artifact, digest) {
                    (Artifact::Bytes(bytes), Some((alg, d))) => {
                        let have = b.digest(*alg, bytes);
                        if !have.ct_eq_bytes(*alg, d) {
                            return Err(Error::ArtifactMismatch("messageDigest is not the artifact's digest"));
                        }
                        have
                    }
                    (Artifact::Bytes(bytes), None) => b.digest(scheme.hash().unwrap_or(HashAlgorithm::Sha256), bytes),
                    (Artifact::Digest(have), Some((alg, d))) => {
                        if !have.ct_eq_bytes(*alg, d) {
                            return Err(Error::ArtifactMismatch("messageDigest is not the artifact's digest"));
                        }
                        *have
                    }
                    (Artifact::Digest(have), None) => *have,
                };
                // The artifact is hashed once: its digest serves the signature check when the
                // scheme hashes with the same algorithm, and the log body comparison below.
                let message = match artifact {
                    _ if scheme.hash() == Some(artifact_digest.algorithm()) => Message::Prehashed(&artifact_digest),
                    Artifact::Bytes(bytes) => Message::Raw(bytes),
                    Artifact::Digest(d) => Message::Prehashed(d),
                };
                crypto::verify_signature(b, || String::from("message signature"), scheme, signing_key, message, signature)?;
                Some(artifact_digest)
            }
            Content::Dsse(env) => {
                let pae = dsse::pae(&env.payload_type, &env.payload);
                crypto::verify_signature(b, || String::from("DSSE envelope signature"), scheme, signing_key, Message::Raw(&pae), &env.signature)?;
                if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
                    return Err(Error::Dsse(alloc::format!("payloadType {:?} cannot bind an artifact", env.payload_type)));
                }
                let st = Statement::from_json(&env.payload)?;
                let idx = st.matching_subject(b, artifact)?;
                statement = Some((st, idx));
                None
            }
        };

        // 3. Identity.
        if let (SignerPolicy::Identity(id), Some((leaf, _))) = (policy, leaf) {
            id.check(leaf)?;
        }

        // 4. Log entries.
        let mut times: Vec<VerifiedTime> = Vec::new();
        let mut entries = Vec::with_capacity(bundle.tlog_entries.len());
        let mut unverified_logs: Vec<(usize, &LogKey)> = Vec::new();
        for (i, e) in bundle.tlog_entries.iter().enumerate() {
            let log = self
                .root
                .tlogs()
                .iter()
                .find(|l| ct_eq(&l.key_id, &e.log_id))
                .ok_or_else(|| Error::UnknownLog { index: i, log_id: hex_encode(&e.log_id) })?;
            let claims = body::parse(i, &e.kind, &e.version, &e.body)?;
            self.check_body(i, &claims, bundle, signing_key, leaf.map(|l| l.0), artifact, signed_digest.as_ref())?;

            let promise_verified = match &e.signed_entry_timestamp {
                Some(sig) => {
                    let t = UnixTime::from_secs(e.integrated_time);
                    if !log.valid_for.contains(t) {
                        return Err(Error::KeyOutsideValidity { what: alloc::format!("tlog {}", log.base_url), time: t.secs() });
                    }
                    let payload = set::signed_payload(&e.body, e.integrated_time, &e.log_id, e.log_index);
                    b.verify(log.scheme, &log.key, Message::Raw(payload.as_bytes()), sig).map_err(|()| Error::InvalidSignedEntryTimestamp { index: i })?;
                    if t > now {
                        return Err(Error::TimeInFuture { what: alloc::format!("tlog entry {i} integrated time"), time: t.secs(), now: now.secs() });
                    }
                    times.push(VerifiedTime { time: t, source: TimeSource::TransparencyLog { log: log.base_url.clone(), entry: i } });
                    true
                }
                None => {
                    // Without a promise the log key's window is checked against the verified times below.
                    unverified_logs.push((i, log));
                    false
                }
            };
            let proof_verified = match &e.inclusion_proof {
                // v0.1 bundles may carry a proof without a checkpoint: its root is unauthenticated,
                // so the signed entry timestamp (required for v0.1) is the evidence.
                Some(p) if p.checkpoint.is_none() && bundle.version == BundleVersion::V0_1 => false,
                Some(_) => {
                    self.check_inclusion(i, e, log)?;
                    true
                }
                None => false,
            };
            // Without a signed entry timestamp, nothing signs the entry's logIndex or
            // integratedTime: the index must be the leaf index the inclusion proof verified
            // (Rekor v2), and the integrated time is neither used nor reported.
            if !promise_verified && e.inclusion_proof.as_ref().is_some_and(|p| p.log_index != e.log_index) {
                return Err(Error::InclusionProof { index: i, reason: "logIndex is not the leaf index the inclusion proof verifies" });
            }
            entries.push(CheckedLogEntry {
                log: log.base_url.clone(),
                log_id: hex_encode(&e.log_id),
                log_index: e.log_index,
                kind: alloc::format!("{}/{}", e.kind, e.version),
                promise_verified,
                proof_verified,
            });
        }

        // 5. RFC 3161 timestamps.
        for (j, der) in bundle.timestamps.iter().enumerate() {
            let (t, tsa) = self.check_timestamp(j, der, bundle.content.signature())?;
            if t > now {
                return Err(Error::TimeInFuture { what: alloc::format!("timestamp {j}"), time: t.secs(), now: now.secs() });
            }
            times.push(VerifiedTime { time: t, source: TimeSource::TimestampAuthority { authority: tsa.uri.clone(), timestamp: j } });
        }

        // 6. Thresholds over distinct authorities.
        let distinct_logs = count_distinct(entries.iter().map(|e| e.log_id.as_str()));
        if distinct_logs < self.thresholds.tlog {
            return Err(Error::Threshold { what: "transparency log entries", need: self.thresholds.tlog, got: distinct_logs });
        }
        let distinct_times = count_distinct(times.iter().map(|t| match &t.source {
            TimeSource::TransparencyLog { log, .. } => log.as_str(),
            TimeSource::TimestampAuthority { authority, .. } => authority.as_str(),
        }));
        if distinct_times < self.thresholds.timestamps {
            return Err(Error::Threshold { what: "verified timestamps", need: self.thresholds.timestamps, got: distinct_times });
        }
        for (i, log) in unverified_logs {
            if !times.iter().any(|t| log.valid_for.contains(t.time)) {
                return Err(Error::KeyOutsideValidity { what: alloc::format!("tlog {} (entry {i})", log.base_url), time: times.first().map_or(0, |t| t.time.secs()) });
            }
        }

        // 7. The signer at every verified time.
        let signer = match (policy, leaf) {
            (SignerPolicy::Identity(_), Some((leaf, intermediates))) => self.check_certificate(leaf, intermediates, &times)?,
            (SignerPolicy::Key(k), _) => {
                if let Some(w) = &k.valid_for {
                    if let Some(t) = times.iter().find(|t| !w.contains(t.time)) {
                        return Err(Error::KeyOutsideValidity { what: String::from("signing key"), time: t.time.secs() });
                    }
                }
                VerifiedSigner::Key { sha256: hex_encode(b.digest(HashAlgorithm::Sha256, k.key.spki_der()).as_bytes()) }
            }
            (SignerPolicy::Identity(_), None) => return Err(Error::SignerMismatch("no certificate")),
        };

        Ok(VerifiedBundle { version: bundle.version, signer, times, tlog_entries: entries, statement, verified_at: now })
    }

    /// Certificates the bundle carries after the leaf, less those byte-identical to trusted CA
    /// certificates (cosign and npm write the whole chain; those copies add nothing). Any other
    /// self-issued certificate is a root the bundle tries to bring along, and is rejected.
    fn untrusted_intermediates(&self, carried: &[Certificate]) -> Result<Vec<Certificate>> {
        let cas = self.root.certificate_authorities();
        let mut out = Vec::with_capacity(carried.len());
        for (i, c) in carried.iter().enumerate() {
            if cas.iter().any(|ca| ca.chain.iter().any(|t| ct_eq(t.der(), c.der()))) {
                continue;
            }
            if c.is_self_issued() {
                return Err(Error::ChainContainsRoot { index: i + 1 });
            }
            out.push(c.clone());
        }
        Ok(out)
    }

    /// Requires every claim of a log entry body to describe this bundle.
    #[allow(clippy::too_many_arguments)]
    fn check_body(
        &self,
        i: usize,
        claims: &EntryClaims,
        bundle: &Bundle,
        key: &PublicKey,
        leaf: Option<&Certificate>,
        artifact: &Artifact<'_>,
        signed_digest: Option<&Digest>,
    ) -> Result<()> {
        let b = self.backend;
        let mismatch = |field| Error::TlogBodyMismatch { index: i, field };
        match (&bundle.content, &claims.signed_digest, &claims.payload_hash) {
            (Content::MessageSignature { .. }, Some((alg, d)), None) => {
                let have = match (artifact, signed_digest) {
                    (_, Some(sd)) if sd.algorithm() == *alg => *sd,
                    (Artifact::Bytes(bytes), _) => b.digest(*alg, bytes),
                    (Artifact::Digest(_), _) => return Err(mismatch("artifact digest")),
                };
                if !have.ct_eq_bytes(*alg, d) {
                    return Err(mismatch("artifact digest"));
                }
            }
            (Content::Dsse(env), Some((alg, d)), None) => {
                // Rekor v2 logs DSSE as hashedrekord over the PAE.
                if !b.digest(*alg, &dsse::pae(&env.payload_type, &env.payload)).ct_eq_bytes(*alg, d) {
                    return Err(mismatch("DSSE PAE digest"));
                }
            }
            (Content::Dsse(env), None, Some(ph)) => {
                if !b.digest(HashAlgorithm::Sha256, &env.payload).ct_eq_bytes(HashAlgorithm::Sha256, ph) {
                    return Err(mismatch("DSSE payload hash"));
                }
                if claims.payload_type.as_ref().is_some_and(|t| *t != env.payload_type) {
                    return Err(mismatch("DSSE payload type"));
                }
            }
            _ => return Err(Error::UnsupportedEntry { index: i, kind: String::from("entry kind does not fit the bundle content") }),
        }
        if !ct_eq(&claims.signature, bundle.content.signature()) {
            return Err(mismatch("signature"));
        }
        let verifier_ok = match (&claims.verifier, leaf) {
            (EntryVerifier::Certificate(der), Some(leaf)) => ct_eq(der, leaf.der()),
            (EntryVerifier::PublicKey(spki), None) => ct_eq(spki, key.spki_der()),
            _ => false,
        };
        if !verifier_ok {
            return Err(mismatch("certificate or public key"));
        }
        Ok(())
    }

    /// Verifies an entry's inclusion proof and the checkpoint that signs its root.
    fn check_inclusion(&self, i: usize, e: &TlogEntry, log: &LogKey) -> Result<()> {
        let b = self.backend;
        let Some(proof) = &e.inclusion_proof else { return Ok(()) };
        let leaf = merkle::leaf_hash(b, &e.body);
        // Rekor v1 proofs carry the shard-relative index, which differs from the entry's global
        // logIndex; the proof's own index is what the tree position is checked against.
        merkle::verify_inclusion(b, proof.log_index, proof.tree_size, &leaf, &proof.hashes, &proof.root_hash)
            .map_err(|reason| Error::InclusionProof { index: i, reason })?;
        let note = proof.checkpoint.as_deref().ok_or(Error::MissingEvidence("inclusion proof without a checkpoint"))?;
        let cp = Checkpoint::parse(note).map_err(|err| match err {
            CheckpointError::Malformed(reason) => Error::Checkpoint { index: i, reason },
            CheckpointError::NotSigned => Error::CheckpointSignature { index: i, log_id: hex_encode(&log.key_id) },
        })?;
        if cp.size != proof.tree_size || !ct_eq(&cp.root_hash, &proof.root_hash) {
            return Err(Error::Checkpoint { index: i, reason: "tree size or root hash differs from the inclusion proof" });
        }
        let name = checkpoint::signer_name(log);
        if log.key.algorithm() == crate::crypto::KeyAlgorithm::Ed25519 && name.as_deref().is_some_and(|n| cp.origin != n) {
            return Err(Error::Checkpoint { index: i, reason: "origin is not the log's" });
        }
        cp.verify(b, log, name.as_deref()).map_err(|_| Error::CheckpointSignature { index: i, log_id: hex_encode(&log.key_id) })
    }

    /// Verifies RFC 3161 timestamp `j` over `signature`; returns its time and authority.
    fn check_timestamp(&self, j: usize, der: &[u8], signature: &[u8]) -> Result<(UnixTime, &'r Authority)> {
        let b = self.backend;
        let token = TimestampToken::parse(j, der)?;
        let imprint = token.message_imprint();
        if !b.digest(imprint.algorithm(), signature).ct_eq_bytes(imprint.algorithm(), imprint.as_bytes()) {
            return Err(Error::TimestampImprint { index: j });
        }
        let t = token.gen_time();
        let mut last_err = None;
        for tsa in self.root.timestamp_authorities() {
            let Some(signer) = tsa.chain.first() else { continue };
            if !token.signer_matches(signer) {
                continue;
            }
            let attempt = (|| {
                token.verify_signature(b, j, signer)?;
                let chain: Vec<&Certificate> = tsa.chain.iter().skip(1).collect();
                let check = PathCheck { time: t, leaf_eku: Some(OID_EKU_TIME_STAMPING), trusted_from: 0, leaf_signature_verified: !chain.is_empty() };
                if chain.is_empty() {
                    if !signer.valid_at(t) {
                        return Err(Error::CertificateNotValidAt { what: alloc::format!("timestamp {j} signer"), time: t.secs(), not_before: signer.not_before().secs(), not_after: signer.not_after().secs() });
                    }
                } else {
                    x509::verify_path(b, &alloc::format!("timestamp {j} signer"), signer, &chain, &check)?;
                }
                if !tsa.valid_for.contains(t) {
                    return Err(Error::AuthorityOutsideValidity { what: alloc::format!("timestamp authority {}", tsa.uri), time: t.secs() });
                }
                Ok(())
            })();
            match attempt {
                Ok(()) => return Ok((t, tsa)),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or(Error::UnknownTimestampAuthority { index: j }))
    }

    /// Keyless: at every verified time the leaf is valid and chains to a CA trusted then; SCTs.
    fn check_certificate(&self, leaf: &Certificate, intermediates: &[Certificate], times: &[VerifiedTime]) -> Result<VerifiedSigner> {
        let b = self.backend;
        let mut authority: Option<&Authority> = None;
        // The leaf's signature is verified once per CA: at a later time it is skipped only when
        // the same CA is tried again.
        for (n, vt) in times.iter().enumerate() {
            let t = vt.time;
            if !leaf.valid_at(t) {
                return Err(Error::SigningTimeOutsideCertificate { time: t.secs(), not_before: leaf.not_before().secs(), not_after: leaf.not_after().secs() });
            }
            let top = intermediates.last().unwrap_or(leaf);
            let candidates: Vec<&Authority> = self
                .root
                .certificate_authorities()
                .iter()
                .filter(|ca| ca.chain.first().is_some_and(|c| c.subject_der() == top.issuer_der()))
                .collect();
            if candidates.is_empty() {
                return Err(Error::UnknownIssuer { what: String::from("signing certificate") });
            }
            let mut last_err = Error::AuthorityOutsideValidity { what: String::from("certificate authority"), time: t.secs() };
            let mut found = None;
            for ca in candidates.iter().filter(|ca| ca.valid_for.contains(t)) {
                let chain: Vec<&Certificate> = intermediates.iter().chain(ca.chain.iter()).collect();
                let check = PathCheck { time: t, leaf_eku: Some(OID_EKU_CODE_SIGNING), trusted_from: intermediates.len(), leaf_signature_verified: n > 0 && authority.is_some_and(|a| core::ptr::eq(a, *ca)) };
                match x509::verify_path(b, "signing certificate", leaf, &chain, &check) {
                    Ok(()) => {
                        found = Some(*ca);
                        break;
                    }
                    Err(e) => last_err = e,
                }
            }
            authority = Some(found.ok_or(last_err)?);
        }
        let authority = authority.ok_or(Error::MissingEvidence("no verified time for the signing certificate"))?;
        let issuer = intermediates.first().or_else(|| authority.chain.first()).ok_or(Error::MissingEvidence("no issuer"))?;
        let ct_logs = check_scts(b, self.root, leaf, issuer, self.thresholds.ctlog)?;
        Ok(VerifiedSigner::Certificate {
            san: leaf.subject_alt_names().to_vec(),
            extensions: leaf.fulcio().clone(),
            authority: authority.uri.clone(),
            not_before: leaf.not_before(),
            not_after: leaf.not_after(),
            sha256: hex_encode(b.digest(HashAlgorithm::Sha256, leaf.der()).as_bytes()),
            ct_logs,
        })
    }
}

/// Embedded SCTs: each from a trusted CT log valid at the SCT time, over this precertificate;
/// at least `threshold` distinct CT logs must verify. Returns their base URLs.
pub(crate) fn check_scts(b: &dyn Backend, root: &TrustedRoot, leaf: &Certificate, issuer: &Certificate, threshold: usize) -> Result<Vec<String>> {
    let scts = x509::embedded_scts(leaf)?;
    let issuer_key_hash = b.digest(HashAlgorithm::Sha256, issuer.public_key().spki_der());
    let mut verified: Vec<String> = Vec::new();
    let mut first_err = None;
    for (k, sct) in scts.iter().enumerate() {
        let Some(log) = root.ctlogs().iter().find(|l| ct_eq(&l.key_id, &sct.log_id)) else {
            first_err.get_or_insert(Error::UnknownCtLog { index: k, log_id: hex_encode(&sct.log_id) });
            continue;
        };
        let t = UnixTime::from_secs(i64::try_from(sct.timestamp_ms / 1000).unwrap_or(i64::MAX));
        if !log.valid_for.contains(t) {
            first_err.get_or_insert(Error::KeyOutsideValidity { what: alloc::format!("CT log {}", log.base_url), time: t.secs() });
            continue;
        }
        let signed = x509::sct::precert_signed_data(sct, leaf, issuer_key_hash.as_bytes())?;
        if b.verify(sct.scheme, &log.key, Message::Raw(&signed), &sct.signature).is_err() {
            first_err.get_or_insert(Error::SctSignature { index: k });
            continue;
        }
        if !verified.contains(&log.base_url) {
            verified.push(log.base_url.clone());
        }
    }
    if verified.len() < threshold {
        return Err(first_err.unwrap_or(Error::Threshold { what: "signed certificate timestamps", need: threshold, got: verified.len() }));
    }
    Ok(verified)
}

fn count_distinct<'a>(it: impl Iterator<Item = &'a str>) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for s in it {
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen.len()
}
