//! RFC 3161 timestamp tokens (TimeStampResp, CMS SignedData per RFC 5652 §5) as Sigstore
//! bundles carry them: parsed strictly, with the signer identified by its `sid` and the CMS
//! signature checked over the DER signed attributes.
//!
//! The signing certificate comes from the trusted root, never from the token. The token must
//! name it twice over: by its `sid`, and by the ESS signing-certificate attribute that RFC 3161
//! §2.4.1 requires (`signingCertificateV2`, RFC 5816 / RFC 5035: a SHA-2 hash of the certificate
//! and, if present, its issuer and serial; the SHA-1 `signingCertificate` form is refused). A
//! certificate the token embeds is not trusted: the one its `sid` names must be byte-identical to
//! the trusted signing certificate.
//!
//! Parsing proves nothing: callers pick the TSA certificate with [`TimestampToken::signer_matches`],
//! validate its chain, then call [`TimestampToken::verify_signature`].

use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use const_oid::ObjectIdentifier;

use crate::asn1::{self, Reader, tag};
use crate::crypto::{self, Backend, Digest, HashAlgorithm, Message, SignatureScheme};
use crate::error::{Error, Result};
use crate::limits;
use crate::time::UnixTime;
use crate::x509::Certificate;

/// id-signedData (RFC 5652 §5.1).
const BASELINE_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.2023.1.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-ct-TSTInfo (RFC 3161 §2.4.2).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-contentType signed attribute (RFC 5652 §11.1).
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest signed attribute (RFC 5652 §11.2).
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-ecPublicKey, used by some signers as a bare CMS signatureAlgorithm (RFC 5753 §2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// rsaEncryption, the usual bare CMS signatureAlgorithm for PKCS #1 v1.5 (RFC 3370 §3.2).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-aa-signingCertificate (RFC 2634 §5.4): ESSCertID with a SHA-1 hash.
const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// id-aa-signingCertificateV2 (RFC 5035 §3): ESSCertIDv2 with a named hash, SHA-256 by default.
const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// The first ESSCertID of the signing-certificate attribute: which certificate the TSA says
/// signed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EssCertId {
    /// `signingCertificate` (SHA-1): not supported.
    V1,
    /// `signingCertificateV2`.
    V2 {
        hash_alg: HashAlgorithm,
        cert_hash: Vec<u8>,
        /// `issuerSerial`: the issuer's directoryName DER (if the GeneralNames has one) and the
        /// serial magnitude.
        issuer_serial: Option<(Option<Vec<u8>>, Vec<u8>)>,
    },
}

/// How the SignerInfo names its certificate (RFC 5652 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
enum SignerId {
    /// Issuer Name DER and serial magnitude (no sign-padding zero).
    IssuerSerial { issuer: Vec<u8>, serial: Vec<u8> },
    /// The subjectKeyIdentifier of the signing certificate.
    KeyId(Vec<u8>),
}

/// The one SignerInfo of a token.
#[derive(Debug, Clone)]
struct SignerInfo {
    sid: SignerId,
    digest_alg: HashAlgorithm,
    /// The message-digest attribute value.
    message_digest: Vec<u8>,
    /// The ESS signing-certificate attribute, if present.
    ess: Option<EssCertId>,
    /// The signed attributes re-tagged as `SET OF` (RFC 5652 §5.4): the bytes signed.
    signed_attrs: Vec<u8>,
    scheme: SignatureScheme,
    signature: Vec<u8>,
}

/// A parsed RFC 3161 timestamp token; nothing about it is verified yet.
#[derive(Debug, Clone)]
pub struct TimestampToken {
    gen_time: UnixTime,
    imprint: Digest,
    /// TSTInfo `accuracy`, in microseconds, when present.
    accuracy_micros: Option<u64>,
    certificates: Vec<Vec<u8>>,
    /// The TSTInfo DER (the encapsulated content).
    tst_info: Vec<u8>,
    signer: SignerInfo,
}

fn bad(index: usize, reason: &str) -> Error {
    Error::Timestamp { index, reason: reason.to_string() }
}

