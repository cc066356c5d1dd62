//! Progress of a load, per source: pages and events so far, the total
//! where the source tells it (how much of the window's time is covered
//! where it does not), and a page waiting to be tried again.

use leptos::prelude::*;

use crate::format::format_count;
use crate::loader::SourceProgress;

#[component]
pub fn LoadProgress(name: &'static str, progress: Signal<SourceProgress>) -> impl IntoView {
    let text = move || {
        let progress = progress.get();
        let events = format_count(progress.received);
        let pages = progress.pages;
        let page_word = if pages == 1 { "page" } else { "pages" };
        let rate = progress
            .rate()
            .map(|rate| format!(", {} events/s", format_count(rate)))
            .unwrap_or_default();
        let retried = match progress.retries {
            0 => String::new(),
            1 => ", 1 page tried again".to_owned(),
            n => format!(", {n} pages tried again"),
        };
        match (progress.finished, progress.total) {
            (true, _) if progress.held => {
                format!("{name}: {events} events, from what was already loaded (nothing fetched)")
            }
            (true, _) => {
                format!("{name}: {events} events loaded ({pages} {page_word}{rate}{retried})")
            }
            (false, Some(total)) => format!(
                "{name}: loading… {events} of {} events ({pages} {page_word}{rate})",
                format_count(total)
            ),
            (false, None) => match progress.covered {
                Some(covered) => format!(
                    "{name}: loading… {events} events so far, {}% of the window's time covered ({pages} {page_word}{rate})",
                    covered / 10
                ),
                None => {
                    format!("{name}: loading… {events} events so far ({pages} {page_word}{rate})")
                }
            },
        }
    };
    let value = move || {
        let progress = progress.get();
        match (progress.finished, progress.total) {
            (true, _) => Some(1.0),
            (false, Some(total)) if total > 0 => Some(progress.received as f64 / total as f64),
            (false, None) => progress.covered.map(|covered| f64::from(covered) / 1000.0),
            _ => None,
        }
    };
    let known = Memo::new(move |_| value().is_some());
    view! {
        <div class="load-progress" data-finished=move || progress.get().finished.to_string()>
            <label>
                <span class="progress-text">{text}</span>
                // Built again only when the total becomes known; the bar's
                // value changes in place.
                {move || match known.get() {
                    true => view! {
                        <progress max="1" value=move || value().unwrap_or(0.0).to_string()></progress>
                    }.into_any(),
                    false => view! { <progress></progress> }.into_any(),
                }}
            </label>
            {move || progress.get().retrying.map(|note| view! {
                <p class="retrying" role="status">{note.describe()}</p>
            })}
        </div>
    }
}
