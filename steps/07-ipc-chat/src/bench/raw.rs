//! The raw baseline: what one System V message queue does between two processes, with
//! nothing of the chat around it.
//!
//! The bench and an echo worker share a queue created for the run (keyed by a file of
//! the lab, removed when the run ends). Payloads are exactly as large as the chat's Say
//! request for a bench line, and go through the same step 1 wrappers the chat uses.
//!
//! - **One-way latency**: ping-pong, one message at a time: the bench sends on mtype 1,
//!   the worker, blocked in `msgrcv`, wakes and sends it back on mtype 2. Half of each
//!   round trip is one hop: a `msgsnd` until a process blocked in `msgrcv` has the message.
//! - **Stream throughput**: the bench sends messages back to back (blocking while the
//!   queue is full) and the worker takes them; the rate counts until the worker answers
//!   the stream's last message. The worker's CPU time over the stream is the raw cost of
//!   taking one message.
//! - **Paced receiver cost**: the same messages one at a time, at the pace at which the
//!   chat's reader costs are measured, so that the receiver sleeps and wakes for each:
//!   the raw counterpart of the server's CPU time per line at that pace.

use std::ffi::OsStr;
use std::time::Duration;

use step01_message_queue::{Key, MessageQueue, TypeFilter};
use step03_protocol::routing::QUEUE_PROJ;

use super::Progress;
use super::lab::{Lab, QueueRegistration, check, cpu_ns, now_ns};
use super::stats::Samples;
use super::worker::{FROM_ECHO, PING, QUIT, STREAM, STREAM_END, TO_ECHO, request_size};

/// What the raw queue did.
#[derive(Debug, Clone)]
pub struct RawFigures {
    /// One-way latencies (half round trips), in nanoseconds.
    pub one_way: Samples,
    /// Messages per second, one direction.
    pub stream_rate: f64,
    /// The receiving process's CPU time per message of the stream, in nanoseconds.
    pub receiver_cpu_ns: f64,
    /// Its CPU time per message when they come one at a time, `paced_gap` apart.
    pub paced_cpu_ns: f64,
    /// How many paced messages that was measured over.
    pub paced: usize,
    /// The pace.
    pub paced_gap: Duration,
    /// How many messages the stream sent.
    pub stream: usize,
    /// The payload size, in bytes.
    pub payload: usize,
}

/// Measures `round_trips` ping-pongs, a stream of `stream` messages, and `paced`
/// messages sent `gap` apart.
pub fn measure(
    lab: &Lab,
    round_trips: usize,
    stream: usize,
    (paced, gap): (usize, Duration),
    progress: &mut Progress,
) -> anyhow::Result<RawFigures> {
    let dir = lab.subdir("raw")?;
    let queue = MessageQueue::create(Key::from_path(&dir, QUEUE_PROJ)?, 0o600)?;
    let _registered = QueueRegistration::new(queue.id());
    let mut echo = lab.spawn(
        "raw-echo",
        &[
            OsStr::new("bench"),
            OsStr::new("--worker"),
            OsStr::new("echo"),
            OsStr::new("--room"),
            dir.as_os_str(),
        ],
        false,
        true,
    )?;
    echo.expect_line("ready", Duration::from_secs(10))?;
    let size = request_size();

    progress.phase(&format!(
        "raw queue: ping-pong, {round_trips} round trips of {size} bytes"
    ));
    let mut ping = vec![0u8; size];
    ping[0] = PING;
    let warm_up = (round_trips / 20).max(10);
    let mut one_way = Vec::with_capacity(round_trips);
    for i in 0..warm_up + round_trips {
        let sent = now_ns();
        queue.send(TO_ECHO, &ping)?;
        queue.receive(TypeFilter::Exactly(FROM_ECHO))?;
        let back = now_ns();
        if i >= warm_up {
            one_way.push((back - sent) / 2);
        }
        if i.is_multiple_of(256) {
            check()?;
            progress.tick(i.saturating_sub(warm_up), round_trips);
        }
    }

    progress.phase(&format!(
        "raw queue: stream of {stream} messages, then {paced} at a {gap:?} pace"
    ));
    let mut message = vec![0u8; size];
    message[0] = STREAM;
    let cpu_before = cpu_ns(echo.pid())?;
    let started = now_ns();
    for i in 0..stream {
        queue.send(TO_ECHO, &message)?;
        if i.is_multiple_of(4096) {
            check()?;
            progress.tick(i, stream);
        }
    }
    queue.send(TO_ECHO, &[STREAM_END])?;
    queue.receive(TypeFilter::Exactly(FROM_ECHO))?;
    let elapsed = now_ns() - started;
    let cpu = cpu_ns(echo.pid())?.saturating_sub(cpu_before);

    let paced_before = cpu_ns(echo.pid())?;
    for _ in 0..paced {
        check()?;
        queue.send(TO_ECHO, &message)?;
        std::thread::sleep(gap);
    }
    queue.send(TO_ECHO, &[STREAM_END])?;
    queue.receive(TypeFilter::Exactly(FROM_ECHO))?;
    let paced_cpu = cpu_ns(echo.pid())?.saturating_sub(paced_before);
    queue.send(TO_ECHO, &[QUIT])?;
    echo.finish(Duration::from_secs(5))?;
    Ok(RawFigures {
        one_way: Samples::new(one_way),
        stream_rate: stream as f64 / (elapsed.max(1) as f64 / 1e9),
        receiver_cpu_ns: cpu as f64 / stream.max(1) as f64,
        paced_cpu_ns: paced_cpu as f64 / paced.max(1) as f64,
        paced,
        paced_gap: gap,
        stream,
        payload: size,
    })
}
