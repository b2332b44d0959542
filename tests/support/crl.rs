//! Certificate revocation lists (RFC 5280 §5.1) built field by field and signed by generated
//! [`Issuer`]s, with a knob for every field a revocation check reads: entries (serial,
//! revocationDate, reasonCode, invalidityDate), thisUpdate / nextUpdate, and the CRL extensions
//! (cRLNumber, deltaCRLIndicator, issuingDistributionPoint, freshestCRL, any other). Also the
//! certificate extensions that make a certificate revocable (cRLDistributionPoints, RFC 5280
//! §4.2.1.13; authorityInfoAccess with an OCSP responder, §4.2.2.1), and a three-certificate
//! chain shaped like notation's e2e CRL chain (`test/e2e/testdata/config/crl/certchain_with_crl.pem`:
//! leaf 0x1000 with a CDP, intermediate 0x1002 with a CDP and an OCSP responder, root).
#![allow(dead_code, reason = "each test uses a part; generated.rs, which checks the rest for dead items, uses none")]

use super::der::{bits, boolean, context, encode, generalized_time, octets, oid, seq, tag, uint, x509_time};
use super::keys::Key;
use super::pki::{EKU_CODE_SIGNING, Extension, Issuer, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, Template, name};
use super::{DAY, T0, YEAR};

pub const OID_CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
pub const OID_AUTHORITY_INFO_ACCESS: &str = "1.3.6.1.5.5.7.1.1";
pub const OID_CRL_NUMBER: &str = "2.5.29.20";
pub const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
pub const OID_ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
pub const OID_FRESHEST_CRL: &str = "2.5.29.46";
pub const OID_REASON_CODE: &str = "2.5.29.21";
pub const OID_INVALIDITY_DATE: &str = "2.5.29.24";
pub const OID_CERTIFICATE_ISSUER: &str = "2.5.29.29";
const AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const ENUMERATED: u8 = 0x0a;

/// `CRLReason` values (RFC 5280 §5.3.1).
pub mod reason {
    pub const UNSPECIFIED: u8 = 0;
    pub const KEY_COMPROMISE: u8 = 1;
    pub const CA_COMPROMISE: u8 = 2;
    pub const AFFILIATION_CHANGED: u8 = 3;
    pub const SUPERSEDED: u8 = 4;
    pub const CESSATION_OF_OPERATION: u8 = 5;
    pub const CERTIFICATE_HOLD: u8 = 6;
    pub const REMOVE_FROM_CRL: u8 = 8;
    pub const PRIVILEGE_WITHDRAWN: u8 = 9;
    pub const AA_COMPROMISE: u8 = 10;
}

/// thisUpdate of [`CrlSpec::default`].
pub const THIS_UPDATE: i64 = T0 + DAY;
/// nextUpdate of [`CrlSpec::default`].
pub const NEXT_UPDATE: i64 = T0 + 8 * DAY;
/// A verification time inside [`THIS_UPDATE`]..[`NEXT_UPDATE`].
pub const CHECKED_AT: i64 = T0 + 2 * DAY;
/// When the default entries were revoked.
pub const REVOKED_AT: i64 = T0 + DAY / 2;

pub const LEAF_SERIAL: u64 = 0x1000;
pub const INTERMEDIATE_SERIAL: u64 = 0x1002;
pub const LEAF_CDP: &str = "http://crl.sealcheck.test/leaf.crl";
pub const INTERMEDIATE_CDP: &str = "http://crl.sealcheck.test/intermediate.crl";
pub const OCSP_URI: &str = "http://ocsp.sealcheck.test";

/// GeneralName uniformResourceIdentifier `[6] IA5String`.
fn uri_name(uri: &str) -> Vec<u8> {
    encode(tag::context_primitive(6), uri.as_bytes())
}

/// `DistributionPointName` fullName with one URI, as the `[0]` of a DistributionPoint or an
/// IssuingDistributionPoint (the CHOICE makes the outer tag explicit; fullName is IMPLICIT).
fn full_name(uri: &str) -> Vec<u8> {
    context(0, &context(0, &uri_name(uri)))
}

