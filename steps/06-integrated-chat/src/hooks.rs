//! Step 6's hooks into step 4's server: presence under the lock, bounded mailboxes,
//! requests from pids with no process dropped, and a gone member's mailbox drained.

use step01_message_queue::MessageQueue;
use step03_protocol::layout::SharedState;
use step03_protocol::{Reply, Request};
use step04_chat::hooks::{Admission, RoomHooks};
use step04_chat::ring::Entry;

use crate::liveness::{is_zombie, process_exists};
use crate::mailboxes::Mailboxes;
use crate::presence;

/// What step 6 adds to the server.
#[derive(Debug, Default)]
pub struct Step6Hooks {
    /// The replies that may still wait in each mailbox.
    mailboxes: Mailboxes,
}

impl Step6Hooks {
    /// Hooks for a room with no members yet.
    pub fn new() -> Step6Hooks {
        Step6Hooks::default()
    }
}

// ANCHOR: hooks
impl RoomHooks for Step6Hooks {
    fn accept(&mut self, request: &Request) -> bool {
        // Nobody could read a reply to a pid that has no process, and a join from one
        // would make a ghost member: such requests are forged or stale. Drop them. But a
        // leave is often the last thing a client does before it exits, and it gets no
        // reply: take it whoever sent it, so that the room hears "left", not "lost".
        // A member's pid was checked when it joined, and the sweep checks it every second:
        // only the others cost a look at the kernel (and at /proc) per request.
        let pid = request.pid();
        matches!(request, Request::Leave { .. })
            || self.mailboxes.is_member(pid)
            || (process_exists(pid) && !is_zombie(pid))
    }

    fn published(&mut self, entry: &Entry, state: &SharedState) {
        presence::update(state, entry);
        self.mailboxes.published(entry);
    }

    fn admit(&mut self, to: i32, reply: &Reply, queue: &MessageQueue) -> Admission {
        let queued = queue.stat().map_or(0, |stat| stat.bytes);
        let size = reply.encode().len() as u64;
        self.mailboxes.admit(to, reply, size, queued)
    }

    fn member_gone(&mut self, pid: i32, queue: &MessageQueue) {
        self.mailboxes.drain(pid, queue);
    }
}
// ANCHOR_END: hooks
