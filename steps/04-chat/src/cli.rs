//! The command lines of the chat's programs: step 4's `step04-server` and `step04-client`
//! are these functions, and so are later steps' servers and clients, which pass their own
//! name, description and (for the server) history.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser};
use step01_message_queue::cli::run_main;

use crate::client::{self, Client};
use crate::error::ChatError;
use crate::room::Room;
use crate::{logging, signals};

/// The `--room` option every program of the chat takes.
#[derive(Debug, Clone, clap::Args)]
pub struct RoomArg {
    /// The room's directory [default: $XDG_RUNTIME_DIR/ipc-chat/lobby or /tmp/ipc-chat-UID/lobby].
    #[arg(long, value_name = "DIR")]
    pub room: Option<PathBuf>,
}

impl RoomArg {
    /// The room it names.
    pub fn room(&self) -> Room {
        Room::new(self.room.clone())
    }
}

/// The server's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub room: RoomArg,
}

/// The client's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Your name in the room (1-16 characters: letters, digits, _ - .).
    #[arg(long)]
    pub name: String,

    #[command(flatten)]
    pub room: RoomArg,

    /// For the grader: join, take the room's lock and keep it until killed.
    #[arg(long, hide = true)]
    pub hold_lock_for_test: bool,

    /// For the grader: look at the ring every MS milliseconds while idle.
    #[arg(long, hide = true, value_name = "MS")]
    pub poll_interval_ms_for_test: Option<u64>,
}

/// A whole command line made of one of the argument groups above.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli<T: clap::Args> {
    #[command(flatten)]
    args: T,
}

/// Parses the command line into `T`, with the program's own name and description.
fn parse<T: clap::Args>(program: &'static str, about: &'static str) -> anyhow::Result<T> {
    let matches = Cli::<T>::command().name(program).about(about).get_matches();
    Ok(Cli::<T>::from_arg_matches(&matches)?.args)
}

// ANCHOR: server_main
/// The `main` of a chat server: parse `--room`, then [`run_server`].
pub fn server_main(
    program: &'static str,
    about: &'static str,
    serve: impl FnOnce(&Room) -> anyhow::Result<()>,
) -> ExitCode {
    run_main(program, || {
        run_server(program, &parse(program, about)?, serve)
    })
}

/// Runs a chat server: block the stop signals (before any thread exists, so that every
/// thread inherits the mask), start the log, make the room's directory, then hand the
/// room to `serve`, which starts a server and serves until SIGINT, SIGTERM or SIGHUP.
pub fn run_server(
    program: &'static str,
    args: &ServerArgs,
    serve: impl FnOnce(&Room) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    signals::block_stop_signals().context("cannot block SIGINT/SIGTERM/SIGHUP")?;
    logging::init(program);
    let room = args.room.room();
    room.create_dir()?;
    serve(&room)?;
    Ok(ExitCode::SUCCESS)
}
// ANCHOR_END: server_main

/// The `main` of a chat client: join a room and chat on stdin and stdout.
pub fn client_main(program: &'static str, about: &'static str) -> ExitCode {
    run_main(program, || {
        run_client(&parse(program, about)?, |client| client.run())
    })
}

/// Runs a chat client: install its signal handlers, join the room, then hand the client
/// to `chat` (step 4's [`Client::run`], or a later step's loop).
pub fn run_client(
    args: &ClientArgs,
    chat: impl FnOnce(Client) -> crate::Result<()>,
) -> anyhow::Result<ExitCode> {
    client::install_status_signal().context("cannot install the SIGUSR1 handler")?;
    client::install_leave_signals().context("cannot install the SIGINT/SIGTERM/SIGHUP handler")?;
    let mut client = Client::join(&args.room.room(), &args.name)?;
    if let Some(ms) = args.poll_interval_ms_for_test {
        client.set_poll_interval(Duration::from_millis(ms));
    }
    if args.hold_lock_for_test {
        client.hold_lock_forever()?;
    }
    match chat(client) {
        // The shells' convention for "ended by SIGINT"; the client said so already.
        Err(ChatError::Interrupted) => Ok(ExitCode::from(130)),
        other => {
            other?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
