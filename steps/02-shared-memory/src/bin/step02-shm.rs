//! Creates, inspects and removes System V shared-memory segments found by key file: a
//! small `ipcs -m` and `ipcrm -m` for the course, plus `hold`, which keeps a segment
//! attached until told to let go (to watch `IPC_RMID` wait for the last detach).
//!
//! Example: `step02-shm create --path /tmp/room --size 4096`, then `step02-shm info
//! --path /tmp/room`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use step02_shared_memory::cli::{SegmentArgs, attach, run_main};
use step02_shared_memory::{Counter, Mailbox, Segment};

/// Create, inspect and remove System V shared-memory segments.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new segment of --size bytes, all zero (fails if the key has one already).
    Create {
        #[command(flatten)]
        segment: SegmentArgs,
        /// The size in bytes.
        #[arg(long)]
        size: usize,
    },
    /// Print what the kernel says about the segment (shmctl IPC_STAT).
    Info {
        #[command(flatten)]
        segment: SegmentArgs,
    },
    /// Print the first bytes of the segment in hex (attached read-only).
    Dump {
        #[command(flatten)]
        segment: SegmentArgs,
        /// How many bytes to show.
        #[arg(long, default_value = "64")]
        bytes: usize,
    },
    /// Show the segment as a counter or a mailbox (a typed view: attached read-write).
    View {
        #[command(flatten)]
        segment: SegmentArgs,
        /// The layout to view the segment's bytes as.
        #[arg(long = "as", value_enum)]
        layout: Layout,
    },
    /// Attach; detach at the first line on stdin (or its end); exit when stdin ends.
    Hold {
        #[command(flatten)]
        segment: SegmentArgs,
        /// Attach read-only (SHM_RDONLY).
        #[arg(long)]
        read_only: bool,
    },
    /// Remove the segment (IPC_RMID): it is destroyed once no process is attached.
    Rm {
        #[command(flatten)]
        segment: SegmentArgs,
    },
}

/// The layouts `view` knows.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Layout {
    /// The counter of step02-counter.
    Counter,
    /// The mailbox of step02-msg.
    Mailbox,
}

fn main() -> ExitCode {
    run_main("step02-shm", || {
        match Args::parse().command {
            Command::Create { segment, size } => {
                let mut segment = segment.name(Mailbox::PROJ_ID)?.create(size)?;
                // The point of `create` is a segment that outlives this command.
                segment.release_ownership();
                eprintln!(
                    "created segment {} of {size} bytes (key {})",
                    segment.id(),
                    segment.key()
                );
            }
            Command::Info { segment } => {
                let segment = segment.name(Mailbox::PROJ_ID)?.open_any_size()?;
                print_info(&segment)?;
            }
            Command::Dump { segment, bytes } => {
                let segment = segment.name(Mailbox::PROJ_ID)?.open_any_size()?;
                let attached = segment
                    .attach_read_only()
                    .with_context(|| format!("cannot attach segment {}", segment.id()))?;
                let shown = bytes.min(attached.len());
                println!(
                    "segment {}: {} bytes, attached read-only; the first {shown}:",
                    segment.id(),
                    attached.len()
                );
                let mut copy = vec![0; shown];
                attached.read_at(0, &mut copy)?;
                print_hex(&copy);
            }
            Command::View { segment, layout } => {
                let segment = segment.name(Mailbox::PROJ_ID)?.open_any_size()?;
                let attached = attach(&segment)?;
                let id = segment.id();
                match layout {
                    Layout::Counter => {
                        let counter: &Counter = attached.view()?;
                        println!(
                            "counter in segment {id}: value {}, {} processes reached the start line",
                            counter.value(),
                            counter.arrived()
                        );
                    }
                    Layout::Mailbox => {
                        let mailbox: &Mailbox = attached.view()?;
                        match mailbox.read()? {
                            None => println!("mailbox in segment {id}: empty (sequence 0)"),
                            Some(message) => println!(
                                "mailbox in segment {id}: message #{} (sequence {}), {} bytes: {}",
                                message.number,
                                message.number * 2,
                                message.text.len(),
                                message.text.escape_ascii()
                            ),
                        }
                    }
                }
            }
            Command::Hold { segment, read_only } => {
                let segment = segment.name(Mailbox::PROJ_ID)?.open_any_size()?;
                if read_only {
                    hold(&segment, segment.attach_read_only(), "read-only")?;
                } else {
                    hold(&segment, segment.attach(), "read-write")?;
                }
            }
            Command::Rm { segment } => {
                let segment = segment.name(Mailbox::PROJ_ID)?.open_any_size()?;
                let id = segment.id();
                let attached = segment.stat()?.attached;
                segment
                    .remove()
                    .with_context(|| format!("cannot remove segment {id}"))?;
                if attached == 0 {
                    eprintln!("removed segment {id}: destroyed now (nobody was attached)");
                } else {
                    eprintln!(
                        "removed segment {id}: its key is free now, but its memory lives until \
                         the {attached} attached process(es) detach"
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints one line of `shmctl(IPC_STAT)`.
fn print_info(segment: &Segment) -> anyhow::Result<()> {
    let stat = segment.stat()?;
    println!(
        "segment {} (key {}): {} bytes, mode {:o}, {} attached, created by pid {}, \
         last attach or detach by pid {}{}",
        segment.id(),
        segment.key(),
        stat.size,
        stat.mode,
        stat.attached,
        stat.creator_pid,
        stat.last_pid,
        if stat.marked_for_removal {
            ", marked for removal"
        } else {
            ""
        }
    );
    Ok(())
}

/// Keeps an attachment until a line (or the end) arrives on stdin, drops it, then waits
/// for the end of stdin.
fn hold<A: step02_shared_memory::Access>(
    segment: &Segment,
    attached: step02_shared_memory::Result<step02_shared_memory::Attached<A>>,
    mode: &str,
) -> anyhow::Result<()> {
    let attached = attached.with_context(|| format!("cannot attach segment {}", segment.id()))?;
    println!(
        "attached segment {} ({} bytes, {mode})",
        segment.id(),
        attached.len()
    );
    let mut lines = std::io::stdin().lock().lines();
    let _ = lines.next();
    // The guard's drop calls shmdt: the kernel's attach count goes down by one.
    drop(attached);
    println!("detached segment {}", segment.id());
    for _ in lines {}
    Ok(())
}

/// Prints bytes as `xxd` does: offset, 16 bytes in hex, the printable ones as text.
fn print_hex(bytes: &[u8]) {
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let text: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        println!("{:08x}  {:<47}  |{text}|", row * 16, hex.join(" "));
    }
}
