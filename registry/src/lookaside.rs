//! Lookaside signature storage (containers/image `docs/signature-protocols.md`,
//! `docker/docker_image_src.go` `appendSignaturesFromLookaside`): the signatures of manifest
//! `<alg>:<hex>` of repository path `<repo>` (the reference's name without its registry host)
//! are `<base>/<repo>@<alg>=<hex>/signature-1`, `signature-2`, … up to the first that is
//! missing (a missing file, or HTTP 404), at most [`MAX_LOOKASIDE_SIGNATURES`]. `file://` and
//! `http(s)://` bases are read (over the decision's HTTP client, without registry credentials);
//! any other scheme, another status or an unreadable file is an error, not the end of the list.
//!
//! Each blob is read as `signature.FromBlob` reads it: OpenPGP packets (a simple-signing
//! signature: GPG, which sealcheck cannot verify), `\0simple-signing\n…` (the same), or
//! `\0sigstore-json\n…` (a sigstore signature in the containers storage form, which enters the
//! evidence as the `dir:` layout's `signature-N` files do); anything else is an error.

use sealcheck::cosign::StoredSignature;
use sealcheck::limits::MAX_SIGNATURE_BYTES;
use sealcheck::oci::evidence::EvidenceItem;
use sealcheck::oci::{ImageEvidence, OciDigest};
use sealcheck::{Error, Result};

use crate::http::{Http, fail};

/// Signatures read at most from one lookaside location for one manifest (containers/image
/// `maxLookasideSignatures`: more is an error).
pub const MAX_LOOKASIDE_SIGNATURES: usize = 128;

/// How a lookaside (or `dir:`) signature blob is stored (containers/image `signature.FromBlob`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BlobFormat {
    /// A simple-signing (GPG/OpenPGP) signature: raw OpenPGP packets, or `\0simple-signing\n`.
    #[serde(rename = "simple-signing")]
    SimpleSigning,
    /// A sigstore signature in the storage form, `\0sigstore-json\n{…}`.
    #[serde(rename = "sigstore-json")]
    Sigstore,
}

/// The storage format of `blob`, or why it has none (empty, a `\0` form without a newline, a
/// format name with control characters, an unknown format name, or a first byte that starts
/// neither OpenPGP data nor the `\0` form). Pure: fuzzed and tested directly.
pub fn blob_format(blob: &[u8]) -> std::result::Result<BlobFormat, String> {
    match blob.first() {
        None => Err("empty signature blob".into()),
        // OpenPGP compressed data, one-pass signature, or signature packets (old and new packet
        // formats), exactly the first bytes `signature.FromBlob` accepts.
        Some(0xA0..=0xA3 | 0xC8 | 0x90..=0x92 | 0x3d | 0xC4 | 0x88..=0x8B | 0xC2) => Ok(BlobFormat::SimpleSigning),
        Some(0) => {
            let rest = &blob[1..];
            let nl = rest.iter().position(|&b| b == b'\n').ok_or("invalid signature format, missing newline")?;
            let name = &rest[..nl];
            if let Some(b) = name.iter().find(|&&b| !(32..0x7F).contains(&b)) {
                return Err(format!("invalid signature format, non-ASCII byte {b}"));
            }
            match name {
                b"simple-signing" => Ok(BlobFormat::SimpleSigning),
                b"sigstore-json" => Ok(BlobFormat::Sigstore),
                other => Err(format!("unrecognized signature format {:?}", String::from_utf8_lossy(other))),
            }
        }
        Some(b) => Err(format!("unrecognized signature format, starting with binary {b:#x}")),
    }
}

/// A lookaside signature found, for the record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LookasideSignature {
    /// Where it was read.
    pub url: String,
    /// The manifest it was stored for.
    pub manifest: OciDigest,
    /// How it is stored.
    pub format: BlobFormat,
    /// Its size in bytes.
    pub size: usize,
    /// Whether it was handed to the decision (sigstore signatures are; simple-signing
    /// signatures are not: sealcheck cannot verify GPG, and `signedBy` requirements reject).
    pub evidence: bool,
}

/// `<base>/<repo>@<alg>=<hex>/signature-<n>`: the base as written, then the path, as
/// containers/image appends it to the base URL's path.
pub(crate) fn signature_url(base: &str, repo: &str, digest: &OciDigest, n: usize) -> String {
    let s = digest.to_string();
    let (alg, hex) = s.split_once(':').unwrap_or(("", s.as_str()));
    format!("{base}/{repo}@{alg}={hex}/signature-{n}")
}

