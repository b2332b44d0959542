//! Shared by the bench binaries: the conformance happy-path cases, read in place from
//! `../shared/vectors`, and the raw signature checks each of them contains, pre-extracted with
//! the crate's public API so that a bench can time `Backend::verify` alone.

#![allow(dead_code)] // each bench binary uses a different part of this module

use std::path::{Path, PathBuf};

use sealcheck::UnixTime;
use sealcheck::asn1::{Reader, tag};
use sealcheck::crypto::{Backend, HashAlgorithm, KeyAlgorithm, Message, PublicKey, RUST_CRYPTO, SignatureScheme};
use sealcheck::encoding::base64_decode;
use sealcheck::sigstore::bundle::{Content, VerificationMaterial};
use sealcheck::sigstore::rekor::checkpoint::{self, Checkpoint};
use sealcheck::sigstore::rekor::set;
use sealcheck::sigstore::tsa::TimestampToken;
use sealcheck::sigstore::{Verifier, dsse};
use sealcheck::{Artifact, Bundle, CertificateIdentity, Matcher, Signers, TrustedRoot, VerifiedSignature};
use sealcheck::x509::{self, Certificate};

/// SAN of the conformance suite's signing workflow.
pub const BEACON_SAN: &str =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
/// OIDC issuer of the conformance suite's signing workflow.
pub const BEACON_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// A fixed verification time, after every signature of the cases.
pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// The cases benched: conformance happy paths (v0.1, v0.3, DSSE, Rekor v2 + TSA, v0.2 DSSE + TSA).
pub const CASES: &[&str] = &["happy-path-v0.1", "happy-path-v0.3", "happy-path-intoto-in-dsse-v3", "rekor2-happy-path", "intoto-with-custom-trust-root"];

/// `bundle-verify/` of the sigstore-conformance vectors, beside the repository.
#[must_use]
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/sigstore-conformance/test/assets/bundle-verify")
}

/// One conformance case, loaded.
pub struct Case {
    /// The case directory name.
    pub name: &'static str,
    /// `bundle.sigstore.json`.
    pub bundle_json: Vec<u8>,
    /// The artifact bytes (`artifact`, else `../a.txt`).
    pub artifact: Vec<u8>,
    /// The case's own `trusted_root.json`, if any (else the embedded production root is used).
    pub root_json: Option<Vec<u8>>,
    /// The trusted root, loaded once.
    pub root: TrustedRoot,
    /// The expected signer.
    pub policy: Signers,
}

impl Case {
    /// Loads a case; panics when the vectors are not there (a bench without its case would
    /// measure nothing and say so nowhere).
    #[must_use]
    pub fn load(name: &'static str) -> Self {
        let dir = vectors_dir().join(name);
        let read = |p: &Path| std::fs::read(p).unwrap_or_else(|e| panic!("{name}: {}: {e} (the benches read the shared vectors)", p.display()));
        let bundle_json = read(&dir.join("bundle.sigstore.json"));
        let artifact_path = if dir.join("artifact").exists() { dir.join("artifact") } else { vectors_dir().join("a.txt") };
        let artifact = read(&artifact_path);
        let root_path = dir.join("trusted_root.json");
        let root_json = if root_path.exists() { Some(read(&root_path)) } else { None };
        let root = match &root_json {
            Some(j) => TrustedRoot::from_json(j, &RUST_CRYPTO),
            None => TrustedRoot::production().map(|r| (*r).clone()),
        }
        .unwrap_or_else(|e| panic!("{name}: trusted root: {e}"));
        let policy = Signers::Certificate(CertificateIdentity::new(Matcher::exact(BEACON_SAN), Matcher::exact(BEACON_ISSUER)));
        Self { name, bundle_json, artifact, root_json, root, policy }
    }

    /// All cases.
    #[must_use]
    pub fn load_all() -> Vec<Self> {
        CASES.iter().map(|n| Self::load(n)).collect()
    }

    /// Parses the bundle.
    pub fn parse(&self) -> sealcheck::Result<Bundle> {
        Bundle::from_json(&self.bundle_json)
    }

    /// Verifies an already parsed bundle.
    pub fn verify_parsed(&self, bundle: &Bundle) -> sealcheck::Result<VerifiedSignature> {
        self.verify_parsed_with(&RUST_CRYPTO, bundle)
    }

    /// Verifies an already parsed bundle with `backend`.
    pub fn verify_parsed_with(&self, backend: &dyn Backend, bundle: &Bundle) -> sealcheck::Result<VerifiedSignature> {
        Verifier::new(&self.root, backend).verify(bundle, &Artifact::Bytes(&self.artifact), &self.policy, NOW)
    }

