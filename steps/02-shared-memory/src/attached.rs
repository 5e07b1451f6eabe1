//! One attachment of a segment: the memory mapped into this process, and the guard that
//! unmaps it.
//!
//! `shmat` returns a raw address. Everything that makes using it safe lives here:
//!
//! - the guard [`Attached`] calls `shmdt` when it is dropped, and everything it hands out
//!   borrows it, so the borrow checker rejects any use of the memory after the detach;
//! - [`Attached::view`] gives a `&T` only for a type that promises to be sound in shared
//!   memory ([`SharedSafe`]), after checking that a `T` fits and is aligned;
//! - the access mode is part of the type. An `Attached<ReadOnly>` (mapped with
//!   `SHM_RDONLY`) has no `view`: every atomic operation except a small relaxed load may
//!   write to memory, which is undefined behaviour on a read-only mapping (see "Atomic
//!   accesses to read-only memory" in the `std::sync::atomic` docs). It copies bytes out.
//!
//! ## Why the guard does not `Deref` to `[u8]`
//!
//! A `&[u8]` promises that the bytes behind it do not change while it lives, and the
//! compiler relies on that promise (it may read a byte once and reuse the value). In a
//! segment, another process can change any byte at any moment, so that promise would be
//! false. The guard therefore hands out references to atomics only, whose contract
//! includes change by others, and copies of bytes made with atomic loads.

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, Ordering};

use libc::c_int;

use crate::error::{Result, ShmError};
use crate::segment::Segment;
use crate::shared::SharedSafe;

mod sealed {
    /// Keeps other crates from inventing access modes.
    pub trait Sealed {}
    impl Sealed for super::ReadWrite {}
    impl Sealed for super::ReadOnly {}
}

// ANCHOR: access
/// How an attachment may be used: [`ReadWrite`] or [`ReadOnly`].
pub trait Access: sealed::Sealed {
    /// The `shmat` flags that map a segment this way.
    const SHMAT_FLAGS: c_int;
    /// How messages name the mode.
    const NAME: &'static str;
}

/// The access mode of a read-write attachment (`shmat` flags 0).
#[derive(Debug)]
pub enum ReadWrite {}

/// The access mode of a read-only attachment (`SHM_RDONLY`).
#[derive(Debug)]
pub enum ReadOnly {}

impl Access for ReadWrite {
    const SHMAT_FLAGS: c_int = 0;
    const NAME: &'static str = "read-write";
}

impl Access for ReadOnly {
    const SHMAT_FLAGS: c_int = libc::SHM_RDONLY;
    const NAME: &'static str = "read-only";
}
// ANCHOR_END: access

// ANCHOR: guard
/// A segment mapped into this process; dropping the guard detaches it (`shmdt`).
///
/// Removing the segment ([`Segment::remove`]) does not invalidate the guard: the kernel
/// keeps the memory until the last attachment, in any process, is gone.
pub struct Attached<A: Access = ReadWrite> {
    /// Where the segment starts in this process: the address `shmat` returned, which is
    /// page-aligned. Another process sees the same memory at another address.
    addr: NonNull<u8>,
    /// The id of the segment it maps (for messages and `ipcs`).
    segment_id: c_int,
    /// The size of the mapping in bytes: the segment's size.
    len: usize,
    /// The access mode, in the type only.
    access: PhantomData<A>,
}
// ANCHOR_END: guard

// SAFETY: the guard owns one mapping, which belongs to the whole process: any thread may
// use it or detach it. What the guard hands out is either a copy or a `&T` with
// `T: SharedSafe`, which requires `Sync`, so sharing the guard between threads shares
// nothing that is not thread-safe.
unsafe impl<A: Access> Send for Attached<A> {}
// SAFETY: as for Send: every method takes `&self` and touches the memory only through
// atomics, or hands out `&T` for `T: Sync`.
unsafe impl<A: Access> Sync for Attached<A> {}

