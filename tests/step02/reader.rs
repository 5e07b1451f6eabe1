//! Exercise 2.6: reading the mailbox without ever returning a torn message, while writers
//! are busy or the mailbox is damaged, and under loom's memory model.

use std::thread::sleep;
use std::time::Duration;

use anyhow::{Result, ensure};

use crate::common::{
    MAILBOX_CAPACITY, MAILBOX_PROJ, command, ok, run, segment_id, spawn, step_one_done,
};
use crate::harness;
use crate::harness::Sandbox;
use crate::mailbox::{GraderAttachment, test_message};

// ---------------------------------------------------------------- 2.6

pub fn reader_started_first_waits_for_the_message(sb: &mut Sandbox) -> Result<()> {
    // An all-zero segment of the mailbox's size is an empty mailbox: no initialization.
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let out = run(sb, "step02-msg", "read", &[])?;
    ensure!(
        out.code() == Some(3) && out.stderr_text().contains("no message"),
        "reading an empty mailbox must print \"no message\" and exit with status 3: {}",
        out.describe()
    );
    let mut reader = spawn(sb, "step02-msg", "read", &["--wait"])?;
    sleep(Duration::from_millis(300));
    ensure!(
        reader.is_running(),
        "`read --wait` on an empty mailbox must wait for a message, but it exited: {}",
        reader.wait(Duration::from_secs(1))?.describe()
    );
    ok(sb, "step02-msg", "write", &["wake up"])?;
    let out = reader.wait(Duration::from_secs(5))?;
    out.expect_success("`step02-msg read --wait`")?;
    ensure!(
        out.stdout_text() == "[#1] wake up\n",
        "the waiting reader must print \"[#1] wake up\", got {:?}",
        out.stdout_text()
    );
    let mut reader = spawn(sb, "step02-msg", "read", &["--wait", "--after", "1"])?;
    sleep(Duration::from_millis(200));
    ensure!(
        reader.is_running(),
        "`read --wait --after 1` must wait for message #2: {}",
        reader.wait(Duration::from_secs(1))?.describe()
    );
    ok(sb, "step02-msg", "write", &["second"])?;
    let out = reader.wait(Duration::from_secs(5))?;
    ensure!(
        out.stdout_text() == "[#2] second\n",
        "the reader waiting after #1 must print \"[#2] second\", got {:?}",
        out.stdout_text()
    );
    Ok(())
}

pub fn reader_polling_during_a_flood_never_sees_a_torn_message(sb: &mut Sandbox) -> Result<()> {
    const MESSAGES: u64 = 20_000;
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let mut checker = sb.spawn(
        command(
            sb,
            "step02-msg",
            "check",
            &["--until", &MESSAGES.to_string(), "--seconds", "40"],
        )
        .limit(Duration::from_secs(45)),
    )?;
    sleep(Duration::from_millis(200));
    ensure!(
        checker.is_running(),
        "`step02-msg check` must keep reading an empty mailbox until the messages come: {}",
        checker.wait(Duration::from_secs(1))?.describe()
    );
    // The grader is the writer here, publishing the way `flood` does (sequence 2n with
    // test message n), so that this test grades the reader alone (2.6), whatever the
    // student's writer (2.5) does.
    let mailbox = GraderAttachment::new(segment_id(sb, MAILBOX_PROJ)?)?;
    for index in 1..=MESSAGES {
        mailbox.put_message(2 * index, &test_message(index));
    }
    drop(mailbox);
    let out = checker.wait(Duration::from_secs(40))?;
    let stdout = out.stdout_text();
    ensure!(
        out.success() && stdout.contains(": 0 torn"),
        "a reader polling while the writer published must never copy a half-written message: {}",
        out.describe()
    );
    // "checked R copies of D different messages ...": the reader must really have raced.
    let distinct: u64 = stdout
        .split(" copies of ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    ensure!(
        distinct >= 50,
        "the reader saw only {distinct} different messages while 20000 were published, too few \
         to prove anything: {}",
        out.describe()
    );
    Ok(())
}

pub fn reader_waits_while_a_writer_is_busy(sb: &mut Sandbox) -> Result<()> {
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let mailbox = GraderAttachment::new(segment_id(sb, MAILBOX_PROJ)?)?;
    // Message #1, then a writer busy with message #2 (the grader writes, not step02-msg).
    mailbox.put_message(2, b"patience");
    mailbox.set_sequence(3);
    let mut reader = spawn(sb, "step02-msg", "read", &[])?;
    sleep(Duration::from_millis(300));
    if !reader.is_running() {
        let out = reader.wait(Duration::from_secs(1))?;
        step_one_done(&out)?;
        anyhow::bail!(
            "while the sequence is odd (3: a writer is copying message #2 in) a plain \
             `step02-msg read` must wait and look again (with a Backoff), not answer at once; \
             it exited: {}",
            out.describe()
        );
    }
    mailbox.set_sequence(4); // The writer is done.
    let out = reader.wait(Duration::from_secs(5))?;
    step_one_done(&out)?;
    out.expect_success("`step02-msg read` once the sequence was even again (4)")?;
    ensure!(
        out.stdout_text() == "[#2] patience\n",
        "once the sequence was even again (4), the waiting reader must print \"[#2] patience\", \
         got {:?}",
        out.stdout_text()
    );
    Ok(())
}

pub fn reader_survives_a_garbage_length(sb: &mut Sandbox) -> Result<()> {
    ok(sb, "step02-shm", "create", &["--size", "4096"])?;
    let mailbox = GraderAttachment::new(segment_id(sb, MAILBOX_PROJ)?)?;
    mailbox.put_message(2, b"hello");
    // What a reader may load in the middle of a write, here with an even sequence.
    mailbox.set_len(u32::MAX);
    let out = run(sb, "step02-msg", "read", &["--raw"])?;
    let clamped = out.code() == Some(0)
        && out.stdout.len() <= MAILBOX_CAPACITY
        && out.stdout.starts_with(b"hello");
    let refused = out.code() == Some(1);
    ensure!(
        (clamped || refused) && !out.stderr_text().contains("panicked"),
        "with the length word (offset 8) at 0xffffffff, garbage, and the sequence even, \
         `step02-msg read --raw` must neither crash nor read past the text: clamp the length to \
         MAILBOX_CAPACITY (4080) before copying (or fail with a clear error). Instead {}",
        if out.code() == Some(0) {
            format!(
                "it printed {} bytes starting {:?}",
                out.stdout.len(),
                out.stdout[..out.stdout.len().min(16)]
                    .escape_ascii()
                    .to_string()
            )
        } else {
            out.describe()
        }
    );
    Ok(())
}

// ---------------------------------------------------------------- the memory model (loom)

pub fn a_read_is_never_torn_under_the_memory_model(sb: &mut Sandbox) -> Result<()> {
    harness::loom::check(
        sb,
        "mailbox",
        "02-shared-memory",
        "read_never_returns_a_torn_copy",
    )
}
