//! The envelope model both encodings parse into (signature-specification.md "Signature
//! Envelope": payload, signed attributes, unsigned attributes, primitive signature), and the
//! checks that need no trust material: the signed attributes (§ "Standard attributes",
//! "Extended attributes"), the payload (§ "Payload"), the algorithm the signing key fixes
//! (§ "Algorithm Selection") and the primitive signature over the exact signed bytes.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Deserialize;

use crate::asn1::{self, tag};
use crate::crypto::{self, Backend, KeyAlgorithm, Message, SignatureScheme};
use crate::error::{Error, Result};
use crate::oci::OciDigest;
use crate::time::UnixTime;
use crate::x509::Certificate;

/// The JWS envelope media type.
pub const MEDIA_TYPE_JWS: &str = "application/jose+json";
/// The COSE envelope media type.
pub const MEDIA_TYPE_COSE: &str = "application/cose";
/// The payload media type (the `cty` / content type attribute).
pub const PAYLOAD_MEDIA_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";
/// The artifact type (and legacy config media type) of signature manifests.
pub use crate::oci::source::NOTARY_SIGNATURE_ARTIFACT_TYPE as SIGNATURE_ARTIFACT_TYPE;

/// Signed attribute names (JWS header names; COSE text labels).
pub(crate) const ATTR_SIGNING_SCHEME: &str = "io.cncf.notary.signingScheme";
pub(crate) const ATTR_SIGNING_TIME: &str = "io.cncf.notary.signingTime";
pub(crate) const ATTR_AUTHENTIC_SIGNING_TIME: &str = "io.cncf.notary.authenticSigningTime";
pub(crate) const ATTR_EXPIRY: &str = "io.cncf.notary.expiry";
pub(crate) const ATTR_PLUGIN: &str = "io.cncf.notary.verificationPlugin";
pub(crate) const ATTR_PLUGIN_MIN_VERSION: &str = "io.cncf.notary.verificationPluginMinVersion";
/// Unsigned attribute names.
pub(crate) const ATTR_TIMESTAMP: &str = "io.cncf.notary.timestampSignature";
pub(crate) const ATTR_SIGNING_AGENT: &str = "io.cncf.notary.signingAgent";

/// The envelope encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum EnvelopeFormat {
    /// JWS, flattened JSON serialization (`application/jose+json`).
    #[serde(rename = "jws")]
    Jws,
    /// COSE_Sign1 (`application/cose`).
    #[serde(rename = "cose")]
    Cose,
}

impl EnvelopeFormat {
    /// The format of an envelope media type.
    pub fn from_media_type(media_type: &str) -> Result<Self> {
        match media_type {
            MEDIA_TYPE_JWS => Ok(Self::Jws),
            MEDIA_TYPE_COSE => Ok(Self::Cose),
            other => Err(Error::UnsupportedMediaType(alloc::format!("signature envelope {other:?}"))),
        }
    }
}

/// The signing scheme (signing-scheme.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SigningScheme {
    /// `notary.x509`: signer-held keys under a CA; times from an RFC 3161 countersignature.
    #[serde(rename = "notary.x509")]
    X509,
    /// `notary.x509.signingAuthority`: a signing authority asserts the signing time.
    #[serde(rename = "notary.x509.signingAuthority")]
    SigningAuthority,
}

impl SigningScheme {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "notary.x509" => Ok(Self::X509),
            "notary.x509.signingAuthority" => Ok(Self::SigningAuthority),
            other => Err(envelope_error(ATTR_SIGNING_SCHEME, &alloc::format!("unsupported signing scheme {other:?}"))),
        }
    }
}

/// The signature algorithms of the specification ("Algorithm Selection"): the signing key
/// decides which one applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Algorithm {
    /// RSASSA-PSS with SHA-256 (RSA 2048), salt = hash length.
    PS256,
    /// RSASSA-PSS with SHA-384 (RSA 3072).
    PS384,
    /// RSASSA-PSS with SHA-512 (RSA 4096).
    PS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
}

impl Algorithm {
    /// The JWS `alg` name.
    pub(crate) fn from_jws(name: &str) -> Result<Self> {
        Ok(match name {
            "PS256" => Self::PS256,
            "PS384" => Self::PS384,
            "PS512" => Self::PS512,
            "ES256" => Self::ES256,
            "ES384" => Self::ES384,
            "ES512" => Self::ES512,
            other => return Err(Error::UnsupportedAlgorithm { what: "JWS alg".to_string(), alg: other.to_string() }),
        })
    }

