//! `ipc-chat top`: a live view of a room's kernel objects, for learners and operators.
//!
//! Every refresh shows the server (pid, the "server alive" semaphore, uptime), the
//! message queue against its limit (`msgctl(IPC_STAT)`), the segment and its attach count
//! (`shmctl(IPC_STAT)`), the semaphore values, the ring (head, oldest entry, the newest
//! one, how many entries a second are published), the futex word, who is online and the
//! size of the log. When no server runs, it shows what is left under the room's keys
//! (step 6's `look`) and what a new server would make of it.
//!
//! It only reads, and only what any process of the room's user may read: it never takes
//! the room's lock (the ring is read through step 7's sequence locks, the presence table
//! by its `Release`-published pids), never sends a message, never writes the segment and
//! never locks the log. A stopped `top` (`Ctrl-Z`) therefore delays nobody.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{IsTerminal, Write as _};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{Ordering, fence};
use std::time::{Duration, Instant};

use step02_shared_memory::bytes::load_bytes;
use step02_shared_memory::segment::stat_id;
use step03_protocol::NAME_MAX;
use step03_protocol::layout::{MAX_CLIENTS, RING_CAPACITY, SharedState};
use step04_chat::Room;
use step04_chat::error::ChatError;
use step04_chat::format::{self, clock, now_ms};
use step04_chat::objects::RoomObjects;
use step04_chat::semaphore::{MUTEX, SERVER_ALIVE, SemaphoreSet};
use step05_mmap_log::log::log_path;
use step05_mmap_log::record::{self, Damage, MAX_LEN};
use step05_mmap_log::scan::{FILE_HEADER_LEN, check_header};
use step06_integrated_chat::liveness::is_zombie;
use step06_integrated_chat::takeover::{Found, Verdict, look, verdict};

use crate::seqlock;

/// The arguments of `ipc-chat top`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The room to look at.
    #[command(flatten)]
    pub room: step04_chat::cli::RoomArg,
    /// Seconds between two refreshes (at least 0.1).
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_interval)]
    pub interval: Duration,
    /// Print one snapshot and exit.
    #[arg(long)]
    pub once: bool,
}

/// Parses `--interval`: a number of seconds, from 0.1 to an hour.
fn parse_interval(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.1..=3600.0).contains(&seconds) {
        return Err(format!("{text} s is not between 0.1 and 3600 seconds"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|error| error.to_string())
}

/// ANSI: cursor home, then clear the screen.
const CLEAR: &str = "\x1b[H\x1b[2J";

/// How many bytes of the log one refresh reads at most, when it counts the records of a
/// log it has not seen yet: a huge log is counted over several refreshes, not in one.
const LOG_BUDGET: usize = 4 * 1024 * 1024;
/// How many bytes of the log are read at a time.
const LOG_CHUNK: usize = 64 * 1024;
/// How many characters of the newest entry are shown.
const PREVIEW_CHARS: usize = 72;
/// The width of the queue's fill bar.
const BAR_WIDTH: usize = 20;

// ANCHOR: run
/// Runs `ipc-chat top`: one snapshot with `--once`, else a snapshot every `--interval`
/// until Ctrl-C or until stdout is closed. At a terminal each snapshot replaces the last;
/// otherwise they follow each other, separated by a blank line.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let room = args.room.room();
    // A room directory that does not exist is a typo, not an empty room: say so once.
    room.queue_key()?;
    let terminal = std::io::stdout().is_terminal() && !args.once;
    let mut top = Top::new(room);
    let mut first = true;
    loop {
        let snapshot = top.snapshot(terminal.then_some(args.interval));
        let separator = match (terminal, first) {
            (true, _) => CLEAR,
            (false, true) => "",
            (false, false) => "\n",
        };
        first = false;
        if write_out(&format!("{separator}{snapshot}"))? == Output::Closed || args.once {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(args.interval);
    }
}
// ANCHOR_END: run

/// What became of a write to stdout.
#[derive(Debug, PartialEq, Eq)]
enum Output {
    /// It was written.
    Written,
    /// Stdout is closed (`ipc-chat top | head`): time to stop, quietly.
    Closed,
}

/// Writes `text` to stdout in one go.
fn write_out(text: &str) -> anyhow::Result<Output> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(Output::Written),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(Output::Closed),
        Err(error) => Err(error.into()),
    }
}

