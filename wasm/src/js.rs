//! The wasm-bindgen (JavaScript) shape: `TrustRoot` and `Policy` classes loaded once and
//! reused, `verifyBundle` and `decideImage` taking request objects (binary evidence as
//! `Uint8Array` or base64 text) and returning plain objects; failures throw a `SealcheckError`
//! (an `Error` with `code`, `kind` and `message`). A denial is a result (`allowed: false`), not an
//! exception. The audit log (`src/audit.rs`) is the host's file: `AuditChain` makes the lines to
//! append to it, `auditVerify` checks its text.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiError};

fn js_error(e: &ApiError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("SealcheckError");
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from(e.code));
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("kind"), &JsValue::from_str(e.kind));
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("errorCode"), &JsValue::from(e.error_code));
    err.into()
}

fn request<T: serde::de::DeserializeOwned>(v: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(v).map_err(|e| js_error(&ApiError { code: api::CODE_INVALID_INPUT, error_code: 0, kind: "Request", message: e.to_string() }))
}

fn plain(v: &serde_json::Value) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(&ApiError { code: api::CODE_INVALID_INPUT, error_code: 0, kind: "Result", message: e.to_string() }))
}

/// A loaded Sigstore trusted root (a bundle verifier over it).
#[wasm_bindgen]
pub struct TrustRoot {
    inner: sealcheck::BundleVerifier,
}

#[wasm_bindgen]
impl TrustRoot {
    /// Loads `trusted_root.json` (text or bytes).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(json: &[u8]) -> Result<TrustRoot, JsValue> {
        api::load_root(json).map(|inner| TrustRoot { inner }).map_err(|e| js_error(&e))
    }

    /// The embedded Sigstore public-good production root.
    #[wasm_bindgen(js_name = publicGood)]
    pub fn public_good() -> Result<TrustRoot, JsValue> {
        Self::from_json(b"public-good")
    }

    /// The embedded Sigstore staging root.
    pub fn staging() -> Result<TrustRoot, JsValue> {
        Self::from_json(b"staging")
    }
}

/// A compiled containers-policy.json (key material inline).
#[wasm_bindgen]
pub struct Policy {
    inner: sealcheck::ImageVerifier,
}

#[wasm_bindgen]
impl Policy {
    /// Parses a containers-policy.json.
    #[wasm_bindgen(js_name = fromContainersPolicyJson)]
    pub fn from_containers_policy_json(json: &str) -> Result<Policy, JsValue> {
        api::load_policy(json.as_bytes()).map(|inner| Policy { inner }).map_err(|e| js_error(&e))
    }

    /// Compiles a Notary trust policy (`trustpolicy.json` text) with its trust store,
    /// `[{store: "ca:acme", certificates}]` (`store` is `type:name` with type `ca`,
    /// `signingAuthority` or `tsa`; `certificates` PEM or DER as a `Uint8Array`, PEM text, or
    /// base64), and optional CRLs (the same forms). Decides images as a containers policy does
    /// (`decideImage`, with `notarySignatures`). Throws `SealcheckError` (`code` 2) when
    /// anything does not load.
    #[cfg(feature = "notation")]
    #[wasm_bindgen(js_name = fromNotationPolicyJson)]
    pub fn from_notation_policy_json(
        json: &str,
        #[wasm_bindgen(js_name = trustStore, unchecked_param_type = "Array<{store: string, certificates: Uint8Array | string}>")] trust_store: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Array<Uint8Array | string> | undefined")] crls: JsValue,
    ) -> Result<Policy, JsValue> {
        let store: Vec<api::TrustStoreEntry> = request(trust_store)?;
        let crls: Option<Vec<api::PemField>> = request(crls)?;
        api::load_notation_policy(json.as_bytes(), &store, &crls.unwrap_or_default()).map(|inner| Policy { inner }).map_err(|e| js_error(&e))
    }
}

/// Verifies a Sigstore bundle. Request: `{bundle, artifact | artifactDigest,
/// certificateIdentity[Regexp], certificateOidcIssuer[Regexp] | key, now}`. Returns the verified
/// result; throws `SealcheckError` (`code` 1: rejected, 2: invalid input).
#[wasm_bindgen(js_name = verifyBundle)]
pub fn verify_bundle(root: &TrustRoot, req: JsValue) -> Result<JsValue, JsValue> {
    let req: api::VerifyBundleRequest = request(req)?;
    let v = api::verify_bundle(&root.inner, &req).map_err(|e| js_error(&e))?;
    plain(&v["result"])
}

