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
    LimitExceeded {
        /// What was read or checked.
        what: &'static str,
        /// The limit.
        max: usize,
        /// The size or count found.
        got: usize,
    },
    /// JSON that does not parse, or does not have the expected shape.
    #[error("{what}: malformed JSON: {detail}")]
    Json {
        /// What was read or checked.
        what: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// A base64, hex or PEM field that does not decode.
    #[error("{what}: invalid {encoding} encoding")]
    Encoding {
        /// What was read or checked.
        what: String,
        /// The encoding expected.
        encoding: &'static str,
    },
    /// DER that does not parse.
    #[error("{what}: malformed DER: {detail}")]
    Der {
        /// What was read or checked.
        what: String,
        /// What went wrong.
        detail: String,
    },
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
    Time {
        /// What was read or checked.
        what: &'static str,
        /// The text found.
        value: String,
    },

    // ---- crypto ------------------------------------------------------------------------
    /// A key or signature algorithm outside the supported set.
    #[error("{what}: unsupported algorithm {alg}")]
    UnsupportedAlgorithm {
        /// What was read or checked.
        what: String,
        /// The algorithm found.
        alg: String,
    },
    /// A public key that does not decode or is outside the allowed sizes.
    #[error("{what}: invalid public key")]
    InvalidKey {
        /// What was read or checked.
        what: String,
    },
    /// A signature that does not verify.
    #[error("{what}: signature does not verify")]
    BadSignature {
        /// What was read or checked.
        what: String,
    },

    // ---- X.509 path --------------------------------------------------------------------
    /// No trusted authority issued this certificate.
    #[error("{what}: no trusted issuer found")]
    UnknownIssuer {
        /// What was read or checked.
        what: String,
    },
    /// A certificate was not valid at the time it was used.
    #[error("{what}: not valid at {time} (valid {not_before}..={not_after})")]
    CertificateNotValidAt {
        /// What was read or checked.
        what: String,
        /// The time in question, Unix seconds.
        time: i64,
        /// Start of the certificate's validity, Unix seconds.
        not_before: i64,
        /// End of the certificate's validity, Unix seconds.
        not_after: i64,
    },
    /// The trusted authority's `validFor` window does not contain the signing time.
    #[error("{what}: authority not trusted at {time}")]
    AuthorityOutsideValidity {
        /// What was read or checked.
        what: String,
        /// The time in question, Unix seconds.
        time: i64,
    },
    /// The bundle carries a self-signed (root) certificate in its chain.
    #[error("certificate chain contains a root certificate (certificate {index})")]
    ChainContainsRoot {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
    },
    /// An issuing certificate without basicConstraints cA=TRUE.
    #[error("{what}: issuer is not a CA (basicConstraints missing or cA=false)")]
    NotACa {
        /// What was read or checked.
        what: String,
    },
    /// A path longer than an issuer's pathLenConstraint allows.
    #[error("{what}: pathLenConstraint exceeded")]
    PathLenExceeded {
        /// What was read or checked.
        what: String,
    },
    /// An extension marked critical that this verifier does not process.
    #[error("{what}: unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// What was read or checked.
        what: String,
        /// The extension's object identifier, dotted.
        oid: String,
    },
    /// keyUsage does not allow the use (digitalSignature on leaves, keyCertSign on CAs).
    #[error("{what}: keyUsage does not permit {usage}")]
    KeyUsage {
        /// What was read or checked.
        what: String,
        /// The usage required.
        usage: &'static str,
    },
    /// extendedKeyUsage lacks the required purpose (codeSigning, timeStamping).
    #[error("{what}: extendedKeyUsage lacks {purpose}")]
    ExtendedKeyUsage {
        /// What was read or checked.
        what: String,
        /// The purpose required.
        purpose: &'static str,
    },
    /// A chain deeper than [`crate::limits::MAX_CHAIN_DEPTH`].
    #[error("{what}: chain deeper than the limit")]
    ChainTooDeep {
        /// What was read or checked.
        what: String,
    },

    // ---- transparency logs -------------------------------------------------------------
    /// A log entry names a log absent from the trusted root.
    #[error("tlog entry {index}: log {log_id} is not in the trusted root")]
    UnknownLog {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// The log's id, hex.
        log_id: String,
    },
    /// A log, CT log or TSA key used outside its trusted `validFor` window.
    #[error("{what}: key not valid at {time}")]
    KeyOutsideValidity {
        /// What was read or checked.
        what: String,
        /// The time in question, Unix seconds.
        time: i64,
    },
    /// The signed entry timestamp does not verify.
    #[error("tlog entry {index}: signed entry timestamp does not verify")]
    InvalidSignedEntryTimestamp {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
    },
    /// The canonicalized body does not describe this bundle's signature, key or artifact.
    #[error("tlog entry {index}: body does not match the bundle ({field})")]
    TlogBodyMismatch {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// The field that differs.
        field: &'static str,
    },
    /// A log entry kind or version this verifier does not implement, or inconsistent with the content.
    #[error("tlog entry {index}: unsupported entry {kind}")]
    UnsupportedEntry {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// The kind and version found.
        kind: String,
    },
    /// The RFC 6962 inclusion proof does not lead to the claimed root.
    #[error("tlog entry {index}: inclusion proof invalid: {reason}")]
    InclusionProof {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// Why.
        reason: &'static str,
    },
    /// The checkpoint does not parse, or does not match the inclusion proof.
    #[error("tlog entry {index}: checkpoint invalid: {reason}")]
    Checkpoint {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// Why.
        reason: &'static str,
    },
    /// No signature on the checkpoint verifies with the log's key.
    #[error("tlog entry {index}: checkpoint is not signed by log {log_id}")]
    CheckpointSignature {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// The log's id, hex.
        log_id: String,
    },
    /// Evidence that this bundle version or policy requires is absent.
    #[error("missing evidence: {0}")]
    MissingEvidence(&'static str),

    // ---- timestamps --------------------------------------------------------------------
    /// An RFC 3161 timestamp that is malformed or whose signature does not verify.
    #[error("timestamp {index}: {reason}")]
    Timestamp {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The timestamp's message imprint is not over this bundle's signature.
    #[error("timestamp {index}: message imprint does not match the signature")]
    TimestampImprint {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
    },
    /// No trusted timestamp authority signed this timestamp.
    #[error("timestamp {index}: not issued by a trusted timestamp authority")]
    UnknownTimestampAuthority {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
    },
    /// A verified time falls outside the signing certificate's validity.
    #[error("signing time {time} outside the signing certificate validity {not_before}..={not_after}")]
    SigningTimeOutsideCertificate {
        /// The time in question, Unix seconds.
        time: i64,
        /// Start of the certificate's validity, Unix seconds.
        not_before: i64,
        /// End of the certificate's validity, Unix seconds.
        not_after: i64,
    },
    /// A verified time lies after the verification time.
    #[error("{what}: time {time} is after the verification time {now}")]
    TimeInFuture {
        /// What was read or checked.
        what: String,
        /// The time in question, Unix seconds.
        time: i64,
        /// The verification time, Unix seconds.
        now: i64,
    },
    /// Fewer distinct authorities than the threshold.
    #[error("{what}: {got} distinct authorities verified, {need} required")]
    Threshold {
        /// What was read or checked.
        what: &'static str,
        /// How many are required.
        need: usize,
        /// How many distinct authorities verified.
        got: usize,
    },

    // ---- certificate transparency ------------------------------------------------------
    /// An embedded SCT from a log not in the trusted root.
    #[error("SCT {index}: log {log_id} is not in the trusted root")]
    UnknownCtLog {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
        /// The log's id, hex.
        log_id: String,
    },
    /// An SCT whose signature does not cover this certificate.
    #[error("SCT {index}: signature does not verify over the precertificate")]
    SctSignature {
        /// Which one, counting from 0, in the bundle's order.
        index: usize,
    },

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
    IdentityMismatch {
        /// The identity found.
        got: String,
        /// What was expected.
        want: String,
    },
    /// The certificate's OIDC issuer does not match.
    #[error("identity: certificate issuer {got:?} does not match {want}")]
    IssuerMismatch {
        /// The issuer found.
        got: String,
        /// What was expected.
        want: String,
    },
    /// A Fulcio extension does not match.
    #[error("identity: certificate extension {name} {got:?} does not match {want}")]
    ExtensionMismatch {
        /// The extension.
        name: &'static str,
        /// The value found.
        got: String,
        /// What was expected.
        want: String,
    },
    /// An identity regexp that does not compile.
    #[error("identity: invalid regular expression {0:?}")]
    InvalidRegex(String),
    /// The verification material does not fit the expectation (key vs certificate).
    #[error("signer: {0}")]
    SignerMismatch(&'static str),

    // ---- Notary Project ----------------------------------------------------------------
    #[cfg(feature = "notation")]
    /// A Notary signature envelope that is malformed or breaks its specification (JWS or COSE
    /// structure, protected headers, `crit`, signed attributes, payload).
    #[error("signature envelope: {what}: {detail}")]
    Envelope {
        /// Which part of the envelope.
        what: String,
        /// What is wrong.
        detail: String,
    },
    #[cfg(feature = "notation")]
    /// A Notary signature whose `io.cncf.notary.expiry` is at or before the verification time.
    #[error("signature expired at {expiry} (verification time {time})")]
    SignatureExpired {
        /// The expiry, Unix seconds.
        expiry: i64,
        /// The verification time, Unix seconds.
        time: i64,
    },
    #[cfg(feature = "notation")]
    /// No certificate of the signature's chain is in the trust stores the policy names.
    #[error("authenticity: {0}")]
    NotInTrustStore(String),
    #[cfg(feature = "notation")]
    /// A certificate that a CRL revokes.
    #[error("revocation: {what} (serial {serial}) is revoked ({reason})")]
    Revoked {
        /// The certificate.
        what: String,
        /// Its serial number, hex.
        serial: String,
        /// The CRL reason code, or `unspecified`.
        reason: String,
    },
    #[cfg(feature = "notation")]
    /// A certificate whose revocation status cannot be determined: it names a CRL distribution
    /// point or OCSP responder and no usable CRL was supplied, or the CRL is stale or does not
    /// verify.
    #[error("revocation status unknown: {what}: {detail}")]
    RevocationUnknown {
        /// The certificate.
        what: String,
        /// Why the status is unknown.
        detail: String,
    },
    #[cfg(feature = "notation")]
    /// No statement of a trust policy applies to the artifact.
    #[error("no applicable trust policy: {0}")]
    NoApplicablePolicy(String),

    // ---- input -------------------------------------------------------------------------
    /// A file or directory that cannot be read: the OS error, or not a regular file, or a path
    /// resolving outside its layout.
    #[error("{what}: {detail}")]
    Io {
        /// What was read or checked.
        what: String,
        /// What went wrong.
        detail: String,
    },
    /// A file, directory or tag the caller named does not exist.
    #[error("{0}: not found")]
    NotFound(String),
    /// An argument that is not valid on its own (an empty path, a malformed digest argument).
    #[error("usage: {0}")]
    Usage(String),
    /// An input that does not load (a policy, a trusted root, a key, a matcher, a reference,
    /// an image source): which kind of input, what exactly, and why.
    #[error("{what}: {source}")]
    Config {
        /// The kind of input.
        input: Input,
        /// What was being loaded (a file, a policy field).
        what: String,
        /// Why it failed.
        source: alloc::boxed::Box<Error>,
    },
}

/// The kinds of input a caller loads, each with its own error code when it does not load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// A `trusted_root.json`.
    TrustedRoot,
    /// A policy (containers-policy.json, …).
    Policy,
    /// A public key.
    Key,
    /// An image reference.
    Reference,
    /// An identity matcher (exact or regexp).
    Identity,
    /// An image source (a layout, a registry) whose evidence cannot be gathered.
    ImageSource,
    /// An artifact, or its digest.
    Artifact,
}

impl Input {
    /// The stable code of this input's load failure.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::TrustedRoot => 7010,
            Self::Policy => 7011,
            Self::Key => 7012,
            Self::Reference => 7013,
            Self::Identity => 7014,
            Self::ImageSource => 7015,
            Self::Artifact => 7016,
        }
    }

    /// A short name (`trusted root`, `policy`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::TrustedRoot => "trusted root",
            Self::Policy => "policy",
            Self::Key => "key",
            Self::Reference => "image reference",
            Self::Identity => "identity",
            Self::ImageSource => "image source",
            Self::Artifact => "artifact",
        }
    }
}

