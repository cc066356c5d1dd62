//! The gateway's own HTTP contract: its fixed routes and the JSON bodies the
//! app and the gateway exchange. Defined once here, used by both.

use serde::{Deserialize, Serialize};

/// `POST`: log in to one or both sources, answered with a session token.
pub const SESSION_PATH: &str = "/gateway/session";
/// On a data answer: a fresh token for the same session, whose idle
/// deadline starts again (the absolute end never moves). The caller uses it
/// from then on in place of the one it sent.
pub const RENEWED_TOKEN_HEADER: &str = "audit-session-token";
/// Beside [`RENEWED_TOKEN_HEADER`]: when the fresh token ends unless
/// renewed again (ISO 8601).
pub const RENEWED_EXPIRES_HEADER: &str = "audit-session-expires";
/// On a data request, `1`: a read the app makes on its own (a live tail's
/// poll), not one the person asked for. It is answered as any other but
/// never renews the session, so a dashboard left open on a live view
/// still reaches the idle limit.
pub const BACKGROUND_HEADER: &str = "audit-background";
/// `POST`: one page of Octopai user events (body: `octopai::UserEventsRequest`).
pub const OCTOPAI_USER_EVENTS_PATH: &str = "/gateway/octopai/user-events";
/// `GET`: one page of Cloudera Manager audits (query: `cloudera::AuditsParams`).
pub const CLOUDERA_AUDITS_PATH: &str = "/gateway/cloudera/audits";
/// `GET`: liveness.
pub const HEALTH_PATH: &str = "/gateway/health";
/// `POST`, for an administrator (`Authorization: Bearer` the gateway's
/// administrator token): ends every session of one account, on every
/// replica (body: [`EndAccountSessions`], answer: [`AccountSessionsEnded`]).
/// Absent unless the gateway was given an administrator token.
pub const ACCOUNT_SESSIONS_PATH: &str = "/gateway/admin/account-sessions";

/// A user name and password for one source.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /gateway/session` body: credentials for the sources to connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SessionRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub octopai: Option<Credentials>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudera: Option<Credentials>,
}

/// Who is connected to Octopai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OctopaiIdentity {
    pub user_name: String,
    pub display_name: String,
    pub is_admin: bool,
}

/// Who is connected to Cloudera Manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClouderaIdentity {
    pub username: String,
}

/// `POST /gateway/session` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    /// Opaque; sent back as `Authorization: Bearer <token>`.
    pub token: String,
    /// ISO 8601; the gateway refuses the token after this.
    pub expires_at: String,
    #[serde(default)]
    pub octopai: Option<OctopaiIdentity>,
    #[serde(default)]
    pub cloudera: Option<ClouderaIdentity>,
}

/// `POST /gateway/admin/account-sessions` body: whose sessions to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndAccountSessions {
    /// The source the account logs in to ([`crate::Source::id`]:
    /// `octopai` or `cloudera`).
    pub source: String,
    /// The account's name there (an Octopai e-mail, a Cloudera Manager user
    /// name); letter case does not matter.
    pub account: String,
}

/// `POST /gateway/admin/account-sessions` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSessionsEnded {
    pub source: String,
    pub account: String,
    /// ISO 8601: every session of the account logged in before this has
    /// ended; a login after it works.
    pub ended_before: String,
}