/// Decides whether an image may run. Request: `{reference, manifest, signatures, bundles,
/// notarySignatures: [{mediaType, envelope}], now}`.
/// Returns `{allowed, decision}`; throws `SealcheckError` on invalid input.
#[wasm_bindgen(js_name = decideImage)]
pub fn decide_image(policy: &Policy, req: JsValue) -> Result<JsValue, JsValue> {
    let req: api::DecideImageRequest = request(req)?;
    let v = api::decide_image(&policy.inner, &req).map_err(|e| js_error(&e))?;
    plain(&serde_json::json!({"allowed": v["allowed"], "decision": v["decision"]}))
}

/// The hash chain of an audit log whose file the host owns: each `append` returns the line to
/// write (JSON Lines, `src/audit.rs`), chained to the one before.
#[wasm_bindgen]
pub struct AuditChain {
    tail: sealcheck::audit::Tail,
}

#[wasm_bindgen]
impl AuditChain {
    /// Continues a log at `tail` (`RECORDS:HEX`, as the `tail` getter gives it and `sealcheck
    /// audit verify` prints it), or starts an empty log. Throws `SealcheckError` (`code` 2) for
    /// a tail that does not parse.
    #[wasm_bindgen(constructor)]
    pub fn new(tail: Option<String>) -> Result<AuditChain, JsValue> {
        let tail = tail.map_or(Ok(sealcheck::audit::Tail::EMPTY), |t| t.parse()).map_err(|e| js_error(&ApiError::from(&e)))?;
        Ok(AuditChain { tail })
    }

    /// The line (ending in `\n`) that appends `decision` (the `decision` object `decideImage`
    /// returned, or its JSON text) to the log, after which the chain's tail is that line's:
    /// write it before the next append. Throws `SealcheckError` (`code` 2) for anything that is
    /// not a decision record; the chain is then unchanged.
    pub fn append(&mut self, #[wasm_bindgen(unchecked_param_type = "object | string")] decision: JsValue) -> Result<String, JsValue> {
        let not_record = || js_error(&ApiError { code: api::CODE_INVALID_INPUT, error_code: 0, kind: "Request", message: "decision: a decision record (object or JSON text)".into() });
        let text = match decision.as_string() {
            Some(s) => s,
            None => js_sys::JSON::stringify(&decision).ok().and_then(|s| s.as_string()).ok_or_else(not_record)?,
        };
        let line = self.tail.entry_json(text.as_bytes()).map_err(|e| js_error(&ApiError::from(&e)))?;
        self.tail = self.tail.after(line.as_bytes());
        Ok(line + "\n")
    }

    /// The tail after the last append: `RECORDS:HEX`.
    #[wasm_bindgen(getter)]
    pub fn tail(&self) -> String {
        self.tail.to_string()
    }
}

/// Checks an audit log's text (every record in order, each the successor of the one before,
/// none edited; with `expect`, a tail kept apart, the log must still reach it) and returns its
/// summary (`{tail: {seq, hash}, total, allowed, denied, scopes, days, …}`, as `sealcheck audit
/// summary --json` reads it). A broken chain throws `SealcheckError` (`code` 1, `kind`
/// `ChainBroken`) with `index`, the first broken record; a log over the size limit is
/// `LimitExceeded`, an `expect` that does not parse `code` 2.
#[wasm_bindgen(js_name = auditVerify)]
pub fn audit_verify(log: &str, expect: Option<String>) -> Result<JsValue, JsValue> {
    let input = |e: &sealcheck::Error| js_error(&ApiError::from(e));
    let max = sealcheck::limits::MAX_AUDIT_LOG_BYTES;
    if log.len() > max {
        return Err(input(&sealcheck::Error::LimitExceeded { what: "audit log size", max, got: log.len() }));
    }
    let expected: Option<sealcheck::audit::Tail> = expect.map(|t| t.parse()).transpose().map_err(|e| input(&e))?;
    let checked = match &expected {
        Some(t) => sealcheck::audit::verify_anchored(log.as_bytes(), t),
        None => sealcheck::audit::verify(log.as_bytes()),
    };
    match checked {
        Ok(summary) => plain(&serde_json::to_value(&summary).map_err(|e| js_error(&ApiError { code: api::CODE_INVALID_INPUT, error_code: 0, kind: "Result", message: e.to_string() }))?),
        Err(broken) => {
            let err = js_error(&ApiError { code: api::CODE_REJECTED, error_code: 0, kind: "ChainBroken", message: broken.to_string() });
            let _ = js_sys::Reflect::set(&err, &JsValue::from_str("index"), &JsValue::from(broken.index as f64));
            Err(err)
        }
    }
}
