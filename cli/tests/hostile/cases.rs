//! The hostile-input matrix: every file the `sealcheck` command line reads, replaced in turn by
//! a FIFO, a symlink to `/dev/zero`, a directory, an oversized file, and a symlink out of its
//! layout (for files inside a layout) or nothing (for files named on the command line or in a
//! policy); layouts that are missing or files; the evidence budget; controls that allow. Shared by the test (`tests/hostile.rs`: each case is an input error, exit
//! 2, never an allow) and the bench (`benches/hostile.rs`: time and peak memory of each case).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One hostile invocation.
pub struct Case {
    pub name: String,
    pub args: Vec<String>,
    /// The exit status: 2 (an input error) for every file the command line or a policy names
    /// and every file of a layout; 1 (rejected) for an oversized bundle or artifact, which are
    /// evidence under verification, refused with the same limit as the library and C/WASM surfaces
    /// refuse bytes handed to them.
    pub exit: i32,
    /// What the message must name: the hostile file's path, or for an oversized file the limit.
    pub names: String,
}

/// How a file is replaced.
#[derive(Clone, Copy, Debug)]
pub enum Hostile {
    Fifo,
    DevZero,
    OutsideLayout,
    Oversized(u64),
    /// Absent (for files the command line or a policy names: an input error, not a denial).
    Missing,
    /// A directory where a file is expected.
    Directory,
}

pub fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors")
}

fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!("sealcheck-hostile-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Replaces `path` (which may exist) as `how` says; `outside` is a regular file outside any layout.
fn make(path: &Path, how: Hostile, outside: &Path) {
    let _ = std::fs::remove_file(path);
    match how {
        Hostile::Fifo => assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success()),
        Hostile::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Hostile::OutsideLayout => std::os::unix::fs::symlink(outside, path).unwrap(),
        // Sparse: no disk is used, but the size is what a reader sees.
        Hostile::Oversized(n) => std::fs::File::create(path).unwrap().set_len(n).unwrap(),
        Hostile::Missing => {}
        Hostile::Directory => std::fs::create_dir(path).unwrap(),
    }
}

use sealcheck::limits::{MAX_ARTIFACT_BYTES, MAX_BUNDLE_BYTES, MAX_EVIDENCE_BYTES, MAX_KEY_FILE_BYTES, MAX_MANIFEST_BYTES, MAX_POLICY_BYTES, MAX_REFERRER_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, MAX_TRUSTED_ROOT_BYTES};

