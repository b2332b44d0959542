#![no_main]
//! sigstore policy-controller `ClusterImagePolicy`: the YAML reader on arbitrary text; the glob
//! matcher against policy-controller's own translation (`pkg/apis/glob.Compile`: `.` literal,
//! `**` → `.*`, `*` → `[^/]*`, anchored) run by sealcheck's regexp engine; and the strict
//! decoding and compilation (no files: a `trustRootRef` cannot resolve). When a stream
//! compiles, rules are selected for references in their raw and normalized spellings: the scope
//! and the rule must be the same, and a policy whose glob is `**` applies to all of them.
use libfuzzer_sys::fuzz_target;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::oci::Reference;
use sealcheck::policy::cluster_image_policy::{compile, glob_matches, normalize_glob, yaml_documents};
use sealcheck::policy::PolicyFiles;
use sealcheck::sigstore::identity::Matcher;

struct NoFiles;
impl PolicyFiles for NoFiles {
    fn read(&self, path: &str, _: usize) -> sealcheck::Result<Vec<u8>> {
        Err(sealcheck::Error::NotFound(path.into()))
    }
}

/// policy-controller's translation of a glob into a regular expression.
fn go_regexp(glob: &str) -> String {
    glob.replace('.', r"\.").replace("**", "#").replace('*', "[^/]*").replace('#', ".*")
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = yaml_documents(text);
        if let Some((glob, name)) = text.split_once('\n') {
            if let Ok(g) = normalize_glob(glob) {
                // Go's `.` does not match a newline; image names never hold one.
                if !name.contains('\n') && g.len() < 512 {
                    if let Ok(re) = Matcher::regex(&go_regexp(&g)) {
                        assert_eq!(glob_matches(&g, name), re.matches(name), "glob {g:?} on {name:?}");
                    }
                }
            }
        }
    }
    let Ok(p) = compile(data, &NoFiles, &RUST_CRYPTO) else { return };
    for raw in [
        "registry.example.com/ns/app:1",
        "busybox",
        "index.docker.io/library/busybox:latest",
        "docker.io/acme/app@sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00",
        "localhost:5000/a/b/c:t",
    ] {
        let r = Reference::parse(raw).expect("fixed reference");
        let n = Reference::parse(&r.to_string()).expect("normalized reparses");
        let (a, ra) = p.rule_for("docker", &r);
        let (b, rb) = p.rule_for("docker", &n);
        assert_eq!(a, b, "{raw}");
        assert_eq!(ra.requirements().len(), rb.requirements().len(), "{raw}");
        assert!(!ra.requirements().is_empty());
    }
});
