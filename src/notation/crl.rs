//! Certificate revocation lists supplied offline (RFC 5280 §5 CRL profile) and the revocation
//! evaluation of a Notary signing chain against them (notaryproject/specifications
//! `specs/trust-store-trust-policy.md` "Certificate Revocation Evaluation"; the reference is
//! notation-core-go `revocation/revocation.go ValidateContext` and
//! `revocation/internal/crl/crl.go CertCheckStatus`).
//!
//! Bytes → parsed evidence: [`Crl::from_der`] reads one `CertificateList` in strict DER and keeps
//! the exact signed `tbsCertList` bytes; nothing about trust is decided there. A CRL that carries
//! a critical extension sealcheck does not process still parses: it is recorded, and
//! [`check_chain`] refuses to use it (RFC 5280 §5.2, §5.3: such a CRL MUST NOT be used to
//! determine the status of any certificate).
//!
//! Parsed evidence → verified facts: [`check_chain`] decides, for every certificate of a chain
//! but the root, whether it is revoked, not revoked, or of unknown status, from the CRLs the
//! caller supplied ([`CrlSet`]) and nothing else: sealcheck never fetches. The rules and where
//! each comes from:
//!
//! - A certificate without a cRLDistributionPoints extension and without an OCSP responder is
//!   not revocable: good (spec: "If the certificate being validated doesn't include information
//!   OCSP or CRLs then no revocation check is performed"; notation-core-go `ResultNonRevokable`).
//!   The root (the last certificate) is never checked (notation-core-go `ValidateContext`).
//! - A certificate that names only an OCSP responder has unknown status: OCSP is not available
//!   offline. With both, the CRL is used (spec: "If revocation status cannot be determined using
//!   OCSP … fallback to using CRLs"; notation-core-go `RevocationMethodOCSPFallbackCRL`).
//! - The presence of the cRLDistributionPoints extension makes the certificate revocable, whether
//!   or not it lists a URL (⚠ notation-core-go `crl.Supported` needs a URL; here the URL is not
//!   used to find the CRL, so an extension without one is not a reason to skip the check).
//! - A complete CRL is used when its issuer name is byte-equal to the certificate's issuer name,
//!   its signature verifies with the issuer certificate's key (`chain[i + 1]`, whose keyUsage, if
//!   present, must assert cRLSign: RFC 5280 §6.3.3 (f)), it has a nextUpdate and
//!   `thisUpdate <= now < nextUpdate` (spec "Revocation Checking with CRL" steps 1–2;
//!   notation-core-go `validateCRL`: "CRL NextUpdate is not set", "expired CRL"), it has no
//!   critical extension left unprocessed, and its issuingDistributionPoint (if any) covers the
//!   certificate (RFC 5280 §6.3.3 (b)(2): the distribution point names a URI of the
//!   certificate's cRLDistributionPoints; onlyContainsUserCerts / onlyContainsCACerts). Partial
//!   (onlySomeReasons), indirect and attribute-certificate CRLs are not supported: unusable.
//!   Among several usable CRLs the newest (thisUpdate, then cRLNumber) is used. No usable CRL:
//!   unknown, with each candidate's reason (unless an authentic one shows a revocation, below).
//! - Delta CRLs (spec: implementations "MUST support BaseCRLs and Delta CRLs"; RFC 5280 §5.2.4):
//!   a usable delta CRL from the same issuer with the same issuingDistributionPoint whose
//!   BaseCRLNumber is at most the complete CRL's cRLNumber, and whose own cRLNumber is greater,
//!   is applied (the newest such). When the complete CRL has a freshestCRL extension a delta CRL
//!   is required: without a usable one the status is unknown (spec "Revocation Checking with
//!   Delta CRLs": "If the delta CRL cannot be retrieved for some reason, the revocation result
//!   will be revocation unavailable").
//! - A listed serial is evaluated per entry (spec "Revocation Checking with CRL" step 3;
//!   notation-core-go `checkRevocation`):
//!   - A permanent reason (anything but certificateHold and removeFromCRL) revokes when it is
//!     listed in any authentic CRL from the issuer (signature, cRLSign, no unknown critical
//!     extension), current or not, complete or delta, applicable or not (spec step 3.ii: "If the
//!     CRL is expired and the certificate is listed in the CRL for any reason other than
//!     certificate hold, the certificate is considered revoked"): an old CRL cannot show that a
//!     certificate is good, but it does show that its issuer revoked it. So a later
//!     removeFromCRL does not undo a permanent reason (fail-closed, as notation-core-go, which
//!     returns revoked at the first permanent entry).
//!   - removeFromCRL un-revokes a certificateHold only, in the CRLs used (the newest current
//!     complete CRL and its newest delta): the most recent hold/remove entry decides, and an
//!     entry of the delta CRL overrides the complete CRL's (RFC 5280 §5.3.1: removeFromCRL
//!     means the certificate was released from hold or expired).
//!   - keyCompromise, cACompromise and aACompromise revoke whatever the signing time. ⚠ This is
//!     stricter than the spec and notation-core-go, which let any entry with an invalidity date
//!     after the signing time pass: the only signing time this check gets is the
//!     `notary.x509.signingAuthority` authentic signing time, a signed attribute made with the
//!     very key (or under the very CA) that the CRL says was compromised, so it is no evidence
//!     of when the signature was made.
//!   - Every other reason, including certificateHold, unspecified and no reason code at all
//!     (RFC 5280 §5.3.1: the reason code SHOULD be absent rather than unspecified, so absence
//!     says nothing more): the signature stays valid only when `signing_time` is given and is
//!     strictly before the entry's invalidity date; otherwise the certificate is revoked. The
//!     revocation date is not a substitute (spec: "If the invalidity date is not present in
//!     CRL, the certificate is considered revoked"; notation-core-go compares the invalidity
//!     date only).
//! - The chain's verdict: a revoked certificate wins over an unknown one, and among several the
//!   one nearest the leaf is reported (notation-go `verifier.go revocationFinalResult`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::ops::Range;

use const_oid::ObjectIdentifier;
use der::Decode;

use crate::asn1::{self, tag, Reader};
use crate::crypto::{self, Backend, Message, SignatureScheme};
use crate::encoding::{self, Transcript};
use crate::error::{Error, Result};
use crate::limits::{self, MAX_CRL_BYTES, MAX_CRL_ENTRIES};
use crate::time::UnixTime;
use crate::x509::Certificate;

// CRL extensions sealcheck processes (RFC 5280 §5.2); any other critical one makes the CRL
// unusable.
const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");
const OID_ISSUING_DISTRIBUTION_POINT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");
const OID_FRESHEST_CRL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.46");
// CRL entry extensions (RFC 5280 §5.3).
const OID_REASON_CODE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
const OID_INVALIDITY_DATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.24");
/// id-at-commonName, to name certificates in errors.
const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

const UTC_TIME: u8 = 0x17;
const ENUMERATED: u8 = 0x0a;
/// GeneralName uniformResourceIdentifier `[6] IA5String`.
const GENERAL_NAME_URI: u8 = 0x86;
/// keyUsage cRLSign (RFC 5280 §4.2.1.3).
const KU_CRL_SIGN: u16 = 6;
/// cRLNumber and BaseCRLNumber are at most 20 octets (RFC 5280 §5.2.3).
const MAX_CRL_NUMBER_OCTETS: usize = 20;
/// The PEM label of a CRL (RFC 7468 §5).
const PEM_LABEL: &str = "X509 CRL";