/// Whether an error means the input is unusable, or the evidence was examined and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ErrorClass {
    /// A usage, input or configuration problem: nothing was decided (CLI exit 2).
    #[serde(rename = "input")]
    Input,
    /// The evidence was examined and refused (CLI exit 1).
    #[serde(rename = "rejection")]
    Rejection,
}

impl Error {
    /// `self` as a failure to load `input` named `what`.
    #[must_use]
    pub fn loading(self, input: Input, what: impl Into<String>) -> Self {
        Self::Config { input, what: what.into(), source: alloc::boxed::Box::new(self) }
    }

    /// A load failure named `what` instead (a surface naming the file it read the input from);
    /// other errors become a load failure of `input` named `what`.
    #[must_use]
    pub fn in_file(self, input: Input, what: impl Into<String>) -> Self {
        match self {
            Self::Config { input, source, .. } => Self::Config { input, what: what.into(), source },
            e => e.loading(input, what),
        }
    }

    /// Input problem or rejection.
    #[must_use]
    pub const fn class(&self) -> ErrorClass {
        match self {
            Self::Io { .. } | Self::NotFound(_) | Self::Usage(_) | Self::Config { .. } | Self::InvalidRegex(_) => ErrorClass::Input,
            Self::LimitExceeded { .. }
            | Self::Json { .. }
            | Self::Encoding { .. }
            | Self::Der { .. }
            | Self::UnsupportedMediaType(_)
            | Self::BundleStructure(_)
            | Self::TrustedRoot(_)
            | Self::Time { .. }
            | Self::UnsupportedAlgorithm { .. }
            | Self::InvalidKey { .. }
            | Self::BadSignature { .. }
            | Self::UnknownIssuer { .. }
            | Self::CertificateNotValidAt { .. }
            | Self::AuthorityOutsideValidity { .. }
            | Self::ChainContainsRoot { .. }
            | Self::NotACa { .. }
            | Self::PathLenExceeded { .. }
            | Self::UnknownCriticalExtension { .. }
            | Self::KeyUsage { .. }
            | Self::ExtendedKeyUsage { .. }
            | Self::ChainTooDeep { .. }
            | Self::UnknownLog { .. }
            | Self::KeyOutsideValidity { .. }
            | Self::InvalidSignedEntryTimestamp { .. }
            | Self::TlogBodyMismatch { .. }
            | Self::UnsupportedEntry { .. }
            | Self::InclusionProof { .. }
            | Self::Checkpoint { .. }
            | Self::CheckpointSignature { .. }
            | Self::MissingEvidence(_)
            | Self::Timestamp { .. }
            | Self::TimestampImprint { .. }
            | Self::UnknownTimestampAuthority { .. }
            | Self::SigningTimeOutsideCertificate { .. }
            | Self::TimeInFuture { .. }
            | Self::Threshold { .. }
            | Self::UnknownCtLog { .. }
            | Self::SctSignature { .. }
            | Self::ArtifactMismatch(_)
            | Self::Dsse(_)
            | Self::InToto(_)
            | Self::NotASignature(_)
            | Self::IdentityMismatch { .. }
            | Self::IssuerMismatch { .. }
            | Self::ExtensionMismatch { .. }
            | Self::SignerMismatch(_) => ErrorClass::Rejection,
            #[cfg(feature = "notation")]
            Self::Envelope { .. }
            | Self::SignatureExpired { .. }
            | Self::NotInTrustStore(_)
            | Self::Revoked { .. }
            | Self::RevocationUnknown { .. }
            | Self::NoApplicablePolicy(_) => ErrorClass::Rejection,
        }
    }

