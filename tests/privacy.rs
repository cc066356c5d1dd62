//! Privacy mode, in the real app through the real gateway: every person
//! and address masked in the page, the URL, the exports and the chart
//! downloads, every count unchanged, pseudonyms one-to-one, stable across
//! a reload of the same session and unresolvable in another.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde_json::Value;
use support::{demo_gateway, logged_in_at, Browser, BOTH_LOADED, TABLE_ROWS};

const TILES: [&str; 6] = [
    "tile-events",
    "failed-logins",
    "failing-accounts",
    "failing-ips",
    "denied-operations",
    "active-flags",
];

/// Clicks `css` and returns the text of each file it downloaded.
async fn downloaded(browser: &Browser, css: &str) -> Vec<String> {
    browser.script("window.__saved = []; return true;").await;
    browser.click(css).await;
    browser.saved_files().await
}

/// Every tile's count, in the order of `TILES`.
async fn tiles(browser: &Browser) -> Vec<u64> {
    let mut counts = Vec::new();
    for tile in TILES {
        counts.push(browser.dashboard().tile(tile).await);
    }
    counts
}

/// The detections' reasons as listed.
async fn flags(browser: &Browser) -> usize {
    browser
        .number("document.querySelectorAll('#detections .flag-show').length")
        .await as usize
}

/// Every e-mail address and IP address in `text`.
fn addresses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "._%+-@:".contains(c))) {
        let word = word.trim_matches(|c: char| c == '.' || c == ':');
        let email = word.contains('@') && word.split('@').nth(1).is_some_and(|d| d.contains('.'));
        let ip = word.parse::<std::net::IpAddr>().is_ok() && word.contains(['.', ':']);
        if email || ip {
            found.insert(word.to_owned());
        }
    }
    found
}

