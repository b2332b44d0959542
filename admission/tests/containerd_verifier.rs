//! `sealcheck-containerd-verifier` as containerd 2.x runs it (`pkg/imageverifier/bindir/bindir.go`
//! `runVerifier`: `-name`, `-digest`, `-stdin-media-type`, the JSON descriptor and a newline on
//! stdin, the environment inherited, at most 32 KiB of trimmed stdout as the reason, killed at
//! `per_verifier_timeout`, exit 0 allows).
//!
//! - The harness tests exec the binary exactly so. Those without a registry always run: bad
//!   arguments, descriptors and configurations, a registry that accepts connections and never
//!   answers, a descriptor that never arrives: each a block (non-zero exit, the reason on
//!   stdout) well inside containerd's default 10 s.
//! - With the peers (`tests/support/peers.rs`: distribution `registry`, `oras`, `cosign`
//!   v3.1.3): a cosign-signed image is allowed, an unsigned one, a tampered one (its content
//!   changed after signing, the signature carried over) and one signed by an untrusted key are
//!   blocked, each decision one record of the audit log.
//! - With containerd and ctr v2.4.2 built from the Go module proxy
//!   (`admission/tests/build-containerd.sh` into `$SEALCHECK_CONTAINERD`), as root: a real
//!   containerd with the verifier in its `bin_dir` and `ctr image pull` through the transfer
//!   service: the signed image is pulled, the others are refused with sealcheck's reason in
//!   ctr's error; and with the verifier removed from `bin_dir`, the unsigned image is pulled
//!   (the trap the README documents). A multi-platform tag (an OCI index of linux/amd64 and
//!   linux/arm64) pulled with `--platform linux/amd64` is decided on the index digest containerd
//!   resolved: the signed index is pulled, an index whose amd64 manifest alone is signed is
//!   refused.

#[path = "../../tests/support/peers.rs"]
#[allow(dead_code)] // Shared with other tests: not every helper is used here.
mod peers;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use peers::{Registry, cosign_key_pairs, cosign_with_key, peer, scratch};
use sealcheck::CryptoProvider;
use sealcheck::crypto::HashAlgorithm;
use sealcheck::oci::OciDigest;
use serde_json::json;

const VERIFIER: &str = env!("CARGO_BIN_EXE_sealcheck-containerd-verifier");
const DESCRIPTOR_MEDIA_TYPE: &str = "application/vnd.oci.descriptor.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// containerd's default `per_verifier_timeout` (`plugins/imageverifier/plugin.go`).
const PER_VERIFIER_TIMEOUT: Duration = Duration::from_secs(10);
/// `outputLimitBytes`.
const OUTPUT_LIMIT: usize = 1 << 15;

/// What containerd makes of one verifier run.
#[derive(Debug)]
struct Judgement {
    /// `None`: killed at the timeout.
    exit: Option<i32>,
    reason: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the verifier as `runVerifier` does: `stdin` written (then closed) when given, else left
/// open and unwritten.
fn run_verifier(args: &[&str], stdin: Option<String>, config: Option<&Path>) -> Judgement {
    let mut cmd = Command::new(VERIFIER);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    match config {
        Some(c) => cmd.env("SEALCHECK_VERIFIER_CONFIG", c),
        None => cmd.env_remove("SEALCHECK_VERIFIER_CONFIG"),
    };
    let start = Instant::now();
    let mut child = cmd.spawn().expect("start the verifier");
    let mut input = child.stdin.take().unwrap();
    let held = stdin.is_none().then_some(());
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin {
            let _ = input.write_all(s.as_bytes());
            drop(input);
        } else {
            // Held open, unwritten, until the verifier ends.
            std::thread::sleep(PER_VERIFIER_TIMEOUT + Duration::from_secs(1));
            drop(input);
        }
    });
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = (&mut out).take(OUTPUT_LIMIT as u64 + 1).read_to_end(&mut s);
        s
    });
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > PER_VERIFIER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    let stdout = reader.join().unwrap();
    assert!(stdout.len() <= OUTPUT_LIMIT, "stdout over containerd's limit: {} bytes", stdout.len());
    if held.is_none() {
        writer.join().unwrap();
    }
    Judgement { exit, reason: String::from_utf8(stdout).unwrap().trim().to_string(), stderr: errs.join().unwrap(), elapsed }
}

