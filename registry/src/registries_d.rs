//! containers-registries.d(5): where simple-signing signatures are looked up (lookaside
//! storage) and whether cosign attachments are read (`use-sigstore-attachments`), per docker
//! scope, as containers/image v5.42 reads it (`docker/registries_d.go`).
//!
//! Files: every `*.yaml` of the drop-in directories ([`RegistriesDirs`]), a name in a
//! directory earlier in the list replacing the same name later, read in name order. Each file
//! may have a `default-docker` section and a `docker` mapping from scopes to sections; a scope
//! (and `default-docker`) may be defined in one file only. A section has `lookaside`
//! (`sigstore`, its old name, when `lookaside` is absent), `lookaside-staging` and
//! `sigstore-staging` (for writing: not read here) and `use-sigstore-attachments`. For an
//! image, the sections are tried from the most specific scope (`name:tag` or `name@digest`,
//! the repository, each parent namespace, the host, `*.`-wildcards of the host) to
//! `default-docker`; the first that sets a key decides it, for each key on its own.
//!
//! YAML: saphyr (YAML 1.2; a duplicate key is an error, as Go's yaml.v3 makes it). As yaml.v3
//! decoding into containers/image's structs does: unknown keys are ignored, a `null` section is
//! no section, strings are any scalar's text, and booleans accept `y`/`yes`/`on`/`n`/`no`/`off`
//! in their usual capitalizations besides `true`/`false`. Anything else of the wrong type is an
//! error naming the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode as _, Scalar, Yaml};
use sealcheck::Error;
use sealcheck::oci::Reference;

/// Largest registries.d file read, in bytes.
pub const MAX_REGISTRIES_D_FILE_BYTES: usize = 1024 * 1024;
/// `*.yaml` files read at most from the registries.d directories.
pub const MAX_REGISTRIES_D_FILES: usize = 256;

/// The registries.d directories, highest priority first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistriesDirs(pub Vec<PathBuf>);

/// The user's euid, where the platform tells it without `unsafe` (`/proc/self` is owned by it).
fn euid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata("/proc/self").ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    None
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The drop-in directories containers/image (go.podman.io/storage `pkg/configfile`) searches
/// for `<name>.d`, highest priority first: `$XDG_CONFIG_HOME/containers/<name>.d` (or
/// `~/.config/containers/<name>.d`), then under `/etc/containers` and `/usr/share/containers`
/// each: `<name>.rootless.d/<uid>` and `<name>.rootless.d` (not root) or `<name>.rootful.d`
/// (root), and `<name>.d`.
pub(crate) fn drop_in_dirs(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let user = std::env::var_os("XDG_CONFIG_HOME").map(|x| PathBuf::from(x).join("containers")).or_else(|| home().map(|h| h.join(".config/containers")));
    if let Some(u) = user {
        out.push(u.join(format!("{name}.d")));
    }
    for base in ["/etc/containers", "/usr/share/containers"] {
        let base = Path::new(base);
        match euid() {
            Some(0) => out.push(base.join(format!("{name}.rootful.d"))),
            Some(uid) => {
                out.push(base.join(format!("{name}.rootless.d")).join(uid.to_string()));
                out.push(base.join(format!("{name}.rootless.d")));
            }
            None => {}
        }
        out.push(base.join(format!("{name}.d")));
    }
    out
}

/// The lookaside storage containers/image uses when no section names one: `file:///var/lib/containers/sigstore`
/// for root, `file://$HOME/.local/share/containers/sigstore` for other users.
#[must_use]
pub fn builtin_default_lookaside() -> String {
    match (euid(), home()) {
        (Some(0), _) | (_, None) => "file:///var/lib/containers/sigstore".into(),
        (_, Some(h)) => format!("file://{}", h.join(".local/share/containers/sigstore").display()),
    }
}

impl RegistriesDirs {
    /// `SEALCHECK_REGISTRIES_D` (one directory, read alone, as containers/image reads
    /// `SystemContext.RegistriesDirPath`) if set; otherwise the drop-in directories of
    /// `registries.d` containers/image v5.42 searches.
    #[must_use]
    pub fn from_env() -> Self {
        if let Some(v) = std::env::var_os("SEALCHECK_REGISTRIES_D").filter(|v| !v.is_empty()) {
            return Self(vec![PathBuf::from(v)]);
        }
        Self(drop_in_dirs("registries"))
    }