/// The view's memory between two refreshes.
struct Top {
    /// The room.
    room: Room,
    /// The running server's objects, opened once and kept while it runs.
    live: Option<Live>,
    /// The counters of the previous refresh, for the rates.
    previous: Option<Sample>,
    /// How far the log has been counted.
    log: LogMeter,
}

/// A running server's objects, as a client opens them.
struct Live {
    /// The queue, the segment (attached read-write only because a typed view of atomics
    /// needs it: top never stores) and the semaphores that guard it.
    objects: RoomObjects,
    /// The same semaphore set, for the mutex's value (`RoomObjects` only says whether
    /// the server is alive).
    semaphores: SemaphoreSet,
}

/// The counters a rate is computed from.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// When they were read.
    at: Instant,
    /// `header.next_seq`.
    next_seq: u64,
    /// `header.wake`.
    wake: u32,
    /// The segment they were read from, so that a new server does not give a rate.
    segment_id: i32,
}

impl Top {
    /// A view of `room`, with nothing opened yet.
    fn new(room: Room) -> Top {
        let log = LogMeter::new(log_path(room.dir()));
        Top {
            room,
            live: None,
            previous: None,
            log,
        }
    }

    /// Opens the running server's objects if they are not open yet; the reason when no
    /// server runs.
    fn open(&mut self) -> Result<(), String> {
        if self.live.is_none() {
            let objects = RoomObjects::open(&self.room).map_err(|error| match error {
                ChatError::NoServer { .. } => "the room has no message queue".to_owned(),
                ChatError::ServerDead { .. } => {
                    "its objects are there, its \"server alive\" semaphore is 0".to_owned()
                }
                error => error.to_string(),
            })?;
            let semaphores = self
                .room
                .semaphore_key()
                .and_then(SemaphoreSet::open_as_is)
                .map_err(|error| error.to_string())?;
            if semaphores.id() != objects.semaphores_id() {
                return Err("the room's semaphore set changed while it was opened".into());
            }
            self.live = Some(Live {
                objects,
                semaphores,
            });
        }
        Ok(())
    }

    /// One snapshot, as text; `interval` is shown in its title when the view refreshes.
    fn snapshot(&mut self, interval: Option<Duration>) -> String {
        let mut out = String::new();
        let refresh = interval.map_or(String::new(), |interval| {
            format!(", every {} s (Ctrl-C to quit)", interval.as_secs_f64())
        });
        let _ = writeln!(
            out,
            "ipc-chat top: room {} at {}{refresh}",
            self.room,
            clock(now_ms())
        );
        // A server that stopped since the last refresh: its objects are gone or going.
        if let Some(live) = &self.live
            && !still_serving(live)
        {
            self.live = None;
        }
        match self.open() {
            Ok(()) => self.show_live(&mut out),
            Err(why) => {
                self.previous = None;
                self.show_no_server(&mut out, &why);
            }
        }
        let log = self.log.update();
        let _ = writeln!(out, "{:<10} {log}", "log");
        out
    }

    /// The view of a running server's room.
    fn show_live(&mut self, out: &mut String) {
        let Some(live) = &self.live else { return };
        let objects = &live.objects;
        let state = objects.state();
        let header = &state.header;
        let members = present_unlocked(state);
        let server_pid = header.server_pid.load(Ordering::Relaxed);
        let who = |pid: i32| describe_pid(pid, server_pid, &members);

        // The server.
        let alive = live.semaphores.value(SERVER_ALIVE);
        let started = header.started_ms.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "{:<10} pid {server_pid}, {} (semaphore #1 = {}), up {}",
            "server",
            if alive.as_ref().is_ok_and(|&value| value > 0) {
                "alive"
            } else {
                "stopping"
            },
            alive.map_or_else(|error| error.to_string(), |value| value.to_string()),
            uptime(now_ms().saturating_sub(started))
        );

