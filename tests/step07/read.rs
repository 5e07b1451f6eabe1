//! Exercise 7.2: reading an entry without the lock, and never a torn one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::common::{join, say, start_server, stop_server, wait_for_chat};
use crate::harness::{Sandbox, Signal};
use crate::logfile::{self, log_path};
use crate::views::{check_exact, client_with_input, median, time_until_printed};

/// A line that checks itself: its body is derived from its header, so a copy made of two
/// different entries (a torn read) cannot pass for one.
fn flood_line(writer: usize, i: usize) -> String {
    let head = format!("w{writer} {i} ");
    let body: String = (0..400)
        .map(|k| char::from(b'a' + ((writer * 7 + i * 13 + k) % 26) as u8))
        .collect();
    format!("{head}{body}")
}

/// Whether a printed text is a whole flood line.
fn is_whole(text: &str) -> bool {
    let mut words = text.splitn(3, ' ');
    let (Some(w), Some(i)) = (words.next(), words.next()) else {
        return false;
    };
    match (
        w.strip_prefix('w').and_then(|w| w.parse().ok()),
        i.parse().ok(),
    ) {
        (Some(writer), Some(i)) => flood_line(writer, i) == text,
        _ => false,
    }
}

pub fn no_torn_line_while_readers_are_stopped_and_continued_under_a_flood(
    sb: &mut Sandbox,
) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut readers = Vec::new();
    for r in 0..4 {
        readers.push(join(sb, &format!("reader{r}"))?);
    }
    let mut writers = Vec::new();
    for w in 0..2 {
        let lines: String = (0..600).map(|i| flood_line(w, i) + "\n").collect();
        writers.push(client_with_input(
            sb,
            &format!("writer{w}"),
            lines,
            Duration::from_secs(100),
        )?);
    }
    // Stop and continue the readers while the writers flood: a stopped reader may be in
    // the middle of a copy when its slot is written again.
    let pids: Vec<i32> = readers.iter().map(|r| r.pid()).collect();
    let done = Arc::new(AtomicBool::new(false));
    let stopper = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut n = 0usize;
            while !done.load(Ordering::Relaxed) {
                let pid = nix::unistd::Pid::from_raw(pids[n % pids.len()]);
                let _ = nix::sys::signal::kill(pid, Signal::SIGSTOP);
                sleep(Duration::from_millis(20 + (n as u64 * 17) % 60));
                let _ = nix::sys::signal::kill(pid, Signal::SIGCONT);
                sleep(Duration::from_millis(2));
                n += 1;
            }
        })
    };
    let mut finished = Ok(());
    for writer in &mut writers {
        let out = writer.wait(Duration::from_secs(100));
        if let Err(error) = out.and_then(|out| out.expect_success("a writer").map(|_| ())) {
            finished = Err(error);
            break;
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = stopper.join();
    for reader in &readers {
        reader.signal(Signal::SIGCONT);
    }
    finished?;
    let mut views = Vec::new();
    for (r, reader) in readers.iter_mut().enumerate() {
        wait_for_chat(reader, 1200)?;
        say(reader, "/quit")?;
        views.push((
            format!("reader{r}"),
            reader.wait(Duration::from_secs(20))?.stdout_text(),
        ));
    }
    stop_server(&mut server, "the server")?;
    let log = logfile::read(&log_path(sb))?;
    let shown = log.shown();
    for (name, out) in &views {
        for line in out.lines() {
            if let Some((_, text)) = line.split_once("> ") {
                ensure!(
                    is_whole(text),
                    "{name} printed a torn line (parts of two different entries): {line:?}"
                );
            }
        }
        check_exact(name, out, &shown)?;
    }
    Ok(())
}

pub fn a_reader_that_falls_behind_the_ring_shows_every_line(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut bob = join(sb, "bob")?;
    bob.signal(Signal::SIGSTOP);
    let lines: String = (0..700).map(|i| format!("alice says {i}\n")).collect();
    let alice = client_with_input(sb, "alice", lines, Duration::from_secs(60));
    let alice_done = alice.and_then(|mut alice| {
        let out = alice.wait(Duration::from_secs(60))?;
        out.expect_success("alice, who sent 700 lines")?;
        Ok(())
    });
    bob.signal(Signal::SIGCONT);
    alice_done?;
    let chat = wait_for_chat(&mut bob, 700)?;
    say(&mut bob, "/quit")?;
    let out = bob.wait(Duration::from_secs(20))?.stdout_text();
    stop_server(&mut server, "the server")?;
    for (i, line) in chat.iter().enumerate() {
        ensure!(
            *line == format!("<alice> alice says {i}"),
            "bob, stopped while 700 lines passed (more than the ring's 256), printed {line:?} as \
             the chat line {i}"
        );
    }
    check_exact("bob", &out, &logfile::read(&log_path(sb))?.shown())?;
    Ok(())
}

pub fn a_stopped_reader_delays_nobody(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let stopped = join(sb, "stopped")?;
    let carol = join(sb, "carol")?;
    let mut alice = join(sb, "alice")?;
    stopped.signal(Signal::SIGSTOP);
    let mut times = Vec::new();
    let start = Instant::now();
    for i in 0..40 {
        let line = format!("line {i} while someone is stopped");
        say(&mut alice, &line)?;
        times.push(time_until_printed(&carol, &line, Duration::from_secs(5))?);
    }
    let took = start.elapsed();
    stopped.signal(Signal::SIGCONT);
    let typical = median(times);
    ensure!(
        typical < Duration::from_millis(100),
        "with one reader stopped, the others got each line after {typical:?} (median): a \
         stopped reader must delay nobody (readers copy without any lock)"
    );
    ensure!(
        took < Duration::from_secs(20),
        "40 lines took {took:?} with a reader stopped"
    );
    say(&mut alice, "/quit")?;
    alice.wait(Duration::from_secs(10))?;
    stop_server(&mut server, "the server")
}
