//! `TrustedRoot::from_json` on arbitrary bytes, then the accessors a verifier uses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::UnixTime;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::sigstore::TrustedRoot;
use sealcheck::sigstore::rekor::checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(root) = TrustedRoot::from_json(data, &RUST_CRYPTO) else { return };
    let t = UnixTime::from_secs(1_700_000_000);
    for log in root.tlogs().iter().chain(root.ctlogs()) {
        let _ = checkpoint::signer_name(log);
        let _ = log.valid_for.contains(t);
    }
    for a in root.certificate_authorities().iter().chain(root.timestamp_authorities()) {
        let _ = a.valid_for.contains(t);
        for c in a.chain() {
            let _ = (c.valid_at(t), c.is_self_issued(), c.identity());
        }
    }
});
