#![no_main]
//! Audit logs (`sealcheck::audit`): on any bytes, `verify`, `tail`, `extend` from the empty tail
//! and `verify_anchored` on the log's own tail agree; a broken log names a line that exists, and
//! the lines before it verify as a log of exactly that many records; a log that verifies, with
//! one more line from `Tail::entry`, verifies with one more record and the tail `Tail::after`
//! gives.
use libfuzzer_sys::fuzz_target;
use sealcheck::audit::{self, Tail};
use sealcheck::policy::RequirementRecord;
use sealcheck::{Decision, UnixTime};

fn decision() -> Decision {
    Decision {
        allowed: false,
        reason: "requirement 0 (reject) not satisfied: rejects every image".into(),
        reference: "registry.example/app:v1".into(),
        manifest_digest: None,
        index_digest: None,
        scope: "default".into(),
        policy_digest: "0".repeat(64),
        requirements: vec![RequirementRecord { index: 0, kind: "reject".into(), satisfied: false, reason: "rejects every image".into(), signatures: Vec::new(), alternatives: Vec::new() }],
        signature_checks: 0,
        verification_time: UnixTime::from_secs(1_800_000_000),
        exception: None,
        revocation_hits: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let verified = audit::verify(data);
    let tail = audit::tail(data);
    assert_eq!(verified.as_ref().map(|s| s.tail).map_err(Clone::clone), tail);
    assert_eq!(audit::extend(&Tail::EMPTY, data), tail);
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    match verified {
        Ok(s) => {
            assert_eq!(s.total, s.tail.seq);
            assert_eq!(s.allowed + s.denied, s.total);
            assert_eq!(s.total as usize, newlines, "one record per line");
            assert_eq!(audit::verify_anchored(data, &s.tail).as_ref(), Ok(&s));
            let line = s.tail.entry(&decision());
            let mut more = data.to_vec();
            more.extend_from_slice(line.as_bytes());
            more.push(b'\n');
            let next = audit::verify(&more).expect("an appended entry verifies");
            assert_eq!((next.total, next.denied), (s.total + 1, s.denied + 1));
            assert_eq!(next.tail, s.tail.after(line.as_bytes()));
            assert_eq!(audit::extend(&s.tail, &more[data.len()..]), Ok(next.tail));
        }
        Err(b) => {
            assert!(b.index <= newlines, "{b}");
            let end = data.iter().enumerate().filter(|(_, c)| **c == b'\n').nth(b.index.wrapping_sub(1)).map_or(0, |(i, _)| i + 1);
            let before = audit::verify(&data[..end]).expect("the lines before the broken one verify");
            assert_eq!(before.total as usize, b.index);
            assert_eq!(audit::verify_anchored(data, &before.tail).unwrap_err(), b);
        }
    }
});
