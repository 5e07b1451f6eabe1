//! The chat client of step 4: joins a room under a name, sends each line of stdin, and
//! prints the room's lines (history first) as `[HH:MM:SS] <name> text`.

use std::process::ExitCode;

fn main() -> ExitCode {
    step04_chat::cli::client_main(
        "step04-client",
        "Join a chat room: type lines to send them; /who, /msg NAME TEXT; /quit or Ctrl-D to leave.",
    )
}
