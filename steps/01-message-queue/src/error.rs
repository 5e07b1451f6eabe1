//! The error type of the IPC wrappers.
//!
//! Every System V call reports failure the same way: it returns -1 and sets `errno`. The
//! wrappers turn that into [`IpcError::Sys`], which keeps the name of the call, so that a
//! message reads `msgsnd failed: Resource temporarily unavailable (os error 11)` instead of
//! a bare errno. A few failures that a caller may want to handle get variants of their own.
//!
//! This error holds step 1's cases only. A later step that can fail in new ways has an
//! error type of its own that wraps this one (step 2's `ShmError` has a variant
//! `Ipc(IpcError)`), so errors compose upward, layer by layer, and a caller asks the
//! question it cares about ([`IpcError::is_not_found`], [`IpcError::is_already_exists`])
//! instead of comparing errno values by hand.

use std::io;
use std::path::PathBuf;

/// What can go wrong when talking to System V IPC.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    /// The path given to `ftok` does not exist or cannot be inspected.
    #[error("key file {path} is not usable: {cause}")]
    KeyFile {
        /// The path that was given.
        path: PathBuf,
        /// Why `ftok` refused it (usually "No such file or directory").
        cause: io::Error,
    },

    /// A system call failed; `call` names it and `cause` carries errno.
    #[error("{call} failed: {cause}")]
    Sys {
        /// The name of the failing call, e.g. `"msgget"`.
        call: &'static str,
        /// The error as reported by the kernel. (Part of the message rather than a
        /// `source()`, so that printing the error chain does not say it twice.)
        cause: io::Error,
    },

    /// A payload larger than the kernel accepts in one message (`msgmax`).
    #[error("message of {len} bytes is larger than the limit of {max} bytes (msgmax)")]
    TooLarge {
        /// The payload's length in bytes.
        len: usize,
        /// The largest payload the kernel accepts.
        max: usize,
    },

    /// A message type that is not positive: `msgsnd` requires `mtype > 0`.
    #[error("message type must be positive, got {0}")]
    InvalidType(i64),
}

impl IpcError {
    /// Wraps the current `errno` as the failure of `call`.
    pub fn last_os_error(call: &'static str) -> Self {
        IpcError::Sys {
            call,
            cause: io::Error::last_os_error(),
        }
    }

    /// The errno behind this error, if it came from the kernel.
    pub fn errno(&self) -> Option<i32> {
        match self {
            IpcError::Sys { cause, .. } | IpcError::KeyFile { cause, .. } => cause.raw_os_error(),
            _ => None,
        }
    }

    // ANCHOR: questions
    /// Whether a `*get` call found that the key has an object already (`EEXIST`): what
    /// creating exclusively reports.
    pub fn is_already_exists(&self) -> bool {
        self.errno() == Some(libc::EEXIST)
    }

    /// Whether a `*get` call found no object for the key (`ENOENT`), or `ftok` no file.
    pub fn is_not_found(&self) -> bool {
        self.errno() == Some(libc::ENOENT)
    }

    /// Whether the object was removed: while we waited on it (`EIDRM`), or before we
    /// used its id (`EINVAL`: the kernel knows no object of that id any more).
    pub fn is_removed(&self) -> bool {
        matches!(self.errno(), Some(libc::EIDRM | libc::EINVAL))
    }

    /// Whether the object's permissions do not let us do this (`EACCES`, `EPERM`).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self.errno(), Some(libc::EACCES | libc::EPERM))
    }
    // ANCHOR_END: questions
}

/// The result type of this crate.
pub type Result<T, E = IpcError> = std::result::Result<T, E>;

/// Calls `call_fn` until it stops failing with `EINTR`, and turns any other failure
/// (a return value of -1) into [`IpcError::Sys`] naming `call`.
///
/// A blocking call such as `msgrcv` returns early with `EINTR` when a signal handler runs
/// while it waits. System V IPC calls are never restarted automatically, not even with
/// `SA_RESTART` (signal(7), "Interruption of system calls and library functions by signal
/// handlers"). No data was exchanged, so the right answer is to call it again.
pub fn retry_on_eintr<T>(call: &'static str, mut call_fn: impl FnMut() -> T) -> Result<T>
where
    T: Copy + PartialEq + From<i8>,
{
    loop {
        let ret = call_fn();
        if ret != T::from(-1) {
            return Ok(ret);
        }
        let cause = io::Error::last_os_error();
        if cause.kind() != io::ErrorKind::Interrupted {
            return Err(IpcError::Sys { call, cause });
        }
    }
}
