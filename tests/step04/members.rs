//! Exercise 4.5: joining the room: a second join from one process, a full room, a name
//! already taken, and a name freed by leaving.

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::common::{join, keys, say, start_server, stderr_says, wait_for_chat};
use crate::harness::{Sandbox, ipc};

pub fn a_duplicate_name_is_rejected_without_disturbing_the_room(sb: &mut Sandbox) -> Result<()> {
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

pub fn leaving_frees_the_name(sb: &mut Sandbox) -> Result<()> {
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

pub fn a_second_join_and_a_full_room_are_refused(sb: &mut Sandbox) -> Result<()> {
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
