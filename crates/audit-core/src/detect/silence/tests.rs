//! Silent sources on crafted weeks: an ordinary week is quiet, a silenced
//! stretch of a busy source is flagged, quiet nights are not, and the
//! threshold is inclusive.

use super::*;
use crate::event::{EventKind, Outcome};
use crate::fixture::event;
use crate::time::parse_iso;

/// Whether an hour is a weekend's, and which hour of the day it is.
fn hour_kind(at: DateTime<Utc>) -> (bool, u32) {
    use chrono::{Datelike, Timelike, Weekday};
    (
        matches!(at.weekday(), Weekday::Sat | Weekday::Sun),
        at.hour(),
    )
}

/// Monday 16 November 2026, 00:00 UTC, and the week from it.
fn week() -> TimeWindow {
    let start = parse_iso("2026-11-16T00:00:00Z").unwrap();
    TimeWindow::new(start, start + Duration::days(7)).unwrap()
}

/// `source`'s events over `window`: `per_hour(weekend, hour)` of them in
/// each hour, evenly spread from the hour's start, except those `silent`
/// drops.
fn crafted(
    source: Source,
    window: TimeWindow,
    per_hour: impl Fn(bool, u32) -> u32,
    silent: impl Fn(DateTime<Utc>) -> bool,
) -> Vec<AuditEvent> {
    let mut events = Vec::new();
    let mut hour = window.start();
    while hour < window.end() {
        let (weekend, of_day) = hour_kind(hour);
        let count = per_hour(weekend, of_day);
        for n in 0..count {
            let at = hour + Duration::seconds(i64::from(n) * 3_600 / i64::from(count));
            if !silent(at) {
                let id = format!("{}-{}", source.id(), at.timestamp());
                let when = format_iso(at);
                events.push(event(
                    &id,
                    source,
                    &when,
                    EventKind::Login,
                    Outcome::Succeeded,
                ));
            }
        }
        hour += Duration::hours(1);
    }
    events
}

/// Busy working hours, a little at the weekend, nothing at night.
fn office(weekend: bool, hour: u32) -> u32 {
    match (weekend, hour) {
        (false, 8..=17) => 30,
        (true, 10..=15) => 2,
        _ => 0,
    }
}

fn at(text: &str) -> DateTime<Utc> {
    parse_iso(text).unwrap()
}

#[test]
fn an_ordinary_week_with_quiet_nights_and_weekends_is_not_flagged() {
    let events = crafted(Source::Octopai, week(), office, |_| false);
    let found = silent_sources(&events, week(), &[Source::Octopai], 20);
    assert_eq!(found, Silence::Watched(vec![]));
    // Not even at a threshold of 2: a night expects nothing beyond the
    // edge of its evening's last hour, a weekend half hour one event.
    let found = silent_sources(&events, week(), &[Source::Octopai], 2);
    assert_eq!(found, Silence::Watched(vec![]), "{found:#?}");
}

#[test]
fn a_busy_source_silenced_for_three_hours_is_flagged_with_its_bounds() {
    let silent =
        |t: DateTime<Utc>| t >= at("2026-11-18T10:00:00Z") && t < at("2026-11-18T13:00:00Z");
    let mut events = crafted(Source::ClouderaManager, week(), office, silent);
    // The other source, busy throughout, is neither flagged nor in the way.
    events.extend(crafted(Source::Octopai, week(), office, |_| false));
    let found = silent_sources(
        &events,
        week(),
        &[Source::Octopai, Source::ClouderaManager],
        20,
    );
    let [flag] = found.flags() else {
        panic!("one flag: {found:#?}")
    };
    assert_eq!(flag.kind, DetectionKind::SilentSource);
    assert_eq!(flag.subject, "Cloudera Manager");
    // From the last event before (at 09:58) to the first after (13:00).
    assert_eq!(flag.first_at, at("2026-11-18T09:58:00Z"));
    assert_eq!(flag.last_at, at("2026-11-18T13:00:00Z"));
    assert_eq!(
        flag.event_ids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            format!("cloudera-{}", at("2026-11-18T09:58:00Z").timestamp()),
            format!("cloudera-{}", at("2026-11-18T13:00:00Z").timestamp()),
        ]
    );
    // 2 minutes of hour 9 and three whole hours, at 30 an hour.
    assert!(flag.reason.contains("about 91 events"), "{}", flag.reason);
    assert!(flag.reason.contains("3 h 2 min"), "{}", flag.reason);
}

