//! Exercise 4.1: the room's semaphores (semop with SEM_UNDO): the lock that a killed
//! client or server gives back, a signal while waiting for it, and the 'alive' semaphore
//! that tells clients the server is gone.

use std::thread::sleep;
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use crate::common::{
    eventually, join, keys, say, spawn_client, start_server, stderr_says, wait_for_chat,
};
use crate::harness::{Proc, Sandbox, Signal, ipc};

/// Starts a test client that joins, takes the room's lock and keeps it until killed.
fn lock_holder(sb: &Sandbox) -> Result<Proc> {
    let holder = spawn_client(sb, "holder", &["--hold-lock-for-test"])?;
    stderr_says(
        &holder,
        Duration::from_secs(15),
        "holding the room's lock",
        "the test client never said it holds the lock",
    )?;
    Ok(holder)
}

/// Waits until a process waits in semop for the room's lock (semctl GETNCNT > 0).
fn someone_waits_for_the_lock(sb: &Sandbox) -> Result<()> {
    eventually(
        Duration::from_secs(5),
        "while the lock is held, alice's client should be waiting for it (semctl GETNCNT stayed 0)",
        || ipc::semaphore_waiters(keys(sb).2, 0).is_some_and(|n| n > 0),
    )
}

pub fn a_client_killed_holding_the_lock_does_not_block_the_room(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut holder = lock_holder(sb)?;
    let mutex = ipc::semaphore_value(keys(sb).2, 0);
    ensure!(
        mutex == Some(0),
        "while a client holds the lock the mutex semaphore should be 0, the kernel says {mutex:?}"
    );
    // Meanwhile alice's next poll must wait for the lock (semop blocks), not fail.
    someone_waits_for_the_lock(sb)?;
    sleep(Duration::from_millis(500));
    ensure!(
        alice.is_running(),
        "a client must wait for a held lock, not give up: {}",
        alice.wait(Duration::from_secs(1))?.describe()
    );
    holder.signal(Signal::SIGKILL);
    holder.wait(Duration::from_secs(5))?;
    eventually(
        Duration::from_secs(10),
        "after the holder was killed, the mutex never went back to 1",
        || ipc::semaphore_value(keys(sb).2, 0) == Some(1),
    )?;
    let mut bob = join(sb, "bob")?;
    say(&mut alice, "the room is not wedged")?;
    let lines = wait_for_chat(&mut bob, 1)?;
    ensure!(
        lines == ["<alice> the room is not wedged"],
        "bob should see alice's line, saw {lines:?}"
    );
    Ok(())
}

pub fn a_signal_while_waiting_for_the_lock_is_not_an_error(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut holder = lock_holder(sb)?;
    someone_waits_for_the_lock(sb)?;
    // Each SIGUSR1 runs alice's handler while she waits in semop, which then fails with EINTR.
    for _ in 0..3 {
        alice.signal(Signal::SIGUSR1);
        sleep(Duration::from_millis(100));
    }
    ensure!(
        alice.is_running(),
        "a signal that arrives while the client waits for the lock must not end the wait: {}",
        alice.wait(Duration::from_secs(1))?.describe()
    );
    holder.signal(Signal::SIGKILL);
    holder.wait(Duration::from_secs(5))?;
    let mut bob = join(sb, "bob")?;
    say(&mut alice, "still here after the signals")?;
    let lines = wait_for_chat(&mut bob, 1)?;
    ensure!(
        lines == ["<alice> still here after the signals"],
        "alice should go on chatting once the lock is free; bob saw {lines:?}"
    );
    stderr_says(
        &alice,
        Duration::from_secs(5),
        "printed up to entry",
        "alice should have answered SIGUSR1 with a status report on stderr",
    )?;
    Ok(())
}

pub fn semaphores_are_balanced_and_undone_when_the_server_dies(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    for i in 0..5 {
        say(&mut alice, &format!("ping {i}"))?;
    }
    wait_for_chat(&mut bob, 5)?;
    let (_, _, sem) = keys(sb);
    eventually(
        Duration::from_secs(5),
        "after a conversation the mutex semaphore should be back to 1",
        || ipc::semaphore_value(sem, 0) == Some(1),
    )?;
    let alive = ipc::semaphore_value(sem, 1);
    ensure!(
        alive == Some(1),
        "while the server runs its 'alive' semaphore should be 1, it is {alive:?}"
    );
    server.signal(Signal::SIGKILL);
    server.wait(Duration::from_secs(5))?;
    eventually(
        Duration::from_secs(5),
        "after the server was killed its SEM_UNDO should reset 'alive' to 0",
        || ipc::semaphore_value(sem, 1) == Some(0),
    )?;
    Ok(())
}

pub fn a_client_whose_server_was_killed_says_so_and_exits(sb: &mut Sandbox) -> Result<()> {
    let server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    // A stopped server takes nothing off the queue: alice's lines pile up in flight (more
    // than her flow control lets out), so she is waiting for them when the server dies.
    server.signal(Signal::SIGSTOP);
    for i in 0..12 {
        say(&mut alice, &format!("into the void {i}"))?;
    }
    sleep(Duration::from_millis(300));
    server.signal(Signal::SIGKILL);
    server.signal(Signal::SIGCONT);
    let out = alice.wait(Duration::from_secs(15)).context(
        "a client whose server was killed must notice it (the 'alive' semaphore drops to 0) \
         and exit on its own",
    )?;
    out.expect_failure_saying(
        "has stopped",
        "alice should exit with an error saying the server has stopped",
    )?;
    Ok(())
}

pub fn a_server_whose_queue_is_removed_leaves_nothing_behind(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let _alice = join(sb, "alice")?;
    let (queue, segment, semaphores) = keys(sb);
    let id = ipc::find(ipc::Kind::Queue, queue).context("the room has no queue")?;
    ipc::remove(ipc::Kind::Queue, id);
    let out = server
        .wait(Duration::from_secs(10))
        .context("a server whose queue was removed must stop")?;
    ensure!(
        !out.success(),
        "a server that lost its queue should exit with an error: {}",
        out.describe()
    );
    let left: Vec<&str> = [
        (ipc::Kind::Segment, segment, "segment"),
        (ipc::Kind::Semaphores, semaphores, "semaphore set"),
    ]
    .iter()
    .filter(|(kind, key, _)| ipc::find(*kind, *key).is_some())
    .map(|(_, _, what)| *what)
    .collect();
    ensure!(
        left.is_empty(),
        "the server's {} outlived it: a server must remove what it created however it stops \
         (short of SIGKILL)",
        left.join(" and ")
    );
    Ok(())
}
