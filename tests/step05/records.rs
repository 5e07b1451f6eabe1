//! Exercises 5.2 and 5.3: the records the server writes, checked by the grader's own
//! parser (5.2), and the records the step's code must refuse to believe (5.3).

use std::fs;
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use crate::common::{join, now_ms, say, start_server, stop_server, wait_for_chat};
use crate::harness::{Proc, Sandbox};
use crate::logfile::{
    self, CHAT, INITIAL_SIZE, JOIN, LEAVE, PATIENCE, crafted, crafted_line, log_path, record_len,
    seal, shown_lines,
};
use crate::recovery::expect_recovery;

// ---------------------------------------------------------------- 5.2

/// Closes a client's stdin (end of input: it leaves once its lines are back) and fails
/// unless it exits successfully.
fn leave(client: &mut Proc, who: &str) -> Result<()> {
    client.close_stdin();
    client
        .wait(Duration::from_secs(10))?
        .expect_success(&format!("{who}'s client, leaving"))?;
    Ok(())
}

pub fn every_record_is_laid_out_as_chapter_3_says(sb: &mut Sandbox) -> Result<()> {
    let started = now_ms();
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    let longest_name = "sixteen_chars-16";
    let mut other = join(sb, longest_name)?;
    // Texts of many lengths, so that the padding takes every value from 0 to 7.
    let mut texts: Vec<String> = (0..8).map(|n| "abcdefg"[..n].to_string() + "!").collect();
    texts.push("é".repeat(236)); // 472 bytes, the longest text
    for text in &texts {
        say(&mut other, text)?;
    }
    wait_for_chat(&mut alice, texts.len())?;
    say(&mut alice, "bye")?;
    wait_for_chat(&mut alice, texts.len() + 1)?;
    leave(&mut alice, "alice")?;
    stop_server(&mut server, "the server")?;
    let finished = now_ms();

    let parsed = logfile::read(&log_path(sb))?;
    parsed.clean()?;
    ensure!(
        (started - 5_000..=finished).contains(&parsed.created_ms),
        "the header's created_ms ({}) should be the time the file was made",
        parsed.created_ms
    );
    let first = parsed.records.first().context("the log has no records")?;
    ensure!(
        first.seq == 1,
        "the first record of a new room should be number 1, it is {}",
        first.seq
    );
    let mut expected = vec![
        (JOIN, "alice".to_string(), String::new(), alice.pid()),
        (JOIN, longest_name.to_string(), String::new(), other.pid()),
    ];
    expected.extend(
        texts
            .iter()
            .map(|t| (CHAT, longest_name.to_string(), t.clone(), other.pid())),
    );
    expected.push((CHAT, "alice".into(), "bye".into(), alice.pid()));
    expected.push((LEAVE, "alice".into(), String::new(), alice.pid()));
    ensure!(
        parsed.records.len() >= expected.len(),
        "the log should hold at least {} records (2 joins, {} lines, a leave), it holds {}",
        expected.len(),
        texts.len() + 1,
        parsed.records.len()
    );
    for (record, (kind, name, text, pid)) in parsed.records.iter().zip(&expected) {
        let what = format!("record {} (offset {})", record.seq, record.offset);
        ensure!(
            (record.kind, &record.name, &record.text, record.pid) == (*kind, name, text, *pid),
            "{what} should be kind {kind}, name {name:?}, text {text:?}, pid {pid}; it is kind {}, \
             name {:?}, text {:?}, pid {}",
            record.kind,
            record.name,
            record.text,
            record.pid
        );
        ensure!(
            record.len == record_len(name.len(), text.len()),
            "{what}: len should be {}",
            record_len(name.len(), text.len())
        );
        ensure!(
            (started..=finished).contains(&record.time_ms),
            "{what}: time_ms {} is not a time during the test",
            record.time_ms
        );
    }
    let seen = shown_lines(&alice.stdout_text());
    ensure!(
        parsed
            .shown()
            .starts_with(&seen[..seen.len().min(parsed.records.len())]),
        "what alice saw is not what the log holds:\nalice: {seen:?}\nlog:   {:?}",
        parsed.shown()
    );
    Ok(())
}

