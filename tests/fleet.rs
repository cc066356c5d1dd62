//! Many gateways, one truth, tested as an operator runs them: a real
//! `redis-server`, two gateway processes (the real binary) sharing one key
//! file and that Redis, a real nginx balancing round-robin in front of them,
//! and the simulated upstreams on their own, all on loopback. The built app
//! runs in headless Chromium through the balancer.
//!
//! One test walks the whole story, because each step needs the fleet the
//! step before left: log in and load a week; log out and see the token
//! refused by both replicas; exhaust the login limit across both; kill a
//! replica mid-load and see the app finish on the other; rotate the key with
//! a rolling restart and see the open session survive.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use support::servers::{self, Nginx, Redis};
use support::{log_in, Browser, BOTH_LOADED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY_ONE: &str = "8d1f0b7c2e4a6935f0c1d2e3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a21";
const KEY_TWO: &str = "17e2d3c4b5a69788796a5b4c3d2e1f00ffeeddccbbaa99887766554433221100";

/// The gateway's own binary: `AUDIT_GATEWAY_BIN` (set by `cargo xtask
/// test`, which builds it), else the workspace's debug build.
fn gateway_binary() -> PathBuf {
    let path = std::env::var_os("AUDIT_GATEWAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
                .join("debug")
                .join("audit-gateway")
        });
    assert!(
        path.exists(),
        "the gateway binary is missing at {}: run `cargo build -p audit-gateway` (cargo xtask test does)",
        path.display()
    );
    path
}

/// One gateway process; killed when dropped.
struct Replica {
    child: Child,
    address: SocketAddr,
}

