//! What `sealcheck serve` tells its operators: `/metrics` in the Prometheus text exposition
//! format 0.0.4 (prometheus.io "Exposition formats": `# HELP`, `# TYPE`, one sample a line,
//! label values escaped, histograms as cumulative `_bucket{le=…}` with `_sum` and `_count`),
//! and the structured log, one JSON object a line on stderr (`ts`, `level`, `msg`, fields).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use sealcheck::UnixTime;
use sealcheck::cache::CacheStats;
use sealcheck_registry::Stats;
use serde_json::{Map, Value};

/// The most namespaces `sealcheck_decisions_total` names; decisions in further namespaces are
/// counted under `namespace="_other"`, so that requests naming made-up namespaces cannot grow
/// the exposition without bound.
pub const MAX_NAMESPACE_LABELS: usize = 1024;

/// Upper bounds of the decision latency histogram, seconds.
pub const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Image decisions by (verdict, namespace).
    decisions: Mutex<BTreeMap<(&'static str, String), u64>>,
    /// Responses by (route, HTTP status).
    responses: Mutex<BTreeMap<(&'static str, u16), u64>>,
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    /// Policy sets loaded and swapped in.
    pub policy_reloads: AtomicU64,
    /// Policy sets that failed to load (the old one kept).
    pub policy_reload_errors: AtomicU64,
    /// Certificate pairs that failed to load (the old one kept).
    pub tls_reload_errors: AtomicU64,
    /// Image decisions cut by the request deadline.
    pub deadline_exceeded: AtomicU64,
    /// Image decisions refused because no decision slot freed before the deadline.
    pub busy: AtomicU64,
}

impl Metrics {
    /// Counts one image decision for `namespace` that took `took`.
    pub fn decision(&self, allowed: bool, namespace: &str, took: Duration) {
        let verdict = if allowed { "allow" } else { "deny" };
        let mut decisions = self.decisions.lock().unwrap_or_else(PoisonError::into_inner);
        let known = decisions.keys().any(|(_, ns)| ns == namespace);
        let distinct = || decisions.keys().map(|(_, ns)| ns).collect::<std::collections::BTreeSet<_>>().len();
        let label = if known || distinct() < MAX_NAMESPACE_LABELS { namespace } else { "_other" };
        *decisions.entry((verdict, label.to_string())).or_default() += 1;
        drop(decisions);
        let secs = took.as_secs_f64();
        for (b, le) in self.buckets.iter().zip(LATENCY_BUCKETS) {
            if secs <= le {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Counts one response.
    pub fn response(&self, route: &'static str, status: u16) {
        *self.responses.lock().unwrap_or_else(PoisonError::into_inner).entry((route, status)).or_default() += 1;
    }

    /// The exposition: these counters, the fact cache's and the registry client's.
    #[must_use]
    pub fn render(&self, ready: bool, cache: CacheStats, registry: &Stats) -> String {
        let mut out = String::new();
        fn family(out: &mut String, name: &str, kind: &str, help: &str) {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        }
        family(&mut out, "sealcheck_ready", "gauge", "1 once policies and trust material are loaded.");
        let _ = writeln!(out, "sealcheck_ready {}", u8::from(ready));
        family(&mut out, "sealcheck_decisions_total", "counter", "Image decisions, by verdict and namespace.");
        for ((verdict, ns), n) in self.decisions.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let _ = writeln!(out, "sealcheck_decisions_total{{verdict=\"{verdict}\",namespace=\"{}\"}} {n}", escape(ns));
        }
        family(&mut out, "sealcheck_decision_seconds", "histogram", "Time to decide one image, waiting for a slot included.");
        for (b, le) in self.buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(out, "sealcheck_decision_seconds_bucket{{le=\"{le}\"}} {}", b.load(Ordering::Relaxed));
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "sealcheck_decision_seconds_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "sealcheck_decision_seconds_sum {sum}\nsealcheck_decision_seconds_count {count}");
        family(&mut out, "sealcheck_http_responses_total", "counter", "HTTP responses, by route and status.");
        for ((route, code), n) in self.responses.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let _ = writeln!(out, "sealcheck_http_responses_total{{route=\"{route}\",code=\"{code}\"}} {n}");
        }
        let counters: [(&str, &str, u64); 15] = [
            ("sealcheck_deadline_exceeded_total", "Image decisions denied because the request deadline passed.", self.deadline_exceeded.load(Ordering::Relaxed)),
            ("sealcheck_busy_total", "Image decisions denied because no decision slot freed before the deadline.", self.busy.load(Ordering::Relaxed)),
            ("sealcheck_policy_reloads_total", "Policy sets loaded and swapped in.", self.policy_reloads.load(Ordering::Relaxed)),
            ("sealcheck_policy_reload_errors_total", "Policy sets that failed to load; the previous set was kept.", self.policy_reload_errors.load(Ordering::Relaxed)),
            ("sealcheck_tls_reload_errors_total", "Certificate and key files that failed to load; the previous pair was kept.", self.tls_reload_errors.load(Ordering::Relaxed)),
            ("sealcheck_fact_cache_hits_total", "Verified facts answered from the cache.", cache.hits),
            ("sealcheck_fact_cache_misses_total", "Verified facts not in the cache.", cache.misses),
            ("sealcheck_tag_cache_hits_total", "Tags answered from the tag cache.", registry.tag_cache_hits),
            ("sealcheck_tag_cache_misses_total", "Tags not in the tag cache (or stale).", registry.tag_cache_misses),
            ("sealcheck_evidence_cache_hits_total", "Image evidence answered from the evidence cache, with no registry request.", registry.evidence_cache_hits),
            ("sealcheck_evidence_cache_misses_total", "Image evidence not in the evidence cache (or stale).", registry.evidence_cache_misses),
            ("sealcheck_registry_requests_total", "Requests sent to registries.", registry.requests),
            ("sealcheck_registry_errors_total", "Registry requests that failed.", registry.errors),
            ("sealcheck_registry_token_fetches_total", "Tokens fetched from token services.", registry.token_fetches),
            ("sealcheck_fact_cache_entries", "Entries in the fact cache.", cache.entries as u64),
        ];
        for (name, help, value) in counters {
            family(&mut out, name, if name.ends_with("_total") { "counter" } else { "gauge" }, help);
            let _ = writeln!(out, "{name} {value}");
        }
        family(&mut out, "sealcheck_registry_host_errors_total", "counter", "Registry requests that failed, by host.");
        for (host, h) in &registry.hosts {
            let _ = writeln!(out, "sealcheck_registry_host_errors_total{{host=\"{}\"}} {}", escape(host), h.errors);
        }
        out
    }
}

/// A label value as the text format writes it: `\`, `"` and line feeds escaped.
fn escape(v: &str) -> String {
    v.replace('\\', r"\\").replace('"', "\\\"").replace('\n', r"\n")
}

/// Writes one log line to stderr: `{"ts": RFC 3339, "level", "msg", …fields}`.
pub fn log(level: &str, msg: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("ts".into(), UnixTime::now().to_rfc3339().map_or(Value::Null, Value::String));
    line.insert("level".into(), level.into());
    line.insert("msg".into(), msg.into());
    if let Value::Object(fields) = fields {
        line.extend(fields);
    }
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    // One write of one line under the lock: lines from threads never interleave.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_counts_and_escapes() {
        let m = Metrics::default();
        m.decision(true, "team-a", Duration::from_millis(3));
        m.decision(false, "we\"ird", Duration::from_secs(20));
        m.response("/validate", 200);
        let text = m.render(true, CacheStats { hits: 2, misses: 3, entries: 1, bytes: 9 }, &Stats { evidence_cache_hits: 4, evidence_cache_misses: 5, ..Stats::default() });
        assert!(text.contains("sealcheck_decisions_total{verdict=\"allow\",namespace=\"team-a\"} 1\n"));
        assert!(text.contains("sealcheck_decisions_total{verdict=\"deny\",namespace=\"we\\\"ird\"} 1\n"));
        // Cumulative buckets: 3 ms is under 5 ms and above; 20 s only in +Inf.
        assert!(text.contains("sealcheck_decision_seconds_bucket{le=\"0.001\"} 0\n"));
        assert!(text.contains("sealcheck_decision_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("sealcheck_decision_seconds_bucket{le=\"10\"} 1\n"));
        assert!(text.contains("sealcheck_decision_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("sealcheck_decision_seconds_count 2\n"));
        assert!(text.contains("sealcheck_fact_cache_misses_total 3\n"));
        assert!(text.contains("sealcheck_evidence_cache_hits_total 4\n") && text.contains("sealcheck_evidence_cache_misses_total 5\n"));
        assert!(text.contains("# TYPE sealcheck_decision_seconds histogram\n"));
        assert!(text.lines().all(|l| l.starts_with('#') || l.split(' ').count() == 2), "{text}");
        // Namespaces beyond the limit share one label.
        for i in 0..MAX_NAMESPACE_LABELS + 5 {
            m.decision(true, &format!("ns-{i}"), Duration::ZERO);
        }
        let text = m.render(true, CacheStats { hits: 0, misses: 0, entries: 0, bytes: 0 }, &Stats::default());
        assert_eq!(text.lines().filter(|l| l.starts_with("sealcheck_decisions_total{")).count(), MAX_NAMESPACE_LABELS + 1);
        assert!(text.contains("sealcheck_decisions_total{verdict=\"allow\",namespace=\"_other\"} 7\n"), "{text}");
    }
}
