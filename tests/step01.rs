//! Grader of step 1: message queues. Black-box tests of `step01-send`, `step01-recv` and
//! `step01-rm`, checked against what the kernel says (via the grader's own `ipc` module).
//!
//! Run with `make check-step 1` (your code in steps/) or `make check-step 1 IMPL=solutions`.

mod harness;

use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use harness::{Sandbox, Signal, Step, ipc, test};

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 1,
            title: "message queues",
            package: "step01-message-queue",
        },
        vec![
            test!(
                missing_key_file_is_reported_by_name,
                "1.1", 5 points, 20 s,
                "Key::from_path must return IpcError::KeyFile (with the path) when ftok returns -1.",
            ),
            test!(
                keys_come_from_ftok_of_path_and_project_id,
                "1.1", 10 points, 20 s,
                "The key is ftok(3) of the path and the project id, nothing else; different project \
                 ids give different keys. `step01-probe key --path DIR --proj-id N` prints yours.",
            ),
            test!(
                create_makes_a_queue_with_the_given_mode,
                "1.2", 5 points, 20 s,
                "msgget must get the flags of the attempt unchanged: they carry IPC_CREAT, IPC_EXCL and the permission bits.",
            ),
            test!(
                creation_modes_make_exactly_the_calls_they_need,
                "1.2", 7 points, 20 s,
                "Create-exclusive makes one create attempt, open-existing one open; open-or-create tries to \
                 create, opens on \"already exists\", and starts over when the object vanished in between \
                 (\"not found\"). Any other failure ends it. `step01-probe` shows the calls your code makes.",
            ),
            test!(
                create_uses_an_existing_queue_and_exclusive_refuses_it,
                "1.2", 4 points, 20 s,
                "With --create an existing queue is opened, not an error; with --create --exclusive it is \
                 refused (\"File exists\"), and nothing is sent.",
            ),
            test!(
                opening_a_missing_queue_fails_clearly,
                "1.2", 4 points, 20 s,
                "msgget(key, 0) on a key without a queue returns -1 with ENOENT: return that error \
                 (retry_on_eintr does it), do not panic or create a queue.",
            ),
            test!(
                exact_bytes_round_trip,
                "1.3", 8 points, 20 s,
                "Send exactly payload.len() bytes (the size excludes mtype) from a MessageBuffer \
                 built with MessageBuffer::for_send; the grader reads the queue itself.",
            ),
            test!(
                oversize_payload_is_refused_and_nothing_is_sent,
                "1.3", 8 points, 20 s,
                "Compare payload.len() with limits::msgmax() before calling msgsnd and return \
                 IpcError::TooLarge; exactly msgmax bytes must still be accepted.",
            ),
            test!(
                only_positive_types_are_sent_and_the_extremes_work,
                "1.3", 4 points, 20 s,
                "msgsnd needs mtype > 0: refuse 0 and negative types before the call (the error \
                 says \"positive\"), and keep every positive type, 1 and i64::MAX included, as it is.",
            ),
            test!(
                a_full_queue_with_nowait_sends_nothing,
                "1.3", 5 points, 20 s,
                "With IPC_NOWAIT, msgsnd on a full queue fails with EAGAIN: return Ok(false) (the caller \
                 then says the queue is full), not an error.",
            ),
            test!(
                receiver_started_first_blocks_then_gets_the_message,
                "1.4", 8 points, 30 s,
                "Without IPC_NOWAIT msgrcv blocks until a message arrives; a signal handler running \
                 meanwhile (step01-recv has one for SIGUSR1) makes it fail with EINTR, which must be \
                 retried (retry_on_eintr).",
            ),
            test!(
                type_filter_takes_only_the_asked_type,
                "1.4", 7 points, 30 s,
                "Pass msgtyp to msgrcv unchanged: 0 = any, > 0 = exactly that type, < 0 = lowest \
                 type up to |msgtyp|. Other messages must stay queued.",
            ),
            test!(
                messages_of_one_type_arrive_in_order,
                "1.4", 6 points, 30 s,
                "Each msgrcv takes the oldest matching message; return its bytes and its mtype.",
            ),
            test!(
                the_receiver_reports_a_removed_queue,
                "1.4", 4 points, 20 s,
                "Only ENOMSG means \"no message\"; any other msgrcv error (EIDRM when the queue is removed) \
                 must be returned as an error.",
            ),
            test!(
                nowait_on_an_empty_queue_reports_no_message,
                "1.4", 5 points, 20 s,
                "With IPC_NOWAIT and nothing matching, msgrcv fails with ENOMSG: return Ok(None), \
                 which step01-recv reports as exit status 3.",
            ),
            test!(
                removal_leaves_no_queue_behind,
                "1.5", 6 points, 20 s,
                "msgctl(2) with IPC_RMID destroys the queue; a queue that is gone must make it fail.",
            ),
            test!(
                a_removal_the_kernel_refuses_is_reported,
                "1.5", 4 points, 20 s,
                "Only the queue's owner or creator may remove it: msgctl(2) then fails with EPERM. \
                 Check what msgctl returns, and report the failure (\"Operation not permitted\").",
            ),
        ],
    )
}

