//! Prints a room's history from its log file, in the client's line format, without a
//! server and without changing the file.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::run_main;
use step04_chat::cli::RoomArg;
use step04_chat::format;
use step05_mmap_log::log::log_path;
use step05_mmap_log::reader;

/// Print a room's history (ROOM/chat.log) as the clients showed it, oldest first.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    room: RoomArg,

    /// Print only the last N lines.
    #[arg(long, short = 'n', value_name = "N")]
    last: Option<usize>,
}

// ANCHOR: main
fn main() -> ExitCode {
    run_main("step05-log", || {
        let args = Args::parse();
        let path = log_path(args.room.room().dir());
        let scan = reader::read(&path)?;
        if let Some(dropped) = &scan.dropped {
            eprintln!(
                "step05-log: note: {} bytes at offset {} are not a complete record ({}); \
                 the next server of the room drops them",
                dropped.bytes, dropped.offset, dropped.why
            );
        }
        let shown = scan.last(args.last.unwrap_or(usize::MAX));
        let mut out = std::io::stdout().lock();
        for entry in shown {
            match writeln!(out, "{}", format::line(entry)) {
                // `step05-log | head`: the reader has seen enough.
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => break,
                other => other.context("cannot write to stdout")?,
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
// ANCHOR_END: main
