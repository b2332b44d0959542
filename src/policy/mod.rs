//! The internal policy model and its evaluation into a [`Decision`] record.
//!
//! Format adapters (`containers.rs` for containers-policy.json; Notary and native formats later)
//! compile into [`Policy`]. Evaluation never touches bytes beyond what the image evidence holds:
//! it selects the rules for the image's reference (most specific scope first), checks every
//! requirement (ANDed; for signature requirements one accepted signature is enough), and records
//! each requirement and each signature considered, with its verdict and reason.

mod bundles;
pub mod containers;
mod decision;
pub mod identity;

use alloc::string::String;
use alloc::vec::Vec;

pub use decision::{Decision, RequirementRecord, SignatureRecord};
pub use identity::IdentityRule;

use crate::cosign::verify::{KeylessTrust, SignatureTrust, SignerTrust, verify_stored};
use crate::crypto::{Backend, HashAlgorithm, PublicKey};
use crate::encoding::pem_decode_all;
use crate::error::{Error, Result};
use crate::limits;
use crate::oci::{EvidenceItem, ImageEvidence, OciDigest, Reference};
use crate::sigstore::{CertificateIdentity, Matcher, TrustedRoot};
use crate::time::UnixTime;
use crate::x509::Certificate;

/// Key or certificate material, as a policy names it: inline, or a file to read at evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// A path, read through [`PolicyFiles`] when the requirement is evaluated.
    Path(String),
    /// The bytes themselves (PEM).
    Data(Vec<u8>),
}

/// Reads files a policy refers to. `std` builds provide [`FsFiles`]; embedders supply their own.
pub trait PolicyFiles {
    /// The file's bytes, at most `max`.
    fn read(&self, path: &str, max: usize) -> Result<Vec<u8>>;
}

/// Reads policy files from the local filesystem.
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, Default)]
pub struct FsFiles;

#[cfg(feature = "std")]
impl PolicyFiles for FsFiles {
    fn read(&self, path: &str, max: usize) -> Result<Vec<u8>> {
        crate::fs::read_file(std::path::Path::new(path), max, "policy file", "policy file size")
    }
}

/// Who may sign, before key material is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerSpec {
    /// Any of these PEM public keys.
    Keys(Vec<Material>),
    /// Fulcio: CA certificates, exact OIDC issuer and SAN email.
    Fulcio {
        /// CA PEM.
        ca: Material,
        /// OIDC issuer.
        oidc_issuer: String,
        /// SAN email.
        subject_email: String,
    },
    /// Sigstore keyless against a trusted root, with a SAN and issuer, each exact or a fully
    /// anchored regexp (sealcheck extension `sealcheckKeyless`).
    Keyless {
        /// Which trusted root.
        root: RootSource,
        /// SAN: (value, is_regexp).
        san: (String, bool),
        /// OIDC issuer: (value, is_regexp).
        issuer: (String, bool),
    },
    /// PKI: root and optional intermediate PEM, SAN email and/or hostname.
    Pki {
        /// Root CA PEM.
        roots: Material,
        /// Intermediate CA PEM.
        intermediates: Option<Material>,
        /// SAN email.
        subject_email: Option<String>,
        /// SAN DNS name.
        subject_hostname: Option<String>,
    },
}

/// Where a keyless requirement's trusted root comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootSource {
    /// The embedded Sigstore public-good production root.
    PublicGood,
    /// The embedded Sigstore staging root.
    Staging,
    /// A `trusted_root.json`.
    File(Material),
}

/// One requirement; a rule is a list of them, ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Allows the image; never counts as a verified signature.
    InsecureAcceptAnything,
    /// Rejects the image.
    Reject,
    /// A requirement sealcheck cannot check (GPG `signedBy`, `signedBaseLayer`): always a
    /// rejection, with the reason.
    Unsupported {
        /// The requirement type.
        kind: String,
        /// Why it cannot be satisfied.
        reason: String,
    },
    /// A cosign/sigstore signature from a trusted signer, with an identity rule.
    Sigstore {
        /// Signer trust.
        signer: SignerSpec,
        /// Rekor keys; non-empty means a SET is required.
        rekor_keys: Vec<Material>,
        /// How the signed reference must relate to the image.
        identity: IdentityRule,
        /// `Some(type)`: only an attestation with this in-toto predicate type satisfies the
        /// requirement (sealcheck extension `sealcheckPredicateType`); `None`: a signature.
        predicate_type: Option<String>,
    },
}

