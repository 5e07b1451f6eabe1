//! The memory layout `msgsnd(2)` and `msgrcv(2)` work on.
//!
//! The kernel expects a pointer to a C structure whose first field is a `long` (the message
//! type) followed directly by the payload:
//!
//! ```c
//! struct msgbuf {
//!     long mtype;     /* message type, must be > 0 */
//!     char mtext[];   /* payload, msgsz bytes */
//! };
//! ```
//!
//! Rust has no flexible array members, so [`MessageBuffer`] keeps the structure in a
//! `Vec<c_long>`: that gives the `long` its natural alignment, and the payload starts right
//! after it. The size passed to the calls counts the payload only, never the `mtype`.
//!
//! This course targets 64-bit Linux, where C's `long` is Rust's `i64`: the wrappers use
//! `i64` for message types and rely on `c_long` being the same type.

use std::mem::size_of;

use libc::{c_long, c_void};

/// Size in bytes of the `mtype` field at the front of the buffer.
const MTYPE_SIZE: usize = size_of::<c_long>();

// ANCHOR: buffer
/// A `struct msgbuf` with room for `capacity` payload bytes.
#[derive(Debug, Clone)]
pub struct MessageBuffer {
    /// The storage: one `c_long` for `mtype`, then enough words for the payload.
    words: Vec<c_long>,
    /// How many payload bytes fit after `mtype`.
    capacity: usize,
}
// ANCHOR_END: buffer

impl MessageBuffer {
    // ANCHOR: buffer_new
    /// An empty buffer with room for `capacity` payload bytes, ready for `msgrcv`.
    pub fn with_capacity(capacity: usize) -> Self {
        let words = 1 + capacity.div_ceil(MTYPE_SIZE);
        MessageBuffer {
            words: vec![0; words],
            capacity,
        }
    }

    /// A buffer holding `mtype` and a copy of `payload`, ready for `msgsnd`.
    pub fn for_send(mtype: c_long, payload: &[u8]) -> Self {
        let mut buffer = Self::with_capacity(payload.len());
        buffer.words[0] = mtype;
        buffer.payload_mut()[..payload.len()].copy_from_slice(payload);
        buffer
    }
    // ANCHOR_END: buffer_new

    /// The message type stored at the front.
    pub fn mtype(&self) -> c_long {
        self.words[0]
    }

    /// How many payload bytes the buffer can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The first `len` payload bytes (clamped to the capacity).
    pub fn payload(&self, len: usize) -> &[u8] {
        let len = len.min(self.capacity);
        // SAFETY: `words` owns at least MTYPE_SIZE + capacity initialised bytes (it was
        // allocated with 1 + ceil(capacity / MTYPE_SIZE) words, all zeroed or written), so
        // the `len <= capacity` bytes after the first word are in bounds. u8 has no
        // alignment or validity requirements, and the slice borrows `self`, so the memory
        // cannot be freed or written while it is alive.
        unsafe {
            let start = self.words.as_ptr().cast::<u8>().add(MTYPE_SIZE);
            std::slice::from_raw_parts(start, len)
        }
    }

    /// All payload bytes, writable.
    fn payload_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `payload`, the `capacity` bytes after the first word lie inside
        // the vector; the mutable borrow of `self` makes this the only view of them.
        unsafe {
            let start = self.words.as_mut_ptr().cast::<u8>().add(MTYPE_SIZE);
            std::slice::from_raw_parts_mut(start, self.capacity)
        }
    }

    /// A pointer to the structure, for `msgsnd`.
    pub fn as_ptr(&self) -> *const c_void {
        self.words.as_ptr().cast()
    }

    /// A writable pointer to the structure, for `msgrcv`.
    pub fn as_mut_ptr(&mut self) -> *mut c_void {
        self.words.as_mut_ptr().cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_follows_the_type() {
        let buffer = MessageBuffer::for_send(7, b"hello");
        assert_eq!(buffer.mtype(), 7);
        assert_eq!(buffer.payload(5), b"hello");
        assert_eq!(buffer.capacity(), 5);
    }

    #[test]
    fn empty_payload_is_allowed() {
        let buffer = MessageBuffer::for_send(1, b"");
        assert_eq!(buffer.payload(10), b"");
    }
}
