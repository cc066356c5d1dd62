//! Calendar-correct time buckets: the cutting of a window into chart
//! buckets whose edges fall on the wall clock of a display zone, so a day
//! bucket runs from local midnight to local midnight (23 or 25 hours on a
//! DST change), a month bucket from the first of one month to the first of
//! the next, and an hour bucket from one local o'clock to the next.
//!
//! Steps under an hour are plain durations (every zone in use shifts by
//! whole hours or half hours, so they stay aligned); steps of an hour and
//! more follow the wall clock. Where a wall-clock edge falls in a DST gap it
//! moves to the end of the gap; where it is ambiguous (the repeated hour) the
//! earlier instant is the edge.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Timelike, Utc,
};

use crate::time::TimeWindow;

/// A display zone: what the charts and the heat map bucket in. Every chrono
/// time zone is one; the app adds the browser's zone switchable to UTC.
pub trait Zone {
    /// The zone's offset from UTC at an instant.
    fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset;
    /// The instant a wall-clock time names: the earlier one when it is
    /// ambiguous, `None` when it falls in a gap.
    fn instant_of(&self, local: NaiveDateTime) -> Option<DateTime<Utc>>;

    /// The wall-clock time of an instant.
    fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + self.offset_at(at)
    }
}

impl<Tz: TimeZone> Zone for Tz {
    fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        self.offset_from_utc_datetime(&at.naive_utc()).fix()
    }

    fn instant_of(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.from_local_datetime(&local)
            .earliest()
            .map(|at| at.with_timezone(&Utc))
    }
}

/// How far apart bucket edges are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A whole number of minutes that divides a day.
    Minutes(u32),
    Days(u32),
    Months(u32),
}

impl Step {
    /// The step's length in an ordinary day or month, for choosing a step.
    pub fn nominal(self) -> Duration {
        match self {
            Step::Minutes(minutes) => Duration::minutes(i64::from(minutes)),
            Step::Days(days) => Duration::days(i64::from(days)),
            Step::Months(months) => Duration::days(30 * i64::from(months)),
        }
    }

    /// `30 minutes`, `1 hour`, `1 day`, `3 months`.
    pub fn describe(self) -> String {
        let (value, unit) = match self {
            Step::Minutes(minutes) if minutes % 60 == 0 => (minutes / 60, "hour"),
            Step::Minutes(minutes) => (minutes, "minute"),
            Step::Days(days) => (days, "day"),
            Step::Months(months) => (months, "month"),
        };
        if value == 1 {
            format!("1 {unit}")
        } else {
            format!("{value} {unit}s")
        }
    }
}

/// Steps a chart may use, smallest first.
const STEPS: [Step; 19] = [
    Step::Minutes(1),
    Step::Minutes(2),
    Step::Minutes(5),
    Step::Minutes(10),
    Step::Minutes(15),
    Step::Minutes(30),
    Step::Minutes(60),
    Step::Minutes(120),
    Step::Minutes(180),
    Step::Minutes(360),
    Step::Minutes(720),
    Step::Days(1),
    Step::Days(2),
    Step::Days(7),
    Step::Days(14),
    Step::Months(1),
    Step::Months(3),
    Step::Months(6),
    Step::Months(12),
];

/// The smallest step that cuts `window` into at most `max_buckets` buckets.
pub fn step_for(window: &TimeWindow, max_buckets: u32) -> Step {
    let max_buckets = i64::from(max_buckets.max(1));
    let length = window.length().num_milliseconds().max(1);
    for step in STEPS {
        let size = step.nominal().num_milliseconds();
        if (length + size - 1) / size <= max_buckets {
            return step;
        }
    }
    let years = (length / Step::Months(12).nominal().num_milliseconds()) / max_buckets + 1;
    Step::Months(12 * u32::try_from(years).unwrap_or(u32::MAX / 12))
}

/// A window cut into buckets. Bucket `i` is `[edges[i], edges[i + 1])`; the
/// first and last may be partial, clipped to the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets {
    pub window: TimeWindow,
    pub step: Step,
    edges: Vec<DateTime<Utc>>,
}

impl Buckets {
    /// Buckets of `step` on the wall clock of `zone`.
    pub fn calendar(window: TimeWindow, step: Step, zone: &impl Zone) -> Self {
        let mut edges = vec![window.start()];
        let mut local = floor(zone.local(window.start()), step);
        // A bounded walk: a window of any sane length has far fewer edges.
        for _ in 0..100_000 {
            local = advance(local, step);
            let Some(edge) = resolve(zone, local) else {
                break;
            };
            if edge >= window.end() {
                break;
            }
            if edge > *edges.last().unwrap_or(&edge) {
                edges.push(edge);
            }
        }
        edges.push(window.end());
        Self {
            window,
            step,
            edges,
        }
    }

