//! Exercises 4.2 and 4.3: appending entries to the ring in shared memory (4.2), seen by
//! clients, in the segment's bytes and instruction by instruction, and reading them back
//! (4.3), with the oldest dropped and counted past the ring's capacity.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::common::{chat_lines, join, keys, le, now_ms, say, start_server, wait_for_chat};
use crate::harness::trace::{self, Attachment, Stepped, single_step};
use crate::harness::{Sandbox, Signal, ipc};

// The documented layout of the shared segment (chapter 3, `step03-codec layout`).
pub const NEXT_SEQ: usize = 16;
pub const WAKE: usize = 24;
pub const RING: usize = 64 + 32 * 64;
pub const ENTRY: usize = 512;
pub const CAPACITY: usize = 256;

// ---------------------------------------------------------------- 4.2

pub fn the_ring_holds_the_newest_entries_with_increasing_numbers(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let started_ms = now_ms();
    let mut alice = join(sb, "alice")?;
    let lines: String = (1..=300).map(|i| format!("line {i}\n")).collect();
    alice.write(lines.as_bytes())?;
    let out = alice.wait_for_stdout(Duration::from_secs(30), "\"<alice> line 300\"", |o| {
        o.contains("<alice> line 300")
    })?;
    ensure!(
        chat_lines(&out).len() == 300,
        "alice should have seen her 300 lines once each"
    );
    let segment = ipc::read_segment(keys(sb).1).context("the room has no shared segment")?;
    ensure!(
        segment.len() >= RING + ENTRY * CAPACITY,
        "the segment is only {} bytes",
        segment.len()
    );
    // alice's join is entry 1, her lines are entries 2 to 301.
    let next = le::<8>(&segment, NEXT_SEQ);
    let wake = le::<4>(&segment, WAKE);
    ensure!(
        wake == 301,
        "header.wake must change at every append (301 so far), it is {wake}: step 7's readers wait on it"
    );
    ensure!(
        next == 302,
        "after a join and 300 lines header.next_seq should be 302, it is {next}"
    );
    let mut seqs: Vec<u64> = (0..CAPACITY)
        .map(|slot| le::<8>(&segment, RING + slot * ENTRY))
        .collect();
    for (slot, seq) in seqs.iter().enumerate() {
        ensure!(
            *seq == 0 || (*seq - 1) as usize % CAPACITY == slot,
            "entry {seq} is in slot {slot}, but entry n belongs in slot (n - 1) % 256"
        );
    }
    seqs.sort_unstable();
    ensure!(
        seqs == (46..=301).collect::<Vec<u64>>(),
        "the ring should hold exactly entries 46 to 301 (the newest 256); it holds {}..{} ({} distinct)",
        seqs[0],
        seqs[CAPACITY - 1],
        {
            let mut d = seqs.clone();
            d.dedup();
            d.len()
        }
    );
    let slot = RING + ((301 - 1) % CAPACITY) * ENTRY;
    let text_len = le::<2>(&segment, slot + 22) as usize;
    let text = String::from_utf8_lossy(&segment[slot + 40..slot + 40 + text_len.min(472)]);
    ensure!(
        text == "line 300",
        "entry 301 should hold \"line 300\", it holds {text:?}"
    );
    let time_ms = le::<8>(&segment, slot + 8) as i64;
    ensure!(
        (started_ms - 1000..=now_ms() + 1000).contains(&time_ms),
        "entry 301's time_ms should be when it was appended (around {started_ms}), it is {time_ms}"
    );
    Ok(())
}

