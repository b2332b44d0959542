//! Bundle verification: from a parsed [`Bundle`] to a [`VerifiedSignature`], or a precise error.
//! The one Sigstore verifier: cosign's legacy signatures and attestations are re-expressed as
//! bundles ([`crate::cosign`]) and verified here too.
//!
//! Steps, in order, cheapest first (each fails closed; all must pass):
//! 1. [`Verifier::material`]: the verification material fits the expectation (a certificate
//!    for an identity, or a key the caller trusts);
//! 2. [`Verifier::binding`]: the artifact is the one signed (message digest, or an in-toto
//!    subject equal on every shared digest algorithm);
//! 3. the certificate identity matches (SAN, OIDC issuer, Fulcio extensions);
//! 4. [`Verifier::signature`]: the signature verifies over the artifact or the DSSE PAE;
//! 5. [`Verifier::log_entries`]: every log entry's log is trusted, its body records this
//!    signature, key and artifact, its signed entry timestamp verifies (log key valid at the
//!    integrated time), its inclusion proof leads to a checkpoint signed by the log;
//! 6. [`Verifier::timestamps`]: every RFC 3161 timestamp is over the signature and signed by a
//!    trusted TSA valid then; then thresholds over distinct logs and time sources;
//! 7. [`Verifier::signer`]: a certificate chains to a CA trusted at every verified time (path
//!    building with backtracking) with SCTs from trusted CT logs; a key's window contains every
//!    verified time.

use alloc::string::String;
use alloc::vec::Vec;

use super::bundle::{Bundle, BundleVersion, Content, TlogEntry, VerificationMaterial};
use super::dsse::{self, IN_TOTO_PAYLOAD_TYPE};
use super::intoto::Statement;
use super::rekor::body::{self, EntryClaims, EntryVerifier};
use super::rekor::checkpoint::{self, Checkpoint, CheckpointError};
use super::rekor::{merkle, set};
use super::trusted_root::{Authority, LogKey, TrustedRoot};
use super::tsa::TimestampToken;
use crate::crypto::{self, Backend, Digest, HashAlgorithm, Message, PublicKey, ct_eq};
use crate::encoding::hex_encode;
use crate::error::{Error, Result};
use crate::facts::{BoundDigest, CheckedLogEntry, SignatureFormat, TimeSource, VerifiedSignature, VerifiedSigner, VerifiedTime};
use crate::time::UnixTime;
use crate::trust::{Signers, Thresholds, TrustedKey};
use crate::x509::{self, Certificate, KeyPurpose, PathBuilder};

/// The artifact a bundle is checked against: its bytes, or only its digest.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// The artifact bytes.
    Bytes(&'a [u8]),
    /// A digest of the artifact (`sha256:…`, `sha384:…`, `sha512:…`).
    Digest(Digest),
}

/// Verifies bundles against one trusted root with one set of thresholds.
pub struct Verifier<'r> {
    root: &'r TrustedRoot,
    backend: &'r dyn Backend,
    thresholds: Thresholds,
    format: SignatureFormat,
}

/// What steps 1–4 established: the signing key, the leaf and its untrusted intermediates,
/// the digest signed (message signatures) and the statement (DSSE).
struct Signed<'b> {
    key: &'b PublicKey,
    trusted_key: Option<&'b TrustedKey>,
    leaf: Option<(&'b Certificate, Vec<Certificate>)>,
    signed_digest: Option<Digest>,
    statement: Option<(Statement, usize)>,
}

impl<'r> Verifier<'r> {
    /// A verifier with default thresholds (one log, one CT log, one verified time).
    #[must_use]
    pub fn new(root: &'r TrustedRoot, backend: &'r dyn Backend) -> Self {
        Self { root, backend, thresholds: Thresholds::default(), format: SignatureFormat::SigstoreBundle }
    }

    /// Sets the thresholds.
    #[must_use]
    pub const fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Records the evidence as another format re-expressed as a bundle (cosign legacy forms).
    #[must_use]
    pub(crate) const fn with_format(mut self, format: SignatureFormat) -> Self {
        self.format = format;
        self
    }

