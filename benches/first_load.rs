//! The dashboard's load of the 24-hour window in headless Chromium (the
//! real built app, through the gateway in demo mode), against a baseline
//! measured in the same browser and run: plain JavaScript fetching the same
//! gateway pages and `JSON.parse`-ing them, with nothing else.
//!
//! Needs what the end-to-end tests need (`cargo xtask bench` provides it).

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::{demo_gateway, demo_gateway_with, log_in, Browser, BOTH_LOADED};

const RUNS: usize = 5;

/// Fetches every page of both sources for the same window, the way the app
/// pages (1,000 a page), and parses them; resolves with the events counted.
const PLAIN_JS: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const token = JSON.parse(sessionStorage.getItem('audit-dashboard.session')).token;
  const headers = { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' };
  const hours = arguments[0];
  const end = new Date(); const start = new Date(end.getTime() - hours * 3600 * 1000);
  let count = 0;
  for (let page = 1; ; page++) {
    const body = JSON.stringify({ startTime: start.toISOString(), endTime: end.toISOString(), pageNumber: page, pageSize: 1000 });
    const answer = JSON.parse(await (await fetch('/gateway/octopai/user-events', { method: 'POST', headers, body })).text());
    count += answer.items.length;
    if (answer.items.length === 0 || count >= answer.total) break;
  }
  for (let offset = 0; ; ) {
    const url = '/gateway/cloudera/audits?maxResults=1000&resultOffset=' + offset + '&startTime=' + start.toISOString() + '&endTime=' + end.toISOString();
    const answer = JSON.parse(await (await fetch(url, { headers })).text());
    if (answer.items.length === 0) break;
    offset += answer.items.length; count += answer.items.length;
  }
  done(count);
})().catch(error => done('error: ' + error));
"#;

/// The `p`th percentile (nearest rank).
fn percentile(mut times: Vec<Duration>, p: usize) -> Duration {
    times.sort();
    let rank = (p * times.len()).div_ceil(100).max(1);
    times[rank - 1]
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::main]
async fn main() {
    // `AUDIT_BENCH_ONLY=large`: only the 100,000-event window.
    if std::env::var("AUDIT_BENCH_ONLY").as_deref() == Ok("large") {
        large_window().await;
        return;
    }
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    browser.client.goto(&base).await.expect("the app loads");
    let started = Instant::now();
    log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(120))
        .await;
    let first = started.elapsed();
    let events = browser.number("Number(document.querySelector('figure[aria-label^=\"Activity timeline\"]').dataset.drawnFrom)").await;

    let mut app = Vec::new();
    let mut plain = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        browser.client.refresh().await.expect("reload");
        browser
            .wait_for("the reload", BOTH_LOADED, Duration::from_secs(120))
            .await;
        app.push(started.elapsed());
        let started = Instant::now();
        let counted = browser
            .client
            .execute_async(PLAIN_JS, vec![serde_json::json!(24)])
            .await
            .expect("the baseline runs");
        plain.push(started.elapsed());
        assert!(counted.is_u64(), "the baseline failed: {counted}");
    }
    let (app, plain) = (median(app), median(plain));
    println!("24-hour window: {events} events from both sources");
    println!("| measurement | time |");
    println!("|---|---|");
    println!(
        "| first load, login click to both sources loaded and drawn | {:.0} ms |",
        first.as_secs_f64() * 1e3
    );
    println!(
        "| reload to loaded and drawn, median of {RUNS} (app) | {:.0} ms |",
        app.as_secs_f64() * 1e3
    );
    println!(
        "| plain JS fetch + JSON.parse of the same pages, median of {RUNS} (baseline) | {:.0} ms |",
        plain.as_secs_f64() * 1e3
    );
    println!(
        "| ratio app / baseline | {:.2}x |",
        app.as_secs_f64() / plain.as_secs_f64()
    );

    // For the README: `AUDIT_DASHBOARD_SCREENSHOT=docs/screenshot.png`.
    if let Ok(path) = std::env::var("AUDIT_DASHBOARD_SCREENSHOT") {
        browser
            .client
            .set_window_size(1280, 1500)
            .await
            .expect("resize");
        browser
            .client
            .goto(&format!("{base}/dashboard?range=7d"))
            .await
            .expect("7-day view");
        browser
            .wait_for("the 7-day view", BOTH_LOADED, Duration::from_secs(120))
            .await;
        let png = browser.client.screenshot().await.expect("a screenshot");
        std::fs::write(&path, png).expect("the screenshot is written");
        println!("screenshot written to {path}");
    }
    browser.stop().await;
    large_window().await;
}

