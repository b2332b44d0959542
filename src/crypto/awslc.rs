//! The native backend (feature `aws-lc`, `std` only): AWS-LC through `aws-lc-rs`, for the CLI,
//! the C library and the servers. Same contract as [`super::RustCrypto`]: the same schemes, the
//! same key forms, `Err(())` for any failure; the verification suites run with both.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};

use super::{Backend, Digest, HashAlgorithm, KeyAlgorithm, Message, PublicKey, SignatureScheme};

/// The AWS-LC backend. Stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLc;

/// The AWS-LC backend instance.
pub static AWS_LC: AwsLc = AwsLc;

fn digest_algorithm(alg: HashAlgorithm) -> &'static digest::Algorithm {
    match alg {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

/// The AWS-LC algorithm for `scheme` with a key of `key` (ECDSA signatures are DER, RFC 5480;
/// RSA keys are PKCS#1 `RSAPublicKey`, 2048 to 4096 bits as [`PublicKey`] admits; PSS salts are
/// the hash length, as [`SignatureScheme`] defines them).
fn algorithm(key: KeyAlgorithm, scheme: SignatureScheme) -> Option<&'static dyn VerificationAlgorithm> {
    use KeyAlgorithm as K;
    use SignatureScheme as S;
    Some(match (key, scheme) {
        (K::EcdsaP256, S::EcdsaSha256) => &signature::ECDSA_P256_SHA256_ASN1,
        (K::EcdsaP256, S::EcdsaSha384) => &signature::ECDSA_P256_SHA384_ASN1,
        (K::EcdsaP256, S::EcdsaSha512) => &signature::ECDSA_P256_SHA512_ASN1,
        (K::EcdsaP384, S::EcdsaSha256) => &signature::ECDSA_P384_SHA256_ASN1,
        (K::EcdsaP384, S::EcdsaSha384) => &signature::ECDSA_P384_SHA384_ASN1,
        (K::EcdsaP384, S::EcdsaSha512) => &signature::ECDSA_P384_SHA512_ASN1,
        (K::EcdsaP521, S::EcdsaSha256) => &signature::ECDSA_P521_SHA256_ASN1,
        (K::EcdsaP521, S::EcdsaSha384) => &signature::ECDSA_P521_SHA384_ASN1,
        (K::EcdsaP521, S::EcdsaSha512) => &signature::ECDSA_P521_SHA512_ASN1,
        (K::Ed25519, S::Ed25519) => &signature::ED25519,
        (K::Rsa(_), S::RsaPkcs1Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        (K::Rsa(_), S::RsaPkcs1Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        (K::Rsa(_), S::RsaPkcs1Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        (K::Rsa(_), S::RsaPssSha256) => &signature::RSA_PSS_2048_8192_SHA256,
        (K::Rsa(_), S::RsaPssSha384) => &signature::RSA_PSS_2048_8192_SHA384,
        (K::Rsa(_), S::RsaPssSha512) => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

impl Backend for AwsLc {
    fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Digest {
        let d = digest::digest(digest_algorithm(alg), data);
        let mut bytes = [0u8; 64];
        bytes[..d.as_ref().len()].copy_from_slice(d.as_ref());
        Digest { alg, bytes }
    }

    fn verify(&self, scheme: SignatureScheme, key: &PublicKey, message: Message<'_>, signature: &[u8]) -> Result<(), ()> {
        let alg = algorithm(key.algorithm(), scheme).ok_or(())?;
        let key = UnparsedPublicKey::new(alg, key.key_bytes());
        match (message, scheme.hash()) {
            (Message::Raw(m), _) => key.verify(m, signature).map_err(|_| ()),
            (Message::Prehashed(d), Some(h)) if d.algorithm() == h => {
                let d = digest::Digest::import_less_safe(d.as_bytes(), digest_algorithm(h)).map_err(|_| ())?;
                key.verify_digest(&d, signature).map_err(|_| ())
            }
            _ => Err(()),
        }
    }
}
