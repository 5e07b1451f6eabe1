//! `make hint E=2.5`: one exercise's task, where it is, its `// HINT:` lines and the part of
//! the book that explains it.
//!
//! The exercises and their ids come from `solutions/` (the course's truth), but the task
//! and the hints are read from `steps/`, so the student sees what their own tree says. An
//! exercise may have several regions (say, one in `object.rs` and one in `queue.rs`): each
//! region's hints are the `// HINT:` lines of the comment block just above its
//! `// BEGIN EXERCISE` marker (the header `// EXERCISE id (N points): task` opens the
//! block of the region that declares it).

use std::fs;
use std::path::Path;

use anyhow::{Result, bail};

use course_tools::exercises::{parse_begin, parse_end, parse_header};
use course_tools::{Course, existing_files, read_text};

/// One place of an exercise in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// The 1-based line to look at: the header, else the first hint, else the `BEGIN`.
    pub line: usize,
    /// `(points, task)` when this spot has the exercise's header.
    pub header: Option<(u32, String)>,
    /// The text of each `// HINT:` line, in order.
    pub hints: Vec<String>,
    /// The enclosing function, as `Type::name` or `name`.
    pub function: Option<String>,
}

/// Finds the places of exercise `id` in a source file's `text`.
pub fn spots(text: &str, id: &str) -> Vec<Spot> {
    let lines: Vec<&str> = text.lines().collect();
    let mut spots = Vec::new();
    let mut header_seen = false;
    for (index, line) in lines.iter().enumerate() {
        if parse_begin(line).is_none_or(|(begin, _)| begin != id) {
            continue;
        }
        // The comment block above the marker: hints, and maybe the header.
        let mut hints = Vec::new();
        let mut header = None;
        let mut top = index;
        while top > 0 {
            let above = lines[top - 1];
            let trimmed = above.trim_start();
            if !trimmed.starts_with("//") || parse_end(above).is_some() {
                break;
            }
            if parse_begin(above).is_some() {
                break;
            }
            top -= 1;
            if let Some(hint) = hint_text(above) {
                hints.push(hint);
            }
            if let Some((header_id, points, task)) = parse_header(above) {
                if header_id == id {
                    header = Some((points, task));
                }
                break;
            }
        }
        hints.reverse();
        header_seen |= header.is_some();
        let line = if header.is_some() {
            top + 1
        } else {
            (top..index)
                .find(|&i| hint_text(lines[i]).is_some())
                .unwrap_or(index)
                + 1
        };
        spots.push(Spot {
            line,
            header,
            hints,
            function: enclosing_function(&lines, index),
        });
    }
    if !header_seen {
        // A header whose region markers are gone: its hints follow it.
        for (index, line) in lines.iter().enumerate() {
            let Some((header_id, points, task)) = parse_header(line) else {
                continue;
            };
            if header_id != id {
                continue;
            }
            let hints = lines[index + 1..]
                .iter()
                .map_while(|l| hint_text(l))
                .collect();
            spots.insert(
                0,
                Spot {
                    line: index + 1,
                    header: Some((points, task)),
                    hints,
                    function: enclosing_function(&lines, index),
                },
            );
        }
    }
    spots
}

/// The text of a `// HINT: text` line.
fn hint_text(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("// HINT:")?;
    Some(rest.trim().to_string())
}

/// The function whose body contains line `index`: the nearest `fn` line above it, named
/// after the type of the `impl` block around it if there is one (`Mailbox::publish`,
/// `<Queue as IpcKind>::remove_id`).
pub fn enclosing_function(lines: &[&str], index: usize) -> Option<String> {
    let fn_index = (0..index).rev().find(|&i| fn_name(lines[i]).is_some())?;
    let name = fn_name(lines[fn_index])?;
    let indent = indentation(lines[fn_index]);
    if indent == 0 {
        return Some(name);
    }
    let impl_line = (0..fn_index)
        .rev()
        .map(|i| lines[i])
        .find(|line| indentation(line) < indent && line.trim_start().starts_with("impl"));
    match impl_line.and_then(impl_type) {
        Some((ty, None)) => Some(format!("{ty}::{name}")),
        Some((ty, Some(tr))) => Some(format!("<{ty} as {tr}>::{name}")),
        None => Some(name),
    }
}

/// The name declared by a line like `pub(crate) unsafe fn name<T>(...`.
fn fn_name(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return None;
    }
    let at = if trimmed.starts_with("fn ") {
        0
    } else {
        trimmed.find(" fn ")? + 1
    };
    // Only qualifiers may come before `fn`.
    let before = &trimmed[..at];
    let qualifiers_only = before.split_whitespace().all(|word| {
        word.starts_with("pub")
            || matches!(word, "const" | "async" | "unsafe" | "extern" | "default")
            || word.starts_with('"')
    });
    if !qualifiers_only {
        return None;
    }
    let rest = &trimmed[at + 3..];
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    (end > 0).then(|| rest[..end].to_string())
}