/// `CRLReason` (RFC 5280 §5.3.1); value 7 is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6): revoked until a later CRL says otherwise.
    CertificateHold,
    /// removeFromCRL (8): released from hold, or expired (delta CRLs).
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    /// The reason an ENUMERATED value stands for; `None` for 7 and for values above 10.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    /// The ENUMERATED value.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// The RFC 5280 name (`keyCompromise`, `removeFromCRL`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }

    /// A compromise of the key or of an authority above it: what the signer says about time
    /// is no evidence, so the entry revokes whatever the signing time.
    const fn is_compromise(self) -> bool {
        matches!(self, Self::KeyCompromise | Self::CaCompromise | Self::AaCompromise)
    }

    /// certificateHold and removeFromCRL: a status a later CRL may change.
    const fn is_temporary(self) -> bool {
        matches!(self, Self::CertificateHold | Self::RemoveFromCrl)
    }
}

/// One `revokedCertificates` entry (RFC 5280 §5.1.2.6, §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The serial number: the INTEGER's content octets (minimal two's complement), as
    /// [`Certificate::serial`] returns a certificate's.
    pub serial: Vec<u8>,
    /// revocationDate.
    pub revocation_date: UnixTime,
    /// The reasonCode entry extension; `None` when absent.
    pub reason: Option<RevocationReason>,
    /// The invalidityDate entry extension (RFC 5280 §5.3.2).
    pub invalidity_date: Option<UnixTime>,
}

/// What an issuingDistributionPoint (RFC 5280 §5.2.5) limits a CRL to; the default covers every
/// certificate of the issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Scope {
    /// The distribution point's URIs, when it names one.
    uris: Option<Vec<String>>,
    only_user_certs: bool,
    only_ca_certs: bool,
}

/// One CRL (`CertificateList`, RFC 5280 §5.1), parsed once; no trust implied.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Range<usize>,
    /// The signature scheme, or why it is not supported (the CRL then cannot be used).
    scheme: core::result::Result<SignatureScheme, Error>,
    signature: Vec<u8>,
    issuer: Vec<u8>,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    entries: Vec<RevokedEntry>,
    /// cRLNumber, as its minimal big-endian magnitude.
    crl_number: Option<Vec<u8>>,
    /// deltaCRLIndicator's BaseCRLNumber: set on delta CRLs only.
    base_crl_number: Option<Vec<u8>>,
    /// The issuingDistributionPoint extension value, to pair a delta CRL with its base.
    idp: Option<Vec<u8>>,
    scope: Scope,
    /// The CRL names a delta CRL (freshestCRL, RFC 5280 §5.2.6).
    freshest_crl: bool,
    /// The first critical extension (of the CRL or of an entry) that is not processed, or the
    /// issuingDistributionPoint feature that is not supported.
    unknown_critical: Option<String>,
}

impl Crl {
    /// Parses one DER `CertificateList` (RFC 5280 §5.1); `what` names it in errors (`leaf.crl`).
    ///
    /// Strict DER; the version, when present, is v2, and it must be present when the CRL or an
    /// entry has extensions (§5.1.2.1); `signatureAlgorithm` equals the TBS `signature` field
    /// (§5.1.1.2); the issuer name is not empty (§5.1.2.3). A critical CRL or entry extension
    /// sealcheck does not process is recorded ([`Crl::unknown_critical_extension`]: the CRL
    /// cannot be used, the status it would give is unknown), not a parse error; so is a
    /// signature algorithm sealcheck does not support.
    pub fn from_der(what: &str, der: &[u8]) -> Result<Self> {
        limits::check("CRL bytes", der.len(), MAX_CRL_BYTES)?;
        let mut outer = Reader::new(what, der);
        let mut list = outer.nested(tag::SEQUENCE)?;
        outer.finish()?;
        let tbs_tlv = list.expect(tag::SEQUENCE)?;
        let sig_alg = list.expect(tag::SEQUENCE)?;
        let sig_bits = list.expect(tag::BIT_STRING)?;
        list.finish()?;
        let start = tbs_tlv.raw.as_ptr() as usize - der.as_ptr() as usize;
        let tbs_range = start..start + tbs_tlv.raw.len();
        let signature = match sig_bits.value.split_first() {
            Some((0, sig)) => sig.to_vec(),
            _ => return Err(list.error("signatureValue is empty or has unused bits")),
        };

        let mut tbs = Reader::new(what, tbs_tlv.value);
        let v2 = if tbs.peek_tag() == Some(tag::INTEGER) {
            if tbs.small_uint()? != 1 {
                return Err(tbs.error("version, when present, must be v2 (RFC 5280 §5.1.2.1)"));
            }
            true
        } else {
            false
        };
        let inner_alg = tbs.expect(tag::SEQUENCE)?;
        if inner_alg.raw != sig_alg.raw {
            return Err(tbs.error("signatureAlgorithm differs from the tbsCertList signature field (RFC 5280 §5.1.1.2)"));
        }
        let mut alg = Reader::new(what, sig_alg.value);
        let alg_oid = alg.oid()?;
        let params = if alg.is_empty() { None } else { Some(alg.any()?.raw) };
        alg.finish()?;
        let scheme = SignatureScheme::from_algorithm_identifier(what, &alg_oid, params);
        let issuer = tbs.expect(tag::SEQUENCE)?;
        if issuer.value.is_empty() {
            return Err(tbs.error("issuer name is empty (RFC 5280 §5.1.2.3)"));
        }
        let this_update = time(&mut tbs, "thisUpdate")?;
        let next_update = match tbs.peek_tag() {
            Some(UTC_TIME | tag::GENERALIZED_TIME) => Some(time(&mut tbs, "nextUpdate")?),
            _ => None,
        };
        let revoked = tbs.optional(tag::SEQUENCE)?;
        let crl_extensions = tbs.optional(tag::context(0))?;
        tbs.finish()?;
        if crl_extensions.is_some() && !v2 {
            return Err(tbs.error("a v1 CRL has crlExtensions (RFC 5280 §5.1.2.1)"));
        }

        let mut crl = Self {
            der: der.to_vec(),
            tbs: tbs_range,
            scheme,
            signature,
            issuer: issuer.raw.to_vec(),
            this_update,
            next_update,
            entries: Vec::new(),
            crl_number: None,
            base_crl_number: None,
            idp: None,
            scope: Scope::default(),
            freshest_crl: false,
            unknown_critical: None,
        };
        if let Some(revoked) = revoked {
            // Counted first: the limit holds before any entry is parsed.
            let mut count = Reader::new(what, revoked.value);
            let mut n = 0usize;
            while !count.is_empty() {
                count.any()?;
                n += 1;
            }
            limits::check("CRL entries", n, MAX_CRL_ENTRIES)?;
            let mut r = Reader::new(what, revoked.value);
            while !r.is_empty() {
                let mut e = r.nested(tag::SEQUENCE)?;
                let serial = integer(&mut e)?.to_vec();
                let revocation_date = time(&mut e, "revocationDate")?;
                let exts = e.optional(tag::SEQUENCE)?;
                e.finish()?;
                let mut entry = RevokedEntry { serial, revocation_date, reason: None, invalidity_date: None };
                if let Some(exts) = exts {
                    if !v2 {
                        return Err(e.error("a v1 CRL has crlEntryExtensions (RFC 5280 §5.1.2.1)"));
                    }
                    crl.entry_extensions(what, exts.raw, &mut entry)?;
                }
                crl.entries.push(entry);
            }
        }
        if let Some(exts) = crl_extensions {
            crl.crl_extensions(what, exts.value)?;
        }
        Ok(crl)
    }

