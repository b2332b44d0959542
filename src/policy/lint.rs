//! Policy review: the warnings the seed documents give about signing policies ([`lint`]), a
//! format-independent summary of a compiled policy ([`summary`]), the signers whose window is
//! about to end ([`signers_ending`]), and a readable rendering of a decision record
//! ([`explain`]). `sealcheck policy check`, `sealcheck audit summary --policy` and `sealcheck
//! policy explain` print them.
//!
//! Everything here reads the compiled model ([`CompiledPolicy`]), so a containers-policy.json, a
//! Notary trust policy and a native policy are linted by the same rules. The model keeps what
//! the rules need: native signers with their windows, every key's SPKI digest, Notary statements
//! with their levels and identities, and the exceptions with both ends (a native exception
//! always has a `notAfter`; the other formats have none).
//!
//! # The rules
//!
//! Each finding names its rule ([`LintRule::name`], stable):
//!
//! - `long-lived-signer`: a signer whose window (`validFrom` to `validUntil`) is longer than
//!   [`LintOptions::max_signer_days`]. A window without `validFrom` is measured from
//!   [`LintOptions::now`]; a signer already retired at `now` is not flagged.
//! - `no-expiry`: a signer without `validUntil`. Keys and identities of containers-policy.json
//!   and Notary trust policies have no end in the policy, so each of them is flagged (a window
//!   without an end is reported once, by this rule, never also as `long-lived-signer`).
//! - `shared-signer`: one key or identity trusted in two *unrelated* scopes: neither is a
//!   prefix of the other in the reference grammar (`a` covers `a/…`, `a@…`, and `a:tag` when
//!   `a` names a repository; `*.example.com` covers hosts under it; a default covers every
//!   scope). An identity is a key's SPKI digest, a native signer, a Notary subject, "any
//!   certificate of these trust stores", or (builds with the `cache` feature) the digest of a
//!   Sigstore identity's trust; two signer names for one key are one identity.
//! - `long-exception`: a break-glass exception open (`notBefore` to `notAfter`) for longer
//!   than [`LintOptions::max_exception_days`]. An exception without an end would be infinitely
//!   long; none compiles.
//! - `accepts-unsigned`: a scope, or a default, whose rule lets an image in without a trusted
//!   signature: `insecureAcceptAnything` (`acceptUnsigned`), a Notary statement at level `skip`
//!   or one that does not enforce authenticity (`audit`, or an override), an `anyOf` with such
//!   an alternative, or a native scope naming a Notary signer that does not enforce
//!   authenticity. Every requirement of the rule must be so (they are ANDed).
//! - `role-overlap`: within one scope, a signer listed in two roles, or two signers of one
//!   identity listed in two roles: separation of duties then rests on the other members.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use super::native::{GovernedRequirement, SignerKind};
use super::notation::NotaryRequirement;
use super::{CompiledPolicy, Decision, IdentityRule, Matched, RequirementRecord, Requirement, Rule, ScopeMatch, SignatureRecord};
use crate::encoding::hex_encode;
use crate::facts::{SignatureFormat, TimeSource};
use crate::notation::trustpolicy::{Action, Level, Statement, TrustedIdentities, Validation};
use crate::time::UnixTime;
use crate::trust::{Signers, Trust};

const DAY: i64 = 86_400;

/// A lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LintRule {
    /// A signer window longer than the maximum.
    LongLivedSigner,
    /// A signer, key or identity without an end.
    NoExpiry,
    /// One key or identity trusted in unrelated scopes.
    SharedSigner,
    /// An exception longer than the maximum (or without an end).
    LongException,
    /// A scope or default that admits images without a trusted signature.
    AcceptsUnsigned,
    /// One signer (or identity) able to fill two roles of a scope.
    RoleOverlap,
}

impl LintRule {
    /// Every rule, in the order findings are reported.
    pub const ALL: [Self; 6] = [Self::LongLivedSigner, Self::NoExpiry, Self::SharedSigner, Self::LongException, Self::AcceptsUnsigned, Self::RoleOverlap];

    /// The rule's stable name (`long-lived-signer`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::LongLivedSigner => "long-lived-signer",
            Self::NoExpiry => "no-expiry",
            Self::SharedSigner => "shared-signer",
            Self::LongException => "long-exception",
            Self::AcceptsUnsigned => "accepts-unsigned",
            Self::RoleOverlap => "role-overlap",
        }
    }

    /// The rule named `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for LintRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for LintRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What the rules measure against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LintOptions {
    /// The longest signer window that is not flagged, in days (default 365).
    pub max_signer_days: u32,
    /// The longest exception that is not flagged, in days (default 30).
    pub max_exception_days: u32,
    /// When the policy is reviewed: where a window without `validFrom` starts.
    pub now: UnixTime,
}

