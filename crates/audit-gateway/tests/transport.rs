//! The gateway's transport: HTTPS served from a certificate, upstream
//! certificates verified (with an extra CA when configured), slow clients
//! cut off, and a limit on each session's upstream requests in flight. Each
//! runs the real listener on loopback.
#![allow(clippy::unwrap_used)] // Test helpers: a failure must stop the test loudly.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use audit_gateway::{Config, Started};
use serde_json::json;
use simulated_upstreams::{DataConfig, SimState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate authority and a loopback server certificate it signed.
struct TestPki {
    dir: PathBuf,
    ca_pem: String,
    leaf: audit_gateway::tls::Identity,
}

impl TestPki {
    fn new(name: &str) -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Audit dashboard test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();
        let dir = std::env::temp_dir().join(format!("gateway-tls-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><title>t</title>").unwrap();
        let pki = Self {
            ca_pem: ca.pem(),
            leaf: audit_gateway::tls::Identity {
                cert_pem: leaf.pem(),
                key_pem: leaf_key.serialize_pem(),
            },
            dir,
        };
        std::fs::write(pki.path("ca.pem"), &pki.ca_pem).unwrap();
        std::fs::write(pki.path("cert.pem"), &pki.leaf.cert_pem).unwrap();
        std::fs::write(pki.path("key.pem"), &pki.leaf.key_pem).unwrap();
        pki
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestPki {
    /// A client trusting only this CA.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).unwrap())
            .build()
            .unwrap()
    }
}

/// A gateway with `args`; `"--demo"` among them stands for the simulated
/// upstreams, started here on loopback.
async fn start(args: &[&str], dist: &Path) -> Started {
    let mut all: Vec<String> = vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--dist".into(),
        dist.display().to_string(),
    ];
    if args.contains(&"--demo") {
        let upstreams = simulated_upstreams::spawn_on_loopback(SimState::generated(
            DataConfig::new(chrono::Utc::now()),
        ))
        .await
        .unwrap();
        all.extend([
            "--octopai-url".into(),
            upstreams.octopai_url,
            "--cloudera-url".into(),
            upstreams.cloudera_url,
            "--allow-plain-http-upstream".into(),
        ]);
    }
    all.extend(
        args.iter()
            .filter(|arg| **arg != "--demo")
            .map(|arg| (*arg).to_owned()),
    );
    let config = Config::parse(&all).unwrap();
    audit_gateway::start(config).await.unwrap()
}

#[tokio::test]
async fn the_gateway_serves_https_from_a_certificate_and_key() {
    let pki = TestPki::new("serve");
    let started = start(
        &[
            "--demo",
            "--tls-cert",
            &pki.path("cert.pem"),
            "--tls-key",
            &pki.path("key.pem"),
        ],
        &pki.dir,
    )
    .await;
    let url = started.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let health = pki
        .client()
        .get(format!("{url}/gateway/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("content-security-policy"));
    // The login travels over TLS and works.
    let session = pki
        .client()
        .post(format!("{url}/gateway/session"))
        .json(&json!({"cloudera": {"username": "admin", "password": "admin"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
    // A client that does not trust the CA is refused by its own check.
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let refused = untrusting.get(format!("{url}/gateway/health")).send().await;
    assert!(refused.is_err(), "an untrusted certificate was accepted");
    // Plain HTTP on the HTTPS port gets no answer.
    let plain = reqwest::get(format!("http://{}/gateway/health", started.address)).await;
    assert!(
        plain
            .map(|answer| !answer.status().is_success())
            .unwrap_or(true),
        "plain HTTP was served on the HTTPS port"
    );
}

#[tokio::test]
async fn a_self_signed_demo_certificate_is_made_and_its_fingerprint_reported() {
    let pki = TestPki::new("self");
    let started = start(&["--demo", "--tls-self-signed"], &pki.dir).await;
    let fingerprint = started.tls_fingerprint.clone().unwrap();
    assert!(started.url().starts_with("https://"));
    let insecure = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let answer = insecure
        .get(format!("{}/gateway/health", started.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(fingerprint.split(':').count(), 32);
}

/// Serves both simulated upstreams over HTTPS with `identity`.
async fn upstreams_over_tls(identity: &audit_gateway::tls::Identity) -> (String, String) {
    let sim = simulated_upstreams::SimState::generated(simulated_upstreams::DataConfig::new(
        chrono::Utc::now(),
    ));
    let mut urls = Vec::new();
    for router in [
        simulated_upstreams::octopai::router(sim.clone()),
        simulated_upstreams::cloudera::router(sim.clone()),
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        urls.push(format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        ));
        tokio::spawn(audit_gateway::serve::serve(
            listener,
            router,
            Some(identity.server_config().unwrap()),
            Duration::from_secs(5),
        ));
    }
    (urls[0].clone(), urls[1].clone())
}

#[tokio::test]
async fn upstream_certificates_are_verified_and_an_extra_ca_can_be_trusted() {
    let pki = TestPki::new("upstream");
    let (octopai, cloudera) = upstreams_over_tls(&pki.leaf).await;
    let login = json!({
        "octopai": {"username": "analyst@example.com", "password": "demo-password"},
        "cloudera": {"username": "admin", "password": "admin"}
    });
    let remote = ["--octopai-url", &octopai, "--cloudera-url", &cloudera];
    // Without the CA: nothing is sent, and the error says why.
    let untrusting = start(&remote, &pki.dir).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/gateway/session", untrusting.url()))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 502);
    let error: audit_core::contract::ErrorBody = answer.json().await.unwrap();
    assert_eq!(
        error.code,
        audit_core::contract::ErrorCode::UpstreamCertificate,
        "{}",
        error.message
    );
    assert!(error.message.contains("--upstream-ca"), "{}", error.message);
    // With the CA: the same login works, over verified TLS.
    let ca = pki.path("ca.pem");
    let mut trusting_args = remote.to_vec();
    trusting_args.extend(["--upstream-ca", &ca]);
    let trusting = start(&trusting_args, &pki.dir).await;
    let answer = reqwest::Client::new()
        .post(format!("{}/gateway/session", trusting.url()))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
}

#[tokio::test]
async fn slow_client_headers_and_handshakes_are_cut_off() {
    let pki = TestPki::new("slow");
    for tls in [false, true] {
        let mut args = vec!["--demo", "--client-header-timeout-secs", "1"];
        let (cert, key) = (pki.path("cert.pem"), pki.path("key.pem"));
        if tls {
            args.extend(["--tls-cert", &cert, "--tls-key", &key]);
        }
        let started = start(&args, &pki.dir).await;
        let mut socket = tokio::net::TcpStream::connect(started.address)
            .await
            .unwrap();
        // Half a request (or, over TLS, not even a handshake), then silence.
        if !tls {
            socket
                .write_all(b"GET /gateway/health HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(8), socket.read_to_end(&mut rest)).await;
        assert!(
            closed.is_ok(),
            "tls={tls}: a silent client kept its connection for 8 seconds"
        );
        let answer = String::from_utf8_lossy(&rest);
        assert!(
            !answer.contains("200 OK"),
            "tls={tls}: a half request was answered: {answer}"
        );
    }
}

/// A loopback upstream that answers every request after `delay` and records
/// the most requests it held at once.
async fn gauging_upstream(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let seen = most.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (now, most) = (now.clone(), most.clone());
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let held = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(held, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                now.fetch_sub(1, Ordering::SeqCst);
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\nconnection: close\r\n\r\n{\"items\":[]}",
                    )
                    .await;
            });
        }
    });
    (format!("http://{address}"), seen)
}

fn cloudera_token(key: &audit_gateway::session::SessionKey, user: &str) -> String {
    key.seal(&audit_gateway::session::SessionClaims {
        sid: format!("test-{}", user),
        exp: chrono::Utc::now().timestamp() + 600,
        idle: chrono::Utc::now().timestamp() + 600,
        issued_ms: chrono::Utc::now().timestamp_millis(),
        octopai: None,
        cloudera: Some(audit_gateway::session::ClouderaSession {
            username: user.into(),
            credential: audit_gateway::session::ClouderaCredential::Password {
                password: "secret".into(),
            },
        }),
    })
    .unwrap()
}

fn limited_gateway(upstream: &str, slots: audit_gateway::hardening::SessionSlots) -> axum::Router {
    let dist = std::env::temp_dir();
    audit_gateway::app(audit_gateway::AppState {
        upstreams: audit_gateway::Upstreams::new(
            upstream,
            upstream,
            41,
            Duration::from_secs(10),
            &[],
        )
        .unwrap(),
        session_keys: audit_gateway::session::SessionKeys::single(
            audit_gateway::session::SessionKey::from_bytes(&[7; 32]),
        ),
        sessions: audit_gateway::SessionPolicy::default(),
        dist_dir: dist.clone(),
        allowed_origins: Vec::new(),
        hardening: audit_gateway::hardening::Hardening::new(
            &dist,
            audit_gateway::hardening::LoginLimits::default(),
        )
        .with_session_slots(slots),
    })
}

async fn audits(router: &axum::Router, token: &str) -> axum::response::Response {
    use tower::ServiceExt;
    let request = axum::http::Request::get("/gateway/cloudera/audits")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    router.clone().oneshot(request).await.unwrap()
}

#[tokio::test]
async fn one_session_has_at_most_its_limit_of_upstream_requests_in_flight() {
    let (upstream, most) = gauging_upstream(Duration::from_millis(200)).await;
    let router = limited_gateway(
        &upstream,
        audit_gateway::hardening::SessionSlots::new(2, Duration::from_secs(10)),
    );
    let key = audit_gateway::session::SessionKey::from_bytes(&[7; 32]);
    let token = cloudera_token(&key, "admin");
    let answers = futures::future::join_all((0..8).map(|_| audits(&router, &token))).await;
    // Every request was served, two at a time.
    assert!(answers.iter().all(|answer| answer.status() == 200));
    assert_eq!(most.load(Ordering::SeqCst), 2);
    // Another session is not held back by the first one's limit.
    let other = cloudera_token(&key, "auditor");
    let (first, second) = tokio::join!(
        futures::future::join_all((0..2).map(|_| audits(&router, &token))),
        futures::future::join_all((0..2).map(|_| audits(&router, &other)))
    );
    assert!(first.iter().chain(&second).all(|a| a.status() == 200));
    assert_eq!(most.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_request_that_waits_too_long_for_a_slot_gets_429_with_retry_after() {
    let (upstream, _) = gauging_upstream(Duration::from_millis(800)).await;
    let router = limited_gateway(
        &upstream,
        audit_gateway::hardening::SessionSlots::new(1, Duration::from_millis(100)),
    );
    let token = cloudera_token(
        &audit_gateway::session::SessionKey::from_bytes(&[7; 32]),
        "admin",
    );
    let (first, second) = tokio::join!(audits(&router, &token), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        audits(&router, &token).await
    });
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
}
