//! Product usage from Octopai's page loads: sessions rebuilt from logins,
//! page loads, logouts and an idle timeout; active users per day, week and
//! month; time spent per page; the most common page sequences.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::calendar::{Buckets, Zone};
use crate::event::{AuditEvent, EventKind, Events, FnvMap, FnvSet, Source};
use crate::page_routes::RouteRule;

/// One visit: from a login (or the first event after a pause longer than
/// the idle timeout) to a logout or the last event before such a pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Page loads in order: (when, page).
    pub pages: Vec<(DateTime<Utc>, String)>,
}

impl Session {
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// Sessions of Octopai users, oldest first. A successful login starts a
/// session, a logout ends one, and a pause longer than `idle` splits one.
pub fn sessions(events: &(impl Events + ?Sized), idle: Duration) -> Vec<Session> {
    let mut per_user: FnvMap<&str, Vec<&AuditEvent>> = FnvMap::default();
    for event in events.iter().filter(|e| e.source == Source::Octopai) {
        if event.is_failed_login() {
            continue;
        }
        per_user
            .entry(event.actor.as_str())
            .or_default()
            .push(event);
    }
    let mut found = Vec::new();
    for (user, mut own) in per_user {
        own.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        own.dedup_by(|a, b| a.id == b.id);
        let mut current: Option<Session> = None;
        for event in own {
            let starts_new = match &current {
                None => true,
                Some(session) => event.at - session.end > idle || event.is_successful_login(),
            };
            if starts_new {
                found.extend(current.take());
                current = Some(Session {
                    user: user.to_owned(),
                    start: event.at,
                    end: event.at,
                    pages: Vec::new(),
                });
            }
            if let Some(session) = current.as_mut() {
                session.end = event.at;
                if event.kind == EventKind::PageLoad {
                    if let Some(page) = &event.target {
                        session.pages.push((event.at, page.to_string()));
                    }
                }
            }
            if event.kind == EventKind::Logout {
                found.extend(current.take());
            }
        }
        found.extend(current);
    }
    found.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.user.cmp(&b.user)));
    found
}

/// `sessions` with each page load's page replaced by its route under
/// `rule` ([`crate::page_routes`]), so time per page and page paths count
/// routes (`/lineage/:id`) rather than thousands of single pages.
pub fn by_route(mut sessions: Vec<Session>, rule: &RouteRule) -> Vec<Session> {
    if rule.is_off() {
        return sessions;
    }
    for session in &mut sessions {
        for (_, page) in &mut session.pages {
            let route = rule.route(page);
            if route != page.as_str() {
                *page = route.into_owned();
            }
        }
    }
    sessions
}

/// Distinct Octopai users per local day of `zone`, oldest day first.
pub fn daily_active_users(
    events: &(impl Events + ?Sized),
    zone: &impl Zone,
) -> Vec<(NaiveDate, u32)> {
    let mut days: BTreeMap<NaiveDate, FnvSet<&str>> = BTreeMap::new();
    for event in events
        .iter()
        .filter(|e| e.source == Source::Octopai && !e.is_failed_login())
    {
        days.entry(zone.local(event.at).date())
            .or_default()
            .insert(event.actor.as_str());
    }
    days.into_iter()
        .map(|(day, users)| (day, u32::try_from(users.len()).unwrap_or(u32::MAX)))
        .collect()
}

/// Page loads and distinct active users in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageBucket {
    pub bucket_start: DateTime<Utc>,
    pub page_loads: u32,
    /// Distinct Octopai users with any event but a failed login.
    pub active_users: u32,
}

/// Page loads and active users per bucket, on the charts' bucket grid:
/// with day buckets, the active users are the daily active users.
pub fn usage_timeline(events: &(impl Events + ?Sized), buckets: &Buckets) -> Vec<UsageBucket> {
    usage_timeline_where(events, buckets, |_| true)
}

