//! Tests of the detections: each rule at and around its threshold.

use super::*;

#[test]
fn events_newest_first_are_put_oldest_first_as_a_sort_would() {
    use crate::fixture::event;
    let at = [
        "2026-11-21T10:00:02Z",
        "2026-11-21T10:00:01Z",
        "2026-11-21T10:00:01Z",
        "2026-11-21T10:00:00Z",
    ];
    let ids = ["d", "a", "c", "b"];
    let mut events: Vec<AuditEvent> = at
        .iter()
        .zip(ids)
        .map(|(at, id)| {
            event(
                id,
                crate::Source::Octopai,
                at,
                crate::EventKind::Login,
                crate::Outcome::Failed,
            )
        })
        .collect();
    // A copy of one event, as two pages can hold.
    events.insert(2, events[1].clone());
    let sorted = |events: &[AuditEvent]| {
        let mut all: Vec<&AuditEvent> = events.iter().collect();
        all.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        all.dedup_by(|a, b| a.id == b.id);
        all.iter().map(|e| e.id.to_string()).collect::<Vec<_>>()
    };
    let ids = |events: &[AuditEvent]| {
        index::chronological(events)
            .iter()
            .map(|row| events[*row as usize].id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&events), ["b", "a", "c", "d"]);
    assert_eq!(ids(&events), sorted(&events));
    // Newest first with the ties the other way round (c before a): still
    // oldest first with ties by id.
    let mut other_ties = events.clone();
    other_ties.swap(1, 3);
    other_ties.swap(2, 3);
    assert_eq!(
        other_ties
            .iter()
            .map(|e| e.id.to_string())
            .collect::<Vec<_>>(),
        ["d", "c", "a", "a", "b"]
    );
    assert_eq!(ids(&other_ties), ["b", "a", "c", "d"]);
    events.swap(0, 4);
    assert_eq!(ids(&events), sorted(&events), "not newest first: sorted");
}
use crate::event::{EventKind, Outcome, Source};
use crate::fixture::event;
use crate::time::parse_iso;

const T0: &str = "2026-11-21T10:00:00Z";

fn minutes_after(minutes: f64) -> String {
    let at = parse_iso(T0).unwrap() + Duration::milliseconds((minutes * 60_000.0) as i64);
    format_iso(at)
}

fn failed_login(id: &str, minutes: f64, account: &str, ip: &str) -> AuditEvent {
    event(
        id,
        Source::Octopai,
        &minutes_after(minutes),
        EventKind::Login,
        Outcome::Failed,
    )
    .by(account)
    .from_ip(ip)
}

fn good_login(id: &str, minutes: f64, account: &str, ip: &str) -> AuditEvent {
    event(
        id,
        Source::Octopai,
        &minutes_after(minutes),
        EventKind::Login,
        Outcome::Succeeded,
    )
    .by(account)
    .from_ip(ip)
}

fn denied(id: &str, minutes: f64, user: &str) -> AuditEvent {
    let mut e = event(
        id,
        Source::ClouderaManager,
        &minutes_after(minutes),
        EventKind::Operation,
        Outcome::Denied,
    )
    .by(user)
    .from_ip("10.0.0.9");
    e.target = Some("hive1".into());
    e
}

fn only(kind: DetectionKind, events: &[AuditEvent], thresholds: &Thresholds) -> Vec<Detection> {
    detect(events, thresholds)
        .into_iter()
        .filter(|d| d.kind == kind)
        .collect()
}

fn quiet() -> Thresholds {
    // Every other detection out of reach, so a test sees one kind.
    Thresholds {
        brute_force: Rule::new(1000, 10),
        spray: Rule::new(1000, 30),
        failures_then_success: Rule::new(1000, 30),
        new_ip_history: 1_000_000,
        new_ip_internal: false,
        denied_burst: Rule::new(1000, 10),
        silence: 0,
    }
}

fn attempts(count: usize, every_minutes: f64, account: &str) -> Vec<AuditEvent> {
    (0..count)
        .map(|i| {
            failed_login(
                &format!("f{i}"),
                i as f64 * every_minutes,
                account,
                "203.0.113.66",
            )
        })
        .collect()
}

#[test]
fn brute_force_fires_exactly_at_the_threshold_and_not_one_below() {
    let rule = Thresholds {
        brute_force: Rule::new(5, 10),
        ..quiet()
    };
    // Five failures spanning exactly ten minutes: inclusive, so it fires.
    let at_threshold = attempts(5, 2.5, "raj");
    let flags = only(DetectionKind::BruteForce, &at_threshold, &rule);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].subject, "raj");
    assert_eq!(flags[0].event_ids[..], ["f0", "f1", "f2", "f3", "f4"]);
    assert!(
        flags[0]
            .reason
            .starts_with("5 failed logins for raj in 10 minutes from 203.0.113.66 (Octopai)"),
        "{}",
        flags[0].reason
    );
    // Four failures: one below.
    assert!(only(DetectionKind::BruteForce, &at_threshold[..4], &rule).is_empty());
    // Five failures spanning just over ten minutes: outside the window.
    let spread = attempts(5, 2.51, "raj");
    assert!(only(DetectionKind::BruteForce, &spread, &rule).is_empty());
}

