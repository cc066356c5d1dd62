//! The live feed on a given clock: records come once each, at or after
//! their time, at the ordinary rate, some late, with a burst of failed
//! logins every ten minutes and a silenced source still silent.

use std::collections::HashSet;

use super::*;
use audit_core::time::parse_iso;

fn config() -> DataConfig {
    DataConfig::new(parse_iso("2026-12-02T10:00:00Z").unwrap())
}

/// Everything the feed gives over `minutes` of ticks every `step` seconds.
fn run(
    feed: &mut LiveFeed,
    start: DateTime<Utc>,
    minutes: i64,
    step: i64,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, String, Source)> {
    let mut given = Vec::new();
    let mut now = start;
    while now <= start + Duration::minutes(minutes) {
        let (octopai, cloudera) = feed.due(now);
        for record in octopai {
            given.push((now, record.at, record.id, Source::Octopai));
        }
        for record in cloudera {
            let id = format!("{:?}", record.audit);
            given.push((now, record.at, id, Source::ClouderaManager));
        }
        now += Duration::seconds(step);
    }
    given
}

#[test]
fn records_arrive_once_each_never_before_their_time_some_late() {
    let config = config();
    let mut feed = LiveFeed::new(&config);
    let given = run(&mut feed, config.end, 120, 1);
    let ids: HashSet<&String> = given.iter().map(|(_, _, id, _)| id).collect();
    assert_eq!(ids.len(), given.len(), "each record once");
    assert!(given
        .iter()
        .all(|(arrived, at, _, _)| at <= arrived && *at >= config.end));
    let late = given
        .iter()
        .filter(|(arrived, at, _, _)| *arrived - *at >= Duration::seconds(2))
        .count();
    assert!(
        late > 0 && late < given.len() / 3,
        "{late} of {} late",
        given.len()
    );
    assert!(given
        .iter()
        .all(|(arrived, at, _, _)| *arrived - *at <= Duration::seconds(MOST_LATE_SECONDS + 1)));
    // Both sources keep recording, at the ordinary rate for a weekday
    // morning (the history's reference is Wednesday 15:00, the live part
    // continues from there).
    for source in Source::ALL {
        let count = given.iter().filter(|(_, _, _, s)| *s == source).count();
        assert!(count > 50, "{source:?}: {count} in two hours");
    }
    // No id repeats one of the history's.
    let history = data::generate(&config);
    assert!(history.octopai.iter().all(|r| !ids.contains(&r.id)));
}

#[test]
fn a_burst_of_failed_logins_comes_every_ten_minutes() {
    let config = config();
    let mut bursts: Vec<DateTime<Utc>> = Vec::new();
    let (octopai, _) = LiveFeed::new(&config).due(config.end + Duration::minutes(25));
    for record in octopai.iter().filter(|r| r.ip.starts_with("203.0.113.1")) {
        assert_eq!(record.event_type, OctopaiEventType::LoginFailed);
        bursts.push(record.at);
    }
    assert_eq!(
        bursts.len() as i64,
        3 * BURST_ATTEMPTS,
        "at 3, 13 and 23 minutes"
    );
    bursts.sort();
    assert_eq!(bursts[0], config.end + FIRST_BURST_AFTER);
    assert_eq!(
        bursts[BURST_ATTEMPTS as usize],
        config.end + FIRST_BURST_AFTER + BURST_EVERY
    );
    // The brute-force detection flags each burst at its defaults.
    let events = data::Dataset {
        octopai,
        cloudera: Vec::new(),
    }
    .audit_events(config.end, config.end + Duration::minutes(25));
    let flags = audit_core::detect::detect(&events, &audit_core::detect::Thresholds::default());
    assert_eq!(
        flags
            .iter()
            .filter(|f| f.kind == audit_core::detect::DetectionKind::BruteForce)
            .count(),
        3,
        "{flags:#?}"
    );
}

#[test]
fn a_silence_that_reaches_past_the_start_goes_on_live() {
    let mut config = config();
    config.silenced = vec![data::Silenced::parse("cloudera:1h:3h").unwrap()];
    let mut feed = LiveFeed::new(&config);
    let given = run(&mut feed, config.end, 180, 10);
    let quiet_until = config.end + Duration::hours(2);
    assert!(given
        .iter()
        .filter(|(_, _, _, s)| *s == Source::ClouderaManager)
        .all(|(_, at, _, _)| *at >= quiet_until));
    assert!(given
        .iter()
        .any(|(_, at, _, s)| *s == Source::ClouderaManager && *at >= quiet_until));
}

#[tokio::test]
async fn arrivals_are_served_in_order_with_late_ones_among_the_held() {
    let config = config();
    let state = SimState::new(data::generate(&config), crate::system_clock());
    let before = state.data().octopai.len();
    let mut feed = LiveFeed::new(&config);
    let (octopai, cloudera) = feed.due(config.end + Duration::minutes(30));
    let added = octopai.len();
    state.arrive(octopai, cloudera);
    let data = state.data();
    assert_eq!(data.octopai.len(), before + added);
    assert!(data.octopai.windows(2).all(|pair| pair[0].at >= pair[1].at));
    assert!(data
        .cloudera
        .windows(2)
        .all(|pair| pair[0].at >= pair[1].at));
}
