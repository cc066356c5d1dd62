//! Tests of the view as the URL holds it: round trips, defaults, bad links.

use super::*;
use std::collections::HashMap;

fn view(pairs: &[(&str, &str)]) -> Result<DashboardView, String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    DashboardView::from_params(|name| map.get(name).cloned())
}

/// Decodes a URL's query string the way the router does.
fn round_trip(view: &DashboardView) -> DashboardView {
    let url = view.to_url();
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let map: HashMap<String, String> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), decode(v)))
        .collect();
    DashboardView::from_params(|name| map.get(name).cloned()).unwrap()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn every_view_round_trips_through_the_url() {
    let start = parse_iso("2026-11-20T08:00:00Z").unwrap();
    let end = parse_iso("2026-11-21T08:00:00+01:00").unwrap();
    let views = [
        DashboardView::default(),
        DashboardView {
            range: TimeRange::Preset(RangePreset::FifteenMinutes),
            ..DashboardView::default()
        },
        DashboardView {
            range: TimeRange::Absolute { start, end },
            sources: SourceFilter {
                octopai: false,
                cloudera: true,
            },
            query: "username==a b;source==*x*".into(),
            zone: DisplayZone::Utc,
            ..DashboardView::default()
        },
        DashboardView {
            thresholds: Thresholds {
                brute_force: Rule::new(5, 2),
                spray: Rule::new(4, 60),
                failures_then_success: Rule::new(2, 15),
                new_ip_history: 0,
                new_ip_internal: true,
                denied_burst: Rule::new(3, 1),
                silence: 0,
            },
            flag: Some("brute-force:raj@example.com:1763700000000".into()),
            focus: Some(Focus::DeniedOperations),
            cap: 500,
            who: Some("raj.kim@example.com".into()),
            alias: Some("raj.kim".into()),
            idle_minutes: 45,
            private: true,
            live: Some(30),
            routes: audit_core::page_routes::RouteRule {
                numbers: true,
                uuids: false,
                hex_at_least: 12,
            },
            funnel: Some(
                audit_core::funnel::Funnel::from_query("login > /lineage/:id", Some("45")).unwrap(),
            ),
            people: Some(vec!["mia@example.com".into(), "raj.kim".into()]),
            retention: Some(audit_core::retention::Lookback::parse("day:14").unwrap()),
            split: Some(audit_core::segment::Segment::users("mia@example.com raj.kim").unwrap()),
            columns: Some(vec![
                EventColumn::User,
                EventColumn::Time,
                EventColumn::Raw("user agent, quoted \"x\"".replace(',', "")),
                EventColumn::Service,
            ]),
            ..DashboardView::default()
        },
    ];
    for view in views {
        assert_eq!(round_trip(&view), view, "{}", view.to_url());
    }
    for preset in RangePreset::ALL {
        assert_eq!(RangePreset::from_query(preset.as_query()), Some(preset));
    }
}

#[test]
fn defaults_and_unknown_values_fall_back() {
    assert_eq!(view(&[]).unwrap(), DashboardView::default());
    assert_eq!(
        view(&[
            ("range", "forever"),
            ("tz", "mars"),
            ("cols", "time,nonsense")
        ])
        .unwrap(),
        DashboardView::default()
    );
    assert_eq!(DashboardView::default().to_url(), "/dashboard?range=24h");
    // Unreadable thresholds keep their defaults, each on its own.
    let odd = view(&[
        ("bf", "ten/10"),
        ("spray", "0/5"),
        ("fts", "4/20"),
        ("newip", "-1"),
    ])
    .unwrap();
    assert_eq!(
        odd.thresholds.brute_force,
        Thresholds::default().brute_force
    );
    assert_eq!(odd.thresholds.spray, Thresholds::default().spray);
    assert_eq!(odd.thresholds.failures_then_success, Rule::new(4, 20));
    assert_eq!(
        odd.thresholds.new_ip_history,
        Thresholds::default().new_ip_history
    );
    for cap in ["10", "lots", "99999999"] {
        assert_eq!(view(&[("cap", cap)]).unwrap().cap, DEFAULT_CAP, "{cap}");
    }
    for idle in ["0", "1441", "half an hour", "-5"] {
        assert_eq!(
            view(&[("idle", idle)]).unwrap().idle_minutes,
            DEFAULT_IDLE_MINUTES,
            "{idle}"
        );
        assert!(parse_idle_minutes(idle).unwrap_err().contains("1 to 1440"));
    }
    assert_eq!(parse_idle_minutes(" 90 "), Ok(90));
}

