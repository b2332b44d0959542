//! The admission configuration file both admission programs read (JSON, strict: an unknown or
//! duplicate field, a relative path or a value out of range is an error, never a default): the
//! policy (any format [`sealcheck::verifier::policy_file`] reads, with a Notary trust store and
//! CRLs, and a revocation list), how registries are reached ([`RegistryConfig`]), the audit log,
//! and the decision deadline. The README's "containerd" section documents every field.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;

use sealcheck::audit::AuditLog;
use sealcheck::policy::native::RevocationList;
use sealcheck::{CompiledPolicy, CryptoProvider, Error, FactCache, Input, Result, limits, verifier};
use sealcheck_registry::{AuthFiles, CertsDirs, Options, Platform, Registry, Timeouts};

use crate::Admitter;

/// The largest configuration file read.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;
/// The decision deadline when the file sets none: below containerd's default
/// `per_verifier_timeout` of 10 s (`plugins/imageverifier/plugin.go`), so that sealcheck's own
/// reason, not containerd's timeout, is what the pull reports.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(8);
/// The deadline's bounds, in milliseconds.
const DEADLINE_MS: std::ops::RangeInclusive<u64> = 500..=300_000;

/// The admission configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionConfig {
    /// The policy file: containers-policy.json, native, ClusterImagePolicy, or a Notary trust
    /// policy (then with [`AdmissionConfig::trust_store`]).
    pub policy: PathBuf,
    /// A Notary trust policy's trust store directory.
    #[serde(default)]
    pub trust_store: Option<PathBuf>,
    /// CRL files for a Notary trust policy.
    #[serde(default)]
    pub crls: Vec<PathBuf>,
    /// A revocation list (`apiVersion: sealcheck.dev/v1`, `revocations`) for a native policy.
    #[serde(default)]
    pub revocations: Option<PathBuf>,
    /// How registries are reached.
    #[serde(default)]
    pub registry: RegistryConfig,
    /// The audit log every decision is appended to (created when missing).
    #[serde(default)]
    pub audit_log: Option<PathBuf>,
    /// The decision deadline in milliseconds (default [`DEFAULT_DEADLINE`]).
    #[serde(default)]
    pub deadline_ms: Option<u64>,
}

/// How registries are reached: the part of the configuration that becomes the
/// [`sealcheck_registry::Options`] of one [`Registry`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegistryConfig {
    /// Hosts (`host[:port]`) spoken to over plain HTTP.
    #[serde(default)]
    pub insecure: Vec<String>,
    /// PEM CA certificates trusted in addition to the platform's roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Trust only [`RegistryConfig::ca_file`] (and the hosts' `certs.d` CAs).
    #[serde(default)]
    pub ca_only: bool,
    /// The `certs.d` directories searched for per-host CAs and client certificates (default:
    /// `$SEALCHECK_CERTS_D`, else the directories containers/image searches).
    #[serde(default)]
    pub certs_d: Option<Vec<PathBuf>>,
    /// The registries.d directory, read alone (default: `$SEALCHECK_REGISTRIES_D`, else the
    /// directories containers/image reads).
    #[serde(default)]
    pub registries_d: Option<PathBuf>,
    /// The credential files, in lookup order (default: those containers/image and Docker
    /// read, from the environment).
    #[serde(default)]
    pub auth_files: Option<Vec<PathBuf>>,
    /// What a tag that names an image index is decided on (default: the index).
    #[serde(default)]
    pub multi_platform: MultiPlatform,
    /// With `multiPlatform: "platform"`, the platform chosen from an image index,
    /// `os/arch[/variant]` (default: the host's).
    #[serde(default)]
    pub platform: Option<String>,
    /// How long what a tag names is kept, in seconds (default 0: not kept).
    #[serde(default)]
    pub tag_ttl_seconds: u64,
    /// How long the evidence gathered for a manifest is kept, in seconds (default 0: not kept;
    /// `sealcheck_registry::Options::evidence_ttl`).
    #[serde(default)]
    pub evidence_ttl_seconds: u64,
    /// Requests in flight at most to one host (default 8).
    #[serde(default)]
    pub per_host: Option<usize>,
}

/// What a tag that names an image index (a multi-platform image) is decided on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MultiPlatform {
    /// The index itself, by its own signatures, which bind every platform manifest it lists
    /// (`sealcheck_registry::Options::decide_index`): what `cosign verify`, Kyverno and the
    /// Sigstore policy-controller check for a tag, and what holds on every node whatever
    /// platform it runs. The mutating webhook pins the index, and each node picks its platform
    /// from the index that was verified.
    #[default]
    Index,
    /// The platform manifest for `platform` (with the index's signatures only where the policy
    /// accepts them, `sealcheckIndexSignatures`), as containers/image decides on a host that runs
    /// that platform; the mutating webhook pins that manifest, so every node runs it.
    Platform,
}

