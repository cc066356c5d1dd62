//! Charts, drawn with plotters into SVG text: the app's one drawing path.
//!
//! Each function takes plain series from [`audit_core::analytics`] and
//! returns a [`Drawn`] chart: the SVG document and where its plotting area
//! sits, so components can map a pointer to a bucket. plotters escapes the
//! text it writes (user names and addresses in the top-N charts included).

use audit_core::analytics::{Buckets, HeatMap, OutcomeBucket, Zone};
use chrono::Duration;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 260;

// Series colours serve both themes: each has at least 3:1 contrast (WCAG
// AA for graphics) against the light and the dark chart background, which
// `series_colours_meet_aa_contrast_in_both_themes` checks.
pub const FAILED_COLOR: RGBColor = RGBColor(214, 48, 58);
pub const SUCCEEDED_COLOR: RGBColor = RGBColor(60, 140, 90);
pub const DENIED_COLOR: RGBColor = RGBColor(196, 56, 156);
pub const ALLOWED_COLOR: RGBColor = RGBColor(90, 120, 150);
pub const OCTOPAI_COLOR: RGBColor = RGBColor(50, 112, 214);
pub const CLOUDERA_COLOR: RGBColor = RGBColor(200, 100, 0);
pub const USERS_COLOR: RGBColor = RGBColor(140, 96, 204);
/// The strongest cell of the heat map; emptier cells fade to the background.
pub const HEAT_COLOR: RGBColor = RGBColor(50, 120, 200);

/// What a chart is drawn in besides its series: the theme's background,
/// text, axes and grid. The light and dark values match style/main.css.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ink {
    pub background: RGBColor,
    pub text: RGBColor,
    pub axis: RGBColor,
    pub grid: RGBColor,
}

impl Ink {
    pub const LIGHT: Ink = Ink {
        background: RGBColor(255, 255, 255),
        text: RGBColor(29, 35, 43),
        axis: RGBColor(91, 102, 114),
        grid: RGBColor(222, 226, 231),
    };
    pub const DARK: Ink = Ink {
        background: RGBColor(29, 35, 42),
        text: RGBColor(228, 232, 237),
        axis: RGBColor(164, 174, 187),
        grid: RGBColor(55, 63, 73),
    };

    pub fn for_theme(theme: crate::theme::Theme) -> Ink {
        match theme {
            crate::theme::Theme::Light => Ink::LIGHT,
            crate::theme::Theme::Dark => Ink::DARK,
        }
    }
}

/// The WCAG contrast ratio of two colours (1 to 21).
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    fn luminance(color: RGBColor) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(color.0) + 0.7152 * linear(color.1) + 0.0722 * linear(color.2)
    }
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// CSS form of a chart colour, for HTML legends.
pub fn css(color: RGBColor) -> String {
    format!("rgb({}, {}, {})", color.0, color.1, color.2)
}

/// A drawn chart: the SVG and its plotting area in SVG pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub svg: String,
    pub plot_left: i32,
    pub plot_right: i32,
    pub plot_top: i32,
    pub plot_bottom: i32,
}

