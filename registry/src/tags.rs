//! The tag → digest cache of one [`crate::Registry`] (issue 15: "a tag→digest cache with a
//! TTL"): what `GET /v2/<name>/manifests/<tag>` answered for an image's reference (the
//! descriptor, and the manifest bytes, whose digest was computed from them), kept for
//! [`crate::Options::tag_ttl`] under the full reference (`host/repository:tag`). A tag that
//! moves is seen at most the TTL late; a zero TTL caches nothing. Only the tag a decision is
//! asked about is cached, never the `.sig`/`.att`/`sha256-<hex>` tags signatures are found
//! through (a new signature is seen at once), and a reference by digest never touches it.

use std::time::Duration;

use sealcheck::oci::manifest::Descriptor;

use crate::expiring::Expiring;

/// Tags cached at most.
pub const MAX_CACHED_TAGS: usize = 4096;
/// Manifest bytes cached at most, over all tags.
pub const MAX_TAG_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The cache: the descriptor and manifest bytes by reference.
pub(crate) type TagCache = Expiring<(Descriptor, Vec<u8>)>;

/// A tag cache keeping what tags name for `ttl`, within [`MAX_CACHED_TAGS`] and
/// [`MAX_TAG_CACHE_BYTES`].
pub(crate) fn cache(ttl: Duration) -> TagCache {
    Expiring::new(ttl, MAX_CACHED_TAGS, MAX_TAG_CACHE_BYTES)
}
