//! The chat client of step 5: step 4's client (a room with a history looks the same).

use std::process::ExitCode;

fn main() -> ExitCode {
    step04_chat::cli::client_main(
        "step05-client",
        "Join a chat room: type lines to send them; /who, /msg NAME TEXT; /quit or Ctrl-D to leave.",
    )
}
