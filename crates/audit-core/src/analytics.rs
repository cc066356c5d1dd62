//! Analytics the charts and tiles are drawn from: time bucketing, login
//! outcomes over time, activity per source, and the de-duplicating event
//! collection the loader fills.
//!
//! Everything takes the events and the window as parameters; nothing reads a
//! clock.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::event::{AuditEvent, EventKind, Outcome, Source};
use crate::time::TimeWindow;

/// Bucket sizes a chart may use, smallest first.
const NICE_BUCKETS_MINUTES: [i64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/// Chooses the smallest "nice" bucket size that cuts `window` into at most
/// `max_buckets` buckets (days beyond a day).
pub fn bucket_size_for(window: &TimeWindow, max_buckets: u32) -> Duration {
    let max_buckets = i64::from(max_buckets.max(1));
    let minutes = window.length().num_minutes().max(1);
    for nice in NICE_BUCKETS_MINUTES {
        if (minutes + nice - 1) / nice <= max_buckets {
            return Duration::minutes(nice);
        }
    }
    let per_bucket = 1440 * max_buckets;
    let days = (minutes + per_bucket - 1) / per_bucket;
    Duration::days(days.max(1))
}

/// A fixed-size cutting of a window into buckets, aligned to the window start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buckets {
    pub window: TimeWindow,
    pub size: Duration,
}

impl Buckets {
    pub fn new(window: TimeWindow, size: Duration) -> Self {
        let size = size.max(Duration::milliseconds(1));
        Self { window, size }
    }

    /// Buckets for a chart of at most `max_buckets` bars.
    pub fn for_chart(window: TimeWindow, max_buckets: u32) -> Self {
        Self::new(window, bucket_size_for(&window, max_buckets))
    }

    pub fn count(&self) -> usize {
        let total = self.window.length().num_milliseconds();
        let size = self.size.num_milliseconds();
        usize::try_from((total + size - 1) / size).unwrap_or(0)
    }

    /// The bucket `at` falls in, or `None` outside the window.
    pub fn index_of(&self, at: DateTime<Utc>) -> Option<usize> {
        if !self.window.contains(at) {
            return None;
        }
        let offset = (at - self.window.start()).num_milliseconds();
        usize::try_from(offset / self.size.num_milliseconds()).ok()
    }

    pub fn bucket_start(&self, index: usize) -> DateTime<Utc> {
        self.window.start() + self.size * i32::try_from(index).unwrap_or(i32::MAX)
    }
}

/// Logins of one bucket, both sources together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginBucket {
    pub bucket_start: DateTime<Utc>,
    pub succeeded: u32,
    pub failed: u32,
}

/// Failed and successful logins per bucket, from both sources.
pub fn login_outcomes(events: &[AuditEvent], buckets: &Buckets) -> Vec<LoginBucket> {
    let mut series: Vec<LoginBucket> = (0..buckets.count())
        .map(|index| LoginBucket {
            bucket_start: buckets.bucket_start(index),
            succeeded: 0,
            failed: 0,
        })
        .collect();
    for event in events.iter().filter(|event| event.kind == EventKind::Login) {
        let Some(bucket) = buckets
            .index_of(event.at)
            .and_then(|index| series.get_mut(index))
        else {
            continue;
        };
        match event.outcome {
            Outcome::Succeeded => bucket.succeeded += 1,
            Outcome::Failed => bucket.failed += 1,
            _ => {}
        }
    }
    series
}

/// Events of one bucket, per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityBucket {
    pub bucket_start: DateTime<Utc>,
    pub octopai: u32,
    pub cloudera: u32,
}

impl ActivityBucket {
    pub fn count(&self, source: Source) -> u32 {
        match source {
            Source::Octopai => self.octopai,
            Source::ClouderaManager => self.cloudera,
        }
    }
}

