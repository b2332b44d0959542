//! The embedded data: the Sigstore public-good trusted roots are byte-identical to the published
//! ones, they load, and the README's example (npm provenance of sigstore@1.3.0) verifies with the
//! production root and is rejected when tampered with.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};

use sealcheck::crypto::{Digest, HashAlgorithm};
use sealcheck::encoding::hex_decode;
use sealcheck::sigstore::trusted_root::{PRODUCTION_TRUSTED_ROOT_JSON, STAGING_TRUSTED_ROOT_JSON};
use sealcheck::sigstore::Verifier;
use sealcheck::{Artifact, Bundle, CertificateIdentity, Matcher, Signers, TrustedRoot, VerifiedSignature};
use sealcheck::{Error, UnixTime};

fn vectors() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    assert!(p.is_dir(), "{} is missing: these tests read the shared vectors", p.display());
    p
}

#[test]
fn embedded_roots_are_byte_identical_to_root_signing() {
    let v = vectors();
    assert_eq!(PRODUCTION_TRUSTED_ROOT_JSON, std::fs::read(v.join("root-signing/targets/trusted_root.json")).unwrap().as_slice());
    assert_eq!(STAGING_TRUSTED_ROOT_JSON, std::fs::read(v.join("root-signing-staging/targets/trusted_root.json")).unwrap().as_slice());
}

/// `production()` and `staging()` skip the chain-link checks at load: they are done here.
#[test]
fn embedded_roots_chain_links_verify() {
    TrustedRoot::from_json(PRODUCTION_TRUSTED_ROOT_JSON, support::backend()).expect("production links");
    TrustedRoot::from_json(STAGING_TRUSTED_ROOT_JSON, support::backend()).expect("staging links");
}

#[test]
fn embedded_roots_load() {
    let prod = TrustedRoot::production().unwrap();
    assert!(!prod.tlogs().is_empty() && !prod.certificate_authorities().is_empty() && !prod.ctlogs().is_empty());
    let staging = TrustedRoot::staging().unwrap();
    assert!(!staging.timestamp_authorities().is_empty());
}

const NPM_SAN: &str = "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";
/// sha512 of `sigstore-1.3.0.tgz` as published on the npm registry (the statement's subject).
const NPM_SHA512: &str = "76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751";

fn npm_verify(digest_hex: &str, san: Matcher) -> Result<VerifiedSignature, Error> {
    let root = TrustedRoot::production().unwrap();
    let bundle = Bundle::from_json(include_bytes!("../examples/sigstore-1.3.0.provenance.sigstore.json"))?;
    let digest = Digest::new(HashAlgorithm::Sha512, &hex_decode("digest", digest_hex).unwrap()).unwrap();
    let policy = Signers::Certificate(CertificateIdentity::new(san, Matcher::exact(GHA)));
    Verifier::new(&root, support::backend()).verify(&bundle, &Artifact::Digest(digest), &policy, UnixTime::from_secs(1_800_000_000))
}

#[test]
fn readme_example_verifies() {
    let v = npm_verify(NPM_SHA512, Matcher::exact(NPM_SAN)).unwrap();
    let (statement, subject) = (v.statement.as_ref().unwrap(), v.matched_subject.unwrap());
    assert_eq!(statement.predicate_type, "https://slsa.dev/provenance/v0.2");
    assert_eq!(statement.subjects[subject].name, "pkg:npm/sigstore@1.3.0");
    assert_eq!(v.tlog_entries.len(), 1);
    // A v0.1 bundle: the signed entry timestamp is the log evidence (its proof has no checkpoint).
    assert!(v.tlog_entries[0].promise_verified);
    npm_verify(NPM_SHA512, Matcher::regex("https://github.com/sigstore/sigstore-js/.*").unwrap()).unwrap();
}

#[test]
fn readme_example_rejects_tampering() {
    let mut tampered = NPM_SHA512.to_string();
    tampered.replace_range(0..1, "8");
    assert!(matches!(npm_verify(&tampered, Matcher::exact(NPM_SAN)), Err(Error::InToto(_))));
    assert!(matches!(npm_verify(NPM_SHA512, Matcher::exact("https://github.com/attacker/x")), Err(Error::IdentityMismatch { .. })));
    // An unanchored regexp is not enough.
    assert!(matches!(npm_verify(NPM_SHA512, Matcher::regex("sigstore-js").unwrap()), Err(Error::IdentityMismatch { .. })));
}
