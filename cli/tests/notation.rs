//! notation's own e2e OCI layouts (`../shared/vectors/notation-suite/notation/test/e2e/testdata/
//! registry/oci_layout/`) with its e2e trust store and trust policies, decided through
//! `sealcheck verify --notation-policy` as notation decides them (notation
//! `test/e2e/suite/trustpolicy/verification_level.go`, `test/e2e/suite/command/verify.go`):
//! valid signature, multiple signatures, invalid signature, expired signature, expired
//! certificate, unsigned.

use std::path::{Path, PathBuf};
use std::process::Command;

const IMAGE: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

fn e2e() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/notation-suite/notation/test/e2e/testdata");
    assert!(p.is_dir(), "{} is missing: the Notary suites need ../shared/vectors", p.display());
    p
}

/// A trust store directory with `ca:e2e` = the named key file of `config/localkeys`.
fn store(dir: &Path, cert: &str) -> PathBuf {
    let root = dir.join(format!("store-{cert}"));
    let ca = root.join("x509/ca/e2e");
    std::fs::create_dir_all(&ca).unwrap();
    std::fs::copy(e2e().join("config/localkeys").join(cert), ca.join(cert)).unwrap();
    root
}

/// Runs `sealcheck verify` on a layout under a policy file of `config/trustpolicies`; returns
/// the exit code, stderr and the JSON record.
fn verify(layout: &str, policy: &str, cert: &str) -> (i32, String, serde_json::Value) {
    let tmp = std::env::temp_dir().join(format!("sealcheck-notation-cli-{}-{layout}-{policy}-{cert}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sealcheck"))
        .args(["verify", "--json", "--time", "2026-12-01T00:00:00Z", "--notation-policy"])
        .arg(e2e().join("config/trustpolicies").join(policy))
        .arg("--trust-store")
        .arg(store(&tmp, cert))
        .args(["--reference", &format!("localhost:5000/e2e@{IMAGE}")])
        .arg(format!("oci:{}@{IMAGE}", e2e().join("registry/oci_layout").join(layout).display()))
        .output()
        .unwrap();
    std::fs::remove_dir_all(&tmp).ok();
    let record = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned(), record)
}

/// The validations of the first signature considered (or the accepted one).
fn validations(record: &serde_json::Value) -> Vec<(String, String, String)> {
    let sigs = record["requirements"][0]["signatures"].as_array().cloned().unwrap_or_default();
    let sig = sigs.iter().find(|s| s["accepted"] == true).or(sigs.first()).cloned().unwrap_or_default();
    sig["validations"]
        .as_array()
        .map(|v| v.iter().map(|r| (r["validation"].as_str().unwrap().into(), r["action"].as_str().unwrap().into(), r["outcome"].as_str().unwrap().into())).collect())
        .unwrap_or_default()
}

fn has(v: &[(String, String, String)], validation: &str, action: &str, outcome: &str) -> bool {
    v.iter().any(|r| r.0 == validation && r.1 == action && r.2 == outcome)
}

#[test]
fn valid_signature_is_allowed_at_every_level() {
    for policy in ["trustpolicy.json", "permissive_trustpolicy.json", "audit_trustpolicy.json"] {
        let (code, err, record) = verify("e2e-valid-signature", policy, "e2e.crt");
        assert_eq!(code, 0, "{policy}: {err}");
        assert_eq!(record["allowed"], true);
        let v = validations(&record);
        assert!(has(&v, "integrity", "enforce", "passed") && v.iter().all(|r| r.2 != "failed"), "{policy}: {v:?}");
    }
}

/// verification_level.go "authenticity": another certificate in the store fails at strict and
/// permissive, is logged at audit.
#[test]
fn untrusted_signer() {
    for (policy, code) in [("trustpolicy.json", 1), ("permissive_trustpolicy.json", 1), ("audit_trustpolicy.json", 0)] {
        let (got, err, record) = verify("e2e-valid-signature", policy, "new_e2e.crt");
        assert_eq!(got, code, "{policy}: {err}");
        let action = if code == 0 { "log" } else { "enforce" };
        assert!(has(&validations(&record), "authenticity", action, "failed"), "{policy}: {record}");
    }
}

/// `notation verify` succeeds when any one signature verifies (notation-go `Verify`).
#[test]
fn multiple_signatures_one_trusted() {
    let (code, err, record) = verify("e2e-valid-multiple-signatures", "trustpolicy.json", "e2e.crt");
    assert_eq!(code, 0, "{err}");
    assert!(record["requirements"][0]["signatures"].as_array().is_some_and(|s| !s.is_empty()), "{record}");
}

