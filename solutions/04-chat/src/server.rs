//! The server's I/O: it owns the room's objects, takes requests off the queue, lets
//! [`Members`] decide, and carries the effects out (ring appends, replies).
//!
//! It is the only process that writes the ring, and it never blocks on a client: replies
//! go out with `IPC_NOWAIT`, and a reply that does not fit in a full queue is dropped and
//! logged (the client notices through its own timeout). It logs with `tracing`: joins,
//! leaves, refusals and dropped messages at `info` and `warn`, every request at `debug`,
//! and the text of private lines only at `trace` (`RUST_LOG=trace`), so a default log
//! never shows them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use step01_message_queue::{MessageQueue, TypeFilter};
use step02_shared_memory::Backoff;
use step03_protocol::layout::EntryKind;
use step03_protocol::routing::{SERVER_MTYPE, reply_mtype};
use step03_protocol::{Reply, Request, describe};
use tracing::{debug, info, trace, warn};

use crate::error::Result;
use crate::format::now_ms;
use crate::members::{Effect, Members};
use crate::objects::RoomObjects;
use crate::ring::Ring;
use crate::room::Room;

/// After saying goodbye, how long the server waits for clients to take their goodbyes
/// out of the queue before it removes the queue with everything in it.
const GOODBYE_PATIENCE: Duration = Duration::from_millis(500);

/// A running server: its room's objects and the members that joined.
pub struct Server {
    /// The room it serves.
    room: Room,
    /// The queue, segment and semaphores it created (and removes when dropped).
    objects: RoomObjects,
    /// Who is in the room.
    members: Members,
}

impl Server {
    /// Creates the room's objects (failing if any already exists) and marks the server
    /// alive.
    pub fn start(room: Room) -> Result<Server> {
        room.create_dir()?;
        let objects = RoomObjects::create(&room)?;
        info!(
            "serving room {room} (queue {}, segment {}, semaphores {}); stop with Ctrl-C",
            objects.queue().id(),
            objects.segment_id(),
            objects.semaphores_id()
        );
        Ok(Server {
            room,
            objects,
            members: Members::new(),
        })
    }

    /// A handle on the room's queue that does not own it (for the signal thread to wake
    /// the server with).
    pub fn queue(&self) -> MessageQueue {
        self.objects.queue().non_owning()
    }

    // ANCHOR: run
    /// Serves until `stop` is raised. Fails if the queue can no longer be read (for
    /// example because somebody removed it); the caller then shuts down all the same.
    pub fn run(&mut self, stop: &AtomicBool) -> Result<()> {
        while !stop.load(Ordering::SeqCst) {
            let message = self
                .objects
                .queue()
                .receive(TypeFilter::Exactly(SERVER_MTYPE))?;
            if stop.load(Ordering::SeqCst) {
                break;
            }
            self.handle(&message.payload);
        }
        Ok(())
    }
    // ANCHOR_END: run

    // ANCHOR: handle
    /// Handles one message from the queue: decode it, let the members decide, carry the
    /// effects out. A malformed message is logged and dropped; nothing a client sends can
    /// stop the server.
    pub fn handle(&mut self, payload: &[u8]) {
        let request = match Request::decode(payload) {
            Ok(request) => request,
            Err(error) => {
                warn!(
                    "dropped a malformed message of {} bytes: {error}",
                    payload.len()
                );
                return;
            }
        };
        log_request(&request);
        for effect in self.members.handle(request, now_ms()) {
            self.apply(effect);
        }
    }
    // ANCHOR_END: handle

    // ANCHOR: apply
    /// Carries out one effect.
    fn apply(&self, effect: Effect) {
        match effect {
            Effect::Append {
                kind,
                pid,
                name,
                text,
            } => {
                match kind {
                    EntryKind::Join => info!("{name} joined (pid {pid})"),
                    EntryKind::Leave => info!("{name} left (pid {pid})"),
                    EntryKind::Chat | EntryKind::Lost => {}
                }
                self.append(kind, pid, name.as_str(), &text)
            }
            Effect::Reply { to, reply } => {
                if let Reply::Rejected { detail, .. } = &reply {
                    info!("refused pid {to}: {detail}");
                }
                self.reply(to, &reply);
            }
        }
    }
    // ANCHOR_END: apply

    // ANCHOR: server_append
    /// Appends an entry to the shared ring, under the room's mutex.
    fn append(&self, kind: EntryKind, pid: i32, name: &str, text: &str) {
        match self.objects.lock() {
            Ok(held) => {
                Ring::new(&held).append(kind, pid, name, text, now_ms());
            }
            Err(error) => warn!("cannot take the room's lock, entry dropped: {error}"),
        }
    }
    // ANCHOR_END: server_append

    // ANCHOR: reply
    /// Sends `reply` to `pid`'s mailbox without ever blocking.
    fn reply(&self, pid: i32, reply: &Reply) {
        let sent = reply_mtype(pid)
            .map_err(crate::ChatError::from)
            .and_then(|mtype| Ok(self.objects.queue().try_send(mtype, &reply.encode())?));
        match sent {
            Ok(true) => {}
            Ok(false) => warn!("the queue is full: reply to pid {pid} dropped"),
            Err(error) => warn!("cannot reply to pid {pid}: {error}"),
        }
    }
    // ANCHOR_END: reply

    // ANCHOR: shutdown
    /// Says goodbye to every member and removes the room's objects.
    pub fn shutdown(self) -> Result<()> {
        let bye = Reply::Bye {
            reason: "the server is shutting down".into(),
        };
        for pid in self.members.pids() {
            self.reply(pid, &bye);
        }
        // Give the clients a moment to take their goodbyes out of the queue before it is
        // removed with everything in it (they look at their mailbox every 50 ms).
        let mut backoff = Backoff::new(GOODBYE_PATIENCE);
        while !self.members.is_empty() && self.objects.queue().stat().is_ok_and(|s| s.messages > 0)
        {
            if backoff.wait(String::new).is_err() {
                // Some client is not reading: it will notice that the server is gone.
                break;
            }
        }
        let room = self.room;
        self.objects.remove()?;
        info!("removed the IPC objects of room {room}; bye");
        Ok(())
    }
    // ANCHOR_END: shutdown
}

/// Logs one request: what happened at `info` or `debug`, and never the text of a private
/// line below `trace`.
fn log_request(request: &Request) {
    match request {
        Request::Private { pid, to, text } => {
            debug!(
                "pid {pid} sends a private line of {} bytes to {to}",
                text.as_str().len()
            );
            trace!("{}", describe::request(request));
        }
        _ => debug!("{}", describe::request(request)),
    }
}
