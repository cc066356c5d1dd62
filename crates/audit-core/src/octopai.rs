//! Wire types of the Cloudera Octopai API (`/api/UserAccount/Login` and
//! `/api/UserAccount/UserEvents`), as described in `shared/API_FACTS.md` §1.
//!
//! Clients send the documented `Username`/`Password` spelling; servers accept
//! `userName`/`password` as well. The UserEvents request and response shapes
//! are not documented: the shapes here are the project's assumption (see
//! ARCHITECTURE.md), and the decoders accept the likely variations: an array
//! or an object wrapping `items`/`events`, camelCase or PascalCase fields,
//! ISO 8601 or epoch-millisecond timestamps. Unknown fields are kept.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::event::{octopai_event, AuditEvent, Interner, OctopaiParts};
use crate::time::{parse_timestamp, parse_timestamp_text};
use crate::wire::{compact, field, kind_of, parse_json, text_field, Scan, Text, WireError};

/// Path of the login endpoint.
pub const LOGIN_PATH: &str = "/api/UserAccount/Login";
/// Path of the user events endpoint.
pub const USER_EVENTS_PATH: &str = "/api/UserAccount/UserEvents";
/// Page size the simulated upstream uses when none is asked for.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Largest page the simulated upstream serves (assumed cap).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// `POST /api/UserAccount/Login` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    #[serde(rename = "Username", alias = "userName", alias = "username")]
    pub username: String,
    #[serde(rename = "Password", alias = "password")]
    pub password: String,
}

/// The refresh token part of a login answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    #[serde(alias = "Token")]
    pub token: String,
    #[serde(alias = "Expiration")]
    pub expiration: String,
}

/// A login answer. `error` is `None` on success; a 200 with `error` set is a
/// failure too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    #[serde(default, alias = "AccessToken")]
    pub access_token: Option<String>,
    #[serde(default, alias = "Expiration")]
    pub expiration: Option<String>,
    #[serde(default, alias = "RefreshToken")]
    pub refresh_token: Option<RefreshToken>,
    #[serde(default, alias = "UserName")]
    pub user_name: Option<String>,
    #[serde(default, alias = "DisplayName")]
    pub display_name: Option<String>,
    #[serde(default, alias = "IsAdmin")]
    pub is_admin: Option<bool>,
    #[serde(default, alias = "Error")]
    pub error: Option<String>,
}

impl LoginResponse {
    /// The access token if this answer is a success, or the reason it is not.
    pub fn into_success(self) -> Result<LoginSuccess, String> {
        if let Some(error) = self.error.filter(|error| !error.trim().is_empty()) {
            return Err(error);
        }
        match self.access_token.filter(|token| !token.is_empty()) {
            Some(access_token) => Ok(LoginSuccess {
                access_token,
                user_name: self.user_name.unwrap_or_default(),
                display_name: self.display_name.unwrap_or_default(),
                is_admin: self.is_admin.unwrap_or(false),
            }),
            None => Err("the login answer holds no access token".to_owned()),
        }
    }

    /// Decodes a login answer body.
    pub fn decode(body: &str) -> Result<Self, WireError> {
        let value = parse_json("the Octopai login answer", body)?;
        serde_json::from_value(value).map_err(|error| {
            WireError::new(format!("the Octopai login answer is malformed: {error}"))
        })
    }
}

/// What a successful login yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSuccess {
    pub access_token: String,
    pub user_name: String,
    pub display_name: String,
    pub is_admin: bool,
}

/// `POST /api/UserAccount/UserEvents` body (assumed shape): a time window
/// and optional 1-based paging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEventsRequest {
    #[serde(alias = "StartTime")]
    pub start_time: String,
    #[serde(alias = "EndTime")]
    pub end_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "PageNumber")]
    pub page_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "PageSize")]
    pub page_size: Option<u32>,
}

