//! Two gateway replicas sharing their protective state through a real
//! Redis (started here on loopback, with a password): a logout on one holds
//! on the other, so do an account's sessions ended by an administrator,
//! the login limit counts across both, a session's upstream
//! slots are shared, and a Redis that goes away fails logins and logouts
//! closed while open sessions keep reading.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../../tests/support/servers.rs"]
mod servers;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_gateway::config::RedisConfig;
use audit_gateway::hardening::{Hardening, LoginLimits, SessionSlots};
use audit_gateway::shared::Shared;
use audit_gateway::SessionPolicy;
use axum::http::StatusCode;
use common::*;
use serde_json::json;

async fn shared(redis: &servers::Redis) -> Shared {
    Shared::connect(&RedisConfig {
        url: redis.url(),
        password: Some(redis.password.clone()),
    })
    .await
    .unwrap()
}

async fn replica(redis: &servers::Redis, limits: LoginLimits) -> Hardening {
    Hardening::new(&dist(), limits).with_shared(shared(redis).await)
}

#[tokio::test]
async fn a_wrong_redis_password_is_refused_at_start_up() {
    let redis = servers::Redis::start();
    let error = Shared::connect(&RedisConfig {
        url: redis.url(),
        password: Some("wrong".into()),
    })
    .await
    .unwrap_err();
    assert!(error.contains("Redis"), "{error}");
    let error = Shared::connect(&RedisConfig {
        url: format!("redis://127.0.0.1:{}/0", servers::free_port()),
        password: None,
    })
    .await
    .unwrap_err();
    assert!(error.contains("cannot reach Redis"), "{error}");
}

#[tokio::test]
async fn a_logout_on_one_replica_holds_on_the_other() {
    let redis = servers::Redis::start();
    let running = upstreams(simulator()).await;
    let keys = single(OLD_KEY);
    let one = gateway(
        &running,
        keys.clone(),
        SessionPolicy::default(),
        replica(&redis, LoginLimits::default()).await,
    );
    let two = gateway(
        &running,
        keys.clone(),
        SessionPolicy::default(),
        replica(&redis, LoginLimits::default()).await,
    );
    let session = session(&one, cloudera_login()).await;
    assert_eq!(audits(&two, &session.token).await.0, StatusCode::OK);
    assert_eq!(logout(&one, &session.token).await, StatusCode::NO_CONTENT);
    for router in [&one, &two] {
        let (status, _, body) = audits(router, &session.token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthorized");
    }
    // The revocation expires with the session, so nothing grows for good.
    let ttls = expiries(&redis, "audit-gateway:revoked:*").await;
    assert!(
        matches!(ttls[..], [ttl] if (1..=8 * 3600).contains(&ttl)),
        "{ttls:?}"
    );
}

/// The time to live, in seconds, of each key matching `pattern`.
async fn expiries(redis: &servers::Redis, pattern: &str) -> Vec<i64> {
    let mut connection = redis::Client::open(format!(
        "redis://:{}@127.0.0.1:{}/0",
        redis.password, redis.port
    ))
    .unwrap()
    .get_multiplexed_async_connection()
    .await
    .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut connection)
        .await
        .unwrap();
    let mut ttls = Vec::new();
    for key in keys {
        ttls.push(
            redis::cmd("TTL")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .unwrap(),
        );
    }
    ttls
}

#[tokio::test]
async fn an_account_ended_on_one_replica_is_ended_on_the_other() {
    let redis = servers::Redis::start();
    let running = upstreams(simulator()).await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let admin = audit_gateway::admin::AdminToken::parse(ADMIN_TOKEN).unwrap();
        let protection = replica(&redis, LoginLimits::default()).await;
        replicas.push(gateway(
            &running,
            single(OLD_KEY),
            SessionPolicy::default(),
            protection.with_admin(Some(admin)),
        ));
    }
    let [one, two] = &replicas[..] else {
        unreachable!()
    };
    let ended = session(two, cloudera_login()).await.token;
    let other = session(two, octopai_login()).await.token;
    let (status, _) = end_account_sessions(one, Some(ADMIN_TOKEN), "cloudera", "ADMIN").await;
    assert_eq!(status, StatusCode::OK);
    for router in [one, two] {
        let (status, _, body) = audits(router, &ended).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(&body), "unauthorized");
        // Another account's session is not touched (it reaches the route,
        // which says it is not connected to Cloudera Manager).
        assert_eq!(error_code(&audits(router, &other).await.2), "not_connected");
    }
    let later = session(two, cloudera_login()).await.token;
    assert_eq!(audits(one, &later).await.0, StatusCode::OK);
    // The record expires when the sessions it ends would have.
    let ttls = expiries(&redis, "audit-gateway:account-ended:*").await;
    assert!(
        matches!(ttls[..], [ttl] if (8 * 3600 - 60..=8 * 3600).contains(&ttl)),
        "{ttls:?}"
    );
}