impl<A: Access> Attached<A> {
    // ANCHOR: attach
    /// Attaches `segment` with `shmat(id, NULL, A::SHMAT_FLAGS)`.
    pub(crate) fn new(segment: &Segment) -> Result<Self> {
        // EXERCISE 2.2 (25 points): Attach with shmat(2), detach with shmdt(2), and remove with IPC_RMID.
        // HINT: let the kernel choose the address; the access mode's flags are `A::SHMAT_FLAGS`.
        // HINT: read shmat(2), RETURN VALUE, closely: its failure value is not a null pointer.
        // BEGIN EXERCISE 2.2 (stub uses: segment)
        let _ = segment; // silences "unused" until your code uses it
        todo!(
            "exercise 2.2 is not done yet: Attach with shmat(2), detach with shmdt(2), and remove with IPC_RMID."
        )
        // END EXERCISE 2.2
    }
    // ANCHOR_END: attach

    /// The id of the segment this attachment maps.
    pub fn segment_id(&self) -> c_int {
        self.segment_id
    }

    /// The size of the mapping in bytes: the segment's size.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the segment has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The address of the first byte in this process, for display or for a system call
    /// that needs one. Using it is up to `unsafe` code; safe code uses `view` or copies.
    pub fn as_ptr(&self) -> *const u8 {
        self.addr.as_ptr()
    }

    // ANCHOR: read_at
    /// Copies `buf.len()` bytes of the segment, starting at `offset`, into `buf`.
    ///
    /// Each byte is read with an atomic load, so a concurrent writer makes the copy stale
    /// or mixed, never undefined. (A writer that stores wider atomics over the same bytes
    /// makes these *mixed-size* accesses, which Rust's memory model leaves undefined even
    /// though the hardware gives each byte its old or its new value: use copies to look,
    /// and typed views for a program's real data.)
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.check_range(offset, buf.len())?;
        for (index, byte) in buf.iter_mut().enumerate() {
            *byte = self.byte(offset + index).load(Ordering::Relaxed);
        }
        Ok(())
    }
    // ANCHOR_END: read_at

    /// A copy of the whole segment.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut bytes = vec![0; self.len()];
        // The range is the whole segment, so it cannot be out of bounds.
        let _ = self.read_at(0, &mut bytes);
        bytes
    }

    /// Detaches now, returning the error that dropping the guard would have to ignore.
    pub fn detach(self) -> Result<()> {
        let result = self.shmdt();
        // Detached already: the drop must not call shmdt a second time.
        std::mem::forget(self);
        result
    }

    // ANCHOR: detach
    /// Unmaps the segment with `shmdt`.
    fn shmdt(&self) -> Result<()> {
        // Part of exercise 2.2: detach the segment with shmdt(2).
        // HINT: shmdt(2) takes exactly the address that shmat returned for this attachment.
        // BEGIN EXERCISE 2.2 (stub uses: self)
        let _ = self; // silences "unused" until your code uses it
        todo!(
            "exercise 2.2 is not done yet: Attach with shmat(2), detach with shmdt(2), and remove with IPC_RMID."
        )
        // END EXERCISE 2.2
    }
    // ANCHOR_END: detach

    /// Fails unless `offset..offset + len` lies inside the segment.
    fn check_range(&self, offset: usize, len: usize) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len() => Ok(()),
            _ => Err(ShmError::OutOfBounds {
                offset,
                len,
                size: self.len(),
            }),
        }
    }

    /// The byte at `index` (which must be below `len()`), as an atomic.
    ///
    /// Through an `Attached<ReadOnly>` it may only be loaded with `Ordering::Relaxed`:
    /// the one atomic operation that is defined on read-only memory.
    fn byte(&self, index: usize) -> &AtomicU8 {
        assert!(index < self.len(), "byte {index} is outside the segment");
        // SAFETY: `index < len`, so the byte lies inside the mapping, which stays mapped
        // while `self` is borrowed (and the result borrows it). AtomicU8 has the size and
        // alignment of u8, so any byte address suits it, and the course accesses segments
        // with atomic operations only, so there is no data race.
        unsafe { AtomicU8::from_ptr(self.addr.as_ptr().add(index)) }
    }
}

