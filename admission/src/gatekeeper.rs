//! The OPA Gatekeeper external data provider protocol, `externaldata.gatekeeper.sh/v1beta1`
//! (Gatekeeper `website/docs/externaldata.md`, frameworks `externaldata` types): a
//! `ProviderRequest` `{apiVersion, kind, request: {keys}}` is answered with a
//! `ProviderResponse` `{apiVersion, kind, response: {idempotent, items: [{key, value, error}],
//! systemError}}`.
//!
//! Each key is an image reference and gets exactly one item, in the order given: `value` is the
//! decision (`allowed`, the digest decided, the reason) and `error` is the denial's reason, so a
//! constraint may test either. A request that cannot be read (size, JSON, apiVersion, kind,
//! over [`MAX_KEYS`] keys) is answered with a `systemError` and no items.

use serde::{Deserialize, Serialize};

/// The one `apiVersion` spoken.
pub const API_VERSION: &str = "externaldata.gatekeeper.sh/v1beta1";

/// The most keys one request may carry.
pub const MAX_KEYS: usize = 256;

/// The largest request body read (keys are image references, each at most 4 KiB or so).
pub const MAX_PROVIDER_REQUEST_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ProviderRequest {
    api_version: String,
    kind: String,
    request: Keys,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    #[serde(default)]
    keys: Vec<String>,
}

/// The keys of a `ProviderRequest` body, or why it is refused (the `systemError`).
pub fn parse(body: &[u8]) -> Result<Vec<String>, String> {
    if body.len() > MAX_PROVIDER_REQUEST_BYTES {
        return Err(format!("ProviderRequest: body of {} bytes exceeds the limit of {MAX_PROVIDER_REQUEST_BYTES} bytes", body.len()));
    }
    let r: ProviderRequest = serde_json::from_slice(body).map_err(|e| format!("ProviderRequest: {e}"))?;
    crate::objects(body, &["", "/request"]).map_err(|e| format!("ProviderRequest: {e}"))?;
    if r.api_version != API_VERSION || r.kind != "ProviderRequest" {
        return Err(format!("ProviderRequest: apiVersion {:?} kind {:?}: want {API_VERSION:?} \"ProviderRequest\"", r.api_version, r.kind));
    }
    if r.request.keys.len() > MAX_KEYS {
        return Err(format!("ProviderRequest: {} keys exceed the limit of {MAX_KEYS}", r.request.keys.len()));
    }
    Ok(r.request.keys)
}

/// What one key was decided to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The verdict.
    pub allowed: bool,
    /// The manifest digest decided on, when one was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Why.
    pub reason: String,
}

/// One item of the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The key, as given.
    pub key: String,
    /// The decision.
    pub value: Value,
    /// The reason when the image is denied (empty when allowed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

impl Item {
    /// The item for `key` decided as `value`.
    #[must_use]
    pub fn new(key: String, value: Value) -> Self {
        let error = if value.allowed { String::new() } else { value.reason.clone() };
        Self { key, value, error }
    }
}

/// A `ProviderResponse` body: the items, or a system error and none.
#[must_use]
pub fn response(outcome: Result<Vec<Item>, String>) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Response {
        idempotent: bool,
        items: Vec<Item>,
        #[serde(skip_serializing_if = "String::is_empty")]
        system_error: String,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        api_version: &'static str,
        kind: &'static str,
        response: Response,
    }
    let (items, system_error) = match outcome {
        Ok(items) => (items, String::new()),
        Err(e) => (Vec::new(), e),
    };
    // Decisions do not change a cluster: asking again is safe.
    let out = Out { api_version: API_VERSION, kind: "ProviderResponse", response: Response { idempotent: true, items, system_error } };
    // Strings and bools only: always serialises.
    serde_json::to_vec(&out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shapes per Gatekeeper website/docs/externaldata.md ("Providers", request and response).
    #[test]
    fn keys_in_items_out() {
        let keys = parse(br#"{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":["a:1","b:2"]}}"#).unwrap();
        assert_eq!(keys, ["a:1", "b:2"]);
        let items = vec![Item::new("a:1".into(), Value { allowed: true, digest: Some("sha256:00".into()), reason: "ok".into() }), Item::new("b:2".into(), Value { allowed: false, digest: None, reason: "unsigned".into() })];
        let v: serde_json::Value = serde_json::from_slice(&response(Ok(items))).unwrap();
        assert_eq!(v["kind"], "ProviderResponse");
        assert_eq!(v["response"]["idempotent"], true);
        assert_eq!(v["response"]["items"][0], serde_json::json!({"key": "a:1", "value": {"allowed": true, "digest": "sha256:00", "reason": "ok"}}));
        assert_eq!(v["response"]["items"][1]["error"], "unsigned");
        assert!(v["response"].get("systemError").is_none());
    }

    #[test]
    fn bad_requests_are_system_errors() {
        for body in [&br#"{"apiVersion":"externaldata.gatekeeper.sh/v1alpha1","kind":"ProviderRequest","request":{"keys":[]}}"#[..], br#"{"kind":"ProviderRequest"}"#, b"[", br#"{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":[],"x":1}}"#,
            // serde reads a struct from a JSON array of its fields too.
            br#"["externaldata.gatekeeper.sh/v1beta1","ProviderRequest",{"keys":["a"]}]"#, br#"{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":[["a"]]}"#] {
            let e = parse(body).unwrap_err();
            let v: serde_json::Value = serde_json::from_slice(&response(Err(e.clone()))).unwrap();
            assert_eq!(v["response"]["systemError"], e);
            assert_eq!(v["response"]["items"], serde_json::json!([]));
        }
        let many = serde_json::json!({"apiVersion": API_VERSION, "kind": "ProviderRequest", "request": {"keys": vec!["a"; MAX_KEYS + 1]}});
        assert!(parse(many.to_string().as_bytes()).unwrap_err().contains("exceed"));
    }
}
