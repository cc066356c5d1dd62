//! Stickiness: how many of a month's users come back on a given day
//! (DAU/MAU), and on how many days of the last week each user was active
//! (the power-user curve). Octopai's users (any event but a failed login),
//! days on the display zone's calendar.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};

use crate::calendar::Zone;
use crate::event::{Events, FnvMap, Source};
use crate::time::TimeWindow;

/// One day's daily and monthly active users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayStickiness {
    pub day: NaiveDate,
    /// Users active that day.
    pub daily: u32,
    /// Users active in the 30 days ending that day, as far as the window
    /// reaches back.
    pub monthly: u32,
    /// Whether the window holds all of those 30 days; when not, `monthly`
    /// counts only the days it holds and says less than a month would.
    pub whole_month: bool,
}

impl DayStickiness {
    /// DAU/MAU, 0 to 1.
    pub fn ratio(&self) -> f64 {
        match self.monthly {
            0 => 0.0,
            monthly => f64::from(self.daily) / f64::from(monthly),
        }
    }
}

/// Each user's active days, on `zone`'s calendar.
fn active_days<'a>(
    events: &'a (impl Events + ?Sized),
    zone: &impl Zone,
) -> FnvMap<&'a str, BTreeSet<NaiveDate>> {
    let mut days: FnvMap<&str, BTreeSet<NaiveDate>> = FnvMap::default();
    for event in events
        .iter()
        .filter(|e| e.source == Source::Octopai && !e.is_failed_login())
    {
        days.entry(event.actor.as_str())
            .or_default()
            .insert(zone.local(event.at).date());
    }
    days
}

/// The window's first and last calendar days in `zone`.
fn days_of(window: &TimeWindow, zone: &impl Zone) -> (NaiveDate, NaiveDate) {
    let first = zone.local(window.start()).date();
    let last = zone.local(window.end() - Duration::milliseconds(1)).date();
    (first, last.max(first))
}

/// DAU and MAU for each calendar day of `window`, oldest first. A day's
/// month is the 30 days ending with it; `whole_month` says whether the
/// window covers them all from its first whole day.
pub fn stickiness(
    events: &(impl Events + ?Sized),
    window: &TimeWindow,
    zone: &impl Zone,
) -> Vec<DayStickiness> {
    let users = active_days(events, zone);
    let (first, last) = days_of(window, zone);
    // The first day is whole only when the window starts at its midnight.
    let first_whole = match zone.local(window.start()).time() == chrono::NaiveTime::MIN {
        true => first,
        false => first + Duration::days(1),
    };
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| {
            let month_start = day - Duration::days(29);
            let daily = users.values().filter(|days| days.contains(&day)).count();
            let monthly = users
                .values()
                .filter(|days| days.range(month_start..=day).next().is_some())
                .count();
            DayStickiness {
                day,
                daily: u32::try_from(daily).unwrap_or(u32::MAX),
                monthly: u32::try_from(monthly).unwrap_or(u32::MAX),
                whole_month: month_start >= first_whole,
            }
        })
        .collect()
}

/// For the 7 calendar days ending with the window's last: how many users
/// were active on exactly `k` of them, for `k` from 1 to 7 (index `k`;
/// index 0 is always 0). Users with no day in that week are not counted.
pub fn days_active_in_last_week(
    events: &(impl Events + ?Sized),
    window: &TimeWindow,
    zone: &impl Zone,
) -> [u32; 8] {
    let (_, last) = days_of(window, zone);
    let week = last - Duration::days(6)..=last;
    let mut curve = [0u32; 8];
    for days in active_days(events, zone).values() {
        let active = days.range(week.clone()).count();
        if active > 0 {
            curve[active.min(7)] += 1;
        }
    }
    curve
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AuditEvent, EventKind, Outcome};
    use crate::fixture::event;
    use crate::time::parse_iso;
    use chrono::Utc;

    fn active(user: &str, when: &str) -> AuditEvent {
        let mut e = event(
            &format!("{user}{when}"),
            Source::Octopai,
            when,
            EventKind::PageLoad,
            Outcome::Succeeded,
        );
        e.actor = user.into();
        e
    }

    fn window(from: &str, to: &str) -> TimeWindow {
        TimeWindow::new(parse_iso(from).unwrap(), parse_iso(to).unwrap()).unwrap()
    }

    #[test]
    fn dau_over_mau_counts_each_days_month_and_says_when_the_window_is_shorter() {
        let mut events = vec![
            // mia every day of the week, raj twice, noah once at the start.
            active("noah", "2026-11-16T09:00:00Z"),
            active("raj", "2026-11-16T10:00:00Z"),
            active("raj", "2026-11-20T10:00:00Z"),
        ];
        for day in 16..=22 {
            events.push(active("mia", &format!("2026-11-{day}T12:00:00Z")));
        }
        // A failed login is no activity.
        let mut failed = active("zoe", "2026-11-22T12:00:00Z");
        failed.kind = EventKind::Login;
        failed.outcome = Outcome::Failed;
        events.push(failed);
        let week = window("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z");
        let days = stickiness(&events, &week, &Utc);
        assert_eq!(days.len(), 7);
        assert_eq!((days[0].daily, days[0].monthly), (3, 3));
        assert_eq!(
            (days[4].daily, days[4].monthly),
            (2, 3),
            "raj again on the 20th"
        );
        assert_eq!((days[6].daily, days[6].monthly), (1, 3));
        assert!((days[6].ratio() - 1.0 / 3.0).abs() < 1e-9);
        assert!(days.iter().all(|d| !d.whole_month), "a week holds no month");
        // Over 31 days the last two days' months are whole.
        let month = window("2026-10-23T00:00:00Z", "2026-11-23T00:00:00Z");
        let days = stickiness(&events, &month, &Utc);
        assert_eq!(days.len(), 31);
        assert_eq!(
            days.iter()
                .filter(|d| d.whole_month)
                .map(|d| d.day.to_string())
                .collect::<Vec<_>>(),
            ["2026-11-21", "2026-11-22"]
        );
        assert_eq!(days[0].monthly, 0);
        assert_eq!(
            days[0].ratio(),
            0.0,
            "no users: no ratio, not a division by zero"
        );
    }

    #[test]
    fn the_power_user_curve_counts_days_active_in_the_last_week() {
        let mut events = vec![
            active("raj", "2026-11-16T10:00:00Z"),
            active("raj", "2026-11-20T10:00:00Z"),
        ];
        for day in 16..=22 {
            events.push(active("mia", &format!("2026-11-{day}T12:00:00Z")));
            // Twice a day counts once.
            events.push(active("mia", &format!("2026-11-{day}T13:00:00Z")));
        }
        // Before the week: not counted.
        events.push(active("old", "2026-11-10T10:00:00Z"));
        let curve = days_active_in_last_week(
            &events,
            &window("2026-11-01T00:00:00Z", "2026-11-23T00:00:00Z"),
            &Utc,
        );
        assert_eq!(curve, [0, 0, 1, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn days_follow_the_display_zone() {
        // 23:30 UTC on the 16th is the 17th at UTC+2.
        let events = vec![active("mia", "2026-11-16T23:30:00Z")];
        let zone = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        let week = window("2026-11-15T22:00:00Z", "2026-11-22T22:00:00Z");
        let days = stickiness(&events, &week, &zone);
        let active_day: Vec<String> = days
            .iter()
            .filter(|d| d.daily > 0)
            .map(|d| d.day.to_string())
            .collect();
        assert_eq!(active_day, ["2026-11-17"]);
    }
}
