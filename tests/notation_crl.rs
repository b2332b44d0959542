//! Revocation of Notary signing chains against CRLs supplied offline
//! ([`sealcheck::notation::crl`]): generated chains and CRLs (`tests/support/crl.rs`) with one
//! knob turned per case, and notation's e2e CRL vectors
//! (`notation/test/e2e/testdata/config/crl/`, see `notation-suite/PROVENANCE.md`).
//!
//! "spec" is notaryproject/specifications `specs/trust-store-trust-policy.md`, section
//! "Certificate Revocation Evaluation"; "impl" is notation-core-go `revocation/`.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};

use sealcheck::encoding::pem_decode_all;
use sealcheck::limits::{MAX_CRL_BYTES, MAX_CRL_ENTRIES};
use sealcheck::notation::crl::{Crl, CrlSet, RevocationReason, check_chain};
use sealcheck::x509::Certificate;
use sealcheck::{Error, UnixTime};

use support::crl::{
    CHECKED_AT, ChainSpec, CrlChain, CrlSpec, Entry, INTERMEDIATE_SERIAL, Idp, LEAF_CDP, LEAF_SERIAL, NEXT_UPDATE, OCSP_URI, REVOKED_AT,
    THIS_UPDATE, reason,
};
use support::der::{encode, seq, uint, x509_time};
use support::keys::Key;
use support::pki::Extension;
use support::{DAY, T0};

/// The generated chain of `spec`, parsed: leaf, intermediate, root.
fn chain_of(spec: &ChainSpec) -> (CrlChain, Vec<Certificate>) {
    let pki = CrlChain::new(spec);
    let certs = pki.ders().iter().enumerate().map(|(i, der)| Certificate::from_der(&format!("certificate {i}"), der).unwrap()).collect();
    (pki, certs)
}

fn default_chain() -> (CrlChain, Vec<Certificate>) {
    chain_of(&ChainSpec::default())
}

/// `chain` against CRLs `crls` (DER), at `now`, with `signing_time`.
fn check(chain: &[Certificate], crls: &[Vec<u8>], now: i64, signing_time: Option<i64>) -> sealcheck::Result<()> {
    let crls = crls.iter().enumerate().map(|(i, der)| Crl::from_der(&format!("crl {i}"), der)).collect::<sealcheck::Result<Vec<_>>>()?;
    check_chain(support::backend(), chain, &CrlSet::new(crls), UnixTime::from_secs(now), signing_time.map(UnixTime::from_secs))
}

/// The leaf's CRL of `spec` by the intermediate, and a clean intermediate CRL by the root.
fn with_leaf_crl(pki: &CrlChain, spec: &CrlSpec) -> Vec<Vec<u8>> {
    vec![spec.sign(&pki.intermediate), CrlSpec::default().sign(&pki.root)]
}

/// A CRL by the intermediate listing the leaf as `entry` says.
fn leaf_listed(pki: &CrlChain, entry: Entry) -> Vec<Vec<u8>> {
    with_leaf_crl(pki, &CrlSpec::default().entry(entry))
}

#[track_caller]
fn assert_revoked(r: sealcheck::Result<()>, index: usize, want_reason: &str) {
    match r {
        Err(Error::Revoked { what, reason, .. }) => {
            assert!(what.starts_with(&format!("certificate {index} (")), "revoked {what}, expected certificate {index}");
            assert_eq!(reason, want_reason);
        }
        other => panic!("expected certificate {index} revoked ({want_reason}), got {other:?}"),
    }
}

#[track_caller]
fn assert_unknown(r: sealcheck::Result<()>, index: usize, needle: &str) {
    match r {
        Err(Error::RevocationUnknown { what, detail }) => {
            assert!(what.starts_with(&format!("certificate {index} (")), "unknown {what}, expected certificate {index}: {detail}");
            assert!(detail.contains(needle), "{detail:?} does not mention {needle:?}");
        }
        other => panic!("expected certificate {index} of unknown status ({needle}), got {other:?}"),
    }
}

// ---- generated: the status of a listed serial ---------------------------------------------

/// spec "Revocation Checking with CRL" step 3: a serial not listed in a current, verified CRL
/// is not revoked.
#[test]
fn good_chain() {
    let (pki, chain) = default_chain();
    check(&chain, &with_leaf_crl(&pki, &CrlSpec::default()), CHECKED_AT, None).unwrap();
    // Other serials listed: still good.
    check(&chain, &leaf_listed(&pki, Entry::new(LEAF_SERIAL + 1, REVOKED_AT).reason(reason::KEY_COMPROMISE)), CHECKED_AT, None).unwrap();
}

/// The Revoked error names the certificate, its serial and the reason.
#[test]
fn revoked_error_names_the_certificate() {
    let (pki, chain) = default_chain();
    let e = check(&chain, &leaf_listed(&pki, Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::SUPERSEDED)), CHECKED_AT, None).unwrap_err();
    assert_eq!(e, Error::Revoked { what: "certificate 0 (CN=crl leaf)".into(), serial: "1000".into(), reason: "superseded".into() });
    assert_eq!(e.to_string(), "revocation: certificate 0 (CN=crl leaf) (serial 1000) is revoked (superseded)");
}

