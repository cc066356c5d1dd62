//! From what is loaded to what is shown: both sources merged, the
//! detections over all of it, and the events narrowed to a lookup, a flag
//! or a tile's focus when those are chosen.

use std::collections::HashSet;

use audit_core::analytics::{self, Totals};
use audit_core::detect::{self, Detection};
use audit_core::AuditEvent;
use leptos::prelude::*;

use super::loads::SourceLoads;
use super::view::ViewHandle;
use crate::components::lookup_panel::{look_up, Found};
use crate::components::query_bar::{known_values, KnownValues};

/// What the page shows. Copy it freely.
#[derive(Clone, Copy)]
pub struct Shown {
    /// Every loaded event of the shown sources, newest first.
    pub loaded: Memo<Vec<AuditEvent>>,
    /// What the query bar completes values from.
    pub known: Memo<KnownValues>,
    /// Over everything loaded, whatever narrows the view.
    pub detections: Memo<Vec<Detection>>,
    /// The flag the link names, when it is among the detections.
    pub active_flag: Memo<Option<Detection>>,
    /// A support lookup: the person or address, the alias, what it found.
    pub lookup: Memo<Option<(String, Option<String>, Found)>>,
    /// What the charts, tiles and table show.
    pub events: Memo<Vec<AuditEvent>>,
    pub totals: Memo<Totals>,
}

pub fn use_shown(view: ViewHandle, loads: SourceLoads) -> Shown {
    let privacy = view.privacy;
    let view = view.view;
    let private = Memo::new(move |_| view.with(|v| v.private));
    let loaded = Memo::new(move |_| {
        let shown = view.with(|v| v.sources);
        let mut merged: Vec<AuditEvent> = Vec::new();
        for source in audit_core::Source::ALL {
            if shown.shows(source) {
                merged.extend(loads.events(source).get());
            }
        }
        merged.sort_unstable_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        // Privacy mode masks here, once: everything below sees pseudonyms,
        // and counts the same, the mapping being one-to-one.
        if private.get() {
            merged = privacy.mask_events(&merged);
        }
        merged
    });
    let thresholds = Memo::new(move |_| view.with(|v| v.thresholds));
    let detections = Memo::new(move |_| {
        loaded.with(|events| match private.get() {
            true => privacy.detect(events, &thresholds.get()),
            false => detect::detect(events, &thresholds.get()),
        })
    });
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
    Shown {
        loaded,
        known: Memo::new(move |_| loaded.with(|events| known_values(events, 200))),
        detections,
        active_flag,
        lookup,
        events,
        totals: Memo::new(move |_| events.with(|events| analytics::totals(events))),
    }
}
