//! Who receives what: the mtype routing rule, and the names of the room's objects.
//!
//! One queue carries both directions. Commands to the server are sent with
//! [`SERVER_MTYPE`]; the server receives with `msgrcv(.., SERVER_MTYPE, ..)`, which takes
//! only those. Each reply is sent with the client's pid as mtype, and each client receives
//! only its own pid's messages. Pids are unique among live processes, so no two clients
//! share a mailbox; the server never uses a pid-typed mailbox itself.
//!
//! A room's objects are all keyed from the room directory with `ftok`, one project id each.

use std::num::NonZeroU8;

// ANCHOR: room_objects
/// The mtype of every client-to-server message.
pub const SERVER_MTYPE: i64 = 1;

/// Project id of the room's message queue (`ftok(room, 'Q')`).
pub const QUEUE_PROJ: NonZeroU8 = NonZeroU8::new(b'Q').unwrap();
/// Project id of the room's shared-memory segment (`ftok(room, 'M')`).
pub const SEGMENT_PROJ: NonZeroU8 = NonZeroU8::new(b'M').unwrap();
/// Project id of the room's semaphore set (`ftok(room, 'S')`).
pub const SEMAPHORE_PROJ: NonZeroU8 = NonZeroU8::new(b'S').unwrap();
// ANCHOR_END: room_objects

/// Why a pid cannot be used as a client's mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// Pids 1 and below cannot be mailboxes: mtype must be positive and 1 is the server's.
    #[error(
        "pid {0} cannot be a client mailbox (mtype 1 is the server's; run the client from a shell, not as pid 1)"
    )]
    ReservedPid(i32),
}

/// Where a message on the queue is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// A command for the server.
    Server,
    /// A reply for the client with this pid.
    Client(i32),
}

// ANCHOR: routing
/// The mtype that carries replies to the client with process id `pid`.
pub fn reply_mtype(pid: i32) -> Result<i64, RouteError> {
    // EXERCISE 3.4 (15 points): Map a client's pid to its reply mtype; refuse pids that cannot be mailboxes.
    // HINT: the mailbox of a client is its pid; pids <= SERVER_MTYPE would be the server's or invalid.
    // BEGIN EXERCISE 3.4 (stub uses: pid)
    let _ = pid; // silences "unused" until your code uses it
    todo!(
        "exercise 3.4 is not done yet: Map a client's pid to its reply mtype; refuse pids that cannot be mailboxes."
    )
    // END EXERCISE 3.4
}

/// Who a message with `mtype` is for (`None` for mtypes nobody uses: 0 and negatives, or
/// values beyond any pid).
pub fn destination(mtype: i64) -> Option<Destination> {
    if mtype == SERVER_MTYPE {
        return Some(Destination::Server);
    }
    let pid = i32::try_from(mtype).ok()?;
    reply_mtype(pid).ok().map(|_| Destination::Client(pid))
}
// ANCHOR_END: routing
