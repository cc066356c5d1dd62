//! The detections panel: every flag with why it fired and a button showing
//! exactly its events, and the thresholds, editable in place (they live in
//! the URL).

use audit_core::detect::{Detection, DetectionKind, Rule, Thresholds};
use leptos::prelude::*;

use crate::format::{format_count, format_time};
use crate::view_state::DisplayZone;

fn severity_word(severity: u8) -> &'static str {
    match severity {
        3 => "high",
        2 => "medium",
        _ => "low",
    }
}

/// Reads a positive whole number from a threshold field.
fn positive(text: &str, what: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(format!(
            "{what} must be a whole number of 1 or more (it is `{}`).",
            text.trim()
        )),
    }
}

/// Flags listed at first; the rest on request. Most severe come first, so
/// a long list (hundreds, once internal addresses may be first-seen over a
/// busy week) starts with what matters, and is not all built at once.
pub const FLAGS_AT_FIRST: usize = 50;

/// How many of `count` flags to list: `wanted`, and always as far as the
/// one shown (`active_at`), so a link to a flag far down lists it.
fn listed(count: usize, wanted: usize, active_at: Option<usize>) -> usize {
    wanted.max(active_at.map_or(0, |at| at + 1)).min(count)
}

/// Puts the focus on the button of the flag at `at` (from 0) in the list.
fn focus_flag(at: usize) {
    use wasm_bindgen::JsCast;
    let button = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| {
            let css = format!(
                "#detections ol.flag-list > li:nth-child({}) button.flag-show",
                at + 1
            );
            document.query_selector(&css).ok().flatten()
        })
        .and_then(|button| button.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(button) = button {
        let _ = button.focus();
    }
}

