//! One record of the log file: chapter 3's `RecordHeader`, then the name, the text and
//! zero padding to a multiple of 8 bytes, all little-endian.
//!
//! [`encode`] turns an entry into a record's bytes; [`check`] turns bytes found in a file
//! back into an entry, trusting none of them: every length is checked against the bytes
//! that are really there, and the CRC-32 covers everything after the `crc` field, the
//! lengths included, so a damaged record cannot pass for a good one by accident.

use std::fmt;
use std::mem::{offset_of, size_of};

use step03_protocol::layout::RecordHeader;
use step03_protocol::{NAME_MAX, TEXT_MAX};
use step04_chat::ring::Entry;

// ANCHOR: record_constants
/// Size of a record's fixed part, [`RecordHeader`].
pub const HEADER_LEN: usize = size_of::<RecordHeader>();
/// Where each field of a record starts (from step 3's `RecordHeader`).
pub const LEN: usize = offset_of!(RecordHeader, len);
/// Offset of the CRC-32.
pub const CRC: usize = offset_of!(RecordHeader, crc);
/// Offset of the sequence number: the CRC covers the record from here to its end.
pub const SEQ: usize = offset_of!(RecordHeader, seq);
/// Offset of the time, in milliseconds since the Unix epoch.
pub const TIME: usize = offset_of!(RecordHeader, time_ms);
/// Offset of the pid.
pub const PID: usize = offset_of!(RecordHeader, pid);
/// Offset of the [`EntryKind`](step03_protocol::layout::EntryKind) byte.
pub const KIND: usize = offset_of!(RecordHeader, kind);
/// Offset of the name's length.
pub const NAME_LEN: usize = offset_of!(RecordHeader, name_len);
/// Offset of the text's length.
pub const TEXT_LEN: usize = offset_of!(RecordHeader, text_len);
/// Every record's length is a multiple of this.
pub const ALIGN: usize = 8;
/// The longest record there can be: a header, the longest name and the longest text.
pub const MAX_LEN: usize = record_len(NAME_MAX, TEXT_MAX);
// ANCHOR_END: record_constants

/// The length of a record with a name and a text of these lengths, padding included.
pub const fn record_len(name_len: usize, text_len: usize) -> usize {
    (HEADER_LEN + name_len + text_len).div_ceil(ALIGN) * ALIGN
}

/// The `N` bytes at `at`, for `from_le_bytes` (the caller made sure they exist).
pub fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut value = [0; N];
    value.copy_from_slice(&bytes[at..at + N]);
    value
}

// ANCHOR: encode
/// The bytes of the record of `entry`, CRC included. The name and the text must fit
/// (at most `NAME_MAX` and `TEXT_MAX` bytes), as those of any entry the server accepted do.
pub fn encode(entry: &Entry) -> Vec<u8> {
    // EXERCISE 5.2 (15 points): Lay out the record of `entry` as chapter 3 draws it, and seal it with its CRC-32.
    // HINT: start from a buffer of zeros as long as the whole record (`record_len`): the padding is then already right.
    // HINT: the offsets of the fields are the constants above; multi-byte fields are little-endian (`to_le_bytes`).
    // HINT: the CRC covers everything after the crc field, so it can only be computed once every other byte is in place (crc32fast).
    // BEGIN EXERCISE 5.2 (stub uses: entry)
    let _ = entry; // silences "unused" until your code uses it
    todo!(
        "exercise 5.2 is not done yet: Lay out the record of `entry` as chapter 3 draws it, and seal it with its CRC-32."
    )
    // END EXERCISE 5.2
}
// ANCHOR_END: encode

