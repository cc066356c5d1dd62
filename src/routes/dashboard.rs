//! The dashboard: loads the view's time range from every connected source
//! (the window's end pinned when the load starts), shows progress per
//! source, the summary tiles, lookups, detections, the charts, the export
//! and every event. What is shown lives in the URL ([`crate::view_state`]),
//! so reload, back/forward and a pasted link restore it.

use std::collections::HashSet;

use audit_core::alternatives::{self, with_clause};
use audit_core::analytics::{self, Buckets, OutcomeBucket};
use audit_core::detect;
use audit_core::query::{Comparator, Query};
use audit_core::usage;
use audit_core::{AuditEvent, Source, TimeWindow};
use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::ApiError;
use crate::charts;
use crate::components::chart_figure::{ChartFigure, DataTable, Pointing};
use crate::components::detections::{DetectionList, ThresholdForm};
use crate::components::error_view::ErrorView;
use crate::components::event_detail::{filter_clause, EventDetail};
use crate::components::event_table::EventTable;
use crate::components::export_bar::ExportBar;
use crate::components::import_file::ImportFile;
use crate::components::load_progress::LoadProgress;
use crate::components::lookup_panel::{look_up, LookupForm, LookupPanel};
use crate::components::query_bar::{known_values, QueryBar};
use crate::components::range_picker::RangePicker;
use crate::components::usage_panel::{usage, UsagePanel};
use crate::format::{format_count, format_time, format_window};
use crate::loader::{self, SourceProgress};
use crate::view_state::{DashboardView, DisplayZone, Focus, TimeRange};
use crate::{use_offline, use_session};

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
/// Bars in the top-N charts.
const TOP_N: usize = 10;
/// A top-N ranking from `audit_core::analytics`.
type Ranking = fn(&[AuditEvent], usize) -> Vec<(String, u32)>;
const ZOOM_HINT: &str =
    "Hover for exact counts; click a bar to show its time, or drag across to zoom.";

/// What a load depends on: the range, the query's branches, the cap,
/// whether the link itself was unusable, and the file opened offline.
type LoadInputs = (
    TimeRange,
    Result<Vec<Query>, Vec<audit_core::query::Diagnostic>>,
    usize,
    Option<String>,
    Option<u64>,
);

