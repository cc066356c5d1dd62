//! Zooming the time charts: a click on a bar shows its bucket, a drag shows
//! the span dragged across, and "back" returns to the range before.

use audit_core::analytics::Buckets;
use audit_core::TimeWindow;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::view::ViewHandle;
use crate::view_state::TimeRange;

/// The instant at `fraction` (0 to 1) of the plotting width: inside the
/// bucket it falls in, as far along as it falls.
pub fn instant_at(buckets: &Buckets, fraction: f64) -> DateTime<Utc> {
    let count = buckets.count();
    let position = fraction.clamp(0.0, 1.0) * count as f64;
    let index = (position.floor() as usize).min(count - 1);
    let start = buckets.bucket_start(index);
    let length = (buckets.bucket_end(index) - start).num_milliseconds() as f64;
    start + chrono::Duration::milliseconds(((position - index as f64).min(1.0) * length) as i64)
}

/// The window dragged across, from one fraction of the width to another.
pub fn dragged_window(buckets: &Buckets, from: f64, to: f64) -> Result<TimeWindow, String> {
    TimeWindow::new(instant_at(buckets, from), instant_at(buckets, to))
}

/// The zoom's controls, for the charts and the "back" button.
#[derive(Clone, Copy)]
pub struct Zoom {
    /// The ranges zoomed from, the latest last.
    pub history: RwSignal<Vec<TimeRange>>,
    /// A click on column `i`: show its bucket.
    pub pick_bucket: Callback<usize>,
    /// A drag across `(from, to)` fractions of the width: show that span.
    pub pick_span: Callback<(f64, f64)>,
    /// Back to the range before the last zoom.
    pub back: Callback<()>,
}

pub fn use_zoom(view: ViewHandle, buckets: Memo<Option<Buckets>>) -> Zoom {
    let history = RwSignal::new(Vec::<TimeRange>::new());
    let zoom_to = move |target: TimeWindow| {
        view.edit(|next| {
            history.update(|history| history.push(next.range));
            next.range = TimeRange::Absolute {
                start: target.start(),
                end: target.end(),
            };
        });
    };
    Zoom {
        history,
        pick_bucket: Callback::new(move |index: usize| {
            if let Some(buckets) = buckets.get_untracked() {
                zoom_to(buckets.bucket_window(index.min(buckets.count() - 1)));
            }
        }),
        pick_span: Callback::new(move |(from, to): (f64, f64)| {
            if let Some(Ok(target)) = buckets
                .get_untracked()
                .map(|buckets| dragged_window(&buckets, from, to))
            {
                zoom_to(target);
            }
        }),
        back: Callback::new(move |()| {
            if let Some(previous) = history.try_update(Vec::pop).flatten() {
                view.edit(|next| next.range = previous);
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_state::DisplayZone;
    use audit_core::time::parse_iso;

    fn day() -> Buckets {
        let window = TimeWindow::new(
            parse_iso("2026-11-18T00:00:00Z").unwrap(),
            parse_iso("2026-11-19T00:00:00Z").unwrap(),
        )
        .unwrap();
        Buckets::for_chart(window, 48, &DisplayZone::Utc)
    }

    #[test]
    fn a_fraction_of_the_width_is_that_far_through_the_window() {
        let buckets = day();
        assert_eq!(buckets.count(), 48, "half-hour buckets");
        assert_eq!(
            instant_at(&buckets, 0.0),
            parse_iso("2026-11-18T00:00:00Z").unwrap()
        );
        assert_eq!(
            instant_at(&buckets, 0.5),
            parse_iso("2026-11-18T12:00:00Z").unwrap()
        );
        assert_eq!(
            instant_at(&buckets, 0.25 + 1.0 / 192.0),
            parse_iso("2026-11-18T06:07:30Z").unwrap(),
            "a quarter of the way into a bucket"
        );
        assert_eq!(
            instant_at(&buckets, 1.0),
            parse_iso("2026-11-19T00:00:00Z").unwrap()
        );
        assert_eq!(
            instant_at(&buckets, 7.0),
            instant_at(&buckets, 1.0),
            "clamped"
        );
    }

    #[test]
    fn a_drag_gives_its_span_and_a_backwards_drag_none() {
        let buckets = day();
        let span = dragged_window(&buckets, 0.25, 0.5).unwrap();
        assert_eq!(span.start(), parse_iso("2026-11-18T06:00:00Z").unwrap());
        assert_eq!(span.end(), parse_iso("2026-11-18T12:00:00Z").unwrap());
        assert!(dragged_window(&buckets, 0.5, 0.25).is_err());
    }
}
