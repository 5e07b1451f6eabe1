//! The grader's own reading and writing of chapter 3's log format, independent of the
//! step's code: a strict parser for the files the server writes, and a writer for the
//! damaged and foreign files the tests hand to the server and the reader.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::common::{keys, le};
use crate::harness::{Sandbox, ipc};

/// `IPCCHLOG`.
pub const MAGIC: &[u8; 8] = b"IPCCHLOG";
/// The file header's size: where the first record starts.
pub const HEADER: usize = 64;
/// A record header's size.
pub const RECORD_HEADER: usize = 32;
/// The size of a new log file.
pub const INITIAL_SIZE: u64 = 64 * 1024;
/// The entry kinds' bytes.
pub const CHAT: u8 = 1;
/// A join.
pub const JOIN: u8 = 2;
/// A leave.
pub const LEAVE: u8 = 3;

/// One record, as the grader read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where it starts in the file.
    pub offset: usize,
    /// Its `len`.
    pub len: usize,
    /// Its number.
    pub seq: u64,
    /// Its time.
    pub time_ms: i64,
    /// Its pid.
    pub pid: i32,
    /// Its kind byte.
    pub kind: u8,
    /// The name.
    pub name: String,
    /// The text.
    pub text: String,
}

impl Record {
    /// The record as a client shows it, without the time: `<alice> hi`, `* alice joined`.
    pub fn shown(&self) -> String {
        match self.kind {
            CHAT => format!("<{}> {}", self.name, self.text),
            JOIN => format!("* {} joined", self.name),
            LEAVE => format!("* {} left", self.name),
            _ => format!("* {} was disconnected", self.name),
        }
    }
}

/// A log file as the grader read it.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The file's size.
    pub size: usize,
    /// `created_ms` from the header.
    pub created_ms: i64,
    /// Every record that checks, in order.
    pub records: Vec<Record>,
    /// Where they end.
    pub end: usize,
    /// What is wrong after them (`None` if only zeros follow).
    pub tail: Option<String>,
}

impl Parsed {
    /// The records as clients show them.
    pub fn shown(&self) -> Vec<String> {
        self.records.iter().map(Record::shown).collect()
    }

    /// The chat lines (`<name> text`).
    pub fn chat(&self) -> Vec<String> {
        self.records
            .iter()
            .filter(|r| r.kind == CHAT)
            .map(Record::shown)
            .collect()
    }

    /// Fails unless the file is clean: nothing but zeros after the records.
    pub fn clean(&self) -> Result<&Parsed> {
        if let Some(tail) = &self.tail {
            bail!(
                "the log is not clean after its {} good records (offset {}): {tail}. (The \
                 server writes records with exercise 5.2's encode and 5.5's append: look there \
                 first, whichever test this is.)",
                self.records.len(),
                self.end
            );
        }
        Ok(self)
    }
}

/// The record length for a name and a text of these sizes.
pub fn record_len(name: usize, text: usize) -> usize {
    (RECORD_HEADER + name + text).div_ceil(8) * 8
}

/// Reads the log file at `bytes` strictly: the header must be chapter 3's; records are
/// read while they check; whatever follows is described in `tail`.
pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    ensure!(
        bytes.len() >= HEADER,
        "the log has {} bytes, less than its 64-byte header",
        bytes.len()
    );
    ensure!(
        &bytes[..8] == MAGIC,
        "the log should start with the magic IPCCHLOG, it starts with {:?}",
        String::from_utf8_lossy(&bytes[..8])
    );
    ensure!(
        le::<4>(bytes, 8) == 1,
        "the header's version should be 1, it is {}",
        le::<4>(bytes, 8)
    );
    ensure!(
        le::<4>(bytes, 12) == HEADER as u64,
        "the header's header_size should be 64, it is {}",
        le::<4>(bytes, 12)
    );
    ensure!(
        bytes[24..HEADER].iter().all(|&b| b == 0),
        "the header's reserved bytes (24 to 63) should be zero"
    );
    let mut parsed = Parsed {
        size: bytes.len(),
        created_ms: le::<8>(bytes, 16) as i64,
        records: Vec::new(),
        end: HEADER,
        tail: None,
    };
    loop {
        let at = parsed.end;
        match record_at(bytes, at, parsed.records.last().map(|r| r.seq + 1)) {
            Ok(Some(record)) => {
                parsed.end += record.len;
                parsed.records.push(record);
            }
            Ok(None) => {
                if let Some(last) = bytes[at..].iter().rposition(|&b| b != 0) {
                    parsed.tail = Some(format!(
                        "{} bytes that are not zero follow, but there is no record length at {at}",
                        last + 1
                    ));
                }
                return Ok(parsed);
            }
            Err(why) => {
                parsed.tail = Some(format!("at offset {at}: {why}"));
                return Ok(parsed);
            }
        }
    }
}