/// Every gateway error has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable; see [`ErrorCode`].
    pub code: ErrorCode,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The upstream concerned ([`crate::Source::id`]: `octopai`, `cloudera`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Every code the gateway answers with, in [`ErrorBody::code`].
///
/// On the wire each is its snake_case name (`session_expired`). A code this
/// build does not know (a newer gateway's) reads as [`ErrorCode::Unknown`]
/// rather than failing the whole answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request itself is wrong (bad JSON, a window that ends before it starts).
    BadRequest,
    /// No token, or one the gateway cannot open or has seen logged out.
    Unauthorized,
    /// The token was good and its lifetime is over.
    SessionExpired,
    /// An upstream refused the user name and password.
    LoginFailed,
    /// The session has no login for the source asked about.
    NotConnected,
    /// An upstream no longer accepts the session's credentials.
    UpstreamUnauthorized,
    /// An upstream refused the request (a 400 of its own).
    UpstreamRejected,
    /// An upstream could not be reached.
    UpstreamUnreachable,
    /// An upstream's TLS certificate is not trusted.
    UpstreamCertificate,
    /// An upstream did not answer in time.
    UpstreamTimeout,
    /// An upstream failed (5xx).
    UpstreamError,
    /// An upstream asked to wait (429/503).
    UpstreamBusy,
    /// This session already has as many upstream requests in flight as allowed.
    SessionBusy,
    /// An upstream's page is larger than the gateway reads.
    UpstreamTooLarge,
    /// An upstream answered something that is not the expected JSON.
    UpstreamMalformed,
    /// No such gateway route.
    NotFound,
    /// The request body is larger than the gateway accepts.
    TooLarge,
    /// Too many login attempts; wait for the `Retry-After`.
    TooManyAttempts,
    /// The gateway cannot reach the store its replicas share (Redis), so it
    /// refuses to log anyone in or out until it can.
    SessionStoreUnavailable,
    /// The gateway failed inside; the cause is in its log.
    Internal,
    /// A code this build does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code, [`ErrorCode::Unknown`] last.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::SessionExpired,
        ErrorCode::LoginFailed,
        ErrorCode::NotConnected,
        ErrorCode::UpstreamUnauthorized,
        ErrorCode::UpstreamRejected,
        ErrorCode::UpstreamUnreachable,
        ErrorCode::UpstreamCertificate,
        ErrorCode::UpstreamTimeout,
        ErrorCode::UpstreamError,
        ErrorCode::UpstreamBusy,
        ErrorCode::SessionBusy,
        ErrorCode::UpstreamTooLarge,
        ErrorCode::UpstreamMalformed,
        ErrorCode::NotFound,
        ErrorCode::TooLarge,
        ErrorCode::TooManyAttempts,
        ErrorCode::SessionStoreUnavailable,
        ErrorCode::Internal,
        ErrorCode::Unknown,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::LoginFailed => "login_failed",
            ErrorCode::NotConnected => "not_connected",
            ErrorCode::UpstreamUnauthorized => "upstream_unauthorized",
            ErrorCode::UpstreamRejected => "upstream_rejected",
            ErrorCode::UpstreamUnreachable => "upstream_unreachable",
            ErrorCode::UpstreamCertificate => "upstream_certificate",
            ErrorCode::UpstreamTimeout => "upstream_timeout",
            ErrorCode::UpstreamError => "upstream_error",
            ErrorCode::UpstreamBusy => "upstream_busy",
            ErrorCode::SessionBusy => "session_busy",
            ErrorCode::UpstreamTooLarge => "upstream_too_large",
            ErrorCode::UpstreamMalformed => "upstream_malformed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::SessionStoreUnavailable => "session_store_unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// Whether another try of the same read can mend it: the upstream could
    /// not be reached, timed out, failed, was busy or answered garbage, or
    /// the session had too many requests in flight.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::UpstreamUnreachable
                | ErrorCode::UpstreamTimeout
                | ErrorCode::UpstreamError
                | ErrorCode::UpstreamBusy
                | ErrorCode::UpstreamMalformed
                | ErrorCode::SessionBusy
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_reads_back_as_itself_by_its_wire_name() {
        for code in ErrorCode::ALL {
            let wire = serde_json::to_string(&code).unwrap();
            assert_eq!(wire, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&wire).unwrap(), code);
        }
    }

    #[test]
    fn a_code_from_a_newer_gateway_does_not_break_the_body() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"code":"quota_exceeded","message":"Over quota.","source":"octopai"}"#,
        )
        .unwrap();
        assert_eq!(body.code, ErrorCode::Unknown);
        assert_eq!(body.message, "Over quota.");
        assert_eq!(body.source.as_deref(), Some("octopai"));
    }
}
