//! Test support: a self-contained Sigstore world built from fixed seeds, and signed bundles with
//! a knob for every field a verifier must check.
//!
//! Nothing here comes from outside: the Fulcio-style CA ([`pki`]), the CT log ([`ct`]), a Rekor
//! v1 log and a second one ([`rekor_v1`]), a Rekor v2 log ([`rekor_v2`]) and a timestamp
//! authority ([`tsa`]) are generated, described by a trusted root ([`trusted_root`]), and used to
//! sign bundles ([`bundle`]). Keys are derived from labels and ECDSA is RFC 6979 deterministic,
//! so every run produces the same bytes.
//!
//! Times: the leaf is valid for ten minutes from [`T0`]; the logs integrate and the TSA stamps at
//! [`SIGNED_AT`]; verification happens at [`NOW`]. Every authority is trusted from a year before
//! [`T0`], open-ended ([`trust_window`]).
//!
//! A test takes [`World::get`], builds a bundle with [`World::bundle`] (or from the pieces),
//! mutates one thing, and checks the error kind [`verify`] returns.

pub mod bundle;
#[allow(dead_code, reason = "the image tests use it; generated.rs, which checks the rest for dead items, does not")]
pub mod cosign;
pub mod crl;
pub mod ct;
pub mod der;
#[allow(dead_code, reason = "the governance and ClusterImagePolicy tests use it; generated.rs, which checks the rest for dead items, does not")]
pub mod image;
pub mod keys;
pub mod notary;
#[allow(dead_code, reason = "the tests against the real peers use it; generated.rs, which checks the rest for dead items, does not")]
pub mod peers;
pub mod pki;
pub mod rekor_v1;
pub mod rekor_v2;
pub mod tlog;
pub mod trusted_root;
pub mod tsa;
#[allow(dead_code, reason = "the notation parity test uses it; generated.rs, which checks the rest for dead items, does not")]
pub mod tsa_server;

use std::sync::LazyLock;

use base64ct::{Base64, Encoding};
use sha2::Digest as _;

use sealcheck::UnixTime;
use sealcheck::crypto::{Backend, CryptoProvider};
use sealcheck::facts::VerifiedSignature;
use sealcheck::sigstore::identity::{CertificateIdentity, Matcher};
use sealcheck::sigstore::{Artifact, Verifier};
use sealcheck::trust::{Signers, Thresholds};

use bundle::{BundleSpec, Content, IN_TOTO, Signer, Version, in_toto_statement};
use ct::{CtLog, SctSource, sct_list};
use pki::{FulcioCa, Issuer, LeafSpec};
use rekor_v1::RekorV1;
use rekor_v2::RekorV2;
use tlog::Entry;
use trusted_root::{TrustedRootSpec, Window};
use tsa::Tsa;

pub const DAY: i64 = 86_400;
pub const YEAR: i64 = 365 * DAY;
/// When the leaf certificate starts to be valid (2023-11-14T22:13:20Z).
pub const T0: i64 = 1_700_000_000;
/// The integrated time of log entries and the genTime of timestamps.
pub const SIGNED_AT: i64 = T0 + 30;
/// The verification time.
pub const NOW: i64 = T0 + DAY;
/// The leaf's SAN.
pub const SAN: &str = "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main";
/// The leaf's OIDC issuer.
pub const ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The signed artifact.
pub const ARTIFACT: &[u8] = b"generated artifact: sealcheck test fixture\n";
/// Another artifact, signed by the same signer.
pub const OTHER_ARTIFACT: &[u8] = b"another artifact\n";

/// The provider the verification suites run with: `SEALCHECK_TEST_CRYPTO` (`rustcrypto`, the
/// default, or `aws-lc` when the feature is built), so that CI runs them with each backend.
pub fn provider() -> CryptoProvider {
    match std::env::var("SEALCHECK_TEST_CRYPTO") {
        Err(_) => CryptoProvider::rust_crypto(),
        Ok(name) => CryptoProvider::by_name(&name).unwrap_or_else(|| panic!("SEALCHECK_TEST_CRYPTO={name}: not a backend of this build")),
    }
}

/// [`provider`]'s backend.
pub fn backend() -> &'static dyn Backend {
    provider().backend()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

