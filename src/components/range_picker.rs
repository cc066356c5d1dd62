//! The time controls: preset ranges, an absolute range, and the switch
//! between local time and UTC. They only describe the wanted view; the page
//! navigates to it (the URL is the state).

use audit_core::calendar::Zone;
use audit_core::TimeWindow;
use leptos::prelude::*;

use crate::format::format_window;
use crate::view_state::{
    local_input_value, parse_local_input, DashboardView, DisplayZone, RangePreset, TimeRange,
};

#[component]
pub fn RangePicker(
    view: Signal<DashboardView>,
    /// The window being shown (the absolute form starts from it).
    window: Signal<Option<TimeWindow>>,
    zone: Signal<DisplayZone>,
    /// Called with the view the user asked for.
    on_change: impl Fn(DashboardView) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    // The absolute fields follow the shown window (and the display zone).
    Effect::new(move || {
        if let Some(window) = window.get() {
            let zone = zone.get();
            from.set(local_input_value(window.start(), &zone));
            to.set(local_input_value(window.end(), &zone));
        }
    });

    let preset_change = on_change.clone();
    let presets = RangePreset::ALL
        .into_iter()
        .map(|preset| {
            let change = preset_change.clone();
            view! {
                <button type="button" aria-pressed=move || (view.get().range == TimeRange::Preset(preset)).to_string()
                    on:click=move |_| change(DashboardView { range: TimeRange::Preset(preset), ..view.get_untracked() })>
                    {preset.label()}
                </button>
            }
        })
        .collect_view();

    let absolute_change = on_change.clone();
    let apply_absolute = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let zone = zone.get_untracked();
        let range = parse_local_input(&from.get_untracked(), &zone, "start")
            .and_then(|start| Ok((start, parse_local_input(&to.get_untracked(), &zone, "end")?)))
            .and_then(|(start, end)| {
                TimeWindow::new(start, end).map(|_| TimeRange::Absolute { start, end })
            });
        match range {
            Ok(range) => {
                problem.set(None);
                absolute_change(DashboardView {
                    range,
                    ..view.get_untracked()
                });
            }
            // The fields keep what was typed, so it can be corrected.
            Err(message) => problem.set(Some(message)),
        }
    };

    let zone_change = on_change;
    let toggle_zone = move |_| {
        let current = view.get_untracked();
        let zone = match current.zone {
            DisplayZone::Local => DisplayZone::Utc,
            DisplayZone::Utc => DisplayZone::Local,
        };
        zone_change(DashboardView { zone, ..current });
    };

    let window_words = move || {
        window
            .get()
            .map(|w| format_window(&w, &zone.get()))
            .unwrap_or_default()
    };

    view! {
        <section class="range-picker" aria-label="Time range">
            <div class="ranges">
                {presets}
                <label class="utc-switch">
                    <input type="checkbox" id="utc-switch" prop:checked=move || view.get().zone == DisplayZone::Utc on:change=toggle_zone/>
                    " Show times in UTC"
                </label>
            </div>
            <form class="absolute-range" on:submit=apply_absolute>
                <label for="range-from">"From"</label>
                <input id="range-from" type="datetime-local" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
                <label for="range-to">"To"</label>
                <input id="range-to" type="datetime-local" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/>
                <button type="submit" id="range-apply">"Show this range"</button>
                <span class="zone-note">{move || match zone.get() {
                    DisplayZone::Utc => "times in UTC".to_owned(),
                    DisplayZone::Local => format!("times in local time (now UTC{})", DisplayZone::Local.offset_at(chrono::Utc::now())),
                }}</span>
            </form>
            {move || problem.get().map(|message| view! { <p class="error-view range-error" role="alert">{message}</p> })}
            <p class="window">{window_words}</p>
        </section>
    }
}
