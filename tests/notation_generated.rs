//! Generated Notary Project signatures: the tests build their own CA (a P-384 root and
//! intermediate), code-signing leaves, an RFC 3161 TSA and CRLs (`tests/support/notary.rs`,
//! `tsa.rs`, `crl.rs`), sign JWS and COSE envelopes with them, and check that
//!
//! - the unmutated envelopes verify at `strict` (every validation passed), JWS and COSE, P-256
//!   (ES256) and P-384 (ES384) leaves, with and without a countersignature, under the identity
//!   `*` and under an `x509.subject:` DN: the baseline every mutation is measured against;
//! - each mutation is rejected, for JWS and COSE alike, by the validation the specification
//!   assigns it and with its own error ([`each_mutation_has_its_own_error`]);
//! - positive controls next to the mutations that need one (an expired leaf with a trusted
//!   countersignature passes; a CRL that does not list the leaf passes; no CRL is "revocation
//!   unknown"; a leaf without an extendedKeyUsage, or with one that lists neither codeSigning nor
//!   a forbidden purpose, passes);
//! - both paths: the lower-level `notation::verify::verify`, and the image decision over an OCI
//!   layout holding signature manifests of both forms.
//!
//! "spec" below is notaryproject/specifications v1.1 (`specs/`): sig = signature-specification.md,
//! tp = trust-store-trust-policy.md, jws = signature-envelope-jws.md, cose =
//! signature-envelope-cose.md.

#[allow(dead_code)]
mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64ct::{Base64UrlUnpadded, Encoding as _};

use sealcheck::notation::cbor::{self, Value};
use sealcheck::notation::crl::{Crl, CrlSet};
use sealcheck::notation::trustpolicy::{Action, DocumentKind, TrustPolicyDocument, Validation};
use sealcheck::notation::verify::{self, Outcome, Target};
use sealcheck::oci::OciDigest;
use sealcheck::{Error, ImageVerifier, UnixTime, verifier};

use support::crl::{CrlSpec, Entry, REVOKED_AT, reason};
use support::notary::{
    Cbor, Countersignature, Curve, Descriptor, EKU_CLIENT_AUTH, EKU_DOCUMENT_SIGNING, EKU_SERVER_AUTH, EnvelopeSpec, Format, Image, LEAF_DN,
    LEAF_IDENTITY, LeafSpec, ManifestForm, NOW, Pki, SIGNED_AT, Signed, Signer, rsa_1024_spki, sign, trust_policy, trust_store,
    write_layout,
};
use support::pki::EKU_CODE_SIGNING;

// ---- helpers --------------------------------------------------------------------------------

/// The artifact every signature is verified for.
fn image() -> Image {
    Image::new("the signed image")
}

/// Another artifact.
fn other_image() -> Image {
    Image::new("another image")
}

const CA: &str = "ca:root";
const TSA: &str = "tsa:tsa";

/// `strict`, trusting `ca:root` (and `tsa:tsa` when `tsa`), identities `*`.
fn policy(tsa: bool) -> Vec<u8> {
    let stores: &[&str] = if tsa { &[CA, TSA] } else { &[CA] };
    trust_policy("strict", stores, &["*"])
}

fn default_signer(curve: Curve) -> Signer {
    Pki::get().signer(&LeafSpec::on(curve))
}

/// `signed` verified for `target` at [`NOW`] under the one statement of `policy`, with `crls`.
fn verify_for(signed: &Signed, policy: &[u8], crls: &CrlSet, target: &Descriptor) -> Outcome {
    let b = support::backend();
    let doc = TrustPolicyDocument::parse(policy, DocumentKind::Oci).expect("the generated policy parses");
    let digest = OciDigest::parse(&target.digest).unwrap();
    let digests = [*digest.digest()];
    let t = Target { media_type: &target.media_type, digests: &digests, size: target.size };
    verify::verify(b, &doc.statements[0], &trust_store(b), crls, signed.media_type(), &signed.bytes, &t, UnixTime::from_secs(NOW))
}

/// [`verify_for`] the signed image, without CRLs.
fn verify_image(signed: &Signed, policy: &[u8]) -> Outcome {
    verify_for(signed, policy, &CrlSet::new(Vec::new()), &image().descriptor())
}

/// Each validation's (name, outcome).
fn results(o: &Outcome) -> Vec<(&'static str, &'static str)> {
    o.results.iter().map(|r| (r.validation.name(), r.outcome)).collect()
}

