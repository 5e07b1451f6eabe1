//! `ipc-chat bench --quick` prints every figure of the issue, each with its ratio to the
//! raw figure measured in the same run, and the machine. (The figures themselves are
//! measured, not asserted: a test on a busy machine cannot time anything fairly.)

use std::process::Command;

#[test]
fn bench_prints_every_figure_and_ratio() {
    let output = Command::new(env!("CARGO_BIN_EXE_ipc-chat"))
        .args(["bench", "--quick"])
        .output()
        .expect("cannot run ipc-chat bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "ipc-chat bench --quick failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("CPUs, Linux"), "no machine line:\n{stdout}");
    for figure in [
        "raw queue: one-way latency p50",
        "raw queue: one-way latency p99",
        "raw queue: stream throughput",
        "chat: end-to-end latency p50",
        "chat: end-to-end latency p99",
        "chat: server throughput",
        "chat: server CPU per line, 1 reader",
        "chat: server CPU per line, 8 readers",
        "chat: server CPU per line, 64 readers",
        "chat: idle client wake-ups",
        "step 4 (50 ms polling): latency p50",
    ] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(figure))
            .unwrap_or_else(|| panic!("no {figure:?} line:\n{stdout}"));
        if figure.starts_with("chat") && !figure.contains("wake-ups")
            || figure.starts_with("step 4")
        {
            assert!(line.contains('×'), "{figure} has no ratio: {line}");
        }
    }
}
