//! Differential: sealcheck's Notary Project trust-policy decisions against the notation CLI's
//! own, on images notation itself signed.
//!
//! notation v1.3.2 (built from its Go module by `tests/parity/build-peers.sh`) signs generated
//! OCI layouts, JWS and COSE, with and without an RFC 3161 timestamp (from a generated TSA
//! served on 127.0.0.1, [`TsaServer`]), with this crate's test PKI: a root, an intermediate and
//! P-256 / P-384 code-signing leaves meeting the Notary Project certificate requirements, valid
//! around the real clock (notation verifies against it). The images: signed by each leaf, a
//! signature past its `--expiry`, a leaf past its notAfter (with a timestamp, judged at the
//! timestamp), and one unsigned. Then `notation verify` and `sealcheck
//! verify --notation-policy` decide every image under trust policies of every level (strict,
//! permissive, audit, skip) and a few variants (the right trust store and identity, another
//! root, another subject, a TSA store with an untimestamped signature, another TSA root), and
//! the verdicts (allow: exit 0, reject: 1; for sealcheck 2 is an input error) must agree except
//! in the cells [`DIFFERENCES`] lists. Every cell is also checked against [`model`], the
//! levels' enforcement table of the Notary Project specification, so that a harness fault
//! (nothing allowed, nothing signed) cannot pass as agreement.
//!
//! Every notation run has its own HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME under the scratch
//! directory, and `NOTATION_EXPERIMENTAL=1` (`--oci-layout` is experimental). notation v1.3.2
//! reads the policy of OCI artifacts from `$XDG_CONFIG_HOME/notation/trustpolicy.json`, the
//! trust stores from `…/notation/truststore/x509/{ca,tsa}/NAME/`; sealcheck is given the same
//! files, and the same time (`--time`, the clock when the cell runs).
//!
//! These tests are `#[ignore]`: run them with the peers built,
//! `SEALCHECK_PEERS=$PWD/target/peers cargo test --release --test notation_parity -- --ignored`,
//! after `cargo build --release -p sealcheck-cli` (the sealcheck binary is the one beside this
//! test's target directory, or `$SEALCHECK_BIN`).

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use support::der::{bits, context, encode, octets, oid, rfc3339, seq, set, uint, utf8};
use support::keys::Key;
use support::peers::{peer_path, scratch};
use support::pki::{EKU_CODE_SIGNING, Extension, Issuer, KU_DIGITAL_SIGNATURE, Template};
use support::tsa::Tsa;
use support::tsa_server::TsaServer;
use support::{DAY, YEAR, hex, pem, sha256};

/// The trust-policy scope (`notation verify --scope`), and the repository of the reference
/// sealcheck is asked about. notation's documentation scopes OCI layouts as `local/NAME`: a
/// registry scope is a repository name as written (registry `local`), not a docker reference
/// (no `docker.io/` is implied).
const SCOPE: &str = "local/test";
/// The leaves' subject, as trustedIdentities write it.
const SIGNER_DN: &str = "C=US, ST=WA, L=Seattle, O=sealcheck.test, CN=notation signer";
/// A subject no leaf has.
const OTHER_DN: &str = "C=US, ST=WA, L=Seattle, O=sealcheck.test, CN=someone else";

/// The deliberate differences: `(cell, sealcheck's verdict, notation's verdict, why)`, where
/// sealcheck follows the Notary Project specification over notation-go. A listed cell must
/// differ exactly so; every other cell must agree.
const DIFFERENCES: &[(&str, Verdict, Verdict, &str)] = &[
    // None yet.
];

// ---- verdicts and the specification's model ---------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Allow,
    Reject,
    /// sealcheck exit 2 (usage or input error) or anything but 0 and 1; notation never says it.
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Strict,
    Permissive,
    Audit,
    Skip,
}

const LEVELS: [Level; 4] = [Level::Strict, Level::Permissive, Level::Audit, Level::Skip];

