//! Wire types of the Cloudera Manager audits API (`GET /api/v{N}/audits`,
//! readAudits), as described in `shared/API_FACTS.md` §2.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::{audit_event, fnv1a_each, AuditEvent, AuditParts, EventId, Interner};
use crate::time::{format_iso, parse_iso};
use crate::wire::{compact, parse_json, Scan, Text, WireError};

/// The smallest API version with the full query language.
pub const MIN_API_VERSION: u32 = 8;
/// The API version clients use unless configured otherwise.
pub const DEFAULT_API_VERSION: u32 = 41;
/// readAudits' default page size.
pub const DEFAULT_MAX_RESULTS: u32 = 100;
/// The largest page the simulated upstream serves (assumed cap; clients page
/// until an empty page, so any cap works).
pub const MAX_RESULTS_CAP: u32 = 1000;
/// The realm of the `WWW-Authenticate` challenge.
pub const BASIC_REALM: &str = "Cloudera Manager";
/// The session cookie Cloudera Manager answers with.
pub const SESSION_COOKIE: &str = "CLOUDERA_MANAGER_SESSIONID";

/// The audits route, its version segment (`v41`) a placeholder in the
/// form axum's router takes: what the simulator serves and, through
/// [`audits_path`], what the gateway calls.
pub const AUDITS_ROUTE: &str = "/api/{version}/audits";

/// The audits path for API version `version`: `/api/v{N}/audits`.
pub fn audits_path(version: u32) -> String {
    AUDITS_ROUTE.replace("{version}", &format!("v{version}"))
}

/// One audit (`ApiAudit`). Every documented field is optional on the wire
/// except the timestamp; unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApiAudit {
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impersonator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_values: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl ApiAudit {
    pub fn parsed_timestamp(&self) -> Result<DateTime<Utc>, WireError> {
        audit_timestamp(&self.timestamp)
    }
}

/// An audit's `timestamp`, however the audit was decoded.
pub(crate) fn audit_timestamp(text: &str) -> Result<DateTime<Utc>, WireError> {
    parse_iso(text)
        .map_err(|error| WireError::new(format!("an audit has a bad timestamp: {error}")))
}

/// `ApiAuditList`: `{ "items": [ApiAudit, ...] }`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ApiAuditList {
    pub items: Vec<ApiAudit>,
}

impl ApiAuditList {
    pub fn decode(body: &str) -> Result<Self, WireError> {
        let value = parse_json("the Cloudera Manager audits answer", body)?;
        serde_json::from_value(value).map_err(|error| {
            WireError::new(format!(
                "the Cloudera Manager audits answer is malformed: {error}"
            ))
        })
    }
}

/// readAudits' answer decoded straight into events, for loads: each audit
/// is read from the answer's text into the fields the events keep (no
/// `Value` tree, no second serialisation), and its record is its text as
/// received, without whitespace between tokens (which, for an upstream
/// writing compact JSON in the documented field order, as the simulated one
/// does, is the text [`ApiAudit`] serialises to, so identities are those
/// of [`AuditEvent::try_from`]). An answer this cannot read goes through
/// [`ApiAuditList::decode`], so a bad one gets the same error as ever.
pub fn decode_events(body: &str) -> Result<Vec<AuditEvent>, WireError> {
    decode_events_with(body, &mut Interner::default())
}

/// [`decode_events`], holding each text once with those `interner` holds:
/// give every answer of one load the same.
pub fn decode_events_with(
    body: &str,
    interner: &mut Interner,
) -> Result<Vec<AuditEvent>, WireError> {
    if let Some(events) = decode_events_directly(body, interner) {
        return Ok(events);
    }
    ApiAuditList::decode(body)?
        .items
        .into_iter()
        .map(|audit| {
            AuditEvent::try_from(audit).map_err(|error| {
                WireError::new(format!(
                    "Cloudera Manager sent an audit that cannot be read: {error}"
                ))
            })
        })
        .collect()
}

