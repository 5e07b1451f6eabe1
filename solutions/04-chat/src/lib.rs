//! # Step 4: the first working chat
//!
//! Steps 1 to 3 gave us a message queue, shared memory and a protocol. This step puts them
//! together, with one new primitive, the **System V semaphore**, used as a mutex:
//!
//! - clients send their lines through the room's **queue** to the server (mtype 1), and
//!   get replies in their own mailbox (mtype = their pid);
//! - the server appends each line to a **ring in shared memory** under the mutex;
//! - every client polls the ring, under the same mutex, and prints what is new.
//!
//! ## Layout
//!
//! - [`error`]: [`ChatError`], the errors of steps 1-3 and of a chat room.
//! - [`room`]: the room directory and the keys of its objects.
//! - [`semaphore`]: [`SemaphoreSet`]: semget/semop/semctl, with `SEM_UNDO`, on step 1's
//!   owning handle; [`SemaphoreMutex`], a mutex that hands out the state it guards.
//! - [`objects`]: creating (server) and opening (client) a room's three objects, which
//!   the server's handles remove when they are dropped.
//! - [`ring`]: appending to and reading from the ring of recent lines, under the lock.
//! - [`members`]: the server's decisions, without I/O: a request in, effects out.
//! - [`history`]: [`History`](history::History), where the server keeps entries before
//!   the ring publishes them (none in this step; step 5 adds a log file).
//! - [`hooks`]: [`RoomHooks`](hooks::RoomHooks), what step 6 adds around the decisions
//!   (presence, bounded mailboxes); none in this step.
//! - [`server`]: the server's loop, which carries the decisions out.
//! - [`signals`]: stopping the server cleanly on SIGINT/SIGTERM.
//! - [`logging`]: the server's log lines on stderr (`tracing`, filtered by `RUST_LOG`).
//! - [`command`]: what a typed line means, parsed before anything is sent.
//! - [`client`]: the line-oriented client.
//! - [`format`]: how lines look on the terminal.
//! - [`cli`]: the programs' command lines and `main`s, which later steps reuse.
//!
//! The exercises of this step are the bodies of [`SemaphoreSet::op`] (4.1),
//! [`Ring::append`](ring::Ring::append) (4.2), [`Ring::read_since`](ring::Ring::read_since)
//! (4.3), [`Members::handle`](members::Members::handle) (4.4) and
//! [`Members::join`](members::Members::join) (4.5). Everything else is given.

pub mod cli;
pub mod client;
pub mod command;
pub mod error;
pub mod format;
pub mod history;
pub mod hooks;
pub mod logging;
pub mod members;
pub mod objects;
pub mod ring;
pub mod room;
pub mod semaphore;
pub mod server;
pub mod signals;

pub use error::{ChatError, Result};
pub use room::Room;
pub use semaphore::{SemaphoreMutex, SemaphoreSet};