        // The queue.
        let queue = objects.queue();
        match queue.stat() {
            Ok(stat) => {
                let _ = writeln!(
                    out,
                    "{:<10} id {}: {} message(s), {} / {} bytes {}",
                    "queue",
                    queue.id(),
                    stat.messages,
                    stat.bytes,
                    stat.capacity,
                    bar(stat.bytes, stat.capacity)
                );
                let _ = writeln!(
                    out,
                    "{:<10} last sent by {}, last received by {}",
                    "",
                    who(stat.last_sender),
                    who(stat.last_receiver)
                );
            }
            Err(error) => {
                let _ = writeln!(out, "{:<10} id {}: {error}", "queue", queue.id());
            }
        }

        // The segment and the semaphores.
        let segment_id = objects.segment_id();
        match stat_id(segment_id) {
            Ok(stat) => {
                let _ = writeln!(
                    out,
                    "{:<10} id {segment_id}: {} bytes, {} attached (top included), \
                     created by {}{}",
                    "segment",
                    stat.size,
                    stat.attached,
                    who(stat.creator_pid),
                    if stat.marked_for_removal {
                        ", marked for removal"
                    } else {
                        ""
                    }
                );
            }
            Err(error) => {
                let _ = writeln!(out, "{:<10} id {segment_id}: {error}", "segment");
            }
        }
        let value = |index| {
            live.semaphores
                .value(index)
                .map_or_else(|error| error.to_string(), |value| value.to_string())
        };
        let mutex = value(MUTEX);
        let _ = writeln!(
            out,
            "{:<10} id {}: mutex #0 = {mutex}{}, alive #1 = {}",
            "semaphores",
            live.semaphores.id(),
            match mutex.as_str() {
                "1" => " (free)",
                "0" => " (held)",
                _ => "",
            },
            value(SERVER_ALIVE)
        );

        // The ring, read without the lock.
        let now = Sample {
            at: Instant::now(),
            next_seq: header.next_seq.load(Ordering::Acquire),
            wake: header.wake.load(Ordering::Relaxed),
            segment_id,
        };
        let previous = self
            .previous
            .replace(now)
            .filter(|previous| previous.segment_id == segment_id);
        let head = now.next_seq.saturating_sub(1);
        let rate = match previous {
            Some(previous) if now.next_seq >= previous.next_seq => {
                let seconds = now.at.duration_since(previous.at).as_secs_f64();
                let published = now.next_seq - previous.next_seq;
                format!(
                    "{published} published in the last {seconds:.1} s: {:.1} per second",
                    published as f64 / seconds.max(1e-3)
                )
            }
            _ => "published per second: from the next refresh on".into(),
        };
        if head == 0 {
            let _ = writeln!(out, "{:<10} empty, {RING_CAPACITY} slots", "ring");
        } else {
            let oldest = oldest_kept(head);
            let oldest_time = seqlock::read(state, oldest).map_or(String::new(), |entry| {
                format!(" ({})", clock(entry.time_ms))
            });
            let _ = writeln!(
                out,
                "{:<10} head #{head}, oldest #{oldest}{oldest_time}, {} of {RING_CAPACITY} \
                 slots used",
                "ring",
                head - oldest + 1
            );
            let _ = writeln!(out, "{:<10} newest: {}", "", newest_preview(state));
        }
        let _ = writeln!(out, "{:<10} {rate}", "");
        let wake_delta = match previous {
            Some(previous) => format!(
                " (+{} since the last refresh)",
                now.wake.wrapping_sub(previous.wake)
            ),
            None => String::new(),
        };
        let _ = writeln!(out, "{:<10} wake = {}{wake_delta}", "futex", now.wake);

