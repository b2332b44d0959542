//! Differential: sealcheck's containers-policy.json decisions against containers/image
//! v5.42.0's own, on a generated matrix.
//!
//! containers/image is the reference for `containers-policy.json(5)`: its
//! `signature.PolicyContext.IsRunningImageAllowed` (driven by `tests/parity/cidiff`, built from
//! the Go module proxy by `tests/parity/build-peers.sh`) and sealcheck's [`ImageVerifier`]
//! decide every cell of images × policies × references, and the outcomes (allow, deny, invalid
//! policy) must agree except where [`difference`] lists a deliberate extension, which must then
//! differ exactly as listed. Images are `dir:` layouts (manifest and `signature-N` files in
//! the containers storage form) signed by this crate's test PKI; containers/image judges them
//! with the docker identity asked about (cidiff wraps the `dir:` reference in one whose
//! transport is `docker`, whose scopes are the docker transport's own).
//!
//! A second matrix uses the real signer and registry: images pushed to a `registry` and signed
//! by `cosign`, decided by containers/image straight from the registry (sigstore attachments)
//! and by sealcheck from the `dir:` copy containers/image makes and from `cosign save`.
//!
//! These tests are `#[ignore]`: `.ci/run` builds the peers into `SEALCHECK_PEERS` and runs
//! `cargo test --release --test parity -- --ignored`. Without the peers they fail.

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use sealcheck::crypto::CryptoProvider;
use sealcheck::policy::FsFiles;
use sealcheck::{ImageVerifier, UnixTime, verifier};

use support::bundle::Signer;
use support::cosign::{legacy_sig, simple_signing};
use support::keys::Key;
use support::peers::{Registry, cosign_key_pairs, cosign_with_key, peer, peers, push_image, scratch};
use support::pki::LeafSpec;
use support::{ISSUER, NOW, World, b64, hex, sha256};

const REPO: &str = "registry.parity.test/ns/app";
const OTHER_REPO: &str = "registry.parity.test/ns/other";
/// The repository [`REMAP`] policies map onto [`REPO`].
const MIRROR_REPO: &str = "mirror.parity.test/ns/app";
const EMAIL: &str = "signer@parity.test";

/// An outcome, as both sides report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Allow,
    Deny,
    /// The policy does not load.
    Invalid,
    /// containers/image cannot express the question (the docker transport has no reference
    /// with both a tag and a digest).
    Unsupported,
}

impl Outcome {
    fn parse(s: &str) -> Self {
        match s {
            "allow" => Self::Allow,
            "deny" => Self::Deny,
            "invalid" => Self::Invalid,
            "unsupported" => Self::Unsupported,
            other => panic!("cidiff outcome {other:?}"),
        }
    }
}

// ---- the generated images -------------------------------------------------------------------

/// The key material the policies name, written once.
struct Material {
    trusted_key: PathBuf,
    untrusted_key: PathBuf,
    fulcio_ca: PathBuf,
    rekor_key: PathBuf,
    trusted_root: PathBuf,
    trusted_pem: String,
}

impl Material {
    fn write(dir: &Path) -> Self {
        let w = World::get();
        let put = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let trusted_pem = w.key_signer().key.public_pem();
        Self {
            trusted_key: put("trusted.pub", &trusted_pem),
            untrusted_key: put("untrusted.pub", &untrusted_signer().key.public_pem()),
            fulcio_ca: put("fulcio-ca.pem", &support::pem("CERTIFICATE", &w.fulcio.root.cert)),
            rekor_key: put("rekor.pub", &w.rekor.key.public_pem()),
            trusted_root: put("trusted_root.json", &w.trusted_root().to_json()),
            trusted_pem,
        }
    }
}

fn untrusted_signer() -> Signer {
    Signer { key: Key::p256("parity untrusted key"), cert: None, chain: Vec::new() }
}

fn keyless(email: &str) -> Signer {
    World::get().fulcio_signer(&LeafSpec { san: email.into(), key_label: format!("parity leaf {email}"), ..LeafSpec::default() })
}

