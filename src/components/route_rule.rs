//! The page-route rule, shown and editable: which path segments become
//! `:id` (numbers, UUIDs, hex runs of at least N), so the usage figures
//! count routes. Applying it changes the URL (`routes=`); nothing is
//! fetched again.

use audit_core::page_routes::RouteRule;
use leptos::prelude::*;

#[component]
pub fn RouteRuleForm(rule: Signal<RouteRule>, on_apply: Callback<RouteRule>) -> impl IntoView {
    let numbers = RwSignal::new(true);
    let uuids = RwSignal::new(true);
    let hex = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // The fields follow the URL's rule (applied, back/forward, a link).
    Effect::new(move || {
        let rule = rule.get();
        numbers.set(rule.numbers);
        uuids.set(rule.uuids);
        hex.set(rule.hex_at_least.to_string());
        problem.set(None);
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = hex.get_untracked();
        let hex_at_least = match typed.trim().parse::<u8>() {
            Ok(0) => 0,
            Ok(n) if (4..=64).contains(&n) => n,
            _ => {
                // What was typed stays, to be corrected.
                problem.set(Some(format!(
                    "Hex runs: a whole number from 4 to 64, or 0 to leave them as they are (it is `{}`).",
                    typed.trim()
                )));
                return;
            }
        };
        problem.set(None);
        on_apply.run(RouteRule {
            numbers: numbers.get_untracked(),
            uuids: uuids.get_untracked(),
            hex_at_least,
        });
    };
    view! {
        <form class="route-rule" id="route-rule" novalidate=true on:submit=apply>
            <p class="route-rule-words" id="route-rule-words">{move || rule.get().describe()}</p>
            <label class="inline">
                <input type="checkbox" id="route-numbers" prop:checked=move || numbers.get()
                    on:change=move |ev| numbers.set(event_target_checked(&ev))/>
                " numbers"
            </label>
            <label class="inline">
                <input type="checkbox" id="route-uuids" prop:checked=move || uuids.get()
                    on:change=move |ev| uuids.set(event_target_checked(&ev))/>
                " UUIDs"
            </label>
            <label for="route-hex">"hex runs of at least"</label>
            <input id="route-hex" type="text" inputmode="numeric" size="3" prop:value=move || hex.get()
                on:input=move |ev| hex.set(event_target_value(&ev))
                aria-invalid=move || problem.with(Option::is_some).to_string()/>
            <span>"digits"</span>
            <button type="submit" id="route-apply">"Group pages"</button>
            {move || problem.get().map(|why| view! { <p class="error-view" id="route-error" role="alert">{why}</p> })}
        </form>
    }
}
