//! The simulated Cloudera Manager audits API: `GET /api/v{N}/audits`.

use std::collections::HashMap;
use std::sync::Arc;

use audit_core::cloudera::{
    ApiAuditList, ApiErrorBody, AUDITS_ROUTE, DEFAULT_MAX_RESULTS, MAX_RESULTS_CAP,
    MIN_API_VERSION, SESSION_COOKIE,
};
use audit_core::query;
use audit_core::time::parse_iso;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::answers::cloudera::{error, unauthorized};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;

use crate::faults::{self, Route};
use crate::{SimState, DEMO_CLOUDERA_PASSWORD, DEMO_CLOUDERA_USER};

pub fn router(state: Arc<SimState>) -> Router {
    let faults =
        axum::middleware::from_fn_with_state((state.faults.clone(), Route::Audits), faults::apply);
    Router::new()
        .route(AUDITS_ROUTE, get(read_audits).route_layer(faults))
        .with_state(state)
}

/// How the caller authenticated, if at all.
enum Auth {
    Basic,
    Cookie,
    None,
}

fn authenticate(state: &SimState, headers: &HeaderMap) -> Auth {
    let basic_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .is_some_and(|pair| pair == format!("{DEMO_CLOUDERA_USER}:{DEMO_CLOUDERA_PASSWORD}"));
    if basic_ok {
        return Auth::Basic;
    }
    let cookie_ok = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .any(|id| {
            let mut sessions = state
                .cm_sessions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = std::time::Instant::now();
            // Sessions unused for the idle period are gone, as on the real
            // server; a use keeps one alive.
            let idle = state.cm_session_idle;
            sessions.retain(|_, used| now.duration_since(*used) < idle);
            match sessions.get_mut(id) {
                Some(used) => {
                    *used = now;
                    true
                }
                None => false,
            }
        });
    if cookie_ok {
        Auth::Cookie
    } else {
        Auth::None
    }
}

fn number(params: &HashMap<String, String>, name: &str) -> Result<Option<u32>, String> {
    match params.get(name) {
        None => Ok(None),
        Some(text) => text.parse::<u32>().map(Some).map_err(|_| {
            format!("Invalid value for {name}: '{text}' is not a non-negative integer")
        }),
    }
}

async fn read_audits(
    State(state): State<Arc<SimState>>,
    Path(version): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let version_number = version
        .strip_prefix('v')
        .and_then(|n| n.parse::<u32>().ok());
    if version_number.is_none_or(|n| n < MIN_API_VERSION) {
        return error(
            StatusCode::NOT_FOUND,
            format!("No such API version: {version}"),
        );
    }
    let auth = authenticate(&state, &headers);
    if matches!(auth, Auth::None) {
        return unauthorized();
    }
    let params: HashMap<String, String> = match raw_query.as_deref().map(parse_query_string) {
        Some(Ok(params)) => params,
        Some(Err(message)) => return error(StatusCode::BAD_REQUEST, message),
        None => HashMap::new(),
    };
    let (max_results, offset) = match (
        number(&params, "maxResults"),
        number(&params, "resultOffset"),
    ) {
        (Ok(max), Ok(offset)) => (
            max.unwrap_or(DEFAULT_MAX_RESULTS).min(MAX_RESULTS_CAP),
            offset.unwrap_or(0),
        ),
        (Err(message), _) | (_, Err(message)) => return error(StatusCode::BAD_REQUEST, message),
    };
    let end = match params.get("endTime").map(|text| parse_iso(text)) {
        None => (state.clock)(),
        Some(Ok(end)) => end,
        Some(Err(problem)) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid endTime: {problem}"),
            )
        }
    };
    let start = match params.get("startTime").map(|text| parse_iso(text)) {
        None => end - Duration::days(1),
        Some(Ok(start)) => start,
        Some(Err(problem)) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("Invalid startTime: {problem}"),
            )
        }
    };
    if start > end {
        return error(
            StatusCode::BAD_REQUEST,
            "startTime must not be after endTime",
        );
    }
    let query = match query::parse(params.get("query").map(String::as_str).unwrap_or("")) {
        Ok(query) => query,
        Err(diagnostics) => {
            let causes = diagnostics
                .iter()
                .map(|d| format!("at {}: {}", d.span.start, d.message))
                .collect();
            return (
                StatusCode::BAD_REQUEST,
                Json(ApiErrorBody {
                    message: format!("Invalid query: {}", diagnostics[0].message),
                    causes,
                }),
            )
                .into_response();
        }
    };
    tokio::time::sleep(state.page_delay).await;
    let items = state
        .data()
        .cloudera_in(start, end)
        .iter()
        .filter(|record| query.matches(&record.audit))
        .skip(offset as usize)
        .take(max_results as usize)
        .map(|record| record.audit.clone())
        .collect();
    let mut response = Json(ApiAuditList { items }).into_response();
    if matches!(auth, Auth::Basic) && state.cm_session_cookies {
        let id = new_session_id(&state);
        if let Ok(mut sessions) = state.cm_sessions.lock() {
            sessions.insert(id.clone(), std::time::Instant::now());
        }
        if let Ok(value) =
            HeaderValue::from_str(&format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly"))
        {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// A session id nobody can guess: an HMAC, under the server's secret, of a
/// counter and the time.
fn new_session_id(state: &SimState) -> String {
    use hmac::{Hmac, Mac};
    use std::sync::atomic::{AtomicU64, Ordering};
    static ISSUED: AtomicU64 = AtomicU64::new(0);
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&state.jwt_secret) else {
        return String::new();
    };
    mac.update(&ISSUED.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    mac.update(format!("{:?}", std::time::SystemTime::now()).as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Decodes `a=b&c=d` with percent-decoding (`+` is a space, as in forms).
pub(crate) fn parse_query_string(raw: &str) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(percent_decode(name)?, percent_decode(value)?);
    }
    Ok(params)
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| format!("Malformed percent-encoding in '{text}'"))?;
                decoded.push(hex);
                index += 3;
            }
            b'+' => {
                decoded.push(b' ');
                index += 1;
            }
            byte => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|_| format!("'{text}' is not UTF-8 once decoded"))
}
