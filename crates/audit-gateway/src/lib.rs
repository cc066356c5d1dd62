//! The audit gateway: the one CORS-enabled endpoint the app talks to.
//!
//! It serves the built app, issues the session token the browser keeps, and
//! forwards a fixed set of routes ([`audit_core::contract`]) to the
//! configured upstreams ([`upstream`]). The session travels sealed inside
//! the token ([`session`]), so replicas that share the key file can serve
//! one user; the protective state (revoked sessions, login counts,
//! per-session request slots: [`hardening`]) is kept per process, or shared
//! by every replica in Redis ([`shared`]).
//!
//! The library is `app(state) -> Router` plus [`start`]; `main.rs` only
//! parses the configuration and waits.

pub mod admin;
pub mod config;
pub mod error;
pub mod extract;
pub mod hardening;
pub mod json_check;
pub mod proxies;
pub mod revoked;
pub mod serve;
pub mod session;
pub mod shared;
pub mod tls;
pub mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use audit_core::cloudera::AuditsParams;
use audit_core::contract::{
    ClouderaIdentity, OctopaiIdentity, SessionRequest, SessionResponse, ACCOUNT_SESSIONS_PATH,
    CLOUDERA_AUDITS_PATH, HEALTH_PATH, OCTOPAI_USER_EVENTS_PATH, RENEWED_EXPIRES_HEADER,
    RENEWED_TOKEN_HEADER, SESSION_PATH,
};
use audit_core::octopai::UserEventsRequest;
use audit_core::time::format_iso;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::{Cli, Config, GatewayArgs, TlsMode};
use error::AppError;
use extract::{check_instants, AuthedSession, ClientAddress, JsonBody};
use hardening::Hardening;
use session::{ClouderaCredential, ClouderaSession, OctopaiSession, SessionClaims, SessionKeys};
pub use upstream::Upstreams;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub upstreams: Upstreams,
    pub session_keys: SessionKeys,
    pub sessions: SessionPolicy,
    pub dist_dir: PathBuf,
    pub allowed_origins: Vec<String>,
    /// Security headers, CSP reports and login limits.
    pub hardening: Hardening,
}

/// How long sessions last, and what a login may seal.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    /// A session with no request for this long ends.
    pub idle: Duration,
    /// Every session ends this long after login, however active.
    pub max: Duration,
    /// Seal the Cloudera Manager password where the upstream gives no
    /// session cookie (`--seal-cloudera-password`).
    pub seal_cloudera_password: bool,
}

impl Default for SessionPolicy {
    /// 30 minutes idle, 8 hours at most, no password sealed.
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            max: Duration::from_secs(8 * 60 * 60),
            seal_cloudera_password: false,
        }
    }
}

/// The largest request body the gateway reads (logins and page requests
/// are a few hundred bytes).
pub const BODY_LIMIT: usize = 16 * 1024;

/// The gateway's routes. `/gateway/*` is the API; everything else is the
/// app, with unknown paths answered by `index.html` (client-side routes).
pub fn app(state: AppState) -> Router {
    let hardening = state.hardening.clone();
    let reports = hardening.csp_reports.clone();
    // Audit pages go out gzip-compressed at the fastest level to browsers
    // that accept it: about a tenth of the bytes for little CPU (brotli at
    // level 4 cost a 100,000-event load a third more time on this machine's
    // loopback; see docs/benchmarks.md). The session answer is not
    // compressed: it carries the token beside the user name the caller chose.
    let data = Router::new()
        .route(OCTOPAI_USER_EVENTS_PATH, post(octopai_user_events))
        .route(CLOUDERA_AUDITS_PATH, get(cloudera_audits))
        .layer(
            CompressionLayer::new()
                .no_br()
                .gzip(true)
                .quality(tower_http::CompressionLevel::Fastest),
        );
    let api = Router::new()
        .route(SESSION_PATH, post(create_session).delete(end_session))
        .route(ACCOUNT_SESSIONS_PATH, post(admin::end_account_sessions))
        .merge(data)
        .route(
            HEALTH_PATH,
            get(move || async move {
                Json(serde_json::json!({
                    "status": "ok",
                    "csp_reports": reports.load(std::sync::atomic::Ordering::Relaxed),
                }))
            }),
        )
        .route(
            hardening::CSP_REPORT_PATH,
            post(hardening::csp_report).with_state(hardening.clone()),
        )
        .route(
            "/gateway",
            axum::routing::any(|| async { AppError::NotFound }),
        )
        .route(
            "/gateway/{*rest}",
            axum::routing::any(|| async { AppError::NotFound }),
        );
    let index = state.dist_dir.join("index.html");
    // The build writes `.br` and `.gz` copies beside each file (`cargo
    // xtask`); they are served to browsers that accept them. Which one
    // went out depends on `Accept-Encoding`, and a cache between must
    // know it (or it could hand brotli to a client that never asked).
    let static_files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .service(
            ServeDir::new(&state.dist_dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(
                    ServeFile::new(index)
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        );

    let cors = cors_layer(&state.allowed_origins);
    api.fallback_service(static_files)
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(
            hardening,
            hardening::security_headers,
        ))
        .with_state(state)
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static(audit_core::contract::BACKGROUND_HEADER),
        ])
        .expose_headers([
            header::HeaderName::from_static(RENEWED_TOKEN_HEADER),
            header::HeaderName::from_static(RENEWED_EXPIRES_HEADER),
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(600))
}

