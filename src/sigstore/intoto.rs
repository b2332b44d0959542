//! in-toto Statements (in-toto attestation framework, Statement layer v1 and v0.1): the
//! subjects a DSSE payload names, matched against the artifact, and the predicate type reported.
//!
//! A statement binds only through its subjects (CVE-2026-31830): the artifact must equal one
//! subject on every digest algorithm both sides have.

use alloc::string::String;
use alloc::vec::Vec;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::crypto::{Backend, HashAlgorithm};
use crate::encoding::hex_decode;
use crate::error::{Error, Result};
use crate::limits::{self, MAX_SUBJECTS, MAX_SUBJECT_DIGESTS};
use crate::sigstore::Artifact;

/// A parsed statement: what it is about and what kind of claim it makes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    /// `_type`.
    #[serde(rename = "type")]
    pub statement_type: String,
    /// `predicateType`.
    pub predicate_type: String,
    /// Subjects: name and digests (algorithm name, hex).
    pub subjects: Vec<Subject>,
    /// `predicate` (`None` when absent or `null`), for the native policy's constraints on its
    /// fields (`governance`; without it the predicate is not kept); not part of the serialized
    /// statement.
    #[cfg(feature = "governance")]
    #[serde(skip)]
    pub predicate: Option<serde_json::Value>,
}

/// One subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Subject {
    /// `name`.
    pub name: String,
    /// `digest`: algorithm name → lowercase hex, in document order.
    pub digest: Vec<(String, String)>,
}

impl Subject {
    /// The subject's digests of the algorithms sealcheck knows, lowercase hex only.
    #[must_use]
    pub fn digests(&self) -> Vec<crate::crypto::Digest> {
        self.digest
            .iter()
            .filter_map(|(alg, hex)| {
                let alg = hash_algorithm(alg)?;
                if !is_lower_hex(hex) {
                    return None;
                }
                crate::crypto::Digest::new(alg, &hex_decode("in-toto subject digest", hex).ok()?).ok()
            })
            .collect()
    }
}

fn hash_algorithm(name: &str) -> Option<HashAlgorithm> {
    match name {
        "sha256" => Some(HashAlgorithm::Sha256),
        "sha384" => Some(HashAlgorithm::Sha384),
        "sha512" => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatementJson {
    #[serde(rename = "_type")]
    statement_type: String,
    subject: Vec<SubjectJson>,
    predicate_type: String,
    #[cfg(feature = "governance")]
    predicate: Option<serde_json::Value>,
    #[cfg(not(feature = "governance"))]
    #[allow(dead_code)]
    predicate: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct SubjectJson {
    #[serde(default)]
    name: String,
    digest: DigestSet,
}

/// A digest map that rejects duplicate algorithm keys.
struct DigestSet(Vec<(String, String)>);

impl<'de> Deserialize<'de> for DigestSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DigestSet;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a map of digest algorithm to hex value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> core::result::Result<DigestSet, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    if out.iter().any(|(e, _)| *e == k) {
                        return Err(serde::de::Error::custom("duplicate digest algorithm"));
                    }
                    if out.len() >= MAX_SUBJECT_DIGESTS {
                        return Err(serde::de::Error::custom("too many digests in one subject"));
                    }
                    out.push((k, v));
                }
                Ok(DigestSet(out))
            }
        }
        d.deserialize_map(V)
    }
}

const STATEMENT_TYPES: [&str; 2] = ["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"];

impl Statement {
    /// Parses a statement from a DSSE payload.
    pub fn from_json(payload: &[u8]) -> Result<Self> {
        let raw: StatementJson =
            serde_json::from_slice(payload).map_err(|e| Error::InToto(alloc::format!("malformed statement: {e}")))?;
        if !STATEMENT_TYPES.contains(&raw.statement_type.as_str()) {
            return Err(Error::InToto(alloc::format!("unsupported _type {:?}", raw.statement_type)));
        }
        limits::check("in-toto subjects", raw.subject.len(), MAX_SUBJECTS)?;
        if raw.subject.is_empty() {
            return Err(Error::InToto("statement has no subjects".into()));
        }
        let subjects = raw.subject.into_iter().map(|s| Subject { name: s.name, digest: s.digest.0 }).collect();
        Ok(Self {
            statement_type: raw.statement_type,
            predicate_type: raw.predicate_type,
            subjects,
            #[cfg(feature = "governance")]
            predicate: raw.predicate,
        })
    }