impl TimestampToken {
    /// Parses a DER `TimeStampResp` (RFC 3161 §2.4.2); `index` is the timestamp's position in the
    /// bundle, used in errors. The status must be granted or grantedWithMods.
    pub fn parse(index: usize, der: &[u8]) -> Result<Self> {
        let what = format!("timestamp {index}");
        let mut outer = Reader::new(&what, der);
        let mut resp = outer.nested(tag::SEQUENCE)?;
        outer.finish()?;

        // PKIStatusInfo ::= SEQUENCE { status, statusString OPTIONAL, failInfo OPTIONAL }
        let mut status_info = resp.nested(tag::SEQUENCE)?;
        let status = status_info.small_uint()?;
        if status > 1 {
            return Err(bad(index, &format!("status {status} is not granted")));
        }
        status_info.optional(tag::SEQUENCE)?;
        status_info.optional(tag::BIT_STRING)?;
        status_info.finish()?;
        if resp.is_empty() {
            return Err(bad(index, "response carries no timeStampToken"));
        }
        let token = resp.expect(tag::SEQUENCE)?;
        resp.finish()?;
        Self::parse_token(index, token.raw)
    }

    /// Parses a DER `TimeStampToken` (RFC 3161 §2.4.2: a CMS `ContentInfo` carrying SignedData),
    /// as Notary envelopes carry it.
    pub fn parse_token(index: usize, der: &[u8]) -> Result<Self> {
        let what = format!("timestamp {index}");
        // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
        let mut outer = Reader::new(&what, der);
        let mut content_info = outer.nested(tag::SEQUENCE)?;
        outer.finish()?;
        if content_info.oid()? != ID_SIGNED_DATA {
            return Err(bad(index, "token is not CMS SignedData"));
        }
        let mut explicit = content_info.nested(tag::context(0))?;
        content_info.finish()?;
        let mut signed_data = explicit.nested(tag::SEQUENCE)?;
        explicit.finish()?;

        // SignedData (RFC 5652 §5.1). A non-id-data eContentType means version 3 or more.
        if !(3..=5).contains(&signed_data.small_uint()?) {
            return Err(bad(index, "unsupported SignedData version"));
        }
        signed_data.expect(tag::SET)?; // digestAlgorithms: the SignerInfo names its own
        let mut encap = signed_data.nested(tag::SEQUENCE)?;
        if encap.oid()? != ID_CT_TST_INFO {
            return Err(bad(index, "encapsulated content is not TSTInfo"));
        }
        let mut econtent = encap.nested(tag::context(0))?;
        encap.finish()?;
        let tst_info = econtent.expect(tag::OCTET_STRING)?.value;
        econtent.finish()?;

        let mut certificates = Vec::new();
        if let Some(set) = signed_data.optional(tag::context(0))? {
            let mut choices = Reader::new(&what, set.value);
            while !choices.is_empty() {
                // CertificateChoices: keep plain certificates, skip attribute and other forms.
                let choice = choices.any()?;
                if choice.tag == tag::SEQUENCE {
                    certificates.push(choice.raw.to_vec());
                    limits::check("timestamp certificates", certificates.len(), limits::MAX_CHAIN_DEPTH)?;
                }
            }
        }
        signed_data.optional(tag::context(1))?; // crls: unused
        let mut signer_infos = signed_data.nested(tag::SET)?;
        signed_data.finish()?;
        if signer_infos.is_empty() {
            return Err(bad(index, "no SignerInfo"));
        }
        let signer_info = signer_infos.nested(tag::SEQUENCE)?;
        if !signer_infos.is_empty() {
            return Err(bad(index, "more than one SignerInfo"));
        }
        let signer = parse_signer_info(index, &what, signer_info)?;
        let (gen_time, imprint, accuracy_micros) = parse_tst_info(index, &what, tst_info)?;
        Ok(Self { gen_time, imprint, accuracy_micros, certificates, tst_info: tst_info.to_vec(), signer })
    }

    /// The time the TSA asserts (TSTInfo `genTime`).
    #[must_use]
    pub const fn gen_time(&self) -> UnixTime {
        self.gen_time
    }

    /// The TSTInfo `accuracy` in microseconds, when the token states one (RFC 3161 §2.4.2), or
    /// one second under the RFC 3628 baseline policy.
    #[must_use]
    pub const fn accuracy_micros(&self) -> Option<u64> {
        self.accuracy_micros
    }

