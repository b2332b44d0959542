//! DER encoding (X.690 §10) of the universal types that certificates, CMS and RFC 3161 tokens
//! use, written independently of the crate's own reader; and the three time formats of the
//! fixtures (UTCTime / GeneralizedTime for X.509 and TSTInfo, RFC 3339 for trusted roots).

/// Identifier octets (X.690 §8.1.2).
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;

    /// `[n]` constructed.
    pub const fn context(n: u8) -> u8 {
        0xa0 | n
    }

    /// `[n]` primitive.
    pub const fn context_primitive(n: u8) -> u8 {
        0x80 | n
    }
}

/// One TLV with a definite, minimal length (X.690 §8.1.3).
pub fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of the given encodings, in order.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    encode(tag::SEQUENCE, &parts.concat())
}

/// SET of the given encodings, in the order given (the caller keeps DER order).
pub fn set(parts: &[&[u8]]) -> Vec<u8> {
    encode(tag::SET, &parts.concat())
}

/// `[n]` constructed: EXPLICIT around one encoding, or IMPLICIT over a SET's or SEQUENCE's content.
pub fn context(n: u8, content: &[u8]) -> Vec<u8> {
    encode(tag::context(n), content)
}

/// OBJECT IDENTIFIER from dotted text (X.690 §8.19).
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().expect("numeric OID arc")).collect();
    let mut body = Vec::new();
    let first = arcs[0] * 40 + arcs[1];
    for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        body.extend(chunk.iter().rev());
    }
    encode(tag::OID, &body)
}

/// Non-negative INTEGER, minimal.
pub fn uint(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut v = bytes[skip..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    encode(tag::INTEGER, &v)
}

/// BOOLEAN.
pub fn boolean(b: bool) -> Vec<u8> {
    encode(tag::BOOLEAN, &[if b { 0xff } else { 0 }])
}

/// OCTET STRING.
pub fn octets(bytes: &[u8]) -> Vec<u8> {
    encode(tag::OCTET_STRING, bytes)
}

/// BIT STRING with no unused bits.
pub fn bits(bytes: &[u8]) -> Vec<u8> {
    encode(tag::BIT_STRING, &[&[0u8][..], bytes].concat())
}

/// UTF8String.
pub fn utf8(s: &str) -> Vec<u8> {
    encode(tag::UTF8_STRING, s.as_bytes())
}

/// An AlgorithmIdentifier with absent parameters.
pub fn algorithm(dotted: &str) -> Vec<u8> {
    seq(&[&oid(dotted)])
}

/// X.509 Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050.
pub fn x509_time(secs: i64) -> Vec<u8> {
    let (y, mo, d, h, mi, s) = civil(secs);
    if (1950..2050).contains(&y) {
        encode(0x17, format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100).as_bytes())
    } else {
        generalized_time(secs)
    }
}

/// GeneralizedTime `YYYYMMDDHHMMSSZ`.
pub fn generalized_time(secs: i64) -> Vec<u8> {
    let (y, mo, d, h, mi, s) = civil(secs);
    encode(tag::GENERALIZED_TIME, format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z").as_bytes())
}

/// RFC 3339 `YYYY-MM-DDTHH:MM:SSZ`, as trusted roots write `validFor`.
pub fn rfc3339(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Unix seconds to proleptic Gregorian (year, month, day, hour, minute, second).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Days since 0000-03-01, split into 400-year eras (Hinnant, "chrono-compatible algorithms").
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, (tod / 3600) as u32, (tod % 3600 / 60) as u32, (tod % 60) as u32)
}

#[test]
fn encodings() {
    assert_eq!(oid("1.2.840.10045.2.1"), [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
    assert_eq!(uint(0), [0x02, 0x01, 0x00]);
    assert_eq!(uint(128), [0x02, 0x02, 0x00, 0x80]);
    assert_eq!(rfc3339(1_610_452_407), "2021-01-12T11:53:27Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(x509_time(1_710_869_186), b"\x17\x0d240319172626Z");
    assert_eq!(generalized_time(2_524_608_000), b"\x18\x0f20500101000000Z");
}
