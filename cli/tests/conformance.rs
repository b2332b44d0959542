//! The sigstore-conformance bundle-verify suite, driven through the `sealcheck` binary exactly
//! as the suite drives clients: every case with the artifact path and with `sha256:HEX`.
//! Expected outcomes come from `EXPECTED.tsv`; each failing case must fail for its own reason,
//! pinned below as the error kind the CLI reports with `--json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BEACON_ID: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const BEACON_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Why each `_fail` case is rejected: (case, exit code, error kind).
const REASONS: &[(&str, i32, &str)] = &[
    ("bundle-empty-certificate-chain_fail", 1, "BundleStructure"),
    ("bundle-from-wrong-instance_fail", 1, "UnknownLog"),
    ("bundle-invalid-base64-signature_fail", 1, "Json"),
    ("bundle-malformed-json_fail", 1, "Json"),
    ("bundle-negative-log-index_fail", 1, "BundleStructure"),
    ("bundle-unknown-version_fail", 1, "UnsupportedMediaType"),
    ("bundle-with-root-cert_fail", 1, "ChainContainsRoot"),
    ("checkpoint-bad-keyhint_fail", 1, "CheckpointSignature"),
    ("checkpoint-wrong-roothash_fail", 1, "Checkpoint"),
    ("dsse-invalid-sig_fail", 1, "BadSignature"),
    ("dsse-mismatch-envelope_fail", 1, "TlogBodyMismatch"),
    ("dsse-mismatch-sig_fail", 1, "TlogBodyMismatch"),
    ("inclusion-proof-corrupted-hash_fail", 1, "InclusionProof"),
    ("incorrect-public-key_fail", 1, "TlogBodyMismatch"),
    ("integrated-time-in-future_fail", 1, "SigningTimeOutsideCertificate"),
    // The leaf itself lies outside the CA window and outside the signing time; the leaf check comes first.
    ("intoto-expired-certificate_fail", 1, "SigningTimeOutsideCertificate"),
    ("intoto-log-entry-mismatch_fail", 1, "TlogBodyMismatch"),
    ("intoto-missing-inclusion-proof_fail", 1, "MissingEvidence"),
    ("intoto-set-outside-signing-cert-validity_fail", 1, "SigningTimeOutsideCertificate"),
    ("intoto-tsa-timestamp-outside-cert-validity_fail", 1, "SigningTimeOutsideCertificate"),
    ("invalid-checkpoint-signature_fail", 1, "CheckpointSignature"),
    ("invalid-ct-key_fail", 1, "UnknownCtLog"),
    ("invalid-inclusion-proof_fail", 1, "InclusionProof"),
    ("managed-key-no-key_fail", 1, "SignerMismatch"),
    // The key file itself is not valid PEM: an input error, exit 2.
    ("managed-key-wrong-key_fail", 2, "Encoding"),
    ("message-digest-mismatch_fail", 1, "ArtifactMismatch"),
    ("rekor2-checkpoint-missing-log-signature_fail", 1, "CheckpointSignature"),
    ("rekor2-checkpoint-missing-origin_fail", 1, "Checkpoint"),
    ("rekor2-checkpoint-missing-root-hash_fail", 1, "Checkpoint"),
    ("rekor2-checkpoint-missing-size_fail", 1, "Checkpoint"),
    ("rekor2-checkpoint-no-matching-signature_fail", 1, "Checkpoint"),
    ("rekor2-dsse-invalid-sig_fail", 1, "BadSignature"),
    ("rekor2-dsse-mismatch-envelope_fail", 1, "TlogBodyMismatch"),
    ("rekor2-dsse-mismatch-sig_fail", 1, "TlogBodyMismatch"),
    ("rekor2-no-inclusion-proof_fail", 1, "MissingEvidence"),
    ("rekor2-no-timestamp_fail", 1, "Threshold"),
    ("rekor2-timestamp-outside-trust-root-tsa-validity_fail", 1, "AuthorityOutsideValidity"),
    ("rekor2-timestamp-outside-tsa-cert-validity_fail", 1, "CertificateNotValidAt"),
    ("rekor2-timestamp-payload-mismatch_fail", 1, "TimestampImprint"),
    ("rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", 1, "UnknownTimestampAuthority"),
    ("rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", 1, "UnknownTimestampAuthority"),
    ("rekor2-timestamp-with-incorrect-time_fail", 1, "SigningTimeOutsideCertificate"),
    ("set-invalid-signature_fail", 1, "InvalidSignedEntryTimestamp"),
    ("signature-mismatch_fail", 1, "BadSignature"),
    // A trusted root without validFor.start does not load: an input error, exit 2.
    ("trust-root-tlog-missing-validity-start_fail", 2, "TrustedRoot"),
    ("wrong-hashedrekord-artifact_fail", 1, "TlogBodyMismatch"),
    ("wrong-hashedrekord-cert-and-sig_fail", 1, "TlogBodyMismatch"),
    ("wrong-hashedrekord-entry_fail", 1, "TlogBodyMismatch"),
    ("wrong-material_fail", 1, "ArtifactMismatch"),
];

/// `../shared/vectors` beside the repository; a test that needs it fails without it.
fn vectors() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors");
    assert!(p.is_dir(), "{} is missing: these tests read the shared vectors", p.display());
    p
}

struct Case {
    name: String,
    pass: bool,
}

