//! Lists of events shared, not copied ([`Rows`]), and what the views and
//! analytics read them through ([`Events`]).
//!
//! A list made from decoded events owns them (in [`Chunks`], never moved
//! once stored); every other list is a selection: row numbers into the
//! lists it was picked from. A load's own list is one too: the events in
//! the order they arrived, picked newest first. Merging two
//! sources, narrowing to a flag's events or to a lookup, or a zoom into a
//! stretch of time never copies an event (4 bytes a row, not the event's
//! 72, and no reference counts touched).

use std::ops::Range;
use std::sync::Arc;

use super::chunks::{Chunks, Stretch};
use super::AuditEvent;
use crate::TimeWindow;

/// Events in order, read one at a time: a slice, a vector or [`Rows`].
/// Analytics take any of them, so a selection is counted where it points.
pub trait Events {
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The event at `at`, counted from the first.
    fn get(&self, at: usize) -> Option<&AuditEvent>;

    /// The event at `at`; past the end a panic, as indexing a slice.
    fn event(&self, at: usize) -> &AuditEvent {
        match self.get(at) {
            Some(event) => event,
            None => panic!("event {at} of {}", self.len()),
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &AuditEvent> + ExactSizeIterator + Clone;

    fn first(&self) -> Option<&AuditEvent> {
        self.get(0)
    }

    fn last(&self) -> Option<&AuditEvent> {
        self.len().checked_sub(1).and_then(|at| self.get(at))
    }
}

/// Slices, vectors and arrays of events: read as the slice they are.
impl<T: AsRef<[AuditEvent]> + ?Sized> Events for T {
    fn len(&self) -> usize {
        self.as_ref().len()
    }

    fn get(&self, at: usize) -> Option<&AuditEvent> {
        self.as_ref().get(at)
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &AuditEvent> + ExactSizeIterator + Clone {
        self.as_ref().iter()
    }
}

impl Events for Rows {
    fn len(&self) -> usize {
        Rows::len(self)
    }

    fn get(&self, at: usize) -> Option<&AuditEvent> {
        Rows::get(self, at)
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &AuditEvent> + ExactSizeIterator + Clone {
        Rows::iter(self)
    }
}

/// Events shared, not copied: cloning is a reference count, and two are
/// equal only when they are the same stretch of the same list. A view that
/// narrows nothing passes on the list it was given, a zoom into a stretch
/// of time is that stretch of it ([`Rows::within`]), a narrowed view is a
/// selection of rows ([`Rows::select`]), and a change is never found by
/// comparing every event.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    all: Arc<List>,
    /// The stretch of `all` these rows are.
    range: Range<usize>,
}

/// A list of events, and whether it is newest first, ties by id
/// ([`newest_first`]): found out when the list is made (one pass, beside
/// the work of making it), so a zoom, a merge or a source shown alone never
/// scans it.
#[derive(Debug, Default)]
struct List {
    held: Held,
    newest_first: bool,
}

#[derive(Debug)]
enum Held {
    /// Events owned here.
    Events(Chunks),
    /// Rows of other lists (each one that owns its events): a pick is the
    /// list's place in `lists` in its top bits and the row below them.
    Picked {
        lists: Vec<Arc<List>>,
        picks: Vec<u32>,
    },
}

impl Default for Held {
    fn default() -> Self {
        Held::Events(Chunks::default())
    }
}

/// Bits of a pick that hold the row: lists of up to a billion events, four
/// lists to pick from (more, or longer ones, are copied instead).
const ROW_BITS: u32 = 30;
const ROW_MASK: u32 = (1 << ROW_BITS) - 1;
const MAX_LISTS: usize = 1 << (32 - ROW_BITS);

fn pick(list: usize, row: usize) -> Option<u32> {
    let row = u32::try_from(row).ok().filter(|row| *row <= ROW_MASK)?;
    let list = u32::try_from(list)
        .ok()
        .filter(|list| (*list as usize) < MAX_LISTS)?;
    Some((list << ROW_BITS) | row)
}

impl List {
    fn len(&self) -> usize {
        match &self.held {
            Held::Events(events) => events.len(),
            Held::Picked { picks, .. } => picks.len(),
        }
    }

    fn event(&self, at: usize) -> &AuditEvent {
        match &self.held {
            Held::Events(events) => events.event_at(at),
            Held::Picked { lists, picks } => picked(lists, picks[at]),
        }
    }

    fn owns(events: Chunks) -> Self {
        let all = events.stretch(0..events.len());
        Self {
            newest_first: all
                .clone()
                .zip(all.skip(1))
                .all(|(a, b)| newest_first(a, b).is_le()),
            held: Held::Events(events),
        }
    }
}

fn picked(lists: &[Arc<List>], pick: u32) -> &AuditEvent {
    match &lists[(pick >> ROW_BITS) as usize].held {
        Held::Events(events) => events.event_at((pick & ROW_MASK) as usize),
        // Picks only ever point into lists that own their events.
        Held::Picked { .. } => unreachable!("a pick into a selection"),
    }
}

/// The events of some [`Rows`], first to last.
#[derive(Debug, Clone)]
pub struct Iter<'a>(Walk<'a>);

#[derive(Debug, Clone)]
enum Walk<'a> {
    Events(Stretch<'a>),
    Picked {
        lists: &'a [Arc<List>],
        picks: std::slice::Iter<'a, u32>,
    },
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a AuditEvent;

    #[inline]
    fn next(&mut self) -> Option<&'a AuditEvent> {
        match &mut self.0 {
            Walk::Events(events) => events.next(),
            Walk::Picked { lists, picks } => picks.next().map(|pick| picked(lists, *pick)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.len();
        (len, Some(len))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Walk::Events(events) => events.next_back(),
            Walk::Picked { lists, picks } => picks.next_back().map(|pick| picked(lists, *pick)),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {
    fn len(&self) -> usize {
        match &self.0 {
            Walk::Events(events) => events.len(),
            Walk::Picked { picks, .. } => picks.len(),
        }
    }
}

/// A part's picks into a [`Picking`]'s lists, first to last.
enum PartPicks<'a> {
    /// Rows of a list that owns its events (at `list` of the lists).
    Rows {
        list: usize,
        rows: std::ops::Range<usize>,
    },
    /// Picks of a selection, its lists at `places` of the lists.
    Picked {
        places: Vec<usize>,
        picks: std::slice::Iter<'a, u32>,
    },
}

impl Iterator for PartPicks<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match self {
            // Checked to fit when made.
            PartPicks::Rows { list, rows } => {
                let row = rows.next()?;
                Some(((*list as u32) << ROW_BITS) | row as u32)
            }
            PartPicks::Picked { places, picks } => {
                let p = picks.next()?;
                let list = places[(p >> ROW_BITS) as usize] as u32;
                Some((list << ROW_BITS) | (p & ROW_MASK))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            PartPicks::Rows { rows, .. } => rows.size_hint(),
            PartPicks::Picked { picks, .. } => picks.size_hint(),
        }
    }
}

/// Where a selection's rows point: the lists that own the events, and
/// each row of a part as a pick into them.
#[derive(Default)]
struct Picking {
    lists: Vec<Arc<List>>,
}

impl Picking {
    /// The picks of `rows` into `self.lists` (their lists added when new),
    /// read as they are needed, or `None` when there are too many lists to
    /// pick from or rows beyond what a pick holds.
    fn picks_of<'a>(&mut self, rows: &'a Rows) -> Option<PartPicks<'a>> {
        let mut place = |list: &Arc<List>| -> Option<usize> {
            if let Some(at) = self.lists.iter().position(|l| Arc::ptr_eq(l, list)) {
                return Some(at);
            }
            (self.lists.len() < MAX_LISTS).then(|| {
                self.lists.push(list.clone());
                self.lists.len() - 1
            })
        };
        match &rows.all.held {
            Held::Events(_) => {
                let list = place(&rows.all)?;
                // The last row fits a pick, so every row does.
                pick(list, rows.range.end.saturating_sub(1))?;
                Some(PartPicks::Rows {
                    list,
                    rows: rows.range.clone(),
                })
            }
            Held::Picked { lists, picks } => {
                let places = lists.iter().map(&mut place).collect::<Option<_>>()?;
                Some(PartPicks::Picked {
                    places,
                    picks: picks[rows.range.clone()].iter(),
                })
            }
        }
    }

    fn event(&self, pick: u32) -> &AuditEvent {
        picked(&self.lists, pick)
    }

    fn into_rows(self, picks: Vec<u32>) -> Rows {
        let in_order = picks
            .windows(2)
            .all(|pair| newest_first(self.event(pair[0]), self.event(pair[1])).is_le());
        Rows::whole_list(List {
            held: Held::Picked {
                lists: self.lists,
                picks,
            },
            newest_first: in_order,
        })
    }
}

impl Rows {
    pub fn new(events: Vec<AuditEvent>) -> Self {
        events.into_iter().collect()
    }

