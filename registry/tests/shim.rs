//! A misbehaving registry: a small HTTP/1.1 server on 127.0.0.1 (started and stopped by each
//! test) whose answers are scripted per request and whose requests are recorded. Each
//! misbehaviour must end in an input error naming the URL and the reason, within the
//! decision's deadline, and never in evidence that allows; credentials must never reach a
//! second host.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sealcheck::oci::Reference;
use sealcheck::{CryptoProvider, ErrorClass};
use sealcheck_registry::{AuthFiles, Options, Timeouts, collect};
use sha2::Digest as _;

/// One request as received.
#[derive(Debug, Clone)]
struct Request {
    path: String,
    headers: BTreeMap<String, String>,
}

/// One scripted answer.
#[derive(Default)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Declared length when it is not the body's (a truncated body).
    content_length: Option<usize>,
    delay: Duration,
}

impl Answer {
    fn new(status: u16) -> Self {
        Self { status, ..Self::default() }
    }
    fn json(status: u16, media_type: &str, body: &[u8]) -> Self {
        Self { status, headers: vec![("Content-Type".into(), media_type.into())], body: body.to_vec(), ..Self::default() }
    }
    fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Script = dyn Fn(&Request) -> Answer + Send + Sync;

struct Shim {
    host: String,
    seen: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Shim {
    fn start(script: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script: Arc<Script> = Arc::new(script);
        let (s, st) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (s, script) = (s.clone(), script.clone());
                std::thread::spawn(move || serve(conn, &s, &*script));
            }
        });
        Self { host, seen, stop }
    }

    fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.host);
    }
}

fn serve(conn: TcpStream, seen: &Mutex<Vec<Request>>, script: &Script) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let req = Request { path, headers };
    seen.lock().unwrap().push(req.clone());
    let a = script(&req);
    std::thread::sleep(a.delay);
    let mut out = conn;
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\nContent-Length: {}\r\n", a.status, a.content_length.unwrap_or(a.body.len()));
    for (k, v) in &a.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&a.body);
    let _ = out.flush();
    let _ = out.shutdown(std::net::Shutdown::Both);
    let _ = reader.read(&mut [0u8; 1]);
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn digest(b: &[u8]) -> String {
    format!("sha256:{}", sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>())
}

fn manifest(layer: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(b"{}"), "size": 2 },
        "layers": [{ "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": digest(layer), "size": layer.len(),
                     "annotations": { "dev.cosignproject.cosign/signature": "MEUCIQ==" } }]
    }))
    .unwrap()
}

fn options(host: &str, total: Duration) -> Options {
    Options { insecure: vec![host.to_string()], auth_files: AuthFiles(Vec::new()), timeouts: Timeouts { total, ..Timeouts::default() }, ..Options::default() }
}

/// Collects `repo:v1` from the shim and returns the error, which must be an input error.
#[track_caller]
fn refused(host: &str, total: Duration) -> String {
    let r = Reference::parse(&format!("{host}/repo:v1")).unwrap();
    let started = Instant::now();
    let e = collect(&r, r.clone(), &options(host, total), &CryptoProvider::default()).map(|_| ()).expect_err("a misbehaving registry must not yield evidence");
    assert!(started.elapsed() < total + Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(e.class(), ErrorClass::Input, "{e}");
    e.to_string()
}

#[test]
fn a_manifest_whose_digest_header_lies_is_refused() {
    let image = manifest(b"layer");
    let shim = Shim::start(move |_| Answer::json(200, OCI_MANIFEST, &image).header("Docker-Content-Digest", &digest(b"other")));
    let e = refused(&shim.host, Duration::from_secs(10));
    assert!(e.contains("Docker-Content-Digest") && e.contains("/v2/repo/manifests/v1"), "{e}");
}

#[test]
fn a_manifest_not_matching_the_digest_asked_is_refused() {
    let image = manifest(b"layer");
    let shim = Shim::start(move |_| Answer::json(200, OCI_MANIFEST, &image));
    let r = Reference::parse(&format!("{}/repo@{}", shim.host, digest(b"something else"))).unwrap();
    let e = collect(&r, r.clone(), &options(&shim.host, Duration::from_secs(10)), &CryptoProvider::default()).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains("is not sha256:"), "{e}");
}

#[test]
fn an_oversized_manifest_is_refused_before_it_is_read() {
    let shim = Shim::start(|_| Answer { content_length: Some(5 * 1024 * 1024), ..Answer::json(200, OCI_MANIFEST, b"{") });
    let e = refused(&shim.host, Duration::from_secs(10));
    assert!(e.contains("exceeds the limit of 4194304"), "{e}");
}

#[test]
fn a_truncated_body_is_refused() {
    let image = manifest(b"layer");
    let shim = Shim::start(move |_| Answer { content_length: Some(image.len() + 100), ..Answer::json(200, OCI_MANIFEST, &image) });
    let e = refused(&shim.host, Duration::from_secs(10));
    assert!(e.contains("/v2/repo/manifests/v1"), "{e}");
}

