//! A mailbox: one message in a segment, published so that readers never see it torn.
//!
//! A writer copies a message into the segment byte by byte while readers in other
//! processes may be copying it out. Without care a reader can get the first half of the
//! new message and the second half of the old one: a *torn* read. The mailbox prevents it
//! with a **sequence lock** (seqlock), which needs no lock at all, only one counter:
//!
//! - the `sequence` is even while the message is complete, odd while a writer is copying;
//! - a writer makes it odd (claiming the mailbox), copies the bytes, then makes it even
//!   again with a `Release` store, which *publishes* everything written before it;
//! - a reader loads the sequence with `Acquire`, copies the bytes, and loads the sequence
//!   again: if it was odd, or changed in between, a writer was busy and the copy may be
//!   torn, so the reader throws it away and tries again.
//!
//! Readers never write, so any number of them can read at once, and a writer never waits
//! for a reader. Writers exclude each other by claiming the sequence with
//! `compare_exchange`. The memory orderings are the ones of Hans Boehm's "Can seqlocks
//! get along with programming language memory models?" (MSPC 2012).

use std::num::NonZeroU8;

use crate::error::Result;
use crate::sync::{self, Ordering};

/// The longest message a mailbox holds, in bytes: what is left of one 4096-byte page after
/// the header.
#[cfg(not(loom))]
pub const MAILBOX_CAPACITY: usize = 4080;
/// The longest message of a model-checked mailbox: a few bytes are enough to tear a
/// message, and every byte multiplies the interleavings loom explores.
#[cfg(loom)]
pub const MAILBOX_CAPACITY: usize = 3;

// ANCHOR: layout
/// The layout of a mailbox segment: a 16-byte header, then the message bytes. A new
/// (all-zero) segment is an empty mailbox: sequence 0, no message.
///
/// ```text
/// offset  0  sequence  u64         2 x messages published; odd while one is being written
/// offset  8  len       u32         length of the current message
/// offset 12  reserved  u32         zero (keeps `text` 8-byte aligned)
/// offset 16  text      [u8; 4080]  the message; bytes after `len` mean nothing
/// ```
#[repr(C)]
pub struct Mailbox {
    /// The seqlock's sequence: even when the message is complete, odd while a writer is
    /// copying one in. Each published message adds 2.
    sequence: sync::AtomicU64,
    /// The length in bytes of the current message.
    len: sync::AtomicU32,
    /// Unused, zero: makes the padding before `text` explicit.
    _reserved: sync::AtomicU32,
    /// The message bytes. Atomic one by one, so that a reader copying them while a writer
    /// stores them is a race the seqlock detects, not undefined behaviour.
    text: [sync::AtomicU8; MAILBOX_CAPACITY],
}

#[cfg(not(loom))]
const _: () = assert!(size_of::<Mailbox>() == 4096 && align_of::<Mailbox>() == 8);
#[cfg(not(loom))]
const _: () = assert!(std::mem::offset_of!(Mailbox, text) == 16);

// SAFETY: Mailbox is #[repr(C)] and made only of atomic integers and an array of them,
// which are SharedSafe: any bytes are a valid Mailbox, it changes only atomically, and it
// holds no pointer. (Not for loom's atomics, which live in the model checker's memory.)
#[cfg(not(loom))]
unsafe impl crate::shared::SharedSafe for Mailbox {}
// ANCHOR_END: layout

/// A message copied out of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its number: 1 for the first message published in the mailbox, 2 for the next...
    pub number: u64,
    /// Its bytes, exactly as published.
    pub text: Vec<u8>,
}

/// Only in the model checker: a mailbox in ordinary memory, and its raw fields for the
/// grader's own writer and reader.
#[cfg(loom)]
impl Mailbox {
    /// An empty mailbox.
    pub fn new() -> Mailbox {
        Mailbox {
            sequence: sync::AtomicU64::new(0),
            len: sync::AtomicU32::new(0),
            _reserved: sync::AtomicU32::new(0),
            text: std::array::from_fn(|_| sync::AtomicU8::new(0)),
        }
    }

    /// The sequence, the length and the text.
    pub fn raw_parts(&self) -> (&sync::AtomicU64, &sync::AtomicU32, &[sync::AtomicU8]) {
        (&self.sequence, &self.len, &self.text)
    }
}

impl Mailbox {
    /// The size of a mailbox segment.
    pub const SIZE: usize = size_of::<Mailbox>();

    /// The project id of `step02-msg`'s segment unless `--proj-id` says otherwise.
    pub const PROJ_ID: NonZeroU8 = NonZeroU8::new(2).unwrap();

    /// How many messages have been published so far (0 for a new mailbox).
    pub fn published(&self) -> u64 {
        self.sequence.load(Ordering::Acquire) / 2
    }

    /// The raw sequence number, for display: odd while a writer is busy.
    pub fn sequence(&self) -> u64 {
        self.sequence.load(Ordering::Acquire)
    }

