//! X.509 v3 certificates built field by field (RFC 5280 §4.1): names, the extensions Fulcio and
//! TSAs use, a [`Template`] with a knob for every field, [`Issuer`]s that sign templates, and the
//! Fulcio profile (a P-384 root and intermediate, a P-256 code-signing leaf).

use super::der::{bits, boolean, context, encode, octets, oid, seq, set, tag, uint, utf8, x509_time};
use super::keys::Key;
use super::trusted_root::{Authority, Window};
use super::{T0, YEAR};

pub const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
pub const OID_KEY_USAGE: &str = "2.5.29.15";
pub const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
pub const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";
pub const OID_AUTHORITY_KEY_ID: &str = "2.5.29.35";
pub const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
pub const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";
pub const OID_FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
pub const OID_FULCIO_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
pub const EKU_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";

/// keyUsage bit numbers (RFC 5280 §4.2.1.3).
pub const KU_DIGITAL_SIGNATURE: u8 = 0;
pub const KU_KEY_CERT_SIGN: u8 = 5;
pub const KU_CRL_SIGN: u8 = 6;

/// A Name `O=sigstore.test, CN=<cn>`.
pub fn name(cn: &str) -> Vec<u8> {
    let rdn = |type_oid: &str, value: &str| set(&[&seq(&[&oid(type_oid), &utf8(value)])]);
    seq(&[&rdn("2.5.4.10", "sigstore.test"), &rdn("2.5.4.3", cn)])
}

/// The empty Name Fulcio leaves carry as subject.
pub fn empty_name() -> Vec<u8> {
    seq(&[])
}

/// One extension: its OID, criticality and the DER inside its OCTET STRING.
#[derive(Clone, Debug)]
pub struct Extension {
    pub oid: String,
    pub critical: bool,
    pub value: Vec<u8>,
}

impl Extension {
    pub fn new(oid: &str, critical: bool, value: Vec<u8>) -> Self {
        Self { oid: oid.to_string(), critical, value }
    }

    fn der(&self) -> Vec<u8> {
        let critical = if self.critical { boolean(true) } else { Vec::new() };
        seq(&[&oid(&self.oid), &critical, &octets(&self.value)])
    }

    /// basicConstraints, critical: `cA` and an optional pathLenConstraint.
    pub fn basic_constraints(ca: bool, path_len: Option<u64>) -> Self {
        let ca = if ca { boolean(true) } else { Vec::new() };
        let path_len = path_len.map(uint).unwrap_or_default();
        Self::new(OID_BASIC_CONSTRAINTS, true, seq(&[&ca, &path_len]))
    }

    /// keyUsage, critical, with the given bits set.
    pub fn key_usage(usages: &[u8]) -> Self {
        let mut v = [0u8; 2];
        for &u in usages {
            v[usize::from(u / 8)] |= 0x80 >> (u % 8);
        }
        let len = if v[1] == 0 { 1 } else { 2 };
        let last = v[len - 1];
        let unused = if last == 0 { 0 } else { last.trailing_zeros() as u8 };
        let mut content = vec![unused];
        content.extend_from_slice(&v[..len]);
        Self::new(OID_KEY_USAGE, true, encode(tag::BIT_STRING, &content))
    }

    /// extendedKeyUsage with the given purposes.
    pub fn ext_key_usage(purposes: &[&str], critical: bool) -> Self {
        let oids: Vec<Vec<u8>> = purposes.iter().map(|p| oid(p)).collect();
        Self::new(OID_EXT_KEY_USAGE, critical, seq(&oids.iter().map(Vec::as_slice).collect::<Vec<_>>()))
    }

    /// subjectKeyIdentifier of `key` ([`key_identifier`]).
    pub fn subject_key_id(key: &Key) -> Self {
        Self::new(OID_SUBJECT_KEY_ID, false, octets(&key_identifier(key)))
    }

    /// authorityKeyIdentifier naming `issuer_key` by key identifier.
    pub fn authority_key_id(issuer_key: &Key) -> Self {
        let id = encode(tag::context_primitive(0), &key_identifier(issuer_key));
        Self::new(OID_AUTHORITY_KEY_ID, false, seq(&[&id]))
    }

