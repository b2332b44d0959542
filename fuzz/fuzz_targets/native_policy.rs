#![no_main]
//! The native policy (`apiVersion: sealcheck.dev/v1`) and its revocation lists on arbitrary
//! bytes: compiled with inline material only (a file a policy names is not found); a policy that
//! compiles selects rules and exceptions for references in their raw and normalized spellings
//! alike.
use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::oci::Reference;
use sealcheck::policy::{native, PolicyFiles};
use sealcheck::UnixTime;

struct NoFiles;
impl PolicyFiles for NoFiles {
    fn read(&self, path: &str, _: usize) -> sealcheck::Result<Vec<u8>> {
        Err(sealcheck::Error::NotFound(path.into()))
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = native::RevocationList::from_json(data);
    let Ok(p) = native::compile(data, &NoFiles, &RUST_CRYPTO) else { return };
    for raw in ["registry.example.com/ns/app:1", "busybox", "localhost:5000/a@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"] {
        let r = Reference::parse(raw).expect("fixed reference");
        let n = Reference::parse(&r.to_string()).expect("normalized reparses");
        assert_eq!(p.rule_for("docker", &r).0, p.rule_for("docker", &n).0, "{raw}");
        for e in p.exceptions() {
            let _ = e.applies(&r, r.digest(), UnixTime::from_secs(1_800_000_000));
        }
    }
});
