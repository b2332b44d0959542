//! The audit log: every decision appended to a JSON Lines file in which each record carries the
//! SHA-256 of the record before it, so that deleting, inserting, reordering or editing records is
//! detected, and the first record that no longer fits is named.
//!
//! # Format
//!
//! A log is UTF-8 JSON Lines, every line ending in `\n`. Line `n` (counting from 0) is exactly
//! the compact JSON
//!
//! ```text
//! {"v":1,"seq":n,"prev":"<64 lowercase hex>","decision":{…}}
//! ```
//!
//! with the keys in that order, where `prev` is the SHA-256 of line `n - 1`'s bytes (without its
//! `\n`; 64 zeros for line 0) and `decision` is the serialized [`Decision`] record (its policy
//! digest, exception used and revocation hits included). [`entry`] writes a line, [`verify`]
//! checks a whole log and summarizes it, [`tail`] checks it and returns what an appender needs
//! ([`Tail`]: the next `seq` and `prev`); with `std`, [`append`] and [`AuditLog`] append to a
//! file under an exclusive lock, and never extend a log whose chain is broken.
//!
//! # What the chain detects, and where
//!
//! [`Broken::index`] is the first line that fails a check:
//!
//! - a deleted record `k`: the line now at `k` carries `seq` `k + 1`, broken at `k`;
//! - records `k` and `k + 1` swapped: broken at `k` (wrong `seq`);
//! - a record inserted or duplicated after `k`: broken at `k + 1`;
//! - record `k` edited into other valid JSON: record `k + 1`'s `prev` no longer is its hash,
//!   broken at `k + 1` (an edit that breaks the JSON, `seq` or `prev` of `k` is broken at `k`);
//! - a truncated last line (no final newline): broken at that line.
//!
//! A hash chain cannot see the *end* of the log change: removing the last records, or editing the
//! last one, leaves a shorter or different but valid chain. Keep the [`Tail`] of a log elsewhere
//! (its text form is `RECORDS:HEX`) and check against it with [`verify_anchored`]: a log that no
//! longer reaches that tail is broken at the first record missing or changed.
//!
//! Every line is bounded ([`MAX_AUDIT_LINE_BYTES`], checked before it is parsed) and parsed
//! strictly: unknown or duplicate top-level keys, another key order, spacing, an empty line or a
//! decision without its required fields break the chain.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;

use crate::encoding::hex_encode;
use crate::error::Error;
use crate::limits::MAX_AUDIT_LINE_BYTES;
use crate::policy::Decision;
use crate::time::UnixTime;

/// The format version every line carries (`"v":1`).
pub const VERSION: u64 = 1;

/// The line after `prev` (the SHA-256 of the line before, zeros for the first) at position `seq`:
/// compact JSON, without its terminating `\n`.
///
/// # Panics
///
/// Never: a [`Decision`] is records, strings, numbers and lists, which always serialize.
#[must_use]
pub fn entry(prev: &[u8; 32], seq: u64, decision: &Decision) -> String {
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        v: u64,
        seq: u64,
        prev: &'a str,
        decision: &'a Decision,
    }
    let prev = hex_encode(prev);
    serde_json::to_string(&Envelope { v: VERSION, seq, prev: &prev, decision }).expect("a decision record serializes")
}

/// SHA-256 of one line's bytes (without its `\n`): the next line's `prev`.
#[must_use]
pub fn line_hash(line: &[u8]) -> [u8; 32] {
    crate::crypto::content_sha256(line)
}

/// Where a log ends: how many records it holds (the next record's `seq`) and the hash of its
/// last line (the next record's `prev`; zeros for an empty log).
///
/// Its text form ([`Display`](fmt::Display), [`FromStr`](core::str::FromStr)) is `RECORDS:HEX`;
/// kept apart from the log, it lets [`verify_anchored`] detect records removed from, or edited
/// at, the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tail {
    /// Records in the log: the `seq` of the next one.
    pub seq: u64,
    /// SHA-256 of the last line: the `prev` of the next one.
    pub hash: [u8; 32],
}

impl Tail {
    /// The tail of an empty log.
    pub const EMPTY: Self = Self { seq: 0, hash: [0; 32] };

    /// The line that appends `decision` here (without its `\n`).
    #[must_use]
    pub fn entry(&self, decision: &Decision) -> String {
        entry(&self.hash, self.seq, decision)
    }

