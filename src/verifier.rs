//! The one API every surface marshals into: the CLI, the C ABI, Go, WASM and the admission
//! server parse nothing of their own. Inputs are loaded with the helpers here (artifact digests,
//! PEM keys, identity matchers, image references, trusted roots, policies, evidence), then a
//! [`BundleVerifier`] verifies Sigstore bundles and an [`ImageVerifier`] decides images. Both are
//! built once from a provider and prepared trust, are immutable, and may be shared across threads.
//!
//! An image decision (containers-policy.json(5) semantics, [`crate::policy`]): the rule for the
//! reference is selected; for each signature requirement, each piece of evidence that could
//! satisfy it is first judged on what it *claims* (cheap, no cryptography: the digest it binds,
//! the reference it names, its predicate type, the certificate identity), identical evidence is
//! examined once, and only then verified, within a per-decision budget of signature checks; the
//! requirement then judges the verified facts again. One accepted signature satisfies a
//! requirement; every requirement must be satisfied.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::cosign::{DSSE_MEDIA_TYPE, SimpleSigningPayload, StoredSignature};
use crate::crypto::{Backend, CryptoProvider, Digest, HashAlgorithm, Message, PublicKey, SignatureScheme};
use crate::encoding::{hex_decode, hex_encode, pem_decode_one};
use crate::error::{Error, Input, Result};
#[cfg(feature = "cache")]
use crate::cache::FactCache;
use crate::facts::{BoundDigest, SignatureFormat, VerifiedSignature};
use crate::limits::WorkBudget;
use crate::oci::{EvidenceItem, ImageEvidence, OciDigest, Reference};
use crate::policy::{Claims, CompiledPolicy, Decision, Matched, PolicyFiles, Requirement, RequirementRecord, SignatureRecord, SignatureRequirement, Subject};
use crate::sigstore::bundle::{Bundle, Content, VerificationMaterial};
use crate::sigstore::identity::Matcher;
use crate::sigstore::intoto::Statement;
use crate::sigstore::trusted_root::{Embedded, TrustedRoot};
use crate::sigstore::{Artifact, Verifier};
use crate::time::UnixTime;
use crate::trust::{Signers, Thresholds, Trust};

// ---- inputs every surface parses ------------------------------------------------------------

/// An artifact given as `sha256:HEX`, `sha384:HEX` or `sha512:HEX`: `Ok(None)` when `arg` is not
/// in `ALG:…` form at all (then it names a file), an error when it is but does not parse
/// (`md5:…`, bad hex), so that a mistyped digest is never read as a path.
pub fn artifact_digest(arg: &str) -> Result<Option<Digest>> {
    let Some((alg, hex)) = arg.split_once(':') else { return Ok(None) };
    if alg.is_empty() || alg.len() > 16 || !alg.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Ok(None);
    }
    let load = || -> Result<Digest> {
        let alg = match alg {
            "sha256" => HashAlgorithm::Sha256,
            "sha384" => HashAlgorithm::Sha384,
            "sha512" => HashAlgorithm::Sha512,
            other => return Err(Error::UnsupportedAlgorithm { what: "artifact digest".into(), alg: other.into() }),
        };
        if !hex.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
            return Err(Error::Encoding { what: "artifact digest".into(), encoding: "lowercase hex" });
        }
        Digest::new(alg, &hex_decode("artifact digest", hex)?)
    };
    load().map(Some).map_err(|e| e.loading(Input::Artifact, alloc::format!("artifact digest {arg:?}")))
}

/// A PEM `PUBLIC KEY` (SubjectPublicKeyInfo), as cosign's `--key` takes it.
pub fn public_key_pem(what: &str, pem: &[u8]) -> Result<PublicKey> {
    let load = || {
        let text = core::str::from_utf8(pem).map_err(|_| Error::Encoding { what: what.into(), encoding: "PEM (not UTF-8)" })?;
        PublicKey::from_spki_der(what, &pem_decode_one(what, text, "PUBLIC KEY")?)
    };
    load().map_err(|e| e.loading(Input::Key, what))
}

/// An identity matcher: `value` exactly, or as a whole-value regular expression. An empty value
/// is refused.
pub fn matcher(what: &str, value: &str, regexp: bool) -> Result<Matcher> {
    if value.is_empty() {
        return Err(Error::Usage(alloc::format!("{what}: empty")).loading(Input::Identity, what));
    }
    if regexp { Matcher::regex(value).map_err(|e| e.loading(Input::Identity, what)) } else { Ok(Matcher::exact(value)) }
}

/// The image reference a policy is asked about, normalized (docker reference grammar); a name
/// without tag or digest gets `:latest`, as the docker transport reads it.
pub fn image_reference(s: &str) -> Result<Reference> {
    Reference::parse(s).map(Reference::with_default_tag).map_err(|e| e.loading(Input::Reference, alloc::format!("image reference {s:?}")))
}

/// A verification time given as RFC 3339 (`2024-03-19T17:26:26Z`) or as whole seconds since
/// the Unix epoch.
pub fn verification_time(arg: &str) -> Result<UnixTime> {
    if !arg.is_empty() && arg.bytes().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == b'-')) {
        return arg.parse::<i64>().map(UnixTime::from_secs).map_err(|_| Error::Usage(alloc::format!("time {arg:?}: out of range")));
    }
    UnixTime::parse_rfc3339(arg).map_err(|_| Error::Usage(alloc::format!("time {arg:?}: expected RFC 3339 or seconds since the epoch")))
}

/// Gathers the evidence for `reference` from an image source named as on the command line:
/// `oci:DIR[:TAG|@DIGEST]` (an OCI image layout, including `cosign save --dir` layouts) or
/// `dir:DIR` (the containers `dir:` layout). Any failure is an input error naming the source.
#[cfg(feature = "std")]
pub fn image_source(spec: &str, reference: Reference, provider: &CryptoProvider) -> Result<ImageEvidence> {
    use crate::oci::layout::{OciLayout, parse_oci_source, read_dir_layout};
    let gather = || match spec.split_once(':') {
        Some(("dir", dir)) => read_dir_layout(std::path::Path::new(dir), reference),
        Some(("oci", rest)) => {
            let (dir, selector) = parse_oci_source(rest)?;
            let layout = OciLayout::open(&dir)?;
            crate::oci::source::collect(provider.backend(), &layout, reference, &selector)
        }
        _ => Err(Error::Usage(alloc::format!("unsupported image source {spec:?} (expected dir:DIR or oci:DIR[:TAG|@DIGEST])"))),
    };
    gather().map_err(|e| e.loading(Input::ImageSource, alloc::format!("image source {spec}")))
}

