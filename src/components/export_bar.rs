//! Export of everything the view shows, as CSV or JSON, each with a
//! manifest file (query, window, sources, rows, SHA-256). Nothing is capped
//! silently: when the view does not hold every matching event, the page and
//! the manifest both say why.

use audit_core::columns::EventColumn;
use audit_core::export::{self, Scope};
use leptos::prelude::*;

use crate::download;
use crate::format::format_count;

/// A file name part from an instant: `2026-11-21T09-30-00Z`.
fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H-%M-%SZ").to_string()
}

/// The two files of an export: `(name, mime, contents)` for the data, then
/// for its manifest.
/// A CSV export is in `columns` (the table's, once chosen); a JSON export
/// keeps every field, so it can be opened again.
pub fn export_files(
    events: &(impl audit_core::Events + ?Sized),
    scope: &Scope,
    json: bool,
    columns: &[EventColumn],
) -> [(String, &'static str, String); 2] {
    let base = format!(
        "audit-events-{}-{}",
        stamp(scope.window.start()),
        stamp(scope.window.end())
    );
    let (format, mime, contents) = if json {
        ("json", "application/json", export::to_json(events))
    } else {
        ("csv", "text/csv", export::to_csv_with(events, columns))
    };
    let file = format!("{base}.{format}");
    let manifest = export::manifest(format, &file, &contents, events.len(), scope);
    let manifest_text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    [
        (file, mime, contents),
        (
            format!("{base}.{format}.manifest.json"),
            "application/json",
            manifest_text,
        ),
    ]
}

#[component]
pub fn ExportBar(
    events: Signal<audit_core::Rows>,
    /// What the view covers, or `None` while it cannot be exported (no
    /// window yet, or still loading).
    scope: Signal<Option<Scope>>,
    /// A CSV export's columns.
    csv_columns: Signal<Vec<EventColumn>>,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let save = move |json: bool| {
        let Some(scope) = scope.get_untracked() else {
            return;
        };
        let columns = csv_columns.get_untracked();
        let result = events.with_untracked(|events| {
            export_files(events, &scope, json, &columns)
                .iter()
                .try_for_each(|(name, mime, contents)| download::save_text(name, mime, contents))
        });
        problem.set(result.err());
    };
    view! {
        <section class="export" aria-label="Export">
            <button type="button" id="export-csv" prop:disabled=move || scope.with(Option::is_none) on:click=move |_| save(false)>"Export CSV"</button>
            <button type="button" id="export-json" prop:disabled=move || scope.with(Option::is_none) on:click=move |_| save(true)>"Export JSON"</button>
            <span class="export-note">
                {move || match scope.get() {
                    None => "Export is available once loading has finished.".to_owned(),
                    Some(Scope { incomplete: Some(why), .. }) => format!(
                        "Exports the {} events shown, which are not all that match: {why} The manifest says so too.",
                        format_count(events.with(|events| events.len()) as u64)
                    ),
                    Some(Scope { masked: true, .. }) => format!(
                        "Exports all {} events this view shows, masked (privacy mode is on), with a manifest that says so.",
                        format_count(events.with(|events| events.len()) as u64)
                    ),
                    Some(_) => format!(
                        "Exports all {} events this view shows, with a manifest (query, window, sources, row count, SHA-256).",
                        format_count(events.with(|events| events.len()) as u64)
                    ),
                }}
            </span>
            {move || problem.get().map(|problem| view! { <p class="error-view" role="alert">"The export failed: " {problem}</p> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::fixture::event;
    use audit_core::time::parse_iso;
    use audit_core::{EventKind, Outcome, Source, TimeWindow};

    #[test]
    fn an_export_is_the_file_and_a_manifest_that_checks_it() {
        let events = vec![event(
            "1",
            Source::Octopai,
            "2026-11-21T10:00:00Z",
            EventKind::Login,
            Outcome::Failed,
        )];
        let scope = Scope {
            query: "allowed==false".into(),
            window: TimeWindow::new(
                parse_iso("2026-11-21T00:00:00Z").unwrap(),
                parse_iso("2026-11-22T00:00:00Z").unwrap(),
            )
            .unwrap(),
            sources: vec!["Octopai".into()],
            incomplete: None,
            masked: false,
        };
        let [(file, mime, csv), (manifest_name, _, manifest)] =
            export_files(&events, &scope, false, &audit_core::columns::CSV_DEFAULT);
        assert_eq!(
            file,
            "audit-events-2026-11-21T00-00-00Z-2026-11-22T00-00-00Z.csv"
        );
        assert_eq!(mime, "text/csv");
        assert_eq!(manifest_name, format!("{file}.manifest.json"));
        let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(manifest["rows"], 1);
        assert_eq!(manifest["file"], file.as_str());
        assert_eq!(
            manifest["sha256"],
            audit_core::export::sha256_hex(&csv).as_str()
        );
        assert_eq!(manifest["complete"], true);
        let [(json_file, _, json), _] =
            export_files(&events, &scope, true, &audit_core::columns::CSV_DEFAULT);
        assert!(json_file.ends_with(".json"));
        assert_eq!(
            serde_json::from_str::<Vec<audit_core::AuditEvent>>(&json).unwrap(),
            events
        );
    }
}
