//! Exports of the events a view holds, as CSV or JSON, each with a
//! manifest that says what the file is (query, window, sources, rows) and
//! how to check it (its SHA-256). CSV cells that a spreadsheet would run as
//! a formula are neutralised.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::columns::{EventColumn, CSV_DEFAULT};
use crate::event::Events;
use crate::time::{format_iso, TimeWindow};

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 10] = [
    "time",
    "source",
    "user",
    "ip_address",
    "kind",
    "action",
    "target",
    "outcome",
    "detail",
    "id",
];

/// A cell a spreadsheet would not run: one starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP's advice).
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// One CSV field: neutralised, and quoted when it holds a comma, a quote or
/// a line break (RFC 4180).
fn field(cell: &str) -> String {
    let cell = neutralise(cell);
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// The events as CSV, one row each, times in ISO 8601 UTC (`Z`), in the
/// columns exports have always had ([`CSV_COLUMNS`]).
pub fn to_csv(events: &(impl Events + ?Sized)) -> String {
    to_csv_with(events, &CSV_DEFAULT)
}

/// The events as CSV in `columns`, in their order: a person's choice of
/// the table's columns, a record's own fields among them.
pub fn to_csv_with(events: &(impl Events + ?Sized), columns: &[EventColumn]) -> String {
    let mut out = columns
        .iter()
        .map(|column| field(&column.csv_heading()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for event in events.iter() {
        let mut raw = None;
        let cells: Vec<String> = columns
            .iter()
            .map(|column| field(&column.text(event, &mut raw)))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The events as JSON: every unified field and the upstream's own record.
pub fn to_json(events: &(impl Events + ?Sized)) -> String {
    serde_json::to_string(&Sequence(events)).unwrap_or_else(|_| "[]".to_owned())
}

/// Events written as a JSON array, whatever holds them.
struct Sequence<'a, E: ?Sized>(&'a E);

impl<E: Events + ?Sized> serde::Serialize for Sequence<'_, E> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

/// What an export is, and how to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// `csv` or `json`.
    pub format: String,
    pub file: String,
    pub query: String,
    pub window_start: String,
    pub window_end: String,
    pub sources: Vec<String>,
    pub rows: usize,
    /// SHA-256 of the file's bytes, hex (`sha256sum` prints the same).
    pub sha256: String,
    /// Whether every matching event of the window is in the file; when not,
    /// `incomplete` says why.
    pub complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Made in privacy mode: people and addresses are pseudonyms.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub masked: bool,
    /// What masking changed, when the export is masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masking: Option<String>,
}

/// What a masked export's manifest says about it.
pub const MASKING: &str = "Privacy mode: user names, e-mail addresses and IP addresses are replaced by pseudonyms (user-…, ip-…) of one browser session, the same person always the same pseudonym; counts are unchanged. Resource paths are kept as recorded, even where they contain a user name.";

/// Hex SHA-256 of `text`'s bytes.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// What an export covers: the view it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub query: String,
    pub window: TimeWindow,
    pub sources: Vec<String>,
    /// Why the view does not hold every matching event, if it does not.
    pub incomplete: Option<String>,
    /// Whether people and addresses are masked (privacy mode).
    pub masked: bool,
}

/// The manifest of `contents` (`rows` events), written as `file`.
pub fn manifest(format: &str, file: &str, contents: &str, rows: usize, scope: &Scope) -> Manifest {
    Manifest {
        format: format.to_owned(),
        file: file.to_owned(),
        query: scope.query.clone(),
        window_start: format_iso(scope.window.start()),
        window_end: format_iso(scope.window.end()),
        sources: scope.sources.clone(),
        rows,
        sha256: sha256_hex(contents),
        complete: scope.incomplete.is_none(),
        incomplete: scope.incomplete.clone(),
        masked: scope.masked,
        masking: scope.masked.then(|| MASKING.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AuditEvent, EventKind, Outcome, Source};
    use crate::fixture::event;
    use crate::time::parse_iso;

    fn events() -> Vec<AuditEvent> {
        let mut formula = event(
            "2",
            Source::ClouderaManager,
            "2026-11-21T10:00:00Z",
            EventKind::Operation,
            Outcome::Denied,
        )
        .by("=HYPERLINK(\"http://evil.example\",\"x\")")
        .from_ip("10.0.0.1");
        formula.detail = Some("SELECT a, b\nFROM t".into());
        vec![
            event(
                "1",
                Source::Octopai,
                "2026-11-21T10:05:00Z",
                EventKind::Login,
                Outcome::Failed,
            )
            .by("raj@example.com")
            .from_ip("203.0.113.66"),
            formula,
        ]
    }

    #[test]
    fn formulas_are_neutralised_and_only_they() {
        for risky in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        for safe in ["raj", "1", "", "a=b"] {
            assert_eq!(neutralise(safe), safe);
        }
    }

    #[test]
    fn csv_has_a_header_one_row_per_event_and_quotes_what_needs_it() {
        let csv = to_csv(&events());
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "2026-11-21T10:05:00.000Z,Octopai,raj@example.com,203.0.113.66,login,a,,failed,,1"
        );
        // The formula is neutralised and quoted; the line break stays inside
        // its quoted cell.
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
            "{csv}"
        );
        assert!(csv.contains("\"SELECT a, b\nFROM t\""));
        assert!(csv.ends_with("\r\n"));
    }

    #[test]
    fn the_usual_csv_columns_are_the_format_exports_always_had() {
        let headings: Vec<String> = CSV_DEFAULT
            .iter()
            .map(|column| column.csv_heading().into_owned())
            .collect();
        assert_eq!(headings, CSV_COLUMNS);
    }

    #[test]
    fn a_csv_in_chosen_columns_has_them_in_order_a_records_field_among_them() {
        let events: Vec<AuditEvent> = events()
            .into_iter()
            .map(|event| event.with_raw_json(r#"{"userAgent":"=cmd()","n":1}"#))
            .collect();
        let columns = [
            EventColumn::User,
            EventColumn::Raw("userAgent".into()),
            EventColumn::Time,
            EventColumn::Raw("missing".into()),
        ];
        let csv = to_csv_with(&events, &columns);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "user,userAgent,time,missing");
        // A record's field is neutralised like any cell.
        assert_eq!(
            lines[1],
            "raj@example.com,'=cmd(),2026-11-21T10:05:00.000Z,"
        );
        assert_eq!(lines.len(), events.len() + 2);
    }

    #[test]
    fn json_round_trips_every_event() {
        let json = to_json(&events());
        let back: Vec<AuditEvent> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, events());
    }

    #[test]
    fn the_manifest_names_the_file_and_its_checksum() {
        let window = TimeWindow::new(
            parse_iso("2026-11-21T00:00:00Z").unwrap(),
            parse_iso("2026-11-22T00:00:00Z").unwrap(),
        )
        .unwrap();
        let csv = to_csv(&events());
        let scope = Scope {
            query: "allowed==false".into(),
            window,
            sources: vec!["Octopai".into()],
            incomplete: None,
            masked: false,
        };
        let manifest = manifest("csv", "audit.csv", &csv, 2, &scope);
        assert_eq!(manifest.rows, 2);
        assert!(manifest.complete);
        assert_eq!(manifest.sha256, sha256_hex(&csv));
        assert_eq!(manifest.sha256.len(), 64);
        // The SHA-256 of "abc", as every tool prints it.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let partial = super::manifest(
            "json",
            "a.json",
            "[]",
            0,
            &Scope {
                incomplete: Some("cancelled".into()),
                ..scope.clone()
            },
        );
        assert!(!partial.complete);
        let text = serde_json::to_string(&partial).unwrap();
        assert!(text.contains("\"incomplete\":\"cancelled\""));
        assert!(
            !text.contains("masked"),
            "an export not masked says nothing of it"
        );
        let masked = super::manifest(
            "csv",
            "audit.csv",
            &csv,
            2,
            &Scope {
                masked: true,
                ..scope
            },
        );
        let text = serde_json::to_string(&masked).unwrap();
        assert!(
            text.contains("\"masked\":true") && text.contains("pseudonyms"),
            "{text}"
        );
    }
}
