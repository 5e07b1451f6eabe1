//! The errors of the log file and of the room's single-server lock.

use std::io;
use std::path::PathBuf;

use nix::errno::Errno;

// ANCHOR: log_error
/// What can go wrong with a room's log file or its lock.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Another server holds the room's lock.
    #[error("room {room} already has a server, pid {pid}")]
    AlreadyServed {
        /// The room's directory.
        room: String,
        /// The pid the running server wrote into the lock file ("unknown" if unreadable).
        pid: String,
    },

    /// The file is not a chat log of this version: it is left exactly as it is.
    #[error("{path} is not a chat log ({why}); move it away to start a new history")]
    NotALog {
        /// The file.
        path: PathBuf,
        /// What is wrong with its header.
        why: String,
    },

    /// The file cannot grow because the file system is full. Nothing was written.
    #[error("{path} cannot grow to {size} bytes: the disk is full")]
    DiskFull {
        /// The file.
        path: PathBuf,
        /// The size it needed.
        size: u64,
    },

    /// Some other failure of a system call on a file.
    #[error("cannot {doing} {path}: {cause}")]
    Io {
        /// What we were doing: "open", "map", "grow", ...
        doing: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's answer: part of the message, and not a `source`, so that a
        /// printer of the whole chain (`{:#}`) does not repeat it.
        cause: io::Error,
    },

    /// Someone holds the log locked for longer than a reader ever should.
    #[error("{path} is locked by another process for more than {waited_s} s")]
    Busy {
        /// The file.
        path: PathBuf,
        /// How long we waited, in seconds.
        waited_s: u64,
    },

    /// An entry whose number does not follow the log's last one.
    #[error("entry {seq} does not follow the log's last entry ({expected} expected)")]
    OutOfSequence {
        /// The entry's number.
        seq: u64,
        /// The number the log expected.
        expected: u64,
    },
}
// ANCHOR_END: log_error

impl LogError {
    /// An [`LogError::Io`] from an `errno`.
    pub fn errno(doing: &'static str, path: impl Into<PathBuf>, errno: Errno) -> LogError {
        LogError::Io {
            doing,
            path: path.into(),
            cause: io::Error::from(errno),
        }
    }

    /// An [`LogError::Io`] from an `io::Error`.
    pub fn io(doing: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> LogError {
        let path = path.into();
        move |cause| LogError::Io { doing, path, cause }
    }
}

/// A result of this step.
pub type Result<T, E = LogError> = std::result::Result<T, E>;
