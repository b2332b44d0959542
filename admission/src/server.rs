//! `sealcheck serve`: one HTTPS server ([`crate::tls`]) with the Kubernetes validating and
//! mutating admission webhooks (`POST /validate`, `POST /mutate`: `AdmissionReview`
//! `admission.k8s.io/v1`, [`crate::review`]), the Gatekeeper external data provider
//! (`POST /gatekeeper`, [`crate::gatekeeper`]), `GET /healthz`, `GET /readyz` and `GET /metrics`
//! ([`crate::metrics`]).
//!
//! HTTP/1.1 (RFC 9112, framed by [`crate::http`]) over std threads: one thread per connection
//! (at most [`ServeConfig::max_connections`]; more are closed at once), request heads parsed by
//! `httparse`, bodies read by `Content-Length` only and refused before they are read when over
//! the route's limit (413; chunked bodies 411), keep-alive and `Expect: 100-continue` honoured.
//!
//! Decisions run on a pool of [`ServeConfig::concurrency`] threads, one slot each; an image waits
//! for a slot until its review's deadline and is denied ("busy") when none frees in time, so
//! nothing queues beyond the connection threads waiting. Each review has a deadline: the configured one, or less when the API server's `?timeout=` (the webhook's
//! `timeoutSeconds`, which the API server's client puts in the URL) leaves less — a
//! [`TIMEOUT_MARGIN`] is kept for the answer to travel; an image not decided by then is denied
//! with the deadline as the reason, while its decision finishes in the background (its slot
//! stays taken, so the bound holds). The registry client's per-host limit keeps one slow
//! registry from taking every slot.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use sealcheck::audit::AuditLog;
use sealcheck::oci::OciDigest;
use sealcheck::policy::RequirementRecord;
use sealcheck::{CacheLimits, CryptoProvider, Decision, Error, FactCache, Input, Result, UnixTime};
use sealcheck_registry::{Registry, Timeouts};

use crate::config::AdmissionConfig;
use crate::gatekeeper::{self, Item};
use crate::http::{Stop, read_request, respond};
use crate::metrics::{Metrics, log};
use crate::namespaces::{Loaded, Policies, Reload};
use crate::patch;
use crate::review::{self, AdmissionRequest, AdmissionResponse};
use crate::tls::{self, MinVersion, ReloadingCert};
use crate::workload::{self, ImageSite, WorkloadError};
use crate::Admitter;

/// How long a connection may stay silent (between requests, or within one).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// What is kept of the API server's `?timeout=` for the answer to travel back.
pub const TIMEOUT_MARGIN: Duration = Duration::from_millis(500);
/// The largest configuration file read.
pub const MAX_SERVE_CONFIG_BYTES: usize = 64 * 1024;

/// What to do with an object the webhook does not decide (another kind, subresource or
/// operation than [`crate::workload`] reads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnknownKinds {
    /// Deny it, naming what it is (the default: fail closed).
    #[default]
    Deny,
    /// Allow it, with a warning saying it was not decided.
    Allow,
}

/// The TLS files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TlsFiles {
    /// The PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// The PEM private key (PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
    /// `"1.2"` (the default) or `"1.3"`.
    #[serde(default)]
    pub min_version: MinVersion,
}

/// The `sealcheck serve` configuration file (JSON, strict): the admission configuration
/// (default policy, registry, audit log, deadline: [`AdmissionConfig`]) and the server's own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServeConfig {
    /// The policy, registry, audit log and deadline; `admission.policy` is the default policy.
    pub admission: AdmissionConfig,
    /// `ADDRESS:PORT` to listen on (default `127.0.0.1:8443`).
    #[serde(default)]
    pub listen: Option<String>,
    /// The certificate and key.
    pub tls: TlsFiles,
    /// A directory of `<namespace>.json` policies ([`crate::namespaces`]).
    #[serde(default)]
    pub policy_dir: Option<PathBuf>,
    /// Image decisions at once (default 16; 1 to 1024).
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// Connections at once (default 512; 1 to 65536).
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// Objects the webhook does not decide (default `deny`).
    #[serde(default)]
    pub unknown_kinds: UnknownKinds,
    /// How often the policy files are looked at, in seconds (default 5; 1 to 3600).
    #[serde(default)]
    pub reload_seconds: Option<u64>,
}