pub fn sha384(data: &[u8]) -> [u8; 48] {
    sha2::Sha384::digest(data).into()
}

/// Standard padded base64.
pub fn b64(data: &[u8]) -> String {
    Base64::encode_string(data)
}

/// Lowercase hex.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// PEM (RFC 7468) with 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// The host of a base URL (`https://host/path` → `host`).
pub fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// The window every generated authority is trusted in.
pub fn trust_window() -> Window {
    Window { start: T0 - YEAR, end: None }
}

/// A log a bundle entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Log {
    RekorV1,
    /// A second, distinct Rekor v1 log.
    RekorV1Second,
    RekorV2,
}

/// What the signer signs.
#[derive(Clone, Debug)]
pub enum Payload {
    /// A message signature over [`ARTIFACT`].
    MessageSignature,
    /// A DSSE envelope over an in-toto statement whose subject has this SHA-256.
    InToto { subject_sha256: [u8; 32] },
}

impl Payload {
    /// An in-toto statement about [`ARTIFACT`].
    pub fn in_toto() -> Self {
        Self::InToto { subject_sha256: sha256(ARTIFACT) }
    }
}

/// How [`World::bundle`] assembles a bundle.
#[derive(Clone, Debug)]
pub struct Plan {
    pub version: Version,
    pub payload: Payload,
    /// One entry per item, entry `i` at log index `10 + i`.
    pub logs: Vec<Log>,
    /// Add an RFC 3161 timestamp from the TSA at [`SIGNED_AT`].
    pub timestamp: bool,
}

impl Default for Plan {
    /// v0.3, a message signature, one Rekor v1 entry, no timestamp.
    fn default() -> Self {
        Self { version: Version::V0_3, payload: Payload::MessageSignature, logs: vec![Log::RekorV1], timestamp: false }
    }
}

/// Every generated authority.
pub struct World {
    pub fulcio: FulcioCa,
    pub ct: CtLog,
    /// A CT log that no trusted root lists.
    pub ct_unknown: CtLog,
    pub rekor: RekorV1,
    pub rekor_second: RekorV1,
    pub rekor_v2: RekorV2,
    pub tsa: Tsa,
}

static WORLD: LazyLock<World> = LazyLock::new(|| World {
    fulcio: FulcioCa::new("fulcio", "https://fulcio.sigstore.test"),
    ct: CtLog::new("ct log", "https://ctfe.sigstore.test/test"),
    ct_unknown: CtLog::new("unknown ct log", "https://ctfe.unknown.test"),
    rekor: RekorV1::new("rekor", "https://rekor.sigstore.test", 1_193_050_959_916_656_506),
    rekor_second: RekorV1::new("rekor second", "https://rekor2.sigstore.test", 42),
    rekor_v2: RekorV2::new("rekor v2", "https://log2025-1.rekor.sigstore.test"),
    tsa: Tsa::new("tsa", "https://timestamp.sigstore.test/api/v1/timestamp", T0 - YEAR, T0 + 10 * YEAR),
});

