//! containers-policy.json(5), as containers/image reads it (`policy_config.go`,
//! `policy_config_sigstore.go`), compiled into a [`CompiledPolicy`].
//!
//! Parsing is strict: unknown fields, duplicate keys and invalid combinations reject the whole
//! file. Unlike upstream, which reads key files when a requirement is evaluated, every file the
//! policy names is read when it is compiled: a missing or unreadable `keyPath` is a load error
//! naming the file, not a denial at the first decision. `signedBy` (GPG) and `signedBaseLayer`
//! parse, but evaluate to a rejection that says why.
//!
//! sealcheck adds, under clearly named new fields and without changing existing semantics:
//! `sigstoreSigned.sealcheckKeyless` (a key source: Sigstore keyless verification against a
//! trusted root, with exact or regexp SAN and issuer — container-libs#34 URI and workflow
//! identities). Every `sigstoreSigned` requirement also accepts cosign v3 bundles found as
//! referrers (container-libs#388), verified with the same trust. `sealcheckPredicateType`
//! turns a `sigstoreSigned` requirement into an attestation requirement: only a DSSE in-toto
//! attestation of that predicate type (legacy `.att` or a bundle referrer) satisfies it, and an
//! image without one is rejected (GHSA-vjxv-45g9-9296). `sealcheckIndexSignatures: true` also
//! accepts a signature over the image index that lists the manifest decided on (off by default:
//! containers/image checks signatures of the manifest it decides).

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use alloc::sync::Arc;

use super::{CompiledPolicy, IdentityRule, PolicyFiles, Requirement, Rule, SignatureRequirement};
use crate::crypto::{Backend, HashAlgorithm, KeyAlgorithm, PublicKey};
use crate::encoding::{base64_decode, pem_decode_all, StrictMap};
use crate::error::{Error, Input, Result};
use crate::limits::{MAX_KEY_FILE_BYTES, MAX_POLICY_BYTES, MAX_TRUSTED_ROOT_BYTES};
use crate::oci::Reference;
use crate::sigstore::identity::{CertificateIdentity, Matcher};
use crate::sigstore::trusted_root::{Authority, Embedded, LogKey, TrustedRoot, Window};
use crate::trust::{Signers, Thresholds, Trust, TrustedKey};
use crate::x509::{Certificate, KeyPurpose};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyJson {
    default: Option<Vec<RequirementJson>>,
    transports: Option<StrictMap<StrictMap<Vec<RequirementJson>>>>,
}

// Unit-like variants are written `{}` so that deny_unknown_fields applies to them too.
#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum RequirementJson {
    #[serde(rename = "insecureAcceptAnything")]
    InsecureAcceptAnything {},
    #[serde(rename = "reject")]
    Reject {},
    #[serde(rename = "signedBy", rename_all = "camelCase")]
    SignedBy {
        key_type: String,
        key_path: Option<String>,
        key_paths: Option<Vec<String>>,
        key_data: Option<String>,
        signed_identity: Option<IdentityJson>,
    },
    #[serde(rename = "signedBaseLayer", rename_all = "camelCase")]
    SignedBaseLayer { base_layer_identity: IdentityJson },
    #[serde(rename = "sigstoreSigned", rename_all = "camelCase")]
    SigstoreSigned {
        key_path: Option<String>,
        key_paths: Option<Vec<String>>,
        key_data: Option<String>,
        key_datas: Option<Vec<String>>,
        fulcio: Option<FulcioJson>,
        pki: Option<PkiJson>,
        rekor_public_key_path: Option<String>,
        rekor_public_key_paths: Option<Vec<String>>,
        rekor_public_key_data: Option<String>,
        rekor_public_key_datas: Option<Vec<String>>,
        signed_identity: Option<IdentityJson>,
        /// sealcheck extension: Sigstore keyless against a trusted root (URI SANs, regexps).
        sealcheck_keyless: Option<KeylessJson>,
        /// sealcheck extension: require an attestation of this in-toto predicate type.
        sealcheck_predicate_type: Option<String>,
        /// sealcheck extension: also accept a signature over the image index listing the manifest.
        sealcheck_index_signatures: Option<bool>,
    },
    /// sealcheck extension: a Notary signature, checked as one trust policy statement
    /// (`signatureVerification`, `trustStores`, `trustedIdentities` as in trustpolicy.json) with
    /// the trust stores' certificates and CRLs named here; the scope is this policy's.
    #[cfg(feature = "notation")]
    #[serde(rename = "sealcheckNotarySigned", rename_all = "camelCase")]
    SealcheckNotarySigned {
        signature_verification: super::notation::SignatureVerificationJson,
        trust_stores: Vec<String>,
        trusted_identities: Vec<String>,
        /// `type:name` → certificate files (PEM or DER).
        certificate_paths: Option<StrictMap<Vec<String>>>,
        /// `type:name` → base64 certificate files (PEM or DER).
        certificate_data: Option<StrictMap<Vec<String>>>,
        crl_paths: Option<Vec<String>>,
        crl_data: Option<Vec<String>>,
    },
    /// sealcheck extension: satisfied when any of `requirements` is.
    #[cfg(feature = "notation")]
    #[serde(rename = "sealcheckAnyOf")]
    SealcheckAnyOf { requirements: Vec<RequirementJson> },
}