pub fn eight_clients_times_100_lines_arrive_complete_and_in_one_order(
    sb: &mut Sandbox,
) -> Result<()> {
    let _server = start_server(sb)?;
    let mut watchers = vec![join(sb, "watcher1")?, join(sb, "watcher2")?];
    let mut senders = Vec::new();
    for s in 0..8 {
        let name = format!("sender{s}");
        let lines: String = (0..100).map(|i| format!("{name} says {i}\n")).collect();
        let room = sb.path().to_owned();
        senders.push(
            sb.spawn(
                sb.cmd("step04-client")
                    .arg("--room")
                    .arg(&room)
                    .args(["--name", &name])
                    .stdin(lines)
                    .limit(Duration::from_secs(100)),
            )?,
        );
    }
    let mut views = Vec::new();
    for watcher in &mut watchers {
        views.push(wait_for_chat(watcher, 800)?);
    }
    for sender in &mut senders {
        sender
            .wait(Duration::from_secs(30))?
            .expect_success("a sender client")?;
    }
    ensure!(
        views[0] == views[1],
        "the two watchers saw the 800 lines in different orders"
    );
    let view = &views[0];
    ensure!(
        view.len() == 800,
        "expected exactly 800 lines, a watcher saw {}",
        view.len()
    );
    for s in 0..8 {
        let mine: Vec<&String> = view
            .iter()
            .filter(|l| l.starts_with(&format!("<sender{s}> ")))
            .collect();
        let expected: Vec<String> = (0..100)
            .map(|i| format!("<sender{s}> sender{s} says {i}"))
            .collect();
        ensure!(
            mine.len() == 100 && mine.iter().zip(&expected).all(|(a, b)| *a == b),
            "sender{s}'s 100 lines should appear once each, in order; saw {} of them",
            mine.len()
        );
    }
    Ok(())
}

pub fn a_server_stopped_anywhere_in_an_append_shows_no_unfinished_entry(
    sb: &mut Sandbox,
) -> Result<()> {
    let server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let segment_id =
        ipc::find(ipc::Kind::Segment, keys(sb).1).context("the room has no segment")?;
    let size = ipc::segment_info(segment_id)
        .context("the room's segment vanished")?
        .size;
    let shared = Attachment::new(segment_id, size)?;
    // alice's join is entry 1; her line will be entry 2, in a slot never written before.
    let slot = RING + ENTRY;
    let text = b"one whole entry";
    match trace::stop(server.pid())? {
        Ok(()) => {}
        Err(why) if why == nix::errno::Errno::EPERM => {
            eprintln!("note: the grader may not trace the server ({why}); check skipped");
            return Ok(());
        }
        Err(why) => bail!("the grader could not trace the server: {why}"),
    }
    // The stopped server has not taken alice's line off the queue yet: every instruction
    // from receiving it to publishing it runs under the grader's eyes.
    say(&mut alice, std::str::from_utf8(text)?)?;
    let complete = || {
        let word = |offset: usize| {
            shared
                .word64(slot + offset)
                .load(std::sync::atomic::Ordering::SeqCst)
        };
        let small = word(16);
        let (pid, kind, name_len, text_len) = (
            small as u32 as i32,
            (small >> 32) as u8,
            (small >> 40) as u8,
            (small >> 48) as u16,
        );
        let missing = [
            (word(8) == 0, "time_ms"),
            (pid != alice.pid(), "pid"),
            (kind != 1, "kind (Chat)"),
            (
                usize::from(name_len) != 5 || shared.bytes(slot + 24, 5) != b"alice",
                "name",
            ),
            (
                usize::from(text_len) != text.len() || shared.bytes(slot + 40, text.len()) != text,
                "text",
            ),
        ];
        missing
            .iter()
            .filter(|(wrong, _)| *wrong)
            .map(|(_, field)| *field)
            .collect::<Vec<_>>()
    };
    let mut steps = 0u64;
    let stepped = single_step(server.pid(), Duration::from_secs(40), || {
        steps += 1;
        let seq = shared
            .word64(slot)
            .load(std::sync::atomic::Ordering::SeqCst);
        let next = shared
            .word64(NEXT_SEQ)
            .load(std::sync::atomic::Ordering::SeqCst);
        if seq != 2 && next < 3 {
            return Ok(false);
        }
        let missing = complete();
        ensure!(
            missing.is_empty() && seq == 2,
            "after instruction {steps} of the server's append, {} while {} still missing: a \
             server killed at that instruction would leave an entry that readers trust but that \
             is not all there",
            if next >= 3 {
                format!("header.next_seq was already {next}")
            } else {
                "the slot's seq already said 2".to_string()
            },
            if seq != 2 {
                "the slot's seq was".to_string()
            } else {
                format!(
                    "its {} {}",
                    missing.join(", "),
                    if missing.len() == 1 { "was" } else { "were" }
                )
            }
        );
        Ok(next >= 3)
    })?;
    match stepped {
        Stepped::Done => Ok(()),
        Stepped::Ended(n) => {
            bail!("the server exited while it was traced (after {n} instructions)")
        }
        Stepped::OutOfTime(n) => bail!(
            "the server did not publish alice's line within {n} instructions (40 s; the machine may \
             have been busy): header.next_seq stayed below 3"
        ),
    }
}

