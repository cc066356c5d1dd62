//! An administrator's action on sessions (ASVS 7.4.2 and 7.4.5): ending
//! every session of one account, for an account disabled upstream or taken
//! over, on every replica. Off unless the operator gives the gateway an
//! administrator token in a file (`--admin-token-file`); the route then
//! takes that token as `Authorization: Bearer`, and answers 404 otherwise.

use std::path::Path;

use audit_core::contract::{AccountSessionsEnded, EndAccountSessions};
use audit_core::Source;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::extract::{bearer_token, JsonBody, RequestBody};
use crate::revoked::account_key;
use crate::AppState;

/// The shortest administrator token accepted: 32 characters (a random
/// token of 32 hex digits or more, as `openssl rand -hex 32` makes).
pub const MIN_ADMIN_TOKEN: usize = 32;

/// The administrator token, held as its digest.
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

impl AdminToken {
    /// The token a file holds (one line), or why it cannot be used.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            format!(
                "cannot read the administrator token file {}: {error}",
                path.display()
            )
        })?;
        Self::parse(&text).map_err(|why| format!("{}: {why}", path.display()))
    }

    /// The token `text` holds (a trailing line end allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let token = text.trim_end_matches(['\n', '\r']);
        if token.chars().any(char::is_whitespace) || token.is_empty() {
            return Err("the administrator token must be one line without spaces".into());
        }
        if token.len() < MIN_ADMIN_TOKEN {
            return Err(format!(
                "the administrator token is {} characters; it needs at least {MIN_ADMIN_TOKEN} (make one with `openssl rand -hex 32`)",
                token.len()
            ));
        }
        Ok(Self {
            digest: Sha256::digest(token.as_bytes()).into(),
        })
    }

    /// Whether `given` is the token, compared in constant time (digests of
    /// equal length, every byte looked at).
    pub fn accepts(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        given
            .iter()
            .zip(self.digest.iter())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
    }
}

impl RequestBody for EndAccountSessions {
    fn malformed(_: &serde_json::Error) -> String {
        "the body must be JSON: {\"source\": \"octopai\" or \"cloudera\", \"account\": the account's name}".into()
    }
}

/// `POST /gateway/admin/account-sessions`: ends every session of the
/// account named, logged in until now, here and on every replica; a login
/// after this works. Fails closed (503) when the shared store cannot record
/// it.
pub async fn end_account_sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<EndAccountSessions>,
) -> Result<Response, AppError> {
    let Some(admin) = &state.hardening.admin else {
        return Err(AppError::NotFound);
    };
    if !bearer_token(&headers).is_some_and(|token| admin.accepts(token)) {
        tracing::warn!("an administrator's route refused: no token, or the wrong one");
        return Err(AppError::NotAdministrator);
    }
    let source = Source::ALL
        .into_iter()
        .find(|source| source.id() == request.source)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "`source` must be \"octopai\" or \"cloudera\", not {:?}",
                request.source
            ))
        })?;
    let account = request.account.trim();
    if account.is_empty() {
        return Err(AppError::BadRequest(
            "`account` must name the account whose sessions to end".into(),
        ));
    }
    let now = Utc::now();
    let keep = state.sessions.max.as_secs();
    state
        .hardening
        .end_account(
            &account_key(source, account),
            now.timestamp_millis(),
            keep,
            now.timestamp(),
        )
        .await?;
    tracing::info!(
        source = source.id(),
        account,
        "an administrator ended every session of an account"
    );
    let mut response = Json(AccountSessionsEnded {
        source: source.id().to_owned(),
        account: account.to_owned(),
        ended_before: audit_core::time::format_iso(now),
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_accepted_only_whole_and_only_when_long_enough() {
        let token = AdminToken::parse("0123456789abcdef0123456789abcdef\n").unwrap();
        assert!(token.accepts("0123456789abcdef0123456789abcdef"));
        assert!(!token.accepts("0123456789abcdef0123456789abcde"));
        assert!(!token.accepts(""));
        let short = AdminToken::parse("too-short").unwrap_err();
        assert!(short.contains("at least 32"), "{short}");
        let spaced = AdminToken::parse("0123456789abcdef 0123456789abcdef").unwrap_err();
        assert!(spaced.contains("one line"), "{spaced}");
        assert!(AdminToken::parse("\n").is_err());
        assert!(!format!("{token:?}").contains("0123"), "never printed");
    }
}
