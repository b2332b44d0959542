//! Notary Project trust stores (`trust-store-trust-policy.md` "Trust Store"): named sets of
//! X.509 certificates of three types, `x509/{ca,signingAuthority,tsa}/<name>/*`, loaded with
//! the rules of notation-go v1.3 `verifier/truststore` (`GetCertificates`,
//! `ValidateCertificates`, `isRootCACertificate`) and notation-core-go `x509.ReadCertificateFile`
//! (PEM or DER, one or more certificates per file).
//!
//! A store holds certificates only after they were checked: each one a CA (basicConstraints
//! `cA`) or self-signed (its own key verifies its signature: by signature, not by name), and in
//! `tsa` stores each one a self-signed, self-issued CA root.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::dn::DistinguishedName;
use super::trustpolicy::StoreType;
use crate::asn1::{tag, Reader};
use crate::crypto::{verify_signature, Backend, Message};
use crate::encoding::{pem_decode_all, Transcript};
use crate::error::{Error, Result};
use crate::limits::MAX_TRUST_STORE_CERTIFICATES;
use crate::x509::Certificate;

/// keyUsage bit `keyCertSign` (RFC 5280 §4.2.1.3).
const KU_KEY_CERT_SIGN: u16 = 5;

/// A named store name notation-go accepts (`internal/file/file.go IsValidFileName`:
/// `^[a-zA-Z0-9_.-]+$`).
pub(crate) fn is_valid_store_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn check_name(kind: StoreType, name: &str) -> Result<()> {
    if is_valid_store_name(name) {
        return Ok(());
    }
    Err(Error::TrustedRoot(alloc::format!("trust store name needs to follow [a-zA-Z0-9_.-]+ format, {name:?} of type {kind} is invalid")))
}

/// Named trust stores, each a list of checked certificates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    stores: BTreeMap<(StoreType, String), Vec<Certificate>>,
    count: usize,
}

/// The subject of `c` for messages, RFC 4514 as notation prints it where possible.
fn subject(c: &Certificate) -> String {
    DistinguishedName::from_name_der(c.subject_der()).map_or_else(|_| "(a subject notation cannot print)".to_string(), |d| alloc::format!("{:?}", d.to_string()))
}

fn issuer(c: &Certificate) -> String {
    DistinguishedName::from_name_der(c.issuer_der()).map_or_else(|_| "(an issuer notation cannot print)".to_string(), |d| d.to_string())
}

/// True when `c`'s own key verifies its signature.
fn self_signed(backend: &dyn Backend, c: &Certificate) -> bool {
    verify_signature(backend, String::new, c.signature_scheme(), c.public_key(), Message::Raw(c.tbs_der()), c.signature()).is_ok()
}

fn is_ca(c: &Certificate) -> bool {
    matches!(c.extensions().basic_constraints, Some((true, _)))
}

/// The certificates of one file: PEM (every block a `CERTIFICATE`) when it holds a PEM
/// boundary, as notation-core-go tries PEM first, otherwise one or more concatenated DER
/// certificates. Counted before any is parsed, against `room`.
fn read_certificates(what: &str, bytes: &[u8], room: usize) -> Result<Vec<Certificate>> {
    let limit = |got: usize| Error::LimitExceeded { what: "trust store certificates", max: MAX_TRUST_STORE_CERTIFICATES, got };
    let ders: Vec<Vec<u8>> = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let text = core::str::from_utf8(bytes).map_err(|_| Error::Encoding { what: what.to_string(), encoding: "PEM (not UTF-8)" })?;
        let blocks = pem_decode_all(what, text)?;
        if blocks.len() > room {
            return Err(limit(MAX_TRUST_STORE_CERTIFICATES - room + blocks.len()));
        }
        // notation-core-go skips blocks of other labels; a key or CRL in a trust store file is
        // refused here instead (fail closed: the file is not what the store says it is).
        if let Some(b) = blocks.iter().find(|b| b.label != "CERTIFICATE") {
            return Err(Error::Encoding { what: alloc::format!("{what} (PEM block {:?})", b.label), encoding: "PEM certificate" });
        }
        blocks.into_iter().map(|b| b.der).collect()
    } else {
        let mut r = Reader::new(what, bytes);
        let mut out = Vec::new();
        while !r.is_empty() {
            if out.len() == room {
                return Err(limit(MAX_TRUST_STORE_CERTIFICATES + 1));
            }
            out.push(r.expect(tag::SEQUENCE)?.raw.to_vec());
        }
        out
    };
    if ders.is_empty() {
        return Err(Error::Encoding { what: what.to_string(), encoding: "PEM or DER certificate" });
    }
    ders.iter().map(|der| Certificate::from_der(what, der)).collect()
}

