//! Certificate extensions sealcheck processes (RFC 5280 §4.2) and the Fulcio extensions
//! `1.3.6.1.4.1.57264.1.*` (Fulcio docs "OID information": the deprecated raw-string `.1.1`–`.1.6`
//! and the DER UTF8String `.1.8`–`.1.22`). Any other extension marked critical is recorded so that
//! path validation rejects the certificate.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;

use crate::asn1::{self, tag, Reader};
use crate::error::{Error, Result};

const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
#[cfg(feature = "notation")]
const CRL_DISTRIBUTION_POINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
#[cfg(feature = "notation")]
const AUTHORITY_INFO_ACCESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
#[cfg(feature = "notation")]
const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// RFC 6962 §3.3 embedded SCT list.
pub(crate) const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// extendedKeyUsage id-kp-codeSigning.
pub const OID_EKU_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// extendedKeyUsage id-kp-timeStamping.
pub const OID_EKU_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1.";
/// Fulcio OtherName SAN type (`1.3.6.1.4.1.57264.1.7`): a username identity.
const FULCIO_OTHERNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");

/// keyUsage bits (RFC 5280 §4.2.1.3).
pub(crate) const KU_DIGITAL_SIGNATURE: u16 = 0;
pub(crate) const KU_KEY_CERT_SIGN: u16 = 5;

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum SubjectAltName {
    /// rfc822Name.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// dNSName.
    Dns(String),
    /// Fulcio OtherName (`1.3.6.1.4.1.57264.1.7`, UTF8String).
    OtherName(String),
}

impl SubjectAltName {
    /// The name as text.
    #[must_use]
    pub fn value(&self) -> &str {
        match self {
            Self::Email(s) | Self::Uri(s) | Self::Dns(s) | Self::OtherName(s) => s,
        }
    }
}

/// Fulcio certificate extensions. `issuer` prefers `.1.8` (DER) and falls back to `.1.1` (raw).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[allow(missing_docs)]
pub struct FulcioExtensions {
    pub issuer: Option<String>,
    pub github_workflow_trigger: Option<String>,
    pub github_workflow_sha: Option<String>,
    pub github_workflow_name: Option<String>,
    pub github_workflow_repository: Option<String>,
    pub github_workflow_ref: Option<String>,
    pub build_signer_uri: Option<String>,
    pub build_signer_digest: Option<String>,
    pub runner_environment: Option<String>,
    pub source_repository_uri: Option<String>,
    pub source_repository_digest: Option<String>,
    pub source_repository_ref: Option<String>,
    pub source_repository_identifier: Option<String>,
    pub source_repository_owner_uri: Option<String>,
    pub source_repository_owner_identifier: Option<String>,
    pub build_config_uri: Option<String>,
    pub build_config_digest: Option<String>,
    pub build_trigger: Option<String>,
    pub run_invocation_uri: Option<String>,
    pub source_repository_visibility_at_signing: Option<String>,
}

impl FulcioExtensions {
    /// The field for Fulcio arc number `n` (`1.3.6.1.4.1.57264.1.n`), and whether the value is
    /// DER-encoded (true for `.1.8` onwards).
    fn slot(&mut self, n: u32) -> Option<(&mut Option<String>, bool)> {
        Some(match n {
            1 => (&mut self.issuer, false),
            2 => (&mut self.github_workflow_trigger, false),
            3 => (&mut self.github_workflow_sha, false),
            4 => (&mut self.github_workflow_name, false),
            5 => (&mut self.github_workflow_repository, false),
            6 => (&mut self.github_workflow_ref, false),
            8 => (&mut self.issuer, true),
            9 => (&mut self.build_signer_uri, true),
            10 => (&mut self.build_signer_digest, true),
            11 => (&mut self.runner_environment, true),
            12 => (&mut self.source_repository_uri, true),
            13 => (&mut self.source_repository_digest, true),
            14 => (&mut self.source_repository_ref, true),
            15 => (&mut self.source_repository_identifier, true),
            16 => (&mut self.source_repository_owner_uri, true),
            17 => (&mut self.source_repository_owner_identifier, true),
            18 => (&mut self.build_config_uri, true),
            19 => (&mut self.build_config_digest, true),
            20 => (&mut self.build_trigger, true),
            21 => (&mut self.run_invocation_uri, true),
            22 => (&mut self.source_repository_visibility_at_signing, true),
            _ => return None,
        })
    }
}