impl Attached<ReadWrite> {
    // ANCHOR: view
    /// A shared reference to the `T` that starts at the first byte of the segment.
    ///
    /// Checks that a `T` fits in the segment and that the address is aligned for it. The
    /// bound `T: SharedSafe` promises the rest: any bytes are a valid `T`, and every
    /// change another process makes goes through atomics. The reference borrows the guard,
    /// so it cannot outlive the attachment.
    pub fn view<T: SharedSafe>(&self) -> Result<&T> {
        // EXERCISE 2.3 (15 points): Check that a `T` fits in the segment and is aligned, then hand out `&T`.
        // HINT: the requirements of a reference are in std::ptr's docs, "Safety" and "Pointer to reference conversion".
        // HINT: the two this code must check at run time each have a `ShmError` variant.
        // HINT: write the SAFETY comment first, one reason for each requirement; then the code.
        // BEGIN EXERCISE 2.3 (stub uses: self)
        let _ = self; // silences "unused" until your code uses it
        todo!(
            "exercise 2.3 is not done yet: Check that a `T` fits in the segment and is aligned, then hand out `&T`."
        )
        // END EXERCISE 2.3
    }
    // ANCHOR_END: view

    /// Copies `data` into the segment at `offset`, one atomic byte store at a time.
    pub fn write_at(&self, offset: usize, data: &[u8]) -> Result<()> {
        self.check_range(offset, data.len())?;
        for (index, &byte) in data.iter().enumerate() {
            self.byte(offset + index).store(byte, Ordering::Relaxed);
        }
        Ok(())
    }
}

// ANCHOR: typed
impl Attached<ReadWrite> {
    /// Turns the attachment into a [`Typed`] view of the `T` at its start, checked once
    /// here ([`Attached::view`]) instead of at every use.
    pub fn typed<T: SharedSafe>(self) -> Result<Typed<T>> {
        self.view::<T>()?;
        Ok(Typed {
            attached: self,
            data: PhantomData,
        })
    }
}

/// An attachment known to hold a `T`: it dereferences to `&T`, and detaches when dropped.
///
/// A program whose segment has one layout checks it when it attaches, and then uses the
/// shared state like any `&T`, with no `Result` at every access.
pub struct Typed<T: SharedSafe> {
    /// The attachment, whose size and alignment were checked for a `T`.
    attached: Attached<ReadWrite>,
    /// The type, in the type only.
    data: PhantomData<T>,
}

impl<T: SharedSafe> std::ops::Deref for Typed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: `Attached::typed` checked, through `view`, that a T fits in the mapping
        // and that its first byte is aligned for T; the mapping stays attached while
        // `self` lives, and the reference borrows `self`. `T: SharedSafe` promises that
        // any bytes are a valid T and that other processes change them only atomically.
        unsafe { &*self.attached.as_ptr().cast::<T>() }
    }
}

impl<T: SharedSafe> fmt::Debug for Typed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Typed")
            .field("type", &std::any::type_name::<T>())
            .field("attached", &self.attached)
            .finish()
    }
}
// ANCHOR_END: typed

// ANCHOR: drop
impl<A: Access> Drop for Attached<A> {
    fn drop(&mut self) {
        // shmdt fails only for an address that is not attached, which the guard rules
        // out; and a drop cannot report an error (`detach` can).
        let _ = self.shmdt();
    }
}
// ANCHOR_END: drop

impl<A: Access> fmt::Debug for Attached<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attached")
            .field("segment", &self.segment_id)
            .field("addr", &self.addr)
            .field("len", &self.len())
            .field("access", &A::NAME)
            .finish()
    }
}
