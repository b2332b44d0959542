#![no_main]
//! Cosign simple-signing payloads and the containers storage form of stored signatures.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sealcheck::cosign::SimpleSigningPayload::from_json(data);
    if let Ok(sig) = sealcheck::cosign::StoredSignature::from_storage_blob(data) {
        let _ = sig.signature();
        let _ = sig.certificate();
        let _ = sig.chain();
        let _ = sig.rekor_bundle();
        let _ = sig.rfc3161_timestamp();
        let _ = sig.to_bundle();
    }
});
