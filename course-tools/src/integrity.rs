//! Whether a student changed given code: the files of a step in `steps/` that differ
//! from what the generator writes outside their exercise regions. The graders print them
//! above the tests and list them in the report (`extra_data.changed_given_code`);
//! `cargo xtask integrity N` prints them too.

use std::fs;

use anyhow::Result;

use crate::course::{Course, extra_files};
use crate::exercises::{self, Part, Source, regions};

/// The files of step `step` in `steps/` whose given code (everything outside the exercise
/// regions) differs from what the generator writes, and files that the generator does not
/// write at all. Graders report them: points earned by changing given code (or the tests'
/// view of it) are not points earned by solving the exercises.
pub fn changed_given_code(course: &Course, step: u32) -> Result<Vec<String>> {
    let generated = course.generate(|_| true)?;
    let prefix = format!("{step:02}-");
    let mut changed = Vec::new();
    for (rel, contents) in &generated {
        if !rel.to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let name = rel.to_string_lossy();
        let Ok(current) = fs::read(course.steps().join(rel)) else {
            changed.push(format!("steps/{name} is missing"));
            continue;
        };
        if current == *contents {
            continue;
        }
        let same_outside_regions = rel.extension().is_some_and(|e| e == "rs")
            && match (
                exercises::parse(&name, &String::from_utf8_lossy(&current)),
                exercises::parse(&name, &String::from_utf8_lossy(contents)),
            ) {
                (Ok(mine), Ok(given)) => given_parts(&mine) == given_parts(&given),
                _ => false,
            };
        if !same_outside_regions {
            changed.push(format!("steps/{name} differs outside its exercise regions"));
        }
    }
    for rel in extra_files(course, &generated.keys().cloned().collect::<Vec<_>>())? {
        if rel.to_string_lossy().starts_with(&prefix) {
            changed.push(format!("steps/{} was added", rel.display()));
        }
    }
    Ok(changed)
}

/// The text outside the regions of a parsed file, and how many regions it has.
fn given_parts(source: &Source) -> (Vec<&str>, usize) {
    let texts = source
        .parts
        .iter()
        .filter_map(|part| match part {
            Part::Text(text) => Some(text.as_str()),
            Part::Region { .. } => None,
        })
        .collect();
    (texts, regions(source).len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLVED: &str = "/// Adds one.
pub fn f(a: u8) -> u8 {
    // EXERCISE 1.1 (100 points): Return `a` plus one.
    // BEGIN EXERCISE 1.1 (stub uses: a)
    a + 1
    // END EXERCISE 1.1
}
";

    /// A course with one step of one exercise, and `steps/` generated from it.
    fn course() -> (tempfile::TempDir, Course) {
        let dir = tempfile::tempdir().unwrap();
        let course = Course::new(dir.path());
        let crate_dir = course.solutions().join("01-demo");
        fs::create_dir_all(crate_dir.join("src")).unwrap();
        fs::write(crate_dir.join("Cargo.toml"), "[package]\nname = \"demo\"\n").unwrap();
        fs::write(crate_dir.join("src/lib.rs"), SOLVED).unwrap();
        for (rel, contents) in course.generate(|_| true).unwrap() {
            let path = course.steps().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, contents).unwrap();
        }
        (dir, course)
    }

    /// Edits `steps/01-demo/REL` with `change`.
    fn edit(course: &Course, rel: &str, change: impl Fn(String) -> String) {
        let path = course.steps().join("01-demo").join(rel);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(path, change(text)).unwrap();
    }

    #[test]
    fn exercise_regions_are_the_students_and_given_code_is_not() {
        let (_dir, course) = course();
        assert!(changed_given_code(&course, 1).unwrap().is_empty());
        edit(&course, "src/lib.rs", |t| {
            t.replace("todo!(", "let _ = 2;\n    todo!(")
        });
        assert!(
            changed_given_code(&course, 1).unwrap().is_empty(),
            "an edited region is the student's work"
        );
        edit(&course, "src/lib.rs", |t| t.replace("Adds one", "Adds two"));
        edit(&course, "Cargo.toml", |t| t + "# mine\n");
        fs::write(course.steps().join("01-demo/src/extra.rs"), "").unwrap();
        assert_eq!(
            changed_given_code(&course, 1).unwrap(),
            [
                "steps/01-demo/Cargo.toml differs outside its exercise regions",
                "steps/01-demo/src/lib.rs differs outside its exercise regions",
                "steps/01-demo/src/extra.rs was added",
            ]
        );
        assert!(changed_given_code(&course, 2).unwrap().is_empty());
    }

    #[test]
    fn missing_files_and_damaged_markers_are_changes() {
        let (_dir, course) = course();
        edit(&course, "src/lib.rs", |t| {
            t.replace("// END EXERCISE 1.1\n", "")
        });
        fs::remove_file(course.steps().join("01-demo/Cargo.toml")).unwrap();
        assert_eq!(
            changed_given_code(&course, 1).unwrap(),
            [
                "steps/01-demo/Cargo.toml is missing",
                "steps/01-demo/src/lib.rs differs outside its exercise regions",
            ]
        );
    }
}
