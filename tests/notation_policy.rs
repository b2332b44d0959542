//! Notary Project trust policies and trust stores against notation's own fixtures, read in place
//! from `../shared/vectors/notation-suite` (PROVENANCE.md there):
//!
//! - every e2e trust policy of notaryproject/notation `test/e2e/testdata/config/trustpolicies/`
//!   parses or fails as notation-go's `OCIDocument.Validate` / `BlobDocument.Validate` does, with
//!   the error naming the same problem (the e2e suites `test/e2e/suite/trustpolicy/*.go` and
//!   `suite/command/policy.go` assert these messages);
//! - the trust stores of notaryproject/notation-go `verifier/testdata/truststore/` load or fail as
//!   `verifier/truststore/truststore_test.go` expects;
//! - directory loading rules (symlinks, sub-directories, extensions, empty stores) on generated
//!   stores in a temp dir.

#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sealcheck::crypto::{Backend, CryptoProvider};
use sealcheck::notation::dn::DistinguishedName;
use sealcheck::notation::trustpolicy::{Action, DocumentKind, Level, Scope, StoreType, TrustPolicyDocument, TrustedIdentities, Validation, VerifyTimestamp};
use sealcheck::notation::truststore::TrustStore;
use sealcheck::x509::Certificate;
use sealcheck::Error;

use support::keys::Key;
use support::pki::Issuer;

fn suite() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/notation-suite");
    assert!(p.join("PROVENANCE.md").is_file(), "{} is missing: these tests read the shared notation vectors in place", p.display());
    p
}

fn read(rel: &str) -> Vec<u8> {
    let p = suite().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("vector {} is missing: {e}", p.display()))
}

fn backend() -> &'static dyn Backend {
    CryptoProvider::default().backend()
}

const POLICIES: &str = "notation/test/e2e/testdata/config/trustpolicies";

