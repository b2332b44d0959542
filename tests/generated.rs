//! Generated negatives: bundles signed by a generated PKI, logs and TSA (`tests/support`), each
//! with one mutation that the verifier must reject with its own [`sealcheck::Error`] variant,
//! beside positive controls that show the unmutated bundle verifies.

mod support;

use sealcheck::UnixTime;
use sealcheck::crypto::{Digest, HashAlgorithm, PublicKey};
use sealcheck::sigstore::trusted_root::Window as KeyWindow;
use sealcheck::{Artifact, Matcher, Signers, Thresholds, TimeSource, TrustedKey, VerifiedSigner};

use support::bundle::{Signer, Version, in_toto_statement};
use support::ct::SctSource;
use support::keys::Key;
use support::pki::{Extension, FulcioCa, Issuer, LeafSpec, OID_BASIC_CONSTRAINTS, OID_SUBJECT_KEY_ID, Template, name};
use support::tlog::{checkpoint_body, note_signature, signed_note};
use support::trusted_root::{TrustedRootSpec, Window};
use support::tsa::Tsa;
use support::{
    ARTIFACT, DAY, ISSUER, Log, OTHER_ARTIFACT, Payload, Plan, SAN, SIGNED_AT, T0, World, YEAR, default_identity, host, identity, sha256,
    trust_window, verify, verify_with,
};

/// Asserts that `result` is a rejection of `kind`.
#[track_caller]
fn assert_rejected<T: std::fmt::Debug>(result: sealcheck::Result<T>, kind: &str) {
    match result {
        Ok(v) => panic!("accepted, expected {kind}: {v:?}"),
        Err(e) => assert_eq!(e.kind(), kind, "rejected for another reason: {e}"),
    }
}

/// A bundle of the default leaf, v0.3, message signature, one Rekor v1 entry.
fn default_bundle() -> support::bundle::BundleSpec {
    World::get().keyless(&Plan::default())
}

/// A Rekor v2 + TSA bundle of the default leaf.
fn rekor_v2_plan() -> Plan {
    Plan { logs: vec![Log::RekorV2], timestamp: true, ..Plan::default() }
}

/// The trusted key of a key-based signer, with an optional window.
fn trusted_key(signer: &Signer, valid_for: Option<KeyWindow>) -> Signers {
    let key = PublicKey::from_spki_der("managed key", &signer.key.spki()).unwrap();
    Signers::Keys(vec![TrustedKey::within(support::backend(), key, valid_for)])
}

fn key_window(start: i64, end: Option<i64>) -> KeyWindow {
    KeyWindow { start: UnixTime::from_secs(start), end: end.map(UnixTime::from_secs) }
}

/// A Fulcio CA whose intermediate has no pathLenConstraint, so it may issue sub-CAs.
fn ca_without_path_len() -> FulcioCa {
    FulcioCa::with_intermediate("fulcio unconstrained", "https://fulcio.unconstrained.test", |t| {
        t.with(Extension::basic_constraints(true, None))
    })
}

/// The world's trusted root with `ca` as its only certificate authority.
fn root_trusting(ca: &FulcioCa) -> TrustedRootSpec {
    TrustedRootSpec { cas: vec![ca.trust(trust_window())], ..World::get().trusted_root() }
}

/// A sub-CA issued by `parent`, carried by v0.2 bundles between the leaf and `parent`.
fn sub_ca(parent: &Issuer, edit: impl FnOnce(Template) -> Template) -> Issuer {
    let key = Key::p384("sub ca");
    parent.issue_issuer(&edit(Template::ca(3, "sub ca", &key, None)), key)
}

// ---- positive controls ------------------------------------------------------------------

#[test]
fn keyless_v0_1_with_promise_only_verifies() {
    let w = World::get();
    let b = w.keyless(&Plan { version: Version::V0_1, ..Plan::default() });
    assert!(b.tlog_entries[0].proof.is_none());
    let v = verify(&w.trusted_root(), &b, &default_identity()).unwrap();
    assert!(v.tlog_entries[0].promise_verified && !v.tlog_entries[0].proof_verified);
    assert_eq!(v.times.len(), 1);
    assert_eq!(v.times[0].time, UnixTime::from_secs(SIGNED_AT));
}

