//! The step 5 server: step 4's server, with the room's lock taken first and the log as
//! its history.

use step03_protocol::layout::RING_CAPACITY;
use step04_chat::Room;
use step04_chat::ring::Entry;
use step04_chat::server::Server;
use tracing::{info, warn};

use crate::lock::ServerLock;
use crate::log::{LogFile, dropped_warning, records};

// ANCHOR: open_history
/// What the step 5 server does before it makes any IPC object: become the room's only
/// server, open (and if need be repair) the log, and pick the entries that go back into
/// the ring. A second server fails here, having touched nothing.
pub fn open_history(room: &Room) -> anyhow::Result<(LogFile, Vec<Entry>)> {
    let lock = ServerLock::acquire(room)?;
    let opened = LogFile::open(lock)?;
    let (log, scan) = (opened.log, opened.scan);
    if let Some(dropped) = &scan.dropped {
        warn!(
            "{}",
            dropped_warning(log.path(), dropped, scan.entries.len())
        );
    }
    if opened.created {
        info!("created the log {}", log.path().display());
    } else {
        info!(
            "history: {} in {}, the next is number {}",
            records(scan.entries.len()),
            log.path().display(),
            log.next_seq()
        );
    }
    Ok((log, scan.last(RING_CAPACITY).to_vec()))
}
// ANCHOR_END: open_history

// ANCHOR: serve
/// The step 5 server: step 4's, with the room's lock taken first and the log as its
/// history, serving until SIGINT, SIGTERM or SIGHUP.
pub fn serve(room: &Room) -> anyhow::Result<()> {
    let (log, recent) = open_history(room)?;
    Server::start_with(room.clone(), log, &recent)?.serve()?;
    Ok(())
}
// ANCHOR_END: serve
