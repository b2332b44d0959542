//! Cosign's legacy storage re-expressed as Sigstore bundles, so that the one bundle verifier
//! ([`crate::sigstore::Verifier`]) checks them: a simple-signing layer (`.sig`) becomes a v0.1
//! message-signature bundle over the payload, a DSSE layer (`.att`,
//! `application/vnd.dsse.envelope.v1+json`) a v0.1 DSSE bundle. The annotations give the rest
//! (cosign `specs/SIGNATURE_SPEC.md`): the certificate, its chain, the Rekor SET as an inclusion
//! promise over the entry body, an RFC 3161 timestamp.
//!
//! The chain annotation holds the intermediates *and the root*; as containers/image does
//! (`fulcio_cert.go`, `pki_cert.go`), its last certificate is not carried as an intermediate:
//! trust comes from the verifier's certificate authorities only.

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

use super::signature::{SIMPLE_SIGNING_MEDIA_TYPE, StoredSignature};
use crate::error::{Error, Result};
use crate::sigstore::bundle::{Bundle, BundleVersion, Content, Envelope, TlogEntry, VerificationMaterial};
use crate::sigstore::json::Bytes;
use crate::x509::Certificate;

/// Layer media type of cosign attestations.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnvelopeJson {
    payload_type: String,
    payload: Bytes,
    signatures: Vec<SigJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SigJson {
    #[serde(default)]
    #[allow(dead_code)]
    keyid: Option<String>,
    sig: Bytes,
}

#[derive(Deserialize)]
struct KindJson {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
}

impl StoredSignature {
    /// The bundle equivalent of this stored signature or attestation. Anything but a
    /// simple-signing or DSSE layer is not a signature.
    pub fn to_bundle(&self) -> Result<Bundle> {
        let content = match self.media_type.as_str() {
            SIMPLE_SIGNING_MEDIA_TYPE => Content::MessageSignature { digest: None, signature: self.signature()? },
            DSSE_MEDIA_TYPE => {
                let env: EnvelopeJson =
                    serde_json::from_slice(&self.payload).map_err(|e| Error::Json { what: "DSSE envelope", detail: alloc::format!("{e}") })?;
                let [sig] = <[SigJson; 1]>::try_from(env.signatures)
                    .map_err(|v| Error::Dsse(alloc::format!("exactly one signature is accepted, found {}", v.len())))?;
                crate::limits::check("DSSE payload", env.payload.0.len(), crate::limits::MAX_DSSE_PAYLOAD_BYTES)?;
                Content::Dsse(Envelope { payload_type: env.payload_type, payload: env.payload.0, signature: sig.sig.0 })
            }
            other => return Err(Error::NotASignature(alloc::format!("media type {other:?}"))),
        };
        if content.signature().is_empty() {
            return Err(Error::BundleStructure("signature is empty".into()));
        }
        let material = match self.certificate()? {
            Some(der) => {
                // Every block is parsed (as containers/image does), then the root is dropped.
                let mut intermediates = self
                    .chain()?
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Certificate::from_der(&alloc::format!("signature chain certificate {i}"), d))
                    .collect::<Result<Vec<_>>>()?;
                intermediates.pop();
                VerificationMaterial::Certificate { leaf: Certificate::from_der("signature certificate", &der)?, intermediates }
            }
            None => VerificationMaterial::PublicKey { hint: None },
        };
        let mut tlog_entries = Vec::new();
        if let Some(b) = self.rekor_bundle()? {
            let k: KindJson =
                serde_json::from_slice(&b.body).map_err(|e| Error::Json { what: "Rekor entry body", detail: alloc::format!("{e}") })?;
            tlog_entries.push(TlogEntry {
                log_index: b.log_index,
                log_id: b.log_id,
                kind: k.kind,
                version: k.api_version,
                integrated_time: b.integrated_time,
                signed_entry_timestamp: Some(b.signed_entry_timestamp),
                inclusion_proof: None,
                body: b.body,
            });
        }
        let timestamps = self.rfc3161_timestamp()?.into_iter().collect();
        Ok(Bundle { version: BundleVersion::V0_1, material, content, tlog_entries, timestamps })
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;

    use serde_json::{Value, json};

