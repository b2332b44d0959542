//! TLS against the real registry (distribution v3) served over HTTPS with a certificate from a
//! generated test CA and requiring client certificates (`http.tls.clientcas`): the registry
//! source reads it with the CA and the client certificate from a `certs.d/<host:port>/`
//! directory (`ca.crt`, `client.cert`, `client.key`, as containers/image reads them), and fails
//! with an input error naming the host without the client certificate or without trusting the
//! CA. `--registry-ca` certificates are added to the platform's roots, not put in their place:
//! the "platform" roots here are `SSL_CERT_FILE` (read by rustls-platform-verifier on Linux),
//! which is why this test is its own binary (it sets the variable for the process).
//!
//! `#[ignore]`: `.ci/run` builds the peers and runs it with `SEALCHECK_PEERS`.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
mod common;

use common::{Pki, collect};
use peers::{Registry, scratch};
use sealcheck::oci::Reference;
use sealcheck::{CryptoProvider, ErrorClass};
use sealcheck_registry::{CertsDirs, Options};

fn https(mut o: Options) -> Options {
    o.insecure.clear();
    o
}

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn client_certificates_and_cas_from_certs_d() {
    let dir = scratch("registry-tls");
    let pki = Pki::generate(&dir.join("pki"));
    let p = |n: &str| pki.path(n).display().to_string();
    let reg = Registry::start_with(&dir, &format!("  tls:\n    certificate: {}\n    key: {}\n    clientcas:\n      - {}\n", p("server.crt"), p("server.key"), p("ca.crt")));
    let (ca, cert, key) = (p("ca.crt"), p("client.crt"), p("client.key"));
    let tls_flags = ["--ca-file", &ca, "--cert-file", &cert, "--key-file", &key];
    let digest = common::push_platform_image(&reg.host, &dir, "app", "v1", "tls layer", "linux", "amd64", &tls_flags);
    let reference = Reference::parse(&format!("{}/app:v1", reg.host)).unwrap();
    let provider = CryptoProvider::default();
    // The platform's roots: an unrelated CA only (rustls-native-certs reads SSL_CERT_FILE alone
    // when it is set), so that nothing on this machine trusts the test CA by accident.
    // SAFETY: the only test of this binary; set before any verifier reads it.
    unsafe { std::env::set_var("SSL_CERT_FILE", pki.path("other-ca.crt")) };

    // certs.d/<host:port>/ with the CA and the client pair: read.
    let certs_d = dir.join("certs.d");
    let host_dir = certs_d.join(&reg.host);
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::copy(pki.path("ca.crt"), host_dir.join("ca.crt")).unwrap();
    std::fs::copy(pki.path("client.crt"), host_dir.join("client.cert")).unwrap();
    std::fs::copy(pki.path("client.key"), host_dir.join("client.key")).unwrap();
    let with_certs = Options { certs_dirs: CertsDirs(vec![dir.join("no-such-dir"), certs_d.clone()]), ..https(common::options(&reg.host)) };
    let (ev, resolved) = collect(&reference, reference.clone(), &with_certs, &provider).unwrap_or_else(|e| panic!("with certs.d: {e}"));
    assert_eq!(resolved.digest.to_string(), digest);
    assert!(ev.manifest().is_some());

    // The CA alone (no client certificate): the server refuses the handshake.
    std::fs::remove_file(host_dir.join("client.cert")).unwrap();
    std::fs::remove_file(host_dir.join("client.key")).unwrap();
    let e = collect(&reference, reference.clone(), &with_certs, &provider).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input, "{e}");
    assert!(e.to_string().contains(&reg.host), "the error names the host: {e}");

    // A half pair is an error naming the directory, not a connection without it.
    std::fs::copy(pki.path("client.key"), host_dir.join("client.key")).unwrap();
    let e = collect(&reference, reference.clone(), &with_certs, &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("missing client certificate client.cert"), "{e}");
    std::fs::copy(pki.path("client.crt"), host_dir.join("client.cert")).unwrap();

    // The client pair without the CA: the server's certificate is not trusted.
    std::fs::remove_file(host_dir.join("ca.crt")).unwrap();
    let e = collect(&reference, reference.clone(), &with_certs, &provider).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains(&reg.host), "{e}");

    // --registry-ca adds to the platform's roots: with the test CA as the "platform" root, an
    // unrelated extra CA keeps the connection working (it replaced the roots before).
    unsafe { std::env::set_var("SSL_CERT_FILE", pki.path("ca.crt")) };
    let extra = Options { ca_pem: Some(std::fs::read(pki.path("other-ca.crt")).unwrap()), ..with_certs.clone() };
    collect(&reference, reference.clone(), &extra, &provider).unwrap_or_else(|e| panic!("platform roots and an extra CA: {e}"));
    // ...and with ca_only the platform's roots are not used.
    let only = Options { ca_only: true, ..extra.clone() };
    let e = collect(&reference, reference.clone(), &only, &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains(&reg.host), "{e}");
    // The extra CA is what trusts the server when the platform does not.
    unsafe { std::env::set_var("SSL_CERT_FILE", pki.path("other-ca.crt")) };
    let by_extra = Options { ca_pem: Some(std::fs::read(pki.path("ca.crt")).unwrap()), ..with_certs.clone() };
    collect(&reference, reference.clone(), &by_extra, &provider).unwrap_or_else(|e| panic!("trusted through --registry-ca: {e}"));
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}
