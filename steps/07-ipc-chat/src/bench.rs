//! `ipc-chat bench`: the chat measured against the raw message queue, in one run, on
//! this machine.
//!
//! A run makes a throwaway directory (the [`lab`]), and in it:
//!
//! 1. the **raw baseline** ([`raw`]): the bench and an echo process on a queue of their
//!    own; one-way latency (half a ping-pong's round trip, p50 and p99) and the stream
//!    throughput, with payloads of a chat request's size;
//! 2. a real **step 7 server** (`ipc-chat server`, a child): the end-to-end latency of
//!    paced lines, from the sender's `msgsnd` until a reader has the entry (p50, p99);
//!    the server's throughput under a flood; its CPU time per line with 1, 8 and 64
//!    `ipc-chat client` readers asleep on the futex; an idle client's wake-ups ([`chat`]);
//! 3. the kernel's `FUTEX_WAKE` alone, with 1 and 64 sleepers ([`wake`]): what bounds
//!    the cost of readers;
//! 4. a **step 4 server** (in a child of the bench): the same latency, read by step 4's
//!    polling reader, for the chart that compares the two ([`chart`]).
//!
//! Every figure is printed with the raw figure it compares with, the ratio, the issue's
//! target and whether it was met; a target that the design cannot meet is reported with
//! the measurement that bounds it ([`report`]). The targets are measured, never
//! asserted: the run succeeds whatever it finds. Nothing survives a run, not even an
//! interrupted one: see [`lab`] for how children and IPC objects are cleaned up.
//!
//! The bench's own child processes are this same program with a hidden `--worker`
//! argument ([`worker`]).

mod chart;
mod chat;
mod lab;
mod raw;
mod report;
mod stats;
mod wake;
mod worker;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use step04_chat::client::POLL_INTERVAL;

use self::chat::Delivery;
use self::lab::{Abort, Guard, Lab, Machine, aborted};
use self::report::Figures;

/// The arguments of `ipc-chat bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Smaller counts: about 15 s instead of about a minute (the figures are noisier).
    #[arg(long)]
    pub quick: bool,

    /// Also write the table as Markdown to FILE (for the book).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Also write the chart of the latency distributions to FILE, as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// Where to make the run's throwaway rooms [default: the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The hidden arguments of the bench's own child processes.
    #[command(flatten)]
    worker: worker::WorkerArgs,
}

/// How much of everything a run measures.
#[derive(Debug, Clone)]
struct Counts {
    /// Raw ping-pong round trips.
    round_trips: usize,
    /// Messages of the raw stream.
    stream: usize,
    /// Paced lines for step 7's latency.
    step7_lines: usize,
    /// Paced lines for step 4's latency (each takes a poll interval or so).
    step4_lines: usize,
    /// Flood senders.
    flood_senders: usize,
    /// Lines each flood sender sends.
    flood_per_sender: u64,
    /// Lines for each count of readers.
    reader_lines: usize,
    /// The pace of those lines.
    reader_gap: Duration,
    /// How long the idle client is watched.
    idle: Duration,
    /// The whole run's deadline.
    deadline: Duration,
}

impl Counts {
    /// The counts of a full run, or of a quick one.
    fn new(quick: bool) -> Counts {
        if quick {
            Counts {
                round_trips: 2_000,
                stream: 20_000,
                step7_lines: 1_000,
                step4_lines: 40,
                flood_senders: 2,
                flood_per_sender: 10_000,
                reader_lines: 200,
                reader_gap: Duration::from_millis(3),
                idle: Duration::from_secs(2),
                deadline: Duration::from_secs(120),
            }
        } else {
            Counts {
                round_trips: 20_000,
                stream: 200_000,
                step7_lines: 10_000,
                step4_lines: 300,
                flood_senders: 2,
                flood_per_sender: 100_000,
                reader_lines: 1_500,
                reader_gap: Duration::from_millis(3),
                idle: Duration::from_secs(5),
                deadline: Duration::from_secs(600),
            }
        }
    }
}

/// The counts of readers whose cost is measured.
const READERS: [usize; 3] = [1, 8, 64];

/// The progress of a run, on stderr: a line that updates itself at a terminal, one line
/// per phase elsewhere (a log, `make`'s output).
pub struct Progress {
    /// Whether stderr is a terminal.
    terminal: bool,
    /// How many phases the run has.
    phases: usize,
    /// The phase under way (from 1).
    current: usize,
    /// What it does.
    label: String,
    /// When the line was last drawn.
    drawn: Instant,
}

