//! The audit-trail dashboard, a Leptos client-side app.
//!
//! [`App`] holds the session and the file opened offline (the two pieces of
//! global state, provided as context) and the routes. Pages live in [`routes`], widgets in
//! [`components`], charts in [`charts`]; [`view_state`] reads and writes
//! the view in the URL; [`api`] is the only module that talks HTTP and
//! [`storage`] the only one that touches browser storage.

pub mod api;
pub mod charts;
pub mod components;
pub mod download;
pub mod format;
pub mod loader;
pub mod privacy;
pub mod recent;
pub mod routes;
pub mod shortcuts;
pub mod storage;
pub mod task;
pub mod theme;
pub mod view_state;

use audit_core::contract::SessionResponse;
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

use routes::dashboard::DashboardPage;
use routes::login::LoginPage;

/// The logged-in session, shared by every page.
#[derive(Debug, Clone, Copy)]
pub struct SessionContext(pub RwSignal<Option<SessionResponse>>);

impl SessionContext {
    pub fn token(&self) -> Option<String> {
        self.0
            .with_untracked(|session| session.as_ref().map(|s| s.token.clone()))
    }

    /// Keeps a new session here and in storage; `false` (and nothing kept)
    /// when the browser refuses the storage.
    pub fn start(&self, session: SessionResponse) -> bool {
        if !storage::save_session(&session) {
            return false;
        }
        self.0.set(Some(session));
        true
    }

    /// Keeps a renewed token of the same session (and when it ends unless
    /// renewed again), here and in storage. Nothing that shows the session
    /// redraws: the person is the same.
    pub fn renew(&self, token: String, expires_at: String) {
        let mut renewed = None;
        self.0.update_untracked(|session| {
            if let Some(session) = session {
                session.token = token;
                session.expires_at = expires_at;
                renewed = Some(session.clone());
            }
        });
        if let Some(session) = renewed {
            let _ = storage::save_session(&session);
        }
    }

    /// Forgets the session here and in storage.
    pub fn end(&self) {
        storage::clear_session();
        self.0.set(None);
    }
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// A saved file being explored offline: kept in this tab's memory only,
/// never stored or sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineFile {
    /// Tells one opened file from the next.
    pub id: u64,
    pub name: String,
    pub imported: audit_core::import::Imported,
}

/// The file opened offline, if any, shared by every page.
#[derive(Debug, Clone, Copy)]
pub struct OfflineContext(pub RwSignal<Option<OfflineFile>>);

pub fn use_offline() -> OfflineContext {
    expect_context::<OfflineContext>()
}

/// The browser's clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(storage::load_session(now_ms()));
    provide_context(SessionContext(session));
    provide_context(OfflineContext(RwSignal::new(None)));
    theme::provide_theme();
    view! {
        <Router>
            <Routes fallback=|| view! { <Redirect path="/"/> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/dashboard") view=DashboardPage/>
            </Routes>
        </Router>
    }
}

/// `/`: the dashboard when logged in, the login page otherwise.
#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    move || {
        if session.0.with(Option::is_some) {
            view! { <Redirect path="/dashboard"/> }
        } else {
            view! { <Redirect path="/login"/> }
        }
    }
}