/// keyCompromise revokes even when the authentic signing time is before the invalidity date:
/// that time is signed by the compromised key (a deliberate tightening of spec step 3.i and of
/// impl `checkRevocation`, which compare the invalidity date for any reason).
#[test]
fn key_compromise_revokes_whatever_the_signing_time() {
    let (pki, chain) = default_chain();
    for code in [reason::KEY_COMPROMISE, reason::CA_COMPROMISE, reason::AA_COMPROMISE] {
        let crls = leaf_listed(&pki, Entry::new(LEAF_SERIAL, REVOKED_AT).reason(code).invalid_since(REVOKED_AT));
        let name = RevocationReason::from_code(code).unwrap().name();
        assert_revoked(check(&chain, &crls, CHECKED_AT, Some(T0)), 0, name);
        assert_revoked(check(&chain, &crls, CHECKED_AT, None), 0, name);
    }
}

/// spec step 3.i: for other reasons a signature timestamped before the invalidity date stays
/// valid; without a signing time, with a signing time at or after it, or without an invalidity
/// date ("If the invalidity date is not present in CRL, the certificate is considered
/// revoked"), the certificate is revoked. The revocation date is not a substitute.
#[test]
fn superseded_and_the_signing_time() {
    let (pki, chain) = default_chain();
    let with_date = leaf_listed(&pki, Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::SUPERSEDED).invalid_since(REVOKED_AT));
    check(&chain, &with_date, CHECKED_AT, Some(REVOKED_AT - 1)).unwrap();
    assert_revoked(check(&chain, &with_date, CHECKED_AT, None), 0, "superseded");
    assert_revoked(check(&chain, &with_date, CHECKED_AT, Some(REVOKED_AT)), 0, "superseded");
    assert_revoked(check(&chain, &with_date, CHECKED_AT, Some(REVOKED_AT + 1)), 0, "superseded");
    let without_date = leaf_listed(&pki, Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::SUPERSEDED));
    assert_revoked(check(&chain, &without_date, CHECKED_AT, Some(REVOKED_AT - 1)), 0, "superseded");
}

/// RFC 5280 §5.3.1: an absent reason code is "unspecified"; the spec's invalidity-date rule does
/// not depend on the reason, so it applies to both.
#[test]
fn no_reason_and_unspecified() {
    let (pki, chain) = default_chain();
    for entry in [Entry::new(LEAF_SERIAL, REVOKED_AT), Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::UNSPECIFIED)] {
        let crls = leaf_listed(&pki, entry.clone());
        assert_revoked(check(&chain, &crls, CHECKED_AT, Some(T0)), 0, "unspecified");
        let crls = leaf_listed(&pki, entry.invalid_since(REVOKED_AT));
        check(&chain, &crls, CHECKED_AT, Some(T0)).unwrap();
        assert_revoked(check(&chain, &crls, CHECKED_AT, None), 0, "unspecified");
    }
}

/// Every certificate but the root is checked: the intermediate's CRL is the root's.
#[test]
fn intermediate_revoked() {
    let (pki, chain) = default_chain();
    let crls = vec![CrlSpec::default().sign(&pki.intermediate), CrlSpec::default().entry(Entry::new(INTERMEDIATE_SERIAL, REVOKED_AT).reason(reason::CA_COMPROMISE)).sign(&pki.root)];
    let e = check(&chain, &crls, CHECKED_AT, None).unwrap_err();
    assert_eq!(e, Error::Revoked { what: "certificate 1 (CN=crl intermediate)".into(), serial: "1002".into(), reason: "cACompromise".into() });
}

/// impl `ValidateContext`: the root is never checked, even when a CRL lists it.
#[test]
fn root_is_not_checked() {
    let (pki, chain) = default_chain();
    let root_serial = 1; // support::pki::Issuer::root
    let crls = vec![CrlSpec::default().sign(&pki.intermediate), CrlSpec::default().entry(Entry::new(root_serial, REVOKED_AT)).sign(&pki.root)];
    check(&chain, &crls, CHECKED_AT, None).unwrap();
}

/// notation-go `revocationFinalResult`: a revoked certificate wins over one of unknown status,
/// and the one nearest the leaf is reported.
#[test]
fn chain_verdict() {
    let (pki, chain) = default_chain();
    let revoked_intermediate = CrlSpec::default().entry(Entry::new(INTERMEDIATE_SERIAL, REVOKED_AT)).sign(&pki.root);
    // Leaf unknown (no CRL), intermediate revoked: revoked.
    assert_revoked(check(&chain, std::slice::from_ref(&revoked_intermediate), CHECKED_AT, None), 1, "unspecified");
    // Both revoked: the leaf.
    let revoked_leaf = CrlSpec::default().entry(Entry::new(LEAF_SERIAL, REVOKED_AT)).sign(&pki.intermediate);
    assert_revoked(check(&chain, &[revoked_intermediate, revoked_leaf], CHECKED_AT, None), 0, "unspecified");
    // Both unknown: the leaf.
    assert_unknown(check(&chain, &[], CHECKED_AT, None), 0, "no CRL from its issuer (CN=crl intermediate) was supplied");
}

// ---- generated: which CRL can be used ------------------------------------------------------

