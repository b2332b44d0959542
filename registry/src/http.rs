//! Bounded HTTP GETs (RFC 9110) for the registry source: one agent per [`crate::Registry`]
//! (idle connections kept and reused across requests and decisions), connect and read
//! timeouts, a total deadline per decision, at most [`crate::Options::per_host`] requests in
//! flight per host ([`crate::hosts`]), bounded retries with backoff on 429 and 5xx
//! (`Retry-After` respected within the deadline), redirects followed by hand so that
//! credentials never reach another host, and bodies capped before they are read.
//!
//! Every failure is an [`Error::Io`] naming the URL and the status or the transport error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sealcheck::Error;

use crate::hosts::Hosts;
use crate::tls::{TlsConnector, TlsSetup};

/// Redirects followed at most per request.
const MAX_REDIRECTS: usize = 5;
/// Attempts per request on 429 and 5xx.
const MAX_ATTEMPTS: u32 = 3;
/// First backoff; doubled after each attempt.
const BACKOFF: Duration = Duration::from_millis(200);

/// Timeouts of one decision's fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting (DNS, TCP, TLS) to a host.
    pub connect: Duration,
    /// Between two reads of a response.
    pub read: Duration,
    /// Everything one decision fetches.
    pub total: Duration,
}

impl Default for Timeouts {
    /// 5 s to connect, 10 s between reads, 30 s in all.
    fn default() -> Self {
        Self { connect: Duration::from_secs(5), read: Duration::from_secs(10), total: Duration::from_secs(30) }
    }
}

/// A response, its body read within the cap.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URL that answered (after redirects).
    pub url: String,
}

impl Reply {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Every value of header `name`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What every decision of one [`crate::Registry`] shares: the agent (its idle connections),
/// the per-host limits and counters.
pub(crate) struct Client {
    agent: ureq::Agent,
    timeouts: Timeouts,
    pub hosts: Hosts,
}

/// The HTTP client of one decision: the shared [`Client`] and the decision's deadline.
pub(crate) struct Http {
    client: Arc<Client>,
    deadline: Instant,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

pub(crate) fn fail(url: &str, detail: impl std::fmt::Display) -> Error {
    Error::Io { what: format!("GET {url}"), detail: detail.to_string() }
}

/// Idle connections kept at most, over all hosts.
const MAX_IDLE_CONNECTIONS: usize = 64;

impl Client {
    /// A client with `timeouts`, its TLS connections configured by `tls` (per host), at most
    /// `per_host` requests in flight to one host.
    pub fn new(timeouts: Timeouts, tls: Arc<TlsSetup>, per_host: usize) -> Self {
        use ureq::unversioned::transport::{ConnectProxyConnector, Connector as _, TcpConnector};
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(timeouts.connect))
            .timeout_per_read(Some(timeouts.read))
            .timeout_global(Some(timeouts.total))
            .max_idle_connections(MAX_IDLE_CONNECTIONS)
            .max_idle_connections_per_host(per_host)
            .user_agent(concat!("sealcheck/", env!("CARGO_PKG_VERSION")))
            .build();
        // ureq's default chain without SOCKS, and with this crate's TLS step.
        let connector = ().chain(ConnectProxyConnector::default()).chain(TcpConnector::default()).chain(TlsConnector(tls));
        let agent = ureq::Agent::with_parts(config, connector, ureq::unversioned::resolver::DefaultResolver::default());
        Self { agent, timeouts, hosts: Hosts::new(per_host) }
    }
}

impl Http {
    /// The client of one decision starting now: its deadline is the total timeout from now.
    pub fn new(client: Arc<Client>) -> Self {
        let deadline = Instant::now() + client.timeouts.total;
        Self { client, deadline }
    }

