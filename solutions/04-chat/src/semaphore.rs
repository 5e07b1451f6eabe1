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

use std::time::{Duration, Instant};

use libc::c_int;
use step01_message_queue::Key;
use step01_message_queue::error::{IpcError, Result, retry_on_eintr};

/// Index of the semaphore that guards the shared ring (and presence table).
pub const MUTEX: u16 = 0;
/// Index of the semaphore the server raises while it lives (step 6 reads it).
pub const SERVER_ALIVE: u16 = 1;
/// How many semaphores a room's set has.
pub const COUNT: c_int = 2;

/// A handle on a System V semaphore set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemaphoreSet {
    /// The id returned by `semget`.
    id: c_int,
}

impl SemaphoreSet {
    // ANCHOR: create
    /// Creates a new set of [`COUNT`] semaphores for `key` (fails with `EEXIST` if the key
    /// has one), sets the mutex to 1, and marks the set initialised (see the module docs).
    pub fn create(key: Key, mode: u32) -> Result<SemaphoreSet> {
        let flags = libc::IPC_CREAT | libc::IPC_EXCL | (mode & 0o777) as c_int;
        // SAFETY: semget takes integers only; the kernel validates them.
        let id = retry_on_eintr("semget", || unsafe {
            libc::semget(key.raw(), COUNT, flags)
        })?;
        let set = SemaphoreSet { id };
        set.set_value(MUTEX, 1)?;
        // A no-op on the mutex (take it, give it back) sets sem_otime: now openers may go.
        set.lock(MUTEX)?;
        Ok(set)
    }
    // ANCHOR_END: create

    // ANCHOR: open
    /// Opens the existing set of `key`, waiting up to `patience` for its creator to
    /// finish initialising it.
    pub fn open(key: Key, patience: Duration) -> Result<SemaphoreSet> {
        // SAFETY: semget takes integers only; flags 0 never creates anything.
        let id = retry_on_eintr("semget", || unsafe { libc::semget(key.raw(), 0, 0) })?;
        let set = SemaphoreSet { id };
        let deadline = Instant::now() + patience;
        while set.last_op_time()? == 0 {
            if Instant::now() >= deadline {
                return Err(IpcError::Sys {
                    call: "semget",
                    cause: std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the semaphore set was never initialised by its creator",
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(set)
    }
    // ANCHOR_END: open

    /// Whether `key` has a semaphore set (of any size, initialised or not).
    pub fn exists(key: Key) -> bool {
        // SAFETY: semget takes integers only; flags 0 never creates anything.
        unsafe { libc::semget(key.raw(), 0, 0) != -1 }
    }

    /// The set's id, as `ipcs -s` shows it.
    pub fn id(&self) -> c_int {
        self.id
    }

    /// `sem_otime`: when the last `semop` happened (0 = never).
    fn last_op_time(&self) -> Result<i64> {
        // SAFETY: semid_ds is plain integers; all-zero bytes are a valid value.
        let mut ds: libc::semid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one semid_ds through the pointer passed as the variadic
        // argument (the `buf` member of union semun); `ds` is valid and writable.
        retry_on_eintr("semctl(IPC_STAT)", || unsafe {
            libc::semctl(self.id, 0, libc::IPC_STAT, &mut ds as *mut libc::semid_ds)
        })?;
        Ok(ds.sem_otime)
    }

    /// Sets semaphore `index` to `value` (`semctl SETVAL`).
    pub fn set_value(&self, index: u16, value: c_int) -> Result<()> {
        // SAFETY: SETVAL reads the `val` member of union semun, an int, passed as the
        // variadic argument; no memory of ours is touched.
        retry_on_eintr("semctl(SETVAL)", || unsafe {
            libc::semctl(self.id, c_int::from(index), libc::SETVAL, value)
        })?;
        Ok(())
    }

    /// The value of semaphore `index` (`semctl GETVAL`).
    pub fn value(&self, index: u16) -> Result<c_int> {
        // SAFETY: GETVAL ignores the variadic argument and returns the value.
        retry_on_eintr("semctl(GETVAL)", || unsafe {
            libc::semctl(self.id, c_int::from(index), libc::GETVAL)
        })
    }

    // ANCHOR: op
    /// Adds `delta` to semaphore `index` with `semop`, undone by the kernel if this
    /// process exits (`SEM_UNDO`). A negative delta waits until it can be applied.
    pub fn op(&self, index: u16, delta: i16) -> Result<()> {
        // EXERCISE 4.1 (20 points): Apply `delta` to semaphore `index` with semop(2) and SEM_UNDO.
        // HINT: fill a `libc::sembuf { sem_num: index, sem_op: delta, sem_flg: libc::SEM_UNDO as i16 }`.
        // HINT: semop(id, &mut op, 1) blocks while the value would go negative; retry EINTR with retry_on_eintr.
        // BEGIN EXERCISE 4.1 (stub uses: self, index, delta)
        let mut op = libc::sembuf {
            sem_num: index,
            sem_op: delta,
            sem_flg: libc::SEM_UNDO as i16,
        };
        // SAFETY: `op` is one valid sembuf, and we pass n = 1; semop reads exactly that.
        retry_on_eintr("semop", || unsafe { libc::semop(self.id, &mut op, 1) })?;
        Ok(())
        // END EXERCISE 4.1
    }
    // ANCHOR_END: op

    // ANCHOR: lock
    /// Takes semaphore `index` as a mutex; it is given back when the guard is dropped.
    pub fn lock(&self, index: u16) -> Result<SemaphoreGuard<'_>> {
        self.op(index, -1)?;
        Ok(SemaphoreGuard { set: self, index })
    }
    // ANCHOR_END: lock

    /// Removes the set (`semctl IPC_RMID`); processes waiting on it wake with `EIDRM`.
    pub fn remove(self) -> Result<()> {
        // SAFETY: IPC_RMID ignores the variadic argument.
        retry_on_eintr("semctl(IPC_RMID)", || unsafe {
            libc::semctl(self.id, 0, libc::IPC_RMID)
        })?;
        Ok(())
    }
}

// ANCHOR: guard
/// Holds a semaphore taken with [`SemaphoreSet::lock`]; dropping it gives it back.
#[derive(Debug)]
pub struct SemaphoreGuard<'a> {
    /// The set.
    set: &'a SemaphoreSet,
    /// Which semaphore.
    index: u16,
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        // Giving back cannot block. If the set was removed meanwhile there is nothing to
        // give back to, and SEM_UNDO bookkeeping dies with the set.
        let _ = self.set.op(self.index, 1);
    }
}
// ANCHOR_END: guard
