//! The server's TLS (RFC 8446 TLS 1.3 and RFC 5246 TLS 1.2 only; rustls with the AWS-LC
//! provider the registry client links): the certificate chain and private key are PEM files
//! re-read when their modification time or size changes (at most once every
//! [`RECHECK_INTERVAL`], on a handshake), as cert-manager or a mounted Secret rotates them. A new
//! pair that does not load (unreadable, no certificate, no key, a key that does not match the
//! certificate) keeps the old one and is logged and counted; the first pair must load.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, version};

use crate::metrics::{Metrics, log};

/// How often, at most, the files' metadata is looked at again.
pub const RECHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// The largest certificate or key file read.
pub use sealcheck_registry::MAX_CERT_FILE_BYTES;

/// Why a certificate/key pair did not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("TLS {what} {path}: {reason}")]
    Read {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The pair does not make a server identity.
    #[error("TLS pair {cert} / {key}: {reason}")]
    Pair {
        /// The certificate file.
        cert: String,
        /// The key file.
        key: String,
        /// Why.
        reason: String,
    },
}

/// The minimum protocol version offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub enum MinVersion {
    /// TLS 1.2 and 1.3 (the default: the API servers of supported Kubernetes releases speak 1.3,
    /// some load balancers and older clients only 1.2).
    #[default]
    #[serde(rename = "1.2")]
    Tls12,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    Tls13,
}

type Stamp = Option<(SystemTime, u64)>;

struct Current {
    key: Arc<CertifiedKey>,
    stamps: (Stamp, Stamp),
    checked: Instant,
}

/// A certificate resolver that follows its files.
pub struct ReloadingCert {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    metrics: Arc<Metrics>,
    current: Mutex<Current>,
}

impl std::fmt::Debug for ReloadingCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingCert").field("cert", &self.cert).field("key", &self.key).finish_non_exhaustive()
    }
}

fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path).ok().map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
}

impl ReloadingCert {
    /// Loads the pair; an error when it does not load.
    pub fn new(cert: &Path, key: &Path, provider: Arc<CryptoProvider>, metrics: Arc<Metrics>) -> Result<Self, TlsError> {
        let stamps = (stamp(cert), stamp(key));
        let loaded = load(cert, key, &provider)?;
        Ok(Self { cert: cert.into(), key: key.into(), provider, metrics, current: Mutex::new(Current { key: loaded, stamps, checked: Instant::now() }) })
    }

    /// The pair to use now: reloaded first when the files changed.
    fn refresh(&self) -> Arc<CertifiedKey> {
        let mut cur = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if cur.checked.elapsed() < RECHECK_INTERVAL {
            return cur.key.clone();
        }
        cur.checked = Instant::now();
        let stamps = (stamp(&self.cert), stamp(&self.key));
        if stamps != cur.stamps {
            // Whatever the outcome, this pair of files is not tried again until it changes.
            cur.stamps = stamps;
            match load(&self.cert, &self.key, &self.provider) {
                Ok(k) => {
                    cur.key = k;
                    log("info", "TLS certificate reloaded", serde_json::json!({"cert": self.cert.display().to_string()}));
                }
                Err(e) => {
                    self.metrics.tls_reload_errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    log("error", "TLS certificate reload failed; keeping the previous one", serde_json::json!({"error": e.to_string()}));
                }
            }
        }
        cur.key.clone()
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.refresh())
    }
}

fn load(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<Arc<CertifiedKey>, TlsError> {
    let read = |what: &'static str, path: &Path| {
        sealcheck::fs::read_file(path, MAX_CERT_FILE_BYTES, what, "TLS file size").map_err(|e| TlsError::Read { what, path: path.display().to_string(), reason: e.to_string() })
    };
    let pair = |reason: String| TlsError::Pair { cert: cert.display().to_string(), key: key.display().to_string(), reason };
    let chain = CertificateDer::pem_slice_iter(&read("certificate", cert)?).collect::<Result<Vec<_>, _>>().map_err(|e| pair(format!("certificate PEM: {e}")))?;
    if chain.is_empty() {
        return Err(pair("no CERTIFICATE block".into()));
    }
    let private = PrivateKeyDer::from_pem_slice(&read("key", key)?).map_err(|e| pair(format!("private key PEM: {e}")))?;
    let signing = provider.key_provider.load_private_key(private).map_err(|e| pair(format!("private key: {e}")))?;
    let certified = CertifiedKey::new(chain, signing);
    // A key whose public half cannot be compared is refused too: fail closed.
    certified.keys_match().map_err(|e| pair(format!("the key does not match the certificate: {e}")))?;
    Ok(Arc::new(certified))
}

/// The rustls server configuration over `resolver`, offering HTTP/1.1 by ALPN.
pub fn server_config(resolver: Arc<ReloadingCert>, min: MinVersion) -> Result<Arc<ServerConfig>, TlsError> {
    let versions: &[&'static rustls::SupportedProtocolVersion] = match min {
        MinVersion::Tls12 => &[&version::TLS13, &version::TLS12],
        MinVersion::Tls13 => &[&version::TLS13],
    };
    let provider = resolver.provider.clone();
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| TlsError::Pair { cert: resolver.cert.display().to_string(), key: resolver.key.display().to_string(), reason: e.to_string() })?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The AWS-LC provider.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}
