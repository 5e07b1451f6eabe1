//! Exercise 5.5: appending records, growing the file, and what survives a SIGKILL or a
//! full disk.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail, ensure};

use crate::common::{
    chat_lines, eventually, join, say, spawn_client, start_server, stderr_says, stop_server,
};
use crate::harness::{Proc, Sandbox, Signal, ipc};
use crate::logfile::{self, INITIAL_SIZE, Lcg, PATIENCE, log_path, remove_leftovers};

pub fn the_file_grows_past_its_first_size_by_doubling(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let room = sb.path().to_owned();
    let padding = "x".repeat(80);
    let mut senders = Vec::new();
    for s in 0..4 {
        let lines: String = (0..800)
            .map(|i| format!("s{s} line {i} {padding}\n"))
            .collect();
        senders.push(
            sb.spawn(
                sb.cmd(crate::CLIENT)
                    .arg("--room")
                    .arg(&room)
                    .args(["--name", &format!("sender{s}")])
                    .stdin(lines)
                    .limit(Duration::from_secs(100)),
            )?,
        );
    }
    for sender in &mut senders {
        sender
            .wait(Duration::from_secs(100))?
            .expect_success("a client sending 800 lines")?;
    }
    stop_server(&mut server, "the server")?;
    let parsed = logfile::read(&log_path(sb))?;
    parsed.clean()?;
    ensure!(
        parsed.records.len() == 3200 + 8,
        "the log should hold 4 joins, 3200 lines and 4 leaves (3208 records), it holds {} \
         that check",
        parsed.records.len()
    );
    ensure!(
        parsed.records[0].seq == 1,
        "numbering starts at 1, the first record is {}",
        parsed.records[0].seq
    );
    for s in 0..4 {
        let mine: Vec<String> = parsed
            .chat()
            .into_iter()
            .filter(|l| l.starts_with(&format!("<sender{s}>")))
            .collect();
        let expected: Vec<String> = (0..800)
            .map(|i| format!("<sender{s}> s{s} line {i} {padding}"))
            .collect();
        ensure!(
            mine == expected,
            "sender{s}'s 800 lines are not all in the log, in order"
        );
    }
    let size = parsed.size as u64;
    ensure!(
        size >= INITIAL_SIZE && size.is_power_of_two(),
        "a log that starts at {INITIAL_SIZE} bytes and doubles has a power-of-two size; it has {size}"
    );
    ensure!(
        parsed.end as u64 > size / 2,
        "the records use {} of {size} bytes: the file grew more than doubling needs",
        parsed.end
    );
    Ok(())
}

/// Kills the server when `watcher` has seen `lines` chat lines; returns what it saw by
/// the time it noticed and exited.
fn kill_during_burst(server: &mut Proc, watcher: &mut Proc, lines: usize) -> Result<Vec<String>> {
    watcher.wait_for_stdout(
        Duration::from_secs(30),
        &format!("{lines} chat lines"),
        |out| chat_lines(out).len() >= lines,
    )?;
    server.signal(Signal::SIGKILL);
    server.wait(Duration::from_secs(5))?;
    watcher.wait(Duration::from_secs(10))?;
    Ok(chat_lines(&watcher.stdout_text()))
}

pub fn every_line_a_client_saw_is_in_the_file_after_a_sigkill_mid_burst(
    sb: &mut Sandbox,
) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut watcher = join(sb, "watcher")?;
    let mut sender = spawn_client(sb, "sender", &[])?;
    let lines: String = (0..2000).map(|i| format!("burst {i}\n")).collect();
    sender.write(lines.as_bytes())?;
    let seen = kill_during_burst(&mut server, &mut watcher, 400)?;
    let parsed = logfile::read(&log_path(sb))?;
    let logged = parsed.chat();
    ensure!(
        logged.starts_with(&seen),
        "every line a client saw must be in the log (log first, ring second): the watcher saw \
         {} lines, the log's first {} chat records are not them",
        seen.len(),
        seen.len()
    );
    // A restart keeps every record that was whole.
    remove_leftovers(sb);
    let mut again = start_server(sb)?;
    stop_server(&mut again, "the restarted server")?;
    let after = logfile::read(&log_path(sb))?;
    after.clean()?;
    ensure!(
        after.records.starts_with(&parsed.records),
        "the restart lost records that were whole before it"
    );
    Ok(())
}

