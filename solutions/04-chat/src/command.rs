//! What a typed line means: a line to say, or one of the client's commands.
//!
//! The client parses every line into a [`Command`] before anything is sent, so a typo such
//! as `/mgs bob hi` is refused on the spot (with the list of commands) instead of being
//! broadcast to the room, and the rules are unit-tested without a server.

use step03_protocol::{Name, NameError, Text, TextError};

/// The commands a client knows, for help and error messages.
pub const COMMANDS: &str = "/who, /msg NAME TEXT, /quit";

// ANCHOR: command
/// One typed line, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Say this to the room.
    Say(Text),
    /// `/who`: ask who is online.
    Who,
    /// `/msg NAME TEXT`: a private line to one member.
    Msg {
        /// The recipient.
        to: Name,
        /// What to tell them.
        text: Text,
    },
    /// `/quit`: leave the room.
    Quit,
}
// ANCHOR_END: command

/// Why a typed line cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// A line starting with `/` that is no command.
    #[error(
        "unknown command {0}: the commands are {COMMANDS} (start a line with // to say \
         something that begins with /)"
    )]
    Unknown(String),
    /// `/msg` without a name or without a text.
    #[error("usage: /msg NAME TEXT")]
    MsgUsage,
    /// A recipient's name that breaks the naming rules.
    #[error("{0} (usage: /msg NAME TEXT)")]
    Name(NameError),
    /// A text that breaks the text rules.
    #[error(transparent)]
    Text(#[from] TextError),
}

impl Command {
    // ANCHOR: parse
    /// Parses one typed line (without its newline); `Ok(None)` for an empty line, which
    /// is not sent.
    pub fn parse(line: &str) -> Result<Option<Command>, CommandError> {
        if line.trim().is_empty() {
            return Ok(None);
        }
        // `//text` says `/text`: the escape for lines that begin with a slash.
        if let Some(said) = line.strip_prefix("//") {
            return Ok(Some(Command::Say(Text::new(&format!("/{said}"))?)));
        }
        let Some(command) = line.strip_prefix('/') else {
            return Ok(Some(Command::Say(Text::new(line)?)));
        };
        let (word, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        match word {
            "who" if rest.trim().is_empty() => Ok(Some(Command::Who)),
            "quit" if rest.trim().is_empty() => Ok(Some(Command::Quit)),
            "msg" => {
                let (to, text) = rest
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .ok_or(CommandError::MsgUsage)?;
                if text.trim().is_empty() {
                    return Err(CommandError::MsgUsage);
                }
                Ok(Some(Command::Msg {
                    to: Name::new(to).map_err(CommandError::Name)?,
                    text: Text::new(text)?,
                }))
            }
            _ => Err(CommandError::Unknown(format!("/{word}"))),
        }
    }
    // ANCHOR_END: parse
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Option<Command>, CommandError> {
        Command::parse(line)
    }

    fn say(text: &str) -> Option<Command> {
        Some(Command::Say(Text::new(text).expect("valid text")))
    }

    #[test]
    fn plain_lines_are_said_and_empty_ones_are_not_sent() {
        assert_eq!(parse("hello, room"), Ok(say("hello, room")));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("   "), Ok(None));
    }

    #[test]
    fn commands_are_recognised_with_their_arguments() {
        assert_eq!(parse("/who"), Ok(Some(Command::Who)));
        assert_eq!(parse("/quit "), Ok(Some(Command::Quit)));
        assert_eq!(
            parse("/msg bob  psst, bob"),
            Ok(Some(Command::Msg {
                to: Name::new("bob").expect("valid name"),
                text: Text::new(" psst, bob").expect("valid text"),
            }))
        );
    }

    #[test]
    fn unknown_commands_are_refused_with_the_list_of_known_ones() {
        let error = parse("/mgs bob hi").expect_err("a typo is no command");
        assert_eq!(error, CommandError::Unknown("/mgs".into()));
        assert!(error.to_string().contains(COMMANDS));
        assert!(parse("/who is there").is_err());
    }

    #[test]
    fn a_double_slash_says_a_line_that_begins_with_a_slash() {
        assert_eq!(parse("//shrug"), Ok(say("/shrug")));
    }

    #[test]
    fn msg_needs_a_valid_name_and_a_text() {
        assert_eq!(parse("/msg"), Err(CommandError::MsgUsage));
        assert_eq!(parse("/msg bob"), Err(CommandError::MsgUsage));
        assert_eq!(parse("/msg bob   "), Err(CommandError::MsgUsage));
        assert!(matches!(
            parse("/msg bad!name hi"),
            Err(CommandError::Name(_))
        ));
    }

    #[test]
    fn invalid_text_is_refused_before_sending() {
        assert!(matches!(parse("bell\u{7}"), Err(CommandError::Text(_))));
        let long = "x".repeat(step03_protocol::TEXT_MAX + 1);
        assert!(matches!(parse(&long), Err(CommandError::Text(_))));
    }
}
