//! Verification cost against its floor, the signature checks it cannot avoid.
//!
//! - `verify/<case>`: `Bundle::from_json` + `Verifier::verify` (trusted root loaded once).
//! - `raw/<case>/<check>`: one `RUST_CRYPTO.verify` on pre-extracted inputs, for every signature
//!   the verification checks; `raw/<case>/sum` runs them all in sequence, so
//!   `verify/<case>` ÷ `raw/<case>/sum` is the verifier's overhead factor (target ≤ 1.3 keyless).
//! - `steps/…`: sub-steps, to see where time over the raw sum goes.
//! - with `--features aws-lc`: `verify-aws-lc/<case>` and `raw-aws-lc/<case>/sum`, the same
//!   work on the AWS-LC backend (its floor is the AWS-LC raw sum).
//!
//! Vectors are read in place from `../shared/vectors`; a missing case fails the bench.
//! Run: `cargo bench --bench verify -- --warm-up-time 1 --measurement-time 3`.

mod common;

use std::hint::black_box;

use common::{Case, raw_checks};
use criterion::{Criterion, criterion_group, criterion_main};
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::sigstore::TrustedRoot;
use sealcheck::x509::Certificate;

fn verify(c: &mut Criterion) {
    let cases = Case::load_all();
    let mut g = c.benchmark_group("verify");
    for case in &cases {
        case.verify().unwrap_or_else(|e| panic!("{}: {e}", case.name));
        g.bench_function(case.name, |b| b.iter(|| black_box(case.verify()).is_ok()));
    }
    g.finish();
}

fn raw(c: &mut Criterion) {
    let cases = Case::load_all();
    let mut g = c.benchmark_group("raw");
    for case in &cases {
        let checks = raw_checks(case);
        for (i, chk) in checks.iter().enumerate() {
            g.bench_function(format!("{}/{i}-{}", case.name, chk.label), |b| b.iter(|| black_box(chk).run()));
        }
        g.bench_function(format!("{}/sum", case.name), |b| {
            b.iter(|| {
                for chk in &checks {
                    let _ = black_box(black_box(chk).run());
                }
            });
        });
    }
    g.finish();
}

fn steps(c: &mut Criterion) {
    let cases = Case::load_all();
    let mut g = c.benchmark_group("steps");
    g.bench_function("trusted_root_production", |b| b.iter(|| TrustedRoot::production().is_ok()));
    for case in &cases {
        g.bench_function(format!("{}/bundle_from_json", case.name), |b| b.iter(|| black_box(case.parse()).is_ok()));
        let bundle = case.parse().expect("bundle parses");
        g.bench_function(format!("{}/verify_parsed", case.name), |b| b.iter(|| black_box(case.verify_parsed(black_box(&bundle))).is_ok()));
        if let Some(leaf) = case.leaf() {
            let der = leaf.der().to_vec();
            g.bench_function(format!("{}/leaf_from_der", case.name), |b| b.iter(|| Certificate::from_der("leaf", black_box(&der)).is_ok()));
        }
        if let Some(j) = &case.root_json {
            g.bench_function(format!("{}/trusted_root_from_json", case.name), |b| b.iter(|| TrustedRoot::from_json(black_box(j), &RUST_CRYPTO).is_ok()));
        }
    }
    g.finish();
}

#[cfg(feature = "aws-lc")]
fn aws_lc(c: &mut Criterion) {
    use sealcheck::crypto::AWS_LC;
    let cases = Case::load_all();
    let mut g = c.benchmark_group("verify-aws-lc");
    for case in &cases {
        case.verify_with(&AWS_LC).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        g.bench_function(case.name, |b| b.iter(|| black_box(case.verify_with(&AWS_LC)).is_ok()));
    }
    g.finish();
    let mut g = c.benchmark_group("raw-aws-lc");
    for case in &cases {
        let checks = raw_checks(case);
        g.bench_function(format!("{}/sum", case.name), |b| {
            b.iter(|| {
                for chk in &checks {
                    let _ = black_box(black_box(chk).run_with(&AWS_LC));
                }
            });
        });
    }
    g.finish();
}

#[cfg(not(feature = "aws-lc"))]
criterion_group!(benches, verify, raw, steps);
#[cfg(feature = "aws-lc")]
criterion_group!(benches, verify, raw, steps, aws_lc);
criterion_main!(benches);
