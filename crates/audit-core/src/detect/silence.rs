//! Silent sources (audit gaps): a source that records nothing for a
//! stretch in which its own history says it should have recorded many
//! events. A busy source going quiet is an outage or someone switching the
//! trail off; a source that is quiet every night is neither, and is not
//! flagged for it.
//!
//! The window is cut into ten-minute slots and into days at the source's
//! quietest slot of the day (its night, whatever the calendar says), and
//! each day is busy or quiet: busy when it held at least a quarter of the
//! median day (a working day against a weekend or a holiday, read from the
//! data). What a silent stretch expects is, for each slot it covers, the
//! least the source recorded in the same slot of the day on any other
//! whole day of the same kind: what the source has done every such day,
//! not on average. A slot that is sometimes empty (a night, a lunch break,
//! a weekend morning) expects nothing, however busy it is on other days,
//! so a source whose events come in sessions is not flagged for the gaps
//! between them; a slot is not compared with itself. A stretch with no event of the
//! source is flagged when it lasts at least [`MIN_SILENCE_MINUTES`] and
//! what every other such day held over the same hours adds up to at least
//! the threshold (default [`DEFAULT_SILENCE_EXPECTED`]). The window needs
//! [`MIN_BASELINE_HOURS`] for a baseline; a shorter one is said to be too
//! short rather than read as silence.

use chrono::{DateTime, Duration, Utc};

use super::index::oldest_first;
use super::{Detection, DetectionKind};
use crate::event::{AuditEvent, Events, Source};
use crate::time::{format_iso, TimeWindow};

/// A window shorter than this (three days) gives no baseline.
pub const MIN_BASELINE_HOURS: i64 = 72;
/// A quiet stretch shorter than this is never flagged, whatever it expected.
pub const MIN_SILENCE_MINUTES: i64 = 30;
/// The default threshold: events expected over a silent stretch.
/// The simulated weeks' longest natural quiet stretches expect about 75;
/// a few hours of outage in a busy part of the day expect hundreds.
pub const DEFAULT_SILENCE_EXPECTED: u32 = 150;

/// What watching for silent sources found over one window.
#[derive(Debug, Clone, PartialEq)]
pub enum Silence {
    /// The window was long enough: each stretch flagged (maybe none).
    Watched(Vec<Detection>),
    /// The window is too short for a baseline (its length, in hours).
    TooShort { hours: i64 },
    /// Watching is switched off (a threshold of 0).
    Off,
}

impl Silence {
    /// The flags found, none when not watched.
    pub fn flags(&self) -> &[Detection] {
        match self {
            Silence::Watched(flags) => flags,
            Silence::TooShort { .. } | Silence::Off => &[],
        }
    }

    /// Why nothing could be flagged, in words, when the window could not
    /// be watched.
    pub fn note(&self) -> Option<String> {
        match self {
            Silence::TooShort { hours } => Some(format!(
                "Silent sources are not watched over this window: it covers {} and a baseline needs at least {} days of each source's own history. Open a window of a week, or load the week before as a baseline, to watch for them.",
                describe_hours(*hours),
                MIN_BASELINE_HOURS / 24
            )),
            Silence::Off => Some("Watching for silent sources is switched off (threshold 0).".into()),
            Silence::Watched(_) => None,
        }
    }
}

fn describe_hours(hours: i64) -> String {
    match hours {
        1 => "1 hour".into(),
        h if h < 48 => format!("{h} hours"),
        h => format!("{} days", h / 24),
    }
}

/// Flags every silent stretch of each of `sources` in `window` (see the
/// module). `events` may be in any order and hold other sources' events.
pub fn silent_sources<E: Events + ?Sized>(
    events: &E,
    window: TimeWindow,
    sources: &[Source],
    expected_at_least: u32,
) -> Silence {
    if expected_at_least == 0 {
        return Silence::Off;
    }
    let hours = window.length().num_hours();
    if hours < MIN_BASELINE_HOURS {
        return Silence::TooShort { hours };
    }
    let mut flags = Vec::new();
    for &source in sources {
        let mut own: Vec<&AuditEvent> = events
            .iter()
            .filter(|event| event.source == source && window.contains(event.at))
            .collect();
        // Oldest first, ties by id, as the detections read events: a
        // load's list (newest first) is turned round, not sorted.
        let newest_first = own.is_sorted_by(|a, b| crate::event::newest_first(a, b).is_le());
        oldest_first(&mut own, newest_first, |event| *event);
        let baseline = Baseline::new(window, own.iter().map(|event| event.at));
        flags.extend(silent_stretches(
            source,
            &own,
            window,
            &baseline,
            f64::from(expected_at_least),
        ));
    }
    flags.sort_by_key(|flag| std::cmp::Reverse(flag.first_at));
    Silence::Watched(flags)
}