/// Which trusted root to load.
#[derive(Debug, Clone, Copy)]
pub enum RootChoice<'a> {
    /// The embedded Sigstore public-good root.
    PublicGood,
    /// The embedded Sigstore staging root.
    Staging,
    /// A `trusted_root.json`.
    Json(&'a [u8]),
}

/// Loads a trusted root (the embedded ones are parsed at most once per process).
pub fn trusted_root(choice: RootChoice<'_>, provider: &CryptoProvider) -> Result<Arc<TrustedRoot>> {
    let r = match choice {
        RootChoice::PublicGood => TrustedRoot::embedded(Embedded::PublicGood),
        RootChoice::Staging => TrustedRoot::embedded(Embedded::Staging),
        RootChoice::Json(json) => TrustedRoot::from_json(json, provider.backend()).map(Arc::new),
    };
    let name = match choice {
        RootChoice::PublicGood => "embedded public-good trusted root",
        RootChoice::Staging => "embedded staging trusted root",
        RootChoice::Json(_) => "trusted_root.json",
    };
    r.map_err(|e| e.loading(Input::TrustedRoot, name))
}

/// Compiles a containers-policy.json(5), reading the files it names with `files`.
pub fn containers_policy(json: &[u8], files: &dyn PolicyFiles, provider: &CryptoProvider) -> Result<CompiledPolicy> {
    crate::policy::containers::compile(json, files, provider.backend())
}

#[cfg(feature = "governance")]
/// Compiles a native sealcheck policy (`apiVersion: sealcheck.dev/v1`: signers with
/// lifetimes, revocations, thresholds, roles, attestations, exceptions), reading the files it
/// names with `files`.
pub fn native_policy(json: &[u8], files: &dyn PolicyFiles, provider: &CryptoProvider) -> Result<CompiledPolicy> {
    crate::policy::native::compile(json, files, provider.backend())
}

/// Compiles sigstore policy-controller `ClusterImagePolicy` documents (YAML or JSON; a stream
/// of several, or a `List`): glob image patterns, key, keyless and static authorities,
/// attestations, `mode: enforce|warn` ([`crate::policy::cluster_image_policy`] says what is
/// refused). The trusted roots its `sealcheck.dev/trusted-root.NAME` annotations name are read
/// with `files`.
#[cfg(all(feature = "std", feature = "governance"))]
pub fn cluster_image_policy(yaml: &[u8], files: &dyn PolicyFiles, provider: &CryptoProvider) -> Result<CompiledPolicy> {
    crate::policy::cluster_image_policy::compile(yaml, files, provider.backend())
}

#[cfg(feature = "governance")]
/// Parses a revocation list (`apiVersion: sealcheck.dev/v1`, `revocations`) to give an
/// [`ImageVerifier`] with [`ImageVerifier::with_revocations`].
pub fn revocation_list(json: &[u8]) -> Result<crate::policy::native::RevocationList> {
    crate::policy::native::RevocationList::from_json(json).map_err(|e| e.loading(Input::Policy, "revocation list"))
}

/// The format of a policy document, as `sealcheck verify --policy` detects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFormat {
    /// sealcheck's native policy (`apiVersion: sealcheck.dev/v1`).
    Native,
    /// A Notary trust policy (`trustPolicies`).
    NotaryTrustPolicy,
    /// A containers-policy.json (anything else: its own parser says what is wrong).
    Containers,
    /// sigstore policy-controller `ClusterImagePolicy` documents, YAML or JSON (`kind:
    /// ClusterImagePolicy`, or an `apiVersion` of `policy.sigstore.dev`).
    ClusterImagePolicy,
}

impl PolicyFormat {
    /// The format's name, as `policy check` prints it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::NotaryTrustPolicy => "Notary trust policy",
            Self::Containers => "containers-policy.json",
            Self::ClusterImagePolicy => "ClusterImagePolicy",
        }
    }
}

/// Detects the format of `json` by its top-level keys; a document that is not a JSON object is
/// a `ClusterImagePolicy` when a line of it says `kind: ClusterImagePolicy` (or
/// `ClusterImagePolicyList`) or `apiVersion: policy.sigstore.dev/…` (YAML), and is otherwise
/// left to the containers-policy.json parser, whose error names the problem.
#[must_use]
pub fn policy_format(json: &[u8]) -> PolicyFormat {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "apiVersion")]
        api_version: Option<serde_json::Value>,
        #[serde(rename = "trustPolicies")]
        trust_policies: Option<serde_json::Value>,
        kind: Option<serde_json::Value>,
        items: Option<serde_json::Value>,
    }
    fn cip(kind: Option<&str>, api_version: Option<&str>) -> bool {
        matches!(kind, Some("ClusterImagePolicy" | "ClusterImagePolicyList")) || api_version.is_some_and(|v| v.starts_with("policy.sigstore.dev/"))
    }
    fn probe_cip(p: &Probe) -> bool {
        let item = |i: &serde_json::Value| cip(i.get("kind").and_then(serde_json::Value::as_str), i.get("apiVersion").and_then(serde_json::Value::as_str));
        cip(p.kind.as_ref().and_then(serde_json::Value::as_str), p.api_version.as_ref().and_then(serde_json::Value::as_str))
            || p.items.as_ref().and_then(serde_json::Value::as_array).is_some_and(|items| items.iter().any(item))
    }
    // YAML: a line `kind: ClusterImagePolicy` or `apiVersion: policy.sigstore.dev/...` (at any
    // indentation, in a list item too), its key and value optionally quoted.
    let yaml_cip = || {
        let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        core::str::from_utf8(json).is_ok_and(|text| {
            text.lines().any(|line| {
                let Some((key, value)) = line.trim_start().trim_start_matches("- ").split_once(':') else { return false };
                let (key, value) = (unquote(key), unquote(value));
                cip((key == "kind").then_some(value.as_str()), (key == "apiVersion").then_some(value.as_str()))
            })
        })
    };
    match serde_json::from_slice::<Probe>(json) {
        Ok(p) if probe_cip(&p) => PolicyFormat::ClusterImagePolicy,
        Err(_) if yaml_cip() => PolicyFormat::ClusterImagePolicy,
        Ok(p) if p.api_version.is_some() => PolicyFormat::Native,
        Ok(p) if p.trust_policies.is_some() => PolicyFormat::NotaryTrustPolicy,
        _ => PolicyFormat::Containers,
    }
}

#[cfg(feature = "notation")]
/// Compiles a Notary trust policy (`trustpolicy.json`, OCI document v1.0) with the trust store
/// and CRLs it is checked against.
pub fn notation_policy(json: &[u8], store: crate::notation::truststore::TrustStore, crls: crate::notation::crl::CrlSet) -> Result<CompiledPolicy> {
    crate::policy::notation::compile(json, store, crls).map_err(|e| e.loading(Input::Policy, "trustpolicy.json"))
}

