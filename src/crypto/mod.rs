//! Keys, signature schemes and digests, behind one narrow [`Backend`] seam.
//!
//! A backend does two things: hash bytes, and verify one signature by scheme and key. Everything
//! else (which scheme a certificate, log or timestamp uses; what bytes are signed) is decided by
//! the format modules. The default backend is pure-Rust RustCrypto ([`RUST_CRYPTO`]); with the
//! `aws-lc` feature (std only) AWS-LC (`CryptoProvider::aws_lc`) is available too.

#[cfg(feature = "aws-lc")]
mod awslc;
mod key;
mod rustcrypto;

#[cfg(feature = "aws-lc")]
pub use awslc::{AWS_LC, AwsLc};
pub use key::{KeyAlgorithm, PublicKey};
pub use rustcrypto::{RustCrypto, RUST_CRYPTO};

use alloc::string::ToString;

use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// Hash algorithms sealcheck accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum HashAlgorithm {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// Output length in bytes.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The algorithm for a DER `AlgorithmIdentifier` OID (RFC 5754 §2).
    pub fn from_oid(oid: &const_oid::ObjectIdentifier) -> Result<Self> {
        use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
        match *oid {
            ID_SHA_256 => Ok(Self::Sha256),
            ID_SHA_384 => Ok(Self::Sha384),
            ID_SHA_512 => Ok(Self::Sha512),
            _ => Err(Error::UnsupportedAlgorithm { what: "digest".to_string(), alg: oid.to_string() }),
        }
    }
}

/// A hash value with its algorithm. Equality is constant-time.
#[derive(Clone, Copy)]
pub struct Digest {
    alg: HashAlgorithm,
    bytes: [u8; 64],
}

impl Digest {
    /// Wraps a hash value; fails unless `bytes` has the algorithm's length.
    pub fn new(alg: HashAlgorithm, bytes: &[u8]) -> Result<Self> {
        if bytes.len() != alg.output_len() {
            return Err(Error::ArtifactMismatch("digest length does not match its algorithm"));
        }
        let mut b = [0u8; 64];
        b[..bytes.len()].copy_from_slice(bytes);
        Ok(Self { alg, bytes: b })
    }

    /// The algorithm.
    #[must_use]
    pub const fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    /// The hash bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.alg.output_len()]
    }

    /// Constant-time comparison of algorithm and value.
    #[must_use]
    pub fn ct_eq_bytes(&self, alg: HashAlgorithm, other: &[u8]) -> bool {
        self.alg == alg && bool::from(self.as_bytes().ct_eq(other))
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq_bytes(other.alg, other.as_bytes())
    }
}
impl Eq for Digest {}

impl core::fmt::Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}:{}", self.alg, crate::encoding::hex_encode(self.as_bytes()))
    }
}

/// Constant-time equality of two byte strings (key ids, log ids, Merkle nodes).
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// How a signature was made: the scheme fixes the padding and the message hash; the curve or
/// modulus comes from the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SignatureScheme {
    /// ECDSA over the message hashed with SHA-256 (any supported curve), DER signature.
    EcdsaSha256,
    /// ECDSA with SHA-384.
    EcdsaSha384,
    /// ECDSA with SHA-512.
    EcdsaSha512,
    /// Pure Ed25519 (RFC 8032), strict verification.
    Ed25519,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, salt of 32 bytes.
    RsaPssSha256,
    /// RSASSA-PSS with SHA-384.
    RsaPssSha384,
    /// RSASSA-PSS with SHA-512.
    RsaPssSha512,
}

impl SignatureScheme {
    /// The hash the scheme applies to the message, if it hashes at all (pure Ed25519 does not).
    #[must_use]
    pub const fn hash(self) -> Option<HashAlgorithm> {
        match self {
            Self::EcdsaSha256 | Self::RsaPkcs1Sha256 | Self::RsaPssSha256 => Some(HashAlgorithm::Sha256),
            Self::EcdsaSha384 | Self::RsaPkcs1Sha384 | Self::RsaPssSha384 => Some(HashAlgorithm::Sha384),
            Self::EcdsaSha512 | Self::RsaPkcs1Sha512 | Self::RsaPssSha512 => Some(HashAlgorithm::Sha512),
            Self::Ed25519 => None,
        }
    }

