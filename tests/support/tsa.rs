//! An RFC 3161 timestamp authority: a P-384 root, a P-256 signing certificate (extendedKeyUsage
//! timeStamping, critical), and DER `TimeStampResp`s whose token is CMS SignedData (RFC 5652 §5)
//! with signed attributes content-type, message-digest and signingCertificateV2 (RFC 5035, as
//! Sigstore's TSA writes it), `sid` issuerAndSerialNumber, the signing certificate embedded, and
//! a TSTInfo (RFC 3161 §2.4.2) stating the message imprint and genTime. [`Stamp`] varies the
//! ESS attribute and the embedded certificate. [`Tsa::respond`] answers a parsed TimeStampReq
//! (its imprint, of any hash, and its nonce echoed), as `tsa_server` does over HTTP.

use super::der::{algorithm, context, generalized_time, octets, oid, seq, set, uint};
use super::keys::Key;
use super::pki::{Extension, Issuer, KU_DIGITAL_SIGNATURE, Template, name};
use super::sha256;
use super::trusted_root::{Authority, Window};

const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const ID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const TSA_POLICY: &str = "1.3.6.1.4.1.57264.2";
const ID_AA_SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
const ID_AA_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
const SIGNER_SERIAL: u64 = 0x75a;
const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// The ESS signing-certificate attribute a token carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ess {
    /// signingCertificateV2 with the signing certificate's SHA-256 and issuerSerial.
    V2,
    /// signingCertificateV2 naming another certificate's hash.
    V2OtherHash,
    /// signingCertificateV2 with the right hash but another serial.
    V2OtherSerial,
    /// The SHA-1 signingCertificate form.
    V1,
    /// No signing-certificate attribute.
    Absent,
}

/// What certificates a token embeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Embed {
    /// The signing certificate.
    Signer,
    /// This certificate in its place (same issuer and serial, another key).
    Other(Vec<u8>),
    /// None.
    Nothing,
}

/// How [`Tsa::stamp`] builds a token.
#[derive(Clone, Debug)]
pub struct Stamp {
    pub ess: Ess,
    pub embed: Embed,
}

impl Default for Stamp {
    fn default() -> Self {
        Self { ess: Ess::V2, embed: Embed::Signer }
    }
}

/// A timestamp authority.
pub struct Tsa {
    pub uri: String,
    pub root: Issuer,
    pub signer: Issuer,
}

impl Tsa {
    /// A TSA whose signing certificate is valid `[not_before, not_after]`.
    pub fn new(label: &str, uri: &str, not_before: i64, not_after: i64) -> Self {
        let root = Issuer::root(Key::p384(&format!("{label} root")), &format!("{label} root"));
        let key = Key::p256(&format!("{label} signer"));
        let signer = root.issue_issuer(&signer_template(&format!("{label} signer"), &key, not_before, not_after), key);
        Self { uri: uri.to_string(), root, signer }
    }

    /// The trusted-root entry: signing certificate, then root.
    pub fn trust(&self, valid_for: Window) -> Authority {
        Authority { uri: self.uri.clone(), chain: vec![self.signer.cert.clone(), self.root.cert.clone()], valid_for }
    }

    /// A TimeStampResp over `signature` (imprint = SHA-256 of it) at `gen_time`.
    pub fn timestamp(&self, signature: &[u8], gen_time: i64) -> Vec<u8> {
        self.timestamp_imprint(&sha256(signature), gen_time)
    }

    /// A TimeStampResp over `signature` built as `stamp` says.
    pub fn stamp(&self, signature: &[u8], gen_time: i64, stamp: &Stamp) -> Vec<u8> {
        self.token(&sha256_imprint(&sha256(signature)), None, gen_time, stamp)
    }

    /// A TimeStampResp whose TSTInfo states `imprint` (SHA-256) at `gen_time`.
    pub fn timestamp_imprint(&self, imprint: &[u8; 32], gen_time: i64) -> Vec<u8> {
        self.token(&sha256_imprint(imprint), None, gen_time, &Stamp::default())
    }

    /// The answer to a TimeStampReq: a TimeStampResp whose TSTInfo states the request's
    /// `message_imprint` (its MessageImprint DER, echoed byte for byte: any hash algorithm, and
    /// parameters as the client wrote them, which clients compare) and `nonce` (its INTEGER DER)
    /// at `gen_time`, embedding the signing certificate when the request has certReq (RFC 3161
    /// §2.4.1: and no certificate when it has not).
    pub fn respond(&self, message_imprint: &[u8], nonce: Option<&[u8]>, cert_req: bool, gen_time: i64) -> Vec<u8> {
        let stamp = Stamp { ess: Ess::V2, embed: if cert_req { Embed::Signer } else { Embed::Nothing } };
        self.token(message_imprint, nonce, gen_time, &stamp)
    }

