//! A parsed certificate that keeps its exact DER and TBS bytes (RFC 5280 §4.1).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::ops::Range;

use der::{Decode, Encode};

use super::ext::Extensions;
use crate::asn1::{tag, Reader};
use crate::crypto::{PublicKey, SignatureScheme};
use crate::error::{Error, Result};
use crate::time::UnixTime;

/// A certificate, parsed once; no trust implied.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Range<usize>,
    scheme: SignatureScheme,
    signature: Vec<u8>,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    serial: Vec<u8>,
    not_before: UnixTime,
    not_after: UnixTime,
    key: PublicKey,
    ext: Extensions,
}

impl Certificate {
    /// Parses DER; `what` names the certificate in errors ("leaf certificate").
    pub fn from_der(what: &str, der: &[u8]) -> Result<Self> {
        let derr = |detail: &str| Error::Der { what: what.to_string(), detail: detail.to_string() };
        let parsed = x509_cert::Certificate::from_der(der).map_err(|e| derr(&e.to_string()))?;
        let tbs_cert = parsed.tbs_certificate();
        if tbs_cert.version() != x509_cert::certificate::Version::V3 {
            return Err(derr("only X.509 v3 certificates are accepted"));
        }
        // The exact TBS bytes: the first element of the outer SEQUENCE.
        let mut outer = Reader::new(what, der);
        let mut seq = outer.nested(tag::SEQUENCE)?;
        let tbs_raw = seq.expect(tag::SEQUENCE)?.raw;
        let start = tbs_raw.as_ptr() as usize - der.as_ptr() as usize;
        let tbs = start..start + tbs_raw.len();

        let sig_alg = parsed.signature_algorithm();
        if sig_alg != tbs_cert.signature() {
            return Err(derr("signatureAlgorithm differs from the TBS signature field"));
        }
        let params = sig_alg.parameters.as_ref().map(|p| p.to_der()).transpose().map_err(|e| derr(&e.to_string()))?;
        let scheme = SignatureScheme::from_algorithm_identifier(what, &sig_alg.oid, params.as_deref())?;
        let signature = parsed.signature().as_bytes().ok_or_else(|| derr("signature has unused bits"))?.to_vec();

        let enc = |e: der::Error| derr(&e.to_string());
        let issuer = tbs_cert.issuer().to_der().map_err(enc)?;
        let subject = tbs_cert.subject().to_der().map_err(enc)?;
        let spki = tbs_cert.subject_public_key_info().to_der().map_err(enc)?;
        let key = PublicKey::from_spki_der(what, &spki)?;
        let v = tbs_cert.validity();
        let secs = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).map_err(|_| derr("time out of range"));
        let not_before = UnixTime::from_secs(secs(v.not_before)?);
        let not_after = UnixTime::from_secs(secs(v.not_after)?);
        let ext = Extensions::parse(what, tbs_cert.extensions().map(Vec::as_slice).unwrap_or_default())?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            scheme,
            signature,
            issuer,
            subject,
            serial: tbs_cert.serial_number().as_bytes().to_vec(),
            not_before,
            not_after,
            key,
            ext,
        })
    }

    /// The serial number as lowercase hex, without the sign byte DER may add.
    #[must_use]
    pub fn serial_hex(&self) -> String {
        let s = self.serial();
        let s = if s.len() > 1 && s[0] == 0 { &s[1..] } else { s };
        crate::encoding::hex_encode(s)
    }

    /// The issuer's name in RFC 4514 form (`CN=…,O=…`), or `der:<hex>` for a name with
    /// attributes the Notary DN rules do not print.
    #[must_use]
    pub fn issuer_name(&self) -> String {
        let der = || alloc::format!("der:{}", crate::encoding::hex_encode(self.issuer_der()));
        #[cfg(feature = "notation")]
        return crate::notation::dn::DistinguishedName::from_name_der(self.issuer_der()).map_or_else(|_| der(), |d| alloc::format!("{d}"));
        #[cfg(not(feature = "notation"))]
        der()
    }

    /// The whole certificate DER.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The signed TBSCertificate bytes.
    #[must_use]
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// The scheme the issuer signed with.
    #[must_use]
    pub const fn signature_scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The issuer's signature value.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Issuer Name, DER.
    #[must_use]
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer
    }

    /// Subject Name, DER.
    #[must_use]
    pub fn subject_der(&self) -> &[u8] {
        &self.subject
    }

    /// Serial number bytes.
    #[must_use]
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// notBefore.
    #[must_use]
    pub const fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// notAfter (inclusive, RFC 5280 §4.1.2.5).
    #[must_use]
    pub const fn not_after(&self) -> UnixTime {
        self.not_after
    }

    /// True when `t` lies in `[notBefore, notAfter]`.
    #[must_use]
    pub fn valid_at(&self, t: UnixTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// The subject public key.
    #[must_use]
    pub const fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The parsed extensions.
    #[must_use]
    pub(crate) const fn extensions(&self) -> &Extensions {
        &self.ext
    }

    /// Subject alternative names.
    #[must_use]
    pub fn subject_alt_names(&self) -> &[super::SubjectAltName] {
        &self.ext.san
    }

    /// Fulcio extensions, both encodings.
    #[must_use]
    pub const fn fulcio(&self) -> &super::FulcioExtensions {
        &self.ext.fulcio
    }

    /// True when subject and issuer are the same name (a self-issued, typically root, certificate).
    #[must_use]
    pub fn is_self_issued(&self) -> bool {
        self.issuer == self.subject
    }

    /// The first SAN as a display string (URI, email, or Fulcio OtherName username).
    #[must_use]
    pub fn identity(&self) -> Option<String> {
        self.ext.san.first().map(|s| s.value().to_string())
    }
}
