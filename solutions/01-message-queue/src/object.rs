//! What every System V object has in common: how it is found or created, and who removes it.
//!
//! Queues (this step), shared-memory segments (step 2) and semaphore sets (step 4) are
//! three kinds of one idea. Each is named by a [`Key`], made or found by a `*get` call
//! (`msgget`, `shmget`, `semget`) with the same flags, and destroyed by a `*ctl(IPC_RMID)`
//! call. This module writes that idea down once:
//!
//! - [`CreationMode`] says whether a `*get` call should create a new object, open an
//!   existing one, or do whichever is needed; it turns that into the flags, and runs the
//!   race-free "open or create" loop, for every kind alike;
//! - [`IpcObject`] is the handle of one object: its id and key, and whether this handle
//!   **owns** it. A handle that created its object owns it, and dropping an owning handle
//!   removes the object, so a program that fails half-way through creating several objects
//!   leaves none behind without a line of rollback code. A handle that opened an object
//!   someone else made only uses it. Ownership can be given up on purpose
//!   ([`IpcObject::release_ownership`]), for an object that must outlive its creator, like
//!   the queue `step01-send --create` leaves for `step01-recv`.
//! - [`IpcKind`] is what differs between the kinds: a name for messages, and how to
//!   remove one by its id.
//!
//! Handles are deliberately not `Copy`: two owning copies would remove the object twice,
//! and a copy kept after `remove` would name an object that is gone (or, once the kernel
//! reuses the id, a stranger's). [`IpcObject::non_owning`] makes a second handle that only
//! uses the object, for a thread that needs one.

use std::fmt;
use std::marker::PhantomData;

use libc::c_int;

use crate::error::Result;
use crate::key::Key;

// ANCHOR: creation_mode
/// How a `*get` call should find its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreationMode {
    /// Make a new object; fail with "already exists" (`EEXIST`) if the key has one.
    /// `IPC_CREAT | IPC_EXCL`: a server uses it, so that it never silently joins a
    /// stranger's object that happens to have its key.
    CreateExclusive,
    /// Open the object the key has; fail with "not found" (`ENOENT`) if there is none.
    /// Flags 0: a client uses it.
    OpenExisting,
    /// Open the object if the key has one, else make it. Safe when many processes do it
    /// at once: exactly one of them creates, the others open what it made.
    OpenOrCreate,
}
// ANCHOR_END: creation_mode

impl CreationMode {
    /// The flags of one `*get` attempt: `IPC_CREAT | IPC_EXCL` and the permission bits
    /// when creating, 0 when opening (the permissions of an existing object are its own).
    pub fn flags(creating: bool, permissions: u32) -> c_int {
        if creating {
            libc::IPC_CREAT | libc::IPC_EXCL | (permissions & 0o777) as c_int
        } else {
            0
        }
    }

    // ANCHOR: creation_mode_get
    /// Finds or creates an object as this mode says. `get(flags)` makes one `*get` call
    /// (its other arguments fixed by the caller); the flags contain `IPC_CREAT` exactly
    /// when the attempt should create. Returns the object's id, and whether this call
    /// created it.
    pub fn get(
        self,
        permissions: u32,
        get: impl FnMut(c_int) -> Result<c_int>,
    ) -> Result<(c_int, bool)> {
        // EXERCISE 1.2 (20 points): Find or create an object as the mode says, without a race; and call msgget(2).
        // HINT: `CreationMode::flags` gives the flags of one attempt; count the attempts each mode may need.
        // HINT: chapter 1, "Creating or opening: CreationMode": why "open it, and create it if that fails" goes wrong when two processes start at once.
        // HINT: `IpcError` answers "already exists?" and "not found?": which answer means "try the other call"?
        // BEGIN EXERCISE 1.2 (stub uses: self, permissions, get)
        let mut get = get;
        let create = Self::flags(true, permissions);
        let open = Self::flags(false, permissions);
        match self {
            CreationMode::CreateExclusive => Ok((get(create)?, true)),
            CreationMode::OpenExisting => Ok((get(open)?, false)),
            // Not "open, and create on ENOENT": between a failed open and our create,
            // another process may create it, and our create would then fail. Trying to
            // create first, exclusively, makes exactly one process the creator.
            CreationMode::OpenOrCreate => loop {
                match get(create) {
                    Ok(id) => return Ok((id, true)),
                    Err(error) if error.is_already_exists() => {}
                    Err(error) => return Err(error),
                }
                match get(open) {
                    Ok(id) => return Ok((id, false)),
                    // Removed between our two calls: try to create it again.
                    Err(error) if error.is_not_found() => continue,
                    Err(error) => return Err(error),
                }
            },
        }
        // END EXERCISE 1.2
    }
    // ANCHOR_END: creation_mode_get
}

// ANCHOR: ipc_kind
/// One kind of System V object: a queue, a segment, a semaphore set.
pub trait IpcKind {
    /// How messages name the kind, e.g. `"message queue"`.
    const NAME: &'static str;
    /// The `ipcrm` option that removes an object of this kind by key, e.g. `"-Q"`.
    const IPCRM_OPTION: &'static str;