/// Clicks `css` and resolves with the milliseconds until `#tile-events`
/// shows a different count (the charts, tiles, detections and table are
/// recomputed and drawn by then), measured inside the page.
const RECOMPUTE_JS: &str = r#"
const [css, done] = [arguments[0], arguments[arguments.length - 1]];
const tile = () => document.querySelector('#tile-events .value').textContent;
const before = tile();
const started = performance.now();
document.querySelector(css).click();
const poll = () => tile() !== before ? done(performance.now() - started) : requestAnimationFrame(poll);
requestAnimationFrame(poll);
"#;

/// Clicks `css` and times, in the page, until the events tile changes.
async fn timed_change(browser: &Browser, css: &str) -> Duration {
    let ms = browser
        .client
        .execute_async(RECOMPUTE_JS, vec![serde_json::json!(css)])
        .await
        .expect("the change is timed")
        .as_f64()
        .expect("milliseconds");
    Duration::from_secs_f64(ms / 1e3)
}

/// A 7-day window of about 100,000 events (the demo at 350% volume): its
/// load against plain fetch + `JSON.parse` of the same pages, and the time to
/// recompute every chart, tile and detection when a source is hidden and
/// shown again.
async fn large_window() {
    let base = demo_gateway_with(&["--demo-volume", "350"]).await;
    let browser = Browser::start().await;
    browser.client.goto(&base).await.expect("the app loads");
    log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(120))
        .await;
    let mut app = Vec::new();
    let mut plain = Vec::new();
    let mut hide = Vec::new();
    let mut show = Vec::new();
    let mut first = Vec::new();
    let mut tile = Vec::new();
    let mut untile = Vec::new();
    let mut events = 0;
    for _ in 0..3 {
        let started = Instant::now();
        browser
            .client
            .goto(&format!("{base}/dashboard?range=7d"))
            .await
            .expect("the 7-day view");
        browser
            .wait_for("the 7-day load", BOTH_LOADED, Duration::from_secs(300))
            .await;
        app.push(started.elapsed());
        events = browser
            .number("Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))")
            .await;
        let started = Instant::now();
        let counted = browser
            .client
            .execute_async(PLAIN_JS, vec![serde_json::json!(168)])
            .await
            .expect("the baseline runs");
        plain.push(started.elapsed());
        assert!(counted.is_u64(), "the baseline failed: {counted}");
        // Seven pairs per load, 21 of each in all. The first hide after a
        // load finds nothing kept from before: it is also reported alone.
        for pair in 0..7 {
            hide.push(timed_change(&browser, "#show-octopai").await);
            show.push(timed_change(&browser, "#show-octopai").await);
            if pair == 0 {
                first.push(*hide.last().expect("a hide was timed"));
            }
        }
        // A tile narrowing the view to failed logins, and back to all.
        for _ in 0..7 {
            tile.push(timed_change(&browser, "#failed-logins").await);
            untile.push(timed_change(&browser, "#tile-events").await);
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (app, plain) = (median(app), median(plain));
    println!();
    println!("7-day window at 350% volume: {events} events from both sources");
    println!("| measurement | time |");
    println!("|---|---|");
    println!(
        "| load to loaded and drawn, median of 3 (app) | {:.0} ms |",
        ms(app)
    );
    println!(
        "| plain JS fetch + JSON.parse of the same pages, median of 3 (baseline) | {:.0} ms |",
        ms(plain)
    );
    println!("| ratio app / baseline | {:.2}x |", ms(app) / ms(plain));
    println!(
        "| first hide after each load (nothing kept yet), median of {} (budget to paint: 50 ms) | {:.0} ms |",
        first.len(),
        ms(median(first))
    );
    for (what, times) in [
        ("hide Octopai", hide),
        ("show Octopai again", show),
        ("the failed-logins tile", tile),
        ("back to all events (the events tile)", untile),
    ] {
        let p95 = percentile(times.clone(), 95);
        println!(
            "| {what}: click to the events tile changed, median / p95 of {} (budget to paint: p95 <= 50 ms) | {:.0} ms / {:.0} ms |",
            times.len(),
            ms(median(times)),
            ms(p95)
        );
    }
    browser.stop().await;
}