    /// Parses a CRL file's bytes: one DER CRL, or PEM (RFC 7468 §5) with one or more
    /// `X509 CRL` blocks and no block of another label.
    pub fn parse_file(what: &str, bytes: &[u8]) -> Result<Vec<Self>> {
        limits::check("CRL file bytes", bytes.len(), MAX_CRL_BYTES)?;
        if bytes.first() == Some(&tag::SEQUENCE) {
            return Ok(alloc::vec![Self::from_der(what, bytes)?]);
        }
        let text = core::str::from_utf8(bytes).map_err(|_| Error::Encoding { what: what.to_string(), encoding: "PEM" })?;
        encoding::pem_decode_all(what, text)?
            .iter()
            .enumerate()
            .map(|(i, block)| {
                let block_what = format!("{what} PEM block {i}");
                if block.label != PEM_LABEL {
                    return Err(Error::Encoding { what: format!("{block_what} (label {:?}, not {PEM_LABEL:?})", block.label), encoding: "PEM" });
                }
                Self::from_der(&block_what, &block.der)
            })
            .collect()
    }

    /// The whole CRL DER.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The signed `tbsCertList` bytes.
    #[must_use]
    pub fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// The issuer Name, DER (compared byte for byte with a certificate's issuer name).
    #[must_use]
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer
    }

    /// thisUpdate.
    #[must_use]
    pub const fn this_update(&self) -> UnixTime {
        self.this_update
    }

    /// nextUpdate; a CRL without one is never used.
    #[must_use]
    pub const fn next_update(&self) -> Option<UnixTime> {
        self.next_update
    }

    /// The revoked certificates, in the CRL's order.
    #[must_use]
    pub fn entries(&self) -> &[RevokedEntry] {
        &self.entries
    }

    /// cRLNumber (RFC 5280 §5.2.3), as minimal big-endian magnitude bytes.
    #[must_use]
    pub fn crl_number(&self) -> Option<&[u8]> {
        self.crl_number.as_deref()
    }

    /// The deltaCRLIndicator's BaseCRLNumber (RFC 5280 §5.2.4), as minimal big-endian
    /// magnitude bytes; `Some` on delta CRLs only.
    #[must_use]
    pub fn base_crl_number(&self) -> Option<&[u8]> {
        self.base_crl_number.as_deref()
    }

    /// True for a delta CRL (one with a deltaCRLIndicator).
    #[must_use]
    pub const fn is_delta(&self) -> bool {
        self.base_crl_number.is_some()
    }

    /// The critical extension (of the CRL or of one of its entries) that sealcheck does not
    /// process, or the issuingDistributionPoint feature it does not support (partial, indirect
    /// and attribute-certificate CRLs); a CRL with one is never used.
    #[must_use]
    pub fn unknown_critical_extension(&self) -> Option<&str> {
        self.unknown_critical.as_deref()
    }

    fn record_unknown(&mut self, detail: String) {
        if self.unknown_critical.is_none() {
            self.unknown_critical = Some(detail);
        }
    }

    /// `crlEntryExtensions` of `entry` (RFC 5280 §5.3).
    fn entry_extensions(&mut self, what: &str, raw: &[u8], entry: &mut RevokedEntry) -> Result<()> {
        for ext in extension_list(what, raw)? {
            let ctx = format!("{what} entry {} extension {}", serial_hex(&entry.serial), ext.oid);
            match ext.oid {
                OID_REASON_CODE => {
                    let v = asn1::single(&ctx, ext.value, ENUMERATED)?;
                    let reason = match v.value {
                        [code] => RevocationReason::from_code(*code),
                        _ => None,
                    };
                    let reason = reason.ok_or_else(|| Error::Der { what: ctx.clone(), detail: "not a CRLReason (RFC 5280 §5.3.1)".to_string() })?;
                    entry.reason = Some(reason);
                }
                OID_INVALIDITY_DATE => {
                    let v = asn1::single(&ctx, ext.value, tag::GENERALIZED_TIME)?;
                    // YYYYMMDDHHMMSSZ: seconds, Zulu, no fraction (RFC 5280 §4.1.2.5.2, §5.3.2).
                    if v.value.len() != 15 {
                        return Err(Error::Der { what: ctx, detail: "invalidityDate is not YYYYMMDDHHMMSSZ".to_string() });
                    }
                    entry.invalidity_date = Some(UnixTime::parse_generalized_time(v.value)?);
                }
                // certificateIssuer (indirect CRLs), holdInstructionCode and anything else are
                // not processed.
                ref oid if ext.critical => self.record_unknown(format!("critical extension {oid} in the entry for serial {}", serial_hex(&entry.serial))),
                _ => {}
            }
        }
        Ok(())
    }

    /// `crlExtensions` (RFC 5280 §5.2): the content of `[0] EXPLICIT Extensions`.
    fn crl_extensions(&mut self, what: &str, raw: &[u8]) -> Result<()> {
        for ext in extension_list(what, raw)? {
            let ctx = format!("{what} extension {}", ext.oid);
            match ext.oid {
                OID_CRL_NUMBER => self.crl_number = Some(crl_number(&ctx, ext.value)?),
                OID_DELTA_CRL_INDICATOR => self.base_crl_number = Some(crl_number(&ctx, ext.value)?),
                OID_ISSUING_DISTRIBUTION_POINT => {
                    let (scope, unsupported) = issuing_distribution_point(&ctx, ext.value)?;
                    self.scope = scope;
                    self.idp = Some(ext.value.to_vec());
                    if let Some(feature) = unsupported {
                        self.record_unknown(format!("issuingDistributionPoint {feature}"));
                    }
                }
                OID_FRESHEST_CRL => self.freshest_crl = true,
                // authorityKeyIdentifier, issuerAltName, authorityInfoAccess and the rest are
                // not processed: harmless unless critical.
                ref oid if ext.critical => self.record_unknown(format!("critical extension {oid}")),
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether the issuingDistributionPoint scope includes `cert` (RFC 5280 §6.3.3 (b)(2)).
    fn covers(&self, cert: &Certificate, is_ca: bool) -> bool {
        if (self.scope.only_user_certs && is_ca) || (self.scope.only_ca_certs && !is_ca) {
            return false;
        }
        match &self.scope.uris {
            None => true,
            Some(uris) => cert.extensions().crl_distribution_points.as_ref().is_some_and(|cdp| cdp.iter().any(|u| uris.contains(u))),
        }
    }

    /// Why this CRL's entries cannot be taken as its issuer's word: an unsupported signature
    /// algorithm, an issuer certificate without cRLSign (RFC 5280 §6.3.3 (f)), a signature that
    /// does not verify with the issuer certificate's key, or a critical extension that is not
    /// processed (RFC 5280 §5.2, §5.3). `Ok` when it is authentic.
    fn authentic(&self, backend: &dyn Backend, issuer: &Certificate) -> core::result::Result<(), String> {
        let scheme = self.scheme.as_ref().map_err(ToString::to_string)?;
        if issuer.extensions().key_usage.is_some_and(|ku| ku & (1 << KU_CRL_SIGN) == 0) {
            return Err("the issuer certificate's keyUsage does not assert cRLSign (RFC 5280 §6.3.3 (f))".to_string());
        }
        crypto::verify_signature(backend, String::new, *scheme, issuer.public_key(), Message::Raw(self.tbs_der()), &self.signature)
            .map_err(|_| "its signature does not verify with the issuer certificate's key".to_string())?;
        if let Some(ext) = &self.unknown_critical {
            return Err(format!("it has an unsupported {ext}"));
        }
        Ok(())
    }

    /// Why this authentic CRL cannot say that `cert` is not revoked at `now`: no nextUpdate,
    /// not current (`thisUpdate <= now < nextUpdate`), or a scope that does not include the
    /// certificate. `Ok` when it can.
    fn current_for(&self, cert: &Certificate, is_ca: bool, now: UnixTime) -> core::result::Result<(), String> {
        let Some(next_update) = self.next_update else {
            return Err("it has no nextUpdate".to_string());
        };
        if now < self.this_update {
            return Err(format!("it is not yet valid (thisUpdate {} is after the verification time {now})", self.this_update));
        }
        if now >= next_update {
            return Err(format!("it is stale (nextUpdate {next_update} is not after the verification time {now})"));
        }
        if !self.covers(cert, is_ca) {
            return Err("its issuingDistributionPoint does not cover the certificate".to_string());
        }
        Ok(())
    }
}

/// CRLs a caller supplied (offline): any number, from any issuers, complete or delta. Nothing
/// is fetched: [`check_chain`] picks from these.
#[derive(Debug, Clone, Default)]
pub struct CrlSet {
    crls: Vec<Crl>,
}

impl CrlSet {
    /// A set of `crls`.
    #[must_use]
    pub const fn new(crls: Vec<Crl>) -> Self {
        Self { crls }
    }

    /// True when no CRL was supplied.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty()
    }

    /// How many CRLs were supplied.
    #[must_use]
    pub fn len(&self) -> usize {
        self.crls.len()
    }

    /// The CRLs, in the order supplied.
    #[must_use]
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// A name for the set: SHA-256 over the sorted, deduplicated SHA-256 of each CRL's DER, so
    /// the same CRLs in any order (or repeated) have the same digest.
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        let mut each: Vec<[u8; 32]> = self.crls.iter().map(|c| crypto::content_sha256(&c.der)).collect();
        each.sort_unstable();
        each.dedup();
        let mut t = Transcript::default();
        t.field(b"sealcheck notation CRL set v1");
        for d in &each {
            t.field(d);
        }
        t.sha256()
    }
}