impl LintOptions {
    /// The default maxima, reviewed at `now`.
    #[must_use]
    pub const fn new(now: UnixTime) -> Self {
        Self { max_signer_days: 365, max_exception_days: 30, now }
    }
}

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The rule that found it.
    pub rule: LintRule,
    /// The scope (or scopes, comma-separated) it concerns: a scope as the policy names it,
    /// `*` for a transport default, `default` for the policy's default; for an exception, the
    /// repository or digest it covers; `(unused)` for a signer no scope names.
    pub scope: String,
    /// What it is about: `signer "name"`, a key or identity, `exception "id"`, or a scope.
    pub subject: String,
    /// The warning, in words.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `warning[<rule>]: <scope>: <message>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning[{}]: {}: {}", self.rule, self.scope, self.message)
    }
}

// ---- scopes and identities ------------------------------------------------------------------

/// A scope of the policy, in order: every transport's scopes, then the default.
struct ScopeRef<'a> {
    /// The scope as written (`""` for a transport default and for the policy's default).
    name: &'a str,
    /// How findings and summaries name it.
    label: String,
    rule: &'a Rule,
}

fn scopes(policy: &CompiledPolicy) -> Vec<ScopeRef<'_>> {
    let mut out = Vec::new();
    for (transport, scopes) in &policy.transports {
        for (name, rule) in scopes {
            let shown = if name.is_empty() { "*" } else { name.as_str() };
            let label = if transport == "docker" { shown.to_string() } else { alloc::format!("{transport}:{shown}") };
            out.push(ScopeRef { name, label, rule });
        }
    }
    out.push(ScopeRef { name: "", label: String::from("default"), rule: &policy.default });
    out
}

/// Whether `a` covers `b` in the reference grammar: `b` is `a` followed by a path, a digest,
/// or (when `a` names a repository) a tag; or `a` is a `*.` wildcard domain over `b`'s host.
fn covers(a: &str, b: &str) -> bool {
    if let Some(rest) = b.strip_prefix(a) {
        if rest.starts_with('/') || rest.starts_with('@') {
            return true;
        }
        // After a host, `:` starts a port (another registry); after a repository, a tag.
        if let Some(tag) = rest.strip_prefix(':') {
            return a.contains('/') && !tag.contains('/');
        }
    }
    if let Some(domain) = a.strip_prefix("*.") {
        let host = b.split('/').next().unwrap_or(b);
        let host = host.strip_prefix("*.").unwrap_or(host);
        return host.len() > domain.len() && host.ends_with(domain) && host.as_bytes()[host.len() - domain.len() - 1] == b'.';
    }
    false
}

/// Whether two scopes are of one repository tree: equal, a default, or one covering the other.
fn related(a: &str, b: &str) -> bool {
    a.is_empty() || b.is_empty() || a == b || covers(a, b) || covers(b, a)
}

/// One identity a signer stands for: a key that identifies it, and how to name it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Id {
    key: String,
    name: String,
}

fn trust_ids(trust: &Trust, unique: &mut usize) -> Vec<Id> {
    match &trust.signers {
        Signers::Keys(keys) => keys.iter().map(|k| Id { key: alloc::format!("key:{}", k.id_hex()), name: alloc::format!("key sha256:{}", k.id_hex()) }).collect(),
        Signers::Certificate(_) => {
            #[cfg(feature = "cache")]
            let key = {
                let _ = unique;
                alloc::format!("sigstore:{}", hex_encode(trust.digest()))
            };
            #[cfg(not(feature = "cache"))]
            let key = {
                *unique += 1;
                alloc::format!("sigstore#{unique}")
            };
            #[cfg(feature = "cache")]
            let name = alloc::format!("Sigstore certificate identity (trust sha256:{})", &hex_encode(trust.digest())[..16]);
            #[cfg(not(feature = "cache"))]
            let name = String::from("Sigstore certificate identity");
            alloc::vec![Id { key, name }]
        }
    }
}

fn stores(st: &Statement) -> String {
    st.trust_stores.iter().map(|s| alloc::format!("{}:{}", s.kind.name(), s.name)).collect::<Vec<_>>().join(", ")
}

fn notary_ids(nr: &NotaryRequirement) -> Vec<Id> {
    match &nr.statement.identities {
        TrustedIdentities::Any => alloc::vec![Id {
            key: alloc::format!("notary-any:{}:{}", hex_encode(&nr.store.digest()), stores(&nr.statement)),
            name: alloc::format!("any certificate of trust store {}", stores(&nr.statement)),
        }],
        TrustedIdentities::Subjects(dns) => {
            dns.iter().map(|dn| Id { key: alloc::format!("notary:{dn}"), name: alloc::format!("Notary identity x509.subject {dn}") }).collect()
        }
    }
}

/// Why a Notary statement admits a signature by an untrusted key (or none at all).
fn notary_lax(st: &Statement) -> Option<String> {
    if st.level == Level::Skip {
        return Some(alloc::format!("trust policy statement {:?} has level skip: no signature is verified", st.name));
    }
    match st.action(Validation::Authenticity) {
        Action::Enforce => None,
        a => Some(alloc::format!(
            "trust policy statement {:?} (level {}) does not enforce authenticity ({}): a signature by any key is accepted",
            st.name,
            st.level_name,
            a.name()
        )),
    }
}

