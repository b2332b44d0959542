//! Generated images: OCI layouts built in a temp dir, signed with the test PKI of `tests/support`
//! (a deterministic P-256 key, the Fulcio-style CA, the Rekor v1 log and a trusted root) in both
//! cosign forms — legacy `sha256-<hex>.sig` simple-signing layers and cosign v3 bundle
//! referrers — then read back through `collect` and decided by `Policy::evaluate`.
//!
//! Four positive controls (legacy key, legacy keyless, v3 key, v3 keyless) show the unmutated
//! images are allowed; every other test changes one thing and checks the specific refusal: the
//! refused signature's `error_kind` in the decision record, or the `Err` `collect` returns.
//!
//! The tests under "known verifier gaps" pinned bugs found while writing these; they are fixed
//! and now guard against regressions.

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use sealcheck::asn1::{encode, tag};
use sealcheck::crypto::HashAlgorithm;
use sealcheck::oci::layout::OciLayout;
use sealcheck::oci::source::{Selector, collect};
use sealcheck::oci::{OciDigest, Reference};
use sealcheck::oci::{EvidenceItem, ImageEvidence};
use sealcheck::policy::{Decision, FsFiles, containers};
use sealcheck::{FactCache, ImageVerifier};
use sealcheck::{Error, UnixTime};

use support::bundle::{Content, IN_TOTO, Signer, pae};
use support::cosign::{LegacySig, hashedrekord, legacy_sig, rekor_annotation, rekor_annotation_by, simple_signing};
use support::der;
use support::pki::{Extension, FulcioCa, LeafSpec, OID_SUBJECT_ALT_NAME};
use support::rekor_v1::RekorV1;
use support::trusted_root::{TrustedRootSpec, Window};
use support::{ISSUER, NOW, Plan, SAN, SIGNED_AT, T0, World, YEAR, b64, sha256};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const REF_NAME: &str = "org.opencontainers.image.ref.name";
const COSIGN_SIGN: &str = "https://sigstore.dev/cosign/sign/v1";
const SLSA: &str = "https://slsa.dev/provenance/v1";

/// The repository the images are asked about, and the tag of the image in every layout.
const REPO: &str = "registry.sigstore.test/ns/app";
const TAG: &str = "v1";
/// 4 MiB: `MAX_MANIFEST_BYTES` and `MAX_SIGNATURE_BYTES`.
const MAX_BLOB: usize = 4 * 1024 * 1024;

fn reference() -> String {
    format!("{REPO}:{TAG}")
}

fn digest_of(bytes: &[u8]) -> OciDigest {
    OciDigest::of(support::backend(), HashAlgorithm::Sha256, bytes)
}

fn digest_hex(d: &OciDigest) -> String {
    d.to_string()["sha256:".len()..].to_string()
}

/// A digest nothing in any layout has.
fn other_digest() -> OciDigest {
    digest_of(b"some other image manifest")
}

// ---- signers --------------------------------------------------------------------------------

/// The managed P-256 key (`World::key_signer`).
fn key_signer() -> Signer {
    World::get().key_signer()
}

/// The default Fulcio leaf (SAN [`SAN`], issuer [`ISSUER`], SCT from the trusted CT log).
static KEYLESS: LazyLock<Signer> = LazyLock::new(|| World::get().fulcio_signer(&LeafSpec::default()));

fn keyless_signer() -> Signer {
    KEYLESS.clone()
}

/// A second Fulcio leaf with the same identity but another key.
fn other_keyless_signer() -> Signer {
    World::get().fulcio_signer(&LeafSpec { key_label: "another fulcio leaf".into(), serial: 0x2eaf, ..LeafSpec::default() })
}

// ---- OCI layout builder ---------------------------------------------------------------------

/// A content descriptor.
#[derive(Clone, Debug)]
struct Desc {
    media_type: String,
    digest: OciDigest,
    size: usize,
}

impl Desc {
    fn json(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest.to_string(), "size": self.size })
    }
}

/// An OCI image layout in a fresh temp dir (removed on drop).
struct Layout {
    dir: PathBuf,
    index: Vec<Value>,
}

impl Layout {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("sealcheck-images-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Self { dir, index: Vec::new() }
    }

    fn blob_path(&self, d: &OciDigest) -> PathBuf {
        self.dir.join("blobs/sha256").join(digest_hex(d))
    }

    /// Stores `bytes` as a blob (once: the store is content-addressed; tests that corrupt a
    /// blob do so after building).
    fn blob(&self, media_type: &str, bytes: &[u8]) -> Desc {
        let digest = digest_of(bytes);
        let path = self.blob_path(&digest);
        if !path.exists() {
            std::fs::write(path, bytes).unwrap();
        }
        Desc { media_type: media_type.into(), digest, size: bytes.len() }
    }

    /// Stores a manifest and lists it in `index.json`, with a tag and/or an artifactType.
    fn add(&mut self, media_type: &str, bytes: &[u8], tag: Option<&str>, artifact_type: Option<&str>) -> Desc {
        let d = self.blob(media_type, bytes);
        self.list(&d, tag, artifact_type);
        d
    }

    /// Lists `d` in `index.json`.
    fn list(&mut self, d: &Desc, tag: Option<&str>, artifact_type: Option<&str>) {
        let mut entry = d.json();
        if let Some(t) = tag {
            entry["annotations"] = json!({ REF_NAME: t });
        }
        if let Some(a) = artifact_type {
            entry["artifactType"] = json!(a);
        }
        self.index.push(entry);
    }

    /// Removes every `index.json` entry tagged `tag`.
    fn untag(&mut self, tag: &str) {
        self.index.retain(|e| e["annotations"][REF_NAME] != json!(tag));
    }

    fn remove_blob(&self, d: &OciDigest) {
        std::fs::remove_file(self.blob_path(d)).unwrap();
    }

    fn overwrite_blob(&self, d: &OciDigest, bytes: &[u8]) {
        std::fs::write(self.blob_path(d), bytes).unwrap();
    }

    /// Writes `index.json`.
    fn finish(&self) {
        let index = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.index });
        std::fs::write(self.dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    }
}