#[test]
fn keyless_v0_2_chain_with_leaf_only_verifies() {
    let w = World::get();
    let b = w.keyless(&Plan { version: Version::V0_2, ..Plan::default() });
    verify(&w.trusted_root(), &b, &default_identity()).unwrap();
}

#[test]
fn keyless_v0_3_message_signature_with_rekor_v1_verifies() {
    let w = World::get();
    let b = default_bundle();
    let v = verify(&w.trusted_root(), &b, &default_identity()).unwrap();
    assert!(v.tlog_entries[0].promise_verified && v.tlog_entries[0].proof_verified);
    let VerifiedSigner::Certificate { ct_logs, authority, .. } = &v.signer else { panic!("{:?}", v.signer) };
    assert_eq!((ct_logs.as_slice(), authority.as_str()), ([w.ct.base_url.clone()].as_slice(), w.fulcio.uri.as_str()));
    // The same bundle verifies against the artifact's digest alone.
    let digest = Digest::new(HashAlgorithm::Sha256, &sha256(ARTIFACT)).unwrap();
    verify_with(&w.trusted_root(), &b, &default_identity(), Thresholds::default(), &Artifact::Digest(digest)).unwrap();
}

#[test]
fn keyless_v0_3_dsse_in_toto_verifies() {
    let w = World::get();
    let b = w.keyless(&Plan { payload: Payload::in_toto(), ..Plan::default() });
    assert_eq!(b.tlog_entries[0].kind, "dsse");
    let v = verify(&w.trusted_root(), &b, &default_identity()).unwrap();
    let (statement, subject) = (v.statement.unwrap(), v.matched_subject.unwrap());
    assert_eq!((statement.subjects.len(), subject), (1, 0));
}

#[test]
fn keyless_v0_3_rekor_v2_with_timestamp_verifies() {
    let w = World::get();
    let b = w.keyless(&rekor_v2_plan());
    assert!(b.tlog_entries[0].signed_entry_timestamp.is_none() && b.tlog_entries[0].integrated_time.is_none());
    let v = verify(&w.trusted_root(), &b, &default_identity()).unwrap();
    assert_eq!(v.times.len(), 1, "the TSA time is the only verified time");
    assert!(matches!(&v.times[0].source, TimeSource::TimestampAuthority { authority, .. } if *authority == w.tsa.uri));
    assert!(v.tlog_entries[0].proof_verified);
}

#[test]
fn keyless_v0_3_dsse_rekor_v2_with_timestamp_verifies() {
    let w = World::get();
    let b = w.keyless(&Plan { payload: Payload::in_toto(), ..rekor_v2_plan() });
    assert_eq!(b.tlog_entries[0].kind, "dsse");
    verify(&w.trusted_root(), &b, &default_identity()).unwrap();
}

#[test]
fn key_based_bundle_verifies() {
    let w = World::get();
    let signer = w.key_signer();
    let b = w.bundle(&signer, &Plan::default());
    let v = verify(&w.trusted_root(), &b, &trusted_key(&signer, None)).unwrap();
    assert!(matches!(v.signer, VerifiedSigner::Key { .. }));
    // A window that contains the signing time is accepted too.
    verify(&w.trusted_root(), &b, &trusted_key(&signer, Some(key_window(T0, Some(T0 + DAY))))).unwrap();
}

#[test]
fn two_entries_from_two_logs_meet_a_threshold_of_two() {
    let w = World::get();
    let b = w.keyless(&Plan { logs: vec![Log::RekorV1, Log::RekorV1Second], ..Plan::default() });
    let t = Thresholds { tlog: 2, ..Thresholds::default() };
    let v = verify_with(&w.trusted_root(), &b, &default_identity(), t, &Artifact::Bytes(ARTIFACT)).unwrap();
    assert_eq!(v.tlog_entries.len(), 2);
}