/// The reason [`policy_file`] refuses a Notary trust policy given without its trust store (the
/// surfaces add how to name one).
#[cfg(all(feature = "std", feature = "governance"))]
pub const NOTARY_NEEDS_STORE: &str = "a Notary trust policy: give its trust store";

/// A policy file as every surface with a file system names it: read (at most
/// [`crate::limits::MAX_POLICY_BYTES`]), its format detected by [`policy_format`], and compiled
/// with the files it names read from disk. A Notary trust policy needs its trust store
/// directory and takes CRL files; the other formats refuse both. Errors name the file.
#[cfg(all(feature = "std", feature = "governance"))]
pub fn policy_file(path: &std::path::Path, trust_store: Option<&std::path::Path>, crl_files_named: &[&std::path::Path], provider: &CryptoProvider) -> Result<(CompiledPolicy, PolicyFormat)> {
    use crate::limits::{MAX_POLICY_BYTES, MAX_TRUST_POLICY_BYTES};
    let in_file = |e: Error| e.in_file(Input::Policy, path.display().to_string());
    let json = crate::fs::read_file(path, MAX_POLICY_BYTES.max(MAX_TRUST_POLICY_BYTES), "policy", "policy file size").map_err(in_file)?;
    let format = policy_format(&json);
    if format != PolicyFormat::NotaryTrustPolicy && (trust_store.is_some() || !crl_files_named.is_empty()) {
        return Err(Error::Usage(alloc::format!("{}: a trust store and CRLs are for Notary trust policies", path.display())));
    }
    let files = crate::policy::FsFiles;
    let compiled = match format {
        PolicyFormat::Native => native_policy(&json, &files, provider),
        PolicyFormat::Containers => containers_policy(&json, &files, provider),
        PolicyFormat::ClusterImagePolicy => cluster_image_policy(&json, &files, provider),
        PolicyFormat::NotaryTrustPolicy => {
            let store = trust_store.ok_or_else(|| Error::Usage(alloc::format!("{}: {NOTARY_NEEDS_STORE}", path.display())))?;
            let store = notation_trust_store(store, provider)?;
            notation_policy(&json, store, crl_files(crl_files_named)?)
        }
    };
    compiled.map(|c| (c, format)).map_err(in_file)
}

/// CRL files (DER, or PEM `X509 CRL` blocks) read from disk (each at most
/// [`crate::limits::MAX_CRL_BYTES`]) and parsed as [`crls`] parses them.
#[cfg(all(feature = "std", feature = "notation"))]
pub fn crl_files(paths: &[&std::path::Path]) -> Result<crate::notation::crl::CrlSet> {
    let read = paths.iter().map(|c| Ok((c.display().to_string(), crate::fs::read_file(c, crate::limits::MAX_CRL_BYTES, "CRL", "CRL file size")?))).collect::<Result<Vec<_>>>()?;
    let named: Vec<(&str, &[u8])> = read.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    crls(&named)
}

/// Loads a Notary trust store directory (`x509/{ca,signingAuthority,tsa}/<name>/*.{crt,cer,pem}`).
#[cfg(all(feature = "std", feature = "notation"))]
pub fn notation_trust_store(dir: &std::path::Path, provider: &CryptoProvider) -> Result<crate::notation::truststore::TrustStore> {
    crate::notation::truststore::TrustStore::load_dir(provider.backend(), dir).map_err(|e| e.in_file(Input::Policy, alloc::format!("trust store {}", dir.display())))
}

#[cfg(feature = "notation")]
/// A Notary trust store from certificate files a caller holds in memory (surfaces without a
/// file system): each entry names its store `type:name` (`ca:acme`, `tsa:digicert`,
/// `signingAuthority:…`) and holds PEM or DER certificates, checked as [`notation_trust_store`]
/// checks files.
pub fn notation_trust_store_from(entries: &[(&str, &[u8])], provider: &CryptoProvider) -> Result<crate::notation::truststore::TrustStore> {
    use crate::notation::trustpolicy::StoreType;
    let mut store = crate::notation::truststore::TrustStore::new();
    for (i, (named, bytes)) in entries.iter().enumerate() {
        let what = alloc::format!("trust store entry {i} ({named})");
        let (kind, name) = named
            .split_once(':')
            .and_then(|(k, n)| StoreType::from_name(k).map(|k| (k, n)))
            .ok_or_else(|| Error::Usage(alloc::format!("{what}: a store is named type:name, with type ca, signingAuthority or tsa")))?;
        store.add_file(provider.backend(), kind, name, bytes, &what).map_err(|e| e.loading(Input::Policy, what.clone()))?;
    }
    Ok(store)
}

#[cfg(feature = "notation")]
/// Verifies a detached Notary signature (`format` `jws` or `cose`) over `blob` under the blob
/// trust policy `policy_json` (trustpolicy.blob.json): the statement named `name`, or the
/// `globalPolicy` one. The outcome records every validation; its verdict is the enforced
/// failure, if any.
#[allow(clippy::too_many_arguments)]
pub fn notation_verify_blob(
    policy_json: &[u8],
    name: Option<&str>,
    store: &crate::notation::truststore::TrustStore,
    crls: &crate::notation::crl::CrlSet,
    format: &str,
    envelope: &[u8],
    blob: &[u8],
    media_type: Option<&str>,
    now: UnixTime,
    provider: &CryptoProvider,
) -> Result<crate::notation::verify::Outcome> {
    use crate::notation::envelope::{MEDIA_TYPE_COSE, MEDIA_TYPE_JWS};
    use crate::notation::trustpolicy::{DocumentKind, Level, TrustPolicyDocument};
    let doc = TrustPolicyDocument::parse(policy_json, DocumentKind::Blob).map_err(|e| e.loading(Input::Policy, "trustpolicy.blob.json"))?;
    let statement = doc.applicable_blob(name).ok_or_else(|| {
        Error::NoApplicablePolicy(name.map_or_else(|| String::from("the blob trust policy has no globalPolicy statement"), |n| alloc::format!("no statement named {n:?}")))
    })?;
    let media = match format {
        "jws" => MEDIA_TYPE_JWS,
        "cose" => MEDIA_TYPE_COSE,
        other => return Err(Error::Usage(alloc::format!("signature format {other:?} (jws or cose)"))),
    };
    if statement.level == Level::Skip {
        return Err(Error::Usage(alloc::format!("trust policy statement {:?} skips verification: nothing is verified", statement.name)));
    }
    Ok(crate::notation::verify::verify_blob(provider.backend(), statement, store, crls, media, envelope, blob, media_type, now))
}

