//! The gateway under load, measured with a real load tool (`wrk`), run by
//! `cargo xtask bench`; never a timed test.
//!
//! 1. Overhead: a fixed upstream answers a recorded page of 100 and of 1,000
//!    Cloudera Manager audits at once. `wrk` hits it directly and through the
//!    gateway (its release binary, in its own process) in the same run, so a
//!    slow simulator cannot flatter the ratio: with eight connections (the
//!    throughput, and medians that include waiting for the other requests
//!    on two busy cores), then one at a time (the time a request itself
//!    gains through the gateway).
//! 2. 200 sessions: tokens minted with the gateway's key (not 200 logins
//!    through the limiter) page through the gateway for a while, with the
//!    gateway's default settings; errors are counted by kind and the
//!    gateway's memory is sampled from /proc.
//!
//! Budgets (the fleet issue): through the gateway at least 0.8x the direct
//! throughput and at most 1 ms added to the median; under 200 sessions no
//! error beyond documented 429s and memory flat, its peak beside the bound
//! it follows from.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_core::cloudera::ApiAuditList;
use audit_gateway::session::{ClouderaCredential, ClouderaSession, SessionClaims, SessionKeys};

const KEY: &str = "6b1e2f3a4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

fn seconds(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Pages of `sizes` audits from the simulator's data, serialised once.
fn recorded_pages(sizes: &[usize]) -> Vec<(usize, Arc<Vec<u8>>)> {
    let data = simulated_upstreams::data::generate(&simulated_upstreams::DataConfig::new(
        chrono::Utc::now(),
    ));
    sizes
        .iter()
        .map(|&size| {
            let items = data
                .cloudera
                .iter()
                .take(size)
                .map(|r| r.audit.clone())
                .collect();
            (
                size,
                Arc::new(serde_json::to_vec(&ApiAuditList { items }).unwrap()),
            )
        })
        .collect()
}

/// An upstream that answers `/api/v41/audits?maxResults=N` with the
/// recorded page of N audits, at once.
async fn fixed_upstream(pages: Vec<(usize, Arc<Vec<u8>>)>) -> SocketAddr {
    use axum::extract::Query;
    use std::collections::HashMap;
    let handler = move |Query(params): Query<HashMap<String, String>>| {
        let wanted: usize = params
            .get("maxResults")
            .and_then(|n| n.parse().ok())
            .unwrap_or(100);
        let page = pages
            .iter()
            .find(|(size, _)| *size >= wanted)
            .unwrap_or(&pages[pages.len() - 1])
            .1
            .clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                axum::body::Bytes::from((*page).clone()),
            )
        }
    };
    let app = axum::Router::new().route("/api/v41/audits", axum::routing::get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

struct Gateway {
    child: Child,
    address: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_gateway(dir: &Path, upstream: SocketAddr, extra: &[&str]) -> Gateway {
    let port = free_port();
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let upstream = format!("http://{upstream}");
    let child = Command::new(env!("CARGO_BIN_EXE_audit-gateway"))
        .args(["--listen", &address.to_string()])
        .arg("--dist")
        .arg(dir)
        .args(["--octopai-url", &upstream, "--cloudera-url", &upstream])
        .arg("--allow-plain-http-upstream")
        .arg("--session-key-file")
        .arg(dir.join("keys"))
        .args(extra)
        .env("GATEWAY_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(address).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Gateway { child, address }
}

fn token(keys: &SessionKeys, n: usize) -> String {
    let now = chrono::Utc::now().timestamp();
    keys.seal(&SessionClaims {
        sid: format!("bench-session-{n}"),
        exp: now + 3600,
        idle: now + 3600,
        issued_ms: now * 1000,
        octopai: None,
        cloudera: Some(ClouderaSession {
            username: "admin".into(),
            credential: ClouderaCredential::Cookie {
                session_id: format!("cm-{n}"),
            },
        }),
    })
    .unwrap()
}

/// What one `wrk` run reported.
#[derive(Debug, Default)]
struct WrkRun {
    requests: u64,
    per_second: f64,
    median_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
    socket_errors: u64,
    /// Status counts from the script's `done`, when it has one.
    statuses: Vec<(u16, u64)>,
}

fn millis(text: &str) -> f64 {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|at| text.split_at(at))
        .unwrap_or((text, "ms"));
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(args: &[String]) -> WrkRun {
    let wrk = Path::new("/usr/bin/wrk");
    assert!(
        wrk.exists(),
        "wrk is missing: install the Debian package wrk (`cargo xtask setup` does)"
    );
    let output = Command::new(wrk).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "wrk failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut run = WrkRun::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => run.median_ms = millis(value),
            ["99%", value] => run.p99_ms = millis(value),
            ["Requests/sec:", value] => run.per_second = value.parse().unwrap_or(0.0),
            [count, "requests", "in", ..] => run.requests = count.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                run.non_2xx = count.parse().unwrap_or(0)
            }
            ["Socket", "errors:", rest @ ..] => {
                run.socket_errors = rest
                    .iter()
                    .filter_map(|word| word.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            ["status", code, count] => {
                run.statuses
                    .push((code.parse().unwrap_or(0), count.parse().unwrap_or(0)));
            }
            _ => {}
        }
    }
    run
}

/// `wrk` against `url` with `connections`, for `duration` seconds.
fn hit(url: &str, token: Option<&str>, connections: u32, duration: u64) -> WrkRun {
    let mut args = vec![
        "-t1".to_owned(),
        format!("-c{connections}"),
        format!("-d{duration}s"),
        "--latency".to_owned(),
    ];
    if let Some(token) = token {
        args.extend(["-H".to_owned(), format!("Authorization: Bearer {token}")]);
    }
    args.push(url.to_owned());
    wrk(&args)
}

/// The gateway process's resident memory, in KiB: now and its peak.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir: PathBuf = std::env::temp_dir().join(format!("gateway-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>bench</title>",
    )
    .unwrap();
    std::fs::write(dir.join("keys"), format!("{KEY}\n")).unwrap();
    let keys = SessionKeys::parse_file(KEY).unwrap();
    let pages = recorded_pages(&[100, 1000]);
    let sizes: Vec<(usize, usize)> = pages.iter().map(|(n, bytes)| (*n, bytes.len())).collect();
    let upstream = runtime.block_on(fixed_upstream(pages));
    let overhead_secs = seconds("LOAD_BENCH_SECS", 10);
    let soak_secs = seconds("LOAD_BENCH_SOAK_SECS", 180);

    println!("gateway load benchmark; machine: {}", machine());
    println!(
        "\n## Overhead (wrk -t1 -c8, {overhead_secs} s each, direct then through the gateway)\n"
    );
    println!("| page | direct req/s | gateway req/s | ratio (budget ≥ 0.8x) | direct median | gateway median | added (budget ≤ 1 ms) | gateway p99 |");
    println!("|---|---|---|---|---|---|---|---|");
    {
        let gateway = start_gateway(&dir, upstream, &["--session-concurrency", "64"]);
        let token = token(&keys, 0);
        // One page size hit directly, then through the gateway, with
        // `connections` requests kept in flight.
        let pair = |size: usize, connections: u32| {
            let direct = hit(
                &format!("http://{upstream}/api/v41/audits?maxResults={size}"),
                None,
                connections,
                overhead_secs,
            );
            let through = hit(
                &format!(
                    "http://{}/gateway/cloudera/audits?maxResults={size}",
                    gateway.address
                ),
                Some(&token),
                connections,
                overhead_secs,
            );
            assert_eq!(through.non_2xx + through.socket_errors, 0, "{through:?}");
            (direct, through)
        };
        for (size, bytes) in &sizes {
            let (direct, through) = pair(*size, 8);
            let ratio = through.per_second / direct.per_second;
            let added = through.median_ms - direct.median_ms;
            println!(
                "| {size} audits ({} KB) | {:.0} | {:.0} | {ratio:.2}x ({}) | {:.2} ms | {:.2} ms | {added:+.2} ms ({}) | {:.2} ms |",
                bytes / 1024,
                direct.per_second,
                through.per_second,
                verdict(ratio >= 0.8),
                direct.median_ms,
                through.median_ms,
                verdict(added <= 1.0),
                through.p99_ms,
            );
        }
        // With eight connections on two cores every request also waits
        // for the others, so the medians above follow the throughput
        // (eight in flight over requests a second). One at a time, the
        // median is what a request costs: what the gateway adds to it is
        // what a person waiting for a page feels.
        println!(
            "\n### One request at a time (wrk -t1 -c1, {overhead_secs} s each): the time the gateway adds, without queueing\n"
        );
        println!("| page | direct median | gateway median | added (budget ≤ 1 ms) | direct p99 | gateway p99 |");
        println!("|---|---|---|---|---|---|");
        for (size, bytes) in &sizes {
            let (direct, through) = pair(*size, 1);
            let added = through.median_ms - direct.median_ms;
            println!(
                "| {size} audits ({} KB) | {:.2} ms | {:.2} ms | {added:+.2} ms ({}) | {:.2} ms | {:.2} ms |",
                bytes / 1024,
                direct.median_ms,
                through.median_ms,
                verdict(added <= 1.0),
                direct.p99_ms,
                through.p99_ms,
            );
        }
    }

    // For comparison with the issue's figures: the simulated Cloudera
    // Manager (which filters its data on every request) as the upstream.
    println!("\n## The same against the simulated Cloudera Manager (as first measured)\n");
    println!(
        "| page | direct req/s | gateway req/s | ratio | direct median | gateway median | added |"
    );
    println!("|---|---|---|---|---|---|---|");
    {
        let sim = simulated_upstreams::SimState::generated(simulated_upstreams::DataConfig::new(
            chrono::Utc::now(),
        ));
        let running = runtime
            .block_on(simulated_upstreams::spawn_on_loopback(sim))
            .unwrap();
        let simulated: SocketAddr = running
            .cloudera_url
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        let gateway = start_gateway(&dir, simulated, &["--session-concurrency", "64"]);
        let now = chrono::Utc::now().timestamp();
        let basic = keys
            .seal(&SessionClaims {
                sid: "bench-simulated".into(),
                exp: now + 3600,
                idle: now + 3600,
                issued_ms: now * 1000,
                octopai: None,
                cloudera: Some(ClouderaSession {
                    username: simulated_upstreams::DEMO_CLOUDERA_USER.into(),
                    credential: ClouderaCredential::Password {
                        password: simulated_upstreams::DEMO_CLOUDERA_PASSWORD.into(),
                    },
                }),
            })
            .unwrap();
        for size in [100, 1000] {
            let direct = wrk(&[
                "-t1".into(),
                "-c8".into(),
                format!("-d{overhead_secs}s"),
                "--latency".into(),
                "-H".into(),
                "Authorization: Basic YWRtaW46YWRtaW4=".into(),
                format!("http://{simulated}/api/v41/audits?maxResults={size}"),
            ]);
            let through = hit(
                &format!(
                    "http://{}/gateway/cloudera/audits?maxResults={size}",
                    gateway.address
                ),
                Some(&basic),
                8,
                overhead_secs,
            );
            assert_eq!(through.non_2xx + through.socket_errors, 0, "{through:?}");
            println!(
                "| {size} audits | {:.0} | {:.0} | {:.2}x | {:.2} ms | {:.2} ms | {:+.2} ms |",
                direct.per_second,
                through.per_second,
                through.per_second / direct.per_second,
                direct.median_ms,
                through.median_ms,
                through.median_ms - direct.median_ms,
            );
        }
    }

    println!("\n## 200 sessions for {soak_secs} s (wrk -t1 -c200, 1,000-audit pages, default settings)\n");
    let gateway = start_gateway(&dir, upstream, &[]);
    let pid = gateway.child.id();
    let tokens: Vec<String> = (0..200).map(|n| token(&keys, n)).collect();
    let script = dir.join("sessions.lua");
    std::fs::write(&script, sessions_script(&tokens)).unwrap();
    let samples = Arc::new(Mutex::new(Vec::new()));
    let sampling = {
        let samples = samples.clone();
        std::thread::spawn(move || {
            let start = std::time::Instant::now();
            while start.elapsed() < Duration::from_secs(soak_secs + 2) {
                samples.lock().unwrap().push(memory_kib(pid).0);
                std::thread::sleep(Duration::from_secs(2));
            }
        })
    };
    let (rss_before, _) = memory_kib(pid);
    let run = wrk(&[
        "-t1".into(),
        "-c200".into(),
        format!("-d{soak_secs}s"),
        "--latency".into(),
        "-s".into(),
        script.display().to_string(),
        format!("http://{}/", gateway.address),
    ]);
    sampling.join().unwrap();
    let (_, peak) = memory_kib(pid);
    let samples = samples.lock().unwrap().clone();
    let quarter = (samples.len() / 4).max(1);
    let mean = |slice: &[u64]| slice.iter().sum::<u64>() as f64 / slice.len().max(1) as f64;
    let early = mean(&samples[quarter.min(samples.len())..(2 * quarter).min(samples.len())]);
    let late = mean(&samples[samples.len().saturating_sub(quarter)..]);
    let growth = if early > 0.0 { late / early - 1.0 } else { 0.0 };
    let other: u64 = run
        .statuses
        .iter()
        .filter(|(code, _)| *code != 200 && *code != 429)
        .map(|(_, count)| count)
        .sum();
    let limited: u64 = run
        .statuses
        .iter()
        .filter(|(code, _)| *code == 429)
        .map(|(_, count)| count)
        .sum();
    let page_bytes = sizes.iter().map(|(_, bytes)| *bytes).max().unwrap_or(0) as u64;
    // Each answer in flight is held whole while it is checked as JSON and
    // sent on, beside the upstream connection's read buffer that it was
    // copied out of (up to a page): two page-sized buffers per answer, at
    // most one answer per connection, so 200 of them.
    let bound_kib = rss_before + 200 * 2 * page_bytes / 1024;
    println!("| figure | value | budget |");
    println!("|---|---|---|");
    println!(
        "| requests | {} ({:.0}/s, median {:.1} ms, p99 {:.1} ms) | |",
        run.requests, run.per_second, run.median_ms, run.p99_ms
    );
    println!(
        "| errors other than 429 | {} (socket errors {}) | 0 ({}) |",
        other,
        run.socket_errors,
        verdict(other + run.socket_errors == 0)
    );
    println!("| 429 (documented: session slots) | {limited} | allowed |");
    println!(
        "| memory: RSS at start / second quarter / last quarter | {} / {:.0} / {:.0} MiB ({:+.1}%) | flat, ≤ +10% ({}) |",
        rss_before / 1024,
        early / 1024.0,
        late / 1024.0,
        growth * 100.0,
        verdict(growth <= 0.10)
    );
    println!(
        "| memory: peak RSS beside its bound | {} MiB of {} MiB (start + 200 answers in flight × 2 buffers of {} KB) | ≤ bound ({}) |",
        peak / 1024,
        bound_kib / 1024,
        page_bytes / 1024,
        verdict(peak <= bound_kib)
    );
    drop(gateway);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A wrk script: each request is the next of 200 sessions reading its next
/// 1,000-audit page; `done` prints the status counts.
fn sessions_script(tokens: &[String]) -> String {
    let list: String = tokens.iter().map(|token| format!("\"{token}\",")).collect();
    format!(
        r#"local tokens = {{{list}}}
local threads = {{}}
setup = function(thread)
  table.insert(threads, thread)
end
n = 0
statuses = {{}}
request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  local offset = (math.floor(n / #tokens) % 50) * 1000
  return wrk.format("GET", "/gateway/cloudera/audits?maxResults=1000&resultOffset=" .. offset,
    {{ ["Authorization"] = "Bearer " .. token }})
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local all = {{}}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      all[code] = (all[code] or 0) + count
    end
  end
  for code, count in pairs(all) do
    io.write(string.format("status %d %d\n", code, count))
  end
end
"#
    )
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_owned();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    format!("{model}, {cores} cores")
}
