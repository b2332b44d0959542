//! Certification path building and validation at given times (RFC 5280 §6.1, the subset
//! Sigstore and Notary need), in the manner of rustls-webpki: from the leaf, every issuer
//! candidate (a trust anchor or an untrusted intermediate whose subject is the child's issuer)
//! is tried in turn, depth first, backing out of dead ends; a path is accepted only when every
//! link verifies (names and key identifiers chain, the issuer is a CA with keyCertSign within its
//! pathLenConstraint, no unknown critical extension, the signature), every certificate is valid
//! at every given time, the leaf's keyUsage and extendedKeyUsage fit the [`KeyPurpose`], and
//! the caller's callback accepts it (a Sigstore CA window, SCTs). A [`Budget`] bounds the search.
//! Revocation is out of scope.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::cert::Certificate;
use super::ext::{KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN, OID_EKU_CODE_SIGNING, OID_EKU_TIME_STAMPING};
use crate::crypto::{self, Backend, Message};
use crate::error::{Error, Result};
use crate::limits::MAX_CHAIN_DEPTH;
use crate::time::UnixTime;

/// What the leaf certificate must be good for (RFC 5280 §4.2.1.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// The leaf asserts codeSigning (Fulcio certificates).
    CodeSigning,
    /// The leaf asserts codeSigning, or has no extendedKeyUsage at all, which permits any use
    /// (PKI roots of containers-policy.json, as Go's `x509.Verify` treats them).
    CodeSigningUnlessUnrestricted,
    /// The leaf asserts timeStamping (RFC 3161 §2.3).
    TimeStamping,
}

impl KeyPurpose {
    fn check(self, what: &str, leaf: &Certificate) -> Result<()> {
        let eku = leaf.extensions().ext_key_usage.as_ref();
        let (oid, purpose) = match self {
            Self::CodeSigning | Self::CodeSigningUnlessUnrestricted => (OID_EKU_CODE_SIGNING, "codeSigning"),
            Self::TimeStamping => (OID_EKU_TIME_STAMPING, "timeStamping"),
        };
        let ok = match (self, eku) {
            (Self::CodeSigningUnlessUnrestricted, None) => true,
            (_, Some(list)) => list.contains(&oid),
            (_, None) => false,
        };
        if ok { Ok(()) } else { Err(Error::ExtendedKeyUsage { what: what.to_string(), purpose }) }
    }
}

/// Limits on one path search (rustls-webpki's `Budget`): signature checks and candidates tried.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    signatures: usize,
    candidates: usize,
}

impl Budget {
    /// Signature checks one search may make.
    pub const SIGNATURES: usize = 100;
    /// Issuer candidates one search may try.
    pub const CANDIDATES: usize = 10_000;
}

impl Default for Budget {
    fn default() -> Self {
        Self { signatures: Self::SIGNATURES, candidates: Self::CANDIDATES }
    }
}

/// A trusted certificate chain, nearest certificate first: a CA that issues leaves (a Fulcio
/// intermediate, then its root; or a single root), or a TSA's signing certificate and its
/// issuers. Its links were verified when it was made.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    chain: Vec<Certificate>,
}

impl TrustAnchor {
    /// A trust anchor from `chain`, after verifying its links: each certificate issued by the
    /// next, every issuer a CA with keyCertSign within its pathLenConstraint. `chain[0]` may be a
    /// CA or an end entity (a TSA). Validity is checked at each use, at the times of that use.
    pub fn new(backend: &dyn Backend, what: &str, chain: Vec<Certificate>) -> Result<Self> {
        if chain.is_empty() || chain.len() > MAX_CHAIN_DEPTH {
            return Err(Error::ChainTooDeep { what: what.to_string() });
        }
        let first_is_ca = is_ca(&chain[0]);
        for (i, pair) in chain.windows(2).enumerate() {
            if let [child, issuer] = pair {
                // Non-leaf certificates below `issuer`: chain[0..=i] when chain[0] is a CA.
                let below = if first_is_ca { i + 1 } else { i };
                check_link(backend, child, issuer, below, &alloc::format!("{what} certificate {i}"), &alloc::format!("{what} certificate {}", i + 1), true)?;
            }
        }
        Ok(Self { chain })
    }

