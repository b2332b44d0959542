//! containers/image's own cosign fixtures (`../shared/vectors/container-libs/image/signature/
//! fixtures`), decided as containers/image's tests decide them (`policy_eval_sigstore_test.go`,
//! `fulcio_cert_test.go`, `pki_cert_test.go`). Each row names the fixture, the policy, the
//! reference and the expected verdict with its reason.
//!
//! The vectors keep git symlinks as small files holding the link target; the test materializes
//! each layout into a temporary directory (following those links) and reads it from there with
//! the real `dir:` reader.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sealcheck::UnixTime;
use sealcheck::oci::Reference;
use sealcheck::oci::layout::read_dir_layout;
use sealcheck::policy::{Decision, FsFiles, containers};
use sealcheck::ImageVerifier;

/// 2025-06-01: after every fixture was made, inside the PKI certificate's validity.
const NOW: UnixTime = UnixTime::from_secs(1_748_736_000);

fn fixtures() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/container-libs/image/signature/fixtures");
    assert!(p.is_dir(), "{} is missing: these tests read the shared vectors", p.display());
    p
}

/// Copies `fixtures/<name>` to a fresh temp dir, resolving git-symlink stand-ins; `edit` may
/// rewrite a file's content (to build a mutation).
fn materialize(fx: &Path, name: &str, edit: &dyn Fn(&str, Vec<u8>) -> Vec<u8>) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let out = std::env::temp_dir().join(format!("sealcheck-fx-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&out).unwrap();
    let src = fx.join(name);
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        let bytes = resolve(&src, &std::fs::read(e.path()).unwrap());
        let fname = e.file_name().to_string_lossy().into_owned();
        std::fs::write(out.join(&fname), edit(&fname, bytes)).unwrap();
    }
    out
}

