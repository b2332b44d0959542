//! The cross-surface table (`tests/surfaces/table.tsv`, issue 10 acceptance 1) through the Rust
//! facade and the `sealcheck` command line: each case must give the table's verdict, class and
//! code on both. (The C ABI, Go and WASM run the same table in their own test suites.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sealcheck::policy::FsFiles;
use sealcheck::verifier::{self, BundleVerifier, ImageVerifier, RootChoice};
use sealcheck::{Artifact, CertificateIdentity, CryptoProvider, Error, ErrorClass, Signers, TrustedKey, UnixTime};

fn top() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn vectors() -> PathBuf {
    let p = top().join("../shared/vectors");
    assert!(p.is_dir(), "{} is missing: the table reads the shared vectors", p.display());
    p
}

/// What a surface answered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    verdict: String,
    code: u32,
}

impl Outcome {
    fn ok(verdict: &str) -> Self {
        Self { verdict: verdict.into(), code: 0 }
    }

    fn error(class: ErrorClass, code: u32) -> Self {
        Self { verdict: if class == ErrorClass::Input { "input" } else { "rejected" }.into(), code }
    }
}

impl From<&Error> for Outcome {
    fn from(e: &Error) -> Self {
        Self::error(e.class(), e.code())
    }
}

struct Case {
    kind: String,
    name: String,
    expect: Outcome,
    fields: Vec<(String, String)>,
}

impl Case {
    fn get(&self, k: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    fn all(&self, k: &str) -> Vec<&str> {
        self.fields.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect()
    }

    fn now(&self) -> i64 {
        self.get("now").expect("now").parse().unwrap()
    }
}

/// A value of the table: `@PATH` is a vector file, anything else the text itself; in a policy,
/// `{{base64:PATH}}` is the base64 of a vector file.
fn value(v: &str) -> Vec<u8> {
    match v.strip_prefix('@') {
        Some(p) => std::fs::read(vectors().join(p)).unwrap_or_else(|e| panic!("{p}: {e}")),
        None => v.as_bytes().to_vec(),
    }
}

fn policy_text(v: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find("{{base64:") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("closing }}") + i;
        out.push_str(&Base64::encode_string(&value(&format!("@{}", &rest[i + "{{base64:".len()..end]))));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out.into_bytes()
}

fn table() -> Vec<Case> {
    let text = std::fs::read_to_string(top().join("tests/surfaces/table.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 4, "short line: {l}");
            let fields = cols[4..].iter().map(|f| f.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).unwrap_or_else(|| panic!("field {f:?}"))).collect();
            Case { kind: cols[0].into(), name: cols[1].into(), expect: Outcome { verdict: cols[2].into(), code: cols[3].parse().unwrap() }, fields }
        })
        .collect()
}

// ---- the facade -----------------------------------------------------------------------------

fn facade(c: &Case) -> Outcome {
    let provider = CryptoProvider::default();
    let run = || -> sealcheck::Result<Outcome> {
        let now = UnixTime::from_secs(c.now());
        if c.kind == "bundle" {
            let root_json = c.get("root").map(value);
            let root = verifier::trusted_root(root_json.as_deref().map_or(RootChoice::PublicGood, RootChoice::Json), &provider)?;
            let signers = match c.get("key") {
                Some(k) => Signers::Keys(vec![TrustedKey::new(provider.backend(), verifier::public_key_pem("key", &value(k))?)]),
                None => {
                    let m = |exact: &str, re: &str| match (c.get(exact), c.get(re)) {
                        (Some(v), None) => verifier::matcher(exact, v, false),
                        (None, Some(v)) => verifier::matcher(re, v, true),
                        _ => panic!("{}: one of {exact}, {re}", c.name),
                    };
                    Signers::Certificate(CertificateIdentity::new(m("san", "san_regexp")?, m("issuer", "issuer_regexp")?))
                }
            };
            let bytes;
            let artifact = match c.get("artifact_digest") {
                Some(d) => Artifact::Digest(verifier::artifact_digest(d)?.expect("an alg:hex digest")),
                None => {
                    bytes = value(c.get("artifact").expect("artifact"));
                    Artifact::Bytes(&bytes)
                }
            };
            BundleVerifier::new(root, provider).verify(&value(c.get("bundle").unwrap()), &artifact, &signers, now)?;
            Ok(Outcome::ok("verified"))
        } else {
            let policy = verifier::containers_policy(&policy_text(c.get("policy").unwrap()), &FsFiles, &provider)?;
            let signatures: Vec<Vec<u8>> = c.all("signature").into_iter().map(value).collect();
            let refs: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
            let manifest = value(c.get("manifest").unwrap());
            let image = verifier::image_evidence(c.get("reference").unwrap(), Some(&manifest), &refs, &[])?;
            let d = ImageVerifier::new(policy.into(), provider).decide(&image, now);
            Ok(Outcome::ok(if d.allowed { "allowed" } else { "denied" }))
        }
    };
    run().unwrap_or_else(|e| Outcome::from(&e))
}