    /// The hash the TSA timestamped (TSTInfo `messageImprint`).
    #[must_use]
    pub const fn message_imprint(&self) -> &Digest {
        &self.imprint
    }

    /// The DER of each certificate carried in SignedData `certificates`, in order.
    #[must_use]
    pub fn embedded_certificates(&self) -> &[Vec<u8>] {
        &self.certificates
    }

    /// True if the SignerInfo `sid` names `cert`: by issuer and serial number, or by subject key
    /// identifier.
    #[must_use]
    pub fn signer_matches(&self, cert: &Certificate) -> bool {
        match &self.signer.sid {
            SignerId::IssuerSerial { issuer, serial } => {
                issuer.as_slice() == cert.issuer_der() && serial.as_slice() == strip_sign_byte(cert.serial())
            }
            SignerId::KeyId(ski) => cert.extensions().subject_key_id.as_deref() == Some(ski.as_slice()),
        }
    }

    /// Checks that the token names `signer` (the trusted signing certificate) in its ESS
    /// signing-certificate attribute and, if it embeds the certificate its `sid` names, embeds
    /// exactly `signer`; then the CMS signature (RFC 5652 §5.4, §5.6): the message-digest
    /// attribute is the hash of the TSTInfo, and `signer`'s key signed the DER signed attributes.
    /// Does not check that `signer` is trusted, or that the `sid` names it
    /// ([`Self::signer_matches`]).
    pub fn verify_signature(&self, backend: &dyn Backend, index: usize, signer: &Certificate) -> Result<()> {
        let s = &self.signer;
        self.check_signing_certificate(backend, index, signer)?;
        for embedded in &self.certificates {
            let Ok(c) = Certificate::from_der("timestamp embedded certificate", embedded) else { continue };
            if self.signer_matches(&c) && c.der() != signer.der() {
                return Err(bad(index, "the embedded signing certificate is not the trusted timestamp authority's"));
            }
        }
        if !backend.digest(s.digest_alg, &self.tst_info).ct_eq_bytes(s.digest_alg, &s.message_digest) {
            return Err(bad(index, "message-digest attribute does not match TSTInfo"));
        }
        crypto::verify_signature(
            backend,
            || format!("timestamp {index}: CMS signature"),
            s.scheme,
            signer.public_key(),
            Message::Raw(&s.signed_attrs),
            &s.signature,
        )
    }
}

impl TimestampToken {
    /// RFC 3161 §2.4.1: the ESS signing-certificate attribute identifies the signing certificate.
    fn check_signing_certificate(&self, backend: &dyn Backend, index: usize, signer: &Certificate) -> Result<()> {
        match &self.signer.ess {
            None => Err(bad(index, "no ESS signing-certificate attribute (RFC 3161 §2.4.1 requires one)")),
            Some(EssCertId::V1) => Err(Error::UnsupportedAlgorithm {
                what: format!("timestamp {index}: ESS signingCertificate"),
                alg: "SHA-1 (signingCertificateV2 is required)".to_string(),
            }),
            Some(EssCertId::V2 { hash_alg, cert_hash, issuer_serial }) => {
                if !backend.digest(*hash_alg, signer.der()).ct_eq_bytes(*hash_alg, cert_hash) {
                    return Err(bad(index, "ESS signing-certificate hash is not the trusted timestamp authority certificate's"));
                }
                if let Some((issuer, serial)) = issuer_serial {
                    if serial.as_slice() != strip_sign_byte(signer.serial()) || issuer.as_deref().is_some_and(|i| i != signer.issuer_der()) {
                        return Err(bad(index, "ESS signing-certificate issuerSerial is not the trusted timestamp authority certificate's"));
                    }
                }
                Ok(())
            }
        }
    }
}

