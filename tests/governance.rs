//! Signing-key governance (issue 14): the native policy (`apiVersion: sealcheck.dev/v1`,
//! `src/policy/native.rs`) decided over generated evidence — the project's own keys, Fulcio-style
//! CA, CT log, Rekor v1 log and TSA from `tests/support` — at exact times.
//!
//! Every signature here is made at a controlled, *verified* time: a Rekor signed entry timestamp
//! (`integratedTime`) or an RFC 3161 timestamp, chosen around [`RETIRED`] (a key's `validUntil`,
//! a `validFrom`, a revocation's `revokedAt`). Decisions are taken at [`LATER`], after all of them
//! (so "accepted after the key retired" is literal). Each test cites the acceptance line of
//! issue 14 it shows; each has a positive control so that a refusal is not vacuous.
//!
//! Every policy a test compiles through [`compile`] is first validated against
//! `docs/policy.schema.json` (draft 2020-12, `jsonschema` with format checks), and
//! [`schema_agrees_with_the_parser`] checks the documents both must refuse.
//!
//! The last four tests pinned library bugs found while writing these (window before
//! revocation, empty roles, non-hex serials, duplicate keys in Notary settings); fixed.

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, RwLock};

use serde_json::{Value, json};

use sealcheck::cosign::StoredSignature;
use sealcheck::oci::EvidenceItem;
use sealcheck::policy::{Decision, PolicyFiles, RequirementRecord};
use sealcheck::verifier::{self, PolicyFormat};
use sealcheck::{CacheLimits, CompiledPolicy, Error, ErrorClass, FactCache, ImageEvidence, ImageVerifier, UnixTime};

use support::image::{Image, REPO};
use support::bundle::{BundleSpec, IN_TOTO, Signer, Version};
use support::cosign::{hashedrekord, rekor_annotation_by};
use support::der::rfc3339;
use support::keys::Key;
use support::pki::LeafSpec;
use support::{DAY, ISSUER, SAN, T0, World, b64, hex};

// ---- times ----------------------------------------------------------------------------------

/// A signature made well before [`RETIRED`].
const T_OLD: i64 = T0 + 100 * DAY;
/// A key's `validUntil` / `validFrom`, a revocation's `revokedAt`.
const RETIRED: i64 = T0 + 200 * DAY;
/// A signature made well after [`RETIRED`].
const T_NEW: i64 = T0 + 300 * DAY;
/// When decisions are taken: after every signing time and after the key retired.
const LATER: i64 = T0 + 400 * DAY;

const API: &str = "sealcheck.dev/v1";
const OTHER_REPO: &str = "registry.sigstore.test/ns/other";
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const COSIGN_SIGN: &str = "https://sigstore.dev/cosign/sign/v1";
const SLSA: &str = "https://slsa.dev/provenance/v1";
const SPDX: &str = "https://spdx.dev/Document";
/// The Fulcio intermediate's name, as a revocation writes a certificate issuer (RFC 4514).
const FULCIO_INTERMEDIATE: &str = "CN=fulcio intermediate,O=sigstore.test";
/// The path the policies give as `trustedRootPath` (the generated world's trusted root).
const ROOT: &str = "generated/trusted_root.json";

fn at(secs: i64) -> String {
    rfc3339(secs)
}

// ---- signers --------------------------------------------------------------------------------

fn key(label: &str) -> Signer {
    Signer { key: Key::p256(label), cert: None, chain: Vec::new() }
}

/// A release key.
fn alice() -> Signer {
    key("governance: alice's release key")
}

/// Another release key.
fn bob() -> Signer {
    key("governance: bob's release key")
}

/// The build system's attestation key.
fn builder() -> Signer {
    key("governance: builder key")
}

/// SHA-256 of a key's SubjectPublicKeyInfo, hex (what `keySha256` names).
fn key_sha256(s: &Signer) -> String {
    hex(&s.key.spki_sha256())
}

/// A Fulcio leaf for `san` valid for ten minutes around `signed_at` (a minute before it), with
/// its own key (`label`) and `serial`.
fn leaf(label: &str, serial: u64, san: &str, signed_at: i64) -> Signer {
    World::get().fulcio_signer(&LeafSpec {
        key_label: format!("governance leaf: {label}"),
        serial,
        san: san.into(),
        not_before: signed_at - 60,
        not_after: signed_at + 540,
        ..LeafSpec::default()
    })
}

/// The CI workflow's identity ([`SAN`], [`ISSUER`]), signing at `signed_at`.
fn ci(signed_at: i64) -> Signer {
    leaf(&format!("ci at {signed_at}"), 0x0c1 + u64::try_from(signed_at - T0).unwrap(), SAN, signed_at)
}

// ---- images and evidence --------------------------------------------------------------------

/// A cosign legacy (`.sig` layer) signature of `image` by `signer`: with a Rekor v1 signed entry
/// timestamp integrated at `set_at` (at `log_index`), and a simple-signing payload that claims
/// `optional.timestamp: claimed` (an unverified claim).
fn legacy(signer: &Signer, image: &Image, set_at: Option<i64>, log_index: u64, claimed: Option<i64>) -> EvidenceItem {
    let optional = claimed.map_or(Value::Null, |t| json!({ "creator": "governance test", "timestamp": t }));
    let payload = json!({
        "critical": {
            "identity": { "docker-reference": image.repo },
            "image": { "docker-manifest-digest": image.digest.to_string() },
            "type": "cosign container image signature",
        },
        "optional": optional,
    })
    .to_string()
    .into_bytes();
    let signature = signer.key.sign(&payload);
    let mut annotations = BTreeMap::new();
    annotations.insert("dev.cosignproject.cosign/signature".to_string(), b64(&signature));
    if signer.cert.is_some() {
        let ca = &World::get().fulcio;
        annotations.insert("dev.sigstore.cosign/certificate".to_string(), signer.pem());
        let chain = format!("{}{}", support::pem("CERTIFICATE", &ca.intermediate.cert), support::pem("CERTIFICATE", &ca.root.cert));
        annotations.insert("dev.sigstore.cosign/chain".to_string(), chain);
    }
    if let Some(t) = set_at {
        let set = rekor_annotation_by(&World::get().rekor, t, signer, &hashedrekord(&payload, &signature), log_index);
        annotations.insert("dev.sigstore.cosign/bundle".to_string(), set);
    }
    EvidenceItem::SimpleSigning(StoredSignature { media_type: SIMPLE_SIGNING.into(), payload, annotations })
}

/// [`legacy`] with a signed entry timestamp at `t` (log index 7), and no claim.
fn signed_at(signer: &Signer, image: &Image, t: i64) -> EvidenceItem {
    legacy(signer, image, Some(t), 7, None)
}

/// How a bundle's one Rekor entry is.
#[derive(Clone, Copy)]
enum Tlog {
    None,
    /// Integrated at this time, with its signed entry timestamp and inclusion proof.
    Set(i64),
    /// Inclusion proof and checkpoint only: its `integratedTime` (this value) is a claim nothing
    /// signs.
    ProofOnly(i64),
}

/// A cosign v3 bundle (v0.3, DSSE over an in-toto statement of `predicate` naming the image) by
/// `signer`, with its entry as `tlog` says and an RFC 3161 timestamp at `tsa_at`.
fn bundle(signer: &Signer, image: &Image, predicate: &str, tlog: Tlog, tsa_at: Option<i64>) -> EvidenceItem {
    bundle_with(signer, image, predicate, json!({}), tlog, tsa_at)
}

/// [`bundle`] whose statement's `predicate` is `fields`.
fn bundle_with(signer: &Signer, image: &Image, predicate: &str, fields: Value, tlog: Tlog, tsa_at: Option<i64>) -> EvidenceItem {
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": image.repo, "digest": { "sha256": image.digest.to_string()["sha256:".len()..] } }],
        "predicateType": predicate,
        "predicate": fields,
    })
    .to_string()
    .into_bytes();
    let w = World::get();
    let content = signer.sign_dsse(IN_TOTO, &statement);
    let tlog_entries = match tlog {
        Tlog::None => Vec::new(),
        Tlog::Set(t) => vec![w.rekor.entry(&content, signer, 11, t)],
        Tlog::ProofOnly(t) => {
            let mut e = w.rekor.entry(&content, signer, 11, t);
            e.signed_entry_timestamp = None;
            vec![e]
        }
    };
    let timestamps = tsa_at.map(|t| vec![w.tsa.timestamp(content.signature(), t)]).unwrap_or_default();
    let spec = BundleSpec { media_type: Version::V0_3.media_type().into(), material: signer.material(Version::V0_3), content, tlog_entries, timestamps };
    EvidenceItem::Bundle(spec.to_json().into_bytes())
}

/// [`bundle`] of a cosign image signature.
fn v3_signature(signer: &Signer, image: &Image, tlog: Tlog, tsa_at: Option<i64>) -> EvidenceItem {
    bundle(signer, image, COSIGN_SIGN, tlog, tsa_at)
}

// ---- policies -------------------------------------------------------------------------------

/// Policy files held in memory: the generated trusted root at [`ROOT`], and whatever a test adds.
struct Files(BTreeMap<String, Vec<u8>>);

impl Files {
    fn new() -> Self {
        let mut m = BTreeMap::new();
        m.insert(ROOT.to_string(), World::get().trusted_root().to_json().into_bytes());
        Self(m)
    }
}

impl PolicyFiles for Files {
    fn read(&self, path: &str, max: usize) -> sealcheck::Result<Vec<u8>> {
        let b = self.0.get(path).cloned().ok_or_else(|| Error::NotFound(format!("policy file {path}")))?;
        assert!(b.len() <= max, "{path}: {} bytes, max {max}", b.len());
        Ok(b)
    }
}

/// A key signer (inline PEM), its log entries checked against the generated root.
fn key_signer(s: &Signer) -> Value {
    json!({ "key": { "pem": s.key.public_pem(), "trustedRootPath": ROOT } })
}

/// A Sigstore identity signer: [`ISSUER`] and `san`, against the generated root.
fn sigstore_signer(san: &str) -> Value {
    json!({ "sigstore": { "trustedRootPath": ROOT, "issuer": ISSUER, "subject": san } })
}

/// `signer` with a `validFrom` / `validUntil` window.
fn window(mut signer: Value, from: Option<i64>, until: Option<i64>) -> Value {
    if let Some(f) = from {
        signer["validFrom"] = json!(at(f));
    }
    if let Some(u) = until {
        signer["validUntil"] = json!(at(u));
    }
    signer
}

fn policy(signers: Value, scopes: Value) -> Value {
    json!({ "apiVersion": API, "signers": signers, "scopes": scopes })
}

/// Every image must be signed by `name` (the `*` scope).
fn signed_by(name: &str, signer: Value) -> Value {
    policy(json!({ name: signer }), json!({ "*": { "signatures": { "signers": [name] } } }))
}

/// `docs/policy.schema.json`, with format checks (`date-time`).
static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(include_str!("../docs/policy.schema.json")).expect("the schema is JSON");
    jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("the schema is not a valid draft 2020-12 schema: {e}"));
    jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap_or_else(|e| panic!("schema: {e}"))
});

/// A validator for one `$defs` entry of the schema (the revocation list).
static REVOCATION_LIST_SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let mut schema: Value = serde_json::from_str(include_str!("../docs/policy.schema.json")).unwrap();
    let defs = schema["$defs"].clone();
    schema = json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs, "$ref": "#/$defs/revocationList" });
    jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap()
});

