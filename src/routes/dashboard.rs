//! The dashboard: loads the view's time range from every connected source
//! (the window's end pinned when the load starts), shows progress per
//! source, the two charts, totals and the newest events. What is shown
//! lives in the URL ([`crate::view_state`]), so reload, back/forward and a
//! pasted link restore it.

use audit_core::analytics::{self, Buckets};
use audit_core::query::Query;
use audit_core::{AuditEvent, Source, TimeWindow};
use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ApiError;
use crate::charts;
use crate::components::chart_figure::ChartFigure;
use crate::components::error_view::ErrorView;
use crate::components::event_detail::{with_clause, EventDetail};
use crate::components::event_table::EventTable;
use crate::components::load_progress::LoadProgress;
use crate::components::query_bar::QueryBar;
use crate::components::range_picker::RangePicker;
use crate::format::{format_count, format_duration, format_window, local_offset};
use crate::loader::{self, SourceProgress};
use crate::use_session;
use crate::view_state::DashboardView;

/// Where one source's load stands.
#[derive(Debug, Clone, PartialEq)]
enum SourceState {
    NotConnected,
    /// Not loaded, and why (a mistake in the query or the link's range).
    Blocked(String),
    Loading(SourceProgress),
    Loaded(SourceProgress),
    /// Stopped by the user; what arrived is kept and shown.
    Cancelled(SourceProgress),
    Failed(SourceProgress, ApiError),
}

impl SourceState {
    fn progress(&self) -> SourceProgress {
        match self {
            SourceState::NotConnected | SourceState::Blocked(_) => SourceProgress::default(),
            SourceState::Loading(p)
            | SourceState::Loaded(p)
            | SourceState::Cancelled(p)
            | SourceState::Failed(p, _) => *p,
        }
    }
}

