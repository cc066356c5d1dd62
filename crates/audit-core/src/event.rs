//! The unified audit event both sources map into (the two mappings are in
//! `mapping`), and the shared lists of events the views pass on (`Rows`).
//!
//! The table, the charts and the detections only ever see [`AuditEvent`];
//! what each upstream called things stays in the event's [`Record`] for the
//! detail view and the JSON export.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::record::Record;

/// A text events share: one pointer (4 bytes on wasm32), its length and
/// count beside its bytes, so an event's texts cost half what fat
/// pointers would. Reads as `&str`; a clone is a count.
pub type SharedText = arcstr::ArcStr;

mod chunks;
mod id;
mod mapping;
mod rows;
mod slide;
mod texts;
pub use chunks::Chunks;
pub use id::{EventId, IdText};
pub use mapping::Interner;
pub(crate) use mapping::{audit_event, octopai_event, AuditParts, OctopaiParts};
pub use rows::{newest_first, Events, Rows};
pub use slide::Slid;
pub(crate) use texts::{same_bytes, TextSet};

/// Which upstream an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Source {
    Octopai,
    ClouderaManager,
}

impl Source {
    pub const ALL: [Source; 2] = [Source::Octopai, Source::ClouderaManager];

    pub fn label(self) -> &'static str {
        match self {
            Source::Octopai => "Octopai",
            Source::ClouderaManager => "Cloudera Manager",
        }
    }

    /// The short name used on the wire (error bodies, URLs, exports).
    pub fn id(self) -> &'static str {
        match self {
            Source::Octopai => "octopai",
            Source::ClouderaManager => "cloudera",
        }
    }
}

/// What kind of thing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    Login,
    Logout,
    PageLoad,
    Operation,
}

/// How it ended. Logins and page loads succeed or fail; operations are
/// allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Succeeded,
    Failed,
    Allowed,
    Denied,
    Unknown,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Denied)
    }
}

/// One audit event from either source. Its texts are shared, not owned:
/// a copy of an event (into a merged or narrowed list) costs reference
/// counts, not allocations, and equal texts decoded from one page (a
/// service, a command, an account) are held once.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Stable identity used to drop duplicates across pages.
    pub id: EventId,
    pub source: Source,
    pub at: DateTime<Utc>,
    /// The acting user (Octopai e-mail or Cloudera Manager user name).
    pub actor: SharedText,
    pub ip: Option<SharedText>,
    pub kind: EventKind,
    /// The upstream's name for what happened (`LoginFailed`, `QUERY`, ...).
    pub action: SharedText,
    /// Cloudera Manager's service the audit came from (`hive1`); none for
    /// Octopai.
    pub service: Option<SharedText>,
    /// For a Cloudera Manager audit, whether `target` is the source
    /// resource it names (`serviceValues`' `src` or `source`), which the
    /// `source` selector reads, rather than a resource or service shown for
    /// want of one. (An Octopai event's page always is its source.)
    pub has_source: bool,
    /// The page, source resource, resource or service acted on.
    pub target: Option<SharedText>,
    pub outcome: Outcome,
    /// A failure reason or the operation's text, where there is one.
    pub detail: Option<SharedText>,
    /// The upstream's own record, every field included: its JSON text is
    /// [`AuditEvent::raw_json`]. Held as a template over this event's own
    /// values, so a change to them shows in the text.
    pub record: Record,
}

// What an event costs where it is held most (wasm32): the id 12 bytes,
// the time 12, seven texts (the record's template among them) 4 each,
// three one-byte enums and a flag.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<AuditEvent>() == 56);

/// An event as it is exported and imported: its fields and its record's
/// text under `raw_json`.
#[derive(Serialize)]
struct EventOut<'a> {
    id: &'a EventId,
    source: Source,
    at: DateTime<Utc>,
    actor: &'a str,
    ip: Option<&'a str>,
    kind: EventKind,
    action: &'a str,
    target: Option<&'a str>,
    outcome: Outcome,
    detail: Option<&'a str>,
    raw_json: Cow<'a, str>,
}

