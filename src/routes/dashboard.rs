//! The dashboard: loads the chosen range from every connected source (the
//! window's end pinned at the start of the load), shows progress per source,
//! the two charts, totals and the newest events. The range is in the URL
//! (`?range=24h`), so reload and shared links keep it.

use audit_core::analytics::{self, Buckets};
use audit_core::query::Query;
use audit_core::{AuditEvent, Source, TimeWindow};
use chrono::{Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ApiError;
use crate::charts;
use crate::components::chart_figure::ChartFigure;
use crate::components::error_view::ErrorView;
use crate::components::event_table::EventTable;
use crate::components::load_progress::LoadProgress;
use crate::components::query_bar::QueryBar;
use crate::format::{format_count, format_duration, format_time, local_offset};
use crate::loader::{self, SourceProgress};
use crate::use_session;

/// The ranges offered, as they appear in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePreset {
    Hour,
    Day,
    Week,
}

impl RangePreset {
    pub const ALL: [RangePreset; 3] = [RangePreset::Hour, RangePreset::Day, RangePreset::Week];

    /// Reads `?range=`; anything unknown falls back to the last 24 hours.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("1h") => RangePreset::Hour,
            Some("7d") => RangePreset::Week,
            _ => RangePreset::Day,
        }
    }

    pub fn as_query(self) -> &'static str {
        match self {
            RangePreset::Hour => "1h",
            RangePreset::Day => "24h",
            RangePreset::Week => "7d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RangePreset::Hour => "Last hour",
            RangePreset::Day => "Last 24 hours",
            RangePreset::Week => "Last 7 days",
        }
    }

    pub fn length(self) -> Duration {
        match self {
            RangePreset::Hour => Duration::hours(1),
            RangePreset::Day => Duration::hours(24),
            RangePreset::Week => Duration::days(7),
        }
    }
}

/// Which sources the view shows (`?sources=octopai`, `?sources=cloudera`;
/// absent: both). Hidden sources stay loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFilter {
    pub octopai: bool,
    pub cloudera: bool,
}

impl SourceFilter {
    pub const BOTH: SourceFilter = SourceFilter {
        octopai: true,
        cloudera: true,
    };

    pub fn from_query(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return Self::BOTH;
        };
        let filter = SourceFilter {
            octopai: value.split(',').any(|name| name == "octopai"),
            cloudera: value.split(',').any(|name| name == "cloudera"),
        };
        if filter.octopai || filter.cloudera {
            filter
        } else {
            Self::BOTH
        }
    }

    /// The `sources` parameter, or `None` for both.
    pub fn as_query(self) -> Option<&'static str> {
        match (self.octopai, self.cloudera) {
            (true, false) => Some("octopai"),
            (false, true) => Some("cloudera"),
            _ => None,
        }
    }

    pub fn shows(self, source: Source) -> bool {
        match source {
            Source::Octopai => self.octopai,
            Source::ClouderaManager => self.cloudera,
        }
    }

    /// The filter with `source` switched; never both off.
    pub fn toggled(self, source: Source) -> Self {
        let mut next = self;
        match source {
            Source::Octopai => next.octopai = !next.octopai,
            Source::ClouderaManager => next.cloudera = !next.cloudera,
        }
        if next.octopai || next.cloudera {
            next
        } else {
            self
        }
    }
}

/// The dashboard's URL for a view; the query is percent-encoded.
pub fn dashboard_url(range: RangePreset, sources: SourceFilter, query: &str) -> String {
    let mut url = format!("/dashboard?range={}", range.as_query());
    if let Some(sources) = sources.as_query() {
        url.push_str("&sources=");
        url.push_str(sources);
    }
    if !query.is_empty() {
        url.push_str("&q=");
        url.push_str(&audit_core::cloudera::percent_encode(query));
    }
    url
}

/// Where one source's load stands.
#[derive(Debug, Clone, PartialEq)]
enum SourceState {
    NotConnected,
    /// Not loaded because the query in the URL has a mistake.
    Blocked,
    Loading(SourceProgress),
    Loaded(SourceProgress),
    Failed(SourceProgress, ApiError),
}

