//! The only module that touches browser storage.
//!
//! Architecture invariant: the session (opaque gateway token, its expiry and
//! who is connected) lives in `sessionStorage` under one key, and nothing
//! else is ever stored: no password, no upstream token, nothing in
//! `localStorage`, nothing in a URL.

use audit_core::contract::SessionResponse;
use audit_core::time::parse_iso;

const SESSION_KEY: &str = "audit-dashboard.session";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The stored session, unless there is none or it has expired (`now_ms`:
/// the browser's clock, Unix milliseconds).
pub fn load_session(now_ms: i64) -> Option<SessionResponse> {
    let text = session_storage()?.get_item(SESSION_KEY).ok().flatten()?;
    let session: SessionResponse = serde_json::from_str(&text).ok()?;
    let expires = parse_iso(&session.expires_at).ok()?;
    if expires.timestamp_millis() <= now_ms {
        clear_session();
        return None;
    }
    Some(session)
}

/// Stores the session; `false` if the browser refused (private mode quota).
pub fn save_session(session: &SessionResponse) -> bool {
    let Ok(text) = serde_json::to_string(session) else {
        return false;
    };
    session_storage().is_some_and(|storage| storage.set_item(SESSION_KEY, &text).is_ok())
}

pub fn clear_session() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(SESSION_KEY);
    }
}
