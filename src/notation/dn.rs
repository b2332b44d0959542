//! Distinguished names as Notary Project trusted identities write them
//! (`trust-store-trust-policy.md` "Trusted Identities Constraints": `x509.subject:` + an RFC 4514
//! string) and as a leaf certificate's subject carries them (RFC 5280 §4.1.2.6), compared the way
//! notation-go v1.3 compares them (`internal/pkix/pkix.go`: `ParseDistinguishedName`,
//! `IsSubsetDN`; `verifier/verifier.go verifyX509TrustedIdentities`).
//!
//! notation-go parses identities with go-ldap `ParseDN` (RFC 4514) and renders the leaf subject
//! with Go's `pkix.Name.String()` before parsing it the same way, so a DN here is a set of
//! `(attribute type, value)` pairs named as Go names them: `C`, `ST` (alias `S`), `L`, `O`,
//! `OU`, `CN`, `SERIALNUMBER`, `STREET`, `POSTALCODE`. Types compare case-sensitively and values
//! byte for byte, as in notation-go.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::asn1::{tag, Reader};
use crate::error::{Error, Result};

/// The attribute types a trusted identity may name, with their OIDs (RFC 4519 §2): exactly the
/// ones Go's `pkix.Name.String()` writes by name. A leaf subject attribute of any other type is
/// rendered `OID=#hex` by Go, which notation-go's parser refuses.
const TYPES: [(&str, &str); 9] = [
    ("C", "2.5.4.6"),
    ("ST", "2.5.4.8"),
    ("L", "2.5.4.7"),
    ("O", "2.5.4.10"),
    ("OU", "2.5.4.11"),
    ("CN", "2.5.4.3"),
    ("SERIALNUMBER", "2.5.4.5"),
    ("STREET", "2.5.4.9"),
    ("POSTALCODE", "2.5.4.17"),
];

/// The attributes every trusted identity must have (spec: "MUST contain country (C), state or
/// province (ST or S), and organization (O) RDNs"), in the order notation-go checks them.
pub(crate) const MANDATORY: [&str; 3] = ["C", "ST", "O"];

/// RFC 4514 §2.4 characters that may follow a backslash as themselves.
const ESCAPABLE: &[u8] = b" \"#+,;<=>\\";

/// A distinguished name: single-valued RDNs with distinct attribute types, in the order RFC 4514
/// writes them (most specific first, as the string was written; a certificate's `Name` reversed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    attrs: Vec<(&'static str, String)>,
}

fn known_type(t: &str) -> Option<&'static str> {
    // `S` is an alias for `ST` (pkix.go: "stateOrProvince name 'S' is an alias for 'ST'").
    let t = if t == "S" { "ST" } else { t };
    TYPES.iter().map(|(name, _)| *name).find(|name| *name == t)
}

/// The index just after the end of `b`'s trailing unescaped spaces are trimmed.
fn trim_unescaped_trailing_spaces(b: &[u8]) -> usize {
    let mut end = b.len();
    while end > 0 && b[end - 1] == b' ' {
        let backslashes = b[..end - 1].iter().rev().take_while(|c| **c == b'\\').count();
        if backslashes % 2 == 1 {
            break; // `\ `: an escaped space belongs to the value
        }
        end -= 1;
    }
    end
}

/// Decodes an RFC 4514 §3 attribute value: `\` + one of [`ESCAPABLE`], or `\` + two hex digits
/// (a byte of the UTF-8 encoding); the result must be UTF-8.
fn unescape(raw: &str) -> core::result::Result<String, String> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match (b.get(i + 1), b.get(i + 2)) {
            (Some(c), _) if ESCAPABLE.contains(c) => {
                out.push(*c);
                i += 2;
            }
            (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                let hex = |c: u8| char::from(c).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(*h) << 4 | hex(*l));
                i += 3;
            }
            _ => return Err(alloc::format!("invalid escape sequence at byte {i} of value {raw:?}")),
        }
    }
    String::from_utf8(out).map_err(|_| alloc::format!("value {raw:?} does not decode to UTF-8"))
}