// ---- identity ----------------------------------------------------------------------------

#[test]
fn wrong_san() {
    let policy =
        identity(Matcher::exact("https://github.com/org/other/.github/workflows/release.yml@refs/heads/main"), Matcher::exact(ISSUER));
    assert_rejected(verify(&World::get().trusted_root(), &default_bundle(), &policy), "IdentityMismatch");
}

#[test]
fn wrong_issuer() {
    let policy = identity(Matcher::exact(SAN), Matcher::exact("https://accounts.google.com"));
    assert_rejected(verify(&World::get().trusted_root(), &default_bundle(), &policy), "IssuerMismatch");
}

#[test]
fn san_regexp_matching_only_unanchored() {
    let w = World::get();
    let b = default_bundle();
    let unanchored = identity(Matcher::regex("github.com/org").unwrap(), Matcher::exact(ISSUER));
    assert_rejected(verify(&w.trusted_root(), &b, &unanchored), "IdentityMismatch");
    let whole = identity(Matcher::regex("https://github.com/org/.*").unwrap(), Matcher::exact(ISSUER));
    verify(&w.trusted_root(), &b, &whole).unwrap();
}

// ---- certificate validity and path --------------------------------------------------------

#[test]
fn leaf_expired_at_signing_time() {
    let w = World::get();
    let spec = LeafSpec { not_before: SIGNED_AT - 15 * 60, not_after: SIGNED_AT - 5 * 60, ..LeafSpec::default() };
    let b = w.bundle(&w.fulcio_signer(&spec), &Plan::default());
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "SigningTimeOutsideCertificate");
}

#[test]
fn leaf_not_yet_valid_at_signing_time() {
    let w = World::get();
    let spec = LeafSpec { not_before: SIGNED_AT + 60, not_after: SIGNED_AT + 11 * 60, ..LeafSpec::default() };
    let b = w.bundle(&w.fulcio_signer(&spec), &Plan::default());
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "SigningTimeOutsideCertificate");
}

/// The CA without basicConstraints is an intermediate the bundle carries (v0.2 chain
/// leaf → sub-CA → trusted intermediate → root). Control: the same sub-CA with basicConstraints.
#[test]
fn ca_without_basic_constraints_in_bundle_chain() {
    let w = World::get();
    let ca = ca_without_path_len();
    let plan = Plan { version: Version::V0_2, ..Plan::default() };
    let good = sub_ca(&ca.intermediate, |t| t);
    let b = w.bundle(&w.leaf_signer(&LeafSpec::default(), &good, vec![good.cert.clone()]), &plan);
    verify(&root_trusting(&ca), &b, &default_identity()).unwrap();

    let bad = sub_ca(&ca.intermediate, |t| t.without(OID_BASIC_CONSTRAINTS));
    let b = w.bundle(&w.leaf_signer(&LeafSpec::default(), &bad, vec![bad.cert.clone()]), &plan);
    assert_rejected(verify(&root_trusting(&ca), &b, &default_identity()), "NotACa");
}

/// The CA without basicConstraints is the trusted root's intermediate. Loading accepts it (a
/// chain whose first certificate is not a CA is a TSA-shaped chain), and the path fails at use.
#[test]
fn ca_without_basic_constraints_in_trusted_root() {
    let ca = FulcioCa::with_intermediate("fulcio no bc", "https://fulcio.nobc.test", |t| t.without(OID_BASIC_CONSTRAINTS));
    let root = root_trusting(&ca);
    // Rejected when the trusted root is loaded: a Fulcio CA chain must start with a CA.
    assert_rejected(root.load().map(|_| ()), "NotACa");
}