/// spec "Revocation Checking with CRL" step 2 and impl `validateCRL` ("expired CRL"): a CRL is
/// current in thisUpdate <= now < nextUpdate.
#[test]
fn stale_or_future_crl_is_unknown() {
    let (pki, chain) = default_chain();
    let crls = with_leaf_crl(&pki, &CrlSpec::default());
    check(&chain, &crls, THIS_UPDATE, None).unwrap();
    check(&chain, &crls, NEXT_UPDATE - 1, None).unwrap();
    assert_unknown(check(&chain, &crls, NEXT_UPDATE, None), 0, "stale");
    assert_unknown(check(&chain, &crls, NEXT_UPDATE + DAY, None), 0, "stale");
    assert_unknown(check(&chain, &crls, THIS_UPDATE - 1, None), 0, "not yet valid");
    // Only the leaf's CRL stale: the leaf is unknown, the intermediate fine.
    let crls = with_leaf_crl(&pki, &CrlSpec { next_update: Some(CHECKED_AT), ..CrlSpec::default() });
    assert_unknown(check(&chain, &crls, CHECKED_AT, None), 0, "stale");
}

/// spec "Revocation Checking with CRL" step 3.ii: "If the CRL is expired and the certificate is
/// listed in the CRL for any reason other than certificate hold, the certificate is considered
/// revoked" (a stale, not-yet-valid or nextUpdate-less CRL shows a revocation, never its
/// absence). It must still be authentic.
#[test]
fn stale_crl_still_shows_a_revocation() {
    let (pki, chain) = default_chain();
    let listing = |code: u8, next_update: Option<i64>| {
        with_leaf_crl(&pki, &CrlSpec { next_update, ..CrlSpec::default() }.entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(code)))
    };
    assert_revoked(check(&chain, &listing(reason::KEY_COMPROMISE, Some(CHECKED_AT)), CHECKED_AT, None), 0, "keyCompromise");
    assert_revoked(check(&chain, &listing(reason::SUPERSEDED, None), CHECKED_AT, None), 0, "superseded");
    assert_revoked(check(&chain, &listing(reason::SUPERSEDED, Some(NEXT_UPDATE)), THIS_UPDATE - 1, None), 0, "superseded");
    // certificateHold in a stale CRL: unknown, not revoked.
    assert_unknown(check(&chain, &listing(reason::CERTIFICATE_HOLD, Some(CHECKED_AT)), CHECKED_AT, None), 0, "stale");
    // Beside a newer, current CRL that no longer lists it: still revoked.
    let mut crls = listing(reason::KEY_COMPROMISE, Some(CHECKED_AT));
    crls.push(CrlSpec { this_update: THIS_UPDATE + 3600, ..CrlSpec::default() }.number(2).sign(&pki.intermediate));
    assert_revoked(check(&chain, &crls, CHECKED_AT, None), 0, "keyCompromise");
    // Not authentic: no revocation shown.
    let forged = CrlSpec { next_update: Some(CHECKED_AT), ..CrlSpec::default() }
        .entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::KEY_COMPROMISE))
        .sign_as(&pki.intermediate.subject, &Key::p256("forger"));
    assert_unknown(check(&chain, &[forged, CrlSpec::default().sign(&pki.root)], CHECKED_AT, None), 0, "signature does not verify");
    // A CRL with an unknown critical extension is not read at all (its entries may mean
    // something else: RFC 5280 §5.3).
    let crls = with_leaf_crl(
        &pki,
        &CrlSpec::default().with(Extension::new("1.3.6.1.4.1.99999.7", true, vec![0x05, 0x00])).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::KEY_COMPROMISE)),
    );
    assert_unknown(check(&chain, &crls, CHECKED_AT, None), 0, "unsupported critical extension");
}

/// impl `validateCRL`: "CRL NextUpdate is not set" (RFC 5280 §5.1.2.5 requires it).
#[test]
fn missing_next_update_is_unknown() {
    let (pki, chain) = default_chain();
    let crls = with_leaf_crl(&pki, &CrlSpec { next_update: None, ..CrlSpec::default() });
    assert_unknown(check(&chain, &crls, CHECKED_AT, None), 0, "no nextUpdate");
}

/// spec step 1 "Verify the CRL signature": a CRL in the issuer's name signed by another key
/// is not used; nor is one in another name (RFC 5280 §6.3.3 (b)(1)), nor a tampered one.
#[test]
fn crl_not_signed_by_the_issuer_is_unknown() {
    let (pki, chain) = default_chain();
    let forged = CrlSpec::default().sign_as(&pki.intermediate.subject, &Key::p256("not the intermediate"));
    assert_unknown(check(&chain, &[forged, CrlSpec::default().sign(&pki.root)], CHECKED_AT, None), 0, "signature does not verify");
    // The root's key, the intermediate's name.
    let by_root = CrlSpec::default().sign_as(&pki.intermediate.subject, &pki.root.key);
    assert_unknown(check(&chain, &[by_root, CrlSpec::default().sign(&pki.root)], CHECKED_AT, None), 0, "signature does not verify");
    // The intermediate's key, the root's name: a CRL about the root's certificates.
    let other_name = CrlSpec::default().sign_as(&pki.root.subject, &pki.intermediate.key);
    assert_unknown(check(&chain, &[other_name, CrlSpec::default().sign(&pki.root)], CHECKED_AT, None), 0, "no CRL from its issuer");
    // One bit of the signed bytes flipped: it parses, and does not verify.
    let mut tampered = CrlSpec::default().number(7).sign(&pki.intermediate);
    let at = tampered.windows(3).position(|w| w == [0x02, 0x01, 0x07]).unwrap() + 2;
    tampered[at] = 0x06;
    assert_unknown(check(&chain, &[tampered, CrlSpec::default().sign(&pki.root)], CHECKED_AT, None), 0, "signature does not verify");
}

