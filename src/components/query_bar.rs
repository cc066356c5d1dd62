//! The query bar: the Cloudera Manager query language, checked as you type.
//! Mistakes are shown inline with their position underlined; a query with
//! a mistake is never applied (so never sent anywhere).

use audit_core::alternatives::{
    chips, completions, negated_chip, parse_alternatives, without_chip,
};
use audit_core::query::Diagnostic;
use audit_core::query::Selector;
use leptos::prelude::*;
use std::collections::HashMap;

use audit_core::event::FnvMap;

/// The parts of `text` before, inside and after a diagnostic's span, for
/// underlining (an empty span marks the place with a space).
pub fn split_at_span<'a>(text: &'a str, diagnostic: &Diagnostic) -> (&'a str, &'a str, &'a str) {
    let start = diagnostic.span.start.min(text.len());
    let end = diagnostic.span.end.clamp(start, text.len());
    match (text.get(..start), text.get(start..end), text.get(end..)) {
        (Some(before), Some(inside), Some(after)) => (before, inside, after),
        _ => (text, "", ""),
    }
}

#[component]
pub fn QueryBar(
    /// The applied query (from the URL).
    applied: Signal<String>,
    /// Called with the canonical text of a valid query when the user applies it.
    on_apply: impl Fn(String) + Clone + Send + Sync + 'static,
    /// Values seen in the loaded events, per selector, most frequent first:
    /// what the completion offers.
    known_values: Signal<KnownValues>,
) -> impl IntoView {
    let chip_apply = on_apply.clone();
    let draft = RwSignal::new(applied.get_untracked());
    // Back/forward and pasted links change the applied query: follow them.
    Effect::new(move || draft.set(applied.get()));
    let diagnostics =
        Memo::new(move |_| draft.with(|text| parse_alternatives(text).err().unwrap_or_default()));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = draft.get_untracked();
        match parse_alternatives(&text) {
            // One branch prints canonically; alternatives apply as typed.
            Ok(branches) if branches.len() == 1 => on_apply(branches[0].to_query_string()),
            Ok(_) => on_apply(text.trim().to_owned()),
            Err(_) => {}
        }
    };
    view! {
        <form class="query-bar" on:submit=submit role="search">
            <label for="query">"Query"</label>
            <input id="query" type="text" spellcheck="false" autocomplete="off" list="query-suggestions"
                placeholder="username==admin;allowed==false;operation!=*list*"
                aria-describedby="query-help query-diagnostics"
                aria-invalid=move || (!diagnostics.with(Vec::is_empty)).to_string()
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))/>
            <button type="submit" id="query-apply" prop:disabled=move || !diagnostics.with(Vec::is_empty)>"Apply"</button>
            <p id="query-help" class="hint">
                "Constraints joined by ; (AND), each selector==value or selector!=value, * as a wildcard. "
                "Beyond Cloudera Manager: selector=in=(a,b), selector=out=(a,b) and || between alternatives, each sent as its own request. "
                "Sent to Cloudera Manager; applied to Octopai events here."
            </p>
            <ul id="query-diagnostics" class="diagnostics" aria-live="polite">
                {move || {
                    let text = draft.get();
                    diagnostics
                        .get()
                        .into_iter()
                        .map(|diagnostic| {
                            let (before, inside, after) = split_at_span(&text, &diagnostic);
                            let inside = if inside.is_empty() { " ".to_owned() } else { inside.to_owned() };
                            view! {
                                <li class="diagnostic" data-start=diagnostic.span.start data-end=diagnostic.span.end>
                                    <code>{before.to_owned()}<mark>{inside}</mark>{after.to_owned()}</code>
                                    " "
                                    <span>{format!("Column {}: {}", diagnostic.span.start + 1, diagnostic.message)}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <datalist id="query-suggestions">
                {move || {
                    let text = draft.get();
                    known_values.with(|known| {
                        completions(&text, |selector| Selector::from_name(selector).and_then(|selector| known.get(&selector)).map_or(&[][..], Vec::as_slice), 20)
                    })
                    .into_iter()
                    .map(|option| view! { <option value=option></option> })
                    .collect_view()
                }}
            </datalist>
            <ul class="chips" aria-label="Applied constraints">
                {move || {
                    let text = applied.get();
                    chips(&text)
                        .into_iter()
                        .map(|chip| {
                            let (negate_text, remove_text) = (negated_chip(&text, &chip), without_chip(&text, &chip));
                            let (negate, remove) = (chip_apply.clone(), chip_apply.clone());
                            let label = chip.text.clone();
                            view! {
                                <li class="chip" data-alternative=chip.alternative>
                                    <code>{chip.text.clone()}</code>
                                    <button type="button" class="chip-negate" aria-label=format!("Negate {label}")
                                        on:click=move |_| negate(negate_text.clone())>"≠"</button>
                                    <button type="button" class="chip-remove" aria-label=format!("Remove {label}")
                                        on:click=move |_| remove(remove_text.clone())>"×"</button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </form>
    }
}

/// Values seen per selector, most frequent first.
pub type KnownValues = HashMap<Selector, Vec<String>>;

/// The selectors completion offers values for.
pub const COMPLETED_SELECTORS: [Selector; 5] = [
    Selector::Username,
    Selector::IpAddress,
    Selector::Operation,
    Selector::Service,
    Selector::Source,
];

/// The `per_selector` most frequent values of each completed selector.
pub fn known_values(
    events: &(impl audit_core::Events + ?Sized),
    per_selector: usize,
) -> KnownValues {
    // One pass over the events for every selector, counted borrowed (a
    // copy only of the values kept) with a fast hash for short strings.
    let mut counts: Vec<FnvMap<&str, u32>> = COMPLETED_SELECTORS
        .iter()
        .map(|_| FnvMap::default())
        .collect();
    for event in events.iter() {
        for (selector, counts) in COMPLETED_SELECTORS.iter().zip(counts.iter_mut()) {
            if let Some(value) = audit_core::query::event_field(event, *selector) {
                *counts.entry(value).or_default() += 1;
            }
        }
    }
    let order = |a: &(&str, u32), b: &(&str, u32)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    COMPLETED_SELECTORS
        .iter()
        .zip(counts)
        .map(|(selector, counts)| {
            let mut ranked: Vec<(&str, u32)> = counts.into_iter().collect();
            // Only the kept ones are sorted.
            if ranked.len() > per_selector {
                ranked.select_nth_unstable_by(per_selector, order);
                ranked.truncate(per_selector);
            }
            ranked.sort_unstable_by(order);
            let kept = ranked
                .into_iter()
                .map(|(value, _)| value.to_owned())
                .collect();
            (*selector, kept)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_are_the_most_frequent_first_ties_by_name_cut_to_the_limit() {
        use audit_core::fixture::event;
        use audit_core::{EventKind, Outcome, Source};
        let at = "2026-11-21T10:00:00Z";
        let mut events = Vec::new();
        for (actor, times) in [("carol", 3), ("bob", 5), ("ann", 3), ("dan", 1), ("eve", 2)] {
            for _ in 0..times {
                events.push(
                    event(
                        "x",
                        Source::ClouderaManager,
                        at,
                        EventKind::Operation,
                        Outcome::Allowed,
                    )
                    .by(actor),
                );
            }
        }
        let known = known_values(&events, 3);
        assert_eq!(known[&Selector::Username], ["bob", "ann", "carol"]);
        assert_eq!(
            known_values(&events, 10)[&Selector::Username],
            ["bob", "ann", "carol", "eve", "dan"]
        );
        assert!(known_values(&[], 3)[&Selector::Operation].is_empty());
    }

    #[test]
    fn spans_split_the_text_for_underlining() {
        let text = "usr==bob";
        let diagnostic = &parse_alternatives(text).unwrap_err()[0];
        assert_eq!(split_at_span(text, diagnostic), ("", "usr", "==bob"));
        let text = "username==a;";
        let diagnostic = &parse_alternatives(text).unwrap_err()[0];
        assert_eq!(split_at_span(text, diagnostic), ("username==a;", "", ""));
        let out_of_range = Diagnostic {
            span: audit_core::query::Span { start: 50, end: 60 },
            message: String::new(),
        };
        assert_eq!(split_at_span("abc", &out_of_range), ("abc", "", ""));
    }
}