/// The first ESSCertID(v2) of a signing-certificate attribute value (RFC 5035 §3, RFC 2634 §5.4).
fn ess_cert_id(index: usize, what: &str, value: &[u8], v2: bool) -> Result<EssCertId> {
    let malformed = || bad(index, "malformed ESS signing-certificate attribute");
    let mut outer = Reader::new(what, value);
    let mut signing_certificate = outer.nested(tag::SEQUENCE).map_err(|_| malformed())?;
    outer.finish().map_err(|_| malformed())?;
    let mut certs = signing_certificate.nested(tag::SEQUENCE).map_err(|_| malformed())?;
    signing_certificate.optional(tag::SEQUENCE).map_err(|_| malformed())?; // policies
    signing_certificate.finish().map_err(|_| malformed())?;
    let mut id = certs.nested(tag::SEQUENCE).map_err(|_| malformed())?;
    if !v2 {
        return Ok(EssCertId::V1);
    }
    // hashAlgorithm DEFAULT id-sha256 (encoded or not), then certHash.
    let hash_alg = if id.peek_tag() == Some(tag::SEQUENCE) { digest_algorithm(&mut id)? } else { HashAlgorithm::Sha256 };
    let cert_hash = id.expect(tag::OCTET_STRING).map_err(|_| malformed())?.value.to_vec();
    let issuer_serial = match id.optional(tag::SEQUENCE).map_err(|_| malformed())? {
        None => None,
        Some(is) => {
            let mut is = Reader::new(what, is.value);
            let mut names = is.nested(tag::SEQUENCE).map_err(|_| malformed())?;
            let serial = strip_sign_byte(is.expect(tag::INTEGER).map_err(|_| malformed())?.value).to_vec();
            is.finish().map_err(|_| malformed())?;
            let mut directory = None;
            while !names.is_empty() {
                let n = names.any().map_err(|_| malformed())?;
                if n.tag == tag::context(4) {
                    directory = Some(asn1::single(what, n.value, tag::SEQUENCE).map_err(|_| malformed())?.raw.to_vec());
                }
            }
            Some((directory, serial))
        }
    };
    id.finish().map_err(|_| malformed())?;
    Ok(EssCertId::V2 { hash_alg, cert_hash, issuer_serial })
}

/// Serial numbers compare as magnitudes: drop the zero that keeps a DER INTEGER positive.
fn strip_sign_byte(bytes: &[u8]) -> &[u8] {
    match bytes {
        [0, rest @ ..] if rest.first().is_some_and(|b| b & 0x80 != 0) => rest,
        _ => bytes,
    }
}

/// Reads a digest `AlgorithmIdentifier` whose parameters are NULL or absent.
fn digest_algorithm(r: &mut Reader<'_>) -> Result<HashAlgorithm> {
    let mut alg = r.nested(tag::SEQUENCE)?;
    let oid = alg.oid()?;
    if alg.optional(tag::NULL)?.is_some_and(|null| !null.value.is_empty()) {
        return Err(alg.error("NULL with content"));
    }
    alg.finish()?;
    HashAlgorithm::from_oid(&oid)
}

/// SignerInfo (RFC 5652 §5.3), with signed attributes required.
fn parse_signer_info(index: usize, what: &str, mut r: Reader<'_>) -> Result<SignerInfo> {
    let version = r.small_uint()?;
    let sid = match r.peek_tag() {
        Some(tag::SEQUENCE) => {
            let mut ias = r.nested(tag::SEQUENCE)?;
            let issuer = ias.expect(tag::SEQUENCE)?.raw.to_vec();
            let serial = strip_sign_byte(ias.expect(tag::INTEGER)?.value).to_vec();
            ias.finish()?;
            SignerId::IssuerSerial { issuer, serial }
        }
        Some(t) if t == tag::context_primitive(0) => SignerId::KeyId(r.any()?.value.to_vec()),
        _ => return Err(bad(index, "SignerInfo sid is neither issuerAndSerialNumber nor subjectKeyIdentifier")),
    };
    let version_ok = match sid {
        SignerId::IssuerSerial { .. } => version == 1,
        SignerId::KeyId(_) => version == 3,
    };
    if !version_ok {
        return Err(bad(index, "SignerInfo version does not match its sid"));
    }
    let digest_alg = digest_algorithm(&mut r)?;
    let attrs = r.optional(tag::context(0))?.ok_or_else(|| bad(index, "SignerInfo has no signed attributes"))?.value;
    let (message_digest, ess) = signed_attributes(index, what, attrs)?;

    let mut alg = r.nested(tag::SEQUENCE)?;
    let oid = alg.oid()?;
    let params = if alg.is_empty() { None } else { Some(alg.any()?.raw) };
    alg.finish()?;
    let scheme = match (oid, params) {
        (ID_EC_PUBLIC_KEY, None | Some([0x05, 0x00])) => match digest_alg {
            HashAlgorithm::Sha256 => SignatureScheme::EcdsaSha256,
            HashAlgorithm::Sha384 => SignatureScheme::EcdsaSha384,
            HashAlgorithm::Sha512 => SignatureScheme::EcdsaSha512,
        },
        (RSA_ENCRYPTION, None | Some([0x05, 0x00])) => match digest_alg {
            HashAlgorithm::Sha256 => SignatureScheme::RsaPkcs1Sha256,
            HashAlgorithm::Sha384 => SignatureScheme::RsaPkcs1Sha384,
            HashAlgorithm::Sha512 => SignatureScheme::RsaPkcs1Sha512,
        },
        _ => SignatureScheme::from_algorithm_identifier(&format!("{what}: CMS signature"), &oid, params)?,
    };
    let signature = r.expect(tag::OCTET_STRING)?.value.to_vec();
    r.optional(tag::context(1))?; // unsignedAttrs: not covered by the signature, unused
    r.finish()?;
    Ok(SignerInfo { sid, digest_alg, message_digest, ess, signed_attrs: asn1::encode(tag::SET, attrs), scheme, signature })
}