/// The extensions of one certificate, as read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extensions {
    /// basicConstraints: (cA, pathLenConstraint).
    pub basic_constraints: Option<(bool, Option<u64>)>,
    /// keyUsage bits 0..15 (bit n set = usage n asserted).
    pub key_usage: Option<u16>,
    pub ext_key_usage: Option<Vec<ObjectIdentifier>>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    pub san: Vec<SubjectAltName>,
    pub fulcio: FulcioExtensions,
    /// The raw SCT list extension value (TLS `SignedCertificateTimestampList`).
    pub sct_list: Option<Vec<u8>>,
    /// The first critical extension that sealcheck does not process.
    pub unknown_critical: Option<ObjectIdentifier>,
    /// Whether basicConstraints, keyUsage and extendedKeyUsage are marked critical.
    #[cfg(feature = "notation")]
    pub basic_constraints_critical: bool,
    /// See [`Self::basic_constraints_critical`].
    #[cfg(feature = "notation")]
    pub key_usage_critical: bool,
    /// See [`Self::basic_constraints_critical`].
    #[cfg(feature = "notation")]
    pub ext_key_usage_critical: bool,
    /// The URIs of the cRLDistributionPoints extension (RFC 5280 §4.2.1.13); `Some` when the
    /// extension is present, even with no URI.
    #[cfg(feature = "notation")]
    pub crl_distribution_points: Option<Vec<String>>,
    /// The authorityInfoAccess extension names an OCSP responder (RFC 5280 §4.2.2.1).
    #[cfg(feature = "notation")]
    pub ocsp: bool,
}

impl Extensions {
    pub(crate) fn parse(what: &str, exts: &[x509_cert::ext::Extension]) -> Result<Self> {
        let mut out = Self::default();
        let mut seen: Vec<&ObjectIdentifier> = Vec::with_capacity(exts.len());
        let mut v2_issuer = None;
        for e in exts {
            if seen.contains(&&e.extn_id) {
                return Err(Error::Der { what: what.to_string(), detail: alloc::format!("duplicate extension {}", e.extn_id) });
            }
            seen.push(&e.extn_id);
            let v = e.extn_value.as_bytes();
            let ctx = alloc::format!("{what} extension {}", e.extn_id);
            match e.extn_id {
                BASIC_CONSTRAINTS => {
                    out.basic_constraints = Some(basic_constraints(&ctx, v)?);
                    #[cfg(feature = "notation")]
                    {
                        out.basic_constraints_critical = e.critical;
                    }
                }
                KEY_USAGE => {
                    out.key_usage = Some(key_usage(&ctx, v)?);
                    #[cfg(feature = "notation")]
                    {
                        out.key_usage_critical = e.critical;
                    }
                }
                EXT_KEY_USAGE => {
                    out.ext_key_usage = Some(ext_key_usage(&ctx, v)?);
                    #[cfg(feature = "notation")]
                    {
                        out.ext_key_usage_critical = e.critical;
                    }
                }
                #[cfg(feature = "notation")]
                CRL_DISTRIBUTION_POINTS => out.crl_distribution_points = Some(crl_distribution_points(&ctx, v)?),
                #[cfg(feature = "notation")]
                AUTHORITY_INFO_ACCESS => out.ocsp = names_ocsp(&ctx, v)?,
                SUBJECT_KEY_ID => out.subject_key_id = Some(asn1::single(&ctx, v, tag::OCTET_STRING)?.value.to_vec()),
                AUTHORITY_KEY_ID => out.authority_key_id = authority_key_id(&ctx, v)?,
                SUBJECT_ALT_NAME => out.san = subject_alt_names(&ctx, v)?,
                SCT_LIST => out.sct_list = Some(asn1::single(&ctx, v, tag::OCTET_STRING)?.value.to_vec()),
                ref oid => {
                    let s = oid.to_string();
                    let n = s.strip_prefix(FULCIO_ARC).and_then(|n| n.parse::<u32>().ok());
                    match n.and_then(|n| out.fulcio.slot(n).map(|s| (n, s))) {
                        Some((n, (slot, is_der))) => {
                            let text = if is_der {
                                asn1::string(&ctx, &asn1::single(&ctx, v, tag::UTF8_STRING)?)?
                            } else {
                                core::str::from_utf8(v).map_err(|_| Error::Der { what: ctx.clone(), detail: "not UTF-8".to_string() })?.to_string()
                            };
                            if n == 8 {
                                v2_issuer = Some(text);
                            } else {
                                *slot = Some(text);
                            }
                            if e.critical && out.unknown_critical.is_none() {
                                out.unknown_critical = Some(*oid);
                            }
                        }
                        None if e.critical && out.unknown_critical.is_none() => out.unknown_critical = Some(*oid),
                        None => {}
                    }
                }
            }
        }
        if v2_issuer.is_some() {
            out.fulcio.issuer = v2_issuer;
        }
        Ok(out)
    }
}

