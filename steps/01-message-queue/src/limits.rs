//! The kernel's message-queue limits.
//!
//! Linux publishes them as text files under `/proc/sys/kernel` (see proc(5)):
//!
//! - `msgmax`: the largest payload of one message, in bytes (default 8192);
//! - `msgmnb`: the most bytes a queue holds before `msgsnd` blocks (default 16384);
//! - `msgmni`: how many queues may exist system-wide.
//!
//! An administrator can change them, so the wrappers read them instead of assuming. Each
//! is read once per process and then remembered: a receive must not cost a file read, and
//! a limit raised while a program runs applies to the programs started after it.

use std::fs;
use std::sync::OnceLock;

/// The default `msgmax` of Linux, used when `/proc` cannot be read.
pub const DEFAULT_MSGMAX: usize = 8192;
/// The default `msgmnb` of Linux, used when `/proc` cannot be read.
pub const DEFAULT_MSGMNB: usize = 16384;

/// Reads one numeric limit from `/proc/sys/kernel/NAME`.
fn read_limit(name: &str) -> Option<usize> {
    let text = fs::read_to_string(format!("/proc/sys/kernel/{name}")).ok()?;
    text.trim().parse().ok()
}

/// The largest message payload the kernel accepts, in bytes (read once per process).
pub fn msgmax() -> usize {
    static MSGMAX: OnceLock<usize> = OnceLock::new();
    *MSGMAX.get_or_init(|| read_limit("msgmax").unwrap_or(DEFAULT_MSGMAX))
}

/// The default capacity of a new queue, in bytes (read once per process).
pub fn msgmnb() -> usize {
    static MSGMNB: OnceLock<usize> = OnceLock::new();
    *MSGMNB.get_or_init(|| read_limit("msgmnb").unwrap_or(DEFAULT_MSGMNB))
}
