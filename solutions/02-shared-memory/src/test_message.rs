//! Self-checking messages: evidence that a mailbox's readers never see a torn message.
//!
//! `step02-msg flood` publishes numbered messages whose every byte follows from the number
//! written at their start; `step02-msg check` keeps reading the mailbox meanwhile and
//! checks each copy it gets. A torn copy, the start of one message with the rest of
//! another, fails the check: lengths vary from 40 bytes to the whole capacity, and the
//! filler bytes depend on the number.

use crate::mailbox::MAILBOX_CAPACITY;

/// The shortest test message; longer than any header.
const MIN_LEN: usize = 40;

/// The length of test message `index`: spread over 40..=4080 bytes, different for
/// neighbours.
fn length_of(index: u64) -> usize {
    let spread = (MAILBOX_CAPACITY - MIN_LEN + 1) as u64;
    MIN_LEN + (index.wrapping_mul(2_654_435_761) % spread) as usize
}

/// The filler byte at `position` of test message `index`: a letter.
fn filler(index: u64, position: usize) -> u8 {
    b'a' + ((index % 26 + (position % 26) as u64) % 26) as u8
}

/// The text of test message `index`: `test INDEX len LEN |` and then letters.
pub fn test_message(index: u64) -> Vec<u8> {
    let len = length_of(index);
    let mut text = format!("test {index} len {len} |").into_bytes();
    let header = text.len();
    text.extend((header..len).map(|position| filler(index, position)));
    text
}

/// Checks a copy read from a mailbox: `Ok(index)` if it is exactly test message `index`,
/// otherwise what is wrong with it.
pub fn check(text: &[u8]) -> Result<u64, String> {
    let preview = || text[..text.len().min(40)].escape_ascii().to_string();
    let header_end = text
        .iter()
        .position(|&byte| byte == b'|')
        .ok_or_else(|| format!("no test-message header in {:?}", preview()))?;
    let index = std::str::from_utf8(&text[..header_end])
        .ok()
        .and_then(|header| header.strip_prefix("test "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|index| index.parse::<u64>().ok())
        .ok_or_else(|| format!("garbled header in {:?}", preview()))?;
    let expected = test_message(index);
    if text.len() != expected.len() {
        return Err(format!(
            "test message {index} should be {} bytes, the copy has {}",
            expected.len(),
            text.len()
        ));
    }
    match text
        .iter()
        .zip(&expected)
        .position(|(got, want)| got != want)
    {
        None => Ok(index),
        Some(at) => Err(format!(
            "test message {index} differs at byte {at}: {:?} instead of {:?}",
            char::from(text[at]),
            char::from(expected[at])
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_check_out_and_fit() {
        for index in [0, 1, 2, 25, 26, 1000, u64::MAX] {
            let text = test_message(index);
            assert!(text.len() >= MIN_LEN && text.len() <= MAILBOX_CAPACITY);
            assert_eq!(check(&text), Ok(index));
        }
    }

    #[test]
    fn a_torn_copy_is_caught() {
        let (old, new) = (test_message(7), test_message(8));
        // The start of the new message with the rest of the old one, cut at the old length.
        let mut torn = new[..20.min(new.len())].to_vec();
        torn.extend_from_slice(&old[20..]);
        assert!(check(&torn).is_err());
        assert!(check(&new[..new.len() - 1]).is_err());
        assert!(check(b"hello").is_err());
    }
}
