//! The step 7 client: step 4's client, driven by events instead of polling.
//!
//! Three threads feed one channel, and the main thread sleeps on it until something
//! happens:
//!
//! - the **watcher** sleeps in `FUTEX_WAIT` on the header's `wake` word and sends
//!   [`Event::News`] when the server publishes; every second (the wait's timeout) it
//!   checks that the server lives. It is the only thread that takes the client's
//!   signals, which interrupt its wait, so Ctrl-C is handled at once;
//! - the **mailbox** thread blocks in `msgrcv` on our own mtype and sends each reply;
//! - the **input** thread reads stdin (a pipe: step 4's line reader; a terminal: the line
//!   editor of [`crate::terminal`]).
//!
//! The main thread reads the ring without the lock ([`seqlock::read_since`]); entries the
//! ring no longer holds come from the log ([`LogTail`]), so a reader that fell behind
//! (stopped, or starved on a busy machine) still shows every line, in order. An idle
//! client wakes once a second, in its watcher, and nowhere else.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Instant;

use nix::sys::signal::{SigSet, Signal};
use step01_message_queue::{IpcError, MessageQueue, TypeFilter};
use step03_protocol::Reply;
use step04_chat::client::{
    self, Client, DRAIN_TIMEOUT, Flow, Input, LEAVE_REQUESTED, STATUS_REQUESTED,
};
use step04_chat::objects::RoomObjects;
use step04_chat::{ChatError, Result};

use crate::seqlock;
use crate::tail::LogTail;
use crate::watch::{News, TICK, wait_for_news};

/// Something that happened, for the main thread.
pub enum Event {
    /// A line typed or piped in, or the end of input.
    Input(Input),
    /// A reply from our mailbox.
    Reply(Reply),
    /// The server published entries we have not read.
    News,
    /// The server no longer runs.
    ServerGone,
    /// One of the client's signals arrived (see the flags of step 4's client).
    Signal,
    /// A thread failed and the chat cannot go on.
    Failed(ChatError),
}

/// Where the typed lines come from.
pub enum Front {
    /// Lines from stdin as they come (a pipe, a file): exactly step 4's behaviour.
    Lines,
    /// The terminal's line editor; `names` is kept up to date for completion.
    Terminal,
}

// ANCHOR: run
/// Runs the chat until `/quit`, end of input, the server's goodbye or a signal.
pub fn run(mut client: Client, front: Front) -> Result<()> {
    client.without_pacing();
    let (tx, events) = mpsc::channel();
    let objects = Arc::clone(client.objects());
    // The history first, so that the watcher starts after it.
    let mut tail = LogTail::new(client.room().dir());
    print_news(&mut client, &mut tail)?;
    spawn_watcher(Arc::clone(&objects), client.last_seq(), tx.clone());
    // From here on, only the watcher takes the client's signals: their handlers then
    // interrupt its futex wait, and it tells us.
    let _ = client_signals().thread_block();
    spawn_mailbox(objects.queue().non_owning(), client.pid(), tx.clone());
    match front {
        Front::Lines => client::spawn_stdin_reader_into(tx, Event::Input),
        Front::Terminal => {
            // The editor's terminal is raw, so Ctrl-C reaches it as a key, not as SIGINT:
            // it raises LEAVE_REQUESTED itself and sends Event::Signal, as the watcher
            // does when the SIGINT handler interrupts it, and the chat leaves the same way.
            let interrupted = || Event::Signal;
            let output =
                crate::terminal::start(tx, Event::Input, interrupted, Arc::clone(&objects))
                    .map_err(|error| ChatError::Stdout(std::io::Error::other(error)))?;
            client.set_output(output);
        }
    }
    match chat(&mut client, &events, &mut tail) {
        Err(ChatError::StdoutClosed) => client.leave(),
        other => other,
    }
}
// ANCHOR_END: run

