//! The simulated upstreams over real HTTP on loopback, checked against the
//! facts in `shared/API_FACTS.md`.
#![allow(clippy::unwrap_used)] // Test helpers: a failure must stop the test loudly.

use std::sync::Arc;

use audit_core::cloudera::{ApiAuditList, ApiErrorBody};
use audit_core::octopai::{LoginResponse, UserEventsPage};
use audit_core::time::{format_iso, parse_iso};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use simulated_upstreams::{data, DataConfig, RunningUpstreams, SimState};

/// A Friday afternoon, so the last day holds a working day's traffic.
fn now() -> DateTime<Utc> {
    parse_iso("2026-11-20T16:00:00Z").unwrap()
}

async fn start() -> (RunningUpstreams, Arc<SimState>) {
    let state = SimState::new(data::generate(&DataConfig::new(now())), Arc::new(now));
    (
        simulated_upstreams::spawn_on_loopback(state.clone())
            .await
            .unwrap(),
        state,
    )
}

async fn login(client: &reqwest::Client, base: &str, body: Value) -> (u16, LoginResponse) {
    let response = client
        .post(format!("{base}/api/UserAccount/Login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        LoginResponse::decode(&response.text().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn octopai_login_accepts_both_spellings_and_refuses_wrong_password() {
    let (upstreams, _) = start().await;
    let client = reqwest::Client::new();
    let (status, answer) = login(
        &client,
        &upstreams.octopai_url,
        json!({"Username": "analyst@example.com", "Password": "demo-password"}),
    )
    .await;
    assert_eq!(status, 200);
    let token = answer.access_token.clone().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert!(answer.refresh_token.is_some());
    assert_eq!(answer.is_admin, Some(true));
    let expiration = parse_iso(answer.expiration.as_deref().unwrap()).unwrap();
    assert_eq!(expiration - now(), Duration::hours(2));

    let (status, answer) = login(
        &client,
        &upstreams.octopai_url,
        json!({"userName": "analyst@example.com", "password": "demo-password"}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(answer.into_success().is_ok());

    let (status, answer) = login(
        &client,
        &upstreams.octopai_url,
        json!({"Username": "analyst@example.com", "Password": "nope"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer.into_success().unwrap_err(),
        "Invalid username or password"
    );
}

#[tokio::test]
async fn octopai_user_events_need_a_valid_token_and_page_the_window() {
    let (upstreams, state) = start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/UserAccount/UserEvents", upstreams.octopai_url);
    let window =
        json!({"startTime": format_iso(now() - Duration::days(1)), "endTime": format_iso(now())});

    let response = client.post(&url).json(&window).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let forged = client
        .post(&url)
        .bearer_auth("a.b.c")
        .json(&window)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    let expired_claims = simulated_upstreams::jwt::Claims {
        email: "analyst@example.com".into(),
        unique_name: "analyst".into(),
        role: "Admin".into(),
        iat: (now() - Duration::hours(3)).timestamp(),
        exp: (now() - Duration::hours(1)).timestamp(),
    };
    let expired = simulated_upstreams::jwt::sign(&expired_claims, &state.jwt_secret);
    let response = client
        .post(&url)
        .bearer_auth(expired)
        .json(&window)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains("expired"));

    let (_, answer) = login(
        &client,
        &upstreams.octopai_url,
        json!({"Username": "analyst@example.com", "Password": "demo-password"}),
    )
    .await;
    let token = answer.access_token.unwrap();
    let expected = state
        .data()
        .octopai_in(now() - Duration::days(1), now())
        .len();
    let mut seen = std::collections::HashSet::new();
    let mut page_number = 1;
    loop {
        let mut body = window.clone();
        body["pageNumber"] = json!(page_number);
        body["pageSize"] = json!(700);
        let text = client
            .post(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page = UserEventsPage::decode(&text).unwrap();
        assert_eq!(page.total, Some(expected as u64));
        if page.events.is_empty() {
            break;
        }
        assert!(
            page.events
                .windows(2)
                .all(|pair| pair[0].timestamp >= pair[1].timestamp),
            "newest first"
        );
        for event in page.events {
            assert!(event.timestamp >= now() - Duration::days(1) && event.timestamp < now());
            assert!(seen.insert(event.id.unwrap()), "no duplicates across pages");
        }
        page_number += 1;
    }
    assert_eq!(seen.len(), expected);
    assert!(
        expected > 1000,
        "a day holds thousands of events, got {expected}"
    );

    let bad = client
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"startTime": "yesterday", "endTime": format_iso(now())}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("Invalid startTime"));
}

async fn audits(
    client: &reqwest::Client,
    upstreams: &RunningUpstreams,
    query: &str,
) -> reqwest::Response {
    client
        .get(format!("{}/api/v41/audits{query}", upstreams.cloudera_url))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cloudera_needs_basic_auth_and_challenges_without_it() {
    let (upstreams, _) = start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v41/audits", upstreams.cloudera_url);
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"Cloudera Manager\""
    );
    let body: ApiErrorBody = response.json().await.unwrap();
    assert!(!body.message.is_empty());
    let wrong = client
        .get(&url)
        .basic_auth("admin", Some("guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let ok = audits(&client, &upstreams, "").await;
    assert_eq!(ok.status(), 200);
    let cookie = ok.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("CLOUDERA_MANAGER_SESSIONID="));
    let reused = client
        .get(&url)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 200, "the session cookie can be reused");
    assert_eq!(
        client
            .get(format!("{}/api/v7/audits", upstreams.cloudera_url))
            .basic_auth("admin", Some("admin"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn cloudera_defaults_are_100_newest_first_in_one_day_ending_now() {
    let (upstreams, state) = start().await;
    let client = reqwest::Client::new();
    let list: ApiAuditList = audits(&client, &upstreams, "").await.json().await.unwrap();
    assert_eq!(list.items.len(), 100);
    let expected: Vec<_> = state
        .data()
        .cloudera_in(now() - Duration::days(1), now())
        .iter()
        .take(100)
        .map(|r| r.audit.clone())
        .collect();
    assert_eq!(list.items, expected);

    // startTime defaults to one day before an explicit endTime.
    let end = now() - Duration::days(3);
    let list: ApiAuditList = audits(
        &client,
        &upstreams,
        &format!("?endTime={}&maxResults=1000", format_iso(end)),
    )
    .await
    .json()
    .await
    .unwrap();
    let times: Vec<_> = list
        .items
        .iter()
        .map(|a| a.parsed_timestamp().unwrap())
        .collect();
    assert!(times
        .iter()
        .all(|t| *t < end && *t >= end - Duration::days(1)));
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]));
}

#[tokio::test]
async fn cloudera_pages_by_offset_without_gaps_or_duplicates() {
    let (upstreams, state) = start().await;
    let client = reqwest::Client::new();
    let (start, end) = (format_iso(now() - Duration::days(1)), format_iso(now()));
    let mut all = Vec::new();
    loop {
        let query = format!(
            "?startTime={start}&endTime={end}&maxResults=5000&resultOffset={}",
            all.len()
        );
        let list: ApiAuditList = audits(&client, &upstreams, &query)
            .await
            .json()
            .await
            .unwrap();
        assert!(list.items.len() <= 1000, "the server caps a page at 1000");
        if list.items.is_empty() {
            break;
        }
        all.extend(list.items);
    }
    let expected: Vec<_> = state
        .data()
        .cloudera_in(now() - Duration::days(1), now())
        .iter()
        .map(|r| r.audit.clone())
        .collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn cloudera_filters_with_the_query_language() {
    let (upstreams, _) = start().await;
    let client = reqwest::Client::new();
    let query =
        audit_core::cloudera::percent_encode("operation==QUERY;allowed==false;username!=*etl*");
    let list: ApiAuditList = audits(
        &client,
        &upstreams,
        &format!("?maxResults=1000&query={query}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(!list.items.is_empty());
    for audit in &list.items {
        assert_eq!(audit.command.as_deref(), Some("QUERY"));
        assert_eq!(audit.allowed, Some(false));
        assert!(!audit.username.as_deref().unwrap().contains("etl"));
    }
    let seed_example =
        audit_core::cloudera::percent_encode("command==listStatus;source==*warehouse*");
    let list: ApiAuditList = audits(
        &client,
        &upstreams,
        &format!("?maxResults=1000&query={seed_example}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(!list.items.is_empty());
    assert!(list
        .items
        .iter()
        .all(|a| a.command.as_deref() == Some("listStatus")));
}

#[tokio::test]
async fn cloudera_bad_parameters_get_400_with_a_json_message() {
    let (upstreams, _) = start().await;
    let client = reqwest::Client::new();
    for (query, expected) in [
        ("?maxResults=ten", "maxResults"),
        ("?resultOffset=-1", "resultOffset"),
        ("?startTime=yesterday", "Invalid startTime"),
        ("?endTime=2026-99-01", "Invalid endTime"),
        (
            "?startTime=2026-11-22T00:00:00Z&endTime=2026-11-21T00:00:00Z",
            "after endTime",
        ),
        ("?query=usr%3D%3Dbob", "unknown selector `usr`"),
    ] {
        let response = audits(&client, &upstreams, query).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: ApiErrorBody = response.json().await.unwrap();
        assert!(body.message.contains(expected), "{query}: {}", body.message);
    }
}

#[tokio::test]
async fn paging_a_pinned_window_is_complete_while_new_audits_keep_arriving() {
    let (upstreams, state) = start().await;
    let client = reqwest::Client::new();
    let (start_time, end_time) = (now() - Duration::days(1), now());
    let expected: Vec<_> = state
        .data()
        .cloudera_in(start_time, end_time)
        .iter()
        .map(|r| r.audit.clone())
        .collect();

    // New audits arrive every few milliseconds for as long as the paging
    // runs, each newer than the last (so they would shift every offset if
    // the window's end were not pinned).
    let arriving = state.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_arrivals = stop.clone();
    let arrivals = tokio::spawn(async move {
        let mut count = 0u32;
        while !stop_arrivals.load(std::sync::atomic::Ordering::Relaxed) {
            count += 1;
            let at = now() + Duration::milliseconds(i64::from(count));
            arriving.record_cloudera(data::ClouderaRecord {
                at,
                audit: audit_core::cloudera::ApiAudit {
                    timestamp: format_iso(at),
                    service: Some("hdfs1".into()),
                    username: Some(format!("late_{count}")),
                    command: Some("listStatus".into()),
                    allowed: Some(true),
                    ..Default::default()
                },
            });
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        count
    });

    let mut loaded = Vec::new();
    let window = format!(
        "startTime={}&endTime={}",
        format_iso(start_time),
        format_iso(end_time)
    );
    loop {
        let query = format!("?{window}&maxResults=250&resultOffset={}", loaded.len());
        let list: ApiAuditList = audits(&client, &upstreams, &query)
            .await
            .json()
            .await
            .unwrap();
        if list.items.is_empty() {
            break;
        }
        loaded.extend(list.items);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let arrived = arrivals.await.unwrap();
    assert!(arrived > 5, "audits arrived during the paging ({arrived})");
    assert_eq!(
        loaded.len(),
        expected.len(),
        "no gaps, no duplicates: the window's count"
    );
    assert_eq!(loaded, expected, "the same audits, newest first");
}
