//! End to end, in headless Chromium through the real gateway against the
//! simulated upstreams: a zoom into a window that was loaded whole sends no
//! request, says so, and shows exactly what a fresh load of the zoomed
//! window shows (events, every tile and every flag); "Load again" fetches
//! it for real; a zoom after a load cut at the cap does fetch.
//!
//! Needs what `tests/e2e.rs` needs; `cargo xtask test` provides it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::{
    data_requests_since, demo_gateway, logged_in, logged_in_at, Browser, BOTH_LOADED,
    DRAG_TWO_THIRDS, PAGE_CLOCK,
};

/// Every tile's figure and every flag's key and events, as shown.
const SHOWN: &str = "return JSON.stringify({ \
    tiles: [...document.querySelectorAll('[id^=tile-] .value')].map(t => t.closest('[id]').id + '=' + t.textContent), \
    flags: [...document.querySelectorAll('#detections li.flag')].map(f => f.dataset.key + ' ' + f.querySelector('.flag-show').textContent) });";

async fn zoom(browser: &Browser) {
    browser
        .script(&format!("{DRAG_TWO_THIRDS}; return true;"))
        .await;
    browser
        .wait_for(
            "the zoomed range",
            &format!(
                "location.search.includes('from=') && location.search.includes('to=') && {BOTH_LOADED}"
            ),
            Duration::from_secs(60),
        )
        .await;
}

#[tokio::test]
async fn a_zoom_into_a_whole_load_sends_nothing_and_shows_what_a_fresh_load_shows() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    let whole = browser
        .number(
            "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))",
        )
        .await;
    let loaded = browser.number(&data_requests_since(0)).await;
    assert!(loaded >= 2, "the first view loaded both sources: {loaded}");

    let zoomed_at = browser.number(PAGE_CLOCK).await;
    zoom(&browser).await;
    let zoomed = browser
        .number(
            "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, ''))",
        )
        .await;
    assert!(
        zoomed > 0 && zoomed < whole,
        "two thirds of the day: {zoomed} of {whole} events"
    );
    assert_eq!(
        browser.number(&data_requests_since(zoomed_at)).await,
        0,
        "nothing was fetched for the zoom"
    );
    let said = browser
        .script("return [...document.querySelectorAll('.held .progress-text')].map(p => p.textContent);")
        .await;
    let said: Vec<String> = serde_json::from_value(said).unwrap();
    assert_eq!(said.len(), 2, "both sources say so: {said:?}");
    assert!(
        said.iter()
            .all(|text| text.contains("from what was already loaded (nothing fetched)")),
        "{said:?}"
    );
    let held = browser.script(SHOWN).await;

    // A fresh load of exactly that window, source by source, shows the same.
    let reloads = browser
        .number("document.querySelectorAll('.held button.load-again').length")
        .await;
    assert_eq!(reloads, 2);
    browser.click(".held button.load-again").await;
    browser
        .wait_for(
            "one source loaded again",
            &format!("document.querySelectorAll('.held').length === 1 && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    browser.click(".held button.load-again").await;
    browser
        .wait_for(
            "both sources loaded again",
            &format!("document.querySelectorAll('.held').length === 0 && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    assert!(
        browser.number(&data_requests_since(zoomed_at)).await >= 2,
        "loading again fetched both sources"
    );
    assert_eq!(
        browser.script(SHOWN).await,
        held,
        "the held stretch is exactly the window's events"
    );

    // Back to the whole day: a relative range ending now, so loaded again.
    browser.click("#zoom-reset").await;
    browser
        .wait_for(
            "the previous range",
            &format!("location.search.includes('range=24h') && !location.search.includes('from=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    browser.stop().await;
}

#[tokio::test]
async fn a_zoom_after_a_load_cut_at_the_cap_fetches() {
    let base = demo_gateway().await;
    let browser = logged_in_at(&base, "/dashboard?range=24h&cap=500").await;
    browser
        .wait_for(
            "the capped load",
            &format!("document.querySelectorAll('.capped').length > 0 && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    let zoomed_at = browser.number(PAGE_CLOCK).await;
    zoom(&browser).await;
    assert!(
        browser.number(&data_requests_since(zoomed_at)).await > 0,
        "the load held only the newest 500, so the zoom asks again"
    );
    assert_eq!(
        browser
            .number("document.querySelectorAll('.held').length")
            .await,
        0,
        "and does not say it fetched nothing"
    );
    browser.stop().await;
}