/// A day that held at least this share of the median day is busy.
const BUSY_SHARE: f64 = 0.25;

/// The baseline's slot: ten minutes (a source that starts work at half
/// past the hour is not expected to be busy from the hour).
const SLOT_SECONDS: i64 = 600;
/// Slots in a day.
const DAY: i64 = 24 * 3_600 / SLOT_SECONDS;

/// A source's counts per slot over the window, cut into days at its
/// quietest slot of the day, with its usual shape of a day.
struct Baseline {
    first_slot: DateTime<Utc>,
    counts: Vec<u32>,
    /// Which slots lie wholly inside the window.
    whole: Vec<bool>,
    /// The slot at which day 0 starts (may be before the first slot).
    day_start: i64,
    /// The days that lie wholly inside the window, each busy or quiet.
    whole_days: Vec<(i64, bool)>,
}

impl Baseline {
    fn new(window: TimeWindow, times: impl Iterator<Item = DateTime<Utc>>) -> Self {
        let first_slot = floor_slot(window.start());
        let slots =
            ((window.end() - first_slot).num_seconds().max(0) + SLOT_SECONDS - 1) / SLOT_SECONDS;
        let mut counts = vec![0u32; usize::try_from(slots).unwrap_or(0)];
        for at in times {
            if let Some(count) = slot_of(first_slot, at)
                .and_then(|slot| usize::try_from(slot).ok())
                .and_then(|slot| counts.get_mut(slot))
            {
                *count += 1;
            }
        }
        let start_of = |slot: i64| first_slot + Duration::seconds(slot * SLOT_SECONDS);
        let whole: Vec<bool> = (0..slots)
            .map(|slot| start_of(slot) >= window.start() && start_of(slot + 1) <= window.end())
            .collect();
        // Days start at the slot of the day that holds fewest events.
        let mut by_slot = vec![0u64; DAY as usize];
        for slot in (0..slots).filter(|&slot| whole[slot as usize]) {
            by_slot[(slot % DAY) as usize] += u64::from(counts[slot as usize]);
        }
        let quietest = (0..DAY)
            .min_by_key(|&at| (by_slot[at as usize], at))
            .unwrap_or(0);
        let mut baseline = Self {
            first_slot,
            counts,
            whole,
            day_start: quietest - DAY,
            whole_days: Vec::new(),
        };
        let days = (slots - baseline.day_start).div_euclid(DAY) + 1;
        let whole_days: Vec<i64> = (0..days)
            .filter(|&day| baseline.day_slots(day).all(|slot| baseline.is_whole(slot)))
            .collect();
        let totals: Vec<u64> = whole_days
            .iter()
            .map(|&day| baseline.held(day, |_| true))
            .collect();
        let median = median(totals.clone());
        baseline.whole_days = whole_days
            .into_iter()
            .zip(totals)
            .map(|(day, total)| (day, total as f64 >= BUSY_SHARE * median))
            .collect();
        baseline
    }

    fn is_whole(&self, slot: i64) -> bool {
        usize::try_from(slot)
            .ok()
            .and_then(|slot| self.whole.get(slot).copied())
            .unwrap_or(false)
    }

    fn count(&self, slot: i64) -> u32 {
        usize::try_from(slot)
            .ok()
            .and_then(|slot| self.counts.get(slot).copied())
            .unwrap_or(0)
    }

    /// What `day` held in the slots of the day (counted from its start)
    /// that `keep` accepts.
    fn held(&self, day: i64, keep: impl Fn(i64) -> bool) -> u64 {
        self.day_slots(day)
            .enumerate()
            .filter(|&(at, _)| keep(at as i64))
            .map(|(_, slot)| u64::from(self.count(slot)))
            .sum()
    }

    /// Whether `day` is a busy day: it held at least a quarter of what the
    /// median whole day held (a day cut by the window's edge, in the slots
    /// it has).
    fn is_busy(&self, day: i64) -> bool {
        if let Some(&(_, busy)) = self.whole_days.iter().find(|(whole, _)| *whole == day) {
            return busy;
        }
        let start = self.day_start + day * DAY;
        let inside = |at: i64| self.is_whole(start + at);
        let own = self.held(day, inside);
        let others = self
            .whole_days
            .iter()
            .map(|&(other, _)| self.held(other, inside))
            .collect();
        let reference = median(others);
        reference > 0.0 && own as f64 >= BUSY_SHARE * reference
    }

    fn day_of(&self, slot: i64) -> i64 {
        (slot - self.day_start).div_euclid(DAY)
    }

