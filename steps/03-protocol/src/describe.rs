//! Human-readable forms of messages and bytes, for `step03-codec` and for log lines.

use std::fmt::Write;

use crate::message::{Reply, Request};

/// A request as one line, e.g. `Join pid=4242 name="alice"`.
pub fn request(request: &Request) -> String {
    match request {
        Request::Join { pid, name } => format!("Join pid={pid} name={:?}", name.as_str()),
        Request::Say { pid, text } => format!("Say pid={pid} text={:?}", text.as_str()),
        Request::Private { pid, to, text } => {
            format!(
                "Private pid={pid} to={:?} text={:?}",
                to.as_str(),
                text.as_str()
            )
        }
        Request::Who { pid } => format!("Who pid={pid}"),
        Request::Leave { pid } => format!("Leave pid={pid}"),
    }
}

/// A reply as one line, e.g. `Welcome name="alice"`.
pub fn reply(reply: &Reply) -> String {
    match reply {
        Reply::Welcome { name } => format!("Welcome name={:?}", name.as_str()),
        Reply::Rejected { reason, detail } => {
            format!("Rejected reason={reason:?} detail={detail:?}")
        }
        Reply::Private {
            from,
            time_ms,
            text,
        } => format!(
            "Private from={:?} time_ms={time_ms} text={:?}",
            from.as_str(),
            text.as_str()
        ),
        Reply::Who { names } => {
            let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            format!("Who names={names:?}")
        }
        Reply::Bye { reason } => format!("Bye reason={reason:?}"),
    }
}

/// Bytes as lowercase hex pairs separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Parses hex pairs (spaces, colons and a `0x` prefix are ignored).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text
        .trim_start_matches("0x")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("{bad:?} is not a hex digit"));
    }
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| format!("`{}` is not a hex byte", &digits[i..i + 2]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(
            parse_hex(&hex(&[0, 1, 0xab, 0xff])),
            Ok(vec![0, 1, 0xab, 0xff])
        );
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
        assert!(parse_hex("aéb").is_err());
    }
}
