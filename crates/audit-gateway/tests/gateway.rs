//! The gateway's routes: `oneshot` where no upstream is involved, loopback
//! servers (the simulated upstreams, or small misbehaving ones) otherwise.
#![allow(clippy::unwrap_used)] // Test helpers: a failure must stop the test loudly.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use audit_core::cloudera::ApiAuditList;
use audit_core::contract::{ErrorBody, ErrorCode, SessionResponse};
use audit_core::octopai::UserEventsPage;
use audit_core::time::format_iso;
use audit_gateway::session::SessionKey;
use audit_gateway::{app, AppState, Upstreams};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A built app's stand-in, written once per run in Cargo's scratch
/// directory for tests.
fn dist_with_index() -> PathBuf {
    static DIST: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIST.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gateway-test-dist");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), INDEX_HTML).unwrap();
        dir
    })
    .clone()
}

/// A built app's page: trunk puts one inline bootstrap script in it.
const INDEX_HTML: &str = "<!doctype html><title>Audit dashboard</title>\
<script type=\"module\">import init from '/app.js'; await init();</script>";

fn state(octopai: &str, cloudera: &str, timeout: Duration) -> AppState {
    AppState {
        upstreams: Upstreams::new(octopai, cloudera, 41, timeout, &[]).unwrap(),
        session_keys: audit_gateway::session::SessionKeys::single(SessionKey::from_bytes(
            &[42; 32],
        )),
        sessions: audit_gateway::SessionPolicy::default(),
        dist_dir: dist_with_index(),
        allowed_origins: vec!["https://audit.example.com".into()],
        hardening: audit_gateway::hardening::Hardening::new(
            &dist_with_index(),
            audit_gateway::hardening::LoginLimits::default(),
        ),
    }
}

async fn simulated() -> Router {
    let now = Utc::now();
    let sim = simulated_upstreams::SimState::new(
        simulated_upstreams::data::generate(&simulated_upstreams::DataConfig::new(now)),
        Arc::new(Utc::now),
    );
    let running = simulated_upstreams::spawn_on_loopback(sim).await.unwrap();
    app(state(
        &running.octopai_url,
        &running.cloudera_url,
        Duration::from_secs(10),
    ))
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
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

fn post_json(path: &str, body: Value, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::from(body.to_string())).unwrap()
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

fn error_body(body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not an ErrorBody: {}", String::from_utf8_lossy(body)))
}

async fn login(router: &Router, body: Value) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = send(router, post_json("/gateway/session", body, None)).await;
    (status, body)
}

fn demo_credentials() -> Value {
    json!({
        "octopai": {"username": "analyst@example.com", "password": "demo-password"},
        "cloudera": {"username": "admin", "password": "admin"}
    })
}

