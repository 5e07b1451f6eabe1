//! The chat server of step 6: step 5's, which also takes over a dead server's objects,
//! keeps the presence table, bounds the mailboxes and notices dead clients.

use std::process::ExitCode;

use step04_chat::cli;
use step06_integrated_chat::server::serve;

// ANCHOR: main
fn main() -> ExitCode {
    cli::server_main(
        "step06-server",
        "Serve a chat room until Ctrl-C (or SIGTERM, SIGHUP), with its history in \
         ROOM/chat.log; a dead server's objects are taken over. The log goes to stderr; \
         RUST_LOG sets its detail (info by default; debug shows every request).",
        serve,
    )
}
// ANCHOR_END: main
