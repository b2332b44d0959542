//! The registry source against the real programs (`tests/support/peers.rs`): a distribution v3
//! `registry` on 127.0.0.1 (no referrers API: cosign v3 bundles are found through the
//! `sha256-<hex>` tag), images pushed with `oras` and signed with the real `cosign` v3.1.3 in
//! both formats plus a legacy attestation. Every decision from `docker://` must equal the
//! decision from the OCI layouts `cosign save` and `oras cp -r --to-oci-layout` export of the
//! same image, under every policy (acceptance 1 and 2 of the registries issue); a registry
//! behind htpasswd Basic auth is read with credentials from an auth file and refused without.
//!
//! `#[ignore]`: `.ci/run` builds the peers and runs these with `SEALCHECK_PEERS`.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
mod common;

use std::path::Path;
use std::sync::Arc;

use common::{collect, layout, projection};
use peers::{Registry, cosign_key_pairs, cosign_with_key, peer, push_image, scratch};
use sealcheck::oci::Reference;
use sealcheck::policy::{FsFiles, containers};
use sealcheck::{CryptoProvider, ErrorClass, ImageVerifier, UnixTime};
use sealcheck_registry::{AuthFiles, Options};
use serde_json::json;

/// The plain-HTTP test options with `auth`.
fn options(host: &str, auth: AuthFiles) -> Options {
    Options { auth_files: auth, ..common::options(host) }
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn registry_decisions_equal_layout_decisions() {
    let dir = scratch("registry-source");
    let reg = Registry::start(&dir);
    cosign_key_pairs(&dir, &["signer", "other"]);
    let key = dir.join("signer/cosign.key");
    let run = |verb: &str, extra: &[&str], bundle: bool, image: &str| cosign_with_key(verb, &key, extra, bundle, image, &dir);
    std::fs::write(dir.join("predicate.json"), r#"{"builder":"sealcheck test"}"#).unwrap();
    let legacy = push_image(&reg, &dir, "legacy", "legacy image layer", &[]);
    run("sign", &[], false, &format!("{}/legacy@{legacy}", reg.host));
    run("attest", &["--type", "https://sealcheck.test/predicate/v1", "--predicate", "predicate.json"], false, &format!("{}/legacy@{legacy}", reg.host));
    let v3 = push_image(&reg, &dir, "v3", "v3 image layer", &[]);
    run("sign", &[], true, &format!("{}/v3@{v3}", reg.host));
    let saved = dir.join("legacy-saved");
    peer("cosign", &["save", "--allow-insecure-registry", "--allow-http-registry", "--dir", saved.to_str().unwrap(), &format!("{}/legacy@{legacy}", reg.host)], &dir);
    let v3_layout = dir.join("v3-layout");
    peer("oras", &["cp", "--from-plain-http", "-r", &format!("{}/v3:v1", reg.host), "--to-oci-layout", &format!("{}:v1", v3_layout.display())], &dir);

    let key_req = |k: &str, identity: &str| json!({ "type": "sigstoreSigned", "keyPath": dir.join(k).join("cosign.pub"), "signedIdentity": { "type": identity } });
    let mut attest = key_req("signer", "sealcheckMatchDigest");
    attest["sealcheckPredicateType"] = json!("https://sealcheck.test/predicate/v1");
    let policies = [
        ("key matchRepository", json!({ "default": [key_req("signer", "matchRepository")] })),
        ("key sealcheckMatchDigest", json!({ "default": [key_req("signer", "sealcheckMatchDigest")] })),
        ("other key", json!({ "default": [key_req("other", "sealcheckMatchDigest")] })),
        ("attestation", json!({ "default": [attest] })),
        ("accept", json!({ "default": [{ "type": "insecureAcceptAnything" }] })),
    ];
    let provider = CryptoProvider::default();
    let now = UnixTime::now();
    let mut allowed = 0;
    for (name, policy) in &policies {
        let v = ImageVerifier::new(Arc::new(containers::compile(policy.to_string().as_bytes(), &FsFiles, provider.backend()).unwrap()), provider);
        for (repo, digest, spec) in [
            ("legacy", &legacy, format!("{}@{legacy}", saved.display())),
            ("v3", &v3, format!("{}:v1", v3_layout.display())),
        ] {
            for r in [format!("{}/{repo}:v1", reg.host), format!("{}/{repo}@{digest}", reg.host)] {
                let reference = Reference::parse(&r).unwrap();
                let (ev, resolved) = collect(&reference, reference.clone(), &options(&reg.host, AuthFiles(Vec::new())), &provider).unwrap_or_else(|e| panic!("{r}: {e}"));
                assert_eq!(&resolved.digest.to_string(), digest);
                let from_registry = v.decide(&ev, now);
                let from_layout = v.decide(&layout(&spec, &reference), now);
                assert_eq!(projection(&from_registry), projection(&from_layout), "policy {name}, {r}: {} / {}", from_registry.reason, from_layout.reason);
                allowed += usize::from(from_registry.allowed);
                if *name == "attestation" && repo == "legacy" {
                    assert!(from_registry.allowed, "the .att attestation is found: {}", from_registry.reason);
                }
                if *name == "key sealcheckMatchDigest" {
                    assert!(from_registry.allowed, "{r}: {}", from_registry.reason);
                    let origin = &from_registry.requirements[0].signatures.iter().find(|s| s.accepted).unwrap().origin;
                    let expected = if repo == "v3" { "referrers tag sha256-" } else { "tag sha256-" };
                    assert!(origin.starts_with(expected), "{origin}");
                }
                if *name == "other key" {
                    assert!(!from_registry.allowed);
                }
            }
        }
    }
    assert!(allowed >= 10, "{allowed} allowed");
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}

fn htpasswd(dir: &Path, user: &str, password: &str) -> std::path::PathBuf {
    let f = dir.join("htpasswd");
    std::fs::write(&f, format!("{user}:{}\n", bcrypt::hash(password, 5).unwrap())).unwrap();
    f
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn basic_auth_with_credentials_from_an_auth_file() {
    let dir = scratch("registry-basic");
    let passwords = htpasswd(&dir, "alice", "s3cret");
    let reg = Registry::start_with(&dir, &format!("auth:\n  htpasswd:\n    realm: sealcheck\n    path: {}\n", passwords.display()));
    let digest = push_image(&reg, &dir, "app", "private layer", &["-u", "alice", "-p", "s3cret"]);
    let reference = Reference::parse(&format!("{}/app:v1", reg.host)).unwrap();
    let provider = CryptoProvider::default();
    let auth = dir.join("auth.json");
    let write_auth = |pw: &str| {
        let b64 = base64ct::Base64::encode_string(format!("alice:{pw}").as_bytes());
        std::fs::write(&auth, format!(r#"{{"auths":{{"{}":{{"auth":"{b64}"}}}}}}"#, reg.host)).unwrap();
    };
    use base64ct::Encoding as _;
    write_auth("s3cret");
    let (ev, resolved) = collect(&reference, reference.clone(), &options(&reg.host, AuthFiles(vec![auth.clone()])), &provider).expect("read with credentials");
    assert_eq!(resolved.digest.to_string(), digest);
    assert!(ev.manifest().is_some());
    // Without credentials, and with wrong ones: input errors naming the status.
    let e = collect(&reference, reference.clone(), &options(&reg.host, AuthFiles(Vec::new())), &provider).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains("status 401"), "{e}");
    write_auth("wrong");
    let e = collect(&reference, reference.clone(), &options(&reg.host, AuthFiles(vec![auth])), &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("credentials were refused"), "{e}");
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}