impl Progress {
    /// The progress of a run of `phases` phases.
    pub fn new(phases: usize) -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            phases,
            current: 0,
            label: String::new(),
            drawn: Instant::now(),
        }
    }

    /// A new phase begins.
    pub fn phase(&mut self, label: &str) {
        self.current += 1;
        self.label = label.to_string();
        if self.terminal {
            self.draw(None);
        } else {
            eprintln!(
                "ipc-chat bench: [{}/{}] {label}",
                self.current.min(self.phases),
                self.phases
            );
        }
    }

    /// `done` of the phase's `total` are done (drawn at most ten times a second).
    pub fn tick(&mut self, done: usize, total: usize) {
        if self.terminal && self.drawn.elapsed() >= Duration::from_millis(100) {
            self.draw(Some((done, total)));
        }
    }

    /// Draws the progress line.
    fn draw(&mut self, count: Option<(usize, usize)>) {
        let count = count.map_or_else(String::new, |(done, total)| {
            format!(": {done}/{total} ({}%)", done * 100 / total.max(1))
        });
        eprint!(
            "\r\x1b[2K[{}/{}] {}{count}",
            self.current.min(self.phases),
            self.phases,
            self.label
        );
        self.drawn = Instant::now();
    }

    /// The run is over: clear the line.
    pub fn finish(&mut self) {
        if self.terminal {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Runs `ipc-chat bench` (or, with the hidden `--worker`, one of its child processes).
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(role) = args.worker.worker {
        return worker::run(role, &args.worker);
    }
    let counts = Counts::new(args.quick);
    // First, while this is the only thread: the signals and the deadline.
    let _guard = Guard::start(counts.deadline)?;
    let machine = Machine::here();
    eprintln!(
        "ipc-chat bench: a {} run on {machine}",
        if args.quick { "quick" } else { "full" }
    );
    let mut progress = Progress::new(9);
    let started = Instant::now();
    let measured = measure(args, &counts, &machine, &mut progress);
    progress.finish();
    // Every child and IPC object of the run is gone by now (the lab was dropped).
    let figures = match measured {
        Ok(mut figures) => {
            figures.elapsed = started.elapsed();
            figures
        }
        Err(error) => {
            return match aborted() {
                Some(Abort::Signal) => {
                    eprintln!(
                        "ipc-chat bench: interrupted; the run's processes and IPC objects are gone"
                    );
                    Ok(ExitCode::from(130))
                }
                Some(Abort::Deadline) => Err(error.context(format!(
                    "the run's deadline of {:?} passed; the run's processes and IPC objects \
                     are gone",
                    counts.deadline
                ))),
                None => Err(error),
            };
        }
    };
    print!("{}", figures.text());
    if let Some(path) = &args.markdown {
        write(path, &figures.markdown())?;
        eprintln!("ipc-chat bench: wrote the table to {}", path.display());
    }
    if let Some(path) = &args.svg {
        write(path, &chart::svg(&figures))?;
        eprintln!("ipc-chat bench: wrote the chart to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to `path`, making its directory if needed.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Every measurement of a run, in its own lab (gone when this returns, however it
/// returns).
fn measure(
    args: &Args,
    counts: &Counts,
    machine: &Machine,
    progress: &mut Progress,
) -> anyhow::Result<Figures> {
    let lab = Lab::new(args.dir.as_deref())?;
    // The workers' own deadline: a little after the run's.
    let deadline_s = counts.deadline.as_secs() + 30;
    let raw = raw::measure(
        &lab,
        counts.round_trips,
        counts.stream,
        (counts.reader_lines.min(500), counts.reader_gap),
        progress,
    )?;

    let server = lab.start_server("step7", false)?;
    progress.phase(&format!(
        "step 7: end-to-end latency of {} paced lines",
        counts.step7_lines
    ));
    let step7 = chat::latency(
        &lab,
        &server.room,
        Delivery::Futex,
        counts.step7_lines,
        Duration::ZERO,
        deadline_s,
        progress,
    )?;
    progress.phase(&format!(
        "step 7: server throughput, {} senders flooding {} lines each",
        counts.flood_senders, counts.flood_per_sender
    ));
    let flood = chat::flood(
        &lab,
        &server,
        counts.flood_senders,
        counts.flood_per_sender,
        deadline_s,
        progress,
    )?;
    let mut readers = Vec::new();
    let mut idle_wakeups = 0.0;
    for count in READERS {
        let idle = (count == 1).then_some(counts.idle);
        progress.phase(&format!(
            "step 7: server CPU per line with {count} reader{}, {} lines{}",
            if count == 1 { "" } else { "s" },
            counts.reader_lines,
            idle.map_or_else(String::new, |idle| format!(
                ", then {} s of an idle client",
                idle.as_secs()
            ))
        ));
        let (cost, wakeups) = chat::reader_cost(
            &lab,
            &server,
            count,
            counts.reader_lines,
            counts.reader_gap,
            idle,
            progress,
        )?;
        readers.push(cost);
        if let Some(wakeups) = wakeups {
            idle_wakeups = wakeups;
        }
    }
    drop(server);
    progress.phase("kernel: what one FUTEX_WAKE costs the waker, with 1 and 64 sleepers");
    let rounds = counts.reader_lines.min(300);
    let wakes = vec![
        wake::wake_cost(1, rounds, counts.reader_gap)?,
        wake::wake_cost(64, rounds, counts.reader_gap)?,
    ];

    let server = lab.start_server("step4", true)?;
    progress.phase(&format!(
        "step 4: end-to-end latency of {} lines, read by polling",
        counts.step4_lines
    ));
    let step4 = chat::latency(
        &lab,
        &server.room,
        Delivery::Polling,
        counts.step4_lines,
        POLL_INTERVAL,
        deadline_s,
        progress,
    )?;
    drop(server);
    Ok(Figures {
        machine: machine.clone(),
        quick: args.quick,
        elapsed: Duration::ZERO,
        raw,
        step7,
        step4,
        flood,
        readers,
        wakes,
        idle_wakeups,
        idle: counts.idle,
    })
}
