//! The sealcheck C ABI: marshalling over the Rust facade ([`sealcheck::verifier`]) and nothing
//! more (rustls-ffi conventions). No key, digest, root or matcher is parsed here.
//!
//! - Opaque handles with `_new`/`_free`; `_free` accepts NULL. Handles are immutable once made
//!   and may be shared by many threads at once (`Send + Sync`, no global mutable state); the
//!   one exception, an audit log, takes a lock around each append.
//! - Every fallible call returns one [`sealcheck_result`]; its values are the core's error codes
//!   (`sealcheck::Error::code`). Out-parameters are written only when it is
//!   `SEALCHECK_RESULT_OK`, except `out_error`: when a call fails and `out_error` is not NULL,
//!   `*out_error` receives the detail as JSON (`{"code","class","kind","message"}`), owned by the
//!   caller (`sealcheck_buffer_free`).
//! - Byte inputs are borrowed `(const uint8_t *, size_t)` views, only read during the call; a
//!   NULL pointer is accepted only with length 0.
//! - Every entry point runs inside a panic guard: a panic returns `SEALCHECK_RESULT_PANIC`
//!   (or NULL / 0), and never unwinds into C.
//! - Verification time is always a parameter (seconds since the Unix epoch).
//! - Handles carry a per-type magic word, checked on every call and poisoned when the handle is
//!   freed: a handle of the wrong type, a freed one or a double free is refused with
//!   `SEALCHECK_RESULT_INVALID_HANDLE` (or ignored by `_free`) as long as the memory has not been
//!   reused. That is a diagnostic, not a guarantee: a pointer this library never returned is
//!   undefined behaviour, as in C.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use sealcheck::policy::FsFiles;
use sealcheck::verifier::{self, BundleVerifier, ImageVerifier, RootChoice};
use sealcheck::{Artifact, CertificateIdentity, CryptoProvider, Error, Signers, TrustedKey, TrustedRoot, UnixTime};