#[test]
fn bad_ranges_in_a_link_say_what_to_fix() {
    for (pairs, expected) in [
        (vec![("from", "2026-11-21T00:00:00Z")], "only one end"),
        (
            vec![("from", "yesterday"), ("to", "2026-11-21T00:00:00Z")],
            "start time: `yesterday` is not an ISO 8601 time",
        ),
        (
            vec![
                ("from", "2026-11-22T00:00:00Z"),
                ("to", "2026-11-21T00:00:00Z"),
            ],
            "empty or reversed",
        ),
    ] {
        let error = view(&pairs).unwrap_err();
        assert!(error.contains(expected), "{pairs:?}: {error}");
    }
}

#[test]
fn source_filter_never_hides_everything() {
    let only_octopai = SourceFilter::BOTH.toggled(Source::ClouderaManager);
    assert_eq!(only_octopai.as_query(), Some("octopai"));
    assert_eq!(only_octopai.toggled(Source::Octopai), only_octopai);
    assert_eq!(
        SourceFilter::from_query(Some("nonsense")),
        SourceFilter::BOTH
    );
}

#[test]
fn windows_pin_presets_at_now_and_check_absolute_ones() {
    let now = parse_iso("2026-11-22T12:00:00Z").unwrap();
    let window = TimeRange::Preset(RangePreset::Month).window(now).unwrap();
    assert_eq!((window.end(), window.length()), (now, Duration::days(30)));
    let reversed = TimeRange::Absolute {
        start: now,
        end: now - Duration::hours(1),
    };
    assert!(reversed
        .window(now)
        .unwrap_err()
        .contains("empty or reversed"));
}

#[test]
fn datetime_inputs_are_read_in_the_display_offset() {
    let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
    let at = parse_local_input("2026-11-21T09:30", &plus_two, "start").unwrap();
    assert_eq!(format_iso(at), "2026-11-21T07:30:00.000Z");
    assert_eq!(local_input_value(at, &plus_two), "2026-11-21T09:30");
    assert_eq!(
        parse_local_input("", &plus_two, "end").unwrap_err(),
        "Enter the end date and time."
    );
    assert!(parse_local_input("21/11/2026", &plus_two, "start")
        .unwrap_err()
        .contains("not a date and time"));
    let utc = DisplayZone::Utc;
    let at = parse_local_input("2026-11-21 09:30:15", &utc, "end").unwrap();
    assert_eq!(format_iso(at), "2026-11-21T09:30:15.000Z");
    assert_eq!(local_input_value(at, &utc), "2026-11-21T09:30");
}

#[test]
fn a_live_view_keeps_its_interval_and_a_wrong_one_falls_back_to_the_usual() {
    let read = |live: Option<&str>| {
        let mut pairs = vec![("range", "1h")];
        pairs.extend(live.map(|live| ("live", live)));
        view(&pairs).unwrap().live
    };
    assert_eq!(read(Some("30")), Some(30));
    assert_eq!(read(Some("2")), Some(DEFAULT_LIVE_SECONDS));
    assert_eq!(read(Some("soon")), Some(DEFAULT_LIVE_SECONDS));
    assert_eq!(read(None), None);
    assert!(parse_live_seconds("4")
        .unwrap_err()
        .contains("from 5 to 3600"));
    assert_eq!(parse_live_seconds(" 60 "), Ok(60));
}