/// The schema's complaints about `doc` (empty: valid).
fn schema_errors(doc: &Value) -> Vec<String> {
    SCHEMA.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[track_caller]
fn assert_schema_valid(doc: &Value) {
    let errors = schema_errors(doc);
    assert!(errors.is_empty(), "docs/policy.schema.json refuses a policy the tests compile: {errors:#?}\n{doc:#}");
}

/// Validates `doc` against the schema, then compiles it (files: [`Files::new`]).
#[track_caller]
fn compile(doc: &Value) -> Arc<CompiledPolicy> {
    compile_with(doc, &Files::new())
}

#[track_caller]
fn compile_with(doc: &Value, files: &Files) -> Arc<CompiledPolicy> {
    assert_schema_valid(doc);
    let bytes = serde_json::to_vec(doc).unwrap();
    assert_eq!(verifier::policy_format(&bytes), PolicyFormat::Native);
    Arc::new(verifier::native_policy(&bytes, files, &support::provider()).unwrap_or_else(|e| panic!("{e}\n{doc:#}")))
}

/// Compiling `json` fails with an input error; returns its message.
#[track_caller]
fn compile_error(json: &str) -> String {
    match verifier::native_policy(json.as_bytes(), &Files::new(), &support::provider()) {
        Ok(_) => panic!("compiled, expected an input error: {json}"),
        Err(e) => {
            assert_eq!(e.class(), ErrorClass::Input, "{e}");
            assert_eq!(e.kind(), "Config", "{e}");
            e.to_string()
        }
    }
}

fn verifier_for(p: &Arc<CompiledPolicy>) -> ImageVerifier {
    ImageVerifier::new(p.clone(), support::provider())
}

fn decide(p: &Arc<CompiledPolicy>, image: &Image) -> Decision {
    verifier_for(p).decide(&image.evidence(), UnixTime::from_secs(LATER))
}

fn decide_at(p: &Arc<CompiledPolicy>, image: &Image, now: i64) -> Decision {
    verifier_for(p).decide(&image.evidence(), UnixTime::from_secs(now))
}

// ---- reading decisions ----------------------------------------------------------------------

fn walk<'a>(r: &'a RequirementRecord, out: &mut Vec<&'a RequirementRecord>) {
    out.push(r);
    for a in &r.alternatives {
        walk(a, out);
    }
}

/// The error kind of every refused signature anywhere in the record.
fn refusals(d: &Decision) -> Vec<&'static str> {
    let mut all = Vec::new();
    for r in &d.requirements {
        walk(r, &mut all);
    }
    all.iter().flat_map(|r| r.signatures.iter().filter_map(|s| s.error_kind)).collect()
}

#[track_caller]
fn assert_allowed(d: &Decision) {
    assert!(d.allowed, "denied: {}\n{d:#?}", d.reason);
    assert!(d.exception.is_none(), "allowed by an exception: {:?}", d.exception);
}

/// Denied, with a signature refused for `kind` somewhere in the record.
#[track_caller]
fn assert_denied_for(d: &Decision, kind: &str) {
    assert!(!d.allowed, "allowed, expected a refusal for {kind}: {}", d.reason);
    assert!(refusals(d).contains(&kind), "denied, but not for {kind}: {:?}: {}", refusals(d), d.reason);
}

/// Denied, with a signature refused for `kind` whose reason contains `reason` somewhere in the
/// record.
#[track_caller]
fn assert_refused_with(d: &Decision, kind: &str, reason: &str) {
    let mut all = Vec::new();
    for r in &d.requirements {
        walk(r, &mut all);
    }
    let found: Vec<(&str, &str)> = all.iter().flat_map(|r| r.signatures.iter().filter_map(|s| Some((s.error_kind?, s.reason.as_str())))).collect();
    assert!(!d.allowed, "allowed, expected a refusal for {kind} ({reason}): {}", d.reason);
    assert!(found.iter().any(|(k, r)| *k == kind && r.contains(reason)), "no signature refused for {kind} with {reason:?}: {found:#?}");
}

#[track_caller]
fn assert_denied(d: &Decision, reason_contains: &str) {
    assert!(!d.allowed, "allowed, expected a denial ({reason_contains}): {}", d.reason);
    assert!(d.reason.contains(reason_contains), "denied for another reason (expected {reason_contains:?}): {}", d.reason);
}

// ---- 1. key lifecycle: windows over verified signing times ----------------------------------

/// Issue 14, acceptance 1: "a signature made before a key's `validUntil` is accepted after the
/// key retired; one made after it is rejected; the same for `validFrom`" — a key signer whose
/// signatures carry a Rekor signed entry timestamp (legacy `.sig`, and v3 bundles), decided
/// after the key retired; the bounds are inclusive to the second.
#[test]
fn key_window_uses_the_log_integrated_time() {
    let a = alice();
    let old = Image::app("old").with(signed_at(&a, &Image::app("old"), T_OLD));
    let new = Image::app("new").with(signed_at(&a, &Image::app("new"), T_NEW));
    let retired = compile(&signed_by("alice", window(key_signer(&a), None, Some(RETIRED))));
    assert_allowed(&decide(&retired, &old));
    assert_denied_for(&decide(&retired, &new), "KeyOutsideValidity");
    let d = decide(&retired, &new);
    assert!(format!("{d:?}").contains(&format!("signed at {T_NEW}")), "the refusal names the verified time: {d:#?}");

    let rotated_in = compile(&signed_by("alice", window(key_signer(&a), Some(RETIRED), None)));
    assert_denied_for(&decide(&rotated_in, &old), "KeyOutsideValidity");
    assert_allowed(&decide(&rotated_in, &new));

    // Exact bounds: validUntil and validFrom are inclusive.
    let edge = |t: i64| Image::app(&format!("edge {t}")).with(signed_at(&a, &Image::app(&format!("edge {t}")), t));
    assert_allowed(&decide(&retired, &edge(RETIRED)));
    assert_denied_for(&decide(&retired, &edge(RETIRED + 1)), "KeyOutsideValidity");
    assert_allowed(&decide(&rotated_in, &edge(RETIRED)));
    assert_denied_for(&decide(&rotated_in, &edge(RETIRED - 1)), "KeyOutsideValidity");
    // A closed window.
    let closed = compile(&signed_by("alice", window(key_signer(&a), Some(T_OLD), Some(RETIRED))));
    assert_allowed(&decide(&closed, &old));
    assert_denied_for(&decide(&closed, &new), "KeyOutsideValidity");
    assert_denied_for(&decide(&closed, &edge(T_OLD - 1)), "KeyOutsideValidity");

    // The same with v3 bundles whose one Rekor entry carries its signed entry timestamp.
    let img = Image::app("v3");
    let v3_old = Image::app("v3").with(v3_signature(&a, &img, Tlog::Set(T_OLD), None));
    let v3_new = Image::app("v3").with(v3_signature(&a, &img, Tlog::Set(T_NEW), None));
    assert_allowed(&decide(&retired, &v3_old));
    assert_denied_for(&decide(&retired, &v3_new), "KeyOutsideValidity");
    assert_denied_for(&decide(&rotated_in, &v3_old), "KeyOutsideValidity");
    assert_allowed(&decide(&rotated_in, &v3_new));
}

/// Issue 14, acceptance 1, RFC 3161: a TSA time is a verified signing time too, and every
/// verified time must lie in the window (a log time inside does not excuse a TSA time outside).
#[test]
fn key_window_uses_timestamp_authority_times_all_of_them() {
    let a = alice();
    let img = Image::app("tsa");
    let retired = compile(&signed_by("alice", window(key_signer(&a), None, Some(RETIRED))));
    let tsa_old = Image::app("tsa").with(v3_signature(&a, &img, Tlog::None, Some(T_OLD)));
    let tsa_new = Image::app("tsa").with(v3_signature(&a, &img, Tlog::None, Some(T_NEW)));
    assert_allowed(&decide(&retired, &tsa_old));
    assert_denied_for(&decide(&retired, &tsa_new), "KeyOutsideValidity");
    // Log time in the window, TSA time after it: refused; both in: accepted.
    let mixed = Image::app("tsa").with(v3_signature(&a, &img, Tlog::Set(T_OLD), Some(T_NEW)));
    assert_denied_for(&decide(&retired, &mixed), "KeyOutsideValidity");
    let both_in = Image::app("tsa").with(v3_signature(&a, &img, Tlog::Set(T_OLD), Some(T_OLD + 60)));
    assert_allowed(&decide(&retired, &both_in));
}

/// Issue 14, acceptance 1: "signing time taken only from verified evidence (a bundle whose
/// certificate or claim says another time changes nothing)", for a key signer; and the brief's
/// corollary: a key signature without any verified time is refused when the signer has a window,
/// accepted when it has none.
#[test]
fn key_window_ignores_claimed_times_and_needs_a_verified_one() {
    let a = alice();
    let img = Image::app("claims");
    let unwindowed = compile(&signed_by("alice", key_signer(&a)));
    let retired = compile(&signed_by("alice", window(key_signer(&a), None, Some(RETIRED))));
    let from = compile(&signed_by("alice", window(key_signer(&a), Some(RETIRED), None)));

    // No log entry, no timestamp: no verified time at all.
    let bare = Image::app("claims").with(legacy(&a, &img, None, 7, None));
    assert_allowed(&decide(&unwindowed, &bare));
    assert_denied_for(&decide(&retired, &bare), "MissingEvidence");
    assert_denied_for(&decide(&from, &bare), "MissingEvidence");

    // A simple-signing payload claiming a time inside the window is still no verified time.
    let claims_old = Image::app("claims").with(legacy(&a, &img, None, 7, Some(T_OLD)));
    assert_allowed(&decide(&unwindowed, &claims_old));
    assert_denied_for(&decide(&retired, &claims_old), "MissingEvidence");
    // Verified after validUntil, claims before it: refused; verified before, claims after: accepted.
    let late_claims_old = Image::app("claims").with(legacy(&a, &img, Some(T_NEW), 7, Some(T_OLD)));
    assert_denied_for(&decide(&retired, &late_claims_old), "KeyOutsideValidity");
    let old_claims_late = Image::app("claims").with(legacy(&a, &img, Some(T_OLD), 7, Some(T_NEW)));
    assert_allowed(&decide(&retired, &old_claims_late));
    assert_denied_for(&decide(&from, &old_claims_late), "KeyOutsideValidity");

    // A Rekor entry without its signed entry timestamp (as a Rekor v2 entry is): its
    // integratedTime is a claim nothing signs; only the RFC 3161 time beside it is a signing
    // time. Claimed inside the window, verified after it: refused; and the other way round.
    let claims_old_stamped_new = Image::app("claims").with(v3_signature(&a, &img, Tlog::ProofOnly(T_OLD), Some(T_NEW)));
    assert_allowed(&decide(&unwindowed, &claims_old_stamped_new));
    assert_denied_for(&decide(&retired, &claims_old_stamped_new), "KeyOutsideValidity");
    assert_allowed(&decide(&from, &claims_old_stamped_new));
    let claims_new_stamped_old = Image::app("claims").with(v3_signature(&a, &img, Tlog::ProofOnly(T_NEW), Some(T_OLD)));
    assert_allowed(&decide(&retired, &claims_new_stamped_old));
    assert_denied_for(&decide(&from, &claims_new_stamped_old), "KeyOutsideValidity");
    // Alone, such an entry gives no time to check its log's validity at: refused whatever the
    // window (the verifier's rule for entries without a signed entry timestamp).
    let proof_only = Image::app("claims").with(v3_signature(&a, &img, Tlog::ProofOnly(T_OLD), None));
    assert_denied_for(&decide(&unwindowed, &proof_only), "KeyOutsideValidity");
    assert_denied_for(&decide(&retired, &proof_only), "KeyOutsideValidity");
}

/// Issue 14, acceptance 1, for a Sigstore identity signer (keyless: a generated Fulcio leaf, its
/// SCT, and the Rekor integrated time): legacy `.sig` and v3 bundle forms; and the certificate's
/// own validity (a claim of the CA about the key, not a signing time) changes nothing.
#[test]
fn identity_window_uses_the_log_integrated_time_not_the_certificate() {
    let img = Image::app("keyless");
    let signed_old = ci(T_OLD);
    let signed_new = ci(T_NEW);
    let retired = compile(&signed_by("ci", window(sigstore_signer(SAN), None, Some(RETIRED))));
    let from = compile(&signed_by("ci", window(sigstore_signer(SAN), Some(RETIRED), None)));
    let forms: [(&str, Box<dyn Fn(&Signer, i64) -> EvidenceItem>); 2] = [
        ("legacy", Box::new(|s: &Signer, t| signed_at(s, &img, t))),
        ("v3", Box::new(|s: &Signer, t| v3_signature(s, &img, Tlog::Set(t), None))),
    ];
    for (form, sign) in &forms {
        let old = Image::app("keyless").with(sign(&signed_old, T_OLD));
        let new = Image::app("keyless").with(sign(&signed_new, T_NEW));
        assert_allowed(&decide(&retired, &old));
        assert_denied_for(&decide(&retired, &new), "KeyOutsideValidity");
        assert_denied_for(&decide(&from, &old), "KeyOutsideValidity");
        assert_allowed(&decide(&from, &new));
        // The leaf is valid from T_OLD - 60 to T_OLD + 540; it was used at T_OLD (verified).
        // validUntil T_OLD - 30: the certificate was valid inside the window, the signature
        // was made after it: refused. validFrom T_OLD - 30: the certificate predates the
        // window, the signature does not: accepted.
        let until = compile(&signed_by("ci", window(sigstore_signer(SAN), None, Some(T_OLD - 30))));
        assert_denied_for(&decide(&until, &old), "KeyOutsideValidity");
        let since = compile(&signed_by("ci", window(sigstore_signer(SAN), Some(T_OLD - 30), None)));
        assert_allowed(&decide(&since, &old));
        // Exact bound on the verified time.
        let exact = compile(&signed_by("ci", window(sigstore_signer(SAN), Some(T_OLD), Some(T_OLD))));
        let d = decide(&exact, &old);
        assert!(d.allowed, "{form}: {}", d.reason);
    }
}

