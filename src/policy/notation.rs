//! Notary trust policies (trust-store-trust-policy.md "Trust Policy"; OCI documents v1.0)
//! compiled into the policy model. Each statement's registry scopes select a rule of one
//! `notarySigned` requirement carrying the statement, the trust store and the CRLs; the `*`
//! statement is the transport default; scopes match repositories exactly
//! ([`ScopeMatch::Repository`], notation-go `GetApplicableTrustPolicy`), and a repository no
//! statement covers is refused with that reason (notation-go `ErrorNoApplicableTrustPolicy`).
//!
//! In a containers-policy.json, `{"type": "sealcheckNotarySigned", "trustPolicy": …,
//! "trustStore": …}` is the same requirement ([`super::containers`]), so that one rule can
//! require a cosign and a Notary signature (both), or either (`sealcheckAnyOf`).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use serde::Deserialize;

use super::{CompiledPolicy, Requirement, Rule, ScopeMatch};
use crate::encoding::{StrictMap, Transcript};
use crate::error::{Error, Result};
use crate::oci::Reference;
use crate::notation::crl::CrlSet;
use crate::notation::trustpolicy::{DocumentKind, Scope, Statement, TrustPolicyDocument};
use crate::notation::truststore::TrustStore;

/// A Notary signature requirement: one statement, with the trust material it names.
#[derive(Debug, Clone)]
pub struct NotaryRequirement {
    /// The trust policy statement.
    pub statement: Statement,
    /// The trust store (shared by every statement of the policy).
    pub store: Arc<TrustStore>,
    /// The CRLs the caller supplied.
    pub crls: Arc<CrlSet>,
}

/// Compiles the OCI trust policy `json` with its trust store and CRLs. The policy digest covers
/// the document, the trust store and the CRLs.
pub fn compile(json: &[u8], store: TrustStore, crls: CrlSet) -> Result<CompiledPolicy> {
    let doc = TrustPolicyDocument::parse(json, DocumentKind::Oci)?;
    // Every store a statement names must be there: found now, not at the first decision
    // (notation-go fails the verification when a named store does not load).
    for st in &doc.statements {
        if let Some(s) = st.trust_stores.iter().find(|s| store.certificates(s.kind, &s.name).is_none()) {
            return Err(Error::NotFound(alloc::format!("trust store {}:{} (named by trust policy statement {:?})", s.kind.name(), s.name, st.name)));
        }
    }
    let digest = Transcript::default().field(doc.digest()).field(&store.digest()).field(&crls.digest()).sha256();
    let (store, crls) = (Arc::new(store), Arc::new(crls));
    let rule = |st: &Statement| Rule(alloc::vec![Requirement::Notary(NotaryRequirement { statement: st.clone(), store: store.clone(), crls: crls.clone() })]);
    let mut scopes: Vec<(String, Rule)> = Vec::new();
    for st in &doc.statements {
        for scope in &st.scopes {
            // A scope names a repository as image references do (`local/app` is
            // `docker.io/local/app`, as the reference `local/app@…` is), so that the scope the
            // user wrote matches the reference the user gave; notation keeps the text as
            // written and would read `local` as a registry.
            let name = match scope {
                Scope::Any => String::new(),
                Scope::Repository(r) => Reference::parse(r).map_or_else(|_| r.clone(), |n| n.name()),
            };
            if let Some((_, other)) = scopes.iter().find(|(n, _)| *n == name) {
                let Requirement::Notary(o) = &other.0[0] else { continue };
                return Err(Error::Json {
                    what: "trustpolicy.json",
                    detail: alloc::format!("statements {:?} and {:?} both cover the repository {name:?}", o.statement.name, st.name),
                });
            }
            scopes.push((name, rule(st)));
        }
    }
    let none = Rule(alloc::vec![Requirement::Unsupported {
        kind: String::from("trustPolicy"),
        reason: String::from("no statement of the trust policy applies to this repository (notation: no applicable trust policy)"),
    }]);
    Ok(CompiledPolicy::new(none, alloc::vec![(String::from("docker"), scopes)], digest).with_scope_match(ScopeMatch::Repository))
}

/// A trust policy statement's `signatureVerification`, read strictly here (duplicate keys and
/// unknown fields refused) before the trust policy parser validates its values.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SignatureVerificationJson {
    level: String,
    #[serde(rename = "override")]
    overrides: Option<StrictMap<String>>,
    verify_timestamp: Option<String>,
}

impl SignatureVerificationJson {
    pub(crate) fn to_value(&self) -> serde_json::Value {
        let mut v = serde_json::json!({"level": self.level});
        if let Some(o) = &self.overrides {
            v["override"] = o.0.iter().map(|(k, x)| (k.clone(), serde_json::Value::from(x.as_str()))).collect::<serde_json::Map<_, _>>().into();
        }
        if let Some(t) = &self.verify_timestamp {
            v["verifyTimestamp"] = t.as_str().into();
        }
        v
    }
}
