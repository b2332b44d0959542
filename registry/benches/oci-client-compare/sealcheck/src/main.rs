//! `resolve-sealcheck resolve|full REFERENCE` over plain HTTP, anonymous, the same work as
//! `resolve-oci-client` through sealcheck-registry: `resolve` prints the tag's manifest digest
//! (`Registry::resolve`); `full` then also collects the image's evidence (`Registry::collect`: the tag
//! resolved, the manifest fetched by digest, its referrers listed, through the referrers API or
//! the `sha256-<hex>` fallback tag, plus cosign's `.sig`/`.att` tags and the signature blobs)
//! and prints how many signatures it found. Exit 1 on any error. With `COMPARE_PHASES` set,
//! stderr says how long parsing the reference, making the client and resolving took.

use std::process::ExitCode;

use sealcheck::CryptoProvider;
use sealcheck::oci::Reference;
use sealcheck_registry::{AuthFiles, Options, Registry};

fn run(full: bool, reference: &str) -> sealcheck::Result<String> {
    let phases = std::env::var_os("COMPARE_PHASES").is_some();
    let t = std::time::Instant::now();
    let reference = Reference::parse(reference)?;
    let parsed = t.elapsed();
    let options = Options { insecure: vec![reference.domain().to_string()], auth_files: AuthFiles(Vec::new()), ..Options::default() };
    let registry = Registry::new(options)?;
    let made = t.elapsed();
    let digest = registry.resolve(&reference)?;
    if phases {
        eprintln!("reference parsed {parsed:?}, client made {:?}, tag resolved {:?}", made - parsed, t.elapsed() - made);
    }
    if !full {
        return Ok(digest.to_string());
    }
    let (evidence, resolved) = registry.collect(&reference, reference.clone(), &CryptoProvider::default())?;
    Ok(format!("{} signatures={}", resolved.digest, evidence.items().len()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (full, reference) = match args.as_slice() {
        [mode, r] if mode == "resolve" || mode == "full" => (mode == "full", r),
        _ => {
            eprintln!("usage: resolve-sealcheck resolve|full REFERENCE");
            return ExitCode::from(2);
        }
    };
    match run(full, reference) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("resolve-sealcheck: {e}");
            ExitCode::from(1)
        }
    }
}
