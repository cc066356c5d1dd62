//! A file opened offline, shown as a load would be: its window, and each
//! source's events in it that match the query. Nothing is fetched.

use audit_core::plan::QueryPlan;
use audit_core::{AuditEvent, Source, TimeWindow};

use crate::view_state::TimeRange;

/// The window an offline file is shown in: an absolute range as chosen,
/// otherwise (a preset, relative to now) the whole file.
pub fn offline_window(
    range: TimeRange,
    events: &(impl audit_core::Events + ?Sized),
) -> Result<TimeWindow, String> {
    if let TimeRange::Absolute { start, end } = range {
        return TimeWindow::new(start, end);
    }
    let newest = events.first().map(|e| e.at);
    let oldest = events.last().map(|e| e.at);
    match (oldest, newest) {
        (Some(oldest), Some(newest)) => {
            TimeWindow::new(oldest, newest + chrono::Duration::milliseconds(1))
        }
        _ => Err("the file holds no events.".into()),
    }
}

/// One source's events of an offline file in `window` that match the
/// query, or `None` when the file holds nothing of that source.
pub fn offline_events(
    events: &(impl audit_core::Events + ?Sized),
    source: Source,
    window: TimeWindow,
    plan: &QueryPlan,
) -> Option<Vec<AuditEvent>> {
    if !events.iter().any(|e| e.source == source) {
        return None;
    }
    Some(
        events
            .iter()
            .filter(|e| e.source == source && window.contains(e.at))
            .filter(|e| plan.keeps(e))
            .cloned()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::loads::branches_of;
    use super::*;
    use crate::view_state::RangePreset;
    use audit_core::fixture::event;
    use audit_core::time::parse_iso;
    use audit_core::{EventKind, Outcome};

    /// A file's events, newest first, as files are read back.
    fn file() -> Vec<AuditEvent> {
        vec![
            event(
                "3",
                Source::Octopai,
                "2026-11-18T12:00:00Z",
                EventKind::Login,
                Outcome::Failed,
            )
            .by("raj"),
            event(
                "2",
                Source::Octopai,
                "2026-11-18T11:00:00Z",
                EventKind::Login,
                Outcome::Succeeded,
            )
            .by("ana"),
            event(
                "1",
                Source::Octopai,
                "2026-11-18T10:00:00Z",
                EventKind::Login,
                Outcome::Failed,
            )
            .by("raj"),
        ]
    }

    #[test]
    fn a_preset_shows_the_whole_file_and_an_absolute_range_itself() {
        let events = file();
        let whole = offline_window(TimeRange::Preset(RangePreset::Day), &events).unwrap();
        assert_eq!(whole.start(), parse_iso("2026-11-18T10:00:00Z").unwrap());
        assert!(whole.contains(events[0].at), "the newest event is inside");
        let start = parse_iso("2026-11-18T10:30:00Z").unwrap();
        let end = parse_iso("2026-11-18T11:30:00Z").unwrap();
        let chosen = offline_window(TimeRange::Absolute { start, end }, &events).unwrap();
        assert_eq!((chosen.start(), chosen.end()), (start, end));
        assert_eq!(
            offline_window(TimeRange::Preset(RangePreset::Day), &[]),
            Err("the file holds no events.".into())
        );
    }

    #[test]
    fn an_offline_file_is_narrowed_to_the_window_and_the_query() {
        let events = file();
        let whole = offline_window(TimeRange::Preset(RangePreset::Day), &events).unwrap();
        let raj = QueryPlan::for_file(&branches_of("username==raj").unwrap());
        let kept = offline_events(&events, Source::Octopai, whole, &raj).unwrap();
        assert_eq!(
            kept.iter().map(|e| e.id.to_string()).collect::<Vec<_>>(),
            ["3", "1"]
        );
        let start = parse_iso("2026-11-18T10:30:00Z").unwrap();
        let end = parse_iso("2026-11-18T12:30:00Z").unwrap();
        let later = TimeWindow::new(start, end).unwrap();
        let kept = offline_events(&events, Source::Octopai, later, &raj).unwrap();
        assert_eq!(
            kept.iter().map(|e| e.id.to_string()).collect::<Vec<_>>(),
            ["3"]
        );
        assert_eq!(
            offline_events(
                &events,
                Source::ClouderaManager,
                whole,
                &QueryPlan::default()
            ),
            None,
            "a source the file does not hold"
        );
    }
}