// ---------------------------------------------------------------- helpers

/// Puts a message of type `mtype` in the sandbox's queue (key ftok(sandbox, 1)), creating it.
fn send(sb: &Sandbox, mtype: i64, text: &str) -> Result<()> {
    // The grader's own msgget and msgsnd, not step01-send: a test of receiving or removing
    // then fails only for a bug in receiving or removing, never for one in sending (1.3).
    ipc::queue_for(sb.key(1))
        .and_then(|_| ipc::send_raw(sb.key(1), mtype, text.as_bytes()))
        .map_err(|error| {
            anyhow::anyhow!("the grader could not send {text:?} as type {mtype}: {error}")
        })
}

/// `step01-recv` with extra arguments; returns the finished process's output.
fn recv(sb: &Sandbox, extra: &[&str]) -> Result<harness::Output> {
    let path = sb.path().to_owned();
    sb.run(sb.cmd("step01-recv").arg("--path").arg(&path).args(extra))
}

/// Fails if a binary's stderr shows a panic rather than a clear error.
fn ensure_no_panic(out: &harness::Output) -> Result<()> {
    ensure!(
        !out.stderr_text().contains("panicked"),
        "expected a clear error message, but the program panicked: {}",
        out.describe()
    );
    Ok(())
}

/// Messages in the sandbox's queue (project id 1), as the kernel counts them.
fn queued(sb: &Sandbox) -> Result<u64> {
    match ipc::queue_info(sb.key(1)) {
        Some(info) => Ok(info.messages),
        None => bail!("there is no queue for the sandbox's key {:#x}", sb.key(1)),
    }
}

// ---------------------------------------------------------------- tests

fn missing_key_file_is_reported_by_name(sb: &mut Sandbox) -> Result<()> {
    let missing = sb.join("no-such-file");
    let out = sb.run(
        sb.cmd("step01-send")
            .arg("--path")
            .arg(&missing)
            .arg("--create")
            .arg("hi"),
    )?;
    ensure_no_panic(&out)?;
    ensure!(
        !out.success(),
        "sending with a missing key file must fail: {}",
        out.describe()
    );
    let stderr = out.stderr_text();
    ensure!(
        stderr.contains(&*missing.to_string_lossy()) && stderr.contains("No such file"),
        "the error must name the missing path and say \"No such file or directory\": {}",
        out.describe()
    );
    Ok(())
}

