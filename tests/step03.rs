//! Grader of step 3: the chat protocol. Black-box tests of `step03-codec`: validation,
//! encoding to the documented bytes, decoding with a specific error for each malformed
//! class, routing, and 100,000 random inputs that must never make the decoder panic.
//!
//! Run with `make check-step 3` (your code in steps/) or `make check-step 3 IMPL=solutions`.

mod harness;

use anyhow::{Result, ensure};
use harness::{Sandbox, Step, test};

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 3,
            title: "the chat protocol",
            package: "step03-protocol",
        },
        vec![
            test!(
                valid_names_are_accepted,
                "3.1", 8 points, 30 s,
                "Names of 1 to 16 characters from A-Z a-z 0-9 _ - . are valid; return Ok(Name(..)).",
            ),
            test!(
                invalid_names_are_rejected_with_the_reason,
                "3.1", 12 points, 30 s,
                "Return NameError::Empty, NameError::TooLong(len) or NameError::BadChar(first bad char).",
            ),
            test!(
                requests_encode_to_the_documented_bytes,
                "3.2", 15 points, 30 s,
                "Version byte, kind byte, pid as 4 little-endian bytes, then names as u8 length + bytes \
                 and texts as u16 little-endian length + bytes (see the table in message.rs).",
            ),
            test!(
                every_request_kind_round_trips,
                "3.2", 10 points, 30 s,
                "Encoding then decoding must give the same request back, for every kind.",
            ),
            test!(
                documented_bytes_decode_to_every_kind,
                "3.3", 10 points, 30 s,
                "Read version, kind and pid, then the kind's fields with the Reader; build the Request.",
            ),
            test!(
                truncated_messages_are_reported_as_truncated,
                "3.3", 5 points, 30 s,
                "Reader::take fails with DecodeError::Truncated naming the field: propagate it with `?`.",
            ),
            test!(
                unknown_versions_and_kinds_are_rejected,
                "3.3", 5 points, 30 s,
                "Check the version byte (DecodeError::Version) and the kind (DecodeError::UnknownKind; \
                 reply kinds are not requests). An empty message is DecodeError::Empty.",
            ),
            test!(
                bad_utf8_is_rejected,
                "3.3", 5 points, 30 s,
                "Read strings with Reader::short_str / long_str, which check UTF-8.",
            ),
            test!(
                wrong_length_fields_are_rejected,
                "3.3", 5 points, 30 s,
                "A length that is too long runs out of bytes (Truncated); one that is too short leaves \
                 bytes over: call r.finish()? at the end (TrailingBytes).",
            ),
            test!(
                rule_breaking_fields_are_rejected,
                "3.3", 5 points, 30 s,
                "Validate what you decode: Name::new for names, Text::new for texts, reply_mtype for the pid.",
            ),
            test!(
                random_inputs_never_panic_and_round_trip,
                "3.3", 5 points, 120 s,
                "No input may panic: never index or slice without checking the length (the Reader does), \
                 and accept only messages that encode back to the same bytes.",
            ),
            test!(
                mtypes_route_to_the_server_or_a_client,
                "3.4", 15 points, 30 s,
                "A client's mailbox is its pid; pids <= 1 (SERVER_MTYPE) are refused with RouteError::ReservedPid.",
            ),
        ],
    )
}

// ---------------------------------------------------------------- helpers

/// Runs `step03-codec ARGS` and returns (exit code, stdout).
fn codec(sb: &Sandbox, args: &[&str]) -> Result<(Option<i32>, String)> {
    let out = sb.run(sb.cmd("step03-codec").args(args))?;
    ensure!(
        !out.stderr_text().contains("panicked"),
        "step03-codec {args:?} panicked instead of answering: {}",
        out.describe()
    );
    Ok((out.code(), out.stdout_text().trim_end().to_string()))
}

/// Decodes `hex` as a request; returns what step03-codec printed.
fn decode(sb: &Sandbox, hex: &str) -> Result<(Option<i32>, String)> {
    codec(sb, &["decode", "--hex", hex])
}

/// Expects `hex` to be rejected with a message containing `expected`.
fn expect_rejected(sb: &Sandbox, hex: &str, what: &str, expected: &str) -> Result<()> {
    let (code, line) = decode(sb, hex)?;
    ensure!(
        code == Some(1) && line.starts_with("invalid:") && line.contains(expected),
        "{what} [{hex}] should be rejected with an error containing {expected:?}; step03-codec printed {line:?} (exit {code:?})"
    );
    Ok(())
}

// The documented encodings of one request of each kind (pid 4242 = 0x1092).
const JOIN: &str = "01 01 92 10 00 00 05 61 6c 69 63 65";
const SAY: &str = "01 02 92 10 00 00 05 00 68 c3 a9 6c 6f";
const PRIVATE: &str = "01 03 92 10 00 00 03 62 6f 62 02 00 68 69";
const WHO: &str = "01 04 92 10 00 00";
const LEAVE: &str = "01 05 92 10 00 00";

// ---------------------------------------------------------------- tests

