use super::*;
use audit_core::time::parse_iso;

fn dataset() -> Dataset {
    generate(&DataConfig::new(parse_iso("2026-11-22T12:00:00Z").unwrap()))
}

/// A weekday afternoon (the default), a weekday evening and a weekend night.
const REFERENCES: [&str; 3] = [
    "2026-11-18T15:00:00Z",
    "2026-11-18T21:30:00Z",
    "2026-11-22T02:00:00Z",
];

fn at_reference(reference: &str, end: &str) -> Dataset {
    generate(&DataConfig {
        reference: parse_iso(reference).unwrap(),
        ..DataConfig::new(parse_iso(end).unwrap())
    })
}

/// Each record's distance from the end, with everything but its time.
fn relative(data: &Dataset, end: DateTime<Utc>) -> (Vec<String>, Vec<String>) {
    let octopai = data
        .octopai
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let age = (end - r.at).num_milliseconds();
            r.at = DateTime::UNIX_EPOCH;
            format!("{age} {r:?}")
        })
        .collect();
    let cloudera = data
        .cloudera
        .iter()
        .map(|r| {
            let mut audit = r.audit.clone();
            let age = (end - r.at).num_milliseconds();
            assert_eq!(parse_iso(&audit.timestamp).unwrap(), r.at);
            audit.timestamp.clear();
            format!("{age} {audit:?}")
        })
        .collect();
    (octopai, cloudera)
}

#[test]
fn the_data_does_not_depend_on_the_hour_it_is_made() {
    // Just after midnight on a Wednesday, a Saturday noon and a Monday
    // evening: the same events, each as old relative to the end.
    let ends = [
        "2026-12-02T00:05:00Z",
        "2026-12-05T12:00:00.123Z",
        "2026-12-07T19:45:00Z",
    ];
    let first_end = parse_iso(ends[0]).unwrap();
    let first = relative(&at_reference(REFERENCES[0], ends[0]), first_end);
    for end in &ends[1..] {
        let at = parse_iso(end).unwrap();
        assert_eq!(
            relative(&at_reference(REFERENCES[0], end), at),
            first,
            "{end}"
        );
    }
    // And they are the events generated at the reference itself.
    let reference = parse_iso(REFERENCES[0]).unwrap();
    assert_eq!(
        relative(&at_reference(REFERENCES[0], REFERENCES[0]), reference),
        first
    );
}

#[test]
fn the_reference_chooses_what_the_last_day_holds() {
    // A weekday afternoon's last 24 hours are a working day; a weekend
    // night's are a quiet Saturday. The daily rhythm is kept: the busiest
    // hour of a weekday is in the working day, not the night.
    let end = parse_iso("2026-12-02T00:05:00Z").unwrap();
    let day = |reference: &str| {
        at_reference(reference, "2026-12-02T00:05:00Z")
            .octopai_in(end - Duration::days(1), end)
            .len()
    };
    let busy = day(REFERENCES[0]);
    let quiet = day(REFERENCES[2]);
    assert!(busy > 3 * quiet, "weekday {busy}, weekend {quiet}");
    let data = at_reference(REFERENCES[0], REFERENCES[0]);
    let mut by_hour = [0usize; 24];
    for record in &data.octopai {
        by_hour[usize::try_from(chrono::Timelike::hour(&record.at)).unwrap()] += 1;
    }
    let busiest = (0..24).max_by_key(|hour| by_hour[*hour]).unwrap();
    assert!((8..=18).contains(&busiest), "{by_hour:?}");
    assert!(by_hour[3] * 10 < by_hour[busiest], "{by_hour:?}");
}

#[test]
fn same_seed_same_data_and_realistic_volume() {
    let first = dataset();
    let second = dataset();
    assert_eq!(first.octopai, second.octopai);
    assert_eq!(first.cloudera, second.cloudera);
    let week = parse_iso("2026-11-22T12:00:00Z").unwrap() - Duration::days(7);
    let total = first.octopai.iter().filter(|r| r.at >= week).count() + first.cloudera.len();
    assert!((20_000..100_000).contains(&total), "{total} events");
    assert!(
        (60_000..160_000).contains(&first.octopai.len()),
        "{} Octopai events in twelve weeks",
        first.octopai.len()
    );
    let users: std::collections::HashSet<&str> =
        first.octopai.iter().map(|r| r.user.as_str()).collect();
    assert!(users.len() >= 50, "{} users", users.len());
    // The 20 pages, three of them also naming a record, and a report's
    // export: 24 routes.
    let routes: std::collections::HashSet<String> = first
        .octopai
        .iter()
        .filter_map(|r| r.page.as_deref())
        .map(|page| {
            audit_core::page_routes::RouteRule::default()
                .route(page)
                .into_owned()
        })
        .collect();
    assert_eq!(routes.len(), 24, "{routes:?}");
}

