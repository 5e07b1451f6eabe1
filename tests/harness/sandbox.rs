//! The per-test sandbox: a fresh directory, processes with deadlines, and cleanup.
//!
//! Everything a test starts goes through [`Sandbox::run`] or [`Sandbox::spawn`], which put
//! the child in a process group of its own. When the test ends, however it ends, dropping
//! the sandbox kills those groups and removes every System V object whose key was made
//! from the sandbox directory or a directory directly inside it (any project id).
//!
//! The processes are started with `std::process::Command`, not assert_cmd's: a test's
//! process must lead a process group that the watchdog can kill as a whole, die with the
//! grader (`PR_SET_PDEATHSIG`), be registered before it runs, run in the background while
//! the test talks to it, and its output must be collected as it comes (a helper that
//! escaped the group may hold the pipes open forever). assert_cmd runs a command to
//! completion only. Its checks judge the finished runs instead ([`Output::expect_success`],
//! [`Output::expect_stderr`], ...).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use assert_cmd::assert::{Assert, AssertResult, OutputAssertExt};
use nix::sys::prctl;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use predicates::str::contains;

use super::build::Binaries;
use super::ipc;
use super::lock;

/// The (device, inode) bits that `ftok` uses, of every live sandbox directory in this
/// process: two sandboxes with the same bits would share keys, so a new one must differ.
static CLAIMED: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// The bits of `path`'s metadata that end up in its ftok keys.
fn ftok_bits(path: &Path) -> Result<u32> {
    let meta = std::fs::metadata(path)?;
    Ok((((meta.dev() & 0xff) as u32) << 16) | (meta.ino() & 0xffff) as u32)
}

/// How long a single command may run when the test does not say.
const DEFAULT_COMMAND_LIMIT: Duration = Duration::from_secs(10);

/// A test's private directory and processes.
pub struct Sandbox {
    /// The directory; its path is the natural ftok path (and room) of the test.
    dir: tempfile::TempDir,
    /// Our claim in [`CLAIMED`].
    claim: u32,
    /// The binaries of the package under test.
    binaries: Binaries,
    /// Process groups of the children started so far.
    groups: Arc<Mutex<Vec<i32>>>,
    /// Every process the test started, with what it printed (for the failure report).
    started: Mutex<Vec<Started>>,
    /// Set by the watchdog when the time limit passed.
    timed_out: Arc<AtomicBool>,
    /// When the test's time is up.
    deadline: Instant,
    /// Dropping this stops the watchdog.
    watchdog_stop: Option<mpsc::Sender<()>>,
    /// The watchdog thread.
    watchdog: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Makes a sandbox whose processes are all killed `limit` from now.
    pub fn new(binaries: Binaries, limit: Duration) -> Result<Sandbox> {
        let mut rejected = Vec::new();
        let (dir, claim) = loop {
            let dir = tempfile::Builder::new()
                .prefix("ipc-course-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            let bits = ftok_bits(dir.path())?;
            let in_use = (1..=255u8).any(|proj| {
                ipc::ftok(dir.path(), proj).is_some_and(|key| {
                    [ipc::Kind::Queue, ipc::Kind::Segment, ipc::Kind::Semaphores]
                        .into_iter()
                        .any(|kind| ipc::find(kind, key).is_some())
                })
            });
            if !in_use && lock(&CLAIMED).insert(bits) {
                // Marks the directory as in use, for `make clean-ipc`.
                std::fs::write(
                    dir.path().join(".owner-pid"),
                    std::process::id().to_string(),
                )?;
                break (dir, bits);
            }
            // Keep the rejected directory alive so the next one gets another inode.
            rejected.push(dir);
            if rejected.len() > 50 {
                bail!("cannot find a temporary directory whose ftok keys are unused");
            }
        };
        let groups: Arc<Mutex<Vec<i32>>> = Arc::default();
        let timed_out = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel::<()>();
        let watchdog = {
            let groups = Arc::clone(&groups);
            let timed_out = Arc::clone(&timed_out);
            thread::spawn(move || {
                if stopped.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout) {
                    timed_out.store(true, Ordering::SeqCst);
                    kill_groups(&lock(&groups));
                }
            })
        };
        Ok(Sandbox {
            dir,
            claim,
            binaries,
            groups,
            started: Mutex::new(Vec::new()),
            timed_out,
            deadline: Instant::now() + limit,
            watchdog_stop: Some(stop),
            watchdog: Some(watchdog),
        })
    }

