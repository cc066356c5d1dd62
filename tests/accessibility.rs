//! Accessibility checked by a machine: axe-core (from its npm package,
//! installed by `cargo xtask setup`) runs inside the built app in Chromium,
//! with no rule disabled, on every view in both themes, and any serious or
//! critical violation fails the test with what and where.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{demo_gateway, log_in, Browser, BOTH_LOADED};

/// axe-core's browser build.
fn axe_source() -> String {
    let path = std::env::var_os("AUDIT_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/audit-dashboard/tools/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "axe-core is missing at {} ({error}): run `cargo xtask setup`, which installs it",
            path.display()
        )
    })
}

/// Runs axe on the page as it is and returns its serious and critical
/// violations, each as "rule (impact): target … — help".
async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser.client.execute(axe, vec![]).await.unwrap();
    let result = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { resultTypes: ['violations'] }) \
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, \
                  nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) })))) \
               .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));",
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v: &Value| {
            format!(
                "{} ({}): {} — {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["nodes"],
                v["help"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

async fn set_theme(browser: &Browser, theme: &str) {
    browser
        .wait_for(
            "the theme picker",
            "document.getElementById('theme') !== null",
            Duration::from_secs(20),
        )
        .await;
    browser.choose("#theme", theme).await;
    browser
        .wait_for(
            theme,
            &format!("document.documentElement.dataset.themeShown === '{theme}'"),
            Duration::from_secs(5),
        )
        .await;
    // Charts redraw in the theme's ink before axe looks.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn every_view_has_no_serious_or_critical_violation_in_either_theme() {
    let axe = axe_source();
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    let mut found = Vec::new();
    let mut check = |view: &str, list: Vec<String>| {
        for violation in list {
            found.push(format!("{view}: {violation}"));
        }
    };
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    for theme in ["light", "dark"] {
        set_theme(&browser, theme).await;
        check(&format!("login, {theme}"), violations(&browser, &axe).await);
    }
    log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    for theme in ["light", "dark"] {
        set_theme(&browser, theme).await;
        check(
            &format!("dashboard, {theme}"),
            violations(&browser, &axe).await,
        );
    }
    // An event's detail open, the shortcut list shown, a lookup and the
    // usage figures (at a week, so every panel has something), with the
    // previous week, retention and the charts split.
    browser
        .client
        .goto(&format!(
            "{base}/dashboard?range=7d&who=admin&retention=week:8&split=address"
        ))
        .await
        .unwrap();
    browser
        .wait_for("a week with a lookup", BOTH_LOADED, Duration::from_secs(60))
        .await;
    browser.click("table.event-table button.open-detail").await;
    browser
        .wait_for(
            "the detail",
            "document.querySelector('aside.event-detail') !== null",
            Duration::from_secs(10),
        )
        .await;
    browser
        .script("document.querySelectorAll('details').forEach(d => d.open = true); return true;")
        .await;
    browser
        .wait_for(
            "the previous week and retention",
            "!!document.querySelector('#comparison-table') && !!document.querySelector('#retention-table')",
            Duration::from_secs(120),
        )
        .await;
    support::open_data_tables(&browser).await;
    for theme in ["light", "dark"] {
        set_theme(&browser, theme).await;
        check(
            &format!("lookup, usage, detail and menus open, {theme}"),
            violations(&browser, &axe).await,
        );
    }
    // The same in privacy mode, with its help and a refused pattern shown.
    browser.click("#detail-close").await;
    browser.click("#privacy").await;
    browser
        .wait_for(
            "privacy mode",
            &format!("location.search.includes('private=1') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    browser.type_into("#query", "username==*kim*").await;
    browser.click("#query-apply").await;
    browser
        .wait_for(
            "the refusal",
            "document.querySelector('#privacy-refused') !== null",
            Duration::from_secs(10),
        )
        .await;
    browser.click("table.event-table button.open-detail").await;
    browser
        .wait_for(
            "the masked detail",
            "document.querySelector('aside.event-detail') !== null",
            Duration::from_secs(10),
        )
        .await;
    for theme in ["light", "dark"] {
        set_theme(&browser, theme).await;
        check(
            &format!("privacy mode, {theme}"),
            violations(&browser, &axe).await,
        );
    }
    browser.stop().await;
    // A saved Cloudera Manager answer explored offline.
    let dir = support::servers::Scratch::new("a11y-offline");
    let saved = dir.path().join("audits.json");
    let data = support::demo_data(chrono::Utc::now());
    let items: Vec<_> = data
        .cloudera
        .iter()
        .take(300)
        .map(|r| r.audit.clone())
        .collect();
    std::fs::write(
        &saved,
        serde_json::to_vec(&audit_core::cloudera::ApiAuditList { items }).unwrap(),
    )
    .unwrap();
    let offline = Browser::start().await;
    offline.client.goto(&base).await.unwrap();
    offline
        .wait_for(
            "the login page",
            "document.querySelector('#import-file') !== null",
            Duration::from_secs(20),
        )
        .await;
    offline
        .client
        .find(fantoccini::Locator::Css("#import-file"))
        .await
        .unwrap()
        .send_keys(&saved.display().to_string())
        .await
        .unwrap();
    offline
        .wait_for(
            "the offline view",
            "document.querySelector('#offline-banner') !== null && document.querySelectorAll('canvas.chart-canvas').length > 0",
            Duration::from_secs(30),
        )
        .await;
    for theme in ["light", "dark"] {
        set_theme(&offline, theme).await;
        check(
            &format!("offline file, {theme}"),
            violations(&offline, &axe).await,
        );
    }
    offline.stop().await;
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}

#[tokio::test]
async fn load_progress_is_announced_at_milestones_not_at_every_page() {
    let base = support::demo_gateway_with(&["--demo-upstream-delay-ms", "40"]).await;
    let browser = support::logged_in(&base).await;
    assert_eq!(
        browser
            .script("return document.querySelectorAll('section.sources[aria-live], .load-progress [aria-live]').length;")
            .await,
        0,
        "the page-by-page progress is not a live region"
    );
    // Count what the live region says while a week loads, page by page.
    browser
        .script(
            "window.__said = []; const live = document.querySelector('[data-live=loads]'); \
             new MutationObserver(() => window.__said.push(live.textContent)) \
               .observe(live, { childList: true, characterData: true, subtree: true }); return true;",
        )
        .await;
    browser
        .click("section.range-picker .ranges button:nth-of-type(4)")
        .await;
    browser
        .wait_for(
            "the week",
            &format!("location.search.includes('range=7d') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let said = browser.script("return window.__said;").await;
    let said: Vec<&str> = said
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let pages = browser
        .number("Array.from(document.querySelectorAll('.load-progress')).map(p => Number((p.textContent.match(/\\((\\d+) page/) || [0, 0])[1])).reduce((a, b) => a + b, 0)")
        .await;
    assert!(pages >= 6, "a load of several pages ({pages})");
    assert!(
        !said.is_empty() && said.len() <= 4,
        "{} announcements for {pages} pages: {said:?}",
        said.len()
    );
    let last = said.last().unwrap();
    assert!(
        last.contains("Octopai:")
            && last.contains("Cloudera Manager:")
            && last.contains("events loaded"),
        "{last}"
    );
    browser.stop().await;
}
