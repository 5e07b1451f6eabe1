//! # Step 7: no polling, no lock in the delivery path, measured and proven
//!
//! Step 6's chat is correct and robust, but every reader polls the ring every 50 ms under
//! the room's mutex. This step takes both out of the delivery path:
//!
//! - [`seqlock`]: the server publishes each entry with a per-slot sequence lock, and
//!   readers copy it without any lock, discarding torn copies;
//! - [`futex`] and [`watch`]: readers sleep in `FUTEX_WAIT` on the header's `wake` word
//!   until the server publishes, with a one-second timeout that is also their liveness
//!   tick;
//! - [`hooks`] and [`server`]: step 6's server, with the lock-free publication plugged in
//!   through step 4's `RoomHooks`;
//! - [`tail`]: entries a reader missed in the ring, read back from the log;
//! - [`client`]: step 4's client, driven by events; [`terminal`]: its line editor for
//!   people at a terminal;
//! - [`stress`] (with its crash rounds), [`bench`] and [`top`]: the tools that prove and measure it,
//!   all subcommands of the one product binary, `ipc-chat`.
//!
//! The exercises are [`seqlock::publish`] (7.1), [`seqlock::read`] (7.2),
//! [`watch::wait_for_news`] (7.3), [`futex::wake_all`] (7.4) and
//! [`stress::check`] (7.5).

pub mod bench;
pub mod cleanup;
pub mod client;
pub mod follow;
pub mod futex;
pub mod hooks;
pub mod seqlock;
pub mod server;
pub mod stress;
pub mod tail;
pub mod terminal;
pub mod top;
pub mod watch;
