//! A cache of verified facts (std only): what verifying one piece of evidence under one trust
//! established, so that the same evidence seen again costs a hash lookup instead of the
//! signature checks.
//!
//! An entry is keyed by SHA-256 over the evidence's key (its bytes, [`Found::key`]), the digest
//! of the trust that verified it ([`Trust::digest`]: logs, CAs, TSAs and their windows, the
//! signers, the thresholds) and what it was verified against (the manifest and index digests).
//! Only the *facts* are cached, never a verdict: every decision still judges them under its
//! policy (digests, references, predicate types), so a policy reloaded with the same trust reuses
//! them and everything a policy decides (and, later, revocations, key windows and exceptions)
//! takes effect at once. Changing any trust material changes the digest, so reloaded trust
//! never meets facts verified under the old one; [`FactCache::clear`] drops everything.
//!
//! Facts depend on the verification time only through "every verified time is not in the
//! future": an entry records the latest verified time and is used only at verification times
//! from that time on. Facts about a certificate checked at the verification time itself (no
//! verified time; containers-policy.json `pki`) are not cached. Failures are never cached.
//!
//! Bounded in entries and in bytes (each entry is charged the size of the evidence it came
//! from, plus a fixed overhead); the oldest entries are evicted first. Entries expire after a
//! time to live measured on the monotonic clock.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::encoding::Transcript;
use crate::facts::{VerifiedSignature, VerifiedSigner};
use crate::oci::Found;
use crate::time::UnixTime;
use crate::trust::Trust;

/// How large a cache may grow, and for how long an entry is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Entries held at most.
    pub max_entries: usize,
    /// Bytes charged at most (evidence size plus [`ENTRY_OVERHEAD_BYTES`] per entry).
    pub max_bytes: usize,
    /// How long an entry is used after it was verified.
    pub ttl: Duration,
}

/// What each entry is charged besides the size of its evidence.
pub const ENTRY_OVERHEAD_BYTES: usize = 1024;

impl Default for CacheLimits {
    /// 10,000 entries, 64 MiB, ten minutes.
    fn default() -> Self {
        Self { max_entries: 10_000, max_bytes: 64 * 1024 * 1024, ttl: Duration::from_secs(600) }
    }
}

/// The key of one piece of evidence verified under one trust against one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FactKey([u8; 32]);

impl FactKey {
    /// `found` verified under `trust` against `subject` (the manifest's SHA-256, and the index's
    /// when index signatures may count).
    pub(crate) fn new(found: &Found, trust: &Trust, subject: &[&[u8]]) -> Self {
        let mut t = Transcript::default();
        t.field(found.key()).field(trust.digest());
        for s in subject {
            t.field(s);
        }
        Self(t.sha256())
    }
}

#[derive(Debug)]
struct Entry {
    fact: Arc<VerifiedSignature>,
    /// The earliest verification time the fact holds at: its latest verified time.
    usable_from: Option<UnixTime>,
    inserted: Instant,
    charge: usize,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<FactKey, Entry>,
    order: VecDeque<(FactKey, Instant)>,
    bytes: usize,
}

/// Verified facts, shared by every decision of a process (`Send + Sync`; share it in an `Arc`
/// among verifiers and threads).
#[derive(Debug)]
pub struct FactCache {
    limits: CacheLimits,
    inner: RwLock<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Counters of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that were not.
    pub misses: u64,
    /// Entries held now.
    pub entries: usize,
    /// Bytes charged now.
    pub bytes: usize,
}

