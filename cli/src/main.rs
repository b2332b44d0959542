//! `sealcheck`: verify signatures offline. A thin shell over the `sealcheck` library: it reads
//! files and the clock, and prints what the library decided.
//!
//! Exit status: 0 verified, 1 rejected (the reason on stderr), 2 usage or input error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use sealcheck::crypto::{Digest, HashAlgorithm, PublicKey, RUST_CRYPTO};
use sealcheck::encoding::{hex_decode, pem_decode_one};
use sealcheck::sigstore::{Artifact, Bundle, CertificateIdentity, FulcioField, Matcher, SignerPolicy, TrustedKey, TrustedRoot, Verifier};
use sealcheck::{UnixTime, limits};

#[derive(Parser)]
#[command(name = "sealcheck", version, about = "Verify container image and artifact signatures offline")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a Sigstore bundle for an artifact (sigstore-conformance client protocol).
    VerifyBundle(VerifyBundle),
    /// Decide whether an image may run under a containers-policy.json.
    Verify(VerifyImage),
}

#[derive(Args)]
struct VerifyImage {
    /// containers-policy.json(5).
    #[arg(long)]
    policy: PathBuf,
    /// The image reference asked about (docker reference; policy scopes of the docker transport).
    #[arg(long)]
    reference: String,
    /// Print the decision record as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Where the image and its signatures are: `oci:DIR[:TAG|@DIGEST]` (OCI image layout) or
    /// `dir:DIR` (containers dir layout).
    source: String,
}

#[derive(Args)]
struct VerifyBundle {
    /// The bundle (`.sigstore.json`).
    #[arg(long)]
    bundle: PathBuf,
    /// Expected certificate SAN, exactly.
    #[arg(long, conflicts_with = "certificate_identity_regexp")]
    certificate_identity: Option<String>,
    /// Expected certificate SAN, as a regular expression matched against the whole SAN.
    #[arg(long)]
    certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer, exactly.
    #[arg(long, conflicts_with = "certificate_oidc_issuer_regexp")]
    certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer, as a regular expression matched against the whole value.
    #[arg(long)]
    certificate_oidc_issuer_regexp: Option<String>,
    /// Expected GitHub workflow trigger (Fulcio extension .1.2 / buildTrigger), as cosign's flag.
    #[arg(long)]
    certificate_github_workflow_trigger: Option<String>,
    /// Expected GitHub workflow SHA (.1.3 / sourceRepositoryDigest).
    #[arg(long)]
    certificate_github_workflow_sha: Option<String>,
    /// Expected GitHub workflow name (.1.4).
    #[arg(long)]
    certificate_github_workflow_name: Option<String>,
    /// Expected GitHub repository, `owner/repo` (.1.5).
    #[arg(long)]
    certificate_github_workflow_repository: Option<String>,
    /// Expected git ref, e.g. `refs/heads/main` (.1.6 / sourceRepositoryRef).
    #[arg(long)]
    certificate_github_workflow_ref: Option<String>,
    /// Verify with this PEM public key instead of a certificate identity.
    #[arg(long, conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "certificate_oidc_issuer", "certificate_oidc_issuer_regexp",
        "certificate_github_workflow_trigger", "certificate_github_workflow_sha", "certificate_github_workflow_name",
        "certificate_github_workflow_repository", "certificate_github_workflow_ref"])]
    key: Option<PathBuf>,
    /// trusted_root.json to use instead of the embedded Sigstore public-good root.
    #[arg(long, conflicts_with = "staging")]
    trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging root.
    #[arg(long)]
    staging: bool,
    /// Print the verified result, or the error, as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The artifact: a file path, or `sha256:HEX` / `sha384:HEX` / `sha512:HEX`.
    artifact: String,
}

