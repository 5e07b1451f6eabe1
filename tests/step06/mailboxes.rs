//! Exercise 6.4: no one client can fill the room's queue, whatever it does or claims; and
//! the room as a whole: shutdown on every stop signal, many clients with churn.

use std::collections::BTreeMap;
use std::thread::sleep;
use std::time::Duration;

use anyhow::{Result, bail, ensure};

use crate::common::{
    eventually, join, keys, say, spawn_client, start_server, stderr_says, stop_server,
};
use crate::harness::{Proc, Sandbox, Signal, ipc};
use crate::logfile::{self, Lcg, log_path};
use crate::room::object_ids;

/// The queue's capacity (msgmnb), as the kernel reports it for new queues.
fn queue_capacity() -> u64 {
    std::fs::read_to_string("/proc/sys/kernel/msgmnb")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(16384)
}

pub fn a_stopped_members_unread_private_lines_are_refused_and_the_room_stays_usable(
    sb: &mut Sandbox,
) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let bob = join(sb, "bob")?;
    bob.signal(Signal::SIGSTOP);
    let long = "p".repeat(400);
    for i in 0..60 {
        say(&mut alice, &format!("/msg bob {i:02} {long}"))?;
    }
    stderr_says(
        &alice,
        Duration::from_secs(15),
        "bob is not reading",
        "alice, whose private lines pile up for a stopped bob, should be told that he is not reading",
    )?;
    let queue = keys(sb).0;
    let bytes = ipc::queue_info(queue).map_or(0, |info| info.bytes);
    ensure!(
        bytes <= queue_capacity() / 2,
        "the unread private lines of one stopped member take {bytes} bytes of the room's queue \
         ({} in all): one member's mailbox must be bounded",
        queue_capacity()
    );
    let mut carol = join(sb, "carol")?;
    say(&mut carol, "the room still works")?;
    alice.wait_for_stdout(Duration::from_secs(10), "carol's line", |out| {
        out.contains("<carol> the room still works")
    })?;
    bob.signal(Signal::SIGCONT);
    Ok(())
}

pub fn a_members_own_answers_are_always_sent_and_counted(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let bob = join(sb, "bob")?;
    bob.signal(Signal::SIGSTOP);
    // 400 Who requests in bob's name: each is bob's own request, so each answer goes to his
    // mailbox, however much waits there already, and counts against his allowance.
    let queue = keys(sb).0;
    let mut who = vec![1u8, 4];
    who.extend(bob.pid().to_le_bytes());
    for _ in 0..400 {
        ipc::send_raw(queue, 1, &who).map_err(anyhow::Error::msg)?;
    }
    eventually(
        Duration::from_secs(10),
        "400 Who requests from a member should get 400 answers in its mailbox (answers to a \
         member's own requests are always sent)",
        || ipc::queue_info(queue).is_some_and(|info| info.messages >= 400),
    )?;
    say(&mut alice, "/msg bob are you there?")?;
    stderr_says(
        &alice,
        Duration::from_secs(10),
        "bob is not reading",
        "the answers waiting for bob count too: a private line on top of them must be refused",
    )?;
    bob.signal(Signal::SIGCONT);
    Ok(())
}

pub fn a_flood_of_requests_from_non_members_leaves_the_room_usable(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let queue = keys(sb).0;
    // Requests from processes that exist but never joined: each would get Rejected(NotJoined).
    let claimed = [1, std::process::id() as i32];
    for i in 0..3000 {
        let pid = claimed[i % claimed.len()].to_le_bytes();
        let mut request = vec![1u8, 2];
        request.extend(pid);
        request.extend(2u16.to_le_bytes());
        request.extend(b"hi");
        // The queue may fill for a moment: the server empties it.
        let mut tries = 0;
        while ipc::send_raw(queue, 1, &request).is_err() {
            tries += 1;
            if tries > 500 {
                bail!("the queue stayed full while the grader sent requests from non-members");
            }
            sleep(Duration::from_millis(2));
        }
    }
    eventually(
        Duration::from_secs(10),
        "the server never took the flood out of the queue",
        || ipc::queue_info(queue).is_some_and(|info| info.bytes <= 2048),
    )?;
    // The grader's own mailbox holds what the server answered it: a bounded amount.
    let mut mine = 0;
    while ipc::receive_raw(queue, i64::from(std::process::id())).is_some() {
        mine += 1;
    }
    ensure!(
        mine <= 40,
        "3000 requests from non-members got {mine} replies in one mailbox: replies to pids that \
         never joined must be bounded"
    );
    // Now that the grader has read its replies, the queue holds fewer of them: the
    // allowance of non-members must have room again (counts fall as mailboxes are read).
    let me = std::process::id() as i32;
    for _ in 0..20 {
        let mut who = vec![1u8, 4]; // Who: a non-member gets Rejected(NotJoined)
        who.extend(me.to_le_bytes());
        ipc::send_raw(queue, 1, &who).map_err(anyhow::Error::msg)?;
    }
    let mut again = 0;
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while again == 0 && std::time::Instant::now() < end {
        while ipc::receive_raw(queue, i64::from(me)).is_some() {
            again += 1;
        }
        sleep(Duration::from_millis(20));
    }
    ensure!(
        again > 0,
        "after the grader read its replies, 20 more requests from it got none: the allowance \
         of non-members must be lowered to what the queue still holds"
    );
    let mut alice = join(sb, "alice")?;
    say(&mut alice, "after the flood")?;
    alice.wait_for_stdout(Duration::from_secs(10), "her line", |out| {
        out.contains("<alice> after the flood")
    })?;
    Ok(())
}

