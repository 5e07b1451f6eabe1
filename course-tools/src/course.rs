//! The two trees: `solutions/` (the source of truth) and `steps/` (generated from it).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::exercises::{self, Exercise, Part, Source};

/// The course repository.
pub struct Course {
    /// The repository root (the directory of the root `Cargo.toml`).
    pub root: PathBuf,
}

/// A generated tree: file contents by path relative to the tree's root.
pub type Tree = BTreeMap<PathBuf, Vec<u8>>;

impl Course {
    /// The course whose repository root is `root`.
    pub fn new(root: impl Into<PathBuf>) -> Course {
        Course { root: root.into() }
    }

    /// `solutions/`.
    pub fn solutions(&self) -> PathBuf {
        self.root.join("solutions")
    }

    /// `steps/`.
    pub fn steps(&self) -> PathBuf {
        self.root.join("steps")
    }

    /// The step crates' directory names (`01-message-queue`, ...), in order.
    pub fn step_dirs(&self) -> Result<Vec<String>> {
        let mut dirs = Vec::new();
        for entry in fs::read_dir(self.solutions()).context("cannot list solutions/")? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let is_step = name.len() > 3
                && name[..2].bytes().all(|b| b.is_ascii_digit())
                && name.as_bytes()[2] == b'-';
            if is_step && self.solutions().join(&name).join("Cargo.toml").is_file() {
                dirs.push(name);
            }
        }
        dirs.sort();
        Ok(dirs)
    }

    /// Every file of the step crates in `solutions/`, relative to it (build output excluded).
    pub fn solution_files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for dir in self.step_dirs()? {
            collect_files(&self.solutions(), Path::new(&dir), &mut files)?;
        }
        files.sort();
        Ok(files)
    }

    /// The parsed solution sources, by relative path (Rust files only).
    pub fn sources(&self) -> Result<BTreeMap<PathBuf, Source>> {
        let mut sources = BTreeMap::new();
        for rel in self.solution_files()? {
            if rel.extension().is_some_and(|e| e == "rs") {
                let text = read_text(&self.solutions().join(&rel))?;
                let source = exercises::parse(&rel.to_string_lossy(), &text)?;
                sources.insert(rel, source);
            }
        }
        Ok(sources)
    }

    /// Every exercise, sorted by id, checked for consistency (regions have headers, each
    /// step's points add up to 100).
    pub fn exercises(&self) -> Result<Vec<Exercise>> {
        let sources = self.sources()?;
        let mut all: Vec<Exercise> = sources.values().flat_map(|s| s.exercises.clone()).collect();
        all.sort_by_key(|e| id_key(&e.id));
        for pair in all.windows(2) {
            if pair[0].id == pair[1].id {
                bail!(
                    "exercise {} is declared in {} and in {}",
                    pair[0].id,
                    pair[0].file,
                    pair[1].file
                );
            }
        }
        for (rel, source) in &sources {
            for part in &source.parts {
                if let Part::Region { id, .. } = part
                    && !all.iter().any(|e| &e.id == id)
                {
                    bail!(
                        "{}: region of exercise {id} has no `// EXERCISE {id} (N points): task` header",
                        rel.display()
                    );
                }
            }
        }
        for step in all
            .iter()
            .map(Exercise::step)
            .collect::<std::collections::BTreeSet<_>>()
        {
            let total: u32 = all
                .iter()
                .filter(|e| e.step() == step)
                .map(|e| e.points)
                .sum();
            if total != 100 {
                bail!("the exercises of step {step} are worth {total} points, not 100");
            }
        }
        Ok(all)
    }

    /// The step crates with the regions selected by `stubbed` replaced by stubs.
    pub fn generate(&self, stubbed: impl Fn(&str) -> bool) -> Result<Tree> {
        let exercises = self.exercises()?;
        let sources = self.sources()?;
        let mut tree = Tree::new();
        for rel in self.solution_files()? {
            let contents = match sources.get(&rel) {
                Some(source) => rustfmt(&exercises::render(source, &exercises, &stubbed)?)
                    .with_context(|| format!("cannot format the generated {}", rel.display()))?
                    .into_bytes(),
                None => fs::read(self.solutions().join(&rel))
                    .with_context(|| format!("cannot read solutions/{}", rel.display()))?,
            };
            tree.insert(rel, contents);
        }
        Ok(tree)
    }
}

/// Formats Rust source with rustfmt, so generated files pass `cargo fmt --check` (a stub
/// line can be longer than the solution it replaces).
fn rustfmt(source: &str) -> Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run rustfmt (rustup component add rustfmt)")?;
    let mut stdin = child.stdin.take().context("rustfmt has no stdin")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("rustfmt writer panicked"))??;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Sorts ids numerically: 1.2 before 1.10.
pub fn id_key(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// Adds the files below `base/rel` to `out`, as paths relative to `base`.
fn collect_files(base: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let dir = base.join(rel);
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let child = rel.join(&name);
        if entry.file_type()?.is_dir() {
            collect_files(base, &child, out)?;
        } else {
            out.push(child);
        }
    }
    Ok(())
}

/// Reads a UTF-8 file with an error that names it.
pub fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The files below `dir` (relative), excluding build output.
pub fn existing_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if dir.is_dir() {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                collect_files(dir, Path::new(&entry.file_name()), &mut files)?;
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Files in `course`'s `steps/` that the generator would not write (`generated` lists the
/// files it writes).
pub fn extra_files(course: &Course, generated: &[PathBuf]) -> Result<Vec<PathBuf>> {
    Ok(existing_files(&course.steps())?
        .into_iter()
        .filter(|rel| !generated.contains(rel))
        .collect())
}
