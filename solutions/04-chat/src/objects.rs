//! The three IPC objects of a room, created together by the server and opened together by
//! each client.
//!
//! The server creates the segment first, then the semaphores, then the queue: a client
//! starts by opening the queue, so once the queue exists everything else is ready. Every
//! object is created with `IPC_EXCL`: finding one already there means another server runs
//! in the room, or a crashed one left it behind, and the error says how to remove it
//! rather than joining a stranger's object.
//!
//! The server's handles own what they created (step 1's [`IpcObject`] model), so there is
//! no rollback code: if creating the queue fails, the segment and the semaphores made
//! before it are removed as the function returns, and a server that stops for any reason
//! short of `SIGKILL` (an error, a panic, a queue removed under it) leaves nothing behind.
//! The fields are declared in the order they are dropped: the queue first (clients then
//! see that the server is gone), then the semaphores, then the segment.
//!
//! [`IpcObject`]: step01_message_queue::IpcObject

use std::sync::atomic::Ordering;
use std::time::Duration;

use step01_message_queue::{IpcKind, Key, MessageQueue, Queue};
use step02_shared_memory::{Segment, Shm, ShmError};
use step03_protocol::layout::{LAYOUT_VERSION, SHARED_MAGIC, SharedState};

use crate::error::{ChatError, Leftover, Result};
use crate::format::now_ms;
use crate::ring::{Entry, Ring};
use crate::room::Room;
use crate::semaphore::{MUTEX, SERVER_ALIVE, Sem, SemaphoreGuard, SemaphoreMutex, SemaphoreSet};

/// Permission bits of a room's objects: the owner only.
pub const MODE: u32 = 0o600;

/// How long a client waits for a new semaphore set to be initialised by its server.
const INIT_PATIENCE: Duration = Duration::from_secs(2);

/// A room's queue, and its shared state with the semaphores that guard it.
#[derive(Debug)]
pub struct RoomObjects {
    /// The message queue (dropped first).
    queue: MessageQueue,
    /// The shared state in the segment, attached read-write, behind the room's mutex.
    /// Clients attach read-write too: a typed view hands out atomics, whose API allows
    /// stores, which would fault on a read-only attachment.
    shared: SemaphoreMutex<SharedState>,
    /// The segment's handle (dropped last).
    segment: Segment,
}

/// The [`Leftover`] that describes an object of kind `K` with key `key`.
fn leftover<K: IpcKind>(key: Key) -> Leftover {
    Leftover {
        what: K::NAME,
        ipcrm: K::IPCRM_OPTION,
        key: key.to_string(),
    }
}

/// Turns "already exists" from creating an object of kind `K` into the room's
/// explanation; any other error stays as it is.
fn refuse_existing<K: IpcKind>(room: &Room, key: Key) -> impl FnOnce(ChatError) -> ChatError {
    move |error| {
        if error.is_already_exists() {
            ChatError::Leftovers {
                room: room.to_string(),
                found: vec![leftover::<K>(key)],
            }
        } else {
            error
        }
    }
}

impl RoomObjects {
    /// The room's objects that exist already.
    fn leftovers(room: &Room) -> Result<Vec<Leftover>> {
        let (queue, segment, semaphores) = (
            room.queue_key()?,
            room.segment_key()?,
            room.semaphore_key()?,
        );
        let mut found = Vec::new();
        // Opened handles own nothing: dropping them removes nothing.
        if MessageQueue::open(queue).is_ok() {
            found.push(leftover::<Queue>(queue));
        }
        if Segment::open_any_size(segment).is_ok() {
            found.push(leftover::<Shm>(segment));
        }
        if SemaphoreSet::exists(semaphores) {
            found.push(leftover::<Sem>(semaphores));
        }
        Ok(found)
    }

    // ANCHOR: create
    /// Creates the room's objects (server side), owned by the result: dropping it, or an
    /// error on the way, removes whatever was created.
    pub fn create(room: &Room) -> Result<RoomObjects> {
        Self::create_with_history(room, &[])
    }

    /// Like [`RoomObjects::create`], with the ring already holding `recent` (oldest
    /// first, consecutive numbers, as a history hands them back): they are appended
    /// before the queue exists, so no client can see the room without them, and the next
    /// entry is numbered after the last of them.
    pub fn create_with_history(room: &Room, recent: &[Entry]) -> Result<RoomObjects> {
        let found = Self::leftovers(room)?;
        if !found.is_empty() {
            return Err(ChatError::Leftovers {
                room: room.to_string(),
                found,
            });
        }
        let segment_key = room.segment_key()?;
        let segment = Segment::create(segment_key, size_of::<SharedState>(), MODE)
            .map_err(ChatError::from)
            .map_err(refuse_existing::<Shm>(room, segment_key))?;
        let state = segment.attach()?.typed::<SharedState>()?;
        initialise(&state, recent.first().map_or(1, |entry| entry.seq));
        let semaphore_key = room.semaphore_key()?;
        let semaphores = SemaphoreSet::create(semaphore_key, MODE)
            .map_err(refuse_existing::<Sem>(room, semaphore_key))?;
        // Raised with SEM_UNDO: the kernel lowers it again when this process exits.
        semaphores.op(SERVER_ALIVE, 1)?;
        let shared = SemaphoreMutex::new(semaphores, MUTEX, state);
        if !recent.is_empty() {
            let held = shared.lock()?;
            let ring = Ring::new(&held);
            for entry in recent {
                let seq = ring.append(
                    entry.kind,
                    entry.pid,
                    &entry.name,
                    &entry.text,
                    entry.time_ms,
                );
                debug_assert_eq!(seq, entry.seq, "the history's numbers must be consecutive");
            }
        }
        let queue_key = room.queue_key()?;
        let queue = MessageQueue::create(queue_key, MODE)
            .map_err(ChatError::from)
            .map_err(refuse_existing::<Queue>(room, queue_key))?;
        Ok(RoomObjects {
            queue,
            shared,
            segment,
        })
    }
    // ANCHOR_END: create

