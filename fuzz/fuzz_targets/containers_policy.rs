#![no_main]
//! containers-policy.json: parse, and when it parses, select rules for a fixed reference.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = sealcheck::policy::containers::from_json(data) {
        let r = sealcheck::oci::Reference::parse("registry.example.com/ns/app:1").expect("fixed reference");
        let _ = p.rules_for("docker", &r);
    }
});