/// [`usage_timeline`] of the events `keep` keeps (a segment's part).
pub fn usage_timeline_where(
    events: &(impl Events + ?Sized),
    buckets: &Buckets,
    keep: impl Fn(&AuditEvent) -> bool,
) -> Vec<UsageBucket> {
    let count = buckets.count();
    let mut loads = vec![0u32; count];
    let mut users: Vec<FnvSet<&str>> = vec![FnvSet::default(); count];
    let mut last = 0;
    for event in events
        .iter()
        .filter(|e| e.source == Source::Octopai && !e.is_failed_login() && keep(e))
    {
        let Some(index) = buckets
            .index_near(event.at, &mut last)
            .filter(|index| *index < count)
        else {
            continue;
        };
        if event.kind == EventKind::PageLoad {
            loads[index] += 1;
        }
        users[index].insert(event.actor.as_str());
    }
    (0..count)
        .map(|index| UsageBucket {
            bucket_start: buckets.bucket_start(index),
            page_loads: loads[index],
            active_users: u32::try_from(users[index].len()).unwrap_or(u32::MAX),
        })
        .collect()
}

/// Distinct Octopai users active in the `days` days ending at `end`.
pub fn active_users(events: &(impl Events + ?Sized), end: DateTime<Utc>, days: i64) -> usize {
    let start = end - Duration::days(days);
    events
        .iter()
        .filter(|e| e.source == Source::Octopai && !e.is_failed_login())
        .filter(|e| start <= e.at && e.at < end)
        .map(|e| e.actor.as_str())
        .collect::<FnvSet<_>>()
        .len()
}

/// Time on a page: from its load to the session's next event that is a
/// page load or the session's end. Per page: (page, views, total time),
/// most viewed first.
pub fn time_per_page(sessions: &[Session]) -> Vec<(String, u32, Duration)> {
    let mut pages: FnvMap<&str, (u32, Duration)> = FnvMap::default();
    for session in sessions {
        for (index, (at, page)) in session.pages.iter().enumerate() {
            let until = session
                .pages
                .get(index + 1)
                .map_or(session.end, |(next, _)| *next);
            let entry = pages.entry(page.as_str()).or_insert((0, Duration::zero()));
            entry.0 += 1;
            entry.1 += (until - *at).max(Duration::zero());
        }
    }
    let mut ranked: Vec<(String, u32, Duration)> = pages
        .into_iter()
        .map(|(page, (views, time))| (page.to_owned(), views, time))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// The change from `before` to `now` in percent of `before`; `None` when
/// `before` is zero, which gives no base to compare with.
pub fn change_percent(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| (now - before) / before * 100.0)
}

