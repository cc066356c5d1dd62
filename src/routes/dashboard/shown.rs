//! From what is loaded to what is shown: both sources merged, the
//! detections over all of it, and the events narrowed to a lookup, a flag
//! or a tile's focus when those are chosen.

use std::collections::HashSet;
use std::sync::Arc;

use audit_core::aggregates::Aggregates;
use audit_core::analytics::{self, Totals};
use audit_core::calendar::Buckets;
use audit_core::detect::silence::Silence;
use audit_core::detect::{
    flag_order, is_internal_address, DetectIndex, Detection, Part, Thresholds,
};
use audit_core::{EventId, Rows, Source};
use leptos::prelude::*;

use super::loads::SourceLoads;
use super::view::ViewHandle;
use crate::components::lookup_panel::{look_up, Found};
use crate::components::query_bar::{known_values, KnownValues};
use crate::recent::{memo_recent, Recent};
use crate::view_state::{DashboardView, DisplayZone};

/// A list of flags, shared: the detections shown (most severe first) and
/// each kind's own flags kept for reuse.
pub type Flags = Arc<Vec<Detection>>;

/// What the page shows. Copy it freely.
#[derive(Clone, Copy)]
pub struct Shown {
    /// Every loaded event of the shown sources, newest first.
    pub loaded: Memo<Rows>,
    /// What the query bar completes values from.
    pub known: Memo<KnownValues>,
    /// Over everything loaded, whatever narrows the view: one list,
    /// shared by whatever reads it (at a million events a flag can hold
    /// thousands of ids, so the list is never copied).
    pub detections: Memo<Flags>,
    /// The flag the link names, when it is among the detections.
    pub active_flag: Memo<Option<Detection>>,
    /// A support lookup: the person or address, the alias, what it found.
    pub lookup: Memo<Option<(String, Option<String>, Found)>>,
    /// What the charts, tiles and table show.
    pub events: Memo<Rows>,
    pub totals: Memo<Totals>,
    /// The whole of what the shown sources loaded (before a zoom or any
    /// narrowing).
    pub whole: Memo<Rows>,
    private: Memo<bool>,
    loads: SourceLoads,
    view: Memo<DashboardView>,
}

/// Counts over the charts' buckets, and the sources shown: what the charts
/// and tiles are drawn from. Equal when it is the same counts for the same
/// sources.
#[derive(Debug, Clone)]
pub struct Counted {
    pub aggregates: Arc<Aggregates>,
    pub shown: Vec<Source>,
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.aggregates, &other.aggregates) && self.shown == other.shown
    }
}

/// What a [`Counted`] counts: both sources' whole loads (the view is a
/// whole load, unmasked: a source toggle then counts nothing), or the
/// events shown (zoomed, narrowed or masked).
#[derive(Clone, PartialEq)]
enum Basis {
    Loads(Rows, Rows),
    View(Rows),
}

impl Shown {
    /// [`Counted`] for the charts' `buckets` in `zone`: of the whole loads
    /// while the view is one (counted once per load and calendar, so
    /// hiding a source or showing it again sums what is there), otherwise
    /// of the events shown, in one pass for every chart and tile.
    pub fn counted(
        self,
        buckets: Memo<Option<Buckets>>,
        zone: Memo<DisplayZone>,
    ) -> Memo<Option<Counted>> {
        let loads = self.loads;
        let basis = Memo::new(move |_| {
            let whole_view = !self.private.get()
                && self
                    .events
                    .with(|events| self.whole.with(|whole| events == whole));
            match whole_view {
                true => Basis::Loads(
                    loads.events(Source::Octopai).with(Rows::whole),
                    loads.events(Source::ClouderaManager).with(Rows::whole),
                ),
                false => Basis::View(self.events.get()),
            }
        });
        let aggregates = memo_recent(
            2,
            move || (basis.get(), buckets.get(), zone.get()),
            |(basis, buckets, zone)| {
                let mut aggregates = Aggregates::new(buckets.clone()?);
                match basis {
                    Basis::Loads(octopai, cloudera) => {
                        aggregates.add(octopai, zone);
                        aggregates.add(cloudera, zone);
                    }
                    Basis::View(events) => aggregates.add(events, zone),
                }
                Some(Arc::new(aggregates))
            },
        );
        let view = self.view;
        Memo::new(move |_| {
            let shown = view.with(|v| v.sources);
            aggregates.get().map(|aggregates| Counted {
                aggregates,
                shown: Source::ALL
                    .into_iter()
                    .filter(|s| shown.shows(*s))
                    .collect(),
            })
        })
    }
}

