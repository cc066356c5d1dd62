//! A chart with its accessible name, legend, data-table alternative, SVG and
//! PNG downloads, and pointer interaction over its plotting area: hover shows
//! a bucket's exact figures, a click picks it, a drag across a time chart
//! picks the span. The chart is painted on a canvas that stays in place
//! while its data changes: a change repaints it, nothing is rebuilt. It is
//! painted only while in sight or near it (within a screen's height): a
//! chart further away is painted when it comes near, so a filter change
//! costs the painting of the charts a person can see, not of all of them.

use leptos::prelude::*;

use crate::charts::{canvas, Drawn, HEIGHT, WIDTH};
use crate::download;

/// The numbers behind a chart, as a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What pointing at the plotting area means.
#[derive(Clone, Copy)]
pub enum Pointing {
    /// Nothing: the chart is read-only.
    None,
    /// Columns left to right (time buckets): hover describes column `i`, a
    /// click picks it, a drag picks the columns' span as fractions
    /// `(from, to)` of the plotting width.
    Columns {
        count: Signal<usize>,
        describe: Callback<usize, String>,
        on_pick: Callback<usize>,
        on_span: Callback<(f64, f64)>,
    },
    /// Rows top to bottom (ranked bars): hover describes row `i`, a click
    /// picks it.
    Rows {
        count: Signal<usize>,
        describe: Callback<usize, String>,
        on_pick: Callback<usize>,
    },
    /// A grid of `rows` by `columns` cells: hover describes the cell
    /// `row * columns + column`.
    Cells {
        rows: Signal<usize>,
        columns: Signal<usize>,
        describe: Callback<usize, String>,
    },
}

/// Less than this many pixels between press and release is a click.
const DRAG_PIXELS: f64 = 6.0;

/// Where the pointer is over the overlay, as fractions of its size.
fn pointer_fraction(ev: &web_sys::MouseEvent) -> Option<(f64, f64, f64)> {
    use wasm_bindgen::JsCast;
    let target: web_sys::Element = ev.current_target()?.dyn_into().ok()?;
    let rect = target.get_bounding_client_rect();
    if rect.width() <= 0.0 || rect.height() <= 0.0 {
        return None;
    }
    let x = ((f64::from(ev.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
    let y = ((f64::from(ev.client_y()) - rect.top()) / rect.height()).clamp(0.0, 1.0);
    Some((x, y, rect.width()))
}

/// Whether the `<details>` a toggle event came from is now open.
pub(crate) fn is_open(ev: &web_sys::Event) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|details| details.has_attribute("open"))
}

/// Keeps `near` true while `target` is in sight or within a screen's
/// height of it, and stops watching when the component goes. Where the
/// browser cannot watch, it is always near.
fn watch_nearness(target: NodeRef<leptos::html::Figure>, near: RwSignal<bool>) {
    use wasm_bindgen::{closure::Closure, JsCast};
    Effect::new(move |_| {
        let Some(element) = target.get() else {
            return;
        };
        let seen = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            // The last entry is the latest state.
            let latest = entries
                .iter()
                .last()
                .and_then(|entry| entry.dyn_into::<web_sys::IntersectionObserverEntry>().ok());
            if let Some(entry) = latest {
                let now = entry.is_intersecting();
                if near.get_untracked() != now {
                    near.set(now);
                }
            }
        });
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root_margin("100% 0px");
        match web_sys::IntersectionObserver::new_with_options(
            seen.as_ref().unchecked_ref(),
            &options,
        ) {
            Ok(observer) => {
                observer.observe(&element);
                let held = send_wrapper::SendWrapper::new((observer, seen));
                on_cleanup(move || held.0.disconnect());
            }
            Err(_) => near.set(true),
        }
    });
}

fn slot(fraction: f64, count: usize) -> usize {
    ((fraction * count as f64).floor() as usize).min(count.saturating_sub(1))
}

