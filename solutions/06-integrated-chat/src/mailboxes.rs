//! Keeping one client from filling the room's queue.
//!
//! The queue (16 KiB by default) carries every request and every unread reply of the
//! room. The server cannot see how much of it waits in one member's mailbox (System V
//! queues count bytes per queue, not per type), but it knows what it sent, and one bound
//! is always true: nobody's mailbox holds more than the whole queue does. So the server
//! counts the bytes it sent to each mailbox and, before each decision, lowers every count
//! to the bytes the queue holds now. A member who reads sees its count fall back; one who
//! is stopped, or stuck, keeps it high, and private lines to it are refused to their
//! senders. Replies to pids that are not members share one small allowance.

use std::collections::BTreeMap;

use step01_message_queue::{MessageQueue, TypeFilter};
use step03_protocol::Reply;
use step03_protocol::layout::EntryKind;
use step04_chat::hooks::Admission;
use step04_chat::ring::Entry;
use tracing::debug;

// ANCHOR: limits
/// The most bytes of replies that may wait for one member.
pub const MEMBER_LIMIT: u64 = 4096;
/// The most bytes of replies that may wait for all the pids that are not members.
pub const STRANGERS_LIMIT: u64 = 1024;

/// What the server sent to whom, and who the members are.
#[derive(Debug, Default)]
pub struct Mailboxes {
    /// Each member's name, and the bytes of replies that may still wait in its mailbox.
    members: BTreeMap<i32, (String, u64)>,
    /// The bytes of replies that may still wait for pids that are not members.
    strangers: u64,
}
// ANCHOR_END: limits

impl Mailboxes {
    /// No members yet.
    pub fn new() -> Mailboxes {
        Mailboxes::default()
    }

    /// Follows the room's membership from the entries the server publishes.
    pub fn published(&mut self, entry: &Entry) {
        match entry.kind {
            EntryKind::Join => {
                self.members.insert(entry.pid, (entry.name.clone(), 0));
            }
            EntryKind::Leave | EntryKind::Lost => {
                self.members.remove(&entry.pid);
            }
            EntryKind::Chat => {}
        }
    }

    /// Whether `pid` is a member of the room.
    pub fn is_member(&self, pid: i32) -> bool {
        self.members.contains_key(&pid)
    }

    /// The bytes that may wait for all the pids that are not members.
    pub fn strangers_waiting(&self) -> u64 {
        self.strangers
    }

    // ANCHOR: admit
    /// Whether a reply of `size` bytes may go to `to` now, the queue holding `queued`
    /// bytes; counts it if it may.
    pub fn admit(&mut self, to: i32, reply: &Reply, size: u64, queued: u64) -> Admission {
        // EXERCISE 6.4 (30 points): Decide whether a reply may go to `to`'s mailbox, so that no mailbox can fill the room's queue.
        // HINT: first make every count true again: nobody can have more bytes waiting than the queue holds right now.
        // HINT: an answer to a member's own request may go (it is reading: it just asked); a private line it did not ask for is what piles up.
        // HINT: a refused private line is the sender's business: say who is not reading and how much waits for them (RejectReason::NotReading).
        // HINT: pids that are not members get replies only from a small shared allowance; beyond it, drop them.
        // BEGIN EXERCISE 6.4 (stub uses: self, to, reply, size, queued)
        use step03_protocol::RejectReason;

        for (_, waiting) in self.members.values_mut() {
            *waiting = (*waiting).min(queued);
        }
        self.strangers = self.strangers.min(queued);
        match self.members.get_mut(&to) {
            Some((name, waiting)) => {
                if matches!(reply, Reply::Private { .. }) && *waiting + size > MEMBER_LIMIT {
                    return Admission::Refuse {
                        reason: RejectReason::NotReading,
                        detail: format!(
                            "{name} is not reading: {} bytes of replies wait in their mailbox; \
                             not sent",
                            *waiting
                        ),
                    };
                }
                *waiting += size;
                Admission::Send
            }
            None => {
                if self.strangers + size > STRANGERS_LIMIT {
                    return Admission::Drop(format!(
                        "pid {to} is not a member, and {} bytes of replies to non-members may \
                         still be waiting",
                        self.strangers
                    ));
                }
                self.strangers += size;
                Admission::Send
            }
        }
        // END EXERCISE 6.4
    }
    // ANCHOR_END: admit

    // ANCHOR: drain
    /// Takes every message out of `pid`'s mailbox (a member that is gone: nobody will
    /// read them, and a later process with the same pid must not); returns how many.
    pub fn drain(&mut self, pid: i32, queue: &MessageQueue) -> usize {
        self.members.remove(&pid);
        let mut drained = 0;
        while let Ok(Some(_)) = queue.try_receive(TypeFilter::Exactly(i64::from(pid))) {
            drained += 1;
        }
        if drained > 0 {
            debug!("drained {drained} unread replies of pid {pid}");
        }
        drained
    }
    // ANCHOR_END: drain
}