impl Requirement {
    fn kind(&self) -> String {
        match self {
            Self::InsecureAcceptAnything => "insecureAcceptAnything".into(),
            Self::Reject => "reject".into(),
            Self::Unsupported { kind, .. } => kind.clone(),
            Self::Sigstore { .. } => "sigstoreSigned".into(),
        }
    }
}

/// One transport's rules by scope, in file order; scope `""` is the transport default.
pub type Scopes = Vec<(String, Vec<Requirement>)>;

/// A compiled policy: default rules, and per-transport rules by scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Rules when nothing more specific applies.
    pub default: Vec<Requirement>,
    /// `(transport, scopes)`.
    pub transports: Vec<(String, Scopes)>,
}

impl Policy {
    /// The rules that apply to `reference` under `transport`, and the scope that selected them
    /// (`"default"` for the global default).
    #[must_use]
    pub fn rules_for(&self, transport: &str, reference: &Reference) -> (String, &[Requirement]) {
        if let Some((_, scopes)) = self.transports.iter().find(|(t, _)| t == transport) {
            for scope in reference.policy_scopes() {
                if let Some((s, rules)) = scopes.iter().find(|(s, _)| *s == scope) {
                    return (s.clone(), rules);
                }
            }
            if let Some((_, rules)) = scopes.iter().find(|(s, _)| s.is_empty()) {
                return (String::new(), rules);
            }
        }
        ("default".into(), &self.default)
    }

    /// Decides whether the image may run, at verification time `now`.
    pub fn evaluate(&self, backend: &dyn Backend, files: &dyn PolicyFiles, image: &ImageEvidence, now: UnixTime) -> Decision {
        let (scope, rules) = self.rules_for("docker", image.reference());
        let mut record = Decision::new(image.reference(), scope, now);
        let manifest_digest = match manifest_digest(backend, image) {
            Ok(d) => d,
            Err(e) => return record.refuse(alloc::format!("manifest: {e}")),
        };
        record.manifest_digest = Some(manifest_digest);
        if rules.is_empty() {
            return record.refuse("policy: empty requirement list".into());
        }
        for (i, req) in rules.iter().enumerate() {
            record.requirements.push(evaluate_requirement(backend, files, i, req, image, &manifest_digest, now));
        }
        record.finish()
    }
}

/// SHA-256 of the manifest, checked against the reference's digest. Schema 1 manifests (whose
/// digest excludes embedded JWS signatures) are refused.
fn manifest_digest(backend: &dyn Backend, image: &ImageEvidence) -> Result<OciDigest> {
    let m = image.manifest().ok_or(Error::MissingEvidence("image manifest"))?;
    let v: serde_json::Value =
        serde_json::from_slice(m).map_err(|e| Error::Json { what: "image manifest", detail: alloc::format!("{e}") })?;
    if v.get("schemaVersion").and_then(serde_json::Value::as_u64) != Some(2) {
        return Err(Error::Json { what: "image manifest", detail: "only schemaVersion 2 manifests are accepted".into() });
    }
    let digest = match image.reference().digest() {
        Some(d) => {
            d.verify(backend, m)?;
            *d
        }
        None => OciDigest::of(backend, HashAlgorithm::Sha256, m),
    };
    Ok(digest)
}

