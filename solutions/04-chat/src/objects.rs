//! The three IPC objects of a room, created together by the server and opened together by
//! each client.
//!
//! The server creates the segment first, then the semaphores, then the queue: a client
//! starts by opening the queue, so once the queue exists everything else is ready. It
//! removes them in the opposite order. Every object is created with `IPC_EXCL`: finding one
//! already there means another server runs in the room, or a crashed one left it behind,
//! and the error says how to remove it rather than joining a stranger's object.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail};
use step01_message_queue::{IpcError, Key, MessageQueue};
use step02_shared_memory::{Attached, Segment};
use step03_protocol::layout::{LAYOUT_VERSION, SHARED_MAGIC, SharedState};

use crate::format::now_ms;
use crate::room::Room;
use crate::semaphore::{SERVER_ALIVE, SemaphoreSet};

/// Permission bits of a room's objects: the owner only.
pub const MODE: u32 = 0o600;

/// A room's queue, semaphore set and attached shared segment.
pub struct RoomObjects {
    /// The message queue.
    pub queue: MessageQueue,
    /// The semaphore set.
    pub semaphores: SemaphoreSet,
    /// The segment.
    segment: Segment,
    /// The segment, attached read-write. Clients too: a typed view hands out atomics,
    /// whose API allows stores, which would fault on a read-only attachment.
    attached: Attached,
}

// ANCHOR: explain_exists
/// Turns an `EEXIST` from creating `what` into an explanation with the cleanup command.
fn explain_exists(
    error: IpcError,
    room: &Room,
    what: &str,
    key: Key,
    ipcrm: &str,
) -> anyhow::Error {
    if error.errno() == Some(libc::EEXIST) {
        anyhow::anyhow!(
            "room {room} already has a {what} (key {key}): another server is running there, or a \
             crashed one left it behind. If no server is running, remove it with `ipcrm {ipcrm} {key}` \
             (or `make clean-ipc ROOM={room}`), then start again"
        )
    } else {
        anyhow::Error::new(error).context(format!("cannot create the room's {what}"))
    }
}
// ANCHOR_END: explain_exists

impl RoomObjects {
    // ANCHOR: create
    /// The room's objects that exist already, as (what, `ipcrm` option, key).
    fn leftovers(room: &Room) -> anyhow::Result<Vec<(&'static str, &'static str, Key)>> {
        let mut found = Vec::new();
        let (queue, segment, semaphores) = (
            room.queue_key()?,
            room.segment_key()?,
            room.semaphore_key()?,
        );
        if MessageQueue::open(queue).is_ok() {
            found.push(("message queue", "-Q", queue));
        }
        if Segment::open_any_size(segment).is_ok() {
            found.push(("shared-memory segment", "-M", segment));
        }
        if SemaphoreSet::exists(semaphores) {
            found.push(("semaphore set", "-S", semaphores));
        }
        Ok(found)
    }

    /// Creates the room's objects (server side). On failure, whatever was created is removed.
    pub fn create(room: &Room) -> anyhow::Result<RoomObjects> {
        let found = Self::leftovers(room)?;
        if !found.is_empty() {
            let what: Vec<String> = found
                .iter()
                .map(|(w, _, k)| format!("a {w} (key {k})"))
                .collect();
            let ipcrm: Vec<String> = found.iter().map(|(_, o, k)| format!("{o} {k}")).collect();
            bail!(
                "room {room} already has {}: another server is running there, or a crashed one left \
                 them behind. If no server is running, remove them with `make clean-ipc ROOM={room}` \
                 (or `ipcrm {}`), then start again",
                what.join(", "),
                ipcrm.join(" ")
            );
        }
        let segment_key = room.segment_key()?;
        let size = std::mem::size_of::<SharedState>();
        let segment = Segment::create(segment_key, size, MODE)
            .map_err(|e| explain_exists(e, room, "shared-memory segment", segment_key, "-M"))?;
        let semaphores = match Self::create_rest(room, &segment) {
            Ok(rest) => rest,
            Err(error) => {
                let _ = segment.remove();
                return Err(error);
            }
        };
        let (semaphores, attached) = semaphores;
        let queue_key = room.queue_key()?;
        let queue = match MessageQueue::create(queue_key, MODE) {
            Ok(queue) => queue,
            Err(error) => {
                let _ = semaphores.remove();
                let _ = segment.remove();
                return Err(explain_exists(
                    error,
                    room,
                    "message queue",
                    queue_key,
                    "-Q",
                ));
            }
        };
        Ok(RoomObjects {
            queue,
            semaphores,
            segment,
            attached,
        })
    }
    // ANCHOR_END: create

