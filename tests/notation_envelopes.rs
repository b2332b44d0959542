//! Notary envelopes from notation-go and notation (`../shared/vectors/notation-suite`) parse and
//! verify at the envelope level: the integrity step of trust-store-trust-policy.md "Signature
//! Evaluation" (signature over the exact signed bytes, algorithm fixed by the leaf's key,
//! certificate chain structure), before any trust policy applies.

use std::path::PathBuf;

use sealcheck::notation::chain::{self, Purpose};
use sealcheck::notation::envelope::{Envelope, EnvelopeFormat, SigningScheme, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS};
use sealcheck::CryptoProvider;

fn suite(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/notation-suite").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("vector {} is missing ({e}): the Notary suites need ../shared/vectors", p.display()))
}

fn media_type(rel: &str) -> &'static str {
    if rel.contains("cose") { MEDIA_TYPE_COSE } else { MEDIA_TYPE_JWS }
}

/// Valid envelopes: notation-go `verifier/verifier_test.go` (mocks), `verifier/timestamp_test.go`
/// (timestamped), `internal/testdata` (JWS and COSE over one layout).
#[test]
fn valid_envelopes_verify() {
    let b = CryptoProvider::default();
    for rel in [
        "notation-go/internal/mock/testdata/ca_valid_sig_env.json",
        "notation-go/internal/mock/testdata/sa_valid_sig_env.json",
        "notation-go/internal/mock/testdata/ca_expired_sig_env.json",
        "notation-go/internal/mock/testdata/sig_env_with_metadata.json",
        "notation-go/internal/testdata/jws_signature.sig",
        "notation-go/internal/testdata/cose_signature.sig",
        "notation-go/verifier/testdata/timestamp/sigEnv/jwsWithTimestamp.sig",
        "notation-go/verifier/testdata/timestamp/sigEnv/coseWithTimestamp.sig",
        "notation-go/verifier/testdata/timestamp/sigEnv/withoutTimestamp.sig",
        "notation/test/e2e/testdata/signatures/blob.jws.sig",
        "notation/test/e2e/testdata/signatures/blob.cose.sig",
    ] {
        let env = Envelope::parse(media_type(rel), &suite(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        chain::validate(b.backend(), &env.chain, Purpose::CodeSigning).unwrap_or_else(|e| panic!("{rel}: chain: {e}"));
        env.verify_signature(b.backend()).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let want = if rel.contains("cose") { EnvelopeFormat::Cose } else { EnvelopeFormat::Jws };
        assert_eq!(env.format, want, "{rel}");
        if rel.contains("sa_") {
            assert_eq!(env.attributes.scheme, SigningScheme::SigningAuthority, "{rel}");
            assert!(env.attributes.authentic_signing_time.is_some());
        }
        if rel.contains("WithTimestamp") || rel.contains("blob.") {
            assert!(env.timestamp.is_some(), "{rel} carries a countersignature");
        }
    }
}

/// Invalid envelopes are refused: a padded base64url payload (notation-go mocks
/// `ca_invalid_sig_env.json`, asserted "illegal base64 data" in verifier_test.go); a
/// verification plugin, which a verifier without plugins must refuse (signature-specification.md
/// "Guidelines for implementations"; notation-go refuses them without the plugin); text that
/// is no envelope (notation e2e `malformed.jws.sig`).
#[test]
fn invalid_envelopes_are_refused() {
    for (rel, want) in [
        ("notation-go/internal/mock/testdata/ca_invalid_sig_env.json", "base64url"),
        ("notation-go/internal/mock/testdata/sa_invalid_sig_env.json", "base64url"),
        // Its crit lists an unknown "SomeKey" before the plugin.
        ("notation-go/internal/mock/testdata/ca_plugin_sig_env.json", "unknown critical attribute \"SomeKey\""),
        ("notation-go/internal/mock/testdata/sa_plugin_sig_env.json", "unknown critical attribute \"SomeKey\""),
        ("notation-go/internal/mock/testdata/ca_compatible_pluginver_sig_env_1.0.0.json", "verification plugins are not supported"),
        ("notation/test/e2e/testdata/signatures/malformed.jws.sig", "JSON"),
    ] {
        let e = Envelope::parse(media_type(rel), &suite(rel)).expect_err(rel);
        assert!(e.to_string().contains(want) || format!("{e:?}").contains(want), "{rel}: {e}");
    }
}
