//! Notary Project signature envelopes (notaryproject/specifications v1.1) signed with the
//! generated PKI: a P-384 root and intermediate ([`Pki`]), code-signing leaves with a knob for
//! every certificate requirement a verifier checks ([`LeafSpec`]), the generated RFC 3161 TSA
//! of [`super::tsa`] (two of them: one trusted, one not), CRLs from [`super::crl`], and JWS and
//! COSE envelopes ([`EnvelopeSpec`], [`sign`]) with a knob for each signed attribute, the
//! declared algorithm, the countersignature and the payload.
//!
//! Encodings, written independently of the crate's readers:
//! - JWS (`signature-envelope-jws.md`, RFC 7515 §7.2.2 flattened JSON): `protected`, `payload`
//!   and `signature` in base64url without padding; `x5c` and the timestamp token in standard
//!   padded base64 (RFC 7515 §4.1.6); the signing input is `protected "." payload`; ECDSA
//!   signatures are the fixed-size `r || s` of RFC 7518 §3.4.
//! - COSE (`signature-envelope-cose.md`, RFC 9052 §4.2): `COSE_Sign1_Tagged` (tag 18), the
//!   signature over `Sig_structure = ["Signature1", protected, h'', payload]` (RFC 9052 §4.4),
//!   times as tag 1 epoch seconds, `x5chain` (label 33) in the unprotected header. Every item is
//!   written in core deterministic encoding (RFC 8949 §4.2.1): definite lengths, shortest
//!   heads, map keys in bytewise order of their encodings ([`Cbor::encode`]).
//!
//! Times: leaves are valid from [`T0`] for a year; envelopes are signed and countersigned at
//! [`SIGNED_AT`]; verification happens at [`NOW`], inside the default CRL's
//! thisUpdate..nextUpdate ([`super::crl::CHECKED_AT`]).
#![allow(dead_code, reason = "the Notary tests and bench use it; generated.rs, which checks the rest for dead items, does not")]

use std::path::Path;
use std::sync::LazyLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::hazmat::PrehashSigner;

use super::der::{encode, oid, seq, set, utf8};
use super::keys::Key;
use super::pki::{EKU_CODE_SIGNING, Extension, Issuer, KU_DIGITAL_SIGNATURE, Template};
use super::tsa::Tsa;
use super::{DAY, T0, YEAR, b64, hex, sha256, sha384};

pub const MEDIA_TYPE_JWS: &str = "application/jose+json";
pub const MEDIA_TYPE_COSE: &str = "application/cose";
pub const PAYLOAD_MEDIA_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";
/// The artifact type of signature manifests, and their legacy config media type.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

pub const ATTR_SIGNING_SCHEME: &str = "io.cncf.notary.signingScheme";
pub const ATTR_SIGNING_TIME: &str = "io.cncf.notary.signingTime";
pub const ATTR_AUTHENTIC_SIGNING_TIME: &str = "io.cncf.notary.authenticSigningTime";
pub const ATTR_EXPIRY: &str = "io.cncf.notary.expiry";
pub const ATTR_TIMESTAMP: &str = "io.cncf.notary.timestampSignature";
pub const ATTR_SIGNING_AGENT: &str = "io.cncf.notary.signingAgent";
pub const SIGNING_AGENT: &str = "sealcheck-tests/1";

/// The signing time of every envelope and the genTime of every countersignature.
pub const SIGNED_AT: i64 = T0 + DAY;
/// The verification time (inside the default CRL's validity, `crl::CHECKED_AT`).
pub const NOW: i64 = T0 + 2 * DAY;

/// The leaves' subject as notation renders it (Go `pkix.Name.String`: RFC 4514, the last RDN
/// first, no spaces).
pub const LEAF_DN: &str = "CN=notary leaf,O=sealcheck.test,L=Seattle,ST=WA,C=US";
/// The policy's `x509.subject:` identity for [`LEAF_DN`].
pub const LEAF_IDENTITY: &str = "x509.subject:C=US, ST=WA, L=Seattle, O=sealcheck.test, CN=notary leaf";

pub const EKU_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
pub const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
/// A purpose that is neither codeSigning nor a forbidden one (Microsoft document signing).
pub const EKU_DOCUMENT_SIGNING: &str = "1.3.6.1.4.1.311.10.3.12";

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const PRINTABLE_STRING: u8 = 0x13;