impl Level {
    fn name(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Permissive => "permissive",
            Self::Audit => "audit",
            Self::Skip => "skip",
        }
    }

    /// Whether a failure of `check` rejects at this level (the specification's table of
    /// verification levels: `enforce`, as opposed to `log` or `skip`).
    fn enforces(self, check: Check) -> bool {
        match self {
            Self::Strict => true,
            Self::Permissive => matches!(check, Check::Integrity | Check::Authenticity),
            Self::Audit => check == Check::Integrity,
            Self::Skip => false,
        }
    }
}

/// A validation of the specification's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Integrity (and there being a signature at all).
    Integrity,
    Authenticity,
    AuthenticTimestamp,
    Expiry,
}

/// A trust-policy variant: what the statement trusts, beside its level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// The signer's root (and, for timestamped images, the TSA's), the leaves' subject.
    Trusted,
    /// As `Trusted`, with the identity `*`.
    AnyIdentity,
    /// Another root in place of the signer's.
    OtherStore,
    /// Another subject as the trusted identity.
    OtherIdentity,
    /// For images without a timestamp: the TSA store too, so a timestamp is required.
    TsaStoreNoTimestamp,
    /// For timestamped images: another TSA root.
    OtherTsaStore,
}

const VARIANTS: [Variant; 6] =
    [Variant::Trusted, Variant::AnyIdentity, Variant::OtherStore, Variant::OtherIdentity, Variant::TsaStoreNoTimestamp, Variant::OtherTsaStore];

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Self::Trusted => "trusted",
            Self::AnyIdentity => "any identity",
            Self::OtherStore => "other trust store",
            Self::OtherIdentity => "other identity",
            Self::TsaStoreNoTimestamp => "tsa store, no timestamp",
            Self::OtherTsaStore => "other tsa store",
        }
    }

    fn slug(self) -> String {
        self.name().replace([' ', ','], "-")
    }

    fn applies(self, timestamped: bool) -> bool {
        match self {
            Self::TsaStoreNoTimestamp => !timestamped,
            Self::OtherTsaStore => timestamped,
            _ => true,
        }
    }

    /// What fails under this variant, for a valid signature.
    fn failure(self) -> Option<Check> {
        match self {
            Self::Trusted | Self::AnyIdentity => None,
            Self::OtherStore | Self::OtherIdentity => Some(Check::Authenticity),
            Self::TsaStoreNoTimestamp | Self::OtherTsaStore => Some(Check::AuthenticTimestamp),
        }
    }

    /// The statement, without its level: `(trustStores, trustedIdentities)`.
    fn trust(self, timestamped: bool) -> (Vec<&'static str>, Vec<String>) {
        let ca = if self == Self::OtherStore { "ca:other" } else { "ca:signer" };
        let tsa = match self {
            Self::OtherTsaStore => Some("tsa:other"),
            Self::TsaStoreNoTimestamp => Some("tsa:tsa"),
            _ => timestamped.then_some("tsa:tsa"),
        };
        let identity = match self {
            Self::AnyIdentity => "*".to_string(),
            Self::OtherIdentity => format!("x509.subject: {OTHER_DN}"),
            _ => format!("x509.subject: {SIGNER_DN}"),
        };
        (std::iter::once(ca).chain(tsa).collect(), vec![identity])
    }
}

/// The specification's verdict for `image` under `variant` at `level`.
fn model(image: &Image, variant: Variant, level: Level) -> Verdict {
    if level == Level::Skip {
        return Verdict::Allow;
    }
    if !image.signed {
        return if level.enforces(Check::Integrity) { Verdict::Reject } else { Verdict::Allow };
    }
    let mut failures: Vec<Check> = variant.failure().into_iter().collect();
    if image.signature_expired {
        failures.push(Check::Expiry);
    }
    // An expired signing certificate is judged at the timestamp when a trusted one is there,
    // at the verification time (and found expired) otherwise; both are authenticTimestamp.
    let trusted_timestamp = image.timestamped && variant != Variant::OtherTsaStore;
    if image.cert_expired && !trusted_timestamp {
        failures.push(Check::AuthenticTimestamp);
    }
    if failures.iter().any(|c| level.enforces(*c)) { Verdict::Reject } else { Verdict::Allow }
}

