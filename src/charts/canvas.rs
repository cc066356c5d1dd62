//! A plotters backend drawing on a `<canvas>`: how charts are shown. The
//! browser paints it directly, where the same chart as SVG text would be
//! parsed into hundreds of elements and laid out on every change. The
//! canvas holds device pixels (sharp at any zoom); plotters draws in chart
//! pixels ([`WIDTH`] × [`HEIGHT`]), scaled once by the context's transform.

use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::{HEIGHT, WIDTH};

/// What the canvas refused, in the browser's words.
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanvasError {}

type Failed = DrawingErrorKind<CanvasError>;

fn failed(error: wasm_bindgen::JsValue) -> Failed {
    DrawingErrorKind::DrawingError(CanvasError(
        error.as_string().unwrap_or_else(|| format!("{error:?}")),
    ))
}

/// A 2D context, drawn on in chart pixels. The font, fill, stroke and text
/// alignment last set are remembered: each is a call into the browser (the
/// font one parsed there), and a chart's labels nearly all share them.
pub struct Canvas {
    context: CanvasRenderingContext2d,
    font: String,
    fill: String,
    stroke: (String, u32),
    align: &'static str,
}

fn rgba(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    if color.alpha >= 1.0 {
        format!("rgb({r},{g},{b})")
    } else {
        format!("rgba({r},{g},{b},{})", color.alpha)
    }
}

impl Canvas {
    fn fill_with(&mut self, color: BackendColor) {
        let fill = rgba(color);
        if fill != self.fill {
            self.context.set_fill_style_str(&fill);
            self.fill = fill;
        }
    }

    fn font(&mut self, font: String) {
        if font != self.font {
            self.context.set_font(&font);
            self.font = font;
        }
    }

    fn stroke_with(&mut self, style: &impl BackendStyle) {
        let stroke = (rgba(style.color()), style.stroke_width());
        if stroke != self.stroke {
            self.context.set_stroke_style_str(&stroke.0);
            self.context.set_line_width(f64::from(stroke.1));
            self.stroke = stroke;
        }
    }

    fn trace(&self, path: impl IntoIterator<Item = BackendCoord>) {
        self.context.begin_path();
        for (i, (x, y)) in path.into_iter().enumerate() {
            if i == 0 {
                self.context.move_to(f64::from(x), f64::from(y));
            } else {
                self.context.line_to(f64::from(x), f64::from(y));
            }
        }
    }
}

impl DrawingBackend for Canvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn ensure_prepared(&mut self) -> Result<(), Failed> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), Failed> {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Result<(), Failed> {
        if color.alpha > 0.0 {
            self.fill_with(color);
            self.context.fill_rect(f64::from(x), f64::from(y), 1.0, 1.0);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failed> {
        if style.color().alpha > 0.0 {
            self.stroke_with(style);
            self.trace([from, to]);
            self.context.stroke();
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (left, top): BackendCoord,
        (right, bottom): BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failed> {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        let (x, y) = (f64::from(left), f64::from(top));
        let (w, h) = (f64::from(right - left), f64::from(bottom - top));
        if fill {
            self.fill_with(style.color());
            self.context.fill_rect(x, y, w, h);
        } else {
            self.stroke_with(style);
            self.context.stroke_rect(x, y, w, h);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failed> {
        if style.color().alpha > 0.0 {
            self.stroke_with(style);
            self.context.set_line_join("round");
            self.trace(path);
            self.context.stroke();
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failed> {
        if style.color().alpha > 0.0 {
            self.fill_with(style.color());
            self.trace(path);
            self.context.close_path();
            self.context.fill();
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failed> {
        if style.color().alpha <= 0.0 {
            return Ok(());
        }
        self.context.begin_path();
        self.context
            .arc(
                f64::from(x),
                f64::from(y),
                f64::from(radius),
                0.0,
                std::f64::consts::TAU,
            )
            .map_err(failed)?;
        if fill {
            self.fill_with(style.color());
            self.context.fill();
        } else {
            self.stroke_with(style);
            self.context.stroke();
        }
        Ok(())
    }

    /// Text placed as the SVG backend places it: the same size, anchor and
    /// offset from the baseline (in ems of the font), turned about its
    /// point.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        (x, y): BackendCoord,
    ) -> Result<(), Failed> {
        let color = style.color();
        if color.alpha <= 0.0 {
            return Ok(());
        }
        let size = style.size() / 1.24;
        self.fill_with(color);
        self.font(format!(
            "{} {size}px {}",
            style.style().as_str(),
            style.family().as_str()
        ));
        let align = match style.anchor().h_pos {
            HPos::Left => "left",
            HPos::Center => "center",
            HPos::Right => "right",
        };
        if align != self.align {
            self.context.set_text_align(align);
            self.align = align;
        }
        let context = &self.context;
        let drop = size
            * match style.anchor().v_pos {
                VPos::Top => 0.76,
                VPos::Center => 0.25,
                VPos::Bottom => -0.25,
            };
        let turn = match style.transform() {
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
            _ => 0.0,
        };
        // Most labels are not turned: drawn in place, without saving,
        // moving, turning and restoring the context around each.
        if turn == 0.0 {
            return context
                .fill_text(text, f64::from(x), f64::from(y) + drop)
                .map_err(failed);
        }
        context.save();
        let drawn = context
            .translate(f64::from(x), f64::from(y))
            .and_then(|()| context.rotate(f64::to_radians(turn)))
            .and_then(|()| context.fill_text(text, 0.0, drop));
        context.restore();
        drawn.map_err(failed)
    }
}

/// Device pixels per chart pixel on this screen (more when zoomed in).
pub fn pixel_ratio() -> f64 {
    web_sys::window()
        .map_or(1.0, |window| window.device_pixel_ratio())
        .clamp(1.0, 4.0)
}

/// Wipes whatever `canvas` holds (setting its size, even to the same,
/// empties it).
pub fn clear(canvas: &HtmlCanvasElement) {
    canvas.set_width(canvas.width());
}

/// Sizes `canvas` for `ratio` device pixels per chart pixel and draws on it
/// with `draw`.
pub fn paint(
    canvas: &HtmlCanvasElement,
    ratio: f64,
    draw: impl FnOnce(&DrawingArea<Canvas, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), String> {
    let device = |size: u32| (f64::from(size) * ratio).round() as u32;
    if canvas.width() != device(WIDTH) || canvas.height() != device(HEIGHT) {
        canvas.set_width(device(WIDTH));
        canvas.set_height(device(HEIGHT));
    }
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|context| context.dyn_into().ok())
        .ok_or("this browser gives no 2D canvas")?;
    context
        .set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)
        .map_err(|error| format!("{error:?}"))?;
    // What the context was last given is not known here: the first font,
    // fill and alignment are set whatever they are. Every label sits on
    // its baseline.
    context.set_text_baseline("alphabetic");
    let canvas = Canvas {
        context,
        font: String::new(),
        fill: String::new(),
        stroke: (String::new(), 0),
        align: "",
    };
    draw(&canvas.into_drawing_area())
}
