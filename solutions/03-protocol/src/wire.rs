//! The byte-level encoding: little-endian integers and length-prefixed UTF-8 strings.
//!
//! [`Writer`] appends fields to a buffer; [`Reader`] takes them off the front of a received
//! message and turns every way the bytes can be wrong into a [`DecodeError`] naming the
//! field: it never indexes past the end and never panics.

use crate::message::DecodeError;

/// Builds a message, field by field.
#[derive(Debug, Default)]
pub struct Writer {
    /// The bytes written so far.
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty message.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Appends one byte.
    pub fn u8(&mut self, value: u8) -> &mut Writer {
        self.bytes.push(value);
        self
    }

    /// Appends a little-endian `u16`.
    pub fn u16(&mut self, value: u16) -> &mut Writer {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// Appends a little-endian `i32`.
    pub fn i32(&mut self, value: i32) -> &mut Writer {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// Appends a little-endian `i64`.
    pub fn i64(&mut self, value: i64) -> &mut Writer {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// Appends a string of at most 255 bytes, after a one-byte length.
    ///
    /// # Panics
    ///
    /// If `value` is longer: callers pass a validated [`Name`](crate::Name) (at most 16
    /// bytes), so a longer one is a bug in this crate, not bad input.
    pub fn short_str(&mut self, value: &str) -> &mut Writer {
        let len = u8::try_from(value.len()).expect("short strings (names) are at most 255 bytes");
        self.u8(len);
        self.bytes.extend_from_slice(value.as_bytes());
        self
    }

    /// Appends a string of at most 65535 bytes, after a two-byte length.
    ///
    /// # Panics
    ///
    /// If `value` is longer: callers pass a validated [`Text`](crate::Text) or a text cut
    /// to `TEXT_MAX` (472 bytes), so a longer one is a bug in this crate, not bad input.
    pub fn long_str(&mut self, value: &str) -> &mut Writer {
        let len = u16::try_from(value.len()).expect("long strings (texts) are at most 65535 bytes");
        self.u16(len);
        self.bytes.extend_from_slice(value.as_bytes());
        self
    }

    /// The finished message.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

/// Takes fields off the front of a received message.
#[derive(Debug)]
pub struct Reader<'a> {
    /// What is left to read.
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over a whole message.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    // ANCHOR: reader_take
    /// Takes `n` bytes, or fails naming `field`.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(DecodeError::Truncated {
                field,
                needed: n,
                available: self.rest.len(),
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    // ANCHOR_END: reader_take

    /// Takes `N` bytes as an array.
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, field)?;
        let mut array = [0; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }

    /// Takes one byte.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Takes a little-endian `u16`.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    /// Takes a little-endian `i32`.
    pub fn i32(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.array(field)?))
    }

    /// Takes a little-endian `i64`.
    pub fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(field)?))
    }

    /// Takes a string written by [`Writer::short_str`].
    pub fn short_str(&mut self, field: &'static str) -> Result<&'a str, DecodeError> {
        let len = self.u8(field)?;
        self.utf8(usize::from(len), field)
    }

    /// Takes a string written by [`Writer::long_str`].
    pub fn long_str(&mut self, field: &'static str) -> Result<&'a str, DecodeError> {
        let len = self.u16(field)?;
        self.utf8(usize::from(len), field)
    }

    /// Takes `len` bytes that must be UTF-8.
    fn utf8(&mut self, len: usize, field: &'static str) -> Result<&'a str, DecodeError> {
        let bytes = self.take(len, field)?;
        std::str::from_utf8(bytes).map_err(|_| DecodeError::BadUtf8 { field })
    }

    // ANCHOR: reader_finish
    /// Succeeds only if every byte was read: extra bytes mean a wrong length field or a
    /// message of another kind.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.rest.len() {
            0 => Ok(()),
            extra => Err(DecodeError::TrailingBytes(extra)),
        }
    }
    // ANCHOR_END: reader_finish
}