    /// A trust anchor whose links are verified elsewhere: the embedded Sigstore roots, whose
    /// links `tests/embedded.rs` verifies, so that a process start does not redo them.
    pub(crate) const fn prevalidated(chain: Vec<Certificate>) -> Self {
        Self { chain }
    }

    /// The chain, nearest certificate first.
    #[must_use]
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The certificate that issues leaves (or, for a TSA, the signing certificate).
    #[must_use]
    pub fn first(&self) -> &Certificate {
        &self.chain[0]
    }

    /// For an anchor whose first certificate is itself the end entity (a TSA): that certificate
    /// fits `purpose`, and every certificate of the chain is valid at `time`.
    pub fn check_end_entity(&self, what: &str, time: UnixTime, purpose: KeyPurpose) -> Result<()> {
        check_leaf(what, self.first(), purpose)?;
        for (i, c) in self.chain.iter().enumerate() {
            validity(c, &issuer_name(what, i), &[time])?;
        }
        Ok(())
    }
}

impl AsRef<TrustAnchor> for TrustAnchor {
    fn as_ref(&self) -> &TrustAnchor {
        self
    }
}

/// A path that validated: the untrusted intermediates used, nearest first, and the anchor.
#[derive(Debug, Clone)]
pub struct VerifiedPath<'a> {
    intermediates: Vec<&'a Certificate>,
    anchor_index: usize,
    anchor: &'a TrustAnchor,
}

impl<'a> VerifiedPath<'a> {
    /// The leaf's issuer.
    #[must_use]
    pub fn issuer(&self) -> &'a Certificate {
        self.intermediates.first().copied().unwrap_or_else(|| self.anchor.first())
    }

    /// The untrusted intermediates, nearest first.
    #[must_use]
    pub fn intermediates(&self) -> &[&'a Certificate] {
        &self.intermediates
    }

    /// Which anchor (its index in the builder's anchors) the path ends at.
    #[must_use]
    pub const fn anchor_index(&self) -> usize {
        self.anchor_index
    }

    /// The anchor the path ends at.
    #[must_use]
    pub const fn anchor(&self) -> &'a TrustAnchor {
        self.anchor
    }
}

/// Builds a validated path from a leaf to one of a set of trust anchors.
pub struct PathBuilder<'a, A: AsRef<TrustAnchor>> {
    backend: &'a dyn Backend,
    anchors: &'a [A],
    intermediates: &'a [Certificate],
    purpose: KeyPurpose,
    budget: Budget,
}

/// Why a candidate was given up: it failed (`Next`), the caller refused an otherwise valid path
/// (`Refused`), or the search is over (`Stop`).
enum Fail {
    Next(Error),
    Refused(Error),
    Stop(Error),
}

/// How specific a candidate's failure is, to report the best reason when none works: no
/// issuer at all says least, a path the caller refused more, a candidate that failed its own
/// checks most.
fn rank(f: &Fail) -> u8 {
    match f {
        Fail::Next(Error::UnknownIssuer { .. }) => 0,
        Fail::Refused(_) => 1,
        Fail::Next(_) | Fail::Stop(_) => 2,
    }
}

impl<'a, A: AsRef<TrustAnchor>> PathBuilder<'a, A> {
    /// A builder over `anchors` (trusted) and `intermediates` (untrusted, any order) for leaves
    /// that must fit `purpose`.
    #[must_use]
    pub fn new(backend: &'a dyn Backend, anchors: &'a [A], intermediates: &'a [Certificate], purpose: KeyPurpose) -> Self {
        Self { backend, anchors, intermediates, purpose, budget: Budget::default() }
    }

    /// Uses `budget` instead of the default one.
    #[must_use]
    pub const fn with_budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// Finds a path for `leaf` (named `what` in errors) valid at every time in `times` that
    /// `accept` accepts; when `accept` refuses a path, the search goes on. Returns the first
    /// accepted path, or the most specific reason none was found.
    pub fn build(
        &self,
        what: &str,
        leaf: &Certificate,
        times: &[UnixTime],
        accept: &mut dyn FnMut(&VerifiedPath<'a>) -> Result<()>,
    ) -> Result<VerifiedPath<'a>> {
        check_leaf(what, leaf, self.purpose)?;
        validity(leaf, what, times)?;
        let mut budget = self.budget;
        let mut path: Vec<&'a Certificate> = Vec::new();
        match self.search(what, leaf, times, &mut path, &mut budget, accept) {
            Ok(p) => Ok(p),
            Err(Fail::Next(e) | Fail::Refused(e) | Fail::Stop(e)) => Err(e),
        }
    }

