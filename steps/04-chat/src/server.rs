//! The server's I/O: it owns the room's objects, takes requests off the queue, lets
//! [`Members`] decide, and carries the effects out (ring appends, replies).
//!
//! Every entry goes to the server's [`History`] first and to the ring second (step 4's
//! history is [`NoHistory`]; step 5 passes a log file): an entry the history refuses is
//! never published, and its sender is told why.
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
use step03_protocol::{Name, RejectReason, Reply, Request, describe};
use tracing::{debug, info, trace, warn};

use crate::error::Result;
use crate::format::now_ms;
use crate::history::{History, NoHistory};
use crate::hooks::{Admission, NoHooks, RoomHooks};
use crate::members::{Effect, Members};
use crate::objects::RoomObjects;
use crate::ring::{Entry, Ring};
use crate::room::Room;
use crate::signals;

/// After saying goodbye, how long the server waits for clients to take their goodbyes
/// out of the queue before it removes the queue with everything in it.
const GOODBYE_PATIENCE: Duration = Duration::from_millis(500);

/// A running server: its room's objects, the members that joined, and where it keeps
/// what they say (nowhere in step 4).
pub struct Server<H: History = NoHistory, R: RoomHooks = NoHooks> {
    /// The room it serves.
    room: Room,
    /// The queue, segment and semaphores it created (and removes when dropped).
    objects: RoomObjects,
    /// Who is in the room.
    members: Members,
    /// Where entries are kept before the ring publishes them.
    history: H,
    /// What a later step adds around the decisions (none in step 4).
    hooks: R,
}

/// An entry the history did not keep, and why.
struct NotKept {
    /// What kind of entry it was.
    kind: EntryKind,
    /// Who it was about.
    pid: i32,
    /// Their name.
    name: Name,
    /// What the history said.
    detail: String,
}

impl Server {
    /// Creates the room's objects (failing if any already exists) and marks the server
    /// alive; it keeps no history.
    pub fn start(room: Room) -> Result<Server> {
        Server::start_with(room, NoHistory, &[])
    }
}

impl<H: History> Server<H> {
    // ANCHOR: start_with
    /// Like [`Server::start`], with a history that keeps every entry before it is
    /// published, and the `recent` entries it already holds (oldest first, consecutive
    /// numbers), which fill the ring before any client can see the room: numbering then
    /// continues after the last of them.
    pub fn start_with(room: Room, history: H, recent: &[Entry]) -> Result<Server<H>> {
        room.create_dir()?;
        let objects = RoomObjects::create_with_history(&room, recent)?;
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
            history,
            hooks: NoHooks,
        })
    }
    // ANCHOR_END: start_with
}

impl<H: History, R: RoomHooks> Server<H, R> {
    /// The same server, with `hooks` instead of its present ones (step 6 passes its own).
    pub fn with_hooks<R2: RoomHooks>(self, hooks: R2) -> Server<H, R2> {
        Server {
            room: self.room,
            objects: self.objects,
            members: self.members,
            history: self.history,
            hooks,
        }
    }

    /// Who is in the room.
    pub fn members(&self) -> &Members {
        &self.members
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
        self.run_with(stop, |_| {})
    }

