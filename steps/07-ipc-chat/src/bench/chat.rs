//! The chat's figures, each measured against a real server in a child process.
//!
//! - **End-to-end latency** ([`latency`]): a paced sender (a worker that joined the room)
//!   stamps each line with CLOCK_MONOTONIC just before its `msgsnd`; the bench, a reader
//!   of the room, takes the time again as soon as it has copied the entry out of the
//!   ring, and the difference is the line's latency. The next line is only asked for once
//!   this one arrived (the sender waits for a `go` on its stdin), so that no line queues
//!   behind another: each is the latency of an idle room. Step 7's reader is exactly what
//!   the client does ([`wait_for_news`] then [`seqlock::read_since`]); step 4's takes the
//!   lock and reads the ring every [`POLL_INTERVAL`]. For step 4, the sender waits a
//!   random pause below the poll interval before each line, so that lines arrive at
//!   every phase of the reader's poll, as they would from people.
//! - **Server throughput** ([`flood`]): several flood senders send back to back while
//!   the bench reads along; lines per second from the `go` until the server has
//!   published the last of them, and the server's CPU time per line meanwhile.
//! - **The cost of readers** ([`reader_cost`]): N real `ipc-chat client --plain`
//!   processes in the room, asleep on the futex; the first of them sends lines typed into
//!   its stdin at a steady pace, slow enough that all readers are back asleep before
//!   the next (which is when a wake-up costs the most); the server's CPU time per line
//!   (all its threads, from `/proc`) over those lines. It includes the once-a-second
//!   sweep of the members, which is part of what N members cost.
//! - **Idle wake-ups**: the context switches of all threads of an idle client over a few
//!   seconds, with nothing published: each is one wake-up.

use std::ffi::{OsStr, OsString};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use step03_protocol::layout::SharedState;
use step04_chat::Room;
use step04_chat::client::POLL_INTERVAL;
use step04_chat::objects::RoomObjects;
use step04_chat::ring::{Batch, Ring};
use step06_integrated_chat::who::online;

use super::Progress;
use super::lab::{Lab, Proc, ServerProc, check, context_switches, cpu_ns, now_ns};
use super::stats::Samples;
use super::worker::{line_text, parse_line};
use crate::seqlock;
use crate::watch::wait_for_news;

/// How a reader learns of new lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Step 7: asleep in `FUTEX_WAIT` until the server wakes it; no lock.
    Futex,
    /// Step 4: a look at the ring, under the room's lock, every [`POLL_INTERVAL`].
    Polling,
}

/// How long any one line may take before the run gives up on it.
const PATIENCE: Duration = Duration::from_secs(5);

/// The arguments that start a worker of the bench in `room`.
fn worker_args(role: &str, room: &Room, name: &str, extra: &[(&str, String)]) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["bench", "--worker", role, "--name", name, "--room"]
        .iter()
        .map(OsString::from)
        .collect();
    args.push(room.dir().as_os_str().to_owned());
    for (option, value) in extra {
        args.push(OsString::from(option));
        args.push(OsString::from(value));
    }
    args
}

/// Starts a worker of the bench (see [`worker_args`]), with stdin and stdout piped.
fn spawn_worker(lab: &Lab, what: &str, args: &[OsString]) -> anyhow::Result<Proc> {
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    lab.spawn(what, &args, true, true)
}

/// The entry after which a reader that has read `batch` (after `last`) goes on.
fn advance(last: u64, batch: &Batch) -> u64 {
    match batch.entries.last() {
        Some(entry) => entry.seq.max(last),
        None => last + batch.missed,
    }
}

/// The newest entry published in the room.
fn newest(state: &SharedState) -> u64 {
    state
        .header
        .next_seq
        .load(Ordering::Acquire)
        .saturating_sub(1)
}

