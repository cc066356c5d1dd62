//! Retention: cohorts by the day or week of their first event in a
//! lookback loaded for the purpose, and the share of each still active in
//! each period after, as a table and as a heat map (the same plotters path
//! as every chart), with absolute numbers on hover and in the table.

use audit_core::retention::{Grain, Lookback, Retention, SEEN_BEFORE_DAYS};
use audit_core::TimeWindow;
use leptos::prelude::*;

use crate::charts::{share_grid, Ink, HEAT_COLOR};
use crate::components::chart_figure::{ChartFigure, DataTable, Pointing};
use crate::format::{format_count, format_time, format_window};
use crate::view_state::DisplayZone;

/// Where retention stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RetentionShown {
    /// Not asked for.
    #[default]
    Off,
    Loading {
        window: TimeWindow,
        received: u64,
    },
    Failed {
        window: TimeWindow,
        error: String,
    },
    /// Loaded, but the lookback was cut short: why no triangle is drawn.
    CutShort(String),
    Ready {
        window: TimeWindow,
        retention: Retention,
        /// When Octopai's events begin well after the load's start (it
        /// holds nothing older): people there before would look new. Known
        /// only without a query (with one, it is where the matches begin,
        /// say a feature's launch).
        begins_late: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// A cohort's cell `after` periods on: "12 of 40 (30%)".
fn cell_words(active: u32, size: u32) -> String {
    match size {
        0 => "—".into(),
        _ => format!(
            "{} of {} ({:.0}%)",
            format_count(u64::from(active)),
            format_count(u64::from(size)),
            f64::from(active) / f64::from(size) * 100.0
        ),
    }
}

fn period_label(grain: Grain, period: chrono::NaiveDate) -> String {
    match grain {
        Grain::Day => period.format("%a %Y-%m-%d").to_string(),
        Grain::Week => format!("week of {}", period.format("%Y-%m-%d")),
        Grain::Month => period.format("%B %Y").to_string(),
    }
}

fn table_of(retention: &Retention) -> DataTable {
    let noun = retention.lookback.grain.noun();
    let periods = retention.cohorts.len();
    DataTable {
        columns: ["Cohort".to_owned(), "Users".to_owned()]
            .into_iter()
            .chain((0..periods).map(|after| format!("{noun} {after}")))
            .collect(),
        rows: retention
            .cohorts
            .iter()
            .map(|cohort| {
                [
                    period_label(retention.lookback.grain, cohort.period),
                    format_count(u64::from(cohort.size)),
                ]
                .into_iter()
                .chain(
                    cohort
                        .active
                        .iter()
                        .map(|active| cell_words(*active, cohort.size)),
                )
                .collect()
            })
            .collect(),
    }
}

#[component]
pub fn RetentionPanel(
    shown: Signal<RetentionShown>,
    /// The lookback in the URL, if retention is asked for.
    lookback: Signal<Option<Lookback>>,
    on_lookback: Callback<Option<Lookback>>,
    on_retry: Callback<()>,
    /// Narrows the view to a cohort's people.
    on_people: Callback<Vec<String>>,
    zone: Signal<DisplayZone>,
    ink: Signal<Ink>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    Effect::new(move || typed.set(lookback.get().unwrap_or_default().to_string()));
    let apply = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match Lookback::parse(&typed.get_untracked()) {
            Ok(found) => {
                problem.set(None);
                on_lookback.run(Some(found));
            }
            Err(why) => problem.set(Some(why)),
        }
    };
    let ready = Memo::new(move |_| match shown.get() {
        RetentionShown::Ready { retention, .. } => Some(retention),
        _ => None,
    });
    let drawn = Signal::derive(move || {
        let ink = ink.get();
        ready.with(|ready| match ready {
            None => Err("retention is not loaded".to_owned()),
            Some(r) => Ok(share_grid(
                r.cohorts
                    .iter()
                    .map(|c| match r.lookback.grain {
                        Grain::Month => c.period.format("%Y-%m").to_string(),
                        _ => c.period.format("%m-%d").to_string(),
                    })
                    .collect(),
                (0..r.cohorts.len()).map(|k| format!("+{k}")).collect(),
                r.cohorts
                    .iter()
                    .map(|c| {
                        (0..c.active.len())
                            .map(|k| c.share(k).unwrap_or(0.0))
                            .collect()
                    })
                    .collect(),
                HEAT_COLOR,
                ink,
            )),
        })
    });
    let size = Signal::derive(move || ready.with(|r| r.as_ref().map_or(0, |r| r.cohorts.len())));
    let describe = Callback::new(move |index: usize| {
        ready.with(|ready| {
            let Some(r) = ready else {
                return String::new();
            };
            let periods = r.cohorts.len().max(1);
            let (row, after) = (index / periods, index % periods);
            let Some(cohort) = r.cohorts.get(row) else {
                return String::new();
            };
            match cohort.active.get(after) {
                Some(active) => format!(
                    "{}, {} {after}: {}",
                    period_label(r.lookback.grain, cohort.period),
                    r.lookback.grain.noun(),
                    cell_words(*active, cohort.size)
                ),
                None => format!(
                    "{}: {} {after} is not reached yet",
                    period_label(r.lookback.grain, cohort.period),
                    r.lookback.grain.noun()
                ),
            }
        })
    });
    view! {
        <section class="retention" id="retention">
            <h3>"Retention"</h3>
            {move || match lookback.get() {
                None => view! {
                    <p><button type="button" id="retention-show" on:click=move |_| on_lookback.run(Some(Lookback::default()))>
                        {format!("Show retention (loads Octopai's last {} and the {SEEN_BEFORE_DAYS} days before)", describe_lookback(Lookback::default()))}
                    </button></p>
                }.into_any(),
                Some(_) => view! {
                    <form class="retention-form" novalidate on:submit=apply>
                        <label>"Lookback "
                            <input id="retention-lookback" type="text" size="9"
                                prop:value=move || typed.get()
                                on:input=move |ev| typed.set(event_target_value(&ev))
                                aria-invalid=move || problem.with(Option::is_some).to_string()
                                aria-describedby="retention-help"/>
                        </label>
                        " " <button type="submit" id="retention-apply">"Apply"</button>
                        " " <button type="button" id="retention-hide" on:click=move |_| on_lookback.run(None)>"Hide retention"</button>
                        <p class="note" id="retention-help">{format!("week:N (2 to {}), day:N (2 to {}) or month:N (2 to {}): cohorts by the week, day or month of each user's first event.", Lookback::MOST_WEEKS, Lookback::MOST_DAYS, Lookback::MOST_MONTHS)}</p>
                        {move || problem.get().map(|why| view! { <p class="error-view" id="retention-error" role="alert">{why}</p> })}
                    </form>
                }.into_any(),
            }}
            {move || match shown.get() {
                RetentionShown::Off => None,
                RetentionShown::Loading { window, received } => Some(view! {
                    <p class="note" id="retention-status" role="status">{format!(
                        "Loading Octopai's events of {} for retention: {} so far…",
                        format_window(&window, &zone.get()),
                        format_count(received)
                    )}</p>
                }.into_any()),
                RetentionShown::Failed { window, error } => Some(view! {
                    <p class="error-view" id="retention-status" role="alert">
                        {format!("The lookback ({}) could not be loaded: {error}", format_window(&window, &zone.get()))}
                        " " <button type="button" id="retention-retry" on:click=move |_| on_retry.run(())>"Try again"</button>
                    </p>
                }.into_any()),
                RetentionShown::CutShort(why) => Some(view! {
                    <p class="error-view" id="retention-status" role="alert">{format!("No retention is drawn: {why}.")}</p>
                }.into_any()),
                RetentionShown::Ready { window, retention, begins_late } => Some(view! {
                    <p class="note" id="retention-status" role="status">{format!(
                        "Cohorts: users first seen in the {} from {} to {}, loaded from Octopai for the purpose with the {SEEN_BEFORE_DAYS} days before them. {} users active in those {}s were seen in the days before and count as returning, not new.{}",
                        describe_lookback(retention.lookback),
                        format_time(retention.seen_from + chrono::Duration::days(SEEN_BEFORE_DAYS), &zone.get()),
                        format_time(window.end(), &zone.get()),
                        format_count(u64::from(retention.returning)),
                        retention.lookback.grain.noun(),
                        if retention.last_partial { " The last period has not ended yet." } else { "" }
                    )}</p>
                    {begins_late.map(|first| view! {
                        <p class="note" id="retention-begins" role="status">{format!(
                            "Octopai holds nothing before {}, later than the {SEEN_BEFORE_DAYS} days before the lookback begin: people who were there earlier would count as new, so the first cohorts may be too large.",
                            format_time(first, &zone.get())
                        )}</p>
                    })}
                    <RetentionTable retention=retention on_people=on_people/>
                }.into_any()),
            }}
            <Show when=move || ready.with(Option::is_some)>
                <ChartFigure
                    title="Retention heat map"
                    label=Signal::derive(move || ready.with(|r| r.as_ref().map(|r| format!(
                        "Retention heat map: the share of each cohort active in each {} after its first, darker for more",
                        r.lookback.grain.noun()
                    )).unwrap_or_default()))
                    drawn=drawn
                    drawn_from=Signal::derive(move || ready.with(|r| r.as_ref().map_or(0, |r| r.cohorts.iter().map(|c| u64::from(c.size)).sum())))
                    legend=vec![("share of the cohort active".to_owned(), crate::charts::css(HEAT_COLOR))]
                    table=Signal::derive(move || ready.with(|r| r.as_ref().map(table_of).unwrap_or_default()))
                    pointing=Pointing::Cells { rows: size, columns: size, describe }
                />
            </Show>
        </section>
    }
}