/// A failure before verification could start (exit 2), or a rejection (exit 1).
enum Failure {
    /// Unreadable files, bad flags, a trusted root or key that does not load: (kind, message).
    Input(&'static str, String),
    Rejected(sealcheck::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify(args) => verify_image(&args),
        Command::VerifyBundle(args) => {
            let json = args.json;
            match verify_bundle(args) {
                Ok(out) => {
                    if json {
                        println!("{out}");
                    }
                    ExitCode::SUCCESS
                }
                Err(Failure::Input(kind, msg)) => {
                    if json {
                        println!("{}", serde_json::json!({"verified": false, "error": {"kind": kind, "message": msg}}));
                    }
                    eprintln!("sealcheck: error: {msg}");
                    ExitCode::from(2)
                }
                Err(Failure::Rejected(e)) => {
                    if json {
                        println!("{}", serde_json::json!({"verified": false, "error": {"kind": e.kind(), "message": e.to_string()}}));
                    }
                    eprintln!("sealcheck: rejected: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn verify_image(args: &VerifyImage) -> ExitCode {
    let input_error = |kind: &str, msg: String| {
        if args.json {
            println!("{}", serde_json::json!({"allowed": false, "error": {"kind": kind, "message": msg}}));
        }
        eprintln!("sealcheck: error: {msg}");
        ExitCode::from(2)
    };
    let policy = match read_file(&args.policy, limits::MAX_POLICY_BYTES, "policy", "policy file size") {
        Ok(b) => match sealcheck::policy::containers::from_json(&b) {
            Ok(p) => p,
            Err(e) => return input_error(e.kind(), format!("{}: {e}", args.policy.display())),
        },
        Err(Failure::Input(kind, msg)) => return input_error(kind, msg),
        Err(Failure::Rejected(e)) => return input_error(e.kind(), e.to_string()),
    };
    let reference = match sealcheck::oci::Reference::parse(&args.reference) {
        Ok(r) => r,
        Err(e) => return input_error(e.kind(), e.to_string()),
    };
    let image = match args.source.split_once(':') {
        Some(("dir", dir)) => sealcheck::oci::layout::read_dir_layout(Path::new(dir), reference),
        Some(("oci", spec)) => sealcheck::oci::layout::parse_oci_source(spec).and_then(|(dir, selector)| {
            let layout = sealcheck::oci::layout::OciLayout::open(&dir)?;
            sealcheck::oci::source::collect(&RUST_CRYPTO, &layout, reference, &selector)
        }),
        _ => return input_error("Usage", format!("unsupported source {:?} (expected dir:DIR or oci:DIR[:TAG|@DIGEST])", args.source)),
    };
    let now = match now() {
        Ok(t) => t,
        Err(Failure::Input(kind, msg)) => return input_error(kind, msg),
        Err(Failure::Rejected(e)) => return input_error(e.kind(), e.to_string()),
    };
    // The evidence could not be gathered: an input error (exit 2), never a decision.
    let decision = match image {
        Ok(image) => policy.evaluate(&RUST_CRYPTO, &sealcheck::policy::FsFiles, &image, now),
        Err(e) => return input_error(e.kind(), format!("image source {}: {e}", args.source)),
    };
    if args.json {
        println!("{}", serde_json::to_string(&decision).unwrap_or_default());
    }
    if decision.allowed {
        eprintln!("sealcheck: allowed: {}", decision.reason);
        ExitCode::SUCCESS
    } else {
        eprintln!("sealcheck: denied: {}", decision.reason);
        ExitCode::from(1)
    }
}

fn now() -> Result<UnixTime, Failure> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| Failure::Input("Clock", "system clock is before 1970".into()))?;
    Ok(UnixTime::new(i64::try_from(now.as_secs()).unwrap_or(i64::MAX), now.subsec_nanos()))
}

/// Reads a file the command line names: a regular file of at most `max` bytes.
fn read_file(path: &Path, max: usize, what: &str, limit: &'static str) -> Result<Vec<u8>, Failure> {
    sealcheck::fs::read_file(path, max, what, limit).map_err(|e| Failure::Input(e.kind(), e.to_string()))
}

fn verify_bundle(args: VerifyBundle) -> Result<String, Failure> {
    let backend = &RUST_CRYPTO;
    let input = |e: sealcheck::Error| Failure::Input(e.kind(), e.to_string());
    let root = match (&args.trusted_root, args.staging) {
        (Some(p), _) => TrustedRoot::from_json(backend, &read_file(p, limits::MAX_TRUSTED_ROOT_BYTES, "trusted root", "trusted root size")?).map_err(input)?,
        (None, true) => TrustedRoot::staging(backend).map_err(input)?,
        (None, false) => TrustedRoot::production(backend).map_err(input)?,
    };
    let policy = match &args.key {
        Some(p) => {
            let pem = String::from_utf8(read_file(p, limits::MAX_KEY_FILE_BYTES, "key", "key file size")?)
                .map_err(|_| Failure::Input("Encoding", format!("{}: not UTF-8 PEM", p.display())))?;
            let der = pem_decode_one("--key", &pem, "PUBLIC KEY").map_err(input)?;
            SignerPolicy::Key(TrustedKey { key: PublicKey::from_spki_der("--key", &der).map_err(input)?, valid_for: None })
        }
        None => {
            let san = match (&args.certificate_identity, &args.certificate_identity_regexp) {
                (Some(s), None) => Matcher::exact(s),
                (None, Some(r)) => Matcher::regex(r).map_err(input)?,
                _ => return Err(Failure::Input("Usage", "one of --certificate-identity, --certificate-identity-regexp or --key is required".into())),
            };
            let issuer = match (&args.certificate_oidc_issuer, &args.certificate_oidc_issuer_regexp) {
                (Some(s), None) => Matcher::exact(s),
                (None, Some(r)) => Matcher::regex(r).map_err(input)?,
                _ => return Err(Failure::Input("Usage", "one of --certificate-oidc-issuer or --certificate-oidc-issuer-regexp is required".into())),
            };
            let mut id = CertificateIdentity::new(san, issuer);
            for (field, value) in [
                (FulcioField::GithubWorkflowTrigger, &args.certificate_github_workflow_trigger),
                (FulcioField::GithubWorkflowSha, &args.certificate_github_workflow_sha),
                (FulcioField::GithubWorkflowName, &args.certificate_github_workflow_name),
                (FulcioField::GithubWorkflowRepository, &args.certificate_github_workflow_repository),
                (FulcioField::GithubWorkflowRef, &args.certificate_github_workflow_ref),
            ] {
                if let Some(v) = value {
                    id = id.with_extension(field, Matcher::exact(v));
                }
            }
            SignerPolicy::Identity(id)
        }
    };
    let bundle_bytes = read_file(&args.bundle, limits::MAX_BUNDLE_BYTES, "bundle", "bundle size")?;
    let artifact_bytes;
    let artifact = match parse_digest(&args.artifact).map_err(input)? {
        Some(d) => Artifact::Digest(d),
        None => {
            artifact_bytes = read_file(Path::new(&args.artifact), limits::MAX_ARTIFACT_BYTES, "artifact", "artifact size")?;
            Artifact::Bytes(&artifact_bytes)
        }
    };
    let now = now()?;
    let bundle = Bundle::from_json(&bundle_bytes).map_err(Failure::Rejected)?;
    let verified = Verifier::new(&root, backend).verify(&bundle, &artifact, &policy, now).map_err(Failure::Rejected)?;
    Ok(serde_json::json!({"verified": true, "result": verified}).to_string())
}

/// `sha256:HEX` and friends; `None` when the argument is not a digest (then it is a path).
fn parse_digest(arg: &str) -> sealcheck::Result<Option<Digest>> {
    let Some((alg, hex)) = arg.split_once(':') else { return Ok(None) };
    let alg = match alg {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        _ => return Ok(None),
    };
    Digest::new(alg, &hex_decode("artifact digest", hex)?).map(Some)
}