// ---- the test PKI ------------------------------------------------------------------------------

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// A Name of `C, ST, L, O, CN` (notation's x509.subject identities need C, ST and O).
fn dn(cn: &str) -> Vec<u8> {
    let rdn = |type_oid: &str, value: Vec<u8>| set(&[&seq(&[&oid(type_oid), &value])]);
    let printable = |s: &str| encode(0x13, s.as_bytes());
    seq(&[
        &rdn("2.5.4.6", printable("US")),
        &rdn("2.5.4.8", utf8("WA")),
        &rdn("2.5.4.7", utf8("Seattle")),
        &rdn("2.5.4.10", utf8("sealcheck.test")),
        &rdn("2.5.4.3", utf8(cn)),
    ])
}

/// A CA template (basicConstraints cA critical, keyUsage keyCertSign + cRLSign critical) valid
/// from a day ago for ten years.
fn ca_template(serial: u64, cn: &str, key: &Key, path_len: Option<u64>, t: i64) -> Template {
    Template { subject: dn(cn), not_before: t - DAY, not_after: t + 10 * YEAR, ..Template::ca(serial, cn, key, path_len) }
}

/// How long the short-lived leaf is valid for once generated: long enough to sign with it
/// (first), short enough to wait for.
const SHORT_LIVED: i64 = 10;

/// The signing material: a root, an intermediate (pathLen 0), three leaves with the Notary
/// code-signing profile (keyUsage digitalSignature critical, extendedKeyUsage codeSigning, no
/// basicConstraints): P-256 and P-384 valid from an hour ago for a day, and a P-256 one valid
/// for [`SHORT_LIVED`] seconds more; another root; the TSA.
struct Pki {
    root: Issuer,
    intermediate: Issuer,
    /// `(notation key name, key, certificate)`.
    leaves: Vec<(&'static str, Key, Vec<u8>)>,
    /// When the short-lived leaf expires.
    short_not_after: i64,
    other_root: Issuer,
    tsa: Tsa,
    other_tsa_root: Issuer,
}

impl Pki {
    fn new(t: i64) -> Self {
        let key = Key::p384("notation parity root");
        let root = Issuer::root_from(key.clone(), &ca_template(1, "notation parity root", &key, None, t));
        let key = Key::p384("notation parity intermediate");
        let intermediate = root.issue_issuer(&ca_template(2, "notation parity intermediate", &key, Some(0), t), key);
        let short_not_after = t + SHORT_LIVED;
        let leaves = [
            ("p256", Key::p256("notation parity leaf p256"), 0x5e1, t + DAY),
            ("p384", Key::p384("notation parity leaf p384"), 0x5e2, t + DAY),
            ("p256-short", Key::p256("notation parity leaf p256 short"), 0x5e3, short_not_after),
        ]
        .into_iter()
        .map(|(name, key, serial, not_after)| {
            let template = Template {
                serial,
                subject: dn("notation signer"),
                not_before: t - 3600,
                not_after,
                spki: key.spki(),
                extensions: vec![
                    Extension::key_usage(&[KU_DIGITAL_SIGNATURE]),
                    Extension::ext_key_usage(&[EKU_CODE_SIGNING], false),
                    Extension::subject_key_id(&key),
                ],
            };
            let cert = intermediate.issue(&template);
            (name, key, cert)
        })
        .collect();
        let key = Key::p384("notation parity other root");
        let other_root = Issuer::root_from(key.clone(), &ca_template(1, "notation parity other root", &key, None, t));
        Self {
            root,
            intermediate,
            leaves,
            short_not_after,
            other_root,
            tsa: Tsa::new("notation parity tsa", "http://127.0.0.1", t - DAY, t + YEAR),
            other_tsa_root: Issuer::root(Key::p384("notation parity other tsa root"), "notation parity other tsa root"),
        }
    }
}

/// PKCS#8 PrivateKeyInfo (RFC 5958) of an EC key, PEM: { 0, { id-ecPublicKey, curve },
/// ECPrivateKey (RFC 5915) { 1, scalar, [1] publicKey } }.
fn pkcs8_pem(key: &Key) -> String {
    let (curve, scalar) = match key {
        Key::P256(k) => ("1.2.840.10045.3.1.7", k.to_bytes().as_slice().to_vec()),
        Key::P384(k) => ("1.3.132.0.34", k.to_bytes().as_slice().to_vec()),
        Key::Ed25519(_) => unreachable!("notation signs with EC keys here"),
    };
    let ec = seq(&[&uint(1), &octets(&scalar), &context(1, &bits(&key.public_raw()))]);
    pem("PRIVATE KEY", &seq(&[&uint(0), &seq(&[&oid("1.2.840.10045.2.1"), &oid(curve)]), &octets(&ec)]))
}

// ---- notation's environment --------------------------------------------------------------------

/// HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME of one notation configuration.
struct Env {
    home: PathBuf,
    config: PathBuf,
    cache: PathBuf,
}

impl Env {
    fn new(dir: &Path) -> Self {
        let e = Self { home: dir.join("home"), config: dir.join("config"), cache: dir.join("cache") };
        for d in [&e.home, &e.config.join("notation"), &e.cache] {
            std::fs::create_dir_all(d).unwrap();
        }
        e
    }

