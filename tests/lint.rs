//! Policy lint (issue 14, acceptance 9): each rule of `src/policy/lint.rs` flags a generated
//! policy that breaks it, and only that rule; a policy that breaks none gives no finding. The
//! policies are native documents with the project's own deterministic keys
//! (`tests/support/keys.rs`), plus a containers-policy.json and a Notary trust policy to show
//! the rules read the compiled model whatever the format.

#[allow(dead_code)]
mod support;

use base64ct::{Base64, Encoding};
use serde_json::{Value, json};

use sealcheck::policy::lint::{self, Finding, LintOptions, LintRule};
use sealcheck::policy::{FsFiles, PolicyFiles};
use sealcheck::verifier;
use sealcheck::{CompiledPolicy, CryptoProvider, UnixTime};

use support::keys::Key;

const API: &str = "sealcheck.dev/v1";
/// When the policies are reviewed.
const NOW: &str = "2026-03-01T00:00:00Z";

fn now() -> UnixTime {
    UnixTime::parse_rfc3339(NOW).unwrap()
}

fn pem(label: &str) -> String {
    Key::p256(&format!("lint: {label}")).public_pem()
}

/// A key signer with a window.
fn signer(label: &str, from: Option<&str>, until: Option<&str>) -> Value {
    let mut s = json!({"key": {"pem": pem(label)}});
    if let Some(f) = from {
        s["validFrom"] = json!(f);
    }
    if let Some(u) = until {
        s["validUntil"] = json!(u);
    }
    s
}

/// A policy that breaks no rule: two keys with half-year windows, one repository tree
/// (`reg.test/team` and a repository under it), roles filled by distinct signers, a short
/// exception, a rejecting default.
fn clean() -> Value {
    json!({
        "apiVersion": API,
        "signers": {
            "ci": signer("ci", Some("2026-01-01T00:00:00Z"), Some("2026-06-30T00:00:00Z")),
            "release": signer("release", Some("2026-01-01T00:00:00Z"), Some("2026-06-30T00:00:00Z")),
        },
        "scopes": {
            "*": {"reject": true},
            "reg.test/team": {"signatures": {"signers": ["ci"]}},
            "reg.test/team/app": {"roles": {"build": ["ci"], "approve": ["release"]}},
        },
        "exceptions": [{
            "id": "EXC-1", "scope": "reg.test/team/app",
            "notBefore": "2026-03-01T00:00:00Z", "notAfter": "2026-03-08T00:00:00Z",
            "reason": "incident", "ticket": "INC-1", "approver": "oncall@reg.test"
        }]
    })
}