impl ServeConfig {
    /// Reads and checks the file at `path` (at most [`MAX_SERVE_CONFIG_BYTES`]).
    pub fn load(path: &Path) -> Result<Self> {
        let what = || format!("serve configuration {}", path.display());
        // The read error names the file already.
        let bytes = sealcheck::fs::read_file(path, MAX_SERVE_CONFIG_BYTES, "serve configuration", "serve configuration size")?;
        Self::from_json(&bytes).map_err(|e| e.in_file(Input::Policy, what()))
    }

    /// Parses and checks a configuration.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let c: Self = serde_json::from_slice(json).map_err(|e| Error::Json { what: "serve configuration", detail: e.to_string() })?;
        crate::objects(json, &["", "/tls"]).map_err(|detail| Error::Json { what: "serve configuration", detail })?;
        // The admission part is checked by its own reader too (absolute paths, the deadline's
        // range); it parsed above, so it is there.
        let v: serde_json::Value = serde_json::from_slice(json).map_err(|e| Error::Json { what: "serve configuration", detail: e.to_string() })?;
        AdmissionConfig::from_json(v["admission"].to_string().as_bytes()).map_err(|e| e.loading(Input::Policy, "admission"))?;
        let range = |field: &str, v: Option<u64>, r: std::ops::RangeInclusive<u64>| match v {
            Some(n) if !r.contains(&n) => Err(Error::Usage(format!("{field}: {n} is outside {}..={}", r.start(), r.end()))),
            _ => Ok(()),
        };
        range("concurrency", c.concurrency.map(|n| n as u64), 1..=1024)?;
        range("maxConnections", c.max_connections.map(|n| n as u64), 1..=65536)?;
        range("reloadSeconds", c.reload_seconds, 1..=3600)?;
        for (field, p) in [("tls.cert", &c.tls.cert), ("tls.key", &c.tls.key)].into_iter().chain(c.policy_dir.iter().map(|p| ("policyDir", p))) {
            if !p.is_absolute() {
                return Err(Error::Usage(format!("{field}: {:?} is not an absolute path", p.display().to_string())));
            }
        }
        if let Some(l) = &c.listen {
            l.parse::<SocketAddr>().map_err(|e| Error::Usage(format!("listen: {l:?}: {e}")))?;
        }
        Ok(c)
    }
}