/// What narrows every count of usage, beside the flag or lookup shown: a
/// tile's focus and a funnel step's or retention cohort's people.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Narrowing {
    pub focus: Option<crate::view_state::Focus>,
    pub people: Option<HashSet<String>>,
}

impl Narrowing {
    /// The view's narrowing, with its people as `name` gives them.
    pub fn of(view: &DashboardView, name: impl Fn(&str) -> String) -> Narrowing {
        Narrowing {
            focus: view.focus,
            people: view
                .people
                .as_ref()
                .map(|people| people.iter().map(|person| name(person)).collect()),
        }
    }

    pub fn is_none(&self) -> bool {
        self.focus.is_none() && self.people.is_none()
    }

    pub fn keeps(&self, event: &audit_core::AuditEvent) -> bool {
        self.focus.is_none_or(|focus| focus.keeps(event))
            && self
                .people
                .as_ref()
                .is_none_or(|people| people.contains(event.actor.as_str()))
    }
}

/// What is shown of `loads` in `view`, the flags of `silence` among the
/// detections.
pub fn use_shown(view: ViewHandle, loads: SourceLoads, silence: Memo<Silence>) -> Shown {
    let privacy = view.privacy;
    let view = view.view;
    let private = Memo::new(move |_| view.with(|v| v.private));
    let octopai = move || loads.events(Source::Octopai).with(Rows::whole);
    let cloudera = move || loads.events(Source::ClouderaManager).with(Rows::whole);
    // Both sources' loads as one list: row numbers into their lists,
    // merged in one pass (each is newest first, ties by id), not copies of
    // their events. What is shown when both are, and what the detections'
    // one index is built over.
    let both = memo_recent(
        1,
        move || (octopai(), cloudera()),
        |(octopai, cloudera)| Rows::merged(&[octopai, cloudera]),
    );
    // The last two lists shown are kept, so hiding a source and showing it
    // again finds both ready. A zoom into one is a stretch of it.
    let whole = memo_recent(
        2,
        move || {
            let shown = view.with(|v| v.sources);
            let private = private.get();
            match (
                shown.shows(Source::Octopai),
                shown.shows(Source::ClouderaManager),
            ) {
                (true, true) if !private => (shown, private, Some(both.get()), None, None),
                // One source, or privacy mode: from the sources' own lists.
                _ => (shown, private, None, Some(octopai()), Some(cloudera())),
            }
        },
        move |(shown, private, both, octopai, cloudera)| {
            if let Some(both) = both {
                return both.clone();
            }
            let parts: Vec<&Rows> = [
                (Source::Octopai, octopai),
                (Source::ClouderaManager, cloudera),
            ]
            .into_iter()
            .filter(|(source, _)| shown.shows(*source))
            .filter_map(|(_, rows)| rows.as_ref())
            .collect();
            // One source alone is its own list, no copy.
            let merged = Rows::merged(&parts);
            // Privacy mode masks here, once: everything below sees pseudonyms,
            // and counts the same, the mapping being one-to-one.
            match private {
                true => privacy.mask_events(&merged),
                false => merged,
            }
        },
    );
    // Zoomed into what was loaded (see `SourceLoads::show_held`): each
    // source holds a stretch of time of its whole load, the window shown.
    let zoom = Memo::new(move |_| {
        let zoomed = Source::ALL
            .iter()
            .any(|source| loads.events(*source).with(|rows| *rows != rows.whole()));
        loads.window.get().filter(|_| zoomed)
    });
    let loaded = Memo::new(move |_| match zoom.get() {
        Some(window) => whole.with(|whole| whole.within(window)),
        None => whole.get(),
    });
    // What the detections read: one index of both sources' loads, built
    // once per load; a source hidden is that index's events of the other
    // (no event read, no text hashed again), and a zoom takes a stretch
    // of time of it.
    let both_index = memo_recent(1, move || both.get(), DetectIndex::new);
    let whole_index = memo_recent(
        2,
        move || {
            if private.get() {
                // Masked events are their own list.
                return (None, Some(whole.get()));
            }
            (Some((view.with(|v| v.sources), both_index.get())), None)
        },
        |(unmasked, masked)| match (unmasked, masked) {
            (Some((shown, index)), _) => {
                match (
                    shown.shows(Source::Octopai),
                    shown.shows(Source::ClouderaManager),
                ) {
                    (true, true) => index.clone(),
                    (true, false) => index.only(Source::Octopai),
                    (false, true) => index.only(Source::ClouderaManager),
                    (false, false) => DetectIndex::default(),
                }
            }
            (None, Some(rows)) => DetectIndex::new(rows),
            (None, None) => DetectIndex::default(),
        },
    );
    let index = Memo::new(move |_| match zoom.get() {
        Some(window) => whole_index.with(|index| index.within(window)),
        None => whole_index.get(),
    });
    let thresholds = Memo::new(move |_| view.with(|v| v.thresholds));
    // Each kind of detection is kept for the last few indexes and
    // thresholds it ran with: a change of one kind's thresholds runs that
    // kind alone again. The list is made of the kinds' flags (a copy of a
    // flag shares its events' ids) and the silent-source watch's.
    let parts = StoredValue::new(Recent::<(DetectIndex, Part, bool), Flags>::new(
        2 * Thresholds::default().parts().len(),
    ));
    let detections = Memo::new(move |_| {
        let (index, private) = (index.get(), private.get());
        let mut flags: Vec<Detection> = Vec::new();
        for part in thresholds.get().parts() {
            let found = parts
                .try_update_value(|parts| {
                    parts.get_or((index.clone(), part, private), |(index, part, _)| {
                        Arc::new(match private {
                            true => privacy.detect_part(index, *part),
                            false => index.detect_part(*part, &is_internal_address),
                        })
                    })
                })
                .unwrap_or_default();
            flags.extend(found.iter().cloned());
        }
        silence.with(|silence| flags.extend(silence.flags().iter().cloned()));
        flags.sort_by(flag_order);
        Arc::new(flags)
    });
    let flag = Memo::new(move |_| view.with(|v| v.flag.clone()));
    let narrowing = Memo::new(move |_| view.with(|v| Narrowing::of(v, str::to_owned)));
    let active_flag = Memo::new(move |_| {
        flag.get()
            .and_then(|key| detections.with(|flags| flags.iter().find(|f| f.key() == key).cloned()))
    });
    let lookup = Memo::new(move |_| {
        let (who, alias) = view.with(|v| (v.who.clone(), v.alias.clone()));
        let who = who?;
        let found = loaded.with(|events| look_up(events, &who, alias.as_deref()));
        Some((who, alias, found))
    });
    let events = Memo::new(move |_| {
        // The ids as ids: each event's is then hashed as the number it
        // holds, not written out as text first.
        let looked_up: Option<HashSet<EventId>> = lookup.with(|lookup| {
            lookup.as_ref().map(|(_, _, found)| {
                found
                    .event_ids()
                    .iter()
                    .map(|id| EventId::new(id))
                    .collect()
            })
        });
        // A flag that is not (or not yet) among the detections shows
        // nothing rather than everything, and says so.
        let only: Option<HashSet<EventId>> = flag.with(Option::is_some).then(|| {
            active_flag.with(|found| {
                found
                    .iter()
                    .flat_map(|found| found.event_ids.iter().cloned())
                    .collect()
            })
        });
        narrowing.with(|narrowing| {
            if only.is_none() && looked_up.is_none() && narrowing.is_none() {
                // Nothing narrows: the same list, not a copy.
                return loaded.get();
            }
            // The rows kept, not copies of their events.
            loaded.with(|events| {
                events.select(|e| {
                    only.as_ref().is_none_or(|ids| ids.contains(&e.id))
                        && looked_up.as_ref().is_none_or(|ids| ids.contains(&e.id))
                        && narrowing.keeps(e)
                })
            })
        })
    });
    Shown {
        loaded,
        known: memo_recent(2, move || loaded.get(), |events| known_values(events, 200)),
        detections,
        active_flag,
        lookup,
        events,
        totals: memo_recent(2, move || events.get(), analytics::totals),
        whole,
        private,
        loads,
        view,
    }
}
