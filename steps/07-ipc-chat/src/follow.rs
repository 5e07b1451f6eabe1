//! `ipc-chat log`: a room's history from its log file, and with `--follow` every new
//! line as the server publishes it, like `tail -F`: the reader sleeps on the room's futex
//! while a server runs, and looks for a new server once a second while none does.

use std::io::Write;

use step04_chat::Room;
use step04_chat::format;
use step04_chat::objects::RoomObjects;
use step04_chat::ring::Entry;
use step05_mmap_log::reader;

use crate::tail::LogTail;
use crate::watch::{News, TICK, wait_for_news};

/// What became of the output.
#[derive(Debug, PartialEq, Eq)]
pub enum Shown {
    /// Everything was printed.
    All,
    /// Stdout was closed (`ipc-chat log | head`): stop quietly.
    Closed,
}

/// Prints entries in the client's format.
fn print(entries: &[Entry]) -> anyhow::Result<Shown> {
    let mut out = std::io::stdout().lock();
    for entry in entries {
        match writeln!(out, "{}", format::line(entry)) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                return Ok(Shown::Closed);
            }
            other => other?,
        }
    }
    match out.flush() {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(Shown::Closed),
        other => other.map(|()| Shown::All).map_err(Into::into),
    }
}

// ANCHOR: log
/// Prints the last `last` lines of the room's history (all of them by default), then,
/// if `follow`, every new one until killed.
pub fn log(room: &Room, last: Option<usize>, follow: bool) -> anyhow::Result<()> {
    let mut tail = LogTail::new(room.dir());
    // Read it all once (step 5's scan reports a damaged tail), then follow from the end.
    let scan = reader::read(tail.path())?;
    if let Some(dropped) = &scan.dropped {
        eprintln!(
            "ipc-chat log: note: {} bytes at offset {} are not a complete record ({}); the \
             next server of the room drops them",
            dropped.bytes, dropped.offset, dropped.why
        );
    }
    if print(scan.last(last.unwrap_or(usize::MAX)))? == Shown::Closed || !follow {
        return Ok(());
    }
    // The tail reads the file again from the top: skip what the scan printed.
    let next = scan.next_seq();
    let fresh: Vec<Entry> = tail
        .read_new(usize::MAX)?
        .into_iter()
        .filter(|entry| entry.seq >= next)
        .collect();
    if print(&fresh)? == Shown::Closed {
        return Ok(());
    }
    loop {
        match RoomObjects::open(room) {
            Ok(objects) => {
                if follow_server(&objects, &mut tail)? == Shown::Closed {
                    return Ok(());
                }
            }
            // No server now: the next one appends to the same log.
            Err(_) => std::thread::sleep(TICK),
        }
        // A server that went away may have written its last lines.
        if print(&tail.read_new(usize::MAX)?)? == Shown::Closed {
            return Ok(());
        }
    }
}
// ANCHOR_END: log

/// Prints new records while the server of `objects` runs.
fn follow_server(objects: &RoomObjects, tail: &mut LogTail) -> anyhow::Result<Shown> {
    let state = objects.state();
    let mut seen = state
        .header
        .next_seq
        .load(std::sync::atomic::Ordering::Acquire)
        .saturating_sub(1);
    loop {
        if print(&tail.read_new(usize::MAX)?)? == Shown::Closed {
            return Ok(Shown::Closed);
        }
        match wait_for_news(state, seen, TICK)? {
            News::Published(newest) => seen = newest,
            News::Quiet | News::Interrupted if !objects.server_alive() => return Ok(Shown::All),
            News::Quiet | News::Interrupted => {}
        }
    }
}