impl DistinguishedName {
    /// Parses the value of an `x509.subject:` trusted identity: RFC 4514 with escapes; must
    /// contain C, ST (alias S) and O; multi-valued RDNs (`+`), duplicate attribute types and
    /// hex values (`=#`) are refused.
    ///
    /// As notation-go (go-ldap `ParseDN`), spaces around types and values are ignored and `;`
    /// separates RDNs like `,`. Stricter than notation-go, failing closed where it would accept
    /// an identity that can never match (see the module docs): an attribute type other than
    /// the nine Go names (`cn`, `E`, `2.5.4.3`…) and an empty value are refused (notation-go
    /// treats `OU=` as "OU absent or empty").
    pub fn parse(s: &str) -> Result<Self> {
        Self::parse_reason(s).map_err(|why| Error::Encoding { what: why, encoding: "RFC 4514 distinguished name" })
    }

    /// [`Self::parse`] with the reason as notation-go words it, for the trust policy's errors.
    pub(crate) fn parse_reason(s: &str) -> core::result::Result<Self, String> {
        let parsed = Self::parse_any_reason(s)?;
        for field in MANDATORY {
            if !parsed.attrs.iter().any(|(t, _)| *t == field) {
                return Err(alloc::format!(
                    "distinguished name (DN) {s:?} has no mandatory RDN attribute for {field:?}, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum"
                ));
            }
        }
        Ok(parsed)
    }

    /// Any RFC 4514 name with the rules of [`Self::parse`] but no mandatory attributes: how a
    /// revocation names a certificate's issuer or a Notary subject.
    pub fn parse_any(s: &str) -> Result<Self> {
        Self::parse_any_reason(s).map_err(|why| Error::Encoding { what: why, encoding: "RFC 4514 distinguished name" })
    }

