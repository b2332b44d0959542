//! Checkpoints (C2SP `tlog-checkpoint`) in signed notes (C2SP `signed-note`): origin, tree size,
//! root hash, optional extension lines, then signature lines `— <name> <base64(keyhint ‖ sig)>`.
//!
//! A checkpoint is accepted for a log when at least one signature line carries the log's name
//! and key hint, and every such line verifies; lines from other signers (witness cosignatures)
//! are ignored.

use alloc::string::String;
use alloc::vec::Vec;

use crate::crypto::{Backend, Message};
use crate::encoding::base64_decode;
use crate::limits::MAX_CHECKPOINT_SIGNATURES;
use crate::sigstore::trusted_root::LogKey;

/// A parsed checkpoint; signatures not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint<'a> {
    /// The signed text: the note body up to and including its last newline.
    pub signed_text: &'a str,
    /// First line: the log's origin.
    pub origin: &'a str,
    /// Tree size.
    pub size: u64,
    /// Root hash (32 bytes).
    pub root_hash: Vec<u8>,
    signatures: Vec<(&'a str, Vec<u8>)>,
}

/// Why a checkpoint was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointError {
    /// The note does not parse.
    Malformed(&'static str),
    /// No signature line from the log verified.
    NotSigned,
}

impl<'a> Checkpoint<'a> {
    /// Parses a signed note holding a checkpoint.
    pub fn parse(note: &'a str) -> Result<Self, CheckpointError> {
        let m = CheckpointError::Malformed;
        let split = note.find("\n\n").ok_or(m("no blank line before signatures"))?;
        let signed_text = note.get(..=split).ok_or(m("no body"))?;
        let sigs = note.get(split + 2..).ok_or(m("no signatures"))?;
        let mut lines = signed_text.strip_suffix('\n').ok_or(m("body does not end in newline"))?.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty()).ok_or(m("missing origin"))?;
        let size_s = lines.next().ok_or(m("missing tree size"))?;
        if size_s.is_empty() || !size_s.bytes().all(|c| c.is_ascii_digit()) || (size_s.len() > 1 && size_s.starts_with('0')) {
            return Err(m("invalid tree size"));
        }
        let size = size_s.parse::<u64>().map_err(|_| m("invalid tree size"))?;
        let root_hash = base64_decode("checkpoint root hash", lines.next().ok_or(m("missing root hash"))?).map_err(|_| m("invalid root hash"))?;
        if root_hash.len() != 32 {
            return Err(m("root hash is not 32 bytes"));
        }
        if lines.any(str::is_empty) {
            return Err(m("empty extension line"));
        }
        if sigs.is_empty() {
            return Err(CheckpointError::NotSigned);
        }
        if !sigs.ends_with('\n') {
            return Err(m("signature block does not end in newline"));
        }
        let mut signatures = Vec::new();
        for line in sigs.split_terminator('\n') {
            let rest = line.strip_prefix("\u{2014} ").ok_or(m("signature line does not start with an em dash"))?;
            let (name, sig) = rest.rsplit_once(' ').ok_or(m("signature line has no signature"))?;
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(m("invalid signer name"));
            }
            let sig = base64_decode("checkpoint signature", sig).map_err(|_| m("signature is not base64"))?;
            if sig.len() < 5 {
                return Err(m("signature too short"));
            }
            signatures.push((name, sig));
            if signatures.len() > MAX_CHECKPOINT_SIGNATURES {
                return Err(m("too many signatures"));
            }
        }
        if signatures.is_empty() {
            return Err(CheckpointError::NotSigned);
        }
        Ok(Self { signed_text, origin, size, root_hash, signatures })
    }

    /// Verifies the checkpoint's signature by `log` under signer name `name` (`None`: any name,
    /// for logs known only by their key).
    pub fn verify(&self, backend: &dyn Backend, log: &LogKey, name: Option<&str>) -> Result<(), CheckpointError> {
        let hint = log.key_id.get(..4).ok_or(CheckpointError::NotSigned)?;
        let mut verified = false;
        for (n, sig) in &self.signatures {
            if name.is_some_and(|name| *n != name) || sig.get(..4) != Some(hint) {
                continue;
            }
            let body = sig.get(4..).ok_or(CheckpointError::NotSigned)?;
            backend.verify(log.scheme, &log.key, Message::Raw(self.signed_text.as_bytes()), body).map_err(|()| CheckpointError::NotSigned)?;
            verified = true;
        }
        if verified { Ok(()) } else { Err(CheckpointError::NotSigned) }
    }
}

/// The signer name expected on checkpoints of `log`: the host of its base URL, if it has one.
#[must_use]
pub fn signer_name(log: &LogKey) -> Option<String> {
    (!log.base_url.is_empty()).then(|| String::from(log.host()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_shapes() {
        let ok = "o\n5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\nx: y\n\n\u{2014} o AAAAAAE=\n";
        let c = Checkpoint::parse(ok).unwrap();
        assert_eq!((c.origin, c.size), ("o", 5));
        assert_eq!(c.signed_text, "o\n5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\nx: y\n");
        for bad in [
            "5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n\u{2014} o AAAAAAE=\n",
            "o\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n\u{2014} o AAAAAAE=\n",
            "o\n5\n\n\u{2014} o AAAAAAE=\n",
            "o\n05\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n\u{2014} o AAAAAAE=\n",
            "o\n5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n- o AAAAAAE=\n",
        ] {
            assert!(matches!(Checkpoint::parse(bad), Err(CheckpointError::Malformed(_))), "{bad:?}");
        }
        assert_eq!(Checkpoint::parse("o\n5\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n"), Err(CheckpointError::NotSigned));
    }
}