// ---- 2. revocation --------------------------------------------------------------------------

fn revocation(target: Value, revoked_at: i64, reason: &str) -> Value {
    let mut r = target;
    r["revokedAt"] = json!(at(revoked_at));
    r["reason"] = json!(reason);
    r
}

/// `doc` with `revocations`.
fn revoking(mut doc: Value, revocations: &[Value]) -> Value {
    doc["revocations"] = json!(revocations);
    doc
}

/// Issue 14, acceptance 2: "keyCompromise rejects old and new signatures; superseded rejects
/// only later ones" — by signer name and by key SHA-256; a revocation at exactly the signing
/// time applies ("at or after"); a signature without a verified time counts as later; the record
/// names the revocation.
#[test]
fn key_compromise_rejects_everything_superseded_only_later_signatures() {
    let a = alice();
    let old = Image::app("old").with(signed_at(&a, &Image::app("old"), T_OLD));
    let new = Image::app("new").with(signed_at(&a, &Image::app("new"), T_NEW));
    let at_revocation = Image::app("edge").with(signed_at(&a, &Image::app("edge"), RETIRED));
    let untimed = Image::app("untimed").with(legacy(&a, &Image::app("untimed"), None, 7, Some(T_OLD)));
    let base = signed_by("alice", key_signer(&a));
    let clean = compile(&base);
    for img in [&old, &new, &at_revocation, &untimed] {
        assert_allowed(&decide(&clean, img));
    }
    for target in [json!({ "signer": "alice" }), json!({ "keySha256": key_sha256(&a) }), json!({ "keySha256": key_sha256(&a).to_uppercase() })] {
        let compromised = compile(&revoking(base.clone(), &[revocation(target.clone(), RETIRED, "keyCompromise")]));
        for img in [&old, &new, &untimed] {
            let d = decide(&compromised, img);
            assert_denied_for(&d, "Revoked");
            assert_eq!(d.revocation_hits.len(), 1, "{:?}", d.revocation_hits);
            assert!(d.revocation_hits[0].contains("keyCompromise") && d.revocation_hits[0].contains(&format!("revoked at {RETIRED}")), "{:?}", d.revocation_hits);
        }
        let superseded = compile(&revoking(base.clone(), &[revocation(target.clone(), RETIRED, "superseded")]));
        let d = decide(&superseded, &old);
        assert_allowed(&d);
        assert!(d.revocation_hits.is_empty(), "{:?}", d.revocation_hits);
        assert_denied_for(&decide(&superseded, &new), "Revoked");
        assert_denied_for(&decide(&superseded, &at_revocation), "Revoked");
        // The claimed timestamp is not a signing time: without a verified one it counts as later.
        assert_denied_for(&decide(&superseded, &untimed), "Revoked");
        // The CA and AA compromises are compromises too; the other reasons behave as superseded.
        for reason in ["cACompromise", "aACompromise"] {
            assert_denied_for(&decide(&compile(&revoking(base.clone(), &[revocation(target.clone(), RETIRED, reason)])), &old), "Revoked");
        }
        for reason in ["unspecified", "affiliationChanged", "cessationOfOperation", "privilegeWithdrawn", "certificateHold"] {
            let p = compile(&revoking(base.clone(), &[revocation(target.clone(), RETIRED, reason)]));
            assert_allowed(&decide(&p, &old));
            assert_denied_for(&decide(&p, &new), "Revoked");
        }
    }
    // The hit names what was revoked.
    let by_key = compile(&revoking(base.clone(), &[revocation(json!({ "keySha256": key_sha256(&a) }), RETIRED, "keyCompromise")]));
    let d = decide(&by_key, &old);
    assert!(d.revocation_hits[0].contains(&format!("key sha256:{}", key_sha256(&a))), "{:?}", d.revocation_hits);
    // Another key's revocation changes nothing.
    let other = compile(&revoking(base, &[revocation(json!({ "keySha256": key_sha256(&bob()) }), T0, "keyCompromise")]));
    assert_allowed(&decide(&other, &old));
}

/// Issue 14, acceptance 2: "certificate-serial and identity revocations work" — a Fulcio leaf
/// revoked by issuer (RFC 4514, either attribute order) and serial (any case, `0x`, leading
/// zeros) is refused while another leaf of the same identity is not; an identity revocation
/// (SAN with or without the OIDC issuer) refuses every leaf of that identity.
#[test]
fn certificate_serial_and_identity_revocations() {
    let img = Image::app("keyless");
    let first = leaf("first", 0x0a1b2c, SAN, T_OLD);
    let second = leaf("second", 0x0a1b2d, SAN, T_OLD);
    let by_first = Image::app("keyless").with(signed_at(&first, &img, T_OLD));
    let by_second = Image::app("keyless").with(signed_at(&second, &img, T_OLD));
    let base = signed_by("ci", sigstore_signer(SAN));
    assert_allowed(&decide(&compile(&base), &by_first));
    assert_allowed(&decide(&compile(&base), &by_second));

    for (issuer, serial) in [(FULCIO_INTERMEDIATE, "0a1b2c"), ("O=sigstore.test, CN=fulcio intermediate", "0x000A1B2C"), (FULCIO_INTERMEDIATE, "A1B2C")] {
        let p = compile(&revoking(base.clone(), &[revocation(json!({ "certificate": { "issuer": issuer, "serial": serial } }), T0, "keyCompromise")]));
        let d = decide(&p, &by_first);
        assert_denied_for(&d, "Revoked");
        assert!(d.revocation_hits[0].contains("serial a1b2c"), "{:?}", d.revocation_hits);
        assert_allowed(&decide(&p, &by_second));
    }
    // Same serial, another issuer: not this certificate.
    let p = compile(&revoking(base.clone(), &[revocation(json!({ "certificate": { "issuer": "CN=another ca,O=sigstore.test", "serial": "0a1b2c" } }), T0, "keyCompromise")]));
    assert_allowed(&decide(&p, &by_first));
    // A superseded certificate: signatures verified before revokedAt still count.
    let p = compile(&revoking(base.clone(), &[revocation(json!({ "certificate": { "issuer": FULCIO_INTERMEDIATE, "serial": "0a1b2c" } }), T_OLD + 1, "superseded")]));
    assert_allowed(&decide(&p, &by_first));

    // Identity revocations cover every certificate of the identity.
    for identity in [json!({ "issuer": ISSUER, "subject": SAN }), json!({ "subject": SAN })] {
        let p = compile(&revoking(base.clone(), &[revocation(json!({ "identity": identity }), T0, "privilegeWithdrawn")]));
        for img in [&by_first, &by_second] {
            let d = decide(&p, img);
            assert_denied_for(&d, "Revoked");
            assert!(d.revocation_hits[0].contains(&format!("identity {SAN}")), "{:?}", d.revocation_hits);
        }
    }
    // Another issuer or another subject: not this identity.
    for identity in [json!({ "issuer": "https://accounts.example", "subject": SAN }), json!({ "issuer": ISSUER, "subject": "https://github.com/org/other/.github/workflows/x.yml@refs/heads/main" })] {
        let p = compile(&revoking(base.clone(), &[revocation(json!({ "identity": identity }), T0, "keyCompromise")]));
        assert_allowed(&decide(&p, &by_first));
    }
}

/// Found while writing the test above: a certificate revocation whose serial is written as
/// `openssl x509 -text` prints it (`0a:1b:2c`) compiles, and then never matches any certificate:
/// the revoked certificate's signatures are accepted. A revocation that can never apply should
/// be an input error (or the serial should be read as the hex it is).
#[test]

fn certificate_revocation_with_a_colon_serial_is_not_silently_ineffective() {
    let first = leaf("first", 0x0a1b2c, SAN, T_OLD);
    let img = Image::app("keyless");
    let by_first = Image::app("keyless").with(signed_at(&first, &img, T_OLD));
    let json = revoking(signed_by("ci", sigstore_signer(SAN)), &[revocation(json!({ "certificate": { "issuer": FULCIO_INTERMEDIATE, "serial": "0a:1b:2c" } }), T0, "keyCompromise")]);
    match verifier::native_policy(json.to_string().as_bytes(), &Files::new(), &support::provider()) {
        Err(e) => assert!(e.to_string().contains("serial"), "{e}"),
        Ok(p) => assert_denied_for(&decide(&Arc::new(p), &by_first), "Revoked"),
    }
}

fn revocation_list_json(revocations: &[Value]) -> Value {
    json!({ "apiVersion": API, "revocations": revocations })
}

fn load_revocation_list(doc: &Value) -> Arc<sealcheck::policy::native::RevocationList> {
    let errors: Vec<String> = REVOCATION_LIST_SCHEMA.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    Arc::new(verifier::revocation_list(doc.to_string().as_bytes()).unwrap())
}

/// Issue 14, acceptance 2: "a revocation list reload changes the decision without rebuilding the
/// policy handle's other state" — one `Arc<CompiledPolicy>`; `ImageVerifier::with_revocations`
/// with a new list flips the decision, and an empty list flips it back; the policy (its digest,
/// its own revocations) is the same object throughout.
#[test]
fn revocation_list_reload_flips_the_decision_without_recompiling() {
    let (a, b) = (alice(), bob());
    let img = Image::app("reload");
    let by_alice = Image::app("reload").with(signed_at(&a, &img, T_OLD));
    let by_bob = Image::app("reload").with(signed_at(&b, &img, T_OLD));
    // bob is revoked by the policy itself; alice by nothing yet.
    let doc = revoking(
        policy(json!({ "alice": key_signer(&a), "bob": key_signer(&b) }), json!({ "*": { "signatures": { "signers": ["alice", "bob"] } } })),
        &[revocation(json!({ "signer": "bob" }), T0, "keyCompromise")],
    );
    let p = compile(&doc);
    let v0 = verifier_for(&p);
    let now = UnixTime::from_secs(LATER);
    let before = v0.decide(&by_alice.evidence(), now);
    assert_allowed(&before);
    assert_denied_for(&v0.decide(&by_bob.evidence(), now), "Revoked");

    let list = load_revocation_list(&revocation_list_json(&[revocation(json!({ "keySha256": key_sha256(&a) }), RETIRED, "keyCompromise")]));
    assert_eq!(list.entries().len(), 1);
    let v1 = v0.clone().with_revocations(list);
    assert!(std::ptr::eq(v1.policy(), &*p), "the reload keeps the compiled policy");
    let after = v1.decide(&by_alice.evidence(), now);
    assert_denied_for(&after, "Revoked");
    assert!(after.revocation_hits[0].contains(&format!("key sha256:{}", key_sha256(&a))) && after.revocation_hits[0].contains("keyCompromise"), "{:?}", after.revocation_hits);
    assert_eq!(after.policy_digest, before.policy_digest, "same policy");
    // The policy's own revocations still apply beside the list.
    assert_denied_for(&v1.decide(&by_bob.evidence(), now), "Revoked");
    // A superseded entry only refuses later signatures.
    let v2 = v1.clone().with_revocations(load_revocation_list(&revocation_list_json(&[revocation(json!({ "keySha256": key_sha256(&a) }), RETIRED, "superseded")])));
    assert_allowed(&v2.decide(&by_alice.evidence(), now));
    // Reloading an empty list restores the decision.
    let v3 = v1.with_revocations(load_revocation_list(&revocation_list_json(&[])));
    assert_allowed(&v3.decide(&by_alice.evidence(), now));
    assert!(std::ptr::eq(v3.policy(), &*p));

    // The list is parsed strictly too.
    for bad in [
        json!({ "apiVersion": "sealcheck.dev/v2", "revocations": [] }),
        json!({ "apiVersion": API, "revocations": [], "signers": {} }),
        json!({ "apiVersion": API, "revocations": [{ "keySha256": "abc", "revokedAt": at(T0), "reason": "keyCompromise" }] }),
        json!({ "apiVersion": API, "revocations": [{ "keySha256": key_sha256(&a), "revokedAt": at(T0), "reason": "stolen" }] }),
    ] {
        let e = verifier::revocation_list(bad.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.class(), ErrorClass::Input, "{e}");
        assert!(!REVOCATION_LIST_SCHEMA.is_valid(&bad), "the schema accepts {bad}");
    }
}