/// The page's whole markup (attributes, completion lists, charts and their
/// data tables included) and its address.
async fn everything_shown(browser: &Browser) -> String {
    support::open_data_tables(browser).await;
    browser
        .script("return location.href + '\\n' + document.documentElement.outerHTML;")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

/// The real values found in `text`, each with where (for the message).
/// Asserts that no real value appears in the page's markup or address.
async fn nothing_leaks(browser: &Browser, reals: &BTreeSet<String>) {
    let shown = everything_shown(browser).await;
    assert_eq!(leaked(&shown, reals), Vec::<String>::new());
}

fn leaked(text: &str, reals: &BTreeSet<String>) -> Vec<String> {
    reals
        .iter()
        .filter_map(|real| {
            let at = text.find(real.as_str())?;
            let around: String = text[..at]
                .chars()
                .rev()
                .take(80)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .chain(text[at..].chars().take(real.len() + 40))
                .collect();
            Some(format!("{real} in …{around}…"))
        })
        .collect()
}

async fn here(browser: &Browser) -> String {
    browser.client.current_url().await.unwrap().to_string()
}

/// `(user, address)` of every row drawn, top to bottom.
async fn people_in_rows(browser: &Browser) -> Vec<(String, String)> {
    browser
        .dashboard()
        .table_rows()
        .await
        .into_iter()
        .map(|cells| (cells[2].clone(), cells[6].clone()))
        .collect()
}

#[tokio::test]
async fn privacy_mode_masks_every_person_and_address_and_changes_no_count() {
    let base = demo_gateway().await;
    let end = chrono::Utc::now() - chrono::Duration::minutes(1);
    let start = end - chrono::Duration::hours(24);
    let iso = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let path = format!("/dashboard?from={}&to={}", iso(start), iso(end));
    let browser = logged_in_at(&base, &path).await;
    browser.catch_downloads().await;

    // As recorded: the counts, the flags, every person and address loaded.
    let plain_tiles = tiles(&browser).await;
    let plain_flags = flags(&browser).await;
    assert!(plain_flags > 0, "the demo's day has flags to compare");
    let plain_export = downloaded(&browser, "#export-json").await;
    let events: Vec<Value> = serde_json::from_str(&plain_export[0]).unwrap();
    assert_eq!(events.len() as u64, plain_tiles[0]);
    let mut reals = addresses(&plain_export[0]);
    let mut users = BTreeSet::new();
    for event in &events {
        users.insert(event["actor"].as_str().unwrap().to_owned());
        if let Some(ip) = event["ip"].as_str() {
            reals.insert(ip.to_owned());
        }
    }
    assert!(reals.len() > 20 && users.len() > 20, "{reals:?}");
    let plain_rows = people_in_rows(&browser).await;

    // On.
    browser.click("#privacy").await;
    browser
        .wait_for(
            "privacy mode",
            "new URLSearchParams(location.search).get('private') === '1' && document.querySelector('#privacy-help').textContent.startsWith('On:')",
            Duration::from_secs(20),
        )
        .await;
    browser
        .wait_for("the masked view", BOTH_LOADED, Duration::from_secs(60))
        .await;
    assert_eq!(tiles(&browser).await, plain_tiles, "every count the same");
    assert_eq!(flags(&browser).await, plain_flags, "the same flags");

    // No e-mail or IP address anywhere in the page or its URL, and no user
    // name in any user field: the same rows, one pseudonym per person.
    nothing_leaks(&browser, &reals).await;
    let masked_rows = people_in_rows(&browser).await;
    assert_eq!(masked_rows.len(), plain_rows.len());
    let mut user_of: HashMap<&str, &str> = HashMap::new();
    let mut person_of: HashMap<&str, &str> = HashMap::new();
    for ((real_user, real_ip), (user, ip)) in plain_rows.iter().zip(&masked_rows) {
        assert!(user.starts_with("user-") && !users.contains(user), "{user}");
        assert!(real_ip.is_empty() || ip.starts_with("ip-"), "{ip}");
        assert_eq!(
            *user_of.entry(real_user).or_insert(user),
            user.as_str(),
            "stable"
        );
        assert_eq!(
            *person_of.entry(user).or_insert(real_user),
            real_user.as_str(),
            "two people never share a pseudonym"
        );
    }
    assert!(user_of.len() > 5, "{user_of:?}");
    // Completion lists are filled while a field that completes has focus.
    browser.click("#query").await;
    browser
        .wait_for(
            "the completion lists",
            "document.querySelectorAll('#lookup-suggestions option').length > 0",
            Duration::from_secs(10),
        )
        .await;
    let lists = browser
        .script("return [...document.querySelectorAll('datalist option')].map(o => o.value).join('\\n');")
        .await;
    let lists = lists.as_str().unwrap();
    assert!(!lists.is_empty());
    for user in &users {
        assert!(
            !lists.lines().any(|line| line == user),
            "{user} in a completion list"
        );
    }

    // The export: the same rows, masked, and its manifest says so.
    let masked_export = downloaded(&browser, "#export-json").await;
    let masked_events: Vec<Value> = serde_json::from_str(&masked_export[0]).unwrap();
    assert_eq!(masked_events.len(), events.len());
    assert_eq!(
        leaked(&masked_export.join("\n"), &reals),
        Vec::<String>::new()
    );
    assert!(masked_events
        .iter()
        .all(|e| !users.contains(e["actor"].as_str().unwrap())));
    let manifest: Value = serde_json::from_str(&masked_export[1]).unwrap();
    assert_eq!(manifest["masked"], true, "{manifest}");
    assert!(manifest["masking"].as_str().unwrap().contains("pseudonyms"));
    let csv = downloaded(&browser, "#export-csv").await;
    assert_eq!(leaked(&csv.join("\n"), &reals), Vec::<String>::new());
    // Every chart's SVG download.
    let charts = browser
        .number("document.querySelectorAll('.download-svg').length")
        .await;
    assert!(charts >= 5, "{charts} charts");
    for i in 0..charts {
        browser
            .script(&format!(
                "window.__saved = []; document.querySelectorAll('.download-svg')[{i}].click(); return true;"
            ))
            .await;
        let svg = browser.saved_files().await;
        assert!(svg[0].starts_with("<svg"), "an SVG");
        assert_eq!(leaked(&svg[0], &reals), Vec::<String>::new(), "chart {i}");
    }

    // A row's detail (every raw field) and a flag's link: masked too.
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
    assert!(browser.dashboard().detail_fields().await.len() > 3);
    nothing_leaks(&browser, &reals).await;
    browser.click("#detail-close").await;
    browser.click("#detections .flag-show").await;
    browser
        .wait_for(
            "the flag's events",
            "new URLSearchParams(location.search).get('flag') && document.querySelector('.narrowed')",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        browser.number(TABLE_ROWS).await > 0,
        "the flag is found by its masked key"
    );
    nothing_leaks(&browser, &reals).await;
    browser.click("#show-all").await;
    browser
        .wait_for(
            "all events again",
            "!new URLSearchParams(location.search).get('flag')",
            Duration::from_secs(10),
        )
        .await;

    // A person typed by their real e-mail: the link names the pseudonym,
    // and the view holds exactly their events.
    let email = plain_rows
        .iter()
        .map(|(user, _)| user.clone())
        .find(|user| user.contains('@'))
        .unwrap();
    let theirs = events
        .iter()
        .filter(|event| event["actor"].as_str() == Some(email.as_str()))
        .count() as u64;
    let pseudonym = user_of[email.as_str()].to_owned();
    browser
        .type_into("#query", &format!("username=={email}"))
        .await;
    browser.click("#query-apply").await;
    browser
        .wait_for(
            "the person's events",
            &format!("new URLSearchParams(location.search).get('q') === 'username=={pseudonym}' && {BOTH_LOADED} && {TABLE_ROWS} === {theirs}"),
            Duration::from_secs(60),
        )
        .await;
    nothing_leaks(&browser, &reals).await;
    assert!(!here(&browser)
        .await
        .contains(email.split('@').next().unwrap()));

    // A pattern on a person cannot be masked: refused, with why, and
    // nothing changes.
    let before = here(&browser).await;
    browser.type_into("#query", "username==*kim*").await;
    browser.click("#query-apply").await;
    browser
        .wait_for(
            "the refusal",
            "document.querySelector('#privacy-refused')?.textContent.includes('privacy mode')",
            Duration::from_secs(10),
        )
        .await;
    assert_eq!(here(&browser).await, before);

    // Off: the link names the person again; on: the pseudonym is back.
    browser.click("#privacy").await;
    browser
        .wait_for(
            "privacy off",
            &format!("new URLSearchParams(location.search).get('q') === 'username=={email}' && !location.search.includes('private')"),
            Duration::from_secs(20),
        )
        .await;
    browser.click("#privacy").await;
    browser
        .wait_for(
            "privacy on again",
            &format!("new URLSearchParams(location.search).get('q') === 'username=={pseudonym}' && {BOTH_LOADED}"),
            Duration::from_secs(60),
        )
        .await;

    // A lookup by a real address: the link and the panel name its pseudonym.
    let address = plain_rows
        .iter()
        .map(|(_, ip)| ip)
        .find(|ip| !ip.is_empty() && masked_rows.iter().any(|(user, _)| user == &pseudonym))
        .unwrap()
        .clone();
    browser.type_into("#lookup", &address).await;
    browser.click("#lookup-go").await;
    browser
        .wait_for(
            "the address looked up",
            "new URLSearchParams(location.search).get('who')?.startsWith('ip-') && document.querySelector('.lookup-panel')",
            Duration::from_secs(20),
        )
        .await;
    nothing_leaks(&browser, &reals).await;
    browser.click("#lookup-close").await;

    // The same session, reloaded: the same pseudonyms, the filter resolved.
    browser.client.refresh().await.unwrap();
    browser
        .wait_for(
            "the reload",
            &format!("{BOTH_LOADED} && {TABLE_ROWS} === {theirs}"),
            Duration::from_secs(60),
        )
        .await;
    assert!(people_in_rows(&browser)
        .await
        .iter()
        .all(|(user, _)| user == &pseudonym));

    // Another session (its own key): the link's pseudonym cannot be
    // resolved, matches nothing, and the page says so.
    browser
        .script("sessionStorage.removeItem('audit-dashboard.privacy'); return true;")
        .await;
    browser.client.refresh().await.unwrap();
    browser
        .wait_for(
            "the unresolved pseudonym",
            &format!("{BOTH_LOADED} && document.querySelector('#privacy-unresolved')?.textContent.includes('{pseudonym}')"),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(
        browser
            .number(
                "Number(document.querySelector('table.event-table[data-rows]')?.dataset.rows ?? 0)"
            )
            .await,
        0,
        "it matches nothing"
    );
    let words = browser.dashboard().text("#privacy-unresolved").await;
    assert!(words.contains("cannot travel in a shared link"), "{words}");
    browser.stop().await;
}

#[tokio::test]
async fn a_split_in_privacy_mode_counts_as_without_it_and_names_nobody_in_the_url() {
    let base = demo_gateway().await;
    let browser = logged_in_at(&base, "/dashboard?range=24h&tz=utc&split=address").await;
    support::open_page_loads_table(&browser).await;
    let table = "document.querySelectorAll(\"section[data-chart='page-loads'] details.data-table tbody tr\").length > 0 \
                 && document.querySelectorAll(\"section[data-chart='page-loads'] .legend li\").length === 2";
    browser
        .wait_for("the split table", table, Duration::from_secs(30))
        .await;
    let plain = browser.script(support::PAGE_LOAD_PARTS).await;
    assert!(plain["loads"][0].as_f64().unwrap() > 0.0, "{plain}");

    // Masked addresses are still told internal or external by the real one.
    browser.click("#privacy").await;
    browser
        .wait_for(
            "privacy mode",
            &format!(
                "new URLSearchParams(location.search).get('private') === '1' && {BOTH_LOADED}"
            ),
            Duration::from_secs(60),
        )
        .await;
    browser
        .wait_for("the split table again", table, Duration::from_secs(30))
        .await;
    let masked = browser.script(support::PAGE_LOAD_PARTS).await;
    assert_eq!(masked["loads"], plain["loads"], "{masked} against {plain}");
    assert_eq!(masked["users"], plain["users"], "{masked} against {plain}");

    // A real name pasted is kept as its pseudonym.
    browser.choose("#segment-choice", "users").await;
    browser
        .type_into("#segment-users", "mia.chen@example.com")
        .await;
    browser.click("#segment-apply").await;
    browser
        .wait_for(
            "split by one user",
            "location.search.includes('split=users') && [...document.querySelectorAll(\"section[data-chart='page-loads'] .legend li\")].map(l => l.textContent).includes('the user listed')",
            Duration::from_secs(30),
        )
        .await;
    let search = browser.script("return location.search;").await;
    let search = search.as_str().unwrap();
    assert!(
        !search.contains("mia") && search.contains("user-"),
        "{search}"
    );
    let listed = browser.script(support::PAGE_LOAD_PARTS).await;
    assert_eq!(listed["users"][0], 1, "{listed}");
    assert!(listed["loads"][0].as_f64().unwrap() > 0.0, "{listed}");

    // Off: the list names the person again.
    browser.click("#privacy").await;
    browser
        .wait_for(
            "privacy off",
            "!location.search.includes('private=1') && location.search.includes('mia.chen')",
            Duration::from_secs(60),
        )
        .await;
    browser.stop().await;
}
