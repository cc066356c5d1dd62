//! Views a person names and comes back to: the window, sources, query,
//! columns and thresholds of a view, kept as its dashboard link in this
//! browser's `localStorage` (through `storage.rs`; a link holds no secret).
//! A view of a preset window stays relative ("the last 24 hours"); one of
//! a fixed range stays fixed.

use leptos::prelude::*;

use crate::storage::{load_views, save_views, SavedView};

/// `views` with `view` added, or in place of the one of the same name;
/// whether one was replaced.
pub fn with_view(views: &[SavedView], view: SavedView) -> (Vec<SavedView>, bool) {
    let mut views = views.to_vec();
    match views.iter_mut().find(|held| held.name == view.name) {
        Some(held) => {
            *held = view;
            (views, true)
        }
        None => {
            views.push(view);
            (views, false)
        }
    }
}

/// A view's name as typed, or why it cannot be one.
pub fn view_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    match name.chars().count() {
        0 => Err("Give the view a name.".into()),
        81.. => Err("A view's name is at most 80 characters.".into()),
        _ => Ok(name.to_owned()),
    }
}

/// How a saved view's window moves: with time, or not at all.
fn window_words(link: &str) -> &'static str {
    if link.contains("range=") {
        "its window moves with time"
    } else {
        "a fixed range"
    }
}

#[component]
pub fn SavedViews(
    /// The current view's link.
    current: Signal<String>,
    /// Whether privacy mode is on (its pseudonyms mean something in this
    /// session only, so such a view is not saved).
    private: Signal<bool>,
) -> impl IntoView {
    let (stored, unreadable) = load_views();
    let views = RwSignal::new(stored);
    let notice = RwSignal::new((unreadable > 0).then(|| {
        format!(
            "{unreadable} saved view entr{} could not be read and {} left out; saving a view rewrites the list without {}.",
            if unreadable == 1 { "y" } else { "ies" },
            if unreadable == 1 { "was" } else { "were" },
            if unreadable == 1 { "it" } else { "them" },
        )
    }));
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let keep = move |next: Vec<SavedView>, done: String| {
        if save_views(&next) {
            views.set(next);
            notice.set(Some(done));
            problem.set(None);
        } else {
            problem.set(Some(
                "The browser refused to store the views (storage full or turned off); nothing was changed.".into(),
            ));
        }
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if private.get_untracked() {
            problem.set(Some(
                "Turn privacy mode off to save a view: its pseudonyms only mean something in this session.".into(),
            ));
            return;
        }
        match view_name(&typed.get_untracked()) {
            Ok(name) => {
                let view = SavedView {
                    name: name.clone(),
                    link: current.get_untracked(),
                };
                let (next, replaced) = views.with_untracked(|views| with_view(views, view));
                let done = match replaced {
                    true => {
                        format!("Saved \u{201c}{name}\u{201d} in place of the view of that name.")
                    }
                    false => format!("Saved \u{201c}{name}\u{201d}."),
                };
                keep(next, done);
                typed.set(String::new());
            }
            // What was typed stays, so it can be mended.
            Err(why) => problem.set(Some(why)),
        }
    };
    let rows = move || {
        views
            .get()
            .into_iter()
            .enumerate()
            .map(|(at, view)| {
                let renamed = RwSignal::new(view.name.clone());
                let name = view.name.clone();
                let rename = move |_| match view_name(&renamed.get_untracked()) {
                    Ok(new_name) => {
                        let mut next = views.get_untracked();
                        if next.iter().enumerate().any(|(other, v)| other != at && v.name == new_name) {
                            problem.set(Some(format!("A view is already named \u{201c}{new_name}\u{201d}.")));
                            return;
                        }
                        next[at].name = new_name.clone();
                        keep(next, format!("Renamed to \u{201c}{new_name}\u{201d}."));
                    }
                    Err(why) => problem.set(Some(why)),
                };
                let delete = {
                    let name = name.clone();
                    move |_| {
                        let mut next = views.get_untracked();
                        next.remove(at);
                        keep(next, format!("Deleted \u{201c}{name}\u{201d}."));
                    }
                };
                view! {
                    <li data-name=name.clone()>
                        <a class="view-open" href=view.link.clone()>{name.clone()}</a>
                        <span class="hint">{format!(" ({})", window_words(&view.link))}</span>
                        <input class="view-rename" type="text" size="16" aria-label=format!("New name for {name}")
                            prop:value=move || renamed.get() on:input=move |ev| renamed.set(event_target_value(&ev))/>
                        <button type="button" class="view-rename-apply" on:click=rename>"Rename"</button>
                        <button type="button" class="view-delete" on:click=delete>"Delete"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <details class="saved-views" id="saved-views">
            <summary>"Saved views: name this view and come back to it"</summary>
            <form class="view-save" novalidate on:submit=save>
                <label>"Name "
                    <input id="view-name" type="text" size="24" prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                        aria-invalid=move || problem.with(Option::is_some).to_string()/>
                </label>
                " "
                <button type="submit" id="view-save">"Save this view"</button>
            </form>
            {move || problem.get().map(|why| view! { <p class="error-view" id="views-error" role="alert">{why}</p> })}
            {move || notice.get().map(|words| view! { <p class="views-notice" id="views-notice" role="status">{words}</p> })}
            <Show when=move || views.with(|v| !v.is_empty())
                fallback=|| view! { <p class="empty">"No saved views yet. Kept in this browser only."</p> }>
                <ol class="saved-list">{rows}</ol>
            </Show>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::read_views;

    fn saved(name: &str, link: &str) -> SavedView {
        SavedView {
            name: name.into(),
            link: link.into(),
        }
    }

    #[test]
    fn a_view_of_the_same_name_is_replaced_others_are_added() {
        let views = vec![saved("a", "/dashboard?range=24h")];
        let (added, replaced) = with_view(&views, saved("b", "/dashboard?range=7d"));
        assert_eq!((added.len(), replaced), (2, false));
        let (again, replaced) = with_view(&added, saved("a", "/dashboard?range=1h"));
        assert!(replaced);
        assert_eq!(again[0], saved("a", "/dashboard?range=1h"));
    }

    #[test]
    fn names_are_trimmed_and_neither_empty_nor_long() {
        assert_eq!(view_name("  Failed logins  "), Ok("Failed logins".into()));
        assert!(view_name("   ").is_err());
        assert!(view_name(&"x".repeat(81)).is_err());
        assert_eq!(
            window_words("/dashboard?range=24h"),
            "its window moves with time"
        );
        assert_eq!(window_words("/dashboard?from=a&to=b"), "a fixed range");
    }

    #[test]
    fn stored_views_read_back_and_a_broken_entry_is_left_out_and_counted() {
        let views = vec![saved("a", "/dashboard?range=24h&q=x")];
        let text = serde_json::to_string(&views).unwrap();
        assert_eq!(read_views(Some(&text)), (views.clone(), 0));
        assert_eq!(read_views(None), (vec![], 0));
        assert_eq!(read_views(Some("not json")), (vec![], 1));
        let mixed = r#"[{"name":"a","link":"/dashboard?range=24h&q=x"},{"name":7},{"name":"js","link":"javascript:alert(1)"},{"name":" ","link":"/dashboard?range=1h"}]"#;
        assert_eq!(read_views(Some(mixed)), (views, 3));
    }
}