/// A Fulcio leaf (no cA) issues a second leaf; the bundle carries the first as intermediate.
#[test]
fn leaf_used_as_ca() {
    let w = World::get();
    let first = LeafSpec { key_label: "leaf used as ca".into(), subject: name("leaf used as ca"), ..LeafSpec::default() };
    let first_cert = w.fulcio_signer(&first).cert.unwrap();
    let as_issuer = Issuer { key: first.key(), subject: first.subject.clone(), cert: first_cert.clone() };
    let second = LeafSpec { key_label: "leaf issued by a leaf".into(), ..LeafSpec::default() };
    let b = w.bundle(&w.leaf_signer(&second, &as_issuer, vec![first_cert]), &Plan { version: Version::V0_2, ..Plan::default() });
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "NotACa");
}

/// The trusted intermediate has pathLen 0; the bundle carries a sub-CA below it. Control: the
/// same shape under an intermediate without pathLenConstraint verifies.
#[test]
fn path_len_exceeded() {
    let w = World::get();
    let plan = Plan { version: Version::V0_2, ..Plan::default() };
    let unconstrained = ca_without_path_len();
    let sub = sub_ca(&unconstrained.intermediate, |t| t);
    let b = w.bundle(&w.leaf_signer(&LeafSpec::default(), &sub, vec![sub.cert.clone()]), &plan);
    verify(&root_trusting(&unconstrained), &b, &default_identity()).unwrap();

    let sub = sub_ca(&w.fulcio.intermediate, |t| t);
    let b = w.bundle(&w.leaf_signer(&LeafSpec::default(), &sub, vec![sub.cert.clone()]), &plan);
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "PathLenExceeded");
}

#[test]
fn unknown_critical_extension_on_leaf() {
    let w = World::get();
    let spec = LeafSpec { extra: vec![Extension::new("1.3.6.1.4.1.99999.1", true, vec![0x05, 0x00])], ..LeafSpec::default() };
    let b = w.bundle(&w.fulcio_signer(&spec), &Plan::default());
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "UnknownCriticalExtension");
}

#[test]
fn missing_code_signing_eku() {
    let w = World::get();
    let b = w.bundle(&w.fulcio_signer(&LeafSpec { code_signing: false, ..LeafSpec::default() }), &Plan::default());
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "ExtendedKeyUsage");
}

/// Two trusted CAs share the intermediate's name, with adjacent windows: A (which issued the
/// leaf) is trusted at the SET time only, B (no subjectKeyIdentifier) at the TSA time only. At
/// the TSA time the only CA trusted did not sign the leaf, so the bundle must be rejected; the
/// leaf carries no SCT (CT threshold 0), so the SCT check cannot reject it by accident.
/// Control: with A trusted at both times, the bundle verifies.
#[test]
fn leaf_chains_at_a_later_time_only_to_a_ca_that_did_not_issue_it() {
    let w = World::get();
    let a = &w.fulcio;
    let b_ca = FulcioCa::with_intermediate("fulcio b", "https://fulcio-b.sigstore.test", |t| {
        Template { subject: a.intermediate.subject.clone(), ..t }.without(OID_SUBJECT_KEY_ID)
    });
    let signer = w.fulcio_signer(&LeafSpec { sct: SctSource::Absent, ..LeafSpec::default() });
    let mut b = w.bundle(&signer, &Plan::default());
    b.timestamps = vec![w.tsa.timestamp(b.content.signature(), SIGNED_AT + 10)];
    let t = Thresholds { ctlog: 0, ..Thresholds::default() };
    let verify_under = |root: &TrustedRootSpec| verify_with(root, &b, &default_identity(), t, &Artifact::Bytes(ARTIFACT));

    let control =
        TrustedRootSpec { cas: vec![a.trust(trust_window()), b_ca.trust(Window { start: SIGNED_AT + 5, end: None })], ..w.trusted_root() };
    assert_eq!(verify_under(&control).unwrap().times.len(), 2);

    let a_then_b = Window { start: T0 - YEAR, end: Some(SIGNED_AT + 4) };
    let root = TrustedRootSpec { cas: vec![a.trust(a_then_b), b_ca.trust(Window { start: SIGNED_AT + 5, end: None })], ..w.trusted_root() };
    assert_rejected(verify_under(&root), "BadSignature");
}

