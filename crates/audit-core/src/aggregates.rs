//! Counts kept per source and added to page by page: what the charts over
//! time, the hour-by-weekday grid, the tiles and the top failing accounts
//! and addresses are drawn from when the view is a whole load.
//!
//! Counting a million events again for every source toggle is what the
//! charts did; these counts are made once per load (and calendar), each
//! event counted once as it is added, and a toggle sums what is there.
//! Every figure equals what the matching function of [`crate::analytics`]
//! counts over the same events (a property test holds them equal after
//! every page).

use chrono::{Datelike, Timelike};

use crate::analytics::{ActivityBucket, HeatMap, OutcomeBucket, Totals};
use crate::calendar::{Buckets, Zone};
use crate::event::{AuditEvent, EventKind, FnvMap, Outcome, SharedText, Source};

const KINDS: usize = 4;
const OUTCOMES: usize = 5;

fn kind_index(kind: EventKind) -> usize {
    match kind {
        EventKind::Login => 0,
        EventKind::Logout => 1,
        EventKind::PageLoad => 2,
        EventKind::Operation => 3,
    }
}

fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Succeeded => 0,
        Outcome::Failed => 1,
        Outcome::Allowed => 2,
        Outcome::Denied => 3,
        Outcome::Unknown => 4,
    }
}

fn source_index(source: Source) -> usize {
    match source {
        Source::Octopai => 0,
        Source::ClouderaManager => 1,
    }
}

/// One source's counts.
#[derive(Debug, Clone, PartialEq, Default)]
struct Counts {
    /// Per bucket: events by kind and outcome.
    per_bucket: Vec<[u32; KINDS * OUTCOMES]>,
    heat: HeatMap,
    events: usize,
    failed_logins: usize,
    denied_operations: usize,
    /// Failed logins per account and per address.
    failing_accounts: FnvMap<SharedText, u32>,
    failing_ips: FnvMap<SharedText, u32>,
}

/// Counts of each source's events over one set of buckets, in one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregates {
    buckets: Buckets,
    sources: [Counts; 2],
    /// The zone's offset for the last UTC hour seen (consecutive events
    /// share it).
    last_offset: Option<(i64, chrono::FixedOffset)>,
}

impl Aggregates {
    /// Nothing counted yet, over `buckets`.
    pub fn new(buckets: Buckets) -> Self {
        let counts = Counts {
            per_bucket: vec![[0; KINDS * OUTCOMES]; buckets.count()],
            ..Counts::default()
        };
        Self {
            buckets,
            sources: [counts.clone(), counts],
            last_offset: None,
        }
    }

    pub fn buckets(&self) -> &Buckets {
        &self.buckets
    }