#[tokio::test]
async fn login_to_both_sources_yields_an_opaque_token_that_reads_both() {
    let router = simulated().await;
    let (status, body) = login(&router, demo_credentials()).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let session: SessionResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(session.cloudera.unwrap().username, "admin");
    assert_eq!(session.octopai.unwrap().user_name, "analyst@example.com");
    let text = String::from_utf8_lossy(&body);
    assert!(
        !text.contains("demo-password") && !text.contains("YWRtaW46YWRtaW4"),
        "no password or Basic header in the answer"
    );
    assert!(
        !session.token.contains('.'),
        "the upstream JWT is not handed out"
    );

    let now = Utc::now();
    let window = json!({"startTime": format_iso(now - chrono::Duration::hours(24)), "endTime": format_iso(now), "pageSize": 50});
    let (status, headers, body) = send(
        &router,
        post_json("/gateway/octopai/user-events", window, Some(&session.token)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-store");
    let page = UserEventsPage::decode(std::str::from_utf8(&body).unwrap()).unwrap();
    assert_eq!(page.events.len(), 50);

    let (status, headers, body) = send(
        &router,
        get(
            "/gateway/cloudera/audits?maxResults=25&resultOffset=5",
            Some(&session.token),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !headers.contains_key("set-cookie"),
        "upstream cookies never reach the browser"
    );
    assert_eq!(
        ApiAuditList::decode(std::str::from_utf8(&body).unwrap())
            .unwrap()
            .items
            .len(),
        25
    );
}

#[tokio::test]
async fn wrong_passwords_fail_clearly_per_source() {
    let router = simulated().await;
    let (status, body) = login(
        &router,
        json!({"octopai": {"username": "analyst@example.com", "password": "wrong"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let error = error_body(&body);
    assert_eq!(
        (error.code.as_str(), error.source.as_deref()),
        ("login_failed", Some("octopai"))
    );
    assert!(
        error
            .message
            .contains("Octopai refused the login: Invalid username or password"),
        "{}",
        error.message
    );

    let (status, body) = login(
        &router,
        json!({"cloudera": {"username": "admin", "password": "wrong"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let error = error_body(&body);
    assert_eq!(error.source.as_deref(), Some("cloudera"));
    assert!(
        !String::from_utf8_lossy(&body).contains("wrong"),
        "the password is not echoed"
    );

    for (body, expected) in [
        (json!({}), "Octopai, Cloudera Manager, or both"),
        (
            json!({"cloudera": {"username": "", "password": "x"}}),
            "needs a user name",
        ),
    ] {
        let (status, answer) = login(&router, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(error_body(&answer).message.contains(expected));
    }
    let (status, _, answer) = send(
        &router,
        Request::post("/gateway/session")
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_body(&answer).code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn data_routes_need_a_valid_unexpired_token() {
    let router = simulated().await;
    let (status, _, body) = send(&router, get("/gateway/cloudera/audits", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(&body).code, ErrorCode::Unauthorized);
    let (status, _, _) = send(&router, get("/gateway/cloudera/audits", Some("forged"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let key = SessionKey::from_bytes(&[42; 32]);
    let expired = key
        .seal(&audit_gateway::session::SessionClaims {
            sid: format!("test-{}", "admin"),
            exp: Utc::now().timestamp() - 1,
            idle: Utc::now().timestamp() - 1,
            issued_ms: Utc::now().timestamp_millis(),
            octopai: None,
            cloudera: Some(audit_gateway::session::ClouderaSession {
                username: "admin".into(),
                credential: audit_gateway::session::ClouderaCredential::Password {
                    password: "admin".into(),
                },
            }),
        })
        .unwrap();
    let (status, headers, body) =
        send(&router, get("/gateway/cloudera/audits", Some(&expired))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        !headers.contains_key("www-authenticate"),
        "no browser password dialog"
    );
    assert_eq!(error_body(&body).code, ErrorCode::SessionExpired);

    // A session connected to Cloudera Manager only cannot read Octopai.
    let (_, body) = login(
        &router,
        json!({"cloudera": {"username": "admin", "password": "admin"}}),
    )
    .await;
    let token = serde_json::from_slice::<SessionResponse>(&body)
        .unwrap()
        .token;
    let window = json!({"startTime": "2026-11-21T00:00:00Z", "endTime": "2026-11-22T00:00:00Z"});
    let (status, _, body) = send(
        &router,
        post_json("/gateway/octopai/user-events", window, Some(&token)),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_body(&body).code, ErrorCode::NotConnected);
}

#[tokio::test]
async fn bad_parameters_are_refused_before_reaching_the_upstream() {
    let router = simulated().await;
    let (_, body) = login(&router, demo_credentials()).await;
    let token = serde_json::from_slice::<SessionResponse>(&body)
        .unwrap()
        .token;
    for (path, expected) in [
        ("/gateway/cloudera/audits?maxResults=lots", "whole numbers"),
        (
            "/gateway/cloudera/audits?startTime=last%20week",
            "startTime",
        ),
        (
            "/gateway/cloudera/audits?query=usr%3D%3Dbob",
            "unknown selector `usr`",
        ),
    ] {
        let (status, _, body) = send(&router, get(path, Some(&token))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(error_body(&body).message.contains(expected), "{path}");
    }
    let (status, _, body) = send(
        &router,
        post_json(
            "/gateway/octopai/user-events",
            json!({"startTime": "soon", "endTime": "later"}),
            Some(&token),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_body(&body).message.contains("startTime"));
}

#[tokio::test]
async fn unknown_gateway_routes_are_json_404_and_other_paths_serve_the_app() {
    let router = app(state(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        Duration::from_secs(1),
    ));
    for path in [
        "/gateway/proxy?url=http://evil.example",
        "/gateway/../etc/passwd",
        "/gateway",
    ] {
        let (status, _, body) = send(&router, get(path, None)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error_body(&body).code, ErrorCode::NotFound);
    }
    let (status, _, body) = send(&router, get("/dashboard?range=24h", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("<title>Audit dashboard</title>"));
}

#[tokio::test]
async fn cors_allows_exactly_the_configured_origins() {
    let router = app(state(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        Duration::from_secs(1),
    ));
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/gateway/session")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap()
    };
    let (_, headers, _) = send(&router, preflight("https://audit.example.com")).await;
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://audit.example.com"
    );
    for origin in [
        "https://evil.example.com",
        "null",
        "https://audit.example.com.evil.example",
    ] {
        let (_, headers, _) = send(&router, preflight(origin)).await;
        assert!(
            !headers.contains_key("access-control-allow-origin"),
            "{origin}"
        );
    }
}

/// A loopback server that answers every request with `head` (status line
/// and headers) and `body` after `delay`.
async fn misbehaving(head: &'static str, body: &'static str, delay: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                tokio::time::sleep(delay).await;
                let answer = format!(
                    "{head}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

fn token_for_cloudera() -> String {
    SessionKey::from_bytes(&[42; 32])
        .seal(&audit_gateway::session::SessionClaims {
            sid: format!("test-{}", "admin"),
            exp: Utc::now().timestamp() + 600,
            idle: Utc::now().timestamp() + 600,
            issued_ms: Utc::now().timestamp_millis(),
            octopai: None,
            cloudera: Some(audit_gateway::session::ClouderaSession {
                username: "admin".into(),
                credential: audit_gateway::session::ClouderaCredential::Password {
                    password: "admin".into(),
                },
            }),
        })
        .unwrap()
}

#[tokio::test]
async fn upstream_faults_become_clear_gateway_errors() {
    const OK_HTML: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/html";
    const OK_JSON: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json";
    const FAILED: &str = "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json";
    const CHALLENGE: &str =
        "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm=\"Cloudera Manager\"";
    for (head, body, delay, status, code, message) in [
        (
            OK_HTML,
            "<html>maintenance</html>",
            0,
            StatusCode::BAD_GATEWAY,
            "upstream_malformed",
            "not the expected JSON",
        ),
        (
            OK_JSON,
            "{\"items\":[{\"",
            0,
            StatusCode::BAD_GATEWAY,
            "upstream_malformed",
            "not the expected JSON",
        ),
        (
            FAILED,
            "{\"message\":\"Database is not ready\"}",
            0,
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            "HTTP 500): Database is not ready",
        ),
        (
            CHALLENGE,
            "",
            0,
            StatusCode::UNAUTHORIZED,
            "upstream_unauthorized",
            "Log in again",
        ),
        (
            OK_JSON,
            "{\"items\":[]}",
            3000,
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "did not answer in time",
        ),
    ] {
        let base = misbehaving(head, body, Duration::from_millis(delay)).await;
        let router = app(state(&base, &base, Duration::from_secs(1)));
        let (got, headers, body) = send(
            &router,
            get("/gateway/cloudera/audits", Some(&token_for_cloudera())),
        )
        .await;
        assert_eq!(got, status, "{code}");
        assert!(
            !headers.contains_key("www-authenticate"),
            "{code}: upstream challenges never reach the browser"
        );
        let error = error_body(&body);
        assert_eq!(error.code.as_str(), code);
        assert!(error.message.contains(message), "{code}: {}", error.message);
        assert_eq!(error.source.as_deref(), Some("cloudera"));
    }
    // Busy upstreams: their Retry-After reaches the app, so it can wait.
    for (head, retry_after) in [
        (
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7",
            Some("7"),
        ),
        (
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 3",
            Some("3"),
        ),
        ("HTTP/1.1 503 Service Unavailable", None),
    ] {
        let base = misbehaving(head, "", Duration::ZERO).await;
        let router = app(state(&base, &base, Duration::from_secs(1)));
        let (got, headers, body) = send(
            &router,
            get("/gateway/cloudera/audits", Some(&token_for_cloudera())),
        )
        .await;
        assert_eq!(got, StatusCode::SERVICE_UNAVAILABLE, "{head}");
        assert_eq!(error_body(&body).code, ErrorCode::UpstreamBusy);
        assert_eq!(
            headers.get("retry-after").map(|v| v.to_str().unwrap()),
            retry_after,
            "{head}"
        );
    }
    // Nothing listens on port 9 (discard) on loopback here.
    let router = app(state(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        Duration::from_secs(1),
    ));
    let (status, _, body) = send(
        &router,
        get("/gateway/cloudera/audits", Some(&token_for_cloudera())),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(error_body(&body).code, ErrorCode::UpstreamUnreachable);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_api_answers_are_never_cached() {
    let router = app(state(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        Duration::from_secs(1),
    ));
    let (_, page, _) = send(&router, get("/dashboard", None)).await;
    let (_, api, _) = send(&router, get("/gateway/health", None)).await;
    let (_, missing, _) = send(&router, get("/gateway/nowhere", None)).await;
    for headers in [&page, &api, &missing] {
        let csp = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "report-uri /gateway/csp-report",
        ] {
            assert!(csp.contains(directive), "{directive} in {csp}");
        }
        assert!(
            !csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'")
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }
    // The bootstrap script's hash is exactly the one allowed.
    let hashes = audit_gateway::hardening::inline_script_hashes(INDEX_HTML);
    assert_eq!(hashes.len(), 1);
    assert!(page["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&hashes[0]));
    assert_eq!(api["cache-control"], "no-store");
    assert_eq!(missing["cache-control"], "no-store");
}

#[tokio::test]
async fn csp_reports_are_counted_and_shown_in_health() {
    let router = app(state(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        Duration::from_secs(1),
    ));
    let report =
        json!({"csp-report": {"violated-directive": "script-src-elem", "blocked-uri": "inline"}});
    let request = Request::post("/gateway/csp-report")
        .header("content-type", "application/csp-report")
        .body(Body::from(report.to_string()))
        .unwrap();
    let (status, _, _) = send(&router, request).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, body) = send(&router, get("/gateway/health", None)).await;
    let health: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["csp_reports"], 1);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_before_any_upstream() {
    let router = app(state(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        Duration::from_secs(1),
    ));
    let huge = "x".repeat(audit_gateway::BODY_LIMIT + 1);
    let (status, headers, body) = send(
        &router,
        post_json(
            "/gateway/session",
            json!({"octopai": {"username": huge, "password": "p"}}),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_body(&body).code, ErrorCode::TooLarge);
    assert_eq!(headers["cache-control"], "no-store");
}

#[tokio::test]
async fn repeated_logins_for_one_account_get_429_with_retry_after() {
    let router = simulated().await;
    let wrong = json!({"octopai": {"username": "raj.kim@example.com", "password": "guess"}});
    for attempt in 0..10 {
        let (status, body) = login(&router, wrong.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert_eq!(error_body(&body).code, ErrorCode::LoginFailed);
    }
    let (status, headers, body) =
        send(&router, post_json("/gateway/session", wrong.clone(), None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let body = error_body(&body);
    assert_eq!(body.code, ErrorCode::TooManyAttempts);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    assert!(body.message.contains(&format!("Wait {wait} seconds")));
    // The right password for that account waits too; another account does not.
    let right =
        json!({"octopai": {"username": "raj.kim@example.com", "password": "demo-password"}});
    assert_eq!(login(&router, right).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login(&router, demo_credentials()).await.0, StatusCode::OK);
}

/// A loopback upstream that counts the requests it receives.
async fn counting_upstream() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                    )
                    .await;
            });
        }
    });
    (format!("http://{address}"), seen)
}

#[tokio::test]
async fn the_gateway_is_not_an_open_proxy() {
    let (upstream, seen) = counting_upstream().await;
    let router = app(state(&upstream, &upstream, Duration::from_secs(2)));
    let token = token_for_cloudera();
    for path in [
        "//evil.example/gateway/cloudera/audits",
        "/gateway/cloudera/audits/../../../etc/passwd",
        "/gateway/%2e%2e/%2e%2e/etc/passwd",
        "/gateway/cloudera%2faudits",
        "/gateway/proxy?url=http://evil.example/",
        "/gateway/cloudera/audits/extra",
        "/gateway/octopai/user-events?url=http://evil.example/",
    ] {
        let request = Request::get(path)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = send(&router, request).await;
        // Either refused, or (outside /gateway) the app's own page: never
        // something from an upstream.
        let body = String::from_utf8_lossy(&body);
        assert!(
            status != StatusCode::OK || body.contains("<title>Audit dashboard</title>"),
            "{path}: {status} {body}"
        );
    }
    // An absolute-form request target names no upstream either.
    let request = Request::get("http://evil.example/gateway/health")
        .body(Body::empty())
        .unwrap();
    let (_, _, body) = send(&router, request).await;
    assert!(!String::from_utf8_lossy(&body).contains("evil"));
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no probe reached the upstream"
    );
    // The one fixed route does reach it, with a host the caller cannot set.
    let request = Request::get("/gateway/cloudera/audits?maxResults=1")
        .header("authorization", format!("Bearer {token}"))
        .header("host", "evil.example")
        .header("connection", "x-forward-me")
        .header("x-forward-me", "secret")
        .body(Body::empty())
        .unwrap();
    let _ = send(&router, request).await;
    assert!(seen.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn logging_out_stops_the_token_at_once() {
    let router = simulated().await;
    let (status, body) = login(&router, demo_credentials()).await;
    assert_eq!(status, StatusCode::OK);
    let token = serde_json::from_slice::<SessionResponse>(&body)
        .unwrap()
        .token;
    let audits = |token: &str| get("/gateway/cloudera/audits?maxResults=1", Some(token));
    assert_eq!(send(&router, audits(&token)).await.0, StatusCode::OK);
    let logout = Request::delete("/gateway/session")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, logout).await.0, StatusCode::NO_CONTENT);
    let (status, _, body) = send(&router, audits(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_body(&body).code, ErrorCode::Unauthorized);
    // Logging out again, or with no token, is not an error.
    let again = Request::delete("/gateway/session")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, again).await.0, StatusCode::NO_CONTENT);
    // A new login gets a new token that works.
    let (_, body) = login(&router, demo_credentials()).await;
    let fresh = serde_json::from_slice::<SessionResponse>(&body)
        .unwrap()
        .token;
    assert_ne!(fresh, token);
    assert_eq!(send(&router, audits(&fresh)).await.0, StatusCode::OK);
}

/// The gateway in front of simulated upstreams acting out `faults`.
async fn simulated_with_faults(faults: &[&str]) -> Router {
    let plan = simulated_upstreams::faults::FaultPlan::parse(
        &faults.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>(),
    )
    .unwrap();
    let sim = simulated_upstreams::SimState::new(
        simulated_upstreams::data::generate(&simulated_upstreams::DataConfig::new(Utc::now())),
        Arc::new(Utc::now),
    )
    .with_faults(plan);
    let running = simulated_upstreams::spawn_on_loopback(sim).await.unwrap();
    app(state(
        &running.octopai_url,
        &running.cloudera_url,
        Duration::from_secs(2),
    ))
}

#[tokio::test]
async fn each_simulated_fault_becomes_a_clear_error_and_the_next_page_is_fine() {
    for (fault, status, code) in [
        ("500", StatusCode::BAD_GATEWAY, "upstream_error"),
        ("429=4", StatusCode::SERVICE_UNAVAILABLE, "upstream_busy"),
        ("503", StatusCode::SERVICE_UNAVAILABLE, "upstream_busy"),
        ("truncated", StatusCode::BAD_GATEWAY, "upstream_malformed"),
        ("html", StatusCode::BAD_GATEWAY, "upstream_malformed"),
        ("401", StatusCode::UNAUTHORIZED, "upstream_unauthorized"),
        ("drop", StatusCode::BAD_GATEWAY, "upstream_unreachable"),
        (
            "latency=3000",
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
        ),
    ] {
        let router = simulated_with_faults(&[&format!("audits:{fault}@2")]).await;
        let page = || {
            get(
                "/gateway/cloudera/audits?maxResults=5",
                Some(&token_for_cloudera()),
            )
        };
        let (first, _, _) = send(&router, page()).await;
        assert_eq!(
            first,
            StatusCode::OK,
            "{fault}: the first page has no fault"
        );
        let (second, headers, body) = send(&router, page()).await;
        assert_eq!(second, status, "{fault}");
        let error = error_body(&body);
        assert_eq!(error.code.as_str(), code, "{fault}: {}", error.message);
        assert!(!headers.contains_key("www-authenticate"), "{fault}");
        if fault.starts_with("429") {
            assert_eq!(headers.get("retry-after").unwrap(), "4");
        }
        let (third, _, body) = send(&router, page()).await;
        assert_eq!(
            third,
            StatusCode::OK,
            "{fault}: the fault was on one page only"
        );
        let list: ApiAuditList = serde_json::from_slice(&body).unwrap();
        assert_eq!(list.items.len(), 5);
    }
    // Octopai's routes act out faults too.
    let router = simulated_with_faults(&["login:503=9"]).await;
    let (status, body) = login(&router, demo_credentials()).await;
    assert_eq!(
        status,
        StatusCode::BAD_GATEWAY,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

/// A loopback upstream answering 200 with `size` bytes of JSON, with or
/// without announcing the length.
async fn oversized(size: usize, announce_length: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let body = format!("{{\"items\":[],\"pad\":\"{}\"}}", "x".repeat(size));
                let length = if announce_length {
                    format!("content-length: {}\r\n", body.len())
                } else {
                    String::new()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn an_upstream_answer_over_the_limit_is_dropped_with_a_clear_error() {
    for announce_length in [true, false] {
        let base = oversized(4096, announce_length).await;
        let mut limited = state(&base, &base, Duration::from_secs(2));
        limited.upstreams = limited.upstreams.with_answer_limit(2048);
        let router = app(limited);
        let (status, _, body) = send(
            &router,
            get("/gateway/cloudera/audits", Some(&token_for_cloudera())),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::BAD_GATEWAY,
            "length announced: {announce_length}"
        );
        let error = error_body(&body);
        assert_eq!(error.code, ErrorCode::UpstreamTooLarge);
        assert!(error.message.contains("2048 bytes"), "{}", error.message);
        // Under the limit, the same answer passes.
        let base = oversized(1024, announce_length).await;
        let mut limited = state(&base, &base, Duration::from_secs(2));
        limited.upstreams = limited.upstreams.with_answer_limit(2048);
        let (status, _, _) = send(
            &app(limited),
            get("/gateway/cloudera/audits", Some(&token_for_cloudera())),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
}
