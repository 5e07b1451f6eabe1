//! The error type of step 4: everything below it, and what can go wrong in a chat room.
//!
//! [`ChatError`] wraps step 2's [`ShmError`] (which wraps step 1's `IpcError`) and step 3's
//! protocol errors, so a `?` on any lower layer's result just works, and adds the cases a
//! room has: no server, a dead server, objects left behind, a refusal, a timeout. The
//! binaries put it in an `anyhow::Error` and print it as one line.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use step01_message_queue::IpcError;
use step02_shared_memory::ShmError;
use step03_protocol::routing::RouteError;
use step03_protocol::{NameError, RejectReason, TextError};

/// One IPC object of a room that exists already: what it is, its key, and the `ipcrm`
/// option that removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// What the object is, e.g. "message queue".
    pub what: &'static str,
    /// The `ipcrm` option that removes it by key, e.g. "-Q".
    pub ipcrm: &'static str,
    /// Its key, as `ipcs` shows it.
    pub key: String,
}

// ANCHOR: chat_error
/// What can go wrong in a chat room.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// Shared memory or a system call failed (steps 1 and 2).
    #[error(transparent)]
    Shm(#[from] ShmError),

    /// A name that breaks the naming rules (step 3).
    #[error(transparent)]
    Name(#[from] NameError),

    /// A text that breaks the text rules (step 3).
    #[error(transparent)]
    Text(#[from] TextError),

    /// A pid that cannot have a mailbox (step 3).
    #[error(transparent)]
    Route(#[from] RouteError),

    /// The room's directory does not exist (ftok needs it).
    #[error("no room at {dir} (start a server there first)")]
    NoRoom {
        /// The directory.
        dir: PathBuf,
    },

    /// The room's directory could not be created.
    #[error("cannot create the room directory {dir}: {cause}")]
    RoomDir {
        /// The directory.
        dir: PathBuf,
        /// Why not.
        cause: io::Error,
    },

    /// The room exists but has no queue: no server runs there.
    #[error("no server is running in room {room} (it has no message queue)")]
    NoServer {
        /// The room's directory.
        room: String,
    },

    /// The room's objects are there but their server died without removing them.
    #[error(
        "the server of room {room} is not running: it stopped without removing its objects \
         (crashed?). Start a new server (from step 6 it takes them over; before, remove them \
         first with `make clean-ipc ROOM={room}`)"
    )]
    ServerDead {
        /// The room's directory.
        room: String,
    },

    /// The server stopped while this client was in the room, without a goodbye.
    #[error(
        "the server of room {room} has stopped: it went without saying goodbye (killed or \
         crashed?)"
    )]
    ServerGone {
        /// The room's directory.
        room: String,
    },

    /// A server found objects of its room already there.
    #[error(
        "room {room} already has {}: another server is running there, or a crashed one left \
         them behind. If no server is running, remove them with `make clean-ipc ROOM={room}` \
         (or `ipcrm {}`), then start again",
        describe_leftovers(.found),
        ipcrm_arguments(.found)
    )]
    Leftovers {
        /// The room's directory.
        room: String,
        /// What was found.
        found: Vec<Leftover>,
    },

    /// The room's segment exists but does not hold a chat room of this version.
    #[error("the shared segment of room {room} is not a chat room of this version")]
    NotAChatRoom {
        /// The room's directory.
        room: String,
    },

    /// The server refused a request.
    #[error("the server refused: {detail}")]
    Refused {
        /// Why, as a code.
        reason: RejectReason,
        /// Why, in words.
        detail: String,
    },

    /// The queue stayed full for as long as the client tried to send.
    #[error(
        "the room's queue stayed full for {} s ({messages} messages, {bytes} of {capacity} \
         bytes; the last sender was pid {last_sender}): the line was not sent. The queue is \
         shared by the whole room: a flood of requests, or replies piling up for a member \
         who does not read them, can fill it",
        .waited.as_secs()
    )]
    QueueFull {
        /// How long we tried.
        waited: Duration,
        /// Messages in the queue when we gave up.
        messages: u64,
        /// Their bytes.
        bytes: u64,
        /// The queue's capacity in bytes.
        capacity: u64,
        /// The pid of the last process that sent to it.
        last_sender: i32,
    },

    /// The client was asked to stop (SIGINT, SIGTERM, SIGHUP) and left the room.
    #[error("interrupted: left the room")]
    Interrupted,

    /// Nobody reads the client's stdout any more (a closed pipe).
    #[error("stdout is closed")]
    StdoutClosed,

    /// Writing to stdout failed for another reason.
    #[error("cannot write to stdout: {0}")]
    Stdout(io::Error),

    /// Lines this client sent never showed up in the room.
    #[error("{count} line(s) you sent were not delivered: they never showed up in the room")]
    Undelivered {
        /// How many.
        count: usize,
    },
}
// ANCHOR_END: chat_error

impl From<IpcError> for ChatError {
    fn from(error: IpcError) -> Self {
        ChatError::Shm(error.into())
    }
}

impl ChatError {
    /// Whether a `*get` call found the key taken (see `IpcError::is_already_exists`).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, ChatError::Shm(error) if error.is_already_exists())
    }

    /// Whether the underlying object was removed while we used it.
    pub fn is_removed(&self) -> bool {
        matches!(self, ChatError::Shm(error) if error.is_removed())
    }
}

/// "a message queue (key 0x...), a semaphore set (key 0x...)".
fn describe_leftovers(found: &[Leftover]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|f| format!("a {} (key {})", f.what, f.key))
        .collect();
    parts.join(", ")
}

/// "-Q 0x... -S 0x...".
fn ipcrm_arguments(found: &[Leftover]) -> String {
    let parts: Vec<String> = found
        .iter()
        .map(|f| format!("{} {}", f.ipcrm, f.key))
        .collect();
    parts.join(" ")
}

/// The result type of this crate.
pub type Result<T, E = ChatError> = std::result::Result<T, E>;