/// A lookaside base URL: `file://` with an absolute path, or `http(s)://`; no query or fragment.
pub(crate) fn check_base(base: &str) -> Result<()> {
    let bad = |why: &str| Error::Usage(format!("lookaside {base:?}: {why}"));
    if base.contains(['?', '#']) {
        return Err(bad("a query or fragment is not supported"));
    }
    if let Some(rest) = base.strip_prefix("file://") {
        let path = rest.find('/').map(|i| &rest[i..]);
        return if path.is_some() { Ok(()) } else { Err(bad("a file:// URL needs an absolute path")) };
    }
    if base.starts_with("http://") || base.starts_with("https://") {
        return Ok(());
    }
    Err(bad("unsupported scheme (file, http and https are read)"))
}

/// `%XX`-decoded path (as Go's url.Parse decodes a file URL's path).
fn decode_path(p: &str) -> Result<std::path::PathBuf> {
    let bytes = p.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            let b = hex.ok_or_else(|| Error::Usage(format!("lookaside path {p:?}: invalid percent-encoding")))?;
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).map_err(|_| Error::Usage(format!("lookaside path {p:?}: not UTF-8")))?;
    Ok(std::path::PathBuf::from(s))
}

/// Reads one signature: `None` when it does not exist.
fn read_one(http: &Http, url: &str) -> Result<Option<Vec<u8>>> {
    if let Some(rest) = url.strip_prefix("file://") {
        let path = decode_path(&rest[rest.find('/').unwrap_or(0)..])?;
        return match sealcheck::fs::read_file(&path, MAX_SIGNATURE_BYTES, "lookaside signature", "signature size") {
            Ok(b) => Ok(Some(b)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let reply = http.get(url, &[], MAX_SIGNATURE_BYTES)?;
    match reply.status {
        200 => Ok(Some(reply.body)),
        404 => Ok(None),
        s => Err(fail(url, format!("status {s}"))),
    }
}

/// Reads the lookaside signatures of `digest` under `base` for repository path `repo`: sigstore
/// signatures are pushed into `ev` (origin `lookaside <url>`), every signature is returned.
/// Each one's bytes are charged to the evidence budget.
pub(crate) fn gather(http: &Http, base: &str, repo: &str, digest: &OciDigest, ev: &mut ImageEvidence) -> Result<Vec<LookasideSignature>> {
    check_base(base)?;
    let mut found = Vec::new();
    for n in 1.. {
        if n > MAX_LOOKASIDE_SIGNATURES {
            return Err(Error::LimitExceeded { what: "lookaside signatures", max: MAX_LOOKASIDE_SIGNATURES, got: n });
        }
        let url = signature_url(base, repo, digest, n);
        let Some(blob) = read_one(http, &url)? else { break };
        ev.reserve(blob.len() as u64)?;
        let format = blob_format(&blob).map_err(|e| Error::Io { what: format!("lookaside signature {url}"), detail: e })?;
        let evidence = format == BlobFormat::Sigstore;
        if evidence {
            let stored = StoredSignature::from_storage_blob(&blob).map_err(|e| Error::Io { what: format!("lookaside signature {url}"), detail: e.to_string() })?;
            ev.push(EvidenceItem::SimpleSigning(stored), format!("lookaside {url}"))?;
        }
        found.push(LookasideSignature { url, manifest: *digest, format, size: blob.len(), evidence });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_formats_as_from_blob_reads_them() {
        assert_eq!(blob_format(&[0x89, 0x01]), Ok(BlobFormat::SimpleSigning));
        assert_eq!(blob_format(&[0xA3, 0x01]), Ok(BlobFormat::SimpleSigning));
        assert_eq!(blob_format(b"\0simple-signing\n\x89"), Ok(BlobFormat::SimpleSigning));
        assert_eq!(blob_format(b"\0sigstore-json\n{}"), Ok(BlobFormat::Sigstore));
        for bad in [&b""[..], b"\0sigstore-json", b"\0other\n{}", b"\0a\x01b\n", b"{\"json\":1}", &[0x8C]] {
            assert!(blob_format(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls_and_bases() {
        let d = OciDigest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
        assert_eq!(signature_url("file:///var/lib/s", "ns/app", &d, 2), format!("file:///var/lib/s/ns/app@sha256={}/signature-2", "ab".repeat(32)));
        for ok in ["file:///var/lib/s", "file://host/abs", "https://l.test/sigs/", "http://127.0.0.1:1/x"] {
            check_base(ok).unwrap();
        }
        for bad in ["file://relative", "ftp://x/y", "/plain/path", "https://l.test/?q"] {
            assert!(check_base(bad).is_err(), "{bad}");
        }
        assert_eq!(decode_path("/a%20b/c").unwrap(), std::path::PathBuf::from("/a b/c"));
        assert!(decode_path("/a%2").is_err());
    }
}
