//! The chat server of step 4: creates a room's queue, shared ring and semaphores, serves
//! clients until SIGINT/SIGTERM/SIGHUP, then removes everything it created.

use std::process::ExitCode;

use step04_chat::cli;
use step04_chat::server::Server;

// ANCHOR: main
fn main() -> ExitCode {
    cli::server_main(
        "step04-server",
        "Serve a chat room until Ctrl-C. The log goes to stderr; RUST_LOG sets its detail \
         (info by default; debug shows every request; trace also private lines).",
        |room| Ok(Server::start(room.clone())?.serve()?),
    )
}
// ANCHOR_END: main
