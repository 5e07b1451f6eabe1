//! The JSON report of one grader run: `target/grades/stepNN.json`, in the format of
//! Gradescope's `results.json`.
//!
//! The graders (`tests/harness/report.rs`) write it and xtask (`make grade`,
//! `make verify-grader`, `make watch`) reads it, both through [`Report`], so the two
//! cannot disagree about a field. A report looks like this (the fields of each object in
//! alphabetical order, two-space indentation, a final newline):
//!
//! ```json
//! {
//!   "extra_data": {
//!     "changed_given_code": [],
//!     "graded": "steps/",
//!     "max_score": 100,
//!     "step": 1
//!   },
//!   "output": "Step 1: 15/100. 1.1 15/15, 1.2 0/20, ...",
//!   "score": 15,
//!   "tests": [
//!     {
//!       "max_score": 10,
//!       "name": "1.1 keys_come_from_ftok_of_path_and_project_id",
//!       "number": "1.1",
//!       "output": "passed",
//!       "score": 10,
//!       "status": "passed"
//!     }
//!   ]
//! }
//! ```

use serde::{Deserialize, Serialize};

// The fields of every struct are declared in alphabetical order: serde writes them in
// declaration order, and the reports have always had their keys sorted.

/// A whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// What Gradescope does not read: the step, the tree graded, changed given code.
    #[serde(default)]
    pub extra_data: ExtraData,
    /// One line for the student: `Step 1: 15/100. 1.1 15/15, 1.2 0/20, ...`.
    #[serde(default)]
    pub output: String,
    /// Points earned in the step.
    pub score: u32,
    /// Every test that ran, sorted by exercise, then by name.
    pub tests: Vec<TestResult>,
}

/// The report's `extra_data`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraData {
    /// The files of the step whose given code (outside the exercise regions) was changed,
    /// one sentence each: `steps/01-message-queue/src/key.rs differs outside its exercise
    /// regions`.
    pub changed_given_code: Vec<String>,
    /// The tree graded: `steps/`, `solutions/`, or a workspace's path.
    pub graded: String,
    /// Points possible (100 when every test of the step ran).
    pub max_score: u32,
    /// The step number.
    pub step: u32,
}

/// One test's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// Points possible.
    pub max_score: u32,
    /// The exercise and the test's name: `1.3 exact_bytes_round_trip`.
    pub name: String,
    /// The exercise the test grades (Gradescope's "number"): `1.3`.
    pub number: String,
    /// `passed`, or why it failed, hint included.
    #[serde(default)]
    pub output: String,
    /// Points earned: `max_score` or 0.
    pub score: u32,
    /// Whether it passed.
    pub status: Status,
}

/// Gradescope's `status` of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// `"passed"`.
    Passed,
    /// `"failed"`.
    Failed,
}

impl TestResult {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.status == Status::Passed
    }

    /// The exercise the test grades (its `number`).
    pub fn exercise(&self) -> &str {
        &self.number
    }
}

impl Report {
    /// Parses a report.
    pub fn from_json(text: &str) -> serde_json::Result<Report> {
        serde_json::from_str(text)
    }

    /// The report as the graders write it: pretty-printed with two-space indentation,
    /// ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report is plain data");
        text.push('\n');
        text
    }

    /// Points earned and possible for exercise `id`.
    pub fn exercise_score(&self, id: &str) -> (u32, u32) {
        self.tests
            .iter()
            .filter(|t| t.number == id)
            .fold((0, 0), |(s, m), t| (s + t.score, m + t.max_score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as the graders wrote it before this crate existed (with serde_json's
    /// `json!`, which sorts keys).
    const WRITTEN: &str = r#"{
  "extra_data": {
    "changed_given_code": [
      "steps/01-message-queue/src/key.rs differs outside its exercise regions"
    ],
    "graded": "steps/",
    "max_score": 15,
    "step": 1
  },
  "output": "Step 1: 10/15. 1.1 10/15",
  "score": 10,
  "tests": [
    {
      "max_score": 10,
      "name": "1.1 keys_come_from_ftok_of_path_and_project_id",
      "number": "1.1",
      "output": "passed",
      "score": 10,
      "status": "passed"
    },
    {
      "max_score": 5,
      "name": "1.1 missing_key_file_is_reported_by_name",
      "number": "1.1",
      "output": "the error must name the path\nhint: \"ftok\"",
      "score": 0,
      "status": "failed"
    }
  ]
}
"#;

    #[test]
    fn reads_and_writes_the_format_byte_for_byte() {
        let report = Report::from_json(WRITTEN).unwrap();
        assert_eq!(report.score, 10);
        assert_eq!(report.extra_data.step, 1);
        assert!(report.tests[0].passed() && !report.tests[1].passed());
        assert_eq!(report.tests[1].exercise(), "1.1");
        assert_eq!(report.exercise_score("1.1"), (10, 15));
        assert_eq!(report.exercise_score("1.2"), (0, 0));
        assert_eq!(report.to_json(), WRITTEN);
    }

    #[test]
    fn the_sample_is_what_the_graders_wrote_with_json() {
        // What tests/harness/report.rs did before it used `Report`.
        let old = serde_json::json!({
            "score": 10,
            "output": "Step 1: 10/15. 1.1 10/15",
            "tests": [
                {
                    "name": "1.1 keys_come_from_ftok_of_path_and_project_id",
                    "number": "1.1",
                    "score": 10,
                    "max_score": 10,
                    "status": "passed",
                    "output": "passed",
                },
                {
                    "name": "1.1 missing_key_file_is_reported_by_name",
                    "number": "1.1",
                    "score": 0,
                    "max_score": 5,
                    "status": "failed",
                    "output": "the error must name the path\nhint: \"ftok\"",
                },
            ],
            "extra_data": {
                "step": 1,
                "max_score": 15,
                "graded": "steps/",
                "changed_given_code": [
                    "steps/01-message-queue/src/key.rs differs outside its exercise regions"
                ],
            },
        });
        assert_eq!(format!("{old:#}\n"), WRITTEN);
    }

    #[test]
    fn an_empty_report_has_every_field() {
        let text = Report::default().to_json();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in ["extra_data", "output", "score", "tests"] {
            assert!(value.get(key).is_some(), "{key} missing from {text}");
        }
        assert_eq!(Report::from_json(&text).unwrap(), Report::default());
    }
}