/// Checks the revocation of a certificate chain against the supplied CRLs, offline.
///
/// `chain` is leaf first, each certificate issued by the next, ending in a self-signed root:
/// already validated by the caller (signatures, names, validity). `now` is the verification time
/// (the CRLs must be current at it); `signing_time` is the authentic signing time when there is
/// one (`notary.x509.signingAuthority`), else `None` (notation-go `verifier.go verifyRevocation`
/// passes no time for `notary.x509`, timestamped or not). It is compared with invalidity dates
/// only, and never for the compromise reasons.
///
/// Every certificate but the root is checked by the rules of the [module documentation](self):
/// `Ok` when none is revoked and the status of every one is known; else
/// [`Error::Revoked`] for the revoked certificate nearest the leaf, or, when none is revoked,
/// [`Error::RevocationUnknown`] for the unknown one nearest the leaf. Certificates are named
/// `certificate <index> (CN=…)`, the leaf being 0.
pub fn check_chain(backend: &dyn Backend, chain: &[Certificate], crls: &CrlSet, now: UnixTime, signing_time: Option<UnixTime>) -> Result<()> {
    if chain.is_empty() {
        return Err(Error::RevocationUnknown { what: "certificate chain".to_string(), detail: "the chain is empty".to_string() });
    }
    let mut unknown = None;
    for (index, pair) in chain.windows(2).enumerate() {
        let [cert, issuer] = pair else { continue };
        match check_certificate(backend, index, cert, issuer, crls, now, signing_time) {
            Ok(()) => {}
            Err(e @ Error::Revoked { .. }) => return Err(e),
            Err(e) => {
                if unknown.is_none() {
                    unknown = Some(e);
                }
            }
        }
    }
    unknown.map_or(Ok(()), Err)
}

/// The revocation status of `chain[index]` (`cert`), issued by `issuer`.
fn check_certificate(
    backend: &dyn Backend,
    index: usize,
    cert: &Certificate,
    issuer: &Certificate,
    crls: &CrlSet,
    now: UnixTime,
    signing_time: Option<UnixTime>,
) -> Result<()> {
    let what = format!("certificate {index} ({})", short_name(cert));
    let unknown = |detail: String| Error::RevocationUnknown { what: what.clone(), detail };
    let ext = cert.extensions();
    if ext.crl_distribution_points.is_none() {
        if ext.ocsp {
            return Err(unknown("it names an OCSP responder and no CRL distribution point, and OCSP is not checked offline".to_string()));
        }
        return Ok(()); // not revocable
    }
    let is_ca = matches!(ext.basic_constraints, Some((true, _)));
    let serial = cert.serial();
    let revoked = |e: &RevokedEntry| Error::Revoked {
        what: what.clone(),
        serial: serial_hex(serial),
        reason: e.reason.unwrap_or(RevocationReason::Unspecified).name().to_string(),
    };

    // Every CRL in the issuer's name, checked once: authentic (signature, cRLSign, no unknown
    // critical extension), then current and in scope (`status` None: usable).
    let mut candidates: Vec<(usize, &Crl, Option<String>)> = Vec::new();
    for (k, crl) in crls.crls.iter().enumerate().filter(|(_, c)| c.issuer_der() == cert.issuer_der()) {
        if let Err(why) = crl.authentic(backend, issuer) {
            candidates.push((k, crl, Some(why)));
            continue;
        }
        // An authentic CRL, current or not, complete or delta, that lists the certificate for a
        // permanent reason revokes it (spec "Revocation Checking with CRL" step 3.ii: "If the CRL
        // is expired and the certificate is listed in the CRL for any reason other than
        // certificate hold, the certificate is considered revoked"): an old CRL cannot say a
        // certificate is good, but it can say it is revoked.
        if let Some(e) = listed(crl, serial).find(|e| !is_temporary(e) && revokes(e, signing_time)) {
            return Err(revoked(e));
        }
        candidates.push((k, crl, crl.current_for(cert, is_ca, now).err()));
    }
    let label = |k: usize, crl: &Crl| format!("{}CRL {k} (thisUpdate {})", if crl.is_delta() { "delta " } else { "" }, crl.this_update);

    // The newest usable complete CRL (thisUpdate, then cRLNumber).
    let base = candidates
        .iter()
        .filter(|(_, c, status)| !c.is_delta() && status.is_none())
        .map(|(_, c, _)| *c)
        .max_by(|a, b| (a.this_update, number_key(a.crl_number())).cmp(&(b.this_update, number_key(b.crl_number()))));
    let Some(base) = base else {
        let issuer_name = short_name(issuer);
        let problems: Vec<String> = candidates.iter().filter(|(_, c, _)| !c.is_delta()).filter_map(|(k, c, why)| Some(format!("{}: {}", label(*k, c), why.as_ref()?))).collect();
        return Err(unknown(if !problems.is_empty() {
            format!("no usable CRL from its issuer ({issuer_name}): {}", problems.join("; "))
        } else if !candidates.is_empty() {
            format!("only delta CRLs from its issuer ({issuer_name}) were supplied, no complete CRL")
        } else {
            format!("no CRL from its issuer ({issuer_name}) was supplied")
        }));
    };

    // The newest usable delta CRL that applies to `base` (RFC 5280 §5.2.4; notation-core-go
    // `validate`: same issuer and scope, BaseCRLNumber <= base cRLNumber < delta cRLNumber).
    let mut delta: Option<&Crl> = None;
    let mut delta_problems = Vec::new();
    for (k, crl, status) in candidates.iter().filter(|(_, c, _)| c.is_delta() && c.idp == base.idp) {
        let applies = match (crl.base_crl_number(), crl.crl_number(), base.crl_number()) {
            (Some(from), Some(n), Some(b)) => cmp_number(from, b) != Ordering::Greater && cmp_number(n, b) == Ordering::Greater,
            _ => false,
        };
        match status {
            Some(why) => delta_problems.push(format!("{}: {why}", label(*k, crl))),
            None if !applies => delta_problems.push(format!("{}: its CRL numbers do not fit the complete CRL's", label(*k, crl))),
            None => {
                if delta.is_none_or(|d| number_key(crl.crl_number()) > number_key(d.crl_number())) {
                    delta = Some(crl);
                }
            }
        }
    }
    if base.freshest_crl && delta.is_none() {
        let mut detail = "its CRL names a delta CRL (freshestCRL) and no usable delta CRL was supplied".to_string();
        if !delta_problems.is_empty() {
            detail = format!("{detail}: {}", delta_problems.join("; "));
        }
        return Err(unknown(detail));
    }

    // certificateHold / removeFromCRL (permanent reasons were handled above): the delta CRL's
    // word over the complete CRL's; within one CRL the most recent entry.
    let latest = delta.and_then(|d| latest_temporary(d, serial)).or_else(|| latest_temporary(base, serial));
    match latest {
        Some(e) if e.reason == Some(RevocationReason::CertificateHold) && revokes(e, signing_time) => Err(revoked(e)),
        _ => Ok(()),
    }
}