        // Who is online.
        let _ = writeln!(
            out,
            "{:<10} {} of {MAX_CLIENTS} (header.online = {})",
            "online",
            members.len(),
            header.online.load(Ordering::Acquire)
        );
        let width = members
            .iter()
            .map(|member| member.name.chars().count())
            .max()
            .unwrap_or(0);
        for member in &members {
            let _ = writeln!(
                out,
                "{:<10} {:<width$}  pid {:<8} since {}",
                "",
                member.name,
                member.pid,
                clock(member.joined_ms)
            );
        }
    }

    /// The view of a room where no server runs: what is left under its keys.
    fn show_no_server(&self, out: &mut String, why: &str) {
        let _ = writeln!(out, "{:<10} no server: {why}", "server");
        let found = match look(&self.room) {
            Ok(found) => found,
            Err(error) => {
                let _ = writeln!(
                    out,
                    "{:<10} cannot look under the room's keys: {error}",
                    "objects"
                );
                return;
            }
        };
        for line in describe_found(&found) {
            let _ = writeln!(out, "{:<10} {line}", "objects");
        }
        let what = match verdict(&found) {
            Verdict::Nothing => return,
            Verdict::Stale => {
                "a dead server's: `ipc-chat cleanup` removes them, or the next server takes \
                 them over"
                    .into()
            }
            Verdict::Live { why } => {
                let zombie = match &found.segment {
                    Some((_, facts)) if is_zombie(facts.server_pid) => {
                        ", but a zombie: its parent has not waited for it yet"
                    }
                    _ => "",
                };
                format!("a live process's ({why}{zombie}): starting, or not ours")
            }
            Verdict::Stranger { why } => format!("not a chat server's ({why}): left alone"),
        };
        let _ = writeln!(out, "{:<10} {what}", "verdict");
    }
}

/// Whether the objects opened for `live` still belong to a running server: its queue is
/// there (a server removes it first when it stops), its "server alive" semaphore is
/// raised, and its segment is not marked for removal.
fn still_serving(live: &Live) -> bool {
    live.objects.queue().stat().is_ok()
        && live.objects.server_alive()
        && stat_id(live.objects.segment_id()).is_ok_and(|stat| !stat.marked_for_removal)
}

/// One line for each object `look` found.
fn describe_found(found: &Found) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(id) = found.queue {
        lines.push(format!("message queue {id}"));
    }
    if let Some((id, facts)) = &found.segment {
        let attached = stat_id(*id).map_or(String::new(), |stat| {
            format!(", {} attached", stat.attached)
        });
        let what = match facts {
            facts if !facts.is_chat_room => format!(
                "not a chat room of this version, created by pid {}",
                facts.creator_pid
            ),
            facts if facts.creator_pid == facts.server_pid => {
                format!("chat room of server pid {} (its creator)", facts.server_pid)
            }
            facts => format!(
                "chat room naming server pid {}, created by pid {}",
                facts.server_pid, facts.creator_pid
            ),
        };
        lines.push(format!(
            "segment {id}: {} bytes, {what}{attached}",
            facts.size
        ));
    }
    if let Some((id, alive)) = found.semaphores {
        let alive = alive.map_or("unreadable".into(), |value| value.to_string());
        lines.push(format!("semaphore set {id}: alive #1 = {alive}"));
    }
    if lines.is_empty() {
        lines.push("none under the room's keys".into());
    }
    lines
}

// ANCHOR: presence
/// Everyone in the presence table, read *without* the room's lock.
///
/// That is safe to display: the server fills a slot's name and join time first and
/// publishes its pid last with `Release` (step 6's `presence::update`), so the `Acquire`
/// load of a non-zero pid makes that member's fields visible, whole. The one thing the
/// lock would add is a picture that cannot change while it is read: a slot freed or
/// taken again during the copy could give a name that is not the pid's, so the pid is
/// loaded again after the copy (behind an `Acquire` fence, as a sequence lock does) and a
/// slot that changed is skipped until the next refresh. Every byte is an atomic and every
/// length is clamped, so even a hostile writer cannot make this read anything but
/// wrong text, and top never makes the server wait.
fn present_unlocked(state: &SharedState) -> Vec<Member> {
    state
        .presence
        .iter()
        .filter_map(|slot| {
            let pid = slot.pid.load(Ordering::Acquire);
            if pid == 0 {
                return None;
            }
            let len = usize::from(slot.name_len.load(Ordering::Relaxed)).min(NAME_MAX);
            let name = load_bytes(&slot.name, len);
            let joined_ms = slot.joined_ms.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            (slot.pid.load(Ordering::Relaxed) == pid).then(|| Member {
                pid,
                name: printable(&String::from_utf8_lossy(&name)),
                joined_ms,
            })
        })
        .collect()
}
// ANCHOR_END: presence

