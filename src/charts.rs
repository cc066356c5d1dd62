//! Charts, drawn with plotters into SVG text: the app's one drawing path.
//!
//! Each function takes plain series from [`audit_core::analytics`] and
//! returns an SVG document; components only place it. plotters escapes the
//! text it writes, and the only text here is times and counts.

use audit_core::analytics::{ActivityBucket, Buckets, LoginBucket};
use chrono::{Duration, FixedOffset};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 260;

pub const FAILED_COLOR: RGBColor = RGBColor(200, 40, 50);
pub const SUCCEEDED_COLOR: RGBColor = RGBColor(60, 140, 90);
pub const OCTOPAI_COLOR: RGBColor = RGBColor(40, 100, 200);
pub const CLOUDERA_COLOR: RGBColor = RGBColor(230, 130, 20);

/// CSS form of a chart colour, for HTML legends.
pub fn css(color: RGBColor) -> String {
    format!("rgb({}, {}, {})", color.0, color.1, color.2)
}

/// A tick label for the bucket at `x`: time of day for short windows, the
/// date too for longer ones, in the display offset.
fn tick_label(buckets: &Buckets, offset: FixedOffset, x: f64) -> String {
    let index = x.floor().max(0.0) as usize;
    let at = buckets.bucket_start(index).with_timezone(&offset);
    if buckets.window.length() <= Duration::days(1) {
        at.format("%H:%M").to_string()
    } else if buckets.size < Duration::days(1) {
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

/// Draws onto an SVG of the chart size with `draw`; errors come back as text.
fn render(
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|error| error.to_string())?;
        draw(&root)?;
        root.present().map_err(|error| error.to_string())?;
    }
    Ok(svg)
}

type TimeChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The frame every time chart shares: one unit of x per bucket, counts on y
/// from zero, time ticks in the display offset.
fn time_axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    bucket_count: usize,
    max: u32,
    buckets: &Buckets,
    offset: FixedOffset,
    y_desc: &str,
) -> Result<TimeChart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..bucket_count.max(1) as f64, 0f64..y_max(max))
        .map_err(text)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(8)
        .y_labels(5)
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 16))
        .x_label_formatter(&|x| tick_label(buckets, offset, *x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc(y_desc)
        .draw()
        .map_err(text)?;
    Ok(chart)
}

/// Failed logins stacked under successful ones, per bucket.
pub fn login_failures_svg(
    series: &[LoginBucket],
    buckets: &Buckets,
    offset: FixedOffset,
) -> Result<String, String> {
    let max = series
        .iter()
        .map(|b| b.failed + b.succeeded)
        .max()
        .unwrap_or(0);
    render(|root| {
        let mut chart = time_axes(root, series.len(), max, buckets, offset, "logins")?;
        chart
            .draw_series(
                series
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.failed > 0)
                    .map(|(i, b)| {
                        let x = i as f64;
                        Rectangle::new(
                            [(x + 0.1, 0.0), (x + 0.9, f64::from(b.failed))],
                            FAILED_COLOR.filled(),
                        )
                    }),
            )
            .map_err(text)?;
        chart
            .draw_series(
                series
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.succeeded > 0)
                    .map(|(i, b)| {
                        let x = i as f64;
                        let base = f64::from(b.failed);
                        Rectangle::new(
                            [(x + 0.1, base), (x + 0.9, base + f64::from(b.succeeded))],
                            SUCCEEDED_COLOR.filled(),
                        )
                    }),
            )
            .map_err(text)?;
        Ok(())
    })
}

