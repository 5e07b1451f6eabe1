//! The step 6 server: step 5's (the lock, the log), which takes over a dead server's
//! objects before it makes its own, fills the presence table, bounds the mailboxes, and
//! looks for members whose process died once a second.

use std::time::Instant;

use step04_chat::Room;
use step04_chat::history::History;
use step04_chat::hooks::RoomHooks;
use step04_chat::server::Server;
use step05_mmap_log::server::open_history;

use crate::hooks::Step6Hooks;
use crate::liveness::{TICK, dead_members, start_ticker};
use crate::takeover::take_over;

// ANCHOR: serve
/// Serves the room until SIGINT, SIGTERM or SIGHUP.
pub fn serve(room: &Room) -> anyhow::Result<()> {
    serve_with_hooks(room, Step6Hooks::new())
}

/// Like [`serve`], with `hooks` around the server's decisions: step 6's own, or a later
/// step's that extend them.
pub fn serve_with_hooks<R: RoomHooks>(room: &Room, hooks: R) -> anyhow::Result<()> {
    // The lock first (inside open_history): only its holder may take objects over.
    let (log, recent) = open_history(room)?;
    take_over(room)?;
    let server = Server::start_with(room.clone(), log, &recent)?.with_hooks(hooks);
    start_ticker(server.queue());
    let mut last_sweep = Instant::now();
    server.serve_with(|server| {
        // Woken by the ticker (or a signal): at most one sweep per tick. A tick may come a
        // little early (the ticker sleeps a second after its send): allow for it, or one
        // sweep in two would be skipped and a death take two seconds to announce.
        if last_sweep.elapsed() >= TICK * 9 / 10 {
            last_sweep = Instant::now();
            sweep(server);
        }
    })?;
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: sweep
/// Removes every member whose process is gone, with a "was disconnected" notice.
pub fn sweep<H: History, R: RoomHooks>(server: &mut Server<H, R>) {
    for pid in dead_members(server.members()) {
        server.lose(pid);
    }
}
// ANCHOR_END: sweep
