//! A System V shared-memory segment: memory that belongs to the kernel, not to a process.
//!
//! The calls, in the order a program meets them (see shmget(2), shmop(2), shmctl(2)):
//!
//! - `shmget(key, size, flags)` finds or creates the segment of a key and returns its id;
//!   a new segment is filled with zero bytes;
//! - `shmat(id, NULL, flags)` maps the segment into the calling process and returns the
//!   address it chose; with `SHM_RDONLY` the mapping is read-only;
//! - `shmdt(addr)` unmaps it again (exit and exec detach everything too);
//! - `shmctl(id, IPC_STAT, &ds)` reads its size, owner, mode and attach count;
//! - `shmctl(id, IPC_RMID, NULL)` *marks* it for destruction: the key is free at once, so
//!   nobody can find the segment any more, but its memory lives on until the last
//!   attached process detaches.
//!
//! A segment outlives the processes that use it, like a queue: `ipcs -m` lists segments,
//! with their attach count (`nattch`) and a `dest` status once they are marked for
//! removal, and `ipcrm -m ID` removes one by hand.

use libc::c_int;
use step01_message_queue::error::retry_on_eintr;
use step01_message_queue::{CreationMode, IpcKind, IpcObject, Key};

use crate::attached::{Attached, ReadOnly, ReadWrite};
use crate::error::Result;

/// The `shm_perm.mode` bit that says `IPC_RMID` was called (`SHM_DEST` in
/// `<linux/shm.h>`; the libc crate does not export it).
const SHM_DEST: u32 = 0o1000;

// ANCHOR: stat
/// What `shmctl(IPC_STAT)` says about a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentStat {
    /// The size in bytes, exactly as given to the `shmget` that created it.
    pub size: usize,
    /// How many attachments exist, in every process (`shm_nattch`).
    pub attached: u64,
    /// Whether `IPC_RMID` was called: the segment is destroyed at the last detach.
    pub marked_for_removal: bool,
    /// The permission bits, e.g. `0o600`.
    pub mode: u32,
    /// The pid of the process that created it.
    pub creator_pid: i32,
    /// The pid of the last process that attached or detached it.
    pub last_pid: i32,
}
// ANCHOR_END: stat

// ANCHOR: shm_kind
/// The kind of a shared-memory segment, for [`IpcObject`]: removed with
/// `shmctl(IPC_RMID)`.
#[derive(Debug)]
pub enum Shm {}

impl IpcKind for Shm {
    const NAME: &'static str = "shared-memory segment";
    const IPCRM_OPTION: &'static str = "-M";

    // ANCHOR: remove
    /// Marks the segment `id` for destruction with `shmctl(IPC_RMID)`.
    ///
    /// Its key is free at once (a later `shmget` with `IPC_CREAT` makes a *new* segment),
    /// but processes that are attached keep using the old memory; the kernel destroys it
    /// when the last of them detaches.
    fn remove_id(id: c_int) -> step01_message_queue::Result<()> {
        // Part of exercise 2.2 (its task is in attached.rs): destroy the segment with shmctl(2).
        // HINT: the same call as exercise 1.5, for another kind of object (shmctl(2), IPC_RMID).
        // BEGIN EXERCISE 2.2 (stub uses: id)
        let _ = id; // silences "unused" until your code uses it
        todo!(
            "exercise 2.2 is not done yet: Attach with shmat(2), detach with shmdt(2), and remove with IPC_RMID."
        )
        // END EXERCISE 2.2
    }
    // ANCHOR_END: remove
}
// ANCHOR_END: shm_kind

/// A handle on a System V shared-memory segment: its id, key and size.
///
/// The handle is only a name for the memory, which is reached through an [`Attached`]
/// guard from [`Segment::attach`]. Like every handle of the course (see [`IpcObject`]),
/// a handle that created its segment owns it and removes it when dropped; attached
/// processes keep the memory until they detach.
#[derive(Debug)]
pub struct Segment {
    /// The id and key, and whether this handle removes the segment.
    object: IpcObject<Shm>,
    /// The segment's size in bytes, as the kernel knows it.
    size: usize,
}

impl Segment {
    // ANCHOR: get
    /// Calls `shmget(key, size, flags)` and returns the segment id.
    fn shmget(key: Key, size: usize, flags: c_int) -> step01_message_queue::Result<c_int> {
        // EXERCISE 2.1 (15 points): Find or create segments with shmget(2), and check the size of an opened one.
        // HINT: the same shape as msgget in exercise 1.2, with a size (shmget(2)).
        // BEGIN EXERCISE 2.1 (stub uses: key, size, flags)
        let _ = (key, size, flags); // silences "unused" until your code uses them
        todo!(
            "exercise 2.1 is not done yet: Find or create segments with shmget(2), and check the size of an opened one."
        )
        // END EXERCISE 2.1
    }
    // ANCHOR_END: get

    // ANCHOR: create
    /// Finds or creates the segment of `key` as `mode` says, without checking the size of
    /// a segment it opens. A new one is `size` bytes (all zero), with the permission bits
    /// `permissions`, and this handle owns it.
    fn get(key: Key, mode: CreationMode, size: usize, permissions: u32) -> Result<Segment> {
        let object = IpcObject::get(key, mode, permissions, |flags| {
            // Opening asks for size 0, which matches a segment of any size: the caller
            // checks the real size, and says so clearly when it is not the expected one.
            let size = if flags & libc::IPC_CREAT != 0 {
                size
            } else {
                0
            };
            Self::shmget(key, size, flags)
        })?;
        let size = stat_id(object.id())?.size;
        Ok(Segment { object, size })
    }

