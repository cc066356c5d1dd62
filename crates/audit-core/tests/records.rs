//! Records held as templates still leave the JSON export as it always was,
//! and an export written before reads back to the same events.
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use audit_core::export::to_json;
use audit_core::AuditEvent;

/// An Octopai answer with unknown fields, names in mixed case, an epoch
/// timestamp, two events alike but for their values and one whose values
/// also appear in other fields.
const OCTOPAI: &str = r#"{"items":[
 {"Id":"ev-1","UserName":"mia@example.com","eventType":"LoginFailed","timestamp":"2026-11-21T10:05:30.000Z","ipAddress":"203.0.113.9","reason":"Wrong password","userAgent":"curl/8","tenant":{"name":"acme","seats":[1,2]}},
 {"Id":"ev-2","UserName":"raj@example.com","eventType":"LoginFailed","timestamp":"2026-11-21T10:05:31.000Z","ipAddress":"203.0.113.10","reason":"Wrong password","userAgent":"curl/8","tenant":{"name":"acme","seats":[1,2]}},
 {"id":"ev-3","userName":"mia@example.com","eventType":"PageLoad","timestamp":1763720130000,"page":"/lineage","note":"mia@example.com opened /lineage","alias":"mia@example.com"}
],"total":3}"#;

/// A Cloudera Manager answer with a field the documentation does not name,
/// and two HDFS audits alike but for their values, the resource repeated
/// in the service's own values.
const CLOUDERA: &str = r#"{"items":[
 {"timestamp":"2026-11-21T10:00:00.000Z","service":"hive1","username":"hive","impersonator":null,"ipAddress":"10.20.1.10","command":"QUERY","resource":"default.t","operationText":"SELECT 1","allowed":false,"serviceValues":{"database_name":"default"},"extra":"hive"},
 {"timestamp":"2026-11-21T09:00:00.000Z","service":"hdfs1","username":"ana","ipAddress":"10.20.1.11","command":"open","resource":"/user/ana/a.csv","allowed":true,"serviceValues":{"src":"/user/ana/a.csv","permissions":"rw"}},
 {"timestamp":"2026-11-21T09:00:05.000Z","service":"hdfs1","username":"raj","ipAddress":"10.20.1.12","command":"open","resource":"/user/raj/b.csv","allowed":true,"serviceValues":{"src":"/user/raj/b.csv","permissions":"rw"}}
]}"#;

fn decoded() -> Vec<AuditEvent> {
    let mut events = audit_core::octopai::decode_events(OCTOPAI).unwrap().0;
    events.extend(audit_core::cloudera::decode_events(CLOUDERA).unwrap());
    events
}

#[test]
fn a_record_reads_back_exactly_as_it_was_sent() {
    let events = decoded();
    let records: Vec<String> = events.iter().map(|e| e.raw_json().into_owned()).collect();
    assert_eq!(
        records[0],
        r#"{"Id":"ev-1","UserName":"mia@example.com","eventType":"LoginFailed","timestamp":"2026-11-21T10:05:30.000Z","ipAddress":"203.0.113.9","reason":"Wrong password","userAgent":"curl/8","tenant":{"name":"acme","seats":[1,2]}}"#
    );
    assert_eq!(
        records[2],
        r#"{"id":"ev-3","userName":"mia@example.com","eventType":"PageLoad","timestamp":1763720130000,"page":"/lineage","note":"mia@example.com opened /lineage","alias":"mia@example.com"}"#
    );
    assert_eq!(
        records[3],
        r#"{"timestamp":"2026-11-21T10:00:00.000Z","service":"hive1","username":"hive","impersonator":null,"ipAddress":"10.20.1.10","command":"QUERY","resource":"default.t","operationText":"SELECT 1","allowed":false,"serviceValues":{"database_name":"default"},"extra":"hive"}"#
    );
    // The two failed logins alike but for their values share one template,
    // and so do the two HDFS audits, their resource repeated or not.
    assert!(events[0].record.shares_template(&events[1].record));
    assert!(events[4].record.shares_template(&events[5].record));
    assert_eq!(
        events[5].raw_json(),
        r#"{"timestamp":"2026-11-21T09:00:05.000Z","service":"hdfs1","username":"raj","ipAddress":"10.20.1.12","command":"open","resource":"/user/raj/b.csv","allowed":true,"serviceValues":{"src":"/user/raj/b.csv","permissions":"rw"}}"#
    );
    // The detail view lists every field, nested ones as JSON text.
    let fields = events[0].raw_fields();
    assert_eq!(fields.len(), 8);
    assert!(fields.contains(&("tenant".into(), r#"{"name":"acme","seats":[1,2]}"#.into())));
    assert!(fields.contains(&("timestamp".into(), "2026-11-21T10:05:30.000Z".into())));
    assert!(events[2]
        .raw_fields()
        .contains(&("timestamp".into(), "1763720130000".into())));
}

#[test]
fn the_export_is_the_format_it_always_was() {
    let events = decoded();
    let json = to_json(&events[3..4]);
    // Field for field what the export wrote when records were whole texts.
    let expected = concat!(
        r#"[{"id":"#,
        "\"",
        "ID",
        "\",",
        r#""source":"ClouderaManager","at":"2026-11-21T10:00:00Z","actor":"hive","ip":"10.20.1.10","kind":"Operation","action":"QUERY","target":"default.t","outcome":"Denied","detail":"SELECT 1","raw_json":"#,
        r#""{\"timestamp\":\"2026-11-21T10:00:00.000Z\",\"service\":\"hive1\",\"username\":\"hive\",\"impersonator\":null,\"ipAddress\":\"10.20.1.10\",\"command\":\"QUERY\",\"resource\":\"default.t\",\"operationText\":\"SELECT 1\",\"allowed\":false,\"serviceValues\":{\"database_name\":\"default\"},\"extra\":\"hive\"}"}]"#
    )
    .replace("ID", &events[3].id.to_string());
    assert_eq!(json, expected);
}

#[test]
fn an_export_reads_back_to_the_same_events_and_writes_the_same_file() {
    let mut events = decoded();
    // An import holds its events newest first.
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
    let json = to_json(&events);
    let back = audit_core::import::read(&json, None).unwrap().events;
    assert_eq!(back.len(), events.len());
    for (back, event) in back.iter().zip(&events) {
        assert_eq!(back.raw_json(), event.raw_json());
        assert_eq!(back.raw_fields(), event.raw_fields());
        assert_eq!(back, event);
    }
    assert_eq!(to_json(&back), json);
}