/// One member of the presence table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    /// Their pid.
    pid: i32,
    /// Their name, with control characters replaced.
    name: String,
    /// When they joined, in milliseconds since the Unix epoch.
    joined_ms: i64,
}

/// `pid 1234`, with who it is when top knows: the server, or a member's name.
fn describe_pid(pid: i32, server_pid: i32, members: &[Member]) -> String {
    if pid == 0 {
        return "nobody yet".into();
    }
    if pid == server_pid {
        return format!("pid {pid} (the server)");
    }
    match members.iter().find(|member| member.pid == pid) {
        Some(member) => format!("pid {pid} ({})", member.name),
        None => format!("pid {pid}"),
    }
}

/// The oldest entry the ring still holds when its newest is `head` (at least 1).
fn oldest_kept(head: u64) -> u64 {
    head.saturating_sub(RING_CAPACITY as u64 - 1).max(1)
}

/// The newest entry of the ring as a chat line, read with the sequence lock; a few tries
/// if the server overwrites it meanwhile.
fn newest_preview(state: &SharedState) -> String {
    for _ in 0..3 {
        let head = state
            .header
            .next_seq
            .load(Ordering::Acquire)
            .saturating_sub(1);
        if let Some(entry) = seqlock::read(state, head) {
            return truncate(&format::line(&entry), PREVIEW_CHARS);
        }
    }
    "(being written: try the next refresh)".into()
}

/// `text` cut to `max` characters, with an ellipsis if it was longer.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `text` with control characters replaced by `?`: anyone who can write the segment
/// could store escape sequences, which must never reach the terminal raw.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A fill bar and percentage: `[###.................]  12.5%`.
fn bar(used: u64, capacity: u64) -> String {
    if capacity == 0 {
        return "(no capacity)".into();
    }
    let fraction = (used as f64 / capacity as f64).clamp(0.0, 1.0);
    let filled = (fraction * BAR_WIDTH as f64).round() as usize;
    format!(
        "[{}{}] {:5.1}%",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        used as f64 * 100.0 / capacity as f64
    )
}

/// A duration in milliseconds as `3d 04:05:06`, `04:05:06` or `?` (before the epoch or
/// in the future: a clock that moved, or a header nobody initialised).
fn uptime(ms: i64) -> String {
    if ms < 0 {
        return "?".into();
    }
    let seconds = ms / 1000;
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let clock = format!(
        "{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if days > 0 {
        format!("{days}d {clock}")
    } else {
        clock
    }
}

/// `65536 bytes (64.0 KiB)`, or `512 bytes` below 1 KiB.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{bytes} bytes ({value:.1} {})", UNITS[unit])
}

/// `64.0 KiB`, or `512 bytes` below 1 KiB.
fn short(bytes: u64) -> String {
    match human(bytes).split_once(" (") {
        Some((_, unit)) => unit.trim_end_matches(')').to_owned(),
        None => human(bytes),
    }
}

// ANCHOR: log_meter
/// Counts the records of the room's log, incrementally: each refresh reads only what was
/// appended since the last one (at most [`LOG_BUDGET`] bytes), with `pread` rather than
/// a mapping, so it needs no lock on the file, cannot be hit by `SIGBUS` if the file
/// shrinks, and never makes a starting server wait for it. Every record is checked as
/// step 5's scan checks it (`record::check`), so a byte it has not verified is never
/// counted as used.
#[derive(Debug)]
struct LogMeter {
    /// The log file.
    path: PathBuf,
    /// The file counted so far (device and inode): another one is counted from the top.
    identity: Option<(u64, u64)>,
    /// Where the records counted so far end.
    end: u64,
    /// How many records that is.
    records: u64,
    /// The first record's number.
    first_seq: Option<u64>,
    /// The number the next record must have.
    next_seq: Option<u64>,
}

