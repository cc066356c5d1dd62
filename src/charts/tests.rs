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
