//! Keeping `steps/` in step with `solutions/`: sync, check and reset.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use course_tools::course::extra_files;
use course_tools::exercises::{self, Part, regions};
use course_tools::{Course, read_text};

/// Why a skeleton file cannot be overwritten without losing a student's work: its
/// regions differ from the stubs in `generated`.
fn edited_regions(rel: &Path, current: &str, generated: &str) -> Vec<String> {
    let name = rel.to_string_lossy();
    let (Ok(current), Ok(generated)) = (
        exercises::parse(&name, current),
        exercises::parse(&name, generated),
    ) else {
        return vec![format!("{name}: exercise markers are damaged")];
    };
    let (current, generated) = (regions(&current), regions(&generated));
    if current.len() != generated.len() {
        return vec![format!("{name}: exercise markers were added or removed")];
    }
    current
        .iter()
        .zip(&generated)
        .filter(|((id, mine), stub)| (*id, *mine) != **stub && !is_stub(id, mine))
        .map(|((id, _), _)| format!("{name}: exercise {id} has your code in it"))
        .collect()
}

/// Whether `body` is a stub of exercise `id` as some version of the generator wrote it
/// (its task text may have changed since): an optional `let _ = ...;` line, then only the
/// `todo!("exercise ID is not done yet: ...")` call.
fn is_stub(id: &str, body: &str) -> bool {
    let mut rest = body.trim();
    if rest.starts_with("let _ = ")
        && let Some(end) = rest.find('\n')
    {
        rest = rest[end..].trim();
    }
    let Some(call) = rest
        .strip_prefix("todo!(")
        .and_then(|r| r.strip_suffix(')'))
    else {
        return false;
    };
    // Nothing but one string literal inside the call.
    let call = call.trim();
    call.starts_with(&format!("\"exercise {id} is not done yet:")) && call.ends_with('"')
}

/// Regenerates `steps/`. Refuses, listing them, when exercise regions hold edits
/// (a student's work) unless `force` is given.
pub fn sync(course: &Course, force: bool) -> Result<()> {
    let exercises = course.exercises()?;
    let generated = course.generate(|_| true)?;
    let mut edited = Vec::new();
    for (rel, contents) in &generated {
        let path = course.steps().join(rel);
        if let Ok(current) = fs::read_to_string(&path)
            && current.as_bytes() != contents.as_slice()
            && rel.extension().is_some_and(|e| e == "rs")
        {
            edited.extend(edited_regions(
                rel,
                &current,
                &String::from_utf8_lossy(contents),
            ));
        }
    }
    if !edited.is_empty() && !force {
        bail!(
            "not overwriting your work in steps/:\n  {}\n\
             Reset one exercise with `make reset-exercise E=ID`, or overwrite everything with \
             `make sync-exercises FORCE=1` (your code in those regions is lost).",
            edited.join("\n  ")
        );
    }
    let mut written = 0;
    for (rel, contents) in &generated {
        if write_if_changed(&course.steps().join(rel), contents)? {
            println!("wrote steps/{}", rel.display());
            written += 1;
        }
    }
    for rel in extra_files(course, &generated.keys().cloned().collect::<Vec<_>>())? {
        println!(
            "note: steps/{} has no counterpart in solutions/ (left alone)",
            rel.display()
        );
    }
    println!(
        "steps/ is up to date ({written} files written, {} exercises)",
        exercises.len()
    );
    Ok(())
}

/// Fails, listing the differences, when `steps/` is not what `sync` would write.
pub fn check(course: &Course) -> Result<()> {
    let generated = course.generate(|_| true)?;
    let mut problems = Vec::new();
    for (rel, contents) in &generated {
        match fs::read(course.steps().join(rel)) {
            Ok(current) if current == *contents => {}
            Ok(_) => problems.push(format!(
                "steps/{} differs from its generated version",
                rel.display()
            )),
            Err(_) => problems.push(format!("steps/{} is missing", rel.display())),
        }
    }
    for rel in extra_files(course, &generated.keys().cloned().collect::<Vec<_>>())? {
        problems.push(format!(
            "steps/{} has no counterpart in solutions/",
            rel.display()
        ));
    }
    if !problems.is_empty() {
        bail!(
            "steps/ is out of date with solutions/:\n  {}\nRun `make sync-exercises` and commit the result.",
            problems.join("\n  ")
        );
    }
    println!("steps/ matches solutions/ ({} files)", generated.len());
    Ok(())
}

/// Puts the stub of exercise `id` back in `steps/`, leaving everything else as it is.
pub fn reset(course: &Course, id: &str) -> Result<()> {
    let exercises = course.exercises()?;
    let exercise = exercises
        .iter()
        .find(|e| e.id == id)
        .with_context(|| format!("there is no exercise {id}; `make exercises` lists them"))?;
    let generated = course.generate(|_| true)?;
    let mut reset_regions = 0;
    for (rel, solved) in course.sources()? {
        let has_region = regions(&solved).iter().any(|(rid, _)| *rid == id);
        if !has_region {
            continue;
        }
        let name = rel.to_string_lossy();
        // Every region's generated (stubbed and formatted) body, in file order.
        let stubbed = exercises::parse(&name, &String::from_utf8_lossy(&generated[&rel]))?;
        let mut stubs = regions(&stubbed)
            .into_iter()
            .map(|(_, body)| body.to_string());
        let path = course.steps().join(&rel);
        let current = read_text(&path)?;
        let source = exercises::parse(&rel.to_string_lossy(), &current).with_context(|| {
            format!("the exercise markers in steps/{} are damaged; `make sync-exercises FORCE=1` rewrites the file", rel.display())
        })?;
        let mut out = String::new();
        for part in &source.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Region { id: rid, body, .. } => match stubs.next() {
                    Some(stub) if rid == id => {
                        out.push_str(&stub);
                        reset_regions += 1;
                    }
                    _ => out.push_str(body),
                },
            }
        }
        write_if_changed(&path, out.as_bytes())?;
    }
    if reset_regions == 0 {
        bail!(
            "the markers of exercise {id} are missing from steps/{}; `make sync-exercises FORCE=1` rewrites the file",
            exercise.file
        );
    }
    println!(
        "exercise {id} is back to its stub ({reset_regions} region(s) in steps/{})",
        exercise.file
    );
    Ok(())
}

/// Writes a copy of the solutions workspace to `out` with exercise `id` stubbed, for
/// proving that the grader notices when that exercise is missing.
pub fn mutant(course: &Course, id: &str, out: &Path) -> Result<()> {
    if !course.exercises()?.iter().any(|e| e.id == id) {
        bail!("there is no exercise {id}");
    }
    let tree = course.generate(|e| e == id)?;
    for (rel, contents) in &tree {
        write_if_changed(&out.join(rel), contents)?;
    }
    for name in ["Cargo.toml", "Cargo.lock"] {
        let contents = fs::read(course.solutions().join(name))
            .with_context(|| format!("cannot read solutions/{name}"))?;
        write_if_changed(&out.join(name), &contents)?;
    }
    Ok(())
}

/// Writes `contents` to `path` unless it already holds exactly that (so mtimes, and with
/// them cargo's incremental builds, are left alone). Returns whether it wrote.
pub fn write_if_changed(path: &Path, contents: &[u8]) -> Result<bool> {
    if fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}