/// The window an offline file is shown in: an absolute range as chosen,
/// otherwise (a preset, relative to now) the whole file.
fn offline_window(range: TimeRange, events: &[AuditEvent]) -> Result<TimeWindow, String> {
    if let TimeRange::Absolute { start, end } = range {
        return TimeWindow::new(start, end);
    }
    let newest = events.first().map(|e| e.at);
    let oldest = events.last().map(|e| e.at);
    match (oldest, newest) {
        (Some(oldest), Some(newest)) => {
            TimeWindow::new(oldest, newest + chrono::Duration::milliseconds(1))
        }
        _ => Err("the file holds no events.".into()),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    let offline = use_offline();
    let navigate = use_navigate();
    let query = use_query_map();

    // Not logged in: to the login page.
    // Set when this page itself sends the user to log in (with a reason and
    // a way back), so ending the session does not send them a second time.
    let leaving = StoredValue::new(false);
    let to_login = navigate.clone();
    // A link opened without a session (another tab, another browser)
    // comes back to the same view after logging in.
    Effect::new(move || {
        if session.0.with(Option::is_none)
            && offline.0.with(Option::is_none)
            && !leaving.get_value()
        {
            let here = query
                .with_untracked(|q| DashboardView::from_params(|name| q.get(name)))
                .map(|view| view.to_url())
                .unwrap_or_else(|_| "/dashboard".to_owned());
            to_login(
                &format!(
                    "/login?next={}",
                    audit_core::cloudera::percent_encode(&here)
                ),
                Default::default(),
            );
        }
    });

    let view_result =
        Memo::new(move |_| query.with(|q| DashboardView::from_params(|name| q.get(name))));
    let view = Memo::new(move |_| view_result.get().unwrap_or_default());
    let link_problem = Memo::new(move |_| view_result.get().err());
    let query_text = Memo::new(move |_| view.with(|v| v.query.clone()));
    // The query's AND-branches, each one request to Cloudera Manager.
    let parsed_query = Memo::new(move |_| {
        query_text.with(|text| {
            alternatives::parse_alternatives(text).map(|branches| {
                branches
                    .into_iter()
                    .filter(|q| !q.constraints.is_empty())
                    .collect::<Vec<Query>>()
            })
        })
    });
    let shown = Memo::new(move |_| view.with(|v| v.sources));
    let time_range = Memo::new(move |_| view.with(|v| v.range));
    let zone = Memo::new(move |_| view.with(|v| v.zone));
    let cap = Memo::new(move |_| view.with(|v| v.cap));
    let go_navigate = navigate.clone();
    let go = move |next: DashboardView| go_navigate(&next.to_url(), Default::default());
    let filter_go = go.clone();
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

    // However many requests fail at once, the user is asked to log in once,
    // and comes back to this view with its window frozen, so the same
    // events load again.
    let expired_navigate = navigate.clone();
    let on_expired = move || {
        if session.0.with_untracked(Option::is_none) || leaving.get_value() {
            return;
        }
        leaving.set_value(true);
        let mut back = view.get_untracked();
        if let Some(pinned) = window.get_untracked() {
            back.range = TimeRange::Absolute {
                start: pinned.start(),
                end: pinned.end(),
            };
        }
        expired_navigate(
            &format!(
                "/login?reason=expired&next={}",
                audit_core::cloudera::percent_encode(&back.to_url())
            ),
            Default::default(),
        );
        session.end();
    };

    // Loads one source into its slot, unless a newer load has started since.
    let load = move |source: Source, window: TimeWindow, branches: Vec<Query>| {
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
                &branches,
                cap.get_untracked(),
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
            // No page waits to be tried again once the load has ended.
            let progress = SourceProgress {
                retrying: None,
                ..state.with_untracked(SourceState::progress)
            };
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

    // A new load whenever the range, query or cap changes (and on first
    // show). The router can announce an unchanged view again just after the
    // page appears; the same inputs as last time load nothing new.
    let range_load = load.clone();
    Effect::new(move |previous: Option<Option<LoadInputs>>| {
        let inputs = (
            time_range.get(),
            parsed_query.get(),
            cap.get(),
            link_problem.get(),
            offline.0.with(|file| file.as_ref().map(|file| file.id)),
        );
        let offline_file = inputs.4.is_some();
        let current = session.0.get_untracked();
        if current.is_none() && !offline_file {
            return None;
        }
        if previous.flatten().as_ref() == Some(&inputs) {
            return Some(inputs);
        }
        let (range, parsed, _, link_problem, _) = inputs.clone();
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
        let pinned = if offline_file {
            offline.0.with_untracked(|file| {
                offline_window(range, file.as_ref().map_or(&[][..], |f| &f.imported.events))
            })
        } else {
            range.window(Utc::now())
        };
        let ready = match (link_problem, parsed, pinned) {
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
                return Some(inputs);
            }
        };
        window.set(Some(pinned));
        if offline_file {
            // The file's events in the window that match the query, here:
            // nothing is fetched.
            offline.0.with_untracked(|file| {
                let Some(file) = file else { return };
                for (source, state, events) in [
                    (Source::Octopai, octopai_state, octopai_events),
                    (Source::ClouderaManager, cloudera_state, cloudera_events),
                ] {
                    let kept: Vec<AuditEvent> = file
                        .imported
                        .events
                        .iter()
                        .filter(|e| e.source == source && pinned.contains(e.at))
                        .filter(|e| alternatives::any_matches(&parsed, e))
                        .cloned()
                        .collect();
                    if file.imported.events.iter().any(|e| e.source == source) {
                        state.set(SourceState::Loaded(SourceProgress {
                            received: kept.len() as u64,
                            finished: true,
                            ..SourceProgress::default()
                        }));
                    } else {
                        state.set(SourceState::Blocked("not in this file.".into()));
                    }
                    events.set(kept);
                }
            });
            return Some(inputs);
        }
        let Some(current) = current else {
            return Some(inputs);
        };
        if current.octopai.is_some() {
            range_load(Source::Octopai, pinned, parsed.clone());
        }
        if current.cloudera.is_some() {
            range_load(Source::ClouderaManager, pinned, parsed);
        }
        Some(inputs)
    });

    // Every loaded event of the shown sources, newest first.
    let loaded = Memo::new(move |_| {
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
    let thresholds = Memo::new(move |_| view.with(|v| v.thresholds));
    // What the query bar completes values from.
    let known = Memo::new(move |_| loaded.with(|events| known_values(events, 200)));
    // Detections look at everything loaded, whatever flag or tile narrows
    // the view.
    let detections =
        Memo::new(move |_| loaded.with(|events| detect::detect(events, &thresholds.get())));
    let flag = Memo::new(move |_| view.with(|v| v.flag.clone()));
    let focus = Memo::new(move |_| view.with(|v| v.focus));
    let active_flag = Memo::new(move |_| {
        flag.get()
            .and_then(|key| detections.with(|flags| flags.iter().find(|f| f.key() == key).cloned()))
    });
    // A support lookup: the person or address, and the events it covers.
    let lookup = Memo::new(move |_| {
        let (who, alias) = view.with(|v| (v.who.clone(), v.alias.clone()));
        let who = who?;
        let found = loaded.with(|events| look_up(events, &who, alias.as_deref()));
        Some((who, alias, found))
    });
    // What the charts, tiles and table show: the loaded events, narrowed to
    // a lookup's, one flag's events and a tile's focus when those are chosen.
    let events = Memo::new(move |_| {
        let looked_up: Option<HashSet<String>> = lookup.with(|lookup| {
            lookup
                .as_ref()
                .map(|(_, _, found)| found.event_ids().iter().cloned().collect())
        });
        let only: Option<HashSet<String>> = match (flag.get(), active_flag.get()) {
            (Some(_), Some(found)) => Some(found.event_ids.into_iter().collect()),
            // A flag that is not (or not yet) among the detections shows
            // nothing rather than everything, and says so.
            (Some(_), None) => Some(HashSet::new()),
            (None, _) => None,
        };
        let focus = focus.get();
        loaded.with(|events| {
            events
                .iter()
                .filter(|e| only.as_ref().is_none_or(|ids| ids.contains(&e.id)))
                .filter(|e| looked_up.as_ref().is_none_or(|ids| ids.contains(&e.id)))
                .filter(|e| focus.is_none_or(|focus| focus.keeps(e)))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let buckets = Memo::new(move |_| {
        window
            .get()
            .map(|window| Buckets::for_chart(window, CHART_BUCKETS, &zone.get()))
    });
    let totals = Memo::new(move |_| events.with(|events| analytics::totals(events)));

    let zoom_history = RwSignal::new(Vec::<TimeRange>::new());
    let zoom_go = go.clone();
    let zoom_to = move |target: TimeWindow| {
        let current = view.get_untracked();
        zoom_history.update(|history| history.push(current.range));
        zoom_go(DashboardView {
            range: TimeRange::Absolute {
                start: target.start(),
                end: target.end(),
            },
            ..current
        });
    };
    let reset_go = go.clone();
    let reset_zoom = move |_| {
        let Some(previous) = zoom_history.try_update(Vec::pop).flatten() else {
            return;
        };
        reset_go(DashboardView {
            range: previous,
            ..view.get_untracked()
        });
    };
    let pick_bucket = {
        let zoom_to = zoom_to.clone();
        Callback::new(move |index: usize| {
            if let Some(buckets) = buckets.get_untracked() {
                zoom_to(buckets.bucket_window(index.min(buckets.count() - 1)));
            }
        })
    };
    let pick_span = {
        let zoom_to = zoom_to.clone();
        Callback::new(move |(from, to): (f64, f64)| {
            let Some(buckets) = buckets.get_untracked() else {
                return;
            };
            let at = |fraction: f64| {
                let position = fraction * buckets.count() as f64;
                let index = (position.floor() as usize).min(buckets.count() - 1);
                let start = buckets.bucket_start(index);
                let length = (buckets.bucket_end(index) - start).num_milliseconds() as f64;
                start
                    + chrono::Duration::milliseconds(
                        ((position - index as f64).min(1.0) * length) as i64,
                    )
            };
            if let Ok(target) = TimeWindow::new(at(from), at(to)) {
                zoom_to(target);
            }
        })
    };
    let bucket_count =
        Signal::derive(move || buckets.with(|b| b.as_ref().map_or(0, Buckets::count)));
    // A bucket's start and end as shown (in the display zone).
    let bucket_times = move |index: usize| {
        buckets
            .with(|b| {
                b.as_ref().map(|b| {
                    let zone = zone.get_untracked();
                    (
                        format_time(b.bucket_start(index), &zone),
                        format_time(b.bucket_end(index), &zone),
                    )
                })
            })
            .unwrap_or_default()
    };
    let span_words = move |index: usize| {
        let (from, to) = bucket_times(index);
        format!("{from} to {to}")
    };

    // One stacked outcome chart: its drawing, its table and its hover text.
    let outcome_chart = move |series: fn(&[AuditEvent], &Buckets) -> Vec<OutcomeBucket>,
                              colors: (plotters::style::RGBColor, plotters::style::RGBColor),
                              words: (&'static str, &'static str),
                              y_desc: &'static str| {
        let data = Memo::new(move |_| {
            buckets
                .get()
                .map(|buckets| events.with(|events| series(events, &buckets)))
        });
        let drawn = Signal::derive(move || match (data.get(), buckets.get()) {
            (Some(data), Some(buckets)) => {
                charts::stacked_outcomes_svg(&data, &buckets, &zone.get(), colors, y_desc)
            }
            _ => Err("no time range yet".into()),
        });
        let table = Signal::derive(move || DataTable {
            columns: vec!["From".into(), "To".into(), words.0.into(), words.1.into()],
            rows: data.with(|data| {
                data.iter()
                    .flatten()
                    .enumerate()
                    .map(|(index, bucket)| {
                        let (from, to) = bucket_times(index);
                        vec![from, to, bucket.failed.to_string(), bucket.ok.to_string()]
                    })
                    .collect()
            }),
        });
        let describe = Callback::new(move |index: usize| {
            let counts = data.with(|data| {
                data.as_ref()
                    .and_then(|data| data.get(index))
                    .map(|b| format!("{} {}, {} {}", b.failed, words.0, b.ok, words.1))
            });
            format!("{}: {}", span_words(index), counts.unwrap_or_default())
        });
        let drawn_from = Signal::derive(move || {
            data.with(|data| {
                data.iter()
                    .flatten()
                    .map(|b| u64::from(b.ok + b.failed))
                    .sum::<u64>()
            })
        });
        (drawn, table, describe, drawn_from)
    };
    let (octopai_logins_svg, octopai_logins_table, octopai_logins_describe, octopai_logins_from) =
        outcome_chart(
            |events, buckets| analytics::login_outcomes(events, buckets, Some(Source::Octopai)),
            (charts::FAILED_COLOR, charts::SUCCEEDED_COLOR),
            ("failed", "succeeded"),
            "logins",
        );
    let (cm_logins_svg, cm_logins_table, cm_logins_describe, cm_logins_from) = outcome_chart(
        |events, buckets| analytics::login_outcomes(events, buckets, Some(Source::ClouderaManager)),
        (charts::FAILED_COLOR, charts::SUCCEEDED_COLOR),
        ("failed", "succeeded"),
        "logins",
    );
    let (operations_svg, operations_table, operations_describe, operations_from) = outcome_chart(
        analytics::operation_outcomes,
        (charts::DENIED_COLOR, charts::ALLOWED_COLOR),
        ("denied", "allowed"),
        "operations",
    );
    let columns = |describe: Callback<usize, String>| Pointing::Columns {
        count: bucket_count,
        describe,
        on_pick: pick_bucket,
        on_span: pick_span,
    };

    let activity = Memo::new(move |_| {
        buckets
            .get()
            .map(|buckets| events.with(|events| analytics::activity_timeline(events, &buckets)))
    });
    let activity_svg = Signal::derive(move || match (activity.get(), buckets.get()) {
        (Some(series), Some(buckets)) => {
            charts::activity_timeline_svg(&series, &buckets, &zone.get())
        }
        _ => Err("no time range yet".into()),
    });
    // A time chart's data table and hover text, for two counts per bucket.
    let pair_table = move |pairs: Memo<Option<Vec<(u32, u32)>>>,
                           columns: [&'static str; 2],
                           words: fn(u32, u32) -> String| {
        let table = Signal::derive(move || DataTable {
            columns: ["From", "To", columns[0], columns[1]]
                .map(String::from)
                .to_vec(),
            rows: pairs.with(|pairs| {
                pairs
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(index, (first, second))| {
                        let (from, to) = bucket_times(index);
                        vec![from, to, first.to_string(), second.to_string()]
                    })
                    .collect()
            }),
        });
        let describe = Callback::new(move |index: usize| {
            let counts = pairs.with(|pairs| {
                pairs
                    .as_ref()
                    .and_then(|pairs| pairs.get(index))
                    .map(|(first, second)| words(*first, *second))
            });
            format!("{}: {}", span_words(index), counts.unwrap_or_default())
        });
        (table, describe)
    };
    let (activity_table, activity_describe) = pair_table(
        Memo::new(move |_| {
            activity.with(|series| {
                series
                    .as_ref()
                    .map(|series| series.iter().map(|b| (b.octopai, b.cloudera)).collect())
            })
        }),
        ["Octopai", "Cloudera Manager"],
        |octopai, cloudera| format!("{octopai} Octopai, {cloudera} Cloudera Manager events"),
    );

    // Usage over time: page loads, and distinct active users, per bucket.
    let usage_series = Memo::new(move |_| {
        buckets
            .get()
            .map(|buckets| events.with(|events| usage::usage_timeline(events, &buckets)))
    });
    let usage_line = move |count: fn(&usage::UsageBucket) -> u32, color| {
        Signal::derive(move || match (usage_series.get(), buckets.get()) {
            (Some(series), Some(buckets)) => charts::lines_svg(
                &[(series.iter().map(count).collect(), color)],
                &buckets,
                &zone.get(),
                "",
            ),
            _ => Err("no time range yet".into()),
        })
    };
    let page_loads_svg = usage_line(|b| b.page_loads, charts::OCTOPAI_COLOR);
    let active_users_svg = usage_line(|b| b.active_users, charts::USERS_COLOR);
    let (usage_table, usage_describe) = pair_table(
        Memo::new(move |_| {
            usage_series.with(|series| {
                series.as_ref().map(|series| {
                    series
                        .iter()
                        .map(|b| (b.page_loads, b.active_users))
                        .collect()
                })
            })
        }),
        ["Page loads", "Active users"],
        |loads, users| format!("{loads} page loads, {users} active users"),
    );
    let page_loads_from = Signal::derive(move || {
        usage_series.with(|series| {
            series
                .iter()
                .flatten()
                .map(|b| u64::from(b.page_loads))
                .sum::<u64>()
        })
    });

    let page_loads_pointing = columns(usage_describe);
    let active_users_pointing = columns(usage_describe);

    // The top-N charts: a click on a bar filters by that account or address.
    let ranked_chart = move |rank: Ranking, what: &'static str, field: &'static str| {
        let items = Memo::new(move |_| events.with(|events| rank(events, TOP_N)));
        let drawn = Signal::derive(move || {
            items.with(|items| charts::ranked_bars_svg(items, charts::FAILED_COLOR))
        });
        let table = Signal::derive(move || DataTable {
            columns: vec![what.into(), "Failed logins".into()],
            rows: items.with(|items| {
                items
                    .iter()
                    .map(|(name, count)| vec![name.clone(), count.to_string()])
                    .collect()
            }),
        });
        let describe = Callback::new(move |index: usize| {
            items.with(|items| {
                items
                    .get(index)
                    .map(|(name, count)| {
                        format!("{name}: {count} failed logins; click to filter by it")
                    })
                    .unwrap_or_default()
            })
        });
        let filter_go = filter_go.clone();
        let on_pick = Callback::new(move |index: usize| {
            if let Some((name, _)) = items.with_untracked(|items| items.get(index).cloned()) {
                let current = view.get_untracked();
                // A value the query language cannot spell is not offered.
                if let Some(clause) = filter_clause(field, &name, Comparator::Equal) {
                    filter_go(DashboardView {
                        query: with_clause(&current.query, &clause),
                        ..current
                    });
                }
            }
        });
        let count = Signal::derive(move || items.with(Vec::len));
        let drawn_from = Signal::derive(move || {
            items.with(|items| items.iter().map(|(_, c)| u64::from(*c)).sum())
        });
        (
            drawn,
            table,
            Pointing::Rows {
                count,
                describe,
                on_pick,
            },
            drawn_from,
        )
    };
    let (accounts_svg, accounts_table, accounts_pointing, accounts_from) =
        ranked_chart(analytics::top_failing_accounts, "Account", "username");
    let (ips_svg, ips_table, ips_pointing, ips_from) =
        ranked_chart(analytics::top_failing_ips, "Address", "ipAddress");

    let heat =
        Memo::new(move |_| events.with(|events| analytics::hour_by_weekday(events, &zone.get())));
    let heat_svg = Signal::derive(move || heat.with(charts::heat_map_svg));
    let heat_table = Signal::derive(move || DataTable {
        columns: std::iter::once("Day".to_owned())
            .chain((0..24).map(|hour| format!("{hour:02}")))
            .collect(),
        rows: heat.with(|cells| {
            cells
                .iter()
                .zip(charts::WEEKDAYS)
                .map(|(hours, day)| {
                    std::iter::once(day.to_owned())
                        .chain(hours.iter().map(u32::to_string))
                        .collect()
                })
                .collect()
        }),
    });

    let events_drawn_from = Signal::derive(move || events.with(Vec::len) as u64);
    let bucket_words = move || buckets.get().map(|b| b.step.describe()).unwrap_or_default();
    let window_words = move || {
        window
            .get()
            .map(|w| format_window(&w, &zone.get()))
            .unwrap_or_default()
    };
    let label = move |what: &'static str| {
        Signal::derive(move || format!("{what} per {}, {}", bucket_words(), window_words()))
    };
    let octopai_logins_label = label("Octopai logins: failed and successful logins");
    let cm_logins_label = label("Cloudera Manager logins: failed and successful logins");
    let operations_label = label("Cloudera Manager operations: denied and allowed operations");
    let activity_label = label("Activity timeline: events for each source");
    let page_loads_label = label("Page loads: Octopai page loads");
    let active_users_label =
        label("Active users: distinct Octopai users with a login or page load");
    let accounts_label = Signal::derive(move || {
        format!("Top failing accounts: the {TOP_N} accounts with the most failed logins, both sources, {}", window_words())
    });
    let ips_label = Signal::derive(move || {
        format!("Top failing addresses: the {TOP_N} source addresses with the most failed logins, both sources, {}", window_words())
    });
    let heat_label = Signal::derive(move || {
        let zone_words = match zone.get() {
            DisplayZone::Utc => "UTC",
            DisplayZone::Local => "local time",
        };
        format!("Activity by hour and weekday: events per hour of day and day of week in {zone_words}, {}", window_words())
    });

    let loading = Memo::new(move |_| {
        [octopai_state, cloudera_state]
            .iter()
            .any(|state| state.with(|state| matches!(state, SourceState::Loading(_))))
    });
    // Tiles, flags and thresholds: each a change of the URL.
    let tile_url = move |focus: Option<Focus>| {
        DashboardView {
            focus,
            flag: None,
            ..view.get()
        }
        .to_url()
    };
    let flag_go = go.clone();
    let show_flag = Callback::new(move |key: Option<String>| {
        flag_go(DashboardView {
            flag: key,
            ..view.get_untracked()
        })
    });
    let all_go = go.clone();
    let show_all = move |_| {
        all_go(DashboardView {
            flag: None,
            focus: None,
            ..view.get_untracked()
        })
    };
    let thresholds_go = go.clone();
    let apply_thresholds = Callback::new(move |thresholds| {
        thresholds_go(DashboardView {
            thresholds,
            ..view.get_untracked()
        })
    });
    let narrowing = Memo::new(move |_| {
        let shown = events.with(Vec::len);
        match (flag.get(), active_flag.get(), focus.get()) {
            (Some(_), Some(found), _) => Some(format!(
                "Showing only the {} events of the flag {}: {}.",
                format_count(shown as u64),
                found.kind.label(),
                found.subject
            )),
            (Some(_), None, _) => Some(if loading.get() {
                "The flag in this link will show once loading finishes.".to_owned()
            } else {
                "The flag in this link is not among the current detections: the loaded events or the thresholds differ from when it was made.".to_owned()
            }),
            (None, _, Some(focus)) => Some(format!(
                "Showing only {} ({}).",
                focus.label(),
                format_count(shown as u64)
            )),
            (None, _, None) => None,
        }
    });

    // Lookups: each a change of the URL.
    let lookup_suggestions = Signal::derive(move || {
        known.with(|known| {
            ["username", "ip_address"]
                .iter()
                .flat_map(|selector| known.get(selector).into_iter().flatten().take(100).cloned())
                .collect::<Vec<String>>()
        })
    });
    let lookup_go = go.clone();
    let look_up_go = Callback::new(move |who: Option<String>| {
        lookup_go(DashboardView {
            who,
            alias: None,
            ..view.get_untracked()
        })
    });
    let alias_nav = go.clone();
    let alias_go = Callback::new(move |alias: Option<String>| {
        alias_nav(DashboardView {
            alias,
            ..view.get_untracked()
        })
    });
    let close_nav = go.clone();
    let close_lookup = Callback::new(move |()| {
        close_nav(DashboardView {
            who: None,
            alias: None,
            ..view.get_untracked()
        })
    });

    // "Copy link": this view with its window frozen, so whoever opens it
    // (after logging in) sees the same events.
    let copied = RwSignal::new(None::<String>);
    let copy_link = move |_| {
        let mut frozen = view.get_untracked();
        if let Some(pinned) = window.get_untracked() {
            frozen.range = TimeRange::Absolute {
                start: pinned.start(),
                end: pinned.end(),
            };
        }
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let link = format!("{origin}{}", frozen.to_url());
        // Best effort: the link is also shown to copy by hand.
        if let Some(clipboard) = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &"navigator".into()).ok())
            .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()).ok())
            .filter(|c| !c.is_undefined())
        {
            if let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) {
                if let Some(write) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&write) {
                    let _ = write.call1(&clipboard, &link.clone().into());
                }
            }
        }
        copied.set(Some(link));
    };

    let idle_go = go.clone();
    let set_idle = Callback::new(move |minutes: u32| {
        let mut next = view.get_untracked();
        next.idle_minutes = minutes;
        idle_go(next);
    });
    let usage_now = Memo::new(move |_| {
        let window = window.get()?;
        let idle = view.with(|v| v.idle_minutes);
        Some(events.with(|events| usage(events, &window, idle)))
    });

    // What an export covers; none while loading.
    let export_scope = Signal::derive(move || {
        if loading.get() {
            return None;
        }
        let window = window.get()?;
        let current = view.get();
        let mut query = current.query.clone();
        if let Some(flag) = &current.flag {
            query.push_str(&format!(" [only the events of the flag {flag}]"));
        }
        if let Some(focus) = current.focus {
            query.push_str(&format!(" [only {}]", focus.label()));
        }
        let mut sources = Vec::new();
        let mut gaps = Vec::new();
        for (source, state) in [
            (Source::Octopai, octopai_state),
            (Source::ClouderaManager, cloudera_state),
        ] {
            if !current.sources.shows(source) {
                continue;
            }
            match state.get() {
                SourceState::Loaded(progress) => {
                    sources.push(source.label().to_owned());
                    if let Some(at_least) = progress.at_least {
                        gaps.push(format!(
                            "{} held the newest {} of at least {}.",
                            source.label(),
                            format_count(progress.received),
                            format_count(at_least)
                        ));
                    }
                }
                SourceState::Cancelled(_) => {
                    sources.push(source.label().to_owned());
                    gaps.push(format!(
                        "{} was cancelled before it finished.",
                        source.label()
                    ));
                }
                SourceState::Failed(_, _) => {
                    sources.push(source.label().to_owned());
                    gaps.push(format!("{} failed before it finished.", source.label()));
                }
                _ => {}
            }
        }
        Some(audit_core::export::Scope {
            query,
            window,
            sources,
            incomplete: (!gaps.is_empty()).then(|| gaps.join(" ")),
        })
    });

    let logout_navigate = navigate.clone();
    let logout = move |_| {
        // The gateway stops accepting the token at once; storage is
        // cleared here whether or not that request gets through.
        if let Some(token) = session.token() {
            spawn_local(async move {
                let _ = crate::api::end_session(&token).await;
            });
        }
        leaving.set_value(true);
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

    let cancel = move |_| {
        controller.with_value(|controller| {
            if let Some(controller) = controller {
                controller.abort();
            }
        })
    };

    // Closing the file goes back to live data (or, without a session, to
    // the login page).
    let close_offline = move |_| offline.0.set(None);
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
        if let (Some(window), Ok(branches)) = (window.get_untracked(), parsed_query.get_untracked())
        {
            load(source, window, branches);
        }
    };

    let source_panel = move |source: Source, name: &'static str| {
        let (state, _) = slot(source);
        let progress = Signal::derive(move || state.with(SourceState::progress));
        let reload = reload.clone();
        move || {
            match state.get() {
            SourceState::Blocked(reason) => view! {
                <p class="source-off blocked">{name} ": " {reason}</p>
            }
            .into_any(),
            SourceState::NotConnected => {
                view! { <p class="source-off">{name} ": not connected in this session."</p> }
                    .into_any()
            }
            SourceState::Loaded(SourceProgress {
                received,
                at_least: Some(at_least),
                ..
            }) => view! {
                <div>
                    <LoadProgress name=name progress=progress/>
                    <p class="capped" role="status">
                        {format!(
                            "{name}: showing the newest {} of at least {} events, the most this view holds per source. Narrow the time range or add a query to see them all.",
                            format_count(received),
                            format_count(at_least)
                        )}
                    </p>
                </div>
            }
            .into_any(),
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
        }
    };

    view! {
        <header class="top">
            <h1>"Audit trail dashboard"</h1>
            <span class="who">{who}</span>
            <Show when=move || session.0.with(Option::is_some)>
                <button type="button" id="logout" on:click=logout.clone()>"Log out"</button>
            </Show>
        </header>
        <main class="dashboard">
            {move || offline.0.with(|file| file.as_ref().map(|file| {
                let events = &file.imported.events;
                let span = match (events.last(), events.first()) {
                    (Some(oldest), Some(newest)) => format!(
                        ", from {} to {}",
                        format_time(oldest.at, &zone.get()),
                        format_time(newest.at, &zone.get())
                    ),
                    _ => String::new(),
                };
                let checked = if file.imported.window.is_some() {
                    " It matched its manifest."
                } else {
                    ""
                };
                view! {
                    <p class="offline-banner" id="offline-banner" role="status">
                        {format!(
                            "Offline: exploring {} ({}), {} events{span}.{checked} Nothing is fetched or sent; a preset range shows the whole file. ",
                            file.name,
                            file.imported.format.describe(),
                            format_count(events.len() as u64),
                        )}
                        <button type="button" id="offline-close" on:click=close_offline>"Close the file"</button>
                    </p>
                }
            }))}
            <RangePicker view=Signal::from(view) window=Signal::from(window) zone=Signal::from(zone) on_change=go.clone()/>
            {move || link_problem.get().map(|problem| view! {
                <p class="error-view" role="alert">"This link's time range cannot be used: " {problem} " Pick a range above."</p>
            })}
            <fieldset class="shown-sources">
                <legend>"Show"</legend>
                {source_toggle(Source::Octopai, "show-octopai")}
                {source_toggle(Source::ClouderaManager, "show-cloudera")}
            </fieldset>
            <QueryBar applied=Signal::from(query_text) on_apply=apply_query known_values=Signal::from(known)/>
            {move || {
                let sent: Vec<String> = parsed_query.with(|parsed| {
                    parsed.iter().flatten().map(Query::to_query_string).collect()
                });
                let words = match sent.len() {
                    0 => return None,
                    1 => "Sent to Cloudera Manager as".to_owned(),
                    n => format!("Sent to Cloudera Manager as {n} requests, merged without duplicates:"),
                };
                Some(view! {
                    <div class="sent-query">
                        <span>{words}</span>
                        <ul class="sent-queries">
                            {sent.into_iter().map(|q| view! { <li><code>"query=" {q}</code></li> }).collect_view()}
                        </ul>
                        <span>"The same query filters Octopai events here."</span>
                    </div>
                })
            }}
            <section class="sources" aria-live="polite">
                <Show when=move || loading.get()>
                    <button type="button" id="cancel-load" on:click=cancel>"Cancel loading"</button>
                </Show>
                {source_panel(Source::Octopai, "Octopai")}
                {source_panel(Source::ClouderaManager, "Cloudera Manager")}
            </section>
            <section class="tiles" aria-label="Summary">
                <a class="tile" id="tile-events" href=move || tile_url(None)><span class="value">{move || format_count(totals.get().events as u64)}</span>" events"</a>
                <a class="tile bad" id="failed-logins" href=move || tile_url(Some(Focus::FailedLogins))><span class="value">{move || format_count(totals.get().failed_logins as u64)}</span>" failed logins"</a>
                <a class="tile bad" id="failing-accounts" href=move || tile_url(Some(Focus::FailedLogins))><span class="value">{move || format_count(totals.get().failing_accounts as u64)}</span>" failing accounts"</a>
                <a class="tile bad" id="failing-ips" href=move || tile_url(Some(Focus::FailedLogins))><span class="value">{move || format_count(totals.get().failing_ips as u64)}</span>" failing addresses"</a>
                <a class="tile bad" id="denied-operations" href=move || tile_url(Some(Focus::DeniedOperations))><span class="value">{move || format_count(totals.get().denied_operations as u64)}</span>" denied operations"</a>
                <a class="tile flags" id="active-flags" href="#detections"><span class="value">{move || detections.with(Vec::len)}</span>" active flags"</a>
            </section>
            {move || narrowing.get().map(|words| view! {
                <p class="narrowed" role="status">{words} " "
                    <button type="button" id="show-all" on:click=show_all.clone()>"Show all events"</button>
                </p>
            })}
            <LookupForm current=Signal::derive(move || view.with(|v| v.who.clone())) suggestions=lookup_suggestions on_look_up=look_up_go/>
            {move || lookup.get().map(|(who, alias, found)| view! {
                <LookupPanel who=who alias=alias found=found zone=zone.get_untracked() on_alias=alias_go on_close=close_lookup/>
            })}
            <DetectionList detections=Signal::from(detections) active=Signal::from(flag) zone=Signal::from(zone)
                complete=Signal::derive(move || !loading.get()) on_show=show_flag/>
            <ThresholdForm thresholds=Signal::from(thresholds) on_apply=apply_thresholds/>
            <UsagePanel usage=Signal::from(usage_now) idle_minutes=Signal::derive(move || view.with(|v| v.idle_minutes)) on_idle=set_idle>
                <div class="usage-charts">
                    <ChartFigure title="Page loads" label=page_loads_label drawn=page_loads_svg drawn_from=page_loads_from
                        table=usage_table pointing=page_loads_pointing hint=ZOOM_HINT
                        legend=vec![("page loads", charts::css(charts::OCTOPAI_COLOR))]/>
                    <ChartFigure title="Active users" label=active_users_label drawn=active_users_svg drawn_from=page_loads_from
                        table=usage_table pointing=active_users_pointing hint=ZOOM_HINT
                        legend=vec![("active users", charts::css(charts::USERS_COLOR))]/>
                </div>
            </UsagePanel>
            <div class="chart-tools">
                <Show when=move || zoom_history.with(|h| !h.is_empty())>
                    <button type="button" id="zoom-reset" on:click=reset_zoom.clone()>"Back to the previous range"</button>
                </Show>
            </div>
            <div class="charts">
                <ChartFigure title="Octopai logins" label=octopai_logins_label drawn=octopai_logins_svg drawn_from=octopai_logins_from
                    table=octopai_logins_table pointing=columns(octopai_logins_describe) hint=ZOOM_HINT
                    legend=vec![("failed", charts::css(charts::FAILED_COLOR)), ("succeeded", charts::css(charts::SUCCEEDED_COLOR))]/>
                <ChartFigure title="Cloudera Manager logins" label=cm_logins_label drawn=cm_logins_svg drawn_from=cm_logins_from
                    table=cm_logins_table pointing=columns(cm_logins_describe) hint=ZOOM_HINT
                    legend=vec![("failed", charts::css(charts::FAILED_COLOR)), ("succeeded", charts::css(charts::SUCCEEDED_COLOR))]/>
                <ChartFigure title="Cloudera Manager operations" label=operations_label drawn=operations_svg drawn_from=operations_from
                    table=operations_table pointing=columns(operations_describe) hint=ZOOM_HINT
                    legend=vec![("denied", charts::css(charts::DENIED_COLOR)), ("allowed", charts::css(charts::ALLOWED_COLOR))]/>
                <ChartFigure title="Activity timeline" label=activity_label drawn=activity_svg drawn_from=events_drawn_from
                    table=activity_table pointing=columns(activity_describe) hint=ZOOM_HINT
                    legend=vec![("Octopai", charts::css(charts::OCTOPAI_COLOR)), ("Cloudera Manager", charts::css(charts::CLOUDERA_COLOR))]/>
                <ChartFigure title="Top failing accounts" label=accounts_label drawn=accounts_svg drawn_from=accounts_from
                    table=accounts_table pointing=accounts_pointing hint="Click a bar to filter by that account."
                    legend=vec![("failed logins", charts::css(charts::FAILED_COLOR))]/>
                <ChartFigure title="Top failing addresses" label=ips_label drawn=ips_svg drawn_from=ips_from
                    table=ips_table pointing=ips_pointing hint="Click a bar to filter by that address."
                    legend=vec![("failed logins", charts::css(charts::FAILED_COLOR))]/>
                <ChartFigure title="Activity by hour and weekday" label=heat_label drawn=heat_svg drawn_from=events_drawn_from
                    table=heat_table legend=vec![("more events: darker", charts::css(charts::OCTOPAI_COLOR))]/>
            </div>
            <div class="share">
                <button type="button" id="copy-link" on:click=copy_link>"Copy link"</button>
                {move || copied.get().map(|link| view! {
                    <label class="copied-link">"Link to this view, its time range frozen: "
                        <input type="text" readonly=true prop:value=link/>
                    </label>
                })}
            </div>
            <ExportBar events=Signal::from(events) scope=export_scope/>
            <ImportFile/>
            <EventTable events=Signal::from(events) zone=Signal::from(zone) selected=selected/>
            {move || selected_event.get().map(|event| {
                let filter_go = detail_go.clone();
                view! {
                    <EventDetail event=event zone=zone.get_untracked()
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