    /// The sandbox directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the sandbox directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The key `ftok(sandbox dir, proj_id)`, computed by the grader itself.
    pub fn key(&self, proj_id: u8) -> libc::key_t {
        ipc::ftok(self.path(), proj_id).unwrap_or(-1)
    }

    /// Whether the watchdog fired.
    pub fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::SeqCst)
    }

    /// Time left before the test's limit.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// A command running binary `name` of the package under test.
    pub fn cmd(&self, name: &str) -> Cmd {
        Cmd {
            program: name.to_string(),
            args: Vec::new(),
            stdin: Input::Null,
            env: Vec::new(),
            limit: None,
            user: None,
            mounts: Mounts::Inherited,
        }
    }

    /// Whether commands can run as another user ([`Cmd::user`]): the grader must be
    /// root in the initial user namespace (as in CI), not a user namespace that maps
    /// only its own uid.
    pub fn can_switch_user(&self) -> bool {
        nix::unistd::geteuid().is_root()
            && std::fs::read_to_string("/proc/self/uid_map")
                .is_ok_and(|map| map.split_whitespace().nth(2) == Some("4294967295"))
    }

    /// Whether commands can have a mount namespace of their own ([`Cmd::private_tmpfs`]):
    /// the grader must be root (with `CAP_SYS_ADMIN`), as in CI.
    pub fn can_mount(&self) -> bool {
        nix::unistd::geteuid().is_root()
    }

    /// Lets every user search the sandbox directory, so that a command run as another
    /// user can make the sandbox's keys (ftok needs to `stat` the path).
    pub fn open_to_other_users(&self) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.path(), std::fs::Permissions::from_mode(0o755))
            .context("cannot open the sandbox directory to other users")
    }

    /// Starts `cmd` in the background.
    pub fn spawn(&self, cmd: Cmd) -> Result<Proc> {
        let path = self.binaries.get(&cmd.program).with_context(|| {
            format!(
                "the package has no binary named `{}` (it has: {})",
                cmd.program,
                self.binaries.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        let mut command = Command::new(path);
        command
            .args(&cmd.args)
            .current_dir(self.path())
            .env("RUST_BACKTRACE", "0")
            .env("NO_COLOR", "1")
            .env("XDG_RUNTIME_DIR", self.path())
            .env("TMPDIR", self.path())
            .env_remove("RUST_LOG")
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(match cmd.stdin {
                Input::Null => Stdio::null(),
                Input::Bytes(_) | Input::Piped => Stdio::piped(),
            })
            .process_group(0);
        if let Some(uid) = cmd.user {
            command.uid(uid).gid(uid);
        }
        let mounts = cmd.mounts.prepare()?;
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe calls are allowed. nix's `set_pdeathsig` is one: a bare
        // prctl(2) and a look at errno, no allocation, no lock. It asks the kernel to kill
        // the child if the grader's thread dies, so even a killed grader leaves no orphan.
        // `Prepared::enter` makes raw unshare/mount/setns system calls on strings and a
        // descriptor made before the fork, nothing else.
        unsafe {
            command.pre_exec(move || {
                let _ = prctl::set_pdeathsig(Signal::SIGKILL);
                mounts.enter()
            });
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", cmd.program))?;
        let pid = child.id() as i32;
        lock(&self.groups).push(pid);
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(collect(out, Arc::clone(&stdout)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(collect(err, Arc::clone(&stderr)));
        }
        lock(&self.started).push(Started {
            name: cmd.program.clone(),
            pid,
            stdout: Arc::clone(&stdout),
            stderr: Arc::clone(&stderr),
        });
        let mut stdin = child.stdin.take();
        if let Input::Bytes(bytes) = cmd.stdin
            && let Some(mut pipe) = stdin.take()
        {
            // A writer thread, so a child that never reads cannot block the test.
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let limit = cmd
            .limit
            .unwrap_or(DEFAULT_COMMAND_LIMIT)
            .min(self.remaining());
        Ok(Proc {
            name: cmd.program,
            child,
            stdout,
            stderr,
            readers,
            stdin,
            status: None,
            limit,
        })
    }

    /// Runs `cmd` to completion (killing it at its limit) and returns what it printed.
    pub fn run(&self, cmd: Cmd) -> Result<Output> {
        let mut proc = self.spawn(cmd)?;
        let limit = proc.limit;
        proc.wait(limit)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.watchdog_stop.take();
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
        kill_groups(&lock(&self.groups));
        // Every System V object whose key comes from the sandbox or anything in it.
        let mut paths = vec![self.path().to_path_buf()];
        collect_paths(self.path(), 4, &mut paths);
        for path in paths {
            for proj in 0..=255u8 {
                if let Some(key) = ipc::ftok(&path, proj) {
                    ipc::remove_key(key);
                }
            }
        }
        lock(&CLAIMED).remove(&self.claim);
    }
}

/// Adds the files and directories below `dir`, down to `depth` levels, to `paths`.
fn collect_paths(dir: &Path, depth: usize, paths: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        paths.push(path.clone());
        if is_dir && depth > 1 {
            collect_paths(&path, depth - 1, paths);
        }
    }
}

/// Sends SIGKILL to each process group (each led by a child of ours); a group that is
/// already gone just gives ESRCH.
fn kill_groups(groups: &[i32]) {
    for &pgid in groups {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    }
}

/// Copies everything `source` produces into `sink`, on a thread of its own.
fn collect(mut source: impl Read + Send + 'static, sink: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = source.read(&mut chunk) {
            if n == 0 {
                break;
            }
            lock(&sink).extend_from_slice(&chunk[..n]);
        }
    })
}

/// A process a test started, and the buffers its output is collected in.
struct Started {
    /// The binary's name.
    name: String,
    /// Its pid.
    pid: i32,
    /// What it printed on stdout.
    stdout: Arc<Mutex<Vec<u8>>>,
    /// What it printed on stderr.
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// A process of a test that stopped early: at an exercise's stub, or in a panic.
pub struct Stopped {
    /// `step04-server (pid 123)`.
    pub process: String,
    /// The exercise whose stub it reached, if that is how it stopped.
    pub stub: Option<String>,
    /// The end of its stderr.
    pub stderr: String,
}

impl Sandbox {
    /// The processes of this test that reached an exercise's stub or panicked.
    pub fn stopped_early(&self) -> Vec<Stopped> {
        lock(&self.started)
            .iter()
            .filter_map(|p| {
                let stderr = String::from_utf8_lossy(&lock(&p.stderr)).into_owned();
                let stub = stub_exercise(&stderr);
                (stub.is_some() || stderr.contains("panicked at")).then(|| Stopped {
                    process: format!("{} (pid {})", p.name, p.pid),
                    stub,
                    stderr: excerpt(&stderr),
                })
            })
            .collect()
    }

    /// What every process of this test had printed, for a report after a time-out.
    pub fn activity(&self) -> String {
        lock(&self.started)
            .iter()
            .map(|p| {
                let out = String::from_utf8_lossy(&lock(&p.stdout)).into_owned();
                let err = String::from_utf8_lossy(&lock(&p.stderr)).into_owned();
                format!("{} (pid {}):{}", p.name, p.pid, streams(&out, &err))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The exercise whose stub `stderr` reports reaching, if any.
pub fn stub_exercise(stderr: &str) -> Option<String> {
    const MARK: &str = "not yet implemented: exercise ";
    let at = stderr.find(MARK)?;
    let id: String = stderr[at + MARK.len()..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    Some(id.trim_end_matches('.').to_string())
}

/// What a command reads on stdin.
enum Input {
    /// Nothing (`/dev/null`).
    Null,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// A pipe the test writes to with [`Proc::write`].
    Piped,
}

/// A command to run in the sandbox, built like `std::process::Command`.
pub struct Cmd {
    /// The binary's name.
    program: String,
    /// Its arguments.
    args: Vec<OsString>,
    /// Its stdin.
    stdin: Input,
    /// Extra environment variables.
    env: Vec<(String, String)>,
    /// Its time limit, if not the default.
    limit: Option<Duration>,
    /// The uid (and gid) to run as, if not the grader's.
    user: Option<u32>,
    /// The mount namespace it runs in.
    mounts: Mounts,
}

/// The mount namespace a command runs in.
#[derive(Debug, Clone, Default)]
enum Mounts {
    /// The grader's.
    #[default]
    Inherited,
    /// A new one, with a `tmpfs` of `kib` KiB mounted on `dir` (which must exist).
    PrivateTmpfs {
        /// The mount point.
        dir: PathBuf,
        /// Its size.
        kib: u32,
    },
    /// The one process `pid` runs in.
    Of(i32),
}

/// A [`Mounts`] made ready before `fork`: in the child, only raw system calls are allowed.
enum Prepared {
    /// Nothing to do.
    Inherited,
    /// unshare, then mount a tmpfs.
    PrivateTmpfs {
        dir: std::ffi::CString,
        options: std::ffi::CString,
    },
    /// setns into this namespace.
    Of(std::fs::File),
}

impl Mounts {
    /// Makes the strings and opens the descriptor the child will use.
    fn prepare(&self) -> Result<Prepared> {
        use std::os::unix::ffi::OsStrExt;
        Ok(match self {
            Mounts::Inherited => Prepared::Inherited,
            Mounts::PrivateTmpfs { dir, kib } => Prepared::PrivateTmpfs {
                dir: std::ffi::CString::new(dir.as_os_str().as_bytes())?,
                options: std::ffi::CString::new(format!("size={kib}k,mode=0700"))?,
            },
            Mounts::Of(pid) => Prepared::Of(
                std::fs::File::open(format!("/proc/{pid}/ns/mnt"))
                    .with_context(|| format!("cannot open the mount namespace of pid {pid}"))?,
            ),
        })
    }
}

impl Prepared {
    /// In the child, between fork and exec: enter the namespace.
    fn enter(&self) -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        let check = |result: libc::c_int| {
            if result == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        };
        match self {
            Prepared::Inherited => Ok(()),
            // SAFETY: raw system calls on NUL-terminated strings that outlive the calls.
            Prepared::PrivateTmpfs { dir, options } => unsafe {
                check(libc::unshare(libc::CLONE_NEWNS))?;
                // Our mounts must not propagate back to the grader's namespace.
                check(libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ))?;
                check(libc::mount(
                    c"tmpfs".as_ptr(),
                    dir.as_ptr(),
                    c"tmpfs".as_ptr(),
                    0,
                    options.as_ptr().cast(),
                ))
            },
            // SAFETY: setns on a descriptor this process owns.
            Prepared::Of(namespace) => unsafe {
                check(libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNS))
            },
        }
    }
}

impl Cmd {
    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Cmd {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Feeds `bytes` on stdin, then end of file.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Input::Bytes(bytes.into());
        self
    }

    /// Keeps stdin open as a pipe for [`Proc::write`].
    pub fn stdin_piped(mut self) -> Cmd {
        self.stdin = Input::Piped;
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Cmd {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets the command's time limit.
    pub fn limit(mut self, limit: Duration) -> Cmd {
        self.limit = Some(limit);
        self
    }

    /// Runs the command as user and group `uid` (see [`Sandbox::can_switch_user`]).
    pub fn user(mut self, uid: u32) -> Cmd {
        self.user = Some(uid);
        self
    }

    /// Runs the command in a mount namespace of its own, where a `tmpfs` of `kib` KiB is
    /// mounted on `dir` (an existing directory): a small disk that fills up. Needs root
    /// ([`Sandbox::can_mount`]).
    pub fn private_tmpfs(mut self, dir: &Path, kib: u32) -> Cmd {
        self.mounts = Mounts::PrivateTmpfs {
            dir: dir.to_owned(),
            kib,
        };
        self
    }

    /// Runs the command in the mount namespace of process `pid` (one started with
    /// [`Cmd::private_tmpfs`]), so that it sees the same files.
    pub fn mounts_of(mut self, pid: i32) -> Cmd {
        self.mounts = Mounts::Of(pid);
        self
    }
}

/// A running (or finished) child process.
pub struct Proc {
    /// The binary's name, for messages.
    name: String,
    /// The child.
    child: Child,
    /// What it printed on stdout so far.
    stdout: Arc<Mutex<Vec<u8>>>,
    /// What it printed on stderr so far.
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The threads collecting its output.
    readers: Vec<JoinHandle<()>>,
    /// Its stdin, if piped.
    stdin: Option<ChildStdin>,
    /// Its exit status, once reaped.
    status: Option<ExitStatus>,
    /// Its time limit.
    limit: Duration,
}

impl Proc {
    /// The process id.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status.is_none()
    }

    /// Sends `signal` to the process (not once it is reaped: its pid may have been reused).
    pub fn signal(&self, signal: Signal) {
        if self.status.is_none() {
            let _ = kill(Pid::from_raw(self.pid()), signal);
        }
    }

    /// Writes `bytes` to its stdin (which must be piped).
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let stdin = self.stdin.as_mut().context("stdin is not piped")?;
        stdin
            .write_all(bytes)
            .and_then(|()| stdin.flush())
            .with_context(|| format!("cannot write to the stdin of {}", self.name))
    }

    /// Closes its stdin (end of file).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Everything it printed on stdout so far.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stdout)).into_owned()
    }

    /// Everything it printed on stderr so far.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// Waits until its stdout satisfies `done` (returning the text), or fails after
    /// `limit` with what it printed.
    pub fn wait_for_stdout(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let end = Instant::now() + limit;
        loop {
            let text = self.stdout_text();
            if done(&text) {
                return Ok(text);
            }
            if !self.is_running() {
                // Let the reader threads drain the pipes before the last look.
                thread::sleep(Duration::from_millis(50));
                let text = self.stdout_text();
                if done(&text) {
                    return Ok(text);
                }
                bail!(
                    "{} {} before printing {what}{}",
                    self.name,
                    describe_status(self.status),
                    streams(&text, &self.stderr_text())
                );
            }
            if Instant::now() >= end {
                bail!(
                    "{} did not print {what} within {limit:?}{}",
                    self.name,
                    streams(&text, &self.stderr_text())
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for it to exit, killing it after `limit`, and returns its output.
    pub fn wait(&mut self, limit: Duration) -> Result<Output> {
        let end = Instant::now() + limit;
        while self.is_running() {
            if Instant::now() >= end {
                self.kill();
                return Err(anyhow!(
                    "{} did not exit within {limit:?} and was killed{}",
                    self.name,
                    streams(&self.stdout_text(), &self.stderr_text())
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
        self.stdin = None;
        // The pipes close when the last process holding them exits. A helper that escaped
        // the process group may keep them open: give up on it after a short while.
        let drained = Instant::now() + Duration::from_secs(2);
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < drained {
            thread::sleep(Duration::from_millis(10));
        }
        for reader in self.readers.drain(..) {
            if reader.is_finished() {
                let _ = reader.join();
            }
        }
        Ok(Output {
            name: self.name.clone(),
            status: self.status.unwrap_or_else(|| ExitStatus::from_raw(-1)),
            stdout: lock(&self.stdout).clone(),
            stderr: lock(&self.stderr).clone(),
        })
    }

    /// Kills its whole process group and reaps it.
    pub fn kill(&mut self) {
        kill_groups(&[self.pid()]);
        if self.status.is_none() {
            self.status = self.child.wait().ok();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a finished command did.
#[derive(Debug, Clone)]
pub struct Output {
    /// The binary's name.
    pub name: String,
    /// How it exited.
    pub status: ExitStatus,
    /// Its stdout.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// Its exit code (`None` if killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Describes the run for a failure message: how it exited, then its output.
    pub fn describe(&self) -> String {
        format!(
            "{} {}{}{}",
            self.name,
            describe_status(Some(self.status)),
            stub_note(&self.stderr_text()),
            streams(&self.stdout_text(), &self.stderr_text())
        )
    }

    /// The run as assert_cmd sees it, for its checks (`try_success`, `try_stdout`, ...).
    pub fn assert(&self) -> Assert {
        std::process::Output {
            status: self.status,
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
        }
        .assert()
    }

    /// Fails with `doing` and a description unless it exited with status 0.
    pub fn expect_success(&self, doing: &str) -> Result<&Output> {
        self.expect(self.assert().try_success(), doing)
    }

    /// Fails with `doing` and a description unless its stdout contains `phrase`.
    pub fn expect_stdout(&self, phrase: &str, doing: &str) -> Result<&Output> {
        self.expect(self.assert().try_stdout(contains(phrase)), doing)
    }

    /// Fails with `doing` and a description unless its stderr contains `phrase`.
    pub fn expect_stderr(&self, phrase: &str, doing: &str) -> Result<&Output> {
        self.expect(self.assert().try_stderr(contains(phrase)), doing)
    }

    /// Fails with `doing` and a description unless it failed (a non-zero status, or a
    /// signal) and its stderr says why with `phrase`.
    pub fn expect_failure_saying(&self, phrase: &str, doing: &str) -> Result<&Output> {
        let checked = match self.assert().try_failure() {
            Ok(failed) => failed.try_stderr(contains(phrase)),
            Err(succeeded) => Err(succeeded),
        };
        self.expect(checked, doing)
    }

    /// `Ok(self)` if assert_cmd's check passed, else `doing` and this run's description
    /// (the student sees how the program exited and what it printed, in the harness's
    /// words, rather than assert_cmd's report).
    fn expect(&self, checked: AssertResult, doing: &str) -> Result<&Output> {
        match checked {
            Ok(_) => Ok(self),
            Err(_) => bail!("{doing}: {}", self.describe()),
        }
    }
}

/// ", at the unfinished stub of exercise N.M" when `stderr` shows a `todo!` stub's panic.
pub fn stub_note(stderr: &str) -> String {
    match stub_exercise(stderr) {
        Some(id) => format!(" at the unfinished stub of exercise {id} (its todo!)"),
        None => String::new(),
    }
}

/// The non-empty output streams as indented blocks, or " and printed nothing".
fn streams(stdout: &str, stderr: &str) -> String {
    let mut text = String::new();
    for (name, stream) in [("stdout", stdout), ("stderr", stderr)] {
        if !stream.trim().is_empty() {
            text.push_str(&format!("\n  {name}:{}", excerpt(stream)));
        }
    }
    if text.is_empty() {
        text.push_str(" and printed nothing");
    }
    text
}

/// "exited with status N" or "was killed by signal N".
fn describe_status(status: Option<ExitStatus>) -> String {
    match status {
        None => "is still running".into(),
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(signal)) => format!("was killed by signal {signal}"),
            _ => "ended".into(),
        },
    }
}

/// The text as an indented block (its end only, if long: panics and errors are last).
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 1500;
    let text = text.trim_end().trim_start_matches('\n');
    if text.trim().is_empty() {
        return " (nothing)".into();
    }
    let mut start = text.len().saturating_sub(MAX);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let mut block = String::new();
    if start > 0 {
        block.push_str("\n    | ...");
    }
    for line in text[start..].lines() {
        block.push_str("\n    | ");
        block.push_str(
            &line
                .escape_debug()
                .to_string()
                .replace("\\\"", "\"")
                .replace("\\'", "'"),
        );
    }
    block
}
