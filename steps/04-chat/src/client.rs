//! The line-oriented client: lines from stdin go to the server, the room's lines come out
//! on stdout.
//!
//! In this step the client *polls*: every [`POLL_INTERVAL`] (50 ms) it takes the room's
//! lock, copies the entries it has not seen, releases the lock and prints them; while lines
//! are arriving, or its own are on their way, it looks every [`BUSY_POLL_INTERVAL`] (5 ms).
//! An idle room's line therefore shows up at most 50 ms (plus scheduling) after the server
//! appended it; step 7 replaces the polling with a futex wake-up and measures the
//! difference.

use std::io::BufRead;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use step01_message_queue::{MessageQueue, TypeFilter};
use step03_protocol::layout::EntryKind;
use step03_protocol::routing::{SERVER_MTYPE, reply_mtype};
use step03_protocol::{Name, Reply, Request, Text, describe};

use crate::format;
use crate::objects::RoomObjects;
use crate::ring::Ring;
use crate::room::Room;
use crate::semaphore::MUTEX;

// ANCHOR: constants
/// How often an idle client looks for new lines in the ring.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How often a busy client looks: while lines are arriving or its own are on their way.
pub const BUSY_POLL_INTERVAL: Duration = Duration::from_millis(5);
/// The most lines a client sends before it has seen them come back. The ring keeps only
/// `RING_CAPACITY` entries, so unbounded senders could lap a reader between two polls;
/// this flow control keeps the entries in flight well below that.
pub const MAX_IN_FLIGHT: usize = 8;
/// How long the client waits for the server to answer its join.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the client keeps retrying a send while the queue is full.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// After end of input, how long the client waits to see its own last lines in the room.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
// ANCHOR_END: constants

/// A client that has joined a room.
pub struct Client {
    /// The room's objects.
    objects: RoomObjects,
    /// Our pid: our mailbox on the queue.
    pid: i32,
    /// The sequence number of the last entry printed.
    last_seq: u64,
    /// Lines we sent that we have not seen in the ring yet.
    unseen_own: usize,
}

/// What the stdin thread hands to the main loop.
enum Input {
    /// A line (without its newline).
    Line(String),
    /// A line that is not UTF-8.
    NotUtf8,
    /// End of input.
    End,
}

impl Client {
    // ANCHOR: client_join
    /// Opens the room and joins it as `name`; fails with the server's reason if refused.
    pub fn join(room: &Room, name: &str) -> anyhow::Result<Client> {
        let name = Name::new(name).with_context(|| format!("cannot join as {name:?}"))?;
        let objects = RoomObjects::open(room)?;
        let pid = std::process::id() as i32;
        reply_mtype(pid)?;
        let client = Client {
            objects,
            pid,
            last_seq: 0,
            unseen_own: 0,
        };
        // A process that had our pid before us may have left replies behind: clear them,
        // so the first reply we read is the answer to our own join.
        while client.mailbox()?.is_some() {}
        client.send(&Request::Join {
            pid,
            name: name.clone(),
        })?;
        let deadline = Instant::now() + JOIN_TIMEOUT;
        loop {
            match client.mailbox()? {
                Some(Reply::Welcome { .. }) => break,
                Some(Reply::Rejected { detail, .. }) => {
                    bail!("the server refused to let {name} join: {detail}")
                }
                Some(other) => {
                    eprintln!("ignoring an unexpected reply: {}", describe::reply(&other))
                }
                None if Instant::now() >= deadline => bail!(
                    "no answer from the server of room {room} within {} s (is it running?)",
                    JOIN_TIMEOUT.as_secs()
                ),
                None => thread::sleep(Duration::from_millis(10)),
            }
        }
        eprintln!(
            "joined room {room} as {name}; type a line to send it; /who, /msg NAME TEXT, /quit or Ctrl-D to leave"
        );
        Ok(client)
    }
    // ANCHOR_END: client_join

