//! Product usage from Octopai's page loads: active users, sessions (rebuilt
//! with an idle timeout the user can change), time per page and the common
//! page sequences. The dashboard puts the usage charts (page loads and
//! active users over time, `segment_form` splitting them), the funnel, and
//! the other periods (`period_compare`, `retention_panel`) inside the
//! panel.

use audit_core::calendar::Zone;
use audit_core::page_routes::RouteRule;
use audit_core::stickiness::{days_active_in_last_week, stickiness, DayStickiness};
use audit_core::usage::{active_users, by_route, page_sequences, sessions, time_per_page};
use audit_core::TimeWindow;
use chrono::Duration;
use leptos::prelude::*;

use crate::components::chart_figure::is_open;
use crate::format::{format_count, format_duration};
use crate::view_state::parse_idle_minutes;

/// Everything the panel shows, computed once per change of the events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usage {
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
    pub sessions: usize,
    pub median_session: Duration,
    /// Page loads in all.
    pub page_loads: u64,
    /// The ten most viewed routes: (route, views, time on them).
    pub pages: Vec<(String, u32, Duration)>,
    /// Every route's views, by route.
    pub route_views: std::collections::BTreeMap<String, u32>,
    pub sequences: Vec<(Vec<String>, u32)>,
    /// DAU and MAU for each of the window's last 31 days at most.
    pub stickiness: Vec<DayStickiness>,
    /// Users active on exactly k of the last 7 days (index k).
    pub power: [u32; 8],
}

/// Usage of `events` in `window`, a pause of `idle_minutes` ending a
/// session, pages counted by their route under `rule`.
pub fn usage(
    events: &(impl audit_core::Events + ?Sized),
    window: &TimeWindow,
    idle_minutes: u32,
    rule: &RouteRule,
    zone: &impl Zone,
) -> Usage {
    let found = by_route(
        sessions(events, Duration::minutes(i64::from(idle_minutes))),
        rule,
    );
    let mut durations: Vec<Duration> = found.iter().map(|s| s.duration()).collect();
    durations.sort();
    let mut pages = time_per_page(&found);
    let route_views = pages
        .iter()
        .map(|(route, views, _)| (route.clone(), *views))
        .collect();
    let page_loads = pages.iter().map(|(_, views, _)| u64::from(*views)).sum();
    pages.truncate(10);
    Usage {
        daily: active_users(events, window.end(), 1),
        weekly: active_users(events, window.end(), 7),
        monthly: active_users(events, window.end(), 30),
        sessions: found.len(),
        median_session: durations
            .get(durations.len() / 2)
            .copied()
            .unwrap_or_default(),
        page_loads,
        pages,
        route_views,
        sequences: page_sequences(&found, 3, 5),
        stickiness: {
            let mut days = stickiness(events, window, zone);
            let keep = days.len().saturating_sub(31);
            days.drain(..keep);
            days
        },
        power: days_active_in_last_week(events, window, zone),
    }
}

