//! Rekor v1 signed entry timestamps (inclusion promises): the log's signature over the RFC 8785
//! canonical JSON `{"body","integratedTime","logID","logIndex"}` of an entry.

use alloc::string::String;
use core::fmt::Write;

use crate::encoding::{base64_encode, hex_encode};

/// The canonical (RFC 8785) payload a SET signs. Every value is a number, or a string from the
/// base64 or hex alphabet, so no escaping is needed; keys are in code-point order.
#[must_use]
pub fn signed_payload(body: &[u8], integrated_time: i64, log_id: &[u8], log_index: u64) -> String {
    let mut s = String::with_capacity(body.len() * 4 / 3 + 160);
    let _ = write!(
        s,
        r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        base64_encode(body),
        integrated_time,
        hex_encode(log_id),
        log_index
    );
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_order() {
        assert_eq!(super::signed_payload(b"{}", 5, &[0xab], 7), r#"{"body":"e30=","integratedTime":5,"logID":"ab","logIndex":7}"#);
    }
}