    /// The line that appends a decision record given as JSON text, as the surfaces that hand
    /// decisions out as JSON have it (the C ABI's record buffer, the WASM package's object):
    /// checked first as [`verify`] will check it (one line, a JSON object with a decision's
    /// required fields, nothing before or after it, no other key in the line), so that a line
    /// this returns always keeps the chain verifiable. Without its `\n`.
    ///
    /// Errors: [`Error::LimitExceeded`] (the record over [`MAX_AUDIT_LINE_BYTES`], checked
    /// first), [`Error::Usage`] (not a decision record, with the reason).
    pub fn entry_json(&self, record: &[u8]) -> Result<String, Error> {
        if record.len() > MAX_AUDIT_LINE_BYTES {
            return Err(Error::LimitExceeded { what: "audit log line", max: MAX_AUDIT_LINE_BYTES, got: record.len() });
        }
        let bad = |why: &str| Error::Usage(alloc::format!("decision record: {why}"));
        if record.contains(&b'\n') {
            return Err(bad("not on one line (give the record as compact JSON)"));
        }
        let record = core::str::from_utf8(record).map_err(|_| bad("not UTF-8"))?;
        let line = alloc::format!(r#"{{"v":{VERSION},"seq":{},"prev":"{}","decision":{record}}}"#, self.seq, hex_encode(&self.hash));
        check_line(line.as_bytes(), self).map_err(|b| bad(&b.reason))?;
        Ok(line)
    }

    /// The tail once `line` (the line [`Tail::entry`] gave) is appended.
    #[must_use]
    pub fn after(&self, line: &[u8]) -> Self {
        Self { seq: self.seq.saturating_add(1), hash: line_hash(line) }
    }
}

impl fmt::Display for Tail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, hex_encode(&self.hash))
    }
}

impl core::str::FromStr for Tail {
    type Err = Error;

    /// Reads `RECORDS:HEX` (64 lowercase hex digits; zeros when `RECORDS` is 0), as
    /// [`Display`](fmt::Display) writes it.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::Usage(alloc::format!("audit log tail {s:?}: expected RECORDS:HEX (the record count, a colon, the last record's SHA-256 in lowercase hex)"));
        let (seq, hex) = s.split_once(':').ok_or_else(bad)?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let seq: u64 = seq.parse().map_err(|_| bad())?;
        let hash = parse_hash(hex).ok_or_else(bad)?;
        if seq == 0 && hash != [0; 32] {
            return Err(bad());
        }
        Ok(Self { seq, hash })
    }
}

impl serde::Serialize for Tail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("Tail", 2)?;
        st.serialize_field("seq", &self.seq)?;
        st.serialize_field("hash", &hex_encode(&self.hash))?;
        st.end()
    }
}

/// 64 lowercase hex digits.
fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    let b = hex.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// The verdict on a log whose chain does not hold: the first line (counting from 0) that fails
/// a check, and which check. It is a finding about the log, not an input error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    /// The first broken line, counting from 0.
    pub index: usize,
    /// Why it does not fit.
    pub reason: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {}: {}", self.index, self.reason)
    }
}

impl core::error::Error for Broken {}

/// Decisions counted together (per scope, per day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Decisions.
    pub decisions: u64,
    /// Of which allowed (exceptions included).
    pub allowed: u64,
    /// Of which denied.
    pub denied: u64,
    /// Of which allowed by a break-glass exception.
    pub exceptions: u64,
}

impl Counts {
    fn add(&mut self, allowed: bool, exception: bool) {
        self.decisions += 1;
        if allowed {
            self.allowed += 1;
        } else {
            self.denied += 1;
        }
        if exception && allowed {
            self.exceptions += 1;
        }
    }
}

/// One break-glass exception, as the records that used it describe it (the last record's
/// description wins when the policy changed it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExceptionSeen {
    /// The repository or digest the exception covers.
    pub scope: String,
    /// The ticket that tracks it.
    pub ticket: String,
    /// Who approved it.
    pub approver: String,
    /// When it started to apply.
    pub not_before: UnixTime,
    /// When it stops applying.
    pub not_after: UnixTime,
    /// Decisions it turned into an allow.
    pub uses: u64,
    /// Verification time of the earliest such decision.
    pub first_used: UnixTime,
    /// Verification time of the latest such decision.
    pub last_used: UnixTime,
}

/// The exceptions used in one policy scope.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ExceptionUse {
    /// Decisions of the scope that used an exception.
    pub uses: u64,
    /// Each exception used, by id.
    pub exceptions: BTreeMap<String, ExceptionSeen>,
}

