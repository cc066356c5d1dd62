//! The newest events of both sources, as a table. Every field is text.

use crate::view_state::DisplayZone;
use audit_core::{AuditEvent, Outcome};
use leptos::prelude::*;

use crate::format::{format_count, format_time};

#[component]
pub fn EventTable(
    events: Signal<Vec<AuditEvent>>,
    /// How many rows to show at most.
    limit: usize,
    zone: Signal<DisplayZone>,
    /// The id of the event whose detail is open; a row's time opens it.
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    // The zone is part of each row's key, so a zone switch redraws the times.
    let rows = move || {
        let zone = zone.get();
        events.with(|events| {
            events
                .iter()
                .take(limit)
                .map(|event| (event.clone(), zone))
                .collect::<Vec<_>>()
        })
    };
    let caption = move || {
        let total = events.with(Vec::len);
        if total > limit {
            format!(
                "The newest {} of {} events",
                format_count(limit as u64),
                format_count(total as u64)
            )
        } else {
            format!("All {} events", format_count(total as u64))
        }
    };
    view! {
        <section class="events">
            <h2>"Newest events"</h2>
            <Show
                when=move || events.with(|events| !events.is_empty())
                fallback=|| view! { <p class="empty">"No events in this time range. Try a longer range."</p> }
            >
                <table class="event-table">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Source"</th>
                            <th scope="col">"User"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"IP address"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=rows key=|(event, zone)| (event.id.clone(), *zone) let:row>
                            {
                            let (event, zone) = row;
                            view! {
                            <tr data-source=event.source.label()
                                class:selected={
                                    let id = event.id.clone();
                                    move || selected.with(|s| s.as_deref() == Some(id.as_str()))
                                }>
                                <td class="time">
                                    <button type="button" class="open-detail" title="Show every field of this event"
                                        on:click={
                                            let id = event.id.clone();
                                            move |_| selected.set(Some(id.clone()))
                                        }>
                                        {format_time(event.at, &zone)}
                                    </button>
                                </td>
                                <td>{event.source.label()}</td>
                                <td>{event.actor.clone()}</td>
                                <td>{event.action.clone()}</td>
                                <td class="target">{event.target.clone().unwrap_or_default()}</td>
                                <td class=outcome_class(event.outcome)>{event.outcome.label()}</td>
                                <td>{event.ip.clone().unwrap_or_default()}</td>
                            </tr>
                            }
                        }
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

fn outcome_class(outcome: Outcome) -> &'static str {
    if outcome.is_failure() {
        "outcome bad"
    } else {
        "outcome"
    }
}
