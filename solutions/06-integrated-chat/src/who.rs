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
