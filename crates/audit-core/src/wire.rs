//! Helpers shared by the decoders of both APIs: case-insensitive field
//! lookup, the one error type a malformed answer turns into, and what the
//! loads' direct decoders read answers with (borrowed [`Text`], a [`Scan`]
//! one value at a time, records [`compact`]ed).

use serde_json::{Map, Value};
use std::fmt;

/// An upstream answer that could not be understood. The message says what was
/// expected and what arrived, so the user (and the log) can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub message: String,
}

impl WireError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WireError {}

/// Looks a field up by any of `names`, ignoring ASCII case, so that
/// `userName`, `UserName` and `username` are all found.
pub(crate) fn field<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|wanted| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    })
}

/// A field as text: strings as they are, numbers and booleans printed.
pub(crate) fn text_field(object: &Map<String, Value>, names: &[&str]) -> Option<String> {
    match field(object, names)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Describes a JSON value's kind for error messages ("a string", "an array").
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses JSON text, turning serde's error into a [`WireError`] that names
/// which answer was malformed.
pub(crate) fn parse_json(what: &str, body: &str) -> Result<Value, WireError> {
    serde_json::from_str(body).map_err(|error| {
        let hint = if body.trim_start().starts_with('<') {
            " (it looks like HTML, not JSON)"
        } else {
            ""
        };
        WireError::new(format!("{what} is not valid JSON{hint}: {error}"))
    })
}

/// A JSON string borrowed from the answer where it holds no escapes, for
/// keys and for values that are only checked to be text. Anything but a
/// string is refused, as `String` would be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Text<'a>(pub std::borrow::Cow<'a, str>);

impl<'a> Text<'a> {
    pub fn into_cow(self) -> std::borrow::Cow<'a, str> {
        self.0
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(text.to_owned())))
            }

            fn visit_string<E>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(std::borrow::Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A JSON text read one value at a time, for the loads' decoders: each
/// record is decoded once, straight into what is kept, with its own text
/// beside it (no first pass to cut the records out).
pub(crate) struct Scan<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scan<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text, at: 0 }
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.text.as_bytes()[self.at.min(self.text.len())..];
        self.at += rest
            .iter()
            .take_while(|byte| matches!(byte, b' ' | b'\n' | b'\r' | b'\t'))
            .count();
    }

    /// Whether `byte` comes next (after whitespace); if so, past it.
    pub fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.text.as_bytes().get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    /// The value here decoded as `T`, with its text; none if it is not one.
    pub fn value<T: serde::Deserialize<'a>>(&mut self) -> Option<(T, &'a str)> {
        self.skip_whitespace();
        let rest = self.text.get(self.at..)?;
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        let value = values.next()?.ok()?;
        let length = values.byte_offset();
        self.at += length;
        Some((value, rest.get(..length)?))
    }

    /// Reads the members of the array or object the scan is at (`open` and
    /// `close` its brackets) with `member`, checking the commas between
    /// them; none if the list is not well formed or a member is refused.
    pub fn members(
        &mut self,
        open: u8,
        close: u8,
        mut member: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if !self.eat(open) {
            return None;
        }
        if self.eat(close) {
            return Some(());
        }
        loop {
            member(self)?;
            if self.eat(close) {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// Reads the members of the object the scan is at with `member`, given
    /// each key with the scan past its colon, at the value.
    pub fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Text<'a>) -> Option<()>,
    ) -> Option<()> {
        self.members(b'{', b'}', |scan| {
            let (key, _) = scan.value::<Text>()?;
            if !scan.eat(b':') {
                return None;
            }
            member(scan, key)
        })
    }

    /// Whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.skip_whitespace();
        self.at >= self.text.len()
    }
}

/// A record's JSON text as received, without the whitespace between its
/// tokens: what events keep as their raw record (and hash for identity),
/// with no second serialisation. A compact answer is copied as it is.
pub(crate) fn compact(json: &str) -> std::borrow::Cow<'_, str> {
    let Some(first) = whitespace_between_tokens(json, 0) else {
        // Already compact (as the simulated upstream writes): no copy.
        return std::borrow::Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len());
    out.push_str(&json[..first]);
    let mut from = first + 1;
    while let Some(at) = whitespace_between_tokens(json, from) {
        out.push_str(&json[from..at]);
        from = at + 1;
    }
    out.push_str(&json[from..]);
    std::borrow::Cow::Owned(out)
}

