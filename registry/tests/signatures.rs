//! Where signatures are found, against the real programs: cosign v3 bundles through the
//! referrers API (go-containerregistry's registry with the API on, `refregistry`) and through
//! the `sha256-<hex>` fallback tag (distribution, which has no referrers API), each decision
//! equal to the one on the `oras cp -r --to-oci-layout` export; a multi-arch index signed at the
//! index and for one platform, decided per `--platform` and `sealcheckIndexSignatures`; and
//! registries.d: lookaside storage over `file://` and `http://`, and `use-sigstore-attachments`.
//!
//! `#[ignore]`: `.ci/run` builds the peers and runs these with `SEALCHECK_PEERS`.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
mod common;

use std::path::Path;

use common::{RefRegistry, StaticServer, collect, layout, options, projection, push_index, push_platform_image, verifier};
use peers::{Registry, cosign_key_pairs, cosign_with_key, peer, scratch};
use sealcheck::oci::Reference;
use sealcheck::policy::Matched;
use sealcheck::{CryptoProvider, ErrorClass, UnixTime};
use sealcheck_registry::{AttachmentsDefault, BlobFormat, Options, Platform, RegistriesD, RegistriesDirs};
use serde_json::{Value, json};

fn key_requirement(dir: &Path, key: &str, identity: &str) -> Value {
    json!({ "type": "sigstoreSigned", "keyPath": dir.join(key).join("cosign.pub"), "signedIdentity": { "type": identity } })
}

