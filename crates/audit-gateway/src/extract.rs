//! What a handler takes from a request, each read once and checked here:
//! the session behind the bearer token ([`AuthedSession`]), a JSON body
//! within the size limit ([`JsonBody`]), the client's address
//! ([`ClientAddress`]) and a window's instants ([`check_instants`]).
//! Each refusal is the gateway's usual [`AppError`] body.

use std::net::SocketAddr;

use audit_core::contract::SessionRequest;
use audit_core::octopai::UserEventsRequest;
use audit_core::time::parse_iso;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
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

/// A request's session: its bearer token, read once, not logged out, and
/// opened into its claims (expired or unreadable tokens are refused).
pub struct AuthedSession {
    pub token: String,
    pub claims: SessionClaims,
}

impl AuthedSession {
    /// Opens the session of a request's headers.
    pub fn open(state: &AppState, headers: &HeaderMap) -> Result<Self, AppError> {
        let token = bearer_token(headers).ok_or(AppError::Unauthorized)?;
        if state.hardening.revoked.is_revoked(token) {
            return Err(AppError::Unauthorized);
        }
        let claims = state
            .session_key
            .open(token, Utc::now().timestamp())
            .map_err(|error| match error {
                TokenError::Expired => AppError::SessionExpired,
                TokenError::Invalid => AppError::Unauthorized,
            })?;
        Ok(Self {
            token: token.to_owned(),
            claims,
        })
    }

    /// One of the session's upstream slots ([`crate::hardening::SessionSlots`]),
    /// to hold for as long as the upstream request runs. Taken after the
    /// request is checked, so a malformed one never waits for a slot.
    pub async fn slot(
        &self,
        state: &AppState,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        let slots = &state.hardening.session_slots;
        slots
            .acquire(&self.token)
            .await
            .map_err(|wait| AppError::SessionBusy {
                limit: slots.per_session(),
                retry_after_secs: wait.as_secs().max(1),
            })
    }
}

impl FromRequestParts<AppState> for AuthedSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Self::open(state, &parts.headers)
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

/// The client's address as the listener saw it (`unknown` when served
/// without one, as in tests that call the router directly).
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
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
