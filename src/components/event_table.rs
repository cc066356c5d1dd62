//! Every event of the view as one table: sortable by any column, and
//! virtual, so only the rows in sight (and a few around them) are in the
//! DOM however many events are loaded. Every field is text.

use audit_core::columns::{field_value, EventColumn};
use audit_core::Outcome;
use leptos::prelude::*;

use crate::format::{format_count, format_time};
use crate::view_state::DisplayZone;

/// Each row's height in CSS pixels (the stylesheet fixes it too).
pub const ROW_PX: f64 = 30.0;
/// The scrolling area's height in CSS pixels (the stylesheet fixes it too).
pub const VIEWPORT_PX: f64 = 600.0;
/// Rows drawn above and below those in sight, so fast scrolling stays filled.
const OVERSCAN: usize = 8;
/// Rows at least partly in sight at any scroll position.
const IN_SIGHT: usize = (VIEWPORT_PX / ROW_PX) as usize + 1;
const _: () = assert!(VIEWPORT_PX % ROW_PX == 0.0, "whole rows fill the view");
/// The rows drawn at most: those in sight and the overscan either side.
/// A row's elements are kept in the slot its position modulo this number
/// names: a row scrolled out lends its elements to the row scrolled in,
/// and another view or sort rewrites the drawn rows' texts in place
/// rather than building every row again.
const SLOTS: usize = IN_SIGHT + 2 * OVERSCAN;

/// The order rows are shown in: positions in the events (which arrive
/// newest first). By time it is the events' own order, either way round,
/// and holds no positions (at a million events a list of them is 4 MB).
#[derive(Debug, Clone, PartialEq)]
pub enum RowOrder {
    NewestFirst(usize),
    OldestFirst(usize),
    Sorted(Vec<u32>),
}