/// The Name of the leaves: `C=US, ST=WA, L=Seattle, O=sealcheck.test, CN=notary leaf` (RFC
/// 5280 §4.1.2.6; C as PrintableString, RFC 5280 Appendix A).
pub fn leaf_subject() -> Vec<u8> {
    let rdn = |type_oid: &str, value: Vec<u8>| set(&[&seq(&[&oid(type_oid), &value])]);
    seq(&[
        &rdn("2.5.4.6", encode(PRINTABLE_STRING, b"US")),
        &rdn("2.5.4.8", utf8("WA")),
        &rdn("2.5.4.7", utf8("Seattle")),
        &rdn("2.5.4.10", utf8("sealcheck.test")),
        &rdn("2.5.4.3", utf8("notary leaf")),
    ])
}

/// A SubjectPublicKeyInfo of a 1024-bit RSA key (RFC 8017 A.1.1; RFC 3279 §2.3.1): a fixed,
/// odd modulus with its top bit set, e = 65537. No private key exists: a verifier must refuse
/// the certificate before it needs one.
pub fn rsa_1024_spki() -> Vec<u8> {
    let mut modulus: Vec<u8> = (0u8..4).flat_map(|i| sha256(&[b'n', i])).collect();
    modulus[0] |= 0x80;
    modulus[127] |= 1;
    let n = encode(super::der::tag::INTEGER, &[&[0u8][..], &modulus].concat());
    let e = encode(super::der::tag::INTEGER, &[0x01, 0x00, 0x01]);
    let alg = seq(&[&oid(RSA_ENCRYPTION), &[0x05, 0x00]]);
    seq(&[&alg, &super::der::bits(&seq(&[&n, &e]))])
}

/// The curve of a generated leaf key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
}

/// The knobs of a code-signing leaf. [`Default`] meets every requirement of
/// signature-specification.md "Certificate Requirements" / "Leaf Certificates": keyUsage
/// digitalSignature only, critical; extendedKeyUsage codeSigning; no basicConstraints; a P-256
/// key; valid from [`T0`] for a year; subject [`leaf_subject`].
#[derive(Clone, Debug)]
pub struct LeafSpec {
    /// The key is derived from this label (and the curve).
    pub label: String,
    pub curve: Curve,
    pub serial: u64,
    pub subject: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    /// The extendedKeyUsage purposes; `None` leaves the extension out.
    pub eku: Option<Vec<&'static str>>,
    /// A cRLDistributionPoints URI (RFC 5280 §4.2.1.13).
    pub crl_distribution_point: Option<String>,
    /// A SubjectPublicKeyInfo in place of the key's (the envelope is still signed by the key).
    pub spki: Option<Vec<u8>>,
}

impl Default for LeafSpec {
    fn default() -> Self {
        Self {
            label: "notary leaf".into(),
            curve: Curve::P256,
            serial: 0x5160,
            subject: leaf_subject(),
            not_before: T0,
            not_after: T0 + YEAR,
            eku: Some(vec![EKU_CODE_SIGNING]),
            crl_distribution_point: None,
            spki: None,
        }
    }
}

impl LeafSpec {
    /// The default leaf on `curve`.
    pub fn on(curve: Curve) -> Self {
        Self { curve, ..Self::default() }
    }

    pub fn key(&self) -> Key {
        match self.curve {
            Curve::P256 => Key::p256(&format!("{} p256", self.label)),
            Curve::P384 => Key::p384(&format!("{} p384", self.label)),
        }
    }

    pub fn template(&self) -> Template {
        let key = self.key();
        let mut extensions = vec![Extension::key_usage(&[KU_DIGITAL_SIGNATURE]), Extension::subject_key_id(&key)];
        if let Some(eku) = &self.eku {
            extensions.push(Extension::ext_key_usage(eku, false));
        }
        if let Some(uri) = &self.crl_distribution_point {
            extensions.push(Extension::crl_distribution_point(uri));
        }
        Template {
            serial: self.serial,
            subject: self.subject.clone(),
            not_before: self.not_before,
            not_after: self.not_after,
            spki: self.spki.clone().unwrap_or_else(|| key.spki()),
            extensions,
        }
    }
}

