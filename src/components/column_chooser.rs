//! Choosing the table's columns and their order: the event's own fields,
//! or any field of the upstream's record (Octopai's fields beyond the
//! known ones included). The choice lives in the URL, so a shared link
//! shows the same columns, and a CSV export follows it.

use audit_core::columns::EventColumn;
use leptos::prelude::*;

use crate::components::chart_figure::is_open;

/// The names of the record fields among the first `limit` of `events`,
/// sorted: what a person can add as a column without typing it.
pub fn record_fields(events: &(impl audit_core::Events + ?Sized), limit: usize) -> Vec<String> {
    let mut names: Vec<String> = events
        .iter()
        .take(limit)
        .flat_map(|event| event.raw_fields().into_iter().map(|(name, _)| name))
        .filter(|name| !name.contains(','))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `columns` with the one at `at` moved by `by` places (kept in bounds).
pub fn moved(columns: &[EventColumn], at: usize, by: isize) -> Vec<EventColumn> {
    let mut columns = columns.to_vec();
    let to = at
        .saturating_add_signed(by)
        .min(columns.len().saturating_sub(1));
    if at < columns.len() {
        let column = columns.remove(at);
        columns.insert(to, column);
    }
    columns
}

/// The column a person typed a record field's name for, or why not.
pub fn typed_field(name: &str) -> Result<EventColumn, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Type the name of a field of the record, as the detail view lists it.".into());
    }
    if name.contains(',') {
        return Err(format!(
            "`{name}` has a comma, which a link's list of columns cannot hold."
        ));
    }
    Ok(EventColumn::Raw(name.to_owned()))
}

#[component]
pub fn ColumnChooser(
    /// The columns shown, in order.
    columns: Signal<Vec<EventColumn>>,
    /// Fields of the records shown that could become columns (read only
    /// while the panel is open).
    fields: Signal<Vec<String>>,
    /// Whether the panel is open.
    open: RwSignal<bool>,
    /// Called with the new columns.
    on_change: Callback<Vec<EventColumn>>,
    /// Called to go back to the usual columns.
    on_reset: Callback<()>,
) -> impl IntoView {
    let chosen = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let add = move |column: EventColumn| {
        let mut next = columns.get_untracked();
        if !next.contains(&column) {
            next.push(column);
            on_change.run(next);
        }
        problem.set(None);
    };
    let add_chosen = move |_| {
        if let Some(column) = EventColumn::from_key(&chosen.get_untracked()) {
            add(column);
        }
    };
    let add_typed = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match typed_field(&typed.get_untracked()) {
            Ok(column) => {
                add(column);
                typed.set(String::new());
            }
            // What was typed stays, so it can be mended.
            Err(why) => problem.set(Some(why)),
        }
    };
    let options = move || {
        let shown = columns.get();
        let own = EventColumn::OWN
            .into_iter()
            .filter(|column| !shown.contains(column))
            .map(|column| (column.key().into_owned(), column.label().into_owned()));
        let raw = fields
            .get()
            .into_iter()
            .map(EventColumn::Raw)
            .filter(|column| !shown.contains(column))
            .map(|column| {
                (
                    column.key().into_owned(),
                    format!("record: {}", column.label()),
                )
            });
        own.chain(raw)
            .map(|(key, label)| view! { <option value=key>{label}</option> })
            .collect_view()
    };
    let rows = move || {
        let shown = columns.get();
        let last = shown.len().saturating_sub(1);
        shown
            .iter()
            .enumerate()
            .map(|(at, column)| {
                let label = match column {
                    EventColumn::Raw(name) => format!("{name} (from the record)"),
                    own => own.label().into_owned(),
                };
                let key = column.key().into_owned();
                let is_time = *column == EventColumn::Time;
                let change = move |by: isize| columns.with_untracked(|c| on_change.run(moved(c, at, by)));
                let remove = move |_| {
                    let mut next = columns.get_untracked();
                    next.remove(at);
                    on_change.run(next);
                };
                view! {
                    <li data-column=key>
                        <span class="column-name">{label.clone()}</span>
                        <button type="button" class="column-earlier" aria-label=format!("Move {label} earlier")
                            prop:disabled=at == 0 on:click=move |_| change(-1)>"↑"</button>
                        <button type="button" class="column-later" aria-label=format!("Move {label} later")
                            prop:disabled=at == last on:click=move |_| change(1)>"↓"</button>
                        <button type="button" class="column-remove" aria-label=format!("Remove {label}")
                            title=if is_time { "The time opens an event's detail: it stays" } else { "" }
                            prop:disabled=is_time on:click=remove>"Remove"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <details class="columns" id="columns" on:toggle=move |ev| open.set(is_open(&ev))>
            <summary>"Columns: choose and order what the table shows (a CSV export follows them)"</summary>
            <ol class="chosen-columns">{rows}</ol>
            <div class="column-add">
                <label>"Add a column "
                    <select id="column-choice" on:change=move |ev| chosen.set(event_target_value(&ev))
                        prop:value=move || chosen.get()>
                        <option value="">"(choose)"</option>
                        {options}
                    </select>
                </label>
                " "
                <button type="button" id="column-add" on:click=add_chosen>"Add"</button>
            </div>
            <form class="column-add" novalidate on:submit=add_typed>
                <label>"Or a field of the record by name "
                    <input id="column-field" type="text" size="18"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                        aria-invalid=move || problem.with(Option::is_some).to_string()/>
                </label>
                " "
                <button type="submit" id="column-field-add">"Add field"</button>
                {move || problem.get().map(|why| view! { <p class="error-view" id="column-error" role="alert">{why}</p> })}
            </form>
            <button type="button" id="columns-reset" on:click=move |_| on_reset.run(())>"Usual columns"</button>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_moves_within_bounds() {
        let columns = vec![EventColumn::Time, EventColumn::User, EventColumn::Address];
        assert_eq!(
            moved(&columns, 2, -1),
            [EventColumn::Time, EventColumn::Address, EventColumn::User]
        );
        assert_eq!(moved(&columns, 0, -1), columns);
        assert_eq!(moved(&columns, 2, 1), columns);
        assert_eq!(
            moved(&columns, 0, 1),
            [EventColumn::User, EventColumn::Time, EventColumn::Address]
        );
    }

    #[test]
    fn a_typed_field_names_a_column_or_says_why_not() {
        assert_eq!(
            typed_field(" userAgent "),
            Ok(EventColumn::Raw("userAgent".into()))
        );
        assert!(typed_field("  ").unwrap_err().contains("Type the name"));
        assert!(typed_field("a,b").unwrap_err().contains("comma"));
    }
}
