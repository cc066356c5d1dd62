//! End to end: the real built app (trunk's `dist/`), served by the real
//! gateway in demo mode, reading the simulated upstreams over loopback,
//! driven in headless Chromium through chromedriver.
//!
//! Needs `dist/` (or `AUDIT_DASHBOARD_DIST`) and chromedriver
//! (`CHROMEDRIVER`, default `/usr/bin/chromedriver`); `cargo xtask test`
//! provides both. A missing piece fails the test with a message; nothing is
//! skipped.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::{Duration, Instant};

use audit_dashboard::charts;
use serde_json::{json, Value};
use support::page::{every_chart_drawn, Dashboard};
use support::{
    demo_gateway, demo_gateway_with, log_in, logged_in, logged_in_at, Browser, BOTH_LOADED,
    TABLE_ROWS,
};

#[tokio::test]
async fn login_loads_both_sources_draws_both_charts_and_lists_events_from_both() {
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    browser.client.goto(&base).await.unwrap();
    log_in(&browser, "demo-password").await;
    let started = Instant::now();
    browser
        .wait_for(
            "both sources to finish loading",
            BOTH_LOADED,
            Duration::from_secs(60),
        )
        .await;
    println!(
        "first load of the 24-hour window, from the login click: {:?}",
        started.elapsed()
    );
    assert!(browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/dashboard"));

    // Both charts carry their accessible names and are drawn from the data,
    // in the app's own colours.
    let dashboard = browser.dashboard();
    let logins = dashboard.chart("Octopai logins");
    assert!(logins.drawn_from().await > 0);
    let failed_bars = logins.bars(charts::FAILED_COLOR).await;
    let succeeded_bars = logins.bars(charts::SUCCEEDED_COLOR).await;
    assert!(
        failed_bars > 0 && succeeded_bars > 0,
        "bars for failed ({failed_bars}) and successful ({succeeded_bars}) logins"
    );
    let activity = dashboard.chart("Activity timeline");
    let events = activity.drawn_from().await;
    assert!(
        events > 1000,
        "the activity chart is drawn from the loaded events ({events})"
    );
    let lines = activity
        .lines(&[charts::OCTOPAI_COLOR, charts::CLOUDERA_COLOR])
        .await;
    assert_eq!(lines, 2, "one line per source");

    // The table shows the newest events; which source they come from depends
    // on the hour (nightly batch jobs flood Cloudera Manager), so each source
    // is checked on its own through the source filter, which the URL keeps.
    let rows = Dashboard::rows_from;
    assert!(
        browser
            .number(&format!(
                "{} + {}",
                rows("Octopai"),
                rows("Cloudera Manager")
            ))
            .await
            > 0
    );
    // The charts and tiles of one source are its load's counts summed,
    // not a count of the events again: the activity chart is drawn from
    // exactly the events the tile counts, whichever sources are shown.
    let tile_is_activity = "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, '')) \
         === Number(document.querySelector('figure[aria-label^=\"Activity timeline\"]').dataset.drawnFrom)";
    let both = browser
        .number(
            "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))",
        )
        .await;
    browser
        .wait_for(
            "the tile and the chart agree",
            tile_is_activity,
            Duration::from_secs(10),
        )
        .await;
    browser.click("#show-cloudera").await;
    browser
        .wait_for(
            "only Octopai rows",
            &format!(
                "location.search.includes('sources=octopai') && {} > 0 && {} === 0",
                rows("Octopai"),
                rows("Cloudera Manager")
            ),
            Duration::from_secs(10),
        )
        .await;
    browser
        .wait_for(
            "the tile and the chart agree, Octopai alone",
            tile_is_activity,
            Duration::from_secs(10),
        )
        .await;
    let octopai_alone = browser
        .number(
            "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))",
        )
        .await;
    browser.click("#show-cloudera").await;
    browser.click("#show-octopai").await;
    browser
        .wait_for(
            "only Cloudera Manager rows",
            &format!(
                "location.search.includes('sources=cloudera') && {} > 0 && {} === 0",
                rows("Cloudera Manager"),
                rows("Octopai")
            ),
            Duration::from_secs(10),
        )
        .await;
    browser
        .wait_for(
            "the tile and the chart agree, Cloudera Manager alone",
            tile_is_activity,
            Duration::from_secs(10),
        )
        .await;
    let cloudera_alone = browser
        .number(
            "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))",
        )
        .await;
    assert!(octopai_alone > 0 && cloudera_alone > 0);
    assert_eq!(
        octopai_alone + cloudera_alone,
        both,
        "each source's events, and both"
    );
    browser.click("#show-octopai").await;
    browser
        .wait_for(
            "both sources shown again",
            "!location.search.includes('sources=')",
            Duration::from_secs(10),
        )
        .await;
    // The tile counts every failed login of the last 24 hours: as many as
    // the generator made for that window (give or take the few seconds
    // between the demo starting and the window being pinned), the seeded
    // attacks' among them.
    let now = chrono::Utc::now();
    let expected = audit_core::analytics::totals(
        &support::demo_data(now).audit_events(now - chrono::Duration::hours(24), now),
    )
    .failed_logins as u64;
    assert!(
        expected >= simulated_upstreams::data::ATTACK_FAILED_LOGINS as u64,
        "the last 24 hours hold the seeded attacks ({expected})"
    );
    let failed_logins = dashboard.tile("failed-logins").await;
    assert!(
        failed_logins.abs_diff(expected) <= 5,
        "the tile counts the window's failed logins ({failed_logins}, the generator made {expected})"
    );

    // Only the opaque session token is stored, and only in sessionStorage.
    let stored = browser.stored().await;
    for secret in [
        "demo-password",
        "\"admin\",\"admin\"",
        "YWRtaW46YWRtaW4",
        "Basic ",
    ] {
        assert!(
            !stored.contains(secret),
            "{secret} found in browser storage: {stored}"
        );
    }
    assert_eq!(browser.number("localStorage.length").await, 0);
    assert_eq!(browser.number("sessionStorage.length").await, 1);
    assert!(
        !stored.contains("eyJ"),
        "the upstream JWT never reaches the browser"
    );

    // The range is in the URL and survives a reload.
    browser
        .script("[...document.querySelectorAll('.ranges button')].find(b => b.textContent === 'Last hour').click(); return null;")
        .await;
    browser
        .wait_for(
            "the URL to carry the range",
            "location.search === '?range=1h'",
            Duration::from_secs(10),
        )
        .await;
    browser.client.refresh().await.unwrap();
    browser
        .wait_for(
            "the reloaded dashboard",
            BOTH_LOADED,
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        browser.script("return document.querySelector('.ranges button[aria-pressed=\"true\"]').textContent;").await,
        json!("Last hour")
    );

    // Logging out clears the session.
    browser.click("#logout").await;
    browser
        .wait_for(
            "the login page",
            "location.pathname === '/login'",
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(browser.number("sessionStorage.length").await, 0);
    browser.stop().await;
}

#[tokio::test]
async fn wrong_password_gives_a_clear_error_and_stores_nothing() {
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    log_in(&browser, "not-the-password").await;
    browser
        .wait_for(
            "the error",
            "document.querySelector('[role=alert]')",
            Duration::from_secs(20),
        )
        .await;
    let message = browser.dashboard().alert().await;
    let message = message.as_str();
    assert!(message.contains("Octopai refused the login"), "{message}");
    assert!(
        message.contains("Check the user name and password"),
        "{message}"
    );
    assert!(!message.contains("not-the-password"));
    assert_eq!(
        browser
            .number("sessionStorage.length + localStorage.length")
            .await,
        0,
        "{}",
        browser.stored().await
    );
    assert_eq!(
        browser
            .script("return document.querySelector('#octopai-user').value;")
            .await,
        json!("analyst@example.com"),
        "nothing typed is lost"
    );
    assert!(browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/login"));

    // An empty password is caught before anything is sent.
    browser.type_into("#octopai-password", "x").await;
    browser
        .script("const field = document.querySelector('#cloudera-password'); field.value = ''; field.dispatchEvent(new Event('input', {bubbles: true})); return null;")
        .await;
    browser.click("#login-submit").await;
    browser
        .wait_for("the missing-field message", "document.querySelector('[role=alert]').textContent.includes('Enter your Cloudera Manager password')", Duration::from_secs(10))
        .await;
    browser.stop().await;
}

#[tokio::test]
async fn dashboard_without_a_session_sends_you_to_log_in_and_back_to_the_link() {
    // A fresh browser (or a second tab: the session lives in one tab's
    // storage) opening a shared link.
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{base}/dashboard?from=2026-11-20T00%3A00%3A00.000Z&to=2026-11-21T00%3A00%3A00.000Z&q=allowed%3D%3Dfalse&tz=utc"
        ))
        .await
        .unwrap();
    browser
        .wait_for(
            "the login page",
            "location.pathname === '/login' && document.querySelector('#octopai-user')",
            Duration::from_secs(20),
        )
        .await;
    log_in(&browser, "demo-password").await;
    browser
        .wait_for(
            "the linked view",
            &format!("location.pathname === '/dashboard' && new URLSearchParams(location.search).get('q') === 'allowed==false' && new URLSearchParams(location.search).get('from') === '2026-11-20T00:00:00.000Z' && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    assert!(browser
        .dashboard()
        .window_words()
        .await
        .starts_with("from 2026-11-20 00:00:00 +00:00 to 2026-11-21 00:00:00 +00:00"));
    browser.stop().await;
}

#[tokio::test]
async fn a_query_with_a_mistake_is_shown_and_never_sent_and_the_corrected_one_filters() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    let typed_at = browser.number(support::PAGE_CLOCK).await;

    // A mistake: an unknown selector. The diagnostic points at it, and
    // neither the URL nor the network sees the query.
    browser.type_into("#query", "usr==admin").await;
    browser
        .wait_for(
            "the diagnostic",
            "document.querySelector('.diagnostic')",
            Duration::from_secs(10),
        )
        .await;
    let diagnostic = browser.script("const d = document.querySelector('.diagnostic'); return [d.dataset.start, d.dataset.end, d.querySelector('mark').textContent, d.textContent];").await;
    assert_eq!(diagnostic[0], json!("0"));
    assert_eq!(diagnostic[1], json!("3"));
    assert_eq!(diagnostic[2], json!("usr"));
    assert!(
        diagnostic[3]
            .as_str()
            .unwrap()
            .contains("did you mean `username`?"),
        "{diagnostic}"
    );
    assert_eq!(
        browser
            .script("return document.querySelector('#query-apply').disabled;")
            .await,
        json!(true)
    );
    browser
        .script("document.querySelector('form.query-bar').requestSubmit(); return null;")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!browser
        .script("return location.search;")
        .await
        .as_str()
        .unwrap()
        .contains("q="));
    assert_eq!(
        browser
            .number(&support::data_requests_since(typed_at))
            .await,
        0,
        "a malformed query is never sent"
    );

    // Corrected: exactly the seeded brute force against Cloudera Manager's
    // admin account (15 failed logins in the last day).
    browser
        .type_into("#query", "username==admin;allowed==false")
        .await;
    browser.click("#query-apply").await;
    browser
        .wait_for(
            "the filtered load",
            &format!("location.search.includes('q=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    let rows = browser.dashboard().table_rows().await;
    assert_eq!(rows.len(), 15, "{rows:?}");
    for row in rows {
        assert_eq!(
            (
                row[1].as_str(),
                row[2].as_str(),
                row[3].as_str(),
                row[5].as_str()
            ),
            ("Cloudera Manager", "admin", "LOGIN_FAILURE", "failed")
        );
    }
    let shown = browser.dashboard().sent_query().await;
    assert!(
        shown.contains("query=username==admin;allowed==false"),
        "{shown}"
    );

    // Drill down: a row's detail shows every raw field, and a click adds a
    // field's value as a filter.
    browser
        .click("tbody tr:first-child button.open-detail")
        .await;
    browser
        .wait_for(
            "the detail",
            "document.querySelector('aside.event-detail')",
            Duration::from_secs(10),
        )
        .await;
    let fields = browser.dashboard().detail_fields().await;
    for field in [
        "timestamp",
        "service",
        "username",
        "ipAddress",
        "command",
        "allowed",
        "operationText",
    ] {
        assert!(
            fields.iter().any(|name| name == field),
            "{field} missing from {fields:?}"
        );
    }
    browser
        .click("aside.event-detail button[aria-label='Filter: ip_address==203.0.113.66']")
        .await;
    browser
        .wait_for("the added filter", &format!("document.querySelector('#query').value === 'username==admin;allowed==false;ip_address==203.0.113.66' && {BOTH_LOADED}"), Duration::from_secs(60))
        .await;
    assert_eq!(browser.dashboard().rows_drawn().await, 15);
    browser.click("#detail-close").await;
    browser
        .wait_for(
            "the detail to close",
            "!document.querySelector('aside.event-detail')",
            Duration::from_secs(10),
        )
        .await;

    // The query is part of the URL: a reload keeps it.
    browser.client.refresh().await.unwrap();
    browser
        .wait_for(
            "the reloaded, filtered view",
            BOTH_LOADED,
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        browser.dashboard().query().await,
        "username==admin;allowed==false;ip_address==203.0.113.66"
    );
    assert_eq!(browser.dashboard().rows_drawn().await, 15);
    browser.stop().await;
}

#[tokio::test]
async fn time_range_can_be_absolute_is_checked_and_times_switch_to_utc() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;

    // A reversed range is refused with a message; what was typed stays.
    let set = |id: &str, value: &str| {
        format!("const f = document.querySelector('#{id}'); f.value = '{value}'; f.dispatchEvent(new Event('input', {{bubbles: true}})); return null;")
    };
    browser.script(&set("range-from", "2026-11-21T12:00")).await;
    browser.script(&set("range-to", "2026-11-21T08:00")).await;
    browser.click("#range-apply").await;
    browser
        .wait_for(
            "the range error",
            "document.querySelector('.range-error')",
            Duration::from_secs(10),
        )
        .await;
    let message = browser
        .script("return document.querySelector('.range-error').textContent;")
        .await;
    assert!(
        message.as_str().unwrap().contains("empty or reversed"),
        "{message}"
    );
    assert_eq!(
        browser
            .script("return document.querySelector('#range-from').value;")
            .await,
        json!("2026-11-21T12:00")
    );
    assert!(!browser
        .script("return location.search;")
        .await
        .as_str()
        .unwrap()
        .contains("from="));

    // A valid absolute range (the last six hours, as shown) goes into the
    // URL, loads, and survives a reload.
    let window = browser
        .script("const to = new Date(); const from = new Date(to - 6 * 3600 * 1000); const f = d => new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); return [f(from), f(to)];")
        .await;
    browser
        .script(&set("range-from", window[0].as_str().unwrap()))
        .await;
    browser
        .script(&set("range-to", window[1].as_str().unwrap()))
        .await;
    browser.click("#range-apply").await;
    browser
        .wait_for("the absolute range", &format!("location.search.includes('from=') && location.search.includes('to=') && {BOTH_LOADED}"), Duration::from_secs(60))
        .await;
    assert_eq!(
        browser
            .number("document.querySelectorAll('.ranges button[aria-pressed=\"true\"]').length")
            .await,
        0
    );
    let url = browser.script("return location.href;").await;
    browser.client.refresh().await.unwrap();
    browser
        .wait_for(
            "the reloaded absolute range",
            BOTH_LOADED,
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(browser.script("return location.href;").await, url);

    // Local time first (the browser runs in New York, -05:00 in November),
    // then UTC everywhere: the window line and every time in the table.
    let local_times = browser.dashboard().times().await;
    assert!(!local_times.is_empty());
    assert!(
        local_times.iter().all(|t| t.ends_with("-05:00")),
        "{local_times:?}"
    );
    // The charts' words, an open data table and an open event's detail
    // say their times in the same zone. The buckets (ten minutes here) are
    // the same instants in both zones, so only the zone itself changes.
    browser
        .click(".chart[data-chart] details.data-table summary")
        .await;
    browser
        .click("tbody tr:first-child button.open-detail")
        .await;
    let zones = |zone: &str| {
        format!(
            "(() => {{ \
               const labels = [...document.querySelectorAll('.chart figure')].map(f => f.getAttribute('aria-label')); \
               const cells = [...document.querySelectorAll('details.data-table[open] tbody td')].slice(0, 2).map(td => td.textContent); \
               const detail = document.querySelector('aside.event-detail h2')?.textContent ?? ''; \
               return labels.length > 0 && labels.every(l => l.includes('{zone}')) \
                 && cells.length === 2 && cells.every(c => c.endsWith('{zone}')) && detail.endsWith('{zone}'); \
             }})()"
        )
    };
    browser
        .wait_for(
            "charts, a data table and a detail in local time",
            &zones("-05:00"),
            Duration::from_secs(20),
        )
        .await;
    // The open detail lies over the switch, so the switch is clicked in
    // the page itself rather than through the pointer.
    browser
        .script("document.querySelector('#utc-switch').click();")
        .await;
    browser.wait_for("UTC times", "location.search.includes('tz=utc') && document.querySelector('.range-picker .window').textContent.includes('+00:00')", Duration::from_secs(20)).await;
    let times = browser.dashboard().times().await;
    assert!(!times.is_empty());
    assert!(times.iter().all(|t| t.ends_with("+00:00")), "{times:?}");
    browser
        .wait_for(
            "charts, a data table and a detail in UTC",
            &zones("+00:00"),
            Duration::from_secs(10),
        )
        .await;

    // A link with a broken range says so and loads nothing.
    browser
        .client
        .goto(&format!(
            "{base}/dashboard?from=yesterday&to=2026-11-21T00:00:00Z"
        ))
        .await
        .unwrap();
    browser
        .wait_for(
            "the link problem",
            "document.querySelector('.blocked')",
            Duration::from_secs(20),
        )
        .await;
    let alert = browser.dashboard().alert().await;
    assert!(alert.contains("cannot be used"), "{alert}");
    browser.stop().await;
}

/// Cloudera Manager's progress text, in the page.
const CM_PROGRESS: &str = "[...document.querySelectorAll('.progress-text')].map(p => p.textContent).find(t => t.startsWith('Cloudera Manager')) || ''";

/// Watches, in the page, a load just started until both sources have
/// loaded: every number of events the table held before that, and the
/// first time Cloudera Manager's events were drawn while it still loaded,
/// its progress text and bar then.
const WATCH_LOAD: &str = r#"
const done = arguments[arguments.length - 1];
const both = () => document.querySelectorAll('.load-progress[data-finished="true"]').length === 2;
const rows = () => Number(document.querySelector('table.event-table[data-rows]')?.dataset.rows || 0);
const cm = () => [...document.querySelectorAll('.load-progress')].find(p => p.textContent.startsWith('Cloudera Manager'));
const seen = []; let early = null;
const watch = () => {
  if (both()) { done({ seen, early, all: rows() }); return; }
  const held = rows();
  if (held > 0 && seen[seen.length - 1] !== held) seen.push(held);
  const progress = cm();
  const cmRows = document.querySelectorAll('tr[data-source="Cloudera Manager"]').length;
  if (!early && progress && progress.dataset.finished === 'false' && cmRows > 0) {
    early = { text: progress.textContent, bar: progress.querySelector('progress').getAttribute('value') };
  }
  requestAnimationFrame(watch);
};
requestAnimationFrame(watch);
"#;

/// Logged in with each simulated page answering 300 ms late (a week takes
/// seconds, its first events come after several frames), the day loaded;
/// then the last 7 days chosen, the load watched in the page by `watch`.
async fn a_slow_week_watched(watch: &str) -> (support::Browser, Value) {
    let base = demo_gateway_with(&["--demo-upstream-delay-ms", "300"]).await;
    let browser = logged_in(&base).await;
    browser
        .client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(90)),
            None,
            None,
        ))
        .await
        .expect("the script timeout raised");
    browser
        .script("[...document.querySelectorAll('.ranges button')].find(b => b.textContent === 'Last 7 days').click(); return null;")
        .await;
    let watched = browser
        .client
        .execute_async(watch, vec![])
        .await
        .expect("the load watched in the page");
    (browser, watched)
}

