//! `notation::crl::Crl::parse_file` on arbitrary bytes (DER, or PEM `X509 CRL` blocks); every CRL
//! that parses has its fields and entries read, and the set of them is named (`CrlSet::digest`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::notation::crl::{Crl, CrlSet};

fuzz_target!(|data: &[u8]| {
    let Ok(crls) = Crl::parse_file("fuzz CRL", data) else { return };
    for crl in &crls {
        let _ = (crl.issuer_der(), crl.this_update(), crl.next_update(), crl.tbs_der());
        let _ = (crl.crl_number(), crl.base_crl_number(), crl.is_delta(), crl.unknown_critical_extension());
        for e in crl.entries() {
            let _ = (e.serial.len(), e.revocation_date, e.reason.map(|r| r.name()), e.invalidity_date);
        }
    }
    let _ = CrlSet::new(crls).digest();
});
