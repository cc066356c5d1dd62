//! Property tests of the detections' index: the index of two sources'
//! lists merged gives exactly the flags of the whole list, and restricted
//! to one source those of its events alone; order and copies of events
//! change nothing; and brute force agrees with a plain quadratic reference
//! on random attempts.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use audit_core::detect::{detect, DetectIndex, DetectionKind, Rule, Thresholds};
use audit_core::fixture::numbered;
use audit_core::time::parse_iso;
use audit_core::{AuditEvent, EventKind, Events, Outcome, Rows, Source, TimeWindow};
use chrono::Duration;
use proptest::prelude::*;

/// One random event: few accounts, addresses and minutes, so that bursts,
/// sprays and first-seen addresses actually happen.
fn an_event() -> impl Strategy<Value = (bool, u8, u8, u8, u16, u8)> {
    (any::<bool>(), 0u8..4, 0u8..5, 0u8..6, 0u16..240, 0u8..4)
}

fn build(number: usize, spec: (bool, u8, u8, u8, u16, u8)) -> AuditEvent {
    let (octopai, actor, ip, what, minute, second) = spec;
    let (kind, outcome) = match what {
        0 | 1 => (EventKind::Login, Outcome::Failed),
        2 => (EventKind::Login, Outcome::Succeeded),
        3 => (EventKind::Operation, Outcome::Denied),
        4 => (EventKind::Operation, Outcome::Succeeded),
        _ => (EventKind::PageLoad, Outcome::Succeeded),
    };
    let at = parse_iso("2026-11-21T10:00:00Z").unwrap()
        + Duration::minutes(i64::from(minute))
        + Duration::seconds(i64::from(second) * 15);
    // Some events carry no address.
    numbered(
        number,
        octopai,
        at,
        (kind, outcome),
        actor,
        (ip < 4).then_some(ip),
    )
}

fn thresholds() -> impl Strategy<Value = Thresholds> {
    (1u32..5, 1u32..40, 1u32..4, 1u32..40, 0u32..6, any::<bool>()).prop_map(
        |(count, minutes, spray, spray_minutes, history, internal)| Thresholds {
            brute_force: Rule::new(count, minutes),
            spray: Rule::new(spray, spray_minutes),
            failures_then_success: Rule::new(count, minutes),
            new_ip_history: history,
            new_ip_internal: internal,
            denied_burst: Rule::new(count, minutes),
            // Silence is watched over a window, not by the index.
            silence: 0,
        },
    )
}