    /// The signing certificate's twin: same subject, issuer and serial, another key, signed by the
    /// same root (what an attacker holding only a lookalike would embed).
    pub fn lookalike_signer(&self) -> Vec<u8> {
        let key = Key::p256("tsa lookalike signer");
        self.root.issue(&signer_template("tsa signer", &key, 0, i64::from(i32::MAX)))
    }

    /// `message_imprint` is MessageImprint DER; `nonce`, INTEGER DER.
    fn token(&self, message_imprint: &[u8], nonce: Option<&[u8]>, gen_time: i64, stamp: &Stamp) -> Vec<u8> {
        let tst_info = seq(&[
            &uint(1),
            &oid(TSA_POLICY),
            message_imprint,
            &uint(u64::try_from(gen_time).unwrap()),
            &generalized_time(gen_time),
            nonce.unwrap_or_default(),
        ]);
        let mut attrs = vec![
            seq(&[&oid(ID_CONTENT_TYPE), &set(&[&oid(ID_CT_TST_INFO)])]),
            seq(&[&oid(ID_MESSAGE_DIGEST), &set(&[&octets(&sha256(&tst_info))])]),
        ];
        let cert_hash = if stamp.ess == Ess::V2OtherHash { sha256(b"another certificate") } else { sha256(&self.signer.cert) };
        let serial = if stamp.ess == Ess::V2OtherSerial { SIGNER_SERIAL + 1 } else { SIGNER_SERIAL };
        // IssuerSerial { GeneralNames { directoryName [4] EXPLICIT Name }, serialNumber }
        let issuer_serial = seq(&[&seq(&[&context(4, &self.root.subject)]), &uint(serial)]);
        match stamp.ess {
            Ess::V2 | Ess::V2OtherHash | Ess::V2OtherSerial => {
                let id = seq(&[&octets(&cert_hash), &issuer_serial]); // hashAlgorithm: the SHA-256 default
                attrs.push(seq(&[&oid(ID_AA_SIGNING_CERTIFICATE_V2), &set(&[&seq(&[&seq(&[&id])])])]));
            }
            Ess::V1 => {
                let id = seq(&[&octets(&[0u8; 20]), &issuer_serial]);
                attrs.push(seq(&[&oid(ID_AA_SIGNING_CERTIFICATE), &set(&[&seq(&[&seq(&[&id])])])]));
            }
            Ess::Absent => {}
        }
        attrs.sort(); // DER SET OF: ascending encodings
        let attrs = attrs.concat();
        // The signature covers the attributes re-tagged as SET OF (RFC 5652 §5.4).
        let signature = self.signer.key.sign(&set(&[&attrs]));
        let signer_info = seq(&[
            &uint(1),
            &seq(&[&self.root.subject, &uint(SIGNER_SERIAL)]),
            &algorithm(SHA256),
            &context(0, &attrs),
            &self.signer.key.signature_algorithm(),
            &octets(&signature),
        ]);
        let encap = seq(&[&oid(ID_CT_TST_INFO), &context(0, &octets(&tst_info))]);
        let signed_data = match &stamp.embed {
            Embed::Signer => seq(&[&uint(3), &set(&[&algorithm(SHA256)]), &encap, &context(0, &self.signer.cert), &set(&[&signer_info])]),
            Embed::Other(cert) => seq(&[&uint(3), &set(&[&algorithm(SHA256)]), &encap, &context(0, cert), &set(&[&signer_info])]),
            Embed::Nothing => seq(&[&uint(3), &set(&[&algorithm(SHA256)]), &encap, &set(&[&signer_info])]),
        };
        let content_info = seq(&[&oid(ID_SIGNED_DATA), &context(0, &signed_data)]);
        seq(&[&seq(&[&uint(0)]), &content_info])
    }
}

/// MessageImprint { AlgorithmIdentifier SHA-256 (parameters absent), OCTET STRING }.
fn sha256_imprint(imprint: &[u8; 32]) -> Vec<u8> {
    seq(&[&algorithm(SHA256), &octets(imprint)])
}

/// The TSA signing certificate: keyUsage digitalSignature, extendedKeyUsage timeStamping (critical).
fn signer_template(cn: &str, key: &Key, not_before: i64, not_after: i64) -> Template {
    Template {
        serial: SIGNER_SERIAL,
        subject: name(cn),
        not_before,
        not_after,
        spki: key.spki(),
        extensions: vec![
            Extension::key_usage(&[KU_DIGITAL_SIGNATURE]),
            Extension::ext_key_usage(&[EKU_TIME_STAMPING], true),
            Extension::subject_key_id(key),
        ],
    }
}
