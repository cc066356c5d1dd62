//! The dashboard's keyboard shortcuts (`?` lists them). None fires while
//! the person types in a field or holds Ctrl, Alt or Meta, so no shortcut
//! ever eats a character meant for the query or a date.

use audit_core::TimeWindow;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Every shortcut, as the list shows it.
pub const SHORTCUTS: [(&str, &str); 6] = [
    ("/", "Go to the query"),
    (
        "Esc",
        "Close the open event detail, menu or this list; leave a text field",
    ),
    ("j / k", "Move to the next / previous event in the table"),
    ("Enter", "Open the detail of the event the table is on"),
    (
        "[ / ]",
        "Step the time window back / forward by its own length",
    ),
    ("?", "Show or hide this list"),
];

/// The window one step back or forward: as long as `window`, right before
/// or after it, never ending after `now`.
pub fn stepped(window: &TimeWindow, forward: bool, now: DateTime<Utc>) -> TimeWindow {
    let length = window.length();
    if forward {
        TimeWindow::ending_at((window.end() + length).min(now).max(window.end()), length)
    } else {
        TimeWindow::ending_at(window.start(), length)
    }
}

/// Whether a key press belongs to a field (or comes with a modifier) and
/// is none of the shortcuts' business.
fn not_ours(event: &web_sys::KeyboardEvent) -> bool {
    if event.ctrl_key() || event.alt_key() || event.meta_key() || event.default_prevented() {
        return true;
    }
    let enter = event.key() == "Enter";
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|element| {
            let tag = element.tag_name();
            matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || element.is_content_editable()
                // Enter on a button or link presses it, as it always does.
                || (enter && matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY"))
        })
}

/// Calls `on_key` with each key pressed outside a field while the calling
/// component lives; `on_key` answers whether the key was a shortcut (its
/// default action is then prevented).
pub fn on_shortcut(on_key: impl Fn(&str) -> bool + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let listener =
        Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
            if !not_ours(&event) && on_key(&event.key()) {
                event.prevent_default();
            } else if event.key() == "Escape" {
                leave_text_field(&event);
            }
        });
    let _ = window.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
    let listener = send_wrapper::SendWrapper::new(listener);
    on_cleanup(move || {
        if let Some(window) = web_sys::window() {
            let _ = window
                .remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
    });
}

/// `Esc` in a text field leaves it (what it holds stays), so the
/// shortcuts work again without reaching for the mouse.
fn leave_text_field(event: &web_sys::KeyboardEvent) {
    if let Some(input) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        if matches!(input.type_().as_str(), "text" | "search" | "email" | "") {
            let _ = input.blur();
        }
    }
}

/// Closes every open disclosure menu (`<details open>`) on the page.
pub fn close_menus() -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Ok(open) = document.query_selector_all("details[open]") else {
        return false;
    };
    let mut closed = false;
    for index in 0..open.length() {
        if let Some(element) = open
            .item(index)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        {
            let _ = element.remove_attribute("open");
            closed = true;
        }
    }
    closed
}

/// Moves focus to the element with `id`.
pub fn focus(id: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|element| element.focus().is_ok())
}

/// The list of shortcuts, shown by `?`.
#[component]
pub fn ShortcutList(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || open.get()>
            <section class="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <dl>
                    {SHORTCUTS.iter().map(|(keys, what)| view! {
                        <dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd>
                    }).collect_view()}
                </dl>
                <p class="hint">"None works while you type in a field."</p>
                <button type="button" id="shortcuts-close" on:click=move |_| open.set(false)>"Close"</button>
            </section>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::time::parse_iso;

    fn window(start: &str, end: &str) -> TimeWindow {
        TimeWindow::new(parse_iso(start).unwrap(), parse_iso(end).unwrap()).unwrap()
    }

    #[test]
    fn a_step_moves_by_the_windows_length_and_never_past_now() {
        let now = parse_iso("2026-11-20T12:00:00Z").unwrap();
        let day = window("2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z");
        assert_eq!(
            stepped(&day, false, now),
            window("2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z")
        );
        assert_eq!(
            stepped(&day, true, now),
            window("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")
        );
        let last = window("2026-11-19T06:00:00Z", "2026-11-20T06:00:00Z");
        assert_eq!(
            stepped(&last, true, now),
            window("2026-11-19T12:00:00Z", "2026-11-20T12:00:00Z"),
            "stops at now"
        );
        let current = window("2026-11-19T12:00:00Z", "2026-11-20T12:00:00Z");
        assert_eq!(stepped(&current, true, now), current);
    }
}