/// The result of every fallible call: `SEALCHECK_RESULT_OK`, a misuse of the ABI (70xx below
/// 7010), an input that does not load (7010–7016, and other 70xx), or the reason a verification
/// rejected (71xx). The numbers are the core's `sealcheck::Error::code()`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sealcheck_result {
    /// Success; out-parameters were written.
    SEALCHECK_RESULT_OK = 7000,
    /// A required pointer was NULL (or NULL with a non-zero length).
    SEALCHECK_RESULT_NULL_PARAMETER = 7001,
    /// A text input was not UTF-8.
    SEALCHECK_RESULT_INVALID_UTF8 = 7002,
    /// A panic was caught at the boundary (a bug; please report it).
    SEALCHECK_RESULT_PANIC = 7003,
    /// The caller's buffer is too small.
    SEALCHECK_RESULT_BUFFER_TOO_SMALL = 7004,
    /// An argument is out of range or not valid on its own (unknown flag bits, artifact kind,
    /// an empty path or identity).
    SEALCHECK_RESULT_INVALID_PARAMETER = 7005,
    /// A handle that is not a live handle of the expected type (freed, or of another type).
    SEALCHECK_RESULT_INVALID_HANDLE = 7006,
    /// A file or directory cannot be read (not a regular file, outside its layout, an OS error).
    SEALCHECK_RESULT_IO = 7007,
    /// A file, directory or tag that was named does not exist.
    SEALCHECK_RESULT_NOT_FOUND = 7008,
    /// The trusted root does not load.
    SEALCHECK_RESULT_TRUSTED_ROOT_INVALID = 7010,
    /// The policy does not load (it does not parse, or a file it names does not load).
    SEALCHECK_RESULT_POLICY_INVALID = 7011,
    /// The public key does not load.
    SEALCHECK_RESULT_KEY_INVALID = 7012,
    /// The image reference does not parse.
    SEALCHECK_RESULT_REFERENCE_INVALID = 7013,
    /// The identity matcher does not compile (or is empty).
    SEALCHECK_RESULT_IDENTITY_INVALID = 7014,
    /// The image evidence cannot be gathered (a layout that cannot be read, a stored signature
    /// that does not parse, too much evidence).
    SEALCHECK_RESULT_IMAGE_SOURCE_INVALID = 7015,
    /// The artifact digest does not parse.
    SEALCHECK_RESULT_ARTIFACT_INVALID = 7016,
    /// Rejected: `Error::LimitExceeded`.
    SEALCHECK_RESULT_LIMIT_EXCEEDED = 7100,
    /// Rejected: `Error::Json`.
    SEALCHECK_RESULT_JSON = 7101,
    /// Rejected: `Error::Encoding`.
    SEALCHECK_RESULT_ENCODING = 7102,
    /// Rejected: `Error::Der`.
    SEALCHECK_RESULT_DER = 7103,
    /// Rejected: `Error::UnsupportedMediaType`.
    SEALCHECK_RESULT_UNSUPPORTED_MEDIA_TYPE = 7104,
    /// Rejected: `Error::BundleStructure`.
    SEALCHECK_RESULT_BUNDLE_STRUCTURE = 7105,
    /// Rejected: `Error::TrustedRoot`.
    SEALCHECK_RESULT_TRUSTED_ROOT = 7106,
    /// Rejected: `Error::Time`.
    SEALCHECK_RESULT_TIME = 7107,
    /// Rejected: `Error::UnsupportedAlgorithm`.
    SEALCHECK_RESULT_UNSUPPORTED_ALGORITHM = 7108,
    /// Rejected: `Error::InvalidKey`.
    SEALCHECK_RESULT_INVALID_KEY = 7109,
    /// Rejected: `Error::BadSignature`.
    SEALCHECK_RESULT_BAD_SIGNATURE = 7110,
    /// Rejected: `Error::UnknownIssuer`.
    SEALCHECK_RESULT_UNKNOWN_ISSUER = 7111,
    /// Rejected: `Error::CertificateNotValidAt`.
    SEALCHECK_RESULT_CERTIFICATE_NOT_VALID_AT = 7112,
    /// Rejected: `Error::AuthorityOutsideValidity`.
    SEALCHECK_RESULT_AUTHORITY_OUTSIDE_VALIDITY = 7113,
    /// Rejected: `Error::ChainContainsRoot`.
    SEALCHECK_RESULT_CHAIN_CONTAINS_ROOT = 7114,
    /// Rejected: `Error::NotACa`.
    SEALCHECK_RESULT_NOT_A_CA = 7115,
    /// Rejected: `Error::PathLenExceeded`.
    SEALCHECK_RESULT_PATH_LEN_EXCEEDED = 7116,
    /// Rejected: `Error::UnknownCriticalExtension`.
    SEALCHECK_RESULT_UNKNOWN_CRITICAL_EXTENSION = 7117,
    /// Rejected: `Error::KeyUsage`.
    SEALCHECK_RESULT_KEY_USAGE = 7118,
    /// Rejected: `Error::ExtendedKeyUsage`.
    SEALCHECK_RESULT_EXTENDED_KEY_USAGE = 7119,
    /// Rejected: `Error::ChainTooDeep`.
    SEALCHECK_RESULT_CHAIN_TOO_DEEP = 7120,
    /// Rejected: `Error::UnknownLog`.
    SEALCHECK_RESULT_UNKNOWN_LOG = 7121,
    /// Rejected: `Error::KeyOutsideValidity`.
    SEALCHECK_RESULT_KEY_OUTSIDE_VALIDITY = 7122,
    /// Rejected: `Error::InvalidSignedEntryTimestamp`.
    SEALCHECK_RESULT_INVALID_SIGNED_ENTRY_TIMESTAMP = 7123,
    /// Rejected: `Error::TlogBodyMismatch`.
    SEALCHECK_RESULT_TLOG_BODY_MISMATCH = 7124,
    /// Rejected: `Error::UnsupportedEntry`.
    SEALCHECK_RESULT_UNSUPPORTED_ENTRY = 7125,
    /// Rejected: `Error::InclusionProof`.
    SEALCHECK_RESULT_INCLUSION_PROOF = 7126,
    /// Rejected: `Error::Checkpoint`.
    SEALCHECK_RESULT_CHECKPOINT = 7127,
    /// Rejected: `Error::CheckpointSignature`.
    SEALCHECK_RESULT_CHECKPOINT_SIGNATURE = 7128,
    /// Rejected: `Error::MissingEvidence`.
    SEALCHECK_RESULT_MISSING_EVIDENCE = 7129,
    /// Rejected: `Error::Timestamp`.
    SEALCHECK_RESULT_TIMESTAMP = 7130,
    /// Rejected: `Error::TimestampImprint`.
    SEALCHECK_RESULT_TIMESTAMP_IMPRINT = 7131,
    /// Rejected: `Error::UnknownTimestampAuthority`.
    SEALCHECK_RESULT_UNKNOWN_TIMESTAMP_AUTHORITY = 7132,
    /// Rejected: `Error::SigningTimeOutsideCertificate`.
    SEALCHECK_RESULT_SIGNING_TIME_OUTSIDE_CERTIFICATE = 7133,
    /// Rejected: `Error::TimeInFuture`.
    SEALCHECK_RESULT_TIME_IN_FUTURE = 7134,
    /// Rejected: `Error::Threshold`.
    SEALCHECK_RESULT_THRESHOLD = 7135,
    /// Rejected: `Error::UnknownCtLog`.
    SEALCHECK_RESULT_UNKNOWN_CT_LOG = 7136,
    /// Rejected: `Error::SctSignature`.
    SEALCHECK_RESULT_SCT_SIGNATURE = 7137,
    /// Rejected: `Error::ArtifactMismatch`.
    SEALCHECK_RESULT_ARTIFACT_MISMATCH = 7138,
    /// Rejected: `Error::Dsse`.
    SEALCHECK_RESULT_DSSE = 7139,
    /// Rejected: `Error::InToto`.
    SEALCHECK_RESULT_IN_TOTO = 7140,
    /// Rejected: `Error::NotASignature`.
    SEALCHECK_RESULT_NOT_A_SIGNATURE = 7141,
    /// Rejected: `Error::IdentityMismatch`.
    SEALCHECK_RESULT_IDENTITY_MISMATCH = 7142,
    /// Rejected: `Error::IssuerMismatch`.
    SEALCHECK_RESULT_ISSUER_MISMATCH = 7143,
    /// Rejected: `Error::ExtensionMismatch`.
    SEALCHECK_RESULT_EXTENSION_MISMATCH = 7144,
    /// An identity regexp that does not compile (an input error): `Error::InvalidRegex`.
    SEALCHECK_RESULT_INVALID_REGEX = 7145,
    /// Rejected: `Error::SignerMismatch`.
    SEALCHECK_RESULT_SIGNER_MISMATCH = 7146,
    /// Rejected: `Error::Envelope`.
    SEALCHECK_RESULT_ENVELOPE = 7147,
    /// Rejected: `Error::SignatureExpired`.
    SEALCHECK_RESULT_SIGNATURE_EXPIRED = 7148,
    /// Rejected: `Error::NotInTrustStore`.
    SEALCHECK_RESULT_NOT_IN_TRUST_STORE = 7149,
    /// Rejected: `Error::Revoked`.
    SEALCHECK_RESULT_REVOKED = 7150,
    /// Rejected: `Error::RevocationUnknown`.
    SEALCHECK_RESULT_REVOCATION_UNKNOWN = 7151,
    /// Rejected: `Error::NoApplicablePolicy`.
    SEALCHECK_RESULT_NO_APPLICABLE_POLICY = 7152,
}

