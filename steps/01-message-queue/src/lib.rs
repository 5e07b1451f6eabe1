//! # Step 1: System V message queues
//!
//! Two processes that share nothing but a file path exchange typed messages through the
//! kernel. This crate wraps the five System V calls involved in small safe types, and the
//! binaries `step01-send`, `step01-recv` and `step01-rm` drive them from the shell.
//!
//! ## Layout
//!
//! - [`error`]: [`IpcError`], the error of this step; it names the failing call and its
//!   errno, and answers "already exists?" and "not found?".
//! - [`key`]: [`Key`], a System V key made from a path and a project id with `ftok(3)`.
//! - [`object`]: what every System V object shares, written once for the course:
//!   [`CreationMode`] (create, open, or either) and [`IpcObject`], the handle that removes
//!   the object it created when it is dropped. Steps 2 and 4 reuse both.
//! - [`limits`]: the kernel's queue limits (`msgmax`, `msgmnb`) read from `/proc`.
//! - [`buffer`]: [`MessageBuffer`], the `struct msgbuf` layout that `msgsnd`/`msgrcv` expect.
//! - [`queue`]: [`MessageQueue`]: create, open, send, receive, remove.
//! - [`cli`]: command-line arguments shared by the binaries.
//!
//! The exercises of this step are the bodies of [`Key::from_path`] (1.1),
//! [`CreationMode::get`] with `MessageQueue::msgget` (1.2), `MessageQueue::send_with_flags` (1.3),
//! [`MessageQueue::receive_raw`] (1.4) and `Queue::remove_id` (1.5). Everything else is
//! given.

pub mod buffer;
pub mod cli;
pub mod error;
pub mod key;
pub mod limits;
pub mod object;
pub mod queue;

pub use buffer::MessageBuffer;
pub use error::{IpcError, Result};
pub use key::Key;
pub use object::{CreationMode, IpcKind, IpcObject};
pub use queue::{Message, MessageQueue, Queue, TypeFilter};