    /// The `*.yaml` files, merged by name (an earlier directory's file replaces a later
    /// directory's file of the same name), in name order.
    fn files(&self) -> sealcheck::Result<Vec<PathBuf>> {
        let mut by_name: HashMap<String, PathBuf> = HashMap::new();
        for dir in self.0.iter().rev() {
            let entries = match std::fs::read_dir(dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::Io { what: format!("registries.d directory {}", dir.display()), detail: e.to_string() }),
            };
            for entry in entries {
                let entry = entry.map_err(|e| Error::Io { what: format!("registries.d directory {}", dir.display()), detail: e.to_string() })?;
                let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
                if name.ends_with(".yaml") && !entry.file_type().is_ok_and(|t| t.is_dir()) {
                    by_name.insert(name, entry.path());
                }
                if by_name.len() > MAX_REGISTRIES_D_FILES {
                    return Err(Error::LimitExceeded { what: "registries.d files", max: MAX_REGISTRIES_D_FILES, got: by_name.len() });
                }
            }
        }
        let mut names: Vec<_> = by_name.into_iter().collect();
        names.sort();
        Ok(names.into_iter().map(|(_, p)| p).collect())
    }
}

/// One section (`default-docker`, or a scope of `docker`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// `lookaside`: the signature storage read and written.
    pub lookaside: Option<String>,
    /// `sigstore`: the old name of `lookaside`, used when `lookaside` is absent.
    pub sigstore: Option<String>,
    /// `use-sigstore-attachments`, if set.
    pub use_sigstore_attachments: Option<bool>,
}

impl Section {
    /// The storage to read (`lookaside`, else `sigstore`), if any; empty strings are unset.
    #[must_use]
    pub fn read_location(&self) -> Option<&str> {
        self.lookaside.as_deref().filter(|s| !s.is_empty()).or(self.sigstore.as_deref().filter(|s| !s.is_empty()))
    }
}

/// The merged configuration of every registries.d file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistriesConfig {
    /// `default-docker`, if a file defines it.
    pub default_docker: Option<Section>,
    /// The `docker` sections by scope.
    pub docker: HashMap<String, Section>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
}

fn invalid(file: &str, detail: impl Into<String>) -> Error {
    Error::Io { what: format!("registries.d file {file}"), detail: detail.into() }
}

/// A scalar's text, as yaml.v3 stores any scalar in a string field; `None` for `null`.
fn text(file: &str, key: &str, y: &Yaml) -> sealcheck::Result<Option<String>> {
    Ok(match y {
        Yaml::Value(Scalar::Null) => None,
        Yaml::Value(Scalar::String(s)) => Some(s.to_string()),
        Yaml::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        Yaml::Value(Scalar::Integer(i)) => Some(i.to_string()),
        Yaml::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        _ => return Err(invalid(file, format!("{key}: expected a string"))),
    })
}

/// A boolean as yaml.v3 decodes one into a Go `bool` (YAML 1.1 words included); `None` for `null`.
fn boolean(file: &str, key: &str, y: &Yaml) -> sealcheck::Result<Option<bool>> {
    match y {
        Yaml::Value(Scalar::Null) => Ok(None),
        Yaml::Value(Scalar::Boolean(b)) => Ok(Some(*b)),
        Yaml::Value(Scalar::String(s)) => match s.as_ref() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Ok(Some(true)),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Ok(Some(false)),
            other => Err(invalid(file, format!("{key}: {other:?} is not a boolean"))),
        },
        _ => Err(invalid(file, format!("{key}: expected a boolean"))),
    }
}

fn key_text<'a>(file: &str, k: &'a Yaml) -> sealcheck::Result<std::borrow::Cow<'a, str>> {
    match k {
        Yaml::Value(Scalar::String(s)) => Ok(std::borrow::Cow::Borrowed(s.as_ref())),
        Yaml::Value(Scalar::Null) => Ok(std::borrow::Cow::Borrowed("")),
        Yaml::Value(Scalar::Boolean(b)) => Ok(std::borrow::Cow::Owned(b.to_string())),
        Yaml::Value(Scalar::Integer(i)) => Ok(std::borrow::Cow::Owned(i.to_string())),
        Yaml::Value(Scalar::FloatingPoint(f)) => Ok(std::borrow::Cow::Owned(f.to_string())),
        _ => Err(invalid(file, "a mapping key is not a scalar")),
    }
}

fn section(file: &str, what: &str, y: &Yaml) -> sealcheck::Result<Option<Section>> {
    let map = match y {
        Yaml::Value(Scalar::Null) => return Ok(None),
        Yaml::Mapping(m) => m,
        _ => return Err(invalid(file, format!("{what}: expected a mapping"))),
    };
    let mut s = Section::default();
    for (k, v) in map {
        match key_text(file, k)?.as_ref() {
            "lookaside" => s.lookaside = text(file, &format!("{what}.lookaside"), v)?,
            "sigstore" => s.sigstore = text(file, &format!("{what}.sigstore"), v)?,
            // Write locations: type-checked, not used.
            "lookaside-staging" | "sigstore-staging" => {
                text(file, what, v)?;
            }
            "use-sigstore-attachments" => s.use_sigstore_attachments = boolean(file, &format!("{what}.use-sigstore-attachments"), v)?,
            _ => {}
        }
    }
    Ok(Some(s))
}