    /// Fixed-length buckets in UTC, for a step of minutes.
    pub fn utc(window: TimeWindow, step: Step) -> Self {
        Self::calendar(window, step, &Utc)
    }

    /// Buckets for a chart of at most about `max_buckets` bars in `zone`.
    pub fn for_chart(window: TimeWindow, max_buckets: u32, zone: &impl Zone) -> Self {
        Self::calendar(window, step_for(&window, max_buckets), zone)
    }

    pub fn count(&self) -> usize {
        self.edges.len() - 1
    }

    /// The bucket `at` falls in, or `None` outside the window.
    pub fn index_of(&self, at: DateTime<Utc>) -> Option<usize> {
        if !self.window.contains(at) {
            return None;
        }
        Some(self.edges.partition_point(|edge| *edge <= at) - 1)
    }

    /// [`Buckets::index_of`] for times that mostly come in order (lists
    /// are held newest first): the bucket found last, kept in `last`, is
    /// tried before searching, so a list in order costs two comparisons an
    /// event instead of a search.
    pub fn index_near(&self, at: DateTime<Utc>, last: &mut usize) -> Option<usize> {
        if !self.window.contains(at) {
            return None;
        }
        let tried = *last;
        if tried + 1 < self.edges.len() && self.edges[tried] <= at && at < self.edges[tried + 1] {
            return Some(tried);
        }
        let found = self.edges.partition_point(|edge| *edge <= at) - 1;
        *last = found;
        Some(found)
    }

    /// Where `at` falls on a chart of these buckets, in buckets from the
    /// left (the bucket's index and how far into it), held to the window.
    pub fn position_of(&self, at: DateTime<Utc>) -> f64 {
        let at = at.clamp(self.window.start(), self.window.end());
        let index = self
            .edges
            .partition_point(|edge| *edge <= at)
            .saturating_sub(1)
            .min(self.count() - 1);
        let (start, end) = (self.edges[index], self.edges[index + 1]);
        let length = (end - start).num_milliseconds().max(1) as f64;
        index as f64 + ((at - start).num_milliseconds() as f64 / length).clamp(0.0, 1.0)
    }

    pub fn bucket_start(&self, index: usize) -> DateTime<Utc> {
        self.edges[index.min(self.count() - 1)]
    }

    pub fn bucket_end(&self, index: usize) -> DateTime<Utc> {
        self.edges[index.min(self.count() - 1) + 1]
    }

    /// The bucket as a window of its own.
    pub fn bucket_window(&self, index: usize) -> TimeWindow {
        TimeWindow::ending_at(
            self.bucket_end(index),
            self.bucket_end(index) - self.bucket_start(index),
        )
    }
}

/// The wall-clock start of the step `local` falls in.
fn floor(local: NaiveDateTime, step: Step) -> NaiveDateTime {
    let date = local.date();
    match step {
        Step::Minutes(minutes) => {
            let minutes = minutes.clamp(1, 1440);
            let of_day = local.hour() * 60 + local.minute();
            let start = of_day - of_day % minutes;
            date.and_time(NaiveTime::from_hms_opt(start / 60, start % 60, 0).unwrap_or_default())
        }
        Step::Days(_) => date.and_time(NaiveTime::MIN),
        Step::Months(months) => {
            let months = months.max(1);
            let index = date.month0() - date.month0() % months.min(12);
            NaiveDate::from_ymd_opt(date.year(), index + 1, 1)
                .unwrap_or(date)
                .and_time(NaiveTime::MIN)
        }
    }
}

fn advance(local: NaiveDateTime, step: Step) -> NaiveDateTime {
    match step {
        Step::Minutes(minutes) => local + Duration::minutes(i64::from(minutes.max(1))),
        Step::Days(days) => local + Duration::days(i64::from(days.max(1))),
        Step::Months(months) => local
            .checked_add_months(Months::new(months.max(1)))
            .unwrap_or(NaiveDateTime::MAX),
    }
}

