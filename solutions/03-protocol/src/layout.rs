//! The exact memory layouts shared between processes: the room's shared-memory state
//! (steps 4, 6, 7) and the records of the log file (step 5).
//!
//! Two processes can only share a structure if they agree on every byte of it, so each
//! type here is `#[repr(C)]` (fields in declaration order, C alignment rules) and its size
//! and field offsets are asserted at compile time: changing a field without updating the
//! documented layout (and the `LAYOUT_VERSION`) does not build.
//!
//! Everything in shared memory is an atomic, down to the bytes of a name: every process
//! only ever holds `&SharedState`, and writing through a shared reference is only sound
//! through atomics (or `UnsafeCell`). The semaphore of step 4 and the sequence protocol of
//! step 7 decide *what* a reader may rely on; atomics make sure that even a buggy or
//! hostile process writing at the same time cannot cause undefined behaviour in ours.
//!
//! The log file (step 5) is different: it is mapped read-only by readers and written by one
//! server holding a file lock, so its records are plain little-endian bytes, parsed and
//! checksummed rather than viewed in place.

use std::mem::{offset_of, size_of};
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU8, AtomicU16, AtomicU32, AtomicU64};

use step02_shared_memory::SharedSafe;

use crate::text::{NAME_MAX, TEXT_MAX};

// ANCHOR: layout_constants
/// Bumped whenever any layout in this module changes; stored in [`SharedHeader::version`].
pub const LAYOUT_VERSION: u32 = 1;

/// The first 8 bytes of a room's shared segment.
pub const SHARED_MAGIC: u64 = u64::from_le_bytes(*b"IPCCHAT\0");

/// How many clients can be online in one room (the presence table's size).
pub const MAX_CLIENTS: usize = 64;

/// How many recent entries the shared ring keeps.
pub const RING_CAPACITY: usize = 256;
// ANCHOR_END: layout_constants

// ANCHOR: entry_kind
/// What kind of line a log entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EntryKind {
    /// Someone said something.
    Chat = 1,
    /// Someone joined.
    Join = 2,
    /// Someone left.
    Leave = 3,
    /// Someone's client died without leaving (step 6).
    Lost = 4,
}
// ANCHOR_END: entry_kind

impl EntryKind {
    /// The kind of a stored byte.
    pub fn from_u8(byte: u8) -> Option<EntryKind> {
        Some(match byte {
            1 => EntryKind::Chat,
            2 => EntryKind::Join,
            3 => EntryKind::Leave,
            4 => EntryKind::Lost,
            _ => return None,
        })
    }
}

// ANCHOR: shared_header
/// The start of the room's shared segment: identification and the live counters.
#[repr(C)]
pub struct SharedHeader {
    /// [`SHARED_MAGIC`] once the server has initialised the segment.
    pub magic: AtomicU64,
    /// [`LAYOUT_VERSION`] of the server that made it.
    pub version: AtomicU32,
    /// The pid of the server that owns the room.
    pub server_pid: AtomicI32,
    /// The sequence number the next entry will get (entries are numbered from 1).
    pub next_seq: AtomicU64,
    /// Changed after every publication; readers wait on it with a futex (step 7).
    pub wake: AtomicU32,
    /// How many presence slots are in use (step 6).
    pub online: AtomicU32,
    /// When the server started, in milliseconds since the Unix epoch.
    pub started_ms: AtomicI64,
    /// Room for later fields without changing the offsets of the others.
    pub reserved: [AtomicU64; 3],
}
// ANCHOR_END: shared_header

// ANCHOR: presence_slot
/// One online client (step 6): a slot is free while `pid` is 0.
#[repr(C)]
pub struct PresenceSlot {
    /// The client's pid, or 0 for a free slot.
    pub pid: AtomicI32,
    /// Length of `name` in bytes.
    pub name_len: AtomicU8,
    /// Padding, kept zero.
    pub pad: [AtomicU8; 3],
    /// The name's bytes.
    pub name: [AtomicU8; NAME_MAX],
    /// When the client joined, in milliseconds since the Unix epoch.
    pub joined_ms: AtomicI64,
}
// ANCHOR_END: presence_slot

// ANCHOR: log_entry
/// One slot of the ring of recent lines.
#[repr(C)]
pub struct LogEntry {
    /// The entry's sequence number; 0 while the slot has never been written.
    pub seq: AtomicU64,
    /// When the server appended it, in milliseconds since the Unix epoch.
    pub time_ms: AtomicI64,
    /// The pid of the client it is about.
    pub pid: AtomicI32,
    /// An [`EntryKind`] byte.
    pub kind: AtomicU8,
    /// Length of `name` in bytes.
    pub name_len: AtomicU8,
    /// Length of `text` in bytes.
    pub text_len: AtomicU16,
    /// The sender's name.
    pub name: [AtomicU8; NAME_MAX],
    /// The text (UTF-8, validated before it was stored).
    pub text: [AtomicU8; TEXT_MAX],
}
// ANCHOR_END: log_entry

// ANCHOR: shared_state
/// The whole shared segment of a room.
#[repr(C)]
pub struct SharedState {
    /// Identification and counters.
    pub header: SharedHeader,
    /// Who is online (step 6).
    pub presence: [PresenceSlot; MAX_CLIENTS],
    /// The most recent [`RING_CAPACITY`] entries; entry `seq` lives in slot
    /// `(seq - 1) % RING_CAPACITY`.
    pub ring: [LogEntry; RING_CAPACITY],
}
// ANCHOR_END: shared_state