    fn left(&self, url: &str) -> sealcheck::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(fail(url, "the decision's deadline passed"));
        }
        Ok(left)
    }

    /// GETs `url` with `headers`, following redirects (dropping `Authorization` when one leaves
    /// the host) and retrying 429/5xx; the body is read only if it is at most `max` bytes.
    pub fn get(&self, url: &str, headers: &[(&str, String)], max: usize) -> sealcheck::Result<Reply> {
        let origin = host_of(url).to_string();
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let same_host = host_of(&url) == origin;
            let reply = self.get_once(&url, headers, same_host, max)?;
            if matches!(reply.status, 301 | 302 | 303 | 307 | 308) {
                let location = reply.header("location").ok_or_else(|| fail(&url, format!("status {} without Location", reply.status)))?;
                url = resolve(&url, location).ok_or_else(|| fail(&url, format!("redirect to an unusable location {location:?}")))?;
                continue;
            }
            return Ok(reply);
        }
        Err(fail(&url, format!("more than {MAX_REDIRECTS} redirects")))
    }

    fn get_once(&self, url: &str, headers: &[(&str, String)], with_auth: bool, max: usize) -> sealcheck::Result<Reply> {
        let mut backoff = BACKOFF;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply = self.attempt(url, headers, with_auth, max)?;
            let retry = reply.status == 429 || (500..600).contains(&reply.status);
            if retry && attempt < MAX_ATTEMPTS {
                let after = reply.header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
                let wait = after.map_or(backoff, Duration::from_secs);
                if wait >= self.left(url)? {
                    return Err(fail(url, format!("status {}; retrying after {} s would pass the deadline", reply.status, wait.as_secs())));
                }
                std::thread::sleep(wait);
                backoff *= 2;
                continue;
            }
            return Ok(reply);
        }
    }

    /// One request, holding a permit of its host while it is in flight; a transport error, a
    /// body that does not fit, and a 429 or 5xx answer count as errors of the host.
    fn attempt(&self, url: &str, headers: &[(&str, String)], with_auth: bool, max: usize) -> sealcheck::Result<Reply> {
        let permit = self.client.hosts.acquire(host_of(url), self.deadline).map_err(|e| fail(url, e))?;
        let reply = self.send(url, headers, with_auth, max);
        if reply.as_ref().map_or(true, |r| r.status == 429 || (500..600).contains(&r.status)) {
            permit.failed();
        }
        reply
    }

    fn send(&self, url: &str, headers: &[(&str, String)], with_auth: bool, max: usize) -> sealcheck::Result<Reply> {
        let mut req = self.client.agent.get(url).config().timeout_global(Some(self.left(url)?)).build();
        for (k, v) in headers {
            if with_auth || !k.eq_ignore_ascii_case("authorization") {
                req = req.header(*k, v.as_str());
            }
        }
        let resp = req.call().map_err(|e| fail(url, e))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> =
            resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        let declared = header(&headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return Err(fail(url, format!("status {status}: body of {} bytes exceeds the limit of {max}", declared.unwrap_or(0))));
        }
        let mut body = Vec::new();
        if !(300..400).contains(&status) {
            use std::io::Read as _;
            let mut reader = resp.into_body().into_with_config().limit(max as u64 + 1).reader();
            reader.read_to_end(&mut body).map_err(|e| fail(url, format!("status {status}: reading the body: {e}")))?;
            if body.len() > max {
                return Err(fail(url, format!("status {status}: body exceeds the limit of {max} bytes")));
            }
            if declared.is_some_and(|n| n != body.len() as u64) {
                return Err(fail(url, format!("status {status}: body truncated ({} of {} bytes)", body.len(), declared.unwrap_or(0))));
            }
        }
        Ok(Reply { status, headers, body, url: url.to_string() })
    }
}

/// `scheme://host[:port]` of `url`, lowercased host.
pub(crate) fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// `location` resolved against `base` (absolute URLs, and absolute paths on the same origin).
fn resolve(base: &str, location: &str) -> Option<String> {
    if location.starts_with("https://") || location.starts_with("http://") {
        return Some(location.to_string());
    }
    let (scheme, _) = base.split_once("://")?;
    if let Some(path) = location.strip_prefix('/') {
        if path.starts_with('/') {
            return Some(format!("{scheme}:/{location}").replacen(":///", "://", 1));
        }
        return Some(format!("{scheme}://{}/{path}", host_of(base)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve() {
        assert_eq!(resolve("https://r.test/v2/x", "/v2/y?z").as_deref(), Some("https://r.test/v2/y?z"));
        assert_eq!(resolve("https://r.test/v2/x", "https://blobs.test/a").as_deref(), Some("https://blobs.test/a"));
        assert_eq!(resolve("https://r.test/v2/x", "//blobs.test/a").as_deref(), Some("https://blobs.test/a"));
        assert_eq!(resolve("https://r.test/v2/x", "relative"), None);
        assert_eq!(host_of("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    }
}
