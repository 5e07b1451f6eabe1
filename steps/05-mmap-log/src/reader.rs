//! Reading a room's history from outside the server: the `step05-log` command.
//!
//! The reader maps the log read-only, under a *shared* `flock` on the log file itself,
//! held only while it scans. The server cuts a damaged tail off (the only time the file
//! ever shrinks) under the *exclusive* lock, so a reader never has a page mapped that the
//! file no longer has, and never gets `SIGBUS`. Growth needs no lock: a reader's
//! mapping covers the file as it was, and every byte of it stays.
//!
//! Chapter 3 left this open. The other choice, `pread` into a buffer, never faults
//! either, but copies the whole file on every read; the lock costs a reader nothing
//! while no server is starting, and its one exclusive holder, a server repairing the log,
//! holds it for an `ftruncate`.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

use nix::fcntl::{Flock, FlockArg};
use step02_shared_memory::Backoff;

use crate::error::{LogError, Result};
use crate::log::scan_file;
use crate::scan::Scan;

/// How long a reader waits for a server to finish repairing the log.
const REPAIR_PATIENCE: Duration = Duration::from_secs(5);

// ANCHOR: read
/// Scans the log at `path` without changing anything, under a shared lock on it.
pub fn read(path: &Path) -> Result<Scan> {
    let locked = lock_shared(path)?;
    let scan = scan_file(&locked, path);
    drop(locked);
    scan
}

/// Opens the log at `path` for reading under a shared `flock`, waiting a while for a
/// server that is repairing it; map it only while you hold the returned lock.
pub fn lock_shared(path: &Path) -> Result<Flock<File>> {
    let mut file = File::open(path).map_err(LogError::io("open", path))?;
    let mut backoff = Backoff::new(REPAIR_PATIENCE);
    loop {
        match Flock::lock(file, FlockArg::LockSharedNonblock) {
            Ok(locked) => return Ok(locked),
            Err((back, nix::errno::Errno::EWOULDBLOCK)) => {
                file = back;
                backoff.wait(String::new).map_err(|_| LogError::Busy {
                    path: path.to_owned(),
                    waited_s: REPAIR_PATIENCE.as_secs(),
                })?;
            }
            Err((_, errno)) => return Err(LogError::errno("lock", path, errno)),
        }
    }
}
// ANCHOR_END: read