/// A signer as the rules see it: a native signer, or a key or identity of another format.
struct Entity {
    /// `signer:<name>` for native signers, else the identity's key.
    key: String,
    /// How findings name it.
    subject: String,
    /// The identities it stands for (a native signer's include `signer:<name>`).
    ids: Vec<Id>,
    /// Named by a native policy (with a window), or not (no window in the policy).
    native: bool,
    from: Option<UnixTime>,
    until: Option<UnixTime>,
    /// Indices into the scope list, in order.
    scopes: Vec<usize>,
}

#[derive(Default)]
struct Entities {
    list: Vec<Entity>,
    unique: usize,
}

impl Entities {
    fn add(&mut self, e: Entity, scope: usize) {
        let at = match self.list.iter().position(|x| x.key == e.key) {
            Some(i) => i,
            None => {
                self.list.push(e);
                self.list.len() - 1
            }
        };
        let scopes = &mut self.list[at].scopes;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }

    fn native(&mut self, g: &GovernedRequirement, i: usize, scope: usize) {
        let s = &g.signers[i];
        let mut ids = alloc::vec![Id { key: alloc::format!("signer:{}", s.name), name: alloc::format!("signer {:?}", s.name) }];
        ids.extend(match &s.kind {
            SignerKind::Sigstore(trust) => trust_ids(trust, &mut self.unique),
            SignerKind::Notary(nr) => notary_ids(nr),
        });
        let e = Entity { key: alloc::format!("signer:{}", s.name), subject: alloc::format!("signer {:?}", s.name), ids, native: true, from: s.lifetime.from, until: s.lifetime.until, scopes: Vec::new() };
        self.add(e, scope);
    }

    fn foreign(&mut self, id: Id, from: Option<UnixTime>, until: Option<UnixTime>, scope: usize) {
        let e = Entity { key: id.key.clone(), subject: id.name.clone(), ids: alloc::vec![id], native: false, from, until, scopes: Vec::new() };
        self.add(e, scope);
    }

    fn walk(&mut self, req: &Requirement, scope: usize) {
        match req {
            Requirement::Signed(sr) => {
                let windows: Vec<(Option<UnixTime>, Option<UnixTime>)> = match &sr.trust.signers {
                    Signers::Keys(keys) => keys
                        .iter()
                        .map(|k| k.valid_for().map_or((None, None), |w| (Some(w.start).filter(|s| s.secs() != i64::MIN), w.end)))
                        .collect(),
                    Signers::Certificate(_) => alloc::vec![(None, None)],
                };
                for (id, (from, until)) in trust_ids(&sr.trust, &mut self.unique).into_iter().zip(windows) {
                    self.foreign(id, from, until, scope);
                }
            }
            Requirement::Notary(nr) => {
                for id in notary_ids(nr) {
                    self.foreign(id, None, None, scope);
                }
            }
            Requirement::AnyOf(alternatives) => alternatives.iter().for_each(|a| self.walk(a, scope)),
            Requirement::Governed(g) => {
                for i in used(g) {
                    self.native(g, i, scope);
                }
            }
            Requirement::InsecureAcceptAnything | Requirement::Reject | Requirement::Unsupported { .. } => {}
        }
    }
}