/// The `n` most common runs of `length` consecutive pages within sessions.
pub fn page_sequences(sessions: &[Session], length: usize, n: usize) -> Vec<(Vec<String>, u32)> {
    let length = length.max(1);
    let mut counts: FnvMap<Vec<&str>, u32> = FnvMap::default();
    for session in sessions {
        let pages: Vec<&str> = session.pages.iter().map(|(_, p)| p.as_str()).collect();
        for run in pages.windows(length) {
            *counts.entry(run.to_vec()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(Vec<String>, u32)> = counts
        .into_iter()
        .map(|(run, count)| (run.into_iter().map(str::to_owned).collect(), count))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(n);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Outcome;

    #[test]
    fn changes_are_percent_of_the_earlier_figure_and_none_from_zero() {
        assert_eq!(change_percent(150.0, 100.0), Some(50.0));
        assert_eq!(change_percent(75.0, 100.0), Some(-25.0));
        assert_eq!(change_percent(0.0, 4.0), Some(-100.0));
        assert_eq!(change_percent(5.0, 0.0), None);
        assert_eq!(change_percent(0.0, 0.0), None);
    }
    use crate::fixture::event;
    use crate::time::parse_iso;

    #[test]
    fn routes_group_a_pages_records_for_time_per_page_and_paths() {
        let session = |pages: &[&str]| Session {
            user: "mia".into(),
            start: parse_iso("2026-11-21T10:00:00Z").unwrap(),
            end: parse_iso("2026-11-21T10:30:00Z").unwrap(),
            pages: pages
                .iter()
                .enumerate()
                .map(|(n, page)| {
                    let at = parse_iso("2026-11-21T10:00:00Z").unwrap()
                        + Duration::minutes(5 * n as i64);
                    (at, (*page).to_owned())
                })
                .collect(),
        };
        let sessions = vec![
            session(&[
                "/lineage/8812",
                "/reports/3f2a9c1e-0b4d-4c5e-9f00-1234567890ab/edit",
                "/help",
            ]),
            session(&[
                "/lineage/9013",
                "/reports/00000000-0b4d-4c5e-9f00-1234567890ab/edit",
                "/help",
            ]),
        ];
        let pages = time_per_page(&by_route(sessions.clone(), &RouteRule::default()));
        assert_eq!(pages[0].0, "/help");
        assert_eq!(
            pages
                .iter()
                .map(|(page, views, _)| (page.as_str(), *views))
                .collect::<Vec<_>>(),
            [("/help", 2), ("/lineage/:id", 2), ("/reports/:id/edit", 2)]
        );
        let paths = page_sequences(&by_route(sessions.clone(), &RouteRule::default()), 3, 5);
        assert_eq!(paths[0].1, 2, "one path, twice: {paths:?}");
        // Off: every record its own page again.
        let pages = time_per_page(&by_route(sessions, &RouteRule::OFF));
        assert_eq!(pages.len(), 5);
    }

    fn at(minutes: i64) -> String {
        crate::time::format_iso(
            parse_iso("2026-11-21T09:00:00Z").unwrap() + Duration::minutes(minutes),
        )
    }

    fn login(id: &str, minutes: i64, user: &str) -> AuditEvent {
        event(
            id,
            Source::Octopai,
            &at(minutes),
            EventKind::Login,
            Outcome::Succeeded,
        )
        .by(user)
    }

    fn page(id: &str, minutes: i64, user: &str, path: &str) -> AuditEvent {
        let mut e = event(
            id,
            Source::Octopai,
            &at(minutes),
            EventKind::PageLoad,
            Outcome::Succeeded,
        )
        .by(user);
        e.target = Some(path.into());
        e
    }

    fn logout(id: &str, minutes: i64, user: &str) -> AuditEvent {
        event(
            id,
            Source::Octopai,
            &at(minutes),
            EventKind::Logout,
            Outcome::Succeeded,
        )
        .by(user)
    }

    #[test]
    fn the_usage_timeline_counts_page_loads_and_distinct_users_per_bucket() {
        // Hours from 09:00; a failed login and Cloudera Manager count for nothing.
        let mut failed = login("f", 5, "mallory@example.com");
        failed.outcome = Outcome::Failed;
        let mut cm = page("c", 6, "admin", "/x");
        cm.source = Source::ClouderaManager;
        let events = vec![
            login("1", 0, "ana@example.com"),
            page("2", 1, "ana@example.com", "/a"),
            page("3", 2, "ana@example.com", "/b"),
            page("4", 59, "raj@example.com", "/a"),
            page("5", 60, "raj@example.com", "/a"),
            page("6", 179, "ana@example.com", "/c"),
            page("7", 180, "ana@example.com", "/c"),
            failed,
            cm,
        ];
        let window =
            crate::time::TimeWindow::new(parse_iso(&at(0)).unwrap(), parse_iso(&at(180)).unwrap())
                .unwrap();
        let buckets = Buckets::utc(window, crate::calendar::Step::Minutes(60));
        let series: Vec<(u32, u32)> = usage_timeline(&events, &buckets)
            .iter()
            .map(|b| (b.page_loads, b.active_users))
            .collect();
        // 09:00-10:00: three loads by two users (the login counts as
        // activity); 10:00-11:00: one; 11:00-12:00: one, at 11:59; the load
        // at 12:00 is past the window's end.
        assert_eq!(series, vec![(3, 2), (1, 1), (1, 1)]);
        assert!(usage_timeline(&[], &buckets)
            .iter()
            .all(|b| b.page_loads == 0 && b.active_users == 0));
    }

    #[test]
    fn sessions_start_at_login_end_at_logout_and_split_after_the_idle_timeout() {
        let events = vec![
            login("1", 0, "ana"),
            page("2", 1, "ana", "/a"),
            page("3", 5, "ana", "/b"),
            logout("4", 6, "ana"),
            // After the logout, a page load alone starts another session.
            page("5", 10, "ana", "/a"),
            // Exactly the idle timeout later: the same session.
            page("6", 40, "ana", "/b"),
            // One minute more than the timeout: a new session.
            page("7", 71, "ana", "/c"),
        ];
        let found = sessions(&events, Duration::minutes(30));
        let shapes: Vec<(i64, usize)> = found
            .iter()
            .map(|s| (s.duration().num_minutes(), s.pages.len()))
            .collect();
        assert_eq!(shapes, [(6, 2), (30, 2), (0, 1)]);
    }

    #[test]
    fn overlapping_users_and_a_lone_event_make_their_own_sessions() {
        let events = vec![
            login("1", 0, "ana"),
            login("2", 1, "ben"),
            page("3", 2, "ana", "/a"),
            page("4", 3, "ben", "/a"),
            page("5", 4, "ana", "/b"),
            page("6", 100, "cy", "/a"),
        ];
        let found = sessions(&events, Duration::minutes(30));
        assert_eq!(found.len(), 3);
        assert_eq!(
            found.iter().map(|s| s.user.as_str()).collect::<Vec<_>>(),
            ["ana", "ben", "cy"]
        );
        assert_eq!(
            found[2].duration(),
            Duration::zero(),
            "one event: a session of no length"
        );
        // A new login while a session is open starts a new one.
        let relogin = vec![login("1", 0, "ana"), login("2", 5, "ana")];
        assert_eq!(sessions(&relogin, Duration::minutes(30)).len(), 2);
    }

    #[test]
    fn time_per_page_runs_to_the_next_page_or_the_session_end() {
        let events = vec![
            login("1", 0, "ana"),
            page("2", 1, "ana", "/a"),
            page("3", 4, "ana", "/b"),
            logout("4", 10, "ana"),
        ];
        let per_page = time_per_page(&sessions(&events, Duration::minutes(30)));
        assert_eq!(
            per_page,
            [
                ("/a".to_owned(), 1, Duration::minutes(3)),
                ("/b".to_owned(), 1, Duration::minutes(6))
            ]
        );
    }

    #[test]
    fn common_page_sequences_are_counted_within_sessions_only() {
        let mut events = Vec::new();
        for (user, offset) in [("ana", 0), ("ben", 0)] {
            events.push(login(&format!("{user}0"), offset, user));
            for (i, path) in ["/a", "/b", "/c"].iter().enumerate() {
                events.push(page(
                    &format!("{user}{}", i + 1),
                    offset + i as i64 + 1,
                    user,
                    path,
                ));
            }
        }
        let found = sessions(&events, Duration::minutes(30));
        let runs = page_sequences(&found, 2, 5);
        assert_eq!(runs[0], (vec!["/a".to_owned(), "/b".to_owned()], 2));
        assert_eq!(runs[1], (vec!["/b".to_owned(), "/c".to_owned()], 2));
        assert_eq!(
            runs.len(),
            2,
            "no run crosses from one session into another"
        );
    }

    #[test]
    fn active_users_per_local_day_and_window() {
        let events = vec![
            page("1", 0, "ana", "/a"),
            page("2", 60, "ben", "/a"),
            // 23:30 in UTC, the next day in a zone two hours ahead.
            page("3", 14 * 60 + 30, "cy", "/a"),
        ];
        let utc = daily_active_users(&events, &Utc);
        assert_eq!(utc, [(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), 3)]);
        let plus_two = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        let shifted = daily_active_users(&events, &plus_two);
        assert_eq!(shifted.len(), 2);
        assert_eq!(shifted[1].1, 1);
        let end = parse_iso("2026-11-22T00:00:00Z").unwrap();
        assert_eq!(active_users(&events, end, 1), 3);
        assert_eq!(
            active_users(&events, parse_iso("2026-11-21T09:30:00Z").unwrap(), 1),
            1
        );
    }
}