fn keys_come_from_ftok_of_path_and_project_id(sb: &mut Sandbox) -> Result<()> {
    // `step01-probe key` runs Key::from_path and nothing else of the library.
    let path = sb.path().to_owned();
    for proj in [1u8, 7, 255] {
        let out = sb.run(
            sb.cmd("step01-probe")
                .arg("key")
                .arg("--path")
                .arg(&path)
                .args(["--proj-id", &proj.to_string()]),
        )?;
        ensure_no_panic(&out)?;
        let expected = format!("key {:#010x}", sb.key(proj));
        ensure!(
            out.success() && out.stdout_text().trim() == expected,
            "the key of the sandbox with project id {proj} should be ftok's, {expected:?}: {}",
            out.describe()
        );
    }
    Ok(())
}

fn create_makes_a_queue_with_the_given_mode(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    sb.run(
        sb.cmd("step01-send")
            .arg("--path")
            .arg(&path)
            .args(["--create", "--mode", "640", "hello"]),
    )?
    .expect_success("sending with --create --mode 640")?;
    let Some(info) = ipc::queue_info(sb.key(1)) else {
        bail!(
            "no queue exists under the key ftok(dir, 1) = {:#x} after --create",
            sb.key(1)
        );
    };
    ensure!(
        info.mode == 0o640,
        "the queue's mode is {:o}, expected 640",
        info.mode
    );
    ensure!(
        info.messages == 1,
        "the queue holds {} messages, expected 1",
        info.messages
    );
    Ok(())
}

/// Runs `step01-probe` with `args` and returns its stdout, which must end in a result.
fn probe(sb: &Sandbox, args: &[&str]) -> Result<String> {
    let out = sb.run(sb.cmd("step01-probe").args(args))?;
    ensure_no_panic(&out)?;
    let stdout = out.stdout_text();
    ensure!(
        out.success() && stdout.contains("result: "),
        "step01-probe {} did not finish: {}",
        args.join(" "),
        out.describe()
    );
    Ok(stdout)
}

fn creation_modes_make_exactly_the_calls_they_need(sb: &mut Sandbox) -> Result<()> {
    let create = "create (flags IPC_CREAT|IPC_EXCL, permissions 640)";
    let open = "open (flags 0, permissions 000)";
    // (mode, what the kernel answers in turn, the calls expected, the result expected)
    let cases: [(&str, &str, &[&str], &str); 8] = [
        ("create-exclusive", "4", &[create], "result: id 4, created"),
        ("create-exclusive", "EEXIST", &[create], "result: error: "),
        ("open-existing", "3", &[open], "result: id 3, opened"),
        ("open-existing", "ENOENT", &[open], "result: error: "),
        ("open-or-create", "7", &[create], "result: id 7, created"),
        (
            "open-or-create",
            "EEXIST,5",
            &[create, open],
            "result: id 5, opened",
        ),
        (
            "open-or-create",
            "EEXIST,ENOENT,EEXIST,6",
            &[create, open, create, open],
            "result: id 6, opened",
        ),
        (
            "open-or-create",
            "EEXIST,EACCES",
            &[create, open],
            "result: error: ",
        ),
    ];
    for (mode, answers, calls, result) in cases {
        let out = probe(
            sb,
            &[
                "creation-mode",
                "--mode",
                mode,
                "--permissions",
                "640",
                "--answers",
                answers,
            ],
        )?;
        let made: Vec<&str> = out
            .lines()
            .filter_map(|line| {
                line.split_once(": ")
                    .filter(|(n, _)| n.starts_with("call "))
            })
            .map(|(_, call)| call)
            .collect();
        ensure!(
            made == calls && out.lines().any(|line| line.starts_with(result)),
            "CreationMode::{mode} with the kernel answering {answers} should make the calls \
             {calls:?} and end with \"{result}...\"; it made {made:?}:\n{out}"
        );
    }
    Ok(())
}

