//! Usage over periods other than the window shown, each loaded from
//! Octopai for the purpose with the view's query, with progress: the
//! period of equal length before the window (every usage figure is
//! compared with it) and a retention lookback (`&retention=week:8`).
//!
//! Each loads while the usage panel is open and its window differs from
//! the one held; a live view keeps what it has until its window has slid
//! by a tenth of its length. They are reads the person asked for, so they
//! renew the session as the loads do; one refused as the session's end
//! asks to log in once and comes back to the view. A failed load is said,
//! with a way to try again, and never shown as zero.

use audit_core::plan::QueryPlan;
use audit_core::{Rows, Source, TimeWindow};
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;

use audit_core::retention::retention;

use super::loads::SourceLoads;
use super::shown::Narrowing;
use super::view::ViewHandle;
use crate::components::period_compare::Previous;
use crate::components::retention_panel::RetentionShown;
use crate::components::usage_panel::usage;
use crate::loader;
use crate::recent::memo_recent;

/// One extra load's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Extra {
    #[default]
    None,
    Loading {
        window: TimeWindow,
        received: u64,
    },
    /// `rows` complete from `held_from` on: the window's start, or later
    /// when the cap on events held kept only the newest.
    Ready {
        window: TimeWindow,
        rows: Rows,
        held_from: DateTime<Utc>,
    },
    Failed {
        window: TimeWindow,
        error: String,
    },
}

impl Extra {
    pub fn window(&self) -> Option<TimeWindow> {
        match self {
            Extra::None => None,
            Extra::Loading { window, .. }
            | Extra::Ready { window, .. }
            | Extra::Failed { window, .. } => Some(*window),
        }
    }
}

/// An Octopai load beside the view's own. Copy it freely.
#[derive(Clone, Copy)]
pub struct ExtraLoad {
    pub state: RwSignal<Extra>,
    /// Each load's number: an older one's answer is dropped.
    number: StoredValue<u64>,
    loads: SourceLoads,
}

impl ExtraLoad {
    pub fn new(loads: SourceLoads) -> Self {
        ExtraLoad {
            state: RwSignal::new(Extra::None),
            number: StoredValue::new(0),
            loads,
        }
    }

    /// Loads its window again (after a failure, on request).
    pub fn retry(self) {
        if let Some(window) = self.state.with_untracked(Extra::window) {
            self.load(window);
        }
    }

    /// Drops what is held or loading.
    pub fn forget(self) {
        self.number.update_value(|n| *n += 1);
        self.state.set(Extra::None);
    }

    /// Keeps `wanted` loaded: loads it unless it is held, loading or has
    /// failed (tried again on request), or, in a live view, unless what is
    /// held is within a tenth of its length of it.
    pub fn keep(self, wanted: TimeWindow, live: bool) {
        let held = self.state.with_untracked(Extra::window);
        let close = held.is_some_and(|held| {
            held == wanted
                || (live
                    && held.length() == wanted.length()
                    && (wanted.start() - held.start()).abs() < held.length() / 10)
        });
        if !close {
            self.load(wanted);
        }
    }

    /// Loads Octopai's events of `window` with the view's query.
    pub fn load(self, window: TimeWindow) {
        let (Some(client), Some(branches)) = (self.loads.asked_client(), self.loads.branches())
        else {
            return;
        };
        if !self.loads.connected(Source::Octopai) {
            self.state.set(Extra::Failed {
                window,
                error: "Octopai is not connected in this session".into(),
            });
            return;
        }
        self.number.update_value(|n| *n += 1);
        let mine = self.number.get_value();
        let current = move || self.number.try_get_value() == Some(mine);
        self.state.set(Extra::Loading {
            window,
            received: 0,
        });
        let state = self.state;
        let (cap, loads) = (self.loads.cap_now(), self.loads);
        leptos::task::spawn_local(async move {
            let plan = QueryPlan::for_source(Source::Octopai, &branches);
            let mut capped = false;
            let (rows, error) = loader::load_source(
                &client,
                Source::Octopai,
                window,
                &plan,
                cap,
                |progress| {
                    capped |= progress.at_least.is_some();
                    if current() {
                        state.set(Extra::Loading {
                            window,
                            received: progress.received,
                        });
                    }
                },
                |_| {},
            )
            .await;
            if !current() {
                return;
            }
            if error.as_ref().is_some_and(|error| error.needs_login()) {
                loads.expired();
                return;
            }
            state.set(match error {
                Some(error) => Extra::Failed {
                    window,
                    error: error.to_string(),
                },
                None => Extra::Ready {
                    held_from: match capped {
                        true => rows.last().map_or(window.end(), |oldest| oldest.at),
                        false => window.start(),
                    },
                    window,
                    rows,
                },
            });
        });
    }
}

/// The usage panel's other periods: each load, and what is shown of it.
#[derive(Clone, Copy)]
pub struct UsagePeriods {
    pub previous_load: ExtraLoad,
    pub lookback_load: ExtraLoad,
    pub previous: Memo<Previous>,
    pub retention: Memo<RetentionShown>,
}

