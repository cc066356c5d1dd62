//! Showing a load that ended: one that ends while the other source's load
//! still goes on is held back until that one ends, or [`SETTLE_MS`] at
//! most, so the view is counted and drawn once for both, not once for each.

use audit_core::{Rows, Source};
use leptos::prelude::*;

use super::{SourceLoads, SourceState};

/// How long, at most, a source that finished is held back while the other
/// still loads.
const SETTLE_MS: u64 = 100;

impl SourceLoads {
    /// Shows a load that ended well. While the other source still loads,
    /// it is held until that one ends or [`SETTLE_MS`] have passed,
    /// whichever comes first: every chart, tile and detection is counted
    /// and drawn once for both, not once for each (the one drawn first
    /// would be drawn again at once, on the thread that decodes the other's
    /// pages).
    pub(super) fn finish(
        self,
        source: Source,
        rows: Rows,
        state: SourceState,
        current: impl Fn() -> bool + 'static,
    ) {
        let others = Source::ALL.into_iter().filter(|&other| other != source);
        let others: Vec<(SourceState, bool)> = others
            .map(|other| {
                let slot = self.slot(other);
                (
                    slot.state.get_untracked(),
                    slot.pending.with_value(Option::is_some),
                )
            })
            .collect();
        if !another_still_loads(&others) {
            self.show(source, rows, state);
            return;
        }
        let slot = self.slot(source);
        slot.pending.set_value(Some((rows, state)));
        // Not shown yet: its progress does not say it ended.
        slot.state.update(|state| {
            if let SourceState::Loading(progress) = state {
                progress.finished = false;
            }
        });
        set_timeout(
            move || {
                if current() {
                    self.show_pending();
                }
            },
            std::time::Duration::from_millis(SETTLE_MS),
        );
    }

    /// Shows how a source's load ended, with whatever the other had held
    /// back, in one turn: they are drawn together.
    pub(super) fn show(self, source: Source, rows: Rows, state: SourceState) {
        self.show_pending();
        let slot = self.slot(source);
        slot.events.set(rows);
        slot.state.set(state);
    }

    /// Shows every load held back by [`SourceLoads::finish`].
    pub(super) fn show_pending(self) {
        for source in Source::ALL {
            let slot = self.slot(source);
            if let Some((rows, state)) = slot.pending.try_update_value(Option::take).flatten() {
                slot.events.set(rows);
                slot.state.set(state);
            }
        }
    }
}

/// Whether one of the other sources (each its state and whether its
/// ended load is held back) still loads: a load held back has ended, and
/// is not one to wait for.
fn another_still_loads(others: &[(SourceState, bool)]) -> bool {
    others
        .iter()
        .any(|(state, held)| matches!(state, SourceState::Loading(_)) && !held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::SourceProgress;

    #[test]
    fn a_finished_load_waits_only_for_a_source_still_loading() {
        let loading = SourceState::Loading(SourceProgress::default());
        let loaded = SourceState::Loaded(SourceProgress::default());
        assert!(another_still_loads(&[(loading.clone(), false)]));
        // The other ended first and is held back for this one: both are
        // shown now, neither waits for the other.
        assert!(!another_still_loads(&[(loading, true)]));
        assert!(!another_still_loads(&[(loaded, false)]));
        assert!(!another_still_loads(&[(SourceState::NotConnected, false)]));
        assert!(!another_still_loads(&[]));
    }
}