/// Bars or points per chart at most.
const CHART_BUCKETS: u32 = 48;
/// Rows in the table of newest events.
const TABLE_ROWS: usize = 200;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();

    // Not logged in: to the login page.
    let to_login = navigate.clone();
    Effect::new(move || {
        if session.0.with(Option::is_none) {
            to_login("/login", Default::default());
        }
    });

    let view_result =
        Memo::new(move |_| query.with(|q| DashboardView::from_params(|name| q.get(name))));
    let view = Memo::new(move |_| view_result.get().unwrap_or_default());
    let link_problem = Memo::new(move |_| view_result.get().err());
    let query_text = Memo::new(move |_| view.with(|v| v.query.clone()));
    let parsed_query = Memo::new(move |_| query_text.with(|text| audit_core::query::parse(text)));
    let shown = Memo::new(move |_| view.with(|v| v.sources));
    let time_range = Memo::new(move |_| view.with(|v| v.range));
    let local = local_offset();
    let offset = Memo::new(move |_| view.with(|v| v.zone.offset(local)));
    let go_navigate = navigate.clone();
    let go = move |next: DashboardView| go_navigate(&next.to_url(), Default::default());
    let window = RwSignal::new(None::<TimeWindow>);
    let octopai_events = RwSignal::new(Vec::<AuditEvent>::new());
    let cloudera_events = RwSignal::new(Vec::<AuditEvent>::new());
    let octopai_state = RwSignal::new(SourceState::NotConnected);
    let cloudera_state = RwSignal::new(SourceState::NotConnected);
    let generation = StoredValue::new(0u64);
    let controller = StoredValue::new_local(None::<web_sys::AbortController>);
    on_cleanup(move || {
        controller.with_value(|controller| {
            if let Some(controller) = controller {
                controller.abort();
            }
        })
    });

    let slot = move |source: Source| match source {
        Source::Octopai => (octopai_state, octopai_events),
        Source::ClouderaManager => (cloudera_state, cloudera_events),
    };

    let expired_navigate = navigate.clone();
    let on_expired = move || {
        session.end();
        expired_navigate("/login?reason=expired", Default::default());
    };

    // Loads one source into its slot, unless a newer load has started since.
    let load = move |source: Source, window: TimeWindow, query: Option<Query>| {
        let Some(token) = session.token() else { return };
        let (state, events) = slot(source);
        state.set(SourceState::Loading(SourceProgress::default()));
        let load_generation = generation.get_value();
        // A cancelled load leaves its controller aborted: retries need a new one.
        controller.update_value(|slot| {
            if slot.as_ref().is_none_or(|c| c.signal().aborted()) {
                *slot = web_sys::AbortController::new().ok();
            }
        });
        let signal = controller.with_value(|c| c.as_ref().map(|c| c.signal()));
        let on_expired = on_expired.clone();
        spawn_local(async move {
            let current = move || generation.get_value() == load_generation;
            let (loaded, error) = loader::load_source(
                &token,
                source,
                window,
                query.as_ref(),
                signal.as_ref(),
                |progress| {
                    if current() {
                        state.set(SourceState::Loading(progress));
                    }
                },
            )
            .await;
            if !current() {
                return;
            }
            let progress = state.with_untracked(SourceState::progress);
            match error {
                None => {
                    events.set(loaded);
                    state.set(SourceState::Loaded(
                        state.with_untracked(SourceState::progress),
                    ));
                }
                Some(error) if error.is_aborted() => {
                    events.set(loaded);
                    state.set(SourceState::Cancelled(progress));
                }
                Some(error) if error.needs_login() => on_expired(),
                Some(error) => {
                    // Keep what arrived before the failure.
                    events.set(loaded);
                    state.set(SourceState::Failed(progress, error));
                }
            }
        });
    };

    // A new load whenever the range or query changes (and on first show).
    let range_load = load.clone();
    Effect::new(move || {
        let range = time_range.get();
        let parsed = parsed_query.get();
        let link_problem = link_problem.get();
        let Some(current) = session.0.get_untracked() else {
            return;
        };
        generation.update_value(|g| *g += 1);
        controller.update_value(|slot| {
            if let Some(old) = slot.take() {
                old.abort();
            }
            *slot = web_sys::AbortController::new().ok();
        });
        octopai_events.set(Vec::new());
        cloudera_events.set(Vec::new());
        octopai_state.set(SourceState::NotConnected);
        cloudera_state.set(SourceState::NotConnected);
        // A malformed query or range (say, from a pasted link) is never sent.
        let ready = match (link_problem, parsed, range.window(Utc::now())) {
            (Some(problem), _, _) => Err(problem),
            (None, Err(_), _) => Err("not loaded until the query's mistake is fixed.".to_owned()),
            (None, Ok(_), Err(problem)) => Err(problem),
            (None, Ok(parsed), Ok(pinned)) => Ok((parsed, pinned)),
        };
        let (parsed, pinned) = match ready {
            Ok(ready) => ready,
            Err(reason) => {
                window.set(None);
                octopai_state.set(SourceState::Blocked(reason.clone()));
                cloudera_state.set(SourceState::Blocked(reason));
                return;
            }
        };
        window.set(Some(pinned));
        let parsed = Some(parsed).filter(|q| !q.constraints.is_empty());
        if current.octopai.is_some() {
            range_load(Source::Octopai, pinned, parsed.clone());
        }
        if current.cloudera.is_some() {
            range_load(Source::ClouderaManager, pinned, parsed);
        }
    });

    let events = Memo::new(move |_| {
        let shown = shown.get();
        let mut merged: Vec<AuditEvent> = Vec::new();
        if shown.octopai {
            merged.extend(octopai_events.get());
        }
        if shown.cloudera {
            merged.extend(cloudera_events.get());
        }
        merged.sort_unstable_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        merged
    });
    let buckets = Memo::new(move |_| {
        window
            .get()
            .map(|window| Buckets::for_chart(window, CHART_BUCKETS))
    });
    let totals = Memo::new(move |_| events.with(|events| analytics::totals(events)));
    let login_svg = Signal::derive(move || match buckets.get() {
        Some(buckets) => events.with(|events| {
            charts::login_failures_svg(
                &analytics::login_outcomes(events, &buckets),
                &buckets,
                offset.get(),
            )
        }),
        None => Err("no time range yet".into()),
    });
    let activity_svg = Signal::derive(move || match buckets.get() {
        Some(buckets) => events.with(|events| {
            charts::activity_timeline_svg(
                &analytics::activity_timeline(events, &buckets),
                &buckets,
                offset.get(),
            )
        }),
        None => Err("no time range yet".into()),
    });
    let logins_drawn_from = Signal::derive(move || {
        events.with(|events| events.iter().filter(|event| event.is_login()).count() as u64)
    });
    let events_drawn_from = Signal::derive(move || events.with(Vec::len) as u64);
    let bucket_words = move || {
        buckets
            .get()
            .map(|b| format_duration(b.size))
            .unwrap_or_default()
    };
    let window_words = move || {
        window
            .get()
            .map(|w| format_window(&w, offset.get()))
            .unwrap_or_default()
    };
    let login_label = Signal::derive(move || {
        format!(
            "Login failures: failed and successful logins per {}, both sources, {}",
            bucket_words(),
            window_words()
        )
    });
    let activity_label = Signal::derive(move || {
        format!(
            "Activity timeline: events per {} for each source, {}",
            bucket_words(),
            window_words()
        )
    });

    let logout_navigate = navigate.clone();
    let logout = move |_| {
        session.end();
        logout_navigate("/login?reason=logout", Default::default());
    };
    let toggle_go = go.clone();
    let source_toggle = move |source: Source, id: &'static str| {
        let go = toggle_go.clone();
        view! {
            <label class="source-toggle">
                <input type="checkbox" id=id prop:checked=move || shown.get().shows(source)
                    on:change=move |_| {
                        let current = view.get_untracked();
                        go(DashboardView { sources: current.sources.toggled(source), ..current })
                    }/>
                " " {source.label()}
            </label>
        }
    };
    let query_go = go.clone();
    let apply_query = move |text: String| {
        query_go(DashboardView {
            query: text,
            ..view.get_untracked()
        })
    };

    let selected = RwSignal::new(None::<String>);
    let selected_event = Memo::new(move |_| {
        selected.with(|id| {
            id.as_ref()
                .and_then(|id| events.with(|events| events.iter().find(|e| &e.id == id).cloned()))
        })
    });
    let detail_go = go.clone();

    let loading = Memo::new(move |_| {
        [octopai_state, cloudera_state]
            .iter()
            .any(|state| state.with(|state| matches!(state, SourceState::Loading(_))))
    });
    let cancel = move |_| {
        controller.with_value(|controller| {
            if let Some(controller) = controller {
                controller.abort();
            }
        })
    };

    let who = move || {
        session.0.with(|session| {
            let Some(session) = session else {
                return String::new();
            };
            let mut parts = Vec::new();
            if let Some(octopai) = &session.octopai {
                parts.push(format!("Octopai: {}", octopai.user_name));
            }
            if let Some(cloudera) = &session.cloudera {
                parts.push(format!("Cloudera Manager: {}", cloudera.username));
            }
            parts.join(" · ")
        })
    };

    // Loads one source again over the shown window and the applied query.
    let reload = move |source: Source| {
        if let (Some(window), Ok(query)) = (window.get_untracked(), parsed_query.get_untracked()) {
            load(
                source,
                window,
                Some(query).filter(|q| !q.constraints.is_empty()),
            );
        }
    };

    let source_panel = move |source: Source, name: &'static str| {
        let (state, _) = slot(source);
        let progress = Signal::derive(move || state.with(SourceState::progress));
        let reload = reload.clone();
        move || match state.get() {
            SourceState::Blocked(reason) => view! {
                <p class="source-off blocked">{name} ": " {reason}</p>
            }
            .into_any(),
            SourceState::NotConnected => {
                view! { <p class="source-off">{name} ": not connected in this session."</p> }
                    .into_any()
            }
            SourceState::Loading(_) | SourceState::Loaded(_) => {
                view! { <LoadProgress name=name progress=progress/> }.into_any()
            }
            SourceState::Cancelled(progress) => {
                let reload = reload.clone();
                let again = move |_| reload(source);
                view! {
                    <p class="source-off cancelled" role="status">
                        {format!(
                            "{name}: cancelled after {} events ({} pages); showing what was loaded. ",
                            format_count(progress.received),
                            progress.pages
                        )}
                        <button type="button" on:click=again>"Load again"</button>
                    </p>
                }
                .into_any()
            }
            SourceState::Failed(_, error) => {
                let reload = reload.clone();
                let retry = move || reload(source);
                view! {
                    <div>
                        <LoadProgress name=name progress=progress/>
                        <ErrorView context=format!("Loading {name} events") error=error on_retry=retry/>
                    </div>
                }
                .into_any()
            }
        }
    };

    view! {
        <header class="top">
            <h1>"Audit trail dashboard"</h1>
            <span class="who">{who}</span>
            <button type="button" id="logout" on:click=logout>"Log out"</button>
        </header>
        <main class="dashboard">
            <RangePicker view=Signal::from(view) window=Signal::from(window) offset=Signal::from(offset) on_change=go.clone()/>
            {move || link_problem.get().map(|problem| view! {
                <p class="error-view" role="alert">"This link's time range cannot be used: " {problem} " Pick a range above."</p>
            })}
            <fieldset class="shown-sources">
                <legend>"Show"</legend>
                {source_toggle(Source::Octopai, "show-octopai")}
                {source_toggle(Source::ClouderaManager, "show-cloudera")}
            </fieldset>
            <QueryBar applied=Signal::from(query_text) on_apply=apply_query/>
            {move || {
                let sent = query_text.get();
                (!sent.is_empty() && parsed_query.with(Result::is_ok)).then(|| view! {
                    <p class="sent-query">"Sent to Cloudera Manager as " <code>"query=" {sent}</code> "; the same query filters Octopai events here."</p>
                })
            }}
            <section class="sources" aria-live="polite">
                <Show when=move || loading.get()>
                    <button type="button" id="cancel-load" on:click=cancel>"Cancel loading"</button>
                </Show>
                {source_panel(Source::Octopai, "Octopai")}
                {source_panel(Source::ClouderaManager, "Cloudera Manager")}
            </section>
            <section class="tiles">
                <div class="tile"><span class="value">{move || format_count(totals.get().events as u64)}</span>" events"</div>
                <div class="tile bad" id="failed-logins"><span class="value">{move || format_count(totals.get().failed_logins as u64)}</span>" failed logins"</div>
                <div class="tile bad"><span class="value">{move || format_count(totals.get().denied_operations as u64)}</span>" denied operations"</div>
            </section>
            <div class="charts">
                <ChartFigure title="Login failures" label=login_label svg=login_svg drawn_from=logins_drawn_from
                    legend=vec![("failed", charts::css(charts::FAILED_COLOR)), ("succeeded", charts::css(charts::SUCCEEDED_COLOR))]/>
                <ChartFigure title="Activity timeline" label=activity_label svg=activity_svg drawn_from=events_drawn_from
                    legend=vec![("Octopai", charts::css(charts::OCTOPAI_COLOR)), ("Cloudera Manager", charts::css(charts::CLOUDERA_COLOR))]/>
            </div>
            <EventTable events=Signal::from(events) limit=TABLE_ROWS offset=Signal::from(offset) selected=selected/>
            {move || selected_event.get().map(|event| {
                let filter_go = detail_go.clone();
                view! {
                    <EventDetail event=event offset=offset.get_untracked()
                        on_filter=move |clause: String| {
                            let current = view.get_untracked();
                            filter_go(DashboardView { query: with_clause(&current.query, &clause), ..current })
                        }
                        on_close=move || selected.set(None)/>
                }
            })}
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_sources_show_no_progress() {
        assert_eq!(
            SourceState::Blocked("x".into()).progress(),
            SourceProgress::default()
        );
    }
}
