//! The Go client of the webhook tests (`tests/k8sclient`, k8s.io/api v0.37.2), built by the
//! test that needs it and run with its input on stdin.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// Builds the Go client into `dir` (its go.mod pins k8s.io/api and k8s.io/apimachinery v0.37.2).
pub fn build_client(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/k8sclient");
    let bin = dir.join("k8sclient");
    let out = Command::new("go").args(["build", "-mod=readonly", "-o"]).arg(&bin).arg(".").current_dir(&src).output().expect("the go command (Go >= 1.26) builds tests/k8sclient");
    assert!(out.status.success(), "go build tests/k8sclient: {}", String::from_utf8_lossy(&out.stderr));
    bin
}

/// The Go client against one server.
pub struct Client {
    /// The built binary.
    pub bin: PathBuf,
    /// `https://127.0.0.1:PORT`.
    pub base: String,
}

impl Client {
    /// Sends `requests` trusting `ca`, with `timeout_seconds`; the results, in order.
    pub fn send(&self, ca: &Path, timeout_seconds: u32, requests: &[Value]) -> Vec<Value> {
        let input = json!({"base": self.base, "caFile": ca, "timeoutSeconds": timeout_seconds, "requests": requests});
        let mut child = Command::new(&self.bin).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run k8sclient");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.to_string().as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "k8sclient: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// One plain request: `{status, body}` or `{error}`.
    pub fn raw(&self, ca: &Path, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut r = json!({"method": method, "path": path});
        if let Some(b) = body {
            r["body"] = b;
        }
        self.send(ca, 10, &[json!({"raw": r})]).remove(0)
    }
}

