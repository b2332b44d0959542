#![no_main]
//! containers-policy.json: validate (strict, no file reads), compile with inline material only,
//! and when it compiles, select rules for references in their raw and normalized spellings: the
//! rule must be the same (scopes are looked up on the normalized reference).
use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::oci::Reference;
use sealcheck::policy::{PolicyFiles, containers};

struct NoFiles;
impl PolicyFiles for NoFiles {
    fn read(&self, path: &str, _: usize) -> sealcheck::Result<Vec<u8>> {
        Err(sealcheck::Error::NotFound(path.into()))
    }
}

fuzz_target!(|data: &[u8]| {
    let valid = containers::validate(data, &RUST_CRYPTO).is_ok();
    let Ok(p) = containers::compile(data, &NoFiles, &RUST_CRYPTO) else { return };
    assert!(valid, "a policy that compiles validates");
    for raw in ["registry.example.com/ns/app:1", "busybox", "index.docker.io/library/busybox:latest", "localhost:5000/a@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"] {
        let r = Reference::parse(raw).expect("fixed reference");
        let n = Reference::parse(&r.to_string()).expect("normalized reparses");
        let (a, _) = p.rule_for("docker", &r);
        let (b, _) = p.rule_for("docker", &n);
        assert_eq!(a, b, "{raw}");
    }
});
