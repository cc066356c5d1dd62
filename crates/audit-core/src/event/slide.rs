//! A load held while a live view polls: the window slides forward, the
//! events that fell out of it are let go, and each poll's answer (which
//! overlaps the previous one, for audits recorded late) adds only what is
//! not held yet ([`Rows::slid`]).

use super::{EventId, FnvSet, Rows};
use crate::TimeWindow;

/// What one slide gave: the rows now held, and the ids of the events added.
#[derive(Debug, Clone)]
pub struct Slid {
    pub rows: Rows,
    pub added: Vec<EventId>,
}

impl Rows {
    /// These rows (newest first) slid to `window`, with the events of
    /// `fresh` inside it whose ids are not held already, as one whole list,
    /// newest first: nothing copied but the rows' numbers (a list picked
    /// from more lists than a pick can name is copied once).
    pub fn slid(&self, window: TimeWindow, fresh: &Rows) -> Slid {
        // Only the held events as new as the oldest fresh one can repeat it.
        let oldest = fresh.iter().map(|event| event.at).min();
        let held: FnvSet<EventId> = match oldest {
            Some(oldest) => self
                .iter()
                .take_while(|event| !self.is_newest_first() || event.at >= oldest)
                .filter(|event| event.at >= oldest)
                .map(|event| event.id.clone())
                .collect(),
            None => FnvSet::default(),
        };
        // A poll's own pages may repeat an event too: each id once.
        let seen = std::cell::RefCell::new(held);
        let new = fresh.select(|event| {
            window.contains(event.at) && seen.borrow_mut().insert(event.id.clone())
        });
        let added = new.iter().map(|event| event.id.clone()).collect();
        let kept = self.within(window);
        let merged = Rows::merged(&[&kept, &new]);
        // A stretch of a longer list would read as a zoom: the list shown
        // is always whole.
        let rows = match merged == merged.whole() {
            true => merged,
            false => merged.select(|_| true),
        };
        Slid { rows, added }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::event;
    use crate::time::parse_iso;
    use crate::{AuditEvent, EventKind, Outcome, Source};

    fn at(id: &str, when: &str) -> AuditEvent {
        event(
            id,
            Source::ClouderaManager,
            when,
            EventKind::Operation,
            Outcome::Succeeded,
        )
    }

    fn window(from: &str, to: &str) -> TimeWindow {
        TimeWindow::new(parse_iso(from).unwrap(), parse_iso(to).unwrap()).unwrap()
    }

    fn ids(rows: &Rows) -> Vec<String> {
        rows.iter().map(|e| e.id.to_string()).collect()
    }

    fn newest_first(mut events: Vec<AuditEvent>) -> Rows {
        events.sort_by(super::super::newest_first);
        Rows::new(events)
    }

    #[test]
    fn the_window_slides_old_events_go_and_only_new_ones_come() {
        let held = newest_first(vec![
            at("a", "2026-12-06T10:00:00Z"),
            at("b", "2026-12-06T10:20:00Z"),
            at("c", "2026-12-06T10:40:00Z"),
            at("d", "2026-12-06T10:59:50Z"),
        ]);
        // The poll overlaps the last one: `d` again, and `e` recorded late
        // (older than `d`), and `f` new.
        let fresh = newest_first(vec![
            at("d", "2026-12-06T10:59:50Z"),
            at("e", "2026-12-06T10:59:40Z"),
            at("f", "2026-12-06T11:04:00Z"),
        ]);
        let slid = held.slid(
            window("2026-12-06T10:05:00Z", "2026-12-06T11:05:00Z"),
            &fresh,
        );
        assert_eq!(ids(&slid.rows), ["f", "d", "e", "c", "b"]);
        let mut added: Vec<String> = slid.added.iter().map(ToString::to_string).collect();
        added.sort();
        assert_eq!(added, ["e", "f"]);
        assert!(slid.rows.is_newest_first());
        assert!(
            slid.rows == slid.rows.whole(),
            "a whole list, not a stretch"
        );
        // Sliding again with nothing new lets `b` go and adds nothing.
        let again = slid.rows.slid(
            window("2026-12-06T10:25:00Z", "2026-12-06T11:25:00Z"),
            &Rows::default(),
        );
        assert_eq!(ids(&again.rows), ["f", "d", "e", "c"]);
        assert!(again.added.is_empty());
        assert!(again.rows == again.rows.whole());
    }

    #[test]
    fn many_polls_keep_every_event_once_whatever_the_lists_behind() {
        let mut held = Rows::default();
        let mut all = Vec::new();
        for poll in 0..12 {
            let minute = poll * 5;
            let fresh: Vec<AuditEvent> = (0..7)
                .map(|n| {
                    // Each poll repeats the previous poll's last two minutes.
                    let second = (minute * 60 - 120 + n * 60).max(0);
                    let when = format!("2026-12-06T10:{:02}:{:02}Z", second / 60, second % 60);
                    at(&format!("x{second}"), &when)
                })
                .collect();
            all.extend(fresh.iter().map(|e| e.id.to_string()));
            let fresh = newest_first(fresh);
            held = held
                .slid(
                    window("2026-12-06T09:00:00Z", "2026-12-06T12:00:00Z"),
                    &fresh,
                )
                .rows;
        }
        all.sort();
        all.dedup();
        let mut shown = ids(&held);
        let in_order = shown.clone();
        shown.sort();
        assert_eq!(shown, all, "each event once, none lost");
        let times: Vec<_> = held.iter().map(|e| e.at).collect();
        assert!(
            times.windows(2).all(|pair| pair[0] >= pair[1]),
            "{in_order:?}"
        );
    }
}
