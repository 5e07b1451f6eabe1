//! A System V message queue: a kernel-owned list of typed messages.
//!
//! The calls, in the order a program meets them (see msgget(2), msgop(2), msgctl(2)):
//!
//! - `msgget(key, flags)` finds or creates the queue of a key and returns its id;
//! - `msgsnd(id, buf, size, flags)` appends a message; it blocks while the queue is full;
//! - `msgrcv(id, buf, size, type, flags)` takes the first message matching `type` out of
//!   the queue; it blocks while there is none, unless `IPC_NOWAIT` is given;
//! - `msgctl(id, IPC_RMID, NULL)` destroys the queue at once, waking blocked callers with
//!   `EIDRM`.
//!
//! A queue outlives the processes that use it: it exists until someone removes it (or the
//! machine reboots). `ipcs -q` lists queues and `ipcrm -q ID` removes one by hand.

use libc::{c_int, c_long};

use crate::error::{Result, retry_on_eintr};
use crate::key::Key;
use crate::object::{CreationMode, IpcKind, IpcObject};

// ANCHOR: type_filter
/// Which message `msgrcv` should take out of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeFilter {
    /// The oldest message, whatever its type (`msgtyp == 0`).
    Any,
    /// The oldest message of exactly this type (`msgtyp > 0`).
    Exactly(i64),
    /// The oldest message of the lowest type that is at most this (`msgtyp < 0`):
    /// a simple priority queue.
    UpTo(i64),
}

impl TypeFilter {
    /// The `msgtyp` argument of `msgrcv` that expresses this filter.
    pub fn msgtyp(self) -> c_long {
        match self {
            TypeFilter::Any => 0,
            TypeFilter::Exactly(t) => t,
            TypeFilter::UpTo(t) => -t,
        }
    }
}
// ANCHOR_END: type_filter

impl std::fmt::Display for TypeFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeFilter::Any => write!(f, "any type"),
            TypeFilter::Exactly(t) => write!(f, "type {t}"),
            TypeFilter::UpTo(t) => write!(f, "type <= {t}"),
        }
    }
}

// ANCHOR: message
/// One message taken out of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The type the sender gave it (always positive).
    pub mtype: i64,
    /// The payload, exactly as sent.
    pub payload: Vec<u8>,
}
// ANCHOR_END: message

/// What `msgctl(IPC_STAT)` says about a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStat {
    /// Messages currently in the queue.
    pub messages: u64,
    /// Payload bytes currently in the queue.
    pub bytes: u64,
    /// The queue's capacity in payload bytes (`msg_qbytes`, initially `msgmnb`).
    pub capacity: u64,
    /// The pid of the last process that sent.
    pub last_sender: i32,
    /// The pid of the last process that received.
    pub last_receiver: i32,
    /// The permission bits, e.g. `0o600`.
    pub mode: u32,
}

// ANCHOR: queue_kind
/// The kind of a message queue, for [`IpcObject`]: removed with `msgctl(IPC_RMID)`.
#[derive(Debug)]
pub enum Queue {}

impl IpcKind for Queue {
    const NAME: &'static str = "message queue";
    const IPCRM_OPTION: &'static str = "-Q";

    // ANCHOR: remove
    /// Destroys the queue `id` with `msgctl(IPC_RMID)`. Messages still in it are lost,
    /// and processes blocked on it wake up with `EIDRM`.
    fn remove_id(id: c_int) -> Result<()> {
        // EXERCISE 1.5 (10 points): Destroy the queue with msgctl(2) and IPC_RMID.
        // HINT: msgctl(2), IPC_RMID: what does that command do with the third argument?
        // BEGIN EXERCISE 1.5 (stub uses: id)
        let _ = id; // silences "unused" until your code uses it
        todo!("exercise 1.5 is not done yet: Destroy the queue with msgctl(2) and IPC_RMID.")
        // END EXERCISE 1.5
    }
    // ANCHOR_END: remove
}
// ANCHOR_END: queue_kind

