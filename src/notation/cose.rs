//! COSE_Sign1 envelopes (signature-envelope-cose.md; RFC 9052 §4.2): `COSE_Sign1_Tagged`
//! (tag 18) only, an attached payload, the protected header as a byte string whose exact bytes
//! are signed (`Sig_structure` = `["Signature1", protected, h'', payload]`, RFC 9052 §4.4),
//! labels 1 (alg), 2 (crit) and 3 (content type) and the text-labelled Notary attributes, times
//! as tag 1 epoch seconds; the chain (`x5chain`, label 33, an array, RFC 9360), the timestamp
//! and the signing agent in the unprotected header. As notation-core-go, `x5chain` is read only
//! from the unprotected header and only as an array.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::cbor::{self, Value};
use super::envelope::{
    self, envelope_error, Algorithm, Envelope, EnvelopeFormat, RawAttributes, TargetArtifact, ATTR_AUTHENTIC_SIGNING_TIME, ATTR_EXPIRY,
    ATTR_SIGNING_AGENT, ATTR_SIGNING_SCHEME, ATTR_SIGNING_TIME, ATTR_TIMESTAMP,
};
use crate::error::Result;
use crate::time::UnixTime;

const TAG_COSE_SIGN1: u64 = 18;
const LABEL_ALG: i128 = 1;
const LABEL_CRIT: i128 = 2;
const LABEL_CONTENT_TYPE: i128 = 3;
const LABEL_X5CHAIN: i128 = 33;

fn time(name: &str, v: &Value) -> Result<UnixTime> {
    match v {
        Value::Tag(1, inner) => match **inner {
            Value::Int(n) => i64::try_from(n).map(UnixTime::from_secs).map_err(|_| envelope_error(name, "time out of range")),
            _ => Err(envelope_error(name, "tag 1 time is not an integer number of seconds")),
        },
        _ => Err(envelope_error(name, "is not a tag 1 (epoch) date/time")),
    }
}

fn label_name(k: &Value) -> Option<String> {
    match k {
        Value::Int(n) => Some(alloc::format!("{n}")),
        Value::Text(s) => Some(s.clone()),
        _ => None,
    }
}

/// Parses a COSE envelope.
pub(crate) fn parse(bytes: &[u8]) -> Result<Envelope> {
    let Value::Tag(TAG_COSE_SIGN1, msg) = cbor::decode("COSE envelope", bytes)? else {
        return Err(envelope_error("COSE envelope", "is not a COSE_Sign1_Tagged message (tag 18)"));
    };
    let Value::Array(parts) = *msg else {
        return Err(envelope_error("COSE envelope", "COSE_Sign1 is not an array"));
    };
    let [protected, unprotected, payload, signature] =
        <[Value; 4]>::try_from(parts).map_err(|_| envelope_error("COSE envelope", "COSE_Sign1 does not have 4 elements"))?;
    let Value::Bytes(protected) = protected else { return Err(envelope_error("COSE protected header", "is not a byte string")) };
    let Value::Map(unprotected) = unprotected else { return Err(envelope_error("COSE unprotected header", "is not a map")) };
    let payload = match payload {
        Value::Bytes(p) => p,
        Value::Null => return Err(envelope_error("COSE payload", "detached payloads are not accepted")),
        _ => return Err(envelope_error("COSE payload", "is not a byte string")),
    };
    let Value::Bytes(signature) = signature else { return Err(envelope_error("COSE signature", "is not a byte string")) };

    let Value::Map(header) = cbor::decode("COSE protected header", &protected)? else {
        return Err(envelope_error("COSE protected header", "is not a map"));
    };
    let mut raw = RawAttributes::default();
    for (k, v) in &header {
        let name = label_name(k).ok_or_else(|| envelope_error("COSE protected header", "a label is neither an integer nor text"))?;
        raw.present.push(name.clone());
        match (k, v) {
            (Value::Int(LABEL_ALG), Value::Int(a)) => raw.alg = Some(Algorithm::from_cose(*a)?),
            (Value::Int(LABEL_ALG), _) => return Err(envelope_error("COSE alg", "is not an integer")),
            (Value::Int(LABEL_CRIT), Value::Array(list)) => {
                raw.crit = Some(list.iter().map(|c| label_name(c).ok_or_else(|| envelope_error("COSE crit", "lists a label that is neither an integer nor text"))).collect::<Result<_>>()?);
            }
            (Value::Int(LABEL_CRIT), _) => return Err(envelope_error("COSE crit", "is not an array")),
            (Value::Int(LABEL_CONTENT_TYPE), Value::Text(t)) => raw.content_type = Some(t.clone()),
            (Value::Int(LABEL_CONTENT_TYPE), _) => return Err(envelope_error("COSE content type", "is not text")),
            (Value::Int(LABEL_X5CHAIN), _) => {
                return Err(envelope_error("COSE protected header", "x5chain is read from the unprotected header only (as notation-core-go)"));
            }
            (Value::Text(t), v) => match t.as_str() {
                ATTR_SIGNING_SCHEME => raw.scheme = Some(v.as_text().ok_or_else(|| envelope_error(ATTR_SIGNING_SCHEME, "is not text"))?.to_string()),
                ATTR_SIGNING_TIME => raw.signing_time = Some(time(t, v)?),
                ATTR_AUTHENTIC_SIGNING_TIME => raw.authentic_signing_time = Some(time(t, v)?),
                ATTR_EXPIRY => raw.expiry = Some(time(t, v)?),
                _ => {}
            },
            _ => {}
        }
    }
    let (algorithm, attributes) = raw.check("COSE protected header")?;

    let mut x5chain = None;
    let mut timestamp = None;
    let mut signing_agent = None;
    for (k, v) in unprotected {
        match (k, v) {
            (Value::Int(LABEL_X5CHAIN), Value::Array(list)) => {
                x5chain = Some(
                    list.into_iter()
                        .map(|c| if let Value::Bytes(b) = c { Ok(b) } else { Err(envelope_error("COSE x5chain", "lists a non-byte-string")) })
                        .collect::<Result<Vec<_>>>()?,
                );
            }
            (Value::Int(LABEL_X5CHAIN), _) => return Err(envelope_error("COSE x5chain", "is not an array (as notation-core-go requires)")),
            (Value::Text(t), v) if t == ATTR_TIMESTAMP => match v {
                Value::Bytes(b) => timestamp = Some(b),
                _ => return Err(envelope_error(ATTR_TIMESTAMP, "is not a byte string")),
            },
            (Value::Text(t), Value::Text(a)) if t == ATTR_SIGNING_AGENT => signing_agent = Some(a),
            _ => {}
        }
    }
    let chain = envelope::chain(x5chain.ok_or_else(|| envelope_error("COSE unprotected header", "no x5chain certificate chain"))?)?;
    let target = TargetArtifact::parse(&payload)?;
    // Sig_structure = ["Signature1", body_protected, external_aad = h'', payload].
    let mut signed_bytes = Vec::with_capacity(protected.len() + payload.len() + 32);
    signed_bytes.push(0x84);
    signed_bytes.extend_from_slice(&cbor::text_head(10));
    signed_bytes.extend_from_slice(b"Signature1");
    signed_bytes.extend_from_slice(&cbor::bytes_head(protected.len()));
    signed_bytes.extend_from_slice(&protected);
    signed_bytes.push(0x40);
    signed_bytes.extend_from_slice(&cbor::bytes_head(payload.len()));
    signed_bytes.extend_from_slice(&payload);
    Ok(Envelope { format: EnvelopeFormat::Cose, algorithm, attributes, target, chain, timestamp, signing_agent, signed_bytes, signature })
}
