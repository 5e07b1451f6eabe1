//! The grader's window into the library: one library function at a time, on chosen inputs.
//!
//! - `step01-probe key --path P --proj-id N` prints the key [`Key::from_path`] makes, and
//!   nothing else of the library runs, so a test of keys depends on exercise 1.1 alone.
//! - `step01-probe creation-mode --mode M --answers A,B,...` runs [`CreationMode::get`]
//!   against a scripted kernel. The other binaries reach it only with whatever the kernel
//!   happens to answer, and the interesting answers (an object that vanishes between two
//!   calls, a refusal) are hard to arrange from outside. Here `--answers` says what each
//!   `*get` call returns, in order, and the tool prints every call it was asked to make
//!   and what `CreationMode::get` made of it. Try it:
//!
//! ```text
//! step01-probe creation-mode --mode open-or-create --answers EEXIST,ENOENT,7
//! ```

use std::cell::RefCell;
use std::io;
use std::process::ExitCode;

use std::num::NonZeroU8;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Parser, Subcommand, ValueEnum};
use step01_message_queue::cli::{parse_mode, run_main};
use step01_message_queue::{CreationMode, IpcError, Key};

/// Run one library function on chosen inputs (the grader's probe).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    probe: Probe,
}

#[derive(Debug, Subcommand)]
enum Probe {
    /// Print the key of a path and a project id (Key::from_path).
    Key {
        /// The key file.
        #[arg(long)]
        path: PathBuf,
        /// The project id.
        #[arg(long, default_value = "1")]
        proj_id: NonZeroU8,
    },
    /// Run CreationMode::get against scripted answers and print each call it makes.
    CreationMode(CreationArgs),
}

/// The arguments of `creation-mode`.
#[derive(Debug, clap::Args)]
struct CreationArgs {
    /// The creation mode to run.
    #[arg(long, value_enum)]
    mode: Mode,

    /// The permission bits to pass, in octal.
    #[arg(long, default_value = "600", value_parser = parse_mode)]
    permissions: u32,

    /// What the successive `*get` calls return: an id (a number), or an errno name
    /// (EEXIST, ENOENT, EACCES, ENOSPC), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    answers: Vec<String>,
}

/// The creation modes, as command-line values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    CreateExclusive,
    OpenExisting,
    OpenOrCreate,
}

/// The errno of a scripted answer's name.
fn errno(name: &str) -> Option<i32> {
    Some(match name {
        "EEXIST" => libc::EEXIST,
        "ENOENT" => libc::ENOENT,
        "EACCES" => libc::EACCES,
        "ENOSPC" => libc::ENOSPC,
        _ => return None,
    })
}

/// Describes the flags of one call: `create (IPC_CREAT|IPC_EXCL, mode 640)` or `open (0)`.
fn describe(flags: i32) -> String {
    let mut parts = Vec::new();
    if flags & libc::IPC_CREAT != 0 {
        parts.push("IPC_CREAT".to_string());
    }
    if flags & libc::IPC_EXCL != 0 {
        parts.push("IPC_EXCL".to_string());
    }
    let permissions = flags & 0o777;
    let rest = flags & !(libc::IPC_CREAT | libc::IPC_EXCL | 0o777);
    if rest != 0 {
        parts.push(format!("{rest:#o}"));
    }
    let what = if flags & libc::IPC_CREAT != 0 {
        "create"
    } else {
        "open"
    };
    format!(
        "{what} (flags {}, permissions {permissions:03o})",
        if parts.is_empty() {
            "0".to_string()
        } else {
            parts.join("|")
        }
    )
}

fn main() -> ExitCode {
    run_main("step01-probe", || match Args::parse().probe {
        Probe::Key { path, proj_id } => {
            println!("key {}", Key::from_path(&path, proj_id)?);
            Ok(ExitCode::SUCCESS)
        }
        Probe::CreationMode(args) => creation_mode(&args),
    })
}

/// Runs `CreationMode::get` as `args` say, printing every call and the result.
fn creation_mode(args: &CreationArgs) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    for answer in &args.answers {
        match (answer.parse::<i32>(), errno(answer)) {
            (Ok(id), _) if id >= 0 => script.push(Ok(id)),
            (_, Some(errno)) => script.push(Err(errno)),
            _ => bail!("`{answer}` is neither an id nor one of EEXIST, ENOENT, EACCES, ENOSPC"),
        }
    }
    let mode = match args.mode {
        Mode::CreateExclusive => CreationMode::CreateExclusive,
        Mode::OpenExisting => CreationMode::OpenExisting,
        Mode::OpenOrCreate => CreationMode::OpenOrCreate,
    };
    let calls = RefCell::new(0usize);
    let result = mode.get(args.permissions, |flags| {
        let mut n = calls.borrow_mut();
        *n += 1;
        println!("call {n}: {}", describe(flags));
        match script.get(*n - 1) {
            Some(Ok(id)) => Ok(*id),
            Some(Err(errno)) => Err(IpcError::Sys {
                call: "probe",
                cause: io::Error::from_raw_os_error(*errno),
            }),
            None => {
                // More calls than answers: report it, and stop a loop that never ends.
                println!("no scripted answer left for call {n}");
                Err(IpcError::Sys {
                    call: "probe",
                    cause: io::Error::other("no scripted answer left"),
                })
            }
        }
    });
    match result {
        Ok((id, created)) => println!(
            "result: id {id}, {}",
            if created { "created" } else { "opened" }
        ),
        Err(error) => println!("result: error: {error}"),
    }
    Ok(ExitCode::SUCCESS)
}
