//! # Step 6: the integrated chat
//!
//! Steps 4 and 5 made a chat with a history. This step makes it hold up when people and
//! programs misbehave: a client that is killed, a server that is killed, a client that
//! stops reading, requests from processes that never joined. It adds:
//!
//! - [`presence`]: the presence table in shared memory, written under the lock with each
//!   join and leave, so anyone can see who is online without asking the server;
//! - [`liveness`]: a once-a-second tick that asks the kernel (`kill(pid, 0)`) whether
//!   each member still exists, and announces the ones that do not;
//! - [`takeover`]: a new server that removes the objects a dead server left behind, and
//!   refuses to touch a live process's or a stranger's;
//! - [`mailboxes`]: a bound on the replies that may wait for any one client;
//! - [`hooks`]: all of it plugged into step 4's server through its `RoomHooks`;
//! - [`server`]: the step 6 server; [`who`]: the presence table read from outside.
//!
//! The client is step 4's: it leaves properly on SIGINT, SIGTERM and SIGHUP, and says the
//! server has stopped within a poll interval of its death.
//!
//! The exercises are [`presence::update`] (6.1), [`liveness::process_exists`] (6.2),
//! [`takeover::verdict`] (6.3) and [`mailboxes::Mailboxes::admit`] (6.4).

pub mod error;
pub mod hooks;
pub mod liveness;
pub mod mailboxes;
pub mod presence;
pub mod server;
pub mod takeover;
pub mod who;

pub use error::{Result, RoomError};
