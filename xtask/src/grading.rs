//! Running the graders: the progress table of `make grade` and the honesty proof of
//! `make verify-grader`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use course_tools::{Course, id_key};
use grading_report::Report;

use crate::skeleton;

/// Reads a report written by the grader harness (`grading_report::Report`).
pub fn load_report(path: &Path) -> Result<Report> {
    let text =
        fs::read_to_string(path).with_context(|| format!("no report at {}", path.display()))?;
    Report::from_json(&text).with_context(|| format!("{} is not a grader's report", path.display()))
}

/// Step numbers that have both a crate and a grader.
pub fn graded_steps(course: &Course) -> Result<Vec<u32>> {
    let mut steps = Vec::new();
    for dir in course.step_dirs()? {
        let step: u32 = dir[..2].parse()?;
        if course
            .root
            .join(format!("tests/step{step:02}.rs"))
            .is_file()
        {
            steps.push(step);
        }
    }
    Ok(steps)
}

/// Which implementation a grader run looks at.
struct Run {
    /// `steps`, `solutions`, or a workspace directory.
    implementation: String,
    /// Cargo's target directory for building it, if not the default.
    target_dir: Option<PathBuf>,
    /// Where the JSON report goes.
    report: PathBuf,
    /// Where the grader's output goes.
    log: PathBuf,
}

/// Runs step `step`'s grader; returns whether it exited successfully, and its report.
fn run_grader(course: &Course, step: u32, run: &Run) -> Result<(bool, Report)> {
    if let Some(parent) = run.log.parent() {
        fs::create_dir_all(parent)?;
    }
    let log = fs::File::create(&run.log)?;
    let _ = fs::remove_file(&run.report);
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(&course.root)
        .args(["test", "--quiet", "--test", &format!("step{step:02}")])
        .env("GRADE_IMPL", &run.implementation)
        .env("GRADE_REPORT", &run.report)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if let Some(dir) = &run.target_dir {
        command.env("GRADE_TARGET_DIR", dir);
    }
    let status = command.status().context("cannot run cargo test")?;
    let report = load_report(&run.report)
        .with_context(|| format!("the grader wrote no report; see {}", run.log.display()))?;
    Ok((status.success(), report))
}

/// `make grade`: grades every step of `implementation` and prints a progress table.
pub fn grade(course: &Course, implementation: &str) -> Result<()> {
    let exercises = course.exercises()?;
    let grades = course.root.join("target/grades");
    let mut total = 0;
    let mut rows = Vec::new();
    let steps = graded_steps(course)?;
    for &step in &steps {
        eprintln!("grading step {step} ({implementation}) ...");
        let run = Run {
            implementation: implementation.to_string(),
            target_dir: None,
            report: grades.join(format!("step{step:02}.json")),
            log: grades.join(format!("step{step:02}.log")),
        };
        let (_, report) = run_grader(course, step, &run)?;
        total += report.score;
        let cells: Vec<String> = exercises
            .iter()
            .filter(|e| e.step() == step)
            .map(|e| {
                let (score, max) = report.exercise_score(&e.id);
                let mark = if score >= max { "ok" } else { "--" };
                format!("{} {mark} {score:>2}/{max:<2}", e.id)
            })
            .collect();
        rows.push(format!(
            "step {step:02}  {:>3}/100   {}",
            report.score,
            cells.join("  ")
        ));
    }
    println!("\nProgress ({implementation}):");
    for row in rows {
        println!("  {row}");
    }
    println!("  total    {total}/{}", 100 * steps.len());
    println!(
        "Reports: target/grades/stepNN.json (Gradescope format); logs: target/grades/stepNN.log"
    );
    Ok(())
}

