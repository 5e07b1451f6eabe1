//! `ipc-chat cleanup`: removes what a dead server left behind in a room, and nothing else.
//!
//! It takes the room's server lock first, so it cannot race a server that is starting,
//! and then applies step 6's takeover rules: a live server's objects and a stranger's are
//! refused and left alone.

use step04_chat::Room;
use step05_mmap_log::lock::ServerLock;
use step06_integrated_chat::takeover::{Verdict, look, take_over, verdict};

/// What `cleanup` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Cleaned {
    /// The room had no IPC objects.
    Nothing,
    /// It removed a dead server's objects (their ids, as `ipcs` shows them).
    Removed(Vec<String>),
}

// ANCHOR: cleanup
/// Removes the objects of the room's dead server; fails if a server runs there, or if
/// the objects under the room's keys are not a dead chat server's.
pub fn cleanup(room: &Room) -> anyhow::Result<Cleaned> {
    let _lock = ServerLock::acquire(room)?;
    let found = look(room)?;
    if verdict(&found) == Verdict::Nothing {
        return Ok(Cleaned::Nothing);
    }
    let mut removed = Vec::new();
    if let Some(id) = found.queue {
        removed.push(format!("message queue {id}"));
    }
    if let Some((id, _)) = found.semaphores {
        removed.push(format!("semaphore set {id}"));
    }
    if let Some((id, _)) = found.segment {
        removed.push(format!("shared-memory segment {id}"));
    }
    take_over(room)?;
    Ok(Cleaned::Removed(removed))
}
// ANCHOR_END: cleanup
