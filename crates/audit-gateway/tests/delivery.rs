//! How the gateway delivers: the built app's files precompressed for
//! browsers that accept it, content-hashed files cached for good and the
//! page itself revalidated, audit pages compressed on the way out and the
//! session answer never.
#![allow(clippy::unwrap_used)] // Test helpers: a failure must stop the test loudly.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use audit_core::cloudera::ApiAuditList;
use audit_core::contract::SessionResponse;
use audit_gateway::session::SessionKey;
use audit_gateway::{app, AppState, Upstreams};
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

const WASM: &str = "audit-dashboard-0123456789abcdef_bg.wasm";
const ICON: &str = "icon-0123456789abcdef.svg";

/// A built app as `cargo xtask` leaves it: each file with `.br` and `.gz`
/// copies (here with marker contents, so the test can tell which one came).
/// Written once per run in Cargo's scratch directory for tests.
fn dist() -> PathBuf {
    static DIST: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIST.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gateway-delivery-dist");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, body) in [
            ("index.html", "<!doctype html><title>app</title>"),
            (WASM, "raw wasm"),
            (ICON, "raw icon"),
        ] {
            std::fs::write(dir.join(name), body).unwrap();
            std::fs::write(dir.join(format!("{name}.br")), format!("br of {name}")).unwrap();
            std::fs::write(dir.join(format!("{name}.gz")), format!("gz of {name}")).unwrap();
        }
        dir
    })
    .clone()
}

async fn gateway() -> Router {
    let sim = simulated_upstreams::SimState::new(
        simulated_upstreams::data::generate(&simulated_upstreams::DataConfig::new(Utc::now())),
        Arc::new(Utc::now),
    );
    let running = simulated_upstreams::spawn_on_loopback(sim).await.unwrap();
    let dist = dist();
    app(AppState {
        upstreams: Upstreams::new(
            &running.octopai_url,
            &running.cloudera_url,
            41,
            Duration::from_secs(10),
            &[],
        )
        .unwrap(),
        session_keys: audit_gateway::session::SessionKeys::single(SessionKey::from_bytes(&[7; 32])),
        sessions: audit_gateway::SessionPolicy::default(),
        dist_dir: dist.clone(),
        allowed_origins: vec![],
        hardening: audit_gateway::hardening::Hardening::new(
            &dist,
            audit_gateway::hardening::LoginLimits::default(),
        ),
    })
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, body)
}

fn get(path: &str, accept: Option<&str>, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(accept) = accept {
        builder = builder.header(header::ACCEPT_ENCODING, accept);
    }
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

#[tokio::test]
async fn the_app_goes_out_precompressed_and_hashed_files_are_cached_for_good() {
    let router = gateway().await;
    let path = format!("/{WASM}");
    for (accept, encoding, body) in [
        (Some("gzip, deflate, br"), "br", format!("br of {WASM}")),
        (Some("gzip"), "gzip", format!("gz of {WASM}")),
        (None, "", "raw wasm".to_owned()),
    ] {
        let (status, headers, got) = send(&router, get(&path, accept, None)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            header_of(&headers, header::CONTENT_ENCODING),
            encoding,
            "{accept:?}"
        );
        assert_eq!(String::from_utf8(got).unwrap(), body, "{accept:?}");
        assert_eq!(
            header_of(&headers, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            header_of(&headers, header::CONTENT_TYPE),
            "application/wasm"
        );
        // Which copy went out depends on what the client accepts: a cache
        // between must know.
        assert!(
            headers
                .get_all(header::VARY)
                .iter()
                .any(|value| value.to_str().unwrap().contains("accept-encoding")),
            "{accept:?}: {:?}",
            headers.get_all(header::VARY)
        );
    }
    // The page names the current hashes: it is checked again every time,
    // also when it answers a client-side route.
    for page in ["/", "/dashboard"] {
        let (status, headers, got) = send(&router, get(page, Some("br"), None)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "br of index.html",
            "{page}"
        );
        assert_eq!(
            header_of(&headers, header::CACHE_CONTROL),
            "no-cache",
            "{page}"
        );
    }
    // The tab's icon is one of the hashed files: an image, cached for good
    // (before it, every load asked for `/favicon.ico` and got the page).
    let (status, headers, got) = send(&router, get(&format!("/{ICON}"), None, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(String::from_utf8(got).unwrap(), "raw icon");
    assert_eq!(header_of(&headers, header::CONTENT_TYPE), "image/svg+xml");
    assert_eq!(
        header_of(&headers, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    // A hashed name that is not there is not found (rather than the page),
    // and not cached.
    let (status, headers, _) = send(
        &router,
        get("/audit-dashboard-fedcba9876543210.js", None, None),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn audit_pages_are_compressed_and_the_session_answer_is_not() {
    let router = gateway().await;
    let login = Request::post("/gateway/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(Body::from(
            json!({"cloudera": {"username": "admin", "password": "admin"}}).to_string(),
        ))
        .unwrap();
    let (status, headers, body) = send(&router, login).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_of(&headers, header::CONTENT_ENCODING),
        "",
        "the token is never compressed beside caller-chosen text"
    );
    let session: SessionResponse = serde_json::from_slice(&body).unwrap();

    let path = "/gateway/cloudera/audits?maxResults=200";
    let (status, headers, plain) = send(&router, get(path, None, Some(&session.token))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "");
    let (status, headers, zipped) =
        send(&router, get(path, Some("gzip"), Some(&session.token))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-store");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert!(
        zipped.len() * 3 < unzipped.len(),
        "{} of {}",
        zipped.len(),
        unzipped.len()
    );
    let plain: ApiAuditList = serde_json::from_slice(&plain).unwrap();
    let unzipped: ApiAuditList = serde_json::from_slice(&unzipped).unwrap();
    assert_eq!(unzipped.items.len(), 200);
    assert_eq!(unzipped.items.len(), plain.items.len());
}