#[component]
pub fn UsagePanel(
    usage: Signal<Option<Usage>>,
    /// The pause, in minutes, that ends a session.
    idle_minutes: Signal<u32>,
    /// Called with a new idle timeout the user asked for.
    on_idle: Callback<u32>,
    /// How pages are grouped into routes, and a new rule asked for.
    rule: Signal<RouteRule>,
    on_rule: Callback<RouteRule>,
    /// Whether the panel is open: the figures and charts are built (and
    /// counted) only while it is.
    open: RwSignal<bool>,
    /// The comparison with the previous period, and retention.
    #[prop(into)]
    periods: ViewFn,
    /// The usage charts.
    children: ChildrenFn,
) -> impl IntoView {
    let typed = RwSignal::new(idle_minutes.get_untracked().to_string());
    let problem = RwSignal::new(None::<String>);
    // A new timeout from elsewhere (a link, back) shows in the field.
    Effect::new(move || typed.set(idle_minutes.get().to_string()));
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match parse_idle_minutes(&typed.get_untracked()) {
            Ok(minutes) => {
                problem.set(None);
                on_idle.run(minutes);
            }
            // The typed text stays, so it can be mended.
            Err(why) => problem.set(Some(why)),
        }
    };
    view! {
        <details class="usage" id="usage" on:toggle=move |ev| open.set(is_open(&ev))>
            <summary>"Usage: active users, sessions and pages (Octopai page loads)"</summary>
            <form class="idle-form" novalidate on:submit=apply>
                <label>
                    "A pause of "
                    <input id="idle-minutes" type="text" inputmode="numeric" size="5"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                        aria-invalid=move || problem.with(Option::is_some).to_string()/>
                    " minutes ends a session"
                </label>
                " "
                <button type="submit" id="idle-apply">"Apply"</button>
                {move || problem.get().map(|why| view! { <p class="error-view" id="idle-error" role="alert">{why}</p> })}
            </form>
            <crate::components::route_rule::RouteRuleForm rule=rule on_apply=on_rule/>
            <Show when=move || open.get()>{children()}</Show>
            // The timeout is read before the figures counted with it: an
            // effect that asks a memo first and then one it is made from
            // can miss a change of the latter (ARCHITECTURE.md).
            {move || { let idle = idle_minutes.get(); usage.get().map(|usage| {
                let average = |views: u32, total: Duration| {
                    if views == 0 { String::new() } else { format_duration(total / i32::try_from(views).unwrap_or(i32::MAX)) }
                };
                view! {
                    <p class="usage-counts">{format!(
                        "Active users in the last day of the range: {}; last 7 days: {}; last 30 days: {}. {} sessions (a pause of {} minutes ends one), median length {}.",
                        format_count(usage.daily as u64),
                        format_count(usage.weekly as u64),
                        format_count(usage.monthly as u64),
                        format_count(usage.sessions as u64),
                        idle,
                        format_duration(usage.median_session)
                    )}</p>
                    <div class="lookup-lists">
                        <div>
                            <h3>"Top pages (by route)"</h3>
                            <ol class="top-pages">
                                {usage.pages.into_iter().map(|(page, views, total)| view! {
                                    <li><code>{page}</code> {format!(" {} views, about {} each", format_count(u64::from(views)), average(views, total))}</li>
                                }).collect_view()}
                            </ol>
                        </div>
                        <div>
                            <h3>"Common paths (three pages in a row)"</h3>
                            <ol class="page-sequences">
                                {usage.sequences.into_iter().map(|(run, count)| view! {
                                    <li>{run.join(" → ")} {format!(" ({count})")}</li>
                                }).collect_view()}
                            </ol>
                        </div>
                    </div>
                    <Stickiness days=usage.stickiness power=usage.power/>
                }
            })}}
            <Show when=move || open.get()>{periods.run()}</Show>
        </details>
    }
}

/// DAU/MAU on each day, and the power-user curve.
#[component]
fn Stickiness(days: Vec<DayStickiness>, power: [u32; 8]) -> impl IntoView {
    let percent = |day: &DayStickiness| format!("{:.0}%", day.ratio() * 100.0);
    let summary = days.last().map(|last| {
        let month = match last.whole_month {
            true => "the 30 days before".to_owned(),
            false => format!(
                "the {} loaded days of the 30 before (open the last 30 days for a whole month)",
                days.len()
            ),
        };
        format!(
            "DAU/MAU on the last day: {} ({} active that day of {} active in {month}).",
            percent(last),
            format_count(u64::from(last.daily)),
            format_count(u64::from(last.monthly)),
        )
    });
    let in_week: u32 = power.iter().sum();
    view! {
        <div class="stickiness" id="stickiness">
            <h3>"Stickiness"</h3>
            <p class="stickiness-summary">{summary}</p>
            <div class="lookup-lists">
                <table class="stickiness-days">
                    <caption>"Daily and monthly active users (a month: the 30 days ending that day, as far as the window reaches)"</caption>
                    <thead><tr><th scope="col">"Day"</th><th scope="col">"DAU"</th><th scope="col">"MAU"</th><th scope="col">"DAU/MAU"</th></tr></thead>
                    <tbody>
                        {days.iter().map(|day| view! {
                            <tr class:partial=!day.whole_month>
                                <th scope="row">{day.day.to_string()}</th>
                                <td>{format_count(u64::from(day.daily))}</td>
                                <td>{format_count(u64::from(day.monthly))}{(!day.whole_month).then_some(" *")}</td>
                                <td>{percent(day)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <table class="power-users">
                    <caption>{format!("Days active in the last 7 days ({} users active in them)", format_count(u64::from(in_week)))}</caption>
                    <thead><tr><th scope="col">"Days"</th><th scope="col">"Users"</th></tr></thead>
                    <tbody>
                        {(1..=7).map(|k| view! {
                            <tr><th scope="row">{k}</th><td>{format_count(u64::from(power[k]))}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {days.iter().any(|day| !day.whole_month).then(|| view! {
                <p class="note">"* The window holds only part of that day's month: MAU counts the days it holds."</p>
            })}
        </div>
    }
}