// ---------------------------------------------------------------- 4.3

pub fn a_late_joiner_sees_the_history_in_the_ring(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    for line in ["first", "second", "third"] {
        say(&mut alice, line)?;
    }
    wait_for_chat(&mut alice, 3)?;
    let bob = join(sb, "bob")?;
    let out = bob.stdout_text();
    let lines = chat_lines(&out);
    ensure!(
        lines == ["<alice> first", "<alice> second", "<alice> third"],
        "bob joined after alice's three lines and should see them as history; he printed {out:?}"
    );
    let join_at = out.find("* bob joined").unwrap_or(0);
    ensure!(
        out.find("<alice> third").is_some_and(|at| at < join_at),
        "the history should come before bob's own join"
    );
    Ok(())
}

pub fn past_capacity_the_oldest_entries_are_dropped_and_counted(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    // The first 50 lines are long, the later ones short: the short lines land in slots
    // that held long ones, so a reader must stop at text_len, not at a zero byte.
    let line = |i: usize| {
        if i <= 50 {
            format!("line {i} {}", "=".repeat(100))
        } else {
            format!("line {i}")
        }
    };
    let lines: String = (1..=300).map(|i| format!("{}\n", line(i))).collect();
    alice.write(lines.as_bytes())?;
    alice.wait_for_stdout(Duration::from_secs(30), "\"<alice> line 300\"", |o| {
        o.contains("<alice> line 300")
    })?;
    // Entries: alice joined (1), lines 1-300 (2-301), bob joined (302). The ring keeps
    // 47-302, so bob misses 46 entries and his history starts at line 46.
    let bob = join(sb, "bob")?;
    let out = bob.stdout_text();
    ensure!(
        out.contains("46 earlier message(s) are no longer in the ring"),
        "bob should be told that 46 earlier entries are no longer in the ring; he printed: {}",
        out.lines().take(3).collect::<Vec<_>>().join(" | ")
    );
    let lines = chat_lines(&out);
    let expected: Vec<String> = (46..=300).map(|i| format!("<alice> {}", line(i))).collect();
    ensure!(
        lines == expected,
        "bob's history should be lines 46 to 300 in order, each exactly as sent; it has {} lines, \
         from {:?} to {:?}; the first that differs is {:?}",
        lines.len(),
        lines.first(),
        lines.last(),
        lines
            .iter()
            .zip(&expected)
            .find(|(a, b)| a != b)
            .map(|(a, _)| a)
    );
    Ok(())
}

pub fn a_piped_client_whose_lines_never_came_back_exits_with_an_error(
    sb: &mut Sandbox,
) -> Result<()> {
    let server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    // alice's two lines reach the queue, but the stopped server never appends them.
    server.signal(Signal::SIGSTOP);
    say(&mut alice, "one")?;
    say(&mut alice, "two")?;
    alice.close_stdin();
    let out = alice.wait(Duration::from_secs(20));
    server.signal(Signal::SIGCONT);
    let out = out.context("a client at end of input must give up on its lines after a while")?;
    out.expect_failure_saying(
        "2 line(s)",
        "a client whose 2 lines never showed up in the room must exit with an error that says \
         how many were lost (\"2 line(s) ...\")",
    )?;
    Ok(())
}
