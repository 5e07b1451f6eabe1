//! The server: owns the room's objects, registers clients, appends their lines to the ring.
//!
//! It is the only process that writes the ring, and it never blocks on a client: replies
//! go out with `IPC_NOWAIT`, and a reply that does not fit in a full queue is dropped and
//! logged (the client notices through its own timeout).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use step01_message_queue::{MessageQueue, TypeFilter};
use step03_protocol::layout::EntryKind;
use step03_protocol::routing::{SERVER_MTYPE, reply_mtype};
use step03_protocol::{Name, Reply};

use crate::format::now_ms;
use crate::objects::RoomObjects;
use crate::ring::Ring;
use crate::room::Room;
use crate::semaphore::MUTEX;

/// Prints one line of the server's log on stderr.
macro_rules! log {
    ($($arg:tt)*) => { eprintln!("step04-server: {}", format!($($arg)*)) };
}

/// A running server and the clients that joined.
pub struct Server {
    /// The room it serves.
    room: Room,
    /// The queue, segment and semaphores it created.
    objects: RoomObjects,
    /// Joined clients, by pid.
    members: BTreeMap<i32, Name>,
}

impl Server {
    /// Creates the room's objects (failing if any already exists) and marks the server
    /// alive.
    pub fn start(room: Room) -> anyhow::Result<Server> {
        room.create_dir()?;
        let objects = RoomObjects::create(&room)?;
        log!(
            "serving room {room} (queue {}, segment {}, semaphores {}); stop with Ctrl-C",
            objects.queue.id(),
            objects.segment_id(),
            objects.semaphores.id()
        );
        Ok(Server {
            room,
            objects,
            members: BTreeMap::new(),
        })
    }

    /// The room's queue (for the signal thread to wake us).
    pub fn queue(&self) -> MessageQueue {
        self.objects.queue
    }

    // ANCHOR: run
    /// Serves until `stop` is raised, then says goodbye to every client.
    pub fn run(&mut self, stop: &AtomicBool) -> anyhow::Result<()> {
        while !stop.load(Ordering::SeqCst) {
            let message = self
                .objects
                .queue
                .receive(TypeFilter::Exactly(SERVER_MTYPE))
                .context("cannot receive from the room's queue (was it removed?)")?;
            if stop.load(Ordering::SeqCst) {
                break;
            }
            self.handle(&message.payload);
        }
        Ok(())
    }
    // ANCHOR_END: run

    // ANCHOR: handle
    /// Handles one message from the queue: decode it, check who sent it, act, reply.
    /// A malformed message is logged and dropped; nothing a client sends can stop the server.
    pub fn handle(&mut self, payload: &[u8]) {
        // EXERCISE 4.4 (25 points): Decode the request and dispatch it: join, say, private, who, leave.
        // HINT: `Request::decode(payload)`: on error, log it and return (never panic, never exit).
        // HINT: Join goes to `self.join`. Everything else needs a member: else reply Rejected(NotJoined).
        // HINT: Say appends a Chat entry (`self.append`); Leave removes the member and appends a Leave entry.
        // HINT: Who replies with the members' names; Private forwards Reply::Private to the recipient's pid.
        // BEGIN EXERCISE 4.4 (stub uses: self, payload)
        use step03_protocol::{RejectReason, Request, describe};

        let request = match Request::decode(payload) {
            Ok(request) => request,
            Err(error) => {
                log!(
                    "dropped a malformed message of {} bytes: {error}",
                    payload.len()
                );
                return;
            }
        };
        log!("{}", describe::request(&request));
        let pid = request.pid();
        if let Request::Join { name, .. } = request {
            let reply = self.join(pid, name);
            self.reply(pid, &reply);
            return;
        }
        let Some(name) = self.members.get(&pid).cloned() else {
            let detail = format!("pid {pid} has not joined the room");
            self.reply(
                pid,
                &Reply::Rejected {
                    reason: RejectReason::NotJoined,
                    detail,
                },
            );
            return;
        };
        match request {
            Request::Say { text, .. } => self.append(EntryKind::Chat, pid, &name, text.as_str()),
            Request::Leave { .. } => {
                self.members.remove(&pid);
                self.append(EntryKind::Leave, pid, &name, "");
            }
            Request::Who { .. } => {
                let mut names: Vec<Name> = self.members.values().cloned().collect();
                names.sort();
                self.reply(pid, &Reply::Who { names });
            }
            Request::Private { to, text, .. } => {
                match self
                    .members
                    .iter()
                    .find(|(_, n)| **n == to)
                    .map(|(p, _)| *p)
                {
                    Some(recipient) => {
                        let time_ms = now_ms();
                        self.reply(
                            recipient,
                            &Reply::Private {
                                from: name,
                                time_ms,
                                text,
                            },
                        );
                    }
                    None => {
                        let detail = format!("{to} is not in the room");
                        self.reply(
                            pid,
                            &Reply::Rejected {
                                reason: RejectReason::NoSuchUser,
                                detail,
                            },
                        );
                    }
                }
            }
            Request::Join { .. } => unreachable!("handled above"),
        }
        // END EXERCISE 4.4
    }
    // ANCHOR_END: handle

