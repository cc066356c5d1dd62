//! Retention: Octopai's users grouped into cohorts by the day or week of
//! their first event in a lookback, and the share of each cohort active in
//! each following day or week (the classic triangle).
//!
//! Periods are calendar days, weeks from Monday, or calendar months, on
//! the display zone's calendar (so a day with a DST change is one period of 23 or 25 hours).
//! The last period is the one holding the window's end, and may not have
//! ended yet. A user is new in the lookback only if the events held reach
//! back [`SEEN_BEFORE_DAYS`] before it without them: a user seen in those
//! days is counted as returning, never as a cohort's member. Active means
//! any Octopai event but a failed login, as for active users elsewhere.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};

use crate::calendar::Zone;
use crate::event::{Events, FnvMap, Source};
use crate::time::TimeWindow;

/// How far before the lookback the events are read to tell a new user from
/// one who was there before.
pub const SEEN_BEFORE_DAYS: i64 = 28;

/// A cohort's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grain {
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

impl Grain {
    /// The first day of the period holding `day`.
    pub fn period_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Grain::Day => day,
            Grain::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Grain::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// The first day of the period `by` periods after the one starting
    /// `period` (before it when negative).
    fn step(self, period: NaiveDate, by: i64) -> NaiveDate {
        match self {
            Grain::Day => period + Duration::days(by),
            Grain::Week => period + Duration::weeks(by),
            Grain::Month => {
                let months = Months::new(u32::try_from(by.unsigned_abs()).unwrap_or(u32::MAX));
                match by >= 0 {
                    true => period.checked_add_months(months),
                    false => period.checked_sub_months(months),
                }
                .unwrap_or(period)
            }
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }
}

/// The lookback asked for: how many days or weeks, ending with the one
/// that holds the window's end. Kept in the URL as `week:8` or `day:14`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lookback {
    pub grain: Grain,
    pub periods: u32,
}

impl Default for Lookback {
    fn default() -> Self {
        Lookback {
            grain: Grain::Week,
            periods: 8,
        }
    }
}

impl fmt::Display for Lookback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.grain.noun(), self.periods)
    }
}

impl Lookback {
    /// The most periods of each grain.
    pub const MOST_WEEKS: u32 = 26;
    pub const MOST_DAYS: u32 = 90;
    pub const MOST_MONTHS: u32 = 12;

    /// Reads `week:8`, `day:14` or `month:3` (2 to 26 weeks, 2 to 90
    /// days, 2 to 12 months).
    pub fn parse(text: &str) -> Result<Lookback, String> {
        let usage = || {
            format!(
                "`{text}` is not a lookback: write week:N (2 to {}), day:N (2 to {}) or month:N (2 to {}), e.g. week:8",
                Lookback::MOST_WEEKS,
                Lookback::MOST_DAYS,
                Lookback::MOST_MONTHS
            )
        };
        let (grain, count) = text.trim().split_once(':').ok_or_else(usage)?;
        let (grain, most) = match grain.trim() {
            "week" | "weeks" => (Grain::Week, Lookback::MOST_WEEKS),
            "day" | "days" => (Grain::Day, Lookback::MOST_DAYS),
            "month" | "months" => (Grain::Month, Lookback::MOST_MONTHS),
            _ => return Err(usage()),
        };
        let periods: u32 = count.trim().parse().map_err(|_| usage())?;
        if !(2..=most).contains(&periods) {
            return Err(usage());
        }
        Ok(Lookback { grain, periods })
    }

    /// Each period's first day, oldest first: the one holding `end`'s last
    /// instant and the ones before it.
    pub fn periods(&self, end: DateTime<Utc>, zone: &impl Zone) -> Vec<NaiveDate> {
        let last = self
            .grain
            .period_of(zone.local(end - Duration::milliseconds(1)).date());
        (0..i64::from(self.periods))
            .rev()
            .map(|back| self.grain.step(last, -back))
            .collect()
    }

    /// Where the lookback starts: its first period's first instant.
    pub fn start(&self, end: DateTime<Utc>, zone: &impl Zone) -> DateTime<Utc> {
        let first = self.periods(end, zone)[0];
        crate::calendar::midnight(first, zone)
    }

