//! The chat client of step 4: joins a room under a name, sends each line of stdin, and
//! prints the room's lines (history first) as `[HH:MM:SS] <name> text`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::run_main;
use step04_chat::Room;
use step04_chat::client::{self, Client};

/// Join a chat room: type lines to send them; /who, /msg NAME TEXT; /quit or Ctrl-D to leave.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Your name in the room (1-16 characters: letters, digits, _ - .).
    #[arg(long)]
    name: String,

    /// The room's directory [default: $XDG_RUNTIME_DIR/ipc-chat/lobby or /tmp/ipc-chat-UID/lobby].
    #[arg(long, value_name = "DIR")]
    room: Option<PathBuf>,

    /// For the grader: join, take the room's lock and keep it until killed.
    #[arg(long, hide = true)]
    hold_lock_for_test: bool,

    /// For the grader: look at the ring every MS milliseconds while idle.
    #[arg(long, hide = true, value_name = "MS")]
    poll_interval_ms_for_test: Option<u64>,
}

fn main() -> ExitCode {
    run_main("step04-client", || {
        let args = Args::parse();
        client::install_status_signal().context("cannot install the SIGUSR1 handler")?;
        let mut client = Client::join(&Room::new(args.room), &args.name)?;
        if let Some(ms) = args.poll_interval_ms_for_test {
            client.set_poll_interval(Duration::from_millis(ms));
        }
        if args.hold_lock_for_test {
            client.hold_lock_forever()?;
        }
        client.run()?;
        Ok(ExitCode::SUCCESS)
    })
}
