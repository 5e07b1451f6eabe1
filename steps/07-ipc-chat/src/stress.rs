//! `ipc-chat stress`: many clients, many lines, people joining, leaving and being killed,
//! servers killed and restarted; then the proof that every view and the log agree.
//!
//! Each client is a real `ipc-chat client --plain` process fed its lines on stdin; its
//! stdout (its view) goes to a file. When the run is over, the log is read back with
//! step 5's reader and [`check::check`] compares it with what every client sent and saw.

pub mod check;

use std::fs::{self, File};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use step04_chat::Room;
use step04_chat::ring::Entry;
use step05_mmap_log::log::log_path;
use step05_mmap_log::reader;
use step06_integrated_chat::takeover::{Verdict, look, verdict};

use check::{ClientRun, Fate};

/// The arguments of `ipc-chat stress`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Clients per round.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Lines each client sends.
    #[arg(long, default_value_t = 100)]
    pub lines: usize,
    /// Also make clients leave early (/quit), kill some (SIGKILL) and start new ones.
    #[arg(long)]
    pub churn: bool,
    /// Rounds in which the server is SIGKILLed at a random moment and restarted, before
    /// a last round that runs to the end.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub crash_rounds: usize,
    /// The seed of the random choices (default: the time); a run can be repeated with it.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where the room goes (a new directory under /tmp by default, removed afterwards);
    /// it must not hold a room already.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Give up on the run after this many seconds (a hang is a failure).
    #[arg(long, default_value_t = 300)]
    pub deadline_s: u64,
    /// For the grader: spoil the evidence before the check (drop, dup, swap, lose,
    /// lose-seen or reorder-sender),
    /// which must then fail.
    #[arg(long, hide = true, value_name = "KIND")]
    pub plant: Option<String>,
}

/// A small random-number generator (xorshift64*): enough to choose moments and victims,
/// and repeatable from its seed.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        Random(seed.max(1))
    }

    /// A number in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound.max(1)
    }
}

/// A child process that is killed (and reaped) if it is still running when dropped.
struct Process {
    child: Child,
}

impl Process {
    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends a signal; a process that is gone already is not an error.
    fn signal(&self, signal: Signal) {
        let _ = kill(Pid::from_raw(self.pid()), signal);
    }