#[tokio::test]
async fn a_long_load_shows_what_it_holds_while_the_rest_comes() {
    let (browser, watched) = a_slow_week_watched(WATCH_LOAD).await;
    // Cloudera Manager's first page was drawn while it still loaded, its
    // progress saying how much of the week it had covered.
    let early = &watched["early"];
    let text = early["text"]
        .as_str()
        .unwrap_or_else(|| panic!("nothing drawn before the end: {watched}"));
    assert!(text.contains("of the window's time covered"), "{text}");
    let covered: f64 = early["bar"]
        .as_str()
        .unwrap_or_else(|| panic!("the bar says how far it is: {text}"))
        .parse()
        .unwrap();
    assert!(
        covered > 0.0 && covered < 1.0,
        "{covered} of the week: {text}"
    );
    // What was shown grew while the load went on (its first page, then
    // every second), each time part of the week.
    let all = watched["all"].as_u64().unwrap();
    let seen: Vec<u64> = serde_json::from_value(watched["seen"].clone()).unwrap();
    assert!(
        seen.len() >= 2,
        "shown more than once before the end: {seen:?} of {all}"
    );
    assert!(
        seen.windows(2).all(|pair| pair[0] < pair[1]) && seen.iter().all(|&held| held < all),
        "{seen:?} of {all}"
    );
    let cm_progress = CM_PROGRESS;
    let text = browser.script(&format!("return {cm_progress};")).await;
    assert!(text.as_str().unwrap().contains("events loaded"), "{text}");
    browser.stop().await;
}