#[cfg(feature = "notation")]
/// Parses CRL files (DER, or PEM `X509 CRL` blocks), each with the name used in errors.
pub fn crls(files: &[(&str, &[u8])]) -> Result<crate::notation::crl::CrlSet> {
    let mut all = Vec::new();
    for (name, bytes) in files {
        all.extend(crate::notation::crl::Crl::parse_file(name, bytes).map_err(|e| e.loading(Input::Policy, *name))?);
    }
    Ok(crate::notation::crl::CrlSet::new(all))
}

/// Evidence a caller fetched itself: the reference asked about, the manifest, stored signatures
/// and attestations in the containers storage form (`\0sigstore-json\n{…}`; an attestation is one
/// whose `mimeType` is a DSSE envelope), and Sigstore bundles found as referrers. A stored
/// signature that does not parse makes the evidence unusable (as containers/image fails reading
/// it).
pub fn image_evidence(reference: &str, manifest: Option<&[u8]>, stored: &[&[u8]], bundles: &[&[u8]]) -> Result<ImageEvidence> {
    let mut ev = ImageEvidence::new(image_reference(reference)?);
    if let Some(m) = manifest {
        ev = ev.with_manifest(m.to_vec());
    }
    let gather = |ev: &mut ImageEvidence| -> Result<()> {
        for (i, s) in stored.iter().enumerate() {
            ev.reserve(s.len() as u64)?;
            ev.push(EvidenceItem::from_stored(StoredSignature::from_storage_blob(s)?), alloc::format!("signature {i}"))?;
        }
        for (i, b) in bundles.iter().enumerate() {
            ev.reserve(b.len() as u64)?;
            ev.push(EvidenceItem::Bundle(b.to_vec()), alloc::format!("bundle {i}"))?;
        }
        Ok(())
    };
    gather(&mut ev).map_err(|e| e.loading(Input::ImageSource, "image evidence"))?;
    Ok(ev)
}

// ---- bundles --------------------------------------------------------------------------------

/// Verifies Sigstore bundles against one trusted root.
#[derive(Debug, Clone)]
pub struct BundleVerifier {
    root: Arc<TrustedRoot>,
    provider: CryptoProvider,
    thresholds: Thresholds,
}

impl BundleVerifier {
    /// A verifier with Sigstore's default thresholds (one log, one CT log, one verified time).
    #[must_use]
    pub fn new(root: Arc<TrustedRoot>, provider: CryptoProvider) -> Self {
        Self { root, provider, thresholds: Thresholds::default() }
    }

    /// Sets the thresholds.
    #[must_use]
    pub const fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Parses `bundle_json` and verifies it for `artifact`, signed by one of `signers`, at `now`.
    pub fn verify(&self, bundle_json: &[u8], artifact: &Artifact<'_>, signers: &Signers, now: UnixTime) -> Result<VerifiedSignature> {
        let bundle = Bundle::from_json(bundle_json)?;
        Verifier::new(&self.root, self.provider.backend()).with_thresholds(self.thresholds).verify(&bundle, artifact, signers, now)
    }
}

// ---- images ---------------------------------------------------------------------------------

/// Decides images under one compiled policy.
#[derive(Debug, Clone)]
pub struct ImageVerifier {
    policy: Arc<CompiledPolicy>,
    provider: CryptoProvider,
    #[cfg(feature = "governance")]
    revocations: Option<Arc<crate::policy::native::RevocationList>>,
    #[cfg(feature = "cache")]
    cache: Option<Arc<FactCache>>,
}

/// A backend that counts signature checks against the decision's budget.
struct Metered<'a> {
    inner: &'a dyn Backend,
    budget: &'a WorkBudget,
}

impl Backend for Metered<'_> {
    fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Digest {
        self.inner.digest(alg, data)
    }

    fn verify(&self, scheme: SignatureScheme, key: &PublicKey, message: Message<'_>, signature: &[u8]) -> core::result::Result<(), ()> {
        if !self.budget.spend() {
            return Err(());
        }
        self.inner.verify(scheme, key, message, signature)
    }
}

/// One piece of evidence, parsed (not verified): what it claims, and the bundle that verifies it.
struct Parsed {
    format: SignatureFormat,
    bundle: Bundle,
    digests: Vec<Digest>,
    signed_reference: Option<String>,
    predicate_type: Option<String>,
    /// What the signature is over: a simple-signing payload, or (DSSE) the manifest or index
    /// its statement names.
    signed: Signed,
}

enum Signed {
    Payload(Vec<u8>),
    Image(Matched),
}

impl ImageVerifier {
    /// A verifier deciding under `policy` with `provider`.
    #[must_use]
    pub fn new(policy: Arc<CompiledPolicy>, provider: CryptoProvider) -> Self {
        Self {
            policy,
            provider,
            #[cfg(feature = "governance")]
            revocations: None,
            #[cfg(feature = "cache")]
            cache: None,
        }
    }

    #[cfg(feature = "governance")]
    /// The same verifier with a revocation list (a native policy's separate list), applied to
    /// every governed signer on top of the policy's own revocations. Swapping the list is how
    /// a long-lived verifier takes a revocation: nothing else is rebuilt.
    #[must_use]
    pub fn with_revocations(mut self, list: Arc<crate::policy::native::RevocationList>) -> Self {
        self.revocations = Some(list);
        self
    }

