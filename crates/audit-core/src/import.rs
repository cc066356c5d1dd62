//! Reading saved files back into events, to explore them offline: this
//! dashboard's JSON export (checked against its manifest when that comes
//! along), or a saved raw answer of either API (an Octopai UserEvents page,
//! or a Cloudera Manager audits list).
//!
//! CSV exports are refused: cells that looked like spreadsheet formulas were
//! neutralised on the way out, so they cannot be read back exactly.

use serde::Deserialize;
use serde_json::Value;

use crate::cloudera::ApiAuditList;
use crate::event::AuditEvent;
use crate::export::{sha256_hex, CSV_COLUMNS};
use crate::octopai::UserEventsPage;
use crate::time::{parse_iso, TimeWindow};

/// What a file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// This dashboard's JSON export.
    Export,
    /// A saved Octopai UserEvents answer.
    OctopaiAnswer,
    /// A saved Cloudera Manager audits answer.
    ClouderaAnswer,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::Export => "this dashboard's JSON export",
            Format::OctopaiAnswer => "a saved Octopai UserEvents answer",
            Format::ClouderaAnswer => "a saved Cloudera Manager audits answer",
        }
    }
}

/// The parts of an export manifest an import checks and uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ManifestCheck {
    pub format: String,
    pub rows: usize,
    pub sha256: String,
    pub window_start: String,
    pub window_end: String,
    #[serde(default)]
    pub query: String,
}

/// A file read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub format: Format,
    /// Newest first, each event once.
    pub events: Vec<AuditEvent>,
    /// The export's window and query, when its manifest came along and
    /// matched the file.
    pub window: Option<TimeWindow>,
    pub query: Option<String>,
}

/// Whether `text` is an export manifest (rather than data).
pub fn is_manifest(text: &str) -> bool {
    serde_json::from_str::<ManifestCheck>(text.trim_start_matches('\u{feff}')).is_ok()
}

/// Reads a saved file; with `manifest`, the file must be the one it
/// describes (same checksum and row count).
pub fn read(text: &str, manifest: Option<&str>) -> Result<Imported, String> {
    let check = manifest
        .map(|manifest| {
            serde_json::from_str::<ManifestCheck>(manifest.trim_start_matches('\u{feff}'))
                .map_err(|error| format!("The manifest cannot be read ({error})."))
        })
        .transpose()?;
    if let Some(check) = &check {
        if check.format == "csv" {
            return Err(csv_refused());
        }
        if sha256_hex(text) != check.sha256 {
            return Err("The file does not match its manifest: its SHA-256 checksum differs, so it was changed or is not the file the manifest describes. Nothing was imported.".into());
        }
    }
    let mut imported = read_data(text)?;
    if let Some(check) = check {
        if imported.events.len() != check.rows {
            return Err(format!(
                "The file holds {} distinct events but its manifest says {}. Nothing was imported.",
                imported.events.len(),
                check.rows
            ));
        }
        let start = parse_iso(&check.window_start)
            .map_err(|problem| format!("The manifest's window start is unusable: {problem}"))?;
        let end = parse_iso(&check.window_end)
            .map_err(|problem| format!("The manifest's window end is unusable: {problem}"))?;
        imported.window = Some(TimeWindow::new(start, end)?);
        imported.query = Some(check.query);
    }
    Ok(imported)
}

fn csv_refused() -> String {
    "CSV exports cannot be read back exactly (cells that looked like spreadsheet formulas were neutralised). Import the JSON export instead.".into()
}

