//! Writes and reads the mailbox in a shared-memory segment: one process publishes a
//! message, any other reads it, even after the writer has exited.
//!
//! `write` publishes TEXT (or stdin); `read` prints the current message as `[#N] TEXT`
//! (`--raw`: the bare bytes), or says `no message` and exits with status 3. `flood` and
//! `check` publish and verify self-checking messages, to show that a reader never sees a
//! message half-written (and, with `check --no-seqlock`, that a naive reader does). Example: `step02-msg write --path /tmp/room --create "hello"`.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use step02_shared_memory::cli::{EXIT_NO_MESSAGE, SegmentArgs, attach, run_main};
use step02_shared_memory::test_message::{self, test_message};
use step02_shared_memory::{Attached, Mailbox, Message};

/// Write and read the mailbox in a System V shared-memory segment.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Publish a message: TEXT, or everything read from stdin.
    Write {
        #[command(flatten)]
        segment: SegmentArgs,
        /// Create the mailbox's segment if it does not exist yet.
        #[arg(long)]
        create: bool,
        /// The message; without it, stdin is read to the end.
        text: Option<String>,
    },
    /// Print the current message as `[#N] TEXT`.
    Read {
        #[command(flatten)]
        segment: SegmentArgs,
        /// Wait (polling) until there is a message numbered above --after.
        #[arg(long)]
        wait: bool,
        /// With --wait: the last message number already seen.
        #[arg(long, default_value = "0", requires = "wait")]
        after: u64,
        /// Write only the message's bytes, exactly as published.
        #[arg(long)]
        raw: bool,
    },
    /// Publish self-checking test messages 1 to COUNT as fast as possible.
    Flood {
        #[command(flatten)]
        segment: SegmentArgs,
        /// Create the mailbox's segment if it does not exist yet.
        #[arg(long)]
        create: bool,
        /// How many messages to publish.
        #[arg(long)]
        count: u64,
    },
    /// Read without pause, checking every copy, until test message --until shows up.
    Check {
        #[command(flatten)]
        segment: SegmentArgs,
        /// The number of the last test message to wait for.
        #[arg(long)]
        until: u64,
        /// Give up after this many seconds.
        #[arg(long, default_value = "20")]
        seconds: u64,
        /// Read without the seqlock's checks (Mailbox::read_without_seqlock), to see torn
        /// copies.
        #[arg(long)]
        no_seqlock: bool,
    },
}

fn main() -> ExitCode {
    run_main("step02-msg", || match Args::parse().command {
        Command::Write {
            segment,
            create,
            text,
        } => {
            let text = match text {
                Some(text) => text.into_bytes(),
                None => {
                    let mut bytes = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut bytes)
                        .context("cannot read the message from stdin")?;
                    bytes
                }
            };
            let attached = open_mailbox(&segment, create)?;
            let number = attached.view::<Mailbox>()?.publish(&text)?;
            eprintln!(
                "published message #{number} ({} bytes) in segment {}",
                text.len(),
                attached.segment_id()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Read {
            segment,
            wait,
            after,
            raw,
        } => {
            let attached = open_mailbox(&segment, false)?;
            let mailbox: &Mailbox = attached.view()?;
            let message = loop {
                match mailbox.read()? {
                    Some(message) if !wait || message.number > after => break message,
                    None if !wait => {
                        eprintln!(
                            "no message in the mailbox yet (segment {})",
                            attached.segment_id()
                        );
                        return Ok(ExitCode::from(EXIT_NO_MESSAGE));
                    }
                    // Step 2 polls; step 7 sleeps in the kernel until the sequence changes.
                    _ => sleep(Duration::from_millis(10)),
                }
            };
            print_message(&message, raw).context("cannot write to stdout")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Flood {
            segment,
            create,
            count,
        } => {
            let attached = open_mailbox(&segment, create)?;
            let mailbox: &Mailbox = attached.view()?;
            for index in 1..=count {
                mailbox.publish(&test_message(index))?;
            }
            eprintln!(
                "published test messages 1 to {count} in segment {}",
                attached.segment_id()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            segment,
            until,
            seconds,
            no_seqlock,
        } => {
            let attached = open_mailbox(&segment, false)?;
            let mailbox: &Mailbox = attached.view()?;
            let read = || {
                if no_seqlock {
                    Ok(mailbox.read_without_seqlock())
                } else {
                    mailbox.read()
                }
            };
            check(read, until, Duration::from_secs(seconds))
        }
    })
}

/// Opens (or creates) the mailbox's segment and attaches it.
fn open_mailbox(segment: &SegmentArgs, create: bool) -> anyhow::Result<Attached> {
    let segment = segment
        .name(Mailbox::PROJ_ID)?
        .open(Mailbox::SIZE, create)?;
    attach(&segment)
}

/// Prints a message as `[#N] TEXT` (bytes that are not UTF-8 escaped), or its bare bytes.
fn print_message(message: &Message, raw: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if raw {
        out.write_all(&message.text)?;
    } else {
        match std::str::from_utf8(&message.text) {
            Ok(text) => writeln!(out, "[#{}] {text}", message.number)?,
            Err(_) => writeln!(out, "[#{}] {}", message.number, message.text.escape_ascii())?,
        }
    }
    out.flush()
}

/// Reads the mailbox with `read` over and over, checking every copy, until test message
/// `until`.
fn check(
    read: impl Fn() -> step02_shared_memory::Result<Option<Message>>,
    until: u64,
    limit: Duration,
) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let (mut reads, mut distinct, mut torn) = (0u64, 0u64, 0u64);
    let mut last_number = 0;
    let (mut shown, mut last_torn) = (0, None);
    loop {
        if let Some(message) = read()? {
            reads += 1;
            if message.number != last_number {
                last_number = message.number;
                distinct += 1;
            }
            match test_message::check(&message.text) {
                Ok(index) if index >= until => break,
                Ok(_) => {}
                Err(why) => {
                    torn += 1;
                    // Show a few torn copies, not the same one read again and again.
                    if shown < 5 && last_torn.as_ref() != Some(&why) {
                        eprintln!("torn copy of message #{}: {why}", message.number);
                        shown += 1;
                        last_torn = Some(why);
                    }
                }
            }
        }
        if start.elapsed() > limit {
            bail!(
                "test message {until} did not show up within {limit:?} \
                 ({distinct} messages seen, {torn} torn copies)"
            );
        }
        std::hint::spin_loop();
    }
    println!(
        "checked {reads} copies of {distinct} different messages while they were published: \
         {torn} torn"
    );
    if torn > 0 {
        bail!("{torn} copies were torn: a reader saw a message half-written");
    }
    Ok(ExitCode::SUCCESS)
}
