//! End to end, in headless Chromium through the real gateway against the
//! simulated upstreams: the security view finds the demo data's attacks,
//! each flag shows exactly its events, thresholds are editable, the
//! timeline zooms by dragging and a downloaded chart is a valid SVG.
//!
//! Needs what `tests/e2e.rs` needs; `cargo xtask test` provides it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::Locator;
use simulated_upstreams::data::{BRUTE_FORCE_ATTEMPTS, BRUTE_FORCE_IP};
use support::{demo_gateway, demo_gateway_with, logged_in, BOTH_LOADED, TABLE_ROWS};

const RAJ: &str = simulated_upstreams::data::BRUTE_FORCE_TARGET;

fn flag(kind: &str, subject: &str) -> String {
    format!("li.flag[data-kind='{kind}'][data-key^='{kind}:{subject}:']")
}

#[tokio::test]
async fn seeded_attacks_are_flagged_explained_and_each_flag_shows_exactly_its_events() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;

    // The seeded brute force, password spray and failure streak are flagged
    // in the default 24-hour view, each with its reason.
    for (kind, subject, reason) in [
        (
            "brute-force",
            RAJ,
            "40 failed logins for raj.kim@example.com",
        ),
        ("brute-force", "admin", "15 failed logins for admin"),
        (
            "spray",
            "198.51.100.23",
            "25 distinct accounts failed to log in from 198.51.100.23",
        ),
        (
            "fail-then-success",
            "lucas.kim@example.com",
            "6 failed logins for lucas.kim@example.com, then a successful one",
        ),
        (
            "denied-burst",
            "tariq.kim",
            "20 denied operations by tariq.kim",
        ),
    ] {
        let text = browser
            .script(&format!(
                "const li = document.querySelector(\"{}\"); return li ? li.textContent : '';",
                flag(kind, subject)
            ))
            .await;
        assert!(
            text.as_str().unwrap().contains(reason),
            "{kind} for {subject}: {text}"
        );
    }

    // Showing one flag's events narrows the table to exactly those events.
    browser
        .click(&format!("{} button.flag-show", flag("brute-force", RAJ)))
        .await;
    browser
        .wait_for(
            "the flag's events",
            &format!("location.search.includes('flag=brute-force') && document.querySelector('table.event-table[data-rows]')?.dataset.rows === '{BRUTE_FORCE_ATTEMPTS}'"),
            Duration::from_secs(20),
        )
        .await;
    for row in browser.dashboard().row_texts().await {
        assert!(row.contains(RAJ) && row.contains(BRUTE_FORCE_IP), "{row}");
    }
    let narrowed = browser.dashboard().narrowed().await;
    assert!(
        narrowed.contains(&format!(
            "Showing only the {BRUTE_FORCE_ATTEMPTS} events of the flag Brute force: {RAJ}"
        )),
        "{narrowed}"
    );
    browser.click("#show-all").await;
    browser
        .wait_for(
            "all events again",
            &format!("!location.search.includes('flag=') && Number(document.querySelector('table.event-table[data-rows]')?.dataset.rows) > {BRUTE_FORCE_ATTEMPTS}"),
            Duration::from_secs(20),
        )
        .await;

    // The failed-logins tile narrows to failed logins only.
    let failed = browser.dashboard().tile("failed-logins").await;
    browser.click("#failed-logins").await;
    browser
        .wait_for(
            "failed logins only",
            "location.search.includes('show=failed-logins')",
            Duration::from_secs(20),
        )
        .await;
    let outcomes = browser
        .dashboard()
        .texts("table.event-table tbody tr td.outcome")
        .await;
    assert!(!outcomes.is_empty());
    assert_eq!(browser.number(TABLE_ROWS).await, failed);
    assert!(outcomes.iter().all(|o| o == "failed"), "{outcomes:?}");
    browser.click("#show-all").await;

    // A threshold above the burst's size clears its flag; the URL keeps it.
    browser.click("details.thresholds summary").await;
    browser.type_into("#bf-count", "0").await;
    browser.click("#thresholds-apply").await;
    browser
        .wait_for(
            "the threshold error",
            "document.querySelector('.threshold-error') !== null",
            Duration::from_secs(10),
        )
        .await;
    assert!(!browser
        .script("return location.search;")
        .await
        .as_str()
        .unwrap()
        .contains("bf="));
    browser.type_into("#bf-count", "41").await;
    browser.click("#thresholds-apply").await;
    browser
        .wait_for(
            "the raised threshold",
            &format!(
                "location.search.includes('bf=41%2F10') && !document.querySelector(\"{}\") && document.querySelector(\"{}\")",
                flag("brute-force", RAJ),
                flag("spray", "198.51.100.23")
            ),
            Duration::from_secs(20),
        )
        .await;
    browser.click("#thresholds-reset").await;
    browser
        .wait_for(
            "the default thresholds",
            &format!(
                "!location.search.includes('bf=') && document.querySelector(\"{}\")",
                flag("brute-force", RAJ)
            ),
            Duration::from_secs(20),
        )
        .await;

    browser.stop().await;
}

