//! The only module that talks HTTP: the gateway's routes
//! ([`audit_core::contract`]), each call returning a typed [`ApiError`] on
//! failure. Data calls take an `AbortSignal` so a view that goes away can
//! cancel what it asked for.

use audit_core::cloudera::{self, AuditsParams};
use std::cell::RefCell;
use std::rc::Rc;

use audit_core::contract::{
    ErrorBody, SessionRequest, SessionResponse, BACKGROUND_HEADER, CLOUDERA_AUDITS_PATH,
    OCTOPAI_USER_EVENTS_PATH, RENEWED_EXPIRES_HEADER, RENEWED_TOKEN_HEADER, SESSION_PATH,
};
use audit_core::event::Interner;
use audit_core::octopai::{self, UserEventsRequest};
use audit_core::retry::Failure;
use audit_core::AuditEvent;
use gloo_net::http::{Request, Response};
use web_sys::AbortSignal;

/// Every failure a gateway call can end in, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, or 0 when no answer arrived.
    pub status: u16,
    /// The gateway's code, or a failure on this side (no answer, an answer
    /// that cannot be decoded, a cancelled load).
    pub failure: Failure,
    pub message: String,
    /// The gateway's `Retry-After`, in seconds, when it gave one.
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    fn local(failure: Failure, message: impl Into<String>) -> Self {
        Self {
            status: 0,
            failure,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// A load the user cancelled.
    pub fn cancelled() -> Self {
        Self::local(Failure::Aborted, "The request was cancelled.")
    }

    /// A read that failed on this side: an answer that cannot be decoded.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::local(Failure::Malformed, message)
    }

    /// Whether another try could mend it ([`audit_core::retry`]).
    pub fn is_transient(&self) -> bool {
        self.failure.is_transient(self.status)
    }

    /// The same failure, saying that it persisted through `tries` tries.
    pub fn gave_up_after(mut self, tries: u32) -> Self {
        if tries > 1 {
            self.message = format!("{} (It failed {tries} times in a row.)", self.message);
        }
        self
    }

    /// The session is no longer good: the user must log in again.
    pub fn needs_login(&self) -> bool {
        self.status == 401
    }

    pub fn is_aborted(&self) -> bool {
        self.failure == Failure::Aborted
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn transport(error: impl std::fmt::Display, signal: Option<&AbortSignal>) -> ApiError {
    if signal.is_some_and(AbortSignal::aborted) {
        return ApiError::cancelled();
    }
    ApiError::local(
        Failure::Network,
        format!("The gateway cannot be reached ({error}). Check that it is running and try again."),
    )
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `fetch` with the URL and its options: one call a page,
    /// where building a `Request` first (as `gloo_net` does, twice, to
    /// resolve the URL) makes two more objects and parses the URL again.
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &web_sys::RequestInit) -> js_sys::Promise;
}

/// A script error as `name: message` (how `gloo_net` words one).
fn js_error_text(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => format!("{}: {}", error.name(), error.message()),
        None => format!("{value:?}"),
    }
}

/// The body's bytes straight into wasm memory: one copy, where text would
/// be decoded to a JS string and encoded back to UTF-8 (a page of 1,000
/// audits is about 300 KB), and into memory not zeroed first (`gloo_net`'s
/// `binary` zeroes it: about 10 ms of a week's 31 MB).
async fn body_bytes(response: Response) -> Result<Vec<u8>, wasm_bindgen::JsValue> {
    let response = web_sys::Response::from(response);
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Reads an answer: the body text on 2xx, the gateway's [`ErrorBody`] as an
/// [`ApiError`] otherwise.
async fn body_of(response: Response, signal: Option<&AbortSignal>) -> Result<String, ApiError> {
    let status = response.status();
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.trim().parse::<u64>().ok());
    let bytes = body_bytes(response)
        .await
        .map_err(|error| transport(js_error_text(&error), signal))?;
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    if (200..300).contains(&status) {
        return Ok(text);
    }
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError {
            status,
            failure: Failure::Gateway(body.code),
            message: body.message,
            retry_after_secs,
        },
        Err(_) => ApiError {
            status,
            failure: Failure::Unexplained,
            message: format!(
                "The gateway answered HTTP {status} without an explanation. Try again."
            ),
            retry_after_secs,
        },
    })
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Logs in to the requested sources.
pub async fn create_session(request: &SessionRequest) -> Result<SessionResponse, ApiError> {
    let response = Request::post(SESSION_PATH)
        .json(request)
        .map_err(|error| ApiError::local(Failure::Request, error.to_string()))?
        .send()
        .await
        .map_err(|error| transport(error, None))?;
    let text = body_of(response, None).await?;
    serde_json::from_str(&text).map_err(|error| {
        ApiError::local(
            Failure::Malformed,
            format!("The login answer is malformed: {error}"),
        )
    })
}

/// Logs out at the gateway: the token stops working at once.
pub async fn end_session(token: &str) -> Result<(), ApiError> {
    let response = Request::delete(SESSION_PATH)
        .header("Authorization", &bearer(token))
        .send()
        .await
        .map_err(|error| transport(error, None))?;
    body_of(response, None).await.map(|_| ())
}

