//! Image decision time (containers-policy.json, key-signed cosign image from the container-libs
//! fixtures, evidence in memory): one signature, and ten signatures where only the last one is
//! by the trusted key (the worst case: nine verifications fail first). Next to it, the bare
//! bundle verification of conformance `happy-path-v0.3` for scale.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use sealcheck::cosign::StoredSignature;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::oci::Reference;
use sealcheck::policy::{containers, FsFiles, ImageEvidence};
use sealcheck::sigstore::{Artifact, Bundle, CertificateIdentity, Matcher, SignerPolicy, TrustedRoot, Verifier};
use sealcheck::UnixTime;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors")
}

fn decide(c: &mut Criterion) {
    let fx = vectors().join("container-libs/image/signature/fixtures");
    let read = |p: &str| std::fs::read(fx.join(p)).expect("fixture");
    let manifest = read("dir-img-cosign-valid/manifest.json");
    let good = StoredSignature::from_storage_blob(&read("dir-img-cosign-valid/signature-1")).expect("signature");
    let other = StoredSignature::from_storage_blob(&read("unknown-cosign-key.signature")).expect("signature");
    let key = sealcheck::encoding::base64_encode(&read("cosign.pub"));
    let policy = format!(r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#);
    let policy = containers::from_json(policy.as_bytes()).expect("policy");
    let reference = Reference::parse("192.168.64.2:5000/cosign-signed-single-sample").expect("reference");
    let now = UnixTime::from_secs(1_800_000_000);
    let image = |n: usize| ImageEvidence {
        reference: reference.clone(),
        manifest: Some(manifest.clone()),
        signatures: std::iter::repeat_n(other.clone(), n - 1).chain([good.clone()]).collect(),
        attestations: Vec::new(),
        bundles: Vec::new(),
    };
    let (one, ten) = (image(1), image(10));
    assert!(policy.evaluate(&RUST_CRYPTO, &FsFiles, &one, now).allowed && policy.evaluate(&RUST_CRYPTO, &FsFiles, &ten, now).allowed);
    let mut g = c.benchmark_group("decide");
    g.bench_function("1-signature", |b| b.iter(|| policy.evaluate(&RUST_CRYPTO, &FsFiles, &one, now)));
    g.bench_function("10-signatures", |b| b.iter(|| policy.evaluate(&RUST_CRYPTO, &FsFiles, &ten, now)));
    g.finish();

    let case = vectors().join("sigstore-conformance/test/assets/bundle-verify");
    let bundle = std::fs::read(case.join("happy-path-v0.3/bundle.sigstore.json")).expect("bundle");
    let artifact = std::fs::read(case.join("a.txt")).expect("artifact");
    let root = TrustedRoot::production(&RUST_CRYPTO).expect("root");
    let id = SignerPolicy::Identity(CertificateIdentity::new(
        Matcher::exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"),
        Matcher::exact("https://token.actions.githubusercontent.com"),
    ));
    c.bench_function("decide/bare-bundle-happy-path-v0.3", |b| {
        b.iter(|| {
            let bundle = Bundle::from_json(&bundle).expect("bundle");
            Verifier::new(&root, &RUST_CRYPTO).verify(&bundle, &Artifact::Bytes(&artifact), &id, now).expect("verifies")
        })
    });
}

criterion_group!(benches, decide);
criterion_main!(benches);