fn audit_data(body: Bytes) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

async fn create_session(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    JsonBody(request): JsonBody<SessionRequest>,
) -> Result<Response, AppError> {
    if request.octopai.is_none() && request.cloudera.is_none() {
        return Err(AppError::BadRequest(
            "give credentials for Octopai, Cloudera Manager, or both".into(),
        ));
    }
    // Rate limits come before any upstream sees the credentials.
    let accounts: Vec<String> = request
        .octopai
        .iter()
        .map(|c| format!("octopai:{}", c.username))
        .chain(
            request
                .cloudera
                .iter()
                .map(|c| format!("cloudera:{}", c.username)),
        )
        .collect();
    state.hardening.count_login(&client, &accounts).await?;
    let octopai = match &request.octopai {
        Some(credentials) => {
            if credentials.username.trim().is_empty() || credentials.password.is_empty() {
                return Err(AppError::BadRequest(
                    "Octopai needs an e-mail and a password".into(),
                ));
            }
            Some(
                state
                    .upstreams
                    .octopai_login(credentials.username.trim(), &credentials.password)
                    .await?,
            )
        }
        None => None,
    };
    let cloudera = match &request.cloudera {
        Some(credentials) => {
            if credentials.username.trim().is_empty() || credentials.password.is_empty() {
                return Err(AppError::BadRequest(
                    "Cloudera Manager needs a user name and a password".into(),
                ));
            }
            let username = credentials.username.trim().to_owned();
            // The password is traded for Cloudera Manager's own session and
            // forgotten; only that session's id is sealed.
            let credential = match state
                .upstreams
                .cloudera_login(&username, &credentials.password)
                .await?
            {
                Some(session_id) => ClouderaCredential::Cookie { session_id },
                None if state.sessions.seal_cloudera_password => ClouderaCredential::Password {
                    password: credentials.password.clone(),
                },
                None => {
                    return Err(AppError::LoginFailed {
                        source: audit_core::Source::ClouderaManager,
                        message: "it accepted the password but gave no session (no CLOUDERA_MANAGER_SESSIONID cookie), and this gateway does not keep passwords; its operator can allow that with --seal-cloudera-password".into(),
                    });
                }
            };
            Some(ClouderaSession {
                username,
                credential,
            })
        }
        None => None,
    };
    let now = Utc::now();
    // A session ends at its absolute lifetime, or earlier when the Octopai
    // access token it holds ends (Octopai has no refresh call).
    let mut exp = (now + state.sessions.max).timestamp();
    if let Some(token_end) = octopai
        .as_ref()
        .and_then(|login| session::jwt_expiry(&login.access_token))
    {
        exp = exp.min(token_end);
    }
    let claims = SessionClaims {
        sid: session::new_session_id().map_err(AppError::Internal)?,
        exp,
        idle: (now + state.sessions.idle).timestamp().min(exp),
        issued_ms: now.timestamp_millis(),
        octopai: octopai.as_ref().map(|login| OctopaiSession {
            access_token: login.access_token.clone(),
            user_name: login.user_name.clone(),
        }),
        cloudera,
    };
    let token = state
        .session_keys
        .seal(&claims)
        .map_err(AppError::Internal)?;
    tracing::info!(
        octopai = claims.octopai.is_some(),
        cloudera = claims.cloudera.is_some(),
        password_sealed = matches!(
            claims.cloudera.as_ref().map(|c| &c.credential),
            Some(ClouderaCredential::Password { .. })
        ),
        "session created"
    );
    let response = SessionResponse {
        token,
        expires_at: format_iso(unix_time(claims.ends())),
        octopai: octopai.map(|login| OctopaiIdentity {
            user_name: login.user_name,
            display_name: login.display_name,
            is_admin: login.is_admin,
        }),
        cloudera: claims.cloudera.as_ref().map(|session| ClouderaIdentity {
            username: session.username.clone(),
        }),
    };
    let mut response = Json(response).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn unix_time(seconds: i64) -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_else(Utc::now)
}

