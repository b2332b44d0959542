//! sigstore-rust (`sigstore-verify`) on one keyless bundle, two ways:
//!
//! - one shot: `peer-sigstore-rust --bundle B --certificate-identity ID
//!   --certificate-oidc-issuer ISS [--trusted-root FILE] ARTIFACT` verifies once and exits
//!   0 (verified) or 1 (rejected), for whole-process timing;
//! - `--bench N` before the other arguments: loads the trusted root once, then times N rounds
//!   of bundle parse + verify and prints `mean_ns=<mean per verification>` on stdout.
//!
//! Without `--trusted-root`, the crate's embedded production root is used.

use std::hint::black_box;
use std::process::exit;
use std::time::Instant;

use sigstore_verify::trust_root::{TrustedRoot, SIGSTORE_PRODUCTION_TRUSTED_ROOT};
use sigstore_verify::types::Bundle;
use sigstore_verify::{VerificationPolicy, Verifier};

struct Args {
    bench: Option<u32>,
    bundle: String,
    identity: String,
    issuer: String,
    trusted_root: Option<String>,
    artifact: String,
}

fn usage() -> ! {
    eprintln!("usage: peer-sigstore-rust [--bench N] --bundle B --certificate-identity ID --certificate-oidc-issuer ISS [--trusted-root FILE] ARTIFACT");
    exit(2)
}

fn parse_args() -> Args {
    let (mut bench, mut bundle, mut identity, mut issuer, mut trusted_root, mut artifact) =
        (None, None, None, None, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--bench" => bench = Some(value().parse().unwrap_or_else(|_| usage())),
            "--bundle" => bundle = Some(value()),
            "--certificate-identity" => identity = Some(value()),
            "--certificate-oidc-issuer" => issuer = Some(value()),
            "--trusted-root" => trusted_root = Some(value()),
            s if !s.starts_with('-') && artifact.is_none() => artifact = Some(a),
            _ => usage(),
        }
    }
    match (bundle, identity, issuer, artifact) {
        (Some(bundle), Some(identity), Some(issuer), Some(artifact)) => Args {
            bench,
            bundle,
            identity,
            issuer,
            trusted_root,
            artifact,
        },
        _ => usage(),
    }
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        exit(2)
    })
}

/// One verification as a caller does it: parse the bundle JSON, then verify it.
fn verify_once(
    verifier: &Verifier,
    bundle_json: &str,
    artifact: &[u8],
    policy: &VerificationPolicy,
) -> Result<(), String> {
    let bundle = Bundle::from_json(bundle_json).map_err(|e| format!("bundle: {e}"))?;
    verifier
        .verify(artifact, &bundle, policy)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn main() {
    let args = parse_args();
    // Trusted root: read, parsed and prepared once (outside the timed loop).
    let root_json = match &args.trusted_root {
        Some(p) => String::from_utf8(read(p)).unwrap_or_else(|_| usage()),
        None => SIGSTORE_PRODUCTION_TRUSTED_ROOT.to_string(),
    };
    let root = TrustedRoot::from_json(&root_json).unwrap_or_else(|e| {
        eprintln!("trusted root: {e}");
        exit(2)
    });
    let verifier = Verifier::new(&root).unwrap_or_else(|e| {
        eprintln!("trusted root: {e}");
        exit(2)
    });
    let bundle_json = String::from_utf8(read(&args.bundle)).unwrap_or_else(|_| usage());
    let artifact = read(&args.artifact);
    let policy = VerificationPolicy::new(args.identity.as_str(), args.issuer.as_str());

    if let Err(e) = verify_once(&verifier, &bundle_json, &artifact, &policy) {
        eprintln!("rejected: {e}");
        exit(1);
    }
    let Some(n) = args.bench else { return };
    // Warm-up (a tenth of the rounds), then the timed rounds.
    for _ in 0..n.div_ceil(10) {
        let _ = black_box(verify_once(
            &verifier,
            black_box(&bundle_json),
            &artifact,
            &policy,
        ));
    }
    let start = Instant::now();
    for _ in 0..n {
        let _ = black_box(verify_once(
            &verifier,
            black_box(&bundle_json),
            &artifact,
            &policy,
        ));
    }
    println!(
        "mean_ns={}",
        start.elapsed().as_nanos() / u128::from(n.max(1))
    );
}
