//! Checks that an upstream answer is well-formed JSON without building
//! anything from it.
//!
//! The gateway passes audit pages on as they came, but must not pass on a
//! truncated or garbled one as if it were data (the app retries
//! `upstream_malformed`). Deserialising into `serde::de::IgnoredAny` did
//! that check at about half the gateway's CPU time under load (a profile of
//! 1,000-audit pages); this scanner accepts exactly the same texts (RFC 8259
//! as serde_json skips a value, which leaves the UTF-8 inside strings
//! unchecked; a property test compares the two) and finds the end of each
//! string eight bytes at a step.

/// Where a text stops being JSON, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Byte offset of the problem.
    pub offset: usize,
    pub what: &'static str,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

/// `Ok` when `bytes` is one JSON value, surrounded only by whitespace.
pub fn validate(bytes: &[u8]) -> Result<(), Invalid> {
    // Like serde_json skipping a value, bytes inside strings are not checked
    // for UTF-8: the app reads the text lossily, as it did before.
    let mut scanner = Scanner { bytes, at: 0 };
    scanner.value()?;
    scanner.whitespace();
    if scanner.at != bytes.len() {
        return Err(scanner.fail("trailing characters"));
    }
    Ok(())
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn fail(&self, what: &'static str) -> Invalid {
        Invalid {
            offset: self.at,
            what,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// One value and everything nested in it, with an explicit stack of
    /// open containers (`[` or `{`), so no nesting depth can overflow ours.
    fn value(&mut self) -> Result<(), Invalid> {
        let mut open: Vec<u8> = Vec::new();
        'value: loop {
            self.whitespace();
            match self.peek() {
                None => return Err(self.fail("EOF while parsing a value")),
                Some(b'{') => {
                    self.at += 1;
                    self.whitespace();
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                    } else {
                        open.push(b'{');
                        self.key()?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    self.whitespace();
                    if self.peek() == Some(b']') {
                        self.at += 1;
                    } else {
                        open.push(b'[');
                        continue 'value;
                    }
                }
                Some(b'"') => self.string()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return Err(self.fail("expected a value")),
            }
            // A value ended: close what it ends, or go on to the next one.
            loop {
                self.whitespace();
                let Some(&container) = open.last() else {
                    return Ok(());
                };
                let close = if container == b'[' { b']' } else { b'}' };
                match self.peek() {
                    Some(b',') => {
                        self.at += 1;
                        if container == b'{' {
                            self.whitespace();
                            self.key()?;
                        }
                        continue 'value;
                    }
                    Some(byte) if byte == close => {
                        self.at += 1;
                        open.pop();
                    }
                    None if container == b'[' => return Err(self.fail("EOF while parsing a list")),
                    None => return Err(self.fail("EOF while parsing an object")),
                    Some(_) if container == b'[' => return Err(self.fail("expected `,` or `]`")),
                    Some(_) => return Err(self.fail("expected `,` or `}`")),
                }
            }
        }
    }

    /// An object's key and its colon.
    fn key(&mut self) -> Result<(), Invalid> {
        match self.peek() {
            Some(b'"') => self.string()?,
            None => return Err(self.fail("EOF while parsing an object")),
            Some(_) => return Err(self.fail("expected a key")),
        }
        self.whitespace();
        if self.peek() != Some(b':') {
            return Err(self.fail("expected `:`"));
        }
        self.at += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Invalid> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.fail("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<(), Invalid> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.fail("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.fail("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.fail("invalid number"));
            }
        }
        Ok(())
    }

    fn string(&mut self) -> Result<(), Invalid> {
        self.at += 1; // the opening quote
        loop {
            self.at = plain_run_end(self.bytes, self.at);
            match self.peek() {
                None => return Err(self.fail("EOF while parsing a string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => self.at += 1,
                Some(_) => return Err(self.fail("control character in a string")),
            }
            match self.peek() {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 1,
                Some(b'u') => {
                    let hex = self.bytes.get(self.at + 1..self.at + 5);
                    if !hex.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                        return Err(self.fail("invalid unicode escape"));
                    }
                    self.at += 5;
                }
                _ => return Err(self.fail("invalid escape")),
            }
        }
    }
}

/// Where the plain text of a string that goes on at `from` stops: the first
/// quote, backslash or control character from there (or the end of
/// `bytes`). Eight bytes are looked at in a step, in one pass: a profile of
/// 1,000-audit pages had the gateway spend half its time in `memchr2` calls
/// over short strings and a second pass over each for control characters.
/// (The app's decoders step alike through a record's strings, in
/// `audit_core`, for a quote or a backslash only: they leave control
/// characters to the parser, and looking for them too made their decoding
/// 2-6% slower natively.)
fn plain_run_end(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `word` below `limit` (at most 0x80):
    // exact for the lowest such byte, which is all that is read (a borrow
    // can only mark bytes above one that is marked rightly).
    let below = |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGHS;
    let rest = bytes.get(from..).unwrap_or_default();
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in chunks.by_ref() {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        let found = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if found != 0 {
            return at + found.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let tail = chunks.remainder();
    at + tail
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(tail.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde_accepts(bytes: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    }

    #[test]
    fn it_agrees_with_serde_json_on_chosen_texts() {
        for text in [
            "{}",
            "[]",
            "0",
            "-0",
            "-0.5e+10",
            "1E5",
            "\"\"",
            "true",
            " null ",
            "[1,2,[3,{}]]",
            r#"{"a":"\u00e9\n\"","b":[true,false,null]}"#,
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "{1:2}",
            "[\"\t\"]",
            "\"\\x\"",
            "\"\\u12g4\"",
            "tru",
            "nul",
            "[1 2]",
            "{} {}",
            "",
            "   ",
            "\"unterminated",
            "[",
            "{\"a\":",
            "\"\\ud800\"",
            "1 ",
            "\u{feff}1",
            "NaN",
            "[1e400]",
            "\"caf\u{e9}\"",
        ] {
            assert_eq!(
                validate(text.as_bytes()).is_ok(),
                serde_accepts(text.as_bytes()),
                "{text:?}"
            );
        }
        assert_eq!(validate(b"\"\xff\"").is_ok(), serde_accepts(b"\"\xff\""));
        // Any depth, without recursion (an upstream chooses it).
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            validate(deep.as_bytes()).is_ok(),
            serde_accepts(deep.as_bytes())
        );
        assert!(validate(&deep.as_bytes()[..deep.len() - 1]).is_err());
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(".{0,6}", inner, 0..6)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn every_byte_of_a_long_string_is_looked_at() {
        // Quotes, backslashes and control characters at every position of
        // strings longer and shorter than a step of eight bytes, beside
        // bytes of multi-byte characters (high bits set).
        for length in 0..24 {
            for at in 0..length {
                for byte in [b'"', b'\\', 0x00, 0x1f, b'\n', 0x7f, 0xc3, 0xa9, b' ', b'a'] {
                    let mut text = b"[\"".to_vec();
                    let mut inner = vec![b'x'; length];
                    inner[at] = byte;
                    text.extend(&inner);
                    text.extend(br#"",1]"#);
                    assert_eq!(
                        validate(&text).is_ok(),
                        serde_accepts(&text),
                        "{:?}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn it_agrees_with_serde_json_on_damaged_documents(
            value in json_value(),
            pretty in any::<bool>(),
            cut in any::<prop::sample::Index>(),
            spot in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            damage in 0..4u8,
        ) {
            let mut text = if pretty {
                serde_json::to_vec_pretty(&value).unwrap()
            } else {
                serde_json::to_vec(&value).unwrap()
            };
            prop_assert!(validate(&text).is_ok());
            match damage {
                0 => text.truncate(cut.index(text.len() + 1)),
                1 => { let at = spot.index(text.len()); text[at] = byte; }
                2 => text.insert(spot.index(text.len() + 1), byte),
                _ => { text.remove(spot.index(text.len())); }
            }
            prop_assert_eq!(validate(&text).is_ok(), serde_accepts(&text), "{:?}", String::from_utf8_lossy(&text));
        }
    }
}