    fn parse_any_reason(s: &str) -> core::result::Result<Self, String> {
        let dn = |why: &str| alloc::format!("distinguished name (DN) {s:?} {why}");
        if s.contains("=#") {
            return Err(dn("contains \"=#\": hex-encoded attribute values are not supported"));
        }
        // Split into RDNs at unescaped `,` / `;`; an unescaped `+` joins a multi-valued RDN.
        let bytes = s.as_bytes();
        let mut parts = Vec::new();
        let (mut start, mut i) = (0, 0);
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if i + 1 == bytes.len() => return Err(dn("ends with an incomplete escape")),
                b'\\' => i += 1,
                b'+' => return Err(dn("has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported")),
                b',' | b';' => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        parts.push(&s[start..]);
        if parts.len() == 1 && parts[0].trim_matches(' ').is_empty() {
            parts.clear(); // an empty DN: refused below for its missing attributes
        }

        let mut attrs: Vec<(&'static str, String)> = Vec::with_capacity(parts.len());
        for part in parts {
            let Some((ty, raw)) = part.split_once('=') else {
                return Err(dn(&alloc::format!("has an incomplete type, value pair {part:?}")));
            };
            let ty = ty.trim_matches(' ');
            if ty.is_empty() {
                return Err(dn(&alloc::format!("has an attribute without a type in {part:?}")));
            }
            let Some(name) = known_type(ty) else {
                return Err(dn(&alloc::format!(
                    "has attribute type {ty:?}, which no certificate subject can match (notation compares C, ST or S, L, O, OU, CN, SERIALNUMBER, STREET and POSTALCODE, case-sensitively)"
                )));
            };
            let raw = raw.trim_start_matches(' ');
            let raw = &raw[..trim_unescaped_trailing_spaces(raw.as_bytes())];
            if raw.starts_with('#') {
                return Err(dn("has a hex-encoded attribute value ('#'), which is not supported"));
            }
            let value = unescape(raw).map_err(|e| dn(&e))?;
            if value.is_empty() {
                return Err(dn(&alloc::format!("has an empty value for {name:?}")));
            }
            if attrs.iter().any(|(t, _)| *t == name) {
                return Err(dn(&alloc::format!("has duplicate RDN attribute for {name:?}, DN can only have unique RDN attributes")));
            }
            attrs.push((name, value));
        }
        Ok(Self { attrs })
    }

    /// The subject `Name` DER of a certificate; a subject with multi-valued RDNs or repeated
    /// attribute types is refused (notation fails identity evaluation for these).
    ///
    /// notation-go renders the subject with Go's `pkix.Name.String()` and parses the result, so
    /// it also fails for an attribute of a type Go does not name (rendered `OID=#hex`) and for a
    /// value containing `=#`: refused here too. Go folds a repeated CN or SERIALNUMBER into the
    /// last one and joins other repeated types into one multi-valued RDN (refused by notation);
    /// both are refused here. Values must be UTF8String, PrintableString, IA5String,
    /// NumericString, TeletexString (UTF-8 bytes, as Go reads them) or BMPString.
    pub fn from_name_der(der: &[u8]) -> Result<Self> {
        const WHAT: &str = "certificate subject";
        let bad = |detail: String| Error::Der { what: WHAT.to_string(), detail };
        let mut outer = Reader::new(WHAT, der);
        let mut name = outer.nested(tag::SEQUENCE)?;
        outer.finish()?;
        let mut attrs: Vec<(&'static str, String)> = Vec::new();
        while !name.is_empty() {
            let mut rdn = name.nested(tag::SET)?;
            if rdn.is_empty() {
                return Err(bad("empty RDN".to_string()));
            }
            let mut atv = rdn.nested(tag::SEQUENCE)?;
            if !rdn.is_empty() {
                return Err(bad("multi-valued RDN (notation does not support multi-valued RDN attributes)".to_string()));
            }
            let oid = atv.oid()?;
            let value = atv.any()?;
            atv.finish()?;
            let dotted = oid.to_string();
            let Some((ty, _)) = TYPES.iter().find(|(_, o)| *o == dotted) else {
                return Err(bad(alloc::format!("attribute type {dotted} cannot be compared with a trusted identity (notation renders it as hex and refuses it)")));
            };
            let text = string_value(value.tag, value.value).ok_or_else(|| bad(alloc::format!("{ty} value is not a supported string type (tag 0x{:02x})", value.tag)))?;
            if text.contains("=#") {
                return Err(bad(alloc::format!("{ty} value contains \"=#\", which notation refuses")));
            }
            if attrs.iter().any(|(t, _)| t == ty) {
                return Err(bad(alloc::format!("repeated attribute type {ty}")));
            }
            attrs.push((ty, text));
        }
        attrs.reverse(); // RFC 4514 §2.1: the last RDN of the sequence is written first
        Ok(Self { attrs })
    }

    /// Every attribute of `self` is present in `other` with an equal value (notation-go
    /// `IsSubsetDN`: types and values compared exactly).
    #[must_use]
    pub fn is_subset_of(&self, other: &Self) -> bool {
        self.attrs.iter().all(|(t, v)| other.get(t) == Some(v.as_str()))
    }

    /// The value of attribute type `ty` (`ST` for the state, also when written `S`).
    #[must_use]
    pub fn get(&self, ty: &str) -> Option<&str> {
        self.attrs.iter().find(|(t, _)| *t == ty).map(|(_, v)| v.as_str())
    }

    /// The `(type, value)` pairs, in RFC 4514 order.
    pub fn attributes(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.attrs.iter().map(|(t, v)| (*t, v.as_str()))
    }
}

/// The text of a directory string value, or `None` for a type notation-go cannot render.
fn string_value(t: u8, v: &[u8]) -> Option<String> {
    const NUMERIC_STRING: u8 = 0x12;
    const TELETEX_STRING: u8 = 0x14;
    const BMP_STRING: u8 = 0x1e;
    match t {
        tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING | NUMERIC_STRING | TELETEX_STRING => {
            core::str::from_utf8(v).ok().map(ToString::to_string)
        }
        BMP_STRING if v.len() % 2 == 0 => {
            char::decode_utf16(v.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]]))).collect::<core::result::Result<String, _>>().ok()
        }
        _ => None,
    }
}

/// Writes `v` escaped as an RFC 4514 §2.4 attribute value.
fn write_value(f: &mut fmt::Formatter<'_>, v: &str) -> fmt::Result {
    let last = v.len().saturating_sub(1);
    for (i, c) in v.char_indices() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' => true,
            ' ' => i == 0 || i == last,
            '#' => i == 0,
            _ => false,
        };
        if escape {
            write!(f, "\\{c}")?;
        } else if c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                write!(f, "\\{b:02X}")?;
            }
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

