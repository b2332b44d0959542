#![no_main]
//! `sealcheck serve`'s `AdmissionReview` (admission.k8s.io/v1) reader, the image extraction
//! from the object for every workload kind, and the JSON Patch pinning them. A body that is no
//! review is read as the object of a request of each kind instead, so the extraction is reached
//! by small inputs too. A review read has a non-empty `uid`, the one a refusal would name
//! (`uid_of`); every container of the three lists is extracted, each image the string at its pointer
//! in the object (and, unescaped, in the input), under the pod spec of its kind, in list order;
//! the patch replaces exactly the images not named by digest, at their pointers, and once
//! applied extracts the same sites, all pinned, with nothing left to patch.
use libfuzzer_sys::fuzz_target;
use sealcheck::oci::OciDigest;
use sealcheck_admission::parse;
use sealcheck_admission::review::{AdmissionRequest, AdmissionResponse, GroupVersionKind, GroupVersionResource};
use sealcheck_admission::workload::{ContainerKind, ImageSite, MAX_CONTAINERS, WorkloadError};
use base64ct::Encoding as _;
use serde_json::Value;

/// Every kind read (group, kind, resource, subresource) and where its pod spec is.
const KINDS: [(&str, &str, &str, &str, &str); 8] = [
    ("", "Pod", "pods", "", "/spec"),
    ("", "Pod", "pods", "ephemeralcontainers", "/spec"),
    ("apps", "Deployment", "deployments", "", "/spec/template/spec"),
    ("apps", "ReplicaSet", "replicasets", "", "/spec/template/spec"),
    ("apps", "StatefulSet", "statefulsets", "", "/spec/template/spec"),
    ("apps", "DaemonSet", "daemonsets", "", "/spec/template/spec"),
    ("batch", "Job", "jobs", "", "/spec/template/spec"),
    ("batch", "CronJob", "cronjobs", "", "/spec/jobTemplate/spec/template/spec"),
];

fn request(object: Value) -> AdmissionRequest {
    AdmissionRequest { uid: "u".into(), namespace: "ns".into(), operation: "CREATE".into(), object, ..AdmissionRequest::default() }
}

fn as_kind(req: &AdmissionRequest, (group, kind, resource, sub, _): (&str, &str, &str, &str, &str)) -> AdmissionRequest {
    let mut r = req.clone();
    r.kind = GroupVersionKind { group: group.into(), version: "v1".into(), kind: kind.into() };
    r.resource = GroupVersionResource { group: group.into(), version: "v1".into(), resource: resource.into() };
    r.sub_resource = sub.into();
    if !matches!(r.operation.as_str(), "CREATE" | "UPDATE") {
        r.operation = "CREATE".into();
    }
    r
}

fn list_of(kind: ContainerKind) -> &'static str {
    match kind {
        ContainerKind::InitContainer => "initContainers",
        ContainerKind::Container => "containers",
        ContainerKind::EphemeralContainer => "ephemeralContainers",
    }
}

/// The properties of the sites extracted from `object` under the pod spec at `base`.
fn check_sites(object: &Value, base: &str, sites: &[ImageSite], data: &[u8]) {
    assert!(sites.len() <= MAX_CONTAINERS);
    for kind in [ContainerKind::InitContainer, ContainerKind::Container, ContainerKind::EphemeralContainer] {
        let n = object.pointer(&format!("{base}/{}", list_of(kind))).and_then(Value::as_array).map_or(0, Vec::len);
        assert_eq!(sites.iter().filter(|s| s.kind == kind).count(), n, "every {} is extracted", list_of(kind));
    }
    let mut prev: Option<(u8, usize)> = None;
    for s in sites {
        assert_eq!(object.pointer(&s.pointer), Some(&Value::String(s.image.clone())), "{}", s.pointer);
        assert!(!s.image.is_empty());
        let rest = s.pointer.strip_prefix(base).and_then(|r| r.strip_prefix('/')).unwrap_or_else(|| panic!("{} is not under {base}", s.pointer));
        let mut parts = rest.split('/');
        let (list, index, image) = (parts.next().unwrap(), parts.next().unwrap(), parts.next());
        assert_eq!((list, image, parts.next()), (list_of(s.kind), Some("image"), None), "{}", s.pointer);
        let index: usize = index.parse().unwrap();
        let rank = match s.kind {
            ContainerKind::InitContainer => 0,
            ContainerKind::Container => 1,
            ContainerKind::EphemeralContainer => 2,
        };
        assert!(prev.is_none_or(|p| p < (rank, index)), "{} out of order", s.pointer);
        prev = Some((rank, index));
        let name = object.pointer(&format!("{base}/{list}/{index}/name")).and_then(Value::as_str).unwrap_or_default();
        assert_eq!(s.container, name);
        if !data.contains(&b'\\') {
            assert!(data.windows(s.image.len()).any(|w| w == s.image.as_bytes()), "image {:?} not in the input", s.image);
        }
    }
}

