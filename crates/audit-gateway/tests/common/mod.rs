//! What the session and shared-state tests have in common: a gateway
//! router over the simulated upstreams on loopback, built with the keys,
//! session policy and protective state a test chooses, and requests to it.
#![allow(dead_code)] // Each test binary uses part of it.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use audit_core::contract::{ErrorBody, SessionResponse};
use audit_gateway::hardening::{Hardening, LoginLimits};
use audit_gateway::session::{SessionClaims, SessionKey, SessionKeys};
use audit_gateway::{app, AppState, SessionPolicy, Upstreams};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use simulated_upstreams::{RunningUpstreams, SimState};
use tower::ServiceExt;

pub const OLD_KEY: &str = "5a17c3e09b2d48f61e7a9c0b3d5f2e8a4c6b1d7f9e0a2c4b6d8f1e3a5c7b9d0f";
pub const NEW_KEY: &str = "c0ffee4b1d2e3f405162738495a6b7c8d9eafb0c1d2e3f405162738495a6b7c8";

pub fn keys(lines: &[&str]) -> SessionKeys {
    SessionKeys::parse_file(&lines.join("\n")).unwrap()
}

/// The simulated upstreams with the demo data, listening on loopback.
pub async fn upstreams(sim: Arc<SimState>) -> RunningUpstreams {
    simulated_upstreams::spawn_on_loopback(sim).await.unwrap()
}

pub fn simulator() -> Arc<SimState> {
    let now = Utc::now();
    SimState::new(
        simulated_upstreams::data::generate(&simulated_upstreams::DataConfig::new(now)),
        Arc::new(Utc::now),
    )
}

/// A built app's stand-in, written once per test run in Cargo's scratch
/// directory for tests (`target/tmp`), so no run leaves a copy behind.
pub fn dist() -> std::path::PathBuf {
    static DIST: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIST.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gateway-sessions-dist");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><title>t</title>").unwrap();
        dir
    })
    .clone()
}

/// A gateway in front of `running`.
pub fn gateway(
    running: &RunningUpstreams,
    keys: SessionKeys,
    sessions: SessionPolicy,
    hardening: Hardening,
) -> Router {
    app(AppState {
        upstreams: Upstreams::new(
            &running.octopai_url,
            &running.cloudera_url,
            41,
            Duration::from_secs(10),
            &[],
        )
        .unwrap(),
        session_keys: keys,
        sessions,
        dist_dir: dist(),
        allowed_origins: Vec::new(),
        hardening,
    })
}

pub fn hardening() -> Hardening {
    Hardening::new(&dist(), LoginLimits::default())
}

pub async fn send(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

pub fn cloudera_login() -> Value {
    json!({"cloudera": {"username": "admin", "password": "admin"}})
}

pub fn octopai_login() -> Value {
    json!({"octopai": {"username": "analyst@example.com", "password": "demo-password"}})
}

/// Logs in with `body`; the status and the body.
pub async fn login(router: &Router, body: Value) -> (StatusCode, Vec<u8>) {
    let request = Request::post("/gateway/session")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, body) = send(router, request).await;
    (status, body)
}

/// Logs in and returns the session.
pub async fn session(router: &Router, body: Value) -> SessionResponse {
    let (status, body) = login(router, body).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

/// One page of audits read with `token`.
pub async fn audits(router: &Router, token: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::get("/gateway/cloudera/audits?maxResults=5")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(router, request).await
}

/// [`audits`], marked as the app's own background read.
pub async fn background_audits(router: &Router, token: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request = Request::get("/gateway/cloudera/audits?maxResults=5")
        .header("authorization", format!("Bearer {token}"))
        .header(audit_core::contract::BACKGROUND_HEADER, "1")
        .body(Body::empty())
        .unwrap();
    send(router, request).await
}

pub async fn logout(router: &Router, token: &str) -> StatusCode {
    let request = Request::delete("/gateway/session")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(router, request).await.0
}

/// The administrator token the tests give a gateway.
pub const ADMIN_TOKEN: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928";

/// A gateway's protection with the administrator's route open to
/// [`ADMIN_TOKEN`].
pub fn hardening_with_admin() -> Hardening {
    hardening().with_admin(Some(
        audit_gateway::admin::AdminToken::parse(ADMIN_TOKEN).unwrap(),
    ))
}

/// Asks the gateway, as `bearer` (if any), to end every session of
/// `account` at `source`.
pub async fn end_account_sessions(
    router: &Router,
    bearer: Option<&str>,
    source: &str,
    account: &str,
) -> (StatusCode, Vec<u8>) {
    let mut request = Request::post(audit_core::contract::ACCOUNT_SESSIONS_PATH)
        .header("content-type", "application/json");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = json!({"source": source, "account": account}).to_string();
    let (status, _, body) = send(router, request.body(Body::from(body)).unwrap()).await;
    (status, body)
}

pub fn error_code(body: &[u8]) -> String {
    let body: ErrorBody = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not an ErrorBody: {}", String::from_utf8_lossy(body)));
    body.code.as_str().to_owned()
}

/// What a token holds, opened with `keys` now.
pub fn claims(keys: &SessionKeys, token: &str) -> SessionClaims {
    keys.open(token, Utc::now().timestamp()).unwrap()
}

pub fn single(hex: &str) -> SessionKeys {
    SessionKeys::single(SessionKey::parse(hex).unwrap())
}