/// `sealcheckKeyless`: `{trustedRoot: "public-good"|"staging" | trustedRootPath | trustedRootData,
/// subject | subjectRegexp, issuer | issuerRegexp}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeylessJson {
    trusted_root: Option<String>,
    trusted_root_path: Option<String>,
    trusted_root_data: Option<String>,
    subject: Option<String>,
    subject_regexp: Option<String>,
    issuer: Option<String>,
    issuer_regexp: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FulcioJson {
    ca_path: Option<String>,
    ca_data: Option<String>,
    oidc_issuer: Option<String>,
    subject_email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PkiJson {
    ca_roots_path: Option<String>,
    ca_roots_data: Option<String>,
    ca_intermediates_path: Option<String>,
    ca_intermediates_data: Option<String>,
    subject_email: Option<String>,
    subject_hostname: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum IdentityJson {
    #[serde(rename = "matchExact")]
    MatchExact {},
    #[serde(rename = "matchRepoDigestOrExact")]
    MatchRepoDigestOrExact {},
    #[serde(rename = "matchRepository")]
    MatchRepository {},
    #[serde(rename = "exactReference", rename_all = "camelCase")]
    ExactReference { docker_reference: String },
    #[serde(rename = "exactRepository", rename_all = "camelCase")]
    ExactRepository { docker_repository: String },
    #[serde(rename = "remapIdentity", rename_all = "camelCase")]
    RemapIdentity { prefix: String, signed_prefix: String },
    #[serde(rename = "sealcheckMatchDigest")]
    SealcheckMatchDigest {},
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::Json { what: "containers-policy.json", detail: msg.into() }
}

fn identity(j: IdentityJson) -> Result<IdentityRule> {
    Ok(match j {
        IdentityJson::MatchExact {} => IdentityRule::MatchExact,
        IdentityJson::MatchRepoDigestOrExact {} => IdentityRule::MatchRepoDigestOrExact,
        IdentityJson::MatchRepository {} => IdentityRule::MatchRepository,
        IdentityJson::ExactReference { docker_reference } => {
            let r = Reference::parse(&docker_reference)
                .map_err(|_| invalid(alloc::format!("exactReference: invalid reference {docker_reference:?}")))?;
            if r.tag().is_none() && r.digest().is_none() {
                return Err(invalid("exactReference: the reference needs a tag or digest"));
            }
            IdentityRule::ExactReference { reference: docker_reference }
        }
        IdentityJson::ExactRepository { docker_repository } => {
            Reference::parse(&docker_repository)
                .map_err(|_| invalid(alloc::format!("exactRepository: invalid repository {docker_repository:?}")))?;
            IdentityRule::ExactRepository { repository: docker_repository }
        }
        IdentityJson::RemapIdentity { prefix, signed_prefix } => {
            for p in [&prefix, &signed_prefix] {
                if !valid_prefix(p) {
                    return Err(invalid(alloc::format!("remapIdentity: invalid prefix {p:?}")));
                }
            }
            IdentityRule::RemapIdentity { prefix, signed_prefix }
        }
        IdentityJson::SealcheckMatchDigest {} => IdentityRule::MatchDigest,
    })
}

/// A remapIdentity prefix (`validateIdentityRemappingPrefix`): exactly a domain (host[:port]),
/// or a name in the reference grammar whose first component is a domain. As upstream, this does
/// not reject every prefix that can never match (`ns/shortname`); such a prefix fails to remap.
fn valid_prefix(p: &str) -> bool {
    use crate::oci::reference::{is_domain, split_name};
    is_domain(p) || (split_name(p).is_some() && p.split_once('/').is_some_and(|(first, _)| is_domain(first)))
}

/// Where key or certificate material comes from: a file (read at compile time), or inline
/// base64 data.
enum Source {
    Path(String),
    Data(String),
}

impl Source {
    fn name(&self, field: &str) -> String {
        match self {
            Self::Path(p) => alloc::format!("{field} {p}"),
            Self::Data(_) => String::from(field),
        }
    }
}

fn non_empty<T>(what: &str, v: Vec<T>) -> Result<Vec<T>> {
    if v.is_empty() { Err(invalid(alloc::format!("{what} is empty"))) } else { Ok(v) }
}

/// One of `path`, `paths`, `data`, `datas` (at most one may be given; `what` names the group).
fn sources(what: &str, path: Option<String>, paths: Option<Vec<String>>, data: Option<String>, datas: Option<Vec<String>>) -> Result<Option<Vec<Source>>> {
    Ok(match (path, paths, data, datas) {
        (None, None, None, None) => None,
        (Some(p), None, None, None) => Some(alloc::vec![Source::Path(p)]),
        (None, Some(ps), None, None) => Some(non_empty(&alloc::format!("{what}Paths"), ps)?.into_iter().map(Source::Path).collect()),
        (None, None, Some(d), None) => Some(alloc::vec![Source::Data(d)]),
        (None, None, None, Some(ds)) => Some(non_empty(&alloc::format!("{what}Datas"), ds)?.into_iter().map(Source::Data).collect()),
        _ => return Err(invalid(alloc::format!("sigstoreSigned: only one of {what}Path, {what}Paths, {what}Data, {what}Datas may be given"))),
    })
}

/// Reads what a policy names, and prepares it (keys parsed, certificates parsed and anchored).
/// Without `files`, it only validates: every shape check runs, nothing is read, no trust is
/// built.
struct Loader<'a> {
    files: Option<&'a dyn PolicyFiles>,
    backend: &'a dyn Backend,
}

impl Loader<'_> {
    fn bytes(&self, field: &str, src: &Source, max: usize) -> Result<Vec<u8>> {
        match (src, self.files) {
            (Source::Path(p), Some(files)) => files.read(p, max),
            (Source::Path(p), None) => Err(Error::Usage(alloc::format!("{field} {p}: not read while validating"))),
            (Source::Data(d), _) => base64_decode(field, d),
        }
    }

    fn pem<'b>(&self, field: &str, src: &Source, bytes: &'b [u8]) -> Result<&'b str> {
        core::str::from_utf8(bytes).map_err(|_| Error::Encoding { what: src.name(field), encoding: "PEM" })
    }

    fn keys(&self, field: &str, srcs: &[Source]) -> Result<Vec<PublicKey>> {
        let mut out = Vec::new();
        for src in srcs {
            let what = src.name(field);
            let bytes = self.bytes(field, src, MAX_KEY_FILE_BYTES)?;
            let blocks = pem_decode_all(&what, self.pem(field, src, &bytes)?)?;
            if blocks.is_empty() {
                return Err(Error::Encoding { what, encoding: "PEM (no public key)" });
            }
            for b in blocks {
                if b.label != "PUBLIC KEY" {
                    return Err(Error::Encoding { what: alloc::format!("{what} ({})", b.label), encoding: "PEM public key" });
                }
                out.push(PublicKey::from_spki_der(&what, &b.der)?);
            }
        }
        Ok(out)
    }

    fn certificates(&self, field: &str, src: &Source) -> Result<Vec<Certificate>> {
        let what = src.name(field);
        let bytes = self.bytes(field, src, MAX_KEY_FILE_BYTES)?;
        let certs: Vec<Certificate> = pem_decode_all(&what, self.pem(field, src, &bytes)?)
            ?
            .iter()
            .filter(|b| b.label == "CERTIFICATE")
            .map(|b| Certificate::from_der(&what, &b.der))
            .collect::<Result<_>>()
            ?;
        if certs.is_empty() {
            return Err(Error::Encoding { what, encoding: "PEM (no certificate)" });
        }
        Ok(certs)
    }

    /// Each certificate of a CA file is a trust anchor of its own (containers/image adds them
    /// all to the root pool).
    fn anchors(&self, field: &str, src: &Source) -> Result<Vec<Authority>> {
        let what = src.name(field);
        self.certificates(field, src)?
            .into_iter()
            .map(|c| Authority::new(self.backend, what.clone(), alloc::vec![c], Window::ALWAYS))
            .collect()
    }

    fn rekor_logs(&self, srcs: &[Source]) -> Result<Vec<LogKey>> {
        let keys = self.keys("rekorPublicKey", srcs)?;
        // prepareTrustRoot: Rekor keys must be ECDSA.
        if let Some(k) = keys.iter().find(|k| !matches!(k.algorithm(), KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384)) {
            return Err(invalid(alloc::format!("sigstoreSigned: Rekor public keys must be ECDSA, not {:?}", k.algorithm())));
        }
        Ok(keys.into_iter().map(|k| LogKey::from_key(self.backend, k)).collect())
    }

    #[cfg(feature = "notation")]
    /// `sealcheckNotarySigned`: the statement is validated as a trustpolicy.json statement
    /// would be (scope `*`, which this policy's scope replaces); the stores are loaded from the
    /// files named.
    #[allow(clippy::too_many_arguments)]
    fn notary(
        &self,
        signature_verification: super::notation::SignatureVerificationJson,
        trust_stores: Vec<String>,
        trusted_identities: Vec<String>,
        paths: Option<StrictMap<Vec<String>>>,
        data: Option<StrictMap<Vec<String>>>,
        crl_paths: Option<Vec<String>>,
        crl_data: Option<Vec<String>>,
    ) -> Result<Option<Requirement>> {
        use crate::notation::trustpolicy::{DocumentKind, TrustPolicyDocument};
        let signature_verification = signature_verification.to_value();
        if signature_verification.get("level").and_then(serde_json::Value::as_str) == Some("skip") {
            return Err(invalid("sealcheckNotarySigned: level skip verifies nothing (use insecureAcceptAnything)"));
        }
        let doc = serde_json::json!({"version": "1.0", "trustPolicies": [{"name": "sealcheckNotarySigned", "registryScopes": ["*"],
            "signatureVerification": signature_verification, "trustStores": trust_stores, "trustedIdentities": trusted_identities}]});
        let doc = TrustPolicyDocument::parse(&serde_json::to_vec(&doc).map_err(|e| invalid(alloc::format!("{e}")))?, DocumentKind::Oci)
            .map_err(|e| match e {
                Error::Json { detail, .. } => invalid(alloc::format!("sealcheckNotarySigned: {detail}")),
                e => e,
            })?;
        let statement = doc.statements.into_iter().next().ok_or_else(|| invalid("sealcheckNotarySigned: no statement"))?;
        let mut sources: Vec<(String, Source)> = Vec::new();
        for (named, list) in paths.map(|m| m.0).unwrap_or_default() {
            sources.extend(list.into_iter().map(|p| (named.clone(), Source::Path(p))));
        }
        for (named, list) in data.map(|m| m.0).unwrap_or_default() {
            sources.extend(list.into_iter().map(|d| (named.clone(), Source::Data(d))));
        }
        for s in &statement.trust_stores {
            let named = alloc::format!("{}:{}", s.kind.name(), s.name);
            if !sources.iter().any(|(n, _)| *n == named) {
                return Err(invalid(alloc::format!("sealcheckNotarySigned: trust store {named:?} has no certificatePaths or certificateData")));
            }
        }
        let crls: Vec<Source> = crl_paths.unwrap_or_default().into_iter().map(Source::Path).chain(crl_data.unwrap_or_default().into_iter().map(Source::Data)).collect();
        if self.files.is_none() {
            return Ok(None);
        }
        let mut store = crate::notation::truststore::TrustStore::new();
        for (named, src) in &sources {
            let (kind, name) = named
                .split_once(':')
                .and_then(|(k, n)| crate::notation::trustpolicy::StoreType::from_name(k).map(|k| (k, n)))
                .ok_or_else(|| invalid(alloc::format!("sealcheckNotarySigned: {named:?} is not a trust store type:name")))?;
            let bytes = self.bytes("certificate", src, MAX_KEY_FILE_BYTES)?;
            store.add_file(self.backend, kind, name, &bytes, &src.name("sealcheckNotarySigned certificate"))?;
        }
        let mut all = Vec::new();
        for src in &crls {
            let bytes = self.bytes("crl", src, crate::limits::MAX_CRL_BYTES)?;
            all.extend(crate::notation::crl::Crl::parse_file(&src.name("sealcheckNotarySigned CRL"), &bytes)?);
        }
        Ok(Some(Requirement::Notary(super::notation::NotaryRequirement {
            statement,
            store: Arc::new(store),
            crls: Arc::new(crate::notation::crl::CrlSet::new(all)),
        })))
    }

    /// The requirement; `None` when only validating.
    fn requirement(&self, j: RequirementJson) -> Result<Option<Requirement>> {
        Ok(Some(match j {
            #[cfg(feature = "notation")]
            RequirementJson::SealcheckNotarySigned { signature_verification, trust_stores, trusted_identities, certificate_paths, certificate_data, crl_paths, crl_data } => {
                return self.notary(signature_verification, trust_stores, trusted_identities, certificate_paths, certificate_data, crl_paths, crl_data);
            }
            #[cfg(feature = "notation")]
            RequirementJson::SealcheckAnyOf { requirements } => {
                if requirements.is_empty() {
                    return Err(invalid("sealcheckAnyOf: requirements must not be empty"));
                }
                let reqs = requirements.into_iter().map(|r| self.requirement(r)).collect::<Result<Vec<_>>>()?;
                match reqs.into_iter().collect::<Option<Vec<_>>>() {
                    Some(reqs) => Requirement::AnyOf(reqs),
                    None => return Ok(None),
                }
            }
            RequirementJson::InsecureAcceptAnything {} => Requirement::InsecureAcceptAnything,
            RequirementJson::Reject {} => Requirement::Reject,
            RequirementJson::SignedBy { key_type, key_path, key_paths, key_data, signed_identity } => {
                if !matches!(key_type.as_str(), "GPGKeys" | "signedByGPGKeys" | "X509Certificates" | "signedByX509CAs") {
                    return Err(invalid(alloc::format!("signedBy: unknown keyType {key_type:?}")));
                }
                let n = usize::from(key_path.is_some()) + usize::from(key_paths.is_some()) + usize::from(key_data.is_some());
                if n != 1 {
                    return Err(invalid("signedBy: exactly one of keyPath, keyPaths, keyData is required"));
                }
                if key_paths.is_some_and(|p| p.is_empty()) {
                    return Err(invalid("signedBy: keyPaths is empty"));
                }
                signed_identity.map(identity).transpose()?;
                Requirement::Unsupported {
                    kind: "signedBy".into(),
                    reason: "GPG signatures are not supported (signedBy); use sigstoreSigned".into(),
                }
            }
            RequirementJson::SignedBaseLayer { base_layer_identity } => {
                identity(base_layer_identity)?;
                Requirement::Unsupported { kind: "signedBaseLayer".into(), reason: "signedBaseLayer is not implemented (as upstream)".into() }
            }
            RequirementJson::SigstoreSigned {
                key_path,
                key_paths,
                key_data,
                key_datas,
                fulcio,
                pki,
                rekor_public_key_path,
                rekor_public_key_paths,
                rekor_public_key_data,
                rekor_public_key_datas,
                signed_identity,
                sealcheck_keyless,
                sealcheck_predicate_type,
                sealcheck_index_signatures,
            } => {
                let keys = sources("key", key_path, key_paths, key_data, key_datas)?;
                let rekor = sources("rekorPublicKey", rekor_public_key_path, rekor_public_key_paths, rekor_public_key_data, rekor_public_key_datas)?;
                let given = usize::from(keys.is_some()) + usize::from(fulcio.is_some()) + usize::from(pki.is_some()) + usize::from(sealcheck_keyless.is_some());
                match given {
                    0 => return Err(invalid("sigstoreSigned key source (keyPath/keyPaths/keyData/keyDatas/fulcio/pki): one source is required")),
                    1 => {}
                    _ => return Err(invalid("sigstoreSigned key source (keyPath/keyPaths/keyData/keyDatas/fulcio/pki): only one source may be given")),
                }
                // Validate the shape of everything before reading any file.
                if fulcio.is_some() && rekor.is_none() {
                    return Err(invalid("sigstoreSigned: fulcio requires a Rekor public key"));
                }
                if pki.is_some() && rekor.is_some() {
                    return Err(invalid("sigstoreSigned: pki cannot be combined with Rekor keys"));
                }
                if sealcheck_keyless.is_some() && rekor.is_some() {
                    return Err(invalid("sigstoreSigned: sealcheckKeyless takes its Rekor logs from the trusted root"));
                }
                let identity = signed_identity.map(identity).transpose()?.unwrap_or(IdentityRule::MatchRepoDigestOrExact);
                if sealcheck_predicate_type.as_deref().is_some_and(str::is_empty) {
                    return Err(invalid("sigstoreSigned: sealcheckPredicateType is empty"));
                }
                let validating = self.files.is_none();
                let rekor_logs = if validating { Vec::new() } else { rekor.as_deref().map(|r| self.rekor_logs(r)).transpose()?.unwrap_or_default() };
                let trust = if let Some(k) = keys {
                    if validating {
                        return Ok(None);
                    }
                    let keys = self.keys("key", &k)?.into_iter().map(|k| TrustedKey::new(self.backend, k)).collect();
                    // A Rekor key makes a SET from it required; without one, none is read (as
                    // containers/image ignores Rekor evidence then).
                    let tlog = usize::from(!rekor_logs.is_empty());
                    Some(Trust::new(
                        Arc::new(TrustedRoot::from_parts(rekor_logs, Vec::new(), Vec::new(), Vec::new())),
                        Signers::Keys(keys),
                        Thresholds { tlog, ctlog: 0, timestamps: 0 },
                    ))
                } else if let Some(f) = fulcio {
                    self.fulcio(f, rekor_logs)?
                } else if let Some(p) = pki {
                    self.pki(p)?
                } else if let Some(k) = sealcheck_keyless {
                    self.keyless(k)?
                } else {
                    return Err(invalid("sigstoreSigned: no key source"));
                };
                let Some(trust) = trust else { return Ok(None) };
                Requirement::Signed(SignatureRequirement {
                    trust,
                    identity,
                    predicate_type: sealcheck_predicate_type,
                    index_signatures: sealcheck_index_signatures.unwrap_or(false),
                })
            }
        }))
    }

    /// `fulcio`: certificates from the CA file, validated at the Rekor SET time, with this OIDC
    /// issuer and SAN email; SCTs are not checked (containers/image does not).
    fn fulcio(&self, f: FulcioJson, rekor: Vec<LogKey>) -> Result<Option<Trust>> {
        let ca = match (f.ca_path, f.ca_data) {
            (Some(p), None) => Source::Path(p),
            (None, Some(d)) => Source::Data(d),
            (None, None) => return Err(invalid("fulcio CA (caPath/caData): one source is required")),
            _ => return Err(invalid("fulcio CA (caPath/caData): only one source may be given")),
        };
        let oidc_issuer = f.oidc_issuer.filter(|s| !s.is_empty()).ok_or_else(|| invalid("fulcio: oidcIssuer is required"))?;
        let subject_email = f.subject_email.filter(|s| !s.is_empty()).ok_or_else(|| invalid("fulcio: subjectEmail is required"))?;
        if self.files.is_none() {
            return Ok(None);
        }
        let cas = self.anchors("fulcio ca", &ca)?;
        Ok(Some(Trust::new(
            Arc::new(TrustedRoot::from_parts(rekor, Vec::new(), cas, Vec::new())),
            Signers::Certificate(CertificateIdentity::email(&subject_email, &oidc_issuer)),
            Thresholds { tlog: 1, ctlog: 0, timestamps: 1 },
        )))
    }

    /// `pki`: certificates chaining to the root file (through the intermediates file, or the
    /// signature's chain), validated at the verification time, with a SAN email and/or hostname.
    fn pki(&self, p: PkiJson) -> Result<Option<Trust>> {
        let roots = match (p.ca_roots_path, p.ca_roots_data) {
            (Some(x), None) => Source::Path(x),
            (None, Some(d)) => Source::Data(d),
            (None, None) => return Err(invalid("pki roots (caRootsPath/caRootsData): one source is required")),
            _ => return Err(invalid("pki roots (caRootsPath/caRootsData): only one source may be given")),
        };
        let intermediates = match (p.ca_intermediates_path, p.ca_intermediates_data) {
            (None, None) => None,
            (Some(x), None) => Some(Source::Path(x)),
            (None, Some(d)) => Some(Source::Data(d)),
            _ => return Err(invalid("pki: only one of caIntermediatesPath, caIntermediatesData may be given")),
        };
        if p.subject_email.is_none() && p.subject_hostname.is_none() {
            return Err(invalid("pki: at least one of subjectEmail, subjectHostname is required"));
        }
        let identity = CertificateIdentity::pki(p.subject_email.as_deref(), p.subject_hostname.as_deref())?;
        if self.files.is_none() {
            return Ok(None);
        }
        let cas = self.anchors("pki caRoots", &roots)?;
        let intermediates = intermediates.map(|s| self.certificates("pki caIntermediates", &s)).transpose()?.unwrap_or_default();
        let root = TrustedRoot::from_parts(Vec::new(), Vec::new(), cas, Vec::new())
            .with_leaf_purpose(KeyPurpose::CodeSigningUnlessUnrestricted)
            .with_intermediates(intermediates);
        Ok(Some(Trust::new(Arc::new(root), Signers::Certificate(identity), Thresholds { tlog: 0, ctlog: 0, timestamps: 0 })))
    }

    /// `sealcheckKeyless`: a Sigstore trusted root, with the default Sigstore thresholds.
    fn keyless(&self, k: KeylessJson) -> Result<Option<Trust>> {
        let named = k.trusted_root.map(|n| match n.as_str() {
            "public-good" => Ok(Embedded::PublicGood),
            "staging" => Ok(Embedded::Staging),
            _ => Err(invalid(alloc::format!("sealcheckKeyless: unknown trustedRoot {n:?} (public-good or staging)"))),
        });
        let given = usize::from(named.is_some()) + usize::from(k.trusted_root_path.is_some()) + usize::from(k.trusted_root_data.is_some());
        if given != 1 {
            return Err(invalid("sealcheckKeyless trusted root (trustedRoot/trustedRootPath/trustedRootData): exactly one source is required"));
        }
        let pair = |what: &str, exact: Option<String>, re: Option<String>| -> Result<Matcher> {
            match (exact, re) {
                (Some(v), None) if !v.is_empty() => Ok(Matcher::exact(&v)),
                (None, Some(v)) if !v.is_empty() => Matcher::regex(&v),
                (Some(_), None) | (None, Some(_)) => Err(invalid(alloc::format!("{what} is empty"))),
                (None, None) => Err(invalid(alloc::format!("{what}: one source is required"))),
                _ => Err(invalid(alloc::format!("{what}: only one source may be given"))),
            }
        };
        let identity = CertificateIdentity::new(
            pair("sealcheckKeyless subject", k.subject, k.subject_regexp)?,
            pair("sealcheckKeyless issuer", k.issuer, k.issuer_regexp)?,
        );
        if self.files.is_none() {
            return named.transpose().map(|_| None);
        }
        let root = match (named, k.trusted_root_path, k.trusted_root_data) {
            (Some(which), _, _) => TrustedRoot::embedded(which?)?,
            (None, path, data) => {
                let src = path.map_or_else(|| Source::Data(data.unwrap_or_default()), Source::Path);
                let bytes = self.bytes("trustedRootData", &src, MAX_TRUSTED_ROOT_BYTES)?;
                let what = src.name("sealcheckKeyless trustedRoot");
                Arc::new(TrustedRoot::from_json(&bytes, self.backend).map_err(|e| e.loading(Input::TrustedRoot, what))?)
            }
        };
        Ok(Some(Trust::new(root, Signers::Certificate(identity), Thresholds::default())))
    }
}