    fn notation_dir(&self) -> PathBuf {
        self.config.join("notation")
    }

    /// notation with only this environment (and `NOTATION_EXPERIMENTAL=1`).
    fn notation(&self, args: &[&str]) -> Output {
        Command::new(peer_path("notation"))
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.config)
            .env("XDG_CACHE_HOME", &self.cache)
            .env("NOTATION_EXPERIMENTAL", "1")
            .output()
            .expect("run notation")
    }
}

/// The trust material as files: every named store is in every policy's configuration.
struct Stores {
    /// `(type, name, file, PEM)`.
    certs: Vec<(&'static str, &'static str, &'static str, String)>,
    /// The TSA root, for `notation sign --timestamp-root-cert`.
    tsa_root: PathBuf,
}

impl Stores {
    fn write(pki: &Pki, dir: &Path) -> Self {
        let tsa_pem = pem("CERTIFICATE", &pki.tsa.root.cert);
        let tsa_root = dir.join("tsa-root.crt");
        std::fs::write(&tsa_root, &tsa_pem).unwrap();
        Self {
            certs: vec![
                ("ca", "signer", "root.crt", pem("CERTIFICATE", &pki.root.cert)),
                ("ca", "other", "other-root.crt", pem("CERTIFICATE", &pki.other_root.cert)),
                ("tsa", "tsa", "tsa-root.crt", tsa_pem),
                ("tsa", "other", "other-tsa-root.crt", pem("CERTIFICATE", &pki.other_tsa_root.cert)),
            ],
            tsa_root,
        }
    }

    fn install(&self, env: &Env) {
        for (kind, name, file, text) in &self.certs {
            let d = env.notation_dir().join("truststore/x509").join(kind).join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(file), text).unwrap();
        }
    }
}

/// A trust policy document of one statement for [`SCOPE`].
fn trust_policy(variant: Variant, timestamped: bool, level: Level) -> Value {
    let mut statement = json!({
        "name": "parity",
        "registryScopes": [SCOPE],
        "signatureVerification": { "level": level.name() },
    });
    // A skip statement must name no trust store and no identity.
    if level != Level::Skip {
        let (stores, identities) = variant.trust(timestamped);
        statement["trustStores"] = json!(stores);
        statement["trustedIdentities"] = json!(identities);
    }
    json!({ "version": "1.0", "trustPolicies": [statement] })
}

// ---- images ----------------------------------------------------------------------------------

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&sha256(bytes)))
}

/// A one-layer OCI image layout in `dir`, tagged `v1`; its manifest digest.
fn oci_layout(dir: &Path, content: &str) -> String {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let d = digest(bytes);
        std::fs::write(blobs.join(&d["sha256:".len()..]), bytes).unwrap();
        d
    };
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let layer = content.as_bytes();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config), "size": config.len() },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(layer), "size": layer.len() }],
    }))
    .unwrap();
    let d = put(&manifest);
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": d,
            "size": manifest.len(),
            "annotations": { "org.opencontainers.image.ref.name": "v1" },
        }],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    d
}

