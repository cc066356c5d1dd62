//! The dashboard's charts, described as data: each [`ChartSpec`] ([`spec`]) names its
//! title, what it shows and its series with their colours, once; the legend,
//! the data table's columns and the drawing all come from it. The builders
//! here turn a spec and the shown events into a [`Chart`] for
//! [`ChartFigure`].

use audit_core::analytics::{self, Buckets, OutcomeBucket};
use audit_core::segment::{usage_timeline_split, Segment};
use audit_core::usage;
use audit_core::{Source, TimeWindow};
use leptos::prelude::*;

use super::shown::Counted;
use super::zoom::Zoom;
use crate::charts::{self as draw, Drawn};
use crate::components::chart_figure::{ChartFigure, DataTable, Pointing};
use crate::format::{format_time, format_window};
use crate::view_state::DisplayZone;

pub mod ranked;
pub mod spec;

pub use ranked::{failing_accounts, failing_addresses, hour_by_weekday};
pub use spec::{time_chart_label, ChartSpec, CHART_BUCKETS, TOP_N};
use spec::{ACTIVE_USERS, ACTIVITY, CLOUDERA_LOGINS, OCTOPAI_LOGINS, OPERATIONS, PAGE_LOADS};

/// What every chart is drawn from. Copy it freely.
#[derive(Clone, Copy)]
pub struct ChartInputs {
    /// The events shown (after every narrowing).
    pub events: Memo<audit_core::Rows>,
    /// The counts the charts that have them are drawn from (see
    /// `Shown::counted`), once there is a window.
    pub counted: Memo<Option<Counted>>,
    pub buckets: Memo<Option<Buckets>>,
    pub zone: Memo<DisplayZone>,
    pub window: RwSignal<Option<TimeWindow>>,
    pub zoom: Zoom,
    /// The theme's chart colours (charts redraw when it changes).
    pub ink: Signal<draw::Ink>,
    /// Stretches the time charts shade: each silent source's.
    pub shaded: Memo<Vec<draw::Shaded>>,
}

impl ChartInputs {
    /// The window in words, in the display zone.
    fn window_words(self) -> String {
        self.window
            .get()
            .map(|w| format_window(&w, &self.zone.get()))
            .unwrap_or_default()
    }

    fn label(self, spec: &'static ChartSpec) -> Signal<String> {
        // A memo, not a derived signal: it reads the buckets before the
        // zone they are made from (see ARCHITECTURE.md, "An effect reads
        // one memo of what it follows").
        Memo::new(move |_| {
            let step = self
                .buckets
                .get()
                .map(|b| b.step.describe())
                .unwrap_or_default();
            time_chart_label(spec, &step, &self.window_words())
        })
        .into()
    }

    /// A bucket's start and end as shown.
    fn bucket_times(self, index: usize) -> (String, String) {
        self.buckets
            .with(|b| {
                b.as_ref().map(|b| {
                    let zone = self.zone.get_untracked();
                    (
                        format_time(b.bucket_start(index), &zone),
                        format_time(b.bucket_end(index), &zone),
                    )
                })
            })
            .unwrap_or_default()
    }

    /// Hover, click and drag over time columns.
    fn columns(self, describe: Callback<usize, String>) -> Pointing {
        Pointing::Columns {
            count: Signal::derive(move || {
                self.buckets.with(|b| b.as_ref().map_or(0, Buckets::count))
            }),
            describe,
            on_pick: self.zoom.pick_bucket,
            on_span: self.zoom.pick_span,
        }
    }

