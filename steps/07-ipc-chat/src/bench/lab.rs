//! The bench's laboratory: a throwaway directory, the child processes it starts, and
//! the guard that takes everything down again, whatever happens.
//!
//! Cleaning up is layered, so that no path leaves a process or an IPC object behind:
//!
//! - every child is a [`Proc`], whose `Drop` stops it (`SIGTERM`, then `SIGKILL`) and
//!   reaps it; a [`ServerProc`] also removes whatever a killed server left in its room
//!   (step 7's `cleanup`); the [`Lab`] removes its directory last;
//! - the bench blocks `SIGINT`, `SIGTERM` and `SIGHUP` and takes them in a thread of its
//!   own ([`Guard`]), which also enforces the run's overall deadline: either way it
//!   terminates every registered child and removes the raw queue, so that whatever the
//!   main thread is blocked in (`msgrcv`, a pipe) fails at once, and the error unwinds
//!   through the guards above;
//! - every child is started with `PR_SET_PDEATHSIG` = `SIGTERM`, so that it goes too if
//!   the bench itself is killed, and the bench's own workers have a deadline of their own.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{SigSet, Signal, kill};
use nix::unistd::Pid;
use step04_chat::Room;
use step04_chat::objects::RoomObjects;

/// The children that the guard terminates on abort (their pids; a pid leaves the list,
/// under this lock, before it is reaped, so the guard never signals a recycled pid).
static CHILDREN: Mutex<Vec<i32>> = Mutex::new(Vec::new());
/// The raw queues that the guard removes on abort (their ids).
static QUEUES: Mutex<Vec<i32>> = Mutex::new(Vec::new());
/// Why the run was aborted: 0 not, 1 a signal, 2 the deadline.
static ABORTED: AtomicU8 = AtomicU8::new(0);

/// The pids in [`CHILDREN`], whatever a panic elsewhere did to the lock.
fn children() -> std::sync::MutexGuard<'static, Vec<i32>> {
    CHILDREN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The ids in [`QUEUES`], whatever a panic elsewhere did to the lock.
fn queues() -> std::sync::MutexGuard<'static, Vec<i32>> {
    QUEUES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Why a run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// `SIGINT`, `SIGTERM` or `SIGHUP`.
    Signal,
    /// The run's overall deadline passed.
    Deadline,
}

/// Whether, and why, the run was aborted.
pub fn aborted() -> Option<Abort> {
    match ABORTED.load(Ordering::SeqCst) {
        0 => None,
        1 => Some(Abort::Signal),
        _ => Some(Abort::Deadline),
    }
}

/// Fails if the run was aborted: the loops of the measurements call it every turn.
pub fn check() -> anyhow::Result<()> {
    match aborted() {
        None => Ok(()),
        Some(Abort::Signal) => bail!("interrupted"),
        Some(Abort::Deadline) => bail!("the run's deadline passed"),
    }
}

