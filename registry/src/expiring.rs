//! The bounded, expiring map both caches of one [`crate::Registry`] are ([`crate::tags`],
//! [`crate::evidence`]): each value is kept for the cache's TTL under its key, within a number of
//! entries and of bytes (expired entries go first, then the oldest), and every lookup counts a
//! hit or a miss. A zero TTL keeps and counts nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

struct Entry<V> {
    value: V,
    bytes: usize,
    until: Instant,
}

/// The map, its bounds and its hit and miss counters.
pub(crate) struct Expiring<V> {
    ttl: Duration,
    max_entries: usize,
    max_bytes: usize,
    entries: Mutex<HashMap<String, Entry<V>>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

impl<V: Clone> Expiring<V> {
    pub fn new(ttl: Duration, max_entries: usize, max_bytes: usize) -> Self {
        Self { ttl, max_entries, max_bytes, entries: Mutex::default(), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// The value kept under `key`, if that was less than the TTL ago; counts a hit or a miss
    /// (nothing when the TTL is zero).
    pub fn get(&self, key: &str) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let found = entries.get(key).filter(|e| Instant::now() < e.until).map(|e| e.value.clone());
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `value` (`bytes` large) under `key` for the TTL, replacing what was there; a value
    /// larger than the byte bound is not kept.
    pub fn insert(&self, key: &str, value: V, bytes: usize) {
        if self.ttl.is_zero() || bytes > self.max_bytes {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(key);
        let now = Instant::now();
        let full = |e: &HashMap<String, Entry<V>>| e.len() >= self.max_entries || e.values().map(|x| x.bytes).sum::<usize>() + bytes > self.max_bytes;
        if full(&entries) {
            entries.retain(|_, e| e.until > now);
        }
        while full(&entries) {
            let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.until).map(|(k, _)| k.clone()) else { break };
            entries.remove(&oldest);
        }
        entries.insert(key.to_string(), Entry { value, bytes, until: now + self.ttl });
    }

    /// The entries and bytes kept now.
    #[cfg(test)]
    pub fn size(&self) -> (usize, usize) {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        (entries.len(), entries.values().map(|e| e.bytes).sum())
    }

    #[cfg(test)]
    pub fn contains(&self, key: &str) -> bool {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts<V: Clone>(c: &Expiring<V>) -> (u64, u64) {
        (c.hits.load(Ordering::Relaxed), c.misses.load(Ordering::Relaxed))
    }

    #[test]
    fn values_expire_after_the_ttl_and_a_zero_ttl_keeps_nothing() {
        let c = Expiring::new(Duration::from_millis(200), 8, 1024);
        assert_eq!(c.get("a"), None);
        c.insert("a", 1, 1);
        assert_eq!(c.get("a"), Some(1));
        assert_eq!(c.get("b"), None, "by key");
        c.insert("a", 2, 1);
        assert_eq!((c.get("a"), c.size()), (Some(2), (1, 1)), "replaced, not added");
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(c.get("a"), None, "stale after the TTL");
        assert_eq!(counts(&c), (2, 3));
        let off = Expiring::new(Duration::ZERO, 8, 1024);
        off.insert("a", 1, 1);
        assert_eq!((off.get("a"), off.size(), counts(&off)), (None, (0, 0), (0, 0)), "a zero TTL keeps and counts nothing");
    }

    #[test]
    fn entries_and_bytes_are_bounded_oldest_out_first() {
        let c = Expiring::new(Duration::from_secs(60), 4, 100);
        for i in 0..6 {
            c.insert(&i.to_string(), i, 10);
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(c.size(), (4, 40));
        assert!(!c.contains("0") && !c.contains("1") && c.contains("2") && c.contains("5"), "the oldest went");
        c.insert("big", 9, 75);
        assert_eq!(c.size(), (3, 95), "two more went to fit 75 bytes");
        assert!(!c.contains("3") && c.contains("4") && c.contains("big"));
        c.insert("huge", 9, 101);
        assert!(!c.contains("huge"), "over the byte bound alone: not kept");
        assert_eq!(c.size(), (3, 95), "and nothing evicted for it");
    }
}
