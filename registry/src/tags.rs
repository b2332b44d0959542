//! The tag → digest cache of one [`crate::Registry`] (issue 15: "a tag→digest cache with a
//! TTL"): what `GET /v2/<name>/manifests/<tag>` answered for an image's reference (the
//! descriptor, and the manifest bytes, whose digest was computed from them), kept for
//! [`crate::Options::tag_ttl`] under the full reference (`host/repository:tag`). A tag that
//! moves is seen at most the TTL late; a zero TTL caches nothing. Only the tag a decision is
//! asked about is cached, never the `.sig`/`.att`/`sha256-<hex>` tags signatures are found
//! through (a new signature is seen at once), and a reference by digest never touches it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sealcheck::oci::manifest::Descriptor;

/// Tags cached at most.
pub const MAX_CACHED_TAGS: usize = 4096;
/// Manifest bytes cached at most, over all tags.
pub const MAX_TAG_CACHE_BYTES: usize = 64 * 1024 * 1024;

struct Entry {
    descriptor: Descriptor,
    manifest: Vec<u8>,
    until: Instant,
}

/// The cache, and its hit and miss counters.
pub(crate) struct TagCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

impl TagCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::default(), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// What `reference` named when it was cached, if that was less than the TTL ago; counts a
    /// hit or a miss (nothing when the TTL is zero).
    pub fn get(&self, reference: &str) -> Option<(Descriptor, Vec<u8>)> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let found = entries.get(reference).filter(|e| Instant::now() < e.until).map(|e| (e.descriptor.clone(), e.manifest.clone()));
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps what `reference` names now, within [`MAX_CACHED_TAGS`] and [`MAX_TAG_CACHE_BYTES`]
    /// (expired entries go first, then those expiring first).
    pub fn insert(&self, reference: &str, descriptor: Descriptor, manifest: Vec<u8>) {
        if self.ttl.is_zero() || manifest.len() > MAX_TAG_CACHE_BYTES {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(reference);
        let now = Instant::now();
        let full = |e: &HashMap<String, Entry>| e.len() >= MAX_CACHED_TAGS || e.values().map(|x| x.manifest.len()).sum::<usize>() + manifest.len() > MAX_TAG_CACHE_BYTES;
        if full(&entries) {
            entries.retain(|_, e| e.until > now);
        }
        while full(&entries) {
            let Some(first) = entries.iter().min_by_key(|(_, e)| e.until).map(|(k, _)| k.clone()) else { break };
            entries.remove(&first);
        }
        entries.insert(reference.to_string(), Entry { descriptor, manifest, until: now + self.ttl });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sealcheck::oci::OciDigest;

    fn descriptor(n: u8) -> Descriptor {
        let digest = OciDigest::parse(&format!("sha256:{}", format!("{n:02x}").repeat(32))).unwrap();
        Descriptor { media_type: "application/vnd.oci.image.manifest.v1+json".into(), digest, size: 2, annotations: Default::default(), artifact_type: None }
    }

    #[test]
    fn entries_expire_after_the_ttl_and_a_zero_ttl_caches_nothing() {
        let c = TagCache::new(Duration::from_millis(200));
        assert!(c.get("r.test/a:v1").is_none());
        c.insert("r.test/a:v1", descriptor(1), b"{}".to_vec());
        assert_eq!(c.get("r.test/a:v1").map(|(d, _)| d), Some(descriptor(1)));
        assert!(c.get("r.test/a:v2").is_none(), "keyed by the full reference");
        std::thread::sleep(Duration::from_millis(250));
        assert!(c.get("r.test/a:v1").is_none(), "stale after the TTL");
        assert_eq!((c.hits.load(Ordering::Relaxed), c.misses.load(Ordering::Relaxed)), (1, 3));
        let off = TagCache::new(Duration::ZERO);
        off.insert("r.test/a:v1", descriptor(1), b"{}".to_vec());
        assert!(off.get("r.test/a:v1").is_none());
        assert_eq!(off.misses.load(Ordering::Relaxed), 0, "a disabled cache counts nothing");
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = TagCache::new(Duration::from_secs(60));
        for i in 0..MAX_CACHED_TAGS + 10 {
            c.insert(&format!("r.test/a:{i}"), descriptor(1), b"{}".to_vec());
        }
        assert_eq!(c.entries.lock().unwrap().len(), MAX_CACHED_TAGS);
        c.insert("r.test/big:1", descriptor(2), vec![0; MAX_TAG_CACHE_BYTES - 10]);
        let e = c.entries.lock().unwrap();
        assert!(e.values().map(|x| x.manifest.len()).sum::<usize>() <= MAX_TAG_CACHE_BYTES && e.contains_key("r.test/big:1"));
    }
}