fn basic_constraints(what: &str, v: &[u8]) -> Result<(bool, Option<u64>)> {
    let mut r = Reader::new(what, v);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    let ca = if seq.peek_tag() == Some(tag::BOOLEAN) {
        let b = seq.boolean()?;
        if !b {
            return Err(seq.error("DEFAULT FALSE encoded explicitly"));
        }
        b
    } else {
        false
    };
    let path_len = if seq.peek_tag() == Some(tag::INTEGER) { Some(seq.small_uint()?) } else { None };
    seq.finish()?;
    Ok((ca, path_len))
}

fn key_usage(what: &str, v: &[u8]) -> Result<u16> {
    let bits = asn1::single(what, v, tag::BIT_STRING)?;
    let Some((&unused, bytes)) = bits.value.split_first() else {
        return Err(Error::Der { what: what.to_string(), detail: "empty keyUsage".to_string() });
    };
    if unused > 7 || bytes.is_empty() || bytes.len() > 2 {
        return Err(Error::Der { what: what.to_string(), detail: "invalid keyUsage".to_string() });
    }
    let mut out = 0u16;
    for (i, b) in bytes.iter().enumerate() {
        for j in 0..8u16 {
            if b & (0x80 >> j) != 0 {
                out |= 1 << (i as u16 * 8 + j);
            }
        }
    }
    Ok(out)
}

fn ext_key_usage(what: &str, v: &[u8]) -> Result<Vec<ObjectIdentifier>> {
    let mut r = Reader::new(what, v);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    let mut out = Vec::new();
    while !seq.is_empty() {
        out.push(seq.oid()?);
    }
    Ok(out)
}

/// The URIs of `CRLDistributionPoints ::= SEQUENCE OF DistributionPoint`, from each point's
/// `distributionPoint [0] fullName [0] GeneralNames`; relative names and other name forms are
/// skipped (they name no URL to fetch).
#[cfg(feature = "notation")]
fn crl_distribution_points(what: &str, v: &[u8]) -> Result<Vec<String>> {
    let mut r = Reader::new(what, v);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    let mut out = Vec::new();
    while !seq.is_empty() {
        let mut dp = seq.nested(tag::SEQUENCE)?;
        if let Some(name) = dp.optional(tag::context(0))? {
            let mut name = Reader::new(what, name.value);
            if let Some(full) = name.optional(tag::context(0))? {
                let mut names = Reader::new(what, full.value);
                while !names.is_empty() {
                    let gn = names.any()?;
                    if gn.tag == 0x86 {
                        let uri = core::str::from_utf8(gn.value).map_err(|_| Error::Der { what: what.to_string(), detail: "URI is not UTF-8".to_string() })?;
                        out.push(uri.to_string());
                    }
                }
            }
        }
        // reasons [1] and cRLIssuer [2] are not used.
    }
    Ok(out)
}

/// Whether `AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription` has an id-ad-ocsp entry.
#[cfg(feature = "notation")]
fn names_ocsp(what: &str, v: &[u8]) -> Result<bool> {
    let mut r = Reader::new(what, v);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    let mut ocsp = false;
    while !seq.is_empty() {
        let mut ad = seq.nested(tag::SEQUENCE)?;
        ocsp |= ad.oid()? == AD_OCSP;
        ad.any()?;
        ad.finish()?;
    }
    Ok(ocsp)
}

fn authority_key_id(what: &str, v: &[u8]) -> Result<Option<Vec<u8>>> {
    let mut r = Reader::new(what, v);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    Ok(seq.optional(tag::context_primitive(0))?.map(|t| t.value.to_vec()))
}

fn subject_alt_names(what: &str, v: &[u8]) -> Result<Vec<SubjectAltName>> {
    let mut r = Reader::new(what, v);
    let mut seq = r.nested(tag::SEQUENCE)?;
    r.finish()?;
    let text = |b: &[u8]| {
        core::str::from_utf8(b).map(ToString::to_string).map_err(|_| Error::Der { what: what.to_string(), detail: "SAN is not UTF-8".to_string() })
    };
    let mut out = Vec::new();
    while !seq.is_empty() {
        let gn = seq.any()?;
        match gn.tag {
            0x81 => out.push(SubjectAltName::Email(text(gn.value)?)),
            0x82 => out.push(SubjectAltName::Dns(text(gn.value)?)),
            0x86 => out.push(SubjectAltName::Uri(text(gn.value)?)),
            0xa0 => {
                let mut on = Reader::new(what, gn.value);
                let type_id = on.oid()?;
                let mut val = on.nested(tag::context(0))?;
                on.finish()?;
                if type_id == FULCIO_OTHERNAME {
                    let s = val.expect(tag::UTF8_STRING)?;
                    val.finish()?;
                    out.push(SubjectAltName::OtherName(text(s.value)?));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
