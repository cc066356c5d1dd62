//! Watching for silent sources (`audit_core::detect::silence`): over the
//! loaded window when it covers three days or more; over a shorter one
//! with a baseline, the week before the window's end loaded for the
//! purpose (on request, or by itself in a live view, where it is loaded
//! again each time the window slides past it). The watch runs once every
//! load has ended: a load still arriving is not a silence.

use audit_core::detect::silence::{silent_sources, Silence, MIN_BASELINE_HOURS};
use audit_core::plan::QueryPlan;
use audit_core::{Rows, Source, TimeWindow};
use chrono::Duration;
use leptos::prelude::*;

use super::loads::SourceLoads;
use super::view::ViewHandle;
use crate::api;
use crate::loader;
use crate::recent::memo_recent;

/// The baseline loaded for a short window: a week before its end.
pub const BASELINE_DAYS: i64 = 7;

/// Where a short window's baseline stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Baseline {
    #[default]
    None,
    Loading,
    /// Each source's events of `lookback` (by [`Source::ALL`]).
    Ready {
        lookback: TimeWindow,
        parts: [Option<Rows>; 2],
    },
    Failed(String),
}

/// The watch: what it found, and the baseline it may use.
#[derive(Clone, Copy)]
pub struct SilenceWatch {
    pub silence: Memo<Silence>,
    pub baseline: RwSignal<Baseline>,
    loads: SourceLoads,
    /// Each baseline load's number: an older one's answer is dropped.
    loading: StoredValue<u64>,
}

pub fn use_silence_watch(view: ViewHandle, loads: SourceLoads) -> SilenceWatch {
    let baseline = RwSignal::new(Baseline::None);
    // A new range, query or source choice forgets the baseline.
    let basis = Memo::new(move |_| view.view.with(|v| (v.range, v.query.clone(), v.sources)));
    Effect::new(move |seen: Option<()>| {
        basis.track();
        if seen.is_some() {
            baseline.set(Baseline::None);
        }
    });
    let threshold = Memo::new(move |_| view.view.with(|v| v.thresholds.silence));
    // Each source watched on its own, over its whole load and the window
    // loaded (a zoom, or the other source hidden or shown again, counts
    // nothing again: a zoom only keeps the flags that reach it).
    let loaded = Memo::new(move |_| loads.loaded_window.get().filter(|_| !loads.loading()));
    let per_source = Source::ALL.map(|source| {
        memo_recent(
            2,
            move || {
                let at = Source::ALL.iter().position(|s| *s == source).unwrap_or(0);
                (
                    loaded.get(),
                    threshold.get(),
                    loads.events(source).with(Rows::whole),
                    baseline.with(|b| match b {
                        Baseline::Ready { lookback, parts } => Some((*lookback, parts[at].clone())),
                        _ => None,
                    }),
                )
            },
            move |(window, threshold, rows, baseline)| match window {
                Some(window) => watch(*window, *threshold, source, rows, baseline.as_ref()),
                None => Silence::Watched(Vec::new()),
            },
        )
    });
    let silence = Memo::new(move |_| {
        let (shown, window) = (view.view.with(|v| v.sources), loads.window.get());
        let mut flags = Vec::new();
        for (source, found) in Source::ALL.into_iter().zip(per_source) {
            if !shown.shows(source) {
                continue;
            }
            match found.get() {
                Silence::Watched(found) => flags.extend(found.into_iter().filter(|flag| {
                    window.is_none_or(|w| flag.last_at > w.start() && flag.first_at < w.end())
                })),
                unwatched => return unwatched,
            }
        }
        Silence::Watched(flags)
    });
    let watch = SilenceWatch {
        silence,
        baseline,
        loads,
        loading: StoredValue::new(0),
    };
    // A live view over a short window loads its baseline itself, and again
    // once the window has slid past the end of the one it has.
    Effect::new(move || {
        let live = view.view.with(|v| v.live.is_some());
        let short = silence.with(|s| matches!(s, Silence::TooShort { .. }));
        let wanted = match (baseline.get(), loads.window.get()) {
            (Baseline::None, _) => short,
            (Baseline::Ready { lookback, .. }, Some(window)) => window.start() >= lookback.end(),
            // Loading, or failed (tried again on request only).
            _ => false,
        };
        if live && wanted && threshold.get() > 0 && !loads.loading() {
            watch.load();
        }
    });
    watch
}

