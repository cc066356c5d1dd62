//! The error answers of both simulated upstreams, as each writes them. A
//! leaf module: the upstreams' handlers and the fault layer both build their
//! answers here, so neither depends on the other.

/// Cloudera Manager's answers: `{message, causes}` bodies and its Basic
/// challenge.
pub mod cloudera {
    use audit_core::cloudera::{ApiErrorBody, BASIC_REALM};
    use axum::http::{header, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::Json;

    /// 401 with the Basic challenge, as for a missing or wrong password.
    pub fn unauthorized() -> Response {
        let mut response = error(StatusCode::UNAUTHORIZED, "Authentication required");
        if let Ok(value) = HeaderValue::from_str(&format!("Basic realm=\"{BASIC_REALM}\"")) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }

    /// An error with Cloudera Manager's body.
    pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
        (
            status,
            Json(ApiErrorBody {
                message: message.into(),
                causes: Vec::new(),
            }),
        )
            .into_response()
    }
}

/// Octopai's answers: `{error}` bodies and its Bearer challenge.
pub mod octopai {
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::Json;
    use serde_json::json;

    /// An error with Octopai's body.
    pub fn error(status: StatusCode, message: &str) -> Response {
        (status, Json(json!({ "error": message }))).into_response()
    }

    /// 401 with the Bearer challenge, saying why the token was refused.
    pub fn unauthorized(message: &str) -> Response {
        let mut response = error(StatusCode::UNAUTHORIZED, message);
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        response
    }
}
