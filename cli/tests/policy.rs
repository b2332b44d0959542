//! `sealcheck policy check` and `sealcheck policy explain` (issue 14): exit statuses (0 a
//! policy that compiles, 1 with `--strict` when it has warnings, 2 one that does not compile),
//! the findings as JSON, and the explanation of a decision on notation's own e2e OCI layouts
//! (`../shared/vectors/notation-suite/notation/test/e2e/testdata`, as `tests/notation.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const IMAGE: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const NOW: &str = "2026-03-01T00:00:00Z";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_sealcheck")).args(args).output().unwrap();
    Out { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sealcheck-policy-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, doc: &Value) -> String {
    let p = dir.join("policy.json");
    std::fs::write(&p, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    p.display().to_string()
}

/// A workflow identity, valid for half a year.
fn workflow(repo: &str) -> Value {
    json!({"sigstore": {"trustedRoot": "public-good", "issuer": ISSUER,
                        "subject": format!("https://github.com/{repo}/.github/workflows/release.yml@refs/heads/main")},
           "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2026-06-30T00:00:00Z"})
}

/// Breaks no rule.
fn clean() -> Value {
    json!({
        "apiVersion": "sealcheck.dev/v1",
        "signers": {"ci": workflow("acme/app"), "release": workflow("acme/release")},
        "scopes": {
            "*": {"reject": true},
            "reg.test/acme": {"signatures": {"signers": ["ci"]}},
            "reg.test/acme/app": {"roles": {"build": ["ci"], "approve": ["release"]}}
        },
        "exceptions": [{"id": "EXC-1", "scope": "reg.test/acme/app", "notBefore": "2026-03-01T00:00:00Z", "notAfter": "2026-03-03T00:00:00Z",
                        "reason": "incident", "ticket": "INC-1", "approver": "oncall@acme.example"}]
    })
}

/// Breaks every rule: a two-year window, a signer without end, one signer in two unrelated
/// scopes and in two roles, a default that accepts unsigned images, a 90-day exception.
fn risky() -> Value {
    let mut doc = clean();
    doc["signers"]["ci"]["validUntil"] = json!("2028-01-01T00:00:00Z");
    doc["signers"]["release"].as_object_mut().unwrap().remove("validUntil");
    doc["scopes"]["*"] = json!({"acceptUnsigned": true});
    doc["scopes"]["other.test/tools"] = json!({"roles": {"build": ["ci"], "approve": ["ci"]}});
    doc["exceptions"][0]["notAfter"] = json!("2026-05-30T00:00:00Z");
    doc
}

#[test]
fn a_clean_policy_passes_even_strict() {
    let dir = tmp("clean");
    let p = write(&dir, &clean());
    for strict in [false, true] {
        let mut args = vec!["policy", "check", "--now", NOW, &p];
        if strict {
            args.insert(2, "--strict");
        }
        let out = run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stderr.contains("warning["), "{}", out.stderr);
        assert!(out.stderr.contains("with 0 warnings"), "{}", out.stderr);
        // The compiled policy, described.
        for want in [
            "format: native",
            "reg.test/acme: signedBy: signatures of 1 distinct identities among [ci]",
            "default: reject: every image",
            r#"signer "ci""#,
            "valid 2026-01-01T00:00:00Z .. 2026-06-30T00:00:00Z",
            "EXC-1: reg.test/acme/app from 2026-03-01T00:00:00Z to 2026-03-03T00:00:00Z",
        ] {
            assert!(out.stdout.contains(want), "{want:?} not in:\n{}", out.stdout);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn warnings_fail_only_with_strict() {
    let dir = tmp("risky");
    let p = write(&dir, &risky());
    let out = run(&["policy", "check", "--now", NOW, &p]);
    assert_eq!(out.code, 0, "warnings alone do not fail: {}", out.stderr);
    for rule in ["long-lived-signer", "no-expiry", "shared-signer", "long-exception", "accepts-unsigned", "role-overlap"] {
        assert!(out.stderr.contains(&format!("warning[{rule}]: ")), "{rule} not flagged:\n{}", out.stderr);
    }
    assert!(out.stderr.contains("warning[accepts-unsigned]: default: the default rule admits images without a trusted signature"), "{}", out.stderr);
    assert!(out.stderr.contains(r#"warning[role-overlap]: other.test/tools: signer "ci" is listed in both roles "approve" and "build""#), "{}", out.stderr);

    let strict = run(&["policy", "check", "--strict", "--now", NOW, &p]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stderr.contains("(--strict)"), "{}", strict.stderr);

    // The maxima are options: under larger ones the window and the exception pass.
    let json = run(&["policy", "check", "--json", "--now", NOW, "--max-signer-days", "800", "--max-exception-days", "120", &p]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["no-expiry", "shared-signer", "accepts-unsigned", "role-overlap"], "{}", json.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn json_findings() {
    let dir = tmp("json");
    let p = write(&dir, &risky());
    let out = run(&["policy", "check", "--json", "--strict", "--now", NOW, &p]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!((v["valid"].clone(), v["passed"].clone(), v["strict"].clone(), v["format"].clone()), (json!(true), json!(false), json!(true), json!("native")));
    let findings = v["findings"].as_array().unwrap();
    let find = |rule: &str| findings.iter().find(|f| f["rule"] == rule).unwrap_or_else(|| panic!("{rule} missing: {}", out.stdout));
    let long = find("long-lived-signer");
    assert_eq!((long["scope"].as_str(), long["subject"].as_str()), (Some("other.test/tools, reg.test/acme, reg.test/acme/app"), Some(r#"signer "ci""#)));
    assert!(long["message"].as_str().unwrap().contains("730 days"), "{long}");
    assert_eq!(find("no-expiry")["subject"], r#"signer "release""#);
    let shared = find("shared-signer");
    assert!(shared["message"].as_str().unwrap().contains(r#"unrelated scopes "other.test/tools" and "reg.test/acme""#), "{shared}");
    let exception = find("long-exception");
    assert_eq!((exception["scope"].as_str(), exception["subject"].as_str()), (Some("reg.test/acme/app"), Some(r#"exception "EXC-1""#)));
    assert_eq!(find("accepts-unsigned")["scope"], "default");
    assert_eq!(find("role-overlap")["scope"], "other.test/tools");
    // Each finding has exactly these members.
    for f in findings {
        let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["message", "rule", "scope", "subject"]);
    }
    // The summary, as JSON.
    assert_eq!(v["summary"]["scopes"].as_array().unwrap().len(), 4, "{}", v["summary"]);
    assert_eq!(v["summary"]["exceptions"][0]["not_after"], "2026-05-30T00:00:00Z");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_broken_policy_is_exit_2() {
    let dir = tmp("broken");
    let mut doc = clean();
    doc["scopes"]["reg.test/acme"] = json!({"signatures": {"signers": ["nobody"]}});
    let p = write(&dir, &doc);
    for strict in ["--now", "--strict"] {
        let mut args = vec!["policy", "check", strict];
        if strict == "--now" {
            args.push(NOW);
        }
        args.push(&p);
        let out = run(&args);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains(r#"unknown signer \"nobody\""#) || out.stderr.contains(r#"unknown signer "nobody""#), "{}", out.stderr);
    }
    let out = run(&["policy", "check", "--json", &p]);
    assert_eq!(out.code, 2);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("nobody"), "{v}");
    // Not JSON at all; a missing file.
    std::fs::write(dir.join("policy.json"), b"{not json").unwrap();
    assert_eq!(run(&["policy", "check", &p]).code, 2);
    assert_eq!(run(&["policy", "check", &dir.join("missing.json").display().to_string()]).code, 2);
    std::fs::remove_dir_all(&dir).ok();
}

// ---- Notary trust policies and explain ------------------------------------------------------

fn e2e() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/notation-suite/notation/test/e2e/testdata");
    assert!(p.is_dir(), "{} is missing: the Notary suites need ../shared/vectors", p.display());
    p
}

/// A trust store directory with `ca:e2e` = the named certificate of `config/localkeys`.
fn store(dir: &Path, cert: &str) -> String {
    let ca = dir.join("store/x509/ca/e2e");
    std::fs::create_dir_all(&ca).unwrap();
    std::fs::copy(e2e().join("config/localkeys").join(cert), ca.join(cert)).unwrap();
    dir.join("store").display().to_string()
}

fn trust_policy(name: &str) -> String {
    e2e().join("config/trustpolicies").join(name).display().to_string()
}

#[test]
fn notary_trust_policies_are_checked_with_their_store() {
    let dir = tmp("notary-check");
    let store = store(&dir, "e2e.crt");
    let out = run(&["policy", "check", &trust_policy("trustpolicy.json")]);
    assert_eq!(out.code, 2, "a trust policy needs its store: {}", out.stderr);
    assert!(out.stderr.contains("--trust-store"), "{}", out.stderr);

    let strict = run(&["policy", "check", "--json", "--trust-store", &store, &trust_policy("trustpolicy.json")]);
    assert_eq!(strict.code, 0, "{}", strict.stderr);
    let v: Value = serde_json::from_str(&strict.stdout).unwrap();
    assert_eq!(v["format"], "Notary trust policy");
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["no-expiry"], "identities of a trust policy have no end");

    let audit = run(&["policy", "check", "--strict", "--trust-store", &store, &trust_policy("audit_trustpolicy.json")]);
    assert_eq!(audit.code, 1, "{}", audit.stderr);
    assert!(audit.stderr.contains(r#"warning[accepts-unsigned]: *: the scope admits images without a trusted signature: trust policy statement "e2e" (level audit)"#), "{}", audit.stderr);
    assert!(audit.stdout.contains(r#"*: notarySigned: trust policy statement "e2e" (level audit), by any certificate of trust store ca:e2e"#), "{}", audit.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

fn explain(layout: &str, policy: &str, cert: &str, json: bool) -> Out {
    let dir = tmp(&format!("explain-{layout}-{policy}-{cert}-{json}"));
    let store = store(&dir, cert);
    let reference = format!("localhost:5000/e2e@{IMAGE}");
    let source = format!("oci:{}@{IMAGE}", e2e().join("registry/oci_layout").join(layout).display());
    let policy = trust_policy(policy);
    let mut args = vec!["policy", "explain", "--time", "2026-12-01T00:00:00Z", "--notation-policy", &policy, "--trust-store", &store, "--reference", &reference, &source];
    if json {
        args.insert(2, "--json");
    }
    let out = run(&args);
    std::fs::remove_dir_all(&dir).ok();
    out
}

/// Another certificate in the store: the scope that applied, the refused signature with its
/// failed authenticity validation, and the denial.
#[test]
fn explain_an_untrusted_signer() {
    let out = explain("e2e-valid-signature", "trustpolicy.json", "new_e2e.crt", false);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let text = &out.stdout;
    for want in [
        &format!("reference: localhost:5000/e2e@{IMAGE}") as &str,
        "scope: * (the transport default)",
        r#"requirement 0 (notarySigned): not satisfied: none of 1 Notary signatures accepted under trust policy statement "e2e" (level strict)"#,
        "refused (NotInTrustStore)",
        "validation integrity (enforce): passed",
        "validation authenticity (enforce): failed: authenticity:",
        "decision: denied: ",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    // Rule by rule, in order: the scope, then the requirement, its signature, its validations.
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("scope: ") < at("requirement 0") && at("requirement 0") < at("signature 0") && at("signature 0") < at("validation authenticity") && at("validation authenticity") < at("decision: "));
}

/// The trusted certificate: the accepted signature with its verified signer; at level audit an
/// untrusted one is accepted with the failure logged.
#[test]
fn explain_accepted_signatures() {
    let out = explain("e2e-valid-signature", "trustpolicy.json", "e2e.crt", false);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for want in ["requirement 0 (notarySigned): satisfied: signature 0 accepted", "]: accepted: verified", "signer: certificate ", "binds: the manifest", "decision: allowed: "] {
        assert!(out.stdout.contains(want), "{want:?} not in:\n{}", out.stdout);
    }
    let audit = explain("e2e-valid-signature", "audit_trustpolicy.json", "new_e2e.crt", false);
    assert_eq!(audit.code, 0, "{}", audit.stdout);
    assert!(audit.stdout.contains("validation authenticity (log): failed"), "{}", audit.stdout);
    // --json prints the decision record itself, as verify does.
    let json = explain("e2e-valid-signature", "trustpolicy.json", "new_e2e.crt", true);
    assert_eq!(json.code, 1);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!((v["allowed"].clone(), v["scope"].clone()), (json!(false), json!("")));
}

/// Unsigned: the requirement found no signature.
#[test]
fn explain_unsigned() {
    let out = explain("e2e", "trustpolicy.json", "e2e.crt", false);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("requirement 0 (notarySigned): not satisfied: no Notary signatures"), "{}", out.stdout);
}
