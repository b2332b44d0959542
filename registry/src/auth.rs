//! Registry credentials and the distribution token flow.
//!
//! Credentials are looked up as containers/image does (`pkg/docker/config`): the containers
//! auth file (`REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`, else
//! `~/.config/containers/auth.json`), then Docker's `config.json` (`$DOCKER_CONFIG/config.json`,
//! else `~/.docker/config.json`). In each file a `credHelpers` entry for the host wins, then an
//! `auths` entry (`auth` = base64 `user:password`, keys `host`, `https://host`, and
//! `https://index.docker.io/v1/` for docker.io), then `credsStore`. A helper is the program
//! `docker-credential-<name>` on `PATH`, asked with `get` and the host on stdin (docker-
//! credential-helpers protocol). A file that exists but does not parse, or a helper that
//! fails, is an error, never anonymous access.
//!
//! Challenges (RFC 9110 §11.6.1, `WWW-Authenticate`): `Basic` is answered with the
//! credentials; `Bearer realm=…,service=…,scope=…` (distribution `docs/spec/auth/token.md`)
//! with a token fetched from the realm (with Basic credentials when there are some) and cached
//! by the [`crate::Registry`] until `expires_in` (60 s when absent), under the host that
//! challenged, the realm, the service and the scope: a token is presented to that host only,
//! for that repository only. Credentials are looked up when a challenge first needs them in a
//! decision (so a cached token spares the auth files and helpers), and are only ever sent to
//! the registry host they were found for and to the token realm it names.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use sealcheck::Error;
use serde::Deserialize;

use crate::http::{Http, fail};

/// Largest auth file or helper answer read, in bytes.
const MAX_AUTH_BYTES: usize = 1024 * 1024;
/// Largest token response, in bytes.
const MAX_TOKEN_BYTES: usize = 1024 * 1024;

/// A user name and secret for one registry host.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name (`<token>` for identity tokens is not supported).
    pub username: String,
    /// The password or token.
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

impl Credentials {
    fn basic(&self) -> String {
        format!("Basic {}", Base64::encode_string(format!("{}:{}", self.username, self.secret).as_bytes()))
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AuthFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
}

/// Where credentials are looked up: the files in order (a missing file is skipped).
#[derive(Debug, Clone, Default)]
pub struct AuthFiles(pub Vec<PathBuf>);

impl AuthFiles {
    /// The files containers/image and Docker read, from the environment.
    #[must_use]
    pub fn from_env() -> Self {
        let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = env("HOME");
        let mut files = Vec::new();
        if let Some(f) = env("REGISTRY_AUTH_FILE") {
            files.push(f);
        } else if let Some(d) = env("XDG_RUNTIME_DIR") {
            files.push(d.join("containers/auth.json"));
        } else if let Some(h) = &home {
            files.push(h.join(".config/containers/auth.json"));
        }
        match (env("DOCKER_CONFIG"), &home) {
            (Some(d), _) => files.push(d.join("config.json")),
            (None, Some(h)) => files.push(h.join(".docker/config.json")),
            _ => {}
        }
        Self(files)
    }

