//! The presence table in shared memory: who is online, readable by anyone who can attach
//! the segment, without asking the server.
//!
//! Only the server writes it, always under the room's mutex and in the same lock hold as
//! the join or leave entry it goes with (step 4's `RoomHooks::published`), so a reader
//! holding the mutex sees the ring's notices and the table agree. A slot is free while
//! its `pid` is 0: the server fills a slot's other fields first and stores its `pid` last,
//! and frees it by storing 0, so a reader without the lock never sees half a member.

use std::sync::atomic::Ordering;

use step02_shared_memory::bytes::load_bytes;
use step03_protocol::NAME_MAX;
use step03_protocol::layout::SharedState;
use step04_chat::ring::Entry;

/// One member in the presence table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    /// Their pid.
    pub pid: i32,
    /// Their name.
    pub name: String,
    /// When they joined, in milliseconds since the Unix epoch.
    pub joined_ms: i64,
}

// ANCHOR: update
/// Brings the presence table and `header.online` up to date with `entry`, just published:
/// a join takes a free slot, a leave or a loss frees the member's slot. The caller holds
/// the room's lock.
pub fn update(state: &SharedState, entry: &Entry) {
    // EXERCISE 6.1 (20 points): Keep the presence table and header.online in step with the joins, leaves and losses.
    // HINT: a slot is free while its pid is 0; chapter 3's "Step 6" section says in which order its fields are written.
    // HINT: readers may look without the lock: which store publishes a slot, and with which ordering? (step 2's bytes module copies names)
    // HINT: `online` is how many slots are taken, whatever happened before: counting is more robust than adding and subtracting.
    // BEGIN EXERCISE 6.1 (stub uses: state, entry)
    let _ = (state, entry); // silences "unused" until your code uses them
    todo!(
        "exercise 6.1 is not done yet: Keep the presence table and header.online in step with the joins, leaves and losses."
    )
    // END EXERCISE 6.1
}
// ANCHOR_END: update

// ANCHOR: present
/// Everyone in the presence table, in slot order. Hold the room's lock for a consistent
/// picture (a slot can change while it is being read otherwise).
pub fn present(state: &SharedState) -> Vec<Present> {
    state
        .presence
        .iter()
        .filter_map(|slot| {
            let pid = slot.pid.load(Ordering::Acquire);
            (pid != 0).then(|| {
                let len = usize::from(slot.name_len.load(Ordering::Relaxed)).min(NAME_MAX);
                Present {
                    pid,
                    name: String::from_utf8_lossy(&load_bytes(&slot.name, len)).into_owned(),
                    joined_ms: slot.joined_ms.load(Ordering::Relaxed),
                }
            })
        })
        .collect()
}
// ANCHOR_END: present
