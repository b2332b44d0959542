//! The default backend: RustCrypto `p256`, `p384`, `p521`, `ed25519-dalek`, `rsa` and `sha2`, pure Rust
//! and `no_std`.

use rsa::pkcs1::DecodeRsaPublicKey;
use sha2::Digest as _;
use signature::hazmat::PrehashVerifier;

use super::{Backend, Digest, HashAlgorithm, KeyAlgorithm, Message, PublicKey, SignatureScheme};

/// The RustCrypto backend. Stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

/// The default backend instance.
pub static RUST_CRYPTO: RustCrypto = RustCrypto;

impl Backend for RustCrypto {
    fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Digest {
        let bytes = match alg {
            HashAlgorithm::Sha256 => copy(&sha2::Sha256::digest(data)),
            HashAlgorithm::Sha384 => copy(&sha2::Sha384::digest(data)),
            HashAlgorithm::Sha512 => copy(&sha2::Sha512::digest(data)),
        };
        Digest { alg, bytes }
    }

    fn verify(&self, scheme: SignatureScheme, key: &PublicKey, message: Message<'_>, signature: &[u8]) -> Result<(), ()> {
        let hashed;
        let prehash: Option<&[u8]> = match (message, scheme.hash()) {
            (Message::Raw(m), Some(h)) => {
                hashed = self.digest(h, m);
                Some(hashed.as_bytes())
            }
            (Message::Prehashed(d), Some(h)) if d.algorithm() == h => Some(d.as_bytes()),
            (Message::Raw(_), None) => None,
            _ => return Err(()),
        };
        match (key.algorithm(), scheme) {
            (KeyAlgorithm::EcdsaP256, SignatureScheme::EcdsaSha256 | SignatureScheme::EcdsaSha384 | SignatureScheme::EcdsaSha512) => {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(key.key_bytes()).map_err(|_| ())?;
                let sig = p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| ())?;
                vk.verify_prehash(prehash.ok_or(())?, &sig).map_err(|_| ())
            }
            (KeyAlgorithm::EcdsaP384, SignatureScheme::EcdsaSha256 | SignatureScheme::EcdsaSha384 | SignatureScheme::EcdsaSha512) => {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key.key_bytes()).map_err(|_| ())?;
                let sig = p384::ecdsa::DerSignature::from_bytes(signature).map_err(|_| ())?;
                vk.verify_prehash(prehash.ok_or(())?, &sig).map_err(|_| ())
            }
            #[cfg(feature = "notation")]
            (KeyAlgorithm::EcdsaP521, SignatureScheme::EcdsaSha256 | SignatureScheme::EcdsaSha384 | SignatureScheme::EcdsaSha512) => {
                let vk = p521::ecdsa::VerifyingKey::from_sec1_bytes(key.key_bytes()).map_err(|_| ())?;
                let sig = p521::ecdsa::DerSignature::from_bytes(signature).map_err(|_| ())?;
                vk.verify_prehash(prehash.ok_or(())?, &sig).map_err(|_| ())
            }
            (KeyAlgorithm::Ed25519, SignatureScheme::Ed25519) => {
                let Message::Raw(m) = message else { return Err(()) };
                let k: &[u8; 32] = key.key_bytes().try_into().map_err(|_| ())?;
                let s: &[u8; 64] = signature.try_into().map_err(|_| ())?;
                let vk = ed25519_dalek::VerifyingKey::from_bytes(k).map_err(|_| ())?;
                vk.verify_strict(m, &ed25519_dalek::Signature::from_bytes(s)).map_err(|_| ())
            }
            (KeyAlgorithm::Rsa(_), _) => {
                let pk = rsa::PublicKey::from_pkcs1_der(key.key_bytes()).map_err(|_| ())?;
                let h = prehash.ok_or(())?;
                let r = match scheme {
                    SignatureScheme::RsaPkcs1Sha256 => pk.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), h, signature),
                    SignatureScheme::RsaPkcs1Sha384 => pk.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), h, signature),
                    SignatureScheme::RsaPkcs1Sha512 => pk.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), h, signature),
                    SignatureScheme::RsaPssSha256 => pk.verify(rsa::Pss::<sha2::Sha256>::new(), h, signature),
                    SignatureScheme::RsaPssSha384 => pk.verify(rsa::Pss::<sha2::Sha384>::new(), h, signature),
                    SignatureScheme::RsaPssSha512 => pk.verify(rsa::Pss::<sha2::Sha512>::new(), h, signature),
                    _ => return Err(()),
                };
                r.map_err(|_| ())
            }
            _ => Err(()),
        }
    }
}

fn copy(out: &[u8]) -> [u8; 64] {
    let mut buf = [0u8; 64];
    let n = out.len().min(64);
    buf[..n].copy_from_slice(&out[..n]);
    buf
}

#[cfg(all(test, feature = "notation"))]
mod tests {
    use super::*;
    use crate::asn1::{self, tag};

    /// P-521 (RFC 5480 §2.1.1.1 `secp521r1`): an SPKI parses as `EcdsaP521`, whose default
    /// scheme is ECDSA with SHA-512 (the Notary Project's ES512), and a signature by its key
    /// verifies with every backend built in; a signature over other bytes does not.
    #[test]
    fn p521_keys_verify() {
        use p521::ecdsa::signature::Signer as _;
        let mut scalar = [0u8; 66];
        scalar[2..].copy_from_slice(&sha2::Sha512::digest(b"p521"));
        let sk = p521::ecdsa::SigningKey::from_slice(&scalar).unwrap();
        let point = p521::ecdsa::VerifyingKey::from(&sk).to_sec1_point(false);
        let alg = asn1::encode(tag::SEQUENCE, &[asn1::encode(tag::OID, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]), asn1::encode(tag::OID, &[0x2b, 0x81, 0x04, 0x00, 0x23])].concat());
        let spki = asn1::encode(tag::SEQUENCE, &[alg, asn1::encode(tag::BIT_STRING, &[&[0u8][..], point.as_bytes()].concat())].concat());
        let key = PublicKey::from_spki_der("p521", &spki).unwrap();
        assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP521);
        assert_eq!(key.default_scheme(), SignatureScheme::EcdsaSha512);
        let sig: p521::ecdsa::Signature = sk.sign(b"message");
        let der = sig.to_der();
        let backends: &[&dyn Backend] = &[
            &RUST_CRYPTO,
            #[cfg(feature = "aws-lc")]
            &super::super::AWS_LC,
        ];
        for b in backends {
            assert!(b.verify(SignatureScheme::EcdsaSha512, &key, Message::Raw(b"message"), der.as_bytes()).is_ok());
            assert!(b.verify(SignatureScheme::EcdsaSha512, &key, Message::Raw(b"other"), der.as_bytes()).is_err());
        }
    }
}