/// verification_level.go "integrity": always enforced; skip skips it (scoped: the spec forbids
/// `skip` with `*`, which notation's `skip_trustpolicy.json` uses, so that file is refused).
#[test]
fn invalid_signature() {
    for policy in ["trustpolicy.json", "permissive_trustpolicy.json", "audit_trustpolicy.json"] {
        let (code, err, record) = verify("e2e-invalid-signature", policy, "e2e.crt");
        assert_eq!(code, 1, "{policy}: {err}");
        assert!(has(&validations(&record), "integrity", "enforce", "failed"), "{policy}: {record}");
    }
    let (code, err, _) = verify("e2e-invalid-signature", "skip_trustpolicy.json", "e2e.crt");
    assert_eq!(code, 2, "spec over notation-go: skip with the global scope is an invalid policy: {err}");
    assert!(err.contains("skip cannot be used with a global scope"), "{err}");
}

/// verification_level.go "expiry": enforced at strict, logged at permissive and audit.
#[test]
fn expired_signature() {
    for (policy, code, action) in [("trustpolicy.json", 1, "enforce"), ("permissive_trustpolicy.json", 0, "log"), ("audit_trustpolicy.json", 0, "log")] {
        let (got, err, record) = verify("e2e-expired-signature", policy, "e2e.crt");
        assert_eq!(got, code, "{policy}: {err}");
        assert!(has(&validations(&record), "expiry", action, "failed"), "{policy}: {record}");
    }
}

/// verification_level.go "authenticTimestamp": a certificate expired without a timestamp.
#[test]
fn expired_certificate() {
    for (policy, code, action) in [("trustpolicy.json", 1, "enforce"), ("permissive_trustpolicy.json", 0, "log"), ("audit_trustpolicy.json", 0, "log")] {
        let (got, err, record) = verify("e2e-with-expired-cert", policy, "expired_e2e.crt");
        assert_eq!(got, code, "{policy}: {err}");
        assert!(has(&validations(&record), "authenticTimestamp", action, "failed"), "{policy}: {record}");
    }
}

/// command/verify.go: "no signature is associated with …".
#[test]
fn unsigned() {
    let (code, err, record) = verify("e2e", "trustpolicy.json", "e2e.crt");
    assert_eq!(code, 1, "{err}");
    assert!(record["reason"].as_str().unwrap().contains("no Notary signatures"), "{record}");
}

/// `sealcheck verify-blob`, as `notation blob verify` (signature-specification.md "Blob
/// Signatures"; notation-go `VerifyBlob`): notation's e2e detached signatures over its LICENSE,
/// by self-signed certificates that expired in January 2025, with a Microsoft countersignature
/// whose root no vector holds. At `permissive` the authentic timestamp is logged; at `strict` it
/// fails; another blob fails integrity.
#[test]
fn blob_signatures() {
    // notation's LICENSE (notation-suite/notation/LICENSE) is the signed blob.
    let license = e2e().join("../../../LICENSE");
    for format in ["jws", "cose"] {
        let sig = e2e().join(format!("signatures/blob.{format}.sig"));
        let tmp = std::env::temp_dir().join(format!("sealcheck-notation-blob-{}-{format}", std::process::id()));
        let ca = tmp.join("store/x509/ca/blob");
        std::fs::create_dir_all(&ca).unwrap();
        // The trust anchor: the envelope's own self-signed certificate.
        let bytes = std::fs::read(&sig).unwrap();
        let env = sealcheck::notation::envelope::Envelope::parse(
            if format == "jws" { "application/jose+json" } else { "application/cose" },
            &bytes,
        )
        .unwrap();
        std::fs::write(ca.join("signer.crt"), env.chain[0].der()).unwrap();
        let run = |level: &str, blob: &Path| {
            let policy = tmp.join(format!("{level}.json"));
            std::fs::write(&policy, format!(r#"{{"version":"1.0","trustPolicies":[{{"name":"p","globalPolicy":true,"signatureVerification":{{"level":"{level}"}},"trustStores":["ca:blob"],"trustedIdentities":["*"]}}]}}"#)).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_sealcheck"))
                .args(["verify-blob", "--json", "--time", "2026-12-01T00:00:00Z", "--notation-policy"])
                .arg(&policy)
                .arg("--trust-store")
                .arg(tmp.join("store"))
                .arg("--signature")
                .arg(&sig)
                .arg(blob)
                .output()
                .unwrap();
            (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
        };
        let (code, out) = run("permissive", &license);
        assert_eq!(code, 0, "{format}: {out}");
        assert!(out.contains("authenticTimestamp (logged)"), "{format}: {out}");
        let (code, out) = run("strict", &license);
        assert_eq!(code, 1, "{format}: {out}");
        let other = tmp.join("other");
        std::fs::write(&other, b"not the license").unwrap();
        let (code, out) = run("permissive", &other);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(out.contains("target artifact"), "{format}: {out}");
        std::fs::remove_dir_all(&tmp).ok();
    }
}