fn create_uses_an_existing_queue_and_exclusive_refuses_it(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    let send = |args: &[&str]| sb.run(sb.cmd("step01-send").arg("--path").arg(&path).args(args));
    send(&["--create", "first"])?.expect_success("the first send with --create")?;
    let id = ipc::find(ipc::Kind::Queue, sb.key(1)).context("--create made no queue")?;
    send(&["--create", "second"])?
        .expect_success("a send with --create to a queue that exists (it should use it)")?;
    let out = send(&["--create", "--exclusive", "third"])?;
    ensure_no_panic(&out)?;
    out.expect_failure_saying(
        "File exists",
        "--create --exclusive must refuse a queue that exists, saying so (\"File exists\")",
    )?;
    let info = ipc::queue_info(sb.key(1)).context("the queue is gone")?;
    ensure!(
        ipc::find(ipc::Kind::Queue, sb.key(1)) == Some(id) && info.messages == 2,
        "both sends with --create should land in the one queue (2 messages) and the refused one \
         in none; the queue holds {} message(s)",
        info.messages
    );
    Ok(())
}

fn opening_a_missing_queue_fails_clearly(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    let out = sb.run(sb.cmd("step01-send").arg("--path").arg(&path).arg("hello"))?;
    ensure_no_panic(&out)?;
    ensure!(
        !out.success(),
        "sending to a queue that does not exist (no --create) must fail: {}",
        out.describe()
    );
    let stderr = out.stderr_text();
    ensure!(
        stderr.contains("msgget") && stderr.contains("No such file"),
        "the error must name the failing call (msgget) and its errno (No such file or directory): {}",
        out.describe()
    );
    ensure!(
        ipc::find(ipc::Kind::Queue, sb.key(1)).is_none(),
        "opening without --create must not create a queue"
    );
    Ok(())
}

fn exact_bytes_round_trip(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    let binary: Vec<u8> = (0..=255u8).rev().chain([0, 0, b'\n', 0xff]).collect();
    let payloads: [&[u8]; 4] = [
        b"hello, queue",
        "h\u{e9}llo \u{2603} w\u{f6}rld".as_bytes(),
        &binary,
        b"",
    ];
    for payload in payloads {
        sb.run(
            sb.cmd("step01-send")
                .arg("--path")
                .arg(&path)
                .args(["--create", "--type", "4"])
                .stdin(payload),
        )?
        .expect_success("sending a payload from stdin")?;
        let info = ipc::queue_info(sb.key(1)).unwrap_or(ipc::QueueInfo {
            messages: 0,
            bytes: 0,
            mode: 0,
        });
        ensure!(
            info.messages == 1 && info.bytes == payload.len() as u64,
            "after sending {} bytes the kernel reports {} message(s) of {} bytes in the queue",
            payload.len(),
            info.messages,
            info.bytes
        );
        // The grader takes the message out itself, so this checks the sender only.
        let received = ipc::receive_raw(sb.key(1), 0);
        ensure!(
            received
                .as_ref()
                .is_some_and(|(mtype, bytes)| *mtype == 4 && bytes == payload),
            "sent {} bytes {:?} as type 4; the queue held {:?}",
            payload.len(),
            payload.escape_ascii().to_string(),
            received.map(|(t, b)| (t, b.escape_ascii().to_string()))
        );
    }
    Ok(())
}

fn oversize_payload_is_refused_and_nothing_is_sent(sb: &mut Sandbox) -> Result<()> {
    let msgmax: usize = std::fs::read_to_string("/proc/sys/kernel/msgmax")?
        .trim()
        .parse()?;
    let path = sb.path().to_owned();
    let out = sb.run(
        sb.cmd("step01-send")
            .arg("--path")
            .arg(&path)
            .arg("--create")
            .stdin(vec![b'x'; msgmax + 1]),
    )?;
    ensure_no_panic(&out)?;
    ensure!(
        !out.success(),
        "a payload of msgmax + 1 = {} bytes must be refused: {}",
        msgmax + 1,
        out.describe()
    );
    out.expect_stderr(
        "msgmax",
        "the error must say the payload is larger than msgmax",
    )?;
    ensure!(
        queued(sb)? == 0,
        "a refused payload must not reach the queue, but it holds {} message(s)",
        queued(sb)?
    );
    let out = sb.run(
        sb.cmd("step01-send")
            .arg("--path")
            .arg(&path)
            .stdin(vec![b'y'; msgmax]),
    )?;
    out.expect_success(&format!(
        "a payload of exactly msgmax = {msgmax} bytes must be accepted"
    ))?;
    ensure!(
        queued(sb)? == 1,
        "after sending msgmax bytes the queue holds {} messages, expected 1",
        queued(sb)?
    );
    Ok(())
}