impl Drop for Layout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A small OCI image manifest (config + one layer) whose layer content is `layer`.
fn image_manifest(l: &Layout, layer: &[u8]) -> Vec<u8> {
    let config = l.blob("application/vnd.oci.image.config.v1+json", br#"{"architecture":"amd64","os":"linux"}"#);
    let layer = l.blob("application/vnd.oci.image.layer.v1.tar+gzip", layer);
    serde_json::to_vec(&json!({ "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.json(), "layers": [layer.json()] }))
        .unwrap()
}

/// A layout holding one image tagged [`TAG`]; returns it with the image's descriptor.
fn image_layout() -> (Layout, Desc) {
    image_layout_with(b"layer 0: generated image content")
}

/// [`image_layout`], with `layer` as the image's layer content.
fn image_layout_with(layer: &[u8]) -> (Layout, Desc) {
    let mut l = Layout::new();
    let m = image_manifest(&l, layer);
    let image = l.add(OCI_MANIFEST, &m, Some(TAG), None);
    (l, image)
}

/// The empty config of signature and referrer manifests.
fn empty_config(l: &Layout) -> Desc {
    l.blob("application/vnd.oci.empty.v1+json", b"{}")
}

// ---- legacy cosign signatures ---------------------------------------------------------------

/// Stores `sigs` as the layers of a `sha256-<hex>.sig` manifest for `image`.
fn add_sig_manifest(l: &mut Layout, image: &OciDigest, sigs: &[LegacySig]) -> Desc {
    let config = empty_config(l);
    let layers: Vec<Value> = sigs
        .iter()
        .map(|s| {
            let mut d = l.blob(SIMPLE_SIGNING, &s.payload).json();
            d["annotations"] = json!(s.annotations);
            d
        })
        .collect();
    let m = json!({ "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.json(), "layers": layers });
    l.add(OCI_MANIFEST, &serde_json::to_vec(&m).unwrap(), Some(&image.tag_form(".sig")), None)
}

/// A `.sig` manifest with one layer: `signer`'s signature naming [`reference`] and `image`.
fn sign_legacy(l: &mut Layout, image: &OciDigest, signer: &Signer) -> LegacySig {
    let s = legacy_sig(signer, simple_signing(&reference(), image), false);
    add_sig_manifest(l, image, std::slice::from_ref(&s));
    s
}

/// A DSSE envelope layer (legacy `.att`) over `statement`, signed by `signer` (key only).
fn legacy_attestation(signer: &Signer, statement: &[u8]) -> Vec<u8> {
    let sig = signer.key.sign(&pae(IN_TOTO, statement));
    json!({ "payloadType": IN_TOTO, "payload": b64(statement), "signatures": [{ "keyid": "", "sig": b64(&sig) }] })
        .to_string()
        .into_bytes()
}

// ---- cosign v3 bundles ----------------------------------------------------------------------

/// An in-toto Statement v1 with one subject `{name, digest.sha256}`.
fn statement(name: &str, digest: &OciDigest, predicate_type: &str) -> Vec<u8> {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": name, "digest": { "sha256": digest_hex(digest) } }],
        "predicateType": predicate_type,
        "predicate": {},
    })
    .to_string()
    .into_bytes()
}

/// A bundle v0.3 by `signer`: a DSSE envelope over `statement`, one Rekor v1 entry (dsse
/// 0.0.1, SET + inclusion proof + checkpoint).
fn v3_bundle(signer: &Signer, statement: &[u8]) -> Vec<u8> {
    let content = signer.sign_dsse(IN_TOTO, statement);
    World::get().bundle_of(signer, &Plan::default(), content).to_json().into_bytes()
}

/// cosign's v3 signature bundle for `image`: a cosign/sign/v1 statement naming [`REPO`].
fn v3_signature(signer: &Signer, image: &OciDigest) -> Vec<u8> {
    v3_bundle(signer, &statement(REPO, image, COSIGN_SIGN))
}

/// A referrer manifest (artifactType bundle v0.3) whose `subject` is `subject` and whose one
/// layer is `bundle`.
fn referrer_manifest(l: &Layout, subject: &Desc, bundle: &[u8]) -> Vec<u8> {
    let config = empty_config(l);
    let layer = l.blob(BUNDLE_V03, bundle);
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": BUNDLE_V03,
        "config": config.json(),
        "layers": [layer.json()],
        "subject": subject.json(),
    }))
    .unwrap()
}

/// A referrer of `subject` holding `bundle`, listed in `index.json` (as `cosign` stores one in
/// a layout).
fn add_referrer(l: &mut Layout, subject: &Desc, bundle: &[u8]) -> Desc {
    let m = referrer_manifest(l, subject, bundle);
    l.add(OCI_MANIFEST, &m, None, Some(BUNDLE_V03))
}

/// The referrers tag fallback: an index tagged `sha256-<hex>` listing `referrers`.
fn add_fallback_index(l: &mut Layout, image: &OciDigest, referrers: &[Desc]) -> Desc {
    let manifests: Vec<Value> = referrers
        .iter()
        .map(|r| {
            let mut d = r.json();
            d["artifactType"] = json!(BUNDLE_V03);
            d
        })
        .collect();
    let index = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests });
    l.add(OCI_INDEX, &serde_json::to_vec(&index).unwrap(), Some(&image.tag_form("")), None)
}

// ---- policies and decisions -----------------------------------------------------------------

type Policy = ImageVerifier;

/// Compiles a containers-policy.json into an image verifier.
fn compiled(json: &str) -> Policy {
    let p = containers::compile(json.as_bytes(), &FsFiles, support::backend()).unwrap_or_else(|e| panic!("{json}: {e}"));
    ImageVerifier::new(std::sync::Arc::new(p), support::provider())
}

/// `{"default":[req]}` with `signedIdentity: matchRepository` (v3 bundles name the repository).
fn policy(mut req: Value) -> Policy {
    req["type"] = json!("sigstoreSigned");
    req["signedIdentity"] = json!({ "type": "matchRepository" });
    compiled(&json!({ "default": [req] }).to_string())
}

/// `keyData`: the managed key.
fn key_policy() -> Policy {
    policy(json!({ "keyData": b64(key_signer().key.public_pem().as_bytes()) }))
}

/// `keyData` + `rekorPublicKeyData`: the managed key, and a SET from the world's Rekor.
fn key_rekor_policy() -> Policy {
    policy(json!({
        "keyData": b64(key_signer().key.public_pem().as_bytes()),
        "rekorPublicKeyData": b64(World::get().rekor.key.public_pem().as_bytes()),
    }))
}

/// `sealcheckKeyless` with the world's trusted root as `trustedRootData`.
fn keyless_requirement() -> Value {
    json!({
        "sealcheckKeyless": {
            "trustedRootData": b64(World::get().trusted_root().to_json().as_bytes()),
            "subject": SAN,
            "issuer": ISSUER,
        }
    })
}

fn keyless_policy() -> Policy {
    policy(keyless_requirement())
}

/// An attestation requirement: the managed key, `sealcheckPredicateType: predicate_type`.
fn key_attestation_policy(predicate_type: &str) -> Policy {
    policy(json!({ "keyData": b64(key_signer().key.public_pem().as_bytes()), "sealcheckPredicateType": predicate_type }))
}

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// Reads the image `selector` names from the layout (reference [`reference`]).
fn evidence(l: &Layout, selector: &Selector) -> Result<ImageEvidence, Error> {
    evidence_for(l, &reference(), selector)
}

fn evidence_for(l: &Layout, reference: &str, selector: &Selector) -> Result<ImageEvidence, Error> {
    l.finish();
    let layout = OciLayout::open(&l.dir)?;
    collect(support::backend(), &layout, Reference::parse(reference).unwrap(), selector)
}

/// The legacy signatures the evidence holds.
fn signatures(ev: &ImageEvidence) -> Vec<&sealcheck::cosign::StoredSignature> {
    ev.items().iter().filter_map(|f| if let EvidenceItem::SimpleSigning(s) = &f.item { Some(s) } else { None }).collect()
}

/// The bundles the evidence holds.
fn bundles(ev: &ImageEvidence) -> Vec<&[u8]> {
    ev.items().iter().filter_map(|f| if let EvidenceItem::Bundle(b) = &f.item { Some(b.as_slice()) } else { None }).collect()
}

/// Collects the image tagged [`TAG`] and decides it under `p`.
fn decide(l: &Layout, p: &Policy) -> Result<Decision, Error> {
    let ev = evidence(l, &Selector::Tag(TAG.into()))?;
    Ok(p.decide(&ev, now()))
}

#[track_caller]
fn assert_allowed(d: &Decision) {
    assert!(d.allowed, "denied: {}", d.reason);
}

/// Denied, and the signatures considered were refused with exactly these error kinds.
#[track_caller]
fn assert_refused(d: &Decision, kinds: &[&str]) {
    assert!(!d.allowed, "allowed, expected {kinds:?}: {}", d.reason);
    assert_eq!(d.requirements.len(), 1, "{d:?}");
    let got: Vec<&str> = d.requirements[0].signatures.iter().map(|s| s.error_kind.unwrap_or("accepted")).collect();
    assert_eq!(got, kinds, "{}", d.reason);
}

/// Denied because the image has no signatures at all.
#[track_caller]
fn assert_no_signatures(d: &Decision) {
    assert!(!d.allowed, "allowed: {}", d.reason);
    assert!(d.requirements[0].signatures.is_empty(), "{d:?}");
    assert_eq!(d.requirements[0].reason, "no signatures", "{}", d.reason);
}

#[track_caller]
fn assert_err<T: std::fmt::Debug>(r: Result<T, Error>, kind: &str) -> Error {
    match r {
        Ok(v) => panic!("succeeded, expected {kind}: {v:?}"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "failed for another reason: {e}");
            e
        }
    }
}

/// The reason of the first refused signature.
fn first_reason(d: &Decision) -> &str {
    &d.requirements[0].signatures[0].reason
}

// ---- positive controls ----------------------------------------------------------------------

#[test]
fn legacy_key_signature_is_allowed() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    let d = decide(&l, &key_policy()).unwrap();
    assert_allowed(&d);
    assert_eq!(d.manifest_digest, Some(image.digest));
    let s = &d.requirements[0].signatures[0];
    assert!(s.signer.as_deref().unwrap().starts_with("key sha256:"), "{s:?}");
    assert_eq!(s.signed_reference.as_deref(), Some(reference().as_str()));
    // The same image selected by default and by digest, and asked about by digest.
    for sel in [Selector::Default, Selector::Digest(image.digest)] {
        let ev = evidence(&l, &sel).unwrap();
        assert_allowed(&key_policy().decide(&ev, now()));
    }
    let by_digest = format!("{REPO}@{}", image.digest);
    let ev = evidence_for(&l, &by_digest, &Selector::Digest(image.digest)).unwrap();
    assert_allowed(&key_policy().decide(&ev, now()));
}

