//! OCI content digests (image-spec `descriptor.md` §Digests): `algorithm ":" encoded`, with the
//! registered `sha256` (64 lowercase hex) and `sha512` (128 lowercase hex), and `sha384` (96
//! lowercase hex), which go-digest and so containers/image also accept. Content is checked
//! against a digest in constant time.

use alloc::string::{String, ToString};
use core::fmt;

use crate::crypto::{Backend, Digest, HashAlgorithm};
use crate::encoding::{hex_decode, hex_encode};
use crate::error::{Error, Result};

/// A parsed content digest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct OciDigest(Digest);

impl OciDigest {
    /// Parses `sha256:<64 hex>`, `sha384:<96 hex>` or `sha512:<128 hex>`; hex must be lowercase,
    /// as the spec requires.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::Encoding { what: alloc::format!("digest {s:?}"), encoding: "OCI digest" };
        let (alg, hex) = s.split_once(':').ok_or_else(bad)?;
        let alg = match alg {
            "sha256" => HashAlgorithm::Sha256,
            "sha384" => HashAlgorithm::Sha384,
            "sha512" => HashAlgorithm::Sha512,
            _ => return Err(Error::UnsupportedAlgorithm { what: alloc::format!("digest {s:?}"), alg: alg.to_string() }),
        };
        if hex.len() != alg.output_len() * 2 || !hex.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
            return Err(bad());
        }
        Ok(Self(Digest::new(alg, &hex_decode("digest", hex)?)?))
    }

    /// The content digest for a hash value.
    #[must_use]
    pub const fn from_digest(d: Digest) -> Self {
        Self(d)
    }

    /// The digest of `content` with `alg`.
    #[must_use]
    pub fn of(backend: &dyn Backend, alg: HashAlgorithm, content: &[u8]) -> Self {
        Self(backend.digest(alg, content))
    }

    /// True when `content` hashes to this digest (constant-time comparison).
    #[must_use]
    pub fn matches(&self, backend: &dyn Backend, content: &[u8]) -> bool {
        backend.digest(self.0.algorithm(), content) == self.0
    }

    /// Fails with `ArtifactMismatch` unless `content` hashes to this digest.
    pub fn verify(&self, backend: &dyn Backend, content: &[u8]) -> Result<()> {
        if self.matches(backend, content) { Ok(()) } else { Err(Error::ArtifactMismatch("content does not match its digest")) }
    }

    /// The underlying hash.
    #[must_use]
    pub const fn digest(&self) -> &Digest {
        &self.0
    }

    /// The algorithm name as written in digests.
    #[must_use]
    pub const fn algorithm_name(&self) -> &'static str {
        match self.0.algorithm() {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// `algorithm:hex`.
    #[must_use]
    pub fn to_string_form(&self) -> String {
        alloc::format!("{}:{}", self.algorithm_name(), hex_encode(self.0.as_bytes()))
    }

    /// The cosign tag for artifacts attached to this digest: `sha256-<hex>` (+ suffix).
    #[must_use]
    pub fn tag_form(&self, suffix: &str) -> String {
        alloc::format!("{}-{}{suffix}", self.algorithm_name(), hex_encode(self.0.as_bytes()))
    }
}

impl fmt::Display for OciDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_form())
    }
}

impl fmt::Debug for OciDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for OciDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string_form())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;

    #[test]
    fn parse_and_match() {
        let d = OciDigest::of(&RUST_CRYPTO, HashAlgorithm::Sha256, b"x");
        let s = d.to_string();
        assert_eq!(OciDigest::parse(&s).unwrap(), d);
        assert!(d.matches(&RUST_CRYPTO, b"x") && !d.matches(&RUST_CRYPTO, b"y"));
        assert!(OciDigest::parse(&s.to_uppercase()).is_err());
        assert!(OciDigest::parse("md5:00").is_err());
        assert!(OciDigest::parse("sha256:abc").is_err());
        assert_eq!(d.tag_form(".sig"), alloc::format!("sha256-{}.sig", &s[7..]));
    }
}
