//! What every test of step 2 uses: the segments' sizes and project ids, running the
//! step's binaries (a step 1 stub is reported as such), and the kernel's view of a segment.

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};

use crate::harness;
use crate::harness::{Output, Proc, Sandbox, ipc};

/// The project id of the mailbox (and of `step02-shm` by default).
pub const MAILBOX_PROJ: u8 = 2;
/// The project id of the counter.
pub const COUNTER_PROJ: u8 = 3;
/// The size of a mailbox segment: a 16-byte header and 4080 bytes of text.
pub const MAILBOX_SIZE: usize = 4096;
/// The most text a mailbox holds.
pub const MAILBOX_CAPACITY: usize = 4080;
/// The size of a counter segment: the count and the start line, two u64.
pub const COUNTER_SIZE: usize = 16;

/// Runs `binary subcommand --path SANDBOX extra...` to completion.
pub fn run(sb: &Sandbox, binary: &str, subcommand: &str, extra: &[&str]) -> Result<Output> {
    run_cmd(sb, command(sb, binary, subcommand, extra))
}

/// Runs `cmd` to completion; fails at once, saying so, if it stopped at a stub of step 1.
pub fn run_cmd(sb: &Sandbox, cmd: harness::Cmd) -> Result<Output> {
    let out = sb.run(cmd)?;
    step_one_done(&out)?;
    Ok(out)
}

/// Step 2 runs on the student's step 1 (keys, errors): a step 1 stub is not a step 2 bug.
pub fn step_one_done(out: &Output) -> Result<()> {
    let note = harness::sandbox::stub_note(&out.stderr_text());
    ensure!(
        !note.contains("exercise 1."),
        "step 2 builds on your step 1, which is not finished: {}\n\
         Finish step 1 first (`make check-step 1`); this test then checks step 2.",
        out.describe()
    );
    Ok(())
}

/// Starts `binary subcommand --path SANDBOX extra...` in the background, stdin piped.
pub fn spawn(sb: &Sandbox, binary: &str, subcommand: &str, extra: &[&str]) -> Result<Proc> {
    sb.spawn(command(sb, binary, subcommand, extra).stdin_piped())
}

/// The command `binary subcommand --path SANDBOX extra...`.
pub fn command(sb: &Sandbox, binary: &str, subcommand: &str, extra: &[&str]) -> harness::Cmd {
    sb.cmd(binary)
        .arg(subcommand)
        .arg("--path")
        .arg(sb.path())
        .args(extra)
}

/// `binary subcommand extra...`, for messages.
pub fn shown(binary: &str, subcommand: &str, extra: &[&str]) -> String {
    let mut words = vec![binary, subcommand];
    words.extend(extra);
    format!("`{}`", words.join(" "))
}

/// Runs a command that must succeed; returns its output.
pub fn ok(sb: &Sandbox, binary: &str, subcommand: &str, extra: &[&str]) -> Result<Output> {
    let out = run(sb, binary, subcommand, extra)?;
    out.expect_success(&shown(binary, subcommand, extra))?;
    Ok(out)
}

/// Runs a command that must fail with a clear error (exit status 1, no panic, no
/// signal); returns its stderr.
pub fn fails(
    sb: &Sandbox,
    binary: &str,
    subcommand: &str,
    extra: &[&str],
    why: &str,
) -> Result<String> {
    let out = run(sb, binary, subcommand, extra)?;
    let command = shown(binary, subcommand, extra);
    ensure!(
        !out.stderr_text().contains("panicked"),
        "{command} must fail with a clear error ({why}), but it panicked: {}",
        out.describe()
    );
    ensure!(
        out.code() == Some(1),
        "{command} must fail with exit status 1 ({why}): {}",
        out.describe()
    );
    Ok(out.stderr_text())
}

/// The id of the segment with the sandbox's key for `proj`, as the kernel says.
pub fn segment_id(sb: &Sandbox, proj: u8) -> Result<i32> {
    ipc::find(ipc::Kind::Segment, sb.key(proj)).with_context(|| {
        format!(
            "there is no segment under the key ftok(sandbox, {proj}) = {:#010x}",
            sb.key(proj)
        )
    })
}

/// What `shmctl(IPC_STAT)` says of segment `id`.
pub fn info(id: i32) -> Result<ipc::SegmentInfo> {
    ipc::segment_info(id).with_context(|| format!("segment {id} does not exist (any more)"))
}

/// A copy of segment `id`'s bytes, made through a read-only attachment of the grader's own.
pub fn read_segment(id: i32) -> Result<Vec<u8>> {
    info(id)?;
    ipc::read_segment_by_id(id).with_context(|| {
        format!(
            "the grader cannot attach segment {id}: {}",
            std::io::Error::last_os_error()
        )
    })
}

/// The little-endian u64 at `offset` of `bytes`.
pub fn u64_at(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap_or_default())
}

/// The little-endian u32 at `offset` of `bytes`.
pub fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap_or_default())
}

/// Waits until `check` holds (polling), or fails with `what` after `limit`.
pub fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) -> Result<()> {
    let start = Instant::now();
    while !check() {
        ensure!(start.elapsed() < limit, "{what} (waited {limit:?})");
        sleep(Duration::from_millis(10));
    }
    Ok(())
}