/// Every validation ran and passed, in notation's order.
#[track_caller]
fn assert_all_passed(o: &Outcome, ctx: &str) {
    if let Err(e) = &o.verdict {
        panic!("{ctx}: refused: {e} ({:?})", o.results);
    }
    let want: Vec<(&str, &str)> = ["integrity", "authenticity", "expiry", "authenticTimestamp", "revocation"].iter().map(|v| (*v, "passed")).collect();
    assert_eq!(results(o), want, "{ctx}");
}

/// How a mutation was rejected: the validation that failed (enforced, and the only failure),
/// the error's kind, for `Envelope` errors which part of the envelope (two mutations share that
/// kind, see [`each_mutation_has_its_own_error`]), and the message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rejection {
    validation: &'static str,
    kind: &'static str,
    part: Option<String>,
    message: String,
}

#[track_caller]
fn rejection(o: &Outcome, ctx: &str) -> Rejection {
    let e = match &o.verdict {
        Ok(_) => panic!("{ctx}: accepted ({:?})", o.results),
        Err(e) => e,
    };
    let failed: Vec<_> = o.results.iter().filter(|r| r.outcome == "failed").collect();
    assert_eq!(failed.len(), 1, "{ctx}: exactly one validation failed: {:?}", o.results);
    let last = o.results.last().unwrap();
    assert_eq!((last.outcome, last.action), ("failed", Action::Enforce), "{ctx}: the enforced failure ends the verification: {:?}", o.results);
    assert_eq!(last.error.as_deref(), Some(e.to_string().as_str()), "{ctx}: the result records the verdict's error");
    let part = match e {
        // "JWS protected header" and "COSE protected header" are one part.
        Error::Envelope { what, .. } => Some(what.replace("JWS ", "").replace("COSE ", "")),
        _ => None,
    };
    Rejection { validation: last.validation.name(), kind: e.kind(), part, message: e.to_string() }
}

// ---- baseline -------------------------------------------------------------------------------

/// The baseline (sig "Signature Envelope", "Certificate Requirements"; tp "Signature
/// Verification" steps 1-7): JWS and COSE, a P-256 leaf (ES256) and a P-384 leaf (ES384) under
/// leaf → intermediate → root, with and without a countersignature (tp "Timestamp
/// Countersignature Verification details": verified when the statement names a `tsa` store),
/// identities `*` and the leaf's `x509.subject:` DN (tp "Trusted Identities Constraints": C, ST
/// and O present) — every validation passed at `strict`.
#[test]
fn baseline_envelopes_verify_at_strict() {
    let pki = Pki::get();
    let mut verified = 0;
    for curve in [Curve::P256, Curve::P384] {
        let signer = default_signer(curve);
        for format in Format::BOTH {
            for timestamped in [false, true] {
                let mut spec = EnvelopeSpec::new(format, image().descriptor());
                if timestamped {
                    spec = spec.timestamped(&pki.tsa);
                }
                let signed = sign(&signer, &spec);
                let stores: &[&str] = if timestamped { &[CA, TSA] } else { &[CA] };
                for identity in ["*", LEAF_IDENTITY] {
                    let ctx = format!("{format:?} {curve:?} timestamped={timestamped} identity={identity}");
                    let o = verify_image(&signed, &trust_policy("strict", stores, &[identity]));
                    assert_all_passed(&o, &ctx);
                    let v = o.verdict.as_ref().unwrap();
                    assert_eq!(v.anchored_at, "ca:root", "{ctx}");
                    assert_eq!(v.envelope.chain.len(), 3, "{ctx}: leaf, intermediate, root");
                    let alg = format!("{:?}", v.envelope.algorithm);
                    assert_eq!(alg, if curve == Curve::P256 { "ES256" } else { "ES384" }, "{ctx}");
                    match (&v.timestamp, timestamped) {
                        (Some(ts), true) => assert_eq!(ts.time, UnixTime::from_secs(SIGNED_AT), "{ctx}"),
                        (None, false) => {}
                        (t, _) => panic!("{ctx}: verified timestamp {t:?}"),
                    }
                    verified += 1;
                }
            }
        }
    }
    assert_eq!(verified, 16);
}

