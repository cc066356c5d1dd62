//! For every person: the theme (the system's until picked, charts
//! included), everything done with the keyboard alone, and a working
//! session renewed in the browser while an idle one asks to log in.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use audit_dashboard::charts::Ink;
use serde_json::json;
use support::page::every_chart_painted_on;
use support::{demo_gateway, log_in, logged_in, Browser, BOTH_LOADED};

#[tokio::test]
async fn the_theme_follows_the_system_until_picked_and_the_charts_follow_it() {
    let base = demo_gateway().await;
    // A system that prefers dark.
    let browser = Browser::start_with(&["--force-dark-mode".to_owned()]).await;
    browser.client.goto(&base).await.unwrap();
    browser
        .wait_for(
            "the system's dark theme",
            "document.documentElement.dataset.themeShown === 'dark'",
            Duration::from_secs(20),
        )
        .await;
    log_in(&browser, "demo-password").await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let page = "getComputedStyle(document.documentElement).backgroundColor";
    assert_eq!(
        browser.script(&format!("return {page};")).await,
        "rgb(20, 24, 29)"
    );
    every_chart_painted_on(&browser, "dark charts", Ink::DARK.background).await;
    // A picture of the dark dashboard, for people to look at.
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = browser.client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(shots.join("dashboard-dark-1280.png"), png).unwrap();
    assert_eq!(
        browser.stored().await.matches("\"local\":[]").count(),
        1,
        "following the system stores nothing"
    );
    // The person picks light: the page and every chart follow at once.
    browser.choose("#theme", "light").await;
    every_chart_painted_on(&browser, "light charts", Ink::LIGHT.background).await;
    assert_eq!(
        browser.script(&format!("return {page};")).await,
        "rgb(243, 245, 248)"
    );
    let local = browser
        .script("return JSON.stringify(Object.entries(localStorage));")
        .await;
    assert_eq!(
        local, "[[\"audit-dashboard.theme\",\"light\"]]",
        "only the choice, and no secret, in localStorage"
    );
    // Kept across a reload, whatever the system prefers.
    browser.client.refresh().await.unwrap();
    browser
        .wait_for("the reload", BOTH_LOADED, Duration::from_secs(60))
        .await;
    assert_eq!(
        browser
            .script("return document.documentElement.dataset.theme;")
            .await,
        "light"
    );
    every_chart_painted_on(&browser, "light charts after reload", Ink::LIGHT.background).await;
    browser.stop().await;
}

/// Presses Tab until the focused element matches `css`; panics when it is
/// not reached (so a control the keyboard cannot reach fails the test).
async fn tab_to(browser: &Browser, css: &str) {
    for _ in 0..250 {
        let here = browser
            .script(&format!(
                "return document.activeElement && document.activeElement.matches({});",
                json!(css)
            ))
            .await;
        if here == true {
            return;
        }
        press(browser, "\u{E004}").await; // Tab
    }
    panic!("Tab never reached {css}");
}

/// Sends keys to whatever has the focus, as a keyboard would.
async fn press(browser: &Browser, keys: &str) {
    let active = browser
        .client
        .active_element()
        .await
        .expect("something has the focus");
    active.send_keys(keys).await.expect("the keys were sent");
}