impl Replica {
    fn start(
        port: u16,
        upstreams: &simulated_upstreams::RunningUpstreams,
        keys: &Path,
        redis: &Redis,
    ) -> Replica {
        let dist = std::env::var("AUDIT_DASHBOARD_DIST")
            .map(PathBuf::from)
            .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"));
        let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut child = Command::new(gateway_binary())
            .args(["--listen", &address.to_string()])
            .arg("--dist")
            .arg(&dist)
            .args(["--octopai-url", &upstreams.octopai_url])
            .args(["--cloudera-url", &upstreams.cloudera_url])
            .arg("--allow-plain-http-upstream")
            .arg("--session-key-file")
            .arg(keys)
            .args(["--redis-url", &redis.url()])
            .arg("--redis-password-file")
            .arg(redis.password_file())
            // nginx, on loopback, says who the client is.
            .args(["--trusted-proxy", "127.0.0.1"])
            .env("GATEWAY_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        servers::wait_for_port(port, "audit-gateway", &mut child);
        Replica { child, address }
    }

    /// Ends the process at once, as a crash or `kill -9` would.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The status of one plain HTTP/1.1 request to `address`.
async fn status(
    address: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let authorization = token
        .map(|token| format!("authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n{authorization}\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let head = String::from_utf8_lossy(&answer);
    head.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

async fn audits_status(address: SocketAddr, token: &str) -> u16 {
    status(
        address,
        "GET",
        "/gateway/cloudera/audits?maxResults=1",
        Some(token),
        "",
    )
    .await
}

async fn token_of(browser: &Browser) -> String {
    browser
        .script("return JSON.parse(sessionStorage.getItem('audit-dashboard.session')).token;")
        .await
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until `expression` holds, with what to say if it never does.
async fn until(browser: &Browser, what: &str, expression: &str) {
    browser
        .wait_for(what, expression, Duration::from_secs(90))
        .await;
}

const NO_FAILURE: &str = "document.querySelectorAll('[role=alert]').length === 0";

#[tokio::test]
async fn two_replicas_behind_a_balancer_share_one_truth() {
    let redis = Redis::start();
    // The simulated upstreams on their own, a little slow per page, so that
    // a week's load is still running when a replica is killed.
    let end = chrono::Utc::now();
    let mut sim =
        simulated_upstreams::SimState::new(support::demo_data(end), Arc::new(chrono::Utc::now));
    Arc::get_mut(&mut sim).unwrap().page_delay = Duration::from_millis(250);
    let upstreams = simulated_upstreams::spawn_on_loopback(sim).await.unwrap();
    let dir = support::servers::Scratch::new("fleet");
    let keys = servers::key_file(dir.path(), &[KEY_ONE]);
    let ports = [servers::free_port(), servers::free_port()];
    let mut replicas = [
        Replica::start(ports[0], &upstreams, &keys, &redis),
        Replica::start(ports[1], &upstreams, &keys, &redis),
    ];
    let balancer = Nginx::start(&[replicas[0].address, replicas[1].address]);
    let base = balancer.url();

    // 1. Log in through the balancer and load a week.
    let browser = Browser::start().await;
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    log_in(&browser, "demo-password").await;
    until(&browser, "the first load", BOTH_LOADED).await;
    browser
        .client
        .goto(&format!("{base}/dashboard?range=7d"))
        .await
        .unwrap();
    until(&browser, "a week loaded through the balancer", BOTH_LOADED).await;
    until(&browser, "no failed source", NO_FAILURE).await;

    // 2. Log out (the balancer sends it to one replica): both refuse the token.
    let token = token_of(&browser).await;
    for replica in &replicas {
        assert_eq!(audits_status(replica.address, &token).await, 200);
    }
    browser.click("#logout").await;
    until(&browser, "the login page", "location.pathname === '/login'").await;
    for replica in &replicas {
        assert_eq!(
            audits_status(replica.address, &token).await,
            401,
            "a logout on one replica holds on {}",
            replica.address
        );
    }

    // 3. The login limit (10 per account) counts across both replicas.
    let wrong = r#"{"cloudera":{"username":"auditor","password":"guess"}}"#;
    for attempt in 0..10 {
        let replica = &replicas[attempt % 2];
        assert_eq!(
            status(replica.address, "POST", "/gateway/session", None, wrong).await,
            401
        );
    }
    for replica in &replicas {
        assert_eq!(
            status(replica.address, "POST", "/gateway/session", None, wrong).await,
            429,
            "ten attempts in all, five per replica, exhaust the account on {}",
            replica.address
        );
    }

    // 4. Kill a replica in the middle of a week's load: the app finishes on
    // the other (the balancer moves reads over; the app retries the rest).
    log_in(&browser, "demo-password").await;
    until(&browser, "logged in again", BOTH_LOADED).await;
    browser
        .client
        .goto(&format!("{base}/dashboard?range=7d"))
        .await
        .unwrap();
    until(
        &browser,
        "the week's load under way",
        "Array.from(document.querySelectorAll('.load-progress')).some(p => p.dataset.finished !== 'true' && /[1-9]/.test(p.textContent))",
    )
    .await;
    replicas[0].kill();
    until(
        &browser,
        "the week finished on the surviving replica",
        BOTH_LOADED,
    )
    .await;
    until(&browser, "no failed source after the kill", NO_FAILURE).await;

    // 5. Rotate the key with a rolling restart: the new file names the new
    // key first and keeps the old one, so the open session survives.
    let survivor_token = token_of(&browser).await;
    servers::key_file(dir.path(), &[KEY_TWO, KEY_ONE]);
    replicas[0] = Replica::start(ports[0], &upstreams, &keys, &redis);
    replicas[1].kill();
    replicas[1] = Replica::start(ports[1], &upstreams, &keys, &redis);
    for replica in &replicas {
        assert_eq!(
            audits_status(replica.address, &survivor_token).await,
            200,
            "a session from before the rotation still works on {}",
            replica.address
        );
    }
    // As a rolling restart does before it calls itself done: wait until
    // the balancer routes again. It takes a replica that refused a
    // connection (the app's requests while one was down) out of its round
    // for `fail_timeout`, and with both out it answers 502 at once.
    let through_balancer: SocketAddr = format!("127.0.0.1:{}", balancer.port).parse().unwrap();
    let mut routed = 0;
    for _ in 0..50 {
        routed = status(through_balancer, "GET", "/", None, "").await;
        if routed == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(routed, 200, "the balancer routes again after the restart");
    browser.client.refresh().await.unwrap();
    until(
        &browser,
        "the view reloaded after the rotation",
        BOTH_LOADED,
    )
    .await;
    until(&browser, "no failed source after the rotation", NO_FAILURE).await;
    assert!(
        !balancer.error_log().contains("[emerg]"),
        "{}",
        balancer.error_log()
    );
    browser.stop().await;
}