/// The type of an Octopai event, normalised from the many spellings an
/// upstream may use (`LoginFailed`, `LOGIN_FAILURE`, `login failed`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OctopaiEventType {
    LoginSucceeded,
    LoginFailed,
    PageLoad,
    Logout,
    Other(String),
}

impl OctopaiEventType {
    pub fn from_wire(text: &str) -> Self {
        let folded: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match folded.as_str() {
            "loginsucceeded" | "loginsuccess" | "loginsuccessful" | "login" | "successfullogin" => {
                Self::LoginSucceeded
            }
            "loginfailed" | "loginfailure" | "failedlogin" | "loginfail" => Self::LoginFailed,
            "pageload" | "pageloaded" | "pageview" => Self::PageLoad,
            "logout" | "loggedout" | "signout" => Self::Logout,
            _ => Self::Other(text.to_owned()),
        }
    }

    /// The canonical wire spelling, used by the simulated upstream.
    pub fn as_wire(&self) -> &str {
        match self {
            Self::Other(text) => text,
            known => known.known_wire().unwrap_or_default(),
        }
    }

    /// The canonical spelling of a known type; none for another.
    pub fn known_wire(&self) -> Option<&'static str> {
        match self {
            Self::LoginSucceeded => Some("LoginSucceeded"),
            Self::LoginFailed => Some("LoginFailed"),
            Self::PageLoad => Some("PageLoad"),
            Self::Logout => Some("Logout"),
            Self::Other(_) => None,
        }
    }
}

// The names each field is looked for under, in order, ignoring case.
const USER_FIELDS: &[&str] = &["userName", "user", "email", "userEmail", "username"];
const TYPE_FIELDS: &[&str] = &["eventType", "type", "event", "eventName"];
const TIME_FIELDS: &[&str] = &["timestamp", "time", "eventTime", "date", "createdAt"];
const ID_FIELDS: &[&str] = &["id", "eventId"];
const REASON_FIELDS: &[&str] = &["reason", "failureReason", "error"];
const PAGE_FIELDS: &[&str] = &["page", "pageName", "resource", "url"];
const ADDRESS_FIELDS: &[&str] = &["ipAddress", "ip", "sourceIp", "clientIp"];
const TOTAL_FIELDS: &[&str] = &["total", "totalCount", "count"];

/// One UserEvents answer decoded straight into events, for loads, with the
/// total if the upstream said. Every record is read from the answer's text
/// as [`UserEventsPage::decode`] reads it (the same shapes, names and
/// timestamps), without a `Value` tree or a second serialisation; its
/// record is its text as received, without whitespace between tokens. An
/// answer this cannot read goes through [`UserEventsPage::decode`], so a
/// bad one gets the same error as ever.
pub fn decode_events(body: &str) -> Result<(Vec<AuditEvent>, Option<u64>), WireError> {
    decode_events_with(body, &mut Interner::default())
}

/// [`decode_events`], holding each text once with those `interner` holds:
/// give every answer of one load the same.
pub fn decode_events_with(
    body: &str,
    interner: &mut Interner,
) -> Result<(Vec<AuditEvent>, Option<u64>), WireError> {
    if let Some(decoded) = decode_events_directly(body, interner) {
        return Ok(decoded);
    }
    let page = UserEventsPage::decode(body)?;
    Ok((
        page.events.into_iter().map(AuditEvent::from).collect(),
        page.total,
    ))
}

/// An object's members in the order sent, each value left as its text.
struct Members<'a>(Vec<(Text<'a>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members<'de>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("an object")
            }

            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Members<'de>, M::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(member) = map.next_entry::<Text<'de>, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The value of the first of `names` (ignoring case) that an object has,
