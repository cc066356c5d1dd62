//! Every usage figure beside the same figure for the period of equal
//! length before the window, with the change in percent. The previous
//! period is loaded for the purpose; while it loads, when it fails, or
//! when it holds nothing, that is said and no figure is shown for it (an
//! absent period is never a zero).

use audit_core::usage::change_percent;
use audit_core::TimeWindow;
use leptos::prelude::*;

use super::usage_panel::Usage;
use crate::format::{format_count, format_duration, format_window};
use crate::view_state::DisplayZone;

/// The previous period's usage, as far as it is known.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Previous {
    /// Not asked for (no window yet).
    #[default]
    None,
    Loading {
        window: TimeWindow,
        received: u64,
    },
    /// Loaded, and no Octopai event (with the view's query) in it.
    Empty {
        window: TimeWindow,
    },
    Ready {
        window: TimeWindow,
        usage: Usage,
    },
    Failed {
        window: TimeWindow,
        error: String,
    },
}

/// `now` against `before`, in words: `+12%`, `−5%`, `no change`, or `new`
/// when there was nothing before.
pub fn change_words(now: f64, before: f64) -> String {
    match change_percent(now, before) {
        None if now == 0.0 => "no change".into(),
        None => "new".into(),
        Some(change) if change.abs() < 0.5 => "no change".into(),
        Some(change) if change > 0.0 => format!("+{change:.0}%"),
        Some(change) => format!("\u{2212}{:.0}%", change.abs()),
    }
}

/// One row: a figure's name, its value now and before, as numbers (for
/// the change) and as shown.
struct Row {
    key: String,
    name: String,
    now: (f64, String),
    before: (f64, String),
}

fn rows(now: &Usage, before: &Usage) -> Vec<Row> {
    let count = |key: &str, name: &str, now: u64, before: u64| Row {
        key: key.to_owned(),
        name: name.to_owned(),
        now: (now as f64, format_count(now)),
        before: (before as f64, format_count(before)),
    };
    let mut rows = vec![
        count(
            "daily",
            "Active users, last day",
            now.daily as u64,
            before.daily as u64,
        ),
        count(
            "weekly",
            "Active users, last 7 days",
            now.weekly as u64,
            before.weekly as u64,
        ),
        count(
            "monthly",
            "Active users, last 30 days",
            now.monthly as u64,
            before.monthly as u64,
        ),
        count(
            "sessions",
            "Sessions",
            now.sessions as u64,
            before.sessions as u64,
        ),
        Row {
            key: "median-session".into(),
            name: "Median session".into(),
            now: (
                now.median_session.num_seconds() as f64,
                format_duration(now.median_session),
            ),
            before: (
                before.median_session.num_seconds() as f64,
                format_duration(before.median_session),
            ),
        },
        count(
            "page-loads",
            "Page loads",
            now.page_loads,
            before.page_loads,
        ),
    ];
    for (route, views, _) in &now.pages {
        let earlier = before.route_views.get(route).copied().unwrap_or(0);
        rows.push(Row {
            key: format!("route:{route}"),
            name: format!("Views of {route}"),
            now: (f64::from(*views), format_count(u64::from(*views))),
            before: (f64::from(earlier), format_count(u64::from(earlier))),
        });
    }
    rows
}

#[component]
pub fn PeriodCompare(
    now: Signal<Option<Usage>>,
    previous: Signal<Previous>,
    zone: Signal<DisplayZone>,
    /// Loads the previous period again after a failure.
    on_retry: Callback<()>,
) -> impl IntoView {
    let dates = move |window: &TimeWindow| format_window(window, &zone.get());
    view! {
        <section class="comparison" id="comparison">
            <h3>"Compared with the previous period"</h3>
            {move || match previous.get() {
                Previous::None => None,
                Previous::Loading { window, received } => Some(view! {
                    <p class="note" id="comparison-status" role="status">{format!(
                        "Loading the previous period ({}) from Octopai to compare with: {} events so far…",
                        dates(&window),
                        format_count(received)
                    )}</p>
                }.into_any()),
                Previous::Failed { window, error } => Some(view! {
                    <p class="error-view" id="comparison-status" role="alert">
                        {format!("The previous period ({}) could not be loaded, so nothing is compared: {error}", dates(&window))}
                        " " <button type="button" id="comparison-retry" on:click=move |_| on_retry.run(())>"Try again"</button>
                    </p>
                }.into_any()),
                Previous::Empty { window } => Some(view! {
                    <p class="note" id="comparison-status" role="status">{format!(
                        "The previous period ({}) holds no Octopai events with this query: there is nothing to compare with.",
                        dates(&window)
                    )}</p>
                }.into_any()),
                Previous::Ready { window, usage: before } => now.get().map(|now| view! {
                    <p class="note" id="comparison-status" role="status">{format!(
                        "The previous period, {}, loaded from Octopai for the purpose.",
                        dates(&window)
                    )}</p>
                    <table class="comparison-table" id="comparison-table"
                        data-from=audit_core::time::format_iso(window.start()) data-to=audit_core::time::format_iso(window.end())>
                        <caption>"Usage in this period and the one before, of equal length"</caption>
                        <thead><tr>
                            <th scope="col">"Figure"</th>
                            <th scope="col">"This period"</th>
                            <th scope="col">"Previous period"</th>
                            <th scope="col">"Change"</th>
                        </tr></thead>
                        <tbody>
                            {rows(&now, &before).into_iter().map(|row| view! {
                                <tr data-figure=row.key>
                                    <th scope="row">{row.name}</th>
                                    <td class="now">{row.now.1}</td>
                                    <td class="before">{row.before.1}</td>
                                    <td class="change">{change_words(row.now.0, row.before.0)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_people_say_them() {
        assert_eq!(change_words(150.0, 100.0), "+50%");
        assert_eq!(change_words(90.0, 100.0), "\u{2212}10%");
        assert_eq!(change_words(100.0, 100.0), "no change");
        assert_eq!(change_words(3.0, 0.0), "new");
        assert_eq!(change_words(0.0, 0.0), "no change");
    }

    #[test]
    fn top_routes_are_compared_with_their_own_earlier_views() {
        let now = Usage {
            sessions: 10,
            page_loads: 30,
            pages: vec![("/lineage/:id".into(), 20, chrono::Duration::minutes(5))],
            ..Usage::default()
        };
        let before = Usage {
            sessions: 8,
            page_loads: 10,
            route_views: [("/lineage/:id".to_owned(), 5)].into_iter().collect(),
            ..Usage::default()
        };
        let found = rows(&now, &before);
        let route = found
            .iter()
            .find(|r| r.key == "route:/lineage/:id")
            .unwrap();
        assert_eq!((route.now.0, route.before.0), (20.0, 5.0));
        let sessions = found.iter().find(|r| r.key == "sessions").unwrap();
        assert_eq!(change_words(sessions.now.0, sessions.before.0), "+25%");
    }
}
