//! The atomics of this step's lock-free structures: the standard library's, or loom's when
//! the code is model-checked.
//!
//! The mailbox (and the byte copies it makes) take every atomic type, the `Ordering` and
//! the `fence` from here, never from `std::sync::atomic` directly. A normal build gets the
//! standard library's, which compile to plain loads, stores and fences. A build with
//! `RUSTFLAGS="--cfg loom"` gets [loom](https://docs.rs/loom)'s instead: the grader then
//! runs the mailbox's writer and reader in loom's model checker, which explores their
//! interleavings and, unlike an x86 processor, lets a load return any value the memory
//! model allows, so an ordering too weak to publish a message shows up as a torn read.
//! (An import from `std::sync::atomic` would be invisible to loom.)

#[cfg(loom)]
pub use loom::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering, fence};
#[cfg(not(loom))]
pub use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering, fence};
