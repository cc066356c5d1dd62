//! Upstream faults, end to end: the simulated upstreams act them out
//! (`--demo-fault`), the real gateway passes them on as its own errors, and
//! the built app in headless Chromium retries what can be retried, keeps
//! what it loaded, says what failed, and never lets one source hide the
//! other.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

mod support;

use std::time::Duration;

use support::{logged_in_straight_at, Browser, BOTH_LOADED, TABLE_ROWS};

/// The progress line of one source (`Octopai` or `Cloudera Manager`).
fn progress_text(name: &str) -> String {
    format!(
        "[...document.querySelectorAll('.load-progress .progress-text')].map(e => e.textContent).find(t => t.startsWith('{name}:')) || ''"
    )
}

/// The progress line of one source, as shown.
async fn progress_of(browser: &Browser, name: &str) -> String {
    let text = browser
        .script(&format!("return {};", progress_text(name)))
        .await;
    text.as_str().unwrap().to_owned()
}

/// The events a progress line of `name` counts (`Name: 1,234 events …`).
fn events_in(progress: &str, name: &str) -> u64 {
    progress
        .strip_prefix(&format!("{name}:"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no count in {progress:?}"))
        .replace(',', "")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn transient_faults_are_retried_and_the_view_completes() {
    // The Cloudera Manager login check is audits request 1, so 2 is the
    // first page; Octopai's first page is events request 1.
    let base = support::demo_gateway_with(&[
        "--demo-fault",
        "audits:503=1@2",
        "--demo-fault",
        "events:drop@1",
    ])
    .await;
    let browser = logged_in_straight_at(&base, "/dashboard?range=24h").await;
    browser
        .wait_for("both sources", BOTH_LOADED, Duration::from_secs(60))
        .await;
    for name in ["Octopai", "Cloudera Manager"] {
        let text = browser
            .script(&format!("return {};", progress_text(name)))
            .await;
        let text = text.as_str().unwrap();
        assert!(
            text.contains("1 page tried again"),
            "{name} recovered by retrying: {text}"
        );
    }
    assert_eq!(
        browser
            .number("document.querySelectorAll('.error-view').length")
            .await,
        0,
        "a recovered fault leaves no error behind"
    );
    assert!(browser.number(TABLE_ROWS).await > 0);
    browser.stop().await;
}

#[tokio::test]
async fn a_source_that_ends_first_is_shown_while_the_other_still_loads() {
    // Cloudera Manager's first page is refused with `Retry-After: 2`, so
    // it ends about two seconds after Octopai. A source that ends first is
    // held back only briefly (to be drawn once with the other when both
    // end close together), never until the other ends.
    let base = support::demo_gateway_with(&["--demo-fault", "audits:503=2@2"]).await;
    let browser = logged_in_straight_at(&base, "/dashboard?range=24h").await;
    let one_finished =
        "document.querySelectorAll('.load-progress[data-finished=\"true\"]').length === 1";
    browser
        .wait_for("Octopai alone", one_finished, Duration::from_secs(60))
        .await;
    let octopai_text = progress_of(&browser, "Octopai").await;
    assert!(octopai_text.contains("events loaded"), "{octopai_text}");
    let cloudera_text = progress_of(&browser, "Cloudera Manager").await;
    assert!(
        cloudera_text.contains("loading"),
        "Cloudera Manager still loads: {cloudera_text}"
    );
    let octopai = events_in(&octopai_text, "Octopai");
    assert!(octopai > 0);
    assert_eq!(browser.number(TABLE_ROWS).await, octopai);
    browser
        .wait_for("both sources", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let cloudera = events_in(
        &progress_of(&browser, "Cloudera Manager").await,
        "Cloudera Manager",
    );
    assert_eq!(browser.number(TABLE_ROWS).await, octopai + cloudera);
    browser.stop().await;
}

#[tokio::test]
async fn a_source_that_keeps_failing_says_so_keeps_its_pages_and_hides_nothing_else() {
    // Octopai's first page arrives; every later one fails.
    let base = support::demo_gateway_with(&["--demo-fault", "events:500@2+"]).await;
    let browser = logged_in_straight_at(&base, "/dashboard?range=7d").await;
    browser
        .wait_for(
            "Octopai's error",
            "document.querySelector('.error-view[data-code=\"upstream_error\"]')",
            Duration::from_secs(60),
        )
        .await;
    let message = browser
        .script("return document.querySelector('.error-view').textContent;")
        .await;
    let message = message.as_str().unwrap();
    assert!(
        message.starts_with("Loading Octopai events failed.")
            && message.contains("HTTP 500")
            && message.contains("failed 4 times in a row")
            && message.contains("Retry"),
        "{message}"
    );
    // Cloudera Manager loads in full beside it.
    browser
        .wait_for(
            "Cloudera Manager",
            "document.querySelectorAll('.load-progress[data-finished=\"true\"]').length === 1",
            Duration::from_secs(60),
        )
        .await;
    let octopai = browser
        .script(&format!("return {};", progress_text("Octopai")))
        .await;
    assert!(
        octopai.as_str().unwrap().contains("1,000 of"),
        "Octopai's first page is kept: {octopai}"
    );
    // The table holds the kept page as well as Cloudera Manager's audits.
    let cloudera = events_in(
        &progress_of(&browser, "Cloudera Manager").await,
        "Cloudera Manager",
    );
    assert_eq!(browser.number(TABLE_ROWS).await, cloudera + 1000);
    browser.stop().await;
}

#[tokio::test]
async fn a_401_on_a_later_page_asks_to_log_in_once_and_returns_to_the_view() {
    // Audits request 3 is Cloudera Manager's second page.
    let base = support::demo_gateway_with(&["--demo-fault", "audits:401@3"]).await;
    let browser = logged_in_straight_at(&base, "/dashboard?range=7d&tz=utc").await;
    let next = support::relogin_prompt(&browser, Duration::from_secs(60)).await;
    assert!(
        next.starts_with("/dashboard?from=") && next.contains("tz=utc"),
        "{next}"
    );
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for("the same view", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let path = browser
        .script("return decodeURIComponent(location.pathname + location.search);")
        .await;
    assert_eq!(path.as_str().unwrap(), next.replace("%3A", ":"));
    browser.stop().await;
}

#[tokio::test]
async fn a_previous_period_that_fails_to_load_is_said_never_shown_as_zero_and_can_be_tried_again() {
    // The hour's one Octopai page arrives; the four tries at the hour
    // before (the comparison's) fail; the next one works.
    let base = support::demo_gateway_with(&["--demo-fault", "events:500@2-5"]).await;
    let browser = logged_in_straight_at(&base, "/dashboard?range=1h").await;
    open_usage_once_loaded(&browser).await;
    browser
        .wait_for(
            "the comparison's failure",
            "document.querySelector('#comparison-status[role=alert]')",
            Duration::from_secs(60),
        )
        .await;
    let said = browser
        .script("return document.querySelector('#comparison-status').textContent;")
        .await;
    let said = said.as_str().unwrap();
    assert!(
        said.contains("could not be loaded, so nothing is compared") && said.contains("HTTP 500"),
        "{said}"
    );
    assert_eq!(
        browser
            .number("document.querySelectorAll('#comparison-table').length")
            .await,
        0,
        "no figure stands for the period that is missing"
    );
    // The window's own usage is there all the same.
    assert!(
        browser
            .number("document.querySelectorAll('.usage-counts').length")
            .await
            == 1
    );
    browser.click("#comparison-retry").await;
    browser
        .wait_for(
            "the comparison",
            "!!document.querySelector('#comparison-table')",
            Duration::from_secs(60),
        )
        .await;
    let before = browser
        .script("return document.querySelector('#comparison-table tr[data-figure=\"page-loads\"] .before').textContent;")
        .await;
    assert!(
        before
            .as_str()
            .unwrap()
            .replace(',', "")
            .parse::<u64>()
            .unwrap()
            > 0,
        "{before}"
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_session_that_expires_while_the_usage_panel_loads_asks_to_log_in_once_and_returns() {
    // The hour's one Octopai page arrives; the comparison's request is
    // refused as the session's end.
    let base = support::demo_gateway_with(&["--demo-fault", "events:401@2"]).await;
    let browser = logged_in_straight_at(&base, "/dashboard?range=1h&retention=week:8&tz=utc").await;
    open_usage_once_loaded(&browser).await;
    let next = support::relogin_prompt(&browser, Duration::from_secs(60)).await;
    assert!(
        next.starts_with("/dashboard?from=")
            && next.contains("retention=week")
            && next.contains("tz=utc"),
        "{next}"
    );
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for("the same view", BOTH_LOADED, Duration::from_secs(60))
        .await;
    browser.click("details#usage summary").await;
    browser
        .wait_for(
            "the comparison and retention",
            "!!document.querySelector('#comparison-table') && document.querySelectorAll('#retention-table tbody tr').length === 8",
            Duration::from_secs(120),
        )
        .await;
    browser.stop().await;
}

/// Opens the usage panel once both sources' loads have ended.
async fn open_usage_once_loaded(browser: &Browser) {
    browser
        .wait_for(
            "both sources",
            "document.querySelectorAll('.load-progress[data-finished=\"true\"]').length === 2",
            Duration::from_secs(60),
        )
        .await;
    browser.click("details#usage summary").await;
}