/// One registries.d file's sections: `default-docker` and the `docker` scopes.
pub type ParsedFile = (Option<Section>, Vec<(String, Section)>);

/// Parses one registries.d file (`name` is for errors). Pure: the registries.d fuzz target and
/// tests call it on arbitrary text.
pub fn parse_file(name: &str, text: &str) -> sealcheck::Result<ParsedFile> {
    let docs = Yaml::load_from_str(text).map_err(|e| invalid(name, format!("YAML: {e}")))?;
    let Some(doc) = docs.first() else { return Ok((None, Vec::new())) };
    let map = match doc {
        Yaml::Value(Scalar::Null) => return Ok((None, Vec::new())),
        Yaml::Mapping(m) => m,
        _ => return Err(invalid(name, "the document is not a mapping")),
    };
    let mut default = None;
    let mut scopes = Vec::new();
    for (k, v) in map {
        match key_text(name, k)?.as_ref() {
            "default-docker" => default = section(name, "default-docker", v)?,
            "docker" => match v {
                Yaml::Value(Scalar::Null) => {}
                Yaml::Mapping(m) => {
                    for (scope, sv) in m {
                        let scope = key_text(name, scope)?.into_owned();
                        // A scope whose section is null is an empty section (Go stores the zero value).
                        let s = section(name, &format!("docker[{scope:?}]"), sv)?.unwrap_or_default();
                        scopes.push((scope, s));
                    }
                }
                _ => return Err(invalid(name, "docker: expected a mapping")),
            },
            _ => {}
        }
    }
    Ok((default, scopes))
}

impl RegistriesConfig {
    /// Reads and merges every file of `dirs`; a scope or `default-docker` defined in two files
    /// is an error, as a file that does not parse is.
    pub fn load(dirs: &RegistriesDirs) -> sealcheck::Result<Self> {
        let mut out = Self::default();
        let mut from: HashMap<String, String> = HashMap::new();
        let mut default_from = String::new();
        for path in dirs.files()? {
            let name = path.display().to_string();
            let bytes = sealcheck::fs::read_file(&path, MAX_REGISTRIES_D_FILE_BYTES, "registries.d file", "registries.d file size")?;
            let text = std::str::from_utf8(&bytes).map_err(|_| invalid(&name, "not UTF-8"))?;
            let (default, scopes) = parse_file(&name, text)?;
            if let Some(d) = default {
                if out.default_docker.is_some() {
                    return Err(invalid(&name, format!("\"default-docker\" is defined both in {default_from} and {name}")));
                }
                out.default_docker = Some(d);
                default_from.clone_from(&name);
            }
            for (scope, s) in scopes {
                if let Some(prev) = from.get(&scope) {
                    return Err(invalid(&name, format!("\"docker\" namespace {scope:?} is defined both in {prev} and {name}")));
                }
                from.insert(scope.clone(), name.clone());
                out.docker.insert(scope, s);
            }
            out.files.push(path);
        }
        Ok(out)
    }

