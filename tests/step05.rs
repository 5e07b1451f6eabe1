//! Grader of step 5: the persistent chat log. Real processes: a `step05-server`, its
//! clients and the `step05-log` reader, in the test's own room; the log file is read by
//! the grader's own parser (`step05/logfile.rs`), never by the step's code, and the damaged
//! and foreign files the tests feed the programs are written by it too.
//!
//! Run with `make check-step 5` (your code in steps/) or `make check-step 5 IMPL=solutions`.
//!
//! ## Layout
//!
//! The tests live in `step05/`, grouped by the exercises they grade: `lock` (5.1),
//! `records` (5.2 and 5.3), `recovery` (5.4) and `append` (5.5), with `logfile` (the
//! grader's parser and writer) and step 4's `common` (starting servers and clients).

mod harness;

#[path = "step05/append.rs"]
mod append;
#[path = "step04/common.rs"]
mod common;
#[path = "step05/lock.rs"]
mod lock;
#[path = "step05/logfile.rs"]
mod logfile;
#[path = "step05/records.rs"]
mod records;
#[path = "step05/recovery.rs"]
mod recovery;

use harness::{Step, test};

/// The server program the tests start (see `common`).
const SERVER: &str = "step05-server";
/// The client program the tests start.
const CLIENT: &str = "step05-client";

fn main() -> std::process::ExitCode {
    harness::run(
        Step {
            number: 5,
            title: "a persistent chat log with mmap",
            package: "step05-mmap-log",
        },
        vec![
            test!(
                lock::a_second_server_is_refused_naming_the_first_which_keeps_serving,
                "5.1", 8 points, 60 s,
                "flock(2) with LOCK_EX | LOCK_NB fails with EWOULDBLOCK while another process holds \
                 the lock: then read the pid the holder wrote, and change nothing (open without \
                 O_TRUNC; write your pid only once the lock is yours).",
            ),
            test!(
                lock::the_lock_is_free_the_moment_the_server_is_killed,
                "5.1", 7 points, 60 s,
                "The lock must be a flock held on an open descriptor for the server's whole life \
                 (keep the Flock in ServerLock): the kernel releases it when the process dies, \
                 however it dies.",
            ),
            test!(
                records::every_record_is_laid_out_as_chapter_3_says,
                "5.2", 8 points, 60 s,
                "len = round_up(32 + name_len + text_len, 8); every field little-endian at its \
                 RecordHeader offset; zero padding; crc = CRC-32 of bytes 8..len, computed last.",
            ),
            test!(
                records::history_survives_a_clean_restart,
                "5.2", 7 points, 60 s,
                "A restarted server reads the records back (they must check), refills the ring \
                 and numbers the next entry after the last record.",
            ),
            test!(
                records::a_flipped_bit_in_a_middle_record_drops_it_and_everything_after,
                "5.3", 8 points, 60 s,
                "Compare the stored crc with the CRC-32 of the record's bytes after the crc field \
                 before you believe any other field.",
            ),
            test!(
                records::the_reader_believes_no_damaged_record,
                "5.3", 10 points, 90 s,
                "Every check of chapter 3's flowchart: len (not 0, at least 32, at most MAX_LEN, a \
                 multiple of 8, inside the file), crc, a known kind, lengths that add up to len, a \
                 name and a text of at most NAME_MAX and TEXT_MAX bytes, both UTF-8, the name not \
                 empty, and a first number of at least 1.",
            ),
            test!(
                records::a_late_joiner_after_a_restart_gets_the_last_256_records,
                "5.3", 7 points, 60 s,
                "Every good record of a long log must check, so that the server can put the last \
                 RING_CAPACITY of them back into the ring.",
            ),
            test!(
                recovery::a_gap_in_the_numbers_or_a_short_tail_ends_the_good_records,
                "5.4", 2 points, 60 s,
                "scan passes check the number that must come next (the previous one's + 1); bytes \
                 after the good records that are not all zero are Dropped, even too few for a \
                 record header.",
            ),
            test!(
                recovery::the_reader_prints_exactly_what_clients_saw,
                "5.4", 4 points, 60 s,
                "scan walks from the end of the header, record after record, each one checked with \
                 the number after the previous one's.",
            ),
            test!(
                recovery::a_torn_tail_is_cut_off_with_the_documented_warning,
                "5.4", 5 points, 60 s,
                "A len of 0 ends the records only if every byte after it is zero; otherwise the \
                 bytes up to the last non-zero one are dropped (offset and count in Dropped). \
                 The server cuts them off only once no reader holds the log (given code).",
            ),
            test!(
                recovery::garbage_after_the_last_record_is_dropped,
                "5.4", 4 points, 60 s,
                "Whatever does not check after the last good record is Dropped: its offset is the \
                 end of the good records, its bytes run to the last byte that is not zero.",
            ),
            test!(
                recovery::a_foreign_file_is_refused_and_left_byte_for_byte_unchanged,
                "5.4", 5 points, 60 s,
                "scan starts with check_header: a file that is not a chat log is an error, and the \
                 server must stop before it writes anything.",
            ),
            test!(
                append::the_file_grows_past_its_first_size_by_doubling,
                "5.5", 7 points, 120 s,
                "When a record does not fit in the mapping, posix_fallocate the file to twice its \
                 size (or what the record needs) and map it again; then write body first, len last.",
            ),
            test!(
                append::every_line_a_client_saw_is_in_the_file_after_a_sigkill_mid_burst,
                "5.5", 6 points, 90 s,
                "The record must be whole in the mapping before append returns: the server \
                 publishes the line in the ring right after.",
            ),
            test!(
                append::thirty_sigkill_restart_cycles_during_a_burst_leave_a_consistent_file,
                "5.5", 6 points, 180 s,
                "Write the record's body, then a Release fence, then len: a server killed at any \
                 instant leaves either no record or a whole one.",
            ),
            test!(
                append::a_full_disk_refuses_the_line_clearly_and_loses_nothing,
                "5.5", 6 points, 120 s,
                "posix_fallocate fails with ENOSPC before anything is written: return \
                 LogError::DiskFull, leaving end and next_seq as they were.",
            ),
        ],
    )
}