    use super::*;
    use crate::cosign::signature::{ANNOTATION_BUNDLE, ANNOTATION_CERTIFICATE, ANNOTATION_CHAIN, ANNOTATION_RFC3161, ANNOTATION_SIGNATURE};
    use crate::crypto::CryptoProvider;
    use crate::facts::SignatureFormat;
    use crate::sigstore::{Artifact, Verifier};
    use crate::test_support::bundle::{IN_TOTO, Signer, in_toto_statement, pae};
    use crate::test_support::cosign::{LegacySig, hashedrekord, legacy_sig, simple_signing};
    use crate::test_support::pki::LeafSpec;
    use crate::test_support::rekor_v1::RekorV1;
    use crate::test_support::{ARTIFACT, NOW, SIGNED_AT, World, b64, default_identity, pem, sha256};
    use crate::time::UnixTime;

    const DIGEST: &str = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";

    fn keyless() -> Signer {
        World::get().fulcio_signer(&LeafSpec::default())
    }

    /// `signer`'s `.sig` layer over a simple-signing payload, read back from the containers
    /// storage form.
    fn sig_layer(signer: &Signer, with_set: bool) -> (LegacySig, StoredSignature) {
        let l = legacy_sig(signer, simple_signing("registry.test/app", &DIGEST), with_set);
        let s = StoredSignature::from_storage_blob(&l.storage_blob()).unwrap();
        (l, s)
    }

    fn with(mut s: StoredSignature, annotation: &str, value: &str) -> StoredSignature {
        s.annotations.insert(annotation.into(), value.into());
        s
    }

    /// A `.att` layer: the DSSE envelope JSON is the layer (cosign `pkg/oci/static`
    /// `NewAttestation`), its signature annotation empty.
    fn att_layer(envelope: &Value) -> StoredSignature {
        StoredSignature {
            media_type: DSSE_MEDIA_TYPE.into(),
            payload: envelope.to_string().into_bytes(),
            annotations: [(ANNOTATION_SIGNATURE.to_string(), String::new())].into(),
        }
    }

    fn envelope(sigs: &[&[u8]]) -> Value {
        let sigs: Vec<Value> = sigs.iter().map(|s| json!({ "keyid": "", "sig": b64(s) })).collect();
        json!({ "payloadType": IN_TOTO, "payload": b64(b"statement"), "signatures": sigs })
    }

    /// cosign `specs/SIGNATURE_SPEC.md`: a key-signed `.sig` layer is a signature over the
    /// payload with a key known out of band; nothing else is claimed.
    #[test]
    fn key_signed_sig_layer() {
        let signer = World::get().key_signer();
        let (l, s) = sig_layer(&signer, false);
        let b = s.to_bundle().unwrap();
        assert_eq!(b.version, BundleVersion::V0_1);
        assert!(matches!(b.material, VerificationMaterial::PublicKey { hint: None }));
        assert!(matches!(&b.content, Content::MessageSignature { digest: None, signature } if *signature == signer.key.sign(&l.payload)));
        assert!(b.tlog_entries.is_empty() && b.timestamps.is_empty());
    }

    /// A keyless `.sig` layer: the certificate, the chain without its root (containers/image
    /// `pki_cert.go` `verifyPKI` and `fulcio_cert.go`: `untrustedIntermediateChain[:len-1]`),
    /// and the Rekor bundle as a v0.1 entry whose promise is the SET (cosign `pkg/cosign/bundle`
    /// `RekorBundle`); it verifies as a simple-signing signature over the payload.
    #[test]
    fn keyless_sig_layer() {
        let w = World::get();
        let signer = keyless();
        let (l, s) = sig_layer(&signer, true);
        let b = s.to_bundle().unwrap();
        let VerificationMaterial::Certificate { leaf, intermediates } = &b.material else { panic!("certificate material") };
        assert_eq!(leaf.der(), signer.cert.as_deref().unwrap());
        assert_eq!(intermediates.iter().map(Certificate::der).collect::<Vec<_>>(), [w.fulcio.intermediate.cert.as_slice()]);
        let (_, body) = RekorV1::body(&hashedrekord(&l.payload, &signer.key.sign(&l.payload)), &signer);
        let [e] = b.tlog_entries.as_slice() else { panic!("one entry") };
        assert_eq!((e.log_index, e.log_id.as_slice(), e.kind.as_str(), e.version.as_str()), (7, w.rekor.log_id().as_slice(), "hashedrekord", "0.0.1"));
        assert_eq!((e.integrated_time, &e.body, e.inclusion_proof.is_none()), (SIGNED_AT, &body, true));
        assert_eq!(e.signed_entry_timestamp, Some(w.rekor.signed_entry_timestamp(&body, SIGNED_AT, 7)));

        let root = w.trusted_root().load().unwrap();
        let v = Verifier::new(&root, CryptoProvider::default().backend()).with_format(SignatureFormat::CosignSimpleSigning);
        let verified = v.verify(&b, &Artifact::Bytes(&l.payload), &default_identity(), UnixTime::from_secs(NOW)).unwrap();
        assert_eq!(verified.format, SignatureFormat::CosignSimpleSigning);
        assert!(verified.tlog_entries[0].promise_verified);
    }

