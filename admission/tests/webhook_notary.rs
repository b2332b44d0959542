//! `sealcheck serve` deciding Notary Project signatures, end to end over the webhook's HTTP and
//! TLS path as the Kubernetes API server drives it (the Go client `tests/k8sclient`, k8s.io/api
//! v0.37.2 `admission/v1`, as `webhook.rs`): images pushed to the real registry (distribution
//! v3) with `oras` and signed by the real `notation` v1.3.2 (`notation sign`, local keys) with a
//! leaf of a trusted CA or of another CA, and one left unsigned; the server's policy a Notary
//! trust policy (`trustpolicy.json`, specification `trust-store-trust-policy.md`) with its trust
//! store (the admission configuration's `trustStore`, `sealcheck::verifier::policy_file`).
//!
//! What is shown, per the specification's "Signature Verification details" table (notation-go
//! `verifier/trustpolicy/trustpolicy.go` `LevelStrict` / `LevelAudit`):
//! - `strict` (every validation `enforce`): the trusted CA's signature is allowed; the other
//!   CA's is denied for authenticity; the unsigned image is denied.
//! - `audit` (integrity `enforce`; authenticity, authentic timestamp, expiry, revocation
//!   `log`): the other CA's signature is allowed, and the AdmissionReview response carries a
//!   `warnings` entry naming the failed, logged validation (authenticity); the trusted one is
//!   allowed without warnings; the unsigned image is still denied (no signature is an
//!   integrity failure: notation-go `notation.go` `Verify` fails "no signature is associated
//!   with …" at every level but skip).
//!
//! The Notary certificates are made with the `openssl` command (as the webhook's TLS PKI,
//! `registry/tests/common` `Pki`): a root (basicConstraints cA, keyUsage keyCertSign critical)
//! and a leaf with the Notary code-signing profile (keyUsage digitalSignature critical,
//! extendedKeyUsage codeSigning, cA false), per the specification's `signature-specification.md`
//! "Certificate Requirements".
//!
//! `#[ignore]`: needs the peers (`tests/parity/build-peers.sh`, `SEALCHECK_PEERS`: registry,
//! oras, notation), Go (the client is built by the test from its pinned go.mod) and `openssl`;
//! `.ci/run` runs it.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
#[path = "../../registry/tests/common/mod.rs"]
mod common;
mod webhook_client;

use std::path::{Path, PathBuf};
use std::process::Command;

use peers::{Registry, peer_path, push_image, scratch};
use sealcheck::CryptoProvider;
use sealcheck_admission::server::{ServeConfig, Server};
use serde_json::{Value, json};
use webhook_client::{Client, build_client, eventually, in_child, log_lines, message, response};

/// Runs `openssl ARGS` in `dir`, or panics with its stderr.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl command (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The leaves' subject (notation's `x509.subject` identities need C, ST and O).
const SIGNER_DN: &str = "C=US, ST=WA, L=Seattle, O=sealcheck.test, CN=notation signer";

