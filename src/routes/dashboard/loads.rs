//! Where each source's load stands, and the one place loads start: a new
//! load whenever the range, the query, the cap or the file opened offline
//! changes, each source into its own slot, with its window pinned when the
//! load starts.

use audit_core::alternatives;
use audit_core::contract::SessionResponse;
use audit_core::plan::QueryPlan;
use audit_core::query::{Diagnostic, Query};
use audit_core::{Rows, Source, TimeWindow};
use chrono::Utc;
use leptos::prelude::*;

use super::offline::{offline_events, offline_window};
use super::view::{SessionExit, ViewHandle};
use crate::api::{self, ApiError};
use crate::loader::{self, Pace, Pacer, SourceProgress};
use crate::view_state::TimeRange;
use crate::{use_offline, use_session, SessionContext};

mod settle;
mod tail;
/// Where one source's load stands.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceState {
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
    pub fn progress(&self) -> SourceProgress {
        match self {
            SourceState::NotConnected | SourceState::Blocked(_) => SourceProgress::default(),
            SourceState::Loading(p)
            | SourceState::Loaded(p)
            | SourceState::Cancelled(p)
            | SourceState::Failed(p, _) => *p,
        }
    }
}

/// The query's AND-branches, each one request to Cloudera Manager.
pub type Branches = Result<Vec<Query>, Vec<Diagnostic>>;

/// Parses a query into the branches that constrain something.
pub fn branches_of(text: &str) -> Branches {
    alternatives::parse_alternatives(text).map(|branches| {
        branches
            .into_iter()
            .filter(|q| !q.constraints.is_empty())
            .collect()
    })
}

/// What a load depends on: the range, the query's branches, the cap,
/// whether the link itself was unusable, and the file opened offline.
type LoadInputs = (TimeRange, Branches, usize, Option<String>, Option<u64>);

/// Why nothing is loaded, if nothing may be: the link's range is unusable,
/// the query has a mistake, or the range gives no window.
fn ready(
    link_problem: Option<String>,
    branches: Branches,
    pinned: Result<TimeWindow, String>,
) -> Result<(Vec<Query>, TimeWindow), String> {
    match (link_problem, branches, pinned) {
        (Some(problem), _, _) => Err(problem),
        (None, Err(_), _) => Err("not loaded until the query's mistake is fixed.".to_owned()),
        (None, Ok(_), Err(problem)) => Err(problem),
        (None, Ok(branches), Ok(pinned)) => Ok((branches, pinned)),
    }
}

/// One source's slot: where its load stands and what it holds.
#[derive(Clone, Copy)]
struct Slot {
    state: RwSignal<SourceState>,
    events: RwSignal<Rows>,
    /// The last load that ended with every matching event of its window.
    complete: StoredValue<Option<Complete>>,
    /// A finished load not shown yet: its events and state, held while
    /// the other source still loads ([`SourceLoads::finish`]).
    pending: StoredValue<Option<(Rows, SourceState)>>,
}

/// A load that held every event of its window matching its query: any
/// window inside it, for the same query, is a selection of it.
#[derive(Clone)]
struct Complete {
    /// Whose load it was (the account on that source).
    account: String,
    window: TimeWindow,
    branches: Vec<Query>,
    rows: Rows,
}

/// The account connected to `source` in `session`.
fn account(session: &SessionResponse, source: Source) -> Option<String> {
    match source {
        Source::Octopai => session.octopai.as_ref().map(|o| o.user_name.clone()),
        Source::ClouderaManager => session.cloudera.as_ref().map(|c| c.username.clone()),
    }
}

/// What a new load would ask: whose, which window, which query, how many.
struct Ask<'a> {
    account: &'a str,
    window: TimeWindow,
    branches: &'a [Query],
    cap: usize,
}

impl Complete {
    /// What this load holds of what `ask` asks, if it holds all of it.
    fn within(&self, ask: &Ask) -> Option<Rows> {
        let window = ask.window;
        let inside = self.window.start() <= window.start() && window.end() <= self.window.end();
        if !inside || self.branches != ask.branches || self.account != ask.account {
            return None;
        }
        // A stretch of the list held, shared: the very list when the window
        // is the whole of it, so every result kept for it is found again.
        let kept = if window == self.window {
            self.rows.clone()
        } else {
            self.rows.within(window)
        };
        (kept.len() <= ask.cap).then_some(kept)
    }
}