    /// Module doc: the chain's last certificate is the root and is dropped; a chain of one
    /// (the root alone) or no chain leaves no intermediates.
    #[test]
    fn chain_root_is_dropped() {
        let ca = &World::get().fulcio;
        let (_, s) = sig_layer(&keyless(), true);
        let intermediates = |s: StoredSignature| match s.to_bundle().unwrap().material {
            VerificationMaterial::Certificate { intermediates, .. } => intermediates.iter().map(|c| c.der().to_vec()).collect::<Vec<_>>(),
            VerificationMaterial::PublicKey { .. } => panic!("certificate material"),
        };
        let two = pem("CERTIFICATE", &ca.intermediate.cert).repeat(2) + &pem("CERTIFICATE", &ca.root.cert);
        assert_eq!(intermediates(with(s.clone(), ANNOTATION_CHAIN, &two)), [ca.intermediate.cert.clone(), ca.intermediate.cert.clone()]);
        assert!(intermediates(with(s.clone(), ANNOTATION_CHAIN, &pem("CERTIFICATE", &ca.root.cert))).is_empty());
        let mut no_chain = s;
        no_chain.annotations.remove(ANNOTATION_CHAIN);
        assert!(intermediates(no_chain).is_empty());
    }

    /// Every block of the chain is parsed before the root is dropped, as containers/image does
    /// (`cryptoutils.UnmarshalCertificatesFromPEM`): a last block that is not a certificate is
    /// refused.
    #[test]
    fn chain_last_block_must_be_a_certificate() {
        let (_, s) = sig_layer(&keyless(), true);
        let chain = pem("CERTIFICATE", &World::get().fulcio.intermediate.cert) + &pem("CERTIFICATE", b"not DER");
        assert!(matches!(with(s, ANNOTATION_CHAIN, &chain).to_bundle(), Err(Error::Der { .. })));
    }

    /// Annotation encodings (cosign `specs/SIGNATURE_SPEC.md`): base64 signature; PEM
    /// certificate, exactly one `CERTIFICATE` block (containers/image `fulcio_cert.go`
    /// `parseLeafCertFromPEM`); PEM chain of `CERTIFICATE` blocks, at most `MAX_CHAIN_DEPTH`.
    #[test]
    fn malformed_annotations() {
        let (_, s) = sig_layer(&keyless(), true);
        let err = |name: &str, value: &str| with(s.clone(), name, value).to_bundle().unwrap_err();
        let encoding = |what: &str, encoding: &'static str| Error::Encoding { what: what.into(), encoding };
        assert_eq!(err(ANNOTATION_SIGNATURE, "not base64!"), encoding(ANNOTATION_SIGNATURE, "base64"));
        let leaf = s.annotations[ANNOTATION_CERTIFICATE].clone();
        let root = pem("CERTIFICATE", &World::get().fulcio.root.cert);
        for bad in ["no PEM", &leaf.replace("-----END CERTIFICATE-----\n", ""), &leaf.replace("CERTIFICATE", "PUBLIC KEY"), &(leaf.clone() + &root)] {
            assert_eq!(err(ANNOTATION_CERTIFICATE, bad), encoding(ANNOTATION_CERTIFICATE, "PEM"), "{bad}");
        }
        assert!(matches!(err(ANNOTATION_CERTIFICATE, &pem("CERTIFICATE", b"junk")), Error::Der { what, .. } if what == "signature certificate"));
        let deep = root.repeat(crate::limits::MAX_CHAIN_DEPTH + 1);
        for bad in [&(root.clone() + &World::get().key_signer().pem()), &deep, &root.replace("-----END CERTIFICATE-----", "")] {
            assert_eq!(err(ANNOTATION_CHAIN, bad), encoding(ANNOTATION_CHAIN, "PEM"));
        }
        let junk_first = pem("CERTIFICATE", b"junk") + &root;
        assert!(matches!(err(ANNOTATION_CHAIN, &junk_first), Error::Der { what, .. } if what == "signature chain certificate 0"));
    }

