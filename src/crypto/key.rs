//! Public keys from DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): ECDSA P-256/P-384
//! (RFC 5480), Ed25519 (RFC 8410), RSA 2048–4096 (RFC 8017 Appendix A.1.1).

use alloc::string::ToString;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;

use super::{HashAlgorithm, SignatureScheme};
use crate::asn1::{self, tag, Reader};
use crate::error::{Error, Result};

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");

/// Smallest and largest RSA moduli accepted, in bits.
pub const RSA_MIN_BITS: usize = 2048;
/// See [`RSA_MIN_BITS`].
pub const RSA_MAX_BITS: usize = 4096;

/// The kind of a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA with the given modulus size in bits.
    Rsa(usize),
}

/// A parsed public key. It keeps its SubjectPublicKeyInfo DER, which is what key ids are
/// computed over and what logs record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    alg: KeyAlgorithm,
    spki: Vec<u8>,
    /// SEC1 point (EC), 32 raw bytes (Ed25519), or RSAPublicKey DER (RSA).
    key: Vec<u8>,
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo; `what` names the input in errors.
    pub fn from_spki_der(what: &str, spki: &[u8]) -> Result<Self> {
        let invalid = || Error::InvalidKey { what: what.to_string() };
        let mut outer = Reader::new(what, spki);
        let mut seq = outer.nested(tag::SEQUENCE).map_err(|_| invalid())?;
        outer.finish().map_err(|_| invalid())?;
        let mut alg = seq.nested(tag::SEQUENCE).map_err(|_| invalid())?;
        let bits = seq.expect(tag::BIT_STRING).map_err(|_| invalid())?;
        seq.finish().map_err(|_| invalid())?;
        let key = match bits.value {
            [0, rest @ ..] => rest,
            _ => return Err(invalid()),
        };
        let oid = alg.oid().map_err(|_| invalid())?;
        let (kind, key) = match oid {
            ID_EC_PUBLIC_KEY => {
                let curve = alg.oid().map_err(|_| invalid())?;
                alg.finish().map_err(|_| invalid())?;
                // Uncompressed or compressed SEC1 points only; the backend checks the point.
                let kind = match (curve, key.len()) {
                    (SECP256R1, 65 | 33) => KeyAlgorithm::EcdsaP256,
                    (SECP384R1, 97 | 49) => KeyAlgorithm::EcdsaP384,
                    (SECP256R1 | SECP384R1, _) => return Err(invalid()),
                    (c, _) => return Err(Error::UnsupportedAlgorithm { what: what.to_string(), alg: c.to_string() }),
                };
                (kind, key.to_vec())
            }
            ID_ED25519 => {
                alg.finish().map_err(|_| invalid())?;
                if key.len() != 32 {
                    return Err(invalid());
                }
                (KeyAlgorithm::Ed25519, key.to_vec())
            }
            RSA_ENCRYPTION => {
                // parameters: NULL
                if alg.optional(tag::NULL)?.is_some_and(|n| !n.value.is_empty()) {
                    return Err(invalid());
                }
                alg.finish().map_err(|_| invalid())?;
                let bits = rsa_modulus_bits(what, key).map_err(|_| invalid())?;
                if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
                    return Err(Error::UnsupportedAlgorithm { what: what.to_string(), alg: alloc::format!("RSA-{bits}") });
                }
                (KeyAlgorithm::Rsa(bits), key.to_vec())
            }
            other => return Err(Error::UnsupportedAlgorithm { what: what.to_string(), alg: other.to_string() }),
        };
        Ok(Self { alg: kind, spki: spki.to_vec(), key })
    }

    /// Parses a bare PKCS#1 `RSAPublicKey` (RFC 8017 A.1.1), as older trusted roots carry for
    /// `PKCS1_RSA_PKCS1V5` keys, by wrapping it in a SubjectPublicKeyInfo.
    pub fn from_pkcs1_rsa_der(what: &str, pkcs1: &[u8]) -> Result<Self> {
        let alg = asn1::encode(tag::SEQUENCE, &[asn1::encode(tag::OID, RSA_ENCRYPTION.as_bytes()), asn1::encode(tag::NULL, &[])].concat());
        let mut bits = Vec::with_capacity(pkcs1.len() + 1);
        bits.push(0);
        bits.extend_from_slice(pkcs1);
        let spki = asn1::encode(tag::SEQUENCE, &[alg, asn1::encode(tag::BIT_STRING, &bits)].concat());
        Self::from_spki_der(what, &spki)
    }

    /// The key algorithm.
    #[must_use]
    pub const fn algorithm(&self) -> KeyAlgorithm {
        self.alg
    }

    /// The DER SubjectPublicKeyInfo.
    #[must_use]
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The algorithm-specific key bytes (SEC1 point, raw Ed25519 key, RSAPublicKey DER).
    #[must_use]
    pub fn key_bytes(&self) -> &[u8] {
        &self.key
    }

    /// The scheme a bare key signs with when nothing else says (cosign and Sigstore defaults:
    /// ECDSA with the curve's hash, Ed25519, RSA PKCS#1 v1.5 with SHA-256).
    #[must_use]
    pub const fn default_scheme(&self) -> SignatureScheme {
        match self.alg {
            KeyAlgorithm::EcdsaP256 => SignatureScheme::EcdsaSha256,
            KeyAlgorithm::EcdsaP384 => SignatureScheme::EcdsaSha384,
            KeyAlgorithm::Ed25519 => SignatureScheme::Ed25519,
            KeyAlgorithm::Rsa(_) => SignatureScheme::RsaPkcs1Sha256,
        }
    }
}