/// The main loop: handle each event as it comes.
fn chat(client: &mut Client, events: &Receiver<Event>, tail: &mut LogTail) -> Result<()> {
    // Typed lines that flow control holds back until ours come back.
    let mut waiting: VecDeque<String> = VecDeque::new();
    // Whether stdin has ended; then, once every typed line is sent, until when we wait
    // for our last lines to come back.
    let mut input_ended = false;
    let mut drain_until: Option<Instant> = None;
    loop {
        while !waiting.is_empty() && client.may_send() {
            let line = waiting.pop_front().unwrap_or_default();
            if client.typed(&line)? == Flow::Quit {
                return client.leave();
            }
        }
        if input_ended && waiting.is_empty() {
            let deadline = *drain_until.get_or_insert_with(|| Instant::now() + DRAIN_TIMEOUT);
            if client.unseen_own() == 0 {
                return client.leave();
            }
            if Instant::now() >= deadline {
                let count = client.unseen_own();
                let _ = client.leave();
                return Err(ChatError::Undelivered { count });
            }
        }
        let event = match drain_until {
            None => events.recv().map_err(|_| gone(client))?,
            Some(deadline) => {
                match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return Err(gone(client)),
                }
            }
        };
        match event {
            Event::Input(Input::Line(line)) => waiting.push_back(line),
            Event::Input(Input::NotUtf8) => eprintln!("that line is not valid UTF-8: not sent"),
            Event::Input(Input::End) => input_ended = true,
            Event::Reply(reply) => {
                if client.received(reply)? == Flow::Bye {
                    return Ok(());
                }
            }
            Event::News => {
                print_news(client, tail)?;
            }
            Event::ServerGone => return Err(gone(client)),
            Event::Signal => {
                if LEAVE_REQUESTED.load(Ordering::Relaxed) {
                    eprintln!("leaving the room (interrupted)");
                    client.leave()?;
                    return Err(ChatError::Interrupted);
                }
                if STATUS_REQUESTED.swap(false, Ordering::Relaxed) {
                    eprintln!(
                        "ipc-chat: in room {}, printed up to entry {}, {} line(s) of ours on \
                         their way, {} typed line(s) waiting",
                        client.room(),
                        client.last_seq(),
                        client.unseen_own(),
                        waiting.len()
                    );
                }
            }
            Event::Failed(error) => return Err(error),
        }
    }
}

/// The error for a server that went away.
fn gone(client: &Client) -> ChatError {
    ChatError::ServerGone {
        room: client.room().to_string(),
    }
}

// ANCHOR: print_news
/// Prints every entry after the last one printed: from the ring, and from the log for
/// those the ring no longer holds. Returns how many it printed.
pub fn print_news(client: &mut Client, tail: &mut LogTail) -> Result<usize> {
    let mut batch = seqlock::read_since(client.objects().state(), client.last_seq());
    // A client that has just joined is told how much older history there is; one that
    // fell behind gets what it missed from the log.
    if batch.missed > 0 && client.last_seq() > 0 {
        let first = client.last_seq() + 1;
        let last = first + batch.missed - 1;
        match tail.read_range(first, last) {
            Ok(missed) if missed.len() as u64 == batch.missed => {
                batch.missed = 0;
                batch.entries.splice(0..0, missed);
            }
            Ok(found) => eprintln!(
                "{}: has {} of the {} entries this client missed",
                tail.path().display(),
                found.len(),
                batch.missed
            ),
            Err(error) => eprintln!("cannot read what this client missed: {error}"),
        }
    }
    client.print_batch(&batch)
}
// ANCHOR_END: print_news

/// The signals the client acts on (step 4's handlers raise its flags).
fn client_signals() -> SigSet {
    let mut signals = SigSet::from(Signal::SIGUSR1);
    for signal in client::leave_signals() {
        signals.add(signal);
    }
    signals
}

// ANCHOR: watcher
/// Starts the watcher: it waits on the futex for entries after `after`, and checks
/// the server every [`TICK`].
fn spawn_watcher(objects: Arc<RoomObjects>, mut after: u64, tx: Sender<Event>) {
    thread::spawn(move || {
        loop {
            let event = match wait_for_news(objects.state(), after, TICK) {
                Ok(News::Published(newest)) => {
                    after = newest;
                    Some(Event::News)
                }
                Ok(News::Quiet) => (!objects.server_alive()).then_some(Event::ServerGone),
                Ok(News::Interrupted) => Some(Event::Signal),
                Err(errno) => Some(Event::Failed(ChatError::from(IpcError::Sys {
                    call: "futex(FUTEX_WAIT)",
                    cause: std::io::Error::from_raw_os_error(errno as i32),
                }))),
            };
            let last = matches!(event, Some(Event::ServerGone | Event::Failed(_)));
            if let Some(event) = event
                && tx.send(event).is_err()
            {
                return;
            }
            if last {
                return;
            }
        }
    });
}
// ANCHOR_END: watcher

/// Starts the mailbox thread: it blocks in `msgrcv` for our replies.
fn spawn_mailbox(queue: MessageQueue, pid: i32, tx: Sender<Event>) {
    thread::spawn(move || {
        loop {
            let event = match queue.receive(TypeFilter::Exactly(i64::from(pid))) {
                Ok(message) => match Reply::decode(&message.payload) {
                    Ok(reply) => Event::Reply(reply),
                    Err(error) => {
                        eprintln!("ignoring a malformed reply: {error}");
                        continue;
                    }
                },
                // Removed: the server stopped (a goodbye, if any, came first).
                Err(error) if error.is_removed() => Event::ServerGone,
                Err(error) => Event::Failed(error.into()),
            };
            let last = !matches!(event, Event::Reply(_));
            if tx.send(event).is_err() || last {
                return;
            }
        }
    });
}