#[test]
fn legacy_key_signature_with_rekor_set_is_allowed() {
    let (mut l, image) = image_layout();
    let s = legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), true);
    add_sig_manifest(&mut l, &image.digest, &[s]);
    let d = decide(&l, &key_rekor_policy()).unwrap();
    assert_allowed(&d);
    assert_eq!(d.requirements[0].signatures[0].integrated_time, Some(UnixTime::from_secs(SIGNED_AT)));
}

/// Legacy keyless is checked with `sealcheckKeyless` + `trustedRootData`: the support leaf has a
/// URI SAN (a workflow identity), which the containers `fulcio` form (SAN email only) cannot name.
#[test]
fn legacy_keyless_signature_is_allowed() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &keyless_signer());
    let d = decide(&l, &keyless_policy()).unwrap();
    assert_allowed(&d);
    let s = &d.requirements[0].signatures[0];
    assert_eq!(s.integrated_time, Some(UnixTime::from_secs(SIGNED_AT)));
    assert_eq!(s.signer.as_deref(), Some(format!("certificate {SAN}").as_str()));
    // Another identity is refused (the positive control is not vacuous).
    let mut req = keyless_requirement();
    req["sealcheckKeyless"]["subject"] = json!("https://github.com/org/other/.github/workflows/release.yml@refs/heads/main");
    assert_refused(&decide(&l, &policy(req)).unwrap(), &["IdentityMismatch"]);
}

#[test]
fn v3_key_bundle_is_allowed() {
    let (mut l, image) = image_layout();
    add_referrer(&mut l, &image, &v3_signature(&key_signer(), &image.digest));
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    assert_eq!((signatures(&ev).len(), bundles(&ev).len()), (0, 1));
    let d = key_policy().decide(&ev, now());
    assert_allowed(&d);
    assert_eq!(d.requirements[0].signatures[0].signed_reference.as_deref(), Some(REPO));
}

/// cosign v3.1.3 writes its signature statement's subject without a name (the parity test
/// shows it with the real cosign): no repository is signed, so no upstream signedIdentity can
/// accept it, and the refusal says what would. `sealcheckMatchDigest` (digest only, as cosign
/// checks) accepts it.
#[test]
fn v3_bundle_naming_no_repository_needs_match_digest() {
    let (mut l, image) = image_layout();
    let nameless = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "digest": { "sha256": digest_hex(&image.digest) }, "annotations": {} }],
        "predicateType": COSIGN_SIGN,
        "predicate": {},
    });
    add_referrer(&mut l, &image, &v3_bundle(&key_signer(), nameless.to_string().as_bytes()));
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    let d = key_policy().decide(&ev, now());
    assert_refused(&d, &["IdentityMismatch"]);
    assert!(d.reason.contains("sealcheckMatchDigest"), "{}", d.reason);
    let key = b64(key_signer().key.public_pem().as_bytes());
    let by_digest = compiled(&json!({ "default": [{ "type": "sigstoreSigned", "keyData": key, "signedIdentity": { "type": "sealcheckMatchDigest" } }] }).to_string());
    assert_allowed(&by_digest.decide(&ev, now()));
    // The digest is still bound: the same bundle on another image is refused.
    let (mut other, other_image) = image_layout_with(b"another layer");
    add_referrer(&mut other, &other_image, &v3_bundle(&key_signer(), nameless.to_string().as_bytes()));
    assert_refused(&by_digest.decide(&evidence(&other, &Selector::Tag(TAG.into())).unwrap(), now()), &["InToto"]);
}

#[test]
fn v3_keyless_bundle_is_allowed() {
    let (mut l, image) = image_layout();
    add_referrer(&mut l, &image, &v3_signature(&keyless_signer(), &image.digest));
    let d = decide(&l, &keyless_policy()).unwrap();
    assert_allowed(&d);
    let s = &d.requirements[0].signatures[0];
    assert_eq!(s.integrated_time, Some(UnixTime::from_secs(SIGNED_AT)));
    assert_eq!(s.signer.as_deref(), Some(format!("certificate {SAN}").as_str()));
}

/// The same v3 bundle found through the `sha256-<hex>` tag fallback instead of `index.json`.
#[test]
fn v3_bundle_through_the_tag_fallback_is_allowed() {
    let (mut l, image) = image_layout();
    let m = referrer_manifest(&l, &image, &v3_signature(&keyless_signer(), &image.digest));
    let r = l.blob(OCI_MANIFEST, &m);
    add_fallback_index(&mut l, &image.digest, &[r]);
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    assert_eq!(bundles(&ev).len(), 1);
    assert_allowed(&keyless_policy().decide(&ev, now()));
}

// ---- manifest changed after signing ---------------------------------------------------------

/// The manifest blob rewritten in place: its bytes no longer match the digest that names it.
#[test]
fn manifest_rewritten_in_place_is_refused() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    let changed = image_manifest(&l, b"layer 0: changed after signing");
    l.overwrite_blob(&image.digest, &changed);
    assert_err(decide(&l, &key_policy()), "ArtifactMismatch");
}

/// The tag moved to a changed manifest: the signatures stay attached to the old digest.
#[test]
fn manifest_replaced_has_no_signatures() {
    for signer in [key_signer(), keyless_signer()] {
        let (mut l, image) = image_layout();
        sign_legacy(&mut l, &image.digest, &signer);
        add_referrer(&mut l, &image, &v3_signature(&signer, &image.digest));
        l.untag(TAG);
        let changed = image_manifest(&l, b"layer 0: changed after signing");
        l.add(OCI_MANIFEST, &changed, Some(TAG), None);
        let p = if signer.cert.is_some() { keyless_policy() } else { key_policy() };
        let d = decide(&l, &p).unwrap();
        assert_no_signatures(&d);
        assert_eq!(d.manifest_digest, Some(digest_of(&changed)));
    }
}

/// The tag moved to a changed manifest and the old signatures re-attached to the new digest:
/// the legacy payload and the v3 statement still name the old digest.
#[test]
fn manifest_replaced_with_signatures_moved_is_refused() {
    for signer in [key_signer(), keyless_signer()] {
        let (mut l, image) = image_layout();
        let sig = legacy_sig(&signer, simple_signing(&reference(), &image.digest), false);
        let bundle = v3_signature(&signer, &image.digest);
        l.untag(TAG);
        let changed = image_manifest(&l, b"layer 0: changed after signing");
        let new = l.add(OCI_MANIFEST, &changed, Some(TAG), None);
        add_sig_manifest(&mut l, &new.digest, &[sig]);
        add_referrer(&mut l, &new, &bundle);
        let p = if signer.cert.is_some() { keyless_policy() } else { key_policy() };
        let d = decide(&l, &p).unwrap();
        assert_refused(&d, &["ArtifactMismatch", "InToto"]);
        assert!(first_reason(&d).contains("another manifest digest"), "{}", d.reason);
    }
}

/// Asked about by the signed digest, but the layout's tag now names a changed manifest.
#[test]
fn reference_digest_not_the_selected_manifest_is_refused() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    l.untag(TAG);
    let changed = image_manifest(&l, b"layer 0: changed after signing");
    l.add(OCI_MANIFEST, &changed, Some(TAG), None);
    let by_digest = format!("{REPO}@{}", image.digest);
    assert_err(evidence_for(&l, &by_digest, &Selector::Tag(TAG.into())), "ArtifactMismatch");
}

// ---- payload mutations ----------------------------------------------------------------------