    /// The stable numeric code: 70xx for input problems, 71xx for rejections, one per failure
    /// class. The C header, Go and WASM use these numbers.
    #[must_use]
    pub const fn code(&self) -> u32 {
        match self {
            Self::Io { .. } => 7007,
            Self::NotFound(_) => 7008,
            Self::Usage(_) => 7005,
            Self::Config { input, .. } => input.code(),
            Self::LimitExceeded { .. } => 7100,
            Self::Json { .. } => 7101,
            Self::Encoding { .. } => 7102,
            Self::Der { .. } => 7103,
            Self::UnsupportedMediaType(_) => 7104,
            Self::BundleStructure(_) => 7105,
            Self::TrustedRoot(_) => 7106,
            Self::Time { .. } => 7107,
            Self::UnsupportedAlgorithm { .. } => 7108,
            Self::InvalidKey { .. } => 7109,
            Self::BadSignature { .. } => 7110,
            Self::UnknownIssuer { .. } => 7111,
            Self::CertificateNotValidAt { .. } => 7112,
            Self::AuthorityOutsideValidity { .. } => 7113,
            Self::ChainContainsRoot { .. } => 7114,
            Self::NotACa { .. } => 7115,
            Self::PathLenExceeded { .. } => 7116,
            Self::UnknownCriticalExtension { .. } => 7117,
            Self::KeyUsage { .. } => 7118,
            Self::ExtendedKeyUsage { .. } => 7119,
            Self::ChainTooDeep { .. } => 7120,
            Self::UnknownLog { .. } => 7121,
            Self::KeyOutsideValidity { .. } => 7122,
            Self::InvalidSignedEntryTimestamp { .. } => 7123,
            Self::TlogBodyMismatch { .. } => 7124,
            Self::UnsupportedEntry { .. } => 7125,
            Self::InclusionProof { .. } => 7126,
            Self::Checkpoint { .. } => 7127,
            Self::CheckpointSignature { .. } => 7128,
            Self::MissingEvidence(_) => 7129,
            Self::Timestamp { .. } => 7130,
            Self::TimestampImprint { .. } => 7131,
            Self::UnknownTimestampAuthority { .. } => 7132,
            Self::SigningTimeOutsideCertificate { .. } => 7133,
            Self::TimeInFuture { .. } => 7134,
            Self::Threshold { .. } => 7135,
            Self::UnknownCtLog { .. } => 7136,
            Self::SctSignature { .. } => 7137,
            Self::ArtifactMismatch(_) => 7138,
            Self::Dsse(_) => 7139,
            Self::InToto(_) => 7140,
            Self::NotASignature(_) => 7141,
            Self::IdentityMismatch { .. } => 7142,
            Self::IssuerMismatch { .. } => 7143,
            Self::ExtensionMismatch { .. } => 7144,
            Self::InvalidRegex(_) => 7145,
            Self::SignerMismatch(_) => 7146,
            #[cfg(feature = "notation")]
            Self::Envelope { .. } => 7147,
            #[cfg(feature = "notation")]
            Self::SignatureExpired { .. } => 7148,
            #[cfg(feature = "notation")]
            Self::NotInTrustStore(_) => 7149,
            #[cfg(feature = "notation")]
            Self::Revoked { .. } => 7150,
            #[cfg(feature = "notation")]
            Self::RevocationUnknown { .. } => 7151,
            #[cfg(feature = "notation")]
            Self::NoApplicablePolicy(_) => 7152,
        }
    }

