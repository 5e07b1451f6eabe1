//! What every test of step 4 uses: starting the server and clients in the sandbox's
//! room, reading their chat, waiting for what they print, and the documented layout of
//! the shared segment. Step 5's grader uses it too: the programs it starts are the
//! grader's `SERVER` and `CLIENT` (`step04-server`, or `step05-server`, ...).

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};

use crate::harness;
use crate::harness::{Cmd, Output, Proc, Sandbox, ipc};

/// The room's three keys, computed by the grader: ftok(room, 'Q' / 'M' / 'S').
pub fn keys(sb: &Sandbox) -> (i32, i32, i32) {
    (sb.key(b'Q'), sb.key(b'M'), sb.key(b'S'))
}

/// A command of the package under test: `spec` is a binary's name, then the arguments
/// that always come with it (`"ipc-chat server"` for step 7's subcommands).
pub fn program(sb: &Sandbox, spec: &str) -> Cmd {
    let mut words = spec.split_whitespace();
    let binary = words.next().unwrap_or(spec);
    sb.cmd(binary).args(words)
}

/// The command that runs the server in the sandbox's room, for as long as a test may last.
pub fn server_cmd(sb: &Sandbox) -> Cmd {
    program(sb, crate::SERVER)
        .arg("--room")
        .arg(sb.path())
        .limit(Duration::from_secs(110))
}

/// Runs a server in the sandbox's room that is expected to stop by itself (at once, with
/// an error, in the tests that use it): it is killed after 10 s.
pub fn run_server(sb: &Sandbox) -> Result<Output> {
    sb.run(server_cmd(sb).limit(Duration::from_secs(10)))
}

/// Starts the server in the sandbox's room and waits until its queue exists.
pub fn start_server(sb: &Sandbox) -> Result<Proc> {
    let mut server = sb.spawn(server_cmd(sb))?;
    let start = Instant::now();
    while ipc::find(ipc::Kind::Queue, keys(sb).0).is_none() {
        if !server.is_running() {
            bail!(
                "the server exited at start: {}",
                server.wait(Duration::from_secs(1))?.describe()
            );
        }
        ensure!(
            start.elapsed() < Duration::from_secs(10),
            "the server made no queue within 10 s"
        );
        sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// Starts a client named `name` and waits until it has seen its own join.
pub fn join(sb: &Sandbox, name: &str) -> Result<Proc> {
    let mut client = spawn_client(sb, name, &[])?;
    let notice = format!("* {name} joined");
    client.wait_for_stdout(Duration::from_secs(15), &format!("{notice:?}"), |out| {
        out.contains(&notice)
    })?;
    Ok(client)
}

/// Starts a client with piped stdin (and extra arguments).
pub fn spawn_client(sb: &Sandbox, name: &str, extra: &[&str]) -> Result<Proc> {
    let room = sb.path().to_owned();
    sb.spawn(
        program(sb, crate::CLIENT)
            .arg("--room")
            .arg(&room)
            .args(["--name", name])
            .args(extra)
            .stdin_piped()
            .limit(Duration::from_secs(110)),
    )
}

/// Stops `server` with SIGINT and fails unless it exits successfully; `which` names it
/// in the failure ("the restarted server").
pub fn stop_server(server: &mut Proc, which: &str) -> Result<()> {
    server.signal(harness::Signal::SIGINT);
    server
        .wait(Duration::from_secs(10))?
        .expect_success(&format!("{which}, on SIGINT"))?;
    Ok(())
}

/// Types `line` into a client.
pub fn say(client: &mut Proc, line: &str) -> Result<()> {
    client.write(format!("{line}\n").as_bytes())
}

/// The chat lines of a client's output, without their times: `<alice> hello`.
pub fn chat_lines(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.split_once("] <").map(|(_, rest)| format!("<{rest}")))
        .collect()
}

/// Waits until `client` has printed at least `count` chat lines; returns them.
pub fn wait_for_chat(client: &mut Proc, count: usize) -> Result<Vec<String>> {
    let out = client.wait_for_stdout(
        Duration::from_secs(30),
        &format!("{count} chat lines"),
        |out| chat_lines(out).len() >= count,
    )?;
    Ok(chat_lines(&out))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Waits until `process` has printed `phrase` on stderr; fails after `limit` with `what`,
/// the phrase, and what the process did print (the exact words matter to the grader).
pub fn stderr_says(process: &Proc, limit: Duration, phrase: &str, what: &str) -> Result<()> {
    let end = Instant::now() + limit;
    while !process.stderr_text().contains(phrase) {
        ensure!(
            Instant::now() < end,
            "{what}: after {limit:?} its stderr still does not say {phrase:?}; it printed:{}",
            harness::sandbox::excerpt(&process.stderr_text())
        );
        sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Fails unless `condition` becomes true within `limit`.
pub fn eventually(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) -> Result<()> {
    let end = Instant::now() + limit;
    while !condition() {
        ensure!(Instant::now() < end, "{what} (waited {limit:?})");
        sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Reads a little-endian integer of `N` bytes at `offset` of `bytes`.
pub fn le<const N: usize>(bytes: &[u8], offset: usize) -> u64 {
    let mut value = [0u8; 8];
    value[..N].copy_from_slice(&bytes[offset..offset + N]);
    u64::from_le_bytes(value)
}
