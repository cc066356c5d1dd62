//! The charts that are not over time: the top-N rankings (a click on a bar
//! filters by it) and activity by hour and weekday.

use audit_core::analytics;
use audit_core::query::{Comparator, Selector};
use leptos::prelude::*;

use super::spec::{ChartSpec, FAILING_ACCOUNTS, FAILING_ADDRESSES, HOUR_BY_WEEKDAY, TOP_N};
use super::{Chart, ChartInputs, Counted};
use crate::charts as draw;
use crate::components::chart_figure::{DataTable, Pointing};
use crate::components::event_detail::clause;
use crate::view_state::DisplayZone;

/// A top-N ranking from `audit_core::analytics`: names and counts.
pub type Ranking = fn(&audit_core::Rows, usize) -> Vec<(String, u32)>;
/// The same ranking from a whole load's counts.
pub type CountedRanking = fn(&Counted, usize) -> Vec<(String, u32)>;

/// A top-N chart: a click on a bar filters the view by that account or
/// address (`on_filter` gets the query clause).
pub fn ranked_chart(
    inputs: ChartInputs,
    spec: &'static ChartSpec,
    rank: Ranking,
    counted: CountedRanking,
    column: &'static str,
    selector: Selector,
    on_filter: Callback<String>,
) -> Chart {
    let items = crate::recent::memo_recent(
        2,
        move || (inputs.counted.get(), inputs.events.get()),
        move |(whole, events)| match whole {
            Some(whole) => counted(whole, TOP_N),
            None => rank(events, TOP_N),
        },
    );
    let describe = Callback::new(move |index: usize| {
        items.with(|items| {
            items
                .get(index)
                .map(|(name, count)| {
                    format!("{name}: {count} failed logins; click to filter by it")
                })
                .unwrap_or_default()
        })
    });
    let on_pick = Callback::new(move |index: usize| {
        let picked = items.with_untracked(|items| items.get(index).cloned());
        // A value the query language cannot spell is not offered.
        if let Some(clause) =
            picked.and_then(|(name, _)| clause(selector, &name, Comparator::Equal))
        {
            on_filter.run(clause);
        }
    });
    Chart {
        spec,
        label: Signal::derive(move || {
            format!("{}: {}, {}", spec.title, spec.about, inputs.window_words())
        }),
        drawn: Memo::new(move |_| {
            let ink = inputs.ink.get();
            Ok(items.with(|items| draw::ranked_bars(items, spec.series[0].color, ink)))
        })
        .into(),
        drawn_from: Signal::derive(move || {
            items.with(|items| items.iter().map(|(_, c)| u64::from(*c)).sum())
        }),
        table: Signal::derive(move || DataTable {
            columns: vec![column.into(), "Failed logins".into()],
            rows: items.with(|items| {
                items
                    .iter()
                    .map(|(name, count)| vec![name.clone(), count.to_string()])
                    .collect()
            }),
        }),
        pointing: Pointing::Rows {
            count: Signal::derive(move || items.with(Vec::len)),
            describe,
            on_pick,
        },
        legend: None,
    }
}

pub fn failing_accounts(inputs: ChartInputs, on_filter: Callback<String>) -> Chart {
    ranked_chart(
        inputs,
        &FAILING_ACCOUNTS,
        analytics::top_failing_accounts,
        |c, n| c.aggregates.top_failing_accounts(&c.shown, n),
        "Account",
        Selector::Username,
        on_filter,
    )
}

pub fn failing_addresses(inputs: ChartInputs, on_filter: Callback<String>) -> Chart {
    ranked_chart(
        inputs,
        &FAILING_ADDRESSES,
        analytics::top_failing_ips,
        |c, n| c.aggregates.top_failing_ips(&c.shown, n),
        "Address",
        Selector::IpAddress,
        on_filter,
    )
}

/// Events per hour of day and day of week, in the display zone.
pub fn hour_by_weekday(inputs: ChartInputs) -> Chart {
    let spec = &HOUR_BY_WEEKDAY;
    let heat = Memo::new(move |_| match inputs.counted.get() {
        Some(whole) => whole.aggregates.hour_by_weekday(&whole.shown),
        None => inputs
            .events
            .with(|events| analytics::hour_by_weekday(events, &inputs.zone.get())),
    });
    Chart {
        spec,
        label: Signal::derive(move || {
            let zone = match inputs.zone.get() {
                DisplayZone::Utc => "UTC",
                DisplayZone::Local => "local time",
            };
            format!(
                "{}: {} in {zone}, {}",
                spec.title,
                spec.about,
                inputs.window_words()
            )
        }),
        drawn: Memo::new(move |_| {
            let ink = inputs.ink.get();
            Ok(heat.with(|cells| draw::heat_map(cells, spec.series[0].color, ink)))
        })
        .into(),
        drawn_from: Signal::derive(move || inputs.events.with(|events| events.len()) as u64),
        table: Signal::derive(move || DataTable {
            columns: std::iter::once("Day".to_owned())
                .chain((0..24).map(|hour| format!("{hour:02}")))
                .collect(),
            rows: heat.with(|cells| {
                cells
                    .iter()
                    .zip(draw::WEEKDAYS)
                    .map(|(hours, day)| {
                        std::iter::once(day.to_owned())
                            .chain(hours.iter().map(u32::to_string))
                            .collect()
                    })
                    .collect()
            }),
        }),
        pointing: Pointing::None,
        legend: None,
    }
}
