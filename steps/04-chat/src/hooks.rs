//! What a later step adds around the server's decisions, apart from the history: the seam
//! step 6 uses for presence, bounded mailboxes and cleaning up after a member.
//!
//! Step 4's server needs none of it ([`NoHooks`]). Step 6 fills the presence table under
//! the same lock as each join or leave entry (so the two always agree), refuses replies
//! that would pile up in the mailbox of a member who does not read, and drains the
//! mailbox of a member who is gone.

use step01_message_queue::MessageQueue;
use step03_protocol::layout::SharedState;
use step03_protocol::{RejectReason, Reply, Request};

use crate::ring::Entry;

// ANCHOR: admission
/// What to do with a reply the server is about to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Send it.
    Send,
    /// Do not send it; the reason goes to the server's log (at `debug`).
    Drop(String),
    /// Do not send it, and tell the member whose request caused it (the sender of a
    /// private line) why.
    Refuse {
        /// The code.
        reason: RejectReason,
        /// Why, for people.
        detail: String,
    },
}
// ANCHOR_END: admission

// ANCHOR: hooks
/// Hooks the server calls at fixed points; every method does nothing by default.
pub trait RoomHooks {
    /// Whether the server should handle `request` at all; a request it should not is
    /// dropped without a reply (step 6: one that claims the pid of no process).
    fn accept(&mut self, _request: &Request) -> bool {
        true
    }

    /// Whether `entry` must be published under the room's lock. Step 4's readers take the
    /// lock, so every entry must; step 7's readers do not, and only the entries that
    /// change the presence table still take it (so that table and ring agree).
    fn needs_lock(&self, _entry: &Entry) -> bool {
        true
    }

    /// Writes `entry` into the ring of `state` and returns true, or returns false to let
    /// the server append it step 4's way ([`Ring::append`](crate::ring::Ring::append),
    /// under the lock). Called with the lock held unless [`RoomHooks::needs_lock`] said
    /// no; step 7 publishes with a sequence lock and wakes the readers here.
    fn publish(&mut self, _entry: &Entry, _state: &SharedState) -> bool {
        false
    }

    /// An entry was just published in the ring under the room's lock; `state` is the
    /// shared state, and the lock is still held, so whatever this writes changes with the
    /// entry at once. Not called for entries published without the lock.
    fn published(&mut self, _entry: &Entry, _state: &SharedState) {}

    /// Whether the server may send `reply` to `to`'s mailbox now.
    fn admit(&mut self, _to: i32, _reply: &Reply, _queue: &MessageQueue) -> Admission {
        Admission::Send
    }

    /// `pid` is no longer a member (it left, or it was lost).
    fn member_gone(&mut self, _pid: i32, _queue: &MessageQueue) {}
}
// ANCHOR_END: hooks

/// Step 4's hooks: none.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHooks;

impl RoomHooks for NoHooks {}