/// A small OCI image manifest; the images differ only in their signatures.
fn manifest(layer: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(b"{}"), "size": 2 },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(layer.as_bytes()), "size": layer.len() }],
    }))
    .unwrap()
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&sha256(bytes)))
}

/// One signature of a generated image.
enum Sig {
    /// A valid signature by `signer` claiming `claim` for `digest`; `set` adds a Rekor SET.
    Signed { signer: Signer, claim: String, digest: String, set: bool },
    /// As `Signed`, with the signature's last byte changed.
    Corrupt { signer: Signer, claim: String, digest: String },
    /// A payload whose `type` is not cosign's.
    WrongType { signer: Signer, claim: String, digest: String },
    /// Bytes that are no signature at all.
    Garbage,
}

impl Sig {
    fn blob(&self) -> Vec<u8> {
        match self {
            Self::Signed { signer, claim, digest, set } => legacy_sig(signer, simple_signing(claim, digest), *set).storage_blob(),
            Self::Corrupt { signer, claim, digest } => {
                let mut s = legacy_sig(signer, simple_signing(claim, digest), false);
                let key = "dev.cosignproject.cosign/signature";
                let mut raw = base64_decode(&s.annotations[key]);
                *raw.last_mut().unwrap() ^= 1;
                s.annotations.insert(key.into(), b64(&raw));
                s.storage_blob()
            }
            Self::WrongType { signer, claim, digest } => {
                let mut payload: Value = serde_json::from_slice(&simple_signing(claim, digest)).unwrap();
                payload["critical"]["type"] = json!("atomic container signature");
                legacy_sig(signer, serde_json::to_vec(&payload).unwrap(), false).storage_blob()
            }
            Self::Garbage => b"\0sigstore-json\n{not json".to_vec(),
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    Base64::decode_vec(s).unwrap()
}

/// Writes the generated images; returns `(name, dir)` and the image digest.
fn images(dir: &Path) -> (Vec<(String, PathBuf)>, String) {
    let m = manifest("parity image layer");
    let d = digest(&m);
    let other_d = digest(&manifest("another image"));
    let key = World::get().key_signer();
    let signed = |signer: &Signer, claim: &str, digest: &str, set: bool| Sig::Signed { signer: signer.clone(), claim: claim.into(), digest: digest.into(), set };
    let mut list: Vec<(String, Vec<Sig>)> = Vec::new();
    for claim in [
        REPO.to_string(),
        format!("{REPO}:v1"),
        format!("{REPO}:v2"),
        format!("{REPO}@{d}"),
        format!("{REPO}@{other_d}"),
        OTHER_REPO.into(),
        MIRROR_REPO.into(),
        "busybox".into(),
        "docker.io/library/busybox:latest".into(),
        "Registry.Parity.Test/ns/app".into(),
    ] {
        list.push((format!("key claims {claim}"), vec![signed(&key, &claim, &d, false)]));
    }
    list.push(("key with SET claims repo".into(), vec![signed(&key, REPO, &d, true)]));
    list.push(("key signs another digest".into(), vec![signed(&key, REPO, &other_d, false)]));
    list.push(("untrusted key".into(), vec![signed(&untrusted_signer(), REPO, &d, false)]));
    list.push(("corrupt signature".into(), vec![Sig::Corrupt { signer: key.clone(), claim: REPO.into(), digest: d.clone() }]));
    list.push(("wrong payload type".into(), vec![Sig::WrongType { signer: key.clone(), claim: REPO.into(), digest: d.clone() }]));
    list.push(("keyless".into(), vec![signed(&keyless(EMAIL), REPO, &d, true)]));
    list.push(("keyless other email".into(), vec![signed(&keyless("someone@else.test"), REPO, &d, true)]));
    list.push(("untrusted then trusted".into(), vec![signed(&untrusted_signer(), REPO, &d, false), signed(&key, REPO, &d, false)]));
    list.push(("other repo then repo".into(), vec![signed(&key, OTHER_REPO, &d, false), signed(&key, REPO, &d, false)]));
    list.push(("garbage then trusted".into(), vec![Sig::Garbage, signed(&key, REPO, &d, false)]));
    list.push(("unsigned".into(), Vec::new()));
    let mut out = Vec::new();
    for (i, (name, sigs)) in list.into_iter().enumerate() {
        let p = dir.join(format!("image-{i}"));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("manifest.json"), &m).unwrap();
        for (n, s) in sigs.iter().enumerate() {
            std::fs::write(p.join(format!("signature-{}", n + 1)), s.blob()).unwrap();
        }
        out.push((name, p));
    }
    (out, d)
}

// ---- the generated policies -----------------------------------------------------------------

/// A requirement, by name.
fn requirements(m: &Material, d: &str) -> Vec<(String, Value)> {
    let key = |identity: Option<Value>| {
        let mut r = json!({ "type": "sigstoreSigned", "keyPath": m.trusted_key });
        if let Some(i) = identity {
            r["signedIdentity"] = i;
        }
        r
    };
    let fulcio = |issuer: &str| {
        json!({
            "type": "sigstoreSigned",
            "fulcio": { "caPath": m.fulcio_ca, "oidcIssuer": issuer, "subjectEmail": EMAIL },
            "rekorPublicKeyPath": m.rekor_key,
            "signedIdentity": { "type": "matchRepository" },
        })
    };
    let repository = json!({ "type": "matchRepository" });
    vec![
        ("accept".into(), json!({ "type": "insecureAcceptAnything" })),
        ("reject".into(), json!({ "type": "reject" })),
        ("key".into(), key(None)),
        ("key matchExact".into(), key(Some(json!({ "type": "matchExact" })))),
        ("key matchRepoDigestOrExact".into(), key(Some(json!({ "type": "matchRepoDigestOrExact" })))),
        ("key matchRepository".into(), key(Some(repository.clone()))),
        ("key exactReference tag".into(), key(Some(json!({ "type": "exactReference", "dockerReference": format!("{REPO}:v1") })))),
        ("key exactReference digest".into(), key(Some(json!({ "type": "exactReference", "dockerReference": format!("{REPO}@{d}") })))),
        ("key exactRepository".into(), key(Some(json!({ "type": "exactRepository", "dockerRepository": REPO })))),
        ("key exactRepository busybox".into(), key(Some(json!({ "type": "exactRepository", "dockerRepository": "busybox" })))),
        ("key remapIdentity".into(), key(Some(json!({ "type": "remapIdentity", "prefix": "mirror.parity.test", "signedPrefix": "registry.parity.test" })))),
        ("key remapIdentity repo".into(), key(Some(json!({ "type": "remapIdentity", "prefix": MIRROR_REPO, "signedPrefix": REPO })))),
        ("key remapIdentity docker.io".into(), key(Some(json!({ "type": "remapIdentity", "prefix": "docker.io", "signedPrefix": "registry.parity.test/ns" })))),
        ("keyPaths".into(), json!({ "type": "sigstoreSigned", "keyPaths": [m.untrusted_key, m.trusted_key], "signedIdentity": repository })),
        ("keyData".into(), json!({ "type": "sigstoreSigned", "keyData": b64(m.trusted_pem.as_bytes()), "signedIdentity": repository })),
        ("key with rekor".into(), json!({ "type": "sigstoreSigned", "keyPath": m.trusted_key, "rekorPublicKeyPath": m.rekor_key, "signedIdentity": repository })),
        ("untrusted key".into(), json!({ "type": "sigstoreSigned", "keyPath": m.untrusted_key, "signedIdentity": repository })),
        ("fulcio".into(), fulcio(ISSUER)),
        ("fulcio other issuer".into(), fulcio("https://issuer.else.test")),
        // sealcheck extensions (see `difference`).
        ("key sealcheckMatchDigest".into(), key(Some(json!({ "type": "sealcheckMatchDigest" })))),
        ("key sealcheckIndexSignatures".into(), json!({ "type": "sigstoreSigned", "keyPath": m.trusted_key, "sealcheckIndexSignatures": true, "signedIdentity": repository })),
        ("sealcheckKeyless".into(), json!({
            "type": "sigstoreSigned",
            "sealcheckKeyless": { "trustedRootPath": m.trusted_root, "subject": EMAIL, "issuer": ISSUER },
            "signedIdentity": repository,
        })),
    ]
}

/// Named policies: every requirement under the repository's scope (default reject), the key
/// requirements under every kind of scope, and requirement lists.
fn policies(m: &Material, d: &str) -> Vec<(String, Value)> {
    let reqs = requirements(m, d);
    let req = |name: &str| reqs.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let scoped = |scope: &str, r: Vec<Value>| json!({ "default": [{ "type": "reject" }], "transports": { "docker": { scope: r } } });
    let mut out: Vec<(String, Value)> = reqs.iter().map(|(n, r)| (format!("{n} @ repo"), scoped(REPO, vec![r.clone()]))).collect();
    for scope in [format!("{REPO}:v1"), format!("{REPO}@{d}"), "registry.parity.test/ns".into(), "registry.parity.test".into(), "*.parity.test".into(), "docker.io/library/busybox".into(), "mirror.parity.test".into(), String::new()] {
        for name in ["key", "key matchRepository", "key remapIdentity"] {
            out.push((format!("{name} @ {scope:?}"), scoped(&scope, vec![req(name)])));
        }
    }
    for name in ["key", "key matchRepository", "accept"] {
        out.push((format!("{name} as default"), json!({ "default": [req(name)] })));
    }
    out.push(("accept and key @ repo".into(), scoped(REPO, vec![req("accept"), req("key matchRepository")])));
    out.push(("key and reject @ repo".into(), scoped(REPO, vec![req("key matchRepository"), req("reject")])));
    out.push(("key and untrusted key @ repo".into(), scoped(REPO, vec![req("key matchRepository"), req("untrusted key")])));
    out.push(("reject default, accept repo, key namespace".into(), json!({
        "default": [{ "type": "reject" }],
        "transports": { "docker": { REPO: [req("accept")], "registry.parity.test/ns": [req("key")] } },
    })));
    out
}

/// Policies at the edge of validity (most must not load), each with one image and reference.
fn invalid_policies(m: &Material, d: &str) -> Vec<(String, Value)> {
    let key = json!({ "type": "sigstoreSigned", "keyPath": m.trusted_key });
    let with = |k: &str, v: Value| {
        let mut r = key.clone();
        r[k] = v;
        json!({ "default": [r] })
    };
    vec![
        ("unknown top-level field".into(), json!({ "default": [{ "type": "reject" }], "extra": 1 })),
        ("empty default".into(), json!({ "default": [] })),
        ("no default".into(), json!({ "transports": {} })),
        ("unknown requirement type".into(), json!({ "default": [{ "type": "signedByAnyone" }] })),
        ("unknown requirement field".into(), with("keyId", json!("x"))),
        ("keyPath and keyData".into(), with("keyData", json!(b64(m.trusted_pem.as_bytes())))),
        ("no key material".into(), json!({ "default": [{ "type": "sigstoreSigned" }] })),
        ("unknown signedIdentity".into(), with("signedIdentity", json!({ "type": "matchAnything" }))),
        ("exactReference name only".into(), with("signedIdentity", json!({ "type": "exactReference", "dockerReference": REPO }))),
        ("exactRepository with tag".into(), with("signedIdentity", json!({ "type": "exactRepository", "dockerRepository": format!("{REPO}:v1") }))),
        ("remapIdentity bad prefix".into(), with("signedIdentity", json!({ "type": "remapIdentity", "prefix": "Upper/x", "signedPrefix": REPO }))),
        ("remapIdentity prefix with tag".into(), with("signedIdentity", json!({ "type": "remapIdentity", "prefix": format!("{REPO}:v1"), "signedPrefix": REPO }))),
        ("scope with tag and digest".into(), json!({ "default": [{ "type": "reject" }], "transports": { "docker": { format!("{REPO}:v1@{d}"): [key] } } })),
        ("scope not a reference".into(), json!({ "default": [{ "type": "reject" }], "transports": { "docker": { "https://registry.parity.test": [key] } } })),
        ("wildcard in the middle".into(), json!({ "default": [{ "type": "reject" }], "transports": { "docker": { "registry.*.test": [key] } } })),
        ("keyPath missing".into(), json!({ "default": [{ "type": "sigstoreSigned", "keyPath": m.trusted_key.with_extension("missing") }] })),
        ("fulcio without rekor".into(), json!({ "default": [{ "type": "sigstoreSigned", "fulcio": { "caPath": m.fulcio_ca, "oidcIssuer": ISSUER, "subjectEmail": EMAIL } }] })),
    ]
}

/// The references asked about.
fn references(d: &str) -> Vec<String> {
    vec![
        format!("{REPO}:v1"),
        format!("{REPO}:v2"),
        format!("{REPO}@{d}"),
        format!("{REPO}:v1@{d}"),
        format!("{OTHER_REPO}:v1"),
        format!("{MIRROR_REPO}:v1"),
        format!("{MIRROR_REPO}@{d}"),
        "busybox".into(),
        "docker.io/library/busybox:latest".into(),
        "index.docker.io/library/busybox".into(),
        "registry.parity.test/app:v1".into(),
    ]
}

// ---- deciding -------------------------------------------------------------------------------

struct Cell {
    policy: String,
    image: String,
    reference: String,
    policy_path: PathBuf,
    source: String,
}

/// containers/image's outcomes, in order.
fn cidiff(cases: &[Value]) -> Vec<(Outcome, String)> {
    let mut child = Command::new(peers().join("cidiff"))
        .arg("decide")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start cidiff");
    let mut stdin = child.stdin.take().unwrap();
    let input: String = cases.iter().fold(String::new(), |mut s, c| {
        let _ = writeln!(s, "{c}");
        s
    });
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let mut out = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
        assert_eq!(v["id"], cases[out.len()]["id"], "cidiff answers in order");
        out.push((Outcome::parse(v["outcome"].as_str().unwrap()), v["detail"].as_str().unwrap_or_default().to_string()));
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "cidiff failed");
    assert_eq!(out.len(), cases.len(), "cidiff answered every case");
    out
}

