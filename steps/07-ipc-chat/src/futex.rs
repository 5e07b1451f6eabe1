//! The two futex operations the chat needs, on a word in the room's shared segment.
//!
//! A futex is a 32-bit word in memory plus a kernel wait queue keyed by that word's
//! *physical* page and offset. `FUTEX_WAIT` puts the caller to sleep only if the word
//! still holds the value it expects (checked atomically by the kernel), and `FUTEX_WAKE`
//! wakes the sleepers on that word. Processes that map the same page share the wait queue,
//! but only through the non-private operations: `FUTEX_WAIT_PRIVATE` and
//! `FUTEX_WAKE_PRIVATE` key the queue by the virtual address *in this process*, which is
//! faster and useless across processes (it is what `std`'s own locks use, and what the
//! `atomic-wait` crate offers). See futex(2).

use std::sync::atomic::AtomicU32;
use std::time::Duration;

use nix::errno::Errno;

/// Why [`wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// `FUTEX_WAKE` woke us (or, rarely, the kernel did for no reason: look again).
    Woken,
    /// The word no longer held the expected value: something changed before we slept.
    Changed,
    /// The timeout passed.
    TimedOut,
    /// A signal interrupted the wait.
    Interrupted,
}

// ANCHOR: wait
/// Sleeps while `word` holds `expected`, for at most `timeout`.
pub fn wait(word: &AtomicU32, expected: u32, timeout: Duration) -> Result<Woke, Errno> {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: `word` is a valid, aligned 32-bit atomic that lives for the whole call (we
    // borrow it), `timeout` is a valid timespec on our stack; FUTEX_WAIT only reads the
    // word and the timespec, and the two unused arguments are ignored for this operation.
    let result = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &timeout as *const libc::timespec,
            std::ptr::null::<u32>(),
            0u32,
        )
    };
    if result == 0 {
        return Ok(Woke::Woken);
    }
    match Errno::last() {
        Errno::EAGAIN => Ok(Woke::Changed),
        Errno::ETIMEDOUT => Ok(Woke::TimedOut),
        Errno::EINTR => Ok(Woke::Interrupted),
        errno => Err(errno),
    }
}
// ANCHOR_END: wait

// ANCHOR: wake_all
/// Wakes every process and thread sleeping in [`wait`] on `word`; returns how many woke.
pub fn wake_all(word: &AtomicU32) -> Result<usize, Errno> {
    // EXERCISE 7.4 (10 points): Wake everyone who sleeps on `word`, in every process that maps it.
    // HINT: futex(2), the operation that wakes; its third argument says how many sleepers at most.
    // HINT: the waiters are other processes: which variant of the operation reaches them, and which only this process?
    // HINT: [`wait`] above is the model for calling the system call through libc and reading its result.
    // BEGIN EXERCISE 7.4 (stub uses: word)
    let _ = word; // silences "unused" until your code uses it
    todo!(
        "exercise 7.4 is not done yet: Wake everyone who sleeps on `word`, in every process that maps it."
    )
    // END EXERCISE 7.4
}
// ANCHOR_END: wake_all

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Instant;

    #[test]
    fn a_wait_on_a_changed_word_returns_at_once() {
        let word = AtomicU32::new(5);
        let started = Instant::now();
        assert_eq!(wait(&word, 4, Duration::from_secs(10)), Ok(Woke::Changed));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_wait_times_out() {
        let word = AtomicU32::new(0);
        let started = Instant::now();
        assert_eq!(
            wait(&word, 0, Duration::from_millis(50)),
            Ok(Woke::TimedOut)
        );
        assert!(started.elapsed() >= Duration::from_millis(45));
    }

    #[test]
    fn wake_all_wakes_a_sleeper() {
        let word = Arc::new(AtomicU32::new(0));
        let sleeper = {
            let word = Arc::clone(&word);
            std::thread::spawn(move || wait(&word, 0, Duration::from_secs(20)))
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        // Bump and wake until the sleeper is gone (it may not have slept yet).
        while !sleeper.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            word.fetch_add(1, Ordering::Release);
            wake_all(&word).expect("FUTEX_WAKE");
        }
        let woke = sleeper.join().expect("the sleeper");
        assert!(
            matches!(woke, Ok(Woke::Woken) | Ok(Woke::Changed)),
            "{woke:?}"
        );
    }
}
