//! Core benchmarks on the simulator's generated data, each against a plain
//! baseline measured in the same run:
//!
//! - decoding a page of 100,000 audits / events into unified events, against
//!   `serde_json::from_str::<Value>` of the same text;
//! - all dashboard analytics (calendar bucketing, login and operation
//!   outcomes, activity, top-N, the heat map, totals) and all detections on
//!   100,000 and 1,000,000 distinct events, against one pass that only
//!   counts logins: what a filter change recomputes (with the detections'
//!   index built, and the detections alone over an index built before, as
//!   the app builds it once per load);
//! - de-duplicating and ordering 100,000 events, against a plain sort.
//!
//! Median of 7 runs each; prints a Markdown table.

use std::hint::black_box;
use std::time::{Duration, Instant};

use audit_core::analytics::{self, Buckets, EventCollection};
use audit_core::cloudera::ApiAuditList;
use audit_core::detect::{DetectIndex, Thresholds};
use audit_core::octopai::UserEventsPage;
use audit_core::time::parse_iso;
use audit_core::{AuditEvent, Rows, Source, TimeWindow};
use serde_json::Value;
use simulated_upstreams::{data, DataConfig};

fn median(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..7)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn row(name: &str, ours: Duration, baseline_name: &str, baseline: Duration) {
    println!(
        "| {name} | {:.1} ms | {baseline_name} | {:.1} ms | {:.2}x |",
        ours.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        ours.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// `count` copies of `items`, cycled, as one JSON page.
fn page_text(items: &[Value], count: usize, wrapper: &str) -> String {
    let cycled: Vec<&Value> = items.iter().cycle().take(count).collect();
    serde_json::json!({ wrapper: cycled }).to_string()
}

/// `count` events cycled from `all`, each copy a different organisation
/// (ids and actors suffixed), so nothing is a duplicate and every copy's
/// attacks stay its own.
fn distinct_events(all: &[AuditEvent], count: usize) -> Vec<AuditEvent> {
    all.iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(index, event)| {
            let copy = index / all.len();
            let mut event = event.clone();
            if copy > 0 {
                event.id = format!("{}#{copy}", event.id).into();
                event.actor = format!("{}#{copy}", event.actor).into();
            }
            event
        })
        .collect()
}

/// Everything the dashboard recomputes after a filter change, and the
/// detections' index, which the app builds once per load.
fn recompute(events: &Rows, window: TimeWindow) -> usize {
    let zone = chrono::FixedOffset::west_opt(5 * 3600).expect("an offset");
    let buckets = Buckets::for_chart(window, 48, &zone);
    let mut drawn = 0;
    for source in [Source::Octopai, Source::ClouderaManager] {
        drawn += analytics::login_outcomes(events, &buckets, Some(source)).len();
    }
    drawn += analytics::operation_outcomes(events, &buckets).len();
    drawn += analytics::activity_timeline(events, &buckets).len();
    drawn += analytics::top_failing_accounts(events, 10).len();
    drawn += analytics::top_failing_ips(events, 10).len();
    drawn += analytics::hour_by_weekday(events, &zone).len();
    drawn += analytics::totals(events).events;
    drawn += DetectIndex::new(events)
        .detect(&Thresholds::default())
        .len();
    drawn
}

fn main() {
    let end = parse_iso("2026-11-20T16:00:00Z").expect("a fixed instant");
    let dataset = data::generate(&DataConfig {
        scale: 3.0,
        ..DataConfig::new(end)
    });
    let audits: Vec<Value> = dataset
        .cloudera
        .iter()
        .map(|r| serde_json::to_value(&r.audit).expect("serialisable"))
        .collect();
    let octopai: Vec<Value> = dataset.octopai.iter().map(|r| r.to_json()).collect();
    println!(
        "Generated {} audits and {} Octopai events (seed 42, scale 3).\n",
        audits.len(),
        octopai.len()
    );
    println!("| measurement | ours | baseline | baseline time | ratio |");
    println!("|---|---|---|---|---|");

    let cloudera_text = page_text(&audits, 100_000, "items");
    let direct = median(|| {
        black_box(audit_core::cloudera::decode_events(black_box(&cloudera_text)).expect("decodes"));
    });
    let ours = median(|| {
        let list = ApiAuditList::decode(black_box(&cloudera_text)).expect("decodes");
        let events: Vec<AuditEvent> = list
            .items
            .into_iter()
            .map(|a| AuditEvent::try_from(a).expect("maps"))
            .collect();
        black_box(events);
    });
    let baseline = median(|| {
        black_box(serde_json::from_str::<Value>(black_box(&cloudera_text)).expect("parses"));
    });
    row(
        "decode + map 100,000 CM audits, through `Value` (before)",
        ours,
        "serde_json to Value",
        baseline,
    );
    row(
        "decode + map 100,000 CM audits, straight from the text (loads)",
        direct,
        "serde_json to Value",
        baseline,
    );
    row(
        "decode + map 100,000 CM audits, straight from the text (loads)",
        direct,
        "the same through `Value` (before)",
        ours,
    );

    let octopai_text = page_text(&octopai, 100_000, "items");
    let direct = median(|| {
        black_box(audit_core::octopai::decode_events(black_box(&octopai_text)).expect("decodes"));
    });
    let ours = median(|| {
        let page = UserEventsPage::decode(black_box(&octopai_text)).expect("decodes");
        black_box(
            page.events
                .into_iter()
                .map(AuditEvent::from)
                .collect::<Vec<_>>(),
        );
    });
    let baseline = median(|| {
        black_box(serde_json::from_str::<Value>(black_box(&octopai_text)).expect("parses"));
    });
    row(
        "decode + map 100,000 Octopai events, through `Value` (before)",
        ours,
        "serde_json to Value",
        baseline,
    );
    row(
        "decode + map 100,000 Octopai events, straight from the text (loads)",
        direct,
        "serde_json to Value",
        baseline,
    );
    row(
        "decode + map 100,000 Octopai events, straight from the text (loads)",
        direct,
        "the same through `Value` (before)",
        ours,
    );

    let mut all: Vec<AuditEvent> = UserEventsPage::decode(&octopai_text)
        .expect("decodes")
        .events
        .into_iter()
        .map(AuditEvent::from)
        .collect();
    all.extend(
        ApiAuditList::decode(&cloudera_text)
            .expect("decodes")
            .items
            .into_iter()
            .map(|a| AuditEvent::try_from(a).expect("maps")),
    );
    let window = TimeWindow::ending_at(end, chrono::Duration::days(7));
    for count in [100_000usize, 1_000_000] {
        let events = Rows::new(distinct_events(&all, count));
        let ours = median(|| {
            black_box(recompute(&events, window));
        });
        let baseline = median(|| {
            black_box(events.iter().filter(|e| e.is_login()).count());
        });
        row(
            &format!("all charts, tiles and detections, {count} events"),
            ours,
            "one counting pass",
            baseline,
        );
        // What a filter change costs the detections: the index is the
        // load's.
        let index = DetectIndex::new(&events);
        let ours = median(|| {
            black_box(index.detect(&Thresholds::default()));
        });
        row(
            &format!("detections over the load's index, {count} events"),
            ours,
            "one counting pass",
            baseline,
        );
    }

    let events: Vec<AuditEvent> = all.iter().take(100_000).cloned().collect();
    let ours = median(|| {
        let mut collection = EventCollection::default();
        collection.extend(events.iter().cloned());
        black_box(collection.into_sorted());
    });
    let baseline = median(|| {
        let mut copy = events.clone();
        copy.sort_unstable_by_key(|event| std::cmp::Reverse(event.at));
        black_box(copy);
    });
    row(
        "de-duplicate + order 100,000 events",
        ours,
        "clone + sort",
        baseline,
    );
}
