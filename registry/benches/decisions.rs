//! Decisions per second and latency (p50, p99, max) for 100 signed images on the real registry
//! (registries issue, acceptance 6): a distribution v3 `registry` on 127.0.0.1, 100 distinct
//! one-layer images pushed with `oras` and each signed by the real `cosign` v3.1.3 with a key,
//! offline (even images in the legacy `.sig` form, odd ones as v3 bundles under the referrers
//! fallback tag), decided by tag under a policy that requires the key's signature
//! (`sigstoreSigned`, `keyData`, `sealcheckMatchDigest`: cosign v3 bundles name no repository).
//! Sequential and on 2 and 8 threads:
//!
//! - cold: per decision, the policy compiled, a new client and an empty fact cache (a one-shot
//!   `sealcheck verify docker://…` minus process start);
//! - warm: one client and one fact cache for all 100, timed on the second pass (tag→digest
//!   cached, connections reused, facts cached);
//! - warm-evidence: the same with the evidence cache on (`Options::evidence_ttl`, as `sealcheck
//!   serve` runs): the second pass asks the registry nothing.
//!
//! Prints the setup time and the load average (the figures are wall-clock ones), one row per
//! case, and exits non-zero if any decision is not an allow (or if the peers
//! are missing). `SEALCHECK_PEERS=target/peers cargo bench -p sealcheck-registry --bench decisions`

#[path = "../../tests/support/peers.rs"]
#[allow(dead_code)] // push_image, peer_path: the tests use them
mod peers;
#[path = "../tests/common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use peers::{Registry, cosign_key_pairs, cosign_with_key, scratch};
use sealcheck::cache::FactCache;
use sealcheck::oci::Reference;
use sealcheck::policy::{FsFiles, containers};
use sealcheck::{CryptoProvider, ImageVerifier, UnixTime};
use sealcheck_registry::{Options, Registry as Client};
use serde_json::json;

/// Images pushed and signed.
const IMAGES: usize = 100;
/// Thread counts measured.
const THREADS: [usize; 3] = [1, 2, 8];
/// Workers pushing (`oras`) and signing (`cosign`) while the images are prepared (a cosign run
/// spends most of its ~0.7 s per signature waiting, not computing).
const SETUP_JOBS: usize = 10;

/// One timed case: its latencies and the wall time of the pass.
struct Measured {
    latencies: Vec<Duration>,
    wall: Duration,
    failures: Vec<String>,
}

/// The nearest-rank `p`th percentile of sorted `v`.
fn percentile(v: &[Duration], p: usize) -> Duration {
    v[(v.len() * p).div_ceil(100).clamp(1, v.len()) - 1]
}

