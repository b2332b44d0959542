//! Helpers of the registry source's peer tests (`registries.rs`, `signatures.rs`, `tls.rs`):
//! decisions and their projection, OCI layouts, the referrers-capable test
//! registry, per-platform pushes, the scripted registry [`shim`], one-shot decisions, a static HTTP server for lookaside storage, and a test PKI made
//! with the `openssl` command. Everything listens on 127.0.0.1 and stops on drop.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sealcheck::oci::layout::{OciLayout, parse_oci_source};
use sealcheck::oci::source::collect as collect_layout;
use sealcheck::oci::{ImageEvidence, Reference};
use sealcheck::policy::{Decision, FsFiles, containers};
use sealcheck::{CryptoProvider, ImageVerifier};
use sealcheck_registry::{AuthFiles, Options, Timeouts};
use serde_json::Value;

use crate::peers::{peer, peers};

pub mod shim;

/// One decision on a client of its own (a test that changes files between decisions, or wants
/// nothing kept from an earlier one).
pub fn collect(reference: &Reference, asked: Reference, options: &Options, provider: &CryptoProvider) -> sealcheck::Result<(ImageEvidence, sealcheck_registry::Resolved)> {
    sealcheck_registry::Registry::new(options.clone())?.collect(reference, asked, provider)
}

/// Options for a plain-HTTP test registry, no credentials, no host configuration.
pub fn options(host: &str) -> Options {
    Options { insecure: vec![host.to_string()], auth_files: AuthFiles(Vec::new()), timeouts: Timeouts { total: Duration::from_secs(20), ..Timeouts::default() }, ..Options::default() }
}

/// A decision without where each signature was found (the sources name them differently).
pub fn projection(d: &Decision) -> Value {
    let mut v = serde_json::to_value(d).unwrap();
    for r in v["requirements"].as_array_mut().unwrap() {
        for s in r["signatures"].as_array_mut().unwrap() {
            s.as_object_mut().unwrap().remove("origin");
            s.as_object_mut().unwrap().remove("index");
        }
        r.as_object_mut().unwrap().remove("reason");
    }
    v.as_object_mut().unwrap().remove("reason");
    v
}

/// The evidence of an `oci:` layout source spec for `reference`.
pub fn layout(spec: &str, reference: &Reference) -> ImageEvidence {
    let (dir, selector) = parse_oci_source(spec).unwrap();
    collect_layout(CryptoProvider::default().backend(), &OciLayout::open(&dir).unwrap(), reference.clone(), &selector).unwrap()
}

/// A verifier for a containers policy.
pub fn verifier(policy: &Value) -> ImageVerifier {
    let provider = CryptoProvider::default();
    ImageVerifier::new(Arc::new(containers::compile(policy.to_string().as_bytes(), &FsFiles, provider.backend()).unwrap()), provider)
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(host: &str) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(host).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {host}");
}

/// go-containerregistry's registry with the referrers API on (`registry/tests/refregistry`,
/// built by `tests/parity/build-peers.sh`), in memory; stopped on drop.
pub struct RefRegistry {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
}