#[tokio::test]
async fn dragging_the_timeline_zooms_reset_returns_and_a_downloaded_svg_is_valid() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    let overlay = "section[data-chart='octopai-logins'] .chart-overlay";

    // Hovering shows a bucket's exact counts and span.
    let element = browser.client.find(Locator::Css(overlay)).await.unwrap();
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: element.clone(),
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    browser.client.perform_actions(hover).await.unwrap();
    browser
        .wait_for(
            "the hover text",
            &format!("(document.querySelector(\"{overlay} .chart-tip\") || {{}}).textContent?.match(/ to .*: \\d+ failed, \\d+ succeeded/)"),
            Duration::from_secs(10),
        )
        .await;

    // Dragging across a third of the chart zooms to that span.
    let width = browser
        .number(&format!(
            "Math.round(document.querySelector(\"{overlay}\").getBoundingClientRect().width)"
        ))
        .await as f64;
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: element.clone(),
            duration: None,
            x: -width / 6.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveToElement {
            element: element.clone(),
            duration: Some(Duration::from_millis(200)),
            x: width / 6.0,
            y: 0.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    browser.client.perform_actions(drag).await.unwrap();
    browser
        .wait_for(
            "the zoomed range",
            &format!("location.search.includes('from=') && location.search.includes('to=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    let hours = browser
        .script("const p = new URLSearchParams(location.search); return (Date.parse(p.get('to')) - Date.parse(p.get('from'))) / 3600000;")
        .await
        .as_f64()
        .unwrap();
    assert!(
        (6.0..=10.0).contains(&hours),
        "a third of 24 hours, give or take a bucket: {hours}"
    );

    // Reset returns to the previous (relative) range.
    browser.click("#zoom-reset").await;
    browser
        .wait_for(
            "the previous range",
            &format!("location.search.includes('range=24h') && !location.search.includes('from=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;

    // The SVG download is a well-formed SVG document of the chart.
    browser
        .script(
            "window.__saved = null; const original = URL.createObjectURL; \
             URL.createObjectURL = (blob) => { window.__saved = blob; return original(blob); }; return true;",
        )
        .await;
    browser
        .click("section[data-chart='octopai-logins'] button.download-svg")
        .await;
    let checked = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__saved.text().then(text => { \
               const doc = new DOMParser().parseFromString(text, 'image/svg+xml'); \
               done({ type: window.__saved.type, root: doc.documentElement.nodeName, \
                      errors: doc.getElementsByTagName('parsererror').length, rects: doc.getElementsByTagName('rect').length }); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(checked["type"], "image/svg+xml");
    assert_eq!(checked["root"], "svg");
    assert_eq!(checked["errors"], 0);
    assert!(checked["rects"].as_u64().unwrap() > 1, "{checked}");

    browser.stop().await;
}

#[tokio::test]
async fn no_page_breaks_the_content_security_policy_and_a_breach_would_be_seen() {
    let base = demo_gateway().await;
    let browser = support::Browser::start().await;
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for("the dashboard", BOTH_LOADED, Duration::from_secs(60))
        .await;
    // Every view the app has: the detail panel, a chart's hover and both
    // downloads, the thresholds form, and the 7-day view.
    browser
        .click("tbody tr:first-child button.open-detail")
        .await;
    browser.click("#detail-close").await;
    browser
        .click("section[data-chart='activity-timeline'] button.download-png")
        .await;
    browser
        .click("section[data-chart='activity-timeline'] button.download-svg")
        .await;
    browser.click("details.thresholds summary").await;
    browser
        .client
        .goto(&format!("{base}/dashboard?range=7d&tz=utc"))
        .await
        .unwrap();
    browser
        .wait_for("the 7-day view", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let reports = |browser: &support::Browser| {
        let client = browser.client.clone();
        async move {
            client
                .execute_async(
                    "const done = arguments[0]; fetch('/gateway/health').then(r => r.json()).then(h => done(h.csp_reports));",
                    vec![],
                )
                .await
                .unwrap()
                .as_u64()
                .unwrap()
        }
    };
    // Reports are sent asynchronously: give them time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(reports(&browser).await, 0, "CSP violations were reported");

    // The check can fail: an injected inline script is blocked and reported.
    browser
        .script("const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.body.append(s); return window.injected === undefined;")
        .await;
    let mut seen = 0;
    for _ in 0..50 {
        seen = reports(&browser).await;
        if seen > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen >= 1, "the blocked script was reported");
    assert_eq!(
        browser
            .script("return window.injected === undefined;")
            .await,
        serde_json::json!(true),
        "the injected script did not run"
    );
    browser.stop().await;
}

#[tokio::test]
async fn an_expired_session_asks_once_and_returns_to_the_same_view() {
    let base = support::demo_gateway_with(&["--session-max-seconds", "8"]).await;
    let browser = support::Browser::start().await;
    browser.client.goto(&base).await.unwrap();
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    // A view worth coming back to: a query and a zone.
    browser
        .client
        .goto(&format!(
            "{base}/dashboard?range=24h&q=allowed%3D%3Dfalse&tz=utc"
        ))
        .await
        .unwrap();
    browser
        .wait_for("the filtered view", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let window_before = browser.dashboard().window_words().await;
    let rows_before = browser.number(TABLE_ROWS).await;
    // Let the session expire, then ask for data: both sources fail at once.
    tokio::time::sleep(Duration::from_secs(9)).await;
    // Changing the query loads both sources again.
    browser
        .type_into("#query", "allowed==false;service!=x")
        .await;
    browser.click("#query-apply").await;
    let next = support::relogin_prompt(&browser, Duration::from_secs(30)).await;
    let notices = browser
        .number("document.querySelectorAll('.notice, [role=status]').length")
        .await;
    assert!(notices >= 1);
    assert!(
        next.starts_with("/dashboard?from="),
        "the window is frozen: {next}"
    );
    assert!(
        next.contains("tz=utc") && next.contains("q=allowed"),
        "{next}"
    );
    // Logging in again returns to exactly that view, loaded.
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for(
            "the view again",
            &format!("location.pathname === '/dashboard' && location.search.includes('from=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    // The URL is the one the prompt kept: the same query, zone and the
    // window pinned when the failed load started, 24 hours long.
    let same = browser
        .client
        .execute(
            "const next = new URLSearchParams(arguments[0].split('?')[1]); \
             const here = new URLSearchParams(location.search); \
             return location.pathname === '/dashboard' && [...here].join('&') === [...next].join('&');",
            vec![serde_json::json!(next)],
        )
        .await
        .unwrap();
    assert_eq!(same, serde_json::json!(true), "{next}");
    let hours = browser
        .script("const p = new URLSearchParams(location.search); return (Date.parse(p.get('to')) - Date.parse(p.get('from'))) / 3600000;")
        .await;
    assert_eq!(hours, serde_json::json!(24));
    assert_ne!(
        browser.dashboard().window_words().await,
        "",
        "{window_before}"
    );
    let rows_after = browser.number(TABLE_ROWS).await;
    // The same window and the narrower query: never more than before.
    assert!(
        rows_after <= rows_before && rows_after > 0,
        "{rows_after} of {rows_before}"
    );
    browser.stop().await;
}

#[tokio::test]
async fn after_logout_the_old_token_is_refused_and_back_shows_the_login() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    let token = browser
        .script("return JSON.parse(sessionStorage.getItem('audit-dashboard.session')).token;")
        .await;
    let token = token.as_str().unwrap().to_owned();
    browser.click("#logout").await;
    browser
        .wait_for(
            "the login page",
            "location.pathname === '/login'",
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(
        browser.stored().await,
        "{\"session\":[],\"local\":[],\"cookies\":\"\"}"
    );
    let status = browser
        .client
        .execute_async(
            "const [token, done] = arguments; \
             const tryOnce = () => fetch('/gateway/cloudera/audits?maxResults=1', { headers: { Authorization: 'Bearer ' + token } }) \
               .then(r => r.status === 401 ? done(401) : setTimeout(tryOnce, 100)); tryOnce();",
            vec![serde_json::json!(token)],
        )
        .await
        .unwrap();
    assert_eq!(status, 401, "the logged-out token no longer works");
    browser.client.back().await.unwrap();
    browser
        .wait_for(
            "the login page after back",
            "location.pathname === '/login'",
            Duration::from_secs(10),
        )
        .await;
    browser.stop().await;
}

#[tokio::test]
async fn hostile_values_in_every_field_render_as_inert_text() {
    let base = support::demo_gateway_with(&["--demo-hostile"]).await;
    let browser = logged_in(&base).await;
    let page = browser
        .script(
            "return { pwned: window.__pwned ?? null, \
                      scripts: document.querySelectorAll('body script').length, \
                      handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length, \
                      links: [...document.querySelectorAll('a[href]')].filter(a => a.href.startsWith('javascript:')).length, \
                      overflow: document.documentElement.scrollWidth - window.innerWidth, \
                      text: document.querySelector('table.event-table tbody').textContent.includes('<script>window.__pwned') };",
        )
        .await;
    assert_eq!(page["pwned"], serde_json::Value::Null, "{page}");
    assert_eq!(page["scripts"], 0, "{page}");
    assert_eq!(page["handlers"], 0, "{page}");
    assert_eq!(page["links"], 0, "{page}");
    assert!(
        page["overflow"].as_i64().unwrap() <= 1,
        "the layout holds: {page}"
    );
    assert_eq!(page["text"], true, "the markup is shown as text: {page}");

    // The detail of a hostile event shows every field as text, too.
    browser
        .script(
            "const row = [...document.querySelectorAll('table.event-table tbody tr')] \
               .find(r => r.cells[2].textContent.startsWith('<img')); \
             row.querySelector('button.open-detail').click(); return true;",
        )
        .await;
    browser
        .wait_for(
            "the hostile event's detail",
            "document.querySelector('aside.event-detail')",
            Duration::from_secs(10),
        )
        .await;
    let detail = browser
        .script(
            "const aside = document.querySelector('aside.event-detail'); \
             return { pwned: window.__pwned ?? null, images: aside.querySelectorAll('img, svg').length, \
                      shown: aside.textContent.includes('onerror='), \
                      width: aside.getBoundingClientRect().right - window.innerWidth };",
        )
        .await;
    assert_eq!(detail["pwned"], serde_json::Value::Null, "{detail}");
    assert_eq!(detail["images"], 0, "{detail}");
    assert_eq!(detail["shown"], true, "{detail}");
    assert!(detail["width"].as_f64().unwrap() <= 1.0, "{detail}");

    // Nothing was even attempted: the policy saw no violation.
    let reports = browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/gateway/health').then(r => r.json()).then(h => done(h.csp_reports));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(reports, 0);
    browser.stop().await;
}

#[tokio::test]
async fn the_app_runs_over_https_with_a_locally_made_certificate() {
    let identity = audit_gateway::tls::Identity::self_signed().unwrap();
    let dir = support::servers::Scratch::new("e2e-tls");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &identity.cert_pem).unwrap();
    std::fs::write(&key, &identity.key_pem).unwrap();
    let base = support::demo_gateway_with(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ])
    .await;
    assert!(base.starts_with("https://"), "{base}");
    // Chromium trusts exactly this key, as a person accepting the
    // certificate would; nothing else about TLS is relaxed.
    let browser = support::Browser::start_with(&[format!(
        "--ignore-certificate-errors-spki-list={}",
        identity.spki_sha256().unwrap()
    )])
    .await;
    browser.client.goto(&base).await.unwrap();
    support::log_in(&browser, "demo-password").await;
    browser
        .wait_for(
            "both sources over HTTPS",
            BOTH_LOADED,
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        browser
            .script("return [location.protocol, window.isSecureContext, Object.keys(sessionStorage).length];")
            .await,
        serde_json::json!(["https:", true, 1])
    );
    assert!(browser.number(TABLE_ROWS).await > 0);
    browser.stop().await;
}

/// How many silent-source flags the page lists.
async fn silent_flags(browser: &support::Browser) -> u64 {
    browser
        .number("document.querySelectorAll(\"li.flag[data-kind='silent-source']\").length")
        .await
}

/// Whether the page has an element at `css`.
async fn shows(browser: &support::Browser, css: &str) -> bool {
    browser.client.find(Locator::Css(css)).await.is_ok()
}

#[tokio::test]
async fn a_silenced_source_is_called_out_an_ordinary_week_is_not_and_a_day_says_it_cannot_tell() {
    // The demo with Cloudera Manager silent for two hours, 37 hours ago.
    let silenced = demo_gateway_with(&["--demo-silence", "cloudera:37h:2h"]).await;
    let browser = logged_in(&silenced).await;
    // The default day is too short for a baseline, and says so.
    let note = browser.dashboard().text("#silence-note").await;
    assert!(
        note.contains("not watched over this window") && note.contains("3 days"),
        "{note}"
    );
    assert_eq!(silent_flags(&browser).await, 0);
    browser.open_view(&silenced, "/dashboard?range=7d").await;
    let silent = flag("silent-source", "Cloudera Manager");
    browser
        .wait_for(
            "the silent-source flag",
            &format!("!!document.querySelector(\"{silent}\")"),
            Duration::from_secs(20),
        )
        .await;
    let text = browser
        .script(&format!(
            "return document.querySelector(\"{silent}\").textContent;"
        ))
        .await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("Cloudera Manager recorded nothing for 2 h")
            && text.contains("an outage, or the audit trail switched off"),
        "{text}"
    );
    assert_eq!(silent_flags(&browser).await, 1, "only the silenced stretch");
    assert!(!shows(&browser, "#silence-note").await);
    // The time charts shade the silence: one stretch in the shade colour.
    let shade = format!(
        "fill=\"{}\"",
        support::page::svg_color(audit_dashboard::charts::Ink::LIGHT.shade)
    );
    for title in ["Activity timeline", "Cloudera Manager operations"] {
        let svg = browser.dashboard().chart(title).svg().await;
        let shaded = svg
            .lines()
            .filter(|line| line.starts_with("<rect") && line.contains(&shade))
            .count();
        assert_eq!(shaded, 1, "{title}: {shade}");
    }
    // A zoom to a day around it (too short to be watched on its own)
    // keeps the flag: the whole load was watched, a zoom only filters.
    browser
        .script(
            "const overlay = document.querySelector(\"section[data-chart='octopai-logins'] .chart-overlay\"); \
             const box = overlay.getBoundingClientRect(); const y = box.top + box.height / 2; \
             const at = (f) => ({ clientX: box.left + f * box.width, clientY: y, bubbles: true }); \
             overlay.dispatchEvent(new MouseEvent('mousedown', at(4 / 6))); \
             overlay.dispatchEvent(new MouseEvent('mousemove', at(5 / 6))); \
             overlay.dispatchEvent(new MouseEvent('mouseup', at(5 / 6))); return true;",
        )
        .await;
    browser
        .wait_for(
            "the zoom",
            &format!("location.search.includes('from=') && {BOTH_LOADED}"),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(silent_flags(&browser).await, 1, "kept by the zoom");
    assert!(!shows(&browser, "#silence-note").await);
    browser.click("#zoom-reset").await;
    browser
        .wait_for(
            "the week again",
            &format!(
                "location.search.includes('range=7d') && {BOTH_LOADED} && !!document.querySelector(\"{silent}\")"
            ),
            Duration::from_secs(30),
        )
        .await;
    // Its edges: the last audit before the silence and the first after.
    browser.click(&format!("{silent} button.flag-show")).await;
    browser
        .wait_for(
            "the edges shown",
            &format!("{TABLE_ROWS} === 2"),
            Duration::from_secs(10),
        )
        .await;
    // A threshold above what the silenced hours held switches the flag off,
    // kept in the link.
    browser.click("details.thresholds summary").await;
    browser.type_into("#silence-expected", "100000").await;
    browser.click("#thresholds-apply").await;
    browser
        .wait_for(
            "no silent-source flag",
            "!document.querySelector(\"li.flag[data-kind='silent-source']\") && location.search.includes('silent=100000')",
            Duration::from_secs(10),
        )
        .await;
    browser.stop().await;

    // The ordinary demo: over a day, against a week loaded for the
    // purpose, and over its week, no silent source.
    let ordinary = demo_gateway().await;
    let browser = logged_in(&ordinary).await;
    browser.click("#baseline-load").await;
    browser
        .wait_for(
            "the baseline loaded",
            "(document.querySelector('#baseline-status') || {}).textContent?.includes('watched against the week')",
            Duration::from_secs(30),
        )
        .await;
    assert_eq!(silent_flags(&browser).await, 0);
    assert!(!shows(&browser, "#silence-note").await);
    browser.open_view(&ordinary, "/dashboard?range=7d").await;
    assert_eq!(silent_flags(&browser).await, 0);
    assert!(!shows(&browser, "#silence-note").await);
    let svg = browser.dashboard().chart("Activity timeline").svg().await;
    assert!(!svg.contains(&shade), "nothing shaded");
    browser.stop().await;
}
