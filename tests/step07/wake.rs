//! Exercise 7.4: waking every sleeper, in every process.

use std::sync::Arc;
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};

use crate::common::{join, say, start_server, stop_server};
use crate::harness::Sandbox;
use crate::room::Segment;
use crate::views::time_until_printed;

pub fn the_server_wakes_sleepers_in_other_processes(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let segment = Arc::new(Segment::attach(sb)?);
    for i in 0..5 {
        // Forty sleepers of the grader's own, in this process, another process than the
        // server's: only a non-private FUTEX_WAKE for every sleeper reaches them all.
        let expected = segment.wake();
        let sleepers: Vec<_> = (0..40)
            .map(|_| {
                let segment = Arc::clone(&segment);
                thread::spawn(move || {
                    let start = Instant::now();
                    (
                        segment.wait(expected, Duration::from_secs(3)),
                        start.elapsed(),
                    )
                })
            })
            .collect();
        sleep(Duration::from_millis(150));
        let line = format!("wake up {i}");
        say(&mut alice, &line)?;
        time_until_printed(&alice, &line, Duration::from_secs(5))?;
        for sleeper in sleepers {
            let (woken, after) = sleeper.join().unwrap_or((false, Duration::ZERO));
            ensure!(
                woken,
                "a sleeper on header.wake in another process timed out after {after:?} although \
                 a line was published: the server must wake every sleeper with the non-private \
                 FUTEX_WAKE"
            );
        }
        ensure!(
            segment.wake() != expected,
            "header.wake did not change when a line was published"
        );
    }
    say(&mut alice, "/quit")?;
    alice.wait(Duration::from_secs(10))?;
    stop_server(&mut server, "the server")
}
