//! The Go client of the webhook tests (`tests/k8sclient`, k8s.io/api v0.37.2), built by the
//! test that needs it and run with its input on stdin.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// The response of a review result, checked to be one.
pub fn response(r: &Value) -> &Value {
    assert_eq!(r["status"], 200, "{r}");
    assert!(r.get("error").is_none(), "{r}");
    &r["response"]
}

/// The `status.message` of a review result's response.
pub fn message(r: &Value) -> String {
    response(r)["status"]["message"].as_str().unwrap_or_default().to_string()
}

/// Polls `f` until it holds (at most 20 s).
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{what}: did not happen within 20 s");
}

/// The server's log lines on stderr (`sealcheck serve`'s JSON log) read from `log` as JSON.
pub fn log_lines(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log).unwrap().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Runs `flow` with the server's log: the server logs to its process's stderr, so the flow runs
/// in a child (this test binary again, the ignored test `test` alone, `env` naming the file)
/// whose stderr is a file the flow reads back. In that child, runs `flow` on the file.
pub fn in_child(test: &str, env: &str, flow: fn(&Path)) {
    if let Some(log) = std::env::var_os(env) {
        return flow(Path::new(&log));
    }
    let dir = std::env::temp_dir().join(format!("sealcheck-{test}-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("stderr.log");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", test, "--nocapture", "--test-threads=1"])
        .env(env, &log)
        .stderr(std::fs::File::create(&log).unwrap())
        .status()
        .unwrap();
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let not_json: Vec<&str> = text.lines().filter(|l| serde_json::from_str::<Value>(l).is_err()).collect();
        panic!("the flow failed ({status}); its stderr besides the server's log:\n{}", not_json.join("\n"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