/// Places a chart drawn by [`crate::charts`]. `label` is the accessible name.
#[component]
pub fn ChartFigure(
    /// Heading and the start of the accessible name.
    title: &'static str,
    /// The full accessible name (what the chart shows, over which window).
    label: Signal<String>,
    /// The drawn chart, or why it could not be drawn.
    drawn: Signal<Result<Drawn, String>>,
    /// How many events the chart is drawn from.
    drawn_from: Signal<u64>,
    /// Legend entries: (label, CSS colour).
    #[prop(into)]
    legend: Signal<Vec<(String, String)>>,
    /// The data-table alternative.
    table: Signal<DataTable>,
    /// What pointing at the chart does.
    #[prop(default = Pointing::None)]
    pointing: Pointing,
    /// A line under the heading on how to use the chart.
    #[prop(default = None)]
    hint: Option<&'static str>,
    /// Whether what the chart is drawn from is still on its way (a load
    /// under way with nothing to show yet): the chart is left blank and
    /// marked busy rather than drawn from no events, which would read as
    /// a window with nothing in it (and cost a drawing no one needs).
    #[prop(optional, into)]
    waiting: Signal<bool>,
) -> impl IntoView {
    let slug = title.to_lowercase().replace([' ', ','], "-");
    let hovered = RwSignal::new(None::<(usize, f64)>);
    let pressed = RwSignal::new(None::<f64>);
    let dragged_to = RwSignal::new(None::<f64>);
    let download_problem = RwSignal::new(None::<String>);
    let table_open = RwSignal::new(false);
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let paint_problem = RwSignal::new(None::<String>);
    // Device pixels per chart pixel: more when the page is zoomed in, so the
    // chart stays sharp; a zoom is a resize.
    let ratio = RwSignal::new(canvas::pixel_ratio());
    let _resized = window_event_listener(leptos::ev::resize, move |_| {
        let now = canvas::pixel_ratio();
        if ratio.get_untracked() != now {
            ratio.set(now);
        }
    });
    let figure_ref = NodeRef::<leptos::html::Figure>::new();
    let near = RwSignal::new(false);
    watch_nearness(figure_ref, near);
    // Each drawing to show (what is drawn, or how sharply) is numbered;
    // `shown` is the one the canvas holds (none: blank).
    let wanted = Memo::new(move |last: Option<&u64>| {
        drawn.track();
        ratio.track();
        last.map_or(0, |n| n + 1)
    });
    let shown = RwSignal::new(None::<u64>);
    Effect::new(move |_| {
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        if waiting.get() {
            // Not drawn, so not worked out: nothing else reads `drawn`
            // while waiting.
            if shown.get_untracked().is_some() {
                canvas::clear(&canvas);
                shown.set(None);
            }
            return;
        }
        let want = wanted.get();
        if !near.get() || shown.get_untracked() == Some(want) {
            return;
        }
        let problem = drawn.with_untracked(|drawn| match drawn {
            Ok(chart) => chart.paint(&canvas, ratio.get_untracked()).err(),
            Err(_) => None,
        });
        shown.set(Some(want));
        if paint_problem.get_untracked() != problem {
            paint_problem.set(problem);
        }
    });
    // A canvas behind its data (out of sight since it changed) is hidden
    // rather than show the old drawing in the frame it comes into sight.
    let behind = move || !waiting.get() && shown.get() != Some(wanted.get());
    // Why there is no chart: nothing to draw from yet, or the canvas refused.
    let problem = Memo::new(move |_| match waiting.get() {
        true => None,
        false => drawn
            .with(|drawn| drawn.as_ref().err().cloned())
            .or_else(|| paint_problem.get()),
    });
    let overlay_style = Memo::new(move |_| match waiting.get() {
        true => String::new(),
        false => drawn.with(|drawn| drawn.as_ref().map(Drawn::overlay_style).unwrap_or_default()),
    });

    let describe = match pointing {
        Pointing::None => None,
        Pointing::Columns { describe, .. }
        | Pointing::Rows { describe, .. }
        | Pointing::Cells { describe, .. } => Some(describe),
    };
    let columns = matches!(pointing, Pointing::Columns { .. });
    let cells = matches!(pointing, Pointing::Cells { .. });
    // Where the tip goes: across for columns, down for rows, both for cells.
    let tip_at = RwSignal::new((0.0, 0.0));

    let on_move = move |ev: web_sys::MouseEvent| {
        let Some((x, y, _)) = pointer_fraction(&ev) else {
            return;
        };
        let (index, at) = match pointing {
            Pointing::None => return,
            Pointing::Columns { count, .. } | Pointing::Rows { count, .. } => {
                let count = count.get_untracked();
                if count == 0 {
                    return;
                }
                match columns {
                    true => (slot(x, count), x),
                    false => (slot(y, count), y),
                }
            }
            Pointing::Cells { rows, columns, .. } => {
                let (rows, columns) = (rows.get_untracked(), columns.get_untracked());
                if rows == 0 || columns == 0 {
                    return;
                }
                (slot(y, rows) * columns + slot(x, columns), y)
            }
        };
        tip_at.set((x, y));
        hovered.set(Some((index, at)));
        if pressed.get_untracked().is_some() {
            dragged_to.set(Some(x));
        }
    };
    let on_down = move |ev: web_sys::MouseEvent| {
        if let Some((x, _, _)) = pointer_fraction(&ev) {
            ev.prevent_default();
            pressed.set(Some(x));
            dragged_to.set(None);
        }
    };
    let on_up = move |ev: web_sys::MouseEvent| {
        let Some(start) = pressed.get_untracked() else {
            return;
        };
        pressed.set(None);
        dragged_to.set(None);
        let Some((x, y, width)) = pointer_fraction(&ev) else {
            return;
        };
        match pointing {
            Pointing::Columns {
                count,
                on_pick,
                on_span,
                ..
            } => {
                if (x - start).abs() * width >= DRAG_PIXELS {
                    on_span.run((start.min(x), start.max(x)));
                } else if count.get_untracked() > 0 {
                    on_pick.run(slot(x, count.get_untracked()));
                }
            }
            Pointing::Rows { count, on_pick, .. } => {
                if count.get_untracked() > 0 {
                    on_pick.run(slot(y, count.get_untracked()));
                }
            }
            Pointing::None | Pointing::Cells { .. } => {}
        }
    };
    let on_leave = move |_| {
        hovered.set(None);
        pressed.set(None);
        dragged_to.set(None);
    };

    let download_slug = slug.clone();
    let save = move |png: bool| {
        let Ok(chart) = drawn.get_untracked() else {
            return;
        };
        let result = chart.svg().and_then(|svg| {
            if png {
                download::save_svg_as_png(&format!("{download_slug}.png"), &svg, WIDTH, HEIGHT)
            } else {
                download::save_text(&format!("{download_slug}.svg"), "image/svg+xml", &svg)
            }
        });
        download_problem.set(result.err());
    };
    let save_png = save.clone();

    view! {
        <section class="chart" data-chart=slug.clone()>
            <h2>{title}</h2>
            {hint.map(|hint| view! { <p class="chart-hint">{hint}</p> })}
            <figure role="img" aria-label=move || label.get() aria-busy=move || waiting.get().then_some("true")
                data-drawn-from=move || drawn_from.get().to_string() data-behind=move || behind().then_some("true")
                node_ref=figure_ref>
                <div class="chart-frame" hidden=move || problem.with(Option::is_some)>
                    <canvas class="chart-canvas" width=WIDTH height=HEIGHT node_ref=canvas_ref></canvas>
                    {(!matches!(pointing, Pointing::None)).then(|| view! {
                        <div class="chart-overlay" class:rows=!columns && !cells class:cells=cells style=move || overlay_style.get()
                            on:mousemove=on_move on:mousedown=on_down on:mouseup=on_up on:mouseleave=on_leave>
                            {move || match (pressed.get(), dragged_to.get()) {
                                (Some(from), Some(to)) => Some(view! {
                                    <div class="chart-selection" style=format!(
                                        "left:{:.3}%;width:{:.3}%",
                                        from.min(to) * 100.0,
                                        (to - from).abs() * 100.0
                                    )></div>
                                }),
                                _ => None,
                            }}
                            {move || hovered.get().and_then(|(index, at)| {
                                let text = describe?.run(index);
                                let position = if cells {
                                    let (x, y) = tip_at.get_untracked();
                                    format!("left:{:.2}%;top:{:.2}%", (x * 100.0).min(60.0), (y * 100.0 + 4.0).min(80.0))
                                } else if columns {
                                    format!("left:{:.2}%;top:0", (at * 100.0).min(70.0))
                                } else {
                                    format!("left:30%;top:{:.2}%", (at * 100.0).min(80.0))
                                };
                                Some(view! { <div class="chart-tip" role="status" style=position>{text}</div> })
                            })}
                        </div>
                    })}
                </div>
                {move || problem.get().map(|problem| view! {
                    <p class="chart-error">"This chart could not be drawn: " {problem}</p>
                })}
            </figure>
            <ul class="legend">
                {move || legend
                    .get()
                    .into_iter()
                    .map(|(name, color)| {
                        view! {
                            <li>
                                <span class="swatch" style=format!("background:{color}")></span>
                                {name}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <div class="chart-actions">
                // Built only while open: a closed table costs no DOM on
                // every filter change.
                <details class="data-table" on:toggle=move |ev| table_open.set(is_open(&ev))>
                    <summary>"Data table"</summary>
                    // Focusable: a wide table scrolls, by keyboard too.
                    {move || table_open.get().then(|| table.with(|table| view! {
                        <table tabindex="0">
                            <caption>{title} " as a table"</caption>
                            <thead><tr>{table.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}</tr></thead>
                            <tbody>
                                {table.rows.iter().map(|row| view! {
                                    <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }))}
                </details>
                <button type="button" class="download-svg" on:click=move |_| save(false)>"Download SVG"</button>
                <button type="button" class="download-png" on:click=move |_| save_png(true)>"Download PNG"</button>
            </div>
            {move || download_problem.get().map(|problem| view! {
                <p class="error-view" role="alert">"The download failed: " {problem}</p>
            })}
        </section>
    }
}
