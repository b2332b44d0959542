//! A Certificate Transparency log (RFC 6962 §3) that signs SCTs over precertificates, and the
//! embedded SCT list extension (§3.3).
//!
//! The precertificate is the leaf's TBSCertificate without the SCT list extension, so a leaf is
//! built in three steps: TBS without the extension → SCT over it → the extension appended and the
//! final TBS signed ([`CtLog::embed`]).

use super::der::octets;
use super::keys::Key;
use super::pki::{Extension, Issuer, OID_SCT_LIST, Template};
use super::sha256;
use super::trusted_root::{LogKey, Window};

/// Which SCT a generated leaf embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SctSource {
    /// From the trusted CT log, over this precertificate.
    Trusted,
    /// From a CT log absent from the trusted root.
    UnknownLog,
    /// From the trusted CT log, over the TBS of another certificate (another serial).
    OverOtherTbs,
    /// No SCT list extension.
    Absent,
}

/// A CT log with a P-256 key.
pub struct CtLog {
    pub key: Key,
    pub base_url: String,
}

impl CtLog {
    pub fn new(label: &str, base_url: &str) -> Self {
        Self { key: Key::p256(label), base_url: base_url.to_string() }
    }

    /// The log id: SHA-256 of the log's SubjectPublicKeyInfo.
    pub fn log_id(&self) -> [u8; 32] {
        self.key.spki_sha256()
    }

    /// The trusted-root entry for this log.
    pub fn trust(&self, valid_for: Window) -> LogKey {
        LogKey::new(&self.base_url, &self.key, self.log_id().to_vec(), valid_for)
    }

    /// A TLS-encoded v1 SCT over precertificate `tbs`, issued under the key `issuer_spki`.
    pub fn sct(&self, timestamp_ms: u64, tbs: &[u8], issuer_spki: &[u8]) -> Vec<u8> {
        let tbs_len = u32::try_from(tbs.len()).unwrap().to_be_bytes();
        let signed = [
            &[0u8, 0][..], // v1, certificate_timestamp
            &timestamp_ms.to_be_bytes(),
            &[0, 1], // precert_entry
            &sha256(issuer_spki),
            &tbs_len[1..],
            tbs,
            &[0, 0], // no extensions
        ]
        .concat();
        let sig = self.key.sign(&signed);
        let sig_len = u16::try_from(sig.len()).unwrap().to_be_bytes();
        [&[0u8][..], &self.log_id(), &timestamp_ms.to_be_bytes(), &[0, 0], &[4, 3], &sig_len, &sig].concat()
    }

    /// Embeds an SCT from this log over `t` as `issuer` will sign it.
    pub fn embed(&self, t: Template, issuer: &Issuer, timestamp_ms: u64) -> Template {
        let sct = self.sct(timestamp_ms, &issuer.tbs(&t), &issuer.key.spki());
        t.with(sct_list(&[sct]))
    }
}

/// The SCT list extension (non-critical) holding `scts`.
pub fn sct_list(scts: &[Vec<u8>]) -> Extension {
    let mut list = Vec::new();
    for s in scts {
        list.extend_from_slice(&u16::try_from(s.len()).unwrap().to_be_bytes());
        list.extend_from_slice(s);
    }
    let mut tls = u16::try_from(list.len()).unwrap().to_be_bytes().to_vec();
    tls.extend_from_slice(&list);
    Extension::new(OID_SCT_LIST, false, octets(&tls))
}
