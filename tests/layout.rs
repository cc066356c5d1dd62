//! The layout holds from 360 px to 2560 px wide, in both themes: no part of
//! the page overflows sideways (the event table scrolls inside its own
//! box), touch targets are at least 44 px tall on narrow screens, and the
//! in-page navigation stays reachable. Screenshots of each width and theme
//! are written to `target/screenshots/` for people to look at.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::{demo_gateway, log_in, Browser, BOTH_LOADED};

/// Elements that stick out past the right edge of the window, outside any
/// box that scrolls sideways, as "tag.class (right edge)".
const OVERFLOW: &str = "
  const width = document.documentElement.clientWidth;
  const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') return true; }
    return false; };
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1 && !scrolls(e)) out.push(e.tagName.toLowerCase() + '.' + e.className + ' (' + Math.round(r.right) + ')');
  }
  return JSON.stringify({ page: document.documentElement.scrollWidth, width, out: out.slice(0, 8) });";

/// Buttons, links, inputs and selects shorter than 44 px.
const SMALL_TARGETS: &str = "
  const small = [];
  for (const e of document.querySelectorAll('button, a[href], input, select, summary')) {
    // A box or radio is touched through its label.
    const box = (e.type === 'checkbox' || e.type === 'radio') && e.closest('label');
    const r = (box || e).getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.height < 43.5 && getComputedStyle(e).visibility !== 'hidden')
      small.push((e.id || e.tagName.toLowerCase() + '.' + e.className) + ' ' + Math.round(r.height));
  }
  return JSON.stringify(small.slice(0, 10));";

async fn set_theme(browser: &Browser, theme: &str) {
    browser.choose("#theme", theme).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_layout_holds_from_360_to_2560_pixels_in_both_themes() {
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut problems = Vec::new();
    for width in [360u32, 768, 1280, 2560] {
        browser.client.set_window_size(width, 900).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        for theme in ["light", "dark"] {
            set_theme(&browser, theme).await;
            let report: serde_json::Value =
                serde_json::from_str(browser.script(OVERFLOW).await.as_str().unwrap()).unwrap();
            if report["page"].as_u64() > report["width"].as_u64()
                || !report["out"].as_array().unwrap().is_empty()
            {
                problems.push(format!("{width} px, {theme}: overflows: {report}"));
            }
            let png = browser.client.screenshot().await.unwrap();
            std::fs::write(shots.join(format!("dashboard-{theme}-{width}.png")), png).unwrap();
        }
        if width <= 768 {
            let small = browser.script(SMALL_TARGETS).await;
            if small.as_str() != Some("[]") {
                problems.push(format!("{width} px: touch targets under 44 px: {small}"));
            }
        }
        // The in-page navigation is on screen wherever the page is scrolled.
        browser
            .script("window.scrollTo(0, document.body.scrollHeight / 2); return true;")
            .await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let nav = browser
            .script(
                "const n = document.querySelector('nav.sections'); if (!n) return 'missing'; \
                 const r = n.getBoundingClientRect(); \
                 return r.bottom > 0 && r.top < window.innerHeight ? 'shown' : 'off screen';",
            )
            .await;
        if nav != "shown" {
            problems.push(format!("{width} px: the section navigation is {nav}"));
        }
        browser.script("window.scrollTo(0, 0); return true;").await;
    }
    // A section link scrolls to its section and leaves the view as it is.
    browser.client.set_window_size(1280, 900).await.unwrap();
    browser
        .script("window.__same_page = true; return true;")
        .await;
    browser.click("nav.sections a[href='#events']").await;
    browser
        .wait_for(
            "the events section",
            "location.hash === '#events' && Math.abs(document.getElementById('events').getBoundingClientRect().top) < 120",
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(
        browser
            .script(&format!(
                "return window.__same_page === true && {BOTH_LOADED};"
            ))
            .await,
        true,
        "no reload, nothing loaded again"
    );
    browser.stop().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
