//! Grader of step 4: the first working chat. Real processes: a `step04-server` and several
//! `step04-client`s per test, in the test's own room; outcomes are checked in the clients'
//! output and, independently, in the kernel's objects (queue, segment, semaphores).
//!
//! Run with `make check-step 4` (your code in steps/) or `make check-step 4 IMPL=solutions`.

mod harness;

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use harness::trace::{self, Attachment, Stepped, single_step};
use harness::{Proc, Sandbox, Signal, Step, ipc, test};

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 4,
            title: "the first working chat",
            package: "step04-chat",
        },
        vec![
            test!(
                a_client_killed_holding_the_lock_does_not_block_the_room,
                "4.1", 6 points, 60 s,
                "semop with sem_flg = SEM_UNDO: the kernel undoes the adjustment of a process that dies, \
                 so a client killed while holding the mutex releases it.",
            ),
            test!(
                semaphores_are_balanced_and_undone_when_the_server_dies,
                "4.1", 4 points, 60 s,
                "Each lock (-1) must be matched by an unlock (+1); with SEM_UNDO the server's +1 on the \
                 'alive' semaphore is undone by the kernel when it is killed.",
            ),
            test!(
                the_ring_holds_the_newest_entries_with_increasing_numbers,
                "4.2", 8 points, 60 s,
                "Entry seq goes to slot (seq - 1) % RING_CAPACITY; store the fields, then slot.seq, then \
                 header.next_seq = seq + 1.",
            ),
            test!(
                eight_clients_times_100_lines_arrive_complete_and_in_one_order,
                "4.2", 9 points, 120 s,
                "Every Say must become exactly one entry, appended under the mutex so that all readers \
                 see one order.",
            ),
            test!(
                a_server_stopped_anywhere_in_an_append_shows_no_unfinished_entry,
                "4.2", 3 points, 60 s,
                "A server can die in the middle of an append (SEM_UNDO then frees the lock), so an \
                 entry must never look published before all its fields are stored: store the \
                 fields first, then the slot's seq, then header.next_seq.",
            ),
            test!(
                a_late_joiner_sees_the_history_in_the_ring,
                "4.3", 8 points, 60 s,
                "read_since(0) must return every entry the ring still holds, oldest first.",
            ),
            test!(
                past_capacity_the_oldest_entries_are_dropped_and_counted,
                "4.3", 8 points, 90 s,
                "Only the newest RING_CAPACITY entries are kept: start at max(after + 1, newest - 255) and \
                 count the skipped ones in `missed`.",
            ),
            test!(
                three_clients_see_every_line_in_the_same_order,
                "4.4", 4 points, 60 s,
                "A Say from a member must be appended to the ring as a Chat entry with the member's name.",
            ),
            test!(
                an_over_long_line_is_refused_before_sending,
                "4.4", 2 points, 60 s,
                "The client validates with Text::new before sending; the server must keep serving the \
                 lines that follow.",
            ),
            test!(
                malformed_queue_messages_are_dropped_and_chat_continues,
                "4.4", 5 points, 60 s,
                "On a decode error, log and return; a request from a pid that never joined gets \
                 Rejected(NotJoined) and changes nothing.",
            ),
            test!(
                sigint_removes_every_ipc_object_and_tells_the_clients,
                "4.4", 3 points, 60 s,
                "The server must keep handling messages until the stop flag is raised, then shut down: \
                 Bye to every member, then remove the queue, semaphores and segment.",
            ),
            test!(
                who_lists_members_and_private_lines_reach_only_their_recipient,
                "4.4", 4 points, 60 s,
                "Who replies with the members' names (sorted); Private forwards Reply::Private to the \
                 recipient's pid only (never to the ring), or Rejected(NoSuchUser) to the sender.",
            ),
            test!(
                the_server_never_blocks_on_a_client_that_stopped_reading,
                "4.4", 3 points, 60 s,
                "Reply with self.reply (try_send, IPC_NOWAIT): a client that stops reading its mailbox \
                 must never stop the server.",
            ),
            test!(
                a_second_join_and_a_full_room_are_refused,
                "4.5", 5 points, 60 s,
                "Refuse a pid that already joined (AlreadyJoined) and a 65th member (RoomFull, when \
                 members.len() >= MAX_CLIENTS), changing nothing.",
            ),
            test!(
                a_duplicate_name_is_rejected_without_disturbing_the_room,
                "4.5", 5 points, 60 s,
                "If a member already has the name, reply Rejected(NameTaken) and change nothing.",
            ),
            test!(
                leaving_frees_the_name,
                "4.5", 5 points, 60 s,
                "Leave must remove the member, so its name can be used again.",
            ),
            test!(
                a_signal_while_waiting_for_the_lock_is_not_an_error,
                "4.1", 3 points, 60 s,
                "A signal handler that runs while semop(2) waits makes it fail with EINTR \
                 (signal(7)): nothing was applied, so the wait is not over. (The client's SIGUSR1 \
                 handler asks for a status report.)",
            ),
            test!(
                a_client_whose_server_was_killed_says_so_and_exits,
                "4.1", 4 points, 60 s,
                "The server raises its 'alive' semaphore with SEM_UNDO (your semop, exercise 4.1): the kernel lowers it again when the server dies, and that is how clients notice.",
            ),
            test!(
                a_server_whose_queue_is_removed_leaves_nothing_behind,
                "4.1", 3 points, 60 s,
                "The server's semaphore set is created and initialised with your semop (exercise 4.1); it must also be removed when the server stops for any reason.",
            ),
            test!(
                a_piped_client_whose_lines_never_came_back_exits_with_an_error,
                "4.3", 4 points, 60 s,
                "A client counts its own lines as delivered when read_since (exercise 4.3) hands them back from the ring.",
            ),
            test!(
                a_typed_line_is_sent_at_once_not_at_the_next_look,
                "4.4", 2 points, 60 s,
                "A Say request must become a Chat entry at once (exercise 4.4): the client sends each line the moment it is typed.",
            ),
            test!(
                unknown_commands_are_refused_and_never_broadcast,
                "4.4", 2 points, 60 s,
                "Only a Say request becomes a Chat entry (exercise 4.4); the client refuses unknown /commands before sending.",
            ),
        ],
    )
}

