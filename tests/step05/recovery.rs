//! Exercise 5.4: the walk over a whole file, as the reader prints it and as the server
//! recovers it: torn tails, garbage and foreign files.

use std::fs;
use std::time::Duration;

use anyhow::{Result, ensure};

use crate::common::{
    eventually, join, keys, now_ms, run_server, say, server_cmd, start_server, stderr_says,
};
use crate::harness::{Proc, Sandbox, ipc};
use crate::logfile::{
    CHAT, INITIAL_SIZE, Lcg, PATIENCE, crafted, crafted_line, header, lock_is_free, lock_path,
    log_path, nonzero_span, record, shown_lines,
};

pub fn the_reader_prints_exactly_what_clients_saw(sb: &mut Sandbox) -> Result<()> {
    let _server = start_server(sb)?;
    let mut watcher = join(sb, "watcher")?;
    let mut alice = join(sb, "alice")?;
    let mut bob = join(sb, "bob")?;
    for i in 1..=3 {
        say(&mut alice, &format!("alice {i}"))?;
    }
    say(&mut bob, "/msg alice a secret that is never in the log")?;
    say(&mut bob, "bob 1")?;
    alice.wait_for_stdout(PATIENCE, "bob's private line", |out| {
        out.contains("a secret")
    })?;
    say(&mut alice, "/quit")?;
    alice.wait(Duration::from_secs(10))?;
    let out = watcher.wait_for_stdout(PATIENCE, "\"* alice left\"", |out| {
        out.contains("* alice left")
    })?;
    let watched: Vec<&str> = out.lines().filter(|l| l.starts_with('[')).collect();
    let room = sb.path().to_owned();
    let read = sb.run(sb.cmd("step05-log").arg("--room").arg(&room))?;
    read.expect_success("step05-log on a running room")?;
    let printed = read.stdout_text();
    let printed: Vec<&str> = printed.lines().collect();
    ensure!(
        printed == watched,
        "step05-log should print the history exactly as the watcher (who joined first) saw it, \
         times included:\nwatcher:    {watched:?}\nstep05-log: {printed:?}"
    );
    let last = sb.run(
        sb.cmd("step05-log")
            .arg("--room")
            .arg(&room)
            .args(["--last", "2"]),
    )?;
    last.expect_success("step05-log --last 2")?;
    let last_text = last.stdout_text();
    let last: Vec<&str> = last_text.lines().collect();
    ensure!(
        last == watched[watched.len() - 2..],
        "step05-log --last 2 should print the last 2 lines {:?}, it printed {last:?}",
        &watched[watched.len() - 2..]
    );
    Ok(())
}

pub fn a_gap_in_the_numbers_or_a_short_tail_ends_the_good_records(sb: &mut Sandbox) -> Result<()> {
    use crate::logfile::seal;
    use crate::records::{Variant, reader_stops_at_each};
    reader_stops_at_each(
        sb,
        &[
            Variant {
                what: "a gap in the numbers (3 is numbered 7, crc recomputed)",
                damage: |r| {
                    r[8] = 7;
                    seal(r)
                },
            },
            Variant {
                what: "a number repeated (3 is numbered 2, crc recomputed)",
                damage: |r| {
                    r[8] = 2;
                    seal(r)
                },
            },
        ],
    )?;
    // Fewer bytes than a record header, at the very end of the file, that are not zero.
    let (mut bytes, _) = crafted(5, now_ms() - 3_600_000);
    let tail_at = bytes.len();
    bytes.extend([0x5a; 8]);
    expect_recovery(
        sb,
        &bytes,
        tail_at,
        5,
        "gus",
        "a log that ends with 8 bytes that are not zero, too few for a record",
        start_server,
    )?;
    Ok(())
}

pub fn a_torn_tail_is_cut_off_with_the_documented_warning(sb: &mut Sandbox) -> Result<()> {
    let time = now_ms() - 3_600_000;
    let (mut bytes, _) = crafted(6, time);
    let torn_at = bytes.len();
    // Record 7 as a server killed between the body and the length leaves it.
    let mut torn = record(
        7,
        time + 7,
        4007,
        CHAT,
        "ann",
        "the length of this line was never written",
    );
    torn[0..4].fill(0);
    bytes.extend(&torn);
    bytes.resize(INITIAL_SIZE as usize, 0);
    expect_recovery(
        sb,
        &bytes,
        torn_at,
        6,
        "eve",
        "a log whose last record's length was never written",
        start_server_while_a_reader_holds_the_log,
    )?;
    Ok(())
}

pub fn garbage_after_the_last_record_is_dropped(sb: &mut Sandbox) -> Result<()> {
    let (mut bytes, _) = crafted(5, now_ms() - 3_600_000);
    let garbage_at = bytes.len();
    let mut random = Lcg(5);
    bytes.push(0xa5);
    bytes.extend((0..299).map(|_| random.below(256) as u8));
    bytes.resize(INITIAL_SIZE as usize, 0);
    fs::write(log_path(sb), &bytes)?;
    let room = sb.path().to_owned();
    let read = sb.run(sb.cmd("step05-log").arg("--room").arg(&room))?;
    read.expect_success("step05-log on a log with garbage after its 5 records")?;
    let all: Vec<String> = (1..=5).map(crafted_line).collect();
    ensure!(
        shown_lines(&read.stdout_text()) == all,
        "step05-log should print the 5 records before the garbage, it printed {:?}",
        shown_lines(&read.stdout_text())
    );
    ensure!(
        fs::read(log_path(sb))? == bytes,
        "step05-log changed the file: only a server repairs a log"
    );
    expect_recovery(
        sb,
        &bytes,
        garbage_at,
        5,
        "fay",
        "a log with 300 bytes of garbage after its last record",
        start_server,
    )?;
    Ok(())
}

