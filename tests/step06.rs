//! Grader of step 6: the integrated chat. Real processes: a `step06-server`, its clients
//! and `step06-who`, in the test's own room; the presence table and the ring are read by
//! the grader from the segment under the room's own mutex, the log by the grader's parser,
//! and the objects a live process or a stranger would leave are made by the grader.
//!
//! Run with `make check-step 6` (your code in steps/) or `make check-step 6 IMPL=solutions`.
//!
//! ## Layout
//!
//! The tests live in `step06/`, grouped by the exercises they grade: `presence` (6.1),
//! `liveness` (6.2), `takeover` (6.3) and `mailboxes` (6.4), with `room` (the grader's view
//! of the segment and its own objects), step 5's `logfile` and step 4's `common`.

mod harness;

// Shared with the graders of steps 4 and 5, which use all of them; this one, only part.
#[allow(dead_code)]
#[path = "step04/common.rs"]
mod common;
#[path = "step06/liveness.rs"]
mod liveness;
#[allow(dead_code)]
#[path = "step05/logfile.rs"]
mod logfile;
#[path = "step06/mailboxes.rs"]
mod mailboxes;
#[path = "step06/presence.rs"]
mod presence;
#[path = "step06/room.rs"]
mod room;
#[path = "step06/takeover.rs"]
mod takeover;

use harness::{Step, test};

/// The server program the tests start (see `common`).
const SERVER: &str = "step06-server";
/// The client program the tests start.
const CLIENT: &str = "step06-client";

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 6,
            title: "the integrated chat",
            package: "step06-integrated-chat",
        },
        vec![
            test!(
                presence::the_presence_table_shows_who_is_online_and_agrees_with_who,
                "6.1", 8 points, 60 s,
                "A join takes a free slot (pid 0): name_len, name and joined_ms first, then pid with \
                 Release; a leave or a loss stores pid = 0; header.online counts the taken slots.",
            ),
            test!(
                presence::step06_who_answers_while_the_server_is_stopped,
                "6.1", 4 points, 60 s,
                "step06-who reads the presence table that update (exercise 6.1) fills, under the \
                 room's mutex, without asking the server.",
            ),
            test!(
                presence::presence_and_notices_agree_throughout_a_churn,
                "6.1", 4 points, 120 s,
                "The table changes in the same lock hold as the ring's notice (the published hook): \
                 update it for Join, Leave and Lost, never for Chat.",
            ),
            test!(
                presence::a_signalled_client_leaves_the_room_properly,
                "6.1", 4 points, 60 s,
                "A client that leaves on a signal frees its presence slot like any leave: the Leave \
                 entry goes through update (exercise 6.1).",
            ),
            test!(
                liveness::a_killed_client_is_announced_and_its_name_is_free_within_2_s,
                "6.2", 6 points, 60 s,
                "kill(pid, 0) (nix: kill(pid, None)): ESRCH means no such process; EPERM means it \
                 exists. The sweep loses every member whose process is gone.",
            ),
            test!(
                liveness::a_dead_members_mailbox_is_drained,
                "6.2", 3 points, 60 s,
                "Once process_exists says a member is gone, the server loses it, and losing a \
                 member drains its mailbox.",
            ),
            test!(
                liveness::requests_from_a_pid_with_no_process_get_no_reply_and_join_nobody,
                "6.2", 3 points, 60 s,
                "The server accepts a request only if process_exists(its pid): a pid no process has \
                 must give false (ESRCH).",
            ),
            test!(
                liveness::debug_logging_shows_every_request_and_the_default_does_not,
                "6.2", 3 points, 60 s,
                "Every request from a pid that is not a member goes through process_exists before the \
                 server handles it: a broken one makes the server drop or stall requests.",
            ),
            test!(
                takeover::a_restarted_server_takes_over_a_killed_servers_objects_and_keeps_the_history,
                "6.3", 12 points, 60 s,
                "A segment of the right size and magic, created by its server_pid, whose process is \
                 gone and whose 'server alive' semaphore is 0 (or missing): that is Stale.",
            ),
            test!(
                takeover::clients_say_the_server_has_stopped_within_2_s_of_its_death,
                "6.3", 5 points, 60 s,
                "The server must start (verdict Nothing for an empty room) for its clients to see it die.",
            ),
            test!(
                takeover::a_live_processs_objects_are_never_taken_over,
                "6.3", 9 points, 60 s,
                "If the segment's server_pid exists, or the 'server alive' semaphore is above 0, a \
                 live process owns the objects: Live, whatever else is true.",
            ),
            test!(
                takeover::a_strangers_objects_are_never_touched,
                "6.3", 9 points, 60 s,
                "Stranger: a queue or set without a segment; a segment of another size, magic or \
                 version; a segment whose creator is not the server it names.",
            ),
            test!(
                mailboxes::a_stopped_members_unread_private_lines_are_refused_and_the_room_stays_usable,
                "6.4", 6 points, 60 s,
                "Lower each count to the bytes the queue holds, then refuse a Private that would take \
                 a member past MEMBER_LIMIT, with RejectReason::NotReading and \"NAME is not reading\".",
            ),
            test!(
                mailboxes::a_members_own_answers_are_always_sent_and_counted,
                "6.4", 3 points, 60 s,
                "An answer to a member's own request (Welcome, Who, a refusal) is always sent, and \
                 counted: only a private line it did not ask for is refused.",
            ),
            test!(
                mailboxes::a_flood_of_requests_from_non_members_leaves_the_room_usable,
                "6.4", 7 points, 60 s,
                "Replies to pids that are not members share STRANGERS_LIMIT bytes; beyond it, Drop.",
            ),
            test!(
                mailboxes::a_member_who_reads_gets_every_private_line,
                "6.4", 5 points, 60 s,
                "The bound must fall as a member reads: each count is at most the bytes the queue \
                 holds now.",
            ),
            test!(
                mailboxes::sigterm_and_sighup_shut_the_server_down_like_sigint,
                "6.4", 4 points, 90 s,
                "Every reply (a Welcome, too) passes admit: a member's own answers are always sent.",
            ),
            test!(
                mailboxes::thirty_two_clients_with_churn_agree_with_the_log,
                "6.4", 5 points, 180 s,
                "Answers to a member's own requests must always be admitted, and counted.",
            ),
        ],
    )
}
