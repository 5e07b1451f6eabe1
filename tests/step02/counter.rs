//! Exercise 2.4: the shared counter, incremented atomically by several processes at once.

use std::time::Duration;

use anyhow::{Result, ensure};

use crate::common::{
    COUNTER_PROJ, COUNTER_SIZE, command, ok, read_segment, segment_id, shown, step_one_done, u64_at,
};
use crate::harness::{Sandbox, ipc};

pub fn four_processes_of_10000_atomic_increments_count_40000(sb: &mut Sandbox) -> Result<()> {
    let mut adders = Vec::new();
    for _ in 0..4 {
        adders.push(
            sb.spawn(
                command(
                    sb,
                    "step02-counter",
                    "add",
                    &["--create", "--times", "10000", "--processes", "4"],
                )
                .limit(Duration::from_secs(30)),
            )?,
        );
    }
    for adder in &mut adders {
        let out = adder.wait(Duration::from_secs(30))?;
        step_one_done(&out)?;
        out.expect_success("`step02-counter add --times 10000 --processes 4`")?;
    }
    let id = segment_id(sb, COUNTER_PROJ)?;
    let bytes = read_segment(id)?;
    ensure!(
        bytes.len() == COUNTER_SIZE,
        "the counter's segment is {} bytes, expected {COUNTER_SIZE}",
        bytes.len()
    );
    let (count, arrived) = (u64_at(&bytes, 0), u64_at(&bytes, 8));
    ensure!(
        count == 40_000,
        "4 processes x 10,000 increments must give exactly 40000; the segment holds {count} \
         ({} updates lost)",
        40_000i64 - count as i64
    );
    ensure!(
        arrived == 4,
        "the start line at offset 8 counts {arrived} processes, expected 4"
    );
    let out = ok(sb, "step02-counter", "get", &[])?;
    ensure!(
        out.stdout_text().trim() == "40000",
        "`step02-counter get` must print 40000: {}",
        out.describe()
    );
    Ok(())
}

pub fn counter_run_counts_exactly_and_leaves_no_segment(sb: &mut Sandbox) -> Result<()> {
    let out = ok(
        sb,
        "step02-counter",
        "run",
        &["--processes", "3", "--times", "5000"],
    )?;
    ensure!(
        out.stdout_text()
            .contains("expected 15000, counted 15000: no update lost"),
        "3 processes x 5000 increments with fetch_add must count 15000: {}",
        out.describe()
    );
    ensure!(
        ipc::find(ipc::Kind::Segment, sb.key(COUNTER_PROJ)).is_none(),
        "`step02-counter run` must remove its segment when it is done"
    );
    // The race demonstration: its count is whatever the race leaves (not graded), but it
    // must run and clean up too.
    let out = ok(
        sb,
        "step02-counter",
        "run",
        &["--processes", "2", "--times", "5000", "--racy"],
    )?;
    out.expect_stdout(
        "expected 10000, counted",
        "`step02-counter run --racy` must report the expected and counted totals",
    )?;
    ensure!(
        ipc::find(ipc::Kind::Segment, sb.key(COUNTER_PROJ)).is_none(),
        "`step02-counter run --racy` must remove its segment when it is done"
    );
    Ok(())
}

pub fn increment_returns_the_new_count(sb: &mut Sandbox) -> Result<()> {
    // `add` prints what its last `Counter::increment` returned: the count after it.
    for (extra, total) in [
        (&["--create", "--times", "5"][..], 5),
        (&["--times", "3"], 8),
    ] {
        let out = ok(sb, "step02-counter", "add", extra)?;
        let stderr = out.stderr_text();
        let reported = stderr
            .split("the count was ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next());
        ensure!(
            reported == Some(&total.to_string()),
            "{} must report \"the count was {total} after its last increment\": Counter::increment \
             returns the new count, not the one before (fetch_add returns the old value). It \
             reported {}",
            shown("step02-counter", "add", extra),
            reported.map_or_else(|| "no count".to_string(), |n| format!("the count {n}")),
        );
    }
    let out = ok(sb, "step02-counter", "get", &[])?;
    ensure!(
        out.stdout_text().trim() == "8",
        "after 5 and then 3 increments `step02-counter get` must print 8: {}",
        out.describe()
    );
    Ok(())
}