/// Both sources' loads. Copy it freely: every part is a handle.
#[derive(Clone, Copy)]
pub struct SourceLoads {
    /// The window being shown, pinned when its load started.
    pub window: RwSignal<Option<TimeWindow>>,
    /// The window of the loads held (a zoom into them leaves it as it is).
    pub loaded_window: RwSignal<Option<TimeWindow>>,
    octopai: Slot,
    cloudera: Slot,
    /// Each load's number: an answer for an older one is dropped.
    generation: StoredValue<u64>,
    controller: StoredValue<Option<web_sys::AbortController>, LocalStorage>,
    branches: Memo<Branches>,
    cap: Memo<usize>,
    session: SessionContext,
    exit: SessionExit,
}

impl SourceLoads {
    fn slot(self, source: Source) -> Slot {
        match source {
            Source::Octopai => self.octopai,
            Source::ClouderaManager => self.cloudera,
        }
    }

    pub fn state(self, source: Source) -> RwSignal<SourceState> {
        self.slot(source).state
    }

    pub fn events(self, source: Source) -> RwSignal<Rows> {
        self.slot(source).events
    }

    /// Whether either source is loading (tracked).
    pub fn loading(self) -> bool {
        Source::ALL.iter().any(|&source| {
            self.state(source)
                .with(|state| matches!(state, SourceState::Loading(_)))
        })
    }

    /// Stops every request in flight; what arrived stays (a load held
    /// back to be drawn with the other is shown now).
    pub fn cancel(self) {
        self.abort();
        self.show_pending();
    }

    /// Stops every request in flight.
    fn abort(self) {
        self.controller.with_value(|controller| {
            if let Some(controller) = controller {
                controller.abort();
            }
        });
    }

    /// Loads one source again over the shown window and the applied query.
    pub fn reload(self, source: Source) {
        if let (Some(window), Ok(branches)) =
            (self.window.get_untracked(), self.branches.get_untracked())
        {
            self.start(source, window, branches);
        }
    }

