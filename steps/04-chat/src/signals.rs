//! Stopping the server cleanly on SIGINT, SIGTERM or SIGHUP.
//!
//! The server spends its life blocked in `msgrcv`, which has no timeout, and our wrapper
//! retries `EINTR`, so a signal handler alone could not get it out. Instead the signals are
//! blocked in every thread and one thread waits for them with `sigwait`: when one arrives
//! it raises a flag and sends an empty message to the server's own mailbox, which wakes the
//! blocked `msgrcv`. The main loop sees the flag and shuts down. (An empty message is
//! malformed, so a client sending one cannot stop the server: only the flag does.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::errno::Errno;
use nix::sys::signal::{SigSet, Signal};
use step01_message_queue::MessageQueue;
use step03_protocol::routing::SERVER_MTYPE;

// ANCHOR: signals
/// The signals that stop the server.
fn stop_signals() -> SigSet {
    let mut set = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(signal);
    }
    set
}

/// Blocks the stop signals in the calling thread, and so in every thread it starts
/// afterwards. Call it first thing in `main`, before any thread exists.
pub fn block_stop_signals() -> Result<(), Errno> {
    stop_signals().thread_block()
}

/// Starts the thread that waits for a stop signal; returns the flag it raises. `queue`
/// is a handle on the server's queue that does not own it (`Server::queue`).
pub fn watch(queue: MessageQueue) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        if let Ok(signal) = stop_signals().wait() {
            tracing::info!("received {signal}, shutting down");
            flag.store(true, Ordering::SeqCst);
            // Wake the main thread's msgrcv. If the queue is full it is awake anyway.
            let _ = queue.try_send(SERVER_MTYPE, &[]);
        }
    });
    stop
}
// ANCHOR_END: signals