/// One image signed with a v3 bundle on `host`; the decisions from the registry and from the
/// `oras cp -r` layout, under three policies; returns where the accepted bundle was found.
fn bundle_decisions(host: &str, dir: &Path, repo: &str) -> String {
    let digest = push_platform_image(host, dir, repo, "v1", &format!("{repo} layer"), "linux", "amd64", &[]);
    cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], true, &format!("{host}/{repo}@{digest}"), dir);
    let exported = dir.join(format!("{repo}-layout"));
    peer("oras", &["cp", "--from-plain-http", "-r", &format!("{host}/{repo}:v1"), "--to-oci-layout", &format!("{}:v1", exported.display())], dir);
    let spec = format!("{}:v1", exported.display());
    let policies = [
        ("key sealcheckMatchDigest", json!({ "default": [key_requirement(dir, "signer", "sealcheckMatchDigest")] }), true),
        // cosign v3 bundles name no repository: matchRepository rejects them (on both sources).
        ("key matchRepository", json!({ "default": [key_requirement(dir, "signer", "matchRepository")] }), false),
        ("other key", json!({ "default": [key_requirement(dir, "other", "sealcheckMatchDigest")] }), false),
    ];
    let provider = CryptoProvider::default();
    let now = UnixTime::now();
    let mut origin = String::new();
    for (name, policy, allowed) in &policies {
        let v = verifier(policy);
        for r in [format!("{host}/{repo}:v1"), format!("{host}/{repo}@{digest}")] {
            let reference = Reference::parse(&r).unwrap();
            let (ev, resolved) = collect(&reference, reference.clone(), &options(host), &provider).unwrap_or_else(|e| panic!("{r}: {e}"));
            assert_eq!(resolved.digest.to_string(), digest);
            let from_registry = v.decide(&ev, now);
            let from_layout = v.decide(&layout(&spec, &reference), now);
            assert_eq!(projection(&from_registry), projection(&from_layout), "policy {name}, {r}: {} / {}", from_registry.reason, from_layout.reason);
            assert_eq!(from_registry.allowed, *allowed, "policy {name}, {r}: {}", from_registry.reason);
            if *allowed {
                origin.clone_from(&from_registry.requirements[0].signatures.iter().find(|s| s.accepted).unwrap().origin);
            }
        }
    }
    origin
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn v3_bundles_through_the_referrers_api_and_the_fallback_tag() {
    let dir = scratch("registry-referrers");
    cosign_key_pairs(&dir, &["signer", "other"]);
    // go-containerregistry's referrers API: cosign (through go-containerregistry's remote
    // writer) sees it answer and writes no fallback tag. Its index entries carry the config's
    // media type (the empty config) as artifactType, not the manifest's.
    let refreg = RefRegistry::start();
    let origin = bundle_decisions(&refreg.host, &dir, "viaapi");
    assert!(origin.starts_with("referrer sha256:"), "found through the referrers API: {origin}");
    // distribution: no referrers API; cosign writes the sha256-<hex> fallback tag.
    let storage = dir.join("distribution");
    std::fs::create_dir_all(&storage).unwrap();
    let reg = Registry::start(&storage);
    let origin = bundle_decisions(&reg.host, &dir, "viatag");
    assert!(origin.starts_with("referrers tag sha256-"), "found through the fallback tag: {origin}");
    drop((refreg, reg));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn multi_arch_platforms_and_index_signatures() {
    let dir = scratch("registry-multiarch");
    let reg = Registry::start(&dir);
    cosign_key_pairs(&dir, &["signer"]);
    let (index, amd64, arm64) = push_index(&reg.host, &dir, "multi");
    let key = dir.join("signer/cosign.key");
    // The index, and the amd64 manifest only.
    cosign_with_key("sign", &key, &[], false, &format!("{}/multi@{index}", reg.host), &dir);
    cosign_with_key("sign", &key, &[], false, &format!("{}/multi@{amd64}", reg.host), &dir);

    let provider = CryptoProvider::default();
    let now = UnixTime::now();
    let plain = key_requirement(&dir, "signer", "matchRepository");
    let mut with_index = plain.clone();
    with_index["sealcheckIndexSignatures"] = json!(true);
    let reference = Reference::parse(&format!("{}/multi:v1", reg.host)).unwrap();
    let cases = [
        ("linux/amd64", &plain, &amd64, Some(Matched::Manifest)),
        ("linux/arm64", &plain, &arm64, None),
        ("linux/amd64", &with_index, &amd64, Some(Matched::Manifest)),
        ("linux/arm64", &with_index, &arm64, Some(Matched::Index)),
    ];
    for (platform, requirement, digest, matched) in cases {
        let v = verifier(&json!({ "default": [requirement] }));
        let o = Options { platform: Some(Platform::parse(platform).unwrap()), ..options(&reg.host) };
        let (ev, resolved) = collect(&reference, reference.clone(), &o, &provider).unwrap_or_else(|e| panic!("{platform}: {e}"));
        assert_eq!(&resolved.digest.to_string(), digest, "{platform}");
        assert_eq!(resolved.index.map(|d| d.to_string()), Some(index.clone()));
        assert_eq!(resolved.platform.as_deref(), Some(platform));
        let d = v.decide(&ev, now);
        let index_option = requirement.get("sealcheckIndexSignatures").is_some();
        assert_eq!(d.allowed, matched.is_some(), "{platform}, sealcheckIndexSignatures {index_option}: {}", d.reason);
        let accepted = d.requirements[0].signatures.iter().find(|s| s.accepted).and_then(|s| s.matched);
        assert_eq!(accepted, matched, "{platform}, sealcheckIndexSignatures {index_option}");
    }
    // `name:tag@digest` of a platform manifest the tag's index lists (what the mutating webhook
    // pins with `multiPlatform: "platform"`): decided on that manifest together with the index,
    // whatever the platform option says, so index signatures count as for the tag.
    for (pinned, requirement, matched) in [(&arm64, &with_index, Some(Matched::Index)), (&arm64, &plain, None), (&amd64, &plain, Some(Matched::Manifest))] {
        let r = Reference::parse(&format!("{}/multi:v1@{pinned}", reg.host)).unwrap();
        let (ev, resolved) = collect(&r, r.clone(), &options(&reg.host), &provider).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!((&resolved.digest.to_string(), resolved.index.map(|d| d.to_string())), (pinned, Some(index.clone())), "{r}");
        let d = verifier(&json!({ "default": [requirement] })).decide(&ev, now);
        assert_eq!(d.requirements[0].signatures.iter().find(|s| s.accepted).and_then(|s| s.matched), matched, "{r}: {}", d.reason);
    }
    // Options::decide_index: the tag is decided on the index it names (its own signature), as
    // `cosign verify` checks what a tag names; the platform is not consulted, and a repository
    // whose index is unsigned (only its amd64 manifest signed) is denied, index signatures
    // accepted or not.
    let o = Options { decide_index: true, platform: Some(Platform::parse("linux/s390x").unwrap()), ..options(&reg.host) };
    let (ev, resolved) = collect(&reference, reference.clone(), &o, &provider).unwrap();
    assert_eq!((resolved.digest.to_string(), resolved.index, resolved.platform), (index.clone(), None, None));
    let d = verifier(&json!({ "default": [plain] })).decide(&ev, now);
    assert!(d.allowed, "{}", d.reason);
    assert_eq!(d.manifest_digest.map(|m| m.to_string()), Some(index.clone()));
    let (index2, amd64_2, _) = push_index(&reg.host, &dir, "multi2");
    cosign_with_key("sign", &key, &[], false, &format!("{}/multi2@{amd64_2}", reg.host), &dir);
    let only_amd64 = Reference::parse(&format!("{}/multi2:v1", reg.host)).unwrap();
    let (ev, resolved) = collect(&only_amd64, only_amd64.clone(), &o, &provider).unwrap();
    assert_eq!(resolved.digest.to_string(), index2);
    for requirement in [&plain, &with_index] {
        let d = verifier(&json!({ "default": [requirement] })).decide(&ev, now);
        assert!(!d.allowed && d.reason.contains("no signatures"), "the index is not signed: {}", d.reason);
    }
    // Without decide_index, the same repository's amd64 manifest is what is decided: allowed.
    let (ev, _) = collect(&only_amd64, only_amd64.clone(), &Options { platform: Some(Platform::parse("linux/amd64").unwrap()), ..options(&reg.host) }, &provider).unwrap();
    assert!(verifier(&json!({ "default": [plain] })).decide(&ev, now).allowed);
    // A platform the index does not list is an input error, not a decision on another one.
    let o = Options { platform: Some(Platform::parse("linux/s390x").unwrap()), ..options(&reg.host) };
    let e = collect(&reference, reference.clone(), &o, &provider).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains("linux/s390x"), "{e}");
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn registries_d_lookaside_and_sigstore_attachments() {
    let dir = scratch("registry-registries-d");
    let reg = Registry::start(&dir);
    cosign_key_pairs(&dir, &["signer"]);
    let key = dir.join("signer/cosign.key");
    let digest = push_platform_image(&reg.host, &dir, "ns/app", "v1", "lookaside layer", "linux", "amd64", &[]);
    cosign_with_key("sign", &key, &[], false, &format!("{}/ns/app@{digest}", reg.host), &dir);
    let reference = Reference::parse(&format!("{}/ns/app:v1", reg.host)).unwrap();
    let provider = CryptoProvider::default();
    let now = UnixTime::now();
    let sigstore = verifier(&json!({ "default": [key_requirement(&dir, "signer", "matchRepository")] }));
    let gpg = verifier(&json!({ "default": [{ "type": "signedBy", "keyType": "GPGKeys", "keyPath": dir.join("signer/cosign.pub") }] }));

    // Lookaside storage: a GPG (simple-signing) signature and, as containers/image would store
    // one, the cosign signature in the storage form, copied from the registry's dir: export.
    let hex = digest.trim_start_matches("sha256:");
    let files = dir.join("lookaside");
    let sigdir = files.join(format!("sigs/ns/app@sha256={hex}"));
    std::fs::create_dir_all(&sigdir).unwrap();
    std::fs::write(sigdir.join("signature-1"), [0x89, 0x01, 0x33, 0x04, 0x00]).unwrap();
    let regd = dir.join("registries.d");
    std::fs::create_dir_all(&regd).unwrap();
    let with_regd = |yaml: &str| {
        std::fs::write(regd.join("sealcheck.yaml"), yaml).unwrap();
        Options { registries_d: RegistriesD { dirs: RegistriesDirs(vec![regd.clone()]), ..RegistriesD::default() }, ..options(&reg.host) }
    };

    // 1. No configuration: the cosign attachment is read (sealcheck's default), no lookaside.
    let (ev, resolved) = collect(&reference, reference.clone(), &options(&reg.host), &provider).unwrap();
    assert!(resolved.sigstore_attachments && resolved.sigstore_attachments_scope.is_none());
    assert!(sigstore.decide(&ev, now).allowed);
    // ...and as containers/image's default: not read, denied.
    let skip = Options { registries_d: RegistriesD { attachments_default: AttachmentsDefault::Skip, ..RegistriesD::default() }, ..options(&reg.host) };
    let (ev, resolved) = collect(&reference, reference.clone(), &skip, &provider).unwrap();
    assert!(!resolved.sigstore_attachments);
    assert!(!sigstore.decide(&ev, now).allowed, "no attachments read");

    // 2. file:// lookaside for the namespace, attachments off for the repository (most
    //    specific scope), on for the host: off wins.
    let o = with_regd(&format!(
        "docker:\n  {h}/ns:\n    lookaside: file://{files}/sigs\n  {h}/ns/app:\n    use-sigstore-attachments: false\n  {h}:\n    use-sigstore-attachments: true\n    lookaside: file:///nowhere\n",
        h = reg.host,
        files = files.display()
    ));
    let (ev, resolved) = collect(&reference, reference.clone(), &o, &provider).unwrap_or_else(|e| panic!("{e}"));
    assert!(!resolved.sigstore_attachments);
    assert_eq!(resolved.sigstore_attachments_scope.as_deref(), Some(format!("{}/ns/app", reg.host).as_str()));
    assert_eq!(resolved.lookaside.as_deref(), Some(format!("file://{}/sigs", files.display()).as_str()));
    assert_eq!(resolved.lookaside_signatures.len(), 1);
    assert_eq!(resolved.lookaside_signatures[0].format, BlobFormat::SimpleSigning);
    assert!(!resolved.lookaside_signatures[0].evidence);
    let d = sigstore.decide(&ev, now);
    assert!(!d.allowed, "attachments off: the cosign signature is not read: {}", d.reason);
    let d = gpg.decide(&ev, now);
    assert!(!d.allowed && d.requirements[0].reason.contains("GPG"), "signedBy rejects with its reason: {}", d.requirements[0].reason);

    // 3. A sigstore signature stored in lookaside (storage form) is evidence: with the
    //    attachments off, it alone allows. It is the registry's .sig layer in the containers
    //    storage form.
    let (ev_on, _) = collect(&reference, reference.clone(), &options(&reg.host), &provider).unwrap();
    let found = ev_on.items().iter().find(|f| f.origin.ends_with(".sig layer 0")).expect("the .sig layer");
    let sealcheck::oci::EvidenceItem::SimpleSigning(stored) = &found.item else { panic!("a simple-signing layer") };
    let mut storage = b"\0sigstore-json\n".to_vec();
    storage.extend(serde_json::to_vec(&json!({
        "mimeType": stored.media_type,
        "payload": <base64ct::Base64 as base64ct::Encoding>::encode_string(&stored.payload),
        "annotations": stored.annotations,
    })).unwrap());
    std::fs::write(sigdir.join("signature-2"), &storage).unwrap();
    let (ev, resolved) = collect(&reference, reference.clone(), &o, &provider).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resolved.lookaside_signatures.iter().map(|s| (s.format, s.evidence)).collect::<Vec<_>>(), [(BlobFormat::SimpleSigning, false), (BlobFormat::Sigstore, true)]);
    let d = sigstore.decide(&ev, now);
    assert!(d.allowed, "{}", d.reason);
    let accepted = d.requirements[0].signatures.iter().find(|s| s.accepted).unwrap();
    assert!(accepted.origin.starts_with("lookaside file://") && accepted.origin.ends_with("/signature-2"), "{}", accepted.origin);

    // 4. http:// lookaside (default-docker, its old name `sigstore`), read until the first 404.
    let server = StaticServer::start(&files);
    let o = with_regd(&format!("default-docker:\n  sigstore: {}/sigs\n", server.url));
    let (ev, resolved) = collect(&reference, reference.clone(), &o, &provider).unwrap_or_else(|e| panic!("{e}"));
    assert!(resolved.sigstore_attachments, "default-docker sets no use-sigstore-attachments");
    assert_eq!(resolved.lookaside_signatures.len(), 2);
    assert!(sigstore.decide(&ev, now).allowed);
    let asked = server.requests.lock().unwrap().clone();
    assert_eq!(asked.len(), 3, "signature-1, -2, then the 404 of -3: {asked:?}");
    assert!(asked[2].ends_with("/signature-3"));

    // 5. A lookaside blob that is no signature, and a conflicting configuration, are input
    //    errors; so is an unsupported scheme.
    std::fs::write(sigdir.join("signature-3"), b"<html>not a signature</html>").unwrap();
    let e = collect(&reference, reference.clone(), &o, &provider).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains("signature-3"), "{e}");
    std::fs::remove_file(sigdir.join("signature-3")).unwrap();
    std::fs::write(regd.join("other.yaml"), "default-docker:\n  lookaside: file:///elsewhere\n").unwrap();
    let e = collect(&reference, reference.clone(), &o, &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("defined both in"), "{e}");
    std::fs::remove_file(regd.join("other.yaml")).unwrap();
    let o = with_regd("default-docker:\n  lookaside: ftp://l.test/sigs\n");
    let e = collect(&reference, reference.clone(), &o, &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("unsupported scheme"), "{e}");
    drop((reg, server));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bounded parallel fetches against the real programs: an image with three cosign v3 bundles
