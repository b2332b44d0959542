//! Node's `node:crypto` (OpenSSL) as the wasm-bindgen package's crypto backend where it answers
//! exactly as RustCrypto does, and RustCrypto for the rest and wherever Node is absent.
//!
//! Node: ECDSA P-256/P-384 over the message, RSA PKCS#1 v1.5 and PSS with e = 65537, hashes of
//! [`HOST_DIGEST_MIN`] bytes or more. RustCrypto: ECDSA over a prehash (Node has no prehash
//! verify), Ed25519 (OpenSSL accepts a small-order `R`), other RSA exponents (OpenSSL takes
//! e = 1) and SEC1 hybrid points, and browsers (WebCrypto has no synchronous verify). Node is
//! looked up once, by `process.getBuiltinModule` (Node ≥ 20.16); an exception or any answer
//! but `true` from it is a failed verification.

use std::cell::{Cell, OnceCell, RefCell};

use js_sys::{Object, Reflect, Uint8Array};
use sealcheck::crypto::{Backend, Digest, HashAlgorithm, KeyAlgorithm, Message, PublicKey, SignatureScheme, RUST_CRYPTO};
use sealcheck::CryptoProvider;
use wasm_bindgen::prelude::*;

/// The package's provider: Node when present (unless [`use_rust_crypto`]), RustCrypto otherwise.
pub const PROVIDER: CryptoProvider = CryptoProvider::new("host", &HOST);

static HOST: Host = Host;

/// Inputs shorter than this are hashed in WASM: below it, crossing to JS costs more than it saves.
const HOST_DIGEST_MIN: usize = 1024;

/// Parsed keys kept (by SPKI), least recently used dropped first; a keyless verification uses
/// about five, of which the trusted root's stay.
const KEY_CACHE: usize = 16;

/// `crypto.constants.RSA_PKCS1_PSS_PADDING`.
const RSA_PKCS1_PSS_PADDING: u32 = 6;

#[wasm_bindgen]
extern "C" {
    /// The `node:crypto` module.
    type NodeCrypto;

    #[wasm_bindgen(catch, js_namespace = ["globalThis", "process"], js_name = getBuiltinModule)]
    fn get_builtin_module(name: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = createPublicKey)]
    fn create_public_key(this: &NodeCrypto, options: &Object) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(this: &NodeCrypto, algorithm: &str, data: &[u8], key: &JsValue, signature: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn hash(this: &NodeCrypto, algorithm: &str, data: &[u8], encoding: &str) -> Result<JsValue, JsValue>;
}

struct Node {
    crypto: NodeCrypto,
    /// `crypto.hash` (Node ≥ 20.12); without it, hashing stays in WASM.
    has_hash: bool,
    keys: RefCell<Vec<(Vec<u8>, JsValue)>>,
}

thread_local! {
    static NODE: OnceCell<Option<Node>> = const { OnceCell::new() };
    static FORCE_RUST: Cell<bool> = const { Cell::new(false) };
}

fn is_function(obj: &JsValue, name: &str) -> bool {
    Reflect::get(obj, &JsValue::from_str(name)).is_ok_and(|f| f.is_function())
}

fn find_node() -> Option<Node> {
    let m = get_builtin_module("node:crypto").ok()?;
    if !(is_function(&m, "verify") && is_function(&m, "createPublicKey")) {
        return None;
    }
    let has_hash = is_function(&m, "hash");
    Some(Node { crypto: m.unchecked_into(), has_hash, keys: RefCell::new(Vec::new()) })
}

/// Runs `f` with Node's crypto, or returns `None` when RustCrypto is to be used.
fn with_node<T>(f: impl FnOnce(&Node) -> Option<T>) -> Option<T> {
    if FORCE_RUST.with(Cell::get) {
        return None;
    }
    NODE.with(|n| n.get_or_init(find_node).as_ref().and_then(f))
}

fn hash_name(alg: HashAlgorithm) -> &'static str {
    match alg {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

/// Whether a DER `RSAPublicKey` (`SEQUENCE { n, e }`, strict, as the core parsed it) has
/// e = 65537: the exponent RustCrypto and OpenSSL both take without further bounds.
fn rsa_exponent_is_f4(der: &[u8]) -> bool {
    // (value, rest) of the element at the start of `b`; lengths of up to two bytes.
    fn element(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let (&first, rest) = b.get(1..)?.split_first()?;
        let (len, rest) = match first {
            0..=0x7f => (usize::from(first), rest),
            0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
            0x82 => (usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?])), rest.get(2..)?),
            _ => return None,
        };
        Some((rest.get(..len)?, rest.get(len..)?))
    }
    element(der).and_then(|(seq, _)| element(seq)).is_some_and(|(_n, e)| e == [0x02, 0x03, 0x01, 0x00, 0x01])
}

