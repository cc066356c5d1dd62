//! Property test of the field facets: on generated events, some of whose
//! texts are shared as a load shares them and some held apart, every
//! facet's counts equal a recount by text, and each value's count is the
//! number of events its `==` constraint keeps.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use std::collections::HashMap;

use audit_core::facets::{facet_counts, facets_of, Facet};
use audit_core::fixture::numbered;
use audit_core::query::{event_field, parse};
use audit_core::time::parse_iso;
use audit_core::{AuditEvent, EventKind, Outcome};
use chrono::Duration;
use proptest::prelude::*;

type Spec = (bool, u8, u8, u8, bool);

fn build(number: usize, (octopai, what, actor, ip, _): Spec) -> AuditEvent {
    let (kind, outcome) = match what {
        0 => (EventKind::Login, Outcome::Failed),
        1 => (EventKind::Login, Outcome::Succeeded),
        2 => (EventKind::Operation, Outcome::Denied),
        3 => (EventKind::PageLoad, Outcome::Succeeded),
        _ => (EventKind::Operation, Outcome::Unknown),
    };
    let at = parse_iso("2026-11-21T00:00:00Z").unwrap() + Duration::minutes(number as i64);
    numbered(
        number,
        octopai,
        at,
        (kind, outcome),
        actor,
        (ip < 4).then_some(ip),
    )
}

proptest! {
    #[test]
    fn facets_equal_a_recount_and_what_their_constraints_keep(
        specs in prop::collection::vec((any::<bool>(), 0u8..5, 0u8..6, 0u8..6, any::<bool>()), 0..150),
        n in 1usize..8,
    ) {
        let mut events: Vec<AuditEvent> = Vec::new();
        let mut held: HashMap<String, AuditEvent> = HashMap::new();
        for (number, spec) in specs.iter().enumerate() {
            let mut event = build(number, *spec);
            // Shared: the account's and address's texts are an earlier
            // event's, as one load holds them.
            if spec.4 {
                if let Some(earlier) = held.get(&event.actor.to_string()) {
                    event.actor = earlier.actor.clone();
                    if event.ip.as_deref() == earlier.ip.as_deref() {
                        event.ip = earlier.ip.clone();
                    }
                }
            }
            held.insert(event.actor.to_string(), event.clone());
            events.push(event);
        }
        let all = facets_of(&events, &Facet::ALL, n);
        for (facet, counts) in Facet::ALL.into_iter().zip(all) {
            // One field alone counts as all of them in one pass do.
            prop_assert_eq!(&facet_counts(&events, facet, n), &counts);
            let mut recount: HashMap<&str, usize> = HashMap::new();
            for event in &events {
                if let Some(value) = event_field(event, facet.selector()) {
                    *recount.entry(value).or_insert(0) += 1;
                }
            }
            prop_assert_eq!(counts.events, events.len());
            prop_assert_eq!(counts.with_value, recount.values().sum::<usize>());
            prop_assert_eq!(counts.distinct, recount.len());
            let mut expected: Vec<(&str, usize)> = recount.into_iter().collect();
            expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            expected.truncate(n);
            let top: Vec<(&str, usize)> =
                counts.top.iter().map(|(value, count)| (value.as_str(), *count)).collect();
            prop_assert_eq!(&top, &expected);
            for (value, count) in &counts.top {
                let query = parse(&format!("{}=={value}", facet.selector())).unwrap();
                let kept = events.iter().filter(|e| query.matches_event(e)).count();
                prop_assert_eq!(kept, *count, "{}=={}", facet.selector(), value);
            }
        }
    }
}