impl Drawn {
    /// The plotting area as CSS percentages of the chart (left, top, width,
    /// height), for placing an overlay over it.
    pub fn overlay_style(&self) -> String {
        let x = |px: i32| f64::from(px) * 100.0 / f64::from(WIDTH);
        let y = |px: i32| f64::from(px) * 100.0 / f64::from(HEIGHT);
        format!(
            "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
            x(self.plot_left),
            y(self.plot_top),
            x(self.plot_right - self.plot_left),
            y(self.plot_bottom - self.plot_top)
        )
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

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

fn y_max(max: u32) -> f64 {
    (f64::from(max.max(1)) * 1.15).ceil()
}

type Root<'b> = DrawingArea<SVGBackend<'b>, plotters::coord::Shift>;
type Plot = (std::ops::Range<i32>, std::ops::Range<i32>);

/// Draws onto an SVG of the chart size with `draw`, which answers the pixel
/// range of its plotting area; errors come back as text.
fn render(ink: Ink, draw: impl FnOnce(&Root<'_>) -> Result<Plot, String>) -> Result<Drawn, String> {
    let mut svg = String::new();
    let plot;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&ink.background).map_err(text)?;
        plot = draw(&root)?;
        root.present().map_err(text)?;
    }
    Ok(Drawn {
        svg,
        plot_left: plot.0.start,
        plot_right: plot.0.end,
        plot_top: plot.1.start,
        plot_bottom: plot.1.end,
    })
}

type TimeChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The frame every time chart shares: one unit of x per bucket, counts on y
/// from zero, time ticks on the zone's wall clock.
fn time_axes<'a, 'b>(
    root: &'a Root<'b>,
    max: u32,
    buckets: &Buckets,
    zone: &impl Zone,
    y_desc: &str,
    ink: Ink,
) -> Result<TimeChart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..buckets.count().max(1) as f64, 0f64..y_max(max))
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
        .x_label_formatter(&|x| tick_label(buckets, zone, *x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc(y_desc)
        .draw()
        .map_err(text)?;
    Ok(chart)
}

/// Failures stacked under successes (or denials under allowed operations),
/// one bar per bucket.
pub fn stacked_outcomes_svg(
    series: &[OutcomeBucket],
    buckets: &Buckets,
    zone: &impl Zone,
    colors: (RGBColor, RGBColor),
    y_desc: &str,
    ink: Ink,
) -> Result<Drawn, String> {
    let (failed_color, ok_color) = colors;
    let max = series.iter().map(|b| b.failed + b.ok).max().unwrap_or(0);
    render(ink, |root| {
        let mut chart = time_axes(root, max, buckets, zone, y_desc, ink)?;
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
    })
}

/// One line per series of per-bucket counts, each in its colour.
pub fn lines_svg(
    lines: &[(Vec<u32>, RGBColor)],
    buckets: &Buckets,
    zone: &impl Zone,
    y_desc: &str,
    ink: Ink,
) -> Result<Drawn, String> {
    let max = lines
        .iter()
        .flat_map(|(counts, _)| counts.iter().copied())
        .max()
        .unwrap_or(0);
    render(ink, |root| {
        let mut chart = time_axes(root, max, buckets, zone, y_desc, ink)?;
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
    })
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

/// Horizontal bars, largest first from the top: the top-N charts. Row `i`
/// of the plotting area is item `i`.
pub fn ranked_bars_svg(
    items: &[(String, u32)],
    color: RGBColor,
    ink: Ink,
) -> Result<Drawn, String> {
    let max = items.iter().map(|(_, count)| *count).max().unwrap_or(0);
    let rows = items.len().max(1) as f64;
    render(ink, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(210)
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
    })
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Events by hour of day (x) and weekday (y, Monday at the top), darker for
/// more.
pub fn heat_map_svg(cells: &HeatMap, color: RGBColor, ink: Ink) -> Result<Drawn, String> {
    let max = cells.iter().flatten().copied().max().unwrap_or(0).max(1);
    render(ink, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(44)
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
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::analytics::{activity_timeline, hour_by_weekday, login_outcomes, Step};
    use audit_core::fixture::event;
    use audit_core::time::parse_iso;
    use audit_core::{EventKind, Outcome, Source, TimeWindow};
    use chrono::{FixedOffset, Utc};

    fn buckets() -> Buckets {
        let window = TimeWindow::new(
            parse_iso("2026-11-21T00:00:00Z").unwrap(),
            parse_iso("2026-11-22T00:00:00Z").unwrap(),
        )
        .unwrap();
        Buckets::utc(window, Step::Minutes(60))
    }

    fn bars(svg: &str, color: RGBColor) -> usize {
        svg.matches(&format!(
            "fill=\"#{:02X}{:02X}{:02X}\"",
            color.0, color.1, color.2
        ))
        .count()
    }

    fn logins() -> Vec<audit_core::AuditEvent> {
        vec![
            event(
                "1",
                Source::Octopai,
                "2026-11-21T00:10:00Z",
                EventKind::Login,
                Outcome::Failed,
            ),
            event(
                "2",
                Source::ClouderaManager,
                "2026-11-21T00:20:00Z",
                EventKind::Login,
                Outcome::Succeeded,
            ),
            event(
                "3",
                Source::Octopai,
                "2026-11-21T05:00:00Z",
                EventKind::Login,
                Outcome::Failed,
            ),
            event(
                "4",
                Source::Octopai,
                "2026-11-21T06:00:00Z",
                EventKind::PageLoad,
                Outcome::Succeeded,
            ),
        ]
    }

    #[test]
    fn stacked_chart_draws_one_bar_per_non_empty_outcome_bucket() {
        let series = login_outcomes(&logins(), &buckets(), None);
        let drawn = stacked_outcomes_svg(
            &series,
            &buckets(),
            &Utc,
            (FAILED_COLOR, SUCCEEDED_COLOR),
            "logins",
            Ink::LIGHT,
        )
        .unwrap();
        let svg = &drawn.svg;
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert_eq!(bars(svg, FAILED_COLOR), 2, "two buckets with failures");
        assert_eq!(bars(svg, SUCCEEDED_COLOR), 1, "one bucket with a success");
        assert!(
            svg.contains("\n00:00\n") && svg.contains("\n05:00\n"),
            "UTC ticks: {svg}"
        );
        assert!(
            drawn.plot_left > 0
                && drawn.plot_right <= WIDTH as i32
                && drawn.plot_left < drawn.plot_right
        );
        assert!(drawn.overlay_style().starts_with("left:"));
        let plus_one = FixedOffset::east_opt(3600).unwrap();
        let shifted = stacked_outcomes_svg(
            &series,
            &buckets(),
            &plus_one,
            (FAILED_COLOR, SUCCEEDED_COLOR),
            "logins",
            Ink::LIGHT,
        )
        .unwrap();
        assert!(
            shifted.svg.contains("\n01:00\n") && !shifted.svg.contains("\n00:00\n"),
            "ticks in the zone"
        );
    }

    #[test]
    fn empty_series_still_draw_axes() {
        let drawn = stacked_outcomes_svg(
            &login_outcomes(&[], &buckets(), None),
            &buckets(),
            &Utc,
            (FAILED_COLOR, SUCCEEDED_COLOR),
            "logins",
            Ink::LIGHT,
        )
        .unwrap();
        assert_eq!(bars(&drawn.svg, FAILED_COLOR), 0);
        let empty = activity_timeline(&[], &buckets());
        let drawn = lines_svg(
            &[(empty.iter().map(|b| b.octopai).collect(), OCTOPAI_COLOR)],
            &buckets(),
            &Utc,
            "events",
            Ink::LIGHT,
        )
        .unwrap();
        assert!(drawn.svg.contains("<polyline"));
        assert!(ranked_bars_svg(&[], FAILED_COLOR, Ink::LIGHT)
            .unwrap()
            .svg
            .starts_with("<svg"));
    }

    #[test]
    fn ranked_bars_escape_hostile_names_and_shorten_long_ones() {
        let items = vec![
            ("<script>alert(1)</script>".to_owned(), 5),
            (
                "a-very-long-account-name@some-long-domain.example.com".to_owned(),
                2,
            ),
        ];
        let drawn = ranked_bars_svg(&items, FAILED_COLOR, Ink::LIGHT).unwrap();
        assert!(!drawn.svg.contains("<script"), "escaped");
        assert!(drawn.svg.contains("&lt;script&gt;"));
        assert!(drawn.svg.contains("a-very-long-account-name@…"));
        assert_eq!(bars(&drawn.svg, FAILED_COLOR), 2);
    }

    #[test]
    fn heat_map_draws_every_cell_and_labels_weekdays() {
        let cells = hour_by_weekday(&logins(), &Utc);
        let drawn = heat_map_svg(&cells, HEAT_COLOR, Ink::LIGHT).unwrap();
        assert_eq!(
            drawn.svg.matches("<rect").count(),
            7 * 24 + 1,
            "cells plus the background"
        );
        for day in WEEKDAYS {
            assert!(drawn.svg.contains(&format!("\n{day}\n")), "{day}");
        }
    }

    #[test]
    fn series_colours_meet_aa_contrast_in_both_themes() {
        let series = [
            ("failed", FAILED_COLOR),
            ("succeeded", SUCCEEDED_COLOR),
            ("denied", DENIED_COLOR),
            ("allowed", ALLOWED_COLOR),
            ("Octopai", OCTOPAI_COLOR),
            ("Cloudera Manager", CLOUDERA_COLOR),
            ("active users", USERS_COLOR),
            ("heat", HEAT_COLOR),
        ];
        for (theme, ink) in [("light", Ink::LIGHT), ("dark", Ink::DARK)] {
            for (name, color) in series {
                let ratio = contrast(color, ink.background);
                assert!(ratio >= 3.0, "{name} on {theme}: {ratio:.2}:1");
            }
            let text = contrast(ink.text, ink.background);
            assert!(text >= 4.5, "chart text on {theme}: {text:.2}:1");
            let axis = contrast(ink.axis, ink.background);
            assert!(axis >= 3.0, "axes on {theme}: {axis:.2}:1");
        }
        assert!((contrast(RGBColor(0, 0, 0), RGBColor(255, 255, 255)) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn charts_are_drawn_in_the_theme_shown() {
        let cells = hour_by_weekday(&logins(), &Utc);
        for ink in [Ink::LIGHT, Ink::DARK] {
            let drawn = heat_map_svg(&cells, HEAT_COLOR, ink).unwrap();
            let background = format!(
                "#{:02X}{:02X}{:02X}",
                ink.background.0, ink.background.1, ink.background.2
            );
            let text = format!("#{:02X}{:02X}{:02X}", ink.text.0, ink.text.1, ink.text.2);
            assert!(drawn.svg.contains(&background), "background {background}");
            assert!(drawn.svg.contains(&text), "text {text}");
        }
    }
}
