//! Tests of paging a window: the pager's decisions, retries and the cap.

use super::*;
use audit_core::time::parse_iso;

fn window() -> TimeWindow {
    TimeWindow::new(
        parse_iso("2026-11-21T00:00:00Z").unwrap(),
        parse_iso("2026-11-22T00:00:00Z").unwrap(),
    )
    .unwrap()
}

#[test]
fn cloudera_pages_by_offset_until_an_empty_page_with_end_pinned() {
    let mut pager = Pager::new(Source::ClouderaManager, window(), None);
    let NextPage::Cloudera(first) = pager.next() else {
        panic!()
    };
    assert_eq!(first.result_offset, Some(0));
    assert_eq!(first.end_time.as_deref(), Some("2026-11-22T00:00:00.000Z"));
    // A server that caps pages at 100 still pages correctly: a short page
    // that may be its cap is never taken as the end, only an empty one.
    pager.record(100, None);
    pager.record(100, None);
    let NextPage::Cloudera(third) = pager.next() else {
        panic!()
    };
    assert_eq!(third.result_offset, Some(200));
    assert_eq!(third.end_time, first.end_time, "endTime stays pinned");
    pager.record(40, None);
    assert_eq!(pager.next_batch().len(), 1, "one page at a time");
    pager.record(0, None);
    assert_eq!(pager.next(), NextPage::Done);
    assert_eq!((pager.pages, pager.received()), (4, 240));
}

#[test]
fn cloudera_pages_carry_the_canonical_query_and_octopai_pages_do_not() {
    let query = audit_core::query::parse("username==admin;allowed==false").unwrap();
    let pager = Pager::new(Source::ClouderaManager, window(), Some(&query));
    let NextPage::Cloudera(params) = pager.next() else {
        panic!()
    };
    assert_eq!(
        params.query.as_deref(),
        Some("username==admin;allowed==false")
    );
    let empty = audit_core::query::parse("").unwrap();
    let NextPage::Cloudera(params) =
        Pager::new(Source::ClouderaManager, window(), Some(&empty)).next()
    else {
        panic!()
    };
    assert_eq!(params.query, None, "an empty query is not sent");
    assert!(matches!(
        Pager::new(Source::Octopai, window(), Some(&query)).next(),
        NextPage::Octopai(_)
    ));
}

#[test]
fn rate_is_events_per_second_once_measurable() {
    let progress = |received, elapsed_ms| SourceProgress {
        received,
        elapsed_ms,
        ..SourceProgress::default()
    };
    assert_eq!(progress(5000, 2000).rate(), Some(2500));
    assert_eq!(progress(5000, 0).rate(), None);
    assert_eq!(progress(0, 100).rate(), None);
}

#[test]
fn octopai_pages_by_number_until_total_or_empty_page() {
    let mut pager = Pager::new(Source::Octopai, window(), None);
    let NextPage::Octopai(first) = pager.next() else {
        panic!()
    };
    assert_eq!(
        (first.page_number, first.page_size),
        (Some(1), Some(PAGE_SIZE))
    );
    pager.record(1000, Some(1500));
    let NextPage::Octopai(second) = pager.next() else {
        panic!()
    };
    assert_eq!(second.page_number, Some(2));
    pager.record(500, Some(1500));
    assert_eq!(
        pager.next(),
        NextPage::Done,
        "total reached: no extra request"
    );

    let mut untotalled = Pager::new(Source::Octopai, window(), None);
    untotalled.record(10, None);
    assert_ne!(untotalled.next(), NextPage::Done);
    untotalled.record(0, None);
    assert_eq!(untotalled.next(), NextPage::Done);
}

#[test]
fn the_cap_is_never_silent() {
    // Everything arrived under the cap, or exactly at it: nothing to say.
    assert_eq!(beyond_cap(10, 100, true, None), None);
    assert_eq!(beyond_cap(100, 100, true, Some(100)), None);
    // Stopped at the cap with more to come: at least one more than held,
    // or the source's own total when it gives one.
    assert_eq!(beyond_cap(100, 100, false, None), Some(101));
    assert_eq!(beyond_cap(1_000, 500, false, Some(25_000)), Some(25_000));
    // A page that crossed the cap: those held beyond it were dropped.
    assert_eq!(beyond_cap(1_050, 1_000, true, None), Some(1_050));
}

fn positions(pager: &Pager) -> Vec<u32> {
    pager
        .next_batch()
        .into_iter()
        .map(|(position, _)| position)
        .collect()
}

#[test]
fn cloudera_pages_run_ahead_only_once_full_pages_are_honoured() {
    let mut pager = Pager::new(Source::ClouderaManager, window(), None);
    assert_eq!(
        positions(&pager),
        [0],
        "one page until the page size is known"
    );
    pager.record(1000, None);
    assert_eq!(positions(&pager), [1000, 2000, 3000]);
    let NextPage::Cloudera(params) = &pager.next_batch()[2].1 else {
        panic!("a Cloudera Manager page")
    };
    assert_eq!(params.result_offset, Some(3000));
    assert!(pager.expects(1000) && !pager.expects(2000));
    // A short page after a full one: the server gives whole pages, so it
    // had no more; the pages asked for ahead are dropped.
    pager.record(400, None);
    assert!(pager.is_done(), "a short page after a full one is the last");
    assert!(
        !pager.expects(2000),
        "the page asked for at 2000 is dropped"
    );
    assert!(pager.next_batch().is_empty());
}