/// Narrows the view to a retention cohort's people. Retention reads its
/// own load, unmasked: in privacy mode they go in as pseudonyms.
pub fn narrow_to_cohort(view: ViewHandle) -> Callback<Vec<String>> {
    let privacy = view.privacy;
    Callback::new(move |people: Vec<String>| {
        let people = match view.view.with_untracked(|v| v.private) {
            true => people.iter().map(|person| privacy.person(person)).collect(),
            false => people,
        };
        view.edit(|next| next.people = Some(people));
    })
}

/// What of `rows` the usage figures count: narrowed as the window's
/// events are.
fn narrowed(rows: &Rows, narrowing: &Narrowing) -> Rows {
    match narrowing.is_none() {
        true => rows.clone(),
        false => rows.select(|e| narrowing.keeps(e)),
    }
}

/// Keeps the previous period and the retention lookback loaded while the
/// usage panel is `open`, and counts them as the window's usage is.
pub fn use_usage_periods(
    view: ViewHandle,
    loads: SourceLoads,
    query: Memo<String>,
    open: RwSignal<bool>,
) -> UsagePeriods {
    let previous_load = ExtraLoad::new(loads);
    let lookback_load = ExtraLoad::new(loads);
    let current = view.view;
    // Another query forgets both (they are Octopai's alone: the sources
    // shown do not change them).
    Effect::new(move |seen: Option<()>| {
        query.track();
        if seen.is_some() {
            previous_load.forget();
            lookback_load.forget();
        }
    });
    Effect::new(move || {
        let (Some(window), true) = (loads.window.get(), open.get()) else {
            return;
        };
        if loads.loading() {
            return;
        }
        let (live, asked, zone) = current.with(|v| (v.live.is_some(), v.retention, v.zone));
        untrack(|| {
            if let Ok(before) = TimeWindow::new(window.start() - window.length(), window.start()) {
                previous_load.keep(before, live);
            }
            match asked {
                Some(lookback) => {
                    lookback_load.keep(lookback.load_window(window.end(), &zone), live)
                }
                None => lookback_load.forget(),
            }
        });
    });
    // These loads are not masked in privacy mode: a funnel step's people
    // (pseudonyms then) are narrowed to by their real names.
    let privacy = view.privacy;
    let narrowing = Memo::new(move |_| {
        current.with(|v| match v.private {
            true => Narrowing::of(v, |person| privacy.unmask(person).0),
            false => Narrowing::of(v, str::to_owned),
        })
    });
    let previous = memo_recent(
        1,
        move || {
            let (idle, routes, zone) = current.with(|v| (v.idle_minutes, v.routes, v.zone));
            (
                previous_load.state.get(),
                narrowing.get(),
                idle,
                routes,
                zone,
            )
        },
        |(state, narrowing, idle, routes, zone)| match state {
            Extra::None => Previous::None,
            Extra::Loading { window, received } => Previous::Loading {
                window: *window,
                received: *received,
            },
            Extra::Failed { window, error } => Previous::Failed {
                window: *window,
                error: error.clone(),
            },
            Extra::Ready { window, rows, .. } => {
                let rows = narrowed(rows, narrowing);
                match rows.iter().any(|e| e.source == Source::Octopai) {
                    false => Previous::Empty { window: *window },
                    true => Previous::Ready {
                        window: *window,
                        usage: usage(&rows, window, *idle, routes, zone),
                    },
                }
            }
        },
    );
    let retention = memo_recent(
        1,
        move || {
            let (asked, zone) = current.with(|v| (v.retention, v.zone));
            // Whether the load holds all of Octopai's events: only then
            // does its oldest say where Octopai's begin.
            let all = query.with(String::is_empty);
            (lookback_load.state.get(), narrowing.get(), asked, zone, all)
        },
        |(state, narrowing, asked, zone, all)| {
            let Some(lookback) = asked else {
                return RetentionShown::Off;
            };
            match state {
                Extra::None => RetentionShown::Off,
                Extra::Loading { window, received } => RetentionShown::Loading {
                    window: *window,
                    received: *received,
                },
                Extra::Failed { window, error } => RetentionShown::Failed {
                    window: *window,
                    error: error.clone(),
                },
                // Loaded for another lookback: the one asked for is coming.
                Extra::Ready { window, .. }
                    if lookback.load_window(window.end(), zone).start() != window.start() =>
                {
                    RetentionShown::Loading {
                        window: lookback.load_window(window.end(), zone),
                        received: 0,
                    }
                }
                Extra::Ready {
                    window,
                    rows,
                    held_from,
                } => {
                    // The oldest event held (lists are newest first).
                    let first = rows.last().map(|oldest| oldest.at).filter(|_| *all);
                    let rows = narrowed(rows, narrowing);
                    match retention(&rows, *lookback, window.end(), *held_from, zone) {
                        Ok(retention) => RetentionShown::Ready {
                            window: *window,
                            retention,
                            // More than a weekend's quiet after the start.
                            begins_late: first
                                .filter(|first| *first > window.start() + Duration::days(3)),
                        },
                        Err(why) => RetentionShown::CutShort(why.to_string()),
                    }
                }
            }
        },
    );
    UsagePeriods {
        previous_load,
        lookback_load,
        previous,
        retention,
    }
}