    /// Per-bucket data from the shown events, once there is a window: from
    /// the counts (`counted`) for the charts that have them, otherwise
    /// counted from the events.
    fn per_bucket<T: Clone + PartialEq + Send + Sync + 'static>(
        self,
        series: impl Fn(&audit_core::Rows, &Buckets) -> T + Send + Sync + 'static,
        counted: Option<fn(&Counted) -> T>,
    ) -> Memo<Option<T>> {
        // Kept for the last two lists shown: a source hidden and shown
        // again draws from what was counted before.
        crate::recent::memo_recent(
            2,
            move || {
                let whole = counted.and_then(|_| self.counted.get());
                (whole, self.events.get(), self.buckets.get())
            },
            move |(whole, events, buckets)| match (whole, counted) {
                (Some(whole), Some(from)) => Some(from(whole)),
                _ => buckets.as_ref().map(|buckets| series(events, buckets)),
            },
        )
    }

    /// A chart over the buckets, or why there is none yet: built again only
    /// when its data, the buckets, the zone or the theme change.
    fn draw_over<T: Clone + PartialEq + Send + Sync + 'static>(
        self,
        data: Memo<Option<T>>,
        draw: impl Fn(&T, &Buckets, &DisplayZone, &[draw::Shaded], draw::Ink) -> Drawn
            + Send
            + Sync
            + 'static,
    ) -> Signal<Result<Drawn, String>> {
        Memo::new(move |_| {
            let (zone, ink) = (self.zone.get(), self.ink.get());
            let shade = self.shaded.get();
            data.with(|data| {
                self.buckets.with(|buckets| match (data, buckets) {
                    (Some(data), Some(buckets)) => Ok(draw(data, buckets, &zone, &shade, ink)),
                    _ => Err("no time range yet".into()),
                })
            })
        })
        .into()
    }

    /// A time chart's data table and hover text, for two counts per bucket.
    fn pair_table(
        self,
        pairs: Memo<Option<Vec<(u32, u32)>>>,
        columns: [&'static str; 2],
        words: impl Fn(u32, u32) -> String + Send + Sync + 'static,
    ) -> (Signal<DataTable>, Callback<usize, String>) {
        // A memo that follows the zone its times are written in (the
        // buckets can stay the same when only the zone changes).
        let table = Memo::new(move |_| {
            self.zone.track();
            DataTable {
                columns: ["From", "To", columns[0], columns[1]]
                    .map(String::from)
                    .to_vec(),
                rows: pairs.with(|pairs| {
                    pairs
                        .iter()
                        .flatten()
                        .enumerate()
                        .map(|(index, (first, second))| {
                            let (from, to) = self.bucket_times(index);
                            vec![from, to, first.to_string(), second.to_string()]
                        })
                        .collect()
                }),
            }
        });
        let describe = Callback::new(move |index: usize| {
            let counts = pairs.with(|pairs| {
                pairs
                    .as_ref()
                    .and_then(|pairs| pairs.get(index))
                    .map(|(first, second)| words(*first, *second))
            });
            let (from, to) = self.bucket_times(index);
            format!("{from} to {to}: {}", counts.unwrap_or_default())
        });
        (table.into(), describe)
    }
}

/// A chart ready to place: its spec and its data.
#[derive(Clone, Copy)]
pub struct Chart {
    spec: &'static ChartSpec,
    label: Signal<String>,
    drawn: Signal<Result<Drawn, String>>,
    drawn_from: Signal<u64>,
    table: Signal<DataTable>,
    pointing: Pointing,
    /// The legend when it is not the spec's own (a split chart's parts).
    legend: Option<Signal<Vec<(String, String)>>>,
}

impl Chart {
    fn legend(self) -> Signal<Vec<(String, String)>> {
        self.legend.unwrap_or_else(|| {
            Signal::stored(
                self.spec
                    .legend()
                    .into_iter()
                    .map(|(name, color)| (name.to_owned(), color))
                    .collect(),
            )
        })
    }

    /// The chart placed, left blank while `waiting` (see [`ChartFigure`]).
    pub fn view(self, waiting: Signal<bool>) -> impl IntoView {
        view! {
            <ChartFigure title=self.spec.title label=self.label drawn=self.drawn drawn_from=self.drawn_from
                table=self.table pointing=self.pointing hint=self.spec.hint legend=self.legend() waiting/>
        }
    }
}

