//! Reading a log file: its header, then every record, with one function that trusts no
//! byte. The server runs it when it opens the log, and the `step05-log` reader whenever
//! it prints; neither ever believes a length it has not checked.

use std::mem::size_of;

use step03_protocol::layout::{FileHeader, LAYOUT_VERSION, LOG_MAGIC};
use step04_chat::ring::Entry;

use crate::record::Damage;

/// Size of the file's header: where the first record starts.
pub const FILE_HEADER_LEN: usize = size_of::<FileHeader>();

// ANCHOR: scan_types
/// What a scan of a log file found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every good record's entry, in file order (consecutive numbers).
    pub entries: Vec<Entry>,
    /// Where the good records end: the next record goes here.
    pub end: usize,
    /// What follows the good records, when it is not just zero bytes.
    pub dropped: Option<Dropped>,
}

/// Bytes after the last good record that are not zero: a torn or damaged record, and
/// anything after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Where they start (the end of the good records).
    pub offset: usize,
    /// How many there are, up to the last byte that is not zero.
    pub bytes: usize,
    /// Why the first of them is not a good record.
    pub why: Damage,
}
// ANCHOR_END: scan_types

impl Scan {
    /// The number the next entry must have: the last one's + 1, or 1 for an empty log.
    pub fn next_seq(&self) -> u64 {
        self.entries.last().map_or(1, |entry| entry.seq + 1)
    }

    /// The last `count` entries (all of them if there are fewer), oldest first.
    pub fn last(&self, count: usize) -> &[Entry] {
        &self.entries[self.entries.len().saturating_sub(count)..]
    }
}

// ANCHOR: header
/// The bytes of a new file's header.
pub fn header_bytes(created_ms: i64) -> [u8; FILE_HEADER_LEN] {
    let mut bytes = [0; FILE_HEADER_LEN];
    bytes[..8].copy_from_slice(&LOG_MAGIC);
    bytes[8..12].copy_from_slice(&LAYOUT_VERSION.to_le_bytes());
    bytes[12..16].copy_from_slice(&(FILE_HEADER_LEN as u32).to_le_bytes());
    bytes[16..24].copy_from_slice(&created_ms.to_le_bytes());
    bytes
}

/// Checks the file's header; the error says why the file is not a chat log we can read.
pub fn check_header(file: &[u8]) -> Result<(), String> {
    if file.len() < FILE_HEADER_LEN {
        return Err(format!(
            "it has {} bytes, fewer than the {FILE_HEADER_LEN} of a log's header",
            file.len()
        ));
    }
    if file[..8] != LOG_MAGIC {
        return Err("bad magic: it does not start with IPCCHLOG".into());
    }
    let word = |at: usize| u32::from_le_bytes([file[at], file[at + 1], file[at + 2], file[at + 3]]);
    let version = word(8);
    if version != LAYOUT_VERSION {
        return Err(format!(
            "version {version}; this program reads version {LAYOUT_VERSION}"
        ));
    }
    let header_size = word(12);
    if header_size as usize != FILE_HEADER_LEN {
        return Err(format!(
            "a header size of {header_size}, not {FILE_HEADER_LEN}"
        ));
    }
    Ok(())
}
// ANCHOR_END: header

// ANCHOR: scan
/// Reads a whole log file: its header, then records until the first one that is not
/// good. The end of the good records must be followed by zero bytes only (space that
/// growth reserved); anything else there is reported in [`Scan::dropped`]. Fails, saying
/// why, if the header is not a chat log's.
pub fn scan(file: &[u8]) -> Result<Scan, String> {
    // EXERCISE 5.4 (20 points): Walk the records from the end of the header with `record::check`, and say where the good ones end and what follows them.
    // HINT: a file that is not a chat log must be refused before anything else (`check_header`).
    // HINT: each good record tells you two things for the next one: where it starts and which number it must have.
    // HINT: "no record here" is a clean end only if every byte from there on is zero; otherwise those bytes are dropped.
    // HINT: count the dropped bytes up to the last byte that is not zero: the zeros after it are reserved space, not damage.
    // BEGIN EXERCISE 5.4 (stub uses: file)
    use crate::record;

    check_header(file)?;
    let mut scan = Scan {
        end: FILE_HEADER_LEN,
        ..Scan::default()
    };
    let why = loop {
        let expected = scan.entries.last().map(|entry| entry.seq + 1);
        match record::check(file, scan.end, expected) {
            Ok((entry, len)) => {
                scan.entries.push(entry);
                scan.end += len;
            }
            Err(why) => break why,
        }
    };
    let rest = &file[scan.end..];
    if let Some(last) = rest.iter().rposition(|&byte| byte != 0) {
        scan.dropped = Some(Dropped {
            offset: scan.end,
            bytes: last + 1,
            why,
        });
    }
    Ok(scan)
    // END EXERCISE 5.4
}
// ANCHOR_END: scan

#[cfg(test)]
mod tests {
    use step03_protocol::layout::EntryKind;

    use super::*;
    use crate::record::encode;

    fn file(texts: &[&str], first: u64) -> Vec<u8> {
        let mut bytes = header_bytes(0).to_vec();
        for (i, text) in texts.iter().enumerate() {
            bytes.extend(encode(&Entry {
                seq: first + i as u64,
                time_ms: 0,
                pid: 7,
                kind: EntryKind::Chat,
                name: "ann".into(),
                text: (*text).into(),
            }));
        }
        bytes
    }

    #[test]
    fn reserved_zeros_are_a_clean_end() {
        let mut bytes = file(&["one", "two"], 3);
        let end = bytes.len();
        bytes.resize(4096, 0);
        let scan = scan(&bytes).unwrap();
        assert_eq!((scan.entries.len(), scan.end, scan.next_seq()), (2, end, 5));
        assert_eq!(scan.dropped, None);
    }

    #[test]
    fn a_torn_tail_is_dropped_and_counted() {
        let mut bytes = file(&["one", "two"], 1);
        let end = bytes.len();
        let torn = file(&["three"], 3)[FILE_HEADER_LEN..].to_vec();
        // The body was written, the length not yet.
        bytes.extend([0; 4]);
        bytes.extend(&torn[4..]);
        bytes.resize(bytes.len() + 64, 0);
        let scan = scan(&bytes).unwrap();
        assert_eq!(scan.entries.len(), 2);
        let dropped = scan.dropped.unwrap();
        assert_eq!((dropped.offset, dropped.why), (end, Damage::Unwritten));
        assert_eq!(dropped.bytes, torn.len());
    }

    #[test]
    fn a_foreign_header_is_refused() {
        assert!(scan(b"hello").is_err());
        let mut bytes = file(&[], 1);
        bytes[8] = 9;
        assert!(scan(&bytes).unwrap_err().contains("version 9"));
    }
}