// ---- 3. thresholds and separation of duties -------------------------------------------------

/// Issue 14, acceptance 3: "2-of-3 passes with two distinct signers, fails with the same signer
/// twice (two signatures, two log entries, one identity)" — keys and a keyless identity; and two
/// policy names for one key, or for one identity, count once.
#[test]
fn threshold_counts_distinct_identities() {
    let (a, b) = (alice(), bob());
    let img = Image::app("threshold");
    let ci_old = ci(T_OLD);
    // Another Fulcio leaf (its own key, serial, log entry) for the same identity.
    let ci_again = leaf("ci again", 0x0c1_0002, SAN, T_OLD + 120);
    let doc = policy(
        json!({ "alice": key_signer(&a), "bob": key_signer(&b), "ci": sigstore_signer(SAN) }),
        json!({ "*": { "signatures": { "signers": ["alice", "bob", "ci"], "threshold": 2 } } }),
    );
    let p = compile(&doc);
    assert_allowed(&decide(&p, &Image::app("threshold").with(signed_at(&a, &img, T_OLD)).with(v3_signature(&ci_old, &img, Tlog::Set(T_OLD), None))));
    assert_allowed(&decide(&p, &Image::app("threshold").with(signed_at(&a, &img, T_OLD)).with(signed_at(&b, &img, T_OLD + 5))));
    assert_denied(&decide(&p, &Image::app("threshold").with(signed_at(&a, &img, T_OLD))), "1 of 3 distinct signers signed, 2 required");
    // alice twice: two signatures, two log entries (indices 7 and 8, two times), one key.
    let twice = Image::app("threshold").with(legacy(&a, &img, Some(T_OLD), 7, None)).with(legacy(&a, &img, Some(T_OLD + 60), 8, None));
    assert_denied(&decide(&p, &twice), "1 of 3 distinct signers signed, 2 required");
    // The same identity twice (two certificates, two keys, two log entries).
    let ci_twice = Image::app("threshold").with(signed_at(&ci_old, &img, T_OLD)).with(legacy(&ci_again, &img, Some(T_OLD + 120), 9, None));
    assert_denied(&decide(&p, &ci_twice), "1 of 3 distinct signers signed, 2 required");

    // Two signer names for one identity (exact and regexp): one identity.
    let aliases = compile(&policy(
        json!({
            "ci": sigstore_signer(SAN),
            "ci-regexp": { "sigstore": { "trustedRootPath": ROOT, "issuer": ISSUER, "subjectRegexp": "https://github\\.com/org/repo/.*" } },
            "alice": key_signer(&a),
        }),
        json!({ "*": { "signatures": { "signers": ["ci", "ci-regexp", "alice"], "threshold": 2 } } }),
    ));
    assert_denied(&decide(&aliases, &ci_twice), "1 of 3 distinct signers signed, 2 required");
    assert_allowed(&decide(&aliases, &Image::app("threshold").with(signed_at(&ci_old, &img, T_OLD)).with(legacy(&ci_again, &img, Some(T_OLD + 120), 9, None)).with(signed_at(&a, &img, T_OLD))));
    // Two signer names for one key (the same PEM under two names): one identity.
    let same_key = compile(&policy(
        json!({ "alice": key_signer(&a), "alice-again": key_signer(&a), "bob": key_signer(&b) }),
        json!({ "*": { "signatures": { "signers": ["alice", "alice-again", "bob"], "threshold": 2 } } }),
    ));
    assert_denied(&decide(&same_key, &twice), "1 of 3 distinct signers signed, 2 required");
    assert_allowed(&decide(&same_key, &Image::app("threshold").with(signed_at(&a, &img, T_OLD)).with(signed_at(&b, &img, T_OLD))));
    // Two names for one key with consecutive windows (a key listed twice across a rotation):
    // each accepts another signature (two log entries, T_OLD and T_NEW), still one identity.
    let split = compile(&policy(
        json!({ "alice-2023": window(key_signer(&a), None, Some(RETIRED)), "alice-2024": window(key_signer(&a), Some(RETIRED), None), "bob": key_signer(&b) }),
        json!({ "*": { "signatures": { "signers": ["alice-2023", "alice-2024", "bob"], "threshold": 2 } } }),
    ));
    let old_and_new = Image::app("threshold").with(legacy(&a, &img, Some(T_OLD), 7, None)).with(legacy(&a, &img, Some(T_NEW), 8, None));
    assert_denied(&decide(&split, &old_and_new), "1 of 3 distinct signers signed, 2 required");
    assert_allowed(&decide(&split, &Image::app("threshold").with(legacy(&a, &img, Some(T_OLD), 7, None)).with(legacy(&a, &img, Some(T_NEW), 8, None)).with(signed_at(&b, &img, T_OLD))));
    // The same for one identity: two certificates (two keys, serials, entries) a year apart.
    let ci_new = ci(T_NEW);
    let split_ci = compile(&policy(
        json!({ "ci-2023": window(sigstore_signer(SAN), None, Some(RETIRED)), "ci-2024": window(sigstore_signer(SAN), Some(RETIRED), None), "bob": key_signer(&b) }),
        json!({ "*": { "signatures": { "signers": ["ci-2023", "ci-2024", "bob"], "threshold": 2 } } }),
    ));
    let ci_old_and_new = Image::app("threshold").with(signed_at(&ci_old, &img, T_OLD)).with(legacy(&ci_new, &img, Some(T_NEW), 8, None));
    assert_denied(&decide(&split_ci, &ci_old_and_new), "1 of 3 distinct signers signed, 2 required");
    assert_allowed(&decide(&split_ci, &Image::app("threshold").with(signed_at(&ci_old, &img, T_OLD)).with(legacy(&ci_new, &img, Some(T_NEW), 8, None)).with(signed_at(&b, &img, T_OLD))));
    // 3 of 3 needs all three.
    let all = compile(&policy(
        json!({ "alice": key_signer(&a), "bob": key_signer(&b), "ci": sigstore_signer(SAN) }),
        json!({ "*": { "signatures": { "signers": ["alice", "bob", "ci"], "threshold": 3 } } }),
    ));
    assert_denied(&decide(&all, &Image::app("threshold").with(signed_at(&a, &img, T_OLD)).with(signed_at(&b, &img, T_OLD))), "2 of 3 distinct");
    assert_allowed(&decide(&all, &Image::app("threshold").with(signed_at(&a, &img, T_OLD)).with(signed_at(&b, &img, T_OLD)).with(signed_at(&ci_old, &img, T_OLD))));
}

/// Issue 14, acceptance 3: "role separation fails when one identity signs both roles" — a
/// `build` role (CI) and an `approve` role (release managers); one identity listed for both
/// roles fills only one; two names for one key are one identity.
#[test]
fn roles_are_filled_by_distinct_identities() {
    let (a, b) = (alice(), bob());
    let img = Image::app("roles");
    let ci_old = ci(T_OLD);
    let signers = json!({ "ci": sigstore_signer(SAN), "alice": key_signer(&a), "bob": key_signer(&b), "alice-again": key_signer(&a) });
    let separated = compile(&policy(signers.clone(), json!({ "*": { "roles": { "build": ["ci"], "approve": ["alice", "bob"] } } })));
    let ci_alice = Image::app("roles").with(signed_at(&ci_old, &img, T_OLD)).with(signed_at(&a, &img, T_OLD));
    let only_alice = Image::app("roles").with(signed_at(&a, &img, T_OLD));
    assert_allowed(&decide(&separated, &ci_alice));
    assert_denied(&decide(&separated, &only_alice), "not each filled by a distinct identity");
    assert_denied(&decide(&separated, &Image::app("roles").with(signed_at(&ci_old, &img, T_OLD))), "not each filled by a distinct identity");

    // alice may build or approve, not both.
    let overlapping = compile(&policy(signers.clone(), json!({ "*": { "roles": { "build": ["ci", "alice"], "approve": ["alice"] } } })));
    assert_denied(&decide(&overlapping, &only_alice), "not each filled by a distinct identity");
    assert_allowed(&decide(&overlapping, &ci_alice));
    // One key under two names in the two roles: one identity.
    let aliased = compile(&policy(signers.clone(), json!({ "*": { "roles": { "build": ["alice"], "approve": ["alice-again"] } } })));
    assert_denied(&decide(&aliased, &only_alice), "not each filled by a distinct identity");
    // Even when the two names accept two different signatures of that key (consecutive windows).
    let rotated = compile(&policy(
        json!({ "alice-2023": window(key_signer(&a), None, Some(RETIRED)), "alice-2024": window(key_signer(&a), Some(RETIRED), None) }),
        json!({ "*": { "roles": { "build": ["alice-2023"], "approve": ["alice-2024"] } } }),
    ));
    assert_denied(&decide(&rotated, &Image::app("roles").with(legacy(&a, &img, Some(T_OLD), 7, None)).with(legacy(&a, &img, Some(T_NEW), 8, None))), "not each filled by a distinct identity");
    let two_keys = compile(&policy(signers.clone(), json!({ "*": { "roles": { "build": ["alice"], "approve": ["bob"] } } })));
    assert_allowed(&decide(&two_keys, &Image::app("roles").with(signed_at(&a, &img, T_OLD)).with(signed_at(&b, &img, T_OLD))));
    // Roles and a threshold together: both must hold.
    let both = compile(&policy(signers, json!({ "*": { "signatures": { "signers": ["alice", "bob"], "threshold": 2 }, "roles": { "build": ["ci"], "approve": ["alice"] } } })));
    assert_denied(&decide(&both, &ci_alice), "1 of 2 distinct signers signed, 2 required");
    assert_allowed(&decide(&both, &Image::app("roles").with(signed_at(&ci_old, &img, T_OLD)).with(signed_at(&a, &img, T_OLD)).with(signed_at(&b, &img, T_OLD))));
}

// ---- attestations ---------------------------------------------------------------------------

/// Issue 14 ("attestation requirements: an in-toto predicate type must be present and signed by
/// a given signer"): SLSA provenance by the builder passes; by another signer, or another
/// predicate type by the builder, fails; the builder's attestation is not a signature.
#[test]
fn attestation_must_be_signed_by_its_named_signer() {
    let (a, b) = (alice(), builder());
    let img = Image::app("attested");
    let doc = policy(
        json!({ "alice": key_signer(&a), "builder": key_signer(&b) }),
        json!({ "*": { "signatures": { "signers": ["alice"] }, "attestations": [{ "predicateType": SLSA, "signers": ["builder"] }] } }),
    );
    let p = compile(&doc);
    let signed = || Image::app("attested").with(signed_at(&a, &img, T_OLD));
    assert_allowed(&decide(&p, &signed().with(bundle(&b, &img, SLSA, Tlog::Set(T_OLD), None))));
    assert_denied(&decide(&p, &signed().with(bundle(&a, &img, SLSA, Tlog::Set(T_OLD), None))), &format!("no attestation {SLSA:?} by its signers"));
    assert_denied(&decide(&p, &signed().with(bundle(&b, &img, SPDX, Tlog::Set(T_OLD), None))), &format!("no attestation {SLSA:?} by its signers"));
    assert_denied(&decide(&p, &signed()), "no attestation");
    // The attestation alone does not sign the image.
    assert_denied(&decide(&p, &Image::app("attested").with(bundle(&b, &img, SLSA, Tlog::Set(T_OLD), None))), "distinct signers signed");
    // An attestation for another image does not count.
    let other = Image::app("another image");
    assert_denied(&decide(&p, &signed().with(bundle(&b, &other, SLSA, Tlog::Set(T_OLD), None))), "no attestation");
    // The attesting signer's window applies to its attestations.
    let windowed = compile(&policy(
        json!({ "alice": key_signer(&a), "builder": window(key_signer(&b), None, Some(RETIRED)) }),
        json!({ "*": { "attestations": [{ "predicateType": SLSA, "signers": ["builder"] }] } }),
    ));
    assert_allowed(&decide(&windowed, &Image::app("attested").with(bundle(&b, &img, SLSA, Tlog::Set(T_OLD), None))));
    assert_denied_for(&decide(&windowed, &Image::app("attested").with(bundle(&b, &img, SLSA, Tlog::Set(T_NEW), None))), "KeyOutsideValidity");
}