/// sealcheck's outcome for one cell, through the same calls the CLI makes.
fn sealcheck(verifiers: &mut BTreeMap<PathBuf, Result<ImageVerifier, String>>, cell: &Cell) -> (Outcome, String) {
    let v = verifiers.entry(cell.policy_path.clone()).or_insert_with(|| {
        let provider = CryptoProvider::default();
        let bytes = std::fs::read(&cell.policy_path).unwrap();
        verifier::containers_policy(&bytes, &FsFiles, &provider).map(|p| ImageVerifier::new(p.into(), provider)).map_err(|e| e.to_string())
    });
    let v = match v {
        Ok(v) => v,
        Err(e) => return (Outcome::Invalid, e.clone()),
    };
    let reference = verifier::image_reference(&cell.reference).expect("the matrix's references parse");
    match verifier::image_source(&cell.source, reference, &CryptoProvider::default()) {
        Err(e) => (Outcome::Deny, e.to_string()),
        Ok(image) => {
            let d = v.decide(&image, UnixTime::from_secs(NOW));
            (if d.allowed { Outcome::Allow } else { Outcome::Deny }, d.reason)
        }
    }
}

/// The deliberate differences, in one table: `Some((what sealcheck may answer, what
/// containers/image may answer, why))` for the cells where they may differ. Every other cell
/// must agree exactly.
fn difference(cell: &Cell) -> Option<(&'static [Outcome], &'static [Outcome], &'static str)> {
    const DECIDED: &[Outcome] = &[Outcome::Allow, Outcome::Deny];
    for extension in ["sealcheckMatchDigest", "sealcheckIndexSignatures", "sealcheckKeyless"] {
        if cell.policy.contains(extension) {
            // Extension fields: containers/image refuses them as unknown; sealcheck decides
            // (what it decides is tested in tests/images.rs, and for real cosign below).
            return Some((DECIDED, &[Outcome::Invalid], "a sealcheck extension"));
        }
    }
    if cell.policy == "keyPath missing" {
        // sealcheck reads every file a policy names when it loads the policy, so a policy that
        // names a missing file is refused as a whole (exit 2) instead of denying the images
        // of that scope when they are evaluated, as containers/image does
        // (`prSigstoreSigned.isSignatureAccepted` reads keyPath at evaluation time).
        return Some((&[Outcome::Invalid], &[Outcome::Deny], "files are read when the policy loads"));
    }
    if cell.image == "garbage then trusted" {
        // sealcheck parses all evidence when it gathers it: a stored signature that does not
        // parse makes the image source invalid (exit 2), whatever the policy. containers/image
        // reads signatures only for requirements that need them, so it still allows the image
        // under insecureAcceptAnything (and denies it under sigstoreSigned, as sealcheck does).
        return Some((&[Outcome::Deny], DECIDED, "evidence is parsed when it is gathered"));
    }
    None
}

