//! The error type of step 2: step 1's errors, and the ways shared memory adds to them.
//!
//! [`ShmError`] wraps [`IpcError`] (every failing system call, every key file) and adds the
//! cases that only exist once memory is shared: a segment of the wrong size, a type that
//! does not fit or is misaligned, a copy out of bounds, a message too long for its slot,
//! and a wait for another process that timed out. A `?` on a step 1 result turns its error
//! into a `ShmError` by itself (`#[from]`), and step 4's error wraps this one the same way.

use std::time::Duration;

use step01_message_queue::IpcError;

// ANCHOR: shm_error
/// What can go wrong with shared memory and the lock-free structures in it.
#[derive(Debug, thiserror::Error)]
pub enum ShmError {
    /// A system call or key file failed (step 1's error).
    #[error(transparent)]
    Ipc(#[from] IpcError),

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
    #[error("gave up after {waited:.1?} waiting for {what}")]
    TimedOut {
        /// What was awaited, e.g. "the writer to finish (the sequence stays odd)".
        what: String,
        /// How long we waited.
        waited: Duration,
    },
}
// ANCHOR_END: shm_error

impl ShmError {
    /// The errno behind this error, if it came from the kernel.
    pub fn errno(&self) -> Option<i32> {
        match self {
            ShmError::Ipc(error) => error.errno(),
            _ => None,
        }
    }

    /// Whether the key has no object (see [`IpcError::is_not_found`]).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ShmError::Ipc(error) if error.is_not_found())
    }

    /// Whether the key has an object already (see [`IpcError::is_already_exists`]).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, ShmError::Ipc(error) if error.is_already_exists())
    }

    /// Whether the object was removed (see [`IpcError::is_removed`]).
    pub fn is_removed(&self) -> bool {
        matches!(self, ShmError::Ipc(error) if error.is_removed())
    }

    /// Whether permissions refused the call (see [`IpcError::is_permission_denied`]).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, ShmError::Ipc(error) if error.is_permission_denied())
    }
}

/// The result type of this crate.
pub type Result<T, E = ShmError> = std::result::Result<T, E>;
