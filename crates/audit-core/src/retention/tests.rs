//! Retention on crafted users: cohort boundaries on a zone's calendar
//! across a DST change, a user first seen before the lookback, a cohort
//! nobody returns from, empty periods, and a lookback cut short.

use super::*;
use crate::event::{AuditEvent, EventKind, Outcome};
use crate::fixture::event;
use crate::time::parse_iso;
use chrono_tz::Europe::Berlin;

fn at(text: &str) -> DateTime<Utc> {
    parse_iso(text).unwrap()
}

/// An Octopai page load of `user` at `when` (UTC).
fn seen(user: &str, when: &str, id: usize) -> AuditEvent {
    let mut e = event(
        &format!("e{id}"),
        Source::Octopai,
        when,
        EventKind::PageLoad,
        Outcome::Succeeded,
    );
    e.actor = user.into();
    e.target = Some("/lineage".into());
    e
}

fn events(list: &[(&str, &str)]) -> Vec<AuditEvent> {
    list.iter()
        .enumerate()
        .map(|(id, (user, when))| seen(user, when, id))
        .collect()
}

fn weeks(n: u32) -> Lookback {
    Lookback {
        grain: Grain::Week,
        periods: n,
    }
}

#[test]
fn lookbacks_are_read_and_refused_with_a_reason() {
    assert_eq!(Lookback::parse("week:8").unwrap(), weeks(8));
    assert_eq!(
        Lookback::parse(" days : 14 ").unwrap(),
        Lookback {
            grain: Grain::Day,
            periods: 14
        }
    );
    assert_eq!(Lookback::parse("week:8").unwrap().to_string(), "week:8");
    assert_eq!(
        Lookback::parse("month:3").unwrap(),
        Lookback {
            grain: Grain::Month,
            periods: 3
        }
    );
    for bad in [
        "week", "year:3", "week:1", "week:27", "day:91", "month:13", "week:x", "",
    ] {
        let why = Lookback::parse(bad).unwrap_err();
        assert!(why.contains("week:N"), "{bad}: {why}");
    }
}

#[test]
fn weekly_cohorts_form_a_triangle_with_returning_users_apart() {
    // Weeks from Monday: 2026-11-02, -09, -16; the window ends Wednesday
    // 2026-11-18 15:00 UTC, so the last week is still going.
    let end = at("2026-11-18T15:00:00Z");
    let data = events(&[
        // ann: first seen in the first week, back in both later ones.
        ("ann", "2026-11-02T09:00:00Z"),
        ("ann", "2026-11-10T09:00:00Z"),
        ("ann", "2026-11-17T09:00:00Z"),
        // bob: first week only (nobody else of that week returns in the last).
        ("bob", "2026-11-08T22:00:00Z"),
        // cy: seen before the lookback, active in it: returning, not new.
        ("cy", "2026-10-20T09:00:00Z"),
        ("cy", "2026-11-03T09:00:00Z"),
        // dee: second week, back in the third.
        ("dee", "2026-11-12T09:00:00Z"),
        ("dee", "2026-11-18T14:00:00Z"),
        // after the window's end: not counted.
        ("eve", "2026-11-18T16:00:00Z"),
    ]);
    let found = retention(&data, weeks(3), end, at("2026-09-01T00:00:00Z"), &Utc).unwrap();
    let rows: Vec<(String, u32, Vec<u32>)> = found
        .cohorts
        .iter()
        .map(|c| (c.period.to_string(), c.size, c.active.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("2026-11-02".into(), 2, vec![2, 1, 1]),
            ("2026-11-09".into(), 1, vec![1, 1]),
            ("2026-11-16".into(), 0, vec![0]),
        ]
    );
    assert_eq!(found.returning, 1);
    assert_eq!(found.cohorts[0].users, ["ann", "bob"]);
    assert_eq!(found.cohorts[1].users, ["dee"]);
    assert!(found.last_partial);
    assert_eq!(found.cohorts[0].share(1), Some(0.5));
    // An empty cohort has no share, not 0%.
    assert_eq!(found.cohorts[2].share(0), None);
    assert_eq!(found.seen_from, at("2026-10-05T00:00:00Z"));
}

#[test]
fn a_cohort_nobody_returns_from_and_empty_weeks() {
    let end = at("2026-11-30T00:00:00Z");
    let data = events(&[
        ("ann", "2026-11-03T09:00:00Z"),
        ("bob", "2026-11-04T09:00:00Z"),
        // Nobody at all in the week of 2026-11-09; ann back in the last.
        ("ann", "2026-11-25T09:00:00Z"),
        // cy's cohort: nobody in it comes back.
        ("cy", "2026-11-17T09:00:00Z"),
    ]);
    let found = retention(&data, weeks(4), end, at("2026-01-01T00:00:00Z"), &Utc).unwrap();
    assert!(!found.last_partial, "the window ends as the last week does");
    assert_eq!(found.cohorts[0].size, 2);
    assert_eq!(found.cohorts[0].active, vec![2, 0, 0, 1]);
    assert_eq!(found.cohorts[1].size, 0);
    assert_eq!(
        (found.cohorts[2].size, found.cohorts[2].active.clone()),
        (1, vec![1, 0])
    );
    assert_eq!(
        found.cohorts[2].share(1),
        Some(0.0),
        "a real zero: nobody came back"
    );
    assert_eq!(found.cohorts[3].size, 0);
}