fn only_positive_types_are_sent_and_the_extremes_work(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    for mtype in ["0", "-3"] {
        let out = sb.run(
            sb.cmd("step01-send")
                .arg("--path")
                .arg(&path)
                .args(["--create", "--type", mtype, "x"]),
        )?;
        ensure_no_panic(&out)?;
        ensure!(
            !out.success(),
            "type {mtype} must be refused: {}",
            out.describe()
        );
        out.expect_stderr("positive", "the error must say the type must be positive")?;
        ensure!(
            queued(sb)? == 0,
            "a refused message must not reach the queue"
        );
    }
    // The extremes of the valid range: the smallest type, and the largest a C long holds.
    let max = i64::MAX.to_string();
    for mtype in ["1", max.as_str()] {
        sb.run(sb.cmd("step01-send").arg("--path").arg(&path).args([
            "--type",
            mtype,
            &format!("type {mtype}"),
        ]))?
        .expect_success(&format!("sending with type {mtype}"))?;
    }
    // The grader takes them out itself: this test grades sending (1.3), not receiving.
    for mtype in [i64::MAX, 1] {
        let got = ipc::receive_raw(sb.key(1), mtype);
        let expected = format!("type {mtype}").into_bytes();
        ensure!(
            got.as_ref()
                .is_some_and(|(t, payload)| *t == mtype && *payload == expected),
            "the queue should hold a message of type {mtype} saying \"type {mtype}\"; msgrcv \
             for that type found {:?}",
            got.map(|(t, payload)| (t, String::from_utf8_lossy(&payload).into_owned()))
        );
    }
    Ok(())
}

fn receiver_started_first_blocks_then_gets_the_message(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    let mut receiver = sb.spawn(
        sb.cmd("step01-recv")
            .arg("--path")
            .arg(&path)
            .arg("--create")
            .limit(Duration::from_secs(20)),
    )?;
    let start = Instant::now();
    while ipc::find(ipc::Kind::Queue, sb.key(1)).is_none() {
        ensure!(
            receiver.is_running(),
            "step01-recv --create exited early: stderr {}",
            receiver.stderr_text()
        );
        ensure!(
            start.elapsed() < Duration::from_secs(5),
            "step01-recv --create made no queue within 5 s"
        );
        sleep(Duration::from_millis(20));
    }
    sleep(Duration::from_millis(300));
    ensure!(
        receiver.is_running(),
        "the receiver must wait for a message, but it exited: {}",
        receiver.wait(Duration::from_secs(1))?.describe()
    );
    // step01-recv has a SIGUSR1 handler; a handler running during msgrcv makes it fail
    // with EINTR (System V calls are never restarted, signal(7)), which must be retried.
    for _ in 0..3 {
        receiver.signal(Signal::SIGUSR1);
        sleep(Duration::from_millis(100));
    }
    sleep(Duration::from_millis(200));
    ensure!(
        receiver.stderr_text().contains("still waiting"),
        "the receiver's SIGUSR1 handler should have said it is still waiting: stderr {:?}",
        receiver.stderr_text()
    );
    ensure!(
        receiver.is_running(),
        "after SIGUSR1 the receiver must go on waiting, but it exited: {}",
        receiver.wait(Duration::from_secs(1))?.describe()
    );
    send(sb, 1, "hello from the sender")?;
    let out = receiver.wait(Duration::from_secs(5))?;
    out.expect_success("the receiver")?;
    ensure!(
        out.stdout_text() == "[type 1] hello from the sender\n",
        "expected the receiver to print \"[type 1] hello from the sender\", got {:?}",
        out.stdout_text()
    );
    Ok(())
}

