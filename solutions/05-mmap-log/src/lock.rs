//! The room's single-server lock: `flock(LOCK_EX | LOCK_NB)` on `ROOM/server.lock`.
//!
//! Only the process holding it may write the room's log (and, from step 6, take over
//! the objects a dead server left). `flock` locks belong to the open file description, and
//! the kernel drops them when the last descriptor of it closes, which happens however the
//! process ends, `SIGKILL` included: a crash never leaves a stale lock behind. The holder
//! writes its pid into the file so that a second server can say whom it lost to; the pid
//! is only information, never the lock itself.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use nix::fcntl::Flock;
use step04_chat::Room;

use crate::error::Result;

/// The lock file's name in the room's directory.
pub const LOCK_FILE: &str = "server.lock";

// ANCHOR: server_lock
/// Proof that this process is the room's only server, for as long as it lives.
#[derive(Debug)]
pub struct ServerLock {
    /// The locked lock file, held and never read: dropping it releases the lock.
    _lock: Flock<File>,
    /// The room's directory.
    dir: PathBuf,
}
// ANCHOR_END: server_lock

impl ServerLock {
    // ANCHOR: acquire
    /// Becomes the room's only server, or fails with [`LogError::AlreadyServed`] naming
    /// the pid of the one that is, without waiting and without changing anything.
    pub fn acquire(room: &Room) -> Result<ServerLock> {
        // EXERCISE 5.1 (15 points): Lock ROOM/server.lock without waiting, then write your pid into it.
        // HINT: flock(2): an exclusive lock, and a flag that makes it fail at once instead of waiting. nix wraps it as `Flock`.
        // HINT: think about what opening the file may change before you know whether you are allowed to (open(2), O_TRUNC).
        // HINT: when someone else holds it, the error names them: their pid is in the file. Trust nothing you read there.
        // BEGIN EXERCISE 5.1 (stub uses: room)
        use nix::errno::Errno;
        use nix::fcntl::FlockArg;
        use std::fs::OpenOptions;
        use std::os::unix::fs::{FileExt, OpenOptionsExt};

        use crate::error::LogError;

        let path = room.dir().join(LOCK_FILE);
        // Not truncated on open: until we hold the lock, the pid in it is the other server's.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(LogError::io("open", &path))?;
        let file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => locked,
            Err((file, Errno::EWOULDBLOCK)) => {
                return Err(LogError::AlreadyServed {
                    room: room.to_string(),
                    pid: read_pid(file),
                });
            }
            Err((_, errno)) => return Err(LogError::errno("lock", &path, errno)),
        };
        let pid = format!("{}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.write_all_at(pid.as_bytes(), 0))
            .map_err(LogError::io("write", &path))?;
        Ok(ServerLock {
            _lock: file,
            dir: room.dir().to_owned(),
        })
        // END EXERCISE 5.1
    }
    // ANCHOR_END: acquire

    /// The directory of the room this lock guards.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The pid another server wrote into the lock file, or "unknown": whatever is in the file
/// is shown only if it is a number.
pub fn read_pid(mut file: impl Read) -> String {
    let mut text = String::new();
    let read = (&mut file).take(32).read_to_string(&mut text);
    match read.ok().and_then(|_| text.trim().parse::<i32>().ok()) {
        Some(pid) => pid.to_string(),
        None => "unknown".into(),
    }
}
