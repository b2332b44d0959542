//! Credentials from a Docker credential helper named in `config.json` (`credHelpers`), read
//! from the real registry behind htpasswd Basic auth: a test helper script
//! `docker-credential-sealchecktest` on `PATH` answers the docker-credential-helpers `get`
//! protocol and records which hosts it was asked about. Its own test binary, because it
//! changes `PATH` for the process.
//!
//! `#[ignore]`: `.ci/run` builds the peers and runs it with `SEALCHECK_PEERS`.

#[allow(dead_code)]
#[path = "../../tests/support/peers.rs"]
mod peers;
mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use common::collect;
use peers::{Registry, push_image, scratch};
use sealcheck::oci::Reference;
use sealcheck::{CryptoProvider, ErrorClass};
use sealcheck_registry::{AuthFiles, Options, Timeouts};

#[test]
#[ignore = "needs the peers: tests/parity/build-peers.sh, SEALCHECK_PEERS (run by .ci/run)"]
fn credentials_from_a_credential_helper() {
    let dir = scratch("registry-helper");
    let passwords = dir.join("htpasswd");
    std::fs::write(&passwords, format!("bob:{}\n", bcrypt::hash("hunter2", 5).unwrap())).unwrap();
    let reg = Registry::start_with(&dir, &format!("auth:\n  htpasswd:\n    realm: sealcheck\n    path: {}\n", passwords.display()));
    let digest = push_image(&reg, &dir, "app", "helper layer", &["-u", "bob", "-p", "hunter2"]);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let asked = dir.join("asked");
    let helper = bin.join("docker-credential-sealchecktest");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\necho \"$host\" >> {}\n[ \"$host\" = {} ] || {{ echo 'credentials not found'; exit 1; }}\necho '{{\"Username\":\"bob\",\"Secret\":\"hunter2\"}}'\n", asked.display(), reg.host),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // SAFETY: the only test of this binary; nothing else reads the environment concurrently.
    unsafe { std::env::set_var("PATH", path) };
    let config = dir.join("config.json");
    std::fs::write(&config, format!(r#"{{"credHelpers":{{"{}":"sealchecktest"}}}}"#, reg.host)).unwrap();
    let options = |files: Vec<std::path::PathBuf>| Options {
        insecure: vec![reg.host.clone()],
        auth_files: AuthFiles(files),
        timeouts: Timeouts { total: Duration::from_secs(20), ..Timeouts::default() },
        ..Options::default()
    };
    let reference = Reference::parse(&format!("{}/app:v1", reg.host)).unwrap();
    let (_, resolved) = collect(&reference, reference.clone(), &options(vec![config.clone()]), &CryptoProvider::default()).expect("credentials from the helper");
    assert_eq!(resolved.digest.to_string(), digest);
    assert_eq!(std::fs::read_to_string(&asked).unwrap().lines().collect::<Vec<_>>(), vec![reg.host.as_str()], "asked once, for this host only");
    // A helper that fails is an error, not anonymous access.
    std::fs::write(&config, format!(r#"{{"credHelpers":{{"{}":"missinghelper"}}}}"#, reg.host)).unwrap();
    let e = collect(&reference, reference.clone(), &options(vec![config]), &CryptoProvider::default()).map(|_| ()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Input);
    assert!(e.to_string().contains("docker-credential-missinghelper"), "{e}");
    drop(reg);
    let _ = std::fs::remove_dir_all(&dir);
}