#[tokio::test]
async fn the_login_limit_counts_attempts_on_every_replica() {
    let redis = servers::Redis::start();
    let running = upstreams(simulator()).await;
    let limits = || LoginLimits::new(Duration::from_secs(60), 100, 4);
    let one = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        replica(&redis, limits()).await,
    );
    let two = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        replica(&redis, limits()).await,
    );
    let wrong = json!({"cloudera": {"username": "admin", "password": "guess"}});
    for router in [&one, &two, &one, &two] {
        let (status, body) = login(router, wrong.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    for router in [&one, &two] {
        let (status, body) = login(router, cloudera_login()).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "four attempts in all, not per replica"
        );
        assert_eq!(error_code(&body), "too_many_attempts");
    }
    // Without Redis each replica would count alone: the same four attempts
    // leave a fifth on a fresh replica free.
    let alone = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        hardening(),
    );
    assert_eq!(login(&alone, cloudera_login()).await.0, StatusCode::OK);
}

/// An upstream that answers audits after `delay`, counting how many
/// requests it holds at once.
async fn gauging_upstream(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let most = Arc::new(AtomicUsize::new(0));
    let now = Arc::new(AtomicUsize::new(0));
    let (most_seen, in_flight) = (most.clone(), now.clone());
    let handler = move || {
        let (most, now) = (most_seen.clone(), in_flight.clone());
        async move {
            let held = now.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(held, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            now.fetch_sub(1, Ordering::SeqCst);
            axum::Json(json!({"items": []}))
        }
    };
    let app = axum::Router::new().route("/api/v41/audits", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), most)
}

#[tokio::test]
async fn a_sessions_upstream_slots_are_shared_by_the_replicas() {
    let redis = servers::Redis::start();
    let (upstream, most) = gauging_upstream(Duration::from_millis(150)).await;
    let running = simulated_upstreams::RunningUpstreams {
        octopai_url: upstream.clone(),
        cloudera_url: upstream,
    };
    let keys = single(OLD_KEY);
    let replica = |shared: Shared| {
        gateway(
            &running,
            keys.clone(),
            SessionPolicy::default(),
            Hardening::new(&dist(), LoginLimits::default())
                .with_session_slots(SessionSlots::new(2, Duration::from_secs(10)))
                .with_shared(shared),
        )
    };
    let one = replica(shared(&redis).await);
    let two = replica(shared(&redis).await);
    let claims = audit_gateway::session::SessionClaims {
        sid: "shared-slots".into(),
        exp: chrono::Utc::now().timestamp() + 600,
        idle: chrono::Utc::now().timestamp() + 600,
        issued_ms: chrono::Utc::now().timestamp_millis(),
        octopai: None,
        cloudera: Some(audit_gateway::session::ClouderaSession {
            username: "admin".into(),
            credential: audit_gateway::session::ClouderaCredential::Cookie {
                session_id: "x".into(),
            },
        }),
    };
    let token = keys.seal(&claims).unwrap();
    let started = Instant::now();
    let answers = futures::future::join_all((0..6).map(|i| {
        let router = if i % 2 == 0 { one.clone() } else { two.clone() };
        let token = token.clone();
        async move { audits(&router, &token).await.0 }
    }))
    .await;
    assert!(
        answers.iter().all(|status| *status == StatusCode::OK),
        "{answers:?}"
    );
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "two in flight across both replicas, not two each"
    );
    assert!(started.elapsed() >= Duration::from_millis(3 * 150));
}

#[tokio::test]
async fn without_redis_logins_and_logouts_fail_closed_and_open_sessions_keep_reading() {
    let mut redis = servers::Redis::start();
    let running = upstreams(simulator()).await;
    let router = gateway(
        &running,
        single(OLD_KEY),
        SessionPolicy::default(),
        replica(&redis, LoginLimits::default())
            .await
            .with_admin(Some(
                audit_gateway::admin::AdminToken::parse(ADMIN_TOKEN).unwrap(),
            )),
    );
    let session = session(&router, cloudera_login()).await;
    redis.stop();
    let (status, body) = login(&router, cloudera_login()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&body), "session_store_unavailable");
    assert!(
        !String::from_utf8_lossy(&body).contains("127.0.0.1"),
        "where Redis is stays in the log"
    );
    let (status, _, body) = audits(&router, &session.token).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        logout(&router, &session.token).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Ending an account's sessions cannot be promised on every replica.
    let (status, body) =
        end_account_sessions(&router, Some(ADMIN_TOKEN), "cloudera", "admin").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(&body), "session_store_unavailable");
}
