//! # Step 4: the first working chat
//!
//! Steps 1 to 3 gave us a message queue, shared memory and a protocol. This step puts them
//! together, with one new primitive, the **System V semaphore**, used as a mutex:
//!
//! - clients send their lines through the room's **queue** to the server (mtype 1), and
//!   get replies in their own mailbox (mtype = their pid);
//! - the server appends each line to a **ring in shared memory** under the mutex;
//! - every client polls the ring, under the same mutex, and prints what is new.
//!
//! ## Layout
//!
//! - [`room`]: the room directory and the keys of its objects.
//! - [`semaphore`]: [`SemaphoreSet`]: semget/semop/semctl, with `SEM_UNDO`.
//! - [`objects`]: creating (server) and opening (client) a room's three objects.
//! - [`ring`]: appending to and reading from the ring of recent lines.
//! - [`server`]: registration and the dispatch of each request.
//! - [`signals`]: stopping the server cleanly on SIGINT/SIGTERM.
//! - [`client`]: the line-oriented client.
//! - [`format`]: how lines look on the terminal.

pub mod client;
pub mod format;
pub mod objects;
pub mod ring;
pub mod room;
pub mod semaphore;
pub mod server;
pub mod signals;

pub use room::Room;
pub use semaphore::SemaphoreSet;
