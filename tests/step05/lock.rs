//! Exercise 5.1: one server per room, with `flock` on `ROOM/server.lock`.

use std::fs;
use std::time::Duration;

use anyhow::{Result, ensure};

use crate::common::{join, keys, run_server, say, start_server, wait_for_chat};
use crate::harness::{Sandbox, Signal, ipc};
use crate::logfile::{lock_is_free, lock_path, log_path, remove_leftovers};

/// The ids of the room's three objects, if they exist.
fn object_ids(sb: &Sandbox) -> [Option<i32>; 3] {
    let (queue, segment, semaphores) = keys(sb);
    [
        ipc::find(ipc::Kind::Queue, queue),
        ipc::find(ipc::Kind::Segment, segment),
        ipc::find(ipc::Kind::Semaphores, semaphores),
    ]
}

pub fn a_second_server_is_refused_naming_the_first_which_keeps_serving(
    sb: &mut Sandbox,
) -> Result<()> {
    let server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let lock_before = fs::read(lock_path(sb))?;
    ensure!(
        String::from_utf8_lossy(&lock_before).trim() == server.pid().to_string(),
        "server.lock should hold the running server's pid {}, it holds {:?}",
        server.pid(),
        String::from_utf8_lossy(&lock_before)
    );
    let log_before = fs::read(log_path(sb))?;
    let ids_before = object_ids(sb);
    let room = sb.path().to_owned();
    let second = run_server(sb)?;
    second.expect_failure_saying(
        &format!(
            "room {} already has a server, pid {}",
            room.display(),
            server.pid()
        ),
        "a second server in a room that has one must exit, naming the first one's pid",
    )?;
    ensure!(
        fs::read(lock_path(sb))? == lock_before,
        "the second server changed server.lock: the first one's pid is gone. A file opened \
         with O_TRUNC (or truncated before flock succeeds) is emptied before you know \
         whether you may"
    );
    ensure!(
        fs::read(log_path(sb))? == log_before,
        "the second server changed chat.log: it must touch nothing"
    );
    ensure!(
        object_ids(sb) == ids_before,
        "the second server changed the room's IPC objects ({ids_before:?} became {:?})",
        object_ids(sb)
    );
    say(&mut alice, "still serving")?;
    wait_for_chat(&mut alice, 1)?;
    let mut bob = join(sb, "bob")?;
    let seen = wait_for_chat(&mut bob, 1)?;
    ensure!(
        seen == ["<alice> still serving"],
        "the first server should go on serving: bob should see alice's line, saw {seen:?}"
    );
    Ok(())
}

pub fn the_lock_is_free_the_moment_the_server_is_killed(sb: &mut Sandbox) -> Result<()> {
    let lock = lock_path(sb);
    // A longer pid than any real one, left by an earlier server: it must not survive.
    fs::write(&lock, "999999999\n")?;
    let mut server = start_server(sb)?;
    let written = fs::read_to_string(&lock)?;
    ensure!(
        written.trim() == server.pid().to_string(),
        "server.lock held 999999999 from an earlier server; the server should have replaced \
         it with its own pid {}, but it holds {written:?}",
        server.pid()
    );
    ensure!(
        !lock_is_free(&lock)?,
        "while the server runs, the grader could lock server.lock itself: the server must \
         hold flock(LOCK_EX) on it for as long as it runs"
    );
    server.signal(Signal::SIGKILL);
    server.wait(Duration::from_secs(5))?;
    ensure!(
        lock_is_free(&lock)?,
        "the server was killed, yet server.lock is still locked: the lock must die with the \
         process that holds it (flock, not a lock file that has to be removed)"
    );
    // Step 5 does not take over the objects a killed server left (step 6 does).
    remove_leftovers(sb);
    // Any lock on the file, even a shared one (a process that only reads it), means the
    // room is taken: a server must ask for the exclusive lock.
    {
        use nix::fcntl::{Flock, FlockArg};
        let _shared = Flock::lock(fs::File::open(&lock)?, FlockArg::LockSharedNonblock)
            .map_err(|(_, errno)| anyhow::anyhow!("the grader cannot lock server.lock: {errno}"))?;
        let out = run_server(sb)?;
        out.expect_failure_saying(
            "already has a server",
            "while another process holds a shared flock on server.lock, a server must refuse \
             (it needs LOCK_EX: an exclusive lock)",
        )?;
    }
    let again = start_server(sb)?;
    let written = fs::read_to_string(&lock)?;
    ensure!(
        written.trim() == again.pid().to_string(),
        "the new server should have written its pid {} into server.lock, which holds {written:?}",
        again.pid()
    );
    join(sb, "alice")?;
    Ok(())
}
