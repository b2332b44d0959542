#![no_main]
//! Docker references: parse, and when they parse, scopes and display round-trip without panics.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(r) = sealcheck::oci::Reference::parse(s) {
            let _ = r.policy_scopes();
            let again = sealcheck::oci::Reference::parse(&r.to_string()).expect("a parsed reference reparses");
            assert_eq!(again, r);
        }
    }
});
