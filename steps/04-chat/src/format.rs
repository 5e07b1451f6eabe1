//! How chat lines look on a terminal: `[14:03:07] <alice> hello` for messages and
//! `[14:03:07] * alice joined` for notices. Stable, so scripts and tests can read them.

use step03_protocol::layout::EntryKind;
use step03_protocol::{Name, Text};

use crate::ring::Entry;

/// `HH:MM:SS` of a Unix time in milliseconds, in the local time zone.
pub fn clock(time_ms: i64) -> String {
    let seconds: libc::time_t = time_ms.div_euclid(1000);
    // SAFETY: `tm` is plain integers (and a pointer localtime_r sets), so all-zero bytes
    // are a valid value; localtime_r only writes into the `tm` we pass and reads `seconds`.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&seconds, &mut tm).is_null() {
            return "??:??:??".into();
        }
        tm
    };
    format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
}

/// One entry as one line (without the newline).
pub fn line(entry: &Entry) -> String {
    let time = clock(entry.time_ms);
    let (name, text) = (printable(&entry.name), printable(&entry.text));
    match entry.kind {
        EntryKind::Chat => format!("[{time}] <{name}> {text}"),
        EntryKind::Join => format!("[{time}] * {name} joined"),
        EntryKind::Leave => format!("[{time}] * {name} left"),
        EntryKind::Lost => format!("[{time}] * {name} was disconnected"),
    }
}

/// A private line received from `from`: `[14:03:07] *alice* psst`.
pub fn private_from(from: &Name, time_ms: i64, text: &Text) -> String {
    format!(
        "[{}] *{}* {}",
        clock(time_ms),
        printable(from.as_str()),
        printable(text.as_str())
    )
}

/// The sender's own echo of a private line to `to`: `[14:03:07] -> *bob* psst`.
pub fn private_to(to: &Name, time_ms: i64, text: &Text) -> String {
    format!(
        "[{}] -> *{}* {}",
        clock(time_ms),
        printable(to.as_str()),
        printable(text.as_str())
    )
}

/// `text` with control characters replaced by `?`. The server validates every text, but
/// anyone who can write the segment could store escape sequences: never print them raw.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The notice for entries that were overwritten before this client read them: older
/// history when it has just joined, or lines it fell too far behind to read.
pub fn missed(count: u64, joining: bool) -> String {
    if joining {
        format!("* {count} earlier message(s) are no longer in the ring")
    } else {
        format!(
            "* {count} message(s) were overwritten in the ring before this client could read them"
        )
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
