//! Noticing dead clients without heartbeats: `kill(pid, 0)` asks the kernel whether a
//! process exists, and a ticker wakes the server once a second to ask it for every member.

use std::thread;
use std::time::Duration;

use step01_message_queue::MessageQueue;
use step03_protocol::routing::SERVER_MTYPE;
use step04_chat::members::Members;

/// How often the server looks for members whose process is gone.
pub const TICK: Duration = Duration::from_secs(1);

// ANCHOR: process_exists
/// Whether a process with this pid exists (it may be another user's, or a zombie).
pub fn process_exists(pid: i32) -> bool {
    // EXERCISE 6.2 (15 points): Ask the kernel whether process `pid` exists, without sending it anything.
    // HINT: kill(2) with signal 0 checks everything but sends nothing; nix takes `None` for "no signal".
    // HINT: read kill(2)'s ERRORS: one errno means "no such process", another means "it exists, but it is not yours".
    // HINT: kill(2) gives pids 0 and below special meanings (a process group, every process): which pids can be a client?
    // BEGIN EXERCISE 6.2 (stub uses: pid)
    let _ = pid; // silences "unused" until your code uses it
    todo!(
        "exercise 6.2 is not done yet: Ask the kernel whether process `pid` exists, without sending it anything."
    )
    // END EXERCISE 6.2
}
// ANCHOR_END: process_exists

// ANCHOR: dead_members
/// Whether `pid` is a zombie: a process that has exited and that its parent has not
/// waited for yet. `kill(pid, 0)` still finds it, but it will never read anything again.
/// (A parent that never waits, or an init that does not reap orphans, as in some
/// containers, keeps zombies around for a long time.)
pub fn is_zombie(pid: i32) -> bool {
    // /proc/PID/stat is "PID (COMMAND) STATE ...", and COMMAND may hold spaces and
    // parentheses: the state is the first field after the last ')'.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X")
    })
}

/// The members whose process no longer exists, or exited and was not reaped.
pub fn dead_members(members: &Members) -> Vec<i32> {
    members
        .pids()
        .filter(|&pid| !process_exists(pid) || is_zombie(pid))
        .collect()
}
// ANCHOR_END: dead_members

// ANCHOR: ticker
/// Starts the thread that wakes the server every [`TICK`] with an empty message (which
/// the server takes as a wake-up, see step 4's `Server::run_with`). `queue` does not own
/// the queue; when it is removed, the thread's sends fail and it stops.
pub fn start_ticker(queue: MessageQueue) {
    thread::spawn(move || {
        while queue.try_send(SERVER_MTYPE, &[]).is_ok() {
            thread::sleep(TICK);
        }
    });
}
// ANCHOR_END: ticker
