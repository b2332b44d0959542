//! A misbehaving registry: a small HTTP/1.1 server on 127.0.0.1 (started and stopped by each
//! test) whose answers are scripted per request and whose requests are recorded. Each
//! misbehaviour must end in an input error naming the URL and the reason, within the
//! decision's deadline, and never in evidence that allows; credentials must never reach a
//! second host.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
mod common;

use std::time::{Duration, Instant};

use common::collect;
use common::shim::{Answer, Request, Shim};
use sealcheck::oci::Reference;
use sealcheck::{CryptoProvider, ErrorClass};
use sealcheck_registry::{AuthFiles, Options, Timeouts};
use sha2::Digest as _;

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

fn client(o: Options) -> sealcheck_registry::Registry {
    sealcheck_registry::Registry::new(o).unwrap()
}

/// An image whose tag `v1` names `image`; every other path is 404; answers keep the
/// connection open.
fn keep_alive_registry(image: Vec<u8>) -> Shim {
    Shim::start(move |r| {
        let a = if r.path == "/v2/repo/manifests/v1" { Answer::json(200, OCI_MANIFEST, &image) } else { Answer::new(404) };
        Answer { keep_alive: true, ..a }
    })
}

/// Connection reuse (issue 12): the decisions of one client share its agent, so sequential
/// requests to a host that keeps connections open (RFC 9112 §9.3, persistent connections) go
/// over one connection, across decisions.
#[test]
fn one_client_reuses_its_connections_across_decisions() {
    let shim = keep_alive_registry(manifest(b"layer"));
    let registry = client(options(&shim.host, Duration::from_secs(10)));
    let r = Reference::parse(&format!("{}/repo:v1", shim.host)).unwrap();
    for _ in 0..3 {
        registry.collect(&r, r.clone(), &CryptoProvider::default()).expect("evidence");
    }
    let requests = shim.requests().len();
    assert!(requests >= 3 * 5, "manifest, .sig, .att, referrers, referrers tag per decision: {requests}");
    assert_eq!(shim.connections(), 1, "{requests} requests over one connection");
    let stats = registry.stats();
    assert_eq!(stats.requests, requests as u64);
    assert_eq!(stats.hosts[&shim.host].requests, requests as u64);
    assert_eq!((stats.errors, stats.hosts[&shim.host].in_flight), (0, 0));
    // One client per decision (what the CLI does): a connection each.
    let before = shim.connections();
    for _ in 0..2 {
        collect(&r, r.clone(), &options(&shim.host, Duration::from_secs(10)), &CryptoProvider::default()).unwrap();
    }
    assert_eq!(shim.connections() - before, 2);
}

/// Per-host limits (issue 15, "never block on one slow registry for every request"): with one
/// request per host in flight, two decisions against a slow host take turns (it never sees two
/// requests at once), and a decision against another host is not held up by them: it is done
/// while both are still waiting.
#[test]
fn a_slow_host_does_not_delay_decisions_against_another() {
    let slow = Shim::start(|_| Answer { delay: Duration::from_secs(3), ..Answer::new(404) });
    let fast = keep_alive_registry(manifest(b"fast layer"));
    let mut o = options(&slow.host, Duration::from_secs(20));
    o.insecure.push(fast.host.clone());
    o.per_host = 1;
    let registry = std::sync::Arc::new(client(o));
    let on_slow = Reference::parse(&format!("{}/repo:v1", slow.host)).unwrap();
    let waiting: Vec<_> = (0..2)
        .map(|_| {
            let (registry, r) = (registry.clone(), on_slow.clone());
            std::thread::spawn(move || registry.collect(&r, r.clone(), &CryptoProvider::default()).map(|_| ()).unwrap_err().to_string())
        })
        .collect();
    while slow.requests().is_empty() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let on_fast = Reference::parse(&format!("{}/repo:v1", fast.host)).unwrap();
    registry.collect(&on_fast, on_fast.clone(), &CryptoProvider::default()).expect("the fast host answers");
    assert!(waiting.iter().all(|t| !t.is_finished()), "the fast decision ended before the slow ones");
    for t in waiting {
        let e = t.join().unwrap();
        assert!(e.contains(&format!("tag \"v1\" of {}/repo: not found", slow.host)), "the slow host's 404, in time: {e}");
    }
    assert_eq!(slow.most_in_flight(), 1, "one request at a time to the slow host");
    let stats = registry.stats();
    assert_eq!(stats.hosts[&slow.host].requests, 2);
    assert_eq!(stats.hosts[&fast.host].errors, 0);
}

