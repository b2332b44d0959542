//! The two backends agree (issue 11, "both backends pass every test"): every scheme sealcheck
//! accepts, valid signatures and their mutations, raw and prehashed messages, each verified by
//! RustCrypto and by AWS-LC, with the same answer. Edge cases where libraries are known to differ
//! are included: high-S ECDSA (RFC 6979 signers never emit it; both accept it, as Go's
//! `ecdsa.Verify` does), small-order and non-canonical Ed25519 (RFC 8032 §5.1.7 with the
//! checks of ed25519-dalek `verify_strict`).
#![cfg(feature = "aws-lc")]

#[allow(dead_code)]
mod support;

use p256::ecdsa::signature::hazmat::PrehashSigner;
use sealcheck::crypto::{AWS_LC, Backend, Digest, HashAlgorithm, Message, PublicKey, RUST_CRYPTO, SignatureScheme};

use support::keys::Key;
use support::der::{encode, seq};

const MSG: &[u8] = b"the signed bytes";

struct Case {
    name: String,
    key: PublicKey,
    scheme: SignatureScheme,
    message: Vec<u8>,
    prehashed: Option<HashAlgorithm>,
    signature: Vec<u8>,
    valid: bool,
}

fn key(k: &Key) -> PublicKey {
    PublicKey::from_spki_der("test key", &k.spki()).unwrap()
}

fn hash(alg: HashAlgorithm, m: &[u8]) -> Vec<u8> {
    RUST_CRYPTO.digest(alg, m).as_bytes().to_vec()
}

/// ECDSA over `alg`'s hash of MSG by `k` (P-256 or P-384), DER.
fn ecdsa(k: &Key, alg: HashAlgorithm) -> Vec<u8> {
    let h = hash(alg, MSG);
    match k {
        Key::P256(s) => {
            let sig: p256::ecdsa::Signature = s.sign_prehash(&h).unwrap();
            sig.to_der().as_bytes().to_vec()
        }
        Key::P384(s) => {
            let sig: p384::ecdsa::Signature = s.sign_prehash(&h).unwrap();
            sig.to_der().as_bytes().to_vec()
        }
        Key::Ed25519(_) => unreachable!(),
    }
}

/// The same ECDSA signature with s replaced by n − s (the high-S twin).
fn high_s(der: &[u8], order: &[u8]) -> Vec<u8> {
    let (r, s) = parse_der_sig(der);
    let twin = sub_be(order, &s);
    let int = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        let v = if v[0] & 0x80 != 0 { [&[0u8][..], &v].concat() } else { v };
        encode(0x02, &v)
    };
    seq(&[&int(&r), &int(&twin)])
}

fn parse_der_sig(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut i = 2;
    let rl = der[i + 1] as usize;
    let r = der[i + 2..i + 2 + rl].to_vec();
    i += 2 + rl;
    let sl = der[i + 1] as usize;
    (r, der[i + 2..i + 2 + sl].to_vec())
}

/// a − b, big-endian, a ≥ b, as wide as a (b may carry DER's leading zero).
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
    let b: Vec<u8> = std::iter::repeat_n(0u8, a.len() - digits.len()).chain(digits).collect();
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = d.rem_euclid(256) as u8;
    }
    out
}