/// What a verified log holds: the figures `sealcheck audit summary` prints, as data a report
/// (text, JSON, HTML) renders. Maps are ordered by key.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Summary {
    /// Where the log ends (`tail.seq` records).
    pub tail: Tail,
    /// Decisions (records).
    pub total: u64,
    /// Decisions that allowed the image (exceptions included).
    pub allowed: u64,
    /// Decisions that denied it.
    pub denied: u64,
    /// Allowed decisions that an exception turned from a denial.
    pub allowed_by_exception: u64,
    /// Decisions with at least one revocation hit.
    pub with_revocation_hits: u64,
    /// Denials by reason: the first unsatisfied requirement's kind and the error kind of the
    /// last signature it considered (`sigstoreSigned/IdentityMismatch`), the kind alone when it
    /// considered none (`reject`), or the decision reason's prefix (up to its first `:`) when no
    /// requirement was evaluated (`manifest`).
    pub denials_by_reason: BTreeMap<String, u64>,
    /// Decisions per policy scope.
    pub scopes: BTreeMap<String, Counts>,
    /// Exceptions used per policy scope.
    pub exceptions: BTreeMap<String, ExceptionUse>,
    /// Decisions per UTC day of their verification time (`YYYY-MM-DD`).
    pub days: BTreeMap<String, Counts>,
    /// Revocation hits, by the hit's description.
    pub revocation_hits: BTreeMap<String, u64>,
    /// Decisions per policy digest.
    pub policies: BTreeMap<String, u64>,
    /// The earliest verification time.
    pub first_time: Option<UnixTime>,
    /// The latest verification time.
    pub last_time: Option<UnixTime>,
}

impl Summary {
    fn add(&mut self, d: &DecisionView) {
        let exception = d.exception.is_some();
        let t = d.verification_time.0;
        self.total += 1;
        if d.allowed {
            self.allowed += 1;
            if exception {
                self.allowed_by_exception += 1;
            }
        } else {
            self.denied += 1;
            *self.denials_by_reason.entry(denial_reason(d)).or_default() += 1;
        }
        self.scopes.entry(d.scope.clone()).or_default().add(d.allowed, exception);
        let day = t.to_rfc3339().map_or_else(|| "out-of-range".to_string(), |s| s[..10].to_string());
        self.days.entry(day).or_default().add(d.allowed, exception);
        if let Some(e) = &d.exception {
            let scope = self.exceptions.entry(d.scope.clone()).or_default();
            scope.uses += 1;
            let (first, uses) = scope.exceptions.get(&e.id).map_or((t, 0), |s| (s.first_used.min(t), s.uses));
            let last = scope.exceptions.get(&e.id).map_or(t, |s| s.last_used.max(t));
            scope.exceptions.insert(
                e.id.clone(),
                ExceptionSeen {
                    scope: e.scope.clone(),
                    ticket: e.ticket.clone(),
                    approver: e.approver.clone(),
                    not_before: e.not_before.0,
                    not_after: e.not_after.0,
                    uses: uses + 1,
                    first_used: first,
                    last_used: last,
                },
            );
        }
        if !d.revocation_hits.is_empty() {
            self.with_revocation_hits += 1;
        }
        for hit in &d.revocation_hits {
            *self.revocation_hits.entry(hit.clone()).or_default() += 1;
        }
        *self.policies.entry(d.policy_digest.clone()).or_default() += 1;
        self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
        self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
    }
}

/// The key a denial is counted under (see [`Summary::denials_by_reason`]).
fn denial_reason(d: &DecisionView) -> String {
    fn last_error(r: &RequirementView) -> Option<&str> {
        match r.signatures.last() {
            Some(s) => s.error_kind.as_deref(),
            None => r.alternatives.last().and_then(last_error),
        }
    }
    if let Some(r) = d.requirements.iter().find(|r| !r.satisfied) {
        return match last_error(r) {
            Some(kind) => alloc::format!("{}/{kind}", r.kind),
            None => r.kind.clone(),
        };
    }
    let prefix = d.reason.split(':').next().unwrap_or_default().trim();
    let mut end = prefix.len().min(64);
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    if end == 0 { "unknown".into() } else { prefix[..end].into() }
}

// ---- parsing a line ----------------------------------------------------------------------

/// One line, strictly: these four keys, no other.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    v: u64,
    seq: u64,
    prev: String,
    decision: DecisionView,
}

/// What the summary reads of a decision record. Its required fields must be there; fields it
/// does not read are allowed (the record grows with the policy model).
#[derive(Deserialize)]
struct DecisionView {
    allowed: bool,
    reason: String,
    #[serde(rename = "reference")]
    _reference: String,
    scope: String,
    policy_digest: String,
    requirements: Vec<RequirementView>,
    verification_time: Time,
    #[serde(default)]
    exception: Option<ExceptionView>,
    #[serde(default)]
    revocation_hits: Vec<String>,
}

#[derive(Deserialize)]
struct RequirementView {
    kind: String,
    satisfied: bool,
    signatures: Vec<SignatureView>,
    #[serde(default)]
    alternatives: Vec<RequirementView>,
}

