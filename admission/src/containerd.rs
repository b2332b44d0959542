//! containerd 2.x's image verifier protocol, `io.containerd.image-verifier.v1.bindir`
//! (`pkg/imageverifier/bindir/bindir.go` `runVerifier`, `core/transfer/local/pull.go`): containerd
//! execs every file of its `bin_dir` as `<bin> -name <ref> -digest <digest> -stdin-media-type
//! application/vnd.oci.descriptor.v1+json`, writes the image's OCI descriptor on stdin, keeps
//! at most 32 KiB of stdout (trimmed) as the reason and of stderr as debug log, kills the
//! verifier at `per_verifier_timeout` (default 10 s), and allows the pull only on exit 0.
//!
//! sealcheck's verifier ([`main`], the `sealcheck-containerd-verifier` binary): the flags exactly
//! (Go `flag` syntax: one or two dashes, `-f v` or `-f=v`; each once; nothing else), the
//! descriptor (at most [`MAX_DESCRIPTOR_BYTES`], strict, an image manifest or index, its digest
//! `-digest`), the configuration from [`CONFIG_ENV`] or [`DEFAULT_CONFIG`], then
//! [`crate::Admitter::admit`] on `name` pinned at `digest`. Its own deadline
//! ([`crate::config::AdmissionConfig::deadline`]) is kept by a watchdog thread that reports the
//! block and ends the process even while a fetch hangs. Exit 0 allowed, 1 denied, 2 anything
//! that reached no decision; the reason on stdout, the JSON record on stderr.

use std::ffi::OsString;
use std::io::{Read, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use serde::Deserialize;

use sealcheck::oci::OciDigest;
use sealcheck::oci::manifest::{DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use sealcheck::{CryptoProvider, Error, ErrorClass, FactCache, Input, UnixTime};

use crate::Admitter;
use crate::config::{AdmissionConfig, DEFAULT_DEADLINE};

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "SEALCHECK_VERIFIER_CONFIG";
/// The configuration file read when [`CONFIG_ENV`] is unset or empty.
pub const DEFAULT_CONFIG: &str = "/etc/sealcheck/containerd-verifier.json";
/// The only `-stdin-media-type` containerd sends (`ocispec.MediaTypeDescriptor`).
pub const DESCRIPTOR_MEDIA_TYPE: &str = "application/vnd.oci.descriptor.v1+json";
/// What containerd keeps of stdout and stderr (`outputLimitBytes`).
pub const OUTPUT_LIMIT: usize = 1 << 15;
/// The largest descriptor read from stdin.
pub const MAX_DESCRIPTOR_BYTES: usize = 64 * 1024;
/// What the registry fetches leave of the deadline for deciding, recording and reporting.
const REPORT_MARGIN: Duration = Duration::from_secs(1);

/// The arguments containerd passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `-name`: the reference as the pull named it.
    pub name: String,
    /// `-digest`: what containerd resolved it to.
    pub digest: OciDigest,
    /// `-stdin-media-type`.
    pub stdin_media_type: String,
}

fn usage(why: impl Into<String>) -> Error {
    Error::Usage(format!("containerd verifier arguments: {}", why.into()))
}

impl Invocation {
    /// Parses the arguments after the program name as Go's `flag` package reads them
    /// (`flag.go` `parseOne`: `-f`/`--f`, value as `-f=v` or the next argument, `--` ends the
    /// flags), with sealcheck's stricter rules: only `name`, `digest` and `stdin-media-type`,
    /// each exactly once, no other argument, and the media type containerd sends.
    pub fn parse(args: &[OsString]) -> sealcheck::Result<Self> {
        let (mut name, mut digest, mut media) = (None, None, None);
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let arg = arg.to_str().ok_or_else(|| usage(format!("{arg:?} is not UTF-8")))?;
            if arg == "--" {
                if let Some(extra) = args.next() {
                    return Err(usage(format!("unexpected argument {extra:?}")));
                }
                break;
            }
            let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')).filter(|f| !f.is_empty() && !f.starts_with('-')) else {
                return Err(usage(format!("unexpected argument {arg:?}")));
            };
            let (flag, value) = match flag.split_once('=') {
                Some((f, v)) => (f, v.to_string()),
                None => {
                    let v = args.next().ok_or_else(|| usage(format!("flag -{flag} needs a value")))?;
                    (flag, v.to_str().ok_or_else(|| usage(format!("-{flag} {v:?} is not UTF-8")))?.to_string())
                }
            };
            let slot = match flag {
                "name" => &mut name,
                "digest" => &mut digest,
                "stdin-media-type" => &mut media,
                other => return Err(usage(format!("unknown flag -{other}"))),
            };
            if slot.replace(value).is_some() {
                return Err(usage(format!("flag -{flag} given twice")));
            }
        }
        let (Some(name), Some(digest), Some(stdin_media_type)) = (name, digest, media) else {
            return Err(usage("-name, -digest and -stdin-media-type are required"));
        };
        if stdin_media_type != DESCRIPTOR_MEDIA_TYPE {
            return Err(usage(format!("-stdin-media-type {stdin_media_type:?} is not {DESCRIPTOR_MEDIA_TYPE}")));
        }
        let digest = OciDigest::parse(&digest).map_err(|e| usage(format!("-digest {digest:?}: {e}")))?;
        Ok(Self { name, digest, stdin_media_type })
    }
}

