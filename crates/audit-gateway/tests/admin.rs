//! An administrator ends every session of one account (ASVS 7.4.2, 7.4.5):
//! only with the gateway's administrator token, only that account's
//! sessions logged in until then, and a login after it works.
#![allow(clippy::unwrap_used)]

mod common;

use audit_core::contract::AccountSessionsEnded;
use audit_gateway::SessionPolicy;
use axum::http::StatusCode;
use common::*;
use serde_json::json;

/// A gateway with `hardening` over the simulated upstreams (kept running
/// while the test holds them).
async fn over_simulators(
    hardening: audit_gateway::hardening::Hardening,
) -> (simulated_upstreams::RunningUpstreams, axum::Router) {
    let running = upstreams(simulator()).await;
    let router = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        hardening,
    );
    (running, router)
}

#[tokio::test]
async fn an_administrator_ends_every_session_of_one_account_and_no_other() {
    let (_running, router) = over_simulators(hardening_with_admin()).await;
    let analyst = session(&router, octopai_login()).await.token;
    let analyst_again = session(&router, octopai_login()).await.token;
    let admin = session(&router, cloudera_login()).await.token;
    let both = session(
        &router,
        json!({
            "octopai": {"username": "analyst@example.com", "password": "demo-password"},
            "cloudera": {"username": "admin", "password": "admin"}
        }),
    )
    .await
    .token;
    for token in [&analyst, &analyst_again, &admin, &both] {
        // Octopai-only sessions reach the Cloudera route, and are told they
        // are not connected to it: the session itself is accepted.
        assert_ne!(audits(&router, token).await.0, StatusCode::UNAUTHORIZED);
    }

    // Without the token, or with another, nothing ends.
    for bearer in [None, Some("not-the-administrator-token-at-all-0000000000")] {
        let (status, body) =
            end_account_sessions(&router, bearer, "octopai", "analyst@example.com").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthorized");
        assert!(String::from_utf8_lossy(&body).contains("administrator token"));
    }
    // A session token is not the administrator's.
    let (status, _) =
        end_account_sessions(&router, Some(&admin), "octopai", "analyst@example.com").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_ne!(audits(&router, &analyst).await.0, StatusCode::UNAUTHORIZED);

    // With it: every session of the account (its letter case aside) ends,
    // a session logged in to it beside another account too.
    let (status, body) =
        end_account_sessions(&router, Some(ADMIN_TOKEN), "octopai", "Analyst@Example.com").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let ended: AccountSessionsEnded = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (ended.source.as_str(), ended.account.as_str()),
        ("octopai", "Analyst@Example.com")
    );
    assert!(audit_core::time::parse_iso(&ended.ended_before).is_ok());
    for token in [&analyst, &analyst_again, &both] {
        let (status, _, body) = audits(&router, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthorized");
    }
    assert_eq!(
        audits(&router, &admin).await.0,
        StatusCode::OK,
        "another account"
    );
    // The account can log in again, and that session works.
    let later = session(&router, octopai_login()).await.token;
    assert_ne!(audits(&router, &later).await.0, StatusCode::UNAUTHORIZED);
    // Logging out an ended session is no error.
    assert_eq!(logout(&router, &analyst).await, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_wrong_request_is_refused_with_the_reason_and_ends_nothing() {
    let (_running, router) = over_simulators(hardening_with_admin()).await;
    let admin = session(&router, cloudera_login()).await.token;
    for (source, account, says) in [
        ("ldap", "admin", "\"octopai\" or \"cloudera\""),
        ("cloudera", "  ", "name the account"),
    ] {
        let (status, body) =
            end_account_sessions(&router, Some(ADMIN_TOKEN), source, account).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_code(&body), "bad_request");
        let message = serde_json::from_slice::<audit_core::contract::ErrorBody>(&body)
            .unwrap()
            .message;
        assert!(message.contains(says), "{message}");
    }
    assert_eq!(audits(&router, &admin).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_an_administrator_token_the_route_does_not_exist() {
    let (_running, router) = over_simulators(hardening()).await;
    let admin = session(&router, cloudera_login()).await.token;
    let (status, body) =
        end_account_sessions(&router, Some(ADMIN_TOKEN), "cloudera", "admin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
    assert_eq!(audits(&router, &admin).await.0, StatusCode::OK);
}
