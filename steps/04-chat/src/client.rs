//! The line-oriented client: lines from stdin go to the server, the room's lines come out
//! on stdout.
//!
//! A thread reads stdin and hands each line over a channel, so the main loop never blocks
//! on the keyboard. The main loop waits on that channel for at most the poll interval, so
//! a typed line is sent the moment it arrives; between lines, it *polls* the ring: every
//! [`POLL_INTERVAL`] (50 ms) it takes the room's lock, copies the entries it has not seen,
//! releases the lock and prints them; while lines are arriving, or its own are on their
//! way, it looks every [`BUSY_POLL_INTERVAL`] (5 ms). Another client's line therefore
//! shows up at most 50 ms (plus scheduling) after the server appended it; step 7 replaces
//! the polling with a futex wake-up and measures the difference.
//!
//! Every turn of the loop also checks that the server lives (its `SEM_UNDO` semaphore),
//! so a client whose server was killed says so and exits, whatever it was doing.
//!
//! `kill -USR1 PID` makes a client report its state on stderr (like `dd`'s progress
//! report). The handler only raises a flag, which the loop reads; the signal may arrive
//! while the client waits for the room's lock, and then interrupts `semop` (`EINTR`),
//! which the semaphore wrapper must simply retry.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use step01_message_queue::{IpcError, MessageQueue, TypeFilter};
use step02_shared_memory::{Backoff, ShmError};
use step03_protocol::layout::EntryKind;
use step03_protocol::routing::{SERVER_MTYPE, reply_mtype};
use step03_protocol::{Name, RejectReason, Reply, Request, describe};

use crate::command::{COMMANDS, Command};
use crate::error::{ChatError, Result};
use crate::format;
use crate::objects::RoomObjects;
use crate::ring::{Batch, Ring};
use crate::room::Room;

// ANCHOR: constants
/// How often an idle client looks for new lines in the ring.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How often a busy client looks: while lines are arriving or its own are on their way.
pub const BUSY_POLL_INTERVAL: Duration = Duration::from_millis(5);
/// Flow control: the most lines a client sends before it has seen them come back, and
/// also the most it sends in any one [`POLL_INTERVAL`]. The ring keeps only
/// `RING_CAPACITY` (256) entries, and an idle reader looks at it once per interval, so
/// unpaced senders could lap it between two looks; paced, 32 busy senders still cannot.
pub const MAX_IN_FLIGHT: usize = 8;
/// How long the client waits for the server to answer its join.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the client keeps retrying a send while the queue is full.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// After end of input, how long the client waits to see its own last lines in the room.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
// ANCHOR_END: constants

// ANCHOR: status_signal
/// Raised by the SIGUSR1 handler: report the client's state at the next turn of the loop.
pub static STATUS_REQUESTED: AtomicBool = AtomicBool::new(false);

/// The SIGUSR1 handler. Only async-signal-safe work is allowed in a handler (signal-safety(7)):
/// storing to an atomic is, printing is not.
extern "C" fn request_status(_signal: libc::c_int) {
    STATUS_REQUESTED.store(true, Ordering::Relaxed);
}

