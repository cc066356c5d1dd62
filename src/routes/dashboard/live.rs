//! Following the sources as they record (a live view, `&live=15`): every N
//! seconds each source is asked for what it recorded since the last poll
//! ([`SourceLoads::poll`]), the window slides and every chart, tile,
//! detection and the table follow. Each poll overlaps the last by
//! [`OVERLAP_SECONDS`] (audits are recorded a little after they happen)
//! and adds only what is not held. Polls pause while the tab is hidden, a
//! failed one backs off as the loader's retries do and loses nothing, and
//! an expired session asks once to log in, then the view comes back live.
//! The polls are the app's own: they never renew the session, so a
//! dashboard left open on a live view still reaches the idle limit.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use audit_core::retry::RetryPolicy;
use audit_core::{EventId, TimeWindow};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::loads::SourceLoads;
use super::view::{SessionExit, ViewHandle};
use crate::format::format_time;
use crate::use_offline;
use crate::view_state::{
    parse_live_seconds, DisplayZone, TimeRange, DEFAULT_LIVE_SECONDS, LIVE_RANGE,
};

/// Each poll asks again for this much before the last one's end.
pub const OVERLAP_SECONDS: i64 = 60;
/// How long new rows stay marked.
const FRESH_MS: u64 = 4_000;
/// The longest wait after failed polls.
const LONGEST_BACKOFF: Duration = Duration::from_secs(300);

/// Where a live view stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TailState {
    /// The poll interval, when the view is live and can be.
    pub every: Option<u32>,
    pub paused: bool,
    pub polling: bool,
    /// Successful polls so far.
    pub polls: u32,
    pub last_ok: Option<DateTime<Utc>>,
    /// The last poll's failure, and when the next try comes.
    pub failure: Option<(String, u32)>,
}

/// A live view's state, and the ids of the rows it just added.
#[derive(Clone, Copy)]
pub struct LiveTail {
    pub state: RwSignal<TailState>,
    pub fresh: RwSignal<Arc<HashSet<EventId>>>,
}

/// Why the view cannot be live, if it cannot.
fn why_not_live(range: &TimeRange, offline: bool) -> Option<&'static str> {
    match (range, offline) {
        (_, true) => Some("A file opened offline does not grow: close it to follow the sources."),
        (TimeRange::Absolute { .. }, _) => {
            Some("Live needs a window that ends now: pick one of the ranges above.")
        }
        (TimeRange::Preset(_), false) => None,
    }
}

/// Sets up the live tail for the page's view: a poll loop runs while the
/// view is live and its range ends now, and stops when either changes.
pub fn use_live_tail(view: ViewHandle, loads: SourceLoads, exit: SessionExit) -> LiveTail {
    let tail = LiveTail {
        state: RwSignal::new(TailState::default()),
        fresh: RwSignal::new(Arc::default()),
    };
    let offline = use_offline();
    let inputs = Memo::new(move |_| {
        let (live, range) = view.view.with(|v| (v.live, v.range));
        let offline = offline.0.with(Option::is_some);
        live.filter(|_| why_not_live(&range, offline).is_none())
            .map(|every| (every, range))
    });
    // Each loop has its number: a loop whose number is not the latest ends.
    let run = StoredValue::new(0u64);
    Effect::new(move || {
        let inputs = inputs.get();
        run.update_value(|n| *n += 1);
        let mine = run.get_value();
        tail.state.set(TailState {
            every: inputs.map(|(every, _)| every),
            ..TailState::default()
        });
        if let Some((every, range)) = inputs {
            let alive = move || run.try_get_value() == Some(mine);
            leptos::task::spawn_local(poll_loop(tail, loads, exit, every, range, alive));
        }
    });
    tail
}

fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Waits `wait`, in short steps, while `alive`; whether it still is.
async fn wait_while(wait: Duration, alive: impl Fn() -> bool) -> bool {
    let step = Duration::from_millis(250);
    let mut left = wait;
    while alive() && !left.is_zero() {
        let now = left.min(step);
        crate::api::sleep(now, None).await;
        left = left.saturating_sub(now);
    }
    alive()
}

