//! Exercise 7.1: publishing an entry with the slot's sequence lock.

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use crate::common::{join, keys, say, start_server, stop_server, wait_for_chat};
use crate::harness::{Proc, Sandbox, Signal, ipc};
use crate::logfile::{self, log_path};
use crate::room::{CAPACITY, Segment};
use crate::views::{check_exact, client_with_input};

pub fn the_ring_holds_the_logs_last_entries_slot_by_slot(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    for i in 0..300 {
        say(&mut alice, &format!("line {i} {}", "x".repeat(i % 50)))?;
    }
    wait_for_chat(&mut alice, 300)?;
    let segment = Segment::attach(sb)?;
    let next = segment.next_seq();
    let log = logfile::read(&log_path(sb))?;
    let last = log.records.last().context("the log is empty")?;
    ensure!(
        next == last.seq + 1,
        "header.next_seq is {next}, but the log's last entry is number {}: next_seq is stored \
         once the slot is written",
        last.seq
    );
    for record in log.records.iter().rev().take(CAPACITY as usize) {
        let slot = segment.slot(record.seq);
        ensure!(
            slot.seq == record.seq
                && slot.time_ms == record.time_ms
                && slot.pid == record.pid
                && slot.kind == record.kind
                && slot.name == record.name
                && slot.text == record.text,
            "the ring's slot for entry {} holds {slot:?}, the log {record:?}",
            record.seq
        );
    }
    let wake = segment.wake();
    ensure!(
        wake == (next - 1) as u32,
        "header.wake is {wake} after {} publications in a new room: it must change once per \
         entry (readers wait on it)",
        next - 1
    );
    drop(segment);
    say(&mut alice, "/quit")?;
    alice.wait(Duration::from_secs(10))?;
    stop_server(&mut server, "the server")
}

pub fn sixty_four_clients_times_1000_lines_agree_with_the_log_in_every_view(
    sb: &mut Sandbox,
) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut clients = Vec::new();
    for c in 0..64 {
        let name = format!("c{c:02}");
        let lines: String = (0..1000).map(|i| format!("{name} line {i}\n")).collect();
        clients.push((
            name.clone(),
            client_with_input(sb, &name, lines, Duration::from_secs(280))?,
        ));
    }
    let mut views = Vec::new();
    for (name, client) in &mut clients {
        let out = client.wait(Duration::from_secs(280))?;
        out.expect_success(&format!("{name}, which sent its 1000 lines"))?;
        views.push((name.clone(), out.stdout_text()));
    }
    stop_server(&mut server, "the server")?;
    let log = logfile::read(&log_path(sb))?;
    log.clean()?;
    let shown = log.shown();
    let chat = log.chat();
    ensure!(
        chat.len() == 64_000,
        "64 clients sent 1000 lines each, the log has {} chat lines",
        chat.len()
    );
    let mut seen = std::collections::HashSet::new();
    for line in &chat {
        ensure!(seen.insert(line), "{line:?} is in the log twice");
    }
    for (name, out) in &views {
        let mine: Vec<&String> = chat
            .iter()
            .filter(|l| l.starts_with(&format!("<{name}>")))
            .collect();
        for (i, line) in mine.iter().enumerate() {
            ensure!(
                **line == format!("<{name}> {name} line {i}"),
                "{name}'s line {i} in the log is {line:?}: a sender's lines keep their order"
            );
        }
        check_exact(name, out, &shown)?;
    }
    Ok(())
}

/// Starts a server in a room that a killed server may have left objects in: ready once
/// the queue is a new one (the dead server's is taken over first).
fn restart_server(sb: &Sandbox) -> Result<Proc> {
    let old = ipc::find(ipc::Kind::Queue, keys(sb).0);
    let mut server = start_server(sb)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while old.is_some() && ipc::find(ipc::Kind::Queue, keys(sb).0) == old {
        ensure!(
            server.is_running() && Instant::now() < deadline,
            "a new server did not take over the killed server's objects within 10 s: {}",
            server.stderr_text()
        );
        sleep(Duration::from_millis(10));
    }
    Ok(server)
}

/// One round of the crash test: clients in a burst, the server killed in the middle.
fn crash_round(sb: &Sandbox, round: usize, views: &mut Vec<(String, String)>) -> Result<()> {
    let server = restart_server(sb)?;
    let mut clients: Vec<(String, Proc)> = Vec::new();
    for c in 0..6 {
        let name = format!("r{round}c{c}");
        let lines: String = (0..400).map(|i| format!("{name} {i}\n")).collect();
        clients.push((
            name.clone(),
            client_with_input(sb, &name, lines, Duration::from_secs(60))?,
        ));
    }
    // Somewhere in the burst: after a few dozen to a few hundred entries.
    let segment = Segment::attach(sb)?;
    let start = segment.next_seq();
    let target = start + 40 + (round as u64 * 97) % 600;
    let deadline = Instant::now() + Duration::from_secs(20);
    while segment.next_seq() < target && Instant::now() < deadline {
        sleep(Duration::from_millis(1));
    }
    drop(segment);
    server.signal(Signal::SIGKILL);
    for (name, client) in &mut clients {
        // Finished, or told that the server stopped: either way, at once. A hang fails.
        let out = client
            .wait(Duration::from_secs(10))
            .with_context(|| format!("{name} hung after its server was killed"))?;
        views.push((name.clone(), out.stdout_text()));
    }
    Ok(())
}

pub fn killed_servers_and_clients_lose_nothing_anyone_saw(sb: &mut Sandbox) -> Result<()> {
    let mut views = Vec::new();
    for round in 0..5 {
        crash_round(sb, round, &mut views)?;
    }
    // A last server repairs a torn tail, then stops cleanly.
    let mut server = restart_server(sb)?;
    let mut last = join(sb, "last")?;
    say(&mut last, "/quit")?;
    last.wait(Duration::from_secs(10))?;
    stop_server(&mut server, "the last server")?;
    let log = logfile::read(&log_path(sb))?;
    log.clean()?;
    let shown = log.shown();
    for (name, out) in &views {
        check_exact(name, out, &shown)
            .with_context(|| format!("after the server crashes, {name}'s view"))?;
    }
    let (q, m, s) = keys(sb);
    ensure!(
        ipc::find(ipc::Kind::Queue, q).is_none()
            && ipc::find(ipc::Kind::Segment, m).is_none()
            && ipc::find(ipc::Kind::Semaphores, s).is_none(),
        "the room's IPC objects are still there after its last server stopped"
    );
    Ok(())
}