// ---- the command line -----------------------------------------------------------------------

fn cli(c: &Case, scratch: &Path) -> Outcome {
    let put = |name: &str, bytes: &[u8]| {
        let p = scratch.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let mut args: Vec<String> = Vec::new();
    if c.kind == "bundle" {
        args.extend(["verify-bundle".into(), "--json".into(), "--bundle".into(), put("bundle.json", &value(c.get("bundle").unwrap()))]);
        for (field, flag) in [
            ("san", "--certificate-identity"),
            ("san_regexp", "--certificate-identity-regexp"),
            ("issuer", "--certificate-oidc-issuer"),
            ("issuer_regexp", "--certificate-oidc-issuer-regexp"),
        ] {
            if let Some(v) = c.get(field) {
                args.extend([flag.into(), v.into()]);
            }
        }
        if let Some(k) = c.get("key") {
            args.extend(["--key".into(), put("key.pem", &value(k))]);
        }
        if let Some(r) = c.get("root") {
            args.extend(["--trusted-root".into(), put("trusted_root.json", &value(r))]);
        }
        args.extend(["--time".into(), c.now().to_string()]);
        args.push(match c.get("artifact_digest") {
            Some(d) => d.into(),
            None => put("artifact", &value(c.get("artifact").unwrap())),
        });
    } else {
        let layout = scratch.join("layout");
        std::fs::create_dir_all(&layout).unwrap();
        std::fs::write(layout.join("manifest.json"), value(c.get("manifest").unwrap())).unwrap();
        for (i, s) in c.all("signature").into_iter().enumerate() {
            std::fs::write(layout.join(format!("signature-{}", i + 1)), value(s)).unwrap();
        }
        args.extend(["verify".into(), "--json".into(), "--policy".into(), put("policy.json", &policy_text(c.get("policy").unwrap()))]);
        args.extend(["--reference".into(), c.get("reference").unwrap().into(), "--time".into(), c.now().to_string()]);
        args.push(format!("dir:{}", layout.display()));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sealcheck")).args(&args).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: --json output: {e}: {}", c.name, String::from_utf8_lossy(&out.stdout)));
    let status = out.status.code().unwrap();
    if let Some(e) = json.get("error") {
        let class = if e["class"] == "input" { ErrorClass::Input } else { ErrorClass::Rejection };
        let o = Outcome::error(class, e["code"].as_u64().unwrap() as u32);
        assert_eq!(status, if class == ErrorClass::Input { 2 } else { 1 }, "{}: exit status of {o:?}", c.name);
        return o;
    }
    let verdict = match (c.kind.as_str(), status) {
        ("bundle", 0) => "verified",
        ("image", 0) => "allowed",
        ("image", 1) => "denied",
        other => panic!("{}: exit {other:?} without an error object", c.name),
    };
    Outcome::ok(verdict)
}

#[test]
fn the_facade_and_the_cli_give_the_table_answers() {
    let cases = table();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        let scratch = std::env::temp_dir().join(format!("sealcheck-surfaces-{}-{i}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        for (surface, got) in [("facade", facade(c)), ("cli", cli(c, &scratch))] {
            if got != c.expect {
                problems.push(format!("{surface}: {}: {got:?}, table says {:?}", c.name, c.expect));
            }
        }
        *seen.entry(c.expect.verdict.clone()).or_default() += 1;
        let _ = std::fs::remove_dir_all(&scratch);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for v in ["verified", "allowed", "denied", "rejected", "input"] {
        assert!(seen.contains_key(v), "the table has no {v} case");
    }
}
