//! The grader's own hands on a mailbox, for the tests of its writer (2.5) and its reader
//! (2.6): an attachment of its own that reads and sets the mailbox's words, the test
//! messages `step02-msg flood` publishes, and a writer stopped by ptrace.

use std::sync::atomic::Ordering;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use crate::common::{MAILBOX_CAPACITY, eventually, info, ok, segment_id, spawn, step_one_done};
use crate::harness::trace::{self, Attachment, Stepped};
use crate::harness::{Proc, Sandbox, ipc};

/// A read-write attachment of a segment made by the grader itself, detached on drop. It
/// watches the mailbox's words while the programs under test run (atomic loads, like
/// theirs), and puts the mailbox in states that they must cope with: a writer stuck in the
/// middle of a message, a garbage length.
pub struct GraderAttachment(Attachment);

impl std::ops::Deref for GraderAttachment {
    type Target = Attachment;

    fn deref(&self) -> &Attachment {
        &self.0
    }
}

impl GraderAttachment {
    /// Attaches segment `id` read-write.
    pub fn new(id: i32) -> Result<GraderAttachment> {
        Ok(GraderAttachment(Attachment::new(id, info(id)?.size)?))
    }

    /// The mailbox's sequence (offset 0).
    pub fn sequence(&self) -> u64 {
        self.word64(0).load(Ordering::SeqCst)
    }

    /// Sets the mailbox's sequence, as a writer would.
    pub fn set_sequence(&self, sequence: u64) {
        self.word64(0).store(sequence, Ordering::SeqCst);
    }

    /// The mailbox's length word (offset 8).
    pub fn len(&self) -> u32 {
        self.word32(8).load(Ordering::SeqCst)
    }

    /// Sets the mailbox's length word.
    pub fn set_len(&self, len: u32) {
        self.word32(8).store(len, Ordering::SeqCst);
    }

    /// The first `len` bytes of the mailbox's text (offset 16), at most its capacity.
    pub fn text(&self, len: usize) -> Vec<u8> {
        self.bytes(16, len.min(MAILBOX_CAPACITY))
    }

    /// Puts `text` in the mailbox with `sequence`, the way a writer does: the sequence odd
    /// first, then the bytes and the length, then `sequence`.
    pub fn put_message(&self, sequence: u64, text: &[u8]) {
        self.set_sequence(sequence | 1);
        for (at, &byte) in text.iter().enumerate() {
            self.byte(16 + at).store(byte, Ordering::Relaxed);
        }
        self.set_len(text.len() as u32);
        self.set_sequence(sequence);
    }
}

/// Test message `index` as `step02-msg flood` publishes it: `test INDEX len LEN |`, then
/// letters up to LEN bytes (40 to 4080). The format of the given `test_message.rs`, built
/// again here so that the grader checks the writer without trusting the code under test.
pub fn test_message(index: u64) -> Vec<u8> {
    let spread = (MAILBOX_CAPACITY - 40 + 1) as u64;
    let len = 40 + (index.wrapping_mul(2_654_435_761) % spread) as usize;
    let mut text = format!("test {index} len {len} |").into_bytes();
    let header = text.len();
    text.extend(
        (header..len).map(|position| b'a' + ((index % 26 + (position % 26) as u64) % 26) as u8),
    );
    text
}

/// What is wrong with `text` (a length and the bytes read) as a copy of `expected`, or
/// `None` if it is exact.
pub fn difference(len: usize, text: &[u8], expected: &[u8]) -> Option<String> {
    if len != expected.len() {
        return Some(format!(
            "the length word was {len}, not {} (the text starts \"{}\")",
            expected.len(),
            text[..text.len().min(24)].escape_ascii()
        ));
    }
    let at = text
        .iter()
        .zip(expected)
        .position(|(got, want)| got != want)?;
    Some(format!(
        "byte {at} of the text was {:?} instead of {:?} (the text starts \"{}\")",
        char::from(text[at]),
        char::from(expected[at]),
        text[..text.len().min(24)].escape_ascii()
    ))
}

