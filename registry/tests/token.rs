//! The Bearer token flow (distribution `docs/spec/auth/token.md`) against a registry that
//! verifies the tokens: distribution v3 configured with `auth.token` (realm, service, issuer,
//! rootcertbundle) behind the test harness's token service (`registry/tests/tokenservice`:
//! Basic credentials checked, ES256 tokens with an `x5c` certificate, only the scopes asked,
//! every request logged), and a scripted registry that records the tokens presented to it.
//!
//! `#[ignore]`: `.ci/run` builds the peers and runs these with `SEALCHECK_PEERS`.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
mod common;

use std::time::Duration;

use common::shim::{Answer, Shim};
use common::{TokenService, auth_file, options, verifier};
use peers::{Registry, cosign_key_pairs, cosign_with_key, push_image, scratch};
use sealcheck::oci::Reference;
use sealcheck::{CryptoProvider, ErrorClass, UnixTime};
use sealcheck_registry::{Options, Registry as Client};
use serde_json::{Value, json};

/// A registry behind the token service (`expires_in` seconds) sharing its storage with an
/// anonymous one, and an image `app:v1` pushed and signed (legacy signature and v3 bundle)
/// through the anonymous one.
struct Setup {
    dir: std::path::PathBuf,
    tokens: TokenService,
    anonymous: Registry,
    guarded: Registry,
}

const SERVICE: &str = "sealcheck-registry";

fn setup(name: &str, expires_in: u64) -> Setup {
    let dir = scratch(name);
    let (open_dir, guarded_dir) = (dir.join("anonymous"), dir.join("guarded"));
    std::fs::create_dir_all(&open_dir).unwrap();
    std::fs::create_dir_all(&guarded_dir).unwrap();
    let tokens = TokenService::start(&dir, &["alice:s3cret:app", "bob:hunter2:other"], expires_in);
    let anonymous = Registry::start(&open_dir);
    std::fs::create_dir_all(open_dir.join("storage")).unwrap();
    std::os::unix::fs::symlink(open_dir.join("storage"), guarded_dir.join("storage")).unwrap();
    let guarded = Registry::start_with(&guarded_dir, &tokens.registry_auth(SERVICE));
    cosign_key_pairs(&dir, &["signer"]);
    let digest = push_image(&anonymous, &dir, "app", "token flow layer", &[]);
    for bundle in [false, true] {
        cosign_with_key("sign", &dir.join("signer/cosign.key"), &[], bundle, &format!("{}/app@{digest}", anonymous.host), &dir);
    }
    Setup { dir, tokens, anonymous, guarded }
}

fn with_auth(s: &Setup, user: &str, password: &str) -> Options {
    Options { auth_files: auth_file(&s.dir, &s.guarded.host, user, password), ..options(&s.guarded.host) }
}

/// A decision through the token flow equals the anonymous one; the token is fetched once for
/// repeated decisions on one client and again once its `expires_in` has passed ("Token
/// Response Fields": the client may cache it that long); a wrong password is an input error
/// naming the realm.
#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn decisions_through_the_token_flow() {
    let s = setup("registry-token", 2);
    let policy = json!({ "default": [{ "type": "sigstoreSigned", "keyPath": s.dir.join("signer/cosign.pub"), "signedIdentity": { "type": "sealcheckMatchDigest" } }] });
    let v = verifier(&policy);
    let now = UnixTime::now();
    let provider = CryptoProvider::default();
    let asked = Reference::parse(&format!("{}/app:v1", s.anonymous.host)).unwrap();
    let (ev, _) = common::collect(&asked, asked.clone(), &options(&s.anonymous.host), &provider).unwrap();
    let anonymous = serde_json::to_value(v.decide(&ev, now)).unwrap();
    assert_eq!(anonymous["allowed"], true, "{anonymous}");

    let reference = Reference::parse(&format!("{}/app:v1", s.guarded.host)).unwrap();
    let e = common::collect(&reference, asked.clone(), &options(&s.guarded.host), &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("status 401"), "no credentials, no token: {e}");
    let client = Client::new(with_auth(&s, "alice", "s3cret")).unwrap();
    let decide = || {
        let (ev, resolved) = client.collect(&reference, asked.clone(), &provider).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resolved.registry, s.guarded.host);
        serde_json::to_value(v.decide(&ev, now)).unwrap()
    };
    let granted = |log: &[Value]| log.iter().filter(|r| r["status"] == 200 && r["account"] == "alice").count();
    assert_eq!(decide(), anonymous, "the same decision record through the token flow");
    assert_eq!((client.stats().token_fetches, granted(&s.tokens.requests())), (1, 1));
    assert_eq!(decide(), anonymous);
    assert_eq!((client.stats().token_fetches, granted(&s.tokens.requests())), (1, 1), "the cached token is presented");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(decide(), anonymous);
    assert_eq!((client.stats().token_fetches, granted(&s.tokens.requests())), (2, 2), "fetched again after expires_in");
    let log = s.tokens.requests();
    assert!(log.iter().all(|r| r["scope"] == "repository:app:pull" && r["service"] == SERVICE), "{log:?}");

    let e = Client::new(with_auth(&s, "alice", "wrong")).unwrap().collect(&reference, asked.clone(), &provider).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains(&s.tokens.realm) && e.to_string().contains("status 401"), "names the realm: {e}");
    // bob may not read app: the token he is given grants nothing, and the registry refuses it.
    let e = Client::new(with_auth(&s, "bob", "hunter2")).unwrap().collect(&reference, asked, &provider).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("credentials were refused"), "{e}");
    drop((s.guarded, s.anonymous, s.tokens));
    let _ = std::fs::remove_dir_all(&s.dir);
}

