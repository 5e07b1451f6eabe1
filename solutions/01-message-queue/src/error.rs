//! The error type of the IPC wrappers.
//!
//! Every System V call reports failure the same way: it returns -1 and sets `errno`. The
//! wrappers turn that into [`IpcError::Sys`], which keeps the name of the call, so that a
//! message reads `msgsnd failed: Resource temporarily unavailable (os error 11)` instead of
//! a bare errno. A few failures that a caller may want to handle get variants of their own.
//!
//! The later steps of the course use the same type (step 2 adds the variants of shared
//! memory), so a program built on several steps matches on one error enum. A larger
//! library might give each module its own error type; one is easier to learn from.

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

    // The variants below serve shared memory (step 2 on): one error type for every
    // System V wrapper of the course, so that later steps can match on all of them.
    /// An existing segment whose size is not the one the caller expects: the key is
    /// probably used by another program, or by another version of this one.
    #[error(
        "the segment is {actual} bytes but {expected} bytes were expected \
         (is this key used by another program? --proj-id picks another key)"
    )]
    SizeMismatch {
        /// The size the caller's layout needs.
        expected: usize,
        /// The segment's real size, from `shmctl(IPC_STAT)`.
        actual: usize,
    },

    /// A type that does not fit in the bytes it would be placed over.
    #[error("a {type_name} needs {needed} bytes but only {available} bytes are there")]
    DoesNotFit {
        /// The type's name, as `std::any::type_name` gives it.
        type_name: &'static str,
        /// `size_of` the type.
        needed: usize,
        /// The bytes available (for example the segment's size).
        available: usize,
    },

    /// An address that is not a multiple of a type's alignment.
    #[error("a {type_name} must be {align}-byte aligned, but address {addr:#x} is not")]
    Misaligned {
        /// The type's name.
        type_name: &'static str,
        /// `align_of` the type.
        align: usize,
        /// The address it would be placed at.
        addr: usize,
    },

    /// A byte range that does not lie inside a segment.
    #[error("bytes {offset}..{end} are outside the segment of {size} bytes", end = .offset + .len)]
    OutOfBounds {
        /// Where the range starts.
        offset: usize,
        /// How many bytes it covers.
        len: usize,
        /// The segment's size.
        size: usize,
    },

    /// A message longer than the space a shared structure has for it.
    #[error("a message of {len} bytes does not fit in the {capacity} bytes available")]
    MessageTooLong {
        /// The message's length in bytes.
        len: usize,
        /// The largest message that fits.
        capacity: usize,
    },

    /// Waiting for other processes took longer than a deadline; `what` says for what.
    #[error("gave up after {waited:?} waiting for {what}")]
    TimedOut {
        /// What was awaited, e.g. "the writer to finish (the sequence stays odd)".
        what: String,
        /// How long we waited.
        waited: std::time::Duration,
    },
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
