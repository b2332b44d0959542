//! A test-only RFC 3161 timestamp server (RFC 3161 §3.4, HTTP): [`TsaServer`] listens on
//! 127.0.0.1 in a thread and answers each `POST` of a DER TimeStampReq with a TimeStampResp from a
//! generated [`Tsa`] ([`Tsa::respond`]: the request's messageImprint and nonce echoed, the signing
//! certificate embedded when certReq is set, genTime the real clock). For peers that timestamp
//! as they sign (`notation sign --timestamp-url`). Stopped on drop.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::tsa::Tsa;

/// The largest request body read.
const MAX_BODY: usize = 64 * 1024;

/// A TSA on `127.0.0.1:PORT`.
pub struct TsaServer {
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    tsa: Arc<Tsa>,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl TsaServer {
    /// Starts a server stamping with `tsa`.
    pub fn start(tsa: Tsa) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let tsa = Arc::new(tsa);
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (tsa, stop, answered) = (tsa.clone(), stop.clone(), answered.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(s) = stream
                        && serve(s, &tsa)
                    {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        };
        Self { url: format!("http://{addr}/"), tsa, stop, answered, addr, thread: Some(thread) }
    }

    /// The authority it stamps with.
    pub fn tsa(&self) -> &Tsa {
        &self.tsa
    }

    /// How many requests it has answered with a timestamp.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

impl Drop for TsaServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answers one connection (one request; `Connection: close`). True when it answered 200.
fn serve(stream: TcpStream, tsa: &Tsa) -> bool {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let (status, body) = match read_request(&mut reader) {
        Ok(req) => match parse_request(&req) {
            Some(r) => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
                ("200 OK", tsa.respond(r.message_imprint, r.nonce, r.cert_req, i64::try_from(now).unwrap()))
            }
            None => ("400 Bad Request", Vec::new()),
        },
        Err(status) => (status, Vec::new()),
    };
    let mut out = &stream;
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    out.write_all(head.as_bytes()).and_then(|()| out.write_all(&body)).is_ok() && status.starts_with("200")
}

/// The body of a `POST` of `application/timestamp-query`, or the status to answer.
fn read_request(reader: &mut impl BufRead) -> Result<Vec<u8>, &'static str> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|_| "400 Bad Request")?;
    if !line.starts_with("POST ") {
        return Err("405 Method Not Allowed");
    }
    let (mut length, mut query) = (None, false);
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|_| "400 Bad Request")?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').ok_or("400 Bad Request")?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("content-type") {
            query = value.eq_ignore_ascii_case("application/timestamp-query");
        }
    }
    let length = length.filter(|n| *n <= MAX_BODY).ok_or("411 Length Required")?;
    if !query {
        return Err("415 Unsupported Media Type");
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|_| "400 Bad Request")?;
    Ok(body)
}

/// What a TimeStampReq asks for.
struct Request<'a> {
    /// MessageImprint, the whole TLV.
    message_imprint: &'a [u8],
    /// nonce, the whole INTEGER TLV.
    nonce: Option<&'a [u8]>,
    cert_req: bool,
}

/// TimeStampReq ::= SEQUENCE { version INTEGER (v1), messageImprint MessageImprint,
/// reqPolicy OID OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
/// extensions [0] IMPLICIT Extensions OPTIONAL } (RFC 3161 §2.4.1). A request with a reqPolicy
/// or extensions is not answered (this TSA has one policy and no extensions).
fn parse_request(der: &[u8]) -> Option<Request<'_>> {
    let (tag, body, rest) = tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, version, body) = tlv(body)?;
    if tag != 0x02 || version != [1] {
        return None;
    }
    // The request's SEQUENCE ends where `der` does: every slice below is a suffix of `der`,
    // and a TLV's bounds are the lengths left before and after it.
    let start = der.len() - body.len();
    let (tag, imprint, mut body) = tlv(body)?;
    if tag != 0x30 || imprint.is_empty() {
        return None;
    }
    let message_imprint = &der[start..der.len() - body.len()];
    let mut r = Request { message_imprint, nonce: None, cert_req: false };
    while !body.is_empty() {
        let start = der.len() - body.len();
        let (tag, value, rest) = tlv(body)?;
        match tag {
            0x02 if r.nonce.is_none() => r.nonce = Some(&der[start..der.len() - rest.len()]),
            0x01 if value.len() == 1 => r.cert_req = value[0] != 0,
            _ => return None,
        }
        body = rest;
    }
    Some(r)
}

/// `(tag, content, rest)` of the DER TLV at the start of `input` (single-byte tags, definite
/// lengths).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b)), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}