/// SLSA provenance v1 `buildDefinition.buildType` of the GitHub Actions workflow build type.
const BUILD_TYPE: &str = "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1";
/// Two `runDetails.builder.id`s a policy accepts.
const BUILDER_A: &str = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0";
const BUILDER_B: &str = "https://builder.sigstore.test/v2";

/// A SLSA provenance v1 predicate (slsa.dev/spec/v1.0/provenance: `buildDefinition.buildType`,
/// `runDetails.builder.id`) with an attempt number and a boolean.
fn provenance(build_type: &str, builder_id: &str) -> Value {
    json!({
        "buildDefinition": { "buildType": build_type, "externalParameters": { "attempt": 1 }, "resolvedDependencies": [] },
        "runDetails": { "builder": { "id": builder_id }, "metadata": { "reproducible": true } },
    })
}

/// Issue 14 ("attestation requirements … optionally with simple predicate field constraints"),
/// over the in-toto Statement v1 `predicate` (in-toto attestation framework, Statement layer)
/// with SLSA provenance v1 field names: `equals` and `oneOf` each accept a matching value and
/// refuse another (strings, a number, a boolean; same JSON type, `"1"` is not `1`); a missing
/// path, or a path through a non-object, fails; the refusal names the constraint; one
/// attestation that meets them all is enough; the same statements without constraints pass
/// (so each refusal is the constraint's).
#[test]
fn attestation_predicate_constraints() {
    let b = builder();
    let img = Image::app("provenance");
    let requirement = |constraints: Value| {
        let mut a = json!({ "predicateType": SLSA, "signers": ["builder"] });
        if !constraints.is_null() {
            a["predicate"] = constraints;
        }
        compile(&policy(json!({ "builder": key_signer(&b) }), json!({ "*": { "attestations": [a] } })))
    };
    let p = requirement(json!([
        { "path": "buildDefinition.buildType", "equals": BUILD_TYPE },
        { "path": "runDetails.builder.id", "oneOf": [BUILDER_A, BUILDER_B] },
    ]));
    let unconstrained = requirement(Value::Null);
    let attested = |fields: Value| Image::app("provenance").with(bundle_with(&b, &img, SLSA, fields, Tlog::Set(T_OLD), None));

    assert_allowed(&decide(&p, &attested(provenance(BUILD_TYPE, BUILDER_A))));
    assert_allowed(&decide(&p, &attested(provenance(BUILD_TYPE, BUILDER_B))));
    // (predicate, what the refusal says): equals, oneOf, a missing path, a path through a
    // string, an empty predicate.
    let refused = [
        (provenance("https://other.test/buildtype", BUILDER_A), format!(r#"predicate constraint 0 (buildDefinition.buildType equals "{BUILD_TYPE}") not met: found "https://other.test/buildtype""#)),
        (provenance(BUILD_TYPE, "https://builder.evil.test"), format!(r#"predicate constraint 1 (runDetails.builder.id oneOf ["{BUILDER_A}","{BUILDER_B}"]) not met: found "https://builder.evil.test""#)),
        (json!({ "buildDefinition": { "buildType": BUILD_TYPE } }), format!(r#"predicate constraint 1 (runDetails.builder.id oneOf ["{BUILDER_A}","{BUILDER_B}"]) not met: runDetails is missing"#)),
        (json!({ "buildDefinition": { "buildType": BUILD_TYPE }, "runDetails": "builder" }), "not met: runDetails.builder is missing".to_string()),
        (json!({}), format!(r#"predicate constraint 0 (buildDefinition.buildType equals "{BUILD_TYPE}") not met: buildDefinition is missing"#)),
    ];
    for (fields, why) in &refused {
        let image = attested(fields.clone());
        assert_allowed(&decide(&unconstrained, &image));
        let d = decide(&p, &image);
        assert_denied(&d, &format!("no attestation {SLSA:?} by its signers meeting its 2 predicate constraints"));
        assert_refused_with(&d, "InToto", why);
    }
    // One attestation that meets them beside one that does not: accepted.
    let both = attested(provenance(BUILD_TYPE, "https://builder.evil.test")).with(bundle_with(&b, &img, SLSA, provenance(BUILD_TYPE, BUILDER_B), Tlog::Set(T_OLD), None));
    assert_allowed(&decide(&p, &both));

    // Numbers and booleans compare by JSON type and value.
    let typed = requirement(json!([
        { "path": "buildDefinition.externalParameters.attempt", "equals": 1 },
        { "path": "runDetails.metadata.reproducible", "oneOf": [true] },
    ]));
    assert_allowed(&decide(&typed, &attested(provenance(BUILD_TYPE, BUILDER_A))));
    let mut as_text = provenance(BUILD_TYPE, BUILDER_A);
    as_text["buildDefinition"]["externalParameters"]["attempt"] = json!("1");
    assert_refused_with(&decide(&typed, &attested(as_text)), "InToto", r#"predicate constraint 0 (buildDefinition.externalParameters.attempt equals 1) not met: found "1""#);
    let mut not_reproducible = provenance(BUILD_TYPE, BUILDER_A);
    not_reproducible["runDetails"]["metadata"]["reproducible"] = json!(false);
    assert_refused_with(&decide(&typed, &attested(not_reproducible)), "InToto", "predicate constraint 1 (runDetails.metadata.reproducible oneOf [true]) not met: found false");
    // An array is not a string, even one holding it.
    let mut listed = provenance(BUILD_TYPE, BUILDER_A);
    listed["runDetails"]["builder"]["id"] = json!([BUILDER_A]);
    assert_refused_with(&decide(&p, &attested(listed)), "InToto", "not met: found an array");
}

// ---- Notary signers: signing-authority times ------------------------------------------------

const NOTARY_ROOT: &str = "notary/root.pem";
const NOTARY_TSA: &str = "notary/tsa-root.der";

/// [`Files::new`] with the generated Notary root (PEM) and the root of its trusted TSA (DER).
fn notary_files() -> Files {
    let pki = support::notary::Pki::get();
    let mut files = Files::new();
    files.0.insert(NOTARY_ROOT.into(), support::pem("CERTIFICATE", &pki.root.cert).into_bytes());
    files.0.insert(NOTARY_TSA.into(), pki.tsa.root.cert.clone());
    files
}

/// A Notary signer for the generated leaves' subject, trusting the generated Notary root as
/// `store` (`signingAuthority:acme` or `ca:acme`), and the Notary TSA as `tsa:acme` when `tsa`.
fn notary_signer(store: &str, tsa: bool) -> Value {
    let mut stores = json!({ store: [NOTARY_ROOT] });
    if tsa {
        stores["tsa:acme"] = json!([NOTARY_TSA]);
    }
    json!({ "notary": { "trustStores": stores, "identity": support::notary::LEAF_IDENTITY } })
}

/// A JWS Notary signature of `image`'s manifest by `leaf` under `scheme`, at `signed_at` (the
/// authority's `authenticSigningTime`, or the signer's `signingTime` claim), countersigned by
/// the trusted Notary TSA at `tsa_at`.
fn notary_signature(leaf: &support::notary::LeafSpec, image: &Image, scheme: support::notary::Scheme, signed_at: i64, tsa_at: Option<i64>) -> EvidenceItem {
    use support::notary::{Countersignature, Descriptor, EnvelopeSpec, Format, OCI_MANIFEST, Pki};
    let pki = Pki::get();
    let mut spec = EnvelopeSpec::new(Format::Jws, Descriptor::of(OCI_MANIFEST, &image.manifest));
    spec.scheme = scheme;
    spec.signing_time = signed_at;
    if let Some(t) = tsa_at {
        spec.countersignature = Countersignature::By(&pki.tsa, t);
    }
    let signed = support::notary::sign(&pki.signer(leaf), &spec);
    EvidenceItem::Notary { media_type: signed.media_type().into(), envelope: signed.bytes }
}

/// The verified times of the accepted signatures in `d`.
fn accepted_times(d: &Decision) -> Vec<sealcheck::VerifiedTime> {
    let mut all = Vec::new();
    for r in &d.requirements {
        walk(r, &mut all);
    }
    all.iter().flat_map(|r| r.signatures.iter().filter(|s| s.accepted).flat_map(|s| s.times.clone())).collect()
}

/// Issue 14, acceptance 1 ("a signature counts only if its verified signing time — tlog
/// integrated time, TSA time, or signingAuthority signing time — lies in that window"), for a
/// Notary signer on `notary.x509.signingAuthority` signatures: their signing time is the signed
/// attribute `io.cncf.notary.authenticSigningTime` (Notary Project specifications v1.1,
/// signing-scheme.md "notary.x509.signingAuthority", signature-specification.md "Signed
/// Attributes"), which trust-store-trust-policy.md "Authentic timestamp" checks against the
/// chain's validity instead of the verification time. Decided at [`LATER`], after `validUntil`
/// and after the leaf expired: a signature made inside the window is accepted, one made after
/// `validUntil` (or before `validFrom`) is refused, bounds inclusive; a countersignature, which
/// this scheme does not use, changes nothing.
#[test]
fn notary_signing_authority_window_uses_the_authentic_signing_time() {
    use support::notary::{LeafSpec, Scheme};
    let leaf = LeafSpec::default();
    assert!(leaf.not_after < LATER && leaf.not_before < T_OLD && T_NEW < leaf.not_after, "signed while the leaf was valid, decided after it expired");
    let img = Image::app("notary signing authority");
    let sa = |t: i64| Image::app("notary signing authority").with(notary_signature(&leaf, &img, Scheme::SigningAuthority, t, None));
    let files = notary_files();
    let signer = || notary_signer("signingAuthority:acme", false);
    let unwindowed = compile_with(&signed_by("acme", signer()), &files);
    let retired = compile_with(&signed_by("acme", window(signer(), None, Some(RETIRED))), &files);
    let from = compile_with(&signed_by("acme", window(signer(), Some(RETIRED), None)), &files);

    assert_allowed(&decide(&unwindowed, &sa(T_OLD)));
    assert_allowed(&decide(&unwindowed, &sa(T_NEW)));
    let d = decide(&retired, &sa(T_OLD));
    assert_allowed(&d);
    assert_eq!(accepted_times(&d), vec![sealcheck::VerifiedTime { time: UnixTime::from_secs(T_OLD), source: sealcheck::TimeSource::SigningAuthority }]);
    assert_denied_for(&decide(&retired, &sa(T_NEW)), "KeyOutsideValidity");
    assert_denied_for(&decide(&from, &sa(T_OLD)), "KeyOutsideValidity");
    assert_allowed(&decide(&from, &sa(T_NEW)));
    assert_allowed(&decide(&retired, &sa(RETIRED)));
    assert_denied_for(&decide(&retired, &sa(RETIRED + 1)), "KeyOutsideValidity");
    assert_allowed(&decide(&from, &sa(RETIRED)));
    assert_denied_for(&decide(&from, &sa(RETIRED - 1)), "KeyOutsideValidity");
    // signing-scheme.md: the signing authority's time is the signing time; a timestamp
    // countersignature on such a signature is not read, even from a TSA the signer would trust.
    let with_tsa = compile_with(&signed_by("acme", window(notary_signer("signingAuthority:acme", true), None, Some(RETIRED))), &files);
    let stamped_late = Image::app("notary signing authority").with(notary_signature(&leaf, &img, Scheme::SigningAuthority, T_OLD, Some(T_NEW)));
    assert_allowed(&decide(&with_tsa, &stamped_late));
    let stamped_early = Image::app("notary signing authority").with(notary_signature(&leaf, &img, Scheme::SigningAuthority, T_NEW, Some(T_OLD)));
    assert_denied_for(&decide(&with_tsa, &stamped_early), "KeyOutsideValidity");
}

/// Issue 14, acceptance 1 ("never an unverified claim"), for a Notary signer on `notary.x509`
/// signatures: `io.cncf.notary.signingTime` is the signer's own claim (signing-scheme.md
/// "notary.x509": only an RFC 3161 countersignature by a trusted TSA gives an authentic time,
/// trust-store-trust-policy.md "Authentic timestamp"), so without a verified countersignature
/// such a signature has no signing time and a windowed signer refuses it whatever it claims;
/// with one, the TSA's genTime is what the window judges, not the claim. The leaf is valid at
/// [`LATER`], so that these signatures verify without a countersignature (positive controls).
#[test]
fn notary_x509_signing_time_is_a_claim_only_a_countersignature_is_verified() {
    use support::notary::{LeafSpec, Scheme};
    let leaf = LeafSpec { not_after: T0 + 2 * support::YEAR, ..LeafSpec::default() };
    let img = Image::app("notary x509");
    let x509 = |claim: i64, tsa_at: Option<i64>| Image::app("notary x509").with(notary_signature(&leaf, &img, Scheme::X509, claim, tsa_at));
    let files = notary_files();
    let compiled = |tsa: bool, from: Option<i64>, until: Option<i64>| compile_with(&signed_by("acme", window(notary_signer("ca:acme", tsa), from, until)), &files);
    let (unwindowed, retired, from) = (compiled(false, None, None), compiled(false, None, Some(RETIRED)), compiled(false, Some(RETIRED), None));

    // No countersignature verified: a claim inside the window is not a signing time.
    assert_allowed(&decide(&unwindowed, &x509(T_OLD, None)));
    assert_denied_for(&decide(&retired, &x509(T_OLD, None)), "MissingEvidence");
    assert_denied_for(&decide(&from, &x509(T_NEW, None)), "MissingEvidence");
    // A countersignature the signer does not verify (no tsa: store) is no signing time either.
    assert_allowed(&decide(&unwindowed, &x509(T_OLD, Some(T_OLD))));
    assert_denied_for(&decide(&retired, &x509(T_OLD, Some(T_OLD))), "MissingEvidence");

    // Verified by the signer's TSA: its time is judged, the claim is not.
    let (retired, from) = (compiled(true, None, Some(RETIRED)), compiled(true, Some(RETIRED), None));
    let d = decide(&retired, &x509(T_NEW, Some(T_OLD)));
    assert_allowed(&d);
    let times = accepted_times(&d);
    assert_eq!(times.len(), 1, "{times:?}");
    assert_eq!(times[0].time, UnixTime::from_secs(T_OLD));
    assert!(matches!(times[0].source, sealcheck::TimeSource::TimestampAuthority { .. }), "{times:?}");
    assert_denied_for(&decide(&retired, &x509(T_OLD, Some(T_NEW))), "KeyOutsideValidity");
    assert_allowed(&decide(&from, &x509(T_OLD, Some(T_NEW))));
    assert_denied_for(&decide(&from, &x509(T_NEW, Some(T_OLD))), "KeyOutsideValidity");
}

// ---- 4. break-glass exceptions --------------------------------------------------------------

fn exception(id: &str, scope: &str, not_before: i64, not_after: i64) -> Value {
    json!({
        "id": id,
        "scope": scope,
        "notBefore": at(not_before),
        "notAfter": at(not_after),
        "reason": "signing service outage",
        "ticket": format!("INC-{id}"),
        "approver": "security-oncall@example.test",
    })
}

fn with_exceptions(mut doc: Value, exceptions: &[Value]) -> Value {
    doc["exceptions"] = json!(exceptions);
    doc
}

/// The app repository must be signed by alice; so must everything else.
fn governed() -> Value {
    policy(
        json!({ "alice": key_signer(&alice()) }),
        json!({ "*": { "signatures": { "signers": ["alice"] } }, REPO: { "signatures": { "signers": ["alice"] } } }),
    )
}

/// Issue 14, acceptance 4: "active exception allows and the record says so; expired and
/// not-yet-valid ones do not; an exception for repo A does not apply to repo B; an unsigned image
/// in a scope without exception is denied" — bounds inclusive; a digest exception covers that
/// image only.
#[test]
fn break_glass_exception_window_and_scope() {
    let unsigned = Image::app("hotfix");
    let unsigned_b = Image::new(OTHER_REPO, "hotfix");
    let plain = compile(&governed());
    assert_denied(&decide(&plain, &unsigned), "distinct signers signed");
    assert!(decide(&plain, &unsigned).exception.is_none());

    let active = compile(&with_exceptions(governed(), &[exception("42", REPO, LATER - DAY, LATER + DAY)]));
    let d = decide(&active, &unsigned);
    assert!(d.allowed, "{}", d.reason);
    let e = d.exception.as_ref().expect("the record names the exception");
    assert_eq!((e.id.as_str(), e.scope.as_str(), e.ticket.as_str(), e.approver.as_str()), ("42", REPO, "INC-42", "security-oncall@example.test"));
    assert_eq!((e.not_before, e.not_after), (UnixTime::from_secs(LATER - DAY), UnixTime::from_secs(LATER + DAY)));
    assert!(e.denied_because.contains("distinct signers signed"), "{}", e.denied_because);
    assert!(d.reason.contains("allowed by exception \"42\"") && d.reason.contains("INC-42"), "{}", d.reason);
    assert!(d.requirements.iter().all(|r| !r.satisfied), "the requirements still say what failed");
    let record = serde_json::to_value(&d).unwrap();
    assert_eq!(record["exception"]["ticket"], json!("INC-42"), "{record:#}");
    // Repo B is not repo A.
    let d = decide(&active, &unsigned_b);
    assert!(!d.allowed && d.exception.is_none(), "{}", d.reason);
    // Inclusive bounds, then expired and not yet valid.
    for (now, allowed) in [(LATER - DAY, true), (LATER + DAY, true), (LATER - DAY - 1, false), (LATER + DAY + 1, false)] {
        let d = decide_at(&active, &unsigned, now);
        assert_eq!((d.allowed, d.exception.is_some()), (allowed, allowed), "at {now}: {}", d.reason);
    }
    let expired = compile(&with_exceptions(governed(), &[exception("41", REPO, LATER - 10 * DAY, LATER - 1)]));
    assert_denied(&decide(&expired, &unsigned), "distinct signers signed");
    let future = compile(&with_exceptions(governed(), &[exception("43", REPO, LATER + 1, LATER + DAY)]));
    assert_denied(&decide(&future, &unsigned), "distinct signers signed");
    // A signed image does not need the exception, and the record does not claim one.
    let signed = Image::app("hotfix").with(signed_at(&alice(), &unsigned, T_OLD));
    assert_allowed(&decide(&active, &signed));

    // A digest exception: that image, asked by tag or by digest; not another image of the repo.
    let by_digest = compile(&with_exceptions(governed(), &[exception("44", &format!("{REPO}@{}", unsigned.digest), LATER - DAY, LATER + DAY)]));
    assert!(decide(&by_digest, &unsigned).allowed);
    let v = verifier_for(&by_digest);
    let d = v.decide(&unsigned.evidence_by_digest(), UnixTime::from_secs(LATER));
    assert_eq!(d.exception.as_ref().map(|e| e.id.as_str()), Some("44"), "{}", d.reason);
    let d = decide(&by_digest, &Image::app("another build"));
    assert!(!d.allowed && d.exception.is_none(), "{}", d.reason);
    // A parent repository is not the repository.
    let parent = compile(&with_exceptions(governed(), &[exception("45", "registry.sigstore.test/ns", LATER - DAY, LATER + DAY)]));
    assert!(!decide(&parent, &unsigned).allowed);
}

/// Issue 14: "exceptions never apply to a revoked key's signatures unless they say so
/// explicitly" — the image's only signature is by a compromised key; an active exception without
/// `coversRevoked` does not allow it, one with `coversRevoked: true` does (and the record keeps
/// the revocation hit).
#[test]
fn exception_does_not_cover_revoked_signatures_unless_it_says_so() {
    let a = alice();
    let img = Image::app("revoked");
    let by_alice = Image::app("revoked").with(signed_at(&a, &img, T_OLD));
    let revoked = revoking(governed(), &[revocation(json!({ "signer": "alice" }), RETIRED, "keyCompromise")]);
    let mut covering = exception("50", REPO, LATER - DAY, LATER + DAY);
    covering["coversRevoked"] = json!(true);
    let mut not_covering = exception("51", REPO, LATER - DAY, LATER + DAY);
    not_covering["coversRevoked"] = json!(false);
    for e in [exception("52", REPO, LATER - DAY, LATER + DAY), not_covering] {
        let d = decide(&compile(&with_exceptions(revoked.clone(), &[e])), &by_alice);
        assert_denied_for(&d, "Revoked");
        assert!(d.exception.is_none() && !d.revocation_hits.is_empty(), "{d:#?}");
    }
    let d = decide(&compile(&with_exceptions(revoked.clone(), &[covering])), &by_alice);
    assert!(d.allowed, "{}", d.reason);
    assert_eq!(d.exception.as_ref().map(|e| e.id.as_str()), Some("50"));
    assert!(d.revocation_hits[0].contains("keyCompromise"), "{:?}", d.revocation_hits);
    // The same exception still allows an unsigned image (nothing was revoked there).
    let d = decide(&compile(&with_exceptions(revoked, &[exception("52", REPO, LATER - DAY, LATER + DAY)])), &Image::app("unsigned"));
    assert!(d.allowed && d.exception.is_some(), "{}", d.reason);
}

/// Found while writing the test above: when a compromised key's signature is also outside the
/// key's window, the window refusal is recorded instead of the revocation, `revocation_hits` is
/// empty, and an exception that does not cover revoked signatures allows the image. The
/// revocation is a property of the key, whatever the window says.
#[test]

fn exception_does_not_cover_a_revoked_signature_outside_the_window() {
    let a = alice();
    let img = Image::app("revoked late");
    let late = Image::app("revoked late").with(signed_at(&a, &img, T_NEW));
    let doc = policy(json!({ "alice": window(key_signer(&a), None, Some(RETIRED)) }), json!({ REPO: { "signatures": { "signers": ["alice"] } } }));
    let doc = with_exceptions(revoking(doc, &[revocation(json!({ "signer": "alice" }), RETIRED, "keyCompromise")]), &[exception("60", REPO, LATER - DAY, LATER + DAY)]);
    let d = decide(&compile(&doc), &late);
    assert!(!d.revocation_hits.is_empty(), "the compromised key's signature is not recorded as revoked: {:?}", refusals(&d));
    assert!(!d.allowed, "an exception without coversRevoked allowed an image signed with a compromised key: {}", d.reason);
}

// ---- 10. a long-lived handle takes policy edits ---------------------------------------------

/// What an admission server holds: one verifier (policy, fact cache, revocation list) behind a
/// lock, swapped on reload.
struct Server {
    verifier: RwLock<Arc<ImageVerifier>>,
    policy: Arc<CompiledPolicy>,
    cache: Arc<FactCache>,
}

impl Server {
    fn new(policy: Arc<CompiledPolicy>) -> Self {
        let cache = Arc::new(FactCache::new(CacheLimits::default()));
        let v = ImageVerifier::new(policy.clone(), support::provider()).with_cache(cache.clone());
        Self { verifier: RwLock::new(Arc::new(v)), policy, cache }
    }

    fn decide(&self, ev: &ImageEvidence) -> Decision {
        let v = self.verifier.read().unwrap().clone();
        v.decide(ev, UnixTime::from_secs(LATER))
    }

    /// The reload path for the revocation list file.
    fn reload_revocations(&self, path: &std::path::Path) {
        let list = verifier::revocation_list(&std::fs::read(path).unwrap()).unwrap();
        let v = ImageVerifier::new(self.policy.clone(), support::provider()).with_cache(self.cache.clone()).with_revocations(Arc::new(list));
        *self.verifier.write().unwrap() = Arc::new(v);
    }

    /// The reload path for the policy file.
    fn reload_policy(&self, doc: &Value) {
        let v = ImageVerifier::new(compile(doc), support::provider()).with_cache(self.cache.clone());
        *self.verifier.write().unwrap() = Arc::new(v);
    }
}

/// Issue 14, acceptance 10: "Policy edits take effect on the next decision of a long-lived
/// handle: revoking a key denies its images without restarting anything" — a server's verifier
/// (with a warm fact cache holding the image's verified signature) takes a revocation list
/// reload, and separately a policy reload with the revocation inline: the next decision on the
/// same evidence is a denial each time, served from the cached facts.
#[test]
fn long_lived_handle_takes_a_revocation_on_the_next_decision() {
    let a = alice();
    let img = Image::app("served");
    let ev = Image::app("served").with(signed_at(&a, &img, T_OLD)).evidence();
    let doc = signed_by("alice", key_signer(&a));
    let server = Server::new(compile(&doc));
    assert_allowed(&server.decide(&ev));
    assert_allowed(&server.decide(&ev)); // now from the cache
    let cached = server.decide(&ev);
    assert!(format!("{cached:?}").contains("cached"), "the second decision uses cached facts: {cached:#?}");

    let dir = std::env::temp_dir().join(format!("sealcheck-governance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("revocations.json");
    std::fs::write(&file, revocation_list_json(&[revocation(json!({ "keySha256": key_sha256(&a) }), RETIRED, "keyCompromise")]).to_string()).unwrap();
    server.reload_revocations(&file);
    let d = server.decide(&ev);
    assert_denied_for(&d, "Revoked");
    assert!(d.revocation_hits[0].contains(&key_sha256(&a)), "{:?}", d.revocation_hits);
    // Lifting the revocation (an edited file) is taken the same way.
    std::fs::write(&file, revocation_list_json(&[]).to_string()).unwrap();
    server.reload_revocations(&file);
    assert_allowed(&server.decide(&ev));
    std::fs::remove_dir_all(&dir).unwrap();

    // Or the policy file is edited: the revocation inline, recompiled, swapped in.
    server.reload_policy(&revoking(doc, &[revocation(json!({ "signer": "alice" }), T0, "keyCompromise")]));
    assert_denied_for(&server.decide(&ev), "Revoked");
}

// ---- scopes ---------------------------------------------------------------------------------

/// Scope precedence, as containers-policy.json: a digest scope over a repository scope over a
/// registry scope over `*`; the record names the scope that applied.
#[test]
fn most_specific_scope_wins() {
    let a = alice();
    let img = Image::app("scoped");
    let signed = Image::app("scoped").with(signed_at(&a, &img, T_OLD));
    let doc = policy(
        json!({ "alice": key_signer(&a) }),
        json!({
            "*": { "reject": true },
            "registry.sigstore.test": { "acceptUnsigned": true },
            REPO: { "signatures": { "signers": ["alice"] } },
            format!("{REPO}@{}", img.digest): { "reject": true },
        }),
    );
    let p = compile(&doc);
    let now = UnixTime::from_secs(LATER);
    let v = verifier_for(&p);
    // The digest scope: rejected even though signed.
    let d = v.decide(&signed.evidence_by_digest(), now);
    assert_eq!(d.scope, format!("{REPO}@{}", img.digest));
    assert_denied(&d, "rejects every image");
    // The same image by tag: the repository scope; signed, allowed; unsigned, denied.
    let d = v.decide(&signed.evidence(), now);
    assert_eq!(d.scope, REPO);
    assert_allowed(&d);
    let d = v.decide(&Image::app("scoped").evidence(), now);
    assert_eq!(d.scope, REPO);
    assert!(!d.allowed);
    // Another image of the repository by digest: not the digest scope.
    let other = Image::app("another");
    let d = v.decide(&other.with(signed_at(&a, &Image::app("another"), T_OLD)).evidence_by_digest(), now);
    assert_eq!(d.scope, REPO);
    assert_allowed(&d);
    // Another repository of the registry: the registry scope.
    let d = v.decide(&Image::new(OTHER_REPO, "unsigned").evidence(), now);
    assert_eq!(d.scope, "registry.sigstore.test");
    assert!(d.allowed, "{}", d.reason);
    // Another registry: `*`.
    let d = v.decide(&Image::new("elsewhere.test/ns/app", "x").evidence(), now);
    assert_eq!(d.scope, "default");
    assert_denied(&d, "rejects every image");
    // Without `*`, an image outside every scope is rejected.
    let no_default = compile(&policy(json!({ "alice": key_signer(&a) }), json!({ REPO: { "signatures": { "signers": ["alice"] } } })));
    let d = verifier_for(&no_default).decide(&Image::new("elsewhere.test/ns/app", "x").with(signed_at(&a, &Image::new("elsewhere.test/ns/app", "x"), T_OLD)).evidence(), now);
    assert_denied(&d, "rejects every image");
}

/// Found while writing the schema: a scope `{"attestations": []}` or `{"roles": {}}` compiles
/// into a governed requirement with nothing to check, and allows unsigned images (a scope that
/// reads as governed but is `acceptUnsigned`). Either should be an input error.
#[test]

fn empty_roles_or_attestations_do_not_accept_unsigned_images() {
    let unsigned = Image::app("unsigned");
    let mut open = Vec::new();
    for scope in [json!({ "attestations": [] }), json!({ "roles": {} }), json!({ "roles": {}, "attestations": [] })] {
        let doc = policy(json!({ "alice": key_signer(&alice()) }), json!({ "*": scope }));
        assert!(!schema_errors(&doc).is_empty(), "the schema refuses {scope}");
        match verifier::native_policy(doc.to_string().as_bytes(), &Files::new(), &support::provider()) {
            Err(e) => assert_eq!(e.class(), ErrorClass::Input, "{e}"),
            Ok(p) => {
                if decide(&Arc::new(p), &unsigned).allowed {
                    open.push(scope.to_string());
                }
            }
        }
    }
    assert!(open.is_empty(), "these scopes allow unsigned images: {open:?}");
}

// ---- strict parsing -------------------------------------------------------------------------

/// A complete valid policy as text, with `$…` placeholders a case replaces.
fn valid_text() -> String {
    json!({
        "apiVersion": API,
        "signers": { "alice": key_signer(&alice()), "bob": key_signer(&bob()) },
        "scopes": { "*": { "signatures": { "signers": ["alice", "bob"], "threshold": 2 } } },
        "exceptions": [exception("1", REPO, T0, LATER)],
    })
    .to_string()
}

/// Issue 14 ("strict parsing"): unknown fields, duplicate keys, unknown signer names, an
/// impossible threshold, an exception without a ticket, … are input errors whose message names
/// the problem; the schema refuses those a schema can express.
#[test]
fn strict_parsing_names_the_problem() {
    let base: Value = serde_json::from_str(&valid_text()).unwrap();
    compile(&base);
    let constrained = |predicate: Value| json!({ "attestations": [{ "predicateType": SLSA, "signers": ["alice"], "predicate": predicate }] });
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v
    };
    compile(&edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "equals": "x" }]))));
    // (document, what the message names, whether the schema can refuse it)
    let repo_dup = format!("duplicate key \"{REPO}\"");
    let cases: Vec<(String, &str, bool)> = vec![
        (edit(&|v| v["sigers"] = json!({})).to_string(), "unknown field `sigers`", true),
        (edit(&|v| v["signers"]["alice"]["validTo"] = json!(at(T0))).to_string(), "unknown field `validTo`", true),
        (edit(&|v| v["signers"]["alice"]["key"]["fingerprint"] = json!("x")).to_string(), "unknown field `fingerprint`", true),
        (edit(&|v| v["scopes"]["*"]["signatures"]["minimum"] = json!(1)).to_string(), "unknown field `minimum`", true),
        (edit(&|v| v["exceptions"][0]["owner"] = json!("x")).to_string(), "unknown field `owner`", true),
        // Duplicate keys: in a map of names, and a field given twice.
        (valid_text().replacen("\"bob\":{", &format!("\"alice\":{},\"bob\":{{", key_signer(&bob())), 1), "duplicate key \"alice\"", false),
        (valid_text().replacen("\"apiVersion\":", "\"apiVersion\":\"sealcheck.dev/v1\",\"apiVersion\":", 1), "duplicate field `apiVersion`", false),
        (valid_text().replacen("\"*\":{", &format!("\"{REPO}\":{{\"reject\":true}},\"{REPO}\":{{\"reject\":true}},\"*\":{{"), 1), &repo_dup, false),
        // Names and numbers only the parser can check.
        (edit(&|v| v["scopes"]["*"]["signatures"]["signers"] = json!(["alice", "carol"])).to_string(), "unknown signer \"carol\"", false),
        (edit(&|v| v["scopes"]["*"] = json!({ "roles": { "build": ["dave"] } })).to_string(), "unknown signer \"dave\"", false),
        (edit(&|v| v["scopes"]["*"] = json!({ "attestations": [{ "predicateType": SLSA, "signers": ["erin"] }] })).to_string(), "unknown signer \"erin\"", false),
        (edit(&|v| v["scopes"]["*"]["signatures"]["threshold"] = json!(3)).to_string(), "threshold 3 of 2 signers", false),
        (edit(&|v| v["revocations"] = json!([revocation(json!({ "signer": "mallory" }), T0, "keyCompromise")])).to_string(), "revocation of unknown signer \"mallory\"", false),
        (edit(&|v| v["signers"]["alice"] = window(key_signer(&alice()), Some(RETIRED), Some(T_OLD))).to_string(), "validUntil is before validFrom", false),
        (edit(&|v| v["exceptions"][0]["notAfter"] = json!(at(T0 - 1))).to_string(), "notAfter is before notBefore", false),
        (edit(&|v| v["scopes"]["not a reference!"] = json!({ "reject": true })).to_string(), "not a registry, repository or digest reference", false),
        // And those the schema refuses too.
        (edit(&|v| v["scopes"]["*"]["signatures"]["threshold"] = json!(0)).to_string(), "threshold 0 of 2 signers", true),
        (edit(&|v| v["scopes"]["*"]["signatures"]["signers"] = json!([])).to_string(), "no signers", true),
        (edit(&|v| {
            v["exceptions"][0].as_object_mut().unwrap().remove("ticket");
        })
        .to_string(), "missing field `ticket`", true),
        (edit(&|v| v["exceptions"][0]["ticket"] = json!("  ")).to_string(), "ticket is required", true),
        (edit(&|v| v["exceptions"][0]["approver"] = json!("")).to_string(), "approver is required", true),
        (edit(&|v| v["apiVersion"] = json!("sealcheck.dev/v2")).to_string(), "apiVersion \"sealcheck.dev/v2\"", true),
        (edit(&|v| v["signers"]["alice"]["validFrom"] = json!("yesterday")).to_string(), "validFrom \"yesterday\"", true),
        (edit(&|v| v["signers"]["alice"]["sigstore"] = sigstore_signer(SAN)["sigstore"].clone()).to_string(), "exactly one of key, sigstore, notary", true),
        (edit(&|v| v["signers"]["alice"]["key"]["path"] = json!("alice.pub")).to_string(), "exactly one of path, pem", true),
        (edit(&|v| v["signers"]["carol"] = json!({ "sigstore": { "issuer": ISSUER, "subject": SAN, "subjectRegexp": ".*" } })).to_string(), "exactly one non-empty subject or subjectRegexp", true),
        (edit(&|v| v["signers"]["carol"] = json!({ "sigstore": { "issuer": ISSUER, "subject": SAN, "extensions": { "workflowRef": "x" } } })).to_string(), "unknown Fulcio extension \"workflowRef\"", true),
        (edit(&|v| v["signers"]["carol"] = json!({ "sigstore": { "trustedRoot": "production", "issuer": ISSUER, "subject": SAN } })).to_string(), "trustedRoot is public-good or staging", true),
        (edit(&|v| v["scopes"]["*"]["reject"] = json!(true)).to_string(), "exactly one of reject, acceptUnsigned, or signature requirements", true),
        (edit(&|v| v["scopes"][REPO] = json!({})).to_string(), "exactly one of reject, acceptUnsigned", true),
        (edit(&|v| v["revocations"] = json!([revocation(json!({ "signer": "alice", "keySha256": key_sha256(&alice()) }), T0, "keyCompromise")])).to_string(), "exactly one of signer, keySha256, certificate, identity", true),
        (edit(&|v| v["revocations"] = json!([revocation(json!({ "signer": "alice" }), T0, "lost")])).to_string(), "revocation reason \"lost\"", true),
        (edit(&|v| v["revocations"] = json!([revocation(json!({ "keySha256": "abcd" }), T0, "keyCompromise")])).to_string(), "keySha256 \"abcd\" is not 64 hex digits", true),
        (edit(&|v| v["revocations"] = json!([{ "signer": "alice", "reason": "keyCompromise" }])).to_string(), "missing field `revokedAt`", true),
        // Predicate constraints of an attestation.
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "equals": "x", "oneOf": ["x"] }]))).to_string(), "predicate constraint 0: exactly one of equals and oneOf", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a" }]))).to_string(), "exactly one of equals and oneOf", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "equals": null }]))).to_string(), "exactly one of equals and oneOf", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "equals": "x" }, { "path": "", "equals": "x" }]))).to_string(), "predicate constraint 1: path \"\" is not dot-separated non-empty object keys", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "runDetails..id", "equals": "x" }]))).to_string(), "path \"runDetails..id\"", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a.", "equals": "x" }]))).to_string(), "path \"a.\"", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "equals": { "b": 1 } }]))).to_string(), "equals must be a string, number or boolean", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "equals": ["x"] }]))).to_string(), "equals must be a string, number or boolean", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "oneOf": [] }]))).to_string(), "oneOf must be a non-empty list", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "oneOf": ["x", null] }]))).to_string(), "oneOf must be a non-empty list of strings, numbers or booleans", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([{ "path": "a", "matches": "x.*" }]))).to_string(), "unknown field `matches`", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!([]))).to_string(), "predicate, when given, must not be empty", true),
        (edit(&|v| v["scopes"]["*"] = constrained(json!({ "path": "a", "equals": "x" }))).to_string(), "invalid type: map, expected a sequence", true),
    ];
    for (json, names, schema_refuses) in &cases {
        let msg = compile_error(json);
        assert!(msg.contains(names), "the error does not name {names:?}: {msg}");
        let doc: Value = serde_json::from_str(json).unwrap();
        if *schema_refuses {
            assert!(!schema_errors(&doc).is_empty(), "the schema accepts a policy the parser refuses ({names}): {json}");
        }
    }
}