impl TrustStore {
    /// An empty trust store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the certificates of one file (PEM, one or more certificates, or DER, one or more
    /// concatenated) to store `kind:name`, after the notation-go checks: the store name matches
    /// `^[a-zA-Z0-9_.-]+$`; every certificate is a CA (basicConstraints `cA`) or self-signed,
    /// verified by signature with `backend`, not by name (`ValidateCertificates`); `tsa`
    /// certificates must be self-signed, self-issued CA roots (`isRootCACertificate`). `what`
    /// names the file in errors. Nothing is added when any check fails.
    pub fn add_file(&mut self, backend: &dyn Backend, kind: StoreType, name: &str, bytes: &[u8], what: &str) -> Result<()> {
        let certs = Self::checked(backend, kind, name, bytes, what, MAX_TRUST_STORE_CERTIFICATES.saturating_sub(self.count))?;
        self.insert(kind, name, certs);
        Ok(())
    }

    fn insert(&mut self, kind: StoreType, name: &str, certs: Vec<Certificate>) {
        self.count += certs.len();
        self.stores.entry((kind, name.to_string())).or_default().extend(certs);
    }

    /// The certificates of one file, checked for store `kind:name` ([`Self::add_file`]); at
    /// most `room` of them.
    fn checked(backend: &dyn Backend, kind: StoreType, name: &str, bytes: &[u8], what: &str, room: usize) -> Result<Vec<Certificate>> {
        check_name(kind, name)?;
        let store = alloc::format!("trust store {kind}:{name}");
        let file = alloc::format!("{store}: certificate file {what}");
        let certs = read_certificates(&file, bytes, room)?;
        for (i, c) in certs.iter().enumerate() {
            if !is_ca(c) && !self_signed(backend, c) {
                return Err(Error::TrustedRoot(alloc::format!(
                    "{store}: failed to validate the trusted certificate {what}: certificate {i} with subject {} is not a CA certificate or self-signed signing certificate",
                    subject(c)
                )));
            }
            if kind == StoreType::Tsa {
                let not_root = |why: &str| {
                    Error::TrustedRoot(alloc::format!(
                        "{store}: trusted certificate {what} is invalid: certificate {i} with subject {} is not a root CA certificate: {why}",
                        subject(c)
                    ))
                };
                // Go's CheckSignatureFrom(self): the "parent" must be a CA allowed to sign
                // certificates, and its key must verify the signature; then the names.
                if !is_ca(c) || c.extensions().key_usage.is_some_and(|ku| ku & (1 << KU_KEY_CERT_SIGN) == 0) {
                    return Err(not_root("it cannot sign certificates (basicConstraints cA or keyUsage keyCertSign missing)"));
                }
                if !self_signed(backend, c) {
                    return Err(not_root("its own key does not verify its signature"));
                }
                if !c.is_self_issued() {
                    return Err(not_root(&alloc::format!("issuer ({}) and subject ({}) are not the same", issuer(c), subject(c).trim_matches('"'))));
                }
            }
        }
        Ok(certs)
    }

    /// The certificates of store `kind:name`, `None` when there is no such store.
    #[must_use]
    pub fn certificates(&self, kind: StoreType, name: &str) -> Option<&[Certificate]> {
        self.stores.get(&(kind, name.to_string())).map(Vec::as_slice)
    }

