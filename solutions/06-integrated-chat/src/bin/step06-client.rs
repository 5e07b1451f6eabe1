//! The chat client of step 6: step 4's client.

use std::process::ExitCode;

fn main() -> ExitCode {
    step04_chat::cli::client_main(
        "step06-client",
        "Join a chat room: type lines to send them; /who, /msg NAME TEXT; /quit, Ctrl-D or \
         Ctrl-C to leave.",
    )
}