/// Brute force as the rule says it, quadratically: per account, every
/// window of failed logins within the span holding enough of them; windows
/// sharing an event are one flag.
fn reference_brute_force(events: &[AuditEvent], rule: Rule) -> Vec<Vec<String>> {
    let mut failures: Vec<&AuditEvent> = events.iter().filter(|e| e.is_failed_login()).collect();
    failures.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    failures.dedup_by(|a, b| a.id == b.id);
    let mut accounts: Vec<&str> = failures.iter().map(|e| e.actor.as_str()).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let span = Duration::minutes(i64::from(rule.minutes));
    let need = rule.count.max(1) as usize;
    let mut flags = Vec::new();
    for account in accounts {
        let own: Vec<&AuditEvent> = failures
            .iter()
            .copied()
            .filter(|e| &*e.actor == account)
            .collect();
        let mut covered: Vec<(usize, usize)> = Vec::new();
        for left in 0..own.len() {
            for right in left..own.len() {
                if own[right].at - own[left].at <= span && right - left + 1 >= need {
                    covered.push((left, right));
                }
            }
        }
        covered.sort_unstable();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (left, right) in covered {
            match runs.last_mut() {
                Some(run) if left <= run.1 => run.1 = run.1.max(right),
                _ => runs.push((left, right)),
            }
        }
        for (left, right) in runs {
            flags.push(own[left..=right].iter().map(|e| e.id.to_string()).collect());
        }
    }
    flags.sort();
    flags
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merged_indexes_flag_exactly_what_the_whole_list_flags(
        specs in proptest::collection::vec(an_event(), 0..120),
        copies in proptest::collection::vec((any::<proptest::sample::Index>(), any::<bool>()), 0..20),
        thresholds in thresholds(),
        zoom in (0u16..245, 0u16..245),
    ) {
        let mut events: Vec<AuditEvent> =
            specs.into_iter().enumerate().map(|(n, spec)| build(n, spec)).collect();
        // Which of two lists each event is in: by source, as the app
        // loads them.
        let mut in_first: Vec<bool> = events.iter().map(|e| e.source == Source::Octopai).collect();
        // Copies of some events, as overlapping pages give; some in the
        // other list, which must count once too.
        if !events.is_empty() {
            for (copy, other_list) in copies {
                let at = copy.index(events.len());
                events.push(events[at].clone());
                in_first.push(in_first[at] != other_list);
            }
        }
        let whole = detect(&events, &thresholds);
        let part = |first: bool| -> Rows {
            events
                .iter()
                .zip(&in_first)
                .filter(|(_, list)| **list == first)
                .map(|(e, _)| e.clone())
                .collect::<Vec<_>>()
                .into()
        };
        // The index of both lists merged as row numbers, as the app builds
        // it (copies of an event in both lists count once).
        let (octopai, cloudera) = (part(true), part(false));
        let both = DetectIndex::new(&Rows::merged(&[&octopai, &cloudera]));
        // Asked first with other first-seen thresholds (what it keeps from
        // that does not depend on them), and then with these; what is
        // restricted from it below keeps nothing of it.
        let other = Thresholds {
            new_ip_history: thresholds.new_ip_history / 2,
            new_ip_internal: !thresholds.new_ip_internal,
            ..thresholds
        };
        prop_assert_eq!(&both.detect(&other), &detect(&events, &other));
        prop_assert_eq!(&both.detect(&thresholds), &whole);
        prop_assert_eq!(
            &DetectIndex::new(&Rows::merged(&[&cloudera, &octopai])).detect(&thresholds),
            &whole
        );
        // One source hidden: the index of both, restricted to the other,
        // flags what that source's events alone flag.
        let of_both = [both.clone(), DetectIndex::new(&Rows::new(events.clone()))];
        for source in Source::ALL {
            let alone: Vec<AuditEvent> =
                events.iter().filter(|e| e.source == source).cloned().collect();
            let expected = detect(&alone, &thresholds);
            for index in &of_both {
                prop_assert_eq!(&index.only(source).detect(&thresholds), &expected);
            }
        }
        // A stretch of time of a list held newest first, as a zoom makes
        // one; and the same stretch of an index (of one list, or merged)
        // flags what the events inside it flag.
        let mut newest_first = events.clone();
        newest_first.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        let rows = Rows::new(newest_first);
        let (from, to) = (zoom.0.min(zoom.1), zoom.0.max(zoom.1) + 1);
        let start = parse_iso("2026-11-21T10:00:00Z").unwrap();
        let window = TimeWindow::new(
            start + Duration::minutes(i64::from(from)),
            start + Duration::minutes(i64::from(to)),
        )
        .unwrap();
        let stretch = rows.within(window);
        let inside: Vec<AuditEvent> =
            events.iter().filter(|e| window.contains(e.at)).cloned().collect();
        fn ids(events: &(impl Events + ?Sized)) -> Vec<String> {
            let mut ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
            ids.sort();
            ids
        }
        prop_assert_eq!(ids(&stretch), ids(&inside), "the stretch is the window's events");
        prop_assert!(stretch.whole() == rows, "and shares the list");
        // A list in any other order is known to be one when made, and its
        // stretch of time is a copy holding the same events.
        let as_given = Rows::new(events.clone());
        prop_assert_eq!(
            as_given.is_newest_first(),
            events.windows(2).all(|pair| audit_core::event::newest_first(&pair[0], &pair[1]).is_le())
        );
        prop_assert_eq!(ids(&as_given.within(window)), ids(&inside));
        let flags_inside = detect(&inside, &thresholds);
        prop_assert_eq!(&DetectIndex::new(&rows).within(window).detect(&thresholds), &flags_inside);
        prop_assert_eq!(
            &both.within(window).detect(&thresholds),
            &flags_inside,
            "a stretch of the merged index"
        );
        // One source of a zoom, either way round: what its events inside
        // the window flag.
        let index = DetectIndex::new(&rows);
        for source in Source::ALL {
            let alone: Vec<AuditEvent> =
                inside.iter().filter(|e| e.source == source).cloned().collect();
            let expected = detect(&alone, &thresholds);
            prop_assert_eq!(&index.only(source).within(window).detect(&thresholds), &expected);
            prop_assert_eq!(&index.within(window).only(source).detect(&thresholds), &expected);
        }
        let mut reversed = events.clone();
        reversed.reverse();
        prop_assert_eq!(&detect(&reversed, &thresholds), &whole);
        let mut brute: Vec<Vec<String>> = whole
            .iter()
            .filter(|flag| flag.kind == DetectionKind::BruteForce)
            .map(|flag| flag.event_ids.iter().map(ToString::to_string).collect())
            .collect();
        brute.sort();
        prop_assert_eq!(brute, reference_brute_force(&events, thresholds.brute_force));
    }
}
