//! The ring without the lock: each slot is a sequence lock with one writer, the server.
//!
//! The slot's `seq` says which entry it holds, and 0 while it is being written. The
//! server clears it, writes the fields, then stores the entry's number with `Release`;
//! a reader loads `seq` with `Acquire`, copies the fields, and loads `seq` again after an
//! `Acquire` fence. If both loads give the number it wanted, nothing wrote the slot in
//! between and the copy is exact; otherwise the copy may be torn, and it is thrown away.
//! Chapter 3 ("Step 7: lock-free publication and futex wake-ups") proves it.
//!
//! A reader never writes the segment and never waits for anyone, so a reader stopped in
//! the middle of a copy (`Ctrl-Z`, a debugger) delays nobody: the server goes on writing,
//! and the stopped reader discards its copy when it continues.

use std::sync::atomic::Ordering;

use step03_protocol::layout::{LogEntry, RING_CAPACITY, SharedState};
use step04_chat::ring::{Batch, Entry};

/// The slot that entry `seq` (numbered from 1) lives in.
pub fn slot(state: &SharedState, seq: u64) -> &LogEntry {
    &state.ring[((seq.max(1) - 1) % RING_CAPACITY as u64) as usize]
}

// ANCHOR: publish
/// Publishes `entry` (numbered `header.next_seq`) in the ring without any lock, then
/// bumps `header.wake`. Only the server may call it: a sequence lock has one writer.
pub fn publish(state: &SharedState, entry: &Entry) {
    // EXERCISE 7.1 (25 points): Write `entry` into its slot so that a reader without the lock can never take a half-written slot for a whole one.
    // HINT: chapter 3's "Step 7" section gives the order of the stores: the slot's seq is cleared first, set last.
    // HINT: a fence sits between clearing seq and writing the fields: which kind, and why would a Release store of 0 not be enough?
    // HINT: the header's next_seq and wake change after the slot is complete (step 4's Ring::append shows the field copies).
    // BEGIN EXERCISE 7.1 (stub uses: state, entry)
    let _ = (state, entry); // silences "unused" until your code uses them
    todo!(
        "exercise 7.1 is not done yet: Write `entry` into its slot so that a reader without the lock can never take a half-written slot for a whole one."
    )
    // END EXERCISE 7.1
}
// ANCHOR_END: publish

// ANCHOR: read
/// A copy of entry `seq`, if its slot still holds it, whole; `None` if the slot holds
/// another entry, or was being written while we copied (try the log instead).
pub fn read(state: &SharedState, seq: u64) -> Option<Entry> {
    // EXERCISE 7.2 (25 points): Copy entry `seq` out of its slot without the lock, and never return a torn copy.
    // HINT: the slot's seq is read twice: before the copy (with which ordering?) and after it, behind a fence.
    // HINT: every field is copied with Relaxed loads; lengths come from shared memory, so clamp them to their arrays (step 2's bytes module).
    // HINT: the copy is only checked after both reads of seq agree: a torn slot may hold any bytes, even invalid UTF-8 or an unknown kind.
    // BEGIN EXERCISE 7.2 (stub uses: state, seq)
    let _ = (state, seq); // silences "unused" until your code uses them
    todo!(
        "exercise 7.2 is not done yet: Copy entry `seq` out of its slot without the lock, and never return a torn copy."
    )
    // END EXERCISE 7.2
}
// ANCHOR_END: read

// ANCHOR: read_since
/// Every entry after `after` that the ring still holds whole, and how many it did not.
/// The newest entry is `header.next_seq - 1`; anything older than `RING_CAPACITY`
/// entries before it was overwritten.
pub fn read_since(state: &SharedState, after: u64) -> Batch {
    let newest = state
        .header
        .next_seq
        .load(Ordering::Acquire)
        .saturating_sub(1);
    let mut batch = Batch::default();
    if newest <= after {
        return batch;
    }
    let oldest_kept = newest.saturating_sub(RING_CAPACITY as u64 - 1).max(1);
    let first = (after + 1).max(oldest_kept);
    batch.missed = first - (after + 1);
    for seq in first..=newest {
        match read(state, seq) {
            Some(entry) => batch.entries.push(entry),
            // Overwritten while we read: everything before it is lost to the ring too,
            // so the entries read so far are dropped with it and counted as missed.
            None => {
                batch.missed += batch.entries.len() as u64 + 1;
                batch.entries.clear();
            }
        }
    }
    batch
}
// ANCHOR_END: read_since
