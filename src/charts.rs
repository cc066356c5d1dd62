//! Charts, drawn with plotters: the app's one drawing path.
//!
//! Each function takes plain series from [`audit_core::analytics`] and
//! returns a [`Drawn`] chart, which keeps what it is drawn from
//! ([`picture`]): the page paints it on a canvas ([`canvas`]), a download
//! writes it as SVG, both by the same plotters code. Where its plotting
//! area sits is known without drawing, so components can map a pointer to a
//! bucket. The SVG backend escapes the text it writes (user names and
//! addresses in the top-N charts included); a canvas holds no markup.

use std::sync::Arc;

use audit_core::analytics::{Buckets, HeatMap, OutcomeBucket, Zone};
use plotters::prelude::*;

pub mod canvas;
mod picture;

pub use picture::WEEKDAYS;
use picture::{Picture, TimeAxes};

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
/// A split usage chart's two parts: the sources' colours, known apart in
/// both themes.
pub const SEGMENT_COLORS: [RGBColor; 2] = [OCTOPAI_COLOR, CLOUDERA_COLOR];

/// What a chart is drawn in besides its series: the theme's background,
/// text, axes and grid. The light and dark values match style/main.css.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ink {
    pub background: RGBColor,
    pub text: RGBColor,
    pub axis: RGBColor,
    pub grid: RGBColor,
    /// Behind a stretch the time charts shade (a silent source).
    pub shade: RGBColor,
}

impl Ink {
    pub const LIGHT: Ink = Ink {
        background: RGBColor(255, 255, 255),
        text: RGBColor(29, 35, 43),
        axis: RGBColor(91, 102, 114),
        grid: RGBColor(222, 226, 231),
        shade: RGBColor(240, 173, 78),
    };
    pub const DARK: Ink = Ink {
        background: RGBColor(29, 35, 42),
        text: RGBColor(228, 232, 237),
        axis: RGBColor(164, 174, 187),
        grid: RGBColor(55, 63, 73),
        shade: RGBColor(176, 112, 24),
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

/// A chart ready to show: what it is drawn from, in the theme's ink. It is
/// drawn only when shown ([`Drawn::paint`], on a canvas) or downloaded
/// ([`Drawn::svg`]); building one costs no drawing.
#[derive(Clone)]
pub struct Drawn {
    picture: Arc<Picture>,
    ink: Ink,
}

impl std::fmt::Debug for Drawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drawn").finish_non_exhaustive()
    }
}

/// The same chart, not merely an equal one: a chart is built again only
/// when its data changed.
impl PartialEq for Drawn {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.picture, &other.picture) && self.ink == other.ink
    }
}

impl Drawn {
    fn new(picture: Picture, ink: Ink) -> Drawn {
        Drawn {
            picture: Arc::new(picture),
            ink,
        }
    }

    /// The chart as an SVG document (for downloads).
    pub fn svg(&self) -> Result<String, String> {
        self.svg_and_plot().map(|(svg, _)| svg)
    }

    fn svg_and_plot(&self) -> Result<(String, picture::Plot), String> {
        let mut svg = String::new();
        let plot = {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            self.picture.draw(&root, self.ink)?
        };
        Ok((svg, plot))
    }

    /// Draws the chart on `canvas` at `ratio` device pixels per chart pixel
    /// ([`canvas::pixel_ratio`]).
    pub fn paint(&self, canvas: &web_sys::HtmlCanvasElement, ratio: f64) -> Result<(), String> {
        canvas::paint(canvas, ratio, |root| {
            self.picture.draw(root, self.ink).map(|_| ())
        })
    }

    /// The plotting area as CSS percentages of the chart (left, top, width,
    /// height), for placing an overlay over it.
    pub fn overlay_style(&self) -> String {
        let (x, y) = picture::plot_area(self.picture.label_width());
        let across = |px: i32| f64::from(px) * 100.0 / f64::from(WIDTH);
        let down = |px: i32| f64::from(px) * 100.0 / f64::from(HEIGHT);
        format!(
            "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
            across(x.start),
            down(y.start),
            across(x.end - x.start),
            down(y.end - y.start)
        )
    }
}

