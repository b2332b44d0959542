#![no_main]
//! containerd's verifier invocation: the flags (Go `flag` syntax, `-name`, `-digest`,
//! `-stdin-media-type`) and the OCI descriptor on stdin. The input is split into arguments and
//! stdin: its first byte says how many NUL-separated arguments (0 to 7, any bytes: not UTF-8
//! too) come first; the rest is stdin. Flags read name an image whose name is in the arguments,
//! and read again the same when spelled out in either form; a descriptor is checked against
//! the invocation (or a fixed one when the flags do not read) and one accepted is a JSON object
//! (not a struct spelled as an array of its fields) that names its digest
//! as an image manifest or index and is refused for any other digest.
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;

use libfuzzer_sys::fuzz_target;
use sealcheck::oci::OciDigest;
use sealcheck_admission::containerd::{DESCRIPTOR_MEDIA_TYPE, Invocation, MAX_DESCRIPTOR_BYTES};
use sealcheck_admission::parse;

const D: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";
const IMAGES: [&str; 4] = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

fn args(a: &[&str]) -> Vec<OsString> {
    a.iter().map(OsString::from).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let n = usize::from(n % 8);
    let mut parts: Vec<&[u8]> = rest.splitn(n + 1, |b| *b == 0).collect();
    let stdin = if parts.len() > n { parts.pop().unwrap_or_default() } else { &[][..] };
    let argv: Vec<OsString> = parts.iter().map(|p| OsString::from_vec(p.to_vec())).collect();
    let invocation = match parse::containerd_args(&argv) {
        Ok(i) => {
            assert_eq!(i.stdin_media_type, DESCRIPTOR_MEDIA_TYPE);
            assert!(parts.iter().any(|p| p.ends_with(i.name.as_bytes())), "the name {:?} comes from the arguments", i.name);
            let d = i.digest.to_string();
            assert_eq!(OciDigest::parse(&d).ok(), Some(i.digest));
            for spelled in [
                args(&["-name", &i.name, "-digest", &d, "-stdin-media-type", DESCRIPTOR_MEDIA_TYPE]),
                args(&[&format!("--stdin-media-type={DESCRIPTOR_MEDIA_TYPE}"), &format!("--digest={d}"), &format!("-name={}", i.name), "--"]),
            ] {
                assert_eq!(parse::containerd_args(&spelled).ok().as_ref(), Some(&i), "{spelled:?}");
            }
            i
        }
        Err(_) => Invocation { name: "r.test/app:v1".into(), digest: OciDigest::parse(D).unwrap(), stdin_media_type: DESCRIPTOR_MEDIA_TYPE.into() },
    };
    if parse::descriptor(stdin, &invocation).is_ok() {
        assert!(stdin.len() <= MAX_DESCRIPTOR_BYTES);
        let v: serde_json::Value = serde_json::from_slice(stdin).expect("a descriptor read is JSON");
        assert!(v.is_object(), "a descriptor read is a JSON object");
        assert!(IMAGES.contains(&v["mediaType"].as_str().unwrap_or_default()), "{v}");
        assert_eq!(v["digest"].as_str().and_then(|d| OciDigest::parse(d).ok()), Some(invocation.digest));
        let other = Invocation { digest: OciDigest::parse(&format!("sha256:{}", "0".repeat(64))).unwrap(), ..invocation.clone() };
        if other.digest != invocation.digest {
            assert!(parse::descriptor(stdin, &other).is_err(), "a descriptor names one digest");
        }
    }
});
