#![no_main]
//! The admission configuration file (`AdmissionConfig`, the containerd verifier's and the
//! `admission` member of `sealcheck serve`'s) and the `sealcheck serve` configuration
//! (`ServeConfig`), strict JSON. What is read is a JSON object (serde would read a struct from
//! an array of its fields too), has absolute paths and values in range, reads
//! again the same from the JSON of its fields, and is read the same as the `admission` member
//! of a serve configuration; a serve configuration read holds an admission configuration that
//! reads alone. Registry options are built where no CA file is named (that one would be read).
use std::path::{Path, PathBuf};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use sealcheck_admission::config::{AdmissionConfig, MultiPlatform};
use sealcheck_admission::parse;
use serde_json::{Value, json};

fn path(p: &Path) -> Value {
    Value::String(p.to_str().expect("JSON strings are UTF-8").to_string())
}

fn opt<T>(v: &Option<T>, f: impl Fn(&T) -> Value) -> Value {
    v.as_ref().map_or(Value::Null, f)
}

fn paths(v: &[PathBuf]) -> Value {
    Value::Array(v.iter().map(|p| path(p)).collect())
}

/// The JSON of `c`'s fields, as the file would spell them.
fn to_json(c: &AdmissionConfig) -> Value {
    let r = &c.registry;
    json!({
        "policy": path(&c.policy), "trustStore": opt(&c.trust_store, |p| path(p)), "crls": paths(&c.crls),
        "revocations": opt(&c.revocations, |p| path(p)), "auditLog": opt(&c.audit_log, |p| path(p)), "deadlineMs": c.deadline_ms,
        "registry": {"insecure": r.insecure, "caFile": opt(&r.ca_file, |p| path(p)), "caOnly": r.ca_only, "certsD": opt(&r.certs_d, |v| paths(v)),
                     "registriesD": opt(&r.registries_d, |p| path(p)), "authFiles": opt(&r.auth_files, |v| paths(v)),
                     "multiPlatform": match r.multi_platform { MultiPlatform::Index => "index", MultiPlatform::Platform => "platform" }, "platform": r.platform,
                     "tagTtlSeconds": r.tag_ttl_seconds, "evidenceTtlSeconds": r.evidence_ttl_seconds, "perHost": r.per_host},
    })
}

fn check(c: &AdmissionConfig) {
    let all = [&c.policy].into_iter().chain(&c.trust_store).chain(&c.crls).chain(&c.revocations).chain(&c.audit_log);
    for p in all {
        assert!(p.is_absolute(), "{p:?}");
    }
    assert!((Duration::from_millis(500)..=Duration::from_secs(300)).contains(&c.deadline()));
    let again = parse::admission_config(to_json(c).to_string().as_bytes()).expect("its own fields read again");
    assert_eq!(&again, c);
    if c.registry.ca_file.is_none() {
        if let Ok(o) = c.registry.to_options() {
            let r = &c.registry;
            assert_eq!((o.insecure.as_slice(), o.tag_ttl, o.evidence_ttl, o.platform.is_some()), (r.insecure.as_slice(), Duration::from_secs(r.tag_ttl_seconds), Duration::from_secs(r.evidence_ttl_seconds), r.platform.is_some()));
            assert!(c.registry.per_host.is_none_or(|n| n == o.per_host));
            assert_eq!(o.decide_index, r.multi_platform == MultiPlatform::Index);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = parse::admission_config(data) {
        let v: Value = serde_json::from_slice(data).expect("a configuration read is JSON");
        assert!(v.is_object() && v.get("registry").is_none_or(|r| r.is_object() || r.is_null()), "a configuration read is an object");
        check(&c);
        let mut serve = br#"{"tls": {"cert": "/c.pem", "key": "/k.pem"}, "admission": "#.to_vec();
        serve.extend_from_slice(data);
        serve.push(b'}');
        let s = parse::serve_config(&serve).expect("a configuration that reads is a serve configuration's admission member");
        assert_eq!(s.admission, c);
    }
    if let Ok(s) = parse::serve_config(data) {
        let v: Value = serde_json::from_slice(data).expect("a configuration read is JSON");
        assert!(v.is_object() && v["admission"].is_object() && v["tls"].is_object(), "a serve configuration read is an object");
        check(&s.admission);
        assert!(s.tls.cert.is_absolute() && s.tls.key.is_absolute() && s.policy_dir.as_ref().is_none_or(|p| p.is_absolute()));
        assert!(s.concurrency.is_none_or(|n| (1..=1024).contains(&n)) && s.max_connections.is_none_or(|n| (1..=65536).contains(&n)));
        assert!(s.reload_seconds.is_none_or(|n| (1..=3600).contains(&n)));
        assert!(s.listen.as_ref().is_none_or(|l| l.parse::<std::net::SocketAddr>().is_ok()));
    }
});