    /// subjectAltName with one uniformResourceIdentifier (`[6] IA5String`), critical (the
    /// subject is empty).
    pub fn san_uri(uri: &str) -> Self {
        Self::new(OID_SUBJECT_ALT_NAME, true, seq(&[&encode(tag::context_primitive(6), uri.as_bytes())]))
    }

    /// subjectAltName with one rfc822Name (`[1] IA5String`), critical.
    pub fn san_email(email: &str) -> Self {
        Self::new(OID_SUBJECT_ALT_NAME, true, seq(&[&encode(tag::context_primitive(1), email.as_bytes())]))
    }

    /// Fulcio OIDC issuer, deprecated form `1.3.6.1.4.1.57264.1.1`: the raw string.
    pub fn fulcio_issuer_v1(issuer: &str) -> Self {
        Self::new(OID_FULCIO_ISSUER_V1, false, issuer.as_bytes().to_vec())
    }

    /// Fulcio OIDC issuer `1.3.6.1.4.1.57264.1.8`: a DER UTF8String.
    pub fn fulcio_issuer_v2(issuer: &str) -> Self {
        Self::new(OID_FULCIO_ISSUER_V2, false, utf8(issuer))
    }
}

/// The key identifier used for SKI/AKI: the first 20 bytes of SHA-256(SPKI) (RFC 7093 §2 method 1).
pub fn key_identifier(key: &Key) -> Vec<u8> {
    key.spki_sha256()[..20].to_vec()
}

/// Every field of a TBSCertificate except the issuer and the signature algorithm, which come
/// from the [`Issuer`] that signs it.
#[derive(Clone, Debug)]
pub struct Template {
    pub serial: u64,
    pub subject: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub spki: Vec<u8>,
    pub extensions: Vec<Extension>,
}

impl Template {
    /// A certificate authority: basicConstraints cA (critical, optional pathLen), keyUsage
    /// keyCertSign + cRLSign (critical), subjectKeyIdentifier.
    pub fn ca(serial: u64, cn: &str, key: &Key, path_len: Option<u64>) -> Self {
        Self {
            serial,
            subject: name(cn),
            not_before: T0 - YEAR,
            not_after: T0 + 10 * YEAR,
            spki: key.spki(),
            extensions: vec![
                Extension::basic_constraints(true, path_len),
                Extension::key_usage(&[KU_KEY_CERT_SIGN, KU_CRL_SIGN]),
                Extension::subject_key_id(key),
            ],
        }
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
}

/// A certificate and its private key, able to sign [`Template`]s.
#[derive(Clone)]
pub struct Issuer {
    pub key: Key,
    pub subject: Vec<u8>,
    pub cert: Vec<u8>,
}

impl Issuer {
    /// A self-signed root CA.
    pub fn root(key: Key, cn: &str) -> Self {
        let t = Template::ca(1, cn, &key, None);
        let subject = t.subject.clone();
        let tbs = tbs(&t, &subject, &key.signature_algorithm());
        let cert = certificate(&tbs, &key);
        Self { key, subject, cert }
    }

    /// A self-signed certificate of template `t` (its subject as issuer), signed by `key`.
    #[allow(dead_code)] // used by the unit tests beside src/x509/path.rs
    pub fn root_from(key: Key, t: &Template) -> Self {
        let subject = t.subject.clone();
        let cert = certificate(&tbs(t, &subject, &key.signature_algorithm()), &key);
        Self { key, subject, cert }
    }

    /// Signs `t` as it is, without adding an authorityKeyIdentifier.
    #[allow(dead_code)] // used by the unit tests beside src/x509/path.rs
    pub fn issue_without_aki(&self, t: &Template) -> Vec<u8> {
        certificate(&tbs(t, &self.subject, &self.key.signature_algorithm()), &self.key)
    }

    /// The TBSCertificate of `t` with this issuer's name, and an authorityKeyIdentifier for
    /// this issuer's key appended unless `t` has one.
    pub fn tbs(&self, t: &Template) -> Vec<u8> {
        let mut t = t.clone();
        if !t.extensions.iter().any(|e| e.oid == OID_AUTHORITY_KEY_ID) {
            t.extensions.push(Extension::authority_key_id(&self.key));
        }
        tbs(&t, &self.subject, &self.key.signature_algorithm())
    }

    /// Signs `t`: the certificate DER.
    pub fn issue(&self, t: &Template) -> Vec<u8> {
        certificate(&self.tbs(t), &self.key)
    }

