//! sigstore policy-controller `ClusterImagePolicy` documents (`policy.sigstore.dev/v1beta1` and
//! `v1alpha1`; upstream `pkg/apis/policy/v1beta1/clusterimagepolicy_types.go`), compiled into
//! the native model: each policy's authorities become native signers (without windows) of a
//! [`GovernedRequirement`], so that a revocation list given with
//! [`crate::ImageVerifier::with_revocations`] applies to them as to a native policy's.
//!
//! # Semantics (as the policy-controller webhook, `pkg/webhook/validator.go`)
//!
//! - **Which policies apply.** A policy applies to an image when one of its `spec.images[].glob`
//!   matches the image's full name as go-containerregistry writes it (`ref.Name()`, what
//!   `validateContainerImage` passes to `GetMatchingPolicies`): the registry (`index.docker.io`
//!   for Docker Hub), the repository (`library/` for official images), then `:tag` (`:latest`
//!   when none) or `@digest` (a digest wins over a tag). Globs follow `pkg/apis/glob`
//!   (`Compile`/`Match`): the whole name must match; `*` matches any run of characters but
//!   `/`, `**` any run at all (`:` is no separator: `repo:*` matches every tag, `repo*` every
//!   repository beginning so); the glob `*` means `index.docker.io/library/*`, `*/*` means
//!   `index.docker.io/*/*`; a glob has only `[A-Za-z0-9_:/*.@-]`. An image no policy matches is
//!   rejected (the controller's default `no-match-policy: deny`).
//! - **How they combine.** Every matching policy must pass ("If multiple policies match a
//!   particular image, then ALL of those policies must be satisfied", `validatePolicies`);
//!   within a policy one authority passing is enough (`ValidatePolicy`). The compiled rule for
//!   an image is one requirement per matching policy (ANDed), each an `anyOf` of its
//!   authorities; the decision's scope names the matching policies.
//! - **Authorities.** `key.data` (one PEM public key), `keyless.identities[]` (any one identity;
//!   `issuer`/`subject` exact, `issuerRegExp`/`subjectRegExp` Go regular expressions, which
//!   cosign's `validateCertIdentity` matches *unanchored* with `regexp.MatchString`: sealcheck's
//!   matchers are anchored, so a pattern `P` is compiled as `(?s:.*)(?:P)(?s:.*)` after `P` has
//!   been checked to parse on its own), `static.action: pass|fail`, and `attestations[]`: an
//!   authority with attestations needs, for *each* of them, a verified attestation of its
//!   `predicateType` by the authority (and no signature, as `ValidatePolicyAttestationsForAuthority`).
//!   A signature counts by the digest it binds (cosign checks no reference).
//! - **Logs, CT logs, timestamps** (`checkOptsFromAuthority`, `rekorClientAndKeysFromAuthority`,
//!   `fulcioCertsFromAuthority`): a keyless authority's CAs and CT logs come from its
//!   `trustRootRef`'s root, else the public-good root, and its certificate needs an SCT unless
//!   `insecureIgnoreSCT: true`. A transparency-log entry is required by a keyless authority
//!   without `trustRootRef` or `ctlog` (public-good Rekor), and by any authority with `ctlog`
//!   (the logs of `ctlog.trustRootRef`'s root, else public-good: `ctlog.url`, like
//!   `keyless.url`, names a service sealcheck never calls). Otherwise no log entry is examined
//!   (cosign's `IgnoreTlog`), and a certificate is then checked at the verification time.
//!   `rfc3161timestamp.trustRootRef` requires an RFC 3161 timestamp from that root's TSAs and
//!   turns the log off (as upstream). `signatureFormat: bundle` (keyless only) takes everything
//!   from the one root (`trustRootRef`, else public-good), with a log entry required unless
//!   `rfc3161timestamp` is given. Either way sealcheck considers both evidence formats it is given
//!   (legacy `.sig` layers and v3 bundles): `signatureFormat` chooses where the controller looks
//!   for signatures, not whom it trusts.
//! - **`mode: warn`**: the policy's requirement becomes `anyOf(authorities, insecureAcceptAnything)`:
//!   an image its authorities refuse is allowed (upstream admits it with a warning), and the
//!   decision record keeps the refusal as the unsatisfied first alternative; the decision's
//!   scope marks the policy `NAME (warn)`.
//!
//! # Trust roots
//!
//! A `trustRootRef` names a `TrustRoot` resource upstream. sealcheck resolves it through an
//! annotation of the same policy, `sealcheck.dev/trusted-root.NAME: PATH`, naming a Sigstore
//! `trusted_root.json` read with the caller's [`PolicyFiles`]. A `trustRootRef` without that
//! annotation is an error, and so is any other `sealcheck.dev/` annotation.
//!
//! # What is refused (an error naming the field, never ignored)
//!
//! `spec.policy` and `attestations[].policy` (CUE/Rego policies are not evaluated),
//! `spec.match` (resource selectors: sealcheck decides images, not Kubernetes resources),
//! `authorities[].source` (another signature repository, pull secrets, tag prefixes: the
//! evidence is what the image source gives), `key.kms`, `key.secretRef`, a `key.hashAlgorithm`
//! other than `sha256`, `keyless.ca-cert` (the webhook never verifies with it: a keyless
//! authority without `url` fails in `ValidatePolicySignaturesForAuthority`), deprecated
//! predicate type short names (`slsaprovenance`, `custom`, …: give the URI), YAML aliases and
//! tags, empty `images` or `authorities` (the controller's default `fail-on-empty-authorities`),
//! unknown fields anywhere but under `metadata` (whose standard Kubernetes fields are accepted
//! and ignored) and `status` (ignored).
//!
//! # Documents
//!
//! YAML or JSON; a stream of several documents (`---`), each a `ClusterImagePolicy`, or a `List`
//! / `ClusterImagePolicyList` of them. Names (`metadata.name`) are DNS subdomain names and
//! unique. YAML is YAML 1.2 (saphyr): a duplicate key is an error.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::native::{Attestation, GovernedRequirement, Lifetime, RevocationList, Signer, SignerKind};
use super::{CompiledPolicy, PolicyFiles, Requirement, Rule, ScopeMatch, Scopes};
use crate::crypto::{Backend, HashAlgorithm, PublicKey};
use crate::encoding::pem_decode_all;
use crate::error::{Error, Input, Result};
use crate::limits::{MAX_POLICY_BYTES, MAX_TRUSTED_ROOT_BYTES};
use crate::oci::Reference;
use crate::sigstore::identity::{CertificateIdentity, Matcher};
use crate::sigstore::trusted_root::{Embedded, TrustedRoot};
use crate::trust::{Signers, Thresholds, Trust, TrustedKey};

