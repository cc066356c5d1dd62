//! The unified audit event both sources map into, and the two mappings.
//!
//! The table, the charts and the detections only ever see [`AuditEvent`];
//! what each upstream called things stays in the event's [`Record`] for the
//! detail view and the JSON export.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloudera::ApiAudit;
use crate::octopai::{OctopaiEvent, OctopaiEventType};
pub use crate::record::Record;
use crate::record::{Field, Found, Templates};
use crate::wire::{Text, WireError};

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
    pub id: Arc<str>,
    pub source: Source,
    pub at: DateTime<Utc>,
    /// The acting user (Octopai e-mail or Cloudera Manager user name).
    pub actor: Arc<str>,
    pub ip: Option<Arc<str>>,
    pub kind: EventKind,
    /// The upstream's name for what happened (`LoginFailed`, `QUERY`, ...).
    pub action: Arc<str>,
    /// The page, service or resource acted on.
    pub target: Option<Arc<str>>,
    pub outcome: Outcome,
    /// A failure reason or the operation's text, where there is one.
    pub detail: Option<Arc<str>>,
    /// The upstream's own record, every field included: its JSON text is
    /// [`AuditEvent::raw_json`]. Held as a template over this event's own
    /// values, so a change to them shows in the text.
    pub record: Record,
}

/// An event as it is exported and imported: its fields and its record's
/// text under `raw_json`.
#[derive(Serialize)]
struct EventOut<'a> {
    id: &'a str,
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
    id: Arc<str>,
    source: Source,
    at: DateTime<Utc>,
    actor: Arc<str>,
    ip: Option<Arc<str>>,
    kind: EventKind,
    action: Arc<str>,
    target: Option<Arc<str>>,
    outcome: Outcome,
    detail: Option<Arc<str>>,
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
        let event = AuditEvent {
            id: read.id,
            source: read.source,
            at: read.at,
            actor: read.actor,
            ip: read.ip,
            kind: read.kind,
            action: read.action,
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
                &self.target,
                &self.detail,
            ) == (
                &other.actor,
                &other.ip,
                &other.action,
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

/// Events shared, not copied: cloning is a reference count, and two are
/// equal only when they are the same stretch of the same list. A view that
/// narrows nothing passes on the list it was given, a zoom into a stretch
/// of time is that stretch of it ([`Rows::within`]), and a change is never
/// found by comparing every event.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    all: std::sync::Arc<Vec<AuditEvent>>,
    /// The stretch of `all` these rows are.
    range: std::ops::Range<usize>,
}

impl Rows {
    pub fn new(events: Vec<AuditEvent>) -> Self {
        Self {
            range: 0..events.len(),
            all: std::sync::Arc::new(events),
        }
    }

    /// The whole list these rows are a stretch of.
    pub fn whole(&self) -> Rows {
        Self {
            all: self.all.clone(),
            range: 0..self.all.len(),
        }
    }

    /// The events inside `window`: a stretch of these rows, shared, when
    /// they are newest first (as loads hold them); otherwise a copy.
    pub fn within(&self, window: crate::TimeWindow) -> Rows {
        let newest_first = self.windows(2).all(|pair| pair[0].at >= pair[1].at);
        if !newest_first {
            return self
                .iter()
                .filter(|event| window.contains(event.at))
                .cloned()
                .collect::<Vec<_>>()
                .into();
        }
        // Newest first: those at or after the end, then the window, then
        // those before its start.
        let from = self.partition_point(|event| event.at >= window.end());
        let to = self.partition_point(|event| event.at >= window.start());
        Self {
            all: self.all.clone(),
            range: self.range.start + from..self.range.start + to.max(from),
        }
    }
}

impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.all, &other.all) && self.range == other.range
    }
}

impl std::ops::Deref for Rows {
    type Target = [AuditEvent];

    fn deref(&self) -> &[AuditEvent] {
        &self.all[self.range.clone()]
    }
}

impl From<Vec<AuditEvent>> for Rows {
    fn from(events: Vec<AuditEvent>) -> Self {
        Self::new(events)
    }
}

impl From<OctopaiEvent> for AuditEvent {
    fn from(event: OctopaiEvent) -> Self {
        let raw_json = Value::Object(event.raw).to_string();
        octopai_event(
            OctopaiParts {
                id: event.id.map(Cow::Owned),
                user: Cow::Owned(event.user),
                event_type: event.event_type,
                reason: event.reason.map(Cow::Owned),
                page: event.page.map(Cow::Owned),
                timestamp: event.timestamp,
                written_time: None,
                ip_address: event.ip_address.map(Cow::Owned),
            },
            &raw_json,
            &mut Interner::default(),
        )
    }
}