// ANCHOR: queue
/// A handle on a System V message queue.
///
/// A handle that created its queue owns it, and dropping it removes the queue (see
/// [`IpcObject`]); a handle that opened an existing queue only uses it.
#[derive(Debug)]
pub struct MessageQueue {
    /// The queue's id and key, and whether this handle removes it.
    object: IpcObject<Queue>,
}
// ANCHOR_END: queue

impl MessageQueue {
    // ANCHOR: get
    /// Calls `msgget(key, flags)` and returns the queue id.
    fn msgget(key: Key, flags: c_int) -> Result<c_int> {
        // Part of exercise 1.2 (its task is in object.rs): the msgget(2) call itself.
        // HINT: `flags` already says create or open, and with which permissions.
        // HINT: msgget(2), RETURN VALUE; `retry_on_eintr` (error.rs) turns -1 into an error naming the call.
        // BEGIN EXERCISE 1.2 (stub uses: key, flags)
        let _ = (key, flags); // silences "unused" until your code uses them
        todo!(
            "exercise 1.2 is not done yet: Find or create an object as the mode says, without a race; and call msgget(2)."
        )
        // END EXERCISE 1.2
    }
    // ANCHOR_END: get

    // ANCHOR: create
    /// Finds or creates the queue of `key` as `mode` says; a new queue gets the
    /// permission bits `permissions` (e.g. `0o600`), and this handle owns it.
    pub fn get(key: Key, mode: CreationMode, permissions: u32) -> Result<Self> {
        let object = IpcObject::get(key, mode, permissions, |flags| Self::msgget(key, flags))?;
        Ok(MessageQueue { object })
    }

    /// Creates a new queue for `key`, owned by this handle; fails with "already exists"
    /// if the key has one: we never silently join a stranger's queue.
    pub fn create(key: Key, permissions: u32) -> Result<Self> {
        Self::get(key, CreationMode::CreateExclusive, permissions)
    }

    /// Opens the existing queue of `key`; fails with "not found" if there is none.
    pub fn open(key: Key) -> Result<Self> {
        Self::get(key, CreationMode::OpenExisting, 0)
    }

    /// Opens the queue of `key`, creating it with `permissions` if it does not exist yet
    /// (then this handle owns it).
    pub fn open_or_create(key: Key, permissions: u32) -> Result<Self> {
        Self::get(key, CreationMode::OpenOrCreate, permissions)
    }
    // ANCHOR_END: create

    /// The queue id, as `ipcs -q` shows it.
    pub fn id(&self) -> c_int {
        self.object.id()
    }

    /// The key the queue was found by.
    pub fn key(&self) -> Key {
        self.object.key()
    }

    /// Whether dropping this handle removes the queue.
    pub fn is_owner(&self) -> bool {
        self.object.is_owner()
    }

    /// Gives up ownership: the queue outlives this handle, until removed on purpose.
    pub fn release_ownership(&mut self) {
        self.object.release_ownership();
    }

    /// A second handle on the same queue that does not own it (for another thread).
    pub fn non_owning(&self) -> Self {
        MessageQueue {
            object: self.object.non_owning(),
        }
    }

    /// Destroys the queue now with `msgctl(IPC_RMID)`, owned or not. Messages still in
    /// it are lost, and processes blocked on it wake up with `EIDRM`.
    pub fn remove(self) -> Result<()> {
        self.object.remove()
    }

    // ANCHOR: send_wrappers
    /// Appends a message of type `mtype`, waiting while the queue is full.
    pub fn send(&self, mtype: i64, payload: &[u8]) -> Result<()> {
        self.send_with_flags(mtype, payload, 0).map(|_| ())
    }

    /// Appends a message of type `mtype` if there is room right now.
    ///
    /// Returns `Ok(false)` when the queue is full: a server uses this to answer clients
    /// without ever blocking on one that stopped reading.
    pub fn try_send(&self, mtype: i64, payload: &[u8]) -> Result<bool> {
        self.send_with_flags(mtype, payload, libc::IPC_NOWAIT)
    }
    // ANCHOR_END: send_wrappers

