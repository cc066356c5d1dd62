//! End to end, in headless Chromium through the real gateway against the
//! simulated upstreams still recording (`--demo-live`): a live view holds
//! exactly the events of its sliding window after several polls (compared
//! with one fresh load of the same window), pauses while the tab is
//! hidden, keeps what it holds through failed polls and recovers, and its
//! polls do not keep a session alive: it expires, asks once to log in and
//! comes back live.
//!
//! Needs what `tests/e2e.rs` needs; `cargo xtask test` provides it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;
use support::{demo_gateway_with, logged_in, Browser, BOTH_LOADED, TABLE_ROWS};

const POLLS: &str = "Number(document.querySelector('#live-status').dataset.polls)";

/// Waits until the live view has made `count` successful polls.
async fn polls(browser: &Browser, count: u64, limit: Duration) {
    browser
        .wait_for(
            &format!("{count} polls"),
            &format!("{POLLS} >= {count}"),
            limit,
        )
        .await;
}

/// A browser that opened `path` (a live view of the last hour, polling
/// every 5 s) and logged in on the way, the view loaded.
async fn live_view(base: &str, path: &str) -> Browser {
    let browser = support::logged_in_straight_at(base, path).await;
    browser
        .wait_for(
            "the live view",
            &format!("location.search.includes('live=5') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    browser
}

/// The view's events as its JSON export writes them, and its manifest.
async fn exported(browser: &Browser) -> (Vec<Value>, Value) {
    browser.catch_downloads().await;
    browser.click("#export-json").await;
    // The export and its manifest (each may be caught more than once, the
    // catching set up again on the same page).
    let files: Vec<Value> = browser
        .saved_files()
        .await
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    let events = files
        .iter()
        .find_map(|file| file.as_array().cloned())
        .unwrap();
    let manifest = files.iter().find(|file| file.is_object()).cloned().unwrap();
    (events, manifest)
}

fn instant(text: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = text
        .as_str()
        .unwrap_or_else(|| panic!("an instant: {text}"));
    audit_core::time::parse_iso(text).unwrap()
}

#[tokio::test]
async fn a_live_view_holds_exactly_its_sliding_window_after_several_polls() {
    let base = demo_gateway_with(&["--demo-live"]).await;
    let browser = logged_in(&base).await;
    browser.open_view(&base, "/dashboard?range=1h&live=5").await;
    let (_, at_load) = exported(&browser).await;
    let load_end = instant(&at_load["window_end"]);
    // A reader twenty rows down keeps their place while rows arrive above.
    let rows_at_load = browser.number(TABLE_ROWS).await;
    let row_in_sight = "(() => { const s = document.querySelector('.table-scroll'); \
        const at = Math.floor(s.scrollTop / 30) + 1; \
        const row = document.querySelector(`table.event-table tr[aria-rowindex='${at}']`); \
        return row ? row.textContent : ''; })()";
    browser
        .script("document.querySelector('.table-scroll').scrollTop = 600; return true;")
        .await;
    browser
        .wait_for(
            "the rows at 600 px drawn",
            &format!("{row_in_sight} !== ''"),
            Duration::from_secs(10),
        )
        .await;
    let reading = browser.script(&format!("return {row_in_sight};")).await;
    browser
        .wait_for(
            "rows added by a poll",
            &format!("{TABLE_ROWS} > {rows_at_load}"),
            Duration::from_secs(90),
        )
        .await;
    browser
        .wait_for(
            "the same row in sight",
            &format!("{row_in_sight} === {reading}"),
            Duration::from_secs(5),
        )
        .await;
    browser
        .script("document.querySelector('.table-scroll').scrollTop = 0; return true;")
        .await;
    // New rows are marked as a poll adds them.
    browser
        .wait_for(
            "a row a poll added, marked",
            "!!document.querySelector('table.event-table tr.fresh')",
            Duration::from_secs(90),
        )
        .await;
    polls(&browser, 4, Duration::from_secs(90)).await;
    let (tail, manifest) = exported(&browser).await;
    let (start, end) = (
        instant(&manifest["window_start"]),
        instant(&manifest["window_end"]),
    );
    // The window slid: it ends at the last poll, long after the load.
    let ids: Vec<&str> = tail.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no event twice");
    assert!(
        tail.iter()
            .all(|e| (start..end).contains(&instant(&e["at"]))),
        "nothing outside the window {start}..{end}"
    );
    assert!(!tail.is_empty());
    // One fresh load of the same window (a new page, nothing held).
    browser
        .open_view(
            &base,
            &format!(
                "/dashboard?from={}&to={}",
                manifest["window_start"].as_str().unwrap(),
                manifest["window_end"].as_str().unwrap()
            ),
        )
        .await;
    let (fresh, fresh_manifest) = exported(&browser).await;
    assert_eq!(fresh_manifest["window_end"], manifest["window_end"]);
    // Audits recorded late after the last poll are the fresh load's alone:
    // up to the last poll less the lateness, both hold the same events.
    let settled = end - chrono::Duration::seconds(25);
    let before = |events: &[Value]| -> Vec<String> {
        let mut ids: Vec<String> = events
            .iter()
            .filter(|e| instant(&e["at"]) < settled)
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let (held, loaded) = (before(&tail), before(&fresh));
    let missing: Vec<&String> = loaded.iter().filter(|id| !held.contains(id)).collect();
    let extra: Vec<&String> = held.iter().filter(|id| !loaded.contains(id)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the tail: {missing:?}; only in the tail: {extra:?}"
    );
    // The live part itself arrived by polls: events after the load's end.
    assert!(start > instant(&at_load["window_start"]), "the window slid");
    assert!(
        tail.iter().any(|e| instant(&e["at"]) >= load_end),
        "the tail added what the upstreams recorded since the load"
    );
    browser.stop().await;
}

#[tokio::test]
async fn failed_polls_keep_the_view_and_recover_and_a_hidden_tab_pauses() {
    // Audits requests 6 to 20 fail (503): the login check and the hour's
    // load come before them, then polls fail (each page tried four times),
    // then they recover.
    let base = demo_gateway_with(&["--demo-live", "--demo-fault", "audits:503=1@6-20"]).await;
    // Straight to the live view: the login page brings the person back to
    // it. Silent sources are not watched, so no baseline load takes the
    // requests the faults are counted on.
    let browser = live_view(&base, "/dashboard?range=1h&live=5&silent=0").await;
    browser
        .wait_for(
            "a failed poll said",
            "document.querySelector('#live-status').textContent.includes('The last poll failed')",
            Duration::from_secs(60),
        )
        .await;
    let status = browser.dashboard().text("#live-status").await;
    assert!(
        status.contains("What is shown is kept") && status.contains("trying again in"),
        "{status}"
    );
    // Nothing held is lost while polls fail: what is shown stays as it
    // was when the first one failed (the polls before it, which
    // succeeded, may have slid the window).
    let held = format!("return [{TABLE_ROWS}, {POLLS}];");
    let at_failure = browser.script(&held).await;
    assert!(at_failure[0].as_u64().unwrap() > 0, "{at_failure}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = browser.script(&held).await;
    if later[1] == at_failure[1] {
        assert_eq!(
            later[0], at_failure[0],
            "no poll succeeded: nothing changed"
        );
    }
    let failed_at = browser.number(POLLS).await;
    polls(&browser, failed_at + 1, Duration::from_secs(60)).await;
    let status = browser.dashboard().text("#live-status").await;
    assert!(status.starts_with("Live: every 5 s, last poll"), "{status}");

    // A hidden tab polls no more, and says so; shown again, it goes on.
    browser
        .script(
            "Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }); \
             document.dispatchEvent(new Event('visibilitychange')); return true;",
        )
        .await;
    browser
        .wait_for(
            "paused",
            "document.querySelector('#live-status').dataset.paused === 'true'",
            Duration::from_secs(15),
        )
        .await;
    let paused_at = browser.number(POLLS).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(
        browser.number(POLLS).await,
        paused_at,
        "no poll while hidden"
    );
    assert!(browser
        .dashboard()
        .text("#live-status")
        .await
        .starts_with("Paused while this tab is hidden"));
    browser
        .script(
            "Object.defineProperty(document, 'hidden', { configurable: true, get: () => false }); \
             document.dispatchEvent(new Event('visibilitychange')); return true;",
        )
        .await;
    polls(&browser, paused_at + 1, Duration::from_secs(20)).await;
    browser.stop().await;
}

#[tokio::test]
async fn polls_do_not_keep_a_session_alive_and_an_expired_one_comes_back_live() {
    let base = demo_gateway_with(&["--demo-live", "--session-idle-seconds", "20"]).await;
    let browser = live_view(&base, "/dashboard?range=1h&live=5").await;
    polls(&browser, 1, Duration::from_secs(30)).await;
    // Polls are not the person working: with nothing else done the
    // session reaches its idle limit, and the prompt comes once.
    let next = support::relogin_prompt(&browser, Duration::from_secs(90)).await;
    assert!(
        next.contains("range=1h") && next.contains("live=5") && !next.contains("from="),
        "a live view comes back live: {next}"
    );
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for(
            "the live view again",
            &format!("location.pathname === '/dashboard' && location.search.includes('live=5') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    polls(&browser, 1, Duration::from_secs(30)).await;
    browser.stop().await;
}

#[tokio::test]
async fn a_live_last_hour_calls_out_a_source_gone_silent_against_a_week_loaded_for_it() {
    // Octopai has recorded nothing for three hours (and stays silent for
    // another hour): on a busy weekday afternoon, far beyond its habit.
    let base = demo_gateway_with(&["--demo-live", "--demo-silence", "octopai:3h:4h"]).await;
    let browser = live_view(&base, "/dashboard?range=1h&live=5").await;
    let silent = "li.flag[data-kind='silent-source'][data-key^='silent-source:Octopai:']";
    browser
        .wait_for(
            "Octopai called out as silent",
            &format!("!!document.querySelector(\"{silent}\")"),
            Duration::from_secs(60),
        )
        .await;
    let text = browser.dashboard().text(silent).await;
    assert!(
        text.contains("Octopai recorded nothing for 3 h") && text.contains("may still be silent"),
        "{text}"
    );
    let status = browser.dashboard().text("#baseline-status").await;
    assert!(status.contains("watched against the week"), "{status}");
    assert_eq!(
        browser
            .number("document.querySelectorAll(\"li.flag[data-kind='silent-source']\").length")
            .await,
        1,
        "Cloudera Manager keeps recording"
    );
    browser.stop().await;
}
