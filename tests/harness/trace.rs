//! Watching a process of the code under test one machine instruction at a time, and its
//! shared memory as it goes.
//!
//! Some mistakes only show *between* two instructions: a writer that publishes a message
//! before its bytes are all in place leaves, for a few nanoseconds, a state that no reader
//! should ever see, and that a killed writer would leave forever. The grader finds such a
//! state by stopping the process with ptrace (`PTRACE_SEIZE` and `PTRACE_INTERRUPT`),
//! single-stepping it (`PTRACE_SINGLESTEP`) and looking at the shared memory after every
//! instruction, through an [`Attachment`] of its own.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

/// How single-stepping a process ended.
pub enum Stepped {
    /// The check said it had seen enough.
    Done,
    /// The process ended (it is reaped: do not wait for it) after this many instructions.
    Ended(u64),
    /// The time ran out after this many instructions.
    OutOfTime(u64),
}

/// Stops process `pid`, a child of the grader, with ptrace. `Ok(Err(errno))` if
/// `PTRACE_SEIZE` fails: EPERM when this system does not let the grader trace (a
/// locked-down container), ESRCH when the process is gone.
pub fn stop(pid: i32) -> Result<Result<(), Errno>> {
    let pid = Pid::from_raw(pid);
    // EXITKILL: the tracee dies with the grader, should the grader die while tracing it.
    if let Err(errno) = ptrace::seize(pid, ptrace::Options::PTRACE_O_EXITKILL) {
        return Ok(Err(errno));
    }
    ptrace::interrupt(pid).map_err(|e| anyhow::anyhow!("ptrace(PTRACE_INTERRUPT) failed: {e}"))?;
    let status = waitpid(pid, Some(WaitPidFlag::__WALL))?;
    ensure!(
        matches!(
            status,
            WaitStatus::Stopped(..) | WaitStatus::PtraceEvent(..)
        ),
        "process {pid} did not stop for the grader's ptrace ({status:?})"
    );
    Ok(Ok(()))
}

/// Runs process `pid`, stopped by [`stop`], one machine instruction at a time, calling
/// `look` after each, until `look` returns `Ok(true)` or an error, the process ends, or
/// `budget` has passed; then lets it go (`PTRACE_DETACH`).
pub fn single_step(
    pid: i32,
    budget: Duration,
    mut look: impl FnMut() -> Result<bool>,
) -> Result<Stepped> {
    let pid = Pid::from_raw(pid);
    let start = Instant::now();
    let (mut steps, mut signal) = (0u64, None::<Signal>);
    let outcome = loop {
        ptrace::step(pid, signal)
            .map_err(|e| anyhow::anyhow!("ptrace(PTRACE_SINGLESTEP) failed: {e}"))?;
        steps += 1;
        // A stop after one instruction (SIGTRAP) or a ptrace event, or a signal for the
        // process, to pass on as it resumes.
        signal = match waitpid(pid, Some(WaitPidFlag::__WALL))? {
            WaitStatus::Exited(..) | WaitStatus::Signaled(..) => return Ok(Stepped::Ended(steps)),
            WaitStatus::Stopped(_, Signal::SIGTRAP) | WaitStatus::PtraceEvent(..) => None,
            WaitStatus::Stopped(_, other) => Some(other),
            _ => None,
        };
        match look() {
            Ok(true) => break Ok(Stepped::Done),
            Ok(false) => {}
            Err(error) => break Err(error),
        }
        if start.elapsed() > budget {
            break Ok(Stepped::OutOfTime(steps));
        }
    };
    // The tracee is in a ptrace stop: detaching lets it run on, untraced.
    let _ = ptrace::detach(pid, None);
    outcome
}

/// The grader's own read-write attachment of a segment, detached on drop: it watches the
/// segment's words while the programs under test run (atomic loads, like theirs), and can
/// put them in states the programs must cope with.
pub struct Attachment {
    /// Where the kernel mapped the segment in the grader.
    address: *mut libc::c_void,
    /// The segment's size.
    size: usize,
}

impl Attachment {
    /// Attaches segment `id` (of `size` bytes) read-write.
    pub fn new(id: i32, size: usize) -> Result<Attachment> {
        // SAFETY: shmat with a null address lets the kernel choose where to map; flags 0
        // mean read-write. Failure returns (void*)-1, checked below.
        let address = unsafe { libc::shmat(id, std::ptr::null(), 0) };
        ensure!(
            address as isize != -1,
            "the grader cannot attach segment {id} read-write: {}",
            std::io::Error::last_os_error()
        );
        Ok(Attachment { address, size })
    }

    /// The 8-byte word at `offset`.
    pub fn word64(&self, offset: usize) -> &AtomicU64 {
        assert!(offset.is_multiple_of(8) && offset + 8 <= self.size);
        // SAFETY: the mapping is page-aligned and `size` bytes long until drop, so the 8
        // bytes at `offset` (checked in bounds and 8-aligned) stay valid while `self` is
        // borrowed. Every process touches shared words only atomically, and an atomic may
        // be shared by reference.
        unsafe { &*self.address.cast::<u8>().add(offset).cast::<AtomicU64>() }
    }

    /// The 4-byte word at `offset`.
    pub fn word32(&self, offset: usize) -> &AtomicU32 {
        assert!(offset.is_multiple_of(4) && offset + 4 <= self.size);
        // SAFETY: as in `word64`, for 4 bytes, checked in bounds and 4-aligned.
        unsafe { &*self.address.cast::<u8>().add(offset).cast::<AtomicU32>() }
    }

    /// The byte at `offset`.
    pub fn byte(&self, offset: usize) -> &AtomicU8 {
        assert!(offset < self.size);
        // SAFETY: as in `word64`, for 1 byte, checked in bounds (shared bytes are AtomicU8
        // in every process).
        unsafe { &*self.address.cast::<u8>().add(offset).cast::<AtomicU8>() }
    }

    /// A copy of `len` bytes at `offset` (clamped to the segment), loaded one by one.
    pub fn bytes(&self, offset: usize, len: usize) -> Vec<u8> {
        (offset..(offset + len).min(self.size))
            .map(|at| self.byte(at).load(Ordering::Relaxed))
            .collect()
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        // SAFETY: `address` came from shmat in `new` and is detached exactly once, here.
        unsafe { libc::shmdt(self.address) };
    }
}
