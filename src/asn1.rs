//! A strict DER reader (X.690 §10) over borrowed bytes: single-byte tags up to 30, definite
//! minimal lengths, no trailing data unless asked for.
//!
//! Used where sealcheck reads structures field by field (extensions, RFC 3161 tokens, PSS
//! parameters) and needs the exact bytes that were signed.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::{Error, Result};

/// Universal tags used by the readers.
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const IA5_STRING: u8 = 0x16;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[n]` constructed context tag.
    pub const fn context(n: u8) -> u8 {
        0xa0 | n
    }
    /// `[n]` primitive context tag.
    pub const fn context_primitive(n: u8) -> u8 {
        0x80 | n
    }
}

/// One element: its tag, value and the whole encoding (tag + length + value).
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

/// A cursor over a sequence of DER elements.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    what: &'a str,
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads elements from `bytes`; `what` names the input in errors.
    #[must_use]
    pub fn new(what: &'a str, bytes: &'a [u8]) -> Self {
        Self { what, rest: bytes }
    }

    /// An error naming this input.
    pub fn error(&self, detail: &str) -> Error {
        Error::Der { what: self.what.to_string(), detail: detail.to_string() }
    }

    /// True when nothing is left.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next tag, if any, without consuming it.
    #[must_use]
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads any element.
    pub fn any(&mut self) -> Result<Tlv<'a>> {
        let bytes = self.rest;
        let (&tag, after_tag) = bytes.split_first().ok_or_else(|| self.error("unexpected end"))?;
        if tag & 0x1f == 0x1f {
            return Err(self.error("multi-byte tags are not supported"));
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or_else(|| self.error("missing length"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err(self.error("indefinite or oversized length"));
            }
            let (lb, rest) = after_len.split_at_checked(n).ok_or_else(|| self.error("truncated length"))?;
            after_len = rest;
            if lb.first() == Some(&0) {
                return Err(self.error("non-minimal length"));
            }
            let len = lb.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
            if len < 0x80 {
                return Err(self.error("non-minimal length"));
            }
            len
        };
        let (value, rest) = after_len.split_at_checked(len).ok_or_else(|| self.error("truncated value"))?;
        let header_len = bytes.len() - after_len.len();
        let raw = bytes.get(..header_len + len).ok_or_else(|| self.error("truncated value"))?;
        self.rest = rest;
        Ok(Tlv { tag, value, raw })
    }

    /// Reads an element that must have `tag`.
    pub fn expect(&mut self, tag: u8) -> Result<Tlv<'a>> {
        match self.peek_tag() {
            Some(t) if t == tag => self.any(),
            _ => Err(self.error(&alloc::format!("expected tag 0x{tag:02x}"))),
        }
    }

    /// Reads an element if the next tag is `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) { self.any().map(Some) } else { Ok(None) }
    }

    /// Reads a constructed element with `tag` and returns a reader over its content.
    pub fn nested(&mut self, tag: u8) -> Result<Reader<'a>> {
        let tlv = self.expect(tag)?;
        Ok(Reader { what: self.what, rest: tlv.value })
    }

    /// Reads an OID and returns it parsed.
    pub fn oid(&mut self) -> Result<const_oid::ObjectIdentifier> {
        let tlv = self.expect(tag::OID)?;
        const_oid::ObjectIdentifier::from_bytes(tlv.value).map_err(|_| self.error("invalid OID"))
    }

    /// Reads a non-negative INTEGER that fits in u64.
    pub fn small_uint(&mut self) -> Result<u64> {
        let tlv = self.expect(tag::INTEGER)?;
        let v = integer_bytes(self, tlv.value)?;
        if v.len() > 8 {
            return Err(self.error("integer too large"));
        }
        Ok(v.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
    }

    /// Reads a BOOLEAN (DER: 0x00 or 0xff).
    pub fn boolean(&mut self) -> Result<bool> {
        match self.expect(tag::BOOLEAN)?.value {
            [0x00] => Ok(false),
            [0xff] => Ok(true),
            _ => Err(self.error("invalid BOOLEAN")),
        }
    }

    /// Fails unless everything was read.
    pub fn finish(&self) -> Result<()> {
        if self.rest.is_empty() { Ok(()) } else { Err(self.error("trailing data")) }
    }
}

/// Validates a DER INTEGER's content as non-negative and minimal; returns its magnitude bytes
/// without the sign-padding zero.
fn integer_bytes<'a>(r: &Reader<'_>, v: &'a [u8]) -> Result<&'a [u8]> {
    match v {
        [] => Err(r.error("empty INTEGER")),
        [b, ..] if b & 0x80 != 0 => Err(r.error("negative INTEGER")),
        [0, b, ..] if b & 0x80 == 0 => Err(r.error("non-minimal INTEGER")),
        [0, rest @ ..] if !rest.is_empty() => Ok(rest),
        _ => Ok(v),
    }
}

/// Parses a whole DER element with `tag` from `bytes`, rejecting trailing data.
pub fn single<'a>(what: &'a str, bytes: &'a [u8], tag: u8) -> Result<Tlv<'a>> {
    let mut r = Reader::new(what, bytes);
    let tlv = r.expect(tag)?;
    r.finish()?;
    Ok(tlv)
}

/// DER-encodes one element.
pub fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Reads a string-typed element (UTF8String, IA5String, PrintableString) as text.
pub fn string(what: &str, tlv: &Tlv<'_>) -> Result<String> {
    match tlv.tag {
        tag::UTF8_STRING | tag::IA5_STRING | tag::PRINTABLE_STRING => core::str::from_utf8(tlv.value)
            .map(ToString::to_string)
            .map_err(|_| Error::Der { what: what.to_string(), detail: "string is not UTF-8".to_string() }),
        _ => Err(Error::Der { what: what.to_string(), detail: "expected a string".to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        let mut r = Reader::new("t", &[0x04, 0x81, 0x01, 0x00]);
        assert!(r.any().is_err(), "non-minimal long form");
        let mut r = Reader::new("t", &[0x04, 0x02, 0x00]);
        assert!(r.any().is_err(), "truncated");
        let mut r = Reader::new("t", &[0x04, 0x80]);
        assert!(r.any().is_err(), "indefinite");
        let mut r = Reader::new("t", &[0x02, 0x02, 0x00, 0x80, 0x05, 0x00]);
        assert_eq!(r.small_uint().unwrap(), 128);
        assert!(r.finish().is_err());
        let mut r = Reader::new("t", &[0x02, 0x02, 0x00, 0x7f]);
        assert!(r.small_uint().is_err(), "non-minimal integer");
    }
}
