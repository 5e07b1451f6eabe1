//! The messages of the chat protocol and their encoding.
//!
//! Every message starts with two bytes, the protocol version and the kind, followed by the
//! kind's fields in a fixed order. Integers are little-endian; names are a one-byte length
//! then the bytes; texts a two-byte length then the bytes. There are no optional fields and
//! no padding, so each value has exactly one encoding, and decoding then encoding any
//! accepted message gives back the same bytes.
//!
//! | kind | direction | fields after `version, kind` |
//! | --- | --- | --- |
//! | `0x01` Join | client → server | pid `i32`, name |
//! | `0x02` Say | client → server | pid `i32`, text |
//! | `0x03` Private | client → server | pid `i32`, to (name), text |
//! | `0x04` Who | client → server | pid `i32` |
//! | `0x05` Leave | client → server | pid `i32` |
//! | `0x81` Welcome | server → client | name |
//! | `0x82` Rejected | server → client | reason `u8`, detail (text) |
//! | `0x83` Private | server → client | from (name), time `i64` (ms since the epoch), text |
//! | `0x84` Who | server → client | count `u8`, count × name |
//! | `0x85` Bye | server → client | reason (text) |

use crate::routing::RouteError;
use crate::text::{Name, NameError, TEXT_MAX, Text, TextError};
use crate::wire::{Reader, Writer};

/// The protocol version this crate speaks; the first byte of every message.
pub const PROTOCOL_VERSION: u8 = 1;

/// The most names a [`Reply::Who`] lists (the size of the presence table).
pub const MAX_CLIENTS: usize = crate::layout::MAX_CLIENTS;

/// Kind bytes of requests (client to server).
pub mod kind {
    /// [`super::Request::Join`].
    pub const JOIN: u8 = 0x01;
    /// [`super::Request::Say`].
    pub const SAY: u8 = 0x02;
    /// [`super::Request::Private`].
    pub const PRIVATE: u8 = 0x03;
    /// [`super::Request::Who`].
    pub const WHO: u8 = 0x04;
    /// [`super::Request::Leave`].
    pub const LEAVE: u8 = 0x05;
    /// [`super::Reply::Welcome`].
    pub const WELCOME: u8 = 0x81;
    /// [`super::Reply::Rejected`].
    pub const REJECTED: u8 = 0x82;
    /// [`super::Reply::Private`].
    pub const PRIVATE_FROM: u8 = 0x83;
    /// [`super::Reply::Who`].
    pub const WHO_LIST: u8 = 0x84;
    /// [`super::Reply::Bye`].
    pub const BYE: u8 = 0x85;
}