    /// The scheme named by an X.509 / CMS signature `AlgorithmIdentifier` (RFC 5758 §3.2,
    /// RFC 8410 §3, RFC 4055 §3.1 for PSS with its parameters).
    pub fn from_algorithm_identifier(what: &str, oid: &const_oid::ObjectIdentifier, params: Option<&[u8]>) -> Result<Self> {
        use const_oid::db::rfc5912::{
            ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_RSASSA_PSS, SHA_256_WITH_RSA_ENCRYPTION,
            SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
        };
        use const_oid::db::rfc8410::ID_ED_25519;
        let unsupported = || Error::UnsupportedAlgorithm { what: what.to_string(), alg: oid.to_string() };
        let no_params = |s: Self| -> Result<Self> {
            // ECDSA and Ed25519 identifiers have absent parameters; RSA PKCS#1 ones NULL or absent.
            match params {
                None => Ok(s),
                Some([0x05, 0x00]) if matches!(s, Self::RsaPkcs1Sha256 | Self::RsaPkcs1Sha384 | Self::RsaPkcs1Sha512) => Ok(s),
                Some(_) => Err(unsupported()),
            }
        };
        match *oid {
            ECDSA_WITH_SHA_256 => no_params(Self::EcdsaSha256),
            ECDSA_WITH_SHA_384 => no_params(Self::EcdsaSha384),
            ECDSA_WITH_SHA_512 => no_params(Self::EcdsaSha512),
            ID_ED_25519 => no_params(Self::Ed25519),
            SHA_256_WITH_RSA_ENCRYPTION => no_params(Self::RsaPkcs1Sha256),
            SHA_384_WITH_RSA_ENCRYPTION => no_params(Self::RsaPkcs1Sha384),
            SHA_512_WITH_RSA_ENCRYPTION => no_params(Self::RsaPkcs1Sha512),
            ID_RSASSA_PSS => key::pss_scheme_from_params(params.unwrap_or_default()).ok_or_else(unsupported),
            _ => Err(unsupported()),
        }
    }
}

/// What a signature covers: the message itself, or its hash (prehash verification).
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    /// The signed bytes; the backend hashes them as the scheme requires.
    Raw(&'a [u8]),
    /// The hash of the signed bytes; its algorithm must be the scheme's.
    Prehashed(&'a Digest),
}

/// SHA-256 for naming things inside sealcheck (evidence, trust material, cache keys), with the
/// pure-Rust implementation whatever the provider: these names are compared with each other,
/// never with a signed value, so they are not a verification the provider performs.
pub(crate) fn content_sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(RUST_CRYPTO.digest(HashAlgorithm::Sha256, data).as_bytes());
    out
}

/// SHA-256, SHA-384 and SHA-512 of content found once and compared many times (a manifest and
/// the index it was reached through: what signatures must bind), computed when it is found,
/// with the pure-Rust implementation as [`content_sha256`] (the same bytes as any provider's).
pub(crate) fn content_digests(data: &[u8]) -> [Digest; 3] {
    [HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512].map(|alg| RUST_CRYPTO.digest(alg, data))
}

/// A cryptographic backend: hashing and single-signature verification. Implementations must be
/// deterministic and must not panic on any input.
pub trait Backend: Send + Sync {
    /// Hashes `data` with `alg`.
    fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Digest;

    /// Verifies `signature` over `message` with `key` under `scheme`. `Err(())` for any failure:
    /// a bad signature, a key that does not fit the scheme, a prehash of the wrong algorithm.
    #[allow(clippy::result_unit_err)]
    fn verify(&self, scheme: SignatureScheme, key: &PublicKey, message: Message<'_>, signature: &[u8]) -> core::result::Result<(), ()>;
}

/// The cryptography sealcheck uses, chosen once and passed to everything that verifies (rustls's
/// `CryptoProvider`): a named [`Backend`]. RustCrypto ([`CryptoProvider::rust_crypto`]) is the
/// default, and the only one of `no_std` and WASM builds.
#[derive(Clone, Copy)]
pub struct CryptoProvider {
    name: &'static str,
    backend: &'static dyn Backend,
}

impl CryptoProvider {
    /// A provider named `name` over `backend`.
    #[must_use]
    pub const fn new(name: &'static str, backend: &'static dyn Backend) -> Self {
        Self { name, backend }
    }

    /// The pure-Rust RustCrypto provider.
    #[must_use]
    pub const fn rust_crypto() -> Self {
        Self::new("rustcrypto", &RUST_CRYPTO)
    }

    /// The AWS-LC provider (feature `aws-lc`).
    #[cfg(feature = "aws-lc")]
    #[must_use]
    pub const fn aws_lc() -> Self {
        Self::new("aws-lc", &AWS_LC)
    }

    /// A provider by name (`rustcrypto`, and `aws-lc` when built in): what a command line or a
    /// configuration names.
    #[must_use]
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "rustcrypto" => Some(Self::rust_crypto()),
            #[cfg(feature = "aws-lc")]
            "aws-lc" => Some(Self::aws_lc()),
            _ => None,
        }
    }

    /// The backend.
    #[must_use]
    pub const fn backend(&self) -> &'static dyn Backend {
        self.backend
    }

    /// The provider's name (`rustcrypto`, …).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl Default for CryptoProvider {
    fn default() -> Self {
        Self::rust_crypto()
    }
}

impl core::fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CryptoProvider").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Verifies with `backend` and maps a failure to [`Error::BadSignature`] naming `what`.
pub(crate) fn verify_signature(
    backend: &dyn Backend,
    what: impl FnOnce() -> alloc::string::String,
    scheme: SignatureScheme,
    key: &PublicKey,
    message: Message<'_>,
    signature: &[u8],
) -> Result<()> {
    backend.verify(scheme, key, message, signature).map_err(|()| Error::BadSignature { what: what() })
}
