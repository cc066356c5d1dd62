//! Exports of a large window are complete and verifiable: a window of over
//! 100,000 generated events exports to exactly its rows, in CSV and JSON,
//! and each file matches its manifest's row count and checksum.

use std::collections::HashSet;

use audit_core::export::{manifest, to_csv, to_json, Scope};
use audit_core::time::{parse_iso, TimeWindow};
use audit_core::AuditEvent;
use sha2::{Digest, Sha256};
use simulated_upstreams::data::generate;
use simulated_upstreams::DataConfig;

#[test]
fn a_window_of_over_100_000_events_exports_exactly_its_rows_and_matches_its_manifest() {
    let end = parse_iso("2026-11-22T12:00:00Z").expect("a time");
    let data = generate(&DataConfig {
        scale: 4.0,
        ..DataConfig::new(end)
    });
    let start = end - chrono::Duration::days(7);
    // What the window holds, counted from the generated records themselves.
    let expected = data
        .octopai
        .iter()
        .filter(|r| start <= r.at && r.at < end)
        .count()
        + data
            .cloudera
            .iter()
            .filter(|r| start <= r.at && r.at < end)
            .count();
    assert!(expected >= 100_000, "only {expected} events in the window");
    let events = data.audit_events(start, end);
    assert_eq!(events.len(), expected);
    let scope = Scope {
        query: String::new(),
        window: TimeWindow::new(start, end).expect("a window"),
        sources: vec!["octopai".into(), "cloudera".into()],
        incomplete: None,
        masked: false,
    };

    let csv = to_csv(&events);
    let csv_manifest = manifest("csv", "audit.csv", &csv, events.len(), &scope);
    assert_eq!(csv_manifest.rows, expected);
    assert!(csv_manifest.complete);
    let sha = |text: &str| {
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    };
    assert_eq!(csv_manifest.sha256, sha(&csv));
    // One line per event after the header (the demo's fields hold no line
    // breaks), and every event's id exactly once, in the last column.
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), expected + 1);
    let ids: HashSet<&str> = lines[1..]
        .iter()
        .map(|line| line.rsplit(',').next().expect("an id"))
        .collect();
    assert_eq!(ids.len(), expected, "every row a different event");
    let want: HashSet<String> = events.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, want.iter().map(String::as_str).collect());

    let json = to_json(&events);
    let json_manifest = manifest("json", "audit.json", &json, events.len(), &scope);
    assert_eq!(json_manifest.sha256, sha(&json));
    // The JSON export reads back as the very same events.
    let back: Vec<AuditEvent> = serde_json::from_str(&json).expect("the export reads back");
    assert_eq!(back, events);
}
