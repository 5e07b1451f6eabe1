//! A System V semaphore set: the room's mutex, and a "server alive" flag.
//!
//! The calls (see semget(2), semop(2), semctl(2)):
//!
//! - `semget(key, nsems, flags)` creates or finds a set of `nsems` counters;
//! - `semop(id, ops, n)` applies operations atomically: `-1` waits until the value is at
//!   least 1 and takes it, `+1` gives it back. With `SEM_UNDO` the kernel remembers the
//!   adjustment and reverses it when the process exits, however it exits: a process that
//!   is killed while holding the mutex cannot wedge the room;
//! - `semctl(id, n, SETVAL, v)` sets a value, `GETVAL` reads it, `IPC_RMID` removes the set.
//!
//! **The initialisation race.** `semget` creates a set whose values are 0 (on Linux), and
//! setting them is a second call. A process that opens the set between the two would see
//! a mutex of 0 and block. The classic answer (Stevens, UNP vol. 2): the creator performs
//! one `semop` after `SETVAL`, which sets the set's `sem_otime`; openers wait until
//! `sem_otime` is non-zero before using the set.
//!
//! **A mutex that owns its data.** [`SemaphoreMutex`] is shaped like `std::sync::Mutex`:
//! it holds the semaphore *and* the shared state it guards, and [`SemaphoreMutex::lock`]
//! hands out a guard that dereferences to that state. Code that needs the lock held (the
//! ring) takes the guard, so holding it proves that *this* room's lock is held, not some
//! other semaphore's.

use std::ops::Deref;
use std::time::Duration;

use libc::c_int;
use step01_message_queue::error::retry_on_eintr;
use step01_message_queue::{CreationMode, IpcKind, IpcObject, Key};
use step02_shared_memory::{Backoff, SharedSafe, Typed};

use crate::error::Result;

/// Index of the semaphore that guards the shared ring (and presence table).
pub const MUTEX: u16 = 0;
/// Index of the semaphore the server raises while it lives: 0 means it is gone.
pub const SERVER_ALIVE: u16 = 1;
/// How many semaphores a room's set has.
pub const COUNT: c_int = 2;

// ANCHOR: sem_kind
/// The kind of a semaphore set, for [`IpcObject`]: removed with `semctl(IPC_RMID)`.
#[derive(Debug)]
pub enum Sem {}

impl IpcKind for Sem {
    const NAME: &'static str = "semaphore set";
    const IPCRM_OPTION: &'static str = "-S";

    fn remove_id(id: c_int) -> step01_message_queue::Result<()> {
        // SAFETY: IPC_RMID ignores the variadic argument.
        retry_on_eintr("semctl(IPC_RMID)", || unsafe {
            libc::semctl(id, 0, libc::IPC_RMID)
        })?;
        Ok(())
    }
}
// ANCHOR_END: sem_kind

/// A handle on a System V semaphore set; like every handle of the course, the one that
/// created the set removes it when dropped.
#[derive(Debug)]
pub struct SemaphoreSet {
    /// The id and key, and whether this handle removes the set.
    object: IpcObject<Sem>,
}

impl SemaphoreSet {
    // ANCHOR: create
    /// Creates a new set of [`COUNT`] semaphores for `key` (fails with "already exists"
    /// if the key has one), sets the mutex to 1, and marks the set initialised (see the
    /// module docs).
    pub fn create(key: Key, permissions: u32) -> Result<SemaphoreSet> {
        let object = IpcObject::get(key, CreationMode::CreateExclusive, permissions, |flags| {
            // SAFETY: semget takes integers only; the kernel validates them.
            retry_on_eintr("semget", || unsafe {
                libc::semget(key.raw(), COUNT, flags)
            })
        })?;
        // From here on a failure drops `set`, which removes it: it is ours.
        let set = SemaphoreSet { object };
        set.set_value(MUTEX, 1)?;
        // A no-op on the mutex (take it, give it back) sets sem_otime: now openers may go.
        set.op(MUTEX, -1)?;
        set.op(MUTEX, 1)?;
        Ok(set)
    }
    // ANCHOR_END: create

    // ANCHOR: open
    /// Opens the existing set of `key`, waiting up to `patience` for its creator to
    /// finish initialising it.
    pub fn open(key: Key, patience: Duration) -> Result<SemaphoreSet> {
        let set = SemaphoreSet::open_as_is(key)?;
        let mut backoff = Backoff::new(patience);
        while set.last_op_time()? == 0 {
            backoff.wait(|| "the semaphore set's creator to initialise it".to_string())?;
        }
        Ok(set)
    }
    // ANCHOR_END: open

    /// Opens the existing set of `key` as it is, initialised or not (step 6 looks at the
    /// set a dead server left behind).
    pub fn open_as_is(key: Key) -> Result<SemaphoreSet> {
        let object = IpcObject::get(key, CreationMode::OpenExisting, 0, |flags| {
            // SAFETY: semget takes integers only; flags 0 never creates anything.
            retry_on_eintr("semget", || unsafe { libc::semget(key.raw(), 0, flags) })
        })?;
        Ok(SemaphoreSet { object })
    }

    /// Whether `key` has a semaphore set (of any size, initialised or not).
    pub fn exists(key: Key) -> bool {
        // SAFETY: semget takes integers only; flags 0 never creates anything.
        unsafe { libc::semget(key.raw(), 0, 0) != -1 }
    }

    /// The set's id, as `ipcs -s` shows it.
    pub fn id(&self) -> c_int {
        self.object.id()
    }