impl sealcheck_result {
    /// Every value, for the table test and `sealcheck_error_message`.
    const ALL: [Self; 69] = {
        use sealcheck_result as R;
        [
            R::SEALCHECK_RESULT_OK,
            R::SEALCHECK_RESULT_NULL_PARAMETER,
            R::SEALCHECK_RESULT_INVALID_UTF8,
            R::SEALCHECK_RESULT_PANIC,
            R::SEALCHECK_RESULT_BUFFER_TOO_SMALL,
            R::SEALCHECK_RESULT_INVALID_PARAMETER,
            R::SEALCHECK_RESULT_INVALID_HANDLE,
            R::SEALCHECK_RESULT_IO,
            R::SEALCHECK_RESULT_NOT_FOUND,
            R::SEALCHECK_RESULT_TRUSTED_ROOT_INVALID,
            R::SEALCHECK_RESULT_POLICY_INVALID,
            R::SEALCHECK_RESULT_KEY_INVALID,
            R::SEALCHECK_RESULT_REFERENCE_INVALID,
            R::SEALCHECK_RESULT_IDENTITY_INVALID,
            R::SEALCHECK_RESULT_IMAGE_SOURCE_INVALID,
            R::SEALCHECK_RESULT_ARTIFACT_INVALID,
            R::SEALCHECK_RESULT_LIMIT_EXCEEDED,
            R::SEALCHECK_RESULT_JSON,
            R::SEALCHECK_RESULT_ENCODING,
            R::SEALCHECK_RESULT_DER,
            R::SEALCHECK_RESULT_UNSUPPORTED_MEDIA_TYPE,
            R::SEALCHECK_RESULT_BUNDLE_STRUCTURE,
            R::SEALCHECK_RESULT_TRUSTED_ROOT,
            R::SEALCHECK_RESULT_TIME,
            R::SEALCHECK_RESULT_UNSUPPORTED_ALGORITHM,
            R::SEALCHECK_RESULT_INVALID_KEY,
            R::SEALCHECK_RESULT_BAD_SIGNATURE,
            R::SEALCHECK_RESULT_UNKNOWN_ISSUER,
            R::SEALCHECK_RESULT_CERTIFICATE_NOT_VALID_AT,
            R::SEALCHECK_RESULT_AUTHORITY_OUTSIDE_VALIDITY,
            R::SEALCHECK_RESULT_CHAIN_CONTAINS_ROOT,
            R::SEALCHECK_RESULT_NOT_A_CA,
            R::SEALCHECK_RESULT_PATH_LEN_EXCEEDED,
            R::SEALCHECK_RESULT_UNKNOWN_CRITICAL_EXTENSION,
            R::SEALCHECK_RESULT_KEY_USAGE,
            R::SEALCHECK_RESULT_EXTENDED_KEY_USAGE,
            R::SEALCHECK_RESULT_CHAIN_TOO_DEEP,
            R::SEALCHECK_RESULT_UNKNOWN_LOG,
            R::SEALCHECK_RESULT_KEY_OUTSIDE_VALIDITY,
            R::SEALCHECK_RESULT_INVALID_SIGNED_ENTRY_TIMESTAMP,
            R::SEALCHECK_RESULT_TLOG_BODY_MISMATCH,
            R::SEALCHECK_RESULT_UNSUPPORTED_ENTRY,
            R::SEALCHECK_RESULT_INCLUSION_PROOF,
            R::SEALCHECK_RESULT_CHECKPOINT,
            R::SEALCHECK_RESULT_CHECKPOINT_SIGNATURE,
            R::SEALCHECK_RESULT_MISSING_EVIDENCE,
            R::SEALCHECK_RESULT_TIMESTAMP,
            R::SEALCHECK_RESULT_TIMESTAMP_IMPRINT,
            R::SEALCHECK_RESULT_UNKNOWN_TIMESTAMP_AUTHORITY,
            R::SEALCHECK_RESULT_SIGNING_TIME_OUTSIDE_CERTIFICATE,
            R::SEALCHECK_RESULT_TIME_IN_FUTURE,
            R::SEALCHECK_RESULT_THRESHOLD,
            R::SEALCHECK_RESULT_UNKNOWN_CT_LOG,
            R::SEALCHECK_RESULT_SCT_SIGNATURE,
            R::SEALCHECK_RESULT_ARTIFACT_MISMATCH,
            R::SEALCHECK_RESULT_DSSE,
            R::SEALCHECK_RESULT_IN_TOTO,
            R::SEALCHECK_RESULT_NOT_A_SIGNATURE,
            R::SEALCHECK_RESULT_IDENTITY_MISMATCH,
            R::SEALCHECK_RESULT_ISSUER_MISMATCH,
            R::SEALCHECK_RESULT_EXTENSION_MISMATCH,
            R::SEALCHECK_RESULT_INVALID_REGEX,
            R::SEALCHECK_RESULT_SIGNER_MISMATCH,
            R::SEALCHECK_RESULT_ENVELOPE,
            R::SEALCHECK_RESULT_SIGNATURE_EXPIRED,
            R::SEALCHECK_RESULT_NOT_IN_TRUST_STORE,
            R::SEALCHECK_RESULT_REVOKED,
            R::SEALCHECK_RESULT_REVOCATION_UNKNOWN,
            R::SEALCHECK_RESULT_NO_APPLICABLE_POLICY,
        ]
    };

    /// The result for a core error code (a code the core never returns maps to
    /// `INVALID_PARAMETER`; a test checks there is none).
    fn from_code(code: u32) -> Self {
        Self::ALL.iter().copied().find(|r| *r as u32 == code).unwrap_or(Self::SEALCHECK_RESULT_INVALID_PARAMETER)
    }
}

/// Runs `f` behind the panic guard.
fn guard(f: impl FnOnce() -> sealcheck_result) -> sealcheck_result {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(sealcheck_result::SEALCHECK_RESULT_PANIC)
}

macro_rules! try_ffi {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

/// A borrowed byte view.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sealcheck_bytes {
    /// First byte; may be NULL only when `len` is 0.
    pub data: *const u8,
    /// Length in bytes.
    pub len: usize,
}

/// Borrows `(ptr, len)` for the duration of a call.
unsafe fn slice<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], sealcheck_result> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER) };
    }
    // SAFETY: the caller guarantees `ptr` points to `len` readable bytes for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

unsafe fn text<'a>(ptr: *const u8, len: usize) -> Result<&'a str, sealcheck_result> {
    std::str::from_utf8(unsafe { slice(ptr, len) }?).map_err(|_| sealcheck_result::SEALCHECK_RESULT_INVALID_UTF8)
}

/// Borrows `n` byte views, at most `max` of them.
unsafe fn views<'a>(ptr: *const sealcheck_bytes, n: usize, max: usize) -> Result<Vec<&'a [u8]>, sealcheck_result> {
    if n > max {
        return Err(sealcheck_result::SEALCHECK_RESULT_LIMIT_EXCEEDED);
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER);
    }
    // SAFETY: the caller guarantees `ptr` points to `n` views for the call.
    let list = unsafe { std::slice::from_raw_parts(ptr, n) };
    list.iter().map(|b| unsafe { slice(b.data, b.len) }).collect()
}

/// A handle type (rustls-ffi's `Castable`): an opaque C type for a Rust value, boxed with a magic
/// word in front.
trait Handle {
    /// What the handle holds.
    type Inner;
    /// This type's magic word while the handle is alive.
    const MAGIC: u64;
}

/// The allocation behind a handle: the magic word first (`#[repr(C)]`), then the value.
#[repr(C)]
struct Live<T> {
    magic: u64,
    value: T,
}

/// Written over a handle's magic word when it is freed.
const FREED: u64 = 0x4652_4545_4445_4144; // "FREEDEAD"

/// Borrows a handle's value: NULL, misaligned, freed or wrong-type handles are refused.
unsafe fn handle<'a, T: Handle>(p: *const T) -> Result<&'a T::Inner, sealcheck_result> {
    if p.is_null() {
        return Err(sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER);
    }
    let live = p.cast::<Live<T::Inner>>();
    if !live.is_aligned() {
        return Err(sealcheck_result::SEALCHECK_RESULT_INVALID_HANDLE);
    }
    // SAFETY: the caller passes a pointer this library returned (caller contract); the magic
    // word is the first field of every handle's allocation, read before anything else.
    if unsafe { live.cast::<u64>().read_volatile() } != T::MAGIC {
        return Err(sealcheck_result::SEALCHECK_RESULT_INVALID_HANDLE);
    }
    // SAFETY: as above; the magic word says it is a live handle of this type.
    Ok(unsafe { &(*live).value })
}