/// What notation does with a policy file (PROVENANCE.md "Trust policy documents").
enum Want {
    /// Validates.
    Ok,
    /// Fails with an error containing this text (notation-go's own wording).
    Err(&'static str),
    /// notation-go accepts it, sealcheck refuses it on purpose (the reason: a stricter rule of
    /// the specification), with an error containing this text.
    Stricter(&'static str),
}

/// The 43 files, as PROVENANCE.md lists them.
const TABLE: &[(&str, DocumentKind, Want)] = &[
    ("any_registry_scope_trust_policy.json", DocumentKind::Oci, Want::Ok),
    ("audit_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    // A blob document (imported by `notation blob policy import`, suite/command/blob/policy.go).
    ("blob_trust_policy.json", DocumentKind::Blob, Want::Ok),
    ("empty_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Err("trust policy statement \"e2e\" has zero registry scopes")),
    ("empty_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err("trust policy statement \"e2e\" has an empty trusted identity")),
    ("generate_test_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("invalid_format_trustpolicy.json", DocumentKind::Oci, Want::Err("malformed trust policy")),
    // Valid; no statement applies to the e2e artifacts (checked below).
    ("invalid_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    // Valid; the store does not exist at verification time.
    ("invalid_trust_store_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    // Valid (C=USB); e2e.crt does not match it (checked below).
    ("invalid_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("malformed_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"registry scope "localhost:5000\\test-repo" is not valid"#)),
    ("malformed_trust_store_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"unsupported trust store name "" in trust store value "ca:""#)),
    ("malformed_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"trusted identity "x509.subject CN=e2e,O=Notary,L=Seattle,ST=WA,C=US" missing separator"#)),
    ("missing_country_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"has no mandatory RDN attribute for "C""#)),
    ("missing_organization_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"has no mandatory RDN attribute for "O""#)),
    ("missing_state_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"has no mandatory RDN attribute for "ST""#)),
    ("multi_statements_with_multi_wildcard_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"registry scope "*" is present in multiple oci trust policy statements"#)),
    ("multi_statements_with_the_same_name_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"multiple oci trust policy statements use the same name "e2e""#)),
    ("multi_statements_with_the_same_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"registry scope "localhost:5000/test-repo8" is present in multiple oci trust policy statements"#)),
    ("multi_statements_with_wildcard_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("multiple_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("multiple_trust_store_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("multiple_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    // The same scope twice in one statement counts as two statements.
    ("overlapped_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"registry scope "localhost:5000/test-repo6" is present in multiple oci trust policy statements"#)),
    // Accepted by notation-go (its e2e test is skipped: "overlapped trust stores were not checked").
    ("overlapped_trust_store_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("overlapped_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err("has overlapping x509 trustedIdentities")),
    ("override_audit_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("override_integrity_for_permissive_trustpolicy.json", DocumentKind::Oci, Want::Err(r#""integrity" verification can not be overridden in custom signature verification"#)),
    ("override_permissive_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("override_strict_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("permissive_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("quickstart_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    // notation-go accepts `skip` with the global scope `*`; the spec ("Note that `skip` cannot be
    // used with a global scope (`*`)") does not, and a global skip lets every image through.
    ("skip_trustpolicy.json", DocumentKind::Oci, Want::Stricter("skip cannot be used with a global scope")),
    ("timestamp_after_cert_expiry_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("timestamp_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("unset_trust_store_trustpolicy.json", DocumentKind::Oci, Want::Err("is either missing trust stores or trusted identities, both must be specified")),
    ("unset_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err("is either missing trust stores or trusted identities, both must be specified")),
    ("valid_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Ok),
    ("wildcard_plus_other_registry_scope_trustpolicy.json", DocumentKind::Oci, Want::Err("a wildcard scope cannot be used in conjunction with other scope values")),
    ("wildcard_plus_other_trusted_identity_trustpolicy.json", DocumentKind::Oci, Want::Err("a wildcard identity cannot be used in conjunction with other values")),
    ("wildcard_trust_store_trustpolicy.json", DocumentKind::Oci, Want::Err(r#"malformed trust store value "*""#)),
];

fn policy(name: &str) -> TrustPolicyDocument {
    let (_, kind, _) = TABLE.iter().find(|(n, ..)| *n == name).unwrap_or_else(|| panic!("{name} not in the table"));
    TrustPolicyDocument::parse(&read(&format!("{POLICIES}/{name}")), *kind).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every file of the directory is in the table, and each parses or fails as notation does.
#[test]
fn e2e_trust_policies() {
    let dir = suite().join(POLICIES);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut listed: Vec<String> = TABLE.iter().map(|(n, ..)| (*n).to_string()).collect();
    listed.sort();
    assert_eq!(files, listed, "the table lists exactly the files of {}", dir.display());
    assert_eq!(files.len(), 43);

    for (name, kind, want) in TABLE {
        let got = TrustPolicyDocument::parse(&read(&format!("{POLICIES}/{name}")), *kind);
        match (want, got) {
            (Want::Ok, Ok(doc)) => assert!(!doc.statements.is_empty(), "{name}"),
            (Want::Err(text) | Want::Stricter(text), Err(Error::Json { what, detail })) => {
                assert!(detail.contains(text), "{name}: {detail:?} does not contain {text:?}");
                assert_eq!(what, if *kind == DocumentKind::Oci { "trustpolicy.json" } else { "trustpolicy.blob.json" });
            }
            (Want::Ok, Err(e)) => panic!("{name}: notation accepts it, got {e}"),
            (_, Ok(_)) => panic!("{name}: notation (or the spec) rejects it, but it parsed"),
            (_, Err(e)) => panic!("{name}: not a policy error: {e:?}"),
        }
    }
}

/// What the valid documents say (notation e2e suites: registry_scope.go, multi_statements.go,
/// verification_level.go, trusted_identity.go; spec "Signature Verification details").
#[test]
fn e2e_policy_contents() {
    let base = policy("trustpolicy.json");
    let st = base.applicable("localhost:5000/e2e").expect("scope * applies to every repository");
    assert_eq!((st.name.as_str(), st.level, st.level_name.as_str()), ("e2e", Level::Strict, "strict"));
    assert_eq!(st.stores(StoreType::Ca).map(|s| s.name.as_str()).collect::<Vec<_>>(), ["e2e"]);
    assert_eq!(st.identities, TrustedIdentities::Any);
    assert_eq!(st.verify_timestamp, VerifyTimestamp::Always);
    assert!(Validation::ALL.iter().all(|v| st.action(*v) == Action::Enforce));
    assert_eq!(base.digest(), policy("any_registry_scope_trust_policy.json").digest(), "byte-identical files (same sha256 in PROVENANCE)");

    // multi_statements.go: the exact scope wins over *.
    let multi = policy("multi_statements_with_wildcard_registry_scope_trustpolicy.json");
    assert_eq!(multi.applicable("localhost:5000/test-repo9").unwrap().name, "e2e");
    assert_eq!(multi.applicable("localhost:5000/test-repo10").unwrap().name, "e2e2");
    let two = policy("multiple_registry_scope_trustpolicy.json");
    assert_eq!(two.statements[0].scopes, [Scope::Repository("localhost:5000/test-repo3".into()), Scope::Repository("localhost:5000/test-repo2".into())]);
    assert!(two.applicable("localhost:5000/test-repo2").is_some() && two.applicable("localhost:5000/test-repo").is_none());
    // registry_scope.go: "has no applicable oci trust policy statement".
    assert!(policy("invalid_registry_scope_trustpolicy.json").applicable("localhost:5000/e2e").is_none());
    assert_eq!(policy("registry_scope_trustpolicy.json").applicable("localhost:5000/test-repo").unwrap().name, "e2e");

    let actions = |name: &str| {
        let d = policy(name);
        let s = &d.statements[0];
        (s.level_name.clone(), Validation::ALL.map(|v| s.action(v)))
    };
    use Action::{Enforce as E, Log as L};
    assert_eq!(actions("permissive_trustpolicy.json"), ("permissive".into(), [E, E, L, L, L]));
    assert_eq!(actions("audit_trustpolicy.json"), ("audit".into(), [E, L, L, L, L]));
    assert_eq!(actions("override_audit_trustpolicy.json"), ("custom".into(), [E, E, E, E, E]));
    assert_eq!(actions("override_permissive_trustpolicy.json"), ("custom".into(), [E, L, E, E, E]));
    assert_eq!(actions("override_strict_trustpolicy.json"), ("custom".into(), [E, L, L, L, L]));

    let ts = policy("timestamp_after_cert_expiry_trustpolicy.json");
    assert_eq!(ts.statements[0].verify_timestamp, VerifyTimestamp::AfterCertExpiry);
    assert_eq!(ts.statements[0].stores(StoreType::Tsa).map(|s| s.name.as_str()).collect::<Vec<_>>(), ["e2e"]);
    assert_eq!(policy("timestamp_trustpolicy.json").statements[0].verify_timestamp, VerifyTimestamp::Always);
    assert_eq!(policy("overlapped_trust_store_trustpolicy.json").statements[0].stores(StoreType::Ca).count(), 2, "duplicates kept, as notation-go");

    let b = policy("blob_trust_policy.json");
    assert_eq!(b.applicable_blob(None).unwrap().name, "global-verification-policy");
    assert_eq!(b.applicable_blob(Some("skip-verification-policy")).unwrap().level, Level::Skip);
    let TrustedIdentities::Subjects(ids) = &b.applicable_blob(Some("wabbit-networks-policy")).unwrap().identities else { panic!() };
    assert_eq!(ids[0].to_string(), "C=US,ST=WA,L=Seattle,O=wabbit-networks.io,OU=Security Tools");
    assert!(TrustPolicyDocument::parse(&read(&format!("{POLICIES}/blob_trust_policy.json")), DocumentKind::Oci).is_err(), "not an OCI document");

    // The blob e2e policy (test/e2e/testdata/blob/trustpolicies/trustpolicy.blob.json).
    let blob = TrustPolicyDocument::parse(&read("notation/test/e2e/testdata/blob/trustpolicies/trustpolicy.blob.json"), DocumentKind::Blob).unwrap();
    assert_eq!(blob.applicable_blob(None).unwrap().name, "test-blob-global-statement");
    assert_eq!(blob.applicable_blob(Some("test-blob-with-timestamping")).unwrap().stores(StoreType::Tsa).count(), 1);
}

/// trusted_identity.go: `valid_trusted_identity` matches the e2e signer (localkeys/e2e.crt),
/// `invalid_trusted_identity` (C=USB) does not; multiple_trusted_identity's second identity
/// matches expired_e2e.crt, whose subject is written in another order.
#[test]
fn e2e_identities_against_certificates() {
    let leaf = |file: &str| {
        let pem = String::from_utf8(read(&format!("notation/test/e2e/testdata/config/localkeys/{file}"))).unwrap();
        let der = sealcheck::encoding::pem_decode_one(file, &pem, "CERTIFICATE").unwrap();
        let cert = Certificate::from_der(file, &der).unwrap();
        DistinguishedName::from_name_der(cert.subject_der()).unwrap()
    };
    let ids = |name: &str| match &policy(name).statements[0].identities {
        TrustedIdentities::Subjects(d) => d.clone(),
        TrustedIdentities::Any => panic!("{name}"),
    };
    let e2e = leaf("e2e.crt");
    assert_eq!(e2e.to_string(), "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
    assert!(ids("valid_trusted_identity_trustpolicy.json")[0].is_subset_of(&e2e));
    assert!(!ids("invalid_trusted_identity_trustpolicy.json")[0].is_subset_of(&e2e));
    let multi = ids("multiple_trusted_identity_trustpolicy.json");
    let expired = leaf("expired_e2e.crt");
    assert!(multi[0].is_subset_of(&e2e) && !multi[0].is_subset_of(&expired));
    assert!(multi[1].is_subset_of(&expired) && !multi[1].is_subset_of(&e2e));
}

// ---- trust stores ---------------------------------------------------------------------------

const STORES: &str = "notation-go/verifier/testdata/truststore/x509";

fn load(kind: StoreType, name: &str) -> sealcheck::Result<TrustStore> {
    load_at(kind, name, &format!("{}/{name}", kind.name()))
}

fn load_at(kind: StoreType, name: &str, rel: &str) -> sealcheck::Result<TrustStore> {
    let dir = suite().join(STORES).join(rel);
    assert!(dir.is_dir(), "vector store {} is missing", dir.display());
    let mut ts = TrustStore::new();
    ts.add_dir(backend(), kind, name, &dir)?;
    Ok(ts)
}

fn load_err(kind: StoreType, name: &str) -> String {
    match load(kind, name) {
        Ok(_) => panic!("{kind}:{name} loaded"),
        Err(e) => e.to_string(),
    }
}

/// notation-go verifier/truststore/truststore_test.go, test by test.
#[test]
fn notation_go_trust_stores() {
    // TestLoadValidTrustStore (PEM and DER files, self-signed leaves next to CA roots).
    let ts = load(StoreType::Ca, "valid-trust-store").unwrap();
    assert_eq!(ts.certificates(StoreType::Ca, "valid-trust-store").unwrap().len(), 6);
    // TestLoadValidTrustStoreWithSelfSignedSigningCertificate.
    assert_eq!(load(StoreType::Ca, "valid-trust-store-self-signed").unwrap().certificates(StoreType::Ca, "valid-trust-store-self-signed").unwrap().len(), 1);
    // TestLoadTrustStoreWithInvalidCerts: the junk file "invalid".
    let mut junk = TrustStore::new();
    let dir = suite().join(STORES).join("ca/trust-store-with-invalid-certs");
    let e = junk.add_dir(backend(), StoreType::Ca, "trust-store-with-invalid-certs", &dir).unwrap_err();
    assert!(matches!(e, Error::Der { .. }) && e.to_string().contains("trust store ca:trust-store-with-invalid-certs: certificate file invalid"), "{e}");
    assert!(junk.certificates(StoreType::Ca, "trust-store-with-invalid-certs").is_none());
    // TestLoadTrustStoreWithLeafCerts / TestValidateCertsWithLeafCert.
    let e = load_err(StoreType::Ca, "trust-store-with-leaf-certs");
    assert!(e.contains("failed to validate the trusted certificate non-ca.crt"), "{e}");
    assert!(e.contains(r#"with subject "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US" is not a CA certificate or self-signed signing certificate"#), "{e}");
    // TestLoadTrustStoreWithLeafCertsInSingleFile.
    let e = load_err(StoreType::Ca, "trust-store-with-leaf-certs-in-single-file");
    assert!(e.contains("failed to validate the trusted certificate RootAndLeafCerts.crt"), "{e}");
    // TestGetCertFromValidTsaTrustStore.
    assert_eq!(load(StoreType::Tsa, "test-timestamp").unwrap().certificates(StoreType::Tsa, "test-timestamp").unwrap().len(), 1);
    // TestGetCertFromInvalidTsaTrustStore: "non CA certificate" and "not self-issued".
    let e = load_err(StoreType::Tsa, "test-nonCA");
    assert!(e.contains("trusted certificate wabbit-networks.io.crt is invalid") && e.contains(r#"with subject "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US" is not a root CA certificate"#), "{e}");
    let e = load_err(StoreType::Tsa, "test-nonSelfIssued");
    assert!(
        e.contains("is not a root CA certificate: issuer (CN=Notation Test Revokable RSA Chain Cert Root,O=Notary,L=Seattle,ST=WA,C=US) and subject (CN=Notation Test Revokable RSA Chain Cert 2,O=Notary,L=Seattle,ST=WA,C=US) are not the same"),
        "{e}"
    );
    // The other stores the verifier tests use load (PROVENANCE.md).
    for (kind, name, n) in [
        (StoreType::Ca, "valid-trust-store-2", 2),
        (StoreType::SigningAuthority, "valid-trust-store", 3),
        (StoreType::SigningAuthority, "valid-trust-store-2", 2),
        (StoreType::Tsa, "test-mismatch", 1),
    ] {
        let ts = load(kind, name).unwrap_or_else(|e| panic!("{kind}:{name}: {e}"));
        assert_eq!(ts.certificates(kind, name).unwrap().len(), n, "{kind}:{name}");
    }
    // A store of another type is another store.
    assert!(ts.certificates(StoreType::SigningAuthority, "valid-trust-store").is_none());
}

/// The symlink and sub-directory fixtures. In the snapshot the symlinks are plain files (git
/// blobs holding the link target), so they fail as non-certificates; real symlinks are made in
/// a temp dir below (`symlinks_refused`).
#[test]
fn notation_go_store_layout_fixtures() {
    let e = load_err(StoreType::Ca, "valid-trust-store_SYMLINK");
    assert!(e.contains("certificate file valid-trust-store_SYMLINK"), "{e}");
    let e = load_at(StoreType::Ca, "trust-store-with-cert-symlinks", "trust-store-with-cert-symlinks").unwrap_err().to_string();
    assert!(e.contains("GlobalSignRootCA_SYMLINK.crt"), "{e}");
    // truststore.go: "directories or symlinks are not supported" (the spec says sub-directories
    // are ignored; notation-go refuses them, and so does sealcheck).
    let e = load_at(StoreType::Ca, "trust-store-with-directories", "trust-store-with-directories").unwrap_err().to_string();
    assert!(e.contains("sub-dir") && e.contains("directories or symlinks are not supported"), "{e}");
    // The whole directory: its ca stores include the invalid ones, so it does not load.
    let e = TrustStore::load_dir(backend(), &suite().join("notation-go/verifier/testdata/truststore")).unwrap_err().to_string();
    assert!(e.contains("trust store ca:"), "{e}");
}

// ---- generated stores in a temp dir -----------------------------------------------------------

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("sealcheck-truststore-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn roots() -> (Vec<u8>, Vec<u8>) {
    let a = Issuer::root(Key::p256("notation store a"), "notation store a");
    let b = Issuer::root(Key::p384("notation store b"), "notation store b");
    (a.cert, b.cert)
}

#[test]
fn load_dir_layout() {
    let (a, b) = roots();
    let t = TempDir::new();
    t.file("x509/ca/acme/a.pem", support::pem("CERTIFICATE", &a).as_bytes());
    t.file("x509/ca/acme/b.der", &b); // any name, as notation-go (its valid store has GlobalSign.der)
    t.file("x509/signingAuthority/sa.1/both.crt", &[a.clone(), b.clone()].concat());
    t.file("x509/tsa/tsa_roots/root.crt", support::pem("CERTIFICATE", &b).as_bytes());
    t.file("x509/README", b"not read: only the three type directories are");
    let ts = TrustStore::load_dir(backend(), &t.0).unwrap();
    assert_eq!(ts.certificates(StoreType::Ca, "acme").unwrap().len(), 2);
    assert_eq!(ts.certificates(StoreType::SigningAuthority, "sa.1").unwrap().len(), 2);
    assert_eq!(ts.certificates(StoreType::Tsa, "tsa_roots").unwrap().len(), 1);
    assert!(ts.certificates(StoreType::Ca, "sa.1").is_none());

    // The digest does not depend on which file a certificate came from.
    let mut again = TrustStore::new();
    again.add_file(backend(), StoreType::Ca, "acme", &[b.clone(), a.clone()].concat(), "one file").unwrap();
    again.add_file(backend(), StoreType::SigningAuthority, "sa.1", &b, "b").unwrap();
    again.add_file(backend(), StoreType::SigningAuthority, "sa.1", &a, "a").unwrap();
    again.add_file(backend(), StoreType::Tsa, "tsa_roots", &b, "b").unwrap();
    assert_eq!(again.digest(), ts.digest());

    // Missing x509/<type> directories are no stores; a missing x509 directory too.
    let only_ca = TempDir::new();
    only_ca.file("x509/ca/acme/a.pem", &a);
    let ts = TrustStore::load_dir(backend(), &only_ca.0).unwrap();
    assert_eq!(ts.stores().count(), 1);
    let empty = TempDir::new();
    assert_eq!(TrustStore::load_dir(backend(), &empty.0).unwrap().stores().count(), 0);
    assert!(matches!(TrustStore::load_dir(backend(), &empty.0.join("nope")), Err(Error::NotFound(_))));
}

#[test]
fn load_dir_refusals() {
    let (a, _) = roots();
    let refused = |setup: &dyn Fn(&TempDir), want: &str| {
        let t = TempDir::new();
        setup(&t);
        let e = TrustStore::load_dir(backend(), &t.0).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains(want), "{e:?} does not contain {want:?}");
    };
    refused(&|t| std::fs::create_dir_all(t.0.join("x509/ca/empty")).unwrap(), "no x509 certificates were found in trust store ca:empty");
    refused(&|t| { t.file("x509/ca/acme/notes.txt", b"not a certificate"); }, "certificate file notes.txt: malformed DER");
    refused(
        &|t| {
            t.file("x509/ca/acme/a.pem", &a);
            t.file("x509/ca/acme/.hidden", b"");
        },
        "certificate file .hidden",
    );
    refused(
        &|t| {
            t.file("x509/ca/acme/a.pem", &a);
            t.file("x509/ca/acme/sub/b.pem", &a);
        },
        "directories or symlinks are not supported",
    );
    refused(&|t| { t.file("x509/ca/stray.pem", &a); }, "is not a directory");
    refused(&|t| { t.file("x509/ca/bad name/a.pem", &a); }, "is not a valid trust store name");
    refused(&|t| { t.file("x509/ca/big/a.pem", &vec![b' '; sealcheck::limits::MAX_KEY_FILE_BYTES + 1]); }, "exceeds the limit");
}

#[cfg(unix)]
#[test]
fn symlinks_refused() {
    use std::os::unix::fs::symlink;
    let (a, _) = roots();
    // A symlinked certificate file (truststore.go: "is not a regular file (directories or
    // symlinks are not supported)"; spec: "Symlinks are not supported").
    let t = TempDir::new();
    let real = t.file("elsewhere/a.pem", &a);
    t.file("x509/ca/acme/b.pem", &a);
    symlink(&real, t.0.join("x509/ca/acme/a.pem")).unwrap();
    let e = TrustStore::load_dir(backend(), &t.0).unwrap_err().to_string();
    assert!(e.contains("a.pem") && e.contains("symlinks are not supported"), "{e}");
    // A symlinked named store.
    let t = TempDir::new();
    t.file("elsewhere/a.pem", &a);
    std::fs::create_dir_all(t.0.join("x509/ca")).unwrap();
    symlink(t.0.join("elsewhere"), t.0.join("x509/ca/linked")).unwrap();
    let e = TrustStore::load_dir(backend(), &t.0).unwrap_err().to_string();
    assert!(e.contains("linked") && e.contains("symlinks are not supported"), "{e}");
    let mut ts = TrustStore::new();
    assert!(ts.add_dir(backend(), StoreType::Ca, "linked", &t.0.join("x509/ca/linked")).is_err());
    // A symlinked type directory is a path component, followed as notation-go does.
    let t = TempDir::new();
    t.file("real-ca/acme/a.pem", &a);
    std::fs::create_dir_all(t.0.join("x509")).unwrap();
    symlink(t.0.join("real-ca"), t.0.join("x509/ca")).unwrap();
    assert_eq!(TrustStore::load_dir(backend(), &t.0).unwrap().stores().count(), 1);
}