async fn poll_loop(
    tail: LiveTail,
    loads: SourceLoads,
    exit: SessionExit,
    every: u32,
    range: TimeRange,
    alive: impl Fn() -> bool + Copy + 'static,
) {
    let backoff = RetryPolicy {
        attempts: u32::MAX,
        first_wait: Duration::from_secs(u64::from(every)),
        max_wait: LONGEST_BACKOFF,
        longest_wait: LONGEST_BACKOFF,
    };
    // Where the last poll (or the load) ended, for the load it belongs to.
    let mut last: Option<(u64, DateTime<Utc>)> = None;
    let mut failures = 0u32;
    let mut retry_after = None;
    loop {
        let wait = match failures {
            0 => Duration::from_secs(u64::from(every)),
            n => backoff
                .wait_before_next(n, retry_after, js_sys::Math::random())
                .unwrap_or(LONGEST_BACKOFF),
        };
        if failures > 0 {
            tail.state.update(|s| {
                if let Some(failure) = &mut s.failure {
                    failure.1 = wait.as_secs() as u32;
                }
            });
        }
        if !wait_while(wait, alive).await {
            return;
        }
        if hidden() {
            tail.state.update(|s| s.paused = true);
            while hidden() {
                if !wait_while(Duration::from_millis(500), alive).await {
                    return;
                }
            }
            tail.state.update(|s| s.paused = false);
        }
        // A load under way (or none yet) is not polled over.
        let Some(shown) = loads
            .window
            .get_untracked()
            .filter(|_| !loads.loading_untracked())
        else {
            continue;
        };
        let load = loads.load_number();
        let since = match last {
            Some((of, end)) if of == load => end,
            _ => shown.end(),
        } - chrono::Duration::seconds(OVERLAP_SECONDS);
        let Ok(window) = range.window(Utc::now()) else {
            continue;
        };
        let Ok(asked) = TimeWindow::new(since.max(window.start()), window.end()) else {
            continue;
        };
        tail.state.update(|s| s.polling = true);
        let outcome = loads.poll(window, asked).await;
        if !alive() {
            return;
        }
        tail.state.update(|s| s.polling = false);
        match outcome {
            Ok(added) => {
                failures = 0;
                retry_after = None;
                last = Some((load, window.end()));
                tail.state.update(|s| {
                    s.polls += 1;
                    s.last_ok = Some(Utc::now());
                    s.failure = None;
                });
                mark_fresh(tail, added);
            }
            Err(error) if error.needs_login() => {
                exit.expired(Some(window));
                return;
            }
            // A new load stopped it: the next poll starts from that load.
            Err(error) if error.is_aborted() => {}
            Err(error) => {
                failures += 1;
                retry_after = error.retry_after_secs.map(Duration::from_secs);
                let words = error.to_string();
                tail.state.update(|s| s.failure = Some((words, 0)));
            }
        }
    }
}

/// Marks `added` as new for a moment.
fn mark_fresh(tail: LiveTail, added: Vec<EventId>) {
    if added.is_empty() {
        return;
    }
    let marked: Arc<HashSet<EventId>> = Arc::new(added.into_iter().collect());
    tail.fresh.set(marked.clone());
    set_timeout(
        move || {
            // Unless newer rows came since.
            if tail
                .fresh
                .try_with_untracked(|now| Arc::ptr_eq(now, &marked))
                .unwrap_or(false)
            {
                tail.fresh.set(Arc::default());
            }
        },
        Duration::from_millis(FRESH_MS),
    );
}

/// The "Live" switch, its interval, and where the tail stands.
#[component]
pub fn LiveSwitch(view: ViewHandle, tail: LiveTail, zone: Signal<DisplayZone>) -> impl IntoView {
    let offline = use_offline();
    let blocked = Memo::new(move |_| {
        let range = view.view.with(|v| v.range);
        why_not_live(&range, offline.0.with(Option::is_some))
    });
    let on = Memo::new(move |_| view.view.with(|v| v.live.is_some()));
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    Effect::new(move || {
        let every = view.view.with(|v| v.live.unwrap_or(DEFAULT_LIVE_SECONDS));
        typed.set(every.to_string());
    });
    let toggle = move |ev: leptos::ev::Event| {
        let checked = event_target_checked(&ev);
        view.edit(|next| {
            next.live = checked.then(|| next.live.unwrap_or(DEFAULT_LIVE_SECONDS));
        });
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_live_seconds(&typed.get_untracked()) {
            Ok(seconds) => {
                problem.set(None);
                view.edit(|next| next.live = Some(seconds));
            }
            // What was typed stays, to be corrected.
            Err(message) => problem.set(Some(message)),
        }
    };
    let status = move || {
        let state = tail.state.get();
        let zone = zone.get();
        if let Some(reason) = blocked.get().filter(|_| on.get()) {
            return reason.to_owned();
        }
        let Some(every) = state.every else {
            return String::new();
        };
        let last = state
            .last_ok
            .map(|at| format!("last poll {}", format_time(at, &zone)))
            .unwrap_or_else(|| "no poll yet".to_owned());
        match (&state.failure, state.paused) {
            (_, true) => format!("Paused while this tab is hidden (every {every} s; {last})."),
            (Some((error, retry)), _) => format!(
                "The last poll failed: {error} What is shown is kept; trying again in {retry} s ({last})."
            ),
            (None, false) => format!("Live: every {every} s, {last}."),
        }
    };
    view! {
        <form class="live" id="live-form" novalidate=true on:submit=apply>
            <label class="inline">
                <input type="checkbox" id="live" prop:checked=move || on.get()
                    prop:disabled=move || blocked.get().is_some() && !on.get()
                    on:change=toggle/>
                " Live"
            </label>
            <label for="live-every">"every"</label>
            <input id="live-every" type="number" inputmode="numeric"
                min=LIVE_RANGE.start().to_string() max=LIVE_RANGE.end().to_string()
                prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
            <span>"seconds"</span>
            <button type="submit" id="live-apply">"Set"</button>
            <span class="live-status" id="live-status" role="status"
                data-polls=move || tail.state.with(|s| s.polls.to_string())
                data-paused=move || tail.state.with(|s| s.paused.to_string())>{status}</span>
            {move || problem.get().map(|message| view! { <p class="error-view" role="alert">{message}</p> })}
        </form>
    }
}
