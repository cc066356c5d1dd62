//! What keeps the gateway's own answers safe: security headers on every
//! response (a Content-Security-Policy allowing exactly what the app needs,
//! with trunk's bootstrap script pinned by its hash), a counter of the CSP
//! violation reports browsers send, and the protective state: login rate
//! limits, logged-out sessions and each session's upstream slots, held in
//! this process or, with `--redis-url`, shared by every replica
//! ([`crate::shared`]).

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::AppError;
pub use crate::revoked::Revoked;
use crate::session::SessionClaims;
use crate::shared::{Lease, Shared};

/// Where browsers send CSP violation reports.
pub const CSP_REPORT_PATH: &str = "/gateway/csp-report";

/// The `'sha256-…'` source of every inline `<script>` in `index.html`.
pub fn inline_script_hashes(index_html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = index_html;
    while let Some(open) = rest.find("<script") {
        let after_open = &rest[open..];
        let Some(tag_end) = after_open.find('>') else {
            break;
        };
        let tag = &after_open[..tag_end];
        let body_and_rest = &after_open[tag_end + 1..];
        let Some(close) = body_and_rest.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_and_rest[close..];
    }
    hashes
}

/// The policy for the app in `dist_dir`: scripts only from the gateway plus
/// the hashed bootstrap, WebAssembly compiled from it, no inline styles but
/// style attributes (the charts' placement), images from the app, blobs and
/// data URLs (chart downloads), requests only to the gateway, no framing.
pub fn content_security_policy(dist_dir: &Path) -> String {
    let hashes = std::fs::read_to_string(dist_dir.join("index.html"))
        .map(|html| inline_script_hashes(&html))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; \
         font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'; report-uri {CSP_REPORT_PATH}",
        hashes
            .iter()
            .map(|hash| format!(" {hash}"))
            .collect::<String>()
    )
}

/// Shared by the middleware and the report route.
#[derive(Debug, Clone)]
pub struct Hardening {
    pub csp: HeaderValue,
    pub csp_reports: Arc<AtomicU64>,
    pub login_limits: Arc<LoginLimits>,
    pub revoked: Arc<Revoked>,
    pub session_slots: Arc<SessionSlots>,
    /// Where the protective state is shared between replicas, if it is.
    pub shared: Option<Shared>,
    /// Send `Strict-Transport-Security` (when the gateway serves HTTPS).
    pub hsts: bool,
    /// Peers whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Arc<Vec<crate::proxies::Network>>,
    /// The administrator token (`--admin-token-file`); without it the
    /// administrator's route does not exist.
    pub admin: Option<crate::admin::AdminToken>,
}

/// An upstream slot, held while the upstream request runs: this process's
/// own and, with Redis, one of the session's slots across replicas.
#[derive(Debug)]
pub struct Slot {
    _local: tokio::sync::OwnedSemaphorePermit,
    _shared: Option<Lease>,
}

/// Upstream requests in flight, per session: each session has `per_session`
/// slots, and a request beyond them waits its turn (in arrival order) for at
/// most `wait`, then is refused with a time to retry. One session's burst
/// can then neither swamp an upstream nor starve other sessions.
#[derive(Debug)]
pub struct SessionSlots {
    per_session: usize,
    pub wait: Duration,
    sessions: Mutex<HashMap<[u8; 32], Arc<tokio::sync::Semaphore>>>,
}

impl SessionSlots {
    pub fn new(per_session: usize, wait: Duration) -> Self {
        Self {
            per_session: per_session.max(1),
            wait,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    pub fn per_session(&self) -> usize {
        self.per_session
    }

    /// A slot for `token`'s session, held until the permit is dropped;
    /// `Err` with how long to wait before retrying when none came free in
    /// time.
    pub async fn acquire(
        &self,
        token: &str,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, Duration> {
        let semaphore = {
            let mut sessions = self
                .sessions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // A session nobody holds or waits on is forgotten.
            sessions.retain(|_, semaphore| Arc::strong_count(semaphore) > 1);
            sessions
                .entry(Sha256::digest(token.as_bytes()).into())
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(self.per_session)))
                .clone()
        };
        match tokio::time::timeout(self.wait, semaphore.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Duration::from_secs(1)),
        }
    }
}