/// An absolute path, or an error naming the field.
fn absolute(field: &str, p: &Path) -> Result<()> {
    if p.is_absolute() { Ok(()) } else { Err(Error::Usage(format!("{field}: {:?} is not an absolute path", p.display().to_string()))) }
}

impl RegistryConfig {
    /// The registry options (credentials and `certs.d` from the usual places unless named;
    /// default [`Timeouts`]). A CA file that cannot be read, a platform that does not parse or a
    /// relative path is an input error.
    pub fn to_options(&self) -> Result<Options> {
        let load = || -> Result<Options> {
            let paths = self.ca_file.iter().chain(self.registries_d.iter()).chain(self.certs_d.iter().flatten()).chain(self.auth_files.iter().flatten());
            for p in paths {
                absolute("registry", p)?;
            }
            if self.ca_only && self.ca_file.is_none() {
                return Err(Error::Usage("registry.caOnly needs registry.caFile".into()));
            }
            if self.platform.is_some() && self.multi_platform == MultiPlatform::Index {
                return Err(Error::Usage("registry.platform applies only with registry.multiPlatform \"platform\" (the default, \"index\", decides the index itself)".into()));
            }
            let mut options = Options::from_env();
            if let Some(p) = &self.ca_file {
                options = options.with_ca_file(p, self.ca_only)?;
            }
            if let Some(d) = &self.registries_d {
                options = options.with_registries_d(d.clone());
            }
            if let Some(dirs) = &self.certs_d {
                options.certs_dirs = CertsDirs(dirs.clone());
            }
            if let Some(files) = &self.auth_files {
                options.auth_files = AuthFiles(files.clone());
            }
            options.insecure.clone_from(&self.insecure);
            options.platform = self.platform.as_deref().map(Platform::parse).transpose()?;
            options.decide_index = self.multi_platform == MultiPlatform::Index;
            options.tag_ttl = Duration::from_secs(self.tag_ttl_seconds);
            options.evidence_ttl = Duration::from_secs(self.evidence_ttl_seconds);
            if let Some(n) = self.per_host {
                options.per_host = n;
            }
            Ok(options)
        };
        load().map_err(|e| e.loading(Input::ImageSource, "admission configuration: registry"))
    }
}

impl AdmissionConfig {
    /// Reads and checks the file at `path` (at most [`MAX_CONFIG_BYTES`]).
    pub fn load(path: &Path) -> Result<Self> {
        let what = || format!("admission configuration {}", path.display());
        let bytes = sealcheck::fs::read_file(path, MAX_CONFIG_BYTES, "admission configuration", "admission configuration size").map_err(|e| e.in_file(Input::Policy, what()))?;
        Self::from_json(&bytes).map_err(|e| e.in_file(Input::Policy, what()))
    }

