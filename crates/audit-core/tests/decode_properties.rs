//! Property tests of the loads' decoders (`cloudera::decode_events`,
//! `octopai::decode_events`): on generated answers in any layout, with
//! unknown fields, escapes, mixed-case and alternative names and epoch
//! timestamps, they give the events the `Value`-tree decoders give, field
//! for field, and the same raw fields in the detail view; on the compact
//! answers the simulated upstream writes, the very same events, identities
//! and records included; on bad answers, the same errors.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use audit_core::cloudera::{self, ApiAudit, ApiAuditList};
use audit_core::octopai::{self, UserEventsPage};
use audit_core::time::format_iso;
use audit_core::AuditEvent;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

/// Text with what JSON must escape, spaces, and letters beyond ASCII.
fn a_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _/:.é\u{1F600}\"\\\\\n\t]{0,10}"
}

/// A JSON string for `text`, sometimes writing `é` as `\u00e9`.
fn quoted(text: &str, escape_more: bool) -> String {
    let json = serde_json::to_string(text).unwrap();
    if escape_more {
        json.replace('é', "\\u00e9")
    } else {
        json
    }
}

/// Any JSON value an unknown field may hold.
fn an_unknown_value() -> impl Strategy<Value = String> {
    prop_oneof![
        a_text().prop_map(|text| quoted(&text, false)),
        any::<i32>().prop_map(|number| number.to_string()),
        Just("1.5e3".to_owned()),
        Just("-0.25".to_owned()),
        any::<bool>().prop_map(|flag| flag.to_string()),
        Just("null".to_owned()),
        Just("{\"nested\":[1,{\"deep\":\"x y\"}]}".to_owned()),
        Just("[]".to_owned()),
    ]
}

/// A JSON object of `fields` in their order, written compactly or spread
/// out as a person or another server might.
fn object(fields: &[(String, String)], spread: bool) -> String {
    let (between, colon, open, close) = if spread {
        (",\n    ", " : ", "{\n    ", "\n  }")
    } else {
        (",", ":", "{", "}")
    };
    let body: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}{colon}{value}", quoted(name, false)))
        .collect();
    format!("{open}{}{close}", body.join(between))
}

/// The same event but for its record (and so an identity made from it).
fn same_but_record(fast: &AuditEvent, slow: &AuditEvent, same_identity: bool) {
    let mut fast_cleared = fast.clone();
    fast_cleared.record = slow.record.clone();
    if !same_identity {
        fast_cleared.id = slow.id.clone();
    }
    assert_eq!(&fast_cleared, slow);
    assert_eq!(fast.raw_fields(), slow.raw_fields(), "detail view");
}

/// Seconds into 2026, written as Cloudera Manager or a variant does.
fn a_time() -> impl Strategy<Value = (i64, u8)> {
    (0i64..31_536_000, 0u8..3)
}

fn iso(seconds: i64, style: u8) -> String {
    let at = Utc.timestamp_opt(1_767_225_600 + seconds, 0).unwrap();
    match style {
        0 => format_iso(at),
        1 => at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
        _ => at.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
    }
}

/// One audit as `(name, JSON)` fields: any documented ones (never null, as
/// `ApiAudit` would drop a null one from its record), any unknown ones.
fn an_audit() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        a_time(),
        proptest::collection::vec(proptest::option::of((a_text(), any::<bool>())), 7),
        proptest::option::of(any::<bool>()),
        // `serviceValues`: the keys the `source` selector reads among
        // others, a key sometimes given twice (a map keeps the last).
        proptest::option::of(proptest::collection::vec(
            (
                prop_oneof![Just("src".to_owned()), Just("source".to_owned()), a_text()],
                a_text(),
            ),
            0..4,
        )),
        proptest::collection::vec(("x[A-Za-z]{1,6}", an_unknown_value()), 0..3),
        any::<u64>(),
    )
        .prop_map(
            |((seconds, style), texts, allowed, values, unknown, order)| {
                let names = [
                    "service",
                    "username",
                    "impersonator",
                    "ipAddress",
                    "command",
                    "resource",
                    "operationText",
                ];
                let mut fields =
                    vec![("timestamp".to_owned(), quoted(&iso(seconds, style), false))];
                for (name, text) in names.iter().zip(texts) {
                    if let Some((text, escape_more)) = text {
                        fields.push(((*name).to_owned(), quoted(&text, escape_more)));
                    }
                }
                if let Some(allowed) = allowed {
                    fields.push(("allowed".to_owned(), allowed.to_string()));
                }
                if let Some(values) = values {
                    let members: Vec<(String, String)> = values
                        .iter()
                        .map(|(key, value)| (key.clone(), quoted(value, false)))
                        .collect();
                    fields.push(("serviceValues".to_owned(), object(&members, false)));
                }
                let mut seen = std::collections::BTreeSet::new();
                for (name, value) in unknown {
                    if seen.insert(name.clone()) {
                        fields.push((name, value));
                    }
                }
                let count = fields.len() as u64;
                fields.rotate_left((order % count) as usize);
                fields
            },
        )
}