/// The record at `at`, `None` where `len` is 0 (or no header fits), or what is wrong.
fn record_at(bytes: &[u8], at: usize, expected: Option<u64>) -> Result<Option<Record>, String> {
    if bytes.len() - at < RECORD_HEADER {
        return Ok(None);
    }
    let len = le::<4>(bytes, at) as usize;
    if len == 0 {
        return Ok(None);
    }
    if len < RECORD_HEADER || !len.is_multiple_of(8) || at + len > bytes.len() {
        return Err(format!("a record length of {len}"));
    }
    let record = &bytes[at..at + len];
    let crc = le::<4>(record, 4) as u32;
    let computed = crc32fast::hash(&record[8..]);
    if crc != computed {
        return Err(format!(
            "the stored crc {crc:#010x} is not the CRC-32 of the record's bytes after the crc field ({computed:#010x})"
        ));
    }
    let (kind, name_len, text_len) = (
        record[28],
        record[29] as usize,
        le::<2>(record, 30) as usize,
    );
    if !(1..=4).contains(&kind) {
        return Err(format!("kind {kind}"));
    }
    if record_len(name_len, text_len) != len {
        return Err(format!(
            "name_len {name_len} and text_len {text_len} make a record of {} bytes, not {len}",
            record_len(name_len, text_len)
        ));
    }
    if record[RECORD_HEADER + name_len + text_len..]
        .iter()
        .any(|&b| b != 0)
    {
        return Err("padding that is not zero".into());
    }
    let seq = le::<8>(record, 8);
    if let Some(expected) = expected
        && seq != expected
    {
        return Err(format!("seq {seq} where {expected} should follow"));
    }
    let text = |range: std::ops::Range<usize>| {
        String::from_utf8(record[range].to_vec())
            .map_err(|_| "a name or text that is not UTF-8".to_string())
    };
    Ok(Some(Record {
        offset: at,
        len,
        seq,
        time_ms: le::<8>(record, 16) as i64,
        pid: le::<4>(record, 24) as u32 as i32,
        kind,
        name: text(RECORD_HEADER..RECORD_HEADER + name_len)?,
        text: text(RECORD_HEADER + name_len..RECORD_HEADER + name_len + text_len)?,
    }))
}

/// The bytes of a file header made by the grader.
pub fn header(created_ms: i64) -> Vec<u8> {
    let mut bytes = vec![0u8; HEADER];
    bytes[..8].copy_from_slice(MAGIC);
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    bytes[12..16].copy_from_slice(&(HEADER as u32).to_le_bytes());
    bytes[16..24].copy_from_slice(&created_ms.to_le_bytes());
    bytes
}

/// A record made by the grader.
pub fn record(seq: u64, time_ms: i64, pid: i32, kind: u8, name: &str, text: &str) -> Vec<u8> {
    let len = record_len(name.len(), text.len());
    let mut bytes = vec![0u8; len];
    bytes[0..4].copy_from_slice(&(len as u32).to_le_bytes());
    bytes[8..16].copy_from_slice(&seq.to_le_bytes());
    bytes[16..24].copy_from_slice(&time_ms.to_le_bytes());
    bytes[24..28].copy_from_slice(&pid.to_le_bytes());
    bytes[28] = kind;
    bytes[29] = name.len() as u8;
    bytes[30..32].copy_from_slice(&(text.len() as u16).to_le_bytes());
    bytes[32..32 + name.len()].copy_from_slice(name.as_bytes());
    bytes[32 + name.len()..32 + name.len() + text.len()].copy_from_slice(text.as_bytes());
    seal(&mut bytes);
    bytes
}

/// Recomputes a record's crc (after the test changed a field on purpose).
pub fn seal(record: &mut [u8]) {
    let crc = crc32fast::hash(&record[8..]);
    record[4..8].copy_from_slice(&crc.to_le_bytes());
}

/// A log the grader writes: a header, then `count` chat records numbered from 1 (the
/// `i`th says "line i"), as the server would have written them. Returns the bytes and
/// each record's offset.
pub fn crafted(count: usize, time_ms: i64) -> (Vec<u8>, Vec<usize>) {
    let mut bytes = header(time_ms - 60_000);
    let mut offsets = Vec::new();
    for i in 1..=count {
        offsets.push(bytes.len());
        let name = ["ann", "ben", "carmen"][i % 3];
        bytes.extend(record(
            i as u64,
            time_ms + i as i64,
            4000 + i as i32,
            CHAT,
            name,
            &format!("line {i}"),
        ));
    }
    (bytes, offsets)
}

/// What the crafted record `i` looks like in a client: `<ben> line 4`.
pub fn crafted_line(i: usize) -> String {
    format!("<{}> line {i}", ["ann", "ben", "carmen"][i % 3])
}

/// The sandbox room's log file.
pub fn log_path(sb: &Sandbox) -> PathBuf {
    sb.join("chat.log")
}

/// The sandbox room's lock file.
pub fn lock_path(sb: &Sandbox) -> PathBuf {
    sb.join("server.lock")
}

/// Reads and parses the log at `path`.
pub fn read(path: &Path) -> Result<Parsed> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("the server made no log {}", path.display()))?;
    parse(&bytes)
}

/// Removes the IPC objects a killed server left in the sandbox room (step 5 does not take
/// them over; step 6 will), as `make clean-ipc` does.
pub fn remove_leftovers(sb: &Sandbox) {
    let (queue, segment, semaphores) = keys(sb);
    for key in [queue, segment, semaphores] {
        ipc::remove_key(key);
    }
}

/// Whether the grader can take `flock(LOCK_EX | LOCK_NB)` on `path` right now (it lets
/// go at once).
pub fn lock_is_free(path: &Path) -> Result<bool> {
    use nix::fcntl::{Flock, FlockArg};
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(locked) => {
            drop(locked);
            true
        }
        Err(_) => false,
    })
}

/// How long a test waits for a program to get somewhere.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// What a client (or the reader) printed, each line without its time: `<alice> hi`,
/// `* alice joined`. Lines that are not the room's (diagnostics, notices) are left out.
pub fn shown_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|line| line.starts_with('['))
        .filter_map(|line| line.split_once("] ").map(|(_, rest)| rest.to_string()))
        .collect()
}

/// A small deterministic pseudo-random generator (the same numbers on every run).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next number below `bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// How many bytes, from `offset`, up to the last byte that is not zero.
pub fn nonzero_span(bytes: &[u8], offset: usize) -> usize {
    bytes[offset..]
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1)
}