/// Whether Node verifies `key` under `scheme` over a raw message exactly as RustCrypto does.
fn node_verifies(scheme: SignatureScheme, key: &PublicKey) -> bool {
    use SignatureScheme as S;
    let sec1 = |len: usize| match key.key_bytes() {
        [0x04, ..] => key.key_bytes().len() == 2 * len + 1,
        [0x02 | 0x03, ..] => key.key_bytes().len() == len + 1,
        _ => false,
    };
    match (key.algorithm(), scheme) {
        (KeyAlgorithm::EcdsaP256, S::EcdsaSha256 | S::EcdsaSha384 | S::EcdsaSha512) => sec1(32),
        (KeyAlgorithm::EcdsaP384, S::EcdsaSha256 | S::EcdsaSha384 | S::EcdsaSha512) => sec1(48),
        (
            KeyAlgorithm::Rsa(_),
            S::RsaPkcs1Sha256 | S::RsaPkcs1Sha384 | S::RsaPkcs1Sha512 | S::RsaPssSha256 | S::RsaPssSha384 | S::RsaPssSha512,
        ) => rsa_exponent_is_f4(key.key_bytes()),
        _ => false,
    }
}

impl Node {
    /// The `KeyObject` for `spki`, from the cache or `createPublicKey`.
    fn key(&self, spki: &[u8]) -> Option<JsValue> {
        let mut keys = self.keys.try_borrow_mut().ok()?;
        if let Some(i) = keys.iter().position(|(s, _)| s == spki) {
            let hit = keys.remove(i);
            let k = hit.1.clone();
            keys.push(hit);
            return Some(k);
        }
        let options = Object::new();
        Reflect::set(&options, &"key".into(), &Uint8Array::from(spki)).ok()?;
        Reflect::set(&options, &"format".into(), &"der".into()).ok()?;
        Reflect::set(&options, &"type".into(), &"spki".into()).ok()?;
        let k = self.crypto.create_public_key(&options).ok()?;
        if keys.len() >= KEY_CACHE {
            keys.remove(0);
        }
        keys.push((spki.to_vec(), k.clone()));
        Some(k)
    }

    /// Node's verdict; `None` if the key cannot be made or Node throws, which the caller counts
    /// as a failure too.
    fn verify(&self, scheme: SignatureScheme, key: &PublicKey, message: &[u8], signature: &[u8]) -> Option<bool> {
        let hash = hash_name(scheme.hash()?);
        let mut k = self.key(key.spki_der())?;
        if let Some(salt) = pss_salt(scheme) {
            let options = Object::new();
            Reflect::set(&options, &"key".into(), &k).ok()?;
            Reflect::set(&options, &"padding".into(), &RSA_PKCS1_PSS_PADDING.into()).ok()?;
            Reflect::set(&options, &"saltLength".into(), &salt.into()).ok()?;
            k = options.into();
        }
        let ok = self.crypto.verify(hash, message, &k, signature).ok()?;
        Some(ok.as_bool() == Some(true))
    }

    fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Option<Digest> {
        if !self.has_hash || data.len() < HOST_DIGEST_MIN {
            return None;
        }
        let out = self.crypto.hash(hash_name(alg), data, "buffer").ok()?;
        let bytes = out.dyn_into::<Uint8Array>().ok()?.to_vec();
        Digest::new(alg, &bytes).ok()
    }
}

fn pss_salt(scheme: SignatureScheme) -> Option<u32> {
    match scheme {
        SignatureScheme::RsaPssSha256 => Some(32),
        SignatureScheme::RsaPssSha384 => Some(48),
        SignatureScheme::RsaPssSha512 => Some(64),
        _ => None,
    }
}

/// Node's crypto where it is exact, RustCrypto elsewhere (module docs). Stateless; the state
/// (Node's module, the key cache, the forced choice) is per instance, in thread-locals.
struct Host;

impl Backend for Host {
    fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Digest {
        with_node(|n| n.digest(alg, data)).unwrap_or_else(|| RUST_CRYPTO.digest(alg, data))
    }

    fn verify(&self, scheme: SignatureScheme, key: &PublicKey, message: Message<'_>, signature: &[u8]) -> Result<(), ()> {
        let verdict = match message {
            Message::Raw(m) if node_verifies(scheme, key) => with_node(|n| Some(n.verify(scheme, key, m, signature).unwrap_or(false))),
            _ => None,
        };
        match verdict {
            Some(true) => Ok(()),
            Some(false) => Err(()),
            None => RUST_CRYPTO.verify(scheme, key, message, signature),
        }
    }
}

/// Which crypto verifies now: `"node"` (Node's `node:crypto`, with RustCrypto for the cases it
/// cannot do exactly) or `"rustcrypto"`.
#[wasm_bindgen(js_name = cryptoBackend)]
pub fn crypto_backend() -> String {
    let node = with_node(|_| Some(())).is_some();
    String::from(if node { "node" } else { "rustcrypto" })
}

/// Forces RustCrypto (`true`) or returns to the default choice (`false`), for every root and
/// policy already loaded too. Returns what `cryptoBackend()` then returns.
#[wasm_bindgen(js_name = useRustCrypto)]
pub fn use_rust_crypto(force: bool) -> String {
    FORCE_RUST.with(|f| f.set(force));
    crypto_backend()
}
