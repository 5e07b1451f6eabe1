//! Removes a System V message queue (IPC_RMID), like `ipcrm -q` but found by its key file.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::{QueueArgs, run_main};

/// Remove a System V message queue.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    queue: QueueArgs,
}

fn main() -> ExitCode {
    run_main("step01-rm", || {
        let args = Args::parse();
        let queue = args.queue.open()?;
        let id = queue.id();
        queue
            .remove()
            .with_context(|| format!("cannot remove queue {id}"))?;
        eprintln!("removed queue {id}");
        Ok(ExitCode::SUCCESS)
    })
}
