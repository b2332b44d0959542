//! `sealcheck verify --audit-log` and `sealcheck audit verify|summary` (issue 14, acceptance 5):
//! real decisions on notation's e2e OCI layout under containers policies, appended by several
//! invocations (one after another, and concurrently); the chain verified, corrupted copies
//! reported at the first broken record, the summary's figures checked; and the fail-closed
//! rule: a decision that cannot be recorded exits 2, even when allowed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const IMAGE: &str = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
const POLICY: &str = r#"{"default":[{"type":"reject"}],"transports":{"docker":{"localhost:5000/e2e":[{"type":"insecureAcceptAnything"}]}}}"#;

fn layout() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/notation-suite/notation/test/e2e/testdata/registry/oci_layout/e2e-valid-signature");
    assert!(p.is_dir(), "{} is missing: the audit CLI test reads the shared vectors", p.display());
    p
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sealcheck-audit-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("policy.json"), POLICY).unwrap();
    d
}

fn sealcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sealcheck")).args(args).output().unwrap()
}

/// `sealcheck verify` of the layout's image under the policy as `repo` (the allowed scope, or
/// another repository: the default scope rejects), appending to `log`.
fn verify_cmd(dir: &Path, log: &Path, repo: &str, json: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sealcheck"));
    c.args(["verify", "--time", "2026-12-01T00:00:00Z", "--policy"])
        .arg(dir.join("policy.json"))
        .args(["--reference", &format!("localhost:5000/{repo}@{IMAGE}")])
        .arg("--audit-log")
        .arg(log)
        .arg(format!("oci:{}@{IMAGE}", layout().display()));
    if json {
        c.arg("--json");
    }
    c
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn verify_appends_and_audit_checks_the_chain() {
    let dir = scratch("chain");
    let log = dir.join("audit.jsonl");
    let logs = log.to_str().unwrap();
    // Three allowed, two denied decisions.
    for (repo, want) in [("e2e", 0), ("other", 1), ("e2e", 0), ("other", 1), ("e2e", 0)] {
        let o = verify_cmd(&dir, &log, repo, false).output().unwrap();
        assert_eq!(code(&o), want, "{repo}: {}", stderr(&o));
    }
    let o = sealcheck(&["audit", "verify", logs]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("chain intact: 5 records, tail 5:"), "{out}");
    let tail = out.trim().rsplit(' ').next().unwrap().to_string();

    // The records are the decisions, in order, each chained to the one before.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let records: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.iter().map(|r| r["decision"]["allowed"] == true).collect::<Vec<_>>(), [true, false, true, false, true]);
    assert_eq!(records[0]["prev"], "0".repeat(64));
    assert_eq!(records[4]["seq"], 4);

    // The summary's figures.
    let o = sealcheck(&["audit", "summary", "--json", logs]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((s["total"].as_u64(), s["allowed"].as_u64(), s["denied"].as_u64()), (Some(5), Some(3), Some(2)), "{s}");
    assert_eq!(s["denials_by_reason"], serde_json::json!({"reject": 2}));
    assert_eq!(s["scopes"]["localhost:5000/e2e"], serde_json::json!({"decisions": 3, "allowed": 3, "denied": 0, "exceptions": 0}));
    assert_eq!(s["scopes"]["default"], serde_json::json!({"decisions": 2, "allowed": 0, "denied": 2, "exceptions": 0}));
    assert_eq!(s["days"]["2026-12-01"]["decisions"], 5);
    assert_eq!((s["first_time"].as_str(), s["last_time"].as_str()), (Some("2026-12-01T00:00:00Z"), Some("2026-12-01T00:00:00Z")));
    assert_eq!(s["exceptions"], serde_json::json!({}));
    assert_eq!(format!("{}:{}", s["tail"]["seq"], s["tail"]["hash"].as_str().unwrap()), tail);
    let o = sealcheck(&["audit", "summary", logs]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("allowed 3 (0 by exception), denied 2") && table.contains("reject") && table.contains("localhost:5000/e2e"), "{table}");

    // Corrupted copies: records 1 and 2 swapped; record 1 edited; the last one removed.
    let write = |name: &str, lines: &[&str]| {
        let p = dir.join(name);
        std::fs::write(&p, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        p
    };
    let swapped = write("swapped.jsonl", &[lines[0], lines[2], lines[1], lines[3], lines[4]]);
    let o = sealcheck(&["audit", "verify", swapped.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("broken at record 1: seq is 2, expected 1"), "{}", stderr(&o));
    let o = sealcheck(&["audit", "verify", "--json", swapped.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["intact"].as_bool(), v["index"].as_u64()), (Some(false), Some(1)));
    let o = sealcheck(&["audit", "summary", "--json", swapped.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "no summary of a broken chain");
    assert!(stderr(&o).contains("broken at record 1"));

    let edited_line = lines[1].replacen("localhost:5000/other", "localhost:5000/otheR", 1);
    let edited = write("edited.jsonl", &[lines[0], &edited_line, lines[2], lines[3], lines[4]]);
    let o = sealcheck(&["audit", "verify", edited.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("broken at record 2: prev is not the SHA-256 of record 1"), "{}", stderr(&o));

    let shortened = write("shortened.jsonl", &lines[..4]);
    let o = sealcheck(&["audit", "verify", shortened.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "a valid shorter chain");
    let o = sealcheck(&["audit", "verify", "--expect", &tail, shortened.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("broken at record 4"), "{}", stderr(&o));
    let o = sealcheck(&["audit", "verify", "--expect", &tail, logs]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // Fail closed: an allowed decision that cannot be appended exits 2, and the log is left as
    // it was.
    let before = std::fs::read(&swapped).unwrap();
    let o = verify_cmd(&dir, &swapped, "e2e", true).output().unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("chain broken at record 1") && stderr(&o).contains("the decision (allowed) was not recorded"), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["allowed"].as_bool(), v["recorded"].as_bool()), (Some(false), Some(false)), "{v}");
    assert_eq!(std::fs::read(&swapped).unwrap(), before);
    let o = verify_cmd(&dir, &dir, "e2e", false).output().unwrap();
    assert_eq!(code(&o), 2, "a directory as the log: {}", stderr(&o));

    // Input errors: a missing log, a malformed --expect.
    let o = sealcheck(&["audit", "verify", dir.join("missing").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let o = sealcheck(&["audit", "verify", "--expect", "5:xyz", logs]);
    assert_eq!(code(&o), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn concurrent_invocations_keep_the_chain() {
    let dir = scratch("concurrent");
    let log = dir.join("audit.jsonl");
    let children: Vec<_> = (0..6).map(|i| verify_cmd(&dir, &log, if i % 3 == 0 { "other" } else { "e2e" }, false).spawn().unwrap()).collect();
    let codes: Vec<i32> = children.into_iter().map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1)).collect();
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 4, "{codes:?}");
    assert_eq!(codes.iter().filter(|&&c| c == 1).count(), 2, "{codes:?}");
    let o = sealcheck(&["audit", "summary", "--json", log.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((s["total"].as_u64(), s["allowed"].as_u64(), s["denied"].as_u64()), (Some(6), Some(4), Some(2)), "{s}");
    std::fs::remove_dir_all(&dir).ok();
}