/// Boxes a new handle.
fn new_handle<T: Handle>(value: T::Inner) -> *mut T {
    Box::into_raw(Box::new(Live { magic: T::MAGIC, value })).cast()
}

/// Frees a handle made by [`new_handle`]: NULL, freed and wrong-type handles are ignored.
unsafe fn free_handle<T: Handle>(p: *mut T) {
    // SAFETY: see `handle`.
    if unsafe { handle(p.cast_const()) }.is_err() {
        return;
    }
    let live = p.cast::<Live<T::Inner>>();
    // SAFETY: a live handle of this type, made by `Box::into_raw`; poisoned, then dropped once.
    let _ = catch_unwind(AssertUnwindSafe(|| unsafe {
        live.cast::<u64>().write_volatile(FREED);
        drop(Box::from_raw(live));
    }));
}

/// Writes `v` through a non-NULL out-pointer.
unsafe fn out<T>(p: *mut T, v: T) -> sealcheck_result {
    // SAFETY: checked non-NULL by the caller of this helper; the caller owns the storage.
    unsafe { p.write(v) };
    sealcheck_result::SEALCHECK_RESULT_OK
}

/// The result for `e`; its detail goes to `*out_error` when that is not NULL.
unsafe fn fail(e: &Error, out_error: *mut *mut sealcheck_buffer) -> sealcheck_result {
    if !out_error.is_null() {
        let detail = serde_json::json!({"code": e.code(), "class": e.class(), "kind": e.cause().kind(), "message": e.to_string()});
        // SAFETY: non-NULL; the caller owns the storage.
        unsafe { out_error.write(buffer(detail.to_string())) };
    }
    sealcheck_result::from_code(e.code())
}

/// The C library (and the Go binding over it) verifies with AWS-LC.
const PROVIDER: CryptoProvider = CryptoProvider::aws_lc();

// ---- version, errors, buffers ------------------------------------------------------------

/// The library version, a static NUL-terminated string (never freed).
#[unsafe(no_mangle)]
pub extern "C" fn sealcheck_version() -> *const std::ffi::c_char {
    concat!("sealcheck/", env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Writes a NUL-terminated description of `result` into `buf` (capacity `len`), and its length
/// (without NUL) into `*out_n`. `SEALCHECK_RESULT_BUFFER_TOO_SMALL` if it does not fit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_error_message(result: u32, buf: *mut std::ffi::c_char, len: usize, out_n: *mut usize) -> sealcheck_result {
    guard(|| {
        if buf.is_null() || out_n.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let msg = message(result);
        if msg.len() + 1 > len {
            return sealcheck_result::SEALCHECK_RESULT_BUFFER_TOO_SMALL;
        }
        // SAFETY: `buf` has room for `len` bytes (caller contract), checked above.
        unsafe {
            std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), msg.len());
            buf.add(msg.len()).write(0);
            out(out_n, msg.len())
        }
    })
}

fn message(result: u32) -> String {
    match result {
        7000 => "ok".into(),
        7001 => "a required pointer was NULL".into(),
        7002 => "a text argument is not UTF-8".into(),
        7003 => "a panic was caught at the library boundary".into(),
        7004 => "the buffer is too small".into(),
        7006 => "not a live handle of the expected type (freed, or another type)".into(),
        code => match Error::CODES.iter().find(|(c, _)| *c == code) {
            Some((_, name)) => {
                let what = name.to_ascii_lowercase().replace('_', " ");
                match Error::class_of_code(code) {
                    sealcheck::ErrorClass::Input => format!("input error: {what}"),
                    sealcheck::ErrorClass::Rejection => format!("rejected: {what}"),
                }
            }
            None => "unknown result code".into(),
        },
    }
}

/// An owned output buffer (JSON, or the text a call says); free it with `sealcheck_buffer_free`.
pub struct sealcheck_buffer {
    _private: [u8; 0],
}

impl Handle for sealcheck_buffer {
    type Inner = Vec<u8>;
    const MAGIC: u64 = 0x5343_4b42_5546_4631; // "SCKBUFF1"
}

/// The buffer's bytes (valid until it is freed). NULL for a NULL buffer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_buffer_data(buf: *const sealcheck_buffer) -> *const u8 {
    // SAFETY: see `handle`.
    catch_unwind(AssertUnwindSafe(|| unsafe { handle(buf) }.map_or(std::ptr::null(), Vec::as_ptr))).unwrap_or(std::ptr::null())
}

/// The buffer's length in bytes; 0 for a NULL buffer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_buffer_len(buf: *const sealcheck_buffer) -> usize {
    // SAFETY: see `handle`.
    catch_unwind(AssertUnwindSafe(|| unsafe { handle(buf) }.map_or(0, Vec::len))).unwrap_or(0)
}

/// Frees a buffer. NULL (and an already freed buffer) is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_buffer_free(buf: *mut sealcheck_buffer) {
    // SAFETY: see `free_handle`.
    unsafe { free_handle(buf) }
}

fn buffer(json: String) -> *mut sealcheck_buffer {
    new_handle::<sealcheck_buffer>(json.into_bytes())
}

// ---- trusted roots -----------------------------------------------------------------------

/// A loaded, link-verified Sigstore trusted root. Immutable; shareable across threads.
pub struct sealcheck_trusted_root {
    _private: [u8; 0],
}

impl Handle for sealcheck_trusted_root {
    type Inner = Arc<TrustedRoot>;
    const MAGIC: u64 = 0x5343_4b52_4f4f_5431; // "SCKROOT1"
}

unsafe fn root_out(choice: RootChoice<'_>, out_root: *mut *mut sealcheck_trusted_root, out_error: *mut *mut sealcheck_buffer) -> sealcheck_result {
    match verifier::trusted_root(choice, &PROVIDER) {
        Ok(root) => unsafe { out(out_root, new_handle::<sealcheck_trusted_root>(root)) },
        Err(e) => unsafe { fail(&e, out_error) },
    }
}

/// Loads a `trusted_root.json`. On success `*out_root` owns a handle to free with
/// `sealcheck_trusted_root_free`; on failure `*out_error` (if not NULL) receives the detail.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_trusted_root_new(
    json: *const u8,
    json_len: usize,
    out_root: *mut *mut sealcheck_trusted_root,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        if out_root.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let bytes = try_ffi!(unsafe { slice(json, json_len) });
        unsafe { root_out(RootChoice::Json(bytes), out_root, out_error) }
    })
}