    // ANCHOR: send
    /// Sends a request to the server, retrying while the queue is full (up to [`SEND_TIMEOUT`]).
    fn send(&self, request: &Request) -> anyhow::Result<()> {
        let bytes = request.encode();
        let deadline = Instant::now() + SEND_TIMEOUT;
        let mut pause = Duration::from_millis(1);
        while !self
            .queue()
            .try_send(SERVER_MTYPE, &bytes)
            .context("the server is gone")?
        {
            if Instant::now() >= deadline {
                bail!(
                    "the room's queue stayed full for {} s: the server is not keeping up",
                    SEND_TIMEOUT.as_secs()
                );
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        Ok(())
    }
    // ANCHOR_END: send

    /// The queue.
    fn queue(&self) -> MessageQueue {
        self.objects.queue
    }

    /// Takes one reply out of our mailbox, if there is one. A reply that does not decode is
    /// reported and skipped.
    fn mailbox(&self) -> anyhow::Result<Option<Reply>> {
        let message = self
            .queue()
            .try_receive(TypeFilter::Exactly(i64::from(self.pid)))
            .context("the room's queue is gone: the server has stopped")?;
        match message.map(|m| Reply::decode(&m.payload)) {
            None => Ok(None),
            Some(Ok(reply)) => Ok(Some(reply)),
            Some(Err(error)) => {
                eprintln!("ignoring a malformed reply: {error}");
                Ok(None)
            }
        }
    }

    // ANCHOR: print_new
    /// Prints every entry the ring holds that we have not printed yet; returns how many.
    pub fn print_new(&mut self) -> anyhow::Result<usize> {
        let batch = {
            let held = self
                .objects
                .semaphores
                .lock(MUTEX)
                .context("cannot take the room's lock")?;
            Ring::new(self.objects.state()).read_since(&held, self.last_seq)
        };
        if batch.missed > 0 {
            println!("{}", format::missed(batch.missed, self.last_seq == 0));
        }
        for entry in &batch.entries {
            println!("{}", format::line(entry));
            if entry.pid == self.pid && entry.kind == EntryKind::Chat {
                self.unseen_own = self.unseen_own.saturating_sub(1);
            }
            self.last_seq = entry.seq;
        }
        Ok(batch.entries.len())
    }
    // ANCHOR_END: print_new

    /// Test hook: takes the room's lock and never gives it back (until killed).
    pub fn hold_lock_forever(&self) -> anyhow::Result<()> {
        let _held = self.objects.semaphores.lock(MUTEX)?;
        eprintln!("holding the room's lock until killed (test hold point)");
        loop {
            thread::sleep(Duration::from_secs(3600));
        }
    }

    // ANCHOR: run
    /// Runs the chat: history first, then stdin lines out and room lines in, until
    /// `/quit`, end of input, or the server's goodbye.
    pub fn run(mut self) -> anyhow::Result<()> {
        let input = spawn_stdin_reader();
        self.print_new()?;
        let mut ending: Option<Instant> = None;
        loop {
            while self.unseen_own < MAX_IN_FLIGHT {
                match input.try_recv() {
                    Ok(Input::Line(line)) if line.trim() == "/quit" => return self.leave(),
                    Ok(Input::Line(line)) => self.command(&line)?,
                    Ok(Input::NotUtf8) => eprintln!("that line is not valid UTF-8: not sent"),
                    Ok(Input::End) | Err(TryRecvError::Disconnected) => {
                        ending.get_or_insert(Instant::now() + DRAIN_TIMEOUT);
                        break;
                    }
                    Err(TryRecvError::Empty) => break,
                }
            }
            while let Some(reply) = self.mailbox()? {
                match reply {
                    Reply::Bye { reason } => {
                        println!("* the server said goodbye: {reason}");
                        return Ok(());
                    }
                    Reply::Rejected { detail, .. } => eprintln!("the server refused: {detail}"),
                    Reply::Private {
                        from,
                        time_ms,
                        text,
                    } => {
                        println!("[{}] *{from}* {text}", format::clock(time_ms))
                    }
                    Reply::Who { names } => {
                        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
                        println!("* online: {}", names.join(", "))
                    }
                    Reply::Welcome { .. } => {}
                }
            }
            let printed = self.print_new()?;
            // At end of input, leave once our own lines have come back (or after a while).
            if let Some(deadline) = ending
                && (self.unseen_own == 0 || Instant::now() >= deadline)
            {
                return self.leave();
            }
            let busy = printed > 0 || self.unseen_own > 0;
            thread::sleep(if busy {
                BUSY_POLL_INTERVAL
            } else {
                POLL_INTERVAL
            });
        }
    }
    // ANCHOR_END: run

    /// Handles one line of input: `/who`, `/msg NAME TEXT`, or a line to say.
    fn command(&mut self, line: &str) -> anyhow::Result<()> {
        let pid = self.pid;
        if line.trim() == "/who" {
            return self.send(&Request::Who { pid });
        }
        if let Some(rest) = line.strip_prefix("/msg ") {
            let (to, text) = rest
                .trim_start()
                .split_once(' ')
                .unwrap_or((rest.trim(), ""));
            match (Name::new(to), Text::new(text)) {
                (Ok(to), Ok(text)) => return self.send(&Request::Private { pid, to, text }),
                (Err(error), _) => eprintln!("not sent: {error}"),
                (_, Err(error)) => eprintln!("not sent: {error} (usage: /msg NAME TEXT)"),
            }
            return Ok(());
        }
        self.say(line)
    }

    // ANCHOR: say
    /// Validates a line and sends it; an invalid line is reported and not sent.
    fn say(&mut self, line: &str) -> anyhow::Result<()> {
        if line.is_empty() {
            return Ok(());
        }
        match Text::new(line) {
            Ok(text) => {
                self.send(&Request::Say {
                    pid: self.pid,
                    text,
                })?;
                self.unseen_own += 1;
            }
            Err(error) => eprintln!("not sent: {error}"),
        }
        Ok(())
    }
    // ANCHOR_END: say

    /// Tells the server we leave.
    fn leave(self) -> anyhow::Result<()> {
        self.send(&Request::Leave { pid: self.pid })
    }
}

/// Reads stdin on a thread of its own, so the main loop never blocks on it.
fn spawn_stdin_reader() -> Receiver<Input> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match stdin.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Input::End);
                    return;
                }
                Ok(_) => {
                    if buffer.last() == Some(&b'\n') {
                        buffer.pop();
                    }
                    if buffer.last() == Some(&b'\r') {
                        buffer.pop();
                    }
                    let input = match String::from_utf8(buffer.clone()) {
                        Ok(line) => Input::Line(line),
                        Err(_) => Input::NotUtf8,
                    };
                    if tx.send(input).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}
