//! Grader of step 7: no polling, no lock in the delivery path. Real processes: the
//! `ipc-chat` server, clients, `log --follow` and `stress`, in the test's own room; the
//! ring and the futex word are read, written and waited on by the grader itself, through
//! its own attachment of the segment, and the log is read by the grader's parser.
//!
//! Run with `make check-step 7` (your code in steps/) or `make check-step 7 IMPL=solutions`.
//!
//! ## Layout
//!
//! The tests live in `step07/`, grouped by the exercises they grade: `publish` (7.1),
//! `read` (7.2), `wait` (7.3), `wake` (7.4) and `stress` (7.5), with `room` (the grader's
//! hands on the segment), `views` (a client's output against the log), step 5's
//! `logfile` and step 4's `common`.

mod harness;

// Shared with the graders of steps 4 to 6, which use all of them; this one, only part.
#[allow(dead_code)]
#[path = "step04/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "step05/logfile.rs"]
mod logfile;
#[path = "step07/publish.rs"]
mod publish;
#[path = "step07/read.rs"]
mod read;
#[path = "step07/room.rs"]
mod room;
#[path = "step07/stress.rs"]
mod stress;
#[path = "step07/views.rs"]
mod views;
#[path = "step07/wait.rs"]
mod wait;
#[path = "step07/wake.rs"]
mod wake;

use harness::{Step, test};

/// The server program the tests start (see `common`): a subcommand of `ipc-chat`.
const SERVER: &str = "ipc-chat server";
/// The client program the tests start.
const CLIENT: &str = "ipc-chat client";
/// The history reader.
const LOG: &str = "ipc-chat log";
/// The stress tool.
const STRESS: &str = "ipc-chat stress";

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 7,
            title: "no polling, measured and proven",
            package: "step07-ipc-chat",
        },
        vec![
            test!(
                publish::the_ring_holds_the_logs_last_entries_slot_by_slot,
                "7.1", 8 points, 60 s,
                "publish writes the entry numbered header.next_seq into slot (seq - 1) % 256: seq = 0, \
                 a Release fence, the fields, seq = n (Release), then next_seq = n + 1 and wake + 1.",
            ),
            test!(
                publish::sixty_four_clients_times_1000_lines_agree_with_the_log_in_every_view,
                "7.1", 10 points, 300 s,
                "Every entry must be published exactly once and in order: next_seq is read once, and \
                 stored (n + 1) only after the slot is complete.",
            ),
            test!(
                publish::killed_servers_and_clients_lose_nothing_anyone_saw,
                "7.1", 7 points, 200 s,
                "What a client saw must be in the log: the server logs first and publishes second \
                 (given), and a publication must never show an entry before its slot is whole.",
            ),
            test!(
                read::no_torn_line_while_readers_are_stopped_and_continued_under_a_flood,
                "7.2", 12 points, 200 s,
                "read loads seq (Acquire), copies the fields, fences (Acquire) and loads seq again: \
                 only if both are n is the copy entry n; otherwise it returns None.",
            ),
            test!(
                read::a_reader_that_falls_behind_the_ring_shows_every_line,
                "7.2", 8 points, 120 s,
                "A slot whose seq is not the number asked for holds another entry: read returns None, \
                 so read_since counts it missed and the client takes it from the log.",
            ),
            test!(
                read::a_stopped_reader_delays_nobody,
                "7.2", 5 points, 60 s,
                "A reader copies without any lock and writes nothing in the segment, so a stopped \
                 one cannot hold anybody up.",
            ),
            test!(
                wait::a_sleeping_reader_sees_a_line_the_moment_it_is_published,
                "7.3", 8 points, 60 s,
                "Load wake, then next_seq; if nothing is new, FUTEX_WAIT on wake with that value; \
                 after every return (woken, changed, timeout, signal) look at next_seq again.",
            ),
            test!(
                wait::an_idle_client_wakes_about_once_a_second_and_notices_a_dead_server,
                "7.3", 6 points, 60 s,
                "Sleep in FUTEX_WAIT until the timeout (the 1 s tick), not in a loop that returns at \
                 once; return Quiet on the timeout so the caller can check the server, and \
                 Interrupted when a signal cut the wait short.",
            ),
            test!(
                wait::log_follow_shows_new_lines_as_they_come_across_a_restart,
                "7.3", 6 points, 60 s,
                "ipc-chat log --follow waits with wait_for_news (exercise 7.3) between reads of the \
                 log.",
            ),
            test!(
                wake::the_server_wakes_sleepers_in_other_processes,
                "7.4", 10 points, 60 s,
                "FUTEX_WAKE (not FUTEX_WAKE_PRIVATE, which only reaches this process) with a count \
                 of i32::MAX wakes every sleeper in every process that maps the word.",
            ),
            test!(
                stress::stress_passes_honest_runs_with_churn_and_crashes,
                "7.5", 8 points, 200 s,
                "A view may start anywhere in the log (the ring's history), and a sender that quit or \
                 was killed may have lost its last lines: neither is a discrepancy.",
            ),
            test!(
                stress::stress_fails_on_every_planted_discrepancy,
                "7.5", 12 points, 120 s,
                "Each view's entries must be consecutive log entries; each sender's lines a prefix \
                 of what it sent (all of it if it finished), each once and in order.",
            ),
        ],
    )
}
