//! `Bundle::from_json` on arbitrary bytes; a bundle that parses is then verified against the
//! embedded production and staging roots, for a fixed identity (or a fixed key) and a fixed
//! artifact. Neither step may panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use sealcheck::UnixTime;
use sealcheck::crypto::{Backend, HashAlgorithm, RUST_CRYPTO};
use sealcheck::sigstore::bundle::VerificationMaterial;
use sealcheck::sigstore::Verifier;
use sealcheck::{Artifact, Bundle, CertificateIdentity, Matcher, Signers, TrustedKey, TrustedRoot};

const SAN: &str =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";
const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

struct Env {
    roots: [std::sync::Arc<TrustedRoot>; 2],
    identity: Signers,
    key: Signers,
    artifact: Vec<u8>,
}

static ENV: LazyLock<Env> = LazyLock::new(|| {
    let prod = TrustedRoot::production().expect("production root");
    let staging = TrustedRoot::staging().expect("staging root");
    // A key policy for key-signed bundles: any fixed key will do (here a log key of the root).
    let key = Signers::Keys(vec![TrustedKey::new(&RUST_CRYPTO, prod.tlogs()[0].key.clone())]);
    let identity = Signers::Certificate(CertificateIdentity::new(Matcher::exact(SAN), Matcher::exact(ISSUER)));
    // The conformance suite's artifact when the vectors are beside the repository, so that seed
    // bundles verify all the way; otherwise fixed bytes.
    let a_txt = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/sigstore-conformance/test/assets/bundle-verify/a.txt");
    let artifact = std::fs::read(a_txt).unwrap_or_else(|_| b"sealcheck fuzz artifact\n".to_vec());
    Env { roots: [prod, staging], identity, key, artifact }
});

fuzz_target!(|data: &[u8]| {
    let Ok(bundle) = Bundle::from_json(data) else { return };
    let env = &*ENV;
    let policy = match bundle.material {
        VerificationMaterial::Certificate { .. } => &env.identity,
        VerificationMaterial::PublicKey { .. } => &env.key,
    };
    let digest = RUST_CRYPTO.digest(HashAlgorithm::Sha256, &env.artifact);
    for root in &env.roots {
        let v = Verifier::new(root, &RUST_CRYPTO);
        let _ = v.verify(&bundle, &Artifact::Bytes(&env.artifact), policy, NOW);
        let _ = v.verify(&bundle, &Artifact::Digest(digest), policy, NOW);
    }
});
