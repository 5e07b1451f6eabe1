//! Exercise 7.5: `ipc-chat stress` and its agreement check.

use std::time::Duration;

use anyhow::{Result, ensure};

use crate::common::program;
use crate::harness::{Output, Sandbox};

/// Runs `ipc-chat stress` with `extra` arguments in a directory of the sandbox.
fn stress(sb: &Sandbox, dir: &str, extra: &[&str]) -> Result<Output> {
    sb.run(
        program(sb, crate::STRESS)
            .arg("--dir")
            .arg(sb.join(dir))
            .args(extra)
            .limit(Duration::from_secs(100)),
    )
}

pub fn stress_passes_honest_runs_with_churn_and_crashes(sb: &mut Sandbox) -> Result<()> {
    for (i, extra) in [
        &["--clients", "6", "--lines", "150", "--seed", "11"][..],
        &[
            "--clients",
            "6",
            "--lines",
            "150",
            "--churn",
            "--seed",
            "12",
        ][..],
        &[
            "--clients",
            "4",
            "--lines",
            "150",
            "--churn",
            "--crash-rounds",
            "2",
            "--seed",
            "13",
        ][..],
    ]
    .iter()
    .enumerate()
    {
        let out = stress(sb, &format!("run{i}"), extra)?;
        ensure!(
            out.success()
                && out
                    .stdout_text()
                    .contains("OK: every view and the log agree"),
            "ipc-chat stress {} found discrepancies in a run where the chat worked (the grader \
             checked nothing else went wrong): check must accept every view that is consecutive \
             entries of the log, and senders who quit or were killed part way.\n{}",
            extra.join(" "),
            out.describe()
        );
    }
    Ok(())
}

pub fn stress_fails_on_every_planted_discrepancy(sb: &mut Sandbox) -> Result<()> {
    for (plant, words) in [
        ("drop", "a view that misses an entry"),
        ("dup", "a view that shows an entry twice"),
        ("swap", "a view with two entries swapped"),
        ("lose", "a finished sender's line missing from the log"),
        (
            "lose-seen",
            "a finished sender's line missing from the log and from every view",
        ),
        (
            "reorder-sender",
            "two lines of one sender swapped in the log and in every view",
        ),
    ] {
        let out = stress(
            sb,
            &format!("plant-{plant}"),
            &[
                "--clients",
                "4",
                "--lines",
                "40",
                "--seed",
                "21",
                "--plant",
                plant,
            ],
        )?;
        ensure!(
            !out.success() && out.stdout_text().contains("FAIL:"),
            "ipc-chat stress --plant {plant} ({words}) must report the discrepancy and exit with \
             a failure; it did not:\n{}",
            out.describe()
        );
    }
    Ok(())
}