    /// The same verifier, reusing and recording verified facts in `cache` (which verifiers
    /// under other policies may share: entries are keyed by the trust that verified them).
    #[cfg(feature = "cache")]
    #[must_use]
    pub fn with_cache(mut self, cache: Arc<FactCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Decides every image in `images` at `now` on up to `threads` threads (at least one),
    /// sharing this verifier (its policy and cache): `decide` for each, in order.
    #[cfg(feature = "cache")]
    #[must_use]
    pub fn decide_all(&self, images: &[ImageEvidence], now: UnixTime, threads: usize) -> Vec<Decision> {
        use core::sync::atomic::{AtomicUsize, Ordering};
        let threads = threads.clamp(1, images.len().max(1));
        if threads == 1 {
            return images.iter().map(|i| self.decide(i, now)).collect();
        }
        let next = AtomicUsize::new(0);
        let mut out: Vec<(usize, Decision)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(image) = images.get(i) else { break };
                            done.push((i, self.decide(image, now)));
                        }
                        done
                    })
                })
                .collect();
            // decide() does not panic; a worker that did would be a bug to surface, not hide.
            workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });
        out.sort_unstable_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, d)| d).collect()
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// The record of an image refused before its evidence could be decided (its reference does
    /// not parse, its registry cannot be read, a deadline passed): denied with `reason`, under
    /// the scope `reference` selects (none when it did not parse; `given` is then recorded as
    /// the reference), with `manifest_digest` when the caller knew it, and no requirement
    /// evaluated. The admission surfaces audit their refusals with it.
    #[must_use]
    pub fn refusal(&self, reference: Option<&Reference>, given: &str, manifest_digest: Option<OciDigest>, reason: String, now: UnixTime) -> Decision {
        let scope = reference.map(|r| self.policy.rule_for("docker", r).0).unwrap_or_default();
        let mut record = Decision::new(reference.map_or_else(|| given.to_string(), ToString::to_string), scope, hex_encode(self.policy.digest()), now);
        record.manifest_digest = manifest_digest;
        record.refuse(reason)
    }

    /// Decides whether the image `image` describes may run, at verification time `now`. The
    /// decision record says why, whatever the answer.
    pub fn decide(&self, image: &ImageEvidence, now: UnixTime) -> Decision {
        let b = self.provider.backend();
        let (scope, rule) = self.policy.rule_for("docker", image.reference());
        let mut record = Decision::new(image.reference().to_string(), scope, hex_encode(self.policy.digest()), now);
        let subject = match subject(image) {
            Ok(s) => s,
            Err(e) => return record.refuse(alloc::format!("manifest: {e}")),
        };
        record.manifest_digest = Some(decided_digest(image.reference(), &subject.manifest));
        record.index_digest = subject.index.as_ref().map(|i| OciDigest::from_digest(i[0]));
        let budget = WorkBudget::default();
        let metered = Metered { inner: b, budget: &budget };
        for (i, req) in rule.requirements().iter().enumerate() {
            record.requirements.push(self.requirement(&metered, &budget, i, req, image, &subject, now));
        }
        record.signature_checks = budget.spent();
        let record = record.finish();
        #[cfg(feature = "governance")]
        let record = self.with_exception(record, image, now);
        record
    }

    /// A denial turned into an allow by an open break-glass exception, which the record
    /// names; an exception covers revoked signatures only if it says so.
    #[cfg(feature = "governance")]
    fn with_exception(&self, mut record: Decision, image: &ImageEvidence, now: UnixTime) -> Decision {
        record.revocation_hits = revocation_hits(&record.requirements);
        if !record.allowed {
            let digest = record.manifest_digest;
            let open = self.policy.exceptions().iter().find(|e| e.applies(image.reference(), digest.as_ref(), now));
            if let Some(e) = open.filter(|e| e.covers_revoked || record.revocation_hits.is_empty()) {
                record.exception = Some(crate::policy::ExceptionRecord {
                    id: e.id.clone(),
                    scope: e.scope.clone(),
                    reason: e.reason.clone(),
                    ticket: e.ticket.clone(),
                    approver: e.approver.clone(),
                    not_before: e.not_before,
                    not_after: e.not_after,
                    denied_because: record.reason.clone(),
                });
                record.allowed = true;
                record.reason = alloc::format!("allowed by exception {:?} (ticket {}, approved by {}, until {})", e.id, e.ticket, e.approver, e.not_after.secs());
            }
        }
        record
    }

    #[cfg(feature = "governance")]
    /// A native policy's governed requirement: each named signer verified once (its window
    /// and revocations applied to its verified facts), then the threshold of distinct
    /// identities, the roles (each by its own identity) and the attestations.
    #[allow(clippy::too_many_arguments)]
    fn governed_requirement(
        &self,
        metered: &Metered<'_>,
        budget: &WorkBudget,
        g: &crate::policy::native::GovernedRequirement,
        image: &ImageEvidence,
        subject: &Subject,
        now: UnixTime,
        rec: &mut RequirementRecord,
    ) {
        use crate::policy::native::{identity_of, roles_filled, Attestation, GovernedRequirement, SignerKind};
        let eval = |i: usize, attestation: Option<&Attestation>| -> (RequirementRecord, Option<String>) {
            let signer = &g.signers[i];
            let predicate = attestation.map(|a| a.predicate_type.as_str());
            let kind = match predicate {
                None => alloc::format!("signer {}", signer.name),
                Some(p) => alloc::format!("signer {} attestation {p}", signer.name),
            };
            let mut r = RequirementRecord { index: i, kind, satisfied: false, reason: String::new(), signatures: Vec::new(), alternatives: Vec::new() };
            // Revocations first, so that a revoked signature is recorded as such (and no
            // exception without coversRevoked allows it) whatever else is wrong with it.
            let accept = |v: &VerifiedSignature| -> Result<()> {
                let hit = g.revocations.hit(&signer.name, v).or_else(|| self.revocations.as_deref().and_then(|l| l.hit(&signer.name, v)));
                if let Some(rev) = hit {
                    return Err(Error::Revoked { what: alloc::format!("signer {:?}: {}", signer.name, rev.describe()), serial: signer_serial(v), reason: rev.reason.clone() });
                }
                signer.lifetime.check(&signer.name, v)?;
                attestation.map_or(Ok(()), |a| a.check(v))
            };
            let v = match &signer.kind {
                SignerKind::Sigstore(trust) => {
                    let sr = GovernedRequirement::sigstore_requirement(trust, predicate);
                    self.signature_requirement(metered, budget, &sr, image, subject, now, &mut r, &accept)
                }
                SignerKind::Notary(nr) => notary_requirement(metered, budget, nr, image, subject, now, &mut r, &accept),
            };
            (r, v.as_ref().map(identity_of))
        };
        // Each signer's signature, verified once however many parts name it.
        let mut signed: Vec<Option<Option<String>>> = alloc::vec![None; g.signers.len()];
        let mut parts: Vec<RequirementRecord> = Vec::new();
        let mut signature_of = |i: usize, parts: &mut Vec<RequirementRecord>| -> Option<String> {
            if let Some(done) = &signed[i] {
                return done.clone();
            }
            let (r, id) = eval(i, None);
            parts.push(r);
            signed[i] = Some(id.clone());
            id
        };
        let mut failures: Vec<String> = Vec::new();
        if let Some((signers, k)) = &g.signatures {
            let mut ids: Vec<String> = signers.iter().filter_map(|&i| signature_of(i, &mut parts)).collect();
            ids.sort();
            ids.dedup();
            if ids.len() < *k {
                failures.push(alloc::format!("{} of {} distinct signers signed, {k} required", ids.len(), signers.len()));
            }
        }
        if !g.roles.is_empty() {
            let mut table: Vec<String> = Vec::new();
            let candidates: Vec<Vec<usize>> = g
                .roles
                .iter()
                .map(|(_, members)| {
                    members
                        .iter()
                        .filter_map(|&i| signature_of(i, &mut parts))
                        .map(|id| table.iter().position(|t| *t == id).unwrap_or_else(|| {
                            table.push(id);
                            table.len() - 1
                        }))
                        .collect()
                })
                .collect();
            if !roles_filled(&candidates) {
                let names: Vec<&str> = g.roles.iter().map(|(r, _)| r.as_str()).collect();
                failures.push(alloc::format!("roles {names:?} are not each filled by a distinct identity"));
            }
        }
        for a in &g.attestations {
            let mut found = false;
            for &i in &a.signers {
                let (r, id) = eval(i, Some(a));
                parts.push(r);
                if id.is_some() {
                    found = true;
                    break;
                }
            }
            if !found {
                let meeting = match a.constraints.len() {
                    0 => String::new(),
                    n => alloc::format!(" meeting its {n} predicate constraints"),
                };
                failures.push(alloc::format!("no attestation {:?} by its signers{meeting}", a.predicate_type));
            }
        }
        rec.alternatives = parts;
        rec.satisfied = failures.is_empty();
        rec.reason = if failures.is_empty() { String::from("signed as the policy requires") } else { failures.join("; ") };
    }

    /// Evaluates requirement `i` of the rule (or of an `anyOf`).
    #[allow(clippy::too_many_arguments)]
    fn requirement(&self, metered: &Metered<'_>, budget: &WorkBudget, i: usize, req: &Requirement, image: &ImageEvidence, subject: &Subject, now: UnixTime) -> RequirementRecord {
        let mut rec = RequirementRecord { index: i, kind: req.kind().to_string(), satisfied: false, reason: String::new(), signatures: Vec::new(), alternatives: Vec::new() };
        match req {
            Requirement::InsecureAcceptAnything => {
                rec.satisfied = true;
                rec.reason = "accepts any image".into();
            }
            Requirement::Reject => rec.reason = "rejects every image".into(),
            Requirement::Unsupported { reason, .. } => rec.reason.clone_from(reason),
            Requirement::Signed(sr) => {
                self.signature_requirement(metered, budget, sr, image, subject, now, &mut rec, &|_| Ok(()));
            }
            #[cfg(feature = "notation")]
            Requirement::Notary(nr) => {
                notary_requirement(metered, budget, nr, image, subject, now, &mut rec, &|_| Ok(()));
            }
            #[cfg(feature = "governance")]
            Requirement::Governed(g) => self.governed_requirement(metered, budget, g, image, subject, now, &mut rec),
            #[cfg(feature = "notation")]
            Requirement::AnyOf(alternatives) => {
                // In order, up to the first satisfied alternative.
                for (j, alt) in alternatives.iter().enumerate() {
                    let r = self.requirement(metered, budget, j, alt, image, subject, now);
                    let done = r.satisfied;
                    rec.alternatives.push(r);
                    if done {
                        rec.satisfied = true;
                        rec.reason = alloc::format!("alternative {j} ({}) satisfied", alt.kind());
                        return rec;
                    }
                }
                let why: Vec<String> = rec.alternatives.iter().map(|a| alloc::format!("{} ({}): {}", a.index, a.kind, a.reason)).collect();
                rec.reason = alloc::format!("no alternative satisfied: {}", why.join("; "));
            }
        }
        rec
    }

    #[allow(clippy::too_many_arguments)]
    fn signature_requirement(
        &self,
        metered: &Metered<'_>,
        budget: &WorkBudget,
        sr: &SignatureRequirement,
        image: &ImageEvidence,
        subject: &Subject,
        now: UnixTime,
        rec: &mut RequirementRecord,
        accept: Accept<'_>,
    ) -> Option<VerifiedSignature> {
        // The requirement judges verified facts, fresh or cached, the same way; then what the
        // caller adds (a governed signer's window and revocations).
        let judge = |v: &VerifiedSignature| {
            let claims = Claims {
                format: v.format,
                digests: &v.digests.iter().map(|d| *d.digest()).collect::<Vec<_>>(),
                signed_reference: v.signed_reference.as_deref(),
                predicate_type: v.predicate_type(),
            };
            let m = sr.judge(&claims, subject)?;
            accept(v).map(|()| m)
        };
        let mut considered = 0usize;
        let mut first_of: BTreeMap<[u8; 32], usize> = BTreeMap::new();
        for (i, found) in image.items().iter().enumerate() {
            let format = item_format(&found.item);
            if !sr.considers(format) {
                continue;
            }
            // Identical evidence is examined once.
            if let Some(&j) = first_of.get(found.key()) {
                considered += 1;
                let e = rec.signatures.iter().find(|s| s.index == j).map_or_else(
                    || Error::Usage(alloc::format!("duplicate of evidence {j}")),
                    |s| Error::Usage(alloc::format!("duplicate of evidence {j}, refused: {}", s.reason)),
                );
                rec.signatures.push(SignatureRecord::refused(i, &found.origin, format, &e));
                continue;
            }
            first_of.insert(*found.key(), i);
            #[cfg(feature = "cache")]
            let cached = self.cache.as_deref().map(|c| {
                let index = subject.index.as_ref().filter(|_| sr.index_signatures).map(|ix| ix[0].as_bytes());
                let key = crate::cache::FactKey::new(found, &sr.trust, &[subject.manifest[0].as_bytes(), index.unwrap_or_default()]);
                (c, key, c.get(&key, now))
            });
            #[cfg(feature = "cache")]
            if let Some((_, _, Some(v))) = &cached {
                considered += 1;
                match judge(v) {
                    Ok(matched) => {
                        rec.signatures.push(SignatureRecord::accepted(i, &found.origin, v, matched));
                        rec.satisfied = true;
                        rec.reason = alloc::format!("signature {i} accepted (verified facts cached)");
                        return Some((**v).clone());
                    }
                    Err(e) => {
                        rec.signatures.push(SignatureRecord::refused(i, &found.origin, format, &e));
                        continue;
                    }
                }
            }
            // Cheap checks first: what the evidence claims, then the certificate identity.
            let parsed = match parse(metered.inner, &found.item, sr, image, subject).and_then(|p| {
                let claims = Claims {
                    format: p.format,
                    digests: &p.digests,
                    signed_reference: p.signed_reference.as_deref(),
                    predicate_type: p.predicate_type.as_deref(),
                };
                sr.judge(&claims, subject)?;
                if let (Signers::Certificate(id), VerificationMaterial::Certificate { leaf, .. }) = (&sr.trust.signers, &p.bundle.material) {
                    id.check(leaf)?;
                }
                Ok(p)
            }) {
                Ok(p) => p,
                Err(e) => {
                    // Other attachments stored like signatures are not signatures at all.
                    considered += usize::from(!matches!(e, Error::NotASignature(_)));
                    rec.signatures.push(SignatureRecord::refused(i, &found.origin, format, &e));
                    continue;
                }
            };
            considered += 1;
            // Then the signatures, within the decision's budget.
            if let Err(e) = budget.ensure_left() {
                rec.signatures.push(SignatureRecord::refused(i, &found.origin, format, &e));
                rec.reason = alloc::format!("evidence left unchecked: {e}");
                return None;
            }
            let verdict = verify_parsed(metered, parsed, &sr.trust, image, now);
            #[cfg(feature = "cache")]
            if let (Some((c, key, None)), Ok(v)) = (&cached, &verdict) {
                c.insert(*key, v, found.item.size());
            }
            match verdict.and_then(|v| judge(&v).map(|m| (v, m))) {
                Ok((v, matched)) => {
                    rec.signatures.push(SignatureRecord::accepted(i, &found.origin, &v, matched));
                    rec.satisfied = true;
                    rec.reason = alloc::format!("signature {i} accepted");
                    return Some(v);
                }
                Err(e) => {
                    // A check the budget refused fails whatever step it was in: say so.
                    let e = if budget.overspent() { budget.ensure_left().err().unwrap_or(e) } else { e };
                    rec.signatures.push(SignatureRecord::refused(i, &found.origin, format, &e));
                }
            }
        }
        let noun = if sr.predicate_type.is_some() { "attestations" } else { "signatures" };
        rec.reason = if considered == 0 {
            alloc::format!("no {noun}")
        } else {
            alloc::format!("none of {considered} {noun} accepted (wanted {})", sr.wanted_predicate())
        };
        None
    }
}

