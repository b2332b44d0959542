//! Who may sign, and how much independent evidence a signature needs: the one description of
//! trusted signers that every verifier checks evidence against. A policy, a command line or a
//! C/WASM caller builds it once, at load; nothing in it is re-read or re-parsed per signature.
//!
//! The trust material itself (transparency logs, CT logs, certificate authorities, timestamp
//! authorities) is a [`TrustedRoot`]: Sigstore's `trusted_root.json`, or one assembled from a
//! policy's keys and CA files.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::{Backend, HashAlgorithm, PublicKey};
#[cfg(feature = "cache")]
use crate::encoding::Transcript;
use crate::encoding::hex_encode;
use crate::sigstore::identity::CertificateIdentity;
use crate::sigstore::trusted_root::{TrustedRoot, Window};

/// A public key trusted out of band, optionally only within a window of signing times
/// (GHSA-wqqc-jjcq-vfxm): a signature counts only if every verified time lies inside it.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    key: PublicKey,
    valid_for: Option<Window>,
    id: [u8; 32],
}

impl TrustedKey {
    /// A key trusted at all times.
    #[must_use]
    pub fn new(backend: &dyn Backend, key: PublicKey) -> Self {
        Self::within(backend, key, None)
    }

    /// A key trusted only inside `valid_for` (always, when `None`).
    #[must_use]
    pub fn within(backend: &dyn Backend, key: PublicKey, valid_for: Option<Window>) -> Self {
        let mut id = [0u8; 32];
        id.copy_from_slice(backend.digest(HashAlgorithm::Sha256, key.spki_der()).as_bytes());
        Self { key, valid_for, id }
    }

    /// The key.
    #[must_use]
    pub const fn key(&self) -> &PublicKey {
        &self.key
    }

    /// When signatures by it count.
    #[must_use]
    pub const fn valid_for(&self) -> Option<&Window> {
        self.valid_for.as_ref()
    }

    /// SHA-256 of the key's SubjectPublicKeyInfo (what Sigstore key hints and log ids use).
    #[must_use]
    pub const fn id(&self) -> &[u8; 32] {
        &self.id
    }

    /// [`Self::id`] in lowercase hex.
    #[must_use]
    pub fn id_hex(&self) -> alloc::string::String {
        hex_encode(&self.id)
    }
}

/// Who may sign.
#[derive(Debug, Clone)]
pub enum Signers {
    /// Any of these keys.
    Keys(Vec<TrustedKey>),
    /// A certificate issued by one of the trusted root's certificate authorities, naming this
    /// identity.
    Certificate(CertificateIdentity),
}

/// How many distinct authorities must vouch, counted over distinct logs, CT logs and time
/// sources (GHSA-9vcr-p3rj-q5q6).
///
/// With a `timestamps` threshold of 0 and no verified time at all, a certificate is validated
/// at the verification time (containers-policy.json `pki`); otherwise at every verified time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Distinct transparency logs with a verified entry.
    pub tlog: usize,
    /// Distinct CT logs with a verified SCT (certificates only).
    pub ctlog: usize,
    /// Distinct verified time sources (log SETs and TSAs).
    pub timestamps: usize,
}

impl Default for Thresholds {
    /// Sigstore's: one log, one CT log, one verified time.
    fn default() -> Self {
        Self { tlog: 1, ctlog: 1, timestamps: 1 }
    }
}

/// Everything a signature is checked against: the trust material, who may sign, and the
/// thresholds, named by a digest of all three. Immutable and cheap to share (`Arc`).
#[derive(Debug, Clone)]
pub struct Trust {
    /// Logs, CT logs, certificate authorities and timestamp authorities.
    pub root: Arc<TrustedRoot>,
    /// Who may sign.
    pub signers: Signers,
    /// How much independent evidence is required.
    pub thresholds: Thresholds,
    #[cfg(feature = "cache")]
    digest: [u8; 32],
}

impl Trust {
    /// Trust in `signers` through `root`, with `thresholds`.
    #[must_use]
    pub fn new(root: Arc<TrustedRoot>, signers: Signers, thresholds: Thresholds) -> Self {
        Self {
            #[cfg(feature = "cache")]
            digest: digest_of(&root, &signers, thresholds),
            root,
            signers,
            thresholds,
        }
    }

    /// SHA-256 naming everything a verification under this trust depends on (every log, CA and
    /// TSA with its window, the signers, the thresholds): two trusts with the same digest
    /// verify the same evidence to the same facts. The fact cache keys on it.
    #[cfg(feature = "cache")]
    #[must_use]
    pub const fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// SHA-256 over a transcript of the trust material, the signers and the thresholds.
#[cfg(feature = "cache")]
fn digest_of(root: &TrustedRoot, signers: &Signers, thresholds: Thresholds) -> [u8; 32] {
    let mut t = Transcript::default();
    root.transcribe(&mut t);
    match signers {
        Signers::Keys(keys) => {
            t.number(0).number(keys.len() as i64);
            for k in keys {
                t.field(&k.id).number(i64::from(k.valid_for.is_some()));
                k.valid_for.unwrap_or(Window::ALWAYS).transcribe(&mut t);
            }
        }
        Signers::Certificate(id) => id.transcribe(t.number(1)),
    }
    t.number(thresholds.tlog as i64).number(thresholds.ctlog as i64).number(thresholds.timestamps as i64);
    t.sha256()
}

#[cfg(all(test, feature = "cache"))]
mod tests {
    use super::*;
    use crate::sigstore::identity::Matcher;

    fn trust(san: Matcher, thresholds: Thresholds) -> Trust {
        let root = Arc::new(TrustedRoot::from_parts(Vec::new(), Vec::new(), Vec::new(), Vec::new()));
        Trust::new(root, Signers::Certificate(CertificateIdentity::new(san, Matcher::exact("https://issuer"))), thresholds)
    }

    #[test]
    fn the_digest_names_signers_and_thresholds() {
        let d = |t: Trust| *t.digest();
        let base = d(trust(Matcher::exact("a"), Thresholds::default()));
        assert_eq!(base, d(trust(Matcher::exact("a"), Thresholds::default())));
        assert_ne!(base, d(trust(Matcher::exact("b"), Thresholds::default())));
        assert_ne!(base, d(trust(Matcher::regex("a").unwrap(), Thresholds::default())), "a regexp is not the exact value");
        assert_ne!(base, d(trust(Matcher::exact("a"), Thresholds { tlog: 2, ..Thresholds::default() })));
        let with_root = |root: TrustedRoot| d(Trust::new(Arc::new(root), Signers::Keys(Vec::new()), Thresholds::default()));
        let empty = with_root(TrustedRoot::from_parts(Vec::new(), Vec::new(), Vec::new(), Vec::new()));
        let pki = with_root(TrustedRoot::from_parts(Vec::new(), Vec::new(), Vec::new(), Vec::new()).with_leaf_purpose(crate::x509::KeyPurpose::CodeSigningUnlessUnrestricted));
        assert_ne!(empty, pki);
    }
}