/// The first whitespace byte at or after `from` that is outside every
/// string, `from` being outside one. Strings are skipped in a tight loop
/// that only looks for their closing quote.
fn whitespace_between_tokens(json: &str, from: usize) -> Option<usize> {
    let bytes = json.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\n' | b'\r' | b'\t' => return Some(at),
            b'"' => at = string_end(json, at + 1)?,
            _ => at += 1,
        }
    }
    None
}

/// Just past the quote closing the string whose text starts at `from`.
/// Eight bytes are looked at in a step for a quote or a backslash.
fn string_end(json: &str, from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of the first byte of `word` that is zero, and maybe
    // of later ones (the lowest is exact, which is all that is read).
    let zero_bytes = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let bytes = json.as_bytes();
    let mut at = from;
    loop {
        while let Some(eight) = bytes.get(at..at + 8) {
            let word = u64::from_le_bytes(eight.try_into().ok()?);
            let found = zero_bytes(word ^ (ONES * u64::from(b'"')))
                | zero_bytes(word ^ (ONES * u64::from(b'\\')));
            if found != 0 {
                at += found.trailing_zeros() as usize / 8;
                break;
            }
            at += 8;
        }
        match *bytes.get(at)? {
            b'"' => return Some(at + 1),
            // An escape: the next byte is never the end.
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_drops_whitespace_between_tokens_only() {
        let compact = |json| compact(json).to_string();
        assert_eq!(
            compact("{ \"a b\" : [ 1 ,\n\t2 ] , \"c\":\"x \\\" y\" }"),
            "{\"a b\":[1,2],\"c\":\"x \\\" y\"}"
        );
        assert_eq!(compact("{\"é\":\"ü  \\\\\"}"), "{\"é\":\"ü  \\\\\"}");
        assert_eq!(compact("{\"a\":1} "), "{\"a\":1}");
        assert_eq!(
            compact("[\"\\\\\", \"\\\\\\\" \"]"),
            "[\"\\\\\",\"\\\\\\\" \"]"
        );
        assert_eq!(compact("\"unterminated "), "\"unterminated ");
    }

    #[test]
    fn strings_end_where_a_byte_at_a_time_says() {
        let by_bytes = |json: &str, from: usize| {
            let bytes = json.as_bytes();
            let mut at = from;
            while at < bytes.len() {
                match bytes[at] {
                    b'"' => return Some(at + 1),
                    b'\\' => at += 2,
                    _ => at += 1,
                }
            }
            None
        };
        // Quotes, escapes and multi-byte letters at every offset from an
        // eight-byte step, and strings left open.
        let pieces = ["a", "\\\"", "\\\\", "é", "\"", " ", "\\", "ü€"];
        for seed in 0..2000usize {
            let json: String = (0..(seed % 29))
                .map(|at| pieces[(seed * 7 + at * at * 3 + at) % pieces.len()])
                .collect();
            for from in (0..=json.len()).filter(|at| json.is_char_boundary(*at)) {
                assert_eq!(
                    string_end(&json, from),
                    by_bytes(&json, from),
                    "{json:?} from {from}"
                );
            }
        }
    }

    #[test]
    fn a_scan_gives_each_value_with_its_text() {
        let mut scan = Scan::new(" [ {\"a\": [1, 2]} , \"x\" ] ");
        assert!(scan.eat(b'['));
        let (first, text) = scan.value::<serde_json::Value>().unwrap();
        assert_eq!((first["a"][1].as_u64(), text), (Some(2), "{\"a\": [1, 2]}"));
        assert!(scan.eat(b','));
        assert_eq!(scan.value::<Text>().unwrap().1, "\"x\"");
        assert!(!scan.eat(b','));
        assert!(scan.eat(b']') && scan.at_end());
        assert!(Scan::new("{").value::<serde_json::Value>().is_none());
    }

    #[test]
    fn text_borrows_plain_strings_and_refuses_other_kinds() {
        let plain: Text = serde_json::from_str("\"abc\"").unwrap();
        assert!(matches!(plain.0, std::borrow::Cow::Borrowed("abc")));
        let escaped: Text = serde_json::from_str("\"a\\nb\"").unwrap();
        assert_eq!(escaped.0, "a\nb");
        assert!(serde_json::from_str::<Text>("17").is_err());
    }
}