/// The patch for `sites`: exactly the images without a digest, pinned at their pointers; once
/// applied, the same sites come out pinned and nothing is left to patch.
fn check_patch(req: &AdmissionRequest, sites: &[ImageSite], digest: &OciDigest) {
    let pins: Vec<(&ImageSite, OciDigest)> = sites.iter().map(|s| (s, *digest)).collect();
    let ops = parse::patch_operations(&pins);
    let unpinned: Vec<&ImageSite> = sites.iter().filter(|s| !s.image.contains('@')).collect();
    assert_eq!(ops.len(), unpinned.len());
    for (op, s) in ops.iter().zip(&unpinned) {
        assert_eq!((op.op, op.path.as_str(), op.value.clone()), ("replace", s.pointer.as_str(), format!("{}@{digest}", s.image)));
    }
    match sealcheck_admission::patch::encode(&ops) {
        None => assert!(ops.is_empty()),
        Some(b64) => {
            let json: Value = serde_json::from_slice(&base64ct::Base64::decode_vec(&b64).unwrap()).unwrap();
            assert_eq!(json.as_array().map(Vec::len), Some(ops.len()));
        }
    }
    let mut patched = req.clone();
    for op in &ops {
        *patched.object.pointer_mut(&op.path).expect("the patch path exists") = Value::String(op.value.clone());
    }
    let again = parse::images(&patched).expect("a patched object is read as before");
    assert_eq!(again.iter().map(|s| &s.pointer).collect::<Vec<_>>(), sites.iter().map(|s| &s.pointer).collect::<Vec<_>>());
    assert!(again.iter().all(|s| s.image.contains('@')));
    let pins: Vec<(&ImageSite, OciDigest)> = again.iter().map(|s| (s, *digest)).collect();
    assert!(parse::patch_operations(&pins).is_empty(), "patching is idempotent");
}

fuzz_target!(|data: &[u8]| {
    let digest = OciDigest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
    let uid = parse::review_uid(data);
    let req = match parse::admission_review(data) {
        Ok(req) => {
            assert!(!req.uid.is_empty());
            assert_eq!(uid.as_deref(), Some(req.uid.as_str()), "a review read has the uid a refusal would name");
            let v: Value = serde_json::from_slice(&AdmissionResponse::allow(&req.uid).to_review()).unwrap();
            assert_eq!(v["response"]["uid"].as_str(), Some(req.uid.as_str()));
            // The request's own kind.
            match parse::images(&req) {
                Ok(sites) => {
                    assert!(matches!(req.operation.as_str(), "CREATE" | "UPDATE"));
                    let base = KINDS.iter().find(|k| (k.0, k.1) == (req.kind.group.as_str(), req.kind.kind.as_str())).expect("a kind read").4;
                    check_sites(&req.object, base, &sites, data);
                    check_patch(&req, &sites, &digest);
                }
                Err(WorkloadError::Unknown(_) | WorkloadError::Malformed { .. } | WorkloadError::TooMany { .. }) => {}
            }
            req
        }
        Err(_) => match serde_json::from_slice::<Value>(data) {
            Ok(object) => request(object),
            Err(_) => return,
        },
    };
    for k in KINDS {
        let r = as_kind(&req, k);
        if let Ok(sites) = parse::images(&r) {
            check_sites(&r.object, k.4, &sites, data);
            check_patch(&r, &sites, &digest);
        }
    }
});
