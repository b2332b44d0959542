//! Shared pieces of the protobuf-JSON encoding Sigstore documents use (proto3 JSON mapping):
//! base64 `bytes`, int64 as decimal strings, timestamps as RFC 3339.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};
use crate::limits;

/// Parses `bytes` as JSON of type `T`, after checking the size limit. `what` names the input.
pub(crate) fn from_slice<'a, T: Deserialize<'a>>(what: &'static str, bytes: &'a [u8], max: usize) -> Result<T> {
    limits::check(what, bytes.len(), max)?;
    serde_json::from_slice(bytes).map_err(|e| Error::Json { what, detail: alloc::format!("{e}") })
}

/// proto3 JSON int64/uint64: a decimal string (canonical) or a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Int64(pub i64);

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            N(i64),
            S(String),
        }
        match Repr::deserialize(d)? {
            Repr::N(n) => Ok(Self(n)),
            Repr::S(s) => {
                let ok = !s.is_empty() && s.bytes().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == b'-'));
                s.parse::<i64>().ok().filter(|_| ok).map(Self).ok_or_else(|| serde::de::Error::custom("invalid int64 string"))
            }
        }
    }
}

/// proto3 JSON `bytes`: standard padded base64, line breaks skipped as Go's reader does
/// (the URL-safe alphabet that protobuf readers also take is refused).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Bytes(pub Vec<u8>);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::encoding::base64_decode("base64 field", &s).map(Self).map_err(|_| serde::de::Error::custom("invalid base64"))
    }
}