    /// The whole verification: parse, then verify.
    pub fn verify(&self) -> sealcheck::Result<VerifiedSignature> {
        self.verify_parsed(&self.parse()?)
    }

    /// The whole verification with `backend`.
    pub fn verify_with(&self, backend: &dyn Backend) -> sealcheck::Result<VerifiedSignature> {
        self.verify_parsed_with(backend, &self.parse()?)
    }

    /// The bundle's leaf certificate, if it carries one.
    #[must_use]
    pub fn leaf(&self) -> Option<Certificate> {
        match self.parse().ok()?.material {
            VerificationMaterial::Certificate { leaf, .. } => Some(leaf),
            VerificationMaterial::PublicKey { .. } => None,
        }
    }
}

/// One signature check with its inputs extracted: `RUST_CRYPTO.verify(scheme, key, Raw(message), signature)`.
pub struct RawCheck {
    /// Short name: what is signed, and with what.
    pub label: String,
    /// Scheme.
    pub scheme: SignatureScheme,
    /// Public key.
    pub key: PublicKey,
    /// The signed bytes.
    pub message: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
}

impl RawCheck {
    /// Runs the check on the default backend.
    #[inline]
    pub fn run(&self) -> Result<(), ()> {
        self.run_with(&RUST_CRYPTO)
    }

    /// Runs the check on `backend`.
    #[inline]
    pub fn run_with(&self, backend: &dyn Backend) -> Result<(), ()> {
        backend.verify(self.scheme, &self.key, Message::Raw(&self.message), &self.signature)
    }
}

fn key_name(k: &PublicKey) -> String {
    match k.algorithm() {
        KeyAlgorithm::EcdsaP256 => "P-256".into(),
        KeyAlgorithm::EcdsaP384 => "P-384".into(),
        KeyAlgorithm::EcdsaP521 => "P-521".into(),
        KeyAlgorithm::Ed25519 => "Ed25519".into(),
        KeyAlgorithm::Rsa(bits) => format!("RSA-{bits}"),
    }
}

fn hash_name(s: SignatureScheme) -> &'static str {
    match s.hash() {
        Some(HashAlgorithm::Sha256) => "-SHA256",
        Some(HashAlgorithm::Sha384) => "-SHA384",
        Some(HashAlgorithm::Sha512) => "-SHA512",
        None => "",
    }
}

fn check(what: &str, scheme: SignatureScheme, key: &PublicKey, message: Vec<u8>, signature: Vec<u8>) -> RawCheck {
    let label = format!("{what}_{}{}", key_name(key), hash_name(scheme));
    let c = RawCheck { label, scheme, key: key.clone(), message, signature };
    assert!(c.run().is_ok(), "raw check {} does not verify", c.label);
    c
}