    /// The COSE `alg` label (RFC 9053 §2.1, RFC 8230 §2).
    pub(crate) fn from_cose(label: i128) -> Result<Self> {
        Ok(match label {
            -37 => Self::PS256,
            -38 => Self::PS384,
            -39 => Self::PS512,
            -7 => Self::ES256,
            -35 => Self::ES384,
            -36 => Self::ES512,
            other => return Err(Error::UnsupportedAlgorithm { what: "COSE alg".to_string(), alg: other.to_string() }),
        })
    }

    /// The algorithm a key of `alg` signs with: RSA exactly 2048, 3072 or 4096 bits, ECDSA
    /// P-256, P-384 or P-521 (the specification's table; notation-core-go `ExtractKeySpec`
    /// accepts exactly these sizes).
    pub fn for_key(what: &str, alg: KeyAlgorithm) -> Result<Self> {
        Ok(match alg {
            KeyAlgorithm::Rsa(2048) => Self::PS256,
            KeyAlgorithm::Rsa(3072) => Self::PS384,
            KeyAlgorithm::Rsa(4096) => Self::PS512,
            KeyAlgorithm::EcdsaP256 => Self::ES256,
            KeyAlgorithm::EcdsaP384 => Self::ES384,
            KeyAlgorithm::EcdsaP521 => Self::ES512,
            other => return Err(Error::UnsupportedAlgorithm { what: what.to_string(), alg: alloc::format!("{other:?} (Notary signing keys are RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521)") }),
        })
    }

    /// The backend scheme. RSASSA-PSS salts are the hash length, as the specification requires
    /// (notation-go's JWS path accepts any salt length; sealcheck follows the specification).
    #[must_use]
    pub const fn scheme(self) -> SignatureScheme {
        match self {
            Self::PS256 => SignatureScheme::RsaPssSha256,
            Self::PS384 => SignatureScheme::RsaPssSha384,
            Self::PS512 => SignatureScheme::RsaPssSha512,
            Self::ES256 => SignatureScheme::EcdsaSha256,
            Self::ES384 => SignatureScheme::EcdsaSha384,
            Self::ES512 => SignatureScheme::EcdsaSha512,
        }
    }

    /// For ECDSA, the length of `r` and of `s` in the fixed-size `r || s` encoding of JWS
    /// (RFC 7518 §3.4) and COSE (RFC 9053 §2.1).
    const fn ecdsa_field_len(self) -> Option<usize> {
        match self {
            Self::ES256 => Some(32),
            Self::ES384 => Some(48),
            Self::ES512 => Some(66),
            _ => None,
        }
    }
}

/// The signed attributes, checked against the specification when parsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignedAttributes {
    /// The signing scheme.
    pub scheme: SigningScheme,
    /// `io.cncf.notary.signingTime` (`notary.x509` only; not authenticated).
    pub signing_time: Option<UnixTime>,
    /// `io.cncf.notary.authenticSigningTime` (`notary.x509.signingAuthority` only).
    pub authentic_signing_time: Option<UnixTime>,
    /// `io.cncf.notary.expiry`.
    pub expiry: Option<UnixTime>,
}

/// What a signed attribute map said, before the rules of [`SignedAttributes::check`].
#[derive(Debug, Default)]
pub(crate) struct RawAttributes {
    pub alg: Option<Algorithm>,
    pub content_type: Option<String>,
    /// The `crit` list (attribute names; COSE integer labels as decimal text).
    pub crit: Option<Vec<String>>,
    pub scheme: Option<String>,
    pub signing_time: Option<UnixTime>,
    pub authentic_signing_time: Option<UnixTime>,
    pub expiry: Option<UnixTime>,
    /// Every attribute name present (for `crit`).
    pub present: Vec<String>,
}

