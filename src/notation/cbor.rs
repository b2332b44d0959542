//! The subset of CBOR (RFC 8949) a COSE_Sign1 envelope uses, decoded strictly: definite
//! lengths only, no floats or simple values other than false/true/null, integers up to 64 bits,
//! text that is UTF-8, no duplicate map keys, and bounded depth and item counts
//! ([`MAX_CBOR_DEPTH`], [`MAX_CBOR_ITEMS`]). Every byte string keeps its exact encoding so
//! that signed bytes (a COSE protected header) are verified as received.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::limits::{MAX_CBOR_DEPTH, MAX_CBOR_ITEMS};

/// One decoded CBOR data item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An integer (major types 0 and 1), in the range of `i128`.
    Int(i128),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A text string.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// A map, in encoded order; keys are unique.
    Map(Vec<(Value, Value)>),
    /// A tagged item.
    Tag(u64, Box<Value>),
    /// `false` or `true`.
    Bool(bool),
    /// `null`.
    Null,
}

impl Value {
    /// The text, if this is a text string.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        if let Self::Text(s) = self { Some(s) } else { None }
    }

    /// The integer, if this is one.
    #[must_use]
    pub const fn as_int(&self) -> Option<i128> {
        if let Self::Int(n) = self { Some(*n) } else { None }
    }
}

/// Decodes exactly one data item from `bytes` (nothing may follow it); `what` names the input.
pub fn decode(what: &str, bytes: &[u8]) -> Result<Value> {
    let mut d = Decoder { what, bytes, pos: 0, items: 0 };
    let v = d.item(0)?;
    if d.pos != bytes.len() {
        return Err(d.error("trailing bytes after the data item"));
    }
    Ok(v)
}

/// The encoded head of a byte string of `len` bytes (major type 2), shortest form.
#[must_use]
pub fn bytes_head(len: usize) -> Vec<u8> {
    head(2, len as u64)
}

/// The encoded head of a text string of `len` bytes (major type 3), shortest form.
#[must_use]
pub fn text_head(len: usize) -> Vec<u8> {
    head(3, len as u64)
}

fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => alloc::vec![m | n as u8],
        24..=0xff => alloc::vec![m | 24, n as u8],
        0x100..=0xffff => [&[m | 25][..], &(n as u16).to_be_bytes()].concat(),
        0x1_0000..=0xffff_ffff => [&[m | 26][..], &(n as u32).to_be_bytes()].concat(),
        _ => [&[m | 27][..], &n.to_be_bytes()].concat(),
    }
}

struct Decoder<'a> {
    what: &'a str,
    bytes: &'a [u8],
    pos: usize,
    items: usize,
}

impl Decoder<'_> {
    fn error(&self, detail: &str) -> Error {
        Error::Envelope { what: self.what.to_string(), detail: alloc::format!("CBOR at byte {}: {detail}", self.pos) }
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.bytes.len()).ok_or_else(|| self.error("truncated"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The initial byte's major type and its argument.
    fn head(&mut self) -> Result<(u8, u64)> {
        let ib = self.take(1)?[0];
        let (major, info) = (ib >> 5, ib & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes([self.take(1)?[0], self.take(1)?[0]])),
            26 => {
                let b = self.take(4)?;
                u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            27 => {
                let b = self.take(8)?;
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            31 => return Err(self.error("indefinite-length items are not accepted")),
            _ => return Err(self.error("reserved additional information")),
        };
        Ok((major, arg))
    }

    fn count(&mut self, n: u64) -> Result<usize> {
        let n = usize::try_from(n).map_err(|_| self.error("length too large"))?;
        self.items = self.items.saturating_add(n);
        if n > MAX_CBOR_ITEMS || self.items > MAX_CBOR_ITEMS * 4 {
            return Err(Error::LimitExceeded { what: "CBOR items", max: MAX_CBOR_ITEMS, got: n.max(self.items) });
        }
        Ok(n)
    }

    fn item(&mut self, depth: usize) -> Result<Value> {
        if depth > MAX_CBOR_DEPTH {
            return Err(Error::LimitExceeded { what: "CBOR nesting depth", max: MAX_CBOR_DEPTH, got: depth });
        }
        let (major, arg) = self.head()?;
        Ok(match major {
            0 => Value::Int(i128::from(arg)),
            1 => Value::Int(-1 - i128::from(arg)),
            2 | 3 => {
                let n = usize::try_from(arg).map_err(|_| self.error("length too large"))?;
                let raw = self.take(n)?.to_vec();
                if major == 2 {
                    Value::Bytes(raw)
                } else {
                    Value::Text(String::from_utf8(raw).map_err(|_| self.error("text string is not UTF-8"))?)
                }
            }
            4 => {
                let n = self.count(arg)?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.item(depth + 1)?);
                }
                Value::Array(v)
            }
            5 => {
                let n = self.count(arg)?;
                let mut m: Vec<(Value, Value)> = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.item(depth + 1)?;
                    if m.iter().any(|(e, _)| *e == k) {
                        return Err(self.error("duplicate map key"));
                    }
                    let v = self.item(depth + 1)?;
                    m.push((k, v));
                }
                Value::Map(m)
            }
            6 => Value::Tag(arg, Box::new(self.item(depth + 1)?)),
            _ => match arg {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                _ => return Err(self.error("floating-point and simple values other than false, true and null are not accepted")),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_cose_subset_and_refuses_the_rest() {
        // RFC 8949 Appendix A examples.
        assert_eq!(decode("t", &[0x18, 0x64]).unwrap(), Value::Int(100));
        assert_eq!(decode("t", &[0x38, 0x63]).unwrap(), Value::Int(-100));
        assert_eq!(decode("t", &[0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap(), Value::Int(-18_446_744_073_709_551_616));
        assert_eq!(decode("t", &[0x64, 0x49, 0x45, 0x54, 0x46]).unwrap(), Value::Text("IETF".into()));
        assert_eq!(decode("t", &[0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0]).unwrap(), Value::Tag(1, Box::new(Value::Int(1_363_896_240))));
        assert_eq!(decode("t", &[0xa2, 0x01, 0x02, 0x03, 0x04]).unwrap(), Value::Map(alloc::vec![(Value::Int(1), Value::Int(2)), (Value::Int(3), Value::Int(4))]));
        for (bad, why) in [
            (&[0x9f, 0xff][..], "indefinite array"),
            (&[0x5f, 0x41, 0x00, 0xff][..], "indefinite bytes"),
            (&[0xa2, 0x01, 0x02, 0x01, 0x03][..], "duplicate key"),
            (&[0xf9, 0x3c, 0x00][..], "half float"),
            (&[0x62, 0xff, 0xfe][..], "invalid UTF-8"),
            (&[0x83, 0x01][..], "truncated"),
            (&[0x01, 0x02][..], "trailing"),
            (&[0x1c][..], "reserved"),
            (&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..], "huge length"),
        ] {
            assert!(decode("t", bad).is_err(), "{why}");
        }
        let deep: Vec<u8> = core::iter::repeat_n(0x81, MAX_CBOR_DEPTH + 2).chain([0x00]).collect();
        assert!(matches!(decode("t", &deep), Err(Error::LimitExceeded { .. })));
        assert_eq!(bytes_head(24), [0x58, 24]);
        assert_eq!(text_head(10), [0x6a]);
        assert_eq!(bytes_head(300), [0x59, 0x01, 0x2c]);
    }
}
