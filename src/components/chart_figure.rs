//! A chart with its accessible name, legend and a summary line.

use leptos::prelude::*;

/// Places an SVG drawn by [`crate::charts`]. `label` is the accessible name.
#[component]
pub fn ChartFigure(
    /// Heading and the start of the accessible name.
    title: &'static str,
    /// The full accessible name (what the chart shows, over which window).
    label: Signal<String>,
    /// The SVG document, or why it could not be drawn.
    svg: Signal<Result<String, String>>,
    /// How many events the chart is drawn from.
    drawn_from: Signal<u64>,
    /// Legend entries: (label, CSS colour).
    legend: Vec<(&'static str, String)>,
) -> impl IntoView {
    let slug = title.to_lowercase().replace(' ', "-");
    view! {
        <section class="chart" data-chart=slug.clone()>
            <h2>{title}</h2>
            <figure role="img" aria-label=move || label.get() data-drawn-from=move || drawn_from.get().to_string()>
                {move || match svg.get() {
                    Ok(svg) => view! { <div class="chart-svg" inner_html=svg></div> }.into_any(),
                    Err(problem) => view! { <p class="chart-error">"This chart could not be drawn: " {problem}</p> }.into_any(),
                }}
            </figure>
            <ul class="legend">
                {legend
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
        </section>
    }
}
