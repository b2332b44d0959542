//! The one error type of sealcheck: every rejection names the stage that failed and the input.
//!
//! Variants are grouped by stage (parse, crypto, X.509 path, transparency log, timestamps,
//! identity, policy); each variant is one failure class, so callers and tests can match on it.

use alloc::string::String;

/// Why a verification or a parse was rejected. Every variant is a rejection: there is no
/// "soft" error that callers may ignore.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- parse -------------------------------------------------------------------------
    /// Input larger than a limit in [`crate::limits`].
    #[error("{what}: {got} exceeds the limit of {max}")]
    LimitExceeded { what: &'static str, max: usize, got: usize },
    /// JSON that does not parse, or does not have the expected shape.
    #[error("{what}: malformed JSON: {detail}")]
    Json { what: &'static str, detail: String },
    /// A base64, hex or PEM field that does not decode.
    #[error("{what}: invalid {encoding} encoding")]
    Encoding { what: String, encoding: &'static str },
    /// DER that does not parse.
    #[error("{what}: malformed DER: {detail}")]
    Der { what: String, detail: String },
    /// A bundle media type this verifier does not implement.
    #[error("bundle: unsupported media type {0:?}")]
    UnsupportedMediaType(String),
    /// A bundle whose parts contradict its version or each other.
    #[error("bundle: {0}")]
    BundleStructure(String),
    /// A trusted root that is malformed or internally inconsistent.
    #[error("trusted root: {0}")]
    TrustedRoot(String),
    /// A time that does not parse (RFC 3339, UTCTime, GeneralizedTime).
    #[error("{what}: invalid time {value:?}")]
    Time { what: &'static str, value: String },

    // ---- crypto ------------------------------------------------------------------------
    /// A key or signature algorithm outside the supported set.
    #[error("{what}: unsupported algorithm {alg}")]
    UnsupportedAlgorithm { what: String, alg: String },
    /// A public key that does not decode or is outside the allowed sizes.
    #[error("{what}: invalid public key")]
    InvalidKey { what: String },
    /// A signature that does not verify.
    #[error("{what}: signature does not verify")]
    BadSignature { what: String },

    // ---- X.509 path --------------------------------------------------------------------
    /// No trusted authority issued this certificate.
    #[error("{what}: no trusted issuer found")]
    UnknownIssuer { what: String },
    /// A certificate was not valid at the time it was used.
    #[error("{what}: not valid at {time} (valid {not_before}..={not_after})")]
    CertificateNotValidAt { what: String, time: i64, not_before: i64, not_after: i64 },
    /// The trusted authority's `validFor` window does not contain the signing time.
    #[error("{what}: authority not trusted at {time}")]
    AuthorityOutsideValidity { what: String, time: i64 },
    /// The bundle carries a self-signed (root) certificate in its chain.
    #[error("certificate chain contains a root certificate (certificate {index})")]
    ChainContainsRoot { index: usize },
    /// An issuing certificate without basicConstraints cA=TRUE.
    #[error("{what}: issuer is not a CA (basicConstraints missing or cA=false)")]
    NotACa { what: String },
    /// A path longer than an issuer's pathLenConstraint allows.
    #[error("{what}: pathLenConstraint exceeded")]
    PathLenExceeded { what: String },
    /// An extension marked critical that this verifier does not process.
    #[error("{what}: unknown critical extension {oid}")]
    UnknownCriticalExtension { what: String, oid: String },
    /// keyUsage does not allow the use (digitalSignature on leaves, keyCertSign on CAs).
    #[error("{what}: keyUsage does not permit {usage}")]
    KeyUsage { what: String, usage: &'static str },
    /// extendedKeyUsage lacks the required purpose (codeSigning, timeStamping).
    #[error("{what}: extendedKeyUsage lacks {purpose}")]
    ExtendedKeyUsage { what: String, purpose: &'static str },
    /// A chain deeper than [`crate::limits::MAX_CHAIN_DEPTH`].
    #[error("{what}: chain deeper than the limit")]
    ChainTooDeep { what: String },

    // ---- transparency logs -------------------------------------------------------------
    /// A log entry names a log absent from the trusted root.
    #[error("tlog entry {index}: log {log_id} is not in the trusted root")]
    UnknownLog { index: usize, log_id: String },
    /// A log, CT log or TSA key used outside its trusted `validFor` window.
    #[error("{what}: key not valid at {time}")]
    KeyOutsideValidity { what: String, time: i64 },
    /// The signed entry timestamp does not verify.
    #[error("tlog entry {index}: signed entry timestamp does not verify")]
    InvalidSignedEntryTimestamp { index: usize },
    /// The canonicalized body does not describe this bundle's signature, key or artifact.
    #[error("tlog entry {index}: body does not match the bundle ({field})")]
    TlogBodyMismatch { index: usize, field: &'static str },
    /// A log entry kind or version this verifier does not implement, or inconsistent with the content.
    #[error("tlog entry {index}: unsupported entry {kind}")]
    UnsupportedEntry { index: usize, kind: String },
    /// The RFC 6962 inclusion proof does not lead to the claimed root.
    #[error("tlog entry {index}: inclusion proof invalid: {reason}")]
    InclusionProof { index: usize, reason: &'static str },
    /// The checkpoint does not parse, or does not match the inclusion proof.
    #[error("tlog entry {index}: checkpoint invalid: {reason}")]
    Checkpoint { index: usize, reason: &'static str },
    /// No signature on the checkpoint verifies with the log's key.
    #[error("tlog entry {index}: checkpoint is not signed by log {log_id}")]
    CheckpointSignature { index: usize, log_id: String },
    /// Evidence that this bundle version or policy requires is absent.
    #[error("missing evidence: {0}")]
    MissingEvidence(&'static str),

    // ---- timestamps --------------------------------------------------------------------
    /// An RFC 3161 timestamp that is malformed or whose signature does not verify.
    #[error("timestamp {index}: {reason}")]
    Timestamp { index: usize, reason: String },
    /// The timestamp's message imprint is not over this bundle's signature.
    #[error("timestamp {index}: message imprint does not match the signature")]
    TimestampImprint { index: usize },
    /// No trusted timestamp authority signed this timestamp.
    #[error("timestamp {index}: not issued by a trusted timestamp authority")]
    UnknownTimestampAuthority { index: usize },
    /// A verified time falls outside the signing certificate's validity.
    #[error("signing time {time} outside the signing certificate validity {not_before}..={not_after}")]
    SigningTimeOutsideCertificate { time: i64, not_before: i64, not_after: i64 },
    /// A verified time lies after the verification time.
    #[error("{what}: time {time} is after the verification time {now}")]
    TimeInFuture { what: String, time: i64, now: i64 },
    /// Fewer distinct authorities than the threshold.
    #[error("{what}: {got} distinct authorities verified, {need} required")]
    Threshold { what: &'static str, need: usize, got: usize },

    // ---- certificate transparency ------------------------------------------------------
    /// An embedded SCT from a log not in the trusted root.
    #[error("SCT {index}: log {log_id} is not in the trusted root")]
    UnknownCtLog { index: usize, log_id: String },
    /// An SCT whose signature does not cover this certificate.
    #[error("SCT {index}: signature does not verify over the precertificate")]
    SctSignature { index: usize },

    // ---- content -----------------------------------------------------------------------
    /// The artifact is not the one the bundle signs.
    #[error("artifact: {0}")]
    ArtifactMismatch(&'static str),
    /// DSSE envelope that is malformed or has the wrong payload type.
    #[error("DSSE envelope: {0}")]
    Dsse(String),
    /// An in-toto statement that is malformed or whose subjects do not include the artifact.
    #[error("in-toto statement: {0}")]
    InToto(String),

    /// A stored attachment that is not a signature (other media type).
    #[error("not a signature: {0}")]
    NotASignature(String),

    // ---- identity ----------------------------------------------------------------------
    /// The signer identity (certificate SAN, or the reference a signature names) does not match.
    #[error("identity: {got:?} does not match {want}")]
    IdentityMismatch { got: String, want: String },
    /// The certificate's OIDC issuer does not match.
    #[error("identity: certificate issuer {got:?} does not match {want}")]
    IssuerMismatch { got: String, want: String },
    /// A Fulcio extension does not match.
    #[error("identity: certificate extension {name} {got:?} does not match {want}")]
    ExtensionMismatch { name: &'static str, got: String, want: String },
    /// An identity regexp that does not compile.
    #[error("identity: invalid regular expression {0:?}")]
    InvalidRegex(String),
    /// The verification material does not fit the expectation (key vs certificate).
    #[error("signer: {0}")]
    SignerMismatch(&'static str),

    // ---- input -------------------------------------------------------------------------
    /// A file or directory that cannot be read: the OS error, or not a regular file, or a path
    /// resolving outside its layout.
    #[error("{what}: {detail}")]
    Io { what: String, detail: String },
    /// A file, directory or tag the caller named does not exist.
    #[error("{0}: not found")]
    NotFound(String),
    /// An argument that is not valid on its own (an empty path, a malformed digest argument).
    #[error("usage: {0}")]
    Usage(String),
}

/// Shorthand used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// A short, stable name for the variant: used in JSON output and by tests that pin reasons.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LimitExceeded { .. } => "LimitExceeded",
            Self::Json { .. } => "Json",
            Self::Encoding { .. } => "Encoding",
            Self::Der { .. } => "Der",
            Self::UnsupportedMediaType(_) => "UnsupportedMediaType",
            Self::BundleStructure(_) => "BundleStructure",
            Self::TrustedRoot(_) => "TrustedRoot",
            Self::Time { .. } => "Time",
            Self::UnsupportedAlgorithm { .. } => "UnsupportedAlgorithm",
            Self::InvalidKey { .. } => "InvalidKey",
            Self::BadSignature { .. } => "BadSignature",
            Self::UnknownIssuer { .. } => "UnknownIssuer",
            Self::CertificateNotValidAt { .. } => "CertificateNotValidAt",
            Self::AuthorityOutsideValidity { .. } => "AuthorityOutsideValidity",
            Self::ChainContainsRoot { .. } => "ChainContainsRoot",
            Self::NotACa { .. } => "NotACa",
            Self::PathLenExceeded { .. } => "PathLenExceeded",
            Self::UnknownCriticalExtension { .. } => "UnknownCriticalExtension",
            Self::KeyUsage { .. } => "KeyUsage",
            Self::ExtendedKeyUsage { .. } => "ExtendedKeyUsage",
            Self::ChainTooDeep { .. } => "ChainTooDeep",
            Self::UnknownLog { .. } => "UnknownLog",
            Self::KeyOutsideValidity { .. } => "KeyOutsideValidity",
            Self::InvalidSignedEntryTimestamp { .. } => "InvalidSignedEntryTimestamp",
            Self::TlogBodyMismatch { .. } => "TlogBodyMismatch",
            Self::UnsupportedEntry { .. } => "UnsupportedEntry",
            Self::InclusionProof { .. } => "InclusionProof",
            Self::Checkpoint { .. } => "Checkpoint",
            Self::CheckpointSignature { .. } => "CheckpointSignature",
            Self::MissingEvidence(_) => "MissingEvidence",
            Self::Timestamp { .. } => "Timestamp",
            Self::TimestampImprint { .. } => "TimestampImprint",
            Self::UnknownTimestampAuthority { .. } => "UnknownTimestampAuthority",
            Self::SigningTimeOutsideCertificate { .. } => "SigningTimeOutsideCertificate",
            Self::TimeInFuture { .. } => "TimeInFuture",
            Self::Threshold { .. } => "Threshold",
            Self::UnknownCtLog { .. } => "UnknownCtLog",
            Self::SctSignature { .. } => "SctSignature",
            Self::ArtifactMismatch(_) => "ArtifactMismatch",
            Self::Dsse(_) => "Dsse",
            Self::InToto(_) => "InToto",
            Self::NotASignature(_) => "NotASignature",
            Self::IdentityMismatch { .. } => "IdentityMismatch",
            Self::IssuerMismatch { .. } => "IssuerMismatch",
            Self::ExtensionMismatch { .. } => "ExtensionMismatch",
            Self::InvalidRegex(_) => "InvalidRegex",
            Self::SignerMismatch(_) => "SignerMismatch",
            Self::Io { .. } => "Io",
            Self::NotFound(_) => "NotFound",
            Self::Usage(_) => "Usage",
        }
    }
}