/// A generated image and how notation signed it.
struct Image {
    name: String,
    dir: PathBuf,
    digest: String,
    signed: bool,
    timestamped: bool,
    /// Signed with `--expiry 1s`, and verified after it.
    signature_expired: bool,
    /// Signed by the short-lived leaf, and verified after it expired.
    cert_expired: bool,
}

/// `(key, timestamped, signature expiry)` of each signed image: the short-lived leaf's first
/// (while it is valid), then the expiring signatures, then the rest; and one unsigned image.
const SIGNED: [(&str, bool, bool); 8] = [
    ("p256-short", false, false),
    ("p256-short", true, false),
    ("p256", false, true),
    ("p256", true, true),
    ("p256", false, false),
    ("p256", true, false),
    ("p384", false, false),
    ("p384", true, false),
];

/// Writes and signs the images of `format` (`jws` or `cose`); returns once the expiring
/// signatures and the short-lived leaf (valid until `short_not_after`) have expired.
fn sign_images(dir: &Path, format: &str, signer: &Env, tsa: &TsaServer, stores: &Stores, short_not_after: i64) -> Vec<Image> {
    let mut images = Vec::new();
    let mut last_expiring = Instant::now();
    for (key, timestamped, expired) in SIGNED {
        let cert_expired = key == "p256-short";
        let name = format!(
            "{format} {}{}{}",
            key.trim_end_matches("-short"),
            if timestamped { " timestamped" } else { "" },
            if expired {
                " signature expired"
            } else if cert_expired {
                " cert expired"
            } else {
                ""
            }
        );
        let idir = dir.join(name.replace(' ', "-"));
        let d = oci_layout(&idir, &format!("{name}: notation parity layer\n"));
        let reference = format!("{}@{d}", idir.display());
        let mut args = vec!["sign", "--oci-layout", &reference, "--signature-format", format, "--key", key];
        let (url, root) = (tsa.url.clone(), stores.tsa_root.to_str().unwrap().to_string());
        if timestamped {
            args.extend(["--timestamp-url", &url, "--timestamp-root-cert", &root]);
        }
        if expired {
            args.extend(["--expiry", "1s"]);
        }
        let answered = tsa.answered();
        let out = signer.notation(&args);
        assert!(out.status.success(), "notation {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(tsa.answered(), answered + usize::from(timestamped), "{name}: the TSA stamps exactly the timestamped signatures");
        if expired {
            last_expiring = Instant::now();
        }
        images.push(Image { name, dir: idir, digest: d, signed: true, timestamped, signature_expired: expired, cert_expired });
    }
    let idir = dir.join(format!("{format}-unsigned"));
    let d = oci_layout(&idir, &format!("{format} unsigned: notation parity layer\n"));
    images.push(Image {
        name: format!("{format} unsigned"),
        dir: idir,
        digest: d,
        signed: false,
        timestamped: false,
        signature_expired: false,
        cert_expired: false,
    });
    // `--expiry 1s` from the signing time, and the short-lived leaf's notAfter (whole seconds):
    // wait until both are well past.
    std::thread::sleep(Duration::from_secs(3).saturating_sub(last_expiring.elapsed()));
    while now() <= short_not_after + 1 {
        std::thread::sleep(Duration::from_millis(200));
    }
    images
}

// ---- deciding --------------------------------------------------------------------------------

/// The sealcheck binary: `$SEALCHECK_BIN`, or `sealcheck` in this test's profile directory
/// (`target/release/deps/notation_parity-…` → `target/release/sealcheck`).
fn sealcheck_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SEALCHECK_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).expect("the test runs from target/PROFILE/deps").join("sealcheck")
}

/// The last non-empty line of `bytes`.
fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string()
}

/// What notation's `--verbose` log says failed: each `<check> validation failed` line, as
/// `<check> failed|logged: <reason>`; without any, its last line (the error, or the success).
fn notation_detail(out: &Output) -> String {
    let log = String::from_utf8_lossy(&out.stderr);
    let failures: Vec<String> = log
        .lines()
        .filter_map(|l| {
            let (check, rest) = l.split_once(" msg=")?.1.split_once(" validation failed")?;
            let action = if rest.contains("\"logged\"") { "logged" } else { "failed" };
            Some(format!("{check} {action}: {}", rest.split_once("Failure reason: ").map_or(rest, |(_, r)| r)))
        })
        .collect();
    match (failures.is_empty(), out.status.success()) {
        (false, _) => failures.join("; "),
        (true, true) => last_line(&out.stdout),
        (true, false) => last_line(&out.stderr),
    }
}

