//! `ipc-chat`: the finished chat, and the tools that look at it, prove it and measure it.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use step01_message_queue::cli::run_main;
use step04_chat::cli::{ClientArgs, RoomArg, ServerArgs, run_client, run_server};
use step06_integrated_chat::who::listing;
use step07_ipc_chat::cleanup::{Cleaned, cleanup};
use step07_ipc_chat::client::{self, Front};
use step07_ipc_chat::{bench, follow, server, stress, top};

/// A chat for the users of one machine, over System V message queues, shared memory and
/// semaphores, with its history in a memory-mapped log and futex wake-ups.
#[derive(Debug, Parser)]
#[command(name = "ipc-chat", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a room until Ctrl-C (or SIGTERM, SIGHUP); its history goes to ROOM/chat.log.
    /// The log of the server goes to stderr; RUST_LOG sets its detail (info by default).
    Server(ServerArgs),
    /// Join a room: type lines to send them; /who, /msg NAME TEXT; /quit, Ctrl-D or Ctrl-C
    /// to leave. At a terminal, lines are edited with history and name completion.
    #[command(visible_alias = "join")]
    Client {
        #[command(flatten)]
        client: ClientArgs,
        /// Read stdin line by line even at a terminal (no line editor).
        #[arg(long)]
        plain: bool,
    },
    /// Print a room's history from its log file, oldest first.
    Log {
        #[command(flatten)]
        room: RoomArg,
        /// Only the last N lines.
        #[arg(long, short = 'n', value_name = "N")]
        last: Option<usize>,
        /// Then print new lines as they come, until Ctrl-C (across server restarts).
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// List who is online, from the presence table in shared memory (no server round trip).
    Who {
        #[command(flatten)]
        room: RoomArg,
    },
    /// Remove the IPC objects a dead server left in a room (never a live server's).
    Cleanup {
        #[command(flatten)]
        room: RoomArg,
    },
    /// A live view of a room's kernel objects, ring, futex word, members and log.
    Top(top::Args),
    /// Many clients, many lines, joins, leaves, kills and server crashes; then prove that
    /// every view and the log agree (exit status 1 if not).
    Stress(stress::Args),
    /// Measure the chat against the raw message queue, in one run, and print the ratios.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    run_main("ipc-chat", || {
        let cli = Cli::parse();
        match cli.command {
            Command::Server(args) => run_server("ipc-chat server", &args, server::serve),
            Command::Client { client, plain } => {
                let terminal =
                    !plain && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
                let front = if terminal {
                    Front::Terminal
                } else {
                    Front::Lines
                };
                run_client(&client, |joined| client::run(joined, front))
            }
            Command::Log { room, last, follow } => {
                follow::log(&room.room(), last, follow)?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Who { room } => {
                print!("{}", listing(&room.room())?);
                Ok(ExitCode::SUCCESS)
            }
            Command::Cleanup { room } => {
                let room = room.room();
                match cleanup(&room)? {
                    Cleaned::Nothing => println!("room {room} has no IPC objects: nothing to do"),
                    Cleaned::Removed(objects) => {
                        println!(
                            "removed what the dead server of room {room} left: {}",
                            objects.join(", ")
                        )
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Top(args) => top::run(&args),
            Command::Bench(args) => bench::run(&args),
            Command::Stress(args) => stress::run(&args),
        }
    })
}
