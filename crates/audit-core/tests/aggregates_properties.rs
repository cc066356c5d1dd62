//! Property test of the counts kept page by page: after every page (pages
//! out of order, events repeated across pages and falling outside the
//! window), every figure equals a count from scratch of the events held so
//! far, for each choice of sources shown.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use std::collections::HashSet;

use audit_core::aggregates::Aggregates;
use audit_core::analytics::{self, Buckets};
use audit_core::calendar::Step;
use audit_core::fixture::numbered;
use audit_core::time::parse_iso;
use audit_core::{AuditEvent, EventKind, Outcome, Source, TimeWindow};
use chrono::{Duration, FixedOffset};
use proptest::prelude::*;

type Spec = (bool, u8, u8, u8, u16);

fn build(number: usize, (octopai, what, actor, ip, minutes): Spec) -> AuditEvent {
    let (kind, outcome) = match what {
        0 => (EventKind::Login, Outcome::Failed),
        1 => (EventKind::Login, Outcome::Succeeded),
        2 => (EventKind::Operation, Outcome::Denied),
        3 => (EventKind::Operation, Outcome::Allowed),
        4 => (EventKind::PageLoad, Outcome::Succeeded),
        5 => (EventKind::Logout, Outcome::Succeeded),
        _ => (EventKind::Operation, Outcome::Unknown),
    };
    // Up to 33 hours from the window's start: some fall after its end.
    let at = parse_iso("2026-11-21T00:00:00Z").unwrap() + Duration::minutes(i64::from(minutes));
    numbered(
        number,
        octopai,
        at,
        (kind, outcome),
        actor,
        (ip < 3).then_some(ip),
    )
}

fn a_spec() -> impl Strategy<Value = Spec> {
    (any::<bool>(), 0u8..7, 0u8..5, 0u8..4, 0u16..2000)
}

proptest! {
    #[test]
    fn counts_kept_page_by_page_equal_a_recount(
        specs in prop::collection::vec(a_spec(), 0..120),
        page_size in 1usize..25,
        copies in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
        order in prop::collection::vec(any::<u32>(), 0..12),
        offset_minutes in -720i32..840,
        hours in prop::sample::select(vec![1u32, 3, 6]),
    ) {
        let mut events: Vec<AuditEvent> =
            specs.into_iter().enumerate().map(|(n, spec)| build(n, spec)).collect();
        if !events.is_empty() {
            for copy in &copies {
                let at = copy.index(events.len());
                events.push(events[at].clone());
            }
        }
        let mut pages: Vec<Vec<AuditEvent>> =
            events.chunks(page_size).map(<[AuditEvent]>::to_vec).collect();
        // Pages in an order of their own.
        for (at, swap) in order.iter().enumerate() {
            if pages.len() > 1 {
                let (a, b) = (at % pages.len(), *swap as usize % pages.len());
                pages.swap(a, b);
            }
        }
        let zone = FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let start = parse_iso("2026-11-21T00:00:00Z").unwrap();
        let window = TimeWindow::new(start, start + Duration::hours(24)).unwrap();
        let buckets = Buckets::calendar(window, Step::Minutes(hours * 60), &zone);
        let mut aggregates = Aggregates::new(buckets.clone());
        let mut seen: HashSet<String> = HashSet::new();
        let mut held: Vec<AuditEvent> = Vec::new();
        for page in pages {
            // What a load adds: each event once.
            let new: Vec<AuditEvent> =
                page.into_iter().filter(|e| seen.insert(e.id.to_string())).collect();
            aggregates.add(&new, &zone);
            held.extend(new);
            for shown in [
                vec![Source::Octopai, Source::ClouderaManager],
                vec![Source::Octopai],
                vec![Source::ClouderaManager],
                vec![],
            ] {
                let of: Vec<AuditEvent> =
                    held.iter().filter(|e| shown.contains(&e.source)).cloned().collect();
                prop_assert_eq!(aggregates.totals(&shown), analytics::totals(&of));
                prop_assert_eq!(
                    aggregates.login_outcomes(&shown, None),
                    analytics::login_outcomes(&of, &buckets, None)
                );
                for source in Source::ALL {
                    prop_assert_eq!(
                        aggregates.login_outcomes(&shown, Some(source)),
                        analytics::login_outcomes(&of, &buckets, Some(source))
                    );
                }
                prop_assert_eq!(
                    aggregates.operation_outcomes(&shown),
                    analytics::operation_outcomes(&of, &buckets)
                );
                prop_assert_eq!(
                    aggregates.activity_timeline(&shown),
                    analytics::activity_timeline(&of, &buckets)
                );
                prop_assert_eq!(
                    aggregates.hour_by_weekday(&shown),
                    analytics::hour_by_weekday(&of, &zone)
                );
                prop_assert_eq!(
                    aggregates.top_failing_accounts(&shown, 3),
                    analytics::top_failing_accounts(&of, 3)
                );
                prop_assert_eq!(
                    aggregates.top_failing_ips(&shown, 2),
                    analytics::top_failing_ips(&of, 2)
                );
            }
        }
    }
}