    fn day_slots(&self, day: i64) -> std::ops::Range<i64> {
        let first = self.day_start + day * DAY;
        first..first + DAY
    }

    /// The events expected from `from` to `to` (a stretch with none): for
    /// each slot it covers, the least the same slot of the day held on any
    /// other whole day of the same kind (busy or quiet), times the share
    /// of the slot covered.
    fn expected_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        let (Some(first), Some(last)) = (
            slot_of(self.first_slot, from),
            slot_of(self.first_slot, to - Duration::milliseconds(1)),
        ) else {
            return 0.0;
        };
        let mut total = 0.0;
        let mut kinds: Vec<(i64, bool)> = Vec::new();
        for slot in first..=last {
            let own_day = self.day_of(slot);
            let busy = match kinds.iter().find(|(day, _)| *day == own_day) {
                Some(&(_, busy)) => busy,
                None => {
                    let busy = self.is_busy(own_day);
                    kinds.push((own_day, busy));
                    busy
                }
            };
            let at = (slot - self.day_start).rem_euclid(DAY);
            let least = self
                .whole_days
                .iter()
                .filter(|&&(day, other_busy)| day != own_day && other_busy == busy)
                .map(|&(day, _)| self.count(self.day_start + day * DAY + at))
                .min()
                .map_or(0.0, f64::from);
            let slot_start = self.first_slot + Duration::seconds(slot * SLOT_SECONDS);
            let covered =
                (slot_start + Duration::seconds(SLOT_SECONDS)).min(to) - slot_start.max(from);
            total +=
                least * covered.num_milliseconds().max(0) as f64 / (SLOT_SECONDS * 1_000) as f64;
        }
        total
    }
}

/// The median of `values` (the mean of the middle two of an even count);
/// 0 for none.
fn median(mut values: Vec<u64>) -> f64 {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2] as f64,
        _ => (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0,
    }
}

fn floor_slot(at: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = at.timestamp().div_euclid(SLOT_SECONDS) * SLOT_SECONDS;
    DateTime::from_timestamp(seconds, 0).unwrap_or(at)
}

fn slot_of(first_slot: DateTime<Utc>, at: DateTime<Utc>) -> Option<i64> {
    let slot = (at - first_slot).num_seconds().div_euclid(SLOT_SECONDS);
    (slot >= 0).then_some(slot)
}

/// The stretches of `own` (one source's events in `window`, oldest first)
/// with no event, flagged when long and unlikely enough.
fn silent_stretches(
    source: Source,
    own: &[&AuditEvent],
    window: TimeWindow,
    baseline: &Baseline,
    threshold: f64,
) -> Vec<Detection> {
    // Each stretch: its ends, and the events at those ends (none at the
    // window's edges), walked in turn rather than listed: a list of every
    // end was 16 bytes an event on wasm32, and its doubling held 36 MB at
    // once for a million events.
    let ends = std::iter::once((window.start(), None))
        .chain(own.iter().map(|event| (event.at, Some(*event))))
        .chain(std::iter::once((window.end(), None)));
    let stretches = ends.clone().zip(ends.skip(1));
    stretches
        .filter_map(|((from, before), (to, after))| {
            if to - from < Duration::minutes(MIN_SILENCE_MINUTES) {
                return None;
            }
            let expected = baseline.expected_between(from, to);
            (expected >= threshold).then(|| Detection {
                kind: DetectionKind::SilentSource,
                subject: source.label().to_owned(),
                first_at: from,
                last_at: to,
                reason: reason(
                    source,
                    from,
                    to,
                    before.is_none(),
                    after.is_none(),
                    expected,
                    threshold,
                ),
                event_ids: before
                    .into_iter()
                    .chain(after)
                    .map(|event| event.id.clone())
                    .collect(),
            })
        })
        .collect()
}

fn describe_length(span: Duration) -> String {
    let minutes = span.num_minutes();
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} minutes"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn reason(
    source: Source,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    from_window_start: bool,
    to_window_end: bool,
    expected: f64,
    threshold: f64,
) -> String {
    let start = match from_window_start {
        true => format!("the window's start ({})", format_iso(from)),
        false => format_iso(from),
    };
    let end = match to_window_end {
        true => format!(
            "the window's end ({}), and may still be silent",
            format_iso(to)
        ),
        false => format_iso(to),
    };
    format!(
        "{} recorded nothing for {}, from {start} to {end}, although every other such day in the window held at least about {} events in the same minutes of the day (flagged from {}): an outage, or the audit trail switched off.",
        source.label(),
        describe_length(to - from),
        expected.round() as u64,
        threshold as u64,
    )
}

#[cfg(test)]
mod tests;