    // ANCHOR: create_rest
    /// Attaches and initialises the segment, then creates the semaphores.
    fn create_rest(room: &Room, segment: &Segment) -> anyhow::Result<(SemaphoreSet, Attached)> {
        let attached = segment
            .attach()
            .context("cannot attach the room's segment")?;
        let state: &SharedState = attached
            .view()
            .context("the room's segment has the wrong size")?;
        let header = &state.header;
        // A new segment is zero-filled by the kernel: only the header needs values.
        header.version.store(LAYOUT_VERSION, Ordering::Relaxed);
        // SAFETY: getpid has no preconditions and cannot fail.
        header
            .server_pid
            .store(unsafe { libc::getpid() }, Ordering::Relaxed);
        header.next_seq.store(1, Ordering::Relaxed);
        header.started_ms.store(now_ms(), Ordering::Relaxed);
        // The magic goes last, with Release: whoever sees it sees the fields above.
        header.magic.store(SHARED_MAGIC, Ordering::Release);
        let semaphore_key = room.semaphore_key()?;
        let semaphores = SemaphoreSet::create(semaphore_key, MODE)
            .map_err(|e| explain_exists(e, room, "semaphore set", semaphore_key, "-S"))?;
        // Raised with SEM_UNDO: the kernel lowers it again when this process exits.
        if let Err(error) = semaphores.op(SERVER_ALIVE, 1) {
            let _ = semaphores.remove();
            return Err(error.into());
        }
        Ok((semaphores, attached))
    }
    // ANCHOR_END: create_rest

    // ANCHOR: open
    /// Opens an existing room's objects (client side).
    pub fn open(room: &Room) -> anyhow::Result<RoomObjects> {
        let queue_key = room.queue_key()?;
        let queue = match MessageQueue::open(queue_key) {
            Ok(queue) => queue,
            Err(error) if error.errno() == Some(libc::ENOENT) => {
                bail!("no server is running in room {room} (it has no message queue)")
            }
            Err(error) => return Err(error).context("cannot open the room's queue"),
        };
        let segment = Segment::open(room.segment_key()?, std::mem::size_of::<SharedState>())
            .context("the room's queue exists but its shared segment does not match")?;
        let semaphores = SemaphoreSet::open(room.semaphore_key()?, Duration::from_secs(2))
            .context("cannot open the room's semaphores")?;
        // The server holds SERVER_ALIVE at 1 with SEM_UNDO: 0 means it died.
        if semaphores.value(SERVER_ALIVE)? == 0 {
            bail!(
                "the server of room {room} is not running: it stopped without removing its objects \
                 (crashed?). Remove them with `make clean-ipc ROOM={room}` and start a new server"
            );
        }
        let attached = segment
            .attach()
            .context("cannot attach the room's segment")?;
        attached
            .view::<SharedState>()
            .context("the room's segment has the wrong size")?;
        let objects = RoomObjects {
            queue,
            semaphores,
            segment,
            attached,
        };
        let header = &objects.state().header;
        if header.magic.load(Ordering::Acquire) != SHARED_MAGIC
            || header.version.load(Ordering::Relaxed) != LAYOUT_VERSION
        {
            bail!("the shared segment of room {room} is not a chat room of this version");
        }
        Ok(objects)
    }
    // ANCHOR_END: open

    /// The shared state in the segment.
    pub fn state(&self) -> &SharedState {
        self.attached
            .view()
            .unwrap_or_else(|_| unreachable!("the size was checked when the segment was attached"))
    }

    /// The segment's id, as `ipcs -m` shows it.
    pub fn segment_id(&self) -> i32 {
        self.segment.id()
    }

    // ANCHOR: remove
    /// Removes the objects: the queue first (clients then see that the server is gone),
    /// then the semaphores, then the segment (destroyed when the last client detaches).
    pub fn remove(self) -> anyhow::Result<()> {
        let RoomObjects {
            queue,
            semaphores,
            segment,
            attached,
        } = self;
        drop(attached);
        queue.remove().context("cannot remove the room's queue")?;
        semaphores
            .remove()
            .context("cannot remove the room's semaphores")?;
        segment
            .remove()
            .context("cannot remove the room's segment")?;
        Ok(())
    }
    // ANCHOR_END: remove
}
