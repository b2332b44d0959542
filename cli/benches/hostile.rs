//! Time and peak memory of every hostile-input case of `tests/hostile/cases.rs` (fail-closed
//! issue, acceptance 1: each at most 1 s and 100 MB on the CI machine). Prints one row per case
//! and the maxima; it measures, it does not judge (`tests/hostile.rs` checks the outcomes).
//!
//! `cargo bench -p sealcheck-cli --bench hostile`

#[path = "../tests/hostile/cases.rs"]
mod cases;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `c`, waits for it with `wait4` (its own resource usage, not the sum over children) and
/// returns whether it ended as the case expects, its wall time in seconds and peak resident set
/// in KiB.
#[allow(clippy::zombie_processes, reason = "the child is reaped by wait4, which std cannot do")]
fn measure(c: &cases::Case) -> (bool, f64, i64) {
    let err = std::env::temp_dir().join(format!("sealcheck-hostile-bench-{}.stderr", std::process::id()));
    let child = Command::new(env!("CARGO_BIN_EXE_sealcheck"))
        .args(&c.args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn sealcheck");
    let start = Instant::now();
    let mut status = 0;
    // SAFETY: `rusage` is plain data; `wait4` writes it and the status for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let secs = start.elapsed().as_secs_f64();
    let code = std::process::ExitStatus::from_raw(status).code();
    let message = std::fs::read_to_string(&err).unwrap_or_default();
    let _ = std::fs::remove_file(&err);
    (code == Some(c.exit) && message.contains(&c.names), secs, usage.ru_maxrss)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects cases by name.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let all = cases::all();
    let (mut worst_time, mut worst_rss) = ((0.0f64, String::new()), (0i64, String::new()));
    let mut unexpected = 0;
    println!("{:<66} {:>8} {:>9} {:>11}", "case", "outcome", "seconds", "max RSS");
    for c in all.iter().filter(|c| filter.as_ref().is_none_or(|f| c.name.contains(f.as_str()))) {
        let (expected, secs, rss) = measure(c);
        unexpected += usize::from(!expected);
        println!("{:<66} {:>8} {:>9.3} {:>7} KiB", c.name, if expected { "expected" } else { "UNEXPECTED" }, secs, rss);
        if secs > worst_time.0 {
            worst_time = (secs, c.name.clone());
        }
        if rss > worst_rss.0 {
            worst_rss = (rss, c.name.clone());
        }
    }
    println!("hostile/max_seconds {:.3} ({})", worst_time.0, worst_time.1);
    println!("hostile/unexpected_outcomes {unexpected} (tests/hostile.rs says which)");
    println!("hostile/max_rss_mib {:.1} ({})", worst_rss.0 as f64 / 1024.0, worst_rss.1);
}