/// The admitters of one policy: without the audit log (every decision runs on it: the review
/// records the outcome itself once it is final, so a decision the deadline cut is recorded as
/// the denial it was) and with it (for the refusals that reached no decision).
#[derive(Debug)]
pub struct Admitters {
    audited: Admitter,
    plain: Admitter,
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of decision threads, each decision holding one of as many slots: a decision
/// waits for a slot until its review's deadline, so nothing queues beyond the threads that are
/// waiting (connection threads, at most [`ServeConfig::max_connections`]).
struct Pool {
    jobs: std::sync::mpsc::Sender<Job>,
    slots: Arc<(Mutex<usize>, std::sync::Condvar)>,
}

impl Pool {
    fn new(workers: usize) -> Self {
        let (jobs, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let slots = Arc::new((Mutex::new(workers), std::sync::Condvar::new()));
        for i in 0..workers {
            let (rx, slots) = (rx.clone(), slots.clone());
            let spawned = std::thread::Builder::new().name(format!("sealcheck-decide-{i}")).spawn(move || {
                loop {
                    let job = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(job) = job else { break };
                    job();
                    *slots.0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    slots.1.notify_one();
                }
            });
            if let Err(e) = spawned {
                log("error", "could not start a decision thread", json!({"error": e.to_string()}));
            }
        }
        Self { jobs, slots }
    }

    /// Runs `job` on a free slot, waiting for one until `end`; false when none freed in time.
    fn submit(&self, job: Job, end: Instant) -> bool {
        let (free, freed) = &*self.slots;
        let mut n = free.lock().unwrap_or_else(PoisonError::into_inner);
        while *n == 0 {
            let now = Instant::now();
            if now >= end {
                return false;
            }
            n = freed.wait_timeout(n, end - now).unwrap_or_else(PoisonError::into_inner).0;
        }
        *n -= 1;
        drop(n);
        if self.jobs.send(job).is_err() {
            *free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            return false;
        }
        true
    }
}

/// What one image came to.
#[derive(Debug, Clone)]
struct Outcome {
    allowed: bool,
    reason: String,
    digest: Option<OciDigest>,
    decision: Option<Decision>,
    warnings: Vec<String>,
}

impl Outcome {
    fn denied(reason: String) -> Self {
        Self { allowed: false, reason, digest: None, decision: None, warnings: Vec::new() }
    }
}

/// Warnings a decision that allowed carries: a requirement met only because a policy in warn
/// mode lets failures pass (`insecureAcceptAnything` after an alternative that failed), or a
/// Notary signature accepted although a validation failed with action `log` (audit level).
fn warnings(d: &Decision) -> Vec<String> {
    fn walk(r: &RequirementRecord, out: &mut Vec<String>) {
        if r.satisfied
            && r.alternatives.last().is_some_and(|a| a.kind == "insecureAcceptAnything" && a.satisfied)
            && let Some(failed) = r.alternatives.iter().find(|a| !a.satisfied)
        {
            out.push(format!("warn mode: {} would deny: {}", failed.kind, failed.reason));
        }
        for s in r.signatures.iter().filter(|s| s.accepted) {
            for v in s.validations.iter().filter(|v| v.outcome == "failed") {
                out.push(format!("audit: signature {}: {} failed (logged): {}", s.index, serde_json::to_value(v).ok().and_then(|j| j["validation"].as_str().map(str::to_string)).unwrap_or_default(), v.error.clone().unwrap_or_default()));
            }
        }
        for a in &r.alternatives {
            walk(a, out);
        }
    }
    let mut out = Vec::new();
    if d.allowed {
        for r in &d.requirements {
            walk(r, &mut out);
        }
    }
    out
}

/// A Go duration as the API server writes `?timeout=` (`10s`, `1m30s`, `500ms`).
fn go_duration(s: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let d = match &rest[..unit] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            _ => return None,
        };
        rest = &rest[unit..];
        total = total.checked_add(d)?;
    }
    Some(total)
}

/// The shared state of a running server.
struct State {
    policies: Policies<Admitters>,
    audit: Option<Arc<Mutex<AuditLog>>>,
    registry: Arc<Registry>,
    cache: Arc<FactCache>,
    metrics: Arc<Metrics>,
    pool: Pool,
    deadline: Duration,
    unknown: UnknownKinds,
    tls: Arc<rustls::ServerConfig>,
    connections: AtomicUsize,
    max_connections: usize,
}

/// Which webhook a review came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Webhook {
    Validate,
    Mutate,
}

