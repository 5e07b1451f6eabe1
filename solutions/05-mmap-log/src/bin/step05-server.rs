//! The chat server of step 5: step 4's server, which takes the room's lock first and
//! keeps every line in the room's log file before it publishes it.

use std::process::ExitCode;

use step04_chat::cli;
use step05_mmap_log::server::serve;

// ANCHOR: main
fn main() -> ExitCode {
    cli::server_main(
        "step05-server",
        "Serve a chat room until Ctrl-C, keeping its history in ROOM/chat.log (which survives \
         restarts). The log goes to stderr; RUST_LOG sets its detail (info by default).",
        serve,
    )
}
// ANCHOR_END: main
