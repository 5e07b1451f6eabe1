//! # Step 5: a persistent chat log with mmap
//!
//! Step 4's chat forgets everything when its server stops: the ring lives in a segment
//! that the server removes, and it only ever holds the newest lines. This step gives the
//! room a history that survives restarts and crashes: a file, `ROOM/chat.log`, of
//! checksummed records, which the server appends to through a writable shared memory
//! mapping (`mmap`), *before* it publishes each line in the ring.
//!
//! The server and the client are step 4's. Step 4 has the seams this step plugs into:
//! its server keeps every entry in a [`History`](step04_chat::history::History) first and
//! refuses the line if that fails, and it fills the ring with recent entries before any
//! client can see the room.
//!
//! ## Layout
//!
//! - [`error`]: [`LogError`], what can go wrong with the log and the lock.
//! - [`lock`]: [`ServerLock`], one server per room with `flock`.
//! - [`record`]: one record's bytes, written and checked.
//! - [`scan`]: reading a whole file, trusting no byte.
//! - [`log`]: [`LogFile`], the server's side: open, repair, append, grow.
//! - [`reader`]: reading the history from outside the server, without `SIGBUS`.
//! - [`server`]: what the step 5 server does before it serves.
//!
//! The exercises are [`ServerLock::acquire`] (5.1), [`record::encode`] (5.2),
//! [`record::check`] (5.3), [`scan::scan`] (5.4) and [`LogFile::append`] (5.5).

pub mod error;
pub mod lock;
pub mod log;
pub mod reader;
pub mod record;
pub mod scan;
pub mod server;

pub use error::{LogError, Result};
pub use lock::ServerLock;
pub use log::LogFile;