impl RefRegistry {
    /// Starts one.
    pub fn start() -> Self {
        let bin = peers().join("refregistry");
        assert!(bin.is_file(), "{} is missing: run tests/parity/build-peers.sh", bin.display());
        let host = format!("127.0.0.1:{}", free_port());
        let child = Command::new(bin).args(["-address", &host]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start refregistry");
        wait_for(&host);
        Self { child, host }
    }
}

impl Drop for RefRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The token service of the distribution token flow (`registry/tests/tokenservice`, built by
/// `tests/parity/build-peers.sh`): ES256 tokens with an `x5c` certificate it makes at start
/// (written to [`TokenService::cert`], a registry's `rootcertbundle`), for `users`
/// (`NAME:PASSWORD:REPO[,REPO…]`), expiring after `expires_in` seconds; stopped on drop.
pub struct TokenService {
    child: std::process::Child,
    /// The realm: `http://127.0.0.1:PORT/token`.
    pub realm: String,
    /// The signing certificate (PEM).
    pub cert: PathBuf,
    log: PathBuf,
}

/// The `iss` the token service signs with.
pub const TOKEN_ISSUER: &str = "sealcheck-tokenservice";

impl TokenService {
    /// Starts one, its files in `dir`.
    pub fn start(dir: &Path, users: &[&str], expires_in: u64) -> Self {
        let bin = peers().join("tokenservice");
        assert!(bin.is_file(), "{} is missing: run tests/parity/build-peers.sh", bin.display());
        let host = format!("127.0.0.1:{}", free_port());
        let (cert, log) = (dir.join("token-cert.pem"), dir.join("token-requests.jsonl"));
        let expires = expires_in.to_string();
        let mut args = vec!["-address", &host, "-cert", cert.to_str().unwrap(), "-log", log.to_str().unwrap(), "-issuer", TOKEN_ISSUER, "-expires-in", &expires];
        for u in users {
            args.extend_from_slice(&["-user", u]);
        }
        let child = Command::new(bin).args(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start tokenservice");
        wait_for(&host);
        Self { child, realm: format!("http://{host}/token"), cert, log }
    }

    /// The token requests answered so far, in order: `account`, `scope`, `service`, `status`.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// The registry configuration section for tokens from this service, for `service`.
    pub fn registry_auth(&self, service: &str) -> String {
        format!("auth:\n  token:\n    realm: {}\n    service: {service}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n", self.realm, self.cert.display())
    }
}

impl Drop for TokenService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An auth file in `dir` with `user:password` for `host`.
pub fn auth_file(dir: &Path, host: &str, user: &str, password: &str) -> AuthFiles {
    use base64ct::Encoding as _;
    std::fs::create_dir_all(dir).unwrap();
    let f = dir.join(format!("auth-{user}-{password}.json"));
    let b64 = base64ct::Base64::encode_string(format!("{user}:{password}").as_bytes());
    std::fs::write(&f, format!(r#"{{"auths":{{"{host}":{{"auth":"{b64}"}}}}}}"#)).unwrap();
    AuthFiles(vec![f])
}

/// Pushes a one-layer image for `os/arch` as `host/repo:tag` with oras (`extra`: flags such
/// as TLS files; `--plain-http` when empty); returns its manifest digest.
#[allow(clippy::too_many_arguments)]
pub fn push_platform_image(host: &str, dir: &Path, repo: &str, tag: &str, content: &str, os: &str, arch: &str, extra: &[&str]) -> String {
    let work = dir.join(format!("push-{repo}-{tag}"));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("layer.txt"), content).unwrap();
    std::fs::write(work.join("config.json"), format!(r#"{{"architecture":"{arch}","os":"{os}","rootfs":{{"type":"layers","diff_ids":[]}},"config":{{}}}}"#)).unwrap();
    let target = format!("{host}/{repo}:{tag}");
    let plain = ["--plain-http"];
    let flags: &[&str] = if extra.is_empty() { &plain } else { extra };
    let mut args = vec!["push"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["--config", "config.json:application/vnd.oci.image.config.v1+json", &target, "layer.txt:application/vnd.oci.image.layer.v1.tar"]);
    peer("oras", &args, &work);
    let mut args = vec!["resolve"];
    args.extend_from_slice(flags);
    args.push(&target);
    peer("oras", &args, &work).trim().to_string()
}

/// Pushes a linux/amd64 and a linux/arm64 image (tags `amd64`, `arm64`) and an OCI image index
/// of the two as `host/repo:v1` (`oras manifest index create`, which reads each platform from
/// its config); the digests of the index, the amd64 and the arm64 manifest.
pub fn push_index(host: &str, dir: &Path, repo: &str) -> (String, String, String) {
    let amd64 = push_platform_image(host, dir, repo, "amd64", &format!("{repo} amd64 layer"), "linux", "amd64", &[]);
    let arm64 = push_platform_image(host, dir, repo, "arm64", &format!("{repo} arm64 layer"), "linux", "arm64", &[]);
    let tag = format!("{host}/{repo}:v1");
    peer("oras", &["manifest", "index", "create", "--plain-http", &tag, "amd64", "arm64"], dir);
    (peer("oras", &["resolve", "--plain-http", &tag], dir).trim().to_string(), amd64, arm64)
}

/// A static file server on 127.0.0.1 (GET only: the file under `root`, or 404), counting the
/// requests it answered; stopped on drop.
pub struct StaticServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Paths requested, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    addr: String,
}

impl StaticServer {
    /// Serves `root`.
    pub fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (root, seen, st) = (root.to_path_buf(), requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                seen.lock().unwrap().push(path.clone());
                let file = root.join(path.trim_start_matches('/').replace("%3D", "="));
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) if !path.contains("..") => ("200 OK", b),
                    _ => ("404 Not Found", b"not found".to_vec()),
                };
                let _ = write!(conn, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n", body.len());
                let _ = conn.write_all(&body);
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
            }
        });
        Self { url: format!("http://{addr}"), requests, stop, addr }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(&self.addr);
    }
}

/// Runs `openssl ARGS` in `dir`, or panics with its stderr.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl command (Debian package openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test PKI in `dir`: `ca.crt`/`ca.key` (a CA), `server.crt`/`server.key` (for IP
/// 127.0.0.1, issued by the CA), `client.crt`/`client.key` (a TLS client certificate issued by
/// the CA) and `other-ca.crt` (an unrelated CA).
pub struct Pki {
    /// The directory.
    pub dir: PathBuf,
}

impl Pki {
    /// Generates it (P-256 keys, valid for two days).
    pub fn generate(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        for (name, cn) in [("ca", "sealcheck test CA"), ("other-ca", "sealcheck other CA")] {
            let (crt, key, subj) = (format!("{name}.crt"), format!("{name}.key"), format!("/CN={cn}"));
            let mut args = vec!["req", "-x509"];
            args.extend_from_slice(&ec);
            args.extend_from_slice(&[
                "-keyout", &key, "-out", &crt, "-days", "2", "-subj", &subj,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]);
            openssl(dir, &args);
        }
        std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n").unwrap();
        std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n").unwrap();
        for (name, cn) in [("server", "127.0.0.1"), ("client", "sealcheck client")] {
            let (csr, key, subj, ext, crt) = (format!("{name}.csr"), format!("{name}.key"), format!("/CN={cn}"), format!("{name}.ext"), format!("{name}.crt"));
            let mut args = vec!["req"];
            args.extend_from_slice(&ec);
            args.extend_from_slice(&["-keyout", &key, "-out", &csr, "-subj", &subj]);
            openssl(dir, &args);
            openssl(dir, &["x509", "-req", "-in", &csr, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", &crt, "-days", "2", "-extfile", &ext]);
        }
        Self { dir: dir.to_path_buf() }
    }

    /// A file of the PKI.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}
