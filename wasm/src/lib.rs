//! sealcheck for WebAssembly, in two shapes from one source: the import-free core module
//! (`wasm32-unknown-unknown`, default features; ABI in `wasm/ABI.md`) and, with the `bindgen`
//! feature, a wasm-bindgen package for JavaScript, which verifies with Node's crypto when it runs
//! in Node (`host`). Notary Project signatures need the `notation` feature (`bindgen` implies
//! it): the default core module is Sigstore/cosign only, within its size budget, and
//! `--features notation` builds `sealcheck_core_notary.wasm`. Both are thin layers over [`api`], itself a thin layer over the same core as
//! the CLI and the C ABI.

pub mod api;
#[cfg(not(feature = "bindgen"))]
mod abi;
#[cfg(feature = "bindgen")]
mod host;
#[cfg(feature = "bindgen")]
mod js;

/// The crypto every load and verification uses: RustCrypto in the import-free module (pure
/// Rust); in the wasm-bindgen package, Node's crypto where it is exact (`host`).
#[cfg(not(feature = "bindgen"))]
const PROVIDER: sealcheck::CryptoProvider = sealcheck::CryptoProvider::rust_crypto();
#[cfg(feature = "bindgen")]
const PROVIDER: sealcheck::CryptoProvider = host::PROVIDER;
