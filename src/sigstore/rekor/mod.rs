//! Transparency log evidence: RFC 6962 Merkle inclusion proofs, signed-note checkpoints,
//! Rekor v1 signed entry timestamps, and the entry bodies of Rekor v1 and v2.

pub mod body;
pub mod checkpoint;
pub mod merkle;
pub mod set;