#[test]
fn payload_naming_another_digest_is_refused() {
    for (signer, p) in [(key_signer(), key_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        let s = legacy_sig(&signer, simple_signing(&reference(), &other_digest()), false);
        add_sig_manifest(&mut l, &image.digest, &[s]);
        let d = decide(&l, &p).unwrap();
        assert_refused(&d, &["ArtifactMismatch"]);
        assert!(first_reason(&d).contains("another manifest digest"), "{}", d.reason);
    }
}

#[test]
fn payload_naming_another_reference_is_refused() {
    for (signer, p) in [(key_signer(), key_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        let s = legacy_sig(&signer, simple_signing("registry.sigstore.test/ns/other:v1", &image.digest), false);
        add_sig_manifest(&mut l, &image.digest, &[s]);
        let d = decide(&l, &p).unwrap();
        assert_refused(&d, &["IdentityMismatch"]);
        // Control: another tag of the same repository is accepted under matchRepository.
        let (mut l, image) = image_layout();
        let s = legacy_sig(&signer, simple_signing(&format!("{REPO}:v2"), &image.digest), false);
        add_sig_manifest(&mut l, &image.digest, &[s]);
        assert_allowed(&decide(&l, &p).unwrap());
    }
}

/// The v3 counterpart: the statement's subject names another repository.
#[test]
fn v3_bundle_naming_another_repository_is_refused() {
    for (signer, p) in [(key_signer(), key_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        add_referrer(&mut l, &image, &v3_bundle(&signer, &statement("registry.sigstore.test/ns/other", &image.digest, COSIGN_SIGN)));
        assert_refused(&decide(&l, &p).unwrap(), &["IdentityMismatch"]);
    }
}

// ---- SET for another signature (GHSA-ccxc-vr6p-4858) -----------------------------------------

/// A legacy signature whose `dev.sigstore.cosign/bundle` annotation is a genuine SET from the
/// trusted log, but over the entry of another signature (here: the signer's signature over a
/// payload for another image).
fn sig_with_set_of_another_signature(signer: &Signer, image: &OciDigest) -> LegacySig {
    let mut s = legacy_sig(signer, simple_signing(&reference(), image), true);
    let other_payload = simple_signing(&reference(), &other_digest());
    let other_sig = signer.key.sign(&other_payload);
    s.annotations.insert("dev.sigstore.cosign/bundle".into(), rekor_annotation(signer, &hashedrekord(&other_payload, &other_sig), 8));
    s
}

#[test]
fn set_for_another_signature_is_refused() {
    for (signer, p) in [(key_signer(), key_rekor_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        add_sig_manifest(&mut l, &image.digest, &[sig_with_set_of_another_signature(&signer, &image.digest)]);
        let d = decide(&l, &p).unwrap();
        assert_refused(&d, &["TlogBodyMismatch"]);
        assert!(first_reason(&d).contains("signature"), "{}", d.reason);
    }
}

/// The SET records this signature but another payload hash.
#[test]
fn set_for_another_payload_hash_is_refused() {
    for (signer, p) in [(key_signer(), key_rekor_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        let mut s = legacy_sig(&signer, simple_signing(&reference(), &image.digest), true);
        let signature = signer.key.sign(&s.payload);
        let wrong = Content::MessageSignature { digest: sha256(b"another payload").to_vec(), signature };
        s.annotations.insert("dev.sigstore.cosign/bundle".into(), rekor_annotation(&signer, &wrong, 9));
        add_sig_manifest(&mut l, &image.digest, &[s]);
        let d = decide(&l, &p).unwrap();
        assert_refused(&d, &["TlogBodyMismatch"]);
        assert!(first_reason(&d).contains("payload digest"), "{}", d.reason);
    }
}

/// The SET records this signature and payload, but another certificate (same identity).
#[test]
fn set_for_another_certificate_is_refused() {
    let (mut l, image) = image_layout();
    let signer = keyless_signer();
    let mut s = legacy_sig(&signer, simple_signing(&reference(), &image.digest), true);
    let signature = signer.key.sign(&s.payload);
    let other = other_keyless_signer();
    s.annotations.insert("dev.sigstore.cosign/bundle".into(), rekor_annotation(&other, &hashedrekord(&s.payload, &signature), 9));
    add_sig_manifest(&mut l, &image.digest, &[s]);
    let d = decide(&l, &keyless_policy()).unwrap();
    assert_refused(&d, &["TlogBodyMismatch"]);
    assert!(first_reason(&d).contains("certificate or public key"), "{}", d.reason);
}

/// The v3 counterpart: a bundle whose Rekor entry records another envelope.
#[test]
fn v3_entry_for_another_signature_is_refused() {
    let w = World::get();
    for (signer, p) in [(key_signer(), key_rekor_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        let content = signer.sign_dsse(IN_TOTO, &statement(REPO, &image.digest, COSIGN_SIGN));
        let other = signer.sign_dsse(IN_TOTO, &statement(REPO, &other_digest(), COSIGN_SIGN));
        let mut b = w.bundle_of(&signer, &Plan::default(), content);
        b.tlog_entries = w.bundle_of(&signer, &Plan::default(), other).tlog_entries;
        add_referrer(&mut l, &image, b.to_json().as_bytes());
        assert_refused(&decide(&l, &p).unwrap(), &["TlogBodyMismatch"]);
    }
}

// ---- v3 bundles and referrers ---------------------------------------------------------------

/// A genuine bundle for another image, attached as a referrer of this one.
#[test]
fn v3_bundle_for_another_image_is_refused() {
    for (signer, p) in [(key_signer(), key_policy()), (keyless_signer(), keyless_policy())] {
        let (mut l, image) = image_layout();
        add_referrer(&mut l, &image, &v3_signature(&signer, &other_digest()));
        let d = decide(&l, &p).unwrap();
        assert_refused(&d, &["InToto"]);
        assert!(first_reason(&d).contains("no subject matches"), "{}", d.reason);
    }
}

/// A referrer whose `subject` is another digest is not this image's, even when listed in this
/// image's `sha256-<hex>` fallback index and holding a bundle valid for this image.
#[test]
fn referrer_of_another_subject_is_ignored() {
    let other = Desc { media_type: OCI_MANIFEST.into(), digest: other_digest(), size: 100 };
    // Listed in index.json.
    let (mut l, image) = image_layout();
    let bundle = v3_signature(&keyless_signer(), &image.digest);
    let m = referrer_manifest(&l, &other, &bundle);
    l.add(OCI_MANIFEST, &m, None, Some(BUNDLE_V03));
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    assert!(bundles(&ev).is_empty());
    assert_no_signatures(&keyless_policy().decide(&ev, now()));
    // Listed in the tag fallback index of this image.
    let (mut l, image) = image_layout();
    let m = referrer_manifest(&l, &other, &bundle);
    let r = l.blob(OCI_MANIFEST, &m);
    add_fallback_index(&mut l, &image.digest, &[r]);
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    assert!(bundles(&ev).is_empty());
    assert_no_signatures(&keyless_policy().decide(&ev, now()));
    // A referrer without a subject, in the fallback index, is ignored too.
    let (mut l, image) = image_layout();
    let mut m: Value = serde_json::from_slice(&referrer_manifest(&l, &image, &bundle)).unwrap();
    m.as_object_mut().unwrap().remove("subject");
    let r = l.blob(OCI_MANIFEST, &serde_json::to_vec(&m).unwrap());
    add_fallback_index(&mut l, &image.digest, &[r]);
    assert!(bundles(&evidence(&l, &Selector::Tag(TAG.into())).unwrap()).is_empty());
}

// ---- bounds (GHSA-95pr-fxf5-86gv) -----------------------------------------------------------

/// A `.sig` manifest with `n` layers, all the same blob (one valid signature).
fn layout_with_sig_layers(n: usize) -> Layout {
    let (mut l, image) = image_layout();
    let s = legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false);
    add_sig_manifest(&mut l, &image.digest, &vec![s; n]);
    l
}

#[test]
fn signature_layers_are_bounded() {
    let l = layout_with_sig_layers(1001);
    let e = assert_err(decide(&l, &key_policy()), "LimitExceeded");
    assert!(matches!(e, Error::LimitExceeded { what: "signature layers", max: 1000, got: 1001 }), "{e}");
    // Control: 1000 layers are read (and the first one is accepted).
    let l = layout_with_sig_layers(1000);
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    assert_eq!(signatures(&ev).len(), 1000);
    assert_allowed(&key_policy().decide(&ev, now()));
    // Evidence assembled by other means is bounded the same way, when it is assembled.
    let mut ev = ev;
    let extra = EvidenceItem::SimpleSigning(signatures(&ev)[0].clone());
    let e = ev.push(extra, "extra").unwrap_err();
    assert!(e.to_string().contains("image signatures: 1001 exceeds the limit of 1000"), "{e}");
}

#[test]
fn attestation_layers_are_bounded() {
    let (mut l, image) = image_layout();
    let att = legacy_attestation(&key_signer(), &statement(REPO, &image.digest, SLSA));
    let blob = l.blob(DSSE_ENVELOPE, &att);
    let config = empty_config(&l);
    let m = json!({ "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.json(), "layers": vec![blob.json(); 1001] });
    l.add(OCI_MANIFEST, &serde_json::to_vec(&m).unwrap(), Some(&image.digest.tag_form(".att")), None);
    let e = assert_err(decide(&l, &key_attestation_policy(SLSA)), "LimitExceeded");
    assert!(matches!(e, Error::LimitExceeded { what: "attestation layers", max: 1000, got: 1001 }), "{e}");
}

#[test]
fn referrers_are_bounded() {
    let (mut l, image) = image_layout();
    let m = referrer_manifest(&l, &image, &v3_signature(&key_signer(), &image.digest));
    let r = l.blob(OCI_MANIFEST, &m);
    add_fallback_index(&mut l, &image.digest, &vec![r; 1001]);
    let e = assert_err(decide(&l, &key_policy()), "LimitExceeded");
    assert!(matches!(e, Error::LimitExceeded { what: "referrers", max: 1000, got: 1001 }), "{e}");
}

// ---- oversized and missing blobs ------------------------------------------------------------

#[test]
fn oversized_blobs_are_refused() {
    let big = vec![b' '; MAX_BLOB + 1];
    // A signature layer.
    let (mut l, image) = image_layout();
    let s = sign_legacy(&mut l, &image.digest, &key_signer());
    l.overwrite_blob(&digest_of(&s.payload), &big);
    assert_err(decide(&l, &key_policy()), "LimitExceeded");
    // A bundle layer.
    let (mut l, image) = image_layout();
    let bundle = v3_signature(&key_signer(), &image.digest);
    add_referrer(&mut l, &image, &bundle);
    l.overwrite_blob(&digest_of(&bundle), &big);
    assert_err(decide(&l, &key_policy()), "LimitExceeded");
    // The `.sig` manifest.
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    let sig_manifest = l.index.last().unwrap()["digest"].as_str().unwrap().to_string();
    l.overwrite_blob(&OciDigest::parse(&sig_manifest).unwrap(), &big);
    assert_err(decide(&l, &key_policy()), "LimitExceeded");
    // The image manifest.
    let (l, image) = image_layout();
    l.overwrite_blob(&image.digest, &big);
    assert_err(decide(&l, &key_policy()), "LimitExceeded");
    // A real signature payload of exactly 4 MiB (padding in `optional`) is within the limit.
    let (mut l, image) = image_layout();
    let mut payload = simple_signing(&reference(), &image.digest);
    let pad = MAX_BLOB - payload.len() - r#"{"pad":""}"#.len() + "null".len();
    payload = String::from_utf8(payload).unwrap().replace("null", &format!(r#"{{"pad":"{}"}}"#, "x".repeat(pad))).into_bytes();
    assert_eq!(payload.len(), MAX_BLOB);
    add_sig_manifest(&mut l, &image.digest, &[legacy_sig(&key_signer(), payload, false)]);
    assert_allowed(&decide(&l, &key_policy()).unwrap());
}

#[test]
fn missing_blobs_are_refused() {
    // A signature payload.
    let (mut l, image) = image_layout();
    let s = sign_legacy(&mut l, &image.digest, &key_signer());
    l.remove_blob(&digest_of(&s.payload));
    let e = assert_err(decide(&l, &key_policy()), "MissingEvidence");
    assert!(e.to_string().contains("missing"), "{e}");
    // A bundle layer.
    let (mut l, image) = image_layout();
    let bundle = v3_signature(&key_signer(), &image.digest);
    add_referrer(&mut l, &image, &bundle);
    l.remove_blob(&digest_of(&bundle));
    assert_err(decide(&l, &key_policy()), "MissingEvidence");
    // A referrer manifest listed in the fallback index.
    let (mut l, image) = image_layout();
    let m = referrer_manifest(&l, &image, &v3_signature(&key_signer(), &image.digest));
    let r = l.blob(OCI_MANIFEST, &m);
    add_fallback_index(&mut l, &image.digest, std::slice::from_ref(&r));
    l.remove_blob(&r.digest);
    assert_err(decide(&l, &key_policy()), "MissingEvidence");
    // The `.sig` manifest.
    let (mut l, image) = image_layout();
    let sig = add_sig_manifest(&mut l, &image.digest, &[legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false)]);
    l.remove_blob(&sig.digest);
    assert_err(decide(&l, &key_policy()), "MissingEvidence");
    // The image manifest.
    let (l, image) = image_layout();
    l.remove_blob(&image.digest);
    assert_err(decide(&l, &key_policy()), "MissingEvidence");
}

// ---- attestations -------------------------------------------------------------------------

/// An image with only a SLSA provenance attestation (legacy `.att` and/or v3 bundle referrer),
/// signed by the managed key.
fn attested_layout(legacy: bool, v3: bool) -> Layout {
    let (mut l, image) = image_layout();
    let st = statement(REPO, &image.digest, SLSA);
    if legacy {
        let blob = l.blob(DSSE_ENVELOPE, &legacy_attestation(&key_signer(), &st));
        let config = empty_config(&l);
        let m = json!({ "schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.json(), "layers": [blob.json()] });
        l.add(OCI_MANIFEST, &serde_json::to_vec(&m).unwrap(), Some(&image.digest.tag_form(".att")), None);
    }
    if v3 {
        add_referrer(&mut l, &image, &v3_bundle(&key_signer(), &st));
    }
    l
}

#[test]
fn attestation_of_another_predicate_type_is_refused() {
    let spdx = "https://spdx.dev/Document";
    for (legacy, v3, kinds) in [(true, false, &["InToto"][..]), (false, true, &["InToto"]), (true, true, &["InToto", "InToto"])] {
        let l = attested_layout(legacy, v3);
        let d = decide(&l, &key_attestation_policy(spdx)).unwrap();
        assert_refused(&d, kinds);
        assert!(first_reason(&d).contains("is not the wanted"), "{}", d.reason);
        // Control: the type it has is accepted.
        assert_allowed(&decide(&l, &key_attestation_policy(SLSA)).unwrap());
    }
    // An attestation is not a signature.
    let d = decide(&attested_layout(true, true), &key_policy()).unwrap();
    assert_refused(&d, &["InToto"]);
    // No attestation at all.
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    let d = decide(&l, &key_attestation_policy(SLSA)).unwrap();
    assert!(!d.allowed && d.requirements[0].reason == "no attestations", "{}", d.reason);
}

// ---- legacy keyless: the SET, the certificate and the trusted root ---------------------------

/// A legacy keyless signature for the image whose SET comes from `rekor` at `integrated_time`.
fn keyless_sig_with_set(signer: &Signer, image: &OciDigest, rekor: &RekorV1, integrated_time: i64) -> LegacySig {
    let mut s = legacy_sig(signer, simple_signing(&reference(), image), true);
    let signature = signer.key.sign(&s.payload);
    let set = rekor_annotation_by(rekor, integrated_time, signer, &hashedrekord(&s.payload, &signature), 7);
    s.annotations.insert("dev.sigstore.cosign/bundle".into(), set);
    s
}

/// `sealcheckKeyless` over a modified trusted root.
fn keyless_policy_with_root(root: &TrustedRootSpec) -> Policy {
    let mut req = keyless_requirement();
    req["sealcheckKeyless"]["trustedRootData"] = json!(b64(root.to_json().as_bytes()));
    policy(req)
}

#[test]
fn legacy_keyless_set_from_an_untrusted_log_is_refused() {
    let (mut l, image) = image_layout();
    let unknown = RekorV1::new("untrusted rekor", "https://rekor.untrusted.test", 7);
    add_sig_manifest(&mut l, &image.digest, &[keyless_sig_with_set(&keyless_signer(), &image.digest, &unknown, SIGNED_AT)]);
    assert_refused(&decide(&l, &keyless_policy()).unwrap(), &["UnknownLog"]);
}

#[test]
fn legacy_keyless_without_set_is_refused() {
    let (mut l, image) = image_layout();
    let mut s = legacy_sig(&keyless_signer(), simple_signing(&reference(), &image.digest), true);
    s.annotations.remove("dev.sigstore.cosign/bundle");
    add_sig_manifest(&mut l, &image.digest, &[s]);
    assert_refused(&decide(&l, &keyless_policy()).unwrap(), &["MissingEvidence"]);
}

/// The leaf is valid for ten minutes from T0; a SET integrated an hour later does not vouch
/// for a signature made while it was valid.
#[test]
fn legacy_keyless_set_after_certificate_expiry_is_refused() {
    let (mut l, image) = image_layout();
    let w = World::get();
    add_sig_manifest(&mut l, &image.digest, &[keyless_sig_with_set(&keyless_signer(), &image.digest, &w.rekor, T0 + 3600)]);
    // Legacy signatures go through the one bundle verifier, which names this case as bundles
    // and the conformance suite do (the signing time is outside the leaf's validity).
    assert_refused(&decide(&l, &keyless_policy()).unwrap(), &["SigningTimeOutsideCertificate"]);
}

#[test]
fn legacy_keyless_set_in_the_future_is_refused() {
    let (mut l, image) = image_layout();
    let w = World::get();
    add_sig_manifest(&mut l, &image.digest, &[keyless_sig_with_set(&keyless_signer(), &image.digest, &w.rekor, NOW + 60)]);
    assert_refused(&decide(&l, &keyless_policy()).unwrap(), &["TimeInFuture"]);
}

#[test]
fn legacy_keyless_leaf_from_an_untrusted_ca_is_refused() {
    let (mut l, image) = image_layout();
    let w = World::get();
    let evil = FulcioCa::new("untrusted fulcio", "https://fulcio.untrusted.test");
    let signer = w.leaf_signer(&LeafSpec::default(), &evil.intermediate, Vec::new());
    let mut s = legacy_sig(&signer, simple_signing(&reference(), &image.digest), true);
    let chain = format!("{}{}", support::pem("CERTIFICATE", &evil.intermediate.cert), support::pem("CERTIFICATE", &evil.root.cert));
    s.annotations.insert("dev.sigstore.cosign/chain".into(), chain);
    add_sig_manifest(&mut l, &image.digest, &[s]);
    assert_refused(&decide(&l, &keyless_policy()).unwrap(), &["UnknownIssuer"]);
}

/// The trusted root's CA is trusted only until before the SET's integrated time.
#[test]
fn legacy_keyless_ca_outside_its_validity_is_refused() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &keyless_signer());
    let w = World::get();
    let mut root = w.trusted_root();
    root.cas = vec![w.fulcio.trust(Window { start: T0 - YEAR, end: Some(SIGNED_AT - 1) })];
    assert_refused(&decide(&l, &keyless_policy_with_root(&root)).unwrap(), &["AuthorityOutsideValidity"]);
}

/// The trusted root's Rekor key is trusted only until before the SET's integrated time (a
/// retired log key). The bundle verifier refuses such an entry (`KeyOutsideValidity`,
/// src/sigstore/verify.rs step 4); the legacy path takes the keys without their windows
/// (src/cosign/verify.rs, `root_logs` in `verify_stored`), so the signature is accepted.
#[test]

fn legacy_keyless_set_from_a_log_outside_its_validity_is_refused() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &keyless_signer());
    let w = World::get();
    let mut root = w.trusted_root();
    root.tlogs = vec![w.rekor.trust(Window { start: T0 - YEAR, end: Some(SIGNED_AT - 1) })];
    assert_refused(&decide(&l, &keyless_policy_with_root(&root)).unwrap(), &["KeyOutsideValidity"]);
}

/// Control for the test above: the v3 path refuses an entry of a log outside its window.
#[test]
fn v3_keyless_entry_from_a_log_outside_its_validity_is_refused() {
    let (mut l, image) = image_layout();
    add_referrer(&mut l, &image, &v3_signature(&keyless_signer(), &image.digest));
    let w = World::get();
    let mut root = w.trusted_root();
    root.tlogs = vec![w.rekor.trust(Window { start: T0 - YEAR, end: Some(SIGNED_AT - 1) })];
    assert_refused(&decide(&l, &keyless_policy_with_root(&root)).unwrap(), &["KeyOutsideValidity"]);
}

// ---- key + Rekor -----------------------------------------------------------------------------

#[test]
fn legacy_key_without_set_under_a_rekor_policy_is_refused() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    assert_refused(&decide(&l, &key_rekor_policy()).unwrap(), &["MissingEvidence"]);
}

#[test]
fn v3_key_bundle_with_rekor_is_allowed() {
    let (mut l, image) = image_layout();
    add_referrer(&mut l, &image, &v3_signature(&key_signer(), &image.digest));
    let d = decide(&l, &key_rekor_policy()).unwrap();
    assert_allowed(&d);
    assert_eq!(d.requirements[0].signatures[0].integrated_time, Some(UnixTime::from_secs(SIGNED_AT)));
}

// ---- the containers `fulcio` form --------------------------------------------------------------

/// A Fulcio leaf with an email SAN (what the containers `fulcio` form matches), issued by the
/// world's Fulcio intermediate with an SCT from its CT log.
fn email_signer(email: &str) -> Signer {
    let w = World::get();
    let spec = LeafSpec { key_label: "email leaf".into(), serial: 0xe4a1, ..LeafSpec::default() };
    let san = Extension::new(OID_SUBJECT_ALT_NAME, true, der::seq(&[&encode(tag::context_primitive(1), email.as_bytes())]));
    let t = w.ct.embed(spec.template().with(san), &w.fulcio.intermediate, u64::try_from(T0).unwrap() * 1000);
    Signer { key: spec.key(), cert: Some(w.fulcio.intermediate.issue(&t)), chain: Vec::new() }
}

fn fulcio_policy(email: &str) -> Policy {
    let w = World::get();
    let ca = format!("{}{}", support::pem("CERTIFICATE", &w.fulcio.root.cert), support::pem("CERTIFICATE", &w.fulcio.intermediate.cert));
    policy(json!({
        "fulcio": { "caData": b64(ca.as_bytes()), "oidcIssuer": ISSUER, "subjectEmail": email },
        "rekorPublicKeyData": b64(w.rekor.key.public_pem().as_bytes()),
    }))
}

#[test]
fn legacy_keyless_with_the_fulcio_form() {
    let email = "release@sigstore.test";
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &email_signer(email));
    assert_allowed(&decide(&l, &fulcio_policy(email)).unwrap());
    assert_refused(&decide(&l, &fulcio_policy("someone@sigstore.test")).unwrap(), &["IdentityMismatch"]);
    // The SET-for-another-signature mutation under this form too.
    let (mut l, image) = image_layout();
    add_sig_manifest(&mut l, &image.digest, &[sig_with_set_of_another_signature(&email_signer(email), &image.digest)]);
    assert_refused(&decide(&l, &fulcio_policy(email)).unwrap(), &["TlogBodyMismatch"]);
}

// ---- known verifier gaps (fixed; regression tests) and their controls --------------------------

/// Embedders (the no_std core) build [`ImageEvidence`] themselves; `evaluate` bounds the legacy
/// signatures (above) but should bound bundles and attestations the same way: 1001 bundles of
/// which only the last is valid must not be searched through.
#[test]

fn evaluate_bounds_bundles_and_attestations() {
    let (mut l, image) = image_layout();
    add_referrer(&mut l, &image, &v3_signature(&key_signer(), &image.digest));
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    let good = bundles(&ev)[0].to_vec();
    let mut many = ImageEvidence::new(ev.reference().clone()).with_manifest(ev.manifest().unwrap().to_vec());
    for _ in 0..1000 {
        many.push(EvidenceItem::Bundle(b"{}".to_vec()), "caller").unwrap();
    }
    let e = many.push(EvidenceItem::Bundle(good), "caller").unwrap_err();
    assert!(e.to_string().contains("exceeds the limit of 1000"), "{e}");
    let att = sealcheck::cosign::StoredSignature { media_type: DSSE_ENVELOPE.into(), payload: b"{}".to_vec(), annotations: BTreeMap::new() };
    for _ in 0..1000 {
        many.push(EvidenceItem::Attestation(att.clone()), "caller").unwrap();
    }
    let e = many.push(EvidenceItem::Attestation(att), "caller").unwrap_err();
    assert!(e.to_string().contains("exceeds the limit of 1000"), "{e}");
}

/// cosign (legacy `verify`) and the v3 path here require an SCT from a trusted CT log for a
/// Fulcio leaf; the legacy keyless path does not look at the trusted root's CT logs at all, so
/// a leaf without any SCT is accepted (legacy `.att` attestations, verified as bundles, do
/// require one).
#[test]

fn legacy_keyless_leaf_without_sct_is_refused() {
    use support::ct::SctSource;
    let w = World::get();
    for sct in [SctSource::Absent, SctSource::UnknownLog] {
        let signer = w.fulcio_signer(&LeafSpec { sct, ..LeafSpec::default() });
        let (mut l, image) = image_layout();
        sign_legacy(&mut l, &image.digest, &signer);
        let d = decide(&l, &keyless_policy()).unwrap();
        assert!(!d.allowed, "{}", d.reason);
    }
}

/// Control for the test above: the v3 path refuses the same leaves.
#[test]
fn v3_keyless_leaf_without_sct_is_refused() {
    use support::ct::SctSource;
    let w = World::get();
    for (sct, kind) in [(SctSource::Absent, "Threshold"), (SctSource::UnknownLog, "UnknownCtLog")] {
        let signer = w.fulcio_signer(&LeafSpec { sct, ..LeafSpec::default() });
        let (mut l, image) = image_layout();
        add_referrer(&mut l, &image, &v3_signature(&signer, &image.digest));
        assert_refused(&decide(&l, &keyless_policy()).unwrap(), &[kind]);
    }
}

/// A refused signature does not spoil a good one after it.
#[test]
fn a_bad_signature_before_a_good_one() {
    let (mut l, image) = image_layout();
    let bad = legacy_sig(&key_signer(), simple_signing(&reference(), &other_digest()), false);
    let good = legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false);
    add_sig_manifest(&mut l, &image.digest, &[bad, good]);
    let d = decide(&l, &key_policy()).unwrap();
    assert_allowed(&d);
    let kinds: Vec<_> = d.requirements[0].signatures.iter().map(|s| s.error_kind).collect();
    assert_eq!(kinds, [Some("ArtifactMismatch"), None]);
}

// ---- CPU amplification by replay (fail-closed issue, finding 6) -------------------------------

/// A keyless signature of this image by an identity the policy does not trust, copied 500
/// times (as many as fit a 4 MiB `.sig` manifest): refused on its claims (the certificate
/// identity), before any signature is checked.
#[test]
fn replayed_untrusted_signatures_cost_no_signature_checks() {
    let attacker = World::get().fulcio_signer(&LeafSpec { san: "https://github.com/attacker/repo/.github/workflows/x.yml@refs/heads/main".into(), ..LeafSpec::default() });
    let (mut l, image) = image_layout();
    let s = legacy_sig(&attacker, simple_signing(&reference(), &image.digest), true);
    add_sig_manifest(&mut l, &image.digest, &vec![s; 500]);
    let d = decide(&l, &keyless_policy()).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.signature_checks, 0, "identity is checked before signatures");
    assert_eq!(d.requirements[0].signatures.len(), 500);
    assert_eq!(d.requirements[0].signatures[0].error_kind, Some("IdentityMismatch"));
    assert!(d.requirements[0].signatures[1..].iter().all(|s| s.reason.starts_with("usage: duplicate of evidence 0")), "copies are examined once");
    // Signatures for another image: refused on the digest they name, no signature checked.
    let (mut l, image) = image_layout();
    let other = legacy_sig(&keyless_signer(), simple_signing(&reference(), &other_digest()), true);
    add_sig_manifest(&mut l, &image.digest, &vec![other; 500]);
    let d = decide(&l, &keyless_policy()).unwrap();
    assert!(!d.allowed && d.signature_checks == 0, "{d:?}");
}

/// The same signature, valid in every claim but with a broken signature value, copied 1000
/// times: verified once.
#[test]
fn replayed_copies_are_verified_once() {
    let (mut l, image) = image_layout();
    let mut s = legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false);
    s.annotations.insert("dev.cosignproject.cosign/signature".into(), b64(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]));
    add_sig_manifest(&mut l, &image.digest, &vec![s; 1000]);
    let d = decide(&l, &key_policy()).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.signature_checks, 1, "one key, one verification for 1000 copies");
}