fn rsa_modulus_bits(what: &str, key: &[u8]) -> Result<usize> {
    let mut r = Reader::new(what, key);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    let n = seq.expect(tag::INTEGER)?;
    let _e = seq.expect(tag::INTEGER)?;
    seq.finish()?;
    let n = match n.value {
        [0, rest @ ..] => rest,
        [b, ..] if b & 0x80 != 0 => return Err(seq.error("negative modulus")),
        v => v,
    };
    let lead = n.first().copied().unwrap_or(0);
    if lead == 0 {
        return Err(seq.error("empty modulus"));
    }
    Ok(n.len() * 8 - lead.leading_zeros() as usize)
}

/// RSASSA-PSS-params (RFC 4055 §3.1): accepted only as hash H, MGF1 with H, salt = |H|,
/// trailer 1 — the profile every Sigstore and Notary signer uses.
pub(super) fn pss_scheme_from_params(params: &[u8]) -> Option<SignatureScheme> {
    let mut r = Reader::new("RSASSA-PSS-params", params);
    let mut seq = r.nested(tag::SEQUENCE).ok()?;
    r.finish().ok()?;
    let hash_of = |t: crate::asn1::Tlv<'_>| -> Option<HashAlgorithm> {
        let mut r = Reader::new("hash", t.value);
        let mut alg = r.nested(tag::SEQUENCE).ok()?;
        let oid = alg.oid().ok()?;
        let _ = alg.optional(tag::NULL).ok()?;
        alg.finish().ok()?;
        HashAlgorithm::from_oid(&oid).ok()
    };
    let hash = hash_of(seq.expect(tag::context(0)).ok()?)?;
    let mgf = seq.expect(tag::context(1)).ok()?;
    let mut mr = Reader::new("mgf", mgf.value);
    let mut mseq = mr.nested(tag::SEQUENCE).ok()?;
    if mseq.oid().ok()? != ID_MGF1 {
        return None;
    }
    let inner = mseq.expect(tag::SEQUENCE).ok()?;
    let mgf_hash = hash_of(crate::asn1::Tlv { tag: tag::context(0), value: inner.raw, raw: inner.raw })?;
    let salt = match seq.optional(tag::context(2)).ok()? {
        Some(t) => Reader::new("salt", t.value).small_uint().ok()?,
        None => 20,
    };
    if let Some(t) = seq.optional(tag::context(3)).ok()? {
        if Reader::new("trailer", t.value).small_uint().ok()? != 1 {
            return None;
        }
    }
    seq.finish().ok()?;
    if mgf_hash != hash || salt != hash.output_len() as u64 {
        return None;
    }
    Some(match hash {
        HashAlgorithm::Sha256 => SignatureScheme::RsaPssSha256,
        HashAlgorithm::Sha384 => SignatureScheme::RsaPssSha384,
        HashAlgorithm::Sha512 => SignatureScheme::RsaPssSha512,
    })
}
