//! cosign's legacy signature form (`specs/SIGNATURE_SPEC.md`): a simple-signing payload, the
//! signature, certificate, chain and Rekor bundle annotations, and the containers storage blob
//! (`\0sigstore-json\n{…}`, containers/image `signature/sigstore.go`) `dir:` layouts hold.

use std::collections::BTreeMap;

use serde_json::json;

use super::bundle::{Content, Signer};
use super::rekor_v1::RekorV1;
use super::{SIGNED_AT, World, b64, hex, sha256};

/// A simple-signing payload naming `reference` and `digest`.
pub fn simple_signing(reference: &str, digest: &impl std::fmt::Display) -> Vec<u8> {
    json!({
        "critical": {
            "identity": { "docker-reference": reference },
            "image": { "docker-manifest-digest": digest.to_string() },
            "type": "cosign container image signature",
        },
        "optional": null,
    })
    .to_string()
    .into_bytes()
}

/// One `.sig` layer: the payload and its annotations.
#[derive(Clone, Debug)]
pub struct LegacySig {
    pub payload: Vec<u8>,
    pub annotations: BTreeMap<String, String>,
}

/// The `dev.sigstore.cosign/bundle` annotation: a SET from the world's Rekor v1 log over the
/// hashedrekord 0.0.1 body recording `content` by `signer`.
pub fn rekor_annotation(signer: &Signer, content: &Content, log_index: u64) -> String {
    rekor_annotation_by(&World::get().rekor, SIGNED_AT, signer, content, log_index)
}

/// [`rekor_annotation`] from `rekor`, integrated at `integrated_time`.
pub fn rekor_annotation_by(rekor: &RekorV1, integrated_time: i64, signer: &Signer, content: &Content, log_index: u64) -> String {
    let (kind, body) = RekorV1::body(content, signer);
    assert_eq!(kind, "hashedrekord");
    let set = rekor.signed_entry_timestamp(&body, integrated_time, log_index);
    json!({
        "SignedEntryTimestamp": b64(&set),
        "Payload": { "body": b64(&body), "integratedTime": integrated_time, "logIndex": log_index, "logID": hex(&rekor.log_id()) },
    })
    .to_string()
}

/// The message-signature content the SET of a signature over `payload` records.
pub fn hashedrekord(payload: &[u8], signature: &[u8]) -> Content {
    Content::MessageSignature { digest: sha256(payload).to_vec(), signature: signature.to_vec() }
}

/// `signer`'s legacy signature over `payload`: the signature annotation, the certificate
/// annotation (keyless), and a Rekor bundle annotation when `with_set` (always for keyless).
pub fn legacy_sig(signer: &Signer, payload: Vec<u8>, with_set: bool) -> LegacySig {
    let signature = signer.key.sign(&payload);
    let mut annotations = BTreeMap::new();
    annotations.insert("dev.cosignproject.cosign/signature".to_string(), b64(&signature));
    if signer.cert.is_some() {
        annotations.insert("dev.sigstore.cosign/certificate".to_string(), signer.pem());
        let ca = &World::get().fulcio;
        let chain = format!("{}{}", super::pem("CERTIFICATE", &ca.intermediate.cert), super::pem("CERTIFICATE", &ca.root.cert));
        annotations.insert("dev.sigstore.cosign/chain".to_string(), chain);
    }
    if with_set || signer.cert.is_some() {
        annotations.insert("dev.sigstore.cosign/bundle".to_string(), rekor_annotation(signer, &hashedrekord(&payload, &signature), 7));
    }
    LegacySig { payload, annotations }
}

impl LegacySig {
    /// The containers storage form, as `dir:` layouts and containers-storage keep it.
    pub fn storage_blob(&self) -> Vec<u8> {
        let json = json!({
            "mimeType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "payload": b64(&self.payload),
            "annotations": self.annotations,
        });
        [b"\0sigstore-json\n".as_slice(), json.to_string().as_bytes()].concat()
    }
}