/// Events per bucket, one line per source.
pub fn activity_timeline_svg(
    series: &[ActivityBucket],
    buckets: &Buckets,
    offset: FixedOffset,
) -> Result<String, String> {
    let max = series
        .iter()
        .map(|b| b.octopai.max(b.cloudera))
        .max()
        .unwrap_or(0);
    render(|root| {
        let mut chart = time_axes(root, series.len(), max, buckets, offset, "events")?;
        let points = |count: fn(&ActivityBucket) -> u32| {
            series
                .iter()
                .enumerate()
                .map(move |(i, b)| (i as f64 + 0.5, f64::from(count(b))))
                .collect::<Vec<_>>()
        };
        chart
            .draw_series(LineSeries::new(
                points(|b| b.octopai),
                OCTOPAI_COLOR.stroke_width(2),
            ))
            .map_err(text)?;
        chart
            .draw_series(LineSeries::new(
                points(|b| b.cloudera),
                CLOUDERA_COLOR.stroke_width(2),
            ))
            .map_err(text)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::analytics::{activity_timeline, login_outcomes};
    use audit_core::time::parse_iso;
    use audit_core::{AuditEvent, EventKind, Outcome, Source, TimeWindow};

    fn event(at: &str, source: Source, kind: EventKind, outcome: Outcome) -> AuditEvent {
        AuditEvent {
            id: at.into(),
            source,
            at: parse_iso(at).unwrap(),
            actor: "u".into(),
            ip: None,
            kind,
            action: "a".into(),
            target: None,
            outcome,
            detail: None,
            raw_json: "{}".into(),
        }
    }

    fn buckets() -> Buckets {
        let window = TimeWindow::new(
            parse_iso("2026-11-21T00:00:00Z").unwrap(),
            parse_iso("2026-11-22T00:00:00Z").unwrap(),
        )
        .unwrap();
        Buckets::new(window, Duration::hours(1))
    }

    fn bars(svg: &str, color: RGBColor) -> usize {
        svg.matches(&format!(
            "fill=\"#{:02X}{:02X}{:02X}\"",
            color.0, color.1, color.2
        ))
        .count()
    }

    #[test]
    fn login_chart_draws_one_bar_per_non_empty_outcome_bucket() {
        let events = [
            event(
                "2026-11-21T00:10:00Z",
                Source::Octopai,
                EventKind::Login,
                Outcome::Failed,
            ),
            event(
                "2026-11-21T00:20:00Z",
                Source::ClouderaManager,
                EventKind::Login,
                Outcome::Succeeded,
            ),
            event(
                "2026-11-21T05:00:00Z",
                Source::Octopai,
                EventKind::Login,
                Outcome::Failed,
            ),
            event(
                "2026-11-21T06:00:00Z",
                Source::Octopai,
                EventKind::PageLoad,
                Outcome::Succeeded,
            ),
        ];
        let svg = login_failures_svg(
            &login_outcomes(&events, &buckets()),
            &buckets(),
            FixedOffset::east_opt(0).unwrap(),
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert_eq!(bars(&svg, FAILED_COLOR), 2, "two buckets with failures");
        assert_eq!(bars(&svg, SUCCEEDED_COLOR), 1, "one bucket with a success");
        assert!(
            svg.contains("\n00:00\n") && svg.contains("\n05:00\n"),
            "UTC ticks: {svg}"
        );
        let plus_one = FixedOffset::east_opt(3600).unwrap();
        let shifted =
            login_failures_svg(&login_outcomes(&events, &buckets()), &buckets(), plus_one).unwrap();
        assert!(
            shifted.contains("\n01:00\n") && !shifted.contains("\n00:00\n"),
            "ticks in the display offset"
        );
    }

    #[test]
    fn empty_series_still_draw_axes() {
        let svg = login_failures_svg(
            &login_outcomes(&[], &buckets()),
            &buckets(),
            FixedOffset::east_opt(0).unwrap(),
        )
        .unwrap();
        assert_eq!(bars(&svg, FAILED_COLOR), 0);
        let svg = activity_timeline_svg(
            &activity_timeline(&[], &buckets()),
            &buckets(),
            FixedOffset::east_opt(0).unwrap(),
        )
        .unwrap();
        assert!(svg.contains("<polyline"));
    }
}