impl RowOrder {
    pub fn len(&self) -> usize {
        match self {
            RowOrder::NewestFirst(len) | RowOrder::OldestFirst(len) => *len,
            RowOrder::Sorted(order) => order.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position of the `at`th row shown.
    pub fn get(&self, at: usize) -> Option<usize> {
        match self {
            RowOrder::NewestFirst(len) => (at < *len).then_some(at),
            RowOrder::OldestFirst(len) => (at < *len).then(|| len - 1 - at),
            RowOrder::Sorted(order) => order.get(at).map(|row| *row as usize),
        }
    }
}

/// The rows of `events` sorted by `column`; ties keep the newest first.
pub fn row_order(
    events: &(impl audit_core::Events + ?Sized),
    column: &EventColumn,
    descending: bool,
) -> RowOrder {
    match (column, descending) {
        // The arrival order already is newest first.
        (EventColumn::Time, true) => RowOrder::NewestFirst(events.len()),
        (EventColumn::Time, false) => RowOrder::OldestFirst(events.len()),
        // Not sorted by (a record's own field): as they arrive.
        (EventColumn::Raw(_), _) => RowOrder::NewestFirst(events.len()),
        _ => {
            let mut order: Vec<u32> = (0..events.len())
                .map(|row| u32::try_from(row).unwrap_or(u32::MAX))
                .collect();
            order.sort_by(|&a, &b| {
                let by_column = column
                    .compare(events.event(a as usize), events.event(b as usize))
                    .unwrap_or(std::cmp::Ordering::Equal);
                let by_column = if descending {
                    by_column.reverse()
                } else {
                    by_column
                };
                by_column.then(a.cmp(&b))
            });
            RowOrder::Sorted(order)
        }
    }
}

/// The rows to draw for a scroll position: `[first, end)`.
pub fn visible_rows(scroll_top: f64, total: usize) -> (usize, usize) {
    let first_in_sight = (scroll_top.max(0.0) / ROW_PX).floor() as usize;
    let first = first_in_sight.saturating_sub(OVERSCAN).min(total);
    let end = (first_in_sight + IN_SIGHT + OVERSCAN).min(total);
    (first, end.max(first))
}

/// The position the slot `slot` shows for the rows drawn, `[first, end)`:
/// the one it names (see [`SLOTS`]), if it is drawn.
fn slot_position(slot: usize, (first, end): (usize, usize)) -> Option<usize> {
    let at = first + (slot + SLOTS - first % SLOTS) % SLOTS;
    (at < end).then_some(at)
}

/// The widths of `columns` (the stylesheet's, by column; a record's own
/// field takes what is left, as the target does).
fn column_group(columns: &[EventColumn]) -> impl IntoView {
    view! {
        <colgroup>
            {columns.iter().map(|column| {
                let class = match column {
                    EventColumn::Raw(_) => "col-raw".to_owned(),
                    own => format!("col-{}", own.key()),
                };
                view! { <col class=class/> }
            }).collect_view()}
        </colgroup>
    }
}

#[component]
pub fn EventTable(
    events: Signal<audit_core::Rows>,
    zone: Signal<DisplayZone>,
    /// The id of the event whose detail is open; a row's time opens it.
    selected: RwSignal<Option<String>>,
    /// The columns shown, in order (the time always among them).
    columns: Signal<Vec<EventColumn>>,
    /// Events a live view just added, marked for a moment.
    fresh: Signal<std::sync::Arc<std::collections::HashSet<audit_core::EventId>>>,
    /// Whether a load is under way with nothing to show yet: the empty
    /// table then says the events are coming, not that there are none.
    #[prop(optional, into)]
    waiting: Signal<bool>,
) -> impl IntoView {
    let sort = RwSignal::new((EventColumn::Time, true));
    // A column taken away takes its sort with it.
    Effect::new(move || {
        let shown = columns.with(|columns| sort.with_untracked(|(c, _)| columns.contains(c)));
        if !shown {
            sort.set((EventColumn::Time, true));
        }
    });
    let scroll_top = RwSignal::new(0.0f64);
    let order = crate::recent::memo_recent(
        2,
        move || (events.get(), sort.get()),
        |(events, (column, descending))| row_order(events, column, *descending),
    );
    let total = Memo::new(move |_| order.with(RowOrder::len));
    let window = Memo::new(move |_| visible_rows(scroll_top.get(), total.get()));
    // The keyboard's place in the table (`j`/`k`), a position in `order`;
    // `Enter` opens that event's detail. A new order starts it afresh.
    let cursor = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        order.track();
        cursor.set(None);
    });
    let scroller = NodeRef::<leptos::html::Div>::new();
    // The reader's place: the first row in sight (its time and id) and how
    // far into it the view is scrolled, read on each scroll. When a live
    // view adds rows above it, the view scrolls by as much, so the rows
    // being read stay where they were.
    let anchor =
        StoredValue::new(None::<(chrono::DateTime<chrono::Utc>, audit_core::EventId, f64)>);
    let keep_place = move || {
        let top = scroll_top.get_untracked();
        let first = (top / ROW_PX).floor() as usize;
        let place = order.with_untracked(|order| {
            events.with_untracked(|events| {
                let event = events.get(order.get(first)?)?;
                Some((event.at, event.id.clone(), top - first as f64 * ROW_PX))
            })
        });
        anchor.set_value(place.filter(|_| top > 0.0));
    };
    Effect::new(move |seen: Option<()>| {
        events.track();
        let newest_first = sort.with_untracked(|sort| *sort == (EventColumn::Time, true));
        let (Some(()), true, Some((at, id, into))) = (seen, newest_first, anchor.get_value())
        else {
            return;
        };
        // Rows before the anchor, newest first (ties by id).
        let before = events.with_untracked(|events| {
            events.partition_point(|e| e.at > at || (e.at == at && e.id < id))
        });
        let top = before as f64 * ROW_PX + into;
        if let Some(div) = scroller.get_untracked() {
            if (f64::from(div.scroll_top()) - top).abs() >= 1.0 {
                div.set_scroll_top(top as i32);
                scroll_top.set(top);
            }
        }
    });
    crate::shortcuts::on_shortcut(move |key| match key {
        "j" | "k" => {
            let total = total.get_untracked();
            if total == 0 {
                return false;
            }
            let next = match cursor.get_untracked() {
                None => 0,
                Some(at) if key == "j" => (at + 1).min(total - 1),
                Some(at) => at.saturating_sub(1),
            };
            cursor.set(Some(next));
            if let Some(div) = scroller.get_untracked() {
                let top = next as f64 * ROW_PX;
                let shown_from = f64::from(div.scroll_top());
                let height = f64::from(div.client_height());
                if top < shown_from || top + ROW_PX > shown_from + height {
                    div.set_scroll_top((top - height / 2.0).max(0.0) as i32);
                }
            }
            true
        }
        "Enter" => {
            let id = cursor.get_untracked().and_then(|at| {
                order.with_untracked(|order| {
                    events.with_untracked(|events| {
                        order
                            .get(at)
                            .and_then(|index| events.get(index))
                            .map(|e| e.id.clone())
                    })
                })
            });
            match id {
                Some(id) => {
                    selected.set(Some(id.to_string()));
                    true
                }
                None => false,
            }
        }
        _ => false,
    });
    // The slots in sight, in the order shown (see [`SLOTS`]).
    let slots = move || {
        let (first, end) = window.get();
        (first..end).map(|at| at % SLOTS).collect::<Vec<_>>()
    };
    let slot_rows = follow_slots(window, order, events);
    let slot_rows = StoredValue::new(slot_rows);
    let row_view = move |slot: usize| {
        let row = slot_rows.with_value(|rows| rows[slot]);
        slot_row(row, zone, columns, selected, cursor, fresh)
    };
    let caption = move || {
        let (column, descending) = sort.get();
        let order_words = match (&column, descending) {
            (EventColumn::Time, true) => "newest first".to_owned(),
            (EventColumn::Time, false) => "oldest first".to_owned(),
            (column, true) => format!("by {}, Z to A", column.label().to_lowercase()),
            (column, false) => format!("by {}, A to Z", column.label().to_lowercase()),
        };
        format!(
            "All {} events, {order_words}. Scroll for more; click a heading to sort.",
            format_count(total.get() as u64)
        )
    };
    let header = move |column: EventColumn| {
        let label = column.label().into_owned();
        if column.sortable() {
            let (for_sort, for_marker, for_click) =
                (column.clone(), column.clone(), column.clone());
            let aria_sort = move || match sort.get() {
                (current, true) if current == for_sort => "descending",
                (current, false) if current == for_sort => "ascending",
                _ => "none",
            };
            let marker = move || match sort.get() {
                (current, true) if current == for_marker => " ▼",
                (current, false) if current == for_marker => " ▲",
                _ => "",
            };
            let click = move |_| {
                sort.update(|(current, descending)| {
                    if *current == for_click {
                        *descending = !*descending;
                    } else {
                        *current = for_click.clone();
                        // Times read best newest first; words A to Z.
                        *descending = for_click == EventColumn::Time;
                    }
                })
            };
            view! {
                <th scope="col" aria-sort=aria_sort>
                    <button type="button" class="sort" data-column=label.clone() on:click=click>
                        {label.clone()}{marker}
                    </button>
                </th>
            }
            .into_any()
        } else {
            view! {
                <th scope="col" class="raw-column" data-column=label.clone()
                    title="A field of the upstream's record: shown, not sorted by">{label.clone()}</th>
            }
            .into_any()
        }
    };
    view! {
        <section class="events" id="events">
            <h2>"Events"</h2>
            <Show
                when=move || events.with(|events| !events.is_empty())
                fallback=move || view! {
                    <p class="empty" role="status">{move || match waiting.get() {
                        true => "Loading the events of this time range…",
                        false => "No events in this time range. Try a longer range.",
                    }}</p>
                }
            >
                <p class="table-caption" id="events-caption">{caption}</p>
                <div class="table-wide">
                <table class="event-table event-head" aria-label="Event columns; press a heading to sort by it">
                    {move || columns.with(|columns| column_group(columns))}
                    <thead><tr>{move || columns.get().into_iter().map(header).collect_view()}</tr></thead>
                </table>
                <div class="table-scroll" tabindex="0" aria-labelledby="events-caption" node_ref=scroller
                    on:scroll=move |ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(element) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                            scroll_top.set(f64::from(element.scroll_top()));
                            keep_place();
                        }
                    }>
                    <div class="table-sizer" style=move || format!("height:{}px", total.get() as f64 * ROW_PX)>
                        <table class="event-table" role="grid" aria-labelledby="events-caption"
                            aria-rowcount=move || total.get().to_string()
                            data-rows=move || total.get().to_string()
                            style=move || format!("transform:translateY({}px)", window.get().0 as f64 * ROW_PX)>
                            {move || columns.with(|columns| column_group(columns))}
                            <tbody>
                                <For each=slots key=|slot| *slot let:slot>
                                    {row_view(slot)}
                                </For>
                            </tbody>
                        </table>
                    </div>
                </div>
                </div>
            </Show>
        </section>
    }
}