    /// Loads one source into its slot, unless a newer load has started since.
    pub fn start(self, source: Source, window: TimeWindow, branches: Vec<Query>) {
        let Some(token) = self.session.token() else {
            return;
        };
        let account = self
            .session
            .0
            .with_untracked(|session| session.as_ref().and_then(|s| account(s, source)))
            .unwrap_or_default();
        let Slot { state, pending, .. } = self.slot(source);
        pending.set_value(None);
        state.set(SourceState::Loading(SourceProgress::default()));
        let load_generation = self.generation.get_value();
        // A cancelled load leaves its controller aborted: retries need a new one.
        self.controller.update_value(|slot| {
            if slot.as_ref().is_none_or(|c| c.signal().aborted()) {
                *slot = web_sys::AbortController::new().ok();
            }
        });
        let signal = self
            .controller
            .with_value(|c| c.as_ref().map(|c| c.signal()));
        let generation = self.generation;
        let cap = self.cap.get_untracked();
        // The first requests go out now, even while the page is still
        // being built.
        crate::task::start_now(async move {
            // A page left (its values disposed) holds no current load.
            let current = move || generation.try_get_value() == Some(load_generation);
            let session = self.session;
            let client = api::Client::new(token, signal)
                .on_renew(move |token, expires| session.renew(token, expires));
            let plan = QueryPlan::for_source(source, &branches);
            let events = self.slot(source).events;
            // A long load shows what it holds so far while the rest comes.
            let so_far = move |rows: Rows| {
                let loading = state.with_untracked(|s| matches!(s, SourceState::Loading(_)));
                if current() && loading {
                    events.set(rows);
                }
            };
            let (loaded, error) = loader::load_source(
                &client,
                source,
                window,
                &plan,
                cap,
                paced(state, current),
                so_far,
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
                    let rows = loaded;
                    let progress = state.with_untracked(SourceState::progress);
                    // Stopped at the cap, the load holds only the newest.
                    self.slot(source)
                        .complete
                        .set_value(progress.at_least.is_none().then(|| Complete {
                            account: account.clone(),
                            window,
                            branches: branches.clone(),
                            rows: rows.clone(),
                        }));
                    self.finish(source, rows, SourceState::Loaded(progress), current);
                }
                Some(error) if error.is_aborted() => {
                    self.show(source, loaded, SourceState::Cancelled(progress));
                }
                Some(error) if error.needs_login() => {
                    self.exit.expired(self.window.get_untracked())
                }
                Some(error) => {
                    // Keep what arrived before the failure.
                    self.show(source, loaded, SourceState::Failed(progress, error));
                }
            }
        });
    }

    /// Shows `window` from the sources' last complete loads, without a
    /// request, when each connected source holds all of it for `branches`
    /// (a zoom into what was loaded, and back to it). Whether it could.
    fn show_held(self, session: &SessionResponse, window: TimeWindow, branches: &[Query]) -> bool {
        let cap = self.cap.get_untracked();
        let held: Vec<(Source, Option<Rows>)> = Source::ALL
            .into_iter()
            .filter_map(|source| {
                let account = account(session, source)?;
                let ask = Ask {
                    account: &account,
                    window,
                    branches,
                    cap,
                };
                let rows = self
                    .slot(source)
                    .complete
                    .with_value(|complete| complete.as_ref().and_then(|c| c.within(&ask)));
                Some((source, rows))
            })
            .collect();
        if held.is_empty() || held.iter().any(|(_, rows)| rows.is_none()) {
            return false;
        }
        self.window.set(Some(window));
        for (source, rows) in held {
            let Some(rows) = rows else { continue };
            let Slot { state, events, .. } = self.slot(source);
            state.set(SourceState::Loaded(SourceProgress {
                received: rows.len() as u64,
                total: Some(rows.len() as u64),
                finished: true,
                held: true,
                ..SourceProgress::default()
            }));
            events.set(rows);
        }
        true
    }

    /// Forgets what is held and starts over, aborting what is in flight.
    fn reset(self) {
        self.generation.update_value(|g| *g += 1);
        self.controller.update_value(|slot| {
            if let Some(old) = slot.take() {
                old.abort();
            }
            *slot = web_sys::AbortController::new().ok();
        });
        for slot in [self.octopai, self.cloudera] {
            slot.pending.set_value(None);
            slot.events.set(Rows::default());
            slot.state.set(SourceState::NotConnected);
        }
    }
}

/// Shows a load's progress in `state` as [`Pacer`] says, while the load is
/// `current` and still loading: the first page, retries and the end at
/// once, the rest at most every [`loader::PROGRESS_EVERY_MS`], on the ticks
/// both sources' pacers share, the latest then.
fn paced(
    state: RwSignal<SourceState>,
    current: impl Fn() -> bool + Copy + 'static,
) -> impl FnMut(SourceProgress) {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    let pacer = Rc::new(RefCell::new(Pacer::default()));
    let held = Rc::new(Cell::new(None::<SourceProgress>));
    move |progress: SourceProgress| {
        if !current() {
            return;
        }
        let urgent = progress.finished || progress.pages <= 1 || progress.retrying.is_some();
        match pacer.borrow_mut().offer(js_sys::Date::now(), urgent) {
            Pace::Now => {
                held.set(None);
                state.set(SourceState::Loading(progress));
            }
            Pace::Held => held.set(Some(progress)),
            Pace::After(wait) => {
                held.set(Some(progress));
                let (pacer, held) = (pacer.clone(), held.clone());
                set_timeout(
                    move || {
                        let Some(progress) = held.take() else { return };
                        pacer.borrow_mut().shown();
                        let loading = state
                            .try_with_untracked(|s| matches!(s, SourceState::Loading(_)))
                            .unwrap_or(false);
                        if loading && current() {
                            state.set(SourceState::Loading(progress));
                        }
                    },
                    std::time::Duration::from_millis(wait.ceil() as u64),
                );
            }
        }
    }
}

