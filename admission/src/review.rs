//! The Kubernetes admission webhook wire format, `admission.k8s.io/v1` `AdmissionReview`
//! (k8s.io/api `admission/v1/types.go`: `AdmissionReview`, `AdmissionRequest`,
//! `AdmissionResponse`; metav1 `GroupVersionKind`, `GroupVersionResource`, `Status`).
//!
//! Requests are read strictly: at most [`MAX_REVIEW_BYTES`], `apiVersion: admission.k8s.io/v1`,
//! `kind: AdmissionReview`, a `request` with a non-empty `uid`, and no member the v1 types do
//! not have (k8s.io/api v0.37.2). A refused body is answered with no review at all (HTTP 400,
//! [`crate::server`]), naming its `uid` when one can be read ([`uid_of`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest `AdmissionReview` body read: the API server sends the object and the old
/// object, each at most etcd's 1.5 MiB request limit, with the request around them.
pub const MAX_REVIEW_BYTES: usize = 4 * 1024 * 1024;

/// The one `apiVersion` spoken.
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// Why a review was refused before anything was decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The body is larger than [`MAX_REVIEW_BYTES`].
    #[error("AdmissionReview: body of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not JSON, or not the v1 types.
    #[error("AdmissionReview: {0}")]
    Json(String),
    /// `apiVersion` or `kind` is not `admission.k8s.io/v1` `AdmissionReview`.
    #[error("AdmissionReview: apiVersion {api_version:?} kind {kind:?}: want {API_VERSION:?} \"AdmissionReview\"")]
    Type {
        /// What the body said.
        api_version: String,
        /// What the body said.
        kind: String,
    },
    /// No `request`, or its `uid` is empty.
    #[error("AdmissionReview: {0}")]
    Missing(&'static str),
}

/// `metav1.GroupVersionKind`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GroupVersionKind {
    /// API group (`""` for the core group).
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

/// `metav1.GroupVersionResource`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GroupVersionResource {
    /// API group.
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Resource.
    #[serde(default)]
    pub resource: String,
}

/// `authenticationv1.UserInfo`: read so that its shape is checked; not used to decide.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UserInfo {
    /// User name.
    #[serde(default)]
    pub username: String,
    /// User UID.
    #[serde(default)]
    pub uid: String,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Extra attributes.
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// `admissionv1.AdmissionRequest` (`Default` for building one in tests and fuzz targets; a
/// parsed request never takes its defaults for `uid`, `kind`, `resource` or `operation`).
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Echoed in the response.
    pub uid: String,
    /// The kind of the object (after conversion to the version the webhook registered).
    pub kind: GroupVersionKind,
    /// The resource.
    pub resource: GroupVersionResource,
    /// The subresource (`ephemeralcontainers` for `pods/ephemeralcontainers`).
    #[serde(default)]
    pub sub_resource: String,
    /// The kind originally requested.
    #[serde(default)]
    pub request_kind: Option<GroupVersionKind>,
    /// The resource originally requested.
    #[serde(default)]
    pub request_resource: Option<GroupVersionResource>,
    /// The subresource originally requested.
    #[serde(default)]
    pub request_sub_resource: String,
    /// The object's name (may be empty on CREATE with `generateName`).
    #[serde(default)]
    pub name: String,
    /// The namespace (empty for cluster-scoped objects).
    #[serde(default)]
    pub namespace: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// Who asked.
    #[serde(default)]
    pub user_info: UserInfo,
    /// The object admitted (`null` on DELETE).
    #[serde(default)]
    pub object: Value,
    /// The object before (UPDATE, DELETE).
    #[serde(default)]
    pub old_object: Value,
    /// True when nothing will be persisted: nothing is written to the audit log either.
    #[serde(default)]
    pub dry_run: Option<bool>,
    /// The operation's options (`CreateOptions`, `UpdateOptions`…).
    #[serde(default)]
    pub options: Value,
}

impl AdmissionRequest {
    /// True for a dry run.
    #[must_use]
    pub fn is_dry_run(&self) -> bool {
        self.dry_run == Some(true)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Review {
    api_version: String,
    kind: String,
    request: Option<AdmissionRequest>,
    /// A request never carries one; present, it is refused.
    response: Option<Value>,
}

/// The `uid` of a review body when one can be read at all, to name a refused request by.
#[must_use]
pub fn uid_of(body: &[u8]) -> Option<String> {
    if body.len() > MAX_REVIEW_BYTES {
        return None;
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    v.get("request")?.get("uid")?.as_str().filter(|u| !u.is_empty()).map(str::to_string)
}

/// Parses a review body into its request.
pub fn parse(body: &[u8]) -> Result<AdmissionRequest, ReviewError> {
    if body.len() > MAX_REVIEW_BYTES {
        return Err(ReviewError::TooLarge { size: body.len(), max: MAX_REVIEW_BYTES });
    }
    let review: Review = serde_json::from_slice(body).map_err(|e| ReviewError::Json(e.to_string()))?;
    crate::objects(body, &["", "/request", "/request/kind", "/request/resource", "/request/requestKind", "/request/requestResource", "/request/userInfo"]).map_err(ReviewError::Json)?;
    if review.api_version != API_VERSION || review.kind != "AdmissionReview" {
        return Err(ReviewError::Type { api_version: review.api_version, kind: review.kind });
    }
    if review.response.is_some() {
        return Err(ReviewError::Missing("a request carries no response"));
    }
    let request = review.request.ok_or(ReviewError::Missing("missing request"))?;
    if request.uid.is_empty() {
        return Err(ReviewError::Missing("request.uid is empty"));
    }
    Ok(request)
}

/// `metav1.Status`, as a denial carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// HTTP-like code (403 for a denial).
    pub code: u16,
    /// The reason shown to the user.
    pub message: String,
}

/// `admissionv1.AdmissionResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    /// The request's `uid`.
    pub uid: String,
    /// The verdict.
    pub allowed: bool,
    /// Why, when denied.
    #[serde(rename = "status", skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// A JSONPatch, base64 (`[]byte` in Go's encoding/json).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    /// `JSONPatch` when there is a patch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// Warnings shown to the client (policies in warn or audit mode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Annotations for the API server's audit log.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
}

/// The longest warning sent: `AdmissionResponse.Warnings` (k8s.io/api admission/v1) says
/// "warnings longer than 256 characters … may be truncated"; longer ones are cut here, on a
/// character boundary, so the cut is ours and visible in tests.
pub const MAX_WARNING_CHARS: usize = 256;

impl AdmissionResponse {
    /// An allow.
    #[must_use]
    pub fn allow(uid: &str) -> Self {
        Self { uid: uid.into(), allowed: true, status: None, patch: None, patch_type: None, warnings: Vec::new(), audit_annotations: BTreeMap::new() }
    }

