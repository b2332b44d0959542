//! The layering rules of issue 10 (acceptance 5), checked on the sources: evidence does not
//! know policy, only the default provider names a crypto backend, and the surfaces (CLI, C ABI,
//! WASM) marshal over the facade (`sealcheck::verifier`) instead of parsing keys, digests,
//! roots, matchers or evidence themselves.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` (relative to the repository), with its text.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(p: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())) {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), &mut out);
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// The part of a module before its unit tests.
fn without_tests(text: &str) -> &str {
    text.split("\n#[cfg(test)]").next().unwrap_or(text)
}

/// `(file, line, needle)` for every line of `files` that contains one of `needles`.
fn offending(files: &[(PathBuf, String)], needles: &[&str], strip_tests: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let text = if strip_tests { without_tests(text) } else { text };
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for needle in needles {
                if code.contains(needle) {
                    out.push(format!("{}:{}: {needle}", path.strip_prefix(root()).unwrap().display(), n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn evidence_does_not_know_policy() {
    let bad = offending(&sources("src/oci"), &["crate::policy", "super::super::policy", "sealcheck::policy"], false);
    assert!(bad.is_empty(), "src/oci imports the policy layer:\n{}", bad.join("\n"));
}

#[test]
fn only_the_default_provider_names_a_backend() {
    const BACKENDS: &[&str] = &["RUST_CRYPTO", "RustCrypto", "rustcrypto", "aws_lc", "p256::", "ed25519_dalek", "sha2::"];
    let bad = offending(&sources("src/policy"), BACKENDS, false);
    assert!(bad.is_empty(), "src/policy names a crypto backend (even in its tests):\n{}", bad.join("\n"));
    let rest: Vec<_> = sources("src").into_iter().filter(|(p, _)| !p.starts_with(root().join("src/crypto"))).collect();
    let bad = offending(&rest, &["RUST_CRYPTO", "RustCrypto"], true);
    assert!(bad.is_empty(), "outside src/crypto, only tests may name the RustCrypto backend:\n{}", bad.join("\n"));
}

#[test]
fn surfaces_only_marshal() {
    // What the facade parses for them: keys, digests, trusted roots, matchers, references,
    // stored signatures and bundles. (Base64 of the WASM JSON requests' byte fields is the
    // transport's encoding, which marshalling undoes.)
    const PARSERS: &[&str] = &[
        "from_spki_der",
        "from_pem",
        "pem_decode",
        "hex_decode",
        "base64_decode",
        "Matcher::regex",
        "Matcher::exact",
        "TrustedRoot::from_json",
        "TrustedRoot::embedded",
        "Digest::new",
        "OciDigest::",
        "Reference::parse",
        "StoredSignature::",
        "Bundle::from_json",
        "PublicKey::",
        "containers::compile",
        "UnixTime::parse",
        "regex_automata",
        "sealcheck::asn1",
        "sealcheck::encoding",
    ];
    let mut files = Vec::new();
    for dir in ["cli/src", "bindings/c/src", "wasm/src"] {
        files.extend(sources(dir));
    }
    // A crypto backend a surface brings (the WASM package's host crypto) builds digests and
    // reads keys: it is behind the provider seam, not marshalling.
    files.retain(|(_, text)| !text.contains("impl Backend for"));
    let bad = offending(&files, PARSERS, false);
    assert!(bad.is_empty(), "a surface parses input itself instead of calling sealcheck::verifier:\n{}", bad.join("\n"));
}
