//! `sealcheck`: verify signatures offline. A thin shell over the library's facade
//! ([`sealcheck::verifier`]): it reads files and the clock, marshals them in, and prints what the
//! library decided.
//!
//! Exit status: 0 verified or allowed, 1 rejected or denied (the reason on stderr), 2 usage or
//! input error.

mod html;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use sealcheck::crypto::CryptoProvider;
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
    /// Check or summarize an audit log: JSON Lines of decision records, each carrying the
    /// SHA-256 of the one before it (`sealcheck verify --audit-log` appends to it).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check a policy (compile it, print what it requires, warn about risky rules), or explain
    /// a decision rule by rule.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Serve the Kubernetes validating (/validate) and mutating (/mutate) admission webhooks and
    /// the Gatekeeper external data provider (/gatekeeper) over HTTPS, with /healthz, /readyz
    /// and /metrics (README, "Kubernetes").
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// The serve configuration file (JSON; README, "Kubernetes").
    #[arg(long)]
    config: PathBuf,
}

const AUDIT_EXIT_CODES: &str = "Exit status: 0 chain intact, 1 chain broken (the first broken record on stderr), 2 usage or input error (the log cannot be read).";

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the chain: every record in order, each the successor of the one before, none
    /// edited; prints the record count and the tail (RECORDS:HEX) to keep for --expect.
    #[command(after_help = AUDIT_EXIT_CODES)]
    Verify(AuditVerify),
    /// Check the chain, then count decisions (per scope and per day), denials by reason, and
    /// exception use per scope; with --policy, the signers whose window ends soon; with --html,
    /// also write the summary as one self-contained page.
    #[command(after_help = AUDIT_EXIT_CODES)]
    Summary(AuditSummary),
}

#[derive(Args)]
struct AuditVerify {
    /// A tail recorded earlier (RECORDS:HEX, as `audit verify` prints it): the log must still
    /// reach it. Without it, records removed from the end, or an edit of the last record, are
    /// not detectable.
    #[arg(long, value_name = "RECORDS:HEX")]
    expect: Option<String>,
    /// Print the verdict as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The audit log.
    log: PathBuf,
}