    /// A denial (code 403) with `message`.
    #[must_use]
    pub fn deny(uid: &str, message: String) -> Self {
        Self { allowed: false, status: Some(Status { code: 403, message }), ..Self::allow(uid) }
    }

    /// Adds a warning, cut to [`MAX_WARNING_CHARS`].
    pub fn warn(&mut self, warning: &str) {
        self.warnings.push(warning.chars().take(MAX_WARNING_CHARS).collect());
    }

    /// The whole `AdmissionReview` body answering with this response.
    #[must_use]
    pub fn to_review(&self) -> Vec<u8> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            api_version: &'static str,
            kind: &'static str,
            response: &'a AdmissionResponse,
        }
        // A struct of strings, bools and maps of strings always serialises.
        serde_json::to_vec(&Out { api_version: API_VERSION, kind: "AdmissionReview", response: self }).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The shape follows k8s.io/api admission/v1 AdmissionReview as the API server encodes it.
    fn review(request: &str) -> String {
        format!(r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{request}}}"#)
    }
    const REQUEST: &str = r#"{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"ns","operation":"CREATE","userInfo":{"username":"alice","groups":["system:authenticated"]},"object":{"kind":"Pod"},"oldObject":null,"dryRun":true,"options":{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}}"#;

    #[test]
    fn parses_a_v1_request() {
        let r = parse(review(REQUEST).as_bytes()).unwrap();
        assert_eq!((r.uid.as_str(), r.kind.kind.as_str(), r.namespace.as_str(), r.operation.as_str()), ("u-1", "Pod", "ns", "CREATE"));
        assert!(r.is_dry_run());
        assert_eq!(uid_of(review(REQUEST).as_bytes()).as_deref(), Some("u-1"));
    }

    #[test]
    fn refuses_what_is_not_v1() {
        let other = review(REQUEST).replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1");
        assert!(matches!(parse(other.as_bytes()), Err(ReviewError::Type { .. })));
        let unknown = review(&REQUEST.replace(r#""uid":"u-1","#, r#""uid":"u-1","surprise":1,"#));
        assert!(matches!(parse(unknown.as_bytes()), Err(ReviewError::Json(e)) if e.contains("surprise")));
        // ...yet the uid is readable, to name the refusal by.
        assert_eq!(uid_of(unknown.as_bytes()).as_deref(), Some("u-1"));
        assert!(matches!(parse(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#), Err(ReviewError::Missing(_))));
        let empty = review(&REQUEST.replace(r#""uid":"u-1""#, r#""uid":"""#));
        assert!(matches!(parse(empty.as_bytes()), Err(ReviewError::Missing(_))));
        let big = vec![b' '; MAX_REVIEW_BYTES + 1];
        assert!(matches!(parse(&big), Err(ReviewError::TooLarge { .. })));
    }

    /// Found by fuzz/fuzz_targets/admission_review.rs: serde reads a struct from a JSON array of
    /// its fields, so an array review (with no `uid` to name in a refusal) was admitted.
    #[test]
    fn structs_spelled_as_arrays_are_refused() {
        let request = r#"["u",["","v1","Pod"],["","v1","pods"],"",null,null,"","","","CREATE"]"#;
        for body in [
            format!(r#"["admission.k8s.io/v1","AdmissionReview",{request},null]"#),
            review(request),
            review(&REQUEST.replace(r#"{"group":"","version":"v1","kind":"Pod"}"#, r#"["","v1","Pod"]"#)),
            review(&REQUEST.replace(r#"{"username":"alice","groups":["system:authenticated"]}"#, r#"["alice"]"#)),
        ] {
            assert!(matches!(parse(body.as_bytes()), Err(ReviewError::Json(e)) if e.contains("is not a JSON object")), "{body}");
        }
    }

    #[test]
    fn responses_echo_the_uid() {
        let mut r = AdmissionResponse::deny("u-1", "no".into());
        r.warn(&"w".repeat(300));
        let v: Value = serde_json::from_slice(&r.to_review()).unwrap();
        assert_eq!(v["apiVersion"], API_VERSION);
        assert_eq!(v["response"]["uid"], "u-1");
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["code"], 403);
        assert_eq!(v["response"]["warnings"][0].as_str().unwrap().len(), MAX_WARNING_CHARS);
        assert!(v["response"].get("patch").is_none());
    }
}
