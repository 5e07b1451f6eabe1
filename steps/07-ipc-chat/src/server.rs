//! The step 7 server: step 6's, with the ring published without the lock and the
//! readers woken by a futex (see [`Step7Hooks`]).

use step04_chat::Room;
use step06_integrated_chat::server::serve_with_hooks;

use crate::hooks::Step7Hooks;

// ANCHOR: serve
/// Serves the room until SIGINT, SIGTERM or SIGHUP.
pub fn serve(room: &Room) -> anyhow::Result<()> {
    serve_with_hooks(room, Step7Hooks::new())
}
// ANCHOR_END: serve