/// Distinct signatures that pass every cheap check and fail cryptographically: the decision
/// spends at most its budget of signature checks, then refuses the rest without checking them
/// (and does not allow, even if a good signature comes after).
#[test]
fn distinct_failing_signatures_are_bounded_by_the_work_budget() {
    let (mut l, image) = image_layout();
    let mut sigs: Vec<LegacySig> = (0..999u32)
        .map(|i| {
            let mut s = legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false);
            // A different broken DER signature each time: no two copies are identical.
            let der = [0x30, 0x08, 0x02, 0x02, (i >> 8) as u8 | 1, i as u8, 0x02, 0x02, 0x01, 0x01];
            s.annotations.insert("dev.cosignproject.cosign/signature".into(), b64(&der));
            s
        })
        .collect();
    sigs.push(legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false));
    add_sig_manifest(&mut l, &image.digest, &sigs);
    let d = decide(&l, &key_policy()).unwrap();
    assert!(!d.allowed, "{}", d.reason);
    assert!(d.signature_checks <= sealcheck::limits::MAX_SIGNATURE_CHECKS_PER_DECISION, "{}", d.signature_checks);
    let last = d.requirements[0].signatures.last().unwrap();
    assert_eq!(last.error_kind, Some("LimitExceeded"), "{last:?}");
    assert!(d.requirements[0].reason.contains("evidence left unchecked"), "{}", d.requirements[0].reason);
    // Control: the good signature alone is accepted.
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    assert_allowed(&decide(&l, &key_policy()).unwrap());
}