/// (three signers, through the referrers API) and two legacy signatures (two layers of the
/// `.sig` manifest) is decided with the same record, signature for signature and origin for
/// origin, whether its manifests and blobs are fetched one at a time or several at once.
#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn parallel_fetches_give_the_sequential_decision() {
    let dir = scratch("registry-parallel");
    let refreg = RefRegistry::start();
    let signers = ["s1", "s2", "s3"];
    cosign_key_pairs(&dir, &signers);
    let digest = push_platform_image(&refreg.host, &dir, "app", "v1", "parallel layer", "linux", "amd64", &[]);
    let image = format!("{}/app@{digest}", refreg.host);
    for s in signers {
        cosign_with_key("sign", &dir.join(s).join("cosign.key"), &[], true, &image, &dir);
    }
    for s in &signers[..2] {
        cosign_with_key("sign", &dir.join(s).join("cosign.key"), &[], false, &image, &dir);
    }
    let v = verifier(&json!({ "default": [key_requirement(&dir, "s3", "sealcheckMatchDigest"), key_requirement(&dir, "s2", "matchRepository")] }));
    let reference = Reference::parse(&format!("{}/app:v1", refreg.host)).unwrap();
    let now = UnixTime::now();
    let decide = |parallel: usize| {
        let o = Options { parallel_fetches: parallel, ..options(&refreg.host) };
        let (ev, _) = collect(&reference, reference.clone(), &o, &CryptoProvider::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ev.items().len(), 5, "three bundles, two legacy signatures");
        serde_json::to_value(v.decide(&ev, now)).unwrap()
    };
    let sequential = decide(1);
    assert_eq!(sequential["allowed"], true, "{sequential}");
    for _ in 0..3 {
        assert_eq!(decide(sealcheck_registry::MAX_PARALLEL_FETCHES), sequential);
    }
    drop(refreg);
    let _ = std::fs::remove_dir_all(&dir);
}
