//! The default backend: RustCrypto `p256`, `p384`, `ed25519-dalek`, `rsa` and `sha2`, pure Rust
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