/// Sets up both sources' loads for the page's view: a new load whenever the
/// range, query, cap or offline file changes (and on first show). The
/// router can announce an unchanged view again just after the page
/// appears; the same inputs as last time load nothing new.
pub fn use_source_loads(
    view: ViewHandle,
    branches: Memo<Branches>,
    exit: SessionExit,
) -> SourceLoads {
    let session = use_session();
    let offline = use_offline();
    let slot = || Slot {
        state: RwSignal::new(SourceState::NotConnected),
        events: RwSignal::new(Rows::default()),
        complete: StoredValue::new(None),
        pending: StoredValue::new(None),
    };
    let loads = SourceLoads {
        window: RwSignal::new(None),
        loaded_window: RwSignal::new(None),
        octopai: slot(),
        cloudera: slot(),
        generation: StoredValue::new(0),
        controller: StoredValue::new_local(None),
        branches,
        cap: Memo::new(move |_| view.view.with(|v| v.cap)),
        session,
        exit,
    };
    on_cleanup(move || loads.abort());
    let range = Memo::new(move |_| view.view.with(|v| v.range));

    // Run at once, not after the page is built, so the first requests go
    // out before the rest of the page is built (kept for the page's life).
    let effect = RenderEffect::new(move |previous: Option<Option<LoadInputs>>| {
        let inputs = (
            range.get(),
            branches.get(),
            loads.cap.get(),
            view.link_problem.get(),
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
        loads.reset();
        // A malformed query or range (say, from a pasted link) is never sent.
        let pinned = if offline_file {
            offline.0.with_untracked(|file| {
                offline_window(range, file.as_ref().map_or(&[][..], |f| &f.imported.events))
            })
        } else {
            range.window(Utc::now())
        };
        let (parsed, pinned) = match ready(link_problem, parsed, pinned) {
            Ok(ready) => ready,
            Err(reason) => {
                loads.window.set(None);
                loads
                    .octopai
                    .state
                    .set(SourceState::Blocked(reason.clone()));
                loads.cloudera.state.set(SourceState::Blocked(reason));
                return Some(inputs);
            }
        };
        loads.window.set(Some(pinned));
        if offline_file {
            loads.loaded_window.set(Some(pinned));
            // The file's events in the window that match the query, here:
            // nothing is fetched.
            let plan = QueryPlan::for_file(&parsed);
            offline.0.with_untracked(|file| {
                let Some(file) = file else { return };
                for source in Source::ALL {
                    let Slot { state, events, .. } = loads.slot(source);
                    match offline_events(&file.imported.events, source, pinned, &plan) {
                        Some(kept) => {
                            state.set(SourceState::Loaded(SourceProgress {
                                received: kept.len() as u64,
                                finished: true,
                                ..SourceProgress::default()
                            }));
                            events.set(kept.into());
                        }
                        None => state.set(SourceState::Blocked("not in this file.".into())),
                    }
                }
            });
            return Some(inputs);
        }
        let Some(current) = current else {
            return Some(inputs);
        };
        // A zoom into what is held, or back to it, leaves the loads' window
        // as it is.
        if loads.show_held(&current, pinned, &parsed) {
            return Some(inputs);
        }
        loads.loaded_window.set(Some(pinned));
        if current.octopai.is_some() {
            loads.start(Source::Octopai, pinned, parsed.clone());
        }
        if current.cloudera.is_some() {
            loads.start(Source::ClouderaManager, pinned, parsed);
        }
        Some(inputs)
    });
    StoredValue::new_local(effect);
    loads
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

    #[test]
    fn a_link_problem_comes_before_a_query_mistake_and_a_bad_range() {
        let window = Err("the range ends before it starts.".to_owned());
        assert_eq!(
            ready(
                Some("bad link".into()),
                branches_of("user=="),
                window.clone()
            ),
            Err("bad link".into())
        );
        assert_eq!(
            ready(None, branches_of("user=="), window.clone()),
            Err("not loaded until the query's mistake is fixed.".into())
        );
        assert_eq!(
            ready(None, branches_of(""), window),
            Err("the range ends before it starts.".into())
        );
    }
}
