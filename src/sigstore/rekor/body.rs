//! Rekor entry bodies: what a log entry asserts about the signature it records.
//!
//! Rekor v1 `hashedrekord` 0.0.1, `dsse` 0.0.1 and `intoto` 0.0.2, and Rekor v2 (rekor-tiles)
//! `hashedrekord` 0.0.2 and `dsse` 0.0.2 are read into one [`EntryClaims`] shape; the verifier
//! then requires each claim to equal the bundle (GHSA-8gw7-4j42-w388, GHSA-whqx-f9j3-ch6m).
//! Parsing is strict: unknown fields and duplicate keys are rejected, so nothing in a body goes
//! unchecked.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use crate::crypto::HashAlgorithm;
use crate::encoding::{base64_decode, hex_decode, pem_decode_all};
use crate::error::{Error, Result};
use crate::sigstore::bundle::hash_algorithm_by_name;
use crate::sigstore::json::Bytes;

/// Who the entry says signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryVerifier {
    /// A certificate, DER.
    Certificate(Vec<u8>),
    /// A public key, SubjectPublicKeyInfo DER.
    PublicKey(Vec<u8>),
}

/// The claims of one entry, normalized across kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryClaims {
    /// The recorded signature.
    pub signature: Vec<u8>,
    /// The recorded certificate or key.
    pub verifier: EntryVerifier,
    /// hashedrekord: the digest that was signed (artifact digest; for DSSE in Rekor v2, of PAE).
    pub signed_digest: Option<(HashAlgorithm, Vec<u8>)>,
    /// dsse / intoto: SHA-256 of the envelope payload.
    pub payload_hash: Option<Vec<u8>>,
    /// intoto: the envelope payload type.
    pub payload_type: Option<String>,
}

