//! (being written)
pub struct Envelope;
