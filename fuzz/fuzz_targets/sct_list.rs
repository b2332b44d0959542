//! `x509::sct::parse_sct_list` on arbitrary bytes (the content of the SCT list extension).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::x509::sct;

fuzz_target!(|data: &[u8]| {
    let _ = sct::parse_sct_list(data);
});