fn valid_names_are_accepted(sb: &mut Sandbox) -> Result<()> {
    for name in ["a", "alice", "Bob_2", "x.y-z", "0123456789abcdef"] {
        let (code, line) = codec(sb, &["validate", "--name", name])?;
        ensure!(
            code == Some(0) && line == "valid name",
            "{name:?} is a valid name, but the check said {line:?}"
        );
    }
    Ok(())
}

fn invalid_names_are_rejected_with_the_reason(sb: &mut Sandbox) -> Result<()> {
    let cases = [
        ("", "cannot be empty"),
        (
            "abcdefghijklmnopq",
            "at most 16 characters, this one has 17",
        ),
        ("al ice", "not ' '"),
        ("bob!", "not '!'"),
        ("zoë", "not 'ë'"),
        ("../etc", "not '/'"),
        ("bell\u{7}", "not '\\u{7}'"),
        ("esc\u{1b}[2J", "not '\\u{1b}'"),
        ("del\u{7f}", "not '\\u{7f}'"),
    ];
    for (name, reason) in cases {
        let (code, line) = codec(sb, &["validate", "--name", name])?;
        ensure!(
            code == Some(1) && line.contains(reason),
            "the name {name:?} should be rejected with a reason containing {reason:?}; the check said {line:?}"
        );
    }
    Ok(())
}

fn requests_encode_to_the_documented_bytes(sb: &mut Sandbox) -> Result<()> {
    let cases: [(&[&str], &str); 5] = [
        (&["join", "--name", "alice"], JOIN),
        (&["say", "--text", "h\u{e9}lo"], SAY),
        (&["private", "--to", "bob", "--text", "hi"], PRIVATE),
        (&["who"], WHO),
        (&["leave"], LEAVE),
    ];
    for (args, expected) in cases {
        let mut full = vec!["encode"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--pid", "4242"]);
        let (code, line) = codec(sb, &full)?;
        ensure!(
            code == Some(0) && line == expected,
            "encoding {args:?} with pid 4242 should give [{expected}], got [{line}] (exit {code:?})"
        );
    }
    Ok(())
}

fn every_request_kind_round_trips(sb: &mut Sandbox) -> Result<()> {
    let long_text = "é".repeat(236); // 472 bytes: the longest text
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["join", "--name", "Zed.9"],
            "Join pid=77 name=\"Zed.9\"".into(),
        ),
        (
            vec!["say", "--text", &long_text],
            format!("Say pid=77 text={long_text:?}"),
        ),
        (
            vec!["private", "--to", "a", "--text", "x"],
            "Private pid=77 to=\"a\" text=\"x\"".into(),
        ),
        (vec!["who"], "Who pid=77".into()),
        (vec!["leave"], "Leave pid=77".into()),
    ];
    for (args, expected) in cases {
        let mut full = vec!["encode"];
        full.extend_from_slice(&args);
        full.extend_from_slice(&["--pid", "77"]);
        let (_, hex) = codec(sb, &full)?;
        let (code, line) = decode(sb, &hex)?;
        ensure!(
            code == Some(0) && line == format!("request {expected}"),
            "encoding {:?} gave [{hex}], which decodes as {line:?} instead of {expected:?}",
            args.first()
        );
    }
    Ok(())
}

fn documented_bytes_decode_to_every_kind(sb: &mut Sandbox) -> Result<()> {
    let cases = [
        (JOIN, "request Join pid=4242 name=\"alice\""),
        (SAY, "request Say pid=4242 text=\"h\u{e9}lo\""),
        (PRIVATE, "request Private pid=4242 to=\"bob\" text=\"hi\""),
        (WHO, "request Who pid=4242"),
        (LEAVE, "request Leave pid=4242"),
    ];
    for (hex, expected) in cases {
        let (code, line) = decode(sb, hex)?;
        ensure!(
            code == Some(0) && line == expected,
            "[{hex}] should decode as {expected:?}, got {line:?} (exit {code:?})"
        );
    }
    Ok(())
}

fn truncated_messages_are_reported_as_truncated(sb: &mut Sandbox) -> Result<()> {
    expect_rejected(
        sb,
        "01 01 92 10",
        "a join cut inside the pid",
        "truncated message: pid",
    )?;
    expect_rejected(
        sb,
        "01 01 92 10 00 00",
        "a join without its name",
        "truncated message: name",
    )?;
    expect_rejected(
        sb,
        "01 02 92 10 00 00 05 00 68 69",
        "a say whose text is cut short",
        "truncated message: text",
    )?;
    expect_rejected(
        sb,
        "01",
        "a message of only a version byte",
        "truncated message: kind",
    )
}

fn unknown_versions_and_kinds_are_rejected(sb: &mut Sandbox) -> Result<()> {
    expect_rejected(sb, "", "an empty message", "empty message")?;
    expect_rejected(
        sb,
        "02 01 92 10 00 00 01 61",
        "a version 2 message",
        "unsupported protocol version 2",
    )?;
    expect_rejected(
        sb,
        "01 09 92 10 00 00",
        "kind 0x09",
        "unknown message kind 0x09",
    )?;
    expect_rejected(
        sb,
        "01 00 92 10 00 00",
        "kind 0x00",
        "unknown message kind 0x00",
    )?;
    expect_rejected(
        sb,
        "01 06 92 10 00 00",
        "kind 0x06",
        "unknown message kind 0x06",
    )?;
    expect_rejected(
        sb,
        "01 81 05 61 6c 69 63 65",
        "a reply (Welcome) sent as a request",
        "unknown message kind 0x81",
    )
}

