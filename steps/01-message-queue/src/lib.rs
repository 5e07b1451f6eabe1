//! # Step 1: System V message queues
//!
//! Two processes that share nothing but a file path exchange typed messages through the
//! kernel. This crate wraps the five System V calls involved in small safe types, and the
//! binaries `step01-send`, `step01-recv` and `step01-rm` drive them from the shell.
//!
//! ## Layout
//!
//! - [`error`]: [`IpcError`], the one error type; it names the failing call and its errno.
//! - [`key`]: [`Key`], a System V key made from a path and a project id with `ftok(3)`.
//! - [`limits`]: the kernel's queue limits (`msgmax`, `msgmnb`) read from `/proc`.
//! - [`buffer`]: [`MessageBuffer`], the `struct msgbuf` layout that `msgsnd`/`msgrcv` expect.
//! - [`queue`]: [`MessageQueue`]: create, open, send, receive, remove.
//! - [`cli`]: command-line arguments shared by the binaries.
//!
//! The exercises of this step are the bodies of [`Key::from_path`],
//! [`MessageQueue::create`], [`MessageQueue::send`], [`MessageQueue::receive_raw`] and
//! [`MessageQueue::remove`]. Everything else is given.

pub mod buffer;
pub mod cli;
pub mod error;
pub mod key;
pub mod limits;
pub mod queue;

pub use buffer::MessageBuffer;
pub use error::{IpcError, Result};
pub use key::Key;
pub use queue::{Message, MessageQueue, TypeFilter};