/// Watches the charts at every frame of a load: how many frames had charts
/// marked busy, how many busy charts held a drawing, what the tiles and
/// the empty table said meanwhile, and at the end how many charts are
/// drawn, how many behind their data (out of sight: painted when near,
/// their canvas hidden till then), how many still busy, and the tiles.
const WATCH_CHARTS: &str = r#"
const done = arguments[arguments.length - 1];
const started = performance.now();
const drawn = canvas => {
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let at = 3; at < pixels.length; at += 4) if (pixels[at] !== 0) return true;
  return false;
};
const tiles = () => [...document.querySelectorAll('#overview .value')].map(v => v.textContent);
let busyFrames = 0, drawnWhileBusy = 0;
const tilesWhileBusy = new Set(), tableWhileBusy = new Set(), tilesBusy = new Set();
const watch = () => {
  const figures = [...document.querySelectorAll('#charts figure')];
  const busy = figures.filter(f => f.getAttribute('aria-busy') === 'true');
  if (busy.length) {
    busyFrames += 1;
    drawnWhileBusy += busy.filter(f => drawn(f.querySelector('canvas'))).length;
    tiles().forEach(value => tilesWhileBusy.add(value));
    tilesBusy.add(document.querySelector('#overview').getAttribute('aria-busy'));
    const empty = document.querySelector('#events p.empty');
    tableWhileBusy.add(empty ? empty.textContent : 'rows');
  }
  const finished = document.querySelectorAll('.load-progress[data-finished="true"]').length === 2;
  if ((busyFrames > 0 && finished && !busy.length) || performance.now() - started > 60000) {
    done({ busyFrames, drawnWhileBusy, figures: figures.length, busyAtEnd: busy.length,
      drawnAtEnd: figures.filter(f => !f.hasAttribute('data-behind') && drawn(f.querySelector('canvas'))).length,
      behindAtEnd: figures.filter(f => f.hasAttribute('data-behind')).length,
      tilesWhileBusy: [...tilesWhileBusy], tilesBusy: [...tilesBusy], tableWhileBusy: [...tableWhileBusy],
      tilesAtEnd: tiles() });
  } else {
    requestAnimationFrame(watch);
  }
};
requestAnimationFrame(watch);
"#;