pub fn a_foreign_file_is_refused_and_left_byte_for_byte_unchanged(sb: &mut Sandbox) -> Result<()> {
    let mut version_2 = header(now_ms());
    version_2[8] = 2;
    let mut wide_header = header(now_ms());
    wide_header[12] = 128;
    let mut lowercase = header(now_ms());
    lowercase[..8].copy_from_slice(b"ipcchlog");
    let foreign: [(&str, Vec<u8>); 6] = [
        ("an empty file", Vec::new()),
        ("a text file", "my notes\n".repeat(200).into_bytes()),
        (
            "20 bytes that start like a log",
            b"IPCCHLOG\x01\0\0\0@\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
        ),
        ("a log header of version 2", version_2),
        ("a header_size of 128", wide_header),
        ("a magic in lower case", lowercase),
    ];
    for (what, mut bytes) in foreign {
        if bytes.len() >= 64 {
            bytes.resize(4096, 0);
        }
        fs::write(log_path(sb), &bytes)?;
        let out = run_server(sb)?;
        out.expect_failure_saying(
            "is not a chat log",
            &format!("a server whose chat.log is {what} must refuse it"),
        )?;
        ensure!(
            fs::read(log_path(sb))? == bytes,
            "the server changed chat.log ({what}): a file that is not a chat log must be left \
             exactly as it is"
        );
        let (queue, segment, semaphores) = keys(sb);
        ensure!(
            ipc::find(ipc::Kind::Queue, queue).is_none()
                && ipc::find(ipc::Kind::Segment, segment).is_none()
                && ipc::find(ipc::Kind::Semaphores, semaphores).is_none(),
            "a server that refuses its log ({what}) must not leave IPC objects behind"
        );
        ensure!(
            lock_is_free(&lock_path(sb))?,
            "the refusing server ({what}) still holds server.lock"
        );
    }
    Ok(())
}

/// Writes `bytes` as the room's log (the crafted records, then damage at `at`), starts a
/// server and checks its recovery: its warning names the bytes dropped from `at` on, the
/// bytes before `at` are kept and only zeros follow them, and a client `joiner` sees the
/// `kept` records, then its own join. Returns the server, which `start` starts. `what`
/// describes the log.
pub fn expect_recovery(
    sb: &Sandbox,
    bytes: &[u8],
    at: usize,
    kept: usize,
    joiner: &str,
    what: &str,
    start: fn(&Sandbox) -> Result<Proc>,
) -> Result<Proc> {
    fs::write(log_path(sb), bytes)?;
    let dropped = nonzero_span(bytes, at);
    let server = start(sb)?;
    stderr_says(
        &server,
        PATIENCE,
        &format!("dropped {dropped} bytes at offset {at}"),
        &format!("the server, opening {what}"),
    )?;
    let now = fs::read(log_path(sb))?;
    ensure!(
        now.len() >= at && now[..at] == bytes[..at],
        "the server must keep the {kept} good records before offset {at}, byte for byte ({what})"
    );
    ensure!(
        now[at..].iter().all(|&b| b == 0),
        "everything from offset {at} on must be gone from the file (truncated) ({what})"
    );
    let mut client = join(sb, joiner)?;
    let mut history: Vec<String> = (1..=kept).map(crafted_line).collect();
    history.push(format!("* {joiner} joined"));
    let out = client.wait_for_stdout(PATIENCE, "the good records and its join", |out| {
        shown_lines(out).len() >= history.len()
    })?;
    ensure!(
        shown_lines(&out) == history,
        "after recovering {what}, a client should see the {kept} good records, then its \
         join:\nexpected {history:?}\nsaw      {:?}",
        shown_lines(&out)
    );
    Ok(server)
}

/// Starts the server while the grader holds a shared flock on chat.log, as a reader that
/// has the file mapped does, and checks that the server does not cut the file shorter
/// until the reader lets go (a reader would get SIGBUS on the pages that disappear).
pub fn start_server_while_a_reader_holds_the_log(sb: &Sandbox) -> Result<Proc> {
    use nix::fcntl::{Flock, FlockArg};
    let before = fs::read(log_path(sb))?;
    let reader = Flock::lock(fs::File::open(log_path(sb))?, FlockArg::LockSharedNonblock)
        .map_err(|(_, errno)| anyhow::anyhow!("the grader cannot lock chat.log: {errno}"))?;
    let mut server = sb.spawn(server_cmd(sb))?;
    std::thread::sleep(Duration::from_secs(1));
    ensure!(
        server.is_running(),
        "the server must wait for a reader of chat.log to let go before it repairs the \
         log, not exit: {}",
        server.stderr_text()
    );
    ensure!(
        fs::read(log_path(sb))? == before,
        "the server changed chat.log while a reader held a shared flock on it (as \
         step05-log does while it has the file mapped): a reader would get SIGBUS"
    );
    drop(reader);
    eventually(
        PATIENCE,
        "the server made no queue after the reader let go",
        || ipc::find(ipc::Kind::Queue, keys(sb).0).is_some(),
    )?;
    Ok(server)
}
