#![no_main]
//! OCI / Docker manifests and indexes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sealcheck::oci::manifest::Manifest::from_json(data);
});