#[tokio::test]
async fn charts_tiles_and_table_wait_for_a_load_rather_than_show_an_empty_window() {
    // The day is loaded and drawn; the week's load starts over.
    let (browser, watched) = a_slow_week_watched(WATCH_CHARTS).await;
    let number = |key: &str| watched[key].as_u64().unwrap_or_default();
    assert!(number("figures") >= 7, "{watched}");
    // While nothing of the week had come, every chart was busy and blank
    // (the day's drawing wiped, no empty week drawn), the tiles counted
    // nothing (no zeros) and the table said its events were coming...
    assert!(number("busyFrames") >= 3, "{watched}");
    assert_eq!(number("drawnWhileBusy"), 0, "{watched}");
    assert_eq!(watched["tilesWhileBusy"], json!(["…"]), "{watched}");
    assert_eq!(watched["tilesBusy"], json!(["true"]), "{watched}");
    assert_eq!(
        watched["tableWhileBusy"],
        json!(["Loading the events of this time range…"]),
        "{watched}"
    );
    // ...and once the week is loaded, every chart in sight is drawn, every
    // other one is drawn as it comes into sight, and every tile counts.
    assert_eq!(number("busyAtEnd"), 0, "{watched}");
    assert_eq!(
        number("drawnAtEnd") + number("behindAtEnd"),
        number("figures"),
        "{watched}"
    );
    every_chart_drawn(&browser, "every chart, brought into sight").await;
    let tiles: Vec<String> = serde_json::from_value(watched["tilesAtEnd"].clone()).unwrap();
    assert!(
        tiles.len() == 6
            && tiles
                .iter()
                .all(|value| value.chars().all(|c| c.is_ascii_digit() || c == ',')),
        "{watched}"
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_long_load_shows_its_progress_and_can_be_cancelled_keeping_what_arrived() {
    // Each simulated page answers 300 ms late, so 30 days take many seconds.
    let base = demo_gateway_with(&["--demo-upstream-delay-ms", "300"]).await;
    let browser = logged_in(&base).await;

    browser
        .script("[...document.querySelectorAll('.ranges button')].find(b => b.textContent === 'Last 30 days').click(); return null;")
        .await;
    let cm_progress = CM_PROGRESS;
    browser
        .wait_for(
            "Cloudera Manager to be a few pages in",
            &format!("/loading… [\\d,]+ events so far, \\d+% of the window's time covered \\(([3-9]|\\d\\d+) pages, [\\d,]+ events\\/s\\)/.test({cm_progress}) && document.querySelector('#cancel-load')"),
            Duration::from_secs(30),
        )
        .await;
    browser.click("#cancel-load").await;
    browser
        .wait_for(
            "the cancelled state",
            "document.querySelector('.cancelled')",
            Duration::from_secs(10),
        )
        .await;
    browser
        .wait_for(
            "the cancel button to go",
            "!document.querySelector('#cancel-load')",
            Duration::from_secs(10),
        )
        .await;
    let cancelled = browser.dashboard().cancelled().await;
    let cancelled_cm = cancelled
        .iter()
        .find(|text| text.starts_with("Cloudera Manager"))
        .unwrap_or_else(|| panic!("Cloudera Manager was not cancelled: {cancelled:?}"))
        .to_owned();
    let kept: u64 = cancelled_cm
        .split("after ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        kept >= 3000,
        "three or more pages were kept: {cancelled_cm}"
    );
    let rows = browser
        .number("document.querySelectorAll('tr[data-source=\"Cloudera Manager\"]').length")
        .await;
    assert!(rows > 0, "what arrived before the cancel is shown");

    // Loading again fetches the whole window.
    browser
        .script("[...document.querySelectorAll('.cancelled')].find(c => c.textContent.startsWith('Cloudera Manager')).querySelector('button').click(); return null;")
        .await;
    browser
        .wait_for(
            "Cloudera Manager to finish",
            &format!("/events loaded/.test({cm_progress})"),
            Duration::from_secs(60),
        )
        .await;
    let text = browser.script(&format!("return {cm_progress};")).await;
    let loaded: u64 = text
        .as_str()
        .unwrap()
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(loaded > kept, "{loaded} loaded after {kept} kept");
    browser.stop().await;
}

#[tokio::test]
async fn an_in_query_runs_one_request_per_value_shows_them_and_merges_the_answers() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    browser
        .type_into("#query", "username=in=(admin,tariq.kim);allowed==false")
        .await;
    browser.click("#query-apply").await;
    browser
        .wait_for(
            "the IN query's load",
            &format!("location.search.includes('q=username%3Din%3D') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    let sent = json!(browser.dashboard().sent_queries().await);
    assert_eq!(
        sent,
        json!([
            "query=username==admin;allowed==false",
            "query=username==tariq.kim;allowed==false"
        ])
    );
    assert!(browser
        .dashboard()
        .sent_query()
        .await
        .contains("2 requests, merged without duplicates"));
    // Only the two users' refused events, from both answers.
    let rows = browser
        .script("return [...document.querySelectorAll('table.event-table tbody tr')].map(r => [r.cells[2].textContent, r.cells[5].textContent]);")
        .await;
    let rows = rows.as_array().unwrap();
    let users: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(
        users.into_iter().collect::<Vec<_>>(),
        ["admin", "tariq.kim"],
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .all(|r| matches!(r[1].as_str(), Some("failed" | "denied"))));
    let held = browser.number(TABLE_ROWS).await;
    assert!(
        held >= 35,
        "15 admin failures and 20 denials at least: {held}"
    );

    // The applied constraints are chips; removing one rewrites the query.
    let chips = json!(browser.dashboard().chips().await);
    assert_eq!(
        chips,
        json!(["username=in=(admin,tariq.kim)", "allowed==false"])
    );
    browser
        .click("li.chip button[aria-label='Remove allowed==false']")
        .await;
    browser
        .wait_for(
            "the query without the removed chip",
            &format!("document.querySelector('#query').value === 'username=in=(admin,tariq.kim)' && !location.search.includes('allowed') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;

    // Completion offers selectors, and values seen in the loaded events.
    browser.type_into("#query", "allowed==false;us").await;
    let offered = browser.dashboard().suggestions().await;
    assert_eq!(offered, ["allowed==false;username=="]);
    browser.type_into("#query", "username==adm").await;
    let offered = browser.dashboard().suggestions().await;
    assert_eq!(offered, ["username==admin"]);

    // A list with a mistake is marked where it is and nothing is sent.
    browser
        .type_into("#query", "username=in=(admin,,tariq.kim)")
        .await;
    let marked = browser
        .script("const m = document.querySelector('.diagnostic'); return m ? [m.dataset.start, m.textContent] : null;")
        .await;
    assert_eq!(marked[0], "19", "{marked}");
    assert!(
        marked[1].as_str().unwrap().contains("empty value"),
        "{marked}"
    );
    assert!(browser
        .script("return document.querySelector('#query-apply').disabled;")
        .await
        .as_bool()
        .unwrap());
    browser.stop().await;
}

#[tokio::test]
async fn a_load_past_the_cap_keeps_the_newest_and_says_so() {
    let base = demo_gateway().await;
    // What the last 24 hours hold follows from the generator for this run's
    // reference instant: the cap goes just above Octopai's count, so only
    // Cloudera Manager passes it.
    let now = chrono::Utc::now();
    let data = support::demo_data(now);
    let day_ago = now - chrono::Duration::hours(24);
    let octopai_in_window = data.octopai_in(day_ago, now).len();
    let cloudera_in_window = data.cloudera_in(day_ago, now).len();
    let cap = (octopai_in_window + 1).max(100);
    assert!(
        cloudera_in_window > cap + 1_000,
        "the demo data for {} should put Cloudera Manager's last 24 hours ({cloudera_in_window}) well past a cap of {cap} set above Octopai's {octopai_in_window}",
        support::demo_reference()
    );
    let browser = logged_in_at(&base, &format!("/dashboard?range=24h&cap={cap}")).await;
    let said = browser.dashboard().capped().await;
    assert_eq!(
        said.len(),
        1,
        "only Cloudera Manager has more than {cap}: {said:?}"
    );
    let said = said[0].as_str();
    let prefix = format!(
        "Cloudera Manager: showing the newest {} of at least ",
        thousands(cap)
    );
    let at_least: usize = said
        .strip_prefix(&prefix)
        .and_then(|rest| rest.split(' ').next())
        .map(|number| number.replace(',', ""))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("expected `{prefix}N events…`, got {said:?}"));
    assert!(
        at_least > cap && at_least <= cloudera_in_window,
        "{said:?}: at least {at_least}, with {cloudera_in_window} in the window"
    );
    // The newest are the ones held, and every Octopai event of the window.
    let cloudera_rows = browser
        .number(&Dashboard::rows_from("Cloudera Manager"))
        .await;
    assert!(cloudera_rows > 0);
    let events = browser
        .number(
            "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))",
        )
        .await;
    let octopai = browser
        .number("Number(document.querySelector('.load-progress .progress-text').textContent.match(/([\\d,]+) events loaded/)[1].replace(/,/g, ''))")
        .await;
    let octopai = usize::try_from(octopai).unwrap();
    // The browser's window ends a few seconds after the data does, so it may
    // miss the few events at the window's oldest edge, never more.
    assert!(
        octopai <= octopai_in_window && octopai + 10 >= octopai_in_window,
        "{octopai} Octopai events loaded, {octopai_in_window} generated in the window"
    );
    assert_eq!(
        usize::try_from(events).unwrap(),
        cap + octopai,
        "{cap} audits and every Octopai event"
    );
    browser.stop().await;
}

/// `1625` as the page writes it: `1,625`.
fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[tokio::test]
async fn the_table_sorts_by_any_column_and_draws_only_the_rows_in_sight() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    let total = browser.number(TABLE_ROWS).await;
    assert!(total > 1000, "{total}");
    let drawn = browser.dashboard().rows_drawn().await;
    assert!(
        drawn < 50,
        "only rows in sight are in the DOM: {drawn} of {total}"
    );

    // Scrolled to the end, the last row is drawn (and the first is not).
    browser
        .script("const s = document.querySelector('.table-scroll'); s.scrollTop = s.scrollHeight; return true;")
        .await;
    browser
        .wait_for(
            "the last rows",
            &format!("[...document.querySelectorAll('table.event-table tbody tr')].some(r => r.getAttribute('aria-rowindex') === '{total}')"),
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(
        browser
            .number("document.querySelectorAll('table.event-table tbody tr[aria-rowindex=\"1\"]').length")
            .await,
        0
    );

    // Sorting by user, A to Z, then Z to A, from the top.
    browser
        .script("document.querySelector('.table-scroll').scrollTop = 0; return true;")
        .await;
    browser.click("button.sort[data-column='User']").await;
    browser
        .wait_for(
            "the sort by user",
            "document.querySelector('#events-caption').textContent.includes('by user, A to Z')",
            Duration::from_secs(10),
        )
        .await;
    let ascending = shown_users(&browser).await;
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted);
    browser.click("button.sort[data-column='User']").await;
    browser
        .wait_for(
            "the reverse sort",
            "document.querySelector('#events-caption').textContent.includes('by user, Z to A')",
            Duration::from_secs(10),
        )
        .await;
    let descending = shown_users(&browser).await;
    let mut sorted = descending.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(descending, sorted);
    assert_ne!(ascending.first(), descending.first());
    assert_eq!(
        browser
            .script("return document.querySelector('table.event-head th[aria-sort=\"descending\"]').textContent;")
            .await,
        json!("User ▼")
    );
    browser.stop().await;
}

/// The user column of the rows drawn, top to bottom.
async fn shown_users(browser: &support::Browser) -> Vec<String> {
    browser.dashboard().column(2).await
}

#[tokio::test]
async fn an_export_holds_every_event_shown_its_manifest_checks_it_and_formulas_are_neutralised() {
    let base = demo_gateway_with(&["--demo-hostile"]).await;
    let browser = logged_in(&base).await;
    browser.catch_downloads().await;
    browser.click("#export-csv").await;
    let checked = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             (async () => { \
               const [csv, manifest] = await Promise.all(window.__saved.map(b => b.text())); \
               const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(csv)); \
               const hex = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join(''); \
               const m = JSON.parse(manifest); \
               done({ types: window.__saved.map(b => b.type), rows: m.rows, complete: m.complete, \
                      sha: m.sha256 === hex, header: csv.split('\\r\\n')[0], \
                      neutralised: csv.includes(\"'=HYPERLINK\"), \
                      raw_formula: csv.split('\\r\\n').some(line => line.split(',').some(cell => cell.startsWith('=') || cell.startsWith('\"='))), \
                      sources: m.sources, start: m.window_start }); \
             })().catch(e => done('error: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        checked["types"],
        json!(["text/csv", "application/json"]),
        "{checked}"
    );
    let shown = browser.number(TABLE_ROWS).await;
    assert_eq!(checked["rows"], shown, "every event shown is in the file");
    assert_eq!(checked["complete"], true);
    assert_eq!(checked["sha"], true, "the manifest's SHA-256 is the file's");
    assert_eq!(
        checked["header"],
        "time,source,user,ip_address,kind,action,target,outcome,detail,id"
    );
    assert_eq!(checked["neutralised"], true, "{checked}");
    assert_eq!(checked["raw_formula"], false, "no cell starts a formula");
    assert_eq!(checked["sources"], json!(["Octopai", "Cloudera Manager"]));
    browser.stop().await;
}

#[tokio::test]
async fn looking_up_a_user_tells_their_story_across_both_sources_once_mapped() {
    let base = demo_gateway().await;
    let browser = logged_in_at(&base, "/dashboard?range=7d").await;
    browser.type_into("#lookup", "lucas.kim@example.com").await;
    browser.click("#lookup-go").await;
    browser
        .wait_for(
            "the lookup",
            "new URLSearchParams(location.search).get('who') === 'lucas.kim@example.com' && document.querySelector('.lookup-panel')",
            Duration::from_secs(20),
        )
        .await;
    let octopai_only = browser.number(TABLE_ROWS).await;
    assert!(octopai_only > 0);
    assert!(shown_users(&browser)
        .await
        .iter()
        .all(|user| user == "lucas.kim@example.com"));
    // The streak's address is among the addresses, with first and last seen.
    let addresses = browser
        .script("return [...document.querySelectorAll('table.addresses tbody tr td:first-child')].map(td => td.textContent);")
        .await;
    assert!(
        addresses.as_array().unwrap().contains(&json!("192.0.2.44")),
        "{addresses}"
    );
    // Nothing from Cloudera Manager until the mapping is chosen.
    let counts = browser.dashboard().lookup_counts().await;
    assert!(counts.contains(", 0 Cloudera Manager)"), "{counts}");
    browser.click("#alias-on").await;
    browser
        .wait_for(
            "the mapped identity",
            "new URLSearchParams(location.search).get('alias') === 'lucas.kim' && document.querySelector('#alias-off')",
            Duration::from_secs(20),
        )
        .await;
    let counts = browser.dashboard().lookup_counts().await;
    let numbers: Vec<u64> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect();
    // "{all} events ({octopai} Octopai, {cloudera} Cloudera Manager), …"
    assert!(
        numbers[2] > 0,
        "Cloudera Manager events once mapped: {counts}"
    );
    assert_eq!(numbers[0], numbers[1] + numbers[2], "{counts}");
    assert_eq!(
        browser.number(TABLE_ROWS).await,
        numbers[0],
        "one timeline of both"
    );
    assert_eq!(numbers[1], octopai_only);
    // The story's times follow the display zone (local is New York's).
    let seen = "[...document.querySelectorAll('table.addresses tbody tr td:nth-child(2)')].map(td => td.textContent)";
    let in_zone = |zone: &str| {
        format!("(() => {{ const t = {seen}; return t.length > 0 && t.every(x => x.endsWith('{zone}')); }})()")
    };
    browser
        .wait_for(
            "the story in local time",
            &in_zone("-05:00"),
            Duration::from_secs(10),
        )
        .await;
    browser.click("#utc-switch").await;
    browser
        .wait_for(
            "the story in UTC",
            &in_zone("+00:00"),
            Duration::from_secs(20),
        )
        .await;
    browser.click("#lookup-close").await;
    browser
        .wait_for(
            "all events again",
            "!location.search.includes('who=') && !document.querySelector('.lookup-panel')",
            Duration::from_secs(20),
        )
        .await;
    browser.stop().await;
}

#[tokio::test]
async fn a_copied_link_opened_in_a_fresh_browser_shows_the_same_events_after_login() {
    let base = demo_gateway().await;
    let browser = logged_in_at(&base, "/dashboard?range=24h&q=allowed%3D%3Dfalse").await;
    browser.click("#copy-link").await;
    browser
        .wait_for(
            "the copied link",
            "document.querySelector('.copied-link input')",
            Duration::from_secs(10),
        )
        .await;
    let link = browser
        .script("return document.querySelector('.copied-link input').value;")
        .await;
    let link = link.as_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("{base}/dashboard?from=")),
        "frozen: {link}"
    );
    assert!(link.contains("q=allowed"), "{link}");
    let rows = TABLE_ROWS;
    let shown = browser.number(rows).await;
    let first_row = browser
        .script("return document.querySelector('table.event-table tbody tr').textContent;")
        .await;
    browser.stop().await;

    let fresh = Browser::start().await;
    fresh.client.goto(&link).await.unwrap();
    fresh
        .wait_for(
            "the login page",
            "location.pathname === '/login' && document.querySelector('#octopai-user')",
            Duration::from_secs(20),
        )
        .await;
    log_in(&fresh, "demo-password").await;
    fresh
        .wait_for(
            "the shared view",
            &format!("location.search.includes('from=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(fresh.number(rows).await, shown, "the same events");
    assert_eq!(
        fresh
            .script("return document.querySelector('table.event-table tbody tr').textContent;")
            .await,
        first_row
    );
    fresh.stop().await;
}

#[tokio::test]
async fn the_usage_panel_shows_active_users_sessions_and_the_seeded_top_pages() {
    let base = demo_gateway().await;
    let browser = logged_in_at(&base, "/dashboard?range=7d").await;
    // Usage is counted once the panel is opened, not before.
    assert_eq!(
        browser
            .number("document.querySelectorAll('.usage-counts, #usage section.chart').length")
            .await,
        0,
        "nothing of the closed panel is built"
    );
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "the usage figures",
            "document.querySelector('.usage-counts') !== null",
            Duration::from_secs(20),
        )
        .await;
    let usage = browser
        .script(
            "return { counts: document.querySelector('.usage-counts').textContent, \
                      pages: [...document.querySelectorAll('.top-pages li code')].map(c => c.textContent), \
                      paths: document.querySelectorAll('.page-sequences li').length };",
        )
        .await;
    let pages = usage["pages"].as_array().unwrap();
    assert!(!pages.is_empty(), "{usage}");
    // The demo's pages are the generator's own.
    for page in pages {
        assert!(page.as_str().unwrap().starts_with('/'), "{usage}");
    }
    assert!(usage["paths"].as_u64().unwrap() > 0, "{usage}");
    let counts = usage["counts"].as_str().unwrap();
    assert!(
        counts.contains("last 7 days:") && counts.contains("sessions"),
        "{counts}"
    );
    // Stickiness: DAU/MAU for each day of the week, said to count only the
    // loaded days of each month, and the power-user curve.
    let sticky = browser
        .script(
            "return { summary: document.querySelector('.stickiness-summary').textContent, \
                      days: [...document.querySelectorAll('.stickiness-days tbody tr')].map(r => [...r.cells].map(c => c.textContent)), \
                      curve: [...document.querySelectorAll('.power-users tbody tr td')].map(c => Number(c.textContent.replace(',', ''))) };",
        )
        .await;
    let summary = sticky["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("DAU/MAU on the last day:")
            && summary.contains("open the last 30 days"),
        "{summary}"
    );
    let days = sticky["days"].as_array().unwrap();
    assert!((7..=8).contains(&days.len()), "{sticky}");
    for day in days {
        let cells: Vec<&str> = day
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let dau: u64 = cells[1].replace(',', "").parse().unwrap();
        let mau: u64 = cells[2]
            .trim_end_matches(" *")
            .replace(',', "")
            .parse()
            .unwrap();
        assert!(dau <= mau, "{cells:?}");
    }
    let curve: Vec<u64> = serde_json::from_value(sticky["curve"].clone()).unwrap();
    assert_eq!(curve.len(), 7);
    assert!(
        curve.iter().sum::<u64>() >= 25,
        "most of the demo's 50 users: {curve:?}"
    );

    // Page loads and active users over time, drawn and tabulated per bucket.
    support::open_data_tables(&browser).await;
    let charts = browser
        .script(
            "return ['page-loads', 'active-users'].map(name => { \
               const chart = document.querySelector(`#usage section.chart[data-chart=\"${name}\"]`); \
               const rows = [...chart.querySelectorAll('details.data-table tbody tr')]; \
               return { rows: rows.length, \
                        loads: rows.reduce((sum, row) => sum + Number(row.cells[2].textContent), 0), \
                        users: Math.max(...rows.map(row => Number(row.cells[3].textContent))) }; });",
        )
        .await;
    let dashboard = browser.dashboard();
    for (title, color) in [
        ("Page loads", charts::OCTOPAI_COLOR),
        ("Active users", charts::USERS_COLOR),
    ] {
        assert_eq!(dashboard.chart(title).lines(&[color]).await, 1, "{title}");
    }
    for chart in charts.as_array().unwrap() {
        // A week in buckets of a few hours.
        assert!(chart["rows"].as_u64().unwrap() >= 7, "{charts}");
        assert!(chart["loads"].as_u64().unwrap() > 1000, "{charts}");
        // Most of the 50 demo users are active in the busiest bucket.
        assert!(chart["users"].as_u64().unwrap() >= 25, "{charts}");
    }

    // A shorter idle timeout splits visits into more sessions; it lives in
    // the URL, and nothing is loaded again.
    let sessions = |counts: &str| -> u64 {
        let before = counts.split(" sessions").next().unwrap();
        before
            .rsplit(' ')
            .next()
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap()
    };
    let at_30 = sessions(counts);
    let changed_at = browser.number(support::PAGE_CLOCK).await;
    browser.type_into("#idle-minutes", "5").await;
    browser.click("#idle-apply").await;
    browser
        .wait_for(
            "the 5-minute timeout",
            "location.search.includes('idle=5') && document.querySelector('.usage-counts').textContent.includes('a pause of 5 minutes')",
            Duration::from_secs(20),
        )
        .await;
    let counts = browser.dashboard().usage_counts().await;
    let at_5 = sessions(&counts);
    assert!(at_5 > at_30, "{at_5} sessions at 5 minutes, {at_30} at 30");
    assert_eq!(
        browser
            .number(&support::data_requests_since(changed_at))
            .await,
        0,
        "a new timeout is computed from the loaded events"
    );
    // A bad timeout is refused, kept as typed, and changes nothing.
    browser.type_into("#idle-minutes", "half an hour").await;
    browser.click("#idle-apply").await;
    let refused = browser
        .script(
            "return [document.querySelector('#idle-error')?.textContent ?? '', \
                     document.querySelector('#idle-minutes').value, location.search.includes('idle=5')];",
        )
        .await;
    assert!(
        refused[0].as_str().unwrap().contains("1 to 1440"),
        "{refused}"
    );
    assert_eq!(refused[1], "half an hour");
    assert_eq!(refused[2], true);
    // A day, then a minute less: a change that most likely splits no
    // visit otherwise, so the counts may stay as they were; the figures
    // still show the new number.
    for minutes in ["1440", "1439", "5"] {
        browser.type_into("#idle-minutes", minutes).await;
        browser.click("#idle-apply").await;
        browser
            .wait_for(
                &format!("the {minutes}-minute timeout"),
                &format!("location.search.includes('idle={minutes}') && document.querySelector('.usage-counts').textContent.includes('a pause of {minutes} minutes')"),
                Duration::from_secs(20),
            )
            .await;
    }

    // Pages are counted by route: the records a page names are grouped
    // (`/lineage/:id`), the rule is shown, and turning it off regroups
    // from the loaded events, no request made.
    let top_pages = "[...document.querySelectorAll('.top-pages li code')].map(c => c.textContent)";
    let routed = browser.script(&format!("return {top_pages};")).await;
    let routed: Vec<String> = serde_json::from_value(routed).unwrap();
    assert!(
        routed
            .iter()
            .any(|page| page.ends_with("/:id") || page.contains("/:id/")),
        "{routed:?}"
    );
    assert!(
        routed
            .iter()
            .all(|page| !page.chars().any(|c| c.is_ascii_digit())),
        "{routed:?}"
    );
    let words = browser.dashboard().text("#route-rule-words").await;
    assert!(
        words.contains("numbers, UUIDs or runs of 8 or more hex digits"),
        "{words}"
    );
    let changed_at = browser.number(support::PAGE_CLOCK).await;
    browser.click("#route-numbers").await;
    browser.click("#route-uuids").await;
    browser.type_into("#route-hex", "0").await;
    browser.click("#route-apply").await;
    browser
        .wait_for(
            "pages as recorded",
            &format!("location.search.includes('routes=off') && !{top_pages}.some(page => page.includes(':id')) \
                && document.querySelector('#route-rule-words').textContent.includes('as recorded')"),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(
        browser
            .number(&support::data_requests_since(changed_at))
            .await,
        0,
        "regrouped here"
    );
    // A bad hex length is refused, kept as typed, and changes nothing.
    browser.type_into("#route-hex", "2").await;
    browser.click("#route-apply").await;
    let refused = browser
        .script(
            "return [document.querySelector('#route-error')?.textContent ?? '',                      document.querySelector('#route-hex').value, location.search.includes('routes=off')];",
        )
        .await;
    assert!(
        refused[0].as_str().unwrap().contains("4 to 64"),
        "{refused}"
    );
    assert_eq!(refused[1], "2");
    assert_eq!(refused[2], true);

    // A funnel: people reaching each step in order, fewer at each; a
    // step's count narrows the view to its people; kept in the URL.
    browser.type_into("#funnel-input", "login").await;
    browser.click("#funnel-apply").await;
    let error = browser.dashboard().text("#funnel-error").await;
    assert!(error.contains("2 to 5 steps"), "{error}");
    browser
        .type_into("#funnel-input", "login > /lineage > /help")
        .await;
    browser.click("#funnel-apply").await;
    browser
        .wait_for(
            "the funnel",
            "location.search.includes('funnel=') && document.querySelectorAll('#funnel-steps tbody tr').length === 3",
            Duration::from_secs(20),
        )
        .await;
    let people = browser
        .script("return [...document.querySelectorAll('#funnel-steps button.funnel-people')].map(b => Number(b.textContent.replace(',', '')));")
        .await;
    let people: Vec<u64> = serde_json::from_value(people).unwrap();
    assert!(
        people[0] >= 25 && people.windows(2).all(|p| p[0] >= p[1]),
        "{people:?}"
    );
    assert!(people[2] > 0, "{people:?}");
    let events_before = browser.dashboard().tile("tile-events").await;
    browser
        .click("#funnel-steps tbody tr:nth-child(3) button.funnel-people")
        .await;
    browser
        .wait_for(
            "narrowed to the last step's people",
            "location.search.includes('people=') && !!document.querySelector('#people-narrowing')",
            Duration::from_secs(20),
        )
        .await;
    let narrowed = browser.dashboard().text("#people-narrowing").await;
    assert!(
        narrowed.contains(&format!("{} people", people[2])),
        "{narrowed}"
    );
    assert!(browser.dashboard().tile("tile-events").await < events_before);
    browser.click("#people-clear").await;
    browser
        .wait_for(
            "everyone again",
            "!location.search.includes('people=')",
            Duration::from_secs(20),
        )
        .await;
    browser.stop().await;
}

/// The comparison table's rows as `figure → [now, before, change]`.
const COMPARED: &str = "const t = document.querySelector('#comparison-table'); \
    return { from: t.dataset.from, to: t.dataset.to, rows: Object.fromEntries([...t.querySelectorAll('tbody tr')] \
    .map(r => [r.dataset.figure, [r.querySelector('.now').textContent, r.querySelector('.before').textContent, r.querySelector('.change').textContent]])) };";

/// `1,625` as a number.
fn counted(text: &Value) -> f64 {
    text.as_str()
        .unwrap_or_default()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text}"))
}

#[tokio::test]
async fn retention_a_funnel_and_the_previous_period_render_with_tables_and_survive_a_reload() {
    let base = demo_gateway().await;
    let browser = logged_in_at(&base, "/dashboard?range=7d&tz=utc").await;
    browser.click("details#usage summary").await;
    // The week before, loaded beside this one: every figure against it.
    browser
        .wait_for(
            "the comparison",
            "!!document.querySelector('#comparison-table')",
            Duration::from_secs(60),
        )
        .await;
    let compared = browser.script(COMPARED).await;
    let rows = &compared["rows"];
    for figure in ["daily", "weekly", "monthly", "sessions", "page-loads"] {
        let (now, before) = (counted(&rows[figure][0]), counted(&rows[figure][1]));
        assert!(now > 0.0 && before > 0.0, "{figure}: {compared}");
        let change = (now - before) / before * 100.0;
        let said = rows[figure][2].as_str().unwrap();
        let expected = match change {
            c if c.abs() < 0.5 => "no change".to_owned(),
            c if c > 0.0 => format!("+{c:.0}%"),
            c => format!("\u{2212}{:.0}%", c.abs()),
        };
        assert_eq!(said, expected, "{figure}: {compared}");
    }
    assert!(
        rows.as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("route:/lineage")),
        "top routes are compared too: {compared}"
    );

    // Retention over the eight weeks to the window's end, loaded for it.
    browser.click("#retention-show").await;
    browser
        .wait_for(
            "the retention triangle",
            "location.search.includes('retention=week') && document.querySelectorAll('#retention-table tbody tr').length === 8",
            Duration::from_secs(120),
        )
        .await;
    let triangle = browser
        .script(
            "return { status: document.querySelector('#retention-status').textContent, \
                      rows: [...document.querySelectorAll('#retention-table tbody tr')].map(r => [...r.cells].map(c => c.textContent)) };",
        )
        .await;
    let status = triangle["status"].as_str().unwrap();
    assert!(
        status.contains("first seen in the 8 weeks from") && status.contains("returning"),
        "{status}"
    );
    let returning: u64 = status
        .split(". ")
        .find_map(|part| part.split(' ').next()?.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("{status}"));
    // Everyone there from the history's first weeks was seen before.
    assert!(returning >= 15, "{status}");
    // Eight weeks and the four before are within the demo's history.
    assert!(!shows_element(&browser, "#retention-begins").await);
    let rows = triangle["rows"].as_array().unwrap();
    // A triangle: the first cohort has a cell for every week, the last one.
    for (index, row) in rows.iter().enumerate() {
        assert_eq!(row.as_array().unwrap().len(), 2 + 8 - index, "{triangle}");
    }
    // People arrive over the weeks, and not everyone stays.
    let sizes: Vec<f64> = rows.iter().map(|row| counted(&row[1])).collect();
    assert!(
        sizes.iter().filter(|size| **size > 0.0).count() >= 4,
        "{sizes:?}"
    );
    let dropped = rows.iter().any(|row| {
        row.as_array().unwrap().len() > 3
            && counted(&row[1]) > 0.0
            && !row[3].as_str().unwrap().contains("(100%)")
    });
    assert!(dropped, "some cohort loses someone: {triangle}");
    // The heat map is drawn from the same cohorts, with a data table.
    let drawn_from = browser
        .number("Number(document.querySelector(\"section[data-chart='retention-heat-map'] figure\").dataset.drawnFrom)")
        .await;
    assert_eq!(drawn_from as f64, sizes.iter().sum::<f64>());
    browser
        .click("section[data-chart='retention-heat-map'] details.data-table summary")
        .await;
    browser
        .wait_for(
            "the heat map's data table",
            "document.querySelectorAll(\"section[data-chart='retention-heat-map'] details.data-table tbody tr\").length === 8",
            Duration::from_secs(10),
        )
        .await;

    // A cell's figures on hover: the oldest cohort's own week.
    browser
        .script(
            "const o = document.querySelector(\"section[data-chart='retention-heat-map'] .chart-overlay\"); \
             const b = o.getBoundingClientRect(); \
             o.dispatchEvent(new MouseEvent('mousemove', { clientX: b.left + 2, clientY: b.top + 2, bubbles: true })); return true;",
        )
        .await;
    let expected_tip = format!(
        "{}, week 0: {}",
        rows[0][0].as_str().unwrap(),
        rows[0][2].as_str().unwrap()
    );
    browser
        .wait_for(
            "the first cell's figures",
            &format!(
                "(document.querySelector(\"section[data-chart='retention-heat-map'] .chart-tip\") || {{}}).textContent === {}",
                json!(expected_tip)
            ),
            Duration::from_secs(10),
        )
        .await;
    // A cohort's count narrows the view to its people.
    let cohort = sizes.iter().position(|size| *size > 0.0).unwrap();
    browser
        .click(&format!(
            "#retention-table tbody tr:nth-child({}) button.cohort-people",
            cohort + 1
        ))
        .await;
    browser
        .wait_for(
            "narrowed to the cohort",
            "location.search.includes('people=') && !!document.querySelector('#people-narrowing')",
            Duration::from_secs(20),
        )
        .await;
    let narrowed = browser.dashboard().text("#people-narrowing").await;
    assert!(
        narrowed.contains(&format!("of {} people", sizes[cohort])),
        "{narrowed}"
    );
    browser.click("#people-clear").await;
    browser
        .wait_for(
            "everyone again",
            "!location.search.includes('people=') && document.querySelectorAll('#retention-table tbody tr').length === 8",
            Duration::from_secs(60),
        )
        .await;

    // A lookback written wrongly is refused with a reason; nothing is lost.
    browser.type_into("#retention-lookback", "week:99").await;
    browser.click("#retention-apply").await;
    let refused = browser
        .script(
            "return [document.querySelector('#retention-error').textContent,                      document.querySelector('#retention-lookback').value, location.search.includes('retention=week:8'),                      document.querySelectorAll('#retention-table tbody tr').length];",
        )
        .await;
    assert!(
        refused[0].as_str().unwrap().contains("week:N (2 to 26)"),
        "{refused}"
    );
    assert_eq!(refused[1], "week:99");
    assert_eq!(refused[2], true);
    assert_eq!(refused[3], 8);

    // The view with a three-step funnel to a report's export, opened
    // again from its URL.
    let path = browser
        .script("return location.pathname + location.search;")
        .await;
    let path = format!(
        "{}&funnel=login%20%3E%20%2Flineage%2F%3Aid%20%3E%20%2Freports%2F%3Aid%2Fexport&within=session",
        path.as_str().unwrap()
    );
    browser.open_view(&base, &path).await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "everything again",
            "document.querySelectorAll('#funnel-steps tbody tr').length === 3 \
             && document.querySelectorAll('#retention-table tbody tr').length === 8 \
             && !!document.querySelector('#comparison-table')",
            Duration::from_secs(120),
        )
        .await;
    let again = browser
        .script("return [...document.querySelectorAll('#retention-table tbody tr')].map(r => [...r.cells].map(c => c.textContent));")
        .await;
    assert_eq!(&again, &triangle["rows"], "the same cohorts after a reload");
    let funnel = browser
        .script("return [...document.querySelectorAll('#funnel-steps button.funnel-people')].map(b => Number(b.textContent.replace(',', '')));")
        .await;
    let funnel: Vec<u64> = serde_json::from_value(funnel).unwrap();
    // Where people drop off between lineage and exporting a report.
    assert!(
        funnel[2] > 0 && funnel.windows(2).all(|p| p[0] >= p[1]),
        "{funnel:?}"
    );

    // The previous period's figures are a recount of it on its own.
    let (from, to) = (
        compared["from"].as_str().unwrap().replace(':', "%3A"),
        compared["to"].as_str().unwrap().replace(':', "%3A"),
    );
    browser
        .open_view(&base, &format!("/dashboard?from={from}&to={to}&tz=utc"))
        .await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "the previous week's own comparison",
            "!!document.querySelector('#comparison-table')",
            Duration::from_secs(60),
        )
        .await;
    let own = browser.script(COMPARED).await;
    for figure in ["weekly", "sessions", "median-session", "page-loads"] {
        assert_eq!(
            own["rows"][figure][0], compared["rows"][figure][1],
            "{figure}: the previous week on its own {own}, as compared {compared}"
        );
    }

    // Who started using lineage when, and who still does: the same
    // retention over lineage's page loads alone. Lineage came after most
    // of the history's people had arrived, so more are new to it.
    browser
        .open_view(
            &base,
            "/dashboard?range=7d&tz=utc&retention=week:8&q=source%3D%3D%2Flineage*",
        )
        .await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "lineage's retention",
            "document.querySelectorAll('#retention-table tbody tr').length === 8",
            Duration::from_secs(120),
        )
        .await;
    let lineage = browser
        .script("return [...document.querySelectorAll('#retention-table tbody tr')].map(r => Number(r.cells[1].textContent.replace(/,/g, '')));")
        .await;
    let lineage: Vec<f64> = serde_json::from_value(lineage).unwrap();
    let new_to_lineage: f64 = lineage.iter().sum();
    assert!(
        new_to_lineage > sizes.iter().sum::<f64>(),
        "new to lineage {lineage:?}, new at all {sizes:?}"
    );
    assert!(!shows_element(&browser, "#retention-begins").await);

    // Twelve weeks and the four before them reach past the demo's
    // history: said, since its first cohorts would hold people who were
    // there before.
    browser
        .open_view(&base, "/dashboard?range=7d&tz=utc&retention=week:12")
        .await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "twelve weeks",
            "document.querySelectorAll('#retention-table tbody tr').length === 12 && !!document.querySelector('#retention-begins')",
            Duration::from_secs(120),
        )
        .await;
    let said = browser.dashboard().text("#retention-begins").await;
    assert!(
        said.starts_with("Octopai holds nothing before") && said.contains("would count as new"),
        "{said}"
    );

    // Monthly cohorts: is October's better than September's.
    browser
        .open_view(&base, "/dashboard?range=7d&tz=utc&retention=month:3")
        .await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "three months",
            "document.querySelectorAll('#retention-table tbody tr').length === 3",
            Duration::from_secs(120),
        )
        .await;
    let months = browser
        .script("return [...document.querySelectorAll('#retention-table tbody tr th')].map(th => th.textContent);")
        .await;
    // The month the window ends in (read a moment after: either side of a
    // month's end).
    let now = chrono::Utc::now();
    let month = |at: chrono::DateTime<chrono::Utc>| json!(at.format("%B %Y").to_string());
    assert!(
        months[2] == month(now) || months[2] == month(now - chrono::Duration::minutes(5)),
        "{months}"
    );
    browser.stop().await;
}

