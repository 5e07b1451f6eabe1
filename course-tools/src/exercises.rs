//! Exercise regions: how they are marked in the solutions, and the stub that replaces them.
//!
//! In a solution file an exercise looks like this:
//!
//! ```text
//!     // EXERCISE 1.1 (15 points): Turn `path` and `proj_id` into a key with ftok(3).
//!     // HINT: ...
//!     // BEGIN EXERCISE 1.1 (stub uses: path, proj_id)
//!     ...the solution...
//!     // END EXERCISE 1.1
//! ```
//!
//! The header line (`EXERCISE id (N points): task`) appears once per exercise. An exercise
//! may have several `BEGIN`/`END` regions; each must be the tail of a function body, since
//! its stub ends in `todo!()`. `stub uses` lists the variables the stub must mention so
//! that the skeleton compiles without "unused variable" warnings.

use anyhow::{Context, Result, bail};

/// One exercise, as declared by its header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    /// The id, e.g. `1.3`: step number, then the exercise's number within the step.
    pub id: String,
    /// Points the exercise is worth.
    pub points: u32,
    /// The one-line task.
    pub task: String,
    /// The file that declares it, relative to the workspace.
    pub file: String,
}

impl Exercise {
    /// The step number this exercise belongs to.
    pub fn step(&self) -> u32 {
        self.id
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// A part of a source file: text outside any region, or one region's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Lines outside every region, kept as they are (markers included).
    Text(String),
    /// The lines between a `BEGIN EXERCISE` marker and its `END` marker.
    Region {
        /// The exercise id.
        id: String,
        /// The variables the stub mentions.
        uses: Vec<String>,
        /// The indentation of the markers.
        indent: String,
        /// The body as written.
        body: String,
    },
}

/// A source file split into text and regions, plus the exercises it declares.
#[derive(Debug, Clone)]
pub struct Source {
    /// The parts, in order; concatenated they give back the file.
    pub parts: Vec<Part>,
    /// The exercise headers found in the file.
    pub exercises: Vec<Exercise>,
}

/// Parses the header `// EXERCISE 1.2 (20 points): task`.
pub fn parse_header(line: &str) -> Option<(String, u32, String)> {
    let rest = line.trim_start().strip_prefix("// EXERCISE ")?;
    let (id, rest) = rest.split_once(" (")?;
    let (points, rest) = rest.split_once(" points): ")?;
    Some((
        id.to_string(),
        points.parse().ok()?,
        rest.trim().to_string(),
    ))
}

/// Parses `// BEGIN EXERCISE 1.2 (stub uses: a, b)`, returning the id and the names.
pub fn parse_begin(line: &str) -> Option<(String, Vec<String>)> {
    let rest = line
        .trim_start()
        .strip_prefix("// BEGIN EXERCISE ")?
        .trim_end();
    match rest.split_once(" (stub uses: ") {
        Some((id, uses)) => {
            let uses = uses.strip_suffix(')')?;
            let names = uses.split(',').map(|s| s.trim().to_string()).collect();
            Some((id.to_string(), names))
        }
        None => Some((rest.to_string(), Vec::new())),
    }
}

/// Parses `// END EXERCISE 1.2`, returning the id.
pub fn parse_end(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("// END EXERCISE ")?;
    Some(rest.trim_end().to_string())
}

/// Splits `text` (the contents of `file`) into parts.
pub fn parse(file: &str, text: &str) -> Result<Source> {
    let mut parts = Vec::new();
    let mut exercises: Vec<Exercise> = Vec::new();
    let mut outside = String::new();
    let mut open: Option<(String, Vec<String>, String, String, usize)> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        if let Some((id, uses, indent, body, begin)) = open.as_mut() {
            if let Some(end) = parse_end(line) {
                if end != *id {
                    bail!("{file}:{number}: END EXERCISE {end} closes BEGIN {id} of line {begin}");
                }
                parts.push(Part::Region {
                    id: id.clone(),
                    uses: uses.clone(),
                    indent: indent.clone(),
                    body: std::mem::take(body),
                });
                outside.push_str(line);
                open = None;
            } else if parse_begin(line).is_some() {
                bail!("{file}:{number}: BEGIN EXERCISE inside the region opened at line {begin}");
            } else {
                body.push_str(line);
            }
            continue;
        }
        if let Some((id, points, task)) = parse_header(line) {
            if exercises.iter().any(|e| e.id == id) {
                bail!("{file}:{number}: exercise {id} is declared twice");
            }
            exercises.push(Exercise {
                id,
                points,
                task,
                file: file.to_string(),
            });
        }
        if let Some(end) = parse_end(line) {
            bail!("{file}:{number}: END EXERCISE {end} without a BEGIN");
        }
        outside.push_str(line);
        if let Some((id, uses)) = parse_begin(line) {
            parts.push(Part::Text(std::mem::take(&mut outside)));
            let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
            open = Some((id, uses, indent, String::new(), number));
        }
    }
    if let Some((id, _, _, _, begin)) = open {
        bail!("{file}:{begin}: BEGIN EXERCISE {id} is never closed");
    }
    parts.push(Part::Text(outside));
    Ok(Source { parts, exercises })
}

