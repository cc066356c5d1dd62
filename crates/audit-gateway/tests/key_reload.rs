//! The key file read again on `SIGHUP` (a rotation without a restart): a
//! new first key seals from then on, tokens under a key still listed keep
//! working, a file that cannot be used changes nothing, and a key taken out
//! of the file stops opening tokens. Its own test binary: the signal goes
//! to the whole process.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use audit_gateway::Config;
use common::*;
use serde_json::Value;

/// Sends this process `SIGHUP`, which the gateway started here listens for.
fn hang_up() {
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGHUP).unwrap();
}

async fn log_in(client: &reqwest::Client, base: &str) -> String {
    let answer: Value = client
        .post(format!("{base}/gateway/session"))
        .json(&cloudera_login())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().unwrap().to_owned()
}

async fn audits_status(client: &reqwest::Client, base: &str, token: &str) -> u16 {
    client
        .get(format!("{base}/gateway/cloudera/audits?maxResults=5"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Waits (up to five seconds) until `done` holds.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done().await {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_key_file_is_read_again_on_sighup() {
    let running = upstreams(simulator()).await;
    let file = dist().join("session-keys");
    std::fs::write(&file, format!("{OLD_KEY}\n")).unwrap();
    let args: Vec<String> = [
        "--listen",
        "127.0.0.1:0",
        "--dist",
        &dist().display().to_string(),
        "--octopai-url",
        &running.octopai_url,
        "--cloudera-url",
        &running.cloudera_url,
        "--allow-plain-http-upstream",
        "--session-key-file",
        &file.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let started = audit_gateway::start(Config::parse(&args).unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", started.address);
    let client = reqwest::Client::new();
    let sealed_by = |keys: &str, token: &str| {
        single(keys)
            .open(token, chrono::Utc::now().timestamp())
            .is_ok()
    };
    let before = log_in(&client, &base).await;
    assert!(sealed_by(OLD_KEY, &before));

    // A new key first, the old one kept: new tokens are sealed with the
    // new key, the old token keeps working.
    std::fs::write(&file, format!("{NEW_KEY}\n{OLD_KEY}\n")).unwrap();
    hang_up();
    eventually("a login sealed with the new key", async || {
        sealed_by(NEW_KEY, &log_in(&client, &base).await)
    })
    .await;
    assert_eq!(audits_status(&client, &base, &before).await, 200);

    // A file that cannot be used changes nothing.
    std::fs::write(&file, "not a key\n").unwrap();
    hang_up();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sealed_by(NEW_KEY, &log_in(&client, &base).await));
    assert_eq!(audits_status(&client, &base, &before).await, 200);

    // The old key taken out: its tokens stop working.
    std::fs::write(&file, format!("{NEW_KEY}\n")).unwrap();
    hang_up();
    eventually("the old key's token refused", async || {
        audits_status(&client, &base, &before).await == 401
    })
    .await;
    let after = log_in(&client, &base).await;
    assert_eq!(audits_status(&client, &base, &after).await, 200);
}