impl fmt::Display for DistinguishedName {
    /// RFC 4514: `CN=…,O=…,ST=…,C=…`, values escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (t, v)) in self.attrs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{t}=")?;
            write_value(f, v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::der::{encode, oid, seq, set, utf8};

    fn dn(s: &str) -> DistinguishedName {
        DistinguishedName::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn reason(s: &str) -> String {
        match DistinguishedName::parse_reason(s) {
            Ok(d) => panic!("{s:?} parsed as {d}"),
            Err(e) => e,
        }
    }

    /// notation-go internal/pkix/pkix_test.go TestParseDistinguishedName, case by case.
    #[test]
    fn notation_parse_cases() {
        dn("C=US,ST=California,O=Notary Project");
        assert_eq!(dn("C=US,S=California,O=Notary Project").get("ST"), Some("California"), "S is an alias of ST");
        assert!(reason("C=US,ST=California").contains("no mandatory RDN attribute for \"O\""));
        assert!(reason("C=US,O=Notary Project").contains("no mandatory RDN attribute for \"ST\""));
        assert!(reason("invalid").contains("incomplete type, value pair"));
        assert!(reason("C=US,ST=California,O=Notary Project,S=California").contains("duplicate RDN attribute for \"ST\""));
        assert!(reason("C=US,ST=California,O=Notary Project=#").contains("=#"));
        assert!(reason("OU=Sales+CN=J.  Smith,DC=example,DC=net").contains("multi-valued"));
    }

    /// The mandatory attributes, in notation-go's order (pkix.go `mandatoryFields`), and the e2e
    /// identities (notation test/e2e/testdata/config/trustpolicies/missing_*).
    #[test]
    fn mandatory_attributes() {
        assert!(reason("CN=e2e,O=Notary,L=Seattle,ST=WA").contains("for \"C\""));
        assert!(reason("CN=e2e,L=Seattle,ST=WA,C=US").contains("for \"O\""));
        assert!(reason("CN=e2e,O=Notary,L=Seattle,C=US").contains("for \"ST\""));
        assert!(reason("").contains("for \"C\""));
        assert!(reason("   ").contains("for \"C\""));
        let d = dn(" CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
        assert_eq!(d.to_string(), "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
    }

    /// RFC 4514 §2.4 / §3 escapes (the spec's list: leading/trailing space, `,`, `;`, `\`), and
    /// go-ldap's trimming of unescaped spaces around types and values.
    #[test]
    fn escapes() {
        let d = dn(r"C=US, ST = WA , O=Acme\, Inc.\; Ltd,CN=\ padded\ ,OU=back\\slash,L=caf\C3\A9");
        assert_eq!(d.get("O"), Some("Acme, Inc.; Ltd"));
        assert_eq!(d.get("ST"), Some("WA"));
        assert_eq!(d.get("CN"), Some(" padded "));
        assert_eq!(d.get("OU"), Some(r"back\slash"));
        assert_eq!(d.get("L"), Some("café"));
        // Display escapes what it must and parses back to the same DN.
        let shown = d.to_string();
        assert_eq!(shown, r"C=US,ST=WA,O=Acme\, Inc.\; Ltd,CN=\ padded\ ,OU=back\\slash,L=café");
        assert_eq!(dn(&shown), d);
        assert_eq!(dn(r"C=US,ST=WA,O=a\+b").get("O"), Some("a+b"), "an escaped '+' is not a multi-valued RDN");
        assert_eq!(dn("C=US;ST=WA;O=x").get("O"), Some("x"), "';' separates RDNs as in go-ldap");
        assert_eq!(dn(r"C=US,ST=WA,O=x\\").get("O"), Some("x\\"), "an escaped backslash before the end");
        assert!(reason(r"C=US,ST=WA,O=x\").contains("incomplete escape"));
        assert!(reason(r"C=US,ST=WA,O=x\zz").contains("invalid escape"));
        assert!(reason(r"C=US,ST=WA,O=\FF").contains("UTF-8"));
    }

    #[test]
    fn refused_forms() {
        assert!(reason("C=US,ST=WA,O= #0403").contains("hex-encoded"), "a value starting with '#' is BER hex");
        assert!(reason("C=US,ST=WA,O=x,cn=y").contains("attribute type \"cn\""), "types compare case-sensitively");
        assert!(reason("C=US,ST=WA,O=x,2.5.4.3=y").contains("attribute type"));
        assert!(reason("C=US,ST=WA,O=x,E=a@b").contains("attribute type"));
        assert!(reason("C=US,ST=WA,O=x,OU=").contains("empty value"));
        assert!(reason("C=US,,ST=WA,O=x").contains("incomplete"));
        assert!(reason("C=US,ST=WA,O=x,").contains("incomplete"));
        assert!(reason("C=US,ST=WA,=x,O=y").contains("without a type"));
        assert!(reason("C=US,ST=WA,O=x,C=CA").contains("duplicate RDN attribute for \"C\""));
        assert!(matches!(DistinguishedName::parse("C=US"), Err(Error::Encoding { .. })));
    }

    /// notation-go internal/pkix/pkix_test.go TestIsSubsetDN.
    #[test]
    fn subset() {
        let a = dn("C=US,ST=California,O=Notary Project");
        let b = dn("C=US,ST=California,O=Notary Project,L=Los Angeles");
        let c = dn("C=US,ST=California,O=Notary Project 2,L=Los Angeles,CN=Notary");
        let d = dn("C=US,ST=California,O=Notary Project,CN=Notary");
        assert!(a.is_subset_of(&b) && a.is_subset_of(&a));
        assert!(!a.is_subset_of(&c));
        assert!(!d.is_subset_of(&b) && !b.is_subset_of(&a));
        assert!(dn("C=US,S=WA,O=x").is_subset_of(&dn("O=x,ST=WA,C=US")), "order and the S alias do not matter");
        assert!(!dn("C=US,ST=WA,O=x").is_subset_of(&dn("C=US,ST=wa,O=x")), "values compare exactly");
    }

    fn atv(dotted: &str, value: &[u8]) -> Vec<u8> {
        seq(&[&oid(dotted), value])
    }

    fn rdn(atvs: &[&[u8]]) -> Vec<u8> {
        set(atvs)
    }

    /// The subject of notation-go's mock leaf (internal/mock/testdata/ca_valid_sig_env.json),
    /// matched against the identity of `dummyOCIPolicyDocument` (verifier/collectors_test.go).
    #[test]
    fn leaf_subject() {
        let name = seq(&[
            &rdn(&[&atv("2.5.4.6", &encode(0x13, b"US"))]),
            &rdn(&[&atv("2.5.4.8", &encode(0x13, b"WA"))]),
            &rdn(&[&atv("2.5.4.7", &utf8("Seattle"))]),
            &rdn(&[&atv("2.5.4.10", &utf8("Notary"))]),
            &rdn(&[&atv("2.5.4.3", &encode(0x1e, &[0, b'N', 0, b'o', 0, b't', 0, b'a', 0, b't', 0, b'i', 0, b'o', 0, b'n', 0, b' ', 0, b'T', 0, b'e', 0, b's', 0, b't', 0, b' ', 0, b'R', 0, b'o', 0, b'o', 0, b't']))]),
        ]);
        let leaf = DistinguishedName::from_name_der(&name).unwrap();
        assert_eq!(leaf.to_string(), "CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US");
        assert!(dn("x509.subject:CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US".split_once(':').unwrap().1).is_subset_of(&leaf));
        assert!(dn("C=US,ST=WA,O=Notary").is_subset_of(&leaf));
        assert!(!dn("C=US,ST=WA,O=Notary,OU=x").is_subset_of(&leaf));
        assert!(DistinguishedName::from_name_der(&seq(&[])).unwrap().attributes().next().is_none());
    }

    #[test]
    fn leaf_subjects_refused() {
        let c = atv("2.5.4.6", &encode(0x13, b"US"));
        let o = atv("2.5.4.10", &utf8("Notary"));
        let ou = |v: &str| atv("2.5.4.11", &utf8(v));
        let err = |name: Vec<u8>| match DistinguishedName::from_name_der(&name) {
            Err(Error::Der { detail, .. }) => detail,
            other => panic!("{other:?}"),
        };
        assert!(err(seq(&[&rdn(&[&c, &o])])).contains("multi-valued"));
        assert!(err(seq(&[&rdn(&[&c]), &rdn(&[&ou("a")]), &rdn(&[&ou("b")])])).contains("repeated attribute type OU"));
        assert!(err(seq(&[&rdn(&[&c]), &rdn(&[&atv("1.2.840.113549.1.9.1", &encode(0x16, b"a@b"))])])).contains("1.2.840.113549.1.9.1"));
        assert!(err(seq(&[&rdn(&[&atv("2.5.4.3", &utf8("a=#b"))])])).contains("=#"));
        assert!(err(seq(&[&rdn(&[&atv("2.5.4.3", &encode(0x1c, b"\0\0\0a"))])])).contains("string type"));
        assert!(err(seq(&[&rdn(&[])])).contains("empty RDN"));
        assert!(DistinguishedName::from_name_der(&[seq(&[]), vec![0]].concat()).is_err(), "trailing data");
    }
}
