//! Maintainer and grading tooling for the course, run as `cargo xtask COMMAND`
//! (the Makefile wraps each command in a target). What the graders need too (the
//! exercise regions, the generated skeleton, the given-code check) is in the
//! `course-tools` crate.
//!
//! ## Layout
//!
//! - [`book`]: checks of the book that mdbook does not make.
//! - [`clean`]: removing what a killed grader or demo left behind.
//! - [`skeleton`]: keeping `steps/` in step with `solutions/` (sync, check, reset, mutants).
//! - [`grading`]: the progress table and the proof that the grader is honest.
//! - [`watch`]: re-grading a step whenever the student saves one of its files.
//! - [`hint`]: one exercise's task, hints and place in the book, for the student.

mod book;
mod clean;
mod grading;
mod hint;
mod skeleton;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use course_tools::Course;

/// Course tooling: generate the skeleton, reset exercises, grade, verify the grader.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Regenerate steps/ from solutions/ (refuses to overwrite edited exercises).
    Sync {
        /// Overwrite exercises that hold edits.
        #[arg(long)]
        force: bool,
    },
    /// Fail if steps/ differs from what `sync` would write.
    Check,
    /// Restore the stub of one exercise in steps/.
    Reset {
        /// The exercise id, e.g. 1.3.
        id: String,
    },
    /// List the files of a step whose given code (outside the exercise regions) was changed.
    Integrity {
        /// The step number.
        step: u32,
    },
    /// List every exercise with its points and task.
    Exercises,
    /// Write the solutions with one exercise stubbed to DIR.
    Mutant {
        /// The exercise id to stub.
        id: String,
        /// Where to write the workspace.
        dir: PathBuf,
    },
    /// Grade every step and print a progress table.
    Grade {
        /// `steps` (default), `solutions`, or a workspace directory.
        #[arg(long, default_value = "steps")]
        implementation: String,
    },
    /// Re-grade step N of steps/ whenever one of its files changes (Ctrl-C stops).
    Watch {
        /// The step number.
        step: u32,
    },
    /// Print an exercise's task, file, function, HINT lines and book section.
    Hint {
        /// The exercise id, e.g. 2.5.
        id: String,
    },
    /// Check that every include of the book names an existing file and anchor.
    CheckBook,
    /// Remove IPC objects and directories left by a killed grader or demo.
    CleanIpc {
        /// Extra key paths (e.g. a room directory) whose objects to remove.
        paths: Vec<PathBuf>,
    },
    /// Prove the grader honest: solutions 100, skeleton low, each exercise graded.
    VerifyGrader {
        /// Only this step.
        #[arg(long)]
        step: Option<u32>,
    },
}

/// The course this xtask binary was built from (xtask lives one level below its root).
fn locate() -> Course {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root");
    Course::new(root)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let course = locate();
    let result = match cli.command {
        Cmd::Sync { force } => skeleton::sync(&course, force),
        Cmd::Check => skeleton::check(&course),
        Cmd::Reset { id } => skeleton::reset(&course, &id),
        Cmd::Exercises => grading::list(&course),
        Cmd::Integrity { step } => {
            course_tools::integrity::changed_given_code(&course, step).map(|changed| {
                for line in changed {
                    println!("{line}");
                }
            })
        }
        Cmd::Mutant { id, dir } => skeleton::mutant(&course, &id, &dir),
        Cmd::Grade { implementation } => grading::grade(&course, &implementation),
        Cmd::Watch { step } => watch::watch(&course, step),
        Cmd::Hint { id } => hint::hint(&course, &id),
        Cmd::CheckBook => book::check(&course),
        Cmd::CleanIpc { paths } => clean::clean(&paths),
        Cmd::VerifyGrader { step } => grading::verify(&course, step),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
