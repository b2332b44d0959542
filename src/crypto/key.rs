//! Public keys from DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): ECDSA P-256/P-384/P-521
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
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
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
    /// ECDSA on NIST P-521.
    EcdsaP521,
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
                    #[cfg(feature = "notation")]
                    (SECP521R1, 133 | 67) => KeyAlgorithm::EcdsaP521,
                    (SECP256R1 | SECP384R1 | SECP521R1, _) => return Err(invalid()),
                    (c, _) => return Err(Error::UnsupportedAlgorithm { what: what.to_string(), alg: c.to_string() }),
                };
                (kind, key.to_vec())
            }
            ID_ED25519 => {
                alg.finish().map_err(|_| invalid())?;
                let raw: &[u8; 32] = key.try_into().map_err(|_| invalid())?;
                // A point that does not decode, or of small order (a "weak" key, which verifies
                // forged signatures under the cofactorless equation): refused here, so that no
                // backend sees it (ed25519-dalek `verify_strict` refuses it; AWS-LC does not).
                if ed25519_dalek::VerifyingKey::from_bytes(raw).map_or(true, |k| k.is_weak()) {
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
            KeyAlgorithm::EcdsaP521 => SignatureScheme::EcdsaSha512,
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
        // DER INTEGERs are minimal (X.690 §8.3.2): a leading 0x00 only before a high bit.
        [0, next, ..] if next & 0x80 == 0 => return Err(seq.error("modulus not minimally encoded")),
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
    mseq.finish().ok()?;
    mr.finish().ok()?;
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

#[cfg(test)]
mod tests {
    use alloc::vec;

    use super::*;
    use crate::crypto::{CryptoProvider, Message};
    use crate::test_support::der::{algorithm, bits, encode, oid, seq, tag as t};
    use crate::test_support::keys::Key;

    fn parse(spki: &[u8]) -> Result<PublicKey> {
        PublicKey::from_spki_der("k", spki)
    }

    fn invalid() -> Error {
        Error::InvalidKey { what: "k".into() }
    }

    fn unsupported(alg: &str) -> Error {
        Error::UnsupportedAlgorithm { what: "k".into(), alg: alg.into() }
    }

    /// An EC SubjectPublicKeyInfo on `curve` with the point bytes given (RFC 5480 §2.1.1).
    fn ec_spki(curve: &str, point: &[u8]) -> Vec<u8> {
        seq(&[&seq(&[&oid("1.2.840.10045.2.1"), &oid(curve)]), &bits(point)])
    }

    /// RSAPublicKey (RFC 8017 A.1.1) whose modulus has `len` bytes led by `lead`, e = 65537,
    /// minimally encoded (X.690 §8.3.2).
    fn rsa_pkcs1(len: usize, lead: u8) -> Vec<u8> {
        let mut n = vec![0u8; len];
        n[0] = lead;
        if lead & 0x80 != 0 {
            n.insert(0, 0);
        }
        seq(&[&encode(t::INTEGER, &n), &encode(t::INTEGER, &[1, 0, 1])])
    }

    /// An RSA SubjectPublicKeyInfo with the given AlgorithmIdentifier parameters.
    fn rsa_spki(params: &[u8], pkcs1: &[u8]) -> Vec<u8> {
        seq(&[&seq(&[&oid("1.2.840.113549.1.1.1"), params]), &bits(pkcs1)])
    }

    /// The generated keys round-trip: algorithm, SPKI kept verbatim, raw key bytes, and the
    /// default scheme of a bare key (sigstore/sigstore `pkg/signature` `LoadDefaultVerifier`,
    /// algorithm registry: ECDSA with the curve's hash, pure Ed25519).
    #[test]
    fn generated_keys_parse_with_their_default_scheme() {
        for (key, alg, scheme) in [
            (Key::p256("p256"), KeyAlgorithm::EcdsaP256, SignatureScheme::EcdsaSha256),
            (Key::p384("p384"), KeyAlgorithm::EcdsaP384, SignatureScheme::EcdsaSha384),
            (Key::ed25519("ed25519"), KeyAlgorithm::Ed25519, SignatureScheme::Ed25519),
        ] {
            let k = parse(&key.spki()).unwrap();
            assert_eq!((k.algorithm(), k.default_scheme()), (alg, scheme));
            assert_eq!(k.spki_der(), key.spki().as_slice());
            assert_eq!(k.key_bytes(), key.public_raw().as_slice());
        }
    }

    /// RFC 5480 §2.2: compressed points are accepted too; the backend decompresses and verifies.
    #[test]
    fn compressed_p256_point_verifies() {
        let Key::P256(sk) = Key::p256("compressed") else { unreachable!() };
        let point = sk.verifying_key().to_sec1_point(true);
        let k = parse(&ec_spki("1.2.840.10045.3.1.7", point.as_bytes())).unwrap();
        assert_eq!(k.algorithm(), KeyAlgorithm::EcdsaP256);
        let sig = Key::P256(sk).sign(b"msg");
        CryptoProvider::default().backend().verify(k.default_scheme(), &k, Message::Raw(b"msg"), &sig).unwrap();
    }

    /// The parser checks only the point's length (module comment: "the backend checks the
    /// point"); an off-curve point of the right length parses and then verifies nothing.
    #[test]
    fn off_curve_point_is_refused_by_the_backend() {
        let key = Key::p256("off curve");
        let mut point = key.public_raw();
        point[64] ^= 1; // y no longer satisfies the curve equation
        let k = parse(&ec_spki("1.2.840.10045.3.1.7", &point)).unwrap();
        let sig = key.sign(b"msg");
        assert_eq!(CryptoProvider::default().backend().verify(k.default_scheme(), &k, Message::Raw(b"msg"), &sig), Err(()));
    }

    /// RFC 5480 §2.1.1.1: only the named curves sealcheck implements; another curve is an
    /// unsupported algorithm, a point of the other curve's size an invalid key.
    #[test]
    fn ec_curves_and_point_sizes() {
        let p384_point = Key::p384("p384").public_raw();
        assert_eq!(parse(&ec_spki("1.3.132.0.10", &[4; 65])), Err(unsupported("1.3.132.0.10")), "secp256k1");
        assert_eq!(parse(&ec_spki("1.2.840.10045.3.1.7", &p384_point)), Err(invalid()), "P-384 point under P-256");
        assert_eq!(parse(&ec_spki("1.3.132.0.34", &p384_point[..65])), Err(invalid()), "P-256 size under P-384");
        assert_eq!(parse(&ec_spki("1.2.840.10045.3.1.7", &[])), Err(invalid()), "empty point");
        // ecParameters must name a curve (namedCurve, RFC 5480 §2.1.1): absent or NULL is refused.
        assert_eq!(parse(&seq(&[&algorithm("1.2.840.10045.2.1"), &bits(&[4; 65])])), Err(invalid()));
        assert_eq!(parse(&seq(&[&seq(&[&oid("1.2.840.10045.2.1"), &[5, 0]]), &bits(&[4; 65])])), Err(invalid()));
    }

    /// RFC 8410 §3: Ed25519 parameters MUST be absent and the key is 32 bytes.
    #[test]
    fn ed25519_shape() {
        let raw = Key::ed25519("ed").public_raw();
        assert_eq!(parse(&seq(&[&seq(&[&oid("1.3.101.112"), &[5, 0]]), &bits(&raw)])), Err(invalid()), "NULL parameters");
        assert_eq!(parse(&seq(&[&algorithm("1.3.101.112"), &bits(&raw[..31])])), Err(invalid()), "31 bytes");
        assert_eq!(parse(&seq(&[&algorithm("1.3.101.112"), &bits(&[raw.as_slice(), &[0]].concat())])), Err(invalid()), "33 bytes");
        // The identity point: small order, refused at parse (RFC 8032 §5.1.7 strict checks).
        let identity = [&[1u8][..], &[0u8; 31]].concat();
        assert_eq!(parse(&seq(&[&algorithm("1.3.101.112"), &bits(&identity)])), Err(invalid()), "small-order key");
        // X25519 (RFC 8410 §3, 1.3.101.110) is a key-agreement key, not a signing key.
        assert_eq!(parse(&seq(&[&algorithm("1.3.101.110"), &bits(&raw)])), Err(unsupported("1.3.101.110")));
    }

    /// RFC 5280 §4.1.2.7 / X.690 §10: one SEQUENCE { AlgorithmIdentifier, BIT STRING } with no
    /// unused bits and nothing around it.
    #[test]
    fn malformed_spki_is_an_invalid_key() {
        let good = Key::p256("p256").spki();
        assert!(parse(&good).is_ok());
        let alg = seq(&[&oid("1.2.840.10045.2.1"), &oid("1.2.840.10045.3.1.7")]);
        let point = Key::p256("p256").public_raw();
        let unused_bits = encode(t::BIT_STRING, &[&[1u8][..], &point].concat());
        for bad in [
            vec![],
            good[..good.len() - 1].to_vec(),
            [good.as_slice(), &[0]].concat(),
            seq(&[&alg]),
            seq(&[&alg, &unused_bits]),
            seq(&[&alg, &encode(t::OCTET_STRING, &point)]),
            seq(&[&alg, &bits(&point), &[5, 0]]),
            seq(&[&encode(t::OCTET_STRING, &[]), &bits(&point)]),
        ] {
            assert_eq!(parse(&bad), Err(invalid()), "{bad:02x?}");
        }
    }

    /// RSA keys of 2048–4096 bits (the crate's documented range), parameters NULL or absent
    /// (RFC 3279 §2.3.1 says NULL; absent is tolerated); the default scheme is PKCS#1 v1.5
    /// SHA-256, as `LoadDefaultVerifier` (`GetDefaultAlgorithmDetails`) picks for RSA keys.
    #[test]
    fn rsa_sizes_and_parameters() {
        let null = [5, 0];
        let k = parse(&rsa_spki(&null, &rsa_pkcs1(256, 0x80))).unwrap();
        assert_eq!((k.algorithm(), k.default_scheme()), (KeyAlgorithm::Rsa(2048), SignatureScheme::RsaPkcs1Sha256));
        assert_eq!(k.key_bytes(), rsa_pkcs1(256, 0x80).as_slice());
        assert_eq!(parse(&rsa_spki(&[], &rsa_pkcs1(512, 0xff))).unwrap().algorithm(), KeyAlgorithm::Rsa(4096));
        assert_eq!(parse(&rsa_spki(&null, &rsa_pkcs1(385, 0x01))).unwrap().algorithm(), KeyAlgorithm::Rsa(3073));
        // One bit short of 2048, one byte past 4096, and 1024.
        assert_eq!(parse(&rsa_spki(&null, &rsa_pkcs1(256, 0x7f))), Err(unsupported("RSA-2047")));
        assert_eq!(parse(&rsa_spki(&null, &rsa_pkcs1(513, 0x01))), Err(unsupported("RSA-4097")));
        assert_eq!(parse(&rsa_spki(&null, &rsa_pkcs1(128, 0x80))), Err(unsupported("RSA-1024")));
        // Non-empty NULL, other parameters, a negative or zero modulus, a missing exponent.
        assert_eq!(parse(&rsa_spki(&[5, 1, 0], &rsa_pkcs1(256, 0x80))), Err(invalid()));
        assert_eq!(parse(&rsa_spki(&oid("1.2.3"), &rsa_pkcs1(256, 0x80))), Err(invalid()));
        let negative = seq(&[&encode(t::INTEGER, &[0x80; 256]), &encode(t::INTEGER, &[3])]);
        assert_eq!(parse(&rsa_spki(&null, &negative)), Err(invalid()));
        let zero = seq(&[&encode(t::INTEGER, &[0; 257]), &encode(t::INTEGER, &[3])]);
        assert_eq!(parse(&rsa_spki(&null, &zero)), Err(invalid()));
        let no_e = seq(&[&encode(t::INTEGER, &[&[0u8, 0x80][..], &[0; 255]].concat())]);
        assert_eq!(parse(&rsa_spki(&null, &no_e)), Err(invalid()));
    }

    /// The modulus INTEGER must be minimal (X.690 §8.3.2; RFC 8017 A.1.1 keys are DER): a
    /// redundant leading zero octet is refused, not stripped.
    #[test]
    fn rsa_non_minimal_modulus_is_refused() {
        let n = [&[0u8, 0x01][..], &[0; 256]].concat(); // 2049 bits behind a redundant 0x00
        let pkcs1 = seq(&[&encode(t::INTEGER, &n), &encode(t::INTEGER, &[1, 0, 1])]);
        assert_eq!(parse(&rsa_spki(&[5, 0], &pkcs1)), Err(invalid()));
    }

    /// `from_pkcs1_rsa_der` wraps a bare RSAPublicKey (protobuf-specs `PKCS1_RSA_PKCS1V5`) into
    /// the SPKI an X.509 certificate would carry, with NULL parameters (RFC 3279 §2.3.1).
    #[test]
    fn pkcs1_is_wrapped_into_spki() {
        let pkcs1 = rsa_pkcs1(384, 0x80);
        let k = PublicKey::from_pkcs1_rsa_der("k", &pkcs1).unwrap();
        assert_eq!(k.algorithm(), KeyAlgorithm::Rsa(3072));
        assert_eq!(k.spki_der(), rsa_spki(&[5, 0], &pkcs1).as_slice());
        assert_eq!(k.key_bytes(), pkcs1.as_slice());
        assert_eq!(PublicKey::from_pkcs1_rsa_der("k", &rsa_pkcs1(128, 0x80)), Err(unsupported("RSA-1024")));
        assert_eq!(PublicKey::from_pkcs1_rsa_der("k", &Key::p256("p256").spki()), Err(invalid()), "an SPKI is not an RSAPublicKey");
    }

    /// RSASSA-PSS-params, RFC 4055 §3.1, encoded with NULL hash parameters as OpenSSL does.
    fn pss_params(hash: &str, mgf_hash: &str, salt: Option<u8>, trailer: Option<u8>) -> Vec<u8> {
        let hash_alg = |h: &str| seq(&[&oid(h), &[5, 0]]);
        let mgf = seq(&[&oid("1.2.840.113549.1.1.8"), &hash_alg(mgf_hash)]);
        let int = |n: u8| encode(t::INTEGER, &[n]);
        let salt = salt.map(|s| encode(t::context(2), &int(s))).unwrap_or_default();
        let trailer = trailer.map(|n| encode(t::context(3), &int(n))).unwrap_or_default();
        seq(&[&encode(t::context(0), &hash_alg(hash)), &encode(t::context(1), &mgf), &salt, &trailer])
    }

    const SHA256: &str = "2.16.840.1.101.3.4.2.1";
    const SHA384: &str = "2.16.840.1.101.3.4.2.2";
    const SHA512: &str = "2.16.840.1.101.3.4.2.3";

    /// The one PSS profile accepted (module doc): hash H, MGF1 with H, salt |H|, trailer 1.
    #[test]
    fn pss_profile() {
        assert_eq!(pss_scheme_from_params(&pss_params(SHA256, SHA256, Some(32), None)), Some(SignatureScheme::RsaPssSha256));
        assert_eq!(pss_scheme_from_params(&pss_params(SHA384, SHA384, Some(48), Some(1))), Some(SignatureScheme::RsaPssSha384));
        assert_eq!(pss_scheme_from_params(&pss_params(SHA512, SHA512, Some(64), None)), Some(SignatureScheme::RsaPssSha512));
        for (what, bad) in [
            ("salt 20 (the RFC 4055 default)", pss_params(SHA256, SHA256, None, None)),
            ("salt of another length", pss_params(SHA256, SHA256, Some(20), None)),
            ("MGF1 with another hash", pss_params(SHA256, SHA384, Some(32), None)),
            ("trailer 2", pss_params(SHA256, SHA256, Some(32), Some(2))),
            ("SHA-1 hash", pss_params("1.3.14.3.2.26", "1.3.14.3.2.26", Some(20), None)),
            ("empty (all defaults: SHA-1)", seq(&[])),
            ("trailing data", [pss_params(SHA256, SHA256, Some(32), None), vec![0]].concat()),
        ] {
            assert_eq!(pss_scheme_from_params(&bad), None, "{what}");
        }
    }

    /// The MGF1 AlgorithmIdentifier is read to its end: data after the MGF1 hash inside
    /// `maskGenAlgorithm` is refused (X.690 §10, no trailing data; RFC 4055 §3.1 has nothing
    /// there).
    #[test]
    fn pss_mgf_trailing_data_is_refused() {
        let hash_alg = seq(&[&oid(SHA256), &[5, 0]]);
        let mgf = seq(&[&oid("1.2.840.113549.1.1.8"), &hash_alg, &[5, 0]]);
        let salt = encode(t::context(2), &encode(t::INTEGER, &[32]));
        let params = seq(&[&encode(t::context(0), &hash_alg), &encode(t::context(1), &mgf), &salt]);
        assert_eq!(pss_scheme_from_params(&params), None);
    }
}
