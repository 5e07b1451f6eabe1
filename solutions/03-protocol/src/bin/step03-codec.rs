//! Encodes chat protocol messages to bytes and decodes bytes back, for debugging and for
//! black-box tests: `step03-codec encode join --pid 4242 --name alice` prints the hex
//! bytes; `step03-codec decode --hex "01 01 ..."` prints the message or the exact reason
//! it is rejected; `fuzz` throws random and mutated inputs at the decoder; `layout` prints
//! the shared-memory and log-file layouts as the compiler laid them out.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use step01_message_queue::cli::run_main;
use step03_protocol::routing::{Destination, destination, reply_mtype};
use step03_protocol::{DecodeError, Name, Reply, Request, Text, describe, layout};

/// Encode and decode chat protocol messages.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Encode a request and print its bytes (hex, or raw with --raw).
    Encode {
        /// join, say, private, who or leave.
        kind: String,
        /// The client's pid.
        #[arg(long, default_value = "4242", allow_negative_numbers = true)]
        pid: i32,
        /// The name (join).
        #[arg(long, default_value = "")]
        name: String,
        /// The recipient (private).
        #[arg(long, default_value = "")]
        to: String,
        /// The text (say, private).
        #[arg(long, default_value = "")]
        text: String,
        /// Write the raw bytes instead of hex.
        #[arg(long)]
        raw: bool,
    },
    /// Decode one message (raw bytes on stdin, or --hex) and print it or why it is invalid.
    Decode {
        /// The message as hex digits instead of raw stdin.
        #[arg(long)]
        hex: Option<String>,
        /// Decode as a server-to-client reply instead of a request.
        #[arg(long)]
        reply: bool,
    },
    /// Decode random and mutated inputs; fail on any panic or non-canonical round trip.
    Fuzz {
        /// How many inputs.
        #[arg(long, default_value = "100000")]
        cases: u64,
        /// The random seed (the same seed gives the same inputs).
        #[arg(long, default_value = "1")]
        seed: u64,
    },
    /// Check a name (--name) or a text (--text) against the rules; exit status 1 if invalid.
    Validate {
        /// A user name to check.
        #[arg(long)]
        name: Option<String>,
        /// A message text to check.
        #[arg(long)]
        text: Option<String>,
    },
    /// Print the shared-memory and log-file layouts (sizes and offsets in bytes).
    Layout,
    /// Say who receives a message with this mtype.
    Route {
        /// The mtype.
        #[arg(allow_negative_numbers = true)]
        mtype: i64,
    },
    /// Print the mtype of the mailbox of the client with this pid (or why it has none).
    Mailbox {
        /// The client's pid.
        #[arg(allow_negative_numbers = true)]
        pid: i32,
    },
}

/// Exit status of `decode` and `validate` for an input that is rejected.
const EXIT_INVALID: u8 = 1;

