//! Which implementation is graded, and building it so the tests never run stale binaries.
//!
//! `GRADE_IMPL` selects the tree: `steps` (the default: the student's work, built in the
//! root workspace), `solutions`, or the path of any workspace laid out like `solutions/`
//! (`make verify-grader` grades copies with one exercise stubbed). `GRADE_TARGET_DIR`
//! overrides where it is built.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

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
        let mut command = Command::new(cargo);
        command
            .args([
                "build",
                "--quiet",
                "--bins",
                "--message-format=json-render-diagnostics",
            ])
            .arg("--manifest-path")
            .arg(&self.manifest)
            .args(["--package", package])
            .stdin(Stdio::null());
        if let Some(dir) = &self.target_dir {
            command.arg("--target-dir").arg(dir);
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run cargo to build {}: {e}", self.label))?;
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
    /// Whether this is the student's tree (`steps/`).
    pub fn is_steps(&self) -> bool {
        self.label == "steps/"
    }

    /// The files of step `step` in `steps/` whose given code was changed (see
    /// `cargo xtask integrity`); empty for other trees, or if the check cannot run.
    pub fn changed_given_code(&self, step: u32) -> Vec<String> {
        if !self.is_steps() {
            return Vec::new();
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .current_dir(Self::repo_root())
            .args(["xtask", "integrity", &step.to_string()])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        match output {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }
}