#[test]
fn lists_are_newest_first_and_inside_the_window() {
    let data = dataset();
    let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
    assert!(data.octopai.windows(2).all(|pair| pair[0].at >= pair[1].at));
    assert!(data
        .cloudera
        .windows(2)
        .all(|pair| pair[0].at >= pair[1].at));
    assert!(data
        .cloudera
        .iter()
        .all(|r| r.at < end && r.at >= end - Duration::days(7)));
    // Octopai's history reaches twelve weeks back.
    assert!(data
        .octopai
        .iter()
        .all(|r| r.at < end && r.at >= end - Duration::weeks(12)));
    let day = data.octopai_in(end - Duration::days(1), end);
    assert!(!day.is_empty());
    assert!(day.iter().all(|r| r.at >= end - Duration::days(1)));
}

#[test]
fn seeded_attacks_are_present_in_the_last_day() {
    for reference in REFERENCES {
        seeded_attacks_at(reference);
    }
}

fn seeded_attacks_at(reference: &str) {
    let data = at_reference(reference, "2026-11-22T12:00:00Z");
    let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
    let day = data.octopai_in(end - Duration::days(1), end);
    let burst = day
        .iter()
        .filter(|r| {
            r.user == BRUTE_FORCE_TARGET
                && r.ip == BRUTE_FORCE_IP
                && r.event_type == OctopaiEventType::LoginFailed
        })
        .count();
    assert_eq!(burst, BRUTE_FORCE_ATTEMPTS);
    let sprayed: std::collections::HashSet<&str> = day
        .iter()
        .filter(|r| r.ip == SPRAY_IP)
        .map(|r| r.user.as_str())
        .collect();
    assert_eq!(sprayed.len(), SPRAYED_ACCOUNTS);
    assert!(day.iter().any(|r| r.user == STREAK_ACCOUNT
        && r.ip == STREAK_IP
        && r.event_type == OctopaiEventType::LoginSucceeded));
    let denied = data
        .cloudera_in(end - Duration::days(1), end)
        .iter()
        .filter(|r| {
            r.audit.username.as_deref() == Some(DENIED_BURST_USER) && r.audit.allowed == Some(false)
        })
        .count();
    assert!(denied >= 20);
}

#[test]
fn default_detections_flag_every_seeded_attack_and_little_else() {
    for reference in REFERENCES {
        default_detections_at(reference);
    }
}

fn default_detections_at(reference: &str) {
    use audit_core::detect::{detect, DetectionKind, Thresholds};
    let data = at_reference(reference, "2026-11-22T12:00:00Z");
    let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
    // The whole week, so the streak account has a history to differ from.
    let events = data.audit_events(end - Duration::days(7), end);
    let flags = detect(&events, &Thresholds::default());
    let has = |kind: DetectionKind, subject: &str| {
        flags.iter().any(|f| f.kind == kind && f.subject == subject)
    };
    assert!(
        has(DetectionKind::BruteForce, BRUTE_FORCE_TARGET),
        "{flags:#?}"
    );
    assert!(
        has(DetectionKind::BruteForce, "admin"),
        "the CM admin burst"
    );
    assert!(has(DetectionKind::PasswordSpray, SPRAY_IP));
    assert!(has(DetectionKind::FailuresThenSuccess, STREAK_ACCOUNT));
    assert!(has(DetectionKind::DeniedBurst, DENIED_BURST_USER));
    let streak_ip = format!("{STREAK_ACCOUNT} from {STREAK_IP}");
    assert!(has(DetectionKind::FirstSeenIp, &streak_ip), "{flags:#?}");
    // The brute force flag holds exactly the 40 attempts.
    let brute = flags
        .iter()
        .find(|f| f.kind == DetectionKind::BruteForce && f.subject == BRUTE_FORCE_TARGET)
        .unwrap();
    assert_eq!(brute.event_ids.len(), BRUTE_FORCE_ATTEMPTS);
    // Ordinary typos and office/VPN switching raise nothing more: these
    // six flags are the whole list.
    assert_eq!(flags.len(), 6, "{flags:#?}");
}