#[test]
fn the_window_is_exact_to_the_nanosecond_and_far_times_do_not_overflow() {
    let rule = Thresholds {
        brute_force: Rule::new(2, 10),
        ..quiet()
    };
    let pair = |last: &str| {
        let mut events = attempts(1, 1.0, "raj");
        events.push(
            event(
                "f1",
                Source::Octopai,
                last,
                EventKind::Login,
                Outcome::Failed,
            )
            .by("raj"),
        );
        only(DetectionKind::BruteForce, &events, &rule).len()
    };
    assert_eq!(pair("2026-11-21T10:10:00Z"), 1, "exactly ten minutes apart");
    assert_eq!(
        pair("2026-11-21T10:10:00.000000001Z"),
        0,
        "a nanosecond more"
    );
    // Times the nanosecond count cannot hold are held as its ends, and a
    // window between them is no overflow.
    assert_eq!(pair("2999-01-01T00:00:00Z"), 0);
    assert_eq!(
        index::nanos(parse_iso("1500-01-01T00:00:00Z").unwrap()),
        i64::MIN
    );
    assert_eq!(
        index::nanos(parse_iso("2999-01-01T00:00:00Z").unwrap()),
        i64::MAX
    );
}

#[test]
fn brute_force_merges_one_long_burst_and_splits_separate_ones() {
    let rule = Thresholds {
        brute_force: Rule::new(3, 5),
        ..quiet()
    };
    let mut events = attempts(10, 1.0, "raj");
    // A second burst an hour later.
    events.extend(
        (0..3).map(|i| failed_login(&format!("g{i}"), 60.0 + f64::from(i), "raj", "203.0.113.66")),
    );
    let flags = only(DetectionKind::BruteForce, &events, &rule);
    assert_eq!(flags.len(), 2);
    // Newest first.
    assert_eq!(flags[0].event_ids[..], ["g0", "g1", "g2"]);
    assert_eq!(flags[1].event_ids.len(), 10);
}

#[test]
fn brute_force_ignores_order_and_duplicates_and_counts_both_sources() {
    let rule = Thresholds {
        brute_force: Rule::new(4, 10),
        ..quiet()
    };
    let mut events = attempts(3, 1.0, "admin");
    let mut cm = failed_login("cm1", 3.0, "admin", "203.0.113.66");
    cm.source = Source::ClouderaManager;
    events.push(cm);
    events.reverse();
    events.push(events[0].clone());
    events.push(events[1].clone());
    let flags = only(DetectionKind::BruteForce, &events, &rule);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].event_ids[..], ["f0", "f1", "f2", "cm1"]);
    assert!(
        flags[0].reason.contains("Cloudera Manager and Octopai"),
        "{}",
        flags[0].reason
    );
    // Duplicates alone never reach the threshold.
    let dupes: Vec<AuditEvent> =
        std::iter::repeat_n(attempts(1, 1.0, "admin")[0].clone(), 9).collect();
    assert!(only(DetectionKind::BruteForce, &dupes, &rule).is_empty());
}

#[test]
fn internal_addresses_are_recognised() {
    for internal in [
        "10.20.1.10",
        "172.16.3.9",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.0.5",
        "::1",
        "fd12::1",
        "fe80::1",
    ] {
        assert!(is_internal_address(internal), "{internal}");
    }
    for external in [
        "203.0.113.66",
        "192.0.2.44",
        "8.8.8.8",
        "2001:db8::1",
        "not an address",
        "",
    ] {
        assert!(!is_internal_address(external), "{external}");
    }
}

#[test]
fn empty_input_flags_nothing() {
    assert!(detect(&[], &Thresholds::default()).is_empty());
}