/// RFC 5280 §6.3.3 (f): the CRL issuer's keyUsage, when present, asserts cRLSign.
#[test]
fn issuer_without_crl_sign_is_unknown() {
    let (pki, chain) = chain_of(&ChainSpec { intermediate_crl_sign: false, ..ChainSpec::default() });
    assert_unknown(check(&chain, &with_leaf_crl(&pki, &CrlSpec::default()), CHECKED_AT, None), 0, "cRLSign");
}

/// A certificate with a CRL distribution point and no CRL from its issuer: unknown (spec: "If
/// the CRL cannot be downloaded … revocation unavailable"; offline, not supplied).
#[test]
fn missing_crl_is_unknown() {
    let (pki, chain) = default_chain();
    assert_unknown(check(&chain, &[], CHECKED_AT, None), 0, "was supplied");
    assert_unknown(check(&chain, &[CrlSpec::default().sign(&pki.root)], CHECKED_AT, None), 0, "was supplied");
    assert_unknown(check(&chain, &[CrlSpec::default().sign(&pki.intermediate)], CHECKED_AT, None), 1, "no CRL from its issuer (CN=crl root)");
}

/// spec: "If the certificate being validated doesn't include information OCSP or CRLs then no
/// revocation check is performed and the certificate is considered valid" (impl
/// `ResultNonRevokable`).
#[test]
fn certificates_without_revocation_information_are_good() {
    let none = ChainSpec { leaf_cdp: None, leaf_ocsp: None, intermediate_cdp: None, intermediate_ocsp: None, ..ChainSpec::default() };
    let (_, chain) = chain_of(&none);
    check(&chain, &[], CHECKED_AT, None).unwrap();
    check(&chain[..1], &[], CHECKED_AT, None).unwrap();
    // Only the leaf revocable.
    let (pki, chain) = chain_of(&ChainSpec { intermediate_cdp: None, intermediate_ocsp: None, ..ChainSpec::default() });
    check(&chain, &[CrlSpec::default().sign(&pki.intermediate)], CHECKED_AT, None).unwrap();
}

/// OCSP is not checked offline: a certificate with only an OCSP responder is unknown; with a
/// CDP too the CRL decides (spec: "fallback to using CRLs"; impl
/// `RevocationMethodOCSPFallbackCRL`).
#[test]
fn ocsp_only_is_unknown() {
    let (pki, chain) = chain_of(&ChainSpec { leaf_cdp: None, leaf_ocsp: Some(OCSP_URI.into()), ..ChainSpec::default() });
    assert_unknown(check(&chain, &with_leaf_crl(&pki, &CrlSpec::default()), CHECKED_AT, None), 0, "OCSP is not checked offline");
    // The intermediate has both (default): its CRL is used.
    let (pki, chain) = default_chain();
    check(&chain, &with_leaf_crl(&pki, &CrlSpec::default()), CHECKED_AT, None).unwrap();
}

/// RFC 5280 §5.2 / §5.3 and impl `validateCRL` / `parseEntryExtensions`: a CRL with a critical
/// extension that is not processed is not used, whether on the CRL or on an entry.
#[test]
fn unknown_critical_extension_is_unknown() {
    let (pki, chain) = default_chain();
    let ext = Extension::new("1.3.6.1.4.1.99999.7", true, vec![0x05, 0x00]);
    let crls = with_leaf_crl(&pki, &CrlSpec::default().with(ext.clone()));
    assert_unknown(check(&chain, &crls, CHECKED_AT, None), 0, "unsupported critical extension 1.3.6.1.4.1.99999.7");
    let crls = leaf_listed(&pki, Entry::new(LEAF_SERIAL + 5, REVOKED_AT).with(ext));
    assert_unknown(check(&chain, &crls, CHECKED_AT, None), 0, "in the entry for serial 1005");
    // Not critical: ignored.
    let crls = with_leaf_crl(&pki, &CrlSpec::default().with(Extension::new("1.3.6.1.4.1.99999.7", false, vec![0x05, 0x00])));
    check(&chain, &crls, CHECKED_AT, None).unwrap();
}

