//! Fail-closed issue, findings 4, 5 and 8: every file the command line reads, replaced by a
//! FIFO, a symlink to `/dev/zero`, a directory, a symlink out of its layout (inside a layout) or
//! nothing at all (outside one), or a file one byte past its limit, and layouts that are missing
//! or not directories, are refused with a message naming the file (or the limit), with the exit status `cases.rs` gives for it
//! (never 0, never an allow) and never a hang. (Time and
//! peak memory of each case are measured by `cargo bench -p sealcheck-cli --bench hostile`.)

#[path = "hostile/cases.rs"]
mod cases;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn every_file_reader_refuses_hostile_files() {
    assert!(cases::vectors().is_dir(), "{} is missing: this test needs ../shared/vectors", cases::vectors().display());
    let all = cases::all();
    let mut problems = Vec::new();
    for c in &all {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sealcheck")).args(&c.args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // A safety net against hangs only: the limit is generous and not what is measured.
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if std::env::var_os("HOSTILE_SHOW").is_some() {
            eprintln!("{}: {:?}: {}", c.name, status.and_then(|s| s.code()), stderr.trim());
        }
        let prefix = match c.exit {
            0 => "sealcheck: allowed: ",
            1 => "sealcheck: rejected: ",
            _ => "sealcheck: error: ",
        };
        match status.and_then(|s| s.code()) {
            None => problems.push(format!("{}: did not finish", c.name)),
            Some(code) if code != c.exit || !stderr.starts_with(prefix) || !stderr.contains(&c.names) => {
                problems.push(format!("{}: exit {code} (expected {}, naming {:?}): {}", c.name, c.exit, c.names, stderr.trim()))
            }
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{} of {} cases:\n{}", problems.len(), all.len(), problems.join("\n"));
    assert!(all.len() >= 100, "{} cases", all.len());
}