/// `signatureVerification` of a Notary signer is read into a JSON value before the trust policy
/// parser sees it, so its duplicate keys are lost instead of refused (`"level"` given twice is
/// read as the last one).
#[test]

fn duplicate_keys_in_notary_signature_verification_are_refused() {
    let ca = support::pki::Issuer::root(Key::p256("governance notary ca"), "governance notary ca");
    let mut files = Files::new();
    files.0.insert("notary/ca.pem".into(), support::pem("CERTIFICATE", &ca.cert).into_bytes());
    let doc = |sv: &str| {
        format!(
            r#"{{"apiVersion":"{API}","signers":{{"acme":{{"notary":{{"trustStores":{{"ca:acme":["notary/ca.pem"]}},"identity":"x509.subject: C=US, ST=WA, O=sigstore.test, CN=governance release","signatureVerification":{sv}}}}}}},"scopes":{{"*":{{"signatures":{{"signers":["acme"]}}}}}}}}"#
        )
    };
    // Control: the signer compiles.
    let ok = doc(r#"{"level":"strict"}"#);
    verifier::native_policy(ok.as_bytes(), &files, &support::provider()).unwrap_or_else(|e| panic!("{e}"));
    assert_schema_valid(&serde_json::from_str(&ok).unwrap());
    let dup = doc(r#"{"level":"audit","level":"strict"}"#);
    let e = verifier::native_policy(dup.as_bytes(), &files, &support::provider()).err().expect("a duplicate key in signatureVerification compiled");
    assert!(e.to_string().contains("duplicate"), "{e}");
}

// ---- the schema -----------------------------------------------------------------------------

/// `docs/policy.schema.json` is a draft 2020-12 schema that accepts every policy these tests
/// compile (each [`compile`] checks it; here a sample of every construct at once, including a
/// Notary signer) and refuses documents the parser refuses where a schema can say so.
#[test]
fn schema_agrees_with_the_parser() {
    let ca = support::pki::Issuer::root(Key::p256("governance notary ca"), "governance notary ca");
    let mut files = Files::new();
    files.0.insert("notary/ca.pem".into(), support::pem("CERTIFICATE", &ca.cert).into_bytes());
    files.0.insert("keys/builder.pub".into(), builder().key.public_pem().into_bytes());
    let everything = json!({
        "apiVersion": API,
        "signers": {
            "ci": window(json!({ "sigstore": {
                "trustedRootPath": ROOT, "issuer": ISSUER, "subjectRegexp": "https://github\\.com/org/repo/.*",
                "extensions": { "githubWorkflowRepository": "org/repo", "sourceRepositoryRef": "refs/heads/main" } } }), Some(T0), Some(T0 + 365 * DAY)),
            "release": window(key_signer(&alice()), Some(T0), None),
            "builder": { "key": { "path": "keys/builder.pub", "trustedRoot": "public-good" } },
            "public": { "sigstore": { "trustedRoot": "staging", "issuerRegexp": ".*", "subject": "someone@example.test" } },
            "acme": { "notary": { "trustStores": { "ca:acme": ["notary/ca.pem"] }, "identity": "x509.subject: C=US, ST=WA, O=sigstore.test, CN=governance release",
                "signatureVerification": { "level": "permissive", "override": { "revocation": "log" }, "verifyTimestamp": "afterCertExpiry" } }, "validUntil": "2030-01-01T00:00:00.5+02:00" },
        },
        "revocations": [
            revocation(json!({ "signer": "release" }), T_OLD, "superseded"),
            revocation(json!({ "keySha256": key_sha256(&bob()) }), T0, "keyCompromise"),
            revocation(json!({ "certificate": { "issuer": FULCIO_INTERMEDIATE, "serial": "0x0A1B2C" } }), T0, "cessationOfOperation"),
            revocation(json!({ "identity": { "issuer": ISSUER, "subject": SAN } }), T0, "privilegeWithdrawn"),
            revocation(json!({ "identity": { "subject": "CN=old signer,O=acme" } }), T0, "affiliationChanged"),
        ],
        "scopes": {
            "*": { "reject": true },
            "registry.sigstore.test": { "acceptUnsigned": true, "reject": false },
            REPO: {
                "signatures": { "signers": ["ci", "release", "acme"], "threshold": 2 },
                "roles": { "build": ["ci"], "approve": ["release", "acme"] },
                "attestations": [{ "predicateType": SLSA, "signers": ["builder", "ci"],
                    "predicate": [{ "path": "buildDefinition.buildType", "equals": BUILD_TYPE }, { "path": "buildDefinition.externalParameters.attempt", "oneOf": [1, 2, "3", true] }] }],
            },
            format!("{REPO}:v1"): { "signatures": { "signers": ["release"] }, "reject": false, "acceptUnsigned": false },
            format!("{REPO}@sha256:{}", "ab".repeat(32)): { "reject": true },
        },
        "exceptions": [
            exception("2024-17", REPO, T0, T0 + 7 * DAY),
            { "id": "x", "scope": format!("{REPO}@sha256:{}", "cd".repeat(32)), "notBefore": at(T0), "notAfter": at(T0),
              "reason": "r", "ticket": "t", "approver": "a", "coversRevoked": true },
        ],
    });
    compile_with(&everything, &files);

    // Refused by both (beyond the strict-parsing cases).
    let refused = [
        json!({ "apiVersion": API, "signers": {} }),
        json!({ "apiVersion": API, "scopes": {} }),
        json!({ "apiVersion": API, "signers": {}, "scopes": { "*": { "reject": true, "acceptUnsigned": true } } }),
        json!({ "apiVersion": API, "signers": {}, "scopes": { "*": { "acceptUnsigned": true, "signatures": { "signers": ["x"] } } } }),
        json!({ "apiVersion": API, "signers": { "a": { "key": { "pem": "x", "trustedRoot": "public-good", "trustedRootPath": "r" } } }, "scopes": {} }),
        json!({ "apiVersion": API, "signers": { "a": {} }, "scopes": {} }),
        json!({ "apiVersion": API, "signers": { "a": { "notary": { "trustStores": { "acme": ["f"] }, "identity": "*" } } }, "scopes": {} }),
        json!({ "apiVersion": API, "signers": { "a": { "notary": { "trustStores": { "ca:acme": ["notary/ca.pem"] }, "identity": "x509.subject: C=US, ST=WA, O=x", "signatureVerification": { "level": "strict", "extra": 1 } } } }, "scopes": {} }),
        json!({ "apiVersion": API, "signers": { "a": { "notary": { "trustStores": { "ca:acme": ["notary/ca.pem"] }, "identity": "x509.subject: C=US, ST=WA, O=x", "signatureVerification": { "level": "strict", "override": { "integrity": "maybe" } } } } }, "scopes": {} }),
        json!({ "apiVersion": API, "signers": {}, "scopes": {}, "revocations": [{ "certificate": { "issuer": "CN=x" }, "revokedAt": at(T0), "reason": "superseded" }] }),
        json!({ "apiVersion": API, "signers": {}, "scopes": {}, "revocations": [{ "identity": { "issuer": ISSUER }, "revokedAt": at(T0), "reason": "superseded" }] }),
        json!({ "apiVersion": API, "signers": {}, "scopes": {}, "revocations": [{ "identity": { "subject": SAN }, "revokedAt": "2024-01-01", "reason": "superseded" }] }),
        json!({ "apiVersion": API, "signers": {}, "scopes": {}, "exceptions": [{ "id": "1", "scope": REPO, "notBefore": at(T0), "notAfter": at(T0), "reason": "r", "ticket": "t", "approver": "a", "coversRevoked": "yes" }] }),
        json!({ "apiVersion": API, "signers": {}, "scopes": { "*": { "signatures": { "signers": ["x"], "threshold": 1.5 } } } }),
    ];
    for doc in &refused {
        assert!(!schema_errors(doc).is_empty(), "the schema accepts {doc}");
        let e = verifier::native_policy(doc.to_string().as_bytes(), &files, &support::provider()).err().unwrap_or_else(|| panic!("the parser accepts {doc}"));
        assert_eq!(e.class(), ErrorClass::Input, "{e}");
    }
    // A Notary signer with level skip: notation forbids skip at the "*" scope the signer's
    // statement has, and the schema leaves it out.
    let skip = json!({ "apiVersion": API, "signers": { "a": { "notary": { "trustStores": { "ca:acme": ["notary/ca.pem"] }, "identity": "*", "signatureVerification": { "level": "skip" } } } }, "scopes": {} });
    assert!(!schema_errors(&skip).is_empty());
    assert!(verifier::native_policy(skip.to_string().as_bytes(), &files, &support::provider()).is_err());
}

/// The README's "Native policy" example is valid against the schema and compiles (its files
/// given as generated keys and the generated trusted root).
#[test]
fn readme_example_policy_compiles() {
    let readme = include_str!("../README.md");
    let section = readme.split("\n## Native policy\n").nth(1).expect("README has a \"## Native policy\" section");
    let section = section.split("\n## ").next().unwrap();
    let json = section.split("```json\n").nth(1).and_then(|s| s.split("\n```").next()).expect("the section has a json block");
    let doc: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("README example: {e}"));
    let mut files = Files::new();
    let mut paths = Vec::new();
    collect_paths(&doc, &mut paths);
    assert!(!paths.is_empty());
    for p in paths {
        let bytes = if p.ends_with(".json") { World::get().trusted_root().to_json().into_bytes() } else { key(&p).key.public_pem().into_bytes() };
        files.0.insert(p, bytes);
    }
    let p = compile_with(&doc, &files);
    assert!(!p.exceptions().is_empty(), "the example shows an exception");
    // The example's revocation list form parses too, if the section shows one.
    if let Some(list) = section.split("```json\n").nth(2).and_then(|s| s.split("\n```").next()) {
        let list: Value = serde_json::from_str(list).unwrap();
        load_revocation_list(&list);
    }
}

fn collect_paths(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("path" | "trustedRootPath", Value::String(s)) => out.push(s.clone()),
                    // A predicate constraint's path is a field of the predicate, not a file.
                    ("predicate", _) => {}
                    _ => collect_paths(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_paths(v, out)),
        _ => {}
    }
}