/// Events per bucket and source.
pub fn activity_timeline(events: &[AuditEvent], buckets: &Buckets) -> Vec<ActivityBucket> {
    let mut series: Vec<ActivityBucket> = (0..buckets.count())
        .map(|index| ActivityBucket {
            bucket_start: buckets.bucket_start(index),
            octopai: 0,
            cloudera: 0,
        })
        .collect();
    for event in events {
        let Some(bucket) = buckets
            .index_of(event.at)
            .and_then(|index| series.get_mut(index))
        else {
            continue;
        };
        match event.source {
            Source::Octopai => bucket.octopai += 1,
            Source::ClouderaManager => bucket.cloudera += 1,
        }
    }
    series
}

/// Totals shown above the charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub events: usize,
    pub octopai: usize,
    pub cloudera: usize,
    pub failed_logins: usize,
    pub denied_operations: usize,
}

pub fn totals(events: &[AuditEvent]) -> Totals {
    events.iter().fold(Totals::default(), |mut totals, event| {
        totals.events += 1;
        match event.source {
            Source::Octopai => totals.octopai += 1,
            Source::ClouderaManager => totals.cloudera += 1,
        }
        if event.kind == EventKind::Login && event.outcome == Outcome::Failed {
            totals.failed_logins += 1;
        }
        if event.kind == EventKind::Operation && event.outcome == Outcome::Denied {
            totals.denied_operations += 1;
        }
        totals
    })
}

/// The events a load has gathered: duplicates (by id) dropped, newest first.
#[derive(Debug, Clone, Default)]
pub struct EventCollection {
    events: Vec<AuditEvent>,
    seen: HashSet<String>,
}

