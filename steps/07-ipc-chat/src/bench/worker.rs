//! The bench's own child processes: `ipc-chat bench --worker ROLE ...`, a hidden mode of
//! the same program, so that every measurement crosses process boundaries the way the
//! chat does.
//!
//! Each worker talks to the bench through its stdin and stdout (lines such as `ready`
//! and `go`), writes its complaints to stderr (the lab's log), and has a deadline of its
//! own after which it leaves, whatever the bench is doing.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use step01_message_queue::{Key, MessageQueue, TypeFilter};
use step03_protocol::routing::{QUEUE_PROJ, SERVER_MTYPE};
use step03_protocol::{Request, Text};
use step04_chat::Room;
use step04_chat::client::Client;
use step04_chat::ring::Entry;

use super::lab::now_ns;

/// The hidden arguments of a worker.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WorkerArgs {
    /// Run as one of the bench's child processes (internal).
    #[arg(long, hide = true, value_enum)]
    pub worker: Option<Role>,
    /// The worker's room (or, for `echo`, the directory of the raw queue's key).
    #[arg(long, hide = true, value_name = "DIR")]
    pub room: Option<PathBuf>,
    /// The name a sender joins as.
    #[arg(long, hide = true, default_value = "bench")]
    pub name: String,
    /// How many lines a flood sender sends.
    #[arg(long, hide = true, default_value_t = 0)]
    pub count: u64,
    /// A paced sender waits a random time below this many microseconds before each line.
    #[arg(long, hide = true, default_value_t = 0)]
    pub gap_us: u64,
    /// The worker leaves after this many seconds, whatever happens.
    #[arg(long, hide = true, default_value_t = 120)]
    pub deadline_s: u64,
}

/// What a worker does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The far end of the raw queue: echoes pings, swallows a stream.
    Echo,
    /// Joins a room, then sends one line for every `go` on stdin.
    PacedSender,
    /// Joins a room, then sends `--count` lines as fast as the queue takes them.
    FloodSender,
    /// Step 4's server, for the comparison with polling readers.
    Step4Server,
}

/// The mtype of the messages to the echo worker.
pub const TO_ECHO: i64 = 1;
/// The mtype of the echo worker's answers.
pub const FROM_ECHO: i64 = 2;
/// First payload byte: a ping, echoed back.
pub const PING: u8 = b'p';
/// First payload byte: a message of a stream, swallowed.
pub const STREAM: u8 = b's';
/// First payload byte: the end of a stream, answered once all of it is taken.
pub const STREAM_END: u8 = b'e';
/// First payload byte: exit.
pub const QUIT: u8 = b'q';

/// How long the text of a bench line is: about a line people type.
const LINE_LEN: usize = 48;

/// The text of bench line `seq`, sent at `sent_ns` (CLOCK_MONOTONIC): the reader takes
/// the time out of the line itself, so the two ends need no other channel.
pub fn line_text(seq: u64, sent_ns: u64) -> String {
    let mut text = format!("bench {seq:08} {sent_ns:020} ");
    while text.len() < LINE_LEN {
        text.push('x');
    }
    text
}

/// The number and sending time of a bench line, if `entry` is one.
pub fn parse_line(entry: &Entry) -> Option<(u64, u64)> {
    let mut words = entry.text.split(' ');
    if words.next()? != "bench" {
        return None;
    }
    let seq = words.next()?.parse().ok()?;
    let sent = words.next()?.parse().ok()?;
    Some((seq, sent))
}

/// The size of the request a bench line makes: the payload of the raw baseline.
pub fn request_size() -> usize {
    let text = Text::new(&line_text(0, 0)).map_or(LINE_LEN, |text| {
        Request::Say {
            pid: i32::MAX,
            text,
        }
        .encode()
        .len()
    });
    text.max(1)
}

/// A small random number generator (xorshift64*), for the paced senders' gaps.
pub struct Rng(u64);

impl Rng {
    /// Seeded from the clock and the pid.
    pub fn new() -> Rng {
        Rng((now_ns() ^ (u64::from(std::process::id()) << 32)) | 1)
    }

    /// A number below `bound` (0 if `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        if bound == 0 { 0 } else { value % bound }
    }
}

impl Default for Rng {
    fn default() -> Rng {
        Rng::new()
    }
}