#[cfg(feature = "notation")]
/// A Notary requirement: the first signature that passes every enforced validation satisfies
/// it (notation-go `Verify`: "any one signature"); a `skip` statement is satisfied without
/// signatures. A signature names the manifest decided on, or the index it was reached through
/// (what a multi-platform reference resolves to, which is what notation signs).
#[allow(clippy::too_many_arguments)]
fn notary_requirement(
    metered: &Metered<'_>,
    budget: &WorkBudget,
    nr: &crate::policy::notation::NotaryRequirement,
    image: &ImageEvidence,
    subject: &Subject,
    now: UnixTime,
    rec: &mut RequirementRecord,
    accept: Accept<'_>,
) -> Option<VerifiedSignature> {
    use crate::notation::trustpolicy::Level;
    use crate::notation::verify::{self, Target};
    let st = &nr.statement;
    if st.level == Level::Skip {
        rec.satisfied = true;
        rec.reason = alloc::format!("trust policy statement {:?} skips signature verification (level skip)", st.name);
        return None;
    }
    let media_type = |bytes: &[u8]| -> String {
        #[derive(serde::Deserialize)]
        struct M {
            #[serde(rename = "mediaType")]
            media_type: Option<String>,
        }
        serde_json::from_slice::<M>(bytes).ok().and_then(|m| m.media_type).unwrap_or_default()
    };
    let manifest = image.manifest().unwrap_or_default();
    let manifest_type = media_type(manifest);
    let mut targets = alloc::vec![(Target { media_type: &manifest_type, digests: &subject.manifest, size: manifest.len() as u64 }, Matched::Manifest)];
    let index_type;
    if let (Some(ix), Some(d)) = (image.index(), subject.index.as_ref()) {
        index_type = media_type(ix);
        targets.push((Target { media_type: &index_type, digests: d, size: ix.len() as u64 }, Matched::Index));
    }
    let mut considered = 0usize;
    for (i, found) in image.items().iter().enumerate() {
        let EvidenceItem::Notary { media_type, envelope } = &found.item else { continue };
        considered += 1;
        if let Err(e) = budget.ensure_left() {
            rec.signatures.push(SignatureRecord::refused(i, &found.origin, SignatureFormat::Notary, &e));
            rec.reason = alloc::format!("evidence left unchecked: {e}");
            return None;
        }
        // The signature names one of the targets; the one it names is verified against.
        let named = crate::notation::envelope::Envelope::parse(media_type, envelope).ok().and_then(|e| {
            targets.iter().find(|(t, _)| t.digests.iter().any(|d| d == e.target.digest.digest()))
        });
        let (target, matched) = named.unwrap_or(&targets[0]);
        let outcome = verify::verify(metered, st, &nr.store, &nr.crls, media_type, envelope, target, now);
        let verdict = outcome.verdict.and_then(|v| {
            let facts = v.facts(metered, now);
            accept(&facts).map(|()| facts)
        });
        match &verdict {
            Ok(facts) => {
                let mut r = SignatureRecord::accepted(i, &found.origin, facts, *matched);
                r.validations = outcome.results;
                rec.signatures.push(r);
                rec.satisfied = true;
                rec.reason = alloc::format!("signature {i} accepted under trust policy statement {:?} (level {})", st.name, st.level_name);
                return verdict.ok();
            }
            Err(e) => {
                let e = if budget.overspent() { budget.ensure_left().err().unwrap_or_else(|| e.clone()) } else { e.clone() };
                let mut r = SignatureRecord::refused(i, &found.origin, SignatureFormat::Notary, &e);
                r.validations = outcome.results;
                rec.signatures.push(r);
            }
        }
    }
    rec.reason = if considered == 0 {
        String::from("no Notary signatures")
    } else {
        alloc::format!("none of {considered} Notary signatures accepted under trust policy statement {:?} (level {})", st.name, st.level_name)
    };
    None
}

