//! What the detections read of the events, as columns built once per list.
//!
//! A filter change (hiding a source, a new threshold) used to run every
//! detection over the events themselves: each one hashed every account or
//! address string again, and reading those strings out of 100,000 scattered
//! events cost more than the detections' own work. An index holds the
//! events oldest first (ties by id, each id once) as plain columns: the
//! time, the account and the address as small dictionary ids, and what the
//! event is (a failed or successful login, a denied operation, a failure).
//! It is built once over both sources' loads (merged as row numbers,
//! [`Rows::merged`]); a source hidden is the index's entries of the other,
//! picked by a column without reading an event ([`DetectIndex::only`]); and
//! the detections then group by id into vectors, not by string into maps.
//! The events are read again only to word a flag.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};

use super::first_seen::{first_pairs, FirstPair};
use crate::event::{AuditEvent, Events, FnvMap, Rows, Source};
use crate::TimeWindow;

/// `at` in nanoseconds since 1970; times beyond what that holds (before
/// 1677 or after 2262) as the nearest it holds.
pub(super) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// `span` in nanoseconds (a longer one as the longest held).
pub(super) fn span_nanos(span: chrono::Duration) -> i64 {
    span.num_nanoseconds().unwrap_or(i64::MAX)
}

/// No recorded address.
const NONE: u32 = u32::MAX;

pub(super) const FAILED_LOGIN: u8 = 1;
pub(super) const GOOD_LOGIN: u8 = 2;
pub(super) const DENIED: u8 = 4;
pub(super) const FAILURE: u8 = 8;
/// From Octopai (not a trait a detection asks for: what a source hidden
/// leaves out, [`DetectIndex::only`]).
const OCTOPAI: u8 = 16;

fn traits_of(event: &AuditEvent) -> u8 {
    let mut traits = 0;
    if event.is_failed_login() {
        traits |= FAILED_LOGIN;
    }
    if event.is_successful_login() {
        traits |= GOOD_LOGIN;
    }
    if event.is_denied_operation() {
        traits |= DENIED;
    }
    if event.outcome.is_failure() {
        traits |= FAILURE;
    }
    if event.source == Source::Octopai {
        traits |= OCTOPAI;
    }
    traits
}

/// Strings to small ids, in order of first appearance.
#[derive(Debug, Default, Clone)]
struct Dictionary {
    values: Vec<String>,
    ids: FnvMap<String, u32>,
}

impl Dictionary {
    fn id(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(NONE - 1);
        self.values.push(value.to_owned());
        self.ids.insert(value.to_owned(), id);
        id
    }
}

#[derive(Debug, Default)]
struct Columns {
    /// The list indexed; an event is `rows[row[i]]`.
    rows: Rows,
    row: Vec<u32>,
    /// Each event's time in nanoseconds since 1970 (8 bytes, not chrono's
    /// 12, and compared and subtracted as plain numbers).
    at: Vec<i64>,
    actor: Vec<u32>,
    ip: Vec<u32>,
    traits: Vec<u8>,
    /// Shared by an index and those restricted from it.
    actors: Arc<Dictionary>,
    ips: Arc<Dictionary>,
}

/// The detections' view of a list of events, of one source's
/// events among them, or of a stretch of time of either. Cheap to clone;
/// two indexes are equal when they are the same stretch of the same index.
#[derive(Debug, Clone, Default)]
pub struct DetectIndex {
    columns: Arc<Columns>,
    /// The positions of `columns` this index picks, oldest first (one
    /// source's, [`DetectIndex::only`]: 4 bytes each, not a copy of the
    /// columns), or `None` for all of them.
    picks: Option<Arc<Vec<u32>>>,
    /// The stretch of `picks` (or of `columns`) this index is.
    range: std::ops::Range<usize>,
    /// Each account's first event from each address, worked out the first
    /// time the first-seen detection runs over this index (whatever its
    /// thresholds) and shared by its clones.
    first_pairs: Arc<OnceLock<Vec<FirstPair>>>,
}