/// The end-to-end latencies of `lines` paced lines in `room`, read the `delivery` way.
/// `gap` bounds the sender's random pause before each line; `deadline_s` is its own
/// deadline.
pub fn latency(
    lab: &Lab,
    room: &Room,
    delivery: Delivery,
    lines: usize,
    gap: Duration,
    deadline_s: u64,
    progress: &mut Progress,
) -> anyhow::Result<Samples> {
    let objects = RoomObjects::open(room)?;
    let state = objects.state();
    let args = worker_args(
        "paced-sender",
        room,
        "latency",
        &[
            ("--gap-us", gap.as_micros().to_string()),
            ("--deadline-s", deadline_s.to_string()),
        ],
    );
    let mut sender = spawn_worker(lab, "paced-sender", &args)?;
    sender.expect_line("ready", Duration::from_secs(10))?;
    let mut last = newest(state);
    let warm_up = (lines / 20).clamp(2, 200) as u64;
    let total = warm_up + lines as u64;
    let mut samples = Vec::with_capacity(lines);
    // The number of the line we wait for.
    let mut next = 0u64;
    sender.write_line("go")?;
    let mut asked = Instant::now();
    while next < total {
        check()?;
        // Wait, then look: what each kind of reader does between two lines.
        let batch = match delivery {
            Delivery::Futex => {
                wait_for_news(state, last, Duration::from_millis(100))
                    .map_err(|errno| anyhow::anyhow!("futex(FUTEX_WAIT): {errno}"))?;
                seqlock::read_since(state, last)
            }
            Delivery::Polling => {
                thread::sleep(POLL_INTERVAL);
                let held = objects.lock()?;
                Ring::new(&held).read_since(last)
            }
        };
        let now = now_ns();
        last = advance(last, &batch);
        for entry in &batch.entries {
            match parse_line(entry) {
                Some((seq, sent)) if seq == next => {
                    if next >= warm_up {
                        samples.push(now.saturating_sub(sent));
                    }
                    next += 1;
                    if next < total {
                        sender.write_line("go")?;
                        asked = Instant::now();
                    }
                    progress.tick(next.saturating_sub(warm_up) as usize, lines);
                }
                _ => {}
            }
        }
        if asked.elapsed() > PATIENCE + gap {
            bail!(
                "line {next} of the paced sender did not arrive within {:?} (the ring reader \
                 missed {} entries): {}",
                PATIENCE + gap,
                batch.missed,
                sender.log_tail()
            );
        }
    }
    sender.finish(Duration::from_secs(10))?;
    Ok(Samples::new(samples))
}

/// What a flood of lines showed.
#[derive(Debug, Clone)]
pub struct Flood {
    /// Lines the server published per second.
    pub rate: f64,
    /// The server's CPU time per line, in nanoseconds.
    pub server_cpu_ns: f64,
    /// How many lines the bench's reader found overwritten before it read them.
    pub missed: u64,
    /// How many lines were sent.
    pub lines: u64,
}

/// Floods `server`'s room with `senders` × `per_sender` lines, the bench reading along.
pub fn flood(
    lab: &Lab,
    server: &ServerProc,
    senders: usize,
    per_sender: u64,
    deadline_s: u64,
    progress: &mut Progress,
) -> anyhow::Result<Flood> {
    let objects = RoomObjects::open(&server.room)?;
    let state = objects.state();
    let mut flooders = Vec::with_capacity(senders);
    for i in 1..=senders {
        let args = worker_args(
            "flood-sender",
            &server.room,
            &format!("flood{i}"),
            &[
                ("--count", per_sender.to_string()),
                ("--deadline-s", deadline_s.to_string()),
            ],
        );
        flooders.push(spawn_worker(lab, &format!("flood-sender-{i}"), &args)?);
    }
    for flooder in &mut flooders {
        flooder.expect_line("ready", Duration::from_secs(10))?;
    }
    let total = senders as u64 * per_sender;
    let first = newest(state);
    let mut last = first;
    let mut missed = 0;
    let cpu_before = cpu_ns(server.proc.pid())?;
    let started = now_ns();
    for flooder in &mut flooders {
        flooder.write_line("go")?;
    }
    let give_up = Instant::now() + PATIENCE + Duration::from_secs(total / 2_000);
    while last - first < total {
        check()?;
        wait_for_news(state, last, Duration::from_millis(100))
            .map_err(|errno| anyhow::anyhow!("futex(FUTEX_WAIT): {errno}"))?;
        let batch = seqlock::read_since(state, last);
        missed += batch.missed;
        last = advance(last, &batch);
        progress.tick((last - first) as usize, total as usize);
        if Instant::now() > give_up {
            bail!(
                "the server published {} of {total} lines and no more",
                last - first
            );
        }
    }
    let elapsed = now_ns() - started;
    let cpu = cpu_ns(server.proc.pid())?.saturating_sub(cpu_before);
    for flooder in &mut flooders {
        flooder.expect_line("done", PATIENCE)?;
        flooder.close_stdin();
    }
    for flooder in &mut flooders {
        flooder.finish(Duration::from_secs(10))?;
    }
    Ok(Flood {
        rate: total as f64 / (elapsed.max(1) as f64 / 1e9),
        server_cpu_ns: cpu as f64 / total.max(1) as f64,
        missed,
        lines: total,
    })
}

