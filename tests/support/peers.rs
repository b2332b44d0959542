//! The real programs the differential and registry tests drive, built from the Go module proxy
//! by `tests/parity/build-peers.sh` into `$SEALCHECK_PEERS`: a `registry` (distribution v3)
//! started on 127.0.0.1 and stopped on drop, `cosign` and `oras`. Shared by `tests/parity.rs`
//! and the registry crate's tests (`registry/tests/`). Without the peers every user fails,
//! naming what is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The directory of the peers.
pub fn peers() -> PathBuf {
    let p = PathBuf::from(std::env::var_os("SEALCHECK_PEERS").expect("SEALCHECK_PEERS: the directory tests/parity/build-peers.sh built the peers into"));
    for bin in ["cidiff", "cosign", "registry", "oras"] {
        assert!(p.join(bin).is_file(), "{}/{bin} is missing: run tests/parity/build-peers.sh", p.display());
    }
    p
}

/// An empty scratch directory for this process.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sealcheck-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a peer in `dir`; its stdout, or a panic with its stderr.
pub fn peer(name: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(peers().join(name)).args(args).current_dir(dir).env("COSIGN_PASSWORD", "").output().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A cosign key pair (no password) in each of `dir/<name>/` for `names`.
pub fn cosign_key_pairs(dir: &Path, names: &[&str]) {
    for k in names {
        std::fs::create_dir_all(dir.join(k)).unwrap();
        peer("cosign", &["generate-key-pair"], &dir.join(k));
    }
}

/// `cosign VERB --key KEY EXTRA… IMAGE` against the test registry (plain HTTP, no transparency
/// log), writing a v3 bundle when `bundle`, the legacy form otherwise.
pub fn cosign_with_key(verb: &str, key: &Path, extra: &[&str], bundle: bool, image: &str, dir: &Path) {
    let format = format!("--new-bundle-format={bundle}");
    let mut args = vec![verb, "--key", key.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--tlog-upload=false", "--use-signing-config=false", &format, "--allow-insecure-registry", "--allow-http-registry", "-y", image]);
    peer("cosign", &args, dir);
}

/// A `registry` (distribution v3) on 127.0.0.1, with its storage in `dir`; stopped on drop.
pub struct Registry {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
}

impl Registry {
    /// Starts a registry with no authentication.
    pub fn start(dir: &Path) -> Self {
        Self::start_with(dir, "")
    }

    /// Starts a registry whose configuration also has `extra` (YAML top-level sections, such as
    /// `auth:`).
    pub fn start_with(dir: &Path, extra: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{extra}", dir.join("storage").display()),
        )
        .unwrap();
        let child = Command::new(peers().join("registry")).arg("serve").arg(&config).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start registry");
        let r = Self { child, host: format!("127.0.0.1:{port}") };
        for _ in 0..100 {
            if std::net::TcpStream::connect(&r.host).is_ok() {
                return r;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the registry did not start on {}", r.host);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pushes a one-layer OCI image as `repo:v1` with oras (`extra` flags, e.g. credentials);
/// returns its manifest digest.
pub fn push_image(reg: &Registry, dir: &Path, repo: &str, content: &str, extra: &[&str]) -> String {
    std::fs::write(dir.join("layer.txt"), content).unwrap();
    std::fs::write(dir.join("config.json"), r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"#).unwrap();
    let target = format!("{}/{repo}:v1", reg.host);
    let mut args = vec!["push", "--plain-http"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--config", "config.json:application/vnd.oci.image.config.v1+json", &target, "layer.txt:application/vnd.oci.image.layer.v1.tar"]);
    peer("oras", &args, dir);
    let mut args = vec!["resolve", "--plain-http"];
    args.extend_from_slice(extra);
    args.push(&target);
    peer("oras", &args, dir).trim().to_string()
}

/// The path of a peer beyond the four [`peers`] requires (such as `notation`), or a panic
/// naming what is missing.
pub fn peer_path(name: &str) -> PathBuf {
    let p = peers().join(name);
    assert!(p.is_file(), "{} is missing: run tests/parity/build-peers.sh", p.display());
    p
}
