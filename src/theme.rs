//! Light and dark: the system's `prefers-color-scheme` until the person
//! picks one, which [`crate::storage`] keeps for next time. The theme shown
//! is set as `data-theme` on `<html>` (style/main.css reads it) and given
//! to the charts, which plotters draws in its colours ([`crate::charts::Ink`]).

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::storage;

/// A theme as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Follow the system's setting.
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            ThemeChoice::System => "system",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "As the system",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }

    pub fn parse(text: &str) -> Option<ThemeChoice> {
        ThemeChoice::ALL
            .into_iter()
            .find(|choice| choice.as_str() == text)
    }

    /// The theme shown for this choice when the system prefers dark or not.
    pub fn resolve(self, system_dark: bool) -> Theme {
        match self {
            ThemeChoice::Light => Theme::Light,
            ThemeChoice::Dark => Theme::Dark,
            ThemeChoice::System if system_dark => Theme::Dark,
            ThemeChoice::System => Theme::Light,
        }
    }
}

/// The theme, shared by every page.
#[derive(Debug, Clone, Copy)]
pub struct ThemeContext {
    choice: RwSignal<ThemeChoice>,
    system_dark: RwSignal<bool>,
}

impl ThemeContext {
    /// The theme shown (tracked: charts redraw when it changes).
    pub fn theme(&self) -> Theme {
        self.choice.get().resolve(self.system_dark.get())
    }

    pub fn choice(&self) -> ThemeChoice {
        self.choice.get()
    }

    /// Shows and keeps the person's choice.
    pub fn choose(&self, choice: ThemeChoice) {
        storage::save_theme(choice.as_str());
        self.choice.set(choice);
    }
}

pub fn use_theme() -> ThemeContext {
    expect_context::<ThemeContext>()
}

/// Reads the kept choice and the system's preference (following its
/// changes), provides the context and keeps `<html data-theme>` current.
pub fn provide_theme() {
    let choice = storage::load_theme()
        .and_then(|text| ThemeChoice::parse(&text))
        .unwrap_or(ThemeChoice::System);
    let query = web_sys::window().and_then(|window| {
        window
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
    });
    let system_dark = RwSignal::new(query.as_ref().is_some_and(web_sys::MediaQueryList::matches));
    if let Some(query) = query {
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(list) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::MediaQueryList>().ok())
            {
                system_dark.set(list.matches());
            }
        });
        let _ = query.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
        // The page's whole life.
        listener.forget();
    }
    let context = ThemeContext {
        choice: RwSignal::new(choice),
        system_dark,
    };
    provide_context(context);
    Effect::new(move |_| {
        let theme = context.theme();
        let choice = context.choice();
        if let Some(root) = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.document_element())
        {
            // An explicit choice pins the palette; "system" leaves it to the
            // media query, and says which one is shown.
            let _ = match choice {
                ThemeChoice::System => root.remove_attribute("data-theme"),
                _ => root.set_attribute("data-theme", choice.as_str()),
            };
            let _ = root.set_attribute(
                "data-theme-shown",
                if theme == Theme::Dark {
                    "dark"
                } else {
                    "light"
                },
            );
        }
    });
}

/// The theme picker, for page headers.
#[component]
pub fn ThemePicker() -> impl IntoView {
    let theme = use_theme();
    view! {
        <label class="theme-picker">
            "Theme "
            <select id="theme" on:change=move |event| {
                if let Some(choice) = ThemeChoice::parse(&event_target_value(&event)) {
                    theme.choose(choice);
                }
            }>
                {ThemeChoice::ALL.into_iter().map(|choice| view! {
                    <option value=choice.as_str() selected=move || theme.choice() == choice>{choice.label()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::{contrast, Ink};
    use plotters::style::RGBColor;

    const CSS: &str = include_str!("../style/main.css");

    /// The custom properties of the CSS block that starts with `selector {`.
    fn palette(selector: &str) -> std::collections::HashMap<String, RGBColor> {
        let start = CSS
            .find(&format!("{selector} {{"))
            .unwrap_or_else(|| panic!("{selector}"));
        let block = &CSS[start..start + CSS[start..].find('}').unwrap()];
        block
            .lines()
            .filter_map(|line| {
                let (name, value) = line.trim().strip_prefix("--")?.split_once(':')?;
                let hex = value.trim().trim_end_matches(';').strip_prefix('#')?;
                let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
                Some((
                    name.to_owned(),
                    RGBColor(channel(0)?, channel(2)?, channel(4)?),
                ))
            })
            .collect()
    }

    #[test]
    fn both_palettes_meet_wcag_aa_for_text_and_graphics() {
        for (theme, selector, ink) in [
            ("light", ":root", Ink::LIGHT),
            ("dark", ":root[data-theme=\"dark\"]", Ink::DARK),
        ] {
            let colours = palette(selector);
            let c = |name: &str| {
                *colours
                    .get(name)
                    .unwrap_or_else(|| panic!("--{name} in {theme}"))
            };
            let pairs = [
                ("ink", "panel", 4.5),
                ("ink", "page", 4.5),
                ("muted", "panel", 4.5),
                ("muted", "page", 4.5),
                ("accent", "panel", 4.5),
                ("bad", "panel", 4.5),
                ("on-accent", "accent-bg", 4.5),
                ("error-ink", "error-bg", 4.5),
                ("warn-ink", "panel", 4.5),
                ("ink", "tint", 4.5),
                ("tip-ink", "tip-bg", 4.5),
                ("field-line", "panel", 3.0),
                ("focus", "panel", 3.0),
                ("warn", "panel", 3.0),
            ];
            for (front, back, least) in pairs {
                let ratio = contrast(c(front), c(back));
                assert!(
                    ratio >= least,
                    "{theme}: --{front} on --{back} is {ratio:.2}:1, under {least}:1"
                );
            }
            assert_eq!(
                c("panel"),
                ink.background,
                "{theme}: charts sit on the panel colour"
            );
        }
        // The system's dark preference uses the same dark palette.
        let media = palette("  :root:not([data-theme=\"light\"])");
        assert_eq!(media, palette(":root[data-theme=\"dark\"]"));
    }

    #[test]
    fn a_choice_resolves_against_the_system_preference() {
        assert_eq!(ThemeChoice::System.resolve(true), Theme::Dark);
        assert_eq!(ThemeChoice::System.resolve(false), Theme::Light);
        assert_eq!(ThemeChoice::Light.resolve(true), Theme::Light);
        assert_eq!(ThemeChoice::Dark.resolve(false), Theme::Dark);
        for choice in ThemeChoice::ALL {
            assert_eq!(ThemeChoice::parse(choice.as_str()), Some(choice));
        }
        assert_eq!(ThemeChoice::parse("sepia"), None);
    }
}