    /// Verifies `bundle` for `artifact`, signed by one of `signers`, at verification time `now`.
    pub fn verify(&self, bundle: &Bundle, artifact: &Artifact<'_>, signers: &Signers, now: UnixTime) -> Result<VerifiedSignature> {
        let candidates = self.material(bundle, signers)?;
        let (signed_digest, statement) = self.binding(bundle, artifact, candidates.first().copied())?;
        let leaf = match (&bundle.material, signers) {
            (VerificationMaterial::Certificate { leaf, intermediates }, Signers::Certificate(id)) => {
                let intermediates = self.untrusted_intermediates(intermediates)?;
                id.check(leaf)?;
                Some((leaf, intermediates))
            }
            _ => None,
        };
        let (key, trusted_key) = self.signature(bundle, artifact, signed_digest.as_ref(), &candidates)?;
        if let Content::Dsse(env) = &bundle.content {
            if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
                return Err(Error::Dsse(alloc::format!("payloadType {:?} cannot bind an artifact", env.payload_type)));
            }
        }
        let signed = Signed { key, trusted_key, leaf, signed_digest, statement };
        let (entries, mut times) = self.log_entries(bundle, artifact, &signed, now)?;
        times.extend(self.timestamps(bundle, now)?);
        self.thresholds_met(bundle, &entries, &times)?;
        let signer = self.signer(&signed, &times, now)?;

