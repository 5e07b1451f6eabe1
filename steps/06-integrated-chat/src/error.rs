//! The errors of step 6: those of steps 4 and 5, and a room whose objects a new server
//! must not take over.

use step01_message_queue::IpcError;
use step02_shared_memory::ShmError;
use step04_chat::ChatError;

// ANCHOR: room_error
/// What can stop a step 6 server from starting.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    /// The room's objects belong to a process that is alive.
    #[error(
        "room {room} has IPC objects of a live process ({why}) that holds no room lock (a \
         step 4 server, or another program): not touching them; stop it first"
    )]
    LiveOwner {
        /// The room's directory.
        room: String,
        /// What shows that it lives.
        why: String,
    },

    /// The objects under the room's keys are not (only) a chat room's.
    #[error(
        "room {room} has IPC objects that are not a chat room's ({why}): not touching them. \
         If they are yours and unused, remove them with `make clean-ipc ROOM={room}`"
    )]
    Stranger {
        /// The room's directory.
        room: String,
        /// What gave them away.
        why: String,
    },

    /// An error of the chat (steps 1 to 4).
    #[error(transparent)]
    Chat(#[from] ChatError),
}
// ANCHOR_END: room_error

impl From<ShmError> for RoomError {
    fn from(error: ShmError) -> RoomError {
        RoomError::Chat(error.into())
    }
}

impl From<IpcError> for RoomError {
    fn from(error: IpcError) -> RoomError {
        RoomError::Chat(ShmError::from(error).into())
    }
}

/// A result of this step.
pub type Result<T, E = RoomError> = std::result::Result<T, E>;
