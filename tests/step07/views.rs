//! What every step 7 test checks in a client's output: it is the log, entry for entry.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::common::program;
use crate::harness::{Proc, Sandbox};

/// Checks that a client's output is the log, in the log's order, with nothing missing:
/// every entry it printed is the log's next one. The only entries it may skip are the
/// history older than the ring when it joined, which it must announce with their number
/// ("* N earlier message(s) are no longer in the ring"). A step 7 client never skips an
/// entry later: what the ring lost, it reads from the log.
pub fn check_exact(who: &str, out: &str, log: &[String]) -> Result<usize> {
    let mut position = 0usize;
    let mut printed = 0usize;
    for (number, line) in out.lines().enumerate() {
        if let Some((_, entry)) = line.split_once("] ").filter(|_| line.starts_with('[')) {
            if entry.starts_with("-> ") || (entry.starts_with('*') && !entry.starts_with("* ")) {
                continue; // a private line: never in the log
            }
            ensure!(
                log.get(position).map(String::as_str) == Some(entry),
                "{who} printed {entry:?} (its line {}) where the log's entry {} is {:?}: a view \
                 must be the log, entry for entry, with nothing missing, repeated or reordered",
                number + 1,
                position + 1,
                log.get(position)
            );
            position += 1;
            printed += 1;
        } else if let Some(count) = line
            .strip_prefix("* ")
            .and_then(|rest| rest.split_once(' '))
            .filter(|(_, rest)| rest.contains("earlier message(s)"))
            .and_then(|(count, _)| count.parse::<usize>().ok())
        {
            ensure!(
                printed == 0,
                "{who} announced {count} earlier messages after it had printed {printed} entries"
            );
            position += count;
        } else {
            ensure!(
                !line.contains("overwritten"),
                "{who} printed {line:?}: a step 7 client reads what the ring lost from the log \
                 (its ring reads must say which entries they missed: exercise 7.2)"
            );
        }
    }
    Ok(printed)
}

/// Starts a client whose stdin is `lines` (then end of input).
pub fn client_with_input(sb: &Sandbox, name: &str, lines: String, limit: Duration) -> Result<Proc> {
    sb.spawn(
        program(sb, crate::CLIENT)
            .arg("--room")
            .arg(sb.path())
            .args(["--name", name])
            .stdin(lines)
            .limit(limit),
    )
}

/// Waits until `client`'s stdout holds `needle`, looking every millisecond; returns how
/// long it took, or fails after `limit`.
pub fn time_until_printed(client: &Proc, needle: &str, limit: Duration) -> Result<Duration> {
    let start = Instant::now();
    loop {
        if client.stdout_text().contains(needle) {
            return Ok(start.elapsed());
        }
        ensure!(
            start.elapsed() < limit,
            "{needle:?} did not show up within {limit:?}"
        );
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// The median of some durations.
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