#[test]
fn every_managed_service_audit_names_its_source_and_cloudera_managers_own_none() {
    let data = dataset();
    let (mut named, mut own) = (0, 0);
    let hostile = attacks::hostile_values();
    for record in &data.cloudera {
        let audit = &record.audit;
        let values = audit.service_values.clone().unwrap_or_default();
        // Cloudera Manager's own audits: its logins, and its actions on a
        // service (which name the role acted on).
        if audit.service.as_deref() == Some("ClouderaManager") || values.contains_key("role") {
            assert!(
                !values.contains_key("src") && !values.contains_key("source"),
                "{audit:?}"
            );
            assert!(!values.contains_key("dest"), "{audit:?}");
            own += 1;
            continue;
        }
        if hostile
            .iter()
            .any(|value| audit.service.as_ref() == Some(value))
        {
            continue; // the hostile values' audits
        }
        let service = audit.service.as_deref().unwrap_or_default();
        let (name, other) = match service {
            "hdfs1" => ("src", "source"),
            _ => ("source", "src"),
        };
        assert_eq!(values.get(name), audit.resource.as_ref(), "{audit:?}");
        assert!(!values.contains_key(other), "{audit:?}");
        // A destination only for HDFS's renames.
        let renamed = service == "hdfs1" && audit.command.as_deref() == Some("rename");
        assert_eq!(values.contains_key("dest"), renamed, "{audit:?}");
        named += 1;
    }
    assert!(named > 1000 && own > 50, "{named} named, {own} own");
}

/// The silent-source watch over the whole simulated week at `reference`,
/// with `silenced` acted out, at `threshold`.
fn silences(
    reference: &str,
    silenced: Vec<Silenced>,
    threshold: u32,
) -> Vec<audit_core::detect::Detection> {
    use audit_core::detect::silence::silent_sources;
    let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
    let data = generate(&DataConfig {
        reference: parse_iso(reference).unwrap(),
        silenced,
        ..DataConfig::new(end)
    });
    let window = audit_core::TimeWindow::new(end - Duration::days(7), end).unwrap();
    let events = data.audit_events(window.start(), window.end());
    silent_sources(&events, window, &audit_core::Source::ALL, threshold)
        .flags()
        .to_vec()
}

#[test]
fn an_ordinary_simulated_week_has_no_silent_source_at_any_reference() {
    for reference in REFERENCES {
        // Not at the default, nor at two thirds of it: the default has
        // room (the longest natural quiet of these weeks expects about 75).
        let flags = silences(reference, vec![], 100);
        assert!(flags.is_empty(), "{reference}: {flags:#?}");
    }
}

#[test]
fn a_silenced_stretch_of_the_simulated_week_is_flagged_as_such() {
    use audit_core::detect::DetectionKind;
    for (text, source) in [
        ("cloudera:37h:2h", "Cloudera Manager"),
        ("octopai:52h:3h", "Octopai"),
    ] {
        let silenced = Silenced::parse(text).unwrap();
        let default = audit_core::detect::silence::DEFAULT_SILENCE_EXPECTED;
        let flags = silences(REFERENCES[0], vec![silenced], default);
        let [flag] = flags.as_slice() else {
            panic!("{text}: one flag: {flags:#?}")
        };
        assert_eq!(flag.kind, DetectionKind::SilentSource);
        assert_eq!(flag.subject, source);
        let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
        let (from, to) = (end - silenced.ago, end - silenced.ago + silenced.length);
        // The flag covers the silenced stretch, from the event before it to
        // the event after it.
        assert!(
            flag.first_at <= from && flag.last_at >= to,
            "{text}: {flag:#?}"
        );
        assert!(
            flag.last_at - flag.first_at < silenced.length + Duration::minutes(30),
            "{flag:#?}"
        );
    }
}