/// What the log meter saw.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LogView {
    /// There is no log file (yet).
    Missing(PathBuf),
    /// The file cannot be read, or is not a chat log.
    Unreadable(PathBuf, String),
    /// The file and its records.
    Counted {
        /// The file.
        path: PathBuf,
        /// Its length.
        size: u64,
        /// The disk space it holds (`st_blocks`, in bytes).
        allocated: u64,
        /// Where its good records end.
        used: u64,
        /// How many good records there are.
        records: u64,
        /// The numbers of the first and the last.
        range: Option<(u64, u64)>,
        /// Whether there is more to count than one refresh reads.
        counting: bool,
    },
}

/// The log's file name (the title shows the room's directory it is in).
fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

impl std::fmt::Display for LogView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogView::Missing(path) => write!(f, "{}: no log file yet", file_name(path)),
            LogView::Unreadable(path, why) => write!(f, "{}: {why}", file_name(path)),
            LogView::Counted {
                path,
                size,
                allocated,
                used,
                records,
                range,
                counting,
            } => {
                write!(
                    f,
                    "{}: {}, {} on disk\n{:<10} {}{} used by {records} record(s)",
                    file_name(path),
                    human(*size),
                    short(*allocated),
                    "",
                    if *counting { "at least " } else { "" },
                    human(*used)
                )?;
                if let Some((first, last)) = range {
                    write!(f, " (#{first} to #{last})")?;
                }
                if *counting {
                    write!(f, ", still counting")?;
                }
                Ok(())
            }
        }
    }
}

impl LogMeter {
    /// A meter of the log at `path`, which has counted nothing yet.
    fn new(path: PathBuf) -> LogMeter {
        LogMeter {
            path,
            identity: None,
            end: FILE_HEADER_LEN as u64,
            records: 0,
            first_seq: None,
            next_seq: None,
        }
    }

    /// Forgets what was counted.
    fn reset(&mut self) {
        *self = LogMeter::new(std::mem::take(&mut self.path));
    }

    /// Counts what was appended since the last update, and says what the log is now.
    fn update(&mut self) -> LogView {
        let path = self.path.clone();
        let unreadable = |why: String| LogView::Unreadable(path.clone(), why);
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let missing = LogView::Missing(self.path.clone());
                self.reset();
                return missing;
            }
            Err(error) => return unreadable(error.to_string()),
        };
        let metadata = match file.metadata() {
            Ok(metadata) => metadata,
            Err(error) => return unreadable(error.to_string()),
        };
        let identity = (metadata.dev(), metadata.ino());
        if self.identity != Some(identity) || metadata.len() < self.end {
            self.reset();
            let mut header = [0; FILE_HEADER_LEN];
            if let Err(error) = read_full(&file, 0, &mut header)
                .and_then(|read| check_header(&header[..read]).map_err(std::io::Error::other))
            {
                return unreadable(format!("not a chat log: {error}"));
            }
            self.identity = Some(identity);
        }
        let counting = match self.count(&file, metadata.len()) {
            Ok(counting) => counting,
            Err(error) => return unreadable(error.to_string()),
        };
        LogView::Counted {
            path: self.path.clone(),
            size: metadata.len(),
            allocated: metadata.blocks() * 512,
            used: self.end,
            records: self.records,
            range: self.first_seq.zip(self.next_seq.map(|next| next - 1)),
            counting,
        }
    }

    /// Checks the records after [`LogMeter::end`] in a file of `size` bytes; whether it
    /// stopped only because this refresh's budget ran out.
    fn count(&mut self, file: &File, size: u64) -> std::io::Result<bool> {
        let mut budget = LOG_BUDGET;
        let mut buffer = vec![0; LOG_CHUNK];
        loop {
            let left = size.saturating_sub(self.end);
            let want = LOG_CHUNK
                .min(budget)
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            if want == 0 {
                return Ok(left > 0);
            }
            let read = read_full(file, self.end, &mut buffer[..want])?;
            budget -= want;
            let chunk = &buffer[..read];
            let mut pos = 0;
            let stop = loop {
                match record::check(chunk, pos, self.next_seq) {
                    Ok((entry, len)) => {
                        pos += len;
                        self.records += 1;
                        self.first_seq.get_or_insert(entry.seq);
                        self.next_seq = Some(entry.seq + 1);
                    }
                    Err(damage) => break damage,
                }
            };
            self.end += pos as u64;
            // Only a record cut by the end of the chunk is a reason to read on: zeros are
            // the end of the records, anything else is a tail the next server drops.
            let cut = match stop {
                Damage::Short { .. } => true,
                Damage::BadLength { len, left } => len as usize <= MAX_LEN && len as usize > left,
                _ => false,
            };
            if !cut || read < want || read as u64 == left {
                return Ok(false);
            }
        }
    }
}
// ANCHOR_END: log_meter

