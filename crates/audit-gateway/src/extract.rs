//! What a handler takes from a request, each read once and checked here:
//! the session behind the bearer token ([`AuthedSession`]), a JSON body
//! within the size limit ([`JsonBody`]), the client's address
//! ([`ClientAddress`]) and a window's instants ([`check_instants`]).
//! Each refusal is the gateway's usual [`AppError`] body.

use std::net::SocketAddr;

use audit_core::contract::SessionRequest;
use audit_core::contract::{BACKGROUND_HEADER, RENEWED_EXPIRES_HEADER, RENEWED_TOKEN_HEADER};
use audit_core::octopai::UserEventsRequest;
use audit_core::time::parse_iso;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::Utc;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::session::{SessionClaims, TokenError};
use crate::{AppState, BODY_LIMIT};

/// The `Authorization: Bearer` token, if the request has one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

/// A request's session: its bearer token, read once, opened into its
/// claims (expired or unreadable tokens are refused) and not logged out.
pub struct AuthedSession {
    pub claims: SessionClaims,
    /// Whether the request is the app's own ([`BACKGROUND_HEADER`]), which
    /// never renews the session.
    pub background: bool,
}

impl AuthedSession {
    /// Opens the session of a request's headers.
    pub async fn open(state: &AppState, headers: &HeaderMap) -> Result<Self, AppError> {
        let token = bearer_token(headers).ok_or(AppError::Unauthorized)?;
        let claims = state
            .session_keys
            .open(token, Utc::now().timestamp())
            .map_err(|error| match error {
                TokenError::Expired => AppError::SessionExpired,
                TokenError::Invalid => AppError::Unauthorized,
            })?;
        if state.hardening.is_refused(&claims).await {
            return Err(AppError::Unauthorized);
        }
        let background = headers
            .get(BACKGROUND_HEADER)
            .is_some_and(|value| value.as_bytes() == b"1");
        Ok(Self { claims, background })
    }

    /// One of the session's upstream slots ([`crate::hardening::SessionSlots`]),
    /// to hold for as long as the upstream request runs. Taken after the
    /// request is checked, so a malformed one never waits for a slot.
    pub async fn slot(&self, state: &AppState) -> Result<crate::hardening::Slot, AppError> {
        state.hardening.slot(&self.claims.sid).await
    }

    /// Adds a fresh token for this session to a successful answer once a
    /// quarter of the idle timeout has passed since the token was made: the
    /// person is working, so the idle deadline starts again (never past the
    /// session's absolute end, which a fresh token keeps). A background
    /// read is not the person working: it renews nothing.
    pub fn renew(&self, state: &AppState, mut response: Response) -> Response {
        if self.background {
            return response;
        }
        let now = Utc::now().timestamp();
        let idle = i64::try_from(state.sessions.idle.as_secs()).unwrap_or(i64::MAX);
        let used = idle - (self.claims.idle - now);
        if used < (idle / 4).max(1) || self.claims.idle >= self.claims.exp {
            return response;
        }
        let renewed = self.claims.renewed(now, idle);
        match state.session_keys.seal(&renewed) {
            Ok(token) => {
                let ends = chrono::DateTime::from_timestamp(renewed.ends(), 0)
                    .map(audit_core::time::format_iso)
                    .unwrap_or_default();
                if let (Ok(token), Ok(ends)) =
                    (HeaderValue::from_str(&token), HeaderValue::from_str(&ends))
                {
                    let headers = response.headers_mut();
                    headers.insert(RENEWED_TOKEN_HEADER, token);
                    headers.insert(RENEWED_EXPIRES_HEADER, ends);
                }
            }
            Err(error) => tracing::warn!(%error, "could not renew a session"),
        }
        response
    }
}

impl FromRequestParts<AppState> for AuthedSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Self::open(state, &parts.headers).await
    }
}

/// A request body the gateway reads as JSON, with what to say when it is
/// not the expected shape.
pub trait RequestBody: DeserializeOwned {
    fn malformed(error: &serde_json::Error) -> String;
}

impl RequestBody for SessionRequest {
    fn malformed(_: &serde_json::Error) -> String {
        "the login body must be JSON with `octopai` and/or `cloudera` credentials".into()
    }
}

impl RequestBody for UserEventsRequest {
    fn malformed(error: &serde_json::Error) -> String {
        format!("the UserEvents request must be JSON with startTime and endTime: {error}")
    }
}

/// A JSON body of at most [`BODY_LIMIT`] bytes: larger is `too_large`,
/// malformed is `bad_request` with the body's own explanation.
pub struct JsonBody<T>(pub T);

impl<T: RequestBody> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, _: &AppState) -> Result<Self, AppError> {
        let body = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| AppError::TooLarge { limit: BODY_LIMIT })?;
        serde_json::from_slice(&body)
            .map(JsonBody)
            .map_err(|error| AppError::BadRequest(T::malformed(&error)))
    }
}

/// The client's address: as the listener saw it, or, from a trusted
/// proxy, as `X-Forwarded-For` gives it ([`crate::proxies`]); `unknown`
/// when served without one, as in tests that call the router directly.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
        else {
            return Ok(ClientAddress("unknown".into()));
        };
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        Ok(ClientAddress(
            crate::proxies::client_address(peer, &forwarded, &state.hardening.trusted_proxies)
                .to_string(),
        ))
    }
}

/// Checks that each given instant of a window is ISO 8601, naming the
/// first that is not.
pub fn check_instants<'a>(
    instants: impl IntoIterator<Item = (&'static str, Option<&'a str>)>,
) -> Result<(), AppError> {
    for (name, value) in instants {
        if let Some(value) = value {
            parse_iso(value)
                .map_err(|problem| AppError::BadRequest(format!("{name}: {problem}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_instant_is_named() {
        assert!(check_instants([
            ("startTime", Some("2026-11-18T00:00:00Z")),
            ("endTime", None)
        ])
        .is_ok());
        let Err(AppError::BadRequest(message)) = check_instants([
            ("startTime", Some("2026-11-18T00:00:00Z")),
            ("endTime", Some("tomorrow")),
        ]) else {
            panic!("a bad endTime is refused");
        };
        assert!(message.starts_with("endTime: "), "{message}");
    }

    #[test]
    fn only_a_bearer_token_is_read() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Basic YTpi".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
    }
}
