//! Grader of step 4: the first working chat. Real processes: a `step04-server` and several
//! `step04-client`s per test, in the test's own room; outcomes are checked in the clients'
//! output and, independently, in the kernel's objects (queue, segment, semaphores).
//!
//! Run with `make check-step 4` (your code in steps/) or `make check-step 4 IMPL=solutions`.
//!
//! ## Layout
//!
//! This file registers the tests; they live in `step04/`, grouped by the exercises they
//! grade: `semaphores` (4.1), `ring` (4.2 and 4.3), `requests` (4.4) and `members` (4.5),
//! with `common` (starting the server and clients, reading their chat, the segment's
//! layout).

mod harness;

#[path = "step04/common.rs"]
mod common;
#[path = "step04/members.rs"]
mod members;
#[path = "step04/requests.rs"]
mod requests;
#[path = "step04/ring.rs"]
mod ring;
#[path = "step04/semaphores.rs"]
mod semaphores;

use harness::{Step, test};

/// The server program the tests start (see `common`).
const SERVER: &str = "step04-server";
/// The client program the tests start.
const CLIENT: &str = "step04-client";

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 4,
            title: "the first working chat",
            package: "step04-chat",
        },
        vec![
            test!(
                semaphores::a_client_killed_holding_the_lock_does_not_block_the_room,
                "4.1", 6 points, 60 s,
                "semop with sem_flg = SEM_UNDO: the kernel undoes the adjustment of a process that dies, \
                 so a client killed while holding the mutex releases it.",
            ),
            test!(
                semaphores::semaphores_are_balanced_and_undone_when_the_server_dies,
                "4.1", 4 points, 60 s,
                "Each lock (-1) must be matched by an unlock (+1); with SEM_UNDO the server's +1 on the \
                 'alive' semaphore is undone by the kernel when it is killed.",
            ),
            test!(
                ring::the_ring_holds_the_newest_entries_with_increasing_numbers,
                "4.2", 8 points, 60 s,
                "Entry seq goes to slot (seq - 1) % RING_CAPACITY; store the fields, then slot.seq, then \
                 header.next_seq = seq + 1.",
            ),
            test!(
                ring::eight_clients_times_100_lines_arrive_complete_and_in_one_order,
                "4.2", 9 points, 120 s,
                "Every Say must become exactly one entry, appended under the mutex so that all readers \
                 see one order.",
            ),
            test!(
                ring::a_server_stopped_anywhere_in_an_append_shows_no_unfinished_entry,
                "4.2", 3 points, 60 s,
                "A server can die in the middle of an append (SEM_UNDO then frees the lock), so an \
                 entry must never look published before all its fields are stored: store the \
                 fields first, then the slot's seq, then header.next_seq.",
            ),
            test!(
                ring::a_late_joiner_sees_the_history_in_the_ring,
                "4.3", 8 points, 60 s,
                "read_since(0) must return every entry the ring still holds, oldest first.",
            ),
            test!(
                ring::past_capacity_the_oldest_entries_are_dropped_and_counted,
                "4.3", 8 points, 90 s,
                "Only the newest RING_CAPACITY entries are kept: start at max(after + 1, newest - 255) and \
                 count the skipped ones in `missed`.",
            ),
            test!(
                requests::three_clients_see_every_line_in_the_same_order,
                "4.4", 4 points, 60 s,
                "A Say from a member must be appended to the ring as a Chat entry with the member's name.",
            ),
            test!(
                requests::an_over_long_line_is_refused_before_sending,
                "4.4", 2 points, 60 s,
                "The client validates with Text::new before sending; the server must keep serving the \
                 lines that follow.",
            ),
            test!(
                requests::malformed_queue_messages_are_dropped_and_chat_continues,
                "4.4", 5 points, 60 s,
                "On a decode error, log and return; a request from a pid that never joined gets \
                 Rejected(NotJoined) and changes nothing.",
            ),
            test!(
                requests::sigint_removes_every_ipc_object_and_tells_the_clients,
                "4.4", 3 points, 60 s,
                "The server must keep handling messages until the stop flag is raised, then shut down: \
                 Bye to every member, then remove the queue, semaphores and segment.",
            ),
            test!(
                requests::who_lists_members_and_private_lines_reach_only_their_recipient,
                "4.4", 4 points, 60 s,
                "Who replies with the members' names (sorted); Private forwards Reply::Private to the \
                 recipient's pid only (never to the ring), or Rejected(NoSuchUser) to the sender.",
            ),
            test!(
                requests::the_server_never_blocks_on_a_client_that_stopped_reading,
                "4.4", 3 points, 60 s,
                "Reply with self.reply (try_send, IPC_NOWAIT): a client that stops reading its mailbox \
                 must never stop the server.",
            ),
            test!(
                members::a_second_join_and_a_full_room_are_refused,
                "4.5", 5 points, 60 s,
                "Refuse a pid that already joined (AlreadyJoined) and a 65th member (RoomFull, when \
                 members.len() >= MAX_CLIENTS), changing nothing.",
            ),
            test!(
                members::a_duplicate_name_is_rejected_without_disturbing_the_room,
                "4.5", 5 points, 60 s,
                "If a member already has the name, reply Rejected(NameTaken) and change nothing.",
            ),
            test!(
                members::leaving_frees_the_name,
                "4.5", 5 points, 60 s,
                "Leave must remove the member, so its name can be used again.",
            ),
            test!(
                semaphores::a_signal_while_waiting_for_the_lock_is_not_an_error,
                "4.1", 3 points, 60 s,
                "A signal handler that runs while semop(2) waits makes it fail with EINTR \
                 (signal(7)): nothing was applied, so the wait is not over. (The client's SIGUSR1 \
                 handler asks for a status report.)",
            ),
            test!(
                semaphores::a_client_whose_server_was_killed_says_so_and_exits,
                "4.1", 4 points, 60 s,
                "The server raises its 'alive' semaphore with SEM_UNDO (your semop, exercise 4.1): the kernel lowers it again when the server dies, and that is how clients notice.",
            ),
            test!(
                semaphores::a_server_whose_queue_is_removed_leaves_nothing_behind,
                "4.1", 3 points, 60 s,
                "The server's semaphore set is created and initialised with your semop (exercise 4.1); it must also be removed when the server stops for any reason.",
            ),
            test!(
                ring::a_piped_client_whose_lines_never_came_back_exits_with_an_error,
                "4.3", 4 points, 60 s,
                "A client counts its own lines as delivered when read_since (exercise 4.3) hands them back from the ring.",
            ),
            test!(
                requests::a_typed_line_is_sent_at_once_not_at_the_next_look,
                "4.4", 2 points, 60 s,
                "A Say request must become a Chat entry at once (exercise 4.4): the client sends each line the moment it is typed.",
            ),
            test!(
                requests::unknown_commands_are_refused_and_never_broadcast,
                "4.4", 2 points, 60 s,
                "Only a Say request becomes a Chat entry (exercise 4.4); the client refuses unknown /commands before sending.",
            ),
        ],
    )
}