/// The subject the DN identity is compared with is the generated one (the baseline's DN
/// identity is not vacuous): a DN the leaf does not carry is refused (see
/// [`identity_not_in_trusted_identities`]), and the leaf renders as [`LEAF_DN`].
#[test]
fn leaf_subject_renders_as_the_trusted_identity() {
    let signer = default_signer(Curve::P256);
    let leaf = sealcheck::x509::Certificate::from_der("leaf", signer.leaf()).unwrap();
    let dn = sealcheck::notation::dn::DistinguishedName::from_name_der(leaf.subject_der()).unwrap();
    assert_eq!(dn.to_string(), LEAF_DN);
    for (ty, want) in [("C", "US"), ("ST", "WA"), ("O", "sealcheck.test")] {
        assert_eq!(dn.get(ty), Some(want));
    }
}

/// The encodings (jws "Signature Envelope": base64url without padding, RFC 7515 §2; cose
/// "Signature Envelope": COSE_Sign1_Tagged, RFC 9052 §4.2; RFC 8949 §4.2.1 core deterministic
/// encoding: definite lengths, shortest heads, sorted map keys).
#[test]
fn jws_is_unpadded_base64url_and_cose_is_canonical_cbor() {
    let pki = Pki::get();
    let signer = default_signer(Curve::P256);
    let jws = sign(&signer, &EnvelopeSpec::new(Format::Jws, image().descriptor()).timestamped(&pki.tsa));
    let v: serde_json::Value = serde_json::from_slice(&jws.bytes).unwrap();
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["header", "payload", "protected", "signature"]));
    for field in ["payload", "protected", "signature"] {
        let s = v[field].as_str().unwrap();
        assert!(!s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{field} is unpadded base64url: {s}");
    }
    assert_eq!(v["signature"].as_str().unwrap().len(), 86, "64 bytes of r || s in unpadded base64url");
    let protected: serde_json::Value =
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(v["protected"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(protected["crit"], serde_json::json!(["io.cncf.notary.signingScheme"]));
    assert_eq!(protected["io.cncf.notary.signingTime"], support::der::rfc3339(SIGNED_AT));

    let cose = sign(&signer, &EnvelopeSpec::new(Format::Cose, image().descriptor()).timestamped(&pki.tsa));
    let decoded = cbor::decode("generated COSE", &cose.bytes).expect("the library's strict decoder reads it");
    assert_eq!(reencode(&decoded), cose.bytes, "the message is in core deterministic encoding");
    let Value::Tag(18, msg) = &decoded else { panic!("COSE_Sign1_Tagged") };
    let Value::Array(parts) = &**msg else { panic!("COSE_Sign1 array") };
    let Value::Bytes(protected) = &parts[0] else { panic!("protected bstr") };
    let header = cbor::decode("protected", protected).unwrap();
    assert_eq!(reencode(&header), *protected, "the protected header is in core deterministic encoding");
    let Value::Map(entries) = &header else { panic!("protected map") };
    let labels: Vec<Value> = entries.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(labels[..3], [Value::Int(1), Value::Int(2), Value::Int(3)], "integer labels first, in order");
    let Value::Map(unprotected) = &parts[1] else { panic!("unprotected map") };
    assert_eq!(unprotected[0].0, Value::Int(33), "x5chain");
    let Value::Bytes(sig) = &parts[3] else { panic!("signature bstr") };
    assert_eq!(sig.len(), 64, "r || s");
}

/// The library's decoded value re-encoded by the generator's deterministic encoder.
fn reencode(v: &Value) -> Vec<u8> {
    fn conv(v: &Value) -> Cbor {
        match v {
            Value::Int(n) => Cbor::Int(i64::try_from(*n).unwrap()),
            Value::Bytes(b) => Cbor::Bytes(b.clone()),
            Value::Text(t) => Cbor::Text(t.clone()),
            Value::Array(a) => Cbor::Array(a.iter().map(conv).collect()),
            Value::Map(m) => Cbor::Map(m.iter().map(|(k, v)| (conv(k), conv(v))).collect()),
            Value::Tag(t, inner) => Cbor::Tag(*t, Box::new(conv(inner))),
            Value::Bool(b) => Cbor::Bool(*b),
            Value::Null => Cbor::Null,
        }
    }
    conv(v).encode()
}

// ---- mutations ------------------------------------------------------------------------------

/// One mutation: what it changes, the validation and error kind it must be rejected with.
struct Mutation {
    name: &'static str,
    validation: Validation,
    kind: &'static str,
    /// The mutated envelope's outcome, for one format.
    run: fn(Format) -> Outcome,
}

const MUTATIONS: [Mutation; 11] = [
    Mutation { name: "payload digest changed", validation: Validation::Integrity, kind: "BadSignature", run: payload_digest_changed },
    Mutation { name: "unknown critical header", validation: Validation::Integrity, kind: "Envelope", run: unknown_critical_header },
    Mutation { name: "wrong algorithm for key", validation: Validation::Integrity, kind: "SignerMismatch", run: wrong_algorithm_for_key },
    Mutation { name: "RSA 1024 key", validation: Validation::Integrity, kind: "UnsupportedAlgorithm", run: rsa_1024_key },
    Mutation { name: "leaf without codeSigning EKU", validation: Validation::Integrity, kind: "ExtendedKeyUsage", run: leaf_without_code_signing_eku },
    Mutation {
        name: "expired leaf without timestamp",
        validation: Validation::AuthenticTimestamp,
        kind: "CertificateNotValidAt",
        run: expired_leaf_without_timestamp,
    },
    Mutation { name: "timestamp over other bytes", validation: Validation::AuthenticTimestamp, kind: "TimestampImprint", run: timestamp_over_other_bytes },
    Mutation {
        name: "TSA not in a tsa: store",
        validation: Validation::AuthenticTimestamp,
        kind: "UnknownTimestampAuthority",
        run: tsa_not_in_tsa_store,
    },
    Mutation { name: "revoked leaf", validation: Validation::Revocation, kind: "Revoked", run: revoked_leaf },
    Mutation { name: "identity not in trustedIdentities", validation: Validation::Authenticity, kind: "IdentityMismatch", run: identity_not_trusted },
    Mutation { name: "signature for another artifact", validation: Validation::Integrity, kind: "ArtifactMismatch", run: another_artifact },
];

/// Runs mutation `name` for JWS and COSE and checks the validation and kind; returns the
/// rejections.
#[track_caller]
fn check(name: &str) -> Vec<Rejection> {
    let m = MUTATIONS.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no mutation {name:?}"));
    Format::BOTH
        .into_iter()
        .map(|format| {
            let ctx = format!("{} ({format:?})", m.name);
            let r = rejection(&(m.run)(format), &ctx);
            assert_eq!((r.validation, r.kind), (m.validation.name(), m.kind), "{ctx}: {}", r.message);
            r
        })
        .collect()
}

/// The payload names another artifact's digest, then is changed after signing to name the
/// verified one: the signature covers the payload (jws "Create the JWS Signing Input"; cose
/// "Signature": Sig_structure), so integrity fails on the signature (tp "Validate Integrity"
/// 1.5) — BadSignature, not ArtifactMismatch.
fn payload_digest_changed(format: Format) -> Outcome {
    let mut spec = EnvelopeSpec::new(format, other_image().descriptor());
    spec.payload_after_signing = Some(support::notary::payload(&image().descriptor()));
    verify_image(&sign(&default_signer(Curve::P256), &spec), &policy(false))
}

#[test]
fn payload_digest_changed_is_a_bad_signature() {
    for r in check("payload digest changed") {
        assert!(r.message.contains("envelope signature"), "{r:?}");
    }
}

/// A signed attribute the verifier does not know, listed in `crit` (sig "Extended attributes":
/// "unknown critical attributes MUST cause signature verification to fail"; jws "Protected
/// Headers" / cose "Protected Header": `crit`). Properly signed.
fn unknown_critical_header(format: Format) -> Outcome {
    let mut spec = EnvelopeSpec::new(format, image().descriptor());
    spec.extra_critical = vec![("io.example.unknownCritical", "must be understood")];
    verify_image(&sign(&default_signer(Curve::P256), &spec), &policy(false))
}

#[test]
fn unknown_critical_header_is_refused() {
    for r in check("unknown critical header") {
        assert_eq!(r.part.as_deref(), Some("protected header"), "{r:?}");
        assert!(r.message.contains("unknown critical attribute \"io.example.unknownCritical\""), "{r:?}");
    }
}

/// A P-256 leaf whose envelope declares ES384, signed by the P-256 key over the declared
/// algorithm's hash (SHA-384, truncated to the curve): the key fixes the algorithm (sig
/// "Algorithm Selection"; tp "Validate Integrity" 1.4), so the declaration is refused before the
/// signature is checked.
fn wrong_algorithm_for_key(format: Format) -> Outcome {
    let mut spec = EnvelopeSpec::new(format, image().descriptor());
    spec.alg = Some(support::notary::Alg::ES384);
    verify_image(&sign(&default_signer(Curve::P256), &spec), &policy(false))
}

#[test]
fn wrong_algorithm_for_key_is_refused() {
    for r in check("wrong algorithm for key") {
        assert_eq!(r.kind, "SignerMismatch", "{r:?}");
        assert!(r.message.contains("alg is not the one the signing certificate's key signs with"), "{r:?}");
    }
}

/// A leaf with an RSA-1024 SubjectPublicKeyInfo, issued by the intermediate (sig "Leaf
/// Certificates" 4: "For RSA public key, the key length MUST be 2048 bits or higher"; "Algorithm
/// Selection" lists RSA 2048/3072/4096). The envelope declares PS256; no RSA private key exists,
/// so the chain must be refused when it is parsed.
fn rsa_1024_key(format: Format) -> Outcome {
    let spec = LeafSpec { label: "rsa 1024 leaf".into(), spki: Some(rsa_1024_spki()), ..LeafSpec::default() };
    let signer = Pki::get().signer(&spec);
    let mut env = EnvelopeSpec::new(format, image().descriptor());
    env.alg = Some(support::notary::Alg::PS256);
    verify_image(&sign(&signer, &env), &policy(false))
}

#[test]
fn rsa_1024_key_is_refused() {
    for r in check("RSA 1024 key") {
        assert!(r.message.contains("RSA-1024"), "{r:?}");
    }
}

/// A leaf whose extendedKeyUsage is a TLS server's (serverAuth, no codeSigning): sig "Leaf
/// Certificates" 3: the value "MUST NOT contain anyExtendedKeyUsage, serverAuth, clientAuth,
/// emailProtection and timeStamping" (and only MAY contain codeSigning: see
/// [`leaf_eku_controls`]).
fn leaf_without_code_signing_eku(format: Format) -> Outcome {
    let spec = LeafSpec { label: "tls leaf".into(), eku: Some(vec![EKU_SERVER_AUTH]), ..LeafSpec::default() };
    verify_image(&sign(&Pki::get().signer(&spec), &EnvelopeSpec::new(format, image().descriptor())), &policy(false))
}

#[test]
fn leaf_without_code_signing_eku_is_refused() {
    for r in check("leaf without codeSigning EKU") {
        assert!(r.message.contains("signing certificate 0"), "{r:?}");
    }
    // clientAuth beside codeSigning is refused too: the forbidden purposes decide, not the
    // presence of codeSigning.
    let spec = LeafSpec { label: "dual leaf".into(), eku: Some(vec![EKU_CODE_SIGNING, EKU_CLIENT_AUTH]), ..LeafSpec::default() };
    for format in Format::BOTH {
        let o = verify_image(&sign(&Pki::get().signer(&spec), &EnvelopeSpec::new(format, image().descriptor())), &policy(false));
        assert_eq!(rejection(&o, "codeSigning + clientAuth").kind, "ExtendedKeyUsage");
    }
}

/// Positive controls of the EKU rule (sig "Leaf Certificates" 3: extendedKeyUsage "is OPTIONAL
/// ... If present, the value MAY contain id-kp-codeSigning"): no extension, and an extension
/// with only an unrelated purpose, both verify.
#[test]
fn leaf_eku_controls() {
    for (label, eku) in [("no eku leaf", None), ("document signing leaf", Some(vec![EKU_DOCUMENT_SIGNING]))] {
        let spec = LeafSpec { label: label.into(), eku, ..LeafSpec::default() };
        for format in Format::BOTH {
            let o = verify_image(&sign(&Pki::get().signer(&spec), &EnvelopeSpec::new(format, image().descriptor())), &policy(false));
            assert_all_passed(&o, &format!("{label} ({format:?})"));
        }
    }
}

/// A leaf that expired an hour after [`SIGNED_AT`] (before [`NOW`]).
fn expired_leaf() -> LeafSpec {
    LeafSpec { label: "expired leaf".into(), not_after: SIGNED_AT + 3600, ..LeafSpec::default() }
}

/// The expired leaf, no countersignature, a statement without a `tsa` store: no timestamp
/// verification is triggered (tp "Timestamp Countersignature Verification details"), so every
/// certificate must be valid now (tp "Validate Authentic Timestamp" 6.i.b; sig "Other
/// requirements" 4).
fn expired_leaf_without_timestamp(format: Format) -> Outcome {
    verify_image(&sign(&Pki::get().signer(&expired_leaf()), &EnvelopeSpec::new(format, image().descriptor())), &policy(false))
}

#[test]
fn expired_leaf_without_timestamp_is_refused() {
    for r in check("expired leaf without timestamp") {
        assert!(r.message.contains("signing certificate 0"), "{r:?}");
    }
}

/// Positive control: the same leaf, with a trusted countersignature inside its validity and a
/// `tsa` store in the statement (tp "Validate Authentic Timestamp" 6.i.a: the timestamp range
/// lies in the chain's validity), verifies.
#[test]
fn expired_leaf_with_trusted_timestamp_verifies() {
    let pki = Pki::get();
    for format in Format::BOTH {
        let signed = sign(&pki.signer(&expired_leaf()), &EnvelopeSpec::new(format, image().descriptor()).timestamped(&pki.tsa));
        let o = verify_image(&signed, &policy(true));
        assert_all_passed(&o, &format!("{format:?}"));
        assert_eq!(o.verdict.unwrap().timestamp.unwrap().time, UnixTime::from_secs(SIGNED_AT));
        // The same envelope, the countersignature not verified (no tsa store): refused.
        let o = verify_image(&signed, &policy(false));
        assert_eq!(rejection(&o, "no tsa store").kind, "CertificateNotValidAt");
    }
}

/// A countersignature by the trusted TSA whose messageImprint is the hash of other bytes than
/// the primitive signature (tp "Validate Authentic Timestamp": "Validate that the timestamp hash
/// in TSTInfo.messageImprint matches the hash of the signature"; sig "Unsigned Attributes").
fn timestamp_over_other_bytes(format: Format) -> Outcome {
    let pki = Pki::get();
    let mut spec = EnvelopeSpec::new(format, image().descriptor());
    spec.countersignature = Countersignature::OverOther(&pki.tsa, SIGNED_AT, b"other bytes than the signature");
    verify_image(&sign(&default_signer(Curve::P256), &spec), &policy(true))
}

#[test]
fn timestamp_over_other_bytes_is_refused() {
    check("timestamp over other bytes");
}

/// A countersignature by a TSA whose root is not in the statement's `tsa` store (tp "Validate
/// Authentic Timestamp": "the timestamp certificate chain leads to a trusted root certificate as
/// per setting in trustStore with trust store type tsa").
fn tsa_not_in_tsa_store(format: Format) -> Outcome {
    let pki = Pki::get();
    let spec = EnvelopeSpec::new(format, image().descriptor()).timestamped(&pki.other_tsa);
    verify_image(&sign(&default_signer(Curve::P256), &spec), &policy(true))
}

#[test]
fn tsa_not_in_tsa_store_is_refused() {
    check("TSA not in a tsa: store");
}

const REVOCABLE_SERIAL: u64 = 0x5eed;

/// A leaf with a cRLDistributionPoints extension (tp "Certificate Revocation Evaluation": a
/// certificate with CRL information is checked).
fn revocable_signer() -> Signer {
    let spec = LeafSpec {
        label: "revocable leaf".into(),
        serial: REVOCABLE_SERIAL,
        crl_distribution_point: Some("http://crl.notary.test/intermediate.crl".into()),
        ..LeafSpec::default()
    };
    Pki::get().signer(&spec)
}

/// A CRL of the intermediate, valid at [`NOW`], listing `entries`.
fn intermediate_crl(entries: Vec<Entry>) -> CrlSet {
    let spec = entries.into_iter().fold(CrlSpec::default(), CrlSpec::entry);
    let der = spec.sign(&Pki::get().intermediate);
    CrlSet::new(Crl::parse_file("intermediate.crl", &der).unwrap())
}

/// The revocable leaf, listed by its issuer's CRL with reason keyCompromise (tp "Revocation
/// Checking with CRL" 3: a listed serial without an invalidity date is revoked).
fn revoked_leaf(format: Format) -> Outcome {
    let crls = intermediate_crl(vec![Entry::new(REVOCABLE_SERIAL, REVOKED_AT).reason(reason::KEY_COMPROMISE)]);
    let signed = sign(&revocable_signer(), &EnvelopeSpec::new(format, image().descriptor()));
    verify_for(&signed, &policy(false), &crls, &image().descriptor())
}

#[test]
fn revoked_leaf_is_refused() {
    for r in check("revoked leaf") {
        assert!(r.message.contains("keyCompromise") || r.message.contains("key compromise"), "{r:?}");
    }
}

/// Controls: the same leaf with a CRL of its issuer that lists another serial verifies; with no
/// CRL at all its status cannot be determined, which fails revocation (tp "Certificate
/// Revocation Evaluation": "If the revocation status of any of the certificates is revoked or
/// cannot be determined (revocation unavailable), fail this step").
#[test]
fn revocation_controls() {
    let signer = revocable_signer();
    for format in Format::BOTH {
        let signed = sign(&signer, &EnvelopeSpec::new(format, image().descriptor()));
        let listed_other = intermediate_crl(vec![Entry::new(REVOCABLE_SERIAL + 1, REVOKED_AT).reason(reason::KEY_COMPROMISE)]);
        assert_all_passed(&verify_for(&signed, &policy(false), &listed_other, &image().descriptor()), &format!("{format:?}: another serial listed"));
        let o = verify_for(&signed, &policy(false), &CrlSet::new(Vec::new()), &image().descriptor());
        let r = rejection(&o, &format!("{format:?}: no CRL"));
        assert_eq!((r.validation, r.kind), ("revocation", "RevocationUnknown"), "{r:?}");
    }
}

/// A statement whose only trusted identity is a DN the leaf does not carry (tp "Validate
/// Authenticity" 2.iv; "Trusted Identities Constraints").
fn identity_not_trusted(format: Format) -> Outcome {
    let policy = trust_policy("strict", &[CA], &["x509.subject:C=US, ST=WA, O=someone else"]);
    verify_image(&sign(&default_signer(Curve::P256), &EnvelopeSpec::new(format, image().descriptor())), &policy)
}

#[test]
fn identity_not_in_trusted_identities_is_refused() {
    for r in check("identity not in trustedIdentities") {
        assert!(r.message.contains("O=sealcheck.test"), "the leaf's subject is named: {r:?}");
    }
}

/// A valid signature of another artifact, presented for this one (tp "Validate Integrity" 1.6:
/// "Make sure the artifact's digest, media type and size match the ones present in the signature
/// envelope").
fn another_artifact(format: Format) -> Outcome {
    verify_image(&sign(&default_signer(Curve::P256), &EnvelopeSpec::new(format, other_image().descriptor())), &policy(false))
}

#[test]
fn signature_for_another_artifact_is_refused() {
    check("signature for another artifact");
    // The same envelope verifies for the artifact it names.
    for format in Format::BOTH {
        let signed = sign(&default_signer(Curve::P256), &EnvelopeSpec::new(format, other_image().descriptor()));
        assert_all_passed(&verify_for(&signed, &policy(false), &CrlSet::new(Vec::new()), &other_image().descriptor()), &format!("{format:?}"));
    }
}

/// Every mutation is rejected with its own (validation, error kind), JWS and COSE alike ("wrong
/// algorithm for key" is `SignerMismatch`, the algorithm-substitution defence, apart from the
/// other envelope faults, `Envelope`). Where two share a validation, that is the
/// specification's assignment: "payload digest changed" is BadSignature (the signature covers
/// the payload) while "signature for another artifact" is ArtifactMismatch (a valid signature,
/// of something else).
#[test]
fn each_mutation_has_its_own_error() {
    let mut by_kind: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut by_kind_and_part: BTreeSet<(&str, &str, Option<String>)> = BTreeSet::new();
    let mut report = Vec::new();
    for m in &MUTATIONS {
        let rs = check(m.name);
        let (jws, cose) = (&rs[0], &rs[1]);
        assert_eq!((jws.validation, jws.kind, &jws.part), (cose.validation, cose.kind, &cose.part), "{}: JWS and COSE agree", m.name);
        by_kind.insert((jws.validation, jws.kind));
        by_kind_and_part.insert((jws.validation, jws.kind, jws.part.clone()));
        report.push(format!("{:<36} {:<20} {:<26} {}", m.name, jws.validation, jws.kind, jws.message));
    }
    println!("{}", report.join("\n"));
    assert_eq!(by_kind_and_part.len(), MUTATIONS.len(), "one (validation, kind, part) per mutation: {report:#?}");
    assert_eq!(by_kind.len(), MUTATIONS.len(), "one (validation, kind) per mutation: {by_kind:?}");
}

// ---- the image decision ---------------------------------------------------------------------

fn layout_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("notation-generated").join(name)
}

/// The image decision over an OCI layout whose index.json lists `signed` in a signature
/// manifest of `form` with `subject` the image (sig "OCI Signatures"; "OCI Signature
/// Verification Forward and Backward Compatibility"), under `policy`; returns the decision's
/// record.
fn decide(name: &str, form: ManifestForm, signed: &Signed, policy: &[u8]) -> serde_json::Value {
    let provider = support::provider();
    let dir = layout_dir(name);
    let image = image();
    let subject = write_layout(&dir, &image, &[(form, signed)]);
    let policy = verifier::notation_policy(policy, trust_store(provider.backend()), CrlSet::new(Vec::new())).expect("policy");
    let reference = verifier::image_reference(&format!("localhost:5000/generated/app@{}", subject.digest)).unwrap();
    let source = verifier::image_source(&format!("oci:{}@{}", dir.display(), subject.digest), reference, &provider).expect("the layout reads");
    let d = ImageVerifier::new(policy.into(), provider).decide(&source, UnixTime::from_secs(NOW));
    let record = serde_json::to_value(&d).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    record
}

fn validations(sig: &serde_json::Value) -> Vec<(String, String)> {
    sig["validations"].as_array().unwrap().iter().map(|v| (v["validation"].as_str().unwrap().into(), v["outcome"].as_str().unwrap().into())).collect()
}

/// Both manifest forms, JWS and COSE, with and without a countersignature: allowed, the one
/// signature accepted with every validation passed.
#[test]
fn image_decision_over_a_generated_layout() {
    let pki = Pki::get();
    let signer = default_signer(Curve::P384);
    for form in [ManifestForm::Legacy, ManifestForm::ArtifactType] {
        for format in Format::BOTH {
            for timestamped in [false, true] {
                let ctx = format!("{form:?} {format:?} timestamped={timestamped}");
                let mut spec = EnvelopeSpec::new(format, image().descriptor());
                if timestamped {
                    spec = spec.timestamped(&pki.tsa);
                }
                let record = decide(&format!("{form:?}-{format:?}-{timestamped}"), form, &sign(&signer, &spec), &policy(timestamped));
                assert_eq!(record["allowed"], true, "{ctx}: {record:#}");
                let sigs = record["requirements"][0]["signatures"].as_array().unwrap();
                assert_eq!(sigs.len(), 1, "{ctx}: the layout's one signature");
                assert_eq!(sigs[0]["accepted"], true, "{ctx}");
                let passed: Vec<(String, String)> =
                    ["integrity", "authenticity", "expiry", "authenticTimestamp", "revocation"].iter().map(|v| ((*v).into(), "passed".into())).collect();
                assert_eq!(validations(&sigs[0]), passed, "{ctx}");
            }
        }
    }
}

/// Through the decision, mutations are refused as by `verify`: a signature for another
/// artifact (its manifest's subject is this image, its payload names another) and an untrusted
/// identity.
#[test]
fn image_decision_refuses_mutated_signatures() {
    let signer = default_signer(Curve::P256);
    for (form, format) in [(ManifestForm::ArtifactType, Format::Jws), (ManifestForm::Legacy, Format::Cose)] {
        let other = sign(&signer, &EnvelopeSpec::new(format, other_image().descriptor()));
        let record = decide(&format!("other-{form:?}-{format:?}"), form, &other, &policy(false));
        assert_eq!(record["allowed"], false, "{record:#}");
        let sig = &record["requirements"][0]["signatures"][0];
        assert_eq!(sig["accepted"], false);
        assert_eq!(validations(sig), [("integrity".to_string(), "failed".to_string())], "{record:#}");

        let mine = sign(&signer, &EnvelopeSpec::new(format, image().descriptor()));
        let record = decide(&format!("identity-{form:?}-{format:?}"), form, &mine, &trust_policy("strict", &[CA], &["x509.subject:C=US, ST=WA, O=someone else"]));
        assert_eq!(record["allowed"], false, "{record:#}");
        let sig = &record["requirements"][0]["signatures"][0];
        let v = validations(sig);
        assert_eq!(v.last().unwrap(), &("authenticity".to_string(), "failed".to_string()), "{record:#}");
    }
}
