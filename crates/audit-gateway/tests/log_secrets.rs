//! No secret reaches a log line. This runs alone in its own test binary:
//! it captures logs through a subscriber on its one thread, and tests
//! logging on other threads at the same time would race for tracing's
//! per-call-site caches and drop lines.
#![allow(clippy::unwrap_used)] // A test: a failure must stop it loudly.

use std::sync::{Arc, Mutex};

use audit_core::contract::SessionResponse;
use audit_core::time::format_iso;
use chrono::Utc;
use serde_json::json;

/// Everything logged while it is alive, at every level.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_password_token_or_basic_header_reaches_a_log_line() {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test's runtime has one thread, so the gateway and the simulated
    // upstreams all log through this.
    let _guard = tracing::subscriber::set_default(subscriber);
    let dist = std::env::temp_dir();
    let faults = simulated_upstreams::faults::FaultPlan::parse(&[
        "audits:401@3".to_owned(),
        "events:500@2".to_owned(),
    ])
    .unwrap();
    let upstreams =
        simulated_upstreams::spawn_on_loopback(simulated_upstreams::SimState::generated_with(
            simulated_upstreams::DataConfig::new(Utc::now()),
            std::time::Duration::ZERO,
            faults,
        ))
        .await
        .unwrap();
    let args: Vec<String> = [
        "--listen",
        "127.0.0.1:0",
        "--dist",
        dist.to_str().unwrap(),
        "--octopai-url",
        &upstreams.octopai_url,
        "--cloudera-url",
        &upstreams.cloudera_url,
        "--allow-plain-http-upstream",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    let started = audit_gateway::start(audit_gateway::Config::parse(&args).unwrap())
        .await
        .unwrap();
    let base = started.url();
    let client = reqwest::Client::new();
    let session: SessionResponse = client
        .post(format!("{base}/gateway/session"))
        .json(&json!({
            "octopai": {"username": "analyst@example.com", "password": "demo-password"},
            "cloudera": {"username": "admin", "password": "admin"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session.token;
    let refused = client
        .post(format!("{base}/gateway/session"))
        .json(&json!({"octopai": {"username": "analyst@example.com", "password": "wrong-secret-9431"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let window = json!({
        "startTime": format_iso(Utc::now() - chrono::Duration::hours(1)),
        "endTime": format_iso(Utc::now()),
    });
    for _ in 0..2 {
        client
            .get(format!("{base}/gateway/cloudera/audits?maxResults=5"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        client
            .post(format!("{base}/gateway/octopai/user-events"))
            .bearer_auth(&token)
            .json(&window)
            .send()
            .await
            .unwrap();
    }
    client
        .delete(format!("{base}/gateway/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    // A value cannot forge a log line: a CSP report's directive (attacker
    // text) with a line break and a fake entry stays inside its own line.
    client
        .post(format!("{base}/gateway/csp-report"))
        .header("content-type", "application/csp-report")
        .body(
            json!({"csp-report": {"violated-directive": "script-src\nFORGED-LINE admin logged in"}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("FORGED-LINE"),
        "the report was logged:\n{text}"
    );
    for line in text.lines() {
        assert!(
            !line.starts_with("FORGED-LINE"),
            "a log line was forged:\n{text}"
        );
        // Every entry starts with its time in UTC (ASVS 16.2.2).
        let stamp = line.split_whitespace().next().unwrap_or_default();
        assert!(
            stamp.len() >= 20 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
            "not a UTC timestamp: {line}"
        );
    }
    assert!(
        // A login, an upstream refusal and an upstream failure: the paths
        // most likely to carry a secret.
        text.contains("session created")
            && text.contains("upstream_unauthorized")
            && text.contains("upstream_error")
            && text.contains("acting out a fault"),
        "the log was not captured:\n{text}"
    );
    for secret in [
        "demo-password",
        "wrong-secret-9431",
        token.as_str(),
        &token[..24],
        "YWRtaW46YWRtaW4", // admin:admin, as a Basic header carries it
        "Basic ",
        "Bearer ",
        "eyJ", // the start of every JWT (Octopai's access token)
    ] {
        assert!(!text.contains(secret), "`{secret}` was logged:\n{text}");
    }
}
