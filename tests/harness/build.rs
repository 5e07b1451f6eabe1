//! Which implementation is graded, and building it so the tests never run stale binaries.
//!
//! `GRADE_IMPL` selects the tree: `steps` (the default: the student's work, built in the
//! root workspace), `solutions`, or the path of any workspace laid out like `solutions/`
//! (`make verify-grader` grades copies with one exercise stubbed). `GRADE_TARGET_DIR`
//! overrides where it is built.
//!
//! A first build takes a minute or two. When the grader's stderr is a terminal, it says so
//! (one line) as soon as cargo starts compiling something, and says nothing when the build
//! is already fresh; captured output (logs, CI, the book's transcripts) stays as it was.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread;

/// Binary name to path, for the package under test.
pub type Binaries = Arc<BTreeMap<String, PathBuf>>;

/// The tree being graded.
pub struct Implementation {
    /// How to name it to the student: `steps/`, `solutions/`, or a path.
    pub label: String,
    /// The workspace manifest to build.
    manifest: PathBuf,
    /// Cargo's target directory, if not the workspace's own.
    target_dir: Option<PathBuf>,
}

impl Implementation {
    /// The repository root (where the root `Cargo.toml` and this grader live).
    pub fn repo_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Reads `GRADE_IMPL` and `GRADE_TARGET_DIR`.
    pub fn from_env() -> Implementation {
        let root = Self::repo_root();
        let chosen = std::env::var("GRADE_IMPL").unwrap_or_else(|_| "steps".into());
        let (label, manifest) = match chosen.trim_end_matches('/') {
            "" | "steps" => ("steps/".to_string(), root.join("Cargo.toml")),
            "solutions" => ("solutions/".to_string(), root.join("solutions/Cargo.toml")),
            other => {
                let dir = root.join(other);
                (format!("{}/", dir.display()), dir.join("Cargo.toml"))
            }
        };
        Implementation {
            label,
            manifest,
            target_dir: std::env::var_os("GRADE_TARGET_DIR").map(PathBuf::from),
        }
    }

    /// Builds `package`'s binaries with cargo; returns their paths, or the compiler's
    /// messages if the build fails.
    pub fn build(&self, package: &str) -> Result<Binaries, String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        // On a terminal, cargo's status lines tell when there is work to do (see
        // `build_telling_when_compiling`); elsewhere the build is as quiet as it always was.
        let tell = std::io::stderr().is_terminal();
        let mut command = Command::new(cargo);
        command
            .arg("build")
            .args((!tell).then_some("--quiet"))
            .args(["--bins", "--message-format=json-render-diagnostics"])
            .arg("--manifest-path")
            .arg(&self.manifest)
            .args(["--package", package])
            .stdin(Stdio::null());
        if let Some(dir) = &self.target_dir {
            command.arg("--target-dir").arg(dir);
        }
        let output = if tell {
            self.build_telling_when_compiling(command)
        } else {
            command.output()
        };
        let output =
            output.map_err(|e| format!("cannot run cargo to build {}: {e}", self.label))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let mut binaries = BTreeMap::new();
        for line in output.stdout.split(|&b| b == b'\n') {
            let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
                continue;
            };
            if message["reason"] == "compiler-artifact"
                && let Some(path) = message["executable"].as_str()
                && let Some(name) = Path::new(path).file_name()
            {
                binaries.insert(name.to_string_lossy().into_owned(), PathBuf::from(path));
            }
        }
        Ok(Arc::new(binaries))
    }
}

impl Implementation {
    /// Runs `command` (a cargo build without `--quiet`) like `Command::output`, printing
    /// one line to stderr when cargo starts compiling, i.e. when the build has work to do.
    /// Cargo's status lines are left out of the returned stderr, so that compiler messages
    /// read as they do from a quiet build.
    fn build_telling_when_compiling(&self, mut command: Command) -> std::io::Result<Output> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let label = self.label.clone();
        let reader = thread::spawn(move || {
            let mut kept = Vec::new();
            let mut told = false;
            for line in BufReader::new(stderr).split(b'\n').map_while(Result::ok) {
                let text = String::from_utf8_lossy(&line);
                if is_cargo_status(&text) {
                    if !told && text.trim_start().starts_with("Compiling ") {
                        eprintln!("compiling {label} (the first build takes a minute or two) ...");
                        told = true;
                    }
                    continue;
                }
                kept.extend_from_slice(&line);
                kept.push(b'\n');
            }
            kept
        });
        let mut stdout = Vec::new();
        if let Some(mut out) = child.stdout.take() {
            out.read_to_end(&mut stdout)?;
        }
        let status = child.wait()?;
        let stderr = reader.join().unwrap_or_default();
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }

    /// Whether this is the student's tree (`steps/`).
    pub fn is_steps(&self) -> bool {
        self.label == "steps/"
    }

    /// The directory of the workspace being graded (its step crates are below it).
    pub fn workspace(&self) -> PathBuf {
        self.manifest
            .parent()
            .map_or_else(Self::repo_root, Path::to_path_buf)
    }

    /// The directory of the graded step crate `name` (e.g. `02-shared-memory`): under
    /// `steps/` in the student's workspace, at the top of the others.
    pub fn crate_dir(&self, name: &str) -> PathBuf {
        if self.is_steps() {
            self.workspace().join("steps").join(name)
        } else {
            self.workspace().join(name)
        }
    }

    /// Where cargo builds: `GRADE_TARGET_DIR`, or the repository's `target/`.
    pub fn target_dir(&self) -> PathBuf {
        self.target_dir
            .clone()
            .unwrap_or_else(|| Self::repo_root().join("target"))
    }

    /// The files of step `step` in `steps/` whose given code was changed (the
    /// `course-tools` crate's check, which `cargo xtask integrity` prints too); empty for
    /// other trees, or if the check cannot run.
    pub fn changed_given_code(&self, step: u32) -> Vec<String> {
        if !self.is_steps() {
            return Vec::new();
        }
        let course = course_tools::Course::new(Self::repo_root());
        course_tools::integrity::changed_given_code(&course, step).unwrap_or_default()
    }
}

/// Whether `line` is one of cargo's own status lines, which `--quiet` leaves out: a verb
/// right-aligned to column 12 (`   Compiling x`, `    Blocking waiting ...`), or the
/// `warning: `x` (lib) generated N warnings` summary.
fn is_cargo_status(line: &str) -> bool {
    let rest = line.trim_start_matches(' ');
    let indent = line.len() - rest.len();
    let verb = rest.split(' ').next().unwrap_or("");
    let aligned = indent > 0
        && indent + verb.len() == 12
        && rest.len() > verb.len()
        && verb.starts_with(|c: char| c.is_ascii_uppercase())
        && verb.chars().skip(1).all(|c| c.is_ascii_lowercase());
    let summary = rest.starts_with("warning: `") && rest.contains(") generated ");
    aligned || summary
}