/// Reads the signed attributes: content-type must be id-ct-TSTInfo; the message-digest value and
/// the ESS signing-certificate attribute (at most one form) are returned. Attribute types must be
/// unique (RFC 5652 §5.3).
fn signed_attributes(index: usize, what: &str, attrs: &[u8]) -> Result<(Vec<u8>, Option<EssCertId>)> {
    let mut r = Reader::new(what, attrs);
    let mut seen: Vec<ObjectIdentifier> = Vec::new();
    let mut message_digest = None;
    let mut ess = None;
    while !r.is_empty() {
        let mut attr = r.nested(tag::SEQUENCE)?;
        let oid = attr.oid()?;
        let mut values = attr.nested(tag::SET)?;
        attr.finish()?;
        if seen.contains(&oid) {
            return Err(bad(index, &format!("duplicate signed attribute {oid}")));
        }
        seen.push(oid);
        let value = values.any()?; // values: SET SIZE (1..MAX)
        let single = values.is_empty();
        match oid {
            ID_CONTENT_TYPE if single && value.tag == tag::OID && value.value == ID_CT_TST_INFO.as_bytes() => {}
            ID_CONTENT_TYPE => return Err(bad(index, "content-type attribute is not a single id-ct-TSTInfo")),
            ID_MESSAGE_DIGEST if single && value.tag == tag::OCTET_STRING => message_digest = Some(value.value.to_vec()),
            ID_MESSAGE_DIGEST => return Err(bad(index, "message-digest attribute is not a single OCTET STRING")),
            ID_AA_SIGNING_CERTIFICATE | ID_AA_SIGNING_CERTIFICATE_V2 if single => {
                if ess.is_some() {
                    return Err(bad(index, "both signingCertificate and signingCertificateV2 attributes"));
                }
                ess = Some(ess_cert_id(index, what, value.raw, oid == ID_AA_SIGNING_CERTIFICATE_V2)?);
            }
            ID_AA_SIGNING_CERTIFICATE | ID_AA_SIGNING_CERTIFICATE_V2 => return Err(bad(index, "signing-certificate attribute is not single-valued")),
            _ => {}
        }
    }
    if !seen.contains(&ID_CONTENT_TYPE) {
        return Err(bad(index, "no content-type signed attribute"));
    }
    Ok((message_digest.ok_or_else(|| bad(index, "no message-digest signed attribute"))?, ess))
}

