//! How each upstream's records become [`AuditEvent`]s: the mapping of an
//! Octopai event and of a Cloudera Manager audit, however they were
//! decoded (straight from an answer's text, or through `Value`), with the
//! texts of one answer held once and each record kept as a template over
//! its event (`crate::record`).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{fnv1a, AuditEvent, EventId, EventKind, Outcome, Record, SharedText, Source, TextSet};
use crate::cloudera::ApiAudit;
use crate::octopai::{OctopaiEvent, OctopaiEventType};
use crate::record::{Field, Found, Templates};
use crate::wire::{Text, WireError};

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

/// Equal texts held once: an answer's services, commands, accounts and
/// addresses repeat on every other record, and on every other answer of a
/// load, as do the templates of records alike. One is kept for a whole
/// load (the decoders' `_with` forms take it); a fresh one holds what one
/// answer repeats.
#[derive(Default)]
pub struct Interner {
    held: TextSet,
    templates: Templates,
}

impl Interner {
    pub(crate) fn text(&mut self, text: Cow<'_, str>) -> SharedText {
        self.held.held(&text)
    }

    fn optional(&mut self, text: Option<Cow<'_, str>>) -> Option<SharedText> {
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
    interner: &mut Interner,
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
        Some(id) => EventId::octopai(&id),
        None => EventId::octopai_hash(fnv1a(raw_json.as_bytes())),
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
        service: None,
        has_source: false,
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
                source_resource: audit.service_values.as_ref().and_then(|values| {
                    ["src", "source"]
                        .iter()
                        .find_map(|name| values.get(*name).cloned().map(Cow::Owned))
                }),
                service: audit.service.map(Cow::Owned),
                username: audit.username.map(Cow::Owned),
                ip_address: audit.ip_address.map(Cow::Owned),
                command: audit.command.map(Cow::Owned),
                resource: audit.resource.map(Cow::Owned),
                operation_text: audit.operation_text.map(Cow::Owned),
                allowed: audit.allowed,
            },
            &raw_json,
            EventId::cloudera_hash(fnv1a(raw_json.as_bytes())),
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
    pub service_values: Option<&'t [(Text<'a>, Text<'a>)]>,
    /// The operation's source resource (`serviceValues`' `src`, or
    /// `source`), where the audit names one: what the `source` selector
    /// reads.
    pub source_resource: Option<Cow<'a, str>>,
    pub service: Option<Cow<'a, str>>,
    pub username: Option<Cow<'a, str>>,
    pub ip_address: Option<Cow<'a, str>>,
    pub command: Option<Cow<'a, str>>,
    pub resource: Option<Cow<'a, str>>,
    pub operation_text: Option<Cow<'a, str>>,
    pub allowed: Option<bool>,
}

/// The unified event of one Cloudera Manager audit whose record, as JSON
/// text, is `raw_json`, known as `id` (that text's hash, which a decoder
/// may work out for a whole page at once and set later).
pub(crate) fn audit_event<'a>(
    parts: AuditParts<'_, 'a>,
    raw_json: &str,
    id: EventId,
    interner: &mut Interner,
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
    let source_resource = parts.source_resource.filter(|source| !source.is_empty());
    let has_source = source_resource.is_some();
    let resource = parts.resource.filter(|resource| !resource.is_empty());
    let target = source_resource
        .or(resource.clone())
        .or(parts.service.clone());
    let mut found = Found::default();
    found.add(Field::Actor, parts.username.as_ref());
    found.add(Field::Address, parts.ip_address.as_ref());
    found.add(Field::Action, Some(&command));
    found.add(Field::Target, target.as_ref());
    // The resource where it repeats a source named in `serviceValues`
    // (read there first): its text is the target's too.
    if let (Some(resource), Some(target)) = (&resource, &target) {
        if resource == target && resource.as_ptr() != target.as_ptr() {
            found.add(Field::Target, Some(resource));
        }
    }
    found.add(Field::Detail, parts.operation_text.as_ref());
    found.add(Field::Time, Some(&Cow::Borrowed(parts.timestamp)));
    for (_, value) in parts.service_values.into_iter().flatten() {
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
        id,
        source: Source::ClouderaManager,
        at,
        actor: interner.text(parts.username.unwrap_or_default()),
        ip: interner.optional(parts.ip_address),
        kind,
        action: interner.text(command),
        service: interner.optional(parts.service),
        has_source,
        target: interner.optional(target),
        outcome,
        detail: interner.optional(parts.operation_text),
        record: Record::default(),
    };
    Ok(interner.record(raw_json, &found, event))
}

/// Whether `text` holds `needle` (ASCII, upper case), in any case.
fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}
