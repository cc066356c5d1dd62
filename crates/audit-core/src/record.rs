//! An upstream's own record, held small.
//!
//! The detail view and the JSON export show every field of the record an
//! upstream sent, as it was sent. Most of that text repeats what the event
//! already holds in its own fields (the account, the address, the
//! operation, the time) or what other records of the load say (field
//! names, a service, a user agent). So a record is kept as a *template*: its
//! compact JSON text with the strings that hold the event's own values left
//! out and marked, shared between the records of a load that are alike
//! but for those values. Which strings: those the decoder read the values
//! from (`Found`), or, for a record read any other way, every string
//! equal to one of them. The text is rebuilt, byte for byte, from the
//! template and the event whenever it is read.
//!
//! A mark is a byte JSON text never holds unescaped (0x01, a control
//! character) followed by a letter naming the value. A text that does hold
//! that byte (the privacy view's fallback for a record that was not JSON)
//! keeps it as a mark of its own.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::event::{same_bytes, AuditEvent, IdText, SharedText, TextSet};

const MARK: u8 = 0x01;
const ACTOR: u8 = b'A';
const ADDRESS: u8 = b'I';
const ACTION: u8 = b'C';
const TARGET: u8 = b'T';
const DETAIL: u8 = b'D';
/// The event's time, written as `format_iso` writes it.
const TIME: u8 = b'S';
/// The event's own id, without the source's prefix.
const OWN_ID: u8 = b'N';
/// The mark byte itself.
const LITERAL: u8 = b'x';

/// An upstream's record as a template over its event (see the module's
/// text). Two are equal when their templates are; cloning one is a
/// reference count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record(SharedText);

impl Record {
    /// A record rebuilt as `text` whatever its event holds: no marks.
    pub fn whole(text: &str) -> Self {
        Self(SharedText::from(escaped(text).as_ref()))
    }

    /// The record whose text is `json`, for `event`: `json` with every
    /// string equal to one of the event's values marked.
    pub fn of(json: &str, event: &AuditEvent) -> Self {
        let mut template = String::with_capacity(json.len());
        template_into(json, event, &mut template);
        Self(SharedText::from(template))
    }

    /// [`Record::of`], the template shared with every alike one
    /// `templates` holds.
    pub(crate) fn shared(json: &str, event: &AuditEvent, templates: &mut Templates) -> Self {
        let Templates { held, buffer } = templates;
        template_into(json, event, buffer);
        Self(held.held(buffer))
    }

    /// [`Record::shared`] for a record whose decoder says where in `json`
    /// it read the event's values (`found`: slices of `json` itself, each
    /// a whole string's text), so only those are marked and nothing is
    /// searched. With nothing found it is [`Record::shared`].
    ///
    /// `json` is JSON text that a parser read (or a serialiser wrote),
    /// as every decoder's record is: JSON never holds a control byte
    /// unescaped, so the mark byte is not in it and it is not searched for.
    pub(crate) fn shared_found(
        json: &str,
        event: &AuditEvent,
        found: &Found<'_>,
        templates: &mut Templates,
    ) -> Self {
        let bytes = json.as_bytes();
        debug_assert!(!bytes.contains(&MARK), "a record that is not JSON text");
        if found.count == 0 {
            return Self::shared(json, event, templates);
        }
        let base = json.as_ptr() as usize;
        let mut time = [0u8; 24];
        // (start, end, code) of each value to mark.
        let mut spans = [(0usize, 0usize, 0u8); FOUND];
        let mut marked = 0;
        for &(code, text) in &found.values[..found.count] {
            let Some(start) = (text.as_ptr() as usize).checked_sub(base) else {
                continue;
            };
            let end = start + text.len();
            let whole_string =
                start > 0 && end < bytes.len() && bytes[start - 1] == b'"' && bytes[end] == b'"';
            // A mark takes two bytes: shorter strings stay.
            let mut own = None;
            if whole_string
                && text.len() > 2
                && same_bytes(
                    value_of(code, event, &mut time, &mut own).as_bytes(),
                    text.as_bytes(),
                )
            {
                spans[marked] = (start, end, code);
                marked += 1;
            }
        }
        if marked == 0 {
            // Nothing where the decoder said (its texts were copies).
            return Self::shared(json, event, templates);
        }
        let spans = &mut spans[..marked];
        spans.sort_unstable_by_key(|span| span.0);
        let Templates { held, buffer } = templates;
        buffer.clear();
        let mut copied = 0;
        for &(start, end, code) in spans.iter() {
            if start < copied {
                continue;
            }
            buffer.push_str(&json[copied..start]);
            buffer.push(char::from(MARK));
            buffer.push(char::from(code));
            copied = end;
        }
        buffer.push_str(&json[copied..]);
        Self(held.held(buffer))
    }