    fn whole_list(list: List) -> Self {
        Self {
            range: 0..list.len(),
            all: Arc::new(list),
        }
    }

    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The event at `at`, counted from the first of these rows.
    pub fn get(&self, at: usize) -> Option<&AuditEvent> {
        (at < self.len()).then(|| self.all.event(self.range.start + at))
    }

    pub fn first(&self) -> Option<&AuditEvent> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&AuditEvent> {
        self.len().checked_sub(1).and_then(|at| self.get(at))
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.all.held {
            Held::Events(events) => Walk::Events(events.stretch(self.range.clone())),
            Held::Picked { lists, picks } => Walk::Picked {
                lists,
                picks: picks[self.range.clone()].iter(),
            },
        })
    }

    /// The whole list these rows are a stretch of.
    pub fn whole(&self) -> Rows {
        Self {
            all: self.all.clone(),
            range: 0..self.all.len(),
        }
    }

    /// Whether these rows are newest first, ties by id (as loads hold
    /// them): known since their list was made.
    pub fn is_newest_first(&self) -> bool {
        self.all.newest_first
    }

    /// The first position whose event `before` rejects, `before` accepting
    /// a first stretch of the rows and rejecting the rest.
    pub fn partition_point(&self, before: impl Fn(&AuditEvent) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if before(self.all.event(self.range.start + middle)) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// The events inside `window`: a stretch of these rows, shared, when
    /// they are newest first (a binary search); otherwise a selection.
    pub fn within(&self, window: TimeWindow) -> Rows {
        if !self.is_newest_first() {
            return self.select(|event| window.contains(event.at));
        }
        // Newest first: those at or after the end, then the window, then
        // those before its start.
        let from = self.partition_point(|event| event.at >= window.end());
        let to = self.partition_point(|event| event.at >= window.start());
        Self {
            all: self.all.clone(),
            range: self.range.start + from..self.range.start + to.max(from),
        }
    }

    /// The events `keep` accepts, in the same order: row numbers pointing
    /// at these events, not copies of them.
    pub fn select(&self, keep: impl Fn(&AuditEvent) -> bool) -> Rows {
        let mut picking = Picking::default();
        match picking.picks_of(self) {
            Some(picks) => {
                let picks = picks.filter(|pick| keep(picking.event(*pick))).collect();
                picking.into_rows(picks)
            }
            None => Rows::new(self.iter().filter(|e| keep(e)).cloned().collect()),
        }
    }

    /// The events of every part in one list, newest first (ties by id),
    /// without copying one: parts already newest first are merged in one
    /// pass, others sorted. One list alone (the others empty) already
    /// newest first is passed on as it is.
    pub fn merged(parts: &[&Rows]) -> Rows {
        let parts: Vec<&Rows> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
        if let [only] = parts.as_slice() {
            if only.is_newest_first() {
                return (*only).clone();
            }
        }
        let mut picking = Picking::default();
        let mut each = Vec::with_capacity(parts.len());
        for part in &parts {
            match picking.picks_of(part) {
                Some(picks) => each.push(picks),
                None => {
                    let mut all: Vec<AuditEvent> =
                        parts.iter().flat_map(|rows| rows.iter().cloned()).collect();
                    all.sort_by(newest_first);
                    return Rows::new(all);
                }
            }
        }
        let order = |a: u32, b: u32| newest_first(picking.event(a), picking.event(b));
        let picks = if parts.iter().all(|part| part.is_newest_first()) {
            merge_sorted(each, order)
        } else {
            let mut picks: Vec<u32> = each.into_iter().flatten().collect();
            picks.sort_by(|a, b| order(*a, *b));
            picks
        };
        picking.into_rows(picks)
    }
}

/// The order lists are shown in: newest first, ties by id.
pub fn newest_first(a: &AuditEvent, b: &AuditEvent) -> std::cmp::Ordering {
    b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id))
}