fn type_filter_takes_only_the_asked_type(sb: &mut Sandbox) -> Result<()> {
    for (mtype, text) in [(1, "a"), (2, "b"), (1, "c"), (3, "d")] {
        send(sb, mtype, text)?;
    }
    let steps: [(&[&str], &str, u64); 4] = [
        (&["--type", "2"], "[type 2] b\n", 3),
        (&["--up-to", "3"], "[type 1] a\n", 2),
        (&[], "[type 1] c\n", 1),
        (&["--type", "3", "--nowait"], "[type 3] d\n", 0),
    ];
    for (args, expected, left) in steps {
        let out = recv(sb, args)?;
        out.expect_success(&format!("receiving with {args:?}"))?;
        ensure!(
            out.stdout_text() == expected,
            "after sending a(1) b(2) c(1) d(3), receiving with {args:?} should print {expected:?}, printed {:?}",
            out.stdout_text()
        );
        ensure!(
            queued(sb)? == left,
            "{left} message(s) should be left in the queue, the kernel counts {}",
            queued(sb)?
        );
    }
    Ok(())
}

fn messages_of_one_type_arrive_in_order(sb: &mut Sandbox) -> Result<()> {
    for i in 0..12 {
        send(sb, 5, &format!("m{i}"))?;
        send(sb, 6, &format!("other{i}"))?;
    }
    let out = recv(sb, &["--type", "5", "--count", "12"])?;
    out.expect_success("receiving 12 messages of type 5")?;
    let expected: String = (0..12).map(|i| format!("[type 5] m{i}\n")).collect();
    ensure!(
        out.stdout_text() == expected,
        "expected m0..m11 in order, got {:?}",
        out.stdout_text()
    );
    ensure!(
        queued(sb)? == 12,
        "the 12 messages of type 6 must stay queued; the kernel counts {}",
        queued(sb)?
    );
    // Binary payloads come out byte for byte with --raw, up to msgmax bytes.
    let msgmax: usize = std::fs::read_to_string("/proc/sys/kernel/msgmax")?
        .trim()
        .parse()?;
    let binary: Vec<u8> = (0..=255u8).chain([0, b'\n', 0]).collect();
    let largest: Vec<u8> = (0..msgmax).map(|i| (i % 251) as u8).collect();
    for payload in [binary, largest] {
        ipc::send_raw(sb.key(1), 7, &payload).map_err(anyhow::Error::msg)?;
        let out = recv(sb, &["--type", "7", "--raw"])?;
        out.expect_success(&format!(
            "receiving a {}-byte binary message with --raw",
            payload.len()
        ))?;
        ensure!(
            out.stdout == payload,
            "a {}-byte binary message came out as {} bytes (the receive buffer must hold msgmax bytes)",
            payload.len(),
            out.stdout.len()
        );
    }
    Ok(())
}

fn a_full_queue_with_nowait_sends_nothing(sb: &mut Sandbox) -> Result<()> {
    send(sb, 1, "first")?;
    // Fill the queue to the brim, as another process could.
    for size in [1000, 100, 10, 1] {
        let chunk = vec![b'f'; size];
        while ipc::send_raw(sb.key(1), 1, &chunk).is_ok() {}
    }
    let before = queued(sb)?;
    let path = sb.path().to_owned();
    let out = sb.run(
        sb.cmd("step01-send")
            .arg("--path")
            .arg(&path)
            .args(["--nowait", "one too many"]),
    )?;
    ensure_no_panic(&out)?;
    ensure!(
        !out.success()
            && out.stderr_text().contains("full")
            && !out.stderr_text().contains("msgsnd failed"),
        "sending with --nowait to a full queue must fail saying the queue is full (EAGAIN is not an \
         error of msgsnd but the answer \"no room\"): {}",
        out.describe()
    );
    ensure!(
        queued(sb)? == before,
        "nothing may be added to a full queue"
    );
    Ok(())
}