    /// Counts `events` (each once: the caller adds only events not added
    /// before), the grid's hours and weekdays read in `zone` (the same zone
    /// every time: counts in another zone are new `Aggregates`).
    pub fn add<'a>(&mut self, events: impl IntoIterator<Item = &'a AuditEvent>, zone: &impl Zone) {
        let mut last = 0;
        for event in events {
            let hour_key = event.at.timestamp().div_euclid(3600);
            let offset = match self.last_offset {
                Some((key, offset)) if key == hour_key => offset,
                _ => {
                    let offset = zone.offset_at(event.at);
                    self.last_offset = Some((hour_key, offset));
                    offset
                }
            };
            let bucket = self.buckets.index_near(event.at, &mut last);
            let counts = &mut self.sources[source_index(event.source)];
            if let Some(cell) = bucket.and_then(|index| counts.per_bucket.get_mut(index)) {
                cell[kind_index(event.kind) * OUTCOMES + outcome_index(event.outcome)] += 1;
            }
            let local = event.at.naive_utc() + offset;
            counts.heat[local.weekday().num_days_from_monday() as usize][local.hour() as usize] +=
                1;
            counts.events += 1;
            if event.is_failed_login() {
                counts.failed_logins += 1;
                *counts
                    .failing_accounts
                    .entry(event.actor.clone())
                    .or_default() += 1;
                if let Some(ip) = &event.ip {
                    *counts.failing_ips.entry(ip.clone()).or_default() += 1;
                }
            }
            if event.is_denied_operation() {
                counts.denied_operations += 1;
            }
        }
    }

    fn shown<'a>(&'a self, sources: &'a [Source]) -> impl Iterator<Item = &'a Counts> + 'a {
        sources
            .iter()
            .map(|source| &self.sources[source_index(*source)])
    }

    /// Per bucket, `ok` and `failed` of the kind given, from the sources
    /// given ([`crate::analytics::outcome_series`]).
    fn outcomes(&self, sources: &[Source], kind: EventKind) -> Vec<OutcomeBucket> {
        let at = |outcome: Outcome| kind_index(kind) * OUTCOMES + outcome_index(outcome);
        (0..self.buckets.count())
            .map(|index| {
                let (mut ok, mut failed) = (0, 0);
                for counts in self.shown(sources) {
                    let cell = &counts.per_bucket[index];
                    ok += cell[at(Outcome::Succeeded)] + cell[at(Outcome::Allowed)];
                    failed += cell[at(Outcome::Failed)] + cell[at(Outcome::Denied)];
                }
                OutcomeBucket {
                    bucket_start: self.buckets.bucket_start(index),
                    ok,
                    failed,
                }
            })
            .collect()
    }

    /// [`crate::analytics::login_outcomes`] over the sources shown: of one
    /// of them, or of all shown with `None`.
    pub fn login_outcomes(&self, shown: &[Source], source: Option<Source>) -> Vec<OutcomeBucket> {
        match source {
            Some(source) if shown.contains(&source) => self.outcomes(&[source], EventKind::Login),
            Some(_) => self.outcomes(&[], EventKind::Login),
            None => self.outcomes(shown, EventKind::Login),
        }
    }

    /// [`crate::analytics::operation_outcomes`] over the sources shown.
    pub fn operation_outcomes(&self, shown: &[Source]) -> Vec<OutcomeBucket> {
        let cloudera: &[Source] = if shown.contains(&Source::ClouderaManager) {
            &[Source::ClouderaManager]
        } else {
            &[]
        };
        self.outcomes(cloudera, EventKind::Operation)
    }

    /// [`crate::analytics::activity_timeline`] over the sources shown.
    pub fn activity_timeline(&self, shown: &[Source]) -> Vec<ActivityBucket> {
        let in_bucket = |source: Source, index: usize| -> u32 {
            if !shown.contains(&source) {
                return 0;
            }
            self.sources[source_index(source)].per_bucket[index]
                .iter()
                .sum()
        };
        (0..self.buckets.count())
            .map(|index| ActivityBucket {
                bucket_start: self.buckets.bucket_start(index),
                octopai: in_bucket(Source::Octopai, index),
                cloudera: in_bucket(Source::ClouderaManager, index),
            })
            .collect()
    }

    /// [`crate::analytics::hour_by_weekday`] over the sources shown.
    pub fn hour_by_weekday(&self, shown: &[Source]) -> HeatMap {
        let mut cells = [[0u32; 24]; 7];
        for counts in self.shown(shown) {
            for (day, hours) in counts.heat.iter().enumerate() {
                for (hour, count) in hours.iter().enumerate() {
                    cells[day][hour] += count;
                }
            }
        }
        cells
    }

    /// [`crate::analytics::totals`] over the sources shown.
    pub fn totals(&self, shown: &[Source]) -> Totals {
        let mut totals = Totals::default();
        let mut accounts: FnvMap<&str, ()> = FnvMap::default();
        let mut ips: FnvMap<&str, ()> = FnvMap::default();
        for source in shown {
            let counts = &self.sources[source_index(*source)];
            totals.events += counts.events;
            match source {
                Source::Octopai => totals.octopai += counts.events,
                Source::ClouderaManager => totals.cloudera += counts.events,
            }
            totals.failed_logins += counts.failed_logins;
            totals.denied_operations += counts.denied_operations;
            accounts.extend(counts.failing_accounts.keys().map(|key| (&**key, ())));
            ips.extend(counts.failing_ips.keys().map(|key| (&**key, ())));
        }
        totals.failing_accounts = accounts.len();
        totals.failing_ips = ips.len();
        totals
    }

    /// [`crate::analytics::top_failing_accounts`] over the sources shown.
    pub fn top_failing_accounts(&self, shown: &[Source], n: usize) -> Vec<(String, u32)> {
        top(self.shown(shown).map(|counts| &counts.failing_accounts), n)
    }

    /// [`crate::analytics::top_failing_ips`] over the sources shown.
    pub fn top_failing_ips(&self, shown: &[Source], n: usize) -> Vec<(String, u32)> {
        top(self.shown(shown).map(|counts| &counts.failing_ips), n)
    }
}

/// The `n` largest of the summed counts, ranked as
/// [`crate::analytics::top_n`] ranks.
fn top<'a>(
    maps: impl Iterator<Item = &'a FnvMap<SharedText, u32>>,
    n: usize,
) -> Vec<(String, u32)> {
    let mut summed: FnvMap<&str, u32> = FnvMap::default();
    for map in maps {
        for (key, count) in map {
            *summed.entry(key).or_default() += count;
        }
    }
    crate::analytics::ranked(summed, n)
}