/// What [`EventOut`] writes, read back.
#[derive(Deserialize)]
struct EventIn {
    id: EventId,
    source: Source,
    at: DateTime<Utc>,
    actor: SharedText,
    ip: Option<SharedText>,
    kind: EventKind,
    action: SharedText,
    target: Option<SharedText>,
    outcome: Outcome,
    detail: Option<SharedText>,
    raw_json: String,
}

impl Serialize for AuditEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EventOut {
            id: &self.id,
            source: self.source,
            at: self.at,
            actor: &self.actor,
            ip: self.ip.as_deref(),
            kind: self.kind,
            action: &self.action,
            target: self.target.as_deref(),
            outcome: self.outcome,
            detail: self.detail.as_deref(),
            raw_json: self.raw_json(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AuditEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = EventIn::deserialize(deserializer)?;
        // What the export does not write again: an audit's service and
        // whether it names a source resource, read from its record.
        let (service, has_source) = match read.source {
            Source::Octopai => (None, false),
            Source::ClouderaManager => {
                let audit: Option<crate::cloudera::ApiAudit> =
                    serde_json::from_str(&read.raw_json).ok();
                let audit = audit.unwrap_or_default();
                let names_source = audit.service_values.as_ref().is_some_and(|values| {
                    ["src", "source"]
                        .iter()
                        .any(|name| values.get(*name).is_some_and(|value| !value.is_empty()))
                });
                (audit.service.map(SharedText::from), names_source)
            }
        };
        let event = AuditEvent {
            id: read.id,
            source: read.source,
            at: read.at,
            actor: read.actor,
            ip: read.ip,
            kind: read.kind,
            action: read.action,
            service,
            has_source,
            target: read.target,
            outcome: read.outcome,
            detail: read.detail,
            record: Record::default(),
        };
        Ok(event.with_raw_json(&read.raw_json))
    }
}

/// Two events are equal when every field is and their records read the
/// same: one text can be held as more than one template.
impl PartialEq for AuditEvent {
    fn eq(&self, other: &Self) -> bool {
        (self.id == other.id)
            && (self.source, self.at, self.kind, self.outcome)
                == (other.source, other.at, other.kind, other.outcome)
            && (
                &self.actor,
                &self.ip,
                &self.action,
                &self.service,
                self.has_source,
                &self.target,
                &self.detail,
            ) == (
                &other.actor,
                &other.ip,
                &other.action,
                &other.service,
                other.has_source,
                &other.target,
                &other.detail,
            )
            && (self.record == other.record || self.raw_json() == other.raw_json())
    }
}

impl AuditEvent {
    pub fn is_login(&self) -> bool {
        self.kind == EventKind::Login
    }

    pub fn is_failed_login(&self) -> bool {
        self.kind == EventKind::Login && self.outcome == Outcome::Failed
    }

    pub fn is_successful_login(&self) -> bool {
        self.kind == EventKind::Login && self.outcome == Outcome::Succeeded
    }

    pub fn is_denied_operation(&self) -> bool {
        self.kind == EventKind::Operation && self.outcome == Outcome::Denied
    }

    /// The upstream's own record, every field included, as JSON text.
    pub fn raw_json(&self) -> Cow<'_, str> {
        self.record.text(self)
    }

    /// The same event with `json` as its upstream's record.
    pub fn with_raw_json(mut self, json: &str) -> Self {
        self.record = Record::of(json, &self);
        self
    }

    /// Every raw field as `(name, text)`, for the detail view.
    pub fn raw_fields(&self) -> Vec<(String, String)> {
        let raw_json = self.raw_json();
        match serde_json::from_str::<Value>(&raw_json) {
            Ok(Value::Object(object)) => object
                .into_iter()
                .map(|(name, value)| {
                    let text = match value {
                        Value::String(text) => text,
                        other => other.to_string(),
                    };
                    (name, text)
                })
                .collect(),
            _ => vec![("raw".to_owned(), raw_json.into_owned())],
        }
    }
}