fn describe_lookback(lookback: Lookback) -> String {
    format!("{} {}s", lookback.periods, lookback.grain.noun())
}

/// The triangle as a table: users per cohort (a click narrows the view to
/// them), then each later period's active members and share.
#[component]
fn RetentionTable(retention: Retention, on_people: Callback<Vec<String>>) -> impl IntoView {
    let table = table_of(&retention);
    let members: Vec<Vec<String>> = retention.cohorts.iter().map(|c| c.users.clone()).collect();
    view! {
        <div class="retention-scroll" tabindex="0" role="region" aria-label="Retention table">
            <table class="retention-table" id="retention-table">
                <caption>"Users active in each period after their first, by cohort"</caption>
                <thead><tr>{table.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {table.rows.into_iter().zip(members).map(|(row, people)| {
                        let mut cells = row.into_iter();
                        let head = cells.next().unwrap_or_default();
                        let size = cells.next().unwrap_or_default();
                        let empty = people.is_empty();
                        view! {
                            <tr>
                                <th scope="row">{head}</th>
                                <td>
                                    <button type="button" class="cohort-people" prop:disabled=empty
                                        title="Show only these people's events"
                                        on:click=move |_| on_people.run(people.clone())>{size}</button>
                                </td>
                                {cells.map(|cell| view! { <td>{cell}</td> }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_say_the_count_the_cohort_and_the_share() {
        assert_eq!(cell_words(3, 12), "3 of 12 (25%)");
        assert_eq!(cell_words(0, 0), "—");
    }
}