/// A stretch of time a time chart shades behind its data, from and to.
pub type Shaded = (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>);

/// Failures stacked under successes (or denials under allowed operations),
/// one bar per bucket.
pub fn stacked_outcomes(
    series: &[OutcomeBucket],
    buckets: &Buckets,
    zone: &(impl Zone + Clone + Send + Sync + 'static),
    colors: (RGBColor, RGBColor),
    y_desc: &str,
    shade: &[Shaded],
    ink: Ink,
) -> Drawn {
    Drawn::new(
        Picture::Stacked {
            series: series.to_vec(),
            axes: TimeAxes::new(buckets, zone, y_desc, shade),
            colors,
        },
        ink,
    )
}

/// One line per series of per-bucket counts, each in its colour.
pub fn lines(
    lines: Vec<(Vec<u32>, RGBColor)>,
    buckets: &Buckets,
    zone: &(impl Zone + Clone + Send + Sync + 'static),
    y_desc: &str,
    shade: &[Shaded],
    ink: Ink,
) -> Drawn {
    Drawn::new(
        Picture::Lines {
            lines,
            axes: TimeAxes::new(buckets, zone, y_desc, shade),
        },
        ink,
    )
}

/// Horizontal bars, largest first from the top: the top-N charts. Row `i`
/// of the plotting area is item `i`.
pub fn ranked_bars(items: &[(String, u32)], color: RGBColor, ink: Ink) -> Drawn {
    Drawn::new(
        Picture::Ranked {
            items: items.to_vec(),
            color,
        },
        ink,
    )
}

/// Events by hour of day (x) and weekday (y, Monday at the top), darker for
/// more.
pub fn heat_map(cells: &HeatMap, color: RGBColor, ink: Ink) -> Drawn {
    Drawn::new(
        Picture::Heat {
            cells: Box::new(*cells),
            color,
        },
        ink,
    )
}

/// Shares from 0 to 1 in a grid (a retention triangle): `rows` labels
/// from the top, `columns` from the left, each row's `cells` from the
/// left, darker for more.
pub fn share_grid(
    rows: Vec<String>,
    columns: Vec<String>,
    cells: Vec<Vec<f64>>,
    color: RGBColor,
    ink: Ink,
) -> Drawn {
    Drawn::new(
        Picture::Grid {
            rows,
            columns,
            cells,
            color,
        },
        ink,
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

    /// The login chart as the dashboard draws it, in the light theme.
    fn login_chart(
        series: &[OutcomeBucket],
        zone: &(impl Zone + Clone + Send + Sync + 'static),
    ) -> Drawn {
        stacked_outcomes(
            series,
            &buckets(),
            zone,
            (FAILED_COLOR, SUCCEEDED_COLOR),
            "logins",
            &[],
            Ink::LIGHT,
        )
    }

    #[test]
    fn a_shaded_stretch_is_one_rectangle_behind_the_data_over_its_hours() {
        let shade = [(
            parse_iso("2026-11-21T06:00:00Z").unwrap(),
            parse_iso("2026-11-21T09:30:00Z").unwrap(),
        )];
        let drawn = stacked_outcomes(
            &login_outcomes(&logins(), &buckets(), None),
            &buckets(),
            &Utc,
            (FAILED_COLOR, SUCCEEDED_COLOR),
            "logins",
            &shade,
            Ink::LIGHT,
        );
        let svg = drawn.svg().unwrap();
        assert_eq!(bars(&svg, Ink::LIGHT.shade), 1, "{svg}");
        let plain = login_chart(&login_outcomes(&logins(), &buckets(), None), &Utc)
            .svg()
            .unwrap();
        assert_eq!(bars(&plain, Ink::LIGHT.shade), 0);
        // 3.5 of the day's 24 hours wide.
        let buckets = buckets();
        assert_eq!(buckets.position_of(shade[0].0), 6.0);
        assert_eq!(buckets.position_of(shade[0].1), 9.5);
        // Held to the window.
        assert_eq!(
            buckets.position_of(parse_iso("2026-11-20T06:00:00Z").unwrap()),
            0.0
        );
        assert_eq!(
            buckets.position_of(parse_iso("2026-11-23T06:00:00Z").unwrap()),
            24.0
        );
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
        let drawn = login_chart(&series, &Utc);
        let svg = &drawn.svg().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert_eq!(bars(svg, FAILED_COLOR), 2, "two buckets with failures");
        assert_eq!(bars(svg, SUCCEEDED_COLOR), 1, "one bucket with a success");
        assert!(
            svg.contains("\n00:00\n") && svg.contains("\n05:00\n"),
            "UTC ticks: {svg}"
        );
        assert!(drawn.overlay_style().starts_with("left:"));
        let plus_one = FixedOffset::east_opt(3600).unwrap();
        let shifted = login_chart(&series, &plus_one).svg().unwrap();
        assert!(
            shifted.contains("\n01:00\n") && !shifted.contains("\n00:00\n"),
            "ticks in the zone"
        );
    }

    #[test]
    fn empty_series_still_draw_axes() {
        let drawn = login_chart(&login_outcomes(&[], &buckets(), None), &Utc);
        assert_eq!(bars(&drawn.svg().unwrap(), FAILED_COLOR), 0);
        let empty = activity_timeline(&[], &buckets());
        let drawn = lines(
            vec![(empty.iter().map(|b| b.octopai).collect(), OCTOPAI_COLOR)],
            &buckets(),
            &Utc,
            "events",
            &[],
            Ink::LIGHT,
        );
        assert!(drawn.svg().unwrap().contains("<polyline"));
        assert!(ranked_bars(&[], FAILED_COLOR, Ink::LIGHT)
            .svg()
            .unwrap()
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
        let svg = ranked_bars(&items, FAILED_COLOR, Ink::LIGHT).svg().unwrap();
        assert!(!svg.contains("<script"), "escaped");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("a-very-long-account-name@…"));
        assert_eq!(bars(&svg, FAILED_COLOR), 2);
    }

    #[test]
    fn heat_map_draws_every_cell_and_labels_weekdays() {
        let cells = hour_by_weekday(&logins(), &Utc);
        let svg = heat_map(&cells, HEAT_COLOR, Ink::LIGHT).svg().unwrap();
        assert_eq!(
            svg.matches("<rect").count(),
            7 * 24 + 1,
            "cells plus the background"
        );
        for day in WEEKDAYS {
            assert!(svg.contains(&format!("\n{day}\n")), "{day}");
        }
    }

    #[test]
    fn a_share_grid_draws_a_triangle_with_its_row_labels() {
        let rows: Vec<String> = (1..=4).map(|w| format!("2026-11-0{w}")).collect();
        let columns: Vec<String> = (0..4).map(|k| format!("+{k}")).collect();
        let cells = vec![
            vec![1.0, 0.5, 0.25, 0.0],
            vec![1.0, 0.4, 0.1],
            vec![1.0, 0.0],
            vec![1.0],
        ];
        let svg = share_grid(rows.clone(), columns, cells, HEAT_COLOR, Ink::LIGHT)
            .svg()
            .unwrap();
        assert_eq!(
            svg.matches("<rect").count(),
            10 + 1,
            "the triangle's cells plus the background"
        );
        for row in rows {
            assert!(svg.contains(&format!("\n{row}\n")), "{row}");
        }
        assert!(svg.contains("\n+3\n"));
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
            let svg = heat_map(&cells, HEAT_COLOR, ink).svg().unwrap();
            let background = format!(
                "#{:02X}{:02X}{:02X}",
                ink.background.0, ink.background.1, ink.background.2
            );
            let text = format!("#{:02X}{:02X}{:02X}", ink.text.0, ink.text.1, ink.text.2);
            assert!(svg.contains(&background), "background {background}");
            assert!(svg.contains(&text), "text {text}");
        }
    }

    /// Where the overlay goes is known without drawing: it is where plotters
    /// puts the plotting area of every kind of chart.
    #[test]
    fn the_plotting_area_is_known_without_drawing() {
        let cells = hour_by_weekday(&logins(), &Utc);
        let series = login_outcomes(&logins(), &buckets(), None);
        let charts = [
            login_chart(&series, &Utc),
            lines(
                vec![(vec![1, 2, 3], OCTOPAI_COLOR)],
                &buckets(),
                &Utc,
                "",
                &[],
                Ink::DARK,
            ),
            // Wider counts, wider labels.
            lines(
                vec![(vec![1, 2_000_000], OCTOPAI_COLOR)],
                &buckets(),
                &Utc,
                "",
                &[],
                Ink::DARK,
            ),
            ranked_bars(&[("someone".to_owned(), 3)], FAILED_COLOR, Ink::LIGHT),
            heat_map(&cells, HEAT_COLOR, Ink::LIGHT),
        ];
        for chart in charts {
            let (_, drawn) = chart.svg_and_plot().unwrap();
            assert_eq!(picture::plot_area(chart.picture.label_width()), drawn);
        }
        let ranked = ranked_bars(&[], FAILED_COLOR, Ink::LIGHT);
        let (x, y) = picture::plot_area(ranked.picture.label_width());
        assert!(x.start > 200 && x.end <= WIDTH as i32 && y.start > 0 && y.end < HEIGHT as i32);
    }

    /// Each `<text>` of an SVG: its attributes' text and its content.
    fn svg_texts(svg: &str) -> Vec<(&str, &str)> {
        svg.split("<text ")
            .skip(1)
            .filter_map(|rest| {
                let (attributes, after) = rest.split_once('>')?;
                let (content, _) = after.split_once("</text>")?;
                Some((attributes, content.trim()))
            })
            .collect()
    }

    fn attribute(attributes: &str, name: &str) -> f64 {
        let attributes = format!(" {attributes}");
        let start = attributes.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        let value = &attributes[start..];
        value[..value.find('"').expect("a closing quote")]
            .parse()
            .expect("a number")
    }

    /// However many digits the counts have, the widest count on a time
    /// chart's axis (at 0.65 em a digit, wider than the digits of common
    /// sans-serif fonts) ends clear of the axis title beside it.
    #[test]
    fn counts_on_a_time_chart_leave_room_for_its_axis_title() {
        for max in [1, 9, 99, 999, 4_000, 99_999, 999_999, 9_999_999] {
            let start = buckets().bucket_start(0);
            let series: Vec<OutcomeBucket> = [0, max / 2, max - max / 2]
                .iter()
                .map(|&failed| OutcomeBucket {
                    bucket_start: start,
                    failed,
                    ok: failed,
                })
                .collect();
            for chart in [
                lines(
                    vec![(vec![0, max], OCTOPAI_COLOR)],
                    &buckets(),
                    &Utc,
                    "operations",
                    &[],
                    Ink::LIGHT,
                ),
                stacked_outcomes(
                    &series,
                    &buckets(),
                    &Utc,
                    (FAILED_COLOR, SUCCEEDED_COLOR),
                    "logins",
                    &[],
                    Ink::LIGHT,
                ),
            ] {
                let svg = chart.svg().unwrap();
                let texts = svg_texts(&svg);
                let (title, _) = texts
                    .iter()
                    .find(|(attributes, _)| attributes.contains("rotate(270"))
                    .expect("an axis title");
                let font = attribute(title, "font-size");
                let title_ends = attribute(title, "x") + font;
                let counts: Vec<_> = texts
                    .iter()
                    .filter(|(attributes, content)| {
                        attributes.contains("text-anchor=\"end\"")
                            && content.chars().all(|c| c.is_ascii_digit())
                    })
                    .collect();
                assert!(counts.len() >= 2, "{max}: {counts:?}");
                for (attributes, content) in counts {
                    let starts = attribute(attributes, "x") - content.len() as f64 * 0.65 * font;
                    assert!(
                        starts >= title_ends,
                        "{max}: the count {content} starts at {starts:.1}, in the title (to {title_ends:.1})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_chart_equals_itself_and_not_a_chart_built_again() {
        let chart = ranked_bars(&[("someone".to_owned(), 3)], FAILED_COLOR, Ink::LIGHT);
        assert_eq!(chart, chart.clone());
        assert_ne!(
            chart,
            ranked_bars(&[("someone".to_owned(), 3)], FAILED_COLOR, Ink::LIGHT)
        );
    }
}
