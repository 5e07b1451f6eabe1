//! What the step's binaries share: the arguments that name a queue, and how `main`
//! reports an error (one line on stderr, exit status 1).

use std::num::NonZeroU8;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::{CreationMode, Key, MessageQueue};

/// Exit status of `step01-recv --nowait` when no message is waiting.
pub const EXIT_NO_MESSAGE: u8 = 3;

/// The arguments that name a queue: a key file, a project id, and how to open it.
#[derive(Debug, Clone, clap::Args)]
pub struct QueueArgs {
    /// A file or directory both processes can see; its inode makes the key (ftok).
    #[arg(long, value_name = "PATH")]
    pub path: PathBuf,

    /// The project id (1-255): one path can name several queues.
    #[arg(long, value_name = "ID", default_value = "1")]
    pub proj_id: NonZeroU8,

    /// Create the queue if it does not exist yet.
    #[arg(long)]
    pub create: bool,

    /// With --create: fail if the queue exists already, instead of using it (IPC_EXCL).
    #[arg(long, requires = "create")]
    pub exclusive: bool,

    /// Permission bits for a queue made by --create, in octal.
    #[arg(long, value_name = "OCTAL", default_value = "600", value_parser = parse_mode)]
    pub mode: u32,
}

impl QueueArgs {
    /// The key of `--path` and `--proj-id`.
    pub fn key(&self) -> anyhow::Result<Key> {
        Ok(Key::from_path(&self.path, self.proj_id)?)
    }

    /// Opens the queue (creating it with `--create`), with an error that says which one.
    ///
    /// A queue made here outlives the command: the point of `step01-send --create` is to
    /// leave it for `step01-recv`, so the handle gives up its ownership (`step01-rm`
    /// removes the queue on purpose).
    pub fn open(&self) -> anyhow::Result<MessageQueue> {
        let key = self.key()?;
        let mode = match (self.create, self.exclusive) {
            (true, true) => CreationMode::CreateExclusive,
            (true, false) => CreationMode::OpenOrCreate,
            (false, _) => CreationMode::OpenExisting,
        };
        let queue = MessageQueue::get(key, mode, self.mode).map(|mut queue| {
            queue.release_ownership();
            queue
        });
        queue.with_context(|| {
            let hint = match mode {
                CreationMode::OpenExisting => " (does it exist? --create makes it)",
                CreationMode::CreateExclusive => " (--exclusive refuses a queue that exists)",
                CreationMode::OpenOrCreate => "",
            };
            format!(
                "cannot open the queue of {} with project id {} (key {key}){hint}",
                self.path.display(),
                self.proj_id
            )
        })
    }
}

/// Parses an octal permission mode such as `600` or `0o640`.
pub fn parse_mode(text: &str) -> Result<u32, String> {
    let digits = text.trim_start_matches("0o");
    match u32::from_str_radix(digits, 8) {
        Ok(mode) if mode <= 0o777 => Ok(mode),
        _ => Err(format!("`{text}` is not an octal mode between 000 and 777")),
    }
}

/// Runs a binary's real `main`, printing an error as one line prefixed by the program name.
pub fn run_main(program: &str, main: impl FnOnce() -> anyhow::Result<ExitCode>) -> ExitCode {
    match main() {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the whole chain of causes on one line: "context: cause: cause".
            eprintln!("{program}: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