impl RawAttributes {
    /// The checks both encodings share (signature-specification.md "Standard attributes",
    /// "Extended attributes", "Guidelines for implementations"; notation-core-go
    /// `validateCriticalHeaders`, `validateProtectedHeaders`, `validateSigningAndExpiryTime`).
    pub(crate) fn check(self, header: &str) -> Result<(Algorithm, SignedAttributes)> {
        let bad = |d: &str| envelope_error(header, d);
        let alg = self.alg.ok_or_else(|| bad("no alg"))?;
        match self.content_type.as_deref() {
            Some(PAYLOAD_MEDIA_TYPE) => {}
            Some(other) => return Err(bad(&alloc::format!("content type {other:?} is not {PAYLOAD_MEDIA_TYPE}"))),
            None => return Err(bad("no content type")),
        }
        let scheme = SigningScheme::parse(self.scheme.as_deref().ok_or_else(|| bad("no io.cncf.notary.signingScheme"))?)?;
        let crit = self.crit.ok_or_else(|| bad("no crit"))?;
        if crit.is_empty() {
            return Err(bad("crit is empty"));
        }
        // Every critical attribute must be one this verifier processes, and present. An unknown
        // critical attribute fails verification (spec "Extended attributes"; notation-go only
        // checks this when a verification plugin is named: sealcheck follows the spec). A
        // verification plugin cannot be honoured here, so naming one fails too (spec
        // "Guidelines for implementations").
        for c in &crit {
            if crit.iter().filter(|d| *d == c).count() > 1 {
                return Err(bad(&alloc::format!("crit lists {c:?} twice")));
            }
            match c.as_str() {
                ATTR_SIGNING_SCHEME | ATTR_AUTHENTIC_SIGNING_TIME | ATTR_EXPIRY => {}
                ATTR_PLUGIN | ATTR_PLUGIN_MIN_VERSION => {
                    return Err(bad(&alloc::format!("critical attribute {c:?}: verification plugins are not supported")));
                }
                other => return Err(bad(&alloc::format!("unknown critical attribute {other:?}"))),
            }
            if !self.present.iter().any(|p| p == c) {
                return Err(bad(&alloc::format!("crit lists {c:?}, which is not present")));
            }
        }
        for required in [ATTR_SIGNING_SCHEME, ATTR_AUTHENTIC_SIGNING_TIME, ATTR_EXPIRY, ATTR_PLUGIN, ATTR_PLUGIN_MIN_VERSION] {
            if self.present.iter().any(|p| p == required) && !crit.iter().any(|c| c == required) {
                return Err(bad(&alloc::format!("{required} is not marked critical")));
            }
        }
        let (signing_time, authentic) = match scheme {
            SigningScheme::X509 => {
                if self.authentic_signing_time.is_some() {
                    return Err(bad("notary.x509 signatures must not carry io.cncf.notary.authenticSigningTime"));
                }
                (Some(self.signing_time.ok_or_else(|| bad("no io.cncf.notary.signingTime"))?), None)
            }
            SigningScheme::SigningAuthority => {
                if self.signing_time.is_some() {
                    return Err(bad("notary.x509.signingAuthority signatures must not carry io.cncf.notary.signingTime"));
                }
                (None, Some(self.authentic_signing_time.ok_or_else(|| bad("no io.cncf.notary.authenticSigningTime"))?))
            }
        };
        let at = signing_time.or(authentic);
        if let (Some(e), Some(t)) = (self.expiry, at) {
            if e <= t {
                return Err(bad("expiry is not after the signing time"));
            }
        }
        Ok((alg, SignedAttributes { scheme, signing_time, authentic_signing_time: authentic, expiry: self.expiry }))
    }
}

/// The payload's target artifact descriptor (signature-specification.md "Payload").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TargetArtifact {
    /// `mediaType`.
    pub media_type: String,
    /// `digest`.
    pub digest: OciDigest,
    /// `size`.
    pub size: u64,
    /// `annotations` (user metadata).
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct PayloadJson {
    #[serde(rename = "targetArtifact")]
    target: TargetJson,
}

// Unknown descriptor fields (urls, platform, artifactType, data) are not part of the
// comparison and are ignored, as notation-go does; duplicate keys are refused.
#[derive(Deserialize)]
struct TargetJson {
    #[serde(rename = "mediaType")]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
}

impl TargetArtifact {
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self> {
        let p: PayloadJson = serde_json::from_slice(bytes).map_err(|e| Error::Json { what: "Notary payload", detail: alloc::format!("{e}") })?;
        let t = p.target;
        if t.media_type.is_empty() {
            return Err(envelope_error("payload", "targetArtifact.mediaType is empty"));
        }
        let digest = OciDigest::parse(&t.digest).map_err(|_| envelope_error("payload", &alloc::format!("targetArtifact.digest {:?} is not a digest", t.digest)))?;
        Ok(Self { media_type: t.media_type, digest, size: t.size, annotations: t.annotations.unwrap_or_default() })
    }
}

/// A parsed envelope: nothing in it is verified yet.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The encoding.
    pub format: EnvelopeFormat,
    /// The algorithm the protected header declares.
    pub algorithm: Algorithm,
    /// The signed attributes.
    pub attributes: SignedAttributes,
    /// The target artifact the payload names.
    pub target: TargetArtifact,
    /// The certificate chain, leaf first (unsigned attribute).
    pub chain: Vec<Certificate>,
    /// The RFC 3161 TimeStampToken over the primitive signature, if any (unsigned attribute).
    pub timestamp: Option<Vec<u8>>,
    /// The signing agent (unsigned; informational, never validated).
    pub signing_agent: Option<String>,
    /// The bytes the primitive signature covers (JWS signing input; COSE `Sig_structure`).
    pub(crate) signed_bytes: Vec<u8>,
    /// The primitive signature as the envelope carries it.
    pub(crate) signature: Vec<u8>,
}