/// The first non-empty line of `bytes`.
fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string()
}

struct Cell<'a> {
    image: &'a Image,
    variant: Variant,
    level: Level,
    env: &'a Env,
}

impl Cell<'_> {
    fn name(&self) -> String {
        format!("{} | {} | {}", self.image.name, self.variant.name(), self.level.name())
    }
}

/// What both sides said about a cell.
struct Outcome {
    name: String,
    model: Verdict,
    notation: (Verdict, String),
    sealcheck: (Verdict, String),
}

fn decide(cell: &Cell<'_>) -> Outcome {
    let image = cell.image;
    let time = rfc3339(now());
    let reference = format!("{}@{}", image.dir.display(), image.digest);
    let out = cell.env.notation(&["verify", "--verbose", "--oci-layout", &reference, "--scope", SCOPE]);
    let notation = match out.status.code() {
        Some(0) => (Verdict::Allow, notation_detail(&out)),
        _ => (Verdict::Reject, notation_detail(&out)),
    };
    let bin = sealcheck_bin();
    let sealcheck = if bin.is_file() {
        let policy = cell.env.notation_dir().join("trustpolicy.json");
        let store = cell.env.notation_dir().join("truststore");
        let out = Command::new(&bin)
            .arg("verify")
            .arg("--notation-policy")
            .arg(&policy)
            .arg("--trust-store")
            .arg(&store)
            .arg("--reference")
            .arg(format!("{SCOPE}@{}", image.digest))
            .arg(format!("oci:{reference}"))
            .arg("--time")
            .arg(&time)
            .output()
            .expect("run sealcheck");
        let verdict = match out.status.code() {
            Some(0) => Verdict::Allow,
            Some(1) => Verdict::Reject,
            _ => Verdict::Error,
        };
        (verdict, first_line(&out.stderr))
    } else {
        (Verdict::Error, format!("{} is missing: cargo build --release -p sealcheck-cli", bin.display()))
    };
    Outcome { name: cell.name(), model: model(image, cell.variant, cell.level), notation, sealcheck }
}

/// Every cell, on two threads; outcomes in the cells' order.
fn decide_all(cells: &[Cell<'_>]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(cell) = cells.get(i) else { break };
                    let o = decide(cell);
                    results.lock().unwrap().push((i, o));
                }
            });
        }
    });
    let mut r = results.into_inner().unwrap();
    r.sort_by_key(|(i, _)| *i);
    r.into_iter().map(|(_, o)| o).collect()
}