/// What an audit's mapping reads, typed as [`ApiAudit`] types it (so the
/// same answers are refused); fields only checked are not kept.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditFields<'a> {
    #[serde(borrow)]
    timestamp: Text<'a>,
    #[serde(borrow)]
    service: Option<Text<'a>>,
    #[serde(borrow)]
    username: Option<Text<'a>>,
    #[serde(borrow)]
    impersonator: Option<Text<'a>>,
    #[serde(borrow)]
    ip_address: Option<Text<'a>>,
    #[serde(borrow)]
    command: Option<Text<'a>>,
    #[serde(borrow)]
    resource: Option<Text<'a>>,
    #[serde(borrow)]
    operation_text: Option<Text<'a>>,
    allowed: Option<bool>,
    #[serde(borrow)]
    service_values: Option<Pairs<'a>>,
}

/// An object of texts (`serviceValues`) as its members in order: a map
/// would allocate and sort for every audit of a load. Refuses what a map
/// of strings refuses.
struct Pairs<'a>(Vec<(Text<'a>, Text<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Pairs<'de>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object of strings")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Pairs<'de>, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// `{"items": [audit, ...]}` read in one pass: each audit decoded once,
/// its text beside it. Anything unexpected (a second `items`, trailing
/// text, a bad audit) is left to the `Value` path.
fn decode_events_directly(body: &str, interner: &mut Interner) -> Option<Vec<AuditEvent>> {
    let mut scan = Scan::new(body);
    let mut events = None;
    scan.object(|scan, key| {
        match key.0.as_ref() {
            "items" if events.is_none() => events = Some(audits(scan, interner)?),
            "items" => return None,
            _ => {
                scan.value::<serde::de::IgnoredAny>()?;
            }
        }
        Some(())
    })?;
    if !scan.at_end() {
        return None;
    }
    events
}

/// The array of audits the scan is at.
fn audits(scan: &mut Scan<'_>, interner: &mut Interner) -> Option<Vec<AuditEvent>> {
    let mut events = Vec::new();
    // Each audit's record, hashed for its identity once the page is read
    // (four at a time, see `fnv1a_each`); until then its id is a stand-in.
    let mut records = Vec::new();
    scan.members(b'[', b']', |scan| {
        let (fields, raw) = scan.value::<AuditFields>()?;
        let _checked = fields.impersonator;
        let source_resource = fields.service_values.as_ref().and_then(|values| {
            ["src", "source"].iter().find_map(|name| {
                // The last of a key written twice, as a map keeps it.
                values
                    .0
                    .iter()
                    .rev()
                    .find(|(key, _)| key.0 == *name)
                    .map(|(_, value)| value.0.clone())
            })
        });
        let parts = AuditParts {
            timestamp: &fields.timestamp.0,
            service_values: fields.service_values.as_ref().map(|values| &values.0[..]),
            source_resource,
            service: fields.service.map(Text::into_cow),
            username: fields.username.map(Text::into_cow),
            ip_address: fields.ip_address.map(Text::into_cow),
            command: fields.command.map(Text::into_cow),
            resource: fields.resource.map(Text::into_cow),
            operation_text: fields.operation_text.map(Text::into_cow),
            allowed: fields.allowed,
        };
        let record = compact(raw);
        let stand_in = EventId::cloudera_hash(0);
        events.push(audit_event(parts, &record, stand_in, interner).ok()?);
        records.push(record);
        Some(())
    })?;
    let records: Vec<&[u8]> = records.iter().map(|record| record.as_bytes()).collect();
    for (event, hash) in events.iter_mut().zip(fnv1a_each(&records)) {
        event.id = EventId::cloudera_hash(hash);
    }
    Some(events)
}

/// Cloudera Manager's error body: `{ "message": ..., "causes": [...] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
}

/// The query parameters of readAudits. `None` leaves the server's default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditsParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_offset: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

