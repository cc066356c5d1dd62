//! Field facets: for each field the query language can constrain (the
//! account, the address, the operation, the service, the page or resource,
//! the outcome), how many distinct values the events shown hold and the
//! commonest of them, each with its count and share, and buttons that add
//! `==` or `!=` on it to the query.

use audit_core::facets::{Facet, FacetCounts};
use audit_core::query::Comparator;
use leptos::prelude::*;

use crate::components::chart_figure::is_open;
use crate::components::event_detail::clause;
use crate::format::format_count;

/// Values shown per field.
pub const FACET_VALUES: usize = 8;

#[component]
pub fn FieldFacets(
    /// Every field's counts over the events shown; `None` while the panel
    /// is closed (they are counted only while it is open).
    facets: Signal<Option<Vec<(Facet, FacetCounts)>>>,
    /// Whether the panel is open.
    open: RwSignal<bool>,
    /// Called with a constraint to add to the query.
    on_filter: Callback<String>,
) -> impl IntoView {
    view! {
        <details class="facets" id="fields" on:toggle=move |ev| open.set(is_open(&ev))>
            <summary>"Fields: the commonest values of each field in the events shown"</summary>
            {move || facets.get().map(|facets| {
                let events = facets.first().map_or(0, |(_, counts)| counts.events);
                if events == 0 {
                    return view! { <p class="empty" id="facets-empty">"No events are shown, so no field has a value. Widen the range or the query."</p> }.into_any();
                }
                view! {
                    <p class="facets-note">{format!(
                        "Counted over the {} events shown; = keeps only a value, ≠ leaves it out.",
                        format_count(events as u64)
                    )}</p>
                    <div class="facet-list">
                        {facets.into_iter().map(|(facet, counts)| facet_view(facet, counts, on_filter)).collect_view()}
                    </div>
                }.into_any()
            })}
        </details>
    }
}

fn facet_view(facet: Facet, counts: FacetCounts, on_filter: Callback<String>) -> impl IntoView {
    let without = counts.events - counts.with_value;
    let heading = match (counts.distinct, without) {
        (0, _) => format!("{}: no event has one", facet.label()),
        (distinct, 0) => format!(
            "{}: {} distinct",
            facet.label(),
            format_count(distinct as u64)
        ),
        (distinct, without) => format!(
            "{}: {} distinct, {} events without one",
            facet.label(),
            format_count(distinct as u64),
            format_count(without as u64)
        ),
    };
    let selector = facet.selector();
    let rows = counts
        .top
        .iter()
        .map(|(value, count)| {
            let share = format!("{:.1}%", counts.share(*count));
            let buttons = match (
                clause(selector, value, Comparator::Equal),
                clause(selector, value, Comparator::NotEqual),
            ) {
                (Some(equal), Some(not_equal)) => {
                    let (equal_label, not_equal_label) =
                        (format!("Filter: {equal}"), format!("Filter: {not_equal}"));
                    view! {
                        <button type="button" class="filter-add" title=equal_label.clone() aria-label=equal_label
                            on:click=move |_| on_filter.run(equal.clone())>"="</button>
                        <button type="button" class="filter-add" title=not_equal_label.clone() aria-label=not_equal_label
                            on:click=move |_| on_filter.run(not_equal.clone())>"≠"</button>
                    }
                    .into_any()
                }
                // A space, `;` or `*` cannot be written in a constraint.
                _ => view! { <span class="hint">" (not expressible in a query)"</span> }.into_any(),
            };
            view! {
                <li data-value=value.clone() data-count=count.to_string()>
                    <code>{value.clone()}</code>
                    <span class="facet-count">{format!(" {} ({share})", format_count(*count as u64))}</span>
                    {buttons}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="facet" data-facet=selector.to_string() data-distinct=counts.distinct.to_string()>
            <h3>{heading}</h3>
            <ol>{rows}</ol>
        </section>
    }
}
