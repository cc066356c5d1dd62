//! Splitting the usage charts in two: by internal or external addresses,
//! or by a pasted list of users (`&split=address`, `&split=users:a,b`).

use audit_core::segment::{Segment, MOST_USERS};
use leptos::prelude::*;

#[component]
pub fn SegmentForm(
    split: Signal<Option<Segment>>,
    /// Called with the split asked for (`None`: not split).
    on_apply: Callback<Option<Segment>>,
) -> impl IntoView {
    let choice = RwSignal::new("none".to_owned());
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // A split from elsewhere (a link, back) shows in the form.
    Effect::new(move || match split.get() {
        None => choice.set("none".into()),
        Some(Segment::Addresses) => choice.set("address".into()),
        Some(Segment::Users(users)) => {
            choice.set("users".into());
            typed.set(users.join("\n"));
        }
    });
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let asked = match choice.get_untracked().as_str() {
            "address" => Ok(Some(Segment::Addresses)),
            "users" => Segment::users(&typed.get_untracked()).map(Some),
            _ => Ok(None),
        };
        match asked {
            Ok(segment) => {
                problem.set(None);
                on_apply.run(segment);
            }
            // The pasted list stays, so it can be mended.
            Err(why) => problem.set(Some(why)),
        }
    };
    view! {
        <form class="segment-form" id="segment-form" novalidate on:submit=apply>
            <label>
                "Split the usage charts by "
                <select id="segment-choice" prop:value=move || choice.get()
                    on:change=move |ev| choice.set(event_target_value(&ev))>
                    <option value="none">"nothing"</option>
                    <option value="address">"internal or external address"</option>
                    <option value="users">"a list of users"</option>
                </select>
            </label>
            <Show when=move || choice.with(|c| c == "users")>
                <label class="segment-users">
                    {format!("Users (up to {MOST_USERS}, separated by commas, spaces or lines)")}
                    <textarea id="segment-users" rows="3" cols="40"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                        aria-invalid=move || problem.with(Option::is_some).to_string()></textarea>
                </label>
            </Show>
            " " <button type="submit" id="segment-apply">"Apply"</button>
            {move || problem.get().map(|why| view! { <p class="error-view" id="segment-error" role="alert">{why}</p> })}
        </form>
    }
}