/// One Extension's DER (RFC 5280 §4.1): OID, critical only when TRUE, the value in an OCTET
/// STRING.
pub fn extension_der(e: &Extension) -> Vec<u8> {
    let critical = if e.critical { boolean(true) } else { Vec::new() };
    seq(&[&oid(&e.oid), &critical, &octets(&e.value)])
}

/// `Extensions` of `exts`, in order.
pub fn extensions_der(exts: &[Extension]) -> Vec<u8> {
    let ders: Vec<Vec<u8>> = exts.iter().map(extension_der).collect();
    seq(&ders.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

/// The knobs of an issuingDistributionPoint (RFC 5280 §5.2.5).
#[derive(Clone, Debug, Default)]
pub struct Idp {
    pub uri: Option<String>,
    pub only_user_certs: bool,
    pub only_ca_certs: bool,
    pub only_some_reasons: bool,
    pub indirect_crl: bool,
    pub only_attribute_certs: bool,
}

impl Extension {
    /// cRLDistributionPoints with one DistributionPoint whose fullName is `uri`, non-critical
    /// (RFC 5280 §4.2.1.13).
    pub fn crl_distribution_point(uri: &str) -> Self {
        Self::new(OID_CRL_DISTRIBUTION_POINTS, false, seq(&[&seq(&[&full_name(uri)])]))
    }

    /// authorityInfoAccess with one id-ad-ocsp responder (RFC 5280 §4.2.2.1).
    pub fn ocsp_responder(uri: &str) -> Self {
        Self::new(OID_AUTHORITY_INFO_ACCESS, false, seq(&[&seq(&[&oid(AD_OCSP), &uri_name(uri)])]))
    }

    /// cRLNumber, non-critical (RFC 5280 §5.2.3).
    pub fn crl_number(n: u64) -> Self {
        Self::new(OID_CRL_NUMBER, false, uint(n))
    }

    /// deltaCRLIndicator naming BaseCRLNumber `base`, critical (RFC 5280 §5.2.4).
    pub fn delta_crl_indicator(base: u64) -> Self {
        Self::new(OID_DELTA_CRL_INDICATOR, true, uint(base))
    }

    /// freshestCRL with one distribution point `uri`, non-critical (RFC 5280 §5.2.6).
    pub fn freshest_crl(uri: &str) -> Self {
        Self::new(OID_FRESHEST_CRL, false, seq(&[&seq(&[&full_name(uri)])]))
    }

    /// issuingDistributionPoint, critical (RFC 5280 §5.2.5; IMPLICIT tags, DEFAULT FALSE
    /// booleans omitted).
    pub fn issuing_distribution_point(idp: &Idp) -> Self {
        let flag = |n: u8, on: bool| if on { encode(tag::context_primitive(n), &[0xff]) } else { Vec::new() };
        let dp = idp.uri.as_deref().map(full_name).unwrap_or_default();
        // ReasonFlags with keyCompromise (bit 1) only.
        let reasons = if idp.only_some_reasons { encode(tag::context_primitive(3), &[6, 0x40]) } else { Vec::new() };
        let value = seq(&[
            &dp,
            &flag(1, idp.only_user_certs),
            &flag(2, idp.only_ca_certs),
            &reasons,
            &flag(4, idp.indirect_crl),
            &flag(5, idp.only_attribute_certs),
        ]);
        Self::new(OID_ISSUING_DISTRIBUTION_POINT, true, value)
    }

    /// reasonCode entry extension (RFC 5280 §5.3.1).
    pub fn reason_code(code: u8) -> Self {
        Self::new(OID_REASON_CODE, false, encode(ENUMERATED, &[code]))
    }

    /// invalidityDate entry extension (RFC 5280 §5.3.2): GeneralizedTime.
    pub fn invalidity_date(secs: i64) -> Self {
        Self::new(OID_INVALIDITY_DATE, false, generalized_time(secs))
    }
}

/// One revokedCertificates entry.
#[derive(Clone, Debug)]
pub struct Entry {
    pub serial: u64,
    pub revocation_date: i64,
    pub reason: Option<u8>,
    pub invalidity_date: Option<i64>,
    /// Added after the reason code and invalidity date.
    pub extra: Vec<Extension>,
}

impl Entry {
    /// `serial` revoked at `revocation_date`, no reason, no invalidity date.
    pub fn new(serial: u64, revocation_date: i64) -> Self {
        Self { serial, revocation_date, reason: None, invalidity_date: None, extra: Vec::new() }
    }

    /// With a reasonCode.
    pub fn reason(mut self, code: u8) -> Self {
        self.reason = Some(code);
        self
    }

    /// With an invalidityDate.
    pub fn invalid_since(mut self, secs: i64) -> Self {
        self.invalidity_date = Some(secs);
        self
    }

    /// With one more entry extension.
    pub fn with(mut self, ext: Extension) -> Self {
        self.extra.push(ext);
        self
    }

    /// The entry's DER: `SEQUENCE { userCertificate, revocationDate, crlEntryExtensions OPTIONAL }`.
    pub fn der(&self) -> Vec<u8> {
        let mut exts: Vec<Extension> = Vec::new();
        exts.extend(self.reason.map(Extension::reason_code));
        exts.extend(self.invalidity_date.map(Extension::invalidity_date));
        exts.extend(self.extra.iter().cloned());
        let exts = if exts.is_empty() { Vec::new() } else { extensions_der(&exts) };
        seq(&[&uint(self.serial), &x509_time(self.revocation_date), &exts])
    }
}

/// Every field of a TBSCertList except the issuer and the signature algorithm, which come from
/// whoever signs it. [`Default`]: v2, thisUpdate [`THIS_UPDATE`], nextUpdate [`NEXT_UPDATE`],
/// no entries, cRLNumber 1.
#[derive(Clone, Debug)]
pub struct CrlSpec {
    /// The version INTEGER: `Some(1)` is v2; `None` leaves it out (v1).
    pub version: Option<u64>,
    pub this_update: i64,
    pub next_update: Option<i64>,
    pub entries: Vec<Entry>,
    pub extensions: Vec<Extension>,
}

impl Default for CrlSpec {
    fn default() -> Self {
        Self {
            version: Some(1),
            this_update: THIS_UPDATE,
            next_update: Some(NEXT_UPDATE),
            entries: Vec::new(),
            extensions: vec![Extension::crl_number(1)],
        }
    }
}

impl CrlSpec {
    /// With one more entry.
    pub fn entry(mut self, e: Entry) -> Self {
        self.entries.push(e);
        self
    }

    /// Replaces the extension with the same OID, or appends `ext`.
    pub fn with(mut self, ext: Extension) -> Self {
        match self.extensions.iter_mut().find(|e| e.oid == ext.oid) {
            Some(e) => *e = ext,
            None => self.extensions.push(ext),
        }
        self
    }

    /// Removes the extension with `oid`.
    pub fn without(mut self, oid: &str) -> Self {
        self.extensions.retain(|e| e.oid != oid);
        self
    }

    /// With cRLNumber `n`.
    pub fn number(self, n: u64) -> Self {
        self.with(Extension::crl_number(n))
    }

    /// A delta CRL: cRLNumber `n`, deltaCRLIndicator `base`.
    pub fn delta(self, n: u64, base: u64) -> Self {
        self.number(n).with(Extension::delta_crl_indicator(base))
    }

    /// The TBSCertList with `issuer_name` and `sig_alg` (RFC 5280 §5.1).
    pub fn tbs(&self, issuer_name: &[u8], sig_alg: &[u8]) -> Vec<u8> {
        let version = self.version.map(uint).unwrap_or_default();
        let next = self.next_update.map(x509_time).unwrap_or_default();
        let entries: Vec<Vec<u8>> = self.entries.iter().map(Entry::der).collect();
        let entries = if entries.is_empty() { Vec::new() } else { seq(&entries.iter().map(Vec::as_slice).collect::<Vec<_>>()) };
        let exts = if self.extensions.is_empty() { Vec::new() } else { context(0, &extensions_der(&self.extensions)) };
        seq(&[&version, sig_alg, issuer_name, &x509_time(self.this_update), &next, &entries, &exts])
    }

    /// The CRL signed by `issuer`, in its name.
    pub fn sign(&self, issuer: &Issuer) -> Vec<u8> {
        self.sign_as(&issuer.subject, &issuer.key)
    }

    /// The CRL in the name `issuer_name`, signed by `key` (another key than the issuer's makes
    /// a CRL that does not verify).
    pub fn sign_as(&self, issuer_name: &[u8], key: &Key) -> Vec<u8> {
        let sig_alg = key.signature_algorithm();
        let tbs = self.tbs(issuer_name, &sig_alg);
        certificate_list(&tbs, &sig_alg, &key.sign(&tbs))
    }
}

/// `CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }`.
pub fn certificate_list(tbs: &[u8], sig_alg: &[u8], signature: &[u8]) -> Vec<u8> {
    seq(&[tbs, sig_alg, &bits(signature)])
}

/// Which revocation information the chain's certificates carry. [`Default`] mirrors the e2e
/// chain: the leaf has a CDP, the intermediate a CDP and an OCSP responder.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    pub leaf_cdp: Option<String>,
    pub leaf_ocsp: Option<String>,
    pub intermediate_cdp: Option<String>,
    pub intermediate_ocsp: Option<String>,
    /// The intermediate's keyUsage asserts cRLSign (with keyCertSign).
    pub intermediate_crl_sign: bool,
}

impl Default for ChainSpec {
    fn default() -> Self {
        Self {
            leaf_cdp: Some(LEAF_CDP.into()),
            leaf_ocsp: None,
            intermediate_cdp: Some(INTERMEDIATE_CDP.into()),
            intermediate_ocsp: Some(OCSP_URI.into()),
            intermediate_crl_sign: true,
        }
    }
}

/// A P-256 root → intermediate (pathLen 0, serial [`INTERMEDIATE_SERIAL`]) → code-signing leaf
/// (serial [`LEAF_SERIAL`]), all valid from a year before [`T0`] (the leaf from [`T0`]).
pub struct CrlChain {
    pub root: Issuer,
    pub intermediate: Issuer,
    pub leaf: Vec<u8>,
}

impl CrlChain {
    pub fn new(spec: &ChainSpec) -> Self {
        let root = Issuer::root(Key::p256("crl root"), "crl root");
        let key = Key::p256("crl intermediate");
        let mut t = Template::ca(INTERMEDIATE_SERIAL, "crl intermediate", &key, Some(0));
        if !spec.intermediate_crl_sign {
            t = t.with(Extension::key_usage(&[KU_KEY_CERT_SIGN]));
        }
        t.extensions.extend(spec.intermediate_cdp.as_deref().map(Extension::crl_distribution_point));
        t.extensions.extend(spec.intermediate_ocsp.as_deref().map(Extension::ocsp_responder));
        let intermediate = root.issue_issuer(&t, key);
        let leaf_key = Key::p256("crl leaf");
        let mut extensions = vec![
            Extension::key_usage(&[KU_DIGITAL_SIGNATURE]),
            Extension::ext_key_usage(&[EKU_CODE_SIGNING], false),
            Extension::subject_key_id(&leaf_key),
        ];
        extensions.extend(spec.leaf_cdp.as_deref().map(Extension::crl_distribution_point));
        extensions.extend(spec.leaf_ocsp.as_deref().map(Extension::ocsp_responder));
        let leaf = intermediate.issue(&Template {
            serial: LEAF_SERIAL,
            subject: name("crl leaf"),
            not_before: T0,
            not_after: T0 + YEAR,
            spki: leaf_key.spki(),
            extensions,
        });
        Self { root, intermediate, leaf }
    }

    /// Leaf, intermediate, root.
    pub fn ders(&self) -> Vec<Vec<u8>> {
        vec![self.leaf.clone(), self.intermediate.cert.clone(), self.root.cert.clone()]
    }
}