pub fn thirty_sigkill_restart_cycles_during_a_burst_leave_a_consistent_file(
    sb: &mut Sandbox,
) -> Result<()> {
    let mut random = Lcg(30);
    let mut seen_by_clients: Vec<String> = Vec::new();
    for cycle in 0..30 {
        remove_leftovers(sb);
        let mut server = start_server(sb)?;
        let mut sender = join(sb, "sender")?;
        let lines: String = (0..300)
            .map(|i| format!("cycle {cycle} line {i}\n"))
            .collect();
        sender.write(lines.as_bytes())?;
        let wanted = 1 + random.below(60) as usize;
        let seen = kill_during_burst(&mut server, &mut sender, wanted)?;
        seen_by_clients.extend(seen);
    }
    remove_leftovers(sb);
    let mut last = start_server(sb)?;
    stop_server(&mut last, "the last server")?;
    let parsed = logfile::read(&log_path(sb))?;
    parsed.clean()?;
    ensure!(
        parsed.records.first().map(|r| r.seq) == Some(1),
        "after 30 restarts numbering should still start at 1"
    );
    let logged: BTreeSet<String> = parsed.chat().into_iter().collect();
    ensure!(
        logged.len() == parsed.chat().len(),
        "a line appears twice in the log"
    );
    if let Some(missing) = seen_by_clients.iter().find(|line| !logged.contains(*line)) {
        bail!(
            "a client saw {missing:?}, but after 30 SIGKILLs and restarts the log does not have it"
        );
    }
    Ok(())
}

pub fn a_full_disk_refuses_the_line_clearly_and_loses_nothing(sb: &mut Sandbox) -> Result<()> {
    if !sb.can_mount() {
        eprintln!("note: the grader cannot mount a small tmpfs here (not root); check skipped");
        return Ok(());
    }
    let disk = sb.join("disk");
    fs::create_dir(&disk)?;
    let room = disk.join("room");
    let server = sb.spawn(
        sb.cmd(crate::SERVER)
            .arg("--room")
            .arg(&room)
            .private_tmpfs(&disk, 192)
            .limit(Duration::from_secs(110)),
    )?;
    // The room as the grader sees it: through the server's mount namespace.
    let seen_from_here = PathBuf::from(format!("/proc/{}/root{}", server.pid(), room.display()));
    eventually(
        PATIENCE,
        "the server made no queue on the small disk",
        || {
            crate::harness::ipc::ftok(&seen_from_here, b'Q')
                .is_some_and(|key| ipc::find(ipc::Kind::Queue, key).is_some())
        },
    )?;
    let mut filler = sb.spawn(
        sb.cmd(crate::CLIENT)
            .arg("--room")
            .arg(&room)
            .args(["--name", "filler"])
            .mounts_of(server.pid())
            .stdin_piped()
            .limit(Duration::from_secs(100)),
    )?;
    filler.wait_for_stdout(PATIENCE, "\"* filler joined\"", |out| {
        out.contains("* filler joined")
    })?;
    let long = "f".repeat(440);
    let lines: String = (0..800).map(|i| format!("{i:04} {long}\n")).collect();
    filler.write(lines.as_bytes())?;
    stderr_says(
        &filler,
        Duration::from_secs(60),
        "the disk is full",
        "a client whose lines no longer fit on the server's disk must be told so",
    )?;
    say(&mut filler, "/who")?;
    filler.wait_for_stdout(PATIENCE, "the answer to /who", |out| {
        out.contains("* online: filler")
    })?;
    let mut server = server;
    if !server.is_running() {
        bail!(
            "the server must stay up when its disk is full: {} (a SIGBUS means it stored \
             into a page that has no disk block: a file grown with ftruncate instead of \
             posix_fallocate)",
            server.wait(Duration::from_secs(1))?.describe()
        );
    }
    filler.close_stdin();
    filler.wait(Duration::from_secs(30))?;
    let seen = chat_lines(&filler.stdout_text());
    let refused = filler
        .stderr_text()
        .lines()
        .filter(|line| line.contains("the disk is full"))
        .count();
    ensure!(
        seen.len() + refused == 800,
        "each of the 800 lines must be either in the room or refused to its sender: the client \
         saw {} and was refused {refused}",
        seen.len()
    );
    let parsed = logfile::read(&seen_from_here.join("chat.log"))?;
    parsed.clean()?;
    ensure!(
        parsed.size > 128 * 1024,
        "the log stopped at {} bytes on a 192 KiB disk: when doubling no longer fits, the \
         space one record needs may still be there (posix_fallocate just those pages)",
        parsed.size
    );
    ensure!(
        !seen.is_empty() && parsed.chat() == seen,
        "the log must hold exactly the lines the client saw (it saw {}, the log has {} chat records)",
        seen.len(),
        parsed.chat().len()
    );
    stop_server(&mut server, "the server with a full disk")?;
    Ok(())
}