/// Equal texts decoded from one answer, held once: an answer's services,
/// commands, accounts and addresses repeat on every other record.
#[derive(Default)]
pub(crate) struct Interner<'a> {
    held: FnvMap<&'a str, Arc<str>>,
    templates: Templates,
}

impl<'a> Interner<'a> {
    pub fn text(&mut self, text: Cow<'a, str>) -> Arc<str> {
        match text {
            Cow::Borrowed(text) => self
                .held
                .entry(text)
                .or_insert_with(|| Arc::from(text))
                .clone(),
            Cow::Owned(text) => match self.held.get(text.as_str()) {
                Some(held) => held.clone(),
                None => Arc::from(text),
            },
        }
    }

    fn optional(&mut self, text: Option<Cow<'a, str>>) -> Option<Arc<str>> {
        text.map(|text| self.text(text))
    }

    /// `event` with `json` as its record, the template shared with the
    /// answer's alike records; `found` says where in `json` the decoder
    /// read the event's values.
    fn record(&mut self, json: &str, found: &Found<'_>, mut event: AuditEvent) -> AuditEvent {
        event.record = Record::shared_found(json, &event, found, &mut self.templates);
        event
    }
}

/// What the mapping reads of an Octopai event, however it was decoded.
pub(crate) struct OctopaiParts<'a> {
    pub id: Option<Cow<'a, str>>,
    pub user: Cow<'a, str>,
    pub event_type: OctopaiEventType,
    pub reason: Option<Cow<'a, str>>,
    pub page: Option<Cow<'a, str>>,
    pub timestamp: DateTime<Utc>,
    /// The timestamp as the record writes it, when it is a string.
    pub written_time: Option<Cow<'a, str>>,
    pub ip_address: Option<Cow<'a, str>>,
}

/// The unified event of one Octopai event whose record, as JSON text, is
/// `raw_json`: its identity is its own id, or that text's hash.
pub(crate) fn octopai_event<'a>(
    parts: OctopaiParts<'a>,
    raw_json: &str,
    interner: &mut Interner<'a>,
) -> AuditEvent {
    let (kind, outcome) = match &parts.event_type {
        OctopaiEventType::LoginSucceeded => (EventKind::Login, Outcome::Succeeded),
        OctopaiEventType::LoginFailed => (EventKind::Login, Outcome::Failed),
        OctopaiEventType::PageLoad => (EventKind::PageLoad, Outcome::Succeeded),
        OctopaiEventType::Logout => (EventKind::Logout, Outcome::Succeeded),
        OctopaiEventType::Other(_) => (EventKind::Operation, Outcome::Unknown),
    };
    let mut found = Found::default();
    found.add(Field::Actor, Some(&parts.user));
    found.add(Field::Address, parts.ip_address.as_ref());
    found.add(Field::Target, parts.page.as_ref());
    found.add(Field::Detail, parts.reason.as_ref());
    found.add(Field::Time, parts.written_time.as_ref());
    found.add(Field::OwnId, parts.id.as_ref());
    let id = match parts.id {
        Some(id) => Arc::from(format!("oct:{id}")),
        None => hash_id("oct:", fnv1a(raw_json.as_bytes())),
    };
    let action = match parts.event_type {
        OctopaiEventType::Other(text) => Cow::Owned(text),
        known => Cow::Borrowed(known.known_wire().unwrap_or_default()),
    };
    let event = AuditEvent {
        id,
        source: Source::Octopai,
        at: parts.timestamp,
        actor: interner.text(parts.user),
        ip: interner.optional(parts.ip_address),
        kind,
        action: interner.text(action),
        target: interner.optional(parts.page),
        outcome,
        detail: interner.optional(parts.reason),
        record: Record::default(),
    };
    interner.record(raw_json, &found, event)
}

impl TryFrom<ApiAudit> for AuditEvent {
    type Error = WireError;

    fn try_from(audit: ApiAudit) -> Result<Self, WireError> {
        let raw_json = serde_json::to_string(&audit).unwrap_or_default();
        // Its own texts, moved (not interned: one audit repeats nothing).
        audit_event(
            AuditParts {
                timestamp: &audit.timestamp,
                service_values: None,
                service: audit.service.map(Cow::Owned),
                username: audit.username.map(Cow::Owned),
                ip_address: audit.ip_address.map(Cow::Owned),
                command: audit.command.map(Cow::Owned),
                resource: audit.resource.map(Cow::Owned),
                operation_text: audit.operation_text.map(Cow::Owned),
                allowed: audit.allowed,
            },
            &raw_json,
            &mut Interner::default(),
        )
    }
}