/// Aborts the run: terminates every child and removes every raw queue, so that nothing
/// the main thread waits for can keep it waiting.
fn abort(why: Abort) {
    ABORTED.store(if why == Abort::Signal { 1 } else { 2 }, Ordering::SeqCst);
    for &pid in children().iter() {
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    for &id in queues().iter() {
        // SAFETY: IPC_RMID takes no buffer (null is allowed, msgctl(2)); a stale id
        // fails with EINVAL or EIDRM, which is ignored.
        unsafe { libc::msgctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
    }
}

/// The signal thread and the deadline of a whole run.
pub struct Guard;

impl Guard {
    /// Blocks the stop signals in the calling thread (call it before any other thread
    /// exists, so that all inherit the mask) and starts the thread that takes them and
    /// watches `deadline`.
    pub fn start(deadline: Duration) -> anyhow::Result<Guard> {
        let signals = stop_signals();
        signals
            .thread_block()
            .context("cannot block SIGINT/SIGTERM/SIGHUP")?;
        let started = Instant::now();
        thread::spawn(move || {
            let set = signals.as_ref() as *const libc::sigset_t;
            let tick = libc::timespec {
                tv_sec: 0,
                tv_nsec: 200_000_000,
            };
            loop {
                // SAFETY: `set` points to the sigset owned by `signals`, which lives as long
                // as this thread; `tick` is a valid timespec; a null siginfo is allowed.
                let signal = unsafe { libc::sigtimedwait(set, std::ptr::null_mut(), &tick) };
                if signal > 0 {
                    abort(Abort::Signal);
                    return;
                }
                if started.elapsed() >= deadline {
                    abort(Abort::Deadline);
                    return;
                }
            }
        });
        Ok(Guard)
    }
}

/// The signals that stop a run.
fn stop_signals() -> SigSet {
    let mut set = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(signal);
    }
    set
}

/// Registers a raw queue for removal on abort, for as long as it lives.
pub struct QueueRegistration(i32);

impl QueueRegistration {
    /// Registers the queue `id`.
    pub fn new(id: i32) -> QueueRegistration {
        queues().push(id);
        QueueRegistration(id)
    }
}

impl Drop for QueueRegistration {
    fn drop(&mut self) {
        queues().retain(|&id| id != self.0);
    }
}

/// The CLOCK_MONOTONIC time in nanoseconds: one clock for every process of the machine,
/// so that a time taken in one process can be compared with one taken in another.
pub fn now_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec on our stack, which clock_gettime only writes;
    // CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// The throwaway directory of a run, removed (with everything in it) when dropped.
pub struct Lab {
    /// The directory.
    dir: PathBuf,
    /// The program to start children from: this very `ipc-chat`.
    exe: PathBuf,
}

impl Lab {
    /// Makes a new directory under `base` (the system's temporary directory by default).
    pub fn new(base: Option<&Path>) -> anyhow::Result<Lab> {
        let base = base.map_or_else(std::env::temp_dir, Path::to_path_buf);
        remove_dead_labs(&base);
        let dir = base.join(format!(
            "ipc-chat-bench-{}-{}",
            std::process::id(),
            now_ns()
        ));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir.join("logs"))
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let exe = std::env::current_exe().context("cannot find the ipc-chat program")?;
        Ok(Lab { dir, exe })
    }

    /// A new subdirectory `name` (a room, or the raw queue's key file).
    pub fn subdir(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.dir.join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }

    /// Starts `ipc-chat ARGS` as a child called `what`: stdin and stdout as asked, stderr
    /// appended to a log file of the lab (shown in errors), `RUST_LOG=warn`.
    pub fn spawn(
        &self,
        what: &str,
        args: &[&OsStr],
        stdin: bool,
        stdout: bool,
    ) -> anyhow::Result<Proc> {
        let log = self.dir.join("logs").join(format!("{what}.log"));
        let stderr = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(&self.exe);
        command
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(if stdout {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(stderr);
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the closure runs in the child between fork and exec, and only makes
        // async-signal-safe system calls (prctl, getppid), allocating nothing.
        unsafe {
            command.pre_exec(move || {
                // The child goes when the bench does, even if the bench is killed.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The bench may have died before prctl: then nobody would ever stop us.
                if libc::getppid() != parent {
                    return Err(std::io::Error::other("the bench is gone"));
                }
                Ok(())
            });
        }
        // Registered under the lock that the guard kills under: no child escapes it.
        let mut registry = children();
        check()?;
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {what} ({})", self.exe.display()))?;
        registry.push(child.id() as i32);
        drop(registry);
        let lines = child.stdout.take().map(spawn_line_reader);
        Ok(Proc {
            what: what.to_string(),
            stdin: child.stdin.take(),
            child,
            log,
            status: None,
            lines,
        })
    }

    /// Starts a chat server in the room `room` (a subdirectory of the lab): step 7's
    /// `ipc-chat server`, or step 4's (`step4` true), and waits until clients can open
    /// the room.
    pub fn start_server(&self, room: &str, step4: bool) -> anyhow::Result<ServerProc> {
        let dir = self.subdir(room)?;
        let dir_arg = dir.as_os_str().to_owned();
        let args: Vec<&OsStr> = if step4 {
            vec![
                OsStr::new("bench"),
                OsStr::new("--worker"),
                OsStr::new("step4-server"),
                OsStr::new("--room"),
                &dir_arg,
            ]
        } else {
            vec![OsStr::new("server"), OsStr::new("--room"), &dir_arg]
        };
        let what = if step4 {
            "step4-server"
        } else {
            "step7-server"
        };
        let mut server = ServerProc {
            proc: self.spawn(what, &args, false, false)?,
            room: Room::new(Some(dir)),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            check()?;
            if RoomObjects::open(&server.room).is_ok() {
                return Ok(server);
            }
            if let Some(status) = server.proc.exited() {
                bail!(
                    "{what} exited ({status}) before it served: {}",
                    server.proc.log_tail()
                );
            }
            if Instant::now() >= deadline {
                bail!("{what} did not open its room within 15 s");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Removes the directories that the labs of killed runs (`SIGKILL` leaves no time to
/// clean up) left in `base`: `ipc-chat-bench-PID-*` of a PID that no longer runs, owned
/// by us.
fn remove_dead_labs(base: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix("ipc-chat-bench-"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let ours = entry
            .metadata()
            .is_ok_and(|meta| meta.is_dir() && meta.uid() == uid);
        if ours && pid > 0 && kill(Pid::from_raw(pid), None) == Err(nix::errno::Errno::ESRCH) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Hands each line a child writes on stdout to a channel, so that the bench can wait for
/// one with a timeout.
fn spawn_line_reader(stdout: std::process::ChildStdout) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// A child process of the bench, stopped and reaped when dropped.
pub struct Proc {
    /// What it is, for messages and its log's name.
    what: String,
    /// Its stdin, if piped and not closed yet.
    stdin: Option<ChildStdin>,
    /// The process.
    child: Child,
    /// Where its stderr goes.
    log: PathBuf,
    /// How it ended, once reaped.
    status: Option<ExitStatus>,
    /// The lines of its stdout, if piped.
    lines: Option<Receiver<String>>,
}

impl Proc {
    /// Its pid.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Writes one line to its stdin.
    pub fn write_line(&mut self, line: &str) -> anyhow::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .with_context(|| format!("{}: stdin is closed", self.what))?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .with_context(|| format!("{} stopped reading: {}", self.what, self.log_tail()))
    }

    /// Closes its stdin: the end of its input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the next line on its stdout to be `want`.
    pub fn expect_line(&mut self, want: &str, timeout: Duration) -> anyhow::Result<()> {
        let lines = self
            .lines
            .as_ref()
            .with_context(|| format!("{}: stdout is not piped", self.what))?;
        let deadline = Instant::now() + timeout;
        loop {
            check()?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!(
                    "{} did not say {want:?} within {timeout:?}: {}",
                    self.what,
                    self.log_tail()
                );
            }
            match lines.recv_timeout(left.min(Duration::from_millis(200))) {
                Ok(line) if line == want => return Ok(()),
                Ok(line) => bail!("{} said {line:?}, not {want:?}", self.what),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    bail!(
                        "{} exited before it said {want:?}: {}",
                        self.what,
                        self.log_tail()
                    )
                }
            }
        }
    }

    /// How it ended, if it has (reaping it, under the registry's lock).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            let mut registry = children();
            if let Ok(Some(status)) = self.child.try_wait() {
                let pid = self.pid();
                registry.retain(|&p| p != pid);
                self.status = Some(status);
            }
        }
        self.status
    }

    /// Waits for it to exit by itself within `timeout` (after the end of its input) and
    /// fails if it did not, or did not succeed; it is stopped in any case.
    pub fn finish(&mut self, timeout: Duration) -> anyhow::Result<()> {
        self.close_stdin();
        let deadline = Instant::now() + timeout;
        while self.exited().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        match self.exited() {
            Some(status) if status.success() => Ok(()),
            Some(status) => bail!("{} failed ({status}): {}", self.what, self.log_tail()),
            None => {
                self.stop();
                bail!("{} did not exit within {timeout:?}", self.what)
            }
        }
    }

    /// Stops it: `SIGTERM`, up to 5 s to go, then `SIGKILL`; and reaps it.
    pub fn stop(&mut self) {
        self.close_stdin();
        for (signal, patience) in [
            (Signal::SIGTERM, Duration::from_secs(5)),
            (Signal::SIGKILL, Duration::from_secs(5)),
        ] {
            if self.exited().is_some() {
                return;
            }
            {
                // Under the lock: if it is not reaped yet, its pid is still its own.
                let _registry = children();
                if self.status.is_none() {
                    let _ = kill(Pid::from_raw(self.pid()), signal);
                }
            }
            let deadline = Instant::now() + patience;
            while self.exited().is_none() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// The last lines of its log, for an error message.
    pub fn log_tail(&self) -> String {
        let text = File::open(&self.log)
            .and_then(|mut file| {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut file, &mut text).map(|_| text)
            })
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(3).collect();
        if lines.is_empty() {
            "(nothing in its log)".to_string()
        } else {
            let mut lines = lines;
            lines.reverse();
            format!("its log ends: {}", lines.join(" / "))
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A chat server started by the bench: stopped when dropped, and its room cleared of
/// whatever it left if it had to be killed.
pub struct ServerProc {
    /// The server process.
    pub proc: Proc,
    /// Its room.
    pub room: Room,
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        // SIGTERM: the server says goodbye and removes its objects itself.
        self.proc.stop();
        // Killed instead? Then its objects are a dead server's, which cleanup removes.
        let _ = crate::cleanup::cleanup(&self.room);
    }
}

/// The CPU time (user and system) that all threads of process `pid` have used so far,
/// in nanoseconds: from `/proc/PID/task/*/schedstat` (exact), else from the clock ticks
/// of `/proc/PID/task/*/stat`.
pub fn cpu_ns(pid: i32) -> anyhow::Result<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .with_context(|| format!("cannot list the threads of pid {pid}"))?;
    let (mut exact, mut ticks, mut exact_ok) = (0u64, 0u64, true);
    for task in tasks.flatten() {
        let path = task.path();
        match std::fs::read_to_string(path.join("schedstat")) {
            Ok(text) => {
                exact += text
                    .split_whitespace()
                    .next()
                    .and_then(|ns| ns.parse::<u64>().ok())
                    .unwrap_or(0)
            }
            Err(_) => exact_ok = false,
        }
        if let Ok(stat) = std::fs::read_to_string(path.join("stat")) {
            // "PID (COMM) STATE ...": utime and stime are fields 14 and 15, that is the
            // 12th and 13th after the state.
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.split_whitespace().collect())
                .unwrap_or_default();
            for field in fields.iter().skip(11).take(2) {
                ticks += field.parse::<u64>().unwrap_or(0);
            }
        }
    }
    if exact_ok && exact > 0 {
        return Ok(exact);
    }
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(ticks * 1_000_000_000 / hz)
}

/// How many times all threads of process `pid` have been switched out so far (voluntary
/// and involuntary context switches, from `/proc/PID/task/*/status`): each time a thread
/// sleeps and wakes up again counts one.
pub fn context_switches(pid: i32) -> anyhow::Result<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .with_context(|| format!("cannot list the threads of pid {pid}"))?;
    let mut total = 0;
    for task in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        for line in status.lines() {
            if let Some((key, value)) = line.split_once(':')
                && key.ends_with("ctxt_switches")
            {
                total += value.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    Ok(total)
}

/// The machine a run measured.
#[derive(Debug, Clone)]
pub struct Machine {
    /// The CPU's model name.
    pub cpu: String,
    /// How many CPUs the bench may run on.
    pub cpus: usize,
    /// The kernel's release.
    pub kernel: String,
    /// The load averages (1, 5, 15 minutes) when the run started.
    pub load: String,
}

impl Machine {
    /// Looks at this machine.
    pub fn here() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(key, _)| key.trim() == "model name")
                    .map(|(_, value)| value.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".to_string());
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_string(), |k| k.trim().to_string());
        let load = std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        Machine {
            cpu,
            cpus,
            kernel,
            load,
        }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, {} CPU{}, Linux {} (load {} at the start)",
            self.cpu,
            self.cpus,
            if self.cpus == 1 { "" } else { "s" },
            self.kernel,
            self.load
        )
    }
}
