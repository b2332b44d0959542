//! `Checkpoint::parse` on arbitrary UTF-8; a checkpoint that parses is verified against the log
//! keys of the embedded production and staging roots (P-256 and Ed25519).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::sigstore::TrustedRoot;
use sealcheck::sigstore::rekor::checkpoint::{self, Checkpoint};

static ROOTS: LazyLock<[std::sync::Arc<TrustedRoot>; 2]> =
    LazyLock::new(|| [TrustedRoot::production().expect("production root"), TrustedRoot::staging().expect("staging root")]);

fuzz_target!(|data: &[u8]| {
    let Ok(note) = std::str::from_utf8(data) else { return };
    let Ok(cp) = Checkpoint::parse(note) else { return };
    for log in ROOTS.iter().flat_map(|r| r.tlogs()) {
        let name = checkpoint::signer_name(log);
        let _ = cp.verify(&RUST_CRYPTO, log, name.as_deref());
        let _ = cp.verify(&RUST_CRYPTO, log, Some(cp.origin));
        let _ = cp.verify(&RUST_CRYPTO, log, None);
    }
});
