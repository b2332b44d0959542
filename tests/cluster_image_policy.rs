//! sigstore policy-controller `ClusterImagePolicy` (issue 14, "Admission adapters"):
//! `src/policy/cluster_image_policy.rs` compiled over generated evidence — the project's own
//! keys, Fulcio-style CA, CT log, Rekor v1 log and TSA from `tests/support` — and decided.
//!
//! Acceptance 6: each supported field has a positive and a negative test (globs, the AND of
//! matching policies, the OR of authorities, `mode`, `static`, `key.data`, `keyless`
//! identities exact and by regexp, `trustRootRef`, `insecureIgnoreSCT`, `ctlog`,
//! `rfc3161timestamp`, `signatureFormat`, `attestations[].predicateType`), and every
//! unsupported field is an error naming it ([`unsupported_fields_are_errors_naming_them`]).
//!
//! Policies are written as JSON values and emitted as block YAML ([`to_yaml`]), so that the YAML
//! reader is on every path; [`documents_yaml_json_streams_and_lists`] has hand-written YAML.

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use serde_json::{Value, json};

use sealcheck::cosign::StoredSignature;
use sealcheck::oci::EvidenceItem;
use sealcheck::policy::cluster_image_policy::{glob_matches, glob_subject, normalize_glob};
use sealcheck::policy::{Decision, PolicyFiles, RequirementRecord};
use sealcheck::verifier::{self, PolicyFormat};
use sealcheck::{CompiledPolicy, Error, ImageEvidence, ImageVerifier, UnixTime};

use support::image::Image;
use support::bundle::{BundleSpec, IN_TOTO, Signer, Version};
use support::cosign::{hashedrekord, rekor_annotation_by};
use support::ct::SctSource;
use support::keys::Key;
use support::pki::LeafSpec;
use support::{ISSUER, NOW, SAN, SIGNED_AT, T0, World, b64, hex};

const API: &str = "policy.sigstore.dev/v1beta1";
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const COSIGN_SIGN: &str = "https://sigstore.dev/cosign/sign/v1";
const SLSA: &str = "https://slsa.dev/provenance/v1";
const SPDX: &str = "https://spdx.dev/Document";
/// The path the policies' trust root annotation names (the generated world's trusted root).
const ROOT: &str = "generated/trusted_root.json";
/// The annotation that resolves `trustRootRef: test` to [`ROOT`].
const ROOT_ANNOTATION: &str = "sealcheck.dev/trusted-root.test";
/// The generated root without transparency logs and TSAs (`trustRootRef: bare`).
const BARE_ROOT: &str = "generated/bare_trusted_root.json";

// ---- signers --------------------------------------------------------------------------------

fn key(label: &str) -> Signer {
    Signer { key: Key::p256(label), cert: None, chain: Vec::new() }
}

fn alice() -> Signer {
    key("cip: alice's release key")
}

fn bob() -> Signer {
    key("cip: bob's release key")
}

fn carol() -> Signer {
    key("cip: carol's key (trusted nowhere)")
}

/// The default Fulcio leaf: SAN [`SAN`], issuer [`ISSUER`], valid T0..T0+10min, with an SCT.
static KEYLESS: LazyLock<Signer> = LazyLock::new(|| World::get().fulcio_signer(&LeafSpec::default()));

fn keyless() -> Signer {
    KEYLESS.clone()
}

/// A leaf of `spec` (its own key and serial).
fn leaf(label: &str, serial: u64, edit: impl FnOnce(&mut LeafSpec)) -> Signer {
    let mut spec = LeafSpec { key_label: format!("cip leaf: {label}"), serial, ..LeafSpec::default() };
    edit(&mut spec);
    World::get().fulcio_signer(&spec)
}

// ---- images and evidence --------------------------------------------------------------------

/// A cosign legacy (`.sig` layer) signature of `image` by `signer`, with a Rekor v1 signed entry
/// timestamp integrated at [`SIGNED_AT`] when `logged`.
fn legacy(signer: &Signer, image: &Image, logged: bool) -> EvidenceItem {
    let payload = json!({
        "critical": {
            "identity": { "docker-reference": image.repo },
            "image": { "docker-manifest-digest": image.digest.to_string() },
            "type": "cosign container image signature",
        },
        "optional": null,
    })
    .to_string()
    .into_bytes();
    let signature = signer.key.sign(&payload);
    let mut annotations = BTreeMap::new();
    annotations.insert("dev.cosignproject.cosign/signature".to_string(), b64(&signature));
    if signer.cert.is_some() {
        let ca = &World::get().fulcio;
        annotations.insert("dev.sigstore.cosign/certificate".to_string(), signer.pem());
        let chain = format!("{}{}", support::pem("CERTIFICATE", &ca.intermediate.cert), support::pem("CERTIFICATE", &ca.root.cert));
        annotations.insert("dev.sigstore.cosign/chain".to_string(), chain);
    }
    if logged {
        let set = rekor_annotation_by(&World::get().rekor, SIGNED_AT, signer, &hashedrekord(&payload, &signature), 7);
        annotations.insert("dev.sigstore.cosign/bundle".to_string(), set);
    }
    EvidenceItem::SimpleSigning(StoredSignature { media_type: SIMPLE_SIGNING.into(), payload, annotations })
}

/// A cosign v3 bundle (v0.3, DSSE over an in-toto statement of `predicate` naming the image) by
/// `signer`: a Rekor v1 entry integrated at [`SIGNED_AT`] when `logged`, an RFC 3161 timestamp
/// at [`SIGNED_AT`] when `stamped`.
fn bundle(signer: &Signer, image: &Image, predicate: &str, logged: bool, stamped: bool) -> EvidenceItem {
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": image.repo, "digest": { "sha256": image.digest.to_string()["sha256:".len()..] } }],
        "predicateType": predicate,
        "predicate": {},
    })
    .to_string()
    .into_bytes();
    let w = World::get();
    let content = signer.sign_dsse(IN_TOTO, &statement);
    let tlog_entries = if logged { vec![w.rekor.entry(&content, signer, 11, SIGNED_AT)] } else { Vec::new() };
    let timestamps = if stamped { vec![w.tsa.timestamp(content.signature(), SIGNED_AT)] } else { Vec::new() };
    let spec = BundleSpec { media_type: Version::V0_3.media_type().into(), material: signer.material(Version::V0_3), content, tlog_entries, timestamps };
    EvidenceItem::Bundle(spec.to_json().into_bytes())
}

/// [`bundle`] of a cosign image signature, logged.
fn v3_signature(signer: &Signer, image: &Image) -> EvidenceItem {
    bundle(signer, image, COSIGN_SIGN, true, false)
}

// ---- policies -------------------------------------------------------------------------------

/// Policy files held in memory: the generated trusted root at [`ROOT`].
struct Files(BTreeMap<String, Vec<u8>>);

