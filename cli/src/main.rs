//! `sealcheck`: verify signatures offline. A thin shell over the library's facade
//! ([`sealcheck::verifier`]): it reads files and the clock, marshals them in, and prints what the
//! library decided.
//!
//! Exit status: 0 verified or allowed, 1 rejected or denied (the reason on stderr), 2 usage or
//! input error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use sealcheck::crypto::CryptoProvider;
use sealcheck::policy::FsFiles;
use sealcheck::sigstore::identity::{CertificateIdentity, FulcioField};
use sealcheck::sigstore::Artifact;
use sealcheck::trust::{Signers, TrustedKey};
use sealcheck::verifier::{self, BundleVerifier, ImageVerifier, RootChoice};
use sealcheck::{limits, Error, ErrorClass, UnixTime};

const EXIT_CODES: &str = "Exit status: 0 verified (allowed), 1 rejected (denied; the reason on stderr), 2 usage or input error.";

#[derive(Parser)]
#[command(name = "sealcheck", version, about = "Verify container image and artifact signatures offline", after_help = EXIT_CODES)]
struct Cli {
    /// The cryptography backend: `aws-lc` (AWS-LC, native) or `rustcrypto` (pure Rust, the
    /// library's and WASM's default). Both verify the same schemes with the same answers.
    #[arg(long, global = true, default_value = "aws-lc", value_parser = ["aws-lc", "rustcrypto"])]
    crypto: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a Sigstore bundle for an artifact (sigstore-conformance client protocol).
    #[command(after_help = EXIT_CODES)]
    VerifyBundle(VerifyBundle),
    /// Decide whether an image may run under a containers-policy.json, or a Notary
    /// trustpolicy.json with its trust store.
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyImage),
    /// Verify a detached Notary signature (`.jws.sig`, `.cose.sig`) over a file, under a blob
    /// trust policy (trustpolicy.blob.json), as `notation blob verify`.
    #[command(after_help = EXIT_CODES)]
    VerifyBlob(VerifyBlob),
}

#[derive(Args)]
struct VerifyBlob {
    /// The blob trust policy (trustpolicy.blob.json, v1.0).
    #[arg(long)]
    notation_policy: PathBuf,
    /// The Notary trust store directory (`x509/{ca,signingAuthority,tsa}/<name>/`).
    #[arg(long)]
    trust_store: PathBuf,
    /// The signature envelope; its format comes from its name (`*.jws.sig`, `*.cose.sig`)
    /// unless --signature-format says.
    #[arg(long)]
    signature: PathBuf,
    /// `jws` or `cose`.
    #[arg(long, value_parser = ["jws", "cose"])]
    signature_format: Option<String>,
    /// The statement to apply, by name (default: the policy's globalPolicy statement).
    #[arg(long)]
    policy_name: Option<String>,
    /// The blob's media type, which the signature must name (default: not checked).
    #[arg(long)]
    media_type: Option<String>,
    /// A CRL (DER or PEM), offline (repeatable).
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// Verification time: RFC 3339 or seconds since the epoch (default: now).
    #[arg(long)]
    time: Option<String>,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The file the signature is over.
    blob: PathBuf,
}