/// The entries of `crl` for `serial`.
fn listed<'c>(crl: &'c Crl, serial: &'c [u8]) -> impl Iterator<Item = &'c RevokedEntry> + 'c {
    crl.entries.iter().filter(move |e| e.serial == serial)
}

const fn is_temporary(e: &RevokedEntry) -> bool {
    matches!(e.reason, Some(r) if r.is_temporary())
}

/// The most recent certificateHold / removeFromCRL entry of `crl` for `serial` (the last one on
/// a tie).
fn latest_temporary<'c>(crl: &'c Crl, serial: &'c [u8]) -> Option<&'c RevokedEntry> {
    listed(crl, serial).filter(|e| is_temporary(e)).max_by_key(|e| e.revocation_date)
}

/// Whether a listed entry revokes a signature made at `signing_time`: compromise reasons
/// always; the others unless the signing time is known and before the invalidity date.
fn revokes(e: &RevokedEntry, signing_time: Option<UnixTime>) -> bool {
    if e.reason.is_some_and(RevocationReason::is_compromise) {
        return true;
    }
    !matches!((signing_time, e.invalidity_date), (Some(t), Some(invalid)) if t < invalid)
}

/// One Extension of an `Extensions` list.
struct Ext<'a> {
    oid: ObjectIdentifier,
    critical: bool,
    value: &'a [u8],
}

/// `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension` (RFC 5280 §4.1): strict DER (critical
/// FALSE is not encoded), no extension twice.
fn extension_list<'a>(what: &'a str, raw: &'a [u8]) -> Result<Vec<Ext<'a>>> {
    let mut r = Reader::new(what, raw);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    if seq.is_empty() {
        return Err(seq.error("empty Extensions (SIZE (1..MAX))"));
    }
    let mut out = Vec::new();
    let mut ids: Vec<&[u8]> = Vec::new();
    while !seq.is_empty() {
        let mut e = seq.nested(tag::SEQUENCE)?;
        let id = e.expect(tag::OID)?;
        let oid = ObjectIdentifier::from_bytes(id.value).map_err(|_| e.error("invalid extension OID"))?;
        let critical = if e.peek_tag() == Some(tag::BOOLEAN) {
            if !e.boolean()? {
                return Err(e.error("critical FALSE is encoded (DER omits a DEFAULT value)"));
            }
            true
        } else {
            false
        };
        let value = e.expect(tag::OCTET_STRING)?.value;
        e.finish()?;
        ids.push(id.value);
        out.push(Ext { oid, critical, value });
    }
    ids.sort_unstable();
    if ids.windows(2).any(|w| w.first() == w.get(1)) {
        return Err(seq.error("an extension appears twice"));
    }
    Ok(out)
}

/// `CRLNumber ::= INTEGER (0..MAX)`, at most 20 octets; returned as its minimal magnitude.
fn crl_number(what: &str, v: &[u8]) -> Result<Vec<u8>> {
    let mut r = Reader::new(what, v);
    let n = integer(&mut r)?;
    r.finish()?;
    let magnitude = match n {
        [b, ..] if b & 0x80 != 0 => return Err(r.error("negative CRL number")),
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => n,
    };
    if magnitude.len() > MAX_CRL_NUMBER_OCTETS {
        return Err(r.error("CRL number longer than 20 octets (RFC 5280 §5.2.3)"));
    }
    Ok(magnitude.to_vec())
}

/// Orders minimal magnitudes numerically.
fn cmp_number(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A sort key for an optional CRL number (absent sorts first).
fn number_key(n: Option<&[u8]>) -> (usize, &[u8]) {
    n.map_or((0, &[][..]), |n| (n.len() + 1, n))
}

/// `IssuingDistributionPoint` (RFC 5280 §5.2.5, IMPLICIT tags): the scope, and the feature
/// that is not supported, if any (a partial, indirect or attribute-certificate CRL, or a
/// distribution point not named by URI).
fn issuing_distribution_point(what: &str, v: &[u8]) -> Result<(Scope, Option<&'static str>)> {
    let mut r = Reader::new(what, v);
    let mut s = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    if s.is_empty() {
        return Err(s.error("empty issuingDistributionPoint (RFC 5280 §5.2.5)"));
    }
    let mut scope = Scope::default();
    let mut unsupported = None;
    if let Some(dp) = s.optional(tag::context(0))? {
        let mut dp = Reader::new(what, dp.value);
        let name = dp.any()?;
        dp.finish()?;
        match name.tag {
            // fullName [0] GeneralNames
            0xa0 => {
                let mut names = Reader::new(what, name.value);
                if names.is_empty() {
                    return Err(names.error("empty GeneralNames"));
                }
                let mut uris = Vec::new();
                while !names.is_empty() {
                    let gn = names.any()?;
                    if gn.tag == GENERAL_NAME_URI {
                        let uri = core::str::from_utf8(gn.value).map_err(|_| names.error("URI is not UTF-8"))?;
                        uris.push(uri.to_string());
                    }
                }
                if uris.is_empty() {
                    unsupported = Some("(a distribution point without a URI)");
                }
                scope.uris = Some(uris);
            }
            // nameRelativeToCRLIssuer [1]
            0xa1 => unsupported = Some("(a distribution point relative to the CRL issuer)"),
            _ => return Err(dp.error("invalid DistributionPointName")),
        }
    }
    let flag = |s: &mut Reader<'_>, n: u8| -> Result<bool> {
        match s.optional(tag::context_primitive(n))? {
            None => Ok(false),
            Some(t) if t.value == [0xff] => Ok(true),
            Some(_) => Err(s.error("invalid or explicitly FALSE BOOLEAN (DER omits a DEFAULT value)")),
        }
    };
    scope.only_user_certs = flag(&mut s, 1)?;
    scope.only_ca_certs = flag(&mut s, 2)?;
    let only_some_reasons = s.optional(tag::context_primitive(3))?.is_some();
    let indirect = flag(&mut s, 4)?;
    let only_attribute_certs = flag(&mut s, 5)?;
    s.finish()?;
    if usize::from(scope.only_user_certs) + usize::from(scope.only_ca_certs) + usize::from(only_attribute_certs) > 1 {
        return Err(s.error("more than one of onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts (RFC 5280 §5.2.5)"));
    }
    if only_some_reasons {
        unsupported = unsupported.or(Some("onlySomeReasons (a partial CRL)"));
    }
    if indirect {
        unsupported = unsupported.or(Some("indirectCRL"));
    }
    if only_attribute_certs {
        unsupported = unsupported.or(Some("onlyContainsAttributeCerts"));
    }
    Ok((scope, unsupported))
}