/// A CA `NAME-ca.crt` and a leaf `NAME-leaf.{key,crt}` issued by it, in `dir`, valid for two
/// days; the chain file `NAME-chain.crt` (leaf, then root) notation signs with.
fn notary_pki(dir: &Path, name: &str) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let (ca_key, ca_crt, ca_subj) = (format!("{name}-ca.key"), format!("{name}-ca.crt"), format!("/C=US/ST=WA/L=Seattle/O=sealcheck.test/CN=notary {name} CA"));
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(&ec);
    args.extend_from_slice(&["-keyout", &ca_key, "-out", &ca_crt, "-days", "2", "-subj", &ca_subj,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &args);
    std::fs::write(dir.join("leaf.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n").unwrap();
    let (key, csr, crt) = (format!("{name}-leaf.key"), format!("{name}-leaf.csr"), format!("{name}-leaf.crt"));
    let subj = format!("/{}", SIGNER_DN.replace(", ", "/"));
    let mut args = vec!["req"];
    args.extend_from_slice(&ec);
    args.extend_from_slice(&["-keyout", &key, "-out", &csr, "-subj", &subj]);
    openssl(dir, &args);
    openssl(dir, &["x509", "-req", "-in", &csr, "-CA", &ca_crt, "-CAkey", &ca_key, "-CAcreateserial", "-out", &crt, "-days", "2", "-extfile", "leaf.ext"]);
    let chain = [&crt, &ca_crt].map(|f| std::fs::read_to_string(dir.join(f)).unwrap()).concat();
    std::fs::write(dir.join(format!("{name}-chain.crt")), chain).unwrap();
}

/// notation with its own HOME and XDG directories under `dir` (as `tests/notation_parity.rs`),
/// its signing keys the `signer` and `other` leaves.
struct Notation {
    home: PathBuf,
}

impl Notation {
    fn new(dir: &Path, pki: &Path) -> Self {
        let home = dir.join("notation-home");
        std::fs::create_dir_all(home.join("config/notation")).unwrap();
        let keys: Vec<Value> = ["signer", "other"]
            .iter()
            .map(|k| json!({"name": k, "keyPath": pki.join(format!("{k}-leaf.key")), "certPath": pki.join(format!("{k}-chain.crt"))}))
            .collect();
        std::fs::write(home.join("config/notation/signingkeys.json"), json!({"default": "signer", "keys": keys}).to_string()).unwrap();
        Self { home }
    }

    /// `notation sign --insecure-registry --key KEY IMAGE` (plain HTTP to the test registry).
    fn sign(&self, key: &str, image: &str) {
        let out = Command::new(peer_path("notation"))
            .args(["sign", "--insecure-registry", "--signature-format", "jws", "--key", key, image])
            .env_clear()
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_CACHE_HOME", self.home.join("cache"))
            .output()
            .expect("run notation");
        assert!(out.status.success(), "notation sign {image}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
}

/// A trust policy of one statement at `level` for the test registry's repositories, trusting
/// the `ca:signer` store and the leaves' subject (`trust-store-trust-policy.md`, "Trust Policy
/// Properties").
fn trust_policy(host: &str, level: &str) -> Value {
    let scopes: Vec<String> = ["trusted", "untrusted", "unsigned"].iter().map(|r| format!("{host}/{r}")).collect();
    json!({"version": "1.0", "trustPolicies": [{"name": "webhook", "registryScopes": scopes, "signatureVerification": {"level": level},
           "trustStores": ["ca:signer"], "trustedIdentities": [format!("x509.subject: {SIGNER_DN}")]}]})
}

fn review(uid: &str, image: &str) -> Value {
    json!({"review": {"webhook": "validate", "uid": uid, "kind": "Pod", "namespace": "default", "containers": [image], "initContainers": [], "ephemeralContainers": []}})
}

fn warnings(r: &Value) -> Vec<String> {
    response(r)["warnings"].as_array().map(|w| w.iter().map(|s| s.as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

/// Set in the child the test runs itself as: the file its stderr goes to.
const LOG_ENV: &str = "SEALCHECK_WEBHOOK_NOTARY_TEST_LOG";

/// The flow, in a child whose stderr is the server's log ([`in_child`]).
#[test]
#[ignore = "needs the peers (tests/parity/build-peers.sh, SEALCHECK_PEERS), Go and openssl (run by .ci/run)"]
fn notary_signatures_through_the_webhook_at_strict_and_audit() {
    in_child("notary_signatures_through_the_webhook_at_strict_and_audit", LOG_ENV, flow);
}

fn flow(log: &Path) {
    let dir = scratch("webhook-notary");
    let tls = common::Pki::generate(&dir.join("tls"));
    let ca = tls.path("ca.crt");
    let pki = dir.join("notary-pki");
    std::fs::create_dir_all(&pki).unwrap();
    for name in ["signer", "other"] {
        notary_pki(&pki, name);
    }
    // The trust store: notation's layout, `x509/ca/<name>/` (`trust-store-trust-policy.md`,
    // "Trust Store"); only the signer's CA is in it.
    let store = dir.join("truststore");
    std::fs::create_dir_all(store.join("x509/ca/signer")).unwrap();
    std::fs::copy(pki.join("signer-ca.crt"), store.join("x509/ca/signer/signer-ca.crt")).unwrap();

    let reg = Registry::start(&dir);
    let notation = Notation::new(&dir, &pki);
    let trusted = push_image(&reg, &dir, "trusted", "trusted layer", &[]);
    notation.sign("signer", &format!("{}/trusted@{trusted}", reg.host));
    let untrusted = push_image(&reg, &dir, "untrusted", "untrusted layer", &[]);
    notation.sign("other", &format!("{}/untrusted@{untrusted}", reg.host));
    push_image(&reg, &dir, "unsigned", "unsigned layer", &[]);
    let (t, x, u) = (format!("{}/trusted:v1", reg.host), format!("{}/untrusted:v1", reg.host), format!("{}/unsigned:v1", reg.host));
    let bin = build_client(&dir);

    for level in ["strict", "audit"] {
        let policy = dir.join(format!("trustpolicy-{level}.json"));
        std::fs::write(&policy, trust_policy(&reg.host, level).to_string()).unwrap();
        let config = json!({
            "admission": {"policy": policy, "trustStore": store, "deadlineMs": 8000, "registry": {"insecure": [reg.host]}},
            "listen": "127.0.0.1:0", "tls": {"cert": tls.path("server.crt"), "key": tls.path("server.key")},
        });
        let server = Server::start(&ServeConfig::from_json(config.to_string().as_bytes()).unwrap(), CryptoProvider::by_name("aws-lc").unwrap()).unwrap();
        let client = Client { bin: bin.clone(), base: format!("https://{}", server.local_addr()) };
        eventually("/readyz 200", || client.raw(&ca, "GET", "/readyz", None)["status"] == 200);
        let r = client.send(&ca, 10, &[review(&format!("{level}-trusted"), &t), review(&format!("{level}-untrusted"), &x), review(&format!("{level}-unsigned"), &u)]);
        let allowed = |r: &Value| response(r)["allowed"].as_bool().unwrap();
        for (what, r) in ["trusted", "untrusted", "unsigned"].iter().zip(&r) {
            println!("{level} {what}: allowed {} {:?} warnings {:?}", allowed(r), message(r), warnings(r));
        }

        // The trusted CA's signature: every validation passes at either level, nothing to warn.
        assert!(allowed(&r[0]), "{level} trusted: {}", r[0]);
        assert!(warnings(&r[0]).is_empty(), "{level} trusted: no validation failed: {}", r[0]);

        // The other CA's: authenticity fails (its chain ends at no root of the trust store).
        // strict enforces it; audit logs it and accepts the signature, and the webhook says so
        // in `warnings` (admission/v1 `AdmissionResponse.Warnings`, shown to the API client).
        match level {
            "strict" => {
                assert!(!allowed(&r[1]), "{level} untrusted: {}", r[1]);
                let m = message(&r[1]);
                assert!(m.contains(&format!("{x:?}")) && m.contains("not satisfied") && m.contains("authenticity"), "{level} untrusted: the reason names authenticity: {m}");
                assert!(!m.contains(&format!("{t:?}")), "{m}");
            }
            _ => {
                assert!(allowed(&r[1]), "{level} untrusted: logged, not enforced: {}", r[1]);
                let w = warnings(&r[1]);
                assert!(
                    w.len() == 1 && w[0].starts_with(&format!("sealcheck: image {x:?}: audit: signature ")) && w[0].contains("authenticity failed (logged)"),
                    "{level} untrusted: one warning naming the failed, logged validation: {w:?}"
                );
            }
        }

        // No signature at all: denied at both levels (integrity is enforced by every level but
        // skip; notation-go `Verify`: "no signature is associated with …").
        assert!(!allowed(&r[2]), "{level} unsigned: {}", r[2]);
        let m = message(&r[2]);
        assert!(m.contains(&format!("{u:?}")) && m.contains("no Notary signatures"), "{level} unsigned: {m}");

        // The decision the log records for the untrusted image: one Notary signature, its
        // authenticity validation failed with the level's action (`enforce` at strict, `log` at
        // audit), integrity passed.
        let lines = log_lines(log);
        let line = lines.iter().find(|l| l["msg"] == "decision" && l["uid"] == format!("{level}-untrusted")).unwrap_or_else(|| panic!("{level}: no decision logged"));
        let signature = &line["decision"]["requirements"][0]["signatures"][0];
        let validation = |name: &str| signature["validations"].as_array().unwrap().iter().find(|v| v["validation"] == name).cloned().unwrap_or_else(|| panic!("{level}: no {name}: {signature}"));
        assert_eq!(validation("integrity")["outcome"], "passed", "{signature}");
        let authenticity = validation("authenticity");
        assert_eq!(authenticity["outcome"], "failed", "{signature}");
        assert_eq!(authenticity["action"], if level == "strict" { "enforce" } else { "log" }, "{signature}");
        assert_eq!(signature["accepted"], level == "audit", "{signature}");
        server.shutdown();
    }
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}
