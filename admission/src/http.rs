//! HTTP/1.1 request framing for [`crate::server`] (RFC 9112), over any `Read + Write` stream:
//! the TLS stream of a connection, or a byte slice ([`crate::parse::http_request`], what the
//! fuzz target drives).
//!
//! - RFC 9112 §2 (message format): the head, request line and header fields through the empty
//!   line, is at most [`MAX_HEAD_BYTES`] (431 over it, RFC 6585 §5) with at most [`MAX_HEADERS`]
//!   fields, parsed by `httparse` (400 when it does not parse); field values are UTF-8 (400).
//!   Empty lines before the request line are skipped (§2.2), within the same limit; a head
//!   httparse would end at a bare-LF empty line before the first CRLF CRLF is refused (400).
//! - RFC 9112 §6.3 (message body length): a body is read by `Content-Length` only (digits; repeated
//!   only with the same value, 400 otherwise), no length is no body, and one over the route's
//!   limit is refused before it is read (413). `Transfer-Encoding` is refused (411): no chunked
//!   body is read, and no request is framed two ways.
//! - RFC 9112 §9.3 (persistence): a connection persists across requests (pipelined ones
//!   included: bytes read beyond a request are kept for the next) unless the request is
//!   HTTP/1.0 or says `Connection: close`; the answer to a refused request closes it.
//! - RFC 9110 §10.1.1 (`Expect`): `100-continue` is answered with `100 Continue` only while the
//!   body has not come; any other expectation is refused (417).

use std::io::{Read, Write};

/// The largest request head (request line and headers) read.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most header fields a request may have.
pub const MAX_HEADERS: usize = 64;

/// One request read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: String,
    /// The request target before any `?`.
    pub path: String,
    /// The request target after the first `?` (empty without one).
    pub query: String,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
    /// The connection closes after the answer (HTTP/1.0, or `Connection: close`).
    pub close: bool,
}

/// Why no request was read: the stream ended or failed (closed, timed out, TLS failed, a body
/// cut short), or the request is refused with this status and reason (the connection is closed
/// after the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Nothing to answer.
    Quiet,
    /// Answer with this status and text, then close.
    Answer(u16, String),
}