/// Installs the SIGUSR1 handler that asks for a status report. Without `SA_RESTART`:
/// System V calls are never restarted anyway (signal(7)), and the wrappers retry `EINTR`.
pub fn install_status_signal() -> Result<(), Errno> {
    let action = SigAction::new(
        SigHandler::Handler(request_status),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe, and it
    // replaces the default action (terminate) of a signal nothing else in the program uses.
    unsafe { sigaction(Signal::SIGUSR1, &action) }.map(|_| ())
}
// ANCHOR_END: status_signal

// ANCHOR: leave_signals
/// Raised by the handler of SIGINT, SIGTERM and SIGHUP: leave the room properly at the
/// next turn of the loop, instead of dying and leaving a ghost that keeps the name.
pub static LEAVE_REQUESTED: AtomicBool = AtomicBool::new(false);

/// The handler of the signals that end a client.
extern "C" fn request_leave(_signal: libc::c_int) {
    LEAVE_REQUESTED.store(true, Ordering::Relaxed);
}

/// The signals that make a client leave: Ctrl-C, `kill`, a closed terminal.
pub fn leave_signals() -> [Signal; 3] {
    [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP]
}

/// Installs the handler that turns SIGINT, SIGTERM and SIGHUP into a proper leave.
pub fn install_leave_signals() -> Result<(), Errno> {
    let action = SigAction::new(
        SigHandler::Handler(request_leave),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for signal in leave_signals() {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe; it
        // replaces the default action (terminate) of these signals in this program only.
        unsafe { sigaction(signal, &action) }?;
    }
    Ok(())
}
// ANCHOR_END: leave_signals

/// A client that has joined a room.
pub struct Client {
    /// The room.
    room: Room,
    /// The room's objects, shared with the threads a later step's client starts.
    objects: Arc<RoomObjects>,
    /// Our pid: our mailbox on the queue.
    pid: i32,
    /// The sequence number of the last entry printed.
    last_seq: u64,
    /// Lines we sent that we have not seen in the ring yet.
    unseen_own: usize,
    /// When we sent our last lines, at most [`MAX_IN_FLIGHT`] of them within the last
    /// poll interval: the pace of our sending.
    recent_sends: VecDeque<Instant>,
    /// How often we look at the ring while idle: [`POLL_INTERVAL`] unless a test asks
    /// for another.
    poll_interval: Duration,
    /// Where our lines go: stdout, unless a later step's terminal front end takes over.
    output: Box<dyn Output>,
    /// Whether sends are paced to [`MAX_IN_FLIGHT`] per poll interval (step 4's polling
    /// readers need it; step 7's are woken at once and need only the in-flight limit).
    paced: bool,
}

// ANCHOR: output
/// What kind of line the client shows, so that a terminal can style them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line somebody said in the room.
    Public,
    /// A private line, to us or from us.
    Private,
    /// A notice: joins, leaves, the room's answers.
    Notice,
}

/// Where the client's lines go. Step 4 prints them on stdout ([`Stdout`]); step 7's
/// terminal front end prints them above the line being typed.
pub trait Output: Send {
    /// Shows one line (without its newline).
    fn show(&mut self, line: &str, style: Style) -> Result<()>;
}

/// Lines on stdout, one per line, unstyled: what scripts and the graders read.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

impl Output for Stdout {
    fn show(&mut self, line: &str, _style: Style) -> Result<()> {
        show(line)
    }
}
// ANCHOR_END: output

/// What the stdin thread hands to the main loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line (without its newline).
    Line(String),
    /// A line that is not UTF-8.
    NotUtf8,
    /// End of input.
    End,
}

/// Whether the chat goes on after a line or a reply.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// Leave the room (`/quit`).
    Quit,
    /// The server said goodbye.
    Bye,
}

impl Client {
    // ANCHOR: client_join
    /// Opens the room and joins it as `name`; fails with the server's reason if refused.
    pub fn join(room: &Room, name: &str) -> Result<Client> {
        let name = Name::new(name)?;
        let objects = RoomObjects::open(room)?;
        let pid = std::process::id() as i32;
        reply_mtype(pid)?;
        let client = Client {
            room: room.clone(),
            objects: Arc::new(objects),
            pid,
            last_seq: 0,
            unseen_own: 0,
            recent_sends: VecDeque::new(),
            poll_interval: POLL_INTERVAL,
            output: Box::new(Stdout),
            paced: true,
        };
        // A process that had our pid before us may have left replies behind: clear them,
        // so the first reply we read is the answer to our own join.
        while client.mailbox()?.is_some() {}
        client.send(&Request::Join {
            pid,
            name: name.clone(),
        })?;
        let mut backoff = Backoff::new(JOIN_TIMEOUT);
        loop {
            match client.mailbox()? {
                Some(Reply::Welcome { .. }) => break,
                Some(Reply::Rejected { reason, detail }) => {
                    return Err(ChatError::Refused { reason, detail });
                }
                Some(other) => {
                    eprintln!("ignoring an unexpected reply: {}", describe::reply(&other))
                }
                None => {
                    client.check_server()?;
                    backoff.wait(|| format!("the server of room {room} to answer the join"))?;
                }
            }
        }
        eprintln!(
            "joined room {room} as {name}; type a line to send it; {COMMANDS} or Ctrl-D to leave"
        );
        Ok(client)
    }
    // ANCHOR_END: client_join

