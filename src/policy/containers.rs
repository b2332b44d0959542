//! containers-policy.json(5), as containers/image reads it (`policy_config.go`,
//! `policy_config_sigstore.go`), compiled into the internal [`Policy`].
//!
//! Parsing is strict: unknown fields, duplicate keys and invalid combinations reject the whole
//! file. Key files are not read here (upstream reads them when a requirement is evaluated).
//! `signedBy` (GPG) and `signedBaseLayer` parse, but evaluate to a rejection that says why.
//!
//! sealcheck adds, under clearly named new fields and without changing existing semantics:
//! `sigstoreSigned.sealcheckKeyless` (a key source: Sigstore keyless verification against a
//! trusted root, with exact or regexp SAN and issuer — container-libs#34 URI and workflow
//! identities). Every `sigstoreSigned` requirement also accepts cosign v3 bundles found as
//! referrers (container-libs#388), verified with the same trust. `sealcheckPredicateType`
//! turns a `sigstoreSigned` requirement into an attestation requirement: only a DSSE in-toto
//! attestation of that predicate type (legacy `.att` or a bundle referrer) satisfies it, and an
//! image without one is rejected (GHSA-vjxv-45g9-9296).

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{IdentityRule, Material, Policy, Requirement, RootSource, SignerSpec};
use crate::encoding::base64_decode;
use crate::error::{Error, Result};
use crate::oci::Reference;

/// Largest policy file accepted.
const MAX_POLICY_BYTES: usize = 1024 * 1024;

/// A JSON object whose duplicate keys are an error, in document order.
struct StrictMap<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for StrictMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = StrictMap<V>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> core::result::Result<StrictMap<V>, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    if out.iter().any(|(e, _)| *e == k) {
                        return Err(serde::de::Error::custom(alloc::format!("duplicate key {k:?}")));
                    }
                    out.push((k, m.next_value()?));
                }
                Ok(StrictMap(out))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

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
    },
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
    })
}

/// A remapIdentity prefix (`validateIdentityRemappingPrefix`): exactly a domain (host[:port]),
/// or a name in the reference grammar whose first component is a domain. As upstream, this does
/// not reject every prefix that can never match (`ns/shortname`); such a prefix fails to remap.
fn valid_prefix(p: &str) -> bool {
    use crate::oci::reference::{is_domain, split_name};
    is_domain(p) || (split_name(p).is_some() && p.split_once('/').is_some_and(|(first, _)| is_domain(first)))
}

/// Exactly one of the given options set; `what` names the group for errors.
fn exactly_one<T>(what: &str, opts: Vec<Option<T>>) -> Result<T> {
    let mut set: Vec<T> = opts.into_iter().flatten().collect();
    match (set.pop(), set.is_empty()) {
        (Some(v), true) => Ok(v),
        (None, _) => Err(invalid(alloc::format!("{what}: one source is required"))),
        _ => Err(invalid(alloc::format!("{what}: only one source may be given"))),
    }
}

fn data(what: &str, b64: &str) -> Result<Material> {
    Ok(Material::Data(base64_decode(what, b64)?))
}

fn non_empty<T>(what: &str, v: Vec<T>) -> Result<Vec<T>> {
    if v.is_empty() { Err(invalid(alloc::format!("{what} is empty"))) } else { Ok(v) }
}

fn requirement(j: RequirementJson) -> Result<Requirement> {
    Ok(match j {
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
        } => {
            let keys: Option<Result<Vec<Material>>> = match (key_path, key_paths, key_data, key_datas) {
                (None, None, None, None) => None,
                (Some(p), None, None, None) => Some(Ok(alloc::vec![Material::Path(p)])),
                (None, Some(ps), None, None) => Some(non_empty("keyPaths", ps).map(|ps| ps.into_iter().map(Material::Path).collect())),
                (None, None, Some(d), None) => Some(data("keyData", &d).map(|m| alloc::vec![m])),
                (None, None, None, Some(ds)) => {
                    Some(non_empty("keyDatas", ds).and_then(|ds| ds.iter().map(|d| data("keyDatas", d)).collect()))
                }
                _ => return Err(invalid("sigstoreSigned: only one of keyPath, keyPaths, keyData, keyDatas may be given")),
            };
            let signer = exactly_one(
                "sigstoreSigned key source (keyPath/keyPaths/keyData/keyDatas/fulcio/pki)",
                alloc::vec![
                    keys.map(|k| k.map(SignerSpec::Keys)),
                    fulcio.map(fulcio_spec),
                    pki.map(pki_spec),
                    sealcheck_keyless.map(keyless_spec)
                ],
            )??;
            let rekor = match (rekor_public_key_path, rekor_public_key_paths, rekor_public_key_data, rekor_public_key_datas) {
                (None, None, None, None) => Vec::new(),
                (Some(p), None, None, None) => alloc::vec![Material::Path(p)],
                (None, Some(ps), None, None) => non_empty("rekorPublicKeyPaths", ps)?.into_iter().map(Material::Path).collect(),
                (None, None, Some(d), None) => alloc::vec![data("rekorPublicKeyData", &d)?],
                (None, None, None, Some(ds)) => {
                    non_empty("rekorPublicKeyDatas", ds)?.iter().map(|d| data("rekorPublicKeyDatas", d)).collect::<Result<_>>()?
                }
                _ => return Err(invalid("sigstoreSigned: only one of rekorPublicKeyPath(s)/rekorPublicKeyData(s) may be given")),
            };
            match &signer {
                SignerSpec::Fulcio { .. } if rekor.is_empty() => return Err(invalid("sigstoreSigned: fulcio requires a Rekor public key")),
                SignerSpec::Pki { .. } if !rekor.is_empty() => {
                    return Err(invalid("sigstoreSigned: pki cannot be combined with Rekor keys"));
                }
                SignerSpec::Keyless { .. } if !rekor.is_empty() => {
                    return Err(invalid("sigstoreSigned: sealcheckKeyless takes its Rekor logs from the trusted root"));
                }
                _ => {}
            }
            let identity = signed_identity.map(identity).transpose()?.unwrap_or(IdentityRule::MatchRepoDigestOrExact);
            if sealcheck_predicate_type.as_deref().is_some_and(str::is_empty) {
                return Err(invalid("sigstoreSigned: sealcheckPredicateType is empty"));
            }
            Requirement::Sigstore { signer, rekor_keys: rekor, identity, predicate_type: sealcheck_predicate_type }
        }
    })
}