/// An OCI descriptor (image-spec `descriptor.md`) as containerd encodes `ocispec.Descriptor`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DescriptorJson {
    media_type: String,
    digest: String,
    // The other fields are checked for their type only.
    #[serde(rename = "size")]
    _size: u64,
    #[serde(rename = "urls", default)]
    _urls: Vec<String>,
    #[serde(rename = "annotations", default)]
    _annotations: std::collections::BTreeMap<String, String>,
    #[serde(rename = "data", default)]
    _data: Option<String>,
    #[serde(rename = "platform", default)]
    _platform: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(rename = "artifactType", default)]
    _artifact_type: Option<String>,
}

/// Reads the descriptor from `stdin` (at most [`MAX_DESCRIPTOR_BYTES`]) and checks it: strict
/// JSON, an image manifest or index (OCI or Docker), and `-digest` as its digest. Every failure
/// is an input error: nothing was decided.
pub fn read_descriptor(stdin: &mut dyn Read, invocation: &Invocation) -> sealcheck::Result<()> {
    let mut check = || -> sealcheck::Result<()> {
        let mut bytes = Vec::new();
        stdin.take(MAX_DESCRIPTOR_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| Error::Io { what: "descriptor".into(), detail: e.to_string() })?;
        if bytes.len() > MAX_DESCRIPTOR_BYTES {
            return Err(Error::LimitExceeded { what: "descriptor", max: MAX_DESCRIPTOR_BYTES, got: bytes.len() });
        }
        let d: DescriptorJson = serde_json::from_slice(&bytes).map_err(|e| Error::Json { what: "descriptor", detail: e.to_string() })?;
        crate::objects(&bytes, &[""]).map_err(|detail| Error::Json { what: "descriptor", detail })?;
        if ![OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].contains(&d.media_type.as_str()) {
            return Err(Error::Json { what: "descriptor", detail: format!("mediaType {:?} is not an image manifest or index", d.media_type) });
        }
        let digest = OciDigest::parse(&d.digest)?;
        if digest != invocation.digest {
            return Err(Error::Usage(format!("the descriptor names {digest}, not -digest {}", invocation.digest)));
        }
        Ok(())
    };
    check().map_err(|e| e.loading(Input::ImageSource, "stdin"))
}