/// Whether the page has an element at `css`.
async fn shows_element(browser: &support::Browser, css: &str) -> bool {
    browser
        .script(&format!("return !!document.querySelector({});", json!(css)))
        .await
        .as_bool()
        .unwrap_or(false)
}

#[tokio::test]
async fn usage_charts_split_by_address_or_a_pasted_list_of_users() {
    let base = demo_gateway().await;
    // A month: Octopai's partners, from outside, come and go in it.
    let browser = logged_in_at(&base, "/dashboard?range=30d&tz=utc").await;
    support::open_page_loads_table(&browser).await;
    browser
        .wait_for(
            "the page loads table",
            "document.querySelectorAll(\"section[data-chart='page-loads'] details.data-table tbody tr\").length > 0",
            Duration::from_secs(30),
        )
        .await;
    let whole = browser.script(support::PAGE_LOAD_PARTS).await;
    let total = whole["loads"][0].as_f64().unwrap();
    assert!(total > 10_000.0, "{whole}");

    browser.choose("#segment-choice", "address").await;
    browser.click("#segment-apply").await;
    browser
        .wait_for(
            "split by address",
            "location.search.includes('split=address') && document.querySelectorAll(\"section[data-chart='page-loads'] .legend li\").length === 2",
            Duration::from_secs(30),
        )
        .await;
    let split = browser.script(support::PAGE_LOAD_PARTS).await;
    assert_eq!(
        split["legend"],
        json!(["internal addresses", "external or no address"])
    );
    assert!(
        split["label"]
            .as_str()
            .unwrap()
            .ends_with("split into internal addresses and external or no address"),
        "{split}"
    );
    let (internal, external) = (
        split["loads"][0].as_f64().unwrap(),
        split["loads"][1].as_f64().unwrap(),
    );
    assert_eq!(internal + external, total, "the parts add up: {split}");
    assert!(internal > 0.0 && external > 0.0, "{split}");

    // A pasted list written wrongly is refused; the split in place stays.
    browser.choose("#segment-choice", "users").await;
    browser.type_into("#segment-users", " , ").await;
    browser.click("#segment-apply").await;
    let error = browser.dashboard().text("#segment-error").await;
    assert!(error.contains("at least one user"), "{error}");
    assert!(browser
        .script("return location.search.includes('split=address');")
        .await
        .as_bool()
        .unwrap());

    browser
        .type_into(
            "#segment-users",
            "mia.chen@example.com\nliam.kim@example.com",
        )
        .await;
    browser.click("#segment-apply").await;
    browser
        .wait_for(
            "split by the two users",
            "location.search.includes('split=users') && [...document.querySelectorAll(\"section[data-chart='page-loads'] .legend li\")].map(l => l.textContent).includes('the 2 users listed')",
            Duration::from_secs(30),
        )
        .await;
    let listed = browser.script(support::PAGE_LOAD_PARTS).await;
    let users = listed["users"][0].as_f64().unwrap();
    assert!(users > 0.0 && users <= 2.0, "{listed}");
    assert_eq!(
        listed["loads"][0].as_f64().unwrap() + listed["loads"][1].as_f64().unwrap(),
        total,
        "{listed}"
    );

    // The split comes back from the URL.
    let path = browser
        .script("return location.pathname + location.search;")
        .await;
    browser.open_view(&base, path.as_str().unwrap()).await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "the split again",
            "[...document.querySelectorAll(\"section[data-chart='page-loads'] .legend li\")].map(l => l.textContent).join('|') === 'the 2 users listed|everyone else' \
             && document.querySelector('#segment-users').value.includes('liam.kim@example.com')",
            Duration::from_secs(30),
        )
        .await;
    browser.stop().await;
}

