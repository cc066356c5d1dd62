//! What a chart shows, kept as data, and the one plotters drawing of it,
//! onto any backend: the canvas shown on the page ([`super::canvas`]) or
//! the SVG a download writes. Both come from the same [`Picture::draw`], so
//! a downloaded chart is the chart that was on the screen.

use std::ops::Range;
use std::sync::Arc;

use audit_core::analytics::{Buckets, HeatMap, OutcomeBucket, Zone};
use chrono::{DateTime, Duration, Utc};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Ink, WIDTH};

/// Around every chart.
pub(super) const MARGIN: u32 = 10;
/// Under the plotting area, for the x labels.
pub(super) const X_LABELS: u32 = 28;
/// Left of the heat map's plotting area, and at least left of a time
/// chart's ([`count_labels`]).
pub(super) const Y_LABELS: u32 = 44;
/// Left of the ranked bars: room for a name.
pub(super) const NAME_LABELS: u32 = 210;
/// Left of a grid: room for a date.
pub(super) const GRID_LABELS: u32 = 96;

/// A tick label for an x position (buckets from the left).
type Tick = Arc<dyn Fn(f64) -> String + Send + Sync>;

/// The frame every time chart shares: one unit of x per bucket, counts on y
/// from zero, time ticks on the zone's wall clock.
#[derive(Clone)]
pub(super) struct TimeAxes {
    count: usize,
    y_desc: String,
    tick: Tick,
    /// Stretches shaded behind the data (a source's silence), in buckets
    /// from the left.
    shaded: Vec<Range<f64>>,
}

