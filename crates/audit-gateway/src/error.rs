//! The gateway's one error type. Every failure becomes a JSON
//! [`ErrorBody`] with a status and a message a person can act on; the
//! internal cause is logged once, here, and never sent to the client.

use audit_core::contract::{ErrorBody, ErrorCode};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use audit_core::Source;

#[derive(Debug)]
pub enum AppError {
    /// The request itself is wrong; the message says how.
    BadRequest(String),
    /// No token, or one that cannot be opened.
    Unauthorized,
    /// An administrator's route without the administrator token.
    NotAdministrator,
    /// The token was valid once and has expired.
    SessionExpired,
    /// The upstream refused the credentials given at login.
    LoginFailed {
        source: Source,
        message: String,
    },
    /// The session is not connected to this source.
    NotConnected(Source),
    /// The upstream no longer accepts this session's credentials.
    UpstreamUnauthorized(Source),
    /// The upstream refused the request as malformed (its message kept).
    UpstreamRejected {
        source: Source,
        message: String,
    },
    Unreachable {
        source: Source,
        cause: String,
    },
    Timeout(Source),
    /// The upstream's TLS certificate is not trusted.
    UpstreamCertificate {
        source: Source,
        cause: String,
    },
    /// The upstream failed (5xx, 429, ...).
    UpstreamFailed {
        source: Source,
        status: u16,
        message: Option<String>,
    },
    /// The upstream is overloaded or rate-limiting (429 or 503), perhaps
    /// saying when to come back.
    UpstreamBusy {
        source: Source,
        status: u16,
        retry_after_secs: Option<u64>,
    },
    /// This session already has as many upstream requests in flight as it
    /// may, and none finished in time.
    SessionBusy {
        limit: usize,
        retry_after_secs: u64,
    },
    /// The upstream's answer was larger than the gateway reads.
    AnswerTooLarge {
        source: Source,
        limit: usize,
    },
    /// The upstream answered something that is not the expected JSON.
    Malformed {
        source: Source,
        cause: String,
    },
    NotFound,
    /// A request body over the gateway's limit.
    TooLarge {
        limit: usize,
    },
    /// Too many login attempts; try again after this many seconds.
    TooManyAttempts {
        retry_after_secs: u64,
    },
    /// The store replicas share (Redis) did not answer; the cause is
    /// logged, not sent.
    SharedStateUnavailable(String),
    /// Something failed inside the gateway; the cause is logged, not sent.
    Internal(String),
}

impl AppError {
    fn parts(&self) -> (StatusCode, ErrorCode, String, Option<Source>) {
        use AppError::*;
        match self {
            BadRequest(message) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message.clone(), None),
            Unauthorized => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "You are not logged in (or the session token is not valid). Log in again.".into(),
                None,
            ),
            NotAdministrator => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "This needs the gateway's administrator token as `Authorization: Bearer`; it is missing or not the one the gateway was given.".into(),
                None,
            ),
            SessionExpired => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::SessionExpired,
                "Your session has expired. Log in again to continue.".into(),
                None,
            ),
            LoginFailed { source, message } => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::LoginFailed,
                format!("{} refused the login: {message}. Check the user name and password.", source.label()),
                Some(*source),
            ),
            NotConnected(source) => (
                StatusCode::CONFLICT,
                ErrorCode::NotConnected,
                format!("This session is not connected to {}. Log in to it first.", source.label()),
                Some(*source),
            ),
            UpstreamUnauthorized(source) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::UpstreamUnauthorized,
                format!("{} no longer accepts this session's credentials. Log in again.", source.label()),
                Some(*source),
            ),
            UpstreamRejected { source, message } => (
                StatusCode::BAD_REQUEST,
                ErrorCode::UpstreamRejected,
                format!("{} refused the request: {message}", source.label()),
                Some(*source),
            ),
            Unreachable { source, .. } => (
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamUnreachable,
                format!("{} cannot be reached. Try again in a moment; if it persists, check the gateway's upstream address.", source.label()),
                Some(*source),
            ),
            UpstreamCertificate { source, .. } => (
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamCertificate,
                format!("The gateway does not trust {}'s TLS certificate, so it sent nothing. An administrator can trust its certificate authority with --upstream-ca.", source.label()),
                Some(*source),
            ),
            Timeout(source) => (
                StatusCode::GATEWAY_TIMEOUT,
                ErrorCode::UpstreamTimeout,
                format!("{} did not answer in time. Try again, or narrow the time range.", source.label()),
                Some(*source),
            ),
            UpstreamFailed { source, status, message } => (
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamError,
                match message {
                    Some(message) => format!("{} failed (HTTP {status}): {message}. Try again in a moment.", source.label()),
                    None => format!("{} failed (HTTP {status}). Try again in a moment.", source.label()),
                },
                Some(*source),
            ),
            UpstreamBusy { source, status, retry_after_secs } => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::UpstreamBusy,
                match retry_after_secs {
                    Some(secs) => format!("{} is busy (HTTP {status}) and asks to wait {secs} seconds before trying again.", source.label()),
                    None => format!("{} is busy (HTTP {status}). Try again in a moment.", source.label()),
                },
                Some(*source),
            ),
            SessionBusy { limit, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::SessionBusy,
                format!("This session already has {limit} upstream requests in flight. Wait for them to finish, then try again."),
                None,
            ),
            AnswerTooLarge { source, limit } => (
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamTooLarge,
                format!("{} sent a page larger than the gateway reads ({}), so it was dropped. Narrow the time range or add a query.", source.label(), if *limit >= 1024 * 1024 { format!("{} MB", limit / (1024 * 1024)) } else { format!("{limit} bytes") }),
                Some(*source),
            ),
            Malformed { source, .. } => (
                StatusCode::BAD_GATEWAY,
                ErrorCode::UpstreamMalformed,
                format!("{} answered with something that is not the expected JSON. Try again; if it persists, the upstream may be misconfigured.", source.label()),
                Some(*source),
            ),
            NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound, "No such gateway route.".into(), None),
            TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                format!("The request body is larger than the gateway accepts ({limit} bytes)."),
                None,
            ),
            TooManyAttempts { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                format!("Too many login attempts. Wait {retry_after_secs} seconds, then try again."),
                None,
            ),
            SharedStateUnavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::SessionStoreUnavailable,
                "The gateway cannot reach the session store its replicas share, so it cannot log anyone in or out safely. Try again in a minute; if this persists, tell whoever runs the gateway.".into(),
                None,
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "The gateway failed to handle this request. Try again; if it persists, check the gateway's log.".into(),
                None,
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message, source) = self.parts();
        let code_name = code.as_str();
        match &self {
            AppError::Internal(cause) => {
                tracing::error!(code = code_name, ?cause, "internal failure")
            }
            AppError::SharedStateUnavailable(cause) => {
                tracing::error!(code = code_name, ?cause, "shared store (Redis) unreachable")
            }
            AppError::Unreachable { cause, .. }
            | AppError::Malformed { cause, .. }
            | AppError::UpstreamCertificate { cause, .. } => {
                tracing::warn!(code = code_name, ?cause, "upstream problem");
            }
            _ if status.is_server_error() => {
                tracing::warn!(code = code_name, ?message, "request failed")
            }
            _ => tracing::debug!(code = code_name, "request refused"),
        }
        let body = ErrorBody {
            code,
            message,
            source: source.map(|source| source.id().to_owned()),
        };
        let mut response = (status, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        let retry_after = match self {
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::SessionBusy {
                retry_after_secs, ..
            }
            | AppError::UpstreamBusy {
                retry_after_secs: Some(retry_after_secs),
                ..
            } => Some(retry_after_secs),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