/// A signing key and the chain an envelope carries for it: leaf, intermediate, root.
#[derive(Clone)]
pub struct Signer {
    pub key: Key,
    pub chain: Vec<Vec<u8>>,
}

impl Signer {
    pub fn leaf(&self) -> &[u8] {
        &self.chain[0]
    }
}

/// The generated Notary PKI: a P-384 root ("notary root") and intermediate (pathLen 0, keyUsage
/// keyCertSign + cRLSign, critical), the TSA the policies trust and one they do not.
pub struct Pki {
    pub root: Issuer,
    pub intermediate: Issuer,
    pub tsa: Tsa,
    /// A TSA whose root is in no trust store.
    pub other_tsa: Tsa,
}

static PKI: LazyLock<Pki> = LazyLock::new(Pki::new);

impl Pki {
    fn new() -> Self {
        let root = Issuer::root(Key::p384("notary root"), "notary root");
        let key = Key::p384("notary intermediate");
        let intermediate = root.issue_issuer(&Template::ca(2, "notary intermediate", &key, Some(0)), key);
        Self {
            root,
            intermediate,
            tsa: Tsa::new("notary tsa", "https://tsa.notary.test", T0 - YEAR, T0 + 10 * YEAR),
            other_tsa: Tsa::new("untrusted tsa", "https://tsa.untrusted.test", T0 - YEAR, T0 + 10 * YEAR),
        }
    }

    /// The shared PKI (built once).
    pub fn get() -> &'static Self {
        &PKI
    }

    /// A leaf of `spec` issued by the intermediate, with its chain.
    pub fn signer(&self, spec: &LeafSpec) -> Signer {
        let leaf = self.intermediate.issue(&spec.template());
        Signer { key: spec.key(), chain: vec![leaf, self.intermediate.cert.clone(), self.root.cert.clone()] }
    }
}

/// The envelope encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Jws,
    Cose,
}

impl Format {
    pub const BOTH: [Self; 2] = [Self::Jws, Self::Cose];

    pub const fn media_type(self) -> &'static str {
        match self {
            Self::Jws => MEDIA_TYPE_JWS,
            Self::Cose => MEDIA_TYPE_COSE,
        }
    }
}

/// A declared signature algorithm (signature-envelope-jws.md / -cose.md "Supported alg header
/// values").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    ES256,
    ES384,
    /// RSASSA-PSS SHA-256: only declared (the envelope is signed with an ECDSA key over SHA-256).
    PS256,
}

impl Alg {
    pub const fn jws(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::PS256 => "PS256",
        }
    }

    /// RFC 9053 §2.1, RFC 8230 §2.
    pub const fn cose(self) -> i64 {
        match self {
            Self::ES256 => -7,
            Self::ES384 => -35,
            Self::PS256 => -37,
        }
    }

    /// The algorithm the key signs with (signature-specification.md "Algorithm Selection").
    pub fn for_key(key: &Key) -> Self {
        match key {
            Key::P256(_) => Self::ES256,
            Key::P384(_) => Self::ES384,
            Key::Ed25519(_) => panic!("Notary signing keys are RSA or ECDSA"),
        }
    }

    fn hash(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Self::ES256 | Self::PS256 => sha256(msg).to_vec(),
            Self::ES384 => sha384(msg).to_vec(),
        }
    }
}

/// `key`'s ECDSA signature over `alg`'s hash of `msg`, as the fixed-size `r || s` (RFC 7518
/// §3.4; RFC 9053 §2.1). A P-256 key with SHA-384 signs the truncated hash (FIPS 186-5 §6.4.1).
pub fn sign_fixed(key: &Key, alg: Alg, msg: &[u8]) -> Vec<u8> {
    let prehash = alg.hash(msg);
    match key {
        Key::P256(k) => {
            let s: p256::ecdsa::Signature = k.sign_prehash(&prehash).expect("P-256 signature");
            s.to_bytes().to_vec()
        }
        Key::P384(k) => {
            let s: p384::ecdsa::Signature = k.sign_prehash(&prehash).expect("P-384 signature");
            s.to_bytes().to_vec()
        }
        Key::Ed25519(_) => panic!("Notary signing keys are RSA or ECDSA"),
    }
}