/// The embedded Sigstore public-good root (`production` true) or staging root.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_trusted_root_embedded(production: bool, out_root: *mut *mut sealcheck_trusted_root) -> sealcheck_result {
    guard(|| {
        if out_root.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let choice = if production { RootChoice::PublicGood } else { RootChoice::Staging };
        unsafe { root_out(choice, out_root, std::ptr::null_mut()) }
    })
}

/// Frees a trusted root. NULL (and an already freed root) is accepted. Verifiers made from it
/// stay valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_trusted_root_free(root: *mut sealcheck_trusted_root) {
    // SAFETY: see `free_handle`.
    unsafe { free_handle(root) }
}

// ---- bundle verification -----------------------------------------------------------------

/// A verifier over one trusted root (default thresholds). Immutable; shareable across threads.
pub struct sealcheck_verifier {
    _private: [u8; 0],
}

impl Handle for sealcheck_verifier {
    type Inner = BundleVerifier;
    const MAGIC: u64 = 0x5343_4b56_4552_4931; // "SCKVERI1"
}

/// Makes a verifier; it keeps its own reference to the root.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_verifier_new(root: *const sealcheck_trusted_root, out_verifier: *mut *mut sealcheck_verifier) -> sealcheck_result {
    guard(|| {
        let root = try_ffi!(unsafe { handle(root) });
        if out_verifier.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        unsafe { out(out_verifier, new_handle::<sealcheck_verifier>(BundleVerifier::new(Arc::clone(root), PROVIDER))) }
    })
}

/// Frees a verifier. NULL (and an already freed verifier) is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_verifier_free(v: *mut sealcheck_verifier) {
    // SAFETY: see `free_handle`.
    unsafe { free_handle(v) }
}

/// `artifact` holds the artifact's bytes.
pub const SEALCHECK_ARTIFACT_BYTES: u32 = 0;
/// `artifact` holds a digest as text: `sha256:HEX`, `sha384:HEX` or `sha512:HEX`.
pub const SEALCHECK_ARTIFACT_DIGEST: u32 = 1;
/// Flag: the SAN is a regular expression matched against the whole value.
pub const SEALCHECK_SAN_REGEXP: u32 = 1;
/// Flag: the issuer is a regular expression matched against the whole value.
pub const SEALCHECK_ISSUER_REGEXP: u32 = 2;

unsafe fn artifact_from<'a>(ptr: *const u8, len: usize, kind: u32) -> Result<Result<Artifact<'a>, Error>, sealcheck_result> {
    let bytes = unsafe { slice(ptr, len) }?;
    match kind {
        SEALCHECK_ARTIFACT_BYTES => Ok(Ok(Artifact::Bytes(bytes))),
        SEALCHECK_ARTIFACT_DIGEST => {
            let s = std::str::from_utf8(bytes).map_err(|_| sealcheck_result::SEALCHECK_RESULT_INVALID_UTF8)?;
            Ok(match verifier::artifact_digest(s) {
                Ok(Some(d)) => Ok(Artifact::Digest(d)),
                Ok(None) => Err(Error::Usage(format!("artifact digest {s:?}: expected ALG:HEX")).loading(sealcheck::Input::Artifact, "artifact digest")),
                Err(e) => Err(e),
            })
        }
        _ => Err(sealcheck_result::SEALCHECK_RESULT_INVALID_PARAMETER),
    }
}

unsafe fn run_verify(
    v: &BundleVerifier,
    bundle: &[u8],
    artifact: &Artifact<'_>,
    signers: &Signers,
    now: i64,
    out_report: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    match v.verify(bundle, artifact, signers, UnixTime::from_secs(now)) {
        Ok(r) => {
            if out_report.is_null() {
                return sealcheck_result::SEALCHECK_RESULT_OK;
            }
            let json = serde_json::to_string(&r).unwrap_or_default();
            unsafe { out(out_report, buffer(json)) }
        }
        Err(e) => unsafe { fail(&e, out_error) },
    }
}

/// Verifies a Sigstore bundle signed by a Fulcio certificate with the given identity (SAN and
/// OIDC issuer; `flags` may mark either as a whole-value regexp). Returns `SEALCHECK_RESULT_OK`
/// when verified, else the code of the reason. On success, if `out_report` is not NULL,
/// `*out_report` owns the verified result as JSON; on failure, if `out_error` is not NULL,
/// `*out_error` owns the detail.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_verifier_verify_bundle(
    v: *const sealcheck_verifier,
    bundle: *const u8,
    bundle_len: usize,
    artifact: *const u8,
    artifact_len: usize,
    artifact_kind: u32,
    san: *const u8,
    san_len: usize,
    issuer: *const u8,
    issuer_len: usize,
    flags: u32,
    now: i64,
    out_report: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        let v = try_ffi!(unsafe { handle(v) });
        let bundle = try_ffi!(unsafe { slice(bundle, bundle_len) });
        let artifact = try_ffi!(unsafe { artifact_from(artifact, artifact_len, artifact_kind) });
        let (san, issuer) = (try_ffi!(unsafe { text(san, san_len) }), try_ffi!(unsafe { text(issuer, issuer_len) }));
        if flags & !(SEALCHECK_SAN_REGEXP | SEALCHECK_ISSUER_REGEXP) != 0 {
            return sealcheck_result::SEALCHECK_RESULT_INVALID_PARAMETER;
        }
        let signers = verifier::matcher("SAN", san, flags & SEALCHECK_SAN_REGEXP != 0)
            .and_then(|s| Ok(CertificateIdentity::new(s, verifier::matcher("issuer", issuer, flags & SEALCHECK_ISSUER_REGEXP != 0)?)));
        match (signers, artifact) {
            (Ok(id), Ok(artifact)) => unsafe { run_verify(v, bundle, &artifact, &Signers::Certificate(id), now, out_report, out_error) },
            (Err(e), _) | (_, Err(e)) => unsafe { fail(&e, out_error) },
        }
    })
}

/// Verifies a Sigstore bundle signed by the PEM public key `key_pem`. Results as
/// `sealcheck_verifier_verify_bundle`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_verifier_verify_bundle_with_key(
    v: *const sealcheck_verifier,
    bundle: *const u8,
    bundle_len: usize,
    artifact: *const u8,
    artifact_len: usize,
    artifact_kind: u32,
    key_pem: *const u8,
    key_pem_len: usize,
    now: i64,
    out_report: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        let v = try_ffi!(unsafe { handle(v) });
        let bundle = try_ffi!(unsafe { slice(bundle, bundle_len) });
        let artifact = try_ffi!(unsafe { artifact_from(artifact, artifact_len, artifact_kind) });
        let pem = try_ffi!(unsafe { slice(key_pem, key_pem_len) });
        match (verifier::public_key_pem("key", pem), artifact) {
            (Ok(key), Ok(artifact)) => {
                let signers = Signers::Keys(vec![TrustedKey::new(PROVIDER.backend(), key)]);
                unsafe { run_verify(v, bundle, &artifact, &signers, now, out_report, out_error) }
            }
            (Err(e), _) | (_, Err(e)) => unsafe { fail(&e, out_error) },
        }
    })
}

