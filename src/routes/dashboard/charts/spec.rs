//! Every chart the dashboard draws, as data: title, what it shows, and its
//! series with their colours, written once. The legend, the table's
//! columns and the drawing all read them from here.

use plotters::style::RGBColor;

use crate::charts as draw;

/// Bars or points per time chart at most.
pub const CHART_BUCKETS: u32 = 48;
/// Bars in the top-N charts.
pub const TOP_N: usize = 10;
const ZOOM_HINT: &str =
    "Hover for exact counts; click a bar to show its time, or drag across to zoom.";

/// One series: its name (legend and table column) and its colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub color: RGBColor,
}

/// Everything about a chart that is not its data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartSpec {
    /// The heading, and the start of the accessible name.
    pub title: &'static str,
    /// What it shows, for the accessible name.
    pub about: &'static str,
    /// Its series in drawing order (a stacked chart: bottom first).
    pub series: &'static [Series],
    /// How to use it, under the heading.
    pub hint: Option<&'static str>,
}

impl ChartSpec {
    /// Legend entries: each series' name and CSS colour.
    pub fn legend(&self) -> Vec<(&'static str, String)> {
        self.series
            .iter()
            .map(|series| (series.name, draw::css(series.color)))
            .collect()
    }

    /// The first two series' colours (a two-series chart).
    pub fn colors(&self) -> (RGBColor, RGBColor) {
        (self.series[0].color, self.series[1].color)
    }
}

const fn series(name: &'static str, color: RGBColor) -> Series {
    Series { name, color }
}

const LOGIN_OUTCOMES: [Series; 2] = [
    series("failed", draw::FAILED_COLOR),
    series("succeeded", draw::SUCCEEDED_COLOR),
];
const FAILED_LOGINS: [Series; 1] = [series("failed logins", draw::FAILED_COLOR)];

pub const OCTOPAI_LOGINS: ChartSpec = ChartSpec {
    title: "Octopai logins",
    about: "failed and successful logins",
    series: &LOGIN_OUTCOMES,
    hint: Some(ZOOM_HINT),
};
pub const CLOUDERA_LOGINS: ChartSpec = ChartSpec {
    title: "Cloudera Manager logins",
    about: "failed and successful logins",
    series: &LOGIN_OUTCOMES,
    hint: Some(ZOOM_HINT),
};
pub const OPERATIONS: ChartSpec = ChartSpec {
    title: "Cloudera Manager operations",
    about: "denied and allowed operations",
    series: &[
        series("denied", draw::DENIED_COLOR),
        series("allowed", draw::ALLOWED_COLOR),
    ],
    hint: Some(ZOOM_HINT),
};
pub const ACTIVITY: ChartSpec = ChartSpec {
    title: "Activity timeline",
    about: "events for each source",
    series: &[
        series("Octopai", draw::OCTOPAI_COLOR),
        series("Cloudera Manager", draw::CLOUDERA_COLOR),
    ],
    hint: Some(ZOOM_HINT),
};
pub const PAGE_LOADS: ChartSpec = ChartSpec {
    title: "Page loads",
    about: "Octopai page loads",
    series: &[series("page loads", draw::OCTOPAI_COLOR)],
    hint: Some(ZOOM_HINT),
};
pub const ACTIVE_USERS: ChartSpec = ChartSpec {
    title: "Active users",
    about: "distinct Octopai users with a login or page load",
    series: &[series("active users", draw::USERS_COLOR)],
    hint: Some(ZOOM_HINT),
};
pub const FAILING_ACCOUNTS: ChartSpec = ChartSpec {
    title: "Top failing accounts",
    about: "the 10 accounts with the most failed logins, both sources",
    series: &FAILED_LOGINS,
    hint: Some("Click a bar to filter by that account."),
};
pub const FAILING_ADDRESSES: ChartSpec = ChartSpec {
    title: "Top failing addresses",
    about: "the 10 source addresses with the most failed logins, both sources",
    series: &FAILED_LOGINS,
    hint: Some("Click a bar to filter by that address."),
};
pub const HOUR_BY_WEEKDAY: ChartSpec = ChartSpec {
    title: "Activity by hour and weekday",
    about: "events per hour of day and day of week",
    series: &[series("more events: darker", draw::HEAT_COLOR)],
    hint: None,
};

/// The accessible name of a time chart.
pub fn time_chart_label(spec: &ChartSpec, step: &str, window: &str) -> String {
    format!("{}: {} per {step}, {window}", spec.title, spec.about)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&ChartSpec; 9] = [
        &OCTOPAI_LOGINS,
        &CLOUDERA_LOGINS,
        &OPERATIONS,
        &ACTIVITY,
        &PAGE_LOADS,
        &ACTIVE_USERS,
        &FAILING_ACCOUNTS,
        &FAILING_ADDRESSES,
        &HOUR_BY_WEEKDAY,
    ];

    #[test]
    fn the_legend_is_the_series_in_their_drawing_colours() {
        assert_eq!(
            OPERATIONS.legend(),
            vec![
                ("denied", draw::css(draw::DENIED_COLOR)),
                ("allowed", draw::css(draw::ALLOWED_COLOR))
            ]
        );
        assert_eq!(
            OPERATIONS.colors(),
            (draw::DENIED_COLOR, draw::ALLOWED_COLOR)
        );
        for spec in ALL {
            assert_eq!(spec.legend().len(), spec.series.len(), "{}", spec.title);
            assert!(!spec.series.is_empty(), "{}", spec.title);
        }
    }

    #[test]
    fn titles_differ_and_top_n_charts_say_how_many() {
        let titles: std::collections::HashSet<_> = ALL.iter().map(|s| s.title).collect();
        assert_eq!(titles.len(), ALL.len());
        for spec in [&FAILING_ACCOUNTS, &FAILING_ADDRESSES] {
            assert!(
                spec.about.starts_with(&format!("the {TOP_N} ")),
                "{}",
                spec.about
            );
        }
    }

    #[test]
    fn a_time_chart_is_named_by_what_it_shows_per_bucket_and_when() {
        assert_eq!(
            time_chart_label(&OCTOPAI_LOGINS, "30 minutes", "18 Nov 2026 00:00 to 19 Nov 2026 00:00 UTC"),
            "Octopai logins: failed and successful logins per 30 minutes, 18 Nov 2026 00:00 to 19 Nov 2026 00:00 UTC"
        );
    }
}
