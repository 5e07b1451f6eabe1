//! Exercise 7.3: sleeping on the futex until something is published, without losing a
//! wake-up and without waking for nothing.

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use crate::common::{join, program, say, start_server, stop_server};
use crate::harness::{Proc, Sandbox, Signal};
use crate::room::Segment;
use crate::views::{median, time_until_printed};

pub fn a_sleeping_reader_sees_a_line_the_moment_it_is_published(sb: &mut Sandbox) -> Result<()> {
    let server = start_server(sb)?;
    let alice = join(sb, "alice")?;
    let segment = Segment::attach(sb)?;
    // The grader is the only writer now: it publishes with its own sequence lock and
    // FUTEX_WAKE, so only the client's waiting (and reading) is graded here.
    server.signal(Signal::SIGSTOP);
    let mut times = Vec::new();
    let mut outcome = Ok(());
    for i in 0..25 {
        // Long enough for alice to be asleep in the futex again.
        sleep(Duration::from_millis(30 + (i * 7) % 40));
        let text = format!("from the grader {i}");
        segment.publish(4242, "grader", &text, crate::common::now_ms());
        match time_until_printed(&alice, &format!("<grader> {text}"), Duration::from_secs(3)) {
            Ok(took) => times.push(took),
            Err(error) => {
                outcome = Err(error.context(
                    "a client asleep in FUTEX_WAIT on header.wake must wake up when it is woken",
                ));
                break;
            }
        }
    }
    server.signal(Signal::SIGCONT);
    server.signal(Signal::SIGKILL);
    outcome?;
    let typical = median(times.clone());
    let worst = times.iter().max().copied().unwrap_or_default();
    ensure!(
        typical <= Duration::from_millis(20),
        "a sleeping client printed a new line {typical:?} after it was published (median of \
         25; worst {worst:?}): waking on the futex should take well under step 4's 50 ms poll"
    );
    ensure!(
        worst < Duration::from_millis(700),
        "one line took {worst:?} to show: a wake-up was lost (the reader slept until its 1 s \
         timeout)"
    );
    Ok(())
}

/// Context switches of every thread of `pid` so far.
fn switches(pid: i32) -> Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let status = std::fs::read_to_string(task?.path().join("status")).unwrap_or_default();
        for line in status.lines() {
            if let Some(rest) = line
                .strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                total += rest.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    Ok(total)
}

pub fn an_idle_client_wakes_about_once_a_second_and_notices_a_dead_server(
    sb: &mut Sandbox,
) -> Result<()> {
    let server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    sleep(Duration::from_millis(500));
    let before = switches(alice.pid()).context("cannot read alice's /proc/PID/task")?;
    sleep(Duration::from_secs(5));
    let after = switches(alice.pid())?;
    let woke = after - before;
    ensure!(
        woke <= 12,
        "an idle client was scheduled {woke} times in 5 s: it should sleep in FUTEX_WAIT and \
         wake about once a second (its timeout), not poll"
    );
    // A signal interrupts the futex wait: an idle client leaves at once on SIGINT.
    let mut bob = join(sb, "bob")?;
    sleep(Duration::from_millis(300));
    bob.signal(Signal::SIGINT);
    let out = bob.wait(Duration::from_secs(3)).context(
        "an idle client did not leave within 3 s of SIGINT: the signal interrupts its \
         FUTEX_WAIT (Woke::Interrupted), and wait_for_news must return so that the client \
         acts on it",
    )?;
    ensure!(
        out.code() == Some(130),
        "bob, interrupted, should leave with status 130: {}",
        out.describe()
    );
    let killed = Instant::now();
    server.signal(Signal::SIGKILL);
    let out = alice.wait(Duration::from_secs(5)).context(
        "an idle client whose server was killed must notice within a tick or two (its futex \
         wait has a timeout)",
    )?;
    ensure!(
        killed.elapsed() <= Duration::from_millis(2500),
        "the client noticed its server's death after {:?}",
        killed.elapsed()
    );
    ensure!(
        out.stderr_text().contains("has stopped"),
        "the client should say that the server has stopped; it said: {}",
        out.stderr_text()
    );
    Ok(())
}

/// Starts `ipc-chat log --follow` on the sandbox's room.
fn follow(sb: &Sandbox) -> Result<Proc> {
    sb.spawn(
        program(sb, crate::LOG)
            .args(["--follow", "--room"])
            .arg(sb.path())
            .limit(Duration::from_secs(60)),
    )
}

pub fn log_follow_shows_new_lines_as_they_come_across_a_restart(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    say(&mut alice, "before the follower")?;
    time_until_printed(
        &alice,
        "<alice> before the follower",
        Duration::from_secs(5),
    )?;
    let follower = follow(sb)?;
    time_until_printed(
        &follower,
        "<alice> before the follower",
        Duration::from_secs(5),
    )
    .context("log --follow first prints the history")?;
    let mut times = Vec::new();
    for i in 0..5 {
        sleep(Duration::from_millis(200));
        let line = format!("followed line {i}");
        say(&mut alice, &line)?;
        times.push(time_until_printed(
            &follower,
            &line,
            Duration::from_secs(3),
        )?);
    }
    let typical = median(times);
    ensure!(
        typical < Duration::from_millis(100),
        "log --follow printed new lines {typical:?} after they were sent (median): it should \
         sleep on the room's futex and wake when the server publishes"
    );
    say(&mut alice, "/quit")?;
    alice.wait(Duration::from_secs(10))?;
    stop_server(&mut server, "the server")?;
    let mut server = start_server(sb)?;
    let mut bob = join(sb, "bob")?;
    say(&mut bob, "after the restart")?;
    time_until_printed(&follower, "<bob> after the restart", Duration::from_secs(5))
        .context("log --follow goes on with the next server")?;
    say(&mut bob, "/quit")?;
    bob.wait(Duration::from_secs(10))?;
    stop_server(&mut server, "the restarted server")?;
    Ok(())
}