const P256_ORDER: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P384_ORDER: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn cases() -> Vec<Case> {
    use HashAlgorithm::{Sha256, Sha384, Sha512};
    use SignatureScheme as S;
    let mut out = Vec::new();
    let mut push = |name: String, key: PublicKey, scheme, message: &[u8], prehashed, signature: Vec<u8>, valid| {
        out.push(Case { name, key, scheme, message: message.to_vec(), prehashed, signature, valid });
    };
    for (label, k, order) in [("P-256", Key::p256("backend p256"), P256_ORDER), ("P-384", Key::p384("backend p384"), P384_ORDER)] {
        for (alg, scheme) in [(Sha256, S::EcdsaSha256), (Sha384, S::EcdsaSha384), (Sha512, S::EcdsaSha512)] {
            let sig = ecdsa(&k, alg);
            let n = format!("{label} {scheme:?}");
            push(format!("{n} raw"), key(&k), scheme, MSG, None, sig.clone(), true);
            push(format!("{n} prehashed"), key(&k), scheme, MSG, Some(alg), sig.clone(), true);
            push(format!("{n} high-S"), key(&k), scheme, MSG, None, high_s(&sig, &unhex(order)), true);
            let mut flipped = sig.clone();
            *flipped.last_mut().unwrap() ^= 1;
            push(format!("{n} flipped"), key(&k), scheme, MSG, None, flipped, false);
            push(format!("{n} other message"), key(&k), scheme, b"other bytes", None, sig.clone(), false);
            push(format!("{n} truncated"), key(&k), scheme, MSG, None, sig[..sig.len() - 1].to_vec(), false);
            push(format!("{n} trailing byte"), key(&k), scheme, MSG, None, [&sig[..], &[0]].concat(), false);
            push(format!("{n} empty"), key(&k), scheme, MSG, None, Vec::new(), false);
            let other = match alg {
                Sha256 => Sha384,
                _ => Sha256,
            };
            push(format!("{n} prehash of another algorithm"), key(&k), scheme, MSG, Some(other), sig.clone(), false);
            push(format!("{n} under Ed25519"), key(&k), S::Ed25519, MSG, None, sig, false);
        }
        let (r, s) = parse_der_sig(&ecdsa(&k, Sha256));
        push(format!("{label} raw r||s, not DER"), key(&k), S::EcdsaSha256, MSG, None, [r, s].concat(), false);
    }
    let ed = Key::ed25519("backend ed25519");
    let sig = ed.sign(MSG);
    push("Ed25519".into(), key(&ed), S::Ed25519, MSG, None, sig.clone(), true);
    let mut flipped = sig.clone();
    flipped[0] ^= 1;
    push("Ed25519 flipped R".into(), key(&ed), S::Ed25519, MSG, None, flipped, false);
    push("Ed25519 other message".into(), key(&ed), S::Ed25519, b"x", None, sig.clone(), false);
    push("Ed25519 prehashed".into(), key(&ed), S::Ed25519, MSG, Some(Sha512), sig.clone(), false);
    // S + L: the same signature with a non-canonical scalar (RFC 8032 §5.1.7 requires S < L).
    let l = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let mut s_plus_l = sig.clone();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s_plus_l[32 + i]) + u16::from(l[i]) + carry;
        s_plus_l[32 + i] = v as u8;
        carry = v >> 8;
    }
    push("Ed25519 S + L".into(), key(&ed), S::Ed25519, MSG, None, s_plus_l, false);
    out
}

#[test]
fn rustcrypto_and_aws_lc_agree_on_every_case() {
    let mut problems = Vec::new();
    let all = cases();
    for c in &all {
        let digest;
        let message = match c.prehashed {
            Some(alg) => {
                digest = Digest::new(alg, &hash(alg, &c.message)).unwrap();
                Message::Prehashed(&digest)
            }
            None => Message::Raw(&c.message),
        };
        let rust = RUST_CRYPTO.verify(c.scheme, &c.key, message, &c.signature).is_ok();
        let aws = AWS_LC.verify(c.scheme, &c.key, message, &c.signature).is_ok();
        if rust != c.valid || aws != c.valid {
            problems.push(format!("{}: RustCrypto {rust}, AWS-LC {aws}, expected {}", c.name, c.valid));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(all.len() > 60, "{} cases", all.len());
}

/// A small-order Ed25519 key (the identity point) with R = identity and S = 0 "verifies" any
/// message under the cofactorless equation: AWS-LC accepts it, ed25519-dalek `verify_strict`
/// refuses it. No backend sees such a key: `PublicKey` refuses it when parsed.
#[test]
fn small_order_ed25519_keys_never_reach_a_backend() {
    let identity = [&[1u8][..], &[0u8; 31]].concat();
    let spki = seq(&[&seq(&[&support::der::oid("1.3.101.112")]), &support::der::bits(&identity)]);
    assert!(matches!(PublicKey::from_spki_der("small-order key", &spki), Err(sealcheck::Error::InvalidKey { .. })));
}

#[test]
fn digests_agree() {
    for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512] {
        for data in [&b""[..], b"abc", &[7u8; 10_000]] {
            assert_eq!(RUST_CRYPTO.digest(alg, data), AWS_LC.digest(alg, data), "{alg:?}");
        }
    }
}