/// TSTInfo (RFC 3161 §2.4.2): returns genTime, the message imprint and the accuracy in
/// microseconds, if stated.
fn parse_tst_info(index: usize, what: &str, der: &[u8]) -> Result<(UnixTime, Digest, Option<u64>)> {
    let mut outer = Reader::new(what, der);
    let mut t = outer.nested(tag::SEQUENCE)?;
    outer.finish()?;
    if t.small_uint()? != 1 {
        return Err(bad(index, "TSTInfo version is not 1"));
    }
    // RFC 3628 §5.2 baseline time-stamp policy: an accuracy of one second when none is stated
    // (as tspclient-go `TSTInfo.Validate` reads it).
    let baseline = t.oid()? == BASELINE_POLICY;
    let mut imprint = t.nested(tag::SEQUENCE)?;
    let alg = digest_algorithm(&mut imprint)?;
    let hashed = imprint.expect(tag::OCTET_STRING)?.value;
    imprint.finish()?;
    let imprint = Digest::new(alg, hashed).map_err(|_| bad(index, "message imprint length does not match its algorithm"))?;
    t.expect(tag::INTEGER)?; // serialNumber: may exceed 64 bits, unused
    let gen_time = UnixTime::parse_generalized_time(t.expect(tag::GENERALIZED_TIME)?.value)?;
    // Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL,
    // micros [1] INTEGER (1..999) OPTIONAL }
    #[cfg(not(feature = "notation"))]
    let accuracy = {
        let _ = baseline;
        t.optional(tag::SEQUENCE)?;
        None
    };
    #[cfg(feature = "notation")]
    let accuracy = match t.optional(tag::SEQUENCE)? {
        None if baseline => Some(1_000_000),
        None => None,
        Some(acc) => {
            let mut a = Reader::new(what, acc.value);
            let secs = if a.peek_tag() == Some(tag::INTEGER) { a.small_uint()? } else { 0 };
            let mut sub = [0u64; 2];
            for (i, slot) in sub.iter_mut().enumerate() {
                if let Some(v) = a.optional(tag::context_primitive(i as u8))? {
                    *slot = Reader::new(what, &asn1::encode(tag::INTEGER, v.value)).small_uint()?;
                    if !(1..=999).contains(slot) {
                        return Err(bad(index, "accuracy millis or micros out of range"));
                    }
                }
            }
            a.finish()?;
            Some(secs.saturating_mul(1_000_000).saturating_add(sub[0] * 1000).saturating_add(sub[1]))
        }
    };
    // ordering, nonce, tsa [0], extensions [1]: each optional, in this order.
    for optional in [tag::BOOLEAN, tag::INTEGER, tag::context(0), tag::context(1)] {
        t.optional(optional)?;
    }
    t.finish()?;
    Ok((gen_time, imprint, accuracy))
}

#[cfg(test)]
mod tests {
    extern crate std;

    use alloc::string::String;
    use alloc::vec;

    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::encoding::base64_decode;

    const SHA256: &str = "2.16.840.1.101.3.4.2.1";
    const GEN_TIME: &[u8] = b"20250612120220.5Z";

    fn enc(t: u8, parts: &[&[u8]]) -> Vec<u8> {
        asn1::encode(t, &parts.concat())
    }
    fn oid(s: &str) -> Vec<u8> {
        enc(tag::OID, &[ObjectIdentifier::new_unwrap(s).as_bytes()])
    }
    fn int(n: u8) -> Vec<u8> {
        enc(tag::INTEGER, &[&[n]])
    }
    fn alg(s: &str) -> Vec<u8> {
        enc(tag::SEQUENCE, &[&oid(s)])
    }
    fn attr(t: &str, value: &[u8]) -> Vec<u8> {
        enc(tag::SEQUENCE, &[&oid(t), &enc(tag::SET, &[value])])
    }
    fn tst_info(tail: &[u8]) -> Vec<u8> {
        let imprint = enc(tag::SEQUENCE, &[&alg(SHA256), &enc(tag::OCTET_STRING, &[&[0xaa; 32]])]);
        let time = enc(tag::GENERALIZED_TIME, &[GEN_TIME]);
        enc(tag::SEQUENCE, &[&int(1), &oid("1.3.6.1.4.1.57264.2"), &imprint, &int(5), &time, tail])
    }
    fn good_attrs() -> Vec<Vec<u8>> {
        vec![
            attr("1.2.840.113549.1.9.3", &oid("1.2.840.113549.1.9.16.1.4")),
            attr("1.2.840.113549.1.9.4", &enc(tag::OCTET_STRING, &[&[1; 32]])),
        ]
    }
    fn signer_info(version: u8, sid: &[u8], attrs: &[Vec<u8>]) -> Vec<u8> {
        signer_info_with(version, sid, attrs, "1.2.840.10045.4.3.2")
    }
    fn signer_info_with(version: u8, sid: &[u8], attrs: &[Vec<u8>], sig_alg: &str) -> Vec<u8> {
        let attrs = enc(tag::context(0), &[&attrs.concat()]);
        let sig = enc(tag::OCTET_STRING, &[b"sig"]);
        enc(tag::SEQUENCE, &[&int(version), sid, &alg(SHA256), &attrs, &alg(sig_alg), &sig])
    }
    fn issuer_serial() -> Vec<u8> {
        enc(tag::SEQUENCE, &[&enc(tag::SEQUENCE, &[]), &enc(tag::INTEGER, &[&[0x00, 0x80]])])
    }
    fn response(status: u8, tst: &[u8], signer_infos: &[Vec<u8>]) -> Vec<u8> {
        let encap = enc(tag::SEQUENCE, &[&oid("1.2.840.113549.1.9.16.1.4"), &enc(tag::context(0), &[&enc(tag::OCTET_STRING, &[tst])])]);
        let certs = enc(tag::context(0), &[&enc(tag::SEQUENCE, &[b"\x05\x00"])]);
        let sd = enc(tag::SEQUENCE, &[&int(3), &enc(tag::SET, &[&alg(SHA256)]), &encap, &certs, &enc(tag::SET, &[&signer_infos.concat()])]);
        let content_info = enc(tag::SEQUENCE, &[&oid("1.2.840.113549.1.7.2"), &enc(tag::context(0), &[&sd])]);
        enc(tag::SEQUENCE, &[&enc(tag::SEQUENCE, &[&int(status)]), &content_info])
    }
    fn good() -> Vec<u8> {
        response(0, &tst_info(&[]), &[signer_info(1, &issuer_serial(), &good_attrs())])
    }
    fn reason(der: &[u8]) -> String {
        match TimestampToken::parse(3, der) {
            Ok(_) => panic!("accepted"),
            Err(e) => alloc::format!("{}: {e}", e.kind()),
        }
    }

