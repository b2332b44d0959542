//! Verified facts: what a verifier established about one signature, and nothing it did not
//! verify. A [`VerifiedSignature`] is built only by the verifiers (its type is
//! `#[non_exhaustive]`, so code outside this crate cannot construct one); policies read these
//! facts and never the evidence they came from.

use alloc::string::String;
use alloc::vec::Vec;

use crate::crypto::{Digest, HashAlgorithm};
use crate::encoding::hex_encode;
use crate::sigstore::bundle::BundleVersion;
use crate::sigstore::intoto::Statement;
use crate::time::UnixTime;
use crate::x509::{FulcioExtensions, SubjectAltName};

/// The evidence format a signature came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SignatureFormat {
    /// A Sigstore bundle (cosign v3 images, npm provenance, `verify-bundle`).
    #[serde(rename = "sigstore-bundle")]
    SigstoreBundle,
    /// A cosign simple-signing signature (legacy `.sig` layer or containers storage blob).
    #[serde(rename = "cosign-simple-signing")]
    CosignSimpleSigning,
    /// A cosign legacy attestation (DSSE layer of the `.att` manifest).
    #[serde(rename = "cosign-attestation")]
    CosignAttestation,
    /// A Notary Project signature (JWS or COSE envelope).
    #[serde(rename = "notary")]
    #[cfg(feature = "notation")]
    Notary,
}

/// Where a verified time came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "source")]
pub enum TimeSource {
    /// A transparency log's signed entry timestamp (its integrated time).
    #[serde(rename = "transparency-log")]
    TransparencyLog {
        /// Log base URL.
        log: String,
        /// Entry index in the evidence.
        entry: usize,
    },
    /// The authentic signing time a Notary signing authority asserted
    /// (`notary.x509.signingAuthority`).
    #[serde(rename = "signing-authority")]
    #[cfg(feature = "notation")]
    SigningAuthority,
    /// An RFC 3161 timestamp.
    #[serde(rename = "timestamp-authority")]
    TimestampAuthority {
        /// TSA URI.
        authority: String,
        /// Timestamp index in the evidence.
        timestamp: usize,
    },
}

/// A time vouched for by a trusted authority.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedTime {
    /// The time.
    pub time: UnixTime,
    /// Who vouched.
    #[serde(flatten)]
    pub source: TimeSource,
}

/// A transparency log entry that was checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckedLogEntry {
    /// Log base URL.
    pub log: String,
    /// Log id, hex.
    pub log_id: String,
    /// Entry index in the log: signed by the entry timestamp, or the leaf index the inclusion
    /// proof verified.
    pub log_index: u64,
    /// `kind/version` of the entry body.
    pub kind: String,
    /// True when a signed entry timestamp was verified.
    pub promise_verified: bool,
    /// True when an inclusion proof and its signed checkpoint were verified.
    pub proof_verified: bool,
}

/// The signer, as verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type")]
pub enum VerifiedSigner {
    /// A certificate issued by a trusted certificate authority.
    #[serde(rename = "certificate")]
    Certificate {
        /// Subject alternative names.
        san: Vec<SubjectAltName>,
        /// Fulcio extensions (the OIDC issuer, the build identity).
        extensions: FulcioExtensions,
        /// The certificate authority it chains to (its URI in the trusted root).
        authority: String,
        /// Validity start.
        not_before: UnixTime,
        /// Validity end.
        not_after: UnixTime,
        /// SHA-256 of the certificate DER, hex.
        sha256: String,
        /// The issuer's name (RFC 4514), as a revocation names it.
        #[cfg(feature = "governance")]
        issuer: String,
        /// The serial number, lowercase hex.
        #[cfg(feature = "governance")]
        serial: String,
        /// CT logs whose SCTs verified.
        ct_logs: Vec<String>,
    },
    /// A Notary signing certificate whose chain holds a trust store certificate.
    #[serde(rename = "notary-certificate")]
    #[cfg(feature = "notation")]
    NotaryCertificate {
        /// The leaf's subject (RFC 4514).
        subject: String,
        /// The trust store (`type:name`) holding a certificate of the chain.
        trust_store: String,
        /// The leaf's issuer (RFC 4514).
        issuer: String,
        /// The leaf's serial number, lowercase hex.
        serial: String,
        /// Validity start.
        not_before: UnixTime,
        /// Validity end.
        not_after: UnixTime,
        /// SHA-256 of each chain certificate's DER, hex, leaf first (the
        /// `io.cncf.notary.x509chain.thumbprint#S256` values).
        chain_sha256: Vec<String>,
    },
    /// A trusted public key.
    #[serde(rename = "key")]
    Key {
        /// SHA-256 of the SubjectPublicKeyInfo DER, hex.
        sha256: String,
    },
}

impl VerifiedSigner {
    /// One line naming the signer: `key sha256:…`, or `certificate <first SAN>`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Key { sha256 } => alloc::format!("key sha256:{sha256}"),
            Self::Certificate { san, .. } => alloc::format!("certificate {}", san.first().map_or("", SubjectAltName::value)),
            #[cfg(feature = "notation")]
            Self::NotaryCertificate { subject, .. } => alloc::format!("certificate {subject}"),
        }
    }
}

/// A digest the signature binds, as `algorithm:hex` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundDigest(pub(crate) Digest);

impl BoundDigest {
    /// The digest.
    #[must_use]
    pub const fn digest(&self) -> &Digest {
        &self.0
    }
}

impl serde::Serialize for BoundDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let alg = match self.0.algorithm() {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        };
        s.collect_str(&format_args!("{alg}:{}", hex_encode(self.0.as_bytes())))
    }
}

/// One signature, verified: who signed, what it binds, and when, with what vouched for each.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct VerifiedSignature {
    /// The evidence format.
    pub format: SignatureFormat,
    /// For a Sigstore bundle, its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_version: Option<BundleVersion>,
    /// Who signed.
    pub signer: VerifiedSigner,
    /// The artifact digests the signature binds: the message digest, the matching in-toto
    /// subject's digests, or a simple-signing payload's manifest digest.
    pub digests: Vec<BoundDigest>,
    /// The reference a simple-signing payload names (`critical.identity.docker-reference`); for
    /// an in-toto statement, the matching subject's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_reference: Option<String>,
    /// The in-toto statement, for DSSE evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Statement>,
    /// Which subject of the statement is the artifact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_subject: Option<usize>,
    /// Every verified time, with the authority that vouched for it.
    pub times: Vec<VerifiedTime>,
    /// Every transparency log entry checked.
    pub tlog_entries: Vec<CheckedLogEntry>,
    /// The verification time.
    pub verified_at: UnixTime,
}

impl VerifiedSignature {
    /// The in-toto predicate type, for DSSE evidence.
    #[must_use]
    pub fn predicate_type(&self) -> Option<&str> {
        self.statement.as_ref().map(|s| s.predicate_type.as_str())
    }

    /// The earliest verified time, if any.
    #[must_use]
    pub fn earliest_time(&self) -> Option<UnixTime> {
        self.times.iter().map(|t| t.time).min()
    }
}
