//! The grading harness shared by every `tests/stepNN.rs`.
//!
//! Each step's test file declares its tests as [`Test`] values (exercise, points, time
//! limit, hint), each with the [`test!`] macro, and hands them to [`run`], which:
//!
//! 1. builds the implementation being graded (`steps/` by default, `GRADE_IMPL=solutions`
//!    for the solutions), so the binaries are never stale, and reports compile errors;
//! 2. runs every test with libtest-mimic (parallel, filterable like `cargo test`), each in
//!    its own [`Sandbox`]: a fresh directory whose ftok keys no other test uses, child
//!    processes in their own process groups, a watchdog that kills them at the time limit,
//!    and cleanup of every process and IPC object on the way out, even after a panic;
//! 3. prints a per-exercise score and `Score: NN/100`, and writes a Gradescope-style JSON
//!    report to `target/grades/stepNN.json` (or `$GRADE_REPORT`).
//!
//! ## Layout
//!
//! - [`isolation`]: a private IPC namespace per grader run, and adopting stray processes.
//! - [`build`]: which tree is graded, and building it.
//! - [`sandbox`]: the per-test directory, process spawning with deadlines, cleanup.
//! - [`ipc`]: looking at System V objects directly, independently of the code under test.
//! - [`report`]: the summary and the JSON report.

// Every step's test binary includes this module but uses only part of it.
#![allow(dead_code, unused_imports)]

pub mod build;
pub mod ipc;
pub mod isolation;
pub mod loom;
pub mod report;
pub mod sandbox;
pub mod trace;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};

pub use nix::sys::signal::Signal;
pub use sandbox::{Cmd, Output, Proc, Sandbox};

/// The step a test binary grades.
pub struct Step {
    /// The step number, 1 to 7.
    pub number: u32,
    /// The step's title, for the summary.
    pub title: &'static str,
    /// The Cargo package whose binaries the tests run.
    pub package: &'static str,
}

/// One graded test (made with [`test!`]).
pub struct Test {
    /// What the test proves, as a snake_case sentence.
    pub name: &'static str,
    /// The exercise whose points the test carries, e.g. `"1.3"`.
    pub exercise: &'static str,
    /// Points earned when it passes.
    pub points: u32,
    /// Time limit in seconds; at the limit every process of the test is killed.
    pub seconds: u64,
    /// Shown to the student when the test fails.
    pub hint: &'static str,
    /// The test itself.
    pub run: fn(&mut Sandbox) -> anyhow::Result<()>,
}

/// Registers a graded test: the function that runs it, the exercise it grades, its
/// points, its time limit in seconds and its hint. The test's name is the function's.
///
/// ```ignore
/// test!(
///     exact_bytes_round_trip,
///     "1.3", 8 points, 20 s,
///     "Send exactly payload.len() bytes ...",
/// ),
/// ```
///
/// A function in a module of the grader is named by its path, `mailbox::reader_waits`;
/// the test's name is the function's own (`reader_waits`).
macro_rules! test {
    ($module:ident :: $function:ident, $exercise:literal, $points:literal points,
     $seconds:literal s, $hint:expr $(,)?) => {
        $crate::harness::Test {
            name: stringify!($function),
            exercise: $exercise,
            points: $points,
            seconds: $seconds,
            hint: $hint,
            run: $module::$function,
        }
    };
    ($function:ident, $exercise:literal, $points:literal points, $seconds:literal s,
     $hint:expr $(,)?) => {
        $crate::harness::Test {
            name: stringify!($function),
            exercise: $exercise,
            points: $points,
            seconds: $seconds,
            hint: $hint,
            run: $function,
        }
    };
}
pub(crate) use test;

/// What happened to one test, for the summary and the report.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The test's name.
    pub name: String,
    /// Its exercise.
    pub exercise: String,
    /// Its points.
    pub points: u32,
    /// `None` when it passed, else why it failed (hint included).
    pub failure: Option<String>,
}

/// Runs `tests` as the grader of `step` and returns the exit status.
pub fn run(step: Step, tests: Vec<Test>) -> ExitCode {
    // First, while this process has a single thread (see `isolation`).
    let namespace = isolation::enter_private_ipc_namespace();
    isolation::become_subreaper();
    let args = Arguments::from_args();
    let implementation = build::Implementation::from_env();
    let binaries = if args.list {
        Ok(Default::default())
    } else {
        implementation.build(step.package)
    };
    if let Err(errors) = &binaries {
        eprintln!(
            "\n{} does not compile, so every test of step {} fails. The compiler says:\n\n{errors}",
            implementation.label, step.number
        );
    }
    let changed = if args.list {
        Vec::new()
    } else {
        implementation.changed_given_code(step.number)
    };
    if !changed.is_empty() {
        eprintln!(
            "\nNote: given code of step {} was changed (only the exercise regions are yours; the \
             report lists these files for your instructor):\n  {}\n",
            step.number,
            changed.join("\n  ")
        );
    }
    let binaries = Arc::new(binaries.ok());
    let outcomes = Arc::new(Mutex::new(Vec::new()));

    let number = step.number;
    let trials = tests
        .into_iter()
        .map(|test| {
            let kind = format!("{} {:>2} pts", test.exercise, test.points);
            let binaries = Arc::clone(&binaries);
            let outcomes = Arc::clone(&outcomes);
            Trial::test(test.name, move || {
                let failure = run_one(&test, binaries.as_ref().as_ref(), number);
                let message = failure.map(|failure| match failure.hint {
                    Hint::Own => format!("{}\nhint: {}", failure.why, test.hint),
                    Hint::Instead(hint) => format!("{}\nhint: {hint}", failure.why),
                    Hint::None => failure.why,
                });
                lock(&outcomes).push(Outcome {
                    name: test.name.to_string(),
                    exercise: test.exercise.to_string(),
                    points: test.points,
                    failure: message.clone(),
                });
                match message {
                    None => Ok(()),
                    Some(message) => Err(Failed::from(message)),
                }
            })
            .with_kind(kind)
        })
        .collect();

    let filtered = args.filter.is_some() || !args.skip.is_empty() || args.exact;
    let list_only = args.list;
    let conclusion = libtest_mimic::run(&args, trials);
    let strays = isolation::kill_leftover_children();
    if strays > 0 {
        eprintln!("killed {strays} process(es) that escaped their test's process group");
    }
    if !list_only {
        let outcomes = lock(&outcomes).clone();
        report::summarize(&step, &implementation, &outcomes, filtered, &changed);
        if namespace == isolation::Namespace::Private {
            println!(
                "(The tests ran in a private IPC namespace: nothing they made outlives this run.)"
            );
        }
    }
    conclusion.exit_code()
}

