//! `cargo xtask check-book`: what mdbook does not check by itself. A `{{#include}}` of a
//! missing file fails the build, but one whose anchor does not exist silently includes
//! nothing, so a renamed anchor would leave an empty listing in the book.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, ensure};

use course_tools::Course;

/// Checks every `{{#include FILE:ANCHOR}}` of every chapter: the file exists, and the
/// anchor (unless it is a line range) is marked in it with `ANCHOR: name`.
pub fn check(course: &Course) -> Result<()> {
    let src = course.root.join("book/src");
    let mut problems = Vec::new();
    let mut includes = 0;
    for entry in fs::read_dir(&src).context("cannot list book/src")? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&path)?;
        let chapter = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for (index, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("{{#include ") {
                let after = &rest[at + "{{#include ".len()..];
                let Some(end) = after.find("}}") else { break };
                includes += 1;
                if let Err(problem) = check_include(&src, after[..end].trim()) {
                    problems.push(format!("{chapter}:{}: {problem}", index + 1));
                }
                rest = &after[end..];
            }
        }
    }
    ensure!(
        problems.is_empty(),
        "broken includes in the book:\n  {}",
        problems.join("\n  ")
    );
    println!("book: {includes} includes checked");
    Ok(())
}

/// Checks one include target `file[:anchor-or-lines]`, relative to `src`.
fn check_include(src: &Path, target: &str) -> Result<(), String> {
    let (file, anchor) = match target.split_once(':') {
        Some((file, anchor)) => (file, Some(anchor)),
        None => (target, None),
    };
    let text =
        fs::read_to_string(src.join(file)).map_err(|e| format!("cannot read {file}: {e}"))?;
    if let Some(anchor) = anchor {
        let is_line_range = anchor.chars().all(|c| c.is_ascii_digit() || c == ':');
        let marked = text.lines().any(|line| {
            line.split_once("ANCHOR: ")
                .is_some_and(|(_, name)| name.trim() == anchor)
        });
        if !is_line_range && !marked {
            return Err(format!("{file} has no `ANCHOR: {anchor}`"));
        }
    }
    Ok(())
}