impl Hardening {
    pub fn new(dist_dir: &Path, limits: LoginLimits) -> Self {
        Self {
            csp: HeaderValue::from_str(&content_security_policy(dist_dir))
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            csp_reports: Arc::new(AtomicU64::new(0)),
            login_limits: Arc::new(limits),
            revoked: Arc::new(Revoked::default()),
            session_slots: Arc::new(SessionSlots::new(6, Duration::from_secs(30))),
            shared: None,
            hsts: false,
            trusted_proxies: Arc::new(Vec::new()),
            admin: None,
        }
    }

    /// The same, with the administrator's route open to `token`.
    pub fn with_admin(mut self, token: Option<crate::admin::AdminToken>) -> Self {
        self.admin = token;
        self
    }

    /// The same, taking the client's address from `X-Forwarded-For` when a
    /// request comes from one of `proxies`.
    pub fn with_trusted_proxies(mut self, proxies: Vec<crate::proxies::Network>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// The same, telling browsers to use only HTTPS here for a year
    /// (`Strict-Transport-Security`), as a gateway serving HTTPS should.
    pub fn with_hsts(mut self, hsts: bool) -> Self {
        self.hsts = hsts;
        self
    }

    /// The same, sharing the protective state through Redis.
    pub fn with_shared(mut self, shared: Shared) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Counts a login attempt by `client` on `accounts`, or refuses it:
    /// too many attempts, or (fail closed) no shared store to count in.
    pub async fn count_login(&self, client: &str, accounts: &[String]) -> Result<(), AppError> {
        let refused = |wait: Duration| AppError::TooManyAttempts {
            retry_after_secs: wait.as_secs().max(1),
        };
        match &self.shared {
            None => self
                .login_limits
                .check(client, accounts, Instant::now())
                .map_err(refused),
            Some(shared) => shared
                .count_login(
                    &self.login_limits.counted(client, accounts),
                    self.login_limits.window,
                )
                .await
                .map_err(|error| AppError::SharedStateUnavailable(error.0))?
                .map_err(refused),
        }
    }

    /// Logs session `sid` out everywhere until `expires` (Unix seconds);
    /// fails closed when the shared store cannot take it.
    pub async fn revoke(&self, sid: &str, expires: i64, now: i64) -> Result<(), AppError> {
        self.revoked.revoke(sid, expires, now);
        if let Some(shared) = &self.shared {
            let seconds = u64::try_from(expires - now).unwrap_or(0);
            shared
                .revoke(sid, seconds)
                .await
                .map_err(|error| AppError::SharedStateUnavailable(error.0))?;
        }
        Ok(())
    }

    /// Ends every session of account `key` ([`crate::revoked::account_key`])
    /// logged in up to `before_ms` (Unix milliseconds), here and on every
    /// replica, for as long as such a session could last (`keep_secs`);
    /// fails closed when the shared store cannot take it.
    pub async fn end_account(
        &self,
        key: &str,
        before_ms: i64,
        keep_secs: u64,
        now: i64,
    ) -> Result<(), AppError> {
        let keep = i64::try_from(keep_secs).unwrap_or(i64::MAX);
        self.revoked
            .end_account(key, before_ms, now.saturating_add(keep), now);
        if let Some(shared) = &self.shared {
            shared
                .end_account(key, before_ms, keep_secs)
                .await
                .map_err(|error| AppError::SharedStateUnavailable(error.0))?;
        }
        Ok(())
    }

    /// Whether the session of `claims` was logged out, or its account's
    /// sessions ended by an administrator after its login: here, or on any
    /// replica (one round trip to Redis). An unreachable shared store reads
    /// as "no" (open sessions keep reading; docs/security.md), and is
    /// logged.
    pub async fn is_refused(&self, claims: &SessionClaims) -> bool {
        let accounts = crate::revoked::accounts_of(claims);
        if self
            .revoked
            .is_refused(&claims.sid, &accounts, claims.issued_ms)
        {
            return true;
        }
        match &self.shared {
            None => false,
            Some(shared) => shared
                .is_refused(&claims.sid, &accounts, claims.issued_ms)
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "shared store unreachable; revocations on other replicas not seen");
                    false
                }),
        }
    }

    /// One of session `sid`'s upstream slots: this process's, then the
    /// session's across replicas (this process's alone when Redis is away).
    pub async fn slot(&self, sid: &str) -> Result<Slot, AppError> {
        let slots = &self.session_slots;
        let busy = |wait: Duration| AppError::SessionBusy {
            limit: slots.per_session(),
            retry_after_secs: wait.as_secs().max(1),
        };
        let started = Instant::now();
        let local = slots.acquire(sid).await.map_err(busy)?;
        let shared = match &self.shared {
            None => None,
            Some(shared) => {
                let left = slots.wait.saturating_sub(started.elapsed());
                // A lease outlives any upstream request (they time out at
                // `wait`), so only a replica that died gives one back late.
                match shared
                    .take_slot(sid, slots.per_session(), slots.wait * 2, left)
                    .await
                {
                    Ok(Some(lease)) => Some(lease),
                    Ok(None) => return Err(busy(Duration::from_secs(1))),
                    Err(error) => {
                        tracing::warn!(%error, "shared store unreachable; this replica's slots only");
                        None
                    }
                }
            }
        };
        Ok(Slot {
            _local: local,
            _shared: shared,
        })
    }

    /// The same, with `slots` limiting each session's upstream requests.
    pub fn with_session_slots(mut self, slots: SessionSlots) -> Self {
        self.session_slots = Arc::new(slots);
        self
    }
}

