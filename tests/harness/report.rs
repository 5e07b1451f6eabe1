//! The student-facing summary and the Gradescope-style JSON report (its format is the
//! `grading-report` crate's [`Report`], which xtask reads).

use std::collections::BTreeMap;
use std::path::PathBuf;

use grading_report::{ExtraData, Report, Status, TestResult};

use super::build::Implementation;
use super::{Outcome, Step};

/// Sorts exercise ids numerically (1.2 before 1.10).
fn id_key(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// Prints the per-exercise table and the score; writes the JSON report unless only some
/// tests ran.
pub fn summarize(
    step: &Step,
    implementation: &Implementation,
    outcomes: &[Outcome],
    filtered: bool,
    changed_given_code: &[String],
) {
    let mut outcomes = outcomes.to_vec();
    outcomes.sort_by(|a, b| {
        id_key(&a.exercise)
            .cmp(&id_key(&b.exercise))
            .then(a.name.cmp(&b.name))
    });
    let mut by_exercise: BTreeMap<Vec<u32>, (String, u32, u32)> = BTreeMap::new();
    for outcome in &outcomes {
        let entry = by_exercise.entry(id_key(&outcome.exercise)).or_insert((
            outcome.exercise.clone(),
            0,
            0,
        ));
        entry.2 += outcome.points;
        if outcome.failure.is_none() {
            entry.1 += outcome.points;
        }
    }
    let score: u32 = outcomes
        .iter()
        .filter(|o| o.failure.is_none())
        .map(|o| o.points)
        .sum();
    let possible: u32 = outcomes.iter().map(|o| o.points).sum();

    println!(
        "Step {} ({}), grading {}",
        step.number, step.title, implementation.label
    );
    for outcome in &outcomes {
        let mark = if outcome.failure.is_none() {
            "ok  "
        } else {
            "FAIL"
        };
        let earned = if outcome.failure.is_none() {
            outcome.points
        } else {
            0
        };
        println!(
            "  {mark} {:<5} {earned:>2}/{:<2} {}",
            outcome.exercise, outcome.points, outcome.name
        );
    }
    let per_exercise: Vec<String> = by_exercise
        .values()
        .map(|(id, got, max)| format!("{id} {got}/{max}"))
        .collect();
    println!("Exercises: {}", per_exercise.join(" | "));
    if filtered {
        println!(
            "Score of the tests that ran: {score}/{possible} (filtered run: no report written)"
        );
        return;
    }
    if score < possible {
        println!("The reasons and hints of failed tests are listed above, under \"failures:\".");
    }
    println!("Score: {score}/100");
    if !changed_given_code.is_empty() {
        println!(
            "Given code was changed in {} file(s): see the note above the tests.",
            changed_given_code.len()
        );
    }

    let report = Report {
        extra_data: ExtraData {
            changed_given_code: changed_given_code.to_vec(),
            graded: implementation.label.clone(),
            max_score: possible,
            step: step.number,
        },
        output: format!(
            "Step {}: {score}/{possible}. {}",
            step.number,
            per_exercise.join(", ")
        ),
        score,
        tests: outcomes
            .iter()
            .map(|o| TestResult {
                max_score: o.points,
                name: format!("{} {}", o.exercise, o.name),
                number: o.exercise.clone(),
                output: o.failure.clone().unwrap_or_else(|| "passed".into()),
                score: if o.failure.is_none() { o.points } else { 0 },
                status: if o.failure.is_none() {
                    Status::Passed
                } else {
                    Status::Failed
                },
            })
            .collect(),
    };
    let path = std::env::var_os("GRADE_REPORT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Implementation::repo_root().join(format!("target/grades/step{:02}.json", step.number))
        });
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, report.to_json()));
    match written {
        Ok(()) => println!("Report: {}", path.display()),
        Err(error) => eprintln!("cannot write the report {}: {error}", path.display()),
    }
}