/// One Octopai event as fields, under any of the names and cases the
/// decoder accepts, with epoch or ISO timestamps and numbers for text.
fn an_octopai_event() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = |names: &'static [&'static str]| {
        (0..names.len(), 0u8..3).prop_map(move |(which, case)| match case {
            0 => names[which].to_owned(),
            1 => names[which].to_ascii_lowercase(),
            _ => {
                let mut name = names[which].to_owned();
                name[..1].make_ascii_uppercase();
                name
            }
        })
    };
    let kinds = prop_oneof![
        Just("LoginFailed"),
        Just("LOGIN_FAILURE"),
        Just("login success"),
        Just("PageLoad"),
        Just("page-view"),
        Just("Logout"),
        Just("ExportStarted"),
    ];
    let timestamp = prop_oneof![
        a_time().prop_map(|(seconds, style)| quoted(&iso(seconds, style), false)),
        (0i64..31_536_000_000).prop_map(|ms| (1_767_225_600_000 + ms).to_string()),
        (0i64..31_536_000_000).prop_map(|ms| format!("\"{}\"", 1_767_225_600_000 + ms)),
    ];
    let text_or_number = prop_oneof![
        3 => (a_text(), any::<bool>()).prop_map(|(text, more)| quoted(&text, more)),
        1 => any::<u32>().prop_map(|number| number.to_string()),
        1 => Just("2.5e2".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("null".to_owned()),
    ];
    (
        (name(&["userName", "user", "email"]), a_text()),
        (name(&["eventType", "type", "eventName"]), kinds),
        (name(&["timestamp", "time", "createdAt"]), timestamp),
        proptest::collection::vec(proptest::option::of((0usize..4, text_or_number)), 4),
        proptest::collection::vec(("x[A-Za-z]{1,6}", an_unknown_value()), 0..3),
        any::<u64>(),
    )
        .prop_map(|(user, kind, time, optional, unknown, order)| {
            let mut fields = vec![
                (user.0, quoted(&user.1, false)),
                (kind.0, quoted(kind.1, false)),
                time,
            ];
            let optional_names: [&[&str]; 4] = [
                &["id", "eventId", "id", "Id"],
                &["reason", "failureReason", "error", "Reason"],
                &["page", "pageName", "url", "Page"],
                &["ipAddress", "ip", "sourceIp", "IPAddress"],
            ];
            for (names, field) in optional_names.iter().zip(optional) {
                if let Some((which, value)) = field {
                    fields.push((names[which].to_owned(), value));
                }
            }
            fields.extend(unknown);
            let count = fields.len() as u64;
            fields.rotate_left((order % count) as usize);
            fields
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cloudera_answers_decode_as_through_values(
        audits in proptest::collection::vec(an_audit(), 0..6),
        spread in any::<bool>(),
    ) {
        let items: Vec<String> = audits.iter().map(|fields| object(fields, spread)).collect();
        let body = if spread {
            format!("{{\n  \"items\" : [\n  {}\n  ]\n}}", items.join(",\n  "))
        } else {
            format!("{{\"items\":[{}]}}", items.join(","))
        };
        let slow: Vec<AuditEvent> = ApiAuditList::decode(&body)
            .unwrap()
            .items
            .into_iter()
            .map(|audit| AuditEvent::try_from(audit).unwrap())
            .collect();
        let fast = cloudera::decode_events(&body).unwrap();
        prop_assert_eq!(fast.len(), slow.len());
        for ((fast, slow), fields) in fast.iter().zip(&slow).zip(&audits) {
            same_but_record(fast, slow, false);
            // Read from the text, not through the `Value` tree: the record
            // is the audit as sent, in its order, compacted.
            let expected = object(fields, false);
            prop_assert_eq!(&*fast.raw_json(), expected.as_str());
        }
    }

    #[test]
    fn compact_cloudera_answers_decode_to_the_very_same_events(
        audits in proptest::collection::vec(an_audit(), 0..6),
    ) {
        // What the simulated upstream sends: `ApiAudit`s serialised.
        let items: Vec<ApiAudit> = audits
            .iter()
            .map(|fields| serde_json::from_str(&object(fields, false)).unwrap())
            .collect();
        let body = serde_json::to_string(&ApiAuditList { items: items.clone() }).unwrap();
        let slow: Vec<AuditEvent> = items
            .into_iter()
            .map(|audit| AuditEvent::try_from(audit).unwrap())
            .collect();
        prop_assert_eq!(cloudera::decode_events(&body).unwrap(), slow);
    }

    #[test]
    fn a_loads_answers_read_with_one_interner_are_the_same_events_sharing_texts(
        first in proptest::collection::vec(an_audit(), 0..5),
        second in proptest::collection::vec(an_audit(), 0..5),
        people in proptest::collection::vec(an_octopai_event(), 0..5),
    ) {
        let answer = |audits: &[Vec<(String, String)>]| {
            let items: Vec<String> = audits.iter().map(|fields| object(fields, false)).collect();
            format!("{{\"items\":[{}]}}", items.join(","))
        };
        let (one, two) = (answer(&first), answer(&second));
        let people: Vec<String> = people.iter().map(|fields| object(fields, false)).collect();
        let three = format!("[{}]", people.join(","));
        let mut interner = audit_core::event::Interner::default();
        let shared = [
            cloudera::decode_events_with(&one, &mut interner).unwrap(),
            cloudera::decode_events_with(&two, &mut interner).unwrap(),
            octopai::decode_events_with(&three, &mut interner).unwrap().0,
        ];
        let alone = [
            cloudera::decode_events(&one).unwrap(),
            cloudera::decode_events(&two).unwrap(),
            octopai::decode_events(&three).unwrap().0,
        ];
        prop_assert_eq!(&shared, &alone);
        // An account named in several answers is held once.
        let all: Vec<&AuditEvent> = shared.iter().flatten().collect();
        for a in &all {
            for b in all.iter().filter(|b| b.actor == a.actor) {
                prop_assert!(audit_core::event::SharedText::ptr_eq(&a.actor, &b.actor));
            }
        }
    }

    #[test]
    fn octopai_answers_decode_as_through_values(
        events in proptest::collection::vec(an_octopai_event(), 0..6),
        shape in 0u8..3,
        spread in any::<bool>(),
    ) {
        let items: Vec<String> = events.iter().map(|fields| object(fields, spread)).collect();
        let list = format!("[{}]", items.join(if spread { ",\n " } else { "," }));
        let body = match shape {
            0 => list,
            1 => format!("{{\"total\": {}, \"items\": {list}}}", events.len() * 3),
            _ => format!("{{\"Events\":{list},\"count\":\"7\"}}"),
        };
        let slow_page = UserEventsPage::decode(&body).unwrap();
        let slow_total = slow_page.total;
        let slow: Vec<AuditEvent> = slow_page.events.into_iter().map(AuditEvent::from).collect();
        let (fast, total) = octopai::decode_events(&body).unwrap();
        prop_assert_eq!(total, slow_total);
        prop_assert_eq!(fast.len(), slow.len());
        for ((fast, slow), fields) in fast.iter().zip(&slow).zip(&events) {
            let expected = object(fields, false);
            prop_assert_eq!(&*fast.raw_json(), expected.as_str());
            // An event with an id of its own keeps it; one without is
            // known by its record's hash, and the record is now as sent.
            let own_id = slow.raw_fields().iter().any(|(name, value)| {
                (name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("eventId"))
                    && value != "null"
            });
            same_but_record(fast, slow, own_id);
        }
    }
}

#[test]
fn one_interner_holds_an_account_and_a_template_once_across_answers() {
    let answer = |time: &str| {
        format!(
            r#"{{"items":[{{"timestamp":"{time}","service":"hdfs1","username":"etl","ipAddress":"10.0.0.7","command":"delete","resource":"/data/x","allowed":false}}]}}"#
        )
    };
    // Times as the event writes them, so they are marked too.
    let (one, two) = (
        answer("2026-11-21T10:00:00.000Z"),
        answer("2026-11-21T11:00:00.000Z"),
    );
    let mut load = audit_core::event::Interner::default();
    let first = cloudera::decode_events_with(&one, &mut load).unwrap();
    let second = cloudera::decode_events_with(&two, &mut load).unwrap();
    assert!(audit_core::event::SharedText::ptr_eq(
        &first[0].actor,
        &second[0].actor
    ));
    assert!(std::ptr::eq(
        first[0].record.template().as_ptr(),
        second[0].record.template().as_ptr()
    ));
    // Each answer alone holds its own.
    let alone = cloudera::decode_events(&two).unwrap();
    assert!(!audit_core::event::SharedText::ptr_eq(
        &first[0].actor,
        &alone[0].actor
    ));
    assert_eq!(alone, second);
}

#[test]
fn bad_answers_get_the_errors_they_always_got() {
    for body in [
        "<!DOCTYPE html><html>",
        "{\"items\":[{\"timestamp\":",
        "{}",
        "{\"items\":[{\"service\":\"hdfs\"}]}",
        "{\"items\":[{\"timestamp\":\"t\",\"allowed\":\"maybe\"}]}",
        "{\"items\":[{\"timestamp\":\"21/11/2026\"}]}",
        "{\"items\":[{\"timestamp\":\"2026-11-21T10:00:00Z\",\"serviceValues\":{\"a\":1}}]}",
        "{\"items\":[]} trailing",
        "{\"items\":[{\"timestamp\":\"2026-11-21T10:00:00Z\"},]}",
    ] {
        let slow = ApiAuditList::decode(body).and_then(|list| {
            list.items
                .into_iter()
                .map(AuditEvent::try_from)
                .collect::<Result<Vec<_>, _>>()
        });
        let fast = cloudera::decode_events(body);
        let (Err(slow), Err(fast)) = (slow, fast) else {
            panic!("{body} should be refused by both");
        };
        assert!(
            fast.message.ends_with(&slow.message),
            "{body}: {fast} / {slow}"
        );
    }
    for body in [
        "not json",
        "17",
        "{\"page\": 1}",
        "{\"items\": {}}",
        "[1]",
        "[{\"eventType\":\"PageLoad\",\"timestamp\":\"2026-11-21T10:00:00Z\"}]",
        "[{\"userName\":\"a\",\"timestamp\":\"2026-11-21T10:00:00Z\"}]",
        "[{\"userName\":\"a\",\"eventType\":\"PageLoad\",\"timestamp\":[1]}]",
        "[{\"userName\":\"a\",\"eventType\":\"PageLoad\",\"timestamp\":\"soon\"}]",
    ] {
        let slow = UserEventsPage::decode(body).unwrap_err();
        let fast = octopai::decode_events(body).unwrap_err();
        assert_eq!(fast, slow, "{body}");
    }
}

#[test]
fn an_answer_naming_its_list_twice_reads_as_it_always_did() {
    // The `Value` tree keeps the last; the direct path leaves it to that.
    let body = r#"{"items":[{"timestamp":"2026-11-21T10:00:00Z"}],"items":[]}"#;
    assert_eq!(cloudera::decode_events(body).unwrap(), Vec::new());
}

#[test]
fn a_documented_field_sent_as_null_is_shown_as_sent() {
    let body = r#"{"items":[{"timestamp":"2026-11-21T10:00:00Z","service":null,"username":"a","allowed":true}]}"#;
    let events = cloudera::decode_events(body).unwrap();
    assert_eq!(events[0].target, None);
    assert!(events[0]
        .raw_fields()
        .contains(&("service".to_owned(), "null".to_owned())));
}

#[test]
fn keys_spelled_alike_and_keys_given_twice_read_as_through_values() {
    // Of keys alike but for case the smallest counts; of a key given twice
    // the last value: as a `Value` object reads them.
    let body = r#"{"TOTAL":5,"Items":[{"user":"b","User":"a","eventType":"PageLoad","id":"1","id":"2","timestamp":"2026-11-21T10:00:00Z","page":null,"Page":"/home"}],"total":7}"#;
    let slow_page = UserEventsPage::decode(body).unwrap();
    let slow_total = slow_page.total;
    let slow: Vec<AuditEvent> = slow_page.events.into_iter().map(AuditEvent::from).collect();
    let (fast, total) = octopai::decode_events(body).unwrap();
    assert_eq!(total, slow_total);
    assert_eq!(total, Some(5));
    assert_eq!(fast.len(), 1);
    assert_eq!(
        (
            &*fast[0].actor,
            &*fast[0].id.text(),
            fast[0].target.as_deref()
        ),
        ("a", "oct:2", Some("/home"))
    );
    same_but_record(&fast[0], &slow[0], true);
    assert!(
        fast[0].raw_json().contains(r#""id":"1","id":"2""#),
        "read straight from the text: the record as sent"
    );
    // Two lists: left to the `Value` path, which reads them as ever.
    let twice = r#"{"items":[],"Events":[{"user":"a","eventType":"Logout","timestamp":"2026-11-21T10:00:00Z"}]}"#;
    let slow = UserEventsPage::decode(twice).map(|page| page.events.len());
    let fast = octopai::decode_events(twice).map(|(events, _)| events.len());
    assert_eq!(fast, slow);
}
