//! DSSE (Dead Simple Signing Envelope, protocol v1): the pre-authentication encoding that is
//! actually signed, `"DSSEv1" SP len(type) SP type SP len(body) SP body`.

use alloc::vec::Vec;

/// The in-toto payload type.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// PAE(type, body).
#[must_use]
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let t = alloc::format!("{}", payload_type.len());
    let b = alloc::format!("{}", payload.len());
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(t.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(b.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pae_matches_spec_example() {
        assert_eq!(super::pae("http://example.com/HelloWorld", b"hello world"), b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec());
    }
}
