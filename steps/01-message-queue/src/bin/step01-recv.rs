//! Receives messages from a System V message queue and prints them.
//!
//! Each message prints as `[type T] TEXT` (bytes that are not UTF-8 are escaped), or, with
//! `--raw`, as its bare payload bytes. With `--nowait` and no matching message it prints
//! `no message` on stderr and exits with status 3.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::{EXIT_NO_MESSAGE, QueueArgs, run_main};
use step01_message_queue::{Message, TypeFilter};

/// Receive messages from a System V message queue.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    queue: QueueArgs,

    /// Only take messages of exactly this type.
    #[arg(long = "type", value_name = "MTYPE", conflicts_with = "up_to")]
    mtype: Option<i64>,

    /// Take the lowest type that is at most MTYPE (a priority queue).
    #[arg(long, value_name = "MTYPE")]
    up_to: Option<i64>,

    /// Do not wait: report "no message" (exit status 3) if none matches now.
    #[arg(long)]
    nowait: bool,

    /// How many messages to receive before exiting.
    #[arg(long, default_value = "1")]
    count: u32,

    /// Write only the payload bytes, exactly as received.
    #[arg(long)]
    raw: bool,
}

fn main() -> ExitCode {
    run_main("step01-recv", || {
        let args = Args::parse();
        let filter = match (args.mtype, args.up_to) {
            (Some(t), _) => TypeFilter::Exactly(t),
            (None, Some(t)) => TypeFilter::UpTo(t),
            (None, None) => TypeFilter::Any,
        };
        let queue = args.queue.open()?;
        let mut stdout = std::io::stdout().lock();
        for _ in 0..args.count {
            let message = if args.nowait {
                match queue.try_receive(filter)? {
                    Some(message) => message,
                    None => {
                        eprintln!("no message ({filter}) waiting in queue {}", queue.id());
                        return Ok(ExitCode::from(EXIT_NO_MESSAGE));
                    }
                }
            } else {
                queue.receive(filter)?
            };
            print_message(&mut stdout, &message, args.raw).context("cannot write to stdout")?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints one message, as text with its type or as raw bytes.
fn print_message(out: &mut impl Write, message: &Message, raw: bool) -> std::io::Result<()> {
    if raw {
        out.write_all(&message.payload)?;
    } else {
        match std::str::from_utf8(&message.payload) {
            Ok(text) => writeln!(out, "[type {}] {text}", message.mtype)?,
            Err(_) => writeln!(
                out,
                "[type {}] {}",
                message.mtype,
                message.payload.escape_ascii()
            )?,
        }
    }
    out.flush()
}
