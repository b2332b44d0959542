//! Notary Project signature decision time, on envelopes generated once outside the measured
//! loop by the test PKI (`tests/support/notary.rs`: a P-384 root and intermediate, a P-256
//! code-signing leaf, the generated RFC 3161 TSA):
//!
//! - `notation/jws`, `notation/cose`: `notation::verify::verify` of a JWS / COSE envelope at
//!   `strict`, no countersignature (the statement names no `tsa` store): parse, chain rules (two
//!   certificate signatures, two self-signature checks), the envelope signature, trust store,
//!   validity, revocation (nothing revocable);
//! - `notation/jws-timestamp`, `notation/cose-timestamp`: the same with a countersignature
//!   verified against a `tsa` store (token parse, path building, the CMS signature);
//! - `notation/decide-layout-jws`: `ImageVerifier::decide` over an OCI layout (read once into
//!   image evidence) holding the JWS signature manifest: policy lookup, referrer evidence, the
//!   same verification, the decision record.
//!
//! Run: `cargo bench --bench notation -- --warm-up-time 1 --measurement-time 3`.

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use sealcheck::notation::crl::CrlSet;
use sealcheck::notation::trustpolicy::{DocumentKind, TrustPolicyDocument};
use sealcheck::notation::verify::{self, Target};
use sealcheck::oci::OciDigest;
use sealcheck::{CryptoProvider, ImageVerifier, UnixTime, verifier};

use support::notary::{Curve, EnvelopeSpec, Format, Image, LeafSpec, ManifestForm, NOW, Pki, sign, trust_policy, trust_store, write_layout};

fn notation(c: &mut Criterion) {
    let provider = CryptoProvider::default();
    let b = provider.backend();
    let pki = Pki::get();
    let signer = pki.signer(&LeafSpec::on(Curve::P256));
    let image = Image::new("bench image");
    let target = image.descriptor();
    let store = trust_store(b);
    let crls = CrlSet::new(Vec::new());
    let now = UnixTime::from_secs(NOW);
    let digest = OciDigest::parse(&target.digest).unwrap();
    let digests = [*digest.digest()];
    let t = Target { media_type: &target.media_type, digests: &digests, size: target.size };
    let without = TrustPolicyDocument::parse(&trust_policy("strict", &["ca:root"], &["*"]), DocumentKind::Oci).unwrap();
    let with = TrustPolicyDocument::parse(&trust_policy("strict", &["ca:root", "tsa:tsa"], &["*"]), DocumentKind::Oci).unwrap();

    let mut g = c.benchmark_group("notation");
    for (format, name) in [(Format::Jws, "jws"), (Format::Cose, "cose")] {
        for timestamped in [false, true] {
            let mut spec = EnvelopeSpec::new(format, target.clone());
            if timestamped {
                spec = spec.timestamped(&pki.tsa);
            }
            let signed = sign(&signer, &spec);
            let st = if timestamped { &with.statements[0] } else { &without.statements[0] };
            let run = || verify::verify(b, st, &store, &crls, signed.media_type(), &signed.bytes, &t, now);
            let o = run();
            assert!(o.verdict.is_ok() && o.results.iter().all(|r| r.outcome == "passed"), "{name}: {:?}", o.results);
            assert_eq!(o.verdict.as_ref().unwrap().timestamp.is_some(), timestamped);
            let id = if timestamped { format!("{name}-timestamp") } else { name.to_string() };
            g.bench_function(id, |bench| bench.iter(|| black_box(run()).verdict.is_ok()));
        }
    }

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-notation-layout");
    let signed = sign(&signer, &EnvelopeSpec::new(Format::Jws, target.clone()));
    let subject = write_layout(&dir, &image, &[(ManifestForm::ArtifactType, &signed)]);
    let policy = verifier::notation_policy(&trust_policy("strict", &["ca:root"], &["*"]), trust_store(b), CrlSet::new(Vec::new())).unwrap();
    let reference = verifier::image_reference(&format!("localhost:5000/bench/app@{}", subject.digest)).unwrap();
    let evidence = verifier::image_source(&format!("oci:{}@{}", dir.display(), subject.digest), reference, &provider).unwrap();
    let decider = ImageVerifier::new(policy.into(), provider);
    assert!(decider.decide(&evidence, now).allowed);
    g.bench_function("decide-layout-jws", |bench| bench.iter(|| black_box(decider.decide(black_box(&evidence), now)).allowed));
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, notation);
criterion_main!(benches);