/// Runs `decide(i)` for every image on `threads` threads (workers take the next index), timing
/// each call and the whole pass. `decide` returns whether the decision allowed, or why not.
fn pass(threads: usize, decide: &(dyn Fn(usize) -> Result<(), String> + Sync)) -> Measured {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let done: Vec<(Duration, Result<(), String>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= IMAGES {
                            break;
                        }
                        let t = Instant::now();
                        let r = decide(i);
                        done.push((t.elapsed(), r));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let wall = start.elapsed();
    let failures = done.iter().filter_map(|(_, r)| r.clone().err()).collect();
    let mut latencies: Vec<Duration> = done.into_iter().map(|(d, _)| d).collect();
    latencies.sort_unstable();
    Measured { latencies, wall, failures }
}

/// Pushes and signs the images; returns their tagged references. Worker `w` of [`SETUP_JOBS`]
/// pushes images `w`, `w + SETUP_JOBS`, … and signs its even ones in one `cosign sign` run (the
/// legacy form) and its odd ones in another (v3 bundles): cosign signs every image it is given
/// and decrypts the key once.
fn prepare(reg: &Registry, dir: &std::path::Path) -> Vec<String> {
    cosign_key_pairs(dir, &["signer"]);
    let key = dir.join("signer/cosign.key");
    std::thread::scope(|s| {
        for w in 0..SETUP_JOBS {
            let key = &key;
            s.spawn(move || {
                let (mut legacy, mut bundles) = (Vec::new(), Vec::new());
                for i in (w..IMAGES).step_by(SETUP_JOBS) {
                    let repo = format!("bench/img-{i:03}");
                    let digest = common::push_platform_image(&reg.host, dir, &repo, "v1", &format!("registry-decisions image {i}"), "linux", "amd64", &[]);
                    if i % 2 == 0 { &mut legacy } else { &mut bundles }.push(format!("{}/{repo}@{digest}", reg.host));
                }
                for (bundle, images) in [(false, legacy), (true, bundles)] {
                    if let Some((last, rest)) = images.split_last() {
                        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
                        cosign_with_key("sign", key, &rest, bundle, last, dir);
                    }
                }
            });
        }
    });
    (0..IMAGES).map(|i| format!("{}/bench/img-{i:03}:v1", reg.host)).collect()
}

/// The scratch directory, removed when the bench ends (after the registry stopped).
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run() -> Result<(), String> {
    if std::env::var_os("SEALCHECK_PEERS").is_none() {
        return Err("SEALCHECK_PEERS is not set: it names the directory tests/parity/build-peers.sh built the registry, cosign and oras into (e.g. SEALCHECK_PEERS=target/peers)".into());
    }
    let dir = Scratch(scratch("registry-decisions"));
    let dir = &dir.0;
    let reg = Registry::start(dir);
    let setup = Instant::now();
    let references = prepare(&reg, dir);
    let setup = setup.elapsed();
    let references: Vec<Reference> = references.iter().map(|r| Reference::parse(r).map_err(|e| format!("{r}: {e}"))).collect::<Result<_, _>>()?;
    let public = std::fs::read(dir.join("signer/cosign.pub")).map_err(|e| format!("cosign.pub: {e}"))?;
    use base64ct::Encoding as _;
    let policy = json!({ "default": [{ "type": "sigstoreSigned", "keyData": base64ct::Base64::encode_string(&public), "signedIdentity": { "type": "sealcheckMatchDigest" } }] }).to_string();
    let provider = CryptoProvider::default();
    // Cold: the CLI's options (no tag cache); warm: tags kept for the whole run.
    let options: Options = common::options(&reg.host);
    let warm_options = Options { tag_ttl: Duration::from_secs(600), ..options.clone() };
    let evidence_options = Options { evidence_ttl: Duration::from_secs(600), ..warm_options.clone() };
    let now = UnixTime::now();
    let compile = || containers::compile(policy.as_bytes(), &FsFiles, provider.backend()).map(Arc::new).map_err(|e| format!("policy: {e}"));
    let decide = |client: &Client, verifier: &ImageVerifier, i: usize| -> Result<(), String> {
        let r = &references[i];
        let (evidence, _) = client.collect(r, r.clone(), &provider).map_err(|e| format!("{r}: {e}"))?;
        let d = verifier.decide(&evidence, now);
        if d.allowed { Ok(()) } else { Err(format!("{r}: denied: {}", d.reason)) }
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("registry-decisions: {IMAGES} images pushed with oras and signed with cosign ({SETUP_JOBS} workers) in {:.1} s; load average {}", setup.as_secs_f64(), load.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    println!("{:<36} {:>7} {:>11} {:>9} {:>9} {:>9}", "case", "threads", "decisions/s", "p50 ms", "p99 ms", "max ms");
    let mut failures = Vec::new();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let report = |mode: &str, threads: usize, m: Measured, extra: String| -> Vec<String> {
        println!(
            "{:<36} {threads:>7} {:>11.0} {:>9.2} {:>9.2} {:>9.2}{extra}",
            format!("registry-decisions/{mode}/{threads}"),
            IMAGES as f64 / m.wall.as_secs_f64(),
            ms(percentile(&m.latencies, 50)),
            ms(percentile(&m.latencies, 99)),
            ms(*m.latencies.last().unwrap_or(&Duration::ZERO)),
        );
        m.failures
    };
    for threads in THREADS {
        let requests = AtomicU64::new(0);
        let m = pass(threads, &|i| {
            let verifier = ImageVerifier::new(compile()?, provider).with_cache(Arc::new(FactCache::default()));
            let client = Client::new(options.clone()).map_err(|e| format!("client: {e}"))?;
            let d = decide(&client, &verifier, i);
            requests.fetch_add(client.stats().requests, Ordering::Relaxed);
            d
        });
        failures.extend(report("cold", threads, m, format!("   ({} requests)", requests.into_inner())));
    }
    for (mode, threads, warm_options) in [("warm", &warm_options), ("warm-evidence", &evidence_options)].into_iter().flat_map(|(m, o)| THREADS.into_iter().map(move |t| (m, t, o))) {
        let cache = Arc::new(FactCache::default());
        let verifier = ImageVerifier::new(compile()?, provider).with_cache(cache.clone());
        let client = Client::new(warm_options.clone()).map_err(|e| format!("client: {e}"))?;
        let first = pass(threads, &|i| decide(&client, &verifier, i));
        failures.extend(first.failures);
        let (facts_before, client_before) = (cache.stats(), client.stats());
        let m = pass(threads, &|i| decide(&client, &verifier, i));
        let (facts, counters) = (cache.stats(), client.stats());
        let extra = format!(
            "   (second pass: facts {} hits / {} misses, tags {} hits / {} misses, evidence {} hits / {} misses, {} requests)",
            facts.hits - facts_before.hits,
            facts.misses - facts_before.misses,
            counters.tag_cache_hits - client_before.tag_cache_hits,
            counters.tag_cache_misses - client_before.tag_cache_misses,
            counters.evidence_cache_hits - client_before.evidence_cache_hits,
            counters.evidence_cache_misses - client_before.evidence_cache_misses,
            counters.requests - client_before.requests,
        );
        failures.extend(report(mode, threads, m, extra));
    }
    drop(reg);
    if failures.is_empty() {
        return Ok(());
    }
    for f in failures.iter().take(5) {
        eprintln!("registry-decisions: {f}");
    }
    Err(format!("{} decisions were not allows", failures.len()))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("registry-decisions: {e}");
            ExitCode::FAILURE
        }
    }
}
