//! The audit log (issue 14, acceptance 5): 10,000 generated decisions appended through the file
//! appenders, the chain verified and its summary checked against figures counted while
//! generating; then deletions, swaps, edits, truncations and duplicates at the first, a middle
//! and the last record, each reported at the first broken index; concurrent appenders (threads,
//! each with its own descriptor, as processes have) keep the chain valid.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sealcheck::audit::{self, AuditLog, Broken, Counts, Tail};
use sealcheck::facts::SignatureFormat;
use sealcheck::policy::{ExceptionRecord, RequirementRecord, SignatureRecord};
use sealcheck::{Decision, UnixTime};

const N: usize = 10_000;
/// 2026-01-01T00:00:00Z.
const BASE: i64 = 1_767_225_600;
const SCOPES: [&str; 4] = ["default", "registry.example/team", "registry.example/tools", "docker.io/library"];

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sealcheck-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// xorshift64*: deterministic variety.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn requirement(kind: &str, satisfied: bool, errors: &[&'static str]) -> RequirementRecord {
    let signatures = errors
        .iter()
        .enumerate()
        .map(|(i, e)| SignatureRecord {
            index: i,
            origin: format!("sha256-{i}.sig"),
            format: SignatureFormat::CosignSimpleSigning,
            accepted: false,
            reason: format!("refused: {e}"),
            error_kind: Some(e),
            signer: None,
            signed_reference: None,
            integrated_time: None,
            times: Vec::new(),
            matched: None,
            validations: Vec::new(),
        })
        .collect();
    RequirementRecord { index: 0, kind: kind.into(), satisfied, reason: if satisfied { "ok".into() } else { "not satisfied".into() }, signatures, alternatives: Vec::new() }
}

fn base_decision(i: usize, scope: &str, secs: i64) -> Decision {
    Decision {
        allowed: false,
        reason: String::new(),
        reference: format!("registry.example/app{}:v{i}", i % 7),
        manifest_digest: None,
        index_digest: None,
        scope: scope.into(),
        policy_digest: if i < N / 2 { "a".repeat(64) } else { "b".repeat(64) },
        requirements: Vec::new(),
        signature_checks: 1,
        verification_time: UnixTime::from_secs(secs),
        exception: None,
        revocation_hits: Vec::new(),
    }
}

/// Exceptions per scope: uses, and per id its uses and `not_after`.
type ExceptionFigures = BTreeMap<String, (u64, BTreeMap<String, (u64, UnixTime)>)>;

/// What the summary must say, counted while generating (not by the code under test).
#[derive(Default)]
struct Expected {
    allowed: u64,
    denied: u64,
    by_exception: u64,
    with_hits: u64,
    reasons: BTreeMap<String, u64>,
    scopes: BTreeMap<String, Counts>,
    /// Day number since the epoch → counts.
    days: BTreeMap<i64, Counts>,
    exceptions: ExceptionFigures,
    hits: BTreeMap<String, u64>,
    policies: BTreeMap<String, u64>,
    first: i64,
    last: i64,
}

fn bump(c: &mut Counts, allowed: bool, exception: bool) {
    c.decisions += 1;
    if allowed {
        c.allowed += 1;
    } else {
        c.denied += 1;
    }
    if exception {
        c.exceptions += 1;
    }
}

fn exception(scope: &str, n: u64) -> ExceptionRecord {
    ExceptionRecord {
        id: format!("EXC-{}-{n}", scope.len()),
        scope: format!("{scope}/app"),
        reason: "incident 42".into(),
        ticket: format!("OPS-{n}"),
        approver: "release-managers".into(),
        not_before: UnixTime::from_secs(BASE - 86_400),
        not_after: UnixTime::from_secs(BASE + 86_400 * (n as i64 + 3)),
        denied_because: "requirement 0 (sigstoreSigned) not satisfied".into(),
    }
}

