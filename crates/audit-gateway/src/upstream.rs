//! The one place the gateway talks to upstreams: a fixed set of calls on
//! configured base URLs. No caller-supplied host, scheme, port or path ever
//! reaches a request built here, and redirects are never followed.

use std::time::Duration;

use audit_core::cloudera::{self, ApiErrorBody, AuditsParams};
use audit_core::octopai::{self, LoginRequest, LoginResponse, LoginSuccess, UserEventsRequest};
use audit_core::Source;
use axum::body::Bytes;
use reqwest::StatusCode;

use crate::error::AppError;
use crate::session::ClouderaCredential;

/// Base URLs and the HTTP client used for every upstream call.
#[derive(Debug, Clone)]
pub struct Upstreams {
    client: reqwest::Client,
    octopai_base: String,
    cloudera_base: String,
    cloudera_api_version: u32,
    /// The largest upstream answer read, in bytes.
    answer_limit: usize,
}

/// The largest upstream answer the gateway reads by default: a page of
/// 1,000 events is a few hundred kilobytes, and even one holding several
/// 1 MB fields stays well below this.
pub const ANSWER_LIMIT: usize = 64 * 1024 * 1024;

impl Upstreams {
    pub fn new(
        octopai_base: &str,
        cloudera_base: &str,
        cloudera_api_version: u32,
        timeout: Duration,
        extra_roots: &[reqwest::Certificate],
    ) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder();
        for root in extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .timeout(timeout)
            .build()
            .map_err(|error| format!("cannot build the upstream HTTP client: {error}"))?;
        Ok(Self {
            client,
            octopai_base: octopai_base.trim_end_matches('/').to_owned(),
            cloudera_base: cloudera_base.trim_end_matches('/').to_owned(),
            cloudera_api_version,
            answer_limit: ANSWER_LIMIT,
        })
    }

    /// The same, reading upstream answers of at most `bytes`.
    pub fn with_answer_limit(mut self, bytes: usize) -> Self {
        self.answer_limit = bytes;
        self
    }

    /// `POST /api/UserAccount/Login`.
    pub async fn octopai_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<LoginSuccess, AppError> {
        let source = Source::Octopai;
        let request = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let response = self
            .client
            .post(format!("{}{}", self.octopai_base, octopai::LOGIN_PATH))
            .json(&request)
            .send()
            .await
            .map_err(|error| transport(source, &error))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| transport(source, &error))?;
        let refused = |message: String| AppError::LoginFailed { source, message };
        match LoginResponse::decode(&body) {
            Ok(answer) if status.is_success() => answer.into_success().map_err(refused),
            Ok(answer) if status.is_client_error() => Err(refused(
                answer
                    .error
                    .unwrap_or_else(|| format!("HTTP {}", status.as_u16())),
            )),
            Err(_) if status.is_client_error() => Err(refused(format!("HTTP {}", status.as_u16()))),
            Err(error) if !status.is_server_error() => Err(AppError::Malformed {
                source,
                cause: error.message,
            }),
            _ => Err(AppError::UpstreamFailed {
                source,
                status: status.as_u16(),
                message: None,
            }),
        }
    }

    /// `POST /api/UserAccount/UserEvents`; the answer's JSON text.
    pub async fn octopai_user_events(
        &self,
        access_token: &str,
        request: &UserEventsRequest,
    ) -> Result<Bytes, AppError> {
        let response = self
            .client
            .post(format!(
                "{}{}",
                self.octopai_base,
                octopai::USER_EVENTS_PATH
            ))
            .bearer_auth(access_token)
            .json(request)
            .send()
            .await
            .map_err(|error| transport(Source::Octopai, &error))?;
        json_body(Source::Octopai, response, self.answer_limit).await
    }

    fn cloudera_audits_url(&self, params: &AuditsParams) -> String {
        let query = params.to_query_string();
        let mut url = format!(
            "{}{}",
            self.cloudera_base,
            cloudera::audits_path(self.cloudera_api_version)
        );
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }

    /// `GET /api/v{N}/audits` in a session: with its Cloudera Manager
    /// session cookie (or, where the operator allowed it, Basic with the
    /// sealed password); the answer's JSON text.
    pub async fn cloudera_audits(
        &self,
        username: &str,
        credential: &ClouderaCredential,
        params: &AuditsParams,
    ) -> Result<Bytes, AppError> {
        let request = self.client.get(self.cloudera_audits_url(params));
        let request = match credential {
            ClouderaCredential::Cookie { session_id } => request.header(
                reqwest::header::COOKIE,
                format!("{}={session_id}", cloudera::SESSION_COOKIE),
            ),
            ClouderaCredential::Password { password } => {
                request.basic_auth(username, Some(password))
            }
        };
        let response = request
            .send()
            .await
            .map_err(|error| transport(Source::ClouderaManager, &error))?;
        json_body(Source::ClouderaManager, response, self.answer_limit).await
    }

    /// Checks Cloudera Manager credentials with the smallest possible read
    /// (the API has no login endpoint) and returns the session cookie the
    /// answer set, if it set one: the password can then be forgotten.
    pub async fn cloudera_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<String>, AppError> {
        let params = AuditsParams {
            max_results: Some(1),
            ..AuditsParams::default()
        };
        let response = self
            .client
            .get(self.cloudera_audits_url(&params))
            .basic_auth(username, Some(password))
            .send()
            .await
            .map_err(|error| transport(Source::ClouderaManager, &error))?;
        let cookie = session_cookie(response.headers());
        match json_body(Source::ClouderaManager, response, self.answer_limit).await {
            Ok(_) => Ok(cookie),
            Err(AppError::UpstreamUnauthorized(source)) => Err(AppError::LoginFailed {
                source,
                message: "invalid user name or password".into(),
            }),
            Err(other) => Err(other),
        }
    }
}