// ---- image indexes (multi-platform images) ------------------------------------------------

/// A layout with an index tagged [`TAG`] listing one platform manifest; returns (layout, index,
/// platform manifest).
fn index_layout() -> (Layout, Desc, Desc) {
    let mut l = Layout::new();
    let m = image_manifest(&l, b"layer 0: linux/amd64 content");
    let platform = l.blob(OCI_MANIFEST, &m);
    let mut entry = platform.json();
    entry["platform"] = json!({ "architecture": "amd64", "os": "linux" });
    let index = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry] });
    let index = l.add(OCI_INDEX, &serde_json::to_vec(&index).unwrap(), Some(TAG), None);
    (l, index, platform)
}

fn index_key_policy(index_signatures: bool) -> Policy {
    policy(json!({ "keyData": b64(key_signer().key.public_pem().as_bytes()), "sealcheckIndexSignatures": index_signatures }))
}

/// containers/image checks signatures of the manifest it decides: a signature of the index
/// does not cover a platform manifest it lists, unless the policy says so
/// (`sealcheckIndexSignatures`), and the record says which digest matched.
#[test]
fn index_signatures_need_the_policy_option() {
    let (mut l, index, platform) = index_layout();
    sign_legacy(&mut l, &index.digest, &key_signer());
    let reference = format!("{REPO}@{}", platform.digest);
    let ev = evidence_for(&l, &reference, &Selector::Digest(platform.digest)).unwrap();
    assert!(ev.index().is_some(), "the index that lists the platform manifest is gathered");
    assert_refused(&index_key_policy(false).decide(&ev, now()), &["ArtifactMismatch"]);
    let d = index_key_policy(true).decide(&ev, now());
    assert_allowed(&d);
    assert_eq!(d.requirements[0].signatures[0].matched, Some(sealcheck::policy::Matched::Index));
    assert_eq!(d.index_digest, Some(index.digest));
    // A v3 bundle over the index, likewise.
    let (mut l, index, platform) = index_layout();
    add_referrer(&mut l, &index, &v3_signature(&key_signer(), &index.digest));
    let ev = evidence_for(&l, &reference, &Selector::Digest(platform.digest)).unwrap();
    assert_refused(&index_key_policy(false).decide(&ev, now()), &["InToto"]);
    assert_allowed(&index_key_policy(true).decide(&ev, now()));
    // The index itself, decided by its tag, is covered by its own signature (no option needed).
    let (mut l, index, _) = index_layout();
    sign_legacy(&mut l, &index.digest, &key_signer());
    let d = decide(&l, &index_key_policy(false)).unwrap();
    assert_allowed(&d);
    assert_eq!(d.requirements[0].signatures[0].matched, Some(sealcheck::policy::Matched::Manifest));
    // A signature of the platform manifest itself matches the manifest.
    let (mut l, _, platform) = index_layout();
    sign_legacy(&mut l, &platform.digest, &key_signer());
    let ev = evidence_for(&l, &format!("{REPO}@{}", platform.digest), &Selector::Digest(platform.digest)).unwrap();
    let d = index_key_policy(true).decide(&ev, now());
    assert_allowed(&d);
    assert_eq!(d.requirements[0].signatures[0].matched, Some(sealcheck::policy::Matched::Manifest));
}