    /// The credentials for `host`, if any file names some.
    pub fn lookup(&self, host: &str) -> sealcheck::Result<Option<Credentials>> {
        for path in &self.0 {
            let text = match sealcheck::fs::read_file(path, MAX_AUTH_BYTES, "registry auth file", "registry auth file size") {
                Ok(t) => t,
                Err(Error::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            match lookup_in(&text, &path.display().to_string(), host)? {
                AuthLookup::None => {}
                AuthLookup::Credentials(c) => return Ok(Some(c)),
                AuthLookup::Helper(h) => return helper_get(&h, host).map(Some),
            }
        }
        Ok(None)
    }
}

/// What one auth file says about a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthLookup {
    /// Nothing: the next file is asked.
    None,
    /// `auths[host].auth`, decoded.
    Credentials(Credentials),
    /// The credential helper to ask (`credHelpers[host]`, or `credsStore`): `docker-credential-<name>`.
    Helper(String),
}

/// What the auth file `json` (named `name` in errors) says about `host`: a `credHelpers` entry
/// wins, then `auths` (keys `host`, `https://host`, `http://host`; for docker.io also
/// `https://index.docker.io/v1/` and `index.docker.io`), then `credsStore`. Malformed JSON or an
/// `auth` that is not base64 `user:password` is an error. Pure (no helper is run): the fuzz
/// target and the tests call it.
pub fn lookup_in(json: &[u8], name: &str, host: &str) -> sealcheck::Result<AuthLookup> {
    let keys = if host == "docker.io" || host == "registry-1.docker.io" {
        vec!["docker.io".to_string(), "https://index.docker.io/v1/".to_string(), "index.docker.io".to_string()]
    } else {
        vec![host.to_string(), format!("https://{host}"), format!("http://{host}")]
    };
    let file: AuthFile =
        serde_json::from_slice(json).map_err(|e| Error::Io { what: format!("registry auth file {name}"), detail: format!("malformed JSON: {e}") })?;
    if let Some(helper) = keys.iter().find_map(|k| file.cred_helpers.get(k)) {
        return Ok(AuthLookup::Helper(helper.clone()));
    }
    if let Some(entry) = keys.iter().find_map(|k| file.auths.get(k)) {
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let bad = || Error::Io { what: format!("registry auth file {name}"), detail: format!("auths[{host:?}].auth is not base64 user:password") };
            let decoded = Base64::decode_vec(auth).map_err(|_| bad())?;
            let text = String::from_utf8(decoded).map_err(|_| bad())?;
            let (u, p) = text.split_once(':').ok_or_else(bad)?;
            return Ok(AuthLookup::Credentials(Credentials { username: u.to_string(), secret: p.to_string() }));
        }
    }
    if let Some(store) = file.creds_store.as_deref().filter(|s| !s.is_empty()) {
        return Ok(AuthLookup::Helper(store.to_string()));
    }
    Ok(AuthLookup::None)
}

/// `docker-credential-<name> get`, the host on stdin; `{"Username","Secret"}` on stdout.
fn helper_get(name: &str, host: &str) -> sealcheck::Result<Credentials> {
    use std::io::Write as _;
    let what = format!("credential helper docker-credential-{name}");
    let io = |detail: String| Error::Io { what: what.clone(), detail };
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')) {
        return Err(io(format!("invalid helper name {name:?}")));
    }
    let mut child = std::process::Command::new(format!("docker-credential-{name}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| io(e.to_string()))?;
    child.stdin.take().map(|mut s| s.write_all(host.as_bytes())).transpose().map_err(|e| io(e.to_string()))?;
    let out = child.wait_with_output().map_err(|e| io(e.to_string()))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(512)]).trim().to_string();
        return Err(io(format!("{} for {host}: {msg}", out.status)));
    }
    if out.stdout.len() > MAX_AUTH_BYTES {
        return Err(io("answer too large".into()));
    }
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let a: Answer = serde_json::from_slice(&out.stdout).map_err(|e| io(format!("malformed answer: {e}")))?;
    Ok(Credentials { username: a.username, secret: a.secret })
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic`: answered with the credentials.
    Basic,
    /// `Bearer`: a token from `realm`, for `service` and `scope`.
    Bearer {
        /// The token endpoint.
        realm: String,
        /// `service`, passed on to the token endpoint.
        service: Option<String>,
        /// `scope` the registry asks for (else the repository's pull scope).
        scope: Option<String>,
    },
}

impl Challenge {
    /// The challenge of a header value, if it is one sealcheck can answer (`Basic`, or `Bearer`
    /// with a `realm`); `None` for anything else, including malformed parameters.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let (scheme, params) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        let mut p: HashMap<String, String> = HashMap::new();
        let mut rest = params.trim();
        while !rest.is_empty() {
            let (k, after) = rest.split_once('=')?;
            let after = after.trim_start();
            let (v, next) = if let Some(q) = after.strip_prefix('"') {
                let end = q.find('"')?;
                (&q[..end], q[end + 1..].trim_start().trim_start_matches(',').trim_start())
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim(), after[end..].trim_start_matches(',').trim_start())
            };
            p.insert(k.trim().to_ascii_lowercase(), v.to_string());
            rest = next;
        }
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Self::Basic);
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(Self::Bearer { realm: p.remove("realm")?, service: p.remove("service"), scope: p.remove("scope") });
        }
        None
    }
}

/// Tokens held at most by one [`crate::Registry`]; past it, expired ones are dropped, then the
/// one expiring first.
const MAX_CACHED_TOKENS: usize = 1024;

/// What a token is cached under: the host that challenged, and the challenge's realm and
/// service, and the scope asked. A token is only ever presented to that host, for that scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TokenKey {
    host: String,
    realm: String,
    service: Option<String>,
    scope: String,
}

/// The Bearer tokens of one [`crate::Registry`], shared by its decisions, and the last challenge
/// of each host (so that a decision presents a cached token before it is challenged again).
#[derive(Default)]
pub(crate) struct Tokens {
    tokens: Mutex<HashMap<TokenKey, (String, Instant)>>,
    challenges: Mutex<HashMap<String, Challenge>>,
    fetches: AtomicU64,
}

impl Tokens {
    /// Tokens fetched from token services so far.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn key(host: &str, challenge: &Challenge, scope: &str) -> Option<TokenKey> {
        match challenge {
            Challenge::Basic => None,
            Challenge::Bearer { realm, service, .. } => Some(TokenKey { host: host.to_string(), realm: realm.clone(), service: service.clone(), scope: scope.to_string() }),
        }
    }

    fn fresh(&self, key: &TokenKey) -> Option<String> {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        tokens.get(key).filter(|(_, until)| Instant::now() < *until).map(|(t, _)| t.clone())
    }

    fn insert(&self, key: TokenKey, token: String, until: Instant) {
        let mut tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if tokens.len() >= MAX_CACHED_TOKENS {
            let now = Instant::now();
            tokens.retain(|_, (_, u)| *u > now);
            if let Some(first) = tokens.iter().min_by_key(|(_, (_, u))| *u).map(|(k, _)| k.clone()).filter(|_| tokens.len() >= MAX_CACHED_TOKENS) {
                tokens.remove(&first);
            }
        }
        tokens.insert(key, (token, until));
    }

    fn challenge_of(&self, host: &str) -> Option<Challenge> {
        self.challenges.lock().unwrap_or_else(PoisonError::into_inner).get(host).cloned()
    }

    fn remember(&self, host: &str, challenge: &Challenge) {
        let mut c = self.challenges.lock().unwrap_or_else(PoisonError::into_inner);
        if c.len() >= MAX_CACHED_TOKENS && !c.contains_key(host) {
            c.clear();
        }
        c.insert(host.to_string(), challenge.clone());
    }
}

/// Authorization of one decision for one registry host: its credentials (looked up once, when
/// a challenge first needs them) and the client's tokens.
pub(crate) struct Auth {
    host: String,
    files: AuthFiles,
    credentials: Mutex<Option<Option<Credentials>>>,
    tokens: Arc<Tokens>,
}

impl Auth {
    pub fn new(host: String, files: AuthFiles, tokens: Arc<Tokens>) -> Self {
        Self { host, files, credentials: Mutex::new(None), tokens }
    }

    /// The credentials for the host, looked up on first use.
    fn credentials(&self) -> sealcheck::Result<Option<Credentials>> {
        let mut c = self.credentials.lock().unwrap_or_else(PoisonError::into_inner);
        if c.is_none() {
            *c = Some(self.files.lookup(&self.host)?);
        }
        Ok(c.clone().flatten())
    }

    /// The `Authorization` to send before being challenged, for `scope`: a fresh token the host
    /// issued for it, or the Basic credentials when the host asked for them before.
    pub fn preemptive(&self, scope: &str) -> sealcheck::Result<Option<String>> {
        match self.tokens.challenge_of(&self.host) {
            None => Ok(None),
            Some(Challenge::Basic) => Ok(self.credentials()?.as_ref().map(Credentials::basic)),
            Some(c) => Ok(Tokens::key(&self.host, &c, scope).and_then(|k| self.tokens.fresh(&k)).map(|t| format!("Bearer {t}"))),
        }
    }

    /// The `Authorization` answering `challenge` (from a 401 on `url`), for `scope`: the Basic
    /// credentials, or a token fetched from the realm (distribution `docs/spec/auth/token.md`,
    /// "Requesting a Token") and cached until its `expires_in` ("Token Response Fields": 60 s
    /// when absent).
    pub fn answer(&self, http: &Http, url: &str, challenge: &Challenge, scope: &str) -> sealcheck::Result<String> {
        self.tokens.remember(&self.host, challenge);
        match challenge {
            Challenge::Basic => self.credentials()?.as_ref().map(Credentials::basic).ok_or_else(|| fail(url, "status 401: the registry wants credentials, and none are configured for it")),
            Challenge::Bearer { realm, service, scope: asked } => {
                if !(realm.starts_with("https://") || realm.starts_with("http://")) {
                    return Err(fail(url, format!("status 401: token realm {realm:?} is not an http(s) URL")));
                }
                let mut token_url = format!("{realm}{}", if realm.contains('?') { '&' } else { '?' });
                let mut q = Vec::new();
                if let Some(s) = service {
                    q.push(format!("service={}", encode(s)));
                }
                q.push(format!("scope={}", encode(asked.as_deref().unwrap_or(scope))));
                token_url.push_str(&q.join("&"));
                let headers: Vec<(&str, String)> = self.credentials()?.iter().map(|c| ("Authorization", c.basic())).collect();
                self.tokens.fetches.fetch_add(1, Ordering::Relaxed);
                let reply = http.get(&token_url, &headers, MAX_TOKEN_BYTES)?;
                if reply.status != 200 {
                    return Err(fail(&token_url, format!("status {}: no token", reply.status)));
                }
                #[derive(Deserialize)]
                struct Token {
                    token: Option<String>,
                    access_token: Option<String>,
                    expires_in: Option<u64>,
                }
                let t: Token = serde_json::from_slice(&reply.body).map_err(|e| fail(&token_url, format!("malformed token response: {e}")))?;
                let token = t.token.or(t.access_token).filter(|t| !t.is_empty()).ok_or_else(|| fail(&token_url, "token response without a token"))?;
                let ttl = Duration::from_secs(t.expires_in.unwrap_or(DEFAULT_EXPIRES_IN).clamp(1, 24 * 3600));
                if let Some(key) = Tokens::key(&self.host, challenge, scope) {
                    self.tokens.insert(key, token.clone(), Instant::now() + ttl);
                }
                Ok(format!("Bearer {token}"))
            }
        }
    }
}

/// `expires_in` when a token response has none (distribution `docs/spec/auth/token.md`, "Token
/// Response Fields").
const DEFAULT_EXPIRES_IN: u64 = 60;

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(Challenge::parse(r#"Basic realm="Registry Realm""#), Some(Challenge::Basic));
        assert_eq!(
            Challenge::parse(r#"Bearer realm="https://auth.test/token",service="registry.test",scope="repository:ns/app:pull""#),
            Some(Challenge::Bearer { realm: "https://auth.test/token".into(), service: Some("registry.test".into()), scope: Some("repository:ns/app:pull".into()) })
        );
        assert_eq!(Challenge::parse(r#"Bearer service="x""#), None, "a Bearer challenge needs a realm");
        assert_eq!(Challenge::parse("Negotiate abc"), None);
        assert_eq!(encode("repository:ns/app:pull"), "repository%3Ans%2Fapp%3Apull");
    }

    #[test]
    fn auth_files_are_read_in_order() {
        let dir = std::env::temp_dir().join(format!("sealcheck-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = dir.join("auth.json");
        let b = dir.join("config.json");
        std::fs::write(&a, format!(r#"{{"auths":{{"r.test":{{"auth":"{}"}}}}}}"#, Base64::encode_string(b"alice:pw"))).unwrap();
        std::fs::write(&b, format!(r#"{{"auths":{{"https://r.test":{{"auth":"{}"}},"o.test":{{"auth":"{}"}}}}}}"#, Base64::encode_string(b"bob:x"), Base64::encode_string(b"carol:y"))).unwrap();
        let files = AuthFiles(vec![dir.join("missing.json"), a.clone(), b.clone()]);
        assert_eq!(files.lookup("r.test").unwrap(), Some(Credentials { username: "alice".into(), secret: "pw".into() }));
        assert_eq!(files.lookup("o.test").unwrap().unwrap().username, "carol");
        assert_eq!(files.lookup("none.test").unwrap(), None);
        std::fs::write(&a, "{not json").unwrap();
        assert!(files.lookup("r.test").is_err(), "a malformed auth file is an error, not anonymous access");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
