//! `sigstore::tsa::TimestampToken::parse` on arbitrary bytes; a token that parses has its
//! embedded certificates parsed and its signature checked against every certificate of the
//! embedded roots' timestamp authorities that its signer id names.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::sigstore::TrustedRoot;
use sealcheck::sigstore::tsa::TimestampToken;
use sealcheck::x509::Certificate;

static ROOTS: LazyLock<[std::sync::Arc<TrustedRoot>; 2]> =
    LazyLock::new(|| [TrustedRoot::production().expect("production root"), TrustedRoot::staging().expect("staging root")]);

fuzz_target!(|data: &[u8]| {
    let Ok(token) = TimestampToken::parse(0, data) else { return };
    let _ = (token.gen_time(), token.message_imprint());
    for der in token.embedded_certificates() {
        if let Ok(c) = Certificate::from_der("embedded TSA certificate", der) {
            if token.signer_matches(&c) {
                let _ = token.verify_signature(&RUST_CRYPTO, 0, &c);
            }
        }
    }
    for c in ROOTS.iter().flat_map(|r| r.timestamp_authorities()).flat_map(|a| a.chain()) {
        if token.signer_matches(c) {
            let _ = token.verify_signature(&RUST_CRYPTO, 0, c);
        }
    }
});
