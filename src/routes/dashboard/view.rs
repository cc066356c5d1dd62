//! The view the dashboard shows, as the URL holds it: one [`ViewHandle`]
//! to read it and change it, and the ways this page leaves for the login
//! page ([`SessionExit`]).

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::privacy::Privacy;
use crate::view_state::{DashboardView, TimeRange};
use crate::{use_offline, use_session, SessionContext};
use audit_core::cloudera::percent_encode;
use audit_core::TimeWindow;

/// The parsed view and the one way to change it (a new URL).
#[derive(Clone, Copy)]
pub struct ViewHandle {
    /// What the URL asks for; the default view when the link is unusable.
    pub view: Memo<DashboardView>,
    /// Why the link's view cannot be used, if it cannot.
    pub link_problem: Memo<Option<String>>,
    /// Shows another view (pushes its URL); in privacy mode, with every
    /// person in it masked first.
    pub change: Callback<DashboardView>,
    /// This session's pseudonyms.
    pub privacy: Privacy,
    /// Why the last change could not be made (a filter on a person by
    /// pattern in privacy mode); the view stays as it was.
    pub refused: RwSignal<Option<String>>,
    navigate: Callback<String>,
}

impl ViewHandle {
    /// Shows the current view with `edit` applied.
    pub fn edit(self, edit: impl FnOnce(&mut DashboardView)) {
        let mut next = self.view.get_untracked();
        edit(&mut next);
        self.change.run(next);
    }

    /// A callback that changes the view by `edit` with what it is given.
    pub fn editor<T: 'static>(
        self,
        edit: impl Fn(&mut DashboardView, T) + Send + Sync + 'static,
    ) -> Callback<T> {
        Callback::new(move |value: T| self.edit(|view| edit(view, value)))
    }

    /// Goes to another route of the app.
    pub fn go_to(self, url: String) {
        self.navigate.run(url);
    }
}

/// Reads the view from the URL.
pub fn use_dashboard_view() -> ViewHandle {
    let query = use_query_map();
    let navigate = use_navigate();
    let navigate = Callback::new(move |url: String| navigate(&url, Default::default()));
    let parsed = Memo::new(move |_| query.with(|q| DashboardView::from_params(|name| q.get(name))));
    let privacy = Privacy::of_this_session();
    let refused = RwSignal::new(None);
    ViewHandle {
        view: Memo::new(move |_| parsed.get().unwrap_or_default()),
        link_problem: Memo::new(move |_| parsed.get().err()),
        change: Callback::new(move |next: DashboardView| match privacy.fit(next) {
            Ok(next) => {
                refused.set(None);
                navigate.run(next.to_url());
            }
            Err(why) => refused.set(Some(why)),
        }),
        privacy,
        refused,
        navigate,
    }
}

/// `view` with its range frozen to `window`, so whoever opens its link
/// (now or after logging in) sees the same events; a frozen view is not
/// live.
pub fn frozen(mut view: DashboardView, window: Option<TimeWindow>) -> DashboardView {
    if let Some(pinned) = window {
        view.range = TimeRange::Absolute {
            start: pinned.start(),
            end: pinned.end(),
        };
        view.live = None;
    }
    view
}

/// Where to come back to after logging in again: the same events
/// ([`frozen`]), except that a live view comes back live, its window
/// ending now and sliding again.
pub fn return_to(view: DashboardView, window: Option<TimeWindow>) -> DashboardView {
    match (view.live, view.range) {
        (Some(_), TimeRange::Preset(_)) => view,
        _ => frozen(view, window),
    }
}

/// The ways this page sends someone to the login page: with no session,
/// when the session expires, and on logging out. Each happens once.
#[derive(Clone, Copy)]
pub struct SessionExit {
    view: ViewHandle,
    session: SessionContext,
    /// Set when this page itself sends the user to log in (with a reason
    /// and a way back), so ending the session does not send them twice.
    leaving: StoredValue<bool>,
}

impl SessionExit {
    /// Sends someone without a session (a link opened in another tab or
    /// browser) to log in, and back to the same view afterwards.
    pub fn new(view: ViewHandle) -> Self {
        let session = use_session();
        let offline = use_offline();
        let exit = Self {
            view,
            session,
            leaving: StoredValue::new(false),
        };
        Effect::new(move || {
            if session.0.with(Option::is_none)
                && offline.0.with(Option::is_none)
                && !exit.leaving.get_value()
            {
                let here = match view.link_problem.get_untracked() {
                    None => view.view.get_untracked().to_url(),
                    Some(_) => "/dashboard".to_owned(),
                };
                view.go_to(format!("/login?next={}", percent_encode(&here)));
            }
        });
        exit
    }

    /// The session expired: however many requests fail at once, the user
    /// is asked to log in once, and comes back to this view with its window
    /// frozen, so the same events load again.
    pub fn expired(self, window: Option<TimeWindow>) {
        let session = self.session;
        if session.0.with_untracked(Option::is_none) || self.leaving.get_value() {
            return;
        }
        self.leaving.set_value(true);
        let back = return_to(self.view.view.get_untracked(), window);
        self.view.go_to(format!(
            "/login?reason=expired&next={}",
            percent_encode(&back.to_url())
        ));
        session.end();
    }

    /// Logs out: the gateway stops accepting the token at once; storage is
    /// cleared here whether or not that request gets through.
    pub fn log_out(self) {
        let session = self.session;
        if let Some(token) = session.token() {
            leptos::task::spawn_local(async move {
                let _ = crate::api::end_session(&token).await;
            });
        }
        self.leaving.set_value(true);
        session.end();
        crate::storage::clear_privacy();
        self.view.go_to("/login?reason=logout".to_owned());
    }
}