pub fn history_survives_a_clean_restart(sb: &mut Sandbox) -> Result<()> {
    let mut server = start_server(sb)?;
    let mut alice = join(sb, "alice")?;
    for i in 1..=5 {
        say(&mut alice, &format!("before the restart {i}"))?;
    }
    wait_for_chat(&mut alice, 5)?;
    leave(&mut alice, "alice")?;
    stop_server(&mut server, "the server")?;
    let before = logfile::read(&log_path(sb))?;
    before.clean()?;
    ensure!(
        before.chat().len() == 5,
        "after 5 lines the log should hold 5 chat records, it holds {:?}",
        before.chat()
    );

    let mut again = start_server(sb)?;
    let mut carol = join(sb, "carol")?;
    let mut history = before.shown();
    history.push("* carol joined".into());
    let out = carol.wait_for_stdout(PATIENCE, "the history and her own join", |out| {
        shown_lines(out).len() >= history.len()
    })?;
    ensure!(
        shown_lines(&out) == history,
        "a client joining after a restart should see the history from the log:\nexpected {history:?}\nsaw      {:?}",
        shown_lines(&out)
    );
    say(&mut carol, "after the restart")?;
    carol.wait_for_stdout(PATIENCE, "her line", |out| {
        out.contains("<carol> after the restart")
    })?;
    stop_server(&mut again, "the restarted server")?;
    let after = logfile::read(&log_path(sb))?;
    after.clean()?;
    ensure!(
        after.records.starts_with(&before.records),
        "the restarted server changed the records that were there before it"
    );
    let next = &after.records[before.records.len()..];
    let shown: Vec<String> = next.iter().map(logfile::Record::shown).collect();
    ensure!(
        shown.starts_with(&[
            "* carol joined".to_string(),
            "<carol> after the restart".to_string()
        ]),
        "after the old records the log should go on with carol's join and line, it has {shown:?}"
    );
    ensure!(
        next[0].seq == before.records.len() as u64 + 1,
        "numbering must continue after the restart: the next record should be {}, it is {}",
        before.records.len() + 1,
        next[0].seq
    );
    Ok(())
}

// ---------------------------------------------------------------- 5.3

pub fn a_flipped_bit_in_a_middle_record_drops_it_and_everything_after(
    sb: &mut Sandbox,
) -> Result<()> {
    let (mut bytes, offsets) = crafted(10, now_ms() - 3_600_000);
    bytes.resize(INITIAL_SIZE as usize, 0);
    let damaged = offsets[4];
    bytes[damaged + 34] ^= 0x04; // a letter of record 5's name
    let _server = expect_recovery(
        sb,
        &bytes,
        damaged,
        4,
        "dave",
        "a log whose 5th record has a flipped bit",
        start_server,
    )?;
    let parsed = logfile::read(&log_path(sb))?;
    let join = parsed
        .records
        .get(4)
        .context("the server did not log dave's join")?;
    ensure!(
        join.seq == 5 && join.offset == damaged,
        "dave's join should be record 5, where the damaged one was (offset {damaged}); it is \
         record {} at offset {}",
        join.seq,
        join.offset
    );
    Ok(())
}

/// One way to damage record 3 of 5 that a reader must notice.
pub struct Variant {
    /// What the damage is.
    pub what: &'static str,
    /// Makes it, on the record's bytes (it may make the record shorter or longer).
    pub damage: fn(&mut Vec<u8>),
}

/// Writes `bytes` (and 4 KiB of zeros) as the room's log, runs `step05-log`, checks that it
/// changed nothing, and returns the lines it printed, without their times.
pub fn reader_shows(sb: &Sandbox, bytes: &[u8], what: &str) -> Result<Vec<String>> {
    let mut file = bytes.to_vec();
    file.resize(bytes.len() + 4096, 0);
    fs::write(log_path(sb), &file)?;
    let out = sb.run(sb.cmd("step05-log").arg("--room").arg(sb.path()))?;
    out.expect_success(&format!("step05-log on a log with {what}"))?;
    ensure!(
        fs::read(log_path(sb))? == file,
        "step05-log changed a log with {what}: a reader must never write"
    );
    Ok(shown_lines(&out.stdout_text()))
}

/// Runs the reader on 5 crafted records, record 3 damaged by each variant in turn, and
/// fails, listing every variant the reader believed (so that one run shows them all).
pub fn reader_stops_at_each(sb: &Sandbox, variants: &[Variant]) -> Result<()> {
    let (good, offsets) = crafted(5, now_ms() - 3_600_000);
    let before: Vec<String> = (1..=2).map(crafted_line).collect();
    let mut believed = Vec::new();
    for variant in variants {
        let mut record = good[offsets[2]..offsets[3]].to_vec();
        (variant.damage)(&mut record);
        let mut bytes = good[..offsets[2]].to_vec();
        bytes.extend(&record);
        bytes.extend(&good[offsets[3]..]);
        match reader_shows(sb, &bytes, variant.what) {
            Ok(shown) if shown == before => {}
            Ok(shown) => believed.push(format!("{}: it printed {shown:?}", variant.what)),
            Err(error) => believed.push(format!("{}: {error:#}", variant.what)),
        }
    }
    ensure!(
        believed.is_empty(),
        "record 3 of 5 was damaged in {} of {} ways that a reader must notice, stopping \
         before it (records 1 and 2 only). It did not for:\n- {}",
        believed.len(),
        variants.len(),
        believed.join("\n- ")
    );
    Ok(())
}