    // ANCHOR: join
    /// Registers `pid` as `name` if the name is free; the reply says whether it worked.
    pub fn join(&mut self, pid: i32, name: Name) -> Reply {
        // EXERCISE 4.5 (15 points): Accept a new member unless its pid already joined, its name is taken, or the room is full.
        // HINT: refuse a pid that already joined (AlreadyJoined), a name a member has (NameTaken), a full room (RoomFull).
        // HINT: on success, insert into `self.members`, append a Join entry, and return `Reply::Welcome`.
        // BEGIN EXERCISE 4.5 (stub uses: self, pid, name)
        use step03_protocol::RejectReason;
        use step03_protocol::layout::MAX_CLIENTS;

        if let Some(existing) = self.members.get(&pid) {
            return Reply::Rejected {
                reason: RejectReason::AlreadyJoined,
                detail: format!("pid {pid} already joined as {existing}"),
            };
        }
        if self.members.values().any(|n| *n == name) {
            return Reply::Rejected {
                reason: RejectReason::NameTaken,
                detail: format!("the name {name} is already taken in this room"),
            };
        }
        if self.members.len() >= MAX_CLIENTS {
            return Reply::Rejected {
                reason: RejectReason::RoomFull,
                detail: format!("the room is full ({MAX_CLIENTS} members)"),
            };
        }
        self.append(EntryKind::Join, pid, &name, "");
        self.members.insert(pid, name.clone());
        Reply::Welcome { name }
        // END EXERCISE 4.5
    }
    // ANCHOR_END: join

    // ANCHOR: server_append
    /// Appends an entry to the shared ring, under the room's mutex.
    pub fn append(&self, kind: EntryKind, pid: i32, name: &Name, text: &str) {
        match self.objects.semaphores.lock(MUTEX) {
            Ok(held) => {
                Ring::new(self.objects.state()).append(
                    &held,
                    kind,
                    pid,
                    name.as_str(),
                    text,
                    now_ms(),
                );
            }
            Err(error) => log!("cannot take the room's lock, entry dropped: {error}"),
        }
    }
    // ANCHOR_END: server_append

    // ANCHOR: reply
    /// Sends `reply` to `pid`'s mailbox without ever blocking.
    fn reply(&self, pid: i32, reply: &Reply) {
        let sent = reply_mtype(pid)
            .map_err(anyhow::Error::from)
            .and_then(|mtype| Ok(self.objects.queue.try_send(mtype, &reply.encode())?));
        match sent {
            Ok(true) => {}
            Ok(false) => log!("the queue is full: reply to pid {pid} dropped"),
            Err(error) => log!("cannot reply to pid {pid}: {error:#}"),
        }
    }
    // ANCHOR_END: reply

    // ANCHOR: shutdown
    /// Says goodbye to every member and removes the room's objects.
    pub fn shutdown(self) -> anyhow::Result<()> {
        let bye = Reply::Bye {
            reason: "the server is shutting down".into(),
        };
        for &pid in self.members.keys() {
            self.reply(pid, &bye);
        }
        // Give the clients a moment to take their goodbyes out of the queue before it is
        // removed with everything in it (they poll their mailbox every 50 ms).
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
        while !self.members.is_empty()
            && std::time::Instant::now() < deadline
            && self.objects.queue.stat().is_ok_and(|s| s.messages > 0)
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let room = self.room;
        self.objects.remove()?;
        log!("removed the IPC objects of room {room}; bye");
        Ok(())
    }
    // ANCHOR_END: shutdown
}