#[test]
fn spray_counts_distinct_accounts_from_one_address() {
    let rule = Thresholds {
        spray: Rule::new(4, 10),
        ..quiet()
    };
    let mut events: Vec<AuditEvent> = ["a", "b", "c", "d"]
        .iter()
        .enumerate()
        .map(|(i, who)| failed_login(&format!("s{i}"), i as f64 * 3.0, who, "198.51.100.23"))
        .collect();
    let flags = only(DetectionKind::PasswordSpray, &events, &rule);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].subject, "198.51.100.23");
    assert_eq!(flags[0].event_ids[..], ["s0", "s1", "s2", "s3"]);
    assert!(
        flags[0]
            .reason
            .starts_with("4 distinct accounts failed to log in from 198.51.100.23 in 9 minutes"),
        "{}",
        flags[0].reason
    );
    // Many failures for one account are not a spray.
    let same: Vec<AuditEvent> = (0..8)
        .map(|i| failed_login(&format!("x{i}"), f64::from(i), "a", "198.51.100.23"))
        .collect();
    assert!(only(DetectionKind::PasswordSpray, &same, &rule).is_empty());
    // Three accounts: one below.
    events.pop();
    assert!(only(DetectionKind::PasswordSpray, &events, &rule).is_empty());
    // The fourth account just outside the window.
    events.push(failed_login("late", 10.5, "d", "198.51.100.23"));
    assert!(only(DetectionKind::PasswordSpray, &events, &rule).is_empty());
}

#[test]
fn failures_then_success_needs_the_failures_close_before_the_success() {
    let rule = Thresholds {
        failures_then_success: Rule::new(3, 30),
        ..quiet()
    };
    let mut events = attempts(3, 1.0, "lucas");
    events.push(good_login("ok", 5.0, "lucas", "192.0.2.44"));
    let flags = only(DetectionKind::FailuresThenSuccess, &events, &rule);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].event_ids[..], ["f0", "f1", "f2", "ok"]);
    assert!(
        flags[0]
            .reason
            .contains("then a successful one at 2026-11-21T10:05:00.000Z from 192.0.2.44"),
        "{}",
        flags[0].reason
    );
    // Two failures: one below.
    let two: Vec<AuditEvent> = events.iter().filter(|e| e.id != "f0").cloned().collect();
    assert!(only(DetectionKind::FailuresThenSuccess, &two, &rule).is_empty());
    // The success too late after the failures.
    let mut late = attempts(3, 1.0, "lucas");
    late.push(good_login("ok", 32.5, "lucas", "192.0.2.44"));
    assert!(only(DetectionKind::FailuresThenSuccess, &late, &rule).is_empty());
    // A success in between resets the count.
    let mut reset = attempts(3, 1.0, "lucas");
    reset.push(good_login("mid", 1.5, "lucas", "192.0.2.44"));
    reset.push(good_login("ok", 5.0, "lucas", "192.0.2.44"));
    assert!(only(DetectionKind::FailuresThenSuccess, &reset, &rule).is_empty());
    // Failures with no success after them: nothing (that is brute force's job).
    assert!(only(
        DetectionKind::FailuresThenSuccess,
        &attempts(9, 1.0, "lucas"),
        &rule
    )
    .is_empty());
}

#[test]
fn denied_bursts_per_user() {
    let rule = Thresholds {
        denied_burst: Rule::new(3, 5),
        ..quiet()
    };
    let events: Vec<AuditEvent> = (0..3)
        .map(|i| denied(&format!("d{i}"), f64::from(i) * 2.5, "tariq"))
        .collect();
    let flags = only(DetectionKind::DeniedBurst, &events, &rule);
    assert_eq!(flags.len(), 1);
    assert!(
        flags[0]
            .reason
            .starts_with("3 denied operations by tariq in 5 minutes (on hive1)"),
        "{}",
        flags[0].reason
    );
    assert!(only(DetectionKind::DeniedBurst, &events[..2], &rule).is_empty());
}

#[test]
fn first_seen_ip_needs_history_from_other_addresses() {
    let rule = Thresholds {
        new_ip_history: 3,
        ..quiet()
    };
    let mut events: Vec<AuditEvent> = (0..3)
        .map(|i| good_login(&format!("h{i}"), f64::from(i), "ana", "10.20.1.10"))
        .collect();
    events.push(good_login("new", 10.0, "ana", "192.0.2.44"));
    events.push(good_login("new2", 11.0, "ana", "192.0.2.44"));
    events.push(good_login("back", 12.0, "ana", "10.20.1.10"));
    let flags = only(DetectionKind::FirstSeenIp, &events, &rule);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].subject, "ana from 192.0.2.44");
    assert_eq!(flags[0].event_ids[..], ["new", "new2"]);
    assert!(
        flags[0].reason.contains("after 3 events from 10.20.1.10"),
        "{}",
        flags[0].reason
    );
    // With only two earlier events the new address is not flagged.
    let short: Vec<AuditEvent> = events.iter().filter(|e| e.id != "h0").cloned().collect();
    assert!(only(DetectionKind::FirstSeenIp, &short, &rule).is_empty());
    // A new internal address is only flagged when asked for.
    let mut internal = events[..3].to_vec();
    internal.push(good_login("vpn", 10.0, "ana", "172.16.3.9"));
    assert!(only(DetectionKind::FirstSeenIp, &internal, &rule).is_empty());
    let with_internal = Thresholds {
        new_ip_internal: true,
        ..rule
    };
    assert_eq!(
        only(DetectionKind::FirstSeenIp, &internal, &with_internal).len(),
        1
    );
    // A user's first address is never "new".
    assert!(only(
        DetectionKind::FirstSeenIp,
        &events[..3],
        &Thresholds {
            new_ip_history: 0,
            ..quiet()
        }
    )
    .is_empty());
}

