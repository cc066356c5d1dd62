//! The gateway's own HTTP contract: its fixed routes and the JSON bodies the
//! app and the gateway exchange. Defined once here, used by both.

use serde::{Deserialize, Serialize};

/// `POST`: log in to one or both sources, answered with a session token.
pub const SESSION_PATH: &str = "/gateway/session";
/// `POST`: one page of Octopai user events (body: `octopai::UserEventsRequest`).
pub const OCTOPAI_USER_EVENTS_PATH: &str = "/gateway/octopai/user-events";
/// `GET`: one page of Cloudera Manager audits (query: `cloudera::AuditsParams`).
pub const CLOUDERA_AUDITS_PATH: &str = "/gateway/cloudera/audits";
/// `GET`: liveness.
pub const HEALTH_PATH: &str = "/gateway/health";

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

/// Every gateway error has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable: `bad_request`, `unauthorized`, `session_expired`,
    /// `login_failed`, `not_connected`, `upstream_unreachable`,
    /// `upstream_timeout`, `upstream_error`, `upstream_malformed`, `not_found`.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The upstream concerned (`octopai`, `cloudera`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