// ---- cosign save layouts ------------------------------------------------------------------

/// `cosign save --dir` lists the image and its signatures by `kind` annotation, without tags
/// (and with the config media type as artifactType): the image is the default, its signatures
/// are found.
#[test]
fn cosign_save_layouts() {
    let mut l = Layout::new();
    let m = image_manifest(&l, b"layer 0: saved image");
    let image = l.blob(OCI_MANIFEST, &m);
    let mut e = image.json();
    e["annotations"] = json!({ "kind": "dev.cosignproject.cosign/image" });
    e["artifactType"] = json!("application/vnd.oci.image.config.v1+json");
    l.index.push(e);
    let s = legacy_sig(&key_signer(), simple_signing(&reference(), &image.digest), false);
    let sig = add_sig_manifest(&mut l, &image.digest, &[s]);
    l.untag(&image.digest.tag_form(".sig"));
    let mut e = sig.json();
    e["annotations"] = json!({ "kind": "dev.cosignproject.cosign/sigs" });
    l.index.push(e);
    let ev = evidence_for(&l, &reference(), &Selector::Default).unwrap();
    assert_eq!(ev.items()[0].origin, "cosign save dev.cosignproject.cosign/sigs layer 0");
    assert_allowed(&key_policy().decide(&ev, now()));
}

