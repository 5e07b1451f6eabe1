//! The grader's own view of a step 6 room: the presence table and the ring, read from the
//! segment under the room's mutex (the grader takes semaphore #0 itself), and the kernel
//! objects it makes to play a live process or a stranger.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::common::{keys, le};
use crate::harness::{Sandbox, ipc};

/// Where the presence table starts, and the size of a slot (chapter 3's layout).
const PRESENCE: usize = 64;
const SLOT: usize = 32;
/// How many slots there are.
const SLOTS: usize = 64;
/// `header.online`.
const ONLINE: usize = 28;
/// `header.next_seq`.
const NEXT_SEQ: usize = 16;
/// The ring, and the size of an entry.
const RING: usize = PRESENCE + SLOT * SLOTS;
const ENTRY: usize = 512;
/// The size of a room's segment.
pub const SEGMENT_SIZE: usize = RING + ENTRY * 256;
/// The segment's magic (`IPCCHAT\0` little-endian) and layout version.
pub const MAGIC: u64 = u64::from_le_bytes(*b"IPCCHAT\0");

/// One taken slot of the presence table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    /// The member's name.
    pub name: String,
    /// Its pid.
    pub pid: i32,
}

/// A copy of the room's segment, taken while the grader held the room's mutex.
pub struct Snapshot(pub Vec<u8>);

impl Snapshot {
    /// The taken slots, sorted.
    pub fn presence(&self) -> Vec<Slot> {
        let mut slots: Vec<Slot> = (0..SLOTS)
            .map(|i| PRESENCE + i * SLOT)
            .filter(|&at| le::<4>(&self.0, at) != 0)
            .map(|at| {
                let len = usize::from(self.0[at + 4]).min(16);
                Slot {
                    name: String::from_utf8_lossy(&self.0[at + 8..at + 8 + len]).into_owned(),
                    pid: le::<4>(&self.0, at) as u32 as i32,
                }
            })
            .collect();
        slots.sort();
        slots
    }

    /// Each taken slot's name and `joined_ms`.
    pub fn joined_times(&self) -> Vec<(String, i64)> {
        (0..SLOTS)
            .map(|i| PRESENCE + i * SLOT)
            .filter(|&at| le::<4>(&self.0, at) != 0)
            .map(|at| {
                let len = usize::from(self.0[at + 4]).min(16);
                (
                    String::from_utf8_lossy(&self.0[at + 8..at + 8 + len]).into_owned(),
                    le::<8>(&self.0, at + 24) as i64,
                )
            })
            .collect()
    }

    /// `header.online`.
    pub fn online(&self) -> u64 {
        le::<4>(&self.0, ONLINE)
    }

    /// The ring's entries from 1 to the newest, as (kind, name), if the ring still holds
    /// all of them.
    pub fn all_entries(&self) -> Option<Vec<(u8, String)>> {
        let newest = le::<8>(&self.0, NEXT_SEQ).saturating_sub(1) as usize;
        if newest > 256 {
            return None;
        }
        Some(
            (1..=newest)
                .map(|seq| {
                    let at = RING + (seq - 1) * ENTRY;
                    let len = usize::from(self.0[at + 21]).min(16);
                    (
                        self.0[at + 20],
                        String::from_utf8_lossy(&self.0[at + 24..at + 24 + len]).into_owned(),
                    )
                })
                .collect(),
        )
    }
}

/// Applies one operation to semaphore #0 of the room's set, with SEM_UNDO.
fn mutex(sb: &Sandbox, delta: i16) -> Result<()> {
    let id =
        ipc::find(ipc::Kind::Semaphores, keys(sb).2).context("the room has no semaphore set")?;
    let mut op = libc::sembuf {
        sem_num: 0,
        sem_op: delta,
        sem_flg: libc::SEM_UNDO as i16,
    };
    loop {
        // SAFETY: one valid sembuf, for a set id the kernel checks.
        if unsafe { libc::semop(id, &mut op, 1) } == 0 {
            return Ok(());
        }
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EINTR) {
            bail!("semop on the room's mutex failed: {error}");
        }
    }
}

/// A copy of the segment taken under the room's mutex.
pub fn snapshot(sb: &Sandbox) -> Result<Snapshot> {
    mutex(sb, -1)?;
    let copy = ipc::read_segment(keys(sb).1);
    mutex(sb, 1)?;
    copy.map(Snapshot).context("the room has no segment")
}