fn read_data(text: &str) -> Result<Imported, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err("The file is empty.".into());
    }
    if trimmed.starts_with(&CSV_COLUMNS.join(",")) {
        return Err(csv_refused());
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|error| {
        format!("The file is not JSON ({error}). Import this dashboard's JSON export, or a saved Octopai or Cloudera Manager answer.")
    })?;
    let items: &[Value] = match &value {
        Value::Array(items) => items,
        Value::Object(object) => object
            .iter()
            .find(|(key, _)| {
                key.eq_ignore_ascii_case("items") || key.eq_ignore_ascii_case("events")
            })
            .and_then(|(_, items)| items.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default(),
        _ => &[],
    };
    let first = items.first().ok_or(
        "The file holds no events (an empty list, or JSON that is neither an export nor an API answer).",
    )?;
    let has = |name: &str| first.get(name).is_some();
    let (format, events) = if has("source") && has("actor") && has("raw_json") {
        let events: Vec<AuditEvent> = serde_json::from_value(value).map_err(|error| {
            format!("The file looks like this dashboard's JSON export, but an event in it cannot be read: {error}")
        })?;
        (Format::Export, events)
    } else if has("service") || has("allowed") || has("command") || has("operationText") {
        let list = match value {
            Value::Array(items) => {
                ApiAuditList::decode(&serde_json::json!({ "items": items }).to_string())
            }
            object => ApiAuditList::decode(&object.to_string()),
        }
        .map_err(|error| error.message)?;
        let events = list
            .items
            .into_iter()
            .map(AuditEvent::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("An audit in the file cannot be read: {error}"))?;
        (Format::ClouderaAnswer, events)
    } else {
        let page = UserEventsPage::from_value(value).map_err(|error| error.message)?;
        let events = page.events.into_iter().map(AuditEvent::from).collect();
        (Format::OctopaiAnswer, events)
    };
    let mut events: Vec<AuditEvent> = events;
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
    events.dedup_by(|a, b| a.id == b.id);
    Ok(Imported {
        format,
        events,
        window: None,
        query: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventKind, Outcome, Source};
    use crate::export::{manifest, to_csv, to_json, Scope};
    use crate::fixture::event;

    fn sample() -> Vec<AuditEvent> {
        vec![
            event(
                "b",
                Source::ClouderaManager,
                "2026-11-21T10:00:00Z",
                EventKind::Operation,
                Outcome::Denied,
            )
            .by("admin"),
            event(
                "a",
                Source::Octopai,
                "2026-11-21T09:00:00Z",
                EventKind::Login,
                Outcome::Failed,
            )
            .by("=cmd|' /C calc'!A0"),
        ]
    }

    fn scope() -> Scope {
        Scope {
            query: "allowed==false".into(),
            window: TimeWindow::new(
                parse_iso("2026-11-21T00:00:00Z").unwrap(),
                parse_iso("2026-11-22T00:00:00Z").unwrap(),
            )
            .unwrap(),
            sources: vec!["octopai".into(), "cloudera".into()],
            incomplete: None,
            masked: false,
        }
    }

    #[test]
    fn a_json_export_reads_back_as_the_same_events_with_its_window_from_the_manifest() {
        let events = sample();
        let json = to_json(&events);
        let plain = read(&json, None).unwrap();
        assert_eq!(plain.format, Format::Export);
        assert_eq!(plain.events, events);
        assert_eq!(plain.window, None);
        let described = manifest("json", "audit.json", &json, events.len(), &scope());
        let described = serde_json::to_string(&described).unwrap();
        assert!(is_manifest(&described));
        assert!(!is_manifest(&json));
        let checked = read(&json, Some(&described)).unwrap();
        assert_eq!(checked.events, events);
        assert_eq!(checked.window, Some(scope().window));
        assert_eq!(checked.query.as_deref(), Some("allowed==false"));
    }

    #[test]
    fn a_file_that_does_not_match_its_manifest_is_refused() {
        let events = sample();
        let json = to_json(&events);
        let described =
            serde_json::to_string(&manifest("json", "audit.json", &json, 2, &scope())).unwrap();
        let changed = json.replace("admin", "admln");
        assert!(read(&changed, Some(&described))
            .unwrap_err()
            .contains("checksum differs"));
        let miscounted =
            serde_json::to_string(&manifest("json", "audit.json", &json, 3, &scope())).unwrap();
        assert!(read(&json, Some(&miscounted))
            .unwrap_err()
            .contains("manifest says 3"));
    }

    #[test]
    fn saved_api_answers_read_as_their_source() {
        let octopai = r#"{"items":[{"id":"e1","eventType":"LoginFailed","timestamp":"2026-11-21T09:00:00Z","userName":"ana@example.com","ipAddress":"10.0.0.1"},{"id":"e1","eventType":"LoginFailed","timestamp":"2026-11-21T09:00:00Z","userName":"ana@example.com"}],"total":2}"#;
        let read_back = read(octopai, None).unwrap();
        assert_eq!(read_back.format, Format::OctopaiAnswer);
        assert_eq!(read_back.events.len(), 1, "duplicates dropped");
        assert_eq!(read_back.events[0].source, Source::Octopai);
        let cloudera = r#"{"items":[{"timestamp":"2026-11-21T10:00:00Z","service":"hive","username":"admin","command":"QUERY","allowed":false,"ipAddress":"10.0.0.2"}]}"#;
        let read_back = read(cloudera, None).unwrap();
        assert_eq!(read_back.format, Format::ClouderaAnswer);
        assert_eq!(read_back.events[0].source, Source::ClouderaManager);
        assert_eq!(read_back.events[0].outcome, Outcome::Denied);
    }

    #[test]
    fn what_cannot_be_read_says_why() {
        for (text, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("{not json", "not JSON"),
            ("[]", "no events"),
            ("{\"items\":[]}", "no events"),
            ("42", "no events"),
            (
                to_csv(&sample()).as_str(),
                "CSV exports cannot be read back",
            ),
            (
                "[{\"source\":\"octopai\",\"actor\":\"x\",\"raw_json\":\"{}\"}]",
                "cannot be read",
            ),
        ] {
            let error = read(text, None).unwrap_err();
            assert!(error.contains(why), "{text:?}: {error}");
        }
    }
}