fn bad_utf8_is_rejected(sb: &mut Sandbox) -> Result<()> {
    expect_rejected(
        sb,
        "01 02 92 10 00 00 02 00 c3 28",
        "a say with invalid UTF-8",
        "text is not valid UTF-8",
    )?;
    expect_rejected(
        sb,
        "01 01 92 10 00 00 02 ff fe",
        "a join with a non-UTF-8 name",
        "name is not valid UTF-8",
    )
}

fn wrong_length_fields_are_rejected(sb: &mut Sandbox) -> Result<()> {
    expect_rejected(
        sb,
        "01 01 92 10 00 00 09 61 6c 69 63 65",
        "a name length of 9 for 5 bytes",
        "truncated message: name",
    )?;
    expect_rejected(
        sb,
        "01 01 92 10 00 00 03 61 6c 69 63 65",
        "a name length of 3 for 5 bytes",
        "2 unexpected byte(s)",
    )?;
    expect_rejected(
        sb,
        "01 05 92 10 00 00 00",
        "a leave with an extra byte",
        "1 unexpected byte(s)",
    )
}

fn rule_breaking_fields_are_rejected(sb: &mut Sandbox) -> Result<()> {
    let long_name = format!("01 01 92 10 00 00 11 {}", ["61"; 17].join(" "));
    expect_rejected(
        sb,
        &long_name,
        "a 17-character name",
        "at most 16 characters",
    )?;
    let long_text = format!("01 02 92 10 00 00 d9 01 {}", ["61"; 473].join(" "));
    expect_rejected(sb, &long_text, "a 473-byte text", "at most 472 bytes")?;
    expect_rejected(
        sb,
        "01 02 92 10 00 00 03 00 61 0a 62",
        "a text with a newline",
        "control characters",
    )?;
    expect_rejected(
        sb,
        "01 02 92 10 00 00 00 00",
        "an empty text",
        "cannot be empty",
    )?;
    expect_rejected(
        sb,
        "01 04 01 00 00 00",
        "a request from pid 1",
        "invalid pid",
    )?;
    expect_rejected(
        sb,
        "01 04 fe ff ff ff",
        "a request from pid -2",
        "invalid pid",
    )?;
    expect_rejected(
        sb,
        "01 01 01 00 00 00 05 61 6c 69 63 65",
        "a join from pid 1",
        "invalid pid",
    )?;
    expect_rejected(
        sb,
        "01 02 00 00 00 00 01 00 78",
        "a say from pid 0",
        "invalid pid",
    )
}

fn random_inputs_never_panic_and_round_trip(sb: &mut Sandbox) -> Result<()> {
    // A fixed seed: the same code gets the same score on every run. (`make soak-protocol`
    // throws 10 million inputs with a new seed each time, for those who want more.)
    let seed: u64 = 20_261_201;
    let out = sb.run(
        sb.cmd("step03-codec")
            .args(["fuzz", "--cases", "100000", "--seed", &seed.to_string()])
            .limit(std::time::Duration::from_secs(100)),
    )?;
    let stdout = out.stdout_text();
    ensure!(
        out.success() && stdout.contains("0 failures"),
        "decoding 100,000 random and mutated inputs (seed {seed}) must never panic, and every accepted \
         message must encode back to the same bytes: {}",
        out.describe()
    );
    ensure!(
        !stdout.contains(" 0 accepted"),
        "no input was accepted at all: decode must accept valid messages: {stdout}"
    );
    Ok(())
}

fn mtypes_route_to_the_server_or_a_client(sb: &mut Sandbox) -> Result<()> {
    let cases = [
        ("1", "server"),
        ("2", "client 2"),
        ("4242", "client 4242"),
        ("2147483647", "client 2147483647"),
        ("0", "nobody"),
        ("-7", "nobody"),
        ("2147483648", "nobody"),
    ];
    for (mtype, expected) in cases {
        let (code, line) = codec(sb, &["route", mtype])?;
        ensure!(
            code == Some(0) && line == expected,
            "mtype {mtype} should route to {expected:?}, got {line:?}"
        );
    }
    let mailboxes = [
        ("4242", "mtype 4242"),
        ("2", "mtype 2"),
        ("1", "invalid: pid 1 cannot be a client mailbox"),
        ("0", "invalid: pid 0"),
        ("-5", "invalid: pid -5"),
    ];
    for (pid, expected) in mailboxes {
        let (_, line) = codec(sb, &["mailbox", pid])?;
        ensure!(
            line.starts_with(expected),
            "the mailbox of pid {pid} should be {expected:?}..., got {line:?}"
        );
    }
    Ok(())
}