/// Reads from `offset` until `buffer` is full or the file ends; how many bytes it read.
fn read_full(file: &File, offset: u64, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut read = 0;
    while read < buffer.len() {
        match file.read_at(&mut buffer[read..], offset + read as u64) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use step03_protocol::layout::EntryKind;
    use step04_chat::ring::Entry;
    use step05_mmap_log::scan::header_bytes;

    use super::*;

    #[test]
    fn intervals_are_seconds_within_bounds() {
        assert_eq!(parse_interval("1"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_interval("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_interval("0").is_err());
        assert!(parse_interval("NaN").is_err());
        assert!(parse_interval("soon").is_err());
    }

    #[test]
    fn bars_fill_with_the_queue() {
        assert_eq!(bar(0, 16384), "[....................]   0.0%");
        assert_eq!(bar(8192, 16384), "[##########..........]  50.0%");
        assert_eq!(bar(16384, 16384), "[####################] 100.0%");
        assert_eq!(bar(1, 0), "(no capacity)");
    }

    #[test]
    fn small_helpers() {
        assert_eq!(uptime(3_723_000), "01:02:03");
        assert_eq!(uptime(90_061_000), "1d 01:01:01");
        assert_eq!(uptime(-1), "?");
        assert_eq!(human(512), "512 bytes");
        assert_eq!(human(65536), "65536 bytes (64.0 KiB)");
        assert_eq!(short(65536), "64.0 KiB");
        assert_eq!(short(512), "512 bytes");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(printable("a\x1b[2Jb"), "a?[2Jb");
        assert_eq!(oldest_kept(1), 1);
        assert_eq!(oldest_kept(256), 1);
        assert_eq!(oldest_kept(257), 2);
    }

    fn entry(seq: u64, text: &str) -> Entry {
        Entry {
            seq,
            time_ms: 1_700_000_000_000,
            pid: 42,
            kind: EntryKind::Chat,
            name: "alice".into(),
            text: text.into(),
        }
    }

    #[test]
    fn the_log_meter_counts_only_what_was_appended() {
        let dir = std::env::temp_dir().join(format!("ipc-chat-top-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chat.log");
        let mut bytes = header_bytes(0).to_vec();
        let records: Vec<Vec<u8>> = (1..=3)
            .map(|seq| record::encode(&entry(seq, "hi")))
            .collect();
        bytes.extend(&records[0]);
        bytes.extend(&records[1]);
        bytes.resize(bytes.len() + 4096, 0);
        std::fs::write(&path, &bytes).unwrap();

        let mut meter = LogMeter::new(path.clone());
        let used = (FILE_HEADER_LEN + records[0].len() + records[1].len()) as u64;
        let LogView::Counted {
            used: counted,
            records: n,
            range,
            counting,
            ..
        } = meter.update()
        else {
            panic!("the log was not counted");
        };
        assert_eq!(
            (counted, n, range, counting),
            (used, 2, Some((1, 2)), false)
        );

        // A third record, written where the zeros were.
        let at = used as usize;
        bytes[at..at + records[2].len()].copy_from_slice(&records[2]);
        std::fs::write(&path, &bytes).unwrap();
        let LogView::Counted { records: n, .. } = meter.update() else {
            panic!("the log was not counted");
        };
        assert_eq!(n, 3);

        std::fs::write(&path, b"not a log").unwrap();
        assert!(matches!(meter.update(), LogView::Unreadable(..)));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(meter.update(), LogView::Missing(..)));
    }
}