/// FNV-1a, 64 bit: a small, stable, dependency-free hash for event identity
/// (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv1a_from(start: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(start, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(FNV_PRIME)
    })
}

/// [`fnv1a`] of each of `texts`, the same numbers, four at a time: each
/// step of FNV-1a waits for the multiplication before it, so one text's
/// hash runs at the speed of that chain, and four independent chains run
/// side by side in about the time of one. (A load hashes every Cloudera
/// Manager audit it reads; this is how the decoder does it, a page at a
/// time.)
pub fn fnv1a_each<T: AsRef<[u8]>>(texts: &[T]) -> Vec<u64> {
    let mut hashes = Vec::with_capacity(texts.len());
    let mut quads = texts.chunks_exact(4);
    for quad in &mut quads {
        let lanes = [
            quad[0].as_ref(),
            quad[1].as_ref(),
            quad[2].as_ref(),
            quad[3].as_ref(),
        ];
        let common = lanes.iter().map(|lane| lane.len()).min().unwrap_or(0);
        let mut state = [FNV_OFFSET; 4];
        for at in 0..common {
            for (hash, lane) in state.iter_mut().zip(lanes) {
                *hash = (*hash ^ u64::from(lane[at])).wrapping_mul(FNV_PRIME);
            }
        }
        // What is left past the shortest, two lanes at a time.
        let [a, b, c, d] = state;
        let (a, b) = fnv1a_pair((a, lanes[0], common), (b, lanes[1], common));
        let (c, d) = fnv1a_pair((c, lanes[2], common), (d, lanes[3], common));
        hashes.extend([a, b, c, d]);
    }
    hashes.extend(quads.remainder().iter().map(|text| fnv1a(text.as_ref())));
    hashes
}

/// Two FNV-1a hashes, each at its text's offset, carried on to the ends
/// of their texts side by side as far as both go.
fn fnv1a_pair(
    (mut a, left, from_left): (u64, &[u8], usize),
    (mut b, right, from_right): (u64, &[u8], usize),
) -> (u64, u64) {
    let (left, right) = (&left[from_left..], &right[from_right..]);
    let common = left.len().min(right.len());
    for (x, y) in left[..common].iter().zip(&right[..common]) {
        a = (a ^ u64::from(*x)).wrapping_mul(FNV_PRIME);
        b = (b ^ u64::from(*y)).wrapping_mul(FNV_PRIME);
    }
    (
        fnv1a_from(a, &left[common..]),
        fnv1a_from(b, &right[common..]),
    )
}

/// FNV-1a as a [`std::hash::Hasher`]: much faster than the default for the
/// short strings (accounts, addresses, operations) grouped and counted
/// here. The keys are audit values, and a slow map would cost only the
/// person's own tab, so flooding resistance is not needed.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(FNV_OFFSET)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_from(self.0, bytes);
    }
}