#[cfg(feature = "governance")]
/// The serial of a verified certificate signer, or `-`.
fn signer_serial(v: &VerifiedSignature) -> String {
    match &v.signer {
        crate::facts::VerifiedSigner::Certificate { serial, .. } | crate::facts::VerifiedSigner::NotaryCertificate { serial, .. } => serial.clone(),
        crate::facts::VerifiedSigner::Key { .. } => String::from("-"),
    }
}

#[cfg(feature = "governance")]
/// The revocations that refused a signature anywhere in `records`.
fn revocation_hits(records: &[RequirementRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for r in records {
        out.extend(r.signatures.iter().filter(|s| s.error_kind == Some("Revoked")).map(|s| s.reason.clone()));
        out.extend(revocation_hits(&r.alternatives));
    }
    out.dedup();
    out
}

/// What a caller adds to a requirement's judgement of verified facts.
type Accept<'a> = &'a dyn Fn(&VerifiedSignature) -> Result<()>;

impl EvidenceItem {
    /// A stored layer as evidence: a DSSE envelope is an attestation, anything else a
    /// signature (which is refused if it is not a simple-signing layer).
    #[must_use]
    pub fn from_stored(s: StoredSignature) -> Self {
        if s.media_type == DSSE_MEDIA_TYPE { Self::Attestation(s) } else { Self::SimpleSigning(s) }
    }
}

fn item_format(item: &EvidenceItem) -> SignatureFormat {
    match item {
        EvidenceItem::SimpleSigning(_) => SignatureFormat::CosignSimpleSigning,
        EvidenceItem::Attestation(_) => SignatureFormat::CosignAttestation,
        EvidenceItem::Bundle(_) => SignatureFormat::SigstoreBundle,
        #[cfg(feature = "notation")]
        EvidenceItem::Notary { .. } => SignatureFormat::Notary,
    }
}

/// What is decided: the manifest (schema 2, matching the reference's digest) and the index it
/// was reached through, if that index lists it. The digests were computed when the evidence was
/// gathered.
fn subject(image: &ImageEvidence) -> Result<Subject> {
    let (m, manifest) = image.manifest().zip(image.manifest_digests()).ok_or(Error::MissingEvidence("image manifest"))?;
    // Schema 1 manifests (whose digest excludes embedded JWS signatures) are refused.
    if image.manifest_schema_version() != Some(2) {
        serde_json::from_slice::<serde::de::IgnoredAny>(m).map_err(|e| Error::Json { what: "image manifest", detail: alloc::format!("{e}") })?;
        return Err(Error::Json { what: "image manifest", detail: "only schemaVersion 2 manifests are accepted".into() });
    }
    if let Some(d) = image.reference().digest() {
        if !manifest.contains(d.digest()) {
            return Err(Error::ArtifactMismatch("content does not match its digest"));
        }
    }
    let index = match image.index().zip(image.index_digests()) {
        Some((ix, digests)) => {
            let listed = crate::oci::manifest::Manifest::from_json(ix)?;
            listed.manifests.iter().any(|d| manifest.contains(d.digest.digest())).then_some(*digests)
        }
        None => None,
    };
    Ok(Subject { reference: image.reference().clone(), manifest: *manifest, index })
}

/// The manifest digest a decision is about: the reference's, or the manifest's SHA-256.
fn decided_digest(reference: &Reference, manifest: &[Digest; 3]) -> OciDigest {
    reference.digest().copied().unwrap_or_else(|| OciDigest::from_digest(manifest[0]))
}

/// Parses one piece of evidence into the bundle that verifies it and what it claims.
fn parse(b: &dyn Backend, item: &EvidenceItem, sr: &SignatureRequirement, image: &ImageEvidence, subject: &Subject) -> Result<Parsed> {
    let (format, bundle) = match item {
        EvidenceItem::SimpleSigning(s) => {
            if !s.is_simple_signing() {
                return Err(Error::NotASignature(alloc::format!("media type {:?}", s.media_type)));
            }
            let payload = SimpleSigningPayload::from_json(&s.payload)?;
            return Ok(Parsed {
                format: SignatureFormat::CosignSimpleSigning,
                bundle: s.to_bundle()?,
                digests: alloc::vec![*payload.manifest_digest.digest()],
                signed_reference: Some(payload.docker_reference),
                predicate_type: None,
                signed: Signed::Payload(s.payload.clone()),
            });
        }
        EvidenceItem::Attestation(s) => (SignatureFormat::CosignAttestation, s.to_bundle()?),
        EvidenceItem::Bundle(j) => (SignatureFormat::SigstoreBundle, Bundle::from_json(j)?),
        // A Sigstore requirement never considers them (`SignatureRequirement::considers`).
        #[cfg(feature = "notation")]
        EvidenceItem::Notary { .. } => return Err(Error::NotASignature(String::from("a Notary signature is not Sigstore evidence"))),
    };
    let Content::Dsse(env) = &bundle.content else {
        return Err(Error::InToto(String::from("bundle has no in-toto statement naming the image")));
    };
    if env.payload_type != crate::sigstore::dsse::IN_TOTO_PAYLOAD_TYPE {
        return Err(Error::Dsse(alloc::format!("payloadType {:?} cannot bind an artifact", env.payload_type)));
    }
    let st = Statement::from_json(&env.payload)?;
    // The statement's subject must be the manifest (or, if the requirement allows it, the index).
    let manifest = image.manifest().ok_or(Error::MissingEvidence("image manifest"))?;
    let (target, idx) = match st.matching_subject(b, &Artifact::Bytes(manifest)) {
        Ok(i) => (Matched::Manifest, i),
        Err(e) => match (sr.index_signatures, image.index(), &subject.index) {
            (true, Some(ix), Some(_)) => (Matched::Index, st.matching_subject(b, &Artifact::Bytes(ix)).map_err(|_| e)?),
            _ => return Err(e),
        },
    };
    let s = &st.subjects[idx];
    Ok(Parsed {
        format,
        digests: s.digests(),
        signed_reference: Some(s.name.clone()),
        predicate_type: Some(st.predicate_type.clone()),
        bundle,
        signed: Signed::Image(target),
    })
}

/// Verifies parsed evidence under `trust`. Evidence the trust has no authority for is not
/// examined, as containers/image does: log entries when it names no log, timestamps when it
/// names no TSA.
fn verify_parsed(b: &dyn Backend, mut p: Parsed, trust: &Trust, image: &ImageEvidence, now: UnixTime) -> Result<VerifiedSignature> {
    if trust.root.tlogs().is_empty() {
        p.bundle.tlog_entries.clear();
    }
    if trust.root.timestamp_authorities().is_empty() {
        p.bundle.timestamps.clear();
    }
    let verifier = Verifier::new(&trust.root, b).with_thresholds(trust.thresholds).with_format(p.format);
    match &p.signed {
        Signed::Payload(payload) => {
            // The fact binds what the signed payload names, not the payload itself.
            let mut v = verifier.verify(&p.bundle, &Artifact::Bytes(payload), &trust.signers, now)?;
            v.digests = p.digests.iter().map(|d| BoundDigest(*d)).collect();
            v.signed_reference = p.signed_reference;
            Ok(v)
        }
        Signed::Image(target) => {
            let artifact = match target {
                Matched::Manifest => image.manifest(),
                Matched::Index => image.index(),
            }
            .ok_or(Error::MissingEvidence("image manifest"))?;
            verifier.verify(&p.bundle, &Artifact::Bytes(artifact), &trust.signers, now)
        }
    }
}
