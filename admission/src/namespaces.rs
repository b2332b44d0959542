//! Per-namespace policies, as CRI-O's `signature_policy_dir` (crio.conf(5): the policy of
//! namespace `ns` is `<dir>/ns.json` when that file exists, else the default policy): each file
//! is any format [`sealcheck::verifier::policy_file`] reads, compiled by the caller's loader.
//!
//! The set (the default policy and every `<namespace>.json`) is loaded as one: when any file of
//! it changes (its name, size or modification time), all of it is compiled again and swapped in
//! only if every file compiled; otherwise the old set stays in force and the error is reported
//! (log, `sealcheck_policy_reload_errors_total`) and the same files are not tried again until
//! they change. A file name that is not a namespace name (RFC 1123 label) is an error of the
//! set, not ignored; entries starting with `.` (a ConfigMap volume's `..data`) and other
//! extensions are skipped. Until a set has loaded, nothing is decided (`/readyz` says why).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use sealcheck::CompiledPolicy;

/// The most namespace policies a directory may hold.
pub const MAX_NAMESPACE_POLICIES: usize = 4096;

/// One loaded policy, and what it was built into (an admitter, in the server).
#[derive(Debug)]
pub struct Loaded<T> {
    /// The file it came from.
    pub path: PathBuf,
    /// SHA-256 of the policy document, hex (as decision records name it).
    pub digest: String,
    /// What was built from it.
    pub value: T,
}

/// A complete, consistent set: the default and the namespaces'.
#[derive(Debug)]
pub struct PolicySet<T> {
    /// The default policy.
    pub default: Arc<Loaded<T>>,
    /// By namespace.
    pub namespaces: BTreeMap<String, Arc<Loaded<T>>>,
}

impl<T> PolicySet<T> {
    /// The policy for `namespace` (its own, else the default).
    #[must_use]
    pub fn for_namespace(&self, namespace: &str) -> &Arc<Loaded<T>> {
        self.namespaces.get(namespace).unwrap_or(&self.default)
    }
}

type Stamp = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

/// Compiles one policy file into the policy and what is kept of it; the error names the file.
pub type Load<T> = Box<dyn Fn(&Path) -> Result<(Arc<CompiledPolicy>, T), String> + Send + Sync>;

/// The policies in force, reloaded as a whole.
pub struct Policies<T> {
    default: PathBuf,
    dir: Option<PathBuf>,
    load: Load<T>,
    current: RwLock<Option<Arc<PolicySet<T>>>>,
    /// The files last tried, and the error if that failed.
    tried: Mutex<(Option<Stamp>, Option<String>)>,
}

impl<T> std::fmt::Debug for Policies<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies").field("default", &self.default).field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Nothing changed since the last try.
    Unchanged,
    /// A new set is in force (its number of namespace policies).
    Loaded(usize),
    /// The files changed and did not load; the previous set (if any) is kept.
    Failed(String),
}

