//! Listing who is online from the presence table, without asking the server.

use step04_chat::Room;
use step04_chat::objects::RoomObjects;

use crate::error::Result;
use crate::presence::{Present, present};

// ANCHOR: online
/// Who the presence table of `room` says is online, read under the room's lock.
pub fn online(room: &Room) -> Result<Vec<Present>> {
    let objects = RoomObjects::open(room)?;
    let held = objects.lock()?;
    Ok(present(&held))
}
// ANCHOR_END: online

// ANCHOR: listing
/// What `who` prints: a count, then one line per member (name, pid, since when).
pub fn listing(room: &Room) -> Result<String> {
    use std::fmt::Write;

    let present = online(room)?;
    let mut text = format!("{} online in room {room}\n", present.len());
    for member in present {
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "  {} (pid {}, since {})",
            member.name,
            member.pid,
            step04_chat::format::clock(member.joined_ms)
        );
    }
    Ok(text)
}
// ANCHOR_END: listing
