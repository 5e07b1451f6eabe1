//! Where the server keeps the lines it accepts, beyond the ring: the seam step 5 uses to
//! add a persistent log.
//!
//! The ring forgets: it holds the newest `RING_CAPACITY` entries, and it dies with the
//! server. A [`History`] is told about every entry *before* the ring publishes it, and
//! can refuse it; the server then publishes nothing and tells the sender why. That order
//! is the whole point: no client can ever see a line that the history lacks. Step 4 keeps
//! no history ([`NoHistory`]); step 5 keeps a memory-mapped file.

use std::convert::Infallible;
use std::fmt::Display;

use crate::ring::Entry;

// ANCHOR: history
/// Keeps the entries the server accepts, before they are published.
pub trait History {
    /// Why an entry could not be kept; sent to the sender of the line, so it should say
    /// what happened in words people read ("... the disk is full").
    type Error: Display;

    /// Keeps `entry`, whose `seq` is the number the ring is about to give it. An error
    /// means it was not kept: the server refuses the line and does not publish it.
    fn keep(&mut self, entry: &Entry) -> Result<(), Self::Error>;

    /// Makes what was kept durable, as far as this history can; the server calls it when
    /// it shuts down cleanly.
    fn sync(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}
// ANCHOR_END: history

/// Step 4's history: none. The ring is all there is.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHistory;

impl History for NoHistory {
    type Error = Infallible;

    fn keep(&mut self, _entry: &Entry) -> Result<(), Infallible> {
        Ok(())
    }
}