// ---- image decisions ---------------------------------------------------------------------

/// A compiled image policy: a containers-policy.json (`sealcheck_policy_new`; the files it names
/// were read when it was made) or a Notary trust policy with its trust store and CRLs
/// (`sealcheck_notation_policy_new*`). Immutable; shareable across threads.
pub struct sealcheck_policy {
    _private: [u8; 0],
}

impl Handle for sealcheck_policy {
    type Inner = ImageVerifier;
    const MAGIC: u64 = 0x5343_4b50_4f4c_4931; // "SCKPOLI1"
}

/// Compiles a containers-policy.json(5), reading the key and CA files it names. On failure
/// `*out_error` (if not NULL) receives the detail (which file, why).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_policy_new(
    json: *const u8,
    json_len: usize,
    out_policy: *mut *mut sealcheck_policy,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        if out_policy.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let bytes = try_ffi!(unsafe { slice(json, json_len) });
        match verifier::containers_policy(bytes, &FsFiles, &PROVIDER) {
            Ok(p) => unsafe { out(out_policy, new_handle::<sealcheck_policy>(ImageVerifier::new(Arc::new(p), PROVIDER))) },
            Err(e) => unsafe { fail(&e, out_error) },
        }
    })
}

/// One Notary trust store entry: the certificates of one named store, as a trust store
/// directory holds them in `x509/<type>/<name>/` (one file's worth; several entries may name the
/// same store).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sealcheck_trust_store_entry {
    /// The store, `type:name` (UTF-8): `ca:acme`, `signingAuthority:acme` or `tsa:acme`.
    pub store: sealcheck_bytes,
    /// One or more certificates, PEM or DER.
    pub certificates: sealcheck_bytes,
}

/// A Notary signature found for an image: the one layer of its signature manifest.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sealcheck_notary_signature {
    /// The layer's media type (UTF-8): `application/jose+json` or `application/cose`.
    pub media_type: sealcheck_bytes,
    /// The layer's bytes (the signature envelope).
    pub envelope: sealcheck_bytes,
}

/// Borrows `n` items of a C array, at most `max` of them.
unsafe fn array<'a, T>(ptr: *const T, n: usize, max: usize) -> Result<&'a [T], sealcheck_result> {
    if n > max {
        return Err(sealcheck_result::SEALCHECK_RESULT_LIMIT_EXCEEDED);
    }
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER);
    }
    // SAFETY: the caller guarantees `ptr` points to `n` items for the call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// CRL files (DER or PEM), named `crl N` in errors, each borrowed for the call.
unsafe fn crl_files<'a>(crls: *const sealcheck_bytes, n: usize) -> Result<Vec<(String, &'a [u8])>, sealcheck_result> {
    let files = unsafe { views(crls, n, sealcheck::limits::MAX_TRUST_STORE_CERTIFICATES) }?;
    Ok(files.into_iter().enumerate().map(|(i, b)| (format!("crl {i}"), b)).collect())
}

/// Compiles a Notary trust policy and makes the policy handle, as `sealcheck_policy_new` does
/// for a containers policy.
unsafe fn notation_out(
    json: &[u8],
    store: Result<sealcheck::notation::truststore::TrustStore, Error>,
    crls: &[(String, &[u8])],
    out_policy: *mut *mut sealcheck_policy,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    let named: Vec<(&str, &[u8])> = crls.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let policy = store.and_then(|store| Ok((store, verifier::crls(&named)?))).and_then(|(store, crls)| verifier::notation_policy(json, store, crls));
    match policy {
        Ok(p) => unsafe { out(out_policy, new_handle::<sealcheck_policy>(ImageVerifier::new(Arc::new(p), PROVIDER))) },
        Err(e) => unsafe { fail(&e, out_error) },
    }
}

/// Compiles a Notary trust policy (`trustpolicy.json`, OCI document v1.0) with the trust store
/// given in memory (`n_entries` entries, each a store `type:name` and its PEM or DER
/// certificates) and `n_crls` CRLs (DER or PEM `X509 CRL`; may be NULL with 0). The policy handle
/// is used as one from `sealcheck_policy_new`: images are decided with `sealcheck_policy_decide*`
/// (Notary signatures come from an OCI layout, or are passed to
/// `sealcheck_policy_decide_with_notary`). A policy, certificate or CRL that does not load is
/// `SEALCHECK_RESULT_POLICY_INVALID`, a store not named `type:name` with a known type
/// `SEALCHECK_RESULT_INVALID_PARAMETER`; `*out_error` (if not NULL) receives the detail.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_notation_policy_new(
    policy_json: *const u8,
    policy_json_len: usize,
    entries: *const sealcheck_trust_store_entry,
    n_entries: usize,
    crls: *const sealcheck_bytes,
    n_crls: usize,
    out_policy: *mut *mut sealcheck_policy,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        if out_policy.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let json = try_ffi!(unsafe { slice(policy_json, policy_json_len) });
        let list = try_ffi!(unsafe { array(entries, n_entries, sealcheck::limits::MAX_TRUST_STORE_CERTIFICATES) });
        let mut store: Vec<(&str, &[u8])> = Vec::with_capacity(list.len());
        for e in list {
            let name = try_ffi!(unsafe { text(e.store.data, e.store.len) });
            store.push((name, try_ffi!(unsafe { slice(e.certificates.data, e.certificates.len) })));
        }
        let crls = try_ffi!(unsafe { crl_files(crls, n_crls) });
        unsafe { notation_out(json, verifier::notation_trust_store_from(&store, &PROVIDER), &crls, out_policy, out_error) }
    })
}

