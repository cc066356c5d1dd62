//! Opening a saved file to explore offline: this dashboard's JSON export
//! (with its manifest, which is then checked and gives the window), or a
//! saved Octopai or Cloudera Manager answer. Drop the files on the field or
//! choose them. They are read in the browser and kept in this tab's memory;
//! nothing is stored or sent.

use audit_core::import::{self, Imported};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use crate::view_state::{DashboardView, TimeRange};
use crate::{use_offline, OfflineFile};

/// Reads one data file, and its manifest if one came along: `files` are
/// `(name, text)` as chosen.
pub fn open_files(files: &[(String, String)]) -> Result<(String, Imported), String> {
    let (manifests, data): (Vec<_>, Vec<_>) = files
        .iter()
        .partition(|(_, text)| import::is_manifest(text));
    match (data.as_slice(), manifests.as_slice()) {
        ([(name, text)], []) => Ok((name.clone(), import::read(text, None)?)),
        ([(name, text)], [(_, manifest)]) => {
            Ok((name.clone(), import::read(text, Some(manifest))?))
        }
        ([], _) => {
            Err("Only a manifest was chosen: choose the export it describes as well.".into())
        }
        _ => Err("Choose one data file, and at most its manifest.".into()),
    }
}

/// Where the dashboard opens for an imported file: the export's window
/// when its manifest gave one (in UTC, as the manifest is), else the
/// whole file.
pub fn dashboard_url(imported: &Imported) -> String {
    match imported.window {
        Some(window) => DashboardView {
            range: TimeRange::Absolute {
                start: window.start(),
                end: window.end(),
            },
            ..DashboardView::default()
        }
        .to_url(),
        None => "/dashboard".to_owned(),
    }
}

async fn read_text(file: web_sys::File) -> Result<String, String> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| format!("The browser could not read {}.", file.name()))
}

#[component]
pub fn ImportFile() -> impl IntoView {
    let offline = use_offline();
    let navigate = use_navigate();
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_change = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(list) = input.files() else { return };
        let chosen: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        if chosen.is_empty() {
            return;
        }
        busy.set(true);
        problem.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let mut files = Vec::new();
            for file in chosen {
                let name = file.name();
                match read_text(file).await {
                    Ok(text) => files.push((name, text)),
                    Err(why) => {
                        problem.set(Some(why));
                        busy.set(false);
                        return;
                    }
                }
            }
            // The same file chosen again must fire a change too.
            input.set_value("");
            busy.set(false);
            match open_files(&files) {
                Ok((name, imported)) => {
                    let url = dashboard_url(&imported);
                    offline.0.set(Some(OfflineFile {
                        id: js_sys::Date::now() as u64,
                        name,
                        imported,
                    }));
                    navigate(&url, Default::default());
                }
                Err(why) => problem.set(Some(why)),
            }
        });
    };
    view! {
        <div class="import-file">
            <label for="import-file">
                "Explore a saved file offline: drop it here or choose it. This dashboard's JSON export (add its manifest to check it and keep its time range), or a saved Octopai or Cloudera Manager answer. The file stays in this tab; nothing is sent."
            </label>
            <input id="import-file" type="file" multiple accept=".json,application/json" on:change=on_change
                disabled=move || busy.get()/>
            {move || problem.get().map(|why| view! {
                <p class="error-view" id="import-error" role="alert">"The file was not opened: " {why}</p>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::event::{EventKind, Outcome, Source};
    use audit_core::export::{manifest, to_json, Scope};
    use audit_core::fixture::event;
    use audit_core::time::{parse_iso, TimeWindow};

    fn export() -> (String, String) {
        let events = vec![event(
            "a",
            Source::Octopai,
            "2026-11-21T09:00:00Z",
            EventKind::Login,
            Outcome::Failed,
        )];
        let json = to_json(&events);
        let scope = Scope {
            query: String::new(),
            window: TimeWindow::new(
                parse_iso("2026-11-21T00:00:00Z").expect("time"),
                parse_iso("2026-11-22T00:00:00Z").expect("time"),
            )
            .expect("window"),
            sources: vec!["Octopai".into()],
            incomplete: None,
            masked: false,
        };
        let described = manifest("json", "a.json", &json, 1, &scope);
        (json, serde_json::to_string(&described).expect("manifest"))
    }

    #[test]
    fn a_file_and_its_manifest_open_in_either_order_at_the_export_window() {
        let (json, described) = export();
        for files in [
            vec![
                ("a.json".to_owned(), json.clone()),
                ("m.json".to_owned(), described.clone()),
            ],
            vec![
                ("m.json".to_owned(), described.clone()),
                ("a.json".to_owned(), json.clone()),
            ],
        ] {
            let (name, imported) = open_files(&files).expect("opens");
            assert_eq!(name, "a.json");
            assert_eq!(
                dashboard_url(&imported),
                "/dashboard?from=2026-11-21T00%3A00%3A00.000Z&to=2026-11-22T00%3A00%3A00.000Z"
            );
        }
        let (_, alone) = open_files(&[("a.json".to_owned(), json)]).expect("opens");
        assert_eq!(dashboard_url(&alone), "/dashboard");
    }

    #[test]
    fn a_manifest_alone_or_two_data_files_are_refused_with_a_reason() {
        let (json, described) = export();
        assert!(open_files(&[("m.json".to_owned(), described)])
            .unwrap_err()
            .contains("Only a manifest"));
        assert!(open_files(&[
            ("a.json".to_owned(), json.clone()),
            ("b.json".to_owned(), json)
        ])
        .unwrap_err()
        .contains("one data file"));
    }
}