/// An OCI descriptor: what a payload's `targetArtifact` names, and a signature's subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    pub size: u64,
}

impl Descriptor {
    /// The descriptor of `bytes` of `media_type`.
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Self { media_type: media_type.into(), digest: format!("sha256:{}", hex(&sha256(bytes))), size: bytes.len() as u64 }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({"mediaType": self.media_type, "digest": self.digest, "size": self.size})
    }
}

/// The Notary payload naming `target` (signature-specification.md "Payload").
pub fn payload(target: &Descriptor) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"targetArtifact": target.json()})).unwrap()
}

/// An image manifest (image-spec `manifest.md`) with one layer, distinct per `label`; its config
/// and layer blobs.
pub struct Image {
    pub manifest: Vec<u8>,
    pub config: Vec<u8>,
    pub layer: Vec<u8>,
}

impl Image {
    pub fn new(label: &str) -> Self {
        let config = b"{}".to_vec();
        let layer = format!("generated layer: {label}\n").into_bytes();
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": Descriptor::of("application/vnd.oci.image.config.v1+json", &config).json(),
            "layers": [Descriptor::of("application/vnd.oci.image.layer.v1.tar", &layer).json()],
        }))
        .unwrap();
        Self { manifest, config, layer }
    }

    pub fn descriptor(&self) -> Descriptor {
        Descriptor::of(OCI_MANIFEST, &self.manifest)
    }
}

/// The countersignature an envelope carries (unsigned attribute `io.cncf.notary.timestampSignature`).
#[derive(Clone, Copy)]
pub enum Countersignature<'a> {
    None,
    /// A TimeStampToken of `tsa` over the primitive signature at `gen_time`.
    By(&'a Tsa, i64),
    /// A TimeStampToken of `tsa` at `gen_time` whose imprint is the SHA-256 of `other` bytes.
    OverOther(&'a Tsa, i64, &'a [u8]),
}

/// The signing scheme (signing-scheme.md): `notary.x509` carries the signer's own `signingTime`
/// claim; `notary.x509.signingAuthority` the authority's `authenticSigningTime` (a critical
/// signed attribute) and no `signingTime`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    X509,
    SigningAuthority,
}

impl Scheme {
    /// `io.cncf.notary.signingScheme`, and the attribute that carries the signing time.
    const fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::X509 => ("notary.x509", ATTR_SIGNING_TIME),
            Self::SigningAuthority => ("notary.x509.signingAuthority", ATTR_AUTHENTIC_SIGNING_TIME),
        }
    }
}

/// How [`sign`] builds an envelope. [`EnvelopeSpec::new`] is a valid `notary.x509` signature:
/// the key's own algorithm, signing time [`SIGNED_AT`], `crit` = [signingScheme], no expiry, no
/// countersignature.
#[derive(Clone)]
pub struct EnvelopeSpec<'a> {
    pub format: Format,
    pub target: Descriptor,
    /// The declared algorithm; `None`: the key's.
    pub alg: Option<Alg>,
    pub signing_time: i64,
    /// The scheme; [`EnvelopeSpec::new`]: `notary.x509`.
    pub scheme: Scheme,
    pub expiry: Option<i64>,
    /// Extra signed attributes (name, text value), each also listed in `crit`.
    pub extra_critical: Vec<(&'static str, &'static str)>,
    pub countersignature: Countersignature<'a>,
    /// A payload put in place of the signed one after signing.
    pub payload_after_signing: Option<Vec<u8>>,
}

impl<'a> EnvelopeSpec<'a> {
    pub fn new(format: Format, target: Descriptor) -> Self {
        Self {
            format,
            target,
            alg: None,
            signing_time: SIGNED_AT,
            scheme: Scheme::X509,
            expiry: None,
            extra_critical: Vec::new(),
            countersignature: Countersignature::None,
            payload_after_signing: None,
        }
    }

    /// With a countersignature of `tsa` at [`SIGNED_AT`].
    pub fn timestamped(mut self, tsa: &'a Tsa) -> Self {
        self.countersignature = Countersignature::By(tsa, SIGNED_AT);
        self
    }
}