fn main() -> ExitCode {
    run_main("step03-codec", || match Args::parse().command {
        Command::Encode {
            kind,
            pid,
            name,
            to,
            text,
            raw,
        } => {
            let request = match kind.as_str() {
                "join" => Request::Join {
                    pid,
                    name: Name::new(&name).context("invalid --name")?,
                },
                "say" => Request::Say {
                    pid,
                    text: Text::new(&text).context("invalid --text")?,
                },
                "private" => Request::Private {
                    pid,
                    to: Name::new(&to).context("invalid --to")?,
                    text: Text::new(&text).context("invalid --text")?,
                },
                "who" => Request::Who { pid },
                "leave" => Request::Leave { pid },
                other => bail!("unknown kind `{other}` (join, say, private, who, leave)"),
            };
            let bytes = request.encode();
            if raw {
                std::io::stdout().write_all(&bytes)?;
            } else {
                println!("{}", describe::hex(&bytes));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Decode { hex, reply } => {
            let bytes = match hex {
                Some(text) => describe::parse_hex(&text).map_err(anyhow::Error::msg)?,
                None => {
                    let mut bytes = Vec::new();
                    std::io::stdin().read_to_end(&mut bytes)?;
                    bytes
                }
            };
            let decoded = if reply {
                Reply::decode(&bytes).map(|r| format!("reply {}", describe::reply(&r)))
            } else {
                Request::decode(&bytes).map(|r| format!("request {}", describe::request(&r)))
            };
            match decoded {
                Ok(line) => {
                    println!("{line}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    println!("invalid: {error}");
                    Ok(ExitCode::from(EXIT_INVALID))
                }
            }
        }
        Command::Fuzz { cases, seed } => fuzz(cases, seed),
        Command::Validate { name, text } => {
            let verdict = match (name, text) {
                (Some(name), None) => Name::new(&name)
                    .map(|_| "valid name")
                    .map_err(|e| e.to_string()),
                (None, Some(text)) => Text::new(&text)
                    .map(|_| "valid text")
                    .map_err(|e| e.to_string()),
                _ => bail!("give exactly one of --name and --text"),
            };
            match verdict {
                Ok(ok) => {
                    println!("{ok}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(why) => {
                    println!("invalid: {why}");
                    Ok(ExitCode::from(EXIT_INVALID))
                }
            }
        }
        Command::Layout => {
            for (ty, size, fields) in layout::layout_table() {
                println!("{ty} ({size} bytes)");
                for f in fields {
                    println!("  {:>6}  {:>6}  {}", f.offset, f.size, f.field);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Mailbox { pid } => match reply_mtype(pid) {
            Ok(mtype) => {
                println!("mtype {mtype}");
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => {
                println!("invalid: {error}");
                Ok(ExitCode::from(EXIT_INVALID))
            }
        },
        Command::Route { mtype } => {
            match destination(mtype) {
                Some(Destination::Server) => println!("server"),
                Some(Destination::Client(pid)) => println!("client {pid}"),
                None => println!("nobody"),
            }
            Ok(ExitCode::SUCCESS)
        }
    })
}

/// A small deterministic random generator (xorshift64*): enough for fuzzing, no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn name(&mut self) -> Name {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
        let len = 1 + self.below(16) as usize;
        let name: String = (0..len)
            .map(|_| char::from(CHARS[self.below(CHARS.len() as u64) as usize]))
            .collect();
        Name::new(&name).unwrap_or_else(|_| unreachable!("generated names follow the rules"))
    }

    fn text(&mut self) -> Text {
        let words = ["hello", "wörld", "☃", "a", "IPC", "🦀", "chat", "ok?"];
        let mut text = String::new();
        let count = 1 + self.below(40);
        for i in 0..count {
            let word = words[self.below(words.len() as u64) as usize];
            if text.len() + word.len() + 1 > step03_protocol::TEXT_MAX {
                break;
            }
            if i > 0 {
                text.push(' ');
            }
            text.push_str(word);
        }
        Text::new(&text).unwrap_or_else(|_| unreachable!("generated texts follow the rules"))
    }

    fn request(&mut self) -> Request {
        let pid = 2 + self.below(4_000_000) as i32;
        match self.below(5) {
            0 => Request::Join {
                pid,
                name: self.name(),
            },
            1 => Request::Say {
                pid,
                text: self.text(),
            },
            2 => Request::Private {
                pid,
                to: self.name(),
                text: self.text(),
            },
            3 => Request::Who { pid },
            _ => Request::Leave { pid },
        }
    }
}

/// The name of an error's variant, for the summary.
fn error_class(error: &DecodeError) -> &'static str {
    match error {
        DecodeError::Empty => "empty",
        DecodeError::Version(_) => "version",
        DecodeError::UnknownKind(_) => "unknown kind",
        DecodeError::Truncated { .. } => "truncated",
        DecodeError::TrailingBytes(_) => "trailing bytes",
        DecodeError::BadUtf8 { .. } => "bad UTF-8",
        DecodeError::Name(_) => "invalid name",
        DecodeError::Text(_) => "invalid text",
        DecodeError::Pid(_) => "invalid pid",
        DecodeError::UnknownReason(_) => "unknown reason",
        DecodeError::TooManyNames(_) => "too many names",
    }
}

/// Runs the decoders over `cases` inputs: a third random bytes, a third valid encodings
/// mutated (a byte changed, cut short, or extended), a third valid encodings unchanged.
/// Every input that decodes must encode back to the same bytes.
fn fuzz(cases: u64, seed: u64) -> anyhow::Result<ExitCode> {
    // Panics are caught and counted below; keep their messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed.max(1));
    let mut accepted = 0u64;
    let mut classes: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in 0..cases {
        let bytes = match catch_unwind(AssertUnwindSafe(|| {
            let mut bytes = match case % 3 {
                0 => {
                    let len = rng.below(48) as usize;
                    let mut bytes = rng.bytes(len);
                    // Give random input a fair chance to get past the first checks.
                    if len >= 2 && rng.below(2) == 0 {
                        bytes[0] = 1;
                        bytes[1] = 1 + rng.below(5) as u8;
                    }
                    bytes
                }
                _ => rng.request().encode(),
            };
            if case % 3 == 1 && !bytes.is_empty() {
                match rng.below(3) {
                    0 => {
                        let at = rng.below(bytes.len() as u64) as usize;
                        bytes[at] = rng.next() as u8;
                    }
                    1 => bytes.truncate(rng.below(bytes.len() as u64) as usize),
                    _ => {
                        let extra = 1 + rng.below(8) as usize;
                        bytes.extend(rng.bytes(extra));
                    }
                }
            }
            bytes
        })) {
            Ok(bytes) => bytes,
            Err(_) => {
                failures.push(format!("case {case}: Request::encode panicked"));
                break;
            }
        };
        for as_reply in [false, true] {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                if as_reply {
                    Reply::decode(&bytes).map(|r| r.encode())
                } else {
                    Request::decode(&bytes).map(|r| r.encode())
                }
            }));
            let which = if as_reply { "Reply" } else { "Request" };
            match outcome {
                Err(_) => failures.push(format!(
                    "case {case}: {which}::decode panicked on [{}]",
                    describe::hex(&bytes)
                )),
                Ok(Ok(encoded)) if encoded != bytes => failures.push(format!(
                    "case {case}: {which}::decode accepted [{}] but it encodes back as [{}]",
                    describe::hex(&bytes),
                    describe::hex(&encoded)
                )),
                Ok(Ok(_)) => accepted += 1,
                Ok(Err(error)) => *classes.entry(error_class(&error)).or_default() += 1,
            }
        }
        if failures.len() >= 5 {
            break;
        }
    }
    let rejected: u64 = classes.values().sum();
    println!(
        "fuzzed {cases} inputs (seed {seed}) as requests and as replies: {accepted} accepted, {rejected} rejected, {} failures",
        failures.len()
    );
    let classes: Vec<String> = classes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("rejections: {}", classes.join(", "));
    for failure in &failures {
        println!("FAILURE {failure}");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
