//! The simulated Octopai API: `POST /api/UserAccount/Login` and
//! `POST /api/UserAccount/UserEvents`.

use std::sync::Arc;

use crate::answers::octopai::{error, unauthorized};
use audit_core::octopai::{
    LoginRequest, LoginResponse, RefreshToken, UserEventsRequest, DEFAULT_PAGE_SIZE, LOGIN_PATH,
    MAX_PAGE_SIZE, USER_EVENTS_PATH,
};
use audit_core::time::{format_iso, parse_iso};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Duration;
use serde_json::{json, Value};

use crate::faults::{self, Route};
use crate::jwt::{self, Claims, TokenError};
use crate::{SimState, DEMO_OCTOPAI_PASSWORD, DEMO_OCTOPAI_USER};

pub fn router(state: Arc<SimState>) -> Router {
    let faults =
        |route| axum::middleware::from_fn_with_state((state.faults.clone(), route), faults::apply);
    Router::new()
        .route(LOGIN_PATH, post(login).route_layer(faults(Route::Login)))
        .route(
            USER_EVENTS_PATH,
            post(user_events).route_layer(faults(Route::UserEvents)),
        )
        .with_state(state)
}

fn failure(status: StatusCode, message: &str) -> Response {
    let body = LoginResponse {
        access_token: None,
        expiration: None,
        refresh_token: None,
        user_name: None,
        display_name: None,
        is_admin: None,
        error: Some(message.to_owned()),
    };
    (status, Json(body)).into_response()
}

async fn login(State(state): State<Arc<SimState>>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<LoginRequest>(&body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "The request body must be JSON with Username and Password",
        );
    };
    // A wrong password is answered 200 with `error` set: one of the two
    // documented failure forms (clients must handle both).
    if !request.username.eq_ignore_ascii_case(DEMO_OCTOPAI_USER)
        || request.password != DEMO_OCTOPAI_PASSWORD
    {
        return failure(StatusCode::OK, "Invalid username or password");
    }
    let now = (state.clock)();
    let expires = now + Duration::seconds(state.access_token_seconds);
    let claims = Claims {
        email: DEMO_OCTOPAI_USER.to_owned(),
        unique_name: "analyst".to_owned(),
        role: "Admin".to_owned(),
        iat: now.timestamp(),
        exp: expires.timestamp(),
    };
    let refresh_seed = audit_core::event::fnv1a(
        format!(
            "{}{}",
            now.timestamp_nanos_opt().unwrap_or_default(),
            claims.exp
        )
        .as_bytes(),
    );
    Json(LoginResponse {
        access_token: Some(jwt::sign(&claims, &state.jwt_secret)),
        expiration: Some(format_iso(expires)),
        refresh_token: Some(RefreshToken {
            token: format!("{refresh_seed:016x}{:016x}", refresh_seed.rotate_left(17)),
            expiration: format_iso(now + Duration::days(30)),
        }),
        user_name: Some(DEMO_OCTOPAI_USER.to_owned()),
        display_name: Some("Ana Lyst".to_owned()),
        is_admin: Some(true),
        error: None,
    })
    .into_response()
}

async fn user_events(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = (state.clock)();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(token) = token else {
        return unauthorized("A bearer access token is required");
    };
    match jwt::verify(token, &state.jwt_secret, now.timestamp()) {
        Ok(_) => {}
        Err(TokenError::Expired) => return unauthorized("The access token has expired"),
        Err(_) => return unauthorized("The access token is not valid"),
    }
    let request: UserEventsRequest = if body.iter().all(u8::is_ascii_whitespace) {
        UserEventsRequest {
            start_time: format_iso(now - Duration::days(1)),
            end_time: format_iso(now),
            page_number: None,
            page_size: None,
        }
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(problem) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("The request body is not a valid UserEvents request: {problem}"),
                )
            }
        }
    };
    let (start, end) = match (parse_iso(&request.start_time), parse_iso(&request.end_time)) {
        (Ok(start), Ok(end)) if start < end => (start, end),
        (Ok(_), Ok(_)) => {
            return error(StatusCode::BAD_REQUEST, "startTime must be before endTime")
        }
        (Err(problem), _) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid startTime: {problem}"),
            )
        }
        (_, Err(problem)) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid endTime: {problem}"),
            )
        }
    };
    tokio::time::sleep(state.page_delay).await;
    let page_number = request.page_number.unwrap_or(1);
    if page_number == 0 {
        return error(StatusCode::BAD_REQUEST, "pageNumber starts at 1");
    }
    let page_size = request
        .page_size
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let data = state.data();
    let window = data.octopai_in(start, end);
    let skip =
        usize::try_from(u64::from(page_number - 1) * u64::from(page_size)).unwrap_or(usize::MAX);
    let items: Vec<Value> = window
        .iter()
        .skip(skip)
        .take(page_size as usize)
        .map(|record| record.to_json())
        .collect();
    Json(json!({
        "items": items,
        "total": window.len(),
        "pageNumber": page_number,
        "pageSize": page_size,
    }))
    .into_response()
}