/// Each slot's row (see [`SLOTS`]) for the rows drawn, `window`, of
/// `events` in `order`, set only when it changes: one effect reads the
/// order and the events for every slot, kept as long as the current owner.
/// (A memo per slot would be marked for checking once for every path from
/// a change of view to it, and there are many such paths through the
/// page's memos; an effect stops that walk.)
///
/// The effect watches one memo that changes whenever the rows drawn may
/// have. Watching the window, the order and the events itself could miss a
/// change: an effect asks its sources in turn whether they changed, and
/// asking the window first brings the new order in through the row count
/// without telling the effect, while the window itself may stay the same
/// (a source hidden: fewer rows, the same positions in sight). A memo asks
/// again after each source; an effect does not.
fn follow_slots(
    window: Memo<(usize, usize)>,
    order: Memo<RowOrder>,
    events: Signal<audit_core::Rows>,
) -> Vec<RwSignal<Option<Row>>> {
    let drawn = Memo::new(move |seen: Option<&u64>| {
        // Read, not only tracked: a memo not yet worked out would not say
        // when it changes.
        window.with(|_| ());
        order.with(|_| ());
        events.with(|_| ());
        seen.map_or(0, |seen| seen.wrapping_add(1))
    });
    let slot_rows: Vec<RwSignal<Option<Row>>> = (0..SLOTS).map(|_| RwSignal::new(None)).collect();
    let rows_effect = RenderEffect::new({
        let slot_rows = slot_rows.clone();
        move |_| {
            drawn.with(|_| ());
            let window = window.get_untracked();
            order.with_untracked(|order| {
                events.with_untracked(|events| {
                    for (slot, shown) in slot_rows.iter().enumerate() {
                        let row = slot_position(slot, window).and_then(|at| {
                            let event = events.get(order.get(at)?)?.clone();
                            Some(Row { at, event })
                        });
                        if shown.with_untracked(|shown| *shown != row) {
                            shown.set(row);
                        }
                    }
                })
            })
        }
    });
    StoredValue::new_local(rows_effect);
    slot_rows
}

