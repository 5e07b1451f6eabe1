//! The error type of the IPC wrappers.
//!
//! Every System V call reports failure the same way: it returns -1 and sets `errno`. The
//! wrappers turn that into [`IpcError::Sys`], which keeps the name of the call, so that a
//! message reads `msgsnd failed: Resource temporarily unavailable (os error 11)` instead of
//! a bare errno. A few failures that a caller may want to handle get variants of their own.

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
}

/// The result type of this crate.
pub type Result<T, E = IpcError> = std::result::Result<T, E>;

/// Calls `call_fn` until it stops failing with `EINTR`, and turns any other failure
/// (a return value of -1) into [`IpcError::Sys`] naming `call`.
///
/// A blocking call such as `msgrcv` returns early with `EINTR` when a signal arrives, and
/// on Linux even when the process is merely stopped and continued (signal(7), "Interruption
/// of system calls"): no data was exchanged, so the right answer is to call it again.
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