/// The API group of policy-controller's resources.
pub const API_GROUP: &str = "policy.sigstore.dev";
/// The `apiVersion`s read.
pub const API_VERSIONS: [&str; 2] = ["policy.sigstore.dev/v1beta1", "policy.sigstore.dev/v1alpha1"];
/// The resource kind.
pub const KIND: &str = "ClusterImagePolicy";
/// The annotation prefix that resolves a `trustRootRef`: `sealcheck.dev/trusted-root.NAME`,
/// whose value is the path of a `trusted_root.json`.
pub const TRUSTED_ROOT_ANNOTATION: &str = "sealcheck.dev/trusted-root.";
/// Nesting a YAML document may have (the CRD needs 7).
pub const MAX_YAML_DEPTH: usize = 64;

fn invalid(msg: impl Into<String>) -> Error {
    Error::Json { what: "ClusterImagePolicy", detail: msg.into() }
}

fn unsupported(path: &str, why: &str) -> Error {
    invalid(alloc::format!("{path}: not supported by sealcheck ({why})"))
}

// ---- YAML -----------------------------------------------------------------------------------

/// The documents of a YAML 1.2 stream as JSON values (an empty document is `null`): scalars
/// resolved by the core schema (saphyr), mapping keys by their text; a duplicate key, an alias,
/// a tag outside the core schema, a collection as a key, and nesting deeper than
/// [`MAX_YAML_DEPTH`] are errors.
pub fn yaml_documents(text: &str) -> Result<Vec<Value>> {
    use saphyr_parser::{Event, Parser};

    enum Frame {
        Seq(Vec<Value>),
        /// The mapping so far, and the key waiting for its value.
        Map(serde_json::Map<String, Value>, Option<String>),
    }
    enum Start {
        Seq,
        Map,
    }
    let at = |span: saphyr_parser::Span, msg: &str| invalid(alloc::format!("YAML line {} column {}: {msg}", span.start.line(), span.start.col() + 1));
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| invalid(alloc::format!("YAML: {e}")))?;
        let at_key = matches!(stack.last(), Some(Frame::Map(_, None)));
        let event_kind = if matches!(event, Event::MappingStart(..)) { Start::Map } else { Start::Seq };
        let value = match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => continue,
            Event::DocumentStart(_) => {
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(root.take().unwrap_or(Value::Null));
                continue;
            }
            Event::Alias(_) => return Err(at(span, "aliases (*name) are not supported")),
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag) => {
                let (frame, want) = match event_kind {
                    Start::Seq => (Frame::Seq(Vec::new()), "seq"),
                    Start::Map => (Frame::Map(serde_json::Map::new(), None), "map"),
                };
                if let Some(t) = tag {
                    if !t.is_yaml_core_schema() || t.suffix != want {
                        return Err(at(span, &alloc::format!("the tag {t} is not supported")));
                    }
                }
                if at_key {
                    return Err(at(span, "a collection as a mapping key is not supported"));
                }
                if stack.len() >= MAX_YAML_DEPTH {
                    return Err(at(span, &alloc::format!("nested deeper than {MAX_YAML_DEPTH}")));
                }
                stack.push(frame);
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Value::Array(items),
                _ => return Err(at(span, "unbalanced sequence")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(m, None)) => Value::Object(m),
                _ => return Err(at(span, "unbalanced mapping")),
            },
            Event::Scalar(text, style, _, tag) => {
                if let Some(t) = &tag {
                    if !t.is_yaml_core_schema() {
                        return Err(at(span, &alloc::format!("the tag {t} is not supported")));
                    }
                }
                if at_key {
                    let Some(Frame::Map(m, pending)) = stack.last_mut() else { unreachable!("at a key") };
                    if m.contains_key(text.as_ref()) {
                        return Err(at(span, &alloc::format!("duplicate key {text:?}")));
                    }
                    *pending = Some(text.into_owned());
                    continue;
                }
                scalar(text, style, tag.as_ref()).map_err(|m| at(span, &m))?
            }
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(m, pending)) => {
                let key = pending.take().ok_or_else(|| at(span, "a value without a key"))?;
                m.insert(key, value);
            }
        }
    }
    Ok(docs)
}