/// Makes a segment of `size` bytes under the room's key, filled with `bytes` at its
/// start; returns its id. Created by the grader, so `shm_cpid` is the grader's pid.
pub fn make_segment(sb: &Sandbox, size: usize, bytes: &[u8]) -> Result<i32> {
    // SAFETY: shmget takes integers only.
    let id = unsafe { libc::shmget(keys(sb).1, size, libc::IPC_CREAT | libc::IPC_EXCL | 0o600) };
    ensure!(
        id != -1,
        "the grader cannot make a segment: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: attach anywhere, read-write; failure is (void*)-1, checked.
    let address = unsafe { libc::shmat(id, std::ptr::null(), 0) };
    ensure!(
        address as isize != -1,
        "the grader cannot attach its segment"
    );
    // SAFETY: the segment has `size` >= bytes.len() writable bytes until shmdt.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), address.cast::<u8>(), bytes.len().min(size));
        libc::shmdt(address);
    }
    Ok(id)
}

/// The first bytes of a chat room's segment whose server is `pid`.
pub fn chat_header(pid: i32) -> Vec<u8> {
    let mut bytes = vec![0u8; 64];
    bytes[..8].copy_from_slice(&MAGIC.to_le_bytes());
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    bytes[12..16].copy_from_slice(&pid.to_le_bytes());
    bytes[16..24].copy_from_slice(&1u64.to_le_bytes());
    bytes
}

/// Makes a set of semaphores under the room's key, with these values (a chat room's set
/// has 2); returns its id.
pub fn make_semaphores(sb: &Sandbox, values: &[i32]) -> Result<i32> {
    // SAFETY: semget and semctl(SETVAL) take integers only.
    let id = unsafe {
        libc::semget(
            keys(sb).2,
            values.len() as i32,
            libc::IPC_CREAT | libc::IPC_EXCL | 0o600,
        )
    };
    ensure!(id != -1, "the grader cannot make a semaphore set");
    for (index, &value) in values.iter().enumerate() {
        // SAFETY: as above.
        unsafe { libc::semctl(id, index as i32, libc::SETVAL, value) };
    }
    Ok(id)
}

/// The ids of the room's queue, segment and semaphore set, where they exist.
pub fn object_ids(sb: &Sandbox) -> [Option<i32>; 3] {
    let (queue, segment, semaphores) = keys(sb);
    [
        ipc::find(ipc::Kind::Queue, queue),
        ipc::find(ipc::Kind::Segment, segment),
        ipc::find(ipc::Kind::Semaphores, semaphores),
    ]
}

/// A pid that no process has (the highest pids are the last the kernel hands out).
pub fn unused_pid() -> i32 {
    let max: i32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(32768);
    (2..1000)
        .map(|i| max - i)
        .find(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
        .unwrap_or(max - 2)
}

/// How long a test gives the server's once-a-second sweep to notice a death: a tick, a
/// client's poll, and room for a busy machine.
pub const SWEEP_LIMIT: Duration = Duration::from_secs(3);

/// Makes a chat room's segment under the room's key as a server that then died would
/// leave it: created by a child process, which writes its own pid as the server's and
/// exits (and is reaped). Returns that pid, which no process has any more.
pub fn make_segment_of_a_dead_server(sb: &Sandbox) -> Result<i32> {
    use nix::sys::wait::waitpid;
    use nix::unistd::{ForkResult, fork};
    let key = keys(sb).1;
    let mut header = chat_header(0);
    let buffer = header.as_mut_ptr();
    // SAFETY: the child only makes raw system calls and writes into `header`, which was
    // allocated before the fork: no allocation, no lock, then _exit.
    match unsafe { fork() }? {
        ForkResult::Child => unsafe {
            let pid = libc::getpid();
            std::ptr::copy_nonoverlapping(pid.to_le_bytes().as_ptr(), buffer.add(12), 4);
            let id = libc::shmget(key, SEGMENT_SIZE, libc::IPC_CREAT | libc::IPC_EXCL | 0o600);
            if id == -1 {
                libc::_exit(1);
            }
            let address = libc::shmat(id, std::ptr::null(), 0);
            if address as isize == -1 {
                libc::_exit(2);
            }
            std::ptr::copy_nonoverlapping(buffer, address.cast::<u8>(), 64);
            libc::shmdt(address);
            libc::_exit(0);
        },
        ForkResult::Parent { child } => {
            let status = waitpid(child, None)?;
            ensure!(
                matches!(status, nix::sys::wait::WaitStatus::Exited(_, 0)),
                "the grader's child could not make the segment: {status:?}"
            );
            Ok(child.as_raw())
        }
    }
}