/// A DER INTEGER's content octets, checked minimal (X.690 §8.3.2); any sign.
fn integer<'a>(r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let v = r.expect(tag::INTEGER)?.value;
    match v {
        [] => Err(r.error("empty INTEGER")),
        [0x00, b, ..] if b & 0x80 == 0 => Err(r.error("non-minimal INTEGER")),
        [0xff, b, ..] if b & 0x80 != 0 => Err(r.error("non-minimal INTEGER")),
        _ => Ok(v),
    }
}

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }` (RFC 5280 §5.1.2.4),
/// read as certificates' validity is (`x509_cert::time::Time`, DER profile).
fn time(r: &mut Reader<'_>, field: &str) -> Result<UnixTime> {
    let tlv = r.any()?;
    if !matches!(tlv.tag, UTC_TIME | tag::GENERALIZED_TIME) {
        return Err(r.error(&format!("{field}: expected UTCTime or GeneralizedTime")));
    }
    let t = x509_cert::time::Time::from_der(tlv.raw).map_err(|e| r.error(&format!("{field}: {e}")))?;
    let secs = i64::try_from(t.to_unix_duration().as_secs()).map_err(|_| r.error(&format!("{field}: out of range")))?;
    Ok(UnixTime::from_secs(secs))
}

/// A serial number as hex, without the sign octet.
fn serial_hex(serial: &[u8]) -> String {
    match serial {
        [0, rest @ ..] if !rest.is_empty() => encoding::hex_encode(rest),
        _ => encoding::hex_encode(serial),
    }
}

/// `CN=<common name>` of a certificate's subject, else its serial number.
fn short_name(cert: &Certificate) -> String {
    common_name(cert.subject_der()).map_or_else(|| format!("serial {}", serial_hex(cert.serial())), |cn| format!("CN={cn}"))
}

/// The last (most specific) commonName of a DER Name.
fn common_name(name: &[u8]) -> Option<String> {
    let mut r = Reader::new("name", name);
    let mut rdns = r.nested(tag::SEQUENCE).ok()?;
    let mut found = None;
    while !rdns.is_empty() {
        let mut set = rdns.nested(tag::SET).ok()?;
        while !set.is_empty() {
            let mut atv = set.nested(tag::SEQUENCE).ok()?;
            if atv.oid().ok()? == OID_COMMON_NAME {
                found = asn1::string("name", &atv.any().ok()?).ok();
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::test_support::crl::{self as fixture, CrlSpec, Entry, Idp, reason};
    use crate::test_support::der::{self as d, encode, generalized_time, octets, oid, seq, uint, x509_time};
    use crate::test_support::keys::Key;
    use crate::test_support::pki::{Extension, Issuer, Template, name};
    use crate::test_support::{pem, DAY, T0};

    const ISSUER_CN: &str = "crl unit issuer";

    fn sig_alg() -> Vec<u8> {
        Key::p256(ISSUER_CN).signature_algorithm()
    }

    /// `spec` as a CRL with a placeholder signature (parsing does not verify).
    fn unsigned(spec: &CrlSpec) -> Vec<u8> {
        fixture::certificate_list(&spec.tbs(&name(ISSUER_CN), &sig_alg()), &sig_alg(), &[0x30, 0x00])
    }

    fn parse(spec: &CrlSpec) -> Result<Crl> {
        Crl::from_der("test.crl", &unsigned(spec))
    }

    #[track_caller]
    fn assert_der_error(r: Result<Crl>, needle: &str) {
        match r {
            Err(Error::Der { what, detail }) => {
                assert_eq!(what.split(' ').next(), Some("test.crl"), "{what}");
                assert!(detail.contains(needle), "{detail:?} does not mention {needle:?}");
            }
            other => panic!("expected a DER error mentioning {needle:?}, got {other:?}"),
        }
    }

    /// RFC 5280 §5.1: every field the check reads, and the exact signed bytes.
    #[test]
    fn reads_every_field() {
        let issuer = Issuer::root(Key::p256(ISSUER_CN), ISSUER_CN);
        let spec = CrlSpec::default()
            .number(0x1234)
            .entry(Entry::new(0x1000, T0).reason(reason::KEY_COMPROMISE).invalid_since(T0 - DAY))
            .entry(Entry::new(0x80, T0 + 1));
        let der = spec.sign(&issuer);
        let crl = Crl::from_der("test.crl", &der).unwrap();
        assert_eq!(crl.issuer_der(), issuer.subject.as_slice());
        assert_eq!(crl.this_update(), UnixTime::from_secs(fixture::THIS_UPDATE));
        assert_eq!(crl.next_update(), Some(UnixTime::from_secs(fixture::NEXT_UPDATE)));
        assert_eq!(crl.crl_number(), Some(&[0x12, 0x34][..]));
        assert!(!crl.is_delta() && crl.base_crl_number().is_none() && crl.unknown_critical_extension().is_none());
        assert_eq!(crl.der(), der.as_slice());
        assert_eq!(crl.tbs_der(), spec.tbs(&issuer.subject, &issuer.key.signature_algorithm()).as_slice());
        assert_eq!(
            crl.entries(),
            [
                RevokedEntry {
                    serial: alloc::vec![0x10, 0x00],
                    revocation_date: UnixTime::from_secs(T0),
                    reason: Some(RevocationReason::KeyCompromise),
                    invalidity_date: Some(UnixTime::from_secs(T0 - DAY)),
                },
                // The sign octet stays, as in Certificate::serial.
                RevokedEntry { serial: alloc::vec![0x00, 0x80], revocation_date: UnixTime::from_secs(T0 + 1), reason: None, invalidity_date: None },
            ]
        );
        let delta = parse(&CrlSpec::default().delta(3, 2)).unwrap();
        assert!(delta.is_delta());
        assert_eq!((delta.crl_number(), delta.base_crl_number()), (Some(&[3][..]), Some(&[2][..])));
    }

    /// Serial numbers compare as the certificate parser stores them (x509-cert keeps the
    /// minimal two's-complement content, sign octet included).
    #[test]
    fn serials_match_certificate_serials() {
        let issuer = Issuer::root(Key::p256(ISSUER_CN), ISSUER_CN);
        for serial in [1u64, 0x7f, 0x80, 0x1000, 0xffff_ffff] {
            let cert = issuer.issue(&Template::ca(serial, "serial test", &Key::p256("serial test"), None));
            let cert = Certificate::from_der("cert", &cert).unwrap();
            let crl = parse(&CrlSpec::default().entry(Entry::new(serial, T0))).unwrap();
            assert_eq!(crl.entries()[0].serial, cert.serial(), "{serial:#x}");
        }
        assert_eq!(serial_hex(&[0x00, 0x80]), "80");
        assert_eq!(serial_hex(&[0x10, 0x00]), "1000");
    }

    /// X.690 §8.3.2: minimal INTEGERs; a negative serial (non-conforming CAs, RFC 5280 §4.1.2.2)
    /// is read as it is.
    #[test]
    fn serial_encodings() {
        let with_serial = |serial: &[u8]| {
            let entry = seq(&[&encode(d::tag::INTEGER, serial), &x509_time(T0)]);
            let tbs = seq(&[&uint(1), &sig_alg(), &name(ISSUER_CN), &x509_time(T0), &seq(&[&entry])]);
            Crl::from_der("test.crl", &fixture::certificate_list(&tbs, &sig_alg(), &[0]))
        };
        assert_eq!(with_serial(&[0xff, 0x01]).unwrap().entries()[0].serial, [0xff, 0x01]);
        assert_der_error(with_serial(&[0x00, 0x01]), "non-minimal INTEGER");
        assert_der_error(with_serial(&[0xff, 0x80]), "non-minimal INTEGER");
        assert_der_error(with_serial(&[]), "empty INTEGER");
    }

    /// RFC 5280 §5.1.2.1: the version is v2 when present, and present with any extension; a
    /// v1 CRL without extensions parses.
    #[test]
    fn version_rules() {
        let v1 = CrlSpec { version: None, extensions: Vec::new(), ..CrlSpec::default() };
        assert!(parse(&v1.clone().entry(Entry::new(1, T0))).is_ok());
        assert_der_error(parse(&CrlSpec { version: Some(0), ..CrlSpec::default() }), "must be v2");
        assert_der_error(parse(&CrlSpec { version: Some(2), ..CrlSpec::default() }), "must be v2");
        assert_der_error(parse(&CrlSpec { version: None, ..CrlSpec::default() }), "v1 CRL has crlExtensions");
        assert_der_error(parse(&v1.entry(Entry::new(1, T0).reason(reason::SUPERSEDED))), "v1 CRL has crlEntryExtensions");
    }

    /// The outer structure, in strict DER (RFC 5280 §5.1.1).
    #[test]
    fn structure() {
        let good = unsigned(&CrlSpec::default());
        assert!(Crl::from_der("test.crl", &good).is_ok());
        let mut trailing = good.clone();
        trailing.push(0);
        assert_der_error(Crl::from_der("test.crl", &trailing), "trailing data");
        assert_der_error(Crl::from_der("test.crl", &good[..good.len() - 1]), "truncated");
        assert_der_error(Crl::from_der("test.crl", &[]), "expected tag 0x30");
        let tbs = CrlSpec::default().tbs(&name(ISSUER_CN), &sig_alg());
        let unused_bits = seq(&[&tbs, &sig_alg(), &encode(d::tag::BIT_STRING, &[1, 0x30, 0x00])]);
        assert_der_error(Crl::from_der("test.crl", &unused_bits), "unused bits");
        let other_alg = Key::p384("other").signature_algorithm();
        assert_der_error(Crl::from_der("test.crl", &fixture::certificate_list(&tbs, &other_alg, &[0])), "differs from the tbsCertList");
        let empty_issuer = fixture::certificate_list(&CrlSpec::default().tbs(&seq(&[]), &sig_alg()), &sig_alg(), &[0]);
        assert_der_error(Crl::from_der("test.crl", &empty_issuer), "issuer name is empty");
        // An unsupported signature algorithm is recorded, not an error: the CRL is unusable.
        let sha1_rsa = seq(&[&oid("1.2.840.113549.1.1.5"), &[0x05, 0x00]]);
        let crl = Crl::from_der("test.crl", &fixture::certificate_list(&CrlSpec::default().tbs(&name(ISSUER_CN), &sha1_rsa), &sha1_rsa, &[0])).unwrap();
        assert!(matches!(crl.scheme, Err(Error::UnsupportedAlgorithm { .. })));
    }

    /// RFC 5280 §5.1.2.4–5: UTCTime or GeneralizedTime in the DER profile; nextUpdate optional.
    #[test]
    fn times() {
        let with_times = |this: &[u8], next: &[u8]| {
            let tbs = seq(&[&uint(1), &sig_alg(), &name(ISSUER_CN), this, next]);
            Crl::from_der("test.crl", &fixture::certificate_list(&tbs, &sig_alg(), &[0]))
        };
        let crl = with_times(&generalized_time(T0), &[]).unwrap();
        assert_eq!((crl.this_update(), crl.next_update()), (UnixTime::from_secs(T0), None));
        assert_eq!(with_times(&x509_time(2_524_608_000), &[]).unwrap().this_update(), UnixTime::from_secs(2_524_608_000), "2050: GeneralizedTime");
        assert_der_error(with_times(&encode(0x17, b"2311142213Z"), &[]), "thisUpdate");
        assert_der_error(with_times(&encode(0x17, b"231114221320+0100"), &[]), "thisUpdate");
        assert_der_error(with_times(&encode(0x18, b"20231114221320.5Z"), &[]), "thisUpdate");
        assert_der_error(with_times(&uint(5), &[]), "expected UTCTime or GeneralizedTime");
        assert_der_error(with_times(&x509_time(T0), &encode(0x17, b"2311142213Z")), "nextUpdate");
    }

    /// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, DER (RFC 5280 §4.1, §5.2, §5.3).
    #[test]
    fn extension_encodings() {
        let with_crl_exts = |exts: &[u8]| {
            let tbs = seq(&[&uint(1), &sig_alg(), &name(ISSUER_CN), &x509_time(T0), &d::context(0, exts)]);
            Crl::from_der("test.crl", &fixture::certificate_list(&tbs, &sig_alg(), &[0]))
        };
        assert_der_error(with_crl_exts(&seq(&[])), "empty Extensions");
        let explicit_false = seq(&[&seq(&[&oid(fixture::OID_CRL_NUMBER), &d::boolean(false), &octets(&uint(1))])]);
        assert_der_error(with_crl_exts(&explicit_false), "critical FALSE");
        let number = fixture::extension_der(&Extension::crl_number(1));
        assert_der_error(with_crl_exts(&seq(&[&number, &number])), "appears twice");
        assert_der_error(parse(&CrlSpec::default().with(Extension::new(fixture::OID_CRL_NUMBER, false, uint(1)[..2].to_vec()))), "truncated");
        let negative = Extension::new(fixture::OID_CRL_NUMBER, false, encode(d::tag::INTEGER, &[0x80]));
        assert_der_error(parse(&CrlSpec::default().with(negative)), "negative CRL number");
        let long = Extension::new(fixture::OID_CRL_NUMBER, false, encode(d::tag::INTEGER, &[1; 21]));
        assert_der_error(parse(&CrlSpec::default().with(long)), "20 octets");
        let twenty = Extension::new(fixture::OID_CRL_NUMBER, false, encode(d::tag::INTEGER, &[&[0u8][..], &[0xff; 20]].concat()));
        assert_eq!(parse(&CrlSpec::default().with(twenty)).unwrap().crl_number(), Some(&[0xff; 20][..]));
    }

    /// RFC 5280 §5.3.1 CRLReason (7 unused) and §5.3.2 invalidityDate (GeneralizedTime, no
    /// fraction).
    #[test]
    fn entry_extensions() {
        let with_entry_ext = |ext: Extension| parse(&CrlSpec::default().entry(Entry::new(1, T0).with(ext)));
        for code in [0u8, 1, 2, 3, 4, 5, 6, 8, 9, 10] {
            let crl = parse(&CrlSpec::default().entry(Entry::new(1, T0).reason(code))).unwrap();
            let r = crl.entries()[0].reason.unwrap();
            assert_eq!((r.code(), RevocationReason::from_code(code)), (code, Some(r)));
        }
        assert_eq!(RevocationReason::RemoveFromCrl.name(), "removeFromCRL");
        assert_eq!(RevocationReason::CaCompromise.name(), "cACompromise");
        for bad in [7u8, 11, 0xff] {
            assert_der_error(with_entry_ext(Extension::reason_code(bad)), "not a CRLReason");
        }
        assert_der_error(with_entry_ext(Extension::new(fixture::OID_REASON_CODE, false, encode(0x0a, &[0, 1]))), "not a CRLReason");
        assert_der_error(with_entry_ext(Extension::new(fixture::OID_REASON_CODE, false, uint(1))), "expected tag 0x0a");
        assert_der_error(with_entry_ext(Extension::new(fixture::OID_INVALIDITY_DATE, false, encode(0x18, b"20231114221320.5Z"))), "YYYYMMDDHHMMSSZ");
        assert_der_error(with_entry_ext(Extension::new(fixture::OID_INVALIDITY_DATE, false, x509_time(T0))), "expected tag 0x18");
        let crl = with_entry_ext(Extension::invalidity_date(T0 - 5)).unwrap();
        assert_eq!(crl.entries()[0].invalidity_date, Some(UnixTime::from_secs(T0 - 5)));
    }

    /// RFC 5280 §5.2 / §5.3: a critical extension that is not processed is recorded (the CRL is
    /// then never used), a non-critical one ignored.
    #[test]
    fn unknown_critical_extensions_are_recorded() {
        let unknown = |critical| Extension::new("1.3.6.1.4.1.99999.1", critical, octets(b"x"));
        let crl = parse(&CrlSpec::default().with(unknown(true))).unwrap();
        assert_eq!(crl.unknown_critical_extension(), Some("critical extension 1.3.6.1.4.1.99999.1"));
        assert!(parse(&CrlSpec::default().with(unknown(false))).unwrap().unknown_critical_extension().is_none());
        // Entry extensions: certificateIssuer belongs to indirect CRLs, which are not supported.
        let issuer = Extension::new(fixture::OID_CERTIFICATE_ISSUER, true, seq(&[&d::context(4, &name("x"))]));
        let crl = parse(&CrlSpec::default().entry(Entry::new(0x1000, T0).with(issuer))).unwrap();
        assert_eq!(crl.unknown_critical_extension(), Some("critical extension 2.5.29.29 in the entry for serial 1000"));
        // authorityKeyIdentifier is not processed: harmless unless critical.
        let aki = |critical| Extension::new("2.5.29.35", critical, seq(&[&encode(0x80, &[1; 20])]));
        assert!(parse(&CrlSpec::default().with(aki(false))).unwrap().unknown_critical_extension().is_none());
        assert!(parse(&CrlSpec::default().with(aki(true))).unwrap().unknown_critical_extension().is_some());
    }

    /// RFC 5280 §5.2.5: the scopes sealcheck applies, the ones it refuses, and malformed ones.
    #[test]
    fn issuing_distribution_points() {
        let with_idp = |idp: Idp| parse(&CrlSpec::default().with(Extension::issuing_distribution_point(&idp)));
        let crl = with_idp(Idp { uri: Some("http://x/a.crl".into()), only_ca_certs: true, ..Idp::default() }).unwrap();
        assert!(crl.unknown_critical_extension().is_none());
        assert_eq!(crl.scope, Scope { uris: Some(alloc::vec!["http://x/a.crl".to_string()]), only_user_certs: false, only_ca_certs: true });
        for (idp, feature) in [
            (Idp { only_some_reasons: true, ..Idp::default() }, "onlySomeReasons"),
            (Idp { indirect_crl: true, ..Idp::default() }, "indirectCRL"),
            (Idp { only_attribute_certs: true, ..Idp::default() }, "onlyContainsAttributeCerts"),
        ] {
            let crl = with_idp(idp).unwrap();
            assert!(crl.unknown_critical_extension().is_some_and(|u| u.contains(feature)), "{feature}");
        }
        assert_der_error(with_idp(Idp::default()), "empty issuingDistributionPoint");
        assert_der_error(with_idp(Idp { only_user_certs: true, only_ca_certs: true, ..Idp::default() }), "more than one");
        let explicit_false = Extension::new(fixture::OID_ISSUING_DISTRIBUTION_POINT, true, seq(&[&encode(0x81, &[0])]));
        assert_der_error(parse(&CrlSpec::default().with(explicit_false)), "explicitly FALSE");
        let relative = Extension::new(fixture::OID_ISSUING_DISTRIBUTION_POINT, true, seq(&[&d::context(0, &d::context(1, &d::set(&[])))]));
        assert!(parse(&CrlSpec::default().with(relative)).unwrap().unknown_critical_extension().is_some());
    }

    /// A file is DER or PEM `X509 CRL` blocks (RFC 7468 §5), through the crate's one PEM reader.
    #[test]
    fn files() {
        let a = unsigned(&CrlSpec::default().number(1));
        let b = unsigned(&CrlSpec::default().number(2));
        assert_eq!(Crl::parse_file("f", &a).unwrap().len(), 1);
        let text = format!("comment\n{}{}", pem("X509 CRL", &a), pem("X509 CRL", &b));
        let both = Crl::parse_file("f", text.as_bytes()).unwrap();
        assert_eq!(both.iter().map(|c| c.crl_number().unwrap()[0]).collect::<Vec<_>>(), [1, 2]);
        let mixed = format!("{}{}", pem("X509 CRL", &a), pem("CERTIFICATE", &b));
        assert!(matches!(Crl::parse_file("f", mixed.as_bytes()), Err(Error::Encoding { what, .. }) if what.contains("PEM block 1")));
        assert!(matches!(Crl::parse_file("f", b"not a CRL"), Err(Error::Encoding { .. })));
        assert!(matches!(Crl::parse_file("f", &[0xff, 0xfe]), Err(Error::Encoding { .. })));
        let bad = pem("X509 CRL", &a[..a.len() - 1]);
        assert!(matches!(Crl::parse_file("f", bad.as_bytes()), Err(Error::Der { what, .. }) if what == "f PEM block 0"));
    }

    /// limits: the size is checked before anything is parsed.
    #[test]
    fn size_limit() {
        let big = alloc::vec![0u8; MAX_CRL_BYTES + 1];
        assert!(matches!(Crl::from_der("big", &big), Err(Error::LimitExceeded { what: "CRL bytes", .. })));
        assert!(matches!(Crl::parse_file("big", &big), Err(Error::LimitExceeded { what: "CRL file bytes", .. })));
    }

    /// The set's name does not depend on order or repetition.
    #[test]
    fn set_digest() {
        let a = parse(&CrlSpec::default().number(1)).unwrap();
        let b = parse(&CrlSpec::default().number(2)).unwrap();
        let ab = CrlSet::new(alloc::vec![a.clone(), b.clone()]);
        assert_eq!(ab.digest(), CrlSet::new(alloc::vec![b.clone(), a.clone(), b]).digest());
        assert_ne!(ab.digest(), CrlSet::new(alloc::vec![a]).digest());
        assert_ne!(CrlSet::default().digest(), ab.digest());
        assert!(CrlSet::default().is_empty() && ab.len() == 2);
    }

    /// Certificates are named by their subject's CN in errors.
    #[test]
    fn names() {
        let chain = fixture::CrlChain::new(&fixture::ChainSpec::default());
        let leaf = Certificate::from_der("leaf", &chain.leaf).unwrap();
        assert_eq!(short_name(&leaf), "CN=crl leaf");
        let no_cn = Issuer::root(Key::p256("x"), "x").issue(&Template { subject: seq(&[]), ..Template::ca(0x42, "x", &Key::p256("y"), None) });
        assert_eq!(short_name(&Certificate::from_der("c", &no_cn).unwrap()), "serial 42");
        assert!(check_chain(&RUST_CRYPTO, &[], &CrlSet::default(), UnixTime::from_secs(T0), None).is_err());
    }
}
