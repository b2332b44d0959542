//! `resolve-oci-client resolve|full REFERENCE` over plain HTTP, anonymous: `resolve` prints the
//! tag's manifest digest (`Client::fetch_manifest_digest`: HEAD, `Docker-Content-Digest`);
//! `full` also fetches the manifest by digest (`Client::pull_manifest`) and lists its referrers
//! (`Client::pull_referrers`: the referrers API, or the `sha256-<hex>` fallback tag on a 404),
//! and prints how many there are. Exit 1 on any error. With `COMPARE_PHASES` set, stderr says
//! how long parsing the reference, making the client and resolving took.

use std::process::ExitCode;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

async fn run(full: bool, reference: &str) -> Result<String, Box<dyn std::error::Error>> {
    let phases = std::env::var_os("COMPARE_PHASES").is_some();
    let t = std::time::Instant::now();
    let reference: Reference = reference.parse()?;
    let parsed = t.elapsed();
    let client = Client::new(ClientConfig { protocol: ClientProtocol::Http, ..ClientConfig::default() });
    let made = t.elapsed();
    let auth = RegistryAuth::Anonymous;
    let digest = client.fetch_manifest_digest(&reference, &auth).await?;
    if phases {
        eprintln!("reference parsed {parsed:?}, client made {:?}, tag resolved {:?}", made - parsed, t.elapsed() - made);
    }
    if !full {
        return Ok(digest);
    }
    let by_digest: Reference = format!("{}/{}@{digest}", reference.registry(), reference.repository()).parse()?;
    let (_manifest, manifest_digest) = client.pull_manifest(&by_digest, &auth).await?;
    if manifest_digest != digest {
        return Err(format!("manifest digest {manifest_digest} is not the tag's {digest}").into());
    }
    let referrers = client.pull_referrers(&by_digest, None).await?;
    Ok(format!("{digest} referrers={}", referrers.manifests.len()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (full, reference) = match args.as_slice() {
        [mode, r] if mode == "resolve" || mode == "full" => (mode == "full", r),
        _ => {
            eprintln!("usage: resolve-oci-client resolve|full REFERENCE");
            return ExitCode::from(2);
        }
    };
    match run(full, reference).await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("resolve-oci-client: {e}");
            ExitCode::from(1)
        }
    }
}