// ---- Rekor v1 ----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Envelope<S> {
    api_version: String,
    kind: String,
    spec: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV001 {
    data: HrData,
    signature: HrSignature,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HrData {
    hash: HexHash,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HexHash {
    algorithm: String,
    value: String,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HrSignature {
    content: String,
    public_key: HrPublicKey,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HrPublicKey {
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DsseV001 {
    #[allow(dead_code)]
    envelope_hash: Option<HexHash>,
    payload_hash: HexHash,
    signatures: Vec<DsseV001Sig>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DsseV001Sig {
    signature: String,
    verifier: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntotoV002 {
    content: IntotoContent,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntotoContent {
    envelope: IntotoEnvelope,
    #[allow(dead_code)]
    hash: Option<HexHash>,
    payload_hash: HexHash,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntotoEnvelope {
    payload_type: String,
    signatures: Vec<IntotoSig>,
    #[allow(dead_code)]
    payload: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntotoSig {
    public_key: String,
    sig: String,
    #[allow(dead_code)]
    keyid: Option<String>,
}

// ---- Rekor v2 ----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HashedRekordV002Spec {
    hashed_rekord_v002: HashedRekordV002,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HashedRekordV002 {
    data: V2Hash,
    signature: V2Signature,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DsseV002Spec {
    dsse_v002: DsseV002,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DsseV002 {
    payload_hash: V2Hash,
    signatures: Vec<V2Signature>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V2Hash {
    algorithm: String,
    digest: Bytes,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V2Signature {
    content: Bytes,
    verifier: V2Verifier,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct V2Verifier {
    key_details: String,
    x509_certificate: Option<RawBytes>,
    public_key: Option<RawBytes>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawBytes {
    raw_bytes: Bytes,
}

fn json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<Envelope<T>> {
    serde_json::from_slice(body).map_err(|e| Error::Json { what: "tlog entry body", detail: alloc::format!("{e}") })
}

fn mismatch(index: usize, field: &'static str) -> Error {
    Error::TlogBodyMismatch { index, field }
}

fn v1_hash(index: usize, h: &HexHash) -> Result<(HashAlgorithm, Vec<u8>)> {
    let alg = match h.algorithm.as_str() {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        _ => return Err(mismatch(index, "hash algorithm")),
    };
    Ok((alg, hex_decode("tlog entry body hash", &h.value)?))
}

fn v1_sha256(index: usize, h: &HexHash) -> Result<Vec<u8>> {
    match v1_hash(index, h)? {
        (HashAlgorithm::Sha256, v) => Ok(v),
        _ => Err(mismatch(index, "payload hash algorithm")),
    }
}

/// A v1 `publicKey.content` / `verifier`: base64 of a PEM certificate or public key.
fn v1_verifier(b64_pem: &str) -> Result<EntryVerifier> {
    let pem = base64_decode("tlog entry body verifier", b64_pem)?;
    let text = core::str::from_utf8(&pem).map_err(|_| Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" })?;
    let mut blocks = pem_decode_all("tlog entry body verifier", text)?;
    let block = match (blocks.pop(), blocks.is_empty()) {
        (Some(b), true) => b,
        _ => return Err(Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" }),
    };
    match block.label.as_str() {
        "CERTIFICATE" => Ok(EntryVerifier::Certificate(block.der)),
        "PUBLIC KEY" => Ok(EntryVerifier::PublicKey(block.der)),
        _ => Err(Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" }),
    }
}

fn v2_verifier(index: usize, v: V2Verifier) -> Result<EntryVerifier> {
    let _ = &v.key_details;
    match (v.x509_certificate, v.public_key) {
        (Some(c), None) => Ok(EntryVerifier::Certificate(c.raw_bytes.0)),
        (None, Some(k)) => Ok(EntryVerifier::PublicKey(k.raw_bytes.0)),
        _ => Err(mismatch(index, "verifier")),
    }
}

/// Parses the canonicalized body of entry `index`, whose declared kind and version are given.
pub fn parse(index: usize, kind: &str, version: &str, body: &[u8]) -> Result<EntryClaims> {
    let unsupported = || Error::UnsupportedEntry { index, kind: alloc::format!("{kind}/{version}") };
    let check = |api_version: &str, k: &str| if api_version == version && k == kind { Ok(()) } else { Err(mismatch(index, "kind or apiVersion")) };
    match (kind, version) {
        ("hashedrekord", "0.0.1") => {
            let e: Envelope<HashedRekordV001> = json(body)?;
            check(&e.api_version, &e.kind)?;
            Ok(EntryClaims {
                signature: base64_decode("tlog entry body signature", &e.spec.signature.content)?,
                verifier: v1_verifier(&e.spec.signature.public_key.content)?,
                signed_digest: Some(v1_hash(index, &e.spec.data.hash)?),
                payload_hash: None,
                payload_type: None,
            })
        }
        ("dsse", "0.0.1") => {
            let e: Envelope<DsseV001> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let [sig] = <[DsseV001Sig; 1]>::try_from(e.spec.signatures).map_err(|_| mismatch(index, "signature count"))?;
            Ok(EntryClaims {
                signature: base64_decode("tlog entry body signature", &sig.signature)?,
                verifier: v1_verifier(&sig.verifier)?,
                signed_digest: None,
                payload_hash: Some(v1_sha256(index, &e.spec.payload_hash)?),
                payload_type: None,
            })
        }
        ("intoto", "0.0.2") => {
            let e: Envelope<IntotoV002> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let c = e.spec.content;
            let [sig] = <[IntotoSig; 1]>::try_from(c.envelope.signatures).map_err(|_| mismatch(index, "signature count"))?;
            // The recorded signature is base64 of the envelope's base64 signature string.
            let inner = base64_decode("tlog entry body signature", &sig.sig)?;
            let inner = core::str::from_utf8(&inner).map_err(|_| mismatch(index, "signature"))?;
            Ok(EntryClaims {
                signature: base64_decode("tlog entry body signature", inner)?,
                verifier: v1_verifier(&sig.public_key)?,
                signed_digest: None,
                payload_hash: Some(v1_sha256(index, &c.payload_hash)?),
                payload_type: Some(c.envelope.payload_type),
            })
        }
        ("hashedrekord", "0.0.2") => {
            let e: Envelope<HashedRekordV002Spec> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let h = e.spec.hashed_rekord_v002;
            Ok(EntryClaims {
                signature: h.signature.content.0,
                verifier: v2_verifier(index, h.signature.verifier)?,
                signed_digest: Some((hash_algorithm_by_name(&h.data.algorithm)?, h.data.digest.0)),
                payload_hash: None,
                payload_type: None,
            })
        }
        ("dsse", "0.0.2") => {
            let e: Envelope<DsseV002Spec> = json(body)?;
            check(&e.api_version, &e.kind)?;
            let d = e.spec.dsse_v002;
            let [sig] = <[V2Signature; 1]>::try_from(d.signatures).map_err(|_| mismatch(index, "signature count"))?;
            if hash_algorithm_by_name(&d.payload_hash.algorithm)? != HashAlgorithm::Sha256 {
                return Err(mismatch(index, "payload hash algorithm"));
            }
            Ok(EntryClaims {
                signature: sig.content.0,
                verifier: v2_verifier(index, sig.verifier)?,
                signed_digest: None,
                payload_hash: Some(d.payload_hash.digest.0),
                payload_type: None,
            })
        }
        _ => Err(unsupported()),
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use serde_json::{Value, json};

    use super::*;
    use crate::test_support::bundle::{BundleSpec, Content, IN_TOTO, Signer, Version, in_toto_statement};
    use crate::test_support::pki::LeafSpec;
    use crate::test_support::rekor_v1::RekorV1;
    use crate::test_support::rekor_v2::RekorV2;
    use crate::test_support::{ARTIFACT, OTHER_ARTIFACT, Payload, Plan, SIGNED_AT, World, b64, default_identity, hex, sha256, verify};

    fn keyless() -> Signer {
        World::get().fulcio_signer(&LeafSpec::default())
    }

    fn dsse(signer: &Signer) -> Content {
        signer.sign_dsse(IN_TOTO, &in_toto_statement(&sha256(ARTIFACT)))
    }

    /// `body` (JSON) after `f`.
    fn edit(body: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(body).unwrap();
        f(&mut v);
        v.to_string().into_bytes()
    }

    fn mismatch(field: &'static str) -> Error {
        Error::TlogBodyMismatch { index: 0, field }
    }

    /// A Rekor v1 `intoto` 0.0.2 body (Rekor `pkg/types/intoto/v0.0.2`): the envelope's
    /// signature is base64 of its base64 text, the verifier base64 of a PEM.
    fn intoto_body(payload_type: &str, payload: &[u8], signature: &[u8], signer: &Signer) -> Vec<u8> {
        json!({ "apiVersion": "0.0.2", "kind": "intoto", "spec": { "content": {
            "envelope": { "payloadType": payload_type, "signatures": [{ "publicKey": b64(signer.pem().as_bytes()), "sig": b64(b64(signature).as_bytes()) }] },
            "hash": { "algorithm": "sha256", "value": hex(&sha256(b"envelope")) },
            "payloadHash": { "algorithm": "sha256", "value": hex(&sha256(payload)) },
        } } })
        .to_string()
        .into_bytes()
    }

    /// Rekor `pkg/types/hashedrekord/v0.0.1`: signature, PEM certificate or key, artifact hash.
    #[test]
    fn hashedrekord_v001_claims() {
        for signer in [keyless(), World::get().key_signer()] {
            let verifier = match &signer.cert {
                Some(c) => EntryVerifier::Certificate(c.clone()),
                None => EntryVerifier::PublicKey(signer.key.spki()),
            };
            let content = signer.sign_message(ARTIFACT);
            let (kind, body) = RekorV1::body(&content, &signer);
            let claims = parse(0, kind, "0.0.1", &body).unwrap();
            let expected = EntryClaims {
                signature: content.signature().to_vec(),
                verifier,
                signed_digest: Some((HashAlgorithm::Sha256, sha256(ARTIFACT).to_vec())),
                payload_hash: None,
                payload_type: None,
            };
            assert_eq!(claims, expected);
        }
    }

    /// The hashedrekord 0.0.1 schema allows sha256, sha384 and sha512 (Rekor
    /// `hashedrekord_v0_0_1_schema.json`); another name is refused.
    #[test]
    fn hashedrekord_v001_hash_algorithms() {
        let s = keyless();
        let (_, body) = RekorV1::body(&s.sign_message(ARTIFACT), &s);
        for (name, alg, len) in [("sha384", HashAlgorithm::Sha384, 48), ("sha512", HashAlgorithm::Sha512, 64)] {
            let b = edit(&body, |v| v["spec"]["data"]["hash"] = json!({ "algorithm": name, "value": hex(&vec![7; len]) }));
            assert_eq!(parse(0, "hashedrekord", "0.0.1", &b).unwrap().signed_digest, Some((alg, vec![7; len])));
        }
        let md5 = edit(&body, |v| v["spec"]["data"]["hash"]["algorithm"] = json!("md5"));
        assert_eq!(parse(0, "hashedrekord", "0.0.1", &md5), Err(mismatch("hash algorithm")));
        let not_hex = edit(&body, |v| v["spec"]["data"]["hash"]["value"] = json!("zz"));
        assert_eq!(parse(0, "hashedrekord", "0.0.1", &not_hex), Err(Error::Encoding { what: "tlog entry body hash".into(), encoding: "hex" }));
    }

    /// Rekor `pkg/types/dsse/v0.0.1`: one signature with its verifier, the SHA-256 of the
    /// payload (sigstore-js `tlog/dsse.ts` `verifyDSSE001TLogBody`: exactly one signature).
    #[test]
    fn dsse_v001_claims() {
        let s = keyless();
        let content = dsse(&s);
        let (kind, body) = RekorV1::body(&content, &s);
        let claims = parse(2, kind, "0.0.1", &body).unwrap();
        let expected = EntryClaims {
            signature: content.signature().to_vec(),
            verifier: EntryVerifier::Certificate(s.cert.clone().unwrap()),
            signed_digest: None,
            payload_hash: Some(sha256(&in_toto_statement(&sha256(ARTIFACT))).to_vec()),
            payload_type: None,
        };
        assert_eq!(claims, expected);
        for n in [0, 2] {
            let b = edit(&body, |v| v["spec"]["signatures"] = Value::Array(vec![v["spec"]["signatures"][0].clone(); n]));
            assert_eq!(parse(2, "dsse", "0.0.1", &b), Err(Error::TlogBodyMismatch { index: 2, field: "signature count" }), "{n} signatures");
        }
        let sha512 = edit(&body, |v| v["spec"]["payloadHash"] = json!({ "algorithm": "sha512", "value": hex(&[1; 64]) }));
        assert_eq!(parse(2, "dsse", "0.0.1", &sha512), Err(Error::TlogBodyMismatch { index: 2, field: "payload hash algorithm" }));
    }

    /// Rekor `pkg/types/intoto/v0.0.2`, read as sigstore-js `tlog/intoto.ts` does: the double
    /// base64 signature decoded twice, the payload hash and the payload type kept.
    #[test]
    fn intoto_v002_claims() {
        let s = keyless();
        let body = intoto_body(IN_TOTO, b"statement", b"sig bytes", &s);
        let claims = parse(0, "intoto", "0.0.2", &body).unwrap();
        let expected = EntryClaims {
            signature: b"sig bytes".to_vec(),
            verifier: EntryVerifier::Certificate(s.cert.clone().unwrap()),
            signed_digest: None,
            payload_hash: Some(sha256(b"statement").to_vec()),
            payload_type: Some(IN_TOTO.into()),
        };
        assert_eq!(claims, expected);
        // A `sig` encoded once: its decoding is not the base64 text of a signature.
        let single = edit(&body, |v| v["spec"]["content"]["envelope"]["signatures"][0]["sig"] = json!(b64(&[0xff, 0xfe])));
        assert_eq!(parse(0, "intoto", "0.0.2", &single), Err(mismatch("signature")));
        let none = edit(&body, |v| v["spec"]["content"]["envelope"]["signatures"] = json!([]));
        assert_eq!(parse(0, "intoto", "0.0.2", &none), Err(mismatch("signature count")));
    }

    /// Rekor v2 (protobuf-specs `rekor/v2` `HashedRekordLogEntryV002`, `DSSELogEntryV002`):
    /// raw bytes instead of PEM and hex, one of certificate or public key.
    #[test]
    fn rekor_v2_claims() {
        let w = World::get();
        let s = keyless();
        let message = s.sign_message(ARTIFACT);
        let (_, body) = RekorV2::body(&message, &s);
        let claims = parse(0, "hashedrekord", "0.0.2", &body).unwrap();
        assert_eq!(claims.signature, message.signature());
        assert_eq!(claims.verifier, EntryVerifier::Certificate(s.cert.clone().unwrap()));
        assert_eq!(claims.signed_digest, Some((HashAlgorithm::Sha256, sha256(ARTIFACT).to_vec())));
        let k = w.key_signer();
        let (_, dsse_body) = RekorV2::body(&dsse(&k), &k);
        let claims = parse(0, "dsse", "0.0.2", &dsse_body).unwrap();
        assert_eq!(claims.verifier, EntryVerifier::PublicKey(k.key.spki()));
        assert_eq!(claims.payload_hash, Some(sha256(&in_toto_statement(&sha256(ARTIFACT))).to_vec()));

        let verifier = "/spec/hashedRekordV002/signature/verifier";
        let both = edit(&body, |v| v.pointer_mut(verifier).unwrap()["publicKey"] = json!({ "rawBytes": b64(&k.key.spki()) }));
        let neither = edit(&body, |v| drop(v.pointer_mut(verifier).unwrap().as_object_mut().unwrap().remove("x509Certificate")));
        for b in [both, neither] {
            assert_eq!(parse(0, "hashedrekord", "0.0.2", &b), Err(mismatch("verifier")));
        }
        let sha3 = edit(&body, |v| v["spec"]["hashedRekordV002"]["data"]["algorithm"] = json!("SHA3_256"));
        assert!(matches!(parse(0, "hashedrekord", "0.0.2", &sha3), Err(Error::UnsupportedAlgorithm { alg, .. }) if alg == "SHA3_256"));
        let sha384 = edit(&dsse_body, |v| v["spec"]["dsseV002"]["payloadHash"]["algorithm"] = json!("SHA2_384"));
        assert_eq!(parse(0, "dsse", "0.0.2", &sha384), Err(mismatch("payload hash algorithm")));
    }

    /// Only the kinds and versions the module lists; the declared `kindVersion` must be the
    /// body's own (sigstore-js `tlog/index.ts` `verifyTLogBody`: "kind/version mismatch").
    #[test]
    fn kinds_and_versions() {
        let s = keyless();
        let (_, body) = RekorV1::body(&s.sign_message(ARTIFACT), &s);
        for (kind, version) in [("rekord", "0.0.1"), ("hashedrekord", "0.0.3"), ("intoto", "0.0.1"), ("dsse", "0.0.3"), ("", "")] {
            assert_eq!(parse(4, kind, version, &body), Err(Error::UnsupportedEntry { index: 4, kind: alloc::format!("{kind}/{version}") }));
        }
        for (field, value) in [("kind", "rekord"), ("apiVersion", "0.0.2")] {
            let b = edit(&body, |v| v[field] = json!(value));
            assert_eq!(parse(0, "hashedrekord", "0.0.1", &b), Err(mismatch("kind or apiVersion")), "{field}");
        }
    }

    /// Module doc: unknown fields and duplicate keys are rejected, as is anything not JSON.
    #[test]
    fn strict_json() {
        let s = keyless();
        let (_, body) = RekorV1::body(&s.sign_message(ARTIFACT), &s);
        let text = core::str::from_utf8(&body).unwrap();
        let unknown = edit(&body, |v| v["spec"]["signature"]["format"] = json!("x509"));
        let duplicate = text.replacen(r#""kind":"hashedrekord""#, r#""kind":"hashedrekord","kind":"hashedrekord""#, 1).into_bytes();
        for bad in [unknown, duplicate, b"not json".to_vec(), body[..body.len() - 1].to_vec()] {
            let e = parse(0, "hashedrekord", "0.0.1", &bad).unwrap_err();
            assert!(matches!(e, Error::Json { what: "tlog entry body", .. }), "{e}");
        }
    }

    /// Base64 (standard, padded) signatures, and verifiers that are base64 of one PEM
    /// `CERTIFICATE` or `PUBLIC KEY` block (`v1_verifier`; Rekor `pkg/pki/x509` `NewPublicKey`
    /// reads the same two labels, and would also take a chain, which sealcheck does not).
    #[test]
    fn malformed_signature_and_verifier() {
        let s = keyless();
        let (_, body) = RekorV1::body(&s.sign_message(ARTIFACT), &s);
        let sig = edit(&body, |v| v["spec"]["signature"]["content"] = json!("not base64!"));
        assert_eq!(parse(0, "hashedrekord", "0.0.1", &sig), Err(Error::Encoding { what: "tlog entry body signature".into(), encoding: "base64" }));
        let with_verifier = |text: &str| edit(&body, |v| v["spec"]["signature"]["publicKey"]["content"] = json!(text));
        let not_b64 = with_verifier("-----BEGIN");
        assert_eq!(parse(0, "hashedrekord", "0.0.1", &not_b64), Err(Error::Encoding { what: "tlog entry body verifier".into(), encoding: "base64" }));
        let pem = s.pem();
        let key_pem = World::get().key_signer().pem();
        for text in [
            b64(b"no PEM here"),
            b64(&[0xff, 0xfe]),
            b64(alloc::format!("{pem}{pem}").as_bytes()),
            b64(alloc::format!("{pem}{key_pem}").as_bytes()),
            b64(pem.replace("CERTIFICATE", "RSA PUBLIC KEY").as_bytes()),
            b64(pem.replace("-----END CERTIFICATE-----\n", "").as_bytes()),
        ] {
            assert_eq!(parse(0, "hashedrekord", "0.0.1", &with_verifier(&text)), Err(Error::Encoding { what: "tlog entry body verifier".into(), encoding: "PEM" }), "{text}");
        }
    }

    // ---- the claims against the bundle (`Verifier::check_body`) ------------------------

    /// A v0.1 bundle of `payload` signed by `signer`, whose one entry records `body` instead,
    /// promised anew by the log (v0.1 entries carry no proof), so the body is its only defect.
    fn recording(signer: &Signer, payload: Payload, kind: &str, version: &str, body: Vec<u8>) -> BundleSpec {
        let w = World::get();
        let mut b = w.bundle(signer, &Plan { version: Version::V0_1, payload, ..Plan::default() });
        let e = &mut b.tlog_entries[0];
        e.signed_entry_timestamp = Some(w.rekor.signed_entry_timestamp(&body, SIGNED_AT, e.log_index));
        (e.kind, e.version, e.body) = (kind.into(), version.into(), body);
        b
    }

    fn verdict(b: &BundleSpec) -> Result<()> {
        verify(&World::get().trusted_root(), b, &default_identity()).map(drop)
    }

    /// GHSA-8gw7-4j42-w388 / sigstore-js `tlog/hashedrekord.ts`: a hashedrekord entry must
    /// record the bundle's signature, the artifact's digest and the signing certificate.
    #[test]
    fn hashedrekord_claims_must_describe_the_bundle() {
        let s = keyless();
        let m = Payload::MessageSignature;
        let sig = s.key.sign(ARTIFACT);
        let body = |digest: &[u8], signature: &[u8], by: &Signer| {
            RekorV1::body(&Content::MessageSignature { digest: digest.to_vec(), signature: signature.to_vec() }, by).1
        };
        assert_eq!(verdict(&recording(&s, m.clone(), "hashedrekord", "0.0.1", body(&sha256(ARTIFACT), &sig, &s))), Ok(()));
        let other_sig = s.key.sign(OTHER_ARTIFACT);
        let other_signer = World::get().fulcio_signer(&LeafSpec { key_label: "another leaf".into(), ..LeafSpec::default() });
        for (field, b) in [
            ("signature", body(&sha256(ARTIFACT), &other_sig, &s)),
            ("artifact digest", body(&sha256(OTHER_ARTIFACT), &sig, &s)),
            ("certificate or public key", body(&sha256(ARTIFACT), &sig, &other_signer)),
            ("certificate or public key", body(&sha256(ARTIFACT), &sig, &World::get().key_signer())),
        ] {
            assert_eq!(verdict(&recording(&s, m.clone(), "hashedrekord", "0.0.1", b)), Err(mismatch(field)), "{field}");
        }
        // A dsse entry, even of the same signature, cannot record a message signature.
        let (_, d) = RekorV1::body(&Content::Dsse { payload_type: IN_TOTO.into(), payload: ARTIFACT.to_vec(), signature: sig }, &s);
        let e = Error::UnsupportedEntry { index: 0, kind: "entry kind does not fit the bundle content".into() };
        assert_eq!(verdict(&recording(&s, m, "dsse", "0.0.1", d)), Err(e));
    }

    /// GHSA-whqx-f9j3-ch6m / sigstore-js `tlog/dsse.ts` and `tlog/intoto.ts`: a DSSE entry must
    /// record the envelope's signature, its payload's hash and (intoto) its payload type.
    #[test]
    fn dsse_claims_must_describe_the_bundle() {
        let s = keyless();
        let p = Payload::in_toto();
        let Content::Dsse { payload, signature, .. } = dsse(&s) else { unreachable!() };
        let dsse_body = |payload: &[u8]| RekorV1::body(&Content::Dsse { payload_type: IN_TOTO.into(), payload: payload.to_vec(), signature: signature.clone() }, &s).1;
        assert_eq!(verdict(&recording(&s, p.clone(), "dsse", "0.0.1", dsse_body(&payload))), Ok(()));
        assert_eq!(verdict(&recording(&s, p.clone(), "dsse", "0.0.1", dsse_body(b"other"))), Err(mismatch("DSSE payload hash")));
        assert_eq!(verdict(&recording(&s, p.clone(), "intoto", "0.0.2", intoto_body(IN_TOTO, &payload, &signature, &s))), Ok(()));
        for (field, b) in [
            ("DSSE payload type", intoto_body("text/plain", &payload, &signature, &s)),
            ("DSSE payload hash", intoto_body(IN_TOTO, b"other", &signature, &s)),
            ("signature", intoto_body(IN_TOTO, &payload, b"other", &s)),
        ] {
            assert_eq!(verdict(&recording(&s, p.clone(), "intoto", "0.0.2", b)), Err(mismatch(field)), "{field}");
        }
    }
}