    /// Issues a certificate for `t` and returns it as an issuer holding `key`.
    pub fn issue_issuer(&self, t: &Template, key: Key) -> Self {
        Self { key, subject: t.subject.clone(), cert: self.issue(t) }
    }
}

fn tbs(t: &Template, issuer: &[u8], sig_alg: &[u8]) -> Vec<u8> {
    let exts: Vec<Vec<u8>> = t.extensions.iter().map(Extension::der).collect();
    let exts = seq(&exts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    seq(&[
        &context(0, &uint(2)),
        &uint(t.serial),
        sig_alg,
        issuer,
        &seq(&[&x509_time(t.not_before), &x509_time(t.not_after)]),
        &t.subject,
        &t.spki,
        &context(3, &exts),
    ])
}

/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
fn certificate(tbs: &[u8], key: &Key) -> Vec<u8> {
    seq(&[tbs, &key.signature_algorithm(), &bits(&key.sign(tbs))])
}

/// A Fulcio-shaped CA: a P-384 self-signed root and a P-384 intermediate with pathLen 0, as
/// the public-good instance has.
pub struct FulcioCa {
    pub uri: String,
    pub root: Issuer,
    pub intermediate: Issuer,
}

impl FulcioCa {
    pub fn new(label: &str, uri: &str) -> Self {
        Self::with_intermediate(label, uri, |t| t)
    }

    /// A CA whose intermediate template (pathLen 0 by default) is first passed through `edit`.
    pub fn with_intermediate(label: &str, uri: &str, edit: impl FnOnce(Template) -> Template) -> Self {
        let root = Issuer::root(Key::p384(&format!("{label} root")), &format!("{label} root"));
        let key = Key::p384(&format!("{label} intermediate"));
        let intermediate = root.issue_issuer(&edit(Template::ca(2, &format!("{label} intermediate"), &key, Some(0))), key);
        Self { uri: uri.to_string(), root, intermediate }
    }

    /// The trusted-root entry: intermediate, then root.
    pub fn trust(&self, valid_for: Window) -> Authority {
        Authority { uri: self.uri.clone(), chain: vec![self.intermediate.cert.clone(), self.root.cert.clone()], valid_for }
    }
}

/// The knobs of a Fulcio leaf. [`Default`] is a valid code-signing certificate for
/// [`super::SAN`] and [`super::ISSUER`], valid ten minutes from [`T0`].
#[derive(Clone, Debug)]
pub struct LeafSpec {
    pub key_label: String,
    pub serial: u64,
    pub subject: Vec<u8>,
    pub san: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_after: i64,
    /// Assert extendedKeyUsage codeSigning.
    pub code_signing: bool,
    /// Added after the standard extensions.
    pub extra: Vec<Extension>,
    /// Which SCT to embed.
    pub sct: super::ct::SctSource,
}

impl Default for LeafSpec {
    fn default() -> Self {
        Self {
            key_label: "fulcio leaf".into(),
            serial: 0x1eaf,
            subject: empty_name(),
            san: super::SAN.into(),
            issuer: super::ISSUER.into(),
            not_before: T0,
            not_after: T0 + 10 * 60,
            code_signing: true,
            extra: Vec::new(),
            sct: super::ct::SctSource::Trusted,
        }
    }
}

impl LeafSpec {
    /// The leaf's key.
    pub fn key(&self) -> Key {
        Key::p256(&self.key_label)
    }

    /// The template before any SCT is embedded.
    pub fn template(&self) -> Template {
        let key = self.key();
        let mut extensions = vec![Extension::key_usage(&[KU_DIGITAL_SIGNATURE])];
        if self.code_signing {
            extensions.push(Extension::ext_key_usage(&[EKU_CODE_SIGNING], false));
        }
        extensions.extend([
            Extension::subject_key_id(&key),
            // A URI has a scheme; anything else is an email address (Fulcio's email identities).
            if self.san.contains(':') { Extension::san_uri(&self.san) } else { Extension::san_email(&self.san) },
            Extension::fulcio_issuer_v1(&self.issuer),
            Extension::fulcio_issuer_v2(&self.issuer),
        ]);
        extensions.extend(self.extra.iter().cloned());
        Template {
            serial: self.serial,
            subject: self.subject.clone(),
            not_before: self.not_before,
            not_after: self.not_after,
            spki: key.spki(),
            extensions,
        }
    }
}
