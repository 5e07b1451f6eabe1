//! The grader's own hands on a step 7 room: the segment attached read-write, the ring read
//! and written with the grader's own sequence lock, and the futex word waited on by the
//! grader itself (chapter 3's layout; none of the step's code is used).

use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering, fence};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::common::keys;
use crate::harness::{Sandbox, ipc};

/// `header.next_seq`, `header.wake`.
const NEXT_SEQ: usize = 16;
const WAKE: usize = 24;
/// The ring, the size of an entry, and how many there are.
const RING: usize = 64 + 32 * 64;
const ENTRY: usize = 512;
pub const CAPACITY: u64 = 256;
/// An entry's fields.
const SEQ: usize = 0;
const TIME: usize = 8;
const PID: usize = 16;
const KIND: usize = 20;
const NAME_LEN: usize = 21;
const TEXT_LEN: usize = 22;
const NAME: usize = 24;
const TEXT: usize = 40;
/// The size of a room's segment.
const SEGMENT_SIZE: usize = RING + ENTRY * 256;

/// One ring slot, as the grader read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub seq: u64,
    pub time_ms: i64,
    pub pid: i32,
    pub kind: u8,
    pub name: String,
    pub text: String,
}

/// The room's segment, attached read-write by the grader.
pub struct Segment {
    address: *mut u8,
}

// SAFETY: the attachment is valid until drop from any thread, and every access goes
// through atomics.
unsafe impl Send for Segment {}
// SAFETY: as above.
unsafe impl Sync for Segment {}

impl Segment {
    /// Attaches the sandbox room's segment.
    pub fn attach(sb: &Sandbox) -> Result<Segment> {
        let id = ipc::find(ipc::Kind::Segment, keys(sb).1).context("the room has no segment")?;
        let size = ipc::segment_info(id)
            .context("cannot stat the room's segment")?
            .size;
        if size != SEGMENT_SIZE {
            bail!("the room's segment has {size} bytes, chapter 3's layout {SEGMENT_SIZE}");
        }
        // SAFETY: shmat with a null address lets the kernel choose; failure is (void*)-1.
        let address = unsafe { libc::shmat(id, std::ptr::null(), 0) };
        if address as isize == -1 {
            bail!("shmat: {}", std::io::Error::last_os_error());
        }
        Ok(Segment {
            address: address.cast(),
        })
    }

    fn u8_at(&self, at: usize) -> &AtomicU8 {
        // SAFETY: in bounds of the attached segment (the offsets are the layout's), and
        // the step's code accesses the same bytes only through atomics of the same size.
        unsafe { &*(self.address.add(at) as *const AtomicU8) }
    }

    fn u16_at(&self, at: usize) -> &AtomicU16 {
        // SAFETY: as u8_at; the layout aligns the field.
        unsafe { &*(self.address.add(at) as *const AtomicU16) }
    }

    fn u32_at(&self, at: usize) -> &AtomicU32 {
        // SAFETY: as u8_at; the layout aligns the field.
        unsafe { &*(self.address.add(at) as *const AtomicU32) }
    }

    fn u64_at(&self, at: usize) -> &AtomicU64 {
        // SAFETY: as u8_at; the layout aligns the field.
        unsafe { &*(self.address.add(at) as *const AtomicU64) }
    }

    /// `header.next_seq`.
    pub fn next_seq(&self) -> u64 {
        self.u64_at(NEXT_SEQ).load(Ordering::Acquire)
    }

    /// `header.wake`.
    pub fn wake(&self) -> u32 {
        self.u32_at(WAKE).load(Ordering::Acquire)
    }

    /// The slot that entry `seq` lives in, read as it is now (no lock, no checks).
    pub fn slot(&self, seq: u64) -> Slot {
        let at = RING + ((seq.max(1) - 1) % CAPACITY) as usize * ENTRY;
        let bytes = |from: usize, len: usize| -> String {
            let raw: Vec<u8> = (0..len)
                .map(|i| self.u8_at(at + from + i).load(Ordering::Relaxed))
                .collect();
            String::from_utf8_lossy(&raw).into_owned()
        };
        let name_len = usize::from(self.u8_at(at + NAME_LEN).load(Ordering::Relaxed)).min(16);
        let text_len = usize::from(self.u16_at(at + TEXT_LEN).load(Ordering::Relaxed)).min(472);
        Slot {
            seq: self.u64_at(at + SEQ).load(Ordering::Acquire),
            time_ms: self.u64_at(at + TIME).load(Ordering::Relaxed) as i64,
            pid: self.u32_at(at + PID).load(Ordering::Relaxed) as i32,
            kind: self.u8_at(at + KIND).load(Ordering::Relaxed),
            name: bytes(NAME, name_len),
            text: bytes(TEXT, text_len),
        }
    }

    /// Publishes a chat line as the server would (the grader's own sequence lock), then
    /// bumps `wake` and wakes the sleepers. Only while the server is stopped: one writer.
    pub fn publish(&self, pid: i32, name: &str, text: &str, time_ms: i64) -> u64 {
        let seq = self.next_seq();
        let at = RING + ((seq - 1) % CAPACITY) as usize * ENTRY;
        self.u64_at(at + SEQ).store(0, Ordering::Relaxed);
        fence(Ordering::Release);
        self.u64_at(at + TIME)
            .store(time_ms as u64, Ordering::Relaxed);
        self.u32_at(at + PID).store(pid as u32, Ordering::Relaxed);
        self.u8_at(at + KIND).store(1, Ordering::Relaxed);
        self.u8_at(at + NAME_LEN)
            .store(name.len() as u8, Ordering::Relaxed);
        self.u16_at(at + TEXT_LEN)
            .store(text.len() as u16, Ordering::Relaxed);
        for (i, byte) in name.bytes().enumerate() {
            self.u8_at(at + NAME + i).store(byte, Ordering::Relaxed);
        }
        for (i, byte) in text.bytes().enumerate() {
            self.u8_at(at + TEXT + i).store(byte, Ordering::Relaxed);
        }
        self.u64_at(at + SEQ).store(seq, Ordering::Release);
        self.u64_at(NEXT_SEQ).store(seq + 1, Ordering::Release);
        self.u32_at(WAKE).fetch_add(1, Ordering::Release);
        self.wake_all();
        seq
    }

    /// FUTEX_WAKE (non-private) on `wake`.
    pub fn wake_all(&self) {
        // SAFETY: the word is in our attachment; FUTEX_WAKE only uses its address.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                self.u32_at(WAKE).as_ptr(),
                libc::FUTEX_WAKE,
                i32::MAX,
                std::ptr::null::<libc::timespec>(),
                std::ptr::null::<u32>(),
                0u32,
            )
        };
    }

    /// FUTEX_WAIT (non-private) on `wake` while it holds `expected`: true if woken (or
    /// the word had changed already), false on the timeout.
    pub fn wait(&self, expected: u32, timeout: Duration) -> bool {
        let timeout = libc::timespec {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        loop {
            // SAFETY: the word is in our attachment, the timespec on our stack.
            let result = unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.u32_at(WAKE).as_ptr(),
                    libc::FUTEX_WAIT,
                    expected,
                    &timeout as *const libc::timespec,
                    std::ptr::null::<u32>(),
                    0u32,
                )
            };
            if result == 0 {
                return true;
            }
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EAGAIN) => return true,
                Some(libc::EINTR) => continue,
                _ => return false,
            }
        }
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: attached in `attach`, detached once.
        unsafe { libc::shmdt(self.address.cast()) };
    }
}
