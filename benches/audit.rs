//! The audit log, with real decision records (the container-libs key-signed cosign fixture
//! decided under a `sigstoreSigned` policy: allowed with its signature, denied with another
//! key's):
//! - `audit/entry`: one line (the record serialized into its chained envelope) and its hash;
//! - `audit/append`: one append through a long-lived `AuditLog` handle to a file in the temp
//!   directory (lock, check of the last record and of what others appended, one write,
//!   `sync_data`: the disk's flush dominates);
//! - `audit/verify-10k`: `audit::verify` of a 10,000-record log in memory (every line parsed
//!   strictly and hashed, the summary counted), throughput in bytes.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sealcheck::audit::{self, AuditLog, Tail};
use sealcheck::policy::{FsFiles, containers};
use sealcheck::verifier::image_evidence;
use sealcheck::{CryptoProvider, Decision, ImageVerifier, UnixTime};

fn decisions() -> [Decision; 2] {
    let provider = CryptoProvider::default();
    let fx = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/container-libs/image/signature/fixtures");
    let read = |p: &str| std::fs::read(fx.join(p)).expect("fixture");
    let manifest = read("dir-img-cosign-valid/manifest.json");
    let key = sealcheck::encoding::base64_encode(&read("cosign.pub"));
    let policy = format!(r#"{{"default":[{{"type":"sigstoreSigned","keyData":"{key}","signedIdentity":{{"type":"matchRepository"}}}}]}}"#);
    let images = ImageVerifier::new(Arc::new(containers::compile(policy.as_bytes(), &FsFiles, provider.backend()).expect("policy")), provider);
    let reference = "192.168.64.2:5000/cosign-signed-single-sample";
    let now = UnixTime::from_secs(1_800_000_000);
    let decide = |sig: &str| images.decide(&image_evidence(reference, Some(&manifest), &[read(sig).as_slice()], &[]).expect("evidence"), now);
    let (allowed, denied) = (decide("dir-img-cosign-valid/signature-1"), decide("unknown-cosign-key.signature"));
    assert!(allowed.allowed && !denied.allowed);
    [allowed, denied]
}

fn bench(c: &mut Criterion) {
    let ds = decisions();
    let mut g = c.benchmark_group("audit");
    g.bench_function("entry", |b| b.iter(|| Tail::EMPTY.after(Tail::EMPTY.entry(&ds[0]).as_bytes())));

    let dir = std::env::temp_dir().join(format!("sealcheck-bench-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    let mut log = AuditLog::open(&path).expect("log");
    let mut i = 0usize;
    g.bench_function("append", |b| {
        b.iter(|| {
            i += 1;
            log.append(&ds[i % 2]).expect("appended")
        })
    });
    std::fs::remove_dir_all(&dir).ok();

    let mut bytes = Vec::new();
    let mut tail = Tail::EMPTY;
    for i in 0..10_000 {
        let line = tail.entry(&ds[i % 2]);
        tail = tail.after(line.as_bytes());
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    assert_eq!(audit::verify(&bytes).expect("verifies").denied, 5_000);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(20);
    g.bench_function("verify-10k", |b| b.iter(|| audit::verify(&bytes).expect("verifies")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