#[test]
fn silences_are_read_with_a_reason_when_malformed() {
    let parsed = Silenced::parse("cloudera:30h:3h").unwrap();
    assert_eq!(parsed.ago, Duration::hours(30));
    assert_eq!(parsed.length, Duration::hours(3));
    assert_eq!(
        Silenced::parse("octopai:90m:2d").unwrap().length,
        Duration::days(2)
    );
    for bad in [
        "cloudera:30h",
        "hdfs:1h:1h",
        "octopai:1x:1h",
        "octopai:1h:0h",
        "octopai:-1h:1h",
    ] {
        let error = Silenced::parse(bad).unwrap_err();
        assert!(error.contains("SOURCE:AGO:LENGTH"), "{bad}: {error}");
    }
}

#[test]
fn some_pages_name_their_record_and_group_into_a_few_routes() {
    use audit_core::page_routes::RouteRule;
    let data = dataset();
    let pages: std::collections::BTreeSet<&str> = data
        .octopai
        .iter()
        .filter_map(|r| r.page.as_deref())
        .collect();
    let routes: std::collections::BTreeSet<String> = pages
        .iter()
        .map(|page| RouteRule::default().route(page).into_owned())
        .collect();
    assert!(pages.len() > 500, "{} distinct pages", pages.len());
    for route in [
        "/lineage/:id",
        "/reports/:id/edit",
        "/reports/:id/export",
        "/data-catalog/assets/:id",
        "/lineage",
        "/reports",
    ] {
        assert!(routes.contains(route), "{route} in {routes:?}");
    }
}

#[test]
fn the_history_leaves_the_generated_days_as_they_were() {
    let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
    let with = dataset();
    let without = generate(&DataConfig {
        history_weeks: 0,
        ..DataConfig::new(end)
    });
    let start = end - Duration::days(7);
    assert_eq!(with.octopai_in(start, end), without.octopai.as_slice());
    assert_eq!(with.cloudera, without.cloudera);
    let older = with.octopai_in(end - Duration::weeks(12), start);
    assert!(older.len() > 50_000, "{}", older.len());
    assert!(older.iter().all(|r| r.id.starts_with("ev-h")));
    let ids: std::collections::HashSet<&str> = with.octopai.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), with.octopai.len(), "ids are unique");
}

#[test]
fn the_history_has_arrivals_churn_power_users_and_an_adopted_feature() {
    use std::collections::{BTreeMap, BTreeSet};
    let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
    let data = dataset();
    let from = end - Duration::weeks(12);
    let week_of = |at: DateTime<Utc>| (at - from).num_weeks();
    let mut first: BTreeMap<&str, i64> = BTreeMap::new();
    let mut last: BTreeMap<&str, i64> = BTreeMap::new();
    let mut days: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for record in data.octopai.iter().rev() {
        let week = week_of(record.at);
        first.entry(&record.user).or_insert(week);
        last.insert(&record.user, week);
        days.entry(&record.user)
            .or_default()
            .insert((record.at - from).num_days());
    }
    // People arrive through the history, not all on its first day.
    let arrival_weeks: BTreeSet<i64> = first.values().copied().collect();
    assert!(arrival_weeks.len() >= 8, "{arrival_weeks:?}");
    assert!(first.values().filter(|week| **week == 0).count() >= 15);
    assert!(first.values().filter(|week| **week >= 4).count() >= 15);
    // Some leave: not seen in the last two weeks.
    let gone = last.values().filter(|week| **week < 10).count();
    assert!((15..=40).contains(&gone), "{gone} churned");
    // A few work nearly every day of the history.
    let busy = days.values().filter(|d| d.len() >= 64).count();
    assert!((3..=8).contains(&busy), "{busy} power users");
    // Lineage: nobody before its launch, then adopted by some, not all.
    let launch = from.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(28);
    let lineage = |r: &&OctopaiRecord| r.page.as_deref().is_some_and(|p| p.starts_with("/lineage"));
    let history = data.octopai_in(from, end - Duration::days(7));
    assert!(!history
        .iter()
        .filter(|r| r.at < launch)
        .any(|r| lineage(&r)));
    let adopters: BTreeSet<&str> = history
        .iter()
        .filter(lineage)
        .map(|r| r.user.as_str())
        .collect();
    assert!(
        (20..first.len() - 20).contains(&adopters.len()),
        "{} adopters of {}",
        adopters.len(),
        first.len()
    );
}
