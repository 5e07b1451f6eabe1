//! Keeping a grader run apart from everything else on the machine.
//!
//! - **A private IPC namespace.** Before anything else, the grader moves itself into a new
//!   System V IPC namespace (unshare(2), `CLONE_NEWIPC`), which every process it starts
//!   inherits. The tests then cannot see or disturb any other queue, segment or semaphore
//!   on the machine (another grader's, the student's own running chat), keys cannot
//!   collide with them, and whatever a test leaves behind is destroyed by the kernel when
//!   the grader exits, as the namespace dies with its last process. Root may do this
//!   directly; other users can when unprivileged user namespaces are allowed (a user
//!   namespace that maps the user to itself). Otherwise the grader shares the machine's
//!   namespace and relies on each test's cleanup alone.
//! - **A child subreaper.** A program under test may start helpers that leave its process
//!   group (`setsid`). With `PR_SET_CHILD_SUBREAPER` such orphans become the grader's
//!   children instead of init's, so [`kill_leftover_children`] can find and kill them at
//!   the end of the run.

use std::fs;

use nix::sched::{CloneFlags, unshare};
use nix::sys::prctl;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::waitpid;
use nix::unistd::{Pid, getgid, getuid};

/// Where the grader's System V objects live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// A new IPC namespace, private to this grader run.
    Private,
    /// The machine's IPC namespace, shared with everything else.
    Shared,
}

/// Moves this process into a new IPC namespace if the system allows it. Must be called
/// while the process has a single thread (a condition of `CLONE_NEWUSER`).
pub fn enter_private_ipc_namespace() -> Namespace {
    if unshare(CloneFlags::CLONE_NEWIPC).is_ok() {
        return Namespace::Private;
    }
    let (uid, gid) = (getuid(), getgid());
    // Both namespaces are created together or not at all.
    if unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWIPC).is_ok() {
        // Map our own ids to themselves, so files and messages keep their real owners.
        let _ = fs::write("/proc/self/setgroups", "deny");
        let _ = fs::write("/proc/self/uid_map", format!("{uid} {uid} 1"));
        let _ = fs::write("/proc/self/gid_map", format!("{gid} {gid} 1"));
        return Namespace::Private;
    }
    Namespace::Shared
}

/// Makes this process adopt its orphaned descendants (see the module docs).
pub fn become_subreaper() {
    let _ = prctl::set_child_subreaper(true);
}

/// Kills (SIGKILL) and reaps every child process still alive: helpers that escaped their
/// test's process group and were adopted by the grader. Returns how many there were.
pub fn kill_leftover_children() -> usize {
    let mut pids = Vec::new();
    if let Ok(tasks) = fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            if let Ok(children) = fs::read_to_string(task.path().join("children")) {
                pids.extend(
                    children
                        .split_whitespace()
                        .filter_map(|p| p.parse::<libc::pid_t>().ok()),
                );
            }
        }
    }
    // These pids are our own children, not yet reaped, so they cannot have been reused.
    for &pid in &pids {
        let pid = Pid::from_raw(pid);
        let _ = kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
    }
    pids.len()
}