/// An RFC 1123 label, as Kubernetes namespace names are.
fn namespace_name(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

impl<T> Policies<T> {
    /// Policies from `default` and, if given, `dir/<namespace>.json`; nothing is loaded until
    /// [`Policies::reload`].
    #[must_use]
    pub fn new(default: PathBuf, dir: Option<PathBuf>, load: Load<T>) -> Self {
        Self { default, dir, load, current: RwLock::new(None), tried: Mutex::new((None, None)) }
    }

    /// The set in force, once one has loaded.
    #[must_use]
    pub fn current(&self) -> Option<Arc<PolicySet<T>>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Why the last reload failed, if it did.
    #[must_use]
    pub fn last_error(&self) -> Option<String> {
        self.tried.lock().unwrap_or_else(PoisonError::into_inner).1.clone()
    }

    /// The files of the set now: the default, then `dir`'s namespace files by name.
    fn files(&self) -> Result<Vec<(Option<String>, PathBuf)>, String> {
        let mut files = vec![(None, self.default.clone())];
        let Some(dir) = &self.dir else { return Ok(files) };
        let entries = std::fs::read_dir(dir).map_err(|e| format!("policy directory {}: {e}", dir.display()))?;
        let mut named = BTreeMap::new();
        for entry in entries {
            let entry = entry.map_err(|e| format!("policy directory {}: {e}", dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { return Err(format!("policy directory {}: a file name that is not UTF-8", dir.display())) };
            let Some(ns) = name.strip_suffix(".json") else { continue };
            if name.starts_with('.') || entry.path().is_dir() {
                continue;
            }
            if !namespace_name(ns) {
                return Err(format!("policy directory {}: {name:?} does not name a namespace (RFC 1123 label)", dir.display()));
            }
            named.insert(ns.to_string(), entry.path());
            if named.len() > MAX_NAMESPACE_POLICIES {
                return Err(format!("policy directory {}: more than {MAX_NAMESPACE_POLICIES} namespace policies", dir.display()));
            }
        }
        files.extend(named.into_iter().map(|(ns, p)| (Some(ns), p)));
        Ok(files)
    }

    fn stamp(files: &[(Option<String>, PathBuf)]) -> Stamp {
        files.iter().map(|(_, p)| (p.clone(), std::fs::metadata(p).ok().map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len())))).collect()
    }

    fn load_one(&self, path: &Path) -> Result<Arc<Loaded<T>>, String> {
        let (compiled, value) = (self.load)(path)?;
        let digest = compiled.digest().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Arc::new(Loaded { path: path.into(), digest, value }))
    }

    /// Loads the set again if any of its files changed since the last try; swaps it in only if
    /// all of it loaded.
    pub fn reload(&self) -> Reload {
        let mut tried = self.tried.lock().unwrap_or_else(PoisonError::into_inner);
        let files = match self.files() {
            Ok(f) => f,
            Err(e) => {
                let changed = tried.1.as_ref() != Some(&e);
                *tried = (None, Some(e.clone()));
                return if changed { Reload::Failed(e) } else { Reload::Unchanged };
            }
        };
        let stamp = Self::stamp(&files);
        if tried.0.as_ref() == Some(&stamp) {
            return Reload::Unchanged;
        }
        let load = || -> Result<PolicySet<T>, String> {
            let mut namespaces = BTreeMap::new();
            let mut default = None;
            for (ns, path) in &files {
                let loaded = self.load_one(path)?;
                match ns {
                    None => default = Some(loaded),
                    Some(ns) => {
                        namespaces.insert(ns.clone(), loaded);
                    }
                }
            }
            let default = default.ok_or_else(|| "no default policy".to_string())?;
            Ok(PolicySet { default, namespaces })
        };
        match load() {
            Ok(set) => {
                let n = set.namespaces.len();
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(set));
                *tried = (Some(stamp), None);
                Reload::Loaded(n)
            }
            Err(e) => {
                *tried = (Some(stamp), Some(e.clone()));
                Reload::Failed(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dir: &Path, name: &str, json: &str) {
        std::fs::write(dir.join(name), json).unwrap();
    }

    #[test]
    fn namespaces_fall_back_to_the_default_and_bad_sets_keep_the_old() {
        let dir = std::env::temp_dir().join(format!("sealcheck-namespaces-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ns")).unwrap();
        let (accept, reject) = (r#"{"default":[{"type":"insecureAcceptAnything"}]}"#, r#"{"default":[{"type":"reject"}]}"#);
        let load = |path: &Path| sealcheck::verifier::policy_file(path, None, &[], &sealcheck::CryptoProvider::default()).map(|(c, _)| (Arc::new(c), ())).map_err(|e| e.to_string());
        let p = Policies::new(dir.join("default.json"), Some(dir.join("ns")), Box::new(load));
        // No default yet: nothing in force.
        assert!(matches!(p.reload(), Reload::Failed(e) if e.contains("default.json")));
        assert!(p.current().is_none());
        assert_eq!(p.reload(), Reload::Unchanged, "the same files are not tried again");
        policy(&dir, "default.json", reject);
        policy(&dir.join("ns"), "team-a.json", accept);
        policy(&dir.join("ns"), "README.md", "not a policy");
        policy(&dir.join("ns"), ".hidden.json", "{");
        assert_eq!(p.reload(), Reload::Loaded(1));
        let set = p.current().unwrap();
        let (a, other) = (set.for_namespace("team-a").digest.clone(), set.for_namespace("team-b").digest.clone());
        assert_ne!(a, other);
        assert_eq!(other, set.default.digest);
        // A bad file anywhere in the set: the old set stays, whole.
        policy(&dir.join("ns"), "team-b.json", r#"{"default":[{"type":"nonsense"}]}"#);
        assert!(matches!(p.reload(), Reload::Failed(e) if e.contains("team-b.json")));
        let kept = p.current().unwrap();
        assert!(Arc::ptr_eq(&kept, &set));
        assert!(p.last_error().is_some());
        // Fixed: the new set applies.
        policy(&dir.join("ns"), "team-b.json", accept);
        assert_eq!(p.reload(), Reload::Loaded(2));
        assert_eq!(p.current().unwrap().for_namespace("team-b").digest, a);
        assert!(p.last_error().is_none());
        // A file that names no namespace is an error of the set.
        policy(&dir.join("ns"), "Team_C.json", accept);
        assert!(matches!(p.reload(), Reload::Failed(e) if e.contains("Team_C.json")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
