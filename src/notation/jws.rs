//! JWS envelopes (signature-envelope-jws.md; RFC 7515 §7.2.2 flattened JSON serialization):
//! exactly `payload`, `protected`, `header` and `signature`; base64url without padding for the
//! three signed or signature fields (a padded value is refused, as notation-go does); the
//! certificate chain (`x5c`, standard padded base64, RFC 7515 §4.1.6), the timestamp and the
//! signing agent in the unprotected header. The signing input is
//! `ASCII(protected) "." ASCII(payload)` exactly as received.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Deserialize;
use serde_json::Value;

use super::envelope::{
    self, envelope_error, Algorithm, Envelope, EnvelopeFormat, RawAttributes, TargetArtifact, ATTR_AUTHENTIC_SIGNING_TIME, ATTR_EXPIRY,
    ATTR_SIGNING_AGENT, ATTR_SIGNING_SCHEME, ATTR_SIGNING_TIME, ATTR_TIMESTAMP,
};
use crate::encoding::{base64_decode, StrictMap};
use crate::error::{Error, Result};
use crate::time::UnixTime;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JwsJson {
    payload: String,
    protected: String,
    header: StrictMap<Value>,
    signature: String,
}

fn b64url(what: &str, s: &str) -> Result<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(s).map_err(|_| Error::Encoding { what: alloc::format!("JWS {what}"), encoding: "base64url without padding" })
}

fn time(name: &str, v: &Value) -> Result<UnixTime> {
    let s = v.as_str().ok_or_else(|| envelope_error(name, "is not a string"))?;
    UnixTime::parse_rfc3339(s)
}

/// Parses a JWS envelope.
pub(crate) fn parse(bytes: &[u8]) -> Result<Envelope> {
    let j: JwsJson = serde_json::from_slice(bytes).map_err(|e| Error::Json { what: "JWS envelope", detail: alloc::format!("{e}") })?;
    let protected = b64url("protected header", &j.protected)?;
    let payload = b64url("payload", &j.payload)?;
    let signature = b64url("signature", &j.signature)?;

    let header: StrictMap<Value> = serde_json::from_slice(&protected).map_err(|e| Error::Json { what: "JWS protected header", detail: alloc::format!("{e}") })?;
    let mut raw = RawAttributes::default();
    for (name, v) in &header.0 {
        raw.present.push(name.clone());
        match name.as_str() {
            "alg" => raw.alg = Some(Algorithm::from_jws(v.as_str().ok_or_else(|| envelope_error("alg", "is not a string"))?)?),
            "cty" => raw.content_type = Some(v.as_str().ok_or_else(|| envelope_error("cty", "is not a string"))?.to_string()),
            "crit" => {
                let list = v.as_array().ok_or_else(|| envelope_error("crit", "is not an array"))?;
                raw.crit = Some(list.iter().map(|c| c.as_str().map(ToString::to_string).ok_or_else(|| envelope_error("crit", "lists a non-string"))).collect::<Result<_>>()?);
            }
            ATTR_SIGNING_SCHEME => raw.scheme = Some(v.as_str().ok_or_else(|| envelope_error(ATTR_SIGNING_SCHEME, "is not a string"))?.to_string()),
            ATTR_SIGNING_TIME => raw.signing_time = Some(time(name, v)?),
            ATTR_AUTHENTIC_SIGNING_TIME => raw.authentic_signing_time = Some(time(name, v)?),
            ATTR_EXPIRY => raw.expiry = Some(time(name, v)?),
            // Anything else must not be critical (checked with crit).
            _ => {}
        }
    }
    let (algorithm, attributes) = raw.check("JWS protected header")?;

    let mut x5c = None;
    let mut timestamp = None;
    let mut signing_agent = None;
    for (name, v) in j.header.0 {
        match name.as_str() {
            "x5c" => {
                let list = v.as_array().ok_or_else(|| envelope_error("x5c", "is not an array"))?;
                x5c = Some(list.iter().map(|c| c.as_str().ok_or_else(|| envelope_error("x5c", "lists a non-string")).and_then(|s| base64_decode("JWS x5c", s))).collect::<Result<Vec<_>>>()?);
            }
            ATTR_TIMESTAMP => timestamp = Some(base64_decode("JWS io.cncf.notary.timestampSignature", v.as_str().ok_or_else(|| envelope_error(ATTR_TIMESTAMP, "is not a string"))?)?),
            ATTR_SIGNING_AGENT => signing_agent = v.as_str().map(ToString::to_string),
            // Other unprotected members are unsigned and carry no meaning here.
            _ => {}
        }
    }
    let chain = envelope::chain(x5c.ok_or_else(|| envelope_error("JWS unprotected header", "no x5c certificate chain"))?)?;
    let target = TargetArtifact::parse(&payload)?;
    let mut signed_bytes = Vec::with_capacity(j.protected.len() + 1 + j.payload.len());
    signed_bytes.extend_from_slice(j.protected.as_bytes());
    signed_bytes.push(b'.');
    signed_bytes.extend_from_slice(j.payload.as_bytes());
    Ok(Envelope { format: EnvelopeFormat::Jws, algorithm, attributes, target, chain, timestamp, signing_agent, signed_bytes, signature })
}
