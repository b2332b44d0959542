//! `tls.minVersion` of `sealcheck serve`, against the real server (`Server::start`, a
//! certificate for 127.0.0.1 generated with the `openssl` command) and rustls's client
//! offering one protocol version at a time.
//!
//! What is shown follows RFC 8446 §4.1.3 and §4.2.1 (the server selects a version among those
//! the client offers in `supported_versions`, TLS 1.2 by `legacy_version` without the extension)
//! and §6.2 (a `protocol_version` alert when it supports none of them), as rustls's server
//! selects the version (`ServerConfig` built `with_protocol_versions`: TLS 1.3 only, or TLS 1.3
//! and 1.2): with `"minVersion": "1.3"` a client offering only TLS 1.2 is refused with that
//! alert and a TLS 1.3 client is served; with the default a TLS 1.2-only client is served over
//! TLS 1.2 and a TLS 1.3 client over TLS 1.3. A `minVersion` spelled otherwise is refused
//! naming the spellings read.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
#[path = "../../registry/tests/common/mod.rs"]
mod common;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{AlertDescription, ClientConfig, ClientConnection, ProtocolVersion, RootCertStore, SupportedProtocolVersion, version};
use sealcheck::CryptoProvider;
use sealcheck_admission::server::{ServeConfig, Server};
use serde_json::json;

/// The server for `tls` (the certificate and key added) on a free port; the policy need not
/// exist (`/healthz` answers before it loads).
fn serve(pki: &common::Pki, tls: serde_json::Value) -> Server {
    let mut tls = tls;
    tls["cert"] = json!(pki.path("server.crt"));
    tls["key"] = json!(pki.path("server.key"));
    let config = json!({"admission": {"policy": pki.path("policy.json")}, "listen": "127.0.0.1:0", "tls": tls});
    Server::start(&ServeConfig::from_json(config.to_string().as_bytes()).unwrap(), CryptoProvider::by_name("aws-lc").unwrap()).unwrap()
}

/// A handshake with the server at `addr` offering only `versions`, then `GET /healthz`: the
/// version negotiated and the answer's status line, or the handshake's error.
fn healthz(addr: SocketAddr, ca: &CertificateDer<'static>, versions: &[&'static SupportedProtocolVersion]) -> Result<(ProtocolVersion, String), rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let mut config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider())).with_protocol_versions(versions).unwrap().with_root_certificates(roots).with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut conn = ClientConnection::new(Arc::new(config), ServerName::try_from("127.0.0.1").unwrap()).unwrap();
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return Err(e.into_inner().and_then(|e| e.downcast::<rustls::Error>().ok()).map_or_else(|| panic!("the handshake failed without a TLS error"), |e| *e));
        }
    }
    let negotiated = conn.protocol_version().unwrap();
    let mut s = rustls::Stream::new(&mut conn, &mut tcp);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8(answer).unwrap();
    Ok((negotiated, answer.lines().next().unwrap_or_default().to_string()))
}

#[test]
fn min_version_is_the_lowest_version_negotiated() {
    let pki = common::Pki::generate(&peers::scratch("tls-versions"));
    let ca = CertificateDer::from_pem_file(pki.path("ca.crt")).unwrap();
    let ok = |v| Ok((v, "HTTP/1.1 200 OK".to_string()));

    let strict = serve(&pki, json!({"minVersion": "1.3"}));
    assert_eq!(healthz(strict.local_addr(), &ca, &[&version::TLS12]), Err(rustls::Error::AlertReceived(AlertDescription::ProtocolVersion)));
    assert_eq!(healthz(strict.local_addr(), &ca, &[&version::TLS13]), ok(ProtocolVersion::TLSv1_3));
    // Offered both, the highest is taken.
    assert_eq!(healthz(strict.local_addr(), &ca, &[&version::TLS13, &version::TLS12]), ok(ProtocolVersion::TLSv1_3));
    strict.shutdown();

    for tls in [json!({}), json!({"minVersion": "1.2"})] {
        let default = serve(&pki, tls.clone());
        assert_eq!(healthz(default.local_addr(), &ca, &[&version::TLS12]), ok(ProtocolVersion::TLSv1_2), "{tls}");
        assert_eq!(healthz(default.local_addr(), &ca, &[&version::TLS13]), ok(ProtocolVersion::TLSv1_3), "{tls}");
        assert_eq!(healthz(default.local_addr(), &ca, &[&version::TLS13, &version::TLS12]), ok(ProtocolVersion::TLSv1_3), "{tls}");
        default.shutdown();
    }
}

#[test]
fn a_min_version_spelled_otherwise_is_refused() {
    for (tls, says) in [
        (json!({"minVersion": "TLSv1.3"}), "unknown variant `TLSv1.3`, expected `1.2` or `1.3`"),
        (json!({"minVersion": "1.1"}), "unknown variant `1.1`, expected `1.2` or `1.3`"),
        (json!({"minversion": "1.3"}), "unknown field `minversion`, expected one of `cert`, `key`, `minVersion`"),
    ] {
        let mut tls = tls;
        tls["cert"] = json!("/c.pem");
        tls["key"] = json!("/k.pem");
        let config = json!({"admission": {"policy": "/p.json"}, "tls": tls});
        let e = ServeConfig::from_json(config.to_string().as_bytes()).unwrap_err().to_string();
        assert!(e.contains(says), "{tls}: {e}");
    }
}
