//! Exercise 6.2: noticing dead clients (and requests from pids with no process) with
//! kill(pid, 0).

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::common::{
    chat_lines, eventually, join, keys, say, server_cmd, spawn_client, start_server, stderr_says,
};
use crate::harness::{Sandbox, Signal, ipc};
use crate::room::{SWEEP_LIMIT, snapshot, unused_pid};

pub fn a_killed_client_is_announced_and_its_name_is_free_within_2_s(
    sb: &mut Sandbox,
) -> Result<()> {
    let _server = start_server(sb)?;
    let mut watcher = join(sb, "watcher")?;
    let mut alice = join(sb, "alice")?;
    let killed = Instant::now();
    alice.kill();
    let out = watcher.wait_for_stdout(SWEEP_LIMIT, "\"* alice was disconnected\"", |out| {
        out.contains("* alice was disconnected")
    })?;
    let took = killed.elapsed();
    ensure!(
        took <= Duration::from_millis(2500),
        "the room should hear that alice was disconnected within about a second (one tick); it \
         took {took:?}"
    );
    ensure!(
        out.matches("alice was disconnected").count() == 1,
        "alice was announced twice"
    );
    ensure!(
        !snapshot(sb)?
            .presence()
            .iter()
            .any(|slot| slot.name == "alice"),
        "alice's presence slot should be free"
    );
    let _again = join(sb, "alice").map_err(|error| {
        anyhow::anyhow!("the name alice should be free again once she is announced: {error}")
    })?;
    Ok(())
}

pub fn a_dead_members_mailbox_is_drained(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let bob = join(sb, "bob")?;
    bob.signal(Signal::SIGSTOP);
    for i in 0..5 {
        say(&mut alice, &format!("/msg bob private line {i}"))?;
    }
    let queue = keys(sb).0;
    eventually(
        Duration::from_secs(10),
        "bob's 5 private lines never reached his mailbox",
        || ipc::queue_info(queue).is_some_and(|info| info.messages >= 5),
    )?;
    drop(bob); // SIGKILL, reaped
    eventually(
        SWEEP_LIMIT,
        "bob is dead, yet his unread private lines are still in the queue",
        || ipc::queue_info(queue).is_some_and(|info| info.messages == 0),
    )?;
    Ok(())
}

pub fn requests_from_a_pid_with_no_process_get_no_reply_and_join_nobody(
    sb: &mut Sandbox,
) -> Result<()> {
    let _server = start_server(sb)?;
    let mut watcher = join(sb, "watcher")?;
    let ghost = unused_pid();
    let queue = keys(sb).0;
    let pid = ghost.to_le_bytes();
    let mut join_ghost = vec![1u8, 1];
    join_ghost.extend(pid);
    join_ghost.push(5);
    join_ghost.extend(b"ghost");
    ipc::send_raw(queue, 1, &join_ghost).map_err(anyhow::Error::msg)?;
    for i in 0..300 {
        let text = format!("hi {i}");
        let mut say_ghost = vec![1u8, 2];
        say_ghost.extend(pid);
        say_ghost.extend((text.len() as u16).to_le_bytes());
        say_ghost.extend(text.as_bytes());
        ipc::send_raw(queue, 1, &say_ghost).map_err(anyhow::Error::msg)?;
    }
    say(&mut watcher, "after the ghost")?;
    let out = watcher.wait_for_stdout(Duration::from_secs(15), "its own line", |out| {
        out.contains("<watcher> after the ghost")
    })?;
    ensure!(
        !out.contains("ghost joined") && chat_lines(&out) == ["<watcher> after the ghost"],
        "requests claiming pid {ghost}, which no process has, must be dropped: the room saw {out:?}"
    );
    eventually(
        Duration::from_secs(5),
        "replies to a pid with no process are waiting in the queue",
        || ipc::queue_info(queue).is_some_and(|info| info.messages == 0),
    )?;
    ensure!(
        !snapshot(sb)?
            .presence()
            .iter()
            .any(|slot| slot.name == "ghost"),
        "the ghost is in the presence table"
    );
    Ok(())
}

pub fn debug_logging_shows_every_request_and_the_default_does_not(sb: &mut Sandbox) -> Result<()> {
    for (level, shown) in [(None, false), (Some("debug"), true)] {
        let mut cmd = server_cmd(sb);
        if let Some(level) = level {
            cmd = cmd.env("RUST_LOG", level);
        }
        let mut server = sb.spawn(cmd)?;
        eventually(Duration::from_secs(10), "the server made no queue", || {
            ipc::find(ipc::Kind::Queue, keys(sb).0).is_some()
        })?;
        let mut alice = spawn_client(sb, "alice", &[])?;
        say(&mut alice, "a line for the log")?;
        alice.close_stdin();
        alice
            .wait(Duration::from_secs(10))?
            .expect_success("alice's client")?;
        // Her leave may still be in the queue: a server stops without reading the rest.
        stderr_says(
            &server,
            Duration::from_secs(10),
            "alice left",
            &format!("the server at {}", level.unwrap_or("the default level")),
        )?;
        server.signal(Signal::SIGINT);
        let out = server.wait(Duration::from_secs(10))?;
        let log = out.stderr_text();
        let requests = log.lines().filter(|line| line.contains("debug:")).count();
        let what = level.unwrap_or("the default level");
        ensure!(
            log.contains("alice joined") && log.contains("alice left"),
            "at {what} the server should log joins and leaves: {log:?}"
        );
        if shown {
            ensure!(
                requests >= 3,
                "RUST_LOG=debug should log every request (a join, a line, a leave), one line each: {log:?}"
            );
        } else {
            ensure!(
                requests == 0,
                "the default level (info) must not log every request: {log:?}"
            );
        }
    }
    Ok(())
}
