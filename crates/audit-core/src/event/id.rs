//! An event's identity, held as a number where its text is one.
//!
//! Every Cloudera Manager audit (and every Octopai event without an id of
//! its own) is known by a hash of its record, written `cm:` or `oct:` and
//! sixteen hex digits; Octopai events with a numeric id are `oct:` and that
//! number. Held as text, each id was an allocation of its own (about 32
//! bytes an event with its counters, and one allocation an event while
//! decoding); held as the number, it is 12 bytes in the event and nothing
//! else. The text is written when asked for, and is exactly what it was:
//! exports, links and flags name events as before.
//!
//! One text has one form: [`EventId::new`] picks the number whenever the
//! text is one written that way, so two ids are equal, hash alike and
//! order alike exactly when their texts do.

use std::cmp::Ordering;
use std::fmt;

const OCTOPAI: &str = "oct:";
const CLOUDERA: &str = "cm:";

/// The longest text a number is written as: `oct:` and 20 digits.
const LONGEST: usize = 24;

/// A u64 as two halves, so an id is aligned as its texts are (12 bytes in
/// an event on wasm32, not 16).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Halves(u32, u32);

impl Halves {
    fn of(value: u64) -> Self {
        Self((value >> 32) as u32, value as u32)
    }

    fn value(self) -> u64 {
        (u64::from(self.0) << 32) | u64::from(self.1)
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `oct:` and the number in decimal, without leading zeros.
    Numbered(Halves),
    /// `oct:` and the number as 16 lower-case hex digits.
    OctopaiHash(Halves),
    /// `cm:` and the number as 16 lower-case hex digits.
    ClouderaHash(Halves),
    /// Any other text.
    Text(crate::event::SharedText),
}

/// The identity of an event: stable across pages and loads, used to drop
/// duplicates, to name an event in a link or a flag, and in exports.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EventId(Repr);

impl EventId {
    /// The id whose text is `text`.
    pub fn new(text: &str) -> Self {
        if let Some(rest) = text.strip_prefix(OCTOPAI) {
            if let Some(number) = decimal(rest) {
                return Self(Repr::Numbered(Halves::of(number)));
            }
            if let Some(hash) = hex16(rest) {
                return Self(Repr::OctopaiHash(Halves::of(hash)));
            }
        } else if let Some(hash) = text.strip_prefix(CLOUDERA).and_then(hex16) {
            return Self(Repr::ClouderaHash(Halves::of(hash)));
        }
        Self(Repr::Text(crate::event::SharedText::from(text)))
    }

    /// An Octopai event's id from its own: `oct:` and that.
    pub fn octopai(own: &str) -> Self {
        match decimal(own) {
            Some(number) => Self(Repr::Numbered(Halves::of(number))),
            None => Self::new(&format!("{OCTOPAI}{own}")),
        }
    }

    /// `oct:` and `hash` as 16 hex digits (an Octopai event without an id).
    pub fn octopai_hash(hash: u64) -> Self {
        // Sixteen hex digits that are all decimal, without a leading zero,
        // are also how that decimal number is written: one form for both.
        let id = Self(Repr::OctopaiHash(Halves::of(hash)));
        match decimal(&id.text()[OCTOPAI.len()..]) {
            Some(number) => Self(Repr::Numbered(Halves::of(number))),
            None => id,
        }
    }

    /// `cm:` and `hash` as 16 hex digits (a Cloudera Manager audit).
    pub fn cloudera_hash(hash: u64) -> Self {
        Self(Repr::ClouderaHash(Halves::of(hash)))
    }

    /// A 64-bit hash of the id for tables keyed by it alone: equal ids
    /// hash alike (one text has one form), and a number is mixed in one
    /// multiplication rather than hashed a byte at a time (a load looks
    /// up every event's id, and a growing table hashes each again).
    pub fn quick_hash(&self) -> u64 {
        let (tag, value) = match &self.0 {
            Repr::Numbered(number) => (1, number.value()),
            Repr::OctopaiHash(hash) => (2, hash.value()),
            Repr::ClouderaHash(hash) => (3, hash.value()),
            Repr::Text(text) => (4, crate::event::fnv1a(text.as_bytes())),
        };
        // A multiplication carries the low bits up; folding the high half
        // back down spreads them into the low bits a table indexes by.
        let mixed = (value ^ tag).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        mixed ^ (mixed >> 29)
    }