// ANCHOR: decode_error
/// Everything that can be wrong with a received message. Decoding returns one of these
/// for any input it does not accept; it never panics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Zero bytes.
    #[error("empty message")]
    Empty,
    /// A version byte other than [`PROTOCOL_VERSION`].
    #[error("unsupported protocol version {0} (this program speaks version {PROTOCOL_VERSION})")]
    Version(u8),
    /// A kind byte this direction does not use.
    #[error("unknown message kind {0:#04x}")]
    UnknownKind(u8),
    /// The message ends in the middle of a field.
    #[error("truncated message: {field} needs {needed} byte(s) but only {available} remain")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// Bytes remain after the last field.
    #[error("{0} unexpected byte(s) after the last field (wrong length field?)")]
    TrailingBytes(usize),
    /// A string field is not UTF-8.
    #[error("{field} is not valid UTF-8")]
    BadUtf8 {
        /// The field.
        field: &'static str,
    },
    /// A name field breaks the name rules.
    #[error("invalid name: {0}")]
    Name(#[from] NameError),
    /// A text field breaks the text rules.
    #[error("invalid text: {0}")]
    Text(#[from] TextError),
    /// The pid cannot be a client's mailbox.
    #[error("invalid pid: {0}")]
    Pid(#[from] RouteError),
    /// A rejection reason this version does not know.
    #[error("unknown rejection reason {0}")]
    UnknownReason(u8),
    /// A who-list longer than the presence table.
    #[error("a who-list has at most {MAX_CLIENTS} names, this one claims {0}")]
    TooManyNames(usize),
}
// ANCHOR_END: decode_error

// ANCHOR: request_enum
/// A command from a client to the server (sent with mtype [`crate::routing::SERVER_MTYPE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Enter the room as `name`; the server answers on `pid`'s mailbox.
    Join {
        /// The client's pid: its mailbox.
        pid: i32,
        /// The name it wants.
        name: Name,
    },
    /// Say `text` to everyone.
    Say {
        /// The sender's pid.
        pid: i32,
        /// The line.
        text: Text,
    },
    /// Say `text` to `to` only (step 6).
    Private {
        /// The sender's pid.
        pid: i32,
        /// The recipient's name.
        to: Name,
        /// The line.
        text: Text,
    },
    /// Ask who is online (step 6).
    Who {
        /// The asker's pid.
        pid: i32,
    },
    /// Leave the room.
    Leave {
        /// The client's pid.
        pid: i32,
    },
}
// ANCHOR_END: request_enum

impl Request {
    /// The pid of the client that sent it (its reply mailbox).
    pub fn pid(&self) -> i32 {
        match self {
            Request::Join { pid, .. }
            | Request::Say { pid, .. }
            | Request::Private { pid, .. }
            | Request::Who { pid }
            | Request::Leave { pid } => *pid,
        }
    }

    // ANCHOR: request_encode
    /// The message's bytes, as described in the module documentation.
    pub fn encode(&self) -> Vec<u8> {
        // EXERCISE 3.2 (25 points): Encode a request: version, kind, pid, then the kind's fields in table order.
        // HINT: chapter 3, "Encoding", gives every kind's fields, in order; wire.rs writes each field type.
        // HINT: names and texts have length prefixes of different sizes (the table says which).
        // HINT: `Reply::encode` below encodes the replies the same way.
        // BEGIN EXERCISE 3.2 (stub uses: self)
        let _ = self; // silences "unused" until your code uses it
        todo!(
            "exercise 3.2 is not done yet: Encode a request: version, kind, pid, then the kind's fields in table order."
        )
        // END EXERCISE 3.2
    }
    // ANCHOR_END: request_encode

    // ANCHOR: request_decode
    /// Decodes and validates a request; any problem is a [`DecodeError`], never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Request, DecodeError> {
        // EXERCISE 3.3 (40 points): Decode a request, validating every field, and reject trailing bytes.
        // HINT: chapter 3, "Validation: every way a message can be wrong": what to check first, and what each `DecodeError` means.
        // HINT: every field goes through the same validation as when it was made (pids, names, texts): decode accepts nothing encode would refuse.
        // HINT: `Reply::decode` below is a model; a message with bytes left over after its last field is malformed.
        // BEGIN EXERCISE 3.3 (stub uses: bytes)
        let _ = bytes; // silences "unused" until your code uses it
        todo!(
            "exercise 3.3 is not done yet: Decode a request, validating every field, and reject trailing bytes."
        )
        // END EXERCISE 3.3
    }
    // ANCHOR_END: request_decode
}

// ANCHOR: reject_reason
/// Why the server refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RejectReason {
    /// Someone online already has that name.
    NameTaken = 1,
    /// The presence table is full.
    RoomFull = 2,
    /// The request came from a pid that has not joined.
    NotJoined = 3,
    /// A private message's recipient is not online.
    NoSuchUser = 4,
    /// This pid has already joined (under another name).
    AlreadyJoined = 5,
    /// The server could not keep the line (from step 5: its log file cannot grow, for
    /// example because the disk is full). The only reason that is not the client's fault.
    NotStored = 6,
    /// The recipient of a private line does not read its mailbox (from step 6: too many
    /// replies wait there already); the line was not sent.
    NotReading = 7,
}
// ANCHOR_END: reject_reason

impl RejectReason {
    /// The reason of a wire byte.
    pub fn from_u8(byte: u8) -> Option<RejectReason> {
        Some(match byte {
            1 => RejectReason::NameTaken,
            2 => RejectReason::RoomFull,
            3 => RejectReason::NotJoined,
            4 => RejectReason::NoSuchUser,
            5 => RejectReason::AlreadyJoined,
            6 => RejectReason::NotStored,
            7 => RejectReason::NotReading,
            _ => return None,
        })
    }
}

// ANCHOR: reply_enum
/// A message from the server to one client (sent with the client's pid as mtype).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The join was accepted under `name`.
    Welcome {
        /// The name the client now has.
        name: Name,
    },
    /// The request was refused.
    Rejected {
        /// Why, as a code.
        reason: RejectReason,
        /// Why, for people (at most [`TEXT_MAX`] bytes; longer is cut when encoding).
        detail: String,
    },
    /// A private message (step 6).
    Private {
        /// Who sent it.
        from: Name,
        /// When the server received it, in milliseconds since the Unix epoch.
        time_ms: i64,
        /// The line.
        text: Text,
    },
    /// Who is online (step 6).
    Who {
        /// The names, at most [`MAX_CLIENTS`].
        names: Vec<Name>,
    },
    /// The server is going away; the client should exit.
    Bye {
        /// Why (at most [`TEXT_MAX`] bytes; longer is cut when encoding).
        reason: String,
    },
}
// ANCHOR_END: reply_enum

