#![no_main]
//! `sealcheck serve`'s HTTP/1.1 request framing (`sealcheck_admission::http`), driven as a
//! connection drives it: requests read one after another from the input until one asks to
//! close, one is refused or the input ends. A request read has a method, a path without `?`
//! (empty when the target is only a query), and a body within its route's limit that is the
//! input's bytes just before what follows it; written again with only a `Content-Length` (and
//! `Connection: close` when it closes) it is read back the same, consuming exactly those bytes.
//! A refusal is one of the framing statuses (400, 411, 413, 417, 431) with a reason.
use libfuzzer_sys::fuzz_target;
use sealcheck_admission::http::{MAX_HEAD_BYTES, Request, Stop};
use sealcheck_admission::parse;
use sealcheck_admission::server::body_limit;

fn encode(r: &Request) -> Vec<u8> {
    // A target of only a query ("?x") has an empty path.
    let query = if r.query.is_empty() && !r.path.is_empty() { String::new() } else { format!("?{}", r.query) };
    let length = if r.body.is_empty() { String::new() } else { format!("Content-Length: {}\r\n", r.body.len()) };
    let close = if r.close { "Connection: close\r\n" } else { "" };
    let mut out = format!("{} {}{query} HTTP/1.1\r\n{length}{close}\r\n", r.method, r.path).into_bytes();
    out.extend_from_slice(&r.body);
    out
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    loop {
        let before = rest;
        match parse::http_request(&mut rest) {
            Ok(r) => {
                assert!(!r.method.is_empty() && !r.path.contains('?'), "{r:?}");
                assert!(r.body.len() <= body_limit(&r.path), "{} bytes for {}", r.body.len(), r.path);
                let taken = before.len() - rest.len();
                assert!(taken > r.body.len() && before[..taken].ends_with(&r.body), "the body is what precedes the rest");
                let again = encode(&r);
                if again.len() - r.body.len() <= MAX_HEAD_BYTES {
                    let mut slice = &again[..];
                    assert_eq!(parse::http_request(&mut slice).as_ref(), Ok(&r), "{:?}", String::from_utf8_lossy(&again));
                    assert!(slice.is_empty());
                }
                if r.close {
                    break;
                }
            }
            Err(Stop::Answer(code, why)) => {
                assert!(matches!(code, 400 | 411 | 413 | 417 | 431) && !why.is_empty(), "{code} {why}");
                break;
            }
            Err(Stop::Quiet) => break,
        }
    }
});