/// not `null`, read as [`field`] reads a `Map`: of several keys spelled
/// alike in other cases the smallest one counts, and of a key given twice
/// the last value.
fn member<'a>(members: &[(Text<'a>, &'a RawValue)], names: &[&str]) -> Option<&'a RawValue> {
    names.iter().find_map(|wanted| {
        let mut found: Option<&(Text<'a>, &'a RawValue)> = None;
        for candidate in members
            .iter()
            .filter(|(key, _)| key.0.eq_ignore_ascii_case(wanted))
        {
            if found.is_none_or(|(key, _)| candidate.0 <= *key) {
                found = Some(candidate);
            }
        }
        found
            .map(|(_, value)| *value)
            .filter(|value| value.get() != "null")
    })
}

/// Whether `key` names the list of events (`items` or `events`, any case).
fn names_the_list(key: &str) -> bool {
    key.eq_ignore_ascii_case("items") || key.eq_ignore_ascii_case("events")
}

/// An answer read in one pass: a list of events, or an object holding one
/// (with the total beside it), each event decoded once with its text
/// beside it. Anything unexpected (two lists, trailing text, a record that
/// cannot be read) is left to the `Value` path.
fn decode_events_directly(
    body: &str,
    interner: &mut Interner,
) -> Option<(Vec<AuditEvent>, Option<u64>)> {
    let mut scan = Scan::new(body);
    let (events, total) = match body.trim_start().as_bytes().first()? {
        b'[' => (records(&mut scan, interner)?, None),
        b'{' => {
            let mut events = None;
            let mut others = Vec::new();
            scan.object(|scan, key| {
                if names_the_list(&key.0) {
                    if events.is_some() {
                        return None;
                    }
                    events = Some(records(scan, interner)?);
                } else {
                    let (value, _) = scan.value::<&RawValue>()?;
                    others.push((key, value));
                }
                Some(())
            })?;
            let total = member(&others, TOTAL_FIELDS)
                .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
                .and_then(|total| total.as_u64());
            (events?, total)
        }
        _ => return None,
    };
    if !scan.at_end() {
        return None;
    }
    Some((events, total))
}

/// The list of events the scan is at.
fn records(scan: &mut Scan<'_>, interner: &mut Interner) -> Option<Vec<AuditEvent>> {
    let mut events = Vec::new();
    scan.members(b'[', b']', |scan| {
        let (Members(members), raw) = scan.value::<Members>()?;
        let text = |names| member(&members, names).and_then(raw_text);
        let user = text(USER_FIELDS)?;
        let event_type = OctopaiEventType::from_wire(&text(TYPE_FIELDS)?);
        let written = member(&members, TIME_FIELDS)?;
        let timestamp = match written.get().as_bytes() {
            // A string with no escape (as every upstream writes a time):
            // its text read where it lies, no `Value` made for it.
            [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => {
                parse_timestamp_text(&written.get()[1..inner.len() + 1]).ok()?
            }
            _ => parse_timestamp(&serde_json::from_str(written.get()).ok()?).ok()?,
        };
        let parts = OctopaiParts {
            id: text(ID_FIELDS),
            user,
            event_type,
            reason: text(REASON_FIELDS),
            page: text(PAGE_FIELDS),
            timestamp,
            written_time: raw_text(written),
            ip_address: text(ADDRESS_FIELDS),
        };
        events.push(octopai_event(parts, &compact(raw), interner));
        Some(())
    })?;
    Some(events)
}

/// [`text_field`]'s text of a value left as text: strings as they are,
/// numbers and booleans printed as `Value` prints them, others none.
fn raw_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    let json = raw.get();
    match json.as_bytes().first()? {
        b'"' if !json.contains('\\') => Some(Cow::Borrowed(&json[1..json.len() - 1])),
        b'"' => serde_json::from_str::<String>(json).ok().map(Cow::Owned),
        b't' | b'f' | b'-' | b'0'..=b'9' => serde_json::from_str::<Value>(json)
            .ok()
            .map(|value| Cow::Owned(value.to_string())),
        _ => None,
    }
}