    /// Parses and checks a configuration.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let c: Self = serde_json::from_slice(json).map_err(|e| Error::Json { what: "admission configuration", detail: e.to_string() })?;
        crate::objects(json, &["", "/registry"]).map_err(|detail| Error::Json { what: "admission configuration", detail })?;
        let paths = std::iter::once(("policy", &c.policy))
            .chain(c.trust_store.iter().map(|p| ("trustStore", p)))
            .chain(c.crls.iter().map(|p| ("crls", p)))
            .chain(c.revocations.iter().map(|p| ("revocations", p)))
            .chain(c.audit_log.iter().map(|p| ("auditLog", p)));
        for (field, p) in paths {
            absolute(field, p)?;
        }
        if let Some(ms) = c.deadline_ms.filter(|ms| !DEADLINE_MS.contains(ms)) {
            return Err(Error::Usage(format!("deadlineMs: {ms} is outside {}..={}", DEADLINE_MS.start(), DEADLINE_MS.end())));
        }
        Ok(c)
    }

    /// The decision deadline.
    #[must_use]
    pub fn deadline(&self) -> Duration {
        self.deadline_ms.map_or(DEFAULT_DEADLINE, Duration::from_millis)
    }

    /// The policy, compiled, and the revocation list, parsed.
    pub fn policy(&self, provider: &CryptoProvider) -> Result<(CompiledPolicy, Option<RevocationList>)> {
        let crls: Vec<&Path> = self.crls.iter().map(PathBuf::as_path).collect();
        let (policy, _) = verifier::policy_file(&self.policy, self.trust_store.as_deref(), &crls, provider)?;
        let revocations = self
            .revocations
            .as_deref()
            .map(|p| {
                let json = sealcheck::fs::read_file(p, limits::MAX_POLICY_BYTES, "revocation list", "revocation list size")?;
                verifier::revocation_list(&json).map_err(|e| e.in_file(Input::Policy, p.display().to_string()))
            })
            .transpose()?;
        Ok((policy, revocations))
    }

    /// The admitter this configuration describes, with its own registry client whose fetches
    /// end by `fetch_deadline`, and its audit log opened (its chain verified) when one is named.
    pub fn admitter(&self, provider: CryptoProvider, cache: Arc<FactCache>, fetch_deadline: Duration) -> Result<Admitter> {
        let (policy, revocations) = self.policy(&provider)?;
        let mut options = self.registry.to_options()?;
        let t = options.timeouts;
        options.timeouts = Timeouts { connect: t.connect.min(fetch_deadline), read: t.read.min(fetch_deadline), total: fetch_deadline };
        let mut admitter = Admitter::new(Arc::new(policy), Arc::new(Registry::new(options)?), provider, cache);
        if let Some(list) = revocations {
            admitter = admitter.with_revocations(Arc::new(list));
        }
        if let Some(log) = &self.audit_log {
            admitter = admitter.with_audit(Arc::new(Mutex::new(AuditLog::open(log)?)));
        }
        Ok(admitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_file_takes_the_defaults() {
        let c = AdmissionConfig::from_json(br#"{"policy": "/etc/sealcheck/policy.json"}"#).unwrap();
        assert_eq!(c.deadline(), DEFAULT_DEADLINE);
        assert_eq!(c.registry, RegistryConfig::default());
        let o = c.registry.to_options().unwrap();
        assert_eq!((o.per_host, o.tag_ttl, o.evidence_ttl, o.insecure.len()), (8, Duration::ZERO, Duration::ZERO, 0));
        assert!(o.decide_index && o.platform.is_none(), "a multi-platform tag is decided on its index");
    }

    #[test]
    fn every_field_is_read() {
        let c = AdmissionConfig::from_json(
            br#"{"policy": "/p.json", "revocations": "/r.json", "auditLog": "/a.jsonl", "deadlineMs": 2500,
                 "registry": {"insecure": ["127.0.0.1:5000"], "multiPlatform": "platform", "platform": "linux/arm64/v8", "tagTtlSeconds": 30, "evidenceTtlSeconds": 20, "perHost": 2,
                              "registriesD": "/rd", "authFiles": ["/auth.json"], "certsD": ["/certs.d"]}}"#,
        )
        .unwrap();
        assert_eq!(c.deadline(), Duration::from_millis(2500));
        let o = c.registry.to_options().unwrap();
        assert_eq!((o.per_host, o.tag_ttl, o.evidence_ttl), (2, Duration::from_secs(30), Duration::from_secs(20)));
        assert_eq!(o.insecure, vec!["127.0.0.1:5000".to_string()]);
        assert_eq!(o.platform.unwrap().to_string(), "linux/arm64/v8");
        assert!(!o.decide_index);
        assert_eq!((o.auth_files.0, o.certs_dirs.0, o.registries_d.dirs.0), (vec![PathBuf::from("/auth.json")], vec![PathBuf::from("/certs.d")], vec![PathBuf::from("/rd")]));
    }

    /// Fail closed: nothing that does not parse as documented is read as a default.
    #[test]
    fn anything_else_is_refused() {
        for (json, says) in [
            (r#"{"policy": "/p.json", "polcy": "/q.json"}"#, "unknown field"),
            (r#"{"policy": "/p.json", "policy": "/q.json"}"#, "duplicate field"),
            (r#"{"policy": "/p.json", "registry": {"insecure": [], "tls": false}}"#, "unknown field"),
            (r#"{}"#, "missing field"),
            (r#"{"policy": "p.json"}"#, "not an absolute path"),
            (r#"{"policy": "/p.json", "auditLog": "log"}"#, "not an absolute path"),
            (r#"{"policy": "/p.json", "deadlineMs": 0}"#, "outside"),
            (r#"{"policy": "/p.json", "deadlineMs": -1}"#, "invalid value"),
            (r#"{"policy": "/p.json"} {}"#, "trailing characters"),
            // serde reads a struct from a JSON array of its fields too.
            (r#"["/p.json"]"#, "the document is not a JSON object"),
            (r#"{"policy": "/p.json", "registry": [[], null, true]}"#, "/registry is not a JSON object"),
            (r#"{"policy": "/p.json", "registry": {"multiPlatform": "Index"}}"#, "unknown variant"),
        ] {
            let e = AdmissionConfig::from_json(json.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(says), "{json}: {e}");
        }
        for registry in [r#"{"caOnly": true}"#, r#"{"multiPlatform": "platform", "platform": "linux"}"#, r#"{"platform": "linux/amd64"}"#, r#"{"registriesD": "rd"}"#, r#"{"perHost": 0}"#] {
            let c = AdmissionConfig::from_json(format!(r#"{{"policy": "/p.json", "registry": {registry}}}"#).as_bytes()).unwrap();
            let e = c.registry.to_options().and_then(Registry::new).unwrap_err();
            assert_eq!(e.class(), sealcheck::ErrorClass::Input, "{registry}: {e}");
        }
    }
}
