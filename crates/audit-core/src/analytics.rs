//! Analytics the charts and tiles are drawn from: outcomes and activity per
//! calendar bucket, top-N rankings, the hour-by-weekday heat map, totals, and
//! the de-duplicating event collection the loader fills. Detections live in
//! [`crate::detect`]; bucket edges in [`crate::calendar`].
//!
//! Everything takes the events, buckets and zone as parameters; nothing
//! reads a clock.

use chrono::{DateTime, Datelike, Timelike, Utc};

pub use crate::calendar::{step_for, Buckets, Step, Zone};
use crate::event::{
    AuditEvent, Chunks, EventId, EventKind, Events, FnvMap, FnvSet, Outcome, Rows, Source,
};

/// Outcomes of one bucket: successful logins or allowed operations as `ok`,
/// failed logins or denied operations as `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeBucket {
    pub bucket_start: DateTime<Utc>,
    pub ok: u32,
    pub failed: u32,
}

/// Outcomes per bucket of the events `include` keeps.
pub fn outcome_series(
    events: &(impl Events + ?Sized),
    buckets: &Buckets,
    include: impl Fn(&AuditEvent) -> bool,
) -> Vec<OutcomeBucket> {
    let mut series: Vec<OutcomeBucket> = (0..buckets.count())
        .map(|index| OutcomeBucket {
            bucket_start: buckets.bucket_start(index),
            ok: 0,
            failed: 0,
        })
        .collect();
    let mut last = 0;
    for event in events.iter().filter(|event| include(event)) {
        let Some(bucket) = buckets
            .index_near(event.at, &mut last)
            .and_then(|index| series.get_mut(index))
        else {
            continue;
        };
        match event.outcome {
            Outcome::Succeeded | Outcome::Allowed => bucket.ok += 1,
            Outcome::Failed | Outcome::Denied => bucket.failed += 1,
            Outcome::Unknown => {}
        }
    }
    series
}

/// Failed and successful logins per bucket: from one source, or from both
/// with `None`.
pub fn login_outcomes(
    events: &(impl Events + ?Sized),
    buckets: &Buckets,
    source: Option<Source>,
) -> Vec<OutcomeBucket> {
    outcome_series(events, buckets, |event| {
        event.kind == EventKind::Login && source.is_none_or(|source| event.source == source)
    })
}

/// Allowed and denied Cloudera Manager operations per bucket (logins are
/// counted with logins, not here).
pub fn operation_outcomes(
    events: &(impl Events + ?Sized),
    buckets: &Buckets,
) -> Vec<OutcomeBucket> {
    outcome_series(events, buckets, |event| {
        event.kind == EventKind::Operation && event.source == Source::ClouderaManager
    })
}

/// The `n` most frequent keys among the events, most frequent first (ties
/// by key, so the order is stable).
pub fn top_n<'a>(
    events: &'a (impl Events + ?Sized),
    n: usize,
    key: impl Fn(&'a AuditEvent) -> Option<&'a str>,
) -> Vec<(String, u32)> {
    let mut counts: FnvMap<&str, u32> = FnvMap::default();
    for event in events.iter() {
        if let Some(key) = key(event) {
            *counts.entry(key).or_default() += 1;
        }
    }
    ranked(counts, n)
}

/// The `n` largest `counts`, largest first, ties by key.
pub(crate) fn ranked(counts: FnvMap<&str, u32>, n: usize) -> Vec<(String, u32)> {
    let mut ranked: Vec<(&str, u32)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked.truncate(n);
    ranked
        .into_iter()
        .map(|(key, count)| (key.to_owned(), count))
        .collect()
}

/// The accounts with the most failed logins (both sources).
pub fn top_failing_accounts(events: &(impl Events + ?Sized), n: usize) -> Vec<(String, u32)> {
    top_n(events, n, |event| {
        event.is_failed_login().then_some(event.actor.as_str())
    })
}

/// The source addresses with the most failed logins (both sources).
pub fn top_failing_ips(events: &(impl Events + ?Sized), n: usize) -> Vec<(String, u32)> {
    top_n(events, n, |event| {
        event
            .is_failed_login()
            .then_some(event.ip.as_deref())
            .flatten()
    })
}