/// Outcomes stacked per bucket: failures (or denials) under successes.
pub fn outcome_chart(
    inputs: ChartInputs,
    spec: &'static ChartSpec,
    outcomes: fn(&audit_core::Rows, &Buckets) -> Vec<OutcomeBucket>,
    counted: fn(&Counted) -> Vec<OutcomeBucket>,
    y_desc: &'static str,
) -> Chart {
    let data = inputs.per_bucket(outcomes, Some(counted));
    let pairs = Memo::new(move |_| {
        data.with(|data| {
            data.as_ref()
                .map(|data| data.iter().map(|b| (b.failed, b.ok)).collect())
        })
    });
    let names = [spec.series[0].name, spec.series[1].name];
    let (table, describe) = inputs.pair_table(pairs, names, move |first, second| {
        format!("{first} {}, {second} {}", names[0], names[1])
    });
    Chart {
        spec,
        label: inputs.label(spec),
        drawn: inputs.draw_over(data, move |data, buckets, zone, shade, ink| {
            draw::stacked_outcomes(data, buckets, zone, spec.colors(), y_desc, shade, ink)
        }),
        drawn_from: Signal::derive(move || {
            data.with(|data| {
                data.iter()
                    .flatten()
                    .map(|b| u64::from(b.ok + b.failed))
                    .sum()
            })
        }),
        table,
        pointing: inputs.columns(describe),
        legend: None,
    }
}

pub fn octopai_logins(inputs: ChartInputs) -> Chart {
    outcome_chart(
        inputs,
        &OCTOPAI_LOGINS,
        |events, buckets| analytics::login_outcomes(events, buckets, Some(Source::Octopai)),
        |c| c.aggregates.login_outcomes(&c.shown, Some(Source::Octopai)),
        "logins",
    )
}

pub fn cloudera_logins(inputs: ChartInputs) -> Chart {
    outcome_chart(
        inputs,
        &CLOUDERA_LOGINS,
        |events, buckets| analytics::login_outcomes(events, buckets, Some(Source::ClouderaManager)),
        |c| {
            c.aggregates
                .login_outcomes(&c.shown, Some(Source::ClouderaManager))
        },
        "logins",
    )
}

pub fn operations(inputs: ChartInputs) -> Chart {
    outcome_chart(
        inputs,
        &OPERATIONS,
        analytics::operation_outcomes,
        |c| c.aggregates.operation_outcomes(&c.shown),
        "operations",
    )
}

/// Events per bucket, one line per source.
pub fn activity(inputs: ChartInputs) -> Chart {
    let spec = &ACTIVITY;
    fn pairs(series: Vec<analytics::ActivityBucket>) -> Vec<(u32, u32)> {
        series.iter().map(|b| (b.octopai, b.cloudera)).collect()
    }
    let data = inputs.per_bucket(
        |events, buckets| pairs(analytics::activity_timeline(events, buckets)),
        Some(|c: &Counted| pairs(c.aggregates.activity_timeline(&c.shown))),
    );
    let (table, describe) = inputs.pair_table(
        data,
        [spec.series[0].name, spec.series[1].name],
        |octopai, cloudera| format!("{octopai} Octopai, {cloudera} Cloudera Manager events"),
    );
    Chart {
        spec,
        label: inputs.label(spec),
        drawn: inputs.draw_over(data, move |pairs, buckets, zone, shade, ink| {
            let (octopai, cloudera) = spec.colors();
            draw::lines(
                vec![
                    (pairs.iter().map(|p| p.0).collect(), octopai),
                    (pairs.iter().map(|p| p.1).collect(), cloudera),
                ],
                buckets,
                zone,
                "events",
                shade,
                ink,
            )
        }),
        drawn_from: Signal::derive(move || inputs.events.with(|events| events.len()) as u64),
        table,
        pointing: inputs.columns(describe),
        legend: None,
    }
}