    /// Removes the set now (`semctl IPC_RMID`), owned or not; processes waiting on it
    /// wake with `EIDRM`.
    pub fn remove(self) -> Result<()> {
        Ok(self.object.remove()?)
    }

    /// `sem_otime`: when the last `semop` happened (0 = never).
    fn last_op_time(&self) -> Result<i64> {
        // SAFETY: semid_ds is plain integers; all-zero bytes are a valid value.
        let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one semid_ds through the pointer passed as the variadic
        // argument (the `buf` member of union semun); `ds` is valid and writable.
        retry_on_eintr("semctl(IPC_STAT)", || unsafe {
            libc::semctl(self.id(), 0, libc::IPC_STAT, &mut ds as *mut libc::semid_ds)
        })?;
        Ok(ds.sem_otime)
    }

    /// Sets semaphore `index` to `value` (`semctl SETVAL`).
    pub fn set_value(&self, index: u16, value: c_int) -> Result<()> {
        // SAFETY: SETVAL reads the `val` member of union semun, an int, passed as the
        // variadic argument; no memory of ours is touched.
        retry_on_eintr("semctl(SETVAL)", || unsafe {
            libc::semctl(self.id(), c_int::from(index), libc::SETVAL, value)
        })?;
        Ok(())
    }

    /// The value of semaphore `index` (`semctl GETVAL`).
    pub fn value(&self, index: u16) -> Result<c_int> {
        // SAFETY: GETVAL ignores the variadic argument and returns the value.
        Ok(retry_on_eintr("semctl(GETVAL)", || unsafe {
            libc::semctl(self.id(), c_int::from(index), libc::GETVAL)
        })?)
    }

    // ANCHOR: op
    /// Adds `delta` to semaphore `index` with `semop`, undone by the kernel if this
    /// process exits (`SEM_UNDO`). A negative delta waits until it can be applied.
    pub fn op(&self, index: u16, delta: i16) -> Result<()> {
        // EXERCISE 4.1 (20 points): Apply `delta` to semaphore `index` with semop(2) and SEM_UNDO.
        // HINT: semop(2) takes an array of operations; you need one, and its flag is the point of this exercise.
        // HINT: semop blocks while the value would go negative: a signal can interrupt that wait (EINTR).
        // BEGIN EXERCISE 4.1 (stub uses: self, index, delta)
        let _ = (self, index, delta); // silences "unused" until your code uses them
        todo!(
            "exercise 4.1 is not done yet: Apply `delta` to semaphore `index` with semop(2) and SEM_UNDO."
        )
        // END EXERCISE 4.1
    }
    // ANCHOR_END: op
}

// ANCHOR: mutex
/// Shared state of type `T` and the semaphore that guards it, like a `std::sync::Mutex`
/// whose lock is a System V semaphore (with `SEM_UNDO`) and whose data is in a segment.
pub struct SemaphoreMutex<T: SharedSafe> {
    /// The set that holds the semaphore.
    set: SemaphoreSet,
    /// Which of the set's semaphores is the lock.
    index: u16,
    /// The guarded state.
    data: Typed<T>,
}

impl<T: SharedSafe> SemaphoreMutex<T> {
    /// The state `data`, guarded by semaphore `index` of `set`.
    pub fn new(set: SemaphoreSet, index: u16, data: Typed<T>) -> Self {
        SemaphoreMutex { set, index, data }
    }

    /// Waits for the lock, then hands out the state; the lock is given back when the
    /// guard is dropped (or by the kernel, should this process die holding it).
    pub fn lock(&self) -> Result<SemaphoreGuard<'_, T>> {
        self.set.op(self.index, -1)?;
        Ok(SemaphoreGuard { mutex: self })
    }

    /// The state without the lock, for the fields that are read one atomic at a time
    /// and never need the lock (a header's magic, the server's pid). Whatever must be
    /// consistent as a whole (a ring entry) is read through [`SemaphoreMutex::lock`].
    pub fn unlocked(&self) -> &T {
        &self.data
    }

    /// The semaphore set (for its other semaphores).
    pub fn semaphores(&self) -> &SemaphoreSet {
        &self.set
    }

    /// Takes the mutex apart, so its set and attachment can be dropped in a chosen order.
    pub fn into_parts(self) -> (SemaphoreSet, Typed<T>) {
        (self.set, self.data)
    }
}
// ANCHOR_END: mutex

// ANCHOR: guard
/// Holds the lock of a [`SemaphoreMutex`] and dereferences to its state; dropping it
/// gives the lock back.
pub struct SemaphoreGuard<'a, T: SharedSafe> {
    /// The mutex whose lock is held.
    mutex: &'a SemaphoreMutex<T>,
}

impl<T: SharedSafe> Deref for SemaphoreGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.mutex.data
    }
}

impl<T: SharedSafe> Drop for SemaphoreGuard<'_, T> {
    fn drop(&mut self) {
        // Giving back cannot block. If the set was removed meanwhile there is nothing to
        // give back to, and SEM_UNDO bookkeeping dies with the set.
        let _ = self.mutex.set.op(self.mutex.index, 1);
    }
}
// ANCHOR_END: guard

impl<T: SharedSafe> std::fmt::Debug for SemaphoreMutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SemaphoreMutex")
            .field("set", &self.set)
            .field("index", &self.index)
            .field("data", &self.data)
            .finish()
    }
}

impl<T: SharedSafe> std::fmt::Debug for SemaphoreGuard<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SemaphoreGuard")
            .field("mutex", self.mutex)
            .finish()
    }
}
