//! `notation::envelope::Envelope::parse` on arbitrary bytes as a COSE_Sign1 envelope; an envelope that
//! parses has its chain structure checked and its signature verified (both must fail cleanly).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::notation::chain::{self, Purpose};
use sealcheck::notation::envelope::{Envelope, MEDIA_TYPE_COSE};
use sealcheck::CryptoProvider;

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::parse(MEDIA_TYPE_COSE, data) else { return };
    let b = CryptoProvider::default();
    let _ = chain::validate(b.backend(), &env.chain, Purpose::CodeSigning);
    let _ = env.verify_signature(b.backend());
});