    /// Removes the object `id` with this kind's `*ctl(IPC_RMID)`.
    fn remove_id(id: c_int) -> Result<()>;
}
// ANCHOR_END: ipc_kind

// ANCHOR: ipc_object
/// A handle on one System V object of kind `K`; an owning handle removes it when dropped.
pub struct IpcObject<K: IpcKind> {
    /// The id the `*get` call returned, valid in every process until the object is removed.
    id: c_int,
    /// The key the object was found by.
    key: Key,
    /// Whether dropping this handle removes the object.
    owner: bool,
    /// The kind, in the type only.
    kind: PhantomData<K>,
}
// ANCHOR_END: ipc_object

impl<K: IpcKind> IpcObject<K> {
    /// Finds or creates the object of `key` as `mode` says, with `get` making the `*get`
    /// call (see [`CreationMode::get`]). The handle owns the object if it created it.
    pub fn get(
        key: Key,
        mode: CreationMode,
        permissions: u32,
        get: impl FnMut(c_int) -> Result<c_int>,
    ) -> Result<Self> {
        let (id, created) = mode.get(permissions, get)?;
        Ok(IpcObject {
            id,
            key,
            owner: created,
            kind: PhantomData,
        })
    }

    /// The id, as `ipcs` shows it.
    pub fn id(&self) -> c_int {
        self.id
    }

    /// The key the object was found by.
    pub fn key(&self) -> Key {
        self.key
    }

    /// Whether dropping this handle removes the object.
    pub fn is_owner(&self) -> bool {
        self.owner
    }

    // ANCHOR: ownership
    /// Gives up ownership: the object stays when this handle is dropped, until someone
    /// removes it on purpose (or the machine reboots).
    pub fn release_ownership(&mut self) {
        self.owner = false;
    }

    /// Takes ownership: dropping this handle will remove the object, whoever made it.
    pub fn acquire_ownership(&mut self) {
        self.owner = true;
    }

    /// A second handle on the same object that does not own it.
    pub fn non_owning(&self) -> Self {
        IpcObject {
            id: self.id,
            key: self.key,
            owner: false,
            kind: PhantomData,
        }
    }

    /// Removes the object now, owned or not, and reports whether that worked (a drop has
    /// to keep quiet about it).
    pub fn remove(mut self) -> Result<()> {
        // The drop that follows must not remove it a second time.
        self.owner = false;
        K::remove_id(self.id)
    }
    // ANCHOR_END: ownership
}

// ANCHOR: drop
impl<K: IpcKind> Drop for IpcObject<K> {
    fn drop(&mut self) {
        if self.owner {
            // A drop cannot report an error. The usual one is that somebody removed the
            // object already (EINVAL or EIDRM), which is what we wanted anyway.
            let _ = K::remove_id(self.id);
        }
    }
}
// ANCHOR_END: drop

impl<K: IpcKind> fmt::Debug for IpcObject<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IpcObject")
            .field("kind", &K::NAME)
            .field("id", &self.id)
            .field("key", &self.key)
            .field("owner", &self.owner)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::IpcError;

    fn failure(errno: i32) -> IpcError {
        IpcError::Sys {
            call: "xget",
            cause: io::Error::from_raw_os_error(errno),
        }
    }

    #[test]
    fn create_exclusive_asks_for_a_new_object_with_its_permissions() {
        let mut seen = Vec::new();
        let got = CreationMode::CreateExclusive.get(0o640, |flags| {
            seen.push(flags);
            Ok(7)
        });
        assert_eq!(got.ok(), Some((7, true)));
        assert_eq!(seen, [libc::IPC_CREAT | libc::IPC_EXCL | 0o640]);
    }

    #[test]
    fn open_existing_never_creates() {
        let mut seen = Vec::new();
        let got = CreationMode::OpenExisting.get(0o600, |flags| {
            seen.push(flags);
            Err(failure(libc::ENOENT))
        });
        assert!(got.is_err_and(|e| e.is_not_found()));
        assert_eq!(seen, [0]);
    }

    #[test]
    fn open_or_create_opens_what_another_process_created() {
        let mut calls = 0;
        let got = CreationMode::OpenOrCreate.get(0o600, |flags| {
            calls += 1;
            if flags & libc::IPC_CREAT != 0 {
                Err(failure(libc::EEXIST))
            } else {
                Ok(3)
            }
        });
        assert_eq!(got.ok(), Some((3, false)));
        assert_eq!(calls, 2);
    }

    #[test]
    fn open_or_create_retries_when_the_object_vanishes_in_between() {
        let mut attempts = Vec::new();
        let got = CreationMode::OpenOrCreate.get(0o600, |flags| {
            attempts.push(flags & libc::IPC_CREAT != 0);
            match attempts.len() {
                1 => Err(failure(libc::EEXIST)),
                2 => Err(failure(libc::ENOENT)),
                _ => Ok(9),
            }
        });
        assert_eq!(got.ok(), Some((9, true)));
        assert_eq!(attempts, [true, false, true]);
    }

    #[test]
    fn other_failures_are_not_retried() {
        let got = CreationMode::OpenOrCreate.get(0o600, |_| Err(failure(libc::EACCES)));
        assert!(got.is_err_and(|e| e.errno() == Some(libc::EACCES)));
    }
}
