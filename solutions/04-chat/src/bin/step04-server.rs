//! The chat server of step 4: creates a room's queue, shared ring and semaphores, serves
//! clients until SIGINT/SIGTERM, then removes everything it created.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::run_main;
use step04_chat::server::Server;
use step04_chat::{Room, logging, signals};

/// Serve a chat room until Ctrl-C. The log goes to stderr; RUST_LOG sets its detail
/// (info by default; debug shows every public line; trace also private ones).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The room's directory [default: $XDG_RUNTIME_DIR/ipc-chat/lobby or /tmp/ipc-chat-UID/lobby].
    #[arg(long, value_name = "DIR")]
    room: Option<PathBuf>,
}

// ANCHOR: main
fn main() -> ExitCode {
    run_main("step04-server", || {
        let args = Args::parse();
        // Before any thread exists, so that every thread inherits the blocked mask.
        signals::block_stop_signals().context("cannot block SIGINT/SIGTERM")?;
        logging::init("step04-server");
        let mut server = Server::start(Room::new(args.room))?;
        let stop = signals::watch(server.queue());
        let served = server.run(&stop);
        let removed = server.shutdown();
        served.and(removed)?;
        Ok(ExitCode::SUCCESS)
    })
}
// ANCHOR_END: main