impl EventCollection {
    /// Adds a page of events, dropping any already held; returns how many
    /// were new.
    pub fn extend(&mut self, page: impl IntoIterator<Item = AuditEvent>) -> usize {
        let before = self.events.len();
        for event in page {
            if self.seen.insert(event.id.clone()) {
                self.events.push(event);
            }
        }
        self.events.len() - before
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events, newest first (ties broken by id so the order is stable).
    pub fn into_sorted(mut self) -> Vec<AuditEvent> {
        self.events
            .sort_unstable_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_iso;

    fn at(text: &str) -> DateTime<Utc> {
        parse_iso(text).unwrap()
    }

    fn event(
        id: &str,
        source: Source,
        when: &str,
        kind: EventKind,
        outcome: Outcome,
    ) -> AuditEvent {
        AuditEvent {
            id: id.into(),
            source,
            at: at(when),
            actor: "u".into(),
            ip: None,
            kind,
            action: "a".into(),
            target: None,
            outcome,
            detail: None,
            raw_json: "{}".into(),
        }
    }

    fn day() -> TimeWindow {
        TimeWindow::new(at("2026-11-21T00:00:00Z"), at("2026-11-22T00:00:00Z")).unwrap()
    }

    #[test]
    fn bucket_sizes_follow_the_window() {
        let check = |hours: i64, max: u32, expected_minutes: i64| {
            let window = TimeWindow::ending_at(at("2026-11-22T00:00:00Z"), Duration::hours(hours));
            assert_eq!(
                bucket_size_for(&window, max),
                Duration::minutes(expected_minutes),
                "{hours}h into {max}"
            );
        };
        check(1, 60, 1);
        check(24, 48, 30);
        check(24, 96, 15);
        check(24 * 7, 56, 180);
        check(24 * 30, 30, 1440);
        check(24 * 365, 52, 1440 * 8);
    }

    #[test]
    fn bucket_edges_are_half_open() {
        let buckets = Buckets::new(day(), Duration::hours(1));
        assert_eq!(buckets.count(), 24);
        assert_eq!(buckets.index_of(at("2026-11-21T00:00:00Z")), Some(0));
        assert_eq!(buckets.index_of(at("2026-11-21T00:59:59.999Z")), Some(0));
        assert_eq!(buckets.index_of(at("2026-11-21T01:00:00Z")), Some(1));
        assert_eq!(buckets.index_of(at("2026-11-21T23:59:59.999Z")), Some(23));
        assert_eq!(buckets.index_of(at("2026-11-22T00:00:00Z")), None);
        assert_eq!(buckets.index_of(at("2026-11-20T23:59:59Z")), None);
        // A window that does not divide evenly gets a partial last bucket.
        let uneven = Buckets::new(day(), Duration::minutes(7 * 60));
        assert_eq!(uneven.count(), 4);
    }

    #[test]
    fn login_outcomes_count_both_sources_and_only_logins() {
        let events = vec![
            event(
                "1",
                Source::Octopai,
                "2026-11-21T00:10:00Z",
                EventKind::Login,
                Outcome::Failed,
            ),
            event(
                "2",
                Source::ClouderaManager,
                "2026-11-21T00:20:00Z",
                EventKind::Login,
                Outcome::Failed,
            ),
            event(
                "3",
                Source::Octopai,
                "2026-11-21T01:10:00Z",
                EventKind::Login,
                Outcome::Succeeded,
            ),
            event(
                "4",
                Source::Octopai,
                "2026-11-21T01:11:00Z",
                EventKind::PageLoad,
                Outcome::Succeeded,
            ),
            event(
                "5",
                Source::ClouderaManager,
                "2026-11-21T01:12:00Z",
                EventKind::Operation,
                Outcome::Denied,
            ),
            event(
                "6",
                Source::Octopai,
                "2026-11-22T00:00:00Z",
                EventKind::Login,
                Outcome::Failed,
            ),
        ];
        let series = login_outcomes(&events, &Buckets::new(day(), Duration::hours(1)));
        assert_eq!(series.len(), 24);
        assert_eq!((series[0].succeeded, series[0].failed), (0, 2));
        assert_eq!((series[1].succeeded, series[1].failed), (1, 0));
        assert_eq!(
            series.iter().map(|b| b.failed + b.succeeded).sum::<u32>(),
            3
        );
        assert_eq!(series[1].bucket_start, at("2026-11-21T01:00:00Z"));

        let activity = activity_timeline(&events, &Buckets::new(day(), Duration::hours(1)));
        assert_eq!((activity[0].octopai, activity[0].cloudera), (1, 1));
        assert_eq!((activity[1].octopai, activity[1].cloudera), (2, 1));

        let totals = totals(&events);
        assert_eq!(totals.failed_logins, 3);
        assert_eq!(totals.denied_operations, 1);
        assert_eq!((totals.octopai, totals.cloudera), (4, 2));
    }

    #[test]
    fn empty_input_gives_empty_buckets() {
        let series = login_outcomes(&[], &Buckets::new(day(), Duration::hours(6)));
        assert_eq!(series.len(), 4);
        assert!(series
            .iter()
            .all(|bucket| bucket.failed == 0 && bucket.succeeded == 0));
    }

    #[test]
    fn collection_drops_duplicates_across_pages_and_sorts_newest_first() {
        let mut collection = EventCollection::default();
        let first = event(
            "a",
            Source::Octopai,
            "2026-11-21T01:00:00Z",
            EventKind::PageLoad,
            Outcome::Succeeded,
        );
        let second = event(
            "b",
            Source::Octopai,
            "2026-11-21T03:00:00Z",
            EventKind::PageLoad,
            Outcome::Succeeded,
        );
        assert_eq!(collection.extend([first.clone(), second.clone()]), 2);
        assert_eq!(collection.extend([second.clone(), first.clone()]), 0);
        let third = event(
            "c",
            Source::Octopai,
            "2026-11-21T02:00:00Z",
            EventKind::PageLoad,
            Outcome::Succeeded,
        );
        assert_eq!(collection.extend([third]), 1);
        let ids: Vec<String> = collection.into_sorted().into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }
}