/// A signed envelope.
#[derive(Clone, Debug)]
pub struct Signed {
    pub format: Format,
    pub bytes: Vec<u8>,
    /// The primitive signature (`r || s`).
    pub signature: Vec<u8>,
}

impl Signed {
    pub const fn media_type(&self) -> &'static str {
        self.format.media_type()
    }
}

/// The TimeStampToken (a CMS ContentInfo) of a DER TimeStampResp `SEQUENCE { status,
/// timeStampToken }` (RFC 3161 §2.4.2): what Notary envelopes carry.
pub fn token_of_response(resp: &[u8]) -> Vec<u8> {
    let (head, _) = tlv(resp);
    let inner = &resp[head..];
    let (status_head, status_len) = tlv(inner);
    inner[status_head + status_len..].to_vec()
}

/// The header length and content length of the DER TLV at the start of `b`.
fn tlv(b: &[u8]) -> (usize, usize) {
    match b[1] {
        n if n < 0x80 => (2, usize::from(n)),
        n => {
            let k = usize::from(n & 0x7f);
            (2 + k, b[2..2 + k].iter().fold(0, |acc, x| acc << 8 | usize::from(*x)))
        }
    }
}

fn countersign(c: Countersignature<'_>, signature: &[u8]) -> Option<Vec<u8>> {
    match c {
        Countersignature::None => None,
        Countersignature::By(tsa, at) => Some(token_of_response(&tsa.timestamp(signature, at))),
        Countersignature::OverOther(tsa, at, other) => Some(token_of_response(&tsa.timestamp(other, at))),
    }
}

/// `signer`'s envelope as `spec` says.
pub fn sign(signer: &Signer, spec: &EnvelopeSpec<'_>) -> Signed {
    let alg = spec.alg.unwrap_or_else(|| Alg::for_key(&signer.key));
    let payload = payload(&spec.target);
    let mut crit: Vec<&str> = vec![ATTR_SIGNING_SCHEME];
    if spec.scheme == Scheme::SigningAuthority {
        crit.push(ATTR_AUTHENTIC_SIGNING_TIME);
    }
    if spec.expiry.is_some() {
        crit.push(ATTR_EXPIRY);
    }
    crit.extend(spec.extra_critical.iter().map(|(n, _)| *n));
    match spec.format {
        Format::Jws => sign_jws(signer, spec, alg, &payload, &crit),
        Format::Cose => sign_cose(signer, spec, alg, &payload, &crit),
    }
}

/// signature-envelope-jws.md "Protected Headers", "Unprotected Headers", "Signature".
fn sign_jws(signer: &Signer, spec: &EnvelopeSpec<'_>, alg: Alg, payload: &[u8], crit: &[&str]) -> Signed {
    let mut protected = serde_json::Map::new();
    protected.insert("alg".into(), alg.jws().into());
    protected.insert("crit".into(), crit.iter().map(|c| serde_json::Value::from(*c)).collect());
    protected.insert("cty".into(), PAYLOAD_MEDIA_TYPE.into());
    let (scheme, time_attribute) = spec.scheme.names();
    protected.insert(ATTR_SIGNING_SCHEME.into(), scheme.into());
    protected.insert(time_attribute.into(), super::der::rfc3339(spec.signing_time).into());
    if let Some(e) = spec.expiry {
        protected.insert(ATTR_EXPIRY.into(), super::der::rfc3339(e).into());
    }
    for (name, value) in &spec.extra_critical {
        protected.insert((*name).into(), (*value).into());
    }
    let protected = Base64UrlUnpadded::encode_string(&serde_json::to_vec(&protected).unwrap());
    let signed_payload = Base64UrlUnpadded::encode_string(payload);
    let signature = sign_fixed(&signer.key, alg, format!("{protected}.{signed_payload}").as_bytes());
    let mut header = serde_json::Map::new();
    header.insert("x5c".into(), signer.chain.iter().map(|c| serde_json::Value::from(b64(c))).collect());
    if let Some(token) = countersign(spec.countersignature, &signature) {
        header.insert(ATTR_TIMESTAMP.into(), b64(&token).into());
    }
    header.insert(ATTR_SIGNING_AGENT.into(), SIGNING_AGENT.into());
    let sent_payload = spec.payload_after_signing.as_deref().map_or(signed_payload, Base64UrlUnpadded::encode_string);
    let envelope = serde_json::json!({
        "payload": sent_payload,
        "protected": protected,
        "header": header,
        "signature": Base64UrlUnpadded::encode_string(&signature),
    });
    Signed { format: Format::Jws, bytes: serde_json::to_vec(&envelope).unwrap(), signature }
}

