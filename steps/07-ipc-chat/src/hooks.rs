//! Step 7's hooks into the server: step 6's, plus publication without the lock.
//!
//! A chat line is published with the sequence lock alone; a join, leave or loss still
//! takes the room's lock, because the presence table changes with it and `who` reads
//! that table under the lock (the ring and the table then always agree). Either way,
//! every publication ends with a `FUTEX_WAKE` of the readers asleep on `header.wake`.

use step01_message_queue::MessageQueue;
use step03_protocol::layout::{EntryKind, SharedState};
use step03_protocol::{Reply, Request};
use step04_chat::hooks::{Admission, RoomHooks};
use step04_chat::ring::Entry;
use step06_integrated_chat::hooks::Step6Hooks;
use tracing::warn;

use crate::{futex, seqlock};

/// What step 7 adds to the server: everything of step 6's, and the lock-free ring.
#[derive(Debug, Default)]
pub struct Step7Hooks {
    /// Presence, liveness, bounded mailboxes.
    step6: Step6Hooks,
}

impl Step7Hooks {
    /// Hooks for a room with no members yet.
    pub fn new() -> Step7Hooks {
        Step7Hooks::default()
    }
}

// ANCHOR: hooks
impl RoomHooks for Step7Hooks {
    fn accept(&mut self, request: &Request) -> bool {
        self.step6.accept(request)
    }

    fn needs_lock(&self, entry: &Entry) -> bool {
        // Only presence needs the lock now; readers of the ring never take it.
        entry.kind != EntryKind::Chat
    }

    fn publish(&mut self, entry: &Entry, state: &SharedState) -> bool {
        seqlock::publish(state, entry);
        if let Err(errno) = futex::wake_all(&state.header.wake) {
            // Readers still wake within their tick: slower, not wrong.
            warn!("FUTEX_WAKE failed: {errno}");
        }
        true
    }

    fn published(&mut self, entry: &Entry, state: &SharedState) {
        self.step6.published(entry, state);
    }

    fn admit(&mut self, to: i32, reply: &Reply, queue: &MessageQueue) -> Admission {
        self.step6.admit(to, reply, queue)
    }

    fn member_gone(&mut self, pid: i32, queue: &MessageQueue) {
        self.step6.member_gone(pid, queue);
    }
}
// ANCHOR_END: hooks
