#![no_main]
//! Docker references (containers/image `ParseNormalizedNamed`): parse, and when they parse, the
//! normalization properties hold: the normalized text re-parses to the same reference, is
//! canonical (`ParseNamed` accepts it), normalizing is idempotent, scopes are computed, and the
//! `:latest` default and a digest are added without changing the name.
use libfuzzer_sys::fuzz_target;
use sealcheck::oci::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(r) = Reference::parse(s) else { return };
    let text = r.to_string();
    let again = Reference::parse(&text).expect("a parsed reference reparses");
    assert_eq!(again, r, "normalization is idempotent");
    assert_eq!(again.to_string(), text);
    assert_eq!(Reference::parse_canonical(&text).expect("normalized text is canonical"), r);
    let scopes = r.policy_scopes();
    assert!(scopes.iter().any(|s| *s == r.name()), "the repository is a scope");
    let tagged = r.clone().with_default_tag();
    assert_eq!(tagged.name(), r.name());
    assert!(!tagged.is_name_only());
    assert_eq!(Reference::parse(&tagged.to_string()).expect("tagged reparses"), tagged);
    // The docker.io normalization is stable: the legacy host never survives.
    assert!(!r.domain().eq("index.docker.io"));
});
