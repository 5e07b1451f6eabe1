//! The terminal client, driven in a real terminal (tmux): incoming lines never split the
//! line being typed, a typed line shows once, a piped client stays line-oriented, and the
//! terminal is cooked again after Ctrl-D. The checks are those of
//! `scripts/transcripts/step07-terminal.sh` (which the book's transcript also runs); this
//! test runs it and fails with its report. `scripts/install-tmux.sh` installs tmux.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_half_typed_line_stays_whole_while_lines_arrive() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("scripts/transcripts/step07-terminal.sh");
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(&script)
        .current_dir(&root)
        .output()
        .expect("cannot run bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        script.display(),
        output.status
    );
    assert!(
        stdout.contains("I am typing a long sen"),
        "the transcript shows no half-typed line:\n{stdout}"
    );
    assert!(started.elapsed() < Duration::from_secs(120));
}