    /// Waits for it to exit, until `deadline`; `None` if it did not.
    fn wait_until(&mut self, deadline: Instant) -> Option<std::process::ExitStatus> {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One client of the run, while it runs.
struct Running {
    name: String,
    sent: Vec<String>,
    quits: bool,
    view: PathBuf,
    process: Process,
    killed: bool,
}

/// The whole run: the room, the processes, what happened.
struct Run {
    room: Room,
    dir: PathBuf,
    program: PathBuf,
    random: Random,
    deadline: Instant,
    finished: Vec<ClientRun>,
    /// Clients that did not exit as they should (status, stderr).
    failures: Vec<String>,
    kills: usize,
    server_kills: usize,
    next_client: usize,
}

impl Run {
    fn start_server(&self, round: usize) -> anyhow::Result<Process> {
        let stderr = File::create(self.dir.join(format!("server-{round}.err")))?;
        let child = Command::new(&self.program)
            .args(["server", "--room"])
            .arg(self.room.dir())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("cannot start the server")?;
        let server = Process { child };
        // Ready once a client could open the room.
        while step04_chat::objects::RoomObjects::open(&self.room).is_err() {
            if Instant::now() >= self.deadline {
                bail!("the server did not start in time");
            }
            thread::sleep(Duration::from_millis(10));
        }
        Ok(server)
    }

    fn start_client(&mut self, lines: usize, churn: bool) -> anyhow::Result<Running> {
        let name = format!("c{}", self.next_client);
        self.next_client += 1;
        let quit_at = (churn && self.random.below(4) == 0)
            .then(|| self.random.below(lines as u64 + 1) as usize);
        let sent: Vec<String> = (0..quit_at.unwrap_or(lines))
            .map(|i| format!("{name} {i}"))
            .collect();
        let view = self.dir.join(format!("{name}.out"));
        let mut child = Command::new(&self.program)
            .args(["client", "--plain", "--name", &name, "--room"])
            .arg(self.room.dir())
            .stdin(Stdio::piped())
            .stdout(File::create(&view)?)
            .stderr(File::create(self.dir.join(format!("{name}.err")))?)
            .spawn()
            .context("cannot start a client")?;
        let mut input = String::new();
        for line in &sent {
            input.push_str(line);
            input.push('\n');
        }
        if quit_at.is_some() {
            input.push_str("/quit\n");
        }
        let mut stdin = child.stdin.take().context("the client's stdin")?;
        // A writer thread: the client reads its input at its own pace.
        thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        Ok(Running {
            name,
            sent,
            quits: quit_at.is_some(),
            view,
            process: Process { child },
            killed: false,
        })
    }

    /// Waits for a client and records what it did.
    fn finish(&mut self, mut client: Running, server_killed: bool) -> anyhow::Result<()> {
        let status = client.process.wait_until(self.deadline);
        let view: Vec<String> = fs::read_to_string(&client.view)?
            .lines()
            .map(str::to_owned)
            .collect();
        let fate = match status {
            _ if client.killed || server_killed => Fate::Killed,
            Some(status) if status.success() => {
                if client.quits {
                    Fate::Quit
                } else {
                    Fate::Finished
                }
            }
            other => {
                let stderr = fs::read_to_string(self.dir.join(format!("{}.err", client.name)))
                    .unwrap_or_default();
                self.failures.push(format!(
                    "{} {}: {}",
                    client.name,
                    match other {
                        Some(status) => format!("exited with {status}"),
                        None => "did not exit in time (a hang)".into(),
                    },
                    stderr.trim()
                ));
                Fate::Killed
            }
        };
        self.finished.push(ClientRun {
            name: client.name,
            sent: client.sent,
            view,
            fate,
        });
        Ok(())
    }

    /// One round: a server, clients, and (if `crash`) the server killed at a random moment.
    fn round(&mut self, index: usize, args: &Args, crash: bool) -> anyhow::Result<()> {
        let server = self.start_server(index)?;
        let mut clients = Vec::new();
        for _ in 0..args.clients {
            clients.push(self.start_client(args.lines, args.churn)?);
        }
        // The moments of the kills, as numbers of entries published in this round: the
        // server and the victims die in the middle of the bursts, wherever they fall.
        let objects = step04_chat::objects::RoomObjects::open(&self.room)?;
        let first_seq = objects.state().header.next_seq.load(Ordering::Acquire);
        let progress = || objects.state().header.next_seq.load(Ordering::Acquire) - first_seq;
        let total = (args.clients * args.lines) as u64;
        let crash_at = crash.then(|| self.random.below((total * 3 / 4).max(1)));
        let mut kills_at: Vec<u64> = if args.churn {
            (0..(args.clients / 4).max(1))
                .map(|_| self.random.below(total.max(1)))
                .collect()
        } else {
            Vec::new()
        };
        kills_at.sort_unstable_by(|a, b| b.cmp(a));
        let mut killed_server = false;
        while clients
            .iter_mut()
            .any(|c| matches!(c.process.child.try_wait(), Ok(None)))
        {
            if Instant::now() >= self.deadline {
                break;
            }
            if !killed_server && crash_at.is_some_and(|at| progress() >= at) {
                server.signal(Signal::SIGKILL);
                killed_server = true;
                self.server_kills += 1;
            }
            while !killed_server && kills_at.last().is_some_and(|at| progress() >= *at) {
                kills_at.pop();
                let running: Vec<usize> = clients
                    .iter_mut()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        let alive = matches!(c.process.child.try_wait(), Ok(None));
                        (!c.killed && alive).then_some(i)
                    })
                    .collect();
                if running.is_empty() {
                    break;
                }
                let victim = running[self.random.below(running.len() as u64) as usize];
                clients[victim].process.signal(Signal::SIGKILL);
                clients[victim].killed = true;
                self.kills += 1;
                // Someone new joins in its place.
                let replacement = self.start_client(args.lines, args.churn)?;
                clients.push(replacement);
            }
            thread::sleep(Duration::from_millis(1));
        }
        drop(objects);
        for client in clients {
            self.finish(client, killed_server)?;
        }
        let mut server = server;
        if !killed_server {
            server.signal(Signal::SIGTERM);
            if server.wait_until(self.deadline).is_none() {
                self.failures
                    .push(format!("the server of round {index} did not stop in time"));
            }
        } else {
            let _ = server.wait_until(self.deadline);
        }
        Ok(())
    }
}

