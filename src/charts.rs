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
mod tests;