    /// Index of the first subject that is `artifact`: every digest algorithm the subject and
    /// the artifact share agrees, and there is at least one.
    pub fn matching_subject(&self, backend: &dyn Backend, artifact: &Artifact<'_>) -> Result<usize> {
        let mut cache: Vec<crate::crypto::Digest> = Vec::new();
        for (i, s) in self.subjects.iter().enumerate() {
            let mut compared = 0usize;
            let mut all_equal = true;
            for (alg, hex) in &s.digest {
                let Some(alg) = hash_algorithm(alg) else { continue };
                // Digest values are lowercase hex (in-toto DigestSet; peers compare the lowercase
                // encoding): any other spelling of the value does not match.
                if !is_lower_hex(hex) {
                    compared += 1;
                    all_equal = false;
                    continue;
                }
                let want = hex_decode("in-toto subject digest", hex)?;
                let have = match artifact {
                    Artifact::Bytes(b) => match cache.iter().find(|d| d.algorithm() == alg) {
                        Some(d) => *d,
                        None => {
                            let d = backend.digest(alg, b);
                            cache.push(d);
                            d
                        }
                    },
                    Artifact::Digest(d) if d.algorithm() == alg => *d,
                    Artifact::Digest(_) => continue,
                };
                compared += 1;
                all_equal &= have.ct_eq_bytes(alg, &want);
            }
            if compared > 0 && all_equal {
                return Ok(i);
            }
        }
        Err(Error::InToto("no subject matches the artifact".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use crate::encoding::hex_encode;

    fn statement(digests: &str) -> Statement {
        let json = alloc::format!(r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"x","digest":{digests}}}],"predicateType":"p"}}"#);
        Statement::from_json(json.as_bytes()).unwrap()
    }

    /// CVE-2026-31830: the artifact must equal a subject on every digest algorithm both have;
    /// values are lowercase hex.
    #[test]
    fn subjects_bind_on_every_shared_algorithm() {
        let a = b"artifact";
        let sha256 = hex_encode(RUST_CRYPTO.digest(HashAlgorithm::Sha256, a).as_bytes());
        let sha512 = hex_encode(RUST_CRYPTO.digest(HashAlgorithm::Sha512, a).as_bytes());
        let other512 = hex_encode(RUST_CRYPTO.digest(HashAlgorithm::Sha512, b"other").as_bytes());
        let bytes = Artifact::Bytes(a);
        assert_eq!(statement(&alloc::format!(r#"{{"sha256":"{sha256}"}}"#)).matching_subject(&RUST_CRYPTO, &bytes).unwrap(), 0);
        assert_eq!(statement(&alloc::format!(r#"{{"sha256":"{sha256}","sha512":"{sha512}"}}"#)).matching_subject(&RUST_CRYPTO, &bytes).unwrap(), 0);
        let split = statement(&alloc::format!(r#"{{"sha256":"{sha256}","sha512":"{other512}"}}"#));
        assert!(split.matching_subject(&RUST_CRYPTO, &bytes).is_err(), "one shared algorithm disagrees");
        let upper = statement(&alloc::format!(r#"{{"sha256":"{}"}}"#, sha256.to_uppercase()));
        assert!(upper.matching_subject(&RUST_CRYPTO, &bytes).is_err(), "uppercase hex");
        let mixed = statement(&alloc::format!(r#"{{"sha256":"{sha256}","sha512":"{}"}}"#, sha512.to_uppercase()));
        assert!(mixed.matching_subject(&RUST_CRYPTO, &bytes).is_err(), "an uppercase value on another shared algorithm");
        let unknown_only = statement(r#"{"md5":"00"}"#);
        assert!(unknown_only.matching_subject(&RUST_CRYPTO, &bytes).is_err(), "no shared algorithm");
        // By digest: only that algorithm is shared.
        let d = Artifact::Digest(RUST_CRYPTO.digest(HashAlgorithm::Sha512, a));
        assert!(split.matching_subject(&RUST_CRYPTO, &d).is_err());
        assert_eq!(statement(&alloc::format!(r#"{{"sha256":"{sha256}","sha512":"{sha512}"}}"#)).matching_subject(&RUST_CRYPTO, &d).unwrap(), 0);
    }
}