fn the_receiver_reports_a_removed_queue(sb: &mut Sandbox) -> Result<()> {
    send(sb, 1, "not for the receiver")?;
    let path = sb.path().to_owned();
    let mut receiver = sb.spawn(
        sb.cmd("step01-recv")
            .arg("--path")
            .arg(&path)
            .args(["--type", "9"]),
    )?;
    sleep(Duration::from_millis(300));
    ensure!(
        receiver.is_running(),
        "the receiver of type 9 should be waiting"
    );
    let id = ipc::find(ipc::Kind::Queue, sb.key(1)).context("the queue vanished")?;
    ipc::remove(ipc::Kind::Queue, id);
    let out = receiver.wait(Duration::from_secs(3)).context(
        "after the queue was removed, a blocked msgrcv fails with EIDRM: the receiver must report it and exit",
    )?;
    out.expect_failure_saying(
        "msgrcv",
        "a receiver whose queue is removed must exit with an error naming msgrcv",
    )?;
    Ok(())
}

fn nowait_on_an_empty_queue_reports_no_message(sb: &mut Sandbox) -> Result<()> {
    let path = sb.path().to_owned();
    let out = sb.run(
        sb.cmd("step01-recv")
            .arg("--path")
            .arg(&path)
            .args(["--create", "--nowait"]),
    )?;
    ensure_no_panic(&out)?;
    ensure!(
        out.code() == Some(3) && out.stderr_text().contains("no message"),
        "--nowait on an empty queue must print \"no message\" and exit with status 3: {}",
        out.describe()
    );
    send(sb, 8, "keep me")?;
    let out = recv(sb, &["--type", "9", "--nowait"])?;
    ensure!(
        out.code() == Some(3),
        "--nowait with no message of type 9 must exit with status 3: {}",
        out.describe()
    );
    ensure!(queued(sb)? == 1, "the message of type 8 must stay queued");
    Ok(())
}

fn a_removal_the_kernel_refuses_is_reported(sb: &mut Sandbox) -> Result<()> {
    if !sb.can_switch_user() {
        eprintln!("note: the grader cannot run a command as another user here; check skipped");
        return Ok(());
    }
    send(sb, 1, "not yours to remove")?;
    sb.open_to_other_users()?;
    let path = sb.path().to_owned();
    // `nobody` may open the queue (asking for no permission bits), but not remove it.
    let out = sb.run(sb.cmd("step01-rm").arg("--path").arg(&path).user(65534))?;
    ensure_no_panic(&out)?;
    out.expect_failure_saying(
        "Operation not permitted",
        "step01-rm run by another user must fail and say why (\"Operation not permitted\"), \
         not claim the queue was removed",
    )?;
    ensure!(
        ipc::find(ipc::Kind::Queue, sb.key(1)).is_some(),
        "the queue must still be there after a refused removal"
    );
    Ok(())
}

fn removal_leaves_no_queue_behind(sb: &mut Sandbox) -> Result<()> {
    send(sb, 1, "soon gone")?;
    ensure!(
        ipc::find(ipc::Kind::Queue, sb.key(1)).is_some(),
        "sending with --create made no queue"
    );
    let path = sb.path().to_owned();
    let out = sb.run(sb.cmd("step01-rm").arg("--path").arg(&path))?;
    out.expect_success("removing the queue")?;
    ensure!(
        ipc::find(ipc::Kind::Queue, sb.key(1)).is_none(),
        "after step01-rm, msgget(key, 0) still finds a queue"
    );
    let out = sb.run(sb.cmd("step01-rm").arg("--path").arg(&path))?;
    ensure_no_panic(&out)?;
    ensure!(
        !out.success(),
        "removing a queue that is gone must fail: {}",
        out.describe()
    );
    Ok(())
}
