//! Property tests of shared lists: a merge of two sources, a selection of
//! rows and a stretch of time of either hold exactly the events a copy
//! would, in the same order, read the same way (by position, from either
//! end, whole).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use std::cmp::Ordering;

use audit_core::fixture::event;
use audit_core::time::{format_iso, parse_iso};
use audit_core::{AuditEvent, EventKind, Events, Outcome, Rows, Source, TimeWindow};
use chrono::Duration;
use proptest::prelude::*;

fn build(number: usize, (octopai, minute): (bool, u8)) -> AuditEvent {
    let at = parse_iso("2026-11-21T10:00:00Z").unwrap() + Duration::minutes(i64::from(minute));
    let source = if octopai {
        Source::Octopai
    } else {
        Source::ClouderaManager
    };
    event(
        &format!("e{number:03}"),
        source,
        &format_iso(at),
        EventKind::Login,
        Outcome::Failed,
    )
}

fn newest_first(a: &AuditEvent, b: &AuditEvent) -> Ordering {
    b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id))
}

fn ids(events: &(impl Events + ?Sized)) -> Vec<String> {
    events.iter().map(|e| e.id.to_string()).collect()
}

/// Every way of reading `rows` gives `expected`, in order.
fn reads_as(rows: &Rows, expected: &[AuditEvent]) -> Result<(), TestCaseError> {
    prop_assert_eq!(rows.len(), expected.len());
    prop_assert_eq!(ids(rows), ids(expected));
    let backwards: Vec<String> = rows.iter().rev().map(|e| e.id.to_string()).collect();
    let mut expected_backwards = ids(expected);
    expected_backwards.reverse();
    prop_assert_eq!(backwards, expected_backwards);
    for (at, event) in expected.iter().enumerate() {
        prop_assert_eq!(&rows[at], event);
        prop_assert_eq!(rows.get(at), Some(event));
    }
    prop_assert!(rows.get(expected.len()).is_none());
    prop_assert_eq!(rows.first().map(|e| &e.id), expected.first().map(|e| &e.id));
    prop_assert_eq!(rows.last().map(|e| &e.id), expected.last().map(|e| &e.id));
    Ok(())
}

proptest! {
    #[test]
    fn merges_and_selections_hold_what_copies_would(
        specs in prop::collection::vec((any::<bool>(), 0u8..30), 0..60),
        sorted in any::<bool>(),
        keep in 0usize..4,
        zoom in (0u8..32, 0u8..32),
    ) {
        let events: Vec<AuditEvent> =
            specs.into_iter().enumerate().map(|(n, spec)| build(n, spec)).collect();
        let part = |source: Source| -> Vec<AuditEvent> {
            let mut part: Vec<AuditEvent> =
                events.iter().filter(|e| e.source == source).cloned().collect();
            // As loads hold them, or in the order given.
            if sorted {
                part.sort_by(newest_first);
            }
            part
        };
        let (octopai, cloudera) = (part(Source::Octopai), part(Source::ClouderaManager));
        let (octopai_rows, cloudera_rows) = (Rows::new(octopai.clone()), Rows::new(cloudera.clone()));

        // The merge: the stable sort of both lists, one after the other.
        let merged = Rows::merged(&[&octopai_rows, &cloudera_rows]);
        let mut expected: Vec<AuditEvent> = octopai.iter().chain(&cloudera).cloned().collect();
        expected.sort_by(newest_first);
        reads_as(&merged, &expected)?;
        prop_assert!(merged.is_newest_first());
        prop_assert!(merged.whole() == merged);

        // A selection of the merge, and a selection of that selection.
        let number = |e: &AuditEvent| e.id.to_string()[1..].parse::<usize>().unwrap();
        let keeps = |e: &AuditEvent| number(e) % 4 != keep && e.at.timestamp() % 3 != 0;
        let selected = merged.select(keeps);
        let expected_selected: Vec<AuditEvent> =
            expected.iter().filter(|e| keeps(e)).cloned().collect();
        reads_as(&selected, &expected_selected)?;
        let twice = selected.select(|e| e.at.timestamp() % 2 == 0);
        let expected_twice: Vec<AuditEvent> = expected_selected
            .iter()
            .filter(|e| e.at.timestamp() % 2 == 0)
            .cloned()
            .collect();
        reads_as(&twice, &expected_twice)?;
        // A selection of one list, in whatever order it was given.
        let of_one = octopai_rows.select(keeps);
        let expected_of_one: Vec<AuditEvent> = octopai.iter().filter(|e| keeps(e)).cloned().collect();
        reads_as(&of_one, &expected_of_one)?;
        prop_assert_eq!(
            of_one.is_newest_first(),
            expected_of_one.windows(2).all(|pair| newest_first(&pair[0], &pair[1]).is_le())
        );

        // A stretch of time of the merge and of the selections: what is
        // inside the window, in order.
        let start = parse_iso("2026-11-21T10:00:00Z").unwrap();
        let (from, to) = (zoom.0.min(zoom.1), zoom.0.max(zoom.1) + 1);
        let window = TimeWindow::new(
            start + Duration::minutes(i64::from(from)),
            start + Duration::minutes(i64::from(to)),
        )
        .unwrap();
        for (rows, all) in [(&merged, &expected), (&selected, &expected_selected), (&twice, &expected_twice)] {
            let inside: Vec<AuditEvent> =
                all.iter().filter(|e| window.contains(e.at)).cloned().collect();
            let stretch = rows.within(window);
            reads_as(&stretch, &inside)?;
            // Newest first, the stretch shares its list.
            prop_assert!(stretch.whole() == rows.whole());
        }
        // Merging a merge with nothing, and in the other order, changes
        // nothing but the ties between sources (none here: ids differ).
        let again = Rows::merged(&[&cloudera_rows, &octopai_rows]);
        prop_assert_eq!(ids(&again), ids(&expected));
        let of_merge = Rows::merged(&[&merged]);
        prop_assert_eq!(ids(&of_merge), ids(&expected));
    }
}

proptest! {
    /// A load's list: the events of its pages, each id once, newest first
    /// (ties by id), whether they were kept in place or picked, and the
    /// newest `cap` of them when capped.
    #[test]
    fn a_load_holds_each_event_once_newest_first(
        specs in prop::collection::vec((any::<bool>(), 0u8..30), 0..80),
        page_size in 1usize..9,
        copies in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
        reversed in any::<bool>(),
        cap in 1usize..90,
    ) {
        let mut events: Vec<AuditEvent> =
            specs.into_iter().enumerate().map(|(n, spec)| build(n, spec)).collect();
        if reversed {
            // Pages as a newest-first upstream sends them: nothing to sort.
            events.sort_by(newest_first);
        }
        let mut expected = events.clone();
        expected.sort_by(newest_first);
        // Copies of some events, in later pages.
        if !events.is_empty() {
            for copy in &copies {
                let at = copy.index(events.len());
                events.push(events[at].clone());
            }
        }
        let mut collection = audit_core::analytics::EventCollection::default();
        let mut new = 0;
        for page in events.chunks(page_size) {
            new += collection.extend(page.iter().cloned());
        }
        prop_assert_eq!(new, expected.len());
        reads_as(&collection.clone().into_sorted(), &expected)?;
        prop_assert!(collection.clone().into_sorted().is_newest_first());
        let (newest, held) = collection.into_newest(cap);
        prop_assert_eq!(held, expected.len());
        let kept = &expected[..cap.min(expected.len())];
        reads_as(&newest, kept)?;
    }
}
