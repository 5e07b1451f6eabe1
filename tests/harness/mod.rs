//! The grading harness shared by every `tests/stepNN.rs`.
//!
//! Each step's test file declares its tests as [`Test`] values (exercise, points, time
//! limit, hint) and hands them to [`run`], which:
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

/// One graded test.
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

    let trials = tests
        .into_iter()
        .map(|test| {
            let kind = format!("{} {:>2} pts", test.exercise, test.points);
            let binaries = Arc::clone(&binaries);
            let outcomes = Arc::clone(&outcomes);
            Trial::test(test.name, move || {
                let failure = run_one(&test, binaries.as_ref().as_ref());
                let message = failure
                    .as_ref()
                    .map(|why| format!("{why}\nhint: {}", test.hint));
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

/// Runs one test in a fresh sandbox; `Some(reason)` if it failed.
fn run_one(test: &Test, binaries: Option<&build::Binaries>) -> Option<String> {
    let Some(binaries) = binaries else {
        return Some(
            "the code does not compile (see the compiler errors above the test list)".into(),
        );
    };
    let limit = Duration::from_secs(test.seconds);
    let mut sandbox = match Sandbox::new(binaries.clone(), limit) {
        Ok(sandbox) => sandbox,
        Err(error) => return Some(format!("the grader could not set up the test: {error:#}")),
    };
    let result = catch_unwind(AssertUnwindSafe(|| (test.run)(&mut sandbox)));
    let timed_out = sandbox.timed_out();
    // Kill every process and remove every IPC object of the test before judging it.
    drop(sandbox);
    if timed_out {
        // What the test saw after its processes were killed usually names the one that hung.
        let last_words = match &result {
            Ok(Err(error)) => format!("\nwhat the test saw: {error:#}"),
            _ => String::new(),
        };
        return Some(format!(
            "did not finish within its time limit of {} s, so every process it started was killed \
             (a call that blocks forever, or a process that never exits?){last_words}",
            test.seconds
        ));
    }
    match result {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(format!("{error:#}")),
        Err(panic) => Some(match panic.downcast_ref::<String>() {
            Some(text) => format!("the test panicked: {text}"),
            None => match panic.downcast_ref::<&str>() {
                Some(text) => format!("the test panicked: {text}"),
                None => "the test panicked".into(),
            },
        }),
    }
}

/// Locks a mutex, ignoring poisoning (a panicking test must not break the summary).
pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