    /// What has to be loaded: from [`SEEN_BEFORE_DAYS`] before the
    /// lookback to `end`.
    pub fn load_window(&self, end: DateTime<Utc>, zone: &impl Zone) -> TimeWindow {
        let start = self.start(end, zone) - Duration::days(SEEN_BEFORE_DAYS);
        TimeWindow::new(start, end)
            .unwrap_or_else(|_| TimeWindow::ending_at(end, Duration::days(1)))
    }
}

/// One cohort: the users first seen in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cohort {
    /// The period's first day.
    pub period: NaiveDate,
    pub size: u32,
    /// Its members, in order.
    pub users: Vec<String>,
    /// Members active in the cohort's period and each one after it
    /// (`active[0] == size`), as far as the lookback reaches.
    pub active: Vec<u32>,
}

impl Cohort {
    /// The share (0 to 1) active `after` periods later, if it is known.
    pub fn share(&self, after: usize) -> Option<f64> {
        let active = *self.active.get(after)?;
        (self.size > 0).then(|| f64::from(active) / f64::from(self.size))
    }
}

/// The triangle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub lookback: Lookback,
    /// One cohort per period of the lookback, oldest first, empty ones too.
    pub cohorts: Vec<Cohort>,
    /// Whether the last period runs past the window's end (still going).
    pub last_partial: bool,
    /// Users active in the lookback but seen before it: not new.
    pub returning: u32,
    /// From when a user counts as seen before.
    pub seen_from: DateTime<Utc>,
}

/// Why there is no triangle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRetention {
    /// The events held begin after `needed`: the cap on events held kept
    /// the newest, so older users would look new.
    CutShort {
        held_from: DateTime<Utc>,
        needed: DateTime<Utc>,
    },
}

impl fmt::Display for NoRetention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoRetention::CutShort { held_from, needed } => write!(
                f,
                "the events held begin at {} but have to reach back to {} (the cap on events held keeps the newest, so users seen before would count as new): choose a shorter lookback, or narrow the query",
                crate::time::format_iso(*held_from),
                crate::time::format_iso(*needed)
            ),
        }
    }
}

/// Retention of Octopai's users over `lookback` ending at `end`, from
/// `events`, which are complete from `held_from` on (the load's start, or
/// later when the cap on events held cut it short).
pub fn retention(
    events: &(impl Events + ?Sized),
    lookback: Lookback,
    end: DateTime<Utc>,
    held_from: DateTime<Utc>,
    zone: &impl Zone,
) -> Result<Retention, NoRetention> {
    let window = lookback.load_window(end, zone);
    if held_from > window.start() {
        return Err(NoRetention::CutShort {
            held_from,
            needed: window.start(),
        });
    }
    let periods = lookback.periods(end, zone);
    let start = lookback.start(end, zone);
    // Each user: seen before the lookback, and the periods active in it.
    let mut users: FnvMap<&str, (bool, Vec<bool>)> = FnvMap::default();
    for event in events.iter().filter(|e| {
        e.source == Source::Octopai && !e.is_failed_login() && e.at >= window.start() && e.at < end
    }) {
        let entry = users
            .entry(event.actor.as_str())
            .or_insert_with(|| (false, vec![false; periods.len()]));
        if event.at < start {
            entry.0 = true;
            continue;
        }
        let period = lookback.grain.period_of(zone.local(event.at).date());
        if let Ok(at) = periods.binary_search(&period) {
            entry.1[at] = true;
        }
    }
    let mut cohorts: Vec<Cohort> = periods
        .iter()
        .enumerate()
        .map(|(at, period)| Cohort {
            period: *period,
            size: 0,
            users: Vec::new(),
            active: vec![0; periods.len() - at],
        })
        .collect();
    let mut returning = 0;
    for (user, (before, active)) in &users {
        let Some(first) = active.iter().position(|a| *a) else {
            continue;
        };
        if *before {
            returning += 1;
            continue;
        }
        let cohort = &mut cohorts[first];
        cohort.size += 1;
        cohort.users.push((*user).to_owned());
        for (after, was) in active[first..].iter().enumerate() {
            cohort.active[after] += u32::from(*was);
        }
    }
    for cohort in &mut cohorts {
        cohort.users.sort();
    }
    let last_ends =
        crate::calendar::midnight(lookback.grain.step(periods[periods.len() - 1], 1), zone);
    Ok(Retention {
        lookback,
        cohorts,
        last_partial: end < last_ends,
        returning,
        seen_from: window.start(),
    })
}

#[cfg(test)]
mod tests;
