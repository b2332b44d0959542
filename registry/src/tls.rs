//! TLS for the registry source: rustls over AWS-LC, the platform's verifier
//! (rustls-platform-verifier) with extra roots, and per-host CAs and client certificates from
//! the `certs.d` layouts containers/image and Docker read.
//!
//! ureq's own rustls connector takes one root choice for the whole agent (platform *or* given
//! roots) and no per-host client certificate, so this module supplies the connector: a TCP
//! connection (through ureq's CONNECT proxy support) wrapped in a rustls client whose
//! configuration is chosen by the URL's `host[:port]`, built on the first connection to that
//! host (a plain-HTTP decision never loads the platform's roots).
//!
//! `certs.d` (containers/image `docker/docker_client.go` `dockerCertDir` and
//! `pkg/tlsclientconfig.SetupCertificates`): the first of the [`CertsDirs`] that has a
//! `<host[:port]>` subdirectory is read; every `*.crt` there adds CA certificates to the roots,
//! every `*.cert` needs the `*.key` of the same name (and every `*.key` its `*.cert`) and is a
//! client certificate. A file that does not parse, or a half pair, is an error, not a
//! connection without it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use sealcheck::Error;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport, TransportAdapter};

/// Largest certificate or key file read from `certs.d` or given as CA certificates, in bytes.
pub const MAX_CERT_FILE_BYTES: usize = 1024 * 1024;
/// Files read at most from one `certs.d/<host>` directory.
const MAX_CERT_FILES: usize = 64;

/// The directories whose `<host[:port]>` subdirectories hold per-host CAs and client
/// certificates, in the order they are tried (the first with a subdirectory for the host wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertsDirs(pub Vec<PathBuf>);

impl CertsDirs {
    /// `SEALCHECK_CERTS_D` (a `:`-separated list) if set; otherwise what containers/image
    /// v5.42 searches: `$XDG_CONFIG_HOME/containers/certs.d` (or `~/.config/containers/certs.d`),
    /// `/etc/containers/certs.rootful.d` (root) or `certs.rootless.d/<uid>` and
    /// `certs.rootless.d`, `/etc/containers/certs.d`, the same under `/usr/share/containers`,
    /// then `/etc/docker/certs.d`.
    #[must_use]
    pub fn from_env() -> Self {
        if let Some(v) = std::env::var_os("SEALCHECK_CERTS_D").filter(|v| !v.is_empty()) {
            return Self(std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect());
        }
        let mut dirs = crate::registries_d::drop_in_dirs("certs");
        dirs.push(PathBuf::from("/etc/docker/certs.d"));
        Self(dirs)
    }

    /// The directory for `host_port`, if one of the directories has it.
    #[must_use]
    pub fn for_host(&self, host_port: &str) -> Option<PathBuf> {
        if host_port.is_empty() || host_port.contains(['/', '\\']) || host_port == "." || host_port == ".." {
            return None;
        }
        self.0.iter().map(|d| d.join(host_port)).find(|d| d.is_dir())
    }
}

/// What one host's connections trust and present.
#[derive(Debug, Default)]
pub(crate) struct HostTls {
    /// CA certificates added to the roots.
    pub roots: Vec<CertificateDer<'static>>,
    /// The client certificate chain and its key.
    pub client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// Where they were read (for errors).
    pub dir: Option<PathBuf>,
}

fn io(what: impl Into<String>, detail: impl std::fmt::Display) -> Error {
    Error::Io { what: what.into(), detail: detail.to_string() }
}

/// The CERTIFICATE blocks of `pem` (at least one), for `what`.
pub(crate) fn parse_certificates(pem: &[u8], what: &str) -> sealcheck::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|e| io(what, format!("PEM: {e}")))?;
    if certs.is_empty() {
        return Err(io(what, "no CERTIFICATE block"));
    }
    Ok(certs)
}

fn read(path: &Path, what: &str) -> sealcheck::Result<Vec<u8>> {
    sealcheck::fs::read_file(path, MAX_CERT_FILE_BYTES, what, "certificate file size")
}

impl HostTls {
    /// Reads `dir` as `tlsclientconfig.SetupCertificates` does.
    pub fn load(dir: &Path) -> sealcheck::Result<Self> {
        let what = |p: &Path| format!("registry certificates {}", p.display());
        let mut names: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io(what(dir), e))? {
            let entry = entry.map_err(|e| io(what(dir), e))?;
            if let Some(n) = entry.file_name().to_str() {
                names.push(n.to_string());
            }
            if names.len() > MAX_CERT_FILES {
                return Err(Error::LimitExceeded { what: "files in a certs.d directory", max: MAX_CERT_FILES, got: names.len() });
            }
        }
        names.sort();
        let mut out = Self { dir: Some(dir.to_path_buf()), ..Self::default() };
        for name in &names {
            let path = dir.join(name);
            if name.ends_with(".crt") {
                out.roots.extend(parse_certificates(&read(&path, "registry CA certificate")?, &what(&path))?);
            } else if let Some(base) = name.strip_suffix(".cert") {
                let key_name = format!("{base}.key");
                if !names.contains(&key_name) {
                    return Err(io(what(&path), format!("missing key {key_name} for client certificate {name} (CA certificates use the extension .crt)")));
                }
                let chain = parse_certificates(&read(&path, "registry client certificate")?, &what(&path))?;
                let key_path = dir.join(&key_name);
                let key = PrivateKeyDer::from_pem_slice(&read(&key_path, "registry client key")?).map_err(|e| io(what(&key_path), format!("private key: {e}")))?;
                // Go appends every pair and presents the first the server accepts; rustls
                // presents one: the first in name order.
                if out.client.is_none() {
                    out.client = Some((chain, key));
                }
            } else if let Some(base) = name.strip_suffix(".key") {
                if !names.contains(&format!("{base}.cert")) {
                    return Err(io(what(&path), format!("missing client certificate {base}.cert for key {name}")));
                }
            }
        }
        Ok(out)
    }
}