#[test]
fn each_first_seen_address_of_an_account_names_what_came_before_it() {
    let rule = Thresholds {
        new_ip_history: 2,
        ..quiet()
    };
    let mut events: Vec<AuditEvent> = [
        ("h0", "ana", "10.0.0.1"),
        ("b0", "bo", "10.0.0.9"),
        ("h1", "ana", "10.0.0.2"),
        ("b1", "bo", "10.0.0.9"),
        ("h2", "ana", "10.0.0.1"),
        ("n1", "ana", "192.0.2.1"),
        ("h3", "ana", "10.0.0.3"),
        ("b2", "bo", "10.0.0.9"),
        ("n1b", "ana", "192.0.2.1"),
        ("bn", "bo", "192.0.2.1"),
        ("h4", "ana", "10.0.0.4"),
        ("n2", "ana", "198.51.100.7"),
        ("n2b", "ana", "198.51.100.7"),
        ("n1c", "ana", "192.0.2.1"),
    ]
    .iter()
    .enumerate()
    .map(|(at, (id, who, ip))| good_login(id, at as f64, who, ip))
    .collect();
    // A failure from a new address is someone trying the account: it
    // neither counts nor is counted.
    events.push(failed_login("f", 20.0, "ana", "203.0.113.5"));
    let mut flags = only(DetectionKind::FirstSeenIp, &events, &rule);
    flags.sort_by(|a, b| a.subject.cmp(&b.subject));
    let seen: Vec<(&str, Vec<String>)> = flags
        .iter()
        .map(|flag| {
            let ids = flag.event_ids.iter().map(ToString::to_string).collect();
            (flag.subject.as_str(), ids)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "ana from 192.0.2.1",
                vec!["n1".into(), "n1b".into(), "n1c".into()]
            ),
            ("ana from 198.51.100.7", vec!["n2".into(), "n2b".into()]),
            ("bo from 192.0.2.1", vec!["bn".into()]),
        ]
    );
    let reasons: Vec<&str> = flags.iter().map(|flag| flag.reason.as_str()).collect();
    assert!(
        reasons[0].contains("after 3 events from 10.0.0.1, 10.0.0.2 earlier in the window; 3 events came from 192.0.2.1."),
        "{}",
        reasons[0]
    );
    assert!(
        reasons[1].contains("after 7 events from 5 other addresses earlier in the window; 2 events came from 198.51.100.7."),
        "{}",
        reasons[1]
    );
    assert!(
        reasons[2].contains(
            "after 3 events from 10.0.0.9 earlier in the window; 1 events came from 192.0.2.1."
        ),
        "{}",
        reasons[2]
    );
}

#[test]
fn flags_come_most_severe_first_and_keys_are_stable() {
    let thresholds = Thresholds {
        brute_force: Rule::new(3, 10),
        denied_burst: Rule::new(2, 10),
        ..quiet()
    };
    let mut events = attempts(3, 1.0, "raj");
    events.extend((0..2).map(|i| denied(&format!("d{i}"), 50.0 + f64::from(i), "tariq")));
    let flags = detect(&events, &thresholds);
    assert_eq!(
        flags.iter().map(|f| f.kind).collect::<Vec<_>>(),
        [DetectionKind::BruteForce, DetectionKind::DeniedBurst]
    );
    assert_eq!(
        flags[0].key(),
        format!(
            "brute-force:raj:{}",
            parse_iso(T0).unwrap().timestamp_millis()
        )
    );
    let mut reversed = events.clone();
    reversed.reverse();
    assert_eq!(detect(&reversed, &thresholds), flags);
}

#[test]
fn pairs_seen_answer_alike_as_bits_and_as_a_set() {
    let mut bits = super::SeenPairs::new(5, 7);
    assert!(matches!(bits, super::SeenPairs::Bits { .. }));
    let mut set = super::SeenPairs::new(1 << 13, 1 << 12);
    assert!(matches!(set, super::SeenPairs::Set(_)));
    let pairs = [
        (0, 0),
        (4, 6),
        (0, 0),
        (1, 2),
        (2, 1),
        (4, 6),
        (1, 2),
        (0, 6),
        (4, 0),
    ];
    let new = [true, true, false, true, true, false, false, true, true];
    for ((actor, ip), new) in pairs.into_iter().zip(new) {
        assert_eq!(bits.insert(actor, ip), new, "bits: {actor}, {ip}");
        assert_eq!(set.insert(actor, ip), new, "set: {actor}, {ip}");
    }
}
