//! `notation::trustpolicy::TrustPolicyDocument::parse` on arbitrary bytes, as an OCI and as a
//! blob document; a document that parses is asked for its statements.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck::notation::trustpolicy::{DocumentKind, TrustPolicyDocument, Validation};

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = TrustPolicyDocument::parse(data, DocumentKind::Oci) {
        let _ = doc.applicable("registry.example/ns/app");
        for st in &doc.statements {
            for v in Validation::ALL {
                let _ = st.action(v);
            }
        }
    }
    if let Ok(doc) = TrustPolicyDocument::parse(data, DocumentKind::Blob) {
        let _ = doc.applicable_blob(None);
    }
});