#[tokio::test]
async fn a_previous_period_with_nothing_in_it_says_so_rather_than_showing_zeros() {
    let base = demo_gateway().await;
    let browser = logged_in_at(
        &base,
        "/dashboard?range=24h&q=username%3D%3Dnobody%40example.com",
    )
    .await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "the previous period's answer",
            "(document.querySelector('#comparison-status') || {}).textContent?.includes('holds no Octopai events')",
            Duration::from_secs(60),
        )
        .await;
    let said = browser.dashboard().text("#comparison-status").await;
    assert!(said.contains("there is nothing to compare with"), "{said}");
    assert_eq!(
        browser
            .number("document.querySelectorAll('#comparison-table').length")
            .await,
        0
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_retention_lookback_cut_short_by_the_cap_says_so_instead_of_drawing() {
    let base = demo_gateway().await;
    // Twelve weeks of Octopai are far more than 5,000 events: the newest
    // are kept, and older users would look new.
    let browser = logged_in_at(&base, "/dashboard?range=24h&retention=week:8&cap=5000").await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "retention's answer",
            "document.querySelector('#retention-status[role=alert]')",
            Duration::from_secs(60),
        )
        .await;
    let said = browser.dashboard().text("#retention-status").await;
    assert!(
        said.starts_with("No retention is drawn: the events held begin at")
            && said.contains("would count as new")
            && said.contains("shorter lookback"),
        "{said}"
    );
    assert_eq!(
        browser
            .number("document.querySelectorAll('#retention-table, section[data-chart=\"retention-heat-map\"]').length")
            .await,
        0
    );
    browser.stop().await;
}