// ---------------------------------------------------------------- helpers

/// The room's three keys, computed by the grader: ftok(room, 'Q' / 'M' / 'S').
fn keys(sb: &Sandbox) -> (i32, i32, i32) {
    (sb.key(b'Q'), sb.key(b'M'), sb.key(b'S'))
}

/// Starts the server in the sandbox's room and waits until its queue exists.
fn start_server(sb: &Sandbox) -> Result<Proc> {
    let room = sb.path().to_owned();
    let mut server = sb.spawn(
        sb.cmd("step04-server")
            .arg("--room")
            .arg(&room)
            .limit(Duration::from_secs(110)),
    )?;
    let start = Instant::now();
    while ipc::find(ipc::Kind::Queue, keys(sb).0).is_none() {
        if !server.is_running() {
            bail!(
                "the server exited at start: {}",
                server.wait(Duration::from_secs(1))?.describe()
            );
        }
        ensure!(
            start.elapsed() < Duration::from_secs(10),
            "the server made no queue within 10 s"
        );
        sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// Starts a client named `name` and waits until it has seen its own join.
fn join(sb: &Sandbox, name: &str) -> Result<Proc> {
    let mut client = spawn_client(sb, name, &[])?;
    let notice = format!("* {name} joined");
    client.wait_for_stdout(Duration::from_secs(15), &format!("{notice:?}"), |out| {
        out.contains(&notice)
    })?;
    Ok(client)
}

/// Starts a client with piped stdin (and extra arguments).
fn spawn_client(sb: &Sandbox, name: &str, extra: &[&str]) -> Result<Proc> {
    let room = sb.path().to_owned();
    sb.spawn(
        sb.cmd("step04-client")
            .arg("--room")
            .arg(&room)
            .args(["--name", name])
            .args(extra)
            .stdin_piped()
            .limit(Duration::from_secs(110)),
    )
}

/// Types `line` into a client.
fn say(client: &mut Proc, line: &str) -> Result<()> {
    client.write(format!("{line}\n").as_bytes())
}

/// The chat lines of a client's output, without their times: `<alice> hello`.
fn chat_lines(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.split_once("] <").map(|(_, rest)| format!("<{rest}")))
        .collect()
}

/// Waits until `client` has printed at least `count` chat lines; returns them.
fn wait_for_chat(client: &mut Proc, count: usize) -> Result<Vec<String>> {
    let out = client.wait_for_stdout(
        Duration::from_secs(30),
        &format!("{count} chat lines"),
        |out| chat_lines(out).len() >= count,
    )?;
    Ok(chat_lines(&out))
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Waits until `process` has printed `phrase` on stderr; fails after `limit` with `what`,
/// the phrase, and what the process did print (the exact words matter to the grader).
fn stderr_says(process: &Proc, limit: Duration, phrase: &str, what: &str) -> Result<()> {
    let end = Instant::now() + limit;
    while !process.stderr_text().contains(phrase) {
        ensure!(
            Instant::now() < end,
            "{what}: after {limit:?} its stderr still does not say {phrase:?}; it printed:{}",
            harness::sandbox::excerpt(&process.stderr_text())
        );
        sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Fails unless `condition` becomes true within `limit`.
fn eventually(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) -> Result<()> {
    let end = Instant::now() + limit;
    while !condition() {
        ensure!(Instant::now() < end, "{what} (waited {limit:?})");
        sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Reads a little-endian integer of `N` bytes at `offset` of `bytes`.
fn le<const N: usize>(bytes: &[u8], offset: usize) -> u64 {
    let mut value = [0u8; 8];
    value[..N].copy_from_slice(&bytes[offset..offset + N]);
    u64::from_le_bytes(value)
}

// The documented layout of the shared segment (chapter 3, `step03-codec layout`).
const NEXT_SEQ: usize = 16;
const WAKE: usize = 24;
const RING: usize = 64 + 32 * 64;
const ENTRY: usize = 512;
const CAPACITY: usize = 256;

// ---------------------------------------------------------------- tests

fn a_client_killed_holding_the_lock_does_not_block_the_room(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut holder = spawn_client(sb, "holder", &["--hold-lock-for-test"])?;
    stderr_says(
        &holder,
        Duration::from_secs(15),
        "holding the room's lock",
        "the test client never said it holds the lock",
    )?;
    let mutex = ipc::semaphore_value(keys(sb).2, 0);
    ensure!(
        mutex == Some(0),
        "while a client holds the lock the mutex semaphore should be 0, the kernel says {mutex:?}"
    );
    // Meanwhile alice's next poll must wait for the lock (semop blocks), not fail.
    eventually(
        Duration::from_secs(5),
        "while the lock is held, alice's client should be waiting for it (semctl GETNCNT stayed 0)",
        || ipc::semaphore_waiters(keys(sb).2, 0).is_some_and(|n| n > 0),
    )?;
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

fn a_signal_while_waiting_for_the_lock_is_not_an_error(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut holder = spawn_client(sb, "holder", &["--hold-lock-for-test"])?;
    stderr_says(
        &holder,
        Duration::from_secs(15),
        "holding the room's lock",
        "the test client never said it holds the lock",
    )?;
    eventually(
        Duration::from_secs(5),
        "while the lock is held, alice's client should be waiting for it (semctl GETNCNT stayed 0)",
        || ipc::semaphore_waiters(keys(sb).2, 0).is_some_and(|n| n > 0),
    )?;
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

fn semaphores_are_balanced_and_undone_when_the_server_dies(sb: &mut Sandbox) -> Result<()> {
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

fn the_ring_holds_the_newest_entries_with_increasing_numbers(sb: &mut Sandbox) -> Result<()> {
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

fn eight_clients_times_100_lines_arrive_complete_and_in_one_order(sb: &mut Sandbox) -> Result<()> {
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

fn a_late_joiner_sees_the_history_in_the_ring(sb: &mut Sandbox) -> Result<()> {
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

fn past_capacity_the_oldest_entries_are_dropped_and_counted(sb: &mut Sandbox) -> Result<()> {
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

fn three_clients_see_every_line_in_the_same_order(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut clients = vec![join(sb, "ann")?, join(sb, "ben")?, join(sb, "cat")?];
    let names = ["ann", "ben", "cat"];
    for round in 0..5 {
        for (client, name) in clients.iter_mut().zip(names) {
            say(client, &format!("{name} line {round}"))?;
        }
    }
    let mut views = Vec::new();
    for client in &mut clients {
        views.push(wait_for_chat(client, 15)?);
    }
    ensure!(
        views[0].len() == 15,
        "each client should see 15 lines, ann saw {:?}",
        views[0]
    );
    ensure!(
        views[0] == views[1] && views[1] == views[2],
        "all clients must see the same lines in the same order:\nann: {:?}\nben: {:?}\ncat: {:?}",
        views[0],
        views[1],
        views[2]
    );
    for name in names {
        let mine: Vec<String> = views[0]
            .iter()
            .filter(|l| l.starts_with(&format!("<{name}>")))
            .cloned()
            .collect();
        let expected: Vec<String> = (0..5)
            .map(|r| format!("<{name}> {name} line {r}"))
            .collect();
        ensure!(
            mine == expected,
            "{name}'s lines should appear once each, in order: {mine:?}"
        );
    }
    Ok(())
}

fn an_over_long_line_is_refused_before_sending(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    say(&mut alice, &"x".repeat(473))?;
    let longest = "y".repeat(472);
    say(&mut alice, &longest)?;
    say(&mut alice, "short")?;
    let lines = wait_for_chat(&mut bob, 2)?;
    ensure!(
        lines == [format!("<alice> {longest}"), "<alice> short".to_string()],
        "bob should see the 472-byte line and \"short\", never the 473-byte one; saw {} lines",
        lines.len()
    );
    ensure!(
        alice.stderr_text().contains("at most 472 bytes"),
        "alice's client should explain that the line is too long: stderr {:?}",
        alice.stderr_text()
    );
    Ok(())
}

fn malformed_queue_messages_are_dropped_and_chat_continues(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    let queue = keys(sb).0;
    let junk: [&[u8]; 5] = [
        b"",
        b"\x07\x01 garbage",
        b"\x01\x01\x92\x10",                         // a join cut short
        b"\x01\x02\x92\x10\x00\x00\x05\x00hello",    // a say from pid 4242, who never joined
        b"\x01\x02\x92\x10\x00\x00\x02\x00\xc3\x28", // invalid UTF-8
    ];
    for payload in junk {
        ipc::send_raw(queue, 1, payload).map_err(anyhow::Error::msg)?;
    }
    say(&mut alice, "still fine")?;
    let lines = wait_for_chat(&mut bob, 1)?;
    ensure!(
        lines == ["<alice> still fine"],
        "after the junk, bob should see only alice's line; saw {lines:?}"
    );
    ensure!(
        server.is_running(),
        "the server must survive malformed messages"
    );
    let mut carol = join(sb, "carol")?;
    let history = chat_lines(&carol.stdout_text());
    ensure!(
        history == ["<alice> still fine"],
        "nothing from the junk may reach the ring; history is {history:?}"
    );
    say(&mut carol, "me too")?;
    wait_for_chat(&mut bob, 2)?;
    // The say from pid 4242 deserved an answer in 4242's mailbox: Rejected (0x82), NotJoined (3).
    let reply = ipc::receive_raw(queue, 4242);
    ensure!(
        reply
            .as_ref()
            .is_some_and(|(_, bytes)| bytes.starts_with(&[0x01, 0x82, 0x03])),
        "a Say from pid 4242, who never joined, must be answered with Rejected(NotJoined) in its \
         mailbox (bytes 01 82 03 ...); the mailbox held {reply:?}"
    );
    Ok(())
}

fn sigint_removes_every_ipc_object_and_tells_the_clients(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let room = sb.path().to_owned();
    let second = sb.run(sb.cmd("step04-server").arg("--room").arg(&room))?;
    second.expect_failure_saying(
        "already has",
        "a second server in the same room must be refused, saying the room already has its objects",
    )?;
    ensure!(
        server.is_running(),
        "refusing a second server must not disturb the first"
    );
    server.signal(Signal::SIGINT);
    let out = server.wait(Duration::from_secs(10))?;
    out.expect_success("the server after SIGINT")?;
    let client = alice.wait(Duration::from_secs(10))?;
    client.expect_stdout(
        "goodbye",
        "the client should print the server's goodbye and exit",
    )?;
    let (q, m, s) = keys(sb);
    for (kind, key, what) in [
        (ipc::Kind::Queue, q, "queue"),
        (ipc::Kind::Segment, m, "segment"),
        (ipc::Kind::Semaphores, s, "semaphore set"),
    ] {
        ensure!(
            ipc::find(kind, key).is_none(),
            "after SIGINT the room's {what} (key {key:#x}) still exists"
        );
    }
    let start = Instant::now();
    let late = sb.run(
        sb.cmd("step04-client")
            .arg("--room")
            .arg(&room)
            .args(["--name", "late"]),
    )?;
    ensure!(
        !late.success()
            && late.stderr_text().contains("no server is running")
            && start.elapsed() < Duration::from_secs(5),
        "a client with no server must fail within 5 s saying no server is running: {}",
        late.describe()
    );
    Ok(())
}

fn a_duplicate_name_is_rejected_without_disturbing_the_room(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let room = sb.path().to_owned();
    let twin = sb.run(
        sb.cmd("step04-client")
            .arg("--room")
            .arg(&room)
            .args(["--name", "alice"])
            .stdin("hi\n"),
    )?;
    twin.expect_failure_saying(
        "already taken",
        "a second alice must be refused with a message saying the name is taken",
    )?;
    let mut bob = join(sb, "bob")?;
    say(&mut alice, "I am the real alice")?;
    let lines = wait_for_chat(&mut bob, 1)?;
    ensure!(
        lines == ["<alice> I am the real alice"],
        "bob should see only the first alice's line: {lines:?}"
    );
    Ok(())
}

fn leaving_frees_the_name(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut bob = join(sb, "bob")?;
    let mut alice = join(sb, "alice")?;
    say(&mut alice, "/quit")?;
    alice
        .wait(Duration::from_secs(10))?
        .expect_success("alice after /quit")?;
    bob.wait_for_stdout(Duration::from_secs(10), "\"* alice left\"", |o| {
        o.contains("* alice left")
    })?;
    let mut again = join(sb, "alice")?;
    say(&mut again, "back again")?;
    let lines = wait_for_chat(&mut bob, 1)?;
    ensure!(
        lines == ["<alice> back again"],
        "bob should see the new alice's line: {lines:?}"
    );
    Ok(())
}

fn who_lists_members_and_private_lines_reach_only_their_recipient(sb: &mut Sandbox) -> Result<()> {
    let server = start_server(sb)?;
    let mut bob = join(sb, "bob")?;
    let mut carol = join(sb, "carol")?;
    let mut alice = join(sb, "alice")?;
    say(&mut alice, "/who")?;
    alice.wait_for_stdout(
        Duration::from_secs(10),
        "\"* online: alice, bob, carol\"",
        |o| o.contains("* online: alice, bob, carol"),
    )?;
    say(&mut alice, "/msg bob psst, bob")?;
    bob.wait_for_stdout(
        Duration::from_secs(10),
        "alice's private line \"*alice* psst, bob\"",
        |o| o.contains("*alice* psst, bob"),
    )?;
    alice.wait_for_stdout(
        Duration::from_secs(10),
        "alice's own echo of her private line, \"-> *bob* psst, bob\"",
        |o| o.contains("-> *bob* psst, bob"),
    )?;
    say(&mut alice, "/msg nobody hello?")?;
    stderr_says(
        &alice,
        Duration::from_secs(10),
        "nobody is not in the room",
        "alice should be told that nobody is not in the room",
    )?;
    say(&mut alice, "a public line")?;
    let lines = wait_for_chat(&mut carol, 1)?;
    ensure!(
        lines == ["<alice> a public line"] && !carol.stdout_text().contains("psst"),
        "carol must see the public line and never the private one: {:?}",
        carol.stdout_text()
    );
    say(&mut carol, "/quit")?;
    carol
        .wait(Duration::from_secs(10))?
        .expect_success("carol after /quit")?;
    say(&mut bob, "/who")?;
    bob.wait_for_stdout(
        Duration::from_secs(10),
        "\"* online: alice, bob\" after carol left",
        |o| o.contains("* online: alice, bob\n"),
    )?;
    ensure!(
        !server.stderr_text().contains("psst"),
        "at its default log level the server must not log the text of private lines: {}",
        harness::sandbox::excerpt(&server.stderr_text())
    );
    Ok(())
}

fn the_server_never_blocks_on_a_client_that_stopped_reading(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let zed = join(sb, "zed")?;
    let queue = keys(sb).0;
    // zed stops reading its mailbox, and "someone" floods the server with Who requests
    // in zed's name: the replies fill the queue.
    zed.signal(Signal::SIGSTOP);
    let who = [&[0x01u8, 0x04][..], &zed.pid().to_le_bytes()].concat();
    // Sized by the queue, not by a guess of time: requests go in as long as there is room,
    // until the queue has stayed full for half a second (full of replies to zed, or of
    // requests a blocked server does not take).
    let patience = Instant::now() + Duration::from_secs(20);
    let mut full_since: Option<Instant> = None;
    while Instant::now() < patience
        && full_since.is_none_or(|t| t.elapsed() < Duration::from_millis(500))
    {
        match ipc::send_raw(queue, 1, &who) {
            Ok(()) => full_since = None,
            Err(_) => {
                full_since.get_or_insert_with(Instant::now);
                sleep(Duration::from_millis(1));
            }
        }
    }
    sleep(Duration::from_secs(1));
    // A server that sends replies with IPC_NOWAIT drops those that do not fit and keeps
    // taking requests; one that blocks in msgsnd leaves requests (mtype 1) in the queue.
    let stuck = ipc::receive_raw(queue, 1);
    zed.signal(Signal::SIGCONT);
    ensure!(
        stuck.is_none(),
        "requests are still waiting in the queue a second after the flood: the server is blocked \
         sending a reply to a client that does not read (send replies with try_send)"
    );
    Ok(())
}

fn a_second_join_and_a_full_room_are_refused(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    let queue = keys(sb).0;
    // A Join in alice's name from alice's pid, as another process could send.
    let mallory = [
        &[0x01u8, 0x01][..],
        &alice.pid().to_le_bytes(),
        &[7],
        b"mallory",
    ]
    .concat();
    ipc::send_raw(queue, 1, &mallory).map_err(anyhow::Error::msg)?;
    stderr_says(
        &alice,
        Duration::from_secs(10),
        "already joined",
        "alice's client should report the refused second join",
    )?;
    say(&mut bob, "/who")?;
    bob.wait_for_stdout(Duration::from_secs(10), "\"* online: alice, bob\"", |o| {
        o.contains("* online: alice, bob\n")
    })?;
    ensure!(
        !bob.stdout_text().contains("mallory"),
        "a second join from a member's pid must change nothing"
    );
    // 62 more members fill the room's 64 places; the 65th is refused.
    for i in 0..63 {
        let pid: i32 = 100_000 + i;
        let name = format!("f{i}");
        let join = [
            &[0x01u8, 0x01][..],
            &pid.to_le_bytes(),
            &[name.len() as u8],
            name.as_bytes(),
        ]
        .concat();
        ipc::send_raw(queue, 1, &join).map_err(anyhow::Error::msg)?;
        if i == 61 {
            sleep(Duration::from_millis(500));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        if let Some((_, bytes)) = ipc::receive_raw(queue, 100_062) {
            break Some(bytes);
        }
        if Instant::now() >= deadline {
            break None;
        }
        sleep(Duration::from_millis(20));
    };
    ensure!(
        refused
            .as_ref()
            .is_some_and(|b| b.starts_with(&[0x01, 0x82, 0x02])),
        "with 64 members the room is full: the 65th join must get Rejected(RoomFull) (bytes 01 82 02 ...); \
         its mailbox held {refused:?}"
    );
    Ok(())
}

// ---------------------------------------------------------------- a dead or stopped server

fn a_client_whose_server_was_killed_says_so_and_exits(sb: &mut Sandbox) -> Result<()> {
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
        "is gone",
        "alice should exit with an error saying the server is gone",
    )?;
    Ok(())
}

fn a_server_whose_queue_is_removed_leaves_nothing_behind(sb: &mut Sandbox) -> Result<()> {
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

fn a_piped_client_whose_lines_never_came_back_exits_with_an_error(sb: &mut Sandbox) -> Result<()> {
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

// ---------------------------------------------------------------- typing

fn a_typed_line_is_sent_at_once_not_at_the_next_look(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    // alice looks at the ring only every 20 s while idle: a client that sent typed lines
    // only when it looks would hold hers back for that long.
    let mut alice = spawn_client(sb, "alice", &["--poll-interval-ms-for-test", "20000"])?;
    let mut bob = join(sb, "bob")?;
    stderr_says(
        &alice,
        Duration::from_secs(10),
        "joined room",
        "alice should have joined",
    )?;
    sleep(Duration::from_millis(300));
    let typed = Instant::now();
    say(&mut alice, "right away")?;
    let lines = wait_for_chat(&mut bob, 1)?;
    ensure!(
        lines == ["<alice> right away"] && typed.elapsed() < Duration::from_secs(10),
        "bob should see alice's line long before her next look at the ring; saw {lines:?} \
         after {:?}",
        typed.elapsed()
    );
    Ok(())
}

fn unknown_commands_are_refused_and_never_broadcast(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    say(&mut alice, "/mgs bob hi")?;
    eventually(
        Duration::from_secs(10),
        "alice should be told that /mgs is no command, with the list of commands",
        || {
            let err = alice.stderr_text();
            err.contains("unknown command /mgs") && err.contains("/who, /msg NAME TEXT, /quit")
        },
    )?;
    say(&mut alice, "//slash")?;
    say(&mut alice, "after the typo")?;
    let lines = wait_for_chat(&mut bob, 2)?;
    ensure!(
        lines == ["<alice> /slash", "<alice> after the typo"],
        "bob should see only alice's real lines (\"//slash\" says \"/slash\"), never the \
         mistyped command: {lines:?}"
    );
    Ok(())
}

// ---------------------------------------------------------------- an append, instruction by instruction

fn a_server_stopped_anywhere_in_an_append_shows_no_unfinished_entry(
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