impl AuditsParams {
    /// One page of the window `[start, end)`.
    pub fn page(start: DateTime<Utc>, end: DateTime<Utc>, offset: u32, size: u32) -> Self {
        Self {
            max_results: Some(size),
            result_offset: Some(offset),
            start_time: Some(format_iso(start)),
            end_time: Some(format_iso(end)),
            query: None,
        }
    }

    /// The percent-encoded query string (without `?`), parameters in the
    /// documented order.
    pub fn to_query_string(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(max) = self.max_results {
            pairs.push(format!("maxResults={max}"));
        }
        if let Some(offset) = self.result_offset {
            pairs.push(format!("resultOffset={offset}"));
        }
        for (name, value) in [
            ("startTime", &self.start_time),
            ("endTime", &self.end_time),
            ("query", &self.query),
        ] {
            if let Some(value) = value {
                pairs.push(format!("{name}={}", percent_encode(value)));
            }
        }
        pairs.join("&")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"items":[
      {"timestamp":"2026-11-21T10:15:30.000Z","service":"hive1","username":"etl_batch",
       "impersonator":"hue","ipAddress":"10.20.1.7","command":"QUERY",
       "resource":"sales:orders","operationText":"SELECT * FROM orders","allowed":false,
       "serviceValues":{"database_name":"sales","table_name":"orders","object_type":"TABLE"},
       "auditId":"x-1"},
      {"timestamp":"2026-11-21T10:15:29.000Z","service":"ClouderaManager","username":"admin",
       "ipAddress":"10.20.0.2","command":"LOGIN_SUCCESS","allowed":true}
    ]}"#;

    #[test]
    fn audit_list_sample_decodes_every_documented_field() {
        let list = ApiAuditList::decode(SAMPLE).unwrap();
        assert_eq!(list.items.len(), 2);
        let hive = &list.items[0];
        assert_eq!(hive.service.as_deref(), Some("hive1"));
        assert_eq!(hive.impersonator.as_deref(), Some("hue"));
        assert_eq!(hive.operation_text.as_deref(), Some("SELECT * FROM orders"));
        assert_eq!(hive.allowed, Some(false));
        assert_eq!(
            hive.service_values.as_ref().unwrap()["table_name"],
            "orders".to_owned()
        );
        assert!(
            hive.extra.contains_key("auditId"),
            "unknown fields are kept"
        );
        assert_eq!(
            crate::time::format_iso(hive.parsed_timestamp().unwrap()),
            "2026-11-21T10:15:30.000Z"
        );
    }

    #[test]
    fn malformed_audit_lists_give_clear_errors() {
        for (body, expected) in [
            ("<!DOCTYPE html><html>", "looks like HTML"),
            ("{\"items\":[{\"timestamp\":", "not valid JSON"),
            ("{}", "missing field `items`"),
            (
                "{\"items\":[{\"service\":\"hdfs\"}]}",
                "missing field `timestamp`",
            ),
            (
                "{\"items\":[{\"timestamp\":\"t\",\"allowed\":\"maybe\"}]}",
                "malformed",
            ),
        ] {
            let error = ApiAuditList::decode(body).unwrap_err();
            assert!(error.message.contains(expected), "{body}: {error}");
        }
    }

    #[test]
    fn params_encode_in_documented_names() {
        let mut params = AuditsParams::page(
            parse_iso("2026-11-21T00:00:00Z").unwrap(),
            parse_iso("2026-11-22T00:00:00Z").unwrap(),
            200,
            100,
        );
        params.query = Some("command==listStatus;source==*oozie*".into());
        assert_eq!(
            params.to_query_string(),
            "maxResults=100&resultOffset=200&startTime=2026-11-21T00%3A00%3A00.000Z\
             &endTime=2026-11-22T00%3A00%3A00.000Z&query=command%3D%3DlistStatus%3Bsource%3D%3D%2Aoozie%2A"
        );
        assert_eq!(audits_path(41), "/api/v41/audits");
    }
}