/// The first instant of `day` in `zone` (after the gap, where a DST change
/// skips midnight).
pub fn midnight(day: NaiveDate, zone: &impl Zone) -> DateTime<Utc> {
    resolve(zone, day.and_time(chrono::NaiveTime::MIN)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The instant of a wall-clock edge; an edge in a DST gap moves to the end
/// of the gap (the first wall-clock minute that exists after it).
fn resolve(zone: &impl Zone, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if local == NaiveDateTime::MAX {
        return None;
    }
    (0..=180).find_map(|minutes| zone.instant_of(local + Duration::minutes(minutes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_iso;
    use chrono_tz::America::New_York;
    use chrono_tz::Australia::Adelaide;

    fn at(text: &str) -> DateTime<Utc> {
        parse_iso(text).unwrap()
    }

    fn window(start: &str, end: &str) -> TimeWindow {
        TimeWindow::new(at(start), at(end)).unwrap()
    }

    fn edges(buckets: &Buckets) -> Vec<String> {
        (0..buckets.count())
            .map(|i| crate::time::format_iso(buckets.bucket_start(i)))
            .collect()
    }

    #[test]
    fn steps_follow_the_window() {
        let check = |hours: i64, max: u32, expected: Step| {
            let window = TimeWindow::ending_at(at("2026-11-22T00:00:00Z"), Duration::hours(hours));
            assert_eq!(step_for(&window, max), expected, "{hours}h into {max}");
        };
        check(1, 60, Step::Minutes(1));
        check(24, 48, Step::Minutes(30));
        check(24, 96, Step::Minutes(15));
        check(24 * 7, 56, Step::Minutes(180));
        check(24 * 30, 30, Step::Days(1));
        check(24 * 90, 30, Step::Days(7));
        check(24 * 365, 52, Step::Days(14));
        check(24 * 365 * 3, 48, Step::Months(1));
        check(24 * 365 * 100, 10, Step::Months(132));
    }

    #[test]
    fn utc_edges_are_half_open() {
        let buckets = Buckets::utc(
            window("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"),
            Step::Minutes(60),
        );
        assert_eq!(buckets.count(), 24);
        assert_eq!(buckets.index_of(at("2026-11-21T00:00:00Z")), Some(0));
        assert_eq!(buckets.index_of(at("2026-11-21T00:59:59.999Z")), Some(0));
        assert_eq!(buckets.index_of(at("2026-11-21T01:00:00Z")), Some(1));
        assert_eq!(buckets.index_of(at("2026-11-21T23:59:59.999Z")), Some(23));
        assert_eq!(buckets.index_of(at("2026-11-22T00:00:00Z")), None);
        assert_eq!(buckets.index_of(at("2026-11-20T23:59:59Z")), None);
        assert_eq!(buckets.bucket_end(23), at("2026-11-22T00:00:00Z"));
    }

    #[test]
    fn a_window_off_the_grid_gets_partial_first_and_last_buckets() {
        let buckets = Buckets::utc(
            window("2026-11-21T00:10:00Z", "2026-11-21T02:20:00Z"),
            Step::Minutes(60),
        );
        assert_eq!(
            edges(&buckets),
            [
                "2026-11-21T00:10:00.000Z",
                "2026-11-21T01:00:00.000Z",
                "2026-11-21T02:00:00.000Z"
            ]
        );
        assert_eq!(buckets.bucket_end(2), at("2026-11-21T02:20:00Z"));
    }

    #[test]
    fn day_buckets_follow_local_midnight_across_the_autumn_change() {
        // New York leaves daylight time on 2026-11-01 at 02:00 local.
        let buckets = Buckets::calendar(
            window("2026-10-31T04:00:00Z", "2026-11-03T05:00:00Z"),
            Step::Days(1),
            &New_York,
        );
        assert_eq!(
            edges(&buckets),
            [
                "2026-10-31T04:00:00.000Z",
                "2026-11-01T04:00:00.000Z",
                "2026-11-02T05:00:00.000Z"
            ]
        );
        // The change day has 25 hours; the days around it 24.
        assert_eq!(
            buckets.bucket_end(1) - buckets.bucket_start(1),
            Duration::hours(25)
        );
        assert_eq!(
            buckets.bucket_end(0) - buckets.bucket_start(0),
            Duration::hours(24)
        );
        // 23:30 local on the change day is still that day.
        assert_eq!(buckets.index_of(at("2026-11-02T04:30:00Z")), Some(1));
        // In UTC the same window cuts at UTC midnight instead.
        let utc = Buckets::calendar(buckets.window, Step::Days(1), &Utc);
        assert_eq!(utc.bucket_start(1), at("2026-11-01T00:00:00Z"));
    }

    #[test]
    fn day_buckets_follow_local_midnight_across_the_spring_change() {
        // New York enters daylight time on 2026-03-08 at 02:00 local.
        let buckets = Buckets::calendar(
            window("2026-03-07T05:00:00Z", "2026-03-09T04:00:00Z"),
            Step::Days(1),
            &New_York,
        );
        assert_eq!(buckets.count(), 2);
        assert_eq!(
            buckets.bucket_end(1) - buckets.bucket_start(1),
            Duration::hours(23)
        );
    }

    #[test]
    fn hour_buckets_skip_the_missing_hour_and_keep_local_hours() {
        let buckets = Buckets::calendar(
            window("2026-03-08T05:00:00Z", "2026-03-08T09:00:00Z"),
            Step::Minutes(60),
            &New_York,
        );
        // Local 00:00, 01:00, then 03:00 (02:00 does not exist), 04:00.
        assert_eq!(
            edges(&buckets),
            [
                "2026-03-08T05:00:00.000Z",
                "2026-03-08T06:00:00.000Z",
                "2026-03-08T07:00:00.000Z",
                "2026-03-08T08:00:00.000Z"
            ]
        );
        let local: Vec<u32> = (0..buckets.count())
            .map(|i| New_York.local(buckets.bucket_start(i)).hour())
            .collect();
        assert_eq!(local, [0, 1, 3, 4]);
    }

    #[test]
    fn hour_buckets_in_the_repeated_hour_never_go_backwards() {
        let buckets = Buckets::calendar(
            window("2026-11-01T04:00:00Z", "2026-11-01T09:00:00Z"),
            Step::Minutes(60),
            &New_York,
        );
        let starts = edges(&buckets);
        let mut sorted = starts.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(starts, sorted, "strictly increasing edges");
        // Every event of the window lands in exactly one bucket.
        for minutes in (0..300).step_by(7) {
            let when = at("2026-11-01T04:00:00Z") + Duration::minutes(minutes);
            let index = buckets.index_of(when).unwrap();
            assert!(buckets.bucket_start(index) <= when && when < buckets.bucket_end(index));
        }
    }

    #[test]
    fn the_bucket_near_the_last_one_is_the_bucket_searched_for() {
        let day = TimeWindow::new(at("2026-11-21T00:00:00Z"), at("2026-11-22T00:00:00Z")).unwrap();
        let buckets = Buckets::utc(day, Step::Minutes(60));
        // Newest first, then oldest first, then jumping about, and times
        // outside the window, which leave the last bucket as it was.
        let mut times: Vec<DateTime<Utc>> = (0..200)
            .map(|i| at("2026-11-22T00:30:00Z") - Duration::minutes(i * 8))
            .collect();
        times.extend(times.clone().into_iter().rev());
        times
            .extend((0..50).map(|i| at("2026-11-20T23:00:00Z") + Duration::minutes(i * 97 % 1600)));
        let mut last = 0;
        for when in times {
            assert_eq!(
                buckets.index_near(when, &mut last),
                buckets.index_of(when),
                "{when}"
            );
        }
    }

    #[test]
    fn half_hour_zones_align_on_their_own_hours() {
        // Adelaide is UTC+10:30 in November.
        let buckets = Buckets::calendar(
            window("2026-11-21T00:00:00Z", "2026-11-21T03:00:00Z"),
            Step::Minutes(60),
            &Adelaide,
        );
        assert_eq!(buckets.bucket_start(1), at("2026-11-21T00:30:00Z"));
    }

    #[test]
    fn month_buckets_follow_month_ends() {
        let buckets = Buckets::calendar(
            window("2026-01-15T00:00:00Z", "2026-04-10T00:00:00Z"),
            Step::Months(1),
            &Utc,
        );
        assert_eq!(
            edges(&buckets),
            [
                "2026-01-15T00:00:00.000Z",
                "2026-02-01T00:00:00.000Z",
                "2026-03-01T00:00:00.000Z",
                "2026-04-01T00:00:00.000Z"
            ]
        );
        // 31 January 23:59 is January; 1 February 00:00 is February.
        assert_eq!(buckets.index_of(at("2026-01-31T23:59:59Z")), Some(0));
        assert_eq!(buckets.index_of(at("2026-02-01T00:00:00Z")), Some(1));
        assert_eq!(buckets.index_of(at("2026-02-28T23:59:59Z")), Some(1));
        assert_eq!(buckets.index_of(at("2026-03-01T00:00:00Z")), Some(2));
    }

    #[test]
    fn day_buckets_cross_a_month_end_in_a_zone() {
        // 2026-11-30 local midnight in New York is 05:00 UTC.
        let buckets = Buckets::calendar(
            window("2026-11-29T05:00:00Z", "2026-12-02T05:00:00Z"),
            Step::Days(1),
            &New_York,
        );
        assert_eq!(
            edges(&buckets),
            [
                "2026-11-29T05:00:00.000Z",
                "2026-11-30T05:00:00.000Z",
                "2026-12-01T05:00:00.000Z"
            ]
        );
        // 23:30 local on 30 November is still November.
        assert_eq!(buckets.index_of(at("2026-12-01T04:30:00Z")), Some(1));
    }

    #[test]
    fn steps_describe_themselves() {
        assert_eq!(Step::Minutes(30).describe(), "30 minutes");
        assert_eq!(Step::Minutes(60).describe(), "1 hour");
        assert_eq!(Step::Minutes(180).describe(), "3 hours");
        assert_eq!(Step::Days(1).describe(), "1 day");
        assert_eq!(Step::Months(3).describe(), "3 months");
    }
}
