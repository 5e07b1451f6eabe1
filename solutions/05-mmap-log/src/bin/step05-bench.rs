//! Measures what the log costs the server: the same requests handled by step 4's server
//! (ring only) and by step 5's (log, then ring), in one run, on this machine.
//!
//! The requests are handed to `Server::handle` directly, without the queue, so that the
//! figure is the server's own work per line: decode, decide, (log,) lock, ring, unlock.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::run_main;
use step03_protocol::{Name, Request, Text};
use step04_chat::Room;
use step04_chat::history::History;
use step04_chat::server::Server;
use step05_mmap_log::{LogFile, ServerLock};

/// Measure the server's append throughput with the log (step 5) and without it (step 4).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// How many lines each server handles.
    #[arg(long, default_value_t = 200_000)]
    lines: u32,

    /// Where to make the two throwaway rooms [default: the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// How many rounds each server gets; the two take turns, so that both see the same
/// machine (a busy moment, a warm cache) and the median of the rounds is compared.
const ROUNDS: u32 = 7;

/// Joins one member; returns the encoded Say request that member sends.
fn join_member<H: History>(server: &mut Server<H>) -> anyhow::Result<Vec<u8>> {
    let pid = std::process::id() as i32;
    server.handle(
        &Request::Join {
            pid,
            name: Name::new("bench")?,
        }
        .encode(),
    );
    Ok(Request::Say {
        pid,
        text: Text::new("a line of about the length people type")?,
    }
    .encode())
}

/// Hands the server `lines` copies of `say`; returns the time they took.
fn handle_lines<H: History>(server: &mut Server<H>, say: &[u8], lines: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..lines {
        server.handle(say);
    }
    start.elapsed()
}

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A new, empty room directory under `base`.
fn fresh_room(base: &Path, name: &str) -> anyhow::Result<Room> {
    let dir = base.join(format!("step05-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(Room::new(Some(dir)))
}

fn main() -> ExitCode {
    run_main("step05-bench", || {
        let args = Args::parse();
        let base = args.dir.unwrap_or_else(std::env::temp_dir);

        let per_round = (args.lines / ROUNDS).max(1);
        let ring_room = fresh_room(&base, "ring")?;
        let mut ring_only = Server::start(ring_room.clone())?;
        let log_room = fresh_room(&base, "log")?;
        let lock = ServerLock::acquire(&log_room)?;
        let opened = LogFile::open(lock)?;
        let mut with_log = Server::start_with(log_room.clone(), opened.log, &[])?;
        let (ring_say, log_say) = (join_member(&mut ring_only)?, join_member(&mut with_log)?);
        let (mut ring_times, mut log_times) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            ring_times.push(handle_lines(&mut ring_only, &ring_say, per_round));
            log_times.push(handle_lines(&mut with_log, &log_say, per_round));
        }
        ring_only.shutdown()?;
        with_log.shutdown()?;
        let log_size = std::fs::metadata(log_room.dir().join("chat.log"))?.len();
        for room in [&ring_room, &log_room] {
            let _ = std::fs::remove_dir_all(room.dir());
        }
        let (ring_time, log_time) = (median(ring_times), median(log_times));
        let rate = |time: Duration| f64::from(per_round) / time.as_secs_f64();
        println!(
            "lines handled by each server: {} ({ROUNDS} rounds of {per_round}, taking turns; medians)",
            per_round * ROUNDS
        );
        println!(
            "step 4, ring only:    {:>10.0} lines/s  ({:.2} us per line)",
            rate(ring_time),
            ring_time.as_secs_f64() * 1e6 / f64::from(per_round)
        );
        println!(
            "step 5, log and ring: {:>10.0} lines/s  ({:.2} us per line; the log grew to {} KiB)",
            rate(log_time),
            log_time.as_secs_f64() * 1e6 / f64::from(per_round),
            log_size / 1024
        );
        println!(
            "with the log, the server keeps {:.0}% of its throughput (ratio {:.2})",
            100.0 * rate(log_time) / rate(ring_time),
            rate(log_time) / rate(ring_time)
        );
        Ok(ExitCode::SUCCESS)
    })
}
