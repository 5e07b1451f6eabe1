//! Reading the log from where we left off: the ring keeps only the newest entries, the
//! log keeps them all, so a reader that fell behind the ring (a stopped client, a busy
//! machine) takes what it missed from the log, and `ipc-chat log --follow` reads new
//! records as they come.
//!
//! The server writes an entry to the log *before* it publishes it in the ring, so every
//! entry a reader has seen announced (`header.next_seq`) is complete in the file. The
//! tail remembers the offset of the next record, so each read maps the file and checks
//! only the records it has not read yet (step 5's `record::check`, which trusts no byte).

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use step04_chat::ring::Entry;
use step05_mmap_log::error::{LogError, Result};
use step05_mmap_log::log::log_path;
use step05_mmap_log::reader::lock_shared;
use step05_mmap_log::record;
use step05_mmap_log::scan::{FILE_HEADER_LEN, check_header};

/// A reader of one log file that remembers how far it has read.
#[derive(Debug)]
pub struct LogTail {
    /// The log file.
    path: PathBuf,
    /// Where the next unread record starts.
    offset: usize,
    /// The number of the next unread record, once one has been read.
    next_seq: Option<u64>,
}

impl LogTail {
    /// A tail of the log of the room in `dir`, at its start.
    pub fn new(dir: &Path) -> LogTail {
        LogTail {
            path: log_path(dir),
            offset: FILE_HEADER_LEN,
            next_seq: None,
        }
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    // ANCHOR: read_new
    /// The complete records after the last one read, oldest first; at most `limit`.
    /// A record that is still being written (or damaged) ends the read: it is tried
    /// again next time.
    pub fn read_new(&mut self, limit: usize) -> Result<Vec<Entry>> {
        let locked = lock_shared(&self.path)?;
        let map = map(&locked, &self.path)?;
        check_header(&map).map_err(|why| LogError::NotALog {
            path: self.path.clone(),
            why,
        })?;
        let mut entries = Vec::new();
        while entries.len() < limit {
            match record::check(&map, self.offset, self.next_seq) {
                Ok((entry, len)) => {
                    self.offset += len;
                    self.next_seq = Some(entry.seq + 1);
                    entries.push(entry);
                }
                Err(_) => break,
            }
        }
        Ok(entries)
    }
    // ANCHOR_END: read_new

    /// The entries numbered `first..=last`, read from the log (the records before `first`
    /// are skipped). Fewer if the log does not have them all (yet).
    pub fn read_range(&mut self, first: u64, last: u64) -> Result<Vec<Entry>> {
        if self.next_seq.is_some_and(|next| next > first) {
            // We read past `first` already: start again from the top.
            *self = LogTail {
                path: self.path.clone(),
                offset: FILE_HEADER_LEN,
                next_seq: None,
            };
        }
        let mut wanted = Vec::new();
        while self.next_seq.is_none_or(|next| next <= last) {
            let batch = self.read_new(4096)?;
            if batch.is_empty() {
                break;
            }
            wanted.extend(
                batch
                    .into_iter()
                    .filter(|entry| (first..=last).contains(&entry.seq)),
            );
        }
        Ok(wanted)
    }
}

/// Maps the whole log read-only.
fn map(file: &File, path: &Path) -> Result<Mmap> {
    // SAFETY: read-only, and only while the caller holds a shared flock on the file, under
    // which the server never shrinks it (step 5's `reader`), so no page of the mapping can
    // disappear. Bytes past the last complete record may change while we look (the server
    // appends): every record is checked (length bounds, CRC) before anything is copied out.
    unsafe { Mmap::map(file) }.map_err(LogError::io("map", path))
}