    fn search(
        &self,
        what: &str,
        child: &Certificate,
        times: &[UnixTime],
        path: &mut Vec<&'a Certificate>,
        budget: &mut Budget,
        accept: &mut dyn FnMut(&VerifiedPath<'a>) -> Result<()>,
    ) -> core::result::Result<VerifiedPath<'a>, Fail> {
        let name = |i: usize| issuer_name(what, i);
        let mut best: Option<Fail> = None;
        let note = |f: Fail, best: &mut Option<Fail>| {
            if best.as_ref().is_none_or(|b| rank(&f) > rank(b)) {
                *best = Some(f);
            }
        };
        // Trust anchors first: a path ends at the first one that works.
        for (index, anchor) in self.anchors.iter().enumerate() {
            let anchor = anchor.as_ref();
            if !names_issuer(anchor.first(), child) {
                continue;
            }
            match self.try_anchor(what, child, times, path, index, anchor, budget, accept) {
                Ok(p) => return Ok(p),
                Err(Fail::Stop(e)) => return Err(Fail::Stop(e)),
                Err(f) => note(f, &mut best),
            }
        }
        // Then untrusted intermediates, never one already on the path.
        if path.len() + 2 <= MAX_CHAIN_DEPTH {
            for cand in self.intermediates {
                if !names_issuer(cand, child) || cand.der() == child.der() || path.iter().any(|p| p.der() == cand.der()) {
                    continue;
                }
                spend_link(budget)?;
                let depth = path.len() + 1;
                let step = check_link(self.backend, child, cand, path.len(), &name(depth - 1), &name(depth), true)
                    .and_then(|()| validity(cand, &name(depth), times));
                if let Err(e) = step {
                    note(Fail::Next(e), &mut best);
                    continue;
                }
                path.push(cand);
                match self.search(what, cand, times, path, budget, accept) {
                    Ok(p) => return Ok(p),
                    Err(Fail::Stop(e)) => return Err(Fail::Stop(e)),
                    Err(f) => note(f, &mut best),
                }
                path.pop();
            }
        } else if best.is_none() {
            best = Some(Fail::Next(Error::ChainTooDeep { what: what.to_string() }));
        }
        Err(best.unwrap_or_else(|| Fail::Next(Error::UnknownIssuer { what: name(path.len()) })))
    }

