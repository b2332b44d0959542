#![no_main]
//! The Gatekeeper external data `ProviderRequest` reader (externaldata.gatekeeper.sh/v1beta1)
//! and the `ProviderResponse` written for it. A request read is a JSON object (not a struct
//! spelled as an array of its fields); its keys are at most `MAX_KEYS`, each (unescaped)
//! in the input, and read again from the request they make; the response has one item per key,
//! in order, its `error` the reason exactly when denied; a refused request is answered with its
//! `systemError` and no items.
use libfuzzer_sys::fuzz_target;
use sealcheck_admission::gatekeeper::{self, API_VERSION, Item, MAX_KEYS, Value};
use sealcheck_admission::parse;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let keys = match parse::provider_request(data) {
        Ok(keys) => keys,
        Err(e) => {
            assert!(e.starts_with("ProviderRequest: "));
            let v: serde_json::Value = serde_json::from_slice(&gatekeeper::response(Err(e.clone()))).unwrap();
            assert_eq!((v["response"]["systemError"].as_str(), v["response"]["items"].as_array().map(Vec::len)), (Some(e.as_str()), Some(0)));
            return;
        }
    };
    assert!(keys.len() <= MAX_KEYS);
    let v: serde_json::Value = serde_json::from_slice(data).expect("a request read is JSON");
    assert!(v.is_object() && v["request"].is_object(), "a request read is an object");
    if !data.contains(&b'\\') {
        for k in keys.iter().filter(|k| !k.is_empty()) {
            assert!(data.windows(k.len()).any(|w| w == k.as_bytes()), "key {k:?} not in the input");
        }
    }
    let again = json!({"apiVersion": API_VERSION, "kind": "ProviderRequest", "request": {"keys": keys}}).to_string();
    assert_eq!(parse::provider_request(again.as_bytes()).as_ref(), Ok(&keys), "keys read again");
    let items: Vec<Item> = keys.iter().enumerate().map(|(i, k)| Item::new(k.clone(), Value { allowed: i % 2 == 0, digest: None, reason: format!("r{i}") })).collect();
    let v: serde_json::Value = serde_json::from_slice(&gatekeeper::response(Ok(items))).unwrap();
    assert_eq!((v["apiVersion"].as_str(), v["kind"].as_str(), v["response"]["idempotent"].as_bool()), (Some(API_VERSION), Some("ProviderResponse"), Some(true)));
    assert!(v["response"].get("systemError").is_none());
    let out = v["response"]["items"].as_array().unwrap();
    assert_eq!(out.len(), keys.len());
    for (i, (item, k)) in out.iter().zip(&keys).enumerate() {
        assert_eq!(item["key"].as_str(), Some(k.as_str()));
        assert_eq!(item["value"]["allowed"].as_bool(), Some(i % 2 == 0));
        assert_eq!(item.get("error").and_then(|e| e.as_str()), (i % 2 == 1).then(|| format!("r{i}")).as_deref());
    }
});
