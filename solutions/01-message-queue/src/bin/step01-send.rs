//! Sends one message to a System V message queue.
//!
//! The payload is the TEXT argument, or everything read from stdin (any bytes) when TEXT
//! is absent. Example: `step01-send --path /tmp/room --create --type 2 "hello"`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use step01_message_queue::cli::{QueueArgs, run_main};

/// Send one message to a System V message queue.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    queue: QueueArgs,

    /// The message type (mtype), a positive number receivers can filter on.
    #[arg(
        long = "type",
        value_name = "MTYPE",
        default_value = "1",
        allow_negative_numbers = true
    )]
    mtype: i64,

    /// Fail instead of waiting when the queue is full (IPC_NOWAIT).
    #[arg(long)]
    nowait: bool,

    /// The payload; without it, stdin is read to the end and sent as one message.
    text: Option<String>,
}

fn main() -> ExitCode {
    run_main("step01-send", || {
        let args = Args::parse();
        let payload = match &args.text {
            Some(text) => text.clone().into_bytes(),
            None => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .context("cannot read the payload from stdin")?;
                bytes
            }
        };
        let queue = args.queue.open()?;
        if args.nowait {
            if !queue.try_send(args.mtype, &payload)? {
                bail!("the queue is full and --nowait was given: nothing was sent");
            }
        } else {
            queue.send(args.mtype, &payload)?;
        }
        eprintln!(
            "sent {} bytes as type {} to queue {}",
            payload.len(),
            args.mtype,
            queue.id()
        );
        Ok(ExitCode::SUCCESS)
    })
}