/// signature-envelope-cose.md "Protected Header", "Unprotected Headers", "Signature".
fn sign_cose(signer: &Signer, spec: &EnvelopeSpec<'_>, alg: Alg, payload: &[u8], crit: &[&str]) -> Signed {
    let time = |t: i64| Cbor::Tag(1, Box::new(Cbor::Int(t)));
    let (scheme, time_attribute) = spec.scheme.names();
    let mut protected = vec![
        (Cbor::Int(1), Cbor::Int(alg.cose())),
        (Cbor::Int(2), Cbor::Array(crit.iter().map(|c| Cbor::text(c)).collect())),
        (Cbor::Int(3), Cbor::text(PAYLOAD_MEDIA_TYPE)),
        (Cbor::text(ATTR_SIGNING_SCHEME), Cbor::text(scheme)),
        (Cbor::text(time_attribute), time(spec.signing_time)),
    ];
    if let Some(e) = spec.expiry {
        protected.push((Cbor::text(ATTR_EXPIRY), time(e)));
    }
    for (name, value) in &spec.extra_critical {
        protected.push((Cbor::text(name), Cbor::text(value)));
    }
    let protected = Cbor::Map(protected).encode();
    let sig_structure = Cbor::Array(vec![Cbor::text("Signature1"), Cbor::Bytes(protected.clone()), Cbor::Bytes(Vec::new()), Cbor::Bytes(payload.to_vec())]);
    let signature = sign_fixed(&signer.key, alg, &sig_structure.encode());
    let mut unprotected = vec![(Cbor::Int(33), Cbor::Array(signer.chain.iter().map(|c| Cbor::Bytes(c.clone())).collect()))];
    if let Some(token) = countersign(spec.countersignature, &signature) {
        unprotected.push((Cbor::text(ATTR_TIMESTAMP), Cbor::Bytes(token)));
    }
    unprotected.push((Cbor::text(ATTR_SIGNING_AGENT), Cbor::text(SIGNING_AGENT)));
    let sent_payload = spec.payload_after_signing.clone().unwrap_or_else(|| payload.to_vec());
    let message = Cbor::Tag(18, Box::new(Cbor::Array(vec![Cbor::Bytes(protected), Cbor::Map(unprotected), Cbor::Bytes(sent_payload), Cbor::Bytes(signature.clone())])));
    Signed { format: Format::Cose, bytes: message.encode(), signature }
}

/// The CBOR items COSE envelopes use (RFC 8949 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
    Tag(u64, Box<Cbor>),
    Bool(bool),
    Null,
}

impl Cbor {
    pub fn text(s: &str) -> Self {
        Self::Text(s.to_string())
    }

    /// Core deterministic encoding (RFC 8949 §4.2.1): shortest-form heads (preferred
    /// serialization, §4.1), definite lengths only, map entries sorted by the bytewise
    /// lexicographic order of their encoded keys.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Int(n) if *n >= 0 => head(0, n.unsigned_abs()),
            Self::Int(n) => head(1, (-1 - *n).unsigned_abs()),
            Self::Bytes(b) => [head(2, b.len() as u64), b.clone()].concat(),
            Self::Text(s) => [head(3, s.len() as u64), s.as_bytes().to_vec()].concat(),
            Self::Array(items) => {
                let mut out = head(4, items.len() as u64);
                items.iter().for_each(|i| out.extend(i.encode()));
                out
            }
            Self::Map(entries) => {
                let mut encoded: Vec<(Vec<u8>, Vec<u8>)> = entries.iter().map(|(k, v)| (k.encode(), v.encode())).collect();
                encoded.sort();
                let mut out = head(5, encoded.len() as u64);
                for (k, v) in encoded {
                    out.extend(k);
                    out.extend(v);
                }
                out
            }
            Self::Tag(t, item) => [head(6, *t), item.encode()].concat(),
            Self::Bool(b) => vec![0xf4 | u8::from(*b)],
            Self::Null => vec![0xf6],
        }
    }
}

