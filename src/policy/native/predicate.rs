//! Predicate field constraints of a native policy's attestation requirement
//! (`attestations[].predicate`): a small explicit language over the in-toto predicate (in-toto
//! attestation framework, Statement layer v1: `predicate`, the JSON object whose meaning
//! `predicateType` gives, e.g. SLSA provenance v1 `buildDefinition` and `runDetails`).
//!
//! A constraint is `{"path": P, "equals": V}` or `{"path": P, "oneOf": [V, …]}`. `P` is
//! dot-separated object keys from the predicate (`runDetails.builder.id`): no array indexing,
//! so a key that holds a dot cannot be named. Each `V` is a JSON string, number or boolean. The
//! value at `P` must be a string, number or boolean equal to `V` (to one of the `V`s): same JSON
//! type and value, numbers as JSON numbers compare (`1` and `1.0` differ). A path that leads to
//! no value (a missing key, a non-object on the way, `null`, no predicate at all) fails the
//! constraint, as does a value of another type. Parsing is strict: unknown keys, both or neither
//! operator, an empty path or path segment, an operand that is not a string, number or boolean,
//! and an empty `oneOf` are errors when the policy loads.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::invalid;
use crate::error::{Error, Result};

/// One constraint as the policy writes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ConstraintJson {
    path: String,
    equals: Option<Value>,
    one_of: Option<Vec<Value>>,
}

/// What the value at the path must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// Exactly this string, number or boolean.
    Equals(Value),
    /// One of these strings, numbers or booleans.
    OneOf(Vec<Value>),
}

/// A constraint on one field of an attestation's in-toto predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateConstraint {
    /// The object keys that lead from the predicate to the field.
    pub path: Vec<String>,
    /// What the field must be.
    pub operator: Operator,
}

impl PredicateConstraint {
    /// Reads one constraint; `what` names it in errors.
    pub(super) fn from_json(what: &str, j: ConstraintJson) -> Result<Self> {
        let path: Vec<String> = j.path.split('.').map(String::from).collect();
        if path.iter().any(String::is_empty) {
            return Err(invalid(alloc::format!("{what}: path {:?} is not dot-separated non-empty object keys", j.path)));
        }
        let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
        let operator = match (j.equals, j.one_of) {
            (Some(v), None) if scalar(&v) => Operator::Equals(v),
            (None, Some(vs)) if !vs.is_empty() && vs.iter().all(scalar) => Operator::OneOf(vs),
            (Some(_), None) => return Err(invalid(alloc::format!("{what}: equals must be a string, number or boolean"))),
            (None, Some(_)) => return Err(invalid(alloc::format!("{what}: oneOf must be a non-empty list of strings, numbers or booleans"))),
            _ => return Err(invalid(alloc::format!("{what}: exactly one of equals and oneOf"))),
        };
        Ok(Self { path, operator })
    }

    /// Whether `predicate` meets the constraint; `Err` says what was found instead.
    pub fn check(&self, predicate: Option<&Value>) -> core::result::Result<(), String> {
        let mut at = predicate.ok_or_else(|| String::from("the statement has no predicate"))?;
        for (depth, key) in self.path.iter().enumerate() {
            at = match at {
                Value::Object(m) => m.get(key),
                _ => None,
            }
            .filter(|v| !v.is_null())
            .ok_or_else(|| alloc::format!("{} is missing", self.path[..=depth].join(".")))?;
        }
        let met = match &self.operator {
            Operator::Equals(want) => at == want,
            Operator::OneOf(wants) => wants.contains(at),
        };
        if met { Ok(()) } else { Err(alloc::format!("found {}", brief(at))) }
    }
}

/// A value as an error shows it: scalars whole, objects and arrays by kind.
fn brief(v: &Value) -> String {
    match v {
        Value::Object(_) => String::from("an object"),
        Value::Array(_) => String::from("an array"),
        v => v.to_string(),
    }
}

impl fmt::Display for PredicateConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.join(".");
        match &self.operator {
            Operator::Equals(v) => write!(f, "{path} equals {v}"),
            Operator::OneOf(vs) => write!(f, "{path} oneOf {}", Value::Array(vs.clone())),
        }
    }
}

/// Every constraint of an attestation requirement, over the predicate of the statement a
/// signature verified: the first one not met is [`Error::InToto`], naming it by its position
/// and text.
pub fn check_all(constraints: &[PredicateConstraint], predicate: Option<&Value>) -> Result<()> {
    for (i, c) in constraints.iter().enumerate() {
        c.check(predicate).map_err(|why| Error::InToto(alloc::format!("predicate constraint {i} ({c}) not met: {why}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(j: Value) -> Result<PredicateConstraint> {
        PredicateConstraint::from_json("c", serde_json::from_value(j).map_err(|e| invalid(alloc::format!("{e}")))?)
    }

    /// Paths walk objects only; `null` and non-objects on the way are missing; equality is by
    /// JSON type and value.
    #[test]
    fn paths_and_values() {
        let p = serde_json::json!({"a": {"b": "x", "n": 1, "t": true, "z": null, "l": ["x"]}});
        let eq = |path: &str, v: Value| constraint(serde_json::json!({"path": path, "equals": v})).unwrap().check(Some(&p));
        assert_eq!(eq("a.b", "x".into()), Ok(()));
        assert_eq!(eq("a.n", 1.into()), Ok(()));
        assert!(eq("a.n", serde_json::json!(1.0)).is_err(), "an integer is not a float");
        assert!(eq("a.n", "1".into()).is_err(), "a number is not a string");
        assert_eq!(eq("a.t", true.into()), Ok(()));
        assert_eq!(eq("a.z", "x".into()), Err("a.z is missing".into()));
        assert_eq!(eq("a.b.c", "x".into()), Err("a.b.c is missing".into()));
        assert_eq!(eq("a.l", "x".into()), Err("found an array".into()));
        assert_eq!(eq("b", "x".into()), Err("b is missing".into()));
        let c = constraint(serde_json::json!({"path": "a.b", "oneOf": ["y", "x"]})).unwrap();
        assert_eq!(c.check(Some(&p)), Ok(()));
        assert_eq!(c.check(None), Err("the statement has no predicate".into()));
        assert_eq!(c.to_string(), r#"a.b oneOf ["y","x"]"#);
    }

    #[test]
    fn strict() {
        for bad in [
            serde_json::json!({"path": "a", "equals": "x", "oneOf": ["x"]}),
            serde_json::json!({"path": "a"}),
            serde_json::json!({"path": "", "equals": "x"}),
            serde_json::json!({"path": "a..b", "equals": "x"}),
            serde_json::json!({"path": "a.", "equals": "x"}),
            serde_json::json!({"path": "a", "equals": null}),
            serde_json::json!({"path": "a", "equals": {"b": 1}}),
            serde_json::json!({"path": "a", "oneOf": []}),
            serde_json::json!({"path": "a", "oneOf": ["x", ["y"]]}),
            serde_json::json!({"path": "a", "equals": "x", "extra": 1}),
        ] {
            assert!(constraint(bad.clone()).is_err(), "{bad}");
        }
    }
}