/// Events by local weekday (Monday first) and hour of day in `zone`.
pub type HeatMap = [[u32; 24]; 7];

pub fn hour_by_weekday(events: &(impl Events + ?Sized), zone: &impl Zone) -> HeatMap {
    let mut cells = [[0u32; 24]; 7];
    // Offsets change on the hour at most: one zone lookup per UTC hour seen
    // (events arrive sorted, so consecutive ones share it).
    let mut cached: Option<(i64, chrono::FixedOffset)> = None;
    for event in events.iter() {
        let hour_key = event.at.timestamp().div_euclid(3600);
        let offset = match cached {
            Some((key, offset)) if key == hour_key => offset,
            _ => {
                let offset = zone.offset_at(event.at);
                cached = Some((hour_key, offset));
                offset
            }
        };
        let local = event.at.naive_utc() + offset;
        let day = local.weekday().num_days_from_monday() as usize;
        let hour = local.hour() as usize;
        cells[day][hour] += 1;
    }
    cells
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
pub fn activity_timeline(
    events: &(impl Events + ?Sized),
    buckets: &Buckets,
) -> Vec<ActivityBucket> {
    let mut series: Vec<ActivityBucket> = (0..buckets.count())
        .map(|index| ActivityBucket {
            bucket_start: buckets.bucket_start(index),
            octopai: 0,
            cloudera: 0,
        })
        .collect();
    let mut last = 0;
    for event in events.iter() {
        let Some(bucket) = buckets
            .index_near(event.at, &mut last)
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

/// Totals shown in the summary tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub events: usize,
    pub octopai: usize,
    pub cloudera: usize,
    pub failed_logins: usize,
    /// Distinct accounts with at least one failed login.
    pub failing_accounts: usize,
    /// Distinct source addresses with at least one failed login.
    pub failing_ips: usize,
    pub denied_operations: usize,
}

pub fn totals(events: &(impl Events + ?Sized)) -> Totals {
    let mut totals = Totals::default();
    let mut accounts: FnvSet<&str> = FnvSet::default();
    let mut ips: FnvSet<&str> = FnvSet::default();
    for event in events.iter() {
        totals.events += 1;
        match event.source {
            Source::Octopai => totals.octopai += 1,
            Source::ClouderaManager => totals.cloudera += 1,
        }
        if event.is_failed_login() {
            totals.failed_logins += 1;
            accounts.insert(&event.actor);
            if let Some(ip) = &event.ip {
                ips.insert(ip);
            }
        }
        if event.is_denied_operation() {
            totals.denied_operations += 1;
        }
    }
    totals.failing_accounts = accounts.len();
    totals.failing_ips = ips.len();
    totals
}

/// The events a load has gathered: duplicates (by id) dropped, newest first.
/// They stay where they were stored as they arrived ([`Chunks`]): the
/// order is row numbers, not a sort of the events themselves.
#[derive(Debug, Clone, Default)]
pub struct EventCollection {
    events: Chunks,
    /// The rows held, by their events' ids: 4 bytes and a control byte a
    /// slot, where a set of the ids themselves took 13 (the largest table
    /// of a load: 13.6 MB at a million events).
    seen: hashbrown::HashTable<u32>,
}

/// An id's hash, for [`EventCollection::seen`].
fn id_hash(id: &EventId) -> u64 {
    id.quick_hash()
}

impl EventCollection {
    /// Adds a page of events, dropping any already held; returns how many
    /// were new.
    pub fn extend(&mut self, page: impl IntoIterator<Item = AuditEvent>) -> usize {
        let Self { events, seen } = self;
        let before = events.len();
        for event in page {
            let hash = id_hash(&event.id);
            let held = |row: &u32| events.event_at(*row as usize).id == event.id;
            if seen.find(hash, held).is_some() {
                continue;
            }
            if seen.len() == seen.capacity() {
                *seen = Self::regrown(events, seen.capacity() + 1);
            }
            let row = u32::try_from(events.len()).unwrap_or(u32::MAX);
            events.push(event);
            let rehash = |row: &u32| id_hash(&events.event_at(*row as usize).id);
            seen.insert_unique(hash, row, rehash);
        }
        events.len() - before
    }

    /// The table of every row of `events`, with room for `capacity`
    /// (the size a full table grows to), built in row order: growing in
    /// place would visit the events in the table's order, one scattered
    /// read each.
    fn regrown(events: &Chunks, capacity: usize) -> hashbrown::HashTable<u32> {
        let mut seen = hashbrown::HashTable::with_capacity(capacity);
        let rehash = |row: &u32| id_hash(&events.event_at(*row as usize).id);
        for row in 0..events.len() {
            let hash = id_hash(&events.event_at(row).id);
            seen.insert_unique(hash, row as u32, rehash);
        }
        seen
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The newest `cap` events, newest first, and how many were held before
    /// the older ones were dropped.
    pub fn into_newest(self, cap: usize) -> (Rows, usize) {
        let held = self.len();
        let mut events = self.into_ordered();
        events.truncate(cap);
        (Rows::from(events), held)
    }

    /// A copy of the newest `cap` events held so far, newest first, for a
    /// first view while the load goes on: it copies every event held, so
    /// take it while few have arrived.
    pub fn newest_so_far(&self, cap: usize) -> Rows {
        let mut events = self.events.clone();
        let order = Self::order(&events);
        events.permute(order);
        events.truncate(cap);
        Rows::from(events)
    }

    /// The events, newest first (ties broken by id so the order is stable).
    pub fn into_sorted(self) -> Rows {
        Rows::from(self.into_ordered())
    }

    /// The events put newest first where they are stored (ties by id), so
    /// the list needs no row numbers to be read in order.
    fn into_ordered(self) -> Chunks {
        let Self { mut events, seen } = self;
        // The ids' table first: its memory is then the order's to reuse.
        drop(seen);
        let order = Self::order(&events);
        events.permute(order);
        events
    }

    /// The rows of the events, newest first, ties by id.
    fn order(events: &Chunks) -> Vec<u32> {
        let mut order: Vec<u32> = (0..events.len())
            .map(|row| u32::try_from(row).unwrap_or(u32::MAX))
            .collect();
        let newest_first = |a: &u32, b: &u32| {
            crate::event::newest_first(events.event_at(*a as usize), events.event_at(*b as usize))
        };
        // Pages arrive newest first more often than not: then nothing moves.
        if !order.is_sorted_by(|a, b| newest_first(a, b).is_le()) {
            order.sort_unstable_by(newest_first);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::event;
    use crate::time::{parse_iso, TimeWindow};

    fn at(text: &str) -> DateTime<Utc> {
        parse_iso(text).unwrap()
    }

    fn hourly_day() -> Buckets {
        let day = TimeWindow::new(at("2026-11-21T00:00:00Z"), at("2026-11-22T00:00:00Z")).unwrap();
        Buckets::utc(day, Step::Minutes(60))
    }

    fn mixed() -> Vec<AuditEvent> {
        use EventKind::*;
        use Outcome::*;
        use Source::*;
        vec![
            event("1", Octopai, "2026-11-21T00:10:00Z", Login, Failed)
                .by("raj")
                .from_ip("203.0.113.66"),
            event("2", ClouderaManager, "2026-11-21T00:20:00Z", Login, Failed)
                .by("admin")
                .from_ip("203.0.113.66"),
            event("3", Octopai, "2026-11-21T01:10:00Z", Login, Succeeded).by("raj"),
            event("4", Octopai, "2026-11-21T01:11:00Z", PageLoad, Succeeded),
            event(
                "5",
                ClouderaManager,
                "2026-11-21T01:12:00Z",
                Operation,
                Denied,
            ),
            event("6", Octopai, "2026-11-22T00:00:00Z", Login, Failed)
                .by("raj")
                .from_ip("192.0.2.1"),
            event(
                "7",
                ClouderaManager,
                "2026-11-21T01:30:00Z",
                Operation,
                Allowed,
            ),
        ]
    }

    #[test]
    fn login_outcomes_count_only_logins_per_source_or_both() {
        let events = mixed();
        let both = login_outcomes(&events, &hourly_day(), None);
        assert_eq!(both.len(), 24);
        assert_eq!((both[0].ok, both[0].failed), (0, 2));
        assert_eq!((both[1].ok, both[1].failed), (1, 0));
        assert_eq!(
            both.iter().map(|b| b.failed + b.ok).sum::<u32>(),
            3,
            "event 6 is outside"
        );
        assert_eq!(both[1].bucket_start, at("2026-11-21T01:00:00Z"));
        let octopai = login_outcomes(&events, &hourly_day(), Some(Source::Octopai));
        assert_eq!((octopai[0].ok, octopai[0].failed), (0, 1));
        let cloudera = login_outcomes(&events, &hourly_day(), Some(Source::ClouderaManager));
        assert_eq!((cloudera[0].ok, cloudera[0].failed), (0, 1));
        assert_eq!(cloudera[1].ok + cloudera[1].failed, 0);
    }

    #[test]
    fn operation_outcomes_count_allowed_and_denied_operations_only() {
        let series = operation_outcomes(&mixed(), &hourly_day());
        assert_eq!((series[1].ok, series[1].failed), (1, 1));
        assert_eq!(series.iter().map(|b| b.ok + b.failed).sum::<u32>(), 2);
    }

    #[test]
    fn activity_and_totals() {
        let events = mixed();
        let activity = activity_timeline(&events, &hourly_day());
        assert_eq!((activity[0].octopai, activity[0].cloudera), (1, 1));
        assert_eq!((activity[1].octopai, activity[1].cloudera), (2, 2));
        let totals = totals(&events);
        assert_eq!(totals.failed_logins, 3);
        assert_eq!(totals.failing_accounts, 2, "raj and admin");
        assert_eq!(totals.failing_ips, 2);
        assert_eq!(totals.denied_operations, 1);
        assert_eq!((totals.octopai, totals.cloudera), (4, 3));
    }

    #[test]
    fn top_failing_accounts_and_ips_rank_by_count_then_name() {
        let events = mixed();
        assert_eq!(
            top_failing_accounts(&events, 5),
            [("raj".to_owned(), 2), ("admin".to_owned(), 1)]
        );
        assert_eq!(
            top_failing_ips(&events, 1),
            [("203.0.113.66".to_owned(), 2)]
        );
        assert!(top_failing_ips(&[], 3).is_empty());
    }

    #[test]
    fn heat_map_uses_the_zone_wall_clock() {
        let events = mixed();
        let utc = hour_by_weekday(&events, &Utc);
        // 2026-11-21 is a Saturday.
        assert_eq!(utc[5][0], 2);
        assert_eq!(utc[5][1], 4);
        assert_eq!(utc[6][0], 1, "Sunday 00:00");
        let new_york = hour_by_weekday(&events, &chrono_tz::America::New_York);
        // Saturday 00:10 UTC is Friday 19:10 in New York.
        assert_eq!(new_york[4][19], 2);
        assert_eq!(new_york.iter().flatten().sum::<u32>(), 7);
    }

    #[test]
    fn empty_input_gives_empty_buckets() {
        let day = TimeWindow::new(at("2026-11-21T00:00:00Z"), at("2026-11-22T00:00:00Z")).unwrap();
        let series = login_outcomes(&[], &Buckets::utc(day, Step::Minutes(360)), None);
        assert_eq!(series.len(), 4);
        assert!(series
            .iter()
            .all(|bucket| bucket.failed == 0 && bucket.ok == 0));
        assert_eq!(hour_by_weekday(&[], &Utc).iter().flatten().sum::<u32>(), 0);
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
        let (newest, held) = collection.clone().into_newest(2);
        assert_eq!(held, 3);
        assert_eq!(
            newest.iter().map(|e| e.id.to_string()).collect::<Vec<_>>(),
            ["b", "c"],
            "the oldest is dropped"
        );
        assert_eq!(collection.clone().into_newest(10).0.len(), 3);
        // A first view while the load goes on: the same order, the load
        // itself left as it was.
        let so_far = collection.newest_so_far(2);
        assert_eq!(
            so_far.iter().map(|e| e.id.to_string()).collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(collection.len(), 3);
        let ids: Vec<String> = collection
            .into_sorted()
            .into_iter()
            .map(|e| e.id.to_string())
            .collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }
}