    /// Creates a new segment of `size` bytes (all zero) for `key`, owned by this handle,
    /// with permission bits `permissions` (e.g. `0o600`).
    ///
    /// Fails with "already exists" if the key has a segment: we never silently share
    /// memory with a stranger whose key happens to be ours.
    pub fn create(key: Key, size: usize, permissions: u32) -> Result<Segment> {
        Self::get(key, CreationMode::CreateExclusive, size, permissions)
    }
    // ANCHOR_END: create

    // ANCHOR: open
    /// Opens the existing segment of `key`, which must be exactly `expected_size` bytes.
    ///
    /// A segment of another size belongs to another program (or another version of this
    /// one): its bytes do not have the layout we expect, so attaching it would misread
    /// them. That is [`ShmError::SizeMismatch`]. No segment at all is "not found".
    ///
    /// [`ShmError::SizeMismatch`]: crate::ShmError::SizeMismatch
    pub fn open(key: Key, expected_size: usize) -> Result<Segment> {
        Self::with_size(Self::open_any_size(key)?, expected_size)
    }

    /// `segment` if it is exactly `expected_size` bytes, else [`ShmError::SizeMismatch`].
    ///
    /// [`ShmError::SizeMismatch`]: crate::ShmError::SizeMismatch
    fn with_size(segment: Segment, expected_size: usize) -> Result<Segment> {
        // Part of exercise 2.1: refuse a segment whose size is not `expected_size`.
        // HINT: the size an existing segment really has is in `segment.size` (read with shmctl(2), IPC_STAT).
        // BEGIN EXERCISE 2.1 (stub uses: segment, expected_size)
        let _ = (segment, expected_size); // silences "unused" until your code uses them
        todo!(
            "exercise 2.1 is not done yet: Find or create segments with shmget(2), and check the size of an opened one."
        )
        // END EXERCISE 2.1
    }
    // ANCHOR_END: open

    /// Opens the existing segment of `key`, whatever its size (for tools that inspect
    /// segments; a program that relies on a layout uses [`Segment::open`]).
    pub fn open_any_size(key: Key) -> Result<Segment> {
        Self::get(key, CreationMode::OpenExisting, 0, 0)
    }

    // ANCHOR: open_or_create
    /// Opens the segment of `key` if it exists (it must be `size` bytes), or creates it
    /// (then this handle owns it).
    ///
    /// Safe to call from many processes at once: exactly one `shmget(IPC_CREAT |
    /// IPC_EXCL)` succeeds, the others open what it made (see [`CreationMode`]). Since the
    /// kernel fills a new segment with zeros, a layout whose all-zero state is valid needs
    /// no initialization step, and so no lock to protect one.
    pub fn open_or_create(key: Key, size: usize, permissions: u32) -> Result<Segment> {
        Self::with_size(
            Self::get(key, CreationMode::OpenOrCreate, size, permissions)?,
            size,
        )
    }
    // ANCHOR_END: open_or_create

    /// The segment id, as `ipcs -m` shows it.
    pub fn id(&self) -> c_int {
        self.object.id()
    }

    /// The key the segment was found by.
    pub fn key(&self) -> Key {
        self.object.key()
    }

    /// Whether dropping this handle removes the segment.
    pub fn is_owner(&self) -> bool {
        self.object.is_owner()
    }

    /// Gives up ownership: the segment outlives this handle, until removed on purpose.
    pub fn release_ownership(&mut self) {
        self.object.release_ownership();
    }

    /// The size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Reads the segment's state with `shmctl(IPC_STAT)`.
    pub fn stat(&self) -> Result<SegmentStat> {
        stat_id(self.id())
    }

    // ANCHOR: attach_modes
    /// Maps the segment into this process, readable and writable.
    pub fn attach(&self) -> Result<Attached<ReadWrite>> {
        Attached::new(self)
    }

    /// Maps the segment into this process read-only (`SHM_RDONLY`): any store to it
    /// would be killed by `SIGSEGV`, so the guard offers copies of its bytes only.
    pub fn attach_read_only(&self) -> Result<Attached<ReadOnly>> {
        Attached::new(self)
    }
    // ANCHOR_END: attach_modes

    /// Marks the segment for destruction now with `shmctl(IPC_RMID)`, owned or not;
    /// attached processes keep the memory until they detach.
    pub fn remove(self) -> Result<()> {
        Ok(self.object.remove()?)
    }
}

/// `shmctl(id, IPC_STAT)`: the state of the segment with id `id`. Works until the segment
/// is destroyed, even after `IPC_RMID` took its key away.
pub fn stat_id(id: c_int) -> Result<SegmentStat> {
    // SAFETY: shmid_ds is a plain C struct of integers, for which all-zero bytes are a
    // valid value.
    let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: `ds` is a valid, writable shmid_ds that outlives the call; IPC_STAT writes
    // exactly one such struct.
    retry_on_eintr("shmctl(IPC_STAT)", || unsafe {
        libc::shmctl(id, libc::IPC_STAT, &mut ds)
    })?;
    let mode = u32::from(ds.shm_perm.mode);
    Ok(SegmentStat {
        size: ds.shm_segsz,
        attached: ds.shm_nattch,
        marked_for_removal: mode & SHM_DEST != 0,
        mode: mode & 0o777,
        creator_pid: ds.shm_cpid,
        last_pid: ds.shm_lpid,
    })
}