    /// Looks at the ring every `interval` while idle instead of every [`POLL_INTERVAL`]
    /// (the grader uses a long one to prove that typed lines do not wait for a look).
    pub fn set_poll_interval(&mut self, interval: Duration) {
        self.poll_interval = interval;
    }

    /// Stops pacing our sends to [`MAX_IN_FLIGHT`] per poll interval; only the in-flight
    /// limit stays. For readers that are woken as soon as a line is published (step 7).
    pub fn without_pacing(&mut self) {
        self.paced = false;
    }

    /// Shows our lines through `output` instead of on stdout.
    pub fn set_output(&mut self, output: Box<dyn Output>) {
        self.output = output;
    }

    /// The room.
    pub fn room(&self) -> &Room {
        &self.room
    }

    /// The room's objects (a later step's threads keep a handle on them).
    pub fn objects(&self) -> &Arc<RoomObjects> {
        &self.objects
    }

    /// Our pid, which is also our mailbox's mtype.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The sequence number of the last entry we printed.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// How many lines we sent that have not come back through the ring yet.
    pub fn unseen_own(&self) -> usize {
        self.unseen_own
    }

    /// Fails with [`ChatError::ServerGone`] if the server no longer runs.
    pub fn check_server(&self) -> Result<()> {
        if self.objects.server_alive() {
            Ok(())
        } else {
            Err(ChatError::ServerGone {
                room: self.room.to_string(),
            })
        }
    }

    // ANCHOR: send
    /// Sends a request to the server, retrying while the queue is full (up to
    /// [`SEND_TIMEOUT`], and only while the server lives).
    fn send(&self, request: &Request) -> Result<()> {
        let bytes = request.encode();
        let mut backoff = Backoff::new(SEND_TIMEOUT);
        while !self
            .queue()
            .try_send(SERVER_MTYPE, &bytes)
            .map_err(|error| self.queue_error(error))?
        {
            self.check_server()?;
            backoff.wait(String::new).map_err(|error| match error {
                ShmError::TimedOut { waited, .. } => {
                    let stat = self.queue().stat().unwrap_or_default();
                    ChatError::QueueFull {
                        waited,
                        messages: stat.messages,
                        bytes: stat.bytes,
                        capacity: stat.capacity,
                        last_sender: stat.last_sender,
                    }
                }
                error => error.into(),
            })?;
        }
        Ok(())
    }
    // ANCHOR_END: send

    /// A failure of the room's queue: a queue that was removed means the server stopped.
    pub fn queue_error(&self, error: IpcError) -> ChatError {
        if error.is_removed() {
            ChatError::ServerGone {
                room: self.room.to_string(),
            }
        } else {
            error.into()
        }
    }

    /// The room's queue.
    pub fn queue(&self) -> &MessageQueue {
        self.objects.queue()
    }

