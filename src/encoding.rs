//! Text encodings of binary fields: base64 (RFC 4648 §4, as protobuf JSON writes `bytes`),
//! lowercase hex, and PEM (RFC 7468 §2, strict); and the length-prefixed [`Transcript`] whose
//! hash names evidence and trust material inside sealcheck; and [`StrictMap`], the JSON object
//! whose duplicate keys are an error.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use core::marker::PhantomData;

use base64ct::{Base64, Encoding};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};

/// Decodes standard padded base64, skipping CR and LF as Go's decoder does (cosign and
/// protojson producers wrap long values); `what` names the field in the error.
pub fn base64_decode(what: &str, s: &str) -> Result<Vec<u8>> {
    let bad = || Error::Encoding { what: what.to_string(), encoding: "base64" };
    if s.contains(['\r', '\n']) {
        let joined: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        return Base64::decode_vec(&joined).map_err(|_| bad());
    }
    Base64::decode_vec(s).map_err(|_| bad())
}

/// Encodes as standard padded base64.
#[must_use]
pub fn base64_encode(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// Lowercase hex.
#[must_use]
pub fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// Decodes hex (either case); `what` names the field in the error.
pub fn hex_decode(what: &str, s: &str) -> Result<Vec<u8>> {
    let bad = || Error::Encoding { what: what.to_string(), encoding: "hex" };
    if s.len() % 2 != 0 {
        return Err(bad());
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| {
            let hi = char::from(p[0]).to_digit(16).ok_or_else(bad)?;
            let lo = char::from(p[1]).to_digit(16).ok_or_else(bad)?;
            Ok((hi * 16 + lo) as u8)
        })
        .collect()
}

/// Fields written one after another, each prefixed by its length (8 bytes, big-endian), so that
/// no two sequences of fields give the same bytes. Its SHA-256 identifies evidence (duplicates,
/// the fact cache) and trust material ([`Trust::digest`](crate::trust::Trust::digest)).
#[derive(Debug, Default)]
pub(crate) struct Transcript(Vec<u8>);

impl Transcript {
    /// Appends one field.
    pub(crate) fn field(&mut self, x: &[u8]) -> &mut Self {
        self.0.extend_from_slice(&(x.len() as u64).to_be_bytes());
        self.0.extend_from_slice(x);
        self
    }

    /// Appends a number as an 8-byte field.
    pub(crate) fn number(&mut self, n: i64) -> &mut Self {
        self.field(&n.to_be_bytes())
    }

    /// SHA-256 of the fields written.
    pub(crate) fn sha256(&self) -> [u8; 32] {
        crate::crypto::content_sha256(&self.0)
    }
}

/// One PEM block: its label and decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `BEGIN ` and `-----` (`CERTIFICATE`, `PUBLIC KEY`).
    pub label: String,
    /// The decoded DER.
    pub der: Vec<u8>,
}

/// Parses every PEM block of `text`, in order. Text outside blocks is ignored, as RFC 7468 §2
/// allows; a block that does not close, or whose body is not base64, is an error.
pub fn pem_decode_all(what: &str, text: &str) -> Result<Vec<PemBlock>> {
    let bad = || Error::Encoding { what: what.to_string(), encoding: "PEM" };
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        let mut body = String::new();
        let mut closed = false;
        for l in lines.by_ref() {
            let l = l.trim();
            if let Some(end) = l.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
                if end != label {
                    return Err(bad());
                }
                closed = true;
                break;
            }
            body.push_str(l);
        }
        if !closed {
            return Err(bad());
        }
        let der = Base64::decode_vec(&body).map_err(|_| bad())?;
        out.push(PemBlock { label: label.to_string(), der });
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// Decodes exactly one PEM block with the given label.
pub fn pem_decode_one(what: &str, text: &str, label: &str) -> Result<Vec<u8>> {
    let mut blocks = pem_decode_all(what, text)?;
    match (blocks.pop(), blocks.is_empty()) {
        (Some(b), true) if b.label == label => Ok(b.der),
        _ => Err(Error::Encoding { what: what.to_string(), encoding: "PEM" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_roundtrip() {
        assert_eq!(hex_encode(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(hex_decode("x", "00ABff").unwrap(), [0, 0xab, 0xff]);
        assert!(hex_decode("x", "0g").is_err());
        assert!(hex_decode("x", "0").is_err());
    }

    #[test]
    fn pem() {
        let t = "junk\n-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PUBLIC KEY-----\n";
        assert_eq!(pem_decode_one("k", t, "PUBLIC KEY").unwrap(), [0, 1, 2]);
        assert!(pem_decode_one("k", t, "CERTIFICATE").is_err());
        assert!(pem_decode_all("k", "-----BEGIN X-----\nAAEC\n").is_err());
        assert!(pem_decode_all("k", "-----BEGIN X-----\nAAEC\n-----END Y-----\n").is_err());
    }
}

/// A JSON object (any document sealcheck parses strictly) whose duplicate keys are an error, in document order.
pub(crate) struct StrictMap<V>(pub(crate) Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for StrictMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = StrictMap<V>;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> core::result::Result<StrictMap<V>, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    if out.iter().any(|(e, _)| *e == k) {
                        return Err(serde::de::Error::custom(alloc::format!("duplicate key {k:?}")));
                    }
                    out.push((k, m.next_value()?));
                }
                Ok(StrictMap(out))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

