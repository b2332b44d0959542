//! The registry source's parsers of what a registry, an auth file, a registries.d file or a
//! lookaside server hands over: `WWW-Authenticate` challenges, auth file JSON (`auths`,
//! `credHelpers`, `credsStore`), `Link` headers, registries.d YAML and signature blobs. The first
//! byte picks the parser; none may panic, and what they return must be consistent with the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealcheck_registry::{AuthLookup, Challenge, parse};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match which % 5 {
        0 => {
            if let Some(Challenge::Bearer { realm, .. }) = parse::www_authenticate(&text) {
                assert!(text.contains(realm.as_str()), "the realm comes from the header");
            }
        }
        1 => {
            for host in ["r.test:5000", "docker.io"] {
                if let Ok(AuthLookup::Credentials(c)) = parse::auth_file(rest, "fuzz.json", host) {
                    assert!(!c.username.contains(':'), "user names end at the first ':'");
                }
            }
        }
        2 => {
            if let Some(target) = parse::link_next(&text) {
                assert!(text.contains(target.as_str()), "the target comes from the header");
            }
        }
        3 => {
            let _ = parse::registries_d_file("fuzz.yaml", &text);
        }
        _ => {
            let _ = parse::signature_blob(rest);
        }
    }
});
