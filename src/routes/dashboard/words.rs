//! What the dashboard says about what it shows, as plain functions: the
//! export's scope, the narrowing line, each source's status and the query
//! as sent. Tested natively; the components only place these words.

use audit_core::detect::Detection;
use audit_core::export::Scope;
use audit_core::{Source, TimeWindow};

use super::loads::SourceState;
use crate::format::format_count;
use crate::view_state::{DashboardView, Focus};

/// What an export of `view` covers, given where each source's load stands.
pub fn export_scope(
    view: &DashboardView,
    window: TimeWindow,
    states: &[(Source, SourceState)],
) -> Scope {
    let mut query = view.query.clone();
    if let Some(flag) = &view.flag {
        query.push_str(&format!(" [only the events of the flag {flag}]"));
    }
    if let Some(focus) = view.focus {
        query.push_str(&format!(" [only {}]", focus.label()));
    }
    let mut sources = Vec::new();
    let mut gaps = Vec::new();
    for (source, state) in states {
        if !view.sources.shows(*source) {
            continue;
        }
        let label = source.label();
        match state {
            SourceState::Loaded(progress) => {
                sources.push(label.to_owned());
                if let Some(at_least) = progress.at_least {
                    gaps.push(format!(
                        "{label} held the newest {} of at least {}.",
                        format_count(progress.received),
                        format_count(at_least)
                    ));
                }
            }
            SourceState::Cancelled(_) => {
                sources.push(label.to_owned());
                gaps.push(format!("{label} was cancelled before it finished."));
            }
            SourceState::Failed(_, _) => {
                sources.push(label.to_owned());
                gaps.push(format!("{label} failed before it finished."));
            }
            _ => {}
        }
    }
    Scope {
        query,
        window,
        sources,
        incomplete: (!gaps.is_empty()).then(|| gaps.join(" ")),
        masked: view.private,
    }
}

/// The line saying how the shown events are narrowed, if they are.
pub fn narrowing(
    shown: usize,
    flag: Option<&str>,
    found: Option<&Detection>,
    focus: Option<Focus>,
    loading: bool,
) -> Option<String> {
    match (flag, found, focus) {
        (Some(_), Some(found), _) => Some(format!(
            "Showing only the {} events of the flag {}: {}.",
            format_count(shown as u64),
            found.kind.label(),
            found.subject
        )),
        (Some(_), None, _) => Some(if loading {
            "The flag in this link will show once loading finishes.".to_owned()
        } else {
            "The flag in this link is not among the current detections: the loaded events or the thresholds differ from when it was made.".to_owned()
        }),
        (None, _, Some(focus)) => Some(format!(
            "Showing only {} ({}).",
            focus.label(),
            format_count(shown as u64)
        )),
        (None, _, None) => None,
    }
}

/// A source that holds the newest events of more than the cap.
pub fn capped(name: &str, received: u64, at_least: u64) -> String {
    format!(
        "{name}: showing the newest {} of at least {} events, the most this view holds per source. Narrow the time range or add a query to see them all.",
        format_count(received),
        format_count(at_least)
    )
}

/// A source whose load was cancelled.
pub fn cancelled(name: &str, received: u64, pages: u32) -> String {
    format!(
        "{name}: cancelled after {} events ({pages} pages); showing what was loaded. ",
        format_count(received)
    )
}

/// The words before the query strings sent to Cloudera Manager, if any is.
pub fn sent_as(requests: usize) -> Option<String> {
    match requests {
        0 => None,
        1 => Some("Sent to Cloudera Manager as".to_owned()),
        n => Some(format!(
            "Sent to Cloudera Manager as {n} requests, merged without duplicates:"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::SourceProgress;
    use audit_core::time::parse_iso;

    fn window() -> TimeWindow {
        TimeWindow::new(
            parse_iso("2026-11-18T00:00:00Z").unwrap(),
            parse_iso("2026-11-19T00:00:00Z").unwrap(),
        )
        .unwrap()
    }

    fn loaded(received: u64, at_least: Option<u64>) -> SourceState {
        SourceState::Loaded(SourceProgress {
            received,
            at_least,
            finished: true,
            ..SourceProgress::default()
        })
    }

    #[test]
    fn an_export_says_what_it_leaves_out() {
        let view = DashboardView {
            query: "username==raj".into(),
            focus: Some(Focus::FailedLogins),
            ..DashboardView::default()
        };
        let scope = export_scope(
            &view,
            window(),
            &[
                (Source::Octopai, loaded(500, Some(1_624))),
                (
                    Source::ClouderaManager,
                    SourceState::Cancelled(SourceProgress::default()),
                ),
            ],
        );
        assert_eq!(
            scope.query,
            format!("username==raj [only {}]", Focus::FailedLogins.label())
        );
        assert_eq!(scope.sources, ["Octopai", "Cloudera Manager"]);
        assert_eq!(
            scope.incomplete.as_deref(),
            Some("Octopai held the newest 500 of at least 1,624. Cloudera Manager was cancelled before it finished.")
        );
    }

    #[test]
    fn an_export_of_complete_loads_is_complete_and_skips_hidden_sources() {
        let mut view = DashboardView::default();
        view.sources = view.sources.toggled(Source::ClouderaManager);
        let scope = export_scope(
            &view,
            window(),
            &[
                (Source::Octopai, loaded(12, None)),
                (Source::ClouderaManager, loaded(7, Some(9))),
            ],
        );
        assert_eq!(scope.sources, ["Octopai"]);
        assert_eq!(scope.incomplete, None);
        let none = export_scope(
            &view,
            window(),
            &[(Source::Octopai, SourceState::NotConnected)],
        );
        assert!(none.sources.is_empty());
    }

    #[test]
    fn the_narrowing_line_names_the_flag_or_the_focus() {
        assert_eq!(narrowing(10, None, None, None, false), None);
        assert_eq!(
            narrowing(1_200, None, None, Some(Focus::DeniedOperations), false),
            Some(format!(
                "Showing only {} (1,200).",
                Focus::DeniedOperations.label()
            ))
        );
        assert!(narrowing(0, Some("k"), None, None, true)
            .unwrap()
            .contains("once loading finishes"));
        assert!(narrowing(0, Some("k"), None, None, false)
            .unwrap()
            .contains("not among the current detections"));
    }

    #[test]
    fn source_lines_count_with_separators() {
        assert_eq!(
            capped("Octopai", 500, 1_624),
            "Octopai: showing the newest 500 of at least 1,624 events, the most this view holds per source. Narrow the time range or add a query to see them all."
        );
        assert_eq!(
            cancelled("Cloudera Manager", 2_500, 3),
            "Cloudera Manager: cancelled after 2,500 events (3 pages); showing what was loaded. "
        );
        assert_eq!(sent_as(0), None);
        assert_eq!(sent_as(1).as_deref(), Some("Sent to Cloudera Manager as"));
        assert!(sent_as(3).unwrap().contains("3 requests"));
    }
}