    /// Every code [`Self::code`] returns, with its name as the C header spells it
    /// (`SEALCHECK_RESULT_<name>`). 7000 is success on the C ABI and is not an error code.
    pub const CODES: &'static [(u32, &'static str)] = &[
        (7005, "INVALID_PARAMETER"),
        (7007, "IO"),
        (7008, "NOT_FOUND"),
        (7010, "TRUSTED_ROOT_INVALID"),
        (7011, "POLICY_INVALID"),
        (7012, "KEY_INVALID"),
        (7013, "REFERENCE_INVALID"),
        (7014, "IDENTITY_INVALID"),
        (7015, "IMAGE_SOURCE_INVALID"),
        (7016, "ARTIFACT_INVALID"),
        (7100, "LIMIT_EXCEEDED"),
        (7101, "JSON"),
        (7102, "ENCODING"),
        (7103, "DER"),
        (7104, "UNSUPPORTED_MEDIA_TYPE"),
        (7105, "BUNDLE_STRUCTURE"),
        (7106, "TRUSTED_ROOT"),
        (7107, "TIME"),
        (7108, "UNSUPPORTED_ALGORITHM"),
        (7109, "INVALID_KEY"),
        (7110, "BAD_SIGNATURE"),
        (7111, "UNKNOWN_ISSUER"),
        (7112, "CERTIFICATE_NOT_VALID_AT"),
        (7113, "AUTHORITY_OUTSIDE_VALIDITY"),
        (7114, "CHAIN_CONTAINS_ROOT"),
        (7115, "NOT_A_CA"),
        (7116, "PATH_LEN_EXCEEDED"),
        (7117, "UNKNOWN_CRITICAL_EXTENSION"),
        (7118, "KEY_USAGE"),
        (7119, "EXTENDED_KEY_USAGE"),
        (7120, "CHAIN_TOO_DEEP"),
        (7121, "UNKNOWN_LOG"),
        (7122, "KEY_OUTSIDE_VALIDITY"),
        (7123, "INVALID_SIGNED_ENTRY_TIMESTAMP"),
        (7124, "TLOG_BODY_MISMATCH"),
        (7125, "UNSUPPORTED_ENTRY"),
        (7126, "INCLUSION_PROOF"),
        (7127, "CHECKPOINT"),
        (7128, "CHECKPOINT_SIGNATURE"),
        (7129, "MISSING_EVIDENCE"),
        (7130, "TIMESTAMP"),
        (7131, "TIMESTAMP_IMPRINT"),
        (7132, "UNKNOWN_TIMESTAMP_AUTHORITY"),
        (7133, "SIGNING_TIME_OUTSIDE_CERTIFICATE"),
        (7134, "TIME_IN_FUTURE"),
        (7135, "THRESHOLD"),
        (7136, "UNKNOWN_CT_LOG"),
        (7137, "SCT_SIGNATURE"),
        (7138, "ARTIFACT_MISMATCH"),
        (7139, "DSSE"),
        (7140, "IN_TOTO"),
        (7141, "NOT_A_SIGNATURE"),
        (7142, "IDENTITY_MISMATCH"),
        (7143, "ISSUER_MISMATCH"),
        (7144, "EXTENSION_MISMATCH"),
        (7145, "INVALID_REGEX"),
        (7146, "SIGNER_MISMATCH"),
        (7147, "ENVELOPE"),
        (7148, "SIGNATURE_EXPIRED"),
        (7149, "NOT_IN_TRUST_STORE"),
        (7150, "REVOKED"),
        (7151, "REVOCATION_UNKNOWN"),
        (7152, "NO_APPLICABLE_POLICY"),
    ];

    /// The class of errors with `code` (input problems are the 70xx codes).
    #[must_use]
    pub const fn class_of_code(code: u32) -> ErrorClass {
        if code < 7100 || code == 7145 { ErrorClass::Input } else { ErrorClass::Rejection }
    }

    /// The innermost error of a load failure (what actually went wrong), or `self`.
    #[must_use]
    pub fn cause(&self) -> &Self {
        match self {
            Self::Config { source, .. } => source.cause(),
            e => e,
        }
    }
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
            #[cfg(feature = "notation")]
            Self::Envelope { .. } => "Envelope",
            #[cfg(feature = "notation")]
            Self::SignatureExpired { .. } => "SignatureExpired",
            #[cfg(feature = "notation")]
            Self::NotInTrustStore(_) => "NotInTrustStore",
            #[cfg(feature = "notation")]
            Self::Revoked { .. } => "Revoked",
            #[cfg(feature = "notation")]
            Self::RevocationUnknown { .. } => "RevocationUnknown",
            #[cfg(feature = "notation")]
            Self::NoApplicablePolicy(_) => "NoApplicablePolicy",
            Self::Io { .. } => "Io",
            Self::NotFound(_) => "NotFound",
            Self::Usage(_) => "Usage",
            Self::Config { .. } => "Config",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    /// One value of every variant (and of every kind of input). `ordinal` below is an
    /// exhaustive match: a new variant does not compile until it is listed there, and the
    /// test fails until it is listed here.
    fn one_of_each() -> Vec<Error> {
        let s = || String::from("x");
        let mut v = alloc::vec![
            Error::LimitExceeded { what: "x", max: 1, got: 2 },
            Error::Json { what: "x", detail: s() },
            Error::Encoding { what: s(), encoding: "x" },
            Error::Der { what: s(), detail: s() },
            Error::UnsupportedMediaType(s()),
            Error::BundleStructure(s()),
            Error::TrustedRoot(s()),
            Error::Time { what: "x", value: s() },
            Error::UnsupportedAlgorithm { what: s(), alg: s() },
            Error::InvalidKey { what: s() },
            Error::BadSignature { what: s() },
            Error::UnknownIssuer { what: s() },
            Error::CertificateNotValidAt { what: s(), time: 0, not_before: 0, not_after: 0 },
            Error::AuthorityOutsideValidity { what: s(), time: 0 },
            Error::ChainContainsRoot { index: 0 },
            Error::NotACa { what: s() },
            Error::PathLenExceeded { what: s() },
            Error::UnknownCriticalExtension { what: s(), oid: s() },
            Error::KeyUsage { what: s(), usage: "x" },
            Error::ExtendedKeyUsage { what: s(), purpose: "x" },
            Error::ChainTooDeep { what: s() },
            Error::UnknownLog { index: 0, log_id: s() },
            Error::KeyOutsideValidity { what: s(), time: 0 },
            Error::InvalidSignedEntryTimestamp { index: 0 },
            Error::TlogBodyMismatch { index: 0, field: "x" },
            Error::UnsupportedEntry { index: 0, kind: s() },
            Error::InclusionProof { index: 0, reason: "x" },
            Error::Checkpoint { index: 0, reason: "x" },
            Error::CheckpointSignature { index: 0, log_id: s() },
            Error::MissingEvidence("x"),
            Error::Timestamp { index: 0, reason: s() },
            Error::TimestampImprint { index: 0 },
            Error::UnknownTimestampAuthority { index: 0 },
            Error::SigningTimeOutsideCertificate { time: 0, not_before: 0, not_after: 0 },
            Error::TimeInFuture { what: s(), time: 0, now: 0 },
            Error::Threshold { what: "x", need: 1, got: 0 },
            Error::UnknownCtLog { index: 0, log_id: s() },
            Error::SctSignature { index: 0 },
            Error::ArtifactMismatch("x"),
            Error::Dsse(s()),
            Error::InToto(s()),
            Error::NotASignature(s()),
            Error::IdentityMismatch { got: s(), want: s() },
            Error::IssuerMismatch { got: s(), want: s() },
            Error::ExtensionMismatch { name: "x", got: s(), want: s() },
            Error::InvalidRegex(s()),
            Error::SignerMismatch("x"),
            Error::Envelope { what: s(), detail: s() },
            Error::SignatureExpired { expiry: 0, time: 0 },
            Error::NotInTrustStore(s()),
            Error::Revoked { what: s(), serial: s(), reason: s() },
            Error::RevocationUnknown { what: s(), detail: s() },
            Error::NoApplicablePolicy(s()),
            Error::Io { what: s(), detail: s() },
            Error::NotFound(s()),
            Error::Usage(s()),
        ];
        for input in [Input::TrustedRoot, Input::Policy, Input::Key, Input::Reference, Input::Identity, Input::ImageSource, Input::Artifact] {
            v.push(Error::Config { input, what: s(), source: Box::new(Error::Usage(s())) });
        }
        v
    }

    fn ordinal(e: &Error) -> usize {
        match e {
            Error::LimitExceeded { .. } => 0,
            Error::Json { .. } => 1,
            Error::Encoding { .. } => 2,
            Error::Der { .. } => 3,
            Error::UnsupportedMediaType(_) => 4,
            Error::BundleStructure(_) => 5,
            Error::TrustedRoot(_) => 6,
            Error::Time { .. } => 7,
            Error::UnsupportedAlgorithm { .. } => 8,
            Error::InvalidKey { .. } => 9,
            Error::BadSignature { .. } => 10,
            Error::UnknownIssuer { .. } => 11,
            Error::CertificateNotValidAt { .. } => 12,
            Error::AuthorityOutsideValidity { .. } => 13,
            Error::ChainContainsRoot { .. } => 14,
            Error::NotACa { .. } => 15,
            Error::PathLenExceeded { .. } => 16,
            Error::UnknownCriticalExtension { .. } => 17,
            Error::KeyUsage { .. } => 18,
            Error::ExtendedKeyUsage { .. } => 19,
            Error::ChainTooDeep { .. } => 20,
            Error::UnknownLog { .. } => 21,
            Error::KeyOutsideValidity { .. } => 22,
            Error::InvalidSignedEntryTimestamp { .. } => 23,
            Error::TlogBodyMismatch { .. } => 24,
            Error::UnsupportedEntry { .. } => 25,
            Error::InclusionProof { .. } => 26,
            Error::Checkpoint { .. } => 27,
            Error::CheckpointSignature { .. } => 28,
            Error::MissingEvidence(_) => 29,
            Error::Timestamp { .. } => 30,
            Error::TimestampImprint { .. } => 31,
            Error::UnknownTimestampAuthority { .. } => 32,
            Error::SigningTimeOutsideCertificate { .. } => 33,
            Error::TimeInFuture { .. } => 34,
            Error::Threshold { .. } => 35,
            Error::UnknownCtLog { .. } => 36,
            Error::SctSignature { .. } => 37,
            Error::ArtifactMismatch(_) => 38,
            Error::Dsse(_) => 39,
            Error::InToto(_) => 40,
            Error::NotASignature(_) => 41,
            Error::IdentityMismatch { .. } => 42,
            Error::IssuerMismatch { .. } => 43,
            Error::ExtensionMismatch { .. } => 44,
            Error::InvalidRegex(_) => 45,
            Error::SignerMismatch(_) => 46,
            Error::Io { .. } => 47,
            Error::NotFound(_) => 48,
            Error::Usage(_) => 49,
            Error::Config { .. } => 50,
            Error::Envelope { .. } => 51,
            Error::SignatureExpired { .. } => 52,
            Error::NotInTrustStore(_) => 53,
            Error::Revoked { .. } => 54,
            Error::RevocationUnknown { .. } => 55,
            Error::NoApplicablePolicy(_) => 56,
        }
    }

    /// Every variant has a class and a code; codes are in the table, unique per failure class,
    /// and their class agrees with the variant's.
    #[test]
    fn every_variant_has_a_class_and_a_code() {
        let all = one_of_each();
        let mut ordinals: Vec<usize> = all.iter().map(ordinal).collect();
        ordinals.sort_unstable();
        ordinals.dedup();
        assert_eq!(ordinals, (0..=56).collect::<Vec<_>>(), "one_of_each lists every variant");
        let mut codes: Vec<u32> = all.iter().map(Error::code).collect();
        for e in &all {
            assert!(Error::CODES.iter().any(|(c, _)| *c == e.code()), "{} has no entry in CODES", e.kind());
            assert_eq!(Error::class_of_code(e.code()), e.class(), "{}", e.kind());
            assert!(!e.to_string().is_empty() && !e.kind().is_empty());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Error::CODES.len(), "every table entry is reachable, and no two variants share a code");
        let mut table: Vec<u32> = Error::CODES.iter().map(|(c, _)| *c).collect();
        table.dedup();
        assert_eq!(table.len(), Error::CODES.len());
    }
}