impl Envelope {
    /// Parses an envelope of `media_type` (`application/jose+json` or `application/cose`).
    pub fn parse(media_type: &str, bytes: &[u8]) -> Result<Self> {
        crate::limits::check("signature envelope", bytes.len(), crate::limits::MAX_ENVELOPE_BYTES)?;
        match EnvelopeFormat::from_media_type(media_type)? {
            EnvelopeFormat::Jws => super::jws::parse(bytes),
            EnvelopeFormat::Cose => super::cose::parse(bytes),
        }
    }

    /// The primitive signature bytes (what an RFC 3161 countersignature timestamps).
    #[must_use]
    pub fn primitive_signature(&self) -> &[u8] {
        &self.signature
    }

    /// The leaf (signing) certificate.
    #[must_use]
    pub fn leaf(&self) -> &Certificate {
        &self.chain[0]
    }

    /// Integrity (trust-store-trust-policy.md "Signature Evaluation", step integrity): the
    /// algorithm the leaf's key fixes is the declared one, and the leaf's key made the
    /// primitive signature over the exact signed bytes.
    pub fn verify_signature(&self, backend: &dyn Backend) -> Result<()> {
        let want = Algorithm::for_key("signing certificate key", self.leaf().public_key().algorithm())?;
        if want != self.algorithm {
            // The algorithm-substitution defence (spec "Algorithm Selection"): its own kind, so
            // that it is told from other envelope faults.
            return Err(Error::SignerMismatch("the envelope's alg is not the one the signing certificate's key signs with"));
        }
        let der;
        let sig = match self.algorithm.ecdsa_field_len() {
            Some(n) => {
                der = ecdsa_fixed_to_der(&self.signature, n).ok_or_else(|| Error::BadSignature { what: "envelope signature: not a fixed-length r || s".to_string() })?;
                &der
            }
            None => &self.signature,
        };
        crypto::verify_signature(backend, || "envelope signature".to_string(), self.algorithm.scheme(), self.leaf().public_key(), Message::Raw(&self.signed_bytes), sig)
    }
}

/// `r || s`, each `n` bytes, as a DER `Ecdsa-Sig-Value` (RFC 3279 §2.2.3).
fn ecdsa_fixed_to_der(sig: &[u8], n: usize) -> Option<Vec<u8>> {
    if sig.len() != 2 * n {
        return None;
    }
    let int = |b: &[u8]| {
        let b = &b[b.iter().position(|x| *x != 0).unwrap_or(b.len())..];
        let mut v = Vec::with_capacity(b.len() + 1);
        if b.first().is_none_or(|x| x & 0x80 != 0) {
            v.push(0);
        }
        v.extend_from_slice(b);
        asn1::encode(tag::INTEGER, &v)
    };
    Some(asn1::encode(tag::SEQUENCE, &[int(&sig[..n]), int(&sig[n..])].concat()))
}

pub(crate) fn envelope_error(what: &str, detail: &str) -> Error {
    Error::Envelope { what: what.to_string(), detail: detail.to_string() }
}

/// Parses the certificate chain, leaf first; an empty chain is refused.
pub(crate) fn chain(ders: Vec<Vec<u8>>) -> Result<Vec<Certificate>> {
    if ders.is_empty() {
        return Err(envelope_error("certificate chain", "is empty"));
    }
    crate::limits::check("envelope certificate chain", ders.len(), crate::limits::MAX_CHAIN_DEPTH)?;
    ders.iter().enumerate().map(|(i, d)| Certificate::from_der(&alloc::format!("envelope certificate {i}"), d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_ecdsa_signatures_become_minimal_der() {
        let mut sig = [0u8; 64];
        sig[31] = 1; // r = 1
        sig[32] = 0x80; // s has its top bit set: a leading zero byte
        let der = ecdsa_fixed_to_der(&sig, 32).unwrap();
        assert_eq!(&der[..5], &[0x30, 3 + 35, 0x02, 1, 1]);
        assert_eq!(&der[5..8], &[0x02, 33, 0x00]);
        assert!(ecdsa_fixed_to_der(&sig[..63], 32).is_none());
    }
}