#[test]
fn too_many_requests_past_the_deadline_is_refused() {
    let shim = Shim::start(|_| Answer::new(429).header("Retry-After", "3600"));
    let e = refused(&shim.host, Duration::from_secs(5));
    assert!(e.contains("status 429") && e.contains("deadline"), "{e}");
    // 5xx: retried a bounded number of times, then the status is the error.
    let shim = Shim::start(|_| Answer::new(503));
    let e = refused(&shim.host, Duration::from_secs(10));
    assert!(e.contains("status 503"), "{e}");
    assert_eq!(shim.requests().len(), 3, "three attempts");
}

#[test]
fn a_slow_registry_ends_at_the_deadline() {
    let shim = Shim::start(|_| Answer { delay: Duration::from_secs(30), ..Answer::new(200) });
    let e = refused(&shim.host, Duration::from_secs(2));
    assert!(e.contains("/v2/repo/manifests/v1"), "{e}");
}

/// The image, its `.sig` tag and the signature layer; referrers answered by `referrers`.
fn registry_with(referrers: impl Fn(&Request) -> Answer + Send + Sync + 'static, blob_host: Option<String>) -> (Shim, String) {
    let sig = b"{\"critical\":{}}".to_vec();
    let image = manifest(b"image layer");
    let sig_manifest = manifest(&sig);
    let image_digest = digest(&image);
    let sig_tag = format!("/v2/repo/manifests/{}.sig", image_digest.replace(':', "-"));
    let layer_path = format!("/v2/repo/blobs/{}", digest(&sig));
    let shim = Shim::start(move |r| {
        if r.headers.get("authorization").map(String::as_str) != Some("Basic dXNlcjpwdw==") {
            return Answer::new(401).header("WWW-Authenticate", "Basic realm=\"shim\"");
        }
        match r.path.as_str() {
            "/v2/repo/manifests/v1" => Answer::json(200, OCI_MANIFEST, &image),
            p if p == sig_tag => Answer::json(200, OCI_MANIFEST, &sig_manifest),
            p if p == layer_path => match &blob_host {
                Some(h) => Answer::new(307).header("Location", &format!("http://{h}/blob")),
                None => Answer::json(200, "application/octet-stream", &sig),
            },
            p if p.starts_with("/v2/repo/referrers/") => referrers(r),
            _ => Answer::new(404),
        }
    });
    (shim, image_digest)
}

fn auth_file(dir: &std::path::Path, host: &str) -> AuthFiles {
    std::fs::create_dir_all(dir).unwrap();
    let f = dir.join("auth.json");
    std::fs::write(&f, format!(r#"{{"auths":{{"{host}":{{"auth":"dXNlcjpwdw=="}}}}}}"#)).unwrap();
    AuthFiles(vec![f])
}

#[test]
fn endless_referrers_pagination_is_refused() {
    let page = serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [] })).unwrap();
    let (shim, image) = registry_with(
        move |r| {
            let n: u32 = r.path.rsplit_once("last=").map_or(0, |(_, n)| n.parse().unwrap_or(0));
            Answer::json(200, "application/vnd.oci.image.index.v1+json", &page).header("Link", &format!("</v2/repo/referrers/x?last={}>; rel=\"next\"", n + 1))
        },
        None,
    );
    let dir = std::env::temp_dir().join(format!("sealcheck-shim-pages-{}", std::process::id()));
    let r = Reference::parse(&format!("{}/repo:v1", shim.host)).unwrap();
    let o = Options { auth_files: auth_file(&dir, &shim.host), ..options(&shim.host, Duration::from_secs(10)) };
    let e = collect(&r, r.clone(), &o, &CryptoProvider::default()).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input, "{e}");
    assert!(e.to_string().contains("referrers pages"), "{e}");
    assert!(shim.requests().iter().filter(|q| q.path.contains("/referrers/")).count() <= 2 * sealcheck_registry::MAX_REFERRER_PAGES, "bounded");
    let _ = image;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Basic credentials reach the registry, and not the blob host it redirects to; without
/// credentials the registry's 401 is an input error.
#[test]
fn credentials_never_reach_a_second_host() {
    let blobs = Shim::start(|_| Answer::json(200, "application/octet-stream", b"{\"critical\":{}}"));
    let (shim, image) = registry_with(|_| Answer::new(404), Some(blobs.host.clone()));
    let dir = std::env::temp_dir().join(format!("sealcheck-shim-creds-{}", std::process::id()));
    let r = Reference::parse(&format!("{}/repo:v1", shim.host)).unwrap();
    let o = Options { auth_files: auth_file(&dir, &shim.host), ..options(&shim.host, Duration::from_secs(10)) };
    let (ev, resolved) = collect(&r, r.clone(), &o, &CryptoProvider::default()).expect("evidence");
    assert_eq!(resolved.digest.to_string(), image);
    assert_eq!(ev.items().len(), 1, "the .sig layer, fetched through the redirect");
    let to_blobs = blobs.requests();
    assert_eq!(to_blobs.len(), 1);
    assert!(to_blobs.iter().all(|q| !q.headers.contains_key("authorization")), "credentials leaked: {to_blobs:?}");
    assert!(shim.requests().iter().any(|q| q.headers.contains_key("authorization")), "the registry got them");
    let e = refused(&shim.host, Duration::from_secs(10));
    assert!(e.contains("status 401") && e.contains("none are configured"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
