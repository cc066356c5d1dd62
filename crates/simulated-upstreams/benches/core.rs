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
//! - de-duplicating and ordering 100,000 events, against a plain sort;
//! - the memory 100,000 decoded events hold, decoded in pages of 1,000 as
//!   the app loads them: the events' own size and every text they share,
//!   counted once each (the allocator's own overhead is not counted), with
//!   their records held as shared templates, against the same events with
//!   each record held as one whole text, and beside the JSON they came from.
//!
//! Median of 7 runs each; prints a Markdown table.

use std::hint::black_box;
use std::time::{Duration, Instant};

use audit_core::analytics::{self, Buckets, EventCollection};
use audit_core::cloudera::ApiAuditList;
use audit_core::detect::silence::{silent_sources, DEFAULT_SILENCE_EXPECTED};
use audit_core::detect::{DetectIndex, Thresholds};
use audit_core::octopai::UserEventsPage;
use audit_core::time::parse_iso;
use audit_core::{AuditEvent, Rows, Source, TimeWindow};
use serde_json::Value;
use simulated_upstreams::{data, DataConfig};

/// The bytes `events` hold: their own size, each text they point to
/// counted once (a reference-counted text carries two counters), and their
/// records: as the shared templates they are held as, and, for the
/// baseline, as one whole text per event (how records were held before).
fn held_bytes(events: &[AuditEvent]) -> (usize, usize) {
    let counters = 2 * std::mem::size_of::<usize>();
    let mut seen = std::collections::HashSet::new();
    let mut texts = 0;
    let mut templates = 0;
    let mut whole = 0;
    for event in events {
        // Ids are numbers held in the event itself (those in the
        // generated data all are).
        let shared = [
            Some(&event.actor),
            event.ip.as_ref(),
            Some(&event.action),
            event.target.as_ref(),
            event.detail.as_ref(),
        ];
        for text in shared.into_iter().flatten() {
            if seen.insert(text.as_ptr() as usize) {
                texts += text.len() + counters;
            }
        }
        let template = event.record.template();
        if seen.insert(template.as_ptr() as usize) {
            templates += template.len() + counters;
        }
        whole += event.raw_json().len() + counters;
    }
    let own = std::mem::size_of_val(events) + texts;
    (own + templates, own + whole)
}

/// The memory 100,000 of `items` hold once decoded from pages of 1,000 by
/// `decode`, beside the same events holding each record as a whole text.
fn memory_row(name: &str, items: &[Value], decode: impl Fn(&str) -> Vec<AuditEvent>) {
    let items: Vec<&Value> = items.iter().cycle().take(100_000).collect();
    let mut json = 0;
    let mut events = Vec::new();
    for chunk in items.chunks(1000) {
        let page = serde_json::json!({ "items": chunk }).to_string();
        json += page.len();
        events.extend(decode(&page));
    }
    let (held, whole) = held_bytes(&events);
    println!(
        "| {name} ({:.1} MB of JSON) | {:.1} MB = {:.2}x the JSON | records held whole | {:.1} MB = {:.2}x the JSON | {:.2}x |",
        json as f64 / 1e6,
        held as f64 / 1e6,
        held as f64 / json as f64,
        whole as f64 / 1e6,
        whole as f64 / json as f64,
        held as f64 / whole as f64
    );
}

/// The memory the generated `items` (each once: a load holds no copies)
/// hold decoded in pages of 1,000 with one interner for the whole load, as
/// loads decode them, beside one interner per answer.
/// `items` as answers of 1,000.
fn pages_of(items: &[Value]) -> Vec<String> {
    items
        .chunks(1000)
        .map(|chunk| serde_json::json!({ "items": chunk }).to_string())
        .collect()
}

/// `pages` decoded as the app decodes a load: one `Interner` for all of
/// them, so each text is held once.
fn as_a_load(
    pages: &[String],
    decode: &impl Fn(&str, &mut audit_core::event::Interner) -> Vec<AuditEvent>,
) -> Vec<AuditEvent> {
    let mut load = audit_core::event::Interner::default();
    pages
        .iter()
        .flat_map(|page| decode(page, &mut load))
        .collect()
}