    #[test]
    fn synthetic_token_parses() {
        let t = TimestampToken::parse(0, &good()).unwrap();
        assert_eq!(t.gen_time(), UnixTime::parse_generalized_time(GEN_TIME).unwrap());
        assert_eq!(t.message_imprint().as_bytes(), &[0xaa; 32]);
        assert_eq!(t.embedded_certificates(), &[vec![0x30, 0x02, 0x05, 0x00]]);
        assert_eq!(t.signer.sid, SignerId::IssuerSerial { issuer: vec![0x30, 0x00], serial: vec![0x80] });
        assert_eq!(t.signer.scheme, SignatureScheme::EcdsaSha256);
        assert_eq!(t.signer.signed_attrs.first(), Some(&tag::SET));
        // Optional TSTInfo fields, a subjectKeyIdentifier sid and a bare key signature OID.
        let tail = [enc(tag::SEQUENCE, &[&int(1)]), enc(tag::BOOLEAN, &[&[0xff]]), int(9), enc(tag::context(0), &[&[0x30, 0x00]])].concat();
        let ski = enc(tag::context_primitive(0), &[&[7; 20]]);
        let si = signer_info_with(3, &ski, &good_attrs(), "1.2.840.10045.2.1");
        let t = TimestampToken::parse(0, &response(1, &tst_info(&tail), &[si])).unwrap();
        assert_eq!(t.signer.sid, SignerId::KeyId(vec![7; 20]));
        assert_eq!(t.signer.scheme, SignatureScheme::EcdsaSha256);
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let good = good();
        assert!(TimestampToken::parse(0, &[]).is_err());
        for n in 0..good.len() {
            assert!(TimestampToken::parse(0, &good[..n]).is_err(), "prefix of {n} bytes");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(TimestampToken::parse(0, &trailing).is_err());

        let si = || signer_info(1, &issuer_serial(), &good_attrs());
        let tst = tst_info(&[]);
        assert!(reason(&response(2, &tst, &[si()])).starts_with("Timestamp: timestamp 3: status 2"));
        let no_token = enc(tag::SEQUENCE, &[&enc(tag::SEQUENCE, &[&int(0)])]);
        assert!(reason(&no_token).contains("no timeStampToken"));
        assert!(reason(&response(0, &tst, &[])).contains("no SignerInfo"));
        assert!(reason(&response(0, &tst, &[si(), si()])).contains("more than one SignerInfo"));

        let mut attrs = good_attrs();
        attrs.push(attrs[1].clone());
        assert!(reason(&response(0, &tst, &[signer_info(1, &issuer_serial(), &attrs)])).contains("duplicate"));
        let attrs = &good_attrs()[..1];
        assert!(reason(&response(0, &tst, &[signer_info(1, &issuer_serial(), attrs)])).contains("no message-digest"));
        let wrong_type = [attr("1.2.840.113549.1.9.3", &oid("1.2.840.113549.1.7.1")), good_attrs()[1].clone()];
        assert!(reason(&response(0, &tst, &[signer_info(1, &issuer_serial(), &wrong_type)])).contains("content-type"));
        assert!(reason(&response(0, &tst, &[signer_info(3, &issuer_serial(), &good_attrs())])).contains("version"));

        assert!(TimestampToken::parse(0, &response(0, &tst_info(&oid("1.2")), &[si()])).is_err(), "trailing TSTInfo field");
        let mut tst_trailing = tst.clone();
        tst_trailing.push(0);
        assert!(TimestampToken::parse(0, &response(0, &tst_trailing, &[si()])).is_err());
    }

    fn vector_path(rel: &str) -> String {
        alloc::format!("{}/../shared/vectors/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    /// Reads a shared vector; the test fails without it.
    fn vector(rel: &str) -> serde_json::Value {
        let path = vector_path(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e} (these tests read the shared vectors)"));
        serde_json::from_str(&text).unwrap()
    }

    fn b64(v: &serde_json::Value) -> Vec<u8> {
        base64_decode("test", v.as_str().unwrap()).unwrap()
    }

    #[test]
    fn real_token_verifies() {
        const DIR: &str = "sigstore-conformance/test/assets/bundle-verify/rekor2-happy-path";
        let bundle = vector(&alloc::format!("{DIR}/bundle.sigstore.json"));
        // The bundle comes from staging: prefer its own trusted root, else production's.
        let local_root = alloc::format!("{DIR}/trusted_root.json");
        let root_path = if std::path::Path::new(&vector_path(&local_root)).exists() {
            local_root.as_str()
        } else {
            "root-signing/targets/trusted_root.json"
        };
        let root = vector(root_path);
        let der = b64(&bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["signedTimestamp"]);
        let token = TimestampToken::parse(0, &der).unwrap();
        assert!(token.gen_time() > UnixTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap());
        let signature = b64(&bundle["messageSignature"]["signature"]);
        assert_eq!(*token.message_imprint(), RUST_CRYPTO.digest(HashAlgorithm::Sha256, &signature));

        let certs: Vec<Certificate> = root["timestampAuthorities"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["certChain"]["certificates"].as_array().unwrap())
            .map(|c| Certificate::from_der("tsa", &b64(&c["rawBytes"])).unwrap())
            .collect();
        let signer = certs.iter().find(|c| token.signer_matches(c)).expect("no TSA certificate matches the sid");
        assert_eq!(certs.iter().filter(|c| token.signer_matches(c)).count(), 1);
        token.verify_signature(&RUST_CRYPTO, 0, signer).unwrap();
        assert!(token.embedded_certificates().iter().any(|c| c.as_slice() == signer.der()));

        // Tampering: the imprint (message-digest mismatch) and the signature.
        let imprint_at = der.windows(32).position(|w| w == token.message_imprint().as_bytes()).unwrap();
        let mut bad_imprint = der.clone();
        bad_imprint[imprint_at] ^= 1;
        let e = TimestampToken::parse(0, &bad_imprint).unwrap().verify_signature(&RUST_CRYPTO, 0, signer).unwrap_err();
        assert!(alloc::format!("{e}").contains("message-digest attribute does not match TSTInfo"));
        let mut t = token.clone();
        t.signer.signed_attrs.push(0);
        let e = t.verify_signature(&RUST_CRYPTO, 4, signer).unwrap_err();
        assert_eq!(e, Error::BadSignature { what: "timestamp 4: CMS signature".into() });

        // Single-byte corruption anywhere must not panic.
        for i in 0..der.len() {
            for x in [0x01, 0x80, 0xff] {
                let mut d = der.clone();
                d[i] ^= x;
                let _ = TimestampToken::parse(0, &d);
            }
        }
    }
}