#[test]
fn the_threshold_is_inclusive() {
    // Ten an hour, every six minutes; Wednesday 11:00 to 13:00 holds only
    // the event at 11:00, so the stretch 11:00..13:00 expects exactly 20.
    let ten = |weekend: bool, hour: u32| match (weekend, hour) {
        (false, 8..=17) => 10,
        _ => 0,
    };
    let silent =
        |t: DateTime<Utc>| t > at("2026-11-18T11:00:00Z") && t < at("2026-11-18T13:00:00Z");
    let events = crafted(Source::Octopai, week(), ten, silent);
    let flagged = |threshold| {
        silent_sources(&events, week(), &[Source::Octopai], threshold)
            .flags()
            .len()
    };
    assert_eq!(flagged(20), 1, "exactly at the threshold: flagged");
    assert_eq!(flagged(21), 0, "just above: not");
    let found = silent_sources(&events, week(), &[Source::Octopai], 20);
    assert_eq!(found.flags()[0].first_at, at("2026-11-18T11:00:00Z"));
    assert_eq!(found.flags()[0].last_at, at("2026-11-18T13:00:00Z"));
}

#[test]
fn a_source_still_silent_at_the_window_end_is_flagged_up_to_it() {
    let silent = |t: DateTime<Utc>| t >= at("2026-11-20T14:00:00Z");
    let window = TimeWindow::new(week().start(), at("2026-11-20T17:30:00Z")).unwrap();
    let events = crafted(Source::Octopai, window, office, silent);
    let found = silent_sources(&events, window, &[Source::Octopai], 20);
    let [flag] = found.flags() else {
        panic!("one flag: {found:#?}")
    };
    assert_eq!(flag.last_at, window.end());
    assert_eq!(flag.event_ids.len(), 1, "only the event before");
    assert!(
        flag.reason.contains("may still be silent"),
        "{}",
        flag.reason
    );
}

#[test]
fn a_short_stretch_is_never_flagged_however_busy() {
    // 25 minutes of nothing at 300 an hour: 125 expected, but too short.
    let busy = |weekend: bool, hour: u32| match (weekend, hour) {
        (false, 8..=17) => 300,
        _ => 0,
    };
    let silent =
        |t: DateTime<Utc>| t >= at("2026-11-18T10:00:00Z") && t < at("2026-11-18T10:25:00Z");
    let events = crafted(Source::Octopai, week(), busy, silent);
    assert_eq!(
        silent_sources(&events, week(), &[Source::Octopai], 20),
        Silence::Watched(vec![])
    );
}

#[test]
fn a_short_window_says_so_and_a_threshold_of_zero_switches_the_watch_off() {
    let day = TimeWindow::new(at("2026-11-18T00:00:00Z"), at("2026-11-19T00:00:00Z")).unwrap();
    let events = crafted(Source::Octopai, day, office, |_| true);
    let found = silent_sources(&events, day, &[Source::Octopai], 20);
    assert_eq!(found, Silence::TooShort { hours: 24 });
    let note = found.note().unwrap();
    assert!(
        note.contains("24 hours") && note.contains("3 days"),
        "{note}"
    );
    assert!(found.flags().is_empty());
    let found = silent_sources(&events, week(), &[Source::Octopai], 0);
    assert_eq!(found, Silence::Off);
    assert!(found.note().unwrap().contains("switched off"));
}

#[test]
fn the_events_bounding_a_silence_do_not_depend_on_the_order_given() {
    let silent =
        |t: DateTime<Utc>| t >= at("2026-11-18T10:00:00Z") && t < at("2026-11-18T13:00:00Z");
    let mut events = crafted(Source::ClouderaManager, week(), office, silent);
    // A second event at each end of the silent stretch, and at another
    // time: of the events at one time, the one with the greater id is the
    // last before a silence and the one with the lesser the first after,
    // whatever order the list holds them in.
    for (id, when) in [
        ("cloudera-tie-a", "2026-11-18T09:58:00Z"),
        ("cloudera-tie-b", "2026-11-18T13:00:00Z"),
        ("cloudera-tie-c", "2026-11-17T09:00:00Z"),
    ] {
        events.push(event(
            id,
            Source::ClouderaManager,
            when,
            EventKind::Login,
            Outcome::Succeeded,
        ));
    }
    let watch =
        |events: &[AuditEvent]| silent_sources(events, week(), &[Source::ClouderaManager], 20);
    // Oldest first; newest first as a load holds them (ties by id); and
    // newest first with ties the other way round.
    events.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    let oldest_first = watch(&events);
    let [flag] = oldest_first.flags() else {
        panic!("one flag: {oldest_first:#?}")
    };
    assert_eq!(
        flag.event_ids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "cloudera-tie-a".to_owned(),
            format!("cloudera-{}", at("2026-11-18T13:00:00Z").timestamp()),
        ]
    );
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
    assert_eq!(watch(&events), oldest_first, "newest first, ties by id");
    events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    assert_eq!(watch(&events), oldest_first, "ties the other way round");
}
