//! Receives messages from a System V message queue and prints them.
//!
//! Each message prints as `[type T] TEXT` (bytes that are not UTF-8 are escaped), or, with
//! `--raw`, as its bare payload bytes. With `--nowait` and no matching message it prints
//! `no message` on stderr and exits with status 3.
//!
//! While it waits, `kill -USR1 PID` makes it say so on stderr (like `dd`'s progress
//! report). The signal handler interrupts the blocked `msgrcv` with `EINTR`, which the
//! queue wrapper retries: the receiver goes on waiting.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use step01_message_queue::cli::{EXIT_NO_MESSAGE, QueueArgs, run_main};
use step01_message_queue::{Message, TypeFilter};

/// Receive messages from a System V message queue.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    queue: QueueArgs,

    /// Only take messages of exactly this type.
    #[arg(long = "type", value_name = "MTYPE", conflicts_with = "up_to")]
    mtype: Option<i64>,

    /// Take the lowest type that is at most MTYPE (a priority queue).
    #[arg(long, value_name = "MTYPE")]
    up_to: Option<i64>,

    /// Do not wait: report "no message" (exit status 3) if none matches now.
    #[arg(long)]
    nowait: bool,

    /// How many messages to receive before exiting.
    #[arg(long, default_value = "1")]
    count: u32,

    /// Write only the payload bytes, exactly as received.
    #[arg(long)]
    raw: bool,
}

/// The SIGUSR1 handler: reports that we are still waiting. Only async-signal-safe calls
/// are allowed in a handler, so it uses write(2) directly rather than `eprintln!`.
extern "C" fn report_waiting(_signal: libc::c_int) {
    const MESSAGE: &[u8] = b"step01-recv: still waiting for a message\n";
    // SAFETY: write(2) is async-signal-safe; MESSAGE is a valid buffer of that length.
    unsafe {
        libc::write(libc::STDERR_FILENO, MESSAGE.as_ptr().cast(), MESSAGE.len());
    }
}

/// Installs [`report_waiting`] for SIGUSR1.
fn install_sigusr1_handler() -> std::io::Result<()> {
    // SAFETY: all-zero bytes are a valid sigaction (no flags, empty mask); we then set the
    // handler to a function with the signature the kernel calls.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = report_waiting as *const () as libc::sighandler_t;
    // SAFETY: `action` is fully initialised and outlives the call; passing null for the
    // old action is allowed.
    if unsafe { libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()) } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn main() -> ExitCode {
    run_main("step01-recv", || {
        let args = Args::parse();
        install_sigusr1_handler().context("cannot install the SIGUSR1 handler")?;
        let filter = match (args.mtype, args.up_to) {
            (Some(t), _) => TypeFilter::Exactly(t),
            (None, Some(t)) => TypeFilter::UpTo(t),
            (None, None) => TypeFilter::Any,
        };
        let queue = args.queue.open()?;
        let mut stdout = std::io::stdout().lock();
        for _ in 0..args.count {
            let message = if args.nowait {
                match queue.try_receive(filter)? {
                    Some(message) => message,
                    None => {
                        eprintln!("no message ({filter}) waiting in queue {}", queue.id());
                        return Ok(ExitCode::from(EXIT_NO_MESSAGE));
                    }
                }
            } else {
                queue.receive(filter)?
            };
            print_message(&mut stdout, &message, args.raw).context("cannot write to stdout")?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints one message, as text with its type or as raw bytes.
fn print_message(out: &mut impl Write, message: &Message, raw: bool) -> std::io::Result<()> {
    if raw {
        out.write_all(&message.payload)?;
    } else {
        match std::str::from_utf8(&message.payload) {
            Ok(text) => writeln!(out, "[type {}] {text}", message.mtype)?,
            Err(_) => writeln!(
                out,
                "[type {}] {}",
                message.mtype,
                message.payload.escape_ascii()
            )?,
        }
    }
    out.flush()
}