impl PartialEq for DetectIndex {
    fn eq(&self, other: &Self) -> bool {
        let same_picks = match (&self.picks, &other.picks) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        Arc::ptr_eq(&self.columns, &other.columns) && same_picks && self.range == other.range
    }
}

/// Oldest first, ties by id: the order the detections read events in.
fn older(a: &AuditEvent, b: &AuditEvent) -> std::cmp::Ordering {
    a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id))
}

/// Puts `items` oldest first, ties by id, each read as the event `event`
/// gives. A list `newest_first` (ties by id, the order lists are shown
/// in) is turned round, with each run of one instant put back in id
/// order: linear. Any other order is sorted.
pub(super) fn oldest_first<'e, T>(
    items: &mut [T],
    newest_first: bool,
    event: impl Fn(&T) -> &'e AuditEvent,
) {
    if newest_first {
        items.reverse();
        for run in items.chunk_by_mut(|a, b| event(a).at == event(b).at) {
            run.reverse();
        }
    } else {
        items.sort_unstable_by(|a, b| older(event(a), event(b)));
    }
}

/// The rows of `events` oldest first (ties by id), each id once (an id
/// names one event, so its copies carry the same time).
pub(super) fn chronological(events: &(impl Events + ?Sized)) -> Vec<u32> {
    let mut order: Vec<u32> = (0..events.len())
        .map(|row| u32::try_from(row).unwrap_or(u32::MAX))
        .collect();
    // In the order lists are shown in (newest first, ties by id), not
    // merely newest first: a list newest first with ties the other way
    // round is sorted.
    let newest_first = events
        .iter()
        .zip(events.iter().skip(1))
        .all(|(newer, older_one)| crate::event::newest_first(newer, older_one).is_le());
    oldest_first(&mut order, newest_first, |row| events.event(*row as usize));
    // Copies of one event share its time, so after the sort they are
    // neighbours.
    order.dedup_by(|a, b| {
        let (a, b) = (events.event(*a as usize), events.event(*b as usize));
        a.at == b.at && a.id == b.id
    });
    order
}

impl DetectIndex {
    /// The index of one list, in any order, duplicates allowed.
    pub fn new(rows: &Rows) -> Self {
        let order = chronological(rows);
        let mut columns = Columns {
            rows: rows.clone(),
            at: Vec::with_capacity(order.len()),
            actor: Vec::with_capacity(order.len()),
            ip: Vec::with_capacity(order.len()),
            traits: Vec::with_capacity(order.len()),
            ..Columns::default()
        };
        let (mut actors, mut ips) = (Dictionary::default(), Dictionary::default());
        for &row in &order {
            let event = &rows[row as usize];
            columns.at.push(nanos(event.at));
            columns.actor.push(actors.id(&event.actor));
            let ip = event.ip.as_deref().map_or(NONE, |ip| ips.id(ip));
            columns.ip.push(ip);
            columns.traits.push(traits_of(event));
        }
        columns.row = order;
        columns.actors = Arc::new(actors);
        columns.ips = Arc::new(ips);
        Self::whole(columns)
    }

    fn whole(columns: Columns) -> Self {
        Self {
            range: 0..columns.at.len(),
            picks: None,
            columns: Arc::new(columns),
            first_pairs: Arc::default(),
        }
    }

    /// The position in the columns of this index's `at`th event.
    #[inline]
    fn entry(&self, at: usize) -> usize {
        let at = self.range.start + at;
        match &self.picks {
            None => at,
            Some(picks) => picks[at] as usize,
        }
    }

    /// The events of this index inside `window`: a stretch of it, shared.
    pub fn within(&self, window: TimeWindow) -> Self {
        let (start, end) = (nanos(window.start()), nanos(window.end()));
        let (from, to) = match &self.picks {
            None => {
                let times = &self.columns.at[self.range.clone()];
                (
                    times.partition_point(|at| *at < start),
                    times.partition_point(|at| *at < end),
                )
            }
            Some(picks) => {
                let picks = &picks[self.range.clone()];
                let times = &self.columns.at;
                (
                    picks.partition_point(|p| times[*p as usize] < start),
                    picks.partition_point(|p| times[*p as usize] < end),
                )
            }
        };
        Self {
            columns: self.columns.clone(),
            picks: self.picks.clone(),
            range: self.range.start + from..self.range.start + to.max(from),
            first_pairs: Arc::default(),
        }
    }