#[derive(Deserialize)]
struct SignatureView {
    error_kind: Option<String>,
}

#[derive(Deserialize)]
struct ExceptionView {
    id: String,
    scope: String,
    ticket: String,
    approver: String,
    not_before: Time,
    not_after: Time,
}

/// A [`UnixTime`] as it serializes: RFC 3339, or seconds outside years 0000–9999.
struct Time(UnixTime);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 time or seconds since the epoch")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Time, E> {
                UnixTime::parse_rfc3339(s).map(Time).map_err(|_| E::custom(alloc::format!("invalid time {s:?}")))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Time, E> {
                Ok(Time(UnixTime::from_secs(n)))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Time, E> {
                i64::try_from(n).map(|n| Time(UnixTime::from_secs(n))).map_err(|_| E::custom("time out of range"))
            }
        }
        d.deserialize_any(V)
    }
}

fn index_of(seq: u64) -> usize {
    usize::try_from(seq).unwrap_or(usize::MAX)
}

fn broken(seq: u64, reason: impl Into<String>) -> Broken {
    Broken { index: index_of(seq), reason: reason.into() }
}

/// Checks `line` as the record after `tail`.
fn check_line(line: &[u8], tail: &Tail) -> Result<DecisionView, Broken> {
    let at = tail.seq;
    if line.len() > MAX_AUDIT_LINE_BYTES {
        return Err(broken(at, alloc::format!("line of {} bytes exceeds the limit of {MAX_AUDIT_LINE_BYTES}", line.len())));
    }
    if line.is_empty() {
        return Err(broken(at, "empty line"));
    }
    let parsed: Line = serde_json::from_slice(line).map_err(|e| broken(at, alloc::format!("malformed record: {e}")))?;
    if parsed.v != VERSION {
        return Err(broken(at, alloc::format!("unsupported version {} (this verifier reads {VERSION})", parsed.v)));
    }
    if parsed.seq != at {
        return Err(broken(at, alloc::format!("seq is {}, expected {at} (records deleted, inserted or reordered)", parsed.seq)));
    }
    let want = hex_encode(&tail.hash);
    if parsed.prev != want {
        return Err(broken(
            at,
            match at {
                0 => "prev of the first record is not 64 zeros".to_string(),
                _ => alloc::format!("prev is not the SHA-256 of record {} (that record, or this one, was changed)", at - 1),
            },
        ));
    }
    // Exactly the form `entry` writes: key order and spacing are part of the format.
    let head = alloc::format!(r#"{{"v":{VERSION},"seq":{at},"prev":"{want}","decision":{{"#);
    if !line.starts_with(head.as_bytes()) || !line.ends_with(b"}}") {
        return Err(broken(at, "not in the canonical form (key order, spacing)"));
    }
    Ok(parsed.decision)
}

/// Checks the lines of `bytes` as the records after `start`; returns the new tail and where the
/// last line starts in `bytes`. With `anchor`, the log must reach it (see [`verify_anchored`]).
fn walk(start: Tail, bytes: &[u8], mut summary: Option<&mut Summary>, anchor: Option<&Tail>) -> Result<(Tail, Option<usize>), Broken> {
    let mut tail = start;
    let mut pos = 0;
    let mut last_start = None;
    if let Some(a) = anchor {
        if a.seq < start.seq || (a.seq == start.seq && a.hash != start.hash) {
            return Err(broken(a.seq.saturating_sub(1), "the expected tail is not on this chain"));
        }
    }
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let window = &rest[..rest.len().min(MAX_AUDIT_LINE_BYTES + 1)];
        let Some(end) = window.iter().position(|&b| b == b'\n') else {
            return Err(broken(
                tail.seq,
                if rest.len() > MAX_AUDIT_LINE_BYTES {
                    alloc::format!("line longer than the limit of {MAX_AUDIT_LINE_BYTES} bytes")
                } else {
                    "truncated: the last line has no final newline".to_string()
                },
            ));
        };
        let line = &rest[..end];
        let decision = check_line(line, &tail)?;
        if let Some(s) = summary.as_deref_mut() {
            s.add(&decision);
        }
        tail = tail.after(line);
        if let Some(a) = anchor.filter(|a| a.seq == tail.seq) {
            if a.hash != tail.hash {
                return Err(broken(tail.seq - 1, "differs from the expected tail (the record was changed or replaced)"));
            }
        }
        last_start = Some(pos);
        pos += end + 1;
    }
    if let Some(a) = anchor.filter(|a| a.seq > tail.seq) {
        return Err(broken(tail.seq, alloc::format!("missing: the log ends after {} records, the expected tail is at {} (records removed from the end)", tail.seq, a.seq)));
    }
    Ok((tail, last_start))
}