#[test]
fn cohort_days_follow_the_zone_across_a_dst_change() {
    // Berlin leaves summer time on Sunday 2026-10-25 (03:00 CEST becomes
    // 02:00 CET): that day is 25 hours long, and its midnight is 22:00 UTC
    // the day before, the next one 23:00 UTC.
    let end = at("2026-10-27T23:00:00Z"); // midnight in Berlin, 28 October
    let lookback = Lookback {
        grain: Grain::Day,
        periods: 4,
    };
    let days: Vec<String> = lookback
        .periods(end, &Berlin)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        days,
        ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]
    );
    assert_eq!(lookback.start(end, &Berlin), at("2026-10-23T22:00:00Z"));
    let data = events(&[
        // 23:30 UTC on the 24th is already the 25th in Berlin (CEST).
        ("ann", "2026-10-24T22:30:00Z"),
        // 22:30 UTC on the 25th is still the 25th in Berlin (CET now).
        ("bob", "2026-10-25T22:30:00Z"),
        // 23:30 UTC on the 25th is the 26th.
        ("ann", "2026-10-25T23:30:00Z"),
    ]);
    let found = retention(&data, lookback, end, at("2026-01-01T00:00:00Z"), &Berlin).unwrap();
    let sizes: Vec<u32> = found.cohorts.iter().map(|c| c.size).collect();
    assert_eq!(sizes, [0, 2, 0, 0]);
    assert_eq!(found.cohorts[1].active, vec![2, 1, 0]);
    // In UTC the same events fall on other days.
    let utc = retention(&data, lookback, end, at("2026-01-01T00:00:00Z"), &Utc).unwrap();
    let sizes: Vec<u32> = utc.cohorts.iter().map(|c| c.size).collect();
    assert_eq!(sizes, [1, 1, 0, 0]);
}

#[test]
fn failed_logins_are_not_activity() {
    let end = at("2026-11-18T15:00:00Z");
    let mut failed = seen("mallory", "2026-11-17T09:00:00Z", 1);
    failed.kind = EventKind::Login;
    failed.outcome = Outcome::Failed;
    let found = retention(&[failed], weeks(2), end, at("2026-01-01T00:00:00Z"), &Utc).unwrap();
    assert!(found.cohorts.iter().all(|c| c.size == 0));
}

#[test]
fn a_lookback_cut_short_by_the_cap_says_so() {
    let end = at("2026-11-18T15:00:00Z");
    let data = events(&[("ann", "2026-11-17T09:00:00Z")]);
    // The lookback starts on 2026-11-02; users are looked for from 28 days
    // before. Events held only from 2026-11-01 do not reach that far.
    let cut = retention(&data, weeks(3), end, at("2026-11-01T00:00:00Z"), &Utc).unwrap_err();
    assert_eq!(
        cut,
        NoRetention::CutShort {
            held_from: at("2026-11-01T00:00:00Z"),
            needed: at("2026-10-05T00:00:00Z"),
        }
    );
    assert!(cut.to_string().contains("would count as new"), "{cut}");
}

#[test]
fn monthly_cohorts_follow_the_calendar() {
    // Months of 30 and 31 days: September, October, November 2026; the
    // window ends on 6 December, so December is the last, still going.
    let end = at("2026-12-06T12:00:00Z");
    let lookback = Lookback {
        grain: Grain::Month,
        periods: 4,
    };
    let months: Vec<String> = lookback
        .periods(end, &Utc)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        months,
        ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]
    );
    assert_eq!(lookback.start(end, &Utc), at("2026-09-01T00:00:00Z"));
    let data = events(&[
        // Started in September, last seen in October.
        ("ann", "2026-09-30T23:59:00Z"),
        ("ann", "2026-10-01T00:01:00Z"),
        // Started in October, still there in December.
        ("bob", "2026-10-31T12:00:00Z"),
        ("bob", "2026-12-05T12:00:00Z"),
    ]);
    let found = retention(&data, lookback, end, at("2026-01-01T00:00:00Z"), &Utc).unwrap();
    let rows: Vec<(u32, Vec<u32>)> = found
        .cohorts
        .iter()
        .map(|c| (c.size, c.active.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, vec![1, 1, 0, 0]),
            (1, vec![1, 0, 1]),
            (0, vec![0, 0]),
            (0, vec![0])
        ]
    );
    assert!(found.last_partial);
    assert_eq!(found.seen_from, at("2026-08-04T00:00:00Z"));
}