    /// The sections that apply to `reference`, most specific first (`default-docker` last).
    fn sections<'a>(&'a self, reference: &Reference) -> impl Iterator<Item = (String, &'a Section)> + 'a {
        let scoped: Vec<(String, &Section)> = reference.policy_scopes().into_iter().filter_map(|s| self.docker.get(&s).map(|sec| (s, sec))).collect();
        scoped.into_iter().chain(self.default_docker.iter().map(|d| ("default-docker".to_string(), d)))
    }

    /// The lookaside storage configured for `reference` and the scope that named it, if any.
    #[must_use]
    pub fn lookaside(&self, reference: &Reference) -> Option<(String, String)> {
        self.sections(reference).find_map(|(scope, s)| s.read_location().map(|l| (l.to_string(), scope)))
    }

    /// `use-sigstore-attachments` for `reference` and the scope that set it, if any section does.
    #[must_use]
    pub fn use_sigstore_attachments(&self, reference: &Reference) -> Option<(bool, String)> {
        self.sections(reference).find_map(|(scope, s)| s.use_sigstore_attachments.map(|b| (b, scope)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap()
    }

    #[test]
    fn sections_parse_as_yaml_v3_decodes_them() {
        let (d, scopes) = parse_file(
            "a.yaml",
            "default-docker:\n  sigstore: file:///old\n  use-sigstore-attachments: yes\ndocker:\n  r.test/ns:\n    lookaside: https://l.test/sigs\n    sigstore: https://ignored.test\n    unknown: [1, 2]\n  r.test:\n  other.test:\n    use-sigstore-attachments: false\nextra: ignored\n",
        )
        .unwrap();
        let d = d.unwrap();
        assert_eq!(d.read_location(), Some("file:///old"));
        assert_eq!(d.use_sigstore_attachments, Some(true));
        assert_eq!(scopes.len(), 3);
        assert_eq!(scopes[0].1.read_location(), Some("https://l.test/sigs"), "lookaside wins over sigstore");
        assert_eq!(scopes[1].1, Section::default(), "a null scope is an empty section");
        assert_eq!(scopes[2].1.use_sigstore_attachments, Some(false));
        assert_eq!(parse_file("e.yaml", "").unwrap(), (None, Vec::new()));
        assert_eq!(parse_file("e.yaml", "# only a comment\n").unwrap(), (None, Vec::new()));
        for bad in [
            "default-docker: [1]\n",
            "docker: 3\n",
            "default-docker:\n  use-sigstore-attachments: maybe\n",
            "default-docker:\n  lookaside: {a: b}\n",
            "docker:\n  r.test: {}\n  r.test: {}\n",
            "- a list\n",
            "default-docker: {lookaside: \"unterminated\n",
        ] {
            assert!(parse_file("bad.yaml", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn most_specific_scope_wins_key_by_key() {
        let mut c = RegistriesConfig {
            default_docker: Some(Section { lookaside: Some("file:///default".into()), use_sigstore_attachments: Some(true), ..Section::default() }),
            ..RegistriesConfig::default()
        };
        c.docker.insert("r.test:5000/ns".into(), Section { use_sigstore_attachments: Some(false), ..Section::default() });
        c.docker.insert("r.test:5000/ns/app:v1".into(), Section { lookaside: Some("https://l.test".into()), ..Section::default() });
        c.docker.insert("*.test".into(), Section { sigstore: Some("file:///wild".into()), ..Section::default() });
        let app = r("r.test:5000/ns/app:v1");
        assert_eq!(c.lookaside(&app), Some(("https://l.test".into(), "r.test:5000/ns/app:v1".into())));
        assert_eq!(c.use_sigstore_attachments(&app), Some((false, "r.test:5000/ns".into())));
        let other = r("r.test:5000/ns/app:v2");
        assert_eq!(c.lookaside(&other).unwrap().0, "file:///wild", "the host wildcard before default-docker");
        let elsewhere = r("x.example/app:v1");
        assert_eq!(c.lookaside(&elsewhere).unwrap().0, "file:///default");
        assert_eq!(c.use_sigstore_attachments(&elsewhere), Some((true, "default-docker".into())));
        assert_eq!(RegistriesConfig::default().use_sigstore_attachments(&elsewhere), None);
    }

    #[test]
    fn files_merge_and_conflicts_are_errors() {
        let base = std::env::temp_dir().join(format!("sealcheck-regd-{}", std::process::id()));
        let (hi, lo) = (base.join("user"), base.join("system"));
        std::fs::create_dir_all(&hi).unwrap();
        std::fs::create_dir_all(&lo).unwrap();
        std::fs::write(lo.join("a.yaml"), "default-docker:\n  lookaside: file:///system\n").unwrap();
        std::fs::write(lo.join("b.yaml"), "docker:\n  r.test:\n    use-sigstore-attachments: false\n").unwrap();
        std::fs::write(lo.join("ignored.yml"), "not: [read").unwrap();
        std::fs::write(hi.join("a.yaml"), "default-docker:\n  lookaside: file:///user\n").unwrap();
        let dirs = RegistriesDirs(vec![hi.clone(), base.join("missing"), lo.clone()]);
        let c = RegistriesConfig::load(&dirs).unwrap();
        assert_eq!(c.files, vec![hi.join("a.yaml"), lo.join("b.yaml")], "the user's a.yaml replaces the system's");
        assert_eq!(c.lookaside(&r("r.test/app:v1")).unwrap().0, "file:///user");
        std::fs::write(hi.join("c.yaml"), "docker:\n  r.test:\n    lookaside: file:///twice\n").unwrap();
        let e = RegistriesConfig::load(&dirs).unwrap_err().to_string();
        assert!(e.contains("defined both in"), "{e}");
        std::fs::write(hi.join("c.yaml"), "default-docker:\n  lookaside: file:///twice\n").unwrap();
        assert!(RegistriesConfig::load(&dirs).is_err(), "default-docker in two files");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