/// Spoils the evidence as `kind` says (for the grader: the check must then fail).
fn plant(kind: &str, log: &mut Vec<Entry>, runs: &mut [ClientRun]) -> anyhow::Result<()> {
    let entries = |run: &ClientRun| {
        run.view
            .iter()
            .enumerate()
            .filter(|(_, l)| check::is_entry_line(l))
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let run = runs
        .iter_mut()
        .find(|run| entries(run).len() >= 3)
        .context("no view long enough to plant a discrepancy in")?;
    let at = entries(run);
    match kind {
        "drop" => {
            run.view.remove(at[1]);
        }
        "dup" => {
            let line = run.view[at[1]].clone();
            run.view.insert(at[1], line);
        }
        "swap" => run.view.swap(at[1], at[2]),
        "lose" => {
            let last = log
                .iter()
                .rposition(|e| e.kind == step03_protocol::layout::EntryKind::Chat)
                .context("no chat line in the log")?;
            log.remove(last);
        }
        // A finished sender's last line is missing from the log *and* from every view: only
        // the sender's own record shows it was lost.
        "lose-seen" => {
            let last = log
                .iter()
                .rposition(|e| e.kind == step03_protocol::layout::EntryKind::Chat)
                .context("no chat line in the log")?;
            let line = step04_chat::format::line(&log.remove(last));
            for run in runs.iter_mut() {
                run.view.retain(|l| *l != line);
            }
        }
        // Two consecutive lines of one sender swap places in the log and in every view: the
        // views agree with the log, only the sender's order is broken.
        "reorder-sender" => {
            let i = (0..log.len().saturating_sub(1))
                .find(|&i| {
                    log[i].kind == step03_protocol::layout::EntryKind::Chat
                        && log[i + 1].kind == step03_protocol::layout::EntryKind::Chat
                        && log[i].name == log[i + 1].name
                })
                .context("no two consecutive lines of one sender")?;
            let (a, b) = (
                step04_chat::format::line(&log[i]),
                step04_chat::format::line(&log[i + 1]),
            );
            log.swap(i, i + 1);
            for run in runs.iter_mut() {
                if let (Some(x), Some(y)) = (
                    run.view.iter().position(|l| *l == a),
                    run.view.iter().position(|l| *l == b),
                ) {
                    run.view.swap(x, y);
                }
            }
        }
        other => bail!(
            "unknown discrepancy to plant: {other} (drop, dup, swap, lose, lose-seen or reorder-sender)"
        ),
    }
    Ok(())
}

// ANCHOR: run
/// Runs `ipc-chat stress` and prints its summary; fails on any discrepancy.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let (dir, temporary) = match &args.dir {
        Some(dir) => (dir.clone(), false),
        None => (
            std::env::temp_dir().join(format!("ipc-chat-stress-{}", std::process::id())),
            true,
        ),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let room = Room::new(Some(dir.join("room")));
    if log_path(room.dir()).exists() {
        bail!(
            "{} holds a room already: give stress a new directory",
            dir.display()
        );
    }
    let started = Instant::now();
    let mut run = Run {
        room,
        dir: dir.clone(),
        program: std::env::current_exe().context("cannot find ipc-chat itself")?,
        random: Random::new(seed),
        deadline: started + Duration::from_secs(args.deadline_s),
        finished: Vec::new(),
        failures: Vec::new(),
        kills: 0,
        server_kills: 0,
        next_client: 0,
    };
    eprintln!(
        "ipc-chat stress: {} clients x {} lines{}{}, seed {seed}, in {}",
        args.clients,
        args.lines,
        if args.churn { ", with churn" } else { "" },
        if args.crash_rounds > 0 {
            format!(", {} server crash round(s)", args.crash_rounds)
        } else {
            String::new()
        },
        dir.display()
    );
    for round in 0..args.crash_rounds {
        run.round(round, args, true)?;
    }
    run.round(args.crash_rounds, args, false)?;
    let outcome = summarize(&mut run, args, seed, started);
    // Nothing of the room may be left in the kernel.
    let leftovers = verdict(&look(&run.room)?) != Verdict::Nothing;
    if temporary && outcome.as_ref().is_ok_and(|ok| *ok) && !leftovers {
        let _ = fs::remove_dir_all(&dir);
    }
    if leftovers {
        println!("FAIL: the room's IPC objects are still there after the last server stopped");
    }
    Ok(if outcome? && !leftovers {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
// ANCHOR_END: run

/// Reads the log, checks it against the runs, prints the summary; true if all agree.
fn summarize(run: &mut Run, args: &Args, seed: u64, started: Instant) -> anyhow::Result<bool> {
    let scan = reader::read(&log_path(run.room.dir()))?;
    let mut log = scan.entries;
    if let Some(kind) = &args.plant {
        plant(kind, &mut log, &mut run.finished)?;
    }
    let discrepancies = check::check(&log, &run.finished);
    let count = |fate| run.finished.iter().filter(|r| r.fate == fate).count();
    let seen: usize = run
        .finished
        .iter()
        .map(|r| r.view.iter().filter(|l| check::is_entry_line(l)).count())
        .sum();
    println!(
        "ipc-chat stress: seed {seed}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "  clients: {} ({} finished, {} quit early, {} killed: {} by SIGKILL, the others with {} server(s) killed)",
        run.finished.len(),
        count(Fate::Finished),
        count(Fate::Quit),
        count(Fate::Killed),
        run.kills,
        run.server_kills
    );
    println!(
        "  log: {} entries, {} chat lines{}",
        log.len(),
        log.iter()
            .filter(|e| e.kind == step03_protocol::layout::EntryKind::Chat)
            .count(),
        if scan.dropped.is_some() {
            ", then a damaged record"
        } else {
            ", every record whole"
        }
    );
    println!("  views: {seen} entries printed, compared line by line with the log");
    // The last round's server repaired any torn record when it opened the log: a damaged
    // record now is a corrupt log.
    if let Some(dropped) = &scan.dropped {
        run.failures.push(format!(
            "the log is damaged at offset {}: {} bytes ({})",
            dropped.offset, dropped.bytes, dropped.why
        ));
    }
    let repaired = (0..=args.crash_rounds)
        .filter_map(|round| fs::read_to_string(run.dir.join(format!("server-{round}.err"))).ok())
        .filter(|stderr| stderr.contains("dropped"))
        .count();
    if args.crash_rounds > 0 {
        println!("  restarts: {repaired} torn record(s) cut off by the next server's recovery");
    }
    for failure in &run.failures {
        println!("FAIL: {failure}");
    }
    for discrepancy in discrepancies.iter().take(20) {
        println!("FAIL: {discrepancy}");
    }
    if discrepancies.len() > 20 {
        println!("FAIL: ... and {} more", discrepancies.len() - 20);
    }
    let ok = discrepancies.is_empty() && run.failures.is_empty();
    if ok {
        println!("OK: every view and the log agree: no line lost, duplicated or reordered");
    } else {
        println!(
            "FAIL: {} discrepancy(ies), {} failure(s); the evidence is in {}",
            discrepancies.len(),
            run.failures.len(),
            run.dir.display()
        );
    }
    Ok(ok)
}
