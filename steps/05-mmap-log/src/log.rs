//! The server's side of the log file: opening it (creating, checking and repairing it),
//! and appending records through a writable shared mapping.
//!
//! Only a holder of the room's [`ServerLock`] can open a [`LogFile`], so there is one
//! writer, and the records cannot interleave. A record is written body first and length
//! last, into bytes that are zero until then: a reader, or the next server after a crash,
//! sees either no record (`len` 0) or a whole one whose checksum it verifies.
//!
//! The file grows by doubling with `posix_fallocate`, which reserves the disk blocks, so
//! a full disk is an error *before* anything is written, not a `SIGBUS` when the server
//! stores into a page that has no block (which is what a file grown with `ftruncate`
//! alone would give). After growing, the file is mapped again.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use memmap2::{Mmap, MmapMut};
use nix::fcntl::{Flock, FlockArg};
use step02_shared_memory::Backoff;
use step03_protocol::{NAME_MAX, TEXT_MAX};
use step04_chat::format::now_ms;
use step04_chat::history::History;
use step04_chat::ring::Entry;

use crate::error::{LogError, Result};
use crate::lock::ServerLock;
use crate::scan::{self, Dropped, FILE_HEADER_LEN, Scan};

/// The log file's name in the room's directory.
pub const LOG_FILE: &str = "chat.log";
/// The size a new log file starts with: room for a few hundred lines.
pub const INITIAL_SIZE: u64 = 64 * 1024;
/// How long the server waits for readers to let go of the log before it repairs it.
const READERS_PATIENCE: Duration = Duration::from_secs(5);

// ANCHOR: log_file
/// The room's log file, open for appending by the room's only server.
#[derive(Debug)]
pub struct LogFile {
    /// Where it is.
    path: PathBuf,
    /// The open file.
    file: File,
    /// The whole file, mapped read-write and shared: stores land in the page cache.
    map: MmapMut,
    /// Where the next record goes: the end of the good records.
    end: usize,
    /// The number the next record must have.
    next_seq: u64,
    /// The room's lock, held for as long as the log is open for writing.
    _lock: ServerLock,
}
// ANCHOR_END: log_file

/// A log file just opened, with what was in it.
#[derive(Debug)]
pub struct Opened {
    /// The log, ready for appending.
    pub log: LogFile,
    /// What the scan found (its `entries` are the history).
    pub scan: Scan,
    /// Whether the file was created just now.
    pub created: bool,
}

/// The path of the log of the room in `dir`.
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join(LOG_FILE)
}

// ANCHOR: map_mut
/// Maps `file` (all of it) read-write.
fn map_mut(file: &File, path: &Path) -> Result<MmapMut> {
    // SAFETY: the mapping is shared with the file, so the memory changes if the file does.
    // Only the holder of the room's lock writes the file, and this process holds it; the
    // file is never shrunk while mapped (the server truncates before mapping). Another
    // process of the same user could still truncate it (the threat model trusts them).
    unsafe { MmapMut::map_mut(file) }.map_err(LogError::io("map", path))
}
// ANCHOR_END: map_mut

impl LogFile {
    // ANCHOR: open
    /// Opens the log of the room that `lock` guards, creating it if missing. A file that
    /// is not a chat log is refused and left untouched; a torn or damaged tail is cut off
    /// (readers are waited for first), and [`Opened::scan`] says what was dropped.
    pub fn open(lock: ServerLock) -> Result<Opened> {
        let path = log_path(lock.dir());
        let created = !path.exists();
        if created {
            create(&path)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(LogError::io("open", &path))?;
        let scan = scan_file(&file, &path)?;
        if scan.dropped.is_some() {
            truncate(&file, &path, scan.end as u64)?;
        }
        let map = map_mut(&file, &path)?;
        let log = LogFile {
            path,
            file,
            map,
            end: scan.end,
            next_seq: scan.next_seq(),
            _lock: lock,
        };
        Ok(Opened { log, scan, created })
    }
    // ANCHOR_END: open

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number the next record must have.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    // ANCHOR: append
    /// Appends the record of `entry`, which must be the next number. Grows the file when
    /// the record does not fit; fails with [`LogError::DiskFull`], having written
    /// nothing, when the file system has no room for it.
    pub fn append(&mut self, entry: &Entry) -> Result<()> {
        if entry.seq != self.next_seq {
            return Err(LogError::OutOfSequence {
                seq: entry.seq,
                expected: self.next_seq,
            });
        }
        // EXERCISE 5.5 (25 points): Append the record of `entry` at the end of the good records, growing the file first if it does not fit.
        // HINT: growing: double the size (or more, if one record needs more) with posix_fallocate(3), then map the file again. Why not ftruncate(2)?
        // HINT: a full disk is ENOSPC, and the server must say so (`LogError::DiskFull`); maybe a smaller growth still fits.
        // HINT: order the stores so that a crash at any moment leaves either no record or a whole one: which 4 bytes go last? (std::sync::atomic::fence)
        // HINT: keep `end` and `next_seq` true for the next append.
        // BEGIN EXERCISE 5.5 (stub uses: self, entry)
        let _ = (self, entry); // silences "unused" until your code uses them
        todo!(
            "exercise 5.5 is not done yet: Append the record of `entry` at the end of the good records, growing the file first if it does not fit."
        )
        // END EXERCISE 5.5
    }
    // ANCHOR_END: append

    // ANCHOR: sync
    /// Writes every page stored so far to the disk (`msync(MS_SYNC)`), and the file's
    /// size and blocks, which growth changed (`fsync`).
    pub fn sync(&self) -> Result<()> {
        // Only the records can hold stores; the reserved zeros after them were never touched.
        self.map
            .flush_range(0, self.end)
            .map_err(LogError::io("msync", &self.path))?;
        self.file
            .sync_all()
            .map_err(LogError::io("fsync", &self.path))
    }
    // ANCHOR_END: sync
}

// ANCHOR: keep
impl History for LogFile {
    type Error = LogError;

