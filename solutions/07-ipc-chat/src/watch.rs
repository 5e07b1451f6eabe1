//! Waiting for new entries without polling: a reader sleeps in `FUTEX_WAIT` on the
//! header's `wake` word, which the server bumps (and wakes) after every publication.
//!
//! The timeout of the wait is the reader's tick: a client that nobody writes to wakes
//! once a second to check that its server still lives, and that is all it costs.

use std::time::Duration;

use nix::errno::Errno;
use step03_protocol::layout::SharedState;

/// The longest a reader sleeps before it looks around (is the server alive?).
pub const TICK: Duration = Duration::from_secs(1);

/// What [`wait_for_news`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum News {
    /// Entries after the one asked about have been published; the newest is this one.
    Published(u64),
    /// Nothing new within the timeout.
    Quiet,
    /// A signal interrupted the wait (the caller looks at its signal flags).
    Interrupted,
}

// ANCHOR: wait_for_news
/// Waits until an entry after `after` is published, for at most `timeout`.
pub fn wait_for_news(state: &SharedState, after: u64, timeout: Duration) -> Result<News, Errno> {
    // EXERCISE 7.3 (20 points): Sleep until the server publishes an entry after `after`, or `timeout` passes, and never miss a wake-up.
    // HINT: the server stores next_seq, then bumps wake, then wakes: which of the two words must a reader load first, and why?
    // HINT: FUTEX_WAIT sleeps only while the word still holds the value you pass it (`futex::wait` returns `Woke::Changed` otherwise).
    // HINT: a wake-up is a reason to look again, not a proof that there is news: every return of the wait is followed by a fresh look.
    // BEGIN EXERCISE 7.3 (stub uses: state, after, timeout)
    use crate::futex::{self, Woke};
    use std::sync::atomic::Ordering;

    let header = &state.header;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        // `wake` first: if next_seq then shows nothing new, any later publication
        // changes `wake` before its FUTEX_WAKE, so the wait below cannot sleep through it.
        let wake = header.wake.load(Ordering::Acquire);
        let newest = header.next_seq.load(Ordering::Acquire).saturating_sub(1);
        if newest > after {
            return Ok(News::Published(newest));
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Ok(News::Quiet);
        }
        match futex::wait(&header.wake, wake, left)? {
            Woke::Woken | Woke::Changed => {}
            Woke::TimedOut => {
                // One last look: an entry may have come with the timeout.
                let newest = header.next_seq.load(Ordering::Acquire).saturating_sub(1);
                return Ok(if newest > after {
                    News::Published(newest)
                } else {
                    News::Quiet
                });
            }
            Woke::Interrupted => return Ok(News::Interrupted),
        }
    }
    // END EXERCISE 7.3
}
// ANCHOR_END: wait_for_news
