//! Reading image evidence from local layouts (`std` only): the containers `dir:` layout
//! (`manifest.json`, `signature-1`, `signature-2`, … in the sigstore-json storage form; see
//! containers/image `directory/directory_transport.go`).

use std::path::Path;
use std::vec::Vec;

use crate::cosign::StoredSignature;
use crate::error::{Error, Result};
use crate::limits::MAX_IMAGE_SIGNATURES;
use crate::oci::Reference;
use crate::policy::ImageEvidence;

/// Largest manifest or signature file read, as containers/image caps signature bodies (4 MiB).
pub const MAX_BLOB_BYTES: u64 = 4 * 1024 * 1024;

fn read_capped(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Encoding { what: alloc::format!("{}: {e}", path.display()), encoding: "file" }),
        Ok(m) if m.len() > MAX_BLOB_BYTES => {
            return Err(Error::LimitExceeded { what: "layout file size", max: MAX_BLOB_BYTES as usize, got: usize::try_from(m.len()).unwrap_or(usize::MAX) });
        }
        Ok(_) => {}
    }
    std::fs::read(path).map(Some).map_err(|e| Error::Encoding { what: alloc::format!("{}: {e}", path.display()), encoding: "file" })
}

/// Reads a `dir:` layout: the manifest (absent → `None`, which evaluation rejects) and every
/// `signature-N` from 1 until the first missing one. A signature file that does not parse is
/// an error for the whole image (as containers/image fails reading it).
pub fn read_dir_layout(dir: &Path, reference: Reference) -> Result<ImageEvidence> {
    let manifest = read_capped(&dir.join("manifest.json"))?;
    let mut signatures = Vec::new();
    for n in 1.. {
        let Some(blob) = read_capped(&dir.join(alloc::format!("signature-{n}")))? else { break };
        if signatures.len() >= MAX_IMAGE_SIGNATURES {
            return Err(Error::LimitExceeded { what: "image signatures", max: MAX_IMAGE_SIGNATURES, got: n });
        }
        signatures.push(StoredSignature::from_storage_blob(&blob)?);
    }
    Ok(ImageEvidence { reference, manifest, signatures })
}