/// Among several usable CRLs from the issuer the newest (thisUpdate, then cRLNumber) decides,
/// whatever the order supplied.
#[test]
fn newest_crl_decides() {
    let (pki, chain) = default_chain();
    let old_hold = CrlSpec::default().number(1).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::CERTIFICATE_HOLD)).sign(&pki.intermediate);
    let new_clean = CrlSpec { this_update: THIS_UPDATE + 3600, ..CrlSpec::default() }.number(2).sign(&pki.intermediate);
    let root = CrlSpec::default().sign(&pki.root);
    check(&chain, &[old_hold.clone(), new_clean.clone(), root.clone()], CHECKED_AT, None).unwrap();
    check(&chain, &[new_clean, old_hold.clone(), root.clone()], CHECKED_AT, None).unwrap();
    let new_revoked = CrlSpec { this_update: THIS_UPDATE + 3600, ..CrlSpec::default() }
        .number(2)
        .entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::KEY_COMPROMISE))
        .sign(&pki.intermediate);
    let old_clean = CrlSpec::default().number(1).sign(&pki.intermediate);
    assert_revoked(check(&chain, &[new_revoked.clone(), old_clean.clone(), root.clone()], CHECKED_AT, None), 0, "keyCompromise");
    assert_revoked(check(&chain, &[old_clean, new_revoked, root.clone()], CHECKED_AT, None), 0, "keyCompromise");
    // A permanent reason in the older CRL is not undone by the newer one (spec step 3.ii).
    let old_revoked = CrlSpec::default().number(1).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::SUPERSEDED)).sign(&pki.intermediate);
    let new_clean = CrlSpec { this_update: THIS_UPDATE + 3600, ..CrlSpec::default() }.number(2).sign(&pki.intermediate);
    assert_revoked(check(&chain, &[new_clean, old_revoked, root], CHECKED_AT, None), 0, "superseded");
}

/// RFC 5280 §6.3.3 (b)(2) / §5.2.5: an issuingDistributionPoint limits the CRL's scope; partial,
/// indirect and attribute-certificate CRLs are not supported.
#[test]
fn issuing_distribution_point_scope() {
    let (pki, chain) = default_chain();
    let with_idp = |idp: Idp| with_leaf_crl(&pki, &CrlSpec::default().with(Extension::issuing_distribution_point(&idp)));
    check(&chain, &with_idp(Idp { uri: Some(LEAF_CDP.into()), ..Idp::default() }), CHECKED_AT, None).unwrap();
    check(&chain, &with_idp(Idp { only_user_certs: true, ..Idp::default() }), CHECKED_AT, None).unwrap();
    assert_unknown(check(&chain, &with_idp(Idp { uri: Some("http://elsewhere/x.crl".into()), ..Idp::default() }), CHECKED_AT, None), 0, "does not cover");
    assert_unknown(check(&chain, &with_idp(Idp { only_ca_certs: true, ..Idp::default() }), CHECKED_AT, None), 0, "does not cover");
    assert_unknown(check(&chain, &with_idp(Idp { indirect_crl: true, ..Idp::default() }), CHECKED_AT, None), 0, "indirectCRL");
    assert_unknown(check(&chain, &with_idp(Idp { only_some_reasons: true, ..Idp::default() }), CHECKED_AT, None), 0, "onlySomeReasons");
    // onlyContainsUserCerts for the intermediate (a CA): not its CRL.
    let crls = vec![
        CrlSpec::default().sign(&pki.intermediate),
        CrlSpec::default().with(Extension::issuing_distribution_point(&Idp { only_user_certs: true, ..Idp::default() })).sign(&pki.root),
    ];
    assert_unknown(check(&chain, &crls, CHECKED_AT, None), 1, "does not cover");
}

// ---- generated: certificateHold, removeFromCRL and delta CRLs -------------------------------

/// Delta CRLs (spec: "MUST support BaseCRLs and Delta CRLs"; RFC 5280 §5.2.4, §5.3.1; impl
/// `validate` + `checkRevocation`).
#[test]
fn hold_and_remove_from_crl() {
    let (pki, chain) = default_chain();
    let root = CrlSpec::default().sign(&pki.root);
    let hold = || Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::CERTIFICATE_HOLD);
    let base_hold = CrlSpec::default().number(1).entry(hold()).sign(&pki.intermediate);
    let base_clean = CrlSpec::default().number(1).sign(&pki.intermediate);
    let delta = |entry: Entry| CrlSpec::default().delta(2, 1).entry(entry).sign(&pki.intermediate);
    let remove = delta(Entry::new(LEAF_SERIAL, REVOKED_AT + 60).reason(reason::REMOVE_FROM_CRL));

    // certificateHold is revoked (impl: "certificateHold → revoked").
    assert_revoked(check(&chain, &[base_hold.clone(), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    // The delta CRL releases the hold.
    check(&chain, &[base_hold.clone(), remove.clone(), root.clone()], CHECKED_AT, None).unwrap();
    // A hold placed by the delta CRL on a clean base.
    assert_revoked(check(&chain, &[base_clean.clone(), delta(hold()), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    // A permanent reason is not undone by a later removeFromCRL (RFC 5280 §5.3.1: removeFromCRL
    // releases a hold or drops an expired certificate; impl returns revoked at once).
    let base_compromised = CrlSpec::default().number(1).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::KEY_COMPROMISE)).sign(&pki.intermediate);
    assert_revoked(check(&chain, &[base_compromised, remove.clone(), root.clone()], CHECKED_AT, None), 0, "keyCompromise");
    // Revoked for good by the delta CRL.
    assert_revoked(
        check(&chain, &[base_clean.clone(), delta(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::SUPERSEDED)), root.clone()], CHECKED_AT, None),
        0,
        "superseded",
    );
    // removeFromCRL alone (in a complete CRL) revokes nothing.
    let base_remove = CrlSpec::default().entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::REMOVE_FROM_CRL)).sign(&pki.intermediate);
    check(&chain, &[base_remove, root], CHECKED_AT, None).unwrap();
}