// ANCHOR: damage
/// Why the bytes at some offset are not a good record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// Fewer bytes are left than a record header needs.
    Short {
        /// How many bytes are left.
        left: usize,
    },
    /// `len` is zero: nothing was written here, or a write never finished.
    Unwritten,
    /// `len` cannot be a record's: too small, too large, not a multiple of 8, or past
    /// the end of the file.
    BadLength {
        /// The length found.
        len: u32,
        /// How many bytes the file has from this record on.
        left: usize,
    },
    /// The CRC-32 stored does not match the bytes.
    BadChecksum {
        /// The CRC stored in the record.
        stored: u32,
        /// The CRC of its bytes.
        computed: u32,
    },
    /// The kind byte is not an [`EntryKind`](step03_protocol::layout::EntryKind).
    UnknownKind(u8),
    /// The name and text lengths do not add up to `len`, or exceed their limits.
    BadLengths {
        /// The name's length.
        name_len: u8,
        /// The text's length.
        text_len: u16,
        /// The record's length.
        len: u32,
    },
    /// The name is empty, or the name or the text is not UTF-8.
    BadText,
    /// The sequence number does not follow the previous record's.
    OutOfSequence {
        /// The number that should be there.
        expected: u64,
        /// The number that is.
        found: u64,
    },
}
// ANCHOR_END: damage

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Short { left } => write!(f, "{left} bytes, too few for a record"),
            Damage::Unwritten => write!(f, "a record whose length was never written"),
            Damage::BadLength { len, left } => {
                write!(f, "a record length of {len} with {left} bytes left")
            }
            Damage::BadChecksum { stored, computed } => write!(
                f,
                "a record whose checksum does not match (stored {stored:#010x}, computed {computed:#010x})"
            ),
            Damage::UnknownKind(kind) => write!(f, "a record of unknown kind {kind}"),
            Damage::BadLengths {
                name_len,
                text_len,
                len,
            } => write!(
                f,
                "a record whose name ({name_len}) and text ({text_len}) lengths do not fit its length {len}"
            ),
            Damage::BadText => write!(f, "a record whose name or text is not valid"),
            Damage::OutOfSequence { expected, found } => {
                write!(f, "record number {found} where {expected} should follow")
            }
        }
    }
}

// ANCHOR: check
/// The record at `pos` of `file`, checked: the entry and the record's length, or why the
/// bytes there are not a good record. `expected` is the number it must have (the previous
/// record's + 1), or `None` for the first record, which may have any number from 1 on.
pub fn check(file: &[u8], pos: usize, expected: Option<u64>) -> Result<(Entry, usize), Damage> {
    // EXERCISE 5.3 (25 points): Decide whether the bytes at `pos` are a good record, trusting none of them; return its entry and length.
    // HINT: chapter 3's flowchart "Reading the file" lists the checks; `Damage` has a case for each way to fail.
    // HINT: check that the bytes exist before you read them, and `len` before anything it covers: a slice out of bounds panics.
    // HINT: the checksum protects the other fields, so compare it before you believe them; then check each one anyway.
    // HINT: a name or text that is not UTF-8 cannot be shown as it was said (String::from_utf8 or std::str::from_utf8).
    // BEGIN EXERCISE 5.3 (stub uses: file, pos, expected)
    let _ = (file, pos, expected); // silences "unused" until your code uses them
    todo!(
        "exercise 5.3 is not done yet: Decide whether the bytes at `pos` are a good record, trusting none of them; return its entry and length."
    )
    // END EXERCISE 5.3
}
// ANCHOR_END: check

#[cfg(test)]
mod tests {
    use step03_protocol::layout::EntryKind;

    use super::*;

    fn entry(seq: u64, name: &str, text: &str) -> Entry {
        Entry {
            seq,
            time_ms: 1_700_000_000_000,
            pid: 42,
            kind: EntryKind::Chat,
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_record_is_8_byte_aligned_and_checks() {
        let bytes = encode(&entry(7, "alice", "hello"));
        assert_eq!(bytes.len(), 48);
        assert_eq!(check(&bytes, 0, None), Ok((entry(7, "alice", "hello"), 48)));
        assert_eq!(check(&bytes, 0, Some(7)).map(|(_, len)| len), Ok(48));
    }

    #[test]
    fn every_flipped_bit_is_noticed() {
        let good = encode(&entry(1, "bob", "a line that is long enough"));
        for bit in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(check(&bad, 0, Some(1)).is_err(), "bit {bit} went unnoticed");
        }
    }

    #[test]
    fn the_wrong_number_is_out_of_sequence() {
        let bytes = encode(&entry(5, "carol", "hi"));
        assert_eq!(
            check(&bytes, 0, Some(4)),
            Err(Damage::OutOfSequence {
                expected: 4,
                found: 5
            })
        );
        assert_eq!(
            check(&bytes[..20], 0, None),
            Err(Damage::Short { left: 20 })
        );
        assert_eq!(check(&[0; 64], 0, None), Err(Damage::Unwritten));
    }
}
