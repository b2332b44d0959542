//! The 24 end-to-end Notary cases of `../shared/vectors/notation-suite/expected.json` (collected
//! from notation-go `verifier/verifier_test.go`, `verifier/timestamp_test.go` and notation
//! `test/e2e/suite/trustpolicy/verification_level.go`): each gives the expected outcome at each
//! level listed, with the failing validation named as in the file. Envelope cases go through
//! `notation::verify` (notation-go `verifier.Verify`), layout cases through the image decision
//! (`ImageVerifier` over the OCI layout), as `sealcheck verify --notation-policy` runs them.
//!
//! Where the specification and notation-go disagree, sealcheck follows the specification:
//! - `e2e-invalid-skip`: trust-store-trust-policy.md says a `skip` statement cannot use the
//!   global scope `*`; notation-go does not check it (its e2e `skip_trustpolicy.json` does it).
//!   sealcheck refuses that policy; the same statement scoped to the repository skips.

use std::path::{Path, PathBuf};

use serde_json::Value;

use sealcheck::notation::crl::CrlSet;
use sealcheck::notation::envelope::Envelope;
use sealcheck::notation::trustpolicy::{Action, DocumentKind, StoreType, TrustPolicyDocument, Validation};
use sealcheck::notation::truststore::TrustStore;
use sealcheck::notation::verify::{self, Outcome, Target};
use sealcheck::oci::OciDigest;
use sealcheck::{verifier, CryptoProvider, ImageVerifier, UnixTime};

fn suite() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/notation-suite");
    assert!(p.join("expected.json").is_file(), "{} is missing: the Notary suites need ../shared/vectors", p.display());
    p
}

/// Verification time: the file's expectations were computed "as of 2026".
fn now() -> UnixTime {
    verifier::verification_time("2026-12-01T00:00:00Z").unwrap()
}

fn store(v: &Value, envelope: Option<&Envelope>) -> TrustStore {
    let b = CryptoProvider::default();
    let mut store = TrustStore::new();
    for (key, path) in v["trust_stores"].as_object().expect("trust_stores") {
        let (kind, name) = key.split_once(':').unwrap();
        let kind = StoreType::from_name(kind).unwrap();
        let path = path.as_str().unwrap();
        if path.starts_with("x5c[0]") {
            let leaf = envelope.expect("an envelope").chain[0].der().to_vec();
            store.add_file(b.backend(), kind, name, &leaf, "x5c[0]").unwrap();
        } else if path.ends_with('/') {
            store.add_dir(b.backend(), kind, name, &suite().join(path)).unwrap_or_else(|e| panic!("{key}: {e}"));
        } else {
            let bytes = std::fs::read(suite().join(path)).unwrap();
            store.add_file(b.backend(), kind, name, &bytes, path).unwrap();
        }
    }
    store
}