// ---- transparency log ---------------------------------------------------------------------

#[test]
fn set_over_another_body() {
    let w = World::get();
    let mut b = default_bundle();
    let e = &mut b.tlog_entries[0];
    let mut other_body = e.body.clone();
    other_body.push(b' ');
    e.signed_entry_timestamp = Some(w.rekor.signed_entry_timestamp(&other_body, SIGNED_AT, e.log_index));
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "InvalidSignedEntryTimestamp");
}

/// GHSA-8gw7-4j42-w388 / GHSA-whqx-f9j3-ch6m: a valid, promised and proven entry, but for the
/// same signer's signature over another artifact.
#[test]
fn body_of_another_artifact() {
    let w = World::get();
    let signer = w.fulcio_signer(&LeafSpec::default());
    let other = signer.sign_message(OTHER_ARTIFACT);
    let other_entry = w.entry(Log::RekorV1, &other, &signer, 10);
    // The entry is valid for the other artifact.
    let other_bundle = w.bundle_of(&signer, &Plan::default(), other);
    verify_with(&w.trusted_root(), &other_bundle, &default_identity(), Thresholds::default(), &Artifact::Bytes(OTHER_ARTIFACT)).unwrap();

    let mut b = w.bundle(&signer, &Plan::default());
    b.tlog_entries[0] = other_entry;
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "TlogBodyMismatch");
}

#[test]
fn inclusion_proof_with_wrong_node() {
    let w = World::get();
    let mut b = default_bundle();
    b.tlog_entries[0].proof_mut().hashes[1][7] ^= 0x01;
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "InclusionProof");
}

#[test]
fn checkpoint_of_another_log() {
    let w = World::get();
    let mut b = default_bundle();
    let p = b.tlog_entries[0].proof_mut();
    p.checkpoint = Some(w.rekor_second.checkpoint(p.tree_size, &p.root_hash));
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "CheckpointSignature");
}

/// The checkpoint names this log and carries its key hint, but another key signed it.
#[test]
fn checkpoint_signed_with_another_key() {
    let w = World::get();
    let mut b = default_bundle();
    let p = b.tlog_entries[0].proof_mut();
    let body = checkpoint_body(&w.rekor.origin, p.tree_size, &p.root_hash);
    let line = note_signature(&body, host(&w.rekor.base_url), &w.rekor.log_id(), &w.rekor_second.key);
    p.checkpoint = Some(signed_note(&body, &[line]));
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "CheckpointSignature");
}

/// CVE-2024-54140: a checkpoint without any signature line.
#[test]
fn unsigned_checkpoint() {
    let w = World::get();
    let mut b = default_bundle();
    let p = b.tlog_entries[0].proof_mut();
    p.checkpoint = Some(signed_note(&checkpoint_body(&w.rekor.origin, p.tree_size, &p.root_hash), &[]));
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "CheckpointSignature");
}

/// GHSA-9vcr-p3rj-q5q6: two entries from one log are one authority.
#[test]
fn two_entries_from_one_log_do_not_meet_a_threshold_of_two() {
    let w = World::get();
    let b = w.keyless(&Plan { logs: vec![Log::RekorV1, Log::RekorV1], ..Plan::default() });
    assert_ne!(b.tlog_entries[0].log_index, b.tlog_entries[1].log_index);
    let t = Thresholds { tlog: 2, ..Thresholds::default() };
    verify(&w.trusted_root(), &b, &default_identity()).unwrap();
    assert_rejected(verify_with(&w.trusted_root(), &b, &default_identity(), t, &Artifact::Bytes(ARTIFACT)), "Threshold");
}

/// GHSA-wqqc-jjcq-vfxm: the log key's validFor ends before the integrated time.
#[test]
fn tlog_key_outside_validity_at_integrated_time() {
    let w = World::get();
    let mut root = w.trusted_root();
    root.tlogs[0].valid_for = Window { start: T0 - YEAR, end: Some(SIGNED_AT - 1) };
    assert_rejected(verify(&root, &default_bundle(), &default_identity()), "KeyOutsideValidity");
}