/// Signs the images of `format` with real notation, decides every cell on both sides, prints
/// the table and fails on any disagreement (or any notation verdict off the model).
fn matrix(format: &str) {
    let dir = scratch(&format!("notation-{format}"));
    let t = now();
    let pki = Pki::new(t);
    let stores = Stores::write(&pki, &dir);
    let tsa = TsaServer::start(pki.tsa);

    // The signing configuration: both leaves as local keys, each with its chain to the root.
    let signer = Env::new(&dir.join("signer"));
    let mut keys = Vec::new();
    for (name, key, cert) in &pki.leaves {
        let key_path = dir.join(format!("{name}.key"));
        let chain_path = dir.join(format!("{name}-chain.crt"));
        std::fs::write(&key_path, pkcs8_pem(key)).unwrap();
        let chain = [cert, &pki.intermediate.cert, &pki.root.cert].map(|c| pem("CERTIFICATE", c)).concat();
        std::fs::write(&chain_path, chain).unwrap();
        keys.push(json!({ "name": name, "keyPath": key_path, "certPath": chain_path }));
    }
    let signing_keys = json!({ "default": "p256", "keys": keys });
    std::fs::write(signer.notation_dir().join("signingkeys.json"), serde_json::to_vec_pretty(&signing_keys).unwrap()).unwrap();

    let images = sign_images(&dir.join("images"), format, &signer, &tsa, &stores, pki.short_not_after);

    // One configuration per (variant, timestamped, level): its trust policy and every store.
    let mut envs: BTreeMap<String, Env> = BTreeMap::new();
    let mut specs = Vec::new();
    for (i, image) in images.iter().enumerate() {
        for level in LEVELS {
            for variant in VARIANTS {
                // Skip statements name no store or identity: one cell per image stands for all.
                if !variant.applies(image.timestamped) || (level == Level::Skip && variant != Variant::Trusted) {
                    continue;
                }
                let key = format!("{}-{}-{}", variant.slug(), if image.timestamped { "ts" } else { "plain" }, level.name());
                envs.entry(key.clone()).or_insert_with(|| {
                    let env = Env::new(&dir.join("policies").join(&key));
                    stores.install(&env);
                    let policy = trust_policy(variant, image.timestamped, level);
                    std::fs::write(env.notation_dir().join("trustpolicy.json"), serde_json::to_vec_pretty(&policy).unwrap()).unwrap();
                    env
                });
                specs.push((i, variant, level, key));
            }
        }
    }
    let cells: Vec<Cell<'_>> =
        specs.iter().map(|(i, variant, level, key)| Cell { image: &images[*i], variant: *variant, level: *level, env: &envs[key] }).collect();
    let outcomes = decide_all(&cells);

    let mut table = String::new();
    let width = outcomes.iter().map(|o| o.name.len()).max().unwrap_or(0);
    let _ = writeln!(table, "{:width$}  notation  sealcheck  model", "cell");
    let (mut disagree, mut off_model, mut listed) = (Vec::new(), Vec::new(), 0);
    for o in &outcomes {
        let _ = writeln!(table, "{:width$}  {:8}  {:9}  {:?}", o.name, format!("{:?}", o.notation.0), format!("{:?}", o.sealcheck.0), o.model);
        if o.notation.0 != o.model {
            off_model.push(format!("{}: notation {:?} ({}), the model says {:?}", o.name, o.notation.0, o.notation.1, o.model));
        }
        let difference = DIFFERENCES.iter().find(|(name, ..)| *name == o.name);
        match difference {
            Some((_, ours, theirs, _)) if o.sealcheck.0 == *ours && o.notation.0 == *theirs => listed += 1,
            Some((_, ours, theirs, why)) => disagree.push(format!(
                "{}: listed as sealcheck {ours:?} / notation {theirs:?} ({why}), got sealcheck {:?} ({}) / notation {:?} ({})",
                o.name, o.sealcheck.0, o.sealcheck.1, o.notation.0, o.notation.1
            )),
            None if o.sealcheck.0 != o.notation.0 => {
                disagree.push(format!("{}: sealcheck {:?} ({}), notation {:?} ({})", o.name, o.sealcheck.0, o.sealcheck.1, o.notation.0, o.notation.1))
            }
            None => {}
        }
    }
    println!("{table}");
    println!(
        "notation parity ({format}): {} cells ({} images), {} agree, {listed} differ as listed, {} disagree; {} TSA requests answered",
        outcomes.len(),
        images.len(),
        outcomes.len() - listed - disagree.len(),
        disagree.len(),
        tsa.answered()
    );
    // The matrix must show both verdicts from notation, or it proves little.
    for v in [Verdict::Allow, Verdict::Reject] {
        assert!(outcomes.iter().any(|o| o.notation.0 == v), "notation never says {v:?}");
    }
    assert!(off_model.is_empty(), "notation's verdicts off the specification's model (a harness fault, or a case for DIFFERENCES):\n{}", off_model.join("\n"));
    assert!(disagree.is_empty(), "{} of {} cells disagree:\n{}", disagree.len(), outcomes.len(), disagree.join("\n"));
    drop(tsa);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS, and target/release/sealcheck"]
fn jws_signatures_agree_with_notation() {
    matrix("jws");
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS, and target/release/sealcheck"]
fn cose_signatures_agree_with_notation() {
    matrix("cose");
}