/// The signature checks a successful verification of `case` performs, in verification order:
/// artifact or DSSE signature, per log entry its SET and checkpoint signature, per timestamp its
/// CMS signature, the leaf certificate's signature by its issuer, and the embedded SCTs.
/// Each is checked to verify here. Panics if the case's bundle does not have the expected shape.
#[must_use]
pub fn raw_checks(case: &Case) -> Vec<RawCheck> {
    let bundle = case.parse().expect("bundle parses");
    let root = &case.root;
    let (leaf, carried) = match &bundle.material {
        VerificationMaterial::Certificate { leaf, intermediates } => (leaf, intermediates),
        VerificationMaterial::PublicKey { .. } => panic!("{}: only keyless cases are benched", case.name),
    };
    let mut out = Vec::new();

    // Artifact or DSSE signature, by the leaf key.
    let key = leaf.public_key();
    let scheme = key.default_scheme();
    match &bundle.content {
        Content::MessageSignature { signature, .. } => out.push(check("artifact-sig", scheme, key, case.artifact.clone(), signature.clone())),
        Content::Dsse(env) => out.push(check("dsse-sig", scheme, key, dsse::pae(&env.payload_type, &env.payload), env.signature.clone())),
    }

    // Log entries: signed entry timestamp and checkpoint.
    for (i, e) in bundle.tlog_entries.iter().enumerate() {
        let log = root.tlogs().iter().find(|l| l.key_id == e.log_id).unwrap_or_else(|| panic!("{}: entry {i}: unknown log", case.name));
        if let Some(sig) = &e.signed_entry_timestamp {
            let payload = set::signed_payload(&e.body, e.integrated_time, &e.log_id, e.log_index);
            out.push(check("set", log.scheme, &log.key, payload.into_bytes(), sig.clone()));
        }
        if let Some(note) = e.inclusion_proof.as_ref().and_then(|p| p.checkpoint.as_deref()) {
            let cp = Checkpoint::parse(note).expect("checkpoint parses");
            let name = checkpoint::signer_name(log);
            let sig = checkpoint_signature(note, name.as_deref(), &log.key_id).unwrap_or_else(|| panic!("{}: no checkpoint signature by {name:?}", case.name));
            out.push(check("checkpoint", log.scheme, &log.key, cp.signed_text.as_bytes().to_vec(), sig));
        }
    }

    // RFC 3161 timestamps: the CMS signature over the signed attributes.
    for (j, der) in bundle.timestamps.iter().enumerate() {
        let token = TimestampToken::parse(j, der).expect("timestamp parses");
        let signer = root
            .timestamp_authorities()
            .iter()
            .map(|a| a.anchor().first())
            .find(|c| token.signer_matches(c))
            .unwrap_or_else(|| panic!("{}: timestamp {j}: no TSA certificate matches", case.name));
        let (scheme, signed_attrs, signature) = cms_signature(der).expect("CMS SignerInfo");
        out.push(check("tsa-cms", scheme, signer.public_key(), signed_attrs, signature));
    }

    // The leaf's signature by its issuer: a carried intermediate not already in the root, else the
    // first trusted CA certificate with the leaf's issuer name whose key verifies it.
    let trusted = root.certificate_authorities().iter().flat_map(|ca| ca.chain().iter());
    let issuer = carried
        .iter()
        .chain(trusted)
        .find(|c| {
            c.subject_der() == leaf.issuer_der()
                && RUST_CRYPTO.verify(leaf.signature_scheme(), c.public_key(), Message::Raw(leaf.tbs_der()), leaf.signature()).is_ok()
        })
        .unwrap_or_else(|| panic!("{}: no issuer verifies the leaf", case.name));
    out.push(check("leaf-cert", leaf.signature_scheme(), issuer.public_key(), leaf.tbs_der().to_vec(), leaf.signature().to_vec()));

    // Embedded SCTs from trusted CT logs, over the precertificate bound to the issuer key hash.
    let issuer_key_hash = RUST_CRYPTO.digest(HashAlgorithm::Sha256, issuer.public_key().spki_der());
    for sct in x509::embedded_scts(leaf).expect("SCT list parses") {
        let Some(log) = root.ctlogs().iter().find(|l| l.key_id == sct.log_id) else { continue };
        let signed = x509::sct::precert_signed_data(&sct, leaf, issuer_key_hash.as_bytes()).expect("precert data");
        out.push(check("sct", sct.scheme, &log.key, signed, sct.signature.clone()));
    }
    out
}

/// The signature (key hint stripped) on the note's line signed by `name` (`None`: any name) with
/// `key_id`'s hint.
fn checkpoint_signature(note: &str, name: Option<&str>, key_id: &[u8]) -> Option<Vec<u8>> {
    let (_, sigs) = note.split_once("\n\n")?;
    sigs.lines().find_map(|line| {
        let (n, b64) = line.strip_prefix("\u{2014} ")?.rsplit_once(' ')?;
        let raw = base64_decode("checkpoint", b64).ok()?;
        (name.is_none_or(|name| n == name) && raw.get(..4) == key_id.get(..4)).then(|| raw[4..].to_vec())
    })
}