/// Waits until process `pid` is stopped (state `T` in `/proc/PID/stat`): the kernel has
/// switched it out, so every store it made is visible.
pub fn wait_until_stopped(pid: i32) -> Result<()> {
    let start = Instant::now();
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
        let state = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next());
        match state {
            Some('T') => return Ok(()),
            Some('Z') => anyhow::bail!("process {pid} exited instead of stopping"),
            _ => {}
        }
        ensure!(
            start.elapsed() < Duration::from_secs(2),
            "process {pid} did not stop within 2 s of SIGSTOP (state {state:?})"
        );
        sleep(Duration::from_micros(20));
    }
}

/// A `step02-msg write TEXT` stopped by the grader's ptrace in its claim loop, and the
/// grader's attachment of its mailbox (project id 5), which holds message #1 (`first`)
/// with the sequence odd (3: another writer busy), so that the writer waits. `None`,
/// after a note, if this system does not let the grader trace (a locked-down container).
pub fn traced_writer(
    sb: &Sandbox,
    first: &str,
    text: &str,
) -> Result<Option<(Proc, GraderAttachment)>> {
    ok(
        sb,
        "step02-msg",
        "write",
        &["--create", "--proj-id", "5", first],
    )?;
    let id = segment_id(sb, 5)?;
    let mailbox = GraderAttachment::new(id)?;
    mailbox.set_sequence(3);
    let mut writer = spawn(sb, "step02-msg", "write", &["--proj-id", "5", text])?;
    eventually(
        Duration::from_secs(5),
        "`step02-msg write` did not attach the mailbox",
        || ipc::segment_info(id).is_some_and(|s| s.attached == 2) || !writer.is_running(),
    )?;
    sleep(Duration::from_millis(50));
    if !writer.is_running() {
        let out = writer.wait(Duration::from_secs(1))?;
        step_one_done(&out)?;
        anyhow::bail!(
            "while the sequence is odd (3: another writer busy) `step02-msg write` must wait \
             for it, but it exited: {}",
            out.describe()
        );
    }
    match trace::stop(writer.pid())? {
        Ok(()) => {}
        Err(why) if why == nix::errno::Errno::EPERM => {
            eprintln!("note: the grader may not trace `step02-msg write` ({why}); check skipped");
            return Ok(None);
        }
        Err(why) => {
            let out = writer.wait(Duration::from_secs(1))?;
            step_one_done(&out)?;
            anyhow::bail!(
                "the grader could not trace `step02-msg write` ({why}), which was waiting for \
                 an odd sequence to become even: {}",
                out.describe()
            );
        }
    }
    ensure!(
        mailbox.sequence() == 3,
        "while the sequence was odd (3: another writer busy), `step02-msg write` changed it to \
         {}: it must wait until the sequence is even",
        mailbox.sequence()
    );
    Ok(Some((writer, mailbox)))
}

/// Fails unless the single-stepped `writer` published (`Stepped::Done`); then waits for it
/// to exit successfully.
pub fn finish_traced_writer(
    mut writer: Proc,
    stepped: Stepped,
    mailbox: &GraderAttachment,
) -> Result<()> {
    match stepped {
        Stepped::Done => {}
        Stepped::Ended(steps) => anyhow::bail!(
            "the traced `step02-msg write` exited after {steps} instructions without \
             publishing (sequence {}); stderr: {}",
            mailbox.sequence(),
            writer.stderr_text()
        ),
        Stepped::OutOfTime(steps) => anyhow::bail!(
            "the traced `step02-msg write` did not publish within {steps} instructions (10 s) \
             once the sequence was even again (it is {})",
            mailbox.sequence()
        ),
    }
    writer
        .wait(Duration::from_secs(5))?
        .expect_success("`step02-msg write`, traced while it published")?;
    Ok(())
}
