use super::*;
use audit_core::fixture::event;
use audit_core::{AuditEvent, EventKind, Source};

fn events() -> Vec<AuditEvent> {
    // Newest first, as the view holds them.
    vec![
        event(
            "c",
            Source::Octopai,
            "2026-11-21T03:00:00Z",
            EventKind::Login,
            Outcome::Failed,
        )
        .by("zoe"),
        event(
            "b",
            Source::ClouderaManager,
            "2026-11-21T02:00:00Z",
            EventKind::Operation,
            Outcome::Allowed,
        )
        .by("ava"),
        event(
            "a",
            Source::Octopai,
            "2026-11-21T01:00:00Z",
            EventKind::Login,
            Outcome::Succeeded,
        )
        .by("mia"),
    ]
}

fn ids(events: &(impl audit_core::Events + ?Sized), order: &RowOrder) -> Vec<String> {
    (0..order.len())
        .filter_map(|at| order.get(at))
        .map(|i| events.event(i).id.to_string())
        .collect()
}

#[test]
fn rows_sort_by_any_column_both_ways() {
    let events = events();
    assert_eq!(
        ids(&events, &row_order(&events, &EventColumn::Time, true)),
        ["c", "b", "a"]
    );
    assert_eq!(
        ids(&events, &row_order(&events, &EventColumn::Time, false)),
        ["a", "b", "c"]
    );
    assert_eq!(
        ids(&events, &row_order(&events, &EventColumn::User, false)),
        ["b", "a", "c"]
    );
    assert_eq!(
        ids(&events, &row_order(&events, &EventColumn::User, true)),
        ["c", "a", "b"]
    );
    // Equal keys keep the newest first.
    assert_eq!(
        ids(&events, &row_order(&events, &EventColumn::Source, false)),
        ["c", "a", "b"]
    );
    assert!(row_order(&[], &EventColumn::Outcome, true).is_empty());
}

#[test]
fn only_rows_near_the_scroll_position_are_drawn() {
    assert_eq!(visible_rows(0.0, 0), (0, 0));
    assert_eq!(visible_rows(0.0, 5), (0, 5));
    let (first, end) = visible_rows(0.0, 100_000);
    assert_eq!(first, 0);
    assert!(end - first <= 40, "{end}");
    // Far down: a small window around the position, overscan included.
    let (first, end) = visible_rows(30_000.0 * ROW_PX, 100_000);
    assert_eq!(first, 30_000 - OVERSCAN);
    assert!(end > 30_000 + 20 && end - first <= 45, "{first}..{end}");
    // Past the end (a shrunk list): clamped.
    assert_eq!(visible_rows(1e9, 10), (10, 10));
}

#[test]
fn each_row_drawn_has_a_slot_of_its_own_that_shows_it() {
    for total in [0, 5, SLOTS, 1_000] {
        for top in 0..200 {
            let window = visible_rows(f64::from(top) * ROW_PX / 3.0, total);
            let (first, end) = window;
            assert!(end - first <= SLOTS, "{window:?}");
            let mut shown: Vec<usize> = (0..SLOTS)
                .filter_map(|slot| slot_position(slot, window))
                .inspect(|at| assert_eq!(slot_position(at % SLOTS, window), Some(*at)))
                .collect();
            shown.sort_unstable();
            assert_eq!(shown, (first..end).collect::<Vec<_>>(), "{window:?}");
        }
    }
}

/// Runs the reactive graph's effects in this thread's tests: what is
/// spawned waits in a queue of the thread that spawned it, polled when a
/// test asks (`Executor::poll_local`). Other threads' queues are never
/// polled, so a test elsewhere that makes effects is left as it was.
struct Polled;