/// The tag cache (issue 15, "a tag→digest cache with a TTL"): what a tag names is asked once
/// per TTL, `resolve` returns what the tag names (the index for a multi-platform tag), a moved
/// tag is seen once the TTL has passed, and a reference by digest never touches the cache.
#[test]
fn tags_are_cached_for_their_ttl() {
    let first = manifest(b"first");
    let second = manifest(b"second");
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{ "mediaType": OCI_MANIFEST, "digest": digest(&first), "size": first.len(), "platform": { "os": "linux", "architecture": "amd64" } }]
    }))
    .unwrap();
    let moved = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (m, f, s, i) = (moved.clone(), first.clone(), second.clone(), index.clone());
    let shim = Shim::start(move |r| {
        let tagged = if m.load(std::sync::atomic::Ordering::SeqCst) { &s } else { &f };
        let a = match r.path.as_str() {
            "/v2/repo/manifests/v1" => Answer::json(200, OCI_MANIFEST, tagged),
            "/v2/repo/manifests/multi" => Answer::json(200, "application/vnd.oci.image.index.v1+json", &i),
            p if p == format!("/v2/repo/manifests/{}", digest(&f)) => Answer::json(200, OCI_MANIFEST, &f),
            _ => Answer::new(404),
        };
        Answer { keep_alive: true, ..a }
    });
    let ttl = Duration::from_millis(1500);
    let registry = client(Options { tag_ttl: ttl, ..options(&shim.host, Duration::from_secs(10)) });
    let tagged = Reference::parse(&format!("{}/repo:v1", shim.host)).unwrap();
    let asked = |path: &str| shim.requests().iter().filter(|q| q.path == path).count();
    assert_eq!(registry.resolve(&tagged).unwrap().to_string(), digest(&first));
    let (ev, resolved) = registry.collect(&tagged, tagged.clone(), &CryptoProvider::default()).unwrap();
    assert_eq!(resolved.digest.to_string(), digest(&first));
    assert_eq!(ev.manifest(), Some(first.as_slice()));
    assert_eq!(asked("/v2/repo/manifests/v1"), 1, "asked once: the decision read the cached tag and its manifest");
    let multi = Reference::parse(&format!("{}/repo:multi", shim.host)).unwrap();
    assert_eq!(registry.resolve(&multi).unwrap().to_string(), digest(&index), "a multi-platform tag names its index");
    let (_, resolved) = registry.collect(&multi, multi.clone(), &CryptoProvider::default()).unwrap();
    assert_eq!((resolved.digest.to_string(), resolved.index.map(|d| d.to_string())), (digest(&first), Some(digest(&index))));
    moved.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(registry.resolve(&tagged).unwrap().to_string(), digest(&first), "stale until the TTL passes");
    std::thread::sleep(ttl + Duration::from_millis(200));
    assert_eq!(registry.resolve(&tagged).unwrap().to_string(), digest(&second));
    let pinned = Reference::parse(&format!("{}/repo@{}", shim.host, digest(&first))).unwrap();
    let before = (registry.stats(), shim.requests().len());
    assert_eq!(registry.resolve(&pinned).unwrap().to_string(), digest(&first));
    assert_eq!(shim.requests().len(), before.1, "a digest names itself");
    registry.collect(&pinned, pinned.clone(), &CryptoProvider::default()).unwrap();
    let after = registry.stats();
    assert_eq!((after.tag_cache_hits, after.tag_cache_misses), (before.0.tag_cache_hits, before.0.tag_cache_misses), "a digest never touches the tag cache");
    assert_eq!((after.tag_cache_hits, after.tag_cache_misses), (3, 3), "{after:?}");
}