/// `reason` cut to what containerd keeps of stdout ([`OUTPUT_LIMIT`] bytes with the newline), on
/// a character boundary.
#[must_use]
pub fn limited(reason: &str) -> &str {
    let mut end = reason.len().min(OUTPUT_LIMIT - 1);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// What the verifier reports: the exit status, the reason (stdout) and the record (stderr).
struct Report {
    code: u8,
    reason: String,
    record: serde_json::Value,
}

impl Report {
    fn error(name: &str, e: &Error) -> Self {
        let error = serde_json::json!({"kind": e.cause().kind(), "class": e.class(), "code": e.code(), "message": e.to_string()});
        Self { code: 2, reason: format!("sealcheck: blocked {name}: {e}"), record: serde_json::json!({"allowed": false, "error": error}) }
    }
}

/// Set once the report is written: the first of the decision and the watchdog to get here
/// reports, the other never does.
static REPORTED: Mutex<bool> = Mutex::new(false);

/// Writes `report` unless one was written; the status to exit with.
fn emit(report: &Report) -> Option<ExitCode> {
    let mut done = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
    if *done {
        return None;
    }
    *done = true;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", limited(&report.reason)).and_then(|()| out.flush());
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", report.record).and_then(|()| err.flush());
    Some(ExitCode::from(report.code))
}

/// What the watchdog needs to report a block at the deadline.
struct Watched {
    /// Milliseconds after `start` at which the process reports a block and exits.
    deadline_ms: AtomicU64,
    start: Instant,
    name: OnceLock<(String, Option<OciDigest>)>,
    admitter: OnceLock<Admitter>,
}

/// Starts the watchdog: at the deadline it reports the block (recording it when an audit log is
/// configured) and exits with status 2, whatever the decision is doing.
fn watchdog(w: Arc<Watched>) {
    std::thread::spawn(move || {
        loop {
            let at = Duration::from_millis(w.deadline_ms.load(Ordering::Relaxed));
            let left = at.saturating_sub(w.start.elapsed());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
        let (name, pinned) = w.name.get().cloned().unwrap_or_else(|| (String::from("(no image)"), None));
        let ms = w.deadline_ms.load(Ordering::Relaxed);
        let e = Error::Io { what: "decision".into(), detail: format!("the deadline of {ms} ms passed before the image was decided") };
        let mut report = Report::error(&pinned.map_or_else(|| name.clone(), |d| format!("{name}@{d}")), &e);
        if let Some(Err(r)) = w.admitter.get().map(|a| a.record_refusal(&name, pinned, &e, UnixTime::now())) {
            report.reason = format!("{}; it was not recorded in the audit log: {r}", report.reason);
        }
        if emit(&report).is_some() {
            std::process::exit(i32::from(report.code));
        }
    });
}

/// The `sealcheck-containerd-verifier` program: its arguments, stdin and environment as
/// containerd passes them (see the module docs).
#[must_use]
pub fn main() -> ExitCode {
    let w = Arc::new(Watched {
        deadline_ms: AtomicU64::new(u64::try_from(DEFAULT_DEADLINE.as_millis()).unwrap_or(u64::MAX)),
        start: Instant::now(),
        name: OnceLock::new(),
        admitter: OnceLock::new(),
    });
    watchdog(w.clone());
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let report = decide(&args, &w);
    emit(&report).unwrap_or_else(|| {
        // The watchdog reported first and is ending the process.
        std::thread::park();
        ExitCode::from(2)
    })
}

/// One verification, as [`main`] reports it.
fn decide(args: &[OsString], w: &Watched) -> Report {
    let invocation = match Invocation::parse(args) {
        Ok(i) => i,
        Err(e) => return Report::error("(no image)", &e),
    };
    let _ = w.name.set((invocation.name.clone(), Some(invocation.digest)));
    let name = format!("{}@{}", invocation.name, invocation.digest);
    let config_path = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()).map_or_else(|| PathBuf::from(DEFAULT_CONFIG), PathBuf::from);
    let config = match AdmissionConfig::load(&config_path) {
        Ok(c) => c,
        Err(e) => return Report::error(&name, &e),
    };
    let deadline = config.deadline();
    w.deadline_ms.store(u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
    let fetch_deadline = deadline.saturating_sub(REPORT_MARGIN).max(deadline / 2).saturating_sub(w.start.elapsed());
    let admitter = match config.admitter(CryptoProvider::aws_lc(), Arc::new(FactCache::default()), fetch_deadline) {
        Ok(a) => a,
        Err(e) => return Report::error(&name, &e),
    };
    let admitter = w.admitter.get_or_init(|| admitter);
    let now = UnixTime::now();
    let admitted = read_descriptor(&mut std::io::stdin().lock(), &invocation)
        .map_err(|e| admitter.record_refusal(&invocation.name, Some(invocation.digest), &e, now).err().unwrap_or(e))
        .and_then(|()| admitter.admit(&invocation.name, Some(invocation.digest), now));
    match admitted {
        Ok(a) => {
            let mut record = serde_json::to_value(&a.decision).unwrap_or_default();
            if let Some(obj) = record.as_object_mut() {
                obj.insert("source".into(), serde_json::to_value(&a.resolved).unwrap_or_default());
            }
            let (code, verdict) = if a.decision.allowed { (0, "allowed") } else { (1, "denied") };
            Report { code, reason: format!("sealcheck: {verdict} {}: {}", a.reference, a.decision.reason), record }
        }
        Err(e) => {
            let mut r = Report::error(&name, &e);
            if e.class() == ErrorClass::Rejection {
                r.code = 1;
            }
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    /// What `bindir.go` `runVerifier` passes, and the `--` and `=` forms Go's `flag` also reads.
    #[test]
    fn containerds_arguments_are_read_in_every_form_go_flag_reads() {
        let want = Invocation { name: "127.0.0.1:5000/app:v1".into(), digest: OciDigest::parse(D).unwrap(), stdin_media_type: DESCRIPTOR_MEDIA_TYPE.into() };
        for a in [
            args(&["-name", "127.0.0.1:5000/app:v1", "-digest", D, "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE]),
            args(&["--name", "127.0.0.1:5000/app:v1", "--digest", D, "--stdin-media-type", DESCRIPTOR_MEDIA_TYPE]),
            args(&["-name=127.0.0.1:5000/app:v1", &format!("--digest={D}"), "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE, "--"]),
        ] {
            assert_eq!(Invocation::parse(&a).unwrap(), want, "{a:?}");
        }
    }

    #[test]
    fn any_other_argument_is_refused() {
        let ok = ["-name", "r.test/app:v1", "-digest", D, "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE];
        for (extra, says) in [
            (&["-operation", "pull"][..], "unknown flag -operation"),
            (&["image"], "unexpected argument \"image\""),
            (&["--", "x"], "unexpected argument \"x\""),
            (&["---name", "x"], "unexpected argument"),
            (&["-name", "r.test/other:v1"], "given twice"),
            (&["-name"], "needs a value"),
        ] {
            let a = args(&[&ok[..], extra].concat());
            let e = Invocation::parse(&a).unwrap_err();
            assert!(e.to_string().contains(says), "{a:?}: {e}");
        }
        for (a, says) in [
            (args(&["-name", "r.test/app:v1", "-digest", D]), "are required"),
            (args(&["-name", "r.test/app:v1", "-digest", D, "-stdin-media-type", "application/vnd.containerd.image-verifier.input.v1+json"]), "is not application/vnd.oci.descriptor.v1+json"),
            (args(&["-name", "r.test/app:v1", "-digest", "sha256:abc", "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE]), "-digest \"sha256:abc\""),
        ] {
            let e = Invocation::parse(&a).unwrap_err();
            assert!(e.to_string().contains(says), "{a:?}: {e}");
        }
    }

    /// The descriptor `bindir_test.go` writes, and what must not pass for it.
    #[test]
    fn the_descriptor_must_be_an_image_naming_the_digest() {
        let inv = Invocation::parse(&args(&["-name", "r.test/app:v1", "-digest", D, "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE])).unwrap();
        let good = format!(r#"{{"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","digest":"{D}","size":2048,"annotations":{{"a":"b"}}}}"#);
        read_descriptor(&mut (good.clone() + "\n").as_bytes(), &inv).unwrap();
        let other = "sha256:".to_string() + &"0".repeat(64);
        for (json, says) in [
            (good.replace(D, &other), "not -digest"),
            (good.replace("manifest.list.v2", "container.image.v1"), "is not an image manifest or index"),
            (good.replace("\"size\"", "\"sized\""), "unknown field"),
            (good[..good.len() - 1].to_string(), "malformed JSON"),
            (String::new(), "malformed JSON"),
            (format!("{good}{}", " ".repeat(MAX_DESCRIPTOR_BYTES)), "exceeds the limit"),
            // Found by fuzz/fuzz_targets/containerd_input.rs: serde reads a struct from an array.
            (format!(r#"["application/vnd.oci.image.manifest.v1+json","{D}",3]"#), "is not a JSON object"),
        ] {
            let e = read_descriptor(&mut json.as_bytes(), &inv).unwrap_err();
            assert!(e.to_string().contains(says), "{json:.80}: {e}");
        }
    }

    /// `bindir.go` keeps `outputLimitBytes` of stdout; the cut never splits a character.
    #[test]
    fn the_reason_fits_what_containerd_keeps() {
        let long = "é".repeat(OUTPUT_LIMIT);
        let cut = limited(&long);
        assert!(cut.len() < OUTPUT_LIMIT && cut.len() >= OUTPUT_LIMIT - 2 && cut.chars().all(|c| c == 'é'));
        assert_eq!(limited("short"), "short");
    }
}
