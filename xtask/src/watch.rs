//! `make watch N`: re-grades step N whenever a file of `steps/NN-*/` changes, like
//! rustlings' watch mode.
//!
//! Each run is exactly `make check-step N` (`GRADE_IMPL=steps cargo test --quiet --test
//! stepNN`), its output shown as it comes, followed by a status line read from the report
//! it writes (`target/grades/stepNN.json`):
//!
//! ```text
//! step 4: 62/100; failing: 4.3, 4.5; watching steps/04-chat (Ctrl-C to stop)
//! ```
//!
//! - **Which changes count.** The watcher is notify's (inotify on Linux). Opening and
//!   reading a file are not changes: the grader's own build reads the sources, and must not
//!   start the next run. Editor droppings (`.x.swp`, `x~`, `#x#`, vim's `4913`) and
//!   anything under a `target/` directory are ignored too.
//! - **A burst of saves is one run.** After a change, the watcher waits until the step has
//!   been quiet for [`QUIET`] before it grades. Changes made while a run is going on start
//!   one more run when it ends.
//! - **Ctrl-C.** SIGINT, SIGTERM and SIGHUP are blocked in every thread of this process and
//!   taken by one thread with sigwait(2), which asks the main loop to stop. (The grading
//!   run gets an empty mask: std would pass the blocked one on.) A grading run in
//!   progress is interrupted (the terminal sends SIGINT to it as well; it is also
//!   signalled directly, for a stop that did not come from the terminal), and the sandbox
//!   directories it left behind are removed, with their IPC objects. A second signal ends
//!   the process at once.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use course_tools::{Course, id_key};
use grading_report::Report;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::clean;
use crate::grading::{graded_steps, load_report};

/// How long the step must be quiet after a change before it is graded.
const QUIET: Duration = Duration::from_millis(300);

/// Set when a stop signal arrived.
static STOP: AtomicBool = AtomicBool::new(false);
/// The pid of the running `cargo test`, or 0.
static CHILD: AtomicI32 = AtomicI32::new(0);

/// What the main loop waits for.
enum Msg {
    /// A relevant file changed (its path).
    Changed(PathBuf),
    /// The watcher failed.
    WatchError(String),
    /// SIGINT, SIGTERM or SIGHUP.
    Stop,
}

/// Prints a line, ignoring a closed terminal (after a hang-up, printing must not panic).
fn say(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
    let _ = std::io::stdout().flush();
}

/// Whether a change of `path` (relative to the watched directory) should re-grade.
pub fn is_relevant(path: &Path) -> bool {
    if path.components().any(|c| c.as_os_str() == "target") {
        return false;
    }
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return true;
    };
    let noise = name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913"
        || [
            ".swp",
            ".swo",
            ".swx",
            ".tmp",
            "___jb_tmp___",
            "___jb_old___",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix));
    !noise
}

/// Whether an event of `kind` is a change (not a mere open, read or close).
fn is_change(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Access(_))
}

/// The line printed after each run.
pub fn status_line(step: u32, report: Option<&Report>, watched: &str) -> String {
    let tail = format!("watching {watched} (Ctrl-C to stop)");
    let Some(report) = report else {
        return format!("step {step}: the grader wrote no report (see above); {tail}");
    };
    let failing: BTreeSet<Vec<u32>> = report
        .tests
        .iter()
        .filter(|t| !t.passed())
        .map(|t| id_key(t.exercise()))
        .collect();
    let score = report.score;
    if failing.is_empty() {
        return format!("step {step}: {score}/100, every test passes; {tail}");
    }
    let ids: Vec<String> = failing
        .iter()
        .map(|key| key.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
        .collect();
    let compiles = !report
        .tests
        .iter()
        .all(|t| !t.passed() && t.output.starts_with("the code does not compile"));
    if compiles {
        format!(
            "step {step}: {score}/100; failing: {}; {tail}",
            ids.join(", ")
        )
    } else {
        format!("step {step}: {score}/100; the code does not compile (see above); {tail}")
    }
}

/// Blocks the stop signals in this thread (and so in every thread started after) and
/// starts the thread that takes them.
fn handle_stop_signals(messages: mpsc::Sender<Msg>) -> Result<()> {
    // SAFETY: sigset_t is plain data that sigemptyset initializes; pthread_sigmask only
    // changes this thread's mask. No other thread exists yet, so all inherit it.
    let set = unsafe {
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(set.as_mut_ptr());
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(set.as_mut_ptr(), signal);
        }
        let set = set.assume_init();
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            bail!("cannot block SIGINT");
        }
        set
    };
    std::thread::spawn(move || {
        loop {
            let mut signal = 0;
            // SAFETY: `set` is an initialized signal set and `signal` a valid out-pointer.
            if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
                continue;
            }
            if STOP.swap(true, Ordering::SeqCst) {
                // The second signal: stop waiting for anything.
                std::process::exit(130);
            }
            let child = CHILD.load(Ordering::SeqCst);
            if child > 0 {
                interrupt_tree(child);
            }
            let _ = messages.send(Msg::Stop);
        }
    });
    Ok(())
}