/// Logs out: the session (every token renewed from its login) stops
/// working at once, on every replica, not only at its end. Answers 204
/// whatever the token (logging out twice is not an error), and 503 when the
/// shared store cannot record it.
async fn end_session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Ok(session) = AuthedSession::open(&state, &headers).await {
        state
            .hardening
            .revoke(
                &session.claims.sid,
                session.claims.exp,
                Utc::now().timestamp(),
            )
            .await?;
        tracing::info!("session ended");
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

async fn octopai_user_events(
    State(state): State<AppState>,
    session: AuthedSession,
    JsonBody(request): JsonBody<UserEventsRequest>,
) -> Result<Response, AppError> {
    let octopai = session
        .claims
        .octopai
        .as_ref()
        .ok_or(AppError::NotConnected(audit_core::Source::Octopai))?;
    check_instants([
        ("startTime", Some(request.start_time.as_str())),
        ("endTime", Some(request.end_time.as_str())),
    ])?;
    let _slot = session.slot(&state).await?;
    let body = state
        .upstreams
        .octopai_user_events(&octopai.access_token, &request)
        .await?;
    Ok(session.renew(&state, audit_data(body)))
}

async fn cloudera_audits(
    State(state): State<AppState>,
    session: AuthedSession,
    uri: Uri,
) -> Result<Response, AppError> {
    let cloudera = session
        .claims
        .cloudera
        .as_ref()
        .ok_or(AppError::NotConnected(audit_core::Source::ClouderaManager))?;
    let Query(params) = Query::<AuditsParams>::try_from_uri(&uri).map_err(|rejection| {
        AppError::BadRequest(format!(
            "the audits parameters are malformed ({}); maxResults and resultOffset are whole numbers",
            rejection.body_text()
        ))
    })?;
    check_instants([
        ("startTime", params.start_time.as_deref()),
        ("endTime", params.end_time.as_deref()),
    ])?;
    if let Some(query) = &params.query {
        // A malformed query never reaches the upstream.
        audit_core::query::parse(query).map_err(|diagnostics| {
            AppError::BadRequest(format!(
                "the query is malformed: {}",
                diagnostics[0].message
            ))
        })?;
    }
    let _slot = session.slot(&state).await?;
    let body = state
        .upstreams
        .cloudera_audits(&cloudera.username, &cloudera.credential, &params)
        .await?;
    Ok(session.renew(&state, audit_data(body)))
}

/// Logs to standard error at the level `GATEWAY_LOG` names (`info` when
/// unset); the gateway's binary and the demo's both start with this.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GATEWAY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
}

/// A running gateway.
#[derive(Debug, Clone)]
pub struct Started {
    pub address: SocketAddr,
    pub octopai_url: String,
    pub cloudera_url: String,
    /// The SHA-256 fingerprint of the certificate served, when HTTPS.
    pub tls_fingerprint: Option<String>,
    /// Whether that certificate was made at start-up (`--tls-self-signed`).
    pub self_signed: bool,
}

/// Prints where the gateway listens, and the fingerprint of its certificate
/// when it serves HTTPS.
pub fn announce(started: &Started) {
    if let Some(fingerprint) = &started.tls_fingerprint {
        println!("HTTPS certificate SHA-256 fingerprint: {fingerprint}");
        if started.self_signed {
            println!("  (made just now for localhost; the browser will ask you to accept it once — check the fingerprint)");
        }
    }
    println!("Audit dashboard: {}/", started.url());
}

impl Started {
    pub fn url(&self) -> String {
        let scheme = if self.tls_fingerprint.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.address)
    }
}

/// Starts the gateway and serves in the background; returns once it is
/// listening.
pub async fn start(config: Config) -> Result<Started, String> {
    let octopai_url = config.octopai_url.clone();
    let cloudera_url = config.cloudera_url.clone();
    let extra_roots = match &config.upstream_ca {
        Some(path) => tls::upstream_roots(path)?,
        None => Vec::new(),
    };
    let upstreams = Upstreams::new(
        &octopai_url,
        &cloudera_url,
        config.cloudera_api_version,
        config.upstream_timeout,
        &extra_roots,
    )?;
    let identity = match &config.tls {
        TlsMode::Off => None,
        TlsMode::Files { cert, key } => Some(tls::Identity::from_files(cert, key)?),
        TlsMode::SelfSigned => Some(tls::Identity::self_signed()?),
    };
    let tls_fingerprint = identity
        .as_ref()
        .map(tls::Identity::fingerprint)
        .transpose()?;
    let server_tls = identity
        .as_ref()
        .map(tls::Identity::server_config)
        .transpose()?;
    let mut hardening = Hardening::new(&config.dist_dir, hardening::LoginLimits::default())
        .with_session_slots(hardening::SessionSlots::new(
            config.session_concurrency,
            config.upstream_timeout,
        ))
        .with_hsts(identity.is_some())
        .with_trusted_proxies(config.trusted_proxies.clone())
        .with_admin(config.admin_token.clone());
    if let Some(redis) = &config.redis {
        hardening = hardening.with_shared(shared::Shared::connect(redis).await?);
    }
    if let Some(path) = &config.session_key_file {
        config.session_keys.reload_on_hangup(path.clone())?;
    }
    let state = AppState {
        upstreams,
        session_keys: config.session_keys.clone(),
        sessions: SessionPolicy {
            idle: config.session_idle,
            max: config.session_max,
            seal_cloudera_password: config.seal_cloudera_password,
        },
        dist_dir: config.dist_dir.clone(),
        allowed_origins: config.allowed_origins.clone(),
        hardening,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.listen))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let router = app(state);
    tokio::spawn(serve::serve(
        listener,
        router,
        server_tls,
        config.header_timeout,
    ));
    Ok(Started {
        address,
        octopai_url,
        cloudera_url,
        tls_fingerprint,
        self_signed: matches!(config.tls, TlsMode::SelfSigned),
    })
}
