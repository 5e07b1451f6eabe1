//! Exercise 6.1: the presence table, read by the grader from the segment, against `/who`,
//! the notices and `step06-who`; and clients that leave properly when signalled.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Result, ensure};

use crate::common::{eventually, join, say};
use crate::harness::{Proc, Sandbox, Signal};
use crate::logfile::Lcg;
use crate::room::{Slot, snapshot};

/// The presence table's members.
fn slots_of(clients: &[(&str, &Proc)]) -> Vec<Slot> {
    let mut slots: Vec<Slot> = clients
        .iter()
        .map(|(name, client)| Slot {
            name: name.to_string(),
            pid: client.pid(),
        })
        .collect();
    slots.sort();
    slots
}

pub fn the_presence_table_shows_who_is_online_and_agrees_with_who(sb: &mut Sandbox) -> Result<()> {
    let _server = crate::common::start_server(sb)?;
    let started = crate::common::now_ms();
    let mut alice = join(sb, "alice")?;
    let bob = join(sb, "bob")?;
    let carol = join(sb, "carol")?;
    let joined = crate::common::now_ms();
    let room = snapshot(sb)?;
    for (slot, time) in room.joined_times() {
        ensure!(
            (started - 1000..=joined + 1000).contains(&time),
            "{slot}'s presence slot says it joined at {time} ms, not during the test \
             ({started}..{joined}): joined_ms is the time of the join entry"
        );
    }
    let expected = slots_of(&[("alice", &alice), ("bob", &bob), ("carol", &carol)]);
    ensure!(
        room.presence() == expected,
        "the presence table should hold alice, bob and carol with their pids: {expected:?}; it \
         holds {:?}",
        room.presence()
    );
    ensure!(
        room.online() == 3,
        "header.online should be 3, it is {}",
        room.online()
    );
    say(&mut alice, "/who")?;
    alice.wait_for_stdout(Duration::from_secs(10), "the answer to /who", |out| {
        out.contains("* online: alice, bob, carol")
    })?;
    drop(carol); // killed and reaped: the sweep frees the slot
    let mut bob = bob;
    say(&mut bob, "/quit")?;
    bob.wait(Duration::from_secs(10))?;
    eventually(
        crate::room::SWEEP_LIMIT,
        "the presence table still lists bob or carol",
        || {
            snapshot(sb).is_ok_and(|room| {
                room.presence() == slots_of(&[("alice", &alice)]) && room.online() == 1
            })
        },
    )?;
    Ok(())
}

pub fn step06_who_answers_while_the_server_is_stopped(sb: &mut Sandbox) -> Result<()> {
    let server = crate::common::start_server(sb)?;
    let _alice = join(sb, "alice")?;
    let _bob = join(sb, "bob")?;
    server.signal(Signal::SIGSTOP);
    let room = sb.path().to_owned();
    let out = sb.run(sb.cmd("step06-who").arg("--room").arg(&room));
    server.signal(Signal::SIGCONT);
    let out = out?;
    out.expect_success("step06-who while the server is stopped")?;
    let text = out.stdout_text();
    ensure!(
        text.contains("2 online") && text.contains("alice") && text.contains("bob"),
        "step06-who should list alice and bob from the presence table, without the server: \
         it printed {text:?}"
    );
    Ok(())
}

pub fn presence_and_notices_agree_throughout_a_churn(sb: &mut Sandbox) -> Result<()> {
    let _server = crate::common::start_server(sb)?;
    let names = ["ann", "ben", "cid", "dot", "eve", "fox"];
    let mut inside: Vec<Option<Proc>> = (0..names.len()).map(|_| None).collect();
    let mut random = Lcg(6);
    for round in 0..40 {
        let i = random.below(names.len() as u64) as usize;
        match inside[i].take() {
            None => inside[i] = Some(join(sb, names[i])?),
            Some(mut client) => match random.below(3) {
                0 => {
                    say(&mut client, "/quit")?;
                    client.wait(Duration::from_secs(10))?;
                    eventually(
                        Duration::from_secs(5),
                        &format!("{} left but is still in the presence table", names[i]),
                        || {
                            snapshot(sb).is_ok_and(|room| {
                                !room.presence().iter().any(|slot| slot.name == names[i])
                            })
                        },
                    )?;
                }
                1 => {
                    // SIGKILL, reaped: the sweep announces it within a tick.
                    client.kill();
                    eventually(
                        crate::room::SWEEP_LIMIT,
                        &format!("{} was killed but is still in the presence table", names[i]),
                        || {
                            snapshot(sb).is_ok_and(|room| {
                                !room.presence().iter().any(|slot| slot.name == names[i])
                            })
                        },
                    )?;
                }
                _ => {
                    say(&mut client, &format!("round {round}"))?;
                    inside[i] = Some(client);
                }
            },
        }
        // At every moment, under the lock: the table is what the notices so far say.
        let room = snapshot(sb)?;
        let Some(entries) = room.all_entries() else {
            break;
        };
        let mut online = BTreeSet::new();
        for (kind, name) in entries {
            match kind {
                2 => {
                    online.insert(name);
                }
                3 | 4 => {
                    online.remove(&name);
                }
                _ => {}
            }
        }
        let table: BTreeSet<String> = room.presence().into_iter().map(|slot| slot.name).collect();
        ensure!(
            table == online,
            "round {round}: the presence table says {table:?} are online, the ring's join, leave \
             and disconnect notices say {online:?}"
        );
        ensure!(
            room.online() == table.len() as u64,
            "round {round}: header.online is {}, the table has {} members",
            room.online(),
            table.len()
        );
    }
    Ok(())
}

pub fn a_signalled_client_leaves_the_room_properly(sb: &mut Sandbox) -> Result<()> {
    let _server = crate::common::start_server(sb)?;
    let mut watcher = join(sb, "watcher")?;
    for (name, signal) in [
        ("ann", Signal::SIGINT),
        ("ben", Signal::SIGTERM),
        ("cid", Signal::SIGHUP),
    ] {
        let mut client = join(sb, name)?;
        client.signal(signal);
        let out = client.wait(Duration::from_secs(10))?;
        ensure!(
            out.code() == Some(130),
            "a client that gets {signal} should leave the room and exit with status 130: {}",
            out.describe()
        );
        let notice = format!("* {name} left");
        watcher.wait_for_stdout(Duration::from_secs(10), &format!("{notice:?}"), |out| {
            out.contains(&notice)
        })?;
        ensure!(
            !snapshot(sb)?
                .presence()
                .iter()
                .any(|slot| slot.name == name),
            "{name} left (on {signal}), yet the presence table still lists them"
        );
    }
    Ok(())
}