/// The signers a governed requirement names, in order, once each.
fn used(g: &GovernedRequirement) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let named = g.signatures.iter().flat_map(|(s, _)| s.iter()).chain(g.roles.iter().flat_map(|(_, m)| m.iter())).chain(g.attestations.iter().flat_map(|a| a.signers.iter()));
    for &i in named {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn entities(scopes: &[ScopeRef<'_>]) -> Vec<Entity> {
    let mut e = Entities::default();
    for (i, s) in scopes.iter().enumerate() {
        for req in s.rule.requirements() {
            e.walk(req, i);
        }
    }
    e.list
}

// ---- the rules ------------------------------------------------------------------------------

/// Why a requirement admits an image without a trusted signature, if it does.
fn lax(req: &Requirement) -> Option<String> {
    match req {
        Requirement::InsecureAcceptAnything => Some(String::from("insecureAcceptAnything (acceptUnsigned): any image is admitted, signed or not")),
        Requirement::Notary(nr) => notary_lax(&nr.statement),
        Requirement::AnyOf(alternatives) => alternatives.iter().enumerate().find_map(|(j, a)| lax(a).map(|r| alloc::format!("alternative {j}: {r}"))),
        Requirement::Governed(g) => used(g).into_iter().find_map(|i| match &g.signers[i].kind {
            // A skipping Notary signer verifies nothing and counts as no signature at all.
            SignerKind::Notary(nr) if nr.statement.level != Level::Skip => notary_lax(&nr.statement).map(|r| alloc::format!("signer {:?}: {r}", g.signers[i].name)),
            _ => None,
        }),
        Requirement::Reject | Requirement::Unsupported { .. } | Requirement::Signed(_) => None,
    }
}

fn span_days(secs: i64) -> i64 {
    secs.saturating_add(DAY - 1).div_euclid(DAY)
}

fn scope_list(scopes: &[ScopeRef<'_>], of: &[usize]) -> String {
    if of.is_empty() {
        return String::from("(unused)");
    }
    of.iter().map(|&i| scopes[i].label.as_str()).collect::<Vec<_>>().join(", ")
}

fn signer_rules(entities: &[Entity], scopes: &[ScopeRef<'_>], options: &LintOptions, out: &mut Vec<Finding>) {
    let max = i64::from(options.max_signer_days) * DAY;
    for e in entities {
        let Some(until) = e.until else { continue };
        let start = e.from.unwrap_or(options.now);
        let length = until.secs().saturating_sub(start.secs());
        if length > max {
            let from = e.from.map_or_else(|| alloc::format!("now ({}; it has no validFrom)", options.now), |f| f.to_string());
            out.push(Finding {
                rule: LintRule::LongLivedSigner,
                scope: scope_list(scopes, &e.scopes),
                subject: e.subject.clone(),
                message: alloc::format!(
                    "{} may sign for {} days, from {from} to {until}: longer than the maximum of {} days",
                    e.subject,
                    span_days(length),
                    options.max_signer_days
                ),
            });
        }
    }
    for e in entities.iter().filter(|e| e.until.is_none()) {
        let message = if e.native {
            alloc::format!("{} has no validUntil: it may sign for ever (give it an end, and rotate it)", e.subject)
        } else {
            alloc::format!("{} is trusted without an end (this policy format gives keys and identities no validity window)", e.subject)
        };
        out.push(Finding { rule: LintRule::NoExpiry, scope: scope_list(scopes, &e.scopes), subject: e.subject.clone(), message });
    }
}

fn shared_rule(entities: &[Entity], scopes: &[ScopeRef<'_>], out: &mut Vec<Finding>) {
    // Each identity: the entities that stand for it and every scope that trusts one of them.
    let mut groups: Vec<(&Id, Vec<usize>, Vec<usize>)> = Vec::new();
    for (n, e) in entities.iter().enumerate() {
        for id in &e.ids {
            let at = match groups.iter().position(|(g, _, _)| g.key == id.key) {
                Some(i) => i,
                None => {
                    groups.push((id, Vec::new(), Vec::new()));
                    groups.len() - 1
                }
            };
            let (_, members, trusted) = &mut groups[at];
            members.push(n);
            for &s in &e.scopes {
                if !trusted.contains(&s) {
                    trusted.push(s);
                }
            }
        }
    }
    for g in &mut groups {
        g.2.sort_unstable();
    }
    let unrelated = |trusted: &[usize]| -> Option<(usize, usize)> {
        trusted.iter().enumerate().find_map(|(k, &a)| trusted[k + 1..].iter().find(|&&b| !related(scopes[a].name, scopes[b].name)).map(|&b| (a, b)))
    };
    let subset = |a: &[usize], b: &[usize]| a.iter().all(|x| b.contains(x));
    for (k, (id, members, trusted)) in groups.iter().enumerate() {
        let Some((a, b)) = unrelated(trusted) else { continue };
        // Reported once: a group that another covers (its members and scopes) is left out.
        let covered = groups.iter().enumerate().any(|(j, (_, m, t))| {
            j != k && subset(members, m) && subset(trusted, t) && (!(subset(m, members) && subset(t, trusted)) || j < k)
        });
        if covered {
            continue;
        }
        let subject = if members.len() == 1 {
            entities[members[0]].subject.clone()
        } else {
            let names: Vec<&str> = members.iter().map(|&m| entities[m].subject.as_str()).collect();
            alloc::format!("{} (one identity: {})", names.join(", "), id.name)
        };
        let message = alloc::format!(
            "{subject} is trusted in unrelated scopes {:?} and {:?} (neither covers the other): a shared signing key; give each repository tree its own",
            scopes[a].label,
            scopes[b].label
        );
        out.push(Finding { rule: LintRule::SharedSigner, scope: scope_list(scopes, trusted), subject, message });
    }
}

fn exception_rule(policy: &CompiledPolicy, options: &LintOptions, out: &mut Vec<Finding>) {
    let max = i64::from(options.max_exception_days) * DAY;
    for e in policy.exceptions() {
        let length = e.not_after.secs().saturating_sub(e.not_before.secs());
        if length > max {
            out.push(Finding {
                rule: LintRule::LongException,
                scope: e.scope.clone(),
                subject: alloc::format!("exception {:?}", e.id),
                message: alloc::format!(
                    "exception {:?} (ticket {}) is open for {} days, from {} to {}: longer than the maximum of {} days",
                    e.id,
                    e.ticket,
                    span_days(length),
                    e.not_before,
                    e.not_after,
                    options.max_exception_days
                ),
            });
        }
    }
}

fn unsigned_rule(scopes: &[ScopeRef<'_>], out: &mut Vec<Finding>) {
    for s in scopes {
        let reasons: Option<Vec<String>> = s.rule.requirements().iter().map(lax).collect();
        if let Some(reasons) = reasons {
            let whom = if s.label == "default" { "the default rule" } else { "the scope" };
            out.push(Finding {
                rule: LintRule::AcceptsUnsigned,
                scope: s.label.clone(),
                subject: s.label.clone(),
                message: alloc::format!("{whom} admits images without a trusted signature: {}", reasons.join("; ")),
            });
        }
    }
}

fn role_rule(scopes: &[ScopeRef<'_>], out: &mut Vec<Finding>) {
    let mut unique = 0usize;
    for s in scopes {
        for req in s.rule.requirements() {
            let Requirement::Governed(g) = req else { continue };
            // The identities of each signer (keys, identities), without its name.
            let mut ids: BTreeMap<usize, Vec<Id>> = BTreeMap::new();
            for i in used(g) {
                let v = match &g.signers[i].kind {
                    SignerKind::Sigstore(trust) => trust_ids(trust, &mut unique),
                    SignerKind::Notary(nr) => notary_ids(nr),
                };
                ids.insert(i, v);
            }
            let name = |i: usize| g.signers[i].name.as_str();
            for (x, (r1, m1)) in g.roles.iter().enumerate() {
                for (r2, m2) in &g.roles[x + 1..] {
                    let mut seen: Vec<(usize, usize)> = Vec::new();
                    for &a in m1 {
                        for &b in m2 {
                            let key = (a.min(b), a.max(b));
                            if seen.contains(&key) {
                                continue;
                            }
                            let shared = if a == b { None } else { ids[&a].iter().find(|i| ids[&b].iter().any(|j| j.key == i.key)) };
                            if a != b && shared.is_none() {
                                continue;
                            }
                            seen.push(key);
                            let (subject, who) = match shared {
                                None => (alloc::format!("signer {:?}", name(a)), alloc::format!("signer {:?} is listed in", name(a))),
                                Some(id) => (
                                    alloc::format!("signers {:?}, {:?}", name(a), name(b)),
                                    alloc::format!("signers {:?} and {:?} are one identity ({}), listed in", name(a), name(b), id.name),
                                ),
                            };
                            out.push(Finding {
                                rule: LintRule::RoleOverlap,
                                scope: s.label.clone(),
                                subject,
                                message: alloc::format!("{who} both roles {r1:?} and {r2:?}: one identity can fill either, so separation of duties rests on the other members"),
                            });
                        }
                    }
                }
            }
        }
    }
}

/// Lints `policy`: every finding, by rule ([`LintRule::ALL`] order), then in policy order.
/// An empty list means the policy breaks none of the rules.
#[must_use]
pub fn lint(policy: &CompiledPolicy, options: &LintOptions) -> Vec<Finding> {
    let scopes = scopes(policy);
    let entities = entities(&scopes);
    let mut out = Vec::new();
    signer_rules(&entities, &scopes, options, &mut out);
    shared_rule(&entities, &scopes, &mut out);
    exception_rule(policy, options, &mut out);
    unsigned_rule(&scopes, &mut out);
    role_rule(&scopes, &mut out);
    out.sort_by_key(|f| f.rule);
    out
}

// ---- the summary ----------------------------------------------------------------------------

/// A compiled policy, described: what `sealcheck policy check` prints. The same for every
/// format, since it reads the compiled model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// SHA-256 of the policy document, hex.
    pub policy_digest: String,
    /// How scopes select a rule: `most-specific` (containers-policy.json and native policies),
    /// `repository` (Notary trust policies: the repository exactly) or `glob`
    /// (ClusterImagePolicy: every policy with a matching glob).
    pub scope_match: &'static str,
    /// Every scope, in order, then the default.
    pub scopes: Vec<ScopeSummary>,
    /// Every signer the scopes name (native signers, keys and identities), in order.
    pub signers: Vec<SignerSummary>,
    /// The policy's own revocations.
    pub revocations: Vec<String>,
    /// The break-glass exceptions.
    pub exceptions: Vec<super::native::Exception>,
}

/// One scope and what its rule requires.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScopeSummary {
    /// The scope (`*` a transport default, `default` the policy's default).
    pub scope: String,
    /// Each requirement (all must hold), described.
    pub requires: Vec<String>,
}

/// A signer, with its window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignerSummary {
    /// `signer "name"`, or the key or identity.
    pub signer: String,
    /// The keys and identities it stands for.
    pub identities: Vec<String>,
    /// `validFrom`, if any.
    pub valid_from: Option<UnixTime>,
    /// `validUntil`, if any.
    pub valid_until: Option<UnixTime>,
    /// The scopes that trust it.
    pub scopes: Vec<String>,
}

fn identity_rule(rule: &IdentityRule) -> String {
    match rule {
        IdentityRule::MatchExact => String::from("matchExact"),
        IdentityRule::MatchRepoDigestOrExact => String::from("matchRepoDigestOrExact"),
        IdentityRule::MatchRepository => String::from("matchRepository"),
        IdentityRule::ExactReference { reference } => alloc::format!("exactReference {reference}"),
        IdentityRule::ExactRepository { repository } => alloc::format!("exactRepository {repository}"),
        IdentityRule::RemapIdentity { prefix, signed_prefix } => alloc::format!("remapIdentity {prefix} -> {signed_prefix}"),
        IdentityRule::MatchDigest => String::from("sealcheckMatchDigest"),
    }
}

fn names(g: &GovernedRequirement, ix: &[usize]) -> String {
    ix.iter().map(|&i| g.signers[i].name.as_str()).collect::<Vec<_>>().join(", ")
}

fn describe(req: &Requirement, unique: &mut usize) -> String {
    match req {
        Requirement::InsecureAcceptAnything => String::from("insecureAcceptAnything: any image, signed or not"),
        Requirement::Reject => String::from("reject: every image"),
        Requirement::Unsupported { kind, reason } => alloc::format!("{kind}: always rejects ({reason})"),
        Requirement::Signed(sr) => {
            let who: Vec<String> = trust_ids(&sr.trust, unique).into_iter().map(|i| i.name).collect();
            let what = sr.predicate_type.as_deref().map_or_else(|| String::from("a signature"), |p| alloc::format!("an attestation {p}"));
            let t = sr.trust.thresholds;
            alloc::format!(
                "sigstoreSigned: {what} by {}, signedIdentity {}{}; at least {} log entries, {} SCTs, {} verified times",
                who.join(" or "),
                identity_rule(&sr.identity),
                if sr.index_signatures { ", index signatures accepted" } else { "" },
                t.tlog,
                t.ctlog,
                t.timestamps
            )
        }
        Requirement::Notary(nr) => {
            let st = &nr.statement;
            let who: Vec<String> = notary_ids(nr).into_iter().map(|i| i.name).collect();
            let mut level = st.level_name.clone();
            if level == "custom" {
                let actions: Vec<String> = Validation::ALL.iter().map(|v| alloc::format!("{} {}", v.name(), st.action(*v).name())).collect();
                level = alloc::format!("custom: {}", actions.join(", "));
            }
            alloc::format!("notarySigned: trust policy statement {:?} (level {level}), by {}", st.name, who.join(" or "))
        }
        Requirement::AnyOf(alternatives) => {
            let alts: Vec<String> = alternatives.iter().enumerate().map(|(j, a)| alloc::format!("({j}) {}", describe(a, unique))).collect();
            alloc::format!("anyOf: {}", alts.join(" | "))
        }
        Requirement::Governed(g) => {
            let mut parts = Vec::new();
            if let Some((ix, k)) = &g.signatures {
                parts.push(alloc::format!("signatures of {k} distinct identities among [{}]", names(g, ix)));
            }
            for (role, ix) in &g.roles {
                parts.push(alloc::format!("role {role} by one of [{}]", names(g, ix)));
            }
            for a in &g.attestations {
                let with: String = a.constraints.iter().map(|c| alloc::format!(" with predicate {c}")).collect();
                parts.push(alloc::format!("attestation {} by one of [{}]{with}", a.predicate_type, names(g, &a.signers)));
            }
            if g.roles.len() > 1 {
                parts.push(String::from("each role by its own identity"));
            }
            alloc::format!("signedBy: {}", parts.join("; "))
        }
    }
}

/// Describes `policy`: scopes and what each requires, signers with their windows, revocations
/// and exceptions.
#[must_use]
pub fn summary(policy: &CompiledPolicy) -> Summary {
    let scopes = scopes(policy);
    let mut unique = 0usize;
    let scope_summaries = scopes.iter().map(|s| ScopeSummary { scope: s.label.clone(), requires: s.rule.requirements().iter().map(|r| describe(r, &mut unique)).collect() }).collect();
    let signers = entities(&scopes)
        .into_iter()
        .map(|e| SignerSummary {
            identities: e.ids.iter().filter(|i| !i.key.starts_with("signer:")).map(|i| i.name.clone()).collect(),
            signer: e.subject,
            valid_from: e.from,
            valid_until: e.until,
            scopes: e.scopes.iter().map(|&i| scopes[i].label.clone()).collect(),
        })
        .collect();
    let revocations = scopes
        .iter()
        .flat_map(|s| s.rule.requirements())
        .find_map(|r| match r {
            Requirement::Governed(g) => Some(g.revocations.entries().iter().map(super::native::Revocation::describe).collect()),
            _ => None,
        })
        .unwrap_or_default();
    let exceptions = policy.exceptions().to_vec();
    Summary {
        policy_digest: hex_encode(policy.digest()),
        scope_match: match policy.scope_match {
            ScopeMatch::Containers => "most-specific",
            ScopeMatch::Repository => "repository",
            ScopeMatch::Glob => "glob",
        },
        scopes: scope_summaries,
        signers,
        revocations,
        exceptions,
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.scope_match {
            "repository" => "the repository exactly, else *",
            "glob" => "every policy with a matching glob, all required",
            _ => "the most specific scope first",
        };
        writeln!(f, "policy sha256:{} (scopes match {how})", self.policy_digest)?;
        writeln!(f, "scopes:")?;
        for s in &self.scopes {
            match s.requires.as_slice() {
                [one] => writeln!(f, "  {}: {one}", s.scope)?,
                all => {
                    writeln!(f, "  {}: all of", s.scope)?;
                    for r in all {
                        writeln!(f, "    - {r}")?;
                    }
                }
            }
        }
        writeln!(f, "signers:")?;
        if self.signers.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for s in &self.signers {
            let from = s.valid_from.map_or_else(|| String::from("always"), |t| t.to_string());
            let until = s.valid_until.map_or_else(|| String::from("no end"), |t| t.to_string());
            let ids = if s.identities.is_empty() || (s.identities.len() == 1 && s.identities[0] == s.signer) {
                String::new()
            } else {
                alloc::format!(": {}", s.identities.join(", "))
            };
            writeln!(f, "  {}{ids}; valid {from} .. {until}; trusted in {}", s.signer, if s.scopes.is_empty() { String::from("(unused)") } else { s.scopes.join(", ") })?;
        }
        if !self.revocations.is_empty() {
            writeln!(f, "revocations:")?;
            for r in &self.revocations {
                writeln!(f, "  {r}")?;
            }
        }
        writeln!(f, "exceptions:")?;
        if self.exceptions.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for e in &self.exceptions {
            writeln!(
                f,
                "  {}: {} from {} to {}, ticket {}, approved by {}{}: {}",
                e.id,
                e.scope,
                e.not_before,
                e.not_after,
                e.ticket,
                e.approver,
                if e.covers_revoked { ", covers revoked signatures" } else { "" },
                e.reason
            )?;
        }
        Ok(())
    }
}

// ---- windows ending ---------------------------------------------------------------------------

/// A signer whose window ends soon, or has ended: one row of [`signers_ending`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignerEnding {
    /// `signer "name"`, or the key or identity (as [`SignerSummary::signer`]).
    pub signer: String,
    /// The end of its window (`validUntil`, inclusive: a signature made then still counts).
    pub valid_until: UnixTime,
    /// Whole days from the review time to `valid_until`, rounded down: 10 when it ends exactly
    /// ten days later, 9 when a second earlier; negative once it has ended.
    pub days_left: i64,
    /// True when `valid_until` is before the review time: it signs nothing any more.
    pub expired: bool,
    /// The scopes that trust it.
    pub scopes: Vec<String>,
}

/// The signers of `policy` whose window ends at most `warn_days` days after `now` (`validUntil
/// <= now + warn_days × 86400 s`), ended ones included, soonest first (then in policy order).
/// Native policies give signers a window (`validUntil`); the documents of the other formats
/// give their keys and identities none. A signer without an end, or that no scope names, is
/// never listed.
#[must_use]
pub fn signers_ending(policy: &CompiledPolicy, now: UnixTime, warn_days: u32) -> Vec<SignerEnding> {
    let scopes = scopes(policy);
    let horizon = now.secs().saturating_add(i64::from(warn_days) * DAY);
    let mut out: Vec<SignerEnding> = entities(&scopes)
        .into_iter()
        .filter_map(|e| {
            let until = e.until.filter(|u| u.secs() <= horizon)?;
            Some(SignerEnding {
                days_left: until.secs().saturating_sub(now.secs()).div_euclid(DAY),
                expired: until < now,
                valid_until: until,
                scopes: e.scopes.iter().map(|&i| scopes[i].label.clone()).collect(),
                signer: e.subject,
            })
        })
        .collect();
    out.sort_by_key(|s| s.valid_until);
    out
}

// ---- explaining a decision ------------------------------------------------------------------

/// How a decision names its scope, in words.
fn scope_words(scope: &str) -> String {
    match scope {
        "" => String::from("* (the transport default)"),
        "default" => String::from("default (no scope covers the reference)"),
        s => s.to_string(),
    }
}

const fn format_name(f: SignatureFormat) -> &'static str {
    match f {
        SignatureFormat::SigstoreBundle => "sigstore-bundle",
        SignatureFormat::CosignSimpleSigning => "cosign-simple-signing",
        SignatureFormat::CosignAttestation => "cosign-attestation",
        SignatureFormat::Notary => "notary",
    }
}

fn signature(out: &mut String, s: &SignatureRecord, depth: usize) {
    let pad = "  ".repeat(depth);
    let verdict = if s.accepted { String::from("accepted") } else { alloc::format!("refused ({})", s.error_kind.unwrap_or("error")) };
    let _ = writeln!(out, "{pad}signature {} [{}, {}]: {verdict}: {}", s.index, format_name(s.format), s.origin, s.reason);
    if let Some(signer) = &s.signer {
        let _ = writeln!(out, "{pad}  signer: {signer}");
    }
    if let Some(r) = &s.signed_reference {
        let _ = writeln!(out, "{pad}  signed reference: {r}");
    }
    if let Some(m) = s.matched {
        let _ = writeln!(out, "{pad}  binds: the {}", if m == Matched::Manifest { "manifest" } else { "image index that lists the manifest" });
    }
    for t in &s.times {
        let by = match &t.source {
            TimeSource::TransparencyLog { log, entry } => alloc::format!("transparency log {log} (entry {entry})"),
            TimeSource::SigningAuthority => String::from("the Notary signing authority"),
            TimeSource::TimestampAuthority { authority, timestamp } => alloc::format!("timestamp authority {authority} (timestamp {timestamp})"),
        };
        let _ = writeln!(out, "{pad}  signed at {} (verified by {by})", t.time);
    }
    for v in &s.validations {
        let error = v.error.as_deref().map(|e| alloc::format!(": {e}")).unwrap_or_default();
        let _ = writeln!(out, "{pad}  validation {} ({}): {}{error}", v.validation.name(), v.action.name(), v.outcome);
    }
}

fn requirement(out: &mut String, r: &RequirementRecord, depth: usize, noun: &str) {
    let pad = "  ".repeat(depth);
    let verdict = if r.satisfied { "satisfied" } else { "not satisfied" };
    let _ = writeln!(out, "{pad}{noun} {} ({}): {verdict}: {}", r.index, r.kind, r.reason);
    for s in &r.signatures {
        signature(out, s, depth + 1);
    }
    let child = if r.kind == "anyOf" { "alternative" } else { "part" };
    for a in &r.alternatives {
        requirement(out, a, depth + 1, child);
    }
}

/// The decision record, rule by rule, in words: the scope whose rule applied, each
/// requirement with every signature it considered and why it was accepted or refused (Notary
/// validations, verified signer and times), alternatives and parts nested, the exception that
/// allowed the image if one did, the revocations that refused a signature, and the decision.
/// It reads the record only: nothing is evaluated again.
#[must_use]
pub fn explain(d: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "reference: {}", d.reference);
    if let Some(m) = &d.manifest_digest {
        let _ = writeln!(out, "manifest: {m}");
    }
    if let Some(i) = &d.index_digest {
        let _ = writeln!(out, "reached through index: {i}");
    }
    let _ = writeln!(out, "policy: sha256:{}", d.policy_digest);
    let _ = writeln!(out, "verification time: {}", d.verification_time);
    let _ = writeln!(out, "scope: {}", scope_words(&d.scope));
    if d.requirements.is_empty() {
        let _ = writeln!(out, "  no requirement was evaluated");
    }
    for r in &d.requirements {
        requirement(&mut out, r, 1, "requirement");
    }
    if let Some(e) = &d.exception {
        let _ = writeln!(
            out,
            "exception: {} for {}, {} to {}, ticket {}, approved by {}: {}",
            e.id, e.scope, e.not_before, e.not_after, e.ticket, e.approver, e.reason
        );
        let _ = writeln!(out, "  without it: denied: {}", e.denied_because);
    }
    for hit in &d.revocation_hits {
        let _ = writeln!(out, "revocation hit: {hit}");
    }
    let _ = writeln!(out, "decision: {}: {}", if d.allowed { "allowed" } else { "denied" }, d.reason);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Unrelated" scopes: neither covers the other.
    #[test]
    fn scope_relations() {
        assert!(related("example.com/team", "example.com/team/app"));
        assert!(related("example.com/team/app", "example.com/team"));
        assert!(related("example.com/app", "example.com/app:v1"));
        assert!(related("example.com/app", "example.com/app@sha256:00"));
        assert!(related("", "example.com/app") && related("example.com/app", ""));
        assert!(related("*.example.com", "registry.example.com/app"));
        assert!(related("localhost:5000", "localhost:5000/app"));
        assert!(!related("example.com/team/a", "example.com/team/b"));
        assert!(!related("example.com/app", "example.com/application"), "a path boundary");
        assert!(!related("example.com", "example.com:5000/app"), "another port is another registry");
        assert!(!related("*.example.com", "example.org/app"));
        assert!(!related("*.example.com", "badexample.com/app"));
    }

    #[test]
    fn rule_names_round_trip() {
        for r in LintRule::ALL {
            assert_eq!(LintRule::from_name(r.name()), Some(r));
        }
    }
}
