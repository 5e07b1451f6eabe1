//! The line editor for a person at a terminal (placeholder until the line editor lands:
//! it reads lines like a pipe).

use std::sync::Arc;
use std::sync::mpsc::Sender;

use step04_chat::client::{self, Input, Output, Stdout};
use step04_chat::objects::RoomObjects;

/// Starts reading typed lines into `tx`; returns where the client's lines go.
pub fn start<T: Send + 'static>(
    tx: Sender<T>,
    wrap: fn(Input) -> T,
    _objects: Arc<RoomObjects>,
) -> anyhow::Result<Box<dyn Output>> {
    client::spawn_stdin_reader_into(tx, wrap);
    Ok(Box::new(Stdout))
}