    /// Like [`Server::run`], calling `woken` after every empty message: the wake-up that
    /// the signal thread, and from step 6 a ticker, send.
    pub fn run_with(&mut self, stop: &AtomicBool, mut woken: impl FnMut(&mut Self)) -> Result<()> {
        while !stop.load(Ordering::SeqCst) {
            let message = self
                .objects
                .queue()
                .receive(TypeFilter::Exactly(SERVER_MTYPE))?;
            if stop.load(Ordering::SeqCst) {
                break;
            }
            if message.payload.is_empty() {
                // A wake-up, or a client's empty message: nothing to decode.
                debug!("woken up by an empty message");
                woken(self);
            } else {
                self.handle(&message.payload);
            }
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
        if !self.hooks.accept(&request) {
            debug!("dropped the request of pid {}: not accepted", request.pid());
            return;
        }
        let sender = request.pid();
        for effect in self.members.handle(request, now_ms()) {
            if let Err(not_kept) = self.apply(effect, sender) {
                // The effects after an entry depend on it (a welcome after a join): drop them.
                self.refuse(not_kept);
                break;
            }
        }
    }
    // ANCHOR_END: handle

    // ANCHOR: apply
    /// Carries out one effect of `sender`'s request; fails if it was an entry the history
    /// did not keep.
    fn apply(&mut self, effect: Effect, sender: i32) -> std::result::Result<(), NotKept> {
        match effect {
            Effect::Append {
                kind,
                pid,
                name,
                text,
            } => {
                let who = name.to_string();
                self.append(kind, pid, name, text)?;
                // Logged once it happened: a join the history refused did not.
                match kind {
                    EntryKind::Join => info!("{who} joined (pid {pid})"),
                    EntryKind::Leave => {
                        info!("{who} left (pid {pid})");
                        self.hooks.member_gone(pid, self.objects.queue());
                    }
                    EntryKind::Chat | EntryKind::Lost => {}
                }
                Ok(())
            }
            Effect::Reply { to, reply } => {
                if let Reply::Rejected { detail, .. } = &reply {
                    info!("refused pid {to}: {detail}");
                }
                self.deliver(to, reply, sender);
                Ok(())
            }
        }
    }
    // ANCHOR_END: apply

    // ANCHOR: server_append
    /// Keeps an entry in the history, then publishes it in the shared ring, under the
    /// room's mutex (unless the hooks publish it without): log first, ring second.
    fn append(
        &mut self,
        kind: EntryKind,
        pid: i32,
        name: Name,
        text: String,
    ) -> std::result::Result<(), NotKept> {
        let entry = Entry {
            // The server is the ring's only writer: the number the ring will give this
            // entry is known without the lock.
            seq: self.objects.state().header.next_seq.load(Ordering::Acquire),
            time_ms: now_ms(),
            pid,
            kind,
            name: name.to_string(),
            text,
        };
        if let Err(error) = self.history.keep(&entry) {
            return Err(NotKept {
                kind,
                pid,
                name,
                detail: error.to_string(),
            });
        }
        if !self.hooks.needs_lock(&entry) && self.hooks.publish(&entry, self.objects.state()) {
            return Ok(());
        }
        match self.objects.lock() {
            Ok(held) => {
                if !self.hooks.publish(&entry, &held) {
                    Ring::new(&held).append(kind, pid, &entry.name, &entry.text, entry.time_ms);
                }
                self.hooks.published(&entry, &held);
            }
            Err(error) => warn!("cannot take the room's lock, entry dropped: {error}"),
        }
        Ok(())
    }
    // ANCHOR_END: server_append

    // ANCHOR: lose
    /// Removes member `pid`, whose process is gone, and tells the room ("NAME was
    /// disconnected"). Does nothing if `pid` is not a member.
    pub fn lose(&mut self, pid: i32) {
        let Some(name) = self.members.remove(pid) else {
            return;
        };
        info!("{name} was disconnected (pid {pid} is gone)");
        match self.append(EntryKind::Lost, pid, name, String::new()) {
            Ok(()) => self.hooks.member_gone(pid, self.objects.queue()),
            // Refusing a lost member's entry cleans up after it too.
            Err(not_kept) => self.refuse(not_kept),
        }
    }
    // ANCHOR_END: lose

    // ANCHOR: deliver
    /// Sends `reply` to `to`, if the hooks admit it; a refusal goes to `sender` instead.
    fn deliver(&mut self, to: i32, reply: Reply, sender: i32) {
        match self.hooks.admit(to, &reply, self.objects.queue()) {
            Admission::Send => self.reply(to, &reply),
            Admission::Drop(why) => debug!("reply to pid {to} not sent: {why}"),
            Admission::Refuse { reason, detail } => {
                info!("refused pid {sender}: {detail}");
                if sender != to {
                    self.reply(sender, &Reply::Rejected { reason, detail });
                }
            }
        }
    }
    // ANCHOR_END: deliver

    // ANCHOR: refuse
    /// Tells the sender of an entry the history did not keep that it was not published,
    /// and undoes a join that cannot be announced.
    fn refuse(&mut self, not_kept: NotKept) {
        let NotKept {
            kind,
            pid,
            name,
            detail,
        } = not_kept;
        warn!("not published: {kind:?} entry of {name} (pid {pid}): {detail}");
        match kind {
            EntryKind::Join => {
                self.members.remove(pid);
            }
            EntryKind::Chat => {}
            // Nobody is left to tell: the member is gone already.
            EntryKind::Leave | EntryKind::Lost => {
                self.hooks.member_gone(pid, self.objects.queue());
                return;
            }
        }
        let refusal = Reply::Rejected {
            reason: RejectReason::NotStored,
            detail: format!("not stored, so not sent: {detail}"),
        };
        self.reply(pid, &refusal);
    }
    // ANCHOR_END: refuse

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
    /// Says goodbye to every member, makes the history durable and removes the room's
    /// objects.
    pub fn shutdown(mut self) -> Result<()> {
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
        if let Err(error) = self.history.sync() {
            warn!("cannot make the history durable: {error}");
        }
        let room = self.room;
        self.objects.remove()?;
        info!("removed the IPC objects of room {room}; bye");
        Ok(())
    }
    // ANCHOR_END: shutdown

    // ANCHOR: serve
    /// Serves until SIGINT, SIGTERM or SIGHUP, then shuts down; the stop signals must
    /// have been blocked first ([`signals::block_stop_signals`]). Fails with the first
    /// error of serving or of shutting down.
    pub fn serve(self) -> Result<()> {
        self.serve_with(|_| {})
    }

    /// Like [`Server::serve`], calling `woken` after every wake-up (see
    /// [`Server::run_with`]).
    pub fn serve_with(mut self, woken: impl FnMut(&mut Self)) -> Result<()> {
        let stop = signals::watch(self.queue());
        let served = self.run_with(&stop, woken);
        let removed = self.shutdown();
        served.and(removed)
    }
    // ANCHOR_END: serve
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
