//! Copying bytes in and out of shared memory, one atomic byte at a time.
//!
//! Shared bytes are `[AtomicU8]`, never `[u8]` (see [`attached`](crate::attached) for
//! why). These two helpers copy a message in or out with relaxed byte operations: the
//! copies themselves are sound whatever other processes do, and whether a copy is *whole*
//! is decided by the protocol around it: a seqlock's sequence (the mailbox of this step),
//! a lock, or a slot's sequence number (the ring of step 4).

use crate::sync::{AtomicU8, Ordering};

// ANCHOR: bytes
/// Copies `bytes` into the start of `dest` with relaxed stores; the caller publishes
/// them. Bytes of `bytes` beyond `dest`'s length are not copied.
pub fn store_bytes(dest: &[AtomicU8], bytes: &[u8]) {
    for (cell, byte) in dest.iter().zip(bytes) {
        cell.store(*byte, Ordering::Relaxed);
    }
}

/// Copies the first `len` bytes of `src` out (at most all of them) with relaxed loads;
/// the caller checks that they were published.
pub fn load_bytes(src: &[AtomicU8], len: usize) -> Vec<u8> {
    src.iter()
        .take(len)
        .map(|cell| cell.load(Ordering::Relaxed))
        .collect()
}
// ANCHOR_END: bytes

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_in_and_out_gives_the_bytes_back() {
        let cells: Vec<AtomicU8> = (0..8).map(|_| AtomicU8::new(0)).collect();
        store_bytes(&cells, b"hello");
        assert_eq!(load_bytes(&cells, 5), b"hello");
    }

    #[test]
    fn copies_stop_at_the_end_of_the_shorter_side() {
        let cells: Vec<AtomicU8> = (0..3).map(|_| AtomicU8::new(0)).collect();
        store_bytes(&cells, b"hello");
        assert_eq!(load_bytes(&cells, 10), b"hel");
    }
}
