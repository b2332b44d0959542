//! sealcheck where images are admitted: the programs operators install, each marshalling over
//! the one Rust API (`sealcheck::verifier`) and the registry source (`sealcheck_registry`).
//!
//! - [`admit`]: one image reference (and, from containerd, the digest it resolved) → the
//!   evidence from its registry → a decision under the configured policy, recorded in the
//!   audit log when one is configured.
//! - [`config`]: the admission configuration file (policy, registry options, audit log,
//!   deadline) both programs read.
//! - [`containerd`]: containerd 2.x's `io.containerd.image-verifier.v1.bindir` protocol.
//! - `sealcheck serve`, the Kubernetes webhooks and the Gatekeeper provider: [`review`]
//!   (`AdmissionReview` v1), [`workload`] (the images a Pod or pod template runs), [`patch`]
//!   (the JSON Patch pinning digests), [`gatekeeper`] (external data `ProviderRequest` →
//!   `ProviderResponse`), [`namespaces`] (per-namespace policies, reloaded whole), [`tls`]
//!   (rustls, certificate files followed), [`metrics`] (Prometheus text, JSON logs), [`http`]
//!   (HTTP/1.1 request framing), and [`server`] (HTTPS routes, the decision pool, deadlines;
//!   `sealcheck serve`).
//!
//! Its own crate so that the core never links a server stack (the CLI links it for `sealcheck
//! serve`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod gatekeeper;
pub mod http;
pub mod metrics;
pub mod namespaces;
pub mod patch;
pub mod review;
pub mod server;
pub mod tls;
pub mod workload;

pub mod admit;
pub mod config;
pub mod containerd;

pub use admit::{Admitted, Admitter};

/// Checks that the members `pointers` (RFC 6901; `""` is the document) of `json`, a document a
/// typed reader already accepted, are JSON objects wherever present and not null. serde reads a
/// struct from a JSON array of its fields too (`["/p.json"]` as `{"policy": "/p.json"}`); every
/// format read here is objects, so such a document is refused, not read.
pub(crate) fn objects(json: &[u8], pointers: &[&str]) -> std::result::Result<(), String> {
    let v: serde_json::Value = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    match pointers.iter().find(|p| v.pointer(p).is_some_and(|m| !m.is_object() && !m.is_null())) {
        Some(p) => Err(format!("{} is not a JSON object", if p.is_empty() { "the document" } else { p })),
        None => Ok(()),
    }
}

/// The pure parsers of what the admission programs are handed, bytes to typed values with no
/// I/O (what the fuzz targets drive): an `AdmissionReview` body and the images its object runs,
/// a `ProviderRequest` body, the admission and `sealcheck serve` configurations, containerd's
/// verifier flags and the descriptor it writes on stdin, and an HTTP/1.1 request as `sealcheck
/// serve` reads one.
pub mod parse {
    pub use crate::gatekeeper::parse as provider_request;
    pub use crate::patch::operations as patch_operations;
    pub use crate::review::{parse as admission_review, uid_of as review_uid};
    pub use crate::workload::images;

    use crate::config::AdmissionConfig;
    use crate::containerd::{Invocation, read_descriptor};
    use crate::http::{Request, Stop, read_request};
    use crate::server::{ServeConfig, body_limit};

    /// An admission configuration file's bytes, checked ([`AdmissionConfig::from_json`]).
    pub fn admission_config(json: &[u8]) -> sealcheck::Result<AdmissionConfig> {
        AdmissionConfig::from_json(json)
    }

    /// A `sealcheck serve` configuration file's bytes, checked ([`ServeConfig::from_json`]).
    pub fn serve_config(json: &[u8]) -> sealcheck::Result<ServeConfig> {
        ServeConfig::from_json(json)
    }

    /// containerd's verifier arguments after the program name ([`Invocation::parse`]).
    pub fn containerd_args(args: &[std::ffi::OsString]) -> sealcheck::Result<Invocation> {
        Invocation::parse(args)
    }

    /// The descriptor containerd writes on stdin, checked against `invocation`
    /// ([`read_descriptor`] on the bytes).
    pub fn descriptor(bytes: &[u8], invocation: &Invocation) -> sealcheck::Result<()> {
        read_descriptor(&mut &bytes[..], invocation)
    }

    /// One HTTP/1.1 request from the front of `bytes`, read as a `sealcheck serve` connection
    /// reads one ([`read_request`], with the routes' body limits; what it writes, a `100
    /// Continue`, is dropped). `bytes` is left at what follows the request: the next pipelined
    /// one when it was read.
    pub fn http_request(bytes: &mut &[u8]) -> Result<Request, Stop> {
        /// The slice as a stream whose writes go nowhere.
        struct Slice<'a, 'b>(&'b mut &'a [u8]);
        impl std::io::Read for Slice<'_, '_> {
            fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                self.0.read(b)
            }
        }
        impl std::io::Write for Slice<'_, '_> {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let whole = *bytes;
        let mut buf = Vec::new();
        let r = read_request(&mut Slice(bytes), &mut buf, body_limit);
        // What was read ahead and not taken is what follows the request.
        *bytes = &whole[whole.len() - bytes.len() - buf.len()..];
        r
    }
}
