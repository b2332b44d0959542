//! OCI image layouts read through the `ArtifactSource` seam: a layout is assembled in a temp
//! dir from containers/image's cosign fixture (its manifest and its signature re-stored as a
//! cosign `.sig` manifest), then decided; every blob read is digest-checked, so missing,
//! altered and oversized blobs are rejected.

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sealcheck::cosign::StoredSignature;
use sealcheck::crypto::HashAlgorithm;
use sealcheck::oci::layout::{OciLayout, parse_oci_source};
use sealcheck::oci::source::{Selector, collect};
use sealcheck::oci::{OciDigest, Reference};
use sealcheck::policy::{FsFiles, containers};
use sealcheck::{Error, UnixTime};

const NOW: UnixTime = UnixTime::from_secs(1_748_736_000);
const REF: &str = "192.168.64.2:5000/cosign-signed-single-sample";

fn fixtures() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/container-libs/image/signature/fixtures");
    assert!(p.is_dir(), "{} is missing: these tests read the shared vectors", p.display());
    p
}

struct Layout {
    dir: PathBuf,
    index: Vec<serde_json::Value>,
}

impl Layout {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("sealcheck-oci-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Self { dir, index: Vec::new() }
    }
    fn blob(&self, bytes: &[u8]) -> OciDigest {
        let d = OciDigest::of(support::backend(), HashAlgorithm::Sha256, bytes);
        std::fs::write(self.dir.join("blobs/sha256").join(&d.to_string()[7..]), bytes).unwrap();
        d
    }
    fn add(&mut self, media_type: &str, bytes: &[u8], tag: Option<&str>) -> OciDigest {
        let d = self.blob(bytes);
        let mut desc = serde_json::json!({"mediaType": media_type, "digest": d.to_string(), "size": bytes.len()});
        if let Some(t) = tag {
            desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": t});
        }
        self.index.push(desc);
        d
    }
    fn finish(&self) -> PathBuf {
        let index =
            serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": self.index});
        std::fs::write(self.dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        self.dir.clone()
    }
}

/// The fixture image and its cosign signature as an OCI layout; returns (dir, image digest).
fn fixture_layout(fx: &Path, tamper: impl Fn(&mut Layout, &OciDigest)) -> (PathBuf, OciDigest) {
    let manifest = std::fs::read(fx.join("dir-img-cosign-valid/manifest.json")).unwrap();
    let sig = StoredSignature::from_storage_blob(&std::fs::read(fx.join("dir-img-cosign-valid/signature-1")).unwrap()).unwrap();
    let mut l = Layout::new();
    let image = l.add("application/vnd.docker.distribution.manifest.v2+json", &manifest, Some("latest"));
    let payload = l.blob(&sig.payload);
    let config = l.blob(b"{}");
    let annotations: BTreeMap<_, _> = sig.annotations.clone();
    let sig_manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.to_string(), "size": 2},
        "layers": [{"mediaType": sig.media_type, "digest": payload.to_string(), "size": sig.payload.len(), "annotations": annotations}]
    });
    l.add("application/vnd.oci.image.manifest.v1+json", &serde_json::to_vec(&sig_manifest).unwrap(), Some(&image.tag_form(".sig")));
    tamper(&mut l, &payload);
    (l.finish(), image)
}

fn decide(fx: &Path, dir: &Path, selector: &Selector) -> Result<sealcheck::policy::Decision, Error> {
    let policy = format!(
        r#"{{"default":[{{"type":"sigstoreSigned","keyPath":"{}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#,
        fx.join("cosign.pub").display()
    );
    let policy = containers::compile(policy.as_bytes(), &FsFiles, support::backend()).unwrap();
    let policy = sealcheck::ImageVerifier::new(policy.into(), support::provider());
    let layout = OciLayout::open(dir)?;
    let image = collect(support::backend(), &layout, Reference::parse(REF).unwrap(), selector)?;
    Ok(policy.decide(&image, NOW))
}

#[test]
fn legacy_signature_in_an_oci_layout() {
    let fx = fixtures();
    let (dir, image) = fixture_layout(&fx, |_, _| {});
    for sel in [Selector::Default, Selector::Tag("latest".into()), Selector::Digest(image)] {
        let d = decide(&fx, &dir, &sel).unwrap();
        assert!(d.allowed, "{sel:?}: {}", d.reason);
        assert_eq!(d.manifest_digest, Some(image));
    }
    let (p, s) = parse_oci_source(&format!("{}:latest", dir.display())).unwrap();
    assert_eq!((p, s), (dir.clone(), Selector::Tag("latest".into())));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn layouts_with_bad_blobs_are_rejected() {
    let fx = fixtures();
    // A signature payload blob that is missing.
    let (dir, _) =
        fixture_layout(&fx, |l, payload| std::fs::remove_file(l.dir.join("blobs/sha256").join(&payload.to_string()[7..])).unwrap());
    assert!(matches!(decide(&fx, &dir, &Selector::Default), Err(Error::MissingEvidence(_))));
    // A signature payload blob whose bytes do not match its digest.
    let (dir, _) =
        fixture_layout(&fx, |l, payload| std::fs::write(l.dir.join("blobs/sha256").join(&payload.to_string()[7..]), b"tampered").unwrap());
    assert!(matches!(decide(&fx, &dir, &Selector::Default), Err(Error::ArtifactMismatch(_))));
    // An oversized blob.
    let (dir, _) = fixture_layout(&fx, |l, payload| {
        std::fs::write(l.dir.join("blobs/sha256").join(&payload.to_string()[7..]), vec![b' '; 5 << 20]).unwrap()
    });
    assert!(matches!(decide(&fx, &dir, &Selector::Default), Err(Error::LimitExceeded { .. })));
    // An unknown tag.
    let (dir, _) = fixture_layout(&fx, |_, _| {});
    assert!(decide(&fx, &dir, &Selector::Tag("nope".into())).is_err());
}

#[test]
fn unsigned_image_in_a_layout_is_denied() {
    let fx = fixtures();
    let mut l = Layout::new();
    l.add(
        "application/vnd.docker.distribution.manifest.v2+json",
        &std::fs::read(fx.join("dir-img-cosign-valid/manifest.json")).unwrap(),
        Some("latest"),
    );
    let dir = l.finish();
    let d = decide(&fx, &dir, &Selector::Default).unwrap();
    assert!(!d.allowed && d.reason.contains("no signatures"), "{}", d.reason);
}
