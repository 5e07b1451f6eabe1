//! # Step 3: the chat's architecture, as types
//!
//! Chapter 3 of the book is the design document of the chat that steps 4 to 7 build. This
//! crate is that design's contract in code: the messages that travel on the queue, how they
//! are encoded and validated, who receives which message (mtype routing), and the exact
//! memory layouts of the shared state and of the log file, checked at compile time.
//!
//! Nothing here does IPC: decoding a message is a pure function from bytes to a value or a
//! typed error, so it can be tested with millions of random inputs, and a malformed message
//! from a buggy or hostile process can never crash the server.
//!
//! ## Layout
//!
//! - [`text`]: the rules for names and message text ([`Name`], [`Text`]).
//! - [`routing`]: mtypes (server vs each client) and the project ids of the room's objects.
//! - [`wire`]: a byte reader and writer for the encoding (given).
//! - [`message`]: [`Request`] (client to server) and [`Reply`] (server to client), with
//!   `encode` and `decode`.
//! - [`layout`]: `#[repr(C)]` layouts of the shared-memory state and of log-file records.
//! - [`describe`]: human-readable rendering, for the `step03-codec` debugging tool.
//!
//! The exercises of this step are the bodies of [`Name::new`] (3.1), [`Request::encode`]
//! (3.2), [`Request::decode`] (3.3) and [`routing::reply_mtype`] (3.4). Everything else is
//! given.

pub mod describe;
pub mod layout;
pub mod message;
pub mod routing;
pub mod text;
pub mod wire;

pub use message::{DecodeError, RejectReason, Reply, Request};
pub use text::{NAME_MAX, Name, NameError, TEXT_MAX, Text, TextError, validate_text};
