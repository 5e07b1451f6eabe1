//! A room: the directory whose path names all of a chat's IPC objects.
//!
//! The queue, the shared segment and the semaphore set are keyed with `ftok(room, 'Q')`,
//! `ftok(room, 'M')` and `ftok(room, 'S')`: everyone who names the same directory finds
//! the same objects, and different rooms never collide (unless ftok's inode bits do; see
//! step 1). The default room is per user, so two users on one machine do not meet by
//! accident.

use std::fs;
use std::num::NonZeroU8;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use step01_message_queue::Key;
use step03_protocol::routing::{QUEUE_PROJ, SEGMENT_PROJ, SEMAPHORE_PROJ};

use crate::error::{ChatError, Result};

/// A chat room, identified by its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// The directory.
    dir: PathBuf,
}

impl Room {
    /// The room in `dir`, or the default room when `dir` is `None`:
    /// `$XDG_RUNTIME_DIR/ipc-chat/lobby`, else `/tmp/ipc-chat-UID/lobby`.
    pub fn new(dir: Option<PathBuf>) -> Room {
        let dir = dir.unwrap_or_else(|| {
            let base = match std::env::var_os("XDG_RUNTIME_DIR") {
                Some(runtime) if !runtime.is_empty() => PathBuf::from(runtime).join("ipc-chat"),
                // SAFETY: getuid has no preconditions and cannot fail.
                _ => PathBuf::from(format!("/tmp/ipc-chat-{}", unsafe { libc::getuid() })),
            };
            base.join("lobby")
        });
        Room { dir }
    }

    /// The room's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates the directory (and its parents) if missing, readable by its owner only.
    pub fn create_dir(&self) -> Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|cause| ChatError::RoomDir {
                dir: self.dir.clone(),
                cause,
            })
    }

    /// The key of the room's message queue.
    pub fn queue_key(&self) -> Result<Key> {
        self.key(QUEUE_PROJ)
    }

    /// The key of the room's shared-memory segment.
    pub fn segment_key(&self) -> Result<Key> {
        self.key(SEGMENT_PROJ)
    }

    /// The key of the room's semaphore set.
    pub fn semaphore_key(&self) -> Result<Key> {
        self.key(SEMAPHORE_PROJ)
    }

    /// `ftok(room, proj)`, with an error that says the room does not exist.
    fn key(&self, proj: NonZeroU8) -> Result<Key> {
        Key::from_path(&self.dir, proj).map_err(|error| match error {
            error if error.is_not_found() => ChatError::NoRoom {
                dir: self.dir.clone(),
            },
            error => error.into(),
        })
    }
}

impl std::fmt::Display for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.dir.display())
    }
}
