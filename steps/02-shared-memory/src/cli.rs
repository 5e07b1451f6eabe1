//! What the step's binaries share: the arguments that name a segment, and opening it
//! with an error that says which segment it was. Printing errors (`run_main`) and parsing
//! modes come from step 1.

use std::fmt;
use std::num::NonZeroU8;
use std::path::PathBuf;

use anyhow::Context;
use step01_message_queue::Key;
pub use step01_message_queue::cli::{EXIT_NO_MESSAGE, parse_mode, run_main};

use crate::error::ShmError;
use crate::segment::Segment;

/// The arguments that name a segment: a key file and a project id, and the mode of a
/// segment the command creates.
#[derive(Debug, Clone, clap::Args)]
pub struct SegmentArgs {
    /// A file or directory all processes can see; its inode makes the key (ftok).
    #[arg(long, value_name = "PATH")]
    pub path: PathBuf,

    /// The project id, 1-255 [default: 2 for the mailbox and step02-shm, 3 for the counter].
    #[arg(long, value_name = "ID")]
    pub proj_id: Option<NonZeroU8>,

    /// Permission bits for a segment this command creates, in octal.
    #[arg(long, value_name = "OCTAL", default_value = "600", value_parser = parse_mode)]
    pub mode: u32,
}

impl SegmentArgs {
    /// The segment these arguments name, with `default_proj_id` unless `--proj-id` is
    /// given; fails if the key file does not exist.
    pub fn name(&self, default_proj_id: NonZeroU8) -> anyhow::Result<SegmentName> {
        let proj_id = self.proj_id.unwrap_or(default_proj_id);
        Ok(SegmentName {
            key: Key::from_path(&self.path, proj_id)?,
            path: self.path.clone(),
            proj_id,
            mode: self.mode,
        })
    }
}

/// A segment's key, with what it was made from so that errors can say which segment.
#[derive(Debug, Clone)]
pub struct SegmentName {
    /// The key: ftok of `path` and `proj_id`.
    pub key: Key,
    /// The key file.
    pub path: PathBuf,
    /// The project id.
    pub proj_id: NonZeroU8,
    /// Permission bits for a segment created through this name.
    pub mode: u32,
}

impl SegmentName {
    /// Creates a new segment of `size` bytes (fails if the key has one).
    pub fn create(&self, size: usize) -> anyhow::Result<Segment> {
        Segment::create(self.key, size, self.mode).map_err(|error| {
            let hint = if error.is_already_exists() {
                " (one exists already: `step02-shm rm` removes it)"
            } else {
                ""
            };
            anyhow::Error::new(error).context(format!("cannot create {self} of {size} bytes{hint}"))
        })
    }

    /// Opens the existing segment, which must be `size` bytes; with `create`, makes it
    /// if there is none.
    ///
    /// A segment made here outlives the command, like the queue of `step01-send
    /// --create`: it is there for the next command (`step02-shm rm` removes it).
    pub fn open(&self, size: usize, create: bool) -> anyhow::Result<Segment> {
        let segment = if create {
            Segment::open_or_create(self.key, size, self.mode).map(|mut segment| {
                segment.release_ownership();
                segment
            })
        } else {
            Segment::open(self.key, size)
        };
        segment.map_err(|error| self.open_error(error))
    }

    /// Opens the existing segment, whatever its size.
    pub fn open_any_size(&self) -> anyhow::Result<Segment> {
        Segment::open_any_size(self.key).map_err(|error| self.open_error(error))
    }

    /// The error of a failed open, with the segment's name and a hint.
    fn open_error(&self, error: ShmError) -> anyhow::Error {
        let hint = if error.is_not_found() {
            " (there is none: create it first)"
        } else {
            ""
        };
        anyhow::Error::new(error).context(format!("cannot open {self}{hint}"))
    }
}

impl fmt::Display for SegmentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the segment of {} with project id {} (key {})",
            self.path.display(),
            self.proj_id,
            self.key
        )
    }
}

/// Attaches `segment` read-write, with an error that names it.
pub fn attach(segment: &Segment) -> anyhow::Result<crate::Attached> {
    segment
        .attach()
        .with_context(|| format!("cannot attach segment {}", segment.id()))
}
