//! Which types may be viewed in shared memory.
//!
//! [`Attached::view`](crate::Attached::view) turns bytes of a segment into a `&T`. For an
//! ordinary Rust value a shared reference promises a lot: the bytes are a valid `T`, and
//! nobody changes them while the reference lives (unless `T` allows it, through an
//! `UnsafeCell`). In a segment, the bytes were written by another process, perhaps by
//! another program, and other processes keep changing them while we look. A type may be
//! viewed there only if those facts cannot break its promises; [`SharedSafe`] is the
//! marker that says so, and since the compiler cannot check it, implementing it is
//! `unsafe`.

use std::sync::atomic::{AtomicI8, AtomicI16, AtomicI32, AtomicI64};
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64};

// ANCHOR: shared_safe
/// A type that can be viewed as `&Self` in memory shared with other processes.
///
/// # Safety
///
/// Implement it only for a type that:
///
/// - has a layout fixed by its definition: a primitive, or a `#[repr(C)]` struct or an
///   array of such types, so every process built from the source agrees on every offset;
/// - is valid for **every** bit pattern: a new segment is all zeros, and a buggy or
///   hostile process may write anything (so no `bool`, `char`, enum or reference);
/// - is only ever changed through atomic operations, since other processes change it
///   while we hold a `&Self`: a plain integer field would be a data race, which is
///   undefined behaviour even if "only another process" writes it;
/// - holds no pointer or reference (each process maps the segment at its own address)
///   and needs no `Drop` (no process owns the value);
/// - has fixed-size fields only: `usize` differs between 32-bit and 64-bit processes.
///
/// The fixed-width atomic integers qualify, and so does a `#[repr(C)]` struct or array
/// made of them only. `AtomicBool` does not: only the bytes 0 and 1 are valid for it.
pub unsafe trait SharedSafe: Sync {}
// ANCHOR_END: shared_safe

/// Implements [`SharedSafe`] for the fixed-width atomic integers.
macro_rules! shared_safe_atomics {
    ($($atomic:ty),*) => {
        $(
            // SAFETY: a fixed-width atomic integer has the size and alignment of its
            // integer, every bit pattern is a valid value, every change to it is atomic,
            // and it holds no pointer.
            unsafe impl SharedSafe for $atomic {}
        )*
    };
}

shared_safe_atomics!(
    AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicI8, AtomicI16, AtomicI32, AtomicI64
);

// SAFETY: an array is its elements laid out one after another with no padding, so it is
// valid for every bit pattern, changed only atomically and pointer-free when they are.
unsafe impl<T: SharedSafe, const N: usize> SharedSafe for [T; N] {}
