//! Waiting for another process without a lock.
//!
//! Lock-free code sometimes has to wait: for a writer to finish a message, for the other
//! processes to reach a start line. There is no lock to sleep on, so the waiting process
//! looks again and again. [`Backoff`] makes that polite and bounded: a few rounds of
//! `spin_loop` (cheap, for waits of a few microseconds), then `yield_now` (lets the other
//! process run, even on a single core), then short sleeps; and an error after a deadline,
//! because the process we wait for may have died (a writer killed halfway through a
//! message never finishes it). Step 7 replaces this polling with a futex.

// The model checker's `wait` (below) needs none of the real one's clock and sleeps.
#![cfg_attr(loom, allow(unused_imports, dead_code))]

use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Result, ShmError};

/// Rounds of `spin_loop` before yielding.
const SPIN_ROUNDS: u32 = 64;
/// How long to yield before sleeping between looks.
const YIELD_FOR: Duration = Duration::from_millis(20);
/// The sleep between looks after that.
const SLEEP: Duration = Duration::from_millis(1);

/// A bounded wait for another process, one [`Backoff::wait`] per failed look.
#[derive(Debug)]
pub struct Backoff {
    /// When the waiting began.
    start: Instant,
    /// How long to wait before giving up.
    patience: Duration,
    /// Failed looks so far.
    rounds: u32,
}

impl Backoff {
    /// In the model checker, waiting is letting the other threads run: loom explores what
    /// they do meanwhile, and there is no real time to give up after.
    #[cfg(loom)]
    pub fn wait(&mut self, _what: impl FnOnce() -> String) -> Result<()> {
        self.rounds = self.rounds.saturating_add(1);
        loom::thread::yield_now();
        Ok(())
    }

    /// How long the course's lock-free loops wait before giving up by default.
    pub const PATIENCE: Duration = Duration::from_secs(5);

    /// Starts a wait that gives up after `patience`.
    pub fn new(patience: Duration) -> Backoff {
        Backoff {
            start: Instant::now(),
            patience,
            rounds: 0,
        }
    }

    /// Pauses before the next look; fails with [`ShmError::TimedOut`] once the patience
    /// is used up. `what` describes what we wait for (it is only called on failure).
    #[cfg(not(loom))]
    pub fn wait(&mut self, what: impl FnOnce() -> String) -> Result<()> {
        self.rounds = self.rounds.saturating_add(1);
        if self.rounds <= SPIN_ROUNDS {
            std::hint::spin_loop();
            return Ok(());
        }
        let waited = self.start.elapsed();
        if waited > self.patience {
            return Err(ShmError::TimedOut {
                what: what(),
                waited,
            });
        }
        if waited < YIELD_FOR {
            thread::yield_now();
        } else {
            thread::sleep(SLEEP);
        }
        Ok(())
    }
}