impl SilenceWatch {
    /// Loads the week before the shown window's end from every connected
    /// source, with the view's query, as the app's own reads.
    pub fn load(self) {
        let (Some(window), Some(token)) = (self.loads.window.get_untracked(), self.loads.token())
        else {
            return;
        };
        let Some(branches) = self.loads.branches() else {
            return;
        };
        self.loading.update_value(|n| *n += 1);
        let mine = self.loading.get_value();
        let current = move || self.loading.try_get_value() == Some(mine);
        self.baseline.set(Baseline::Loading);
        let lookback = TimeWindow::ending_at(window.end(), Duration::days(BASELINE_DAYS));
        let loads = self.loads;
        let baseline = self.baseline;
        leptos::task::spawn_local(async move {
            let client = api::Client::new(token, None).background();
            let mut parts: [Option<Rows>; 2] = [None, None];
            for (at, source) in Source::ALL.into_iter().enumerate() {
                if !loads.connected(source) {
                    continue;
                }
                let plan = QueryPlan::for_source(source, &branches);
                let cap = loads.cap_now();
                let (rows, error) =
                    loader::load_source(&client, source, lookback, &plan, cap, |_| {}, |_| {})
                        .await;
                if !current() {
                    return;
                }
                if let Some(error) = error {
                    baseline.set(Baseline::Failed(error.to_string()));
                    return;
                }
                parts[at] = Some(rows);
            }
            baseline.set(Baseline::Ready { lookback, parts });
        });
    }
}

/// Watches `source`'s load (`rows`) over `window`, or, for a window too
/// short for a baseline, over the baseline's week with the window's own
/// events in place of the baseline's there (so what a live view added
/// counts), keeping the flags that reach the window.
fn watch(
    window: TimeWindow,
    threshold: u32,
    source: Source,
    rows: &Rows,
    baseline: Option<&(TimeWindow, Option<Rows>)>,
) -> Silence {
    let short = window.length() < Duration::hours(MIN_BASELINE_HOURS);
    let older = baseline
        .filter(|(lookback, _)| short && lookback.start() < window.start())
        .and_then(|(lookback, old)| {
            let before = TimeWindow::new(lookback.start(), window.start()).ok()?;
            let whole = TimeWindow::new(lookback.start(), window.end()).ok()?;
            Some((
                whole,
                old.as_ref()
                    .map(|old| old.within(before))
                    .unwrap_or_default(),
            ))
        });
    let (whole, events) = match older {
        Some((whole, old)) => (whole, Rows::merged(&[&old, rows])),
        None => (window, rows.clone()),
    };
    match silent_sources(&events, whole, &[source], threshold) {
        Silence::Watched(found) => Silence::Watched(
            found
                .into_iter()
                .filter(|flag| flag.last_at > window.start())
                .collect(),
        ),
        unwatched => unwatched,
    }
}

/// Why silent sources are not watched, and the way to watch them.
#[component]
pub fn SilenceNote(watch: SilenceWatch) -> impl IntoView {
    let note = Memo::new(move |_| watch.silence.with(Silence::note));
    let short = Memo::new(move |_| {
        watch
            .silence
            .with(|s| matches!(s, Silence::TooShort { .. }))
    });
    view! {
        {move || note.get().map(|note| view! { <p class="silence-note" id="silence-note">{note}</p> })}
        {move || match watch.baseline.get() {
            Baseline::Loading => Some(view! {
                <p class="silence-note" id="baseline-status" role="status">"Loading the week before this window's end as a baseline for silent sources…"</p>
            }.into_any()),
            Baseline::Ready { .. } => Some(view! {
                <p class="silence-note" id="baseline-status" role="status">"Silent sources are watched against the week before this window's end, loaded for the purpose."</p>
            }.into_any()),
            Baseline::Failed(error) => Some(view! {
                <p class="error-view" id="baseline-status" role="alert">{format!("The baseline for silent sources could not be loaded: {error}")}
                    " " <button type="button" class="baseline-load" on:click=move |_| watch.load()>"Try again"</button></p>
            }.into_any()),
            Baseline::None => short.get().then(|| view! {
                <p class="silence-note"><button type="button" id="baseline-load" on:click=move |_| watch.load()>"Load the week before as a baseline"</button></p>
            }.into_any()),
        }}
    }
}
