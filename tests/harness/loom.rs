//! Running the model checks of `tests/loom/` on the graded code, with loom.
//!
//! Some mistakes cannot be seen by running processes on an x86 machine: an ordering that is
//! too weak (a `Release` store made `Relaxed`, a missing fence) still works there, because
//! x86 keeps stores in order anyway. loom (<https://docs.rs/loom>) runs threads in a model
//! of the Rust memory model instead, where a load may return any value the model allows,
//! and explores the interleavings one by one. The step's crate takes its atomics from a
//! `sync` module that switches to loom's under `--cfg loom`.
//!
//! The grader writes a small crate, `loom-check`, that depends on the graded step's crate
//! and holds one file of `tests/loom/` as its test, builds it once per grader run with
//! `RUSTFLAGS="--cfg loom"` (release mode: the models run many thousand executions), and
//! runs each model as its own graded test.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::harness::build::Implementation;
use crate::harness::sandbox::{Sandbox, stub_note};

/// The test binary of each model file, built once per run (or why it could not be).
static BUILT: Mutex<Vec<(String, std::result::Result<PathBuf, String>)>> = Mutex::new(Vec::new());
/// Serializes the builds (two tests may ask for the same file at once).
static BUILDING: OnceLock<Mutex<()>> = OnceLock::new();

/// Runs the model `test` of `tests/loom/FILE.rs` against the graded crate `crate_dir`
/// (e.g. `02-shared-memory`), within the sandbox's time limit. Fails with loom's account
/// of the interleaving that went wrong.
pub fn check(sb: &Sandbox, file: &str, crate_dir: &str, test: &str) -> Result<()> {
    let binary = binary(file, crate_dir)?;
    // assert_cmd runs it to completion, killing it when the test's time is (almost) up.
    let budget = sb.remaining().saturating_sub(Duration::from_secs(1));
    let started = Instant::now();
    let output = assert_cmd::Command::new(&binary)
        .args([test, "--exact", "--test-threads", "1"])
        .env("RUST_BACKTRACE", "0")
        .timeout(budget)
        .output()
        .with_context(|| format!("cannot run the model checks {}", binary.display()))?;
    if output.status.success() {
        return Ok(());
    }
    if output.status.signal() == Some(libc::SIGKILL) && started.elapsed() >= budget {
        bail!(
            "the model check did not finish in time (loom explores every interleaving: a \
             loop that waits forever for another thread makes that endless; the machine may \
             also just have been busy)"
        );
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stub = stub_note(&text);
    if !stub.is_empty() {
        bail!("the model stopped{stub}");
    }
    let why: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.contains("panicked at"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty() && !line.starts_with("stack backtrace"))
        .filter(|line| !line.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    let why = if why.is_empty() {
        text.trim().to_string()
    } else {
        why.join("\n  ")
    };
    bail!(
        "loom found an interleaving in which this goes wrong:\n  {}\n(on an x86 machine the \
         same code may seem to work: it keeps stores in order, the memory model does not \
         promise that. Take every atomic and fence from the crate's `sync` module: loom \
         cannot see std's.)",
        why
    )
}

/// The model checks' test binary for `file`, building it on first use.
fn binary(file: &str, crate_dir: &str) -> Result<PathBuf> {
    let _building = BUILDING.get_or_init(|| Mutex::new(())).lock();
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, result)) = built.iter().find(|(f, _)| f == file) {
        return result.clone().map_err(anyhow::Error::msg);
    }
    let result = build(file, crate_dir);
    built.push((file.to_string(), result.clone()));
    result.map_err(anyhow::Error::msg)
}

/// Writes the `loom-check` crate for `file` and builds its test with `--cfg loom`.
fn build(file: &str, crate_dir: &str) -> std::result::Result<PathBuf, String> {
    let implementation = Implementation::from_env();
    let workspace = implementation.workspace();
    let graded = implementation.crate_dir(crate_dir);
    let source = Implementation::repo_root()
        .join("tests/loom")
        .join(format!("{file}.rs"));
    let target = implementation.target_dir();
    // One crate per graded tree, so that grading two trees at once never mixes them up.
    let dir = target.join("loom-check").join(tree_name(&workspace));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let manifest = format!(
        "# Written by the grader (tests/harness/loom.rs) for each run.\n\
         [package]\nname = \"loom-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nloom = \"0.7\"\n{package} = {{ path = {graded:?} }}\n\n\
         [[test]]\nname = {file:?}\npath = {source:?}\n\n[workspace]\n",
        package = package_name(&graded)?,
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    // The graded workspace's lock file pins every version loom-check shares with it.
    let lock = workspace.join("Cargo.lock");
    if lock.exists() && !dir.join("Cargo.lock").exists() {
        let _ = std::fs::copy(&lock, dir.join("Cargo.lock"));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "test",
            "--release",
            "--no-run",
            "--quiet",
            "--message-format=json",
        ])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.join("loom"))
        .env("RUSTFLAGS", "--cfg loom")
        .stdin(Stdio::null());
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo to build the model checks: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the step's crate does not compile for the model checker (RUSTFLAGS=\"--cfg loom\"):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    for line in output.stdout.split(|&b| b == b'\n') {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] == "compiler-artifact"
            && message["target"]["name"] == file
            && let Some(path) = message["executable"].as_str()
        {
            return Ok(PathBuf::from(path));
        }
    }
    Err("cargo built the model checks but did not say where the test binary is".into())
}

/// The `name` in the `[package]` of the crate in `dir`.
fn package_name(dir: &Path) -> std::result::Result<String, String> {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
        .map_err(|e| format!("cannot read {}/Cargo.toml: {e}", dir.display()))?;
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("name = "))
        .map(|name| name.trim().trim_matches('"').to_string())
        .ok_or_else(|| format!("{}/Cargo.toml names no package", dir.display()))
}

/// A directory name for the graded tree: its path with every odd character replaced.
fn tree_name(workspace: &Path) -> String {
    workspace
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
