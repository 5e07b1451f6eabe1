//! Grader of step 2: shared memory. Black-box tests of `step02-shm`, `step02-msg` and
//! `step02-counter`, each in its own processes, checked against what the kernel says
//! (`shmctl(IPC_STAT)`, `/proc/PID/maps`) and against the segment's bytes as the grader
//! reads them through an attachment of its own.
//!
//! Run with `make check-step 2` (your code in steps/) or `make check-step 2 IMPL=solutions`.
//!
//! ## Layout
//!
//! This file registers the tests; they live in `step02/`, grouped by the exercises they
//! grade: `segments` (2.1 to 2.3), `counter` (2.4), `writer` (2.5) and `reader` (2.6), with
//! `common` (running the binaries, the kernel's view of a segment) and `mailbox` (the
//! grader's own attachment of a mailbox, a writer stopped by ptrace).

mod harness;

#[path = "step02/common.rs"]
mod common;
#[path = "step02/counter.rs"]
mod counter;
#[path = "step02/mailbox.rs"]
mod mailbox;
#[path = "step02/reader.rs"]
mod reader;
#[path = "step02/segments.rs"]
mod segments;
#[path = "step02/writer.rs"]
mod writer;

use harness::{Step, test};

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 2,
            title: "shared memory",
            package: "step02-shared-memory",
        },
        vec![
            test!(
                segments::create_makes_a_segment_of_the_given_size_and_mode,
                "2.1", 5 points, 20 s,
                "Segment::get must pass key, size and flags to shmget unchanged: create uses \
                 IPC_CREAT | IPC_EXCL | mode, so a second create of the same key fails with EEXIST.",
            ),
            test!(
                segments::opening_a_segment_of_another_size_is_refused,
                "2.1", 5 points, 20 s,
                "Segment::open must compare the segment's real size (shmctl IPC_STAT, via stat_id) \
                 with expected_size and return IpcError::SizeMismatch when they differ, bigger or smaller.",
            ),
            test!(
                segments::missing_key_file_and_missing_segment_are_clear_errors,
                "2.1", 5 points, 20 s,
                "Opening calls shmget(key, 0, 0): without IPC_CREAT a missing segment is ENOENT, which \
                 retry_on_eintr turns into an error naming shmget. Never create when only opening.",
            ),
            test!(
                segments::segment_persists_until_removed,
                "2.2", 5 points, 20 s,
                "Segment::remove must call shmctl(id, IPC_RMID, null) and check its result; the segment \
                 must outlive the processes that attached it until then.",
            ),
            test!(
                segments::removal_while_attached_waits_for_the_last_detach,
                "2.2", 7 points, 30 s,
                "IPC_RMID frees the key at once but the kernel keeps the memory until shm_nattch drops \
                 to 0: attach with shmat, detach with shmdt in the guard's drop, remove with IPC_RMID.",
            ),
            test!(
                segments::a_removal_the_kernel_refuses_is_reported,
                "2.2", 3 points, 30 s,
                "Only a segment's owner or creator may remove it: shmctl(2) with IPC_RMID then fails \
                 with EPERM. Check what it returns and report the failure (\"Operation not permitted\").",
            ),
            test!(
                segments::dropping_the_guard_detaches,
                "2.2", 5 points, 20 s,
                "Attached's drop calls shmdt on the address shmat returned: shm_nattch must go down \
                 while the process is still running.",
            ),
            test!(
                segments::read_only_attach_maps_the_segment_read_only,
                "2.2", 5 points, 20 s,
                "Pass A::SHMAT_FLAGS to shmat: SHM_RDONLY for Attached<ReadOnly>, 0 for \
                 Attached<ReadWrite>. /proc/PID/maps shows the mapping as r--s or rw-s.",
            ),
            test!(
                segments::typed_view_refuses_a_segment_too_small,
                "2.3", 10 points, 20 s,
                "Attached::view must return IpcError::DoesNotFit when size_of::<T>() is larger than the \
                 segment, before making any reference: reading past the segment is not allowed.",
            ),
            test!(
                segments::typed_view_of_a_new_segment_reads_zero,
                "2.3", 5 points, 20 s,
                "A new segment is all zeros; Attached::view hands out &T for the first size_of::<T>() \
                 bytes of the mapping (a T that fits exactly is fine).",
            ),
            test!(
                counter::four_processes_of_10000_atomic_increments_count_40000,
                "2.4", 8 points, 40 s,
                "A load followed by a store loses updates when processes interleave: Counter::increment \
                 must be one atomic read-modify-write, fetch_add(1, ...).",
            ),
            test!(
                counter::counter_run_counts_exactly_and_leaves_no_segment,
                "2.4", 4 points, 40 s,
                "step02-counter run must count processes x times exactly with Counter::increment \
                 (fetch_add), and remove its segment afterwards (Segment::remove).",
            ),
            test!(
                counter::increment_returns_the_new_count,
                "2.4", 3 points, 20 s,
                "Counter::increment returns the count *after* its increment, and fetch_add returns \
                 the value before it: add one to what fetch_add returns.",
            ),
            test!(
                writer::message_is_read_by_another_process_after_the_writer_exits,
                "2.5", 2 points, 20 s,
                "Mailbox::publish must store every byte of the text and its length before making the \
                 sequence even again (s + 2, Release); a shorter message must not show the old one's tail.",
            ),
            test!(
                writer::sequence_word_counts_published_messages,
                "2.5", 1 points, 20 s,
                "After n messages the sequence at offset 0 must be 2n (odd only during a write), the \
                 length at offset 8 the last message's length, and the text start at offset 16.",
            ),
            test!(
                writer::message_longer_than_the_mailbox_is_refused,
                "2.5", 1 points, 20 s,
                "Refuse more than MAILBOX_CAPACITY (4080) bytes with IpcError::MessageTooLong before \
                 claiming the mailbox, and leave the current message untouched; exactly 4080 bytes fit.",
            ),
            test!(
                writer::two_writers_at_once_lose_no_message,
                "2.5", 2 points, 60 s,
                "Two writers can both load the same even sequence: claim the mailbox with \
                 compare_exchange(s, s + 1), which fails for all but one of them, never with a load \
                 followed by a store.",
            ),
            test!(
                writer::writer_gives_up_on_a_mailbox_left_mid_write,
                "2.5", 2 points, 30 s,
                "A writer killed in the middle of a message leaves the sequence odd for ever: wait for \
                 an odd sequence with Backoff::new(Backoff::PATIENCE) and `backoff.wait(..)?`, which \
                 gives up with IpcError::TimedOut after 5 s, never with a bare spin loop.",
            ),
            test!(
                writer::writer_stopped_anywhere_leaves_an_odd_sequence_or_a_whole_message,
                "2.5", 2 points, 60 s,
                "Whenever the sequence is even, the mailbox must hold a whole message: make it odd \
                 (claim) before the first store of a byte or of `len`, and store s + 2 (Release) only \
                 after the last one.",
            ),
            test!(
                writer::publication_is_never_seen_torn_under_the_memory_model,
                "2.5", 3 points, 300 s,
                "A reader that sees the new (even) sequence must see every byte stored before it: \
                 which store publishes, and with which ordering? What keeps the bytes from being \
                 seen before the sequence turned odd? (Take atomics and fences from crate::sync.)",
            ),
            test!(
                writer::two_writers_never_mix_their_messages_under_the_memory_model,
                "2.5", 2 points, 300 s,
                "A writer that claims the mailbox after another one published must see that \
                 writer's stores as done: the claim needs an ordering too.",
            ),
            test!(
                reader::a_read_is_never_torn_under_the_memory_model,
                "2.6", 3 points, 300 s,
                "The first look at the sequence must make the writer's stores before it visible, \
                 and the second look must not move before the byte loads: which ordering, and \
                 which fence? (Take atomics and fences from crate::sync.)",
            ),
            test!(
                reader::reader_started_first_waits_for_the_message,
                "2.6", 3 points, 20 s,
                "Mailbox::read returns Ok(None) while the sequence is 0 (an all-zero segment is an empty \
                 mailbox), and the message with number sequence / 2 once one is published.",
            ),
            test!(
                reader::reader_polling_during_a_flood_never_sees_a_torn_message,
                "2.6", 5 points, 60 s,
                "A copy is whole only if the sequence was even before it and is unchanged after it \
                 (fence(Acquire) before the second load); otherwise throw it away and retry. The writer \
                 must make the sequence odd before touching any byte.",
            ),
            test!(
                reader::reader_waits_while_a_writer_is_busy,
                "2.6", 2 points, 20 s,
                "An odd sequence means a writer is copying a message in: that is not \"no message\" \
                 (only 0 is). Wait with `backoff.wait(..)?` and look again.",
            ),
            test!(
                reader::reader_survives_a_garbage_length,
                "2.6", 2 points, 20 s,
                "The length word may be anything while a writer is busy (or in a damaged segment): \
                 clamp it with .min(MAILBOX_CAPACITY) before slicing the text, and let the second look \
                 at the sequence decide whether the copy is good.",
            ),
        ],
    )
}
