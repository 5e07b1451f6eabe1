//! Exercise 6.3: a new server and the objects it finds: a killed server's are taken over,
//! a live process's and a stranger's are never touched.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use crate::common::{join, keys, run_server, say, start_server, stderr_says, wait_for_chat};
use crate::harness::{Sandbox, Signal, ipc};
use crate::logfile::{lock_is_free, remove_leftovers};
use crate::room::{
    SEGMENT_SIZE, chat_header, make_segment, make_segment_of_a_dead_server, make_semaphores,
    object_ids,
};

pub fn a_restarted_server_takes_over_a_killed_servers_objects_and_keeps_the_history(
    sb: &mut Sandbox,
) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    for i in 1..=3 {
        say(&mut alice, &format!("before the crash {i}"))?;
    }
    wait_for_chat(&mut alice, 3)?;
    let old = object_ids(sb);
    server.signal(Signal::SIGKILL);
    server.wait(Duration::from_secs(5))?;
    alice.wait(Duration::from_secs(5))?;
    let again = start_server(sb)?;
    for (what, id) in ["message queue", "semaphore set", "shared-memory segment"]
        .iter()
        .zip(old)
    {
        let id = id.context("the first server made no such object")?;
        stderr_says(
            &again,
            Duration::from_secs(5),
            &format!("{what} {id}"),
            "the new server should log each object it took over, with its id",
        )?;
    }
    let new = object_ids(sb);
    ensure!(
        new.iter()
            .zip(old)
            .all(|(new, old)| new.is_some() && *new != old),
        "the new server should have removed the old objects {old:?} and made new ones; the room has {new:?}"
    );
    let mut bob = join(sb, "bob")?;
    let seen = wait_for_chat(&mut bob, 3)?;
    ensure!(
        seen == (1..=3)
            .map(|i| format!("<alice> before the crash {i}"))
            .collect::<Vec<_>>(),
        "a client of the new server should see the history from the log: {seen:?}"
    );
    Ok(())
}

pub fn clients_say_the_server_has_stopped_within_2_s_of_its_death(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut clients = vec![join(sb, "alice")?, join(sb, "bob")?, join(sb, "carol")?];
    let killed = Instant::now();
    server.signal(Signal::SIGKILL);
    server.wait(Duration::from_secs(5))?;
    for client in &mut clients {
        let out = client.wait(Duration::from_secs(5))?;
        out.expect_failure_saying("has stopped", "a client whose server was killed")?;
    }
    let took = killed.elapsed();
    ensure!(
        took <= Duration::from_secs(2),
        "the clients should notice the dead server within 2 s; the last one took {took:?}"
    );
    Ok(())
}

/// Starts a server in the room and expects it to refuse, saying `phrase`, and to leave
/// every object of the room as it was.
fn expect_refusal(sb: &Sandbox, phrase: &str, what: &str) -> Result<()> {
    let before = object_ids(sb);
    let out = run_server(sb)?;
    out.expect_failure_saying(
        phrase,
        &format!("a server that finds {what} must refuse to start"),
    )?;
    ensure!(
        object_ids(sb) == before,
        "the server touched {what}: the room's objects were {before:?}, they are {:?}",
        object_ids(sb)
    );
    ensure!(
        lock_is_free(&sb.join("server.lock"))?,
        "the refusing server still holds server.lock"
    );
    Ok(())
}

pub fn a_live_processs_objects_are_never_taken_over(sb: &mut Sandbox) -> Result<()> {
    let me = std::process::id() as i32;
    // A chat room's objects, made by the grader, a live process that holds no room lock
    // (as a step 4 server would), with "server alive" at 0 for good measure.
    make_segment(sb, SEGMENT_SIZE, &chat_header(me))?;
    make_semaphores(sb, &[1, 0])?;
    ipc::queue_for(keys(sb).0).map_err(anyhow::Error::msg)?;
    expect_refusal(sb, &format!("pid {me}"), "a live process's chat objects")?;
    // And a set whose "server alive" is up, though the segment's pid is dead.
    remove_leftovers(sb);
    make_segment_of_a_dead_server(sb)?;
    make_semaphores(sb, &[1, 1])?;
    expect_refusal(
        sb,
        "live process",
        "a dead server's segment, but a semaphore set whose 'server alive' is 1 (some process \
         holds it)",
    )?;
    Ok(())
}

pub fn a_strangers_objects_are_never_touched(sb: &mut Sandbox) -> Result<()> {
    let dead = crate::room::unused_pid();
    make_segment(sb, 100, b"not a chat room")?;
    expect_refusal(
        sb,
        "not a chat room",
        "a 100-byte segment of another program",
    )?;
    remove_leftovers(sb);
    make_segment(sb, SEGMENT_SIZE, b"same size, other bytes")?;
    expect_refusal(
        sb,
        "not a chat room",
        "a segment of the right size without the magic",
    )?;
    remove_leftovers(sb);
    ipc::queue_for(keys(sb).0).map_err(anyhow::Error::msg)?;
    expect_refusal(sb, "not a chat room", "a queue without the room's segment")?;
    remove_leftovers(sb);
    make_semaphores(sb, &[1, 0])?;
    expect_refusal(
        sb,
        "not a chat room",
        "a semaphore set without the room's segment",
    )?;
    remove_leftovers(sb);
    // A chat header naming a dead pid, but created by another process (the grader).
    make_segment(sb, SEGMENT_SIZE, &chat_header(dead))?;
    expect_refusal(
        sb,
        "not a chat room",
        "a chat segment whose server is not its creator",
    )?;
    remove_leftovers(sb);
    // A dead server's segment, with a set of one semaphore: not a chat room's set.
    make_segment_of_a_dead_server(sb)?;
    make_semaphores(sb, &[1])?;
    expect_refusal(
        sb,
        "not a chat room",
        "a dead server's segment beside a semaphore set of another size",
    )?;
    remove_leftovers(sb);
    Ok(())
}
