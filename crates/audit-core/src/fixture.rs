//! Hand-made events for tests, here and in the app: one way to write
//! "a failed login by raj from 203.0.113.66 at 10:00".

use crate::event::{AuditEvent, EventKind, Outcome, Source};
use crate::time::parse_iso;

/// An event with actor `u`, no address and action `a`; `when` is ISO 8601.
///
/// # Panics
/// When `when` is not an ISO 8601 instant (a mistake in the test).
pub fn event(
    id: &str,
    source: Source,
    when: &str,
    kind: EventKind,
    outcome: Outcome,
) -> AuditEvent {
    AuditEvent {
        id: id.into(),
        source,
        at: parse_iso(when).unwrap_or_else(|problem| panic!("fixture time {when}: {problem}")),
        actor: "u".into(),
        ip: None,
        kind,
        action: "a".into(),
        service: None,
        has_source: false,
        target: None,
        outcome,
        detail: None,
        record: crate::record::Record::whole("{}"),
    }
}

/// Event number `number` of a generated test: `e{number}` from Octopai or
/// Cloudera Manager at `at`, by `user{actor}`, from `203.0.113.{ip}` when
/// there is an address.
pub fn numbered(
    number: usize,
    octopai: bool,
    at: chrono::DateTime<chrono::Utc>,
    (kind, outcome): (EventKind, Outcome),
    actor: u8,
    ip: Option<u8>,
) -> AuditEvent {
    let source = if octopai {
        Source::Octopai
    } else {
        Source::ClouderaManager
    };
    let made = event(
        &format!("e{number}"),
        source,
        &crate::time::format_iso(at),
        kind,
        outcome,
    )
    .by(&format!("user{actor}"));
    match ip {
        Some(ip) => made.from_ip(&format!("203.0.113.{ip}")),
        None => made,
    }
}

impl AuditEvent {
    /// The same event by another actor.
    pub fn by(mut self, actor: &str) -> Self {
        self.actor = actor.into();
        self
    }

    /// The same event from a source address.
    pub fn from_ip(mut self, ip: &str) -> Self {
        self.ip = Some(ip.into());
        self
    }
}
