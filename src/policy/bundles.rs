//! Cosign v3 image signatures: Sigstore bundles attached as referrers (cosign
//! `specs/BUNDLE_SPEC.md`), verified with the bundle verifier against a requirement's trust.
//!
//! The referrer's `subject` is unsigned; what binds a bundle to the image is the in-toto
//! subject digest, which must equal the manifest on every digest algorithm both name. A bundle
//! carries no `docker-reference`, so it gets its own rule: its signed identity is the
//! reference `<subject name>@<manifest digest>` (cosign writes the repository as the subject
//! name; a name that carries a tag keeps it, one that carries a digest must name this
//! manifest), and `signedIdentity` applies to that reference with the upstream rules unchanged:
//! `matchRepository` and `exactRepository` compare the repository, `matchRepoDigestOrExact`
//! accepts a bundle for an image referenced by digest and never for one referenced by tag alone
//! (the bundle does not sign the tag), `matchExact` and `exactReference` need the exact
//! `name@digest`. Only signature statements (predicate `https://sigstore.dev/cosign/sign/v1`)
//! count as signatures; attestations do not.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::IdentityRule;
use crate::cosign::SimpleSigningPayload;
use crate::cosign::verify::{SignatureTrust, SignerTrust, VerifiedImageSignature};
use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::oci::{ImageEvidence, OciDigest, Reference};
use crate::sigstore::trusted_root::{Authority, LogKey, Window};
use crate::sigstore::{
    Artifact, Bundle, CertificateIdentity, Matcher, SignerPolicy, Thresholds, TrustedKey, TrustedRoot, VerifiedBundle, Verifier,
};
use crate::time::UnixTime;

/// The predicate type of cosign image signature statements.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// Verifies one bundle for the image.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_image_bundle(
    backend: &dyn Backend,
    mut bundle: Bundle,
    trust: &SignatureTrust,
    image: &ImageEvidence,
    digest: &OciDigest,
    identity: &IdentityRule,
    predicate_type: &str,
    now: UnixTime,
) -> Result<VerifiedImageSignature> {
    if matches!(trust.signer, SignerTrust::Keys(_)) && trust.rekor_keys.is_empty() {
        // Keys without Rekor keys: Rekor evidence is not required, and not checked (as
        // containers/image ignores the SET then).
        bundle.tlog_entries.clear();
    }
    // The in-toto subject must equal the manifest on every digest algorithm both have.
    let artifact = match image.manifest() {
        Some(m) => Artifact::Bytes(m),
        None => Artifact::Digest(*digest.digest()),
    };
    let rekor = || trust.rekor_keys.iter().map(|k| LogKey::from_key(backend, k.clone())).collect::<Vec<_>>();
    let (verified, signer) = match &trust.signer {
        SignerTrust::Keys(keys) => {
            let root = TrustedRoot::from_parts(backend, rekor(), Vec::new(), Vec::new(), Vec::new())?;
            let need = usize::from(!trust.rekor_keys.is_empty());
            let v = Verifier::new(&root, backend).with_thresholds(Thresholds { tlog: need, ctlog: 0, timestamps: 0 });
            let mut last = Error::BadSignature { what: String::from("bundle signature (no configured key)") };
            let mut found = None;
            for k in keys {
                match v.verify(&bundle, &artifact, &SignerPolicy::Key(TrustedKey { key: k.clone(), valid_for: None }), now) {
                    Ok(r) => {
                        found = Some(r);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            (found.ok_or(last)?, String::from("key"))
        }
        SignerTrust::Fulcio { roots, oidc_issuer, subject_email } => {
            // Each CA certificate of the policy file is an anchor of its own.
            let cas = roots
                .iter()
                .map(|c| Authority { uri: String::from("policy fulcio CA"), chain: alloc::vec![c.clone()], valid_for: Window::ALWAYS })
                .collect();
            let root = TrustedRoot::from_parts(backend, rekor(), Vec::new(), cas, Vec::new())?;
            let id = CertificateIdentity::new(Matcher::exact(subject_email), Matcher::exact(oidc_issuer));
            let v = Verifier::new(&root, backend).with_thresholds(Thresholds { tlog: 1, ctlog: 0, timestamps: 1 });
            (v.verify(&bundle, &artifact, &SignerPolicy::Identity(id), now)?, alloc::format!("certificate {subject_email}"))
        }
        SignerTrust::Keyless(k) => {
            let r = Verifier::new(&k.root, backend).verify(&bundle, &artifact, &SignerPolicy::Identity(k.identity.clone()), now)?;
            (r, String::from("certificate"))
        }
        SignerTrust::Pki { .. } => return Err(Error::SignerMismatch("pki requirements do not verify Sigstore bundles")),
    };
    let name = signed_name(&verified, predicate_type)?;
    let signed = bundle_identity(backend, &name, image, digest)?;
    let image = image.reference();
    if !identity.matches_reference(image, &signed) {
        return Err(Error::IdentityMismatch { got: signed.to_string(), want: alloc::format!("{identity:?} for {image}") });
    }
    let integrated_time = verified.times.first().map(|t| t.time);
    let signer = match &verified.signer {
        crate::sigstore::VerifiedSigner::Certificate { san, .. } => {
            alloc::format!("{signer} {}", san.first().map(|s| s.value().to_string()).unwrap_or_default())
        }
        crate::sigstore::VerifiedSigner::Key { sha256 } => alloc::format!("key sha256:{sha256}"),
    };
    Ok(VerifiedImageSignature {
        payload: SimpleSigningPayload { docker_reference: name, manifest_digest: *digest, timestamp: None },
        signer,
        integrated_time,
    })
}

/// A bundle's signed identity: the subject name with the manifest digest the bundle binds.
fn bundle_identity(backend: &dyn Backend, name: &str, image: &ImageEvidence, digest: &OciDigest) -> Result<Reference> {
    let mismatch = |why: &str| Error::IdentityMismatch { got: String::from(name), want: String::from(why) };
    let named = Reference::parse(name).map_err(|_| mismatch("an in-toto subject name that is an image reference"))?;
    if let Some(d) = named.digest() {
        if !image.manifest().is_some_and(|m| d.matches(backend, m)) {
            return Err(mismatch("a subject name whose digest is this manifest's"));
        }
    }
    Ok(named.with_digest(*digest))
}

/// The repository a bundle names: the matching in-toto subject's name, for a statement of the
/// wanted predicate type (GHSA-vjxv-45g9-9296: another type never satisfies).
fn signed_name(v: &VerifiedBundle, predicate_type: &str) -> Result<String> {
    let (st, idx) = v.statement.as_ref().ok_or(Error::InToto("bundle has no in-toto statement naming the image".into()))?;
    if st.predicate_type != predicate_type {
        return Err(Error::InToto(alloc::format!("predicate type {:?} is not the wanted {predicate_type:?}", st.predicate_type)));
    }
    let s = st.subjects.get(*idx).ok_or(Error::InToto("no matching subject".into()))?;
    Ok(s.name.clone())
}