    fn keep(&mut self, entry: &Entry) -> Result<()> {
        // Every entry the server makes has a valid name and text; this only guards the
        // record format against a caller that breaks the rule.
        if entry.name.is_empty() || entry.name.len() > NAME_MAX || entry.text.len() > TEXT_MAX {
            return Err(LogError::Io {
                doing: "append to",
                path: self.path.clone(),
                cause: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a name or text that breaks step 3's limits",
                ),
            });
        }
        self.append(entry)
    }

    fn sync(&mut self) -> Result<()> {
        LogFile::sync(self)
    }
}
// ANCHOR_END: keep

// ANCHOR: create
/// Creates a new, empty log at `path`: the header and [`INITIAL_SIZE`] reserved bytes,
/// written to a temporary file and renamed into place, so that a crash half-way never
/// leaves a file without a header (which the next server would refuse).
fn create(path: &Path) -> Result<()> {
    let temporary = path.with_extension("log.new");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(LogError::io("create", &temporary))?;
    file.write_all(&scan::header_bytes(now_ms()))
        .map_err(LogError::io("write", &temporary))?;
    match nix::fcntl::posix_fallocate(&file, 0, INITIAL_SIZE as i64) {
        Ok(()) => {}
        Err(nix::errno::Errno::ENOSPC) => {
            let _ = fs::remove_file(&temporary);
            return Err(LogError::DiskFull {
                path: path.to_owned(),
                size: INITIAL_SIZE,
            });
        }
        Err(errno) => return Err(LogError::errno("grow", &temporary, errno)),
    }
    file.sync_all().map_err(LogError::io("sync", &temporary))?;
    fs::rename(&temporary, path).map_err(LogError::io("rename", &temporary))?;
    Ok(())
}
// ANCHOR_END: create

// ANCHOR: scan_file
/// Scans an open log file through a read-only mapping that lives only during the scan.
pub fn scan_file(file: &File, path: &Path) -> Result<Scan> {
    let len = file.metadata().map_err(LogError::io("stat", path))?.len();
    if len < FILE_HEADER_LEN as u64 {
        return Err(LogError::NotALog {
            path: path.to_owned(),
            why: format!("it has {len} bytes, fewer than the {FILE_HEADER_LEN} of a log's header"),
        });
    }
    // SAFETY: the mapping is read-only and dropped at the end of this function. The file
    // only shrinks under an exclusive flock on it (`truncate` below); the server holds the
    // room's lock, and a reader holds a shared flock on the file while it maps it, so no
    // page of the mapping can disappear (SIGBUS). The server may append while a reader
    // scans: those bytes can change under the reader's slice, a race with another process
    // that Rust's memory model does not describe. The scan therefore trusts no byte, checks
    // every record's crc, and copies what it accepts; a record caught half-written fails
    // its check and ends the scan.
    let map = unsafe { Mmap::map(file) }.map_err(LogError::io("map", path))?;
    scan::scan(&map).map_err(|why| LogError::NotALog {
        path: path.to_owned(),
        why,
    })
}
// ANCHOR_END: scan_file

// ANCHOR: truncate
/// Cuts the file down to `len` bytes, once no reader has it mapped, then reserves its old
/// size again, as zeros: readers hold a shared flock on the log while they map it, and
/// this takes the exclusive one, so no reader can touch a page that is about to
/// disappear (which would be `SIGBUS`).
fn truncate(file: &File, path: &Path, len: u64) -> Result<()> {
    let mut backoff = Backoff::new(READERS_PATIENCE);
    let locked = loop {
        let handle = file.try_clone().map_err(LogError::io("open", path))?;
        match Flock::lock(handle, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => break locked,
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                backoff.wait(String::new).map_err(|_| LogError::Busy {
                    path: path.to_owned(),
                    waited_s: READERS_PATIENCE.as_secs(),
                })?
            }
            Err((_, errno)) => return Err(LogError::errno("lock", path, errno)),
        }
    };
    let size = locked.metadata().map_err(LogError::io("stat", path))?.len();
    locked
        .set_len(len)
        .map_err(LogError::io("truncate", path))?;
    // The dropped bytes are gone; the space they held stays reserved, as zeros, so that the
    // file keeps the size its growth gave it. (If the disk cannot give it back, the next
    // append grows the file as usual.)
    let _ = nix::fcntl::posix_fallocate(&*locked, 0, size as i64);
    locked
        .unlock()
        .map_err(|(_, errno)| LogError::errno("unlock", path, errno))?;
    Ok(())
}
// ANCHOR_END: truncate

/// The warning for what a scan dropped, as the server logs it.
pub fn dropped_warning(path: &Path, dropped: &Dropped, kept: usize) -> String {
    format!(
        "{}: dropped {} bytes at offset {} ({}); kept the {} before them",
        path.display(),
        dropped.bytes,
        dropped.offset,
        dropped.why,
        records(kept)
    )
}

/// "1 record", "2 records".
pub fn records(count: usize) -> String {
    if count == 1 {
        "1 record".into()
    } else {
        format!("{count} records")
    }
}