fn evaluate_requirement(
    backend: &dyn Backend,
    files: &dyn PolicyFiles,
    index: usize,
    req: &Requirement,
    image: &ImageEvidence,
    digest: &OciDigest,
    now: UnixTime,
) -> RequirementRecord {
    let mut rec = RequirementRecord { index, kind: req.kind(), satisfied: false, reason: String::new(), signatures: Vec::new() };
    match req {
        Requirement::InsecureAcceptAnything => {
            rec.satisfied = true;
            rec.reason = "accepts any image".into();
        }
        Requirement::Reject => rec.reason = "rejects every image".into(),
        Requirement::Unsupported { reason, .. } => rec.reason = reason.clone(),
        Requirement::Sigstore { signer, rekor_keys, identity, predicate_type } => {
            // Every configured verifier is loaded before any signature is tried.
            let trust = match load_trust(files, signer, rekor_keys) {
                Ok(t) => t,
                Err(e) => {
                    rec.reason = alloc::format!("trust configuration: {e}");
                    return rec;
                }
            };
            let items = image.items();
            let legacy: Vec<_> = if predicate_type.is_none() {
                items.iter().filter_map(|f| if let EvidenceItem::SimpleSigning(s) = &f.item { Some(s) } else { None }).collect()
            } else {
                Vec::new()
            };
            for (i, sig) in legacy.iter().enumerate() {
                let verdict = verify_stored(backend, sig, &trust, now).and_then(|v| {
                    // The payload's digest is checked with its own algorithm over the manifest bytes.
                    if !image.manifest().is_some_and(|m| v.payload.manifest_digest.matches(backend, m)) {
                        return Err(Error::ArtifactMismatch("signature is for another manifest digest"));
                    }
                    if !identity.matches(image.reference(), &v.payload.docker_reference) {
                        return Err(Error::IdentityMismatch {
                            got: v.payload.docker_reference.clone(),
                            want: alloc::format!("{identity:?} for {}", image.reference()),
                        });
                    }
                    Ok(v)
                });
                let accepted = verdict.is_ok();
                rec.signatures.push(SignatureRecord::from_verdict(i, verdict));
                if accepted {
                    rec.satisfied = true;
                    rec.reason = alloc::format!("signature {i} accepted");
                    return rec;
                }
            }
            let want = predicate_type.as_deref().unwrap_or(bundles::COSIGN_SIGN_PREDICATE);
            let legacy_atts: Vec<_> = if predicate_type.is_some() {
                items.iter().filter_map(|f| if let EvidenceItem::Attestation(s) = &f.item { Some(s) } else { None }).collect()
            } else {
                Vec::new()
            };
            let bundle_items: Vec<&[u8]> = items.iter().filter_map(|f| if let EvidenceItem::Bundle(b) = &f.item { Some(b.as_slice()) } else { None }).collect();
            let parsed = legacy_atts
                .iter()
                .map(|s| crate::cosign::attestation::to_bundle(s))
                .chain(bundle_items.iter().map(|j| crate::sigstore::Bundle::from_json(j)));
            for (j, bundle) in parsed.enumerate() {
                let i = legacy.len() + j;
                let verdict = bundle.and_then(|b| bundles::verify_image_bundle(backend, b, &trust, image, digest, identity, want, now));
                let accepted = verdict.is_ok();
                rec.signatures.push(SignatureRecord::from_verdict(i, verdict));
                if accepted {
                    rec.satisfied = true;
                    rec.reason = alloc::format!("signature {i} (Sigstore bundle or attestation {j}) accepted");
                    return rec;
                }
            }
            let non_signatures = legacy.iter().filter(|s| !s.is_simple_signing()).count();
            let considered = legacy.len() - non_signatures + legacy_atts.len() + bundle_items.len();
            let noun = if predicate_type.is_some() { "attestations" } else { "signatures" };
            rec.reason = if considered == 0 {
                alloc::format!("no {noun}")
            } else {
                alloc::format!("none of {considered} {noun} accepted (wanted {want})")
            };
        }
    }
    rec
}

fn load(files: &dyn PolicyFiles, m: &Material, max: usize) -> Result<Vec<u8>> {
    match m {
        Material::Path(p) => files.read(p, max),
        Material::Data(d) => Ok(d.clone()),
    }
}

fn pem_text(bytes: &[u8]) -> Result<&str> {
    core::str::from_utf8(bytes).map_err(|_| Error::Encoding { what: "policy key material".into(), encoding: "PEM" })
}

fn load_keys(files: &dyn PolicyFiles, ms: &[Material]) -> Result<Vec<PublicKey>> {
    let mut out = Vec::new();
    for m in ms {
        for b in pem_decode_all("policy public key", pem_text(&load(files, m, limits::MAX_KEY_FILE_BYTES)?)?)? {
            if b.label != "PUBLIC KEY" {
                return Err(Error::Encoding { what: alloc::format!("policy public key ({})", b.label), encoding: "PEM" });
            }
            out.push(PublicKey::from_spki_der("policy public key", &b.der)?);
        }
    }
    Ok(out)
}

fn load_certs(files: &dyn PolicyFiles, m: &Material) -> Result<Vec<Certificate>> {
    pem_decode_all("policy CA certificates", pem_text(&load(files, m, limits::MAX_KEY_FILE_BYTES)?)?)?
        .iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| Certificate::from_der("policy CA certificate", &b.der))
        .collect()
}