    /// The id's text.
    pub fn text(&self) -> IdText<'_> {
        let (prefix, number, hex) = match &self.0 {
            Repr::Text(text) => return IdText(Written::Shared(text)),
            Repr::Numbered(number) => (OCTOPAI, number.value(), false),
            Repr::OctopaiHash(hash) => (OCTOPAI, hash.value(), true),
            Repr::ClouderaHash(hash) => (CLOUDERA, hash.value(), true),
        };
        let mut bytes = [0u8; LONGEST];
        bytes[..prefix.len()].copy_from_slice(prefix.as_bytes());
        let len = if hex {
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            for (at, digit) in bytes[prefix.len()..prefix.len() + 16]
                .iter_mut()
                .enumerate()
            {
                *digit = DIGITS[((number >> ((15 - at) * 4)) & 0xf) as usize];
            }
            prefix.len() + 16
        } else {
            let mut digits = [0u8; 20];
            let mut count = 0;
            let mut rest = number;
            loop {
                digits[count] = b'0' + (rest % 10) as u8;
                count += 1;
                rest /= 10;
                if rest == 0 {
                    break;
                }
            }
            for (at, digit) in digits[..count].iter().rev().enumerate() {
                bytes[prefix.len() + at] = *digit;
            }
            prefix.len() + count
        };
        IdText(Written::Here(bytes, len as u8))
    }

    /// The upstream's own id, when the event had one: what follows `oct:`
    /// in an Octopai event's id that is not a hash of its record.
    pub fn own(&self) -> Option<IdText<'_>> {
        match &self.0 {
            Repr::Numbered(_) => Some(self.text().after(OCTOPAI.len())),
            Repr::Text(text) => text
                .strip_prefix(OCTOPAI)
                .map(|own| IdText(Written::Shared(own))),
            Repr::OctopaiHash(_) | Repr::ClouderaHash(_) => None,
        }
    }
}

impl From<&str> for EventId {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

/// `text` as a number written in decimal without leading zeros.
fn decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= 20
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// `text` as exactly 16 lower-case hex digits.
fn hex16(text: &str) -> Option<u64> {
    let canonical =
        text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    canonical
        .then(|| u64::from_str_radix(text, 16).ok())
        .flatten()
}

/// An id's text: written on the stack when the id is a number.
pub struct IdText<'a>(Written<'a>);

enum Written<'a> {
    Shared(&'a str),
    Here([u8; LONGEST], u8),
}

impl IdText<'_> {
    /// The text from byte `from` on.
    fn after(self, from: usize) -> Self {
        match self.0 {
            Written::Shared(text) => IdText(Written::Shared(&text[from..])),
            Written::Here(bytes, len) => {
                let mut moved = [0u8; LONGEST];
                let len = usize::from(len);
                moved[..len - from].copy_from_slice(&bytes[from..len]);
                IdText(Written::Here(moved, (len - from) as u8))
            }
        }
    }
}

impl std::ops::Deref for IdText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            Written::Shared(text) => text,
            // Only ASCII is ever written here.
            Written::Here(bytes, len) => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
        }
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

/// Ordered as their texts are.
impl Ord for EventId {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            // Same form and prefix: the numbers' order is the texts'.
            (Repr::OctopaiHash(a), Repr::OctopaiHash(b))
            | (Repr::ClouderaHash(a), Repr::ClouderaHash(b)) => a.value().cmp(&b.value()),
            (Repr::Text(a), Repr::Text(b)) => a.cmp(b),
            _ => self.text().cmp(&other.text()),
        }
    }
}

impl PartialOrd for EventId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq<str> for EventId {
    fn eq(&self, other: &str) -> bool {
        *self.text() == *other
    }
}

impl PartialEq<&str> for EventId {
    fn eq(&self, other: &&str) -> bool {
        *self.text() == **other
    }
}

impl serde::Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