/// Told of each fresh token the gateway hands back: the token, and when it
/// ends unless renewed again.
pub type OnRenew = Rc<dyn Fn(String, String)>;

/// The data calls of one load: its session token and the signal that
/// cancels it, given once. While the person works, the gateway answers
/// with fresh tokens for the same session; the client uses each from then
/// on and passes it to [`Client::on_renew`]'s keeper.
#[derive(Clone)]
pub struct Client {
    token: Rc<RefCell<String>>,
    signal: Option<AbortSignal>,
    on_renew: Option<OnRenew>,
    /// The texts of every answer read through this client, each held once
    /// (a load's pages repeat the same accounts, services and records).
    texts: Rc<RefCell<Interner>>,
    /// Whether its reads are the app's own (a live tail's polls), which
    /// the gateway never counts as the person working.
    background: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(token: String, signal: Option<AbortSignal>) -> Self {
        Self {
            token: Rc::new(RefCell::new(token)),
            signal,
            on_renew: None,
            texts: Rc::default(),
            background: false,
        }
    }

    /// The same client, its reads marked as the app's own
    /// ([`BACKGROUND_HEADER`]): they never renew the session.
    pub fn background(mut self) -> Self {
        self.background = true;
        self
    }

    /// `1` on a background read, nothing otherwise.
    fn background_mark(&self) -> Option<&'static str> {
        self.background.then_some("1")
    }

    /// The same client, telling `keep` of every renewed token.
    pub fn on_renew(mut self, keep: impl Fn(String, String) + 'static) -> Self {
        self.on_renew = Some(Rc::new(keep));
        self
    }

    fn authorization(&self) -> String {
        bearer(&self.token.borrow())
    }

    /// Takes a renewed token from a data answer, if it carries one.
    fn take_renewal(&self, response: &Response) {
        let headers = response.headers();
        let (Some(token), Some(expires)) = (
            headers.get(RENEWED_TOKEN_HEADER),
            headers.get(RENEWED_EXPIRES_HEADER),
        ) else {
            return;
        };
        if token.is_empty() {
            return;
        }
        self.token.replace(token.clone());
        if let Some(keep) = &self.on_renew {
            keep(token, expires);
        }
    }

    /// Whether the load was cancelled.
    pub fn aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(AbortSignal::aborted)
    }

    /// Sends one data call: a POST of `json` when given, a GET otherwise,
    /// with the session's token, and returns the answer's body text on
    /// 2xx (taking any renewed token it carries).
    async fn data(&self, url: &str, json: Option<String>) -> Result<String, ApiError> {
        let signal = self.signal.as_ref();
        let local =
            |error: wasm_bindgen::JsValue| ApiError::local(Failure::Request, js_error_text(&error));
        let headers = web_sys::Headers::new().map_err(local)?;
        headers
            .set("Authorization", &self.authorization())
            .map_err(local)?;
        if let Some(mark) = self.background_mark() {
            headers.set(BACKGROUND_HEADER, mark).map_err(local)?;
        }
        let init = web_sys::RequestInit::new();
        if let Some(json) = json {
            init.set_method("POST");
            headers
                .set("Content-Type", "application/json")
                .map_err(local)?;
            init.set_body(&wasm_bindgen::JsValue::from_str(&json));
        }
        init.set_headers(&headers);
        init.set_signal(signal);
        let answer = wasm_bindgen_futures::JsFuture::from(fetch_with_init(url, &init))
            .await
            .map_err(|error| transport(js_error_text(&error), signal))?;
        let response = Response::from(web_sys::Response::from(answer));
        self.take_renewal(&response);
        body_of(response, signal).await
    }

    /// One page of Octopai user events, as events, with the total if the
    /// upstream said.
    pub async fn octopai_page(
        &self,
        request: &UserEventsRequest,
    ) -> Result<(Vec<AuditEvent>, Option<u64>), ApiError> {
        let json = serde_json::to_string(request)
            .map_err(|error| ApiError::local(Failure::Request, error.to_string()))?;
        let text = self.data(OCTOPAI_USER_EVENTS_PATH, Some(json)).await?;
        octopai::decode_events_with(&text, &mut self.texts.borrow_mut())
            .map_err(|error| ApiError::malformed(error.message))
    }

    /// One page of Cloudera Manager audits, as events.
    pub async fn cloudera_page(&self, params: &AuditsParams) -> Result<Vec<AuditEvent>, ApiError> {
        let url = format!("{CLOUDERA_AUDITS_PATH}?{}", params.to_query_string());
        let text = self.data(&url, None).await?;
        cloudera::decode_events_with(&text, &mut self.texts.borrow_mut())
            .map_err(|error| ApiError::malformed(error.message))
    }

    /// Waits `wait`, or less if the load is cancelled first.
    pub async fn sleep(&self, wait: std::time::Duration) {
        sleep(wait, self.signal.as_ref()).await;
    }
}

/// Waits `wait`, or less if `signal` aborts first.
pub async fn sleep(wait: std::time::Duration, signal: Option<&AbortSignal>) {
    let millis = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
        }
        if let Some(signal) = signal {
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