/// Compiles a Notary trust policy with the trust store directory `trust_store_dir` (notation's
/// `truststore`: `x509/{ca,signingAuthority,tsa}/<name>/*`) and CRLs, as
/// `sealcheck_notation_policy_new`. An empty path is `SEALCHECK_RESULT_INVALID_PARAMETER`; a
/// directory that does not exist or cannot be read is `SEALCHECK_RESULT_POLICY_INVALID`, with the
/// detail (kind `NotFound`, `Io`, …) in `*out_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_notation_policy_new_dir(
    policy_json: *const u8,
    policy_json_len: usize,
    trust_store_dir: *const u8,
    trust_store_dir_len: usize,
    crls: *const sealcheck_bytes,
    n_crls: usize,
    out_policy: *mut *mut sealcheck_policy,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        if out_policy.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let json = try_ffi!(unsafe { slice(policy_json, policy_json_len) });
        let dir = try_ffi!(unsafe { text(trust_store_dir, trust_store_dir_len) });
        if dir.is_empty() {
            // An empty path would mean the current directory.
            return sealcheck_result::SEALCHECK_RESULT_INVALID_PARAMETER;
        }
        let crls = try_ffi!(unsafe { crl_files(crls, n_crls) });
        unsafe { notation_out(json, verifier::notation_trust_store(std::path::Path::new(dir), &PROVIDER), &crls, out_policy, out_error) }
    })
}

/// Frees a policy. NULL (and an already freed policy) is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_policy_free(p: *mut sealcheck_policy) {
    // SAFETY: see `free_handle`.
    unsafe { free_handle(p) }
}

unsafe fn decision_out(d: sealcheck::Decision, out_allowed: *mut bool, out_record: *mut *mut sealcheck_buffer) -> sealcheck_result {
    let json = serde_json::to_string(&d).unwrap_or_default();
    unsafe {
        out(out_allowed, d.allowed);
        out(out_record, buffer(json))
    }
}

/// Evidence the caller fetched, with its Notary signatures (media type, envelope): the core's
/// in-memory evidence, plus one Notary item per signature, within the same bounds as a layout's.
fn evidence(reference: &str, manifest: &[u8], sigs: &[&[u8]], bundles: &[&[u8]], notary: &[(&str, &[u8])]) -> Result<sealcheck::ImageEvidence, Error> {
    let mut image = verifier::image_evidence(reference, (!manifest.is_empty()).then_some(manifest), sigs, bundles)?;
    let add = |image: &mut sealcheck::ImageEvidence| -> Result<(), Error> {
        for (i, (media_type, envelope)) in notary.iter().enumerate() {
            image.reserve((media_type.len() + envelope.len()) as u64)?;
            let item = sealcheck::oci::EvidenceItem::Notary { media_type: (*media_type).to_string(), envelope: envelope.to_vec() };
            image.push(item, format!("notary signature {i}"))?;
        }
        Ok(())
    };
    add(&mut image).map_err(|e| e.loading(sealcheck::Input::ImageSource, "image evidence"))?;
    Ok(image)
}

/// The shared body of `sealcheck_policy_decide` and `sealcheck_policy_decide_with_notary`
/// (their parameters, the `(pointer, length)` pairs grouped).
#[allow(clippy::too_many_arguments)]
unsafe fn decide_in_memory(
    p: *const sealcheck_policy,
    reference: (*const u8, usize),
    manifest: (*const u8, usize),
    signatures: (*const sealcheck_bytes, usize),
    bundles: (*const sealcheck_bytes, usize),
    notary: (*const sealcheck_notary_signature, usize),
    now: i64,
    out_allowed: *mut bool,
    out_record: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    let p = try_ffi!(unsafe { handle(p) });
    if out_allowed.is_null() || out_record.is_null() {
        return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
    }
    let reference = try_ffi!(unsafe { text(reference.0, reference.1) });
    let manifest = try_ffi!(unsafe { slice(manifest.0, manifest.1) });
    let max = sealcheck::limits::MAX_IMAGE_SIGNATURES;
    let sigs = try_ffi!(unsafe { views(signatures.0, signatures.1, 2 * max) });
    let bundles = try_ffi!(unsafe { views(bundles.0, bundles.1, max) });
    let mut notaries: Vec<(&str, &[u8])> = Vec::with_capacity(notary.1.min(max));
    for n in try_ffi!(unsafe { array(notary.0, notary.1, max) }) {
        let media_type = try_ffi!(unsafe { text(n.media_type.data, n.media_type.len) });
        notaries.push((media_type, try_ffi!(unsafe { slice(n.envelope.data, n.envelope.len) })));
    }
    match evidence(reference, manifest, &sigs, &bundles, &notaries) {
        Ok(image) => unsafe { decision_out(p.decide(&image, UnixTime::from_secs(now)), out_allowed, out_record) },
        Err(e) => unsafe { fail(&e, out_error) },
    }
}

/// Decides whether an image may run, from evidence the caller fetched: the reference asked
/// about, the manifest bytes, signatures and attestations in the containers storage form
/// (`\0sigstore-json\n{…}`, as containers/image keeps them; a DSSE `mimeType` is an attestation),
/// and Sigstore bundles found as referrers. `SEALCHECK_RESULT_OK` means a decision was made:
/// `*out_allowed` says which, and `*out_record` owns the decision record (JSON) explaining it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_policy_decide(
    p: *const sealcheck_policy,
    reference: *const u8,
    reference_len: usize,
    manifest: *const u8,
    manifest_len: usize,
    signatures: *const sealcheck_bytes,
    signatures_len: usize,
    bundles: *const sealcheck_bytes,
    bundles_len: usize,
    now: i64,
    out_allowed: *mut bool,
    out_record: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| unsafe {
        decide_in_memory(
            p,
            (reference, reference_len),
            (manifest, manifest_len),
            (signatures, signatures_len),
            (bundles, bundles_len),
            (std::ptr::null(), 0),
            now,
            out_allowed,
            out_record,
            out_error,
        )
    })
}

/// `sealcheck_policy_decide`, with the Notary signatures found for the image as well
/// (`notary_len` of them, each the layer media type and envelope of a signature manifest whose
/// subject is the manifest; may be NULL with 0). Results as `sealcheck_policy_decide`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_policy_decide_with_notary(
    p: *const sealcheck_policy,
    reference: *const u8,
    reference_len: usize,
    manifest: *const u8,
    manifest_len: usize,
    signatures: *const sealcheck_bytes,
    signatures_len: usize,
    bundles: *const sealcheck_bytes,
    bundles_len: usize,
    notary: *const sealcheck_notary_signature,
    notary_len: usize,
    now: i64,
    out_allowed: *mut bool,
    out_record: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| unsafe {
        decide_in_memory(
            p,
            (reference, reference_len),
            (manifest, manifest_len),
            (signatures, signatures_len),
            (bundles, bundles_len),
            (notary, notary_len),
            now,
            out_allowed,
            out_record,
            out_error,
        )
    })
}

