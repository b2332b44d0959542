//! `sealcheck serve` end to end, driven as the Kubernetes API server drives a webhook: the Go
//! client `tests/k8sclient` builds `AdmissionReview` requests with the real k8s.io/api v0.37.2
//! `admission/v1` types (and the workload types of `core/v1`, `apps/v1`, `batch/v1`, or objects
//! as `kubectl create --dry-run=client -o json` prints them), sends them over TLS verified
//! against a generated CA bundle with the webhook's `timeoutSeconds` as its timeout and as
//! `?timeout=`, and decodes the answers with the same types. Images are pushed to the real
//! registry (distribution v3) with `oras` and signed with the real `cosign` (signed, unsigned,
//! signed by an untrusted key).
//!
//! What is shown: the validating webhook allows signed and denies unsigned images for every
//! workload kind and container kind (naming the image and the failed requirement); the mutating
//! patch pins tags to the verified digest (a multi-platform tag to its index, decided by the
//! index's signature); a body that is no AdmissionReview request is HTTP 400 (413 over the
//! limit) with no review; Gatekeeper items, one per key (50 in one request, each
//! failure its own error), and `systemError`; per-namespace policies and their reload (a bad set
//! keeps the old one, is counted, reported on `/readyz` and logged);
//! `/readyz` false until the policies load; metrics move; a dry run writes no audit record; a
//! hung registry is denied by the deadline the request's timeout leaves; certificate files are
//! followed (a bad pair keeps the old one).
//!
//! `#[ignore]`: needs the peers (`tests/parity/build-peers.sh`, `SEALCHECK_PEERS`), Go (the
//! client is built by the test from its pinned go.mod) and `openssl`; `.ci/run` runs it.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
#[path = "../../registry/tests/common/mod.rs"]
mod common;
mod webhook_client;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use peers::{Registry, cosign_key_pairs, cosign_with_key, push_image, scratch};
use sealcheck::CryptoProvider;
use sealcheck_admission::server::{ServeConfig, Server};
use webhook_client::{Client, build_client, eventually, in_child, log_lines, message, response};
use serde_json::{Value, json};

/// A review request for the Go client.
fn review(webhook: &str, uid: &str, kind: &str, namespace: &str, containers: &[&str], init: &[&str], ephemeral: &[&str]) -> Value {
    json!({"review": {"webhook": webhook, "uid": uid, "kind": kind, "namespace": namespace, "containers": containers, "initContainers": init, "ephemeralContainers": ephemeral}})
}

fn allowed(r: &Value) -> bool {
    response(r)["allowed"].as_bool().unwrap()
}

/// A sample of `/metrics`, 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')).map(|v| v.parse().unwrap())).unwrap_or(0.0)
}

fn audit_records(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|s| s.lines().count()).unwrap_or(0)
}

fn key_policy(dir: &Path, key: &str) -> Value {
    json!({"default": [{"type": "sigstoreSigned", "keyPath": dir.join(key).join("cosign.pub"), "signedIdentity": {"type": "matchRepository"}}]})
}

/// A TCP listener that accepts connections and never answers: a hung registry.
fn hung_registry() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = l.local_addr().unwrap().to_string();
    (l, host)
}

/// Set in the child the test runs itself as: the file its stderr goes to.
const LOG_ENV: &str = "SEALCHECK_WEBHOOK_TEST_LOG";

/// The flow, in a child whose stderr is the server's log ([`in_child`]).
#[test]
#[ignore = "needs the peers (tests/parity/build-peers.sh, SEALCHECK_PEERS), Go and openssl (run by .ci/run)"]
fn webhooks_over_tls_against_the_real_registry() {
    in_child("webhooks_over_tls_against_the_real_registry", LOG_ENV, flow);
}

