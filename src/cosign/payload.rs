//! Cosign simple-signing payloads (cosign `specs/SIGNATURE_SPEC.md`; containers/image
//! `sigstore_payload.go`): `{"critical":{"identity":{"docker-reference"},"image":
//! {"docker-manifest-digest"},"type"},"optional":…}`.
//!
//! Read "paranoid": `critical` and its members must have exactly the known fields (unknown or
//! duplicate members are errors), `type` must be the cosign one; `optional` may be anything, but
//! a `timestamp` there must be an integer.

use alloc::string::String;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::oci::OciDigest;

/// `critical.type` of cosign container image signatures.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";

/// A parsed payload; what it claims is checked by policy evaluation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SimpleSigningPayload {
    /// `critical.identity.docker-reference`: the signed reference, as written.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`.
    pub manifest_digest: OciDigest,
    /// `optional.timestamp`, if present.
    pub timestamp: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayloadJson {
    critical: CriticalJson,
    #[serde(default)]
    optional: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriticalJson {
    identity: IdentityJson,
    image: ImageJson,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityJson {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageJson {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

impl SimpleSigningPayload {
    /// Parses a payload.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let p: PayloadJson =
            serde_json::from_slice(bytes).map_err(|e| Error::Json { what: "simple-signing payload", detail: alloc::format!("{e}") })?;
        if p.critical.kind != COSIGN_SIGNATURE_TYPE {
            return Err(Error::Json {
                what: "simple-signing payload",
                detail: alloc::format!("unexpected critical.type {:?}", p.critical.kind),
            });
        }
        let timestamp = match p.optional.as_ref().and_then(|o| o.get("timestamp")) {
            None => None,
            Some(v) => Some(
                v.as_i64().ok_or(Error::Json { what: "simple-signing payload", detail: "optional.timestamp is not an integer".into() })?,
            ),
        };
        Ok(Self {
            docker_reference: p.critical.identity.docker_reference,
            manifest_digest: OciDigest::parse(&p.critical.image.docker_manifest_digest)?,
            timestamp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";

    #[test]
    fn paranoid() {
        let ok = alloc::format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r"}},"image":{{"docker-manifest-digest":"{D}"}},"type":"cosign container image signature"}},"optional":{{"timestamp":5,"x":1}}}}"#
        );
        let p = SimpleSigningPayload::from_json(ok.as_bytes()).unwrap();
        assert_eq!((p.docker_reference.as_str(), p.timestamp), ("r", Some(5)));
        for bad in [
            ok.replace(r#""type":"#, r#""extra":1,"type":"#),
            ok.replace("cosign container image signature", "atomic container signature"),
            ok.replace(r#""timestamp":5"#, r#""timestamp":"5""#),
            ok.replace(r#""identity":{"docker-reference":"r"}"#, r#""identity":{"docker-reference":"r","docker-reference":"s"}"#),
            ok.replace(r#","optional""#, r#","unknown":1,"optional""#),
        ] {
            assert!(SimpleSigningPayload::from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
