//! A count that many processes increment: the simplest shared state, and the simplest race.
//!
//! `count += 1` is three steps: load the value, add one, store the result. When two
//! processes run them at the same time, both load the same value, both store that value
//! plus one, and one of the two increments is lost: the *lost-update* race.
//!
//! Making each step atomic does not help: [`Counter::increment_racy`] loads and stores
//! atomically and still loses updates, because another process can act between its load
//! and its store. What helps is a single atomic *read-modify-write*, `fetch_add`, which the
//! CPU performs as one indivisible operation (`lock xadd` on x86-64). That holds across
//! processes as well as threads: the processes share the same physical memory, and the
//! CPU's cache coherence does not know or care which process a store comes from.

use std::num::NonZeroU8;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Result;

use crate::backoff::Backoff;
use crate::shared::SharedSafe;

// ANCHOR: layout
/// The layout of a counter segment: two 64-bit words, all zero in a new segment.
///
/// ```text
/// offset 0  value    u64  the count
/// offset 8  arrived  u64  processes that reached the start line so far
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct Counter {
    /// The count.
    value: AtomicU64,
    /// How many processes have called [`Counter::start_together`], ever.
    arrived: AtomicU64,
}

// The layout is a contract with every other process (and with the grader): fail the build
// if it ever changes by accident.
const _: () = assert!(size_of::<Counter>() == 16 && align_of::<Counter>() == 8);

// SAFETY: Counter is #[repr(C)] and made of two AtomicU64, which are SharedSafe: any bytes
// are a valid Counter, it changes only atomically, and it holds no pointer.
unsafe impl SharedSafe for Counter {}
// ANCHOR_END: layout

impl Counter {
    /// The size of a counter segment.
    pub const SIZE: usize = size_of::<Counter>();

    /// The project id of `step02-counter`'s segment unless `--proj-id` says otherwise.
    pub const PROJ_ID: NonZeroU8 = NonZeroU8::new(3).unwrap();

    // ANCHOR: increment
    /// Adds one to the count, atomically, and returns the new count.
    pub fn increment(&self) -> u64 {
        // EXERCISE 2.4 (15 points): Add one to the shared count with a single atomic read-modify-write.
        // HINT: `increment_racy` below loses updates because its load and its store are two steps: find one operation that is both.
        // HINT: the function returns the count after *this* increment; read what that operation returns.
        // HINT: which ordering does a count need, when no other data is published along with it? (chapter 2)
        // BEGIN EXERCISE 2.4 (stub uses: self)
        let _ = self; // silences "unused" until your code uses it
        todo!(
            "exercise 2.4 is not done yet: Add one to the shared count with a single atomic read-modify-write."
        )
        // END EXERCISE 2.4
    }
    // ANCHOR_END: increment

    // ANCHOR: increment_racy
    /// Adds one to the count the wrong way: an atomic load, then an atomic store. Another
    /// process can store between the two, and its update is overwritten: lost. Kept to
    /// show the race (`step02-counter run --racy`).
    pub fn increment_racy(&self) -> u64 {
        let new = self.value.load(Ordering::Relaxed) + 1;
        // Another process may increment right here; our store then erases its update.
        self.value.store(new, Ordering::Relaxed);
        new
    }
    // ANCHOR_END: increment_racy

    /// The count now.
    pub fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }

    /// How many processes have reached the start line so far.
    pub fn arrived(&self) -> u64 {
        self.arrived.load(Ordering::Relaxed)
    }

    // ANCHOR: start_together
    /// Waits until `processes` processes, this one included, have called this: a start
    /// line, so that they all increment at the same moment and the race, if there is one,
    /// shows. Arrivals form groups of `processes`, so the segment can be used for another
    /// run afterwards. Gives up after [`Backoff::PATIENCE`].
    pub fn start_together(&self, processes: u64) -> Result<()> {
        let processes = processes.max(1);
        let ticket = self.arrived.fetch_add(1, Ordering::Relaxed);
        let group_end = (ticket / processes + 1) * processes;
        let mut backoff = Backoff::new(Backoff::PATIENCE);
        while self.arrived() < group_end {
            backoff.wait(|| {
                format!(
                    "{} more of {processes} processes to reach the start line",
                    group_end - self.arrived()
                )
            })?;
        }
        Ok(())
    }
    // ANCHOR_END: start_together
}
