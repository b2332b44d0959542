//! X.509 certificates (RFC 5280): a parsed view ([`Certificate`]), the extensions sealcheck
//! reads (SAN, Fulcio `1.3.6.1.4.1.57264.1.*`, embedded SCTs), path validation at a given time,
//! and SCT verification (RFC 6962 §3.2).

mod cert;
pub(crate) mod ext;
pub(crate) mod path;
pub mod sct;

pub use cert::Certificate;
pub use ext::{FulcioExtensions, SubjectAltName, OID_EKU_CODE_SIGNING, OID_EKU_TIME_STAMPING};
pub use sct::{embedded_scts, Sct};
pub use path::{Budget, KeyPurpose, PathBuilder, TrustAnchor, VerifiedPath};