/// Checks the whole chain of `log` and summarizes its decisions. `Err` names the first broken
/// line.
pub fn verify(log: &[u8]) -> Result<Summary, Broken> {
    let mut summary = Summary::default();
    summary.tail = walk(Tail::EMPTY, log, Some(&mut summary), None)?.0;
    Ok(summary)
}

/// [`verify`], and the log must still reach `expected` (a [`Tail`] kept apart from it): it holds
/// at least `expected.seq` records and record `expected.seq - 1` hashes to `expected.hash`.
/// Records appended after it are fine; records removed from the end are broken at the first one
/// missing, an edited last record at that record.
pub fn verify_anchored(log: &[u8], expected: &Tail) -> Result<Summary, Broken> {
    let mut summary = Summary::default();
    summary.tail = walk(Tail::EMPTY, log, Some(&mut summary), Some(expected))?.0;
    Ok(summary)
}

/// Checks the chain of `log` and returns its tail: what the next record needs. Appending to a
/// broken log must fail, so appenders call this (not a shortcut) before they write.
pub fn tail(log: &[u8]) -> Result<Tail, Broken> {
    walk(Tail::EMPTY, log, None, None).map(|(t, _)| t)
}

/// Checks `more`, lines that continue a chain ending at `from`, and returns the new tail;
/// indexes in `Err` count from the start of the log (`from.seq` is the first line of `more`).
/// For an appender that already checked the log up to `from`.
pub fn extend(from: &Tail, more: &[u8]) -> Result<Tail, Broken> {
    walk(*from, more, None, None).map(|(t, _)| t)
}

#[cfg(feature = "std")]
pub use file::{AuditLog, append};

/// Appending to a log file (`std`): one line per decision, under an exclusive lock.
#[cfg(feature = "std")]
mod file {
    use std::fs::File;
    use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
    use std::path::{Path, PathBuf};
    use std::string::String;
    use std::vec::Vec;

    use super::{Broken, Tail, line_hash, walk};
    use crate::error::{Error, Result};
    use crate::limits::{MAX_AUDIT_LINE_BYTES, MAX_AUDIT_LOG_BYTES};
    use crate::policy::Decision;

    fn what(path: &Path) -> String {
        alloc::format!("audit log {}", path.display())
    }

    fn io(path: &Path, doing: &str, e: &std::io::Error) -> Error {
        Error::Io { what: what(path), detail: alloc::format!("{doing}: {e}") }
    }

    fn refused(path: &Path, b: &Broken) -> Error {
        Error::Io { what: what(path), detail: alloc::format!("chain broken at record {}: {}; not extended", b.index, b.reason) }
    }

    fn too_large(got: u64) -> Error {
        Error::LimitExceeded { what: "audit log size", max: MAX_AUDIT_LOG_BYTES, got: usize::try_from(got).unwrap_or(usize::MAX) }
    }

