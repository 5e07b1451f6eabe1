//! Taking over the objects a dead server left behind.
//!
//! A step 6 server holds the room's lock (step 5) before it looks: so no other server of
//! this design runs in the room. Objects under the room's keys can still belong to a live
//! process (a server of step 4, which takes no lock, or any program), or to a stranger
//! whose key happens to collide with the room's. Only objects that are certainly a dead
//! server's are removed, with their ids in the log; anything else is refused, untouched.

use std::sync::atomic::Ordering;

use step01_message_queue::MessageQueue;
use step02_shared_memory::Segment;
use step03_protocol::layout::{LAYOUT_VERSION, SHARED_MAGIC, SharedState};
use step04_chat::Room;
use step04_chat::semaphore::{SERVER_ALIVE, SemaphoreSet};
use tracing::info;

use crate::error::{Result, RoomError};

// ANCHOR: found
/// What the room's segment holds, as far as the new server can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentFacts {
    /// Its size in bytes.
    pub size: usize,
    /// The pid of the process that created it (`shm_cpid`).
    pub creator_pid: i32,
    /// Whether it has a chat room's magic and layout version (only read if the size is
    /// a chat room's).
    pub is_chat_room: bool,
    /// `header.server_pid` (0 if it is not a chat room).
    pub server_pid: i32,
}

/// Everything found under the room's three keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// The queue's id, if there is one.
    pub queue: Option<i32>,
    /// The segment's id and what it holds, if there is one.
    pub segment: Option<(i32, SegmentFacts)>,
    /// The semaphore set's id and its "server alive" value (`None` if it cannot be read,
    /// for example a set of another size), if there is one.
    pub semaphores: Option<(i32, Option<i32>)>,
}
// ANCHOR_END: found

// ANCHOR: verdict_type
/// What the new server may do with what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing is there: start as usual.
    Nothing,
    /// The objects of a dead server: remove them, then start.
    Stale,
    /// A live process owns them: touch nothing.
    Live {
        /// What shows it lives, for the error message.
        why: String,
    },
    /// They are not a chat room's objects (or not only): touch nothing.
    Stranger {
        /// What gives them away, for the error message.
        why: String,
    },
}
// ANCHOR_END: verdict_type

// ANCHOR: verdict
/// Decides what `found` is. Only a server that holds the room's lock may act on
/// [`Verdict::Stale`].
pub fn verdict(found: &Found) -> Verdict {
    // EXERCISE 6.3 (35 points): Decide whether the objects found are nothing, a dead server's, a live process's, or a stranger's.
    // HINT: list what a server of this design leaves when it dies at any moment: it creates the segment first and removes it last.
    // HINT: a segment of the wrong size, magic or version is not ours; neither is one its `server_pid` did not create.
    // HINT: two witnesses can say the server still lives: its process (exercise 6.2) and its SEM_UNDO semaphore. Either is enough to keep your hands off.
    // HINT: when in doubt, refuse: removing a live program's objects is far worse than asking a person to run `make clean-ipc`.
    // BEGIN EXERCISE 6.3 (stub uses: found)
    use crate::liveness::process_exists;

    let Some((_, segment)) = &found.segment else {
        return if found.queue.is_none() && found.semaphores.is_none() {
            Verdict::Nothing
        } else {
            Verdict::Stranger {
                why: "a queue or semaphore set without the room's segment, which a chat server \
                      creates first and removes last"
                    .into(),
            }
        };
    };
    if segment.size != size_of::<SharedState>() || !segment.is_chat_room {
        return Verdict::Stranger {
            why: format!(
                "a shared-memory segment of {} bytes that is not a chat room of this version",
                segment.size
            ),
        };
    }
    if segment.creator_pid != segment.server_pid {
        return Verdict::Stranger {
            why: format!(
                "a chat segment created by pid {} but naming pid {} as its server",
                segment.creator_pid, segment.server_pid
            ),
        };
    }
    if process_exists(segment.server_pid) {
        return Verdict::Live {
            why: format!("pid {}, the segment's server, is alive", segment.server_pid),
        };
    }
    match found.semaphores {
        Some((_, Some(alive))) if alive > 0 => Verdict::Live {
            why: "the 'server alive' semaphore is raised, so its holder lives".into(),
        },
        Some((_, None)) => Verdict::Stranger {
            why: "a semaphore set that is not a chat room's".into(),
        },
        _ => Verdict::Stale,
    }
    // END EXERCISE 6.3
}
// ANCHOR_END: verdict

// ANCHOR: look
/// Looks under the room's three keys.
pub fn look(room: &Room) -> Result<Found> {
    let mut found = Found::default();
    // Opened handles own nothing: dropping them removes nothing.
    if let Ok(queue) = MessageQueue::open(room.queue_key()?) {
        found.queue = Some(queue.id());
    }
    if let Ok(segment) = Segment::open_any_size(room.segment_key()?) {
        let stat = segment.stat()?;
        let (mut is_chat_room, mut server_pid) = (false, 0);
        if stat.size == size_of::<SharedState>()
            && let Ok(state) = segment.attach()?.typed::<SharedState>()
        {
            let header = &state.header;
            is_chat_room = header.magic.load(Ordering::Acquire) == SHARED_MAGIC
                && header.version.load(Ordering::Relaxed) == LAYOUT_VERSION;
            if is_chat_room {
                server_pid = header.server_pid.load(Ordering::Relaxed);
            }
        }
        let facts = SegmentFacts {
            size: stat.size,
            creator_pid: stat.creator_pid,
            is_chat_room,
            server_pid,
        };
        found.segment = Some((segment.id(), facts));
    }
    if let Ok(set) = SemaphoreSet::open_as_is(room.semaphore_key()?) {
        found.semaphores = Some((set.id(), set.value(SERVER_ALIVE).ok()));
    }
    Ok(found)
}
// ANCHOR_END: look

// ANCHOR: take_over
/// Before a server creates the room's objects: removes those of a dead server (logging
/// their ids), or refuses to start if a live process or a stranger owns what is there.
/// The caller must hold the room's lock.
pub fn take_over(room: &Room) -> Result<()> {
    let found = look(room)?;
    match verdict(&found) {
        Verdict::Nothing => Ok(()),
        Verdict::Live { why } => Err(RoomError::LiveOwner {
            room: room.to_string(),
            why,
        }),
        Verdict::Stranger { why } => Err(RoomError::Stranger {
            room: room.to_string(),
            why,
        }),
        Verdict::Stale => {
            // The order a server removes its own: queue, semaphores, segment.
            if let Some(id) = found.queue {
                MessageQueue::open(room.queue_key()?)?.remove()?;
                info!("took over a dead server's message queue {id}: removed");
            }
            if let Some((id, _)) = found.semaphores {
                SemaphoreSet::open_as_is(room.semaphore_key()?)?.remove()?;
                info!("took over a dead server's semaphore set {id}: removed");
            }
            if let Some((id, facts)) = found.segment {
                Segment::open_any_size(room.segment_key()?)?.remove()?;
                info!(
                    "took over the shared-memory segment {id} of dead server pid {}: removed",
                    facts.server_pid
                );
            }
            Ok(())
        }
    }
}
// ANCHOR_END: take_over