/// A `HashMap` hashing with [`Fnv`].
pub type FnvMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// A `HashSet` hashing with [`Fnv`].
pub type FnvSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<Fnv>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudera::{ApiAudit, ApiAuditList};
    use crate::octopai::UserEventsPage;

    #[test]
    fn hashes_four_at_a_time_are_fnv1a_of_each() {
        // The published FNV-1a 64 vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        // Lengths in every order around each other (the shortest first,
        // last, equal, empty), and counts that are not a multiple of four.
        let texts: Vec<String> = (0..23usize)
            .map(|index| {
                let length = (index * 37 + index * index * 11) % 97;
                (0..length)
                    .map(|at| char::from(b'!' + ((at * 7 + index) % 90) as u8))
                    .collect()
            })
            .collect();
        for count in 0..texts.len() {
            let each = fnv1a_each(&texts[..count]);
            let one_by_one: Vec<u64> = texts[..count]
                .iter()
                .map(|text| fnv1a(text.as_bytes()))
                .collect();
            assert_eq!(each, one_by_one, "{count} texts");
        }
        assert_eq!(
            fnv1a_each(&["a", "", "foobar", "a"])[2],
            0x8594_4171_f739_67e8
        );
    }

    #[test]
    fn octopai_events_map_to_unified_events() {
        let page = UserEventsPage::decode(
            r#"[{"id":"17","userName":"mia@example.com","eventType":"LoginFailed","reason":"Wrong password",
                "timestamp":"2026-11-21T08:00:00Z","ipAddress":"203.0.113.9","userAgent":"curl/8"},
               {"id":"18","userName":"mia@example.com","eventType":"PageLoad","page":"/lineage",
                "timestamp":"2026-11-21T08:01:00Z","ipAddress":"203.0.113.9"}]"#,
        )
        .unwrap();
        let events: Vec<AuditEvent> = page.events.into_iter().map(AuditEvent::from).collect();
        assert_eq!(events[0].id, "oct:17");
        assert_eq!(
            (events[0].kind, events[0].outcome),
            (EventKind::Login, Outcome::Failed)
        );
        assert_eq!(events[0].detail.as_deref(), Some("Wrong password"));
        assert_eq!(
            (events[1].kind, events[1].outcome),
            (EventKind::PageLoad, Outcome::Succeeded)
        );
        assert_eq!(events[1].target.as_deref(), Some("/lineage"));
        let raw = events[0].raw_fields();
        assert!(raw.contains(&("userAgent".to_owned(), "curl/8".to_owned())));
    }

    #[test]
    fn cloudera_audits_map_logins_and_operations() {
        let list = ApiAuditList::decode(
            r#"{"items":[
              {"timestamp":"2026-11-21T10:00:00Z","service":"ClouderaManager","username":"admin",
               "ipAddress":"10.0.0.2","command":"LOGIN_FAILURE","allowed":false},
              {"timestamp":"2026-11-21T09:00:00Z","service":"hdfs1","username":"etl",
               "command":"delete","resource":"/data/x","allowed":false},
              {"timestamp":"2026-11-21T08:00:00Z","service":"impala1","username":"bi",
               "command":"QUERY","operationText":"SELECT 1","allowed":true}
            ]}"#,
        )
        .unwrap();
        let events: Vec<AuditEvent> = list
            .items
            .into_iter()
            .map(|audit| AuditEvent::try_from(audit).unwrap())
            .collect();
        assert_eq!(
            (events[0].kind, events[0].outcome),
            (EventKind::Login, Outcome::Failed)
        );
        assert_eq!(
            (events[1].kind, events[1].outcome),
            (EventKind::Operation, Outcome::Denied)
        );
        assert_eq!(events[1].target.as_deref(), Some("/data/x"));
        assert_eq!(events[2].outcome, Outcome::Allowed);
        assert_eq!(events[2].target.as_deref(), Some("impala1"));
        assert_eq!(events[2].detail.as_deref(), Some("SELECT 1"));
        assert_ne!(events[1].id, events[2].id);
    }

    #[test]
    fn hash_ids_are_sixteen_hex_digits() {
        for hash in [0, 1, 0xdead_beef, u64::MAX] {
            assert_eq!(
                EventId::cloudera_hash(hash).to_string(),
                format!("cm:{hash:016x}")
            );
            assert_eq!(
                EventId::octopai_hash(hash).to_string(),
                format!("oct:{hash:016x}")
            );
        }
    }

    #[test]
    fn cloudera_audit_with_bad_timestamp_is_an_error() {
        let audit = ApiAudit {
            timestamp: "21/11/2026".into(),
            ..ApiAudit::default()
        };
        let error = AuditEvent::try_from(audit).unwrap_err();
        assert!(error.message.contains("bad timestamp"), "{error}");
    }
}