    /// Opens (creating it) the log for reading and appending (`O_APPEND`). What exists at `path`
    /// must be a regular file, not a symbolic link, FIFO, device, socket or directory: checked
    /// before the open (which does not follow a symlink, and cannot block on a FIFO) and again
    /// on the opened file.
    fn open(path: &Path) -> Result<File> {
        let not_regular = |ft| crate::fs::not_regular("audit log", path, ft);
        match std::fs::symlink_metadata(path) {
            Ok(m) if !m.file_type().is_file() => return Err(not_regular(m.file_type())),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path, "open", &e)),
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
        }
        let file = options.open(path).map_err(|e| io(path, "open", &e))?;
        let meta = file.metadata().map_err(|e| io(path, "stat", &e))?;
        if !meta.is_file() {
            return Err(not_regular(meta.file_type()));
        }
        Ok(file)
    }

    /// The exclusive lock on the log, released when dropped.
    struct Locked<'a>(&'a File);

    impl<'a> Locked<'a> {
        fn new(file: &'a File, path: &Path) -> Result<Self> {
            file.lock().map_err(|e| io(path, "lock", &e))?;
            Ok(Self(file))
        }
    }

    impl Drop for Locked<'_> {
        fn drop(&mut self) {
            let _ = self.0.unlock();
        }
    }

    fn size(file: &File, path: &Path) -> Result<u64> {
        let len = file.metadata().map_err(|e| io(path, "stat", &e))?.len();
        if len > MAX_AUDIT_LOG_BYTES as u64 {
            return Err(too_large(len));
        }
        Ok(len)
    }

    /// Bytes `from..to` of the log (bounded: `to` was checked by [`size`]).
    fn read_range(file: &File, path: &Path, from: u64, to: u64) -> Result<Vec<u8>> {
        let mut f = file;
        f.seek(SeekFrom::Start(from)).map_err(|e| io(path, "seek", &e))?;
        let n = to - from;
        let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        f.take(n).read_to_end(&mut out).map_err(|e| io(path, "read", &e))?;
        if out.len() as u64 != n {
            return Err(Error::Io { what: what(path), detail: "shrank while it was read".into() });
        }
        Ok(out)
    }

    /// Appends `line` and its newline with one write at the end of the log (`len` bytes), then
    /// `sync_data`. A write that fails is undone (the file cut back to `len`), so that a failed
    /// append never leaves a partial line.
    fn write_line(file: &File, path: &Path, len: u64, line: &str) -> Result<()> {
        if line.len() > MAX_AUDIT_LINE_BYTES {
            return Err(Error::LimitExceeded { what: "audit log line", max: MAX_AUDIT_LINE_BYTES, got: line.len() });
        }
        let end = len + line.len() as u64 + 1;
        if end > MAX_AUDIT_LOG_BYTES as u64 {
            return Err(too_large(end));
        }
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        let mut f = file;
        if let Err(e) = f.write_all(&buf).and_then(|()| file.sync_data()) {
            let _ = file.set_len(len);
            return Err(io(path, "append", &e));
        }
        Ok(())
    }

    /// Appends `decision` to the log at `path` (created when missing) and returns the log's new
    /// tail. Under an exclusive lock on the file (`File::lock`), the whole log is read (at most
    /// [`MAX_AUDIT_LOG_BYTES`]) and its chain verified ([`tail`](super::tail)): a broken log is
    /// [`Error::Io`] and is not extended. Then one line is written with one `write_all` on an
    /// `O_APPEND` descriptor, and `sync_data`. Concurrent appenders, threads or processes, each
    /// lock the file, so records chain in the order the locks were taken.
    ///
    /// Each call costs a read and a verification of the whole log; a long-lived writer opens an
    /// [`AuditLog`] instead.
    ///
    /// Errors: [`Error::Io`] (not a regular file, an OS error, a broken chain),
    /// [`Error::LimitExceeded`] (the log, or the new line, over its limit).
    pub fn append(path: &Path, decision: &Decision) -> Result<Tail> {
        let file = open(path)?;
        let _held = Locked::new(&file, path)?;
        let len = size(&file, path)?;
        let bytes = read_range(&file, path, 0, len)?;
        let tail = super::tail(&bytes).map_err(|b| refused(path, &b))?;
        let line = tail.entry(decision);
        write_line(&file, path, len, &line)?;
        Ok(tail.after(line.as_bytes()))
    }

    /// An audit log file held open by a long-lived writer (a server): the whole chain is
    /// verified once, by [`AuditLog::open`]; each [`AuditLog::append`] then, under the file's
    /// exclusive lock, checks that the last record it knows is still there unchanged and that
    /// the file was neither shortened nor replaced, verifies only the records other writers
    /// appended since, and appends one line. A change the handle cannot see (an edit inside
    /// the records it already checked) is found by [`verify`](super::verify).
    #[derive(Debug)]
    pub struct AuditLog {
        path: PathBuf,
        file: File,
        /// Bytes checked so far.
        len: u64,
        /// Where the last line checked starts.
        last_start: u64,
        tail: Tail,
    }

    impl AuditLog {
        /// Opens the log at `path` (created when missing) and verifies its whole chain; errors as
        /// [`append`].
        pub fn open(path: &Path) -> Result<Self> {
            let file = open(path)?;
            let (len, last_start, tail) = {
                let _held = Locked::new(&file, path)?;
                let len = size(&file, path)?;
                let bytes = read_range(&file, path, 0, len)?;
                let (tail, last) = walk(Tail::EMPTY, &bytes, None, None).map_err(|b| refused(path, &b))?;
                (len, last.map_or(0, |p| p as u64), tail)
            };
            Ok(Self { path: path.to_path_buf(), file, len, last_start, tail })
        }

        /// The path it was opened at.
        #[must_use]
        pub fn path(&self) -> &Path {
            &self.path
        }

        /// The tail as of the last open or append through this handle.
        #[must_use]
        pub fn tail(&self) -> Tail {
            self.tail
        }

        /// Appends `decision` and returns the log's new tail; see [`AuditLog`]. Errors as
        /// [`append`], and [`Error::Io`] when the file was shortened, replaced or removed, or
        /// its last known record changed.
        pub fn append(&mut self, decision: &Decision) -> Result<Tail> {
            self.append_line(|t| Ok(t.entry(decision)))
        }

        /// [`AuditLog::append`] of a decision record given as JSON text
        /// ([`Tail::entry_json`]: a record that is not a decision's is refused, and nothing is
        /// written).
        pub fn append_json(&mut self, record: &[u8]) -> Result<Tail> {
            self.append_line(|t| t.entry_json(record))
        }

        /// Appends the line `line` makes for the log's tail, checked as [`AuditLog::append`] says.
        fn append_line(&mut self, line: impl FnOnce(&Tail) -> Result<String>) -> Result<Tail> {
            let path = self.path.as_path();
            let _held = Locked::new(&self.file, path)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt as _;
                let here = std::fs::symlink_metadata(path).map_err(|e| io(path, "stat", &e))?;
                let open = self.file.metadata().map_err(|e| io(path, "stat", &e))?;
                if (here.dev(), here.ino()) != (open.dev(), open.ino()) {
                    return Err(Error::Io { what: what(path), detail: "was replaced since it was opened; not extended".into() });
                }
            }
            let len = size(&self.file, path)?;
            if len < self.len {
                return Err(Error::Io { what: what(path), detail: alloc::format!("shrank from {} to {len} bytes since it was checked; not extended", self.len) });
            }
            let bytes = read_range(&self.file, path, self.last_start, len)?;
            let known = usize::try_from(self.len - self.last_start).unwrap_or(usize::MAX).min(bytes.len());
            if self.tail.seq > 0 {
                let last = &bytes[..known];
                if last.last() != Some(&b'\n') || line_hash(&last[..last.len() - 1]) != self.tail.hash {
                    let b = Broken { index: super::index_of(self.tail.seq - 1), reason: "changed since this handle checked it".into() };
                    return Err(refused(path, &b));
                }
            }
            let (tail, _) = walk(self.tail, &bytes[known..], None, None).map_err(|b| refused(path, &b))?;
            let line = line(&tail)?;
            write_line(&self.file, path, len, &line)?;
            self.last_start = len;
            self.len = len + line.len() as u64 + 1;
            self.tail = tail.after(line.as_bytes());
            Ok(self.tail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ExceptionRecord, RequirementRecord};

    fn decision(allowed: bool, scope: &str, secs: i64) -> Decision {
        Decision {
            allowed,
            reason: if allowed { "all 1 requirements satisfied".into() } else { "requirement 0 (reject) not satisfied: rejects every image".into() },
            reference: "registry.example/app:v1".into(),
            manifest_digest: None,
            index_digest: None,
            scope: scope.into(),
            policy_digest: "ab".repeat(32),
            requirements: alloc::vec![RequirementRecord {
                index: 0,
                kind: if allowed { "insecureAcceptAnything" } else { "reject" }.into(),
                satisfied: allowed,
                reason: String::new(),
                signatures: Vec::new(),
                alternatives: Vec::new(),
            }],
            signature_checks: 0,
            verification_time: UnixTime::from_secs(secs),
            exception: None,
            revocation_hits: Vec::new(),
        }
    }

    fn log_of(ds: &[Decision]) -> Vec<u8> {
        let mut t = Tail::EMPTY;
        let mut out = Vec::new();
        for d in ds {
            let line = t.entry(d);
            t = t.after(line.as_bytes());
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn the_line_format() {
        let d = decision(true, "default", 0);
        let line = entry(&[0; 32], 0, &d);
        let want = alloc::format!(r#"{{"v":1,"seq":0,"prev":"{}","decision":{}}}"#, "0".repeat(64), serde_json::to_string(&d).unwrap());
        assert_eq!(line, want);
        let log = alloc::format!("{line}\n");
        let t = tail(log.as_bytes()).unwrap();
        assert_eq!(t, Tail { seq: 1, hash: line_hash(line.as_bytes()) });
        assert_eq!(t.to_string().parse::<Tail>().unwrap(), t);
        assert_eq!(Tail::EMPTY.to_string(), alloc::format!("0:{}", "0".repeat(64)));
        for bad in ["", "1", "x:00", "1:", &alloc::format!("0:{}1", "0".repeat(63)), &alloc::format!("1:{}", "A".repeat(64)), &alloc::format!("+1:{}", "a".repeat(64))] {
            assert!(bad.parse::<Tail>().is_err(), "{bad}");
        }
    }

    #[test]
    fn strict_lines() {
        let d = decision(false, "default", 0);
        let good = entry(&[0; 32], 0, &d);
        let variants = [
            good.replacen(r#"{"v":1,"#, r#"{"v":1,"x":0,"#, 1),
            good.replacen(r#"{"v":1,"#, r#"{"v":1,"v":1,"#, 1),
            good.replacen(r#"{"v":1,"#, r#"{"v":2,"#, 1),
            good.replacen(r#"{"v":1,"seq":0,"#, r#"{"seq":0,"v":1,"#, 1),
            good.replacen(r#"{"v":1,"#, r#"{"v": 1,"#, 1),
            good.replacen(r#""prev":"0"#, r#""prev":"1"#, 1),
            good.replacen(r#""allowed":false,"#, "", 1),
            alloc::format!("{good} "),
            String::new(),
        ];
        for v in &variants {
            let log = alloc::format!("{v}\n");
            let b = verify(log.as_bytes()).unwrap_err();
            assert_eq!(b.index, 0, "{v}: {b}");
        }
        assert_eq!(verify(good.as_bytes()).unwrap_err().index, 0, "no final newline");
        let long = alloc::vec![b' '; MAX_AUDIT_LINE_BYTES + 1];
        assert!(verify(&long).unwrap_err().reason.contains("limit"));
    }

    /// A record given as JSON text makes the line [`entry`] makes of the decision; anything
    /// [`verify`] would not accept as a record is refused before it is written.
    #[test]
    fn records_given_as_json() {
        let d = decision(false, "default", 0);
        let json = serde_json::to_string(&d).unwrap();
        let t = Tail { seq: 3, hash: [7; 32] };
        assert_eq!(t.entry_json(json.as_bytes()).unwrap(), t.entry(&d));
        let pretty = serde_json::to_string_pretty(&d).unwrap();
        let refused = [
            pretty.as_str(),
            &json[..json.len() - 1],
            r#"{"allowed":true}"#,
            "[]",
            "1",
            &alloc::format!("{json},\"extra\":{{}}"),
            &alloc::format!("{json},\"decision\":{json}"),
            &alloc::format!(" {json}"),
            &alloc::format!("{json} "),
        ];
        for r in refused {
            let e = t.entry_json(r.as_bytes()).unwrap_err();
            assert_eq!(e.code(), 7005, "{r}: {e}");
        }
        assert!(matches!(Tail::EMPTY.entry_json(&[b' '; MAX_AUDIT_LINE_BYTES + 1]), Err(Error::LimitExceeded { .. })));
        assert!(Tail::EMPTY.entry_json(b"\xff").is_err());
    }

    #[test]
    fn anchors_and_summary() {
        let mut ds = alloc::vec![decision(true, "a", 0), decision(false, "a", 86_400), decision(false, "b", 86_401)];
        ds[0].exception = Some(ExceptionRecord {
            id: "E1".into(),
            scope: "a/app".into(),
            reason: "incident".into(),
            ticket: "T-1".into(),
            approver: "ops".into(),
            not_before: UnixTime::from_secs(0),
            not_after: UnixTime::from_secs(100),
            denied_because: "unsigned".into(),
        });
        ds[2].revocation_hits = alloc::vec!["key k1: keyCompromise".into()];
        let log = log_of(&ds);
        let s = verify(&log).unwrap();
        assert_eq!((s.total, s.allowed, s.denied, s.allowed_by_exception, s.with_revocation_hits), (3, 1, 2, 1, 1));
        assert_eq!(s.denials_by_reason.get("reject"), Some(&2));
        assert_eq!(s.scopes["a"], Counts { decisions: 2, allowed: 1, denied: 1, exceptions: 1 });
        assert_eq!(s.days["1970-01-02"].decisions, 2);
        assert_eq!(s.exceptions["a"].exceptions["E1"].not_after, UnixTime::from_secs(100));
        assert_eq!((s.first_time, s.last_time), (Some(UnixTime::from_secs(0)), Some(UnixTime::from_secs(86_401))));
        let t = s.tail;
        assert_eq!(verify_anchored(&log, &t).unwrap(), s);
        let lines: Vec<&[u8]> = log.split_inclusive(|&b| b == b'\n').collect();
        let two: Vec<u8> = lines[..2].concat();
        assert_eq!(verify_anchored(&two, &t).unwrap_err().index, 2, "the last record removed");
        assert!(verify(&two).is_ok(), "which the chain alone cannot see");
        let t2 = tail(&two).unwrap();
        assert_eq!(verify_anchored(&log, &t2).unwrap().total, 3, "records after the anchor are fine");
        assert_eq!(extend(&t2, lines[2]).unwrap(), t);
        assert_eq!(extend(&t2, lines[1]).unwrap_err().index, 2);
        let text = String::from_utf8(log.clone()).unwrap();
        let edited = text.replacen("keyCompromise", "superseded", 1);
        assert!(verify(edited.as_bytes()).is_ok(), "an edit of the last record the chain alone cannot see");
        assert_eq!(verify_anchored(edited.as_bytes(), &t).unwrap_err().index, 2, "the last record edited");
    }
}