pub fn a_member_who_reads_gets_every_private_line(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    for i in 0..40 {
        say(
            &mut alice,
            &format!("/msg bob private {i:02} {}", "q".repeat(100)),
        )?;
        sleep(Duration::from_millis(25));
    }
    let out = bob.wait_for_stdout(Duration::from_secs(15), "40 private lines", |out| {
        out.matches("*alice* private").count() >= 40
    })?;
    ensure!(
        out.matches("*alice* private").count() == 40,
        "bob got a private line twice"
    );
    ensure!(
        !alice.stderr_text().contains("not reading"),
        "bob reads his mailbox: none of alice's lines should have been refused: {}",
        alice.stderr_text()
    );
    Ok(())
}

pub fn sigterm_and_sighup_shut_the_server_down_like_sigint(sb: &mut Sandbox) -> Result<()> {
    for signal in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGINT] {
        let mut server = start_server(sb)?;
        let mut alice = join(sb, "alice")?;
        let line = format!("<alice> before {signal}");
        say(&mut alice, &format!("before {signal}"))?;
        alice.wait_for_stdout(Duration::from_secs(10), "her line", |out| {
            out.contains(&line)
        })?;
        server.signal(signal);
        server
            .wait(Duration::from_secs(10))?
            .expect_success(&format!("the server, on {signal}"))?;
        let out = alice.wait(Duration::from_secs(10))?;
        out.expect_stdout("goodbye", &format!("alice, whose server got {signal}"))?;
        ensure!(
            object_ids(sb) == [None, None, None],
            "after {signal} the server should have removed every IPC object of the room: {:?}",
            object_ids(sb)
        );
        let parsed = logfile::read(&log_path(sb))?;
        parsed.clean()?;
        ensure!(
            parsed.chat().last() == Some(&format!("<alice> before {signal}")),
            "the log should end with alice's last line after {signal}"
        );
    }
    Ok(())
}

pub fn thirty_two_clients_with_churn_agree_with_the_log(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut watcher = join(sb, "watcher")?;
    let room = sb.path().to_owned();
    let mut random = Lcg(32);
    let mut clients: Vec<(String, Proc)> = Vec::new();
    for c in 0..32 {
        let name = format!("c{c:02}");
        let lines: String = (0..200).map(|i| format!("{name} line {i}\n")).collect();
        clients.push((
            name.clone(),
            sb.spawn(
                sb.cmd(crate::CLIENT)
                    .arg("--room")
                    .arg(&room)
                    .args(["--name", &name])
                    .stdin(lines)
                    .limit(Duration::from_secs(150)),
            )?,
        ));
    }
    // Churn while they talk: kill some, add late joiners who leave.
    let mut killed = Vec::new();
    for round in 0..8 {
        sleep(Duration::from_millis(300));
        let victim = random.below(clients.len() as u64) as usize;
        if !killed.contains(&victim) {
            clients[victim].1.kill();
            killed.push(victim);
        }
        let mut late = spawn_client(sb, &format!("late{round}"), &[])?;
        say(&mut late, "/quit")?;
        late.wait(Duration::from_secs(20))?;
    }
    let mut survivors = BTreeMap::new();
    for (i, (name, client)) in clients.iter_mut().enumerate() {
        if killed.contains(&i) {
            continue;
        }
        let out = client.wait(Duration::from_secs(120))?;
        out.expect_success(&format!("{name}, which sent its 200 lines"))?;
        survivors.insert(name.clone(), out.stdout_text());
    }
    say(&mut watcher, "/quit")?;
    let watched = watcher.wait(Duration::from_secs(20))?.stdout_text();
    stop_server(&mut server, "the server")?;
    let log = logfile::read(&log_path(sb))?;
    log.clean()?;
    let logged = log.chat();
    let shown = log.shown();
    check_view("the watcher", &watched, &shown)?;
    for (name, out) in &survivors {
        let mine = logged
            .iter()
            .filter(|l| l.starts_with(&format!("<{name}>")))
            .count();
        ensure!(
            mine == 200,
            "{name} sent 200 lines and survived, the log has {mine} of them"
        );
        check_view(name, out, &shown)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    for line in &logged {
        ensure!(seen.insert(line), "{line:?} is in the log twice");
    }
    Ok(())
}

/// Checks that a client's output is the log, in the log's order, from the first entry on:
/// every entry it printed is the log's next one, and where it skipped entries (a reader
/// that fell more than the ring behind, or the history before it joined), it said how
/// many, exactly. Nothing is lost silently, nothing is duplicated or reordered.
fn check_view(who: &str, out: &str, log: &[String]) -> Result<()> {
    let mut position = 0usize;
    for line in out.lines() {
        if let Some((_, entry)) = line.split_once("] ").filter(|_| line.starts_with('[')) {
            if entry.starts_with("-> ") || (entry.starts_with('*') && !entry.starts_with("* ")) {
                continue; // a private line: never in the log
            }
            ensure!(
                log.get(position).map(String::as_str) == Some(entry),
                "{who} printed {entry:?} where the log's entry {} is {:?}: a view must follow \
                 the log's order",
                position + 1,
                log.get(position)
            );
            position += 1;
        } else if let Some(count) = line
            .strip_prefix("* ")
            .and_then(|rest| rest.split_once(' '))
            .filter(|(_, rest)| rest.contains("message(s)"))
            .and_then(|(count, _)| count.parse::<usize>().ok())
        {
            position += count;
        }
    }
    ensure!(
        position <= log.len(),
        "{who} accounts for more entries than the log has"
    );
    Ok(())
}