/// Page loads and active users per bucket: two charts, one table; split
/// into two lines each by `split` when one is asked for.
///
/// In privacy mode (`private`) the events' addresses are pseudonyms:
/// whether one is internal is asked of the real address behind it.
pub fn usage_charts(
    inputs: ChartInputs,
    split: Memo<Option<Segment>>,
    privacy: crate::privacy::Privacy,
    private: Memo<bool>,
) -> (Chart, Chart) {
    // One list of (page loads, active users) per bucket for each part.
    let data = crate::recent::memo_recent(
        2,
        move || {
            let private = split.with(|s| matches!(s, Some(Segment::Addresses))) && private.get();
            (
                inputs.events.get(),
                inputs.buckets.get(),
                split.get(),
                private,
            )
        },
        move |(events, buckets, split, private)| {
            let buckets = buckets.as_ref()?;
            let pairs = |series: Vec<usage::UsageBucket>| {
                series
                    .iter()
                    .map(|b| (b.page_loads, b.active_users))
                    .collect::<Vec<_>>()
            };
            Some(match split {
                None => vec![pairs(usage::usage_timeline(events, buckets))],
                Some(segment) => {
                    let internal = |ip: &str| match private {
                        true => privacy.is_internal(ip),
                        false => audit_core::detect::is_internal_address(ip),
                    };
                    usage_timeline_split(events, buckets, segment, &internal)
                        .map(pairs)
                        .into_iter()
                        .collect()
                }
            })
        },
    );
    let names = Memo::new(move |_| split.with(|s| s.as_ref().map(Segment::names)));
    // A memo following the zone, as a time chart's table (`pair_table`).
    let table: Signal<DataTable> =
        Memo::new(move |_| {
            inputs.zone.track();
            let parts: Vec<String> = names
                .get()
                .map(|names| names.into_iter().map(|n| format!(" ({n})")).collect())
                .unwrap_or_else(|| vec![String::new()]);
            DataTable {
                columns: ["From".to_owned(), "To".to_owned()]
                    .into_iter()
                    .chain(parts.iter().flat_map(|part| {
                        [format!("Page loads{part}"), format!("Active users{part}")]
                    }))
                    .collect(),
                rows: data.with(|data| {
                    let Some(data) = data else {
                        return Vec::new();
                    };
                    (0..data.first().map_or(0, Vec::len))
                        .map(|index| {
                            let (from, to) = inputs.bucket_times(index);
                            [from, to]
                                .into_iter()
                                .chain(data.iter().flat_map(|part| {
                                    let (loads, users) = part[index];
                                    [loads.to_string(), users.to_string()]
                                }))
                                .collect()
                        })
                        .collect()
                }),
            }
        })
        .into();
    let describe = Callback::new(move |index: usize| {
        let (from, to) = inputs.bucket_times(index);
        let names = names.get_untracked();
        let counts = data.with_untracked(|data| {
            data.iter()
                .flatten()
                .enumerate()
                .filter_map(|(at, part)| {
                    let (loads, users) = part.get(index)?;
                    let words = format!("{loads} page loads, {users} active users");
                    Some(match &names {
                        Some(names) => format!("{}: {words}", names[at]),
                        None => words,
                    })
                })
                .collect::<Vec<_>>()
                .join("; ")
        });
        format!("{from} to {to}: {counts}")
    });
    let drawn_from = Signal::derive(move || {
        data.with(|data| {
            data.iter()
                .flatten()
                .flatten()
                .map(|(loads, _)| u64::from(*loads))
                .sum()
        })
    });
    let line = |spec: &'static ChartSpec, count: fn(&(u32, u32)) -> u32| {
        let base = inputs.label(spec);
        Chart {
            spec,
            label: Signal::derive(move || match names.get() {
                Some([first, second]) => format!("{}, split into {first} and {second}", base.get()),
                None => base.get(),
            }),
            drawn: inputs.draw_over(data, move |parts, buckets, zone, shade, ink| {
                let colors = match parts.len() {
                    1 => vec![spec.series[0].color],
                    _ => draw::SEGMENT_COLORS.to_vec(),
                };
                draw::lines(
                    parts
                        .iter()
                        .zip(colors)
                        .map(|(part, color)| (part.iter().map(count).collect(), color))
                        .collect(),
                    buckets,
                    zone,
                    "",
                    shade,
                    ink,
                )
            }),
            drawn_from,
            table,
            pointing: inputs.columns(describe),
            legend: Some(Signal::derive(move || match names.get() {
                Some(names) => names
                    .into_iter()
                    .zip(draw::SEGMENT_COLORS)
                    .map(|(name, color)| (name, draw::css(color)))
                    .collect(),
                None => spec
                    .legend()
                    .into_iter()
                    .map(|(name, color)| (name.to_owned(), color))
                    .collect(),
            })),
        }
    };
    (
        line(&PAGE_LOADS, |pair| pair.0),
        line(&ACTIVE_USERS, |pair| pair.1),
    )
}