impl Files {
    fn new() -> Self {
        let mut m = BTreeMap::new();
        m.insert(ROOT.to_string(), World::get().trusted_root().to_json().into_bytes());
        // The same root without its logs and TSAs.
        let bare = support::trusted_root::TrustedRootSpec { tlogs: Vec::new(), tsas: Vec::new(), ..World::get().trusted_root() };
        m.insert(BARE_ROOT.to_string(), bare.to_json().into_bytes());
        Self(m)
    }
}

impl PolicyFiles for Files {
    fn read(&self, path: &str, max: usize) -> sealcheck::Result<Vec<u8>> {
        let b = self.0.get(path).cloned().ok_or_else(|| Error::NotFound(format!("policy file {path}")))?;
        assert!(b.len() <= max, "{path}: {} bytes, max {max}", b.len());
        Ok(b)
    }
}

/// Block YAML for a JSON value: mappings and sequences in block style, keys and scalars as
/// JSON text (a YAML double-quoted scalar, or a plain number, boolean or null).
fn to_yaml(v: &Value) -> String {
    fn block(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    out.push_str(&format!("{pad}{}:", Value::String(k.clone())));
                    child(x, indent, out);
                }
            }
            Value::Array(a) => {
                for x in a {
                    out.push_str(&format!("{pad}-"));
                    child(x, indent, out);
                }
            }
            scalar => out.push_str(&format!("{pad}{scalar}\n")),
        }
    }
    fn child(x: &Value, indent: usize, out: &mut String) {
        match x {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                block(x, indent + 2, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                block(x, indent + 2, out);
            }
            scalar => out.push_str(&format!(" {scalar}\n")),
        }
    }
    let mut out = String::new();
    block(v, 0, &mut out);
    out
}

/// Several policies as one YAML stream.
fn stream(docs: &[Value]) -> String {
    docs.iter().map(|d| format!("---\n{}", to_yaml(d))).collect()
}

/// A `ClusterImagePolicy` named `name` for `globs`, with `authorities`, and the annotation that
/// resolves `trustRootRef: test`.
fn cip(name: &str, globs: &[&str], authorities: Value) -> Value {
    json!({
        "apiVersion": API,
        "kind": "ClusterImagePolicy",
        "metadata": { "name": name, "annotations": { ROOT_ANNOTATION: ROOT } },
        "spec": { "images": globs.iter().map(|g| json!({ "glob": g })).collect::<Vec<_>>(), "authorities": authorities },
    })
}

/// A `key` authority with `signer`'s public key inline.
fn key_authority(signer: &Signer) -> Value {
    json!({ "key": { "data": signer.key.public_pem() } })
}

/// A `keyless` authority of `identities` against the generated root, its log entries required
/// from the same root (`ctlog.trustRootRef`).
fn keyless_authority(identities: Value) -> Value {
    json!({ "keyless": { "trustRootRef": "test", "identities": identities }, "ctlog": { "trustRootRef": "test" } })
}

/// The default leaf's identity, exactly.
fn default_identity() -> Value {
    json!([{ "issuer": ISSUER, "subject": SAN }])
}

fn try_compile(yaml: &str) -> sealcheck::Result<Arc<CompiledPolicy>> {
    verifier::cluster_image_policy(yaml.as_bytes(), &Files::new(), &support::provider()).map(Arc::new)
}

#[track_caller]
fn compile(docs: &[Value]) -> Arc<CompiledPolicy> {
    let yaml = stream(docs);
    try_compile(&yaml).unwrap_or_else(|e| panic!("compile: {e}\n{yaml}"))
}

/// The error text (with its causes) a document is refused with.
#[track_caller]
fn refused(yaml: &str) -> String {
    match try_compile(yaml) {
        Ok(_) => panic!("compiled, but should be refused:\n{yaml}"),
        Err(e) => {
            assert_eq!(e.class(), sealcheck::ErrorClass::Input, "{e}");
            error_text(&e)
        }
    }
}

fn error_text(e: &Error) -> String {
    let mut text = e.to_string();
    let mut cur: &dyn std::error::Error = e;
    while let Some(s) = cur.source() {
        text.push_str(&format!(": {s}"));
        cur = s;
    }
    text
}

fn decide_at(policy: &Arc<CompiledPolicy>, ev: &ImageEvidence, at: i64) -> Decision {
    ImageVerifier::new(policy.clone(), support::provider()).decide(ev, UnixTime::from_secs(at))
}

fn decide(policy: &Arc<CompiledPolicy>, image: &Image) -> Decision {
    decide_at(policy, &image.evidence(), NOW)
}

#[track_caller]
fn assert_allowed(d: &Decision) {
    assert!(d.allowed, "expected allowed: {}\n{:#?}", d.reason, d.requirements);
}

#[track_caller]
fn assert_denied(d: &Decision) {
    assert!(!d.allowed, "expected denied: {}\n{:#?}", d.reason, d.requirements);
}