    /// The named stores, by type and name.
    pub fn stores(&self) -> impl Iterator<Item = (StoreType, &str, &[Certificate])> {
        self.stores.iter().map(|((k, n), c)| (*k, n.as_str(), c.as_slice()))
    }

    /// SHA-256 over the stores (sorted by type and name) and their certificates (sorted by
    /// DER), for cache keys and records: the same whatever order the files were added in.
    #[must_use]
    pub fn digest(&self) -> [u8; 32] {
        let mut t = Transcript::default();
        t.field(b"notation trust store v1");
        for ((kind, name), certs) in &self.stores {
            let mut ders: Vec<&[u8]> = certs.iter().map(Certificate::der).collect();
            ders.sort_unstable();
            t.field(kind.name().as_bytes()).field(name.as_bytes()).number(ders.len() as i64);
            for d in ders {
                t.field(d);
            }
        }
        t.sha256()
    }

    /// Adds the named store `kind:name` from its directory `store_dir` (notation-go
    /// `GetCertificates`): the directory must not be a symlink; every entry must be a regular
    /// file, not a symlink, holding certificates; the store must end up with at least one
    /// certificate. Files are read (in name order) only with [`crate::fs::read_file`], at most
    /// [`crate::limits::MAX_KEY_FILE_BYTES`] each.
    ///
    /// A sub-directory is an error, as in notation-go (the spec says sub-directories are
    /// ignored with a warning; notation-go's refusal is the fail-closed reading). The spec names
    /// the `.pem`, `.crt` and `.cer` extensions, but notation-go reads every file whatever its
    /// name (its own valid fixture store holds `GlobalSign.der`), and so does this: a file that
    /// is not certificates fails the store rather than being skipped, so a store is never
    /// silently smaller than the directory its owner wrote.
    #[cfg(feature = "std")]
    pub fn add_dir(&mut self, backend: &dyn Backend, kind: StoreType, name: &str, store_dir: &std::path::Path) -> Result<()> {
        use crate::limits::MAX_KEY_FILE_BYTES;
        check_name(kind, name)?;
        let store = alloc::format!("trust store {kind}:{name}");
        let io = |p: &std::path::Path, detail: String| Error::Io { what: alloc::format!("{store} {}", p.display()), detail };
        let meta = std::fs::symlink_metadata(store_dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(alloc::format!("{store} {}", store_dir.display())),
            _ => io(store_dir, e.to_string()),
        })?;
        if meta.file_type().is_symlink() {
            return Err(io(store_dir, "is a symbolic link (symlinks are not supported)".into()));
        }
        if !meta.is_dir() {
            return Err(io(store_dir, "is not a directory".into()));
        }
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(store_dir).map_err(|e| io(store_dir, e.to_string()))? {
            let entry = entry.map_err(|e| io(store_dir, e.to_string()))?;
            let ft = entry.file_type().map_err(|e| io(&entry.path(), e.to_string()))?;
            entries.push((entry.file_name(), entry.path(), ft));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // Every file holds at least one certificate: more files than room is over the limit
        // before anything is read.
        let room = MAX_TRUST_STORE_CERTIFICATES.saturating_sub(self.count);
        if entries.len() > room {
            return Err(Error::LimitExceeded { what: "trust store certificates", max: MAX_TRUST_STORE_CERTIFICATES, got: self.count + entries.len() });
        }
        let mut staged: Vec<Certificate> = Vec::new();
        for (file_name, path, ft) in &entries {
            if ft.is_symlink() || ft.is_dir() {
                return Err(io(path, "is not a regular file (directories or symlinks are not supported)".into()));
            }
            if !ft.is_file() {
                return Err(io(path, "is not a regular file (FIFO, socket or device)".into()));
            }
            let file_name = file_name.to_str().ok_or_else(|| io(path, "has a name that is not UTF-8".into()))?;
            let bytes = crate::fs::read_file(path, MAX_KEY_FILE_BYTES, &store, "trust store certificate file bytes")?;
            staged.extend(Self::checked(backend, kind, name, &bytes, file_name, room - staged.len())?);
        }
        if staged.is_empty() {
            return Err(Error::TrustedRoot(alloc::format!("no x509 certificates were found in {store} ({})", store_dir.display())));
        }
        self.insert(kind, name, staged);
        Ok(())
    }