/// A Rekor v2 entry has no integrated time: its log key must be valid at a verified (TSA) time.
#[test]
fn rekor_v2_key_outside_validity_at_timestamp() {
    let w = World::get();
    let mut root = w.trusted_root();
    root.tlogs[2].valid_for = Window { start: SIGNED_AT + 1, end: None };
    assert_rejected(verify(&root, &w.keyless(&rekor_v2_plan()), &default_identity()), "KeyOutsideValidity");
}

/// GHSA-wqqc-jjcq-vfxm: a trusted key whose window excludes the verified time.
#[test]
fn signing_key_outside_its_window() {
    let w = World::get();
    let signer = w.key_signer();
    let b = w.bundle(&signer, &Plan::default());
    let policy = trusted_key(&signer, Some(key_window(SIGNED_AT + 1, None)));
    assert_rejected(verify(&w.trusted_root(), &b, &policy), "KeyOutsideValidity");
}

/// The `certificate` field exists from v0.3 on: a v0.3 bundle relabelled v0.1 (or v0.2) is not
/// a valid v0.1 bundle with extra fields.
#[test]
fn v0_3_fields_under_an_older_media_type() {
    let w = World::get();
    for older in [Version::V0_1, Version::V0_2] {
        let mut b = w.keyless(&Plan { logs: vec![Log::RekorV1], ..Plan::default() });
        b.media_type = older.media_type().into();
        assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "BundleStructure");
    }
}

/// Rekor v2 entries carry no signed entry timestamp: their `logIndex` is bound by the inclusion
/// proof only, so a logIndex that is not the proof's leaf index is refused, and an
/// `integratedTime` (signed by nothing) is never reported or used as a verified time.
#[test]
fn rekor_v2_unsigned_fields_are_bound_or_ignored() {
    let w = World::get();
    let mut b = w.keyless(&rekor_v2_plan());
    b.tlog_entries[0].log_index += 1;
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "InclusionProof");
    let mut b = w.keyless(&rekor_v2_plan());
    b.tlog_entries[0].integrated_time = Some(T0 - 3 * YEAR);
    let v = verify(&w.trusted_root(), &b, &default_identity()).unwrap();
    let json = serde_json::to_value(&v).unwrap();
    assert!(!json.to_string().contains(&(T0 - 3 * YEAR).to_string()), "the unsigned integratedTime is reported: {json}");
    assert_eq!(v.tlog_entries[0].log_index, b.tlog_entries[0].log_index);
    assert!(v.times.iter().all(|t| t.time == UnixTime::from_secs(SIGNED_AT)), "only the TSA time is a verified time: {:?}", v.times);
    // Control: a Rekor v1 entry's logIndex is signed by its SET, which does not verify once changed.
    let mut b = default_bundle();
    b.tlog_entries[0].log_index += 1;
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "InvalidSignedEntryTimestamp");
}

// ---- timestamps ---------------------------------------------------------------------------

#[test]
fn tsa_time_outside_its_certificate() {
    let w = World::get();
    let tsa = Tsa::new("tsa", &w.tsa.uri, SIGNED_AT + 60, T0 + YEAR);
    let root = TrustedRootSpec { tsas: vec![tsa.trust(trust_window())], ..w.trusted_root() };
    let mut b = w.keyless(&rekor_v2_plan());
    b.timestamps = vec![tsa.timestamp(b.content.signature(), SIGNED_AT)];
    assert_rejected(verify(&root, &b, &default_identity()), "CertificateNotValidAt");
}