// SAFETY (all four): `#[repr(C)]` structs made only of fixed-width atomic integers and
// arrays of them (all `SharedSafe`), so every bit pattern is valid, every change is atomic,
// and there is no pointer, no `usize` and no `Drop`. Their layout is pinned by the
// assertions below.
unsafe impl SharedSafe for SharedHeader {}
// SAFETY: see above.
unsafe impl SharedSafe for PresenceSlot {}
// SAFETY: see above.
unsafe impl SharedSafe for LogEntry {}
// SAFETY: see above.
unsafe impl SharedSafe for SharedState {}

// ANCHOR: file_layout
/// The first 8 bytes of a log file.
pub const LOG_MAGIC: [u8; 8] = *b"IPCCHLOG";

/// The header at offset 0 of a log file (step 5), little-endian.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    /// [`LOG_MAGIC`].
    pub magic: [u8; 8],
    /// [`LAYOUT_VERSION`].
    pub version: u32,
    /// Size of this header in bytes: where the first record starts.
    pub header_size: u32,
    /// When the file was created, in milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// Zero; room for later fields.
    pub reserved: [u8; 40],
}

/// The fixed part of each record of a log file (step 5), little-endian. The name and the
/// text follow it, then zero padding to a multiple of 8 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Length of the whole record (this header, name, text, padding), a multiple of 8.
    pub len: u32,
    /// CRC-32 of the record's bytes after this field, padding included.
    pub crc: u32,
    /// The entry's sequence number.
    pub seq: u64,
    /// When it was appended, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The pid it is about.
    pub pid: i32,
    /// An [`EntryKind`] byte.
    pub kind: u8,
    /// Length of the name.
    pub name_len: u8,
    /// Length of the text.
    pub text_len: u16,
}
// ANCHOR_END: file_layout

// ANCHOR: layout_checks
// The documented layout, checked by the compiler.
const _: () = {
    assert!(size_of::<SharedHeader>() == 64);
    assert!(offset_of!(SharedHeader, next_seq) == 16);
    assert!(offset_of!(SharedHeader, wake) == 24);
    assert!(size_of::<PresenceSlot>() == 32);
    assert!(offset_of!(PresenceSlot, name) == 8);
    assert!(offset_of!(PresenceSlot, joined_ms) == 24);
    assert!(size_of::<LogEntry>() == 512);
    assert!(offset_of!(LogEntry, pid) == 16);
    assert!(offset_of!(LogEntry, name) == 24);
    assert!(offset_of!(LogEntry, text) == 40);
    assert!(offset_of!(SharedState, presence) == 64);
    assert!(offset_of!(SharedState, ring) == 64 + 32 * MAX_CLIENTS);
    assert!(size_of::<SharedState>() == 64 + 32 * MAX_CLIENTS + 512 * RING_CAPACITY);
    assert!(size_of::<FileHeader>() == 64);
    assert!(size_of::<RecordHeader>() == 32);
    assert!(offset_of!(RecordHeader, seq) == 8);
    assert!(offset_of!(RecordHeader, kind) == 28);
};
// ANCHOR_END: layout_checks

/// One row of [`layout_table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLayout {
    /// `Type.field`.
    pub field: &'static str,
    /// Offset in bytes from the start of the type.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
}

/// Every field of every layout, with offsets and sizes computed by the compiler: the
/// tables in the book are printed from this (`step03-codec layout`), never typed by hand.
pub fn layout_table() -> Vec<(&'static str, usize, Vec<FieldLayout>)> {
    macro_rules! fields {
        ($ty:ty: $($field:ident: $fty:ty),* $(,)?) => {
            (
                stringify!($ty),
                size_of::<$ty>(),
                vec![$(FieldLayout {
                    field: stringify!($field),
                    offset: offset_of!($ty, $field),
                    size: size_of::<$fty>(),
                }),*],
            )
        };
    }
    vec![
        fields!(SharedState:
            header: SharedHeader,
            presence: [PresenceSlot; MAX_CLIENTS],
            ring: [LogEntry; RING_CAPACITY]),
        fields!(SharedHeader:
            magic: AtomicU64, version: AtomicU32, server_pid: AtomicI32,
            next_seq: AtomicU64, wake: AtomicU32, online: AtomicU32,
            started_ms: AtomicI64, reserved: [AtomicU64; 3]),
        fields!(PresenceSlot:
            pid: AtomicI32, name_len: AtomicU8, pad: [AtomicU8; 3],
            name: [AtomicU8; NAME_MAX], joined_ms: AtomicI64),
        fields!(LogEntry:
            seq: AtomicU64, time_ms: AtomicI64, pid: AtomicI32, kind: AtomicU8,
            name_len: AtomicU8, text_len: AtomicU16, name: [AtomicU8; NAME_MAX],
            text: [AtomicU8; TEXT_MAX]),
        fields!(FileHeader:
            magic: [u8; 8], version: u32, header_size: u32, created_ms: i64,
            reserved: [u8; 40]),
        fields!(RecordHeader:
            len: u32, crc: u32, seq: u64, time_ms: i64, pid: i32, kind: u8,
            name_len: u8, text_len: u16),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_in_order_and_inside_their_type() {
        for (ty, size, fields) in layout_table() {
            let mut end = 0;
            for f in &fields {
                assert!(
                    f.offset >= end,
                    "{ty}.{} overlaps the field before it",
                    f.field
                );
                end = f.offset + f.size;
            }
            assert!(
                end <= size,
                "{ty}'s fields end at {end}, past its size {size}"
            );
        }
    }
}