fn load_trust(files: &dyn PolicyFiles, signer: &SignerSpec, rekor: &[Material]) -> Result<SignatureTrust> {
    let signer = match signer {
        SignerSpec::Keys(ms) => SignerTrust::Keys(load_keys(files, ms)?),
        SignerSpec::Fulcio { ca, oidc_issuer, subject_email } => {
            SignerTrust::Fulcio { roots: load_certs(files, ca)?, oidc_issuer: oidc_issuer.clone(), subject_email: subject_email.clone() }
        }
        SignerSpec::Keyless { root, san, issuer } => {
            let backend = &crate::crypto::RUST_CRYPTO;
            let root = match root {
                RootSource::PublicGood => TrustedRoot::production(backend)?,
                RootSource::Staging => TrustedRoot::staging(backend)?,
                RootSource::File(m) => TrustedRoot::from_json(backend, &load(files, m, limits::MAX_TRUSTED_ROOT_BYTES)?)?,
            };
            let matcher = |(v, re): &(String, bool)| if *re { Matcher::regex(v) } else { Ok(Matcher::exact(v)) };
            let identity = CertificateIdentity::new(matcher(san)?, matcher(issuer)?);
            SignerTrust::Keyless(alloc::boxed::Box::new(KeylessTrust { root, identity }))
        }
        SignerSpec::Pki { roots, intermediates, subject_email, subject_hostname } => SignerTrust::Pki {
            roots: load_certs(files, roots)?,
            intermediates: intermediates.as_ref().map(|m| load_certs(files, m)).transpose()?.unwrap_or_default(),
            subject_email: subject_email.clone(),
            subject_hostname: subject_hostname.clone(),
        },
    };
    Ok(SignatureTrust { signer, rekor_keys: load_keys(files, rekor)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// Each scope in a policy is a `reject` requirement named by its scope via `Unsupported`,
    /// so the rule that applies can be read back.
    fn policy(scopes: &[&str]) -> Policy {
        let rule = |s: &str| alloc::vec![Requirement::Unsupported { kind: s.into(), reason: String::new() }];
        Policy {
            default: rule("default"),
            transports: alloc::vec![
                ("docker".into(), scopes.iter().map(|s| ((*s).to_string(), rule(s))).collect()),
                ("dir".into(), alloc::vec![(String::new(), rule("dir-default"))]),
            ],
        }
    }

    fn applies(p: &Policy, reference: &str) -> String {
        let (scope, rules) = p.rules_for("docker", &Reference::parse(reference).unwrap());
        assert_eq!(rules.first().map(Requirement::kind).unwrap_or_default(), if scope.is_empty() { String::new() } else { scope.clone() });
        scope
    }

    #[test]
    fn scope_precedence_most_specific_first() {
        let all = ["a.b.example.com:5000/ns/repo:tag", "a.b.example.com:5000/ns/repo", "a.b.example.com:5000/ns", "a.b.example.com:5000", "*.b.example.com", "*.example.com", "*.com", ""];
        let r = "a.b.example.com:5000/ns/repo:tag";
        // Positive: with every scope present, each rule wins over all less specific ones.
        for (i, winner) in all.iter().enumerate() {
            let p = policy(&all[i..]);
            assert_eq!(applies(&p, r), *winner, "with scopes {:?}", &all[i..]);
        }
        // Negative: scopes that do not cover the image never apply.
        let p = policy(&["a.b.example.com:5000/ns/repo:other", "a.b.example.com:5000/ns/rep", "a.b.example.com", "*.a.b.example.com", "*.org"]);
        assert_eq!(applies(&p, r), "default", "a port-less host, another tag, a prefix that is not a path component, a deeper wildcard");
        // The transport default applies before the global default; other transports never do.
        assert_eq!(applies(&policy(&[""]), r), "");
        let (scope, _) = policy(&[]).rules_for("oci", &Reference::parse(r).unwrap());
        assert_eq!(scope, "default");
        // A digest reference is matched by its name@digest scope, not by a tag scope.
        let d = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
        let by_digest = alloc::format!("example.com/app@{d}");
        assert_eq!(applies(&policy(&[&by_digest, "example.com/app:latest"]), &by_digest), by_digest);
        assert_eq!(applies(&policy(&["example.com/app:latest"]), &by_digest), "default");
    }
}
