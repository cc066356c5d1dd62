//! The privacy mode switch, what it does, and what it cannot do for a
//! shared link.

use leptos::prelude::*;

/// One switch: people and addresses shown as pseudonyms, or as recorded.
#[component]
pub fn PrivacySwitch(
    on: Signal<bool>,
    on_change: Callback<bool>,
    /// Pseudonyms the link names that this session cannot resolve.
    unresolved: Signal<Vec<String>>,
    /// Why the last change was refused, if it was.
    refused: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <section class="privacy" aria-label="Privacy mode">
            <label class="privacy-switch">
                <input type="checkbox" id="privacy" role="switch" prop:checked=move || on.get()
                    aria-describedby="privacy-help"
                    on:change=move |ev| on_change.run(event_target_checked(&ev))/>
                " Privacy mode"
            </label>
            <p class="privacy-help" id="privacy-help">{move || if on.get() {
                "On: user names, e-mail addresses and IP addresses are shown, exported and put in links as pseudonyms (user-…, ip-…) of this browser session; the same person is always the same pseudonym, and every count, chart and flag is unchanged. A resource path that contains a user name (/user/hive/…) is a resource, not a user field, and stays as recorded; so do other names inside an operation's text."
            } else {
                "Off: people and addresses are shown as recorded. Turn it on before sharing a screenshot, an export or a link."
            }}</p>
            {move || refused.get().map(|why| view! { <p class="error-view" role="alert" id="privacy-refused">{why}</p> })}
            {move || {
                let names = unresolved.get();
                (!names.is_empty()).then(|| view! {
                    <p class="error-view" role="status" id="privacy-unresolved">
                        {format!(
                            "This link names {}: pseudonyms are made per browser session, so a filter on a person cannot travel in a shared link. Here {} nothing. Ask whoever shared it who they are, or remove that filter.",
                            names.join(", "),
                            if names.len() == 1 { "it matches" } else { "they match" },
                        )}
                    </p>
                })
            }}
        </section>
    }
}