fn interning_row(
    name: &str,
    items: &[Value],
    decode: impl Fn(&str, &mut audit_core::event::Interner) -> Vec<AuditEvent>,
) {
    let pages = pages_of(items);
    let shared = as_a_load(&pages, &decode);
    let alone: Vec<AuditEvent> = pages
        .iter()
        .flat_map(|page| decode(page, &mut audit_core::event::Interner::default()))
        .collect();
    let (held, _) = held_bytes(&shared);
    let (baseline, _) = held_bytes(&alone);
    println!(
        "| {name}, {} events: texts held once per load | {:.1} MB | once per answer | {:.1} MB | {:.2}x |",
        shared.len(),
        held as f64 / 1e6,
        baseline as f64 / 1e6,
        held as f64 / baseline as f64
    );
}

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
                event.id = audit_core::EventId::new(&format!("{}#{copy}", event.id));
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
        // The scaled week only, as measured before Octopai had a history.
        history_weeks: 0,
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

    memory_row(
        "memory held by 100,000 CM audits, decoded in pages of 1,000",
        &audits,
        |page| audit_core::cloudera::decode_events(page).expect("decodes"),
    );
    memory_row(
        "memory held by 100,000 Octopai events, decoded in pages of 1,000",
        &octopai,
        |page| audit_core::octopai::decode_events(page).expect("decodes").0,
    );

    interning_row(
        "memory held by the generated CM audits",
        &audits,
        |page, texts| audit_core::cloudera::decode_events_with(page, texts).expect("decodes"),
    );
    interning_row(
        "memory held by the generated Octopai events",
        &octopai,
        |page, texts| {
            audit_core::octopai::decode_events_with(page, texts)
                .expect("decodes")
                .0
        },
    );

    // The fields panel over the week as the app holds it: each source
    // decoded as one load, its texts held once.
    let mut week = as_a_load(&pages_of(&audits), &|page: &str, texts: &mut _| {
        audit_core::cloudera::decode_events_with(page, texts).expect("decodes")
    });
    week.extend(as_a_load(
        &pages_of(&octopai),
        &|page: &str, texts: &mut _| {
            audit_core::octopai::decode_events_with(page, texts)
                .expect("decodes")
                .0
        },
    ));
    let week = Rows::new(week);
    let ours = median(|| {
        black_box(audit_core::facets::facets_of(
            &week,
            &audit_core::facets::Facet::ALL,
            8,
        ));
    });
    let baseline = median(|| {
        black_box(week.iter().filter(|e| e.is_login()).count());
    });
    row(
        &format!(
            "all six field facets, the generated week decoded as loads ({} events, texts held once)",
            week.len()
        ),
        ours,
        "one counting pass",
        baseline,
    );

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
        // The fields panel: all six facets of the events shown.
        let ours = median(|| {
            black_box(audit_core::facets::facets_of(
                &events,
                &audit_core::facets::Facet::ALL,
                8,
            ));
        });
        row(
            &format!("all six field facets, {count} events"),
            ours,
            "one counting pass",
            baseline,
        );
        // The silent-source watch at the end of a load: each source's own
        // list, newest first (ties by id) as a load holds it.
        let mut newest_first = distinct_events(&all, count);
        newest_first.sort_by(audit_core::event::newest_first);
        let newest_first = Rows::new(newest_first);
        let own = Source::ALL.map(|source| newest_first.select(|e| e.source == source));
        let ours = median(|| {
            for (source, rows) in Source::ALL.into_iter().zip(&own) {
                black_box(silent_sources(
                    rows,
                    window,
                    &[source],
                    DEFAULT_SILENCE_EXPECTED,
                ));
            }
        });
        row(
            &format!("silent-source watch, each source's list, {count} events"),
            ours,
            "one counting pass",
            baseline,
        );
        // A source hidden: the index of both restricted to the other,
        // against building that source's own index.
        let cloudera = events.select(|e| e.source == Source::ClouderaManager);
        let ours = median(|| {
            black_box(index.only(Source::ClouderaManager));
        });
        let baseline = median(|| {
            black_box(DetectIndex::new(&cloudera));
        });
        row(
            &format!(
                "index of {count} events restricted to Cloudera Manager's {}",
                cloudera.len()
            ),
            ours,
            "that source's own index built",
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