/// The rule, or `None` when only validating.
fn rules(loader: &Loader<'_>, what: &str, list: Vec<RequirementJson>) -> Result<Option<Rule>> {
    if list.is_empty() {
        return Err(invalid(alloc::format!("{what}: a requirement list must not be empty")));
    }
    let reqs = list.into_iter().map(|r| loader.requirement(r)).collect::<Result<Vec<_>>>()?;
    reqs.into_iter().collect::<Option<Vec<_>>>().map(Rule::new).transpose()
}

/// Compiles a containers-policy.json: parsed strictly, every file it names read (with `files`)
/// and every key, certificate, trusted root and regexp prepared. Any failure is an
/// [`Error::Config`] naming what did not load.
pub fn compile(bytes: &[u8], files: &dyn PolicyFiles, backend: &dyn Backend) -> Result<CompiledPolicy> {
    load(bytes, Some(files), backend)?.ok_or_else(|| invalid("a requirement was not compiled").loading(Input::Policy, "policy"))
}

/// Validates a containers-policy.json as strictly as [`compile`], without reading the files it
/// names (as containers/image parses a policy before any evaluation reads its keys).
pub fn validate(bytes: &[u8], backend: &dyn Backend) -> Result<()> {
    load(bytes, None, backend).map(|_| ())
}