    /// The record's text, given the event it belongs to.
    pub fn text<'a>(&'a self, event: &AuditEvent) -> Cow<'a, str> {
        let template = &*self.0;
        if !template.as_bytes().contains(&MARK) {
            return Cow::Borrowed(template);
        }
        let mut out = String::with_capacity(template.len() + 96);
        let mut time = [0u8; 24];
        let mut parts = template.split(char::from(MARK));
        out.push_str(parts.next().unwrap_or_default());
        for part in parts {
            let Some(&code) = part.as_bytes().first() else {
                continue;
            };
            let mut own = None;
            out.push_str(value_of(code, event, &mut time, &mut own));
            out.push_str(&part[1..]);
        }
        Cow::Owned(out)
    }

    /// The template itself, marks included (for tests and the memory
    /// benchmark, which counts each shared one once).
    pub fn template(&self) -> &str {
        &self.0
    }

    /// Whether two records share one template.
    pub fn shares_template(&self, other: &Record) -> bool {
        SharedText::ptr_eq(&self.0, &other.0)
    }
}

/// The templates of one load (or one answer), each held once.
#[derive(Default)]
pub(crate) struct Templates {
    held: TextSet,
    /// Where each record's template is written before it is looked up.
    buffer: String,
}

/// Where a decoder read an event's values in its record's text: up to
/// [`FOUND`] `(value, text)`, each text a slice of the record itself (a
/// value may stand in more than one field).
#[derive(Default)]
pub(crate) struct Found<'r> {
    values: [(u8, &'r str); FOUND],
    count: usize,
}

/// How many places in a record [`Found`] holds; past that, the rest stay
/// in the template as they are.
const FOUND: usize = 12;

/// Which of an event's values a place in its record holds.
#[derive(Clone, Copy)]
pub(crate) enum Field {
    Actor,
    Address,
    Action,
    Target,
    Detail,
    /// The time as written in the record (marked only when it is written
    /// as the event's time is).
    Time,
    /// An Octopai event's own id.
    OwnId,
}

impl Field {
    fn code(self) -> u8 {
        match self {
            Field::Actor => ACTOR,
            Field::Address => ADDRESS,
            Field::Action => ACTION,
            Field::Target => TARGET,
            Field::Detail => DETAIL,
            Field::Time => TIME,
            Field::OwnId => OWN_ID,
        }
    }
}

impl<'r> Found<'r> {
    /// The value `field` names was read from `text`, when it was read
    /// without a copy (a borrowed text is a slice of the record).
    pub(crate) fn add(&mut self, field: Field, text: Option<&Cow<'r, str>>) {
        if let (Some(Cow::Borrowed(text)), true) = (text, self.count < self.values.len()) {
            // A slice read twice (a source in `serviceValues` that is also
            // the target) is marked once.
            let held = self.values[..self.count]
                .iter()
                .any(|(_, held)| held.as_ptr() == text.as_ptr() && held.len() == text.len());
            if held {
                return;
            }
            self.values[self.count] = (field.code(), text);
            self.count += 1;
        }
    }
}

/// `event`'s value that `code` marks (`time` holds a written time).
fn value_of<'e>(
    code: u8,
    event: &'e AuditEvent,
    time: &'e mut [u8; 24],
    own: &'e mut Option<IdText<'e>>,
) -> &'e str {
    match code {
        ACTOR => &event.actor,
        ADDRESS => event.ip.as_deref().unwrap_or_default(),
        ACTION => &event.action,
        TARGET => event.target.as_deref().unwrap_or_default(),
        DETAIL => event.detail.as_deref().unwrap_or_default(),
        TIME => iso_millis(event.at, time),
        OWN_ID => {
            *own = event.id.own();
            own.as_deref().unwrap_or_default()
        }
        LITERAL => "\u{1}",
        _ => "",
    }
}

