//! Per-host limits and counters of one [`crate::Registry`] (issue 15, "never block on one slow
//! registry for every request"): at most [`crate::Options::per_host`] requests in flight to one
//! host (`host[:port]` of the URL) across every decision sharing the client. A request waits for
//! a permit of its own host only, so a slow host delays the decisions that read it and no
//! other; the wait counts against the decision's deadline and ends in an error naming the host.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Hosts remembered at most (their counters); past it, hosts with nothing in flight are
/// forgotten.
const MAX_HOSTS: usize = 4096;

/// The counters of one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostStats {
    /// Requests sent (each attempt, each redirect hop).
    pub requests: u64,
    /// Requests that failed: transport errors (connect, TLS, timeout, a body too large or
    /// truncated), 429 and 5xx answers, and waits for a permit that passed the deadline.
    pub errors: u64,
    /// Requests in flight now.
    pub in_flight: usize,
}

/// The permits and counters of every host.
pub(crate) struct Hosts {
    per_host: usize,
    state: Mutex<HashMap<String, HostStats>>,
    freed: Condvar,
}

/// A request slot of one host, given back on drop.
pub(crate) struct Permit<'a> {
    hosts: &'a Hosts,
    host: String,
}

impl Hosts {
    pub fn new(per_host: usize) -> Self {
        Self { per_host: per_host.max(1), state: Mutex::default(), freed: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, HostStats>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A permit for `host`, waiting until one is free or `deadline` passes.
    pub fn acquire(&self, host: &str, deadline: Instant) -> Result<Permit<'_>, String> {
        let mut state = self.lock();
        if !state.contains_key(host) && state.len() >= MAX_HOSTS {
            state.retain(|_, s| s.in_flight > 0);
        }
        loop {
            let s = state.entry(host.to_string()).or_default();
            if s.in_flight < self.per_host {
                s.in_flight += 1;
                s.requests += 1;
                return Ok(Permit { hosts: self, host: host.to_string() });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                s.errors += 1;
                return Err(format!("registry host {host}: {} requests in flight, and no slot freed before the decision's deadline", self.per_host));
            }
            state = self.freed.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// Every host's counters.
    pub fn stats(&self) -> BTreeMap<String, HostStats> {
        self.lock().iter().map(|(h, s)| (h.clone(), *s)).collect()
    }
}

impl Permit<'_> {
    /// Counts the request as an error of its host.
    pub fn failed(&self) {
        if let Some(s) = self.hosts.lock().get_mut(&self.host) {
            s.errors += 1;
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.hosts.lock().get_mut(&self.host) {
            s.in_flight = s.in_flight.saturating_sub(1);
        }
        self.hosts.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn permits_are_per_host_and_waits_end_at_the_deadline() {
        let hosts = Hosts::new(2);
        let soon = Instant::now() + Duration::from_millis(50);
        let a = hosts.acquire("a:1", soon).unwrap();
        let _b = hosts.acquire("a:1", soon).unwrap();
        let e = hosts.acquire("a:1", soon).map(|_| ()).unwrap_err();
        assert!(e.contains("registry host a:1") && e.contains("deadline"), "{e}");
        let other = hosts.acquire("b:1", soon);
        assert!(other.is_ok(), "another host is not held up");
        drop(a);
        hosts.acquire("a:1", soon).unwrap().failed();
        let s = hosts.stats();
        assert_eq!(s["a:1"], HostStats { requests: 3, errors: 2, in_flight: 1 });
        assert_eq!(s["b:1"].in_flight, 1);
    }
}