fn load(bytes: &[u8], files: Option<&dyn PolicyFiles>, backend: &dyn Backend) -> Result<Option<CompiledPolicy>> {
    let load = || -> Result<Option<CompiledPolicy>> {
        crate::limits::check("containers-policy.json", bytes.len(), MAX_POLICY_BYTES)?;
        let p: PolicyJson = serde_json::from_slice(bytes).map_err(|e| invalid(alloc::format!("{e}")))?;
        let loader = Loader { files, backend };
        let default = rules(&loader, "default", p.default.ok_or_else(|| invalid("\"default\" is required"))?)?;
        let mut transports = Vec::new();
        for (t, scopes) in p.transports.map(|m| m.0).unwrap_or_default() {
            let mut out = Vec::new();
            for (scope, list) in scopes.0 {
                if matches!(t.as_str(), "dir" | "oci" | "oci-archive" | "sif") && (scope == "/" || (!scope.is_empty() && !scope.starts_with('/'))) {
                    return Err(invalid(alloc::format!("transport {t}: scope {scope:?} must be an absolute path other than \"/\"")));
                }
                let rule = rules(&loader, &alloc::format!("transport {t} scope {scope:?}"), list)?;
                out.push((scope, rule));
            }
            transports.push((t, out));
        }
        let mut digest = [0u8; 32];
        digest.copy_from_slice(backend.digest(HashAlgorithm::Sha256, bytes).as_bytes());
        Ok(default.zip(transports.into_iter().map(|(t, scopes)| scopes.into_iter().map(|(s, r)| r.map(|r| (s, r))).collect::<Option<Vec<_>>>().map(|s| (t, s))).collect::<Option<Vec<_>>>())
            .map(|(default, transports)| CompiledPolicy::new(default, transports, digest)))
    };
    load().map_err(|e| e.loading(Input::Policy, "policy"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `validateIdentityRemappingPrefix` accepts a domain, or a name starting with a domain.
    #[test]
    fn remap_prefixes() {
        for ok in ["docker.io", "docker.io/library", "quay.io:5000/ns/repo", "localhost", "example", "Example.com/ns", "ns/shortname", "a.b.c"] {
            assert!(valid_prefix(ok), "{ok}");
        }
        for bad in ["docker.io/", "/ns", "a@b", "quay.io/ns:tag", "*.example.com", "a_b/ns", "quay.io/Upper", "", "[::1]/x", "a//b"] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }

    fn from_json(bytes: &[u8]) -> Result<()> {
        validate(bytes, crate::crypto::CryptoProvider::default().backend())
    }

    #[test]
    fn strictness() {
        assert!(from_json(br#"{"default":[{"type":"reject"}]}"#).is_ok());
        for bad in [
            &br#"{}"#[..],
            br#"{"default":[]}"#,
            br#"{"default":[{"type":"reject"}],"extra":1}"#,
            br#"{"default":[{"type":"reject","x":1}]}"#,
            br#"{"default":[{"type":"reject"}],"default":[{"type":"reject"}]}"#,
            br#"{"default":[{"type":"reject"}],"transports":{"docker":{"a":[{"type":"reject"}],"a":[{"type":"reject"}]}}}"#,
            br#"{"default":[{"type":"sigstoreSigned"}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPath":"/a","keyData":"AA=="}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","fulcio":{"caPath":"/a","oidcIssuer":"i","subjectEmail":"e"}}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","pki":{"caRootsPath":"/a"}}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPaths":[]}]}"#,
            br#"{"default":[{"type":"nope"}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"docker.io/","signedPrefix":"quay.io"}}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"a@b","signedPrefix":"quay.io"}}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"*.example.com","signedPrefix":"quay.io"}}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io/ns:tag","signedPrefix":"quay.io"}}]}"#,
            br#"{"default":[{"type":"sigstoreSigned","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"a_b/ns","signedPrefix":"quay.io"}}]}"#,
        ] {
            assert!(from_json(bad).is_err(), "{}", core::str::from_utf8(bad).unwrap());
        }
    }
}