/// `text` with the mark byte marked as itself.
fn escaped(text: &str) -> Cow<'_, str> {
    if text.as_bytes().contains(&MARK) {
        Cow::Owned(text.replace('\u{1}', "\u{1}x"))
    } else {
        Cow::Borrowed(text)
    }
}

/// `json` with each string that equals one of `event`'s values (and holds
/// no escape, so its text is the value's) replaced by that value's mark,
/// written into `out` (emptied first).
fn template_into(json: &str, event: &AuditEvent, out: &mut String) {
    out.clear();
    let json = escaped(json);
    let mut time = [0u8; 24];
    let time = iso_millis(event.at, &mut time);
    let own_id = event.id.own();
    let own_id = own_id.as_deref();
    let values: [(u8, Option<&str>); 7] = [
        (TIME, Some(time)),
        (ACTOR, Some(&event.actor)),
        (ADDRESS, event.ip.as_deref()),
        (ACTION, Some(&event.action)),
        (TARGET, event.target.as_deref()),
        (DETAIL, event.detail.as_deref()),
        (OWN_ID, own_id),
    ];
    let bytes = json.as_bytes();
    // Copied to `out` up to here.
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'"' {
            at += 1;
            continue;
        }
        let start = at + 1;
        let mut end = start;
        let mut plain = true;
        while end < bytes.len() && bytes[end] != b'"' {
            match bytes[end] {
                b'\\' => {
                    plain = false;
                    end += 1;
                }
                // A mark of the text's own: the content is not a value's.
                MARK => plain = false,
                _ => {}
            }
            end += 1;
        }
        if end >= bytes.len() {
            break;
        }
        let content = &json[start..end];
        // A mark takes two bytes: shorter strings stay.
        if plain && content.len() > 2 {
            let found = values
                .iter()
                .find(|(_, value)| *value == Some(content))
                .map(|(code, _)| *code);
            if let Some(code) = found {
                out.push_str(&json[copied..start]);
                out.push(char::from(MARK));
                out.push(char::from(code));
                copied = end;
            }
        }
        at = end + 1;
    }
    out.push_str(&json[copied..]);
}

/// `at` as `format_iso` writes it (`2026-11-21T10:15:30.000Z`), written
/// into `buffer` without the formatting machinery; years outside
/// 0000-9999 the long way.
fn iso_millis(at: DateTime<Utc>, buffer: &mut [u8; 24]) -> &str {
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return "";
    }
    let millis = at.timestamp_subsec_millis().min(999);
    let fields = [
        (0, 4, year as u32),
        (5, 2, at.month()),
        (8, 2, at.day()),
        (11, 2, at.hour()),
        (14, 2, at.minute()),
        (17, 2, at.second()),
        (20, 3, millis),
    ];
    buffer.copy_from_slice(b"0000-00-00T00:00:00.000Z");
    for (from, width, mut value) in fields {
        for digit in buffer[from..from + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    std::str::from_utf8(buffer).unwrap_or_default()
}

#[cfg(test)]
mod tests;
