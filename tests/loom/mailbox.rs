//! Model checks of step 2's seqlock mailbox with loom, run by the step 2 grader.
//!
//! The grader builds the graded `step02-shared-memory` crate with `--cfg loom` (its atomics
//! then come from loom, see its `sync` module) and runs these tests. Each model runs one
//! writer and one reader in every interleaving loom can reach (up to its preemption bound),
//! and loom lets each load return any value the C++/Rust memory model allows, not just the
//! newest one as an x86 processor would. A reader that ever returns a torn message (bytes of
//! two messages) fails the model.
//!
//! Each exercise is checked against the grader's own implementation of the other side, so
//! a mistake in `publish` (2.5) fails only the first test and one in `read` (2.6) only the
//! second.
//!
//! What loom does not explore: more threads or messages than a model starts, interleavings
//! beyond its preemption bound (LOOM_MAX_PREEMPTIONS, 3 here), and the hardware's own
//! behaviour (it models the language's memory model, not a processor).

use loom::sync::Arc;
use loom::thread;
use step02_shared_memory::sync::{Ordering, fence};
use step02_shared_memory::{MAILBOX_CAPACITY, Mailbox};

/// The text of message `n`: `n` bytes of value `n`, so a torn copy shows as a mix.
fn text(n: u8) -> Vec<u8> {
    vec![n; usize::from(n).min(MAILBOX_CAPACITY)]
}

/// Fails unless `copy` (number, bytes) is a whole message, or nothing.
fn check(copy: Option<(u64, Vec<u8>)>) {
    if let Some((number, bytes)) = copy {
        let n = u8::try_from(number).expect("a small message number");
        assert!(
            (1..=2).contains(&n) && bytes == text(n),
            "the reader returned a torn message: number {number}, bytes {bytes:?} \
             (message {number} is {:?})",
            text(n)
        );
    }
}

/// The grader's writer: the seqlock publication of chapter 2, on the mailbox's raw fields.
fn reference_publish(mailbox: &Mailbox, bytes: &[u8]) {
    let (sequence, len, text) = mailbox.raw_parts();
    let start = loop {
        let seq = sequence.load(Ordering::Relaxed);
        if seq % 2 == 0
            && sequence
                .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            break seq;
        }
        thread::yield_now();
    };
    fence(Ordering::Release);
    for (cell, byte) in text.iter().zip(bytes) {
        cell.store(*byte, Ordering::Relaxed);
    }
    len.store(bytes.len() as u32, Ordering::Relaxed);
    sequence.store(start + 2, Ordering::Release);
}

/// The grader's reader: one seqlock read, retried until it is whole.
fn reference_read(mailbox: &Mailbox) -> Option<(u64, Vec<u8>)> {
    let (sequence, len, text) = mailbox.raw_parts();
    loop {
        let before = sequence.load(Ordering::Acquire);
        if before == 0 {
            return None;
        }
        if before % 2 == 0 {
            let n = (len.load(Ordering::Relaxed) as usize).min(MAILBOX_CAPACITY);
            let bytes: Vec<u8> = text[..n].iter().map(|b| b.load(Ordering::Relaxed)).collect();
            fence(Ordering::Acquire);
            if sequence.load(Ordering::Relaxed) == before {
                return Some((before / 2, bytes));
            }
        }
        thread::yield_now();
    }
}

/// A model with the preemption bound the grader uses.
fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(3, f);
}

/// A model that preempts threads at most `preemptions` times per execution.
fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    // A writer that finds the mailbox claimed waits for it (each look is a branch).
    builder.max_branches = 20_000;
    builder.check(f);
}

/// One look of the grader's reader: a whole copy, or `None` if there is none yet or a
/// writer was busy (no retry, so the model stays small).
fn reference_read_once(mailbox: &Mailbox) -> Option<(u64, Vec<u8>)> {
    let (sequence, len, text) = mailbox.raw_parts();
    let before = sequence.load(Ordering::Acquire);
    if before == 0 || before % 2 == 1 {
        return None;
    }
    let n = (len.load(Ordering::Relaxed) as usize).min(MAILBOX_CAPACITY);
    let bytes: Vec<u8> = text[..n].iter().map(|b| b.load(Ordering::Relaxed)).collect();
    fence(Ordering::Acquire);
    (sequence.load(Ordering::Relaxed) == before).then_some((before / 2, bytes))
}

/// Runs `write` and `read` in two threads of a model (the writer started first: loom
/// finds stale loads in more interleavings that way), and checks every copy.
fn writer_and_reader(
    write: fn(&Mailbox),
    read: fn(&Mailbox) -> Option<(u64, Vec<u8>)>,
) {
    model(move || {
        let mailbox = Arc::new(Mailbox::new());
        let writer = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || write(&mailbox))
        };
        let reader = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || check(read(&mailbox)))
        };
        writer.join().expect("the writer thread");
        reader.join().expect("the reader thread");
    });
}

#[test]
fn publish_is_never_seen_torn() {
    writer_and_reader(
        |mailbox| {
            mailbox.publish(&text(1)).expect("publishing message 1");
            mailbox.publish(&text(2)).expect("publishing message 2");
        },
        reference_read,
    );
}

#[test]
fn two_writers_never_mix_their_messages() {
    model_bounded(2, || {
        let mailbox = Arc::new(Mailbox::new());
        let writers: Vec<_> = [1, 2]
            .map(|n| {
                let mailbox = Arc::clone(&mailbox);
                thread::spawn(move || {
                    mailbox.publish(&text(n)).expect("publishing");
                })
            })
            .into_iter()
            .collect();
        let reader = {
            let mailbox = Arc::clone(&mailbox);
            thread::spawn(move || reference_read_once(&mailbox))
        };
        for writer in writers {
            writer.join().expect("a writer thread");
        }
        // Whichever writer went first, a copy is one writer's whole message.
        let whole = |copy: Option<(u64, Vec<u8>)>| {
            copy.is_none_or(|(_, bytes)| bytes == text(1) || bytes == text(2))
        };
        let during = reader.join().expect("the reader thread");
        assert!(whole(during.clone()), "a reader saw two writers' messages mixed: {during:?}");
        let after = reference_read(&mailbox);
        assert!(
            whole(after.clone()) && after.as_ref().is_some_and(|(number, _)| *number == 2),
            "after two publications the mailbox should hold message 2, whole: {after:?}"
        );
    });
}

#[test]
fn read_never_returns_a_torn_copy() {
    writer_and_reader(
        |mailbox| {
            reference_publish(mailbox, &text(1));
            reference_publish(mailbox, &text(2));
        },
        |mailbox| {
            let message = mailbox.read().expect("reading the mailbox")?;
            Some((message.number, message.text))
        },
    );
}
