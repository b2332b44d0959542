//! Deterministic signing keys: each key is derived from a label (its secret scalar is a hash of
//! the label), and ECDSA signing is RFC 6979 deterministic, so every fixture is reproducible
//! without a random number generator.

use p256::ecdsa::signature::Signer as _;

use super::der::{algorithm, bits, oid, seq};
use super::{sha256, sha384};

const ID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const SECP256R1: &str = "1.2.840.10045.3.1.7";
const SECP384R1: &str = "1.3.132.0.34";
const ID_ED25519: &str = "1.3.101.112";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";

/// A private key with the scheme it signs with: ECDSA P-256/SHA-256, ECDSA P-384/SHA-384, or
/// pure Ed25519.
#[derive(Clone)]
pub enum Key {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl Key {
    /// A P-256 key derived from `label`.
    pub fn p256(label: &str) -> Self {
        Self::P256(p256::ecdsa::SigningKey::from_slice(&sha256(label.as_bytes())).expect("scalar in range"))
    }

    /// A P-384 key derived from `label`.
    pub fn p384(label: &str) -> Self {
        Self::P384(p384::ecdsa::SigningKey::from_slice(&sha384(label.as_bytes())).expect("scalar in range"))
    }

    /// An Ed25519 key derived from `label`.
    pub fn ed25519(label: &str) -> Self {
        Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&sha256(label.as_bytes())))
    }

    /// The raw public key: an uncompressed SEC1 point, or 32 Ed25519 bytes.
    pub fn public_raw(&self) -> Vec<u8> {
        match self {
            Self::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Self::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Self::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
        }
    }

    /// SubjectPublicKeyInfo DER (RFC 5480, RFC 8410).
    pub fn spki(&self) -> Vec<u8> {
        let alg = match self {
            Self::P256(_) => seq(&[&oid(ID_EC_PUBLIC_KEY), &oid(SECP256R1)]),
            Self::P384(_) => seq(&[&oid(ID_EC_PUBLIC_KEY), &oid(SECP384R1)]),
            Self::Ed25519(_) => algorithm(ID_ED25519),
        };
        seq(&[&alg, &bits(&self.public_raw())])
    }

    /// SHA-256 of the SubjectPublicKeyInfo: the log id of Rekor v1 and CT logs.
    pub fn spki_sha256(&self) -> [u8; 32] {
        sha256(&self.spki())
    }

    /// The public key as PEM `PUBLIC KEY`.
    pub fn public_pem(&self) -> String {
        super::pem("PUBLIC KEY", &self.spki())
    }

    /// protobuf-specs `PublicKeyDetails` of the key.
    pub fn key_details(&self) -> &'static str {
        match self {
            Self::P256(_) => "PKIX_ECDSA_P256_SHA_256",
            Self::P384(_) => "PKIX_ECDSA_P384_SHA_384",
            Self::Ed25519(_) => "PKIX_ED25519",
        }
    }

    /// The X.509 / CMS signature AlgorithmIdentifier of the key's scheme.
    pub fn signature_algorithm(&self) -> Vec<u8> {
        algorithm(match self {
            Self::P256(_) => ECDSA_WITH_SHA256,
            Self::P384(_) => ECDSA_WITH_SHA384,
            Self::Ed25519(_) => ID_ED25519,
        })
    }

    /// Signs `msg`: DER ECDSA over the curve's hash of `msg`, or a 64-byte Ed25519 signature.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Self::P256(k) => {
                let s: p256::ecdsa::DerSignature = k.sign(msg);
                s.as_bytes().to_vec()
            }
            Self::P384(k) => {
                let s: p384::ecdsa::DerSignature = k.sign(msg);
                s.as_bytes().to_vec()
            }
            Self::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
        }
    }
}
