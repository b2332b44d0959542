//! A scripted HTTP/1.1 server on 127.0.0.1 standing in for a registry (started and stopped by
//! each test): its answers are scripted per request, its requests, accepted connections and
//! most requests in flight at once recorded; it answers one request per connection unless an
//! answer asks to keep the connection open.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request target (path and query).
    pub path: String,
    /// Header names lowercased.
    pub headers: BTreeMap<String, String>,
}

/// One scripted answer.
#[derive(Default)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Declared length when it is not the body's (a truncated body).
    pub content_length: Option<usize>,
    pub delay: Duration,
    /// Keep the connection open for the next request (HTTP/1.1 persistent connections).
    pub keep_alive: bool,
}

impl Answer {
    pub fn new(status: u16) -> Self {
        Self { status, ..Self::default() }
    }
    pub fn json(status: u16, media_type: &str, body: &[u8]) -> Self {
        Self { status, headers: vec![("Content-Type".into(), media_type.into())], body: body.to_vec(), ..Self::default() }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Script = dyn Fn(&Request) -> Answer + Send + Sync;

#[derive(Default)]
struct Counters {
    connections: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// The server; stopped on drop.
pub struct Shim {
    /// `127.0.0.1:PORT`.
    pub host: String,
    seen: Arc<Mutex<Vec<Request>>>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
}

impl Shim {
    /// Serves `script`.
    pub fn start(script: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (s, c, st) = (seen.clone(), counters.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                c.connections.fetch_add(1, Ordering::SeqCst);
                let (s, c, script) = (s.clone(), c.clone(), script.clone());
                std::thread::spawn(move || serve(conn, &s, &c, &*script));
            }
        });
        Self { host, seen, counters, stop }
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// The most requests that were being answered at once.
    pub fn most_in_flight(&self) -> usize {
        self.counters.most_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.host);
    }
}

fn serve(conn: TcpStream, seen: &Mutex<Vec<Request>>, counters: &Counters, script: &Script) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.trim_end().split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let req = Request { path, headers };
        seen.lock().unwrap().push(req.clone());
        let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counters.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let a = script(&req);
        std::thread::sleep(a.delay);
        counters.in_flight.fetch_sub(1, Ordering::SeqCst);
        let connection = if a.keep_alive { "keep-alive" } else { "close" };
        let mut head = format!("HTTP/1.1 {} X\r\nConnection: {connection}\r\nContent-Length: {}\r\n", a.status, a.content_length.unwrap_or(a.body.len()));
        for (k, v) in &a.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = out.write_all(head.as_bytes());
        let _ = out.write_all(&a.body);
        let _ = out.flush();
        if !a.keep_alive {
            let _ = out.shutdown(std::net::Shutdown::Both);
            let _ = reader.read(&mut [0u8; 1]);
            return;
        }
    }
}
