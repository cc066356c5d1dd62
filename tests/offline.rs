//! Exploring a saved file offline, end to end: a view exported as JSON with
//! its manifest, opened in a fresh browser with no session, shows the same
//! view (tiles, flags, table, activity per bucket) without one request to
//! the gateway's data routes.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{Browser, BOTH_LOADED, TABLE_ROWS};

/// What a person sees: the tiles, the flags, the table's size and the
/// activity timeline's data table.
async fn summary(browser: &Browser) -> Value {
    support::open_data_tables(browser).await;
    browser
        .script(&format!(
            "const text = s => document.querySelector(s).textContent.trim(); \
             return {{ tiles: ['#tile-events', '#failed-logins', '#failing-accounts', '#failing-ips', '#denied-operations', '#active-flags'].map(text), \
                       flags: [...document.querySelectorAll('.flag-list li')].map(li => li.dataset.key), \
                       rows: {TABLE_ROWS}, \
                       activity: [...document.querySelectorAll('section.chart[data-chart=\"activity-timeline\"] details.data-table tbody tr')].map(r => r.textContent) }};"
        ))
        .await
}

/// Chooses `files` in the import field, as a drop or the file dialog would.
async fn choose_files(browser: &Browser, files: &[&std::path::Path]) {
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(fantoccini::Locator::Css("#import-file"))
        .await
        .unwrap()
        .send_keys(&paths.join("\n"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_exported_view_opened_offline_with_its_manifest_shows_the_same_view() {
    let base = support::demo_gateway().await;
    let live = support::logged_in(&base).await;
    let before = summary(&live).await;
    assert!(before["rows"].as_u64().unwrap() > 0, "{before}");
    assert!(!before["flags"].as_array().unwrap().is_empty(), "{before}");
    live.catch_downloads().await;
    live.click("#export-json").await;
    let files = live
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             Promise.all(window.__saved.map(b => b.text())).then(done, e => done(['error: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    live.stop().await;
    let dir = support::servers::Scratch::new("offline-e2e");
    let data = dir.path().join("audit-events.json");
    let manifest = dir.path().join("audit-events.manifest.json");
    std::fs::write(&data, files[0].as_str().unwrap()).unwrap();
    std::fs::write(&manifest, files[1].as_str().unwrap()).unwrap();

    // A fresh browser, never logged in.
    let offline = Browser::start().await;
    offline.client.goto(&base).await.unwrap();
    choose_files(&offline, &[&data, &manifest]).await;
    offline
        .wait_for("the offline view", BOTH_LOADED, Duration::from_secs(30))
        .await;
    let banner = offline
        .script("return document.querySelector('#offline-banner').textContent;")
        .await;
    assert!(
        banner.as_str().unwrap().contains("matched its manifest"),
        "{banner}"
    );
    let after = summary(&offline).await;
    assert_eq!(after, before, "the same view, offline");
    assert_eq!(
        offline
            .number("performance.getEntriesByType('resource').filter(e => e.name.includes('/gateway/')).length")
            .await,
        0,
        "nothing was fetched or sent"
    );
    assert_eq!(
        offline.stored().await,
        r#"{"session":[],"local":[],"cookies":""}"#,
        "nothing was stored"
    );

    // A changed file is refused against its manifest, and says so.
    std::fs::write(
        &data,
        files[0].as_str().unwrap().replacen("admin", "admln", 1),
    )
    .unwrap();
    offline.click("#offline-close").await;
    offline
        .wait_for(
            "the login page",
            "location.pathname === '/login'",
            Duration::from_secs(20),
        )
        .await;
    choose_files(&offline, &[&data, &manifest]).await;
    offline
        .wait_for(
            "the refusal",
            "document.querySelector('#import-error')",
            Duration::from_secs(20),
        )
        .await;
    let error = offline
        .script("return document.querySelector('#import-error').textContent;")
        .await;
    assert!(
        error.as_str().unwrap().contains("checksum differs"),
        "{error}"
    );
    offline.stop().await;
}
