//! The import-free core module ABI (see `wasm/ABI.md`): exports only, our own memory, no clock,
//! randomness, filesystem or WASI. Every call that can fail returns a packed `u64`
//! `(ptr << 32) | len` of a JSON result in module memory, which the host frees with
//! `sealcheck_free(ptr, len)`. A module instance is single-threaded, as every WASM instance.

use std::alloc::{alloc, dealloc, Layout};
use std::cell::RefCell;

use sealcheck::ImageVerifier;
use sealcheck::BundleVerifier;
use serde_json::{json, Value};

use crate::api::{self, ApiError, CODE_INVALID_INPUT, CODE_OK};

/// ABI version: major 1, minor 1 (1.1: `sealcheck_notation_policy_load`, `notarySignatures`,
/// with the `notation` feature; a module without it speaks 1.1 without them, and refuses
/// `notarySignatures`).
const ABI_VERSION: u32 = 0x0001_0001;
const ALIGN: usize = 8;

enum Loaded {
    Root(Box<BundleVerifier>),
    Policy(Box<ImageVerifier>),
}

thread_local! {
    static HANDLES: RefCell<Vec<Option<Loaded>>> = const { RefCell::new(Vec::new()) };
}

/// The ABI version, `0x00010001`.
#[unsafe(no_mangle)]
pub extern "C" fn sealcheck_abi_version() -> u32 {
    ABI_VERSION
}

/// Allocates `len` bytes (8-aligned) in module memory for the host to write into; 0 on failure.
#[unsafe(no_mangle)]
pub extern "C" fn sealcheck_alloc(len: u32) -> u32 {
    let Ok(layout) = Layout::from_size_align((len as usize).max(1), ALIGN) else { return 0 };
    // SAFETY: the layout has a non-zero size.
    unsafe { alloc(layout) as usize as u32 }
}

/// Frees memory from `sealcheck_alloc` or a returned result (`ptr`, `len` as given).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_free(ptr: u32, len: u32) {
    if ptr == 0 {
        return;
    }
    if let Ok(layout) = Layout::from_size_align((len as usize).max(1), ALIGN) {
        // SAFETY: `ptr` came from `alloc` with this same layout (host contract).
        unsafe { dealloc(ptr as usize as *mut u8, layout) };
    }
}

/// Borrows host-written input.
unsafe fn input<'a>(ptr: u32, len: u32) -> &'a [u8] {
    if ptr == 0 || len == 0 {
        return &[];
    }
    // SAFETY: the host wrote `len` bytes at `ptr`, allocated by `sealcheck_alloc`.
    unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
}

/// Copies `v` as JSON into module memory and packs `(ptr << 32) | len`.
fn output(v: &Value) -> u64 {
    let bytes = serde_json::to_vec(v).unwrap_or_else(|_| br#"{"code":2}"#.to_vec());
    let ptr = sealcheck_alloc(bytes.len() as u32);
    if ptr == 0 {
        return 0;
    }
    // SAFETY: `ptr` has room for `bytes.len()` bytes, just allocated.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr as usize as *mut u8, bytes.len()) };
    (u64::from(ptr) << 32) | bytes.len() as u64
}

fn store(l: Loaded) -> u64 {
    let handle = HANDLES.with(|h| {
        let mut h = h.borrow_mut();
        h.push(Some(l));
        h.len()
    });
    output(&json!({"code": CODE_OK, "handle": handle}))
}

/// Loads a trusted root (`trusted_root.json`, or the text `public-good` / `staging`).
/// Result JSON: `{"code":0,"handle":N}` or `{"code":2,"error":{…}}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_root_load(ptr: u32, len: u32) -> u64 {
    match api::load_root(unsafe { input(ptr, len) }) {
        Ok(r) => store(Loaded::Root(Box::new(r))),
        Err(e) => output(&e.to_json()),
    }
}

/// Loads a containers-policy.json (key material inline: `keyData`, …). Result as for roots.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_policy_load(ptr: u32, len: u32) -> u64 {
    match api::load_policy(unsafe { input(ptr, len) }) {
        Ok(p) => store(Loaded::Policy(Box::new(p))),
        Err(e) => output(&e.to_json()),
    }
}

/// Loads a Notary trust policy with its trust store and CRLs (request: `wasm/ABI.md`), as a
/// policy handle used as one from `sealcheck_policy_load`. Result as for roots. Only in a module
/// built with the `notation` feature (`sealcheck_core_notary.wasm`): without it the export is
/// absent, and hosts see that.
#[cfg(feature = "notation")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_notation_policy_load(ptr: u32, len: u32) -> u64 {
    match request(unsafe { input(ptr, len) }).and_then(|req| api::load_notation_policy_request(&req)) {
        Ok(p) => store(Loaded::Policy(Box::new(p))),
        Err(e) => output(&e.to_json()),
    }
}

/// Releases a handle. Unknown handles are ignored.
#[unsafe(no_mangle)]
pub extern "C" fn sealcheck_handle_free(handle: u32) {
    HANDLES.with(|h| {
        if let Some(slot) = h.borrow_mut().get_mut((handle as usize).wrapping_sub(1)) {
            *slot = None;
        }
    });
}

fn with_handle(handle: u32, f: impl FnOnce(&Loaded) -> Result<Value, ApiError>) -> u64 {
    let r = HANDLES.with(|h| match h.borrow().get((handle as usize).wrapping_sub(1)) {
        Some(Some(l)) => f(l),
        _ => Err(ApiError { code: CODE_INVALID_INPUT, error_code: 0, kind: "Handle", message: format!("unknown handle {handle}") }),
    });
    output(&r.unwrap_or_else(|e| e.to_json()))
}

fn request<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError { code: CODE_INVALID_INPUT, error_code: 0, kind: "Request", message: e.to_string() })
}

/// Verifies a bundle with a trusted-root handle. Request and result: `wasm/ABI.md`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_verify_bundle(handle: u32, ptr: u32, len: u32) -> u64 {
    let req = unsafe { input(ptr, len) };
    with_handle(handle, |l| match l {
        Loaded::Root(root) => api::verify_bundle(root, &request(req)?),
        Loaded::Policy(_) => Err(ApiError { code: CODE_INVALID_INPUT, error_code: 0, kind: "Handle", message: "not a trusted root handle".into() }),
    })
}

/// Decides for an image with a policy handle. Request and result: `wasm/ABI.md`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sealcheck_decide_image(handle: u32, ptr: u32, len: u32) -> u64 {
    let req = unsafe { input(ptr, len) };
    with_handle(handle, |l| match l {
        Loaded::Policy(policy) => api::decide_image(policy, &request(req)?),
        Loaded::Root(_) => Err(ApiError { code: CODE_INVALID_INPUT, error_code: 0, kind: "Handle", message: "not a policy handle".into() }),
    })
}