#[test]
fn octopai_pages_run_ahead_up_to_its_total() {
    let mut pager = Pager::new(Source::Octopai, window(), None);
    assert_eq!(positions(&pager), [1]);
    pager.record(1000, Some(4500));
    assert_eq!(
        positions(&pager),
        [2, 3, 4],
        "three in flight of the four left"
    );
    for _ in 0..3 {
        pager.record(1000, Some(4500));
    }
    assert_eq!(positions(&pager), [5]);
    pager.record(500, Some(4500));
    assert!(pager.next_batch().is_empty(), "the total has arrived");
}

#[test]
fn progress_is_shown_at_most_every_tenth_of_a_second_on_ticks_every_source_shares() {
    let mut pacer = Pacer::default();
    assert_eq!(pacer.offer(1_030.0, false), Pace::Now, "the first report");
    assert_eq!(
        pacer.offer(1_040.0, false),
        Pace::After(60.0),
        "the next tick"
    );
    assert_eq!(pacer.offer(1_060.0, false), Pace::Held, "a showing is due");
    pacer.shown();
    assert_eq!(pacer.offer(1_150.0, false), Pace::After(50.0));
    assert_eq!(
        pacer.offer(1_160.0, true),
        Pace::Now,
        "a retry note is never held"
    );
    assert_eq!(pacer.offer(1_270.0, false), Pace::After(30.0));
    pacer.shown();
    // Another source's pacer, reporting at other times, shows on the same
    // ticks, so both are redrawn in one frame.
    let mut other = Pacer::default();
    assert_eq!(other.offer(1_205.0, false), Pace::Now);
    assert_eq!(other.offer(1_288.0, false), Pace::After(12.0));
    assert_eq!(
        pacer.offer(1_300.0, false),
        Pace::After(100.0),
        "just shown on a tick"
    );
}

#[test]
fn cloudera_expects_what_arrived_spread_over_the_window_at_the_rate_it_covers() {
    let mut pager = Pager::new(Source::ClouderaManager, window(), None);
    assert_eq!(pager.expected(), None, "nothing is expected before a page");
    // The first full page reaches back a quarter of the day (newest first).
    pager.reached(Some(parse_iso("2026-11-21T18:00:00Z").unwrap()));
    pager.record(1000, None);
    assert_eq!(pager.expected(), Some(4000));
    assert_eq!(pager.covered(), Some(250));
    // A quieter stretch next: the estimate follows what is covered.
    pager.reached(Some(parse_iso("2026-11-21T06:00:00Z").unwrap()));
    pager.record(1000, None);
    assert_eq!(pager.expected(), Some(2667));
    // A page older than another seen (pages in flight come back in any
    // order) does not move the reach back.
    pager.reached(Some(parse_iso("2026-11-21T12:00:00Z").unwrap()));
    pager.record(1000, None);
    assert_eq!(pager.expected(), Some(4000));
    // Never fewer than arrived; exactly what arrived at the end.
    pager.reached(Some(parse_iso("2026-11-21T23:59:59Z").unwrap()));
    assert_eq!(pager.expected(), Some(4000));
    pager.record(0, None);
    assert_eq!(pager.expected(), Some(3000));
}

#[test]
fn octopai_expects_its_total() {
    let mut pager = Pager::new(Source::Octopai, window(), None);
    pager.record(1000, Some(25_000));
    assert_eq!(pager.expected(), Some(25_000));
    assert_eq!(pager.covered(), None, "its total says how much is to come");
}

#[test]
fn only_a_load_with_much_still_to_come_shows_its_first_page() {
    assert!(shows_first_page(1000, Some(1000 + FIRST_VIEW_WHEN_MORE)));
    assert!(!shows_first_page(1000, Some(FIRST_VIEW_WHEN_MORE)));
    assert!(!shows_first_page(1000, None), "nothing known of what comes");
    assert!(
        !shows_first_page(0, Some(50_000)),
        "a first page that kept nothing draws nothing new"
    );
}

#[test]
fn a_long_load_is_shown_after_its_first_page_then_at_most_every_second_while_small() {
    // Much still to come after the first page: shown at once.
    let mut views = Views::starting(0.0);
    assert!(views.offer(80.0, 1000, Some(60_000)));
    assert!(!views.offer(300.0, 4000, Some(60_000)), "not again so soon");
    assert!(views.offer(1080.0, 12_000, Some(60_000)), "a second on");
    assert!(!views.offer(1500.0, 16_000, Some(60_000)));
    // Past the copy's limit, nothing more until the end.
    assert!(!views.offer(2100.0, VIEW_AT_MOST + 1, Some(200_000)));
    assert!(!views.offer(5000.0, VIEW_AT_MOST + 1, Some(200_000)));
}

#[test]
fn a_short_load_is_shown_before_its_end_only_when_slow() {
    let mut views = Views::starting(0.0);
    assert!(
        !views.offer(40.0, 1000, Some(3000)),
        "drawn once, at its end"
    );
    assert!(!views.offer(90.0, 2000, Some(3000)));
    // A slow upstream: a second has gone by with nothing shown.
    let mut slow = Views::starting(0.0);
    assert!(!slow.offer(600.0, 1000, Some(3000)));
    assert!(slow.offer(1200.0, 2000, Some(3000)));
    assert!(!slow.offer(1800.0, 2500, Some(3000)));
    // A first page that kept nothing (a query filtering here) shows nothing.
    let mut empty = Views::starting(0.0);
    assert!(!empty.offer(2000.0, 0, Some(50_000)));
}