/// RFC 3161 §2.4.1 (RFC 5816): the token's ESS signing-certificate attribute must name the
/// trusted signing certificate, and a certificate the token embeds for its `sid` must be it.
#[test]
fn tsa_signing_certificate_must_be_the_trusted_one() {
    use support::tsa::{Embed, Ess, Stamp};
    let w = World::get();
    let with = |stamp: Stamp| {
        let mut b = w.keyless(&rekor_v2_plan());
        b.timestamps = vec![w.tsa.stamp(b.content.signature(), SIGNED_AT, &stamp)];
        verify(&w.trusted_root(), &b, &default_identity())
    };
    with(Stamp::default()).unwrap();
    with(Stamp { embed: Embed::Nothing, ..Stamp::default() }).unwrap();
    assert_rejected(with(Stamp { ess: Ess::Absent, ..Stamp::default() }), "Timestamp");
    assert_rejected(with(Stamp { ess: Ess::V2OtherHash, ..Stamp::default() }), "Timestamp");
    assert_rejected(with(Stamp { ess: Ess::V2OtherSerial, ..Stamp::default() }), "Timestamp");
    assert_rejected(with(Stamp { ess: Ess::V1, ..Stamp::default() }), "UnsupportedAlgorithm");
    assert_rejected(with(Stamp { embed: Embed::Other(w.tsa.lookalike_signer()), ..Stamp::default() }), "Timestamp");
}

#[test]
fn tsa_imprint_over_other_bytes() {
    let w = World::get();
    let mut b = w.keyless(&rekor_v2_plan());
    b.timestamps = vec![w.tsa.timestamp(b"other bytes", SIGNED_AT)];
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "TimestampImprint");
}

// ---- certificate transparency -------------------------------------------------------------

#[test]
fn sct_from_unknown_log() {
    let w = World::get();
    let b = w.bundle(&w.fulcio_signer(&LeafSpec { sct: SctSource::UnknownLog, ..LeafSpec::default() }), &Plan::default());
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "UnknownCtLog");
}

#[test]
fn sct_over_another_tbs() {
    let w = World::get();
    let b = w.bundle(&w.fulcio_signer(&LeafSpec { sct: SctSource::OverOtherTbs, ..LeafSpec::default() }), &Plan::default());
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "SctSignature");
}

#[test]
fn ct_log_key_outside_validity_at_sct_time() {
    let w = World::get();
    let mut root = w.trusted_root();
    root.ctlogs[0].valid_for = Window { start: T0 + 1, end: None };
    assert_rejected(verify(&root, &default_bundle(), &default_identity()), "KeyOutsideValidity");
}

// ---- DSSE and in-toto ---------------------------------------------------------------------

/// The envelope's payloadType is changed after signing: the PAE the signature covers changes,
/// so the envelope signature no longer verifies (checked before anything reads the type).
#[test]
fn dsse_payload_type_changed() {
    let w = World::get();
    let mut b = w.keyless(&Plan { payload: Payload::in_toto(), ..Plan::default() });
    let support::bundle::Content::Dsse { payload_type, .. } = &mut b.content else { unreachable!() };
    *payload_type = "application/vnd.example+json".into();
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "BadSignature");
}

/// A correctly signed and logged envelope whose payloadType is not in-toto cannot bind an artifact.
#[test]
fn dsse_payload_type_not_in_toto() {
    let w = World::get();
    let signer = w.fulcio_signer(&LeafSpec::default());
    let content = signer.sign_dsse("application/vnd.example+json", &in_toto_statement(&sha256(ARTIFACT)));
    let b = w.bundle_of(&signer, &Plan::default(), content);
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "Dsse");
}

/// CVE-2026-31830: a signed, logged statement about another artifact.
#[test]
fn in_toto_subject_mismatch() {
    let w = World::get();
    let b = w.keyless(&Plan { payload: Payload::InToto { subject_sha256: sha256(OTHER_ARTIFACT) }, ..Plan::default() });
    assert_rejected(verify(&w.trusted_root(), &b, &default_identity()), "InToto");
}

// ---- bundle format ------------------------------------------------------------------------

#[test]
fn unknown_bundle_media_type() {
    let mut b = default_bundle();
    b.media_type = "application/vnd.dev.sigstore.bundle+json;version=0.4".into();
    assert_rejected(verify(&World::get().trusted_root(), &b, &default_identity()), "UnsupportedMediaType");
}