fn fulcio_spec(f: FulcioJson) -> Result<SignerSpec> {
    let ca = exactly_one(
        "fulcio CA (caPath/caData)",
        alloc::vec![f.ca_path.map(|p| Ok(Material::Path(p))), f.ca_data.map(|d| data("fulcio caData", &d))],
    )??;
    let oidc_issuer = f.oidc_issuer.filter(|s| !s.is_empty()).ok_or_else(|| invalid("fulcio: oidcIssuer is required"))?;
    let subject_email = f.subject_email.filter(|s| !s.is_empty()).ok_or_else(|| invalid("fulcio: subjectEmail is required"))?;
    Ok(SignerSpec::Fulcio { ca, oidc_issuer, subject_email })
}

fn keyless_spec(k: KeylessJson) -> Result<SignerSpec> {
    let named = k.trusted_root.map(|n| match n.as_str() {
        "public-good" => Ok(RootSource::PublicGood),
        "staging" => Ok(RootSource::Staging),
        _ => Err(invalid(alloc::format!("sealcheckKeyless: unknown trustedRoot {n:?} (public-good or staging)"))),
    });
    let root = exactly_one(
        "sealcheckKeyless trusted root (trustedRoot/trustedRootPath/trustedRootData)",
        alloc::vec![
            named,
            k.trusted_root_path.map(|p| Ok(RootSource::File(Material::Path(p)))),
            k.trusted_root_data.map(|d| data("trustedRootData", &d).map(RootSource::File))
        ],
    )??;
    let pair = |what: &str, exact: Option<String>, re: Option<String>| -> Result<(String, bool)> {
        let v = exactly_one(what, alloc::vec![exact.map(|v| (v, false)), re.map(|v| (v, true))])?;
        if v.0.is_empty() {
            return Err(invalid(alloc::format!("{what} is empty")));
        }
        if v.1 {
            crate::sigstore::Matcher::regex(&v.0)?;
        }
        Ok(v)
    };
    Ok(SignerSpec::Keyless {
        root,
        san: pair("sealcheckKeyless subject", k.subject, k.subject_regexp)?,
        issuer: pair("sealcheckKeyless issuer", k.issuer, k.issuer_regexp)?,
    })
}

fn pki_spec(p: PkiJson) -> Result<SignerSpec> {
    let roots = exactly_one(
        "pki roots (caRootsPath/caRootsData)",
        alloc::vec![p.ca_roots_path.map(|x| Ok(Material::Path(x))), p.ca_roots_data.map(|d| data("pki caRootsData", &d))],
    )??;
    let intermediates = match (p.ca_intermediates_path, p.ca_intermediates_data) {
        (None, None) => None,
        (Some(x), None) => Some(Material::Path(x)),
        (None, Some(d)) => Some(data("pki caIntermediatesData", &d)?),
        _ => return Err(invalid("pki: only one of caIntermediatesPath, caIntermediatesData may be given")),
    };
    if p.subject_email.is_none() && p.subject_hostname.is_none() {
        return Err(invalid("pki: at least one of subjectEmail, subjectHostname is required"));
    }
    Ok(SignerSpec::Pki { roots, intermediates, subject_email: p.subject_email, subject_hostname: p.subject_hostname })
}

fn rules(what: &str, list: Vec<RequirementJson>) -> Result<Vec<Requirement>> {
    if list.is_empty() {
        return Err(invalid(alloc::format!("{what}: a requirement list must not be empty")));
    }
    list.into_iter().map(requirement).collect()
}

/// Parses containers-policy.json into the internal model.
pub fn from_json(bytes: &[u8]) -> Result<Policy> {
    crate::limits::check("containers-policy.json", bytes.len(), MAX_POLICY_BYTES)?;
    let p: PolicyJson = serde_json::from_slice(bytes).map_err(|e| invalid(alloc::format!("{e}")))?;
    let default = rules("default", p.default.ok_or_else(|| invalid("\"default\" is required"))?)?;
    let mut transports = Vec::new();
    for (t, scopes) in p.transports.map(|m| m.0).unwrap_or_default() {
        let mut out = Vec::new();
        for (scope, list) in scopes.0 {
            if matches!(t.as_str(), "dir" | "oci" | "oci-archive" | "sif")
                && (scope == "/" || (!scope.is_empty() && !scope.starts_with('/')))
            {
                return Err(invalid(alloc::format!("transport {t}: scope {scope:?} must be an absolute path other than \"/\"")));
            }
            out.push((scope.clone(), rules(&alloc::format!("transport {t} scope {scope:?}"), list)?));
        }
        transports.push((t, out));
    }
    Ok(Policy { default, transports })
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