/// The regions of a parsed file: (exercise id, body), in order.
pub fn regions(source: &Source) -> Vec<(&str, &str)> {
    source
        .parts
        .iter()
        .filter_map(|part| match part {
            Part::Region { id, body, .. } => Some((id.as_str(), body.as_str())),
            Part::Text(_) => None,
        })
        .collect()
}

/// The stub body that replaces exercise `id`'s region in the skeleton.
pub fn stub(id: &str, task: &str, uses: &[String], indent: &str) -> String {
    let mut out = String::new();
    match uses {
        [] => {}
        [one] => out.push_str(&format!(
            "{indent}let _ = {one}; // silences \"unused\" until your code uses it\n"
        )),
        many => out.push_str(&format!(
            "{indent}let _ = ({}); // silences \"unused\" until your code uses them\n",
            many.join(", ")
        )),
    }
    // `todo!` takes a format string: braces in the task must be doubled.
    let message = format!("exercise {id} is not done yet: {task}")
        .replace('{', "{{")
        .replace('}', "}}");
    out.push_str(&format!("{indent}todo!({message:?})\n"));
    out
}

/// Renders `source` with every region whose id satisfies `stubbed` replaced by its stub.
pub fn render(
    source: &Source,
    tasks: &[Exercise],
    stubbed: impl Fn(&str) -> bool,
) -> Result<String> {
    let mut out = String::new();
    for part in &source.parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Region {
                id,
                uses,
                indent,
                body,
            } => {
                if stubbed(id) {
                    let task = tasks
                        .iter()
                        .find(|e| &e.id == id)
                        .map(|e| e.task.as_str())
                        .with_context(|| {
                            format!("exercise {id} has a region but no EXERCISE header")
                        })?;
                    out.push_str(&stub(id, task, uses, indent));
                } else {
                    out.push_str(body);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLVED: &str = "fn f(a: u8) -> u8 {
    // EXERCISE 9.1 (10 points): Return `a` plus {one}.
    // BEGIN EXERCISE 9.1 (stub uses: a)
    a + 1
    // END EXERCISE 9.1
}
";

    #[test]
    fn stubs_replace_the_region_only() {
        let source = parse("f.rs", SOLVED).unwrap();
        assert_eq!(source.exercises[0].points, 10);
        let rendered = render(&source, &source.exercises, |_| true).unwrap();
        assert!(rendered.contains("let _ = a;"));
        assert!(
            rendered.contains("todo!(\"exercise 9.1 is not done yet: Return `a` plus {{one}}.\")")
        );
        assert!(!rendered.contains("a + 1"));
        assert!(rendered.contains("// END EXERCISE 9.1\n}\n"));
        let unchanged = render(&source, &source.exercises, |_| false).unwrap();
        assert_eq!(unchanged, SOLVED);
    }

    #[test]
    fn unbalanced_markers_are_errors() {
        assert!(parse("f.rs", "// BEGIN EXERCISE 1.1\n").is_err());
        assert!(parse("f.rs", "// END EXERCISE 1.1\n").is_err());
        let crossed = "// BEGIN EXERCISE 1.1\n// END EXERCISE 1.2\n";
        assert!(parse("f.rs", crossed).is_err());
    }
}
