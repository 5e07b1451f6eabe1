//! What one `FUTEX_WAKE` costs the process that makes it, with 1 sleeper and with many:
//! the kernel primitive under the chat's reader cost, measured on its own.
//!
//! Threads of the bench sleep in [`futex::wait`] on one word (the same non-private
//! operations as the chat's readers); the bench bumps the word and calls
//! [`futex::wake_all`], as the server does after each publication, with a pause between
//! rounds long enough for every sleeper to go back to sleep. The cost is the waker's own
//! CPU time in the call (`CLOCK_THREAD_CPUTIME_ID`): the kernel wakes every sleeper
//! inside it, one after the other.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use super::lab::check;
use crate::futex;

/// What [`wake_cost`] measured.
#[derive(Debug, Clone, Copy)]
pub struct WakeCost {
    /// How many threads slept on the word.
    pub sleepers: usize,
    /// The waker's CPU time per `FUTEX_WAKE`, in nanoseconds.
    pub cpu_ns: f64,
    /// How many sleepers each call woke, on average (all of them, if the pause was long
    /// enough).
    pub woken: f64,
}

/// This thread's CPU time, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec on our stack, which clock_gettime only writes;
    // CLOCK_THREAD_CPUTIME_ID always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// The cost of waking `sleepers` threads, over `rounds` rounds `gap` apart.
pub fn wake_cost(sleepers: usize, rounds: usize, gap: Duration) -> anyhow::Result<WakeCost> {
    let word = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..sleepers)
        .map(|_| {
            let (word, stop) = (Arc::clone(&word), Arc::clone(&stop));
            thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    let seen = word.load(Ordering::Acquire);
                    if stop.load(Ordering::Acquire) {
                        break;
                    }
                    let _ = futex::wait(&word, seen, Duration::from_secs(1));
                }
            })
        })
        .collect();
    let mut result = Ok(());
    let (mut cpu, mut woken) = (0u64, 0usize);
    thread::sleep(gap * 10);
    for _ in 0..rounds {
        if let Err(error) = check() {
            result = Err(error);
            break;
        }
        thread::sleep(gap);
        word.fetch_add(1, Ordering::Release);
        let before = thread_cpu_ns();
        let woke = futex::wake_all(&word);
        cpu += thread_cpu_ns().saturating_sub(before);
        match woke {
            Ok(count) => woken += count,
            Err(errno) => {
                result = Err(anyhow::anyhow!("futex(FUTEX_WAKE): {errno}"));
                break;
            }
        }
    }
    stop.store(true, Ordering::Release);
    word.fetch_add(1, Ordering::Release);
    let _ = futex::wake_all(&word);
    for thread in threads {
        let _ = thread.join();
    }
    result?;
    Ok(WakeCost {
        sleepers,
        cpu_ns: cpu as f64 / rounds.max(1) as f64,
        woken: woken as f64 / rounds.max(1) as f64,
    })
}