impl FactCache {
    /// An empty cache with `limits`.
    #[must_use]
    pub fn new(limits: CacheLimits) -> Self {
        Self { limits, inner: RwLock::new(Inner::default()), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// The facts for `key` if they are cached, fresh, and hold at `now`.
    pub(crate) fn get(&self, key: &FactKey, now: UnixTime) -> Option<Arc<VerifiedSignature>> {
        let found = self.read().map.get(key).filter(|e| e.inserted.elapsed() < self.limits.ttl && e.usable_from.is_none_or(|t| t <= now)).map(|e| e.fact.clone());
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Caches `fact`, verified from `evidence_bytes` of evidence, unless it depends on the
    /// verification time itself or cannot fit.
    pub(crate) fn insert(&self, key: FactKey, fact: &VerifiedSignature, evidence_bytes: usize) {
        if fact.times.is_empty() && matches!(fact.signer, VerifiedSigner::Certificate { .. }) {
            return;
        }
        let charge = evidence_bytes.saturating_add(ENTRY_OVERHEAD_BYTES);
        if charge > self.limits.max_bytes || self.limits.max_entries == 0 {
            return;
        }
        let usable_from = fact.times.iter().map(|t| t.time).max();
        let now = Instant::now();
        let mut inner = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(old) = inner.map.remove(&key) {
            inner.bytes -= old.charge;
        }
        // Oldest first; queue slots of replaced entries are skipped when their time differs.
        while inner.map.len() >= self.limits.max_entries || inner.bytes + charge > self.limits.max_bytes {
            let Some((k, at)) = inner.order.pop_front() else { break };
            if inner.map.get(&k).is_some_and(|e| e.inserted == at) {
                if let Some(e) = inner.map.remove(&k) {
                    inner.bytes -= e.charge;
                }
            }
        }
        inner.bytes += charge;
        inner.order.push_back((key, now));
        inner.map.insert(key, Entry { fact: Arc::new(fact.clone()), usable_from, inserted: now, charge });
        // Stale queue slots (replaced entries) cannot outgrow the map by more than its size.
        if inner.order.len() > 2 * self.limits.max_entries.max(1) {
            let Inner { map, order, .. } = &mut *inner;
            order.retain(|(k, at)| map.get(k).is_some_and(|e| e.inserted == *at));
        }
    }

    /// Drops every entry (for instance when trust material is reloaded and memory matters; the
    /// old entries could not be hit under new trust anyway).
    pub fn clear(&self) {
        let mut inner = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *inner = Inner::default();
    }

    /// Hits, misses, entries and bytes.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        let inner = self.read();
        CacheStats { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed), entries: inner.map.len(), bytes: inner.bytes }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for FactCache {
    fn default() -> Self {
        Self::new(CacheLimits::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{SignatureFormat, TimeSource, VerifiedTime};

    fn fact(times: &[i64], certificate: bool) -> VerifiedSignature {
        let signer = if certificate {
            VerifiedSigner::Certificate {
                san: alloc::vec![],
                extensions: crate::x509::FulcioExtensions::default(),
                authority: "ca".into(),
                not_before: UnixTime::from_secs(0),
                not_after: UnixTime::from_secs(100),
                sha256: String::new(),
                issuer: String::new(),
                serial: String::new(),
                ct_logs: alloc::vec![],
            }
        } else {
            VerifiedSigner::Key { sha256: String::new() }
        };
        VerifiedSignature {
            format: SignatureFormat::SigstoreBundle,
            bundle_version: None,
            signer,
            digests: alloc::vec![],
            signed_reference: None,
            statement: None,
            matched_subject: None,
            times: times.iter().map(|&t| VerifiedTime { time: UnixTime::from_secs(t), source: TimeSource::TransparencyLog { log: String::new(), entry: 0 } }).collect(),
            tlog_entries: alloc::vec![],
            verified_at: UnixTime::from_secs(50),
        }
    }

    fn key(n: u8) -> FactKey {
        FactKey([n; 32])
    }

    const AT: UnixTime = UnixTime::from_secs(50);

    #[test]
    fn bounded_in_entries_oldest_first() {
        let c = FactCache::new(CacheLimits { max_entries: 2, ..CacheLimits::default() });
        for n in 0..3 {
            c.insert(key(n), &fact(&[10], false), 100);
        }
        assert!(c.get(&key(0), AT).is_none());
        assert!(c.get(&key(1), AT).is_some() && c.get(&key(2), AT).is_some());
        assert_eq!(c.stats(), CacheStats { hits: 2, misses: 1, entries: 2, bytes: 2 * (100 + ENTRY_OVERHEAD_BYTES) });
        // Replacing an entry does not count it twice.
        c.insert(key(2), &fact(&[10], false), 100);
        assert_eq!(c.stats().entries, 2);
        assert!(c.get(&key(1), AT).is_some());
    }

    #[test]
    fn bounded_in_bytes() {
        let c = FactCache::new(CacheLimits { max_bytes: 3 * ENTRY_OVERHEAD_BYTES, ..CacheLimits::default() });
        c.insert(key(0), &fact(&[10], false), ENTRY_OVERHEAD_BYTES);
        c.insert(key(1), &fact(&[10], false), ENTRY_OVERHEAD_BYTES);
        assert!(c.get(&key(0), AT).is_none(), "evicted to make room");
        assert!(c.get(&key(1), AT).is_some());
        // Larger than the whole cache: not held at all.
        c.insert(key(2), &fact(&[10], false), 3 * ENTRY_OVERHEAD_BYTES);
        assert!(c.get(&key(2), AT).is_none());
        assert!(c.stats().bytes <= 3 * ENTRY_OVERHEAD_BYTES);
    }

    #[test]
    fn entries_expire() {
        let c = FactCache::new(CacheLimits { ttl: Duration::ZERO, ..CacheLimits::default() });
        c.insert(key(0), &fact(&[10], false), 1);
        assert!(c.get(&key(0), AT).is_none());
    }

    #[test]
    fn usable_from_the_latest_verified_time() {
        let c = FactCache::default();
        c.insert(key(0), &fact(&[10, 40], false), 1);
        assert!(c.get(&key(0), UnixTime::from_secs(39)).is_none());
        assert!(c.get(&key(0), UnixTime::from_secs(40)).is_some());
        // A key signature without verified times holds at any time.
        c.insert(key(1), &fact(&[], false), 1);
        assert!(c.get(&key(1), UnixTime::from_secs(i64::MIN)).is_some());
    }

    #[test]
    fn certificates_checked_at_the_verification_time_are_not_cached() {
        let c = FactCache::default();
        c.insert(key(0), &fact(&[], true), 1);
        c.insert(key(1), &fact(&[10], true), 1);
        assert!(c.get(&key(0), AT).is_none());
        assert!(c.get(&key(1), AT).is_some());
        c.clear();
        assert_eq!(c.stats().entries, 0);
        assert!(c.get(&key(1), AT).is_none());
    }
}