/// The value of a `CLOUDERA_MANAGER_SESSIONID` cookie among `Set-Cookie`
/// headers, if one is there and is a plain token (it is sent back verbatim
/// in a `Cookie` header, so nothing that could split it is kept).
pub fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cloudera::SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| {
            !value.is_empty()
                && value.len() <= 256
                && value
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'))
        })
}

fn transport(source: Source, error: &reqwest::Error) -> AppError {
    let mut causes =
        std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |cause| {
            cause.source()
        });
    if error.is_timeout() {
        AppError::Timeout(source)
    } else if causes.any(|cause| cause.to_string().contains("certificate")) {
        AppError::UpstreamCertificate {
            source,
            cause: error.to_string(),
        }
    } else {
        AppError::Unreachable {
            source,
            cause: error.to_string(),
        }
    }
}

/// Checks an upstream answer: a 2xx JSON body is passed on as it is;
/// anything else becomes the matching [`AppError`].
async fn json_body(
    source: Source,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Bytes, AppError> {
    let status = response.status();
    // Retry-After in seconds (the HTTP-date form is not honoured: a
    // caller then backs off on its own schedule), at most 10 minutes.
    let retry_after_secs = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(|secs| secs.min(600));
    let too_large = || AppError::AnswerTooLarge { source, limit };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    // Sized from the announced length, so a page is copied once and the
    // buffer holds no slack (it stays alive while the answer is sent on).
    let announced = response.content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0).min(limit));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| transport(source, &error))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let body = Bytes::from(body);
    let upstream_message = || {
        serde_json::from_slice::<ApiErrorBody>(&body)
            .map(|error| error.message)
            .ok()
            .or_else(|| {
                serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()?
                    .get("error")?
                    .as_str()
                    .map(str::to_owned)
            })
    };
    match status {
        status if status.is_success() => match crate::json_check::validate(&body) {
            Ok(()) => Ok(body),
            Err(error) => Err(AppError::Malformed {
                source,
                cause: format!("HTTP {status} with a body that is not JSON: {error}"),
            }),
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            Err(AppError::UpstreamUnauthorized(source))
        }
        StatusCode::BAD_REQUEST => Err(AppError::UpstreamRejected {
            source,
            message: upstream_message().unwrap_or_else(|| "the request was malformed".into()),
        }),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            Err(AppError::UpstreamBusy {
                source,
                status: status.as_u16(),
                retry_after_secs,
            })
        }
        status => Err(AppError::UpstreamFailed {
            source,
            status: status.as_u16(),
            message: upstream_message(),
        }),
    }
}