#[derive(Args)]
struct VerifyImage {
    /// containers-policy.json(5).
    #[arg(long, required_unless_present = "notation_policy", conflicts_with = "notation_policy")]
    policy: Option<PathBuf>,
    /// A Notary trust policy (trustpolicy.json, OCI document v1.0), instead of --policy.
    #[arg(long, requires = "trust_store")]
    notation_policy: Option<PathBuf>,
    /// The Notary trust store directory (`x509/{ca,signingAuthority,tsa}/<name>/`), as
    /// notation's `truststore` directory.
    #[arg(long, requires = "notation_policy")]
    trust_store: Option<PathBuf>,
    /// A CRL (DER or PEM) for the Notary revocation check, offline (repeatable). Certificates
    /// that name a CRL distribution point or OCSP responder need one, or their revocation
    /// status is unknown.
    #[arg(long, requires = "notation_policy")]
    crl: Vec<PathBuf>,
    /// The image reference asked about (docker reference; policy scopes of the docker
    /// transport). A name without tag or digest means `:latest`. Defaults to the reference of
    /// a `docker://` source.
    #[arg(long)]
    reference: Option<String>,
    /// For `docker://` sources: the platform chosen when the tag names an image index
    /// (`os/arch[/variant]`; default: this host's).
    #[arg(long)]
    platform: Option<String>,
    /// For `docker://` sources: a registry host (`host[:port]`) spoken to over plain HTTP
    /// (repeatable). Every other host is HTTPS.
    #[arg(long = "insecure-registry")]
    insecure_registry: Vec<String>,
    /// For `docker://` sources: PEM CA certificates to trust instead of the platform's roots.
    #[arg(long)]
    registry_ca: Option<PathBuf>,
    /// Verification time: RFC 3339 (`2024-03-19T17:26:26Z`) or seconds since the epoch
    /// (default: now).
    #[arg(long)]
    time: Option<String>,
    /// Print the decision record as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Where the image and its signatures are: `docker://REF` (a registry),
    /// `oci:DIR[:TAG|@DIGEST]` (OCI image layout, `cosign save --dir`) or `dir:DIR` (containers
    /// dir layout).
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
    /// Verification time: RFC 3339 or seconds since the epoch (default: now).
    #[arg(long)]
    time: Option<String>,
    /// Print the verified result, or the error, as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The artifact: a file path, or `sha256:HEX` / `sha384:HEX` / `sha512:HEX`.
    artifact: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let provider = CryptoProvider::by_name(&cli.crypto).unwrap_or_default();
    match cli.command {
        Command::VerifyBundle(args) => {
            let json = args.json;
            match verify_bundle(&args, provider) {
                Ok(out) => {
                    if json {
                        println!("{out}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(json, "verified", &e),
            }
        }
        Command::Verify(args) => verify_image(&args, provider),
        Command::VerifyBlob(args) => match verify_blob(&args, provider) {
            Ok(out) => {
                if args.json {
                    println!("{out}");
                }
                eprintln!("sealcheck: verified");
                ExitCode::SUCCESS
            }
            Err(e) => fail(args.json, "verified", &e),
        },
    }
}

/// Reports `e` (as JSON under `flag: false` when asked) and returns its exit status.
fn fail(json: bool, flag: &str, e: &Error) -> ExitCode {
    if json {
        let error = serde_json::json!({"kind": e.cause().kind(), "class": e.class(), "code": e.code(), "message": e.to_string()});
        println!("{}", serde_json::json!({flag: false, "error": error}));
    }
    match e.class() {
        ErrorClass::Input => {
            eprintln!("sealcheck: error: {e}");
            ExitCode::from(2)
        }
        ErrorClass::Rejection => {
            eprintln!("sealcheck: rejected: {e}");
            ExitCode::from(1)
        }
    }
}

fn now(arg: Option<&str>) -> sealcheck::Result<UnixTime> {
    arg.map_or_else(|| Ok(UnixTime::now()), verifier::verification_time)
}

fn read(path: &Path, max: usize, what: &str, limit: &'static str) -> sealcheck::Result<Vec<u8>> {
    sealcheck::fs::read_file(path, max, what, limit)
}

fn verify_image(args: &VerifyImage, provider: CryptoProvider) -> ExitCode {
    let decided = (|| {
        let policy = compile_policy(args, &provider)?;
        let now = now(args.time.as_deref())?;
        let (image, resolved) = match args.source.strip_prefix("docker://") {
            Some(r) => {
                let from = verifier::image_reference(r)?;
                let reference = args.reference.as_deref().map_or_else(|| Ok(from.clone()), verifier::image_reference)?;
                let options = registry_options(args)?;
                let (image, resolved) = sealcheck_registry::collect(&from, reference, &options, &provider)?;
                (image, Some(resolved))
            }
            None => {
                let asked = args.reference.as_deref().ok_or_else(|| Error::Usage("--reference is required for oci: and dir: sources".into()))?;
                (verifier::image_source(&args.source, verifier::image_reference(asked)?, &provider)?, None)
            }
        };
        Ok((ImageVerifier::new(policy.into(), provider).decide(&image, now), resolved))
    })();
    let (decision, resolved) = match decided {
        Ok(d) => d,
        Err(e) => return fail(args.json, "allowed", &e),
    };
    if args.json {
        let mut record = serde_json::to_value(&decision).unwrap_or_default();
        if let (Some(r), Some(obj)) = (resolved, record.as_object_mut()) {
            obj.insert("source".into(), serde_json::to_value(r).unwrap_or_default());
        }
        println!("{record}");
    }
    if decision.allowed {
        eprintln!("sealcheck: allowed: {}", decision.reason);
        ExitCode::SUCCESS
    } else {
        eprintln!("sealcheck: denied: {}", decision.reason);
        ExitCode::from(1)
    }
}

/// The containers policy, or the Notary trust policy with its trust store and CRLs.
fn compile_policy(args: &VerifyImage, provider: &CryptoProvider) -> sealcheck::Result<sealcheck::CompiledPolicy> {
    fn in_file(p: &Path) -> impl FnOnce(Error) -> Error + '_ {
        move |e| e.in_file(sealcheck::Input::Policy, p.display().to_string())
    }
    if let (Some(p), Some(store)) = (&args.notation_policy, &args.trust_store) {
        let json = read(p, limits::MAX_TRUST_POLICY_BYTES, "trust policy", "trust policy file size").map_err(in_file(p))?;
        let store = verifier::notation_trust_store(store, provider)?;
        return verifier::notation_policy(&json, store, crl_files(&args.crl)?).map_err(in_file(p));
    }
    let p = args.policy.as_ref().ok_or_else(|| Error::Usage("--policy or --notation-policy is required".into()))?;
    read(p, limits::MAX_POLICY_BYTES, "policy", "policy file size").and_then(|b| verifier::containers_policy(&b, &FsFiles, provider)).map_err(in_file(p))
}

fn crl_files(paths: &[PathBuf]) -> sealcheck::Result<sealcheck::notation::crl::CrlSet> {
    let files = paths.iter().map(|c| Ok((c.display().to_string(), read(c, limits::MAX_CRL_BYTES, "CRL", "CRL file size")?))).collect::<sealcheck::Result<Vec<_>>>()?;
    let named: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    verifier::crls(&named)
}

fn verify_blob(args: &VerifyBlob, provider: CryptoProvider) -> sealcheck::Result<String> {
    let json = read(&args.notation_policy, limits::MAX_TRUST_POLICY_BYTES, "trust policy", "trust policy file size")?;
    let store = verifier::notation_trust_store(&args.trust_store, &provider)?;
    let crls = crl_files(&args.crl)?;
    let name = args.signature.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let format = match args.signature_format.as_deref() {
        Some(f) => f,
        None if name.ends_with(".jws.sig") => "jws",
        None if name.ends_with(".cose.sig") => "cose",
        None => return Err(Error::Usage(format!("{name}: the signature format is not in its name (*.jws.sig, *.cose.sig): give --signature-format"))),
    };
    let envelope = read(&args.signature, limits::MAX_ENVELOPE_BYTES, "signature", "signature envelope size")?;
    let blob = read(&args.blob, limits::MAX_ARTIFACT_BYTES, "blob", "artifact size")?;
    let now = now(args.time.as_deref())?;
    let outcome = verifier::notation_verify_blob(&json, args.policy_name.as_deref(), &store, &crls, format, &envelope, &blob, args.media_type.as_deref(), now, &provider)?;
    let record = serde_json::json!({"verified": outcome.verdict.is_ok(), "validations": outcome.results, "warnings": outcome.warnings()});
    match outcome.verdict {
        Ok(_) => {
            for w in outcome.warnings() {
                eprintln!("sealcheck: warning: {w}");
            }
            Ok(record.to_string())
        }
        Err(e) => Err(e),
    }
}

/// The registry options of a `docker://` source: flags, and credentials from the usual files.
fn registry_options(args: &VerifyImage) -> sealcheck::Result<sealcheck_registry::Options> {
    let platform = args.platform.as_deref().map(sealcheck_registry::Platform::parse).transpose()?;
    let ca_pem = args
        .registry_ca
        .as_ref()
        .map(|p| read(p, limits::MAX_KEY_FILE_BYTES, "registry CA file", "registry CA file size"))
        .transpose()?;
    Ok(sealcheck_registry::Options {
        insecure: args.insecure_registry.clone(),
        ca_pem,
        auth_files: sealcheck_registry::AuthFiles::from_env(),
        platform,
        timeouts: sealcheck_registry::Timeouts::default(),
    })
}

fn verify_bundle(args: &VerifyBundle, provider: CryptoProvider) -> sealcheck::Result<String> {
    let root_json;
    let root = match (&args.trusted_root, args.staging) {
        (Some(p), _) => {
            root_json = read(p, limits::MAX_TRUSTED_ROOT_BYTES, "trusted root", "trusted root size")
                .map_err(|e| e.loading(sealcheck::Input::TrustedRoot, p.display().to_string()))?;
            RootChoice::Json(&root_json)
        }
        (None, true) => RootChoice::Staging,
        (None, false) => RootChoice::PublicGood,
    };
    let root = verifier::trusted_root(root, &provider).map_err(|e| match &args.trusted_root {
        Some(p) => e.in_file(sealcheck::Input::TrustedRoot, p.display().to_string()),
        None => e,
    })?;
    let signers = match &args.key {
        Some(p) => {
            let pem = read(p, limits::MAX_KEY_FILE_BYTES, "key", "key file size").map_err(|e| e.loading(sealcheck::Input::Key, p.display().to_string()))?;
            Signers::Keys(vec![TrustedKey::new(provider.backend(), verifier::public_key_pem("--key", &pem)?)])
        }
        None => {
            let pick = |flag: &str, exact: &Option<String>, regexp: &Option<String>| match (exact, regexp) {
                (Some(v), None) => verifier::matcher(flag, v, false),
                (None, Some(v)) => verifier::matcher(&format!("{flag}-regexp"), v, true),
                _ => Err(Error::Usage(format!("one of {flag} or {flag}-regexp (or --key) is required"))),
            };
            let san = pick("--certificate-identity", &args.certificate_identity, &args.certificate_identity_regexp)?;
            let issuer = pick("--certificate-oidc-issuer", &args.certificate_oidc_issuer, &args.certificate_oidc_issuer_regexp)?;
            let mut id = CertificateIdentity::new(san, issuer);
            for (field, flag, value) in [
                (FulcioField::GithubWorkflowTrigger, "--certificate-github-workflow-trigger", &args.certificate_github_workflow_trigger),
                (FulcioField::GithubWorkflowSha, "--certificate-github-workflow-sha", &args.certificate_github_workflow_sha),
                (FulcioField::GithubWorkflowName, "--certificate-github-workflow-name", &args.certificate_github_workflow_name),
                (FulcioField::GithubWorkflowRepository, "--certificate-github-workflow-repository", &args.certificate_github_workflow_repository),
                (FulcioField::GithubWorkflowRef, "--certificate-github-workflow-ref", &args.certificate_github_workflow_ref),
            ] {
                if let Some(v) = value {
                    id = id.with_extension(field, verifier::matcher(flag, v, false)?);
                }
            }
            Signers::Certificate(id)
        }
    };
    let bundle = read(&args.bundle, limits::MAX_BUNDLE_BYTES, "bundle", "bundle size")?;
    let artifact_bytes;
    let artifact = match verifier::artifact_digest(&args.artifact)? {
        Some(d) => Artifact::Digest(d),
        None => {
            artifact_bytes = read(Path::new(&args.artifact), limits::MAX_ARTIFACT_BYTES, "artifact", "artifact size")?;
            Artifact::Bytes(&artifact_bytes)
        }
    };
    let now = now(args.time.as_deref())?;
    let verified = BundleVerifier::new(root, provider).verify(&bundle, &artifact, &signers, now)?;
    Ok(serde_json::json!({"verified": true, "result": verified}).to_string())
}