/// Decides for an image in an OCI layout directory (`path`, optionally `:TAG` or `@DIGEST`
/// appended as for `sealcheck verify oci:…`). Results as `sealcheck_policy_decide`; a layout
/// that cannot be read is `SEALCHECK_RESULT_IMAGE_SOURCE_INVALID`, with the detail in
/// `*out_error`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_policy_decide_oci_layout(
    p: *const sealcheck_policy,
    reference: *const u8,
    reference_len: usize,
    layout: *const u8,
    layout_len: usize,
    now: i64,
    out_allowed: *mut bool,
    out_record: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        let p = try_ffi!(unsafe { handle(p) });
        if out_allowed.is_null() || out_record.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let reference = try_ffi!(unsafe { text(reference, reference_len) });
        let spec = try_ffi!(unsafe { text(layout, layout_len) });
        if spec.is_empty() {
            // An empty path would mean the current directory.
            return sealcheck_result::SEALCHECK_RESULT_INVALID_PARAMETER;
        }
        let image = verifier::image_reference(reference).and_then(|r| verifier::image_source(&format!("oci:{spec}"), r, &PROVIDER));
        match image {
            Ok(image) => unsafe { decision_out(p.decide(&image, UnixTime::from_secs(now)), out_allowed, out_record) },
            Err(e) => unsafe { fail(&e, out_error) },
        }
    })
}

// ---- audit log ---------------------------------------------------------------------------

/// An audit log file held open for appending (`sealcheck::audit::AuditLog`): hash-chained JSON
/// Lines of decision records. Appends from many threads are serialized by a lock inside;
/// other processes appending to the same file are serialized by the file's lock.
pub struct sealcheck_audit_log {
    _private: [u8; 0],
}

impl Handle for sealcheck_audit_log {
    type Inner = std::sync::Mutex<sealcheck::audit::AuditLog>;
    const MAGIC: u64 = 0x5343_4b41_5544_4c31; // "SCKAUDL1"
}

/// The log behind a handle, locked; a lock poisoned by a panic is refused.
unsafe fn audit_log<'a>(log: *const sealcheck_audit_log) -> Result<std::sync::MutexGuard<'a, sealcheck::audit::AuditLog>, sealcheck_result> {
    unsafe { handle(log) }?.lock().map_err(|_| sealcheck_result::SEALCHECK_RESULT_PANIC)
}

/// Opens the audit log at `path` (UTF-8; created when missing) and verifies its whole chain:
/// a log whose chain is broken, or that is not a regular file, is refused with
/// `SEALCHECK_RESULT_IO` (the detail, in `*out_error`, names the first broken record), one
/// over the size limit with `SEALCHECK_RESULT_LIMIT_EXCEEDED`. An empty path is
/// `SEALCHECK_RESULT_INVALID_PARAMETER`. On success `*out_log` owns a handle to free with
/// `sealcheck_audit_log_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_audit_log_open(path: *const u8, path_len: usize, out_log: *mut *mut sealcheck_audit_log, out_error: *mut *mut sealcheck_buffer) -> sealcheck_result {
    guard(|| {
        if out_log.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        let path = try_ffi!(unsafe { text(path, path_len) });
        if path.is_empty() {
            return sealcheck_result::SEALCHECK_RESULT_INVALID_PARAMETER;
        }
        match sealcheck::audit::AuditLog::open(std::path::Path::new(path)) {
            Ok(log) => unsafe { out(out_log, new_handle::<sealcheck_audit_log>(std::sync::Mutex::new(log))) },
            Err(e) => unsafe { fail(&e, out_error) },
        }
    })
}

/// Appends a decision record, as a `sealcheck_policy_decide*` call gave it in `*out_record`
/// (its bytes, `record_len` of them), to the log: one line chained to the last, written and
/// synced before this returns. A record that is not a decision record (not one line of JSON
/// with a decision's fields) is `SEALCHECK_RESULT_INVALID_PARAMETER` and nothing is written; a
/// log changed since it was checked (shortened, replaced, its last record edited, or a
/// broken record appended by another writer) is `SEALCHECK_RESULT_IO` and is not extended.
/// On success, if `out_tail` is not NULL, `*out_tail` owns the new tail as text, as
/// `sealcheck_audit_log_tail` gives it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_audit_log_append(
    log: *const sealcheck_audit_log,
    record: *const u8,
    record_len: usize,
    out_tail: *mut *mut sealcheck_buffer,
    out_error: *mut *mut sealcheck_buffer,
) -> sealcheck_result {
    guard(|| {
        let mut log = try_ffi!(unsafe { audit_log(log) });
        let record = try_ffi!(unsafe { slice(record, record_len) });
        match log.append_json(record) {
            Ok(_) if out_tail.is_null() => sealcheck_result::SEALCHECK_RESULT_OK,
            Ok(tail) => unsafe { out(out_tail, buffer(tail.to_string())) },
            Err(e) => unsafe { fail(&e, out_error) },
        }
    })
}

/// The log's tail as of its open or last append through this handle: `RECORDS:HEX` (the record
/// count, a colon, the SHA-256 of the last line in lowercase hex), as `sealcheck audit verify`
/// prints it and `--expect` reads it. `*out_tail` owns the text (not NUL-terminated).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_audit_log_tail(log: *const sealcheck_audit_log, out_tail: *mut *mut sealcheck_buffer) -> sealcheck_result {
    guard(|| {
        let log = try_ffi!(unsafe { audit_log(log) });
        if out_tail.is_null() {
            return sealcheck_result::SEALCHECK_RESULT_NULL_PARAMETER;
        }
        unsafe { out(out_tail, buffer(log.tail().to_string())) }
    })
}

/// Closes an audit log. NULL (and an already freed log) is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_audit_log_free(log: *mut sealcheck_audit_log) {
    // SAFETY: see `free_handle`.
    unsafe { free_handle(log) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ABI's codes are the core's: every core code has a result value of the same number
    /// and name, and every result value past the ABI's own (7000–7006) is a core code.
    #[test]
    fn results_are_the_core_codes() {
        for (code, name) in Error::CODES {
            let r = sealcheck_result::from_code(*code);
            assert_eq!(r as u32, *code, "no sealcheck_result for core code {code} ({name})");
            assert_eq!(format!("{r:?}"), format!("SEALCHECK_RESULT_{name}"));
            assert_ne!(message(*code), "unknown result code");
        }
        for r in sealcheck_result::ALL {
            let n = r as u32;
            assert!(n <= 7006 || Error::CODES.iter().any(|(c, _)| *c == n), "{r:?} is not a core code");
        }
        // The committed header spells the same numbers.
        let header = include_str!("../../../include/sealcheck.h");
        for (code, name) in Error::CODES {
            assert!(header.contains(&format!("SEALCHECK_RESULT_{name} = {code},")), "header lacks SEALCHECK_RESULT_{name} = {code}");
        }
    }
}
