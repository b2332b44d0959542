//! The Kubernetes manifests (`deploy/kubernetes`): every document decodes strictly (no unknown
//! field) into its k8s.io/api v0.37.2 type (`tests/k8sclient manifests`, the types kubectl and
//! the API server decode with; `kubectl create --dry-run=client` itself needs a cluster for its
//! REST mapping, so it cannot run here), and they agree with each other and with the server:
//! `failurePolicy: Fail`, the webhook's own namespace excluded, `timeoutSeconds` above the
//! server's deadline, the routes and the Service the server has, the config file `sealcheck
//! serve` reads, every workload resource of `crate::workload` registered.
//!
//! `#[ignore]`: needs Go (the client is built from its pinned go.mod); `.ci/run` runs it.

mod webhook_client;

use std::path::Path;
use std::process::Command;

use sealcheck_admission::server::ServeConfig;
use serde_json::Value;

fn decode(bin: &Path, files: &[&Path]) -> Result<Vec<Value>, String> {
    let out = Command::new(bin).arg("manifests").args(files).output().unwrap();
    if out.status.success() { Ok(serde_json::from_slice(&out.stdout).unwrap()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

#[test]
#[ignore = "needs Go to build tests/k8sclient (run by .ci/run)"]
fn manifests_decode_with_the_kubernetes_types_and_fit_the_server() {
    let dir = std::env::temp_dir().join(format!("sealcheck-webhook-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = webhook_client::build_client(&dir);
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/kubernetes");
    // The webhook configurations carry CA_BUNDLE until installed (README, "Kubernetes").
    let webhooks = std::fs::read_to_string(deploy.join("webhooks/webhooks.yaml")).unwrap().replace("CA_BUNDLE", "Q0E=");
    std::fs::write(dir.join("webhooks.yaml"), webhooks).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&deploy).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
    files.sort();
    files.push(dir.join("webhooks.yaml"));
    let objects = decode(&bin, &files.iter().map(|p| p.as_path()).collect::<Vec<_>>()).unwrap();
    let of = |kind: &str| objects.iter().filter(|o| o["kind"] == kind).collect::<Vec<_>>();
    for kind in ["Namespace", "ConfigMap", "Deployment", "Service", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"] {
        assert_eq!(of(kind).len(), 1, "one {kind}");
    }
    let namespace = of("Namespace")[0]["metadata"]["name"].as_str().unwrap().to_string();
    let service = of("Service")[0];
    let config = ServeConfig::from_json(of("ConfigMap")[0]["data"]["serve.json"].as_str().unwrap().as_bytes()).unwrap();
    let deadline = config.admission.deadline();
    let listen_port: u16 = config.listen.as_deref().unwrap().rsplit(':').next().unwrap().parse().unwrap();
    let deployment = of("Deployment")[0];
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["ports"][0]["containerPort"], listen_port);
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    let mounts: Vec<&str> = container["volumeMounts"].as_array().unwrap().iter().map(|m| m["mountPath"].as_str().unwrap()).collect();
    for path in [&config.admission.policy, &config.tls.cert, config.policy_dir.as_ref().unwrap(), config.admission.audit_log.as_ref().unwrap()] {
        assert!(mounts.iter().any(|m| path.starts_with(m)), "{} is mounted", path.display());
    }
    // k8s.io/api admissionregistration/v1: ValidatingWebhook / MutatingWebhook.
    let resources = ["pods", "pods/ephemeralcontainers", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs"];
    for (kind, path) in [("ValidatingWebhookConfiguration", "/validate"), ("MutatingWebhookConfiguration", "/mutate")] {
        let hook = &of(kind)[0]["webhooks"][0];
        assert_eq!(hook["failurePolicy"], "Fail", "{kind}");
        assert_eq!(hook["admissionReviewVersions"], serde_json::json!(["v1"]), "{kind}");
        assert!(u64::from(u32::try_from(hook["timeoutSeconds"].as_u64().unwrap()).unwrap()) * 1000 > u64::try_from(deadline.as_millis()).unwrap(), "{kind}: timeout above the deadline");
        let svc = &hook["clientConfig"]["service"];
        assert_eq!((svc["path"].as_str(), svc["name"].as_str(), svc["namespace"].as_str()), (Some(path), service["metadata"]["name"].as_str(), Some(namespace.as_str())), "{kind}");
        assert_eq!(svc["port"], service["spec"]["ports"][0]["port"]);
        let excluded = &hook["namespaceSelector"]["matchExpressions"][0];
        assert_eq!((excluded["key"].as_str(), excluded["operator"].as_str()), (Some("kubernetes.io/metadata.name"), Some("NotIn")));
        assert!(excluded["values"].as_array().unwrap().iter().any(|v| v == namespace.as_str()), "{kind} excludes {namespace}");
        let registered: Vec<&str> = hook["rules"].as_array().unwrap().iter().flat_map(|r| r["resources"].as_array().unwrap().iter().map(|v| v.as_str().unwrap())).collect();
        for r in resources {
            assert!(registered.contains(&r), "{kind} registers {r}");
        }
    }
    // The decoding is strict: a misspelt field is refused.
    std::fs::write(dir.join("typo.yaml"), std::fs::read_to_string(dir.join("webhooks.yaml")).unwrap().replacen("    failurePolicy: Fail", "    failurePolicyy: Fail", 1)).unwrap();
    assert!(decode(&bin, &[&dir.join("typo.yaml")]).unwrap_err().contains("failurePolicyy"));
    let _ = std::fs::remove_dir_all(&dir);
}