/// The number of leading spaces.
fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The type (and trait, for `impl Trait for Type`) of an `impl` line, generics dropped.
fn impl_type(line: &str) -> Option<(String, Option<String>)> {
    let mut rest = line.trim_start().strip_prefix("impl")?;
    if rest.starts_with('<') {
        rest = &rest[matching_angle(rest)? + 1..];
    }
    let rest = rest.split(['{']).next()?.split(" where ").next()?.trim();
    let base = |s: &str| s.split('<').next().unwrap_or(s).trim().to_string();
    match rest.split_once(" for ") {
        Some((tr, ty)) => Some((base(ty), Some(base(tr)))),
        None => Some((base(rest), None)),
    }
}

/// The index of the `>` that closes the `<` at the start of `text`.
fn matching_angle(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Where a chapter sets an exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The 1-based line of the heading.
    pub line: usize,
    /// The heading's text, without the `#`s.
    pub heading: String,
    /// The HTML id mdbook gives the heading.
    pub anchor: String,
    /// How many `<summary>Hint ...` blocks the section has.
    pub hints: usize,
}

/// Finds the heading of exercise `id` (`### Exercise 2.5: ...`) in a chapter's markdown.
pub fn book_section(markdown: &str, id: &str) -> Option<Section> {
    let mut in_code = false;
    let mut found: Option<(usize, Section)> = None;
    for (index, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let level = line.chars().take_while(|&c| c == '#').count();
        let is_heading = level > 0 && line[level..].starts_with(' ');
        if let Some((open_level, section)) = found.as_mut() {
            if is_heading && level <= *open_level {
                break;
            }
            if line.trim_start().starts_with("<summary>Hint") {
                section.hints += 1;
            }
            continue;
        }
        if !is_heading {
            continue;
        }
        let heading = line[level..].trim().trim_end_matches('#').trim();
        let names_it = heading
            .find(&format!("Exercise {id}"))
            .map(|at| &heading[at + "Exercise ".len() + id.len()..])
            .is_some_and(|after| !after.starts_with(|c: char| c.is_ascii_digit() || c == '.'));
        if names_it {
            found = Some((
                level,
                Section {
                    line: index + 1,
                    heading: heading.to_string(),
                    anchor: normalize_id(&heading.replace(['`', '*'], "")),
                    hints: 0,
                },
            ));
        }
    }
    found.map(|(_, section)| section)
}

/// mdbook's heading id: alphanumerics, `_` and `-` lowercased, whitespace turned into `-`,
/// everything else dropped.
pub fn normalize_id(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// `make hint E=id`: prints exercise `id`'s task, places, hints and book section.
pub fn hint(course: &Course, id: &str) -> Result<()> {
    let exercises = course.exercises()?;
    let Some(exercise) = exercises.iter().find(|e| e.id == id) else {
        let mut steps: Vec<String> = Vec::new();
        for step in exercises
            .iter()
            .map(|e| e.step())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let ids: Vec<&str> = exercises
                .iter()
                .filter(|e| e.step() == step)
                .map(|e| e.id.as_str())
                .collect();
            steps.push(format!("step {step}: {}", ids.join(" ")));
        }
        bail!(
            "there is no exercise {id:?}; the exercises are:\n  {}",
            steps.join("\n  ")
        );
    };
    let step_dir = exercise.file.split('/').next().unwrap_or_default();

    // Every place of the exercise in steps/ (the declaring file first); if the student's
    // tree lost its markers, the solutions' (hints are pointers, never code).
    let mut places = places_in(&course.steps(), step_dir, &exercise.file, id)?;
    let mut tree = "steps";
    if places.is_empty() {
        places = places_in(&course.solutions(), step_dir, &exercise.file, id)?;
        tree = "solutions";
        println!(
            "(the markers of exercise {id} are missing from steps/{step_dir}; showing the hints \
             of solutions/)\n"
        );
    }
    let (points, task) = places
        .iter()
        .find_map(|(_, spot)| spot.header.clone())
        .unwrap_or((exercise.points, exercise.task.clone()));
    println!("Exercise {id} ({points} points): {task}");
    for (file, spot) in &places {
        let function = spot
            .function
            .as_ref()
            .map(|f| format!(", in `{f}`"))
            .unwrap_or_default();
        let part = if spot.header.is_none() {
            " (part of this exercise)"
        } else {
            ""
        };
        println!("\n{tree}/{file}:{}{function}{part}", spot.line);
        if spot.hints.is_empty() {
            println!("  (no HINT lines here)");
        }
        for hint in &spot.hints {
            println!("  HINT: {hint}");
        }
    }

    let step = exercise.step();
    let prefix = format!("step{step:02}-");
    let chapter = fs::read_dir(course.root.join("book/src"))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(&prefix) && name.ends_with(".md"))
        .min();
    println!();
    match chapter {
        None => println!("The book has no chapter for step {step} yet."),
        Some(chapter) => {
            let text = read_text(&course.root.join("book/src").join(&chapter))?;
            match book_section(&text, id) {
                Some(section) => {
                    println!(
                        "The book sets it in book/src/{chapter}:{}, \"{}\"",
                        section.line, section.heading
                    );
                    match section.hints {
                        0 => {}
                        1 => println!("with one more hint"),
                        n => println!("with {n} more hints, from a nudge to a strong pointer"),
                    }
                    println!(
                        "  (make serve-book, then http://localhost:3000/{}.html#{})",
                        chapter.trim_end_matches(".md"),
                        section.anchor
                    );
                }
                None => println!(
                    "The book explains step {step} in book/src/{chapter} (no heading names \
                     exercise {id})."
                ),
            }
        }
    }
    Ok(())
}

