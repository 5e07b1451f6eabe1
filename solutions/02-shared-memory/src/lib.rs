//! # Step 2: System V shared memory
//!
//! Step 1 copied messages through the kernel. This step shares memory itself: a *segment*
//! that the kernel maps into every process that attaches it, so that a store by one process
//! is seen by a load in another with no system call in between. The crate wraps the four
//! calls involved (`shmget`, `shmat`, `shmdt`, `shmctl`) in a small RAII API, and shows how
//! processes coordinate through a segment with atomics only, without any lock: a counter
//! that many processes increment, and a mailbox whose readers never see a half-written
//! message. The binaries `step02-shm`, `step02-msg` and `step02-counter` drive them.
//!
//! It builds on step 1 instead of repeating it: keys ([`Key`]), creating or opening
//! ([`CreationMode`]), the owning handle ([`IpcObject`]), the `EINTR` loop and the
//! command-line helpers all come from [`step01_message_queue`]; its error ([`IpcError`])
//! is wrapped by this step's ([`ShmError`]).
//!
//! ## Layout
//!
//! - [`error`]: [`ShmError`], step 1's error and the ways shared memory adds to it.
//! - [`segment`]: [`Segment`]: create, open (size checked), inspect, remove, attach.
//! - [`attached`]: [`Attached`], the guard of one attachment: it detaches on drop, and
//!   hands out typed views and byte copies, never raw pointers; [`Typed`], an attachment
//!   checked once to hold one type.
//! - [`bytes`]: copying bytes in and out of shared memory with atomic byte operations.
//! - [`shared`]: [`SharedSafe`], the promise a type makes to be viewed in shared memory.
//! - [`backoff`]: [`Backoff`]: waiting for another process without a lock.
//! - [`counter`]: [`Counter`], a count that many processes increment, and the lost-update
//!   race that a plain load and store cause.
//! - [`mailbox`]: [`Mailbox`], one message published so that readers never see it torn.
//! - [`sync`]: the atomics of the mailbox: std's, or loom's when the grader model-checks it.
//! - [`test_message`]: self-checking messages, to prove the mailbox's readers right.
//! - [`cli`]: command-line arguments shared by the binaries.
//!
//! The exercises of this step are the bodies of `Segment::shmget` and
//! `Segment::with_size` (2.1); `Attached::new`, `Attached::shmdt` and `Shm::remove_id` (2.2);
//! [`Attached::view`] (2.3); [`Counter::increment`] (2.4); [`Mailbox::publish`] (2.5);
//! and [`Mailbox::read`] (2.6). Everything else is given.

pub mod attached;
pub mod backoff;
pub mod bytes;
pub mod cli;
pub mod counter;
pub mod error;
pub mod mailbox;
pub mod segment;
pub mod shared;
pub mod sync;
#[cfg(not(loom))]
pub mod test_message;

pub use attached::{Access, Attached, ReadOnly, ReadWrite, Typed};
pub use backoff::Backoff;
pub use counter::Counter;
pub use error::{Result, ShmError};
pub use mailbox::{MAILBOX_CAPACITY, Mailbox, Message};
pub use segment::{Segment, SegmentStat, Shm};
pub use shared::SharedSafe;
pub use step01_message_queue::{CreationMode, IpcError, IpcObject, Key};
