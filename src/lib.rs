#![no_std]
#![forbid(unsafe_code)]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod asn1;
pub mod cosign;
pub mod crypto;
pub mod encoding;
mod error;
#[cfg(feature = "std")]
pub mod fs;
pub mod limits;
pub mod oci;
pub mod policy;
pub mod time;

pub use error::{Error, Result};
pub use time::UnixTime;
pub mod x509;
pub mod sigstore;