/// One Octopai user event, decoded tolerantly. `raw` is the original object,
/// unknown fields included.
#[derive(Debug, Clone, PartialEq)]
pub struct OctopaiEvent {
    pub id: Option<String>,
    pub user: String,
    pub event_type: OctopaiEventType,
    pub reason: Option<String>,
    pub page: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub raw: Map<String, Value>,
}

impl OctopaiEvent {
    /// Decodes one event object. The user, type and timestamp are required;
    /// everything else is optional.
    pub fn from_value(value: Value) -> Result<Self, WireError> {
        let Value::Object(raw) = value else {
            return Err(WireError::new(format!(
                "expected each Octopai event to be an object, found {}",
                kind_of(&value)
            )));
        };
        let user = text_field(&raw, USER_FIELDS)
            .ok_or_else(|| WireError::new("an Octopai event has no user (userName)"))?;
        let event_type = text_field(&raw, TYPE_FIELDS)
            .map(|text| OctopaiEventType::from_wire(&text))
            .ok_or_else(|| WireError::new("an Octopai event has no event type (eventType)"))?;
        let timestamp = field(&raw, TIME_FIELDS)
            .ok_or_else(|| WireError::new("an Octopai event has no timestamp"))
            .and_then(|value| {
                parse_timestamp(value).map_err(|error| {
                    WireError::new(format!("an Octopai event has a bad timestamp: {error}"))
                })
            })?;
        Ok(Self {
            id: text_field(&raw, ID_FIELDS),
            user,
            event_type,
            reason: text_field(&raw, REASON_FIELDS),
            page: text_field(&raw, PAGE_FIELDS),
            timestamp,
            ip_address: text_field(&raw, ADDRESS_FIELDS),
            user_agent: text_field(&raw, &["userAgent"]),
            raw,
        })
    }
}

/// One page of UserEvents, decoded from any of the accepted shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct UserEventsPage {
    pub events: Vec<OctopaiEvent>,
    /// The total number of events in the window, when the upstream says.
    pub total: Option<u64>,
}

impl UserEventsPage {
    pub fn decode(body: &str) -> Result<Self, WireError> {
        Self::from_value(parse_json("the Octopai UserEvents answer", body)?)
    }