// ---- the fact cache (src/cache.rs) and batch decisions ----------------------------------------

/// One cache shared by verifiers compiled from the same policy text (a reload): the first
/// decision verifies and records the facts; the next, by another verifier, spends no signature
/// check and explains the decision the same way a fresh one does.
#[test]
fn cached_facts_decide_as_fresh_ones_without_signature_checks() {
    let cases: [(&str, fn(&mut Layout, &Desc), fn() -> Policy); 3] = [
        ("legacy key", |l, image| drop(sign_legacy(l, &image.digest, &key_signer())), key_policy),
        ("legacy keyless", |l, image| drop(sign_legacy(l, &image.digest, &keyless_signer())), keyless_policy),
        ("v3 keyless", |l, image| drop(add_referrer(l, image, &v3_signature(&keyless_signer(), &image.digest))), keyless_policy),
    ];
    for (name, sign, policy) in cases {
        let (mut l, image) = image_layout();
        sign(&mut l, &image);
        let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
        let fresh = policy().decide(&ev, now());
        assert_allowed(&fresh);
        let cache = Arc::new(FactCache::default());
        let first = policy().with_cache(cache.clone()).decide(&ev, now());
        assert_eq!(first, fresh, "{name}: a miss decides as without a cache");
        let again = policy().with_cache(cache.clone()).decide(&ev, now());
        assert_allowed(&again);
        assert_eq!(again.signature_checks, 0, "{name}");
        assert!(again.requirements[0].reason.contains("cached"), "{name}: {}", again.requirements[0].reason);
        let (a, f) = (&again.requirements[0].signatures[0], &fresh.requirements[0].signatures[0]);
        assert_eq!((&a.signer, &a.signed_reference, &a.times, a.matched), (&f.signer, &f.signed_reference, &f.times, f.matched), "{name}");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1), "{name}");
    }
}

/// Cached facts are judged by each policy that meets them: the same trust (the same key) under
/// a `signedIdentity` naming another repository denies, with the cached facts and no checks.
#[test]
fn cached_facts_are_judged_by_each_policy() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &key_signer());
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    let cache = Arc::new(FactCache::default());
    assert_allowed(&key_policy().with_cache(cache.clone()).decide(&ev, now()));
    let key = b64(key_signer().key.public_pem().as_bytes());
    let other_repo = json!({ "default": [{ "type": "sigstoreSigned", "keyData": key,
        "signedIdentity": { "type": "exactRepository", "dockerRepository": "registry.sigstore.test/ns/other" } }] })
    .to_string();
    let d = compiled(&other_repo).with_cache(cache.clone()).decide(&ev, now());
    assert!(!d.allowed, "{}", d.reason);
    assert_eq!(d.signature_checks, 0);
    assert_eq!(cache.stats().hits, 1);
    assert_eq!(d, compiled(&other_repo).decide(&ev, now()), "denied exactly as without a cache");
}

/// Other trust never meets the facts: a policy trusting another key misses and verifies (and
/// refuses); another keyless identity misses too.
#[test]
fn cached_facts_are_keyed_by_the_trust_that_verified_them() {
    let (mut l, image) = image_layout();
    sign_legacy(&mut l, &image.digest, &keyless_signer());
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    let cache = Arc::new(FactCache::default());
    assert_allowed(&keyless_policy().with_cache(cache.clone()).decide(&ev, now()));
    let mut req = keyless_requirement();
    req["sealcheckKeyless"]["subjectRegexp"] = json!(format!("{}.*", &SAN[..20]));
    req["sealcheckKeyless"].as_object_mut().unwrap().remove("subject");
    let wider = policy(req).with_cache(cache.clone());
    let d = wider.decide(&ev, now());
    assert_allowed(&d);
    assert!(d.signature_checks > 0, "another identity is other trust: verified again");
    // A key image: a policy trusting another key verifies again, and refuses.
    let (mut l, image) = image_layout_with(b"key-signed");
    sign_legacy(&mut l, &image.digest, &key_signer());
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    assert_allowed(&key_policy().with_cache(cache.clone()).decide(&ev, now()));
    let other_key = policy(json!({ "keyData": b64(support::keys::Key::p256("another").public_pem().as_bytes()) }));
    let d = other_key.with_cache(cache.clone()).decide(&ev, now());
    assert!(!d.allowed && d.signature_checks > 0, "{}", d.reason);
    assert_eq!(cache.stats().hits, 0);
}

/// A fact holds only from its latest verified time on: asked about an earlier verification
/// time, the cache is not used and the evidence is verified (and refused) again.
#[test]
fn cached_facts_hold_only_from_their_verified_times() {
    let (mut l, image) = image_layout();
    add_referrer(&mut l, &image, &v3_signature(&keyless_signer(), &image.digest));
    let ev = evidence(&l, &Selector::Tag(TAG.into())).unwrap();
    let cache = Arc::new(FactCache::default());
    let p = keyless_policy().with_cache(cache.clone());
    assert_allowed(&p.decide(&ev, now()));
    let before = p.decide(&ev, UnixTime::from_secs(SIGNED_AT - 1));
    assert_refused(&before, &["TimeInFuture"]);
    let later = p.decide(&ev, UnixTime::from_secs(NOW + YEAR));
    assert_allowed(&later);
    assert_eq!(later.signature_checks, 0);
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 2));
}

/// `decide_all` on two threads decides each image as `decide` does, in order.
#[test]
fn batch_decisions_equal_single_ones() {
    let mut images = Vec::new();
    for i in 0..8u8 {
        let (mut l, image) = image_layout_with(&[b'x', i]);
        if i % 3 != 0 {
            add_referrer(&mut l, &image, &v3_signature(&keyless_signer(), &image.digest));
        }
        images.push(evidence(&l, &Selector::Tag(TAG.into())).unwrap());
    }
    let p = keyless_policy();
    let one: Vec<Decision> = images.iter().map(|ev| p.decide(ev, now())).collect();
    assert_eq!(one.iter().filter(|d| d.allowed).count(), 5);
    for threads in [1, 2, 16] {
        assert_eq!(p.decide_all(&images, now(), threads), one, "{threads} threads");
    }
    assert!(p.decide_all(&[], now(), 2).is_empty());
}