/// Bounded parallel fetches (issue 12): the referrers of an image are fetched several at once
/// (the shim sees more than one request in flight), answered slowest-first so that they
/// finish in reverse order, and the evidence is the same, item for item and in the same
/// order, as when they are fetched one at a time.
#[test]
fn parallel_fetches_do_not_change_the_evidence() {
    const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
    let image = manifest(b"image layer");
    let subject = serde_json::json!({ "mediaType": OCI_MANIFEST, "digest": digest(&image), "size": image.len() });
    let mut paths: std::collections::HashMap<String, (Vec<u8>, Duration)> = std::collections::HashMap::new();
    let mut listed = Vec::new();
    for n in 0..6u64 {
        let bundle = format!("{{\"bundle\":{n}}}").into_bytes();
        let m = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE,
            "config": { "mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(b"{}"), "size": 2 },
            "layers": [{ "mediaType": BUNDLE, "digest": digest(&bundle), "size": bundle.len() }], "subject": subject,
        }))
        .unwrap();
        let delay = Duration::from_millis(300 - 50 * n);
        listed.push(serde_json::json!({ "mediaType": OCI_MANIFEST, "digest": digest(&m), "size": m.len(), "artifactType": BUNDLE }));
        paths.insert(format!("/v2/repo/manifests/{}", digest(&m)), (m, delay));
        paths.insert(format!("/v2/repo/blobs/{}", digest(&bundle)), (bundle, delay));
    }
    let referrers = serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": listed })).unwrap();
    paths.insert("/v2/repo/manifests/v1".into(), (image.clone(), Duration::ZERO));
    paths.insert(format!("/v2/repo/referrers/{}", digest(&image)), (referrers, Duration::ZERO));
    let shim = Shim::start(move |r| match paths.get(&r.path) {
        Some((body, delay)) => Answer { delay: *delay, keep_alive: true, ..Answer::json(200, if r.path.contains("/blobs/") { "application/octet-stream" } else if r.path.contains("/referrers/") { "application/vnd.oci.image.index.v1+json" } else { OCI_MANIFEST }, body) },
        None => Answer { keep_alive: true, ..Answer::new(404) },
    });
    let r = Reference::parse(&format!("{}/repo:v1", shim.host)).unwrap();
    let evidence = |parallel: usize| {
        let before = shim.requests().len();
        let (ev, _) = client(Options { parallel_fetches: parallel, ..options(&shim.host, Duration::from_secs(20)) }).collect(&r, r.clone(), &CryptoProvider::default()).unwrap();
        (ev, shim.requests().len() - before)
    };
    let (one_at_a_time, sequential_requests) = evidence(1);
    assert_eq!(shim.most_in_flight(), 1);
    assert_eq!(one_at_a_time.items().len(), 6, "six bundles");
    let (parallel, parallel_requests) = evidence(sealcheck_registry::MAX_PARALLEL_FETCHES);
    assert!(shim.most_in_flight() > 1 && shim.most_in_flight() <= sealcheck_registry::MAX_PARALLEL_FETCHES, "{} in flight", shim.most_in_flight());
    assert_eq!(parallel.items(), one_at_a_time.items(), "the same evidence in the same order");
    assert_eq!(parallel.manifest(), one_at_a_time.manifest());
    assert_eq!(parallel_requests, sequential_requests, "nothing fetched twice");
}

