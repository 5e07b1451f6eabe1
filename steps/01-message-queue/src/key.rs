//! System V keys.
//!
//! Unrelated processes find the same kernel object by agreeing on a *key*, a 32-bit number.
//! `ftok(3)` derives one from a file that both can see and a one-byte project id, so that
//! one path can name several objects (a queue with id 1, a segment with id 2, ...).
//!
//! `ftok` only looks at the file's inode and device numbers, never at its name or
//! contents: two different paths can collide, and a file that is deleted and created again
//! gets a new inode and so a new key. See ftok(3), "NOTES".

use std::num::NonZeroU8;
use std::path::Path;

use crate::error::Result;

/// A System V IPC key, as returned by `ftok(3)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(libc::key_t);

impl Key {
    /// The private key: `IPC_PRIVATE` always makes a new object that only its creator
    /// (and its children) can find.
    pub const PRIVATE: Key = Key(libc::IPC_PRIVATE);

    // ANCHOR: from_path
    /// Makes the key of `path` for the project id `proj_id`, with `ftok(3)`.
    ///
    /// The file must exist: a missing path is reported as [`IpcError::KeyFile`] naming it.
    ///
    /// [`IpcError::KeyFile`]: crate::IpcError::KeyFile
    pub fn from_path(path: &Path, proj_id: NonZeroU8) -> Result<Key> {
        // EXERCISE 1.1 (15 points): Turn `path` and `proj_id` into a key with ftok(3).
        // HINT: ftok(3) takes a C string; a Rust `Path` is not one, and not every path can become one (std::ffi).
        // HINT: on failure ftok returns -1 and sets errno; `IpcError` has a variant for a key file, which names it.
        // BEGIN EXERCISE 1.1 (stub uses: path, proj_id)
        let _ = (path, proj_id); // silences "unused" until your code uses them
        todo!("exercise 1.1 is not done yet: Turn `path` and `proj_id` into a key with ftok(3).")
        // END EXERCISE 1.1
    }
    // ANCHOR_END: from_path

    /// The raw key, for passing to the `*get` calls.
    pub fn raw(self) -> libc::key_t {
        self.0
    }
}

impl std::fmt::Display for Key {
    /// Formats the key the way `ipcs` shows it: `0x` and eight hex digits.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#010x}", self.0)
    }
}