/// What the mapping reads of a Cloudera Manager audit, however it was
/// decoded.
pub(crate) struct AuditParts<'t, 'a> {
    pub timestamp: &'t str,
    /// The service's own values (`serviceValues`), where the audit was
    /// read with them borrowed: they repeat the event's (HDFS's `src` is
    /// the resource, Hive's `operation_text` the operation's text).
    pub service_values: Option<&'t BTreeMap<Text<'a>, Text<'a>>>,
    pub service: Option<Cow<'a, str>>,
    pub username: Option<Cow<'a, str>>,
    pub ip_address: Option<Cow<'a, str>>,
    pub command: Option<Cow<'a, str>>,
    pub resource: Option<Cow<'a, str>>,
    pub operation_text: Option<Cow<'a, str>>,
    pub allowed: Option<bool>,
}

/// The unified event of one Cloudera Manager audit whose record, as JSON
/// text, is `raw_json` (its identity is that text's hash).
pub(crate) fn audit_event<'a>(
    parts: AuditParts<'_, 'a>,
    raw_json: &str,
    interner: &mut Interner<'a>,
) -> Result<AuditEvent, WireError> {
    let at = crate::cloudera::audit_timestamp(parts.timestamp)?;
    let command = parts.command.unwrap_or_default();
    let kind = if contains_ignoring_case(&command, "LOGOUT") {
        EventKind::Logout
    } else if contains_ignoring_case(&command, "LOGIN") {
        EventKind::Login
    } else {
        EventKind::Operation
    };
    let outcome = match (kind, parts.allowed) {
        (EventKind::Login | EventKind::Logout, Some(true)) => Outcome::Succeeded,
        (EventKind::Login | EventKind::Logout, Some(false)) => Outcome::Failed,
        (_, Some(true)) => Outcome::Allowed,
        (_, Some(false)) => Outcome::Denied,
        (_, None) => Outcome::Unknown,
    };
    let target = parts
        .resource
        .filter(|resource| !resource.is_empty())
        .or(parts.service);
    let mut found = Found::default();
    found.add(Field::Actor, parts.username.as_ref());
    found.add(Field::Address, parts.ip_address.as_ref());
    found.add(Field::Action, Some(&command));
    found.add(Field::Target, target.as_ref());
    found.add(Field::Detail, parts.operation_text.as_ref());
    found.add(Field::Time, Some(&Cow::Borrowed(parts.timestamp)));
    for value in parts.service_values.into_iter().flat_map(BTreeMap::values) {
        let value = Some(&value.0);
        if value == target.as_ref() {
            found.add(Field::Target, value);
        } else if value == parts.username.as_ref() {
            found.add(Field::Actor, value);
        } else if value == parts.ip_address.as_ref() {
            found.add(Field::Address, value);
        } else if value == parts.operation_text.as_ref() {
            found.add(Field::Detail, value);
        }
    }
    let event = AuditEvent {
        id: hash_id("cm:", fnv1a(raw_json.as_bytes())),
        source: Source::ClouderaManager,
        at,
        actor: interner.text(parts.username.unwrap_or_default()),
        ip: interner.optional(parts.ip_address),
        kind,
        action: interner.text(command),
        target: interner.optional(target),
        outcome,
        detail: interner.optional(parts.operation_text),
        record: Record::default(),
    };
    Ok(interner.record(raw_json, &found, event))
}

/// `prefix` and `hash` as 16 lower-case hex digits: `format!("{prefix}{hash:016x}")`
/// without the formatting machinery, once per event of a load.
fn hash_id(prefix: &str, hash: u64) -> Arc<str> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Written on the stack, then allocated once.
    let mut id = [0u8; 32];
    if prefix.len() > 16 {
        return Arc::from(format!("{prefix}{hash:016x}"));
    }
    let (head, hex) = id.split_at_mut(prefix.len());
    head.copy_from_slice(prefix.as_bytes());
    for (at, digit) in hex.iter_mut().take(16).enumerate() {
        *digit = DIGITS[((hash >> ((15 - at) * 4)) & 0xf) as usize];
    }
    match std::str::from_utf8(&id[..prefix.len() + 16]) {
        Ok(id) => Arc::from(id),
        Err(_) => Arc::from(format!("{prefix}{hash:016x}")),
    }
}

/// Whether `text` holds `needle` (ASCII, upper case), in any case.
fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// FNV-1a, 64 bit: a small, stable, dependency-free hash for event identity
/// (not for security).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv1a_from(start: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(start, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
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
    use crate::cloudera::ApiAuditList;
    use crate::octopai::UserEventsPage;

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
        assert_eq!(&*events[0].id, "oct:17");
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
            assert_eq!(*hash_id("cm:", hash), format!("cm:{hash:016x}"));
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