thread_local! {
    static SPAWNED: std::cell::RefCell<Vec<any_spawner::PinnedLocalFuture<()>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl any_spawner::CustomExecutor for Polled {
    fn spawn(&self, future: any_spawner::PinnedFuture<()>) {
        SPAWNED.with(|spawned| spawned.borrow_mut().push(future));
    }

    fn spawn_local(&self, future: any_spawner::PinnedLocalFuture<()>) {
        SPAWNED.with(|spawned| spawned.borrow_mut().push(future));
    }

    fn poll_local(&self) {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        // Enough rounds for a notification to reach an effect and the
        // effect's own changes to reach what follows them.
        for _ in 0..8 {
            let taken = SPAWNED.with(|spawned| std::mem::take(&mut *spawned.borrow_mut()));
            let pending: Vec<_> = taken
                .into_iter()
                .filter_map(|mut future| {
                    future
                        .as_mut()
                        .poll(&mut context)
                        .is_pending()
                        .then_some(future)
                })
                .collect();
            SPAWNED.with(|spawned| spawned.borrow_mut().extend(pending));
        }
    }
}

/// What the slots show, in the order of the rows drawn: each row's
/// position and its event's id and source.
fn slots_shown(slots: &[RwSignal<Option<Row>>]) -> Vec<(usize, String, Source)> {
    let mut shown: Vec<_> = slots
        .iter()
        .filter_map(|slot| {
            slot.with_untracked(|row| {
                row.as_ref()
                    .map(|row| (row.at, row.event.id.to_string(), row.event.source))
            })
        })
        .collect();
    shown.sort();
    shown
}

fn numbered_events(count: usize, octopai_every: usize, actor: u8) -> audit_core::Rows {
    let end = audit_core::time::parse_iso("2026-11-21T12:00:00Z").unwrap();
    (0..count)
        .map(|n| {
            audit_core::fixture::numbered(
                n,
                n % octopai_every == 0,
                end - chrono::Duration::minutes(n as i64),
                (EventKind::Login, Outcome::Succeeded),
                actor,
                None,
            )
        })
        .collect()
}

#[test]
fn the_rows_drawn_follow_every_change_of_view_even_when_the_rows_in_sight_do_not_move() {
    let _ = any_spawner::Executor::init_custom_executor(Polled);
    let owner = Owner::new();
    owner.with(|| {
        // The table's own wiring: a view of events, its order, the row
        // count and the rows in sight (the top of the table).
        let view = RwSignal::new(numbered_events(100, 2, 1));
        let events: Signal<audit_core::Rows> = Memo::new(move |_| view.get()).into();
        let order =
            Memo::new(move |_| events.with(|events| row_order(events, &EventColumn::Time, true)));
        let total = Memo::new(move |_| order.with(RowOrder::len));
        let window = Memo::new(move |_| visible_rows(0.0, total.get()));
        let slots = follow_slots(window, order, events);
        any_spawner::Executor::poll_local();
        let first = slots_shown(&slots);
        let (start, end) = window.get_untracked();
        assert_eq!(first.len(), end - start);
        assert_eq!((first[0].0, first[0].1.as_str()), (0, "e0"));

        // One source hidden: fewer rows, the same positions in sight, each
        // showing another event.
        view.update(|rows| *rows = rows.select(|event| event.source == Source::Octopai));
        any_spawner::Executor::poll_local();
        assert_eq!(
            window.get_untracked(),
            (start, end),
            "the rows in sight stay"
        );
        let hidden = slots_shown(&slots);
        assert!(
            hidden
                .iter()
                .all(|(_, _, source)| *source == Source::Octopai),
            "{hidden:?}"
        );
        assert_eq!(hidden[1].1, "e2");

        // The same number of rows in the same order, other events (as
        // privacy mode gives): the order does not change, the rows do.
        view.set(numbered_events(50, 1, 2).select(|_| true));
        any_spawner::Executor::poll_local();
        let masked = slots_shown(&slots);
        assert_eq!(masked.len(), hidden.len());
        assert_ne!(masked, hidden);
        assert_eq!(masked[1].1, "e1");
    });
}
