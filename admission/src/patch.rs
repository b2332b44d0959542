//! The mutating webhook's answer: a JSON Patch (RFC 6902) that pins each image to the digest
//! that was verified, `name:tag@digest`, so the kubelet pulls what was checked (a reference
//! with a digest is pulled by digest; the tag stays for people to read). An image already
//! named by digest is left as it is. The patch travels base64-encoded in
//! `AdmissionResponse.patch` with `patchType: JSONPatch` (k8s.io/api admission/v1).

use base64ct::Encoding as _;
use sealcheck::oci::OciDigest;
use serde::Serialize;

use crate::workload::ImageSite;

/// `AdmissionResponse.patchType` for a JSON Patch.
pub const PATCH_TYPE: &str = "JSONPatch";

/// One RFC 6902 `replace` operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replace {
    /// Always `replace`.
    pub op: &'static str,
    /// The JSON pointer of the `image` field.
    pub path: String,
    /// The pinned image.
    pub value: String,
}

/// `image` pinned to `digest`: unchanged when it already names a digest.
#[must_use]
pub fn pinned(image: &str, digest: &OciDigest) -> Option<String> {
    (!image.contains('@')).then(|| format!("{image}@{digest}"))
}

/// The operations pinning each site to its verified digest (sites already by digest have
/// none).
#[must_use]
pub fn operations(sites: &[(&ImageSite, OciDigest)]) -> Vec<Replace> {
    sites.iter().filter_map(|(site, digest)| pinned(&site.image, digest).map(|value| Replace { op: "replace", path: site.pointer.clone(), value })).collect()
}

/// The patch, base64 of its JSON, as `AdmissionResponse.patch` carries it; `None` when there is
/// nothing to change.
#[must_use]
pub fn encode(ops: &[Replace]) -> Option<String> {
    // A list of string-only structs always serialises.
    (!ops.is_empty()).then(|| base64ct::Base64::encode_string(&serde_json::to_vec(ops).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::ContainerKind;

    fn site(pointer: &str, image: &str) -> ImageSite {
        ImageSite { pointer: pointer.into(), container: "c".into(), kind: ContainerKind::Container, image: image.into() }
    }

    #[test]
    fn pins_tags_and_leaves_digests() {
        let d = OciDigest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
        let (a, b) = (site("/spec/containers/0/image", "r.test/app:1.4"), site("/spec/containers/1/image", &format!("r.test/db@{d}")));
        let ops = operations(&[(&a, d), (&b, d)]);
        assert_eq!(ops, vec![Replace { op: "replace", path: a.pointer.clone(), value: format!("r.test/app:1.4@{d}") }]);
        let decoded = base64ct::Base64::decode_vec(&encode(&ops).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        // RFC 6902 §4.3: {"op": "replace", "path": …, "value": …}
        assert_eq!(v, serde_json::json!([{"op": "replace", "path": "/spec/containers/0/image", "value": format!("r.test/app:1.4@{d}")}]));
        assert_eq!(encode(&[]), None);
    }
}