/// `n` varied decisions and the figures they must add up to.
fn generate(n: usize) -> (Vec<Decision>, Expected) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut x = Expected { first: i64::MAX, last: i64::MIN, ..Expected::default() };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let scope = SCOPES[rng.below(4) as usize];
        // Mostly increasing, sometimes a little back in time (times are the caller's).
        let secs = BASE + i as i64 * 97 - rng.below(3) as i64 * 600;
        let mut d = base_decision(i, scope, secs);
        let mut reason = None;
        match rng.below(10) {
            0..=3 => {
                d.requirements.push(requirement("insecureAcceptAnything", true, &[]));
                d.allowed = true;
            }
            4 => {
                d.requirements.push(requirement("reject", false, &[]));
                reason = Some("reject".to_string());
            }
            5 => {
                d.requirements.push(requirement("sigstoreSigned", false, &["BadSignature", "IdentityMismatch"]));
                reason = Some("sigstoreSigned/IdentityMismatch".into());
            }
            6 => {
                d.requirements.push(requirement("insecureAcceptAnything", true, &[]));
                d.requirements.push(requirement("sigstoreSigned", false, &["IdentityMismatch", "BadSignature"]));
                reason = Some("sigstoreSigned/BadSignature".into());
            }
            7 => {
                // Refused before any requirement: counted by the reason's prefix.
                d.reason = "manifest: unknown media type".into();
                reason = Some("manifest".into());
            }
            8 => {
                d.requirements.push(requirement("notarySigned", false, &["Revoked"]));
                d.revocation_hits.push(format!("key k{}: keyCompromise", i % 3));
                reason = Some("notarySigned/Revoked".into());
            }
            _ => {
                // A denial a break-glass exception turned into an allow.
                d.requirements.push(requirement("sigstoreSigned", false, &[]));
                d.allowed = true;
                d.exception = Some(exception(scope, rng.below(3)));
            }
        }
        if d.reason.is_empty() {
            d.reason = if d.allowed { "all requirements satisfied".into() } else { "requirement not satisfied".into() };
        }
        let exc = d.exception.is_some();
        if d.allowed {
            x.allowed += 1;
        } else {
            x.denied += 1;
        }
        x.by_exception += u64::from(exc);
        x.with_hits += u64::from(!d.revocation_hits.is_empty());
        if let Some(r) = reason {
            *x.reasons.entry(r).or_default() += 1;
        }
        bump(x.scopes.entry(scope.into()).or_default(), d.allowed, exc);
        bump(x.days.entry(secs.div_euclid(86_400)).or_default(), d.allowed, exc);
        if let Some(e) = &d.exception {
            let s = x.exceptions.entry(scope.into()).or_default();
            s.0 += 1;
            let id = s.1.entry(e.id.clone()).or_insert((0, e.not_after));
            id.0 += 1;
        }
        for h in &d.revocation_hits {
            *x.hits.entry(h.clone()).or_default() += 1;
        }
        *x.policies.entry(d.policy_digest.clone()).or_default() += 1;
        x.first = x.first.min(secs);
        x.last = x.last.max(secs);
        out.push(d);
    }
    (out, x)
}