/// Sends SIGINT to `pid` and its descendants (cargo and the grader it runs).
fn interrupt_tree(pid: i32) {
    let mut pids = vec![pid];
    let mut index = 0;
    while index < pids.len() {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", pids[index]));
        for task in tasks.into_iter().flatten().flatten() {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                pids.extend(
                    children
                        .split_whitespace()
                        .filter_map(|p| p.parse::<i32>().ok()),
                );
            }
        }
        index += 1;
    }
    for pid in pids {
        // SAFETY: kill takes plain integers; these are our own descendants, alive or not
        // yet reaped (a zombie ignores the signal).
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
}

/// Runs step `step`'s grader on `steps/` as `make check-step N` does; returns its report.
fn grade_once(course: &Course, step: u32) -> Result<Option<Report>> {
    let report = course
        .root
        .join(format!("target/grades/step{step:02}.json"));
    let _ = std::fs::remove_file(&report);
    let mut command = Command::new(env!("CARGO"));
    // SAFETY: the closure runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed; sigemptyset and sigprocmask are. The child must
    // not inherit our blocked stop signals: Ctrl-C has to reach cargo and the grader.
    unsafe {
        command.pre_exec(|| {
            let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            libc::sigprocmask(libc::SIG_SETMASK, set.as_ptr(), std::ptr::null_mut());
            Ok(())
        });
    }
    let mut child = command
        .current_dir(&course.root)
        .args(["test", "--quiet", "--test", &format!("step{step:02}")])
        .env("GRADE_IMPL", "steps")
        .env_remove("GRADE_REPORT")
        .env_remove("GRADE_TARGET_DIR")
        .stdin(Stdio::null())
        .spawn()
        .context("cannot run cargo test")?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    if STOP.load(Ordering::SeqCst) {
        interrupt_tree(child.id() as i32);
    }
    let _ = child.wait();
    CHILD.store(0, Ordering::SeqCst);
    Ok(load_report(&report).ok())
}

/// After an interrupted run: removes the sandboxes (and their IPC objects) that its grader
/// made from `started` on and could not remove. The grader may outlive cargo by a moment,
/// so this first waits (a few seconds at most) until the owners of those sandboxes are gone.
fn remove_leftovers_since(started: SystemTime) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline
        && clean::course_dirs(Some(started))
            .unwrap_or_default()
            .iter()
            .any(|(_, alive)| *alive)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let dirs = clean::leftover_dirs(Some(started)).unwrap_or_default();
    clean::remove_dirs(&dirs);
}