/// Waits until the room's presence table satisfies `done` (given the names online).
fn wait_for_members(
    room: &Room,
    what: &str,
    timeout: Duration,
    done: impl Fn(&[String]) -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        check()?;
        let names: Vec<String> = online(room)?.into_iter().map(|m| m.name).collect();
        if done(&names) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("{what} within {timeout:?} ({} members online)", names.len());
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// What `readers` readers cost the server.
#[derive(Debug, Clone)]
pub struct ReaderCost {
    /// How many readers (clients) were in the room.
    pub readers: usize,
    /// The server's CPU time per line, in nanoseconds.
    pub server_cpu_ns: f64,
    /// How many lines it was measured over.
    pub lines: usize,
}

/// The server's CPU time per line with `readers` clients asleep on the futex, over
/// `lines` lines sent one per `gap`; then, if `idle` is given, the wake-ups per second of
/// the first client while nothing happens for that long.
pub fn reader_cost(
    lab: &Lab,
    server: &ServerProc,
    readers: usize,
    lines: usize,
    gap: Duration,
    idle: Option<Duration>,
    progress: &mut Progress,
) -> anyhow::Result<(ReaderCost, Option<f64>)> {
    let room = &server.room;
    // The members of earlier phases have left (the queue keeps their leaves in order).
    wait_for_members(room, "earlier members did not leave", PATIENCE, |names| {
        names.is_empty()
    })?;
    let dir = room.dir().as_os_str().to_owned();
    let mut clients = Vec::with_capacity(readers);
    for i in 1..=readers {
        let name = OsString::from(format!("r{i}"));
        let args: [&OsStr; 6] = [
            OsStr::new("client"),
            OsStr::new("--plain"),
            OsStr::new("--name"),
            &name,
            OsStr::new("--room"),
            &dir,
        ];
        // The first reader also sends (its stdin); the others' stdin stays open, idle.
        clients.push(lab.spawn(&format!("reader-{i}"), &args, true, false)?);
    }
    wait_for_members(
        room,
        &format!("{readers} clients did not all join"),
        Duration::from_secs(20) + PATIENCE,
        |names| names.len() >= readers,
    )?;
    // Let them print the history and fall asleep on the futex.
    pause(Duration::from_millis(300))?;
    let objects = RoomObjects::open(room)?;
    let state = objects.state();
    let first = newest(state);
    let cpu_before = cpu_ns(server.proc.pid())?;
    let sender = clients.first_mut().context("no readers")?;
    for i in 0..lines {
        check()?;
        sender.write_line(&line_text(i as u64, now_ns()))?;
        progress.tick(i + 1, lines);
        thread::sleep(gap);
    }
    let give_up = Instant::now() + PATIENCE;
    while newest(state) - first < lines as u64 {
        check()?;
        if Instant::now() > give_up {
            bail!(
                "the server published {} of the {lines} lines",
                newest(state) - first
            );
        }
        thread::sleep(Duration::from_millis(2));
    }
    // The last publication's FUTEX_WAKE comes right after next_seq.
    thread::sleep(Duration::from_millis(20));
    let cpu = cpu_ns(server.proc.pid())?.saturating_sub(cpu_before);
    let mut wakeups = None;
    if let Some(idle) = idle {
        pause(Duration::from_millis(300))?;
        let pid = sender.pid();
        let before = context_switches(pid)?;
        let started = Instant::now();
        pause(idle)?;
        let after = context_switches(pid)?;
        wakeups = Some(after.saturating_sub(before) as f64 / started.elapsed().as_secs_f64());
    }
    for client in &mut clients {
        client.close_stdin();
    }
    for client in &mut clients {
        client.finish(Duration::from_secs(10))?;
    }
    Ok((
        ReaderCost {
            readers,
            server_cpu_ns: cpu as f64 / lines.max(1) as f64,
            lines,
        },
        wakeups,
    ))
}

/// Sleeps for `time`, giving up at once if the run is aborted.
fn pause(time: Duration) -> anyhow::Result<()> {
    let until = Instant::now() + time;
    while Instant::now() < until {
        check()?;
        thread::sleep(
            until
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(100)),
        );
    }
    Ok(())
}