fn compile_with(doc: &Value, files: &dyn PolicyFiles) -> CompiledPolicy {
    verifier::native_policy(&serde_json::to_vec(doc).unwrap(), files, &CryptoProvider::default()).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

fn check_with(doc: &Value, options: &LintOptions) -> Vec<Finding> {
    lint::lint(&compile_with(doc, &FsFiles), options)
}

fn check(doc: &Value) -> Vec<Finding> {
    check_with(doc, &LintOptions::new(now()))
}

/// Every finding is of `rule`, and there is at least one; returns them.
fn only(rule: LintRule, findings: Vec<Finding>) -> Vec<Finding> {
    assert!(!findings.is_empty(), "{} not flagged", rule.name());
    assert!(findings.iter().all(|f| f.rule == rule), "only {} expected: {findings:#?}", rule.name());
    findings
}

#[test]
fn a_clean_policy_has_no_findings() {
    let findings = check(&clean());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn long_lived_signer() {
    let mut doc = clean();
    doc["signers"]["ci"]["validUntil"] = json!("2027-06-30T00:00:00Z");
    let f = only(LintRule::LongLivedSigner, check(&doc));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].subject, r#"signer "ci""#);
    assert_eq!(f[0].scope, "reg.test/team, reg.test/team/app");
    assert!(f[0].message.contains("545 days") && f[0].message.contains("365 days"), "{}", f[0].message);
    assert_eq!(f[0].to_string(), format!("warning[long-lived-signer]: reg.test/team, reg.test/team/app: {}", f[0].message));
    // The maximum is an option: the same window under a larger one is fine.
    let larger = LintOptions { max_signer_days: 600, ..LintOptions::new(now()) };
    assert!(check_with(&doc, &larger).is_empty());
    // Exactly the maximum is not longer than it.
    doc["signers"]["ci"]["validUntil"] = json!("2027-01-01T00:00:00Z");
    assert!(check(&doc).is_empty(), "365 days is the maximum, not over it");
    doc["signers"]["ci"]["validUntil"] = json!("2027-01-01T00:00:01Z");
    only(LintRule::LongLivedSigner, check(&doc));
}

/// Without validFrom, the window runs from the review time.
#[test]
fn long_lived_signer_without_a_start() {
    let mut doc = clean();
    doc["signers"]["ci"] = signer("ci", None, Some("2026-09-01T00:00:00Z"));
    assert!(check(&doc).is_empty(), "184 days from now");
    doc["signers"]["ci"] = signer("ci", None, Some("2027-09-01T00:00:00Z"));
    let f = only(LintRule::LongLivedSigner, check(&doc));
    assert!(f[0].message.contains("no validFrom"), "{}", f[0].message);
}

#[test]
fn no_expiry() {
    let mut doc = clean();
    doc["signers"]["release"] = signer("release", Some("2026-01-01T00:00:00Z"), None);
    let f = only(LintRule::NoExpiry, check(&doc));
    assert_eq!(f.len(), 1, "reported once, not also as long-lived: {f:#?}");
    assert_eq!((f[0].subject.as_str(), f[0].scope.as_str()), (r#"signer "release""#, "reg.test/team/app"));
}

#[test]
fn shared_signer() {
    let mut doc = clean();
    doc["scopes"]["reg.test/billing"] = json!({"signatures": {"signers": ["ci"]}});
    let f = only(LintRule::SharedSigner, check(&doc));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].subject, r#"signer "ci""#);
    // serde_json's maps are sorted: the document lists its scopes in that order.
    assert_eq!(f[0].scope, "reg.test/billing, reg.test/team, reg.test/team/app");
    assert!(f[0].message.contains(r#""reg.test/billing" and "reg.test/team""#), "{}", f[0].message);

    // Two names for one key are one identity.
    let mut doc = clean();
    doc["signers"]["ci-copy"] = doc["signers"]["ci"].clone();
    doc["scopes"]["reg.test/billing"] = json!({"signatures": {"signers": ["ci-copy"]}});
    let f = only(LintRule::SharedSigner, check(&doc));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].subject.contains(r#"signer "ci""#) && f[0].subject.contains(r#"signer "ci-copy""#) && f[0].subject.contains("key sha256:"), "{}", f[0].subject);

    // Digests and tags of one repository, and the default, are one tree.
    let mut doc = clean();
    doc["scopes"]["reg.test/team/app@sha256:0000000000000000000000000000000000000000000000000000000000000000"] = json!({"signatures": {"signers": ["ci"]}});
    doc["scopes"]["*"] = json!({"signatures": {"signers": ["ci"]}});
    assert!(check(&doc).is_empty(), "{:#?}", check(&doc));
}

#[test]
fn long_exception() {
    let mut doc = clean();
    doc["exceptions"][0]["notAfter"] = json!("2026-05-01T00:00:00Z");
    let f = only(LintRule::LongException, check(&doc));
    assert_eq!((f[0].subject.as_str(), f[0].scope.as_str()), (r#"exception "EXC-1""#, "reg.test/team/app"));
    assert!(f[0].message.contains("61 days") && f[0].message.contains("INC-1"), "{}", f[0].message);
    let larger = LintOptions { max_exception_days: 90, ..LintOptions::new(now()) };
    assert!(check_with(&doc, &larger).is_empty());
}

#[test]
fn accepts_unsigned() {
    let mut doc = clean();
    doc["scopes"]["reg.test/team/tools"] = json!({"acceptUnsigned": true});
    let f = only(LintRule::AcceptsUnsigned, check(&doc));
    assert_eq!((f.len(), f[0].scope.as_str()), (1, "reg.test/team/tools"));
    // The default too.
    let mut doc = clean();
    doc["scopes"]["*"] = json!({"acceptUnsigned": true});
    let f = only(LintRule::AcceptsUnsigned, check(&doc));
    assert_eq!(f[0].scope, "default");
}

#[test]
fn role_overlap() {
    let mut doc = clean();
    doc["scopes"]["reg.test/team/app"] = json!({"roles": {"build": ["ci"], "approve": ["release", "ci"]}});
    let f = only(LintRule::RoleOverlap, check(&doc));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].subject.as_str(), f[0].scope.as_str()), (r#"signer "ci""#, "reg.test/team/app"));
    assert!(f[0].message.contains(r#""approve" and "build""#), "{}", f[0].message);

    // Two signer names of one key, one in each role.
    let mut doc = clean();
    doc["signers"]["release"]["key"] = doc["signers"]["ci"]["key"].clone();
    let f = only(LintRule::RoleOverlap, check(&doc));
    assert_eq!(f[0].subject, r#"signers "release", "ci""#, "in role order: approve, build");
    assert!(f[0].message.contains("one identity (key sha256:"), "{}", f[0].message);
}

/// A policy that breaks everything at once flags every rule.
#[test]
fn every_rule_at_once() {
    let mut doc = clean();
    doc["signers"]["ci"]["validUntil"] = json!("2030-01-01T00:00:00Z");
    doc["signers"]["release"] = signer("release", None, None);
    doc["scopes"]["other.test/x"] = json!({"roles": {"build": ["ci"], "approve": ["ci", "release"]}});
    doc["scopes"]["*"] = json!({"acceptUnsigned": true});
    doc["exceptions"][0]["notAfter"] = json!("2027-01-01T00:00:00Z");
    let mut rules: Vec<LintRule> = check(&doc).into_iter().map(|f| f.rule).collect();
    rules.dedup();
    assert_eq!(rules, LintRule::ALL.to_vec(), "in rule order");
}

/// containers-policy.json: keys have no end, one key in two unrelated repositories is shared,
/// `insecureAcceptAnything` accepts unsigned images.
#[test]
fn containers_policy() {
    let key = Base64::encode_string(pem("containers").as_bytes());
    let req = json!([{"type": "sigstoreSigned", "keyData": key, "signedIdentity": {"type": "matchRepository"}}]);
    let doc = json!({"default": [{"type": "insecureAcceptAnything"}], "transports": {"docker": {"reg.test/a": req, "reg.test/b": req}}});
    let policy = verifier::containers_policy(&serde_json::to_vec(&doc).unwrap(), &FsFiles, &CryptoProvider::default()).unwrap();
    let findings = lint::lint(&policy, &LintOptions::new(now()));
    let rules: Vec<LintRule> = findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, [LintRule::NoExpiry, LintRule::SharedSigner, LintRule::AcceptsUnsigned], "{findings:#?}");
    assert!(findings[0].subject.starts_with("key sha256:") && findings[0].scope == "reg.test/a, reg.test/b", "{findings:#?}");
    assert_eq!(findings[2].scope, "default");
    // One repository tree: no longer shared.
    let doc = json!({"default": [{"type": "reject"}], "transports": {"docker": {"reg.test/a": req, "reg.test/a/b": req}}});
    let policy = verifier::containers_policy(&serde_json::to_vec(&doc).unwrap(), &FsFiles, &CryptoProvider::default()).unwrap();
    let rules: Vec<LintRule> = lint::lint(&policy, &LintOptions::new(now())).into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, [LintRule::NoExpiry]);
}

/// Trust stores held in memory, for Notary signers and trust policies.
struct Files(Vec<u8>);

impl PolicyFiles for Files {
    fn read(&self, path: &str, _max: usize) -> sealcheck::Result<Vec<u8>> {
        assert_eq!(path, "root.der");
        Ok(self.0.clone())
    }
}

fn notary_root() -> Vec<u8> {
    support::notary::Pki::get().root.cert.clone()
}

/// Notary trust policies: identities have no end; a statement at level audit (or skip, or an
/// override that logs authenticity) accepts unsigned images; one statement over two
/// repositories shares its identities.
#[test]
fn notary_trust_policy() {
    let provider = CryptoProvider::default();
    let root = notary_root();
    let compile = |statements: Value| {
        let doc = json!({"version": "1.0", "trustPolicies": statements});
        let store = verifier::notation_trust_store_from(&[("ca:acme", &root)], &provider).unwrap();
        verifier::notation_policy(&serde_json::to_vec(&doc).unwrap(), store, verifier::crls(&[]).unwrap()).unwrap()
    };
    let statement = |name: &str, scopes: &[&str], level: Value| {
        if level["level"] == "skip" {
            return json!({"name": name, "registryScopes": scopes, "signatureVerification": level});
        }
        json!({"name": name, "registryScopes": scopes, "signatureVerification": level, "trustStores": ["ca:acme"],
               "trustedIdentities": ["x509.subject: C=US, ST=WA, L=Seattle, O=acme, CN=release"]})
    };
    let rules = |p: &CompiledPolicy| lint::lint(p, &LintOptions::new(now())).into_iter().map(|f| f.rule).collect::<Vec<_>>();

    let strict = compile(json!([statement("app", &["reg.test/app"], json!({"level": "strict"}))]));
    assert_eq!(rules(&strict), [LintRule::NoExpiry]);
    for level in [json!({"level": "audit"}), json!({"level": "skip"}), json!({"level": "strict", "override": {"authenticity": "log"}})] {
        let p = compile(json!([statement("app", &["reg.test/app"], level.clone())]));
        let findings = lint::lint(&p, &LintOptions::new(now()));
        let unsigned: Vec<&Finding> = findings.iter().filter(|f| f.rule == LintRule::AcceptsUnsigned).collect();
        assert_eq!(unsigned.len(), 1, "{level}: {findings:#?}");
        assert_eq!(unsigned[0].scope, "reg.test/app");
    }
    let shared = compile(json!([statement("two", &["reg.test/app", "reg.test/tools"], json!({"level": "strict"}))]));
    assert_eq!(rules(&shared), [LintRule::NoExpiry, LintRule::SharedSigner]);
}

/// A native Notary signer at level audit accepts any signer's signature: accepts-unsigned.
#[test]
fn native_notary_signer_at_audit() {
    let files = Files(notary_root());
    let notary = |level: &str| {
        json!({"notary": {"trustStores": {"ca:acme": ["root.der"]}, "identity": "x509.subject: C=US, ST=WA, L=Seattle, O=acme, CN=release",
                          "signatureVerification": {"level": level}},
               "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2026-06-30T00:00:00Z"})
    };
    let mut doc = clean();
    doc["signers"]["release"] = notary("strict");
    assert!(lint::lint(&compile_with(&doc, &files), &LintOptions::new(now())).is_empty());
    doc["signers"]["release"] = notary("audit");
    let f = only(LintRule::AcceptsUnsigned, lint::lint(&compile_with(&doc, &files), &LintOptions::new(now())));
    assert_eq!(f[0].scope, "reg.test/team/app");
    assert!(f[0].message.contains(r#"signer "release""#), "{}", f[0].message);
}

/// The summary describes scopes, signers with their windows and exceptions, whatever the
/// format.
#[test]
fn summary() {
    let s = lint::summary(&compile_with(&clean(), &FsFiles));
    let text = s.to_string();
    for want in [
        "reg.test/team: signedBy: signatures of 1 distinct identities among [ci]",
        "reg.test/team/app: signedBy: role approve by one of [release]; role build by one of [ci]; each role by its own identity",
        "default: reject: every image",
        r#"signer "ci": key sha256:"#,
        "valid 2026-01-01T00:00:00Z .. 2026-06-30T00:00:00Z; trusted in reg.test/team, reg.test/team/app",
        "EXC-1: reg.test/team/app from 2026-03-01T00:00:00Z to 2026-03-08T00:00:00Z, ticket INC-1, approved by oncall@reg.test: incident",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["scopes"].as_array().unwrap().len(), 3);
    assert_eq!(v["signers"][0]["valid_until"], "2026-06-30T00:00:00Z");
    assert_eq!(v["exceptions"][0]["id"], "EXC-1");
}