/// The shortest head of major type `major` with argument `n` (RFC 8949 §3, §4.2.1).
fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        0x100..=0xffff => [&[m | 25][..], &(n as u16).to_be_bytes()].concat(),
        0x1_0000..=0xffff_ffff => [&[m | 26][..], &(n as u32).to_be_bytes()].concat(),
        _ => [&[m | 27][..], &n.to_be_bytes()].concat(),
    }
}

/// The two forms of a signature manifest notation reads (signature-specification.md "OCI
/// Signatures", "OCI Signature Verification Forward and Backward Compatibility").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestForm {
    /// No `artifactType`; config media type `application/vnd.cncf.notary.signature`
    /// (notation-go ≤ 1.3, registries without artifactType).
    Legacy,
    /// `artifactType` `application/vnd.cncf.notary.signature`, the empty config.
    ArtifactType,
}

/// The signature manifest of `envelope` for `subject`.
pub fn signature_manifest(form: ManifestForm, envelope: &Signed, subject: &Descriptor) -> Vec<u8> {
    let mut m = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "layers": [Descriptor::of(envelope.media_type(), &envelope.bytes).json()],
        "subject": subject.json(),
        "annotations": {"io.cncf.notary.x509chain.thumbprint#S256": "[]"},
    });
    match form {
        ManifestForm::Legacy => m["config"] = Descriptor::of(SIGNATURE_ARTIFACT_TYPE, b"{}").json(),
        ManifestForm::ArtifactType => {
            m["artifactType"] = SIGNATURE_ARTIFACT_TYPE.into();
            m["config"] = Descriptor::of(OCI_EMPTY, b"{}").json();
        }
    }
    serde_json::to_vec(&m).unwrap()
}

/// Writes an OCI image layout (image-spec `image-layout.md`) to `dir` (emptied first): `image`
/// tagged `v1`, and each signature's manifest (listed in index.json, as notation's e2e layouts
/// list them) with its envelope blob. Returns the image manifest's descriptor.
pub fn write_layout(dir: &Path, image: &Image, signatures: &[(ManifestForm, &Signed)]) -> Descriptor {
    let _ = std::fs::remove_dir_all(dir);
    let blobs = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| std::fs::write(blobs.join(hex(&sha256(bytes))), bytes).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    for blob in [&image.config, &image.layer, &image.manifest] {
        put(blob);
    }
    put(b"{}");
    let subject = image.descriptor();
    let mut image_entry = subject.json();
    image_entry["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "v1"});
    let mut manifests = vec![image_entry];
    for (form, envelope) in signatures {
        put(&envelope.bytes);
        let m = signature_manifest(*form, envelope, &subject);
        put(&m);
        let mut entry = Descriptor::of(OCI_MANIFEST, &m).json();
        if *form == ManifestForm::ArtifactType {
            entry["artifactType"] = SIGNATURE_ARTIFACT_TYPE.into();
        }
        manifests.push(entry);
    }
    let index = serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    subject
}

/// An OCI trust policy document (trust-store-trust-policy.md "OCI Trust Policy", version 1.0)
/// with one global statement.
pub fn trust_policy(level: &str, trust_stores: &[&str], identities: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "version": "1.0",
        "trustPolicies": [{
            "name": "generated",
            "registryScopes": ["*"],
            "signatureVerification": {"level": level},
            "trustStores": trust_stores,
            "trustedIdentities": identities,
        }],
    }))
    .unwrap()
}

/// The trust store of the generated PKI: `ca:root` holds the root, `tsa:tsa` the trusted TSA's
/// root (trust-store-trust-policy.md "Trust Store").
pub fn trust_store(backend: &dyn sealcheck::crypto::Backend) -> sealcheck::notation::truststore::TrustStore {
    use sealcheck::notation::trustpolicy::StoreType;
    let pki = Pki::get();
    let mut store = sealcheck::notation::truststore::TrustStore::new();
    store.add_file(backend, StoreType::Ca, "root", super::pem("CERTIFICATE", &pki.root.cert).as_bytes(), "root.pem").unwrap();
    store.add_file(backend, StoreType::Tsa, "tsa", &pki.tsa.root.cert, "tsa-root.der").unwrap();
    store
}