    pub fn from_value(value: Value) -> Result<Self, WireError> {
        let (items, total) = match value {
            Value::Array(items) => (items, None),
            Value::Object(mut object) => {
                let total = field(&object, TOTAL_FIELDS).and_then(Value::as_u64);
                let key = object
                    .keys()
                    .find(|key| {
                        key.eq_ignore_ascii_case("items") || key.eq_ignore_ascii_case("events")
                    })
                    .cloned();
                match key.and_then(|key| object.remove(&key)) {
                    Some(Value::Array(items)) => (items, total),
                    Some(other) => {
                        return Err(WireError::new(format!(
                            "the Octopai UserEvents answer's list is {}, not an array",
                            kind_of(&other)
                        )))
                    }
                    None => return Err(WireError::new(
                        "the Octopai UserEvents answer is an object without `items` or `events`",
                    )),
                }
            }
            other => {
                return Err(WireError::new(format!(
                    "expected the Octopai UserEvents answer to be an array or an object, found {}",
                    kind_of(&other)
                )))
            }
        };
        let events = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                OctopaiEvent::from_value(item).map_err(|error| {
                    WireError::new(format!(
                        "event #{} of the page: {}",
                        index + 1,
                        error.message
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { events, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn login_request_is_sent_with_documented_spelling_and_accepts_both() {
        let request = LoginRequest {
            username: "analyst@example.com".into(),
            password: "pw".into(),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"Username": "analyst@example.com", "Password": "pw"})
        );
        let from_table: LoginRequest =
            serde_json::from_value(json!({"userName": "a@b.c", "password": "x"})).unwrap();
        assert_eq!(from_table.username, "a@b.c");
    }

    #[test]
    fn login_answer_success_and_both_failure_forms() {
        let ok = LoginResponse::decode(
            r#"{"accessToken":"eyJ.x.y","expiration":"2026-11-22T12:00:00Z",
                "refreshToken":{"token":"r","expiration":"2026-12-22T10:00:00Z"},
                "userName":"analyst@example.com","displayName":"Ana Lyst","isAdmin":true,"error":null}"#,
        )
        .unwrap();
        let success = ok.into_success().unwrap();
        assert_eq!(success.access_token, "eyJ.x.y");
        assert!(success.is_admin);

        let failed = LoginResponse::decode(
            r#"{"accessToken":null,"error":"Invalid user name or password"}"#,
        )
        .unwrap();
        assert_eq!(
            failed.into_success().unwrap_err(),
            "Invalid user name or password"
        );
        let empty = LoginResponse::decode("{}").unwrap();
        assert!(empty
            .into_success()
            .unwrap_err()
            .contains("no access token"));
    }

    #[test]
    fn user_events_in_every_accepted_shape() {
        let event = json!({"Id": "e1", "UserName": "u@x.com", "EventType": "LOGIN_FAILURE",
                           "Reason": "bad password", "Timestamp": 1763720130000_i64,
                           "IpAddress": "10.0.0.1", "Extra": {"k": 1}});
        for body in [
            json!([event.clone()]),
            json!({"items": [event.clone()], "total": 7}),
            json!({"Events": [event.clone()]}),
        ] {
            let page = UserEventsPage::from_value(body).unwrap();
            assert_eq!(page.events.len(), 1);
            let decoded = &page.events[0];
            assert_eq!(decoded.user, "u@x.com");
            assert_eq!(decoded.event_type, OctopaiEventType::LoginFailed);
            assert_eq!(decoded.reason.as_deref(), Some("bad password"));
            assert_eq!(decoded.ip_address.as_deref(), Some("10.0.0.1"));
            assert!(decoded.raw.contains_key("Extra"), "unknown fields are kept");
        }
        let page = UserEventsPage::from_value(json!({"items": [], "total": 7})).unwrap();
        assert_eq!(page.total, Some(7));
    }

    #[test]
    fn event_type_spellings() {
        for (text, expected) in [
            ("LoginSucceeded", OctopaiEventType::LoginSucceeded),
            ("login_success", OctopaiEventType::LoginSucceeded),
            ("Login Failed", OctopaiEventType::LoginFailed),
            ("PAGE_LOAD", OctopaiEventType::PageLoad),
            ("PageView", OctopaiEventType::PageLoad),
            ("Logout", OctopaiEventType::Logout),
        ] {
            assert_eq!(OctopaiEventType::from_wire(text), expected, "{text}");
        }
        assert_eq!(
            OctopaiEventType::from_wire("ReportExported"),
            OctopaiEventType::Other("ReportExported".into())
        );
    }

    #[test]
    fn malformed_user_events_give_clear_errors() {
        let cases = [
            ("<html>502 Bad Gateway</html>", "looks like HTML"),
            ("{\"items\": [", "not valid JSON"),
            ("42", "found a number"),
            ("{\"data\": []}", "without `items` or `events`"),
            ("{\"items\": {}}", "is an object, not an array"),
            (
                "[1]",
                "event #1 of the page: expected each Octopai event to be an object",
            ),
            (
                "[{\"userName\":\"u\",\"eventType\":\"PageLoad\"}]",
                "has no timestamp",
            ),
            (
                "[{\"userName\":\"u\",\"eventType\":\"PageLoad\",\"timestamp\":\"soon\"}]",
                "bad timestamp",
            ),
            (
                "[{\"eventType\":\"PageLoad\",\"timestamp\":1}]",
                "has no user",
            ),
        ];
        for (body, expected) in cases {
            let error = UserEventsPage::decode(body).unwrap_err();
            assert!(error.message.contains(expected), "{body}: {error}");
        }
    }
}