    /// A `.sig` layer needs its signature annotation, and a signature (sigstore protobuf-specs
    /// `MessageSignature.signature` is required; `Bundle::from_json` refuses it empty too).
    #[test]
    fn signature_annotation_required() {
        let (_, mut s) = sig_layer(&World::get().key_signer(), false);
        assert!(matches!(with(s.clone(), ANNOTATION_SIGNATURE, "").to_bundle(), Err(Error::BundleStructure(m)) if m == "signature is empty"));
        s.annotations.remove(ANNOTATION_SIGNATURE);
        assert!(matches!(s.to_bundle(), Err(Error::MissingEvidence("signature annotation"))));
    }

    /// cosign `pkg/cosign/bundle` `RekorBundle` / `RekorPayload`: strict JSON, base64 SET and
    /// body, hex logID, a non-negative logIndex; the body's kind and apiVersion name the entry.
    #[test]
    fn malformed_rekor_bundle_annotation() {
        let (_, s) = sig_layer(&keyless(), true);
        let set: Value = serde_json::from_str(&s.annotations[ANNOTATION_BUNDLE]).unwrap();
        let edited = |f: &dyn Fn(&mut Value)| {
            let mut v = set.clone();
            f(&mut v);
            with(s.clone(), ANNOTATION_BUNDLE, &v.to_string()).to_bundle().unwrap_err()
        };
        let json_error = |e: &Error, what: &str| matches!(e, Error::Json { what: w, .. } if *w == what);
        for e in [
            with(s.clone(), ANNOTATION_BUNDLE, "{").to_bundle().unwrap_err(),
            edited(&|v| v["Payload"]["extra"] = json!(1)),
            edited(&|v| v["SignedEntryTimestamp"] = json!("not base64!")),
            edited(&|v| v["Payload"]["body"] = json!("not base64!")),
            edited(&|v| drop(v["Payload"].as_object_mut().unwrap().remove("logIndex"))),
        ] {
            assert!(json_error(&e, "cosign Rekor bundle"), "{e}");
        }
        let e = edited(&|v| v["Payload"]["logIndex"] = json!(-1));
        assert_eq!(e, Error::BundleStructure("cosign Rekor bundle: negative logIndex".into()));
        let e = edited(&|v| v["Payload"]["logID"] = json!("xyz"));
        assert_eq!(e, Error::Encoding { what: "cosign Rekor bundle logID".into(), encoding: "hex" });
        let e = edited(&|v| v["Payload"]["body"] = json!(b64(b"not json")));
        assert!(json_error(&e, "Rekor entry body"), "{e}");
        let e = edited(&|v| v["Payload"]["body"] = json!(b64(br#"{"kind":"hashedrekord"}"#)));
        assert!(json_error(&e, "Rekor entry body"), "apiVersion missing: {e}");
    }

    /// cosign `specs/SIGNATURE_SPEC.md` `rfc3161timestamp`: `{"SignedRFC3161Timestamp": base64}`,
    /// carried as the bundle's RFC 3161 timestamp.
    #[test]
    fn rfc3161_annotation() {
        let (_, s) = sig_layer(&World::get().key_signer(), false);
        let b = with(s.clone(), ANNOTATION_RFC3161, &json!({ "SignedRFC3161Timestamp": b64(b"token") }).to_string()).to_bundle().unwrap();
        assert_eq!(b.timestamps, [b"token".to_vec()]);
        for bad in ["{}", r#"{"SignedRFC3161Timestamp":"!"}"#, r#"{"SignedRFC3161Timestamp":"AA==","x":1}"#] {
            assert!(matches!(with(s.clone(), ANNOTATION_RFC3161, bad).to_bundle(), Err(Error::Json { what: "cosign RFC 3161 annotation", .. })), "{bad}");
        }
    }

    /// A DSSE `.att` layer becomes a DSSE bundle: the envelope as it is (DSSE `envelope.md`),
    /// with its one signature (`sigstore::bundle::Envelope`: exactly one is accepted).
    #[test]
    fn dsse_att_layer() {
        let signer = keyless();
        let statement = in_toto_statement(&sha256(ARTIFACT));
        let signature = signer.key.sign(&pae(IN_TOTO, &statement));
        let env = json!({ "payloadType": IN_TOTO, "payload": b64(&statement), "signatures": [{ "keyid": "", "sig": b64(&signature) }] });
        let b = att_layer(&env).to_bundle().unwrap();
        let Content::Dsse(e) = &b.content else { panic!("DSSE content") };
        assert_eq!((e.payload_type.as_str(), &e.payload, &e.signature), (IN_TOTO, &statement, &signature));
        assert!(matches!(b.material, VerificationMaterial::PublicKey { hint: None }) && b.tlog_entries.is_empty());
        // The certificate annotation applies as to a `.sig` layer.
        let cert = with(att_layer(&env), ANNOTATION_CERTIFICATE, &signer.pem()).to_bundle().unwrap();
        assert!(matches!(cert.material, VerificationMaterial::Certificate { leaf, .. } if leaf.der() == signer.cert.as_deref().unwrap()));
    }

    /// DSSE envelope shape (DSSE `envelope.md`): strict JSON, base64 payload and signature,
    /// exactly one non-empty signature.
    #[test]
    fn malformed_dsse_layer() {
        for n in [0, 2] {
            let e = att_layer(&envelope(&vec![b"sig".as_slice(); n])).to_bundle().unwrap_err();
            assert_eq!(e, Error::Dsse(alloc::format!("exactly one signature is accepted, found {n}")));
        }
        let e = att_layer(&envelope(&[b""])).to_bundle().unwrap_err();
        assert_eq!(e, Error::BundleStructure("signature is empty".into()));
        let mut extra = envelope(&[b"sig"]);
        extra["signatures"][0]["cert"] = json!("x");
        let mut bad_payload = envelope(&[b"sig"]);
        bad_payload["payload"] = json!("not base64!");
        for bad in [extra, bad_payload, json!("envelope")] {
            assert!(matches!(att_layer(&bad).to_bundle(), Err(Error::Json { what: "DSSE envelope", .. })), "{bad}");
        }
    }

    /// `to_bundle` doc: anything but a simple-signing or DSSE layer is not a signature.
    #[test]
    fn other_media_types_are_not_signatures() {
        let (_, mut s) = sig_layer(&World::get().key_signer(), false);
        s.media_type = "application/vnd.oci.image.config.v1+json".into();
        assert_eq!(s.to_bundle().unwrap_err(), Error::NotASignature(r#"media type "application/vnd.oci.image.config.v1+json""#.into()));
    }

    /// The containers storage form (containers/image `internal/signature/sigstore.go`):
    /// `\0sigstore-json\n` then strict JSON `{mimeType, payload, annotations}`.
    #[test]
    fn storage_form() {
        let (l, s) = sig_layer(&keyless(), true);
        assert_eq!((s.media_type.as_str(), &s.payload, &s.annotations), (SIMPLE_SIGNING_MEDIA_TYPE, &l.payload, &l.annotations));
        let blob = l.storage_blob();
        let not_storage = Error::Json { what: "stored signature", detail: "not in the sigstore-json storage format".into() };
        assert_eq!(StoredSignature::from_storage_blob(&blob[1..]), Err(not_storage));
        let extra = [&blob[..blob.len() - 1], br#","extra":1}"#].concat();
        assert!(matches!(StoredSignature::from_storage_blob(&extra), Err(Error::Json { what: "stored signature", .. })));
    }

    /// A `.att` layer's DSSE payload has the bound `Bundle::from_json` applies
    /// (`MAX_DSSE_PAYLOAD_BYTES`, `LimitExceeded { what: "DSSE payload" }`).
    #[test]
    fn dsse_payload_limit() {
        let max = crate::limits::MAX_DSSE_PAYLOAD_BYTES;
        let env = json!({ "payloadType": IN_TOTO, "payload": b64(&vec![b' '; max + 1]), "signatures": [{ "sig": b64(b"sig") }] });
        assert_eq!(att_layer(&env).to_bundle().unwrap_err(), Error::LimitExceeded { what: "DSSE payload", max, got: max + 1 });
    }
}