impl World {
    /// The shared world (built once: the CA and TSA certificates take a few signatures).
    pub fn get() -> &'static Self {
        &WORLD
    }

    /// A trusted root listing every authority of the world except [`World::ct_unknown`], each
    /// trusted in [`trust_window`].
    pub fn trusted_root(&self) -> TrustedRootSpec {
        let w = trust_window();
        TrustedRootSpec {
            tlogs: vec![self.rekor.trust(w), self.rekor_second.trust(w), self.rekor_v2.trust(w)],
            ctlogs: vec![self.ct.trust(w)],
            cas: vec![self.fulcio.trust(w)],
            tsas: vec![self.tsa.trust(w)],
        }
    }

    /// A leaf of `spec` issued by the Fulcio intermediate.
    pub fn fulcio_signer(&self, spec: &LeafSpec) -> Signer {
        self.leaf_signer(spec, &self.fulcio.intermediate, Vec::new())
    }

    /// A leaf of `spec` issued by `issuer`; the bundle will carry `chain` after it.
    pub fn leaf_signer(&self, spec: &LeafSpec, issuer: &Issuer, chain: Vec<Vec<u8>>) -> Signer {
        let t = spec.template();
        let sct_ms = u64::try_from(spec.not_before).unwrap() * 1000;
        let t = match spec.sct {
            SctSource::Trusted => self.ct.embed(t, issuer, sct_ms),
            SctSource::UnknownLog => self.ct_unknown.embed(t, issuer, sct_ms),
            SctSource::OverOtherTbs => {
                let mut other = t.clone();
                other.serial += 1;
                let sct = self.ct.sct(sct_ms, &issuer.tbs(&other), &issuer.key.spki());
                t.with(sct_list(&[sct]))
            }
            SctSource::Absent => t,
        };
        Signer { key: spec.key(), cert: Some(issuer.issue(&t)), chain }
    }

    /// A signer identified by its key only.
    pub fn key_signer(&self) -> Signer {
        Signer { key: keys::Key::p256("managed signing key"), cert: None, chain: Vec::new() }
    }

    /// `signer`'s signature over `payload`.
    pub fn sign(&self, signer: &Signer, payload: &Payload) -> Content {
        match payload {
            Payload::MessageSignature => signer.sign_message(ARTIFACT),
            Payload::InToto { subject_sha256 } => signer.sign_dsse(IN_TOTO, &in_toto_statement(subject_sha256)),
        }
    }

    /// A complete entry of `log` recording `content` by `signer` at `log_index`.
    pub fn entry(&self, log: Log, content: &Content, signer: &Signer, log_index: u64) -> Entry {
        match log {
            Log::RekorV1 => self.rekor.entry(content, signer, log_index, SIGNED_AT),
            Log::RekorV1Second => self.rekor_second.entry(content, signer, log_index, SIGNED_AT),
            Log::RekorV2 => self.rekor_v2.entry(content, signer, log_index),
        }
    }

    /// A bundle signed by `signer` as `plan` says.
    pub fn bundle(&self, signer: &Signer, plan: &Plan) -> BundleSpec {
        self.bundle_of(signer, plan, self.sign(signer, &plan.payload))
    }

    /// A bundle of `content`, by `signer`, with the entries and timestamps `plan` says (its
    /// payload is not used). v0.1 entries carry only their promise.
    pub fn bundle_of(&self, signer: &Signer, plan: &Plan, content: Content) -> BundleSpec {
        let tlog_entries = (10..)
            .zip(&plan.logs)
            .map(|(index, &log)| {
                let mut e = self.entry(log, &content, signer, index);
                if plan.version == Version::V0_1 {
                    e.proof = None;
                }
                e
            })
            .collect();
        let timestamps = if plan.timestamp { vec![self.tsa.timestamp(content.signature(), SIGNED_AT)] } else { Vec::new() };
        BundleSpec {
            media_type: plan.version.media_type().into(),
            material: signer.material(plan.version),
            content,
            tlog_entries,
            timestamps,
        }
    }

    /// The default keyless bundle: the default leaf, signed as `plan` says.
    pub fn keyless(&self, plan: &Plan) -> BundleSpec {
        self.bundle(&self.fulcio_signer(&LeafSpec::default()), plan)
    }
}

/// Expects the default leaf's exact SAN and issuer.
pub fn default_identity() -> Signers {
    identity(Matcher::exact(SAN), Matcher::exact(ISSUER))
}

/// Expects a certificate identity.
pub fn identity(san: Matcher, issuer: Matcher) -> Signers {
    Signers::Certificate(CertificateIdentity::new(san, issuer))
}

/// Verifies `bundle` for [`ARTIFACT`] at [`NOW`] with default thresholds.
pub fn verify(root: &TrustedRootSpec, bundle: &BundleSpec, policy: &Signers) -> sealcheck::Result<VerifiedSignature> {
    verify_with(root, bundle, policy, Thresholds::default(), &Artifact::Bytes(ARTIFACT))
}

/// Loads `root`, parses `bundle` and verifies it; any stage's error is returned.
pub fn verify_with(
    root: &TrustedRootSpec,
    bundle: &BundleSpec,
    policy: &Signers,
    thresholds: Thresholds,
    artifact: &Artifact<'_>,
) -> sealcheck::Result<VerifiedSignature> {
    let root = root.load()?;
    let bundle = bundle.parse()?;
    Verifier::new(&root, backend()).with_thresholds(thresholds).verify(&bundle, artifact, policy, UnixTime::from_secs(NOW))
}