/// Runs the worker `role`.
pub fn run(role: Role, args: &WorkerArgs) -> anyhow::Result<ExitCode> {
    let dir = args
        .room
        .clone()
        .context("a worker needs --room (it is started by ipc-chat bench)")?;
    let deadline = Duration::from_secs(args.deadline_s);
    match role {
        Role::Echo => {
            start_deadline(deadline, false);
            echo(&dir)?;
        }
        Role::PacedSender => {
            start_deadline(deadline, false);
            paced(&Room::new(Some(dir)), &args.name, args.gap_us)?;
        }
        Role::FloodSender => {
            start_deadline(deadline, false);
            flood(&Room::new(Some(dir)), &args.name, args.count)?;
        }
        Role::Step4Server => {
            let server_args = step04_chat::cli::ServerArgs {
                room: step04_chat::cli::RoomArg { room: Some(dir) },
            };
            return step04_chat::cli::run_server(
                "ipc-chat bench (step 4 server)",
                &server_args,
                |room| {
                    // Started after run_server blocked the stop signals: this thread
                    // inherits the mask, and its SIGTERM reaches the signal thread, which
                    // shuts the server down cleanly.
                    start_deadline(deadline, true);
                    Ok(step04_chat::server::Server::start(room.clone())?.serve()?)
                },
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ends the worker after `deadline`: with `SIGTERM` to itself (`terminate`, for a server
/// that shuts down cleanly on it), or by exiting.
fn start_deadline(deadline: Duration, terminate: bool) {
    thread::spawn(move || {
        thread::sleep(deadline);
        eprintln!("ipc-chat bench worker: deadline of {deadline:?} reached, leaving");
        if terminate {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::SIGTERM);
            thread::sleep(Duration::from_secs(10));
        }
        std::process::exit(124);
    });
}

/// Tells the bench something, one line on stdout.
fn say(word: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{word}")
        .and_then(|()| out.flush())
        .context("the bench stopped listening")
}

/// The echo worker: answers every ping at once, takes a stream and answers its end.
fn echo(dir: &std::path::Path) -> anyhow::Result<()> {
    let queue = MessageQueue::open(Key::from_path(dir, QUEUE_PROJ)?)?;
    say("ready")?;
    loop {
        let message = queue.receive(TypeFilter::Exactly(TO_ECHO))?;
        match message.payload.first().copied() {
            Some(PING) => queue.send(FROM_ECHO, &message.payload)?,
            Some(STREAM) => {}
            Some(STREAM_END) => queue.send(FROM_ECHO, &[STREAM_END])?,
            _ => return Ok(()),
        }
    }
}

/// Sends bench line `seq` as a Say request, straight into the queue (blocking while it is
/// full, as the raw baseline does), stamped with the time just before `msgsnd`.
fn send_line(client: &Client, seq: u64) -> anyhow::Result<()> {
    let text = Text::new(&line_text(seq, now_ns()))?;
    let request = Request::Say {
        pid: client.pid(),
        text,
    };
    client
        .queue()
        .send(SERVER_MTYPE, &request.encode())
        .context("cannot send to the server")
}

/// The paced sender: one line for every `go` on stdin, after a random pause below
/// `gap_us`; at the end of its input, it leaves the room.
fn paced(room: &Room, name: &str, gap_us: u64) -> anyhow::Result<()> {
    let client = Client::join(room, name)?;
    say("ready")?;
    let mut rng = Rng::new();
    for (seq, line) in std::io::stdin().lock().lines().enumerate() {
        if line? != "go" {
            bail!("the bench said something else than go");
        }
        if gap_us > 0 {
            thread::sleep(Duration::from_micros(rng.below(gap_us)));
        }
        send_line(&client, seq as u64)?;
    }
    client.leave()?;
    Ok(())
}

/// The flood sender: after one `go`, `count` lines back to back; then `done`, and it
/// leaves the room at the end of its input.
fn flood(room: &Room, name: &str, count: u64) -> anyhow::Result<()> {
    let client = Client::join(room, name)?;
    say("ready")?;
    let mut lines = std::io::stdin().lock().lines();
    match lines.next() {
        Some(Ok(go)) if go == "go" => {}
        _ => bail!("the bench did not say go"),
    }
    for seq in 0..count {
        send_line(&client, seq)?;
    }
    say("done")?;
    for line in lines {
        line?;
    }
    client.leave()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use step03_protocol::layout::EntryKind;

    #[test]
    fn a_line_carries_its_number_and_time() {
        let text = line_text(42, 1_234_567_890_123);
        assert_eq!(text.len(), LINE_LEN);
        assert!(Text::new(&text).is_ok());
        let entry = Entry {
            seq: 7,
            time_ms: 0,
            pid: 1,
            kind: EntryKind::Chat,
            name: "x".into(),
            text,
        };
        assert_eq!(parse_line(&entry), Some((42, 1_234_567_890_123)));
        assert!(request_size() > LINE_LEN);
    }

    #[test]
    fn random_gaps_stay_below_their_bound() {
        let mut rng = Rng::new();
        assert!((0..1000).all(|_| rng.below(50) < 50));
        assert_eq!(rng.below(0), 0);
    }
}