impl State {
    /// Decides `images` (distinct) under `policy` within `budget`, in order.
    fn decide(&self, policy: &Arc<Loaded<Admitters>>, audited: bool, images: &[String], budget: Duration, namespace: &str) -> Vec<Outcome> {
        let start = Instant::now();
        let end = start + budget;
        let (tx, rx) = channel::<(usize, Outcome)>();
        let mut out: Vec<Option<Outcome>> = vec![None; images.len()];
        for (i, image) in images.iter().enumerate() {
            let (tx, policy, image) = (tx.clone(), policy.clone(), image.clone());
            let job: Job = Box::new(move || {
                let outcome = if Instant::now() >= end {
                    Outcome::denied(format!("the deadline of {budget:?} passed before the decision started"))
                } else {
                    match policy.value.plain.admit(&image, None, UnixTime::now()) {
                        Ok(a) => Outcome { allowed: a.decision.allowed, reason: a.decision.reason.clone(), digest: Some(a.resolved.digest), warnings: warnings(&a.decision), decision: Some(a.decision) },
                        Err(e) => Outcome::denied(e.to_string()),
                    }
                };
                let _ = tx.send((i, outcome));
            });
            if !self.pool.submit(job, end) {
                self.metrics.busy.fetch_add(1, Ordering::Relaxed);
                out[i] = Some(Outcome::denied(format!("busy: no decision slot freed before the deadline of {budget:?}")));
                self.metrics.decision(false, namespace, start.elapsed());
            }
        }
        drop(tx);
        let mut pending = out.iter().filter(|o| o.is_none()).count();
        while pending > 0 {
            match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
                Ok((i, o)) => {
                    self.metrics.decision(o.allowed, namespace, start.elapsed());
                    out[i] = Some(o);
                    pending -= 1;
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        out.into_iter()
            .zip(images)
            .map(|(o, image)| {
                let mut o = o.unwrap_or_else(|| {
                    self.metrics.deadline_exceeded.fetch_add(1, Ordering::Relaxed);
                    self.metrics.decision(false, namespace, start.elapsed());
                    Outcome::denied(format!("the deadline of {budget:?} passed before the image was decided"))
                });
                if audited {
                    self.record(policy, image, &mut o);
                }
                o
            })
            .collect()
    }

    /// Appends the final outcome for `image` to the audit log: the decision, or the refusal
    /// (no decision reached: a reference that does not parse, a registry that cannot be read,
    /// the deadline, no slot). A record that cannot be appended turns the outcome into a denial.
    fn record(&self, policy: &Loaded<Admitters>, image: &str, o: &mut Outcome) {
        let Some(log) = &self.audit else { return };
        let appended = match &o.decision {
            Some(d) => log.lock().unwrap_or_else(PoisonError::into_inner).append(d).map(|_| ()),
            None => policy.value.audited.record_refusal(image, None, &Error::Usage(o.reason.clone()), UnixTime::now()),
        };
        if let Err(e) = appended {
            *o = Outcome::denied(format!("audit log: {e}"));
        }
    }

    /// Answers one admission request.
    fn admit(&self, hook: Webhook, req: &AdmissionRequest, budget: Duration) -> AdmissionResponse {
        let sites = match workload::images(req) {
            Ok(s) => s,
            Err(WorkloadError::Unknown(what)) if self.unknown == UnknownKinds::Allow => {
                let mut r = AdmissionResponse::allow(&req.uid);
                r.warn(&format!("sealcheck: {what}: not decided (unknownKinds: allow)"));
                return r;
            }
            Err(e) => return AdmissionResponse::deny(&req.uid, format!("sealcheck: {e}")),
        };
        let Some(set) = self.policies.current() else {
            return AdmissionResponse::deny(&req.uid, format!("sealcheck: policies not loaded: {}", self.policies.last_error().unwrap_or_else(|| "loading".into())));
        };
        let policy = set.for_namespace(&req.namespace).clone();
        let mut images: Vec<String> = Vec::new();
        for s in &sites {
            if !images.contains(&s.image) {
                images.push(s.image.clone());
            }
        }
        let audited = hook == Webhook::Validate && !req.is_dry_run();
        let outcomes = self.decide(&policy, audited, &images, budget, &req.namespace);
        let by_image: BTreeMap<&str, &Outcome> = images.iter().map(String::as_str).zip(&outcomes).collect();
        let mut denials = Vec::new();
        let mut warnings = Vec::new();
        for (image, o) in images.iter().zip(&outcomes) {
            let at: Vec<&str> = sites.iter().filter(|s| &s.image == image).map(|s| s.pointer.as_str()).collect();
            let containers: Vec<&str> = sites.iter().filter(|s| &s.image == image).map(|s| s.container.as_str()).collect();
            log(
                "info",
                "decision",
                json!({"webhook": if hook == Webhook::Validate { "validate" } else { "mutate" }, "uid": req.uid, "namespace": req.namespace, "kind": req.kind.kind, "name": req.name,
                       "image": image, "containers": containers, "pointers": at, "allowed": o.allowed, "reason": o.reason, "digest": o.digest.map(|d| d.to_string()),
                       "dryRun": req.is_dry_run(), "policy": policy.path.display().to_string(), "decision": o.decision}),
            );
            if !o.allowed {
                denials.push(format!("image {image:?} (container {}): {}", containers.join(", "), o.reason));
            }
            warnings.extend(o.warnings.iter().map(|w| format!("sealcheck: image {image:?}: {w}")));
        }
        let mut response = if denials.is_empty() { AdmissionResponse::allow(&req.uid) } else { AdmissionResponse::deny(&req.uid, format!("sealcheck denied: {}", denials.join("; "))) };
        for w in &warnings {
            response.warn(w);
        }
        if hook == Webhook::Mutate && response.allowed {
            let pins: Vec<(&ImageSite, OciDigest)> = sites.iter().filter_map(|s| by_image.get(s.image.as_str()).and_then(|o| o.digest).map(|d| (s, d))).collect();
            response.patch = patch::encode(&patch::operations(&pins));
            response.patch_type = response.patch.is_some().then_some(patch::PATCH_TYPE);
        }
        response
    }

    /// Answers one review body. A body that is not an `admission.k8s.io/v1` `AdmissionReview`
    /// request is answered with HTTP 400 and no review, so no `allowed` is written for it: the
    /// API server takes a non-200 answer as a failed call (k8s.io/apiserver
    /// `pkg/admission/plugin/webhook/validating/dispatcher.go`: an `ErrCallingWebhook`, "failing
    /// closed" unless the webhook's `failurePolicy` is `Ignore`), so `failurePolicy: Fail`
    /// rejects the request. The text and the log name the `uid` when one can be read.
    fn review(&self, hook: Webhook, body: &[u8], budget: Duration) -> (u16, &'static str, Vec<u8>) {
        match review::parse(body) {
            Ok(req) => (200, "application/json", self.admit(hook, &req, budget).to_review()),
            Err(e) => {
                let uid = review::uid_of(body);
                log("warn", "review refused", json!({"uid": uid, "error": e.to_string()}));
                let text = match uid {
                    Some(uid) => format!("request uid {uid:?}: {e}\n"),
                    None => format!("{e}\n"),
                };
                (400, "text/plain", text.into_bytes())
            }
        }
    }

    /// Answers one `ProviderRequest` body.
    fn provide(&self, body: &[u8], budget: Duration) -> Vec<u8> {
        let keys = match gatekeeper::parse(body) {
            Ok(k) => k,
            Err(e) => return gatekeeper::response(Err(e)),
        };
        let Some(set) = self.policies.current() else {
            return gatekeeper::response(Err(format!("policies not loaded: {}", self.policies.last_error().unwrap_or_else(|| "loading".into()))));
        };
        let mut images: Vec<String> = Vec::new();
        for k in &keys {
            if !images.contains(k) {
                images.push(k.clone());
            }
        }
        let outcomes = self.decide(&set.default, false, &images, budget, "");
        let by_key: BTreeMap<&str, &Outcome> = images.iter().map(String::as_str).zip(&outcomes).collect();
        let items = keys
            .iter()
            .map(|k| {
                let o = by_key[k.as_str()];
                log("info", "decision", json!({"provider": "gatekeeper", "image": k, "allowed": o.allowed, "reason": o.reason, "digest": o.digest.map(|d| d.to_string()), "decision": o.decision}));
                Item::new(k.clone(), gatekeeper::Value { allowed: o.allowed, digest: o.digest.map(|d| d.to_string()), reason: o.reason.clone() })
            })
            .collect();
        gatekeeper::response(Ok(items))
    }

    /// The deadline for a request whose query is `query`: the configured one, or less when the
    /// API server's `timeout` (less [`TIMEOUT_MARGIN`]) leaves less.
    fn budget(&self, query: &str) -> std::result::Result<Duration, String> {
        let mut budget = self.deadline;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            if let Some(t) = pair.strip_prefix("timeout=") {
                let t = go_duration(t).ok_or_else(|| format!("query timeout={t:?}: not a duration"))?;
                budget = budget.min(t.saturating_sub(TIMEOUT_MARGIN).max(t / 2));
            }
        }
        Ok(budget)
    }

    fn ready(&self) -> bool {
        self.policies.current().is_some()
    }

    /// Routes one request: status, content type, body.
    fn route(&self, method: &str, path: &str, query: &str, body: &[u8]) -> (&'static str, u16, &'static str, Vec<u8>) {
        let text = |s: String| s.into_bytes();
        match (method, path) {
            ("GET", "/healthz") => ("/healthz", 200, "text/plain", text("ok\n".into())),
            // Still ready after a failed reload: the set in force is served; the body says why the new one was not taken.
            ("GET", "/readyz") if self.ready() => ("/readyz", 200, "text/plain", text(self.policies.last_error().map_or_else(|| "ok\n".into(), |e| format!("ok; policy reload failed, the policies in force are kept: {e}\n")))),
            ("GET", "/readyz") => ("/readyz", 503, "text/plain", text(format!("not ready: policies not loaded: {}\n", self.policies.last_error().unwrap_or_else(|| "loading".into())))),
            ("GET", "/metrics") => ("/metrics", 200, "text/plain; version=0.0.4", text(self.metrics.render(self.ready(), self.cache.stats(), &self.registry.stats()))),
            ("POST", "/validate" | "/mutate" | "/gatekeeper") => {
                let route = match path {
                    "/validate" => "/validate",
                    "/mutate" => "/mutate",
                    _ => "/gatekeeper",
                };
                let budget = match self.budget(query) {
                    Ok(b) => b,
                    Err(e) => return (route, 400, "text/plain", text(format!("{e}\n"))),
                };
                match path {
                    "/validate" => {
                        let (s, t, b) = self.review(Webhook::Validate, body, budget);
                        (route, s, t, b)
                    }
                    "/mutate" => {
                        let (s, t, b) = self.review(Webhook::Mutate, body, budget);
                        (route, s, t, b)
                    }
                    _ => (route, 200, "application/json", self.provide(body, budget)),
                }
            }
            (_, "/healthz" | "/readyz" | "/metrics" | "/validate" | "/mutate" | "/gatekeeper") => ("other", 405, "text/plain", text(format!("{method} {path}: method not allowed\n"))),
            _ => ("other", 404, "text/plain", text(format!("{path}: not found\n"))),
        }
    }
}

/// The largest body a request for `path` may have (0: none), refused before it is read when
/// over ([`crate::http::read_request`]).
pub fn body_limit(path: &str) -> usize {
    match path {
        "/validate" | "/mutate" => review::MAX_REVIEW_BYTES,
        "/gatekeeper" => gatekeeper::MAX_PROVIDER_REQUEST_BYTES,
        _ => 0,
    }
}

fn serve_connection(state: &State, tcp: TcpStream) {
    let _ = tcp.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = tcp.set_write_timeout(Some(IDLE_TIMEOUT));
    let _ = tcp.set_nodelay(true);
    let Ok(conn) = rustls::ServerConnection::new(state.tls.clone()) else { return };
    let mut s = rustls::StreamOwned::new(conn, tcp);
    let mut buf = Vec::new();
    loop {
        match read_request(&mut s, &mut buf, body_limit) {
            Ok(r) => {
                let (route, code, content_type, body) = state.route(&r.method, &r.path, &r.query, &r.body);
                state.metrics.response(route, code);
                if respond(&mut s, code, content_type, &body, r.close).is_err() || r.close {
                    break;
                }
            }
            Err(Stop::Answer(code, why)) => {
                state.metrics.response("other", code);
                let _ = respond(&mut s, code, "text/plain", format!("{why}\n").as_bytes(), true);
                break;
            }
            Err(Stop::Quiet) => break,
        }
    }
    s.conn.send_close_notify();
    let _ = s.flush();
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Server {
    /// Starts serving `config`, verifying with `provider`: the registry client, fact cache, audit log and certificate are
    /// set up (an error when they cannot be), the listener bound, and the policies loaded in
    /// the background (not ready until they are).
    pub fn start(config: &ServeConfig, provider: CryptoProvider) -> Result<Self> {
        let metrics = Arc::new(Metrics::default());
        let a = &config.admission;
        let deadline = a.deadline();
        let mut options = a.registry.to_options()?;
        let t = options.timeouts;
        options.timeouts = Timeouts { connect: t.connect.min(deadline), read: t.read.min(deadline), total: deadline };
        let registry = Arc::new(Registry::new(options)?);
        let cache = Arc::new(FactCache::new(CacheLimits::default()));
        let audit = a.audit_log.as_deref().map(AuditLog::open).transpose()?.map(|l| Arc::new(Mutex::new(l)));
        let resolver = ReloadingCert::new(&config.tls.cert, &config.tls.key, tls::provider(), metrics.clone()).map_err(|e| Error::Usage(e.to_string()))?;
        let tls = tls::server_config(Arc::new(resolver), config.tls.min_version).map_err(|e| Error::Usage(e.to_string()))?;
        let (reg, fc, base, audit_log) = (registry.clone(), cache.clone(), a.clone(), audit.clone());
        let load = move |path: &Path| -> std::result::Result<(Arc<sealcheck::CompiledPolicy>, Admitters), String> {
            let one = AdmissionConfig { policy: path.to_path_buf(), ..base.clone() };
            let (policy, revocations) = one.policy(&provider).map_err(|e| e.to_string())?;
            let policy = Arc::new(policy);
            let mut plain = Admitter::new(policy.clone(), reg.clone(), provider, fc.clone());
            if let Some(list) = revocations {
                plain = plain.with_revocations(Arc::new(list));
            }
            let audited = match &audit_log {
                Some(l) => plain.clone().with_audit(l.clone()),
                None => plain.clone(),
            };
            Ok((policy, Admitters { audited, plain }))
        };
        let policies = Policies::new(a.policy.clone(), config.policy_dir.clone(), Box::new(load));
        let listen = config.listen.as_deref().unwrap_or("127.0.0.1:8443");
        let listener = TcpListener::bind(listen).map_err(|e| Error::Usage(format!("listen {listen}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Usage(format!("listen {listen}: {e}")))?;
        let state = Arc::new(State {
            policies,
            audit,
            registry,
            cache,
            metrics,
            pool: Pool::new(config.concurrency.unwrap_or(16)),
            deadline,
            unknown: config.unknown_kinds,
            tls,
            connections: AtomicUsize::new(0),
            max_connections: config.max_connections.unwrap_or(512),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let every = Duration::from_secs(config.reload_seconds.unwrap_or(5));
        let (st, sp) = (state.clone(), stop.clone());
        let reloader = std::thread::Builder::new().name("sealcheck-reload".into()).spawn(move || reload_loop(&st, &sp, every)).map_err(|e| Error::Usage(format!("reload thread: {e}")))?;
        let (st, sp) = (state, stop.clone());
        let acceptor = std::thread::Builder::new().name("sealcheck-accept".into()).spawn(move || accept_loop(&st, &sp, &listener)).map_err(|e| Error::Usage(format!("accept thread: {e}")))?;
        log("info", "listening", json!({"address": addr.to_string(), "routes": ["/validate", "/mutate", "/gatekeeper", "/healthz", "/readyz", "/metrics"]}));
        Ok(Self { addr, stop, threads: vec![reloader, acceptor] })
    }

    /// The address it listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until stopped.
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Stops accepting connections and reloading (connections already open finish their
    /// request).
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn reload_loop(state: &State, stop: &AtomicBool, every: Duration) {
    while !stop.load(Ordering::SeqCst) {
        match state.policies.reload() {
            Reload::Unchanged => {}
            Reload::Loaded(n) => {
                state.metrics.policy_reloads.fetch_add(1, Ordering::Relaxed);
                let set = state.policies.current();
                let digests: BTreeMap<String, String> = set.iter().flat_map(|s| std::iter::once(("(default)".to_string(), s.default.digest.clone())).chain(s.namespaces.iter().map(|(n, l)| (n.clone(), l.digest.clone())))).collect();
                log("info", "policies loaded", json!({"namespaces": n, "digests": digests}));
            }
            Reload::Failed(e) => {
                state.metrics.policy_reload_errors.fetch_add(1, Ordering::Relaxed);
                log("error", "policy reload failed; keeping the policies in force", json!({"error": e, "ready": state.ready()}));
            }
        }
        let until = Instant::now() + every;
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100).min(every));
        }
    }
}

/// Decrements the connection count when a connection thread ends.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn accept_loop(state: &Arc<State>, stop: &AtomicBool, listener: &TcpListener) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(tcp) = conn else { continue };
        if state.connections.fetch_add(1, Ordering::SeqCst) >= state.max_connections {
            state.connections.fetch_sub(1, Ordering::SeqCst);
            log("warn", "connection refused: too many connections", json!({"max": state.max_connections}));
            continue;
        }
        let st = state.clone();
        let spawned = std::thread::Builder::new().name("sealcheck-conn".into()).spawn(move || {
            let _slot = Slot(&st.connections);
            serve_connection(&st, tcp);
        });
        if let Err(e) = spawned {
            state.connections.fetch_sub(1, Ordering::SeqCst);
            log("error", "could not start a connection thread", json!({"error": e.to_string()}));
        }
    }
}

/// `sealcheck serve --config FILE`: loads the configuration and serves until killed.
pub fn run(config: &Path, provider: CryptoProvider) -> Result<()> {
    let c = ServeConfig::load(config)?;
    Server::start(&c, provider)?.wait();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_as_the_api_server_writes_them() {
        // k8s.io/client-go rest.Request.Timeout writes time.Duration.String() ("10s", "1m30s").
        assert_eq!(go_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(go_duration("500ms"), Some(Duration::from_millis(500)));
        for bad in ["", "10", "s", "1.5s", "-1s", "10x"] {
            assert_eq!(go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_decision_waits_for_a_slot_until_its_deadline_only() {
        let pool = Pool::new(1);
        let (release, held) = channel::<()>();
        assert!(pool.submit(Box::new(move || { let _ = held.recv(); }), Instant::now() + Duration::from_secs(10)));
        // The one slot is taken: the next decision is refused once its deadline passes.
        assert!(!pool.submit(Box::new(|| {}), Instant::now() + Duration::from_millis(50)));
        release.send(()).unwrap();
        // Freed: the next one runs.
        let (done, ran) = channel::<()>();
        assert!(pool.submit(Box::new(move || done.send(()).unwrap()), Instant::now() + Duration::from_secs(10)));
        ran.recv_timeout(Duration::from_secs(10)).unwrap();
    }

    #[test]
    fn serve_configuration_is_strict() {
        let ok = br#"{"admission": {"policy": "/p.json", "deadlineMs": 2000}, "tls": {"cert": "/c.pem", "key": "/k.pem"}, "policyDir": "/ns", "concurrency": 4, "unknownKinds": "allow", "reloadSeconds": 1, "listen": "127.0.0.1:0"}"#;
        let c = ServeConfig::from_json(ok).unwrap();
        assert_eq!((c.concurrency, c.unknown_kinds, c.admission.deadline()), (Some(4), UnknownKinds::Allow, Duration::from_millis(2000)));
        for (json, says) in [
            (r#"{"admission": {"policy": "/p.json"}, "tls": {"cert": "/c", "key": "/k"}, "extra": 1}"#, "unknown field"),
            (r#"{"admission": {"policy": "/p.json"}, "tls": {"cert": "c", "key": "/k"}}"#, "not an absolute path"),
            (r#"{"admission": {"policy": "p.json"}, "tls": {"cert": "/c", "key": "/k"}}"#, "not an absolute path"),
            (r#"{"admission": {"policy": "/p.json"}, "tls": {"cert": "/c", "key": "/k"}, "concurrency": 0}"#, "outside"),
            (r#"{"admission": {"policy": "/p.json"}, "tls": {"cert": "/c", "key": "/k"}, "listen": "nowhere"}"#, "listen"),
            (r#"{"admission": {"policy": "/p.json"}, "tls": {"cert": "/c", "key": "/k", "minVersion": "1.1"}}"#, "unknown variant"),
            (r#"{"admission": {"policy": "/p.json"}, "tls": {"cert": "/c", "key": "/k"}, "unknownKinds": "maybe"}"#, "unknown variant"),
            (r#"{"tls": {"cert": "/c", "key": "/k"}}"#, "missing field"),
            // serde reads a struct from a JSON array of its fields too.
            (r#"[{"policy": "/p.json"}, null, {"cert": "/c", "key": "/k"}]"#, "is not a JSON object"),
            (r#"{"admission": ["/p.json"], "tls": {"cert": "/c", "key": "/k"}}"#, "is not a JSON object"),
            (r#"{"admission": {"policy": "/p.json"}, "tls": ["/c", "/k"]}"#, "is not a JSON object"),
        ] {
            let e = ServeConfig::from_json(json.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(says), "{json}: {e}");
        }
    }
}