    /// Takes one reply out of our mailbox, if there is one. A reply that does not decode is
    /// reported and skipped.
    fn mailbox(&self) -> Result<Option<Reply>> {
        let message = self
            .queue()
            .try_receive(TypeFilter::Exactly(i64::from(self.pid)))
            .map_err(|error| self.queue_error(error))?;
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
    pub fn print_new(&mut self) -> Result<usize> {
        let batch = {
            let held = self.objects.lock()?;
            Ring::new(&held).read_since(self.last_seq)
        };
        self.print_batch(&batch)
    }

    /// Prints a batch of entries read after [`Client::last_seq`], and notes how far we
    /// have read; returns how many entries it printed.
    pub fn print_batch(&mut self, batch: &Batch) -> Result<usize> {
        if batch.missed > 0 {
            let notice = format::missed(batch.missed, self.last_seq == 0);
            self.output.show(&notice, Style::Notice)?;
        }
        for entry in &batch.entries {
            let style = match entry.kind {
                EntryKind::Chat => Style::Public,
                EntryKind::Join | EntryKind::Leave | EntryKind::Lost => Style::Notice,
            };
            self.output.show(&format::line(entry), style)?;
            if entry.pid == self.pid && entry.kind == EntryKind::Chat {
                self.unseen_own = self.unseen_own.saturating_sub(1);
            }
            self.last_seq = entry.seq;
        }
        Ok(batch.entries.len())
    }
    // ANCHOR_END: print_new

    /// Test hook: takes the room's lock and never gives it back (until killed).
    pub fn hold_lock_forever(&self) -> Result<()> {
        let _held = self.objects.lock()?;
        eprintln!("holding the room's lock until killed (test hold point)");
        loop {
            thread::sleep(Duration::from_secs(3600));
        }
    }

    // ANCHOR: run
    /// Runs the chat: history first, then stdin lines out and room lines in, until
    /// `/quit`, end of input, or the server's goodbye. Fails if the server dies, and, at
    /// end of input, if some of our lines never showed up in the room.
    pub fn run(mut self) -> Result<()> {
        let input = spawn_stdin_reader();
        match self.chat(&input) {
            // Nobody reads what we print any more: leave the room, and that is all.
            Err(ChatError::StdoutClosed) => self.leave(),
            other => other,
        }
    }

    /// The loop of [`Client::run`]; it returns when the chat is over.
    fn chat(&mut self, input: &Receiver<Input>) -> Result<()> {
        self.print_new()?;
        // Set at end of input: until when we wait for our last lines to come back.
        let mut ending: Option<Instant> = None;
        // An input that arrived while we waited, to handle first.
        let mut arrived: Option<Input> = None;
        loop {
            self.check_server()?;
            if LEAVE_REQUESTED.load(Ordering::Relaxed) {
                eprintln!("leaving the room (interrupted)");
                self.leave()?;
                return Err(ChatError::Interrupted);
            }
            if STATUS_REQUESTED.swap(false, Ordering::Relaxed) {
                eprintln!(
                    "step04-client: in room {}, printed up to entry {}, {} line(s) of ours on \
                     their way",
                    self.room, self.last_seq, self.unseen_own
                );
            }
            while ending.is_none() && self.may_send() {
                let next = arrived.take().ok_or(TryRecvError::Empty);
                match next.or_else(|_| input.try_recv()) {
                    Ok(Input::Line(line)) => {
                        if self.typed(&line)? == Flow::Quit {
                            return self.leave();
                        }
                    }
                    Ok(Input::NotUtf8) => eprintln!("that line is not valid UTF-8: not sent"),
                    Ok(Input::End) | Err(TryRecvError::Disconnected) => {
                        ending = Some(Instant::now() + DRAIN_TIMEOUT)
                    }
                    Err(TryRecvError::Empty) => break,
                }
            }
            while let Some(reply) = self.mailbox()? {
                if self.received(reply)? == Flow::Bye {
                    return Ok(());
                }
            }
            let printed = self.print_new()?;
            // At end of input, leave once our own lines have come back (or after a while).
            if let Some(deadline) = ending {
                if self.unseen_own == 0 {
                    return self.leave();
                }
                if Instant::now() >= deadline {
                    let count = self.unseen_own;
                    // Leaving may fail too (the queue may be full): the lost lines are the news.
                    let _ = self.leave();
                    return Err(ChatError::Undelivered { count });
                }
            }
            if printed > 0 || self.unseen_own > 0 || ending.is_some() || !self.may_send() {
                // Busy: look again soon. Sleeping here also paces a fast sender (a pipe)
                // to MAX_IN_FLIGHT lines per look, so that idle readers keep up.
                thread::sleep(BUSY_POLL_INTERVAL);
            } else {
                // Idle: wait for the next typed line, which goes out the moment it
                // arrives, or for the next look at the ring, whichever comes first.
                match input.recv_timeout(self.poll_interval) {
                    Ok(next) => arrived = Some(next),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => arrived = Some(Input::End),
                }
            }
        }
    }
    // ANCHOR_END: run

    /// Whether flow control lets us send another line now: fewer than [`MAX_IN_FLIGHT`]
    /// of ours are on their way, and fewer than that went out in the last poll interval.
    pub fn may_send(&mut self) -> bool {
        let now = Instant::now();
        while self
            .recent_sends
            .front()
            .is_some_and(|sent| now.duration_since(*sent) >= self.poll_interval)
        {
            self.recent_sends.pop_front();
        }
        self.unseen_own < MAX_IN_FLIGHT && (!self.paced || self.recent_sends.len() < MAX_IN_FLIGHT)
    }

    // ANCHOR: typed
    /// Handles one typed line: parse it, then send it (or explain why not).
    pub fn typed(&mut self, line: &str) -> Result<Flow> {
        let pid = self.pid;
        match Command::parse(line) {
            Ok(None) => {}
            Ok(Some(Command::Quit)) => return Ok(Flow::Quit),
            Ok(Some(Command::Who)) => self.send(&Request::Who { pid })?,
            Ok(Some(Command::Say(text))) => {
                self.send(&Request::Say { pid, text })?;
                self.unseen_own += 1;
                if self.paced {
                    self.recent_sends.push_back(Instant::now());
                }
            }
            Ok(Some(Command::Msg { to, text })) => {
                // A private line never enters the ring, so the client echoes it itself.
                let echo = format::private_to(&to, format::now_ms(), &text);
                self.output.show(&echo, Style::Private)?;
                self.send(&Request::Private { pid, to, text })?;
            }
            Err(error) => eprintln!("not sent: {error}"),
        }
        Ok(Flow::Continue)
    }
    // ANCHOR_END: typed

    /// Handles one reply from our mailbox.
    pub fn received(&mut self, reply: Reply) -> Result<Flow> {
        match reply {
            Reply::Bye { reason } => {
                let notice = format!("* the server said goodbye: {reason}");
                self.output.show(&notice, Style::Notice)?;
                return Ok(Flow::Bye);
            }
            Reply::Rejected { reason, detail } => {
                eprintln!("the server refused: {detail}");
                // Once we have joined, only a line of ours can go unstored (step 5's full
                // disk): it will never come back, so stop waiting for it.
                if reason == RejectReason::NotStored {
                    self.unseen_own = self.unseen_own.saturating_sub(1);
                }
            }
            Reply::Private {
                from,
                time_ms,
                text,
            } => {
                let line = format::private_from(&from, time_ms, &text);
                self.output.show(&line, Style::Private)?;
            }
            Reply::Who { names } => {
                let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
                let notice = format!("* online: {}", names.join(", "));
                self.output.show(&notice, Style::Notice)?;
            }
            Reply::Welcome { .. } => {}
        }
        Ok(Flow::Continue)
    }

    /// Tells the server we leave.
    pub fn leave(&self) -> Result<()> {
        self.send(&Request::Leave { pid: self.pid })
    }
}

/// Prints one line on stdout. A stdout that is gone (the reader of a pipe exited, as in
/// `step04-client ... | head`) is [`ChatError::StdoutClosed`], which ends the chat
/// quietly; `println!` would panic instead.
fn show(line: &str) -> Result<()> {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{line}").map_err(|error| {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            ChatError::StdoutClosed
        } else {
            ChatError::Stdout(error)
        }
    })
}

/// Reads stdin on a thread of its own, so the main loop never blocks on it.
fn spawn_stdin_reader() -> Receiver<Input> {
    let (tx, rx) = mpsc::channel();
    spawn_stdin_reader_into(tx, |input| input);
    rx
}

/// Reads stdin on a thread of its own, line by line, and sends each line to `tx` as
/// `wrap(input)`: a later step's client merges stdin with its other events this way.
pub fn spawn_stdin_reader_into<T: Send + 'static>(tx: Sender<T>, wrap: fn(Input) -> T) {
    thread::spawn(move || {
        // The client's signals are for the main thread, which acts on them.
        let mut signals = SigSet::from(Signal::SIGUSR1);
        for signal in leave_signals() {
            signals.add(signal);
        }
        let _ = signals.thread_block();
        let mut stdin = std::io::stdin().lock();
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match stdin.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(wrap(Input::End));
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
                    if tx.send(wrap(input)).is_err() {
                        return;
                    }
                }
            }
        }
    });
}
