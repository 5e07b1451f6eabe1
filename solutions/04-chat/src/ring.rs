//! The ring of recent chat lines in shared memory.
//!
//! Entry number `seq` (numbered from 1) lives in slot `(seq - 1) % RING_CAPACITY`, so the
//! ring always holds the newest [`RING_CAPACITY`] entries and older ones are overwritten,
//! oldest first. `header.next_seq` is the number the next entry will get.
//!
//! In this step every access happens with the room's mutex held, which is why a [`Ring`]
//! is made from a [`SemaphoreGuard`]: you cannot reach the ring without holding *this*
//! room's lock, and the ring cannot outlive the guard. (The atomics make each access
//! sound; the lock makes a whole entry consistent.)

use std::sync::atomic::Ordering;

use step03_protocol::layout::{EntryKind, LogEntry, RING_CAPACITY, SharedState};

use crate::semaphore::SemaphoreGuard;

/// A copy of one entry, taken out of shared memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number.
    pub seq: u64,
    /// When the server appended it, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The pid of the client it is about.
    pub pid: i32,
    /// What kind of line it is.
    pub kind: EntryKind,
    /// Who it is about.
    pub name: String,
    /// What was said (empty for joins and leaves).
    pub text: String,
}

/// What [`Ring::read_since`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The entries, oldest first.
    pub entries: Vec<Entry>,
    /// How many entries after the requested one were already overwritten.
    pub missed: u64,
}

/// The ring of a room's shared state, reached through the room's lock.
#[derive(Clone, Copy)]
pub struct Ring<'a> {
    /// The shared state it lives in, borrowed from the guard.
    state: &'a SharedState,
}

impl<'a> Ring<'a> {
    /// The ring of the state that `held` guards.
    pub fn new(held: &'a SemaphoreGuard<'_, SharedState>) -> Ring<'a> {
        Ring { state: held }
    }

    // ANCHOR: slot
    /// The slot that entry `seq` (numbered from 1) lives in.
    pub fn slot(&self, seq: u64) -> &'a LogEntry {
        &self.state.ring[((seq - 1) % RING_CAPACITY as u64) as usize]
    }
    // ANCHOR_END: slot

    /// The number the next entry will get (1 for an empty ring).
    pub fn next_seq(&self) -> u64 {
        self.state.header.next_seq.load(Ordering::Acquire)
    }

    // ANCHOR: append
    /// Appends an entry and returns its sequence number. Only the server appends.
    pub fn append(&self, kind: EntryKind, pid: i32, name: &str, text: &str, time_ms: i64) -> u64 {
        // EXERCISE 4.2 (20 points): Write the entry into the slot of `next_seq`, then publish it.
        // HINT: the entry's number is the header's `next_seq`; `self.slot` finds where it goes.
        // HINT: name and text are copied byte by byte (step 2's `bytes` module), clamped to their fields' sizes.
        // HINT: readers trust `seq` and `next_seq`: think about which stores must come last, and with which ordering.
        // BEGIN EXERCISE 4.2 (stub uses: self, kind, pid, name, text, time_ms)
        use step02_shared_memory::bytes::store_bytes;
        use step03_protocol::{NAME_MAX, TEXT_MAX};

        let header = &self.state.header;
        let seq = header.next_seq.load(Ordering::Relaxed);
        let entry = self.slot(seq);
        let name = &name.as_bytes()[..name.len().min(NAME_MAX)];
        let text = &text.as_bytes()[..text.len().min(TEXT_MAX)];
        entry.time_ms.store(time_ms, Ordering::Relaxed);
        entry.pid.store(pid, Ordering::Relaxed);
        entry.kind.store(kind as u8, Ordering::Relaxed);
        entry.name_len.store(name.len() as u8, Ordering::Relaxed);
        entry.text_len.store(text.len() as u16, Ordering::Relaxed);
        store_bytes(&entry.name, name);
        store_bytes(&entry.text, text);
        entry.seq.store(seq, Ordering::Release);
        header.next_seq.store(seq + 1, Ordering::Release);
        header.wake.fetch_add(1, Ordering::Release);
        seq
        // END EXERCISE 4.2
    }
    // ANCHOR_END: append

    // ANCHOR: read_since
    /// The entries after `after` that are still in the ring, and how many were missed.
    pub fn read_since(&self, after: u64) -> Batch {
        // EXERCISE 4.3 (20 points): Copy out every entry numbered after `after` that the ring still holds.
        // HINT: work out the newest entry, and the oldest one the ring can still hold; mind entry 1 and an empty ring.
        // HINT: entries after `after` that are older than that were overwritten: they count as missed.
        // HINT: a slot whose `seq` is not the number you expect was overwritten too (step 2's `bytes` copies out).
        // BEGIN EXERCISE 4.3 (stub uses: self, after)
        use step02_shared_memory::bytes::load_bytes;

        let newest = self.next_seq().saturating_sub(1);
        let mut batch = Batch::default();
        if newest <= after {
            return batch;
        }
        let oldest_kept = newest.saturating_sub(RING_CAPACITY as u64 - 1).max(1);
        let first = (after + 1).max(oldest_kept);
        batch.missed = first - (after + 1);
        for seq in first..=newest {
            let entry = self.slot(seq);
            let kind = EntryKind::from_u8(entry.kind.load(Ordering::Relaxed));
            match kind {
                Some(kind) if entry.seq.load(Ordering::Acquire) == seq => {
                    let name_len = usize::from(entry.name_len.load(Ordering::Relaxed));
                    let text_len = usize::from(entry.text_len.load(Ordering::Relaxed));
                    batch.entries.push(Entry {
                        seq,
                        time_ms: entry.time_ms.load(Ordering::Relaxed),
                        pid: entry.pid.load(Ordering::Relaxed),
                        kind,
                        name: String::from_utf8_lossy(&load_bytes(&entry.name, name_len))
                            .into_owned(),
                        text: String::from_utf8_lossy(&load_bytes(&entry.text, text_len))
                            .into_owned(),
                    });
                }
                _ => batch.missed += 1,
            }
        }
        batch
        // END EXERCISE 4.3
    }
    // ANCHOR_END: read_since
}
