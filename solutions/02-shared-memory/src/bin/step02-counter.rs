//! A counter in a shared-memory segment that many processes increment at once.
//!
//! `add` is one process's share of the work: wait at the start line for `--processes`
//! processes, then increment `--times` times, with `fetch_add` or, with `--racy`, with a
//! plain load and store that loses updates. `get` prints the count. `run` does the whole
//! experiment: a fresh segment, N `add` processes, the count against the expected total,
//! and the segment removed again. Example: `step02-counter run --path /tmp/room
//! --processes 4 --times 100000 --racy`.

use std::process::{Command as Process, ExitCode, Stdio};

use anyhow::{Context, bail};
use clap::{Args as ClapArgs, Parser, Subcommand};
use step02_shared_memory::Counter;
use step02_shared_memory::cli::{SegmentArgs, attach, run_main};

/// Increment a counter in System V shared memory from many processes.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Increment the counter --times times (after --processes processes are ready).
    Add {
        #[command(flatten)]
        segment: SegmentArgs,
        /// Create the counter's segment if it does not exist yet.
        #[arg(long)]
        create: bool,
        #[command(flatten)]
        work: Work,
    },
    /// Print the count.
    Get {
        #[command(flatten)]
        segment: SegmentArgs,
    },
    /// Run --processes `add` processes on a fresh counter, compare, remove the counter.
    Run {
        #[command(flatten)]
        segment: SegmentArgs,
        #[command(flatten)]
        work: Work,
    },
}

/// The work of an experiment.
#[derive(Debug, Clone, ClapArgs)]
struct Work {
    /// Increments per process.
    #[arg(long)]
    times: u64,
    /// How many processes take part; each waits for all of them before starting.
    #[arg(long, default_value = "1")]
    processes: u64,
    /// Increment with an atomic load and a separate store (loses updates) instead of
    /// fetch_add.
    #[arg(long)]
    racy: bool,
}

impl Work {
    /// How the increments are made, for messages.
    fn method(&self) -> &'static str {
        if self.racy {
            "load + store (racy)"
        } else {
            "fetch_add"
        }
    }
}

fn main() -> ExitCode {
    run_main("step02-counter", || {
        match Args::parse().command {
            Command::Add {
                segment,
                create,
                work,
            } => {
                let segment = segment
                    .name(Counter::PROJ_ID)?
                    .open(Counter::SIZE, create)?;
                let attached = attach(&segment)?;
                let counter: &Counter = attached.view()?;
                counter.start_together(work.processes)?;
                let mut now = 0;
                for _ in 0..work.times {
                    now = if work.racy {
                        counter.increment_racy()
                    } else {
                        counter.increment()
                    };
                }
                eprintln!(
                    "process {} added {} with {}; the count was {now} after its last increment",
                    std::process::id(),
                    work.times,
                    work.method()
                );
            }
            Command::Get { segment } => {
                let segment = segment.name(Counter::PROJ_ID)?.open(Counter::SIZE, false)?;
                let attached = attach(&segment)?;
                println!("{}", attached.view::<Counter>()?.value());
            }
            Command::Run { segment, work } => run(&segment, &work)?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The whole experiment, on a segment of its own that it removes at the end.
fn run(args: &SegmentArgs, work: &Work) -> anyhow::Result<()> {
    let name = args.name(Counter::PROJ_ID)?;
    let segment = name.create(Counter::SIZE)?;
    let counted = spawn_and_count(args, work, &segment);
    let id = segment.id();
    // The segment is ours (we created it), so dropping it would remove it too; removing
    // it on purpose reports a failure.
    segment
        .remove()
        .with_context(|| format!("cannot remove segment {id}"))?;
    let counted = counted?;
    let expected = work.processes * work.times;
    let verdict = match expected.checked_sub(counted) {
        Some(0) => "no update lost".to_string(),
        Some(lost) => format!("{lost} updates lost"),
        None => format!("{} too many", counted - expected),
    };
    let processes = match work.processes {
        1 => "1 process".to_string(),
        n => format!("{n} processes"),
    };
    println!(
        "{processes} x {} increments with {}: expected {expected}, counted {counted}: {verdict}",
        work.times,
        work.method()
    );
    Ok(())
}

/// Starts the `add` processes, waits for them, and reads the count.
fn spawn_and_count(
    args: &SegmentArgs,
    work: &Work,
    segment: &step02_shared_memory::Segment,
) -> anyhow::Result<u64> {
    let me = std::env::current_exe().context("cannot find this program's path")?;
    let mut children = Vec::new();
    for _ in 0..work.processes {
        let mut child = Process::new(&me);
        child
            .arg("add")
            .arg("--path")
            .arg(&args.path)
            .args(["--times", &work.times.to_string()])
            .args(["--processes", &work.processes.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(proj_id) = args.proj_id {
            child.args(["--proj-id", &proj_id.to_string()]);
        }
        if work.racy {
            child.arg("--racy");
        }
        children.push(child.spawn().context("cannot start an `add` process")?);
    }
    let mut failures = Vec::new();
    for child in children {
        let output = child.wait_with_output()?;
        if !output.status.success() {
            failures.push(String::from_utf8_lossy(&output.stderr).trim().to_string());
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} process(es) failed: {}",
            failures.len(),
            failures.join("; ")
        );
    }
    let attached = attach(segment)?;
    Ok(attached.view::<Counter>()?.value())
}
