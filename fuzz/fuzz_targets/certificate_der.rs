//! `x509::Certificate::from_der` on arbitrary bytes; a certificate that parses has its embedded
//! SCTs read (and their precertificate bytes built), its identity matched, a path built with it
//! as its own trust anchor and as an untrusted intermediate, and a trust anchor made of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::x509::{self, Certificate, KeyPurpose, PathBuilder, TrustAnchor};
use sealcheck::{CertificateIdentity, Matcher};

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
    let t = [cert.not_before()];
    if let Ok(anchor) = TrustAnchor::new(&RUST_CRYPTO, "fuzz anchor", vec![cert.clone()]) {
        let anchors = [anchor];
        let _ = PathBuilder::new(&RUST_CRYPTO, &anchors, std::slice::from_ref(&cert), KeyPurpose::CodeSigning).build("fuzz certificate", &cert, &t, &mut |_| Ok(()));
        let _ = anchors[0].check_end_entity("fuzz anchor", t[0], KeyPurpose::TimeStamping);
    }
});