/// Every case. `oversized` sizes are one byte past each limit of `sealcheck::limits`.
pub fn all() -> Vec<Case> {
    let v = vectors();
    let conf = v.join("sigstore-conformance/test/assets/bundle-verify");
    let fx = v.join("container-libs/image/signature/fixtures");
    let s = |p: &Path| p.display().to_string();
    let issuer = "https://token.actions.githubusercontent.com".to_string();
    let identity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main".to_string();
    let mut out = Vec::new();
    // Inside a layout, a missing file is part of the format (no manifest: denied; the first
    // missing signature-N ends the list), so only named files are also tried missing.
    let kinds = |limit: usize, layout: bool| {
        let mut k = vec![Hostile::Fifo, Hostile::DevZero, Hostile::Oversized(limit as u64 + 1), Hostile::Directory];
        k.push(if layout { Hostile::OutsideLayout } else { Hostile::Missing });
        k
    };

    // verify-bundle: the bundle, the trusted root, the key, the artifact.
    let bundle_args = |bundle: &Path, root: Option<&Path>, key: Option<&Path>, artifact: &Path| {
        let mut a = vec!["verify-bundle".to_string(), "--bundle".into(), s(bundle)];
        if let Some(r) = root {
            a.extend(["--trusted-root".into(), s(r)]);
        }
        match key {
            Some(k) => a.extend(["--key".into(), s(k)]),
            None => a.extend(["--certificate-identity".into(), identity.clone(), "--certificate-oidc-issuer".into(), issuer.clone()]),
        }
        a.push(s(artifact));
        a
    };
    for (what, limit) in [("bundle", MAX_BUNDLE_BYTES), ("trusted-root", MAX_TRUSTED_ROOT_BYTES), ("key", MAX_KEY_FILE_BYTES), ("artifact", MAX_ARTIFACT_BYTES)] {
        for how in kinds(limit, false) {
            let d = scratch();
            let f = d.join(what);
            make(&f, how, &d);
            let a = match what {
                "bundle" => bundle_args(&f, None, None, &conf.join("a.txt")),
                "trusted-root" => bundle_args(&conf.join("happy-path-v0.3/bundle.sigstore.json"), Some(&f), None, &conf.join("a.txt")),
                "key" => bundle_args(&conf.join("managed-key-happy-path/bundle.sigstore.json"), None, Some(&f), &conf.join("a.txt")),
                _ => bundle_args(&conf.join("happy-path-v0.3/bundle.sigstore.json"), None, None, &f),
            };
            let evidence = matches!(what, "bundle" | "artifact") && matches!(how, Hostile::Oversized(_));
            out.push(Case { name: format!("verify-bundle {what} {how:?}"), args: a, exit: if evidence { 1 } else { 2 }, names: names(&f, how) });
        }
    }

    // verify: the policy, files a policy names, dir: layouts, OCI layouts.
    let verify_args = |policy: &Path, source: String| {
        vec!["verify".to_string(), "--policy".into(), s(policy), "--reference".into(), "192.168.64.2:5000/cosign-signed-single-sample".into(), source]
    };
    let accept = |d: &Path| {
        let p = d.join("accept.json");
        std::fs::write(&p, br#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
        p
    };
    for how in kinds(MAX_POLICY_BYTES, false) {
        let d = scratch();
        let f = d.join("policy.json");
        make(&f, how, &d);
        out.push(Case { name: format!("verify policy {how:?}"), args: verify_args(&f, format!("dir:{}", s(&fx.join("dir-img-cosign-valid")))), exit: 2, names: names(&f, how) });
    }
    for field in ["keyPath", "rekorPublicKeyPath", "fulcio.caPath", "pki.caRootsPath", "sealcheckKeyless.trustedRootPath"] {
        let limit = if field.starts_with("sealcheckKeyless") { MAX_TRUSTED_ROOT_BYTES } else { MAX_KEY_FILE_BYTES };
        for how in kinds(limit, false) {
            let d = scratch();
            let f = d.join("material");
            make(&f, how, &d);
            let m = s(&f);
            let cosign = s(&resolve(&fx.join("cosign.pub")));
            let req = match field {
                "keyPath" => format!(r#"{{"type":"sigstoreSigned","keyPath":"{m}"}}"#),
                "rekorPublicKeyPath" => format!(r#"{{"type":"sigstoreSigned","keyPath":"{cosign}","rekorPublicKeyPath":"{m}"}}"#),
                "fulcio.caPath" => format!(r#"{{"type":"sigstoreSigned","fulcio":{{"caPath":"{m}","oidcIssuer":"i","subjectEmail":"e"}},"rekorPublicKeyPath":"{}"}}"#, s(&resolve(&fx.join("rekor.pub")))),
                "pki.caRootsPath" => format!(r#"{{"type":"sigstoreSigned","pki":{{"caRootsPath":"{m}","subjectEmail":"e"}}}}"#),
                _ => format!(r#"{{"type":"sigstoreSigned","sealcheckKeyless":{{"trustedRootPath":"{m}","subject":"s","issuer":"i"}}}}"#),
            };
            let p = d.join("policy.json");
            // The file is named by a scope that the image does not even select: it is read anyway.
            std::fs::write(&p, format!(r#"{{"default":[{{"type":"insecureAcceptAnything"}}],"transports":{{"docker":{{"unused.example/x":[{req}]}}}}}}"#)).unwrap();
            out.push(Case { name: format!("verify policy {field} {how:?}"), args: verify_args(&p, format!("dir:{}", s(&fx.join("dir-img-cosign-valid")))), exit: 2, names: names(&f, how) });
        }
    }
    // dir: layouts: manifest.json and signature-1.
    for (file, limit) in [("manifest.json", MAX_MANIFEST_BYTES), ("signature-1", MAX_SIGNATURE_BYTES)] {
        for how in kinds(limit, true) {
            let d = scratch();
            let layout = d.join("layout");
            std::fs::create_dir_all(&layout).unwrap();
            for f in ["manifest.json", "signature-1"] {
                std::fs::copy(resolve(&fx.join("dir-img-cosign-valid").join(f)), layout.join(f)).unwrap();
            }
            let outside = d.join("outside");
            std::fs::copy(layout.join(file), &outside).unwrap();
            make(&layout.join(file), how, &outside);
            out.push(Case { name: format!("verify dir: {file} {how:?}"), args: verify_args(&accept(&d), format!("dir:{}", s(&layout))), exit: 2, names: names(&layout.join(file), how) });
        }
    }
    // The total evidence budget (finding 5): signatures each within their own limit (the
    // fixture's, padded with JSON whitespace), too many bytes together.
    let d = scratch();
    let layout = d.join("layout");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::copy(resolve(&fx.join("dir-img-cosign-valid/manifest.json")), layout.join("manifest.json")).unwrap();
    let mut padded = std::fs::read(resolve(&fx.join("dir-img-cosign-valid/signature-1"))).unwrap();
    padded.resize(MAX_SIGNATURE_BYTES, b' ');
    let n = MAX_EVIDENCE_BYTES / MAX_SIGNATURE_BYTES + 1;
    for i in 1..=n {
        std::fs::write(layout.join(format!("signature-{i}")), &padded).unwrap();
    }
    out.push(Case { name: format!("verify dir: {n} signatures of the largest size"), args: verify_args(&accept(&d), format!("dir:{}", s(&layout))), exit: 2, names: format!("exceeds the limit of {MAX_EVIDENCE_BYTES}") });
    // OCI layouts: every file a layout holds that sealcheck reads.
    for file in OciFile::ALL {
        let limit = match file {
            OciFile::Marker | OciFile::Referrer => MAX_REFERRER_MANIFEST_BYTES,
            OciFile::SigLayer | OciFile::BundleLayer => MAX_SIGNATURE_BYTES,
            OciFile::Index | OciFile::Manifest | OciFile::SigManifest => MAX_MANIFEST_BYTES,
        };
        for how in kinds(limit, true) {
            let d = scratch();
            let layout = oci_layout(&d, &fx);
            let outside = d.join("outside");
            let target = layout.file(file);
            std::fs::copy(&target, &outside).unwrap();
            make(&target, how, &outside);
            out.push(Case { name: format!("verify oci: {file:?} {how:?}"), args: verify_args(&accept(&d), format!("oci:{}:latest", s(&layout.root))), exit: 2, names: names(&target, how) });
        }
    }
    // Layouts that are not there, or not directories.
    let d = scratch();
    std::fs::write(d.join("file"), b"not a directory").unwrap();
    for (name, source) in [
        ("verify dir: missing", format!("dir:{}", s(&d.join("missing")))),
        ("verify oci: missing", format!("oci:{}:latest", s(&d.join("missing")))),
        ("verify dir: a file", format!("dir:{}", s(&d.join("file")))),
        ("verify oci: a file", format!("oci:{}:latest", s(&d.join("file")))),
    ] {
        let names = if name.ends_with("missing") { s(&d.join("missing")) } else { s(&d.join("file")) };
        out.push(Case { name: name.into(), args: verify_args(&accept(&d), source), exit: 2, names });
    }
    // Controls: the same layouts, untouched, are allowed by the accept-anything policy, so the
    // refusals above come from the hostile file and nothing else.
    let d = scratch();
    out.push(Case { name: "control oci:".into(), args: verify_args(&accept(&d), format!("oci:{}:latest", s(&oci_layout(&d, &fx).root))), exit: 0, names: "allowed".into() });
    let d = scratch();
    let layout = d.join("layout");
    std::fs::create_dir_all(&layout).unwrap();
    for f in ["manifest.json", "signature-1"] {
        std::fs::copy(resolve(&fx.join("dir-img-cosign-valid").join(f)), layout.join(f)).unwrap();
    }
    out.push(Case { name: "control dir:".into(), args: verify_args(&accept(&d), format!("dir:{}", s(&layout))), exit: 0, names: "allowed".into() });
    out
}

fn names(file: &Path, how: Hostile) -> String {
    match how {
        Hostile::Oversized(n) => format!("exceeds the limit of {}", n - 1),
        _ => file.display().to_string(),
    }
}

/// The vectors keep git symlinks as small files holding the target: follow one.
fn resolve(p: &Path) -> PathBuf {
    let bytes = std::fs::read(p).unwrap();
    if bytes.len() < 256
        && let Ok(t) = std::str::from_utf8(&bytes)
        && !t.contains(['{', '\0', '\n'])
        && p.parent().unwrap().join(t.trim()).is_file()
    {
        return p.parent().unwrap().join(t.trim());
    }
    p.to_path_buf()
}

/// The files of the OCI layout [`oci_layout`] writes.
#[derive(Clone, Copy, Debug)]
enum OciFile {
    Marker,
    Index,
    Manifest,
    SigManifest,
    SigLayer,
    Referrer,
    BundleLayer,
}

impl OciFile {
    const ALL: [Self; 7] = [Self::Marker, Self::Index, Self::Manifest, Self::SigManifest, Self::SigLayer, Self::Referrer, Self::BundleLayer];
}

struct OciLayout {
    root: PathBuf,
    blobs: Vec<(&'static str, PathBuf)>,
}

impl OciLayout {
    fn file(&self, f: OciFile) -> PathBuf {
        let blob = |name: &str| self.blobs.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        match f {
            OciFile::Marker => self.root.join("oci-layout"),
            OciFile::Index => self.root.join("index.json"),
            OciFile::Manifest => blob("manifest"),
            OciFile::SigManifest => blob("sig manifest"),
            OciFile::SigLayer => blob("sig layer"),
            OciFile::Referrer => blob("referrer"),
            OciFile::BundleLayer => blob("bundle layer"),
        }
    }
}

/// An OCI layout as `cosign save`/`oras cp` write them: the fixture's manifest tagged
/// `latest`, its `.sig` tag manifest with one simple-signing layer, and an untagged referrer
/// holding a Sigstore bundle layer. The signature and bundle are placeholders: with an
/// accept-anything policy they are read and classified, never verified.
fn oci_layout(d: &Path, fx: &Path) -> OciLayout {
    use sha2::Digest as _;
    let root = d.join("layout");
    std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    std::fs::write(root.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut blobs = Vec::new();
    let mut put = |name: &'static str, bytes: &[u8]| {
        let hex: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        let p = root.join("blobs/sha256").join(&hex);
        std::fs::write(&p, bytes).unwrap();
        blobs.push((name, p));
        (format!("sha256:{hex}"), bytes.len(), hex)
    };
    let manifest = std::fs::read(resolve(&fx.join("dir-img-cosign-valid/manifest.json"))).unwrap();
    let (md, ms, mhex) = put("manifest", &manifest);
    let (cd, cs, _) = put("config", b"{}");
    let (ld, ls, _) = put("sig layer", br#"{"critical":{}}"#);
    let sig = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cd}","size":{cs}}},"layers":[{{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"{ld}","size":{ls},"annotations":{{"dev.cosignproject.cosign/signature":"AA=="}}}}]}}"#
    );
    let (sd, ss, _) = put("sig manifest", sig.as_bytes());
    let (bd, bs, _) = put("bundle layer", br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#);
    let referrer = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{cd}","size":{cs}}},"layers":[{{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"{bd}","size":{bs}}}],"subject":{{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"{md}","size":{ms}}}}}"#
    );
    let (rd, rs, _) = put("referrer", referrer.as_bytes());
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"{md}","size":{ms},"annotations":{{"org.opencontainers.image.ref.name":"latest"}}}},{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{sd}","size":{ss},"annotations":{{"org.opencontainers.image.ref.name":"sha256-{mhex}.sig"}}}},{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{rd}","size":{rs}}}]}}"#
    );
    std::fs::write(root.join("index.json"), index).unwrap();
    OciLayout { root, blobs }
}