/// `text` cut to at most [`TEXT_MAX`] bytes, at a character boundary.
fn clip(text: &str) -> &str {
    let mut end = text.len().min(TEXT_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Reply {
    // ANCHOR: reply_encode
    /// The message's bytes, as described in the module documentation.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(PROTOCOL_VERSION);
        match self {
            Reply::Welcome { name } => w.u8(kind::WELCOME).short_str(name.as_str()),
            Reply::Rejected { reason, detail } => w
                .u8(kind::REJECTED)
                .u8(*reason as u8)
                .long_str(clip(detail)),
            Reply::Private {
                from,
                time_ms,
                text,
            } => w
                .u8(kind::PRIVATE_FROM)
                .short_str(from.as_str())
                .i64(*time_ms)
                .long_str(text.as_str()),
            Reply::Who { names } => {
                let listed = &names[..names.len().min(MAX_CLIENTS)];
                w.u8(kind::WHO_LIST).u8(listed.len() as u8);
                for name in listed {
                    w.short_str(name.as_str());
                }
                &mut w
            }
            Reply::Bye { reason } => w.u8(kind::BYE).long_str(clip(reason)),
        };
        w.finish()
    }
    // ANCHOR_END: reply_encode

    // ANCHOR: reply_decode
    /// Decodes and validates a reply; any problem is a [`DecodeError`], never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Reply, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8("version").map_err(|_| DecodeError::Empty)?;
        if version != PROTOCOL_VERSION {
            return Err(DecodeError::Version(version));
        }
        let reply = match r.u8("kind")? {
            kind::WELCOME => Reply::Welcome {
                name: Name::new(r.short_str("name")?)?,
            },
            kind::REJECTED => {
                let byte = r.u8("reason")?;
                let reason = RejectReason::from_u8(byte).ok_or(DecodeError::UnknownReason(byte))?;
                Reply::Rejected {
                    reason,
                    detail: checked_detail(r.long_str("detail")?)?,
                }
            }
            kind::PRIVATE_FROM => Reply::Private {
                from: Name::new(r.short_str("sender")?)?,
                time_ms: r.i64("time")?,
                text: Text::new(r.long_str("text")?)?,
            },
            kind::WHO_LIST => {
                let count = usize::from(r.u8("count")?);
                if count > MAX_CLIENTS {
                    return Err(DecodeError::TooManyNames(count));
                }
                let mut names = Vec::with_capacity(count);
                for _ in 0..count {
                    names.push(Name::new(r.short_str("name")?)?);
                }
                Reply::Who { names }
            }
            kind::BYE => Reply::Bye {
                reason: checked_detail(r.long_str("reason")?)?,
            },
            other => return Err(DecodeError::UnknownKind(other)),
        };
        r.finish()?;
        Ok(reply)
    }
    // ANCHOR_END: reply_decode
}

/// A free-form server text: at most [`TEXT_MAX`] bytes and no control characters (it is
/// printed on the client's terminal).
fn checked_detail(text: &str) -> Result<String, DecodeError> {
    if text.len() > TEXT_MAX {
        return Err(TextError::TooLong(text.len()).into());
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(TextError::Control(c).into());
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_round_trip() {
        let name = Name::new("alice").unwrap();
        let replies = [
            Reply::Welcome { name: name.clone() },
            Reply::Rejected {
                reason: RejectReason::NameTaken,
                detail: "alice is taken".into(),
            },
            Reply::Private {
                from: name.clone(),
                time_ms: 1_700_000_000_000,
                text: Text::new("psst").unwrap(),
            },
            Reply::Who {
                names: vec![name.clone(), Name::new("bob").unwrap()],
            },
            Reply::Bye {
                reason: "server stopping".into(),
            },
        ];
        for reply in replies {
            assert_eq!(Reply::decode(&reply.encode()), Ok(reply));
        }
    }

    #[test]
    fn over_long_server_texts_are_clipped() {
        let reply = Reply::Bye {
            reason: "é".repeat(TEXT_MAX),
        };
        match Reply::decode(&reply.encode()) {
            Ok(Reply::Bye { reason }) => assert!(reason.len() <= TEXT_MAX),
            other => panic!("unexpected {other:?}"),
        }
    }
}