/// A scalar's value: quoted scalars are strings, plain ones resolved by the YAML 1.2 core schema
/// (or their `!!` tag).
fn scalar(text: Cow<'_, str>, style: saphyr_parser::ScalarStyle, tag: Option<&Cow<'_, saphyr_parser::Tag>>) -> core::result::Result<Value, String> {
    use saphyr::Scalar;
    match Scalar::parse_from_cow_and_metadata(text, style, tag) {
        None => Err(String::from("a scalar that does not fit its tag")),
        Some(Scalar::Null) => Ok(Value::Null),
        Some(Scalar::Boolean(b)) => Ok(Value::Bool(b)),
        Some(Scalar::Integer(i)) => Ok(Value::Number(i.into())),
        Some(Scalar::FloatingPoint(f)) => serde_json::Number::from_f64(f.into_inner()).map(Value::Number).ok_or_else(|| String::from("a number JSON cannot hold")),
        Some(Scalar::String(s)) => Ok(Value::String(s.into_owned())),
    }
}

// ---- the resource (serde) -------------------------------------------------------------------

/// `apiVersion` and `kind`, read first to tell a policy from a list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypeMeta {
    api_version: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListJson {
    #[allow(dead_code, reason = "checked through TypeMeta")]
    api_version: String,
    #[allow(dead_code, reason = "checked through TypeMeta")]
    kind: String,
    #[serde(default)]
    #[allow(dead_code, reason = "a list's metadata is ignored")]
    metadata: Option<IgnoredAny>,
    items: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CipJson {
    #[allow(dead_code, reason = "checked through TypeMeta")]
    api_version: String,
    #[allow(dead_code, reason = "checked through TypeMeta")]
    kind: String,
    metadata: MetadataJson,
    spec: SpecJson,
    /// What the controller reports: ignored.
    #[serde(default)]
    #[allow(dead_code, reason = "status is ignored")]
    status: Option<IgnoredAny>,
}

/// Kubernetes `ObjectMeta`: `name` and the `sealcheck.dev/` annotations are read; the other
/// standard fields are accepted and ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "standard ObjectMeta fields, accepted and ignored")]
struct MetadataJson {
    name: String,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
    generate_name: Option<IgnoredAny>,
    namespace: Option<IgnoredAny>,
    self_link: Option<IgnoredAny>,
    uid: Option<IgnoredAny>,
    resource_version: Option<IgnoredAny>,
    generation: Option<IgnoredAny>,
    creation_timestamp: Option<IgnoredAny>,
    deletion_timestamp: Option<IgnoredAny>,
    deletion_grace_period_seconds: Option<IgnoredAny>,
    labels: Option<IgnoredAny>,
    owner_references: Option<IgnoredAny>,
    finalizers: Option<IgnoredAny>,
    managed_fields: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SpecJson {
    images: Option<Vec<ImagePatternJson>>,
    authorities: Option<Vec<Value>>,
    policy: Option<Value>,
    mode: Option<String>,
    #[serde(rename = "match")]
    match_: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImagePatternJson {
    glob: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AuthorityJson {
    name: Option<String>,
    key: Option<KeyRefJson>,
    keyless: Option<KeylessJson>,
    #[serde(rename = "static")]
    static_: Option<StaticJson>,
    source: Option<Value>,
    ctlog: Option<TlogJson>,
    attestations: Option<Vec<AttestationJson>>,
    #[serde(rename = "rfc3161timestamp")]
    rfc3161_timestamp: Option<TimestampJson>,
    signature_format: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyRefJson {
    secret_ref: Option<Value>,
    data: Option<String>,
    kms: Option<String>,
    hash_algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeylessJson {
    url: Option<String>,
    identities: Option<Vec<IdentityJson>>,
    #[serde(rename = "ca-cert")]
    ca_cert: Option<Value>,
    trust_root_ref: Option<String>,
    #[serde(rename = "insecureIgnoreSCT")]
    insecure_ignore_sct: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdentityJson {
    issuer: Option<String>,
    subject: Option<String>,
    issuer_reg_exp: Option<String>,
    subject_reg_exp: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaticJson {
    action: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TlogJson {
    url: Option<String>,
    trust_root_ref: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimestampJson {
    trust_root_ref: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AttestationJson {
    name: Option<String>,
    predicate_type: Option<String>,
    policy: Option<Value>,
}

/// The predicate type short names policy-controller still accepts, with a deprecation warning
/// (`common.ValidPredicateTypes`), mapped by cosign's `options.PredicateTypeMap`.
const PREDICATE_SHORT_NAMES: [&str; 11] =
    ["custom", "slsaprovenance", "slsaprovenance02", "slsaprovenance1", "spdx", "spdxjson", "cyclonedx", "cyclonedxxml", "link", "vuln", "openvex"];

fn from_value<T: serde::de::DeserializeOwned>(path: &str, v: Value) -> Result<T> {
    serde_json::from_value(v).map_err(|e| invalid(alloc::format!("{path}: {e}")))
}

/// Empty strings are absent, as Go's `omitempty` string fields read them.
fn set(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

// ---- globs ----------------------------------------------------------------------------------

/// A glob as policy-controller compiles it (`glob.Compile`): `*` and `*/*` are read as
/// `index.docker.io/library/*` and `index.docker.io/*/*`; the characters are
/// `[A-Za-z0-9_:/*.@-]`.
pub fn normalize_glob(glob: &str) -> Result<String> {
    let g = match glob {
        "*/*" => "index.docker.io/*/*",
        "*" => "index.docker.io/library/*",
        g => g,
    };
    if g.is_empty() || !g.bytes().all(|c| c.is_ascii_alphanumeric() || b"_:/*.@-".contains(&c)) {
        return Err(invalid(alloc::format!("invalid glob {glob:?} (policy-controller globs use [A-Za-z0-9_:/*.@-])")));
    }
    Ok(g.to_string())
}

/// Whether `glob` matches all of `name` (`pkg/apis/glob.Compile`: `.` is literal, `**` is `.*`,
/// `*` is `[^/]*`, anchored at both ends).
#[must_use]
pub fn glob_matches(glob: &str, name: &str) -> bool {
    enum Token {
        Byte(u8),
        /// `*`: any run without `/`.
        Segment,
        /// `**`: any run.
        Any,
    }
    let g = glob.as_bytes();
    let mut tokens = Vec::with_capacity(g.len());
    let mut i = 0;
    while i < g.len() {
        if g[i] == b'*' {
            // Go replaces `**` first, left to right: `***` is `**` then `*`.
            if g.get(i + 1) == Some(&b'*') {
                tokens.push(Token::Any);
                i += 2;
            } else {
                tokens.push(Token::Segment);
                i += 1;
            }
        } else {
            tokens.push(Token::Byte(g[i]));
            i += 1;
        }
    }
    let s = name.as_bytes();
    // reach[j]: the tokens so far can match s[..j].
    let mut reach = alloc::vec![false; s.len() + 1];
    reach[0] = true;
    for t in &tokens {
        let mut next = alloc::vec![false; s.len() + 1];
        match t {
            Token::Byte(c) => {
                for j in 0..s.len() {
                    next[j + 1] = reach[j] && s[j] == *c;
                }
            }
            Token::Any | Token::Segment => {
                let mut on = false;
                for j in 0..=s.len() {
                    on |= reach[j];
                    next[j] = on;
                    if matches!(t, Token::Segment) && s.get(j) == Some(&b'/') {
                        on = false;
                    }
                }
            }
        }
        reach = next;
        if !reach.iter().any(|r| *r) {
            return false;
        }
    }
    reach[s.len()]
}

/// The name globs are matched against: go-containerregistry's `ref.Name()` of the reference
/// (`index.docker.io` for Docker Hub; `@digest` when there is a digest, else `:tag`, else
/// `:latest`).
#[must_use]
pub fn glob_subject(reference: &Reference) -> String {
    let name = reference.name();
    let name = if reference.domain() == "docker.io" { alloc::format!("index.{name}") } else { name };
    match (reference.digest(), reference.tag()) {
        (Some(d), _) => alloc::format!("{name}@{d}"),
        (None, Some(t)) => alloc::format!("{name}:{t}"),
        (None, None) => alloc::format!("{name}:latest"),
    }
}

/// A compiled policy's scope name: `LABEL [GLOB GLOB…]`, where the label is the policy's name
/// (with ` (warn)` in warn mode). Neither names nor globs hold spaces or brackets.
fn scope_key(label: &str, globs: &[String]) -> String {
    alloc::format!("{label} [{}]", globs.join(" "))
}

/// The label and globs of a scope named by [`scope_key`].
fn parse_scope_key(key: &str) -> Option<(&str, impl Iterator<Item = &str>)> {
    let (label, rest) = key.split_once(" [")?;
    Some((label, rest.strip_suffix(']')?.split(' ')))
}

/// [`ScopeMatch::Glob`]: the policies one of whose globs matches the reference, labels joined
/// by `, `, and the rule of all their requirements (borrowed when one policy matches); `None`
/// when none does.
pub(crate) fn rule_for<'a>(scopes: &'a Scopes, reference: &Reference) -> Option<(String, Cow<'a, Rule>)> {
    let subject = glob_subject(reference);
    let matched: Vec<(&str, &Rule)> = scopes
        .iter()
        .filter_map(|(key, rule)| {
            let (label, mut globs) = parse_scope_key(key)?;
            globs.any(|g| glob_matches(g, &subject)).then_some((label, rule))
        })
        .collect();
    match matched.as_slice() {
        [] => None,
        [(label, rule)] => Some(((*label).to_string(), Cow::Borrowed(*rule))),
        all => {
            let labels: Vec<&str> = all.iter().map(|(l, _)| *l).collect();
            let requirements = all.iter().flat_map(|(_, r)| r.requirements().iter().cloned()).collect();
            Some((labels.join(", "), Cow::Owned(Rule(requirements))))
        }
    }
}

// ---- compiling ------------------------------------------------------------------------------

/// Kubernetes object names (`metadata.name` of a cluster-scoped resource): a DNS subdomain
/// name, at most 253 characters of `[a-z0-9.-]`, starting and ending alphanumeric.
fn valid_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A Go regular expression that `regexp.MatchString` matches anywhere in the value, as a
/// sealcheck matcher (anchored): the pattern must parse on its own, then `.*` is allowed on
/// both sides of it.
fn unanchored(path: &str, pattern: &str) -> Result<Matcher> {
    Matcher::regex(pattern).map_err(|_| invalid(alloc::format!("{path}: invalid regular expression {pattern:?}")))?;
    Matcher::regex(&alloc::format!("(?s:.*)(?:{pattern})(?s:.*)")).map_err(|_| invalid(alloc::format!("{path}: invalid regular expression {pattern:?}")))
}

/// Where an authority's logs, CT logs, CAs and TSAs come from.
struct Roots<'a> {
    files: &'a dyn PolicyFiles,
    backend: &'a dyn Backend,
    /// `trustRootRef` name → `trusted_root.json` path (the policy's annotations).
    paths: BTreeMap<String, String>,
    loaded: BTreeMap<String, Arc<TrustedRoot>>,
}

impl Roots<'_> {
    /// The root a `trustRootRef` names, or public-good for none.
    fn get(&mut self, path: &str, name: Option<&str>) -> Result<Arc<TrustedRoot>> {
        let Some(name) = name else { return TrustedRoot::embedded(Embedded::PublicGood) };
        if let Some(r) = self.loaded.get(name) {
            return Ok(r.clone());
        }
        let file = self.paths.get(name).ok_or_else(|| {
            invalid(alloc::format!(
                "{path}: trustRootRef {name:?} names no trust root: give its trusted_root.json with the annotation {TRUSTED_ROOT_ANNOTATION}{name}"
            ))
        })?;
        let bytes = self.files.read(file, MAX_TRUSTED_ROOT_BYTES)?;
        let root = Arc::new(TrustedRoot::from_json(&bytes, self.backend).map_err(|e| e.loading(Input::TrustedRoot, file.clone()))?);
        self.loaded.insert(name.to_string(), root.clone());
        Ok(root)
    }
}

/// The logs and TSAs of an authority, and whether an entry and a timestamp are required.
struct Logs {
    tlogs: Vec<crate::sigstore::trusted_root::LogKey>,
    tsas: Vec<crate::sigstore::trusted_root::Authority>,
    tlog: bool,
    tsa: bool,
}

struct Compiler<'a> {
    backend: &'a dyn Backend,
    /// The policy's name.
    policy: String,
    roots: Roots<'a>,
}

impl Compiler<'_> {
    /// One authority: a requirement satisfied when the authority passes.
    fn authority(&mut self, i: usize, value: Value) -> Result<Requirement> {
        let path = alloc::format!("spec.authorities[{i}]");
        let a: AuthorityJson = from_value(&path, value)?;
        let name = set(a.name).unwrap_or_else(|| alloc::format!("authority-{i}"));
        if a.source.is_some() {
            return Err(unsupported(&alloc::format!("{path}.source"), "signatures are read from the evidence the image source gives: no other repository, pull secret or tag prefix"));
        }
        let attestations = a.attestations.unwrap_or_default();
        match (a.key, a.keyless, a.static_) {
            (None, None, Some(st)) => {
                for (field, present) in [("attestations", !attestations.is_empty()), ("ctlog", a.ctlog.is_some()), ("rfc3161timestamp", a.rfc3161_timestamp.is_some())] {
                    if present {
                        return Err(invalid(alloc::format!("{path}: static and {field} are mutually exclusive")));
                    }
                }
                let message = set(st.message);
                match set(st.action).as_deref() {
                    Some("pass") => Ok(Requirement::InsecureAcceptAnything),
                    Some("fail") => Ok(Requirement::Unsupported {
                        kind: String::from("static"),
                        reason: alloc::format!("disallowed by static policy{}", message.map(|m| alloc::format!(": {m}")).unwrap_or_default()),
                    }),
                    Some(other) => Err(invalid(alloc::format!("{path}.static.action: {other:?} is not pass or fail"))),
                    None => Err(invalid(alloc::format!("{path}.static.action: missing"))),
                }
            }
            (Some(key), None, None) => {
                let bundle = self.bundle_format(&path, a.signature_format.as_deref())?;
                if bundle {
                    return Err(invalid(alloc::format!("{path}: signatureFormat bundle needs a keyless authority (as policy-controller)")));
                }
                let keys = self.key(&path, key)?;
                let Logs { tlogs, tsas, tlog, tsa } = self.logs(&path, false, None, a.ctlog, a.rfc3161_timestamp)?;
                let thresholds = Thresholds { tlog: usize::from(tlog), ctlog: 0, timestamps: usize::from(tsa) };
                let trust = Trust::new(Arc::new(TrustedRoot::from_parts(tlogs, Vec::new(), Vec::new(), tsas)), Signers::Keys(keys), thresholds);
                self.governed(&path, &name, alloc::vec![(String::from("key"), trust)], attestations)
            }
            (None, Some(keyless), None) => {
                let bundle = self.bundle_format(&path, a.signature_format.as_deref())?;
                let kpath = alloc::format!("{path}.keyless");
                if keyless.ca_cert.is_some() {
                    return Err(unsupported(
                        &alloc::format!("{kpath}.ca-cert"),
                        "policy-controller never verifies with it (a keyless authority without url fails in ValidatePolicySignaturesForAuthority); name a trust root with trustRootRef",
                    ));
                }
                // keyless.url names the Fulcio instance; as upstream, the CAs come from the trust root.
                let _ = keyless.url;
                let identities = keyless.identities.unwrap_or_default();
                if identities.is_empty() {
                    return Err(invalid(alloc::format!("{kpath}.identities: missing (at least one identity)")));
                }
                let root_ref = set(keyless.trust_root_ref);
                let root = self.roots.get(&kpath, root_ref.as_deref())?;
                let sct = usize::from(!keyless.insecure_ignore_sct.unwrap_or(false));
                let (composed, thresholds) = if bundle {
                    // One trusted material for everything (`NewBundleFormat`).
                    for (field, r) in [("ctlog", a.ctlog.as_ref().map(|t| set(t.trust_root_ref.clone()))), ("rfc3161timestamp", a.rfc3161_timestamp.as_ref().map(|t| set(t.trust_root_ref.clone())))] {
                        if let Some(r) = r {
                            if r != root_ref {
                                return Err(invalid(alloc::format!("{path}.{field}: with signatureFormat bundle, its trustRootRef must be the keyless authority's")));
                            }
                        }
                    }
                    let tsa = a.rfc3161_timestamp.is_some();
                    let tlogs = if tsa { Vec::new() } else { root.tlogs().to_vec() };
                    let tsas = root.timestamp_authorities().to_vec();
                    let thresholds = Thresholds { tlog: usize::from(!tsa), ctlog: sct, timestamps: 1 };
                    (TrustedRoot::from_parts(tlogs, root.ctlogs().to_vec(), root.certificate_authorities().to_vec(), tsas), thresholds)
                } else {
                    let Logs { tlogs, tsas, tlog, tsa } = self.logs(&path, true, root_ref.as_deref(), a.ctlog, a.rfc3161_timestamp)?;
                    let thresholds = Thresholds { tlog: usize::from(tlog), ctlog: sct, timestamps: usize::from(tlog || tsa) };
                    (TrustedRoot::from_parts(tlogs, root.ctlogs().to_vec(), root.certificate_authorities().to_vec(), tsas), thresholds)
                };
                let composed = Arc::new(composed);
                let mut signers = Vec::new();
                for (j, id) in identities.into_iter().enumerate() {
                    let ipath = alloc::format!("{kpath}.identities[{j}]");
                    let identity = self.identity(&ipath, id)?;
                    signers.push((alloc::format!("identities[{j}]"), Trust::new(composed.clone(), Signers::Certificate(identity), thresholds)));
                }
                self.governed(&path, &name, signers, attestations)
            }
            (None, None, None) => Err(invalid(alloc::format!("{path}: expected exactly one of key, keyless, static, got neither"))),
            _ => Err(invalid(alloc::format!("{path}: expected exactly one of key, keyless, static, got several"))),
        }
    }

    /// `signatureFormat`: `true` for `bundle`.
    fn bundle_format(&self, path: &str, format: Option<&str>) -> Result<bool> {
        match format {
            None | Some("" | "legacy") => Ok(false),
            Some("bundle") => Ok(true),
            Some(other) => Err(invalid(alloc::format!("{path}.signatureFormat: {other:?} is not legacy or bundle"))),
        }
    }

    /// `key`: one PEM public key inline.
    fn key(&self, path: &str, k: KeyRefJson) -> Result<Vec<TrustedKey>> {
        let kpath = alloc::format!("{path}.key");
        if k.kms.as_deref().is_some_and(|s| !s.is_empty()) {
            return Err(unsupported(&alloc::format!("{kpath}.kms"), "keys are verified offline: give the public key as data"));
        }
        if k.secret_ref.is_some() {
            return Err(unsupported(&alloc::format!("{kpath}.secretRef"), "Kubernetes secrets are not read: give the public key as data"));
        }
        match set(k.hash_algorithm).as_deref() {
            None | Some("sha256") => {}
            Some(other) => return Err(unsupported(&alloc::format!("{kpath}.hashAlgorithm"), &alloc::format!("{other:?}: signatures are checked over SHA-256, cosign's default"))),
        }
        let data = set(k.data).ok_or_else(|| invalid(alloc::format!("{kpath}: expected exactly one of data, kms, secretRef, got neither")))?;
        let what = alloc::format!("{kpath}.data");
        let blocks = pem_decode_all(&what, &data)?;
        let [block] = blocks.as_slice() else {
            return Err(invalid(alloc::format!("{what}: one PEM public key, not {}", blocks.len())));
        };
        if block.label != "PUBLIC KEY" {
            return Err(invalid(alloc::format!("{what}: a PEM PUBLIC KEY, not {}", block.label)));
        }
        Ok(alloc::vec![TrustedKey::new(self.backend, PublicKey::from_spki_der(&what, &block.der)?)])
    }

    /// The transparency logs an authority's signatures must be in, and the TSAs that must
    /// timestamp them (`rekorClientAndKeysFromAuthority`, `checkOptsFromAuthority`). What is
    /// required stays required when the root lists none (the signature then fails).
    fn logs(&mut self, path: &str, keyless: bool, keyless_root: Option<&str>, ctlog: Option<TlogJson>, tsa: Option<TimestampJson>) -> Result<Logs> {
        let tlogs = match ctlog {
            // Keyless without trustRootRef and ctlog: cosign's Rekor public keys (public-good).
            None if keyless && keyless_root.is_none() => Some(self.roots.get(path, None)?.tlogs().to_vec()),
            None => None,
            Some(t) => match (set(t.trust_root_ref), set(t.url)) {
                (Some(r), _) => Some(self.roots.get(&alloc::format!("{path}.ctlog"), Some(&r))?.tlogs().to_vec()),
                (None, Some(_)) => Some(self.roots.get(path, None)?.tlogs().to_vec()),
                (None, None) => return Err(invalid(alloc::format!("{path}.ctlog: needs url or trustRootRef (policy-controller reads no log from an empty ctlog)"))),
            },
        };
        match tsa {
            None => Ok(Logs { tlog: tlogs.is_some(), tlogs: tlogs.unwrap_or_default(), tsas: Vec::new(), tsa: false }),
            Some(t) => {
                let r = set(t.trust_root_ref).ok_or_else(|| invalid(alloc::format!("{path}.rfc3161timestamp.trustRootRef: missing (policy-controller uses no TSA without it)")))?;
                let tsas = self.roots.get(&alloc::format!("{path}.rfc3161timestamp"), Some(&r))?.timestamp_authorities().to_vec();
                // With a TSA, policy-controller ignores the log.
                Ok(Logs { tlogs: Vec::new(), tsas, tlog: false, tsa: true })
            }
        }
    }

    /// One keyless identity: issuer and subject, each exact or a regular expression.
    fn identity(&self, path: &str, id: IdentityJson) -> Result<CertificateIdentity> {
        let pair = |what: &str, exact: Option<String>, re: Option<String>| -> Result<Matcher> {
            match (set(exact), set(re)) {
                (Some(v), None) => Ok(Matcher::exact(&v)),
                (None, Some(p)) => unanchored(&alloc::format!("{path}.{what}RegExp"), &p),
                (Some(_), Some(_)) => Err(invalid(alloc::format!("{path}: expected exactly one of {what}, {what}RegExp, got both"))),
                (None, None) => Err(invalid(alloc::format!("{path}: missing field {what} or {what}RegExp"))),
            }
        };
        let issuer = pair("issuer", id.issuer, id.issuer_reg_exp)?;
        let subject = pair("subject", id.subject, id.subject_reg_exp)?;
        Ok(CertificateIdentity::new(subject, issuer))
    }

    /// An authority of `signers` (any one of them suffices): a signature, or each attestation.
    fn governed(&self, path: &str, authority: &str, signers: Vec<(String, Trust)>, attestations: Vec<AttestationJson>) -> Result<Requirement> {
        let signers: Arc<[Signer]> = signers
            .into_iter()
            .map(|(what, trust)| Signer { name: alloc::format!("{}/{authority}/{what}", self.policy), kind: SignerKind::Sigstore(trust), lifetime: Lifetime::default() })
            .collect::<Vec<_>>()
            .into();
        let all: Vec<usize> = (0..signers.len()).collect();
        let mut wanted = Vec::new();
        for (j, att) in attestations.into_iter().enumerate() {
            let apath = alloc::format!("{path}.attestations[{j}]");
            if set(att.name).is_none() {
                return Err(invalid(alloc::format!("{apath}: missing field name")));
            }
            if att.policy.is_some() {
                return Err(unsupported(&alloc::format!("{apath}.policy"), "CUE and Rego policies are not evaluated"));
            }
            let p = set(att.predicate_type).ok_or_else(|| invalid(alloc::format!("{apath}: missing field predicateType")))?;
            if PREDICATE_SHORT_NAMES.contains(&p.as_str()) {
                return Err(unsupported(&alloc::format!("{apath}.predicateType"), &alloc::format!("the deprecated short name {p:?}: give the predicate type URI")));
            }
            wanted.push(Attestation { predicate_type: p, signers: all.clone(), constraints: Vec::new() });
        }
        let signatures = if wanted.is_empty() { Some((all, 1)) } else { None };
        Ok(Requirement::Governed(GovernedRequirement { signers, signatures, roles: Vec::new(), attestations: wanted, revocations: Arc::new(RevocationList::default()) }))
    }
}

/// One policy: its scope (name and globs) and its rule (one requirement).
fn compile_one(doc: CipJson, files: &dyn PolicyFiles, backend: &dyn Backend) -> Result<(String, String, Rule)> {
    let name = doc.metadata.name;
    if !valid_name(&name) {
        return Err(invalid(alloc::format!("metadata.name {name:?} is not a Kubernetes object name (a DNS subdomain name)")));
    }
    let compile = || -> Result<(String, String, Rule)> {
        let mut paths = BTreeMap::new();
        for (k, v) in doc.metadata.annotations.unwrap_or_default() {
            if let Some(root) = k.strip_prefix(TRUSTED_ROOT_ANNOTATION) {
                if root.is_empty() || v.is_empty() {
                    return Err(invalid(alloc::format!("metadata.annotations {k:?}: {TRUSTED_ROOT_ANNOTATION}NAME: PATH")));
                }
                paths.insert(root.to_string(), v);
            } else if k.starts_with("sealcheck.dev/") {
                return Err(invalid(alloc::format!("metadata.annotations {k:?}: unknown sealcheck annotation (only {TRUSTED_ROOT_ANNOTATION}NAME)")));
            }
        }
        let spec = doc.spec;
        if spec.policy.is_some() {
            return Err(unsupported("spec.policy", "CUE and Rego policies are not evaluated"));
        }
        if spec.match_.is_some() {
            return Err(unsupported("spec.match", "sealcheck decides images, not Kubernetes resources: resource and label selectors cannot apply"));
        }
        let warn = match spec.mode.as_deref() {
            None | Some("" | "enforce") => false,
            Some("warn") => true,
            Some(other) => return Err(invalid(alloc::format!("spec.mode: {other:?} is not enforce or warn"))),
        };
        let images = spec.images.unwrap_or_default();
        if images.is_empty() {
            return Err(invalid("spec.images: missing (at least one glob)"));
        }
        let globs = images
            .into_iter()
            .enumerate()
            .map(|(i, p)| set(p.glob).ok_or_else(|| invalid(alloc::format!("spec.images[{i}]: missing field glob"))).and_then(|g| normalize_glob(&g).map_err(|e| invalid(alloc::format!("spec.images[{i}].glob: {e}")))))
            .collect::<Result<Vec<_>>>()?;
        let authorities = spec.authorities.unwrap_or_default();
        if authorities.is_empty() {
            return Err(invalid("spec.authorities: missing (policy-controller's default fail-on-empty-authorities)"));
        }
        let mut c = Compiler { backend, policy: name.clone(), roots: Roots { files, backend, paths, loaded: BTreeMap::new() } };
        let alternatives = authorities.into_iter().enumerate().map(|(i, a)| c.authority(i, a)).collect::<Result<Vec<_>>>()?;
        let enforced = Requirement::AnyOf(alternatives);
        let (label, requirement) =
            if warn { (alloc::format!("{name} (warn)"), Requirement::AnyOf(alloc::vec![enforced, Requirement::InsecureAcceptAnything])) } else { (name.clone(), enforced) };
        Ok((name.clone(), scope_key(&label, &globs), Rule(alloc::vec![requirement])))
    };
    compile().map_err(|e| match e {
        Error::Json { what, detail } => Error::Json { what, detail: alloc::format!("{name}: {detail}") },
        e => e.loading(Input::Policy, alloc::format!("policy {name:?}")),
    })
}

/// Compiles a stream of `ClusterImagePolicy` documents (YAML or JSON), reading the trusted roots
/// their annotations name with `files`. An image no policy matches is rejected.
pub fn compile(yaml: &[u8], files: &dyn PolicyFiles, backend: &dyn Backend) -> Result<CompiledPolicy> {
    let load = || -> Result<CompiledPolicy> {
        crate::limits::check("ClusterImagePolicy", yaml.len(), MAX_POLICY_BYTES)?;
        let text = core::str::from_utf8(yaml).map_err(|_| invalid("not UTF-8"))?;
        let mut docs: Vec<Value> = Vec::new();
        for (i, doc) in yaml_documents(text)?.into_iter().enumerate() {
            let what = alloc::format!("document {i}");
            if doc.is_null() {
                continue;
            }
            let meta: TypeMeta = from_value(&what, doc.clone())?;
            match (meta.api_version.as_deref(), meta.kind.as_deref()) {
                (Some("v1"), Some("List")) => docs.extend(from_value::<ListJson>(&what, doc)?.items),
                (Some(v), Some("ClusterImagePolicyList")) if API_VERSIONS.contains(&v) => docs.extend(from_value::<ListJson>(&what, doc)?.items),
                _ => docs.push(doc),
            }
        }
        let mut scopes: Scopes = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (i, doc) in docs.into_iter().enumerate() {
            let what = alloc::format!("policy {i}");
            let meta: TypeMeta = from_value(&what, doc.clone())?;
            match meta.api_version.as_deref() {
                Some(v) if API_VERSIONS.contains(&v) => {}
                Some(v) => return Err(invalid(alloc::format!("{what}: apiVersion {v:?} is not {}", API_VERSIONS.join(" or ")))),
                None => return Err(invalid(alloc::format!("{what}: missing field apiVersion"))),
            }
            if meta.kind.as_deref() != Some(KIND) {
                return Err(invalid(alloc::format!("{what}: kind {:?} is not {KIND}", meta.kind.unwrap_or_default())));
            }
            let cip: CipJson = from_value(&what, doc)?;
            let (name, key, rule) = compile_one(cip, files, backend)?;
            if names.contains(&name) {
                return Err(invalid(alloc::format!("two policies are named {name:?}")));
            }
            names.push(name);
            scopes.push((key, rule));
        }
        if scopes.is_empty() {
            return Err(invalid("no ClusterImagePolicy in the document"));
        }
        let none = Rule(alloc::vec![Requirement::Unsupported {
            kind: String::from("clusterImagePolicy"),
            reason: String::from("no ClusterImagePolicy matches the image (policy-controller's default no-match-policy: deny)"),
        }]);
        let mut digest = [0u8; 32];
        digest.copy_from_slice(backend.digest(HashAlgorithm::Sha256, yaml).as_bytes());
        Ok(CompiledPolicy::new(none, alloc::vec![(String::from("docker"), scopes)], digest).with_scope_match(ScopeMatch::Glob))
    };
    load().map_err(|e| e.loading(Input::Policy, "ClusterImagePolicy"))
}