        let digests = match (&signed.statement, signed.signed_digest) {
            (Some((st, i)), _) => st.subjects[*i].digests().into_iter().map(BoundDigest).collect(),
            (None, Some(d)) => alloc::vec![BoundDigest(d)],
            (None, None) => Vec::new(),
        };
        let (statement, matched_subject) = match signed.statement {
            Some((st, i)) => (Some(st), Some(i)),
            None => (None, None),
        };
        Ok(VerifiedSignature {
            format: self.format,
            bundle_version: (self.format == SignatureFormat::SigstoreBundle).then_some(bundle.version),
            signer,
            digests,
            signed_reference: statement.as_ref().zip(matched_subject).map(|(st, i)| st.subjects[i].name.clone()),
            statement,
            matched_subject,
            times,
            tlog_entries: entries,
            verified_at: now,
        })
    }

    /// Step 1: the keys that may have signed (with a certificate: the leaf's, checked against
    /// the identity in step 3), most likely first (a key whose id is the bundle's hint).
    fn material<'b>(&self, bundle: &'b Bundle, signers: &'b Signers) -> Result<Vec<(&'b PublicKey, Option<&'b TrustedKey>)>> {
        match (&bundle.material, signers) {
            (VerificationMaterial::Certificate { leaf, .. }, Signers::Certificate(_)) => Ok(alloc::vec![(leaf.public_key(), None)]),
            (VerificationMaterial::PublicKey { hint }, Signers::Keys(keys)) => {
                if keys.is_empty() {
                    return Err(Error::BadSignature { what: String::from("bundle signature (no key is trusted)") });
                }
                let hinted = |k: &&TrustedKey| hint.as_deref().is_some_and(|h| crate::encoding::base64_decode("key hint", h).is_ok_and(|h| ct_eq(&h, k.id())));
                let (first, rest): (Vec<&TrustedKey>, Vec<&TrustedKey>) = keys.iter().partition(hinted);
                Ok(first.into_iter().chain(rest).map(|k| (k.key(), Some(k))).collect())
            }
            (VerificationMaterial::PublicKey { .. }, Signers::Certificate(_)) => {
                Err(Error::SignerMismatch("bundle is signed with a key, but a certificate identity was expected"))
            }
            (VerificationMaterial::Certificate { .. }, Signers::Keys(_)) => {
                Err(Error::SignerMismatch("bundle carries a certificate, but a public key was expected"))
            }
        }
    }

    /// Step 2: the artifact binding, before any signature is checked. Message signatures: the
    /// artifact's digest (hashed once, with the messageDigest's algorithm, else the signing
    /// scheme's). DSSE: an in-toto statement whose subject is the artifact.
    fn binding(&self, bundle: &Bundle, artifact: &Artifact<'_>, key: Option<(&PublicKey, Option<&TrustedKey>)>) -> Result<(Option<Digest>, Option<(Statement, usize)>)> {
        let b = self.backend;
        match &bundle.content {
            Content::MessageSignature { digest, .. } => {
                let scheme_hash = key.and_then(|(k, _)| k.default_scheme().hash()).unwrap_or(HashAlgorithm::Sha256);
                let have = match (artifact, digest) {
                    (Artifact::Bytes(bytes), Some((alg, _))) => b.digest(*alg, bytes),
                    (Artifact::Bytes(bytes), None) => b.digest(scheme_hash, bytes),
                    (Artifact::Digest(d), _) => *d,
                };
                if let Some((alg, d)) = digest {
                    if !have.ct_eq_bytes(*alg, d) {
                        return Err(Error::ArtifactMismatch("messageDigest is not the artifact's digest"));
                    }
                }
                Ok((Some(have), None))
            }
            // Another payload type cannot bind an artifact; that is reported after the envelope
            // signature is checked (step 4), since the signature covers the type.
            Content::Dsse(env) if env.payload_type != IN_TOTO_PAYLOAD_TYPE => Ok((None, None)),
            Content::Dsse(env) => {
                let st = Statement::from_json(&env.payload)?;
                let idx = st.matching_subject(b, artifact)?;
                Ok((None, Some((st, idx))))
            }
        }
    }

    /// Step 4: the signature over the content, by the first candidate key that verifies.
    fn signature<'b>(
        &self,
        bundle: &Bundle,
        artifact: &Artifact<'_>,
        signed_digest: Option<&Digest>,
        candidates: &[(&'b PublicKey, Option<&'b TrustedKey>)],
    ) -> Result<(&'b PublicKey, Option<&'b TrustedKey>)> {
        let b = self.backend;
        let mut last = Error::BadSignature { what: String::from("bundle signature") };
        for &(key, trusted) in candidates {
            let scheme = key.default_scheme();
            let r = match &bundle.content {
                Content::MessageSignature { signature, .. } => {
                    let message = match (artifact, signed_digest) {
                        (_, Some(d)) if scheme.hash() == Some(d.algorithm()) => Message::Prehashed(d),
                        (Artifact::Bytes(bytes), _) => Message::Raw(bytes),
                        (Artifact::Digest(d), _) => Message::Prehashed(d),
                    };
                    crypto::verify_signature(b, || String::from("message signature"), scheme, key, message, signature)
                }
                Content::Dsse(env) => {
                    let pae = dsse::pae(&env.payload_type, &env.payload);
                    crypto::verify_signature(b, || String::from("DSSE envelope signature"), scheme, key, Message::Raw(&pae), &env.signature)
                }
            };
            match r {
                Ok(()) => return Ok((key, trusted)),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Step 5: every log entry, with the times their signed entry timestamps vouch for.
    fn log_entries(&self, bundle: &Bundle, artifact: &Artifact<'_>, signed: &Signed<'_>, now: UnixTime) -> Result<(Vec<CheckedLogEntry>, Vec<VerifiedTime>)> {
        let b = self.backend;
        let mut times = Vec::new();
        let mut entries = Vec::with_capacity(bundle.tlog_entries.len());
        for (i, e) in bundle.tlog_entries.iter().enumerate() {
            let log = self
                .root
                .tlogs()
                .iter()
                .find(|l| ct_eq(&l.key_id, &e.log_id))
                .ok_or_else(|| Error::UnknownLog { index: i, log_id: hex_encode(&e.log_id) })?;
            let claims = body::parse(i, &e.kind, &e.version, &e.body)?;
            self.check_body(i, &claims, bundle, signed.key, signed.leaf.as_ref().map(|l| l.0), artifact, signed.signed_digest.as_ref())?;

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
                None => false,
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
        Ok((entries, times))
    }

    /// Step 6a: every RFC 3161 timestamp, with its time.
    fn timestamps(&self, bundle: &Bundle, now: UnixTime) -> Result<Vec<VerifiedTime>> {
        let mut times = Vec::new();
        for (j, der) in bundle.timestamps.iter().enumerate() {
            let (t, tsa) = self.check_timestamp(j, der, bundle.content.signature())?;
            if t > now {
                return Err(Error::TimeInFuture { what: alloc::format!("timestamp {j}"), time: t.secs(), now: now.secs() });
            }
            times.push(VerifiedTime { time: t, source: TimeSource::TimestampAuthority { authority: tsa.uri.clone(), timestamp: j } });
        }
        Ok(times)
    }

    /// Step 6b: thresholds over distinct authorities; a log whose entry has no signed entry
    /// timestamp must be trusted at one of the verified times.
    fn thresholds_met(&self, bundle: &Bundle, entries: &[CheckedLogEntry], times: &[VerifiedTime]) -> Result<()> {
        if entries.is_empty() && self.thresholds.tlog > 0 {
            return Err(Error::MissingEvidence("a transparency log entry (the trust requires one)"));
        }
        let distinct_logs = count_distinct(entries.iter().map(|e| e.log_id.as_str()));
        if distinct_logs < self.thresholds.tlog {
            return Err(Error::Threshold { what: "transparency log entries", need: self.thresholds.tlog, got: distinct_logs });
        }
        let distinct_times = count_distinct(times.iter().map(|t| match &t.source {
            TimeSource::TransparencyLog { log, .. } => log.as_str(),
            TimeSource::TimestampAuthority { authority, .. } => authority.as_str(),
            #[cfg(feature = "notation")]
            TimeSource::SigningAuthority => "signing-authority",
        }));
        if distinct_times < self.thresholds.timestamps {
            return Err(Error::Threshold { what: "verified timestamps", need: self.thresholds.timestamps, got: distinct_times });
        }
        for (i, e) in bundle.tlog_entries.iter().enumerate().filter(|(_, e)| e.signed_entry_timestamp.is_none()) {
            let Some(log) = self.root.tlogs().iter().find(|l| ct_eq(&l.key_id, &e.log_id)) else { continue };
            if !times.iter().any(|t| log.valid_for.contains(t.time)) {
                return Err(Error::KeyOutsideValidity {
                    what: alloc::format!("tlog {} (entry {i})", log.base_url),
                    time: times.first().map_or(0, |t| t.time.secs()),
                });
            }
        }
        Ok(())
    }

    /// Step 7: the signer at every verified time.
    fn signer(&self, signed: &Signed<'_>, times: &[VerifiedTime], now: UnixTime) -> Result<VerifiedSigner> {
        let b = self.backend;
        match (&signed.leaf, signed.trusted_key) {
            (Some((leaf, intermediates)), _) => self.check_certificate(leaf, intermediates, times, now),
            (None, Some(k)) => {
                if let Some(w) = k.valid_for() {
                    if let Some(t) = times.iter().find(|t| !w.contains(t.time)) {
                        return Err(Error::KeyOutsideValidity { what: String::from("signing key"), time: t.time.secs() });
                    }
                }
                Ok(VerifiedSigner::Key { sha256: hex_encode(b.digest(HashAlgorithm::Sha256, signed.key.spki_der()).as_bytes()) })
            }
            (None, None) => Err(Error::SignerMismatch("no certificate")),
        }
    }

    /// Certificates the bundle carries after the leaf, less those byte-identical to trusted CA
    /// certificates (cosign and npm write the whole chain; those copies add nothing). Any other
    /// self-issued certificate is a root the bundle tries to bring along, and is rejected.
    fn untrusted_intermediates(&self, carried: &[Certificate]) -> Result<Vec<Certificate>> {
        let cas = self.root.certificate_authorities();
        let mut out = Vec::with_capacity(carried.len());
        for (i, c) in carried.iter().enumerate() {
            if cas.iter().any(|ca| ca.chain().iter().any(|t| ct_eq(t.der(), c.der()))) {
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
        if !ct_eq(&claims.signature, bundle.content.signature()) {
            return Err(mismatch("signature"));
        }
        // A simple-signing signature's artifact is its payload.
        let artifact_field = if self.format == SignatureFormat::CosignSimpleSigning { "payload digest" } else { "artifact digest" };
        match (&bundle.content, &claims.signed_digest, &claims.payload_hash) {
            (Content::MessageSignature { .. }, Some((alg, d)), None) => {
                let have = match (artifact, signed_digest) {
                    (_, Some(sd)) if sd.algorithm() == *alg => *sd,
                    (Artifact::Bytes(bytes), _) => b.digest(*alg, bytes),
                    (Artifact::Digest(_), _) => return Err(mismatch(artifact_field)),
                };
                if !have.ct_eq_bytes(*alg, d) {
                    return Err(mismatch(artifact_field));
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
            let signer = tsa.anchor().first();
            if !token.signer_matches(signer) {
                continue;
            }
            let attempt = (|| {
                token.verify_signature(b, j, signer)?;
                tsa.anchor().check_end_entity(&alloc::format!("timestamp {j} signer"), t, KeyPurpose::TimeStamping)?;
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

    /// The leaf is valid at every verified time and chains to a CA trusted at all of them, with
    /// SCTs from trusted CT logs. Without verified times (a `timestamps` threshold of 0), at the
    /// verification time.
    fn check_certificate(&self, leaf: &Certificate, intermediates: &[Certificate], times: &[VerifiedTime], now: UnixTime) -> Result<VerifiedSigner> {
        let b = self.backend;
        let mut at: Vec<UnixTime> = times.iter().map(|t| t.time).collect();
        if at.is_empty() {
            if self.thresholds.timestamps > 0 {
                return Err(Error::MissingEvidence("no verified time for the signing certificate"));
            }
            at.push(now);
        }
        if let Some(t) = at.iter().find(|t| !leaf.valid_at(**t)) {
            return Err(Error::SigningTimeOutsideCertificate { time: t.secs(), not_before: leaf.not_before().secs(), not_after: leaf.not_after().secs() });
        }
        let cas = self.root.certificate_authorities();
        let purpose = self.root.leaf_purpose();
        let pool: Vec<Certificate>;
        let intermediates = if self.root.intermediates().is_empty() {
            intermediates
        } else {
            pool = intermediates.iter().chain(self.root.intermediates()).cloned().collect();
            &pool
        };
        let mut ct_logs = Vec::new();
        let mut accept = |path: &x509::VerifiedPath<'_>| -> Result<()> {
            let ca = &cas[path.anchor_index()];
            if let Some(t) = at.iter().find(|t| !ca.valid_for.contains(**t)) {
                return Err(Error::AuthorityOutsideValidity { what: alloc::format!("certificate authority {}", ca.uri), time: t.secs() });
            }
            ct_logs = check_scts(b, self.root, leaf, path.issuer(), self.thresholds.ctlog)?;
            Ok(())
        };
        let path = PathBuilder::new(b, cas, intermediates, purpose).build("signing certificate", leaf, &at, &mut accept)?;
        Ok(VerifiedSigner::Certificate {
            san: leaf.subject_alt_names().to_vec(),
            extensions: leaf.fulcio().clone(),
            authority: cas[path.anchor_index()].uri.clone(),
            not_before: leaf.not_before(),
            not_after: leaf.not_after(),
            sha256: hex_encode(b.digest(HashAlgorithm::Sha256, leaf.der()).as_bytes()),
            #[cfg(feature = "governance")]
            issuer: leaf.issuer_name(),
            #[cfg(feature = "governance")]
            serial: leaf.serial_hex(),
            ct_logs,
        })
    }
}

/// Embedded SCTs: each from a trusted CT log valid at the SCT time, over this precertificate;
/// at least `threshold` distinct CT logs must verify. Returns their base URLs.
fn check_scts(b: &dyn Backend, root: &TrustedRoot, leaf: &Certificate, issuer: &Certificate, threshold: usize) -> Result<Vec<String>> {
    if threshold == 0 {
        return Ok(Vec::new());
    }
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