/// From a DER `TimeStampResp`: the `SignerInfo`'s scheme, its signed attributes re-tagged as
/// `SET OF` (the bytes signed, RFC 5652 §5.4), and its signature value.
fn cms_signature(der: &[u8]) -> sealcheck::Result<(SignatureScheme, Vec<u8>, Vec<u8>)> {
    let w = "timestamp";
    let mut resp = Reader::new(w, der).nested(tag::SEQUENCE)?;
    resp.expect(tag::SEQUENCE)?; // status
    let mut content_info = resp.nested(tag::SEQUENCE)?;
    content_info.oid()?;
    let mut sd = content_info.nested(tag::context(0))?.nested(tag::SEQUENCE)?;
    sd.expect(tag::INTEGER)?;
    sd.expect(tag::SET)?;
    sd.expect(tag::SEQUENCE)?;
    sd.optional(tag::context(0))?;
    sd.optional(tag::context(1))?;
    let mut si = sd.nested(tag::SET)?.nested(tag::SEQUENCE)?;
    si.expect(tag::INTEGER)?;
    si.any()?; // sid
    let digest = HashAlgorithm::from_oid(&si.nested(tag::SEQUENCE)?.oid()?)?;
    let attrs = si.expect(tag::context(0))?.value;
    let mut alg = si.nested(tag::SEQUENCE)?;
    let oid = alg.oid()?;
    let params = if alg.is_empty() { None } else { Some(alg.any()?.raw) };
    let scheme = if oid.to_string() == "1.2.840.10045.2.1" {
        // Bare id-ecPublicKey: the hash is the SignerInfo's digest algorithm.
        match digest {
            HashAlgorithm::Sha256 => SignatureScheme::EcdsaSha256,
            HashAlgorithm::Sha384 => SignatureScheme::EcdsaSha384,
            HashAlgorithm::Sha512 => SignatureScheme::EcdsaSha512,
        }
    } else {
        SignatureScheme::from_algorithm_identifier(w, &oid, params)?
    };
    let signature = si.expect(tag::OCTET_STRING)?.value.to_vec();
    Ok((scheme, sealcheck::asn1::encode(tag::SET, attrs), signature))
}

/// The container-libs fixture `dir-img-cosign-fulcio-rekor-valid` (a Fulcio + Rekor legacy
/// signature) under a compiled `fulcio` policy, and the bare verification inside a decision.
pub struct KeylessImage {
    verifier: sealcheck::ImageVerifier,
    image: sealcheck::ImageEvidence,
    trust: sealcheck::Trust,
    stored: sealcheck::cosign::StoredSignature,
    bundle: Bundle,
}

/// When the fixture's signature verifies.
pub const KEYLESS_AT: UnixTime = UnixTime::from_secs(1_748_736_000);

impl KeylessImage {
    /// Loads the fixture and compiles the policy.
    #[must_use]
    pub fn load() -> Self {
        let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/container-libs/image/signature/fixtures");
        let read = |p: &str| std::fs::read(fx.join(p)).unwrap_or_else(|e| panic!("{}: {e}", fx.join(p).display()));
        // fixtures/rekor.pub is a git symlink kept as a file naming its target.
        let keys = fx.display();
        let policy = format!(
            r#"{{"default":[{{"type":"sigstoreSigned","fulcio":{{"caPath":"{keys}/fulcio_v1.crt.pem","oidcIssuer":"https://github.com/login/oauth","subjectEmail":"mitr@redhat.com"}},"rekorPublicKeyPath":"{keys}/../internal/testdata/rekor.pub","signedIdentity":{{"type":"matchRepository"}}}}]}}"#
        );
        let compiled = sealcheck::policy::containers::compile(policy.as_bytes(), &sealcheck::policy::FsFiles, &RUST_CRYPTO).expect("fulcio policy");
        let sig = read("dir-img-cosign-fulcio-rekor-valid/signature-1");
        let image = sealcheck::verifier::image_evidence(
            "192.168.64.2:5000/cosign-signed/fulcio-rekor-1",
            Some(&read("dir-img-cosign-fulcio-rekor-valid/manifest.json")),
            &[&sig],
            &[],
        )
        .expect("evidence");
        let (_, rule) = compiled.rule_for("docker", image.reference());
        let sealcheck::policy::Requirement::Signed(req) = &rule.requirements()[0] else { unreachable!("a sigstoreSigned requirement") };
        let trust = req.trust.clone();
        let stored = sealcheck::cosign::StoredSignature::from_storage_blob(&sig).expect("signature");
        let bundle = stored.to_bundle().expect("bundle");
        let verifier = sealcheck::ImageVerifier::new(std::sync::Arc::new(compiled), sealcheck::CryptoProvider::default());
        Self { verifier, image, trust, stored, bundle }
    }

    /// One decision.
    pub fn decide(&self) -> sealcheck::Decision {
        self.verifier.decide(&self.image, KEYLESS_AT)
    }

    /// The compiled policy's verifier and the image's evidence.
    #[must_use]
    pub const fn parts(&self) -> (&sealcheck::ImageVerifier, &sealcheck::ImageEvidence) {
        (&self.verifier, &self.image)
    }

    /// The bundle verification the decision contains.
    pub fn bare(&self) -> sealcheck::Result<VerifiedSignature> {
        Verifier::new(&self.trust.root, &RUST_CRYPTO)
            .with_thresholds(self.trust.thresholds)
            .verify(&self.bundle, &Artifact::Bytes(&self.stored.payload), &self.trust.signers, KEYLESS_AT)
    }
}