    // ANCHOR: send
    /// Calls `msgsnd`; returns `Ok(false)` if `IPC_NOWAIT` was given and the queue is full.
    fn send_with_flags(&self, mtype: i64, payload: &[u8], flags: c_int) -> Result<bool> {
        // EXERCISE 1.3 (25 points): Check `mtype` and the payload's size, then send with msgsnd(2).
        // HINT: msgsnd(2), ERRORS: refuse two of those cases yourself, before the call, with the `IpcError` variants that explain them.
        // HINT: buffer.rs lays out the struct msgbuf; read in msgsnd(2) what the size argument counts.
        // HINT: with IPC_NOWAIT one errno means "full, nothing was sent": this function returns that as `Ok(false)`.
        // BEGIN EXERCISE 1.3 (stub uses: self, mtype, payload, flags)
        let _ = (self, mtype, payload, flags); // silences "unused" until your code uses them
        todo!(
            "exercise 1.3 is not done yet: Check `mtype` and the payload's size, then send with msgsnd(2)."
        )
        // END EXERCISE 1.3
    }
    // ANCHOR_END: send

    // ANCHOR: receive_wrappers
    /// Takes the first message matching `filter`, waiting until there is one.
    pub fn receive(&self, filter: TypeFilter) -> Result<Message> {
        loop {
            // Without IPC_NOWAIT, msgrcv only returns once a message is there.
            if let Some(message) = self.receive_raw(filter.msgtyp(), 0)? {
                return Ok(message);
            }
        }
    }

    /// Takes the first message matching `filter` if there is one right now.
    pub fn try_receive(&self, filter: TypeFilter) -> Result<Option<Message>> {
        self.receive_raw(filter.msgtyp(), libc::IPC_NOWAIT)
    }
    // ANCHOR_END: receive_wrappers

    // ANCHOR: receive
    /// Calls `msgrcv(id, buf, msgmax, msgtyp, flags)`; `Ok(None)` means `IPC_NOWAIT` was
    /// given and no message matched.
    pub fn receive_raw(&self, msgtyp: c_long, flags: c_int) -> Result<Option<Message>> {
        // EXERCISE 1.4 (30 points): Receive one message with msgrcv(2); "no message" is Ok(None).
        // HINT: msgrcv(2) fails with E2BIG when a message is larger than the buffer: how large can one be? (limits.rs)
        // HINT: msgrcv returns the payload's length; with IPC_NOWAIT one errno means "nothing matched", which is `Ok(None)`.
        // HINT: a signal handler that runs during the wait interrupts msgrcv (signal(7)): the wait is not over.
        // BEGIN EXERCISE 1.4 (stub uses: self, msgtyp, flags)
        let _ = (self, msgtyp, flags); // silences "unused" until your code uses them
        todo!(
            "exercise 1.4 is not done yet: Receive one message with msgrcv(2); \"no message\" is Ok(None)."
        )
        // END EXERCISE 1.4
    }
    // ANCHOR_END: receive

    /// Reads the queue's state with `msgctl(IPC_STAT)`.
    pub fn stat(&self) -> Result<QueueStat> {
        // SAFETY: msqid_ds is a plain C struct of integers, for which all-zero bytes are a
        // valid value.
        let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: `ds` is a valid, writable msqid_ds that outlives the call; IPC_STAT
        // writes exactly one such struct.
        retry_on_eintr("msgctl(IPC_STAT)", || unsafe {
            libc::msgctl(self.id(), libc::IPC_STAT, &mut ds)
        })?;
        Ok(QueueStat {
            messages: ds.msg_qnum as u64,
            bytes: ds.__msg_cbytes as u64,
            capacity: ds.msg_qbytes as u64,
            last_sender: ds.msg_lspid,
            last_receiver: ds.msg_lrpid,
            mode: u32::from(ds.msg_perm.mode) & 0o777,
        })
    }
}