/// The places of exercise `id` in `tree/step_dir`, as (path relative to `tree`, spot),
/// those of `declaring_file` first.
fn places_in(
    tree: &Path,
    step_dir: &str,
    declaring_file: &str,
    id: &str,
) -> Result<Vec<(String, Spot)>> {
    let mut places = Vec::new();
    for rel in existing_files(tree)? {
        let name = rel.to_string_lossy().into_owned();
        if !name.starts_with(&format!("{step_dir}/")) || !name.ends_with(".rs") {
            continue;
        }
        let Ok(text) = fs::read_to_string(tree.join(&rel)) else {
            continue;
        };
        for spot in spots(&text, id) {
            places.push((name.clone(), spot));
        }
    }
    places.sort_by_key(|(file, spot)| (file != declaring_file, spot.header.is_none()));
    Ok(places)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"impl<T: Copy> Mailbox<T> {
    /// Docs.
    pub fn publish(&self, text: &[u8]) -> Result<u64> {
        // EXERCISE 2.5 (15 points): Publish `text` whole.
        // HINT: refuse long texts.
        // HINT: claim, then store.
        // BEGIN EXERCISE 2.5 (stub uses: self, text)
        todo!()
        // END EXERCISE 2.5
    }
}

impl IpcKind for Queue {
    fn remove_id(id: c_int) -> Result<()> {
        // Part of exercise 2.5 (its task is above).
        // HINT: the other half.
        // BEGIN EXERCISE 2.5 (stub uses: id)
        todo!()
        // END EXERCISE 2.5
    }
}

pub(crate) fn free() {
    // EXERCISE 2.15 (5 points): Not 2.5.
    // BEGIN EXERCISE 2.15
    // END EXERCISE 2.15
}
"#;

    #[test]
    fn finds_every_region_with_its_own_hints() {
        let found = spots(SOURCE, "2.5");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, 4);
        assert_eq!(
            found[0].header,
            Some((15, "Publish `text` whole.".to_string()))
        );
        assert_eq!(found[0].hints, ["refuse long texts.", "claim, then store."]);
        assert_eq!(found[0].function.as_deref(), Some("Mailbox::publish"));
        assert_eq!(found[1].header, None);
        assert_eq!(found[1].line, 16);
        assert_eq!(found[1].hints, ["the other half."]);
        assert_eq!(
            found[1].function.as_deref(),
            Some("<Queue as IpcKind>::remove_id")
        );
    }

    #[test]
    fn ids_match_whole() {
        let found = spots(SOURCE, "2.15");
        assert_eq!(found.len(), 1);
        assert!(found[0].hints.is_empty());
        assert_eq!(found[0].function.as_deref(), Some("free"));
        assert!(spots(SOURCE, "2.1").is_empty());
    }

    #[test]
    fn a_header_without_markers_still_has_its_hints() {
        let text =
            "fn f() {\n    // EXERCISE 1.1 (15 points): Do it.\n    // HINT: this way.\n    x\n}\n";
        let found = spots(text, "1.1");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].hints, ["this way."]);
        assert_eq!(found[0].line, 2);
    }

    #[test]
    fn finds_the_chapter_heading_and_counts_its_hints() {
        let chapter = "# Step 2\n\n```sh\n# Exercise 2.5: not a heading\n```\n\n\
            ### Exercise 2.15: other (5 points)\n\n\
            ### Exercise 2.5: publish a message (15 points)\n\ntext\n\n\
            <details>\n<summary>Hint 1</summary>\n</details>\n\
            <details>\n<summary>Hint 2</summary>\n</details>\n\n\
            ### Exercise 2.6: read (15 points)\n\n<summary>Hint 1</summary>\n";
        let section = book_section(chapter, "2.5").unwrap();
        assert_eq!(section.line, 9);
        assert_eq!(
            section.heading,
            "Exercise 2.5: publish a message (15 points)"
        );
        assert_eq!(section.anchor, "exercise-25-publish-a-message-15-points");
        assert_eq!(section.hints, 2);
        assert!(book_section(chapter, "2.7").is_none());
    }
}