#[tokio::test]
async fn everything_can_be_done_with_the_keyboard_alone() {
    let base = demo_gateway().await;
    let browser = Browser::start().await;
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    tab_to(&browser, "#octopai-user").await;
    press(&browser, "analyst@example.com\u{E004}demo-password").await;
    tab_to(&browser, "#cloudera-user").await;
    press(&browser, "admin\u{E004}admin").await;
    tab_to(&browser, "#login-submit").await;
    press(&browser, "\u{E007}").await; // Enter
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    // Change the window: Tab to "Last 7 days" and press Enter.
    tab_to(
        &browser,
        "section.range-picker .ranges button:nth-of-type(4)",
    )
    .await;
    press(&browser, "\u{E007}").await;
    browser
        .wait_for(
            "the week",
            &format!("location.search.includes('range=7d') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    // `/` goes to the query; type a filter and apply it with Enter.
    press(&browser, "/").await;
    assert_eq!(
        browser.script("return document.activeElement.id;").await,
        "query"
    );
    press(&browser, "allowed==false\u{E007}").await;
    browser
        .wait_for(
            "the filtered view",
            &format!("location.search.includes('q=allowed') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    // Esc leaves the field; `j` moves through the table, Enter opens the
    // event's detail, Esc closes it.
    press(&browser, "\u{E00C}").await; // Escape
    press(&browser, "jj").await;
    assert_eq!(
        browser
            .script("return document.querySelector('table.event-table tr.cursor').getAttribute('aria-rowindex');")
            .await,
        "2"
    );
    press(&browser, "k").await;
    press(&browser, "\u{E007}").await;
    browser
        .wait_for(
            "the detail",
            "document.querySelector('aside.event-detail') !== null",
            Duration::from_secs(10),
        )
        .await;
    press(&browser, "\u{E00C}").await;
    browser
        .wait_for(
            "the detail closed",
            "document.querySelector('aside.event-detail') === null",
            Duration::from_secs(10),
        )
        .await;
    // `[` steps the window back by its length.
    let before = browser.dashboard().window_words().await;
    press(&browser, "[").await;
    browser
        .wait_for(
            "the week before",
            &format!("location.search.includes('from=') && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;
    assert_ne!(browser.dashboard().window_words().await, before);
    // `?` lists the shortcuts; Esc closes the list.
    press(&browser, "?").await;
    browser
        .wait_for(
            "the list",
            "document.querySelector('section.shortcuts') !== null",
            Duration::from_secs(5),
        )
        .await;
    press(&browser, "\u{E00C}").await;
    browser
        .wait_for(
            "the list closed",
            "document.querySelector('section.shortcuts') === null",
            Duration::from_secs(5),
        )
        .await;
    // Typing a shortcut's key in a field types it.
    press(&browser, "/").await;
    press(&browser, "[j?").await;
    assert!(browser
        .script("return document.getElementById('query').value;")
        .await
        .as_str()
        .unwrap()
        .ends_with("[j?"));
    assert_eq!(
        browser
            .script("return document.querySelector('section.shortcuts') === null && location.search.includes('from=');")
            .await,
        true
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_working_session_is_renewed_in_the_browser_and_an_idle_one_asks_to_log_in() {
    let base = support::demo_gateway_with(&[
        "--session-idle-seconds",
        "4",
        "--session-max-seconds",
        "300",
    ])
    .await;
    let browser = logged_in(&base).await;
    let token = || async {
        browser
            .script("return JSON.parse(sessionStorage.getItem('audit-dashboard.session')).token;")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    };
    let status_with = |token: String| {
        let browser = &browser;
        async move {
            browser
                .client
                .execute_async(
                    "const [token, done] = arguments; \
                     fetch('/gateway/cloudera/audits?maxResults=1', { headers: { Authorization: 'Bearer ' + token } }) \
                       .then(r => done(r.status));",
                    vec![serde_json::json!(token)],
                )
                .await
                .unwrap()
        }
    };
    let first = token().await;
    // Work for well past the idle timeout: a new query every 1.5 seconds.
    for query in [
        "allowed==false",
        "allowed==true",
        "allowed==false",
        "allowed==true",
    ] {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        browser.type_into("#query", query).await;
        browser.click("#query-apply").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser
            .wait_for(query, BOTH_LOADED, Duration::from_secs(30))
            .await;
    }
    let path = browser.script("return location.pathname;").await;
    assert_eq!(
        path, "/dashboard",
        "six seconds of work outlast a four-second idle timeout"
    );
    let renewed = token().await;
    assert_ne!(renewed, first, "the app keeps the renewed token");
    assert_eq!(
        status_with(first).await,
        401,
        "the first token has gone idle"
    );
    assert_eq!(status_with(renewed).await, 200);
    // Stop working for longer than the idle timeout: the next action asks
    // to log in, once.
    tokio::time::sleep(Duration::from_secs(5)).await;
    browser.type_into("#query", "allowed==false").await;
    browser.click("#query-apply").await;
    browser
        .wait_for(
            "the re-login prompt",
            "location.pathname === '/login' && location.search.includes('reason=expired')",
            Duration::from_secs(30),
        )
        .await;
    browser.stop().await;
}

#[tokio::test]
async fn the_fields_panel_counts_each_value_and_a_click_narrows_to_exactly_that_count() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    // Counted once the panel is opened, not before.
    assert_eq!(
        browser
            .number("document.querySelectorAll('#fields .facet').length")
            .await,
        0
    );
    browser.click("details#fields summary").await;
    browser
        .wait_for(
            "every field's facet",
            "document.querySelectorAll('#fields .facet').length === 6",
            Duration::from_secs(20),
        )
        .await;
    let events = browser.dashboard().tile("tile-events").await;
    let users = browser
        .script(
            "const s = document.querySelector('#fields .facet[data-facet=\"username\"]'); \
             return { distinct: Number(s.dataset.distinct), \
                      values: [...s.querySelectorAll('li')].map(li => [li.dataset.value, Number(li.dataset.count)]) };",
        )
        .await;
    let values = users["values"].as_array().unwrap();
    assert!(values.len() > 1, "{users}");
    assert!(
        users["distinct"].as_u64().unwrap() >= values.len() as u64,
        "{users}"
    );
    let counts: Vec<u64> = values.iter().map(|v| v[1].as_u64().unwrap()).collect();
    // Most first, and no value counts more events than are shown.
    assert!(counts.windows(2).all(|pair| pair[0] >= pair[1]), "{users}");
    assert!(counts.iter().sum::<u64>() <= events, "{users} of {events}");
    let (top, top_count) = (values[0][0].as_str().unwrap().to_owned(), counts[0]);

    // `=` on the commonest account: the query and the URL say it, and the
    // events shown are exactly the ones it counted.
    browser
        .click("#fields .facet[data-facet=\"username\"] li:first-child button.filter-add")
        .await;
    browser
        .wait_for(
            "the narrowed load",
            &format!(
                "decodeURIComponent(location.search).includes({}) && {BOTH_LOADED}",
                json!(format!("username=={top}"))
            ),
            Duration::from_secs(60),
        )
        .await;
    browser
        .wait_for(
            "the events tile to count the account's events",
            &format!(
                "Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, '')) === {top_count}"
            ),
            Duration::from_secs(20),
        )
        .await;
    // The panel, still open, now sees one account.
    browser
        .wait_for(
            "the facet of one account",
            "document.querySelector('#fields .facet[data-facet=\"username\"]').dataset.distinct === '1'",
            Duration::from_secs(20),
        )
        .await;
}

#[tokio::test]
async fn chosen_columns_show_a_records_field_survive_a_reload_and_shape_the_csv() {
    let base = demo_gateway().await;
    let browser = logged_in(&base).await;
    browser
        .wait_for("the first load", BOTH_LOADED, Duration::from_secs(60))
        .await;
    let headings = "return [...document.querySelectorAll('table.event-head th')].map(th => (th.querySelector('button.sort') || th).dataset.column);";
    browser.click("details#columns summary").await;
    // A field only Octopai's records have, offered from the events shown.
    browser
        .wait_for(
            "the records' fields offered",
            "document.querySelector('#column-choice option[value=\"raw.userAgent\"]') !== null",
            Duration::from_secs(20),
        )
        .await;
    browser.choose("#column-choice", "raw.userAgent").await;
    browser.click("#column-add").await;
    browser
        .wait_for(
            "the new column",
            "document.querySelector('table.event-head th.raw-column[data-column=\"userAgent\"]') !== null",
            Duration::from_secs(20),
        )
        .await;
    // Source taken away, User moved ahead of the time.
    browser
        .click("#columns li[data-column=\"source\"] .column-remove")
        .await;
    browser
        .click("#columns li[data-column=\"user\"] .column-earlier")
        .await;
    browser
        .wait_for(
            "the columns as chosen",
            "decodeURIComponent(location.search).includes('cols=user,time,action,target,outcome,ip,raw.userAgent')",
            Duration::from_secs(20),
        )
        .await;
    let chosen = browser.script(headings).await;
    assert_eq!(
        chosen,
        json!([
            "User",
            "Time",
            "Action",
            "Target",
            "Outcome",
            "IP address",
            "userAgent"
        ])
    );
    // Octopai's rows show their user agent; the record's text, as sent.
    let agents = browser
        .script(
            "return [...document.querySelectorAll('table.event-table tbody tr[data-source=\"Octopai\"]')] \
             .map(tr => tr.cells[6].textContent);",
        )
        .await;
    let agents = agents.as_array().unwrap();
    assert!(!agents.is_empty());
    assert!(
        agents.iter().all(|a| !a.as_str().unwrap().is_empty()),
        "{agents:?}"
    );

    // The link is the state: a reload shows the same columns.
    let url = browser.client.current_url().await.unwrap();
    browser.client.goto(url.as_str()).await.unwrap();
    browser
        .wait_for("the reload", BOTH_LOADED, Duration::from_secs(60))
        .await;
    browser
        .wait_for(
            "the table",
            "document.querySelectorAll('table.event-head th').length === 7",
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(browser.script(headings).await, chosen);

    // The CSV export follows them, in that order.
    browser.catch_downloads().await;
    browser.click("#export-csv").await;
    let csv = &browser.saved_files().await[0];
    assert_eq!(
        csv.split("\r\n").next().unwrap(),
        "user,time,action,target,outcome,ip_address,userAgent"
    );

    // Back to the usual columns.
    browser.click("details#columns summary").await;
    browser.click("#columns-reset").await;
    browser
        .wait_for(
            "the usual columns",
            "!location.search.includes('cols=') && document.querySelectorAll('table.event-head th').length === 7 \
             && document.querySelector('table.event-head th').textContent.startsWith('Time')",
            Duration::from_secs(20),
        )
        .await;
}

#[tokio::test]
async fn a_named_view_survives_a_reload_opens_to_the_same_events_and_a_broken_entry_is_left_out() {
    let base = demo_gateway().await;
    let now = chrono::Utc::now();
    let iso = |hours: i64| {
        audit_core::cloudera::percent_encode(&audit_core::time::format_iso(
            now - chrono::Duration::hours(hours),
        ))
    };
    // A fixed range, a query and chosen columns: what the view holds.
    let path = format!(
        "/dashboard?from={}&to={}&q=allowed%3D%3Dfalse&cols=time,user,action",
        iso(30),
        iso(2)
    );
    let browser = support::logged_in_at(&base, &path).await;
    let events = browser.dashboard().tile("tile-events").await;
    assert!(events > 0);
    browser.click("details#saved-views summary").await;
    browser.type_into("#view-name", "  Denied yesterday ").await;
    browser.click("#view-save").await;
    browser
        .wait_for(
            "the saved view",
            "document.querySelector('#saved-views li[data-name=\"Denied yesterday\"] a.view-open') !== null",
            Duration::from_secs(10),
        )
        .await;
    // localStorage holds preferences and saved views only, no secret.
    let stored = browser
        .script(
            "return { keys: Object.keys(localStorage).sort(), \
                      token: JSON.parse(sessionStorage.getItem('audit-dashboard.session')).token, \
                      local: Object.values(localStorage).join(' ') };",
        )
        .await;
    for key in stored["keys"].as_array().unwrap() {
        assert!(
            ["audit-dashboard.theme", "audit-dashboard.views"].contains(&key.as_str().unwrap()),
            "{stored}"
        );
    }
    let token = stored["token"].as_str().unwrap();
    assert!(token.len() > 20, "{stored}");
    assert!(
        !stored["local"].as_str().unwrap().contains(token),
        "{stored}"
    );

    // Elsewhere, then a reload: the view is still there and opens to the
    // same events, in the same columns.
    browser.open_view(&base, "/dashboard?range=1h").await;
    browser.click("details#saved-views summary").await;
    browser
        .click("#saved-views li[data-name=\"Denied yesterday\"] a.view-open")
        .await;
    browser
        .wait_for(
            "the saved view's events",
            &format!(
                "decodeURIComponent(location.search).includes('q=allowed==false') && {BOTH_LOADED} \
                 && Number(document.querySelector('#tile-events .value').textContent.replace(/,/g, '')) === {events}"
            ),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        browser
            .number("document.querySelectorAll('table.event-head th').length")
            .await,
        3
    );

    // Renamed, then deleted.
    browser
        .type_into("#saved-views li input.view-rename", "Denied, day before")
        .await;
    browser.click("#saved-views li .view-rename-apply").await;
    browser
        .wait_for(
            "the new name",
            "document.querySelector('#saved-views li[data-name=\"Denied, day before\"]') !== null",
            Duration::from_secs(10),
        )
        .await;
    browser.click("#saved-views li .view-delete").await;
    browser
        .wait_for(
            "no saved view",
            "document.querySelectorAll('#saved-views li').length === 0 \
             && JSON.parse(localStorage.getItem('audit-dashboard.views')).length === 0",
            Duration::from_secs(10),
        )
        .await;

    // A broken entry beside a good one: the good one stays, the page says
    // what was left out, and the dashboard works.
    browser
        .script(
            "localStorage.setItem('audit-dashboard.views', '[{\"name\":\"Last hour\",\"link\":\"/dashboard?range=1h\"}, 42]'); return true;",
        )
        .await;
    browser.open_view(&base, "/dashboard?range=1h").await;
    browser.click("details#saved-views summary").await;
    let notice = browser.dashboard().text("#views-notice").await;
    assert!(
        notice.contains("1 saved view entry could not be read"),
        "{notice}"
    );
    assert_eq!(
        browser
            .number("document.querySelectorAll('#saved-views li[data-name=\"Last hour\"]').length")
            .await,
        1
    );
}