/// Adds the security headers to every answer, and says how long it may be
/// cached: `/gateway/*` answers never (they hold sessions and audit data);
/// the build's content-hashed files for a year, unchanged
/// ([`is_content_hashed`]); everything else (`index.html`, which names the
/// current hashes) only after checking it is still current.
pub async fn security_headers(
    State(hardening): State<Hardening>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_api = path.starts_with("/gateway");
    let hashed = is_content_hashed(path);
    let mut response = next.run(request).await;
    // A hashed name the build does not have (an old page's reference) must
    // not get the page itself, which answers every other unknown path.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if hashed && is_page {
        *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
        *response.body_mut() = axum::body::Body::empty();
        response.headers_mut().remove(header::CONTENT_TYPE);
        response.headers_mut().remove(header::CONTENT_LENGTH);
        response.headers_mut().remove(header::CONTENT_ENCODING);
    }
    let found = response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, hardening.csp.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    let caching = if is_api {
        "no-store"
    } else if hashed && found {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(caching));
    if hardening.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// Whether a path names one of trunk's content-hashed files
/// (`audit-dashboard-0123456789abcdef_bg.wasm`, `main-0123456789abcdef.css`,
/// `icon-0123456789abcdef.svg`): a new build gives new names, so what a
/// name holds never changes.
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(extension, "wasm" | "js" | "css" | "svg") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Counts a CSP violation report and logs which directive it names (the
/// report's text is attacker-influenced, so only that is kept).
pub async fn csp_report(
    State(hardening): State<Hardening>,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    hardening.csp_reports.fetch_add(1, Ordering::Relaxed);
    let directive = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|report| {
            report
                .pointer("/csp-report/violated-directive")
                .and_then(|value| value.as_str())
                .map(|value| value.chars().take(80).collect::<String>())
        })
        .unwrap_or_default();
    tracing::warn!(?directive, "content security policy violation reported");
    axum::http::StatusCode::NO_CONTENT
}

