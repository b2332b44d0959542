//! `x509::Certificate::from_der` on arbitrary bytes; a certificate that parses has its embedded
//! SCTs read (and their precertificate bytes built), its identity matched, and a path check run
//! with itself as issuer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::sigstore::{CertificateIdentity, Matcher};
use sealcheck::x509::{self, Certificate, OID_EKU_CODE_SIGNING, PathCheck};

fuzz_target!(|data: &[u8]| {
    let Ok(cert) = Certificate::from_der("fuzz certificate", data) else { return };
    if let Ok(scts) = x509::embedded_scts(&cert) {
        for sct in &scts {
            let _ = x509::sct::precert_signed_data(sct, &cert, &[0u8; 32]);
        }
    }
    let _ = cert.identity();
    let id = CertificateIdentity::new(Matcher::exact("https://example.com/fuzz"), Matcher::exact("https://token.actions.githubusercontent.com"));
    let _ = id.check(&cert);
    let check = PathCheck { time: cert.not_before(), leaf_eku: Some(OID_EKU_CODE_SIGNING), trusted_from: 1, leaf_signature_verified: false };
    let _ = x509::verify_path(&RUST_CRYPTO, "fuzz certificate", &cert, &[&cert], &check);
    let _ = x509::verify_anchor_chain(&RUST_CRYPTO, "fuzz anchor", std::slice::from_ref(&cert));
});