/// `make watch N`.
pub fn watch(course: &Course, step: u32) -> Result<()> {
    if !graded_steps(course)?.contains(&step) {
        bail!(
            "step {step} has no grader (the steps with one: {:?})",
            graded_steps(course)?
        );
    }
    let prefix = format!("{step:02}-");
    let dir_name = course
        .step_dirs()?
        .into_iter()
        .find(|d| d.starts_with(&prefix))
        .context("no crate for this step")?;
    let dir = course.steps().join(&dir_name);
    if !dir.is_dir() {
        bail!("{} does not exist (make sync-exercises)", dir.display());
    }
    let watched = format!("steps/{dir_name}");

    let (tx, messages) = mpsc::channel();
    handle_stop_signals(tx.clone())?;
    let events = tx.clone();
    let base = dir.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let message = match event {
            Ok(event) if is_change(&event.kind) => event
                .paths
                .into_iter()
                .find(|p| is_relevant(p.strip_prefix(&base).unwrap_or(p)))
                .map(Msg::Changed),
            Ok(_) => None,
            Err(error) => Some(Msg::WatchError(error.to_string())),
        };
        if let Some(message) = message {
            let _ = events.send(message);
        }
    })
    .context("cannot watch files (inotify)")?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {watched}"))?;

    let mut reason = format!("watching {watched}: grading step {step}");
    'runs: loop {
        say(&format!("\n== {reason} =="));
        let started = SystemTime::now();
        let report = grade_once(course, step)?;
        if STOP.load(Ordering::SeqCst) {
            remove_leftovers_since(started);
            break;
        }
        say(&format!(
            "\n{}",
            status_line(step, report.as_ref(), &watched)
        ));

        // Wait for a change, then for the step to be quiet.
        let mut changed: BTreeSet<PathBuf> = BTreeSet::new();
        loop {
            let message = if changed.is_empty() {
                messages.recv().ok()
            } else {
                match messages.recv_timeout(QUIET) {
                    Ok(message) => Some(message),
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    Err(mpsc::RecvTimeoutError::Disconnected) => None,
                }
            };
            match message {
                Some(Msg::Changed(path)) => {
                    changed.insert(path);
                }
                Some(Msg::WatchError(error)) => say(&format!("watch: {error}")),
                Some(Msg::Stop) | None => break 'runs,
            }
        }
        let names: Vec<String> = changed
            .iter()
            .map(|p| {
                p.strip_prefix(&course.root)
                    .unwrap_or(p)
                    .display()
                    .to_string()
            })
            .collect();
        reason = match names.as_slice() {
            [one] => format!("{one} changed: grading step {step} again"),
            [first, rest @ ..] => format!(
                "{first} and {} more changed: grading step {step} again",
                rest.len()
            ),
            [] => format!("grading step {step} again"),
        };
    }
    drop(watcher);
    say(&format!("\nstopped watching {watched}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use grading_report::{Status, TestResult};

    fn test(exercise: &str, passed: bool, output: &str) -> TestResult {
        TestResult {
            max_score: 5,
            name: format!("{exercise} some_test"),
            number: exercise.to_string(),
            output: output.to_string(),
            score: if passed { 5 } else { 0 },
            status: if passed {
                Status::Passed
            } else {
                Status::Failed
            },
        }
    }

    #[test]
    fn status_line_lists_failing_exercises_in_order() {
        let report = Report {
            score: 62,
            tests: vec![
                test("4.10", false, "why"),
                test("4.5", false, "why"),
                test("4.3", false, "why"),
                test("4.5", false, "why"),
                test("4.1", true, "passed"),
            ],
            ..Report::default()
        };
        assert_eq!(
            status_line(4, Some(&report), "steps/04-chat"),
            "step 4: 62/100; failing: 4.3, 4.5, 4.10; watching steps/04-chat (Ctrl-C to stop)"
        );
    }

    #[test]
    fn status_line_for_full_marks_no_report_and_compile_errors() {
        let done = Report {
            score: 100,
            tests: vec![test("1.1", true, "passed")],
            ..Report::default()
        };
        assert_eq!(
            status_line(1, Some(&done), "steps/01-x"),
            "step 1: 100/100, every test passes; watching steps/01-x (Ctrl-C to stop)"
        );
        assert!(status_line(1, None, "steps/01-x").contains("no report"));
        let broken = Report {
            score: 0,
            tests: vec![
                test(
                    "1.1",
                    false,
                    "the code does not compile (see the compiler errors above)",
                ),
                test(
                    "1.2",
                    false,
                    "the code does not compile (see the compiler errors above)",
                ),
            ],
            ..Report::default()
        };
        assert!(status_line(1, Some(&broken), "steps/01-x").contains("does not compile"));
    }

    #[test]
    fn editor_droppings_and_build_output_are_not_changes() {
        for path in ["src/key.rs", "Cargo.toml", "src/bin/step01-send.rs", "src"] {
            assert!(is_relevant(Path::new(path)), "{path}");
        }
        for path in [
            "src/.key.rs.swp",
            "src/key.rs~",
            "src/#key.rs#",
            "src/.#key.rs",
            "src/4913",
            "target/debug/x.rs",
            "src/key.rs___jb_tmp___",
        ] {
            assert!(!is_relevant(Path::new(path)), "{path}");
        }
        assert!(!is_change(&EventKind::Access(
            notify::event::AccessKind::Open(notify::event::AccessMode::Any)
        )));
        assert!(is_change(&EventKind::Modify(
            notify::event::ModifyKind::Any
        )));
    }
}
