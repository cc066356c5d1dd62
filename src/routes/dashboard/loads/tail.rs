//! A live view's poll ([`SourceLoads::poll`]): each source that finished
//! its load is asked for what it recorded since its last poll (with an
//! overlap, for audits recorded late), and the held events slide to the
//! new window with what is new added; the requests are the app's own, so
//! they never renew the session.

use audit_core::plan::QueryPlan;
use audit_core::{EventId, Rows, Source, TimeWindow};
use leptos::prelude::*;

use super::{SourceLoads, SourceState};
use crate::api::{self, ApiError};
use crate::loader::{self, SourceProgress};

impl SourceLoads {
    /// The number of the load shown: it changes when a new load starts.
    pub fn load_number(self) -> u64 {
        self.generation.get_value()
    }

    /// The session's token, if there is a session.
    pub fn token(self) -> Option<String> {
        self.session.token()
    }

    /// A client for a read the person asked for beside the loads (not a
    /// poll): it renews the session as the loads' own do.
    pub fn asked_client(self) -> Option<api::Client> {
        let token = self.session.token()?;
        let session = self.session;
        Some(
            api::Client::new(token, None)
                .on_renew(move |token, expires| session.renew(token, expires)),
        )
    }

    /// The session has ended: one login prompt, and back to this view.
    pub fn expired(self) {
        self.exit.expired(self.window.get_untracked());
    }

    /// The applied query's branches, unless it has a mistake.
    pub fn branches(self) -> Option<Vec<audit_core::query::Query>> {
        self.branches.get_untracked().ok()
    }

    /// The most events held per source.
    pub fn cap_now(self) -> usize {
        self.cap.get_untracked()
    }

    /// Whether `source` is connected in this session (its load is not
    /// "not connected").
    pub fn connected(self, source: Source) -> bool {
        !self
            .state(source)
            .with_untracked(|state| matches!(state, SourceState::NotConnected))
    }

    /// Whether either source is loading, read without tracking it.
    pub fn loading_untracked(self) -> bool {
        Source::ALL.iter().any(|&source| {
            self.state(source)
                .with_untracked(|state| matches!(state, SourceState::Loading(_)))
        })
    }

    /// Asks every source whose load finished for what it holds in `asked`
    /// (from the last poll, less an overlap, to the end of `window`) and,
    /// once every one has answered, slides each source's events to
    /// `window` with what is not held yet. The ids added come back; a
    /// failure changes nothing (what is held stays, and the next poll asks
    /// from the same place), and a new load started meanwhile makes the
    /// answers moot.
    pub async fn poll(
        self,
        window: TimeWindow,
        asked: TimeWindow,
    ) -> Result<Vec<EventId>, ApiError> {
        let (Some(token), Ok(branches)) = (self.session.token(), self.branches.get_untracked())
        else {
            return Ok(Vec::new());
        };
        let load = self.generation.get_value();
        let cap = self.cap.get_untracked();
        let signal = self
            .controller
            .with_value(|c| c.as_ref().map(|c| c.signal()));
        let client = api::Client::new(token, signal).background();
        let mut answers: Vec<(Source, Rows)> = Vec::new();
        for source in Source::ALL {
            let finished = self
                .state(source)
                .with_untracked(|state| matches!(state, SourceState::Loaded(_)));
            if !finished {
                continue;
            }
            let plan = QueryPlan::for_source(source, &branches);
            let (rows, error) =
                loader::load_source(&client, source, asked, &plan, cap, |_| {}, |_| {}).await;
            if let Some(error) = error {
                return Err(error);
            }
            answers.push((source, rows));
        }
        if self.generation.try_get_value() != Some(load) {
            return Ok(Vec::new());
        }
        self.window.set(Some(window));
        self.loaded_window.set(Some(window));
        let mut added = Vec::new();
        for (source, fresh) in answers {
            let slot = self.slot(source);
            let slid = slot.events.with_untracked(|held| held.slid(window, &fresh));
            let rows = newest(slid.rows, cap);
            slot.complete.update_value(|complete| {
                if let Some(complete) = complete {
                    complete.window = window;
                    complete.rows = rows.clone();
                }
            });
            let held = rows.len() as u64;
            slot.state.update(|state| {
                if let SourceState::Loaded(progress) = state {
                    *progress = SourceProgress {
                        received: held,
                        total: Some(held),
                        held: false,
                        ..*progress
                    };
                }
            });
            slot.events.set(rows);
            added.extend(slid.added);
        }
        Ok(added)
    }
}

/// At most `cap` of `rows` (newest first): the newest.
fn newest(rows: Rows, cap: usize) -> Rows {
    match rows.get(cap) {
        Some(first_dropped) => {
            let cut = first_dropped.at;
            rows.select(|event| event.at > cut)
        }
        None => rows,
    }
}