/// The list of flags.
#[component]
pub fn DetectionList(
    detections: Signal<std::sync::Arc<Vec<Detection>>>,
    /// The key of the flag whose events are shown, if any.
    active: Signal<Option<String>>,
    zone: Signal<DisplayZone>,
    /// Whether every source has finished loading (flags may still change).
    complete: Signal<bool>,
    /// Why silent sources are not watched, and the way to watch them.
    children: Children,
    on_show: Callback<Option<String>>,
) -> impl IntoView {
    let wanted = RwSignal::new(FLAGS_AT_FIRST);
    view! {
        <section class="detections" id="detections" aria-labelledby="detections-heading">
            <h2 id="detections-heading">"Detections"</h2>
            {move || (!complete.get()).then(|| view! {
                <p class="detections-pending">"Still loading: flags are computed from what has arrived so far."</p>
            })}
            {children()}
            {move || {
                let flags = detections.get();
                if flags.is_empty() {
                    return view! { <p class="empty">"Nothing flagged in the loaded events with these thresholds."</p> }.into_any();
                }
                let zone = zone.get();
                let active = active.get();
                let count = flags.len();
                let active_at = active
                    .as_deref()
                    .and_then(|key| flags.iter().position(|flag| flag.key() == key));
                let shown = listed(count, wanted.get(), active_at);
                let more = (shown < count).then(|| view! {
                    <p class="flags-more">
                        {format!("Listing the first {} of {} flags, most severe first. ", format_count(shown as u64), format_count(count as u64))}
                        <button type="button" id="flags-more" on:click=move |_| {
                            wanted.set(usize::MAX);
                            // The button goes: the focus moves on to the
                            // first flag now listed, not back to the page.
                            request_animation_frame(move || focus_flag(shown));
                        }>
                            {format!("List all {}", format_count(count as u64))}
                        </button>
                    </p>
                });
                view! {
                    <ol class="flag-list">
                        {flags.iter().take(shown).map(|flag| {
                            let key = flag.key();
                            let is_active = active.as_deref() == Some(key.as_str());
                            let severity = severity_word(flag.kind.severity());
                            let count = flag.event_ids.len();
                            let show_key = key.clone();
                            view! {
                                <li class=format!("flag severity-{severity}") class:active=is_active data-kind=flag.kind.slug() data-key=key.clone()>
                                    <p class="flag-title">
                                        <span class="severity">{severity}</span>
                                        <strong>{flag.kind.label()}</strong>
                                        ": " <span class="subject">{flag.subject.clone()}</span>
                                    </p>
                                    <p class="flag-when">{format!("{} to {}", format_time(flag.first_at, &zone), format_time(flag.last_at, &zone))}</p>
                                    <p class="flag-reason">{flag.reason.clone()}</p>
                                    {if is_active {
                                        view! { <button type="button" class="flag-show" on:click=move |_| on_show.run(None)>"Show all events again"</button> }.into_any()
                                    } else {
                                        view! {
                                            <button type="button" class="flag-show" on:click=move |_| on_show.run(Some(show_key.clone()))>
                                                {match flag.kind {
                                                    DetectionKind::SilentSource => "Show the events at its edges".to_owned(),
                                                    _ => format!("Show its {} events", format_count(count as u64)),
                                                }}
                                            </button>
                                        }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {more}
                }.into_any()
            }}
        </section>
    }
}

/// One "at least N within M minutes" row of the thresholds form.
fn rule_row(
    id: &'static str,
    label: &'static str,
    unit: &'static str,
    count: RwSignal<String>,
    minutes: RwSignal<String>,
) -> impl IntoView {
    let count_id = format!("{id}-count");
    let minutes_id = format!("{id}-minutes");
    view! {
        <div class="rule">
            <span class="rule-label">{label}</span>
            <label for=count_id.clone()>"at least"</label>
            <input id=count_id type="number" min="1" inputmode="numeric" prop:value=move || count.get()
                on:input=move |ev| count.set(event_target_value(&ev))/>
            <span>{unit}</span>
            <label for=minutes_id.clone()>"within"</label>
            <input id=minutes_id type="number" min="1" inputmode="numeric" prop:value=move || minutes.get()
                on:input=move |ev| minutes.set(event_target_value(&ev))/>
            <span>"minutes"</span>
        </div>
    }
}

/// The thresholds, editable; applying them changes the URL.
#[component]
pub fn ThresholdForm(
    thresholds: Signal<Thresholds>,
    on_apply: Callback<Thresholds>,
) -> impl IntoView {
    let field = || RwSignal::new(String::new());
    let (bf_n, bf_m, spray_n, spray_m) = (field(), field(), field(), field());
    let (fts_n, fts_m, denied_n, denied_m) = (field(), field(), field(), field());
    let history = field();
    let silence = field();
    let internal = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    // The fields follow the URL's thresholds (applied, reset, back/forward).
    Effect::new(move || {
        let t = thresholds.get();
        for (signal, value) in [
            (bf_n, t.brute_force.count),
            (bf_m, t.brute_force.minutes),
            (spray_n, t.spray.count),
            (spray_m, t.spray.minutes),
            (fts_n, t.failures_then_success.count),
            (fts_m, t.failures_then_success.minutes),
            (denied_n, t.denied_burst.count),
            (denied_m, t.denied_burst.minutes),
            (history, t.new_ip_history),
            (silence, t.silence),
        ] {
            signal.set(value.to_string());
        }
        internal.set(t.new_ip_internal);
        problem.set(None);
    });
    let read = move || -> Result<Thresholds, String> {
        let rule = |n: RwSignal<String>, m: RwSignal<String>, what: &str| {
            Ok::<Rule, String>(Rule::new(
                positive(&n.get_untracked(), &format!("{what}: the count"))?,
                positive(&m.get_untracked(), &format!("{what}: the minutes"))?,
            ))
        };
        Ok(Thresholds {
            brute_force: rule(bf_n, bf_m, "Brute force")?,
            spray: rule(spray_n, spray_m, "Password spray")?,
            failures_then_success: rule(fts_n, fts_m, "Failures, then a success")?,
            denied_burst: rule(denied_n, denied_m, "Denied operations")?,
            new_ip_history: history.get_untracked().trim().parse::<u32>().map_err(|_| {
                format!(
                    "First-seen address: the earlier events must be a whole number (it is `{}`).",
                    history.get_untracked().trim()
                )
            })?,
            new_ip_internal: internal.get_untracked(),
            silence: silence.get_untracked().trim().parse::<u32>().map_err(|_| {
                format!(
                    "Silent source: the expected events must be a whole number, 0 to switch the watch off (it is `{}`).",
                    silence.get_untracked().trim()
                )
            })?,
        })
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match read() {
            Ok(thresholds) => {
                problem.set(None);
                on_apply.run(thresholds);
            }
            // Nothing typed is lost: the fields keep the text to correct.
            Err(message) => problem.set(Some(message)),
        }
    };
    view! {
        <details class="thresholds">
            <summary>"Detection thresholds"</summary>
            <form id="thresholds" novalidate=true on:submit=apply>
                {rule_row("bf", "Brute force: failed logins for one account,", "failures", bf_n, bf_m)}
                {rule_row("spray", "Password spray: accounts failing from one address,", "accounts", spray_n, spray_m)}
                {rule_row("fts", "Failures, then a success for one account:", "failures", fts_n, fts_m)}
                {rule_row("denied", "Denied operations by one user,", "denials", denied_n, denied_m)}
                <div class="rule">
                    <label for="newip-history">"First-seen address: after at least"</label>
                    <input id="newip-history" type="number" min="0" inputmode="numeric" prop:value=move || history.get()
                        on:input=move |ev| history.set(event_target_value(&ev))/>
                    <span>"earlier events from other addresses"</span>
                    <label class="inline">
                        <input type="checkbox" id="newip-internal" prop:checked=move || internal.get()
                            on:change=move |ev| internal.set(event_target_checked(&ev))/>
                        " include internal addresses"
                    </label>
                </div>
                <div class="rule">
                    <label for="silence-expected">"Silent source: a stretch with no event, when every other such day held at least"</label>
                    <input id="silence-expected" type="number" min="0" inputmode="numeric" prop:value=move || silence.get()
                        on:input=move |ev| silence.set(event_target_value(&ev))/>
                    <span>"events in the same minutes (0: off; needs a window of 3 days or more)"</span>
                </div>
                <div class="threshold-actions">
                    <button type="submit" id="thresholds-apply">"Apply thresholds"</button>
                    <button type="button" id="thresholds-reset" on:click=move |_| on_apply.run(Thresholds::default())>"Back to defaults"</button>
                </div>
                {move || problem.get().map(|message| view! { <p class="error-view threshold-error" role="alert">{message}</p> })}
            </form>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_fields_need_positive_whole_numbers() {
        assert_eq!(positive(" 12 ", "x"), Ok(12));
        assert!(positive("0", "Brute force: the count")
            .unwrap_err()
            .starts_with("Brute force: the count must be a whole number of 1 or more"));
        assert!(positive("ten", "x").unwrap_err().contains("`ten`"));
        assert!(positive("-3", "x").is_err());
    }

    #[test]
    fn a_long_list_of_flags_lists_the_first_and_always_the_one_shown() {
        assert_eq!(listed(10, FLAGS_AT_FIRST, None), 10, "a short list whole");
        assert_eq!(listed(600, FLAGS_AT_FIRST, None), 50);
        assert_eq!(listed(600, FLAGS_AT_FIRST, Some(3)), 50);
        assert_eq!(
            listed(600, FLAGS_AT_FIRST, Some(79)),
            80,
            "as far as the one shown"
        );
        assert_eq!(listed(600, usize::MAX, None), 600, "all, on request");
    }

    #[test]
    fn severities_have_words() {
        assert_eq!(severity_word(3), "high");
        assert_eq!(severity_word(2), "medium");
        assert_eq!(severity_word(1), "low");
    }
}