/// Login attempts allowed per window, per client address and per account.
#[derive(Debug)]
pub struct LoginLimits {
    pub window: Duration,
    pub per_client: usize,
    pub per_account: usize,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimits {
    pub fn new(window: Duration, per_client: usize, per_account: usize) -> Self {
        Self {
            window,
            per_client,
            per_account,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// What one attempt by `client` on `accounts` counts against, each with
    /// its limit.
    pub fn counted(&self, client: &str, accounts: &[String]) -> Vec<(String, usize)> {
        std::iter::once((format!("client:{client}"), self.per_client))
            .chain(accounts.iter().map(|account| {
                (
                    format!("account:{}", account.trim().to_lowercase()),
                    self.per_account,
                )
            }))
            .collect()
    }

    /// Records an attempt by `client` on `accounts`, or refuses it with how
    /// long to wait. A refused attempt is not recorded.
    pub fn check(&self, client: &str, accounts: &[String], now: Instant) -> Result<(), Duration> {
        let keys = self.counted(client, accounts);
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut wait = Duration::ZERO;
        for (key, limit) in &keys {
            let attempts = seen.entry(key.clone()).or_default();
            while attempts
                .front()
                .is_some_and(|at| now.duration_since(*at) >= self.window)
            {
                attempts.pop_front();
            }
            if attempts.len() >= *limit {
                if let Some(oldest) = attempts.front() {
                    wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if wait > Duration::ZERO {
            return Err(wait.max(Duration::from_secs(1)));
        }
        for (key, _) in keys {
            seen.entry(key).or_default().push_back(now);
        }
        // Forget keys with nothing recent, so the map cannot grow without end.
        if seen.len() > 10_000 {
            let window = self.window;
            seen.retain(|_, attempts| {
                attempts
                    .back()
                    .is_some_and(|at| now.duration_since(*at) < window)
            });
        }
        Ok(())
    }
}

impl Default for LoginLimits {
    /// Ten attempts per account and thirty per client address in five
    /// minutes: plenty for typos, too few for guessing.
    fn default() -> Self {
        Self::new(Duration::from_secs(300), 30, 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trunks_hashed_file_names_count_as_content_hashed() {
        for hashed in [
            "/audit-dashboard-814c21fcdc76a024_bg.wasm",
            "/audit-dashboard-814c21fcdc76a024.js",
            "/main-aedd679f7e581976.css",
            "/icon-e12fa46a1087deef.svg",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/dashboard",
            "/app.js",
            "/main-aedd679f7e58197.css",
            "/main-aedd679f7e58197z.css",
            "/audit-dashboard-814c21fcdc76a024.wasm.map",
            "/favicon.ico",
            "/icon.svg",
            "/gateway/health",
        ] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<html><script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <script src=\"/b.js\"></script><script>x()</script></html>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"\nimport init from '/a.js';\n"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
        assert!(inline_script_hashes("<script>unterminated").is_empty());
    }

    #[test]
    fn login_limits_count_per_account_and_per_client_and_say_how_long_to_wait() {
        let limits = LoginLimits::new(Duration::from_secs(60), 5, 3);
        let start = Instant::now();
        let raj = ["raj@example.com".to_owned()];
        for i in 0..3 {
            assert!(limits
                .check("10.0.0.1", &raj, start + Duration::from_secs(i))
                .is_ok());
        }
        // The fourth try on the account is refused, from any client, and the
        // wait runs until the oldest attempt leaves the window.
        let wait = limits
            .check(
                "10.0.0.2",
                &["RAJ@example.com".to_owned()],
                start + Duration::from_secs(10),
            )
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        // Another account from the first client still works, until the
        // client's own limit.
        assert!(limits
            .check(
                "10.0.0.1",
                &["mia@example.com".to_owned()],
                start + Duration::from_secs(11)
            )
            .is_ok());
        assert!(limits
            .check(
                "10.0.0.1",
                &["zoe@example.com".to_owned()],
                start + Duration::from_secs(12)
            )
            .is_ok());
        assert!(limits
            .check(
                "10.0.0.1",
                &["ava@example.com".to_owned()],
                start + Duration::from_secs(13)
            )
            .is_err());
        // After the window, the account can try again.
        assert!(limits
            .check("10.0.0.3", &raj, start + Duration::from_secs(61))
            .is_ok());
    }
}