/// The case's policy with `level` (and, if given, `verifyTimestamp`) put in its statement.
/// The timestamp cases (`verify_timestamp` or `drop_tsa` given) log authenticity instead of
/// enforcing it: notation-go's `timestamp_test.go` calls `verifyTimestamp` on its own, and some
/// of its signing certificates are in no trust store.
fn policy(v: &Value, level: &str, verify_timestamp: Option<&str>, drop_tsa: bool, timestamp_case: bool) -> Vec<u8> {
    let mut p = v["trust_policy"].clone();
    if p.is_null() {
        p = serde_json::json!({"version": "1.0", "trustPolicies": [{"name": "p", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"}, "trustStores": ["ca:x"], "trustedIdentities": ["*"]}]});
    }
    let st = &mut p["trustPolicies"][0];
    st["signatureVerification"]["level"] = level.into();
    if let Some(t) = verify_timestamp {
        st["signatureVerification"]["verifyTimestamp"] = t.into();
    }
    if timestamp_case {
        st["signatureVerification"]["override"] = serde_json::json!({"authenticity": "log"});
    }
    if drop_tsa {
        let stores: Vec<Value> = st["trustStores"].as_array().unwrap().iter().filter(|s| !s.as_str().unwrap().starts_with("tsa:")).cloned().collect();
        st["trustStores"] = stores.into();
    }
    if level == "skip" {
        let o = st.as_object_mut().unwrap();
        o.remove("trustStores");
        o.remove("trustedIdentities");
    }
    serde_json::to_vec(&p).unwrap()
}

/// What a run found: allowed or not, and each validation's (name, action, outcome).
struct Seen {
    allowed: bool,
    results: Vec<(String, String, String)>,
    reason: String,
}

fn seen_outcome(o: &Outcome) -> Seen {
    Seen {
        allowed: o.verdict.is_ok(),
        results: o.results.iter().map(|r| (r.validation.name().to_string(), action(r.action), r.outcome.to_string())).collect(),
        reason: o.verdict.as_ref().err().map(ToString::to_string).unwrap_or_default(),
    }
}

fn action(a: Action) -> String {
    serde_json::to_value(a).unwrap().as_str().unwrap().to_string()
}

fn run_envelope(v: &Value, level: &str, verify_timestamp: Option<&str>, drop_tsa: bool, timestamp_case: bool) -> Seen {
    let b = CryptoProvider::default();
    let rel = v["envelope"].as_str().unwrap();
    let bytes = std::fs::read(suite().join(rel)).unwrap();
    let media_type = v["media_type"].as_str().unwrap();
    let env = Envelope::parse(media_type, &bytes).ok();
    let store = store(v, env.as_ref());
    let doc = TrustPolicyDocument::parse(&policy(v, level, verify_timestamp, drop_tsa, timestamp_case), DocumentKind::Oci).unwrap();
    let st = &doc.statements[0];
    // The target: as the case gives it, or (no target listed) what the envelope names.
    let (mt, digest, size) = match v.get("target") {
        Some(t) => (t["mediaType"].as_str().unwrap().to_string(), OciDigest::parse(t["digest"].as_str().unwrap()).unwrap(), t["size"].as_u64().unwrap()),
        None => {
            let t = &env.as_ref().expect("a parsable envelope").target;
            (t.media_type.clone(), t.digest, t.size)
        }
    };
    let digests = [*digest.digest()];
    let target = Target { media_type: &mt, digests: &digests, size };
    if st.level == sealcheck::notation::trustpolicy::Level::Skip {
        return Seen { allowed: true, results: Vec::new(), reason: String::new() };
    }
    seen_outcome(&verify::verify(b.backend(), st, &store, &CrlSet::new(Vec::new()), media_type, &bytes, &target, now()))
}

fn run_layout(v: &Value, level: &str) -> Seen {
    let b = CryptoProvider::default();
    let mut json = policy(v, level, None, false, false);
    if level == "skip" {
        // Spec over notation-go (module docs): `skip` with `*` is refused; scope it.
        let e = verifier::notation_policy(&json, store(v, None), CrlSet::new(Vec::new())).expect_err("skip with the global scope is refused");
        assert!(format!("{e:?}").contains("skip cannot be used with a global scope"), "{e:?}");
        let mut p: Value = serde_json::from_slice(&json).unwrap();
        p["trustPolicies"][0]["registryScopes"] = serde_json::json!(["localhost:5000/e2e"]);
        json = serde_json::to_vec(&p).unwrap();
    }
    let policy = verifier::notation_policy(&json, store(v, None), CrlSet::new(Vec::new())).unwrap();
    let digest = v["target"]["digest"].as_str().unwrap();
    let layout: &Path = &suite().join(v["oci_layout"].as_str().unwrap());
    let reference = verifier::image_reference(&format!("localhost:5000/e2e@{digest}")).unwrap();
    let image = verifier::image_source(&format!("oci:{}@{digest}", layout.display()), reference, &b).unwrap();
    let d = ImageVerifier::new(policy.into(), b).decide(&image, now());
    let record = serde_json::to_value(&d).unwrap();
    let sigs = record["requirements"][0]["signatures"].as_array().cloned().unwrap_or_default();
    // The first signature's validations (each layout case has one signature by the e2e key
    // that matters; with several, the accepted one).
    let sig = sigs.iter().find(|s| s["accepted"] == true).or(sigs.first());
    let results = sig
        .and_then(|s| s["validations"].as_array())
        .map(|vs| vs.iter().map(|r| (r["validation"].as_str().unwrap().to_string(), r["action"].as_str().unwrap().to_string(), r["outcome"].as_str().unwrap().to_string())).collect())
        .unwrap_or_default();
    Seen { allowed: d.allowed, results, reason: d.reason }
}

/// Checks `seen` against an expectation string of expected.json.
fn check(id: &str, key: &str, want: &str, seen: &Seen) {
    let ctx = format!("{id} [{key}]: want {want:?}; allowed {} results {:?} ({})", seen.allowed, seen.results, seen.reason);
    if let Some(v) = want.strip_prefix("fail:") {
        assert!(!seen.allowed, "{ctx}");
        let failed: Vec<&(String, String, String)> = seen.results.iter().filter(|r| r.2 == "failed" && r.1 == "enforce").collect();
        assert_eq!(failed.last().map(|r| r.0.as_str()), Some(v), "the enforced failure is {v}: {ctx}");
    } else if want.starts_with("pass") {
        assert!(seen.allowed, "{ctx}");
        // "pass (X logged)": X failed and was logged.
        if let Some(rest) = want.strip_prefix("pass (").and_then(|r| r.strip_suffix(" logged)")) {
            assert!(seen.results.iter().any(|r| r.0 == rest && r.1 == "log" && r.2 == "failed"), "{rest} is logged as failed: {ctx}");
        }
    } else {
        panic!("unknown expectation {want:?} in {id}");
    }
}

/// One validation's outcome, for the timestamp cases (`authenticTimestamp: pass | FAIL …`).
fn check_validation(id: &str, key: &str, want_pass: bool, validation: Validation, seen: &Seen) {
    let r = seen.results.iter().find(|r| r.0 == validation.name());
    let ctx = format!("{id} [{key}]: {:?} ({})", seen.results, seen.reason);
    if want_pass {
        assert!(r.is_some_and(|r| r.2 == "passed"), "{} passes: {ctx}", validation.name());
    } else {
        assert!(r.is_some_and(|r| r.2 == "failed"), "{} fails: {ctx}", validation.name());
    }
}

#[test]
fn expected_json_cases() {
    let file: Value = serde_json::from_slice(&std::fs::read(suite().join("expected.json")).unwrap()).unwrap();
    let cases = file["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 24, "expected.json lists 24 end-to-end cases");
    let mut cells = 0;
    for v in cases {
        let id = v["id"].as_str().unwrap();
        for (key, want) in v["expected"].as_object().unwrap() {
            let want = want.as_str().unwrap();
            cells += 1;
            if key.starts_with("authenticTimestamp") {
                let vt = key.contains("afterCertExpiry").then_some("afterCertExpiry");
                let seen = run_envelope(v, "strict", vt, false, true);
                if let Some((with, without)) = want.split_once("; ").filter(|(_, w)| w.ends_with("without tsa store")) {
                    // "pass with tsa store; FAIL … without tsa store"
                    assert!(with.starts_with("pass with tsa store") && without.starts_with("FAIL"), "{id}: {want}");
                    check_validation(id, key, true, Validation::AuthenticTimestamp, &seen);
                    check_validation(id, "without tsa store", false, Validation::AuthenticTimestamp, &run_envelope(v, "strict", vt, true, true));
                } else {
                    check_validation(id, key, want.starts_with("pass"), Validation::AuthenticTimestamp, &seen);
                }
                continue;
            }
            let seen = if v.get("envelope").is_some() { run_envelope(v, key, None, false, false) } else { run_layout(v, key) };
            check(id, key, want, &seen);
        }
    }
    assert!(cells >= 30, "every level of every case ran ({cells} cells)");
}

/// One containers-policy.json for both signers (sealcheck extensions `sealcheckNotarySigned`
/// and `sealcheckAnyOf`): a rule may require a cosign signature *and* a Notary one (the
/// requirement list, ANDed as containers-policy.json(5) says), or *either* (`sealcheckAnyOf`).
#[test]
fn one_policy_for_cosign_and_notary_signers() {
    let b = CryptoProvider::default();
    let e2e = suite().join("notation/test/e2e/testdata");
    let cert = e2e.join("config/localkeys/e2e.crt");
    let notary = serde_json::json!({"type": "sealcheckNotarySigned", "signatureVerification": {"level": "strict"},
        "trustStores": ["ca:e2e"], "trustedIdentities": ["*"], "certificatePaths": {"ca:e2e": [cert.display().to_string()]}});
    // A key no signature of this image is made with (the staging Rekor key): the cosign
    // requirement is never satisfied.
    let staging_key = std::fs::read(suite().join("../root-signing-staging/targets/rekor.pub")).expect("../shared/vectors/root-signing-staging");
    let cosign = serde_json::json!({"type": "sigstoreSigned", "keyData": sealcheck::encoding::base64_encode(&staging_key), "signedIdentity": {"type": "matchRepository"}});
    let decide = |rule: serde_json::Value, layout: &str| {
        let policy = serde_json::json!({"default": [{"type": "reject"}], "transports": {"docker": {"localhost:5000/e2e": rule}}});
        let policy = verifier::containers_policy(&serde_json::to_vec(&policy).unwrap(), &sealcheck::policy::FsFiles, &b).unwrap_or_else(|e| panic!("{e}"));
        let digest = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
        let reference = verifier::image_reference(&format!("localhost:5000/e2e@{digest}")).unwrap();
        let image = verifier::image_source(&format!("oci:{}@{digest}", e2e.join("registry/oci_layout").join(layout).display()), reference, &b).unwrap();
        ImageVerifier::new(policy.into(), b).decide(&image, now())
    };
    let either = serde_json::json!([{"type": "sealcheckAnyOf", "requirements": [cosign.clone(), notary.clone()]}]);
    let both = serde_json::json!([cosign.clone(), notary.clone()]);
    let notary_only = serde_json::json!([notary.clone()]);
    let d = decide(either.clone(), "e2e-valid-signature");
    assert!(d.allowed, "either: the Notary signature suffices: {}", d.reason);
    assert_eq!(d.requirements[0].alternatives.len(), 2, "both alternatives are recorded, up to the satisfied one");
    assert!(!decide(both, "e2e-valid-signature").allowed, "both: there is no cosign signature");
    assert!(decide(notary_only.clone(), "e2e-valid-signature").allowed);
    assert!(!decide(either, "e2e-invalid-signature").allowed, "either: neither verifies");
    assert!(!decide(notary_only, "e2e").allowed, "unsigned");
    // The statement is validated as trustpolicy.json's: a missing store, `skip`, a bad identity.
    for (bad, why) in [
        (serde_json::json!({"type": "sealcheckNotarySigned", "signatureVerification": {"level": "strict"}, "trustStores": ["ca:e2e"], "trustedIdentities": ["*"]}), "has no certificatePaths"),
        (serde_json::json!({"type": "sealcheckNotarySigned", "signatureVerification": {"level": "skip"}, "trustStores": [], "trustedIdentities": []}), "level skip"),
        (serde_json::json!({"type": "sealcheckNotarySigned", "signatureVerification": {"level": "strict"}, "trustStores": ["ca:e2e"], "trustedIdentities": ["x509.subject:CN=x"],
            "certificatePaths": {"ca:e2e": [cert.display().to_string()]}}), "x509.subject"),
        (serde_json::json!({"type": "sealcheckAnyOf", "requirements": []}), "must not be empty"),
    ] {
        let policy = serde_json::json!({"default": [bad]});
        let e = verifier::containers_policy(&serde_json::to_vec(&policy).unwrap(), &sealcheck::policy::FsFiles, &b).expect_err(why);
        assert!(format!("{e:?}").contains(why), "{why}: {e:?}");
    }
}

/// A native policy names Notary identities too (issue "Signing-key governance": signers are
/// keys, Sigstore identities and Notary identities): a Notary signer satisfies a scope; its
/// revocation (by identity) denies, and is recorded; an open exception does not cover a revoked
/// signature unless it says so; a signer window needs a verified signing time, which a
/// `notary.x509` signature without a countersignature does not have.
#[test]
fn native_policy_with_a_notary_signer() {
    let b = CryptoProvider::default();
    let e2e = suite().join("notation/test/e2e/testdata");
    let cert = e2e.join("config/localkeys/e2e.crt");
    let digest = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
    let decide = |extra: serde_json::Value, revocations: Option<&str>| {
        let mut policy = serde_json::json!({"apiVersion": "sealcheck.dev/v1",
            "signers": {"e2e": {"notary": {"trustStores": {"ca:e2e": [cert.display().to_string()]}, "identity": "*"}}},
            "scopes": {"*": {"reject": true}, "localhost:5000/e2e": {"signatures": {"signers": ["e2e"]}}}});
        for (k, v) in extra.as_object().unwrap() {
            policy[k] = v.clone();
        }
        let compiled = verifier::native_policy(&serde_json::to_vec(&policy).unwrap(), &sealcheck::policy::FsFiles, &b).unwrap_or_else(|e| panic!("{e:?}"));
        let reference = verifier::image_reference(&format!("localhost:5000/e2e@{digest}")).unwrap();
        let image = verifier::image_source(&format!("oci:{}@{digest}", e2e.join("registry/oci_layout/e2e-valid-signature").display()), reference, &b).unwrap();
        let mut v = ImageVerifier::new(compiled.into(), b);
        if let Some(r) = revocations {
            v = v.with_revocations(std::sync::Arc::new(verifier::revocation_list(r.as_bytes()).unwrap()));
        }
        v.decide(&image, now())
    };
    let d = decide(serde_json::json!({}), None);
    assert!(d.allowed, "{}", d.reason);
    let revoked = r#"{"apiVersion": "sealcheck.dev/v1", "revocations": [{"identity": {"subject": "CN=e2e, O=Notary, L=Seattle, ST=WA, C=US"}, "revokedAt": "2023-01-01T00:00:00Z", "reason": "keyCompromise"}]}"#;
    let d = decide(serde_json::json!({}), Some(revoked));
    assert!(!d.allowed && !d.revocation_hits.is_empty(), "{} {:?}", d.reason, d.revocation_hits);
    let exception = serde_json::json!({"exceptions": [{"id": "INC-7", "scope": "localhost:5000/e2e", "notBefore": "2026-11-01T00:00:00Z",
        "notAfter": "2026-12-31T00:00:00Z", "reason": "outage", "ticket": "OPS-7", "approver": "sec-lead"}]});
    let d = decide(exception.clone(), Some(revoked));
    assert!(!d.allowed && d.exception.is_none(), "an exception does not cover a revoked signer by default: {}", d.reason);
    let mut covering = exception.clone();
    covering["exceptions"][0]["coversRevoked"] = true.into();
    let d = decide(covering, Some(revoked));
    assert!(d.allowed && d.exception.as_ref().is_some_and(|e| e.id == "INC-7"), "{}", d.reason);
    let windowed = serde_json::json!({"signers": {"e2e": {"notary": {"trustStores": {"ca:e2e": [cert.display().to_string()]}, "identity": "*"}, "validUntil": "2030-01-01T00:00:00Z"}}});
    let d = decide(windowed, None);
    assert!(!d.allowed && d.reason.contains("0 of 1 distinct signers signed"), "no verified signing time: {}", d.reason);
    let record = serde_json::to_string(&d).unwrap();
    assert!(record.contains("a verified signing time"), "{record}");
}