    /// The events of `source` alone: what the index of that source's own
    /// list would hold, in the same order, without reading an event or
    /// hashing a text again (the dictionaries are kept whole).
    pub fn only(&self, source: Source) -> Self {
        let traits = &self.columns.traits;
        let wanted = if source == Source::Octopai {
            OCTOPAI
        } else {
            0
        };
        let mut picks: Vec<u32> = Vec::with_capacity(self.len());
        let mut keep = |entry: usize| {
            if traits[entry] & OCTOPAI == wanted {
                picks.push(u32::try_from(entry).unwrap_or(u32::MAX));
            }
        };
        match &self.picks {
            None => self.range.clone().for_each(&mut keep),
            Some(all) => all[self.range.clone()]
                .iter()
                .for_each(|p| keep(*p as usize)),
        }
        Self {
            columns: self.columns.clone(),
            range: 0..picks.len(),
            picks: Some(Arc::new(picks)),
            first_pairs: Arc::default(),
        }
    }

    /// How many events the index holds. Positions below run from 0 to
    /// this, oldest first.
    pub(super) fn len(&self) -> usize {
        self.range.len()
    }

    pub(super) fn event(&self, at: usize) -> &AuditEvent {
        self.columns.event(self.entry(at))
    }

    /// The time at `at`, in nanoseconds since 1970 ([`nanos`]).
    pub(super) fn at(&self, at: usize) -> i64 {
        self.columns.at[self.entry(at)]
    }

    pub(super) fn has(&self, at: usize, traits: u8) -> bool {
        self.columns.traits[self.entry(at)] & traits != 0
    }

    pub(super) fn actor(&self, at: usize) -> u32 {
        self.columns.actor[self.entry(at)]
    }

    pub(super) fn ip(&self, at: usize) -> Option<u32> {
        Some(self.columns.ip[self.entry(at)]).filter(|ip| *ip != NONE)
    }

    pub(super) fn actor_name(&self, id: u32) -> &str {
        &self.columns.actors.values[id as usize]
    }

    pub(super) fn ip_text(&self, id: u32) -> &str {
        &self.columns.ips.values[id as usize]
    }

    pub(super) fn actor_count(&self) -> usize {
        self.columns.actors.values.len()
    }

    pub(super) fn ip_count(&self) -> usize {
        self.columns.ips.values.len()
    }

    /// The positions `keep` accepts, grouped by `key` (a dictionary id
    /// below `keys`), each group oldest first; empty groups left out.
    pub(super) fn groups(
        &self,
        keys: usize,
        keep: impl Fn(usize) -> bool,
        key: impl Fn(usize) -> Option<u32>,
    ) -> Vec<(u32, Vec<usize>)> {
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); keys];
        for at in 0..self.len() {
            if !keep(at) {
                continue;
            }
            if let Some(key) = key(at) {
                groups[key as usize].push(at);
            }
        }
        groups
            .into_iter()
            .enumerate()
            .filter(|(_, group)| !group.is_empty())
            .map(|(key, group)| (u32::try_from(key).unwrap_or(NONE), group))
            .collect()
    }

    /// Each account's first event from each address, oldest first: see
    /// [`first_pairs`].
    pub(super) fn first_pairs(&self) -> &[FirstPair] {
        self.first_pairs.get_or_init(|| first_pairs(self))
    }

    /// The events at `positions`, for a flag's words.
    pub(super) fn events(&self, positions: &[usize]) -> Vec<&AuditEvent> {
        positions.iter().map(|at| self.event(*at)).collect()
    }
}

impl Columns {
    fn event(&self, at: usize) -> &AuditEvent {
        &self.rows[self.row[at] as usize]
    }
}