/// What one slot of the table shows: the position of its row in the
/// order shown, and the row's event.
#[derive(Clone, PartialEq)]
struct Row {
    at: usize,
    event: audit_core::AuditEvent,
}

/// One slot's `<tr>`: built once, its cells' texts and marks following
/// whichever row the slot shows; its cells built again only when the
/// columns change.
fn slot_row(
    row: RwSignal<Option<Row>>,
    zone: Signal<DisplayZone>,
    columns: Signal<Vec<EventColumn>>,
    selected: RwSignal<Option<String>>,
    cursor: RwSignal<Option<usize>>,
    fresh: Signal<std::sync::Arc<std::collections::HashSet<audit_core::EventId>>>,
) -> impl IntoView {
    let is = move |test: &dyn Fn(&Row) -> bool| row.with(|row| row.as_ref().is_some_and(test));
    // A record's own fields, read once a row and only if a column shows one.
    let raw = Memo::new(move |_| row.with(|row| row.as_ref().map(|row| row.event.raw_fields())));
    view! {
        <tr data-source=move || row.with(|row| row.as_ref().map(|row| row.event.source.label()))
            aria-rowindex=move || row.with(|row| row.as_ref().map(|row| row.at + 1))
            class:cursor=move || is(&|row| cursor.get() == Some(row.at))
            class:selected=move || is(&|row| selected.with(|s| s.as_deref().is_some_and(|s| row.event.id == *s)))
            class:fresh=move || is(&|row| fresh.with(|fresh| fresh.contains(&row.event.id)))>
            {move || columns.get().into_iter().map(|column| slot_cell(column, row, raw, zone, selected)).collect_view()}
        </tr>
    }
}

/// One cell of a slot's row: its text follows the row the slot shows; the
/// time opens that row's event.
fn slot_cell(
    column: EventColumn,
    row: RwSignal<Option<Row>>,
    raw: Memo<Option<Vec<(String, String)>>>,
    zone: Signal<DisplayZone>,
    selected: RwSignal<Option<String>>,
) -> AnyView {
    match column {
        EventColumn::Time => view! {
            <td class="time">
                <button type="button" class="open-detail" title="Show every field of this event"
                    on:click=move |_| {
                        if let Some(id) = row.with_untracked(|row| row.as_ref().map(|row| row.event.id.to_string())) {
                            selected.set(Some(id));
                        }
                    }>
                    {move || row.with(|row| row.as_ref().map(|row| format_time(row.event.at, &zone.get())))}
                </button>
            </td>
        }
        .into_any(),
        EventColumn::Outcome => view! {
            <td class=move || row.with(|row| row.as_ref().map_or("outcome", |row| outcome_class(row.event.outcome)))>
                {move || row.with(|row| row.as_ref().map(|row| row.event.outcome.label()))}
            </td>
        }
        .into_any(),
        EventColumn::Raw(name) => view! {
            <td class="raw">
                {move || raw.with(|fields| fields.as_deref().map(|fields| field_value(fields, &name).to_owned()))}
            </td>
        }
        .into_any(),
        other => {
            let class = if other == EventColumn::Target { "target" } else { "" };
            view! {
                <td class=class>
                    {move || row.with(|row| row.as_ref().map(|row| other.text(&row.event, &mut None).into_owned()))}
                </td>
            }
            .into_any()
        }
    }
}

fn outcome_class(outcome: Outcome) -> &'static str {
    if outcome.is_failure() {
        "outcome bad"
    } else {
        "outcome"
    }
}

#[cfg(test)]
mod tests;
