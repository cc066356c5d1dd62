//! A funnel over the usage: two to five steps (a successful login, a
//! logout or a page route), within one session or N minutes; how many
//! people reached each step, the conversion and drop-off from the step
//! before, and the median time between them. A step's count narrows the
//! view to its people. Kept in the URL (`&funnel=…&within=…`).

use audit_core::funnel::{Funnel, StepCount, Within};
use leptos::prelude::*;

use crate::format::{format_count, format_duration};

#[component]
pub fn FunnelPanel(
    funnel: Signal<Option<Funnel>>,
    /// Each step's people, when a funnel is set.
    counted: Signal<Option<Vec<StepCount>>>,
    on_apply: Callback<Option<Funnel>>,
    /// Narrows the view to these people.
    on_people: Callback<Vec<String>>,
) -> impl IntoView {
    let steps = RwSignal::new(String::new());
    let session = RwSignal::new(true);
    let minutes = RwSignal::new("30".to_owned());
    let problem = RwSignal::new(None::<String>);
    // The fields follow the URL's funnel (applied, back/forward, a link).
    Effect::new(move || {
        if let Some(funnel) = funnel.get() {
            steps.set(funnel.steps_text());
            match funnel.within {
                Within::Session => session.set(true),
                Within::Minutes(m) => {
                    session.set(false);
                    minutes.set(m.to_string());
                }
            }
        }
        problem.set(None);
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let within = match session.get_untracked() {
            true => None,
            false => Some(minutes.get_untracked()),
        };
        // What was typed stays, to be corrected.
        match Funnel::from_query(&steps.get_untracked(), within.as_deref()) {
            Ok(funnel) => {
                problem.set(None);
                on_apply.run(Some(funnel));
            }
            Err(why) => problem.set(Some(why)),
        }
    };
    let table = move || {
        counted.get().map(|counts| {
            let rows = counts
                .iter()
                .enumerate()
                .map(|(k, step)| {
                    let users = step.users.len() as u64;
                    let before = k.checked_sub(1).map(|p| counts[p].users.len() as u64);
                    let conversion = match before {
                        Some(0) | None => "".to_owned(),
                        Some(before) => format!("{:.0}%", users as f64 * 100.0 / before as f64),
                    };
                    let dropped = before.map(|before| format_count(before - users)).unwrap_or_default();
                    let median = step.median_from_previous.map(format_duration).unwrap_or_default();
                    let people = step.users.clone();
                    view! {
                        <tr>
                            <th scope="row"><code>{step.step.text().to_owned()}</code></th>
                            <td>
                                <button type="button" class="funnel-people" prop:disabled=users == 0
                                    title="Show only these people's events"
                                    on:click=move |_| on_people.run(people.clone())>{format_count(users)}</button>
                            </td>
                            <td>{conversion}</td>
                            <td>{dropped}</td>
                            <td>{median}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="funnel-steps" id="funnel-steps">
                    <caption>"People reaching each step, in order"</caption>
                    <thead><tr>
                        <th scope="col">"Step"</th><th scope="col">"People"</th><th scope="col">"From the step before"</th>
                        <th scope="col">"Dropped"</th><th scope="col">"Median time from the step before"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    };
    view! {
        <div class="funnel" id="funnel">
            <h3>"Funnel"</h3>
            <form id="funnel-form" novalidate=true on:submit=apply>
                <label for="funnel-input">"Steps, 2 to 5, separated by > (login, logout or a page route)"</label>
                <input id="funnel-input" type="text" size="50" placeholder="login > /lineage/:id > /reports/:id/edit"
                    prop:value=move || steps.get() on:input=move |ev| steps.set(event_target_value(&ev))
                    aria-invalid=move || problem.with(Option::is_some).to_string()/>
                <label class="inline">
                    <input type="radio" name="funnel-within" id="funnel-session" prop:checked=move || session.get()
                        on:change=move |_| session.set(true)/>
                    " in one session"
                </label>
                <label class="inline">
                    <input type="radio" name="funnel-within" id="funnel-minutes-on" prop:checked=move || !session.get()
                        on:change=move |_| session.set(false)/>
                    " within"
                </label>
                <input id="funnel-minutes" type="text" inputmode="numeric" size="5" aria-label="minutes from the first step"
                    prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev))/>
                <span>"minutes of the first step"</span>
                <button type="submit" id="funnel-apply">"Show the funnel"</button>
                {move || funnel.with(Option::is_some).then(|| view! {
                    <button type="button" id="funnel-clear" on:click=move |_| on_apply.run(None)>"Clear"</button>
                })}
                {move || problem.get().map(|why| view! { <p class="error-view" id="funnel-error" role="alert">{why}</p> })}
            </form>
            {table}
        </div>
    }
}