    #[allow(clippy::too_many_arguments)]
    fn try_anchor(
        &self,
        what: &str,
        child: &Certificate,
        times: &[UnixTime],
        path: &[&'a Certificate],
        index: usize,
        anchor: &'a TrustAnchor,
        budget: &mut Budget,
        accept: &mut dyn FnMut(&VerifiedPath<'a>) -> Result<()>,
    ) -> core::result::Result<VerifiedPath<'a>, Fail> {
        let name = |i: usize| issuer_name(what, i);
        spend_link(budget)?;
        let depth = path.len();
        let check = || -> Result<()> {
            check_link(self.backend, child, anchor.first(), depth, &name(depth), &name(depth + 1), true)?;
            // The anchor's own links were verified when it was made; its constraints still bind
            // this path (pathLenConstraint counts the intermediates below), and every certificate
            // must be valid now.
            let chain = anchor.chain();
            validity(&chain[0], &name(depth + 1), times)?;
            for (k, pair) in chain.windows(2).enumerate() {
                if let [c, issuer] = pair {
                    let below = depth + k + 1;
                    check_link(self.backend, c, issuer, below, &name(depth + k + 1), &name(depth + k + 2), false)?;
                    validity(issuer, &name(depth + k + 2), times)?;
                }
            }
            if depth + chain.len() + 1 > MAX_CHAIN_DEPTH {
                return Err(Error::ChainTooDeep { what: what.to_string() });
            }
            Ok(())
        };
        check().map_err(Fail::Next)?;
        let verified = VerifiedPath { intermediates: path.to_vec(), anchor_index: index, anchor };
        accept(&verified).map_err(Fail::Refused)?;
        Ok(verified)
    }
}

/// Spends one issuer candidate and the signature check of its link: a candidate is tried only
/// by checking its signature, so the two are always spent together (candidates first).
fn spend_link(budget: &mut Budget) -> core::result::Result<(), Fail> {
    let exhausted = |what, max| Fail::Stop(Error::LimitExceeded { what, max, got: max + 1 });
    budget.candidates = budget.candidates.checked_sub(1).ok_or_else(|| exhausted("path building candidates", Budget::CANDIDATES))?;
    budget.signatures = budget.signatures.checked_sub(1).ok_or_else(|| exhausted("path building signature checks", Budget::SIGNATURES))?;
    Ok(())
}

fn is_ca(c: &Certificate) -> bool {
    c.extensions().basic_constraints.is_some_and(|(ca, _)| ca)
}

/// `issuer` is a candidate issuer of `child`: its subject is the child's issuer name, and the key
/// identifiers agree when both are present.
fn names_issuer(issuer: &Certificate, child: &Certificate) -> bool {
    child.issuer_der() == issuer.subject_der()
        && match (&child.extensions().authority_key_id, &issuer.extensions().subject_key_id) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
}

/// The leaf's own constraints: no unknown critical extension, keyUsage digitalSignature (if
/// present), extendedKeyUsage for `purpose`.
fn check_leaf(what: &str, leaf: &Certificate, purpose: KeyPurpose) -> Result<()> {
    let ext = leaf.extensions();
    if let Some(oid) = ext.unknown_critical {
        return Err(Error::UnknownCriticalExtension { what: what.to_string(), oid: oid.to_string() });
    }
    if ext.key_usage.is_some_and(|ku| ku & (1 << KU_DIGITAL_SIGNATURE) == 0) {
        return Err(Error::KeyUsage { what: what.to_string(), usage: "digitalSignature" });
    }
    purpose.check(what, leaf)
}

/// Checks that `issuer` may have issued `child`: names and key ids chain, the issuer is a CA
/// with keyCertSign, `intermediates_below` non-leaf certificates sit between it and the leaf
/// (pathLenConstraint), no unknown critical extension, and (if asked) the signature.
pub(crate) fn check_link(backend: &dyn Backend, child: &Certificate, issuer: &Certificate, intermediates_below: usize, what_child: &str, what_issuer: &str, verify_sig: bool) -> Result<()> {
    if !names_issuer(issuer, child) {
        return Err(Error::UnknownIssuer { what: what_child.to_string() });
    }
    let iext = issuer.extensions();
    if let Some(oid) = iext.unknown_critical {
        return Err(Error::UnknownCriticalExtension { what: what_issuer.to_string(), oid: oid.to_string() });
    }
    match iext.basic_constraints {
        Some((true, path_len)) => {
            if path_len.is_some_and(|pl| intermediates_below as u64 > pl) {
                return Err(Error::PathLenExceeded { what: what_issuer.to_string() });
            }
        }
        _ => return Err(Error::NotACa { what: what_issuer.to_string() }),
    }
    if iext.key_usage.is_some_and(|ku| ku & (1 << KU_KEY_CERT_SIGN) == 0) {
        return Err(Error::KeyUsage { what: what_issuer.to_string(), usage: "keyCertSign" });
    }
    if verify_sig {
        crypto::verify_signature(
            backend,
            || alloc::format!("{what_child}: certificate signature"),
            child.signature_scheme(),
            issuer.public_key(),
            Message::Raw(child.tbs_der()),
            child.signature(),
        )?;
    }
    Ok(())
}

pub(crate) fn validity(c: &Certificate, what: &str, times: &[UnixTime]) -> Result<()> {
    match times.iter().find(|t| !c.valid_at(**t)) {
        None => Ok(()),
        Some(t) => Err(Error::CertificateNotValidAt {
            what: what.to_string(),
            time: t.secs(),
            not_before: c.not_before().secs(),
            not_after: c.not_after().secs(),
        }),
    }
}

/// How errors name the certificate at `depth` of a path for `what` (0: the leaf).
fn issuer_name(what: &str, depth: usize) -> String {
    if depth == 0 { what.to_string() } else { alloc::format!("{what}: issuer {depth}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::test_support::keys::Key;
    use crate::test_support::pki::{Issuer, LeafSpec, Template};
    use crate::test_support::{T0, YEAR};

    fn cert(der: &[u8]) -> Certificate {
        Certificate::from_der("test certificate", der).unwrap()
    }

    fn anchor(chain: &[&[u8]]) -> TrustAnchor {
        TrustAnchor::new(&RUST_CRYPTO, "test anchor", chain.iter().map(|d| cert(d)).collect()).unwrap()
    }

    /// A CA template without a subjectKeyIdentifier, so that issuers are chosen by name alone.
    fn ca(cn: &str, key: &Key, serial: u64) -> Template {
        Template::ca(serial, cn, key, None).without(crate::test_support::pki::OID_SUBJECT_KEY_ID)
    }

    /// A code-signing leaf issued by `issuer`, without an authorityKeyIdentifier.
    fn leaf(issuer: &Issuer) -> Certificate {
        cert(&issuer.issue_without_aki(&LeafSpec::default().template()))
    }

    const AT: [UnixTime; 1] = [UnixTime::from_secs(T0 + 60)];

    /// Two anchors with the same subject and overlapping windows: the path through the second
    /// (the one that signed) is found by backtracking out of the first.
    #[test]
    fn same_subject_anchors_backtrack() {
        let first = Issuer::root_from(Key::p256("ca one"), &ca("shared ca", &Key::p256("ca one"), 1));
        let second = Issuer::root_from(Key::p256("ca two"), &ca("shared ca", &Key::p256("ca two"), 2));
        let anchors = [anchor(&[&first.cert]), anchor(&[&second.cert])];
        let l = leaf(&second);
        let b = PathBuilder::new(&RUST_CRYPTO, &anchors, &[], KeyPurpose::CodeSigning);
        let path = b.build("leaf", &l, &AT, &mut |_| Ok(())).unwrap();
        assert_eq!(path.anchor_index(), 1);
        // Without the second anchor: the first fails on its signature.
        let only_first = [anchor(&[&first.cert])];
        let e = PathBuilder::new(&RUST_CRYPTO, &only_first, &[], KeyPurpose::CodeSigning).build("leaf", &l, &AT, &mut |_| Ok(())).unwrap_err();
        assert_eq!(e.kind(), "BadSignature");
    }

    /// The caller's callback refuses a path (a CA window, SCTs): the search goes on and finds
    /// another path through a cross-signed intermediate.
    #[test]
    fn callback_refusal_keeps_searching() {
        let root_a = Issuer::root(Key::p384("root a"), "root a");
        let root_b = Issuer::root(Key::p384("root b"), "root b");
        let key = Key::p384("intermediate");
        let t = Template::ca(7, "intermediate", &key, Some(0));
        let via_a = root_a.issue_issuer(&t, key.clone());
        let via_b = root_b.issue_issuer(&t, key);
        let l = cert(&via_a.issue(&LeafSpec::default().template()));
        let anchors = [anchor(&[&root_a.cert]), anchor(&[&root_b.cert])];
        let pool = [cert(&via_a.cert), cert(&via_b.cert)];
        let b = PathBuilder::new(&RUST_CRYPTO, &anchors, &pool, KeyPurpose::CodeSigning);
        let path = b.build("leaf", &l, &AT, &mut |p| if p.anchor_index() == 0 { Err(Error::AuthorityOutsideValidity { what: "a".into(), time: 0 }) } else { Ok(()) }).unwrap();
        assert_eq!(path.anchor_index(), 1);
        assert_eq!(path.issuer().der(), pool[1].der(), "through the intermediate root b signed");
        // Refusing every path ends with the callback's reason.
        let e = b.build("leaf", &l, &AT, &mut |_| Err(Error::AuthorityOutsideValidity { what: "a".into(), time: 0 })).unwrap_err();
        assert_eq!(e.kind(), "AuthorityOutsideValidity");
    }

    /// A ring of cross-signed CAs that never reaches an anchor: the search ends within its
    /// budget (or by exhausting the candidates) with an error, never loops.
    #[test]
    fn cross_signed_loop_ends_within_the_budget() {
        let keys: Vec<Key> = (0..6).map(|i| Key::p256(&alloc::format!("loop ca {i}"))).collect();
        let mut pool = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            for (j, signer) in keys.iter().enumerate() {
                if i != j {
                    let t = ca("loop ca", k, (i * 10 + j) as u64);
                    pool.push(cert(&Issuer::root_from(signer.clone(), &t).issue_without_aki(&t)));
                }
            }
        }
        let l = leaf(&Issuer::root_from(keys[0].clone(), &ca("loop ca", &keys[0], 99)));
        let unrelated = Issuer::root(Key::p256("unrelated root"), "unrelated root");
        let anchors = [anchor(&[&unrelated.cert])];
        let e = PathBuilder::new(&RUST_CRYPTO, &anchors, &pool, KeyPurpose::CodeSigning).build("leaf", &l, &AT, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(e, Error::LimitExceeded { .. } | Error::UnknownIssuer { .. } | Error::ChainTooDeep { .. }), "{e}");
        assert!(matches!(e, Error::LimitExceeded { what: "path building signature checks", .. }), "30 cross-signed certificates exhaust the signature budget: {e}");
    }

    #[test]
    fn every_certificate_at_every_time() {
        let fulcio = crate::test_support::World::get();
        let ca = &fulcio.fulcio;
        let anchors = [anchor(&[&ca.intermediate.cert, &ca.root.cert])];
        let l = cert(&ca.intermediate.issue(&LeafSpec::default().template()));
        let b = PathBuilder::new(&RUST_CRYPTO, &anchors, &[], KeyPurpose::CodeSigning);
        b.build("leaf", &l, &AT, &mut |_| Ok(())).unwrap();
        let late = [UnixTime::from_secs(T0 + 60), UnixTime::from_secs(T0 + 11 * 60)];
        assert_eq!(b.build("leaf", &l, &late, &mut |_| Ok(())).unwrap_err().kind(), "CertificateNotValidAt", "the leaf expired at the second time");
        let ca_expired = [UnixTime::from_secs(T0 + 11 * YEAR)];
        assert!(b.build("leaf", &l, &ca_expired, &mut |_| Ok(())).is_err());
        // Purposes: a leaf without codeSigning.
        let no_eku = cert(&ca.intermediate.issue(&LeafSpec { code_signing: false, ..LeafSpec::default() }.template()));
        assert_eq!(b.build("leaf", &no_eku, &AT, &mut |_| Ok(())).unwrap_err().kind(), "ExtendedKeyUsage");
        let unrestricted = PathBuilder::new(&RUST_CRYPTO, &anchors, &[], KeyPurpose::CodeSigningUnlessUnrestricted);
        unrestricted.build("leaf", &no_eku, &AT, &mut |_| Ok(())).unwrap();
        // pathLenConstraint 0 on the intermediate: a sub-CA below it is refused.
        let sub_key = Key::p256("sub ca");
        let sub = ca.intermediate.issue_issuer(&Template::ca(9, "sub ca", &sub_key, None), sub_key);
        let below = cert(&sub.issue(&LeafSpec::default().template()));
        let e = b.build("leaf", &below, &AT, &mut |_| Ok(())).unwrap_err();
        assert!(e.kind() == "UnknownIssuer" || e.kind() == "PathLenExceeded", "{e}");
        let sub_pool = [cert(&sub.cert)];
        let with_sub = PathBuilder::new(&RUST_CRYPTO, &anchors, &sub_pool, KeyPurpose::CodeSigning);
        assert_eq!(with_sub.build("leaf", &below, &AT, &mut |_| Ok(())).unwrap_err().kind(), "PathLenExceeded");
        // A leaf that is not a CA cannot issue.
        let not_ca_issuer = Issuer { key: LeafSpec::default().key(), subject: crate::test_support::pki::empty_name(), cert: l.der().to_vec() };
        let by_leaf = cert(&not_ca_issuer.issue(&LeafSpec { key_label: "other".into(), ..LeafSpec::default() }.template()));
        let leaf_pool = [l.clone()];
        let e = PathBuilder::new(&RUST_CRYPTO, &anchors, &leaf_pool, KeyPurpose::CodeSigning).build("leaf", &by_leaf, &AT, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(e.kind(), "NotACa" | "UnknownIssuer"), "{e}");
        // Trust anchors verify their own links.
        let other = Issuer::root(Key::p384("someone else"), "someone else");
        assert!(TrustAnchor::new(&RUST_CRYPTO, "broken", alloc::vec![cert(&ca.intermediate.cert), cert(&other.cert)]).is_err());
    }
}