impl TimeAxes {
    pub(super) fn new(
        buckets: &Buckets,
        zone: &(impl Zone + Clone + Send + Sync + 'static),
        y_desc: &str,
        shade: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> TimeAxes {
        let (kept, zone) = (buckets.clone(), zone.clone());
        TimeAxes {
            count: buckets.count(),
            y_desc: y_desc.to_owned(),
            tick: Arc::new(move |x| tick_label(&kept, &zone, x)),
            shaded: shade
                .iter()
                .map(|(from, to)| buckets.position_of(*from)..buckets.position_of(*to))
                .filter(|x| x.end > x.start)
                .collect(),
        }
    }
}

/// A tick label for the bucket at `x`: time of day for short windows, the
/// date too for longer ones, on the zone's wall clock.
fn tick_label(buckets: &Buckets, zone: &impl Zone, x: f64) -> String {
    let index = x.floor().max(0.0) as usize;
    let at = zone.local(buckets.bucket_start(index));
    if buckets.window.length() <= Duration::days(1) {
        at.format("%H:%M").to_string()
    } else if buckets.step.nominal() < Duration::days(1) {
        at.format("%m-%d %H:%M").to_string()
    } else {
        at.format("%m-%d").to_string()
    }
}

/// A chart's content, everything it is drawn from.
pub(super) enum Picture {
    /// Failures stacked under successes (or denials under allowed
    /// operations), one bar per bucket.
    Stacked {
        series: Vec<OutcomeBucket>,
        axes: TimeAxes,
        colors: (RGBColor, RGBColor),
    },
    /// One line per series of per-bucket counts.
    Lines {
        lines: Vec<(Vec<u32>, RGBColor)>,
        axes: TimeAxes,
    },
    /// Horizontal bars, largest first from the top.
    Ranked {
        items: Vec<(String, u32)>,
        color: RGBColor,
    },
    /// Events by hour of day and weekday.
    Heat {
        cells: Box<HeatMap>,
        color: RGBColor,
    },
    /// Shares from 0 to 1 in a grid, rows from the top, each row's cells
    /// from the left; a row shorter than the others leaves the rest blank
    /// (a retention triangle).
    Grid {
        rows: Vec<String>,
        columns: Vec<String>,
        cells: Vec<Vec<f64>>,
        color: RGBColor,
    },
}

/// The plotting area in chart pixels: x range, y range.
pub(super) type Plot = (Range<i32>, Range<i32>);

type Area<DB> = DrawingArea<DB, Shift>;
type TimeChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

fn y_max(max: u32) -> f64 {
    (f64::from(max.max(1)) * 1.15).ceil()
}

/// Left of a time chart's plotting area, counts up to `max` on its axis:
/// the axis title (a line of the labels' font, 13 pixels, from the margin),
/// a gap, the widest count at 9 pixels a digit (common sans-serif digits
/// are 7 to 8.2 pixels at that size), and the 10 pixels plotters leaves
/// before the axis.
pub(super) fn count_labels(max: u32) -> u32 {
    let digits = (y_max(max) as u64).to_string().len() as u32;
    Y_LABELS.max(27 + 9 * digits)
}

/// The highest bar of failures stacked under successes.
fn stacked_max(series: &[OutcomeBucket]) -> u32 {
    series.iter().map(|b| b.failed + b.ok).max().unwrap_or(0)
}

/// The highest point of any line.
fn lines_max(lines: &[(Vec<u32>, RGBColor)]) -> u32 {
    lines
        .iter()
        .flat_map(|(counts, _)| counts.iter().copied())
        .max()
        .unwrap_or(0)
}

impl Picture {
    /// The width of the labels left of the plotting area.
    pub(super) fn label_width(&self) -> u32 {
        match self {
            Picture::Ranked { .. } => NAME_LABELS,
            Picture::Grid { .. } => GRID_LABELS,
            Picture::Heat { .. } => Y_LABELS,
            Picture::Stacked { series, .. } => count_labels(stacked_max(series)),
            Picture::Lines { lines, .. } => count_labels(lines_max(lines)),
        }
    }

    /// Draws the chart on `root` in `ink`; answers where its plotting area
    /// fell.
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        root: &Area<DB>,
        ink: Ink,
    ) -> Result<Plot, String> {
        root.fill(&ink.background).map_err(text)?;
        let plot = match self {
            Picture::Stacked {
                series,
                axes,
                colors,
            } => stacked(root, series, axes, *colors, ink),
            Picture::Lines { lines, axes } => polylines(root, lines, axes, ink),
            Picture::Ranked { items, color } => ranked(root, items, *color, ink),
            Picture::Heat { cells, color } => heat(root, cells, *color, ink),
            Picture::Grid {
                rows,
                columns,
                cells,
                color,
            } => grid(root, (rows, columns), cells, *color, ink),
        }?;
        root.present().map_err(text)?;
        Ok(plot)
    }
}

fn time_axes<'a, DB: DrawingBackend>(
    root: &'a Area<DB>,
    max: u32,
    axes: &TimeAxes,
    ink: Ink,
) -> Result<TimeChart<'a, DB>, String> {
    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(count_labels(max))
        .build_cartesian_2d(0f64..axes.count.max(1) as f64, 0f64..y_max(max))
        .map_err(text)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(8)
        .y_labels(5)
        .label_style(("sans-serif", 16).into_font().color(&ink.text))
        .axis_desc_style(("sans-serif", 16).into_font().color(&ink.text))
        .axis_style(ink.axis)
        .bold_line_style(ink.grid)
        .light_line_style(ink.grid.mix(0.4))
        .x_label_formatter(&|x| (axes.tick)(*x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc(axes.y_desc.as_str())
        .draw()
        .map_err(text)?;
    let top = y_max(max);
    chart
        .draw_series(
            axes.shaded.iter().map(|x| {
                Rectangle::new([(x.start, 0.0), (x.end, top)], ink.shade.mix(0.35).filled())
            }),
        )
        .map_err(text)?;
    Ok(chart)
}

fn stacked<DB: DrawingBackend>(
    root: &Area<DB>,
    series: &[OutcomeBucket],
    axes: &TimeAxes,
    (failed_color, ok_color): (RGBColor, RGBColor),
    ink: Ink,
) -> Result<Plot, String> {
    let mut chart = time_axes(root, stacked_max(series), axes, ink)?;
    let bar = |i: usize, from: u32, to: u32, color: RGBColor| {
        let x = i as f64;
        Rectangle::new(
            [(x + 0.1, f64::from(from)), (x + 0.9, f64::from(to))],
            color.filled(),
        )
    };
    chart
        .draw_series(
            series
                .iter()
                .enumerate()
                .filter(|(_, b)| b.failed > 0)
                .map(|(i, b)| bar(i, 0, b.failed, failed_color)),
        )
        .map_err(text)?;
    chart
        .draw_series(
            series
                .iter()
                .enumerate()
                .filter(|(_, b)| b.ok > 0)
                .map(|(i, b)| bar(i, b.failed, b.failed + b.ok, ok_color)),
        )
        .map_err(text)?;
    Ok(chart.plotting_area().get_pixel_range())
}

fn polylines<DB: DrawingBackend>(
    root: &Area<DB>,
    lines: &[(Vec<u32>, RGBColor)],
    axes: &TimeAxes,
    ink: Ink,
) -> Result<Plot, String> {
    let mut chart = time_axes(root, lines_max(lines), axes, ink)?;
    for (counts, color) in lines {
        let points: Vec<(f64, f64)> = counts
            .iter()
            .enumerate()
            .map(|(i, count)| (i as f64 + 0.5, f64::from(*count)))
            .collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(text)?;
    }
    Ok(chart.plotting_area().get_pixel_range())
}

/// At most this many characters of a name on a bar chart's axis.
const LABEL_CHARS: usize = 26;

fn short_label(name: &str) -> String {
    if name.chars().count() <= LABEL_CHARS {
        return name.to_owned();
    }
    let kept: String = name.chars().take(LABEL_CHARS - 1).collect();
    format!("{kept}…")
}

fn ranked<DB: DrawingBackend>(
    root: &Area<DB>,
    items: &[(String, u32)],
    color: RGBColor,
    ink: Ink,
) -> Result<Plot, String> {
    let max = items.iter().map(|(_, count)| *count).max().unwrap_or(0);
    let rows = items.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(NAME_LABELS)
        .build_cartesian_2d(0f64..y_max(max), 0f64..rows)
        .map_err(text)?;
    // Row i (from the top) sits at y in [rows - i - 1, rows - i).
    let label_of = |y: f64| {
        let from_top = (rows - y.floor() - 1.0).max(0.0) as usize;
        items
            .get(from_top)
            .map(|(name, _)| short_label(name))
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(items.len().max(1) * 2 + 1)
        .x_labels(5)
        .label_style(("sans-serif", 14).into_font().color(&ink.text))
        .axis_style(ink.axis)
        .bold_line_style(ink.grid)
        .light_line_style(ink.grid.mix(0.4))
        .y_label_formatter(&|y| {
            // Label the middle of each row only.
            if (y.fract() - 0.5).abs() < 1e-6 {
                label_of(*y)
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()
        .map_err(text)?;
    chart
        .draw_series(items.iter().enumerate().map(|(i, (_, count))| {
            let top = rows - i as f64;
            Rectangle::new(
                [(0.0, top - 0.85), (f64::from(*count), top - 0.15)],
                color.filled(),
            )
        }))
        .map_err(text)?;
    Ok(chart.plotting_area().get_pixel_range())
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn heat<DB: DrawingBackend>(
    root: &Area<DB>,
    cells: &HeatMap,
    color: RGBColor,
    ink: Ink,
) -> Result<Plot, String> {
    let max = cells.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(0f64..24.0, 0f64..7.0)
        .map_err(text)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(13)
        .y_labels(15)
        .label_style(("sans-serif", 14).into_font().color(&ink.text))
        .axis_style(ink.axis)
        .x_label_formatter(&|x| format!("{:02}", x.round() as u32))
        .y_label_formatter(&|y| {
            if (y.fract() - 0.5).abs() < 1e-6 {
                let row = 6 - (y.floor() as usize).min(6);
                WEEKDAYS[row].to_owned()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(text)?;
    chart
        .draw_series(cells.iter().enumerate().flat_map(|(day, hours)| {
            hours.iter().enumerate().map(move |(hour, count)| {
                let y = 6.0 - day as f64;
                let x = hour as f64;
                let shade = f64::from(*count) / f64::from(max);
                let color = if *count == 0 {
                    mix(ink.text, 0.06, ink.background)
                } else {
                    mix(color, 0.12 + 0.88 * shade, ink.background)
                };
                Rectangle::new([(x + 0.04, y + 0.06), (x + 0.96, y + 0.94)], color.filled())
            })
        }))
        .map_err(text)?;
    Ok(chart.plotting_area().get_pixel_range())
}

/// The label of the row or column whose middle `at` is, every `every`th
/// one (so labels never overlap), or none.
fn middle_label(labels: &[String], at: f64, every: usize) -> String {
    let index = at.floor().max(0.0) as usize;
    match (at.fract() - 0.5).abs() < 1e-6 && index.is_multiple_of(every.max(1)) {
        true => labels.get(index).cloned().unwrap_or_default(),
        false => String::new(),
    }
}

fn grid<DB: DrawingBackend>(
    root: &Area<DB>,
    (rows, columns): (&[String], &[String]),
    cells: &[Vec<f64>],
    color: RGBColor,
    ink: Ink,
) -> Result<Plot, String> {
    let (height, width) = (rows.len().max(1), columns.len().max(1));
    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(GRID_LABELS)
        .build_cartesian_2d(0f64..width as f64, 0f64..height as f64)
        .map_err(text)?;
    // A label needs about 16 pixels down and 34 across.
    let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
    let fits = |cells: usize, pixels: i32, each: usize| {
        (cells * each).div_ceil(usize::try_from(pixels.max(1)).unwrap_or(1))
    };
    let every_row = fits(height, plot_y.end - plot_y.start, 16);
    let every_column = fits(width, plot_x.end - plot_x.start, 34);
    // Labels sit at the cells' middles: half steps.
    let reversed: Vec<String> = rows.iter().rev().cloned().collect();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(width * 2 + 1)
        .y_labels(height * 2 + 1)
        .label_style(("sans-serif", 14).into_font().color(&ink.text))
        .axis_style(ink.axis)
        .x_label_formatter(&|x| middle_label(columns, *x, every_column))
        .y_label_formatter(&|y| {
            // Row 0 at the top: counted from the bottom here.
            let from_bottom = y.floor().max(0.0) as usize;
            let keep = (height - 1 - from_bottom.min(height - 1)).is_multiple_of(every_row);
            match keep {
                true => middle_label(&reversed, *y, 1),
                false => String::new(),
            }
        })
        .draw()
        .map_err(text)?;
    chart
        .draw_series(cells.iter().enumerate().flat_map(|(row, shares)| {
            shares.iter().enumerate().map(move |(column, share)| {
                let y = (height - 1 - row) as f64;
                let x = column as f64;
                let fill = match *share > 0.0 {
                    true => mix(color, 0.12 + 0.88 * share, ink.background),
                    false => mix(ink.text, 0.06, ink.background),
                };
                Rectangle::new([(x + 0.04, y + 0.06), (x + 0.96, y + 0.94)], fill.filled())
            })
        }))
        .map_err(text)?;
    Ok(chart.plotting_area().get_pixel_range())
}

/// `color` at `strength` over `background`.
fn mix(color: RGBColor, strength: f64, background: RGBColor) -> RGBColor {
    let strength = strength.clamp(0.0, 1.0);
    let channel = |c: u8, under: u8| {
        (f64::from(under) + (f64::from(c) - f64::from(under)) * strength).round() as u8
    };
    RGBColor(
        channel(color.0, background.0),
        channel(color.1, background.1),
        channel(color.2, background.2),
    )
}

/// The plotting area a chart with `label_width` of labels on its left
/// gets: what [`Picture::draw`] answers, known without drawing.
pub(super) fn plot_area(label_width: u32) -> Plot {
    let (margin, x_labels) = (MARGIN as i32, X_LABELS as i32);
    (
        margin + label_width as i32..WIDTH as i32 - margin,
        margin..super::HEIGHT as i32 - margin - x_labels,
    )
}