impl<'de> serde::Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::new(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_reads_back_as_written() {
        for text in [
            "oct:17",
            "oct:0",
            "oct:007",
            "oct:18446744073709551615",
            "oct:18446744073709551616",
            "oct:00000000deadbeef",
            "oct:1234567890123456",
            "oct:0123456789012345",
            "cm:00000000deadbeef",
            "cm:0123456789ABCDEF",
            "cm:123",
            "oct:",
            "oct:-1",
            "e17",
            "",
            "ünïcode",
        ] {
            let id = EventId::new(text);
            assert_eq!(&*id.text(), text);
            assert_eq!(id.to_string(), text);
            assert_eq!(id, *text);
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, serde_json::to_string(text).unwrap());
            assert_eq!(serde_json::from_str::<EventId>(&json).unwrap(), id);
        }
    }

    #[test]
    fn numbers_are_held_as_numbers() {
        assert!(matches!(EventId::new("oct:17").0, Repr::Numbered(_)));
        assert!(matches!(
            EventId::new("cm:00000000deadbeef").0,
            Repr::ClouderaHash(_)
        ));
        assert!(matches!(
            EventId::new("oct:00000000deadbeef").0,
            Repr::OctopaiHash(_)
        ));
        // Leading zeros, upper-case hex, or too long: text, as given.
        assert!(matches!(EventId::new("oct:007").0, Repr::Text(_)));
        assert!(matches!(
            EventId::new("cm:0123456789ABCDEF").0,
            Repr::Text(_)
        ));
        assert!(matches!(
            EventId::new("oct:18446744073709551616").0,
            Repr::Text(_)
        ));
        assert_eq!(std::mem::size_of::<Halves>(), 8);
    }

    #[test]
    fn one_text_one_form() {
        // Made any way, equal texts are equal ids with equal hashes.
        let hash = |id: &EventId| {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            id.hash(&mut hasher);
            hasher.finish()
        };
        let pairs = [
            (EventId::octopai("17"), EventId::new("oct:17")),
            (EventId::octopai("007"), EventId::new("oct:007")),
            (EventId::octopai("x-1"), EventId::new("oct:x-1")),
            (
                EventId::octopai_hash(0xdead_beef),
                EventId::new("oct:00000000deadbeef"),
            ),
            // Sixteen hex digits that read as a decimal number.
            (
                EventId::octopai_hash(0x1234_5678_9012_3456),
                EventId::new("oct:1234567890123456"),
            ),
            (
                EventId::cloudera_hash(u64::MAX),
                EventId::new("cm:ffffffffffffffff"),
            ),
        ];
        for (made, read) in pairs {
            assert_eq!(made, read);
            assert_eq!(hash(&made), hash(&read));
            assert_eq!(made.to_string(), read.to_string());
        }
    }

    #[test]
    fn ordered_as_their_texts() {
        let texts = [
            "oct:2",
            "oct:17",
            "oct:10",
            "oct:00000000deadbeef",
            "oct:ffffffffffffffff",
            "cm:0000000000000001",
            "cm:0000000000000010",
            "cm:x",
            "e1",
            "oct:007",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(
                    EventId::new(a).cmp(&EventId::new(b)),
                    a.cmp(b),
                    "{a} against {b}"
                );
            }
        }
    }

    #[test]
    fn equal_ids_hash_alike_and_numbers_spread() {
        let alike = [
            (EventId::new("oct:17"), EventId::octopai("17")),
            (
                EventId::new("cm:00000000000000ff"),
                EventId::cloudera_hash(255),
            ),
            (
                EventId::new("oct:00000000000000ff"),
                EventId::octopai_hash(255),
            ),
            (EventId::new("e1"), EventId::from("e1")),
        ];
        for (a, b) in &alike {
            assert_eq!(a, b);
            assert_eq!(a.quick_hash(), b.quick_hash(), "{}", &*a.text());
        }
        // The same number in another form is another id, hashed apart.
        let forms = [
            EventId::octopai("255"),
            EventId::octopai_hash(255),
            EventId::cloudera_hash(255),
        ];
        for (at, a) in forms.iter().enumerate() {
            for b in &forms[at + 1..] {
                assert_ne!(a.quick_hash(), b.quick_hash());
            }
        }
        // Consecutive numbers (Octopai's own ids) land in different slots
        // of a small table and differ in the top bits a table compares.
        let hashes: Vec<u64> = (1..=64u64)
            .map(|n| EventId::octopai(&n.to_string()).quick_hash())
            .collect();
        let slots: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 127).collect();
        let tops: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(
            slots.len() > 40 && tops.len() > 40,
            "{} slots, {} tops",
            slots.len(),
            tops.len()
        );
    }

    #[test]
    fn own_ids() {
        assert_eq!(EventId::new("oct:17").own().as_deref(), Some("17"));
        assert_eq!(EventId::new("oct:a-b").own().as_deref(), Some("a-b"));
        assert_eq!(EventId::octopai_hash(7).own().as_deref(), None);
        assert_eq!(EventId::cloudera_hash(7).own().as_deref(), None);
        assert_eq!(EventId::new("e1").own().as_deref(), None);
    }
}