/// Sorted runs as one sorted run, written once (stable: of equal items,
/// those of earlier runs first).
fn merge_sorted(
    runs: Vec<PartPicks<'_>>,
    order: impl Fn(u32, u32) -> std::cmp::Ordering,
) -> Vec<u32> {
    let total = runs.iter().map(|run| run.size_hint().0).sum();
    let mut out = Vec::with_capacity(total);
    let mut runs: Vec<_> = runs.into_iter().map(Iterator::peekable).collect();
    loop {
        let mut first: Option<(usize, u32)> = None;
        for (at, run) in runs.iter_mut().enumerate() {
            if let Some(&head) = run.peek() {
                if first.is_none_or(|(_, best)| order(head, best).is_lt()) {
                    first = Some((at, head));
                }
            }
        }
        let Some((at, head)) = first else {
            return out;
        };
        out.push(head);
        runs[at].next();
    }
}

impl From<Chunks> for Rows {
    /// The events as they are stored.
    fn from(events: Chunks) -> Self {
        Self::whole_list(List::owns(events))
    }
}

impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.all, &other.all) && self.range == other.range
    }
}

impl std::ops::Index<usize> for Rows {
    type Output = AuditEvent;

    fn index(&self, at: usize) -> &AuditEvent {
        assert!(at < self.len(), "row {at} of {}", self.len());
        self.all.event(self.range.start + at)
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = &'a AuditEvent;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<AuditEvent> for Rows {
    fn from_iter<I: IntoIterator<Item = AuditEvent>>(events: I) -> Self {
        Self::whole_list(List::owns(events.into_iter().collect()))
    }
}

impl From<Vec<AuditEvent>> for Rows {
    fn from(events: Vec<AuditEvent>) -> Self {
        Self::new(events)
    }
}