#[derive(Args)]
struct AuditSummary {
    /// A tail recorded earlier (RECORDS:HEX) that the log must still reach, as for `audit verify`.
    #[arg(long, value_name = "RECORDS:HEX")]
    expect: Option<String>,
    /// Print the summary as JSON on stdout instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the summary as one self-contained HTML page (inline CSS and SVG, no script,
    /// nothing fetched) to FILE; not written when the chain is broken.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// A native policy (apiVersion sealcheck.dev/v1): list its signers whose window
    /// (validUntil) ends within --warn-days of --time, and those already ended. Other formats
    /// give keys no window and are refused.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// When the signer windows are reviewed: RFC 3339 or seconds since the epoch (default: now).
    #[arg(long, value_name = "T", requires = "policy")]
    time: Option<String>,
    /// How many days ahead a window's end is reported.
    #[arg(long, value_name = "N", default_value_t = 30, requires = "policy")]
    warn_days: u32,
    /// The audit log.
    log: PathBuf,
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
    /// The policy: a containers-policy.json(5), or a native sealcheck policy
    /// (`apiVersion: sealcheck.dev/v1`); the format is detected.
    #[arg(long, required_unless_present = "notation_policy", conflicts_with = "notation_policy")]
    policy: Option<PathBuf>,
    /// A revocation list for a native policy (`apiVersion: sealcheck.dev/v1`, `revocations`).
    #[arg(long, requires = "policy")]
    revocations: Option<PathBuf>,
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
    /// For `docker://` sources: PEM CA certificates trusted in addition to the platform's roots
    /// (and to the host's `certs.d` CAs).
    #[arg(long)]
    registry_ca: Option<PathBuf>,
    /// For `docker://` sources: trust only `--registry-ca` (and the host's `certs.d` CAs), not
    /// the platform's roots.
    #[arg(long, requires = "registry_ca")]
    registry_ca_only: bool,
    /// For `docker://` sources: the registries.d directory (lookaside storage,
    /// `use-sigstore-attachments`), read alone. Default: `$SEALCHECK_REGISTRIES_D`, else the
    /// directories containers/image reads.
    #[arg(long = "registries-d")]
    registries_d: Option<PathBuf>,
    /// Verification time: RFC 3339 (`2024-03-19T17:26:26Z`) or seconds since the epoch
    /// (default: now).
    #[arg(long)]
    time: Option<String>,
    /// Print the decision record as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Append the decision record to this audit log (JSON Lines, each record chained to the one
    /// before; created when missing), before anything is reported. Fail-closed: when it cannot
    /// be appended (the log is broken, unreadable or full) only the error is reported, and the
    /// exit status is 2, whatever the decision.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
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

const POLICY_CHECK_EXIT_CODES: &str = "Exit status: 0 the policy compiles (warnings, if any, on stderr), 1 with --strict when there are warnings, 2 the policy does not compile, or a usage or input error.";

#[derive(Subcommand)]
enum PolicyCommand {
    /// Compile a policy (the format is detected: native, containers-policy.json,
    /// ClusterImagePolicy, or a Notary trust policy with --trust-store), print what it
    /// requires, and warn about long-lived or never-expiring signers, shared signing keys, long
    /// exceptions, scopes that accept unsigned images, and signers that can fill two roles
    /// (`warning[RULE]: SCOPE: MESSAGE`).
    #[command(after_help = POLICY_CHECK_EXIT_CODES)]
    Check(PolicyCheck),
    /// Decide on an image as `verify` does (the same flags), and print the decision record rule
    /// by rule: the scope that applied, each requirement, each signature considered and why,
    /// alternatives and parts nested, the exception if one was used, and the decision.
    #[command(after_help = EXIT_CODES)]
    Explain(Box<PolicyExplain>),
}

#[derive(Args)]
struct PolicyCheck {
    /// For a Notary trust policy: the trust store directory its statements name.
    #[arg(long)]
    trust_store: Option<PathBuf>,
    /// For a Notary trust policy: a CRL (DER or PEM), offline (repeatable).
    #[arg(long, requires = "trust_store")]
    crl: Vec<PathBuf>,
    /// Turn warnings into a failure (exit status 1), for CI.
    #[arg(long)]
    strict: bool,
    /// The longest signer window (validFrom to validUntil) not warned about, in days.
    #[arg(long, value_name = "N", default_value_t = 365)]
    max_signer_days: u32,
    /// The longest exception (notBefore to notAfter) not warned about, in days.
    #[arg(long, value_name = "N", default_value_t = 30)]
    max_exception_days: u32,
    /// When the policy is reviewed (a window without validFrom is measured from it): RFC 3339
    /// or seconds since the epoch (default: now).
    #[arg(long, value_name = "T")]
    now: Option<String>,
    /// Print the summary and the findings as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// The policy file.
    file: PathBuf,
}

#[derive(Args)]
struct PolicyExplain {
    #[command(flatten)]
    image: VerifyImage,
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
        Command::Policy(PolicyCommand::Check(args)) => policy_check(&args, &provider),
        Command::Policy(PolicyCommand::Explain(args)) => policy_explain(&args.image, provider),
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
        Command::Audit(AuditCommand::Verify(args)) => audit_verify(&args),
        Command::Audit(AuditCommand::Summary(args)) => audit_summary(&args, &provider),
        Command::Serve(args) => sealcheck_admission::server::run(&args.config, provider).map_or_else(|e| fail(false, "served", &e), |()| ExitCode::SUCCESS),
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

/// A decision that could not be appended to the audit log: an input error (exit 2) whatever it
/// was, and only the error is reported, so that no unrecorded decision passes.
fn unrecorded(json: bool, decision: &sealcheck::Decision, e: &Error) -> ExitCode {
    if json {
        let error = serde_json::json!({"kind": e.cause().kind(), "class": ErrorClass::Input, "code": e.code(), "message": e.to_string()});
        println!("{}", serde_json::json!({"allowed": false, "recorded": false, "error": error}));
    }
    let verdict = if decision.allowed { "allowed" } else { "denied" };
    eprintln!("sealcheck: error: {e}: the decision ({verdict}) was not recorded in the audit log");
    ExitCode::from(2)
}

/// An input of an audit command that cannot be used (a log that cannot be read, too large
/// included, a bad `--expect`, a policy that does not compile) is not a verdict on the chain:
/// reported as an input error whatever its class (as JSON under `intact: false` when asked),
/// exit 2.
fn audit_input_error(json: bool, e: &Error) -> ExitCode {
    if json {
        let error = serde_json::json!({"kind": e.cause().kind(), "class": ErrorClass::Input, "code": e.code(), "message": e.to_string()});
        println!("{}", serde_json::json!({"intact": false, "error": error}));
    }
    eprintln!("sealcheck: error: {e}");
    ExitCode::from(2)
}

/// The log, read and checked (against `--expect` when given): the summary, or the exit status
/// to return (1 broken, 2 unreadable or a bad `--expect`).
fn audit_check(path: &Path, expect: Option<&str>, json: bool) -> Result<sealcheck::audit::Summary, ExitCode> {
    let checked: sealcheck::Result<_> = (|| {
        let expected = expect.map(str::parse::<sealcheck::audit::Tail>).transpose()?;
        let log = read(path, limits::MAX_AUDIT_LOG_BYTES, "audit log", "audit log size")?;
        Ok(match &expected {
            Some(t) => sealcheck::audit::verify_anchored(&log, t),
            None => sealcheck::audit::verify(&log),
        })
    })();
    match checked {
        Err(e) => Err(audit_input_error(json, &e)),
        Ok(Ok(summary)) => Ok(summary),
        Ok(Err(broken)) => {
            if json {
                println!("{}", serde_json::json!({"intact": false, "index": broken.index, "reason": broken.reason}));
            }
            eprintln!("sealcheck: broken at record {}: {}", broken.index, broken.reason);
            Err(ExitCode::from(1))
        }
    }
}

fn audit_verify(args: &AuditVerify) -> ExitCode {
    match audit_check(&args.log, args.expect.as_deref(), args.json) {
        Ok(s) => {
            if args.json {
                println!("{}", serde_json::json!({"intact": true, "records": s.total, "tail": s.tail.to_string()}));
            } else {
                println!("chain intact: {} records, tail {}", s.total, s.tail);
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// `audit summary --policy`: the review time and the native policy's signers whose window ends
/// within `--warn-days` of it ([`sealcheck::policy::lint::signers_ending`]).
fn signers_ending(args: &AuditSummary, provider: &CryptoProvider) -> sealcheck::Result<Option<(UnixTime, Vec<sealcheck::policy::lint::SignerEnding>)>> {
    let Some(p) = &args.policy else { return Ok(None) };
    let time = now(args.time.as_deref())?;
    let json = read(p, limits::MAX_POLICY_BYTES, "policy", "policy file size").map_err(|e| e.in_file(sealcheck::Input::Policy, p.display().to_string()))?;
    let format = verifier::policy_format(&json);
    if format != verifier::PolicyFormat::Native {
        return Err(Error::Usage(format!(
            "--policy {}: a {} gives its keys and identities no window (validUntil); key windows come from a native policy (apiVersion sealcheck.dev/v1)",
            p.display(),
            format.name()
        )));
    }
    let policy = verifier::native_policy(&json, &sealcheck::policy::FsFiles, provider).map_err(|e| e.in_file(sealcheck::Input::Policy, p.display().to_string()))?;
    Ok(Some((time, sealcheck::policy::lint::signers_ending(&policy, time, args.warn_days))))
}

fn audit_summary(args: &AuditSummary, provider: &CryptoProvider) -> ExitCode {
    let ending = match signers_ending(args, provider) {
        Ok(e) => e,
        Err(e) => return audit_input_error(args.json, &e),
    };
    let s = match audit_check(&args.log, args.expect.as_deref(), args.json) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let ending = ending.as_ref().map(|(time, signers)| html::Ending { time: *time, warn_days: args.warn_days, signers });
    if let Some(path) = &args.html
        && let Err(e) = std::fs::write(path, html::summary_page(&s, ending.as_ref()))
    {
        return audit_input_error(args.json, &Error::Io { what: format!("HTML summary {}", path.display()), detail: e.to_string() });
    }
    if args.json {
        let mut v = serde_json::to_value(&s).unwrap_or_default();
        if let Some(e) = &ending {
            v["signers_ending"] = serde_json::json!({"time": e.time, "warn_days": e.warn_days, "signers": e.signers});
        }
        println!("{v}");
        return ExitCode::SUCCESS;
    }
    let time = |t: Option<UnixTime>| t.map_or_else(|| "-".to_string(), |t| t.to_string());
    println!("chain intact: {} records, tail {}", s.total, s.tail);
    println!("decisions {}: allowed {} ({} by exception), denied {}; with revocation hits {}", s.total, s.allowed, s.allowed_by_exception, s.denied, s.with_revocation_hits);
    println!("verification times {} .. {}", time(s.first_time), time(s.last_time));
    let counts = |title: &str, rows: &std::collections::BTreeMap<String, sealcheck::audit::Counts>| {
        println!("\n{title:<40} {:>9} {:>9} {:>9} {:>10}", "decisions", "allowed", "denied", "exceptions");
        for (k, c) in rows {
            println!("{k:<40} {:>9} {:>9} {:>9} {:>10}", c.decisions, c.allowed, c.denied, c.exceptions);
        }
    };
    println!("\n{:<60} {:>9}", "denials by reason", "count");
    for (reason, n) in &s.denials_by_reason {
        println!("{reason:<60} {n:>9}");
    }
    counts("scope", &s.scopes);
    println!("\n{:<40} {:>9}  exceptions (id: uses, not after, ticket, approver)", "exceptions by scope", "uses");
    if s.exceptions.is_empty() {
        println!("(none)");
    }
    for (scope, u) in &s.exceptions {
        println!("{scope:<40} {:>9}", u.uses);
        for (id, e) in &u.exceptions {
            println!("    {id}: {} uses, not after {}, {}, approved by {} (covers {})", e.uses, e.not_after, e.ticket, e.approver, e.scope);
        }
    }
    if let Some(e) = &ending {
        println!("\nsigners whose window ends within {} days of {}, or has ended", e.warn_days, e.time);
        if e.signers.is_empty() {
            println!("(none)");
        }
        for x in e.signers {
            let left = if x.expired { format!("ended ({} days)", x.days_left) } else { format!("{} days left", x.days_left) };
            println!("{:<40} valid until {}  {left}  (trusted in {})", x.signer, x.valid_until, x.scopes.join(", "));
        }
    }
    if !s.revocation_hits.is_empty() {
        println!("\n{:<60} {:>9}", "revocation hits", "count");
        for (hit, n) in &s.revocation_hits {
            println!("{hit:<60} {n:>9}");
        }
    }
    counts("day (UTC)", &s.days);
    ExitCode::SUCCESS
}

fn now(arg: Option<&str>) -> sealcheck::Result<UnixTime> {
    arg.map_or_else(|| Ok(UnixTime::now()), verifier::verification_time)
}

fn read(path: &Path, max: usize, what: &str, limit: &'static str) -> sealcheck::Result<Vec<u8>> {
    sealcheck::fs::read_file(path, max, what, limit)
}

/// The decision `verify` and `policy explain` take: the policy, the evidence from the source,
/// the revocation list, at the verification time.
fn decide_image(args: &VerifyImage, provider: CryptoProvider) -> sealcheck::Result<(sealcheck::Decision, Option<sealcheck_registry::Resolved>)> {
    let policy = compile_policy(args, &provider)?;
    let now = now(args.time.as_deref())?;
    let (image, resolved) = match args.source.strip_prefix("docker://") {
        Some(r) => {
            let from = verifier::image_reference(r)?;
            let reference = args.reference.as_deref().map_or_else(|| Ok(from.clone()), verifier::image_reference)?;
            let options = registry_options(args)?;
            let (image, resolved) = sealcheck_registry::Registry::new(options)?.collect(&from, reference, &provider)?;
            (image, Some(resolved))
        }
        None => {
            let asked = args.reference.as_deref().ok_or_else(|| Error::Usage("--reference is required for oci: and dir: sources".into()))?;
            (verifier::image_source(&args.source, verifier::image_reference(asked)?, &provider)?, None)
        }
    };
    let mut images = ImageVerifier::new(policy.into(), provider);
    if let Some(p) = &args.revocations {
        let json = read(p, limits::MAX_POLICY_BYTES, "revocation list", "revocation list size")?;
        images = images.with_revocations(std::sync::Arc::new(verifier::revocation_list(&json).map_err(|e| e.in_file(sealcheck::Input::Policy, p.display().to_string()))?));
    }
    Ok((images.decide(&image, now), resolved))
}

/// The decision `verify` and `policy explain` take ([`decide_image`]), recorded ([`record`]);
/// the exit status to return when it could not be taken or recorded.
fn decided_and_recorded(args: &VerifyImage, provider: CryptoProvider) -> Result<sealcheck::Decision, ExitCode> {
    let (decision, resolved) = decide_image(args, provider).map_err(|e| fail(args.json, "allowed", &e))?;
    record(args, &decision, resolved)?;
    Ok(decision)
}

/// What `verify` and `policy explain` do with a decision before their own output: append it to
/// `--audit-log` (a failed append is the exit status to return), and with `--json` print its
/// record, with the registry's `source` for a `docker://` image.
fn record(args: &VerifyImage, decision: &sealcheck::Decision, resolved: Option<sealcheck_registry::Resolved>) -> Result<(), ExitCode> {
    if let Some(log) = &args.audit_log
        && let Err(e) = sealcheck::audit::append(log, decision)
    {
        return Err(unrecorded(args.json, decision, &e));
    }
    if args.json {
        let mut record = serde_json::to_value(decision).unwrap_or_default();
        if let (Some(r), Some(obj)) = (resolved, record.as_object_mut()) {
            obj.insert("source".into(), serde_json::to_value(r).unwrap_or_default());
        }
        println!("{record}");
    }
    Ok(())
}

fn verify_image(args: &VerifyImage, provider: CryptoProvider) -> ExitCode {
    let decision = match decided_and_recorded(args, provider) {
        Ok(d) => d,
        Err(code) => return code,
    };
    if decision.allowed {
        eprintln!("sealcheck: allowed: {}", decision.reason);
        ExitCode::SUCCESS
    } else {
        eprintln!("sealcheck: denied: {}", decision.reason);
        ExitCode::from(1)
    }
}

/// The policy (any format), or the Notary trust policy with its trust store and CRLs.
fn compile_policy(args: &VerifyImage, provider: &CryptoProvider) -> sealcheck::Result<sealcheck::CompiledPolicy> {
    let crls: Vec<&Path> = args.crl.iter().map(PathBuf::as_path).collect();
    if let (Some(p), Some(store)) = (&args.notation_policy, &args.trust_store) {
        return verifier::policy_file(p, Some(store), &crls, provider).map(|(c, _)| c);
    }
    let p = args.policy.as_ref().ok_or_else(|| Error::Usage("--policy or --notation-policy is required".into()))?;
    verifier::policy_file(p, None, &[], provider).map(|(c, _)| c).map_err(|e| flag_hint(e, "give it with --notation-policy and --trust-store"))
}

/// `e`, naming the flags that give a Notary trust policy its trust store when that is what it
/// lacks.
fn flag_hint(e: Error, hint: &str) -> Error {
    match e {
        Error::Usage(m) if m.ends_with(verifier::NOTARY_NEEDS_STORE) => Error::Usage(format!("{m}: {hint}")),
        e => e,
    }
}

fn verify_blob(args: &VerifyBlob, provider: CryptoProvider) -> sealcheck::Result<String> {
    let json = read(&args.notation_policy, limits::MAX_TRUST_POLICY_BYTES, "trust policy", "trust policy file size")?;
    let store = verifier::notation_trust_store(&args.trust_store, &provider)?;
    let crls = verifier::crl_files(&args.crl.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;
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
    // One decision per run: no tag cache; the default per-host and parallel-fetch limits.
    let mut options = sealcheck_registry::Options::from_env();
    if let Some(p) = &args.registry_ca {
        options = options.with_ca_file(p, args.registry_ca_only)?;
    }
    if let Some(d) = &args.registries_d {
        options = options.with_registries_d(d.clone());
    }
    options.insecure.clone_from(&args.insecure_registry);
    options.platform = args.platform.as_deref().map(sealcheck_registry::Platform::parse).transpose()?;
    Ok(options)
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

/// The policy `policy check` was given, compiled, and the name of its format.
fn check_compile(args: &PolicyCheck, provider: &CryptoProvider) -> sealcheck::Result<(sealcheck::CompiledPolicy, &'static str)> {
    let crls: Vec<&Path> = args.crl.iter().map(PathBuf::as_path).collect();
    verifier::policy_file(&args.file, args.trust_store.as_deref(), &crls, provider).map(|(c, f)| (c, f.name())).map_err(|e| flag_hint(e, "give it with --trust-store"))
}

/// `policy check`: compile, summarize, lint. A policy that does not compile is exit 2,
/// whatever the error's class.
fn policy_check(args: &PolicyCheck, provider: &CryptoProvider) -> ExitCode {
    use sealcheck::policy::lint;
    let checked = now(args.now.as_deref()).and_then(|now| check_compile(args, provider).map(|(c, f)| (c, f, now)));
    let (policy, format, now) = match checked {
        Ok(c) => c,
        Err(e) => {
            if args.json {
                let error = serde_json::json!({"kind": e.cause().kind(), "class": e.class(), "code": e.code(), "message": e.to_string()});
                println!("{}", serde_json::json!({"valid": false, "error": error}));
            }
            eprintln!("sealcheck: error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = lint::LintOptions { max_signer_days: args.max_signer_days, max_exception_days: args.max_exception_days, now };
    let findings = lint::lint(&policy, &options);
    let summary = lint::summary(&policy);
    let failed = args.strict && !findings.is_empty();
    if args.json {
        println!(
            "{}",
            serde_json::json!({"valid": true, "format": format, "strict": args.strict, "passed": !failed,
                "summary": serde_json::to_value(&summary).unwrap_or_default(), "findings": serde_json::to_value(&findings).unwrap_or_default()})
        );
    } else {
        println!("format: {format}");
        print!("{summary}");
    }
    for f in &findings {
        eprintln!("{f}");
    }
    let n = findings.len();
    let plural = if n == 1 { "" } else { "s" };
    if failed {
        eprintln!("sealcheck: failed: the policy compiles, with {n} warning{plural} (--strict)");
        ExitCode::from(1)
    } else {
        eprintln!("sealcheck: the policy compiles, with {n} warning{plural}");
        ExitCode::SUCCESS
    }
}

/// `policy explain`: one decision, as `verify` takes it (recorded in `--audit-log` the same
/// way), printed rule by rule from its record.
fn policy_explain(args: &VerifyImage, provider: CryptoProvider) -> ExitCode {
    let decision = match decided_and_recorded(args, provider) {
        Ok(d) => d,
        Err(code) => return code,
    };
    if !args.json {
        print!("{}", sealcheck::policy::lint::explain(&decision));
    }
    ExitCode::from(u8::from(!decision.allowed))
}