/// The fixture directory's key and certificate files, materialized for one decision.
fn key_dir(fx: &Path) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let out = std::env::temp_dir().join(format!("sealcheck-keys-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&out).unwrap();
    for name in ["cosign.pub", "cosign2.pub", "rekor.pub", "fulcio_v1.crt.pem", "pki_root_crts.pem", "pki_intermediate_crts.pem"] {
        std::fs::write(out.join(name), resolve(fx, &std::fs::read(fx.join(name)).unwrap())).unwrap();
    }
    out
}

/// Follows a git-symlink stand-in (a small file holding a relative path) once.
fn resolve(dir: &Path, bytes: &[u8]) -> Vec<u8> {
    if bytes.len() < 256 {
        if let Ok(target) = std::str::from_utf8(bytes) {
            let t = dir.join(target.trim());
            if !target.contains(['{', '\0', '\n']) && t.is_file() {
                return std::fs::read(t).unwrap();
            }
        }
    }
    bytes.to_vec()
}

fn decide(fx: &Path, dir: &str, reference: &str, requirement: &str, edit: &dyn Fn(&str, Vec<u8>) -> Vec<u8>) -> Decision {
    let keys = key_dir(fx);
    let policy = format!(r#"{{"default":[{{"type":"reject"}}],"transports":{{"docker":{{"":[{requirement}]}}}}}}"#)
        .replace("$F", keys.to_str().unwrap());
    let policy = containers::compile(policy.as_bytes(), &FsFiles, support::backend()).unwrap_or_else(|e| panic!("policy for {dir}: {e}"));
    let policy = ImageVerifier::new(policy.into(), support::provider());
    let tmp = materialize(fx, dir, edit);
    let d = match read_dir_layout(&tmp, Reference::parse(reference).unwrap()) {
        Ok(image) => policy.decide(&image, NOW),
        Err(e) => panic!("{dir}: layout read failed: {e}"),
    };
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&keys);
    d
}

fn keep(_: &str, b: Vec<u8>) -> Vec<u8> {
    b
}

/// Rewrites the JSON of `signature-1` through `f`.
fn edit_sig(f: fn(&mut serde_json::Value)) -> impl Fn(&str, Vec<u8>) -> Vec<u8> {
    move |name, b| {
        if name != "signature-1" {
            return b;
        }
        let (prefix, json) = b.split_at(15);
        let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
        f(&mut v);
        [prefix, serde_json::to_vec(&v).unwrap().as_slice()].concat()
    }
}

const KEY: &str = r#"{"type":"sigstoreSigned","keyPath":"$F/cosign.pub","signedIdentity":{"type":"matchRepository"}}"#;
const KEY_EXACT: &str = r#"{"type":"sigstoreSigned","keyPath":"$F/cosign.pub","signedIdentity":{"type":"matchExact"}}"#;
const KEY_REKOR: &str = r#"{"type":"sigstoreSigned","keyPath":"$F/cosign2.pub","rekorPublicKeyPath":"$F/rekor.pub","signedIdentity":{"type":"matchRepository"}}"#;
const FULCIO: &str = r#"{"type":"sigstoreSigned","fulcio":{"caPath":"$F/fulcio_v1.crt.pem","oidcIssuer":"https://github.com/login/oauth","subjectEmail":"mitr@redhat.com"},"rekorPublicKeyPath":"$F/rekor.pub","signedIdentity":{"type":"matchRepository"}}"#;
const PKI: &str = r#"{"type":"sigstoreSigned","pki":{"caRootsPath":"$F/pki_root_crts.pem","caIntermediatesPath":"$F/pki_intermediate_crts.pem","subjectEmail":"qiwan@redhat.com"},"signedIdentity":{"type":"matchRepository"}}"#;

struct Row {
    dir: &'static str,
    reference: &'static str,
    requirement: String,
    allowed: bool,
    /// Substring of the decision's reason, or of the last refused signature's error kind.
    why: &'static str,
}

fn row(dir: &'static str, reference: &'static str, requirement: &str, allowed: bool, why: &'static str) -> Row {
    Row { dir, reference, requirement: requirement.to_string(), allowed, why }
}

#[test]
fn fixtures_decide_as_containers_image() {
    let fx = fixtures();
    const SINGLE: &str = "192.168.64.2:5000/cosign-signed-single-sample";
    let rows = [
        row("dir-img-cosign-valid", SINGLE, KEY, true, "satisfied"),
        row("dir-img-cosign-valid", "192.168.64.2:5000/cosign-signed-single-sample:latest", KEY_EXACT, false, "IdentityMismatch"),
        row("dir-img-cosign-valid-2", SINGLE, KEY, true, "satisfied"),
        row("dir-img-cosign-valid-with-tag", "192.168.64.2:5000/skopeo-signed:tag", KEY_EXACT, true, "satisfied"),
        row("dir-img-cosign-valid-with-tag", "192.168.64.2:5000/skopeo-signed:othertag", KEY_EXACT, false, "IdentityMismatch"),
        row("dir-img-cosign-mixed", SINGLE, KEY, true, "signature 1 accepted"),
        row("dir-img-cosign-modified-manifest", SINGLE, KEY, false, "ArtifactMismatch"),
        row("dir-img-cosign-no-manifest", SINGLE, KEY, false, "image manifest"),
        row("dir-img-cosign-manifest-digest-error", SINGLE, KEY, false, "schemaVersion 2"),
        row("dir-img-cosign-other-attachment", SINGLE, KEY, false, "no signatures"),
        row("dir-img-cosign-key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1", KEY_REKOR, true, "satisfied"),
        row(
            "dir-img-cosign-key-rekor-valid",
            "192.168.64.2:5000/cosign-signed/key-1",
            &KEY_REKOR.replace("rekor.pub", "cosign.pub"),
            false,
            "UnknownLog",
        ),
        row("dir-img-cosign-fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1", FULCIO, true, "satisfied"),
        row(
            "dir-img-cosign-fulcio-rekor-valid",
            "192.168.64.2:5000/cosign-signed/fulcio-rekor-1",
            &FULCIO.replace("mitr@redhat.com", "other@redhat.com"),
            false,
            "IdentityMismatch",
        ),
        row(
            "dir-img-cosign-fulcio-rekor-valid",
            "192.168.64.2:5000/cosign-signed/fulcio-rekor-1",
            &FULCIO.replace("login/oauth", "login/other"),
            false,
            "IssuerMismatch",
        ),
        row(
            "dir-img-cosign-fulcio-rekor-valid",
            "192.168.64.2:5000/cosign-signed/fulcio-rekor-1",
            &FULCIO.replace("$F/rekor.pub", "$F/cosign.pub"),
            false,
            "UnknownLog",
        ),
        row("dir-img-cosign-pki-valid", "localhost:5000/test", PKI, true, "satisfied"),
        row("dir-img-cosign-pki-valid", "localhost:5000/test", &PKI.replace("qiwan@", "other@"), false, "IdentityMismatch"),
        // A signature for one image does not vouch for another (payload names another repository).
        row("dir-img-cosign-key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-2", KEY_REKOR, false, "IdentityMismatch"),
        // GHSA-vjxv-45g9-9296: asking for an attestation type the image does not have is a rejection,
        // even though a valid signature by the same key is present.
        row(
            "dir-img-cosign-valid",
            SINGLE,
            &KEY.replace(r#""signedIdentity""#, r#""sealcheckPredicateType":"https://slsa.dev/provenance/v1","signedIdentity""#),
            false,
            "no attestations",
        ),
        // GPG requirements never accept.
        row(
            "dir-img-cosign-valid",
            SINGLE,
            r#"{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"}"#,
            false,
            "GPG signatures are not supported",
        ),
        row("dir-img-cosign-valid", SINGLE, r#"{"type":"reject"}"#, false, "rejects every image"),
        row("dir-img-cosign-valid", SINGLE, r#"{"type":"insecureAcceptAnything"}"#, true, "satisfied"),
    ];
    let mut problems = Vec::new();
    for r in &rows {
        let d = decide(&fx, r.dir, r.reference, &r.requirement, &keep);
        let kinds: Vec<&str> = d.requirements.iter().flat_map(|q| q.signatures.iter().filter_map(|s| s.error_kind)).collect();
        let why_ok = d.reason.contains(r.why) || kinds.contains(&r.why) || d.requirements.iter().any(|q| q.reason.contains(r.why));
        if d.allowed != r.allowed || !why_ok {
            problems.push(format!(
                "{} {} {}: want allowed={} ({}), got allowed={} reason={:?} kinds={kinds:?}",
                r.dir, r.reference, r.requirement, r.allowed, r.why, d.allowed, d.reason
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn mutated_fixtures_are_rejected() {
    let fx = fixtures();
    let key1 = "192.168.64.2:5000/cosign-signed/key-1";
    let fr = "192.168.64.2:5000/cosign-signed/fulcio-rekor-1";
    let cases: [(&str, &str, &str, Box<dyn Fn(&str, Vec<u8>) -> Vec<u8>>, &str); 5] = [
        // Rekor key configured but the SET annotation removed.
        (
            "dir-img-cosign-key-rekor-valid",
            key1,
            KEY_REKOR,
            Box::new(edit_sig(|v| {
                v["annotations"].as_object_mut().unwrap().remove("dev.sigstore.cosign/bundle");
            })),
            "MissingEvidence",
        ),
        // A garbage SET.
        (
            "dir-img-cosign-key-rekor-valid",
            key1,
            KEY_REKOR,
            Box::new(edit_sig(|v| {
                let b = v["annotations"]["dev.sigstore.cosign/bundle"]
                    .as_str()
                    .unwrap()
                    .replace("\"SignedEntryTimestamp\":\"M", "\"SignedEntryTimestamp\":\"N");
                v["annotations"]["dev.sigstore.cosign/bundle"] = b.into();
            })),
            "InvalidSignedEntryTimestamp",
        ),
        // Fulcio without the certificate annotation: the material does not fit the expected
        // identity, found before any signature is checked (cheapest first).
        (
            "dir-img-cosign-fulcio-rekor-valid",
            fr,
            FULCIO,
            Box::new(edit_sig(|v| {
                v["annotations"].as_object_mut().unwrap().remove("dev.sigstore.cosign/certificate");
            })),
            "SignerMismatch",
        ),
        // Fulcio without the chain (intermediates not trusted directly).
        (
            "dir-img-cosign-fulcio-rekor-valid",
            fr,
            FULCIO,
            Box::new(edit_sig(|v| {
                v["annotations"].as_object_mut().unwrap().remove("dev.sigstore.cosign/chain");
            })),
            "UnknownIssuer",
        ),
        // PKI without the chain annotation and without configured intermediates.
        (
            "dir-img-cosign-pki-valid",
            "localhost:5000/test",
            &PKI.replace(r#","caIntermediatesPath":"$F/pki_intermediate_crts.pem""#, ""),
            Box::new(edit_sig(|v| {
                v["annotations"].as_object_mut().unwrap().remove("dev.sigstore.cosign/chain");
            })),
            "UnknownIssuer",
        ),
    ];
    let mut problems = Vec::new();
    for (dir, reference, req, edit, want) in &cases {
        let d = decide(&fx, dir, reference, req, edit.as_ref());
        let kinds: Vec<&str> = d.requirements.iter().flat_map(|q| q.signatures.iter().filter_map(|s| s.error_kind)).collect();
        if d.allowed || !kinds.contains(want) {
            problems.push(format!("{dir} ({want}): allowed={} reason={:?} kinds={kinds:?}", d.allowed, d.reason));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn upstream_policy_fixtures_parse() {
    let fx = fixtures();
    for f in [fx.join("policy.json"), fx.join("../../default-policy.json")] {
        // Upstream's policies name key files that exist only on its test machines: validated as
        // strictly as compiling, without reading them.
        containers::validate(&std::fs::read(&f).unwrap(), support::backend()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}