pub fn the_reader_believes_no_damaged_record(sb: &mut Sandbox) -> Result<()> {
    let variants = [
        Variant {
            what: "a flipped bit in the text",
            damage: |r| r[37] ^= 0x01,
        },
        Variant {
            what: "a flipped bit in the crc",
            damage: |r| r[5] ^= 0x80,
        },
        Variant {
            what: "a len that is not a multiple of 8",
            damage: |r| r[0] += 4,
        },
        Variant {
            what: "a len 8 bytes too long",
            damage: |r| r[0] += 8,
        },
        Variant {
            what: "a len below the record header's size",
            damage: |r| r[0..4].copy_from_slice(&16u32.to_le_bytes()),
        },
        Variant {
            what: "a len larger than any record",
            damage: |r| r[0..4].copy_from_slice(&0x7fff_fff8u32.to_le_bytes()),
        },
        Variant {
            what: "a record of 16 bytes whose crc matches them",
            damage: |r| {
                r.truncate(16);
                r[0..4].copy_from_slice(&16u32.to_le_bytes());
                seal(r)
            },
        },
        Variant {
            what: "a record of 8 bytes whose crc matches them",
            damage: |r| {
                r.truncate(8);
                r[0..4].copy_from_slice(&8u32.to_le_bytes());
                seal(r)
            },
        },
        Variant {
            what: "an unknown kind (crc recomputed)",
            damage: |r| {
                r[28] = 9;
                seal(r)
            },
        },
        Variant {
            what: "a name_len longer than the record (crc recomputed)",
            damage: |r| {
                r[29] = 200;
                seal(r)
            },
        },
        Variant {
            what: "a text_len that does not add up to len (crc recomputed)",
            damage: |r| {
                r[30] += 8;
                seal(r)
            },
        },
        Variant {
            what: "a name and text that fit in len but do not add up to it (crc recomputed)",
            damage: |r| {
                r[30] = 1;
                seal(r)
            },
        },
        Variant {
            what: "a 40-byte name, longer than NAME_MAX (len and crc to match)",
            damage: |r| *r = logfile::record(3, 0, 4003, CHAT, &"n".repeat(40), "line 3"),
        },
        Variant {
            what: "a text that is not UTF-8 (crc recomputed)",
            damage: |r| {
                r[38] = 0xff;
                seal(r)
            },
        },
        Variant {
            what: "a name that is not UTF-8 (crc recomputed)",
            damage: |r| {
                r[33] = 0xff;
                seal(r)
            },
        },
        Variant {
            what: "an empty name (crc recomputed)",
            damage: |r| {
                // "ann" + "line 3" becomes "" + "annline 3": same len, no name.
                r[29] = 0;
                r[30] += 3;
                seal(r)
            },
        },
    ];
    let (good, _) = crafted(5, now_ms() - 3_600_000);
    let all: Vec<String> = (1..=5).map(crafted_line).collect();
    let shown = reader_shows(sb, &good, "5 good records")?;
    ensure!(
        shown == all,
        "step05-log should print the 5 records of a good log: {shown:?}"
    );
    reader_stops_at_each(sb, &variants)?;
    // Numbers start at 1: a first record numbered 0 is not a record.
    let mut zero = logfile::header(now_ms());
    zero.extend(logfile::record(0, now_ms(), 4000, CHAT, "ann", "line 0"));
    let shown = reader_shows(sb, &zero, "a first record numbered 0")?;
    ensure!(
        shown.is_empty(),
        "a first record numbered 0 is not a record (numbers start at 1): step05-log printed {shown:?}"
    );
    Ok(())
}

pub fn a_late_joiner_after_a_restart_gets_the_last_256_records(sb: &mut Sandbox) -> Result<()> {
    let (mut bytes, _) = crafted(600, now_ms() - 3_600_000);
    bytes.resize(
        bytes.len().next_power_of_two().max(INITIAL_SIZE as usize),
        0,
    );
    fs::write(log_path(sb), &bytes)?;
    let _server = start_server(sb)?;
    let mut zoe = join(sb, "zoe")?;
    say(&mut zoe, "first new line")?;
    let out = zoe.wait_for_stdout(PATIENCE, "her own line", |out| {
        out.contains("<zoe> first new line")
    })?;
    // The ring holds 256 entries: records 346 to 600, then zoe's join (601).
    let mut expected: Vec<String> = (346..=600).map(crafted_line).collect();
    expected.push("* zoe joined".into());
    expected.push("<zoe> first new line".into());
    ensure!(
        shown_lines(&out) == expected,
        "a client joining a restarted room should see the newest records from the log (346 to \
         600, with its join the ring's 256), then its own line; it saw {} lines, the first {:?}, \
         the last {:?}",
        shown_lines(&out).len(),
        shown_lines(&out).first(),
        shown_lines(&out).last()
    );
    ensure!(
        out.contains("* 345 earlier message(s)"),
        "the client should say how many earlier entries the ring no longer holds (345)"
    );
    let parsed = logfile::read(&log_path(sb))?;
    let new: Vec<(u64, String)> = parsed.records[600..]
        .iter()
        .map(|r| (r.seq, r.shown()))
        .collect();
    ensure!(
        new.starts_with(&[
            (601, "* zoe joined".to_string()),
            (602, "<zoe> first new line".to_string())
        ]),
        "after the 600 records the log should go on with 601 (zoe's join) and 602 (her line): {new:?}"
    );
    Ok(())
}