/// The evidence cache (issue 15, warm decisions): a failure is not cached (the next decision
/// asks the registry again); within the TTL a second decision on the same image makes no
/// request at all, by tag (resolved through the tag cache) and by digest, and is handed the
/// same evidence; another reference asked about is its own entry; once the TTL has passed the
/// evidence is gathered again, so a signature attached since is seen.
#[test]
fn evidence_is_cached_for_its_ttl_and_failures_are_not() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let image = manifest(b"image layer");
    let payload = b"{\"critical\":{}}".to_vec();
    let sig_manifest = manifest(&payload);
    let (by_digest, sig_tag, layer) = (format!("/v2/repo/manifests/{}", digest(&image)), format!("/v2/repo/manifests/{}.sig", digest(&image).replace(':', "-")), format!("/v2/repo/blobs/{}", digest(&payload)));
    let (failing, signed) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicBool::new(false)));
    let (f, s) = (failing.clone(), signed.clone());
    let shim = Shim::start(move |r| {
        let a = match r.path.as_str() {
            _ if f.load(Ordering::SeqCst) => Answer::new(404),
            p if p == "/v2/repo/manifests/v1" || p == by_digest => Answer::json(200, OCI_MANIFEST, &image),
            p if p == sig_tag && s.load(Ordering::SeqCst) => Answer::json(200, OCI_MANIFEST, &sig_manifest),
            p if p == layer => Answer::json(200, "application/octet-stream", &payload),
            _ => Answer::new(404),
        };
        Answer { keep_alive: true, ..a }
    });
    let ttl = Duration::from_secs(4);
    let registry = client(Options { tag_ttl: Duration::from_secs(60), evidence_ttl: ttl, ..options(&shim.host, Duration::from_secs(10)) });
    let tagged = Reference::parse(&format!("{}/repo:v1", shim.host)).unwrap();
    let pinned = Reference::parse(&format!("{}/repo@{}", shim.host, digest(&manifest(b"image layer")))).unwrap();
    let decide = |r: &Reference, asked: &Reference| {
        let before = shim.requests().len();
        let out = registry.collect(r, asked.clone(), &CryptoProvider::default());
        (out, shim.requests().len() - before)
    };
    let (failed, requests) = decide(&tagged, &tagged);
    assert!(failed.is_err() && requests > 0);
    failing.store(false, Ordering::SeqCst);
    let (first, requests) = decide(&tagged, &tagged);
    let (first, _) = first.expect("the failure was not cached: asked again");
    assert!(requests >= 5, "manifest, .sig, .att, referrers, referrers tag: {requests}");
    assert_eq!(first.items().len(), 0, "not signed yet");
    signed.store(true, Ordering::SeqCst);
    assert!(decide(&pinned, &pinned).1 > 0, "by digest: its own entry");
    let (again, requests) = decide(&tagged, &tagged);
    assert_eq!(requests, 0, "a warm decision by tag sends nothing");
    assert_eq!((again.as_ref().unwrap().0.manifest(), again.as_ref().unwrap().0.items().len()), (first.manifest(), 0), "the evidence cached, up to the TTL stale");
    let (again, requests) = decide(&pinned, &pinned);
    assert_eq!((requests, again.unwrap().1.digest.to_string()), (0, digest(&manifest(b"image layer"))), "nor by digest");
    let other = Reference::parse(&format!("{}/mirror/repo:v1", shim.host)).unwrap();
    assert!(decide(&tagged, &other).1 > 0, "another reference asked about is gathered for itself");
    let stats = registry.stats();
    assert_eq!((stats.evidence_cache_hits, stats.evidence_cache_misses), (2, 3), "{stats:?}");
    std::thread::sleep(ttl + Duration::from_millis(200));
    let (fresh, requests) = decide(&tagged, &tagged);
    assert!(requests > 0);
    let (fresh, _) = fresh.unwrap();
    assert_eq!(fresh.items().len(), 1, "after the TTL the new signature is seen: {:?}", fresh.items().iter().map(|f| &f.origin).collect::<Vec<_>>());
    // Off (the default, as the CLI runs): nothing is kept or counted.
    let off = client(options(&shim.host, Duration::from_secs(10)));
    for _ in 0..2 {
        off.collect(&tagged, tagged.clone(), &CryptoProvider::default()).unwrap();
    }
    assert_eq!((off.stats().evidence_cache_hits, off.stats().evidence_cache_misses), (0, 0));
}