fn flow(log: &Path) {
    let dir = scratch("webhook");
    let pki = common::Pki::generate(&dir.join("pki"));
    let ca = pki.path("ca.crt");
    let reg = Registry::start(&dir);
    cosign_key_pairs(&dir, &["signer", "other"]);
    let signed = push_image(&reg, &dir, "signed", "signed layer", &[]);
    cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], false, &format!("{}/signed@{signed}", reg.host), &dir);
    push_image(&reg, &dir, "unsigned", "unsigned layer", &[]);
    let untrusted = push_image(&reg, &dir, "untrusted", "untrusted layer", &[]);
    cosign_with_key("sign", &dir.join("other/cosign.key"), &[], false, &format!("{}/untrusted@{untrusted}", reg.host), &dir);
    let (hung, hung_host) = hung_registry();
    let (s, u, x) = (format!("{}/signed:v1", reg.host), format!("{}/unsigned:v1", reg.host), format!("{}/untrusted:v1", reg.host));

    // The default policy is not there yet: the server starts, not ready.
    let default_policy = dir.join("policy.json");
    let ns_dir = dir.join("namespaces");
    std::fs::create_dir_all(&ns_dir).unwrap();
    let audit = dir.join("audit.jsonl");
    let config = json!({
        "admission": {"policy": default_policy, "auditLog": audit, "deadlineMs": 8000, "registry": {"insecure": [reg.host, hung_host], "tagTtlSeconds": 60, "evidenceTtlSeconds": 60}},
        "listen": "127.0.0.1:0", "tls": {"cert": pki.path("server.crt"), "key": pki.path("server.key")},
        "policyDir": ns_dir, "concurrency": 8, "reloadSeconds": 1,
    });
    let config = ServeConfig::from_json(config.to_string().as_bytes()).unwrap();
    let server = Server::start(&config, CryptoProvider::by_name("aws-lc").unwrap()).unwrap();
    let client = Client { bin: build_client(&dir), base: format!("https://{}", server.local_addr()) };

    // /healthz at once; /readyz 503 until the policies load, with the reason.
    assert_eq!(client.raw(&ca, "GET", "/healthz", None)["status"], 200);
    let not_ready = client.raw(&ca, "GET", "/readyz", None);
    assert_eq!(not_ready["status"], 503, "{not_ready}");
    assert!(not_ready["body"].as_str().unwrap().contains("policy.json"), "{not_ready}");
    let early = client.send(&ca, 10, &[review("validate", "early", "Pod", "default", &[&s], &[], &[])]);
    assert!(!allowed(&early[0]) && message(&early[0]).contains("policies not loaded"), "{}", early[0]);
    std::fs::write(&default_policy, key_policy(&dir, "signer").to_string()).unwrap();
    std::fs::write(ns_dir.join("open.json"), json!({"default": [{"type": "insecureAcceptAnything"}]}).to_string()).unwrap();
    let pem = std::fs::read_to_string(dir.join("signer/cosign.pub")).unwrap();
    let warn = json!({"apiVersion": "policy.sigstore.dev/v1beta1", "kind": "ClusterImagePolicy", "metadata": {"name": "warned"},
                      "spec": {"mode": "warn", "images": [{"glob": "**"}], "authorities": [{"key": {"data": pem}}]}});
    std::fs::write(ns_dir.join("warned.json"), warn.to_string()).unwrap();
    eventually("/readyz 200", || client.raw(&ca, "GET", "/readyz", None)["status"] == 200);

    // Every workload kind, every container kind: signed allowed, unsigned or untrusted denied
    // with the image and the requirement named.
    let kinds = ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"];
    let mut requests = Vec::new();
    let (only_signed, none): ([&str; 1], [&str; 0]) = ([&s], []);
    for k in kinds {
        requests.push(review("validate", &format!("{k}-signed"), k, "default", &[&s], &[&s], if k == "Pod" { &only_signed } else { &none }));
        requests.push(review("validate", &format!("{k}-unsigned-container"), k, "default", &[&s, &u], &[&s], &[]));
        requests.push(review("validate", &format!("{k}-unsigned-init"), k, "default", &[&s], &[&u], &[]));
        requests.push(review("validate", &format!("{k}-untrusted"), k, "default", &[&x], &[], &[]));
    }
    requests.push(review("validate", "pod-unsigned-ephemeral", "Pod", "default", &[&s], &[], &[&u]));
    let audit_before = audit_records(&audit);
    let results = client.send(&ca, 10, &requests);
    for (i, k) in kinds.iter().enumerate() {
        let r = &results[i * 4..i * 4 + 4];
        assert!(allowed(&r[0]), "{k} signed: {}", r[0]);
        for (case, image) in [(1, &u), (2, &u), (3, &x)] {
            assert!(!allowed(&r[case]), "{k} case {case}: {}", r[case]);
            let m = message(&r[case]);
            assert!(m.contains(&format!("{image:?}")) && m.contains("requirement 0 (sigstoreSigned) not satisfied"), "{k} case {case}: {m}");
            assert!(!m.contains(&format!("{s:?}")), "the signed image is not named: {m}");
        }
    }
    let eph = results.last().unwrap();
    assert!(!allowed(eph) && message(eph).contains("debug-0"), "{eph}");
    // One audit record per image decided (not a dry run): distinct images per review.
    let decided: usize = requests.iter().map(|r| {
        let rv = &r["review"];
        let mut imgs: Vec<&str> = ["containers", "initContainers", "ephemeralContainers"].iter().flat_map(|l| rv[l].as_array().unwrap().iter().map(|v| v.as_str().unwrap())).collect();
        imgs.sort_unstable();
        imgs.dedup();
        imgs.len()
    }).sum();
    assert_eq!(audit_records(&audit) - audit_before, decided);

    // The pods/ephemeralcontainers subresource (an UPDATE of the Pod).
    let mut sub = review("validate", "ephemeral-sub", "Pod", "default", &[&s], &[], &[&u]);
    sub["review"]["subResource"] = json!("ephemeralcontainers");
    sub["review"]["operation"] = json!("UPDATE");
    let r = client.send(&ca, 10, &[sub]);
    assert!(!allowed(&r[0]) && message(&r[0]).contains(&format!("{u:?}")), "{}", r[0]);

    // Another kind is denied, naming it.
    let r = client.send(&ca, 10, &[review("validate", "cm", "ConfigMap", "default", &[], &[], &[])]);
    assert!(!allowed(&r[0]) && message(&r[0]).contains("ConfigMap") && message(&r[0]).contains("not a workload"), "{}", r[0]);

    // Bodies that are no AdmissionReview request: HTTP 400 (413 over the size limit, refused
    // from its Content-Length before it is read) and no review, so nothing says `allowed`; the
    // API server takes a non-200 as a failed call, which `failurePolicy: Fail` rejects
    // (k8s.io/apiserver pkg/admission/plugin/webhook/validating/dispatcher.go, "failing closed").
    let good = |uid: &str| {
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
               "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default", "operation": "CREATE",
               "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": s}]}}}})
    };
    // `good(uid)` with the member at `pointer` set (added when absent).
    let with = |uid: &str, pointer: &str, v: Value| {
        let mut r = good(uid);
        let (parent, name) = pointer.rsplit_once('/').unwrap();
        r.pointer_mut(parent).unwrap().as_object_mut().unwrap().insert(name.to_string(), v);
        r
    };
    let mut no_request = good("x");
    no_request.as_object_mut().unwrap().remove("request");
    let mut no_uid = good("x");
    no_uid["request"].as_object_mut().unwrap().remove("uid");
    // A good review padded with whitespace past the limit: only its size is wrong.
    let mut oversized = good("big").to_string();
    oversized.push_str(&" ".repeat(sealcheck_admission::review::MAX_REVIEW_BYTES + 1 - oversized.len()));
    let text = |t: String| json!({"text": t});
    let body = |v: Value| json!({"body": v});
    let malformed = [
        ("not JSON", text("{\"apiVersion\": \"admission.k8s.io/v1\", ".into()), 400),
        ("not JSON at all", text("allowed: true".into()), 400),
        ("apiVersion v1beta1", body(with("bad-version", "/apiVersion", json!("admission.k8s.io/v1beta1"))), 400),
        ("kind", body(with("bad-kind", "/kind", json!("AdmissionResponse"))), 400),
        ("an unknown field", body(with("bad-field", "/request/allowed", json!(true))), 400),
        ("a response in the request", body(with("bad-response", "/response", json!({"uid": "bad-response", "allowed": true}))), 400),
        ("no request", body(no_request), 400),
        ("no uid", body(no_uid), 400),
        ("an empty uid", body(with("x", "/request/uid", json!(""))), 400),
        ("over 4 MiB", json!({"text": oversized, "expectContinue": true}), 413),
    ];
    for hook in ["/validate", "/mutate"] {
        for (what, call, code) in &malformed {
            let mut call = call.clone();
            call["method"] = json!("POST");
            call["path"] = json!(format!("{hook}?timeout=10s"));
            let r = client.send(&ca, 10, &[json!({"raw": call})]).remove(0);
            assert_eq!(r["status"], *code, "{hook} {what}: {r}");
            let answer = r["body"].as_str().unwrap();
            assert!(serde_json::from_str::<Value>(answer).is_err() && !answer.contains("\"allowed\":true"), "{hook} {what}: no review is answered: {answer}");
        }
    }
    // The well-formed body the cases vary is allowed: what failed them is what they vary.
    let r = client.raw(&ca, "POST", "/validate", Some(good("good")));
    assert!(r["status"] == 200 && r["body"].as_str().unwrap().contains("\"allowed\":true"), "{r}");
    // A refusal names the uid when one can be read, in the answer and in the log.
    let r = client.raw(&ca, "POST", "/validate", Some(with("bad-version", "/apiVersion", json!("admission.k8s.io/v1beta1"))));
    assert!(r["body"].as_str().unwrap().contains("request uid \"bad-version\"") && r["body"].as_str().unwrap().contains("v1beta1"), "{r}");
    assert!(log_lines(log).iter().any(|l| l["msg"] == "review refused" && l["uid"] == "bad-version" && l["error"].as_str().unwrap().contains("v1beta1")));

    // kubectl-shaped objects.
    for args in [vec!["create", "deployment", "web", "--image", &s], vec!["create", "job", "batch", "--image", &u], vec!["create", "cronjob", "nightly", "--image", &s, "--schedule", "@hourly"]] {
        let mut full = args.clone();
        full.extend_from_slice(&["--dry-run=client", "-o", "json"]);
        let out = Command::new("kubectl").args(&full).output().expect("kubectl (Debian package kubernetes-client)");
        assert!(out.status.success(), "kubectl {full:?}: {}", String::from_utf8_lossy(&out.stderr));
        let object: Value = serde_json::from_slice(&out.stdout).unwrap();
        let r = client.send(&ca, 10, &[json!({"review": {"webhook": "validate", "uid": "kubectl", "namespace": "default", "object": object}})]);
        assert_eq!(allowed(&r[0]), !args.contains(&u.as_str()), "kubectl {args:?}: {}", r[0]);
    }

    // Mutating: tags pinned to the verified digest, digests left alone; a denial has no patch.
    let by_digest = format!("{}/signed@{signed}", reg.host);
    let r = client.send(&ca, 10, &[review("mutate", "m1", "Deployment", "default", &[&s, &by_digest], &[&s], &[]), review("mutate", "m2", "Pod", "default", &[&u], &[], &[])]);
    assert!(allowed(&r[0]), "{}", r[0]);
    // RFC 6902 operations, as the Go client decoded them from base64 (`[]byte`).
    let patch = r[0]["patch"].clone();
    let pinned = format!("{s}@{signed}");
    assert_eq!(
        patch,
        json!([{"op": "replace", "path": "/spec/template/spec/initContainers/0/image", "value": pinned}, {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": pinned}])
    );
    assert_eq!(response(&r[0])["patchType"], "JSONPatch");
    assert!(!allowed(&r[1]) && r[1].get("patch").is_none(), "{}", r[1]);
    // The pinned reference is what the validating webhook then sees: allowed by digest.
    let r = client.send(&ca, 10, &[review("validate", "pinned", "Pod", "default", &[&pinned], &[], &[])]);
    assert!(allowed(&r[0]), "{}", r[0]);

    // A multi-platform tag (`registry.multiPlatform` "index", the default) is decided on the
    // index it names, by the index's own signature (what `cosign verify` checks for a tag), and
    // the mutating webhook pins the index, so each node picks its platform from what was
    // verified (as Kyverno's `mutateDigest` pins what the tag resolves to). An index whose
    // amd64 manifest alone is signed is denied: the index binds its arm64 manifest too.
    let (index, _, _) = common::push_index(&reg.host, &dir, "multi");
    cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], false, &format!("{}/multi@{index}", reg.host), &dir);
    let (_, amd64, _) = common::push_index(&reg.host, &dir, "multi-amd64");
    cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], false, &format!("{}/multi-amd64@{amd64}", reg.host), &dir);
    let (m, m64) = (format!("{}/multi:v1", reg.host), format!("{}/multi-amd64:v1", reg.host));
    let r = client.send(&ca, 10, &[review("mutate", "multi", "Pod", "default", &[&m], &[], &[]), review("validate", "multi-amd64", "Pod", "default", &[&m64], &[], &[])]);
    assert!(allowed(&r[0]), "{}", r[0]);
    assert_eq!(r[0]["patch"], json!([{"op": "replace", "path": "/spec/containers/0/image", "value": format!("{m}@{index}")}]));
    assert!(!allowed(&r[1]) && message(&r[1]).contains("requirement 0 (sigstoreSigned) not satisfied"), "{}", r[1]);
    let r = client.send(&ca, 10, &[review("validate", "multi-pinned", "Pod", "default", &[&format!("{m}@{index}")], &[], &[])]);
    assert!(allowed(&r[0]), "{}", r[0]);

    // A dry run writes no audit record; the same request without it does.
    let before = audit_records(&audit);
    let mut dry = review("validate", "dry", "Pod", "default", &[&s, &u], &[], &[]);
    dry["review"]["dryRun"] = json!(true);
    let r = client.send(&ca, 10, &[dry]);
    assert!(!allowed(&r[0]));
    assert_eq!(audit_records(&audit), before, "a dry run is not audited");
    client.send(&ca, 10, &[review("validate", "wet", "Pod", "default", &[&s, &u], &[], &[])]);
    assert_eq!(audit_records(&audit), before + 2);
    assert!(sealcheck::audit::verify(&std::fs::read(&audit).unwrap()).is_ok(), "the audit chain holds");

    // Per-namespace policies: "open" accepts anything; "warned" (a ClusterImagePolicy in warn
    // mode) allows with a warning; others fall back to the default.
    let r = client.send(&ca, 10, &[review("validate", "open", "Pod", "open", &[&u], &[], &[]), review("validate", "warned", "Pod", "warned", &[&u], &[], &[]), review("validate", "other-ns", "Pod", "team-z", &[&u], &[], &[])]);
    assert!(allowed(&r[0]), "{}", r[0]);
    assert!(allowed(&r[1]), "{}", r[1]);
    let warnings = response(&r[1])["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("warn mode") && w.as_str().unwrap().contains(&u)), "{warnings:?}");
    assert!(!allowed(&r[2]), "{}", r[2]);

    // Reload: a bad file keeps the whole old set (and is counted); a good one applies.
    let errors = |c: &Client| metric(c.raw(&ca, "GET", "/metrics", None)["body"].as_str().unwrap(), "sealcheck_policy_reload_errors_total");
    let errors_before = errors(&client);
    std::fs::write(ns_dir.join("open.json"), r#"{"default": [{"type": "noSuchRequirement"}]}"#).unwrap();
    eventually("the reload error is counted", || errors(&client) > errors_before);
    let r = client.send(&ca, 10, &[review("validate", "open-kept", "Pod", "open", &[&u], &[], &[])]);
    assert!(allowed(&r[0]), "the old set is kept: {}", r[0]);
    // Reported on /readyz (still 200: the old set is served) and in the log, naming the file
    // and what is wrong with it.
    let ready = client.raw(&ca, "GET", "/readyz", None);
    let says = ready["body"].as_str().unwrap();
    assert!(ready["status"] == 200 && says.contains("policy reload failed") && says.contains("open.json") && says.contains("noSuchRequirement"), "{ready}");
    let failed: Vec<Value> = log_lines(log).into_iter().filter(|l| l["msg"] == "policy reload failed; keeping the policies in force").collect();
    assert!(failed.iter().any(|l| l["level"] == "error" && l["error"].as_str().unwrap().contains("open.json") && l["error"].as_str().unwrap().contains("noSuchRequirement")), "{failed:?}");
    std::fs::write(ns_dir.join("open.json"), key_policy(&dir, "signer").to_string()).unwrap();
    eventually("the new policy applies", || !allowed(&client.send(&ca, 10, &[review("validate", "open-new", "Pod", "open", &[&u], &[], &[])])[0]));
    assert_eq!(client.raw(&ca, "GET", "/readyz", None)["body"], "ok\n", "the failure is no longer reported once a set loads");

    // Gatekeeper: one item per key, in order; a bad request is a systemError.
    let keys = json!({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest", "request": {"keys": [s, u, "Not A Reference", s]}});
    let r = client.raw(&ca, "POST", "/gatekeeper", Some(keys));
    assert_eq!(r["status"], 200);
    let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    let items = body["response"]["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["key"].as_str().unwrap()).collect::<Vec<_>>(), [s.as_str(), u.as_str(), "Not A Reference", s.as_str()]);
    assert_eq!(items[0]["value"]["allowed"], true);
    assert_eq!(items[0]["value"]["digest"], signed);
    assert!(items[0].get("error").is_none());
    assert!(items[1]["error"].as_str().unwrap().contains("requirement 0"), "{}", items[1]);
    assert!(!items[2]["error"].as_str().unwrap().is_empty());
    assert!(body["response"].get("systemError").is_none());
    // 50 keys in one request (signed by tag and by digest, unsigned, signed by another key, a
    // missing tag, references that do not parse): 50 items in order, each failing key with its
    // own error, no systemError (Gatekeeper website/docs/externaldata.md: `error` per item,
    // `systemError` for a failure of the whole request).
    let key = |i: usize| match i % 6 {
        0 => s.clone(),
        1 => by_digest.clone(),
        2 => u.clone(),
        3 => x.clone(),
        4 => format!("{}/signed:missing-{i}", reg.host),
        _ => format!("Not A Reference {i}"),
    };
    let keys: Vec<String> = (0..50).map(key).collect();
    let r = client.raw(&ca, "POST", "/gatekeeper", Some(json!({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest", "request": {"keys": keys}})));
    assert_eq!(r["status"], 200, "{r}");
    let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert!(body["response"].get("systemError").is_none(), "{body}");
    let items = body["response"]["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["key"].as_str().unwrap()).collect::<Vec<_>>(), keys);
    for (i, item) in items.iter().enumerate() {
        let error = item.get("error").and_then(Value::as_str).unwrap_or_default();
        match i % 6 {
            0 | 1 => assert!(item["value"]["allowed"] == true && item["value"]["digest"] == signed && error.is_empty(), "{i}: {item}"),
            2 | 3 => assert!(item["value"]["allowed"] == false && error.contains("requirement 0 (sigstoreSigned) not satisfied"), "{i}: {item}"),
            4 => assert!(item["value"]["allowed"] == false && error.contains(&format!("missing-{i}")), "{i}: {item}"),
            _ => assert!(item["value"]["allowed"] == false && error.contains(&format!("Not A Reference {i}")), "{i}: {item}"),
        }
        assert!(!item["value"]["reason"].as_str().unwrap().is_empty(), "{i}: {item}");
    }
    let bad = client.raw(&ca, "POST", "/gatekeeper", Some(json!({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "Nope", "request": {"keys": []}})));
    let body: Value = serde_json::from_str(bad["body"].as_str().unwrap()).unwrap();
    assert!(body["response"]["systemError"].as_str().unwrap().contains("Nope"), "{body}");

    // A hung registry: denied by the deadline the request's timeout leaves (2 s less the
    // margin), with the reason, long before the registry client's own timeout.
    let stuck = format!("{hung_host}/app:v1");
    let started = Instant::now();
    let before = audit_records(&audit);
    let r = client.send(&ca, 2, &[review("validate", "hung", "Pod", "default", &[&stuck], &[], &[])]);
    assert!(!allowed(&r[0]) && message(&r[0]).contains("deadline") && message(&r[0]).contains(&stuck), "{}", r[0]);
    assert!(started.elapsed() < Duration::from_secs(8), "answered before the registry timeout");
    // Recorded as the denial it was.
    assert_eq!(audit_records(&audit), before + 1);
    let last: Value = serde_json::from_str(std::fs::read_to_string(&audit).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!(last["decision"]["allowed"], false);
    assert!(last["decision"]["reason"].as_str().unwrap().contains("deadline"), "{last}");
    drop(hung);

    // Metrics moved.
    let text = client.raw(&ca, "GET", "/metrics", None)["body"].as_str().unwrap().to_string();
    assert!(metric(&text, "sealcheck_decisions_total{verdict=\"allow\",namespace=\"default\"}") > 0.0, "{text}");
    assert!(metric(&text, "sealcheck_decisions_total{verdict=\"deny\",namespace=\"default\"}") > 0.0);
    assert!(metric(&text, "sealcheck_decisions_total{verdict=\"allow\",namespace=\"open\"}") > 0.0);
    assert!(metric(&text, "sealcheck_deadline_exceeded_total") >= 1.0);
    assert!(metric(&text, "sealcheck_tag_cache_hits_total") > 0.0, "tags are cached");
    assert!(metric(&text, "sealcheck_fact_cache_hits_total") > 0.0, "facts are cached");
    // Evidence too; the policy edits above applied all the same (decisions are made again).
    assert!(metric(&text, "sealcheck_evidence_cache_hits_total") > 0.0 && metric(&text, "sealcheck_evidence_cache_misses_total") > 0.0, "evidence is cached");
    assert!(metric(&text, "sealcheck_decision_seconds_count") > 0.0);
    assert!(metric(&text, "sealcheck_ready") == 1.0);

    // Certificate files are followed: a bad pair keeps the old one; a new pair is served.
    let tls_errors = |c: &Client, ca: &Path| metric(c.raw(ca, "GET", "/metrics", None)["body"].as_str().unwrap(), "sealcheck_tls_reload_errors_total");
    std::fs::write(pki.path("server.crt"), "not a certificate").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    eventually("the bad pair is counted", || tls_errors(&client, &ca) >= 1.0);
    assert_eq!(client.raw(&ca, "GET", "/healthz", None)["status"], 200, "the old pair is still served");
    let other = common::Pki::generate(&dir.join("pki2"));
    std::fs::copy(other.path("server.key"), pki.path("server.key")).unwrap();
    std::fs::copy(other.path("server.crt"), pki.path("server.crt")).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    eventually("the new pair is served", || client.raw(&other.path("ca.crt"), "GET", "/healthz", None)["status"] == 200);
    assert!(client.raw(&ca, "GET", "/healthz", None)["error"].as_str().unwrap_or_default().contains("certificate"), "the old CA no longer verifies it");

    server.shutdown();

    // `"unknownKinds": "allow"`: another kind passes, with a warning saying it was not decided.
    let config = json!({"admission": {"policy": default_policy, "registry": {"insecure": [reg.host]}}, "listen": "127.0.0.1:0",
                        "tls": {"cert": pki.path("server.crt"), "key": pki.path("server.key")}, "unknownKinds": "allow"});
    let lenient = Server::start(&ServeConfig::from_json(config.to_string().as_bytes()).unwrap(), CryptoProvider::by_name("aws-lc").unwrap()).unwrap();
    let client = Client { base: format!("https://{}", lenient.local_addr()), ..client };
    let ca = other.path("ca.crt");
    eventually("/readyz 200", || client.raw(&ca, "GET", "/readyz", None)["status"] == 200);
    let r = client.send(&ca, 10, &[review("validate", "cm", "ConfigMap", "default", &[], &[], &[]), review("validate", "still", "Pod", "default", &[&u], &[], &[])]);
    assert!(allowed(&r[0]), "{}", r[0]);
    assert!(response(&r[0])["warnings"][0].as_str().unwrap().contains("not decided"), "{}", r[0]);
    assert!(!allowed(&r[1]), "workloads are still decided: {}", r[1]);
    lenient.shutdown();
}