/// `make verify-grader`: proves for every graded step that the solutions score 100, the
/// skeleton scores low and names its exercises, and that each exercise alone is graded.
pub fn verify(course: &Course, only_step: Option<u32>) -> Result<()> {
    let exercises = course.exercises()?;
    let work = course.root.join("target/verify");
    let mut failures = Vec::new();
    for step in graded_steps(course)? {
        if only_step.is_some_and(|s| s != step) {
            continue;
        }
        let step_exercises: Vec<_> = exercises.iter().filter(|e| e.step() == step).collect();
        let run_for = |label: &str, implementation: &str, target_dir: Option<PathBuf>| Run {
            implementation: implementation.to_string(),
            target_dir,
            report: work.join(format!("step{step:02}-{label}.json")),
            log: work.join(format!("step{step:02}-{label}.log")),
        };

        // (a) The solutions earn every point.
        let run = run_for("solutions", "solutions", None);
        let (ok, report) = run_grader(course, step, &run)?;
        if ok && report.score == 100 {
            println!("step {step}: solutions score 100/100");
        } else {
            failures.push(format!(
                "step {step}: solutions score {}/100 (log: {})",
                report.score,
                run.log.display()
            ));
        }
        // Each exercise's tests are worth what its header says.
        for exercise in &step_exercises {
            let (_, max) = report.exercise_score(&exercise.id);
            if max != exercise.points {
                failures.push(format!(
                    "step {step}: exercise {} is worth {} points but its tests add up to {max}",
                    exercise.id, exercise.points
                ));
            }
        }

        // (b) The untouched skeleton scores low and its report names every exercise.
        skeleton::check(course)?;
        let run = run_for("skeleton", "steps", None);
        let (ok, report) = run_grader(course, step, &run)?;
        let unnamed: Vec<&str> = step_exercises
            .iter()
            .filter(|e| !report.tests.iter().any(|t| t.number == e.id && !t.passed()))
            .map(|e| e.id.as_str())
            .collect();
        if !ok && report.score < 50 && unnamed.is_empty() {
            println!(
                "step {step}: skeleton scores {}/100, failing tests of every exercise",
                report.score
            );
        } else {
            failures.push(format!(
                "step {step}: skeleton scores {}/100 (exit ok: {ok}); exercises without a failing test: {unnamed:?}",
                report.score
            ));
        }

        // (c) Each exercise, stubbed alone in the solutions, fails a test tagged with it.
        let mutant_dir = work.join(format!("mutant-step{step:02}"));
        for exercise in &step_exercises {
            skeleton::mutant(course, &exercise.id, &mutant_dir)?;
            let run = run_for(
                &format!("without-{}", exercise.id),
                &mutant_dir.to_string_lossy(),
                Some(work.join("mutant-target")),
            );
            let (ok, report) = run_grader(course, step, &run)?;
            let caught: Vec<&str> = report
                .tests
                .iter()
                .filter(|t| t.number == exercise.id && !t.passed())
                .map(|t| t.name.as_str())
                .collect();
            if !ok && !caught.is_empty() {
                println!(
                    "step {step}: without exercise {} the score is {}/100; caught by {}",
                    exercise.id,
                    report.score,
                    caught.join(", ")
                );
            } else {
                failures.push(format!(
                    "step {step}: stubbing exercise {} fails no test tagged with it (log: {})",
                    exercise.id,
                    run.log.display()
                ));
            }
        }
    }
    ensure!(
        failures.is_empty(),
        "the grader is not honest:\n  {}",
        failures.join("\n  ")
    );
    println!("verify-grader: every check passed");
    Ok(())
}

/// Prints the exercises, for `make exercises`.
pub fn list(course: &Course) -> Result<()> {
    let mut exercises = course.exercises()?;
    exercises.sort_by_key(|e| id_key(&e.id));
    if exercises.is_empty() {
        bail!("no exercises found in solutions/");
    }
    for e in exercises {
        println!(
            "{:<5} {:>3} pts  steps/{:<40} {}",
            e.id, e.points, e.file, e.task
        );
    }
    Ok(())
}