    // ANCHOR: open
    /// Opens an existing room's objects (client side); the handles own nothing.
    pub fn open(room: &Room) -> Result<RoomObjects> {
        let not_a_room = || ChatError::NotAChatRoom {
            room: room.to_string(),
        };
        let queue = MessageQueue::open(room.queue_key()?).map_err(|error| {
            if error.is_not_found() {
                ChatError::NoServer {
                    room: room.to_string(),
                }
            } else {
                error.into()
            }
        })?;
        let segment =
            Segment::open(room.segment_key()?, size_of::<SharedState>()).map_err(|error| {
                match error {
                    ShmError::SizeMismatch { .. } => not_a_room(),
                    error if error.is_not_found() => not_a_room(),
                    error => error.into(),
                }
            })?;
        let semaphores = SemaphoreSet::open(room.semaphore_key()?, INIT_PATIENCE)?;
        // The server holds SERVER_ALIVE at 1 with SEM_UNDO: 0 means it died.
        if semaphores.value(SERVER_ALIVE)? == 0 {
            return Err(ChatError::ServerDead {
                room: room.to_string(),
            });
        }
        let state = segment.attach()?.typed::<SharedState>()?;
        let header = &state.header;
        if header.magic.load(Ordering::Acquire) != SHARED_MAGIC
            || header.version.load(Ordering::Relaxed) != LAYOUT_VERSION
        {
            return Err(not_a_room());
        }
        Ok(RoomObjects {
            queue,
            shared: SemaphoreMutex::new(semaphores, MUTEX, state),
            segment,
        })
    }
    // ANCHOR_END: open

    /// The room's queue.
    pub fn queue(&self) -> &MessageQueue {
        &self.queue
    }

    /// The shared state, without the lock: for the fields that are single atomics.
    pub fn state(&self) -> &SharedState {
        self.shared.unlocked()
    }

    /// Takes the room's lock; the guard dereferences to the shared state.
    pub fn lock(&self) -> Result<SemaphoreGuard<'_, SharedState>> {
        self.shared.lock()
    }

    /// Whether the server still runs: it holds [`SERVER_ALIVE`] raised with `SEM_UNDO`,
    /// and the kernel lowers it however the server dies. A removed set counts as gone.
    pub fn server_alive(&self) -> bool {
        self.shared
            .semaphores()
            .value(SERVER_ALIVE)
            .is_ok_and(|value| value > 0)
    }

    /// The segment's id, as `ipcs -m` shows it.
    pub fn segment_id(&self) -> i32 {
        self.segment.id()
    }

    /// The semaphore set's id, as `ipcs -s` shows it.
    pub fn semaphores_id(&self) -> i32 {
        self.shared.semaphores().id()
    }

    // ANCHOR: remove
    /// Removes the objects now, in the order clients expect (queue, semaphores, segment),
    /// and reports the first failure. Every removal is tried even if one fails, and an
    /// object somebody else removed already is not a failure.
    pub fn remove(self) -> Result<()> {
        let RoomObjects {
            queue,
            shared,
            segment,
        } = self;
        let (semaphores, state) = shared.into_parts();
        drop(state);
        let results = [
            queue.remove().map_err(ChatError::from),
            semaphores.remove(),
            segment.remove().map_err(ChatError::from),
        ];
        results
            .into_iter()
            .filter(|result| !result.as_ref().is_err_and(ChatError::is_removed))
            .collect::<Result<Vec<()>>>()
            .map(|_| ())
    }
    // ANCHOR_END: remove
}

// ANCHOR: initialise
/// Gives a new room's header its values, the first entry to come being number
/// `next_seq`. A new segment is zero-filled by the kernel, so only the header needs any,
/// and the magic goes last, with `Release`: whoever sees it sees the fields before it.
fn initialise(state: &SharedState, next_seq: u64) {
    let header = &state.header;
    header.version.store(LAYOUT_VERSION, Ordering::Relaxed);
    header
        .server_pid
        .store(std::process::id() as i32, Ordering::Relaxed);
    header.next_seq.store(next_seq, Ordering::Relaxed);
    header.started_ms.store(now_ms(), Ordering::Relaxed);
    header.magic.store(SHARED_MAGIC, Ordering::Release);
}
// ANCHOR_END: initialise
