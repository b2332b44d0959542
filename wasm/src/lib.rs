//! sealcheck for WebAssembly, in two shapes from one source: the import-free core module
//! (`wasm32-unknown-unknown`, default features; ABI in `wasm/ABI.md`) and, with the `bindgen`
//! feature, a wasm-bindgen package for JavaScript. Both are thin layers over [`api`], itself a
//! thin layer over the same core as the CLI and the C ABI.

pub mod api;
#[cfg(not(feature = "bindgen"))]
mod abi;
#[cfg(feature = "bindgen")]
mod js;