    // ANCHOR: publish
    /// Replaces the message with `text`, so that no reader ever sees a mix of the two;
    /// returns the new message's number.
    ///
    /// Fails with [`ShmError::MessageTooLong`] beyond [`MAILBOX_CAPACITY`] bytes, and with
    /// [`ShmError::TimedOut`] if another writer seems stuck in the middle of a message.
    ///
    /// [`ShmError::MessageTooLong`]: crate::ShmError::MessageTooLong
    /// [`ShmError::TimedOut`]: crate::ShmError::TimedOut
    pub fn publish(&self, text: &[u8]) -> Result<u64> {
        // EXERCISE 2.5 (15 points): Publish `text` so that no reader can ever see it half-written.
        // HINT: chapter 2, "A mailbox without a lock": the writer's three moves (claim, copy, publish) and why each is there.
        // HINT: several writers may claim at once: only one read-modify-write can win; the others wait (a Backoff).
        // HINT: every atomic and the fence come from `crate::sync` (the grader model-checks your orderings with loom).
        // BEGIN EXERCISE 2.5 (stub uses: self, text)
        use crate::sync::fence;

        use crate::bytes::store_bytes;
        use crate::error::ShmError;

        use crate::backoff::Backoff;

        if text.len() > MAILBOX_CAPACITY {
            return Err(ShmError::MessageTooLong {
                len: text.len(),
                capacity: MAILBOX_CAPACITY,
            });
        }
        // 1. Claim the mailbox: even -> odd. Readers now know a write is in progress, and
        //    other writers wait for us (their compare_exchange fails while it is odd).
        let mut backoff = Backoff::new(Backoff::PATIENCE);
        let start = loop {
            let seq = self.sequence.load(Ordering::Relaxed);
            if seq.is_multiple_of(2)
                && self
                    .sequence
                    .compare_exchange_weak(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                break seq;
            }
            backoff.wait(|| format!("another writer to finish (the sequence stays odd: {seq})"))?;
        };
        // 2. The odd sequence must be visible before any of the new bytes: a reader that
        //    copies one of them is then sure to see the sequence changed, and retries.
        fence(Ordering::Release);
        store_bytes(&self.text, text);
        self.len.store(text.len() as u32, Ordering::Relaxed);
        // 3. Publish: a reader whose Acquire load sees `start + 2` sees every store above.
        self.sequence.store(start + 2, Ordering::Release);
        Ok(start / 2 + 1)
        // END EXERCISE 2.5
    }
    // ANCHOR_END: publish

    // ANCHOR: read
    /// A copy of the current message, or `None` if none was ever published. Never a torn
    /// one: a copy that a writer may have changed halfway is thrown away and made again.
    ///
    /// Fails with [`ShmError::TimedOut`] if a writer seems stuck in the middle of a
    /// message (it may have been killed there).
    ///
    /// [`ShmError::TimedOut`]: crate::ShmError::TimedOut
    pub fn read(&self) -> Result<Option<Message>> {
        // EXERCISE 2.6 (15 points): Copy the current message out, retrying until the copy is surely not torn.
        // HINT: chapter 2, "A mailbox without a lock": what each value of the sequence tells a reader, and when a copy can be trusted.
        // HINT: a copy made while a writer was busy may hold anything, `len` included: it must never index out of bounds.
        // HINT: as in 2.5, atomics and the fence come from `crate::sync`; a wait for a busy writer uses a Backoff.
        // BEGIN EXERCISE 2.6 (stub uses: self)
        use crate::sync::fence;

        use crate::backoff::Backoff;

        let mut backoff = Backoff::new(Backoff::PATIENCE);
        loop {
            let before = self.sequence.load(Ordering::Acquire);
            if before == 0 {
                return Ok(None);
            }
            if before.is_multiple_of(2) {
                // `len` may already belong to a message being written: clamp it, so the
                // copy stays in bounds; the check below then throws the copy away.
                let len = (self.len.load(Ordering::Relaxed) as usize).min(MAILBOX_CAPACITY);
                let text: Vec<u8> = self.text[..len]
                    .iter()
                    .map(|byte| byte.load(Ordering::Relaxed))
                    .collect();
                // Keeps the loads above from moving below the second look at the sequence.
                fence(Ordering::Acquire);
                if self.sequence.load(Ordering::Relaxed) == before {
                    return Ok(Some(Message {
                        number: before / 2,
                        text,
                    }));
                }
            }
            backoff.wait(|| format!("a writer to finish its message (sequence {before})"))?;
        }
        // END EXERCISE 2.6
    }
    // ANCHOR_END: read

    // ANCHOR: read_without_seqlock
    /// Copies the current message the naive way: the length, then the bytes, without a
    /// second look at the sequence. A writer busy at the same moment makes the copy a mix
    /// of two messages: torn. Kept to show it (`step02-msg check --no-seqlock`).
    pub fn read_without_seqlock(&self) -> Option<Message> {
        let number = self.sequence.load(Ordering::Acquire) / 2;
        if number == 0 {
            return None;
        }
        let len = (self.len.load(Ordering::Relaxed) as usize).min(MAILBOX_CAPACITY);
        let text = self.text[..len]
            .iter()
            .map(|byte| byte.load(Ordering::Relaxed))
            .collect();
        Some(Message { number, text })
    }
    // ANCHOR_END: read_without_seqlock
}

impl std::fmt::Debug for Mailbox {
    /// Shows the header and the start of the text as they are right now, without the
    /// seqlock's checks: the text may be torn. For debugging only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.len.load(Ordering::Relaxed) as usize;
        let preview: Vec<u8> = self.text[..len.min(32)]
            .iter()
            .map(|byte| byte.load(Ordering::Relaxed))
            .collect();
        f.debug_struct("Mailbox")
            .field("sequence", &self.sequence.load(Ordering::Relaxed))
            .field("len", &len)
            .field("text_start", &preview.escape_ascii().to_string())
            .finish()
    }
}