fn lines(log: &[u8]) -> Vec<Vec<u8>> {
    log.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn broken(log: &[u8]) -> Broken {
    match audit::verify(log) {
        Err(b) => b,
        Ok(s) => panic!("verified, {} records", s.total),
    }
}

fn broken_at(log: &[u8]) -> usize {
    broken(log).index
}

/// The first broken index, and a reason that says which check failed.
fn broken_with(log: &[u8], reason: &str) -> usize {
    let b = broken(log);
    assert!(b.reason.contains(reason), "{b}: expected {reason:?}");
    b.index
}

/// Changes one character of a field value of `line` so that it stays valid JSON.
fn edit_value(line: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(line.to_vec()).unwrap();
    let at = text.find(r#""reference":"registry.example/app"#).expect("a reference") + r#""reference":"registry.ex"#.len();
    let mut b = text.into_bytes();
    assert_eq!(b[at], b'a');
    b[at] = b'b';
    b
}

#[test]
fn ten_thousand_decisions_chain_summary_and_every_mutation() {
    let dir = scratch("10k");
    let path = dir.join("audit.jsonl");
    let (decisions, x) = generate(N);

    // Appended through a long-lived handle, and every 1000th through `append` (which reads and
    // verifies the whole log): the handle must take up what the other writer appended.
    let mut handle = AuditLog::open(&path).unwrap();
    assert_eq!(handle.tail(), Tail::EMPTY);
    let mut last = Tail::EMPTY;
    for (i, d) in decisions.iter().enumerate() {
        last = if i % 1000 == 999 { audit::append(&path, d).unwrap() } else { handle.append(d).unwrap() };
        assert_eq!(last.seq, i as u64 + 1);
    }
    let log = std::fs::read(&path).unwrap();
    assert_eq!(audit::tail(&log).unwrap(), last);

    let s = audit::verify(&log).unwrap();
    assert_eq!(s.tail, last);
    assert_eq!((s.total, s.allowed, s.denied), (N as u64, x.allowed, x.denied));
    assert_eq!((s.allowed_by_exception, s.with_revocation_hits), (x.by_exception, x.with_hits));
    assert!(x.by_exception > 500 && x.with_hits > 500 && x.reasons.len() == 5, "the generator varies");
    assert_eq!(s.denials_by_reason, x.reasons);
    assert_eq!(s.scopes, x.scopes.iter().map(|(k, v)| (k.clone(), *v)).collect());
    let days: Vec<Counts> = s.days.values().copied().collect();
    assert_eq!(days, x.days.values().copied().collect::<Vec<_>>(), "per day, in order");
    assert_eq!(s.days.keys().next().map(String::as_str), Some("2025-12-31"), "the first decisions are up to 20 minutes before BASE");
    assert_eq!(s.days.len(), 13);
    let exceptions: ExceptionFigures =
        s.exceptions.iter().map(|(k, u)| (k.clone(), (u.uses, u.exceptions.iter().map(|(id, e)| (id.clone(), (e.uses, e.not_after))).collect()))).collect();
    assert_eq!(exceptions, x.exceptions);
    assert_eq!(s.revocation_hits, x.hits);
    assert_eq!(s.policies, x.policies);
    assert_eq!((s.first_time, s.last_time), (Some(UnixTime::from_secs(x.first)), Some(UnixTime::from_secs(x.last))));
    assert_eq!(audit::verify_anchored(&log, &last).unwrap(), s);

    let l = lines(&log);
    assert_eq!(l.len(), N);
    let join = |v: &[Vec<u8>]| v.concat();
    let last_i = N - 1;
    for k in [0, N / 2, last_i] {
        // Deleting record k: the line now at k carries seq k + 1. Deleting the last one leaves
        // a valid, shorter chain: only the tail kept apart shows it.
        let mut v = l.clone();
        v.remove(k);
        let del = join(&v);
        if k == last_i {
            assert_eq!(audit::verify(&del).unwrap().total, N as u64 - 1);
            assert_eq!(audit::verify_anchored(&del, &last).unwrap_err().index, k, "the last record deleted");
        } else {
            assert_eq!(broken_with(&del, &format!("seq is {}, expected {k}", k + 1)), k, "record {k} deleted");
        }

        // Swapping records j and j + 1: the line at j carries seq j + 1.
        let j = k.min(N - 2);
        let mut v = l.clone();
        v.swap(j, j + 1);
        assert_eq!(broken_with(&join(&v), "seq is"), j, "records {j} and {} swapped", j + 1);

        // Editing a field value of record k (still valid JSON): record k + 1's prev no longer is
        // its hash; the last record's edit shows only against the kept tail.
        let mut v = l.clone();
        v[k] = edit_value(&v[k]);
        let edited = join(&v);
        if k == last_i {
            assert!(audit::verify(&edited).is_ok());
            assert_eq!(audit::verify_anchored(&edited, &last).unwrap_err().index, k, "the last record edited");
        } else {
            assert_eq!(broken_with(&edited, &format!("prev is not the SHA-256 of record {k}")), k + 1, "record {k} edited");
            assert_eq!(audit::verify_anchored(&edited, &last).unwrap_err().index, k + 1);
        }
        // An edit that breaks record k's JSON, or its seq, breaks it at k.
        let mut v = l.clone();
        let quote = v[k].iter().rposition(|&b| b == b'"').unwrap();
        v[k][quote] = b'x';
        assert_eq!(broken_with(&join(&v), "malformed record"), k, "record {k}'s JSON broken");
        let mut v = l.clone();
        v[k] = String::from_utf8(v[k].clone()).unwrap().replacen(&format!(r#""seq":{k},"#), &format!(r#""seq":{},"#, k + 1), 1).into_bytes();
        assert_eq!(broken_at(&join(&v)), k, "record {k}'s seq edited");

        // Duplicating record k (a replayed line right after it): the copy at k + 1 has seq k.
        let mut v = l.clone();
        v.insert(k + 1, l[k].clone());
        assert_eq!(broken_with(&join(&v), &format!("seq is {k}, expected {}", k + 1)), k + 1, "record {k} duplicated");
        // An empty line after record k.
        let mut v = l.clone();
        v.insert(k + 1, b"\n".to_vec());
        assert_eq!(broken_with(&join(&v), "empty line"), k + 1, "an empty line after record {k}");
    }
    // Truncating the last line: cut in the middle, or only its newline.
    assert_eq!(broken_with(&log[..log.len() - 100], "no final newline"), last_i);
    assert_eq!(broken_with(&log[..log.len() - 1], "no final newline"), last_i);
    assert!(audit::verify(&log[..log.len() - l[last_i].len()]).is_ok(), "a whole line removed is a deletion");

    // Appending to a broken log fails and leaves it as it was, by either appender.
    let mut v = l.clone();
    v.swap(10, 11);
    let bad = dir.join("broken.jsonl");
    std::fs::write(&bad, join(&v)).unwrap();
    let e = audit::append(&bad, &decisions[0]).unwrap_err();
    assert!(e.to_string().contains("chain broken at record 10"), "{e}");
    assert!(AuditLog::open(&bad).is_err());
    assert_eq!(std::fs::read(&bad).unwrap(), join(&v), "not extended");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn concurrent_appenders_keep_the_chain() {
    const THREADS: usize = 8;
    const EACH: usize = 200;
    let dir = scratch("threads");
    let path = dir.join("audit.jsonl");
    let run = |path: &Path, each: usize, handle: bool| {
        std::thread::scope(|s| {
            for t in 0..THREADS {
                s.spawn(move || {
                    let mut log = handle.then(|| AuditLog::open(path).unwrap());
                    for i in 0..each {
                        let mut d = base_decision(i, &format!("thread-{t}"), BASE + i as i64);
                        d.reference = format!("registry.example/t{t}:{i}");
                        d.allowed = i % 2 == 0;
                        match &mut log {
                            Some(l) => l.append(&d).unwrap(),
                            None => audit::append(path, &d).unwrap(),
                        };
                    }
                });
            }
        });
    };
    // Each thread its own descriptor and lock, as separate processes would.
    run(&path, EACH, true);
    let log = std::fs::read(&path).unwrap();
    let s = audit::verify(&log).unwrap();
    assert_eq!(s.total, (THREADS * EACH) as u64);
    for t in 0..THREADS {
        assert_eq!(s.scopes[&format!("thread-{t}")], Counts { decisions: EACH as u64, allowed: EACH as u64 / 2, denied: EACH as u64 / 2, exceptions: 0 });
    }
    // Each thread's records are in its own order.
    let mut next = [0usize; THREADS];
    for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        let r = v["decision"]["reference"].as_str().unwrap();
        let (t, i) = r.strip_prefix("registry.example/t").unwrap().split_once(':').unwrap();
        let (t, i): (usize, usize) = (t.parse().unwrap(), i.parse().unwrap());
        assert_eq!(i, next[t], "thread {t}");
        next[t] += 1;
    }
    // The one-shot appender, concurrently (each call reads and verifies the whole log).
    run(&path, 25, false);
    let s = audit::verify(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(s.total, (THREADS * (EACH + 25)) as u64);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_appenders_refuse_what_they_cannot_extend() {
    let dir = scratch("refuse");
    let d = base_decision(0, "default", BASE);
    assert!(audit::append(&dir, &d).unwrap_err().to_string().contains("directory"));
    #[cfg(unix)]
    {
        let target = dir.join("target.jsonl");
        audit::append(&target, &d).unwrap();
        std::os::unix::fs::symlink(&target, dir.join("link.jsonl")).unwrap();
        assert!(audit::append(&dir.join("link.jsonl"), &d).unwrap_err().to_string().contains("symbolic link"));
        assert!(AuditLog::open(&dir.join("link.jsonl")).is_err());
        assert!(std::process::Command::new("mkfifo").arg(dir.join("fifo")).status().unwrap().success());
        assert!(audit::append(&dir.join("fifo"), &d).unwrap_err().to_string().contains("not a regular file"), "a FIFO, without blocking");
    }

    // A handle notices the file shortened, its last record changed, or the file replaced.
    let path = dir.join("audit.jsonl");
    let mut h = AuditLog::open(&path).unwrap();
    for _ in 0..3 {
        h.append(&d).unwrap();
    }
    let log = std::fs::read(&path).unwrap();
    let cut = log.len() - lines(&log)[2].len();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(cut as u64).unwrap();
    assert!(h.append(&d).unwrap_err().to_string().contains("shrank"));
    std::fs::write(&path, &log).unwrap();
    let mut h = AuditLog::open(&path).unwrap();
    let edited = String::from_utf8(log.clone()).unwrap();
    let at = edited.rfind("default").unwrap();
    let edited = format!("{}DEFAULT{}", &edited[..at], &edited[at + 7..]);
    std::fs::write(&path, &edited).unwrap();
    assert!(h.append(&d).unwrap_err().to_string().contains("changed since this handle checked it"));
    #[cfg(unix)]
    {
        std::fs::write(dir.join("other.jsonl"), &log).unwrap();
        let mut h = AuditLog::open(&dir.join("other.jsonl")).unwrap();
        std::fs::rename(&path, dir.join("other.jsonl")).unwrap();
        assert!(h.append(&d).unwrap_err().to_string().contains("replaced"));
    }

    // A record over the line limit is refused, not written (the log would no longer verify).
    let path = dir.join("big.jsonl");
    let mut big = d.clone();
    big.reason = "x".repeat(sealcheck::limits::MAX_AUDIT_LINE_BYTES);
    assert!(matches!(audit::append(&path, &big), Err(sealcheck::Error::LimitExceeded { what: "audit log line", .. })));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    std::fs::remove_dir_all(&dir).ok();
}
