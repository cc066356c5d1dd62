//! From what is loaded to what is shown: both sources merged, the
//! detections over all of it, and the events narrowed to a lookup, a flag
//! or a tile's focus when those are chosen.

use std::collections::HashSet;

use audit_core::analytics::{self, Totals};
use audit_core::detect::{DetectIndex, Detection};
use audit_core::{AuditEvent, EventId, Rows, Source};
use leptos::prelude::*;

use super::loads::SourceLoads;
use super::view::ViewHandle;
use crate::components::lookup_panel::{look_up, Found};
use crate::components::query_bar::{known_values, KnownValues};
use crate::recent::memo_recent;

/// Newest first, ties by id: the order everything is shown in.
fn newest_first(a: &AuditEvent, b: &AuditEvent) -> std::cmp::Ordering {
    b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id))
}

/// What the page shows. Copy it freely.
#[derive(Clone, Copy)]
pub struct Shown {
    /// Every loaded event of the shown sources, newest first.
    pub loaded: Memo<Rows>,
    /// What the query bar completes values from.
    pub known: Memo<KnownValues>,
    /// Over everything loaded, whatever narrows the view.
    pub detections: Memo<Vec<Detection>>,
    /// The flag the link names, when it is among the detections.
    pub active_flag: Memo<Option<Detection>>,
    /// A support lookup: the person or address, the alias, what it found.
    pub lookup: Memo<Option<(String, Option<String>, Found)>>,
    /// What the charts, tiles and table show.
    pub events: Memo<Rows>,
    pub totals: Memo<Totals>,
}

pub fn use_shown(view: ViewHandle, loads: SourceLoads) -> Shown {
    let privacy = view.privacy;
    let view = view.view;
    let private = Memo::new(move |_| view.with(|v| v.private));
    // The last two lists shown are kept, so hiding a source and showing it
    // again finds both ready. They are merged from the whole of what each
    // source loaded; a zoom into that is a stretch of the merged list.
    let whole = memo_recent(
        2,
        move || {
            (
                view.with(|v| v.sources),
                private.get(),
                loads.events(Source::Octopai).with(Rows::whole),
                loads.events(Source::ClouderaManager).with(Rows::whole),
            )
        },
        move |(shown, private, octopai, cloudera)| {
            let parts: Vec<&Rows> = [
                (Source::Octopai, octopai),
                (Source::ClouderaManager, cloudera),
            ]
            .into_iter()
            .filter(|(source, _)| shown.shows(*source))
            .map(|(_, rows)| rows)
            .collect();
            // One source, unmasked: its own list, no copy. A load holds its
            // events newest first, ties by id (only their times are
            // checked, when the list was made: ids compared at every tie
            // cost ten milliseconds at a million events).
            if let ([only], false) = (parts.as_slice(), *private) {
                if only.is_newest_first() {
                    return (*only).clone();
                }
            }
            // Both sources: row numbers into their lists, merged in one
            // pass (each is newest first), not copies of their events.
            let merged = Rows::merged(&parts, newest_first);
            // Privacy mode masks here, once: everything below sees pseudonyms,
            // and counts the same, the mapping being one-to-one.
            match private {
                true => Rows::new(privacy.mask_events(&merged)),
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
    // What the detections read, built once per source's load; hiding a
    // source merges the indexes of those shown without reading an event,
    // and a zoom takes a stretch of time of the merged index.
    let index_of = move |source| {
        memo_recent(
            1,
            move || loads.events(source).with(Rows::whole),
            DetectIndex::new,
        )
    };
    let octopai_index = index_of(Source::Octopai);
    let cloudera_index = index_of(Source::ClouderaManager);
    let whole_index = memo_recent(
        2,
        move || {
            if private.get() {
                // Masked events are their own list.
                return (Some(whole.get()), Vec::new());
            }
            let shown = view.with(|v| v.sources);
            let parts = [
                (Source::Octopai, octopai_index),
                (Source::ClouderaManager, cloudera_index),
            ]
            .into_iter()
            .filter(|(source, _)| shown.shows(*source))
            .map(|(_, index)| index.get())
            .collect();
            (None, parts)
        },
        |(masked, parts)| match masked {
            Some(rows) => DetectIndex::new(rows),
            None => DetectIndex::merge(&parts.iter().collect::<Vec<_>>()),
        },
    );
    let index = Memo::new(move |_| match zoom.get() {
        Some(window) => whole_index.with(|index| index.within(window)),
        None => whole_index.get(),
    });
    let thresholds = Memo::new(move |_| view.with(|v| v.thresholds));
    let detections = memo_recent(
        2,
        move || (index.get(), thresholds.get(), private.get()),
        move |(index, thresholds, private)| match private {
            true => privacy.detect(index, thresholds),
            false => index.detect(thresholds),
        },
    );
    let flag = Memo::new(move |_| view.with(|v| v.flag.clone()));
    let focus = Memo::new(move |_| view.with(|v| v.focus));
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
        let only: Option<HashSet<EventId>> = match (flag.get(), active_flag.get()) {
            (Some(_), Some(found)) => {
                Some(found.event_ids.iter().map(|id| EventId::new(id)).collect())
            }
            // A flag that is not (or not yet) among the detections shows
            // nothing rather than everything, and says so.
            (Some(_), None) => Some(HashSet::new()),
            (None, _) => None,
        };
        let focus = focus.get();
        if only.is_none() && looked_up.is_none() && focus.is_none() {
            // Nothing narrows: the same list, not a copy.
            return loaded.get();
        }
        // The rows kept, not copies of their events.
        loaded.with(|events| {
            events.select(|e| {
                only.as_ref().is_none_or(|ids| ids.contains(&e.id))
                    && looked_up.as_ref().is_none_or(|ids| ids.contains(&e.id))
                    && focus.is_none_or(|focus| focus.keeps(e))
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
    }
}
