//! Image decision time (containers-policy.json, evidence in memory), each next to the bare
//! verification it contains:
//! - `decide/1-signature`, `decide/10-signatures`: a key-signed cosign image from the
//!   container-libs fixtures, with one signature, and with ten where only the last one is by the
//!   trusted key (nine verifications fail first);
//! - `decide/keyless-fulcio-rekor` against `decide/bare-keyless-fulcio-rekor`: the fixture's
//!   Fulcio + Rekor signature under a compiled `fulcio` policy, and the same signature verified
//!   by the bundle verifier alone (the policy's trust was prepared at compile time: no root
//!   parsing or regexp compilation per decision);
//! - `decide/bare-bundle-happy-path-v0.3`: conformance `happy-path-v0.3`, for scale;
//! - `decide-cached/1-signature`, `decide-cached/keyless-fulcio-rekor`: the same decisions with
//!   a warm fact cache (the policy is applied, no signature is checked);
//! - `batch/keyless-fulcio-rekor-x64/threads-N`: 64 keyless decisions by `decide_all` on N
//!   threads, no cache (throughput in decisions; the ratio of the two is the scaling).

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sealcheck::policy::{FsFiles, containers};
use sealcheck::sigstore::Verifier;
use sealcheck::verifier::{RootChoice, image_evidence};
use sealcheck::{Artifact, Bundle, CertificateIdentity, CryptoProvider, FactCache, ImageVerifier, Matcher, Signers, UnixTime};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors")
}

fn decide(c: &mut Criterion) {
    let provider = CryptoProvider::default();
    let fx = vectors().join("container-libs/image/signature/fixtures");
    let read = |p: &str| std::fs::read(fx.join(p)).expect("fixture");
    let manifest = read("dir-img-cosign-valid/manifest.json");
    let good = read("dir-img-cosign-valid/signature-1");
    let other = read("unknown-cosign-key.signature");
    let key = sealcheck::encoding::base64_encode(&read("cosign.pub"));
    let policy = format!(r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#);
    let policy = ImageVerifier::new(Arc::new(containers::compile(policy.as_bytes(), &FsFiles, provider.backend()).expect("policy")), provider);
    let reference = "192.168.64.2:5000/cosign-signed-single-sample";
    let now = UnixTime::from_secs(1_800_000_000);
    let image = |n: usize| {
        let sigs: Vec<&[u8]> = std::iter::repeat_n(other.as_slice(), n - 1).chain([good.as_slice()]).collect();
        image_evidence(reference, Some(&manifest), &sigs, &[]).expect("evidence")
    };
    let (one, ten) = (image(1), image(10));
    assert!(policy.decide(&one, now).allowed && policy.decide(&ten, now).allowed);
    let mut g = c.benchmark_group("decide");
    g.bench_function("1-signature", |b| b.iter(|| policy.decide(&one, now)));
    g.bench_function("10-signatures", |b| b.iter(|| policy.decide(&ten, now)));

    // A compiled keyless (Fulcio + Rekor) policy, and the verification inside it.
    let keyless = common::KeylessImage::load();
    assert!(keyless.decide().allowed, "{}", keyless.decide().reason);
    g.bench_function("keyless-fulcio-rekor", |b| b.iter(|| keyless.decide()));
    g.bench_function("bare-keyless-fulcio-rekor", |b| b.iter(|| keyless.bare().expect("verifies")));
    g.finish();

    // The same decisions with a warm fact cache.
    let cache = Arc::new(FactCache::default());
    let (keyless_verifier, keyless_image) = keyless.parts();
    let cached_keyless = keyless_verifier.clone().with_cache(cache.clone());
    let cached_key = policy.clone().with_cache(cache.clone());
    for _ in 0..2 {
        assert!(cached_keyless.decide(keyless_image, common::KEYLESS_AT).allowed && cached_key.decide(&one, now).allowed);
    }
    assert_eq!(cache.stats().hits, 2, "the second round hits");
    let mut g = c.benchmark_group("decide-cached");
    g.throughput(Throughput::Elements(1));
    g.bench_function("1-signature", |b| b.iter(|| cached_key.decide(&one, now)));
    g.bench_function("keyless-fulcio-rekor", |b| b.iter(|| cached_keyless.decide(keyless_image, common::KEYLESS_AT)));
    g.finish();

    // Batch decisions across threads (no cache: the verification is the work).
    let images = vec![keyless_image.clone(); 64];
    let mut g = c.benchmark_group("batch/keyless-fulcio-rekor-x64");
    g.throughput(Throughput::Elements(images.len() as u64));
    for threads in [1, 2] {
        g.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| keyless_verifier.decide_all(&images, common::KEYLESS_AT, threads));
        });
    }
    g.finish();

    let case = vectors().join("sigstore-conformance/test/assets/bundle-verify");
    let bundle = std::fs::read(case.join("happy-path-v0.3/bundle.sigstore.json")).expect("bundle");
    let artifact = std::fs::read(case.join("a.txt")).expect("artifact");
    let root = sealcheck::verifier::trusted_root(RootChoice::PublicGood, &provider).expect("root");
    let id = Signers::Certificate(CertificateIdentity::new(
        Matcher::exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"),
        Matcher::exact("https://token.actions.githubusercontent.com"),
    ));
    c.bench_function("decide/bare-bundle-happy-path-v0.3", |b| {
        b.iter(|| {
            let bundle = Bundle::from_json(&bundle).expect("bundle");
            Verifier::new(&root, provider.backend()).verify(&bundle, &Artifact::Bytes(&artifact), &id, now).expect("verifies")
        })
    });
}

criterion_group!(benches, decide);
criterion_main!(benches);
