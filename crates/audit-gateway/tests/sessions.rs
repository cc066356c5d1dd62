//! Sessions by the book: no password in a token, an idle timeout and an
//! absolute lifetime, renewal while the person works, logout that ends every
//! token of a session, key rotation, and HSTS over HTTPS.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use audit_core::contract::{RENEWED_EXPIRES_HEADER, RENEWED_TOKEN_HEADER};
use audit_gateway::session::ClouderaCredential;
use audit_gateway::SessionPolicy;
use axum::http::StatusCode;
use chrono::Utc;
use common::*;

fn policy(idle_secs: u64, max_secs: u64) -> SessionPolicy {
    SessionPolicy {
        idle: Duration::from_secs(idle_secs),
        max: Duration::from_secs(max_secs),
        seal_cloudera_password: false,
    }
}

/// Sleeps until 200 ms after the Unix second `instant` begins.
async fn sleep_until_just_after(instant: i64) {
    let left = instant * 1000 + 200 - Utc::now().timestamp_millis();
    tokio::time::sleep(Duration::from_millis(u64::try_from(left).unwrap_or(0))).await;
}

#[tokio::test]
async fn a_cloudera_login_seals_the_upstream_session_and_forgets_the_password() {
    let sim = simulator();
    let running = upstreams(sim.clone()).await;
    let router = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        hardening(),
    );
    let session = session(&router, cloudera_login()).await;
    let claims = claims(&single(OLD_KEY), &session.token);
    let cloudera = claims.cloudera.unwrap();
    let ClouderaCredential::Cookie { session_id } = &cloudera.credential else {
        panic!("the password was sealed");
    };
    assert!(
        sim.cm_sessions.lock().unwrap().contains_key(session_id),
        "the sealed id is the upstream's own session"
    );
    let sealed = serde_json::to_string(&cloudera.credential).unwrap();
    assert!(!sealed.contains("admin\""), "{sealed}");
    // The session reads with the cookie alone.
    let (status, _, body) = audits(&router, &session.token).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn an_upstream_that_gives_no_session_fails_the_login_unless_the_password_may_be_sealed() {
    let sim = simulator().with_cm_sessions(Duration::from_secs(1800), false);
    let running = upstreams(sim).await;
    let strict = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        hardening(),
    );
    let (status, body) = login(&strict, cloudera_login()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "login_failed");
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("gave no session") && text.contains("--seal-cloudera-password"),
        "{text}"
    );
    let allowing = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy {
            seal_cloudera_password: true,
            ..SessionPolicy::default()
        },
        hardening(),
    );
    let session = session(&allowing, cloudera_login()).await;
    assert!(matches!(
        claims(&single(OLD_KEY), &session.token)
            .cloudera
            .unwrap()
            .credential,
        ClouderaCredential::Password { .. }
    ));
    assert_eq!(audits(&allowing, &session.token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_upstream_session_asks_to_log_in_again() {
    let sim = simulator().with_cm_sessions(Duration::from_millis(600), true);
    let running = upstreams(sim).await;
    let router = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        hardening(),
    );
    let session = session(&router, cloudera_login()).await;
    assert_eq!(audits(&router, &session.token).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (status, headers, body) = audits(&router, &session.token).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the app shows one login prompt on 401"
    );
    assert_eq!(error_code(&body), "upstream_unauthorized");
    assert!(!headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn idle_sessions_end_and_working_ones_are_renewed_but_never_past_their_end() {
    let running = upstreams(simulator()).await;
    let keys = single(OLD_KEY);
    let router = gateway(&running, keys.clone(), policy(4, 7), hardening());
    let first = session(&router, cloudera_login()).await;
    let original = claims(&keys, &first.token);
    assert!(original.idle < original.exp);
    // Straight after login there is nothing to renew.
    let (_, headers, _) = audits(&router, &first.token).await;
    assert!(!headers.contains_key(RENEWED_TOKEN_HEADER));
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let (status, headers, _) = audits(&router, &first.token).await;
    assert_eq!(status, StatusCode::OK);
    let renewed_token = headers[RENEWED_TOKEN_HEADER].to_str().unwrap().to_owned();
    assert!(headers.contains_key(RENEWED_EXPIRES_HEADER));
    let renewed = claims(&keys, &renewed_token);
    assert_eq!(renewed.sid, original.sid, "the same session");
    assert_eq!(renewed.exp, original.exp, "the end does not move");
    assert!(renewed.idle > original.idle, "the idle deadline does");
    // Past the first token's idle deadline it is refused; the renewed one works.
    sleep_until_just_after(original.idle).await;
    let (status, _, body) = audits(&router, &first.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_expired");
    let (status, headers, _) = audits(&router, &renewed_token).await;
    assert_eq!(status, StatusCode::OK);
    let last = headers
        .get(RENEWED_TOKEN_HEADER)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or(renewed_token);
    assert!(
        claims(&keys, &last).idle <= original.exp,
        "capped at the end"
    );
    // At the absolute end, however active, the session is over.
    sleep_until_just_after(original.exp).await;
    let (status, _, body) = audits(&router, &last).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_expired");
}

#[tokio::test]
async fn background_reads_are_answered_but_never_renew_so_an_idle_session_still_ends() {
    let running = upstreams(simulator()).await;
    let keys = single(OLD_KEY);
    let router = gateway(&running, keys.clone(), policy(4, 60), hardening());
    let first = session(&router, cloudera_login()).await;
    let original = claims(&keys, &first.token);
    // Past a quarter of the idle limit an ordinary read would renew; a
    // background one reads the same and renews nothing.
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let (status, headers, body) = background_audits(&router, &first.token).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(!headers.contains_key(RENEWED_TOKEN_HEADER));
    assert!(!headers.contains_key(RENEWED_EXPIRES_HEADER));
    let (_, headers, _) = audits(&router, &first.token).await;
    assert!(
        headers.contains_key(RENEWED_TOKEN_HEADER),
        "the same read, asked by the person, renews"
    );
    // Background reads alone: the idle deadline passes and the token ends.
    sleep_until_just_after(original.idle).await;
    let (status, _, body) = background_audits(&router, &first.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "session_expired");
}

#[tokio::test]
async fn logging_out_ends_every_token_of_the_session() {
    let running = upstreams(simulator()).await;
    let router = gateway(&running, single(OLD_KEY), policy(4, 60), hardening());
    let first = session(&router, cloudera_login()).await;
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let (_, headers, _) = audits(&router, &first.token).await;
    let renewed = headers[RENEWED_TOKEN_HEADER].to_str().unwrap().to_owned();
    let other = session(&router, cloudera_login()).await;
    assert_eq!(logout(&router, &renewed).await, StatusCode::NO_CONTENT);
    for token in [&first.token, &renewed] {
        let (status, _, body) = audits(&router, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthorized");
    }
    assert_eq!(
        audits(&router, &other.token).await.0,
        StatusCode::OK,
        "another login is another session"
    );
    assert_ne!(other.token, first.token, "every login issues a new token");
}

#[tokio::test]
async fn tokens_sealed_before_a_rotation_work_until_they_end() {
    let running = upstreams(simulator()).await;
    let before = gateway(
        &running,
        keys(&[OLD_KEY]),
        SessionPolicy::default(),
        hardening(),
    );
    let during = gateway(
        &running,
        keys(&[NEW_KEY, OLD_KEY]),
        SessionPolicy::default(),
        hardening(),
    );
    let after = gateway(
        &running,
        keys(&[NEW_KEY]),
        SessionPolicy::default(),
        hardening(),
    );
    let old = session(&before, cloudera_login()).await;
    assert_eq!(audits(&during, &old.token).await.0, StatusCode::OK);
    let fresh = session(&during, cloudera_login()).await;
    assert_eq!(
        audits(&after, &fresh.token).await.0,
        StatusCode::OK,
        "new tokens are sealed with the new key"
    );
    assert_eq!(
        audits(&before, &fresh.token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _, body) = audits(&after, &old.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old key is gone");
    assert_eq!(error_code(&body), "unauthorized");
}

#[tokio::test]
async fn a_session_ends_no_later_than_the_octopai_token_it_holds() {
    let running = upstreams(simulator()).await;
    let router = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        hardening(),
    );
    let session = session(&router, octopai_login()).await;
    let claims = claims(&single(OLD_KEY), &session.token);
    let left = claims.exp - Utc::now().timestamp();
    // The simulated access token lives two hours; the policy allows eight.
    assert!((2 * 3600 - 60..=2 * 3600).contains(&left), "{left}");
}

#[tokio::test]
async fn https_gateways_send_strict_transport_security() {
    let running = upstreams(simulator()).await;
    for (hsts, expected) in [(true, Some("max-age=31536000")), (false, None)] {
        let router = gateway(
            &running,
            single(OLD_KEY),
            SessionPolicy::default(),
            hardening().with_hsts(hsts),
        );
        for path in ["/", "/gateway/health"] {
            let request = axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let (_, headers, _) = send(&router, request).await;
            assert_eq!(
                headers
                    .get("strict-transport-security")
                    .map(|value| value.to_str().unwrap()),
                expected,
                "{path}"
            );
        }
    }
}

/// A wrong login from `client` as seen through a balancer at 127.0.0.1.
async fn guess_through_balancer(router: &axum::Router, client: &str) -> StatusCode {
    let request = axum::http::Request::post("/gateway/session")
        .header("content-type", "application/json")
        .header("x-forwarded-for", format!("192.0.2.99, {client}"))
        .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40_000,
        ))))
        .body(axum::body::Body::from(
            r#"{"cloudera":{"username":"someone","password":"guess"}}"#,
        ))
        .unwrap();
    send(router, request).await.0
}

#[tokio::test]
async fn behind_a_trusted_balancer_the_login_limit_counts_each_client() {
    let running = upstreams(simulator()).await;
    let limits = || audit_gateway::hardening::LoginLimits::new(Duration::from_secs(60), 3, 100);
    let trusting = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        audit_gateway::hardening::Hardening::new(&dist(), limits()).with_trusted_proxies(vec![
            audit_gateway::proxies::Network::parse("127.0.0.1").unwrap(),
        ]),
    );
    for _ in 0..3 {
        assert_eq!(
            guess_through_balancer(&trusting, "203.0.113.10").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guess_through_balancer(&trusting, "203.0.113.10").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the client's own limit"
    );
    assert_eq!(
        guess_through_balancer(&trusting, "203.0.113.11").await,
        StatusCode::UNAUTHORIZED,
        "another client behind the same balancer is not held back"
    );
    // Not trusting the balancer, everyone behind it is one client, and the
    // header (which anyone can send) changes nothing.
    let not_trusting = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        audit_gateway::hardening::Hardening::new(&dist(), limits()),
    );
    for client in ["203.0.113.10", "203.0.113.11", "203.0.113.12"] {
        assert_eq!(
            guess_through_balancer(&not_trusting, client).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guess_through_balancer(&not_trusting, "203.0.113.13").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