fn expected(vectors: &Path) -> Vec<Case> {
    let tsv = std::fs::read_to_string(vectors.join("sigstore-conformance/EXPECTED.tsv")).expect("EXPECTED.tsv");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("column {n}"));
    let (c_case, c_exp) = (col("case"), col("expected"));
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Case { name: f[c_case].to_string(), pass: f[c_exp] == "pass" }
        })
        .collect()
}

fn sha256_hex(path: &Path) -> String {
    use sealcheck::crypto::{Backend, HashAlgorithm, RUST_CRYPTO};
    let d = RUST_CRYPTO.digest(HashAlgorithm::Sha256, &std::fs::read(path).expect("artifact"));
    sealcheck::encoding::hex_encode(d.as_bytes())
}

/// Runs one case in one form; returns (exit code, error kind from --json or "").
fn run(dir: &Path, case: &str, digest_form: bool) -> (i32, String) {
    let c = dir.join(case);
    let artifact = if c.join("artifact").is_file() { c.join("artifact") } else { dir.join("a.txt") };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sealcheck"));
    // The backend under test (CI runs this suite with each): the CLI's own default otherwise.
    if let Ok(crypto) = std::env::var("SEALCHECK_TEST_CRYPTO") {
        cmd.args(["--crypto", &crypto]);
    }
    cmd.arg("verify-bundle").arg("--json").arg("--bundle").arg(c.join("bundle.sigstore.json"));
    if c.join("key.pub").is_file() {
        cmd.arg("--key").arg(c.join("key.pub"));
    } else {
        let read = |f: &str, d: &str| std::fs::read_to_string(c.join(f)).map(|s| s.trim().to_string()).unwrap_or_else(|_| d.to_string());
        cmd.arg("--certificate-identity").arg(read("identity", BEACON_ID));
        cmd.arg("--certificate-oidc-issuer").arg(read("issuer", BEACON_ISSUER));
    }
    if c.join("trusted_root.json").is_file() {
        cmd.arg("--trusted-root").arg(c.join("trusted_root.json"));
    }
    if digest_form {
        cmd.arg(format!("sha256:{}", sha256_hex(&artifact)));
    } else {
        cmd.arg(&artifact);
    }
    let out = cmd.output().expect("run sealcheck");
    let code = out.status.code().expect("exit code");
    let kind = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["error"]["kind"].as_str().map(str::to_string))
        .unwrap_or_default();
    (code, kind)
}

#[test]
fn conformance_140_runs_agree_and_fail_for_their_own_reason() {
    let vectors = vectors();
    let dir = vectors.join("sigstore-conformance/test/assets/bundle-verify");
    let cases = expected(&vectors);
    let reasons: BTreeMap<&str, (i32, &str)> = REASONS.iter().map(|(c, code, k)| (*c, (*code, *k))).collect();
    let mut runs = 0;
    let mut problems = Vec::new();
    for case in &cases {
        for digest_form in [false, true] {
            runs += 1;
            let (code, kind) = run(&dir, &case.name, digest_form);
            let form = if digest_form { "DIGEST" } else { "PATH" };
            if case.pass {
                if code != 0 {
                    problems.push(format!("{form}-{}: want pass, got exit {code} ({kind})", case.name));
                }
            } else {
                match reasons.get(case.name.as_str()) {
                    Some(&(want_code, want_kind)) if (want_code, want_kind) == (code, kind.as_str()) => {}
                    Some(&(want_code, want_kind)) => {
                        problems.push(format!("{form}-{}: want exit {want_code} {want_kind}, got exit {code} {kind}", case.name))
                    }
                    None => problems.push(format!("{form}-{}: no pinned reason; got exit {code} {kind}", case.name)),
                }
            }
        }
    }
    assert_eq!(runs, 140, "the suite has 70 cases, each run twice");
    assert!(problems.is_empty(), "{} of {runs} runs disagree:\n{}", problems.len(), problems.join("\n"));
    let failing = cases.iter().filter(|c| !c.pass).count();
    assert_eq!(failing, REASONS.len(), "every failing case has a pinned reason");
}

/// cosign's `--certificate-github-workflow-*` flags constrain the Fulcio extensions.
#[test]
fn github_workflow_flags_constrain_the_certificate() {
    let vectors = vectors();
    let dir = vectors.join("sigstore-conformance/test/assets/bundle-verify");
    let run = |repo: &str, git_ref: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_sealcheck"))
            .args(["verify-bundle", "--json", "--bundle"])
            .arg(dir.join("happy-path-v0.3/bundle.sigstore.json"))
            .args(["--certificate-identity", BEACON_ID, "--certificate-oidc-issuer", BEACON_ISSUER])
            .args(["--certificate-github-workflow-repository", repo, "--certificate-github-workflow-ref", git_ref])
            .arg(dir.join("a.txt"))
            .output()
            .expect("run sealcheck");
        let kind = serde_json::from_slice::<serde_json::Value>(&out.stdout).ok().and_then(|v| v["error"]["kind"].as_str().map(str::to_string));
        (out.status.code(), kind)
    };
    assert_eq!(run("sigstore-conformance/extremely-dangerous-public-oidc-beacon", "refs/heads/main"), (Some(0), None));
    assert_eq!(run("attacker/repo", "refs/heads/main"), (Some(1), Some("ExtensionMismatch".to_string())));
    assert_eq!(run("sigstore-conformance/extremely-dangerous-public-oidc-beacon", "refs/heads/evil"), (Some(1), Some("ExtensionMismatch".to_string())));
}
