//! The only module that touches browser storage.
//!
//! Architecture invariant: the session token only in `sessionStorage`,
//! and nothing stored but through this module. The session (opaque gateway
//! token, its expiry and who is connected) lives in `sessionStorage` under
//! one key; no password or upstream token is ever stored, and nothing
//! secret goes in a URL. Privacy mode's key, and the people its pseudonyms
//! in this tab's links stand for, live in `sessionStorage` too (see
//! [`crate::privacy`]). `localStorage` holds preferences and saved views
//! only: the theme the person chose (`light`, `dark` or `system`), and the
//! views they named, each a name and the dashboard link of its view (a
//! view is what a link holds: no token, no password).

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

const PRIVACY_KEY: &str = "audit-dashboard.privacy";

/// Privacy mode's state for this browser session, as JSON text.
pub fn load_privacy() -> Option<String> {
    session_storage()?.get_item(PRIVACY_KEY).ok().flatten()
}

/// Keeps privacy mode's state for this browser session.
pub fn save_privacy(text: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(PRIVACY_KEY, text);
    }
}

/// Forgets privacy mode's key and pseudonyms (on logging out).
pub fn clear_privacy() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(PRIVACY_KEY);
    }
}

const THEME_KEY: &str = "audit-dashboard.theme";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The theme the person chose, if they chose one.
pub fn load_theme() -> Option<String> {
    local_storage()?.get_item(THEME_KEY).ok().flatten()
}

/// Keeps the theme chosen (`light`, `dark` or `system`) for next time.
pub fn save_theme(choice: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(THEME_KEY, choice);
    }
}

const VIEWS_KEY: &str = "audit-dashboard.views";

/// A view a person named: its name and its dashboard link
/// (`/dashboard?...`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedView {
    pub name: String,
    pub link: String,
}

/// The saved views, and how many stored entries could not be read (left
/// out, so one broken entry does not lose the others).
pub fn load_views() -> (Vec<SavedView>, usize) {
    let text = local_storage().and_then(|storage| storage.get_item(VIEWS_KEY).ok().flatten());
    read_views(text.as_deref())
}

/// [`load_views`] of the stored text.
pub fn read_views(text: Option<&str>) -> (Vec<SavedView>, usize) {
    let Some(text) = text else {
        return (Vec::new(), 0);
    };
    let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(text) else {
        return (Vec::new(), 1);
    };
    let mut views = Vec::new();
    let mut unreadable = 0;
    for entry in entries {
        match serde_json::from_value::<SavedView>(entry) {
            Ok(view) if view.link.starts_with("/dashboard?") && !view.name.trim().is_empty() => {
                views.push(view)
            }
            _ => unreadable += 1,
        }
    }
    (views, unreadable)
}

/// Keeps `views`; `false` if the browser refused (storage full or off).
pub fn save_views(views: &[SavedView]) -> bool {
    let Ok(text) = serde_json::to_string(views) else {
        return false;
    };
    local_storage().is_some_and(|storage| storage.set_item(VIEWS_KEY, &text).is_ok())
}
