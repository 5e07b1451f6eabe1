//! Names and message text: what a client may say, checked before anything is sent and
//! again by the server on everything it receives.
//!
//! - A **name** is 1 to [`NAME_MAX`] characters from `A-Z a-z 0-9 _ - .`: short enough for
//!   a fixed-size field, printable in any terminal, impossible to confuse with a command.
//! - A **text** is 1 to [`TEXT_MAX`] bytes of UTF-8 without control characters: one line,
//!   so every chat line prints as one line, and a sender cannot move another user's
//!   cursor or clear their screen with escape sequences.

use std::fmt;

// ANCHOR: text_limits
/// The longest name, in characters (all allowed characters are one byte).
pub const NAME_MAX: usize = 16;

/// The longest message text, in bytes of UTF-8. It is what fits in one slot of the
/// shared ring (see [`crate::layout::LogEntry`]), far below the queue's `msgmax`.
pub const TEXT_MAX: usize = 472;
// ANCHOR_END: text_limits

/// Why a name is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("a name cannot be empty")]
    Empty,
    /// The name is longer than [`NAME_MAX`].
    #[error("a name has at most {NAME_MAX} characters, this one has {0}")]
    TooLong(usize),
    /// The name contains a character outside `A-Z a-z 0-9 _ - .`.
    #[error("a name may only use letters, digits, '_', '-' and '.', not {0:?}")]
    BadChar(char),
}

/// Why a message text is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The text is empty.
    #[error("a message cannot be empty")]
    Empty,
    /// The text is longer than [`TEXT_MAX`] bytes.
    #[error("a message has at most {TEXT_MAX} bytes, this one has {0}")]
    TooLong(usize),
    /// The text contains a control character (newline, escape, ...).
    #[error("a message cannot contain control characters such as {0:?}")]
    Control(char),
}

/// A validated user name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    // ANCHOR: name_new
    /// Checks `name` against the rules and wraps it.
    pub fn new(name: &str) -> Result<Name, NameError> {
        // EXERCISE 3.1 (20 points): Accept 1 to NAME_MAX characters from A-Z a-z 0-9 _ - . only.
        // HINT: `NameError` has one variant per way a name can be wrong; its docs say which is checked first.
        // HINT: the length limit counts characters, not bytes (a multi-byte character is not allowed anyway).
        // HINT: the error for a bad character names the first one, so the user can find it.
        // BEGIN EXERCISE 3.1 (stub uses: name)
        let _ = name; // silences "unused" until your code uses it
        todo!(
            "exercise 3.1 is not done yet: Accept 1 to NAME_MAX characters from A-Z a-z 0-9 _ - . only."
        )
        // END EXERCISE 3.1
    }
    // ANCHOR_END: name_new

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated message text (see [`validate_text`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    /// Checks `text` with [`validate_text`] and wraps it.
    pub fn new(text: &str) -> Result<Text, TextError> {
        validate_text(text)?;
        Ok(Text(text.to_string()))
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ANCHOR: validate_text
/// Checks a message text: 1 to [`TEXT_MAX`] bytes, no control characters.
pub fn validate_text(text: &str) -> Result<(), TextError> {
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.len() > TEXT_MAX {
        return Err(TextError::TooLong(text.len()));
    }
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(TextError::Control(c)),
        None => Ok(()),
    }
}
// ANCHOR_END: validate_text