/// The `access` claim of a JWT (its payload is not verified here: the token service signed it).
fn access_of(authorization: &str) -> Value {
    use base64ct::Encoding as _;
    let jwt = authorization.strip_prefix("Bearer ").expect("a Bearer token");
    let payload = jwt.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&base64ct::Base64UrlUnpadded::decode_vec(payload).unwrap()).unwrap();
    claims["access"].clone()
}

/// A token is presented only for the scope it was fetched for: a registry that challenges per
/// repository (as distribution does, `scope="repository:<name>:pull"`) and records what it is
/// sent sees repository a's token on a's requests only, b's on b's; each is fetched once.
#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn a_token_is_presented_for_its_own_repository_only() {
    let dir = scratch("registry-token-scope");
    let tokens = TokenService::start(&dir, &["alice:s3cret:a,b"], 300);
    let image = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{}", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), "size": 2 },
        "layers": []
    }))
    .unwrap();
    let realm = tokens.realm.clone();
    let shim = Shim::start(move |r| {
        let repo = r.path.strip_prefix("/v2/").and_then(|p| p.split('/').next()).unwrap_or("").to_string();
        if !r.headers.get("authorization").is_some_and(|a| a.starts_with("Bearer ")) {
            return Answer::new(401).header("WWW-Authenticate", &format!("Bearer realm=\"{realm}\",service=\"shim\",scope=\"repository:{repo}:pull\""));
        }
        let a = if r.path.ends_with("/manifests/v1") { Answer::json(200, "application/vnd.oci.image.manifest.v1+json", &image) } else { Answer::new(404) };
        Answer { keep_alive: true, ..a }
    });
    let client = Client::new(Options { auth_files: auth_file(&dir, &shim.host, "alice", "s3cret"), ..options(&shim.host) }).unwrap();
    for repo in ["a", "b", "a", "b"] {
        let r = Reference::parse(&format!("{}/{repo}:v1", shim.host)).unwrap();
        client.collect(&r, r.clone(), &CryptoProvider::default()).unwrap_or_else(|e| panic!("{repo}: {e}"));
    }
    let seen = shim.requests();
    for repo in ["a", "b"] {
        let presented: Vec<Value> = seen.iter().filter(|q| q.path.starts_with(&format!("/v2/{repo}/"))).filter_map(|q| q.headers.get("authorization")).map(|a| access_of(a)).collect();
        assert!(presented.len() >= 8, "{repo}: {} requests with a token", presented.len());
        let own = json!([{ "type": "repository", "name": repo, "actions": ["pull"] }]);
        assert!(presented.iter().all(|a| *a == own), "{repo}: only its own token: {presented:?}");
        let unauthenticated = seen.iter().filter(|q| q.path.starts_with(&format!("/v2/{repo}/")) && !q.headers.contains_key("authorization")).count();
        assert_eq!(unauthenticated, 1, "{repo}: challenged once, then the cached token is presented");
    }
    let asked: Vec<String> = tokens.requests().iter().map(|r| r["scope"].as_str().unwrap().to_string()).collect();
    assert_eq!(asked, ["repository:a:pull", "repository:b:pull"], "one token per repository");
    assert_eq!(client.stats().token_fetches, 2);
    drop((shim, tokens));
    let _ = std::fs::remove_dir_all(&dir);
}