/// Why a test failed, and which hint goes with it.
struct Failure {
    /// What went wrong.
    why: String,
    /// The hint to print after it.
    hint: Hint,
}

/// Which hint a failure gets.
enum Hint {
    /// The test's own hint: the failure is about its exercise.
    Own,
    /// Another one: the failure is not (only) about the exercise's logic.
    Instead(String),
    /// None at all (the code did not compile: one banner above says it all).
    None,
}

/// Runs one test in a fresh sandbox; `Some(failure)` if it failed.
fn run_one(test: &Test, binaries: Option<&build::Binaries>, step: u32) -> Option<Failure> {
    let Some(binaries) = binaries else {
        return Some(Failure {
            why: "not run: the code does not compile (the compiler's messages are above the \
                  test list)"
                .into(),
            hint: Hint::None,
        });
    };
    let limit = Duration::from_secs(test.seconds);
    let mut sandbox = match Sandbox::new(binaries.clone(), limit) {
        Ok(sandbox) => sandbox,
        Err(error) => {
            return Some(Failure {
                why: format!("the grader could not set up the test: {error:#}"),
                hint: Hint::None,
            });
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| (test.run)(&mut sandbox)));
    let timed_out = sandbox.timed_out();
    let stopped = sandbox.stopped_early();
    let activity = sandbox.activity();
    // Kill every process and remove every IPC object of the test before judging it.
    drop(sandbox);
    let mut failure = if timed_out {
        // What the test saw after its processes were killed usually names the one that hung.
        let last_words = match &result {
            Ok(Err(error)) => format!("\nwhat the test saw: {error:#}"),
            _ => String::new(),
        };
        Failure {
            why: format!(
                "did not finish within its time limit of {} s, so every process it started was \
                 killed: a call that blocks forever, a process that never exits, or a machine so \
                 busy that everything ran far slower than usual{last_words}\nwhat its processes \
                 had printed by then:\n{activity}",
                test.seconds
            ),
            hint: Hint::Instead(format!(
                "a time-out is not always a bug: on a busy machine, run `make check-step {step}` \
                 again. If it times out again, the output above shows where the processes were \
                 when they were stopped. ({})",
                test.hint
            )),
        }
    } else {
        match result {
            Ok(Ok(())) => return None,
            Ok(Err(error)) => Failure {
                why: format!("{error:#}"),
                hint: Hint::Own,
            },
            Err(panic) => Failure {
                why: match panic.downcast_ref::<String>() {
                    Some(text) => format!("the test panicked: {text}"),
                    None => match panic.downcast_ref::<&str>() {
                        Some(text) => format!("the test panicked: {text}"),
                        None => "the test panicked".into(),
                    },
                },
                hint: Hint::Own,
            },
        }
    };
    blame(test, &stopped, &mut failure);
    Some(failure)
}

/// Names every process of the test that stopped at a stub or panicked, with its stderr,
/// whatever the test itself concluded; if one stopped at another exercise's stub, the hint
/// says to finish that exercise first.
fn blame(test: &Test, stopped: &[sandbox::Stopped], failure: &mut Failure) {
    for process in stopped {
        let how = match &process.stub {
            Some(id) if id == test.exercise => {
                format!("stopped at the unfinished stub of exercise {id}, the one this test grades")
            }
            Some(id) => format!(
                "stopped at the unfinished stub of exercise {id}, which this test needs too: the \
                 failure above comes from there"
            ),
            None => "panicked".to_string(),
        };
        failure.why.push_str(&format!(
            "\nnote: {} {how}. Its stderr:{}",
            process.process, process.stderr
        ));
    }
    let neighbour = stopped
        .iter()
        .find_map(|s| s.stub.clone().filter(|id| id != test.exercise));
    if let Some(id) = neighbour {
        failure.hint = Hint::Instead(format!(
            "this test of exercise {} reached exercise {id}, which is not done yet: finish {id} \
             first (`make hint E={id}`), then check again.",
            test.exercise
        ));
    }
}

/// Locks a mutex, ignoring poisoning (a panicking test must not break the summary).
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
