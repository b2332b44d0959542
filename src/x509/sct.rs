//! Embedded Signed Certificate Timestamps (RFC 6962 §3.2–§3.3): the TLS-encoded SCT list of a
//! certificate, and the precertificate bytes an SCT signs (TBSCertificate without the SCT list
//! extension, with the issuer's key hash).

use alloc::vec::Vec;

use super::cert::Certificate;
use super::ext::SCT_LIST;
use crate::asn1::{self, tag, Reader};
use crate::crypto::SignatureScheme;
use crate::error::{Error, Result};
use crate::limits::{self, MAX_SCTS};

/// One SCT (v1) as found in a certificate; no trust implied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// SHA-256 of the log's public key.
    pub log_id: [u8; 32],
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// CtExtensions (opaque).
    pub extensions: Vec<u8>,
    /// Signature scheme from the digitally-signed struct.
    pub scheme: SignatureScheme,
    /// Signature value.
    pub signature: Vec<u8>,
}

struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (a, b) = self.0.split_at_checked(n)?;
        self.0 = b;
        Some(a)
    }
    fn uint(&mut self, n: usize) -> Option<u64> {
        Some(self.take(n)?.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
    }
    fn vec(&mut self, len_bytes: usize) -> Option<&'a [u8]> {
        let n = usize::try_from(self.uint(len_bytes)?).ok()?;
        self.take(n)
    }
}

fn bad(detail: &str) -> Error {
    Error::Der { what: "SCT list".into(), detail: detail.into() }
}

/// Parses a `SignedCertificateTimestampList` (the content of the extension's OCTET STRING).
pub fn parse_sct_list(bytes: &[u8]) -> Result<Vec<Sct>> {
    let mut outer = Tls(bytes);
    let mut list = Tls(outer.vec(2).ok_or_else(|| bad("truncated list"))?);
    if !outer.0.is_empty() {
        return Err(bad("trailing data"));
    }
    let mut out = Vec::new();
    while !list.0.is_empty() {
        let raw = list.vec(2).ok_or_else(|| bad("truncated SCT"))?;
        out.push(parse_sct(raw)?);
        limits::check("SCT list", out.len(), MAX_SCTS)?;
    }
    Ok(out)
}

fn parse_sct(raw: &[u8]) -> Result<Sct> {
    let mut r = Tls(raw);
    if r.uint(1) != Some(0) {
        return Err(bad("unsupported SCT version"));
    }
    let log_id: [u8; 32] = r.take(32).and_then(|b| b.try_into().ok()).ok_or_else(|| bad("truncated log id"))?;
    let timestamp_ms = r.uint(8).ok_or_else(|| bad("truncated timestamp"))?;
    let extensions = r.vec(2).ok_or_else(|| bad("truncated extensions"))?.to_vec();
    let alg = r.uint(2).ok_or_else(|| bad("truncated algorithm"))?;
    let scheme = match alg {
        0x0403 => SignatureScheme::EcdsaSha256,
        0x0503 => SignatureScheme::EcdsaSha384,
        0x0401 => SignatureScheme::RsaPkcs1Sha256,
        0x0807 => SignatureScheme::Ed25519,
        _ => return Err(Error::UnsupportedAlgorithm { what: "SCT".into(), alg: alloc::format!("0x{alg:04x}") }),
    };
    let signature = r.vec(2).ok_or_else(|| bad("truncated signature"))?.to_vec();
    if !r.0.is_empty() {
        return Err(bad("trailing data in SCT"));
    }
    Ok(Sct { log_id, timestamp_ms, extensions, scheme, signature })
}

/// The bytes an SCT for a precertificate signs (RFC 6962 §3.2 `digitally-signed struct`):
/// the leaf's TBSCertificate with the SCT list extension removed, bound to `issuer_key_hash`
/// (SHA-256 of the issuing certificate's SubjectPublicKeyInfo).
pub fn precert_signed_data(sct: &Sct, leaf: &Certificate, issuer_key_hash: &[u8]) -> Result<Vec<u8>> {
    let tbs = tbs_without_sct_list(leaf.tbs_der())?;
    let tbs_len = u32::try_from(tbs.len()).ok().filter(|&n| n < 1 << 24).ok_or_else(|| bad("TBS too large"))?;
    let ext_len = u16::try_from(sct.extensions.len()).map_err(|_| bad("extensions too large"))?;
    let mut out = Vec::with_capacity(tbs.len() + sct.extensions.len() + 50);
    out.extend_from_slice(&[0, 0]); // v1, certificate_timestamp
    out.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    out.extend_from_slice(&[0, 1]); // precert_entry
    out.extend_from_slice(issuer_key_hash);
    out.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    out.extend_from_slice(&tbs);
    out.extend_from_slice(&ext_len.to_be_bytes());
    out.extend_from_slice(&sct.extensions);
    Ok(out)
}

/// Re-encodes a TBSCertificate without the SCT list extension.
fn tbs_without_sct_list(tbs: &[u8]) -> Result<Vec<u8>> {
    let what = "precertificate TBS";
    let mut outer = Reader::new(what, tbs);
    let mut seq = outer.nested(tag::SEQUENCE)?;
    outer.finish()?;
    let mut body = Vec::with_capacity(tbs.len());
    let mut removed = false;
    while !seq.is_empty() {
        let el = seq.any()?;
        if el.tag != tag::context(3) {
            body.extend_from_slice(el.raw);
            continue;
        }
        let mut er = Reader::new(what, el.value);
        let mut exts = er.nested(tag::SEQUENCE)?;
        er.finish()?;
        let mut kept = Vec::with_capacity(el.value.len());
        while !exts.is_empty() {
            let ext = exts.expect(tag::SEQUENCE)?;
            let mut e = Reader::new(what, ext.value);
            if e.oid()? == SCT_LIST {
                removed = true;
            } else {
                kept.extend_from_slice(ext.raw);
            }
        }
        if !kept.is_empty() {
            let seq = asn1::encode(tag::SEQUENCE, &kept);
            body.extend_from_slice(&asn1::encode(tag::context(3), &seq));
        }
    }
    if !removed {
        return Err(bad("certificate has no SCT list extension"));
    }
    Ok(asn1::encode(tag::SEQUENCE, &body))
}

/// The SCTs embedded in `cert`, if it has the extension.
pub fn embedded_scts(cert: &Certificate) -> Result<Vec<Sct>> {
    cert.extensions().sct_list.as_deref().map_or_else(|| Ok(Vec::new()), parse_sct_list)
}