fn write_policies(dir: &Path, prefix: &str, list: &[(String, Value)]) -> Vec<(String, PathBuf)> {
    list.iter()
        .enumerate()
        .map(|(i, (name, p))| {
            let path = dir.join(format!("{prefix}-{i}.json"));
            std::fs::write(&path, serde_json::to_vec_pretty(p).unwrap()).unwrap();
            (name.clone(), path)
        })
        .collect()
}

/// What [`compare`] found.
struct Report {
    agreed: usize,
    /// Cells that differ as the table of differences allows.
    listed: usize,
    unsupported: usize,
    problems: Vec<String>,
    /// Cells by (sealcheck, containers/image) outcome.
    table: BTreeMap<(Outcome, Outcome), usize>,
    /// Cells sealcheck allowed, by policy.
    allowed: BTreeMap<String, usize>,
}

/// Decides every cell on both sides and reports the disagreements, with counts.
fn compare(cells: &[Cell]) -> Report {
    let cases: Vec<Value> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| json!({ "id": format!("c{i}"), "policy": c.policy_path, "reference": c.reference, "source": c.source }))
        .collect();
    let theirs = cidiff(&cases);
    let mut verifiers = BTreeMap::new();
    let mut r = Report { agreed: 0, listed: 0, unsupported: 0, problems: Vec::new(), table: BTreeMap::new(), allowed: BTreeMap::new() };
    for (cell, (upstream, detail)) in cells.iter().zip(theirs) {
        let (ours, reason) = sealcheck(&mut verifiers, cell);
        *r.table.entry((ours, upstream)).or_insert(0) += 1;
        if ours == Outcome::Allow {
            *r.allowed.entry(cell.policy.clone()).or_insert(0) += 1;
        }
        if upstream == Outcome::Unsupported {
            r.unsupported += 1;
            continue;
        }
        let ok = match difference(cell) {
            Some((s, c, _)) => s.contains(&ours) && c.contains(&upstream),
            None => ours == upstream,
        };
        if ok && ours == upstream {
            r.agreed += 1;
        } else if ok {
            r.listed += 1;
        } else {
            r.problems.push(format!(
                "policy {:?}, image {:?}, reference {}: sealcheck {ours:?} ({reason}), containers/image {upstream:?} ({detail})",
                cell.policy, cell.image, cell.reference
            ));
        }
    }
    r
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn generated_matrix_agrees_with_containers_image() {
    let dir = scratch("matrix");
    let m = Material::write(&dir);
    let (images, d) = images(&dir);
    let policies = write_policies(&dir, "policy", &policies(&m, &d));
    let invalid = write_policies(&dir, "invalid", &invalid_policies(&m, &d));
    let mut cells = Vec::new();
    for (pname, ppath) in &policies {
        for (iname, idir) in &images {
            for r in references(&d) {
                cells.push(Cell { policy: pname.clone(), image: iname.clone(), reference: r, policy_path: ppath.clone(), source: format!("dir:{}", idir.display()) });
            }
        }
    }
    for (pname, ppath) in &invalid {
        cells.push(Cell {
            policy: pname.clone(),
            image: images[0].0.clone(),
            reference: format!("{REPO}:v1"),
            policy_path: ppath.clone(),
            source: format!("dir:{}", images[0].1.display()),
        });
    }
    let Report { agreed, listed, unsupported, problems, table, allowed } = compare(&cells);
    println!(
        "parity: {} cells ({} policies × {} images × {} references, and {} policies at the edge of validity): {agreed} equal, {listed} differ as listed, {unsupported} not expressible upstream, {} disagree",
        cells.len(),
        policies.len(),
        images.len(),
        references(&d).len(),
        invalid.len(),
        problems.len()
    );
    for ((ours, theirs), n) in &table {
        println!("parity: sealcheck {ours:?} / containers/image {theirs:?}: {n}");
    }
    assert!(problems.is_empty(), "{} cells disagree:\n{}", problems.len(), problems.join("\n"));
    // The matrix must exercise every outcome on both sides, or it proves little.
    for o in [Outcome::Allow, Outcome::Deny, Outcome::Invalid] {
        assert!(table.iter().any(|((s, c), _)| *s == o && *c == o), "no cell where both say {o:?}");
    }
    // Each extension row allows something, or it would show nothing about the extension.
    for p in ["key sealcheckMatchDigest @ repo", "key sealcheckIndexSignatures @ repo", "sealcheckKeyless @ repo", "fulcio @ repo"] {
        assert!(allowed.get(p).is_some_and(|n| *n > 0), "policy {p:?} allows no cell");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- real signer, real registry -------------------------------------------------------------

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn cosign_signed_images_agree_with_containers_image() {
    let dir = scratch("registry");
    let reg = Registry::start(&dir);
    cosign_key_pairs(&dir, &["signer", "other"]);
    let sign = |image: &str, bundle_format: bool| cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], bundle_format, image, &dir);
    // A legacy `.sig` signature (what containers/image reads) and a cosign v3 bundle referrer.
    let legacy = push_image(&reg, &dir, "legacy", "legacy image layer", &[]);
    sign(&format!("{}/legacy@{legacy}", reg.host), false);
    let v3 = push_image(&reg, &dir, "v3", "v3 image layer", &[]);
    sign(&format!("{}/v3@{v3}", reg.host), true);

    // containers/image reads `.sig` attachments from this registry.
    let regd = dir.join("registries.d");
    std::fs::create_dir_all(&regd).unwrap();
    std::fs::write(regd.join("local.yaml"), format!("docker:\n  \"{}\":\n    use-sigstore-attachments: true\n", reg.host)).unwrap();
    // Copies sealcheck reads: containers/image's own `dir:` copy (signatures become
    // `signature-N`), `cosign save` (an OCI layout with the `.sig` manifest), and `oras cp -r`
    // (an OCI layout with the referrers).
    let copy = dir.join("legacy-dir");
    let cidiff_copy = Command::new(peers().join("cidiff"))
        .args(["copy", "--registries.d", regd.to_str().unwrap(), &format!("docker://{}/legacy@{legacy}", reg.host), &format!("dir:{}", copy.display())])
        .status()
        .unwrap();
    assert!(cidiff_copy.success(), "cidiff copy");
    assert!(copy.join("signature-1").is_file(), "the dir: copy holds the signature");
    let saved = dir.join("legacy-saved");
    peer("cosign", &["save", "--allow-insecure-registry", "--allow-http-registry", "--dir", saved.to_str().unwrap(), &format!("{}/legacy@{legacy}", reg.host)], &dir);
    let v3_layout = dir.join("v3-layout");
    peer("oras", &["cp", "--from-plain-http", "-r", &format!("{}/v3:v1", reg.host), "--to-oci-layout", &format!("{}:v1", v3_layout.display())], &dir);

    let key_req = |key: &str, identity: Option<&str>| {
        let mut r = json!({ "type": "sigstoreSigned", "keyPath": dir.join(key).join("cosign.pub") });
        if let Some(i) = identity {
            r["signedIdentity"] = json!({ "type": i });
        }
        r
    };
    let policies: Vec<(String, Value)> = vec![
        ("key".into(), json!({ "default": [key_req("signer", None)] })),
        ("key matchRepository".into(), json!({ "default": [key_req("signer", Some("matchRepository"))] })),
        ("key matchExact".into(), json!({ "default": [key_req("signer", Some("matchExact"))] })),
        ("key matchRepoDigestOrExact".into(), json!({ "default": [key_req("signer", Some("matchRepoDigestOrExact"))] })),
        ("other key".into(), json!({ "default": [key_req("other", Some("matchRepository"))] })),
        ("accept".into(), json!({ "default": [{ "type": "insecureAcceptAnything" }] })),
        ("reject".into(), json!({ "default": [{ "type": "reject" }] })),
        ("key sealcheckMatchDigest".into(), json!({ "default": [key_req("signer", Some("sealcheckMatchDigest"))] })),
        ("key, scoped to the repository".into(), json!({ "default": [{ "type": "reject" }], "transports": { "docker": { format!("{}/legacy", reg.host): [key_req("signer", Some("matchRepository"))], format!("{}/v3", reg.host): [key_req("signer", Some("matchRepository"))] } } })),
    ];
    let written = write_policies(&dir, "policy", &policies);

    // Each row: containers/image straight from the registry, and what sealcheck reads.
    let mut cells = Vec::new();
    let mut cases = Vec::new();
    for (name, path) in &written {
        for (repo, digest) in [("legacy", &legacy), ("v3", &v3)] {
            for r in [format!("{}/{repo}@{digest}", reg.host), format!("{}/{repo}:v1", reg.host)] {
                let sources: Vec<String> = if repo == "legacy" {
                    let selector = if r.contains('@') { format!("@{digest}") } else { ":v1".into() };
                    vec![format!("dir:{}", copy.display()), format!("oci:{}{}", saved.display(), if r.contains('@') { selector } else { format!("@{digest}") })]
                } else {
                    vec![format!("oci:{}{}", v3_layout.display(), if r.contains('@') { format!("@{digest}") } else { ":v1".into() })]
                };
                cases.push(json!({ "id": format!("c{}", cases.len()), "policy": path, "reference": "", "source": format!("docker://{r}"), "registriesd": regd }));
                for s in sources {
                    cells.push((cases.len() - 1, Cell { policy: name.clone(), image: repo.into(), reference: r.clone(), policy_path: path.clone(), source: s }));
                }
            }
        }
    }
    let theirs = cidiff(&cases);
    let mut verifiers = BTreeMap::new();
    let (mut agreed, mut problems, mut differ) = (0, Vec::new(), 0);
    for (case, cell) in &cells {
        let (upstream, detail) = theirs[*case].clone();
        let (ours, reason) = sealcheck(&mut verifiers, cell);
        // The table's differences apply; and the cosign v3 bundle, which names no repository,
        // is accepted by the key under sealcheckMatchDigest alone (containers/image v5.42 does
        // not read referrers at all).
        let expected = match difference(cell) {
            Some((_, c, why)) => {
                assert!(c.contains(&upstream), "containers/image {upstream:?} ({detail}) where {why}");
                assert_eq!(cell.policy, "key sealcheckMatchDigest", "no other difference applies here");
                differ += 1;
                Outcome::Allow
            }
            None => upstream,
        };
        if ours == expected {
            agreed += 1;
        } else {
            problems.push(format!("policy {:?}, {} from {}: sealcheck {ours:?} ({reason}), expected {expected:?}; containers/image {upstream:?} ({detail})", cell.policy, cell.reference, cell.source));
        }
    }
    println!("parity (registry): {} cells, {agreed} as expected, {differ} of them the listed sealcheckMatchDigest extension", cells.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(cells.iter().any(|(c, _)| theirs[*c].0 == Outcome::Allow && cells.iter().any(|(_, x)| x.image == "legacy")), "some legacy cell is allowed upstream");
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}