/// The arguments `runVerifier` passes.
fn args<'a>(name: &'a str, digest: &'a str) -> [&'a str; 6] {
    ["-name", name, "-digest", digest, "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE]
}

/// The descriptor `json.NewEncoder(stdin).Encode(desc)` writes.
fn descriptor(media_type: &str, digest: &str, size: u64) -> String {
    format!("{}\n", json!({"mediaType": media_type, "digest": digest, "size": size}))
}

/// A verifier configuration in `dir` for `policy`, with `extra` fields.
fn config(dir: &Path, policy: &serde_json::Value, extra: serde_json::Value) -> PathBuf {
    std::fs::write(dir.join("policy.json"), policy.to_string()).unwrap();
    let mut c = json!({"policy": dir.join("policy.json"), "registry": {"authFiles": []}});
    c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let path = dir.join("verifier.json");
    std::fs::write(&path, c.to_string()).unwrap();
    path
}

fn accept_anything() -> serde_json::Value {
    json!({"default": [{"type": "insecureAcceptAnything"}]})
}

fn assert_blocked(j: &Judgement, says: &str) {
    assert!(matches!(j.exit, Some(c) if c != 0), "not blocked (exit {:?}): {} / {}", j.exit, j.reason, j.stderr);
    assert!(j.reason.contains(says), "reason {:?} does not say {says:?}", j.reason);
    let record: serde_json::Value = serde_json::from_str(j.stderr.trim()).unwrap_or_else(|e| panic!("stderr is not one JSON record ({e}): {}", j.stderr));
    assert_eq!(record["allowed"], false, "{record}");
}

const D: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

#[test]
fn bad_arguments_descriptors_and_configurations_block() {
    let dir = scratch("verifier-inputs");
    let cfg = config(&dir, &accept_anything(), json!({}));
    let name = "127.0.0.1:1/app:v1";
    let good = descriptor(OCI_MANIFEST, D, 512);
    let other = format!("sha256:{}", "0".repeat(64));
    for (argv, stdin, config, says) in [
        (vec!["-name", name, "-digest", D, "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE, "-operation", "pull"], good.clone(), Some(cfg.as_path()), "unknown flag -operation"),
        (vec!["-name", name, "-digest", D], good.clone(), Some(cfg.as_path()), "are required"),
        (vec!["-name", name, "-digest", D, "-stdin-media-type", "application/json"], good.clone(), Some(cfg.as_path()), "-stdin-media-type"),
        (args(name, D).to_vec(), descriptor(OCI_MANIFEST, &other, 512), Some(cfg.as_path()), "not -digest"),
        (args(name, D).to_vec(), descriptor("application/vnd.example.artifact", D, 512), Some(cfg.as_path()), "not an image manifest or index"),
        (args(name, D).to_vec(), "{\"mediaType\":".into(), Some(cfg.as_path()), "malformed JSON"),
        (args(name, D).to_vec(), String::new(), Some(cfg.as_path()), "malformed JSON"),
        (args(name, D).to_vec(), good.clone(), None, "/etc/sealcheck/containerd-verifier.json"),
        (args(name, D).to_vec(), good.clone(), Some(dir.join("missing.json").as_path()), "missing.json"),
    ] {
        let j = run_verifier(&argv, Some(stdin), config);
        assert_blocked(&j, says);
        assert_eq!(j.exit, Some(2), "{j:?}");
    }
    // A reason longer than containerd keeps (the name is in it) is cut before 32 KiB, whole
    // characters only (`run_verifier` fails on more).
    let long = format!("r.test/{}", "é".repeat(20_000));
    let j = run_verifier(&args(&long, D), Some(descriptor(OCI_MANIFEST, D, 512)), Some(&cfg));
    assert_eq!(j.exit, Some(2));
    assert!(j.reason.starts_with("sealcheck: blocked r.test/éé") && j.reason.len() > OUTPUT_LIMIT - 8, "{} bytes", j.reason.len());
    // A configuration that does not parse strictly.
    std::fs::write(dir.join("typo.json"), json!({"policy": dir.join("policy.json"), "deadlineMS": 100}).to_string()).unwrap();
    assert_blocked(&run_verifier(&args(name, D), Some(good), Some(&dir.join("typo.json"))), "unknown field `deadlineMS`");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A registry that accepts connections and never answers, and a descriptor that never comes:
/// the verifier's own deadline blocks before containerd's timeout would.
#[test]
fn a_hung_registry_or_stdin_blocks_by_the_deadline() {
    let dir = scratch("verifier-hang");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    let deadline = 2000;
    let log = dir.join("audit.jsonl");
    let cfg = config(&dir, &accept_anything(), json!({"deadlineMs": deadline, "auditLog": log, "registry": {"insecure": [host], "authFiles": []}}));
    let name = format!("{host}/app:v1");
    let j = run_verifier(&args(&name, D), Some(descriptor(OCI_MANIFEST, D, 512)), Some(&cfg));
    eprintln!("hung registry: exit {:?} after {:?}: {}", j.exit, j.elapsed, j.reason);
    assert_blocked(&j, &format!("blocked {name}@{D}"));
    assert!(j.elapsed <= Duration::from_millis(deadline + 500), "ended after {:?}", j.elapsed);

    let j = run_verifier(&args(&name, D), None, Some(&cfg));
    assert_blocked(&j, &format!("sealcheck: blocked {name}@{D}: decision: the deadline of {deadline} ms passed"));
    assert!(j.elapsed >= Duration::from_millis(deadline) && j.elapsed <= Duration::from_millis(deadline + 500), "ended after {:?}", j.elapsed);
    // Both blocks are recorded, the watchdog's too.
    let summary = sealcheck::audit::verify(&std::fs::read(&log).unwrap()).unwrap_or_else(|b| panic!("audit log: {b}"));
    assert_eq!((summary.total, summary.denied), (2, 2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The images of the acceptance test, on a real registry: name → (reference, digest), and
/// whether sealcheck allows it.
struct Images {
    reg: Registry,
    images: Vec<(&'static str, String, String, bool)>,
    /// The signed digest the `tampered` tag named before it moved.
    original: String,
}

/// Pushes a one-layer image whose layer is a real tar (so that containerd can unpack it) as
/// `host/repo:v1` with oras; its manifest digest.
fn push_tar_image(reg: &Registry, dir: &Path, repo: &str, content: &str) -> String {
    push_platform_tar_image(reg, dir, repo, "v1", content, "amd64")
}

/// [`push_tar_image`] as `host/repo:tag`, its config naming `linux/arch`.
fn push_platform_tar_image(reg: &Registry, dir: &Path, repo: &str, tag: &str, content: &str, arch: &str) -> String {
    let root = dir.join(format!("rootfs-{repo}-{tag}"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("hello.txt"), content).unwrap();
    let layer = dir.join("layer.tar");
    let ok = Command::new("tar").args(["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-cf"]).arg(&layer).arg("-C").arg(&root).arg("hello.txt").status().expect("tar");
    assert!(ok.success(), "tar failed");
    let diff_id = OciDigest::from_digest(CryptoProvider::default().backend().digest(HashAlgorithm::Sha256, &std::fs::read(&layer).unwrap()));
    let config = json!({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id.to_string()]}, "config": {}});
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let target = format!("{}/{repo}:{tag}", reg.host);
    peer("oras", &["push", "--plain-http", "--config", "config.json:application/vnd.oci.image.config.v1+json", &target, "layer.tar:application/vnd.oci.image.layer.v1.tar"], dir);
    peer("oras", &["resolve", "--plain-http", &target], dir).trim().to_string()
}

/// `signed` (cosign, the trusted key), `unsigned`, `tampered` (signed, then its tag moved to
/// changed content and the signature copied to that content's `.sig` tag) and `untrusted`
/// (cosign, another key).
fn images(dir: &Path) -> Images {
    let reg = Registry::start(dir);
    cosign_key_pairs(dir, &["signer", "other"]);
    let sign = |key: &str, image: &str| cosign_with_key("sign", &dir.join(key).join("cosign.key"), &[], false, image, dir);
    let host = reg.host.clone();
    let signed = push_tar_image(&reg, dir, "signed", "signed");
    sign("signer", &format!("{host}/signed@{signed}"));
    let unsigned = push_tar_image(&reg, dir, "unsigned", "unsigned");
    let original = push_tar_image(&reg, dir, "tampered", "original");
    sign("signer", &format!("{host}/tampered@{original}"));
    let tampered = push_tar_image(&reg, dir, "tampered", "tampered");
    let sig_tag = |d: &str| d.replace(':', "-") + ".sig";
    peer("oras", &["cp", "--from-plain-http", "--to-plain-http", &format!("{host}/tampered:{}", sig_tag(&original)), &format!("{host}/tampered:{}", sig_tag(&tampered))], dir);
    let untrusted = push_tar_image(&reg, dir, "untrusted", "untrusted");
    sign("other", &format!("{host}/untrusted@{untrusted}"));
    let images = vec![
        ("signed", format!("{host}/signed:v1"), signed, true),
        ("unsigned", format!("{host}/unsigned:v1"), unsigned, false),
        ("tampered", format!("{host}/tampered:v1"), tampered, false),
        ("untrusted", format!("{host}/untrusted:v1"), untrusted, false),
    ];
    Images { reg, images, original }
}

/// Only the trusted key, for a signature naming the repository (containers-policy.json(5)).
fn key_policy(dir: &Path) -> serde_json::Value {
    json!({"default": [{"type": "sigstoreSigned", "keyPath": dir.join("signer/cosign.pub"), "signedIdentity": {"type": "matchRepository"}}]})
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn signed_images_are_allowed_and_the_others_blocked() {
    let dir = scratch("verifier-registry");
    let Images { reg, images, original } = images(&dir);
    let log = dir.join("audit.jsonl");
    let cfg = config(&dir, &key_policy(&dir), json!({"auditLog": log, "registry": {"insecure": [reg.host], "authFiles": []}}));
    for (what, name, digest, allowed) in &images {
        let j = run_verifier(&args(name, digest), Some(descriptor(OCI_MANIFEST, digest, 512)), Some(&cfg));
        eprintln!("{what}: exit {:?} in {:?}: {}", j.exit, j.elapsed, j.reason);
        let record: serde_json::Value = serde_json::from_str(j.stderr.trim()).unwrap();
        assert_eq!(record["allowed"], *allowed, "{what}: {}", j.reason);
        assert_eq!(record["source"]["digest"], digest.as_str(), "{what}: decided on -digest");
        let repo = name.rsplit_once(':').unwrap().0;
        if *allowed {
            assert_eq!(j.exit, Some(0), "{what}: {}", j.reason);
            assert!(j.reason.starts_with(&format!("sealcheck: allowed {repo}@{digest}")), "{what}: {}", j.reason);
        } else {
            assert_blocked(&j, &format!("sealcheck: denied {repo}@{digest}: requirement 0 (sigstoreSigned) not satisfied"));
            assert_eq!(j.exit, Some(1));
        }
        assert!(j.elapsed < PER_VERIFIER_TIMEOUT / 2, "{what}: {:?}", j.elapsed);
    }
    let j = run_verifier(&args(&images[1].1, &images[1].2), Some(descriptor(OCI_MANIFEST, &images[1].2, 512)), Some(&cfg));
    assert!(j.reason.ends_with("no signatures"), "unsigned: {}", j.reason);
    // The digest containerd resolved is decided, never what the tag names now; the policy is
    // asked about `name:tag@digest`, whose tag must still name that digest
    // (`sealcheck::oci::source` `check_reference`, containers-storage's reading): `tampered:v1`
    // resolved before the tag moved is blocked, not decided on the tag's new content.
    let j = run_verifier(&args(&images[2].1, &original), Some(descriptor(OCI_MANIFEST, &original, 512)), Some(&cfg));
    assert_blocked(&j, &format!("tag \"v1\" names {} in the image source, not {original}", images[2].2));
    // Every decision is one record of the audit log (`sealcheck::audit`), in order.
    let bytes = std::fs::read(&log).unwrap();
    let summary = sealcheck::audit::verify(&bytes).unwrap_or_else(|b| panic!("audit log: {b}"));
    assert_eq!((summary.total, summary.allowed, summary.denied), (6, 1, 5));
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A containerd (v2.4.2) on temporary root, state and socket paths, with the native
/// snapshotter and `bin_dir` holding the verifier; killed on drop.
struct Containerd {
    child: Child,
    address: PathBuf,
    bin: PathBuf,
}

impl Containerd {
    fn start(dir: &Path, verifier_config: &Path) -> Self {
        let bin = PathBuf::from(std::env::var_os("SEALCHECK_CONTAINERD").expect("SEALCHECK_CONTAINERD: the directory admission/tests/build-containerd.sh built containerd and ctr into"));
        for b in ["containerd", "ctr"] {
            assert!(bin.join(b).is_file(), "{}/{b} is missing: run admission/tests/build-containerd.sh", bin.display());
        }
        let bin_dir = dir.join("verifiers");
        std::fs::create_dir_all(&bin_dir).unwrap();
        std::fs::copy(VERIFIER, bin_dir.join("sealcheck-containerd-verifier")).unwrap();
        let address = dir.join("containerd.sock");
        let config = format!(
            r#"version = 3
root = "{root}"
state = "{state}"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images", "io.containerd.nri.v1.nri"]
[grpc]
  address = "{address}"
[ttrpc]
  address = "{address}.ttrpc"
[debug]
  level = "debug"
[plugins."io.containerd.image-verifier.v1.bindir"]
  bin_dir = "{bin_dir}"
  max_verifiers = 10
  per_verifier_timeout = "10s"
[[plugins."io.containerd.transfer.v1.local".unpack_config]]
  platform = "linux/amd64"
  snapshotter = "native"
  differ = "walking"
"#,
            root = dir.join("root").display(),
            state = dir.join("state").display(),
            address = address.display(),
            bin_dir = bin_dir.display(),
        );
        std::fs::write(dir.join("containerd.toml"), config).unwrap();
        let log = std::fs::File::create(dir.join("containerd.log")).unwrap();
        let child = Command::new(bin.join("containerd"))
            .arg("--config")
            .arg(dir.join("containerd.toml"))
            .env("SEALCHECK_VERIFIER_CONFIG", verifier_config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start containerd");
        let c = Self { child, address, bin };
        for _ in 0..200 {
            if c.ctr(&["version"]).status.success() {
                return c;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("containerd did not start: {}", std::fs::read_to_string(dir.join("containerd.log")).unwrap_or_default());
    }

    fn ctr(&self, args: &[&str]) -> std::process::Output {
        Command::new(self.bin.join("ctr")).arg("--address").arg(&self.address).args(["--namespace", "sealcheck-test"]).args(args).output().expect("run ctr")
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs root, containerd and ctr v2.4.2 (admission/tests/build-containerd.sh, SEALCHECK_CONTAINERD) and the peers (SEALCHECK_PEERS) (run by .ci/run)"]
fn containerd_pulls_the_signed_image_and_blocks_the_others() {
    use std::os::unix::fs::MetadataExt as _;
    assert_eq!(std::fs::metadata("/proc/self").unwrap().uid(), 0, "containerd needs root");
    let dir = scratch("containerd");
    let Images { reg, images, .. } = images(&dir);
    let log = dir.join("audit.jsonl");
    let cfg = config(&dir, &key_policy(&dir), json!({"auditLog": log, "registry": {"insecure": [reg.host], "authFiles": []}}));
    let containerd = Containerd::start(&dir, &cfg);
    let version = containerd.ctr(&["version"]);
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.matches("2.4.2").count() >= 2, "client and server 2.4.2: {version}");
    for (what, name, digest, allowed) in &images {
        let start = Instant::now();
        // Without --local, ctr pulls through the transfer service (`cmd/ctr/commands/images/pull.go`).
        let out = containerd.ctr(&["image", "pull", "--plain-http", "--snapshotter", "native", name]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{what}: ctr exit {:?} in {:?}: {}", out.status.code(), start.elapsed(), stderr.trim());
        let listed = String::from_utf8_lossy(&containerd.ctr(&["image", "ls", "-q"]).stdout).lines().any(|l| l == name);
        if *allowed {
            assert!(out.status.success(), "{what}: {stderr}");
            assert!(listed, "{what}: pulled but not listed");
        } else {
            assert!(!out.status.success(), "{what}: pulled");
            let repo = name.rsplit_once(':').unwrap().0;
            // core/transfer/local/pull.go and bindir.go: "image verifier bindir blocked pull of NAME with digest D for reason:
            // verifier BIN rejected image (exit code 1): REASON".
            for says in [
                format!("blocked pull of {name} with digest {digest}"),
                "verifier sealcheck-containerd-verifier rejected image (exit code 1)".to_string(),
                format!("sealcheck: denied {repo}@{digest}: requirement 0 (sigstoreSigned) not satisfied"),
            ] {
                assert!(stderr.contains(&says), "{what}: ctr's error does not say {says:?}: {stderr}");
            }
            assert!(!listed, "{what}: listed although blocked");
        }
    }
    let summary = sealcheck::audit::verify(&std::fs::read(&log).unwrap()).unwrap_or_else(|b| panic!("audit log: {b}"));
    assert_eq!((summary.total, summary.allowed, summary.denied), (4, 1, 3));
    // The trap the README names: with an empty bin_dir, containerd allows every pull
    // (`bindir.go` `VerifyImage`: "no image verifier binaries found"); it lists the directory
    // on each pull.
    std::fs::remove_file(dir.join("verifiers/sealcheck-containerd-verifier")).unwrap();
    let out = containerd.ctr(&["image", "pull", "--plain-http", "--snapshotter", "native", &images[1].1]);
    assert!(out.status.success(), "an empty bin_dir blocked the unsigned image: {}", String::from_utf8_lossy(&out.stderr));
    drop(containerd);
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `host/repo:v1`, an OCI image index (`oras manifest index create`, which reads each entry's
/// platform from its config) of a linux/amd64 and a linux/arm64 image; the digests of the index
/// and of the amd64 manifest.
fn push_index(reg: &Registry, dir: &Path, repo: &str) -> (String, String) {
    let amd64 = push_platform_tar_image(reg, dir, repo, "amd64", &format!("{repo} amd64"), "amd64");
    push_platform_tar_image(reg, dir, repo, "arm64", &format!("{repo} arm64"), "arm64");
    let target = format!("{}/{repo}:v1", reg.host);
    peer("oras", &["manifest", "index", "create", "--plain-http", &target, "amd64", "arm64"], dir);
    let index = peer("oras", &["resolve", "--plain-http", &target], dir).trim().to_string();
    let listed: serde_json::Value = serde_json::from_str(&peer("oras", &["manifest", "fetch", "--plain-http", &target], dir)).unwrap();
    assert_eq!(listed["mediaType"], "application/vnd.oci.image.index.v1+json", "{listed}");
    let platforms: Vec<String> = listed["manifests"].as_array().unwrap().iter().map(|m| format!("{}/{}", m["platform"]["os"].as_str().unwrap(), m["platform"]["architecture"].as_str().unwrap())).collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"], "{listed}");
    (index, amd64)
}

/// A multi-platform tag through a real containerd. containerd resolves the tag to the index and
/// passes that descriptor to the verifiers before fetching anything else
/// (`core/transfer/local/pull.go` `pull`: `ir.Resolve`, then `VerifyImage(ctx, name, desc)`;
/// `bindir.go` `runVerifier`: `-digest desc.Digest`), whatever `--platform` selects afterwards.
/// sealcheck decides on that digest, as the README's "containerd" section documents ("A
/// multi-platform tag is decided on the index containerd resolved (cosign signs what the tag
/// names)"): the verifier is told nothing of the platform containerd will unpack, and the index
/// binds every platform manifest's digest, so a signature on the index is what is checked and a
/// signature on one platform manifest alone does not make the index signed. (containers/image
/// differs here: for `name@indexdigest` it checks the platform instance it copies,
/// `copy/copy.go` `UnparsedInstance(rawSource, &instanceDigest)` → `copy/single.go`
/// `IsRunningImageAllowed(unparsedImage)`, whose signatures are the instance's.)
#[test]
#[ignore = "needs root, containerd and ctr v2.4.2 (admission/tests/build-containerd.sh, SEALCHECK_CONTAINERD) and the peers (SEALCHECK_PEERS) (run by .ci/run)"]
fn containerd_decides_a_multi_platform_tag_on_its_index() {
    use std::os::unix::fs::MetadataExt as _;
    assert_eq!(std::fs::metadata("/proc/self").unwrap().uid(), 0, "containerd needs root");
    let dir = scratch("containerd-index");
    let reg = Registry::start(&dir);
    cosign_key_pairs(&dir, &["signer"]);
    let sign = |image: &str| cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], false, image, &dir);
    let host = reg.host.clone();
    // The index signed (not its platform manifests); and an index whose amd64 manifest is
    // signed but the index itself is not.
    let (signed_index, _) = push_index(&reg, &dir, "multi-signed");
    sign(&format!("{host}/multi-signed@{signed_index}"));
    let (unsigned_index, amd64) = push_index(&reg, &dir, "multi-platform-signed");
    sign(&format!("{host}/multi-platform-signed@{amd64}"));
    let log = dir.join("audit.jsonl");
    let cfg = config(&dir, &key_policy(&dir), json!({"auditLog": log, "registry": {"insecure": [host], "authFiles": []}}));
    let containerd = Containerd::start(&dir, &cfg);
    let cases = [("index signed", format!("{host}/multi-signed:v1"), &signed_index, true), ("only amd64 signed", format!("{host}/multi-platform-signed:v1"), &unsigned_index, false)];
    for (what, name, index, allowed) in &cases {
        let start = Instant::now();
        let out = containerd.ctr(&["image", "pull", "--plain-http", "--snapshotter", "native", "--platform", "linux/amd64", name]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{what}: ctr exit {:?} in {:?}: {}", out.status.code(), start.elapsed(), stderr.trim());
        // `ctr image ls`: REF TYPE DIGEST …; the image record's target is the index.
        let ls = String::from_utf8_lossy(&containerd.ctr(&["image", "ls"]).stdout).into_owned();
        let listed = ls.lines().find(|l| l.split_whitespace().next() == Some(name.as_str())).map(str::to_string);
        let repo = name.rsplit_once(':').unwrap().0;
        if *allowed {
            assert!(out.status.success(), "{what}: {stderr}");
            let line = listed.unwrap_or_else(|| panic!("{what}: pulled but not listed: {ls}"));
            assert!(line.contains(index.as_str()) && line.contains("application/vnd.oci.image.index.v1+json"), "{what}: the image is the index: {line}");
        } else {
            assert!(!out.status.success(), "{what}: pulled");
            // As for the single-platform images: pull.go's and bindir.go's wording around
            // sealcheck's reason, which names the index digest and its missing signature.
            for says in [
                format!("blocked pull of {name} with digest {index}"),
                "verifier sealcheck-containerd-verifier rejected image (exit code 1)".to_string(),
                format!("sealcheck: denied {repo}@{index}: requirement 0 (sigstoreSigned) not satisfied"),
                "no signatures".to_string(),
            ] {
                assert!(stderr.contains(&says), "{what}: ctr's error does not say {says:?}: {stderr}");
            }
            assert!(listed.is_none(), "{what}: listed although blocked: {ls}");
        }
    }
    // The verifier was run once per pull with `-digest` the index: each audit record
    // (`sealcheck::audit`) decided the index itself, not a platform manifest chosen from it.
    let text = std::fs::read_to_string(&log).unwrap();
    sealcheck::audit::verify(text.as_bytes()).unwrap_or_else(|b| panic!("audit log: {b}"));
    let records: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), cases.len(), "{text}");
    for (record, (what, name, index, allowed)) in records.iter().zip(&cases) {
        let d = &record["decision"];
        assert_eq!(d["allowed"], *allowed, "{what}: {d}");
        assert_eq!(d["manifest_digest"], index.as_str(), "{what}: decided on -digest, the index: {d}");
        assert!(d["index_digest"].is_null(), "{what}: no platform manifest was chosen from it: {d}");
        assert_eq!(d["reference"], format!("{name}@{index}"), "{what}: asked as name:tag@digest");
    }
    drop(containerd);
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}