/// The length of the empty lines (CRLF, or a bare LF, RFC 9112 §2.2) `buf` starts with.
fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut n = 0;
    loop {
        match &buf[n..] {
            [b'\r', b'\n', ..] => n += 2,
            [b'\n', ..] => n += 1,
            _ => return n,
        }
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Reads one request from `s`, its body within `limit(path)` bytes; bytes read beyond it stay
/// in `buf` for the next (pass the same `buf` for every request of a connection).
pub fn read_request<S: Read + Write>(s: &mut S, buf: &mut Vec<u8>, limit: fn(&str) -> usize) -> Result<Request, Stop> {
    let mut chunk = [0u8; 8192];
    // Empty lines before the request line are skipped (RFC 9112 §2.2), counted in the head.
    let mut skipped = 0;
    let head_len = loop {
        let empty = leading_empty_lines(buf);
        buf.drain(..empty);
        skipped += empty;
        if let Some(n) = find_head_end(buf) {
            break n;
        }
        if skipped + buf.len() > MAX_HEAD_BYTES {
            return Err(Stop::Answer(431, format!("request head over {MAX_HEAD_BYTES} bytes")));
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(Stop::Quiet),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    if skipped + head_len > MAX_HEAD_BYTES {
        return Err(Stop::Answer(431, format!("request head over {MAX_HEAD_BYTES} bytes")));
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&buf[..head_len]) {
        Ok(httparse::Status::Complete(n)) if n == head_len => {}
        // httparse also ends a head at a bare LF line: framed otherwise than by CRLF CRLF.
        Ok(httparse::Status::Complete(_)) => return Err(Stop::Answer(400, "request head: a bare LF empty line ends it before CRLF CRLF".into())),
        Ok(httparse::Status::Partial) => return Err(Stop::Answer(400, "incomplete request head".into())),
        Err(e) => return Err(Stop::Answer(400, format!("request head: {e}"))),
    }
    let (method, target, version) = (req.method.unwrap_or_default().to_string(), req.path.unwrap_or_default().to_string(), req.version.unwrap_or(0));
    let mut length: Option<usize> = None;
    let mut close = version == 0;
    let mut expect_continue = false;
    for h in req.headers.iter() {
        let value = std::str::from_utf8(h.value).map(str::trim).map_err(|_| Stop::Answer(400, format!("header {}: not UTF-8", h.name)))?;
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = value.parse::<usize>().ok().filter(|_| value.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| Stop::Answer(400, format!("Content-Length {value:?}")))?;
            if length.is_some_and(|l| l != n) {
                return Err(Stop::Answer(400, "conflicting Content-Length headers".into()));
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Stop::Answer(411, "Transfer-Encoding is not read: send the body with a Content-Length".into()));
        } else if h.name.eq_ignore_ascii_case("connection") {
            close |= value.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"));
        } else if h.name.eq_ignore_ascii_case("expect") {
            if !value.eq_ignore_ascii_case("100-continue") {
                return Err(Stop::Answer(417, format!("Expect {value:?}")));
            }
            expect_continue = true;
        }
    }
    let (path, query) = target.split_once('?').map_or((target.clone(), String::new()), |(p, q)| (p.to_string(), q.to_string()));
    let length = length.unwrap_or(0);
    let limit = limit(&path);
    if length > limit {
        return Err(Stop::Answer(413, format!("{path}: a body of {length} bytes exceeds the limit of {limit} bytes")));
    }
    buf.drain(..head_len);
    if expect_continue && buf.len() < length {
        s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").and_then(|()| s.flush()).map_err(|_| Stop::Quiet)?;
    }
    while buf.len() < length {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(Stop::Quiet),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Vec<u8> = buf.drain(..length).collect();
    Ok(Request { method, path, query, body, close })
}

fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Writes one answer: `code`, `content_type`, `body` by `Content-Length`, and `Connection:
/// close` when the connection closes after it.
pub(crate) fn respond<S: Write>(s: &mut S, code: u16, content_type: &str, body: &[u8], close: bool) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 {code} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{}\r\n", reason_phrase(code), body.len(), if close { "Connection: close\r\n" } else { "" });
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    s.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review;
    use crate::server::body_limit;

    /// A peer that sends its segments one read at a time.
    struct Pipe {
        input: std::collections::VecDeque<std::io::Cursor<Vec<u8>>>,
        output: Vec<u8>,
    }
    impl Read for Pipe {
        fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
            while let Some(front) = self.input.front_mut() {
                match front.read(b)? {
                    0 => drop(self.input.pop_front()),
                    n => return Ok(n),
                }
            }
            Ok(0)
        }
    }
    impl Write for Pipe {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.output.write(b)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    fn pipe(s: &str) -> Pipe {
        segments(&[s])
    }
    fn segments(s: &[&str]) -> Pipe {
        Pipe { input: s.iter().map(|s| std::io::Cursor::new(s.as_bytes().to_vec())).collect(), output: Vec::new() }
    }

    // RFC 9112 §6: Content-Length bodies, keep-alive, pipelined requests; §6.1 Transfer-Encoding.
    #[test]
    fn requests_are_read_by_content_length_within_limits() {
        let mut p = pipe("POST /validate?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
        let mut buf = Vec::new();
        let r = read_request(&mut p, &mut buf, body_limit).ok().unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_str(), r.body.as_slice(), r.close), ("POST", "/validate", "timeout=10s", &b"{}"[..], false));
        let r = read_request(&mut p, &mut buf, body_limit).ok().unwrap();
        assert_eq!((r.path.as_str(), r.close), ("/healthz", true));
        let code = |s: &str| match read_request(&mut pipe(s), &mut Vec::new(), body_limit) {
            Err(Stop::Answer(c, _)) => c,
            Err(Stop::Quiet) => 0,
            Ok(_) => 200,
        };
        assert_eq!(code(&format!("POST /validate HTTP/1.1\r\nContent-Length: {}\r\n\r\n", review::MAX_REVIEW_BYTES + 1)), 413);
        assert_eq!(code("POST /healthz HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"), 413);
        assert_eq!(code("POST /validate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 411);
        assert_eq!(code("POST /validate HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx"), 400);
        assert_eq!(code("POST /validate HTTP/1.1\r\nContent-Length: +1\r\n\r\nx"), 400);
        assert_eq!(code("GARBAGE\r\n\r\n"), 400);
        assert_eq!(code(&format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD_BYTES))), 431);
        assert_eq!(code("POST /validate HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"), 0, "a body cut short is no request");
        // RFC 9110 §10.1.1: 100 Continue only while the body has not come.
        let mut p = segments(&["POST /validate HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", "{}"]);
        assert_eq!(read_request(&mut p, &mut Vec::new(), body_limit).ok().unwrap().body, b"{}");
        assert_eq!(p.output, b"HTTP/1.1 100 Continue\r\n\r\n");
        let mut p = pipe("POST /validate HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
        assert!(read_request(&mut p, &mut Vec::new(), body_limit).is_ok());
        assert!(p.output.is_empty());
    }

    // What the fuzz target drives: the same reader over a slice, left at the next request.
    #[test]
    fn a_slice_is_read_one_request_at_a_time() {
        let mut rest = &b"POST /gatekeeper HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}GET /metrics HTTP/1.0\r\n\r\nGET"[..];
        let r = crate::parse::http_request(&mut rest).unwrap();
        assert_eq!((r.path.as_str(), r.body.as_slice(), r.close, rest), ("/gatekeeper", &b"{}"[..], false, &b"GET /metrics HTTP/1.0\r\n\r\nGET"[..]));
        let r = crate::parse::http_request(&mut rest).unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str(), r.close, rest), ("GET", "/metrics", true, &b"GET"[..]));
        assert_eq!(crate::parse::http_request(&mut rest), Err(Stop::Quiet));
        // RFC 9112 §2.2: empty lines before the request line are skipped (between pipelined
        // requests too), and count against the head's limit.
        assert_eq!(crate::parse::http_request(&mut &b"\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"[..]).unwrap().path, "/healthz");
        let mut rest = &b"\r\n\nGET /healthz HTTP/1.1\r\n\r\n\r\nGET /readyz HTTP/1.1\r\n\r\n"[..];
        assert_eq!(crate::parse::http_request(&mut rest).unwrap().path, "/healthz");
        assert_eq!(crate::parse::http_request(&mut rest).unwrap().path, "/readyz");
        let spam = "\r\n".repeat(MAX_HEAD_BYTES / 2) + "GET / HTTP/1.1\r\n\r\n";
        assert!(matches!(crate::parse::http_request(&mut spam.as_bytes()), Err(Stop::Answer(431, _))));
        // One framing only: a head httparse would end at a bare LF empty line before the CRLF
        // CRLF is refused, not read as one request with the next one's head swallowed.
        let two = &b"GET /healthz HTTP/1.1\n\nPOST /validate HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"[..];
        assert!(matches!(crate::parse::http_request(&mut &two[..]), Err(Stop::Answer(400, _))));
        // A target of only a query (what the fuzz target found its round trip must write back).
        let r = crate::parse::http_request(&mut &b"POST ?gatekeeper HTTP/1.1\r\n\r\n"[..]).unwrap();
        assert_eq!((r.path.as_str(), r.query.as_str()), ("", "gatekeeper"));
    }
}
