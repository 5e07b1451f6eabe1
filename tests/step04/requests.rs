//! Exercise 4.4: what the server does with each request (say, private, who, leave), and
//! with malformed messages, a SIGINT, or a client that stopped reading.

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::common::{
    chat_lines, eventually, join, keys, run_server, say, spawn_client, start_server, stderr_says,
    stop_server, wait_for_chat,
};
use crate::harness;
use crate::harness::{Sandbox, Signal, ipc};

pub fn three_clients_see_every_line_in_the_same_order(sb: &mut Sandbox) -> Result<()> {
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

pub fn an_over_long_line_is_refused_before_sending(sb: &mut Sandbox) -> Result<()> {
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

pub fn malformed_queue_messages_are_dropped_and_chat_continues(sb: &mut Sandbox) -> Result<()> {
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

pub fn sigint_removes_every_ipc_object_and_tells_the_clients(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let second = run_server(sb)?;
    second.expect_failure_saying(
        "already has",
        "a second server in the same room must be refused, saying the room already has its objects",
    )?;
    ensure!(
        server.is_running(),
        "refusing a second server must not disturb the first"
    );
    stop_server(&mut server, "the server")?;
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
        sb.cmd(crate::CLIENT)
            .arg("--room")
            .arg(sb.path())
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

pub fn who_lists_members_and_private_lines_reach_only_their_recipient(
    sb: &mut Sandbox,
) -> Result<()> {
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

pub fn the_server_never_blocks_on_a_client_that_stopped_reading(sb: &mut Sandbox) -> Result<()> {
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

pub fn a_typed_line_is_sent_at_once_not_at_the_next_look(sb: &mut Sandbox) -> Result<()> {
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

pub fn unknown_commands_are_refused_and_never_broadcast(sb: &mut Sandbox) -> Result<()> {
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