/// Every refusal in a record tree (error kinds of refused signatures).
fn refusals(records: &[RequirementRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for r in records {
        out.extend(r.signatures.iter().filter(|s| !s.accepted).map(|s| format!("{}: {}", s.error_kind.unwrap_or("?"), s.reason)));
        out.extend(refusals(&r.alternatives));
    }
    out
}

#[track_caller]
fn assert_refused_with(d: &Decision, kind: &str) {
    assert_denied(d);
    let all = refusals(&d.requirements);
    assert!(all.iter().any(|r| r.starts_with(&format!("{kind}:"))), "no {kind} refusal in {all:#?}\n{}", d.reason);
}

// ---- globs ----------------------------------------------------------------------------------

/// policy-controller's `TestGlobMatch` table (`pkg/apis/glob/glob_test.go`), image names as
/// the webhook gives them (`ref.Name()`: the deprecated fallback to the unparsed image string
/// never applies there, so the rows that match only through it do not match here).
#[test]
fn globs_match_as_policy_controller() {
    let name = |image: &str| glob_subject(&verifier::image_reference(image).unwrap());
    let cases: &[(&str, &str, bool)] = &[
        ("foo", "index.docker.io/library/foo:latest", true),
        ("foo", "index.docker.io/library/foo:*", true),
        ("foo", "index.docker.io/library/*", true),
        ("foo", "index.docker.io/library/*:latest", true),
        ("foo", "index.docker.io/*/*", true),
        ("foo", "index.docker.io/**", true),
        ("foo", "index.docker.**", true),
        ("foo", "inde**", true),
        ("foo", "**", true),
        ("foo", "foo", false),
        ("foo", "foo*", false),
        ("myuser/myapp", "index.docker.io/myuser/myapp:latest", true),
        ("myuser/myapp", "index.docker.io/myuser/myapp:*", true),
        ("myuser/myapp", "index.docker.io/myuser/*", true),
        ("myuser/myapp", "index.docker.io/myuser/*:latest", true),
        ("myuser/myapp", "index.docker.io/*/*", true),
        ("myuser/myapp", "index.docker.io/**", true),
        ("myuser/myapp", "myuser/myapp", false),
        ("ghcr.io/foo/bar", "ghcr.io/*/*", true),
        ("ghcr.io/foo/bar", "ghcr.io/**", true),
        ("ghcr.io/foo", "ghcr.io/*/*", false),
        ("ghcr.io/foo", "ghcr.io/**", true),
        ("ghcr.io/foo", "ghc**", true),
        ("ghcr.io/foo", "*/**", true),
        ("ghcr.io/foo", "ghcr.io/foo*", true),
        ("ghcr.io/foo", "ghcr.io/foo**", true),
        ("prefix-ghcr.io/foo", "ghcr.io/foo", false),
        ("ghcr.io/foo-suffix", "ghcr.io/foo", false),
        ("ghcrxio/foo", "ghcr.io/**", false),
        ("foo", "*", true),
        ("myuser/myapp", "*/*", true),
        ("ghcr.io/foo", "*", false),
        // `*` stops at `/`, not at `:` or `@`.
        ("ghcr.io/foo/bar:v1", "ghcr.io/*:v1", false),
        ("ghcr.io/foo:v1", "ghcr.io/*", true),
        ("ghcr.io/foo:v1", "ghcr.io/foo:v*", true),
        ("ghcr.io/foo:v1", "ghcr.io/foo:x*", false),
        // `***` is `**` then `*`.
        ("ghcr.io/a/b/c", "ghcr.io/***", true),
        ("docker.io/library/busybox:1", "index.docker.io/library/busybox:1", true),
        ("localhost:5000/a:t", "localhost:5000/*:t", true),
    ];
    for (image, glob, want) in cases {
        let g = normalize_glob(glob).unwrap();
        assert_eq!(glob_matches(&g, &name(image)), *want, "glob {glob:?} on {image:?} ({})", name(image));
    }
    // A digest wins over the tag, as go-containerregistry's Digest.Name().
    let d = format!("sha256:{}", "5504f2a95018e3d8a52d80d9e1a128c6ea337581808ff9fe96f5628ce2336350");
    assert_eq!(name(&format!("ghcr.io/foo@{d}")), format!("ghcr.io/foo@{d}"));
    assert_eq!(name(&format!("ghcr.io/foo:v1@{d}")), format!("ghcr.io/foo@{d}"));
    assert!(glob_matches(&format!("ghcr.io/foo@{d}"), &name(&format!("ghcr.io/foo@{d}"))));
    assert!(!glob_matches("ghcr.io/foo:*", &name(&format!("ghcr.io/foo@{d}"))), "a tag glob does not match a digest reference");
    assert!(glob_matches("ghcr.io/foo@*", &name(&format!("ghcr.io/foo@{d}"))));
    // Invalid globs are refused (regexp syntax is not glob syntax).
    for bad in [".+", "[a-z]*", "ghcr.io/foo?", "", "a b", "ghcr.io/(x)"] {
        assert!(normalize_glob(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn glob_selects_the_policy() {
    let p = compile(&[cip("ns-keys", &["registry.sigstore.test/ns/*"], json!([key_authority(&alice())]))]);
    // Positive: the glob covers the image; signed, it is allowed; unsigned, denied by the policy.
    let signed = Image::app("glob").with(legacy(&alice(), &Image::app("glob"), false));
    let d = decide(&p, &signed);
    assert_allowed(&d);
    assert_eq!(d.scope, "ns-keys");
    let d = decide(&p, &Image::app("glob"));
    assert_denied(&d);
    assert_eq!(d.scope, "ns-keys");
    // Negative: `*` is one path component: a deeper repository, and another namespace, match no
    // policy and are denied (no-match-policy deny), signed or not.
    for repo in ["registry.sigstore.test/ns/app/sub", "registry.sigstore.test/other/app"] {
        let image = Image::new(repo, "glob");
        let image = Image { items: vec![legacy(&alice(), &image, false)], ..image };
        let d = decide(&p, &image);
        assert_denied(&d);
        assert_eq!(d.scope, "default", "{repo}");
        assert!(d.reason.contains("no ClusterImagePolicy matches"), "{}", d.reason);
    }
    // `**` covers both.
    let p = compile(&[cip("all", &["registry.sigstore.test/**"], json!([key_authority(&alice())]))]);
    let image = Image::new("registry.sigstore.test/ns/app/sub", "glob");
    let image = Image { items: vec![legacy(&alice(), &image, false)], ..image };
    assert_allowed(&decide(&p, &image));
}

// ---- combining policies and authorities -----------------------------------------------------

#[test]
fn all_matching_policies_must_pass() {
    let p = compile(&[
        cip("everything-by-alice", &["**"], json!([key_authority(&alice())])),
        cip("ns-by-bob", &["registry.sigstore.test/ns/**"], json!([key_authority(&bob())])),
    ]);
    let base = Image::app("and");
    // Both match: alice's signature alone fails the second policy.
    let d = decide(&p, &Image::app("and").with(legacy(&alice(), &base, false)));
    assert_denied(&d);
    assert_eq!(d.scope, "everything-by-alice, ns-by-bob");
    assert_eq!(d.requirements.len(), 2);
    assert!(d.requirements[0].satisfied && !d.requirements[1].satisfied, "{:#?}", d.requirements);
    // Bob's alone fails the first.
    assert_denied(&decide(&p, &Image::app("and").with(legacy(&bob(), &base, false))));
    // Both signatures: allowed.
    assert_allowed(&decide(&p, &Image::app("and").with(legacy(&alice(), &base, false)).with(legacy(&bob(), &base, false))));
    // Outside the second glob only the first applies: alice's signature is enough.
    let other = Image::new("ghcr.io/acme/app", "and");
    let other = Image { items: vec![legacy(&alice(), &other, false)], ..other };
    let d = decide(&p, &other);
    assert_allowed(&d);
    assert_eq!(d.scope, "everything-by-alice");
    // A policy with two globs that both match applies once.
    let p = compile(&[cip("twice", &["registry.sigstore.test/**", "registry.sigstore.test/ns/*"], json!([key_authority(&alice())]))]);
    let d = decide(&p, &Image::app("and").with(legacy(&alice(), &base, false)));
    assert_allowed(&d);
    assert_eq!(d.requirements.len(), 1);
}

#[test]
fn any_authority_of_a_policy_is_enough() {
    let p = compile(&[cip("alice-or-bob", &["**"], json!([key_authority(&alice()), key_authority(&bob())]))]);
    let base = Image::app("or");
    assert_allowed(&decide(&p, &Image::app("or").with(legacy(&alice(), &base, false))));
    let d = decide(&p, &Image::app("or").with(legacy(&bob(), &base, false)));
    assert_allowed(&d);
    assert!(d.requirements[0].reason.contains("alternative 1"), "{}", d.requirements[0].reason);
    // Negative: a key neither authority names.
    assert_refused_with(&decide(&p, &Image::app("or").with(legacy(&carol(), &base, false))), "BadSignature");
    // Authority names: given, or authority-<index>; the signers are named by policy and authority.
    let mut a = key_authority(&bob());
    a["name"] = json!("bobs-key");
    let p = compile(&[cip("named", &["**"], json!([key_authority(&alice()), a]))]);
    let d = decide(&p, &Image::app("or").with(legacy(&carol(), &base, false)));
    let kinds: Vec<&str> = d.requirements[0].alternatives.iter().flat_map(|a| a.alternatives.iter().map(|s| s.kind.as_str())).collect();
    assert_eq!(kinds, ["signer named/authority-0/key", "signer named/bobs-key/key"]);
}

#[test]
fn mode_warn_allows_and_records_what_enforce_denies() {
    let base = Image::app("mode");
    let unsigned = Image::app("mode");
    for mode in [None, Some("enforce")] {
        let mut doc = cip("strict", &["**"], json!([key_authority(&alice())]));
        if let Some(m) = mode {
            doc["spec"]["mode"] = json!(m);
        }
        let p = compile(&[doc]);
        assert_denied(&decide(&p, &unsigned));
        assert_allowed(&decide(&p, &Image::app("mode").with(legacy(&alice(), &base, false))));
    }
    let mut doc = cip("audit", &["**"], json!([key_authority(&alice())]));
    doc["spec"]["mode"] = json!("warn");
    let p = compile(&[doc.clone()]);
    // Unsigned: allowed, the refusal kept as the first alternative, the scope marked.
    let d = decide(&p, &unsigned);
    assert_allowed(&d);
    assert_eq!(d.scope, "audit (warn)");
    let r = &d.requirements[0];
    assert_eq!(r.alternatives.len(), 2);
    assert!(!r.alternatives[0].satisfied, "{r:#?}");
    assert_eq!(r.alternatives[1].kind, "insecureAcceptAnything");
    // Signed: allowed by the authority itself.
    let d = decide(&p, &Image::app("mode").with(legacy(&alice(), &base, false)));
    assert_allowed(&d);
    assert!(d.requirements[0].alternatives[0].satisfied);
    // A warn policy does not soften an enforcing one that also matches.
    let p = compile(&[doc, cip("strict", &["registry.sigstore.test/**"], json!([key_authority(&bob())]))]);
    let d = decide(&p, &Image::app("mode").with(legacy(&alice(), &base, false)));
    assert_denied(&d);
    assert_eq!(d.scope, "audit (warn), strict");
}

#[test]
fn static_authorities_pass_and_fail() {
    let unsigned = Image::app("static");
    let p = compile(&[cip("open", &["**"], json!([{ "static": { "action": "pass" } }]))]);
    assert_allowed(&decide(&p, &unsigned));
    let p = compile(&[cip("closed", &["**"], json!([{ "static": { "action": "fail", "message": "use the mirror" } }]))]);
    let d = decide(&p, &unsigned);
    assert_denied(&d);
    assert!(d.reason.contains("disallowed by static policy: use the mirror"), "{}", d.reason);
    // A failing static authority is one alternative among others.
    let p = compile(&[cip("closed-unless-signed", &["**"], json!([{ "static": { "action": "fail" } }, key_authority(&alice())]))]);
    assert_denied(&decide(&p, &unsigned));
    let base = Image::app("static");
    assert_allowed(&decide(&p, &Image::app("static").with(legacy(&alice(), &base, false))));
}

// ---- key authorities ------------------------------------------------------------------------

#[test]
fn key_data() {
    let p = compile(&[cip("key", &["**"], json!([key_authority(&alice())]))]);
    let base = Image::app("key");
    // Legacy signatures without a log entry count (no ctlog: cosign ignores the log), and v3
    // bundles.
    assert_allowed(&decide(&p, &Image::app("key").with(legacy(&alice(), &base, false))));
    assert_allowed(&decide(&p, &Image::app("key").with(v3_signature(&alice(), &base))));
    // Negative: another key; a signature over another image.
    assert_refused_with(&decide(&p, &Image::app("key").with(legacy(&bob(), &base, false))), "BadSignature");
    let other = Image::app("another image");
    assert_refused_with(&decide(&p, &Image::app("key").with(legacy(&alice(), &other, false))), "ArtifactMismatch");
    // Literal block YAML, as kubectl users write a key.
    let pem = alice().key.public_pem().lines().map(|l| format!("          {l}\n")).collect::<String>();
    let yaml = format!(
        "apiVersion: {API}\nkind: ClusterImagePolicy\nmetadata:\n  name: literal\nspec:\n  images:\n  - glob: \"**\"\n  authorities:\n  - key:\n        data: |\n{pem}"
    );
    let p = try_compile(&yaml).unwrap_or_else(|e| panic!("{}\n{yaml}", error_text(&e)));
    assert_allowed(&decide(&p, &Image::app("key").with(legacy(&alice(), &base, false))));
    // hashAlgorithm sha256 is cosign's default and accepted.
    let mut a = key_authority(&alice());
    a["key"]["hashAlgorithm"] = json!("sha256");
    assert_allowed(&decide(&compile(&[cip("sha256", &["**"], json!([a]))]), &Image::app("key").with(legacy(&alice(), &base, false))));
}

#[test]
fn ctlog_requires_a_log_entry() {
    let mut a = key_authority(&alice());
    a["ctlog"] = json!({ "trustRootRef": "test" });
    let p = compile(&[cip("logged-key", &["**"], json!([a]))]);
    let base = Image::app("ctlog");
    assert_allowed(&decide(&p, &Image::app("ctlog").with(legacy(&alice(), &base, true))));
    assert_allowed(&decide(&p, &Image::app("ctlog").with(v3_signature(&alice(), &base))));
    // Negative: without an entry; and with public-good's logs (`ctlog.url` only), the generated
    // log's entry is of an unknown log.
    assert_refused_with(&decide(&p, &Image::app("ctlog").with(legacy(&alice(), &base, false))), "MissingEvidence");
    let mut a = key_authority(&alice());
    a["ctlog"] = json!({ "url": "https://rekor.sigstore.dev" });
    let p = compile(&[cip("public-good-log", &["**"], json!([a]))]);
    assert_denied(&decide(&p, &Image::app("ctlog").with(legacy(&alice(), &base, true))));
}

// ---- keyless authorities --------------------------------------------------------------------

#[test]
fn keyless_identity_exact() {
    let base = Image::app("keyless");
    let signed = || Image::app("keyless").with(legacy(&keyless(), &base, true));
    let p = compile(&[cip("ci", &["**"], json!([keyless_authority(default_identity())]))]);
    assert_allowed(&decide(&p, &signed()));
    assert_allowed(&decide(&p, &Image::app("keyless").with(v3_signature(&keyless(), &base))));
    // Negative: another subject; another issuer.
    let p = compile(&[cip("other-subject", &["**"], json!([keyless_authority(json!([{ "issuer": ISSUER, "subject": format!("{SAN}x") }]))]))]);
    assert_refused_with(&decide(&p, &signed()), "IdentityMismatch");
    let p = compile(&[cip("other-issuer", &["**"], json!([keyless_authority(json!([{ "issuer": "https://accounts.google.com", "subject": SAN }]))]))]);
    assert_refused_with(&decide(&p, &signed()), "IssuerMismatch");
    // Any one identity of the list.
    let two = json!([{ "issuer": ISSUER, "subject": "someone@example.com" }, { "issuer": ISSUER, "subject": SAN }]);
    let p = compile(&[cip("either", &["**"], json!([keyless_authority(two)]))]);
    assert_allowed(&decide(&p, &signed()));
    let neither = json!([{ "issuer": ISSUER, "subject": "someone@example.com" }, { "issuer": "https://accounts.google.com", "subject": SAN }]);
    assert_denied(&decide(&compile(&[cip("neither", &["**"], json!([keyless_authority(neither)]))]), &signed()));
}

/// cosign matches `subjectRegExp`/`issuerRegExp` with Go's `regexp.MatchString`: anywhere in
/// the value, unless the pattern anchors itself.
#[test]
fn keyless_identity_regexp_is_unanchored_as_cosign() {
    let base = Image::app("regexp");
    let signed = || Image::app("regexp").with(legacy(&keyless(), &base, true));
    let with = |issuer: Value, subject: Value| {
        let mut id = json!({});
        id[issuer[0].as_str().unwrap()] = issuer[1].clone();
        id[subject[0].as_str().unwrap()] = subject[1].clone();
        compile(&[cip("regexp", &["**"], json!([keyless_authority(json!([id]))]))])
    };
    let allowed = [
        (json!(["issuer", ISSUER]), json!(["subjectRegExp", "github.com/org/repo/"])),
        (json!(["issuer", ISSUER]), json!(["subjectRegExp", "^https://github\\.com/org/repo/.*@refs/heads/main$"])),
        (json!(["issuer", ISSUER]), json!(["subjectRegExp", "release\\.yml"])),
        (json!(["issuerRegExp", "token\\.actions"]), json!(["subject", SAN])),
        (json!(["issuerRegExp", "^https://token\\.actions\\.githubusercontent\\.com$"]), json!(["subjectRegExp", ".*"])),
    ];
    for (i, s) in allowed {
        assert_allowed(&decide(&with(i.clone(), s.clone()), &signed()));
    }
    let denied = [
        (json!(["issuer", ISSUER]), json!(["subjectRegExp", "^github.com/org/repo/"])),
        (json!(["issuer", ISSUER]), json!(["subjectRegExp", "github.com/other/"])),
        (json!(["issuer", ISSUER]), json!(["subjectRegExp", "refs/heads/dev$"])),
        (json!(["issuerRegExp", "accounts\\.google"]), json!(["subject", SAN])),
        (json!(["issuerRegExp", "^token"]), json!(["subject", SAN])),
    ];
    for (i, s) in denied {
        assert_denied(&decide(&with(i.clone(), s.clone()), &signed()));
    }
    // A pattern that does not parse on its own is refused, not wrapped into one that matches.
    let t = refused(&stream(&[cip("bad", &["**"], json!([keyless_authority(json!([{ "issuer": ISSUER, "subjectRegExp": "nomatch)|(.*" }]))]))]));
    assert!(t.contains("subjectRegExp") && t.contains("invalid regular expression"), "{t}");
}

#[test]
fn keyless_trust_root_ref() {
    let base = Image::app("root");
    let signed = || Image::app("root").with(legacy(&keyless(), &base, true));
    // Positive: the generated root, named by trustRootRef.
    assert_allowed(&decide(&compile(&[cip("generated", &["**"], json!([keyless_authority(default_identity())]))]), &signed()));
    // Negative: without trustRootRef the public-good root applies (its Rekor log required, its
    // CAs): the generated log and CA are unknown.
    let p = compile(&[cip("public-good", &["**"], json!([{ "keyless": { "identities": default_identity() } }]))]);
    assert_refused_with(&decide(&p, &signed()), "UnknownLog");
    // A trustRootRef no annotation resolves is an error naming the annotation.
    let mut doc = cip("unresolved", &["**"], json!([keyless_authority(default_identity())]));
    doc["spec"]["authorities"][0]["keyless"]["trustRootRef"] = json!("elsewhere");
    let t = refused(&stream(&[doc]));
    assert!(t.contains("trustRootRef \"elsewhere\"") && t.contains("sealcheck.dev/trusted-root.elsewhere"), "{t}");
    // The annotation's file must exist and be a trusted root.
    let mut doc = cip("missing-file", &["**"], json!([keyless_authority(default_identity())]));
    doc["metadata"]["annotations"][ROOT_ANNOTATION] = json!("no/such/trusted_root.json");
    let t = refused(&stream(&[doc]));
    assert!(t.contains("no/such/trusted_root.json"), "{t}");
}

/// `keyless.trustRootRef` without `ctlog`: policy-controller reads no log
/// (`rekorClientAndKeysFromAuthority` returns none), so the certificate is checked at the
/// verification time; `ctlog.trustRootRef` requires the entry and its time.
#[test]
fn keyless_log_entries_follow_ctlog() {
    let base = Image::app("tlog");
    let no_ctlog = json!([{ "keyless": { "trustRootRef": "test", "identities": default_identity() } }]);
    let p = compile(&[cip("no-ctlog", &["**"], no_ctlog)]);
    // After the ten-minute certificate expired: refused, even with a log entry (not examined).
    assert_refused_with(&decide(&p, &Image::app("tlog").with(legacy(&keyless(), &base, true))), "SigningTimeOutsideCertificate");
    // While it is valid: allowed without any entry.
    assert_allowed(&decide_at(&p, &Image::app("tlog").with(legacy(&keyless(), &base, false)).evidence(), T0 + 60));
    // With ctlog: the entry is required, and its time is the signing time.
    let p = compile(&[cip("ctlog", &["**"], json!([keyless_authority(default_identity())]))]);
    assert_allowed(&decide(&p, &Image::app("tlog").with(legacy(&keyless(), &base, true))));
    assert_denied(&decide_at(&p, &Image::app("tlog").with(legacy(&keyless(), &base, false)).evidence(), T0 + 60));
}

#[test]
fn insecure_ignore_sct() {
    let no_sct = leaf("no sct", 0x5c7, |s| s.sct = SctSource::Absent);
    let base = Image::app("sct");
    let signed = || Image::app("sct").with(legacy(&no_sct, &base, true));
    // Negative: an SCT is required by default.
    assert_refused_with(&decide(&compile(&[cip("sct", &["**"], json!([keyless_authority(default_identity())]))]), &signed()), "Threshold");
    // Positive: insecureIgnoreSCT.
    let mut a = keyless_authority(default_identity());
    a["keyless"]["insecureIgnoreSCT"] = json!(true);
    let p = compile(&[cip("no-sct", &["**"], json!([a]))]);
    assert_allowed(&decide(&p, &signed()));
    // false is the default.
    let mut a = keyless_authority(default_identity());
    a["keyless"]["insecureIgnoreSCT"] = json!(false);
    assert_denied(&decide(&compile(&[cip("sct-false", &["**"], json!([a]))]), &signed()));
}

#[test]
fn rfc3161_timestamp() {
    let base = Image::app("tsa");
    let stamped = || Image::app("tsa").with(bundle(&keyless(), &base, COSIGN_SIGN, false, true));
    let mut a = json!({ "keyless": { "trustRootRef": "test", "identities": default_identity() }, "rfc3161timestamp": { "trustRootRef": "test" } });
    let p = compile(&[cip("tsa", &["**"], json!([a.clone()]))]);
    // Positive: a timestamp and no log entry.
    assert_allowed(&decide(&p, &stamped()));
    // Negative: no timestamp (a log entry does not replace it: the log is off).
    assert_denied(&decide(&p, &Image::app("tsa").with(bundle(&keyless(), &base, COSIGN_SIGN, true, false))));
    // Without rfc3161timestamp (ctlog given), the timestamp alone is not enough: no entry.
    assert_denied(&decide(&compile(&[cip("tlog", &["**"], json!([keyless_authority(default_identity())]))]), &stamped()));
    // What is required stays required when the named root has none: a root without TSAs (or
    // logs) refuses every signature instead of requiring nothing.
    for (field, logged, stamped) in [("rfc3161timestamp", false, true), ("ctlog", true, false)] {
        let mut k = key_authority(&alice());
        k[field] = json!({ "trustRootRef": "bare" });
        let mut doc = cip("bare", &["**"], json!([k]));
        doc["metadata"]["annotations"]["sealcheck.dev/trusted-root.bare"] = json!(BARE_ROOT);
        let p = compile(&[doc]);
        assert_denied(&decide(&p, &Image::app("tsa").with(bundle(&alice(), &base, COSIGN_SIGN, logged, stamped))));
        assert_denied(&decide(&p, &Image::app("tsa").with(legacy(&alice(), &base, logged))));
    }
    // A key authority with a TSA.
    a = key_authority(&alice());
    a["rfc3161timestamp"] = json!({ "trustRootRef": "test" });
    let p = compile(&[cip("key-tsa", &["**"], json!([a]))]);
    assert_allowed(&decide(&p, &Image::app("tsa").with(bundle(&alice(), &base, COSIGN_SIGN, false, true))));
    assert_denied(&decide(&p, &Image::app("tsa").with(bundle(&alice(), &base, COSIGN_SIGN, true, false))));
}

#[test]
fn signature_format_bundle() {
    let base = Image::app("format");
    let bundle_authority = |extra: Value| {
        let mut a = json!({ "keyless": { "trustRootRef": "test", "identities": default_identity() }, "signatureFormat": "bundle" });
        for (k, v) in extra.as_object().unwrap() {
            a[k] = v.clone();
        }
        a
    };
    // Positive: everything from the one root; the log entry required (no ctlog needed).
    let p = compile(&[cip("bundle", &["**"], json!([bundle_authority(json!({}))]))]);
    assert_allowed(&decide(&p, &Image::app("format").with(v3_signature(&keyless(), &base))));
    // Negative: no entry.
    assert_denied(&decide(&p, &Image::app("format").with(bundle(&keyless(), &base, COSIGN_SIGN, false, false))));
    // With rfc3161timestamp of the same root, the timestamp instead.
    let p = compile(&[cip("bundle-tsa", &["**"], json!([bundle_authority(json!({ "rfc3161timestamp": { "trustRootRef": "test" } }))]))]);
    assert_allowed(&decide(&p, &Image::app("format").with(bundle(&keyless(), &base, COSIGN_SIGN, false, true))));
    // `legacy` is the default: the generated root's log is then required through ctlog.
    let mut a = keyless_authority(default_identity());
    a["signatureFormat"] = json!("legacy");
    assert_allowed(&decide(&compile(&[cip("legacy", &["**"], json!([a]))]), &Image::app("format").with(legacy(&keyless(), &base, true))));
    // Refused as policy-controller refuses them: bundle with a key; a ctlog of another root.
    let mut k = key_authority(&alice());
    k["signatureFormat"] = json!("bundle");
    assert!(refused(&stream(&[cip("key-bundle", &["**"], json!([k]))])).contains("signatureFormat bundle needs a keyless authority"));
    let t = refused(&stream(&[cip("mixed", &["**"], json!([bundle_authority(json!({ "ctlog": { "url": "https://rekor.sigstore.dev" } }))]))]));
    assert!(t.contains("ctlog") && t.contains("trustRootRef must be the keyless authority's"), "{t}");
    let mut a = keyless_authority(default_identity());
    a["signatureFormat"] = json!("protobuf");
    assert!(refused(&stream(&[cip("bogus", &["**"], json!([a]))])).contains("signatureFormat"));
}

// ---- attestations ---------------------------------------------------------------------------

#[test]
fn attestations_by_predicate_type() {
    let base = Image::app("attest");
    let mut a = key_authority(&alice());
    a["attestations"] = json!([{ "name": "provenance", "predicateType": SLSA }]);
    let p = compile(&[cip("slsa", &["**"], json!([a.clone()]))]);
    // Positive: the predicate type, by the authority's key (a signature is not needed).
    assert_allowed(&decide(&p, &Image::app("attest").with(bundle(&alice(), &base, SLSA, true, false))));
    // Negative: only a signature; another predicate type; the type by another key.
    assert_denied(&decide(&p, &Image::app("attest").with(legacy(&alice(), &base, false)).with(v3_signature(&alice(), &base))));
    assert_refused_with(&decide(&p, &Image::app("attest").with(bundle(&alice(), &base, SPDX, true, false))), "InToto");
    assert_refused_with(&decide(&p, &Image::app("attest").with(bundle(&bob(), &base, SLSA, true, false))), "BadSignature");
    // Every attestation of an authority is needed.
    a["attestations"] = json!([{ "name": "provenance", "predicateType": SLSA }, { "name": "sbom", "predicateType": SPDX }]);
    let p = compile(&[cip("slsa-and-sbom", &["**"], json!([a]))]);
    assert_denied(&decide(&p, &Image::app("attest").with(bundle(&alice(), &base, SLSA, true, false))));
    assert_allowed(&decide(&p, &Image::app("attest").with(bundle(&alice(), &base, SLSA, true, false)).with(bundle(&alice(), &base, SPDX, true, false))));
    // Keyless attestations.
    let mut k = keyless_authority(default_identity());
    k["attestations"] = json!([{ "name": "provenance", "predicateType": SLSA }]);
    let p = compile(&[cip("keyless-slsa", &["**"], json!([k]))]);
    assert_allowed(&decide(&p, &Image::app("attest").with(bundle(&keyless(), &base, SLSA, true, false))));
    assert_denied(&decide(&p, &Image::app("attest").with(v3_signature(&keyless(), &base))));
}

// ---- the native model -----------------------------------------------------------------------

/// The authorities are native signers: a revocation list given to the verifier applies to them.
#[test]
fn revocation_lists_apply_to_authorities() {
    let p = compile(&[cip("key", &["**"], json!([key_authority(&alice())]))]);
    let base = Image::app("revoked");
    let image = Image::app("revoked").with(legacy(&alice(), &base, true));
    let list = verifier::revocation_list(
        json!({ "apiVersion": "sealcheck.dev/v1", "revocations": [{ "keySha256": hex(&alice().key.spki_sha256()), "revokedAt": "2020-01-01T00:00:00Z", "reason": "keyCompromise" }] })
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let v = ImageVerifier::new(p.clone(), support::provider());
    assert_allowed(&v.decide(&image.evidence(), UnixTime::from_secs(NOW)));
    let d = v.with_revocations(Arc::new(list)).decide(&image.evidence(), UnixTime::from_secs(NOW));
    assert_refused_with(&d, "Revoked");
    assert_eq!(d.revocation_hits.len(), 1, "{:?}", d.revocation_hits);
}

// ---- documents ------------------------------------------------------------------------------

#[test]
fn documents_yaml_json_streams_and_lists() {
    let pem = alice().key.public_pem().replace('\n', "\\n");
    let base = Image::app("docs");
    let signed = Image::app("docs").with(legacy(&alice(), &base, false));
    // Hand-written YAML: comments, plain scalars, flow sequences, standard metadata, status.
    let yaml = format!(
        "# policies\n---\napiVersion: policy.sigstore.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata:\n  name: first\n  labels: {{team: platform}}\n  uid: 1234\n  resourceVersion: \"42\"\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: \"{{}}\"\nspec:\n  images: [{{glob: 'registry.sigstore.test/**'}}]\n  mode: enforce\n  authorities:\n    - name: alice\n      key:\n        data: \"{pem}\"\nstatus:\n  conditions: []\n---\n---\napiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {{name: second}}\nspec:\n  images:\n    - glob: ghcr.io/**\n  authorities:\n    - static: {{action: fail}}\n...\n"
    );
    let p = try_compile(&yaml).unwrap_or_else(|e| panic!("{}\n{yaml}", error_text(&e)));
    let d = decide(&p, &signed);
    assert_allowed(&d);
    assert_eq!(d.scope, "first");
    let ghcr = Image::new("ghcr.io/acme/app", "docs");
    assert!(decide(&p, &ghcr).reason.contains("disallowed by static policy"));
    assert_eq!(verifier::policy_format(yaml.as_bytes()), PolicyFormat::ClusterImagePolicy);
    // JSON (YAML's superset), one document.
    let doc = cip("json", &["**"], json!([key_authority(&alice())]));
    let json_text = doc.to_string();
    assert_eq!(verifier::policy_format(json_text.as_bytes()), PolicyFormat::ClusterImagePolicy);
    assert_allowed(&decide(&try_compile(&json_text).unwrap(), &signed));
    // A List, as `kubectl get clusterimagepolicies -o yaml` prints; and a ClusterImagePolicyList.
    let list = json!({ "apiVersion": "v1", "kind": "List", "metadata": { "resourceVersion": "" }, "items": [doc.clone()] });
    assert_eq!(verifier::policy_format(list.to_string().as_bytes()), PolicyFormat::ClusterImagePolicy);
    assert_eq!(verifier::policy_format(to_yaml(&list).as_bytes()), PolicyFormat::ClusterImagePolicy);
    assert_allowed(&decide(&try_compile(&to_yaml(&list)).unwrap(), &signed));
    let list = json!({ "apiVersion": API, "kind": "ClusterImagePolicyList", "items": [doc] });
    assert_allowed(&decide(&try_compile(&to_yaml(&list)).unwrap(), &signed));
    // The other formats are still told apart.
    assert_eq!(verifier::policy_format(br#"{"apiVersion":"sealcheck.dev/v1","signers":{},"scopes":{}}"#), PolicyFormat::Native);
    assert_eq!(verifier::policy_format(br#"{"version":"1.0","trustPolicies":[]}"#), PolicyFormat::NotaryTrustPolicy);
    assert_eq!(verifier::policy_format(br#"{"default":[{"type":"reject"}]}"#), PolicyFormat::Containers);
    assert_eq!(verifier::policy_format(b"default: reject\n"), PolicyFormat::Containers);
    // The policy digest is the document's.
    assert_eq!(d.policy_digest, hex(&support::sha256(yaml.as_bytes())));
}

/// Acceptance 6: "an unsupported field is a clear error" — each refused with its path named.
#[test]
fn unsupported_fields_are_errors_naming_them() {
    let base = || cip("p", &["**"], json!([key_authority(&alice())]));
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut d = base();
        f(&mut d);
        stream(&[d])
    };
    let cases: Vec<(String, &[&str])> = vec![
        // Not supported by sealcheck.
        (edit(&|d| d["spec"]["policy"] = json!({ "type": "cue", "data": "{}" })), &["spec.policy", "not supported", "CUE and Rego"]),
        (edit(&|d| d["spec"]["match"] = json!([{ "resource": "pods" }])), &["spec.match", "not supported"]),
        (edit(&|d| d["spec"]["authorities"][0]["source"] = json!([{ "oci": "registry.example/sigs" }])), &["spec.authorities[0].source", "not supported"]),
        (edit(&|d| d["spec"]["authorities"][0]["key"] = json!({ "kms": "awskms:///alias/x" })), &["spec.authorities[0].key.kms", "not supported"]),
        (edit(&|d| d["spec"]["authorities"][0]["key"] = json!({ "secretRef": { "name": "k" } })), &["spec.authorities[0].key.secretRef", "not supported"]),
        (edit(&|d| d["spec"]["authorities"][0]["key"]["hashAlgorithm"] = json!("sha512")), &["key.hashAlgorithm", "not supported"]),
        (
            edit(&|d| d["spec"]["authorities"][0] = json!({ "keyless": { "ca-cert": { "data": "x" }, "identities": default_identity() } })),
            &["spec.authorities[0].keyless.ca-cert", "not supported"],
        ),
        (
            edit(&|d| d["spec"]["authorities"][0]["attestations"] = json!([{ "name": "a", "predicateType": SLSA, "policy": { "type": "rego", "data": "x" } }])),
            &["spec.authorities[0].attestations[0].policy", "not supported"],
        ),
        (edit(&|d| d["spec"]["authorities"][0]["attestations"] = json!([{ "name": "a", "predicateType": "slsaprovenance" }])), &["attestations[0].predicateType", "short name"]),
        // Unknown fields, at every level.
        (edit(&|d| d["spec"]["imagez"] = json!([])), &["unknown field `imagez`"]),
        (edit(&|d| d["extra"] = json!(1)), &["unknown field `extra`"]),
        (edit(&|d| d["metadata"]["nmae"] = json!("x")), &["unknown field `nmae`"]),
        (edit(&|d| d["spec"]["images"][0]["regex"] = json!(".*")), &["unknown field `regex`"]),
        (edit(&|d| d["spec"]["authorities"][0]["keys"] = json!({})), &["spec.authorities[0]", "unknown field `keys`"]),
        (edit(&|d| d["spec"]["authorities"][0]["key"]["pem"] = json!("x")), &["spec.authorities[0]", "unknown field `pem`"]),
        (
            edit(&|d| d["spec"]["authorities"][0] = json!({ "keyless": { "identities": [{ "issuer": ISSUER, "subject": SAN, "audience": "x" }] } })),
            &["unknown field `audience`"],
        ),
        (edit(&|d| d["spec"]["authorities"][0]["ctlog"] = json!({ "uri": "x" })), &["unknown field `uri`"]),
        // Invalid values.
        (edit(&|d| d["apiVersion"] = json!("policy.sigstore.dev/v2")), &["apiVersion", "v2"]),
        (edit(&|d| d["kind"] = json!("ImagePolicy")), &["kind \"ImagePolicy\""]),
        (edit(&|d| d["metadata"]["name"] = json!("Not_A_Name")), &["metadata.name"]),
        (edit(&|d| d["spec"]["images"] = json!([])), &["spec.images"]),
        (edit(&|d| d["spec"]["images"] = json!([{ "glob": "[a-z]*" }])), &["spec.images[0].glob", "invalid glob"]),
        (edit(&|d| d["spec"]["images"] = json!([{}])), &["spec.images[0]", "glob"]),
        (edit(&|d| d["spec"]["authorities"] = json!([])), &["spec.authorities", "fail-on-empty-authorities"]),
        (edit(&|d| d["spec"]["mode"] = json!("audit")), &["spec.mode"]),
        (edit(&|d| d["spec"]["authorities"][0] = json!({ "static": { "action": "allow" } })), &["static.action"]),
        (edit(&|d| d["spec"]["authorities"][0] = json!({ "static": { "action": "pass" }, "ctlog": { "url": "https://rekor.sigstore.dev" } })), &["static and ctlog"]),
        (edit(&|d| d["spec"]["authorities"][0]["static"] = json!({ "action": "pass" })), &["spec.authorities[0]", "exactly one of key, keyless, static"]),
        (edit(&|d| d["spec"]["authorities"][0] = json!({ "name": "nothing" })), &["spec.authorities[0]", "exactly one of key, keyless, static"]),
        (edit(&|d| d["spec"]["authorities"][0]["key"] = json!({})), &["spec.authorities[0].key"]),
        (edit(&|d| d["spec"]["authorities"][0]["key"]["data"] = json!("not pem")), &["spec.authorities[0].key.data"]),
        (edit(&|d| d["spec"]["authorities"][0] = json!({ "keyless": { "identities": [] } })), &["keyless.identities"]),
        (
            edit(&|d| d["spec"]["authorities"][0] = json!({ "keyless": { "identities": [{ "issuer": ISSUER, "subject": SAN, "subjectRegExp": ".*" }] } })),
            &["identities[0]", "subject, subjectRegExp"],
        ),
        (edit(&|d| d["spec"]["authorities"][0] = json!({ "keyless": { "identities": [{ "subject": SAN }] } })), &["identities[0]", "issuer"]),
        (edit(&|d| d["spec"]["authorities"][0]["ctlog"] = json!({})), &["spec.authorities[0].ctlog", "url or trustRootRef"]),
        (edit(&|d| d["spec"]["authorities"][0]["rfc3161timestamp"] = json!({})), &["rfc3161timestamp.trustRootRef"]),
        (edit(&|d| d["spec"]["authorities"][0]["attestations"] = json!([{ "predicateType": SLSA }])), &["attestations[0]", "name"]),
        (edit(&|d| d["metadata"]["annotations"]["sealcheck.dev/trusted-roots"] = json!("x")), &["sealcheck.dev/trusted-roots", "unknown sealcheck annotation"]),
        (edit(&|d| d["spec"]["images"] = json!("**")), &["invalid type"]),
    ];
    for (yaml, wants) in &cases {
        let t = refused(yaml);
        for w in *wants {
            assert!(t.contains(w), "error {t:?} does not name {w:?}\n{yaml}");
        }
        assert!(t.contains("ClusterImagePolicy"), "{t}");
    }
    // Two policies of one name; no policy at all.
    let t = refused(&stream(&[base(), base()]));
    assert!(t.contains("two policies are named \"p\""), "{t}");
    assert!(refused("---\n...\n").contains("no ClusterImagePolicy"));
    // YAML the reader refuses: aliases, tags, duplicate keys, deep nesting, syntax errors.
    let doc = to_yaml(&base());
    let yaml_cases: Vec<(String, &str)> = vec![
        (format!("{doc}x: &a 1\ny: *a\n"), "aliases"),
        (doc.replacen("\"spec\":", "\"spec\": !custom", 1), "tag !custom"),
        (format!("{doc}\"kind\": ClusterImagePolicy\n"), "duplicate key \"kind\""),
        (format!("{doc}z: {}\n", "[".repeat(70) + &"]".repeat(70)), "nested deeper"),
        (format!("{doc}  bad indentation: [\n"), "YAML"),
        (format!("{doc}? [a, b]\n: c\n"), "collection as a mapping key"),
    ];
    for (yaml, want) in &yaml_cases {
        let t = refused(yaml);
        assert!(t.contains(want), "error {t:?} does not say {want:?}\n{yaml}");
    }
}

/// The limits: a document over 1 MiB is refused; a long stream of small policies compiles.
#[test]
fn limits() {
    let big = format!("{}\n{}", to_yaml(&cip("p", &["**"], json!([key_authority(&alice())]))), "#".repeat(1024 * 1024));
    assert!(refused(&big).contains("LimitExceeded") || refused(&big).contains("limit"), "{}", refused(&big));
    let many: Vec<Value> = (0..200).map(|i| cip(&format!("p{i}"), &[&format!("registry.sigstore.test/ns{i}/*")], json!([{ "static": { "action": "pass" } }]))).collect();
    let p = compile(&many);
    let image = Image::new("registry.sigstore.test/ns123/app", "limits");
    let d = decide(&p, &image);
    assert_allowed(&d);
    assert_eq!(d.scope, "p123");
}