/// The TLS configurations of one [`crate::Registry`]: the base trust, and what `certs.d` adds per
/// host.
pub(crate) struct TlsSetup {
    provider: Arc<rustls::crypto::CryptoProvider>,
    /// CA certificates added to (or, when `only`, replacing) the platform's roots.
    extra: Vec<CertificateDer<'static>>,
    only: bool,
    hosts: Mutex<HashMap<String, HostTls>>,
    built: Mutex<HashMap<String, Arc<ClientConfig>>>,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup").field("extra", &self.extra.len()).field("only", &self.only).finish_non_exhaustive()
    }
}

impl TlsSetup {
    /// Trusting the platform's roots and `extra_pem` (PEM certificates), or only `extra_pem`
    /// when `only`.
    pub fn new(extra_pem: Option<&[u8]>, only: bool) -> sealcheck::Result<Self> {
        let extra = extra_pem.map(|p| parse_certificates(p, "registry CA certificates")).transpose()?.unwrap_or_default();
        if only && extra.is_empty() {
            return Err(Error::Usage("trusting only the given registry CA certificates needs some".into()));
        }
        Ok(Self {
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            extra,
            only,
            hosts: Mutex::default(),
            built: Mutex::default(),
        })
    }

    /// Adds what `certs.d` holds for the host reached as `authority` (`host[:port]` of its URLs).
    pub fn set_host(&self, authority: &str, host: HostTls) {
        self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(authority.to_string(), host);
        // A configuration built before (for a redirect to this host) is built again with it.
        self.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(authority);
    }

    /// The client configuration for `authority`, built once.
    pub fn config(&self, authority: &str) -> Result<Arc<ClientConfig>, String> {
        let mut built = self.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = built.get(authority) {
            return Ok(c.clone());
        }
        let hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let host = hosts.get(authority);
        let mut roots = self.extra.clone();
        roots.extend(host.map(|h| h.roots.iter().cloned()).into_iter().flatten());
        let verifier: Arc<dyn ServerCertVerifier> = if self.only {
            let mut store = RootCertStore::empty();
            for r in roots {
                store.add(r).map_err(|e| format!("registry CA certificate: {e}"))?;
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), self.provider.clone()).build().map_err(|e| format!("registry CA certificates: {e}"))?
        } else {
            Arc::new(rustls_platform_verifier::Verifier::new_with_extra_roots(roots, self.provider.clone()).map_err(|e| format!("the platform's root certificates: {e}"))?)
        };
        let builder = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match host.and_then(|h| h.client.as_ref().map(|c| (c, h.dir.as_deref()))) {
            Some(((chain, key), dir)) => builder.with_client_auth_cert(chain.clone(), key.clone_key()).map_err(|e| {
                format!("client certificate in {}: {e}", dir.map_or_else(String::new, |d| d.display().to_string()))
            })?,
            None => builder.with_no_client_auth(),
        };
        let config = Arc::new(config);
        built.insert(authority.to_string(), config.clone());
        Ok(config)
    }
}

/// `host[:port]` of a URI authority as the URL spells it (userinfo dropped).
fn authority_of(details: &ConnectionDetails) -> Option<(String, String)> {
    let a = details.uri.authority()?;
    let host = a.host().trim_start_matches('[').trim_end_matches(']').to_string();
    let authority = a.as_str().rsplit_once('@').map_or(a.as_str(), |(_, h)| h).to_string();
    Some((authority, host))
}

/// The TLS step of the connector chain: wraps the TCP transport for `https` URLs.
#[derive(Debug, Clone)]
pub(crate) struct TlsConnector(pub Arc<TlsSetup>);

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else { return Ok(None) };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let (authority, host) = authority_of(details).ok_or(ureq::Error::Tls("a URL without a host"))?;
        let config = self.0.config(&authority).map_err(|e| ureq::Error::Io(std::io::Error::other(e)))?;
        let name = ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid TLS server name"))?;
        let mut conn = ClientConnection::new(config, name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        Ok(Some(Either::B(TlsTransport { buffers, stream: StreamOwned { conn, sock } })))
    }
}

/// A rustls client stream as a ureq transport.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        use std::io::Write as _;
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        use std::io::Read as _;
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certs_d_pairs_must_be_whole() {
        let dir = std::env::temp_dir().join(format!("sealcheck-certsd-{}", std::process::id()));
        let host = dir.join("r.test:5000");
        std::fs::create_dir_all(&host).unwrap();
        let dirs = CertsDirs(vec![dir.join("missing"), dir.clone()]);
        assert_eq!(dirs.for_host("r.test:5000"), Some(host.clone()));
        assert_eq!(dirs.for_host("other.test"), None);
        assert_eq!(dirs.for_host("../r.test:5000"), None);
        assert!(HostTls::load(&host).unwrap().client.is_none(), "an empty directory adds nothing");
        std::fs::write(host.join("client.key"), "x").unwrap();
        let e = HostTls::load(&host).unwrap_err().to_string();
        assert!(e.contains("missing client certificate client.cert"), "{e}");
        std::fs::remove_file(host.join("client.key")).unwrap();
        std::fs::write(host.join("client.cert"), "x").unwrap();
        let e = HostTls::load(&host).unwrap_err().to_string();
        assert!(e.contains("missing key client.key"), "{e}");
        std::fs::remove_file(host.join("client.cert")).unwrap();
        std::fs::write(host.join("ca.crt"), "not PEM").unwrap();
        assert!(HostTls::load(&host).is_err(), "a CA file without certificates is an error");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