    /// Loads `dir/x509/{ca,signingAuthority,tsa}/<name>/` with [`Self::add_dir`] for every
    /// named store. A missing `x509` or `x509/<type>` directory is simply no stores (of that
    /// type); other entries of `x509/` are not read (notation-go looks stores up by type and
    /// name only). Inside a type directory every entry must be a named store: a directory, not
    /// a symlink, with a valid name. `dir`, `x509` and the type directories are path components
    /// and may be symlinks, as in notation-go, which checks only the named store and its files.
    #[cfg(feature = "std")]
    pub fn load_dir(backend: &dyn Backend, dir: &std::path::Path) -> Result<Self> {
        let io = |p: &std::path::Path, detail: String| Error::Io { what: alloc::format!("trust store {}", p.display()), detail };
        let meta = std::fs::metadata(dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(alloc::format!("trust store {}", dir.display())),
            _ => io(dir, e.to_string()),
        })?;
        if !meta.is_dir() {
            return Err(io(dir, "is not a directory".into()));
        }
        let mut out = Self::new();
        for kind in StoreType::ALL {
            let type_dir = dir.join("x509").join(kind.name());
            match std::fs::metadata(&type_dir) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&type_dir, e.to_string())),
                Ok(m) if !m.is_dir() => return Err(io(&type_dir, "is not a directory".into())),
                Ok(_) => {}
            }
            let mut names = Vec::new();
            for entry in std::fs::read_dir(&type_dir).map_err(|e| io(&type_dir, e.to_string()))? {
                let entry = entry.map_err(|e| io(&type_dir, e.to_string()))?;
                let path = entry.path();
                let name = entry.file_name().into_string().map_err(|_| io(&path, "has a name that is not UTF-8".into()))?;
                if !is_valid_store_name(&name) {
                    return Err(io(&path, "is not a valid trust store name (it needs to follow [a-zA-Z0-9_.-]+ format)".into()));
                }
                names.push((name, path));
            }
            names.sort();
            for (name, path) in names {
                out.add_dir(backend, kind, &name, &path)?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::der::{oid, seq, set, utf8};
    use crate::test_support::keys::Key;
    use crate::test_support::pki::{Extension, Issuer, Template, KU_DIGITAL_SIGNATURE, OID_BASIC_CONSTRAINTS};
    use crate::test_support::{backend, pem, T0, YEAR};

    fn notary_name(cn: &str) -> Vec<u8> {
        let rdn = |t: &str, v: &str| set(&[&seq(&[&oid(t), &utf8(v)])]);
        seq(&[&rdn("2.5.4.6", "US"), &rdn("2.5.4.8", "WA"), &rdn("2.5.4.10", "Notary"), &rdn("2.5.4.3", cn)])
    }

    fn leaf_template(serial: u64, subject: Vec<u8>, key: &Key) -> Template {
        Template {
            serial,
            subject,
            not_before: T0 - YEAR,
            not_after: T0 + YEAR,
            spki: key.spki(),
            extensions: alloc::vec![Extension::key_usage(&[KU_DIGITAL_SIGNATURE])],
        }
    }

    struct Pki {
        root: Issuer,
        leaf: Vec<u8>,
        self_signed_leaf: Vec<u8>,
        self_issued_leaf: Vec<u8>,
        ca_not_self_issued: Vec<u8>,
    }

    fn pki() -> Pki {
        let root = Issuer::root(Key::p256("ts root"), "ts root");
        let leaf_key = Key::p256("ts leaf");
        let leaf = root.issue(&leaf_template(2, notary_name("leaf"), &leaf_key));
        let ss_key = Key::p256("ts self-signed");
        let self_signed_leaf = Issuer::root_from(ss_key.clone(), &leaf_template(3, notary_name("self"), &ss_key)).cert;
        // notation-go's mock trick (internal/mock/testdata/ca_valid_sig_env.json): subject and
        // issuer are the root's name, but the root's key signed it: self-issued, not self-signed.
        let self_issued_leaf = root.issue(&leaf_template(4, root.subject.clone(), &leaf_key));
        // A CA signed by its own key under another issuer name (notation-go
        // testdata/truststore/x509/tsa/test-nonSelfIssued/nonSelfIssued.crt).
        let ca_key = Key::p256("ts odd ca");
        let t = Template::ca(5, "odd ca", &ca_key, None);
        let other = Issuer { key: ca_key, subject: notary_name("someone else"), cert: Vec::new() };
        let ca_not_self_issued = other.issue_without_aki(&t);
        Pki { root, leaf, self_signed_leaf, self_issued_leaf, ca_not_self_issued }
    }

    fn added(kind: StoreType, bytes: &[u8]) -> Result<TrustStore> {
        let mut ts = TrustStore::new();
        ts.add_file(backend(), kind, "s", bytes, "f.pem")?;
        Ok(ts)
    }

    /// notation-go truststore.go `ValidateCertificates`: CA or self-signed (by signature).
    #[test]
    fn ca_or_self_signed() {
        let p = pki();
        assert_eq!(added(StoreType::Ca, &p.root.cert).unwrap().certificates(StoreType::Ca, "s").unwrap().len(), 1);
        added(StoreType::Ca, &p.self_signed_leaf).expect("a self-signed leaf is an anchor (truststore_test.go valid-trust-store-self-signed)");
        let err = added(StoreType::Ca, &p.leaf).unwrap_err().to_string();
        assert!(err.contains("failed to validate the trusted certificate f.pem") && err.contains("not a CA certificate or self-signed"), "{err}");
        assert!(err.contains(r#"with subject "CN=leaf,O=Notary,ST=WA,C=US""#), "{err}");
        let err = added(StoreType::SigningAuthority, &p.self_issued_leaf).unwrap_err().to_string();
        assert!(err.contains("not a CA certificate or self-signed"), "self-issued by name is not self-signed: {err}");
        // A bundle with a leaf fails as a whole (truststore_test.go TestLoadTrustStoreWithLeafCertsInSingleFile).
        let bundle = [pem("CERTIFICATE", &p.root.cert), pem("CERTIFICATE", &p.leaf)].concat();
        let mut ts = TrustStore::new();
        assert!(ts.add_file(backend(), StoreType::Ca, "s", bundle.as_bytes(), "bundle.pem").is_err());
        assert!(ts.certificates(StoreType::Ca, "s").is_none(), "nothing added");
    }

    /// notation-go truststore.go `isRootCACertificate` for `tsa` stores.
    #[test]
    fn tsa_roots() {
        let p = pki();
        added(StoreType::Tsa, &p.root.cert).unwrap();
        let err = added(StoreType::Tsa, &p.self_signed_leaf).unwrap_err().to_string();
        assert!(err.contains("is not a root CA certificate") && err.contains("cannot sign certificates"), "{err}");
        let err = added(StoreType::Tsa, &p.ca_not_self_issued).unwrap_err().to_string();
        assert!(err.contains("issuer (CN=someone else,O=Notary,ST=WA,C=US) and subject (CN=odd ca,O=sigstore.test) are not the same"), "{err}");
        added(StoreType::Ca, &p.ca_not_self_issued).expect("a CA may be anchored in a ca store");
        let no_sign = Issuer::root_from(Key::p256("k"), &Template::ca(6, "no sign", &Key::p256("k"), None).with(Extension::key_usage(&[KU_DIGITAL_SIGNATURE]))).cert;
        assert!(added(StoreType::Tsa, &no_sign).unwrap_err().to_string().contains("cannot sign certificates"));
        let not_ca = Template::ca(7, "not ca", &Key::p256("k2"), None).with(Extension::new(OID_BASIC_CONSTRAINTS, true, seq(&[])));
        assert!(added(StoreType::Tsa, &Issuer::root_from(Key::p256("k2"), &not_ca).cert).is_err());
    }

    /// notation-core-go x509/cert.go `ReadCertificateFile`: PEM or DER, several per file.
    #[test]
    fn file_formats() {
        let p = pki();
        let two_der = [p.root.cert.clone(), p.self_signed_leaf.clone()].concat();
        assert_eq!(added(StoreType::Ca, &two_der).unwrap().certificates(StoreType::Ca, "s").unwrap().len(), 2);
        let two_pem = alloc::format!("comment\n{}{}", pem("CERTIFICATE", &p.root.cert), pem("CERTIFICATE", &p.self_signed_leaf));
        assert_eq!(added(StoreType::Ca, two_pem.as_bytes()).unwrap().certificates(StoreType::Ca, "s").unwrap().len(), 2);
        assert!(matches!(added(StoreType::Ca, b"invalid\n"), Err(Error::Der { .. })), "junk");
        assert!(added(StoreType::Ca, b"").is_err(), "empty");
        assert!(added(StoreType::Ca, &[p.root.cert.clone(), alloc::vec![0x30]].concat()).is_err(), "truncated DER");
        let with_key = [pem("CERTIFICATE", &p.root.cert), pem("PRIVATE KEY", &[1, 2, 3])].concat();
        assert!(matches!(added(StoreType::Ca, with_key.as_bytes()), Err(Error::Encoding { .. })), "only certificates");
        let mut ts = TrustStore::new();
        for bad in ["", "a/b", "a b", "..\u{e9}"] {
            assert!(ts.add_file(backend(), StoreType::Ca, bad, &p.root.cert, "f").is_err(), "{bad:?}");
        }
        ts.add_file(backend(), StoreType::Ca, "A-z_0.9", &p.root.cert, "f").unwrap();
        assert!(ts.certificates(StoreType::Tsa, "A-z_0.9").is_none(), "stores are per type");
    }

    #[test]
    fn digest_is_order_independent() {
        let p = pki();
        let mut a = TrustStore::new();
        a.add_file(backend(), StoreType::Ca, "s", &p.root.cert, "1").unwrap();
        a.add_file(backend(), StoreType::Ca, "s", &p.self_signed_leaf, "2").unwrap();
        let mut b = TrustStore::new();
        b.add_file(backend(), StoreType::Ca, "s", &p.self_signed_leaf, "2").unwrap();
        b.add_file(backend(), StoreType::Ca, "s", &p.root.cert, "1").unwrap();
        assert_eq!(a.digest(), b.digest());
        let mut c = TrustStore::new();
        c.add_file(backend(), StoreType::SigningAuthority, "s", &p.root.cert, "1").unwrap();
        c.add_file(backend(), StoreType::SigningAuthority, "s", &p.self_signed_leaf, "2").unwrap();
        assert_ne!(a.digest(), c.digest(), "the type is part of the digest");
        assert_ne!(a.digest(), TrustStore::new().digest());
        assert_eq!(a.stores().map(|(k, n, c)| (k, n, c.len())).collect::<Vec<_>>(), [(StoreType::Ca, "s", 2)]);
    }

    #[test]
    fn certificate_limit() {
        let p = pki();
        let mut ts = TrustStore::new();
        ts.count = MAX_TRUST_STORE_CERTIFICATES - 1;
        let two = [p.root.cert.clone(), p.self_signed_leaf.clone()].concat();
        assert!(matches!(ts.add_file(backend(), StoreType::Ca, "s", &two, "f"), Err(Error::LimitExceeded { .. })));
        let two_pem = [pem("CERTIFICATE", &p.root.cert), pem("CERTIFICATE", &p.self_signed_leaf)].concat();
        assert!(matches!(ts.add_file(backend(), StoreType::Ca, "s", two_pem.as_bytes(), "f"), Err(Error::LimitExceeded { .. })));
        ts.add_file(backend(), StoreType::Ca, "s", &p.root.cert, "f").unwrap();
        assert!(matches!(ts.add_file(backend(), StoreType::Ca, "s", &p.root.cert, "f"), Err(Error::LimitExceeded { .. })));
    }
}
