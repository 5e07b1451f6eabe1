//! Looking at System V objects directly with libc, independently of the code under test:
//! the grader's own eyes, like `ipcs`.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The kinds of System V object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A message queue (`ipcs -q`).
    Queue,
    /// A shared-memory segment (`ipcs -m`).
    Segment,
    /// A semaphore set (`ipcs -s`).
    Semaphores,
}

/// `ftok(path, proj_id)`, or `None` if the path does not exist.
pub fn ftok(path: &Path, proj_id: u8) -> Option<libc::key_t> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c_path` is a valid NUL-terminated string for the duration of the call.
    let key = unsafe { libc::ftok(c_path.as_ptr(), libc::c_int::from(proj_id)) };
    (key != -1).then_some(key)
}

/// The id of the object of `kind` with `key`, if one exists.
pub fn find(kind: Kind, key: libc::key_t) -> Option<libc::c_int> {
    // SAFETY: the *get calls take integers only; flags 0 never create anything.
    let id = unsafe {
        match kind {
            Kind::Queue => libc::msgget(key, 0),
            Kind::Segment => libc::shmget(key, 0, 0),
            Kind::Semaphores => libc::semget(key, 0, 0),
        }
    };
    (id != -1).then_some(id)
}

/// Removes the object of `kind` with id `id` (IPC_RMID); errors are ignored.
pub fn remove(kind: Kind, id: libc::c_int) {
    // SAFETY: IPC_RMID ignores the buffer argument, so null is allowed.
    unsafe {
        match kind {
            Kind::Queue => libc::msgctl(id, libc::IPC_RMID, std::ptr::null_mut()),
            Kind::Segment => libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()),
            Kind::Semaphores => libc::semctl(id, 0, libc::IPC_RMID),
        };
    }
}

/// Removes every object of every kind whose key is `key`; returns how many there were.
pub fn remove_key(key: libc::key_t) -> usize {
    let mut removed = 0;
    for kind in [Kind::Queue, Kind::Segment, Kind::Semaphores] {
        if let Some(id) = find(kind, key) {
            remove(kind, id);
            removed += 1;
        }
    }
    removed
}

/// What `msgctl(IPC_STAT)` says of a queue.
#[derive(Debug, Clone, Copy)]
pub struct QueueInfo {
    /// Messages in the queue.
    pub messages: u64,
    /// Payload bytes in the queue.
    pub bytes: u64,
    /// Permission bits.
    pub mode: u32,
}

/// Reads a queue's state, by key.
pub fn queue_info(key: libc::key_t) -> Option<QueueInfo> {
    let id = find(Kind::Queue, key)?;
    // SAFETY: all-zero bytes are a valid msqid_ds (plain integers).
    let mut ds: libc::msqid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: `ds` is a valid, writable msqid_ds for IPC_STAT to fill.
    let ret = unsafe { libc::msgctl(id, libc::IPC_STAT, &mut ds) };
    (ret == 0).then(|| QueueInfo {
        messages: ds.msg_qnum as u64,
        bytes: ds.__msg_cbytes as u64,
        mode: u32::from(ds.msg_perm.mode) & 0o777,
    })
}

/// What `shmctl(IPC_STAT)` says of a segment.
#[derive(Debug, Clone, Copy)]
pub struct SegmentInfo {
    /// Size in bytes.
    pub size: usize,
    /// How many attachments it has.
    pub attached: u64,
    /// Whether IPC_RMID was called (it is destroyed at the last detach).
    pub marked_for_removal: bool,
    /// Permission bits.
    pub mode: u32,
}

/// Reads a segment's state by id (a removed segment has lost its key, not its id).
pub fn segment_info(id: libc::c_int) -> Option<SegmentInfo> {
    // SAFETY: all-zero bytes are a valid shmid_ds (plain integers).
    let mut ds: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: `ds` is a valid, writable shmid_ds for IPC_STAT to fill.
    let ret = unsafe { libc::shmctl(id, libc::IPC_STAT, &mut ds) };
    (ret == 0).then(|| SegmentInfo {
        size: ds.shm_segsz,
        attached: ds.shm_nattch,
        marked_for_removal: u32::from(ds.shm_perm.mode) & 0o1000 != 0,
        mode: u32::from(ds.shm_perm.mode) & 0o777,
    })
}

/// The value of semaphore `index` in the set with `key`.
pub fn semaphore_value(key: libc::key_t, index: u16) -> Option<i32> {
    let id = find(Kind::Semaphores, key)?;
    // SAFETY: GETVAL takes integers and returns the value (or -1).
    let value = unsafe { libc::semctl(id, libc::c_int::from(index), libc::GETVAL) };
    (value != -1).then_some(value)
}

/// How many processes wait for semaphore `index` of the set with `key` to increase
/// (`semctl GETNCNT`).
pub fn semaphore_waiters(key: libc::key_t, index: u16) -> Option<i32> {
    let id = find(Kind::Semaphores, key)?;
    // SAFETY: GETNCNT takes integers and returns the count (or -1).
    let count = unsafe { libc::semctl(id, libc::c_int::from(index), libc::GETNCNT) };
    (count != -1).then_some(count)
}

/// A copy of the whole segment with `key`, read through a read-only attachment of the
/// grader's own.
pub fn read_segment(key: libc::key_t) -> Option<Vec<u8>> {
    read_segment_by_id(find(Kind::Segment, key)?)
}

/// A copy of segment `id`'s bytes, read through a read-only attachment of the grader's own.
pub fn read_segment_by_id(id: libc::c_int) -> Option<Vec<u8>> {
    let size = segment_info(id)?.size;
    // SAFETY: shmat with a null address lets the kernel choose where to map; SHM_RDONLY
    // means we can only read. Failure returns (void*)-1, checked below.
    let address = unsafe { libc::shmat(id, std::ptr::null(), libc::SHM_RDONLY) };
    if address as isize == -1 {
        return None;
    }
    // SAFETY: the mapping holds `size` readable bytes until shmdt below. Volatile reads,
    // because the processes under test may still be writing: a byte may be stale, never
    // out of bounds.
    let copy = (0..size)
        .map(|i| unsafe { address.cast::<u8>().add(i).read_volatile() })
        .collect();
    // SAFETY: `address` came from shmat above and is detached exactly once.
    unsafe { libc::shmdt(address) };
    Some(copy)
}

/// The id of the queue with `key`, created (mode 0600) if there is none: the grader's own
/// msgget, so that a test can fill a queue without the code under test.
pub fn queue_for(key: libc::key_t) -> Result<libc::c_int, String> {
    // SAFETY: msgget takes integers only.
    let id = unsafe { libc::msgget(key, libc::IPC_CREAT | 0o600) };
    if id == -1 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(id)
}

/// Sends `payload` with `mtype` to the queue with `key`, as any process could (IPC_NOWAIT).
pub fn send_raw(key: libc::key_t, mtype: i64, payload: &[u8]) -> Result<(), String> {
    let id = find(Kind::Queue, key).ok_or("no queue with that key")?;
    // A struct msgbuf: the mtype, then the payload, in one c_long-aligned buffer.
    let words = 1 + payload.len().div_ceil(8);
    let mut buffer = vec![0i64; words];
    buffer[0] = mtype;
    // SAFETY: the buffer has room for 8 + payload.len() bytes; we write the payload right
    // after the mtype word.
    unsafe {
        std::ptr::copy_nonoverlapping(
            payload.as_ptr(),
            buffer.as_mut_ptr().cast::<u8>().add(8),
            payload.len(),
        );
    }
    // SAFETY: `buffer` is a valid msgbuf with payload.len() bytes of text.
    let ret = unsafe { libc::msgsnd(id, buffer.as_ptr().cast(), payload.len(), libc::IPC_NOWAIT) };
    if ret == -1 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

/// Takes the first message matching `msgtyp` (as in msgrcv: 0 = any) out of the queue with
/// `key`, as any process could (IPC_NOWAIT): `(mtype, payload)`, or `None` if there is no
/// queue or no such message.
pub fn receive_raw(key: libc::key_t, msgtyp: i64) -> Option<(i64, Vec<u8>)> {
    let id = find(Kind::Queue, key)?;
    let max: usize = std::fs::read_to_string("/proc/sys/kernel/msgmax")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let mut buffer = vec![0i64; 1 + max.div_ceil(8)];
    // SAFETY: `buffer` has room for the mtype word and `max` bytes of text, which is all
    // msgrcv writes with this size (a longer message fails with E2BIG instead).
    let len = unsafe {
        libc::msgrcv(
            id,
            buffer.as_mut_ptr().cast(),
            max,
            msgtyp,
            libc::IPC_NOWAIT,
        )
    };
    if len < 0 {
        return None;
    }
    // SAFETY: msgrcv wrote `len` bytes of text right after the mtype word.
    let payload =
        unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<u8>().add(8), len as usize) };
    Some((buffer[0], payload.to_vec()))
}