impl SourceState {
    fn progress(&self) -> SourceProgress {
        match self {
            SourceState::NotConnected | SourceState::Blocked => SourceProgress::default(),
            SourceState::Loading(p) | SourceState::Loaded(p) | SourceState::Failed(p, _) => *p,
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
    let offset = local_offset();

    // Not logged in: to the login page.
    let to_login = navigate.clone();
    Effect::new(move || {
        if session.0.with(Option::is_none) {
            to_login("/login", Default::default());
        }
    });

    let range =
        Memo::new(move |_| query.with(|q| RangePreset::from_query(q.get("range").as_deref())));
    let query_text = Memo::new(move |_| query.with(|q| q.get("q").unwrap_or_default()));
    let parsed_query = Memo::new(move |_| query_text.with(|text| audit_core::query::parse(text)));
    let shown =
        Memo::new(move |_| query.with(|q| SourceFilter::from_query(q.get("sources").as_deref())));
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
                Some(error) if error.is_aborted() => {}
                Some(error) if error.needs_login() => on_expired(),
                Some(error) => {
                    // Keep what arrived before the failure.
                    events.set(loaded);
                    state.set(SourceState::Failed(progress, error));
                }
            }
        });
    };

    // A new load whenever the range changes (and on first show).
    let range_load = load.clone();
    Effect::new(move || {
        let preset = range.get();
        let parsed = parsed_query.get();
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
        let pinned = TimeWindow::ending_at(Utc::now(), preset.length());
        window.set(Some(pinned));
        octopai_events.set(Vec::new());
        cloudera_events.set(Vec::new());
        octopai_state.set(SourceState::NotConnected);
        cloudera_state.set(SourceState::NotConnected);
        // A malformed query (say, from a pasted link) is never sent.
        let Ok(parsed) = parsed else {
            octopai_state.set(SourceState::Blocked);
            cloudera_state.set(SourceState::Blocked);
            return;
        };
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
                offset,
            )
        }),
        None => Err("no time range yet".into()),
    });
    let activity_svg = Signal::derive(move || match buckets.get() {
        Some(buckets) => events.with(|events| {
            charts::activity_timeline_svg(
                &analytics::activity_timeline(events, &buckets),
                &buckets,
                offset,
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
            .map(|w| {
                format!(
                    "from {} to {}",
                    format_time(w.start(), offset),
                    format_time(w.end(), offset)
                )
            })
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
    let range_navigate = navigate.clone();
    let choose_range = move |preset: RangePreset| {
        range_navigate(
            &dashboard_url(preset, shown.get_untracked(), &query_text.get_untracked()),
            Default::default(),
        );
    };
    let sources_navigate = navigate.clone();
    let toggle_source = move |source: Source| {
        let next = shown.get_untracked().toggled(source);
        sources_navigate(
            &dashboard_url(range.get_untracked(), next, &query_text.get_untracked()),
            Default::default(),
        );
    };
    let source_toggle = move |source: Source, id: &'static str| {
        let toggle = toggle_source.clone();
        view! {
            <label class="source-toggle">
                <input type="checkbox" id=id prop:checked=move || shown.get().shows(source) on:change=move |_| toggle(source)/>
                " " {source.label()}
            </label>
        }
    };

    let query_navigate = navigate.clone();
    let apply_query = move |text: String| {
        query_navigate(
            &dashboard_url(range.get_untracked(), shown.get_untracked(), &text),
            Default::default(),
        );
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

    let source_panel = move |source: Source, name: &'static str| {
        let (state, _) = slot(source);
        let progress = Signal::derive(move || state.with(SourceState::progress));
        let load = load.clone();
        move || match state.get() {
            SourceState::Blocked => view! {
                <p class="source-off">{name} ": not loaded until the query's mistake is fixed."</p>
            }
            .into_any(),
            SourceState::NotConnected => {
                view! { <p class="source-off">{name} ": not connected in this session."</p> }
                    .into_any()
            }
            SourceState::Loading(_) | SourceState::Loaded(_) => {
                view! { <LoadProgress name=name progress=progress/> }.into_any()
            }
            SourceState::Failed(_, error) => {
                let load = load.clone();
                let retry = move || {
                    if let (Some(window), Ok(query)) =
                        (window.get_untracked(), parsed_query.get_untracked())
                    {
                        load(
                            source,
                            window,
                            Some(query).filter(|q| !q.constraints.is_empty()),
                        );
                    }
                };
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
            <nav class="ranges" aria-label="Time range">
                {RangePreset::ALL
                    .into_iter()
                    .map(|preset| {
                        let choose = choose_range.clone();
                        view! {
                            <button type="button" aria-pressed=move || (range.get() == preset).to_string()
                                on:click=move |_| choose(preset)>{preset.label()}</button>
                        }
                    })
                    .collect_view()}
                <span class="window">{window_words}</span>
            </nav>
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
            <EventTable events=Signal::from(events) limit=TABLE_ROWS offset=offset/>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_round_trips_through_the_url_and_defaults_to_a_day() {
        for preset in RangePreset::ALL {
            assert_eq!(RangePreset::from_query(Some(preset.as_query())), preset);
        }
        assert_eq!(RangePreset::from_query(None), RangePreset::Day);
        assert_eq!(RangePreset::from_query(Some("forever")), RangePreset::Day);
    }

    #[test]
    fn source_filter_round_trips_and_never_hides_everything() {
        for filter in [
            SourceFilter::BOTH,
            SourceFilter {
                octopai: true,
                cloudera: false,
            },
            SourceFilter {
                octopai: false,
                cloudera: true,
            },
        ] {
            assert_eq!(SourceFilter::from_query(filter.as_query()), filter);
        }
        assert_eq!(
            SourceFilter::from_query(Some("nonsense")),
            SourceFilter::BOTH
        );
        let only_octopai = SourceFilter::BOTH.toggled(Source::ClouderaManager);
        assert_eq!(only_octopai.as_query(), Some("octopai"));
        assert_eq!(
            only_octopai.toggled(Source::Octopai),
            only_octopai,
            "the last source cannot be hidden"
        );
        assert_eq!(
            dashboard_url(RangePreset::Week, only_octopai, ""),
            "/dashboard?range=7d&sources=octopai"
        );
        assert_eq!(
            dashboard_url(RangePreset::Day, SourceFilter::BOTH, ""),
            "/dashboard?range=24h"
        );
        assert_eq!(
            dashboard_url(
                RangePreset::Day,
                SourceFilter::BOTH,
                "username==a b;source==*x*"
            ),
            "/dashboard?range=24h&q=username%3D%3Da%20b%3Bsource%3D%3D%2Ax%2A"
        );
    }
}