/// Which delta CRL applies: same issuer and scope, BaseCRLNumber <= base cRLNumber < delta
/// cRLNumber (RFC 5280 §5.2.4; impl `validate`), and itself usable; a base CRL that names a
/// delta (freshestCRL) needs one (spec "Revocation Checking with Delta CRLs"). A hold released
/// by a delta CRL shows whether it was applied.
#[test]
fn delta_crl_selection() {
    let (pki, chain) = default_chain();
    let root = CrlSpec::default().sign(&pki.root);
    let base = CrlSpec::default().number(5).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::CERTIFICATE_HOLD)).sign(&pki.intermediate);
    let releasing = |spec: CrlSpec| spec.entry(Entry::new(LEAF_SERIAL, REVOKED_AT + 60).reason(reason::REMOVE_FROM_CRL)).sign(&pki.intermediate);
    assert_revoked(check(&chain, &[base.clone(), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    // Applies: base indicator 5 or lower, number above 5.
    check(&chain, &[base.clone(), releasing(CrlSpec::default().delta(6, 5)), root.clone()], CHECKED_AT, None).unwrap();
    check(&chain, &[base.clone(), releasing(CrlSpec::default().delta(6, 3)), root.clone()], CHECKED_AT, None).unwrap();
    // Does not apply: built on a later base, or not newer than the base.
    assert_revoked(check(&chain, &[base.clone(), releasing(CrlSpec::default().delta(7, 6)), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    assert_revoked(check(&chain, &[base.clone(), releasing(CrlSpec::default().delta(5, 4)), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    // Unusable: stale, forged, or of another scope.
    let stale = CrlSpec { next_update: Some(CHECKED_AT), ..CrlSpec::default() }.delta(6, 5);
    assert_revoked(check(&chain, &[base.clone(), releasing(stale.clone()), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    let forged = CrlSpec::default()
        .delta(6, 5)
        .entry(Entry::new(LEAF_SERIAL, REVOKED_AT + 60).reason(reason::REMOVE_FROM_CRL))
        .sign_as(&pki.intermediate.subject, &Key::p256("forger"));
    assert_revoked(check(&chain, &[base.clone(), forged, root.clone()], CHECKED_AT, None), 0, "certificateHold");
    let scoped = CrlSpec::default().delta(6, 5).with(Extension::issuing_distribution_point(&Idp { uri: Some(LEAF_CDP.into()), ..Idp::default() }));
    assert_revoked(check(&chain, &[base, releasing(scoped), root.clone()], CHECKED_AT, None), 0, "certificateHold");
    // A permanent revocation in a delta CRL counts even when the delta does not apply (an
    // authentic statement of the issuer; spec step 3.ii).
    let clean = CrlSpec::default().number(5).sign(&pki.intermediate);
    let revoking = CrlSpec::default().delta(7, 6).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::KEY_COMPROMISE)).sign(&pki.intermediate);
    assert_revoked(check(&chain, &[clean, revoking, root.clone()], CHECKED_AT, None), 0, "keyCompromise");
    // The base names a delta CRL: without a usable one, unknown.
    let base_with_freshest = CrlSpec::default().number(5).with(Extension::freshest_crl("http://crl.sealcheck.test/delta.crl")).sign(&pki.intermediate);
    assert_unknown(check(&chain, &[base_with_freshest.clone(), root.clone()], CHECKED_AT, None), 0, "freshestCRL");
    assert_unknown(check(&chain, &[base_with_freshest.clone(), stale.sign(&pki.intermediate), root.clone()], CHECKED_AT, None), 0, "stale");
    let clean_delta = CrlSpec::default().delta(6, 5).sign(&pki.intermediate);
    check(&chain, &[base_with_freshest, clean_delta.clone(), root.clone()], CHECKED_AT, None).unwrap();
    // A delta CRL alone is not enough.
    assert_unknown(check(&chain, &[clean_delta, root], CHECKED_AT, None), 0, "only delta CRLs");
}

/// The newest applicable delta CRL is used.
#[test]
fn newest_delta_decides() {
    let (pki, chain) = default_chain();
    let root = CrlSpec::default().sign(&pki.root);
    let base = CrlSpec::default().number(1).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::CERTIFICATE_HOLD)).sign(&pki.intermediate);
    let still_held = CrlSpec::default().delta(2, 1).entry(Entry::new(LEAF_SERIAL, REVOKED_AT).reason(reason::CERTIFICATE_HOLD)).sign(&pki.intermediate);
    let released = CrlSpec::default().delta(3, 1).entry(Entry::new(LEAF_SERIAL, REVOKED_AT + 60).reason(reason::REMOVE_FROM_CRL)).sign(&pki.intermediate);
    check(&chain, &[base.clone(), still_held.clone(), released.clone(), root.clone()], CHECKED_AT, None).unwrap();
    check(&chain, &[released, still_held.clone(), base.clone(), root.clone()], CHECKED_AT, None).unwrap();
    assert_revoked(check(&chain, &[base, still_held, root], CHECKED_AT, None), 0, "certificateHold");
}

// ---- generated: parsing ----------------------------------------------------------------------

/// Malformed CRL DER is a parse error (the caller's input), not a revocation status.
#[test]
fn malformed_crl_is_a_parse_error() {
    let (pki, _) = default_chain();
    let good = CrlSpec::default().sign(&pki.intermediate);
    for bad in [&good[..good.len() - 1], &good[1..], &[0x30, 0x80, 0x00, 0x00][..], b"garbage"] {
        assert!(matches!(Crl::from_der("bad.crl", bad), Err(Error::Der { .. })), "{bad:02x?}");
    }
    let mut trailing = good.clone();
    trailing.extend_from_slice(&good);
    assert!(matches!(Crl::parse_file("two.crl", &trailing), Err(Error::Der { .. })), "two concatenated DER CRLs");
    assert!(matches!(Crl::parse_file("text.crl", b"-----BEGIN X509 CRL-----\n!!!\n-----END X509 CRL-----\n"), Err(Error::Encoding { .. })));
}

/// `limits::MAX_CRL_BYTES` and `MAX_CRL_ENTRIES`, checked before the work they bound.
#[test]
fn size_limits() {
    let too_big = vec![0x30; MAX_CRL_BYTES + 1];
    assert_eq!(Crl::from_der("big.crl", &too_big).unwrap_err(), Error::LimitExceeded { what: "CRL bytes", max: MAX_CRL_BYTES, got: MAX_CRL_BYTES + 1 });
    assert!(matches!(Crl::parse_file("big.crl", &too_big), Err(Error::LimitExceeded { .. })));
    let entry = seq(&[&uint(0x1000), &x509_time(T0)]);
    let entries = encode(0x30, &entry.repeat(MAX_CRL_ENTRIES + 1));
    let sig_alg = Key::p256("x").signature_algorithm();
    let tbs = seq(&[&uint(1), &sig_alg, &support::pki::name("big"), &x509_time(T0), &x509_time(T0 + DAY), &entries]);
    let crl = support::crl::certificate_list(&tbs, &sig_alg, &[0]);
    assert!(crl.len() <= MAX_CRL_BYTES);
    assert_eq!(Crl::from_der("many.crl", &crl).unwrap_err(), Error::LimitExceeded { what: "CRL entries", max: MAX_CRL_ENTRIES, got: MAX_CRL_ENTRIES + 1 });
}

// ---- notation's e2e CRL vectors ---------------------------------------------------------------

fn crl_vectors() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/notation-suite/notation/test/e2e/testdata/config/crl");
    assert!(p.is_dir(), "{} is missing: these tests read notation's e2e CRL vectors", p.display());
    p
}

fn vector(name: &str) -> Vec<u8> {
    let p = crl_vectors().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `certchain_with_crl.pem`: LeafCert (0x1000), IntermediateCA (0x1002), RootCA.
fn vector_chain() -> Vec<Certificate> {
    let text = String::from_utf8(vector("certchain_with_crl.pem")).unwrap();
    let chain: Vec<Certificate> =
        pem_decode_all("certchain_with_crl.pem", &text).unwrap().iter().map(|b| Certificate::from_der("vector certificate", &b.der).unwrap()).collect();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[2].der(), pem_decode_all("root.crt", &String::from_utf8(vector("root.crt")).unwrap()).unwrap()[0].der);
    chain
}

fn vector_check(crl_files: &[&str], now: &str, signing_time: Option<&str>) -> sealcheck::Result<()> {
    let crls = crl_files.iter().flat_map(|f| Crl::parse_file(f, &vector(f)).unwrap()).collect();
    let t = |s: &str| UnixTime::parse_rfc3339(s).unwrap();
    check_chain(support::backend(), &vector_chain(), &CrlSet::new(crls), t(now), signing_time.map(t))
}

/// `openssl crl -text`: leaf.crl / leaf_revoked.crl are by IntermediateCA, thisUpdate
/// 2024-11-11T05:30:52Z, nextUpdate 2124-10-18T05:30:52Z; intermediate(_revoked).crl by RootCA,
/// 2024-11-11T05:30:51Z .. 2124-10-18T05:30:51Z; leaf_expired.crl 2023-12-24T08:15:42Z ..
/// 2023-12-25T08:15:42Z. A verification time inside the first two windows:
const VECTOR_NOW: &str = "2025-06-01T00:00:00Z";

/// The vectors parse to what `openssl crl -text` shows.
#[test]
fn vectors_parse() {
    let revoked = Crl::parse_file("leaf_revoked.crl", &vector("leaf_revoked.crl")).unwrap().remove(0);
    assert_eq!(revoked.crl_number(), Some(&[0x10, 0x01][..]), "CRL Number 4097");
    assert_eq!(revoked.this_update(), UnixTime::parse_rfc3339("2024-11-11T05:30:52Z").unwrap());
    assert_eq!(revoked.next_update(), Some(UnixTime::parse_rfc3339("2124-10-18T05:30:52Z").unwrap()), "GeneralizedTime");
    assert_eq!(revoked.entries().len(), 1);
    assert_eq!((revoked.entries()[0].serial.as_slice(), revoked.entries()[0].reason, revoked.entries()[0].invalidity_date), (&[0x10, 0x00][..], None, None));
    assert!(!revoked.is_delta() && revoked.unknown_critical_extension().is_none());
    let chain = vector_chain();
    assert_eq!(revoked.issuer_der(), chain[1].subject_der());
    assert_eq!(chain[0].serial(), [0x10, 0x00]);
    assert_eq!(chain[1].serial(), [0x10, 0x02]);
    for f in ["leaf.crl", "intermediate.crl", "intermediate_revoked.crl", "leaf_expired.crl"] {
        let crls = Crl::parse_file(f, &vector(f)).unwrap();
        assert_eq!(crls.len(), 1, "{f}");
    }
}

/// PROVENANCE: leaf.crl "Leaf not revoked -> revocation OK", intermediate.crl "Intermediate not
/// revoked" (notation e2e `scenario/crl.go`).
#[test]
fn vectors_good() {
    vector_check(&["leaf.crl", "intermediate.crl"], VECTOR_NOW, None).unwrap();
}

/// PROVENANCE: leaf_revoked.crl revokes serial 0x1000 with no reason code and no invalidity
/// date -> "is revoked"; spec: without an invalidity date the certificate is revoked even for a
/// signature timestamped before the revocation.
#[test]
fn vectors_leaf_revoked() {
    let e = vector_check(&["leaf_revoked.crl", "intermediate.crl"], VECTOR_NOW, None).unwrap_err();
    assert_eq!(e, Error::Revoked { what: "certificate 0 (CN=LeafCert)".into(), serial: "1000".into(), reason: "unspecified".into() });
    assert_revoked(vector_check(&["leaf_revoked.crl", "intermediate.crl"], VECTOR_NOW, Some("2024-11-11T00:00:00Z")), 0, "unspecified");
}

/// PROVENANCE: intermediate_revoked.crl revokes 0x1002 -> verify fails.
#[test]
fn vectors_intermediate_revoked() {
    let e = vector_check(&["leaf.crl", "intermediate_revoked.crl"], VECTOR_NOW, None).unwrap_err();
    assert_eq!(e, Error::Revoked { what: "certificate 1 (CN=IntermediateCA)".into(), serial: "1002".into(), reason: "unspecified".into() });
}

/// PROVENANCE: leaf_expired.crl has nextUpdate 2023-12-25 and its signature does not verify
/// with the IntermediateCA key (independent check) -> revocation unknown. Stale now; and
/// inside its own window it still does not verify.
#[test]
fn vectors_leaf_expired_crl_is_unknown() {
    // Checked in impl `validateCRL`'s order: the signature first.
    assert_unknown(vector_check(&["leaf_expired.crl", "intermediate.crl"], VECTOR_NOW, None), 0, "CRL 0 (thisUpdate 2023-12-24T08:15:42Z): its signature does not verify");
    assert_unknown(vector_check(&["leaf_expired.crl", "intermediate.crl"], "2023-12-24T12:00:00Z", None), 0, "signature does not verify");
    // Beside the good leaf.crl it is not chosen: leaf.crl decides.
    vector_check(&["leaf_expired.crl", "leaf.crl", "intermediate.crl"], VECTOR_NOW, None).unwrap();
}

/// Both certificates of the vector chain carry a CDP (the intermediate also an OCSP URL): with
/// no CRLs, or the leaf's only, the status is unknown; after the CRLs' nextUpdate, stale.
#[test]
fn vectors_missing_or_stale_crls_are_unknown() {
    assert_unknown(vector_check(&[], VECTOR_NOW, None), 0, "no CRL from its issuer (CN=IntermediateCA) was supplied");
    assert_unknown(vector_check(&["leaf.crl"], VECTOR_NOW, None), 1, "no CRL from its issuer (CN=RootCA) was supplied");
    assert_unknown(vector_check(&["leaf.crl", "intermediate.crl"], "2124-10-18T05:30:52Z", None), 0, "stale");
}

/// notation-core-go `revocation/crl/testdata` (EJBCA): a delta CRL (cRLNumber 5,
/// deltaCRLIndicator 4, critical) and a base CRL naming delta CRLs (freshestCRL with two URIs)
/// both parse; the delta CRL's critical indicator is processed, not "unknown".
#[test]
fn core_go_delta_vectors_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/notation-suite/notation-core-go/revocation/crl/testdata");
    assert!(dir.is_dir(), "{} is missing: this test reads notation-core-go's CRL vectors", dir.display());
    let read = |f: &str| Crl::parse_file(f, &std::fs::read(dir.join(f)).unwrap()).unwrap().remove(0);
    let delta = read("delta.crl");
    assert!(delta.is_delta() && delta.unknown_critical_extension().is_none());
    assert_eq!((delta.crl_number(), delta.base_crl_number()), (Some(&[5][..]), Some(&[4][..])));
    let base = read("crlWithMultipleFreshestCRLs.crl");
    assert!(!base.is_delta() && base.unknown_critical_extension().is_none() && base.entries().is_empty());
    assert_eq!(base.issuer_der(), delta.issuer_der());
}
